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


# --- Patients with no group label -----------------------------------------------------


def test_missing_labels_are_refused_by_default_and_counted_on_request():
    groups = ["a", None, "b", np.nan, "a", pd.NA]
    y = [1, 0, 1, 1, 0, 0]
    with pytest.raises(ValueError, match="3 of 6 rows with no group"):
        audit.group_sizes(groups, y)
    table = audit.group_sizes(groups, y, missing="group", min_n=0, min_events=0)
    assert table.index.tolist() == ["a", "b", audit.MISSING]
    assert table["n"].tolist() == [2, 1, 3]
    assert table["events"].tolist() == [1, 1, 1]
    assert table["share"].sum() == pytest.approx(1.0)  # nobody lost


def test_missing_group_goes_last_after_the_categories():
    groups = pd.Series(pd.Categorical(["z", None, "a", "z"], categories=["z", "a"]))
    table = audit.group_sizes(groups, [1, 0, 0, 1], missing="group")
    assert table.index.tolist() == ["z", "a", audit.MISSING]


def test_bootstrap_and_wilson_tables_keep_missing_labels_on_request():
    groups = np.array(["a", None] * 100, dtype=object)
    y = np.array([1, 0, 0, 1] * 50)
    pred = np.array([1, 1, 0, 0] * 50)
    for table in (audit.bootstrap_by_group(recall_score, y, pred, groups, n_boot=50,
                                           missing="group"),
                  audit.rate_ci_by_group(y, pred, groups, rate="tpr", missing="group")):
        assert table.index.tolist() == ["a", audit.MISSING]
        assert table["n"].sum() == 200


# --- Bootstrap by group -----------------------------------------------------------------


def test_bootstrap_by_group_matches_fairlearn_and_is_fast():
    import time

    from fairlearn.metrics import MetricFrame, false_negative_rate

    # About the size of Lab 3's test set: 3,900 patients in six groups.
    rng = np.random.default_rng(8)
    shares = [0.62, 0.17, 0.12, 0.04, 0.01, 0.04]
    groups = rng.choice(np.array(list("ABCDEF")), 3900, p=shares)
    y = (rng.random(3900) < 0.15).astype(int)
    pred = (rng.random(3900) < 0.2 + 0.3 * y).astype(int)
    start = time.perf_counter()
    table = audit.bootstrap_by_group(false_negative_rate, y, pred, groups, n_boot=1000)
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0  # measured about 0.05 s; calling fairlearn 6,000 times took 6 s
    expected = MetricFrame(metrics=false_negative_rate, y_true=y, y_pred=pred,
                           sensitive_features=groups).by_group
    assert table["estimate"].to_numpy() == pytest.approx(expected.to_numpy())
    scored = table.dropna(subset=["low"])
    assert len(scored) >= 5  # the 1% group may be too small for an interval, and says so
    assert table.loc[~table.index.isin(scored.index), "warning"].str.contains(
        "too small for an interval").all()
    assert ((scored["low"] <= scored["estimate"]) & (scored["estimate"] <= scored["high"])).all()


def test_each_group_has_its_own_random_stream():
    rng = np.random.default_rng(3)
    y = (rng.random(600) < 0.4).astype(int)
    pred = (rng.random(600) < 0.3 + 0.4 * y).astype(int)
    same = audit.bootstrap_by_group(recall_score, y, pred, ["g"] * 300 + ["h"] * 300,
                                    n_boot=200)
    # Identical data in two groups: the same seed, different streams, different bounds.
    twins = audit.bootstrap_by_group(recall_score, np.r_[y[:300], y[:300]],
                                     np.r_[pred[:300], pred[:300]], ["g"] * 300 + ["h"] * 300,
                                     n_boot=200)
    assert twins.loc["g", "estimate"] == twins.loc["h", "estimate"]
    assert (twins.loc["g", ["low", "high"]] != twins.loc["h", ["low", "high"]]).any()
    other_seed = audit.bootstrap_by_group(recall_score, y, pred, ["g"] * 300 + ["h"] * 300,
                                          n_boot=200, random_state=1)
    assert not same[["low", "high"]].equals(other_seed[["low", "high"]])


def test_bootstrap_by_group_resamples_patients():
    rng = np.random.default_rng(6)
    y = (rng.random(300) < 0.4).astype(int)
    pred = (rng.random(300) < 0.3 + 0.4 * y).astype(int)
    ids = np.repeat(np.arange(300), 3)  # every patient admitted three times
    groups = np.repeat(np.where(np.arange(300) < 150, "a", "b"), 3)
    rows = audit.bootstrap_by_group(recall_score, y[ids], pred[ids], groups, n_boot=1000)
    patients = audit.bootstrap_by_group(recall_score, y[ids], pred[ids], groups,
                                        n_boot=1000, patient_id=ids)
    ratio = patients["width"] / rows["width"]
    assert ratio.to_numpy() == pytest.approx([np.sqrt(3)] * 2, rel=0.2)
    assert patients["estimate"].tolist() == rows["estimate"].tolist()


def test_intersections_as_tuple_labels():
    groups = [("Black", "female"), ("Black", "male"), ("White", "female")] * 40
    y = [1, 0, 1, 0] * 30
    table = audit.group_sizes(groups, y, min_n=0, min_events=0)
    assert table.index.tolist() == [("Black", "female"), ("Black", "male"),
                                    ("White", "female")]
    assert table["n"].tolist() == [40, 40, 40]


# --- Wilson intervals by group ----------------------------------------------------------


@pytest.mark.parametrize("rate, numerator, denominator", [
    ("fnr", lambda y, p: (y == 1) & (p == 0), lambda y, p: y == 1),
    ("tpr", lambda y, p: (y == 1) & (p == 1), lambda y, p: y == 1),
    ("fpr", lambda y, p: (y == 0) & (p == 1), lambda y, p: y == 0),
    ("tnr", lambda y, p: (y == 0) & (p == 0), lambda y, p: y == 0),
    ("selection_rate", lambda y, p: p == 1, lambda y, p: np.ones_like(y, bool)),
    ("ppv", lambda y, p: (y == 1) & (p == 1), lambda y, p: p == 1),
    ("npv", lambda y, p: (y == 0) & (p == 0), lambda y, p: p == 0),
    ("accuracy", lambda y, p: y == p, lambda y, p: np.ones_like(y, bool)),
])
def test_rate_ci_by_group_counts_and_wilson_bounds(rate, numerator, denominator):
    from scipy.stats import norm

    rng = np.random.default_rng(9)
    groups = rng.choice(np.array(["x", "y", "z"]), 500, p=[0.7, 0.25, 0.05])
    y = (rng.random(500) < 0.3).astype(int)
    pred = (rng.random(500) < 0.25 + 0.4 * y).astype(int)
    table = audit.rate_ci_by_group(y, pred, groups, rate=rate)
    z = norm.ppf(0.975)
    for name in ("x", "y", "z"):
        m = groups == name
        k = int(numerator(y[m], pred[m]).sum())
        n = int(denominator(y[m], pred[m]).sum())
        row = table.loc[name]
        assert (row["numerator"], row["denominator"]) == (k, n)
        assert row["estimate"] == pytest.approx(k / n)
        # Wilson (1927) closed form, computed here independently of scipy.
        centre = (k + z * z / 2) / (n + z * z)
        half = z * np.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
        assert row["low"] == pytest.approx(max(centre - half, 0), abs=1e-9)
        assert row["high"] == pytest.approx(min(centre + half, 1), abs=1e-9)


def test_rate_ci_by_group_with_an_empty_denominator():
    table = audit.rate_ci_by_group([0, 0, 1, 0], [0, 1, 1, 0], ["a", "a", "b", "b"],
                                   rate="fnr", min_n=0, min_events=0)
    assert np.isnan(table.loc["a", ["estimate", "low", "high"]].astype(float)).all()
    assert "no patients with the outcome: fnr undefined" in table.loc["a", "warning"]
    assert table.loc["b", "estimate"] == 0.0
    # 0 of 1 missed: the Wilson interval is wide, not the bootstrap's 0 to 0.
    assert table.loc["b", "high"] > 0.7
