"""labkit.checks.lab1 against answers built here from the raw CSV with pandas and
scikit-learn directly: the solution and other correct answers pass (another
solver, another order, a rounded value), and each plausible wrong answer fails
with its hint (``not passed`` and the hint, both asserted)."""

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


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Gradient boosting's OpenMP threads crawl on a busy machine (parallel test runs)."""
    with threadpool_limits(limits=1):
        yield


def pipeline(numeric, categorical, estimator, scale=True, indicator=True):
    steps = [SimpleImputer(strategy="median", add_indicator=indicator)]
    steps += [StandardScaler()] if scale else []
    parts = [(make_pipeline(*steps), numeric)] if numeric else []
    parts += [(OneHotEncoder(handle_unknown="ignore"), categorical)] if categorical else []
    return make_pipeline(make_column_transformer(*parts), estimator)


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

@pytest.mark.parametrize("answer", [
    lambda f: f, lambda f: list(reversed(f)), lambda f: tuple(f), lambda f: pd.Index(f),
    lambda f: sorted(f)])
def test_features_right_answers(lenient, lab, answer):
    result = lab1.features(answer(list(lab["features"])))
    assert result.passed and "all 28 inputs" in result.message


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
    (lambda f: [c for c in f if c != "spo2"], "1 inputs known at discharge are missing"),
    (lambda f: [c for c in f if c not in ("prior_admissions_12m", "ed_visits_12m")],
     "every column of prior use of care"),
    (lambda f: f[:5], "23 inputs known at discharge are missing"),
    (lambda f: "age", "list of column names"),
    (lambda f: [], "empty"),
    (lambda f: ..., "replace ..."),
])
def test_features_wrong_answers(lenient, lab, change, hint):
    result = lab1.features(change(list(lab["features"])))
    assert not result.passed and hint in result.message


# Exercise 1.2 ---------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [
    lambda tr, te: (tr, te),
    lambda tr, te: (tr.reset_index(drop=True), te.reset_index(drop=True)),
    lambda tr, te: (tr.sort_values("admission_id", ascending=False), te.sample(frac=1,
                                                                               random_state=1)),
    lambda tr, te: (tr[list(reversed(tr.columns))].copy(), te.copy()),
])
def test_split_right_answers(lenient, lab, answer):
    train, test = answer(lab["train"], lab["test"])
    result = lab1.split(train, test)
    assert result.passed and f"test {len(lab['test']):,} admissions" in result.message


def test_split_wrong_answers(lenient, lab):
    raw, train, test, later = lab["raw"], lab["train"], lab["test"], lab["later"]
    cases = [
        (raw[raw["admit_year"] <= 2022], test, "no outcome"),
        (train, later, "patients appear in both"),
        (train, pd.concat([test, train[train["admit_year"] == 2022]]), "split by time"),
        (train.dropna(subset=["lactate_mmol_l", "hba1c_last_year_pct"]), test,
         "missing lactate or HbA1c"),
        (train[~train["patient_key"].isin(set(later["patient_key"]))], later,
         "removed returning patients"),
        (*train_test_split(lab["at_risk"], test_size=0.25, random_state=0), "2019-2022 only"),
        (pd.concat([train, train]), test, "more than once"),
        (train, pd.concat([test, test.iloc[:10]]), "more than once"),
        (train.iloc[:-100], test, "is missing 100 of the"),
        (train[["admission_id", "admit_year", OUTCOME]], test, "lacks the column 'patient_key'"),
        (train["admission_id"], test, "DataFrame"),
        (..., test, "replace each ..."),
    ]
    for a, b, hint in cases:
        result = lab1.split(a, b)
        assert not result.passed and hint in result.message, hint


# Exercise 1.3 ---------------------------------------------------------------------------

def logistic_variants(lab):
    """Other correct models: another solver, another column order."""
    numeric, train = lab["numeric"], lab["train"]
    fit = [
        pipeline(numeric, CATEGORICAL, LogisticRegression(solver="newton-cholesky")),
        pipeline(numeric, CATEGORICAL, LogisticRegression(solver="liblinear")),
        pipeline(list(reversed(numeric)), list(reversed(CATEGORICAL)),
                 LogisticRegression(max_iter=1000)),
    ]
    return [m.fit(train[lab["features"]], lab["y_train"]) for m in fit]


def test_logistic_right_answers(lenient, lab):
    model, test, features = lab["model"], lab["test"], lab["features"]
    value = auroc(model, test, features)
    for answer in (value, round(value, 3), round(value, 2), float(f"{value:.4f}")):
        result = lab1.logistic(model, answer)
        assert result.passed and f"{value:.3f}" in result.message, answer
    for other in logistic_variants(lab):
        assert lab1.logistic(other, auroc(other, test, features)).passed


def test_logistic_wrong_auroc(lenient, lab):
    model, test, features = lab["model"], lab["test"], lab["features"]
    y_test = test[OUTCOME].astype(int)
    right = auroc(model, test, features)
    labels = model.predict(test[features])
    for value, hint in [
        (auroc(model, lab["train"], features), "training-set AUROC"),
        (round(auroc(model, lab["train"], features), 3), "training-set AUROC"),
        (1 - right, "class 0"),
        (roc_auc_score(y_test, labels), "0/1 labels"),
        (accuracy_score(y_test, labels), "accuracy"),
        (round(right, 1), "too coarse"),
        (100 * right, "percentage"),
        (1.7, "between 0 and 1"),
        ("high", "one number"),
    ]:
        result = lab1.logistic(model, value)
        assert not result.passed and hint in result.message, hint


def test_logistic_wrong_models(lenient, lab):
    numeric, train, test = lab["numeric"], lab["train"], lab["test"]
    y_train = lab["y_train"]

    def fitted(num, cat, est=None, rows=train, y=y_train, **kw):
        model = pipeline(num, cat, est or LogisticRegression(max_iter=1000), **kw)
        return model.fit(rows[num + cat], y)

    one_feature = fitted(["age"], [])
    cases = [
        (pipeline(numeric, CATEGORICAL, LogisticRegression(max_iter=1000)), "not fitted yet"),
        (LogisticRegression(), "Pipeline"),
        (lab["boosting"], "last step"),
        (one_feature, "does not use every input"),
        (fitted(numeric[:-3], CATEGORICAL), "3 inputs known at discharge are missing"),
        (fitted(numeric, CATEGORICAL, rows=test, y=test[OUTCOME].astype(int)),
         f"fitted on {len(test):,} rows"),
        (fitted(numeric, CATEGORICAL, rows=pd.concat([train, train]),
                y=pd.concat([y_train, y_train])), f"fitted on {2 * len(train):,} rows"),
        (fitted(numeric + ["cost_of_stay_usd"], CATEGORICAL), "'cost_of_stay_usd'"),
        (fitted(numeric, CATEGORICAL, scale=False, est=LogisticRegression(max_iter=5000)),
         "StandardScaler"),
        (fitted(numeric, CATEGORICAL, indicator=False), "add_indicator=True"),
        (fitted(numeric, CATEGORICAL, est=LogisticRegression(C=0.01)), "risks differ"),
    ]
    for model, hint in cases:
        value = auroc(model, test, list(model.feature_names_in_)) if hasattr(
            model, "feature_names_in_") else 0.6
        result = lab1.logistic(model, value)
        assert not result.passed and hint in result.message, hint


# Exercise 1.4 ---------------------------------------------------------------------------

def test_boosting_right_answers(lenient, lab):
    boosting, features, test = lab["boosting"], lab["features"], lab["test"]
    right = auroc(boosting, test, features)
    for value in (right, round(right, 3), round(right, 2)):
        assert lab1.boosting(boosting, value).passed
    numeric = list(reversed(lab["numeric"]))
    reordered = pipeline(numeric, CATEGORICAL, HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0))
    reordered.fit(lab["train"][features], lab["y_train"])
    assert lab1.boosting(reordered, auroc(reordered, test, features)).passed


def test_boosting_wrong_answers(lenient, lab):
    boosting, features, train = lab["boosting"], lab["features"], lab["train"]
    right = auroc(boosting, lab["test"], features)
    hints = [(auroc(boosting, train, features), "training-set AUROC"),
             (auroc(lab["model"], lab["test"], features), "logistic regression's AUROC"),
             (1 - right, "class 0"),
             (0.5, "compute roc_auc_score(y_test, boosting.predict_proba")]
    for value, hint in hints:
        result = lab1.boosting(boosting, value)
        assert not result.passed and hint in result.message, hint
    result = lab1.boosting(lab["model"], right)
    assert not result.passed and "last step" in result.message
    key = "histgradientboostingclassifier__"
    for change, hint in [({key + "random_state": None}, "random_state=RANDOM_STATE"),
                         ({key + "max_iter": 100}, "max_iter=200"),
                         ({key + "learning_rate": 0.1}, "learning_rate=0.05")]:
        other = clone(boosting).set_params(**change)
        result = lab1.boosting(other, right)
        assert not result.passed and hint in result.message, hint
    on_all = clone(boosting).fit(lab["at_risk"][features], lab["at_risk"][OUTCOME].astype(int))
    result = lab1.boosting(on_all, auroc(on_all, lab["test"], features))
    assert not result.passed and f"fitted on {len(lab['at_risk']):,} rows" in result.message
    no_flags = pipeline(lab["numeric"], CATEGORICAL, HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0), indicator=False)
    no_flags.fit(train[features], lab["y_train"])
    result = lab1.boosting(no_flags, auroc(no_flags, lab["test"], features))
    assert not result.passed and "clone(preprocess)" in result.message


# Exercise 1.5 ---------------------------------------------------------------------------

def test_random_split_right_answers(lenient, lab):
    features = lab["features"]
    rand_train, rand_test, model = lab["rand_train"], lab["rand_test"], lab["random_model"]
    value = auroc(model, rand_test, features)
    for answer in (value, round(value, 3)):
        result = lab1.random_split(rand_train, rand_test, model, answer)
        assert result.passed and f"{value:.3f}" in result.message
    fresh = pipeline(lab["numeric"], CATEGORICAL, LogisticRegression(solver="newton-cholesky"))
    fresh.fit(rand_train[features], rand_train[OUTCOME].astype(int))
    result = lab1.random_split(rand_train.reset_index(drop=True), rand_test, fresh,
                               auroc(fresh, rand_test, features))
    assert result.passed


def test_random_split_wrong_answers(lenient, lab):
    features, model = lab["features"], lab["random_model"]
    rand_train, rand_test = lab["rand_train"], lab["rand_test"]
    cases = [
        (lab["train"], lab["test"], lab["model"], 0.6, "honest split by time"),
        (*train_test_split(lab["at_risk"], test_size=0.25, random_state=1), model, 0.6,
         "random_state=RANDOM_STATE"),
        (*train_test_split(lab["at_risk"], test_size=0.2, random_state=0), model, 0.6,
         "test_size=0.25"),
        (*train_test_split(lab["raw"], test_size=0.25, random_state=0), model, 0.6,
         "admissions at risk"),
        (pd.concat([rand_train, rand_train.iloc[:5]]), rand_test, model, 0.6, "more than once"),
        (rand_train, rand_test, model, auroc(model, rand_train, features), "training-set AUROC"),
        (rand_train, rand_test, model, auroc(lab["model"], lab["test"], features),
         "honest AUROC"),
        (rand_train, rand_test, lab["model"], auroc(lab["model"], rand_test, features),
         f"fitted on {len(lab['train']):,} rows"),
        (rand_train, ..., model, 0.6, "replace each ..."),
    ]
    for a, b, m, value, hint in cases:
        result = lab1.random_split(a, b, m, value)
        assert not result.passed and hint in result.message, hint
