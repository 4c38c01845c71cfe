"""Evaluation arithmetic that must be right but is not the lesson.

Net benefit and decision curves (Vickers and Elkin 2006), calibration intercept
and slope (logistic recalibration, Cox 1958), seeded bootstrap intervals with a
progress bar, and threshold tables (sensitivity, PPV, alerts, number needed to
evaluate).

>>> net_benefit([1, 1, 0, 0], [0.9, 0.8, 0.6, 0.1], threshold=0.5)
0.25
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from tqdm import tqdm

__all__ = [
    "net_benefit",
    "treat_all_net_benefit",
    "decision_curve",
    "calibration_intercept_slope",
    "bootstrap_ci",
    "threshold_table",
]

ArrayLike = Sequence[float] | np.ndarray | pd.Series
#: A progress bar without timings, so a lab's output is the same on every run.
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar:20}| {n_fmt}/{total_fmt}"


def _arrays(y_true: ArrayLike, y_prob: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(y_prob, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError(f"y_true and y_prob must be 1-D and equal length, got {y.shape}, "
                         f"{p.shape}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y_true must hold only 0 and 1")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError("y_prob must be probabilities in [0, 1] with no missing values")
    return y, p


def _check_threshold(threshold: float) -> None:
    if not 0 <= threshold < 1:
        raise ValueError(f"threshold must be in [0, 1), got {threshold}")


def net_benefit(y_true: ArrayLike, y_prob: ArrayLike, threshold: float) -> float:
    """Net benefit of treating patients whose predicted risk is at least ``threshold``.

    NB = TP/n - FP/n x pt/(1 - pt), the true positives per patient less the false
    positives weighted by the odds at the threshold probability pt (Vickers and
    Elkin 2006).

    >>> round(net_benefit([1] * 20 + [0] * 30 + [1] * 5 + [0] * 45,
    ...                   [0.9] * 50 + [0.1] * 50, threshold=0.2), 4)
    0.125
    """
    y, p = _arrays(y_true, y_prob)
    _check_threshold(threshold)
    treat = p >= threshold
    n = len(y)
    tp = float(np.sum(treat & (y == 1)))
    fp = float(np.sum(treat & (y == 0)))
    return tp / n - fp / n * threshold / (1 - threshold)


def treat_all_net_benefit(prevalence: float, threshold: float) -> float:
    """Net benefit of treating everyone: prevalence - (1 - prevalence) x pt/(1 - pt).

    >>> treat_all_net_benefit(0.15, 0.0)
    0.15
    """
    _check_threshold(threshold)
    return prevalence - (1 - prevalence) * threshold / (1 - threshold)


def decision_curve(y_true: ArrayLike, y_prob: ArrayLike,
                   thresholds: ArrayLike | None = None) -> pd.DataFrame:
    """Net benefit of the model, of treating all and of treating none, by threshold.

    >>> dc = decision_curve([1, 0, 0, 0], [0.8, 0.6, 0.2, 0.1], [0.5])
    >>> dc.loc[0, ["model", "treat_all", "treat_none"]].tolist()
    [0.0, -0.5, 0.0]
    """
    y, p = _arrays(y_true, y_prob)
    ts = np.arange(0.01, 0.51, 0.01) if thresholds is None else np.asarray(thresholds, float)
    prevalence = float(y.mean())
    rows = [(t, net_benefit(y, p, t), treat_all_net_benefit(prevalence, t), 0.0) for t in ts]
    return pd.DataFrame(rows, columns=["threshold", "model", "treat_all", "treat_none"])


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


def _logistic_fit(y: np.ndarray, X: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Unpenalised logistic regression by Newton-Raphson (IRLS)."""
    beta = np.zeros(X.shape[1])
    for _ in range(100):
        mu = 1 / (1 + np.exp(-(X @ beta + offset)))
        w = mu * (1 - mu)
        grad = X.T @ (y - mu)
        hess = X.T @ (X * w[:, None])
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            return beta
    raise ValueError("calibration model did not converge (is one class missing?)")


def calibration_intercept_slope(y_true: ArrayLike, y_prob: ArrayLike) -> tuple[float, float]:
    """Calibration-in-the-large (intercept) and calibration slope.

    The slope is b in logit P(y = 1) = a + b x logit(p); 1 is ideal, below 1 means
    predictions are too extreme. The intercept is a with b fixed at 1 (logit(p) as
    an offset); 0 is ideal, below 0 means risks are over-estimated on average.

    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.02, 0.6, 20_000)
    >>> y = rng.random(20_000) < p
    >>> a, b = calibration_intercept_slope(y, p)
    >>> abs(a) < 0.05 and abs(b - 1) < 0.05
    True
    """
    y, p = _arrays(y_true, y_prob)
    if y.min() == y.max():
        raise ValueError("y_true has only one class: calibration cannot be estimated")
    lp = _logit(p)
    ones = np.ones((len(y), 1))
    intercept = float(_logistic_fit(y, ones, lp)[0])
    slope = float(_logistic_fit(y, np.column_stack([ones, lp]), np.zeros(len(y)))[1])
    return intercept, slope


def bootstrap_ci(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    n_boot: int = 200,
    level: float = 0.95,
    random_state: int = 0,
    progress: bool = True,
    desc: str = "Bootstrap",
) -> tuple[float, float, float]:
    """Estimate and percentile bootstrap interval of ``metric(y_true, y_score)``.

    Resamples patients with replacement ``n_boot`` times with a seeded generator.
    Resamples where the metric cannot be computed (one class only) are skipped;
    if more than 10% of them are, the group is too small for an interval and a
    ``ValueError`` says so.
    The progress bar goes to stdout without timings, so outputs are reproducible.

    >>> from sklearn.metrics import roc_auc_score
    >>> est, lo, hi = bootstrap_ci(roc_auc_score, [0, 0, 1, 1, 0, 1], [.1, .4, .35, .8, .2, .7],
    ...                            n_boot=50, progress=False)
    >>> lo <= est <= hi
    True
    """
    y = np.asarray(y_true)
    s = np.asarray(y_score)
    if len(y) != len(s):
        raise ValueError("y_true and y_score must have the same length")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    estimate = float(metric(y, s))
    rng = np.random.default_rng(random_state)
    values = []
    steps = tqdm(range(n_boot), desc=desc, file=sys.stdout, bar_format=BAR_FORMAT,
                 disable=not progress, mininterval=0.5)
    for _ in steps:
        idx = rng.integers(0, len(y), len(y))
        if len(np.unique(y[idx])) < 2:
            continue
        try:
            values.append(float(metric(y[idx], s[idx])))
        except ValueError:
            continue
    if len(values) < max(10, 0.9 * n_boot):
        raise ValueError(f"only {len(values)} of {n_boot} bootstrap samples could be scored; "
                         "the group is too small or has one class only")
    alpha = (1 - level) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return estimate, float(low), float(high)


def threshold_table(y_true: ArrayLike, y_prob: ArrayLike, thresholds: ArrayLike,
                    *, days: float | None = None) -> pd.DataFrame:
    """What each threshold means at the bedside.

    Columns: threshold, flagged (patients at or above it), tp, fp, fn, tn,
    sensitivity, specificity, ppv, npv, nne (number needed to evaluate = 1/PPV:
    flagged patients per true case found) and, if ``days`` (the period the data
    cover) is given, flagged_per_day.

    >>> t = threshold_table([1, 1, 0, 0, 0], [0.9, 0.4, 0.6, 0.2, 0.1], [0.5], days=5)
    >>> t.loc[0, ["flagged", "sensitivity", "ppv", "nne", "flagged_per_day"]].tolist()
    [2.0, 0.5, 0.5, 2.0, 0.4]
    """
    y, p = _arrays(y_true, y_prob)
    rows = []
    for t in np.asarray(thresholds, dtype=float):
        flag = p >= t
        tp = float(np.sum(flag & (y == 1)))
        fp = float(np.sum(flag & (y == 0)))
        fn = float(np.sum(~flag & (y == 1)))
        tn = float(np.sum(~flag & (y == 0)))
        ppv = tp / (tp + fp) if tp + fp else np.nan
        row = {
            "threshold": t, "flagged": tp + fp, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "sensitivity": tp / (tp + fn) if tp + fn else np.nan,
            "specificity": tn / (tn + fp) if tn + fp else np.nan,
            "ppv": ppv,
            "npv": tn / (tn + fn) if tn + fn else np.nan,
            "nne": 1 / ppv if ppv and not np.isnan(ppv) else np.nan,
        }
        if days is not None:
            row["flagged_per_day"] = (tp + fp) / days
        rows.append(row)
    return pd.DataFrame(rows)
