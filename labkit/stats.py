"""Interval estimates that scale to a million patients: analytic, nothing refitted.

The audit (:mod:`labkit.report`) needs an interval for every number it shows,
on extracts of up to a million rows in seconds, so each interval here is
analytic rather than bootstrapped:

- AUROC: DeLong's variance [delong1988comparing] from midranks, the fast
  algorithm of Sun and Xu [sun2014fast] (one sort per class, not n_1 x n_0
  comparisons).
- AUPRC (average precision): the logit interval of Boyd, Eng and Page
  [boyd2013area], theta -> expit(logit(theta) +- z / sqrt(n_1 theta (1 - theta))).
- Observed/expected ratio: ln(O/E) +- z sqrt(1/O - 1/n) [debray2017guide].
- A mean (Brier score, net benefit as a mean of each patient's contribution):
  the normal interval mean +- z SD / sqrt(n).
- Calibration intercept and slope: Wald intervals from the information
  matrix of the logistic recalibration fit (:func:`labkit.evaluate.calibration_intercept_slope`
  gives the same point estimates).
- Difference of two proportions: Newcombe's hybrid score interval (his method
  10), built from the two Wilson intervals [newcombe1998interval].
- Cohen's kappa between two raters [cohen1960coefficient]: the large-sample
  standard error of Fleiss, Cohen and Everitt [fleiss1969large].

Proportions themselves use :func:`labkit.evaluate.wilson_interval` (Wilson
1927), vectorised here as :func:`wilson` for many groups at once.

>>> low, high = wilson(np.array([81]), np.array([263]))
>>> round(float(low[0]), 4), round(float(high[0]), 4)
(0.2553, 0.3662)
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from labkit.evaluate import _logistic_fit, _logit

__all__ = ["z_value", "wilson", "newcombe_difference", "delong_auroc", "average_precision",
           "oe_ratio", "mean_interval", "calibration_fit", "cohen_kappa"]


def z_value(level: float) -> float:
    """The two-sided standard normal quantile for a confidence ``level`` (1.96 for 0.95)."""
    return float(stats.norm.ppf(0.5 + level / 2))


def wilson(successes: np.ndarray, trials: np.ndarray, level: float = 0.95
           ) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score intervals for many proportions at once (NaN where ``trials`` is 0).

    The same bounds as :func:`labkit.evaluate.wilson_interval` (scipy's), written
    out because scipy computes one proportion per call and an audit needs
    thousands of cells.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = z_value(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # Clipped: at k = 0 or k = n rounding can put a bound a hair outside [0, 1].
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def newcombe_difference(k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray,
                        level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p1 - p2 and Newcombe's hybrid score interval (method 10) from the Wilson bounds."""
    k1, n1, k2, n2 = (np.asarray(a, dtype=float) for a in (k1, n1, k2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1, level)
    l2, u2 = wilson(k2, n2, level)
    diff = p1 - p2
    low = diff - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = diff + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return diff, low, high


def delong_auroc(y: np.ndarray, s: np.ndarray, level: float = 0.95
                 ) -> tuple[float, float, float]:
    """AUROC with DeLong's interval (clipped to [0, 1]); NaNs when one class is absent.

    With m patients with the outcome and n without, each patient's placement
    value comes from three midrankings (all, positives only, negatives only):
    V10_i = (R_i - R+_i) / n and V01_j = 1 - (R_j - R-_j) / m, and
    Var(AUROC) = var(V10) / m + var(V01) / n [sun2014fast].
    """
    y = np.asarray(y)
    s = np.asarray(s, dtype=float)
    pos, neg = s[y == 1], s[y == 0]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        return np.nan, np.nan, np.nan
    ranks = stats.rankdata(np.concatenate([pos, neg]))
    v10 = (ranks[:m] - stats.rankdata(pos)) / n
    v01 = 1 - (ranks[m:] - stats.rankdata(neg)) / m
    auc = float(v10.mean())
    var = (v10.var(ddof=1) / m if m > 1 else 0.0) + (v01.var(ddof=1) / n if n > 1 else 0.0)
    half = z_value(level) * np.sqrt(var)
    return auc, float(max(0.0, auc - half)), float(min(1.0, auc + half))


def average_precision(y: np.ndarray, s: np.ndarray, level: float = 0.95
                      ) -> tuple[float, float, float]:
    """Average precision (scikit-learn's AUPRC) with Boyd et al.'s logit interval."""
    from sklearn.metrics import average_precision_score

    y = np.asarray(y)
    m = int(y.sum())
    if m == 0 or m == len(y):
        return np.nan, np.nan, np.nan
    ap = float(average_precision_score(y, s))
    if not 0 < ap < 1:
        return ap, np.nan, np.nan
    half = z_value(level) / np.sqrt(m * ap * (1 - ap))
    lo, hi = special.expit(special.logit(ap) + np.array([-half, half]))
    return ap, float(lo), float(hi)


def oe_ratio(observed: float, expected: float, n: int, level: float = 0.95
             ) -> tuple[float, float, float]:
    """Observed / expected events among ``n`` patients, with the interval
    exp(ln(O/E) +- z sqrt(1/O - 1/n)) (the binomial variance of O; about 1/O when the
    outcome is rare), as Debray's metamisc package computes it [debray2017guide]."""
    if expected <= 0:
        return np.nan, np.nan, np.nan
    ratio = observed / expected
    if observed <= 0 or observed >= n:
        return ratio, np.nan, np.nan
    half = z_value(level) * np.sqrt(1 / observed - 1 / n)
    return ratio, float(ratio * np.exp(-half)), float(ratio * np.exp(half))


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """The mean and its normal interval, mean +- z SD / sqrt(n) (NaN bounds for n < 2)."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, np.nan, np.nan
    half = z_value(level) * float(values.std(ddof=1)) / np.sqrt(len(values))
    return mean, mean - half, mean + half


def _wald(y: np.ndarray, X: np.ndarray, offset: np.ndarray, beta: np.ndarray,
          index: int, level: float) -> tuple[float, float, float]:
    mu = special.expit(X @ beta + offset)
    info = X.T @ (X * (mu * (1 - mu))[:, None])
    se = float(np.sqrt(np.linalg.inv(info)[index, index]))
    half = z_value(level) * se
    return float(beta[index]), float(beta[index] - half), float(beta[index] + half)


def calibration_fit(y: np.ndarray, p: np.ndarray, level: float = 0.95
                    ) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Calibration intercept (slope fixed at 1) and slope, each with a Wald interval.

    NaNs where they cannot be estimated: one class only, constant predictions,
    or predictions that separate the outcomes.
    """
    nan3 = (np.nan, np.nan, np.nan)
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    if y.min() == y.max():
        return nan3, nan3
    lp = _logit(p)
    ones = np.ones((len(y), 1))
    try:
        a = _wald(y, ones, lp, _logistic_fit(y, ones, lp), 0, level)
    except (ValueError, np.linalg.LinAlgError):
        a = nan3
    if p.min() == p.max():
        return a, nan3
    X = np.column_stack([ones, lp])
    try:
        b = _wald(y, X, np.zeros(len(y)), _logistic_fit(y, X, np.zeros(len(y))), 1, level)
    except (ValueError, np.linalg.LinAlgError):
        b = nan3
    return a, b


def cohen_kappa(a: np.ndarray, b: np.ndarray, level: float = 0.95
                ) -> tuple[float, float, float]:
    """Cohen's kappa between two raters' labels of the same items, with the large-sample
    interval of Fleiss, Cohen and Everitt [fleiss1969large].

    With p_ij the share of items rater A put in category i and rater B in j, row and
    column margins p_i. and p_.j, observed agreement p_o = sum p_ii and chance agreement
    p_e = sum p_i. p_.i, kappa = (p_o - p_e) / (1 - p_e) [cohen1960coefficient], and

        Var(kappa) = [sum_i p_ii (1 - (p_i. + p_.i)(1 - kappa))^2
                      + (1 - kappa)^2 sum_{i != j} p_ij (p_.i + p_j.)^2
                      - (kappa - p_e (1 - kappa))^2] / (n (1 - p_e)^2),

    the delta-method variance under multinomial sampling of the n items. The interval
    is kappa +- z SE (not clipped). NaNs when chance agreement is 1 (both raters used
    one category only).

    >>> k, low, high = cohen_kappa([1, 1, 1, 0, 0, 1, 0, 1], [1, 1, 0, 0, 0, 1, 1, 1])
    >>> round(k, 3), round(low, 3), round(high, 3)
    (0.467, -0.166, 1.099)
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError("a and b must be two 1-D sequences of the same, non-zero length")
    labels, codes = np.unique(np.concatenate([a, b]), return_inverse=True)
    k, n = len(labels), len(a)
    table = np.zeros((k, k))
    np.add.at(table, (codes[:n], codes[n:]), 1.0)
    p = table / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    p_o, p_e = float(np.trace(p)), float(rows @ cols)
    if np.isclose(p_e, 1.0):
        return np.nan, np.nan, np.nan
    kappa = (p_o - p_e) / (1 - p_e)
    diagonal = np.diag(p) * (1 - (rows + cols) * (1 - kappa)) ** 2
    weights = (cols[:, None] + rows[None, :]) ** 2  # (p_.i + p_j.)^2 for cell (i, j)
    off = p * weights
    np.fill_diagonal(off, 0.0)
    variance = ((diagonal.sum() + (1 - kappa) ** 2 * off.sum()
                 - (kappa - p_e * (1 - kappa)) ** 2) / (n * (1 - p_e) ** 2))
    half = z_value(level) * float(np.sqrt(max(variance, 0.0)))
    return float(kappa), float(kappa - half), float(kappa + half)
