"""Execute one notebook in a fresh kernel and report its wall time, peak memory and
slowest cells.

``python -m tools.run_notebook labs/00_setup.ipynb [--output EXECUTED.ipynb]``
prints one JSON line: ``{"lab", "seconds", "peak_rss_mb", "cell_seconds",
"slowest_cells"}`` (code cells counted from 0, as nbval counts them) and, with
``--output``, writes the executed notebook there. The peak is the largest
resident set of the kernel process (which this process starts and reaps), read
from ``getrusage(RUSAGE_CHILDREN)``; ``null`` where that is not available.

A failing cell, or any cell that writes to stderr (a warning is a defect: the
book build fails on it too), gives the report of :func:`tools.execute.failure_report`
on stderr (``FAILED labs/x.ipynb::Cell N ...``), exit status 1 and no output file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat

from tools.execute import execute_notebook, slowest_cells


def peak_children_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale


def main(argv: list[str]) -> int:
    output = None
    if len(argv) == 3 and argv[1] == "--output":
        output = Path(argv[2])
    elif len(argv) != 1 or argv[0].startswith("-"):
        print("usage: python -m tools.run_notebook NOTEBOOK [--output EXECUTED.ipynb]",
              file=sys.stderr)
        return 2
    path = Path(argv[0]).resolve()
    if not path.is_file():
        print(f"run_notebook: error: {path}: no such notebook", file=sys.stderr)
        return 2
    run = execute_notebook(path)
    if run.failure:
        print(run.failure, file=sys.stderr)
        return 1
    if output is not None:
        tmp = output.with_name(output.name + ".tmp")
        nbformat.write(run.nb, tmp)
        tmp.replace(output)
    peak = peak_children_mb()
    print(json.dumps({"lab": path.stem, "seconds": round(run.seconds, 2),
                      "peak_rss_mb": None if peak is None else round(peak, 1),
                      "cell_seconds": [None if s is None else round(s, 3)
                                       for s in run.cell_seconds],
                      "slowest_cells": slowest_cells(run.nb, run.cell_seconds)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
