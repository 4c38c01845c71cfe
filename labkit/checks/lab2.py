"""Checks for Lab 2 - Evaluate like a clinician.

Each check rebuilds the lab's chain from the shipped data (task, Lab 1 model,
2023 recalibration fitted exactly by Newton-Raphson, 2024 evaluation) through
:mod:`labkit.checks.state`, and uses the exercise's own constants: a threshold
from 5 false alarms accepted per true alert, 366 days in 2024, 1,000 bootstrap
resamples. Nothing is taken from the learner but the answer being judged, and
nothing here is a number copied from an output.

>>> from labkit.checks import lab2
>>> lab2.threshold(0.167).passed
✔ Exercise 2.3 - correct: threshold 0.167: act when the risk is at least 16.7%.
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

from labkit import evaluate
from labkit.checks import Feedback, as_number, feedback, judge, unanswered
from labkit.checks.state import RANDOM_STATE, lab_state

__all__ = ["calibration", "recalibration", "threshold", "bedside", "net_benefit", "bootstrap",
           "RATIO", "THRESHOLD", "DAYS_2024", "N_BOOT"]

DAYS_2024 = 366
RATIO = 5  # false alarms accepted per true alert, as the scenario states
THRESHOLD = 1 / (1 + RATIO)  # pt/(1 - pt) = 1/RATIO
N_BOOT = 1000
#: Another converged solver moves recalibrated risks by up to 2.5e-4 here; an L2 penalty
#: at scikit-learn's default C=1 moves them by 4e-3.
RECAL_TOL = 1e-3
#: One or two patients near the threshold may flip with another solver's risks.
RATE_TOL = 0.004
SLIP_ORDER = ("scikit-learn's confusion_matrix(...).ravel() returns tn, fp, fn, tp, in that "
              "order (negatives first); unpack it as tn, fp, fn, tp = ...")


@dataclass(frozen=True)
class _Reference:
    y_test: np.ndarray
    p_test: np.ndarray
    p_train: np.ndarray
    y_train: np.ndarray
    recent: np.ndarray
    later: np.ndarray
    p_recal: np.ndarray

    @property
    def y_later(self) -> np.ndarray:
        return self.y_test[self.later]


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def _exact_recalibration(y: np.ndarray, p: np.ndarray, fit_on: np.ndarray,
                         apply_to: np.ndarray) -> np.ndarray:
    """Unpenalised logistic recalibration fitted exactly, by the kit's Newton-Raphson."""
    fitted = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12, max_iter=100)
    fitted.fit(_logit(p[fit_on]).reshape(-1, 1), y[fit_on])
    return fitted.predict_proba(_logit(p[apply_to]).reshape(-1, 1))[:, 1]


def _reference() -> _Reference:
    state = lab_state()

    def build() -> _Reference:
        task = state.task
        y, p = task.y_test.to_numpy(), state.risk
        year = task.test["admit_year"].to_numpy()
        recent, later = year == 2023, year == 2024
        return _Reference(y, p, state.logistic.predict_proba(task.X_train)[:, 1],
                          task.y_train.to_numpy(), recent, later,
                          _exact_recalibration(y, p, recent, later))

    return state.memo("lab2.reference", build)


def _as_array(values: object) -> np.ndarray | None:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return None
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    return arr if arr.ndim == 1 else None


def calibration(brier: object, intercept: object, slope: object) -> Feedback:
    """Exercise 2.1: Brier score, calibration intercept and slope on the test set."""
    if unanswered(brier, intercept, slope):
        return feedback("2.1", False, "replace each ... with your answer.")
    ref = _reference()
    y, p = ref.y_test, ref.p_test
    expected_brier = float(brier_score_loss(y, p))
    hint = judge(brier, expected_brier, name="brier", tol=1e-6, min_decimals=3,
                 slips=[(lambda: brier_score_loss(y, (p >= 0.5).astype(float)),
                         "that Brier score is of predicted labels (0/1); score the "
                         "probabilities p_test."),
                        (lambda: brier_score_loss(y, 1 - p), "that Brier score uses the "
                         "probability of class 0; use predict_proba(...)[:, 1]."),
                        (lambda: brier_score_loss(ref.y_train, ref.p_train),
                         "that is the training set; evaluate on the test set.")],
                 otherwise="compute brier_score_loss(y_test, p_test).")
    if hint:
        return feedback("2.1", False, hint)
    a, b = evaluate.calibration_intercept_slope(y, p)
    if (as_number(intercept) is not None and as_number(slope) is not None
            and judge(intercept, b, name="", tol=1e-4) is None
            and judge(slope, a, name="", tol=1e-4) is None):
        return feedback("2.1", False, "intercept and slope are swapped: the function returns "
                        "(intercept, slope).")
    for name, value, expected in (("intercept", intercept, a), ("slope", slope, b)):
        hint = judge(value, expected, name=name, tol=1e-4, min_decimals=2,
                     otherwise="use evaluate.calibration_intercept_slope(y_test, p_test), "
                     "which returns (intercept, slope).")
        if hint:
            return feedback("2.1", False, hint)
    level = "too high on average" if a < 0 else "too low on average" if a > 0 else "right"
    spread = ("too extreme (high risks too high, low risks too low)" if b < 1
              else "too modest")
    return feedback("2.1", True, f"Brier {expected_brier:.4f}, intercept {a:.2f}, slope "
                    f"{b:.2f}: risks are {level}, and {spread}.")


def recalibration(p_recal: object) -> Feedback:
    """Exercise 2.2: recalibrated risks for the 2024 patients, fitted on 2023."""
    if unanswered(p_recal):
        return feedback("2.2", False, "replace ... with your recalibrated 2024 risks.")
    ref = _reference()
    got = _as_array(p_recal)
    if got is None:
        return feedback("2.2", False, "p_recal should be a 1-D array of probabilities, one per "
                        f"2024 patient; got {type(p_recal).__name__}.")
    n_later = int(ref.later.sum())
    if len(got) == len(ref.y_test):
        return feedback("2.2", False, "apply the recalibrator to the 2024 patients only "
                        "(logit_test[later]).")
    if len(got) != n_later:
        return feedback("2.2", False, f"expected {n_later} risks, one per 2024 patient; got "
                        f"{len(got)}.")
    if np.isnan(got).any() or (got < 0).any() or (got > 1).any():
        return feedback("2.2", False, "p_recal should hold probabilities between 0 and 1: take "
                        "recalibrator.predict_proba(...)[:, 1].")
    if np.isin(got, (0.0, 1.0)).all():
        return feedback("2.2", False, "those are 0/1 labels from predict(); take "
                        "recalibrator.predict_proba(logit_test[later])[:, 1].")

    def near(other: np.ndarray) -> bool:
        return float(np.abs(got - other).max()) <= RECAL_TOL

    if near(ref.p_recal):
        return feedback("2.2", True, f"mean 2024 risk is now {ref.p_recal.mean():.1%} "
                        f"(observed {ref.y_later.mean():.1%}).")
    if near(ref.p_test[ref.later]):
        return feedback("2.2", False, "these are the original risks; fit the recalibrator and "
                        "use its predict_proba.")
    if near(1 - ref.p_recal):
        return feedback("2.2", False, "those are probabilities of class 0; take "
                        "predict_proba(...)[:, 1].")
    if near(_exact_recalibration(ref.y_test, ref.p_test, ref.later, ref.later)):
        return feedback("2.2", False, "you fitted on the 2024 patients you evaluate on; fit on "
                        "2023 (recent) and apply to 2024.")
    on_probabilities = LogisticRegression(C=np.inf, solver="newton-cholesky").fit(
        ref.p_test[ref.recent].reshape(-1, 1), ref.y_test[ref.recent]).predict_proba(
        ref.p_test[ref.later].reshape(-1, 1))[:, 1]
    if near(on_probabilities):
        return feedback("2.2", False, "fit on the log-odds (logit_test), not on the "
                        "probabilities.")
    penalised = LogisticRegression().fit(_logit(ref.p_test[ref.recent]).reshape(-1, 1),
                                         ref.y_test[ref.recent]).predict_proba(
        _logit(ref.p_test[ref.later]).reshape(-1, 1))[:, 1]
    if near(penalised):
        return feedback("2.2", False, "LogisticRegression shrinks its coefficients by default "
                        "(C=1); recalibration should not: use LogisticRegression(C=np.inf).")
    return feedback("2.2", False, "fit LogisticRegression(C=np.inf) on logit_test[recent], "
                    "y_test[recent]; predict on logit_test[later].")


def threshold(threshold: object, fp_per_tp_acceptable: object = None) -> Feedback:
    """Exercise 2.3: the threshold probability whose odds equal harm/benefit = 1/5.

    The ratio is the scenario's (5 false alarms accepted per true alert);
    ``fp_per_tp_acceptable`` is accepted for older notebooks and ignored.
    """
    if unanswered(threshold):
        return feedback("2.3", False, "replace ... with your threshold.")
    hint = judge(threshold, THRESHOLD, name="threshold", tol=1e-9, min_decimals=3,
                 proportion=True,
                 slips=[(1 / RATIO, f"1/{RATIO} is the odds pt/(1 - pt); solve it for pt: "
                         f"pt = 1/(1 + {RATIO})."),
                        (RATIO / (1 + RATIO), f"that is the inverse: the threshold is low when "
                         f"false alarms are cheap, pt = 1/(1 + {RATIO})."),
                        *[(1 / (1 + r), f"the committee accepts {RATIO} false alarms per "
                           f"true alert, not {r}: pt = 1/(1 + {RATIO}).")
                          for r in (2, 3, 4, 6, 7, 8, 9, 10)]],
                 otherwise=f"solve pt/(1 - pt) = 1/{RATIO} for pt.")
    if hint:
        return feedback("2.3", False, hint)
    return feedback("2.3", True, f"threshold {THRESHOLD:.3f}: act when the risk is at least "
                    f"{THRESHOLD:.1%}.")


def _counts(y: np.ndarray, flag: np.ndarray) -> dict[str, int]:
    return {"tp": int(np.sum(flag & (y == 1))), "fp": int(np.sum(flag & (y == 0))),
            "fn": int(np.sum(~flag & (y == 1))), "tn": int(np.sum(~flag & (y == 0)))}


def _bedside_numbers(c: dict[str, int]) -> tuple[float, float, float]:
    return (c["tp"] / (c["tp"] + c["fn"]), c["tp"] / (c["tp"] + c["fp"]),
            (c["tp"] + c["fp"]) / DAYS_2024)


def bedside(sensitivity: object, ppv: object, flagged_per_day: object) -> Feedback:
    """Exercise 2.4: sensitivity, PPV and patients flagged per day in 2024."""
    if unanswered(sensitivity, ppv, flagged_per_day):
        return feedback("2.4", False, "replace each ... with your answer.")
    ref = _reference()
    y = ref.y_later
    right = _counts(y, ref.p_recal >= THRESHOLD)
    sens, pv, per_day = _bedside_numbers(right)
    answers = (sensitivity, ppv, flagged_per_day)
    for name, value in zip(("sensitivity", "ppv", "flagged_per_day"), answers, strict=True):
        if as_number(value) is None:
            return feedback("2.4", False, f"{name} should be one number, got "
                            f"{type(value).__name__}.")

    def all_match(triple: tuple[float, float, float]) -> bool:
        return (judge(sensitivity, triple[0], name="", tol=RATE_TOL) is None
                and judge(ppv, triple[1], name="", tol=RATE_TOL) is None
                and judge(flagged_per_day, triple[2], name="", tol=0.01,
                          min_decimals=1) is None)

    # The classic slip: unpacking the confusion matrix in the clinician's order.
    tn, fp, fn, tp = right["tn"], right["fp"], right["fn"], right["tp"]
    for wrong in ((tp, fp, fn, tn), (tp, fn, fp, tn), (tn, fn, fp, tp), (fp, tp, tn, fn)):
        relabelled = dict(zip(("tn", "fp", "fn", "tp"), wrong, strict=True))
        if relabelled != right and all_match(_bedside_numbers(relabelled)):
            return feedback("2.4", False, SLIP_ORDER)
    if (judge(sensitivity, pv, name="", tol=RATE_TOL) is None
            and judge(ppv, sens, name="", tol=RATE_TOL) is None):
        return feedback("2.4", False, "sensitivity and PPV are swapped: sensitivity = "
                        "tp/(tp + fn), PPV = tp/(tp + fp).")
    original = _counts(y, ref.p_test[ref.later] >= THRESHOLD)
    if all_match(_bedside_numbers(original)):
        return feedback("2.4", False, "those come from the original risks p_2024; flag the "
                        "recalibrated risks, p_recal >= threshold.")
    hint = judge(sensitivity, sens, name="sensitivity", tol=RATE_TOL, proportion=True,
                 slips=[(tn / (tn + fp), "that is the specificity, tn/(tn + fp); sensitivity "
                         "is tp/(tp + fn).")],
                 otherwise="sensitivity = tp/(tp + fn), with p_recal >= threshold.")
    if hint:
        return feedback("2.4", False, hint)
    hint = judge(ppv, pv, name="ppv", tol=RATE_TOL, proportion=True,
                 slips=[(tn / (tn + fn), "that is the NPV, tn/(tn + fn); PPV is tp/(tp + fp).")],
                 otherwise="PPV = tp/(tp + fp).")
    if hint:
        return feedback("2.4", False, hint)
    strict_flags = _counts(y, ref.p_recal > THRESHOLD)
    hint = judge(flagged_per_day, per_day, name="flagged_per_day", tol=0.01, min_decimals=1,
                 slips=[(right["tp"] + right["fp"], "that is the number flagged in the whole "
                         "year; divide by the 366 days of 2024."),
                        ((right["tp"] + right["fp"]) / 365, "2024 was a leap year: divide by "
                         "366."),
                        (right["tp"] / DAYS_2024, "count every flagged patient (tp + fp), not "
                         "only the true positives.")]
                 + ([((strict_flags["tp"] + strict_flags["fp"]) / DAYS_2024,
                      "flag risks at or above the threshold (>=).")]
                    if strict_flags != right else []),
                 otherwise="flagged per day = (tp + fp) / 366.")
    if hint:
        return feedback("2.4", False, hint)
    return feedback("2.4", True, f"sensitivity {sens:.1%}, PPV {pv:.1%} (NNE {1 / pv:.1f}), "
                    f"{per_day:.1f} new patients a day.")


def net_benefit(nb_model: object, nb_all: object) -> Feedback:
    """Exercise 2.5: net benefit of the model and of enrolling everyone, at 1/6."""
    if unanswered(nb_model, nb_all):
        return feedback("2.5", False, "replace each ... with your answer.")
    ref = _reference()
    y, p, pt = ref.y_later, ref.p_recal, THRESHOLD
    expected = evaluate.net_benefit(y, p, pt)
    c = _counts(y, p >= pt)
    n = len(y)
    odds = pt / (1 - pt)
    hint = judge(nb_model, expected, name="nb_model", tol=5e-4, min_decimals=3,
                 slips=[(c["tp"] / n - c["fp"] / n, "weight the false positives by "
                         "pt/(1 - pt)."),
                        (c["tp"] / n - c["fp"] / n * pt, "the weight is the odds pt/(1 - pt), "
                         "not pt."),
                        (c["tp"] / n - c["fp"] / n / odds, "the weight is pt/(1 - pt) (here "
                         "1/5), not its inverse."),
                        (c["tp"] - c["fp"] * odds, "divide by n, the number of 2024 patients: "
                         "net benefit is per patient.")],
                 otherwise="nb_model = tp/n - fp/n x pt/(1 - pt).")
    if hint:
        return feedback("2.5", False, hint)
    prevalence = float(y.mean())
    all_expected = evaluate.treat_all_net_benefit(prevalence, pt)
    hint = judge(nb_all, all_expected, name="nb_all", tol=1e-6, min_decimals=3,
                 slips=[(prevalence, "that is the prevalence alone; subtract the false "
                         "positives of enrolling everyone, weighted by pt/(1 - pt)."),
                        (prevalence - (1 - prevalence), "weight the false positives by "
                         "pt/(1 - pt)."),
                        (0.0, "0 is the net benefit of enrolling no one; enrolling everyone "
                         "makes every readmitted patient a true positive and every other a "
                         "false positive.")],
                 otherwise="for treat-all, tp = all readmitted patients and fp = all others.")
    if hint:
        return feedback("2.5", False, hint)
    return feedback("2.5", True, f"model {expected:.4f} vs enrol everyone {all_expected:.4f} "
                    "vs no one 0.")


def _bootstrap_reference() -> tuple[float, float, float]:
    ref = _reference()

    def metric(a: np.ndarray, b: np.ndarray) -> float:
        return evaluate.net_benefit(a, b, THRESHOLD)

    return lab_state().memo("lab2.bootstrap", lambda: evaluate.bootstrap_ci(
        metric, ref.y_later, ref.p_recal, n_boot=N_BOOT, random_state=RANDOM_STATE,
        progress=False))


def bootstrap(nb_ci: object, threshold: object = None) -> Feedback:
    """Exercise 2.6: seeded bootstrap interval of the net benefit at the threshold 1/6.

    The threshold is the exercise's (``threshold`` is accepted for older
    notebooks and ignored). The bounds must match the reference's 1,000 seeded
    resamples to within Monte Carlo error (their SD is about 0.0004 here), so
    another seed or more resamples also pass.
    """
    if unanswered(nb_ci):
        return feedback("2.6", False, "replace ... with (estimate, low, high).")
    got = _as_array(nb_ci)
    if got is None or len(got) != 3 or np.isnan(got).any():
        return feedback("2.6", False, "nb_ci should be the (estimate, low, high) tuple that "
                        "evaluate.bootstrap_ci returns.")
    ref = _reference()
    y, p = ref.y_later, ref.p_recal
    estimate = evaluate.net_benefit(y, p, THRESHOLD)
    if got[1] > got[2]:
        return feedback("2.6", False, "low is above high: keep the order (estimate, low, high) "
                        "that bootstrap_ci returns.")
    hint = judge(got[0], estimate, name="the estimate", tol=5e-4, min_decimals=3,
                 slips=[(lambda: evaluate.treat_all_net_benefit(float(y.mean()), THRESHOLD),
                         "that is the net benefit of enrolling everyone; the metric should be "
                         "the model's net benefit, evaluate.net_benefit(y, p, threshold).")]
                 + [(evaluate.net_benefit(y, p, t), f"that is the net benefit at a threshold "
                     f"of {t:g}; use the exercise's threshold, 1/6.")
                    for t in (0.1, 0.125, 0.2, 0.25, 0.5)],
                 otherwise="the estimate should be the net benefit at the threshold 1/6: write "
                 "nb_at_threshold(y, p) to return evaluate.net_benefit(y, p, threshold).")
    if hint:
        return feedback("2.6", False, hint)
    est, low, high = _bootstrap_reference()
    mc_tol = 0.002
    if not (abs(got[1] - low) <= mc_tol and abs(got[2] - high) <= mc_tol):
        if got[1] <= estimate <= got[2] and got[2] - got[1] < 0.5 * (high - low):
            return feedback("2.6", False, "that interval is too narrow for a 95% interval: use "
                            "level=0.95 (the default) and resample the 2024 patients.")
        return feedback("2.6", False, f"use n_boot={N_BOOT} and random_state=RANDOM_STATE on "
                        "y_2024 and p_recal, so the interval can be reproduced.")
    return feedback("2.6", True, f"net benefit {est:.4f} (95% CI {low:.4f} to {high:.4f}).")
