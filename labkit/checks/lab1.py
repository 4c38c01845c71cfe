"""Checks for Lab 1 - Build a risk model.

Every expected value is recomputed at call time: the split from the shipped
SYNTHETIC admissions cohort (:func:`labkit.cohorts.readmission_task`), and each
AUROC from the learner's own fitted model with :func:`sklearn.metrics.roc_auc_score`.

>>> from labkit import cohorts
>>> from labkit.checks import lab1
>>> lab1.features(cohorts.FEATURES).passed
✔ Exercise 1.1 - correct: 28 inputs, all known at discharge, none of them leaky.
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from labkit import cohorts, datasets
from labkit.checks import Feedback, close, feedback, unanswered

__all__ = ["NOT_INPUTS", "KEY_GROUPS", "features", "split", "logistic", "boosting",
           "random_split"]

TARGET = cohorts.TARGET
FIRST_TEST_YEAR = 2023
RANDOM_STATE = 0
#: Every column of the cohort that is not a model input, with the reason a learner sees.
NOT_INPUTS: dict[str, str] = {
    TARGET: "is the outcome itself",
    "cost_next_year_usd": "is spending in the 12 months after discharge, recorded after the "
    "moment of prediction (in a real record it includes the cost of any readmission)",
    "cost_of_stay_usd": "is known only after discharge, when the bill is settled",
    "deterioration": "is an outcome column (ICU transfer or death during the stay), kept for "
    "other questions; leave outcome columns out",
    "died_in_hospital": "is an outcome column; every patient at risk left hospital alive, so "
    "it is 0 for all of them",
    "admission_id": "is an identifier, not a patient characteristic: a model could only use it "
    "to recognise admissions",
    "patient_key": "is an identifier, not a patient characteristic: a model could only use it "
    "to recognise patients",
    "admit_year": "is calendar time: the model will be used in years it has never seen",
    "admit_quarter": "is calendar time, which the exercise asks you to leave out",
    "race_ethnicity": "is kept to audit the model (Lab 3), not as an input: Riverside decided "
    "not to allocate care by race and ethnicity",
}
#: Groups of inputs a readmission model at discharge should not miss.
KEY_GROUPS: dict[str, list[str]] = {
    "demographics": ["age", "sex"],
    "social context": ["payer", "adi_percentile"],
    "comorbidities": ["diabetes", "chf", "copd", "ckd", "cancer", "dementia", "liver_disease",
                      "n_chronic_conditions"],
    "prior use of care": ["prior_admissions_12m", "ed_visits_12m"],
    "first vital signs": ["heart_rate", "systolic_bp", "resp_rate", "temperature_c", "spo2"],
    "first laboratory values": ["creatinine_mg_dl", "sodium_mmol_l", "hemoglobin_g_dl",
                                "wbc_10e9_l", "lactate_mmol_l", "hba1c_last_year_pct"],
    "this stay": ["emergency_admission", "length_of_stay_days", "discharge_disposition"],
}


@functools.lru_cache(maxsize=2)
def _task_for(folder: str) -> cohorts.Task:
    return cohorts.readmission_task(last_train_year=FIRST_TEST_YEAR - 1)


def _task() -> cohorts.Task:
    """The shared task, built once per data folder (the checks only read it)."""
    return _task_for(str(datasets.data_dir()))


@functools.lru_cache(maxsize=2)
def _at_risk_for(folder: str) -> pd.DataFrame:
    df = datasets.load_admissions()
    return df[df[TARGET].notna()]


def _at_risk() -> pd.DataFrame:
    """The cohort's admissions at risk, in file order, as the learner builds them."""
    return _at_risk_for(str(datasets.data_dir()))


def _leak_problems(columns: Sequence[str]) -> list[str]:
    """One message per column that must not be a model input, outcomes first."""
    order = list(NOT_INPUTS)
    bad = sorted({c for c in columns if c in NOT_INPUTS}, key=order.index)
    return [f"'{c}' {NOT_INPUTS[c]}" for c in bad]


def features(features: object) -> Feedback:
    """Exercise 1.1: the list of columns a readmission model may use at discharge."""
    if unanswered(features):
        return feedback("1.1", False, "replace ... with your list of column names.")
    if isinstance(features, str) or not isinstance(features, Sequence | pd.Index | np.ndarray):
        return feedback("1.1", False, "features should be a list of column names, "
                        f"e.g. ['age', 'sex', ...]; got {type(features).__name__}.")
    names = [str(c) for c in features]
    columns = [c.name for c in datasets.card("admissions").columns]
    unknown = [c for c in names if c not in columns]
    if unknown:
        return feedback("1.1", False, f"'{unknown[0]}' is not a column of cohort; "
                        "check the spelling against cohort.columns.")
    if len(set(names)) != len(names):
        twice = sorted({c for c in names if names.count(c) > 1})
        return feedback("1.1", False, f"{twice} appear more than once; list each column once.")
    problems = _leak_problems(names)
    if problems:
        more = f" Also remove {len(problems) - 1} more: " + "; ".join(problems[1:]) + "." \
            if len(problems) > 1 else ""
        return feedback("1.1", False, f"remove {problems[0]}.{more}")
    if not names:
        return feedback("1.1", False, "the list is empty; name the columns known at discharge.")
    left_out = [group for group, cols in KEY_GROUPS.items() if not set(cols) & set(names)]
    message = f"{len(names)} inputs, all known at discharge, none of them leaky."
    if left_out:
        message += (" Note: you left out every column of " + ", ".join(left_out)
                    + "; a readmission model usually needs them.")
    missing = [c for c in cohorts.FEATURES if c not in names]
    if missing and not left_out:
        message += (f" Note: your list leaves out {', '.join(missing)}, known at discharge; "
                    "the rest of the lab assumes every usable column.")
    return feedback("1.1", True, message)


def _ids(df: pd.DataFrame) -> set[int]:
    return {int(i) for i in df["admission_id"]}


def split(train: object, test: object) -> Feedback:
    """Exercise 1.2: training (2019-2022) and test (2023-2024, new patients) sets."""
    if unanswered(train, test):
        return feedback("1.2", False, "replace each ... with a DataFrame.")
    for name, df in (("train", train), ("test", test)):
        if not isinstance(df, pd.DataFrame):
            return feedback("1.2", False, f"{name} should be a DataFrame of rows of cohort, "
                            f"got {type(df).__name__}.")
        lacking = [c for c in ("admission_id", "patient_key", "admit_year", TARGET)
                   if c not in df.columns]
        if lacking:
            return feedback("1.2", False, f"{name} lacks column '{lacking[0]}': keep every "
                            "column of cohort and select rows only.")
    assert isinstance(train, pd.DataFrame) and isinstance(test, pd.DataFrame)
    for name, df in (("train", train), ("test", test)):
        if df[TARGET].isna().any():
            n = int(df[TARGET].isna().sum())
            return feedback("1.2", False, f"{name} has {n} admissions with no outcome (deaths "
                            "and hospice discharges); keep only rows where readmitted_30d "
                            "is not missing.")
    first = FIRST_TEST_YEAR
    if (train["admit_year"] >= first).any():
        years = sorted({int(y) for y in train["admit_year"] if y >= first})
        return feedback("1.2", False, f"train holds admissions from {years}; it should hold "
                        f"{first - 4}-{first - 1} only.")
    if (test["admit_year"] < first).any():
        years = sorted({int(y) for y in test["admit_year"] if y < first})
        return feedback("1.2", False, f"test holds admissions from {years}; split by time: "
                        f"test is {first}-{first + 1} only.")
    shared = set(train["patient_key"]) & set(test["patient_key"])
    if shared:
        return feedback("1.2", False, f"{len(shared)} patients appear in both sets; drop from "
                        "test every patient_key that is in train.")
    task = _task()
    want_train, want_test = _ids(task.train), _ids(task.test)
    got_train, got_test = _ids(train), _ids(test)
    incomplete = task.train[task.train["lactate_mmol_l"].isna()
                            | task.train["hba1c_last_year_pct"].isna()]
    if got_train < want_train:
        lost = want_train - got_train
        if lost <= _ids(incomplete):
            return feedback("1.2", False, f"train is missing {len(lost)} admissions with a "
                            "missing lactate or HbA1c; keep them (the pipeline imputes).")
        if got_test > want_test:
            return feedback("1.2", False, "you removed returning patients from the training "
                            "set; keep all of 2019-2022 in train and drop them from test.")
        return feedback("1.2", False, f"train is missing {len(lost)} of the "
                        f"{len(want_train)} at-risk admissions of {first - 4}-{first - 1}.")
    if got_train != want_train:
        return feedback("1.2", False, "train should be exactly the at-risk admissions of "
                        f"{first - 4}-{first - 1}.")
    if got_test != want_test:
        lost = want_test - got_test
        if lost and lost <= _ids(task.test[task.test["lactate_mmol_l"].isna()
                                           | task.test["hba1c_last_year_pct"].isna()]):
            return feedback("1.2", False, f"test is missing {len(lost)} admissions with a "
                            "missing lactate or HbA1c; keep them (the pipeline imputes).")
        return feedback("1.2", False, f"test should hold the {len(want_test)} at-risk "
                        f"admissions of {first}-{first + 1} whose patient is not in train; "
                        f"yours has {len(got_test)}.")
    return feedback(
        "1.2", True,
        f"train {len(train):,} admissions ({first - 4}-{first - 1}), test {len(test):,} "
        f"admissions of {test['patient_key'].nunique():,} patients new to the model "
        f"({first}-{first + 1}); readmitted {task.y_train.mean():.1%} and "
        f"{task.y_test.mean():.1%}.")


def _input_columns(model: Pipeline) -> list[str]:
    """The columns a fitted pipeline actually uses."""
    for _, step in model.steps:
        if isinstance(step, ColumnTransformer):
            used: list[str] = []
            for _, transformer, cols in step.transformers_:
                if transformer == "drop" or isinstance(cols, slice):
                    continue
                if transformer == "passthrough" and not len(cols):
                    continue
                names = [step.feature_names_in_[c] if isinstance(c, int | np.integer) else c
                         for c in np.atleast_1d(cols)]
                used += [str(c) for c in names if str(c) not in used]
            return used
    return [str(c) for c in getattr(model, "feature_names_in_", [])]


def _fitted_pipeline(model: object, kind: type, name: str) -> str | None:
    """A hint if ``model`` is not a fitted Pipeline ending in ``kind``, else None."""
    if not isinstance(model, Pipeline):
        return (f"{name} should be a scikit-learn Pipeline (make_pipeline(preprocess, ...)), "
                f"got {type(model).__name__}.")
    if not isinstance(model.steps[-1][1], kind):
        return (f"the last step of {name} should be a {kind.__name__}, "
                f"not {type(model.steps[-1][1]).__name__}.")
    try:
        check_is_fitted(model)
    except NotFittedError:
        return f"{name} is not fitted yet: call {name}.fit(train[features], y_train)."
    if not hasattr(model, "feature_names_in_"):
        return f"fit {name} on a DataFrame (train[features]) so it knows the column names."
    leaks = _leak_problems(_input_columns(model))
    if leaks:
        return f"{name} uses a column it must not: {leaks[0]}."
    return None


def _auroc(model: Pipeline, df: pd.DataFrame, y: pd.Series) -> float:
    return float(roc_auc_score(y, model.predict_proba(df[list(model.feature_names_in_)])[:, 1]))


def _auroc_hint(value: object, model: Pipeline, expected: float, df: pd.DataFrame,
                y: pd.Series, train_auroc: float, how: str,
                extra: dict[str, Callable[[], float]] | None = None) -> str | None:
    """None if ``value`` matches ``expected``; otherwise the likeliest mistake."""
    if close(value, expected, rel=0, abs_=5e-4):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return f"the AUROC should be one number, got {type(value).__name__}."
    X = df[list(model.feature_names_in_)]
    labels = model.predict(X)
    candidates = {
        "that is the training-set AUROC; compute it on the test set": train_auroc,
        "that is the AUROC of the probabilities of class 0 (no readmission); use "
        "predict_proba(...)[:, 1]": 1 - expected,
        "predict() gives 0/1 labels at a 50% threshold, which throws the ranking away; use "
        "the probabilities predict_proba(...)[:, 1]": float(roc_auc_score(y, labels)),
        "that is the accuracy (model.score); compute roc_auc_score": float(
            accuracy_score(y, labels)),
        "that is the average precision; compute roc_auc_score": float(
            average_precision_score(y, model.predict_proba(X)[:, 1])),
    }
    for hint, candidate in candidates.items():
        if close(number, candidate, rel=0, abs_=5e-4):
            return hint + "."
    for hint, compute in (extra or {}).items():  # costlier guesses, computed only if needed
        if close(number, compute(), rel=0, abs_=5e-4):
            return hint + "."
    if not 0 <= number <= 1:
        return "an AUROC lies between 0 and 1."
    return f"compute {how}."


def _refit_matches(model: Pipeline, fit_df: pd.DataFrame, fit_y: pd.Series,
                   score_df: pd.DataFrame, score_y: pd.Series, got: float) -> bool:
    """True if a fresh copy fitted on ``fit_df`` scores as the learner's model does."""
    with threadpool_limits(limits=1):  # OpenMP threads crawl on a busy machine
        copy = clone(model).fit(fit_df[list(model.feature_names_in_)], fit_y)
    return close(_auroc(copy, score_df, score_y), got, rel=0, abs_=1e-3)


def _imputer_note(model: Pipeline) -> str:
    def imputers(est: object) -> list[SimpleImputer]:
        found = [est] if isinstance(est, SimpleImputer) else []
        for child in getattr(est, "steps", []):
            found += imputers(child[1])
        for child in getattr(est, "transformers_", []):
            found += imputers(child[1])
        return found

    if any(imp.add_indicator for imp in imputers(model)):
        return ""
    return (" Note: no SimpleImputer(add_indicator=True) in your pipeline, so the model "
            "cannot see which values were missing.")


def logistic(model: object, auroc_test: object) -> Feedback:
    """Exercise 1.3: a fitted logistic-regression pipeline and its test-set AUROC."""
    if unanswered(model, auroc_test):
        return feedback("1.3", False, "replace each ... with your answer.")
    problem = _fitted_pipeline(model, LogisticRegression, "model")
    if problem:
        return feedback("1.3", False, problem)
    assert isinstance(model, Pipeline)
    task = _task()
    expected = _auroc(model, task.test, task.y_test)
    train_auroc = _auroc(model, task.train, task.y_train)
    hint = _auroc_hint(auroc_test, model, expected, task.test, task.y_test, train_auroc,
                       "roc_auc_score(y_test, model.predict_proba(test[features])[:, 1])")
    if hint:
        return feedback("1.3", False, hint)
    if not _refit_matches(model, task.train, task.y_train, task.test, task.y_test, expected):
        return feedback("1.3", False, "your model was not fitted on the training set of "
                        "Exercise 1.2; fit it with model.fit(train[features], y_train).")
    return feedback("1.3", True, f"test AUROC {expected:.3f} (training set {train_auroc:.3f})."
                    + _imputer_note(model))


def boosting(boosting: object, auroc_boosting: object) -> Feedback:
    """Exercise 1.4: a fitted gradient-boosting pipeline and its test-set AUROC."""
    if unanswered(boosting, auroc_boosting):
        return feedback("1.4", False, "replace each ... with your answer.")
    if (isinstance(boosting, Pipeline)
            and isinstance(boosting.steps[-1][1], HistGradientBoostingClassifier)
            and boosting.steps[-1][1].random_state is None):
        return feedback("1.4", False, "pass random_state=RANDOM_STATE to "
                        "HistGradientBoostingClassifier so the result can be reproduced.")
    problem = _fitted_pipeline(boosting, HistGradientBoostingClassifier, "boosting")
    if problem:
        return feedback("1.4", False, problem)
    assert isinstance(boosting, Pipeline)
    task = _task()
    expected = _auroc(boosting, task.test, task.y_test)
    train_auroc = _auroc(boosting, task.train, task.y_train)

    def logistic_auroc() -> float:
        return _auroc(cohorts.reference_model(task, "logistic"), task.test, task.y_test)

    extra = {"that is the logistic regression's AUROC from Exercise 1.3; score boosting":
             logistic_auroc}
    hint = _auroc_hint(auroc_boosting, boosting, expected, task.test, task.y_test, train_auroc,
                       "roc_auc_score(y_test, boosting.predict_proba(test[features])[:, 1])",
                       extra)
    if hint:
        return feedback("1.4", False, hint)
    if not _refit_matches(boosting, task.train, task.y_train, task.test, task.y_test, expected):
        return feedback("1.4", False, "your boosting model was not fitted on the training set "
                        "of Exercise 1.2; fit it with boosting.fit(train[features], y_train).")
    return feedback("1.4", True, f"test AUROC {expected:.3f}, against {train_auroc:.3f} on the "
                    "training set: boosting fits its training patients far better than new ones.")


def random_split(rand_train: object, rand_test: object, random_model: object,
                 auroc_random_split: object) -> Feedback:
    """Exercise 1.5: the AUROC a (wrong) random split of rows would have reported."""
    if unanswered(rand_train, rand_test, random_model, auroc_random_split):
        return feedback("1.5", False, "replace each ... with your answer.")
    for name, df in (("rand_train", rand_train), ("rand_test", rand_test)):
        if not isinstance(df, pd.DataFrame) or "admission_id" not in df.columns:
            return feedback("1.5", False, f"{name} should be a DataFrame of rows of at_risk "
                            "(from train_test_split).")
    assert isinstance(rand_train, pd.DataFrame) and isinstance(rand_test, pd.DataFrame)
    if (rand_train[TARGET].isna().any() or rand_test[TARGET].isna().any()):
        return feedback("1.5", False, "split only the admissions at risk (at_risk from "
                        "Exercise 1.2), not the whole cohort.")
    if (rand_test["admit_year"].min() >= FIRST_TEST_YEAR
            and rand_train["admit_year"].max() < FIRST_TEST_YEAR):
        return feedback("1.5", False, "that is the honest split by time; this exercise asks "
                        "for a random split of rows with train_test_split.")
    want_train, want_test = train_test_split(_at_risk(), test_size=0.25,
                                             random_state=RANDOM_STATE)
    if _ids(rand_train) != _ids(want_train) or _ids(rand_test) != _ids(want_test):
        if len(rand_test) != len(want_test):
            return feedback("1.5", False, f"rand_test has {len(rand_test)} rows; use "
                            "test_size=0.25 on at_risk.")
        return feedback("1.5", False, "use train_test_split(at_risk, test_size=0.25, "
                        "random_state=RANDOM_STATE) so the check can repeat your split.")
    problem = _fitted_pipeline(random_model, LogisticRegression, "random_model")
    if problem:
        return feedback("1.5", False, problem)
    assert isinstance(random_model, Pipeline)
    y_rand_train = rand_train[TARGET].astype(int)
    y_rand_test = rand_test[TARGET].astype(int)
    expected = _auroc(random_model, rand_test, y_rand_test)
    train_auroc = _auroc(random_model, rand_train, y_rand_train)

    def honest_auroc() -> float:
        task = _task()
        columns = list(random_model.feature_names_in_)
        honest_model = clone(random_model).fit(task.train[columns], task.y_train)
        return _auroc(honest_model, task.test, task.y_test)

    extra = {"that is the honest AUROC from Exercise 1.3; score random_model on rand_test":
             honest_auroc}
    hint = _auroc_hint(auroc_random_split, random_model, expected, rand_test, y_rand_test,
                       train_auroc, "roc_auc_score on rand_test with "
                       "random_model.predict_proba(rand_test[features])[:, 1]", extra)
    if hint:
        return feedback("1.5", False, hint)
    if not _refit_matches(random_model, rand_train, y_rand_train, rand_test, y_rand_test,
                          expected):
        return feedback("1.5", False, "random_model was not fitted on rand_train; fit a fresh "
                        "copy: clone(model).fit(rand_train[features], its outcome).")
    honest = honest_auroc()
    return feedback("1.5", True, f"the random split reports AUROC {expected:.3f}; split by time "
                    f"and patient, the same recipe scores {honest:.3f}.")
