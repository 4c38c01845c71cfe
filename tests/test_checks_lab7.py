"""Lab 7 checks: right answers computed here independently (pandas, scikit-learn and
fairlearn directly, other solvers, rounded and crosstab forms) pass, and each likely
mistake fails with its hint (``not passed`` and the hint, both asserted). The mechanism
test reads the shipped CSVs with plain pandas and NumPy, not through the checks."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, count, false_negative_rate, true_positive_rate
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from labkit import datasets
from labkit.checks import lab7

FEATURES = ["spo2", "resp_rate", "heart_rate", "age"]


@pytest.fixture(scope="module")
def lab():
    admissions = datasets.load_admissions()
    truth = datasets.load_admissions_truth()
    readings = admissions.merge(truth, on="admission_id")
    comparable = readings[readings["respiratory_compromise"] == 1]
    train = comparable[comparable["admit_year"] <= 2022]
    test = comparable[comparable["admit_year"] >= 2023]
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        train[FEATURES], train["sao2_true"] < 88)
    risk = model.predict_proba(test[FEATURES])[:, 1]
    return {"admissions": admissions, "truth": truth, "readings": readings,
            "comparable": comparable, "train": train, "test": test, "model": model,
            "risk": risk, "alert": (risk >= 0.2).astype(int)}


def assert_fails(result, hint):
    assert not result.passed and hint in result.message, (hint, result.message)


# Exercise 7.1 -----------------------------------------------------------------

def test_comparable_group_right_answers(lenient, lab):
    assert lab7.comparable_group(lab["comparable"]).passed
    other_way = lab["truth"].merge(lab["admissions"], on="admission_id")
    assert lab7.comparable_group(other_way.query("respiratory_compromise == 1")).passed
    assert lab7.comparable_group(lab["comparable"].sample(frac=1, random_state=0)).passed


def test_comparable_group_wrong_answers(lenient, lab):
    comp, readings = lab["comparable"], lab["readings"]
    by_patient = lab["admissions"].merge(lab["truth"].assign(
        patient_key=lab["admissions"]["patient_key"]), on="patient_key")
    shuffled = comp.copy()
    shuffled["sao2_true"] = comp["sao2_true"].to_numpy()[::-1]
    cases = [
        (..., "replace ..."),
        (comp.to_numpy(), "DataFrame"),
        (lab["admissions"][lab["admissions"]["spo2"] < 95], "sao2_true"),
        (by_patient[by_patient["respiratory_compromise"] == 1], "admission_id"),
        (pd.concat([comp, comp.head(5)]), "more than once"),
        (readings, "every admission"),
        (readings[readings["respiratory_compromise"] == 0], "WITHOUT respiratory"),
        (comp[comp["admit_year"] >= 2023], "all years"),
        (shuffled, "row position"),
    ]
    for answer, hint in cases:
        assert_fails(lab7.comparable_group(answer), hint)


# Exercise 7.2 -----------------------------------------------------------------

def test_occult_by_group_right_answers(lenient, lab):
    comp = lab["comparable"]
    band = comp[(comp["spo2"] >= 92) & (comp["spo2"] <= 96)]
    rate = (band["sao2_true"] < 88).groupby(band["race_ethnicity"], observed=True).mean()
    assert lab7.occult_by_group(rate).passed
    assert lab7.occult_by_group(rate.round(3)).passed
    assert lab7.occult_by_group(rate.sort_index()).passed
    # The truth file's own flag, and a crosstab normalised by row, are the same answer.
    assert lab7.occult_by_group(band.groupby("race_ethnicity", observed=True)
                                ["occult_hypoxemia"].mean()).passed
    table = pd.crosstab(band["race_ethnicity"], band["sao2_true"] < 88, normalize="index")
    assert lab7.occult_by_group(table).passed


def test_occult_by_group_wrong_answers(lenient, lab):
    comp, readings = lab["comparable"], lab["readings"]
    race = "race_ethnicity"

    def rate(frame, low=92, high=96, hyp=None):
        band = frame[frame["spo2"].between(low, high)]
        flag = band["sao2_true"] < 88 if hyp is None else hyp(band)
        return flag.groupby(band[race], observed=True).mean()

    right = rate(comp)
    cases = [
        (..., "replace ..."),
        (right.to_numpy(), "Series"),
        (right.drop("White"), "one entry per race"),
        (100 * right, "percentages"),
        (right.round(1), "too coarsely"),
        ((comp[comp["spo2"].between(92, 96)]["sao2_true"] < 88).groupby(
            comp[comp["spo2"].between(92, 96)][race], observed=True).sum(), "counts"),
        (1 - right, "88% or more"),
        (((comp["sao2_true"] < 88) & comp["spo2"].between(92, 96)).groupby(
            comp[race], observed=True).mean(), "denominator"),
        (rate(readings), "every admission"),
        (rate(comp, 93, 95), "inclusive"),
        (rate(comp, hyp=lambda b: b["spo2"] < 88), "TRUE saturation"),
        (right + 0.01, "share of comparable readings"),
    ]
    for answer, hint in cases:
        assert_fails(lab7.occult_by_group(answer), hint)


# Exercise 7.3 -----------------------------------------------------------------

def test_rule_miss_rate_right_answers(lenient, lab):
    comp = lab["comparable"]
    hyp = comp[comp["sao2_true"] < 88]
    miss = (hyp["spo2"] > 91).groupby(hyp["race_ethnicity"], observed=True).mean()
    assert lab7.rule_miss_rate(miss).passed
    assert lab7.rule_miss_rate(miss.round(4)).passed
    sensitivity = MetricFrame(metrics=true_positive_rate, y_true=comp["sao2_true"] < 88,
                              y_pred=comp["spo2"] <= 91,
                              sensitive_features=comp["race_ethnicity"]).by_group
    assert lab7.rule_miss_rate(1 - sensitivity).passed


def test_rule_miss_rate_wrong_answers(lenient, lab):
    comp = lab["comparable"]
    race = comp["race_ethnicity"]

    def miss(flag, hyp):
        return (~flag[hyp]).groupby(race[hyp], observed=True).mean()

    hyp = comp["sao2_true"] < 88
    flag = comp["spo2"] <= 91
    right = miss(flag, hyp)
    cases = [
        (..., "replace ..."),
        ([0.1, 0.2], "Series"),
        (100 * right, "percentages"),
        (right.round(2), "too coarsely"),
        (1 - right, "sensitivity"),
        (flag[~hyp].groupby(race[~hyp], observed=True).mean(), "false-positive rate"),
        (miss(comp["spo2"] < 91, hyp), "not below 91"),
        (miss(comp["spo2"] <= 92, hyp), "92% already scores 2"),
        (miss(flag, comp["spo2"] < 88), "against the oximeter itself"),
        (miss(flag, comp["sao2_true"] <= 88), "not at or below"),
        ((hyp & ~flag).groupby(race, observed=True).mean(), "divide by the truly"),
        (right * 0.9, "spo2 is above 91"),
    ]
    for answer, hint in cases:
        assert_fails(lab7.rule_miss_rate(answer), hint)


# Exercise 7.4 -----------------------------------------------------------------

def calib_of(test, label, risk):
    frame = pd.DataFrame({"group": test["race_ethnicity"].astype(str).to_numpy(),
                          "observed": np.asarray(label, dtype=float), "predicted": risk})
    return frame.groupby("group").agg(n=("observed", "size"), observed=("observed", "mean"),
                                      predicted=("predicted", "mean"))


def test_model_calibration_right_answers(lenient, lab):
    train, test = lab["train"], lab["test"]
    y = train["sao2_true"] < 88
    label = test["sao2_true"] < 88
    assert lab7.model_calibration(lab["model"], calib_of(test, label, lab["risk"])).passed
    for other in (make_pipeline(StandardScaler(), LogisticRegression(solver="liblinear")),
                  LogisticRegression(max_iter=5000),
                  make_pipeline(StandardScaler(), LogisticRegression(C=np.inf))):
        other.fit(train[FEATURES[::-1]], y)
        risk = other.predict_proba(test[FEATURES[::-1]])[:, 1]
        result = lab7.model_calibration(other, calib_of(test, label, risk).round(4))
        assert result.passed, result.message


def test_model_calibration_says_the_model_under_predicts_for_black_patients(lenient, lab):
    result = lab7.model_calibration(lab["model"], calib_of(lab["test"],
                                                           lab["test"]["sao2_true"] < 88,
                                                           lab["risk"]))
    assert "Under-predicted for Black patients by 0.0" in result.message


def test_model_calibration_wrong_answers(lenient, lab):
    train, test, comp, model, risk = (lab[k] for k in ("train", "test", "comparable", "model",
                                                        "risk"))
    label = test["sao2_true"] < 88
    right = calib_of(test, label, risk)

    def fitted(frame, y, features=FEATURES):
        return make_pipeline(StandardScaler(), LogisticRegression()).fit(frame[features], y)

    with_race = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        pd.get_dummies(train[FEATURES + ["race_ethnicity"]]).rename(
            columns=lambda c: "race_ethnicity" if c.startswith("race_ethnicity_W") else c),
        train["sao2_true"] < 88)
    unnamed = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        train[FEATURES].to_numpy(), train["sao2_true"] < 88)
    model_cases = [
        ((..., right), "replace each"),
        ((risk, right), "predict_proba"),
        ((unnamed, right), "DataFrame"),
        ((with_race, right), "race_ethnicity is not an input"),
        ((fitted(train, train["sao2_true"] < 88, FEATURES[:3]), right), "missing ['age']"),
        ((fitted(train, train["spo2"] < 88), right), "oximeter's label"),
        ((fitted(test, test["sao2_true"] < 88), right), "test years"),
        ((fitted(comp, comp["sao2_true"] < 88), right), "every year"),
        ((fitted(train, train["sao2_true"] < 92), right), "differ from a logistic"),
    ]
    for args, hint in model_cases:
        assert_fails(lab7.model_calibration(*args), hint)
    flags = (risk >= 0.2).astype(float)
    p_train = model.predict_proba(train[FEATURES])[:, 1]
    swapped = right.rename(columns={"observed": "predicted", "predicted": "observed"})
    calib_cases = [
        (right.to_numpy(), "DataFrame"),
        (right[["n", "observed"]], "lacks the column 'predicted'"),
        (calib_of(test.assign(race_ethnicity=test["sex"]), label, risk), "one row per race"),
        (calib_of(train, train["sao2_true"] < 88, p_train), "training years"),
        (right.assign(n=right["n"] + 1), "number of test admissions"),
        (calib_of(test, test["spo2"] < 88, risk), "uses the oximeter"),
        (right.assign(observed=100 * right["observed"]), "percentages"),
        (swapped, "swapped"),
        (right.assign(observed=right["observed"] + 0.02), "share of test admissions"),
        (calib_of(test, label, 1 - risk), "class 0"),
        (calib_of(test, label, flags), "share alerted"),
        (right.assign(predicted=right["predicted"] + 0.01), "mean of model.predict_proba"),
    ]
    for calib, hint in calib_cases:
        assert_fails(lab7.model_calibration(model, calib), hint)
    every = pd.concat([train, test])
    every_calib = calib_of(every, every["sao2_true"] < 88,
                           model.predict_proba(every[FEATURES])[:, 1])
    assert_fails(lab7.model_calibration(model, every_calib), "counts every year")


# Exercise 7.5 -----------------------------------------------------------------

METRICS = {"fnr": false_negative_rate, "count": count}


def audit(lab, label, flags=None, metrics=None, rows=None, sf=None):
    test = lab["test"] if rows is None else rows
    return MetricFrame(metrics=METRICS if metrics is None else metrics,
                       y_true=np.asarray(label, dtype=int),
                       y_pred=lab["alert"] if flags is None else flags,
                       sensitive_features=test["race_ethnicity"] if sf is None else sf)


def test_two_audits_right_answers(lenient, lab):
    test = lab["test"]
    by_spo2, by_gas = test["spo2"] < 88, test["sao2_true"] < 88
    assert lab7.two_audits(audit(lab, by_spo2), audit(lab, by_gas)).passed
    # Another solver moves a few borderline risks across the threshold: still right.
    other = LogisticRegression(max_iter=5000).fit(lab["train"][FEATURES],
                                                  lab["train"]["sao2_true"] < 88)
    flags = (other.predict_proba(test[FEATURES])[:, 1] >= 0.2).astype(int)
    assert lab7.two_audits(audit(lab, by_spo2, flags), audit(lab, by_gas, flags)).passed
    reordered = dict(reversed(list(METRICS.items())))
    assert lab7.two_audits(audit(lab, by_spo2, metrics=reordered),
                           audit(lab, by_gas, metrics=reordered)).passed


def test_two_audits_finds_the_gap_only_against_the_blood_gas(lenient, lab):
    result = lab7.two_audits(audit(lab, lab["test"]["spo2"] < 88),
                             audit(lab, lab["test"]["sao2_true"] < 88))
    assert "misses 0% of Black and 0% of White" in result.message


def test_two_audits_wrong_answers(lenient, lab):
    test = lab["test"]
    by_spo2, by_gas = test["spo2"] < 88, test["sao2_true"] < 88
    good_a, good_b = audit(lab, by_spo2), audit(lab, by_gas)
    rule = (test["spo2"] <= 91).astype(int)
    tpr = {"fnr": true_positive_rate, "count": count}
    cases = [
        ((good_a, ...), "replace each"),
        ((good_a.by_group, good_b), "MetricFrame"),
        ((good_a, audit(lab, by_gas, metrics=false_negative_rate)), "dict"),
        ((good_a, audit(lab, by_gas, sf=test["sex"])), "sensitive_features"),
        ((good_a, audit(lab, lab["train"]["sao2_true"] < 88,
                        flags=np.zeros(len(lab["train"]), int), rows=lab["train"])),
         "test set"),
        ((good_b, good_a), "other audit's label"),
        ((good_a, audit(lab, by_gas, metrics=tpr)), "sensitivity"),
        ((good_a, MetricFrame(metrics=METRICS, y_true=lab["alert"],
                              y_pred=by_gas.astype(int).to_numpy(),
                              sensitive_features=test["race_ethnicity"])), "swapped"),
        ((good_a, audit(lab, by_gas, flags=rule)), "NEWS2"),
        ((good_a, audit(lab, by_gas, flags=(lab["risk"] >= 0.5).astype(int))),
         "does not match the alert"),
    ]
    for args, hint in cases:
        assert_fails(lab7.two_audits(*args), hint)


def test_two_audits_names_a_false_positive_rate(lenient, lab):
    from fairlearn.metrics import false_positive_rate

    test = lab["test"]
    fpr = {"fnr": false_positive_rate, "count": count}
    result = lab7.two_audits(audit(lab, test["spo2"] < 88),
                             audit(lab, test["sao2_true"] < 88, metrics=fpr))
    assert_fails(result, "false-positive rate")


# The mechanism, from the shipped files with plain pandas and NumPy ------------

def test_mechanism_occult_hypoxaemia_missed_rule_and_blind_audit():
    root = datasets.data_dir()
    adm = pd.read_csv(root / "synthetic_admissions.csv")
    tru = pd.read_csv(root / "synthetic_admissions_truth.csv")
    d = adm.merge(tru, on="admission_id", validate="one_to_one")
    d = d[d["respiratory_compromise"] == 1]
    black, white = d["race_ethnicity"] == "Black", d["race_ethnicity"] == "White"
    band = (d["spo2"] >= 92) & (d["spo2"] <= 96)
    low = d["sao2_true"] < 88
    occult_b = low[band & black].mean()
    occult_w = low[band & white].mean()
    # Datasheet: 10.6% vs 3.0% of readings; Sjoding et al.: 11.7% vs 3.6% of pairs.
    assert 0.07 < occult_b < 0.15 and 0.015 < occult_w < 0.05 and occult_b > 2.5 * occult_w
    # The NEWS2 red score (SpO2 <= 91%) misses more true hypoxaemia in Black patients.
    flagged = d["spo2"] <= 91
    miss_b, miss_w = (~flagged[low & black]).mean(), (~flagged[low & white]).mean()
    assert miss_b - miss_w > 0.07
    # Judged against the oximeter's own label (SpO2 < 88%), the same rule shows no gap.
    by_spo2 = d["spo2"] < 88
    blind_b, blind_w = (~flagged[by_spo2 & black]).mean(), (~flagged[by_spo2 & white]).mean()
    assert abs(blind_b - blind_w) < 0.01
    # At the same SpO2 the true saturation is lower in Black patients (about 3.0 - 0.5 points).
    diff = (d[white].groupby("spo2")["sao2_true"].mean()
            - d[black].groupby("spo2")["sao2_true"].mean()).loc[85:99]
    assert 1.0 < diff.mean() < 4.0 and (diff > 0).all()
