"""Command line: ``labkit verify``, ``info NAME``, ``prepost SCORES`` and ``audit PREDICTIONS``.

- ``labkit verify [NAME ...]``: check the datasets' checksums and schemas.
- ``labkit info NAME``: print a dataset's card.
- ``labkit prepost SCORES.csv --out report.html [--title T]``: evaluate a
  course from the same test taken before and after it, and write a
  self-contained HTML report (:mod:`labkit.programme`). Each item's objective
  comes from the file's ``objective`` column or, without one, from the
  question bank (:func:`labkit.quiz.by_id`).
- ``labkit audit PREDICTIONS --outcome COL --score COL [--group COL ...]
  [--threshold T] [--time COL] [--id COL] --out report.html``: audit a model
  on local patients (one row per patient; CSV or Parquet) and write one
  self-contained HTML report, or with ``--format md`` the model-card section
  (:mod:`labkit.extract` reads the file, :mod:`labkit.report` audits it).

Bad input gives one line on stderr naming the file, column or value at fault
and exit status 2, never a traceback, and never a partial report.

>>> main(["verify", "wdbc"])
ok  wdbc  569 rows  wdbc_breast_cytology.csv
0
"""

from __future__ import annotations

import argparse
import csv
import importlib
import sys
from pathlib import Path

from labkit import datasets
from labkit.output import output_path

EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="labkit", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="folder of datasets (default: the kit's own)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="check checksums and schemas of the datasets")
    verify.add_argument("names", nargs="*", help="datasets to check (default: all)")
    info = sub.add_parser("info", help="print a dataset's card")
    info.add_argument("name")
    prepost = sub.add_parser("prepost", help="evaluate a course from pre/post test scores "
                             "and write an HTML report")
    prepost.add_argument("scores", type=Path, help="CSV with columns learner_id, phase "
                         "(pre/post), item_id, score (0/1) and optionally objective")
    prepost.add_argument("--out", type=Path, required=True, help="HTML file to write")
    prepost.add_argument("--title", default="Programme evaluation: pre/post knowledge test",
                         help="title of the report")
    _audit_parser(sub)
    return parser


def _audit_parser(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser(
        "audit", help="audit a model's predictions on local patients: discrimination, "
        "calibration, clinical utility, groups, time; one HTML report",
        description="Audit a prediction model on your own patients. PREDICTIONS has one row "
        "per patient: the observed outcome, the model's predicted probability, and optional "
        "group, date and patient-id columns (CSV, delimiter detected, or Parquet).")
    audit.add_argument("predictions", type=Path, help="CSV (or .parquet) file, one row per "
                       "patient")
    audit.add_argument("--outcome", required=True, help="column of the observed outcome "
                       "(1/0, yes/no, true/false, or see --positive)")
    audit.add_argument("--score", required=True, help="column of the predicted probability "
                       "(0-1, or percentages 0-100)")
    audit.add_argument("--group", action="append", default=[], metavar="COL",
                       help="a column of patient groups to compare (repeat for more)")
    audit.add_argument("--intersect", action="append", default=[], metavar="COL,COL",
                       help="group columns to audit together, e.g. race_ethnicity,sex "
                       "(repeatable)")
    audit.add_argument("--reference", action="append", default=[], metavar="COL=GROUP",
                       help="reference group of a column (default: its largest group)")
    audit.add_argument("--threshold", type=float, default=None,
                       help="predicted risk at or above which the service acts (default: the "
                       "prevalence, with a warning)")
    audit.add_argument("--time", default=None, metavar="COL", help="column of dates (ISO "
                       "8601) for performance over time")
    audit.add_argument("--period", choices=("month", "quarter", "year"), default="quarter",
                       help="period for performance over time (default: quarter)")
    audit.add_argument("--id", default=None, metavar="COL", help="column of patient ids "
                       "(checked for duplicates)")
    audit.add_argument("--out", type=Path, required=True, help="file to write")
    audit.add_argument("--format", choices=("html", "md"), default=None,
                       help="html: the full report (default); md: the model-card section "
                       "(default from --out's suffix)")
    audit.add_argument("--title", default="Audit of a prediction model on local patients")
    audit.add_argument("--card", type=Path, default=None, metavar="YAML",
                       help="model-card fields already written (field: text)")
    audit.add_argument("--level", type=float, default=0.95, help="confidence level "
                       "(default 0.95)")
    read = audit.add_argument_group("reading the file (detected when not given)")
    read.add_argument("--delimiter", default=None)
    read.add_argument("--decimal", default=None, help="decimal mark, . or ,")
    read.add_argument("--thousands", default=None, help="thousands separator")
    read.add_argument("--encoding", default=None, help="text encoding (default: UTF-8, "
                      "else Windows-1252 with a warning)")
    read.add_argument("--positive", default=None, help="the outcome value that means the "
                      "event happened, e.g. died")
    read.add_argument("--scale", choices=("auto", "probability", "percent"), default="auto",
                      help="scale of the score (default: detected)")
    audit.add_argument("--quiet", action="store_true", help="no progress bar")


def _pairs(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        column, sep, group = value.partition("=")
        if not sep or not column.strip():
            raise ValueError(f"--reference {value!r}: write COLUMN=GROUP, e.g. sex=female")
        out[column.strip()] = group.strip()
    return out


def audit_result(args: argparse.Namespace):  # -> labkit.report.Audit
    """Read, check and audit the predictions named by parsed ``labkit audit`` arguments."""
    from labkit import extract, report

    card = report.read_card(args.card) if args.card else None
    predictions = extract.read_predictions(
        args.predictions, outcome=args.outcome, score=args.score, groups=args.group,
        time=args.time, id=args.id, delimiter=args.delimiter, thousands=args.thousands,
        decimal=args.decimal, encoding=args.encoding, positive=args.positive, scale=args.scale)
    return report.audit(predictions, threshold=args.threshold,
                        reference=_pairs(args.reference), intersections=args.intersect,
                        period=args.period, level=args.level, card=card,
                        progress=not args.quiet)


def _audit(args: argparse.Namespace) -> None:
    from labkit import report

    fmt = args.format or ("md" if args.out.suffix.lower() in (".md", ".markdown") else "html")
    output_path(args.out, "report.md" if fmt == "md" else "report.html")
    result = audit_result(args)
    write = report.write_markdown if fmt == "md" else report.write_html
    out = write(result, args.out) if fmt == "md" else write(result, args.out, title=args.title)
    print(result.summary())
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(f"wrote {out}")


def _has_objective_column(path: Path) -> bool:
    """Whether the CSV's header names an ``objective`` column (False if unreadable:
    reading the scores then gives the error)."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return "objective" in next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False


def _bank_objectives() -> tuple[dict[str, str], str]:
    """item id -> first objective code from the question bank, and where it came from."""
    try:
        bank = importlib.import_module("labkit.quiz").by_id()
    except (ImportError, AttributeError, OSError, ValueError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {}, f"the question bank, which could not be read ({why})"
    mapping = {str(item_id): str(item.objectives[0]) for item_id, item in bank.items()
               if getattr(item, "objectives", ())}
    return mapping, "the question bank (labkit/bank)"


def _prepost(args: argparse.Namespace) -> None:
    from labkit import programme

    items, items_from = (None, "the item mapping")
    if not _has_objective_column(args.scores):
        items, items_from = _bank_objectives()
    scores = programme.read_scores(args.scores, items, items_from=items_from)
    result = programme.evaluate(scores)
    out = programme.report(result, args.out, title=args.title)
    print(result.summary())
    print(f"wrote {out}")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "verify":
            for name in args.names or sorted(datasets.CARDS):
                spec = datasets.verify(name, folder=args.data_dir)
                print(f"ok  {spec.name}  {spec.n_rows} rows  {spec.file}")
        elif args.command == "prepost":
            _prepost(args)
        elif args.command == "audit":
            _audit(args)
        else:
            print(datasets.card(args.name)._repr_markdown_())
    except (OSError, ValueError) as exc:
        print(f"labkit: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
