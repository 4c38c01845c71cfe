"""labkit.models: Lab 1's recipe, checked against a pipeline written here with
scikit-learn directly, and fit_and_score's AUROC against roc_auc_score."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from labkit import models


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame({"age": rng.normal(60, 10, n), "payer": rng.choice(["a", "b"], n)})
    frame.loc[::7, "age"] = np.nan
    frame["y"] = (rng.random(n) < 0.2 + 0.3 * (frame["payer"] == "b")).astype(int)
    return frame


def test_pipeline_is_lab_1s_recipe(rows):
    by_hand = make_pipeline(make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
         ["age"]),
        (OneHotEncoder(handle_unknown="ignore"), ["payer"])), LogisticRegression(max_iter=1000))
    X, y = rows[["age", "payer"]], rows["y"]
    ours = models.pipeline(["age"], ["payer"]).fit(X, y)
    theirs = by_hand.fit(X, y)
    assert np.allclose(ours.predict_proba(X), theirs.predict_proba(X))


def test_fit_and_score_fits_a_copy_and_scores_the_other_rows(rows):
    estimator = models.pipeline(["age"], ["payer"])
    fitted, auroc = models.fit_and_score(estimator, ["age", "payer"], "y", rows[:300],
                                         rows[300:])
    assert fitted is not estimator and not hasattr(estimator, "n_features_in_")
    risk = fitted.predict_proba(rows[300:][["age", "payer"]])[:, 1]
    assert auroc == pytest.approx(roc_auc_score(rows[300:]["y"], risk))


def test_boosting_recipe_takes_its_seed():
    clf = models.pipeline(["age"], [], kind="boosting", random_state=7).steps[-1][1]
    assert (clf.max_iter, clf.learning_rate, clf.max_leaf_nodes, clf.random_state) == (
        200, 0.05, 15, 7)
