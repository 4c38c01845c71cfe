"""Checks for Lab 3 - Audit a readmission model for bias.

Each check rebuilds the lab's chain from the shipped data (task, Lab 1 model,
top-20% flags) and recomputes the expected answer with plain pandas and NumPy
from the learner's own predictions; nothing here is a number copied from an
output.

>>> from labkit.checks import lab3
>>> lab3.label_bias(..., 0.2).passed
✘ Exercise 3.4 - not yet: replace each ... with your answer.
False
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit import audit, cohorts
from labkit.checks import Feedback, close, feedback, unanswered
from labkit.synthetic import RACES

__all__ = ["metric_frame", "fnr_gaps", "calibration_table", "label_bias", "mitigation"]

CAPACITY = 0.20  # the programme takes the top 20% highest-risk patients
METRICS = ("selection_rate", "tpr", "fpr", "fnr", "ppv", "count")
GROUP = "race_ethnicity"


@dataclass(frozen=True)
class _Reference:
    task: cohorts.Task
    model: object
    y: np.ndarray
    risk: np.ndarray
    y_pred: np.ndarray
    race: np.ndarray


@functools.cache
def _reference() -> _Reference:
    task = cohorts.readmission_task()
    model = cohorts.reference_model(task, "logistic")
    risk = model.predict_proba(task.X_test)[:, 1]
    y_pred = (risk >= np.quantile(risk, 1 - CAPACITY)).astype(int)
    race = task.test[GROUP].astype(str).to_numpy()
    return _Reference(task, model, task.y_test.to_numpy(), risk, y_pred, race)


def _groups(race: np.ndarray) -> list[str]:
    """Groups present, in the order of the category (as MetricFrame and groupby list them)."""
    present = set(race)
    return [g for g in RACES if g in present]


def _rates(y: np.ndarray, pred: np.ndarray, race: np.ndarray) -> pd.DataFrame:
    """Per-group rates recomputed with pandas from 0/1 predictions."""
    rows = {}
    for g in _groups(race):
        m = race == g
        yy, pp = y[m], pred[m]
        tpr = pp[yy == 1].mean() if (yy == 1).any() else np.nan
        fpr = pp[yy == 0].mean() if (yy == 0).any() else np.nan
        ppv = yy[pp == 1].mean() if (pp == 1).any() else np.nan
        rows[g] = {"selection_rate": pp.mean(), "tpr": tpr, "fpr": fpr, "fnr": 1 - tpr,
                   "ppv": ppv, "count": float(m.sum()), "tnr": 1 - fpr,
                   "base_rate": yy.mean()}
    return pd.DataFrame.from_dict(rows, orient="index")


def _same(a: object, b: pd.Series, tol: float = 1e-9) -> bool:
    """True if Series ``a`` equals ``b`` group by group (NaN equals NaN)."""
    if not isinstance(a, pd.Series):
        return False
    got = {str(k): v for k, v in a.items()}
    if set(got) != {str(k) for k in b.index}:
        return False
    for k, v in b.items():
        g = got[str(k)]
        try:
            g = float(g)
        except (TypeError, ValueError):
            return False
        if np.isnan(v) != np.isnan(g) or (not np.isnan(v) and abs(g - v) > tol):
            return False
    return True


def _flags(values: object, n: int, n_train: int, exercise: str) -> np.ndarray | Feedback:
    """0/1 flags for the test set, or the feedback explaining why not."""
    try:
        pred = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        return feedback(exercise, False, "predictions should be an array of 0/1 flags.")
    if len(pred) == n_train:
        return feedback(exercise, False, "those are predictions for the training set; audit "
                        "the test set (task.X_test).")
    if len(pred) != n:
        return feedback(exercise, False, f"expected one prediction per test-set patient ({n}), "
                        f"got {len(pred)}.")
    if not np.isin(pred, (0, 1)).all():
        return feedback(exercise, False, "predictions should be 0/1 flags, not probabilities: "
                        "compare the risk with the threshold.")
    return pred.astype(int)


def metric_frame(mf: object, y_pred: object) -> Feedback:
    """Exercise 3.1: a MetricFrame of six metrics by race and ethnicity on the top-20% flags."""
    if unanswered(mf, y_pred):
        return feedback("3.1", False, "replace each ... with your answer.")
    from fairlearn.metrics import MetricFrame

    ref = _reference()
    pred = _flags(y_pred, len(ref.y), len(ref.task.train), "3.1")
    if isinstance(pred, Feedback):
        return pred
    if not np.array_equal(pred, ref.y_pred):
        low = (1 - ref.risk >= np.quantile(1 - ref.risk, 1 - CAPACITY)).astype(int)
        if np.array_equal(pred, low):
            return feedback("3.1", False, "those flags pick the LOWEST risks: you used the "
                            "probability of class 0; take column 1 of predict_proba.")
        if np.array_equal(pred, 1 - ref.y_pred):
            return feedback("3.1", False, "you flagged the 80% with the lowest risk; flag "
                            "risk >= threshold.")
        return feedback("3.1", False, f"y_pred should flag the {CAPACITY:.0%} of test patients "
                        f"with the highest risk (risk >= np.quantile(risk, 0.80)); yours flags "
                        f"{pred.mean():.1%}.")
    if not isinstance(mf, MetricFrame):
        return feedback("3.1", False, f"mf should be a fairlearn MetricFrame, got "
                        f"{type(mf).__name__}.")
    by = mf.by_group
    if not isinstance(by, pd.DataFrame):
        return feedback("3.1", False, "pass metrics as a dict of name -> function, so that "
                        "mf.by_group is a table with one column per metric.")
    missing = [m for m in METRICS if m not in by.columns]
    if missing:
        return feedback("3.1", False, f"the metrics dict needs the keys {list(METRICS)}; "
                        f"missing {missing}.")
    index = {str(i) for i in by.index}
    groups = _groups(ref.race)
    if by.index.nlevels > 1 or index != set(groups):
        if index == {"female", "male"}:
            return feedback("3.1", False, "that MetricFrame is by sex; use "
                            "sensitive_features=test['race_ethnicity'].")
        return feedback("3.1", False, "sensitive_features should be the race and ethnicity "
                        "column of the test set, test['race_ethnicity'].")
    want = _rates(ref.y, pred, ref.race)
    if _same(by["selection_rate"], want["base_rate"]):
        return feedback("3.1", False, "y_true and y_pred are swapped: y_true=y_test, "
                        "y_pred=y_pred.")
    hints = {
        "fnr": [("tpr", "the fnr column is the sensitivity (TPR); FNR is "
                 "false_negative_rate = 1 - TPR.")],
        "tpr": [("fnr", "the tpr column holds the false-negative rate; use true_positive_rate.")],
        "fpr": [("tnr", "the fpr column is the specificity; use false_positive_rate.")],
        "ppv": [("tpr", "the ppv column is the sensitivity (recall); PPV is precision: "
                 "the share of flagged patients who were readmitted.")],
    }
    for col in METRICS:
        if _same(by[col], want[col]):
            continue
        for other, hint in hints.get(col, []):
            if _same(by[col], want[other]):
                return feedback("3.1", False, hint)
        return feedback("3.1", False, f"the {col} column does not match what your y_pred gives "
                        "for each group; build mf from y_test and y_pred.")
    fnr = want["fnr"]
    return feedback("3.1", True, f"false-negative rate by race and ethnicity runs from "
                    f"{fnr.min():.0%} ({fnr.idxmin()}) to {fnr.max():.0%} ({fnr.idxmax()}).")


def fnr_gaps(fnr_gap: object, fnr_ratio: object, y_pred: object) -> Feedback:
    """Exercise 3.2: between-group difference and ratio of the false-negative rate."""
    if unanswered(fnr_gap, fnr_ratio, y_pred):
        return feedback("3.2", False, "replace each ... with your answer.")
    ref = _reference()
    pred = _flags(y_pred, len(ref.y), len(ref.task.train), "3.2")
    if isinstance(pred, Feedback):
        return pred
    if isinstance(fnr_gap, pd.Series | pd.DataFrame) or isinstance(fnr_ratio,
                                                                   pd.Series | pd.DataFrame):
        return feedback("3.2", False, "pick the FNR entry, e.g. mf.difference()['fnr'] and "
                        "mf.ratio()['fnr'].")
    rates = _rates(ref.y, pred, ref.race)
    fnr = rates["fnr"]
    gap, ratio = fnr.max() - fnr.min(), fnr.min() / fnr.max()
    overall_fnr = 1 - pred[ref.y == 1].mean()
    if close(fnr_gap, ratio, rel=1e-6) and close(fnr_ratio, gap, rel=1e-6):
        return feedback("3.2", False, "difference and ratio are swapped.")
    if close(fnr_gap, 100 * gap, rel=1e-6):
        return feedback("3.2", False, "fnr_gap is in percentage points; give it as a "
                        "proportion (between 0 and 1).")
    if close(fnr_gap, (fnr - overall_fnr).abs().max(), rel=1e-6):
        return feedback("3.2", False, "that is the largest difference to the overall FNR "
                        "(method='to_overall'); use the default, between groups.")
    sel = rates["selection_rate"]
    if close(fnr_gap, sel.max() - sel.min(), rel=1e-6):
        return feedback("3.2", False, "that is the gap in selection rate; take the 'fnr' entry.")
    if not close(fnr_gap, gap, rel=1e-6):
        return feedback("3.2", False, "fnr_gap should be the largest minus the smallest FNR "
                        "across race and ethnicity groups: mf.difference()['fnr'].")
    if close(fnr_ratio, fnr.max() / fnr.min(), rel=1e-6):
        return feedback("3.2", False, "the ratio is the smallest FNR divided by the largest "
                        "(at most 1).")
    tpr = rates["tpr"]
    if close(fnr_ratio, tpr.min() / tpr.max(), rel=1e-6):
        return feedback("3.2", False, "that is the ratio of sensitivities (TPR); the FNR "
                        "ratio differs, take mf.ratio()['fnr'].")
    if not close(fnr_ratio, ratio, rel=1e-6):
        return feedback("3.2", False, "fnr_ratio should be the smallest FNR divided by the "
                        "largest: mf.ratio()['fnr'].")
    return feedback("3.2", True, f"FNR differs by {gap:.2f} ({fnr.idxmax()} vs "
                    f"{fnr.idxmin()}); the ratio is {ratio:.2f}.")


def calibration_table(calib: object) -> Feedback:
    """Exercise 3.3: observed readmission rate and mean predicted risk by group."""
    if unanswered(calib):
        return feedback("3.3", False, "replace ... with your answer.")
    if not isinstance(calib, pd.DataFrame):
        return feedback("3.3", False, f"calib should be a pandas DataFrame indexed by group, "
                        f"got {type(calib).__name__}.")
    missing = [c for c in ("observed", "predicted") if c not in calib.columns]
    if missing:
        return feedback("3.3", False, f"calib needs the columns 'observed' and 'predicted'; "
                        f"missing {missing}.")
    ref = _reference()
    frame = pd.DataFrame({"g": ref.race, "y": ref.y, "p": ref.risk})
    grouped = frame.groupby("g")
    observed, predicted = grouped["y"].mean(), grouped["p"].mean()
    if {str(i) for i in calib.index} != set(observed.index):
        return feedback("3.3", False, "calib should have one row per race and ethnicity group "
                        "(group by test['race_ethnicity']).")
    obs, pred = calib["observed"], calib["predicted"]
    if _same(obs, predicted) and _same(pred, observed):
        return feedback("3.3", False, "observed and predicted are swapped.")
    if _same(obs, 100 * observed) or _same(pred, 100 * predicted):
        return feedback("3.3", False, "give proportions between 0 and 1, not percentages.")
    if not _same(obs, observed):
        return feedback("3.3", False, "observed should be the share of test patients in each "
                        "group who were readmitted (the mean of y_test).")
    if _same(pred, 1 - predicted):
        return feedback("3.3", False, "predicted is the mean probability of class 0; use "
                        "column 1 of predict_proba (risk).")
    flags = pd.Series(ref.y_pred).groupby(ref.race).mean()
    if _same(pred, flags):
        return feedback("3.3", False, "predicted holds the share flagged (0/1 flags); average "
                        "the predicted probabilities (risk) instead.")
    if not _same(pred, predicted):
        train = ref.task.train
        p_train = ref.model.predict_proba(ref.task.X_train)[:, 1]
        on_train = pd.Series(p_train).groupby(train[GROUP].astype(str).to_numpy()).mean()
        if _same(pred, on_train):
            return feedback("3.3", False, "those are training-set predictions; use the test "
                            "set's risk.")
        return feedback("3.3", False, "predicted should be the mean predicted risk of the test "
                        "patients in each group.")
    diff = (predicted - observed).sort_values()
    worst = diff.index[-1]
    return feedback("3.3", True, f"the model over-estimates risk most for {worst} patients "
                    f"({predicted[worst]:.1%} predicted vs {observed[worst]:.1%} observed).")


def label_bias(share_black_cost: object, share_black_need: object) -> Feedback:
    """Exercise 3.4: share of Black patients among the top 20% by cost and by need."""
    if unanswered(share_black_cost, share_black_need):
        return feedback("3.4", False, "replace each ... with your answer.")
    test = _reference().task.test
    k = len(test) // 5
    black = test[GROUP] == "Black"

    def share(order: pd.DataFrame) -> float:
        return float((order[GROUP] == "Black").mean())

    cost = share(test.nlargest(k, "cost_next_year_usd"))
    need = share(test.nlargest(k, "n_chronic_conditions"))
    overall = float(black.mean())
    tol_cost, tol_need = 0.003, 0.015  # ties in the ranking: a few patients either way
    if close(share_black_cost, need, abs_=tol_need, rel=0) and close(
            share_black_need, cost, abs_=tol_cost, rel=0):
        return feedback("3.4", False, "the two shares are swapped.")
    if close(share_black_cost, 100 * cost, rel=0.01):
        return feedback("3.4", False, "give proportions between 0 and 1, not percentages.")
    if close(share_black_cost, cost * k, abs_=3, rel=0):
        return feedback("3.4", False, "that is a count of patients; divide by k for a share.")
    if close(share_black_cost, overall, rel=1e-6) or close(share_black_need, overall, rel=1e-6):
        return feedback("3.4", False, "that is the share of Black patients in the whole test "
                        "set; take it among the k selected patients only.")
    low = share(test.nsmallest(k, "cost_next_year_usd"))
    if close(share_black_cost, low, abs_=tol_cost, rel=0):
        return feedback("3.4", False, "those are the k patients with the LOWEST cost; use "
                        "nlargest.")
    if not close(share_black_cost, cost, abs_=tol_cost, rel=0):
        return feedback("3.4", False, "share_black_cost is not the share of Black patients "
                        "among the k patients with the highest cost_next_year_usd.")
    if not close(share_black_need, need, abs_=tol_need, rel=0):
        return feedback("3.4", False, "share_black_need is not the share of Black patients "
                        "among the k patients with the most chronic conditions.")
    return feedback("3.4", True, f"ranking by cost selects {cost:.1%} Black patients, ranking "
                    f"by need {need:.1%} (test set: {overall:.1%}).")


@functools.cache
def _reference_mitigator(fit_on: str) -> np.ndarray:
    """Test-set flags of the lab's ThresholdOptimizer fitted on ``fit_on`` ('train'/'test')."""
    from fairlearn.postprocessing import ThresholdOptimizer

    ref = _reference()
    data = ref.task.train if fit_on == "train" else ref.task.test
    mitigator = ThresholdOptimizer(estimator=ref.model, constraints="true_positive_rate_parity",
                                   objective="balanced_accuracy_score", prefit=True,
                                   predict_method="predict_proba")
    mitigator.fit(data[ref.task.features], data[cohorts.TARGET].astype(int),
                  sensitive_features=data[GROUP])
    return mitigator.predict(ref.task.X_test, sensitive_features=ref.task.test[GROUP],
                             random_state=0)


def _tpr_gap(y: np.ndarray, pred: np.ndarray, race: np.ndarray, groups: list[str]) -> float:
    tpr = pd.Series(pred[y == 1]).groupby(race[y == 1]).mean()[groups]
    return float(tpr.max() - tpr.min())


def mitigation(mitigator: object, y_pred_fair: object, tpr_gap_after: object) -> Feedback:
    """Exercise 3.5: a ThresholdOptimizer for equal sensitivity and the gap it leaves."""
    if unanswered(mitigator, y_pred_fair, tpr_gap_after):
        return feedback("3.5", False, "replace each ... with your answer.")
    from fairlearn.postprocessing import ThresholdOptimizer

    if not isinstance(mitigator, ThresholdOptimizer):
        return feedback("3.5", False, f"mitigator should be a fairlearn ThresholdOptimizer, got "
                        f"{type(mitigator).__name__}.")
    if not hasattr(mitigator, "interpolated_thresholder_"):
        return feedback("3.5", False, "mitigator is not fitted yet: call mitigator.fit(...) on "
                        "the training set.")
    settings = [
        (mitigator.constraints == "true_positive_rate_parity",
         "use constraints='true_positive_rate_parity' (equal sensitivity)."),
        (mitigator.objective == "balanced_accuracy_score",
         "use objective='balanced_accuracy_score': with plain accuracy the best rule flags "
         "almost nobody, because most patients are not readmitted."),
        (mitigator.prefit is True, "use prefit=True: the model is already fitted."),
        (mitigator.predict_method == "predict_proba",
         "use predict_method='predict_proba' so the thresholds apply to predicted risks."),
    ]
    for ok, hint in settings:
        if not ok:
            return feedback("3.5", False, hint)
    ref = _reference()
    est = mitigator.estimator_
    try:
        same_model = np.allclose(est.predict_proba(ref.task.X_test)[:, 1], ref.risk)
    except (AttributeError, ValueError, KeyError):
        same_model = False
    if not same_model:
        return feedback("3.5", False, "the estimator should be this lab's model "
                        "(estimator=model).")
    race = ref.task.test[GROUP]
    mine = mitigator.predict(ref.task.X_test, sensitive_features=race, random_state=0)
    if not np.array_equal(mine, _reference_mitigator("train")):
        if np.array_equal(mine, _reference_mitigator("test")):
            return feedback("3.5", False, "you fitted the mitigator on the test set; fit it on "
                            "the training set (task.X_train, task.y_train) and judge it on the "
                            "test set.")
        return feedback("3.5", False, "fit the mitigator on the training set with "
                        "sensitive_features=task.train['race_ethnicity'].")
    pred = _flags(y_pred_fair, len(ref.y), len(ref.task.train), "3.5")
    if isinstance(pred, Feedback):
        return pred
    if not np.array_equal(pred, mine):
        return feedback("3.5", False, "y_pred_fair differs from mitigator.predict(task.X_test, "
                        "sensitive_features=race, random_state=RANDOM_STATE): pass the "
                        "random_state, or some decisions change on every run.")
    counts = pd.Series(ref.y).groupby(ref.race).sum()
    reliable = [g for g in _groups(ref.race) if counts[g] >= audit.MIN_EVENTS]
    after = _tpr_gap(ref.y, pred, ref.race, reliable)
    before = _tpr_gap(ref.y, ref.y_pred, ref.race, reliable)
    everyone = _tpr_gap(ref.y, pred, ref.race, _groups(ref.race))
    if close(tpr_gap_after, 100 * after, rel=1e-6):
        return feedback("3.5", False, "give the gap as a proportion, not percentage points.")
    if not close(after, everyone, rel=1e-6) and close(tpr_gap_after, everyone, rel=1e-6):
        return feedback("3.5", False, "that gap includes groups with too few readmissions to "
                        "measure sensitivity; keep only the groups in `reliable`.")
    if close(tpr_gap_after, before, rel=1e-6):
        return feedback("3.5", False, "that is the gap before mitigation; compute it from "
                        "y_pred_fair.")
    if not close(tpr_gap_after, after, rel=1e-6):
        return feedback("3.5", False, "tpr_gap_after should be the largest minus the smallest "
                        "sensitivity among the `reliable` groups, from y_pred_fair.")
    return feedback("3.5", True, f"sensitivity gap between {' and '.join(reliable)} patients: "
                    f"{before:.3f} before, {after:.3f} after; the mitigator flags "
                    f"{pred.mean():.0%} of patients, not {CAPACITY:.0%}.")
