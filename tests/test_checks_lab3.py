"""Lab 3 checks: right answers computed here independently (scikit-learn, pandas,
fairlearn directly) and other right answers (rounded, reordered) pass, and each likely
mistake fails with its hint (``not passed`` and the hint, both asserted). The flags
audited are the exercise's; a learner's own flags are never taken as the truth."""

from functools import partial

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from fairlearn.postprocessing import ThresholdOptimizer
from sklearn.metrics import precision_score, recall_score

from labkit import cohorts
from labkit.checks import lab3


@pytest.fixture(scope="module")
def lab():
    task = cohorts.readmission_task()
    model = cohorts.reference_model(task, "logistic")
    risk = model.predict_proba(task.X_test)[:, 1]
    y = task.y_test.to_numpy()
    race = task.test["race_ethnicity"]
    y_pred = (risk >= np.quantile(risk, 0.8)).astype(int)
    fnr = {g: 1 - recall_score(y[(race == g).to_numpy()], y_pred[(race == g).to_numpy()])
           for g in race.unique()}
    events = pd.Series(y).groupby(race.to_numpy()).sum()
    return {"task": task, "model": model, "risk": risk, "y": y, "race": race,
            "y_pred": y_pred, "fnr": pd.Series(fnr), "reliable": list(events[events >= 100].index)}


PPV = partial(precision_score, zero_division=np.nan)
RIGHT = {"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate,
         "fnr": false_negative_rate, "ppv": PPV, "count": count}


def frame(lab, metrics=None, y_true=None, y_pred=None, sf=None):
    return MetricFrame(metrics=metrics or RIGHT,
                       y_true=lab["y"] if y_true is None else y_true,
                       y_pred=lab["y_pred"] if y_pred is None else y_pred,
                       sensitive_features=lab["race"] if sf is None else sf)


# Exercise 3.1 -----------------------------------------------------------------

def test_metric_frame_right_answers(lenient, lab):
    assert lab3.metric_frame(frame(lab)).passed
    reordered = dict(reversed(list(RIGHT.items())))
    assert lab3.metric_frame(frame(lab, metrics=reordered)).passed
    assert lab3.metric_frame(frame(lab, sf=list(lab["race"]))).passed
    ppv = partial(precision_score, zero_division=0)  # 0 instead of NaN: no group is empty here
    assert lab3.metric_frame(frame(lab, metrics=RIGHT | {"ppv": ppv})).passed


def test_metric_frame_wrong_answers(lenient, lab):
    y, pred = lab["y"], lab["y_pred"]
    cases = [
        (..., "replace ..."),
        (frame(lab).by_group, "MetricFrame"),
        (frame(lab, metrics=false_negative_rate), "dict"),
        (frame(lab, metrics={k: v for k, v in RIGHT.items() if k != "count"}),
         "missing ['count']"),
        (frame(lab, sf=lab["task"].test["sex"]), "by sex"),
        (frame(lab, sf=lab["task"].test["payer"]), "race and ethnicity column"),
        (frame(lab, y_true=pred, y_pred=y), "swapped"),
        (frame(lab, metrics=RIGHT | {"fnr": true_positive_rate}), "sensitivity (TPR)"),
        (frame(lab, metrics=RIGHT | {"fnr": false_positive_rate, "fpr": false_negative_rate}),
         "map 'fnr' to false_negative_rate"),
        (frame(lab, metrics=RIGHT | {"ppv": true_positive_rate}), "precision"),
        (frame(lab, metrics=RIGHT | {"fpr": lambda t, p: 1 - false_positive_rate(t, p)}),
         "specificity"),
        (frame(lab, metrics=RIGHT | {"tpr": false_negative_rate}), "false-negative"),
        (frame(lab, y_pred=1 - pred), "LOWEST risk"),
        (frame(lab, y_pred=(lab["risk"] >= np.quantile(lab["risk"], 0.5)).astype(int)),
         "top-20% flags"),
    ]
    for mf, hint in cases:
        result = lab3.metric_frame(mf)
        assert not result.passed and hint in result.message, (hint, result.message)


def test_metric_frame_ignores_the_learners_flags(lenient, lab):
    """A MetricFrame of other flags fails even when those flags are passed as y_pred."""
    half = (lab["risk"] >= np.quantile(lab["risk"], 0.5)).astype(int)
    result = lab3.metric_frame(frame(lab, y_pred=half), half)
    assert not result.passed and "top-20% flags" in result.message


# Exercise 3.2 -----------------------------------------------------------------

def test_fnr_gaps_right_answers(lenient, lab):
    fnr = lab["fnr"]
    gap, ratio = fnr.max() - fnr.min(), fnr.min() / fnr.max()
    assert lab3.fnr_gaps(gap, ratio).passed
    assert lab3.fnr_gaps(round(gap, 2), round(ratio, 2)).passed
    assert lab3.fnr_gaps(np.float64(gap), float(f"{ratio:.3f}")).passed


def test_fnr_gaps_wrong_answers(lenient, lab):
    fnr, pred, y = lab["fnr"], lab["y_pred"], lab["y"]
    gap, ratio = fnr.max() - fnr.min(), fnr.min() / fnr.max()
    overall = 1 - recall_score(y, pred)
    tpr = 1 - fnr
    sel = pd.Series(pred).groupby(lab["race"].to_numpy()).mean()
    cases = [
        ((gap, ...), "replace each"),
        ((pd.Series({"fnr": gap}), ratio), "pick the FNR entry"),
        ((ratio, gap), "swapped"),
        ((100 * gap, ratio), "percentage"),
        (((fnr - overall).abs().max(), ratio), "to_overall"),
        ((sel.max() - sel.min(), ratio), "selection rate"),
        ((gap / 2, ratio), "largest minus the smallest"),
        ((round(gap, 1), ratio), "too coarse"),
        ((gap, 1 / ratio), "at most 1"),
        ((gap, tpr.min() / tpr.max()), "ratio of sensitivities"),
        ((gap, ratio / 2), "smallest FNR divided"),
    ]
    for args, hint in cases:
        result = lab3.fnr_gaps(*args)
        assert not result.passed and hint in result.message, (hint, result.message)


# Exercise 3.3 -----------------------------------------------------------------

def calib_of(groups, observed, predicted):
    data = pd.DataFrame({"g": np.asarray(groups), "observed": observed, "predicted": predicted})
    table = data.groupby("g").mean()
    table.insert(0, "n", data.groupby("g").size())
    return table


def test_calibration_table_right_answers(lenient, lab):
    right = calib_of(lab["race"], lab["y"], lab["risk"])
    assert lab3.calibration_table(right).passed
    assert lab3.calibration_table(right.round(3)).passed
    assert lab3.calibration_table(right.sort_index(ascending=False)).passed
    assert lab3.calibration_table(right[["predicted", "observed", "n"]]).passed


def test_calibration_table_success_message_does_not_rank_small_groups(lenient, lab):
    result = lab3.calibration_table(calib_of(lab["race"], lab["y"], lab["risk"]))
    events = pd.Series(lab["y"]).groupby(lab["race"].to_numpy()).sum()
    for small in events[events < 100].index:
        assert f"for {small} patients" not in result.message
    assert "too few readmissions to rank" in result.message


def test_calibration_table_wrong_answers(lenient, lab):
    race, y, risk = lab["race"], lab["y"], lab["risk"]
    right = calib_of(race, y, risk)
    train = lab["task"].train
    p_train = lab["model"].predict_proba(lab["task"].X_train)[:, 1]
    events = pd.Series(y).groupby(race.to_numpy()).sum()
    cases = [
        (..., "replace ..."),
        (right.to_numpy(), "DataFrame"),
        (right[["observed", "predicted"]], "lacks the column 'n'"),
        (right[["n", "observed"]], "lacks the column 'predicted'"),
        (right.assign(n=events), "counts the readmitted patients"),
        (right.assign(n=right["n"] + 1), "number of test patients"),
        (right.round(2), "at least 3 decimals"),
        (calib_of(lab["task"].test["sex"], y, risk), "one row per race"),
        (right.rename(columns={"observed": "predicted", "predicted": "observed"}), "swapped"),
        (right.assign(observed=100 * right["observed"], predicted=100 * right["predicted"]),
         "percentages"),
        (calib_of(race, 1 - y, risk), "share of test patients"),
        (calib_of(race, y, 1 - risk), "class 0"),
        (calib_of(race, y, lab["y_pred"]), "share flagged"),
        (right.assign(predicted=calib_of(train["race_ethnicity"], train["readmitted_30d"],
                                         p_train)["predicted"]), "training-set"),
        (right.assign(predicted=right["predicted"] + 0.01), "mean predicted risk"),
    ]
    for calib, hint in cases:
        result = lab3.calibration_table(calib)
        assert not result.passed and hint in result.message, (hint, result.message)


# Exercise 3.4 -----------------------------------------------------------------

def shares(test, column, keep_ties=True, largest=True):
    """Share of Black patients among the top fifth by ``column``, computed with numpy:
    every patient tied at the cut-off kept, or (keep_ties=False) the first in file order."""
    k = len(test) // 5
    values = test[column].to_numpy(dtype=float)
    key = values if largest else -values
    order = np.argsort(-key, kind="stable")
    if keep_ties:
        chosen = key >= key[order[k - 1]]
    else:
        chosen = np.zeros(len(key), bool)
        chosen[order[:k]] = True
    return float((test["race_ethnicity"].to_numpy()[chosen] == "Black").mean())


def test_label_bias_right_answers(lenient, lab):
    test = lab["task"].test
    cost, need = shares(test, "cost_next_year_usd"), shares(test, "n_chronic_conditions")
    assert cost < need
    assert lab3.label_bias(cost, need).passed
    assert lab3.label_bias(round(cost, 3), round(need, 3)).passed
    # The cost selection without keep="all" differs by a patient tied at its cut-off.
    assert lab3.label_bias(shares(test, "cost_next_year_usd", keep_ties=False), need).passed


def test_label_bias_wrong_answers(lenient, lab):
    test = lab["task"].test
    cost, need = shares(test, "cost_next_year_usd"), shares(test, "n_chronic_conditions")
    overall = float((test["race_ethnicity"] == "Black").mean())
    k = len(test) // 5
    cases = [
        ((cost, ...), "replace each"),
        ((need, cost), "swapped"),
        ((100 * cost, need), "percentage"),
        ((cost * k, need), "count"),
        ((overall, need), "whole test set"),
        ((shares(test, "cost_next_year_usd", largest=False), need), "LOWEST cost"),
        ((cost, shares(test, "n_chronic_conditions", keep_ties=False)), "keep='all'"),
        ((cost, shares(test, "n_chronic_conditions", largest=False)), "FEWEST"),
        ((round(cost, 2), need), "too coarse"),
        ((cost + 0.05, need), "highest cost_next_year_usd"),
        ((cost, need + 0.05), "most chronic conditions"),
    ]
    for args, hint in cases:
        result = lab3.label_bias(*args)
        assert not result.passed and hint in result.message, (hint, result.message)


# Exercise 3.5 -----------------------------------------------------------------

def mitigator_for(lab, data="train", **changes):
    settings = {"estimator": lab["model"], "constraints": "true_positive_rate_parity",
                "objective": "balanced_accuracy_score", "prefit": True,
                "predict_method": "predict_proba"} | changes
    task = lab["task"]
    fit_on = task.train if data == "train" else task.test
    return ThresholdOptimizer(**settings).fit(
        fit_on[task.features], fit_on["readmitted_30d"].astype(int),
        sensitive_features=fit_on["race_ethnicity"])


def tpr_by_group(lab, flags):
    y, race = lab["y"], lab["race"].to_numpy()
    return pd.Series({g: recall_score(y[race == g], flags[race == g]) for g in set(race)})


def tpr_gap(lab, flags, groups):
    tpr = tpr_by_group(lab, flags)[list(groups)]
    return tpr.max() - tpr.min()


@pytest.fixture(scope="module")
def mitigated(lab):
    mitigator = mitigator_for(lab)
    flags = mitigator.predict(lab["task"].X_test, sensitive_features=lab["race"],
                              random_state=0)
    return mitigator, flags


def test_mitigation_right_answers(lenient, lab, mitigated):
    mitigator, flags = mitigated
    assert lab["reliable"] == ["Black", "White"]
    gap = tpr_gap(lab, flags, lab["reliable"])
    tpr = tpr_by_group(lab, flags)
    result = lab3.mitigation(mitigator, flags, gap, tpr)
    assert result.passed and "flags" in result.message
    assert lab3.mitigation(mitigator, list(flags), round(gap, 3), tpr.round(3)).passed
    assert lab3.mitigation(mitigator, flags, gap).passed  # older notebooks: no tpr_fair


def test_mitigation_wrong_answers(lenient, lab, mitigated):
    mitigator, flags = mitigated
    gap = tpr_gap(lab, flags, lab["reliable"])
    tpr = tpr_by_group(lab, flags)
    everyone = tpr_gap(lab, flags, lab["race"].unique())
    before = tpr_gap(lab, lab["y_pred"], lab["reliable"])
    other_seed = mitigator.predict(lab["task"].X_test, sensitive_features=lab["race"],
                                   random_state=1)
    unfitted = ThresholdOptimizer(estimator=lab["model"], prefit=True)
    cases = [
        ((mitigator, flags, ..., tpr), "replace each"),
        ((lab["model"], flags, gap, tpr), "ThresholdOptimizer"),
        ((unfitted, flags, gap, tpr), "not fitted"),
        ((mitigator_for(lab, constraints="equalized_odds"), flags, gap, tpr),
         "true_positive_rate_parity"),
        ((mitigator_for(lab, objective="accuracy_score"), flags, gap, tpr), "balanced_accuracy"),
        ((mitigator_for(lab, data="test"), flags, gap, tpr), "on the test set"),
        ((mitigator, other_seed, gap, tpr), "random_state"),
        ((mitigator, flags, gap, 1 - tpr), "false-negative rates"),
        ((mitigator, flags, gap, tpr_by_group(lab, lab["y_pred"])), "before mitigation"),
        ((mitigator, flags, gap, tpr.to_numpy()), "Series"),
        ((mitigator, flags, 100 * gap, tpr), "percentage"),
        ((mitigator, flags, everyone, tpr), "reliable"),
        ((mitigator, flags, before, tpr), "before mitigation"),
        ((mitigator, flags, gap + 0.05, tpr), "largest minus the smallest"),
    ]
    for args, hint in cases:
        result = lab3.mitigation(*args)
        assert not result.passed and hint in result.message, (hint, result.message)
