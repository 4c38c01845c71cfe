"""labkit.evaluate: known-answer tests and independent recomputation."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, roc_auc_score

from labkit import evaluate


def test_net_benefit_worked_example():
    # Hand-worked from the published formula (Vickers and Elkin 2006):
    # 100 patients, 20 true and 30 false positives at pt = 0.2:
    # NB = 20/100 - 30/100 x 0.2/0.8 = 0.2 - 0.075 = 0.125.
    y = [1] * 20 + [0] * 30 + [1] * 5 + [0] * 45
    p = [0.9] * 50 + [0.1] * 50
    assert evaluate.net_benefit(y, p, 0.2) == pytest.approx(0.125)
    # The same 0.125 means 12.5 net true positives per 100 patients.
    assert evaluate.net_benefit(y, p, 0.2) * 100 == pytest.approx(12.5)


def test_treat_all_and_treat_none():
    y = np.array([1] * 15 + [0] * 85)
    everyone = np.ones(100)
    for t in (0.0, 0.1, 0.15, 0.3):
        # Treating everyone with the model equals the treat-all formula.
        assert evaluate.net_benefit(y, everyone * 0.99, t) == pytest.approx(
            evaluate.treat_all_net_benefit(0.15, t))
    # Treat-all is worth nothing at a threshold equal to the prevalence.
    assert evaluate.treat_all_net_benefit(0.15, 0.15) == pytest.approx(0.0)
    assert evaluate.net_benefit(y, np.zeros(100), 0.2) == 0.0


def test_decision_curve_perfect_model():
    y = np.array([1] * 30 + [0] * 70)
    dc = evaluate.decision_curve(y, y * 0.9 + 0.05, [0.1, 0.3, 0.5])
    # A perfect model's net benefit is the prevalence at every threshold.
    assert np.allclose(dc["model"], 0.3)
    assert (dc["treat_none"] == 0).all()
    assert list(dc.columns) == ["threshold", "model", "treat_all", "treat_none"]


def test_calibration_matches_an_independent_logistic_fit():
    rng = np.random.default_rng(1)
    true_p = rng.uniform(0.02, 0.5, 5000)
    y = (rng.random(5000) < true_p).astype(int)
    # Over-confident predictions: logits doubled.
    logit = np.log(true_p / (1 - true_p))
    pred = 1 / (1 + np.exp(-2 * logit))
    a, b = evaluate.calibration_intercept_slope(y, pred)
    lp = np.log(pred / (1 - pred)).reshape(-1, 1)
    ref = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(lp, y)
    assert b == pytest.approx(ref.coef_[0][0], rel=1e-4)
    assert b == pytest.approx(0.5, abs=0.06)


def test_calibration_intercept_detects_overestimation():
    rng = np.random.default_rng(2)
    true_p = rng.uniform(0.05, 0.3, 20_000)
    y = rng.random(20_000) < true_p
    # Every prediction doubled in odds: intercept about -log(2), slope about 1.
    odds = 2 * true_p / (1 - true_p)
    a, b = evaluate.calibration_intercept_slope(y, odds / (1 + odds))
    assert a == pytest.approx(-np.log(2), abs=0.06)
    assert b == pytest.approx(1.0, abs=0.06)


def test_calibration_rejects_one_class():
    with pytest.raises(ValueError, match="only one class"):
        evaluate.calibration_intercept_slope([0, 0, 0], [0.1, 0.2, 0.3])


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="only 0 and 1"):
        evaluate.net_benefit([0, 2], [0.1, 0.2], 0.5)
    with pytest.raises(ValueError, match="probabilities in"):
        evaluate.net_benefit([0, 1], [0.1, 1.2], 0.5)
    with pytest.raises(ValueError, match="threshold must be in"):
        evaluate.net_benefit([0, 1], [0.1, 0.2], 1.0)
    with pytest.raises(ValueError, match="same length"):
        evaluate.threshold_table([0, 1], [0.1], [0.5])


def test_bootstrap_is_seeded_and_covers_the_estimate(capsys):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 400)
    s = y * 0.3 + rng.random(400)
    first = evaluate.bootstrap_ci(roc_auc_score, y, s, n_boot=100, random_state=5)
    second = evaluate.bootstrap_ci(roc_auc_score, y, s, n_boot=100, random_state=5)
    assert first == second
    est, lo, hi = first
    assert est == pytest.approx(roc_auc_score(y, s))
    assert lo < est < hi and hi - lo < 0.2
    out = capsys.readouterr()
    assert "100/100" in out.out and out.err == ""  # stdout, no timings on stderr
    assert "it/s" not in out.out and "s/it" not in out.out


def test_bootstrap_refuses_a_group_too_small_to_score():
    with pytest.raises(ValueError, match="too small or has one class"):
        evaluate.bootstrap_ci(roc_auc_score, [0, 0, 0, 1], [0.1, 0.2, 0.3, 0.4], n_boot=50,
                              progress=False)


def test_threshold_table_matches_sklearn_confusion_matrix():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 300)
    p = np.clip(y * 0.2 + rng.random(300) * 0.8, 0, 1)
    table = evaluate.threshold_table(y, p, [0.3, 0.5, 0.7], days=30)
    for _, row in table.iterrows():
        tn, fp, fn, tp = confusion_matrix(y, p >= row["threshold"]).ravel()
        assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (tp, fp, fn, tn)
        assert row["sensitivity"] == pytest.approx(tp / (tp + fn))
        assert row["ppv"] == pytest.approx(tp / (tp + fp))
        assert row["nne"] == pytest.approx((tp + fp) / tp)
        assert row["flagged_per_day"] == pytest.approx((tp + fp) / 30)


# --- Inputs of every kind a learner passes ------------------------------------------


def test_outcomes_as_booleans_or_floats_are_fine():
    y_int = [1, 0, 1, 1, 0]
    p = [0.7, 0.4, 0.2, 0.9, 0.1]
    expected = evaluate.net_benefit(y_int, p, 0.3)
    assert evaluate.net_benefit([bool(v) for v in y_int], p, 0.3) == expected
    assert evaluate.net_benefit([float(v) for v in y_int], p, 0.3) == expected
    assert evaluate.net_benefit(pd.Series(y_int, dtype="Int64"), p, 0.3) == expected


def test_series_pair_by_position_only_when_that_is_safe():
    y = pd.Series([1, 0, 1, 0], index=[7, 3, 9, 1])
    p = pd.Series([0.9, 0.2, 0.8, 0.1], index=[7, 3, 9, 1])
    # Same index: rows are the same patients; a numpy partner pairs by position.
    assert evaluate.net_benefit(y, p, 0.5) == evaluate.net_benefit(y.to_numpy(), p, 0.5) == 0.5
    with pytest.raises(ValueError, match="different indexes"):
        evaluate.net_benefit(y, p.sort_index(), 0.5)


def test_threshold_table_takes_one_threshold_and_a_threshold_of_one():
    y, p = [1, 0, 1], [1.0, 0.2, 0.6]
    one = evaluate.threshold_table(y, p, 0.5)
    assert one["flagged"].tolist() == [2.0]
    top = evaluate.threshold_table(y, p, [1.0])
    assert top[["tp", "fp"]].iloc[0].tolist() == [1.0, 0.0]  # only the certain risk


# --- Bootstrap ------------------------------------------------------------------------


def test_default_is_at_least_1000_resamples():
    import inspect

    from labkit import audit

    assert evaluate.N_BOOT >= 1000
    for func in (evaluate.bootstrap_ci, audit.bootstrap_by_group):
        assert inspect.signature(func).parameters["n_boot"].default == evaluate.N_BOOT


def test_row_bootstrap_is_the_documented_resampling_loop():
    # Recompute a percentile interval with an independent loop: resample rows with
    # default_rng(seed).integers, skip one-class resamples, take the quantiles. Lab 2's
    # interval (continuous risks) depends on exactly this stream.
    rng_data = np.random.default_rng(11)
    y = (rng_data.random(300) < 0.2).astype(int)
    p = np.clip(0.2 + 0.3 * (y - 0.2) + rng_data.normal(0, 0.1, 300), 0.01, 0.99)

    def metric(a, b):
        return evaluate.net_benefit(a, b, 1 / 6)

    rng = np.random.default_rng(4)
    values = []
    for _ in range(300):
        idx = rng.integers(0, 300, 300)
        if len(np.unique(y[idx])) == 2:
            values.append(metric(y[idx], p[idx]))
    expected = (metric(y, p), *np.quantile(values, [0.025, 0.975]))
    got = evaluate.bootstrap_ci(metric, y, p, n_boot=300, random_state=4, progress=False)
    assert got == pytest.approx(expected, rel=1e-12)


def test_bootstrap_of_a_rate_matches_binomial_theory():
    # 400 patients with the outcome, 280 of them missed: FNR 0.7 with standard error
    # sqrt(0.7 x 0.3 / 400) = 0.0229, so a 95% interval about 3.92 x 0.0229 = 0.090 wide.
    from fairlearn.metrics import false_negative_rate

    y = np.r_[np.ones(400, int), np.zeros(600, int)]
    pred = np.r_[np.zeros(280, int), np.ones(120, int), np.zeros(500, int), np.ones(100, int)]
    est, low, high = evaluate.bootstrap_ci(false_negative_rate, y, pred, n_boot=4000,
                                           random_state=1, progress=False)
    assert est == pytest.approx(0.7)
    assert high - low == pytest.approx(2 * 1.96 * np.sqrt(0.7 * 0.3 / 400), rel=0.08)
    assert (low + high) / 2 == pytest.approx(0.7, abs=0.005)


@pytest.mark.parametrize("kind", ["risks", "labels"])
def test_cluster_bootstrap_resamples_patients_not_rows(kind):
    # 400 patients, each seen 4 times with the same outcome and prediction. Resampling
    # rows treats the copies as independent and halves the interval (sqrt(4) = 2);
    # resampling patients gives the interval of the 400 patients themselves.
    from fairlearn.metrics import false_negative_rate

    rng = np.random.default_rng(5)
    y = (rng.random(400) < 0.3).astype(int)
    risk = np.clip(0.3 + 0.25 * (y - 0.3) + rng.normal(0, 0.15, 400), 0.01, 0.99)
    if kind == "risks":
        def metric(a, b):
            return evaluate.net_benefit(a, b, 0.25)
        score = risk
    else:
        metric, score = false_negative_rate, (risk >= 0.35).astype(int)
    ids = np.repeat(np.arange(400), 4)

    def width(*args, **kwargs):
        est, low, high = evaluate.bootstrap_ci(metric, *args, n_boot=1000, random_state=2,
                                               progress=False, **kwargs)
        return high - low

    alone = width(y, score)
    rows = width(y[ids], score[ids])
    patients = width(y[ids], score[ids], patient_id=ids)
    assert rows / alone == pytest.approx(0.5, abs=0.1)
    assert patients / alone == pytest.approx(1.0, abs=0.15)


def test_bootstrap_progress_bar_for_label_predictions(capsys):
    y = np.array([1, 0] * 50)
    evaluate.bootstrap_ci(lambda a, b: float(np.mean(a == b)), y, y, n_boot=250)
    out = capsys.readouterr()
    assert "250/250" in out.out and out.err == "" and "it/s" not in out.out


def test_bootstrap_refuses_a_metric_undefined_on_the_data():
    with pytest.raises(ValueError, match="metric returned nan on the full data"):
        evaluate.bootstrap_ci(lambda a, b: float("nan"), [0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8],
                              progress=False)


# --- Wilson score interval ------------------------------------------------------------


@pytest.mark.parametrize("k, n, low, high", [
    # Newcombe RG. Two-sided confidence intervals for the single proportion: comparison
    # of seven methods. Stat Med 1998;17:857-872. Worked examples, method 3 (score
    # interval without continuity correction), 95% limits to 4 decimals.
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_interval_matches_newcombe_1998(k, n, low, high):
    got = evaluate.wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize("seed", range(5))
def test_auroc_equals_scikit_learn_with_and_without_ties(seed):
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 500)
    for scores in (rng.random(500), np.round(rng.random(500), 1), rng.integers(0, 3, 500)):
        assert evaluate.auroc(y, scores) == pytest.approx(roc_auc_score(y, scores), abs=1e-12)
