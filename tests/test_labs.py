"""Every lab's executed outputs, read from the execution cache the book shows.

tools/execute.py executes each lab once per `make test` (before pytest starts;
the fixture below only executes labs the cache lacks, e.g. when this file runs
alone). The checks here read those outputs: no error, nothing on stderr, and
every labkit.checks call answered "✔ ... correct". Also unit tests of
tools/execute.py's pieces that need no kernel (the failure report, storing and
matching cache records, the determinism comparison) and of tools/bench.py's
verdict (budgets, determinism, page weight) with its measurements faked.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
import pytest

from tools import execute, notebooks

ROOT = Path(__file__).resolve().parents[1]
SOURCES = notebooks.sources()
#: A call of a lab's check module at the start of a line: ``lab3.metric_frame(mf, y_pred);``
CHECK_CALL = re.compile(r"^lab(\d+)\.\w+\(", re.M)
FEEDBACK = re.compile(r"^([✔✘]) Exercise (\S+) - (.*)$", re.M)

pytestmark = pytest.mark.slow


def stdout(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def feedback_problems(nb: nbformat.NotebookNode) -> list[str]:
    """What is wrong with the check feedback a lab shows; empty when every check passed.

    Each cell that calls ``labN.<check>(...)`` must print one "✔ Exercise N.x - correct: ..."
    line per call; no cell may show "✘".
    """
    problems = []
    for number, cell in enumerate(execute.code_cells(nb)):
        lines = FEEDBACK.findall(stdout(cell))
        for mark, exercise, rest in lines:
            if mark != "✔" or not rest.startswith("correct: "):
                problems.append(f"Cell {number}: {mark} Exercise {exercise} - {rest}")
        calls = [int(n) for n in CHECK_CALL.findall(cell.source)]
        passed = [ex for mark, ex, rest in lines if mark == "✔"]
        for lab in set(calls):
            wanted = calls.count(lab)
            got = sum(ex.startswith(f"{lab}.") for ex in passed)
            if got < wanted:
                problems.append(f"Cell {number}: {wanted} lab{lab} check(s) called, "
                                f"{got} '✔ Exercise {lab}.x' line(s) shown")
    return problems


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_lab_ran_every_cell_without_error(executed, src):
    nb = executed[src.stem]
    cells = execute.code_cells(nb)
    assert cells, f"{src.stem} has no code"
    counts = [c.execution_count for c in cells if c.source.strip()]
    assert counts == list(range(1, len(counts) + 1)), "not every cell ran, in order"
    for number, cell in enumerate(cells):
        kinds = [o.output_type for o in cell.outputs]
        assert "error" not in kinds, f"Cell {number} raised"
        assert not [o for o in cell.outputs if o.get("name") == "stderr"], (
            f"Cell {number} wrote to stderr")


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_every_check_in_the_lab_passed(executed, src):
    nb = executed[src.stem]
    assert any(CHECK_CALL.search(c.source) for c in execute.code_cells(nb)), (
        f"{src.stem} calls no labkit.checks function")
    assert feedback_problems(nb) == []


# ------------------------------------------------------- kernel-free unit tests


def notebook(*cells: tuple[str, list[dict]]) -> nbformat.NotebookNode:
    """A notebook of code cells ``(source, outputs)``, like a generated lab."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": dict(notebooks.KERNELSPEC)})
    for source, outputs in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = [nbformat.from_dict(o) for o in outputs]
        nb.cells.append(cell)
    return nb


def stream(text: str, name: str = "stdout") -> dict:
    return {"output_type": "stream", "name": name, "text": text}


def test_feedback_problems_catch_a_failed_or_missing_check():
    ok = notebook(("lab2.calibration(brier);", [stream("✔ Exercise 2.1 - correct: yes\n")]))
    assert feedback_problems(ok) == []
    failed = notebook(("lab2.calibration(brier);", [stream("✘ Exercise 2.1 - not yet: no\n")]))
    assert feedback_problems(failed) == [
        "Cell 0: ✘ Exercise 2.1 - not yet: no",
        "Cell 0: 1 lab2 check(s) called, 0 '✔ Exercise 2.x' line(s) shown"]
    silent = notebook(("x = 1\nlab2.calibration(brier);\nlab2.threshold(t);",
                       [stream("✔ Exercise 2.1 - correct: yes\n")]))
    assert feedback_problems(silent) == [
        "Cell 0: 2 lab2 check(s) called, 1 '✔ Exercise 2.x' line(s) shown"]


def test_output_comparison_catches_a_changed_number():
    cached = notebook(("print(auroc)", [stream("AUROC 0.71"), stream("2\n")]),
                      ("fig", [{"output_type": "display_data", "metadata": {},
                                "data": {"image/png": "AAAA", "text/plain": "<Figure>"}}]),
                      ("df", [{"output_type": "execute_result", "execution_count": 3,
                               "metadata": {}, "data": {"text/plain": "   n\n0  5"}}]))
    same = copy.deepcopy(cached)
    same.cells[0].outputs = [nbformat.from_dict(stream("AUROC 0.712\n"))]  # other chunks
    same.cells[1].outputs[0].data["image/png"] = "BBBB"  # figures are not compared
    assert execute.output_differences(cached, same, "lab") == []
    changed = copy.deepcopy(cached)
    changed.cells[2].outputs[0].data["text/plain"] = "   n\n0  6"
    assert execute.output_differences(cached, changed, "lab") == [
        "lab::Cell 2: cached '0  5', fresh run '0  6'"]
    shorter = copy.deepcopy(cached)
    shorter.cells.pop()
    assert execute.output_differences(cached, shorter, "lab") == [
        "lab: 3 code cells in the cache, 2 in the fresh run"]


def test_failure_report_names_lab_cell_source_line_and_error(tmp_path, monkeypatch):
    (tmp_path / "labs" / "src").mkdir(parents=True)
    (tmp_path / "labs" / "src" / "07_x.py").write_text(
        "# %% [markdown]\n# # Lab 7\n\n# %%\nx = 1\n\n# %%\nraise ValueError('bad')\n")
    path = tmp_path / "labs" / "07_x.ipynb"
    nb = notebook(("x = 1", []), ("raise ValueError('bad')", []))
    monkeypatch.chdir(tmp_path)
    report = execute.failure_report(path, nb, 1, "ValueError: bad", "\x1b[31mTraceback\x1b[0m")
    assert report.splitlines()[0] == (
        "FAILED labs/07_x.ipynb::Cell 1 (labs/src/07_x.py:8) - ValueError: bad")
    assert "raise ValueError('bad')" in report and "\x1b" not in report


def test_a_cell_writing_to_stderr_is_a_failure(tmp_path):
    nb = notebook(("x = 1", [stream("1\n")]),
                  ("warn()", [stream("ok\n"), stream("UserWarning: careful\nmore\n", "stderr")]))
    report = execute.stderr_failure(tmp_path / "05_y.ipynb", nb)
    assert report is not None
    assert "::Cell 1 - wrote to stderr: UserWarning: careful" in report.splitlines()[0]
    assert execute.stderr_failure(tmp_path / "05_y.ipynb", notebook(("x", []))) is None


def test_stored_outputs_are_found_by_the_book_builds_key(tmp_path):
    """store() keeps the source's cell metadata, so jupyter-cache's hash (what myst-nb
    matches on) is that of the unexecuted notebook; a changed source is not matched."""
    lab = tmp_path / "labs" / "08_z.ipynb"
    lab.parent.mkdir()
    source = notebook(("print(1)", []))
    source.cells[0].metadata["tags"] = ["solution"]
    nbformat.write(source, lab)
    ran = copy.deepcopy(source)
    ran.cells[0].outputs = [nbformat.from_dict(stream("1\n"))]
    ran.cells[0].execution_count = 1
    ran.cells[0].metadata["execution"] = {"iopub.status.busy": "2026-01-01"}  # added by a run
    cache = execute.open_cache(tmp_path / "_build" / ".jupyter_cache", ROOT)
    assert execute.cached_notebook(cache, lab) is None
    execute.store(cache, lab, ran, {"execution_seconds": 1.0})
    found = execute.cached_notebook(cache, lab)
    assert found is not None and execute.text_outputs(found) == ["[stdout]1\n"]
    assert execute.known_seconds(cache) == {"08_z": 1.0}
    source.cells[0].source = "print(2)"
    nbformat.write(source, lab)
    assert execute.cached_notebook(cache, lab) is None


def test_slowest_cells_and_text_outputs_examples_run():
    import doctest

    assert doctest.testmod(execute).failed == 0


# ------------------------------------------------- make bench, without kernels


def fake_bench(monkeypatch, tmp_path, lab_seconds: dict[str, float], differ: bool = False):
    """tools.bench with its measurements replaced: a 3 s floor and the given lab times."""
    from tools import bench

    def run_lab(nb, out=None):
        if out is not None:
            out.write_text("{}")
        return {"lab": nb.stem, "seconds": lab_seconds[nb.stem] - 1,
                "process_seconds": lab_seconds[nb.stem], "peak_rss_mb": 200.0,
                "slowest_cells": [{"cell": 0, "source": "import shap", "seconds": 1.0}],
                "error": None}

    monkeypatch.setattr(bench, "OUT", tmp_path / "bench.json")
    monkeypatch.setattr(bench.execute, "prime", lambda *a, **k: ([], [], []))
    monkeypatch.setattr(bench, "import_floor", lambda: {"seconds": 3.0, "runs_seconds": [3.0]})
    monkeypatch.setattr(bench, "run_lab", run_lab)
    monkeypatch.setattr(bench, "compare_with_cache", lambda fresh: {
        stem: (["labs/x::Cell 1: cached '1', fresh run '2'"] if differ else []) for stem in fresh})
    return bench


def test_bench_exits_1_when_a_lab_is_over_three_times_the_floor(monkeypatch, tmp_path, capsys):
    times = {src.stem: 5.0 for src in SOURCES}
    bench = fake_bench(monkeypatch, tmp_path, times)
    assert bench.main(["--labs-only"]) == 0
    assert "all within budget" in capsys.readouterr().out
    times[SOURCES[-1].stem] = 9.5  # over 3 x 3.0 s
    assert bench.main(["--labs-only"]) == 1
    out = capsys.readouterr().out
    assert f"OVER BUDGET: {SOURCES[-1].stem} (time)" in out
    assert "Cell   0   1.00 s  import shap" in out
    report = json.loads((tmp_path / "bench.json").read_text())
    assert [lab["budget_seconds"] for lab in report["labs"]] == [9.0] * len(SOURCES)


def test_bench_exits_1_when_a_fresh_run_differs_from_the_cache(monkeypatch, tmp_path, capsys):
    bench = fake_bench(monkeypatch, tmp_path, {src.stem: 5.0 for src in SOURCES}, differ=True)
    assert bench.main(["--labs-only"]) == 1
    out = capsys.readouterr().out
    assert "DIFFERENT from the cached run: labs/x::Cell 1" in out
    assert "OVER BUDGET: determinism" in out


def test_bench_reports_page_weight_only_if_the_module_exists(monkeypatch, tmp_path):
    import sys
    import types

    from tools import bench

    monkeypatch.setitem(sys.modules, "tools.site_weight", None)  # import fails
    assert "not measured" in bench.site_weight(tmp_path)["note"]
    fake = types.ModuleType("tools.site_weight")
    fake.measure = lambda html: {"pages": {"a.html": 10}, "median_bytes": 10}
    monkeypatch.setitem(sys.modules, "tools.site_weight", fake)
    monkeypatch.setattr("tools.site_weight", fake, raising=False)
    assert bench.site_weight(tmp_path) == {"median_bytes": 10}


def test_bench_examples_run():
    import doctest

    from tools import bench

    assert doctest.testmod(bench).failed == 0
