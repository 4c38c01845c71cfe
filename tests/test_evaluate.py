"""labkit.evaluate: known-answer tests and independent recomputation."""

import numpy as np
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
