"""Command line: ``labkit verify [NAME ...]`` and ``labkit info NAME``.

Bad input gives one line on stderr naming the file, column or value at fault
and exit status 2, never a traceback.

>>> main(["verify", "wdbc"])
ok  wdbc  569 rows  wdbc_breast_cytology.csv
0
"""

from __future__ import annotations

import argparse
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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "verify":
            for name in args.names or sorted(datasets.CARDS):
                spec = datasets.verify(name, folder=args.data_dir)
                print(f"ok  {spec.name}  {spec.n_rows} rows  {spec.file}")
        else:
            print(datasets.card(args.name)._repr_markdown_())
    except (OSError, ValueError) as exc:
        print(f"labkit: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
