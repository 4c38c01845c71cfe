"""Command line: ``labkit verify``, ``labkit info NAME`` and ``labkit prepost SCORES``.

- ``labkit verify [NAME ...]``: check the datasets' checksums and schemas.
- ``labkit info NAME``: print a dataset's card.
- ``labkit prepost SCORES.csv --out report.html [--title T]``: evaluate a
  course from the same test taken before and after it, and write a
  self-contained HTML report (:mod:`labkit.programme`). Each item's objective
  comes from the file's ``objective`` column or, without one, from the
  question bank (:func:`labkit.quiz.by_id`).

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
    return parser


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
        else:
            print(datasets.card(args.name)._repr_markdown_())
    except (OSError, ValueError) as exc:
        print(f"labkit: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
