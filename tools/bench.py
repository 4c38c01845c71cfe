"""``make bench``: time and memory of each lab and of the book build.

Each lab runs as a fresh process (``tools.run_notebook``: a new kernel, as a
learner would start it). The book is then built twice in a scratch copy of the
sources with no execution cache: a clean build, then a rebuild with no change.
Prints a table, compares it with the budgets, and writes ``_build/bench.json``.

    python -m tools.bench [--labs-only]
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "bench.json"

#: (seconds, MB) each lab must stay under; Lab 0 is only a set-up check.
LAB_BUDGET = {"00_setup": (10.0, 500.0)}
DEFAULT_LAB_BUDGET = (30.0, 700.0)
CLEAN_BUILD_BUDGET = 300.0
REBUILD_BUDGET = 30.0
BOOK_FILES = [
    "_config.yml", "_toc.yml", "references.bib", "index.md", "_static", "book", "datasets",
    "tools/sphinx_a11y.py",
]


def run_lab(notebook: Path) -> dict:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tools.run_notebook", str(notebook)],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.strip() or f"{notebook.name} failed")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    seconds, mb = LAB_BUDGET.get(notebook.stem, DEFAULT_LAB_BUDGET)
    result.update(process_seconds=round(wall, 2), budget_seconds=seconds, budget_mb=mb)
    result["within_budget"] = wall <= seconds and (
        result["peak_rss_mb"] is None or result["peak_rss_mb"] <= mb)
    return result


def build_book(src: Path) -> tuple[float, str]:
    """Build the book in ``src``; return the seconds taken and the build log."""
    jb = Path(sys.executable).parent / ("jupyter-book.exe" if os.name == "nt" else "jupyter-book")
    start = time.perf_counter()
    proc = subprocess.run([str(jb), "build", str(src), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, cwd=src)
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise SystemExit("book build failed in bench:\n" + log[-6000:])
    return seconds, log


def book_times() -> dict:
    with tempfile.TemporaryDirectory(prefix="labkit-bench-") as tmp:
        src = Path(tmp) / "book"
        src.mkdir()
        for name in BOOK_FILES:
            path = ROOT / name
            if path.is_dir():
                shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                (src / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, src / name)
        (src / "labs").mkdir()
        for nb in sorted((ROOT / "labs").glob("*.ipynb")):
            shutil.copy2(nb, src / "labs" / nb.name)
        clean, log = build_book(src)
        executed = log.count("Executed notebook")
        if executed != len(list((src / "labs").glob("*.ipynb"))):
            raise SystemExit(f"bench: the clean build executed {executed} labs, not all of them")
        rebuild, log = build_book(src)
        if "Executed notebook" in log:
            raise SystemExit("bench: the no-change rebuild re-executed a lab")
    return {"clean_build_seconds": round(clean, 1), "rebuild_seconds": round(rebuild, 1),
            "clean_build_budget": CLEAN_BUILD_BUDGET, "rebuild_budget": REBUILD_BUDGET,
            "within_budget": clean <= CLEAN_BUILD_BUDGET and rebuild <= REBUILD_BUDGET}


def main(argv: list[str]) -> int:
    labs = [run_lab(nb) for nb in sorted((ROOT / "labs").glob("*.ipynb"))]
    print(f"{'lab':<24} {'wall s':>7} {'kernel s':>9} {'peak RSS MB':>12}  budget")
    for r in labs:
        mb = "n/a" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.0f}"
        ok = "ok" if r["within_budget"] else "OVER"
        print(f"{r['lab']:<24} {r['process_seconds']:>7.1f} {r['seconds']:>9.1f} {mb:>12}  "
              f"{ok} (<{r['budget_seconds']:.0f} s, <{r['budget_mb']:.0f} MB)")
    report = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                          "python": platform.python_version()},
              "labs": labs}
    if "--labs-only" not in argv:
        book = book_times()
        report["book"] = book
        print(f"{'book: clean build':<24} {book['clean_build_seconds']:>7.1f} s  "
              f"(<{CLEAN_BUILD_BUDGET:.0f} s)")
        print(f"{'book: no-change rebuild':<24} {book['rebuild_seconds']:>7.1f} s  "
              f"(<{REBUILD_BUDGET:.0f} s)")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written {OUT.relative_to(ROOT)}")
    within = all(r["within_budget"] for r in labs) and report.get("book", {}).get(
        "within_budget", True)
    print("all within budget" if within else "OVER BUDGET: see the table")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
