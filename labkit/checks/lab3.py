"""Checks for Lab 3 - Audit a readmission model for bias.

Each check rebuilds the lab's chain from the shipped data (task, Lab 1 model,
the top-20% rule that is the exercise's constant) through
:mod:`labkit.checks.state`, and recomputes the expected answer with plain
pandas and NumPy. The flags are the exercise's, never the learner's: a check
that took the learner's ``y_pred`` as the truth would pass any audit of any rule.

>>> from labkit.checks import lab3
>>> lab3.label_bias(..., 0.2).passed
✘ Exercise 3.4 - not yet: replace each ... with your answer.
False
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit import audit, cohorts
from labkit.checks import (
    Feedback,
    as_number,
    decimals_of,
    feedback,
    frame_problem,
    judge,
    threshold_optimizer_problem,
    unanswered,
)
from labkit.checks.state import RANDOM_STATE, lab_state
from labkit.synthetic import RACES

__all__ = ["metric_frame", "fnr_gaps", "calibration_table", "label_bias", "mitigation",
           "CAPACITY"]

CAPACITY = 0.20  # the programme takes the top 20% highest-risk patients
METRICS = ("selection_rate", "tpr", "fpr", "fnr", "ppv", "count")
GROUP = "race_ethnicity"
SWAPPED_RATES = ("the fnr and fpr columns hold each other's rate: map 'fnr' to "
                 "false_negative_rate and 'fpr' to false_positive_rate.")
#: Rates are ratios of counts: equal up to floating-point error, or rounded by the learner.
TOL = 1e-9


@dataclass(frozen=True)
class _Reference:
    task: cohorts.Task
    model: object
    y: np.ndarray
    risk: np.ndarray
    y_pred: np.ndarray
    race: np.ndarray


def _reference() -> _Reference:
    state = lab_state()

    def build() -> _Reference:
        risk = state.risk
        y_pred = (risk >= np.quantile(risk, 1 - CAPACITY)).astype(int)
        race = state.task.test[GROUP].astype(str).to_numpy()
        return _Reference(state.task, state.logistic, state.task.y_test.to_numpy(), risk,
                          y_pred, race)

    return state.memo("lab3.reference", build)


def _groups(race: np.ndarray) -> list[str]:
    """Groups present, in the order of the category (as MetricFrame and groupby list them)."""
    present = set(race)
    return [g for g in RACES if g in present]


def _rates(y: np.ndarray, pred: np.ndarray, race: np.ndarray) -> pd.DataFrame:
    """Per-group rates recomputed with numpy from 0/1 predictions."""
    rows = {}
    for g in _groups(race):
        m = race == g
        yy, pp = y[m], pred[m]
        tpr = pp[yy == 1].mean() if (yy == 1).any() else np.nan
        fpr = pp[yy == 0].mean() if (yy == 0).any() else np.nan
        ppv = yy[pp == 1].mean() if (pp == 1).any() else np.nan
        rows[g] = {"selection_rate": pp.mean(), "tpr": tpr, "fpr": fpr, "fnr": 1 - tpr,
                   "ppv": ppv, "count": float(m.sum()), "tnr": 1 - fpr,
                   "base_rate": yy.mean(), "events": float(yy.sum()),
                   "npv": 1 - yy[pp == 0].mean() if (pp == 0).any() else np.nan}
    return pd.DataFrame.from_dict(rows, orient="index")


def _same(a: object, b: pd.Series, tol: float = TOL, decimals: int | None = None) -> bool:
    """True if Series ``a`` equals ``b`` group by group (NaN equals NaN); with ``decimals``,
    values rounded to that many places also count."""
    if not isinstance(a, pd.Series):
        return False
    got = {str(k): v for k, v in a.items()}
    if set(got) != {str(k) for k in b.index}:
        return False
    slack = 0.5 * 10.0**-decimals + 1e-12 if decimals is not None else 0.0
    for k, v in b.items():
        g = as_number(got[str(k)])
        if g is None:
            if np.isnan(v) and pd.isna(got[str(k)]):
                continue
            return False
        if np.isnan(v) or abs(g - v) > max(tol, slack):
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


def metric_frame(mf: object, y_pred: object = None) -> Feedback:
    """Exercise 3.1: a MetricFrame of six metrics by race and ethnicity on the top-20% flags.

    The flags are the exercise's (the 20% of test patients with the highest risk);
    ``y_pred`` is accepted for older notebooks and not trusted.
    """
    if unanswered(mf):
        return feedback("3.1", False, "replace ... with your MetricFrame.")
    from fairlearn.metrics import MetricFrame

    if not isinstance(mf, MetricFrame):
        return feedback("3.1", False, f"mf should be a fairlearn MetricFrame, got "
                        f"{type(mf).__name__}.")
    ref = _reference()
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
                            "sensitive_features=race (test['race_ethnicity']).")
        return feedback("3.1", False, "sensitive_features should be the race and ethnicity "
                        "column of the test set, race = test['race_ethnicity'].")
    want = _rates(ref.y, ref.y_pred, ref.race)
    if not _same(by["count"], want["count"]):
        return feedback("3.1", False, "the count column does not match the test set's groups: "
                        "build mf from the test set (y_test, y_pred and race, all of the test "
                        "set).")
    if _same(by["selection_rate"], want["base_rate"]):
        return feedback("3.1", False, "y_true and y_pred are swapped: y_true=y_test, "
                        "y_pred=y_pred.")
    hints = {
        "fnr": [("tpr", "the fnr column is the sensitivity (TPR); FNR is "
                 "false_negative_rate = 1 - TPR."),
                ("fpr", SWAPPED_RATES)],
        "tpr": [("fnr", "the tpr column holds the false-negative rate; use true_positive_rate.")],
        "fpr": [("tnr", "the fpr column is the specificity; use false_positive_rate."),
                ("fnr", SWAPPED_RATES)],
        "ppv": [("tpr", "the ppv column is the sensitivity (recall); PPV is precision: "
                 "the share of flagged patients who were readmitted."),
                ("npv", "the ppv column is the NPV; PPV is precision_score: the share of "
                 "flagged patients who were readmitted.")],
    }
    for col in METRICS:
        if _same(by[col], want[col]):
            continue
        for other, hint in hints.get(col, []):
            if _same(by[col], want[other]):
                return feedback("3.1", False, hint)
        others = _rates(ref.y, 1 - ref.y_pred, ref.race)
        if _same(by[col], others[col]):
            return feedback("3.1", False, "those flags are the 80% with the LOWEST risk; y_pred "
                            "is provided by the lab: pass it unchanged.")
        return feedback("3.1", False, f"the {col} column does not match the top-20% flags: pass "
                        "y_true=y_test and y_pred=y_pred as the lab defines them.")
    fnr, events = want["fnr"], want["events"]
    return feedback("3.1", True, "false-negative rate by race and ethnicity from "
                    f"{fnr.min():.0%} ({fnr.idxmin()}, {int(events[fnr.idxmin()])} readmitted) "
                    f"to {fnr.max():.0%} ({fnr.idxmax()}, {int(events[fnr.idxmax()])} "
                    "readmitted); read each beside its count.")


def fnr_gaps(fnr_gap: object, fnr_ratio: object, y_pred: object = None) -> Feedback:
    """Exercise 3.2: between-group difference and ratio of the false-negative rate."""
    if unanswered(fnr_gap, fnr_ratio):
        return feedback("3.2", False, "replace each ... with your answer.")
    if isinstance(fnr_gap, pd.Series | pd.DataFrame) or isinstance(fnr_ratio,
                                                                   pd.Series | pd.DataFrame):
        return feedback("3.2", False, "pick the FNR entry, e.g. mf.difference()['fnr'] and "
                        "mf.ratio()['fnr'].")
    ref = _reference()
    rates = _rates(ref.y, ref.y_pred, ref.race)
    fnr = rates["fnr"]
    gap, ratio = fnr.max() - fnr.min(), fnr.min() / fnr.max()
    if (judge(fnr_gap, ratio, name="", tol=TOL) is None
            and judge(fnr_ratio, gap, name="", tol=TOL) is None):
        return feedback("3.2", False, "difference and ratio are swapped.")
    overall_fnr = 1 - ref.y_pred[ref.y == 1].mean()
    sel, tpr = rates["selection_rate"], rates["tpr"]
    hint = judge(fnr_gap, gap, name="fnr_gap", tol=TOL, proportion=True,
                 slips=[((fnr - overall_fnr).abs().max(), "that is the largest difference to "
                         "the overall FNR (method='to_overall'); use the default, between "
                         "groups."),
                        (sel.max() - sel.min(), "that is the gap in selection rate; take the "
                         "'fnr' entry."),
                        (rates["fpr"].max() - rates["fpr"].min(), "that is the gap in the "
                         "false-positive rate; take the 'fnr' entry.")],
                 otherwise="fnr_gap should be the largest minus the smallest FNR across race "
                 "and ethnicity groups: mf.difference()['fnr'].")
    if hint:
        return feedback("3.2", False, hint)
    hint = judge(fnr_ratio, ratio, name="fnr_ratio", tol=TOL, proportion=False,
                 slips=[(fnr.max() / fnr.min(), "the ratio is the smallest FNR divided by the "
                         "largest (at most 1)."),
                        (tpr.min() / tpr.max(), "that is the ratio of sensitivities (TPR); the "
                         "FNR ratio differs, take mf.ratio()['fnr'].")],
                 otherwise="fnr_ratio should be the smallest FNR divided by the largest: "
                 "mf.ratio()['fnr'].")
    if hint:
        return feedback("3.2", False, hint)
    events = rates["events"]
    return feedback("3.2", True, f"FNR differs by {gap:.2f} ({fnr.idxmax()}, "
                    f"{int(events[fnr.idxmax()])} readmitted, vs {fnr.idxmin()}, "
                    f"{int(events[fnr.idxmin()])} readmitted); the ratio is {ratio:.2f}.")


def calibration_table(calib: object) -> Feedback:
    """Exercise 3.3: patients, observed readmission rate and mean predicted risk by group."""
    if unanswered(calib):
        return feedback("3.3", False, "replace ... with your answer.")
    problem = frame_problem(calib, "calib", columns=["n", "observed", "predicted"])
    if problem:
        return feedback("3.3", False, problem + " The next cells use all three.")
    assert isinstance(calib, pd.DataFrame)
    ref = _reference()
    frame = pd.DataFrame({"g": ref.race, "y": ref.y, "p": ref.risk})
    grouped = frame.groupby("g")
    n, events = grouped.size().astype(float), grouped["y"].sum().astype(float)
    observed, predicted = grouped["y"].mean(), grouped["p"].mean()
    if {str(i) for i in calib.index} != set(observed.index):
        return feedback("3.3", False, "calib should have one row per race and ethnicity group, "
                        "indexed by group (group by race, test['race_ethnicity']).")
    if _same(calib["n"], events):
        return feedback("3.3", False, "n counts the readmitted patients; it should count every "
                        "patient in the group (size or count, not sum).")
    if not _same(calib["n"], n):
        return feedback("3.3", False, "n should be the number of test patients in each group.")
    obs, pred = calib["observed"], calib["predicted"]
    places = min(p for p in (decimals_of(obs), decimals_of(pred), 17) if p is not None)
    if places < 3:
        return feedback("3.3", False, "keep at least 3 decimals in observed and predicted "
                        "(round only for display).")
    if _same(obs, predicted, decimals=places) and _same(pred, observed, decimals=places):
        return feedback("3.3", False, "observed and predicted are swapped.")
    if _same(obs, 100 * observed, tol=1e-7) or _same(pred, 100 * predicted, tol=1e-7):
        return feedback("3.3", False, "give proportions between 0 and 1, not percentages.")
    if not _same(obs, observed, decimals=places):
        return feedback("3.3", False, "observed should be the share of test patients in each "
                        "group who were readmitted (the mean of y_test).")
    if _same(pred, 1 - predicted, decimals=places):
        return feedback("3.3", False, "predicted is the mean probability of class 0; use "
                        "column 1 of predict_proba (risk).")
    flags = pd.Series(ref.y_pred).groupby(ref.race).mean()
    if _same(pred, flags, decimals=places):
        return feedback("3.3", False, "predicted holds the share flagged (0/1 flags); average "
                        "the predicted probabilities (risk) instead.")
    if not _same(pred, predicted, decimals=places):
        train = ref.task.train
        p_train = lab_state().memo("lab3.p_train", lambda: ref.model.predict_proba(
            ref.task.X_train)[:, 1])
        on_train = pd.Series(p_train).groupby(train[GROUP].astype(str).to_numpy()).mean()
        if _same(pred, on_train, decimals=places):
            return feedback("3.3", False, "those are training-set predictions; use the test "
                            "set's risk.")
        return feedback("3.3", False, "predicted should be the mean predicted risk of the test "
                        "patients in each group.")
    enough = events[events >= audit.MIN_EVENTS].index
    diff = (predicted - observed)[enough].sort_values()
    worst = diff.index[-1]
    small = [g for g in observed.index if g not in enough]
    return feedback("3.3", True, f"among the groups with at least {audit.MIN_EVENTS} "
                    f"readmissions, the model over-estimates risk most for {worst} patients "
                    f"({predicted[worst]:.1%} predicted vs {observed[worst]:.1%} observed). "
                    f"The {len(small)} smaller groups' rates rest on too few readmissions to "
                    "rank.")


def _top(test: pd.DataFrame, k: int, column: str, keep: str) -> pd.DataFrame:
    return test.nlargest(k, column, keep=keep)  # type: ignore[arg-type]


def label_bias(share_black_cost: object, share_black_need: object) -> Feedback:
    """Exercise 3.4: share of Black patients among the top 20% by cost and by need.

    ``n_chronic_conditions`` is a count, so many patients tie at the cut-off; the
    exercise keeps every tied patient (``keep="all"``) rather than letting row
    order choose among them. Costs are whole dollars: keeping or not the patient
    or two tied at the cost cut-off moves that share by less than 2/k.
    """
    if unanswered(share_black_cost, share_black_need):
        return feedback("3.4", False, "replace each ... with your answer.")
    test = _reference().task.test
    k = len(test) // 5

    def share(rows: pd.DataFrame) -> float:
        return float((rows[GROUP] == "Black").mean())

    cost = share(_top(test, k, "cost_next_year_usd", "all"))
    need = share(_top(test, k, "n_chronic_conditions", "all"))
    need_first = share(_top(test, k, "n_chronic_conditions", "first"))
    overall = share(test)
    if (judge(share_black_cost, need, name="", tol=TOL, min_decimals=3) is None
            and judge(share_black_need, cost, name="", tol=TOL, min_decimals=3) is None):
        return feedback("3.4", False, "the two shares are swapped.")
    common = [(overall, "that is the share of Black patients in the whole test set; take it "
               "among the selected patients only.")]
    # Without keep="all" the cost selection differs by the patient or two tied at its cut-off.
    hint = judge(share_black_cost, cost, name="share_black_cost", tol=2 / k, min_decimals=3,
                 proportion=True,
                 slips=common + [
                     (cost * k, "that is a count of patients; divide by k for a share."),
                     (share(test.nsmallest(k, "cost_next_year_usd")), "those are the k patients "
                      "with the LOWEST cost; use nlargest.")],
                 otherwise="share_black_cost is not the share of Black patients among the k "
                 "patients with the highest cost_next_year_usd.")
    if hint:
        return feedback("3.4", False, hint)
    hint = judge(share_black_need, need, name="share_black_need", tol=TOL, min_decimals=3,
                 proportion=True,
                 slips=common + [
                     (need_first, "n_chronic_conditions is a count, so many patients tie at "
                      "the cut-off and nlargest's default keeps whichever come first in the "
                      "file; use test.nlargest(k, 'n_chronic_conditions', keep='all') to keep "
                      "every tied patient."),
                     (share(test.nsmallest(k, "n_chronic_conditions", keep="all")),
                      "those are the patients with the FEWEST conditions; use nlargest.")],
                 otherwise="share_black_need is not the share of Black patients among the "
                 "patients with the most chronic conditions (keep='all').")
    if hint:
        return feedback("3.4", False, hint)
    return feedback("3.4", True, f"ranking by cost selects {cost:.1%} Black patients, ranking "
                    f"by need {need:.1%} (test set: {overall:.1%}).")


def _reference_mitigator(fit_on: str) -> np.ndarray:
    """Test-set flags of the lab's ThresholdOptimizer fitted on ``fit_on`` ('train'/'test')."""
    from fairlearn.postprocessing import ThresholdOptimizer

    ref = _reference()

    def build() -> np.ndarray:
        data = ref.task.train if fit_on == "train" else ref.task.test
        mitigator = ThresholdOptimizer(estimator=ref.model,
                                       constraints="true_positive_rate_parity",
                                       objective="balanced_accuracy_score", prefit=True,
                                       predict_method="predict_proba")
        mitigator.fit(data[ref.task.features], data[cohorts.TARGET].astype(int),
                      sensitive_features=data[GROUP])
        return mitigator.predict(ref.task.X_test, sensitive_features=ref.task.test[GROUP],
                                 random_state=RANDOM_STATE)

    return lab_state().memo(f"lab3.mitigator.{fit_on}", build)


def _tpr(y: np.ndarray, pred: np.ndarray, race: np.ndarray) -> pd.Series:
    return pd.Series(pred[y == 1]).groupby(race[y == 1]).mean()


def mitigation(mitigator: object, y_pred_fair: object, tpr_gap_after: object,
               tpr_fair: object = None) -> Feedback:
    """Exercise 3.5: a ThresholdOptimizer for equal sensitivity, its flags, each group's
    sensitivity and the gap it leaves among the groups with enough readmissions."""
    if unanswered(mitigator, y_pred_fair, tpr_gap_after, tpr_fair):
        return feedback("3.5", False, "replace each ... with your answer.")
    from fairlearn.postprocessing import ThresholdOptimizer

    if not isinstance(mitigator, ThresholdOptimizer):
        return feedback("3.5", False, f"mitigator should be a fairlearn ThresholdOptimizer, got "
                        f"{type(mitigator).__name__}.")
    if not hasattr(mitigator, "interpolated_thresholder_"):
        return feedback("3.5", False, "mitigator is not fitted yet (step 2): call "
                        "mitigator.fit(task.X_train, task.y_train, sensitive_features=...).")
    hint = threshold_optimizer_problem(mitigator)
    if hint:
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
    mine = mitigator.predict(ref.task.X_test, sensitive_features=race,
                             random_state=RANDOM_STATE)
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
                        "sensitive_features=race, random_state=RANDOM_STATE) (step 3): pass "
                        "the random_state, or some decisions change on every run.")
    want_tpr = _tpr(ref.y, pred, ref.race)
    if tpr_fair is not None:
        if isinstance(tpr_fair, pd.DataFrame) and tpr_fair.shape[1] == 1:
            tpr_fair = tpr_fair.iloc[:, 0]
        if not isinstance(tpr_fair, pd.Series):
            return feedback("3.5", False, "tpr_fair should be a Series of sensitivity by group "
                            "(the by_group of a MetricFrame of true_positive_rate), got "
                            f"{type(tpr_fair).__name__}.")
        if _same(tpr_fair, 1 - want_tpr):
            return feedback("3.5", False, "tpr_fair holds the false-negative rates; use "
                            "true_positive_rate.")
        before = _tpr(ref.y, ref.y_pred, ref.race)
        if _same(tpr_fair, before):
            return feedback("3.5", False, "tpr_fair is the sensitivity before mitigation; build "
                            "the MetricFrame from y_pred_fair.")
        if not _same(tpr_fair, want_tpr, decimals=decimals_of(tpr_fair)):
            return feedback("3.5", False, "tpr_fair should be each group's sensitivity under "
                            "y_pred_fair (step 4): MetricFrame(metrics=true_positive_rate, "
                            "y_true=y_test, y_pred=y_pred_fair, sensitive_features=race)"
                            ".by_group.")
    counts = pd.Series(ref.y).groupby(ref.race).sum()
    reliable = [g for g in _groups(ref.race) if counts[g] >= audit.MIN_EVENTS]
    after = float(want_tpr[reliable].max() - want_tpr[reliable].min())
    before_tpr = _tpr(ref.y, ref.y_pred, ref.race)
    before = float(before_tpr[reliable].max() - before_tpr[reliable].min())
    everyone = float(want_tpr.max() - want_tpr.min())
    hint = judge(tpr_gap_after, after, name="tpr_gap_after", tol=TOL, min_decimals=3,
                 proportion=True,
                 slips=[(before, "that is the gap before mitigation; compute it from "
                         "y_pred_fair."),
                        *([(everyone, "that gap includes groups with too few readmissions to "
                            "measure sensitivity; keep only the groups in `reliable`.")]
                          if abs(everyone - after) > 1e-9 else [])],
                 otherwise="tpr_gap_after should be the largest minus the smallest sensitivity "
                 "among the `reliable` groups, from y_pred_fair (step 5).")
    if hint:
        return feedback("3.5", False, hint)
    return feedback("3.5", True, f"sensitivity gap between {' and '.join(reliable)} patients: "
                    f"{before:.3f} before, {after:.3f} after; the mitigator flags "
                    f"{pred.mean():.0%} of patients, not {CAPACITY:.0%}.")
