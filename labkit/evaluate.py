"""Evaluation arithmetic that must be right but is not the lesson.

Net benefit and decision curves (Vickers and Elkin 2006), calibration intercept
and slope (logistic recalibration, Cox 1958), seeded bootstrap intervals with a
progress bar (by patient when patient ids are given), Wilson score intervals
for proportions (Wilson 1927; Newcombe 1998), and threshold tables
(sensitivity, PPV, alerts, number needed to evaluate).

Every public function checks its inputs and raises one ``ValueError`` (a bad
value) or ``TypeError`` (the wrong kind of thing) naming the argument at fault.

>>> net_benefit([1, 1, 0, 0], [0.9, 0.8, 0.6, 0.1], threshold=0.5)
0.25
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import special, stats
from tqdm import tqdm

__all__ = [
    "N_BOOT",
    "net_benefit",
    "treat_all_net_benefit",
    "auroc",
    "decision_curve",
    "calibration_intercept_slope",
    "bootstrap_ci",
    "wilson_interval",
    "threshold_table",
]

ArrayLike = Sequence[float] | np.ndarray | pd.Series
SeedLike = int | np.random.SeedSequence | None
#: A progress bar without timings, so a lab's output is the same on every run.
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar:20}| {n_fmt}/{total_fmt}"
#: Default number of bootstrap resamples. A percentile bound is itself a Monte Carlo
#: estimate: on Lab 2's net benefit (2,411 admissions of 2024, threshold 1/6, estimate
#: 0.0074) the 95% bounds varied between 400 seeds (random_state 0-399) with an SD of
#: 0.00078 (lower) and 0.00087 (upper) at 200 resamples, and 0.00036 and 0.00043 at
#: 1,000 (up to 12% of the estimate at 200 resamples, 6% at 1,000).
N_BOOT = 1000
#: Fewest resamples accepted: below this a percentile interval is mostly noise.
MIN_BOOT = 10

# Cells of a 2 x 2 table of outcome (y) by binary prediction (s), coded 2*y + s.
TN, FP, FN, TP = 0, 1, 2, 3
#: Rates of a confusion matrix as (numerator cells, denominator cells).
_RATES: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "selection_rate": ((FP, TP), (TN, FP, FN, TP)),
    "tpr": ((TP,), (FN, TP)),
    "fnr": ((FN,), (FN, TP)),
    "fpr": ((FP,), (TN, FP)),
    "tnr": ((TN,), (TN, FP)),
    "ppv": ((TP,), (FP, TP)),
    "npv": ((TN,), (TN, FN)),
    "accuracy": ((TN, TP), (TN, FP, FN, TP)),
}


# --------------------------------------------------------------------------
# Input checks shared by labkit's public functions.


def _shown(value: object) -> str:
    """A value as a learner would type it (``0.5``, not ``np.float64(0.5)``)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return repr(int(value)) if abs(value) < 1e15 else repr(value)
    return repr(value)


def _real(value: object, name: str) -> float:
    """``value`` as a float if it is one real number (not a bool, not NaN)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    number = float(value)
    if math.isnan(number):
        raise ValueError(f"{name} is NaN; it must be a number")
    return number


def _integer(value: object, name: str, *, minimum: int, hint: str = "") -> int:
    """``value`` as an int if it is a whole number of at least ``minimum``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number (an int), got "
                        f"{type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}{hint}, got {value}")
    return int(value)


def _n_boot(n_boot: object) -> int:
    return _integer(n_boot, "n_boot", minimum=MIN_BOOT,
                    hint=f" ({N_BOOT:,} or more for an interval you report)")


def _level(level: object) -> float:
    value = _real(level, "level")
    if not 0 < value < 1:
        hint = f" ({_shown(value)}% is {value / 100:g})" if 1 < value < 100 else ""
        raise ValueError(f"level must be between 0 and 1, got {_shown(level)}{hint}")
    return value


def _seed(random_state: object) -> SeedLike:
    """A seed for :func:`numpy.random.default_rng`: an int >= 0, a SeedSequence or None."""
    if random_state is None or isinstance(random_state, np.random.SeedSequence):
        return random_state
    return _integer(random_state, "random_state", minimum=0)


def _vector(values: object, name: str, per: str = "patient") -> np.ndarray:
    """``values`` as a non-empty 1-D numpy array (one value per ``per``), or one clear error."""
    if values is None:
        raise TypeError(f"{name} is None; pass one value per {per}")
    if isinstance(values, str | bytes):
        raise TypeError(f"{name} must be an array with one value per {per}, not the "
                        f"string {values!r}")
    if isinstance(values, pd.DataFrame):
        raise TypeError(f"{name} is a DataFrame with {values.shape[1]} columns; pass one "
                        "column (a Series or a 1-D array)")
    if isinstance(values, dict | set):
        raise TypeError(f"{name} must be an array with one value per {per}, not a "
                        f"{type(values).__name__}")
    if isinstance(values, pd.Series | pd.Index):
        dtype = values.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            arr = np.asarray(values.astype(object))
        elif pd.api.types.is_extension_array_dtype(dtype) and (
                pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            arr = values.to_numpy(dtype="float64", na_value=np.nan)  # pandas.NA -> NaN
        else:
            arr = values.to_numpy()
    else:
        try:
            arr = np.asarray(values)
        except ValueError:
            raise ValueError(f"{name} must be a flat sequence with one value per {per} "
                             "(its rows have different lengths)") from None
    if arr.ndim == 0:
        raise TypeError(f"{name} must be an array with one value per {per}, not a single "
                        f"value {_shown(arr.item())}")
    if arr.ndim > 1:
        hint = ""
        if arr.ndim == 2 and arr.shape[1] == 2:
            hint = "; for predict_proba output take the second column, predict_proba(X)[:, 1]"
        raise ValueError(f"{name} must be 1-D (one value per {per}), got shape "
                         f"{arr.shape}{hint}")
    if arr.size == 0:
        why = ": there are no patients to evaluate" if per == "patient" else ""
        raise ValueError(f"{name} is empty{why}")
    return arr


def _numeric(arr: np.ndarray, name: str, hint: str) -> np.ndarray:
    """A 1-D array as float64 (missing values as NaN), or a TypeError naming a bad value."""
    kind = arr.dtype.kind
    if kind in "biuf":
        return arr.astype("float64")
    if kind in "OUS":
        text = next((v for v in arr if isinstance(v, str | bytes)), None)
        if text is not None:
            shown = repr(str(text) if isinstance(text, str) else bytes(text))
            raise TypeError(f"{name} holds text such as {shown}, not numbers{hint}")
        series = pd.Series(arr, dtype=object)
        converted = pd.to_numeric(series, errors="coerce")
        bad = (converted.isna() & series.notna()).to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            raise TypeError(f"{name} holds a value that is not a number at position {i}: "
                            f"{arr[i]!r}")
        return converted.to_numpy(dtype="float64", na_value=np.nan)
    raise TypeError(f"{name} must hold numbers, got values of type {arr.dtype}")


def _where(mask: np.ndarray) -> str:
    count = int(mask.sum())
    first = int(np.argmax(mask))
    return f"{count} {'value' if count == 1 else 'values'}, the first at position {first}"


def _outcome(values: object, name: str = "y_true") -> np.ndarray:
    """Observed outcomes as an int array of 0 and 1 (booleans and 0.0/1.0 are fine)."""
    arr = _vector(values, name)
    y = _numeric(arr, name, ": code the outcome as 0 and 1 first, e.g. "
                 "(y == 'yes').astype(int)")
    missing = np.isnan(y)
    if missing.any():
        raise ValueError(f"{name} has missing outcomes (NaN/None): {_where(missing)}; every "
                         "patient needs a known outcome, so leave out patients whose outcome "
                         "is unknown before evaluating")
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        raise ValueError(f"{name} must hold only 0 and 1 (1 = the outcome happened); found "
                         f"{_shown(y[bad][0])} at position {int(np.argmax(bad))}")
    return y.astype(np.int64)


def _probabilities(values: object, name: str = "y_prob") -> np.ndarray:
    """Predicted risks as a float array in [0, 1] with nothing missing."""
    arr = _vector(values, name)
    p = _numeric(arr, name, ": pass predicted probabilities, e.g. predict_proba(X)[:, 1]")
    missing = np.isnan(p)
    if missing.any():
        raise ValueError(f"{name} must be probabilities in [0, 1] with no missing values; "
                         f"NaN: {_where(missing)}")
    bad = (p < 0) | (p > 1)
    if bad.any():
        if p.min() >= 0 and 5 <= p.max() <= 100:
            hint = " (percentages? divide by 100)"
        else:
            hint = " (scores or log-odds? pass predict_proba(X)[:, 1])"
        raise ValueError(f"{name} must be probabilities in [0, 1]; found {_shown(p[bad][0])} "
                         f"at position {int(np.argmax(bad))}{hint}")
    return p


def _scores(values: object, name: str = "y_score") -> np.ndarray:
    """Any numeric prediction (risk, score or 0/1 label), nothing missing; dtype kept."""
    arr = _vector(values, name)
    s = _numeric(arr, name, ": pass predicted risks, scores or 0/1 labels")
    missing = np.isnan(s)
    if missing.any():
        raise ValueError(f"{name} has missing predictions (NaN/None): {_where(missing)}")
    return arr if arr.dtype.kind in "biuf" else s


def _aligned(*named: tuple[str, object]) -> None:
    """Refuse pandas objects whose indexes disagree: pairing them by position would
    silently match one patient's outcome with another's prediction."""
    indexed = [(n, v) for n, v in named if isinstance(v, pd.Series)]
    for i, (first, a) in enumerate(indexed):
        for second, b in indexed[i + 1:]:
            if len(a) == len(b) and not a.index.equals(b.index):  # type: ignore[union-attr]
                raise ValueError(
                    f"{first} and {second} are pandas Series with different indexes, so "
                    "their rows may not be the same patients: align them first (e.g. "
                    f"{second}.loc[{first}.index]) or pass .to_numpy() if the order is right")


def _same_length(**arrays: np.ndarray) -> None:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        names = " and ".join(lengths)
        got = ", ".join(str(n) for n in lengths.values())
        raise ValueError(f"{names} must have the same length (one value per patient), "
                         f"got {got}")


def _pair(y_true: object, y_prob: object, prob_name: str = "y_prob"
          ) -> tuple[np.ndarray, np.ndarray]:
    _aligned(("y_true", y_true), (prob_name, y_prob))
    y = _outcome(y_true)
    p = _probabilities(y_prob, prob_name)
    _same_length(y_true=y, **{prob_name: p})
    return y, p


def _check_threshold(threshold: object, name: str = "threshold") -> float:
    t = _real(threshold, name)
    if not 0 <= t < 1:
        hint = ""
        if t == 1:
            hint = " (at 1 the odds pt/(1 - pt) are infinite)"
        elif 1 < t <= 100:
            hint = f" (a probability: {_shown(t)}% is {t / 100:g})"
        raise ValueError(f"{name} must be in [0, 1), got {_shown(threshold)}{hint}")
    return t


def _thresholds(values: object, name: str, *, include_one: bool) -> np.ndarray:
    if isinstance(values, numbers.Real) and not isinstance(values, bool | np.bool_):
        values = [values]  # one threshold is a table of one row
    t = _numeric(_vector(values, name, per="threshold"), name,
                 ": pass probabilities such as [0.1, 0.2]")
    missing = np.isnan(t)
    if missing.any():
        raise ValueError(f"{name} has missing values (NaN): {_where(missing)}")
    high = t > 1 if include_one else t >= 1
    bad = (t < 0) | high
    if bad.any():
        interval = "[0, 1]" if include_one else "[0, 1)"
        value = t[bad][0]
        hint = f" ({_shown(value)}% is {value / 100:g})" if 1 < value <= 100 else ""
        raise ValueError(f"{name} must be probabilities in {interval}; found {_shown(value)} "
                         f"at position {int(np.argmax(bad))}{hint}")
    return t


# --------------------------------------------------------------------------
# Net benefit and decision curves.


def net_benefit(y_true: ArrayLike, y_prob: ArrayLike, threshold: float) -> float:
    """Net benefit of treating patients whose predicted risk is at least ``threshold``.

    NB = TP/n - FP/n x pt/(1 - pt), the true positives per patient less the false
    positives weighted by the odds at the threshold probability pt (Vickers and
    Elkin 2006). ``threshold`` must be in [0, 1).

    >>> round(net_benefit([1] * 20 + [0] * 30 + [1] * 5 + [0] * 45,
    ...                   [0.9] * 50 + [0.1] * 50, threshold=0.2), 4)
    0.125
    """
    y, p = _pair(y_true, y_prob)
    t = _check_threshold(threshold)
    treat = p >= t
    n = len(y)
    tp = float(np.sum(treat & (y == 1)))
    fp = float(np.sum(treat & (y == 0)))
    return tp / n - fp / n * t / (1 - t)


def treat_all_net_benefit(prevalence: float, threshold: float) -> float:
    """Net benefit of treating everyone: prevalence - (1 - prevalence) x pt/(1 - pt).

    ``prevalence`` is a proportion in [0, 1] (0.15, not 15).

    >>> treat_all_net_benefit(0.15, 0.0)
    0.15
    """
    prev = _real(prevalence, "prevalence")
    if not 0 <= prev <= 1:
        hint = f" ({_shown(prev)}% is {prev / 100:g})" if 1 < prev <= 100 else ""
        raise ValueError(f"prevalence must be a proportion in [0, 1], got "
                         f"{_shown(prevalence)}{hint}")
    t = _check_threshold(threshold)
    return prev - (1 - prev) * t / (1 - t)


def auroc(y_true: ArrayLike, y_score: ArrayLike) -> float:
    """Area under the ROC curve: the chance that a random patient with the outcome
    scores higher than a random patient without it, ties counting half.

    The same number as ``sklearn.metrics.roc_auc_score`` (tested against it),
    computed from ranks (the Mann-Whitney U statistic; Hanley and McNeil 1982) in
    one pass, so that a bootstrap of 1,000 resamples takes a fraction of a second
    rather than the seconds scikit-learn's input checks add to every call.

    >>> auroc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    _aligned(("y_true", y_true), ("y_score", y_score))
    y = _outcome(y_true)
    s = np.asarray(_scores(y_score), dtype=float)
    _same_length(y_true=y, y_score=s)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        raise ValueError("y_true has only one class: the AUROC needs patients with and "
                         "without the outcome")
    ranks = stats.rankdata(s)  # average ranks for ties: a tie counts half
    u = ranks[y == 1].sum() - positives * (positives + 1) / 2
    return float(u / (positives * negatives))


def decision_curve(y_true: ArrayLike, y_prob: ArrayLike,
                   thresholds: ArrayLike | None = None) -> pd.DataFrame:
    """Net benefit of the model, of treating all and of treating none, by threshold.

    ``thresholds`` default to 0.01, 0.02, ..., 0.50; each must be in [0, 1).

    >>> dc = decision_curve([1, 0, 0, 0], [0.8, 0.6, 0.2, 0.1], [0.5])
    >>> dc.loc[0, ["model", "treat_all", "treat_none"]].tolist()
    [0.0, -0.5, 0.0]
    """
    y, p = _pair(y_true, y_prob)
    ts = (np.arange(0.01, 0.51, 0.01) if thresholds is None
          else _thresholds(thresholds, "thresholds", include_one=False))
    prevalence = float(y.mean())
    rows = [(float(t), net_benefit(y, p, t), treat_all_net_benefit(prevalence, t), 0.0)
            for t in ts]
    return pd.DataFrame(rows, columns=["threshold", "model", "treat_all", "treat_none"])


# --------------------------------------------------------------------------
# Calibration.


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


def _logistic_fit(y: np.ndarray, X: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Unpenalised logistic regression by Newton-Raphson (IRLS).

    Hand-written because the calibration intercept needs an offset (logit(p) with
    its coefficient fixed at 1), which scikit-learn's LogisticRegression lacks, and
    statsmodels is not a dependency of the kit.
    """
    beta = np.zeros(X.shape[1])
    for _ in range(100):
        mu = special.expit(X @ beta + offset)  # no overflow warning for extreme logits
        w = mu * (1 - mu)
        grad = X.T @ (y - mu)
        hess = X.T @ (X * w[:, None])
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            return beta
    raise ValueError("calibration model did not converge: the predicted risks separate the "
                     "outcomes (almost) perfectly, or too many are exactly 0 or 1, so the "
                     "intercept or slope is not finite")


def calibration_intercept_slope(y_true: ArrayLike, y_prob: ArrayLike) -> tuple[float, float]:
    """Calibration-in-the-large (intercept) and calibration slope.

    The slope is b in logit P(y = 1) = a + b x logit(p); 1 is ideal, below 1 means
    predictions are too extreme. The intercept is a with b fixed at 1 (logit(p) as
    an offset); 0 is ideal, below 0 means risks are over-estimated on average.
    Both outcomes must occur, and ``y_prob`` must be varying probabilities (not
    the 0/1 labels of ``predict``).

    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.02, 0.6, 20_000)
    >>> y = rng.random(20_000) < p
    >>> a, b = calibration_intercept_slope(y, p)
    >>> abs(a) < 0.05 and abs(b - 1) < 0.05
    True
    """
    y, p = _pair(y_true, y_prob)
    if y.min() == y.max():
        raise ValueError(f"y_true has only one class (every value is {y[0]}): calibration "
                         "cannot be estimated")
    if np.isin(p, (0.0, 1.0)).all():
        raise ValueError("y_prob holds only 0 and 1: pass predicted probabilities "
                         "(predict_proba(...)[:, 1]), not labels")
    if p.min() == p.max():
        raise ValueError(f"y_prob is constant (every prediction is {_shown(p[0])}): the "
                         "calibration slope cannot be estimated from predictions that do not "
                         "vary")
    lp = _logit(p)
    ones = np.ones((len(y), 1))
    intercept = float(_logistic_fit(y, ones, lp)[0])
    slope = float(_logistic_fit(y, np.column_stack([ones, lp]), np.zeros(len(y)))[1])
    return intercept, slope


# --------------------------------------------------------------------------
# Bootstrap and Wilson intervals.


def _known_rate(metric: Callable[..., object]) -> str | None:
    """The rate a well-known metric function computes, for the count-based fast path.

    Only functions that the caller has already imported are recognised (by identity,
    not by name), so nothing is imported here.
    """
    known = {
        "fairlearn.metrics": {"selection_rate": "selection_rate", "true_positive_rate": "tpr",
                              "false_negative_rate": "fnr", "false_positive_rate": "fpr",
                              "true_negative_rate": "tnr"},
        "sklearn.metrics": {"recall_score": "tpr", "accuracy_score": "accuracy"},
    }
    for module_name, names in known.items():
        module = sys.modules.get(module_name)
        if module is None:
            continue
        for attr, rate in names.items():
            if getattr(module, attr, None) is metric:
                return rate
    return None


def _rate_from_counts(rate: str, counts: np.ndarray) -> np.ndarray:
    """``rate`` from cell counts (columns TN, FP, FN, TP); NaN where undefined."""
    numerator, denominator = _RATES[rate]
    num = counts[..., list(numerator)].sum(axis=-1).astype(float)
    den = counts[..., list(denominator)].sum(axis=-1).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


class _Clusters:
    """Rows grouped by patient, for resampling whole patients."""

    def __init__(self, patient_codes: np.ndarray) -> None:
        codes = pd.factorize(patient_codes)[0].astype(np.int64)  # 0, 1, ... in this subset
        self.codes = codes
        self.n = int(codes.max()) + 1
        self.order = np.argsort(codes, kind="stable")
        self.sizes = np.bincount(codes, minlength=self.n)
        self.starts = np.cumsum(self.sizes) - self.sizes

    def rows(self, picks: np.ndarray) -> np.ndarray:
        """Row indices of the picked patients, all rows of each, in pick order."""
        lengths = self.sizes[picks]
        offsets = np.cumsum(lengths) - lengths
        within = np.arange(int(lengths.sum())) - np.repeat(offsets, lengths)
        return self.order[np.repeat(self.starts[picks], lengths) + within]

    def multiplicities(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws of how many times each patient is picked (rows: resamples)."""
        picks = rng.integers(0, self.n, (size, self.n))
        flat = picks + self.n * np.arange(size)[:, None]
        return np.bincount(flat.ravel(), minlength=size * self.n).reshape(size, self.n)


def _patient_codes(patient_id: object, n: int) -> np.ndarray:
    """Patient ids as integer codes 0, 1, ... (one per distinct patient)."""
    arr = _vector(patient_id, "patient_id")
    if len(arr) != n:
        raise ValueError(f"patient_id must have one value per row, got {len(arr)} for {n} rows")
    missing = pd.isna(pd.Series(arr, dtype=object)).to_numpy()
    if missing.any():
        raise ValueError(f"patient_id has missing values (NaN/None): {_where(missing)}; every "
                         "row needs the patient it belongs to")
    codes, _ = pd.factorize(arr)
    return codes.astype(np.int64)


def _metric_value(metric: Callable[..., object], y: np.ndarray, s: np.ndarray) -> float:
    value = metric(y, s)
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"metric must return one number, got {type(value).__name__} "
                        f"{value!r}")
    if not math.isfinite(value):
        raise ValueError(f"metric returned {value} on the full data: it is undefined here "
                         "(e.g. a PPV when no one is flagged), so it has no interval")
    return float(value)


def _is_binary(s: np.ndarray) -> bool:
    return s.dtype.kind == "b" or bool(np.isin(s, (0, 1)).all())


def _count_values(metric: Callable[..., object], y: np.ndarray, s: np.ndarray,
                  estimate: float, rng: np.random.Generator, n_boot: int,
                  clusters: _Clusters | None, steps: tqdm) -> np.ndarray:
    """Bootstrap values of a metric of binary predictions, from resampled cell counts.

    With a 0/1 outcome and a 0/1 prediction every patient falls in one of four
    cells, so a resample is fully described by its four counts, which are drawn
    directly (multinomial; for patients, the sum over resampled patients of their
    counts). The metric is then computed from the counts for well-known rates,
    or called once per distinct set of counts; either way it must not depend on
    the order of the patients, as no standard metric does.
    """
    cells = 2 * y + s.astype(np.int64)
    observed = np.bincount(cells, minlength=4)
    rate = _known_rate(metric)
    if rate is not None:
        check = _rate_from_counts(rate, observed)
        if not np.isclose(check, estimate, rtol=0, atol=1e-12):
            rate = None  # not the function it looks like: call it
    per_patient = None
    if clusters is not None:
        per_patient = np.zeros((clusters.n, 4), dtype=np.int64)
        np.add.at(per_patient, (clusters.codes, cells), 1)
    memo: dict[tuple[int, ...], float] = {}
    y_of, s_of = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1], dtype=s.dtype)
    values = []
    for start in range(0, n_boot, 100):
        size = min(100, n_boot - start)
        if per_patient is None:
            counts = rng.multinomial(len(y), observed / len(y), size=size)
        else:
            counts = clusters.multiplicities(rng, size) @ per_patient  # type: ignore[union-attr]
        one_class = (counts[:, [TN, FP]].sum(axis=1) == 0) | (counts[:, [FN, TP]].sum(axis=1)
                                                               == 0)
        if rate is not None:
            chunk = _rate_from_counts(rate, counts)
        else:
            chunk = np.empty(size)
            for i, row in enumerate(counts):
                key = tuple(int(c) for c in row)
                if key not in memo:
                    memo[key] = np.nan if one_class[i] else _try_metric(
                        metric, np.repeat(y_of, row), np.repeat(s_of, row))
                chunk[i] = memo[key]
        chunk[one_class] = np.nan
        values.append(chunk)
        steps.update(size)
    return np.concatenate(values)


def _try_metric(metric: Callable[..., object], y: np.ndarray, s: np.ndarray) -> float:
    try:
        return float(metric(y, s))  # type: ignore[arg-type]
    except ValueError:
        return np.nan


def _index_values(metric: Callable[..., object], y: np.ndarray, s: np.ndarray,
                  rng: np.random.Generator, n_boot: int, clusters: _Clusters | None,
                  steps: tqdm) -> np.ndarray:
    """Bootstrap values by resampling rows (or whole patients) and calling the metric."""
    values = np.full(n_boot, np.nan)
    n = len(y)
    for b in range(n_boot):
        if clusters is None:
            idx = rng.integers(0, n, n)
        else:
            idx = clusters.rows(rng.integers(0, clusters.n, clusters.n))
        yb = y[idx]
        if yb.min() != yb.max():
            values[b] = _try_metric(metric, yb, s[idx])
        steps.update(1)
    return values


def _bootstrap(metric: Callable[..., object], y: np.ndarray, s: np.ndarray, *,
               n_boot: int, level: float, seed: SeedLike, clusters: _Clusters | None,
               progress: bool = False, desc: str = "Bootstrap") -> tuple[float, float, float]:
    """Estimate and percentile interval; inputs already checked."""
    estimate = _metric_value(metric, y, s)
    rng = np.random.default_rng(seed)
    # Redrawn at each quarter of the resamples, by count and never by clock
    # (mininterval=0, no monitor override), so the text a lab shows is the same on
    # every run and on every machine.
    with tqdm(total=n_boot, desc=desc, file=sys.stdout, bar_format=BAR_FORMAT,
              disable=not progress, mininterval=0, maxinterval=float("inf"),
              miniters=max(1, n_boot // 4)) as steps:
        if _is_binary(s):
            values = _count_values(metric, y, s, estimate, rng, n_boot, clusters, steps)
        else:
            values = _index_values(metric, y, s, rng, n_boot, clusters, steps)
    scored = values[np.isfinite(values)]
    if len(scored) < 0.9 * n_boot:
        raise ValueError(f"only {len(scored)} of {n_boot} bootstrap samples could be scored; "
                         "the group is too small or has one class only")
    alpha = (1 - level) / 2
    low, high = np.quantile(scored, [alpha, 1 - alpha])
    return estimate, float(low), float(high)


def bootstrap_ci(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    n_boot: int = N_BOOT,
    level: float = 0.95,
    random_state: SeedLike = 0,
    progress: bool = True,
    desc: str = "Bootstrap",
    patient_id: ArrayLike | None = None,
) -> tuple[float, float, float]:
    """Estimate and percentile bootstrap interval of ``metric(y_true, y_score)``.

    Resamples patients with replacement ``n_boot`` times (default :data:`N_BOOT`,
    at least 10) with a generator seeded by ``random_state``, so the interval is
    the same on every run. If rows are admissions and ``patient_id`` says whose
    each row is, whole patients are resampled with all their rows (a cluster
    bootstrap), since one patient's admissions are not independent.
    Resamples where the metric cannot be computed (one class only, a
    ``ValueError`` or NaN) are skipped; if more than 10% of them are, the group
    is too small for an interval and a ``ValueError`` says so.

    ``y_true`` holds 0/1 outcomes; ``y_score`` predicted risks, scores or 0/1
    labels. With 0/1 predictions the resamples are drawn as counts of the four
    cells of the confusion matrix, which is exact and much faster; ``metric``
    must then not depend on the order of the patients (no standard metric does).
    The progress bar goes to stdout without timings, so outputs are reproducible.

    >>> from sklearn.metrics import roc_auc_score
    >>> est, lo, hi = bootstrap_ci(roc_auc_score, [0, 0, 1, 1, 0, 1], [.1, .4, .35, .8, .2, .7],
    ...                            n_boot=50, progress=False)
    >>> lo <= est <= hi
    True
    """
    if not callable(metric):
        raise TypeError(f"metric must be a function of (y_true, y_score), got "
                        f"{type(metric).__name__} {metric!r}")
    _aligned(("y_true", y_true), ("y_score", y_score), ("patient_id", patient_id))
    y = _outcome(y_true)
    s = _scores(y_score)
    _same_length(y_true=y, y_score=s)
    clusters = None if patient_id is None else _Clusters(_patient_codes(patient_id, len(y)))
    n_boot = _n_boot(n_boot)
    if not isinstance(progress, bool | np.bool_):
        raise TypeError(f"progress must be True or False, got {progress!r}")
    if not isinstance(desc, str):
        raise TypeError(f"desc must be a string, got {type(desc).__name__}")
    return _bootstrap(metric, y, s, n_boot=n_boot, level=_level(level),
                      seed=_seed(random_state), clusters=clusters, progress=bool(progress),
                      desc=desc)


def wilson_interval(successes: int, trials: int, *, level: float = 0.95
                    ) -> tuple[float, float]:
    """Wilson score interval for a proportion ``successes / trials`` (Wilson 1927).

    Unlike the bootstrap or the Wald interval, it stays inside [0, 1] and keeps
    close to its nominal coverage with few trials or a proportion near 0 or 1
    (Newcombe 1998), as with a false-negative rate among a handful of events.
    Computed by scipy's maintained implementation
    (``scipy.stats.binomtest(...).proportion_ci(method="wilson")``).

    >>> [round(x, 4) for x in wilson_interval(81, 263)]  # a worked example in Newcombe 1998
    [0.2553, 0.3662]
    """
    k = _integer(successes, "successes", minimum=0)
    n = _integer(trials, "trials", minimum=1)
    if k > n:
        raise ValueError(f"successes ({k}) cannot exceed trials ({n})")
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=_level(level), method="wilson")
    return float(ci.low), float(ci.high)


# --------------------------------------------------------------------------
# Threshold tables.


def threshold_table(y_true: ArrayLike, y_prob: ArrayLike, thresholds: ArrayLike | float,
                    *, days: float | None = None) -> pd.DataFrame:
    """What each threshold means at the bedside.

    Columns: threshold, flagged (patients at or above it), tp, fp, fn, tn,
    sensitivity, specificity, ppv, npv, nne (number needed to evaluate = 1/PPV:
    flagged patients per true case found) and, if ``days`` (the period the data
    cover, a positive number) is given, flagged_per_day. ``thresholds`` are
    probabilities in [0, 1] (one number or several).

    >>> t = threshold_table([1, 1, 0, 0, 0], [0.9, 0.4, 0.6, 0.2, 0.1], [0.5], days=5)
    >>> t.loc[0, ["flagged", "sensitivity", "ppv", "nne", "flagged_per_day"]].tolist()
    [2.0, 0.5, 0.5, 2.0, 0.4]
    """
    y, p = _pair(y_true, y_prob)
    ts = _thresholds(thresholds, "thresholds", include_one=True)
    if days is not None:
        days = _real(days, "days")
        if not 0 < days < math.inf:
            raise ValueError(f"days must be the number of days the data cover, a positive "
                             f"number, got {_shown(days)}")
    rows = []
    for t in ts:
        flag = p >= t
        tp = float(np.sum(flag & (y == 1)))
        fp = float(np.sum(flag & (y == 0)))
        fn = float(np.sum(~flag & (y == 1)))
        tn = float(np.sum(~flag & (y == 0)))
        ppv = tp / (tp + fp) if tp + fp else np.nan
        row = {
            "threshold": float(t), "flagged": tp + fp, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
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
