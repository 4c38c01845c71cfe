"""Checks for Lab 4 - Explain a model with SHAP.

Every expected value is recomputed at call time from the shipped SYNTHETIC
admissions cohort: Lab 1's boosting model is refitted
(:func:`labkit.cohorts.reference_model`) and explained again with shap's
``TreeExplainer``; permutation importance is recomputed with scikit-learn; the
colleague's deterioration model of section 6 is rebuilt and explained. Each is
computed once per data folder and kept for the other checks. shap is imported
only when a check needs it.

>>> from labkit.checks import lab4
>>> lab4.top_feature(...).passed
✘ Exercise 4.2 - not yet: replace ... with your answer.
False
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from threadpoolctl import threadpool_limits

from labkit import cohorts, datasets
from labkit.checks import Feedback, feedback, unanswered

__all__ = ["shap_values", "top_feature", "patient_top_reason", "perm_top", "leaky_feature",
           "LEAKY_FEATURES"]

RANDOM_STATE = 0
SAMPLE_SIZE = 1000
N_REPEATS = 5
#: Known only at discharge, yet in the colleague's admission-time deterioration model.
LEAKY_FEATURES = ["length_of_stay_days", "cost_of_stay_usd"]
AT_ADMISSION = [c for c in cohorts.NUMERIC_FEATURES if c not in LEAKY_FEATURES]


def _one_thread() -> threadpool_limits:
    """Fit and predict on one OpenMP thread: on a busy machine, parallel tree predictions
    can wait on each other for tens of seconds; the results are the same."""
    return threadpool_limits(limits=1, user_api="openmp")


@dataclass(frozen=True)
class _Explained:
    """Lab 1's boosting model explained on the lab's 1,000-patient test sample."""

    task: cohorts.Task
    model: Any  # the fitted Pipeline
    sample: pd.DataFrame  # recorded features of the sampled test patients
    data: np.ndarray  # the same rows after preprocessing
    columns: list[str]  # model column names
    values: np.ndarray  # SHAP values, patients x model columns
    base_value: float

    @property
    def per_column(self) -> pd.DataFrame:
        return pd.DataFrame(self.values, columns=self.columns)

    @property
    def per_feature(self) -> pd.DataFrame:
        """SHAP values added up over the model columns made from each recorded feature."""
        return _per_feature(self.per_column, list(self.sample.columns))


def _source(column: str, features: list[str]) -> str:
    """The recorded feature a model column was made from (one-hot level, missing flag)."""
    for f in features:
        if column == f or column.startswith(f + "_") or column == "missingindicator_" + f:
            return f
    raise ValueError(f"column {column!r} comes from none of the features")


def _per_feature(values: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    groups = [_source(c, features) for c in values.columns]
    return values.T.groupby(groups, sort=False).sum().T


@functools.lru_cache(maxsize=2)
def _explained_for(folder: str) -> _Explained:
    import shap

    task = cohorts.readmission_task()
    with _one_thread():
        model = cohorts.reference_model(task, "boosting", random_state=RANDOM_STATE)
    sample = task.X_test.sample(n=SAMPLE_SIZE, random_state=RANDOM_STATE)
    pre, clf = model[:-1], model[-1]
    data = pre.transform(sample)
    sv = shap.TreeExplainer(clf)(data)
    return _Explained(task, model, sample, data, list(pre.get_feature_names_out()),
                      np.asarray(sv.values), float(np.ravel(sv.base_values)[0]))


def _explained() -> _Explained:
    return _explained_for(str(datasets.data_dir()))


@functools.lru_cache(maxsize=2)
def _permutation_for(folder: str) -> np.ndarray:
    ex = _explained()
    with _one_thread():
        result = permutation_importance(ex.model, ex.task.X_test, ex.task.y_test,
                                        scoring="roc_auc", n_repeats=N_REPEATS,
                                        random_state=RANDOM_STATE)
    return np.asarray(result.importances_mean)


@functools.lru_cache(maxsize=2)
def _leaky_for(folder: str) -> pd.Series:
    """Mean |SHAP| of the colleague's deterioration model, largest first."""
    import shap

    adm = datasets.load_admissions()
    features = AT_ADMISSION + LEAKY_FEATURES
    train = adm[adm["admit_year"] <= 2022]
    later = adm[adm["admit_year"] > 2022]
    test = later[~later["patient_key"].isin(train["patient_key"])]
    model = HistGradientBoostingClassifier(random_state=RANDOM_STATE)
    with _one_thread():
        model.fit(train[features], train["deterioration"])
    sample = test[features].sample(n=SAMPLE_SIZE, random_state=RANDOM_STATE)
    values = shap.TreeExplainer(model)(sample).values
    return pd.Series(np.abs(values).mean(axis=0), index=features).sort_values(ascending=False)


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


def shap_values(shap_values: object) -> Feedback:
    """Exercise 4.1: the ``Explanation`` of the boosting model on the 1,000-patient sample."""
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
        where = {len(ex.task.X_test): "the whole test set", len(ex.task.X_train): "the "
                 "training set"}.get(values.shape[0], f"{values.shape[0]} patients")
        return feedback("4.1", False, f"you explained {where}; explain the {n}-patient test "
                        "sample X_explain.")
    data = shap_values.data
    if data is not None and np.shape(data) == ex.data.shape:
        if not np.allclose(np.asarray(data, dtype=float), ex.data, equal_nan=True):
            return feedback("4.1", False, "these are other patients: explain X_explain, the "
                            "test sample drawn with random_state=RANDOM_STATE, not training "
                            "rows or a sample of your own.")
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


def top_feature(top_feature: object) -> Feedback:
    """Exercise 4.2: the recorded feature with the largest mean absolute SHAP value."""
    if unanswered(top_feature):
        return feedback("4.2", False, "replace ... with your answer.")
    name = _name(top_feature, "4.2", "top_feature")
    if isinstance(name, Feedback):
        return name
    ex = _explained()
    per_feature = ex.per_feature
    importance = per_feature.abs().mean()
    expected = str(importance.idxmax())
    if name == expected:
        return feedback("4.2", True, f"{expected} moves the score by {importance[expected]:.3f} "
                        "log-odds on average, more than any other feature.")
    if name in ex.columns and name not in per_feature.columns:
        return feedback("4.2", False, f"'{name}' is a model column; use explanation, which has "
                        "one column per recorded feature.")
    if name not in per_feature.columns:
        return feedback("4.2", False, f"'{name}' is not one of explanation.feature_names.")
    if name == str(per_feature.mean().idxmax()):
        return feedback("4.2", False, "that feature has the largest mean SHAP value with its "
                        "sign; take absolute values first, np.abs(explanation.values).")
    if name == str(importance.idxmin()):
        return feedback("4.2", False, "that is the feature with the smallest mean |SHAP|; take "
                        "the largest.")
    return feedback("4.2", False, "average np.abs(explanation.values) over the patients "
                    "(axis=0) and take the feature with the largest mean.")


def patient_top_reason(patient_top_reason: object, patient: object) -> Feedback:
    """Exercise 4.3: the feature that raised patient ``patient``'s score the most."""
    if unanswered(patient_top_reason, patient):
        return feedback("4.3", False, "replace ... with your answer.")
    name = _name(patient_top_reason, "4.3", "patient_top_reason")
    if isinstance(name, Feedback):
        return name
    ex = _explained()
    per_feature = ex.per_feature
    if not isinstance(patient, int | np.integer) or not 0 <= int(patient) < len(per_feature):
        return feedback("4.3", False, f"patient should be a row position from 0 to "
                        f"{len(per_feature) - 1}, as the lab sets it; got {patient!r}.")
    row = per_feature.iloc[int(patient)]
    expected = str(row.idxmax())
    if name == expected:
        value = float(row[expected])
        return feedback("4.3", True, f"{expected} raised this patient's score by {value:+.2f} "
                        f"log-odds, multiplying the odds by {np.exp(value):.2f}.")
    if name in ex.columns and name not in per_feature.columns:
        return feedback("4.3", False, f"'{name}' is a model column; use explanation[patient], "
                        "one value per recorded feature.")
    if name not in per_feature.columns:
        return feedback("4.3", False, f"'{name}' is not one of explanation.feature_names.")
    if row[name] < 0:
        return feedback("4.3", False, f"'{name}' lowered this patient's score (its SHAP value "
                        "is negative); the question asks what raised it most.")
    if name == str(per_feature.abs().mean().idxmax()):
        return feedback("4.3", False, "that is the model's top feature over all patients; look "
                        "at this patient's own row, explanation[patient].")
    return feedback("4.3", False, "take this patient's row, explanation[patient].values, and "
                    "the feature with the largest (most positive) value.")


def perm_top(perm: object, perm_top: object) -> Feedback:
    """Exercise 4.4: permutation importance on the test set and its top feature."""
    if unanswered(perm, perm_top):
        return feedback("4.4", False, "replace each ... with your answer.")
    means = getattr(perm, "importances_mean", None)
    if means is None:
        return feedback("4.4", False, "perm should be what permutation_importance returns "
                        "(it has .importances_mean).")
    means = np.asarray(means, dtype=float)
    ex = _explained()
    features = list(ex.task.X_test.columns)
    if means.shape == (len(ex.columns),):
        return feedback("4.4", False, f"{len(ex.columns)} importances: you shuffled the "
                        "preprocessed columns. Pass the whole pipeline boost with task.X_test, "
                        "so each recorded feature is shuffled as one.")
    if means.shape != (len(features),):
        return feedback("4.4", False, f"expected {len(features)} importances, one per column "
                        f"of task.X_test; got {means.size}.")
    expected = _permutation_for(str(datasets.data_dir()))
    if not np.allclose(means, expected, rtol=0, atol=1e-9):
        return feedback("4.4", False, "the importances differ from a recomputation: use the "
                        "pipeline boost on task.X_test and task.y_test with scoring='roc_auc', "
                        "n_repeats=5 and random_state=RANDOM_STATE.")
    name = _name(perm_top, "4.4", "perm_top")
    if isinstance(name, Feedback):
        return name
    best = features[int(np.argmax(expected))]
    if name == best:
        return feedback("4.4", True, f"shuffling {best} lowers the test AUROC by "
                        f"{expected.max():.3f} on average, more than any other feature.")
    if name == features[int(np.argmin(expected))]:
        return feedback("4.4", False, "that feature has the smallest mean importance; take "
                        "the largest.")
    if name not in features:
        return feedback("4.4", False, f"'{name}' is not a column of task.X_test.")
    return feedback("4.4", False, "take the column of task.X_test at "
                    "np.argmax(perm.importances_mean).")


def leaky_feature(leaky_feature: object) -> Feedback:
    """Exercise 4.5: the feature that dominates the colleague's deterioration model."""
    if unanswered(leaky_feature):
        return feedback("4.5", False, "replace ... with your answer.")
    name = _name(leaky_feature, "4.5", "leaky_feature")
    if isinstance(name, Feedback):
        return name
    importance = _leaky_for(str(datasets.data_dir()))
    expected = str(importance.index[0])
    if name == expected:
        honest = importance.drop(LEAKY_FEATURES)
        ratio = importance[expected] / honest.iloc[0]
        return feedback("4.5", True, f"{expected} moves the score by {importance[expected]:.2f} "
                        f"log-odds on average, {ratio:.0f} times the largest admission-time "
                        f"feature ({honest.index[0]}), yet it is known only after discharge.")
    if name in LEAKY_FEATURES:
        return feedback("4.5", False, f"{name} leaks too (it is known only at discharge), but "
                        "another feature has a larger mean |SHAP|.")
    if name in importance.index:
        return feedback("4.5", False, f"{name} is known at admission; look for the feature with "
                        "the largest mean |SHAP| (the top bar of the bar plot).")
    return feedback("4.5", False, f"'{name}' is not a column of X_leaky.")
