"""Invariants of labkit's evaluation and audit arithmetic, for any valid input (hypothesis).

Each property is a fact about the quantity, not about our code: e.g. net benefit
can never exceed the prevalence, because TP/n <= prevalence and the false-positive
term is never negative. Expected values are recomputed from first principles.
"""

import math

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import false_negative_rate
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from labkit import audit, evaluate

# No example database: the tests must not write into the repository.
FAST = settings(max_examples=40, deadline=None, database=None)
SLOW = settings(max_examples=8, deadline=None, database=None)

probability = st.floats(0, 1, allow_nan=False)
threshold = st.floats(0, 0.99, allow_nan=False)


@st.composite
def outcomes_and_risks(draw: st.DrawFn, min_size: int = 1, max_size: int = 60
                       ) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(min_size, max_size))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    p = np.array(draw(st.lists(probability, min_size=n, max_size=n)))
    return y, p


@given(outcomes_and_risks(), threshold)
@FAST
def test_net_benefit_never_exceeds_prevalence(data, t):
    y, p = data
    assert evaluate.net_benefit(y, p, t) <= y.mean() + 1e-12


@given(outcomes_and_risks(), st.floats(0.001, 0.99))
@FAST
def test_treating_no_one_is_worth_nothing(data, t):
    y, _ = data
    assert evaluate.net_benefit(y, np.zeros(len(y)), t) == 0.0


@given(outcomes_and_risks())
@FAST
def test_at_threshold_zero_everyone_is_treated_and_net_benefit_is_prevalence(data):
    y, p = data
    assert evaluate.net_benefit(y, p, 0.0) == pytest.approx(y.mean())


@given(outcomes_and_risks(), threshold)
@FAST
def test_treating_everyone_matches_the_treat_all_formula(data, t):
    y, _ = data
    prev = y.mean()
    expected = prev - (1 - prev) * t / (1 - t)
    assert evaluate.net_benefit(y, np.ones(len(y)), t) == pytest.approx(expected, abs=1e-12)
    assert evaluate.treat_all_net_benefit(prev, t) == pytest.approx(expected, abs=1e-12)


@given(outcomes_and_risks(), st.lists(threshold, min_size=1, max_size=8))
@FAST
def test_decision_curve_columns(data, ts):
    y, p = data
    dc = evaluate.decision_curve(y, p, ts)
    prev = y.mean()
    t = np.array(ts)
    assert np.allclose(dc["treat_all"], prev - (1 - prev) * t / (1 - t))
    assert (dc["treat_none"] == 0).all()
    assert (dc["model"] <= prev + 1e-12).all()
    assert dc["threshold"].tolist() == pytest.approx(ts)


@given(outcomes_and_risks(), st.lists(probability, min_size=1, max_size=8))
@FAST
def test_threshold_table_counts_add_up_and_sensitivity_falls(data, ts):
    y, p = data
    table = evaluate.threshold_table(y, p, sorted(ts), days=7)
    assert (table[["tp", "fp", "fn", "tn"]].sum(axis=1) == len(y)).all()
    assert (table["tp"] + table["fn"] == y.sum()).all()
    assert (table["flagged"] == table["tp"] + table["fp"]).all()
    assert (np.diff(table["flagged"]) <= 0).all()  # a higher threshold never flags more
    sens = table["sensitivity"].dropna()
    assert (np.diff(sens) <= 1e-12).all()
    assert np.allclose(table["flagged_per_day"], table["flagged"] / 7)


@given(st.integers(0, 2**32 - 1), st.floats(0.01, 0.3), st.floats(0.3, 0.6))
@SLOW
def test_perfectly_calibrated_large_sample_has_slope_1_and_intercept_0(seed, low, width):
    rng = np.random.default_rng(seed)
    p = rng.uniform(low, low + width, 20_000)
    y = rng.random(20_000) < p
    a, b = evaluate.calibration_intercept_slope(y, p)
    # From the Fisher information over this parameter range the standard errors are at
    # most 0.020 (intercept) and 0.041 (slope); the bounds are 6 standard errors.
    assert abs(a) < 0.12
    assert abs(b - 1) < 0.25


@st.composite
def audit_data(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 80))
    groups = np.array(draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=n,
                                    max_size=n)))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    pred = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    return groups, y, pred


RENAME = {"a": "Zulu", "b": "Alpha", "c": "Mike", "d": "Bravo"}  # changes the sort order


@given(audit_data())
@FAST
def test_group_sizes_counts_sum_to_n_and_shares_to_1(data):
    groups, y, _ = data
    table = audit.group_sizes(groups, y)
    assert table["n"].sum() == len(y)
    assert table["events"].sum() == y.sum()
    assert table["share"].sum() == pytest.approx(1.0)
    for name, row in table.iterrows():
        assert row["n"] == (groups == name).sum()


@given(audit_data(), st.data())
@FAST
def test_no_row_is_lost_when_missing_labels_form_a_group(data, more):
    groups, y, _ = data
    holes = more.draw(st.lists(st.booleans(), min_size=len(y), max_size=len(y)))
    labels = pd.Series(groups, dtype=object).where(~np.array(holes), None)
    table = audit.group_sizes(labels, y, missing="group")
    assert table["n"].sum() == len(y)
    assert table["share"].sum() == pytest.approx(1.0)
    if any(holes):
        assert table.index[-1] == audit.MISSING
        assert table.loc[audit.MISSING, "n"] == sum(holes)


@given(audit_data())
@FAST
def test_relabelling_groups_renames_the_tables_without_changing_numbers(data):
    groups, y, pred = data
    renamed = np.array([RENAME[g] for g in groups])
    before = audit.group_sizes(groups, y).rename(index=RENAME)
    after = audit.group_sizes(renamed, y)
    pd.testing.assert_frame_equal(before.sort_index(), after.sort_index())
    before = audit.rate_ci_by_group(y, pred, groups, rate="fnr").rename(index=RENAME)
    after = audit.rate_ci_by_group(y, pred, renamed, rate="fnr")
    pd.testing.assert_frame_equal(before.sort_index(), after.sort_index())


@given(st.integers(0, 400), st.integers(1, 400), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
@FAST
def test_wilson_interval_matches_the_closed_form(k, n, level):
    k = min(k, n)
    low, high = evaluate.wilson_interval(k, n, level=level)
    # Wilson (1927): (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)
    z, phat = norm.ppf(1 - (1 - level) / 2), k / n
    centre = (phat + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert low == pytest.approx(max(centre - half, 0), abs=1e-9)
    assert high == pytest.approx(min(centre + half, 1), abs=1e-9)
    assert 0 <= low <= phat <= high <= 1
    # Swapping successes and failures mirrors the interval.
    mirror = evaluate.wilson_interval(n - k, n, level=level)
    assert (1 - mirror[1], 1 - mirror[0]) == pytest.approx((low, high), abs=1e-9)


@st.composite
def two_group_data(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(60, 300))
    y = np.r_[np.ones(n // 2, int), np.zeros(n - n // 2, int)]
    pred = (rng.random(n) < 0.3 + 0.4 * y).astype(int)
    groups = rng.choice(np.array(["Black", "White"]), n)
    return groups, y, pred


@given(two_group_data())
@SLOW
def test_bootstrap_by_group_bounds_are_rates_and_reproducible(data):
    groups, y, pred = data
    table = audit.bootstrap_by_group(false_negative_rate, y, pred, groups, n_boot=200,
                                     min_n=0, min_events=0)
    scored = table.dropna(subset=["low"])
    assert ((0 <= scored["low"]) & (scored["low"] <= scored["high"])
            & (scored["high"] <= 1)).all()
    again = audit.bootstrap_by_group(false_negative_rate, y, pred, groups, n_boot=200,
                                     min_n=0, min_events=0)
    pd.testing.assert_frame_equal(table, again)


@given(two_group_data())
@SLOW
def test_adding_a_group_does_not_move_the_other_groups_intervals(data):
    groups, y, pred = data
    before = audit.bootstrap_by_group(false_negative_rate, y, pred, groups, n_boot=200,
                                      min_n=0, min_events=0)
    # "Asian" sorts before both groups: a position-based stream would shift them.
    extra_y, extra_pred = np.array([1, 1, 0, 1, 0, 1]), np.array([0, 1, 0, 1, 1, 0])
    after = audit.bootstrap_by_group(false_negative_rate, np.r_[y, extra_y],
                                     np.r_[pred, extra_pred],
                                     np.r_[groups, ["Asian"] * 6], n_boot=200,
                                     min_n=0, min_events=0)
    pd.testing.assert_frame_equal(after.loc[before.index], before)


@given(two_group_data())
@SLOW
def test_counted_fast_path_equals_calling_the_metric(data):
    groups, y, pred = data
    fast = audit.bootstrap_by_group(false_negative_rate, y, pred, groups, n_boot=20)
    slow = audit.bootstrap_by_group(lambda a, b: false_negative_rate(a, b), y, pred, groups,
                                    n_boot=20)
    pd.testing.assert_frame_equal(fast, slow)
