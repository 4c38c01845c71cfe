"""labkit.cohorts: the shared readmission task is built as Lab 1 teaches."""

import pytest
from sklearn.metrics import roc_auc_score

from labkit import cohorts, datasets


@pytest.fixture(scope="module")
def task() -> cohorts.Task:
    return cohorts.readmission_task()


def test_only_patients_at_risk(task):
    for part in (task.train, task.test):
        assert part[cohorts.TARGET].notna().all()
        assert (part["died_in_hospital"] == 0).all()
        assert (part["discharge_disposition"] != "hospice").all()


def test_split_by_time_and_patient(task):
    assert task.train["admit_year"].max() == 2022
    assert task.test["admit_year"].min() == 2023
    assert not set(task.train["patient_key"]) & set(task.test["patient_key"])
    # Every at-risk row is in one of the sets, unless its patient was seen in training.
    df = datasets.load_admissions()
    at_risk = df[df[cohorts.TARGET].notna()]
    later = at_risk[at_risk["admit_year"] >= 2023]
    dropped = later["patient_key"].isin(set(task.train["patient_key"]))
    assert len(task.train) + len(task.test) + dropped.sum() == len(at_risk)


def test_no_leaky_or_sensitive_inputs(task):
    assert not set(cohorts.FEATURES) & set(cohorts.LEAKY_COLUMNS)
    assert "race_ethnicity" not in cohorts.FEATURES
    assert list(task.X_train.columns) == cohorts.FEATURES
    assert set(task.y_train.unique()) == {0, 1}


@pytest.mark.parametrize("kind", ["logistic", "boosting"])
def test_reference_models_are_modest_but_real(task, kind):
    model = cohorts.reference_model(task, kind)
    auroc = roc_auc_score(task.y_test, model.predict_proba(task.X_test)[:, 1])
    assert 0.58 < auroc < 0.72  # typical of readmission models, not a lucky leak


def test_unknown_model_kind(task):
    with pytest.raises(ValueError, match="kind must be"):
        cohorts.reference_model(task, "forest")


def test_split_year_must_leave_training_and_test_years():
    import numpy as np

    with pytest.raises(ValueError, match="from 2019 to 2023"):
        cohorts.readmission_task(2018)
    with pytest.raises(TypeError, match="must be a year"):
        cohorts.readmission_task(2022.0)
    earliest = cohorts.readmission_task(np.int64(2019))
    assert set(earliest.train["admit_year"]) == {2019}
    assert earliest.test["admit_year"].min() == 2020


def test_reference_model_needs_a_task(task):
    with pytest.raises(TypeError, match="task must be a Task"):
        cohorts.reference_model(task.train)
    with pytest.raises(TypeError, match="random_state must be a whole number"):
        cohorts.reference_model(task, "boosting", random_state="0")
