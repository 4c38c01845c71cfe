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


def write_all(out_dir: Path) -> dict[str, str]:
    """Write every dataset and SHA256SUMS into ``out_dir``; return {file: sha256}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sums = {}
    for name, make in GENERATORS.items():
        made = make()
        data = made.encode("utf-8") if isinstance(made, str) else made  # a model is bytes
        tmp = out_dir / (name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(out_dir / name)  # never leave a half-written dataset behind
        sums[name] = hashlib.sha256(data).hexdigest()
    text = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    tmp = out_dir / "SHA256SUMS.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out_dir / "SHA256SUMS")
    return sums


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for name, digest in write_all(target).items():
        print(f"{digest[:12]}  {target / name}")
