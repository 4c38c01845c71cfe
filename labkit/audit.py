"""Subgroup-audit helpers that must be right but are not the lesson.

Age bands, group sizes with small-group warnings, bootstrap intervals of a
metric within each group, and Wilson score intervals of error rates within
each group. A subgroup estimate is only as good as the number of patients (and
of outcome events) behind it: Collins, Ogundimu and Altman (2016) recommend at
least 100 events, ideally 200, to validate a prediction model, so groups below
:data:`MIN_EVENTS` are flagged.

No function here drops a row silently: a patient with no group label is an
error unless ``missing="group"`` counts such patients in an explicit
:data:`MISSING` group.

>>> sizes = group_sizes(["a"] * 300 + ["b"] * 30, [1, 0] * 150 + [1] + [0] * 29)
>>> sizes["warning"].tolist()
['', 'only 30 patients (fewer than 100); only 1 with the outcome (fewer than 100)']
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from labkit.evaluate import (
    _RATES,
    N_BOOT,
    SeedLike,
    _aligned,
    _bootstrap,
    _Clusters,
    _integer,
    _level,
    _n_boot,
    _numeric,
    _outcome,
    _patient_codes,
    _same_length,
    _scores,
    _seed,
    _shown,
    _vector,
    _where,
    wilson_interval,
)

__all__ = ["AGE_BINS", "AGE_LABELS", "MAX_AGE", "MIN_N", "MIN_EVENTS", "MISSING", "RATES",
           "age_band", "group_sizes", "bootstrap_by_group", "rate_ci_by_group"]

#: Lower edges of the age bands (years) and their labels.
AGE_BINS = (18, 45, 65, 75)
AGE_LABELS = ("18-44", "45-64", "65-74", "75+")
#: Oldest plausible age in years; larger values are probably months or days.
MAX_AGE = 120
#: Groups with fewer patients or fewer outcome events than these are flagged.
MIN_N = 100
MIN_EVENTS = 100
#: Label of the explicit group for patients with no group (``missing="group"``).
MISSING = "(missing)"
#: Rates :func:`rate_ci_by_group` knows, with the patients each is a share of.
RATES = {
    "selection_rate": "patients",
    "tpr": "patients with the outcome",
    "fnr": "patients with the outcome",
    "fpr": "patients without the outcome",
    "tnr": "patients without the outcome",
    "ppv": "flagged patients",
    "npv": "patients not flagged",
    "accuracy": "patients",
}

ArrayLike = Sequence[object] | np.ndarray | pd.Series
Missing = Literal["raise", "group"]


def age_band(age: ArrayLike) -> pd.Series:
    """Ages in years as ordered bands 18-44, 45-64, 65-74 and 75+.

    Ages must be known, at least 18 and at most :data:`MAX_AGE`; a Series keeps
    its index.

    >>> age_band([18, 44, 45, 70, 75, 101]).tolist()
    ['18-44', '18-44', '45-64', '65-74', '75+', '75+']
    """
    index = age.index if isinstance(age, pd.Series) else None
    values = _numeric(_vector(age, "age"), "age", ": pass ages in years as numbers")
    missing = np.isnan(values)
    if missing.any():
        raise ValueError(f"age has missing values (NaN): {_where(missing)}; ages must be known "
                         f"and at least {AGE_BINS[0]} years")
    low = values < AGE_BINS[0]
    if low.any():
        raise ValueError(f"ages must be known and at least {AGE_BINS[0]} years; found "
                         f"{_shown(values[low][0])} at position {int(np.argmax(low))}")
    high = values > MAX_AGE
    if high.any():
        raise ValueError(f"ages must be in years, at most {MAX_AGE}; found "
                         f"{_shown(values[high][0])} at position {int(np.argmax(high))} "
                         "(months or days?)")
    edges = [*AGE_BINS, np.inf]
    bands = pd.cut(pd.Series(values, index=index), bins=edges, labels=list(AGE_LABELS),
                   right=False)
    return bands.rename("age_band")


def _group_labels(groups: object, missing: object) -> pd.Series:
    """Group labels as a Series with a default index; missing labels per ``missing``."""
    if missing not in ("raise", "group"):
        raise ValueError(f"missing must be 'raise' or 'group', got {missing!r}")
    if isinstance(groups, pd.DataFrame):
        raise TypeError(f"groups is a DataFrame with {groups.shape[1]} columns; pass one column. "
                        "For intersections combine columns first, e.g. "
                        "df['race_ethnicity'].astype(str) + ', ' + df['sex'].astype(str)")
    if isinstance(groups, pd.Series):
        series = groups.reset_index(drop=True)
        if series.empty:
            raise ValueError("groups is empty: there are no patients to evaluate")
    elif isinstance(groups, pd.Categorical):
        series = pd.Series(groups)
        if series.empty:
            raise ValueError("groups is empty: there are no patients to evaluate")
    elif isinstance(groups, np.ndarray | pd.Index) or not isinstance(groups, list | tuple):
        series = pd.Series(_vector(groups, "groups"))
    else:
        series = pd.Series(list(groups))  # a list keeps tuple labels (intersections) whole
        if series.empty:
            raise ValueError("groups is empty: there are no patients to evaluate")
    if series.dtype == object:
        unhashable = ~series.map(lambda v: isinstance(v, Hashable)).to_numpy(dtype=bool)
        if unhashable.any():
            i = int(np.argmax(unhashable))
            raise TypeError(f"group labels must be strings, numbers or tuples; position {i} "
                            f"holds a {type(series.iloc[i]).__name__}")
    na = series.isna().to_numpy()
    if not na.any():
        return series
    if missing == "raise":
        raise ValueError(
            f"groups has {int(na.sum())} of {len(series)} rows with no group (NaN/None), the "
            f"first at position {int(np.argmax(na))}: label them (e.g. 'Unknown') or pass "
            f"missing='group' to count them as a {MISSING!r} group; no row is dropped silently")
    if isinstance(series.dtype, pd.CategoricalDtype):
        if MISSING in series.cat.categories:
            return series.fillna(MISSING)
        return series.cat.add_categories([MISSING]).fillna(MISSING)
    labels = list(pd.unique(series[~na]))
    if MISSING in labels:
        raise ValueError(f"groups already has a group called {MISSING!r}, so rows with no "
                         "group cannot be counted apart from it: rename that group")
    try:
        labels = sorted(labels)
    except TypeError:
        pass  # labels of mixed kinds keep their order of appearance
    return pd.Series(pd.Categorical(series.where(~na, MISSING), categories=[*labels, MISSING]))


def _warning(n: int, events: int, min_n: int, min_events: int) -> str:
    reasons = []
    if n < min_n:
        reasons.append(f"only {n} patients (fewer than {min_n})")
    if events < min_events:
        reasons.append(f"only {events} with the outcome (fewer than {min_events})")
    return "; ".join(reasons)


def _sizes(g: pd.Series, y: np.ndarray, min_n: int, min_events: int
           ) -> tuple[pd.DataFrame, dict[Hashable, np.ndarray]]:
    """The group-size table and the row positions of each group (inputs checked)."""
    frame = pd.DataFrame({"group": g, "y": y})
    grouped = frame.groupby("group", observed=True, sort=True)
    table = grouped["y"].agg(["size", "sum"])
    table.columns = ["n", "events"]
    table.index.name = None
    table["share"] = table["n"] / len(frame)
    table["warning"] = [_warning(int(n), int(e), min_n, min_events)
                        for n, e in zip(table["n"], table["events"], strict=True)]
    positions = {name: np.asarray(rows) for name, rows in grouped.indices.items()}
    return table, positions


def _thresholds_for_warnings(min_n: object, min_events: object) -> tuple[int, int]:
    return (_integer(min_n, "min_n", minimum=0),
            _integer(min_events, "min_events", minimum=0))


def group_sizes(groups: ArrayLike, y_true: ArrayLike, *, min_n: int = MIN_N,
                min_events: int = MIN_EVENTS, missing: Missing = "raise") -> pd.DataFrame:
    """Patients and outcome events per group, with a warning for small groups.

    Columns: ``n`` (patients), ``events`` (patients with ``y_true == 1``),
    ``share`` (of all patients) and ``warning`` (empty when the group is large
    enough). Rates among patients with the event (sensitivity, false-negative
    rate) rest on ``events`` patients, not on ``n``. Rows with no group label
    raise a ``ValueError`` saying how many; ``missing="group"`` counts them in a
    :data:`MISSING` group instead, so the shares still add up to 1.

    >>> t = group_sizes(["x", "x", "y"], [1, 0, 1], min_n=2, min_events=1)
    >>> t[["n", "events", "share"]].round(2).to_dict("index")
    {'x': {'n': 2, 'events': 1, 'share': 0.67}, 'y': {'n': 1, 'events': 1, 'share': 0.33}}
    >>> t.loc["y", "warning"]
    'only 1 patients (fewer than 2)'
    >>> group_sizes(["x", None, "y"], [1, 0, 1], missing="group")["n"].to_dict()
    {'x': 1, 'y': 1, '(missing)': 1}
    """
    _aligned(("groups", groups), ("y_true", y_true))
    g = _group_labels(groups, missing)
    y = _outcome(y_true)
    _same_length(groups=g, y_true=y)
    min_n, min_events = _thresholds_for_warnings(min_n, min_events)
    return _sizes(g, y, min_n, min_events)[0]


def _label_key(label: Hashable) -> int:
    """A stable 64-bit number for a group label (the same in every Python session)."""
    text = "\x1f".join(map(str, label)) if isinstance(label, tuple) else str(label)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")


def _group_seed(seed: SeedLike, label: Hashable) -> np.random.SeedSequence:
    """An independent random stream per group, derived from the seed and the label.

    Like ``SeedSequence(seed).spawn(n_groups)``, but the child is keyed by the
    group's label instead of its position, so adding, removing or reordering
    other groups (e.g. a new group that sorts first) leaves this group's
    interval unchanged.
    """
    base = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return np.random.SeedSequence(base.entropy,
                                  spawn_key=(*base.spawn_key, _label_key(label)))


def bootstrap_by_group(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: ArrayLike,
    y_pred: ArrayLike,
    groups: ArrayLike,
    *,
    n_boot: int = N_BOOT,
    level: float = 0.95,
    random_state: SeedLike = 0,
    min_n: int = MIN_N,
    min_events: int = MIN_EVENTS,
    patient_id: ArrayLike | None = None,
    missing: Missing = "raise",
) -> pd.DataFrame:
    """``metric(y_true, y_pred)`` in each group, with a percentile bootstrap interval.

    Patients are resampled within each group ``n_boot`` times (default
    :data:`labkit.evaluate.N_BOOT`), each group with its own random stream
    derived from ``random_state`` and the group's label, so adding or removing
    a group does not move the other groups' intervals. With ``patient_id``,
    whole patients are resampled with all their rows (cluster bootstrap). Each
    interval shows how much the group's estimate would move in another sample
    of the same size. Columns: ``n``, ``events``, ``estimate``, ``low``,
    ``high``, ``width`` and ``warning``. A group too small for any interval
    gets NaN bounds and says so; for a rate among few patients, prefer the
    Wilson interval of :func:`rate_ci_by_group`.

    With 0/1 predictions the resamples are drawn as confusion-matrix counts
    (see :func:`labkit.evaluate.bootstrap_ci`), and fairlearn's rate metrics
    are then computed from those counts without calling them 1,000 times.

    >>> from sklearn.metrics import recall_score
    >>> y = [1, 0] * 200
    >>> pred = [1, 1, 0, 0] * 100
    >>> t = bootstrap_by_group(recall_score, y, pred, ["big"] * 360 + ["small"] * 40,
    ...                        n_boot=100)
    >>> t["events"].tolist(), t["estimate"].tolist()
    ([180, 20], [0.5, 0.5])
    >>> bool(t.loc["small", "width"] > 2 * t.loc["big", "width"])
    True
    """
    if not callable(metric):
        raise TypeError(f"metric must be a function of (y_true, y_pred), got "
                        f"{type(metric).__name__} {metric!r}")
    _aligned(("y_true", y_true), ("y_pred", y_pred), ("groups", groups),
             ("patient_id", patient_id))
    g = _group_labels(groups, missing)
    y = _outcome(y_true)
    p = _scores(y_pred, "y_pred")
    _same_length(y_true=y, y_pred=p, groups=g)
    codes = None if patient_id is None else _patient_codes(patient_id, len(y))
    n_boot = _n_boot(n_boot)
    level = _level(level)
    seed = _seed(random_state)
    if seed is None:  # one fresh seed shared by the groups of this call
        seed = np.random.SeedSequence()
    min_n, min_events = _thresholds_for_warnings(min_n, min_events)
    sizes, positions = _sizes(g, y, min_n, min_events)
    rows = []
    for name in sizes.index:
        idx = positions[name]
        warning = sizes.loc[name, "warning"]
        clusters = None if codes is None else _Clusters(codes[idx])
        try:
            estimate, low, high = _bootstrap(metric, y[idx], p[idx], n_boot=n_boot,
                                             level=level, seed=_group_seed(seed, name),
                                             clusters=clusters)
        except ValueError:
            try:
                estimate = float(metric(y[idx], p[idx]))  # type: ignore[arg-type]
            except ValueError:
                estimate = np.nan
            low = high = np.nan
            warning = "; ".join(filter(None, [warning, "too small for an interval"]))
        rows.append({"n": int(sizes.loc[name, "n"]), "events": int(sizes.loc[name, "events"]),
                     "estimate": estimate, "low": low, "high": high, "width": high - low,
                     "warning": warning})
    return pd.DataFrame(rows, index=sizes.index)


def _labels(values: object, name: str) -> np.ndarray:
    """Predicted labels as an int array of 0 and 1."""
    pred = _scores(values, name)
    bad = ~np.isin(pred, (0, 1))
    if bad.any():
        raise ValueError(f"{name} must hold predicted labels 0 and 1 (e.g. (risk >= threshold)"
                         f".astype(int)), not risks; found {_shown(pred[bad][0])} at position "
                         f"{int(np.argmax(bad))}")
    return pred.astype(np.int64)


def rate_ci_by_group(y_true: ArrayLike, y_pred: ArrayLike, groups: ArrayLike, *,
                     rate: str = "fnr", level: float = 0.95, min_n: int = MIN_N,
                     min_events: int = MIN_EVENTS, missing: Missing = "raise"
                     ) -> pd.DataFrame:
    """A rate of a decision rule in each group, with a Wilson score interval.

    ``rate`` is one of :data:`RATES`: ``"fnr"`` (readmitted but not flagged),
    ``"tpr"``, ``"fpr"``, ``"tnr"``, ``"selection_rate"``, ``"ppv"``, ``"npv"``
    or ``"accuracy"``. Each is a proportion ``numerator / denominator``, and the
    Wilson interval (:func:`labkit.evaluate.wilson_interval`) keeps close to its
    nominal coverage when the denominator is small (Newcombe 1998), where a
    percentile bootstrap can be too narrow or collapse to zero width (e.g. 0 of
    8 missed gives a bootstrap interval of 0 to 0). It needs no resampling and
    assumes one row per patient. Columns: ``n``, ``events``, ``numerator``,
    ``denominator``, ``estimate``, ``low``, ``high``, ``width`` and ``warning``.

    >>> t = rate_ci_by_group([1] * 8 + [0] * 2, [0] * 3 + [1] * 7, ["g"] * 10, min_n=1,
    ...                      min_events=1)
    >>> t[["numerator", "denominator", "estimate"]].to_dict("index")
    {'g': {'numerator': 3, 'denominator': 8, 'estimate': 0.375}}
    >>> t[["low", "high"]].round(3).to_dict("index")
    {'g': {'low': 0.137, 'high': 0.694}}
    """
    if not isinstance(rate, str) or rate not in RATES:
        raise ValueError(f"rate must be one of {sorted(RATES)}, got {rate!r}")
    _aligned(("y_true", y_true), ("y_pred", y_pred), ("groups", groups))
    g = _group_labels(groups, missing)
    y = _outcome(y_true)
    pred = _labels(y_pred, "y_pred")
    _same_length(y_true=y, y_pred=pred, groups=g)
    level = _level(level)
    min_n, min_events = _thresholds_for_warnings(min_n, min_events)
    sizes, positions = _sizes(g, y, min_n, min_events)
    numerator_cells, denominator_cells = _RATES[rate]
    rows = []
    for name in sizes.index:
        idx = positions[name]
        counts = np.bincount(2 * y[idx] + pred[idx], minlength=4)
        num = int(counts[list(numerator_cells)].sum())
        den = int(counts[list(denominator_cells)].sum())
        warning = sizes.loc[name, "warning"]
        if den:
            estimate = num / den
            low, high = wilson_interval(num, den, level=level)
        else:
            estimate = low = high = np.nan
            warning = "; ".join(filter(None, [warning, f"no {RATES[rate]}: {rate} undefined"]))
        rows.append({"n": int(sizes.loc[name, "n"]), "events": int(sizes.loc[name, "events"]),
                     "numerator": num, "denominator": den, "estimate": estimate, "low": low,
                     "high": high, "width": high - low, "warning": warning})
    return pd.DataFrame(rows, index=sizes.index)

