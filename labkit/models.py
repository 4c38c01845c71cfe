"""The kit's model recipe and a fit-and-score step, for cells that are not the lesson.

Lab 1 teaches how to build the preprocessing pipeline; later sections (and
Lab 4) re-use the same recipe on other columns or outcomes to make a point about
leakage, so the recipe lives here once, tested, instead of being pasted into
several notebooks.

>>> from labkit import cohorts
>>> task = cohorts.readmission_task()
>>> _, auroc = fit_and_score(pipeline(["age", "n_chronic_conditions"], ["payer"]),
...                          ["age", "n_chronic_conditions", "payer"], cohorts.TARGET,
...                          task.train, task.test)
>>> 0.5 < auroc < 0.8
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

__all__ = ["pipeline", "fit_and_score"]


def pipeline(numeric: Sequence[str], categorical: Sequence[str],
             kind: Literal["logistic", "boosting"] = "logistic",
             random_state: int | None = 0) -> Pipeline:
    """Lab 1's recipe, unfitted: impute (median, with missing indicators) and scale the
    numeric columns, one-hot encode the categorical ones, then the classifier.

    ``logistic``: ``LogisticRegression(max_iter=1000)``; ``boosting``:
    ``HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05,
    max_leaf_nodes=15)`` with ``random_state``.

    >>> pipeline(["age"], ["sex"]).steps[-1][0]
    'logisticregression'
    """
    numeric, categorical = list(numeric), list(categorical)
    if not numeric and not categorical:
        raise ValueError("pipeline needs at least one numeric or categorical column")
    overlap = sorted(set(numeric) & set(categorical))
    if overlap:
        raise ValueError(f"columns {overlap} are listed as both numeric and categorical")
    parts = []
    if numeric:
        parts.append((make_pipeline(SimpleImputer(strategy="median", add_indicator=True),
                                    StandardScaler()), numeric))
    if categorical:
        parts.append((OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical))
    prep = make_column_transformer(*parts, verbose_feature_names_out=False)
    if kind == "logistic":
        clf: BaseEstimator = LogisticRegression(max_iter=1000)
    elif kind == "boosting":
        clf = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15,
                                             random_state=random_state)
    else:
        raise ValueError(f"kind must be 'logistic' or 'boosting', not {kind!r}")
    return make_pipeline(prep, clf)


def fit_and_score(estimator: BaseEstimator, features: Sequence[str], outcome: str,
                  fit_rows: pd.DataFrame, score_rows: pd.DataFrame
                  ) -> tuple[BaseEstimator, float]:
    """Fit a fresh copy of ``estimator`` on ``fit_rows[features]`` and ``fit_rows[outcome]``;
    return it and its AUROC on ``score_rows``.

    Rows whose outcome is missing are an error, not silently dropped.

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"x": [0.1, 0.9, 0.2, 0.8], "y": [0, 1, 0, 1]})
    >>> fit_and_score(LogisticRegression(), ["x"], "y", rows, rows)[1]
    1.0
    """
    features = list(features)
    for name, rows in (("fit_rows", fit_rows), ("score_rows", score_rows)):
        if not isinstance(rows, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame, got {type(rows).__name__}")
        lacking = [c for c in [*features, outcome] if c not in rows.columns]
        if lacking:
            raise ValueError(f"{name} has no column {lacking[0]!r}")
        if rows[outcome].isna().any():
            raise ValueError(f"{name}[{outcome!r}] has {int(rows[outcome].isna().sum())} "
                             "missing values; keep only rows with a recorded outcome")
        if rows[outcome].nunique() != 2:
            raise ValueError(f"{name}[{outcome!r}] must hold two classes (0 and 1)")
    fitted = clone(estimator).fit(fit_rows[features], fit_rows[outcome].astype(int))
    risk = fitted.predict_proba(score_rows[features])[:, 1]
    return fitted, float(roc_auc_score(score_rows[outcome].astype(int), risk))
