"""The teaching task the labs share: 30-day readmission, predicted at discharge.

Lab 1 teaches how to build this task (which rows, which columns, which split);
Labs 2 to 4 start from it with :func:`readmission_task` so they can get to
their own lesson. Data are the SYNTHETIC admissions cohort.

- **Who**: adults discharged alive and not to hospice (the only patients who
  can be readmitted and whom a transitional-care programme could help).
- **When**: at discharge. Everything recorded up to discharge may be used;
  nothing after it.
- **Split**: by time and by patient. Train on 2019-2022, test on 2023-2024,
  and drop from the test set every patient who was already in training.

>>> task = readmission_task()
>>> len(task.X_train) > len(task.X_test) > 3000
True
"""

from __future__ import annotations

import copy
import hashlib
import numbers
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin
from sklearn.pipeline import Pipeline

from labkit import datasets, models

__all__ = [
    "NUMERIC_FEATURES",
    "CATEGORICAL_FEATURES",
    "FEATURES",
    "LEAKY_COLUMNS",
    "SENSITIVE_COLUMNS",
    "TARGET",
    "Task",
    "readmission_task",
    "reference_model",
]

TARGET = "readmitted_30d"
NUMERIC_FEATURES = [
    "age", "adi_percentile", "emergency_admission", "diabetes", "chf", "copd", "ckd",
    "cancer", "dementia", "liver_disease", "n_chronic_conditions", "prior_admissions_12m",
    "ed_visits_12m", "heart_rate", "systolic_bp", "resp_rate", "temperature_c", "spo2",
    "creatinine_mg_dl", "sodium_mmol_l", "hemoglobin_g_dl", "wbc_10e9_l", "lactate_mmol_l",
    "hba1c_last_year_pct", "length_of_stay_days",
]
CATEGORICAL_FEATURES = ["sex", "payer", "discharge_disposition"]
FEATURES = NUMERIC_FEATURES + CATEGORICAL_FEATURES
#: Not inputs at discharge: the outcome, values known only after discharge, and the
#: outcomes of the stay (deterioration, death), which are kept for other questions.
LEAKY_COLUMNS = [
    "cost_of_stay_usd", "cost_next_year_usd", "deterioration", "died_in_hospital", TARGET,
]
#: Kept for auditing, not used as model inputs.
SENSITIVE_COLUMNS = ["race_ethnicity", "sex", "payer", "age"]


@dataclass(frozen=True)
class Task:
    """Train and test sets for the readmission task, with the full rows for audits."""

    train: pd.DataFrame
    test: pd.DataFrame
    features: list[str]

    @property
    def X_train(self) -> pd.DataFrame:  # noqa: N802 (scikit-learn's naming)
        return self.train[self.features]

    @property
    def X_test(self) -> pd.DataFrame:  # noqa: N802
        return self.test[self.features]

    @property
    def y_train(self) -> pd.Series:
        return self.train[TARGET].astype(int)

    @property
    def y_test(self) -> pd.Series:
        return self.test[TARGET].astype(int)


def readmission_task(last_train_year: int = 2022) -> Task:
    """The readmission-at-discharge task, split by time and patient.

    Trains on admissions up to ``last_train_year`` and tests on later ones; both
    sides must keep at least one year of the data (2019-2024).

    >>> t = readmission_task()
    >>> set(t.train["patient_key"]) & set(t.test["patient_key"])
    set()
    """
    if (isinstance(last_train_year, bool | np.bool_)
            or not isinstance(last_train_year, numbers.Integral)):
        raise TypeError(f"last_train_year must be a year (an int such as 2022), got "
                        f"{type(last_train_year).__name__} {last_train_year!r}")
    df = datasets.load_admissions()
    first, last = int(df["admit_year"].min()), int(df["admit_year"].max())
    if not first <= last_train_year < last:
        raise ValueError(f"last_train_year must be from {first} to {last - 1}, so that both "
                         f"training and test years remain; got {last_train_year}")
    at_risk = df[df[TARGET].notna()].copy()
    # NaN, not pandas.NA, for missing measurements: scikit-learn expects floats.
    for col in NUMERIC_FEATURES:
        at_risk[col] = at_risk[col].astype("float64")
    train = at_risk[at_risk["admit_year"] <= last_train_year]
    later = at_risk[at_risk["admit_year"] > last_train_year]
    test = later[~later["patient_key"].isin(set(train["patient_key"]))]
    if test.empty:
        raise ValueError(f"no test patients remain after {last_train_year}: every later "
                         "patient was already in training")
    return Task(train.reset_index(drop=True), test.reset_index(drop=True), list(FEATURES))


def reference_model(
    task: Task, kind: Literal["logistic", "boosting"] = "logistic",
    random_state: int | None = 0,
) -> Pipeline | ClassifierMixin:
    """The model Lab 1 builds, fitted on ``task``'s training set.

    ``logistic``: median imputation with missingness indicators, scaling and
    one-hot encoding, then logistic regression. ``boosting``: the same
    preprocessing, then a histogram gradient-boosted classifier.

    >>> t = readmission_task()
    >>> model = reference_model(t)
    >>> 0.55 < float(model.score(t.X_test, t.y_test)) <= 1
    True
    """
    if not isinstance(task, Task):
        raise TypeError(f"task must be a Task from readmission_task(), got "
                        f"{type(task).__name__}")
    if random_state is not None:
        if (isinstance(random_state, bool | np.bool_)
                or not isinstance(random_state, numbers.Integral)):
            raise TypeError(f"random_state must be a whole number or None, got "
                            f"{type(random_state).__name__} {random_state!r}")
        if random_state < 0:
            raise ValueError(f"random_state must be at least 0, got {random_state}")
    if kind not in ("logistic", "boosting"):
        raise ValueError(f"kind must be 'logistic' or 'boosting', not {kind!r}")
    key = (_fingerprint(task), kind, random_state)
    if key not in _FITTED:
        fitted = models.pipeline(NUMERIC_FEATURES, CATEGORICAL_FEATURES, kind,
                                 random_state=random_state)
        if len(_FITTED) >= _MAX_FITTED:
            _FITTED.pop(next(iter(_FITTED)))
        _FITTED[key] = fitted.fit(task.X_train, task.y_train)
    # A copy, so that a lab refitting or changing its model cannot change the kept one.
    return copy.deepcopy(_FITTED[key])


#: Fitted reference models, kept so that a lab and its checks fit each one once per
#: process: Lab 4 and its checks both need the boosting model (seconds to fit).
_FITTED: dict[tuple, Pipeline] = {}
_MAX_FITTED = 8


def _fingerprint(task: Task) -> str:
    """A hash of the training rows and columns a reference model is fitted on."""
    columns = [*task.features, TARGET]
    hashed = pd.util.hash_pandas_object(task.train[columns], index=False).to_numpy()
    return f"{len(hashed)}-{hashlib.sha256(hashed.tobytes()).hexdigest()}-{','.join(columns)}"
