"""labkit.audit: age bands, group sizes with small-group warnings, bootstrap by group."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import recall_score

from labkit import audit


def test_age_band_edges():
    ages = [18, 44, 45, 64, 65, 74, 75, 100]
    assert audit.age_band(ages).tolist() == ["18-44", "18-44", "45-64", "45-64", "65-74",
                                             "65-74", "75+", "75+"]
    bands = audit.age_band(pd.Series([30, 80], index=[7, 9]))
    assert bands.index.tolist() == [7, 9]
    assert list(bands.cat.categories) == list(audit.AGE_LABELS)


@pytest.mark.parametrize("ages", [[17, 30], [np.nan, 30]])
def test_age_band_rejects_bad_ages(ages):
    with pytest.raises(ValueError, match="at least 18"):
        audit.age_band(ages)


def test_group_sizes_counts_and_warnings():
    groups = ["a"] * 250 + ["b"] * 50
    y = [1] * 120 + [0] * 130 + [1] * 5 + [0] * 45
    table = audit.group_sizes(groups, y)
    assert table.loc["a", ["n", "events"]].tolist() == [250, 120]
    assert table.loc["b", ["n", "events"]].tolist() == [50, 5]
    assert table["share"].tolist() == pytest.approx([250 / 300, 50 / 300])
    assert table.loc["a", "warning"] == ""
    assert "only 50 patients" in table.loc["b", "warning"]
    assert "only 5 with the outcome" in table.loc["b", "warning"]
    relaxed = audit.group_sizes(groups, y, min_n=10, min_events=5)
    assert (relaxed["warning"] == "").all()


def test_group_sizes_keeps_category_order():
    groups = pd.Categorical(["z", "a", "z"], categories=["z", "a"])
    assert audit.group_sizes(pd.Series(groups), [1, 0, 0]).index.tolist() == ["z", "a"]


@pytest.mark.parametrize(
    "groups, y, message",
    [(["a", "b"], [1], "same length"), (["a", "b"], [1, 2], "only 0 and 1")],
)
def test_group_sizes_rejects_bad_input(groups, y, message):
    with pytest.raises(ValueError, match=message):
        audit.group_sizes(groups, y)


def test_bootstrap_by_group_known_answers():
    rng = np.random.default_rng(1)
    groups = np.array(["big"] * 2000 + ["small"] * 60)
    y = (rng.random(2060) < 0.3).astype(int)
    pred = np.where(rng.random(2060) < 0.7, y, 1 - y)
    table = audit.bootstrap_by_group(recall_score, y, pred, groups, n_boot=100)
    for name in ("big", "small"):
        m = groups == name
        assert table.loc[name, "estimate"] == pytest.approx(recall_score(y[m], pred[m]))
        assert table.loc[name, "low"] <= table.loc[name, "estimate"] <= table.loc[name, "high"]
        assert table.loc[name, "events"] == y[m].sum()
    assert table.loc["small", "width"] > 2 * table.loc["big", "width"]
    assert table.loc["big", "warning"] == ""
    assert "only 60 patients" in table.loc["small", "warning"]
    again = audit.bootstrap_by_group(recall_score, y, pred, groups, n_boot=100)
    pd.testing.assert_frame_equal(table, again)


def test_bootstrap_by_group_perfect_predictions_have_no_width():
    y = np.array([1, 0] * 100)
    table = audit.bootstrap_by_group(recall_score, y, y, ["g"] * 200, n_boot=30)
    assert table.loc["g", ["estimate", "low", "high", "width"]].tolist() == [1.0, 1.0, 1.0, 0.0]


def test_bootstrap_by_group_too_small_for_an_interval():
    groups = ["big"] * 200 + ["tiny"] * 3
    y = [1, 0] * 100 + [1, 0, 0]
    table = audit.bootstrap_by_group(recall_score, y, y, groups, n_boot=50)
    assert np.isnan(table.loc["tiny", "low"]) and np.isnan(table.loc["tiny", "high"])
    assert table.loc["tiny", "estimate"] == 1.0
    assert "too small for an interval" in table.loc["tiny", "warning"]


def test_bootstrap_by_group_rejects_unequal_lengths():
    with pytest.raises(ValueError, match="same length"):
        audit.bootstrap_by_group(recall_score, [1, 0], [1, 0, 1], ["a", "a"])
