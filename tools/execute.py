"""Execute each lab once and keep its outputs in the book's execution cache.

``make test``, ``make book`` and ``make bench`` call this before anything reads
lab outputs. It executes every lab whose outputs are not yet in the jupyter-cache
that the book build reads (``_build/.jupyter_cache``, see ``execute:`` in
``_config.yml``), two labs at a time, each in a fresh process and kernel with
``LABKIT_STRICT=1``, one BLAS/OpenMP thread and the lab's own folder as working
directory, and stores each executed notebook there. The book build (myst-nb in
``execute_notebooks: cache`` mode) then finds every lab in the cache and executes
none, and ``tests/test_labs.py`` checks the same outputs.

How myst-nb 1.4 finds a lab in the cache: jupyter-cache hashes the notebook's
code cells (source and cell metadata) and its ``kernelspec``; markdown cells,
outputs, execution counts and cell ids are left out. A lab is therefore stored
from its own ``labs/NN_slug.ipynb`` with only the outputs and execution counts
filled in (:func:`store`), so the two hashes agree; :func:`store` checks that they do.

A lab that fails is not stored, so it fails again on the next run. The report
names the lab, the cell (code cells counted from 0, as nbval numbers them), the
line of ``labs/src`` it comes from, and the error::

    FAILED labs/99_broken.ipynb::Cell 1 (labs/src/99_broken.py:8) - RuntimeError: broken

A cell that writes to stderr (a Python warning) fails too: the book build treats
it as a warning, and warnings fail the build.

    python -m tools.execute [--jobs N] [--cache DIR] [NOTEBOOK ...]
    python -m tools.execute --determinism [--jobs N]   # run again, compare with the cache

Exit status 0 when every lab ran (or was already cached), 1 when one failed or,
with ``--determinism``, when a fresh run shows a different text than the cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
CACHE = BUILD / ".jupyter_cache"
#: Two labs at a time: the machines this kit is built on have two cores or more.
JOBS = 2
#: What every cached execution runs with, whoever starts it: strict checks (a
#: wrong answer raises) and one BLAS/OpenMP thread, because two labs run side by
#: side and, on two cores, more threads only wait on each other.
EXECUTION_ENV = {"LABKIT_STRICT": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                 "MKL_NUM_THREADS": "1"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# --------------------------------------------------------------------- one lab


@dataclass
class Run:
    """One execution of one notebook in a fresh kernel."""

    path: Path
    nb: nbformat.NotebookNode
    seconds: float
    #: seconds per code cell (code cells counted from 0); None for cells not run
    cell_seconds: list[float | None] = field(default_factory=list)
    #: the nbval-style report when the notebook failed, else None
    failure: str | None = None


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (as nbval shows it)."""
    path = Path(path).resolve()
    cwd = Path.cwd().resolve()
    return path.relative_to(cwd).as_posix() if path.is_relative_to(cwd) else str(path)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def source_line(notebook: Path, source: str) -> str:
    """Where a cell's code sits in ``labs/src/<stem>.py`` (``path:line``), or ``""``.

    The notebook is generated from that file cell for cell, so the cell's code
    appears in it verbatim.
    """
    src = notebook.parent / "src" / (notebook.stem + ".py")
    first = source.strip("\n")
    if not first or not src.is_file():
        return ""
    text = src.read_text(encoding="utf-8")
    match = re.search("^" + re.escape(first), text, re.M)  # code starts a line there
    if match is None:
        return ""
    return f"{display_path(src)}:{text.count(chr(10), 0, match.start()) + 1}"


def failure_report(path: Path, nb: nbformat.NotebookNode, number: int, error: str,
                   details: str = "") -> str:
    """The report of a failed code cell ``number`` (counted from 0), headed like nbval's."""
    cell = code_cells(nb)[number]
    where = source_line(path, cell.source)
    head = f"FAILED {display_path(path)}::Cell {number}"
    head += f" ({where})" if where else ""
    lines = [f"{head} - {error}", "---- cell source ----", cell.source.rstrip()]
    if details.strip():
        lines += ["---- error ----", ANSI.sub("", details).rstrip()]
    return "\n".join(lines)


def stderr_failure(path: Path, nb: nbformat.NotebookNode) -> str | None:
    """The report for the first code cell that wrote to stderr, or None."""
    for number, cell in enumerate(code_cells(nb)):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = ANSI.sub("", out.get("text", "")).strip()
                first = text.splitlines()[0] if text else ""
                return failure_report(path, nb, number, f"wrote to stderr: {first}", text)
    return None


def lab_timeout(root: Path = ROOT) -> int:
    """Seconds allowed for one cell: ``execute.timeout`` in ``_config.yml``, as the book uses."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    return int((config.get("execute") or {}).get("timeout", 120))


def execute_notebook(path: Path, timeout: int | None = None) -> Run:
    """Execute the notebook at ``path`` in a fresh kernel, in its own folder.

    nbclient's hooks time each cell and note which one is running, so a failure
    names its cell; the cells' metadata is left as it was (it is part of the
    cache key).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    numbers = {id(cell): n for n, cell in enumerate(code_cells(nb))}
    cell_seconds: list[float | None] = [None] * len(numbers)
    started: dict[str, float] = {}
    current: list[int] = []

    def on_start(cell, cell_index):
        if cell.cell_type == "code":
            current[:] = [numbers[id(cell)]]

    def on_execute(cell, cell_index):
        started["t"] = time.perf_counter()

    def on_executed(cell, cell_index, execute_reply):
        cell_seconds[numbers[id(cell)]] = time.perf_counter() - started["t"]

    client = NotebookClient(
        nb, timeout=timeout if timeout is not None else lab_timeout(),
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_start=on_start, on_cell_execute=on_execute, on_cell_executed=on_executed)
    start = time.perf_counter()
    failure = None
    try:
        client.execute()
    except CellExecutionError as exc:
        cell = code_cells(nb)[current[0]]
        traceback = "\n".join("\n".join(out.get("traceback", [])) for out in cell.outputs
                              if out.get("output_type") == "error")
        failure = failure_report(path, nb, current[0], f"{exc.ename}: {exc.evalue}",
                                 traceback)
    except (CellTimeoutError, DeadKernelError) as exc:
        what = "timed out" if isinstance(exc, CellTimeoutError) else "the kernel died"
        failure = (failure_report(path, nb, current[0], what, str(exc)) if current
                   else f"FAILED {display_path(path)} - {what}: {exc}")
    except Exception as exc:  # e.g. the kernel did not start
        failure = f"FAILED {display_path(path)} - {type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    if failure is None:
        failure = stderr_failure(path, nb)
    return Run(path, nb, seconds, cell_seconds, failure)


def slowest_cells(nb: nbformat.NotebookNode, cell_seconds: list[float | None],
                  n: int = 3) -> list[dict]:
    """The ``n`` slowest code cells: number (from 0), first line of source, seconds.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s)
    ...                                      for s in ("a = 1", "fit()\\n# x", "b")])
    >>> [c["cell"] for c in slowest_cells(nb, [0.1, 2.0, None], n=2)]
    [1, 0]
    """
    timed = [(s, i) for i, s in enumerate(cell_seconds) if s is not None]
    cells = code_cells(nb)
    out = []
    for seconds, i in sorted(timed, reverse=True)[:n]:
        first = next((ln for ln in cells[i].source.splitlines() if ln.strip()), "")
        out.append({"cell": i, "source": first[:60], "seconds": round(seconds, 2)})
    return out


# ----------------------------------------------------------------- the outputs


def text_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """Every text each code cell shows, figures aside; a cell's stream output is
    joined, since Jupyter may deliver the same text in differently sized pieces.

    >>> cell = nbformat.v4.new_code_cell("print(1)")
    >>> cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1"),
    ...                 nbformat.v4.new_output("stream", name="stdout", text="2\\n")]
    >>> text_outputs(nbformat.v4.new_notebook(cells=[cell]))
    ['[stdout]12\\n']
    """
    texts = []
    for cell in code_cells(nb):
        streams: dict[str, str] = {}
        shown = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                streams[out["name"]] = streams.get(out["name"], "") + out["text"]
            elif "data" in out and "image/png" not in out["data"]:
                shown.append(out["data"].get("text/plain", ""))
        texts.append("".join(f"[{name}]{text}" for name, text in sorted(streams.items()))
                     + "".join(shown))
    return texts


def output_differences(expected: nbformat.NotebookNode, actual: nbformat.NotebookNode,
                       name: str = "") -> list[str]:
    """One line per code cell whose text output differs (see :func:`text_outputs`).

    >>> a = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    >>> a.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="0.71\\n")]
    >>> b = nbformat.from_dict(a)  # a copy
    >>> output_differences(a, b)
    []
    >>> b.cells[0].outputs[0].text = "0.72\\n"
    >>> output_differences(a, b, "lab")
    ["lab::Cell 0: cached '[stdout]0.71', fresh run '[stdout]0.72'"]
    """
    a, b = text_outputs(expected), text_outputs(actual)
    if len(a) != len(b):
        return [f"{name}: {len(a)} code cells in the cache, {len(b)} in the fresh run"]
    problems = []
    for number, (first, second) in enumerate(zip(a, b, strict=True)):
        if first != second:
            first_lines, second_lines = first.splitlines(), second.splitlines()
            line = next((i for i, (x, y) in enumerate(zip(first_lines, second_lines,
                                                          strict=False)) if x != y),
                        min(len(first_lines), len(second_lines)))
            was = first_lines[line] if line < len(first_lines) else "(nothing)"
            now = second_lines[line] if line < len(second_lines) else "(nothing)"
            problems.append(f"{name}::Cell {number}: cached {was!r}, fresh run {now!r}")
    return problems


# ------------------------------------------------------------------- the cache


def open_cache(cache_dir: Path = CACHE, root: Path = ROOT):
    """The jupyter-cache at ``cache_dir``, emptied first if labkit, the data, the pins
    or the Python environment changed since its outputs were computed."""
    from jupyter_cache import get_cache

    from tools.tasks import refresh_execution_cache

    refresh_execution_cache(Path(cache_dir).parent, root,
                            environment=str(Path(sys.prefix).resolve()),
                            cache_name=Path(cache_dir).name)
    return get_cache(str(cache_dir))


def cached_notebook(cache, path: Path) -> nbformat.NotebookNode | None:
    """The executed notebook the book build would use for ``path``, or None."""
    nb = nbformat.read(path, as_version=4)
    try:
        record = cache.match_cache_notebook(nb)
        return cache.get_cache_bundle(record.pk).nb
    except KeyError:
        return None


def store(cache, path: Path, executed: nbformat.NotebookNode, data: dict):
    """Store the outputs of ``executed`` as the cached execution of the notebook at ``path``."""
    from jupyter_cache.base import CacheBundleIn

    source = nbformat.read(path, as_version=4)
    bundle = nbformat.from_dict(executed)
    bundle.metadata["kernelspec"] = source.metadata.get("kernelspec", {})
    for mine, theirs in zip(code_cells(bundle), code_cells(source), strict=True):
        mine.metadata = theirs.metadata
    wanted = cache.create_hashed_notebook(source)[1]
    if cache.create_hashed_notebook(bundle)[1] != wanted:  # pragma: no cover - a guard
        raise RuntimeError(f"{display_path(path)}: the executed notebook no longer matches "
                           "its source; the book build would execute it again")
    # No validity check (consecutive execution counts): like myst-nb's own, since
    # nbclient leaves an empty code cell unnumbered.
    return cache.cache_notebook_bundle(CacheBundleIn(bundle, str(path), data=data),
                                       check_validity=False, overwrite=True)


@contextlib.contextmanager
def locked(cache_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock beside ``cache_dir`` (POSIX; nothing on Windows), so that
    two test workers, or a test run and a book build, never execute a lab twice."""
    try:
        import fcntl
    except ImportError:  # Windows: runs are not expected to overlap there
        yield
        return
    cache_dir = Path(cache_dir)
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(cache_dir.parent / (cache_dir.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- many labs


@dataclass
class Result:
    """A lab executed in its own process by :func:`run_all`."""

    path: Path
    nb: nbformat.NotebookNode | None
    report: dict
    failure: str | None


def run_all(paths: list[Path], jobs: int = JOBS, env: dict[str, str] | None = None,
            order: dict[str, float] | None = None) -> list[Result]:
    """Execute each notebook in its own ``python -m tools.run_notebook`` process, ``jobs``
    at a time, longest first (by ``order``, seconds per notebook stem, if known)."""
    if not paths:
        return []
    order = order or {}
    queue = sorted(paths, key=lambda p: (-order.get(p.stem, 0.0), p.name))
    child_env = dict(os.environ, **(env or {}))
    child_env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in child_env.get("PYTHONPATH", "").split(os.pathsep) if p])
    results: dict[Path, Result] = {}
    with tempfile.TemporaryDirectory(prefix="labkit-execute-") as tmp:
        running: list[tuple[Path, subprocess.Popen]] = []
        try:
            while queue or running:
                while queue and len(running) < jobs:
                    path = queue.pop(0)
                    base = Path(tmp) / path.stem
                    # Files, not pipes: a chatty kernel cannot fill a pipe and stall.
                    with open(f"{base}.out", "w") as out, open(f"{base}.err", "w") as err:
                        proc = subprocess.Popen(
                            [sys.executable, "-m", "tools.run_notebook", str(path),
                             "--output", f"{base}.ipynb"],
                            stdout=out, stderr=err, text=True, env=child_env)
                    running.append((path, proc))
                path, proc = _wait_any(running)
                running = [r for r in running if r[1] is not proc]
                results[path] = _collect(path, Path(tmp) / path.stem, proc.returncode)
        finally:
            for _, proc in running:  # interrupted: stop the labs still running
                proc.terminate()
                proc.wait()
    return [results[p] for p in paths]


def _wait_any(running: list[tuple[Path, subprocess.Popen]]) -> tuple[Path, subprocess.Popen]:
    while True:
        for item in running:
            if item[1].poll() is not None:
                return item
        time.sleep(0.05)


def _collect(path: Path, base: Path, status: int) -> Result:
    lines = Path(f"{base}.out").read_text().strip().splitlines()
    stderr = Path(f"{base}.err").read_text()
    try:
        report = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        report = {}
    executed = Path(f"{base}.ipynb")
    if status != 0 or not executed.is_file():
        failure = "\n".join(ln for ln in stderr.strip().splitlines()
                            if "running over TCP without encryption" not in ln)
        return Result(path, None, report,
                      failure or f"FAILED {display_path(path)} - exit status {status}")
    return Result(path, nbformat.read(executed, as_version=4), report, None)


def known_seconds(cache) -> dict[str, float]:
    """Seconds each notebook (by stem) took when it was last executed into the cache."""
    seconds: dict[str, float] = {}
    for record in sorted(cache.list_cache_records(), key=lambda r: r.created):
        value = (record.data or {}).get("execution_seconds")
        if value is not None:
            seconds[Path(record.uri).stem] = float(value)
    return seconds


def prime(paths: list[Path] | None = None, cache_dir: Path = CACHE, jobs: int = JOBS,
          root: Path = ROOT) -> tuple[list[Path], list[Path], list[str]]:
    """Execute every notebook in ``paths`` (default: every lab) whose outputs are not in
    the cache, and store them there; return (executed, reused, failure reports)."""
    paths = [Path(p).resolve() for p in (paths or sorted((root / "labs").glob("*.ipynb")))]
    cache_dir = Path(cache_dir)
    with locked(cache_dir):
        cache = open_cache(cache_dir, root)
        stale = [p for p in paths if cached_notebook(cache, p) is None]
        reused = [p for p in paths if p not in stale]
        if stale:
            print(f"execute: running {len(stale)} of {len(paths)} labs, {jobs} at a time: "
                + ", ".join(p.stem for p in stale), flush=True)
        # Longest first, so that two workers finish together; labs with no time on
        # record go first (biggest first): they may be the longest.
        times = {p.stem: 1e9 + p.stat().st_size for p in stale} | known_seconds(cache)
        start = time.perf_counter()
        failures = []
        for result in run_all(stale, jobs, EXECUTION_ENV, times):
            if result.failure:
                failures.append(result.failure)
                continue
            seconds = result.report.get("seconds")
            store(cache, result.path, result.nb,
                  {"execution_seconds": seconds, "executed_by": "tools.execute",
                   "slowest_cells": result.report.get("slowest_cells", [])})
            print(f"execute: {display_path(result.path)} ran in {seconds:.1f} s", flush=True)
        print(f"execute: {len(stale) - len(failures)} executed, {len(failures)} failed, "
            f"{len(reused)} reused from the cache ({time.perf_counter() - start:.1f} s)",
            flush=True)
    return stale, reused, failures


def determinism(paths: list[Path] | None = None, cache_dir: Path = CACHE, jobs: int = JOBS,
                root: Path = ROOT) -> tuple[list[str], list[str]]:
    """Run every lab again, ignoring the cache, and compare its text with the cached
    outputs; return (differences, failures)."""
    stale, reused, failures = prime(paths, cache_dir, jobs, root)
    if failures:
        return [], failures
    paths = stale + reused
    print(f"determinism: running {len(paths)} labs again to compare with the cache",
          flush=True)
    with locked(cache_dir):
        cache = open_cache(cache_dir, root)
        differences = []
        for result in run_all(paths, jobs, EXECUTION_ENV):
            if result.failure:
                failures.append(result.failure)
                continue
            cached = cached_notebook(cache, result.path)
            differences += output_differences(cached, result.nb, display_path(result.path))
    return differences, failures


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tools.execute", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: labs/*.ipynb")
    parser.add_argument("--jobs", type=int, default=JOBS, help=f"labs at a time ({JOBS})")
    parser.add_argument("--cache", type=Path, default=CACHE, help="jupyter-cache folder")
    parser.add_argument("--determinism", action="store_true",
                        help="run every lab again and compare its text with the cache")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        print(f"execute: error: --jobs {args.jobs}: give 1 or more", file=sys.stderr)
        return 2
    missing = [p for p in args.notebooks if not p.is_file()]
    if missing:
        print(f"execute: error: {missing[0]}: no such notebook", file=sys.stderr)
        return 2
    if args.determinism:
        differences, failures = determinism(args.notebooks or None, args.cache, args.jobs)
        for line in failures + differences:
            print(line, file=sys.stderr)
        if not failures and not differences:
            print("determinism: every lab shows the same text as its cached run")
        return 1 if failures or differences else 0
    _, _, failures = prime(args.notebooks or None, args.cache, args.jobs)
    for report in failures:
        print(report + "\n", file=sys.stderr)
    if failures:
        print(f"execute: {len(failures)} lab(s) failed; fix them in labs/src and run again",
              file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
