"""labkit.checks.lab4 against answers built here from the raw CSV with pandas,
scikit-learn and shap directly: the solution and other right answers (rounded,
reordered, a DataFrame column) pass, and each hinted mistake fails with its hint
(``not passed`` and the hint, both asserted)."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from labkit.checks import lab4

ROOT = Path(__file__).resolve().parents[1]
OUTCOME = "readmitted_30d"
NOT_INPUTS = ["admission_id", "patient_key", "admit_year", "admit_quarter", "race_ethnicity",
              "cost_of_stay_usd", "deterioration", "died_in_hospital", OUTCOME,
              "cost_next_year_usd"]
CATEGORICAL = ["sex", "payer", "discharge_disposition"]
DISCHARGE_ONLY = ["length_of_stay_days", "cost_of_stay_usd"]


def recorded(column: str) -> str:
    """The recorded feature behind a preprocessed column."""
    if column.startswith("missingindicator_"):
        return column.removeprefix("missingindicator_")
    return next((f for f in CATEGORICAL if column.startswith(f + "_")), column)


@pytest.fixture(scope="module")
def lab(shap):
    """Sections 1-5 of the lab done right, from the raw CSV."""
    raw = pd.read_csv(ROOT / "datasets" / "synthetic_admissions.csv")
    features = [c for c in raw.columns if c not in NOT_INPUTS]
    numeric = [c for c in features if c not in CATEGORICAL]
    at_risk = raw[raw[OUTCOME].notna()]
    train = at_risk[at_risk["admit_year"] <= 2022]
    later = at_risk[at_risk["admit_year"] >= 2023]
    test = later[~later["patient_key"].isin(set(train["patient_key"]))]
    prep = make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
         numeric),
        (OneHotEncoder(handle_unknown="ignore", sparse_output=False), CATEGORICAL),
        verbose_feature_names_out=False)
    model = make_pipeline(prep, HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0))
    X_train, X_test = train[numeric + CATEGORICAL], test[numeric + CATEGORICAL]
    y_test = test[OUTCOME].astype(int)
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(X_train, train[OUTCOME].astype(int))
    sample = X_test.sample(n=1000, random_state=0)
    columns = list(model[0].get_feature_names_out())
    X_explain = pd.DataFrame(model[0].transform(sample), columns=columns)
    explainer = shap.TreeExplainer(model[-1])
    sv = explainer(X_explain)
    # The explanation adds up to the model's own log-odds (computed by scikit-learn).
    assert np.allclose(sv.values.sum(axis=1) + sv.base_values, model.decision_function(sample))
    grouped = pd.DataFrame(sv.values, columns=columns).T.groupby(recorded, sort=False).sum().T
    risk = model.predict_proba(sample)[:, 1]
    patient = int(np.flatnonzero(risk >= np.quantile(risk, 0.9))[0])
    return {name: value for name, value in locals().items()}


@pytest.fixture(scope="module")
def perm(lab):
    with threadpool_limits(limits=1, user_api="openmp"):
        return permutation_importance(lab["model"], lab["X_test"], lab["y_test"],
                                      scoring="roc_auc", n_repeats=5, random_state=0)


@pytest.fixture(scope="module")
def leaky(shap):
    """Section 6: the colleague's deterioration model, rebuilt from the raw CSV."""
    raw = pd.read_csv(ROOT / "datasets" / "synthetic_admissions.csv")
    at_admission = [c for c in raw.columns if c not in NOT_INPUTS + CATEGORICAL + DISCHARGE_ONLY]
    features = at_admission + DISCHARGE_ONLY
    train = raw[raw["admit_year"] <= 2022]
    later = raw[raw["admit_year"] >= 2023]
    test = later[~later["patient_key"].isin(set(train["patient_key"]))]
    with threadpool_limits(limits=1, user_api="openmp"):
        model = HistGradientBoostingClassifier(random_state=0).fit(
            train[features], train["deterioration"])
    sample = test[features].sample(n=1000, random_state=0)
    sv = shap.TreeExplainer(model)(sample)
    importance = pd.Series(np.abs(sv.values).mean(axis=0), index=features)
    return {"model": model, "sv": sv, "sample": sample, "features": features,
            "importance": importance.sort_values(ascending=False)}


def fails(result, hint):
    assert not result.passed, result.message
    assert hint in result.message, result.message


@pytest.mark.parametrize("check, args", [
    (lab4.shap_values, (...,)),
    (lab4.top_feature, (..., ...)),
    (lab4.patient_top_reason, (..., ...)),
    (lab4.perm_top, (..., ...)),
    (lab4.leaky_feature, (..., ...)),
])
def test_placeholders_are_unanswered(lenient, check, args):
    fails(check(*args), "replace")


# --- Exercise 4.1 ---

def test_shap_values_right_answers(lab, shap):
    assert lab4.shap_values(lab["sv"]).passed
    # the same explainer built with an explicit model_output, and called again
    again = shap.TreeExplainer(lab["model"][-1], model_output="raw")(lab["X_explain"])
    assert lab4.shap_values(again).passed
    explicit = shap.TreeExplainer(lab["model"][-1], feature_perturbation="tree_path_dependent")
    assert lab4.shap_values(explicit(lab["X_explain"])).passed


def test_shap_values_wrong_answers(lenient, lab, shap):
    sv, explainer = lab["sv"], lab["explainer"]
    n = len(sv.values)
    other = lab["X_test"].sample(n=1000, random_state=1)
    other_rows = explainer(pd.DataFrame(lab["model"][0].transform(other), columns=lab["columns"]))
    whole = explainer(pd.DataFrame(lab["model"][0].transform(lab["X_test"]),
                                   columns=lab["columns"]))
    cases = [
        (explainer.shap_values(lab["X_explain"]), "bare array"),
        (lab["X_explain"], "expected a shap.Explanation"),
        (explainer(lab["X_explain"].to_numpy()), "no column names"),
        (shap.Explanation(sv.values, base_values=sv.base_values,
                          feature_names=lab["columns"]), "no patient data"),
        (shap.Explanation(-sv.values, base_values=-sv.base_values, data=sv.data,
                          feature_names=lab["columns"]), "class 0"),
        (sv[..., 1], "no [..., 1] is needed"),
        (other_rows, "other patients"),
        (whole, "the whole test set"),
        (shap.Explanation(sv.values / 10, base_values=np.full(n, 0.14), data=sv.data,
                          feature_names=lab["columns"]), "probabilities"),
    ]
    for answer, hint in cases:
        fails(lab4.shap_values(answer), hint)


# --- Exercise 4.2 ---

def test_top_feature_right_answers(lab):
    importance = lab["grouped"].abs().mean()
    top = importance.idxmax()
    assert lab4.top_feature(importance, top).passed
    assert lab4.top_feature(importance.round(3).sort_values(), str(top)).passed
    assert lab4.top_feature(importance.to_frame("mean |SHAP|"), np.str_(top)).passed


def test_top_feature_wrong_answers(lenient, lab):
    grouped = lab["grouped"]
    importance = grouped.abs().mean()
    top = importance.idxmax()
    signed = grouped.mean()
    by_column = pd.Series(np.abs(lab["sv"].values).mean(axis=0), index=lab["columns"])
    cases = [
        ((signed, signed.idxmax()), "absolute values first"),
        ((grouped.abs().sum(), top), "take the mean"),
        ((by_column, by_column.idxmax()), "one entry per model column"),
        ((importance.round(2), top), "at least 3 decimals"),
        ((importance.to_numpy(), top), "pandas Series"),
        ((importance, importance.idxmin()), "smallest"),
        ((importance, 3), "is a position"),
        ((importance, "frailty"), "is not one of"),
        ((importance, importance.sort_values().index[-2]), "importance.idxmax()"),
    ]
    for args, hint in cases:
        fails(lab4.top_feature(*args), hint)


def test_a_typed_name_needs_its_numbers(lenient, lab):
    """Typing the right name passes only with the importances it was read from."""
    top = lab["grouped"].abs().mean().idxmax()
    fails(lab4.top_feature(pd.Series({top: 1.0}), top), "one entry per recorded feature")


# --- Exercise 4.3 ---

def test_patient_top_reason_right_answers(lab):
    row = lab["grouped"].iloc[lab["patient"]]
    assert lab4.patient_top_reason(row, row.idxmax()).passed
    assert lab4.patient_top_reason(row.round(4)[::-1], str(row.idxmax())).passed


def test_patient_top_reason_wrong_answers(lenient, lab):
    patient, grouped = lab["patient"], lab["grouped"]
    row = grouped.iloc[patient]
    overall = grouped.abs().mean().idxmax()
    assert overall != row.idxmax() and row[overall] > 0  # otherwise the hint cannot show
    cases = [
        ((row, row.idxmin()), "lowered this patient's score"),
        ((row, overall), "top feature over all patients"),
        ((row, "frailty"), "is not one of"),
        ((row, 7), "is a position"),
        ((grouped.abs().mean(), overall), "averages over all patients"),
        ((row.abs(), row.abs().idxmax()), "keep the signs"),
        ((grouped.iloc[patient + 1], row.idxmax()), "row `patient` of explanation"),
        ((row.to_numpy(), row.idxmax()), "pandas Series"),
    ]
    for args, hint in cases:
        fails(lab4.patient_top_reason(*args), hint)


# --- Exercise 4.4 ---

def test_perm_top_right_answers(lab, perm):
    best = lab["X_test"].columns[np.argmax(perm.importances_mean)]
    assert lab4.perm_top(perm, best).passed
    assert lab4.perm_top(perm, np.str_(best)).passed
    copied = SimpleNamespace(importances_mean=list(perm.importances_mean),
                             importances=perm.importances.tolist(),
                             importances_std=list(perm.importances_std))
    assert lab4.perm_top(copied, best).passed


def test_perm_top_wrong_answers(lenient, lab, perm):
    columns = lab["X_test"].columns
    best = columns[np.argmax(perm.importances_mean)]
    shifted = SimpleNamespace(importances_mean=perm.importances_mean + 0.001,
                              importances=perm.importances + 0.001,
                              importances_std=perm.importances_std)
    three = SimpleNamespace(importances_mean=perm.importances_mean,
                            importances=perm.importances[:, :3],
                            importances_std=perm.importances_std)
    cases = [
        ((SimpleNamespace(importances_mean=np.zeros(len(lab["columns"])),
                          importances=np.zeros((len(lab["columns"]), 5))), best),
         "shuffled the preprocessed columns"),
        ((shifted, best), "differ from a recomputation"),
        ((three, best), "n_repeats=5"),
        (("not a result", best), "what permutation_importance returns"),
        ((perm, columns[np.argmin(perm.importances_mean)]), "smallest"),
        ((perm, int(np.argmax(perm.importances_mean))), "is a position"),
        ((perm, "frailty"), "not a column of task.X_test"),
    ]
    for args, hint in cases:
        fails(lab4.perm_top(*args), hint)


def test_perm_top_catches_the_training_set(lenient, lab):
    """Importances computed on 1,000 training patients differ from the test set's."""
    with threadpool_limits(limits=1, user_api="openmp"):
        on_train = permutation_importance(lab["model"], lab["X_train"].iloc[:1000],
                                          lab["train"][OUTCOME].astype(int).iloc[:1000],
                                          scoring="roc_auc", n_repeats=5, random_state=0)
    best = lab["X_test"].columns[np.argmax(on_train.importances_mean)]
    fails(lab4.perm_top(on_train, best), "differ from a recomputation")


# --- Exercise 4.5 ---

def test_leaky_feature_right_answers(leaky):
    top = leaky["importance"].index[0]
    assert top in DISCHARGE_ONLY
    assert lab4.leaky_feature(leaky["sv"], top, leaky["model"]).passed
    assert lab4.leaky_feature(leaky["sv"], np.str_(top), leaky["model"]).passed


def test_leaky_feature_wrong_answers(lenient, leaky, shap):
    sv, model = leaky["sv"], leaky["model"]
    top = leaky["importance"].index[0]
    other_leak = next(f for f in DISCHARGE_ONLY if f != top)
    admission = next(f for f in leaky["importance"].index if f not in DISCHARGE_ONLY)
    other_rows = shap.TreeExplainer(model)(leaky["sample"].sample(frac=1, random_state=2))
    cases = [
        ((sv, other_leak, model), "leaks too"),
        ((sv, admission, model), "is known at admission"),
        ((sv, "bill", model), "is not a column"),
        ((sv, np.int64(0), model), "is a position"),
        ((sv, top, None), "pass the colleague's model"),
        ((sv.values, top, model), "shap.Explanation"),
        ((shap.TreeExplainer(model)(leaky["sample"].to_numpy()), top, model), "DataFrame"),
        ((other_rows, top, model), "1,000 test admissions"),
        ((shap.Explanation(-sv.values, base_values=-sv.base_values, data=sv.data,
                           feature_names=sv.feature_names), top, model), "sign is flipped"),
        ((shap.Explanation(sv.values / 2, base_values=sv.base_values, data=sv.data,
                           feature_names=sv.feature_names), top, model), "add up"),
    ]
    for args, hint in cases:
        fails(lab4.leaky_feature(*args), hint)
