"""Lab 2 checks: right answers (recomputed here with scikit-learn and numpy) pass,
and each likely mistake gets its hint."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, confusion_matrix

from labkit import cohorts, evaluate
from labkit.checks import lab2


@pytest.fixture
def lenient(monkeypatch):
    monkeypatch.delenv("LABKIT_STRICT", raising=False)


@pytest.fixture(scope="module")
def answers() -> dict:
    task = cohorts.readmission_task()
    model = cohorts.reference_model(task)
    y = task.y_test.to_numpy()
    p = model.predict_proba(task.X_test)[:, 1]
    year = task.test["admit_year"].to_numpy()
    logit = np.log(p / (1 - p)).reshape(-1, 1)
    rec = LogisticRegression(C=np.inf).fit(logit[year == 2023], y[year == 2023])
    p_recal = rec.predict_proba(logit[year == 2024])[:, 1]
    y24 = y[year == 2024]
    # Calibration slope and intercept, independently: unpenalised logistic fits.
    slope = LogisticRegression(C=np.inf, tol=1e-10).fit(logit, y).coef_[0][0]
    tn, fp, fn, tp = confusion_matrix(y24, p_recal >= 1 / 6).ravel()
    return {"y": y, "p": p, "slope": slope, "p_recal": p_recal, "y24": y24,
            "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def test_calibration(lenient, answers):
    y, p = answers["y"], answers["p"]
    brier = float(np.mean((p - y) ** 2))
    intercept, slope = evaluate.calibration_intercept_slope(y, p)
    assert slope == pytest.approx(answers["slope"], rel=1e-3)
    assert lab2.calibration(brier, intercept, slope).passed
    assert "swapped" in lab2.calibration(brier, slope, intercept).message
    assert "labels" in lab2.calibration(brier_score_loss(y, p >= 0.5), intercept, slope).message
    assert "class 0" in lab2.calibration(brier_score_loss(y, 1 - p), intercept, slope).message


def test_recalibration(lenient, answers):
    assert lab2.recalibration(answers["p_recal"]).passed
    assert "2024 patients only" in lab2.recalibration(answers["p"]).message
    year_2024 = len(answers["p_recal"])
    original = lab2._reference().p_test[lab2._reference().later]
    assert len(original) == year_2024
    assert "original risks" in lab2.recalibration(original).message
    assert "class 0" in lab2.recalibration(1 - answers["p_recal"]).message
    assert "replace" in lab2.recalibration(...).message


def test_threshold(lenient):
    assert lab2.threshold(1 / 6, 5).passed
    assert "odds" in lab2.threshold(0.2, 5).message
    assert "inverse" in lab2.threshold(5 / 6, 5).message
    assert lab2.threshold(0.1, 9).passed  # the knowledge-check variant


def test_bedside(lenient, answers):
    tp, fp, fn, tn = (answers[k] for k in ("tp", "fp", "fn", "tn"))
    sens, ppv, per_day = tp / (tp + fn), tp / (tp + fp), (tp + fp) / 366
    assert lab2.bedside(sens, ppv, per_day).passed
    assert lab2.bedside(sens, ppv, (tp + fp) / 365).passed  # 365 days is close enough
    assert "swapped" in lab2.bedside(ppv, sens, per_day).message
    assert "specificity" in lab2.bedside(tn / (tn + fp), ppv, per_day).message


def test_net_benefit(lenient, answers):
    tp, fp, y24 = answers["tp"], answers["fp"], answers["y24"]
    n, w = len(y24), (1 / 6) / (5 / 6)
    nb = tp / n - fp / n * w
    nb_all = y24.mean() - (1 - y24.mean()) * w
    assert lab2.net_benefit(nb, nb_all).passed
    assert "weight the false positives" in lab2.net_benefit(tp / n - fp / n, nb_all).message
    assert "odds" in lab2.net_benefit(tp / n - fp / n / 6, nb_all).message
    assert "treat-all" in lab2.net_benefit(nb, y24.mean()).message


def test_bootstrap(lenient, answers):
    def metric(a, b):
        return evaluate.net_benefit(a, b, 1 / 6)

    right = evaluate.bootstrap_ci(metric, answers["y24"], answers["p_recal"], n_boot=200,
                                  random_state=0, progress=False)
    assert lab2.bootstrap(right, 1 / 6).passed
    other_seed = evaluate.bootstrap_ci(metric, answers["y24"], answers["p_recal"], n_boot=200,
                                       random_state=1, progress=False)
    assert "random_state" in lab2.bootstrap(other_seed, 1 / 6).message
    assert "(estimate, low, high)" in lab2.bootstrap((1, 2), 1 / 6).message
