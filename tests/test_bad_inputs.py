"""Every public labkit function refuses bad input with one clear, one-line error.

Each row of the table is a plausible mistake (a learner's or a maintainer's), the
exception type it must raise (ValueError for a bad value, TypeError for the wrong
kind of thing, FileNotFoundError for a missing folder) and a fragment of the
message, which must name the argument and what is wrong with it.
"""

from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import recall_score, roc_auc_score

from labkit import audit, cohorts, datasets, evaluate, explain, kidney, models, synthetic

FRAME = pd.DataFrame({"x": [0.1, 0.9, 0.2, 0.8], "y": [0, 1, 0, 1]})
FITTED_PRE = models.pipeline(["x"], []).fit(FRAME[["x"]], FRAME["y"])[:-1]
Y = [1, 0, 1, 0, 1, 0]
P = [0.9, 0.2, 0.6, 0.4, 0.7, 0.1]
PRED = [1, 0, 1, 1, 0, 0]
G = ["a", "a", "a", "b", "b", "b"]
# A Task too empty to fit, enough to reach reference_model's own checks.
EMPTY_TASK = cohorts.Task(pd.DataFrame(), pd.DataFrame(), [])
SMALL = synthetic.generate(synthetic.Parameters(n_patients=150, seed=3))


def changed(column: str, values: dict[int, object]) -> pd.DataFrame:
    """The small cohort's admissions with some cells of ``column`` changed (by row label)."""
    adm = SMALL[0].copy()
    adm[column] = adm[column].astype(object)
    for row, value in values.items():
        adm.loc[row, column] = value
    return adm


ADM_GAPS = changed("ed_visits_12m", {2: np.nan, 5: None})
ADM_TEXT = changed("length_of_stay_days", {1: "three"})
ADM_FLAG = changed("chf", {0: 2, 3: -1})
ADM_QUARTER = changed("admit_quarter", {4: 5})
ADM_TWICE = changed("admission_id", {1: SMALL[0].loc[0, "admission_id"]})
# A first admission discharged home whose outcome is blank: an error, not a dropped patient.
_HOME = SMALL[0].index[(SMALL[0]["discharge_disposition"] == "home")
                       & ~SMALL[0]["patient_key"].duplicated()][0]
ADM_NO_OUTCOME = changed("readmitted_30d", {_HOME: np.nan})


def boot(**kwargs: object) -> Callable[[], object]:
    """bootstrap_ci of the AUROC with one keyword changed."""
    args = {"n_boot": 20, "progress": False} | kwargs
    return lambda: evaluate.bootstrap_ci(roc_auc_score, Y, P, **args)  # type: ignore[arg-type]


def by_group(**kwargs: object) -> Callable[[], object]:
    """bootstrap_by_group of sensitivity with one keyword changed."""
    args = {"n_boot": 20} | kwargs
    return lambda: audit.bootstrap_by_group(recall_score, Y, PRED, G, **args)  # type: ignore


CASES = [
    # evaluate.threshold_table
    (lambda: evaluate.threshold_table(Y, P, [0.2, 1.5]), ValueError,
     r"thresholds must be probabilities in \[0, 1\]; found 1.5 at position 1", "table-t>1"),
    (lambda: evaluate.threshold_table(Y, P, [10, 20]), ValueError,
     r"found 10 at position 0 \(10% is 0.1\)", "table-percent-thresholds"),
    (lambda: evaluate.threshold_table(Y, P, [0.2, np.nan]), ValueError,
     r"thresholds has missing values \(NaN\)", "table-nan-threshold"),
    (lambda: evaluate.threshold_table(Y, P, []), ValueError, "thresholds is empty",
     "table-no-thresholds"),
    (lambda: evaluate.threshold_table(Y, P, "0.2"), TypeError,
     "thresholds must be an array .* not the string '0.2'", "table-string-threshold"),
    (lambda: evaluate.threshold_table(Y, P, [0.2], days=0), ValueError,
     "days must be the number of days the data cover, a positive number, got 0",
     "table-days-0"),
    (lambda: evaluate.threshold_table(Y, P, [0.2], days=-30), ValueError,
     "days must be .* positive number, got -30", "table-days-negative"),
    (lambda: evaluate.threshold_table(Y, P, [0.2], days="366"), TypeError,
     "days must be a number, got str", "table-days-string"),
    # evaluate.auroc
    (lambda: evaluate.auroc([0, 0, 0], [0.1, 0.2, 0.3]), ValueError,
     "y_true has only one class", "auroc-one-class"),
    (lambda: evaluate.auroc([0, 1], [0.1, float("nan")]), ValueError,
     "y_score has missing predictions", "auroc-nan-score"),
    (lambda: evaluate.auroc([0, 1, 1], [0.1, 0.2]), ValueError,
     "must have the same length", "auroc-lengths"),
    # evaluate.treat_all_net_benefit
    (lambda: evaluate.treat_all_net_benefit(15, 0.1), ValueError,
     r"prevalence must be a proportion in \[0, 1\], got 15 \(15% is 0.15\)",
     "treat-all-percent-prevalence"),
    (lambda: evaluate.treat_all_net_benefit(-0.1, 0.1), ValueError,
     "prevalence must be a proportion", "treat-all-negative-prevalence"),
    (lambda: evaluate.treat_all_net_benefit(0.15, 1), ValueError,
     r"threshold must be in \[0, 1\), got 1 \(at 1 the odds", "treat-all-threshold-1"),
    # evaluate.net_benefit: outcomes
    (lambda: evaluate.net_benefit([], [], 0.2), ValueError, "y_true is empty",
     "nb-empty"),
    (lambda: evaluate.net_benefit(["yes", "no"], [0.3, 0.2], 0.2), TypeError,
     r"y_true holds text such as 'yes', not numbers: code the outcome as 0 and 1",
     "nb-yes-no-outcome"),
    (lambda: evaluate.net_benefit([1, np.nan, 0], [0.3, 0.2, 0.1], 0.2), ValueError,
     r"y_true has missing outcomes \(NaN/None\): 1 value, the first at position 1",
     "nb-nan-outcome"),
    (lambda: evaluate.net_benefit(pd.Series([1, pd.NA, 0], dtype="Int64"), [0.3, 0.2, 0.1],
                                  0.2), ValueError, "y_true has missing outcomes",
     "nb-pandas-na-outcome"),
    (lambda: evaluate.net_benefit([0, 2], [0.1, 0.2], 0.5), ValueError,
     r"y_true must hold only 0 and 1 .* found 2 at position 1", "nb-outcome-2"),
    # evaluate.net_benefit: predictions and pairing
    (lambda: evaluate.net_benefit([1, 0], [80, 20], 0.2), ValueError,
     r"y_prob must be probabilities in \[0, 1\]; found 80 at position 0 \(percentages\? "
     r"divide by 100\)",
     "nb-percent-risks"),
    (lambda: evaluate.net_benefit([1, 0], [0.8, np.nan], 0.2), ValueError,
     r"y_prob must be probabilities in \[0, 1\] with no missing values", "nb-nan-risk"),
    (lambda: evaluate.net_benefit([1, 0], np.array([[0.2, 0.8], [0.9, 0.1]]), 0.2),
     ValueError, r"y_prob must be 1-D .* predict_proba\(X\)\[:, 1\]", "nb-2d-proba"),
    (lambda: evaluate.net_benefit([1, 0, 1], [0.8, 0.1], 0.2), ValueError,
     "y_true and y_prob must have the same length .* got 3, 2", "nb-lengths"),
    (lambda: evaluate.net_benefit(pd.Series([1, 0], index=[10, 11]),
                                  pd.Series([0.8, 0.1], index=[11, 10]), 0.2), ValueError,
     "y_true and y_prob are pandas Series with different indexes", "nb-misaligned-series"),
    (lambda: evaluate.net_benefit(Y, P, 0.2 * 100), ValueError,
     r"threshold must be in \[0, 1\), got 20 \(a probability: 20% is 0.2\)",
     "nb-percent-threshold"),
    (lambda: evaluate.net_benefit(Y, P, "0.2"), TypeError, "threshold must be a number",
     "nb-string-threshold"),
    (lambda: evaluate.net_benefit(Y, P, None), TypeError, "threshold must be a number",
     "nb-no-threshold"),
    (lambda: evaluate.net_benefit(1, 0.5, 0.2), TypeError,
     "y_true must be an array with one value per patient, not a single value 1",
     "nb-scalars"),
    # evaluate.decision_curve
    (lambda: evaluate.decision_curve(Y, P, []), ValueError, "thresholds is empty",
     "dc-no-thresholds"),
    (lambda: evaluate.decision_curve(Y, P, [0.1, 1.0]), ValueError,
     r"thresholds must be probabilities in \[0, 1\); found 1 at position 1",
     "dc-threshold-1"),
    (lambda: evaluate.decision_curve(Y, P, np.array([0.1, np.nan])), ValueError,
     r"thresholds has missing values \(NaN\)", "dc-nan-threshold"),
    (lambda: evaluate.decision_curve([], []), ValueError, "y_true is empty", "dc-empty"),
    # evaluate.calibration_intercept_slope
    (lambda: evaluate.calibration_intercept_slope(Y, PRED), ValueError,
     r"y_prob holds only 0 and 1: pass predicted probabilities \(predict_proba\(\.\.\.\)"
     r"\[:, 1\]\), not labels", "cal-labels-not-risks"),
    (lambda: evaluate.calibration_intercept_slope(Y, [0.3] * 6), ValueError,
     r"y_prob is constant \(every prediction is 0.3\): the calibration slope cannot be "
     "estimated", "cal-constant"),
    (lambda: evaluate.calibration_intercept_slope([0, 0, 0], [0.1, 0.2, 0.3]), ValueError,
     "y_true has only one class", "cal-one-class"),
    (lambda: evaluate.calibration_intercept_slope([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1]),
     ValueError, "calibration model did not converge: the predicted risks separate",
     "cal-separation"),
    (lambda: evaluate.calibration_intercept_slope([], []), ValueError, "y_true is empty",
     "cal-empty"),
    (lambda: evaluate.calibration_intercept_slope([True, False], ["0.2", "0.1"]),
     TypeError, "y_prob holds text such as '0.2'", "cal-text-risks"),
    # evaluate.bootstrap_ci
    (boot(n_boot=0), ValueError, r"n_boot must be at least 10 \(1,000 or more", "boot-n-0"),
    (boot(n_boot=200.0), TypeError, "n_boot must be a whole number", "boot-n-float"),
    (boot(level=95), ValueError, r"level must be between 0 and 1, got 95 \(95% is 0.95\)",
     "boot-level-percent"),
    (boot(level=1), ValueError, "level must be between 0 and 1, got 1", "boot-level-1"),
    (boot(random_state=-1), ValueError, "random_state must be at least 0",
     "boot-negative-seed"),
    (boot(random_state="0"), TypeError, "random_state must be a whole number",
     "boot-string-seed"),
    (boot(patient_id=[1, 1, 2]), ValueError,
     "patient_id must have one value per row, got 3 for 6 rows", "boot-patient-lengths"),
    (boot(patient_id=[1, 1, 2, None, 3, 3]), ValueError,
     r"patient_id has missing values \(NaN/None\): 1 value, the first at position 3",
     "boot-patient-missing"),
    (boot(progress="no"), TypeError, "progress must be True or False", "boot-progress"),
    (lambda: evaluate.bootstrap_ci("auroc", Y, P), TypeError,
     "metric must be a function of", "boot-metric-name"),
    (lambda: evaluate.bootstrap_ci(lambda a, b: (0.1, 0.2), Y, P, progress=False), TypeError,
     "metric must return one number, got tuple", "boot-metric-tuple"),
    (lambda: evaluate.bootstrap_ci(roc_auc_score, Y, [0.1, np.nan, 0.3, 0.2, 0.5, 0.4],
                                   progress=False), ValueError,
     r"y_score has missing predictions \(NaN/None\)", "boot-nan-score"),
    (lambda: evaluate.bootstrap_ci(roc_auc_score, [], [], progress=False), ValueError,
     "y_true is empty", "boot-empty"),
    # evaluate.wilson_interval
    (lambda: evaluate.wilson_interval(5, 3), ValueError,
     r"successes \(5\) cannot exceed trials \(3\)", "wilson-k>n"),
    (lambda: evaluate.wilson_interval(0, 0), ValueError, "trials must be at least 1, got 0",
     "wilson-no-trials"),
    (lambda: evaluate.wilson_interval(2.5, 10), TypeError,
     "successes must be a whole number", "wilson-fraction"),
    (lambda: evaluate.wilson_interval(2, 10, level=0), ValueError,
     "level must be between 0 and 1", "wilson-level-0"),
    # audit.age_band
    (lambda: audit.age_band([30, 600]), ValueError,
     r"ages must be in years, at most 120; found 600 at position 1 \(months or days\?\)",
     "age-in-months"),
    (lambda: audit.age_band([30, 16]), ValueError,
     "ages must be known and at least 18 years; found 16 at position 1", "age-child"),
    (lambda: audit.age_band(pd.Series([30, None], dtype="Int64")), ValueError,
     r"age has missing values \(NaN\)", "age-missing"),
    (lambda: audit.age_band(["thirty", "40"]), TypeError, "age holds text such as 'thirty'",
     "age-text"),
    (lambda: audit.age_band(42), TypeError, "age must be an array", "age-scalar"),
    # audit.group_sizes
    (lambda: audit.group_sizes(["a", None, "b", np.nan, "a", "b"], Y), ValueError,
     r"groups has 2 of 6 rows with no group \(NaN/None\), the first at position 1: .* "
     r"missing='group'", "sizes-missing-labels"),
    (lambda: audit.group_sizes(pd.Series(["a", pd.NA, "b"], dtype="string"), [1, 0, 1]),
     ValueError, "groups has 1 of 3 rows with no group", "sizes-pandas-na-label"),
    (lambda: audit.group_sizes(G, Y, missing="drop"), ValueError,
     "missing must be 'raise' or 'group', got 'drop'", "sizes-missing-drop"),
    (lambda: audit.group_sizes(["(missing)", None, "a"], [1, 0, 1], missing="group"),
     ValueError, r"groups already has a group called '\(missing\)'", "sizes-label-clash"),
    (lambda: audit.group_sizes(pd.DataFrame({"race": G, "sex": G}), Y), TypeError,
     "groups is a DataFrame with 2 columns; pass one column", "sizes-dataframe"),
    (lambda: audit.group_sizes([], []), ValueError, "groups is empty", "sizes-empty"),
    (lambda: audit.group_sizes(G, ["yes", "no"] * 3), TypeError,
     "y_true holds text such as 'yes'", "sizes-text-outcome"),
    (lambda: audit.group_sizes(G, Y, min_n=-1), ValueError, "min_n must be at least 0",
     "sizes-negative-min-n"),
    (lambda: audit.group_sizes(G, Y, min_events=2.5), TypeError,
     "min_events must be a whole number", "sizes-fractional-min-events"),
    (lambda: audit.group_sizes(pd.Series(G, index=range(10, 16)), pd.Series(Y)), ValueError,
     "groups and y_true are pandas Series with different indexes", "sizes-misaligned"),
    # audit.bootstrap_by_group
    (by_group(n_boot=5), ValueError, "n_boot must be at least 10", "bbg-n-boot"),
    (lambda: audit.bootstrap_by_group(recall_score, Y, PRED, ["a", None] * 3, n_boot=20),
     ValueError, "groups has 3 of 6 rows with no group", "bbg-missing-labels"),
    (lambda: audit.bootstrap_by_group(recall_score, Y, PRED[:5], G, n_boot=20), ValueError,
     "y_true and y_pred and groups must have the same length .* got 6, 5, 6",
     "bbg-lengths"),
    (lambda: audit.bootstrap_by_group(None, Y, PRED, G), TypeError,
     "metric must be a function of", "bbg-no-metric"),
    (by_group(patient_id=[1, 2]), ValueError, "patient_id must have one value per row",
     "bbg-patient-lengths"),
    (by_group(level=0.0), ValueError, "level must be between 0 and 1", "bbg-level"),
    # audit.rate_ci_by_group
    (lambda: audit.rate_ci_by_group(Y, PRED, G, rate="sensitivity"), ValueError,
     r"rate must be one of \['accuracy', 'fnr'", "rate-unknown"),
    (lambda: audit.rate_ci_by_group(Y, P, G), ValueError,
     r"y_pred must hold predicted labels 0 and 1 .* not risks; found 0.9 at position 0",
     "rate-risks-not-labels"),
    (lambda: audit.rate_ci_by_group(Y, PRED, G, level=1.5), ValueError,
     "level must be between 0 and 1", "rate-level"),
    # datasets
    (lambda: datasets.card(["wdbc"]), TypeError, "dataset name must be a string",
     "card-list"),
    (lambda: datasets.load("mimic"), ValueError, "unknown dataset 'mimic'; known datasets",
     "load-unknown"),
    (lambda: datasets.load("wdbc", folder=3), TypeError,
     "folder must be a path .* got int 3", "load-folder-int"),
    (lambda: datasets.load("wdbc", folder="/no/such/folder"), FileNotFoundError,
     "/no/such/folder: data folder not found", "load-folder-missing"),
    (lambda: datasets.versions(folder=3), TypeError, "folder must be a path .* got int 3",
     "versions-folder-int"),
    (lambda: datasets.version_history(3), TypeError, "file must be a string",
     "version-history-not-a-string"),
    (lambda: datasets.verify("wdbc", folder=datasets.data_dir() / "SHA256SUMS"),
     FileNotFoundError, "SHA256SUMS: data is a file, not a folder", "verify-folder-is-file"),
    (lambda: datasets.verify_all(folder="/no/such/folder"), FileNotFoundError,
     "data folder not found", "verify-all-folder-missing"),
    # cohorts
    (lambda: cohorts.readmission_task(2024), ValueError,
     "last_train_year must be from 2019 to 2023, so that both training and test years "
     "remain; got 2024", "task-no-test-years"),
    (lambda: cohorts.readmission_task("2022"), TypeError,
     r"last_train_year must be a year \(an int such as 2022\), got str", "task-string-year"),
    (lambda: cohorts.reference_model(pd.DataFrame()), TypeError,
     r"task must be a Task from readmission_task\(\), got DataFrame", "model-not-a-task"),
    (lambda: cohorts.reference_model(EMPTY_TASK, "forest"), ValueError,
     "kind must be 'logistic' or 'boosting', not 'forest'", "model-kind"),
    (lambda: cohorts.reference_model(EMPTY_TASK, "boosting", random_state=-2), ValueError,
     "random_state must be at least 0", "model-negative-seed"),
    # synthetic
    (lambda: synthetic.Parameters(n_patients=5), ValueError,
     r"Parameters.n_patients must be at least 100, got 5", "params-too-few"),
    (lambda: synthetic.Parameters(race_shares=(0.5, 0.5)), ValueError,
     "Parameters.race_shares must give one share for each of", "params-shares-length"),
    (lambda: synthetic.Parameters(race_shares=(0.6, 0.2, 0.1, 0.1, 0.1, 0.1)), ValueError,
     "Parameters.race_shares must be non-negative and sum to 1", "params-shares-sum"),
    (lambda: synthetic.Parameters(readmission_rate=15), ValueError,
     r"Parameters.readmission_rate must be in \(0, 1\), got 15", "params-percent-rate"),
    (lambda: synthetic.Parameters(seed=1.5), TypeError,
     "Parameters.seed must be a whole number", "params-float-seed"),
    (lambda: synthetic.Parameters(spo2_bias={"White": 0.5}), ValueError,
     "Parameters.spo2_bias must give a value for each of", "params-missing-race"),
    (lambda: synthetic.Parameters(spending_persistence=1.5), ValueError,
     r"Parameters.spending_persistence must be in \[0, 1\], got 1.5", "params-persistence"),
    (lambda: synthetic.claims(FRAME, FRAME), ValueError,
     "admissions lacks the column 'admission_id'; pass generate\\(\\)'s output",
     "claims-columns"),
    (lambda: synthetic.claims([], []), TypeError,
     r"admissions must be a DataFrame from generate\(\), got list", "claims-kind"),
    (lambda: synthetic.claims(*SMALL, {"seed": 1}), TypeError,
     "p must be a Parameters instance or None, got dict", "claims-params-kind"),
    (lambda: synthetic.claims(SMALL[0], SMALL[1].iloc[::-1]), ValueError,
     "admissions and truth must hold the same admissions in the same order", "claims-order"),
    (lambda: synthetic.vendor_predictions(SMALL[1]), ValueError,
     r"admissions lacks the columns 'patient_key', 'admit_year', .*; pass generate\(\)'s "
     "output or datasets.load_admissions", "vendor-truth-not-admissions"),
    (lambda: synthetic.vendor_predictions(SMALL[0].values), TypeError,
     "admissions must be a DataFrame from generate.* got ndarray", "vendor-array"),
    (lambda: synthetic.vendor_predictions(SMALL[0].iloc[:0]), ValueError,
     "admissions is empty", "vendor-empty"),
    (lambda: synthetic.vendor_predictions(ADM_GAPS), ValueError,
     r"admissions column 'ed_visits_12m' has missing values at row 2, row 5$",
     "vendor-missing-ed-visits"),
    (lambda: synthetic.vendor_predictions(ADM_TEXT), ValueError,
     r"admissions column 'length_of_stay_days' must hold numbers; found row 1 \('three'\)$",
     "vendor-text-in-count"),
    (lambda: synthetic.vendor_predictions(ADM_FLAG), ValueError,
     r"admissions column 'chf' must be 0 or 1; found row 0 \(2\), row 3 \(-1\)$",
     "vendor-flag-not-0-1"),
    (lambda: synthetic.vendor_predictions(ADM_QUARTER), ValueError,
     r"admissions column 'admit_quarter' must be 1, 2, 3 or 4; found row 4 \(5\)$",
     "vendor-quarter-5"),
    (lambda: synthetic.vendor_predictions(ADM_TWICE), ValueError,
     r"admissions column 'admission_id' must name each admission once; repeated at row 0 "
     r"\(\d+\), row 1 \(\d+\)$", "vendor-duplicate-id"),
    (lambda: synthetic.vendor_predictions(ADM_NO_OUTCOME), ValueError,
     r"admissions column 'readmitted_30d' is missing for first admissions that ended in "
     r"neither death nor hospice: row \d+$", "vendor-missing-outcome"),
    (lambda: synthetic.generate({"n_patients": 500}), TypeError,
     "p must be a Parameters instance or None, got dict", "generate-dict"),
    (lambda: synthetic.vendor_model_bytes("model.skops"), TypeError,
     "model must be a fitted scikit-learn classifier .* got str$", "vendor-bytes-not-a-model"),
    (lambda: datasets.vendor_model_path(folder="/no/such/folder"), FileNotFoundError,
     "/no/such/folder: data folder not found", "vendor-model-no-folder"),
    (lambda: datasets.vendor_model_path(folder=datasets.data_dir().parent / "labkit"),
     FileNotFoundError, r"vendor_readmission_model\.skops: model file not found",
     "vendor-model-missing"),
    (lambda: datasets.marketing_sheet(folder=datasets.data_dir().parent / "labkit"),
     FileNotFoundError, r"vendor_marketing_sheet\.md: the marketing sheet not found",
     "marketing-sheet-missing"),
    (lambda: datasets.vendor_model_documented_types(folder=3), TypeError,
     "folder must be a path", "vendor-types-folder-int"),
    (lambda: datasets.marketing_sheet(folder="/no/such/folder"), FileNotFoundError,
     "/no/such/folder: data folder not found", "marketing-sheet-no-folder"),
    (lambda: synthetic.chatbot_answers(seed=1.5), TypeError,
     r"seed must be a whole number, got float 1\.5$", "chatbot-seed-float"),
    (lambda: synthetic.chatbot_answers(seed=-1), ValueError,
     "seed must be a whole number >= 0, got -1", "chatbot-seed-negative"),
    # models
    (lambda: models.pipeline([], []), ValueError,
     "pipeline needs at least one numeric or categorical column", "pipeline-no-columns"),
    (lambda: models.pipeline(["age"], ["age"]), ValueError,
     r"columns \['age'\] are listed as both numeric and categorical", "pipeline-overlap"),
    (lambda: models.pipeline(["age"], [], kind="forest"), ValueError,
     "kind must be 'logistic' or 'boosting', not 'forest'", "pipeline-kind"),
    (lambda: models.fit_and_score(models.pipeline(["x"], []), ["x"], "y", [[1]], FRAME),
     TypeError, "fit_rows must be a pandas DataFrame, got list", "fit-score-list"),
    (lambda: models.fit_and_score(models.pipeline(["x"], []), ["age"], "y", FRAME, FRAME),
     ValueError, "fit_rows has no column 'age'", "fit-score-missing-column"),
    (lambda: models.fit_and_score(models.pipeline(["x"], []), ["x"], "y",
                                  FRAME.assign(y=[1, None, 0, 1]), FRAME),
     ValueError, r"fit_rows\['y'\] has 1 missing values", "fit-score-missing-outcome"),
    # explain
    (lambda: explain.source_features("not fitted"), TypeError,
     "preprocessor must be a fitted ColumnTransformer or Pipeline, got str",
     "source-features-kind"),
    (lambda: explain.by_feature(SimpleNamespace(values=np.zeros((2, 3)), base_values=0),
                                FRAME, FITTED_PRE), ValueError,
     "explanation has 3 columns but the preprocessor makes 1", "by-feature-columns"),
    (lambda: explain.mean_abs(SimpleNamespace(values=np.zeros((2, 2)), feature_names=None)),
     ValueError, "explanation has no feature names", "mean-abs-no-names"),
    (lambda: explain.okabe_ito("figure"), TypeError,
     "figure must be a matplotlib Figure", "okabe-ito-kind"),
    # kidney (Lab 6)
    (lambda: kidney.egfr_ckd_epi_2009(-1.0, 50, "female", False), ValueError,
     "creatinine_mg_dl must be a positive, finite concentration in mg/dL, got -1",
     "kidney-2009-negative-creatinine"),
    (lambda: kidney.egfr_ckd_epi_2009(1.0, 50, "female", "yes"), TypeError,
     "black must be True/False", "kidney-2009-black-string"),
    (lambda: kidney.egfr_ckd_epi_2021(1.0, 16, "female"), ValueError,
     "age must be 18 years or more", "kidney-2021-child"),
    (lambda: kidney.egfr_ckd_epi_2021(1.0, 50, "unknown"), ValueError,
     "sex must be 'female' or 'male', got 'unknown'", "kidney-2021-unknown-sex"),
    (lambda: kidney.ckd_stage([60, np.nan]), ValueError,
     "egfr must be a finite number .* got nan at row 1", "kidney-stage-nan"),
]


@pytest.mark.parametrize("call, error, message",
                         [pytest.param(c, e, m, id=i) for c, e, m, i in CASES])
def test_bad_input_gets_one_clear_error(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert type(info.value) is error  # not a subclass raised from deep inside a library
    assert "\n" not in str(info.value)


def test_the_table_covers_every_public_function():
    import inspect

    import labkit.audit
    import labkit.cohorts
    import labkit.datasets
    import labkit.evaluate
    import labkit.explain
    import labkit.kidney
    import labkit.models
    import labkit.synthetic

    source = inspect.getsource(inspect.getmodule(test_the_table_covers_every_public_function))
    for module in (labkit.evaluate, labkit.audit, labkit.datasets, labkit.cohorts,
                   labkit.synthetic, labkit.models, labkit.explain, labkit.kidney):
        short = module.__name__.split(".")[-1]
        for name in module.__all__:
            obj = getattr(module, name)
            takes_input = (inspect.isfunction(obj) and inspect.signature(obj).parameters) or (
                name == "Parameters")
            if takes_input:
                assert f"{short}.{name}(" in source, f"no bad-input case for {short}.{name}"
    assert len(CASES) >= 30
