"""labkit.checks.lab1 against answers built here from the raw CSV with pandas and
scikit-learn directly, and each hinted mistake against its hint."""

from pathlib import Path

import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from labkit.checks import lab1

ROOT = Path(__file__).resolve().parents[1]
OUTCOME = "readmitted_30d"
NOT_INPUTS = ["admission_id", "patient_key", "admit_year", "admit_quarter", "race_ethnicity",
              "cost_of_stay_usd", "deterioration", "died_in_hospital", OUTCOME,
              "cost_next_year_usd"]
CATEGORICAL = ["sex", "payer", "discharge_disposition"]


@pytest.fixture
def lenient(monkeypatch):
    monkeypatch.delenv("LABKIT_STRICT", raising=False)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Gradient boosting's OpenMP threads crawl on a busy machine (parallel test runs)."""
    with threadpool_limits(limits=1):
        yield


def pipeline(numeric, categorical, estimator):
    prep = make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
         numeric),
        (OneHotEncoder(handle_unknown="ignore"), categorical))
    return make_pipeline(prep, estimator)


@pytest.fixture(scope="module")
def lab():
    """The whole lab done right, from the raw CSV."""
    raw = pd.read_csv(ROOT / "datasets" / "synthetic_admissions.csv")
    features = [c for c in raw.columns if c not in NOT_INPUTS]
    numeric = [c for c in features if c not in CATEGORICAL]
    at_risk = raw[raw[OUTCOME].notna()]
    train = at_risk[at_risk["admit_year"] <= 2022]
    later = at_risk[at_risk["admit_year"] >= 2023]
    test = later[~later["patient_key"].isin(set(train["patient_key"]))]
    y_train, y_test = train[OUTCOME].astype(int), test[OUTCOME].astype(int)
    model = pipeline(numeric, CATEGORICAL, LogisticRegression(max_iter=1000))
    model.fit(train[features], y_train)
    boosting = pipeline(numeric, CATEGORICAL, HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0))
    boosting.fit(train[features], y_train)
    rand_train, rand_test = train_test_split(at_risk, test_size=0.25, random_state=0)
    random_model = clone(model).fit(rand_train[features], rand_train[OUTCOME].astype(int))
    return {name: value for name, value in locals().items()}


def auroc(model, df, features):
    return roc_auc_score(df[OUTCOME].astype(int), model.predict_proba(df[features])[:, 1])


# Exercise 1.1 ---------------------------------------------------------------------------

def test_features_right_answer(lenient, lab):
    result = lab1.features(lab["features"])
    assert result.passed and "28 inputs" in result.message and "Note" not in result.message


@pytest.mark.parametrize("change, hint", [
    (lambda f: f + ["cost_next_year_usd"], "'cost_next_year_usd' is spending in the 12 months"),
    (lambda f: f + ["cost_of_stay_usd"], "'cost_of_stay_usd' is known only after discharge"),
    (lambda f: f + [OUTCOME], "'readmitted_30d' is the outcome itself"),
    (lambda f: f + ["deterioration"], "'deterioration' is an outcome column"),
    (lambda f: f + ["patient_key"], "'patient_key' is an identifier"),
    (lambda f: f + ["admit_year"], "'admit_year' is calendar time"),
    (lambda f: f + ["race_ethnicity"], "audit"),
    (lambda f: f + ["cost_of_stay_usd", "patient_key"], "Also remove 1 more"),
    (lambda f: f + ["agee"], "'agee' is not a column"),
    (lambda f: f + ["age"], "more than once"),
    (lambda f: "age", "list of column names"),
    (lambda f: [], "empty"),
    (lambda f: ..., "replace ..."),
])
def test_features_hints(lenient, lab, change, hint):
    result = lab1.features(change(list(lab["features"])))
    assert not result.passed and hint in result.message


def test_features_warns_about_missing_groups(lenient, lab):
    fewer = [c for c in lab["features"] if c not in ("prior_admissions_12m", "ed_visits_12m")]
    result = lab1.features(fewer)
    assert result.passed and "prior use of care" in result.message
    result = lab1.features([c for c in lab["features"] if c != "spo2"])
    assert result.passed and "leaves out spo2" in result.message and "spo2" in result.message


# Exercise 1.2 ---------------------------------------------------------------------------

def test_split_right_answer(lenient, lab):
    result = lab1.split(lab["train"], lab["test"])
    assert result.passed and f"test {len(lab['test']):,} admissions" in result.message


def test_split_hints(lenient, lab):
    raw, train, test, later = lab["raw"], lab["train"], lab["test"], lab["later"]
    early_all = raw[raw["admit_year"] <= 2022]
    assert "no outcome" in lab1.split(early_all, test).message
    assert "patients appear in both" in lab1.split(train, later).message
    with_2022 = pd.concat([test, train[train["admit_year"] == 2022]])
    assert "split by time" in lab1.split(train, with_2022).message
    complete = train.dropna(subset=["lactate_mmol_l", "hba1c_last_year_pct"])
    assert "missing lactate or HbA1c" in lab1.split(complete, test).message
    no_returning = train[~train["patient_key"].isin(set(later["patient_key"]))]
    assert "removed returning patients" in lab1.split(no_returning, later).message
    a, b = train_test_split(lab["at_risk"], test_size=0.25, random_state=0)
    assert "2019-2022 only" in lab1.split(a, b).message
    assert "DataFrame" in lab1.split(train["admission_id"], test).message
    assert "replace each ..." in lab1.split(..., test).message


# Exercise 1.3 ---------------------------------------------------------------------------

def test_logistic_right_answer(lenient, lab):
    value = auroc(lab["model"], lab["test"], lab["features"])
    result = lab1.logistic(lab["model"], value)
    assert result.passed and f"{value:.3f}" in result.message


def test_logistic_hints(lenient, lab):
    model, test, features = lab["model"], lab["test"], lab["features"]
    y_test = test[OUTCOME].astype(int)
    right = auroc(model, test, features)
    labels = model.predict(test[features])
    for value, hint in [
        (auroc(model, lab["train"], features), "training-set AUROC"),
        (1 - right, "class 0"),
        (roc_auc_score(y_test, labels), "0/1 labels"),
        (accuracy_score(y_test, labels), "accuracy"),
        (1.7, "between 0 and 1"),
        ("high", "one number"),
    ]:
        result = lab1.logistic(model, value)
        assert not result.passed and hint in result.message, hint


def test_logistic_model_problems(lenient, lab):
    features, numeric, train, test = lab["features"], lab["numeric"], lab["train"], lab["test"]
    unfitted = pipeline(numeric, CATEGORICAL, LogisticRegression(max_iter=1000))
    assert "not fitted yet" in lab1.logistic(unfitted, 0.6).message
    assert "Pipeline" in lab1.logistic(LogisticRegression(), 0.6).message
    assert "last step" in lab1.logistic(lab["boosting"], 0.6).message
    on_test = clone(lab["model"]).fit(test[features], test[OUTCOME].astype(int))
    result = lab1.logistic(on_test, auroc(on_test, test, features))
    assert "not fitted on the training set" in result.message
    leaky = pipeline(numeric + ["cost_of_stay_usd"], CATEGORICAL,
                     LogisticRegression(max_iter=1000))
    leaky.fit(train[features + ["cost_of_stay_usd"]], lab["y_train"])
    assert "'cost_of_stay_usd'" in lab1.logistic(leaky, 0.6).message


# Exercise 1.4 ---------------------------------------------------------------------------

def test_boosting_right_answer_and_hints(lenient, lab):
    boosting, features = lab["boosting"], lab["features"]
    right = auroc(boosting, lab["test"], features)
    assert lab1.boosting(boosting, right).passed
    hints = [(auroc(boosting, lab["train"], features), "training-set AUROC"),
             (auroc(lab["model"], lab["test"], features), "logistic regression's AUROC"),
             (0.5, "compute roc_auc_score(y_test, boosting.predict_proba")]
    for value, hint in hints:
        result = lab1.boosting(boosting, value)
        assert not result.passed and hint in result.message, hint
    assert "last step" in lab1.boosting(lab["model"], right).message


def test_boosting_needs_a_random_state(lenient, lab):
    unseeded = clone(lab["boosting"]).set_params(histgradientboostingclassifier__random_state=None)
    assert "random_state" in lab1.boosting(unseeded, 0.6).message


# Exercise 1.5 ---------------------------------------------------------------------------

def test_random_split_right_answer(lenient, lab):
    value = auroc(lab["random_model"], lab["rand_test"], lab["features"])
    result = lab1.random_split(lab["rand_train"], lab["rand_test"], lab["random_model"], value)
    assert result.passed and f"{value:.3f}" in result.message


def test_random_split_hints(lenient, lab):
    features, model = lab["features"], lab["random_model"]
    rand_train, rand_test = lab["rand_train"], lab["rand_test"]
    honest = lab1.random_split(lab["train"], lab["test"], lab["model"], 0.6)
    assert "honest split by time" in honest.message
    a, b = train_test_split(lab["at_risk"], test_size=0.25, random_state=1)
    assert "random_state=RANDOM_STATE" in lab1.random_split(a, b, model, 0.6).message
    a, b = train_test_split(lab["at_risk"], test_size=0.2, random_state=0)
    assert "test_size=0.25" in lab1.random_split(a, b, model, 0.6).message
    a, b = train_test_split(lab["raw"], test_size=0.25, random_state=0)
    assert "admissions at risk" in lab1.random_split(a, b, model, 0.6).message
    train_value = auroc(model, rand_train, features)
    result = lab1.random_split(rand_train, rand_test, model, train_value)
    assert not result.passed and "training-set AUROC" in result.message
    honest_value = auroc(lab["model"], lab["test"], features)
    result = lab1.random_split(rand_train, rand_test, model, honest_value)
    assert not result.passed and "honest AUROC" in result.message
    honest_model_value = auroc(lab["model"], rand_test, features)
    result = lab1.random_split(rand_train, rand_test, lab["model"], honest_model_value)
    assert "not fitted on rand_train" in result.message
    assert "replace each ..." in lab1.random_split(rand_train, ..., model, 0.6).message
