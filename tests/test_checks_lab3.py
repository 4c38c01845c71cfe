"""Lab 3 checks: right answers computed here independently (scikit-learn, pandas,
fairlearn directly) pass, and each likely mistake gets its hint."""

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


@pytest.fixture
def lenient(monkeypatch):
    monkeypatch.delenv("LABKIT_STRICT", raising=False)


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

def test_metric_frame_right_answer(lenient, lab):
    assert lab3.metric_frame(frame(lab), lab["y_pred"]).passed


def test_metric_frame_hints(lenient, lab):
    y, pred, risk = lab["y"], lab["y_pred"], lab["risk"]
    low = (1 - risk >= np.quantile(1 - risk, 0.8)).astype(int)
    mf = frame(lab)
    cases = [
        ((..., pred), "replace each"),
        ((mf, np.zeros(len(lab["task"].train))), "training set"),
        ((mf, risk), "0/1 flags"),
        ((mf, low), "class 0"),
        ((mf, 1 - pred), "lowest risk"),
        ((mf, (risk >= np.quantile(risk, 0.5)).astype(int)), "flag the 20%"),
        ((mf.by_group, pred), "MetricFrame"),
        ((frame(lab, metrics=false_negative_rate), pred), "dict"),
        ((frame(lab, metrics={k: v for k, v in RIGHT.items() if k != "count"}), pred),
         "missing ['count']"),
        ((frame(lab, sf=lab["task"].test["sex"]), pred), "by sex"),
        ((frame(lab, sf=lab["task"].test["payer"]), pred), "race and ethnicity column"),
        ((frame(lab, y_true=pred, y_pred=y), pred), "swapped"),
        ((frame(lab, metrics=RIGHT | {"fnr": true_positive_rate}), pred), "sensitivity (TPR)"),
        ((frame(lab, metrics=RIGHT | {"ppv": true_positive_rate}), pred), "precision"),
        ((frame(lab, metrics=RIGHT | {"fpr": lambda t, p: 1 - false_positive_rate(t, p)}),
          pred), "specificity"),
        ((frame(lab, metrics=RIGHT | {"tpr": false_negative_rate}), pred), "false-negative"),
        ((frame(lab, y_pred=1 - pred), pred), "build mf from y_test and y_pred"),
    ]
    for args, hint in cases:
        result = lab3.metric_frame(*args)
        assert not result.passed and hint in result.message, (hint, result.message)


# Exercise 3.2 -----------------------------------------------------------------

def test_fnr_gaps_right_answer(lenient, lab):
    fnr = lab["fnr"]
    assert lab3.fnr_gaps(fnr.max() - fnr.min(), fnr.min() / fnr.max(), lab["y_pred"]).passed


def test_fnr_gaps_hints(lenient, lab):
    fnr, pred, y = lab["fnr"], lab["y_pred"], lab["y"]
    gap, ratio = fnr.max() - fnr.min(), fnr.min() / fnr.max()
    overall = 1 - recall_score(y, pred)
    tpr = 1 - fnr
    sel = pd.Series(pred).groupby(lab["race"].to_numpy()).mean()
    cases = [
        ((gap, ..., pred), "replace each"),
        ((pd.Series({"fnr": gap}), ratio, pred), "pick the FNR entry"),
        ((ratio, gap, pred), "swapped"),
        ((100 * gap, ratio, pred), "percentage points"),
        (((fnr - overall).abs().max(), ratio, pred), "to_overall"),
        ((sel.max() - sel.min(), ratio, pred), "selection rate"),
        ((gap / 2, ratio, pred), "largest minus the smallest"),
        ((gap, 1 / ratio, pred), "at most 1"),
        ((gap, tpr.min() / tpr.max(), pred), "ratio of sensitivities"),
        ((gap, ratio / 2, pred), "smallest FNR divided"),
    ]
    for args, hint in cases:
        result = lab3.fnr_gaps(*args)
        assert not result.passed and hint in result.message, (hint, result.message)


# Exercise 3.3 -----------------------------------------------------------------

def calib_of(groups, observed, predicted):
    data = pd.DataFrame({"g": np.asarray(groups), "observed": observed, "predicted": predicted})
    return data.groupby("g").mean()


def test_calibration_table_right_answer(lenient, lab):
    calib = calib_of(lab["race"], lab["y"], lab["risk"])
    calib["n"] = pd.Series(lab["race"]).value_counts()
    assert lab3.calibration_table(calib).passed


def test_calibration_table_hints(lenient, lab):
    race, y, risk = lab["race"], lab["y"], lab["risk"]
    right = calib_of(race, y, risk)
    train = lab["task"].train
    p_train = lab["model"].predict_proba(lab["task"].X_train)[:, 1]
    cases = [
        (..., "replace ..."),
        (right.to_numpy(), "DataFrame"),
        (right[["observed"]], "missing ['predicted']"),
        (calib_of(lab["task"].test["sex"], y, risk), "one row per race"),
        (right.rename(columns={"observed": "predicted", "predicted": "observed"}), "swapped"),
        (100 * right, "percentages"),
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

def shares(test, column, rng=None, largest=True):
    k = len(test) // 5
    values = test[column].to_numpy(dtype=float)
    key = values if largest else -values
    if rng is None:  # stable sort: the first of tied rows wins
        order = np.argsort(-key, kind="stable")[:k]
    else:  # ties broken at random
        order = np.lexsort((rng.random(len(values)), -key))[:k]
    return float((test["race_ethnicity"].to_numpy()[order] == "Black").mean())


def test_label_bias_right_answer(lenient, lab):
    test = lab["task"].test
    cost, need = shares(test, "cost_next_year_usd"), shares(test, "n_chronic_conditions")
    assert cost < need
    assert lab3.label_bias(cost, need).passed
    other_ties = shares(test, "n_chronic_conditions", rng=np.random.default_rng(0))
    assert lab3.label_bias(cost, other_ties).passed


def test_label_bias_hints(lenient, lab):
    test = lab["task"].test
    cost, need = shares(test, "cost_next_year_usd"), shares(test, "n_chronic_conditions")
    overall = float((test["race_ethnicity"] == "Black").mean())
    k = len(test) // 5
    cases = [
        ((cost, ...), "replace each"),
        ((need, cost), "swapped"),
        ((100 * cost, 100 * need), "percentages"),
        ((cost * k, need), "count"),
        ((overall, need), "whole test set"),
        ((shares(test, "cost_next_year_usd", largest=False), need), "LOWEST cost"),
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


def tpr_gap(lab, flags, groups):
    y, race = lab["y"], lab["race"].to_numpy()
    tpr = [recall_score(y[race == g], flags[race == g]) for g in groups]
    return max(tpr) - min(tpr)


@pytest.fixture(scope="module")
def mitigated(lab):
    mitigator = mitigator_for(lab)
    flags = mitigator.predict(lab["task"].X_test, sensitive_features=lab["race"],
                              random_state=0)
    return mitigator, flags


def test_mitigation_right_answer(lenient, lab, mitigated):
    mitigator, flags = mitigated
    assert lab["reliable"] == ["Black", "White"]
    gap = tpr_gap(lab, flags, lab["reliable"])
    result = lab3.mitigation(mitigator, flags, gap)
    assert result.passed and "flags" in result.message


def test_mitigation_hints(lenient, lab, mitigated):
    mitigator, flags = mitigated
    gap = tpr_gap(lab, flags, lab["reliable"])
    everyone = tpr_gap(lab, flags, lab["race"].unique())
    before = tpr_gap(lab, lab["y_pred"], lab["reliable"])
    other_seed = mitigator.predict(lab["task"].X_test, sensitive_features=lab["race"],
                                   random_state=1)
    unfitted = ThresholdOptimizer(estimator=lab["model"], prefit=True)
    cases = [
        ((mitigator, flags, ...), "replace each"),
        ((lab["model"], flags, gap), "ThresholdOptimizer"),
        ((unfitted, flags, gap), "not fitted"),
        ((mitigator_for(lab, constraints="equalized_odds"), flags, gap),
         "true_positive_rate_parity"),
        ((mitigator_for(lab, objective="accuracy_score"), flags, gap), "balanced_accuracy"),
        ((mitigator_for(lab, data="test"), flags, gap), "on the test set"),
        ((mitigator, other_seed, gap), "random_state"),
        ((mitigator, flags, 100 * gap), "proportion"),
        ((mitigator, flags, everyone), "reliable"),
        ((mitigator, flags, before), "before mitigation"),
        ((mitigator, flags, gap + 0.05), "largest minus the smallest"),
    ]
    for args, hint in cases:
        result = lab3.mitigation(*args)
        assert not result.passed and hint in result.message, (hint, result.message)
