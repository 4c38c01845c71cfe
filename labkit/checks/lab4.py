"""Checks for Lab 4 - Explain a model with SHAP.

The reference is Lab 1's boosting model from :mod:`labkit.checks.state`,
explained once with shap's ``TreeExplainer`` on the lab's 1,000-patient test
sample and kept. A check never redoes the learner's expensive work: permutation
importance is judged on the learner's own result, by recomputing the importances
of the one feature the learner names (scikit-learn draws one seed for every
feature, so one feature's five shuffles can be repeated alone), and the
colleague's model of section 6 is judged by the additivity of its explanation.
An answer that is a name must come with the numbers it was read from, so a
typed-in name cannot pass.

>>> from labkit.checks import lab4
>>> lab4.top_feature(..., ...).passed
✘ Exercise 4.2 - not yet: replace each ... with your answer.
False
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance

from labkit import cohorts, explain
from labkit.checks import Feedback, decimals, feedback, unanswered
from labkit.checks.state import RANDOM_STATE, lab_state, one_thread

__all__ = ["shap_values", "top_feature", "patient_top_reason", "perm_top", "leaky_feature",
           "LEAKY_FEATURES", "AT_ADMISSION", "SAMPLE_SIZE", "N_REPEATS"]

SAMPLE_SIZE = 1000
N_REPEATS = 5
FLAG_SHARE = 0.10  # the programme reaches the 10% with the highest predicted risk
#: Known only at discharge, yet in the colleague's admission-time deterioration model.
LEAKY_FEATURES = ["length_of_stay_days", "cost_of_stay_usd"]
AT_ADMISSION = [c for c in cohorts.NUMERIC_FEATURES if c not in LEAKY_FEATURES]


@dataclass(frozen=True)
class _Explained:
    """Lab 1's boosting model explained on the lab's 1,000-patient test sample."""

    sample: pd.DataFrame  # recorded features of the sampled test patients
    data: np.ndarray  # the same rows after preprocessing
    columns: list[str]  # model column names
    values: np.ndarray  # SHAP values, patients x model columns
    base_value: float
    per_feature: pd.DataFrame  # SHAP values added up per recorded feature
    patient: int  # row position of the first flagged patient of the sample


def _explained() -> _Explained:
    state = lab_state()

    def build() -> _Explained:
        import shap

        model, task = state.boosting, state.task
        sample = task.X_test.sample(n=SAMPLE_SIZE, random_state=RANDOM_STATE)
        pre, clf = model[:-1], model[-1]
        columns = list(pre.get_feature_names_out())
        data = pd.DataFrame(pre.transform(sample), columns=columns, index=sample.index)
        sv = shap.TreeExplainer(clf)(data)
        per_feature = explain.by_feature(sv, sample, pre)
        risk = model.predict_proba(sample)[:, 1]
        patient = int(np.flatnonzero(risk >= np.quantile(risk, 1 - FLAG_SHARE))[0])
        return _Explained(sample, data.to_numpy(), columns, np.asarray(sv.values),
                          float(np.ravel(sv.base_values)[0]),
                          pd.DataFrame(per_feature.values, columns=per_feature.feature_names),
                          patient)

    return state.memo("lab4.explained", build)


def _name(value: object, exercise: str, variable: str) -> str | Feedback:
    """The learner's answer as a feature name, or the feedback that says why it is not one."""
    if isinstance(value, np.str_):
        value = str(value)
    if isinstance(value, int | np.integer):
        return feedback(exercise, False, f"{value} is a position; {variable} should be the "
                        "feature's name, e.g. series.idxmax() or columns[position].")
    if not isinstance(value, str):
        return feedback(exercise, False, f"{variable} should be a feature name (a string), got "
                        f"{type(value).__name__}.")
    return value


def _series(value: object, exercise: str, variable: str, what: str) -> pd.Series | Feedback:
    if isinstance(value, pd.DataFrame) and value.shape[1] == 1:
        value = value.iloc[:, 0]
    if not isinstance(value, pd.Series):
        return feedback(exercise, False, f"{variable} should be a pandas Series of {what}, "
                        f"indexed by feature name; got {type(value).__name__}.")
    return value


def _matches(got: pd.Series, want: pd.Series) -> bool:
    """Same features, same values (to the decimals the learner kept, at least 3)."""
    if set(map(str, got.index)) != set(want.index) or len(got) != len(want):
        return False
    values = pd.to_numeric(got, errors="coerce")
    values.index = [str(i) for i in got.index]
    if values.isna().any():
        return False
    places = max(decimals(float(v)) for v in values)
    if places < 3:
        return False
    tol = max(1e-6, 0.5 * 10.0**-places + 1e-12)
    return bool(np.allclose(values[want.index].to_numpy(), want.to_numpy(), rtol=0, atol=tol))


def shap_values(shap_values: object) -> Feedback:
    """Exercise 4.1: the ``Explanation`` of the boosting model on the 1,000-patient sample.

    Beyond the numbers, it checks what later cells need: feature names (so the
    plots and ``explain.by_feature`` can name each column) and the data.
    """
    if unanswered(shap_values):
        return feedback("4.1", False, "replace ... with explainer(X_explain).")
    import shap

    if isinstance(shap_values, np.ndarray | list):
        return feedback("4.1", False, "that is a bare array; call the explainer itself, "
                        "explainer(X_explain), to get an Explanation the plots can use.")
    if not isinstance(shap_values, shap.Explanation):
        return feedback("4.1", False, "expected a shap.Explanation (what explainer(X_explain) "
                        f"returns), got {type(shap_values).__name__}.")
    ex = _explained()
    values = np.asarray(shap_values.values, dtype=float)
    n, k = ex.values.shape
    if values.ndim == 3 and values.shape[:2] == (n, k):
        return feedback("4.1", False, "there is one set of values per class; keep the "
                        "readmitted class with shap_values[..., 1].")
    if values.ndim != 2:
        return feedback("4.1", False, f"expected {n} patients x {k} columns, got shape "
                        f"{values.shape}. The boosting model has one output (the log-odds of "
                        "readmission), so keep the whole Explanation: no [..., 1] is needed.")
    if values.shape[1] != k:
        return feedback("4.1", False, f"expected {k} columns, one per column of X_explain; got "
                        f"{values.shape[1]}. Explain the preprocessed X_explain with the "
                        "classifier gbm.")
    if values.shape[0] != n:
        task = lab_state().task
        where = {len(task.X_test): "the whole test set", len(task.X_train): "the "
                 "training set"}.get(values.shape[0], f"{values.shape[0]} patients")
        return feedback("4.1", False, f"you explained {where}; explain the {n}-patient test "
                        "sample X_explain.")
    names = shap_values.feature_names
    if names is None or list(names) != ex.columns:
        return feedback("4.1", False, "the Explanation has no column names, so the plots and "
                        "explain.by_feature cannot tell the features apart: explain the "
                        "DataFrame X_explain, not X_explain.to_numpy().")
    data = shap_values.data
    if data is None or np.shape(data) != ex.data.shape:
        return feedback("4.1", False, "the Explanation carries no patient data: call "
                        "explainer(X_explain) so the plots can colour by each value.")
    if not np.allclose(np.asarray(data, dtype=float), ex.data, equal_nan=True):
        return feedback("4.1", False, "these are other patients: explain X_explain, the test "
                        "sample drawn with random_state=RANDOM_STATE, not training rows or a "
                        "sample of your own.")
    if np.allclose(values, ex.values, atol=1e-6):
        base = float(np.ravel(shap_values.base_values)[0])
        if not np.isclose(base, ex.base_value, atol=1e-6):
            return feedback("4.1", False, "the values match but the base value does not; "
                            "use the Explanation returned by explainer(X_explain) unchanged.")
        prob = 1 / (1 + np.exp(-ex.base_value))
        return feedback("4.1", True, f"{n} patients x {k} columns in log-odds; the base value "
                        f"{ex.base_value:.3f} is a probability of {prob:.1%}.")
    if np.allclose(values, -ex.values, atol=1e-6):
        return feedback("4.1", False, "every sign is flipped: those explain class 0 (not "
                        "readmitted). Keep the values for readmission, class 1.")
    base = np.ravel(shap_values.base_values)
    if base.size and np.all((base > 0) & (base < 1)):
        return feedback("4.1", False, "these look like probabilities; keep TreeExplainer's "
                        "default raw output, which is in log-odds.")
    return feedback("4.1", False, "the values differ from shap.TreeExplainer(gbm)(X_explain); "
                    "explain the classifier gbm of Lab 1's boosting pipeline, unchanged.")


def top_feature(importance: object, top_feature: object) -> Feedback:
    """Exercise 4.2: each recorded feature's mean absolute SHAP value, and the largest."""
    if unanswered(importance, top_feature):
        return feedback("4.2", False, "replace each ... with your answer.")
    series = _series(importance, "4.2", "importance", "mean absolute SHAP values")
    if isinstance(series, Feedback):
        return series
    ex = _explained()
    per_feature = ex.per_feature
    want = per_feature.abs().mean()
    index = set(map(str, series.index))
    if index == set(ex.columns) and index != set(want.index):
        return feedback("4.2", False, "importance has one entry per model column; use "
                        "explanation, which has one column per recorded feature.")
    if not _matches(series, want):
        if _matches(series, per_feature.mean()):
            return feedback("4.2", False, "importance is the mean SHAP value with its sign; "
                            "take absolute values first, np.abs(explanation.values).")
        if _matches(series, per_feature.abs().sum()):
            return feedback("4.2", False, "importance is a sum over patients; take the mean "
                            "(axis=0), the average size of the push.")
        if set(map(str, series.index)) != set(want.index):
            return feedback("4.2", False, "importance should have one entry per recorded "
                            "feature, labelled with explanation.feature_names.")
        return feedback("4.2", False, "importance should be the mean of "
                        "np.abs(explanation.values) over the patients (axis=0), one value "
                        "per feature (keep at least 3 decimals).")
    name = _name(top_feature, "4.2", "top_feature")
    if isinstance(name, Feedback):
        return name
    expected = str(want.idxmax())
    if name == expected:
        return feedback("4.2", True, f"{expected} moves the score by {want[expected]:.3f} "
                        "log-odds on average, more than any other feature.")
    if name == str(want.idxmin()):
        return feedback("4.2", False, "that is the feature with the smallest mean |SHAP|; take "
                        "the largest, importance.idxmax().")
    if name not in want.index:
        return feedback("4.2", False, f"'{name}' is not one of explanation.feature_names.")
    return feedback("4.2", False, "top_feature should be the name with the largest value in "
                    "importance: importance.idxmax().")


def patient_top_reason(reasons: object, patient_top_reason: object,
                       patient: object = None) -> Feedback:
    """Exercise 4.3: the flagged patient's SHAP value per feature, and the one that raised
    the score most. The patient is the exercise's (the first flagged patient of the
    sample); ``patient`` is accepted for older notebooks and not trusted."""
    if unanswered(reasons, patient_top_reason):
        return feedback("4.3", False, "replace each ... with your answer.")
    series = _series(reasons, "4.3", "reasons", "this patient's SHAP values")
    if isinstance(series, Feedback):
        return series
    ex = _explained()
    per_feature = ex.per_feature
    row = per_feature.iloc[ex.patient]
    if not _matches(series, row):
        if _matches(series, per_feature.abs().mean()) or _matches(series,
                                                                   per_feature.mean()):
            return feedback("4.3", False, "those are averages over all patients; take this "
                            "patient's row, explanation[patient].values.")
        if _matches(series, row.abs()):
            return feedback("4.3", False, "keep the signs: a negative value lowered the score. "
                            "Use explanation[patient].values as they are.")
        return feedback("4.3", False, "reasons should be row `patient` of explanation: "
                        "pd.Series(explanation[patient].values, "
                        "index=explanation.feature_names).")
    name = _name(patient_top_reason, "4.3", "patient_top_reason")
    if isinstance(name, Feedback):
        return name
    expected = str(row.idxmax())
    if name == expected:
        value = float(row[expected])
        return feedback("4.3", True, f"{expected} raised this patient's score by {value:+.2f} "
                        f"log-odds, multiplying the odds by {np.exp(value):.2f}.")
    if name not in row.index:
        return feedback("4.3", False, f"'{name}' is not one of explanation.feature_names.")
    if name == str(row.abs().idxmax()) or row[name] < 0:
        return feedback("4.3", False, f"'{name}' lowered this patient's score (its SHAP value "
                        "is negative); the question asks what raised it most: reasons.idxmax().")
    if name == str(per_feature.abs().mean().idxmax()):
        return feedback("4.3", False, "that is the model's top feature over all patients; look "
                        "at this patient's own row, reasons.idxmax().")
    return feedback("4.3", False, "patient_top_reason should be the feature with the largest "
                    "(most positive) value in reasons: reasons.idxmax().")


class _OneColumn(ClassifierMixin, BaseEstimator):
    """A fitted model seen through one column of ``X``: the others stay as they are.

    ``permutation_importance`` on this wrapper and ``X[[column]]`` shuffles only that
    column, exactly as it does within a run over every column (scikit-learn draws one
    seed for all columns), so one feature's importances are repeated at 1/28 of the cost.
    """

    def __init__(self, model: Any = None, X: pd.DataFrame | None = None,
                 column: str = "") -> None:
        self.model = model
        self.X = X
        self.column = column

    def fit(self, X: Any, y: Any = None) -> _OneColumn:  # noqa: ARG002 (already fitted)
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return True

    @property
    def classes_(self) -> np.ndarray:
        return self.model.classes_

    def _full(self, X_one: pd.DataFrame) -> pd.DataFrame:
        full = self.X.copy()
        full[self.column] = np.asarray(X_one[self.column])
        return full

    def predict_proba(self, X_one: pd.DataFrame) -> np.ndarray:
        return self.model.predict_proba(self._full(X_one))

    def decision_function(self, X_one: pd.DataFrame) -> np.ndarray:
        # The AUROC scorer asks for this first, as it does of the pipeline itself.
        return self.model.decision_function(self._full(X_one))


def _one_feature_importances(column: str) -> np.ndarray:
    state = lab_state()

    def build() -> np.ndarray:
        X, y = state.task.X_test, state.task.y_test
        wrapper = _OneColumn(state.boosting, X, column)
        result = permutation_importance(wrapper, X[[column]], y, scoring="roc_auc",
                                        n_repeats=N_REPEATS, random_state=RANDOM_STATE)
        return np.asarray(result.importances[0])

    return state.memo(f"lab4.perm.{column}", build)


def perm_top(perm: object, perm_top: object) -> Feedback:
    """Exercise 4.4: permutation importance on the test set and its top feature."""
    if unanswered(perm, perm_top):
        return feedback("4.4", False, "replace each ... with your answer.")
    means = getattr(perm, "importances_mean", None)
    repeats = getattr(perm, "importances", None)
    if means is None or repeats is None:
        return feedback("4.4", False, "perm should be what permutation_importance returns "
                        "(it has .importances and .importances_mean).")
    means, repeats = np.asarray(means, dtype=float), np.asarray(repeats, dtype=float)
    task = lab_state().task
    ex_columns = _explained().columns
    features = list(task.X_test.columns)
    if means.shape == (len(ex_columns),) and len(ex_columns) != len(features):
        return feedback("4.4", False, f"{len(ex_columns)} importances: you shuffled the "
                        "preprocessed columns. Pass the whole pipeline boost with task.X_test, "
                        "so each recorded feature is shuffled as one.")
    if means.shape != (len(features),):
        return feedback("4.4", False, f"expected {len(features)} importances, one per column "
                        f"of task.X_test; got {means.size}.")
    if repeats.shape != (len(features), N_REPEATS):
        return feedback("4.4", False, f"use n_repeats={N_REPEATS}: perm.importances has "
                        f"{repeats.shape[-1]} repeats per feature.")
    name = _name(perm_top, "4.4", "perm_top")
    if isinstance(name, Feedback):
        return name
    if name not in features:
        return feedback("4.4", False, f"'{name}' is not a column of task.X_test.")
    theirs = features[int(np.argmax(means))]
    with one_thread():
        check = _one_feature_importances(theirs)
    if not np.allclose(repeats[features.index(theirs)], check, rtol=0, atol=1e-9):
        if np.abs(means).max() < 0.01 < check.mean():
            return feedback("4.4", False, "these importances are too small for AUROC: pass "
                            "scoring='roc_auc' (the default score of a classifier is accuracy).")
        return feedback("4.4", False, "the importances differ from a recomputation: use the "
                        "pipeline boost on task.X_test and task.y_test with scoring='roc_auc', "
                        f"n_repeats={N_REPEATS} and random_state=RANDOM_STATE.")
    if name == theirs:
        return feedback("4.4", True, f"shuffling {theirs} lowers the test AUROC by "
                        f"{check.mean():.3f} on average, more than any other feature.")
    if name == features[int(np.argmin(means))]:
        return feedback("4.4", False, "that feature has the smallest mean importance; take "
                        "the largest.")
    if name == features[int(np.argmax(np.asarray(perm.importances_std)))]:
        return feedback("4.4", False, "that feature has the largest spread (importances_std); "
                        "take the largest mean, importances_mean.")
    return feedback("4.4", False, "take the column of task.X_test at "
                    "np.argmax(perm.importances_mean).")


def _leaky_sample() -> pd.DataFrame:
    state = lab_state()

    def build() -> pd.DataFrame:
        adm = state.cohort
        train = adm[adm["admit_year"] <= 2022]
        later = adm[adm["admit_year"] > 2022]
        test = later[~later["patient_key"].isin(train["patient_key"])]
        return test[AT_ADMISSION + LEAKY_FEATURES].sample(n=SAMPLE_SIZE,
                                                          random_state=RANDOM_STATE)

    return state.memo("lab4.leaky_sample", build)


def leaky_feature(leaky_values: object, leaky_feature: object,
                  leaky_model: object = None) -> Feedback:
    """Exercise 4.5: the colleague's model explained, and the feature that dominates it.

    The model is the lab's (section 6 fits it); the explanation must add up to
    that model's own scores on ``X_leaky``, which pins what was explained
    without refitting anything.
    """
    if unanswered(leaky_values, leaky_feature):
        return feedback("4.5", False, "replace each ... with your answer.")
    import shap

    if not isinstance(leaky_values, shap.Explanation):
        return feedback("4.5", False, "leaky_values should be the shap.Explanation that "
                        "shap.TreeExplainer(leaky_model)(X_leaky) returns, got "
                        f"{type(leaky_values).__name__}.")
    features = AT_ADMISSION + LEAKY_FEATURES
    values = np.asarray(leaky_values.values, dtype=float)
    if values.shape != (SAMPLE_SIZE, len(features)):
        return feedback("4.5", False, f"expected {SAMPLE_SIZE} admissions x {len(features)} "
                        f"features (X_leaky), got shape {values.shape}.")
    names = leaky_values.feature_names
    if names is None or list(names) != features:
        return feedback("4.5", False, "explain the DataFrame X_leaky (not an array), so each "
                        "value keeps its feature name.")
    sample = _leaky_sample()
    data = leaky_values.data
    if data is None or not np.allclose(np.asarray(data, dtype=float),
                                       sample.to_numpy(dtype=float), equal_nan=True):
        return feedback("4.5", False, "explain X_leaky, the 1,000 test admissions the lab "
                        "drew, not other rows.")
    if not isinstance(leaky_model, HistGradientBoostingClassifier) or list(
            getattr(leaky_model, "feature_names_in_", [])) != features:
        return feedback("4.5", False, "pass the colleague's model to the check: "
                        "lab4.leaky_feature(leaky_values, leaky_feature, leaky_model).")
    with one_thread():
        scores = leaky_model.decision_function(sample)
    totals = values.sum(axis=1) + np.ravel(leaky_values.base_values)
    if not np.allclose(totals, scores, atol=1e-4):
        if np.allclose(-values.sum(axis=1) - np.ravel(leaky_values.base_values), scores,
                       atol=1e-4):
            return feedback("4.5", False, "every sign is flipped: explain deterioration "
                            "(class 1), not its absence.")
        return feedback("4.5", False, "the explanation does not add up to leaky_model's "
                        "scores: use shap.TreeExplainer(leaky_model)(X_leaky), unchanged.")
    importance = pd.Series(np.abs(values).mean(axis=0), index=features)
    name = _name(leaky_feature, "4.5", "leaky_feature")
    if isinstance(name, Feedback):
        return name
    expected = str(importance.idxmax())
    if name == expected:
        honest = importance.drop(LEAKY_FEATURES).sort_values(ascending=False)
        ratio = importance[expected] / honest.iloc[0]
        known = "only after discharge" if expected in LEAKY_FEATURES else "at admission"
        return feedback("4.5", True, f"{expected} moves the score by {importance[expected]:.2f} "
                        f"log-odds on average, {ratio:.0f} times the largest admission-time "
                        f"feature ({honest.index[0]}), yet it is known {known}.")
    if name in LEAKY_FEATURES:
        return feedback("4.5", False, f"{name} leaks too (it is known only at discharge), but "
                        "another feature has a larger mean |SHAP|.")
    if name in importance.index:
        return feedback("4.5", False, f"{name} is known at admission; look for the feature with "
                        "the largest mean |SHAP|: explain.mean_abs(leaky_values).idxmax().")
    return feedback("4.5", False, f"'{name}' is not a column of X_leaky.")
