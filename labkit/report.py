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
model-card section through ``skops.card`` (both drawn by :mod:`labkit.render`).
:func:`audit_model` does the same for a fitted scikit-learn model and adds
SHAP global explanations (the capstone lab).

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

import dataclasses
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
from labkit.audit import MIN_EVENTS, MIN_N, _warning
from labkit.evaluate import _check_threshold, decision_curve, threshold_table, wilson_interval

if TYPE_CHECKING:
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
    "model": ("Model, version and developer", "-",
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
    table["warning"] = [_warning(n, e, MIN_N, MIN_EVENTS)
                        for n, e in zip(table["n"], table["events"], strict=True)]
    return table, mf


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
        low, high = wilson_interval(k, n, level=level)
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
        low, high = wilson_interval(e, n, level=level)
        rows.append({"period": label, "n": n, "events": e, "observed": e / n,
                     "observed_low": low, "observed_high": high,
                     "mean_predicted": float(pp.mean()), "oe": oe[0], "oe_low": oe[1],
                     "oe_high": oe[2], "auroc": auc[0], "auroc_low": auc[1],
                     "auroc_high": auc[2], "warning": _warning(n, e, MIN_N, MIN_EVENTS)})
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

    overall = {"prevalence": Estimate(prevalence, *wilson_interval(events, n, level=level))}
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
    predictions = dataclasses.replace(predictions, source=source)
    result = audit(predictions, **options)
    if explain:
        result.explanation, result.explanation_note = _shap_importance(
            model, X, explain_rows, random_state)
    return result


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
    """The largest difference from a reference group whose interval excludes 0, as a
    sentence; groups large enough to trust come first, and a small group is called so."""
    found = []
    for key, table in result.disparities.items():
        if table.empty:
            continue
        clear = table[(table["difference_low"] > 0) | (table["difference_high"] < 0)]
        found += [(row["warning"] != "", -abs(row["difference"]), key, row)
                  for _, row in clear.iterrows()]
    if not found:
        return ("No rate differed from its reference group by more than chance at the "
                f"{result.level:.0%} level.")
    small, _, key, row = min(found, key=lambda item: item[:2])
    word = "higher" if row["difference"] > 0 else "lower"
    caution = (f" This is a small group ({row['warning']}): a prompt to gather more data, "
               "not a verdict." if small else "")
    return (f"The largest clear difference: {row['rate']} in {key} = {row['group']} was "
            f"{abs(row['difference']) * 100:.1f} percentage points {word} than in "
            f"{result.reference[key]} ({row['group_value']:.1%} against "
            f"{row['reference_value']:.1%}; {result.level:.0%} CI of the difference "
            f"{row['difference_low'] * 100:+.1f} to {row['difference_high'] * 100:+.1f})."
            + caution)


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
# Writing the audit (drawn and rendered by labkit.render)


def write_html(result: Audit, out: str | os.PathLike[str],
               title: str = "Audit of a prediction model on local patients") -> Path:
    """Write ``result`` as one self-contained HTML file; return its path
    (:func:`labkit.render.write_html`)."""
    from labkit import render

    return render.write_html(result, out, title)


def write_markdown(result: Audit, out: str | os.PathLike[str]) -> Path:
    """Write the model-card section as Markdown (``skops.card``); return its path
    (:func:`labkit.render.write_markdown`)."""
    from labkit import render

    return render.write_markdown(result, out)


def markdown(result: Audit) -> str:
    """The model-card section as Markdown text (:func:`labkit.render.markdown`)."""
    from labkit import render

    return render.markdown(result)
