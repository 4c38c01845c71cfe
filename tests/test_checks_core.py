"""The shared design of every check (labkit.checks): rounding-aware number judging,
structure hints, the one cached lab state, and the hints added under known errors."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from labkit import checks
from labkit.checks import hints, state

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value, places", [
    (0.167, 3), (0.63, 2), (2.0, 0), (1 / 6, 17), (1e-5, 5), (123.25, 2), (np.float64(0.5), 1)])
def test_decimals(value, places):
    assert checks.decimals(value) == places


@pytest.mark.parametrize("value, expected, kwargs, result", [
    (0.167, 1 / 6, {"min_decimals": 2}, True),      # rounded to what was printed
    (0.1667, 1 / 6, {"min_decimals": 2}, True),
    (0.17, 1 / 6, {"min_decimals": 3}, False),      # too coarse for this answer
    (0.168, 1 / 6, {"min_decimals": 2}, False),     # wrong in its last digit
    (0.1667, 1 / 6, {}, False),                     # rounding not accepted without min_decimals
    (1 / 6 + 1e-12, 1 / 6, {}, True),
    ("0.167", 1 / 6, {"min_decimals": 2}, False),   # text is not a number
    (True, 1.0, {}, False),                         # nor is a bool
    (np.array([0.25]), 0.25, {}, True),             # a one-element array is its element
    (float("nan"), 0.25, {}, False),
])
def test_matches(value, expected, kwargs, result):
    assert checks.matches(value, expected, **kwargs) is result


def test_judge_orders_its_hints():
    slips = [(0.2, "odds"), (lambda: 0.5, "computed only when needed")]
    assert checks.judge(1 / 6, 1 / 6, name="t", tol=1e-9) is None
    assert checks.judge(0.2, 1 / 6, name="t", tol=1e-9, slips=slips) == "odds"  # exact slip first
    assert "too coarse" in checks.judge(0.17, 1 / 6, name="t", tol=1e-9, min_decimals=3)
    assert "percentage" in checks.judge(16.67, 1 / 6, name="t", tol=1e-9, proportion=True)
    assert checks.judge(0.5, 1 / 6, name="t", tol=1e-9, slips=slips) == "computed only when needed"
    assert "between 0 and 1" in checks.judge(1.7, 1 / 6, name="t", tol=1e-9, proportion=True)
    assert checks.judge(0.3, 1 / 6, name="t", tol=1e-9, otherwise="solve it") == "solve it"
    assert "one number" in checks.judge([1, 2], 1 / 6, name="t", tol=1e-9)


def test_a_lazy_slip_is_not_computed_when_the_answer_is_right():
    def boom():
        raise AssertionError("computed")
    assert checks.judge(0.25, 0.25, name="x", tol=1e-9, slips=[(boom, "never")]) is None


def test_structure_hints():
    frame = pd.DataFrame({"n": [1], "observed": [0.1]})
    assert checks.frame_problem(frame, "calib", columns=["n", "observed"]) is None
    assert "'predicted'" in checks.frame_problem(frame, "calib", columns=["n", "predicted"])
    assert "DataFrame" in checks.frame_problem(frame["n"], "calib")
    assert checks.rows_problem([3, 1, 2], [1, 2, 3], "train") is None
    assert "more than once" in checks.rows_problem([1, 1, 2, 3], [1, 2, 3], "train")
    assert "should not" in checks.rows_problem([1, 2, 4], [1, 2], "train")
    assert "missing 1 of the 3" in checks.rows_problem([1, 2], [1, 2, 3], "train")


def test_the_lab_state_is_built_once_per_data_folder(data_copy, monkeypatch):
    first = state.lab_state()
    assert state.lab_state() is first
    calls = []
    assert first.memo("test.key", lambda: calls.append(1) or 42) == 42
    assert first.memo("test.key", lambda: calls.append(1) or 43) == 42 and calls == [1]
    monkeypatch.setenv("LABKIT_DATA_DIR", str(data_copy))
    other = state.lab_state()
    assert other is not first and other.folder == data_copy


# --- hints under known errors ---------------------------------------------------

@pytest.mark.parametrize("error, words", [
    (ValueError("If pos_label is not specified, values must be from {0, 1} or {-1, 1}"),
     "0/1 flags"),
    (ValueError("Classification metrics can't handle a mix of binary and continuous targets"),
     "0/1 flags"),
    (TypeError("MetricFrame.__init__() takes 1 positional argument but 5 were given"),
     "keyword arguments only"),
    (Exception("Model type not yet supported by TreeExplainer: <class "
               "'sklearn.pipeline.Pipeline'>"), "model[-1]"),
    (ValueError("Input X contains NaN."), "SimpleImputer"),
    (ValueError("could not convert string to float: 'Medicaid'"), "OneHotEncoder"),
])
def test_known_errors_get_a_hint(error, words):
    assert words in hints.hint_for(error)


def test_other_errors_get_none():
    assert hints.hint_for(ZeroDivisionError("division by zero")) is None


def test_install_adds_the_hint_below_the_traceback(capsys):
    shown = []
    shell = SimpleNamespace(
        set_custom_exc=lambda types, handler: shown.append(("installed", types, handler)),
        showtraceback=lambda exc_tuple, tb_offset=None: shown.append(("traceback", exc_tuple[0])))
    assert hints.install(shell) is True
    _, types, handler = shown[0]
    assert types == (Exception,)
    handler(shell, ValueError, ValueError("values must be from {0, 1}"), None)
    assert shown[1] == ("traceback", ValueError)  # the traceback is still shown
    assert "Hint: a metric that counts flagged patients" in capsys.readouterr().out


@pytest.mark.slow
def test_hints_in_a_real_kernel(tmp_path):
    """In a kernel, the error still fails the cell and the hint is printed under it."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from labkit.checks import hints\nhints.install();"),
        nbformat.v4.new_code_cell("from fairlearn.metrics import MetricFrame, selection_rate\n"
                                  "MetricFrame({'s': selection_rate}, [0, 1], [0, 1], ['a', 'b'])"),
    ])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[1].outputs
    assert any(o.output_type == "error" and o.ename == "TypeError" for o in outputs)
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Hint: MetricFrame takes keyword arguments only" in text
