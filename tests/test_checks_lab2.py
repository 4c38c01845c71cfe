"""Lab 2 checks: right answers recomputed here with scikit-learn and numpy (and other
right answers: another solver, rounded values, another bootstrap seed) pass, and each
likely mistake fails with its hint (``not passed`` and the hint, both asserted)."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, confusion_matrix

from labkit import cohorts, evaluate
from labkit.checks import lab2


def fails(result, hint):
    assert not result.passed, result.message
    assert hint in result.message, result.message


@pytest.fixture(scope="module")
def answers() -> dict:
    task = cohorts.readmission_task()
    model = cohorts.reference_model(task)
    y = task.y_test.to_numpy()
    p = model.predict_proba(task.X_test)[:, 1]
    year = task.test["admit_year"].to_numpy()
    rec, later = year == 2023, year == 2024
    logit = np.log(p / (1 - p)).reshape(-1, 1)
    p_recal = LogisticRegression(C=np.inf).fit(logit[rec], y[rec]).predict_proba(
        logit[later])[:, 1]
    y24 = y[later]
    # Calibration slope, independently: an unpenalised logistic fit on the log-odds.
    slope = LogisticRegression(C=np.inf, tol=1e-10).fit(logit, y).coef_[0][0]
    tn, fp, fn, tp = confusion_matrix(y24, p_recal >= 1 / 6).ravel()
    return {"y": y, "p": p, "slope": slope, "p_recal": p_recal, "y24": y24, "logit": logit,
            "rec": rec, "later": later, "tp": tp, "fp": fp, "fn": fn, "tn": tn}


# Exercise 2.1 -----------------------------------------------------------------

def test_calibration_right_answers(lenient, answers):
    y, p = answers["y"], answers["p"]
    brier = float(np.mean((p - y) ** 2))
    intercept, slope = evaluate.calibration_intercept_slope(y, p)
    assert slope == pytest.approx(answers["slope"], rel=1e-3)
    assert lab2.calibration(brier, intercept, slope).passed
    assert lab2.calibration(brier, intercept, answers["slope"]).passed  # another fit
    assert lab2.calibration(round(brier, 4), round(intercept, 2), round(slope, 2)).passed
    assert lab2.calibration(round(brier, 3), round(intercept, 3), round(slope, 3)).passed


def test_calibration_wrong_answers(lenient, answers):
    y, p = answers["y"], answers["p"]
    brier = float(np.mean((p - y) ** 2))
    intercept, slope = evaluate.calibration_intercept_slope(y, p)
    fails(lab2.calibration(brier, slope, intercept), "swapped")
    fails(lab2.calibration(brier_score_loss(y, p >= 0.5), intercept, slope), "labels")
    fails(lab2.calibration(brier_score_loss(y, 1 - p), intercept, slope), "class 0")
    fails(lab2.calibration(round(brier, 1), intercept, slope), "too coarse")
    fails(lab2.calibration(brier, intercept, 1.0), "calibration_intercept_slope")
    fails(lab2.calibration(brier, ..., slope), "replace each")


# Exercise 2.2 -----------------------------------------------------------------

def test_recalibration_right_answers(lenient, answers):
    logit, y, rec, later = answers["logit"], answers["y"], answers["rec"], answers["later"]
    assert lab2.recalibration(answers["p_recal"]).passed
    for solver in ("newton-cg", "newton-cholesky"):
        other = LogisticRegression(C=np.inf, solver=solver).fit(logit[rec], y[rec])
        assert lab2.recalibration(other.predict_proba(logit[later])[:, 1]).passed
    huge_c = LogisticRegression(C=1e12, tol=1e-10).fit(logit[rec], y[rec])
    assert lab2.recalibration(list(huge_c.predict_proba(logit[later])[:, 1])).passed


def test_recalibration_wrong_answers(lenient, answers):
    logit, y, rec, later, p = (answers[k] for k in ("logit", "y", "rec", "later", "p"))
    fails(lab2.recalibration(p), "2024 patients only")
    fails(lab2.recalibration(p[later]), "original risks")
    fails(lab2.recalibration(1 - answers["p_recal"]), "class 0")
    on_2024 = LogisticRegression(C=np.inf).fit(logit[later], y[later])
    fails(lab2.recalibration(on_2024.predict_proba(logit[later])[:, 1]), "fit on 2023")
    on_p = LogisticRegression(C=np.inf).fit(p[rec].reshape(-1, 1), y[rec])
    fails(lab2.recalibration(on_p.predict_proba(p[later].reshape(-1, 1))[:, 1]), "log-odds")
    shrunk = LogisticRegression().fit(logit[rec], y[rec])
    fails(lab2.recalibration(shrunk.predict_proba(logit[later])[:, 1]), "C=np.inf")
    fails(lab2.recalibration(shrunk.predict(logit[later])), "0/1 labels")
    fails(lab2.recalibration("risks"), "1-D array")
    fails(lab2.recalibration(...), "replace")


# Exercise 2.3 -----------------------------------------------------------------

@pytest.mark.parametrize("value", [1 / 6, 1 / (1 + 5), 0.167, 0.1667, np.float64(1) / 6])
def test_threshold_right_answers(lenient, value):
    assert lab2.threshold(value).passed


@pytest.mark.parametrize("value, hint", [
    (0.2, "odds"), (5 / 6, "inverse"), (0.25, "5 false alarms"), (1 / 7, "5 false alarms"),
    (0.17, "too coarse"), (16.67, "percentage"), (0.3, "solve pt/(1 - pt) = 1/5"),
    ("1/6", "one number"), (..., "replace")])
def test_threshold_wrong_answers(lenient, value, hint):
    fails(lab2.threshold(value), hint)


def test_threshold_ignores_a_ratio_the_learner_changed(lenient):
    """The ratio is the exercise's constant: 1/5 is wrong even if the learner set 4."""
    fails(lab2.threshold(1 / 5, 4), "odds")


# Exercise 2.4 -----------------------------------------------------------------

def test_bedside_right_answers(lenient, answers):
    tp, fp, fn = (answers[k] for k in ("tp", "fp", "fn"))
    sens, ppv, per_day = tp / (tp + fn), tp / (tp + fp), (tp + fp) / 366
    assert lab2.bedside(sens, ppv, per_day).passed
    assert lab2.bedside(round(sens, 3), round(ppv, 3), round(per_day, 2)).passed
    assert lab2.bedside(round(sens, 2), round(ppv, 2), round(per_day, 1)).passed


def test_bedside_wrong_answers(lenient, answers):
    tp, fp, fn, tn = (answers[k] for k in ("tp", "fp", "fn", "tn"))
    sens, ppv, per_day = tp / (tp + fn), tp / (tp + fp), (tp + fp) / 366
    # tp, fp, fn, tn = confusion_matrix(...).ravel(): the clinician's order
    w_tp, w_fp, w_fn = tn, fp, fn
    fails(lab2.bedside(w_tp / (w_tp + w_fn), w_tp / (w_tp + w_fp), (w_tp + w_fp) / 366),
          "tn, fp, fn, tp")
    fails(lab2.bedside(ppv, sens, per_day), "swapped")
    fails(lab2.bedside(tn / (tn + fp), ppv, per_day), "specificity")
    fails(lab2.bedside(sens, tn / (tn + fn), per_day), "NPV")
    fails(lab2.bedside(sens, ppv, tp + fp), "whole year")
    fails(lab2.bedside(sens, ppv, tp / 366), "tp + fp")
    fails(lab2.bedside(round(sens, 1), ppv, per_day), "too coarse")
    p24 = answers["p"][answers["later"]]
    tn0, fp0, fn0, tp0 = confusion_matrix(answers["y24"], p24 >= 1 / 6).ravel()
    fails(lab2.bedside(tp0 / (tp0 + fn0), tp0 / (tp0 + fp0), (tp0 + fp0) / 366),
          "original risks")


# Exercise 2.5 -----------------------------------------------------------------

def test_net_benefit_right_answers(lenient, answers):
    tp, fp, y24 = answers["tp"], answers["fp"], answers["y24"]
    n, w = len(y24), (1 / 6) / (5 / 6)
    nb = tp / n - fp / n * w
    nb_all = y24.mean() - (1 - y24.mean()) * w
    assert lab2.net_benefit(nb, nb_all).passed
    assert lab2.net_benefit(round(nb, 4), round(nb_all, 4)).passed
    assert lab2.net_benefit(float(f"{nb:.3f}"), float(f"{nb_all:.3f}")).passed


def test_net_benefit_wrong_answers(lenient, answers):
    tp, fp, y24 = answers["tp"], answers["fp"], answers["y24"]
    n, w = len(y24), (1 / 6) / (5 / 6)
    nb = tp / n - fp / n * w
    nb_all = y24.mean() - (1 - y24.mean()) * w
    fails(lab2.net_benefit(tp / n - fp / n, nb_all), "weight the false positives")
    fails(lab2.net_benefit(tp / n - fp / n / 6, nb_all), "odds")
    fails(lab2.net_benefit(tp / n - fp / n * 5, nb_all), "not its inverse")
    fails(lab2.net_benefit(tp - fp * w, nb_all), "per patient")
    fails(lab2.net_benefit(nb, y24.mean()), "prevalence alone")
    fails(lab2.net_benefit(nb, 0.0), "enrolling no one")


# Exercise 2.6 -----------------------------------------------------------------

def independent_bootstrap(y, p, threshold, n_boot, seed):
    """A percentile bootstrap written here with numpy, not with labkit.evaluate."""
    rng = np.random.default_rng(seed)
    w = threshold / (1 - threshold)
    values = []
    for _ in range(n_boot):
        i = rng.integers(0, len(y), len(y))
        flag, yy = p[i] >= threshold, y[i]
        values.append(((flag & (yy == 1)).sum() - (flag & (yy == 0)).sum() * w) / len(y))
    flag = p >= threshold
    estimate = ((flag & (y == 1)).sum() - (flag & (y == 0)).sum() * w) / len(y)
    return (estimate, *np.quantile(values, [0.025, 0.975]))


def test_bootstrap_right_answers(lenient, answers):
    y, p = answers["y24"], answers["p_recal"]
    right = evaluate.bootstrap_ci(lambda a, b: evaluate.net_benefit(a, b, 1 / 6), y, p,
                                  n_boot=1000, random_state=0, progress=False)
    assert lab2.bootstrap(right).passed
    assert lab2.bootstrap(independent_bootstrap(y, p, 1 / 6, 2000, seed=12345)).passed
    assert lab2.bootstrap(tuple(round(v, 4) for v in right)).passed


def test_bootstrap_wrong_answers(lenient, answers):
    y, p = answers["y24"], answers["p_recal"]
    at_02 = independent_bootstrap(y, p, 0.2, 1000, seed=0)
    fails(lab2.bootstrap(at_02), "threshold of 0.2")
    fails(lab2.bootstrap(at_02, 0.2), "threshold of 0.2")  # a learner's threshold is ignored
    est, low, high = independent_bootstrap(y, p, 1 / 6, 1000, seed=0)
    fails(lab2.bootstrap((est, high, low)), "low is above high")
    fails(lab2.bootstrap((est, low + 0.006, high)), "n_boot=1000")
    fails(lab2.bootstrap((est, est - 0.001, est + 0.001)), "too narrow")
    fails(lab2.bootstrap((1, 2)), "(estimate, low, high)")
    fails(lab2.bootstrap(...), "replace")
