"""The audit of a prediction model on a hospital's own patients, as one reviewable document.

``python -m labkit audit`` and :func:`audit` take one row per patient (the
observed outcome, the model's predicted probability, optional group columns,
a date and a patient id; read and checked by :mod:`labkit.extract`) and
compute what a governance committee needs to judge the model before and after
go-live: the cohort; discrimination; calibration; clinical utility; error
rates and calibration by every group and chosen intersections, against a
reference group; performance over time; and a model card whose TRIPOD+AI
fields the reviewer completes. :func:`write_html` writes it as one HTML file
(figures embedded, opens offline, prints); :func:`write_markdown` writes the
model-card section through ``skops.card``. :func:`audit_model` does the same
for a fitted scikit-learn model and adds SHAP global explanations (the
capstone lab).

Every interval is analytic (:mod:`labkit.stats`), so a million rows take
seconds: the bootstrap, which refits nothing here either, would still need a
thousand passes over the data. Group counts come from fairlearn's
``MetricFrame``; rates carry Wilson intervals and differences from the
reference group Newcombe's hybrid score intervals. Groups with fewer than
:data:`labkit.audit.MIN_N` patients or :data:`labkit.audit.MIN_EVENTS` events
are flagged [collins2016sample].

>>> import pandas as pd
>>> from labkit.extract import read_predictions
>>> frame = pd.DataFrame({"y": [0, 1, 0, 1, 0, 0], "p": [.1, .8, .3, .6, .2, .4],
...                       "sex": ["F", "F", "M", "M", "F", "M"]})
>>> result = audit(read_predictions(frame, outcome="y", score="p", groups=["sex"]),
...                threshold=0.5)
>>> round(result.overall["auroc"].value, 3)
1.0
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from labkit import stats
from labkit.audit import MIN_EVENTS, MIN_N
from labkit.evaluate import _check_threshold, decision_curve, threshold_table
from labkit.output import html_table, output_path, write_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from labkit.extract import Predictions

__all__ = ["RATES", "CARD_FIELDS", "Estimate", "Audit", "audit", "audit_model", "write_html",
           "write_markdown", "read_card"]

#: Rates reported by group: name -> (label, numerator count, denominator count, who).
RATES = {
    "tpr": ("sensitivity (TPR)", "tp", "events", "patients with the outcome who were flagged"),
    "fnr": ("missed (FNR)", "fn", "events", "patients with the outcome who were not flagged"),
    "fpr": ("false alarms (FPR)", "fp", "non_events", "patients without the outcome who "
            "were flagged"),
    "ppv": ("PPV", "tp", "flagged", "flagged patients who had the outcome"),
    "selection_rate": ("flagged", "flagged", "n", "patients flagged"),
}
#: Periods for performance over time: option -> (pandas period code, word).
PERIODS = {"month": ("M", "month"), "quarter": ("Q", "quarter"), "year": ("Y", "year")}
#: Fewest patients with and without the outcome for a period's or group's AUROC.
MIN_CLASS = 10
#: The model-card fields: key -> (heading, TRIPOD+AI item, what to write). Filled from
#: a YAML file (``--card``) or ``card=``; the reviewer completes the rest.
CARD_FIELDS: dict[str, tuple[str, str, str]] = {
    "model": ("Model, version and developer", "1, 4",
              "Name, version, developer and date of the model evaluated."),
    "intended_use": ("Intended use and users", "3b",
                     "Which patients, where in the care pathway, who acts on the output and "
                     "what they do."),
    "context": ("Healthcare context and rationale", "3a",
                "The decision the model supports and why it is needed here."),
    "inequalities": ("Known health inequalities", "3c",
                     "Inequalities already known in this outcome or service, by group."),
    "outcome": ("Outcome and time horizon", "8a",
                "How the outcome in this extract was defined and recorded, and over what "
                "horizon."),
    "data": ("Evaluation data, setting and eligibility", "5a, 5b, 6a, 6b",
             "Source system, site(s), dates, who was included and excluded."),
    "inputs": ("Predictors and input data quality", "9b, 27a",
               "What the model reads, and how missing or poor-quality inputs are handled "
               "in use."),
    "threshold": ("Model output and threshold", "15",
                  "The threshold the service acts on, and how it was chosen."),
    "fairness": ("Fairness assessment", "14, 23a, 25",
                 "Which groups were examined, what differences were found (see the "
                 "report), and what is done about them."),
    "limitations": ("Limitations", "26",
                    "What this evaluation cannot show (e.g. label bias, treatment effects, "
                    "missing groups)."),
    "oversight": ("Human oversight and workflow", "27b",
                  "Who reviews the output, what they may override, how errors are reported."),
    "monitoring": ("Monitoring and updating plan", "12f",
                   "Measures reviewed, how often, and what triggers recalibration or "
                   "withdrawal."),
    "governance": ("Approval, funding and conflicts of interest", "17, 18a, 18b",
                   "Who approved this evaluation, who paid for the model and the evaluation, "
                   "and the reviewers' interests."),
    "decision": ("Decision", "-",
                 "Go, go with conditions, or no-go; the reviewers and the date."),
}
PLACEHOLDER = "To be completed by the reviewer."
BLUE, ORANGE, VERMILLION, GREY, GREEN = "#0072B2", "#E69F00", "#D55E00", "#666666", "#009E73"


@dataclass(frozen=True)
class Estimate:
    """A number with its interval (NaN bounds when none can be computed)."""

    value: float
    low: float = math.nan
    high: float = math.nan

    def text(self, digits: int = 3, percent: bool = False) -> str:
        """'0.712 (0.701 to 0.723)', or in percent '21.2% (19.9% to 22.6%)'."""
        scale, unit = (100, "%") if percent else (1, "")
        fmt = f"{{:.{digits}f}}{unit}"
        if math.isnan(self.value):
            return "not estimable"
        shown = fmt.format(self.value * scale)
        if math.isnan(self.low) or math.isnan(self.high):
            return shown
        return f"{shown} ({fmt.format(self.low * scale)} to {fmt.format(self.high * scale)})"


@dataclass
class Audit:
    """Everything the report shows; built by :func:`audit`."""

    source: str
    level: float
    threshold: float
    threshold_given: bool
    n_read: int
    n_excluded: int
    n: int
    events: int
    columns: dict[str, str]
    groups: list[str]
    overall: dict[str, Estimate]
    calibration_bins: pd.DataFrame
    histogram: tuple[np.ndarray, np.ndarray]
    decision: pd.DataFrame
    thresholds: pd.DataFrame
    by_group: dict[str, pd.DataFrame]
    metric_frames: dict[str, Any]
    reference: dict[str, str]
    disparities: dict[str, pd.DataFrame]
    over_time: pd.DataFrame | None
    period: str
    date_range: tuple[str, str] | None
    warnings: list[str]
    notes: list[str]
    card: dict[str, str] = field(default_factory=dict)
    explanation: pd.Series | None = None
    explanation_note: str = ""

    def card_missing(self) -> list[str]:
        """The model-card fields still to be completed (keys of :data:`CARD_FIELDS`)."""
        return [key for key in CARD_FIELDS if not self.card.get(key, "").strip()]

    def summary(self) -> str:
        """The findings in three sentences, for the top of the report."""
        o = self.overall
        text = (f"On {self.n:,} patients ({self.events:,} with the outcome, "
                f"{o['prevalence'].value:.1%}), the model's AUROC was {o['auroc'].text()}. "
                f"It predicted a mean risk of {o['mean_predicted'].value:.1%} against "
                f"{o['prevalence'].value:.1%} observed (observed/expected "
                f"{o['oe'].text(2)}; calibration slope {o['slope'].text(2)}). ")
        t = self.thresholds.loc[self.thresholds["threshold"] == self.threshold].iloc[0]
        text += (f"At a threshold of {self.threshold:.3g} it flags {t['flagged'] / self.n:.1%} "
                 f"of patients, finds {_pct(t['sensitivity'])} of those with the outcome with a "
                 f"PPV of {_pct(t['ppv'])}, and its net benefit is "
                 f"{o['net_benefit'].text(4)} against {o['treat_all'].value:.4f} for "
                 "treating everyone.")
        worst = _largest_disparity(self)
        if worst:
            text += " " + worst
        return text


def _pct(value: float) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.1%}"


# --------------------------------------------------------------------------
# The computation


def _weighted_sum(column: str):
    """A MetricFrame metric: the weighted count of cells where ``column`` holds."""
    def metric(y_true, y_pred, sample_weight):
        values = {"n": np.ones_like(y_true), "events": y_true, "flagged": y_pred,
                  "tp": y_true * y_pred, "fp": (1 - y_true) * y_pred,
                  "fn": y_true * (1 - y_pred)}[column]
        return int(np.sum(np.asarray(values) * sample_weight))
    metric.__name__ = column
    return metric


def _expected(y_true, y_pred, risk_sum):  # noqa: ARG001 - MetricFrame passes both
    return float(np.sum(risk_sum))


def _group_counts(y: np.ndarray, p: np.ndarray, flag: np.ndarray, codes: np.ndarray,
                  cells_groups: pd.DataFrame) -> tuple[pd.DataFrame, Any]:
    """Counts per group through fairlearn's MetricFrame, on the cells of the table
    group x outcome x flag with their patient counts as sample weights.

    MetricFrame calls each metric once per group on the rows it is given; on a million
    rows that takes minutes, on the (at most 4 per group) cells it takes milliseconds and
    gives the same counts.
    """
    from fairlearn.metrics import MetricFrame

    n_groups = len(cells_groups)
    cell = codes * 4 + y * 2 + flag
    weight = np.bincount(cell, minlength=4 * n_groups)
    risk = np.bincount(cell, weights=p, minlength=4 * n_groups)
    used = np.flatnonzero(weight)
    features = cells_groups.iloc[used // 4].reset_index(drop=True)
    cell_y, cell_flag = (used % 4) // 2, used % 2
    names = ("n", "events", "flagged", "tp", "fp", "fn")
    metrics = {name: _weighted_sum(name) for name in names} | {"expected": _expected}
    params = {name: {"sample_weight": weight[used]} for name in names}
    params["expected"] = {"risk_sum": risk[used]}
    mf = MetricFrame(metrics=metrics, y_true=cell_y, y_pred=cell_flag,
                     sensitive_features=features, sample_params=params)
    counts = mf.by_group.copy()
    counts["non_events"] = counts["n"] - counts["events"]
    return counts, mf


def _label(index: object) -> str:
    return ", ".join(map(str, index)) if isinstance(index, tuple) else str(index)


def _group_table(y: np.ndarray, p: np.ndarray, flag: np.ndarray, features: pd.DataFrame,
                 level: float) -> tuple[pd.DataFrame, Any]:
    cols = list(features.columns)
    codes = features.groupby(cols, sort=True, observed=True, dropna=False).ngroup().to_numpy()
    _, first = np.unique(codes, return_index=True)
    uniques = features.iloc[first].reset_index(drop=True)
    counts, mf = _group_counts(y, p, flag, codes, uniques)
    table = pd.DataFrame(index=[_label(i) for i in counts.index])
    for col in ("n", "events", "non_events", "flagged", "tp", "fp", "fn"):
        table[col] = counts[col].to_numpy(dtype="int64")
    low, high = stats.wilson(table["events"], table["n"], level)
    table["prevalence"] = table["events"] / table["n"]
    table["prevalence_low"], table["prevalence_high"] = low, high
    for rate, (_, num, den, _) in RATES.items():
        with np.errstate(invalid="ignore", divide="ignore"):
            table[rate] = table[num] / table[den].replace(0, np.nan)
        low, high = stats.wilson(table[num], table[den], level)
        table[rate + "_low"], table[rate + "_high"] = low, high
    # Calibration-in-the-large: observed rate minus mean predicted risk, the observed
    # rate's Wilson interval shifted by the (fixed) mean prediction.
    table["mean_predicted"] = counts["expected"].to_numpy(dtype=float) / table["n"]
    table["citl"] = table["prevalence"] - table["mean_predicted"]
    table["citl_low"] = table["prevalence_low"] - table["mean_predicted"]
    table["citl_high"] = table["prevalence_high"] - table["mean_predicted"]
    # AUROC within each group (DeLong), where both outcomes occur often enough.
    aucs = {}
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    for code in range(len(uniques)):
        rows = order[bounds[code]:bounds[code + 1]]
        yy = y[rows]
        if min(int(yy.sum()), int(len(yy) - yy.sum())) >= MIN_CLASS:
            aucs[_label(tuple(uniques.iloc[code]) if len(cols) > 1 else uniques.iloc[code, 0])
                 ] = stats.delong_auroc(yy, p[rows], level)
    for i, part in enumerate(("auroc", "auroc_low", "auroc_high")):
        table[part] = [aucs.get(label, (np.nan,) * 3)[i] for label in table.index]
    table["warning"] = [_size_warning(n, e) for n, e in zip(table["n"], table["events"],
                                                             strict=True)]
    return table, mf


def _wilson1(k: int, n: int, level: float) -> tuple[float, float]:
    low, high = stats.wilson(np.array([k]), np.array([n]), level)
    return float(low[0]), float(high[0])


def _size_warning(n: int, events: int) -> str:
    parts = []
    if n < MIN_N:
        parts.append(f"only {n} patient{'s' if n != 1 else ''}")
    if events < MIN_EVENTS:
        parts.append(f"only {events} with the outcome")
    return "; ".join(parts)


def _disparities(table: pd.DataFrame, reference: str, level: float) -> pd.DataFrame:
    ref = table.loc[reference]
    rows = []
    for label, row in table.iterrows():
        if label == reference:
            continue
        for rate, (name, num, den, _) in RATES.items():
            diff, low, high = stats.newcombe_difference(row[num], row[den], ref[num], ref[den],
                                                        level)
            ratio = row[rate] / ref[rate] if ref[rate] else np.nan
            rows.append({"group": label, "rate": name, "group_value": row[rate],
                         "reference_value": ref[rate], "difference": float(diff),
                         "difference_low": float(low), "difference_high": float(high),
                         "ratio": float(ratio), "warning": row["warning"]})
    return pd.DataFrame(rows)


def _calibration_bins(y: np.ndarray, p: np.ndarray, level: float, bins: int = 10
                      ) -> pd.DataFrame:
    """Patients in tenths of predicted risk: mean predicted, observed and its Wilson interval."""
    order = np.argsort(p, kind="stable")
    parts = np.array_split(order, min(bins, len(p)))
    rows = []
    for part in parts:
        if len(part) == 0:
            continue
        k, n = int(y[part].sum()), len(part)
        low, high = _wilson1(k, n, level)
        rows.append({"n": n, "mean_predicted": float(p[part].mean()), "observed": k / n,
                     "low": low, "high": high})
    return pd.DataFrame(rows)


def _over_time(y: np.ndarray, p: np.ndarray, time: pd.Series, period: str, level: float
               ) -> pd.DataFrame | None:
    known = time.notna().to_numpy()
    if not known.any():
        return None
    periods = time[known].dt.to_period(PERIODS[period][0]).astype(str).to_numpy()
    yk, pk = y[known], p[known]
    rows = []
    for label in sorted(set(periods)):
        rows_in = periods == label
        yy, pp = yk[rows_in], pk[rows_in]
        n, e = len(yy), int(yy.sum())
        auc = (stats.delong_auroc(yy, pp, level) if min(e, n - e) >= MIN_CLASS
               else (np.nan,) * 3)
        oe = stats.oe_ratio(e, float(pp.sum()), n, level)
        low, high = _wilson1(e, n, level)
        rows.append({"period": label, "n": n, "events": e, "observed": e / n,
                     "observed_low": low, "observed_high": high,
                     "mean_predicted": float(pp.mean()), "oe": oe[0], "oe_low": oe[1],
                     "oe_high": oe[2], "auroc": auc[0], "auroc_low": auc[1],
                     "auroc_high": auc[2], "warning": _size_warning(n, e)})
    return pd.DataFrame(rows)


def _check_level(level: object) -> float:
    if isinstance(level, bool) or not isinstance(level, int | float) or not 0.5 <= level < 1:
        raise ValueError(f"level must be a confidence level between 0.5 and 1 (0.95 for 95%), "
                         f"got {level!r}")
    return float(level)


def _intersections(value: object, groups: Sequence[str]) -> list[tuple[str, ...]]:
    out = []
    for combo in value or ():
        cols = tuple(combo.split(",")) if isinstance(combo, str) else tuple(combo)
        cols = tuple(c.strip() for c in cols)
        unknown = [c for c in cols if c not in groups]
        if unknown:
            raise ValueError(f"intersection {', '.join(cols)}: {unknown[0]!r} is not one of the "
                             f"group columns ({', '.join(map(repr, groups)) or 'none given'})")
        if len(cols) < 2 or len(set(cols)) != len(cols):
            raise ValueError(f"intersection {', '.join(cols)}: name two or more different "
                             "group columns, e.g. race_ethnicity,sex")
        out.append(cols)
    return out


def audit(predictions: Predictions, *, threshold: float | None = None,
          reference: Mapping[str, str] | None = None,
          intersections: Sequence[Sequence[str] | str] = (), period: str = "quarter",
          level: float = 0.95, card: Mapping[str, str] | None = None,
          progress: bool = False) -> Audit:
    """Audit the predictions (from :func:`labkit.extract.read_predictions`).

    ``threshold``: the predicted risk at or above which the service acts (default:
    the observed prevalence, with a warning that this is not a clinical choice).
    ``reference``: group column -> reference group for the disparities (default:
    each column's largest group). ``intersections``: combinations of group columns
    to audit together (``["race_ethnicity,sex"]``). ``period``: month, quarter or
    year for performance over time. ``card``: model-card fields
    (:data:`CARD_FIELDS`) already written.
    """
    from tqdm import tqdm

    level = _check_level(level)
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
    y = np.asarray(predictions.outcome, dtype="int64")
    p = np.asarray(predictions.score, dtype=float)
    group_cols = list(predictions.groups.columns)
    combos = _intersections(intersections, group_cols)
    card = _check_card(card or {})
    warnings = list(predictions.warnings)
    n, events = len(y), int(y.sum())
    prevalence = events / n
    if threshold is None:
        threshold_given = False
        threshold = round(prevalence, 3)
        warnings.append(f"No threshold was given: the rates by group use the observed "
                        f"prevalence, {threshold:g}, which is not a clinical choice. Give the "
                        "threshold at which your service acts (--threshold).")
    else:
        threshold_given = True
        threshold = _check_threshold(threshold)
    reference = dict(reference or {})
    for col in reference:
        if col not in group_cols:
            raise ValueError(f"reference {col}={reference[col]!r}: {col!r} is not one of the "
                             f"group columns ({', '.join(map(repr, group_cols)) or 'none given'})")
    bar = tqdm(total=5 + len(group_cols) + len(combos), desc="audit", file=sys.stderr,
               disable=not progress, leave=False)
    flag = (p >= threshold).astype("int64")

    overall = {"prevalence": Estimate(prevalence, *_wilson1(events, n, level))}
    overall["mean_predicted"] = Estimate(float(p.mean()))
    overall["auroc"] = Estimate(*stats.delong_auroc(y, p, level))
    overall["auprc"] = Estimate(*stats.average_precision(y, p, level))
    bar.update()
    overall["brier"] = Estimate(*stats.mean_interval((p - y) ** 2, level))
    overall["brier_null"] = Estimate(prevalence * (1 - prevalence))
    overall["oe"] = Estimate(*stats.oe_ratio(events, float(p.sum()), n, level))
    intercept, slope = stats.calibration_fit(y, p, level)
    overall["intercept"], overall["slope"] = Estimate(*intercept), Estimate(*slope)
    bins = _calibration_bins(y, p, level)
    top = min(1.0, float(max(bins["high"].max(), p.max(), 0.05)) * 1.05)
    histogram = np.histogram(p, bins=40, range=(0.0, top))
    bar.update()
    w = threshold / (1 - threshold)
    contribution = np.where(flag == 1, np.where(y == 1, 1.0, -w), 0.0)
    overall["net_benefit"] = Estimate(*stats.mean_interval(contribution, level))
    overall["treat_all"] = Estimate(prevalence - (1 - prevalence) * w)
    top = max(0.5, min(0.99, 1.5 * threshold))
    decision = decision_curve(y, p, np.round(np.arange(0.01, top + 1e-9, 0.01), 2))
    bar.update()
    days = None
    if predictions.time is not None and predictions.time.notna().any():
        span = predictions.time.max() - predictions.time.min()
        days = max(1.0, span.days + 1.0)
    ts = sorted({*np.round(np.arange(0.05, 0.55, 0.05), 2).tolist(), threshold})
    thresholds = threshold_table(y, p, ts, days=days)
    bar.update()

    by_group, frames, disparities, ref_used = {}, {}, {}, {}
    for key, cols in [(c, (c,)) for c in group_cols] + [(" × ".join(c), c) for c in combos]:
        table, mf = _group_table(y, p, flag, predictions.groups[list(cols)], level)
        by_group[key], frames[key] = table, mf
        ref = reference.get(key) if len(cols) == 1 else None
        if ref is None:
            ref = str(table["n"].idxmax())
        elif ref not in table.index:
            raise ValueError(f"reference {key}={ref!r}: no such group in column {key!r} "
                             f"(groups: {', '.join(map(repr, table.index[:10]))})")
        ref_used[key] = ref
        disparities[key] = _disparities(table, ref, level)
        bar.update()

    over_time, date_range = None, None
    if predictions.time is not None:
        over_time = _over_time(y, p, predictions.time, period, level)
        known = predictions.time.dropna()
        if len(known):
            date_range = (known.min().date().isoformat(), known.max().date().isoformat())
    bar.update()
    bar.close()
    return Audit(
        source=predictions.source, level=level, threshold=threshold,
        threshold_given=threshold_given, n_read=predictions.n_read,
        n_excluded=predictions.n_excluded, n=n, events=events,
        columns=dict(predictions.columns), groups=group_cols, overall=overall,
        calibration_bins=bins, histogram=histogram, decision=decision, thresholds=thresholds,
        by_group=by_group,
        metric_frames=frames, reference=ref_used, disparities=disparities,
        over_time=over_time, period=period, date_range=date_range, warnings=warnings,
        notes=list(predictions.notes), card=card)


def audit_model(model: Any, X: pd.DataFrame, y: Sequence[object] | np.ndarray, *,
                groups: pd.DataFrame | None = None, time: Sequence[object] | None = None,
                ids: Sequence[object] | None = None, explain: bool = True,
                explain_rows: int = 500, random_state: int = 0,
                source: str = "the model's predictions", **options: Any) -> Audit:
    """Audit a fitted scikit-learn classifier on ``X`` and ``y``, with SHAP explanations.

    The model's ``predict_proba(X)[:, 1]`` is checked and audited as
    :func:`audit` would audit a file (``options`` are passed on: threshold,
    reference, intersections, period, level, card). ``groups`` (a DataFrame
    aligned with ``X``), ``time`` and ``ids`` play the roles of the command's
    --group, --time and --id columns. With ``explain``, a SHAP explainer of the
    final estimator (on the output of the pipeline's preprocessing, summed back
    to the recorded features by :func:`labkit.explain.by_feature`) gives the
    mean absolute SHAP value of each feature over ``explain_rows`` patients
    sampled with ``random_state``.
    """
    from labkit.extract import read_predictions

    if not hasattr(model, "predict_proba"):
        raise TypeError(f"model must be a fitted classifier with predict_proba, got "
                        f"{type(model).__name__}")
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a DataFrame of the recorded features, got {type(X).__name__}")
    proba = np.asarray(model.predict_proba(X))
    if proba.ndim != 2 or proba.shape[1] != 2:
        raise ValueError(f"model.predict_proba gave shape {proba.shape}; the audit needs a "
                         "binary classifier (two columns)")
    observed = y.to_numpy() if isinstance(y, pd.Series) else np.asarray(y, dtype=object)
    if len(observed) != len(X):
        raise ValueError(f"y has {len(observed)} values but X has {len(X)} rows")
    frame = pd.DataFrame({"observed outcome": observed, "predicted risk": proba[:, 1]})
    names: list[str] = []
    if groups is not None:
        if not isinstance(groups, pd.DataFrame) or len(groups) != len(X):
            raise ValueError(f"groups must be a DataFrame with one row per row of X "
                             f"({len(X)}), got {type(groups).__name__} of length "
                             f"{len(groups)}")
        for col in groups.columns:
            frame[str(col)] = groups[col].to_numpy()
            names.append(str(col))
    extra = {}
    for role, values in (("time", time), ("id", ids)):
        if values is not None:
            column = f"({role})"
            frame[column] = np.asarray(values, dtype=object)
            extra[role] = column
    predictions = read_predictions(frame, outcome="observed outcome", score="predicted risk",
                                   groups=names, **extra)
    predictions = _renamed(predictions, source)
    result = audit(predictions, **options)
    if explain:
        result.explanation, result.explanation_note = _shap_importance(
            model, X, explain_rows, random_state)
    return result


def _renamed(predictions: Predictions, source: str) -> Predictions:
    import dataclasses

    return dataclasses.replace(predictions, source=source)


def _shap_importance(model: Any, X: pd.DataFrame, rows: int, random_state: int
                     ) -> tuple[pd.Series, str]:
    """Mean |SHAP| per recorded feature, and a sentence on how it was computed."""
    import shap
    from sklearn.pipeline import Pipeline

    from labkit import explain as kit_explain

    sample = X.sample(n=min(rows, len(X)), random_state=random_state)
    if isinstance(model, Pipeline) and len(model.steps) > 1:
        pre, estimator = model[:-1], model[-1]
        data = pre.transform(sample)
        data = data.toarray() if hasattr(data, "toarray") else np.asarray(data, dtype=float)
    else:
        pre, estimator, data = None, model, sample
    explainer = shap.Explainer(estimator, shap.maskers.Independent(data, max_samples=100),
                               seed=random_state)
    values = explainer(data)
    if values.values.ndim == 3:
        values = values[..., 1]
    if pre is not None:
        values = kit_explain.by_feature(values, sample, pre)
    elif values.feature_names is None:
        values.feature_names = list(sample.columns)
    importance = kit_explain.mean_abs(values).sort_values(ascending=False)
    note = (f"{type(explainer).__name__} of the {type(estimator).__name__} on "
            f"{len(sample):,} patients sampled at random (random_state={random_state}), "
            "with up to 100 of them as the background; values are in the units of the "
            "model's raw output (log-odds for logistic regression and gradient boosting) "
            "and summed over the model columns made from each recorded feature. A SHAP value "
            "describes the model, not the patient's biology: a large value for a feature is "
            "not evidence that changing it changes the outcome.")
    return importance, note


def _largest_disparity(result: Audit) -> str:
    """The largest difference from a reference group whose interval excludes 0, as a sentence."""
    best = None
    for key, table in result.disparities.items():
        if table.empty:
            continue
        clear = table[(table["difference_low"] > 0) | (table["difference_high"] < 0)]
        if clear.empty:
            continue
        row = clear.loc[clear["difference"].abs().idxmax()]
        if best is None or abs(row["difference"]) > abs(best[1]["difference"]):
            best = (key, row)
    if best is None:
        return ("No rate differed from its reference group by more than chance at the "
                f"{result.level:.0%} level.")
    key, row = best
    word = "higher" if row["difference"] > 0 else "lower"
    return (f"The largest clear difference: {row['rate']} in {key} = {row['group']} was "
            f"{abs(row['difference']) * 100:.1f} percentage points {word} than in "
            f"{result.reference[key]} ({row['group_value']:.1%} against "
            f"{row['reference_value']:.1%}; {result.level:.0%} CI of the difference "
            f"{row['difference_low'] * 100:+.1f} to {row['difference_high'] * 100:+.1f}).")


def _check_card(card: Mapping[str, object]) -> dict[str, str]:
    if not isinstance(card, Mapping):
        raise TypeError(f"card must be a mapping of field -> text, got {type(card).__name__}")
    out = {}
    for key, value in card.items():
        if key not in CARD_FIELDS:
            raise ValueError(f"model card: unknown field {key!r}; the fields are "
                             f"{', '.join(CARD_FIELDS)}")
        if value is not None and not isinstance(value, str | int | float):
            raise ValueError(f"model card: field {key!r} must be text, got "
                             f"{type(value).__name__}")
        out[str(key)] = "" if value is None else str(value)
    return out


def read_card(path: str | os.PathLike[str]) -> dict[str, str]:
    """Model-card fields from a YAML file of ``field: text`` (see :data:`CARD_FIELDS`)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: model card file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise ValueError(f"{path}: not a readable YAML file ({first})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected 'field: text' lines, got a {type(data).__name__}")
    try:
        return _check_card(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


# --------------------------------------------------------------------------
# Figures: SVG (sharp when printed) embedded as data URIs, each with alt text
# computed from the numbers it shows.


def _svg(fig: Figure) -> str:
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "labkit", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _calibration_figure(result: Audit) -> tuple[str, str]:
    from matplotlib.figure import Figure

    bins = result.calibration_bins
    o = result.overall
    fig = Figure(figsize=(6.2, 5.4), layout="constrained")
    ax, hist = fig.subplots(2, 1, height_ratios=[4, 1], sharex=True)
    counts, edges = result.histogram
    top = float(edges[-1])
    ax.plot([0, top], [0, top], color=GREY, linestyle="--", linewidth=1,
            label="perfect calibration")
    ax.errorbar(bins["mean_predicted"], bins["observed"],
                yerr=[bins["observed"] - bins["low"], bins["high"] - bins["observed"]],
                fmt="o", color=BLUE, capsize=3,
                label=f"tenths of predicted risk ({result.level:.0%} CI)")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_ylabel("observed rate of the outcome")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    direction = ("over-predicts" if o["oe"].high < 1 else "under-predicts" if o["oe"].low > 1
                 else "predicts about right")
    ax.set_title(f"The model {direction} on average: mean predicted "
                 f"{o['mean_predicted'].value:.1%}, observed {o['prevalence'].value:.1%}",
                 fontsize=10)
    hist.stairs(counts, edges, fill=True, color=GREY)
    hist.set_xlabel("predicted risk")
    hist.set_ylabel("patients")
    alt = (f"Calibration plot: observed rate against mean predicted risk in ten equal-sized "
           f"groups of patients ordered by predicted risk, from "
           f"{bins['mean_predicted'].iloc[0]:.1%} predicted ({bins['observed'].iloc[0]:.1%} "
           f"observed) to {bins['mean_predicted'].iloc[-1]:.1%} predicted "
           f"({bins['observed'].iloc[-1]:.1%} observed). Observed/expected "
           f"{o['oe'].text(2)}; calibration slope {o['slope'].text(2)}. A histogram below "
           "shows how many patients received each predicted risk.")
    return _svg(fig), alt


def _decision_figure(result: Audit) -> tuple[str, str]:
    from matplotlib.figure import Figure

    dc = result.decision
    fig = Figure(figsize=(6.2, 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(dc["threshold"], dc["model"], color=BLUE, linewidth=2, label="the model")
    ax.plot(dc["threshold"], dc["treat_all"], color=ORANGE, linestyle="--",
            label="treat everyone")
    ax.plot(dc["threshold"], dc["treat_none"], color=GREY, linestyle=":", label="treat no one")
    ax.axvline(result.threshold, color=VERMILLION, linewidth=1,
               label=f"your threshold ({result.threshold:.3g})")
    floor = min(-0.02, float(dc["model"].min()))
    ax.set_ylim(floor, max(0.01, float(dc[["model", "treat_all"]].max().max())) * 1.1)
    ax.set_xlabel("threshold probability (risk at which you would act)")
    ax.set_ylabel("net benefit (true positives per patient)")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    nb = result.overall["net_benefit"]
    better = nb.value > max(0.0, result.overall["treat_all"].value)
    ax.set_title(f"At {result.threshold:.3g} the model's net benefit is {nb.value:.4f}: "
                 f"{'above' if better else 'not above'} treating everyone or no one",
                 fontsize=10)
    useful = dc[(dc["model"] > dc["treat_all"]) & (dc["model"] > 0)]["threshold"]
    span = (f"the model beats both defaults from {useful.min():.2f} to {useful.max():.2f}"
            if len(useful) else "the model never beats both defaults")
    alt = (f"Decision curve: net benefit of the model, of treating everyone and of treating no "
           f"one at thresholds from {dc['threshold'].min():.2f} to {dc['threshold'].max():.2f}; "
           f"{span}. At the chosen threshold {result.threshold:.3g} the model's net benefit is "
           f"{nb.text(4)} and treating everyone's {result.overall['treat_all'].value:.4f}.")
    return _svg(fig), alt


GROUP_PANELS = (("tpr", "sensitivity (TPR)"), ("fpr", "false alarms (FPR)"),
                ("citl", "observed minus predicted"))


def _group_figure(result: Audit, key: str) -> tuple[str, str]:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    table = result.by_group[key]
    k = len(table)
    fig = Figure(figsize=(8.4, 1.6 + 0.32 * k), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    ypos = np.arange(k)[::-1]
    ref = result.reference[key]
    for ax, (col, name) in zip(axes, GROUP_PANELS, strict=True):
        values = table[col].to_numpy(dtype=float)
        # Rounding can put a bound a hair past its estimate; an error bar cannot be negative.
        low = np.maximum(values - table[col + "_low"].to_numpy(dtype=float), 0)
        high = np.maximum(table[col + "_high"].to_numpy(dtype=float) - values, 0)
        colours = [VERMILLION if w else BLUE for w in table["warning"]]
        for yy, v, lo, hi, c in zip(ypos, values, low, high, colours, strict=True):
            ax.errorbar([v], [yy], xerr=[[lo], [hi]], fmt="o", color=c, capsize=2,
                        markersize=4)
        if col == "citl":
            ax.axvline(0, color=GREY, linestyle="--", linewidth=1)
        else:
            ax.axvline(float(table.loc[ref, col]), color=GREY, linestyle="--", linewidth=1)
        ax.set_title(name, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(PercentFormatter(1))
    axes[0].set_yticks(ypos, [_short(label) for label in table.index], fontsize=8)
    fig.suptitle(f"{_short(key, 60)}: rates at threshold {result.threshold:.3g} with "
                 f"{result.level:.0%} CIs (dashed: reference {_short(ref)}; "
                 "vermilion: small group)", fontsize=9)
    parts = [f"{label}: sensitivity {_pct(r.tpr)}, false alarms {_pct(r.fpr)}, observed minus "
             f"predicted {r.citl * 100:+.1f} points" for label, r in table.iterrows()]
    alt = f"Rates by {key} with {result.level:.0%} confidence intervals. " + "; ".join(parts)
    return _svg(fig), alt + "."


def _short(text: str, width: int = 28) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _time_figure(result: Audit) -> tuple[str, str]:
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    t = result.over_time
    x = np.arange(len(t))
    fig = Figure(figsize=(7.2, 5.0), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    ax1.errorbar(x, t["auroc"], yerr=[t["auroc"] - t["auroc_low"], t["auroc_high"] - t["auroc"]],
                 fmt="o-", color=BLUE, capsize=2, markersize=4)
    ax1.set_ylabel("AUROC")
    ax1.grid(alpha=0.3)
    ax2.errorbar(x, t["observed"], yerr=[t["observed"] - t["observed_low"],
                                         t["observed_high"] - t["observed"]],
                 fmt="o-", color=BLUE, capsize=2, markersize=4, label="observed")
    ax2.plot(x, t["mean_predicted"], "s--", color=ORANGE, markersize=4, label="mean predicted")
    ax2.set_ylabel("rate of the outcome")
    ax2.yaxis.set_major_formatter(PercentFormatter(1))
    ax2.legend(fontsize=8, frameon=False)
    ax2.grid(alpha=0.3)
    step = max(1, len(t) // 12)
    ax2.set_xticks(x[::step], t["period"].iloc[::step], rotation=45, fontsize=8)
    first, last = t.iloc[0], t.iloc[-1]
    fig.suptitle(f"By {PERIODS[result.period][1]}: observed {first['observed']:.1%} in "
                 f"{first['period']} and {last['observed']:.1%} in {last['period']}, mean "
                 f"predicted {first['mean_predicted']:.1%} and {last['mean_predicted']:.1%}",
                 fontsize=10)
    alt = (f"Two panels by {PERIODS[result.period][1]} from {first['period']} to "
           f"{last['period']}: the AUROC with {result.level:.0%} CIs (from "
           f"{_num(first['auroc'])} to {_num(last['auroc'])}), and the observed rate of the "
           f"outcome against the mean predicted risk (observed {first['observed']:.1%} then "
           f"{last['observed']:.1%}; predicted {first['mean_predicted']:.1%} then "
           f"{last['mean_predicted']:.1%}).")
    return _svg(fig), alt


def _num(value: float, digits: int = 3) -> str:
    return "not estimable" if math.isnan(value) else f"{value:.{digits}f}"


def _explanation_figure(result: Audit) -> tuple[str, str]:
    from matplotlib.figure import Figure

    top = result.explanation.head(12)[::-1]
    fig = Figure(figsize=(6.2, 1.2 + 0.32 * len(top)), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(np.arange(len(top)), top.to_numpy(), color=BLUE)
    ax.set_yticks(np.arange(len(top)), [_short(i) for i in top.index], fontsize=8)
    ax.set_xlabel("mean |SHAP value| (model output units)")
    ax.set_title(f"{_short(result.explanation.index[0])} moves the score most", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    parts = [f"{name} {value:.3f}" for name, value in result.explanation.head(12).items()]
    alt = "Mean absolute SHAP value by recorded feature, largest first: " + ", ".join(parts)
    return _svg(fig), alt + "."


# --------------------------------------------------------------------------
# The HTML report

CSS = """
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:62rem;margin:2rem auto;
padding:0 1rem;line-height:1.5;color:#222;background:#fff}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1rem 0 2rem;font-size:.85rem;display:block;overflow-x:auto}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid #ccc;padding:.25rem .5rem;text-align:right;vertical-align:top}
td{white-space:nowrap}th:first-child,td:first-child{text-align:left}
.text td{white-space:normal;text-align:left}
.flag{color:#8a3b00}
figure{margin:1.5rem 0}img{max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#444}
.summary{font-size:1.05rem;border-left:4px solid #0072B2;padding-left:.8rem}
.warnings{border-left:4px solid #D55E00;padding-left:.8rem}
.note{font-size:.9rem;color:#444}
.todo{color:#8a3b00;font-style:italic}
@media print{body{max-width:none;margin:0;font-size:10pt}h2{break-after:avoid}
figure,.card{break-inside:avoid}table{display:table;overflow:visible;font-size:7pt}
td{white-space:normal}tr{break-inside:avoid}
a{color:inherit;text-decoration:none}}
"""

REFERENCES = (
    ("delong1988comparing", "DeLong ER, DeLong DM, Clarke-Pearson DL (1988). Comparing the areas "
     "under two or more correlated receiver operating characteristic curves: a nonparametric "
     "approach. Biometrics 44(3):837-845."),
    ("sun2014fast", "Sun X, Xu W (2014). Fast implementation of DeLong's algorithm for comparing "
     "the areas under correlated receiver operating characteristic curves. IEEE Signal "
     "Processing Letters 21(11):1389-1393."),
    ("boyd2013area", "Boyd K, Eng KH, Page CD (2013). Area under the precision-recall curve: "
     "point estimates and confidence intervals. ECML PKDD 2013, LNCS 8190:451-466."),
    ("vancalster2016calibration", "Van Calster B, Nieboer D, Vergouwe Y, et al. (2016). A "
     "calibration hierarchy for risk models was defined: from utopia to empirical data. J Clin "
     "Epidemiol 74:167-176."),
    ("debray2017guide", "Debray TPA, Damen JAAG, Snell KIE, et al. (2017). A guide to systematic "
     "review and meta-analysis of prediction model performance. BMJ 356:i6460."),
    ("brier1950verification", "Brier GW (1950). Verification of forecasts expressed in terms of "
     "probability. Monthly Weather Review 78(1):1-3."),
    ("vickers2006decision", "Vickers AJ, Elkin EB (2006). Decision curve analysis: a novel "
     "method for evaluating prediction models. Med Decis Making 26(6):565-574."),
    ("wilson1927probable", "Wilson EB (1927). Probable inference, the law of succession, and "
     "statistical inference. J Am Stat Assoc 22(158):209-212."),
    ("newcombe1998interval", "Newcombe RG (1998). Interval estimation for the difference "
     "between independent proportions: comparison of eleven methods. Stat Med 17(8):873-890."),
    ("collins2016sample", "Collins GS, Ogundimu EO, Altman DG (2016). Sample size "
     "considerations for the external validation of a multivariable prognostic model: a "
     "resampling study. Stat Med 35(2):214-226."),
    ("collins2024tripod", "Collins GS, Moons KGM, Dhiman P, et al. (2024). TRIPOD+AI statement: "
     "updated guidance for reporting clinical prediction models that use regression or machine "
     "learning methods. BMJ 385:e078378."),
)


def _e(value: object) -> str:
    return html.escape(str(value))


def _ci(value: float, low: float, high: float, percent: bool = True, digits: int = 1) -> str:
    return _e(Estimate(float(value), float(low), float(high)).text(digits, percent))


def _figure(uri: str, alt: str) -> str:
    return (f'<figure><img src="{uri}" alt="{_e(alt)}">'
            f"<figcaption>{_e(alt)}</figcaption></figure>")


def _group_section(result: Audit, key: str) -> str:
    table = result.by_group[key]
    pct = f"{result.level:.0%}"
    rows = []
    for label, r in table.iterrows():
        rows.append([_e(label), f"{int(r.n):,}", f"{int(r.events):,}",
                     _ci(r.prevalence, r.prevalence_low, r.prevalence_high),
                     *(_ci(r[k], r[k + "_low"], r[k + "_high"]) for k in RATES),
                     _ci(r.citl, r.citl_low, r.citl_high),
                     _ci(r.auroc, r.auroc_low, r.auroc_high, percent=False, digits=3),
                     f'<span class="flag">{_e(r.warning)}</span>'])
    head = ["group", "n", "events", "prevalence", *(RATES[k][0] for k in RATES),
            "observed minus predicted", "AUROC", "small-group warning"]
    out = [f"<h3>{_e(key)}</h3>", _figure(*_group_figure(result, key)),
           html_table(f"{key}: rates at threshold {result.threshold:.3g} ({pct} CIs; "
                      "Wilson for rates, DeLong for the AUROC)", head, rows)]
    dis = result.disparities[key]
    if not dis.empty:
        drows = [[_e(r.group), _e(r.rate), _e(_pct(r.group_value)), _e(_pct(r.reference_value)),
                  _e(f"{_points(r.difference)} ({_points(r.difference_low)} to "
                     f"{_points(r.difference_high)})"
                     if not math.isnan(r.difference_low) else "not estimable"),
                  _e("-" if math.isnan(r.ratio) else f"{r.ratio:.2f}"),
                  f'<span class="flag">{_e(r.warning)}</span>'] for r in dis.itertuples()]
        out.append(html_table(
            f"{key}: each group against the reference group {result.reference[key]} "
            f"(difference in percentage points, Newcombe {pct} CI; ratio)",
            ["group", "rate", "group", "reference", "difference (points)", "ratio",
             "small-group warning"], drows))
    return "\n".join(out)


def _points(share: float) -> str:
    """A difference of proportions in signed percentage points, never '-0.0'."""
    value = round(share * 100, 1)
    return f"{value + 0.0:+.1f}"


def _card_html(result: Audit) -> str:
    rows = []
    for key, (heading, item, prompt) in CARD_FIELDS.items():
        text = result.card.get(key, "").strip()
        cell = (_e(text).replace("\n", "<br>") if text else
                f'<span class="todo">{_e(PLACEHOLDER)}</span> {_e(prompt)}')
        rows.append([_e(heading), _e(item), cell])
    auto = _card_evidence(result)
    rows += [[_e(h), _e(i), _e(t)] for h, i, t in auto]
    missing = result.card_missing()
    status = (f"{len(missing)} of {len(CARD_FIELDS)} fields are still to be completed by the "
              "reviewer." if missing else "Every field has been completed.")
    return (f'<div class="card"><p class="note">{_e(status)} TRIPOD+AI item numbers refer to '
            "the checklist of Collins et al. (2024) [collins2024tripod]; the last rows are "
            "filled from this audit.</p>"
            + html_table("Model card (TRIPOD+AI-oriented)", ["field", "TRIPOD+AI", "entry"],
                         rows, "text") + "</div>")


def _card_evidence(result: Audit) -> list[tuple[str, str, str]]:
    """Model-card rows filled from the audit itself: (heading, TRIPOD+AI item, text)."""
    o = result.overall
    dates = (f", admitted {result.date_range[0]} to {result.date_range[1]}"
             if result.date_range else "")
    groups = ", ".join(result.by_group) or "none given"
    return [
        ("Evaluation data (from this audit)", "20a, 20b",
         f"{result.n:,} patients from {result.source}{dates}; {result.events:,} with the "
         f"outcome ({o['prevalence'].value:.1%}); {result.n_excluded:,} of {result.n_read:,} "
         "rows left out (see Warnings)."),
        ("Performance (from this audit)", "12e, 23a",
         f"AUROC {o['auroc'].text()}; AUPRC {o['auprc'].text()}; observed/expected "
         f"{o['oe'].text(2)}; calibration intercept {o['intercept'].text(2)}, slope "
         f"{o['slope'].text(2)}; Brier {o['brier'].text(4)}; net benefit at "
         f"{result.threshold:.3g} {o['net_benefit'].text(4)} ({result.level:.0%} CIs)."),
        ("Subgroups examined (from this audit)", "23a", f"{groups}. " + _largest_disparity(result)),
    ]


def _overall_rows(result: Audit) -> list[list[str]]:
    o = result.overall
    return [
        ["AUROC (c-statistic)", _e(o["auroc"].text()), "0.5 = chance; DeLong interval"],
        ["AUPRC (average precision)", _e(o["auprc"].text()),
         f"no-skill value = prevalence, {o['prevalence'].value:.3f}; logit interval"],
        ["observed/expected events", _e(o["oe"].text(2)), "1 = right on average; below 1: "
         "risks over-predicted"],
        ["calibration intercept (slope fixed at 1)", _e(o["intercept"].text(2)),
         "0 ideal; below 0: over-prediction"],
        ["calibration slope", _e(o["slope"].text(2)), "1 ideal; below 1: predictions too "
         "extreme"],
        ["Brier score", _e(o["brier"].text(4)),
         f"0 perfect; {o['brier_null'].value:.4f} for predicting the prevalence to everyone"],
    ]


def _threshold_rows(result: Audit) -> list[list[str]]:
    rows = []
    per_day = "flagged_per_day" in result.thresholds
    for r in result.thresholds.itertuples():
        mark = " (chosen)" if r.threshold == result.threshold else ""
        row = [_e(f"{r.threshold:.3g}{mark}"), f"{int(r.flagged):,}",
               _e(_pct(r.flagged / result.n)), _e(_pct(r.sensitivity)), _e(_pct(r.specificity)),
               _e(_pct(r.ppv)), _e(_pct(r.npv)), _e(_num(r.nne, 1))]
        if per_day:
            row.append(_e(f"{r.flagged_per_day:.1f}"))
        rows.append(row)
    return rows


def _html(result: Audit, title: str) -> str:
    pct = f"{result.level:.0%}"
    cal_uri, cal_alt = _calibration_figure(result)
    dc_uri, dc_alt = _decision_figure(result)
    warnings = "".join(f"<li>{_e(w)}</li>" for w in result.warnings)
    notes = "".join(f"<li>{_e(n)}</li>" for n in result.notes)
    cols = ", ".join(f"{role}: {_e(col)}" for role, col in result.columns.items())
    cohort = [["rows read", f"{result.n_read:,}"], ["rows left out", f"{result.n_excluded:,}"],
              ["patients audited", f"{result.n:,}"], ["with the outcome", f"{result.events:,}"],
              ["prevalence", _e(result.overall["prevalence"].text(1, percent=True))],
              ["mean predicted risk", _e(f"{result.overall['mean_predicted'].value:.1%}")]]
    if result.date_range:
        cohort.append(["dates", _e(f"{result.date_range[0]} to {result.date_range[1]}")])
    for key in result.groups:
        table = result.by_group[key]
        cohort.append([f"groups in {_e(key)}",
                       _e(", ".join(f"{g} {int(n):,}" for g, n in table["n"].items()))])
    head = ["threshold", "flagged", "share flagged", "sensitivity", "specificity", "PPV", "NPV",
            "number needed to evaluate"]
    if "flagged_per_day" in result.thresholds:
        head.append("flagged per day")
    threshold_note = ("" if result.threshold_given else
                      " No threshold was given, so the observed prevalence stands in for it.")
    groups = "".join(_group_section(result, key) for key in result.by_group)
    if not groups:
        groups = ('<p class="note">No group columns were given (--group): fairness cannot be '
                  "assessed without them.</p>")
    time_html = ('<p class="note">No date column was given (--time).</p>')
    if result.over_time is not None and len(result.over_time):
        t = result.over_time
        trows = [[_e(r.period), f"{int(r.n):,}", f"{int(r.events):,}",
                  _ci(r.observed, r.observed_low, r.observed_high), _e(_pct(r.mean_predicted)),
                  _ci(r.oe, r.oe_low, r.oe_high, percent=False, digits=2),
                  _ci(r.auroc, r.auroc_low, r.auroc_high, percent=False, digits=3),
                  f'<span class="flag">{_e(r.warning)}</span>'] for r in t.itertuples()]
        time_html = (_figure(*_time_figure(result)) + html_table(
            f"By {PERIODS[result.period][1]} ({pct} CIs; AUROC where at least {MIN_CLASS} "
            "patients with and without the outcome)",
            [PERIODS[result.period][1], "n", "events", "observed", "mean predicted",
             "observed/expected", "AUROC", "small-group warning"], trows))
    explain_html = ""
    if result.explanation is not None:
        erows = [[_e(k), _e(f"{v:.4f}")] for k, v in result.explanation.items()]
        explain_html = (f"<h2>What drives the score (SHAP)</h2>"
                        f'<p class="note">{_e(result.explanation_note)}</p>'
                        + _figure(*_explanation_figure(result))
                        + html_table("Mean absolute SHAP value by recorded feature",
                                     ["feature", "mean |SHAP|"], erows))
    refs = "".join(f"<li>[{_e(k)}] {_e(v)}</li>" for k, v in REFERENCES)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<h1>{_e(title)}</h1>
<p class="summary">{_e(result.summary())}</p>
<p class="note">Data: {_e(result.source)} ({cols}). Intervals are {pct} confidence intervals.
This report describes how the model performed on these patients; it does not show that acting
on the model helps them, and outcomes recorded after the model was in use may have been changed
by the actions it prompted.</p>

<h2>Warnings</h2>
{f'<ul class="warnings">{warnings}</ul>' if warnings else '<p>None.</p>'}
{f'<p class="note">How the file was read:</p><ul class="note">{notes}</ul>' if notes else ''}

<h2>Cohort</h2>
{html_table("The patients audited", ["", "value"], cohort)}

<h2>Discrimination and calibration</h2>
{html_table(f"Overall performance ({pct} CIs)", ["measure", "value", "reading"],
            _overall_rows(result), "text")}
{_figure(cal_uri, cal_alt)}

<h2>Clinical utility</h2>
<p class="note">Net benefit counts true positives per patient and charges each false positive
at the odds of the threshold: a threshold of 0.2 says one patient found is worth four
unnecessary interventions.{_e(threshold_note)}</p>
{_figure(dc_uri, dc_alt)}
{html_table("What each threshold means (patients at or above it are flagged)", head,
            _threshold_rows(result))}

<h2>Groups and fairness</h2>
<p class="note">Rates at threshold {result.threshold:.3g}. Each group is compared with its
reference group (the largest unless chosen). Groups with fewer than {MIN_N} patients or
{MIN_EVENTS} patients with the outcome are flagged: their estimates are imprecise
[collins2016sample]. A difference whose interval includes 0 is not evidence of equal
performance.</p>
{groups}

<h2>Performance over time</h2>
{time_html}
{explain_html}
<h2>Model card</h2>
{_card_html(result)}

<h2>Methods</h2>
<p class="note">AUROC with DeLong's interval [delong1988comparing; sun2014fast]; AUPRC as average
precision with the logit interval [boyd2013area]. Calibration: observed/expected events with
the interval exp(ln(O/E) &plusmn; z&radic;(1/O &minus; 1/n)) [debray2017guide]; intercept and
slope by logistic recalibration with Wald intervals, and the grouped calibration plot
[vancalster2016calibration]; Brier score [brier1950verification] with a normal interval. Net
benefit [vickers2006decision] with a normal interval of the mean of each patient's
contribution. By group: counts from fairlearn's MetricFrame; Wilson intervals for rates
[wilson1927probable]; observed minus predicted as the Wilson interval of the observed rate
less the mean predicted risk; differences from the reference group with Newcombe's hybrid score
interval [newcombe1998interval]. No interval is adjusted for the number of groups compared.
Model card fields follow TRIPOD+AI [collins2024tripod]. Computed by labkit
(python -m labkit audit).</p>
<ol class="note">{refs}</ol>
</main>
</body>
</html>
"""


def write_html(result: Audit, out: str | os.PathLike[str],
               title: str = "Audit of a prediction model on local patients") -> Path:
    """Write ``result`` as one self-contained HTML file; return its path.

    Figures are embedded SVG with alt text computed from their numbers; nothing
    is loaded from outside the file; every text from the input (file, column and
    group names, card entries) is escaped; the file appears only when complete.
    """
    if not isinstance(result, Audit):
        raise TypeError(f"result must be an Audit from audit(), got {type(result).__name__}")
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {type(title).__name__}")
    output_path(out)
    return write_atomic(_html(result, title), out)


def _md(text: object) -> str:
    """Text safe inside a Markdown table cell or paragraph: no raw HTML, no cell breaks."""
    return html.escape(str(text)).replace("|", "\\|").replace("\n", " ")


def markdown(result: Audit) -> str:
    """The model-card section as Markdown, rendered by ``skops.card``."""
    from skops.card import Card

    card = Card(None, template=None, model_diagram=False)
    for key, (heading, item, prompt) in CARD_FIELDS.items():
        text = result.card.get(key, "").strip()
        body = _md(text) if text else f"*{PLACEHOLDER}* {_md(prompt)}"
        card.add(**{f"Model card/{heading} (TRIPOD+AI {item})": body})
    for heading, item, text in _card_evidence(result):
        card.add(**{f"Model card/{heading} (TRIPOD+AI {item})": _md(text)})
    for key, table in result.by_group.items():
        shown = pd.DataFrame({
            "group": [_md(g) for g in table.index], "n": table["n"], "events": table["events"],
            **{RATES[k][0]: [_md(Estimate(v, lo, hi).text(1, True)) for v, lo, hi in zip(
                table[k], table[k + "_low"], table[k + "_high"], strict=True)] for k in RATES},
            "warning": [_md(w) for w in table["warning"]]})
        card.add_table(folded=False, **{f"Model card/Rates by {_md(key)} at threshold "
                                        f"{result.threshold:.3g}": shown})
    card.add(**{"Model card/Source": _md(
        f"Generated by labkit (python -m labkit audit) from {result.source}; "
        f"{result.level:.0%} confidence intervals.")})
    return card.render() + "\n"


def write_markdown(result: Audit, out: str | os.PathLike[str]) -> Path:
    """Write the model-card section (Markdown, through ``skops.card``); return its path."""
    if not isinstance(result, Audit):
        raise TypeError(f"result must be an Audit from audit(), got {type(result).__name__}")
    output_path(out, "model_card.md")
    return write_atomic(markdown(result), out)
