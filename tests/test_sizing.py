"""tools/sizing.py: the per-learner guarantees and limits and the class table."""

import doctest
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools import sizing


def test_examples_run():
    assert doctest.testmod(sizing).failed == 0


def test_the_guide_shows_the_plan_of_the_committed_measurements():
    text = sizing.PAGE.read_text(encoding="utf-8")
    block = sizing.page_block(text)
    assert block is not None, "book/hosting.md lost its sizing markers"
    assert block == sizing.markdown(sizing.load()), (
        "book/hosting.md's sizing differs from hosting/sizing.json: "
        "run python -m tools.sizing write")


def test_the_measurements_are_complete_and_dated():
    m = sizing.load()
    labs = {p.stem for p in (sizing.ROOT / "labs").glob("[0-9][0-9]_*.ipynb")}
    assert set(m["lab_kernel_mb"]) == labs
    assert m["server_mb"] > 0 and m["hub_mb"] > 0 and m["slowest_cell_seconds"] > 0
    assert m["measured"][:2] == "20" and "cores" in m["machine"]
    assert set(m["sources"]) == {"lab_kernel_mb", "slowest_cell_seconds", "server_mb", "hub_mb"}


measurements = st.fixed_dictionaries({
    "server_mb": st.floats(50, 1000),
    "hub_mb": st.floats(50, 1000),
    "slowest_cell_seconds": st.floats(0.1, 120),
    "lab_kernel_mb": st.dictionaries(st.sampled_from(["00_a", "01_b", "02_c"]),
                                     st.floats(50, 4000), min_size=1),
})


@given(measurements)
def test_the_plan_always_covers_what_was_measured(m):
    p = sizing.plan(m)
    kernel = max(m["lab_kernel_mb"].values())
    assert p["memory_guarantee_mb"] >= (m["server_mb"] + kernel) * sizing.HEADROOM - 1e-6
    assert p["memory_limit_mb"] >= (m["server_mb"] + 2 * kernel) * sizing.HEADROOM - 1e-6
    assert p["memory_limit_mb"] >= p["memory_guarantee_mb"]
    assert p["memory_guarantee_mb"] % sizing.STEP_MB == 0
    # when the whole room runs the slowest cell at once, nobody waits much past WAIT_SECONDS
    assert m["slowest_cell_seconds"] / p["cpu_guarantee"] <= sizing.WAIT_SECONDS + 1e-9
    rows = sizing.class_rows(m)
    assert [r["learners"] for r in rows] == list(sizing.CLASS_SIZES)
    for r in rows:
        # the nodes hold the class by their guarantees
        assert r["nodes"] * r["per_node"] >= r["learners"]
        node_mb = (sizing.NODE_GB - sizing.NODE_RESERVE_GB) * 1024
        assert r["per_node"] * p["memory_guarantee_mb"] <= node_mb
        node_cpus = sizing.NODE_CPUS - sizing.NODE_RESERVE_CPUS
        assert r["per_node"] * p["cpu_guarantee"] <= node_cpus + 1e-9


def test_update_reads_bench_and_hub_results(tmp_path):
    bench = {"machine": {"cpus": 2, "python": "3.11.7"},
             "labs": [{"lab": "01_x", "peak_rss_mb": 300.0,
                       "slowest_cells": [{"cell": 3, "seconds": 2.0}]},
                      {"lab": "02_y", "peak_rss_mb": 410.0,
                       "slowest_cells": [{"cell": 7, "seconds": 9.0},
                                         {"cell": 1, "seconds": 1.0}]}]}
    hub = {"learners": 3, "cores": 2, "jupyterhub": "5.5.0", "hub_mb": 170,
           "per_learner": [{"server_mb": s, "ready_seconds": 5, "notebooks_seconds": 6,
                            "first_exercise_seconds": 9, "peak_mb": 300} for s in (120, 140, 130)]}
    # The class environment's kernels, not the bench's: the sizing is for learners.
    labs = {"environment": ".venv-hub", "labs": {"01_x": {"seconds": 5, "peak_rss_mb": 250.0},
                                                 "02_y": {"seconds": 9, "peak_rss_mb": 360.0}}}
    (tmp_path / "b.json").write_text(json.dumps(bench))
    (tmp_path / "h.json").write_text(json.dumps(hub))
    (tmp_path / "l.json").write_text(json.dumps(labs))
    m = sizing.update(tmp_path / "b.json", tmp_path / "h.json", tmp_path / "s.json",
                      tmp_path / "l.json")
    assert m["server_mb"] == 140 and m["hub_mb"] == 170
    assert m["lab_kernel_mb"] == {"01_x": 250.0, "02_y": 360.0}
    assert ".venv-hub" in m["sources"]["lab_kernel_mb"]
    assert (m["slowest_cell_seconds"], m["slowest_cell"]) == (9.0, "02_y cell 7")
    assert m["hub_test"] == {"learners": 3, "cores": 2, "ready_seconds_max": 5,
                             "notebooks_seconds_max": 6, "first_exercise_seconds_max": 9,
                             "peak_mb_max": 300}
    assert json.loads((tmp_path / "s.json").read_text()) == m
    labs["labs"]["02_y"]["peak_rss_mb"] = None  # measured where wait4 is missing
    (tmp_path / "l.json").write_text(json.dumps(labs))
    with pytest.raises(SystemExit, match="no peak memory for every lab"):
        sizing.update(tmp_path / "b.json", tmp_path / "h.json", tmp_path / "s2.json",
                      tmp_path / "l.json")
    assert not (tmp_path / "s2.json").exists()


def test_update_names_the_missing_results(tmp_path):
    with pytest.raises(SystemExit, match="missing; run make bench and make hub"):
        sizing.update(tmp_path / "none.json", tmp_path / "none2.json", tmp_path / "s.json")


def test_write_fills_the_block_between_the_markers(tmp_path):
    page = tmp_path / "p.md"
    page.write_text(f"# Hub\n\n{sizing.START}\nold table\n{sizing.END}\n\nAfter.\n")
    assert sizing.write(page) is True
    text = page.read_text()
    assert sizing.page_block(text) == sizing.markdown(sizing.load())
    assert text.startswith("# Hub\n") and text.endswith("\nAfter.\n")
    assert sizing.write(page) is False
