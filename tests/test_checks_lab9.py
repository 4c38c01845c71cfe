"""Lab 9 checks: right answers computed here independently (the pipeline assembled from
scikit-learn parts with another solver, recalibration by direct likelihood
maximisation with SciPy, tables by other pandas routes, rounded and re-indexed forms)
pass, and each likely mistake fails with its hint (``not passed`` and the hint, both
asserted). The mechanism test reads the shipped CSV with plain pandas, recomputes the
datasheet's numbers for the dated shift and checks that the datasheet states them."""

import re

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import auc, roc_auc_score, roc_curve
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from labkit import cohorts, datasets, models
from labkit.checks import lab9

FEATURES, NUMERIC, CATEGORICAL = (cohorts.FEATURES, cohorts.NUMERIC_FEATURES,
                                  cohorts.CATEGORICAL_FEATURES)


def recipe(solver="newton-cholesky"):
    """Lab 1's recipe assembled by hand, with another solver than the kit's."""
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True),
                              StandardScaler()), NUMERIC),
        ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)])
    return Pipeline([("prep", prep),
                     ("logisticregression", LogisticRegression(solver=solver, max_iter=1000))])


def fit(rows, solver="newton-cholesky"):
    return recipe(solver).fit(rows[FEATURES], rows["readmitted"])


def logit(p):
    p = np.asarray(p, dtype=float)
    return np.log(p / (1 - p))


def recalibrate_by_likelihood(lp_fit, y, lp_apply):
    """Logistic recalibration by maximising the likelihood directly (SciPy)."""
    y = np.asarray(y, dtype=float)

    def nll(beta):
        eta = beta[0] + beta[1] * lp_fit
        return np.sum(np.logaddexp(0, eta) - y * eta)

    beta = minimize(nll, x0=[0.0, 1.0], method="BFGS").x
    return expit(beta[0] + beta[1] * lp_apply)


@pytest.fixture(scope="module")
def lab():
    cohort = datasets.load_admissions()
    at_risk = cohort[cohort["readmitted_30d"].notna()].copy()
    at_risk["readmitted"] = at_risk["readmitted_30d"].astype(int)
    before = at_risk[at_risk["admit_year"] <= 2022]
    model = fit(before)
    scored = at_risk.assign(risk=model.predict_proba(at_risk[FEATURES])[:, 1])
    live = scored[scored["admit_year"] >= 2023]
    y2023 = scored[scored["admit_year"] == 2023]
    y2024 = scored[scored["admit_year"] == 2024]
    p_recal = recalibrate_by_likelihood(logit(y2023["risk"]), y2023["readmitted"],
                                        logit(y2024["risk"]))
    p_refit = fit(y2023).predict_proba(y2024[FEATURES])[:, 1]
    return {"cohort": cohort, "at_risk": at_risk, "before": before, "model": model,
            "scored": scored, "live": live, "y2023": y2023, "y2024": y2024,
            "p_recal": p_recal, "p_refit": p_refit}


def assert_fails(result, hint):
    assert not result.passed and hint in result.message, (hint, result.message)


# Exercise 9.1 -----------------------------------------------------------------

def year_table(frame, risk="risk"):
    """Per-year table by another route: groupby-agg and the ROC curve's area."""
    g = frame.groupby("admit_year")
    table = g.agg(n=("readmitted", "count"), observed=("readmitted", "mean"),
                  predicted=(risk, "mean"), o=("readmitted", "sum"), e=(risk, "sum"))
    table["auroc"] = [auc(*roc_curve(d["readmitted"], d[risk])[:2]) for _, d in g]
    table["oe"] = table.pop("o") / table.pop("e")
    return table


def test_temporal_validation_right_answers(lenient, lab):
    scored = lab["scored"]
    hf = scored[scored["chf"] == 1]
    assert lab9.temporal_validation(lab["model"], scored, year_table(scored),
                                    year_table(hf)).passed
    # The kit's own recipe (lbfgs), tables rounded to 3 decimals and indexed by text.
    kit = models.pipeline(NUMERIC, CATEGORICAL).fit(lab["before"][FEATURES],
                                                   lab["before"]["readmitted"])
    mine = lab["at_risk"].assign(risk=kit.predict_proba(lab["at_risk"][FEATURES])[:, 1])
    rounded = year_table(mine).round(3)
    result = lab9.temporal_validation(kit, mine.sample(frac=1, random_state=0),
                                      rounded.set_axis(rounded.index.astype(str)),
                                      year_table(mine[mine["chf"] == 1]).round(3))
    assert result.passed, result.message
    assert "for heart failure" in result.message


def test_temporal_validation_wrong_models(lenient, lab):
    at_risk, scored = lab["at_risk"], lab["scored"]
    table, hf = year_table(scored), year_table(scored[scored["chf"] == 1])
    boosting = models.pipeline(NUMERIC, CATEGORICAL, "boosting").set_params(
        histgradientboostingclassifier__max_iter=5).fit(lab["before"][FEATURES],
                                                        lab["before"]["readmitted"])
    unnamed = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression()).fit(
        lab["before"][NUMERIC].to_numpy(), lab["before"]["readmitted"])
    leaky = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression()).fit(
        lab["before"][NUMERIC + ["readmitted"]], lab["before"]["readmitted"])
    cases = [
        (..., "replace each"),
        (scored["risk"].to_numpy(), "predict_proba"),
        (unnamed, "DataFrame"),
        (leaky, "outcome (readmitted)"),
        (make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression()).fit(
            lab["before"][NUMERIC], lab["before"]["readmitted"]), "missing ['discharge_"),
        (boosting, "ends in HistGradientBoostingClassifier"),
        (fit(at_risk), "fitted on every year"),
        (fit(lab["live"]), "after go-live"),
        (fit(at_risk[at_risk["admit_year"] <= 2021]), "2019-2021"),
        (fit(lab["before"].assign(readmitted=lab["before"]["readmitted"].to_numpy()[::-1])),
         "differ from Lab 1's recipe"),
    ]
    for model, hint in cases:
        assert_fails(lab9.temporal_validation(model, scored, table, hf), hint)


def test_temporal_validation_wrong_scored(lenient, lab):
    model, scored, cohort = lab["model"], lab["scored"], lab["cohort"]
    table, hf = year_table(scored), year_table(scored[scored["chf"] == 1])
    everyone = cohort.assign(readmitted=0, risk=model.predict_proba(cohort[FEATURES])[:, 1])
    shuffled = scored.assign(risk=scored["risk"].to_numpy()[::-1])
    cases = [
        (scored.drop(columns="risk"), "'risk'"),
        (everyone, "no recorded outcome"),
        (scored[scored["admit_year"] < 2023], "only the years before go-live"),
        (lab["live"], "only the years after go-live"),
        (pd.concat([scored, scored.head(3)]), "more than once"),
        (scored.assign(risk=1 - scored["risk"]), "NOT being readmitted"),
        (scored.assign(risk=(scored["risk"] >= 0.5).astype(float)), "0/1 labels"),
        (shuffled, "does not belong"),
    ]
    for frame, hint in cases:
        assert_fails(lab9.temporal_validation(model, frame, table, hf), hint)


def test_temporal_validation_wrong_tables(lenient, lab):
    model, scored, cohort = lab["model"], lab["scored"], lab["cohort"]
    right, hf = year_table(scored), year_table(scored[scored["chf"] == 1])
    no_hf = year_table(scored[scored["chf"] == 0])
    labels = year_table(scored.assign(label=(scored["risk"] >= 0.5).astype(float)), "label")
    all_n = cohort.groupby("admit_year").size()
    cases = [
        (right.to_numpy(), hf, "DataFrame"),
        (right.drop(columns="oe"), hf, "lacks the column 'oe'"),
        (right.loc[[2023, 2024]], hf, "only the years after go-live"),
        (right.loc[[2019, 2020, 2021, 2022]], hf, "one row per year"),
        (hf, hf, "those are the patients with heart failure"),
        (right.assign(n=all_n), hf, "counts every admission"),
        (right.assign(observed=right["predicted"], predicted=right["observed"]), hf,
         "swapped"),
        (right.assign(observed=100 * right["observed"]), hf, "percentages"),
        (right.round(1), hf, "too coarsely"),
        (right.assign(auroc=labels["auroc"]), hf, "0/1 labels"),
        (right.assign(oe=1 / right["oe"]), hf, "upside down"),
        (right.assign(oe=right["observed"] - right["predicted"]), hf, "not their difference"),
        (right.assign(predicted=right["predicted"] + 0.01), hf, "mean of scored['risk']"),
        (right, right, "that is every discharge"),
        (right, no_hf, "WITHOUT heart failure"),
    ]
    for table, table_hf, hint in cases:
        assert_fails(lab9.temporal_validation(model, scored, table, table_hf), hint)


# Exercise 9.2 -----------------------------------------------------------------

def smd_numpy(after, before, ddof=0):
    a, b = after[NUMERIC].to_numpy(float), before[NUMERIC].to_numpy(float)
    diff = np.nanmean(a, axis=0) - np.nanmean(b, axis=0)
    pooled = np.sqrt((np.nanvar(a, axis=0, ddof=ddof) + np.nanvar(b, axis=0, ddof=ddof)) / 2)
    return pd.Series(diff / pooled, index=NUMERIC)


def test_input_drift_right_answers(lenient, lab):
    right = smd_numpy(lab["live"], lab["before"])
    result = lab9.input_drift(right)
    assert result.passed and "age moved most" in result.message, result.message
    assert lab9.input_drift(smd_numpy(lab["live"], lab["before"], ddof=1).round(3)).passed
    assert lab9.input_drift(right.sort_values().to_frame("smd")).passed


def test_input_drift_wrong_answers(lenient, lab):
    live, before, at_risk, cohort = lab["live"], lab["before"], lab["at_risk"], lab["cohort"]
    right = smd_numpy(live, before)
    raw = live[NUMERIC].mean() - before[NUMERIC].mean()
    cases = [
        (..., "replace ..."),
        (right.to_numpy(), "Series"),
        (right.drop(["age", "chf"]), "lacks ['age', 'chf']"),
        (pd.concat([right, pd.Series({"admit_year": 3.0})]), "not numeric model inputs"),
        (-right, "sign is reversed"),
        (right.abs(), "keep the sign"),
        (raw, "raw difference"),
        (raw / before[NUMERIC].std(), "before go-live only"),
        (smd_numpy(cohort[cohort["admit_year"] >= 2023], cohort[cohort["admit_year"] < 2023]),
         "every admission"),
        (smd_numpy(at_risk[at_risk["admit_year"] == 2024], before), "not 2024 alone"),
        (right.round(1), "too coarsely"),
        (right * 1.1, "for each column in NUMERIC"),
    ]
    for answer, hint in cases:
        assert_fails(lab9.input_drift(answer), hint)


# Exercise 9.3 -----------------------------------------------------------------

def update_table(lab, versions):
    y2024 = lab["y2024"]
    y, hf = y2024["readmitted"].to_numpy(), y2024["chf"].to_numpy() == 1
    return pd.DataFrame(
        [[roc_auc_score(y, p), y.mean() / p.mean(), y[hf].mean() / p[hf].mean()]
         for p in versions.values()],
        index=list(versions), columns=["auroc", "oe_all", "oe_heart_failure"])


def versions_of(lab, p_recal=None, p_refit=None):
    return {"stale": lab["y2024"]["risk"].to_numpy(),
            "recalibrated": lab["p_recal"] if p_recal is None else p_recal,
            "refitted": lab["p_refit"] if p_refit is None else p_refit}


def test_model_updates_right_answers(lenient, lab):
    table = update_table(lab, versions_of(lab))
    result = lab9.model_updates(lab["p_recal"], lab["p_refit"], table)
    assert result.passed and "refitted" in result.message, result.message
    # scikit-learn's recalibration, the kit's refit, a reordered and rounded table.
    y2023, y2024 = lab["y2023"], lab["y2024"]
    recal = LogisticRegression(C=np.inf).fit(logit(y2023[["risk"]]), y2023["readmitted"])
    p_recal = pd.Series(recal.predict_proba(logit(y2024[["risk"]]))[:, 1])
    kit = models.pipeline(NUMERIC, CATEGORICAL).fit(y2023[FEATURES], y2023["readmitted"])
    p_refit = kit.predict_proba(y2024[FEATURES])[:, 1]
    table = update_table(lab, versions_of(lab, p_recal.to_numpy(), p_refit))
    assert lab9.model_updates(p_recal, p_refit, table.iloc[::-1].round(3)).passed


def test_model_updates_wrong_probabilities(lenient, lab):
    y2023, y2024 = lab["y2023"], lab["y2024"]
    table = update_table(lab, versions_of(lab))
    stale = y2024["risk"].to_numpy()
    in_sample = recalibrate_by_likelihood(logit(stale), y2024["readmitted"], logit(stale))
    on_probabilities = recalibrate_by_likelihood(y2023["risk"].to_numpy(), y2023["readmitted"],
                                                 stale)
    p_2023 = recalibrate_by_likelihood(logit(y2023["risk"]), y2023["readmitted"],
                                       logit(y2023["risk"]))
    upto = lab["at_risk"][lab["at_risk"]["admit_year"] <= 2023]
    recal, refit = lab["p_recal"], lab["p_refit"]
    cases = [
        ((recal, ..., table), "replace each"),
        (("p", refit, table), "array of predicted probabilities"),
        ((np.column_stack([1 - recal, recal]), refit, table), "both columns"),
        ((p_2023, refit, table), "one value per 2023 discharge"),
        ((recal[:100], refit, table), "one probability per 2024 discharge"),
        (((recal >= 0.5).astype(float), refit, table), "0/1 labels"),
        ((stale, refit, table), "stale model's risk unchanged"),
        ((1 - recal, refit, table), "NOT being readmitted"),
        ((in_sample, refit, table), "fitted on 2024"),
        ((on_probabilities, refit, table), "fitted on probabilities"),
        ((recal * 0.9, refit, table), "LogisticRegression(C=np.inf)"),
        ((recal, stale, table), "p_refit is the stale model"),
        ((recal, recal, table), "p_refit is the recalibrated risk"),
        ((recal, fit(upto).predict_proba(y2024[FEATURES])[:, 1], table), "2019-2023"),
        ((recal, fit(y2024).predict_proba(y2024[FEATURES])[:, 1], table), "judged on"),
        ((recal, refit * 0.8, table), "models.pipeline(NUMERIC, CATEGORICAL)"),
    ]
    for args, hint in cases:
        assert_fails(lab9.model_updates(*args), hint)


def test_model_updates_wrong_tables(lenient, lab):
    recal, refit = lab["p_recal"], lab["p_refit"]
    right = update_table(lab, versions_of(lab))
    y2024 = lab["y2024"]
    y, hf = y2024["readmitted"].to_numpy(), y2024["chf"].to_numpy() == 1
    no_hf = [y[~hf].sum() / p[~hf].sum() for p in versions_of(lab).values()]
    cases = [
        (right.drop(columns="oe_heart_failure"), "lacks the column 'oe_heart_failure'"),
        (right.rename(index={"refitted": "refit"}), "should have the rows"),
        (right.assign(oe_all=1 / right["oe_all"]), "upside down"),
        (right.assign(oe_heart_failure=no_hf), "WITHOUT heart failure"),
        (right.assign(oe_heart_failure=right["oe_all"]), "repeats oe_all"),
        (right.assign(auroc=right["auroc"] - 0.02), "does not match"),
    ]
    for table, hint in cases:
        assert_fails(lab9.model_updates(recal, refit, table), hint)


# Exercise 9.4 -----------------------------------------------------------------

def chart_by_loop(frame, sigmas=3):
    """The chart by an explicit loop over quarters, labelled '2023 Q1' ..."""
    rows = {}
    for (year, quarter), d in frame.groupby(["admit_year", "admit_quarter"]):
        p = d["risk"].to_numpy()
        e, sd = p.sum(), np.sqrt(np.sum(p * (1 - p)))
        rows[f"{year} Q{quarter}"] = {"n": len(d), "observed": d["readmitted"].sum(),
                                      "expected": e, "lower": e - sigmas * sd,
                                      "upper": e + sigmas * sd}
    return pd.DataFrame.from_dict(rows, orient="index")


def test_control_chart_right_answers(lenient, lab):
    live = lab["live"]
    hf = live[live["chf"] == 1]
    result = lab9.control_chart(chart_by_loop(live), chart_by_loop(hf))
    assert result.passed and "heart failure 20" in result.message, result.message
    assert "all discharges no quarter" in result.message
    multi = chart_by_loop(hf).set_axis(pd.MultiIndex.from_product([[2023, 2024], [1, 2, 3, 4]]))
    assert lab9.control_chart(chart_by_loop(live).round(1), multi).passed


def test_control_chart_wrong_answers(lenient, lab):
    live, scored = lab["live"], lab["scored"]
    hf = live[live["chf"] == 1]
    right_all, right = chart_by_loop(live), chart_by_loop(hf)

    def limits(centre, sd, k=3):
        return right.assign(lower=centre - k * sd, upper=centre + k * sd)

    var = (hf["risk"] * (1 - hf["risk"])).groupby([hf["admit_year"], hf["admit_quarter"]]).sum()
    var = var.to_numpy()
    cases = [
        ((right_all, ...), "replace each"),
        ((right_all, right.drop(columns="upper")), "lacks the column 'upper'"),
        ((right_all, right.reset_index(drop=True)), "indexed by (admit_year"),
        ((right_all, chart_by_loop(scored[scored["chf"] == 1])), "starts before go-live"),
        ((right_all, right.iloc[4:]), "one row per quarter"),
        ((right_all, right.iloc[::-1]), "out of order"),
        ((right, right_all), "those are the patients with heart failure"),
        ((right_all, right_all), "that is every live discharge"),
        ((right_all, right.assign(n=right["n"] + 1)), "number of live discharges"),
        ((right_all, right.assign(observed=right["observed"] / right["n"])), "is a rate"),
        ((right_all, right.assign(observed=right["observed"] + 2)), "number readmitted"),
        ((right_all, right.assign(expected=right["expected"] / right["n"])), "mean risk"),
        ((right_all, right.assign(expected=right["expected"] + 1)), "sum of risk"),
        ((right_all, limits(right["expected"], np.sqrt(var), k=2)), "2 standard deviations"),
        ((right_all, limits(right["expected"], np.sqrt(right["expected"]))), "sqrt(expected)"),
        ((right_all, limits(right["expected"], var)), "square root of the summed variance"),
        ((right_all, limits(right["observed"], np.sqrt(var))), "centred on observed"),
        ((right_all, right.assign(upper=right["upper"] + 1)), "upper should be expected +"),
    ]
    for args, hint in cases:
        assert_fails(lab9.control_chart(*args), hint)


# Exercise 9.5 -----------------------------------------------------------------

def places_by_rank(lab, versions, share=0.20, highest=True):
    """Who is flagged, by ranking (the k highest) rather than by a quantile."""
    y2024 = lab["y2024"]
    y, hf = y2024["readmitted"].to_numpy() == 1, y2024["chf"].to_numpy() == 1
    rows = {}
    for name, p in versions.items():
        k = int(round(share * len(p)))
        order = np.argsort(-p if highest else p, kind="stable")
        flagged = np.zeros(len(p), bool)
        flagged[order[:k]] = True
        rows[name] = {"flagged": flagged.sum(), "hf_flagged": (flagged & hf).sum(),
                      "readmitted_flagged": (flagged & y).sum(),
                      "missed_without_hf": (~flagged & ~hf & y).sum()}
    return pd.DataFrame.from_dict(rows, orient="index")


def test_programme_places_right_answers(lenient, lab):
    right = places_by_rank(lab, versions_of(lab))
    result = lab9.programme_places(right)
    assert result.passed and "heart-failure patients take" in result.message, result.message
    # The kit's recalibration and refit (lbfgs), rows reordered, counts as floats.
    y2023, y2024 = lab["y2023"], lab["y2024"]
    recal = LogisticRegression(C=np.inf).fit(logit(y2023[["risk"]]), y2023["readmitted"])
    kit = models.pipeline(NUMERIC, CATEGORICAL).fit(y2023[FEATURES], y2023["readmitted"])
    other = versions_of(lab, recal.predict_proba(logit(y2024[["risk"]]))[:, 1],
                        kit.predict_proba(y2024[FEATURES])[:, 1])
    assert lab9.programme_places(places_by_rank(lab, other).iloc[::-1].astype(float)).passed


def test_recalibration_leaves_every_place_where_it_was(lab):
    table = places_by_rank(lab, versions_of(lab))
    assert (table.loc["stale"] == table.loc["recalibrated"]).all()
    assert table.loc["refitted", "hf_flagged"] < table.loc["stale", "hf_flagged"]


def test_programme_places_wrong_answers(lenient, lab):
    right = places_by_rank(lab, versions_of(lab))
    y2024 = lab["y2024"]
    y, hf = y2024["readmitted"].to_numpy() == 1, y2024["chf"].to_numpy() == 1
    threshold = {}
    for name, p in versions_of(lab).items():
        flagged = p >= 0.20
        threshold[name] = {"flagged": flagged.sum(), "hf_flagged": (flagged & hf).sum(),
                           "readmitted_flagged": (flagged & y).sum(),
                           "missed_without_hf": (~flagged & ~hf & y).sum()}
    missed_all = [(~f & y).sum() for f in
                  [np.isin(np.arange(len(y)), np.argsort(-p)[:int(round(0.2 * len(p)))])
                   for p in versions_of(lab).values()]]
    live = lab["live"]
    live_versions = {k: live["risk"].to_numpy() for k in ("stale", "recalibrated", "refitted")}
    live_lab = dict(lab, y2024=live)
    cases = [
        (..., "replace ..."),
        (right.drop(columns="hf_flagged"), "lacks the column 'hf_flagged'"),
        (right.drop(index="recalibrated"), "should have the rows"),
        (right / len(y), "not shares"),
        (pd.DataFrame.from_dict(threshold, orient="index"), "not a risk threshold"),
        (places_by_rank(lab, versions_of(lab), highest=False), "LOWEST"),
        (places_by_rank(live_lab, live_versions), "2024 discharges only"),
        (right.assign(missed_without_hf=missed_all), "heart failure too"),
        (right.assign(missed_without_hf=right["flagged"] * 0 + (~hf).sum()
                      - right["flagged"] + right["hf_flagged"]), "only the patients who were"),
        (right.assign(readmitted_flagged=right["readmitted_flagged"] + 40), "does not match"),
    ]
    for answer, hint in cases:
        assert_fails(lab9.programme_places(answer), hint)


# The documented shift, from the shipped CSV with plain pandas -------------------

def test_the_documented_shift_is_in_the_shipped_file_and_on_its_datasheet():
    root = datasets.data_dir()
    adm = pd.read_csv(root / "synthetic_admissions.csv")
    after = adm["admit_year"] >= 2023
    old_before = (adm.loc[~after, "age"] >= 75).mean()
    old_after = (adm.loc[after, "age"] >= 75).mean()
    chf = adm[(adm["chf"] == 1) & adm["readmitted_30d"].notna()]
    chf_after = chf["admit_year"] >= 2023
    readmit_before = chf.loc[~chf_after, "readmitted_30d"].mean()
    readmit_after = chf.loc[chf_after, "readmitted_30d"].mean()
    # Case mix: the share aged 75+ roughly doubles (60% of them were kept before 2023).
    assert 1.6 < old_after / old_before < 2.4
    # Practice: heart-failure readmissions fall by about the 0.8 log-odds of the mechanism
    # (less on the whole, as the rate is averaged over patients of differing risk).
    change = np.log(readmit_after / (1 - readmit_after)) - np.log(
        readmit_before / (1 - readmit_before))
    assert -1.1 < change < -0.4
    # The datasheet states exactly these numbers, as a record of this file.
    sheet = (root / "synthetic_admissions.md").read_text(encoding="utf-8")
    text = " ".join(sheet.split())
    stated = re.search(r"aged 75\+: ([\d.]+)% before, ([\d.]+)% after; readmission with "
                       r"heart failure: ([\d.]+)% before, ([\d.]+)% after", text)
    assert stated, "the datasheet no longer states the shift's numbers"
    recomputed = [f"{100 * v:.1f}" for v in (old_before, old_after, readmit_before,
                                             readmit_after)]
    assert list(stated.groups()) == recomputed


def test_the_stale_model_miscalibrates_heart_failure_from_2023():
    """A model fitted on 2019-2022 (numeric inputs, plain scikit-learn) keeps patients
    without heart failure calibrated after 2023, and over-predicts for heart failure."""
    adm = pd.read_csv(datasets.data_dir() / "synthetic_admissions.csv")
    adm = adm[adm["readmitted_30d"].notna()]
    y = adm["readmitted_30d"].astype(int)
    old = adm["admit_year"] < 2023
    model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(),
                          LogisticRegression(max_iter=1000)).fit(adm.loc[old, NUMERIC], y[old])
    p = pd.Series(model.predict_proba(adm[NUMERIC])[:, 1], index=adm.index)
    hf = adm["chf"] == 1
    oe = (y.groupby([adm["admit_year"], hf]).sum() / p.groupby([adm["admit_year"], hf]).sum())
    for year in range(2019, 2023):
        assert 0.8 < oe[(year, True)] < 1.25, (year, oe[(year, True)])
    for year in (2023, 2024):
        assert oe[(year, True)] < 0.75, (year, oe[(year, True)])
        assert 0.9 < oe[(year, False)] < 1.15, (year, oe[(year, False)])
