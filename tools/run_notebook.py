"""Execute one notebook in a fresh kernel and report its wall time and peak memory.

``python -m tools.run_notebook labs/00_setup.ipynb`` prints one JSON line:
``{"lab": ..., "seconds": ..., "peak_rss_mb": ...}``. The peak is the largest
resident set of the kernel process (which this process starts and reaps), read
from ``getrusage(RUSAGE_CHILDREN)``; ``null`` where that is not available.
A failing cell, or any cell that writes to stderr (a warning is a defect: the
book build fails on it too), gives one line on stderr and exit status 1.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def peak_children_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tools.run_notebook NOTEBOOK", file=sys.stderr)
        return 2
    path = Path(argv[0]).resolve()
    if not path.is_file():
        print(f"run_notebook: error: {path}: no such notebook", file=sys.stderr)
        return 2
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        last = [line for line in str(exc).splitlines() if line.strip()][-1]
        print(f"run_notebook: error: {path.name}: {last}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                first = out.get("text", "").strip().splitlines()[:1]
                print(f"run_notebook: error: {path.name}: code cell {number} wrote to stderr: "
                      f"{first[0] if first else ''}", file=sys.stderr)
                return 1
    peak = peak_children_mb()
    print(json.dumps({"lab": path.stem, "seconds": round(seconds, 2),
                      "peak_rss_mb": None if peak is None else round(peak, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
