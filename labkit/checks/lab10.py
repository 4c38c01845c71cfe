"""Checks for Lab 10 - Capstone: appraise a vendor's model before go-live.

Each check rebuilds what the exercise asks for from the shipped files: the
FICTIONAL vendor's model (``datasets/vendor_readmission_model.skops``, loaded
with ``skops.io`` and only the types its datasheet lists) and the local
SYNTHETIC test patients of :func:`labkit.cohorts.readmission_task` (new
patients of 2023-2024), through :mod:`labkit.checks.state`. The exercise's
constants (the programme threshold, the share of patients the sheet says it
flags, the group columns, the claims of the marketing sheet and the rules
that turn the evidence into a verdict) live here; a learner's own numbers,
audit or verdicts are never taken as the truth.

>>> from labkit.checks import lab10
>>> lab10.safe_load(..., ...).passed
✘ Exercise 10.1 - not yet: replace each ... with your answer.
False
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from labkit import datasets
from labkit.checks import Feedback, feedback, judge, unanswered
from labkit.checks.state import RANDOM_STATE, lab_state

__all__ = ["safe_load", "validation", "net_benefit", "group_audit", "claims", "model_card",
           "THRESHOLD", "CAPACITY", "GROUPS", "EXPLAIN_ROWS", "CLAIMS", "VERDICTS",
           "expected_verdicts", "evidence"]

#: The programme enrols a patient at a predicted risk of at least 20%: the committee
#: accepts up to 4 unneeded enrolments for each patient reached who would be readmitted
#: (pt / (1 - pt) = 1/4).
THRESHOLD = 0.20
#: The marketing sheet's "flagging only 20% of patients".
CAPACITY = 0.20
#: The group columns the audit compares (age_band from labkit.audit.age_band).
GROUPS = ("race_ethnicity", "sex", "payer", "age_band")
#: Patients sampled for the SHAP explanation: enough to rank the inputs, quick to run.
EXPLAIN_ROWS = 300
SUPPORTED, NOT_SUPPORTED, CANNOT = ("supported", "not supported",
                                    "cannot be checked with these data")
VERDICTS = (SUPPORTED, NOT_SUPPORTED, CANNOT)
#: The marketing sheet's claims (datasets/vendor_marketing_sheet.md): id -> what it says.
CLAIMS = {
    "auroc": "an AUROC of 0.80",
    "calibration": "well calibrated: a predicted 20% means 20 in 100 are readmitted",
    "catches": "catches 8 in 10 readmissions while flagging only 20% of patients",
    "inputs": "16 fields recorded by discharge, and no race or ethnicity",
    "fairness": "race is not an input, so it performs equally well for every patient group",
    "impact": "hospitals using it cut their 30-day readmissions by 30%",
    "validation": "validated on more than 24,000 admissions",
}
CLAIMED_AUROC = 0.80
CLAIMED_CAUGHT = 0.80
CLAIMED_INPUTS = 16
#: A model-card entry shorter than this says too little to be read as filled in.
MIN_CHARS = 40
#: Numbers the learner computes exactly (ratios of counts, one formula).
TOL = 1e-6
#: Another solver for the calibration slope (penalised or not) moves it by well under this.
SLOPE_TOL = 0.005
#: Another quantile rule for "the top 20%" moves the share caught by well under this.
CAUGHT_TOL = 0.01


@dataclass(frozen=True)
class _Reference:
    untrusted: tuple[str, ...]
    model: Any
    features: list[str]
    test: pd.DataFrame  # the local test patients, in the task's order
    y: np.ndarray
    risk: np.ndarray


def _reference() -> _Reference:
    state = lab_state()

    def build() -> _Reference:
        import skops.io as sio

        path = datasets.vendor_model_path()
        untrusted = tuple(sio.get_untrusted_types(file=path))
        # Only what the datasheet lists: skops refuses the file if it holds anything more.
        model = sio.load(path, trusted=datasets.vendor_model_documented_types())
        features = [str(f) for f in model.feature_names_in_]
        test = state.task.test
        risk = np.asarray(model.predict_proba(test[features]))[:, 1]
        return _Reference(untrusted, model, features, test,
                          state.task.y_test.to_numpy(dtype=int), risk)

    return state.memo("lab10.reference", build)


def _groups_frame(test: pd.DataFrame) -> pd.DataFrame:
    from labkit.audit import age_band

    return pd.DataFrame({"race_ethnicity": test["race_ethnicity"], "sex": test["sex"],
                         "payer": test["payer"], "age_band": age_band(test["age"])})


def _reference_audit() -> Any:
    """The audit the exercise asks for, run here: threshold, groups, explanation."""
    from labkit import report

    ref = _reference()

    def build() -> Any:
        return report.audit_model(ref.model, ref.test[ref.features], ref.y,
                                  groups=_groups_frame(ref.test), threshold=THRESHOLD,
                                  explain_rows=EXPLAIN_ROWS, random_state=RANDOM_STATE)

    return lab_state().memo("lab10.audit", build)


def evidence() -> dict[str, Any]:
    """What the local data say about each testable claim, with 95% intervals.

    Keys: auroc, auroc_ci, oe, oe_ci, slope, slope_ci, intercept, net_benefit,
    treat_all, caught, caught_ci, flagged_at_threshold, n_inputs, race_input,
    clear_gaps (the clear differences in sensitivity between groups large enough to
    trust, as "column = group" strings).
    """
    def build() -> dict[str, Any]:
        from labkit import evaluate, stats
        from labkit.report import RATES

        ref = _reference()
        y, risk = ref.y, ref.risk
        auroc, a_low, a_high = stats.delong_auroc(y, risk)
        oe, oe_low, oe_high = stats.oe_ratio(int(y.sum()), float(risk.sum()), len(y))
        intercept, slope = stats.calibration_fit(y, risk)
        top = risk >= np.quantile(risk, 1 - CAPACITY)
        caught_k, events = int(y[top].sum()), int(y.sum())
        audit = _reference_audit()
        gaps = []
        for column, table in audit.disparities.items():
            rows = table[(table["rate"] == RATES["tpr"][0]) & (table["warning"] == "")]
            clear = rows[(rows["difference_low"] > 0) | (rows["difference_high"] < 0)]
            gaps += [f"{column} = {g}" for g in clear["group"]]
        return {
            "auroc": auroc, "auroc_ci": (a_low, a_high), "oe": oe, "oe_ci": (oe_low, oe_high),
            "intercept": intercept[0], "slope": slope[0], "slope_ci": (slope[1], slope[2]),
            "net_benefit": evaluate.net_benefit(y, risk, THRESHOLD),
            "treat_all": evaluate.treat_all_net_benefit(float(y.mean()), THRESHOLD),
            "caught": caught_k / events,
            "caught_ci": evaluate.wilson_interval(caught_k, events),
            "flagged_at_threshold": float(np.mean(risk >= THRESHOLD)),
            "n_inputs": len(ref.features), "race_input": "race_ethnicity" in ref.features,
            "clear_gaps": gaps,
        }

    return lab_state().memo("lab10.evidence", build)


def expected_verdicts() -> dict[str, str]:
    """The verdict on each claim that the local evidence supports (rules in the code)."""
    e = evidence()

    def outside(ci: tuple[float, float], value: float) -> bool:
        return not ci[0] <= value <= ci[1]

    return {
        # The claimed AUROC lies above the local interval: not supported.
        "auroc": NOT_SUPPORTED if e["auroc_ci"][1] < CLAIMED_AUROC else SUPPORTED,
        # Calibrated means O/E and slope near 1: an interval that excludes 1 refutes it.
        "calibration": (NOT_SUPPORTED if outside(e["oe_ci"], 1.0) or outside(e["slope_ci"], 1.0)
                        else SUPPORTED),
        "catches": NOT_SUPPORTED if e["caught_ci"][1] < CLAIMED_CAUGHT else SUPPORTED,
        "inputs": (SUPPORTED if e["n_inputs"] == CLAIMED_INPUTS and not e["race_input"]
                   else NOT_SUPPORTED),
        "fairness": NOT_SUPPORTED if e["clear_gaps"] else CANNOT,
        # No patient here was managed with the model's help: no impact can be measured.
        "impact": CANNOT,
        # The vendor's development data are not ours to inspect.
        "validation": CANNOT,
    }


# Exercise 10.1 ------------------------------------------------------------------

def _predictions(model: object, frame: pd.DataFrame) -> np.ndarray | str:
    if not hasattr(model, "predict_proba"):
        return (f"vendor should be the fitted model that skops.io.load returns, got "
                f"{type(model).__name__}.")
    try:
        return np.asarray(model.predict_proba(frame))[:, 1]
    except Exception as error:  # noqa: BLE001 - any failure is the learner's object
        return f"vendor.predict_proba failed on the local patients: {error}"


def safe_load(untrusted: object, vendor: object) -> Feedback:
    """Exercise 10.1: the types skops lists as untrusted in the vendor's file, and the model
    loaded with exactly those types trusted."""
    if unanswered(untrusted, vendor):
        return feedback("10.1", False, "replace each ... with your answer.")
    ref = _reference()
    if isinstance(untrusted, str) or not isinstance(untrusted, list | tuple | set):
        return feedback("10.1", False, "untrusted should be the list that "
                        "skops.io.get_untrusted_types(file=path) returns, got "
                        f"{type(untrusted).__name__}.")
    names = [str(t) for t in untrusted]
    if set(names) != set(ref.untrusted):
        if not names:
            return feedback("10.1", False, "untrusted is empty, but the vendor's file holds a "
                            "type skops does not trust by default: list them with "
                            "skops.io.get_untrusted_types(file=path).")
        return feedback("10.1", False, f"untrusted should list the {len(ref.untrusted)} "
                        "type(s) skops.io.get_untrusted_types(file=path) finds in the "
                        f"vendor's file; got {names[:3]}.")
    if isinstance(vendor, str | Path):
        return feedback("10.1", False, "vendor is a path: load the model from it with "
                        "skops.io.load(path, trusted=untrusted).")
    if isinstance(vendor, bytes | bytearray):
        return feedback("10.1", False, "vendor is the file's bytes: load the model with "
                        "skops.io.load(path, trusted=untrusted).")
    names_in = getattr(vendor, "feature_names_in_", None)
    if names_in is None or [str(n) for n in names_in] != ref.features:
        return feedback("10.1", False, "vendor should be the vendor's model as loaded from "
                        "datasets.vendor_model_path(), not a model of your own: it reads "
                        f"the {len(ref.features)} inputs its datasheet lists.")
    pred = _predictions(vendor, ref.test[ref.features])
    if isinstance(pred, str):
        return feedback("10.1", False, pred)
    if not np.allclose(pred, ref.risk, rtol=0, atol=1e-12):
        return feedback("10.1", False, "vendor's predictions differ from the model in the "
                        "vendor's file: load it again with skops.io.load(path, "
                        "trusted=untrusted) and do not refit it.")
    return feedback("10.1", True, f"the file needs {len(ref.untrusted)} type beyond skops's "
                    f"defaults ({', '.join(t.rsplit('.', 1)[-1] for t in ref.untrusted)}), "
                    f"the one its datasheet lists; the model reads {len(ref.features)} "
                    "inputs and no code ran that you had not trusted.")


# Exercise 10.2 ------------------------------------------------------------------

def _risk_problem(risk: object, ref: _Reference) -> str | None:
    try:
        values = np.asarray(risk, dtype=float)
    except (TypeError, ValueError):
        return f"risk should be an array of probabilities, got {type(risk).__name__}."
    if values.ndim == 2 and values.shape[1] == 2:
        return "risk has two columns: keep the probability of readmission, [:, 1]."
    if values.ndim != 1:
        return f"risk should be one probability per patient, got shape {values.shape}."
    n = len(ref.y)
    if len(values) != n:
        if len(values) == len(lab_state().at_risk):
            return (f"risk scores every admission; score the {n:,} local test patients "
                    "(task.test), the patients the vendor's model has never seen.")
        return f"risk should hold one value per local test patient ({n:,}), got {len(values):,}."
    if np.isin(values, (0.0, 1.0)).all():
        return "risk holds 0/1 labels (predict); use the probabilities, predict_proba(X)[:, 1]."
    if np.allclose(values, 1 - ref.risk, atol=1e-9):
        return ("risk is the probability of NO readmission (column 0); take column 1, "
                "predict_proba(X)[:, 1].")
    if not np.allclose(values, ref.risk, atol=1e-9):
        return ("risk differs from the vendor model's predict_proba(X)[:, 1] on "
                "X = test[features], the local test patients in the task's order.")
    return None


def validation(risk: object, auroc: object, oe: object, slope: object) -> Feedback:
    """Exercise 10.2: the vendor model's risk for the local test patients, its AUROC, its
    observed/expected ratio and its calibration slope."""
    if unanswered(risk, auroc, oe, slope):
        return feedback("10.2", False, "replace each ... with your answer.")
    ref = _reference()
    problem = _risk_problem(risk, ref)
    if problem:
        return feedback("10.2", False, problem)
    e = evidence()
    y, p = ref.y, ref.risk

    def label_auroc() -> float:
        from sklearn.metrics import roc_auc_score

        return float(roc_auc_score(y, p >= 0.5)) if 0 < np.mean(p >= 0.5) < 1 else math.nan

    hint = judge(auroc, e["auroc"], name="auroc", tol=TOL, min_decimals=3, slips=[
        (1 - e["auroc"], "auroc is below 0.5 by as much as it should be above: the score was "
         "the probability of no readmission, or y and risk were swapped."),
        (CLAIMED_AUROC, "0.80 is the vendor's figure, from its development data; compute the "
         "AUROC on the local patients: roc_auc_score(y, risk)."),
        (label_auroc, "that AUROC was computed from 0/1 predictions; use the probabilities."),
    ])
    if hint:
        return feedback("10.2", False, hint)
    hint = judge(oe, e["oe"], name="oe", tol=TOL, min_decimals=2, slips=[
        (1 / e["oe"], "that is expected/observed; O/E is the observed readmissions divided by "
         "the sum of the predicted risks, y.sum() / risk.sum()."),
        (float(y.mean() - p.mean()), "that is observed minus expected; give the ratio."),
        (float(p.mean()), "that is the mean predicted risk alone; divide the observed rate "
         "by it."),
        (float(y.mean()), "that is the observed rate alone; divide it by the mean predicted "
         "risk."),
    ])
    if hint:
        return feedback("10.2", False, hint)

    def raw_slope() -> float:
        from sklearn.linear_model import LogisticRegression

        fit = LogisticRegression(C=1e6, max_iter=1000).fit(p.reshape(-1, 1), y)
        return float(fit.coef_[0, 0])

    hint = judge(slope, e["slope"], name="slope", tol=SLOPE_TOL, min_decimals=2, slips=[
        (e["intercept"], "that is the calibration intercept (calibration-in-the-large); the "
         "slope is the coefficient of logit(risk)."),
        (raw_slope, "that slope was fitted on the risk itself; fit y on the log-odds, "
         "logit(risk), as evaluate.calibration_intercept_slope(y, risk) does."),
    ])
    if hint:
        return feedback("10.2", False, hint)
    low, high = e["auroc_ci"]
    return feedback("10.2", True, f"on {len(y):,} local patients the AUROC is {e['auroc']:.3f} "
                    f"(95% CI {low:.3f} to {high:.3f}); O/E {e['oe']:.2f} (the model "
                    f"{'over' if e['oe'] < 1 else 'under'}-predicts) and slope "
                    f"{e['slope']:.2f} (its risks are too extreme).")


# Exercise 10.3 ------------------------------------------------------------------

def net_benefit(nb_model: object, nb_all: object) -> Feedback:
    """Exercise 10.3: net benefit of the vendor model and of enrolling everyone, at the
    programme threshold, on the local test patients."""
    if unanswered(nb_model, nb_all):
        return feedback("10.3", False, "replace each ... with your answer.")
    from labkit import evaluate

    ref = _reference()
    e = evidence()
    y, p = ref.y, ref.risk
    n = len(y)
    flag = p >= THRESHOLD
    tp, fp = float(np.sum(flag & (y == 1))), float(np.sum(flag & (y == 0)))
    odds = THRESHOLD / (1 - THRESHOLD)
    hint = judge(nb_model, e["net_benefit"], name="nb_model", tol=1e-9, min_decimals=4, slips=[
        (tp / n, "that is the true positives per patient alone; subtract the false positives "
         "per patient weighted by the odds at the threshold, pt/(1 - pt)."),
        (tp / n - fp / n * THRESHOLD, "the false positives are weighted by the threshold's "
         "odds, pt/(1 - pt) = 0.25, not by pt itself."),
        (lambda: evaluate.net_benefit(y, p, 0.5), "that is the net benefit at 0.5; the "
         f"programme threshold is {THRESHOLD}."),
        (lambda: evaluate.net_benefit(y, p, 1 - THRESHOLD), "that is the net benefit at 0.8; "
         f"the programme threshold is {THRESHOLD}."),
        (lambda: evaluate.net_benefit(y, p, 1 / 6), "that is the net benefit at 1/6 (Lab 2's "
         f"threshold); this programme's threshold is {THRESHOLD}."),
    ])
    if hint:
        return feedback("10.3", False, hint)
    prev = float(y.mean())
    hint = judge(nb_all, e["treat_all"], name="nb_all", tol=1e-9, min_decimals=4, slips=[
        (prev, "that is the prevalence alone; enrolling everyone also enrols every patient "
         "who would not be readmitted: prevalence - (1 - prevalence) x pt/(1 - pt)."),
        (prev - (1 - prev) * THRESHOLD, "weight the patients without the outcome by the "
         "odds at the threshold, pt/(1 - pt), not by pt."),
        (0.0, "0 is the net benefit of enrolling no one; nb_all is for enrolling everyone."),
        (-e["treat_all"], "the sign is reversed: prevalence - (1 - prevalence) x odds."),
    ])
    if hint:
        return feedback("10.3", False, hint)
    word = ("below zero: acting on it would do more harm than enrolling no one"
            if e["net_benefit"] < 0 else "above zero" if e["net_benefit"] > 0 else "zero")
    return feedback("10.3", True, f"at {THRESHOLD} the model flags "
                    f"{e['flagged_at_threshold']:.0%} of patients; its net benefit "
                    f"{e['net_benefit']:.4f} is {word}; enrolling everyone gives "
                    f"{e['treat_all']:.4f} (odds {odds:.2f}).")


# Exercise 10.4 ------------------------------------------------------------------

def _audit_problem(audit: object, name: str, ref: _Reference) -> str | None:
    """A hint if ``audit`` is not the vendor model audited on the local test patients at the
    programme threshold with the exercise's groups; None when it is."""
    from labkit.report import Audit

    if not isinstance(audit, Audit):
        return (f"{name} should be what report.audit_model(...) returns, got "
                f"{type(audit).__name__}.")
    if audit.n != len(ref.y):
        return (f"{name} covers {audit.n:,} patients; audit the {len(ref.y):,} local test "
                "patients: X = test[features], y = task.y_test.")
    if not audit.threshold_given or not math.isclose(audit.threshold, THRESHOLD):
        return (f"{name} was run at threshold {audit.threshold:g}; pass the programme's, "
                f"threshold=THRESHOLD ({THRESHOLD}).")
    have = set(audit.groups)
    if have != set(GROUPS):
        lacking, extra = sorted(set(GROUPS) - have), sorted(have - set(GROUPS))
        return (f"{name} compares the groups {sorted(have)}; pass groups=groups with the "
                f"columns {list(GROUPS)} (missing {lacking}, extra {extra}).")
    expected = evidence()["auroc"]
    if not math.isclose(audit.overall["auroc"].value, expected, abs_tol=1e-9):
        return (f"{name}'s AUROC does not match the vendor model on the local patients: pass "
                "the vendor's model, X = test[features] and y = task.y_test in the same order.")
    return None


def group_audit(audit: object, top_features: object) -> Feedback:
    """Exercise 10.4: ``report.audit_model`` of the vendor model on the local test patients by
    group at the programme threshold, with SHAP; and the three inputs with the largest mean
    absolute SHAP value."""
    if unanswered(audit, top_features):
        return feedback("10.4", False, "replace each ... with your answer.")
    ref = _reference()
    problem = _audit_problem(audit, "audit", ref)
    if problem:
        return feedback("10.4", False, problem)
    explanation = getattr(audit, "explanation", None)
    if explanation is None:
        return feedback("10.4", False, "audit has no explanation: keep explain=True (the "
                        "default) in report.audit_model.")
    note = str(getattr(audit, "explanation_note", ""))
    if (f"on {EXPLAIN_ROWS:,} patients" not in note
            or f"random_state={RANDOM_STATE}" not in note):
        return feedback("10.4", False, f"explain {EXPLAIN_ROWS} patients with the lab's seed: "
                        f"explain_rows=EXPLAIN_ROWS, random_state=RANDOM_STATE.")
    want = list(_reference_audit().explanation.index[:3])
    if isinstance(top_features, str) or not isinstance(top_features, list | tuple | pd.Index
                                                       | np.ndarray | pd.Series):
        return feedback("10.4", False, "top_features should be a list of three input names, "
                        f"got {type(top_features).__name__}.")
    got = [str(f) for f in top_features]
    if len(got) != 3:
        return feedback("10.4", False, f"top_features should name 3 inputs, got {len(got)}.")
    if set(got) == set(_reference_audit().explanation.index[-3:]):
        return feedback("10.4", False, "those are the three inputs with the SMALLEST mean "
                        "|SHAP|; sort from the largest (audit.explanation is sorted "
                        "largest first).")
    if set(got) != set(want):
        return feedback("10.4", False, "top_features should be the first three entries of "
                        "audit.explanation (mean |SHAP| per input, largest first), e.g. "
                        "list(audit.explanation.index[:3]).")
    return feedback("10.4", True, f"the audit covers {audit.n:,} patients in {len(GROUPS)} "
                    f"group columns at threshold {THRESHOLD}; the model leans most on "
                    f"{', '.join(want)}.")


# Exercise 10.5 ------------------------------------------------------------------

def _verdict(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.lower().replace("_", " ").split()).rstrip(".")
    if text in ("cannot be checked", "cannot be checked with these data",
                "can't be checked with these data", "cannot be checked with this data"):
        return CANNOT
    return text if text in (SUPPORTED, NOT_SUPPORTED) else None


def _why(claim: str, e: dict[str, Any]) -> str:
    """The evidence for the verdict on ``claim``, as a hint."""
    a_low, a_high = e["auroc_ci"]
    return {
        "auroc": (f"the local AUROC is {e['auroc']:.3f} (95% CI {a_low:.3f} to {a_high:.3f}), "
                  f"below the claimed {CLAIMED_AUROC:.2f}, which was measured on the "
                  "vendor's own development data."),
        "calibration": (f"locally O/E is {e['oe']:.2f} (95% CI {e['oe_ci'][0]:.2f} to "
                        f"{e['oe_ci'][1]:.2f}) and the slope {e['slope']:.2f}; a calibrated "
                        "model has both near 1."),
        "catches": (f"flagging the {CAPACITY:.0%} of local patients with the highest risk "
                    f"catches {e['caught']:.0%} of readmissions (95% CI "
                    f"{e['caught_ci'][0]:.0%} to {e['caught_ci'][1]:.0%}), not 80%."),
        "inputs": (f"vendor.feature_names_in_ lists {e['n_inputs']} inputs, all recorded by "
                   "discharge, and race_ethnicity is "
                   f"{'one of them' if e['race_input'] else 'not one of them'}: "
                   "the claim matches the model."),
        "fairness": ("leaving race out does not make performance equal: the audit finds clear "
                     "differences in sensitivity for "
                     f"{', '.join(e['clear_gaps'][:3]) or 'no group'} (see audit.disparities)."),
        "impact": ("no patient in these data was managed with the model's help, so no "
                   "reduction can be measured here; an impact claim needs an impact study (a "
                   "randomised or controlled comparison of care with and without the model)."),
        "validation": ("the vendor's development data are not ours: we cannot see what was "
                       "done with them, only test the model on our own patients."),
    }[claim]


def claims(verdicts: object, caught: object) -> Feedback:
    """Exercise 10.5: the share of local readmissions among the 20% of patients with the
    highest vendor risk, and a verdict on each claim of the marketing sheet."""
    if unanswered(verdicts, caught):
        return feedback("10.5", False, "replace each ... with your answer.")
    ref = _reference()
    e = evidence()
    y, p = ref.y, ref.risk
    top = p >= np.quantile(p, 1 - CAPACITY)
    at_threshold = p >= THRESHOLD
    hint = judge(caught, e["caught"], name="caught", tol=CAUGHT_TOL, min_decimals=2,
                 proportion=True, slips=[
                     (float(y[top].mean()), "that is the share of flagged patients who were "
                      "readmitted (PPV); caught is the share of readmitted patients who were "
                      "flagged (sensitivity)."),
                     (float(at_threshold[y == 1].mean()), "that flags patients at risk >= "
                      f"{THRESHOLD}, which is {e['flagged_at_threshold']:.0%} of them here; "
                      "flag the 20% with the highest risk: risk >= np.quantile(risk, 0.8)."),
                     (1 - e["caught"], "that is the share of readmissions missed; caught is "
                      "the share flagged."),
                     (float(np.mean(top)), "that is the share of patients flagged (20%); "
                      "caught is the share of readmitted patients among them."),
                 ])
    if hint:
        return feedback("10.5", False, hint)
    if not isinstance(verdicts, Mapping):
        return feedback("10.5", False, "verdicts should be a dict of claim id -> verdict, "
                        f"got {type(verdicts).__name__}.")
    keys = {str(k) for k in verdicts}
    if keys != set(CLAIMS):
        lacking, extra = sorted(set(CLAIMS) - keys), sorted(keys - set(CLAIMS))
        return feedback("10.5", False, f"verdicts should have one entry per claim id of the "
                        f"sheet {list(CLAIMS)}; missing {lacking}, unknown {extra}.")
    want = expected_verdicts()
    wrong = []
    for claim in CLAIMS:
        value = verdicts[claim]
        verdict = _verdict(value)
        if verdict is None:
            return feedback("10.5", False, f"verdicts[{claim!r}] is {value!r}; use one of "
                            f"{', '.join(repr(v) for v in VERDICTS)}.")
        if verdict != want[claim]:
            wrong.append((claim, verdict))
    if wrong:
        claim, verdict = wrong[0]
        more = f" ({len(wrong)} verdicts differ; this is the first.)" if len(wrong) > 1 else ""
        return feedback("10.5", False, f"{claim}: not {verdict!r}. {_why(claim, e)}{more}")
    counts = pd.Series(list(want.values())).value_counts()
    return feedback("10.5", True, f"{counts.get(NOT_SUPPORTED, 0)} claims not supported, "
                    f"{counts.get(SUPPORTED, 0)} supported and {counts.get(CANNOT, 0)} that "
                    f"these data cannot check; flagging the top {CAPACITY:.0%} catches "
                    f"{e['caught']:.0%} of readmissions here.")


# Exercise 10.6 ------------------------------------------------------------------

def _words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9%.]+", " ", text.lower()).split())


def decision_kind(text: str) -> str | None:
    """'no-go', 'conditional' or 'go' from the start of a decision, or None.

    >>> decision_kind("No-go: ..."), decision_kind("Go with conditions: ..."), decision_kind("Go.")
    ('no-go', 'conditional', 'go')
    """
    start = re.sub(r"^[\s*_#>:-]+", "", text.lower())
    if re.match(r"no[\s-]?go\b", start):
        return "no-go"
    if re.match(r"(go,?\s+with\s+conditions|conditional\s+go|go\s+\(with\s+conditions\))\b",
                start):
        return "conditional"
    if re.match(r"go\b", start):
        return "go"
    return None


def findings() -> list[str]:
    """What the local validation found that rules out an unconditional go."""
    e = evidence()
    found = []
    if not e["oe_ci"][0] <= 1 <= e["oe_ci"][1]:
        found.append(f"O/E {e['oe']:.2f}: the model {'over' if e['oe'] < 1 else 'under'}-"
                     "predicts")
    if not e["slope_ci"][0] <= 1 <= e["slope_ci"][1]:
        found.append(f"calibration slope {e['slope']:.2f}")
    if e["net_benefit"] <= max(0.0, e["treat_all"]):
        found.append(f"net benefit {e['net_benefit']:.4f} at {THRESHOLD}, no better than "
                     "enrolling no one")
    if e["auroc_ci"][1] < CLAIMED_AUROC:
        found.append(f"AUROC {e['auroc']:.2f}, below the vendor's claim")
    return found


def model_card(card: object, final: object) -> Feedback:
    """Exercise 10.6: every field of the model card filled, a decision that starts with Go,
    Go with conditions or No-go and fits the validation, and the audit that carries the
    card."""
    if unanswered(card, final):
        return feedback("10.6", False, "replace each ... with your answer.")
    from labkit.report import CARD_FIELDS, PLACEHOLDER

    if not isinstance(card, Mapping):
        return feedback("10.6", False, "card should be a dict of field -> text over "
                        f"report.CARD_FIELDS, got {type(card).__name__}.")
    unknown = sorted(str(k) for k in card if k not in CARD_FIELDS)
    if unknown:
        return feedback("10.6", False, f"card has fields report.CARD_FIELDS does not know: "
                        f"{unknown}; use its keys.")
    missing = [k for k in CARD_FIELDS if k not in card]
    if missing:
        return feedback("10.6", False, f"card lacks the field(s) {missing}; fill every key "
                        "of report.CARD_FIELDS.")
    seen: dict[str, str] = {}
    for key, (heading, _item, prompt) in CARD_FIELDS.items():
        value = card[key]
        if not isinstance(value, str):
            return feedback("10.6", False, f"card[{key!r}] should be text, got "
                            f"{type(value).__name__}.")
        text = value.strip()
        if PLACEHOLDER.lower() in text.lower():
            return feedback("10.6", False, f"card[{key!r}] ({heading}) still holds the "
                            "placeholder; write what you found.")
        plain, asked = _words(text), _words(prompt)
        if plain == asked or (asked in plain and len(plain) - len(asked) < MIN_CHARS):
            return feedback("10.6", False, f"card[{key!r}] ({heading}) repeats the field's "
                            "prompt; answer it for this model and these patients.")
        if len(text) < MIN_CHARS:
            return feedback("10.6", False, f"card[{key!r}] ({heading}) has {len(text)} "
                            f"characters; write at least {MIN_CHARS}: a reader should be able "
                            "to act on it.")
        if plain in seen:
            return feedback("10.6", False, f"card[{key!r}] repeats card[{seen[plain]!r}]; each "
                            "field answers its own question.")
        seen[plain] = key
    kind = decision_kind(card["decision"])
    if kind is None:
        return feedback("10.6", False, "start card['decision'] with 'Go', 'Go with "
                        "conditions' or 'No-go', then give the reasons, the reviewers and "
                        "the date.")
    found = findings()
    if kind == "go" and found:
        return feedback("10.6", False, "an unconditional Go does not fit what the validation "
                        f"found: {'; '.join(found)}.")
    if kind == "conditional" and found and "recalibrat" not in card["decision"].lower():
        return feedback("10.6", False, "a Go with conditions must name them, and the "
                        f"validation found {found[0]}: make local recalibration, and a "
                        "re-validation before go-live, conditions.")
    ref = _reference()
    problem = _audit_problem(final, "final", ref)
    if problem:
        return feedback("10.6", False, problem)
    assert not isinstance(final, str)
    held = {k: str(v).strip() for k, v in final.card.items()}
    if held != {k: str(v).strip() for k, v in card.items()}:
        return feedback("10.6", False, "final does not carry this card: pass card=card to "
                        "report.audit_model.")
    if final.card_missing():
        return feedback("10.6", False, f"final's card lacks {final.card_missing()}.")
    shown = {"no-go": "No-go", "conditional": "Go with conditions", "go": "Go"}[kind]
    return feedback("10.6", True, f"all {len(CARD_FIELDS)} fields are filled; decision: "
                    f"{shown}, consistent with what the validation found"
                    f"{': ' + '; '.join(found) if found else ''}.")
