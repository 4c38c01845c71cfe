"""Write every shipped dataset and datasets/SHA256SUMS, byte for byte reproducibly.

Run with ``make datasets`` (or ``python datasets/generate.py [OUT_DIR]``).
Reads only files installed on this machine; nothing is downloaded.

- wdbc_breast_cytology.csv: the Wisconsin Diagnostic Breast Cancer data as
  scikit-learn ships it (sklearn/datasets/data/breast_cancer.csv), with
  readable column names and the diagnosis spelt out.
- synthetic_admissions.csv and synthetic_admissions_truth.csv: the SYNTHETIC
  hospital cohort and its ground truth, from labkit.synthetic (seeded).
- synthetic_claims.csv: SYNTHETIC spending in the 12 months before each
  admission, from the payer's claims (labkit.synthetic.claims; its own seeded
  stream, so the files above do not change).
- synthetic_predictions.csv: a FICTIONAL vendor's 30-day readmission risk for
  each SYNTHETIC patient's first admission, with the outcome
  (labkit.synthetic.vendor_predictions; fixed coefficients, nothing random).
- prepost_scores_synthetic.csv: SYNTHETIC pre/post knowledge-test scores of
  30 imaginary learners, from labkit.programme.synthetic_scores (seeded).
- synthetic_chatbot_answers.csv: a FICTIONAL chatbot's answers to 70 clinical
  questions in two versions, with two SYNTHETIC raters' verdicts and the
  adjudicated error class (labkit.chatbot_items, hand-written;
  labkit.synthetic.chatbot_answers, seeded; Lab 11).
- vendor_readmission_model.skops: a FICTIONAL vendor's fitted readmission model,
  trained on a SYNTHETIC development hospital and saved with skops.io (never
  pickle), its zip rewritten with fixed dates and ids
  (labkit.synthetic.vendor_model_bytes; Lab 10).

SHA256SUMS gives each file's version on a comment line above its checksum
("# synthetic_claims.csv version 1.0.0"), taken from the newest row of the
file's datasheet's Versions table. If a file's new SHA-256 has no row there,
nothing is written and the script exits with status 2, naming the file: add a
row with a new version, the date, what changed and which lab numbers moved.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import sys
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent
FEATURES = [
    "radius", "texture", "perimeter", "area", "smoothness", "compactness",
    "concavity", "concave_points", "symmetry", "fractal_dimension",
]


def wdbc_csv() -> str:
    """The WDBC table as CSV text: diagnosis first, then the 30 features."""
    raw = resources.files("sklearn.datasets.data").joinpath("breast_cancer.csv")
    rows = list(csv.reader(io.StringIO(raw.read_text(encoding="utf-8"))))
    n_rows, n_features, *class_names = rows[0]
    body = rows[1:]
    if len(body) != int(n_rows) or any(len(r) != int(n_features) + 1 for r in body):
        raise SystemExit("breast_cancer.csv in scikit-learn has an unexpected shape")
    header = ["diagnosis"] + [f"{f}_{s}" for s in ("mean", "se", "worst") for f in FEATURES]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for r in body:
        # scikit-learn codes the target 0 = malignant, 1 = benign (its header order).
        writer.writerow([class_names[int(r[-1])]] + r[:-1])
    return out.getvalue()


def _csv(df) -> str:
    """CSV text with whole-number columns written without a decimal point."""
    out = df.copy()
    for col in out.columns:
        values = out[col]
        if values.dtype.kind == "f" and ((values.dropna() % 1) == 0).all() and values.isna().any():
            out[col] = values.astype("Int64")
    return out.to_csv(index=False, lineterminator="\n")


@functools.cache
def synthetic_frames():
    """The synthetic admissions, their ground truth and the payer's claims (DataFrames)."""
    from labkit.synthetic import claims, generate

    admissions, truth = generate()
    return admissions, truth, claims(admissions, truth)


@functools.cache
def synthetic_csvs() -> tuple[str, str, str]:
    """The synthetic admissions, their ground truth and the claims as CSV text."""
    return tuple(_csv(frame) for frame in synthetic_frames())


def predictions_csv() -> str:
    """The SYNTHETIC vendor predictions (one row per patient) as CSV text."""
    from labkit.synthetic import vendor_predictions

    return _csv(vendor_predictions(synthetic_frames()[0]))


def vendor_model_skops() -> bytes:
    """The FICTIONAL vendor's fitted model as a skops file (bytes, reproducible)."""
    from labkit.synthetic import vendor_model_bytes

    return vendor_model_bytes()


def prepost_csv() -> str:
    """The SYNTHETIC pre/post test scores as CSV text."""
    from labkit.programme import synthetic_scores

    return _csv(synthetic_scores())


def chatbot_csv() -> str:
    """The SYNTHETIC chatbot answers with two raters' verdicts (Lab 11) as CSV text."""
    from labkit.synthetic import chatbot_answers

    return _csv(chatbot_answers())


GENERATORS = {
    "wdbc_breast_cytology.csv": wdbc_csv,
    "synthetic_admissions.csv": lambda: synthetic_csvs()[0],
    "synthetic_admissions_truth.csv": lambda: synthetic_csvs()[1],
    "synthetic_claims.csv": lambda: synthetic_csvs()[2],
    "synthetic_predictions.csv": predictions_csv,
    "prepost_scores_synthetic.csv": prepost_csv,
    "synthetic_chatbot_answers.csv": chatbot_csv,
    "vendor_readmission_model.skops": vendor_model_skops,
}


def _shown(path: Path) -> str:
    """``datasets/x.csv`` for a path in the repository, else the full path."""
    try:
        return path.relative_to(HERE.parent).as_posix()
    except ValueError:
        return str(path)


class VersionsError(ValueError):
    """A file's SHA-256 is not the newest row of its datasheet's Versions table, or the
    table cannot be read: one line, naming the file."""


def sums_text(sums: dict[str, str], out_dir: Path, datasheets: Path = HERE) -> str:
    """SHA256SUMS for ``sums`` ({file: sha256}): each file's version comment, then its
    checksum line. The version is the newest row of the Versions table in the file's
    datasheet (in ``datasheets``), whose SHA-256 must be the file's; if it is not,
    raises VersionsError naming the file (and any other file in the same case).
    """
    from labkit.datasets import version_history

    lines, missing = [], []
    for name, digest in sorted(sums.items()):
        try:
            newest = version_history(name, folder=datasheets)[-1]
        except (ValueError, FileNotFoundError) as exc:
            raise VersionsError(str(exc)) from None
        if not digest.startswith(newest.sha256):
            sheet = datasheets / (Path(name).stem + ".md")
            missing.append((_shown(out_dir / name), f"its SHA-256 is {digest[:12]}... but "
                            f"{_shown(sheet)}'s Versions table has no row for it"))
        lines += [f"# {name} version {newest.version}\n", f"{digest}  {name}\n"]
    if missing:
        (first, why), *more = missing
        also = f" (the same for {', '.join(path for path, _ in more)})" if more else ""
        raise VersionsError(f"{first}: {why}: add a row with a new version, the date, what "
                            f"changed and which lab numbers moved{also}")
    return "".join(lines)


def write_all(out_dir: Path, datasheets: Path = HERE) -> dict[str, str]:
    """Write every dataset and SHA256SUMS into ``out_dir``; return {file: sha256}.

    Writes nothing if a file's new SHA-256 has no row in its datasheet's Versions
    table (:func:`sums_text` raises first).
    """
    made = {}
    for name, make in GENERATORS.items():
        data = make()
        made[name] = data.encode("utf-8") if isinstance(data, str) else data  # a model: bytes
    sums = {name: hashlib.sha256(data).hexdigest() for name, data in made.items()}
    text = sums_text(sums, out_dir, datasheets)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in made.items():
        tmp = out_dir / (name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(out_dir / name)  # never leave a half-written dataset behind
    tmp = out_dir / "SHA256SUMS.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out_dir / "SHA256SUMS")
    return sums


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    try:
        written = write_all(target)
    except VersionsError as exc:  # one line, no traceback
        print(exc, file=sys.stderr)
        sys.exit(2)
    for name, digest in written.items():
        print(f"{digest[:12]}  {target / name}")
