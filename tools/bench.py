"""``make bench``: where the time goes, against budgets; exit status 1 when over one.

1. The import floor: a fresh kernel that only imports the stack the labs use
   (:data:`FLOOR_IMPORTS`), run :data:`FLOOR_RUNS` times; the median is the floor.
   Each lab's time budget is :data:`LAB_BUDGET_FACTOR` times the floor (Lab 0 too):
   a lab should spend most of its time teaching, not importing.
2. Each lab as a fresh process (``tools.run_notebook``: a new kernel, as a learner
   would start it, all threads): wall time, peak memory (budgets in
   :data:`LAB_MEMORY_MB`), its three slowest cells.
3. Determinism: each fresh run's text outputs against the cached run the book shows
   (``tools.execute``; labs not yet cached are executed into the cache first).
4. Class sizing: each lab's peak memory plus a learner's server must fit the per-learner
   memory guarantee that book/hosting.md and hosting/z2jh/config.yaml state
   (``tools.sizing``); and, when jupyterhub and its proxy are installed (``make hub``),
   a live JupyterHub with :data:`HUB_LEARNERS` learners at once (``tools.hub``): time to
   a ready server (budget :data:`HUB_READY_BUDGET`) and peak memory per learner
   (within the guarantee), written to ``_build/hub.json`` too.
5. ``labkit audit`` at scale: a 1,000,000-row extract with 3 group columns, an
   intersection, dates and ids (:func:`audit_extract`, resampled from the shipped
   example) audited into the full HTML report by the command line, as a fresh process:
   wall time and peak memory against :data:`AUDIT_BUDGET_SECONDS` and
   :data:`AUDIT_BUDGET_MB`.
6. The book, in a scratch copy with no cache: a clean build as ``make book`` does it
   (the labs executed two at a time, then jupyter-book, which must execute none),
   then a no-change rebuild; and, if ``tools/site_weight.py`` exists, the median
   page weight of the built site (reported; its budget is that module's business).

Prints a table, writes ``_build/bench.json``, and exits 1 if a lab failed, a lab
or the book is over budget, or a fresh run differs from the cache.

    python -m tools.bench [--labs-only]
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from tools import execute

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "bench.json"

#: What every lab imports before it teaches anything; their import time is the floor.
FLOOR_IMPORTS = ("import numpy, pandas, sklearn, fairlearn.metrics, shap, matplotlib.pyplot, "
                 "labkit")
FLOOR_RUNS = 3
#: A lab may take this many times the import floor (process wall time, both).
LAB_BUDGET_FACTOR = 3.0
#: Peak resident memory of a lab's kernel, MB; Lab 0 is only a set-up check.
LAB_MEMORY_MB = {"00_setup": 500.0}
DEFAULT_MEMORY_MB = 700.0
HUB_LEARNERS = 3
#: Seconds from following the class link to a ready server, with HUB_LEARNERS at once.
HUB_READY_BUDGET = 60.0
CLEAN_BUILD_BUDGET = 300.0
REBUILD_BUDGET = 30.0
BOOK_FILES = [
    "_config.yml", "_toc.yml", "references.bib", "index.md", "_static", "book", "datasets",
    "tools/sphinx_a11y.py", "tools/sphinx_quiz.py", "tools/objectives.py",
    # sphinx_quiz estimates a lab's reading time from its source
    "labs/src",
    # sphinx_learner publishes the learner edition: tools.notebooks and what it packs
    "tools/sphinx_learner.py", "tools/sphinx_audit.py", "tools/__init__.py", "tools/notebooks.py",
    "tools/learner_setup.py", "labkit", "pyproject.toml", "requirements-labs.txt", "LICENSE",
    # sphinx_glue turns glue markers into roles with tools.prose_numbers
    "tools/sphinx_glue.py", "tools/prose_numbers.py",
    "LICENSE-CONTENT.md",
    # sphinx_edition puts tools.edition's label in the footer; the changelog page includes it
    "tools/sphinx_edition.py", "tools/edition.py", "CHANGELOG.md",
]


AUDIT_ROWS = 1_000_000
AUDIT_BUDGET_SECONDS = 60.0
AUDIT_BUDGET_MB = 2048.0
AUDIT_GROUPS = ("race_ethnicity", "sex", "age_band")


def audit_extract(folder: Path, rows: int = AUDIT_ROWS, seed: int = 0) -> Path:
    """A CSV of ``rows`` patients drawn with replacement from the shipped example, each
    given a new unique id, written to ``folder``; returns its path."""
    import numpy as np
    import pandas as pd

    example = pd.read_csv(ROOT / "datasets" / "synthetic_predictions.csv", dtype=str)
    rng = np.random.default_rng(seed)
    big = example.iloc[rng.integers(0, len(example), rows)].reset_index(drop=True)
    big["patient_id"] = [f"B{i:07d}" for i in range(rows)]
    path = folder / f"extract_{rows}.csv"
    big.to_csv(path, index=False)
    return path


def audit_command(extract: Path, out: Path) -> list[str]:
    """The command the bench times: every section of the report, with intervals."""
    groups = [arg for col in AUDIT_GROUPS for arg in ("--group", col)]
    return [sys.executable, "-m", "labkit", "audit", str(extract), "--outcome",
            "readmitted_30d", "--score", "predicted_risk", *groups, "--intersect",
            "race_ethnicity,sex", "--time", "admission_date", "--id", "patient_id",
            "--threshold", "0.15", "--out", str(out), "--quiet"]


def run_measured(cmd: list[str]) -> tuple[int, float, float, str]:
    """Run ``cmd``; its exit status, wall seconds, peak RSS in MB (from wait4: the
    process, or a child it reaped if larger) and stderr."""
    from tools.learner_setup import run_measured as measured

    start = time.perf_counter()
    status, stderr, mb = measured(cmd, None, ROOT)
    return status, time.perf_counter() - start, mb or 0.0, stderr


def audit_at_scale(rows: int = AUDIT_ROWS) -> dict:
    """Time and peak memory of ``labkit audit`` on a ``rows``-row extract."""
    with tempfile.TemporaryDirectory(prefix="labkit-bench-audit-") as tmp:
        extract = audit_extract(Path(tmp), rows)
        out = Path(tmp) / "report.html"
        status, wall, mb, stderr = run_measured(audit_command(extract, out))
        size = out.stat().st_size if out.exists() else 0
    over = [what for what, bad in (("time", wall > AUDIT_BUDGET_SECONDS),
                                   ("memory", mb > AUDIT_BUDGET_MB),
                                   ("failed", status != 0)) if bad]
    return {"rows": rows, "groups": list(AUDIT_GROUPS), "seconds": round(wall, 2),
            "peak_rss_mb": round(mb, 1), "report_bytes": size,
            "budget_seconds": AUDIT_BUDGET_SECONDS, "budget_mb": AUDIT_BUDGET_MB,
            "error": stderr.strip() if status else None, "over": over,
            "within_budget": not over}


def run_lab(notebook: Path, output: Path | None = None) -> dict:
    """Run ``notebook`` in a fresh process; its report, with ``process_seconds`` (wall
    time of the whole process) and ``error`` (the failure report, or None)."""
    cmd = [sys.executable, "-m", "tools.run_notebook", str(notebook)]
    if output is not None:
        cmd += ["--output", str(output)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    lines = proc.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if proc.returncode == 0 and lines else {
        "lab": notebook.stem, "seconds": None, "peak_rss_mb": None, "slowest_cells": []}
    result.pop("cell_seconds", None)
    result["process_seconds"] = round(wall, 2)
    result["error"] = None if proc.returncode == 0 else (
        proc.stderr.strip() or f"{notebook.name}: exit status {proc.returncode}")
    return result


def import_floor(runs: int = FLOOR_RUNS) -> dict:
    """Median wall time of a fresh process and kernel that only imports the stack."""
    with tempfile.TemporaryDirectory(prefix="labkit-floor-") as tmp:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_IMPORTS)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        path = Path(tmp) / "import_floor.ipynb"
        nbformat.write(nb, path)
        results = [run_lab(path) for _ in range(runs)]
    failed = [r["error"] for r in results if r["error"]]
    if failed:
        raise SystemExit(f"bench: the import floor notebook failed:\n{failed[0]}")
    times = [r["process_seconds"] for r in results]
    return {"imports": FLOOR_IMPORTS, "runs_seconds": times,
            "seconds": round(statistics.median(times), 2)}


def judge_lab(result: dict, floor_seconds: float) -> dict:
    """Add the lab's budgets and whether it is within them.

    >>> judge_lab({"lab": "01_x", "process_seconds": 7.0, "peak_rss_mb": 300.0,
    ...            "error": None}, 3.0)["within_budget"]
    True
    >>> judge_lab({"lab": "01_x", "process_seconds": 9.5, "peak_rss_mb": 300.0,
    ...            "error": None}, 3.0)["over"]
    ['time']
    """
    seconds = round(LAB_BUDGET_FACTOR * floor_seconds, 1)
    mb = LAB_MEMORY_MB.get(result["lab"], DEFAULT_MEMORY_MB)
    over = []
    if result["error"]:
        over.append("failed")
    elif result["process_seconds"] > seconds:
        over.append("time")
    if result.get("peak_rss_mb") is not None and result["peak_rss_mb"] > mb:
        over.append("memory")
    return dict(result, budget_seconds=seconds, budget_mb=mb, over=over,
                within_budget=not over)


def build_book(src: Path) -> tuple[float, str]:
    """Build the book in ``src``; return the seconds taken and the build log."""
    jb = Path(sys.executable).parent / ("jupyter-book.exe" if os.name == "nt" else "jupyter-book")
    start = time.perf_counter()
    proc = subprocess.run([str(jb), "build", str(src), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, cwd=src,
                          env=dict(os.environ, **execute.EXECUTION_ENV))
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise SystemExit("book build failed in bench:\n" + log[-6000:])
    return seconds, log


def execute_labs(src: Path) -> tuple[float, int]:
    """Execute the scratch book's labs as ``make book`` does; seconds and labs executed."""
    start = time.perf_counter()
    stale, _, failures = execute.prime(sorted((src / "labs").glob("*.ipynb")),
                                       src / "_build" / ".jupyter_cache")
    if failures:
        raise SystemExit("bench: a lab failed in the scratch book:\n" + failures[0])
    return time.perf_counter() - start, len(stale)


def sizing_check(labs: list[dict]) -> dict:
    """Whether a learner's server plus each lab's measured peak fits the guarantee."""
    from tools import sizing

    plan = sizing.plan(sizing.load())
    rows = {r["lab"]: round(plan["server_mb"] + r["peak_rss_mb"])
            for r in labs if r["peak_rss_mb"] is not None}
    over = [lab for lab, mb in rows.items() if mb > plan["memory_guarantee_mb"]]
    return {"guarantee_mb": plan["memory_guarantee_mb"], "server_mb": plan["server_mb"],
            "learner_mb_by_lab": rows, "over": over, "within_budget": not over}


def live_hub() -> dict:
    """The live class of tools.hub, judged; {"skipped": why} when it cannot run here."""
    from tools import hub, sizing

    problem = hub.missing()
    if problem:
        return {"skipped": problem, "within_budget": True}
    try:
        result = hub.run_class(HUB_LEARNERS)
    except hub.HubFailed as exc:
        return {"error": str(exc), "within_budget": False}
    out = ROOT / "_build" / "hub.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    guarantee = sizing.plan(sizing.load())["memory_guarantee_mb"]
    over = [r["learner"] for r in result["per_learner"]
            if r["ready_seconds"] > HUB_READY_BUDGET or r["peak_mb"] > guarantee]
    return dict(result, ready_budget_seconds=HUB_READY_BUDGET, guarantee_mb=guarantee,
                over=over, within_budget=not over)


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
        (src / "labs").mkdir(exist_ok=True)
        for nb in sorted((ROOT / "labs").glob("*.ipynb")):
            shutil.copy2(nb, src / "labs" / nb.name)
        labs = len(list((src / "labs").glob("*.ipynb")))
        execute_seconds, executed = execute_labs(src)
        if executed != labs:
            raise SystemExit(f"bench: the clean build executed {executed} labs, not {labs}")
        sphinx_seconds, log = build_book(src)
        if "Executed notebook" in log:
            raise SystemExit("bench: jupyter-book executed a lab the cache already held")
        re_execute, executed = execute_labs(src)
        rebuild, log = build_book(src)
        if executed or "Executed notebook" in log:
            raise SystemExit("bench: the no-change rebuild re-executed a lab")
        weight = site_weight(src / "_build" / "html")
    clean = execute_seconds + sphinx_seconds
    rebuild += re_execute
    return {"execute_seconds": round(execute_seconds, 1),
            "sphinx_seconds": round(sphinx_seconds, 1),
            "clean_build_seconds": round(clean, 1), "rebuild_seconds": round(rebuild, 1),
            "clean_build_budget": CLEAN_BUILD_BUDGET, "rebuild_budget": REBUILD_BUDGET,
            "within_budget": clean <= CLEAN_BUILD_BUDGET and rebuild <= REBUILD_BUDGET,
            "site_weight": weight}


def site_weight(html: Path) -> dict:
    """``tools.site_weight.measure`` of the built site, if that module exists."""
    try:
        from tools import site_weight as weigher
    except ImportError:
        return {"note": "tools/site_weight.py is not in this tree: page weight not measured"}
    try:
        result = weigher.measure(html)
    except ValueError as err:  # its documented errors: no build, no Chromium
        return {"note": f"page weight not measured: {err}"}
    return {key: value for key, value in result.items() if key != "pages"}


def compare_with_cache(fresh: dict[str, Path]) -> dict[str, list[str]]:
    """For each lab (stem -> executed notebook file), how its text differs from the cache."""
    cache = execute.open_cache()
    differences = {}
    for stem, path in fresh.items():
        cached = execute.cached_notebook(cache, ROOT / "labs" / f"{stem}.ipynb")
        if cached is None:
            differences[stem] = ["no cached run to compare with"]
            continue
        differences[stem] = execute.output_differences(
            cached, nbformat.read(path, as_version=4), f"labs/{stem}.ipynb")
    return differences


def main(argv: list[str]) -> int:
    print("bench: executing labs missing from the cache, to compare fresh runs with it",
          flush=True)
    _, _, failures = execute.prime()
    floor = import_floor()
    print(f"import floor: {floor['seconds']:.1f} s (median of {FLOOR_RUNS} fresh kernels "
          f"running `{FLOOR_IMPORTS}`); lab budget {LAB_BUDGET_FACTOR:g} x floor = "
          f"{LAB_BUDGET_FACTOR * floor['seconds']:.1f} s", flush=True)
    labs = []
    with tempfile.TemporaryDirectory(prefix="labkit-bench-labs-") as tmp:
        fresh = {}
        for nb in sorted((ROOT / "labs").glob("*.ipynb")):
            out = Path(tmp) / nb.name
            labs.append(judge_lab(run_lab(nb, out), floor["seconds"]))
            if out.is_file():
                fresh[nb.stem] = out
        differences = compare_with_cache(fresh) if not failures else {}
    print(f"{'lab':<24} {'wall s':>7} {'kernel s':>9} {'peak RSS MB':>12}  budget")
    for r in labs:
        mb = "n/a" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.0f}"
        verdict = "ok" if r["within_budget"] else "OVER (" + ", ".join(r["over"]) + ")"
        kernel = "-" if r["seconds"] is None else f"{r['seconds']:.1f}"
        print(f"{r['lab']:<24} {r['process_seconds']:>7.1f} {kernel:>9} {mb:>12}  "
              f"{verdict} (<{r['budget_seconds']:.1f} s, <{r['budget_mb']:.0f} MB)")
        for cell in r["slowest_cells"]:
            print(f"    Cell {cell['cell']:>3} {cell['seconds']:>6.2f} s  {cell['source']}")
        if r["error"]:
            print("    " + r["error"].replace("\n", "\n    "))
        r["determinism"] = differences.get(r["lab"], [])
        for line in r["determinism"]:
            print(f"    DIFFERENT from the cached run: {line}")
    same = not failures and all(not d for d in differences.values()) and len(
        differences) == len(labs)
    print("determinism: " + ("every lab shows the same text as its cached run" if same
                             else "NOT CHECKED or DIFFERENT: see above"))
    for report in failures:
        print(report, file=sys.stderr)
    report = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                          "python": platform.python_version()},
              "import_floor": floor, "labs": labs, "deterministic": same}
    check = report["sizing"] = sizing_check(labs)
    print(f"sizing: a learner's server ({check['server_mb']:.0f} MiB) plus each lab's peak "
          + ("fits" if check["within_budget"] else "does NOT fit")
          + f" the per-learner guarantee of {check['guarantee_mb']} MiB (largest: "
          f"{max(check['learner_mb_by_lab'].values(), default=0)} MiB)"
          + ("" if check["within_budget"] else
             "; run make hub, then python -m tools.sizing update and write"))
    scale = report["audit"] = audit_at_scale()
    print(f"labkit audit, {scale['rows']:,} rows x {len(scale['groups'])} group columns: "
          f"{scale['seconds']:.1f} s, peak {scale['peak_rss_mb']:.0f} MB, report "
          f"{scale['report_bytes'] / 1000:.0f} kB  "
          + ("ok" if scale["within_budget"] else "OVER (" + ", ".join(scale["over"]) + ")")
          + f" (<{AUDIT_BUDGET_SECONDS:.0f} s, <{AUDIT_BUDGET_MB:.0f} MB)")
    if scale["error"]:
        print("    " + scale["error"])
    if "--labs-only" not in argv:
        from tools import hub

        live = report["hub"] = live_hub()
        if "skipped" in live:
            print(f"live hub: skipped: {live['skipped']}")
        elif "error" in live:
            print(f"live hub: FAILED: {live['error']}")
        else:
            print(hub.summary(live))
            print(f"live hub: ready within {HUB_READY_BUDGET:.0f} s and each learner within "
                  f"the {live['guarantee_mb']} MiB guarantee: "
                  + ("yes" if live["within_budget"] else "NO for " + ", ".join(live["over"])))
        book = book_times()
        report["book"] = book
        print(f"{'book: execute the labs':<26} {book['execute_seconds']:>7.1f} s  (2 at a time)")
        print(f"{'book: jupyter-book build':<26} {book['sphinx_seconds']:>7.1f} s")
        print(f"{'book: clean build':<26} {book['clean_build_seconds']:>7.1f} s  "
              f"(<{CLEAN_BUILD_BUDGET:.0f} s)")
        print(f"{'book: no-change rebuild':<26} {book['rebuild_seconds']:>7.1f} s  "
              f"(<{REBUILD_BUDGET:.0f} s)")
        weight = book["site_weight"]
        if "median_bytes" in weight:
            # Reported, not judged here: tools/site_weight.py owns that budget.
            verdict = "" if weight.get("within_budget", True) else (
                "  (over tools/site_weight.py's budget; not part of this verdict)")
            print(f"{'site: median page weight':<26} {weight['median_bytes'] / 1000:>7.1f} kB"
                  + verdict)
        else:
            print(f"site: {weight['note']}")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written {execute.display_path(OUT)}")
    over = [f"{r['lab']} ({', '.join(r['over'])})" for r in labs if r["over"]]
    book = report.get("book", {})
    if not book.get("within_budget", True):
        over.append("the book build (time)")
    if not report["sizing"]["within_budget"]:
        over.append("class sizing (memory)")
    if not report["audit"]["within_budget"]:
        over.append("labkit audit at scale (" + ", ".join(report["audit"]["over"]) + ")")
    if not report.get("hub", {}).get("within_budget", True):
        over.append("the live hub")
    if not same:
        over.append("determinism")
    print("all within budget" if not over else "OVER BUDGET: " + "; ".join(over))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
