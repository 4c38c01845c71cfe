"""labkit.checks.lab4 against answers built here from the raw CSV with pandas,
scikit-learn and shap directly, and each hinted mistake against its hint."""

import sys
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


@pytest.fixture
def lenient(monkeypatch):
    monkeypatch.delenv("LABKIT_STRICT", raising=False)


@pytest.fixture(scope="module")
def shap():
    """shap, imported once.

    shap 0.51 sets the extremes of its colour map in place (Colormap.set_bad,
    set_over, set_under), which matplotlib 3.11 marks as pending deprecation
    (shap pull request #5060 replaces them). Those three warnings are expected
    here, on import only; pytest.warns re-raises any other warning, which then
    fails the test as usual.
    """
    if "shap" in sys.modules:
        return sys.modules["shap"]
    with pytest.warns(PendingDeprecationWarning, match="will be deprecated in a future version"):
        import shap
    return shap


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
    values = shap.TreeExplainer(model)(test[features].sample(n=1000, random_state=0)).values
    return pd.Series(np.abs(values).mean(axis=0), index=features).sort_values(ascending=False)


@pytest.mark.parametrize("check, args", [
    (lab4.shap_values, (...,)),
    (lab4.top_feature, (...,)),
    (lab4.patient_top_reason, (..., 1)),
    (lab4.perm_top, (..., ...)),
    (lab4.leaky_feature, (...,)),
])
def test_placeholders_are_unanswered(lenient, capsys, check, args):
    assert not check(*args).passed
    assert "replace" in capsys.readouterr().out


# --- Exercise 4.1 ---

def test_shap_values_right_answer(lab):
    assert lab4.shap_values(lab["sv"]).passed


def test_shap_values_hints(lenient, capsys, lab, shap):
    sv, explainer = lab["sv"], lab["explainer"]
    n = len(sv.values)
    other = lab["X_test"].sample(n=1000, random_state=1)
    other_rows = explainer(pd.DataFrame(lab["model"][0].transform(other), columns=lab["columns"]))
    whole = explainer(pd.DataFrame(lab["model"][0].transform(lab["X_test"]),
                                   columns=lab["columns"]))
    cases = [
        (explainer.shap_values(lab["X_explain"]), "bare array"),
        (lab["X_explain"], "expected a shap.Explanation"),
        (shap.Explanation(-sv.values, base_values=-sv.base_values, data=sv.data), "class 0"),
        (sv[..., 1], "no [..., 1] is needed"),
        (other_rows, "other patients"),
        (whole, "the whole test set"),
        (shap.Explanation(sv.values / 10, base_values=np.full(n, 0.14), data=sv.data),
         "probabilities"),
    ]
    for answer, hint in cases:
        assert not lab4.shap_values(answer).passed
        assert hint in capsys.readouterr().out, hint


# --- Exercise 4.2 ---

def test_top_feature_right_answer(lab):
    assert lab4.top_feature(lab["grouped"].abs().mean().idxmax()).passed


def test_top_feature_hints(lenient, capsys, lab):
    grouped = lab["grouped"]
    signed = grouped.mean().idxmax()
    assert signed != grouped.abs().mean().idxmax()  # otherwise the hint cannot show
    by_column = pd.Series(np.abs(lab["sv"].values).mean(axis=0), index=lab["columns"])
    one_hot = by_column[[c for c in lab["columns"] if recorded(c) != c]].idxmax()
    cases = [
        (signed, "absolute values first"),
        (grouped.abs().mean().idxmin(), "smallest"),
        (one_hot, "is a model column"),
        (3, "is a position"),
        ("frailty", "is not one of"),
    ]
    for answer, hint in cases:
        assert not lab4.top_feature(answer).passed
        assert hint in capsys.readouterr().out, hint


# --- Exercise 4.3 ---

def test_patient_top_reason_right_answer(lab):
    row = lab["grouped"].iloc[lab["patient"]]
    assert lab4.patient_top_reason(row.idxmax(), lab["patient"]).passed


def test_patient_top_reason_hints(lenient, capsys, lab):
    patient, grouped = lab["patient"], lab["grouped"]
    row = grouped.iloc[patient]
    overall = grouped.abs().mean().idxmax()
    assert overall != row.idxmax() and row[overall] > 0  # otherwise the hint cannot show
    cases = [
        ((row.idxmin(), patient), "lowered this patient's score"),
        ((overall, patient), "top feature over all patients"),
        (("sex_male", patient), "is a model column"),
        ((row.idxmax(), 5000), "row position"),
    ]
    for args, hint in cases:
        assert not lab4.patient_top_reason(*args).passed
        assert hint in capsys.readouterr().out, hint


# --- Exercise 4.4 ---

def test_perm_top_right_answer(lab, perm):
    best = lab["X_test"].columns[np.argmax(perm.importances_mean)]
    assert lab4.perm_top(perm, best).passed


def test_perm_top_hints(lenient, capsys, lab, perm):
    columns = lab["X_test"].columns
    best = columns[np.argmax(perm.importances_mean)]
    cases = [
        ((SimpleNamespace(importances_mean=np.zeros(len(lab["columns"]))), best),
         "shuffled the preprocessed columns"),
        ((SimpleNamespace(importances_mean=perm.importances_mean + 0.001), best),
         "differ from a recomputation"),
        (("not a result", best), "what permutation_importance returns"),
        ((perm, columns[np.argmin(perm.importances_mean)]), "smallest"),
        ((perm, int(np.argmax(perm.importances_mean))), "is a position"),
    ]
    for args, hint in cases:
        assert not lab4.perm_top(*args).passed
        assert hint in capsys.readouterr().out, hint


# --- Exercise 4.5 ---

def test_leaky_feature_right_answer(leaky):
    assert leaky.index[0] in DISCHARGE_ONLY
    assert lab4.leaky_feature(leaky.index[0]).passed


def test_leaky_feature_hints(lenient, capsys, leaky):
    other_leak = next(f for f in DISCHARGE_ONLY if f != leaky.index[0])
    admission = next(f for f in leaky.index if f not in DISCHARGE_ONLY)
    cases = [
        (other_leak, "leaks too"),
        (admission, "is known at admission"),
        ("bill", "is not a column"),
        (np.int64(0), "is a position"),
    ]
    for answer, hint in cases:
        assert not lab4.leaky_feature(answer).passed
        assert hint in capsys.readouterr().out, hint
