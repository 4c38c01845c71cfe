"""Subgroup-audit helpers that must be right but are not the lesson.

Age bands, group sizes with small-group warnings, and bootstrap intervals of a
metric within each group. A subgroup estimate is only as good as the number of
patients (and of outcome events) behind it: Collins, Ogundimu and Altman (2016)
recommend at least 100 events, ideally 200, to validate a prediction model, so
groups below :data:`MIN_EVENTS` are flagged.

>>> sizes = group_sizes(["a"] * 300 + ["b"] * 30, [1, 0] * 150 + [1] + [0] * 29)
>>> sizes["warning"].tolist()
['', 'only 30 patients (fewer than 100); only 1 with the outcome (fewer than 100)']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from labkit.evaluate import bootstrap_ci

__all__ = ["AGE_BINS", "AGE_LABELS", "MIN_N", "MIN_EVENTS", "age_band", "group_sizes",
           "bootstrap_by_group"]

#: Lower edges of the age bands (years) and their labels.
AGE_BINS = (18, 45, 65, 75)
AGE_LABELS = ("18-44", "45-64", "65-74", "75+")
#: Groups with fewer patients or fewer outcome events than these are flagged.
MIN_N = 100
MIN_EVENTS = 100

ArrayLike = Sequence[object] | np.ndarray | pd.Series


def age_band(age: ArrayLike) -> pd.Series:
    """Ages in years as ordered bands 18-44, 45-64, 65-74 and 75+.

    >>> age_band([18, 44, 45, 70, 75, 101]).tolist()
    ['18-44', '18-44', '45-64', '65-74', '75+', '75+']
    """
    values = pd.Series(age, dtype="float64") if not isinstance(age, pd.Series) else age
    values = values.astype("float64")
    if values.isna().any() or (values < AGE_BINS[0]).any():
        raise ValueError(f"ages must be known and at least {AGE_BINS[0]} years")
    edges = [*AGE_BINS, np.inf]
    bands = pd.cut(values, bins=edges, labels=list(AGE_LABELS), right=False)
    return bands.rename("age_band")


def _groups(groups: ArrayLike) -> pd.Series:
    series = groups if isinstance(groups, pd.Series) else pd.Series(list(groups))
    return series.reset_index(drop=True)


def _warning(n: int, events: int, min_n: int, min_events: int) -> str:
    reasons = []
    if n < min_n:
        reasons.append(f"only {n} patients (fewer than {min_n})")
    if events < min_events:
        reasons.append(f"only {events} with the outcome (fewer than {min_events})")
    return "; ".join(reasons)


def group_sizes(groups: ArrayLike, y_true: ArrayLike, *, min_n: int = MIN_N,
                min_events: int = MIN_EVENTS) -> pd.DataFrame:
    """Patients and outcome events per group, with a warning for small groups.

    Columns: ``n`` (patients), ``events`` (patients with ``y_true == 1``),
    ``share`` (of all patients) and ``warning`` (empty when the group is large
    enough). Rates among patients with the event (sensitivity, false-negative
    rate) rest on ``events`` patients, not on ``n``.

    >>> t = group_sizes(["x", "x", "y"], [1, 0, 1], min_n=2, min_events=1)
    >>> t[["n", "events", "share"]].round(2).to_dict("index")
    {'x': {'n': 2, 'events': 1, 'share': 0.67}, 'y': {'n': 1, 'events': 1, 'share': 0.33}}
    >>> t.loc["y", "warning"]
    'only 1 patients (fewer than 2)'
    """
    g = _groups(groups)
    y = np.asarray(y_true)
    if len(g) != len(y):
        raise ValueError(f"groups and y_true must have the same length, got {len(g)} and {len(y)}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must hold only 0 and 1")
    frame = pd.DataFrame({"group": g, "y": y.astype(int)})
    table = frame.groupby("group", observed=True, sort=True)["y"].agg(["size", "sum"])
    table.columns = ["n", "events"]
    table.index.name = None
    table["share"] = table["n"] / len(frame)
    table["warning"] = [_warning(int(n), int(e), min_n, min_events)
                        for n, e in zip(table["n"], table["events"], strict=True)]
    return table


def bootstrap_by_group(
    metric: Callable[[np.ndarray, np.ndarray], float],
    y_true: ArrayLike,
    y_pred: ArrayLike,
    groups: ArrayLike,
    *,
    n_boot: int = 200,
    level: float = 0.95,
    random_state: int = 0,
    min_n: int = MIN_N,
    min_events: int = MIN_EVENTS,
) -> pd.DataFrame:
    """``metric(y_true, y_pred)`` in each group, with a percentile bootstrap interval.

    Patients are resampled within each group (:func:`labkit.evaluate.bootstrap_ci`,
    seeded with ``random_state``), so each interval shows how much the group's
    estimate would move in another sample of the same size. Columns: ``n``,
    ``events``, ``estimate``, ``low``, ``high``, ``width`` and ``warning``. A
    group too small for any interval gets NaN bounds and says so.

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
    g = _groups(groups)
    y = np.asarray(y_true)
    p = np.asarray(y_pred)
    if not len(g) == len(y) == len(p):
        raise ValueError("y_true, y_pred and groups must have the same length")
    sizes = group_sizes(g, y, min_n=min_n, min_events=min_events)
    rows = []
    for name in sizes.index:
        mask = (g == name).to_numpy()
        warning = sizes.loc[name, "warning"]
        try:
            estimate, low, high = bootstrap_ci(metric, y[mask], p[mask], n_boot=n_boot,
                                               level=level, random_state=random_state,
                                               progress=False)
        except ValueError:
            estimate = float(metric(y[mask], p[mask])) if len(set(y[mask])) == 2 else np.nan
            low = high = np.nan
            warning = "; ".join(filter(None, [warning, "too small for an interval"]))
        rows.append({"n": int(sizes.loc[name, "n"]), "events": int(sizes.loc[name, "events"]),
                     "estimate": estimate, "low": low, "high": high, "width": high - low,
                     "warning": warning})
    return pd.DataFrame(rows, index=sizes.index)
