"""Checks for Lab 1 - Build a risk model.

Each check judges against what the exercise asked, recomputed from the shipped
SYNTHETIC admissions cohort (:mod:`labkit.checks.state`): the inputs known at
discharge, the split by time and patient, and Lab 1's pipelines. A model is
judged on structure first (every input, fitted on the right rows, the asked
estimator) and then on its risks, which must match the exercise's pipeline to
within what another solver gives; an AUROC is then compared with the learner's
own model, rounded or not.

>>> from labkit import cohorts
>>> from labkit.checks import lab1
>>> lab1.features(cohorts.FEATURES).passed
✔ Exercise 1.1 - correct: all 28 inputs known at discharge, none of them leaky.
True
"""

from __future__ import annotations

from collections.abc import Sequence

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
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from labkit import cohorts, datasets
from labkit.checks import Feedback, feedback, frame_problem, judge, rows_problem, unanswered
from labkit.checks.state import RANDOM_STATE, lab_state, one_thread

__all__ = ["NOT_INPUTS", "KEY_GROUPS", "BOOSTING_PARAMS", "features", "split", "logistic",
           "boosting", "random_split"]

TARGET = cohorts.TARGET
FIRST_TEST_YEAR = 2023
#: How far a learner's predicted risks may lie from the exercise's pipeline: another
#: converged solver (liblinear, newton-cholesky) moves them by up to 0.0023 here.
RISK_TOL = 0.005
#: The hyperparameters Exercise 1.4 asks for.
BOOSTING_PARAMS = {"max_iter": 200, "learning_rate": 0.05, "max_leaf_nodes": 15,
                   "random_state": RANDOM_STATE}
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
#: Groups of inputs a readmission model at discharge should not miss (named in hints).
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


def _leak_problems(columns: Sequence[str]) -> list[str]:
    """One message per column that must not be a model input, outcomes first."""
    order = list(NOT_INPUTS)
    bad = sorted({c for c in columns if c in NOT_INPUTS}, key=order.index)
    return [f"'{c}' {NOT_INPUTS[c]}" for c in bad]


def _missing_inputs(used: Sequence[str]) -> str | None:
    """A hint naming the inputs known at discharge that ``used`` leaves out, else None."""
    missing = [c for c in cohorts.FEATURES if c not in set(used)]
    if not missing:
        return None
    whole = [g for g, cols in KEY_GROUPS.items() if not set(cols) & set(used)]
    groups = f" (every column of {', '.join(whole)})" if whole else ""
    shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
    return (f"{len(missing)} inputs known at discharge are missing{groups}: {shown}. The "
            "exercise asks for every column recorded up to discharge except the ones it names.")


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
    missing = _missing_inputs(names)
    if missing:
        return feedback("1.1", False, missing)
    return feedback("1.1", True, f"all {len(names)} inputs known at discharge, none of them "
                    "leaky.")


def _ids(df: pd.DataFrame) -> list[int]:
    return [int(i) for i in df["admission_id"]]


def split(train: object, test: object) -> Feedback:
    """Exercise 1.2: training (2019-2022) and test (2023-2024, new patients) sets."""
    if unanswered(train, test):
        return feedback("1.2", False, "replace each ... with a DataFrame.")
    for name, df in (("train", train), ("test", test)):
        problem = frame_problem(df, name, columns=["admission_id", "patient_key", "admit_year",
                                                   TARGET])
        if problem:
            return feedback("1.2", False, problem + " Keep every column of cohort and select "
                            "rows only.")
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
    for name, df in (("train", train), ("test", test)):
        repeated = int(df["admission_id"].duplicated().sum())
        if repeated:
            return feedback("1.2", False, f"{name} holds {repeated} admissions more than once; "
                            "select rows of cohort without repeating any (no concat of a set "
                            "with itself).")
    shared = set(train["patient_key"]) & set(test["patient_key"])
    if shared:
        return feedback("1.2", False, f"{len(shared)} patients appear in both sets; drop from "
                        "test every patient_key that is in train.")
    task = lab_state().task
    want_train, want_test = set(_ids(task.train)), set(_ids(task.test))
    got_train, got_test = set(_ids(train)), set(_ids(test))
    incomplete_ids = set(_ids(pd.concat([task.train, task.test])[
        lambda d: d["lactate_mmol_l"].isna() | d["hba1c_last_year_pct"].isna()]))
    if got_train < want_train:
        lost = want_train - got_train
        if lost <= incomplete_ids:
            return feedback("1.2", False, f"train is missing {len(lost)} admissions with a "
                            "missing lactate or HbA1c; keep them (the pipeline imputes).")
        if got_test > want_test:
            return feedback("1.2", False, "you removed returning patients from the training "
                            "set; keep all of 2019-2022 in train and drop them from test.")
    problem = rows_problem(_ids(train), want_train, "train", "at-risk admissions of "
                           f"{first - 4}-{first - 1}")
    if problem:
        return feedback("1.2", False, problem)
    if got_test != want_test:
        lost = want_test - got_test
        if lost and lost <= incomplete_ids:
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


def _steps(est: object, kind: type) -> list:
    """Every fitted step of type ``kind`` inside a pipeline or column transformer."""
    found = [est] if isinstance(est, kind) else []
    for child in getattr(est, "steps", []):
        found += _steps(child[1], kind)
    for child in getattr(est, "transformers_", []):
        found += _steps(child[1], kind)
    return found


def _fitted_rows(model: Pipeline) -> int | None:
    """How many rows the pipeline's preprocessing was fitted on, if it records it."""
    for scaler in _steps(model, StandardScaler):
        seen = np.atleast_1d(scaler.n_samples_seen_)
        return int(seen.max())
    return None


def _structure(model: object, kind: type, name: str, rows: pd.DataFrame,
               rows_name: str) -> str | None:
    """A hint if ``model`` is not the asked pipeline fitted on ``rows``, else None."""
    if not isinstance(model, Pipeline):
        return (f"{name} should be a scikit-learn Pipeline (make_pipeline(preprocess, ...)), "
                f"got {type(model).__name__}.")
    if not isinstance(model.steps[-1][1], kind):
        return (f"the last step of {name} should be a {kind.__name__}, "
                f"not {type(model.steps[-1][1]).__name__}.")
    try:
        check_is_fitted(model)
    except NotFittedError:
        return f"{name} is not fitted yet: call {name}.fit({rows_name}[features], its outcome)."
    if not hasattr(model, "feature_names_in_"):
        return f"fit {name} on a DataFrame ({rows_name}[features]) so it knows the column names."
    used = _input_columns(model)
    leaks = _leak_problems(used)
    if leaks:
        return f"{name} uses a column it must not: {leaks[0]}."
    missing = _missing_inputs(used)
    if missing:
        return f"{name} does not use every input: {missing}"
    fitted_on = _fitted_rows(model)
    if fitted_on is not None and fitted_on != len(rows):
        return (f"{name} was fitted on {fitted_on:,} rows, but {rows_name} has {len(rows):,}: "
                f"fit it on {rows_name}[features] and its outcome.")
    return None


def _risk(model: Pipeline, df: pd.DataFrame) -> np.ndarray:
    with one_thread():
        return model.predict_proba(df[list(model.feature_names_in_)])[:, 1]


def _pipeline_hint(model: Pipeline) -> str:
    """What to check when a model's risks differ from the exercise's pipeline."""
    imputers = _steps(model, SimpleImputer)
    if not imputers or not all(i.add_indicator for i in imputers):
        return ("use SimpleImputer(strategy='median', add_indicator=True) for the numeric "
                "columns, so the model can see which values were missing.")
    if any(i.strategy != "median" for i in imputers):
        return "impute with the median (strategy='median'), as the exercise asks."
    if not _steps(model, StandardScaler):
        return "scale the numeric columns with StandardScaler after imputing them."
    return ("its risks differ from the exercise's pipeline: check each step against the "
            "exercise (median imputation with indicators, StandardScaler, OneHotEncoder, and "
            "the classifier's settings).")


def _auroc_slips(model: Pipeline, df: pd.DataFrame, y: pd.Series, expected: float,
                 train_auroc: float) -> list:
    """(value, hint) pairs for the usual ways an AUROC comes out wrong, computed lazily."""
    X = df[list(model.feature_names_in_)]

    def labels_auroc() -> float:
        return float(roc_auc_score(y, model.predict(X)))

    def accuracy() -> float:
        return float(accuracy_score(y, model.predict(X)))

    def average_precision() -> float:
        return float(average_precision_score(y, _risk(model, df)))

    return [
        (train_auroc, "that is the training-set AUROC; compute it on the test set."),
        (1 - expected, "that is the AUROC of the probabilities of class 0 (no readmission); use "
         "predict_proba(...)[:, 1]."),
        (labels_auroc, "predict() gives 0/1 labels at a 50% threshold, which throws the ranking "
         "away; use the probabilities predict_proba(...)[:, 1]."),
        (accuracy, "that is the accuracy (model.score); compute roc_auc_score."),
        (average_precision, "that is the average precision; compute roc_auc_score."),
    ]


def _judge_auroc(value: object, model: Pipeline, df: pd.DataFrame, y: pd.Series,
                 train_df: pd.DataFrame, train_y: pd.Series, name: str, how: str,
                 extra: list | None = None) -> tuple[float, float, str | None]:
    expected = float(roc_auc_score(y, _risk(model, df)))
    train_auroc = float(roc_auc_score(train_y, _risk(model, train_df)))
    hint = judge(value, expected, name=name, tol=5e-4, min_decimals=2, proportion=True,
                 slips=_auroc_slips(model, df, y, expected, train_auroc) + (extra or []),
                 otherwise=f"compute {how}.")
    return expected, train_auroc, hint


def logistic(model: object, auroc_test: object) -> Feedback:
    """Exercise 1.3: a fitted logistic-regression pipeline and its test-set AUROC."""
    if unanswered(model, auroc_test):
        return feedback("1.3", False, "replace each ... with your answer.")
    state = lab_state()
    task = state.task
    problem = _structure(model, LogisticRegression, "model", task.train, "train")
    if problem:
        return feedback("1.3", False, problem)
    assert isinstance(model, Pipeline)
    gap = float(np.abs(_risk(model, task.test) - state.risk).max())
    if gap > RISK_TOL:
        return feedback("1.3", False, _pipeline_hint(model))
    expected, train_auroc, hint = _judge_auroc(
        auroc_test, model, task.test, task.y_test, task.train, task.y_train, "auroc_test",
        "roc_auc_score(y_test, model.predict_proba(test[features])[:, 1])")
    if hint:
        return feedback("1.3", False, hint)
    return feedback("1.3", True, f"test AUROC {expected:.3f} (training set {train_auroc:.3f}).")


def boosting(boosting: object, auroc_boosting: object) -> Feedback:
    """Exercise 1.4: a fitted gradient-boosting pipeline and its test-set AUROC.

    Judged without refitting: the classifier's settings must be the asked ones
    and its preprocessing must turn test patients into the same table as Lab 1's
    pipeline does; a fitted model with both is the exercise's model.
    """
    if unanswered(boosting, auroc_boosting):
        return feedback("1.4", False, "replace each ... with your answer.")
    if isinstance(boosting, Pipeline) and isinstance(boosting.steps[-1][1],
                                                     HistGradientBoostingClassifier):
        params = boosting.steps[-1][1].get_params()
        for key, want in BOOSTING_PARAMS.items():
            if params[key] != want:
                shown = "RANDOM_STATE" if key == "random_state" else repr(want)
                extra = " so the result can be reproduced" if key == "random_state" else ""
                return feedback("1.4", False, f"pass {key}={shown} to "
                                f"HistGradientBoostingClassifier{extra}; yours has "
                                f"{params[key]!r}.")
    state = lab_state()
    task = state.task
    problem = _structure(boosting, HistGradientBoostingClassifier, "boosting", task.train,
                         "train")
    if problem:
        return feedback("1.4", False, problem)
    assert isinstance(boosting, Pipeline)
    sample = task.test.iloc[:300]
    try:
        table = boosting[:-1].transform(sample[list(boosting.feature_names_in_)])
        table = table.toarray() if hasattr(table, "toarray") else table
        theirs = pd.DataFrame(table, columns=[c.split("__")[-1]
                                              for c in boosting[:-1].get_feature_names_out()])
    except (ValueError, AttributeError, KeyError):
        theirs = None
    reference = state.logistic[:-1]
    ours = pd.DataFrame(reference.transform(sample[cohorts.FEATURES]),
                        columns=list(reference.get_feature_names_out()))
    if (theirs is None or set(theirs.columns) != set(ours.columns)
            or not np.allclose(theirs[ours.columns].to_numpy(dtype=float),
                               ours.to_numpy(dtype=float), atol=1e-9)):
        return feedback("1.4", False, "use a fresh copy of Exercise 1.3's preprocessing, "
                        "clone(preprocess), fitted on train: " + _pipeline_hint(boosting))

    def logistic_auroc() -> float:
        return float(roc_auc_score(task.y_test, state.risk))

    expected, train_auroc, hint = _judge_auroc(
        auroc_boosting, boosting, task.test, task.y_test, task.train, task.y_train,
        "auroc_boosting", "roc_auc_score(y_test, boosting.predict_proba(test[features])[:, 1])",
        [(logistic_auroc, "that is the logistic regression's AUROC from Exercise 1.3; score "
          "boosting.")])
    if hint:
        return feedback("1.4", False, hint)
    return feedback("1.4", True, f"test AUROC {expected:.3f}, against {train_auroc:.3f} on the "
                    "training set: boosting fits its training patients far better than new ones.")


def _random_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    state = lab_state()
    return state.memo("lab1.random_split", lambda: tuple(train_test_split(
        state.at_risk, test_size=0.25, random_state=RANDOM_STATE)))


def random_split(rand_train: object, rand_test: object, random_model: object,
                 auroc_random_split: object) -> Feedback:
    """Exercise 1.5: the AUROC a (wrong) random split of rows would have reported."""
    if unanswered(rand_train, rand_test, random_model, auroc_random_split):
        return feedback("1.5", False, "replace each ... with your answer.")
    for name, df in (("rand_train", rand_train), ("rand_test", rand_test)):
        problem = frame_problem(df, name, columns=["admission_id", "admit_year", TARGET])
        if problem:
            return feedback("1.5", False, problem + " Split at_risk with train_test_split.")
    assert isinstance(rand_train, pd.DataFrame) and isinstance(rand_test, pd.DataFrame)
    if rand_train[TARGET].isna().any() or rand_test[TARGET].isna().any():
        return feedback("1.5", False, "split only the admissions at risk (at_risk from "
                        "Exercise 1.2), not the whole cohort.")
    if (rand_test["admit_year"].min() >= FIRST_TEST_YEAR
            and rand_train["admit_year"].max() < FIRST_TEST_YEAR):
        return feedback("1.5", False, "that is the honest split by time; this exercise asks "
                        "for a random split of rows with train_test_split.")
    want_train, want_test = _random_split()
    for name, got, want in (("rand_train", rand_train, want_train),
                            ("rand_test", rand_test, want_test)):
        if set(_ids(got)) != set(_ids(want)) or len(got) != len(want):
            if len(rand_test) != len(want_test) and len(rand_test) + len(rand_train) == len(
                    lab_state().at_risk):
                return feedback("1.5", False, f"rand_test has {len(rand_test)} rows; use "
                                "test_size=0.25 on at_risk.")
            problem = rows_problem(_ids(got), _ids(want), name, "admissions")
            return feedback("1.5", False, (problem or "") + " Use train_test_split(at_risk, "
                            "test_size=0.25, random_state=RANDOM_STATE) so the check can "
                            "repeat your split.")
    problem = _structure(random_model, LogisticRegression, "random_model", rand_train,
                         "rand_train")
    if problem:
        return feedback("1.5", False, problem)
    assert isinstance(random_model, Pipeline)
    state = lab_state()

    def reference() -> np.ndarray:
        fitted = clone(state.logistic).fit(want_train[cohorts.FEATURES],
                                           want_train[TARGET].astype(int))
        return fitted.predict_proba(want_test[cohorts.FEATURES])[:, 1]

    expected_risk = state.memo("lab1.random_split_risk", reference)
    if float(np.abs(_risk(random_model, want_test) - expected_risk).max()) > RISK_TOL:
        return feedback("1.5", False, "random_model should be a fresh copy of your model, "
                        "clone(model), fitted on rand_train[features] and its outcome: "
                        + _pipeline_hint(random_model))
    honest = float(roc_auc_score(state.task.y_test, state.risk))
    expected, _, hint = _judge_auroc(
        auroc_random_split, random_model, rand_test, rand_test[TARGET].astype(int), rand_train,
        rand_train[TARGET].astype(int), "auroc_random_split",
        "roc_auc_score on rand_test with random_model.predict_proba(rand_test[features])[:, 1]",
        [(honest, "that is the honest AUROC from Exercise 1.3; score random_model on "
          "rand_test.")])
    if hint:
        return feedback("1.5", False, hint)
    return feedback("1.5", True, f"the random split reports AUROC {expected:.3f}; split by time "
                    f"and patient, the same recipe scores {honest:.3f}.")
