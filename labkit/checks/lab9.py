"""Checks for Lab 9 - Dataset shift and monitoring a deployed model.

Each check rebuilds what the exercise asks for from the shipped SYNTHETIC
admissions, through :mod:`labkit.checks.state`: the at-risk discharges of
2019-2024, Lab 1's logistic recipe fitted on the years before go-live (the
"stale" model), its logistic recalibration and its refit on the first year after
go-live, each judged on the second. The exercise's constants (the go-live year,
the update and evaluation years, the programme's capacity, the width of the
control limits) live here; a learner's own risks, flags or limits are compared
with the reference, never taken as the truth. Numbers that another solver moves
slightly (predicted risks, sums of them, counts at the capacity cut-off) are
judged within a stated tolerance; rounding to the printed digits is accepted.

>>> from labkit.checks import lab9
>>> lab9.input_drift(...).passed
✘ Exercise 9.2 - not yet: replace ... with your answer.
False
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labkit import cohorts, evaluate, models
from labkit.checks import (
    Feedback,
    as_number,
    decimals_of,
    feedback,
    frame_problem,
    input_names,
    unanswered,
)
from labkit.checks.state import lab_state

__all__ = ["temporal_validation", "input_drift", "model_updates", "control_chart",
           "programme_places", "GO_LIVE", "UPDATE_YEAR", "JUDGE_YEAR", "CAPACITY", "SIGMAS"]

GO_LIVE = 2023  # the model scores every discharge from 1 January 2023
UPDATE_YEAR, JUDGE_YEAR = 2023, 2024  # updates are fitted on 2023 and judged on 2024
CAPACITY = 0.20  # the programme calls the top fifth of discharges by predicted risk
SIGMAS = 3  # control limits: expected +/- 3 standard deviations
HF = "chf"  # heart failure
OUTCOME = "readmitted"  # readmitted_30d as 0/1, as the lab builds it
FEATURES = list(cohorts.FEATURES)
NUMERIC = list(cohorts.NUMERIC_FEATURES)
CATEGORICAL = list(cohorts.CATEGORICAL_FEATURES)
YEAR_COLUMNS = ("n", "auroc", "observed", "predicted", "oe")
UPDATE_ROWS = ("stale", "recalibrated", "refitted")
UPDATE_COLUMNS = ("auroc", "oe_all", "oe_heart_failure")
CHART_COLUMNS = ("n", "observed", "expected", "lower", "upper")
PLACE_COLUMNS = ("flagged", "hf_flagged", "readmitted_flagged", "missed_without_hf")
#: Another solver (or no scaling) moves a predicted probability by well under 0.01.
RISK_TOL = 0.01
#: ... a year's mean risk by under 0.002, an AUROC by under 0.003, an O/E ratio by under
#: 0.01 and a quarter's sum of risks (or its limits) by under 0.3 of a readmission.
MEAN_TOL, AUROC_TOL, OE_TOL, SUM_TOL = 0.002, 0.003, 0.01, 0.3
#: Standardized mean differences: variances with n or n - 1 differ by under 0.001.
SMD_TOL = 0.001


@dataclass(frozen=True)
class _Reference:
    at_risk: pd.DataFrame  # at-risk discharges in file order, with OUTCOME and the stale risk
    stale: Any  # the go-live model
    p_recal: np.ndarray  # recalibrated risk of each JUDGE_YEAR discharge
    p_refit: np.ndarray  # refitted risk of each JUDGE_YEAR discharge

    @property
    def before(self) -> pd.DataFrame:
        return self.at_risk[self.at_risk["admit_year"] < GO_LIVE]

    @property
    def live(self) -> pd.DataFrame:
        return self.at_risk[self.at_risk["admit_year"] >= GO_LIVE]

    def year(self, year: int) -> pd.DataFrame:
        return self.at_risk[self.at_risk["admit_year"] == year]


def _logit(p: object) -> np.ndarray:
    """The log-odds of ``p`` as one column, as Exercise 9.3 builds logit_2023."""
    return evaluate._logit(np.asarray(p, dtype=float)).reshape(-1, 1)


def _fit(rows: pd.DataFrame) -> Any:
    """Lab 1's recipe (labkit.models.pipeline, logistic), fitted on ``rows``."""
    return models.pipeline(NUMERIC, CATEGORICAL).fit(rows[FEATURES], rows[OUTCOME])


def _recalibrate(fit_logit: np.ndarray, y: object, apply_logit: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=np.inf).fit(fit_logit, np.asarray(y)).predict_proba(
        apply_logit)[:, 1]


def _reference() -> _Reference:
    state = lab_state()

    def build() -> _Reference:
        cohort = state.cohort
        at_risk = cohort[cohort[cohorts.TARGET].notna()].copy()
        at_risk[OUTCOME] = at_risk[cohorts.TARGET].astype(int)
        stale = _fit(at_risk[at_risk["admit_year"] < GO_LIVE])
        at_risk["risk"] = stale.predict_proba(at_risk[FEATURES])[:, 1]
        update = at_risk[at_risk["admit_year"] == UPDATE_YEAR]
        judge = at_risk[at_risk["admit_year"] == JUDGE_YEAR]
        p_recal = _recalibrate(_logit(update["risk"]), update[OUTCOME], _logit(judge["risk"]))
        p_refit = _fit(update).predict_proba(judge[FEATURES])[:, 1]
        return _Reference(at_risk, stale, p_recal, p_refit)

    return state.memo("lab9.reference", build)


def _memo(key: str, compute: Callable[[], Any]) -> Any:
    return lab_state().memo(f"lab9.{key}", compute)


# Shared judging helpers -----------------------------------------------------------

def _slack(values: object, tol: float, min_decimals: int) -> float:
    """The tolerance for ``values``: ``tol``, widened to half a unit of the last digit
    shown when the values were rounded to at least ``min_decimals`` places."""
    places = decimals_of(np.asarray(values, dtype=float).ravel())
    if places is not None and min_decimals <= places < 15:
        return max(tol, 0.5 * 10.0**-places + 1e-12)
    return tol


def _close(got: object, want: object, tol: float, min_decimals: int = 3) -> bool:
    """True if the numbers ``got`` equal ``want`` element by element within ``tol`` (or
    ``want`` rounded to the digits shown)."""
    try:
        a = np.asarray(got, dtype=float).ravel()
    except (TypeError, ValueError):
        return False
    b = np.asarray(want, dtype=float).ravel()
    if a.shape != b.shape or not np.isfinite(a).all():
        return False
    return bool(np.all(np.abs(a - b) <= _slack(a, tol, min_decimals)))


def _coarse(got: object, want: object, tol: float) -> bool:
    """True if ``got`` is ``want`` rounded to fewer places than a check can judge."""
    return _close(got, want, tol, min_decimals=0) and not _close(got, want, tol)


def _column(frame: pd.DataFrame, name: str) -> pd.Series | None:
    """A numeric column, or None when it does not hold numbers."""
    column = frame[name]
    if isinstance(column, pd.DataFrame):
        return None
    try:
        return column.astype(float)
    except (TypeError, ValueError):
        return None


def _auroc(y: object, p: object) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(np.asarray(y), np.asarray(p)))


def _performance(frame: pd.DataFrame, risk: str = "risk") -> pd.DataFrame:
    """Exercise 9.1's table, the reference way: one row per year."""
    rows = {}
    for year, g in frame.groupby("admit_year"):
        y, p = g[OUTCOME].to_numpy(), g[risk].to_numpy()
        rows[int(year)] = {"n": len(g), "auroc": _auroc(y, p), "observed": y.mean(),
                           "predicted": p.mean(), "oe": y.sum() / p.sum()}
    return pd.DataFrame.from_dict(rows, orient="index")


def _model_problem(model: object, ref: _Reference) -> str | None:
    """Why ``model`` is not the go-live model (fitted as Exercise 9.1 asks), or None."""
    names = input_names(model, kind="pipeline", fit_on="before[FEATURES]")
    if isinstance(names, str):
        return names
    leaky = [n for n in names if n in (OUTCOME, cohorts.TARGET)]
    if leaky:
        return f"the outcome ({leaky[0]}) is among the model's inputs: fit on before[FEATURES]."
    if set(names) != set(FEATURES):
        lacking, extra = sorted(set(FEATURES) - set(names)), sorted(set(names) - set(FEATURES))
        return (f"the model's inputs should be exactly FEATURES; missing {lacking[:4]}, "
                f"extra {extra[:4]}.")
    last = model.steps[-1][1] if hasattr(model, "steps") else model
    if type(last).__name__ != "LogisticRegression":
        return (f"the model ends in {type(last).__name__}; use Lab 1's logistic recipe, "
                "models.pipeline(NUMERIC, CATEGORICAL).")
    try:
        mine = np.asarray(model.predict_proba(ref.at_risk[names]))[:, 1]
    except Exception as error:  # noqa: BLE001 - any failure is the learner's model
        return f"model.predict_proba failed on at_risk[FEATURES]: {error}"
    if np.abs(mine - ref.at_risk["risk"].to_numpy()).max() <= RISK_TOL:
        return None
    at_risk = ref.at_risk
    others = [
        ("every", lambda: _fit(at_risk), "the model was fitted on every year; the go-live model "
         "knew only the years before go-live: fit it on before (admit_year < GO_LIVE)."),
        ("live", lambda: _fit(ref.live), "the model was fitted on the years after go-live; fit "
         "it on before (2019-2022)."),
        ("to2021", lambda: _fit(at_risk[at_risk["admit_year"] < GO_LIVE - 1]),
         "the model was fitted on 2019-2021; before means every year before GO_LIVE, "
         "2019-2022."),
    ]
    for key, build, hint in others:
        other = _memo(f"alt.{key}", build)
        if np.abs(mine - other.predict_proba(at_risk[FEATURES])[:, 1]).max() <= RISK_TOL:
            return hint
    return ("the model's predictions differ from Lab 1's recipe fitted on before[FEATURES] "
            "and before['readmitted'].")


# Exercise 9.1 -------------------------------------------------------------------

def _scored_problem(scored: object, ref: _Reference) -> str | None:
    problem = frame_problem(scored, "scored", columns=["admission_id", "admit_year", HF,
                                                       OUTCOME, "risk"])
    if problem:
        return problem
    assert isinstance(scored, pd.DataFrame)
    ids = scored["admission_id"]
    if ids.duplicated().any():
        return (f"scored holds {int(ids.duplicated().sum())} discharges more than once; "
                "add the column to at_risk (one row per at-risk discharge).")
    have, want = set(ids), set(ref.at_risk["admission_id"])
    if have - want:
        return (f"scored holds {len(have - want)} admissions with no recorded outcome (death "
                "or hospice); start from at_risk, as the lab builds it.")
    if have == set(ref.before["admission_id"]):
        return ("scored holds only the years before go-live; score every at-risk discharge "
                "of every year, the training years included.")
    if have == set(ref.live["admission_id"]):
        return ("scored holds only the years after go-live; score every year, so the "
                "training years give a baseline.")
    if have != want:
        return (f"scored should hold all {len(want):,} at-risk discharges; it lacks "
                f"{len(want - have):,}.")
    risk = _column(scored, "risk")
    if risk is None:
        return "scored['risk'] should hold numbers: predicted probabilities."
    got = pd.Series(risk.to_numpy(), index=ids.to_numpy()).reindex(
        ref.at_risk["admission_id"]).to_numpy()
    want_risk = ref.at_risk["risk"].to_numpy()
    if np.abs(got - want_risk).max() <= RISK_TOL:
        return None
    if np.isin(got, (0.0, 1.0)).all():
        return ("scored['risk'] holds 0/1 labels; use the predicted probability, "
                "model.predict_proba(at_risk[FEATURES])[:, 1].")
    if np.abs(got - (1 - want_risk)).max() <= RISK_TOL:
        return ("scored['risk'] is the probability of NOT being readmitted; use column 1 of "
                "predict_proba.")
    return ("scored['risk'] does not belong to the discharge on its row: assign "
            "model.predict_proba(at_risk[FEATURES])[:, 1] to at_risk, in at_risk's order.")


def _year_index(table: pd.DataFrame) -> list[int] | None:
    years = []
    for label in table.index:
        number = as_number(label)
        if number is None:
            try:
                number = float(str(label))
            except ValueError:
                return None
        if number != int(number):
            return None
        years.append(int(number))
    return years


def _year_table_problem(table: object, name: str, want: pd.DataFrame,
                        subset: Callable[[pd.DataFrame], pd.DataFrame], ref: _Reference,
                        others: list[tuple[pd.DataFrame, str]]) -> str | None:
    problem = frame_problem(table, name, columns=list(YEAR_COLUMNS))
    if problem:
        return problem
    assert isinstance(table, pd.DataFrame)
    years = _year_index(table)
    if years is None or len(set(years)) != len(years):
        return f"{name} should have one row per year, indexed by admit_year."
    wanted = [int(y) for y in want.index]
    if set(years) == {y for y in wanted if y >= GO_LIVE}:
        return (f"{name} holds only the years after go-live; include every year from "
                f"{wanted[0]}: the training years are the baseline to compare with.")
    if set(years) != set(wanted):
        return f"{name} should have one row per year, {wanted[0]}-{wanted[-1]}; got {years}."
    got = table.set_axis(years).loc[wanted]
    columns = {c: _column(got, c) for c in YEAR_COLUMNS}
    bad = [c for c, v in columns.items() if v is None]
    if bad:
        return f"{name}['{bad[0]}'] should hold numbers."
    n = columns["n"]
    if not _close(n, want["n"], 0.5, min_decimals=0):
        for other, hint in others:
            if _close(n, other["n"], 0.5, min_decimals=0):
                return f"{name}: {hint}"
        every = lab_state().cohort
        rows = subset(every)
        if _close(n, rows.groupby("admit_year").size().loc[wanted], 0.5, min_decimals=0):
            return (f"{name}: n counts every admission; count only the at-risk discharges "
                    "(readmitted_30d recorded), the rows of scored.")
        return f"{name}: n should be the number of at-risk discharges in each year."
    observed, predicted = columns["observed"], columns["predicted"]
    if _close(observed, want["predicted"], MEAN_TOL) and _close(predicted, want["observed"],
                                                                 MEAN_TOL):
        return f"{name}: observed and predicted are swapped."
    if _close(observed, 100 * want["observed"], 0.05):
        return f"{name}: observed looks like percentages; give proportions between 0 and 1."
    if not _close(observed, want["observed"], 1e-9):
        if _coarse(observed, want["observed"], 1e-9):
            return f"{name}: observed is rounded too coarsely to check; keep 3 decimals."
        return f"{name}: observed should be the share readmitted in each year."
    if not _close(predicted, want["predicted"], MEAN_TOL):
        if _coarse(predicted, want["predicted"], MEAN_TOL):
            return f"{name}: predicted is rounded too coarsely to check; keep 3 decimals."
        return f"{name}: predicted should be the mean of scored['risk'] in each year."
    auroc = columns["auroc"]
    if not _close(auroc, want["auroc"], AUROC_TOL):
        rows = subset(ref.at_risk)
        labels = _performance(rows.assign(label=(rows["risk"] >= 0.5).astype(float)), "label")
        if _close(auroc, labels["auroc"], AUROC_TOL):
            return (f"{name}: auroc was computed from 0/1 labels (predict); use the "
                    "probabilities, scored['risk'].")
        if _coarse(auroc, want["auroc"], AUROC_TOL):
            return f"{name}: auroc is rounded too coarsely to check; keep 3 decimals."
        return f"{name}: auroc should be roc_auc_score(readmitted, risk) within each year."
    oe = columns["oe"]
    if not _close(oe, want["oe"], OE_TOL, min_decimals=2):
        if _close(oe, 1 / want["oe"], OE_TOL, min_decimals=2):
            return (f"{name}: oe is upside down; it is observed divided by predicted, so below "
                    "1 means the model over-predicts.")
        if _close(oe, want["observed"] - want["predicted"], OE_TOL):
            return f"{name}: oe is a ratio, observed / predicted, not their difference."
        return f"{name}: oe should be observed / predicted in each year."
    return None


def temporal_validation(model: object, scored: object, by_year: object,
                        by_year_hf: object) -> Feedback:
    """Exercise 9.1: the go-live model (Lab 1's recipe fitted on 2019-2022), every at-risk
    discharge scored, and a table per year of n, AUROC, observed, predicted and O/E, for
    all discharges and for patients with heart failure."""
    if unanswered(model, scored, by_year, by_year_hf):
        return feedback("9.1", False, "replace each ... with your answer.")
    ref = _reference()
    problem = _model_problem(model, ref) or _scored_problem(scored, ref)
    if problem:
        return feedback("9.1", False, problem)
    every, hf = _performance(ref.at_risk), _performance(ref.at_risk[ref.at_risk[HF] == 1])
    no_hf = _performance(ref.at_risk[ref.at_risk[HF] == 0])
    problem = _year_table_problem(
        by_year, "by_year", every, lambda f: f, ref,
        [(hf, "those are the patients with heart failure; by_year is for all discharges.")])
    if problem:
        return feedback("9.1", False, problem)
    problem = _year_table_problem(
        by_year_hf, "by_year_hf", hf, lambda f: f[f[HF] == 1], ref,
        [(every, "that is every discharge; keep the patients with heart failure, "
                 "scored[scored['chf'] == 1]."),
         (no_hf, "those are the patients WITHOUT heart failure; keep chf == 1.")])
    if problem:
        return feedback("9.1", False, problem)
    last = GO_LIVE - 1
    return feedback("9.1", True, f"O/E ratio for all discharges {every.loc[last, 'oe']:.2f} in "
                    f"{last}, {every.loc[GO_LIVE, 'oe']:.2f} in {GO_LIVE}; for heart failure "
                    f"{hf.loc[last, 'oe']:.2f}, then {hf.loc[GO_LIVE, 'oe']:.2f}.")


# Exercise 9.2 -------------------------------------------------------------------

def _smd(after: pd.DataFrame, before: pd.DataFrame, how: str = "pooled") -> pd.Series:
    diff = after[NUMERIC].mean() - before[NUMERIC].mean()
    if how == "raw":
        return diff
    if how == "before":
        return diff / before[NUMERIC].std()
    return diff / np.sqrt((after[NUMERIC].var() + before[NUMERIC].var()) / 2)


def _series(value: object) -> pd.Series | None:
    if isinstance(value, pd.Series):
        return value
    if isinstance(value, pd.DataFrame) and value.shape[1] == 1:
        return value.iloc[:, 0]
    return None


def input_drift(smd: object) -> Feedback:
    """Exercise 9.2: the standardized mean difference of every numeric input between the
    at-risk discharges from go-live on and those before (pooled standard deviation)."""
    if unanswered(smd):
        return feedback("9.2", False, "replace ... with your answer.")
    series = _series(smd)
    if series is None:
        return feedback("9.2", False, f"smd should be a pandas Series indexed by input name, "
                        f"got {type(smd).__name__}.")
    names = [str(i) for i in series.index]
    lacking, extra = sorted(set(NUMERIC) - set(names)), sorted(set(names) - set(NUMERIC))
    if extra:
        return feedback("9.2", False, f"smd holds {extra[:4]}, which are not numeric model "
                        "inputs; compute it for the columns in NUMERIC.")
    if lacking:
        return feedback("9.2", False, f"smd lacks {lacking[:4]}: compute it for every column "
                        "in NUMERIC.")
    if len(names) != len(set(names)):
        return feedback("9.2", False, "smd holds an input more than once.")
    values = pd.Series(series.to_numpy(), index=names)
    if _column(values.to_frame("v"), "v") is None:
        return feedback("9.2", False, "smd should hold numbers.")
    got = values.astype(float).loc[NUMERIC]
    ref = _reference()
    before, live = ref.before, ref.live
    want = _smd(live, before)
    if _close(got, want, SMD_TOL):
        top = want.abs().idxmax()
        return feedback("9.2", True, f"{top} moved most (SMD {want[top]:+.3f}); heart failure "
                        f"barely moved as an input (SMD {want[HF]:+.3f}).")
    if _coarse(got, want, SMD_TOL):
        return feedback("9.2", False, "smd is rounded too coarsely to check; keep 3 decimals.")
    cohort = lab_state().cohort
    slips = [
        (-want, "the sign is reversed: take the mean in live minus the mean in before, so a "
         "positive SMD means the input rose after go-live."),
        (want.abs(), "keep the sign (do not take abs): it says which way each input moved."),
        (_smd(live, before, "raw"), "that is the raw difference in means; divide it by the "
         "pooled standard deviation, sqrt((var_live + var_before) / 2)."),
        (_smd(live, before, "before"), "that divides by the standard deviation before go-live "
         "only; pool the two periods: sqrt((var_live + var_before) / 2)."),
        (_smd(cohort[cohort["admit_year"] >= GO_LIVE], cohort[cohort["admit_year"] < GO_LIVE]),
         "that uses every admission; compare the at-risk discharges (at_risk), the patients "
         "the model scores."),
        (_smd(ref.year(JUDGE_YEAR), before), f"live is every at-risk discharge from {GO_LIVE} "
         f"on, not {JUDGE_YEAR} alone."),
        (_smd(ref.year(UPDATE_YEAR), before), f"live is every at-risk discharge from {GO_LIVE} "
         f"on, not {UPDATE_YEAR} alone."),
    ]
    for candidate, hint in slips:
        if _close(got, candidate, SMD_TOL):
            return feedback("9.2", False, hint)
    return feedback("9.2", False, "smd should be (mean in live - mean in before) / sqrt((var "
                    "in live + var in before) / 2) for each column in NUMERIC.")


# Exercise 9.3 -------------------------------------------------------------------

def _probabilities(value: object, name: str, ref: _Reference) -> np.ndarray | str:
    n_judge, n_update = len(ref.year(JUDGE_YEAR)), len(ref.year(UPDATE_YEAR))
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return (f"{name} should be an array of predicted probabilities, got "
                f"{type(value).__name__}.")
    if array.ndim == 2 and array.shape[1] == 2:
        return f"{name} holds both columns of predict_proba; keep column 1, [:, 1]."
    array = array.ravel()
    if len(array) == n_update and n_update != n_judge:
        return (f"{name} has one value per {UPDATE_YEAR} discharge; the update is fitted on "
                f"{UPDATE_YEAR} and judged on the {n_judge:,} discharges of {JUDGE_YEAR}.")
    if len(array) != n_judge:
        return (f"{name} should hold one probability per {JUDGE_YEAR} discharge "
                f"({n_judge:,}), got {len(array):,}.")
    if not np.isfinite(array).all():
        return f"{name} holds missing or infinite values."
    if np.isin(array, (0.0, 1.0)).all():
        return f"{name} holds 0/1 labels; use predict_proba(...)[:, 1], not predict."
    return array


def _near(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.abs(a - b).max() <= RISK_TOL)


def _recal_problem(p: np.ndarray, ref: _Reference) -> str | None:
    if _near(p, ref.p_recal):
        return None
    update, judge = ref.year(UPDATE_YEAR), ref.year(JUDGE_YEAR)
    stale = judge["risk"].to_numpy()
    slips = [
        (lambda: stale, "p_recal is the stale model's risk unchanged; apply the recalibrator "
         "to logit_2024."),
        (lambda: 1 - ref.p_recal, "p_recal is the probability of NOT being readmitted; use "
         "column 1 of predict_proba."),
        (lambda: _recalibrate(_logit(judge["risk"]), judge[OUTCOME], _logit(judge["risk"])),
         f"the recalibrator was fitted on {JUDGE_YEAR}, the year it is judged on; fit it on "
         f"{UPDATE_YEAR} (logit_2023)."),
        (lambda: _recalibrate(update[["risk"]].to_numpy(), update[OUTCOME],
                              judge[["risk"]].to_numpy()),
         "the recalibrator was fitted on probabilities; logistic recalibration fits on the "
         "log-odds, logit_2023 and logit_2024."),
    ]
    for candidate, hint in slips:
        if _near(p, candidate()):
            return hint
    return ("p_recal should be LogisticRegression(C=np.inf) fitted on logit_2023 and the 2023 "
            "outcomes, applied to logit_2024.")


def _refit_problem(p: np.ndarray, ref: _Reference) -> str | None:
    if _near(p, ref.p_refit):
        return None
    at_risk, judge = ref.at_risk, ref.year(JUDGE_YEAR)
    slips = [
        ("stale", lambda: judge["risk"].to_numpy(), "p_refit is the stale model's risk; fit a "
         f"fresh pipeline on the {UPDATE_YEAR} discharges."),
        ("recal", lambda: ref.p_recal, "p_refit is the recalibrated risk; refit the whole "
         f"pipeline on the {UPDATE_YEAR} discharges."),
        ("upto", lambda: _fit(at_risk[at_risk["admit_year"] <= UPDATE_YEAR]),
         f"the model was refitted on 2019-{UPDATE_YEAR}; refit it on {UPDATE_YEAR} alone. "
         "(With the older years in, it mostly re-learns the world before the programme.)"),
        ("judge", lambda: _fit(judge), f"the model was refitted on {JUDGE_YEAR}, the year it is "
         f"judged on; refit it on {UPDATE_YEAR}."),
    ]
    for key, build, hint in slips:
        candidate = _memo(f"refit.{key}", build)
        if hasattr(candidate, "predict_proba"):
            candidate = _memo(f"refit.{key}.p", lambda c=candidate: c.predict_proba(
                judge[FEATURES])[:, 1])
        if _near(p, np.asarray(candidate)):
            return hint
    return (f"p_refit should come from models.pipeline(NUMERIC, CATEGORICAL) fitted on the "
            f"{UPDATE_YEAR} discharges, applied to y2024[FEATURES].")


def _update_table(versions: dict[str, np.ndarray], y: np.ndarray, hf: np.ndarray
                  ) -> pd.DataFrame:
    return pd.DataFrame({name: {"auroc": _auroc(y, p), "oe_all": y.sum() / p.sum(),
                                "oe_heart_failure": y[hf].sum() / p[hf].sum()}
                         for name, p in versions.items()}).T


def model_updates(p_recal: object, p_refit: object, updates: object) -> Feedback:
    """Exercise 9.3: logistic recalibration and a refit, both fitted on 2023, and a table of
    AUROC and O/E (all, heart failure) on 2024 for the stale, recalibrated and refitted
    versions."""
    if unanswered(p_recal, p_refit, updates):
        return feedback("9.3", False, "replace each ... with your answer.")
    ref = _reference()
    recal = _probabilities(p_recal, "p_recal", ref)
    if isinstance(recal, str):
        return feedback("9.3", False, recal)
    problem = _recal_problem(recal, ref)
    if problem:
        return feedback("9.3", False, problem)
    refit = _probabilities(p_refit, "p_refit", ref)
    if isinstance(refit, str):
        return feedback("9.3", False, refit)
    problem = _refit_problem(refit, ref)
    if problem:
        return feedback("9.3", False, problem)
    problem = frame_problem(updates, "updates", columns=list(UPDATE_COLUMNS))
    if problem:
        return feedback("9.3", False, problem)
    assert isinstance(updates, pd.DataFrame)
    if sorted(str(i) for i in updates.index) != sorted(UPDATE_ROWS):
        return feedback("9.3", False, f"updates should have the rows {list(UPDATE_ROWS)} "
                        f"(one per version); got {[str(i) for i in updates.index]}.")
    judge = ref.year(JUDGE_YEAR)
    y, hf = judge[OUTCOME].to_numpy(), (judge[HF] == 1).to_numpy()
    versions = {"stale": judge["risk"].to_numpy(), "recalibrated": ref.p_recal,
                "refitted": ref.p_refit}
    want = _update_table(versions, y, hf)
    got = updates.set_axis([str(i) for i in updates.index]).loc[list(UPDATE_ROWS)]
    tols = {"auroc": AUROC_TOL, "oe_all": OE_TOL, "oe_heart_failure": OE_TOL}
    for column, tol in tols.items():
        values = _column(got, column)
        if values is None:
            return feedback("9.3", False, f"updates['{column}'] should hold numbers.")
        if _close(values, want[column], tol, min_decimals=2):
            continue
        if column.startswith("oe") and _close(values, 1 / want[column], tol, min_decimals=2):
            return feedback("9.3", False, f"updates['{column}'] is upside down: observed / "
                            "predicted (the sum of the outcomes over the sum of the risks).")
        if column == "oe_heart_failure":
            others = _update_table(versions, y, ~hf)["oe_heart_failure"]
            if _close(values, others, tol, min_decimals=2):
                return feedback("9.3", False, "oe_heart_failure was computed for the patients "
                                "WITHOUT heart failure; use hf_2024.")
            if _close(values, want["oe_all"], tol, min_decimals=2):
                return feedback("9.3", False, "oe_heart_failure repeats oe_all; restrict both "
                                "sums to the patients with heart failure (hf_2024).")
        return feedback("9.3", False, f"updates['{column}'] does not match the three versions "
                        f"judged on the {JUDGE_YEAR} discharges.")
    hf_oe = want["oe_heart_failure"]
    return feedback("9.3", True, f"heart failure O/E: stale {hf_oe['stale']:.2f}, recalibrated "
                    f"{hf_oe['recalibrated']:.2f}, refitted {hf_oe['refitted']:.2f}; overall "
                    f"O/E after recalibration {want.loc['recalibrated', 'oe_all']:.2f}.")


# Exercise 9.4 -------------------------------------------------------------------

QUARTER = re.compile(r"\(?\s*(\d{4})\s*[-/, ]?\s*Q?\s*([1-4])\s*\)?", re.I)


def _quarter(label: object) -> tuple[int, int] | None:
    if isinstance(label, tuple) and len(label) == 2:
        year, quarter = as_number(label[0]), as_number(label[1])
        if year is not None and quarter is not None:
            return int(year), int(quarter)
        return None
    match = QUARTER.fullmatch(str(label))
    return (int(match.group(1)), int(match.group(2))) if match else None


def _chart(frame: pd.DataFrame, sigmas: float = SIGMAS, how: str = "binomial") -> pd.DataFrame:
    """Exercise 9.4's chart, the reference way (and its slips)."""
    keys = [frame["admit_year"].to_numpy(), frame["admit_quarter"].to_numpy()]
    risk = frame["risk"]
    grouped = pd.DataFrame({"n": 1, "observed": frame[OUTCOME], "expected": risk,
                            "variance": risk * (1 - risk)}).groupby(keys).sum()
    centre = grouped["expected"]
    sd = np.sqrt(grouped["variance"])
    if how == "poisson":
        sd = np.sqrt(grouped["expected"])
    elif how == "variance":
        sd = grouped["variance"]
    elif how == "observed":
        centre = grouped["observed"]
    grouped["lower"], grouped["upper"] = centre - sigmas * sd, centre + sigmas * sd
    return grouped.drop(columns="variance")


def _chart_problem(chart: object, name: str, want: pd.DataFrame, frame: pd.DataFrame,
                   other: tuple[pd.DataFrame, str]) -> str | None:
    problem = frame_problem(chart, name, columns=list(CHART_COLUMNS))
    if problem:
        return problem
    assert isinstance(chart, pd.DataFrame)
    keys = [_quarter(label) for label in chart.index]
    if None in keys:
        return (f"{name} should have one row per quarter, indexed by (admit_year, "
                "admit_quarter): group by ['admit_year', 'admit_quarter'].")
    wanted = list(want.index)
    if any(k[0] < GO_LIVE for k in keys):  # type: ignore[index]
        return (f"{name} starts before go-live; chart the live discharges only (from "
                f"{GO_LIVE} Q1): the earlier quarters are the model's training data.")
    if sorted(keys) != sorted(wanted) or len(set(keys)) != len(keys):  # type: ignore[arg-type]
        return f"{name} should have one row per quarter from {GO_LIVE} Q1 to the last quarter."
    if keys != sorted(keys):  # type: ignore[type-var]
        return f"{name}'s quarters are out of order; sort them by year and quarter."
    got = chart.set_axis(pd.MultiIndex.from_tuples(keys))
    columns = {c: _column(got, c) for c in CHART_COLUMNS}
    bad = [c for c, v in columns.items() if v is None]
    if bad:
        return f"{name}['{bad[0]}'] should hold numbers."
    if not _close(columns["n"], want["n"], 0.5, min_decimals=0):
        if _close(columns["n"], other[0]["n"], 0.5, min_decimals=0):
            return f"{name}: {other[1]}"
        return f"{name}: n should be the number of live discharges in each quarter."
    observed = columns["observed"]
    if not _close(observed, want["observed"], 0.5, min_decimals=0):
        if _close(observed, want["observed"] / want["n"], 1e-6):
            return (f"{name}: observed is a rate; chart the NUMBER readmitted (a count), as "
                    "expected is a number of readmissions.")
        return f"{name}: observed should be the number readmitted in each quarter."
    expected = columns["expected"]
    if not _close(expected, want["expected"], SUM_TOL, min_decimals=1):
        if _close(expected, want["expected"] / want["n"], 1e-3):
            return (f"{name}: expected is the mean risk; the expected NUMBER of readmissions "
                    "is the sum of the risks.")
        return f"{name}: expected should be the sum of risk in each quarter."
    for side in ("lower", "upper"):
        if _close(columns[side], want[side], SUM_TOL, min_decimals=1):
            continue
        slips = [
            (_chart(frame, sigmas=2), f"the limits are at 2 standard deviations; use SIGMAS "
             f"({SIGMAS})."),
            (_chart(frame, how="poisson"), "the limits use sqrt(expected) (a Poisson count); "
             "use the binomial variance, the sum of risk * (1 - risk)."),
            (_chart(frame, how="variance"), "take the square root of the summed variance "
             "before multiplying by SIGMAS."),
            (_chart(frame, how="observed"), "the limits are centred on observed; centre them on "
             "expected, the count the model predicts."),
        ]
        for candidate, hint in slips:
            if _close(columns[side], candidate[side], SUM_TOL, min_decimals=1):
                return f"{name}: {hint}"
        return (f"{name}: {side} should be expected {'-' if side == 'lower' else '+'} SIGMAS "
                "* sqrt(sum of risk * (1 - risk)) in each quarter.")
    return None


def _first_outside(chart: pd.DataFrame) -> str:
    out = chart[(chart["observed"] < chart["lower"]) | (chart["observed"] > chart["upper"])]
    return f"{out.index[0][0]} Q{out.index[0][1]}" if len(out) else "no quarter"


def control_chart(chart_all: object, chart_hf: object) -> Feedback:
    """Exercise 9.4: per live quarter, the number of discharges, observed and expected
    readmissions and 3-sigma binomial limits around expected, for all discharges and for
    patients with heart failure."""
    if unanswered(chart_all, chart_hf):
        return feedback("9.4", False, "replace each ... with your answer.")
    ref = _reference()
    live = ref.live
    with_hf = live[live[HF] == 1]
    want_all, want_hf = _chart(live), _chart(with_hf)
    problem = _chart_problem(chart_all, "chart_all", want_all, live,
                             (want_hf, "those are the patients with heart failure; chart_all "
                              "is for every live discharge."))
    if problem:
        return feedback("9.4", False, problem)
    problem = _chart_problem(chart_hf, "chart_hf", want_hf, with_hf,
                             (want_all, "that is every live discharge; keep the patients with "
                              "heart failure, live[live['chf'] == 1]."))
    if problem:
        return feedback("9.4", False, problem)
    return feedback("9.4", True, f"first quarter outside the {SIGMAS}-sigma limits: heart "
                    f"failure {_first_outside(want_hf)}; all discharges "
                    f"{_first_outside(want_all)}.")


# Exercise 9.5 -------------------------------------------------------------------

def _places(p: np.ndarray, y: np.ndarray, hf: np.ndarray, rule: str = "top") -> dict[str, int]:
    if rule == "threshold":
        flagged = p >= CAPACITY
    elif rule == "bottom":
        flagged = p <= np.quantile(p, CAPACITY)
    else:
        flagged = p >= np.quantile(p, 1 - CAPACITY)
    readmitted = y == 1
    return {"flagged": int(flagged.sum()), "hf_flagged": int((flagged & hf).sum()),
            "readmitted_flagged": int((flagged & readmitted).sum()),
            "missed_without_hf": int((~flagged & ~hf & readmitted).sum()),
            "missed_all": int((~flagged & readmitted).sum()),
            "not_flagged_without_hf": int((~flagged & ~hf).sum())}


def _places_table(ref: _Reference, rule: str = "top") -> pd.DataFrame:
    judge = ref.year(JUDGE_YEAR)
    y, hf = judge[OUTCOME].to_numpy(), (judge[HF] == 1).to_numpy()
    versions = {"stale": judge["risk"].to_numpy(), "recalibrated": ref.p_recal,
                "refitted": ref.p_refit}
    return pd.DataFrame({k: _places(p, y, hf, rule) for k, p in versions.items()}).T


def programme_places(places: object) -> Feedback:
    """Exercise 9.5: for each version in 2024, the top fifth by risk is flagged; how many
    are flagged, how many of them have heart failure, how many were readmitted, and how
    many readmitted patients without heart failure were missed."""
    if unanswered(places):
        return feedback("9.5", False, "replace ... with your answer.")
    problem = frame_problem(places, "places", columns=list(PLACE_COLUMNS))
    if problem:
        return feedback("9.5", False, problem)
    assert isinstance(places, pd.DataFrame)
    if sorted(str(i) for i in places.index) != sorted(UPDATE_ROWS):
        return feedback("9.5", False, f"places should have the rows {list(UPDATE_ROWS)}; got "
                        f"{[str(i) for i in places.index]}.")
    ref = _reference()
    want = _places_table(ref)
    got = places.set_axis([str(i) for i in places.index]).loc[list(UPDATE_ROWS)]
    columns = {c: _column(got, c) for c in PLACE_COLUMNS}
    bad = [c for c, v in columns.items() if v is None]
    if bad:
        return feedback("9.5", False, f"places['{bad[0]}'] should hold numbers.")
    # Another solver moves a few patients across the cut-off: allow 1% of the places.
    tol = max(3.0, 0.01 * float(want["flagged"].max()))
    n_judge = len(ref.year(JUDGE_YEAR))
    if (columns["flagged"] <= 1).all() and not _close(columns["flagged"], want["flagged"], tol):
        return feedback("9.5", False, "give counts of patients, not shares.")
    if not _close(columns["flagged"], want["flagged"], 1.5, min_decimals=0):
        if _close(columns["flagged"], _places_table(ref, "threshold")["flagged"], tol,
                  min_decimals=0):
            return feedback("9.5", False, "CAPACITY is a share of patients (the top fifth), "
                            "not a risk threshold: flag p >= np.quantile(p, 1 - CAPACITY).")
        if _close(columns["flagged"], np.full(len(UPDATE_ROWS), CAPACITY * len(ref.live)),
                  1.5, min_decimals=0):
            return feedback("9.5", False, f"that flags the live discharges of {GO_LIVE}-"
                            f"{JUDGE_YEAR}; use the {JUDGE_YEAR} discharges only ({n_judge:,}).")
        return feedback("9.5", False, f"flagged should be the top {CAPACITY:.0%} of the "
                        f"{n_judge:,} discharges of {JUDGE_YEAR} by each version's risk.")
    if _close(columns["hf_flagged"], _places_table(ref, "bottom")["hf_flagged"], tol,
              min_decimals=0) and not _close(columns["hf_flagged"], want["hf_flagged"], tol,
                                             min_decimals=0):
        return feedback("9.5", False, "those are the LOWEST risks; the programme calls the "
                        "highest: p >= np.quantile(p, 1 - CAPACITY).")
    for column in PLACE_COLUMNS[1:]:
        if _close(columns[column], want[column], tol, min_decimals=0):
            continue
        if column == "missed_without_hf":
            if _close(columns[column], want["missed_all"], tol, min_decimals=0):
                return feedback("9.5", False, "missed_without_hf counts the patients with heart "
                                "failure too; keep those without (~hf_2024).")
            if _close(columns[column], want["not_flagged_without_hf"], tol, min_decimals=0):
                return feedback("9.5", False, "missed_without_hf should count only the "
                                "patients who were readmitted (y_2024 == 1).")
        return feedback("9.5", False, f"places['{column}'] does not match the top "
                        f"{CAPACITY:.0%} of {JUDGE_YEAR} discharges under each version.")
    stale, refit = want.loc["stale"], want.loc["refitted"]
    return feedback("9.5", True, f"heart-failure patients take {stale['hf_flagged']} of the "
                    f"stale model's {stale['flagged']} places and {refit['hf_flagged']} of the "
                    f"refitted model's; readmitted patients without heart failure missed: "
                    f"{stale['missed_without_hf']} vs {refit['missed_without_hf']}.")
