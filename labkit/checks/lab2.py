"""Checks for Lab 2 - Evaluate like a clinician.

Each check rebuilds the lab's chain from the shipped data (task, Lab 1 model,
2023 recalibration, 2024 evaluation) and compares the learner's numbers with
tolerances; nothing here is a number copied from an output.

>>> from labkit.checks import lab2
>>> lab2.threshold(1 / 6, 5).passed
✔ Exercise 2.3 - correct: threshold 0.167: act when the risk is at least 16.7%.
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

from labkit import cohorts, evaluate
from labkit.checks import Feedback, close, feedback, unanswered

__all__ = ["calibration", "recalibration", "threshold", "bedside", "net_benefit", "bootstrap"]

DAYS_2024 = 366
RATIO = 5  # false alarms accepted per true alert, as the scenario states


@dataclass(frozen=True)
class _Reference:
    y_test: np.ndarray
    p_test: np.ndarray
    p_train: np.ndarray
    y_train: np.ndarray
    recent: np.ndarray
    later: np.ndarray
    p_recal: np.ndarray


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p)).reshape(-1, 1)


def _recalibrate(fit_on: np.ndarray, y: np.ndarray, p: np.ndarray, apply_to: np.ndarray,
                 transform=_logit) -> np.ndarray:
    recal = LogisticRegression(C=np.inf).fit(transform(p[fit_on]), y[fit_on])
    return recal.predict_proba(transform(p[apply_to]))[:, 1]


@functools.cache
def _reference() -> _Reference:
    task = cohorts.readmission_task()
    model = cohorts.reference_model(task, "logistic")
    y = task.y_test.to_numpy()
    p = model.predict_proba(task.X_test)[:, 1]
    year = task.test["admit_year"].to_numpy()
    recent, later = year == 2023, year == 2024
    return _Reference(y, p, model.predict_proba(task.X_train)[:, 1], task.y_train.to_numpy(),
                      recent, later, _recalibrate(recent, y, p, later))


def _as_array(values: object) -> np.ndarray | None:
    try:
        arr = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        return None
    return arr


def calibration(brier: object, intercept: object, slope: object) -> Feedback:
    """Exercise 2.1: Brier score, calibration intercept and slope on the test set."""
    if unanswered(brier, intercept, slope):
        return feedback("2.1", False, "replace each ... with your answer.")
    ref = _reference()
    y, p = ref.y_test, ref.p_test
    if close(brier, brier_score_loss(y, (p >= 0.5).astype(float)), rel=1e-6):
        return feedback("2.1", False, "that Brier score is of predicted labels (0/1); score "
                        "the probabilities p_test.")
    if close(brier, brier_score_loss(y, 1 - p), rel=1e-6):
        return feedback("2.1", False, "that Brier score uses the probability of class 0; use "
                        "predict_proba(...)[:, 1].")
    if close(brier, brier_score_loss(ref.y_train, ref.p_train), rel=1e-6):
        return feedback("2.1", False, "that is the training set; evaluate on the test set.")
    if not close(brier, brier_score_loss(y, p), rel=1e-6):
        return feedback("2.1", False, "compute brier_score_loss(y_test, p_test).")
    a, b = evaluate.calibration_intercept_slope(y, p)
    if close(intercept, b, rel=1e-4) and close(slope, a, rel=1e-4):
        return feedback("2.1", False, "intercept and slope are swapped: the function returns "
                        "(intercept, slope).")
    if not (close(intercept, a, rel=1e-4) and close(slope, b, rel=1e-4)):
        return feedback("2.1", False, "use evaluate.calibration_intercept_slope(y_test, p_test).")
    return feedback("2.1", True, f"Brier {brier_score_loss(y, p):.4f}, intercept {a:.2f}, "
                    f"slope {b:.2f}: risks are too high, most of all at the top.")


def recalibration(p_recal: object) -> Feedback:
    """Exercise 2.2: recalibrated risks for the 2024 patients, fitted on 2023."""
    if unanswered(p_recal):
        return feedback("2.2", False, "replace ... with your recalibrated 2024 risks.")
    ref = _reference()
    got = _as_array(p_recal)
    if got is None:
        return feedback("2.2", False, "p_recal should be an array of probabilities.")
    n_later = int(ref.later.sum())
    if len(got) == len(ref.y_test):
        return feedback("2.2", False, "apply the recalibrator to the 2024 patients only "
                        "(logit_test[later]).")
    if len(got) != n_later:
        return feedback("2.2", False, f"expected {n_later} risks, one per 2024 patient; got "
                        f"{len(got)}.")
    if np.allclose(got, ref.p_test[ref.later]):
        return feedback("2.2", False, "these are the original risks; fit the recalibrator and "
                        "use its predict_proba.")
    leaked = _recalibrate(ref.later, ref.y_test, ref.p_test, ref.later)
    if np.allclose(got, leaked, atol=1e-6):
        return feedback("2.2", False, "you fitted on the 2024 patients you evaluate on; fit on "
                        "2023 (recent) and apply to 2024.")
    on_probabilities = _recalibrate(ref.recent, ref.y_test, ref.p_test, ref.later,
                                    transform=lambda p: p.reshape(-1, 1))
    if np.allclose(got, on_probabilities, atol=1e-6):
        return feedback("2.2", False, "fit on the log-odds (logit_test), not on the "
                        "probabilities.")
    if np.allclose(got, 1 - ref.p_recal, atol=1e-6):
        return feedback("2.2", False, "those are probabilities of class 0; take "
                        "predict_proba(...)[:, 1].")
    if not np.allclose(got, ref.p_recal, atol=1e-6):
        return feedback("2.2", False, "fit LogisticRegression(C=np.inf) on "
                        "logit_test[recent], y_test[recent]; predict on logit_test[later].")
    return feedback("2.2", True, f"mean 2024 risk is now {ref.p_recal.mean():.1%} "
                    f"(observed {ref.y_test[ref.later].mean():.1%}).")


def threshold(threshold: object, fp_per_tp_acceptable: object = RATIO) -> Feedback:
    """Exercise 2.3: the threshold probability whose odds equal harm/benefit."""
    if unanswered(threshold):
        return feedback("2.3", False, "replace ... with your threshold.")
    ratio = float(fp_per_tp_acceptable)  # type: ignore[arg-type]
    expected = 1 / (1 + ratio)
    if close(threshold, 1 / ratio, rel=1e-6):
        return feedback("2.3", False, "1/5 is the odds pt/(1 - pt); solve it for pt: "
                        "pt = 1/(1 + 5).")
    if close(threshold, ratio / (1 + ratio), rel=1e-6):
        return feedback("2.3", False, "that is the inverse: the threshold is low when false "
                        "alarms are cheap, pt = 1/(1 + 5).")
    if not close(threshold, expected, rel=1e-6):
        return feedback("2.3", False, "solve pt/(1 - pt) = 1/5 for pt.")
    return feedback("2.3", True, f"threshold {expected:.3f}: act when the risk is at least "
                    f"{expected:.1%}.")


def bedside(sensitivity: object, ppv: object, flagged_per_day: object) -> Feedback:
    """Exercise 2.4: sensitivity, PPV and patients flagged per day in 2024."""
    if unanswered(sensitivity, ppv, flagged_per_day):
        return feedback("2.4", False, "replace each ... with your answer.")
    ref = _reference()
    y, flag = ref.y_test[ref.later], ref.p_recal >= 1 / (1 + RATIO)
    tp, fp = np.sum(flag & (y == 1)), np.sum(flag & (y == 0))
    fn, tn = np.sum(~flag & (y == 1)), np.sum(~flag & (y == 0))
    sens, pv, per_day = tp / (tp + fn), tp / (tp + fp), (tp + fp) / DAYS_2024
    if close(sensitivity, pv, rel=1e-6) and close(ppv, sens, rel=1e-6):
        return feedback("2.4", False, "sensitivity and PPV are swapped: sensitivity = "
                        "tp/(tp + fn), PPV = tp/(tp + fp).")
    if close(sensitivity, tn / (tn + fp), rel=1e-6):
        return feedback("2.4", False, "that is the specificity, tn/(tn + fp); sensitivity is "
                        "tp/(tp + fn).")
    strict = ref.p_recal > 1 / (1 + RATIO)
    if close(flagged_per_day, strict.sum() / DAYS_2024, rel=1e-6) and strict.sum() != flag.sum():
        return feedback("2.4", False, "flag risks at or above the threshold (>=).")
    if not close(sensitivity, sens, rel=1e-6):
        return feedback("2.4", False, "sensitivity = tp/(tp + fn), with p_recal >= threshold.")
    if not close(ppv, pv, rel=1e-6):
        return feedback("2.4", False, "PPV = tp/(tp + fp).")
    if not close(flagged_per_day, per_day, rel=0.005):
        return feedback("2.4", False, "flagged per day = (tp + fp) / 366.")
    return feedback("2.4", True, f"sensitivity {sens:.1%}, PPV {pv:.1%} (NNE {1 / pv:.1f}), "
                    f"{per_day:.1f} new patients a day.")


def net_benefit(nb_model: object, nb_all: object) -> Feedback:
    """Exercise 2.5: net benefit of the model and of enrolling everyone."""
    if unanswered(nb_model, nb_all):
        return feedback("2.5", False, "replace each ... with your answer.")
    ref = _reference()
    y, p = ref.y_test[ref.later], ref.p_recal
    pt = 1 / (1 + RATIO)
    expected = evaluate.net_benefit(y, p, pt)
    flag = p >= pt
    tp, fp, n = np.sum(flag & (y == 1)), np.sum(flag & (y == 0)), len(y)
    if close(nb_model, tp / n - fp / n, rel=1e-6):
        return feedback("2.5", False, "weight the false positives by pt/(1 - pt).")
    if close(nb_model, tp / n - fp / n * pt, rel=1e-6):
        return feedback("2.5", False, "the weight is the odds pt/(1 - pt), not pt.")
    if not close(nb_model, expected, rel=1e-6, abs_=1e-9):
        return feedback("2.5", False, "nb_model = tp/n - fp/n x pt/(1 - pt).")
    all_expected = evaluate.treat_all_net_benefit(float(y.mean()), pt)
    if not close(nb_all, all_expected, rel=1e-6, abs_=1e-9):
        return feedback("2.5", False, "for treat-all, tp = all readmitted patients and fp = "
                        "all others.")
    return feedback("2.5", True, f"model {expected:.4f} vs enrol everyone {all_expected:.4f} "
                    "vs no one 0.")


def bootstrap(nb_ci: object, threshold: object) -> Feedback:
    """Exercise 2.6: seeded bootstrap interval of the net benefit."""
    if unanswered(nb_ci):
        return feedback("2.6", False, "replace ... with (estimate, low, high).")
    got = _as_array(nb_ci)
    if got is None or len(got) != 3:
        return feedback("2.6", False, "nb_ci should be the (estimate, low, high) tuple that "
                        "bootstrap_ci returns.")
    ref = _reference()
    y, p = ref.y_test[ref.later], ref.p_recal
    pt = float(threshold)  # type: ignore[arg-type]

    def metric(a: np.ndarray, b: np.ndarray) -> float:
        return evaluate.net_benefit(a, b, pt)

    est, low, high = evaluate.bootstrap_ci(metric, y, p, n_boot=200, random_state=0,
                                           progress=False)
    if not close(got[0], est, rel=1e-6, abs_=1e-9):
        return feedback("2.6", False, "the estimate should be the net benefit at your "
                        "threshold; is the metric nb_at_threshold?")
    if not (close(got[1], low, rel=1e-6, abs_=1e-9) and close(got[2], high, rel=1e-6,
                                                               abs_=1e-9)):
        return feedback("2.6", False, "use n_boot=200 and random_state=RANDOM_STATE so the "
                        "interval is reproducible.")
    return feedback("2.6", True, f"net benefit {est:.4f} (95% CI {low:.4f} to {high:.4f}).")
