"""The data claims in the prose and alt text of Labs 9, 10 and 11, each recomputed from
the shipped SYNTHETIC data.

The labs' markdown and figure alt text say things about their data in words ("age moved
most", "the two intervals overlap a little", "six lines are wrong"). Nothing in the lab
checks would notice if a change to the data generator made such a sentence false, so
each test here re-derives one statement with plain pandas, NumPy, SciPy and
scikit-learn (the lab's recipe written out again; never ``labkit.checks``) and asserts
the relation the sentence states: an order, a sign, inside or outside an interval, an
equality within rounding. No number is copied from the labs' output. The docstring of
each test quotes the sentence it guards (lab file and its words), and so does the
assert message, so a failure names the sentence to rewrite.

Where the prose uses a word of degree, the criterion is fixed once, below or in the
test, and said in the docstring:

- an O/E ratio "close to 1" / "a little below 1" lies inside :data:`OE_BAND`, and one
  "well below 1" / "far too high a risk" lies below it (the band is Lab 10's own
  monitoring trigger: "recalibrate when O/E leaves 0.8-1.25");
- observed and expected counts "agree" when they differ by less than 2 binomial
  standard deviations, Lab 9's alert limit; a quarter is "outside the limits" beyond
  :data:`SIGMAS` of them, its control limit;
- a difference between groups is "clear" when their 95% Wilson intervals do not
  overlap.
"""

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from scipy.special import logit
from scipy.stats import binomtest, chi2_contingency, rankdata, spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from skops.io.exceptions import UntrustedTypesFoundException

from labkit import chatbot_items, cohorts, datasets, models

FEATURES, NUMERIC, CATEGORICAL = (cohorts.FEATURES, cohorts.NUMERIC_FEATURES,
                                  cohorts.CATEGORICAL_FEATURES)
GO_LIVE = 2023  # Lab 9: the model scores every discharge from 1 January 2023
CAPACITY = 0.20  # Labs 9 and 10: the programme's places, a fifth of discharges
THRESHOLD = 0.20  # Lab 10: the programme enrols at a predicted risk of 20% or more
SIGMAS = 3  # Lab 9: control limits at 3 standard deviations; alert at 2
OE_BAND = (0.8, 1.25)  # Lab 10's card: recalibrate when O/E leaves 0.8-1.25
SMD_MARK = 0.1  # Lab 9: "an absolute SMD above 0.1 is often read as meaningful"
QUESTIONS_PER_DAY = 200  # Lab 11: a constant of the exercise
DIAGNOSES = {"chf", "copd", "ckd", "diabetes", "cancer", "dementia", "liver_disease"}

L9, L10, L11 = "09_monitoring.py", "10_capstone_vendor.py", "11_genai_evaluation.py"


# --------------------------------------------------------------------------
# Helpers: formulas written out


def wilson(k, n):
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95, method="wilson")
    return ci.low, ci.high


def apart(a, b):
    """True when the Wilson intervals of two (k, n) proportions do not overlap."""
    (lo_a, hi_a), (lo_b, hi_b) = wilson(*a), wilson(*b)
    return hi_a < lo_b or hi_b < lo_a


def oe(y, p):
    return float(np.sum(y) / np.sum(p))


def z_count(y, p):
    """Observed minus expected events, in binomial standard deviations."""
    p = np.asarray(p, dtype=float)
    return float((np.sum(y) - p.sum()) / np.sqrt(np.sum(p * (1 - p))))


def net_benefit(y, p, t):
    y, treat = np.asarray(y), np.asarray(p) >= t
    return float(((treat & (y == 1)).sum() - (treat & (y == 0)).sum() * t / (1 - t)) / len(y))


def delong(y, s):
    """AUROC and its 95% DeLong interval."""
    y, s = np.asarray(y), np.asarray(s, dtype=float)
    pos, neg = s[y == 1], s[y == 0]
    m, n = len(pos), len(neg)
    ranks = rankdata(np.concatenate([pos, neg]))
    auc = (ranks[:m].sum() - m * (m + 1) / 2) / (m * n)
    v10 = (ranks[:m] - rankdata(pos)) / n
    v01 = 1 - (ranks[m:] - rankdata(neg)) / m
    se = np.sqrt(v10.var(ddof=1) / m + v01.var(ddof=1) / n)
    return auc, auc - 1.96 * se, auc + 1.96 * se


def kappa_from_cells(cells):
    """Cohen's kappa from the counts (r1=0 r2=0, r1=0 r2=1, r1=1 r2=0, r1=1 r2=1)."""
    cells = np.atleast_2d(np.asarray(cells, dtype=float))
    n = cells.sum(axis=1)
    r1_1, r2_1 = cells[:, 2] + cells[:, 3], cells[:, 1] + cells[:, 3]
    po = (cells[:, 0] + cells[:, 3]) / n
    pe = (r1_1 * r2_1 + (n - r1_1) * (n - r2_1)) / n ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pe < 1, (po - pe) / (1 - pe), np.nan)


def kappa_interval(r1, r2, n_boot=1000, seed=0):
    """Lab 11's recipe: percentile bootstrap of kappa, resampling the answers (drawn as
    counts of the four cells of the raters' 2 x 2 table, in blocks of 100), seed 0;
    resamples where rater 1 gives one verdict only are skipped."""
    r1, r2 = np.asarray(r1), np.asarray(r2)
    observed = np.bincount(2 * r1 + r2, minlength=4)
    rng = np.random.default_rng(seed)
    values = []
    for start in range(0, n_boot, 100):
        counts = rng.multinomial(len(r1), observed / len(r1), size=min(100, n_boot - start))
        k = kappa_from_cells(counts)
        k[(counts[:, [0, 1]].sum(axis=1) == 0) | (counts[:, [2, 3]].sum(axis=1) == 0)] = np.nan
        values.append(k)
    values = np.concatenate(values)
    values = values[np.isfinite(values)]
    return (float(kappa_from_cells(observed)[0]), *np.quantile(values, [0.025, 0.975]))


# --------------------------------------------------------------------------
# Lab 9: the go-live model, its updates and the control charts


@pytest.fixture(scope="module")
def lab9():
    cohort = datasets.load_admissions()
    at_risk = cohort[cohort["readmitted_30d"].notna()].copy()
    at_risk["readmitted"] = at_risk["readmitted_30d"].astype(int)
    before = at_risk[at_risk["admit_year"] < GO_LIVE]
    model = models.pipeline(NUMERIC, CATEGORICAL).fit(before[FEATURES], before["readmitted"])
    scored = at_risk.assign(risk=model.predict_proba(at_risk[FEATURES])[:, 1])
    live = scored[scored["admit_year"] >= GO_LIVE]
    smd = (live[NUMERIC].mean() - before[NUMERIC].mean()) / np.sqrt(
        (live[NUMERIC].var() + before[NUMERIC].var()) / 2)

    by_year = {}
    for name, rows in {"all": scored, "hf": scored[scored["chf"] == 1]}.items():
        by_year[name] = pd.DataFrame({
            year: {"auroc": roc_auc_score(g["readmitted"], g["risk"]),
                   "oe": oe(g["readmitted"], g["risk"])}
            for year, g in rows.groupby("admit_year")}).T

    y2023 = scored[scored["admit_year"] == 2023]
    y2024 = scored[scored["admit_year"] == 2024]
    lp23, lp24 = logit(y2023[["risk"]].to_numpy()), logit(y2024[["risk"]].to_numpy())
    recal = LogisticRegression(C=np.inf).fit(lp23, y2023["readmitted"])
    refit = models.pipeline(NUMERIC, CATEGORICAL).fit(y2023[FEATURES], y2023["readmitted"])
    versions = {"stale": y2024["risk"].to_numpy(),
                "recalibrated": recal.predict_proba(lp24)[:, 1],
                "refitted": refit.predict_proba(y2024[FEATURES])[:, 1]}

    def chart(frame):
        rows = frame.assign(v=frame["risk"] * (1 - frame["risk"])).groupby(
            ["admit_year", "admit_quarter"]).agg(observed=("readmitted", "sum"),
                                                 expected=("risk", "sum"), var=("v", "sum"))
        sd = np.sqrt(rows["var"])
        return rows.assign(ratio=rows["observed"] / rows["expected"],
                           z=(rows["observed"] - rows["expected"]) / sd,
                           half=sd / rows["expected"])  # 1 SD as a share of expected

    return SimpleNamespace(
        scored=scored, before=before, live=live, smd=smd, by_year=by_year,
        recal_slope=float(recal.coef_[0, 0]), versions=versions,
        y=y2024["readmitted"].to_numpy(), hf=(y2024["chf"] == 1).to_numpy(),
        chart_all=chart(live), chart_hf=chart(live[live["chf"] == 1]))


def places(lab9, name):
    p = lab9.versions[name]
    return p >= np.quantile(p, 1 - CAPACITY)


def test_l9_scenario_older_patients_and_fewer_heart_failure_readmissions(lab9):
    """09_monitoring.py, scenario: "in 2023 a geriatric service opened, so more patients
    aged 75 and over are admitted, and a transitional-care programme for patients with
    heart failure began, which lowered their readmissions"."""
    s = lab9.scored
    after = s["admit_year"] >= GO_LIVE
    old = s["age"] >= 75
    assert old[after].mean() > old[~after].mean(), f"{L9}: 'more patients aged 75 and over'"
    hf = s[s["chf"] == 1]
    later = hf["admit_year"] >= GO_LIVE
    pre, post = hf.loc[~later, "readmitted"], hf.loc[later, "readmitted"]
    assert post.mean() < pre.mean() and apart((pre.sum(), len(pre)), (post.sum(), len(post))), \
        f"{L9}: 'a transitional-care programme ... lowered their readmissions'"


def test_l9_after_go_live_only_a_little_worse(lab9):
    """09_monitoring.py, section 1: "The years up to 2022 are the model's own training
    years, so they flatter it ... For all discharges, the years after go-live look only a
    little worse: the AUROC slips and the O/E ratio dips below 1." Criterion: every later
    year's AUROC is below the training years' mean by less than 0.1, and its O/E is in
    [0.8, 1)."""
    t = lab9.by_year["all"]
    train, later = t[t.index < GO_LIVE], t[t.index >= GO_LIVE]
    baseline = train["auroc"].mean()
    assert (later["auroc"] < baseline).all(), f"{L9}: 'the AUROC slips' {t.round(3)}"
    assert (baseline - later["auroc"] < 0.1).all(), f"{L9}: 'only a little worse' {t.round(3)}"
    assert later["oe"].between(OE_BAND[0], 1, inclusive="left").all(), \
        f"{L9}: 'the O/E ratio dips below 1' (a little) {t.round(3)}"


def test_l9_heart_failure_oe_well_below_1_from_2023(lab9):
    """09_monitoring.py, section 1: "For the patients with heart failure the O/E ratio
    falls well below 1 from 2023: the model now promises them far more readmissions than
    happen. An overall figure can hide a subgroup." Criterion: below 0.8 in every year
    from 2023, not before, and below the overall O/E of the same year."""
    hf, overall = lab9.by_year["hf"], lab9.by_year["all"]
    later = hf.index >= GO_LIVE
    assert (hf.loc[later, "oe"] < OE_BAND[0]).all(), f"{L9}: 'falls well below 1' {hf.round(3)}"
    assert (hf.loc[~later, "oe"] >= OE_BAND[0]).all(), f"{L9}: '... from 2023' {hf.round(3)}"
    assert (hf.loc[later, "oe"] < overall.loc[later, "oe"]).all(), \
        f"{L9}: 'an overall figure can hide a subgroup'"


def test_l9_age_moved_most_and_alone_past_the_mark(lab9):
    """09_monitoring.py, after Exercise 9.2: "Age moved most, and it is the only input past
    the usual 0.1 mark"."""
    size = lab9.smd.abs()
    assert size.idxmax() == "age", f"{L9}: 'Age moved most' {size.nlargest(3).round(3)}"
    assert list(size.index[size > SMD_MARK]) == ["age"], \
        f"{L9}: 'the only input past the usual 0.1 mark' {size.nlargest(3).round(3)}"


def test_l9_heart_failure_hardly_moved_as_input(lab9):
    """09_monitoring.py: "Heart failure hardly moved as an input", and "An input-drift
    monitor would have flagged the age shift ... and missed the practice change": the
    SMD of chf stays below the 0.1 mark, far from age's."""
    chf, age = abs(lab9.smd["chf"]), abs(lab9.smd["age"])
    assert chf < SMD_MARK < age, f"{L9}: 'Heart failure hardly moved' chf {chf:.3f}"


def test_l9_older_case_mix_did_little_harm(lab9):
    """09_monitoring.py, after the case-mix table: "age is an input, so the model raises
    older patients' risk as it should, and for patients without heart failure predicted
    and observed rates still agree" (within 2 SD, after go-live)."""
    live = lab9.live
    old = live["age"] >= 75
    assert live.loc[old, "risk"].mean() > live.loc[~old, "risk"].mean(), \
        f"{L9}: 'the model raises older patients' risk'"
    others = live[live["chf"] == 0]
    z = z_count(others["readmitted"], others["risk"])
    assert abs(z) < 2, f"{L9}: 'without heart failure predicted and observed still agree' z={z}"


def test_l9_heart_failure_same_patients_different_outcome(lab9):
    """09_monitoring.py: "patients with heart failure are the same kind of patient as
    before, but the new programme changed what happens to them after discharge. ... Only
    outcomes reveal it." Criterion: their mean predicted risk moves by less than a tenth,
    while their observed readmissions after go-live fall beyond the 3-SD limit below
    expected."""
    hf = lab9.scored[lab9.scored["chf"] == 1]
    later = hf["admit_year"] >= GO_LIVE
    pre, post = hf.loc[~later, "risk"].mean(), hf.loc[later, "risk"].mean()
    assert abs(post - pre) < 0.1 * pre, f"{L9}: 'the same kind of patient as before'"
    z = z_count(hf.loc[later, "readmitted"], hf.loc[later, "risk"])
    assert z < -SIGMAS, f"{L9}: 'the new programme changed what happens to them' z={z:.2f}"


def test_l9_recalibration_fixes_overall_oe_not_auroc(lab9):
    """09_monitoring.py, after Exercise 9.3: "Recalibration brought the overall O/E ratio
    close to 1 and left the AUROC exactly where it was" (2024: O/E nearer 1 than the
    stale model's, observed within 2 SD of expected; AUROC equal to rounding)."""
    y, v = lab9.y, lab9.versions
    assert abs(oe(y, v["recalibrated"]) - 1) < abs(oe(y, v["stale"]) - 1), \
        f"{L9}: 'brought the overall O/E ratio close to 1'"
    assert abs(z_count(y, v["recalibrated"])) < 2, f"{L9}: 'close to 1'"
    assert lab9.recal_slope > 0
    assert roc_auc_score(y, v["recalibrated"]) == pytest.approx(
        roc_auc_score(y, v["stale"]), abs=1e-12), f"{L9}: 'left the AUROC exactly where it was'"


def test_l9_recalibration_shares_out_one_groups_change(lab9):
    """09_monitoring.py: "the patients with heart failure are still given far too high a
    risk, and the others now a little too low" (2024, recalibrated: O/E below 0.8 in
    heart failure; above 1, above the stale model's and below 1.25 for the others)."""
    y, hf, v = lab9.y, lab9.hf, lab9.versions
    assert oe(y[hf], v["recalibrated"][hf]) < OE_BAND[0], \
        f"{L9}: 'heart failure are still given far too high a risk'"
    others = oe(y[~hf], v["recalibrated"][~hf])
    assert oe(y[~hf], v["stale"][~hf]) < others, f"{L9}: 'the others *now* a little too low'"
    assert 1 < others < OE_BAND[1], f"{L9}: 'the others now a little too low' O/E {others:.3f}"


def test_l9_refitting_brings_heart_failure_much_closer(lab9):
    """09_monitoring.py: "Refitting on recent data brings the heart-failure patients much
    closer" (2024: the refitted model's heart-failure O/E gap to 1 is at most two thirds of
    the recalibrated model's)."""
    y, hf, v = lab9.y[lab9.hf], lab9.hf, lab9.versions
    refit, recal = abs(1 - oe(y, v["refitted"][hf])), abs(1 - oe(y, v["recalibrated"][hf]))
    assert refit <= 2 / 3 * recal, f"{L9}: 'brings the heart-failure patients much closer'"


def test_l9_chart_of_all_discharges_never_leaves_its_limits(lab9):
    """09_monitoring.py, after the charts: "The chart of all discharges never leaves its
    limits"; and "Only the chart of the group whose care changed raises the alarm"."""
    assert (lab9.chart_all["z"].abs() <= SIGMAS).all(), \
        f"{L9}: 'The chart of all discharges never leaves its limits'"
    assert (lab9.chart_hf["z"].abs() > SIGMAS).any(), \
        f"{L9}: 'Only the chart of the group whose care changed raises the alarm'"


def test_l9_heart_failure_a_small_share_of_discharges(lab9):
    """09_monitoring.py: "patients with heart failure are a small share of discharges, and
    their change is diluted among the rest" (under a fifth of discharges after go-live)."""
    share = (lab9.live["chf"] == 1).mean()
    assert share < 0.2, f"{L9}: 'patients with heart failure are a small share' {share:.2f}"


def test_l9_alt_all_discharges_inside_band_mostly_a_little_below_1(lab9):
    """09_monitoring.py, alt text of the control charts: "Left, all discharges: every point
    lies inside the band, most of them a little below 1"."""
    c = lab9.chart_all
    assert (c["z"].abs() <= SIGMAS).all(), f"{L9} alt: 'every point lies inside the band'"
    below = c["ratio"] < 1
    assert below.sum() > len(c) / 2, f"{L9} alt: 'most of them ... below 1'"
    assert (c.loc[below, "ratio"] > OE_BAND[0]).all(), f"{L9} alt: 'a little below 1'"


def test_l9_alt_heart_failure_band_much_wider(lab9):
    """09_monitoring.py, alt text: "Right, patients with heart failure: the band is much
    wider, because there are fewer patients"; prose: "each quarter holds few of those
    patients and its limits are wide" (at least 1.5 times as wide, every quarter)."""
    hf, all_ = lab9.chart_hf, lab9.chart_all
    assert (hf["half"] > 1.5 * all_["half"]).all(), f"{L9} alt: 'the band is much wider'"


def test_l9_alt_heart_failure_points_below_then_past_the_limit(lab9):
    """09_monitoring.py, alt text: "yet the points fall below 1 from the start, cross the
    lower alert line, and soon fall below the lower control limit, where most of them
    stay" (soon: within the first half of the quarters; stay: most quarters from then)."""
    c = lab9.chart_hf.reset_index(drop=True)
    assert (c["ratio"] < 1).all(), f"{L9} alt: 'the points fall below 1 from the start'"
    assert (c["z"] < -2).any(), f"{L9} alt: 'cross the lower alert line'"
    beyond = c["z"] < -SIGMAS
    assert beyond.any(), f"{L9} alt: 'fall below the lower control limit'"
    first = int(beyond.idxmax())
    assert first < len(c) / 2, f"{L9} alt: 'soon fall below the lower control limit'"
    assert beyond[first:].mean() > 0.5, f"{L9} alt: 'where most of them stay'"


def test_l9_heart_failure_alarm_needs_a_few_quarters(lab9):
    """09_monitoring.py: "and even it needs a few quarters, because each quarter holds few
    of those patients" (the first quarter beyond 3 SD is not among the first two)."""
    beyond = (lab9.chart_hf["z"].abs() > SIGMAS).to_numpy()
    assert beyond.any() and int(np.argmax(beyond)) >= 2, f"{L9}: 'even it needs a few quarters'"


def test_l9_run_rule_fires_before_single_point_rule(lab9):
    """09_monitoring.py: "A run rule (for example, two of three successive points beyond
    2 SD on the same side) can fire earlier than a single point beyond 3 SD ...; the cell
    above uses a stricter version, two quarters in a row" (on the heart-failure chart,
    two quarters in a row beyond 2 SD fire before any single point beyond 3 SD)."""
    z = lab9.chart_hf["z"].to_numpy()
    run = ((z[1:] < -2) & (z[:-1] < -2)) | ((z[1:] > 2) & (z[:-1] > 2))
    single = np.abs(z) > SIGMAS
    assert run.any() and single.any()
    assert int(np.argmax(run)) + 1 < int(np.argmax(single)), \
        f"{L9}: 'two quarters in a row beyond 2 SD can fire earlier' z={np.round(z, 2)}"


def test_l9_stale_model_fills_programme_with_heart_failure(lab9):
    """09_monitoring.py, section 5: "The stale model fills the programme with
    heart-failure patients" (their share of its places is more than twice their share of
    discharges)."""
    flagged, hf = places(lab9, "stale"), lab9.hf
    assert hf[flagged].mean() > 2 * hf.mean(), \
        f"{L9}: 'The stale model fills the programme with heart-failure patients'"


def test_l9_recalibration_changes_nobodys_place(lab9):
    """09_monitoring.py, section 5: "Recalibration changes nobody's place. ... the order of
    patients, and the top fifth, stay exactly the same"; takeaways: "it never changes who
    is flagged at a fixed capacity"."""
    assert np.array_equal(places(lab9, "stale"), places(lab9, "recalibrated")), \
        f"{L9}: 'Recalibration changes nobody's place'"


def test_l9_refitting_hands_places_back(lab9):
    """09_monitoring.py, section 5: "Refitting hands places back to patients without heart
    failure, and more of the readmitted patients among them get a call"."""
    hf, y = lab9.hf, lab9.y
    stale, refit = places(lab9, "stale"), places(lab9, "refitted")
    assert (refit & ~hf).sum() > (stale & ~hf).sum(), f"{L9}: 'Refitting hands places back'"
    assert (refit & ~hf & (y == 1)).sum() > (stale & ~hf & (y == 1)).sum(), \
        f"{L9}: 'more of the readmitted patients among them get a call'"


def test_l9_programme_reaches_about_as_many_readmissions(lab9):
    """09_monitoring.py, section 5: "The programme reaches about as many readmissions in
    total" (refitted against stale: within a tenth)."""
    stale = lab9.y[places(lab9, "stale")].sum()
    refit = lab9.y[places(lab9, "refitted")].sum()
    assert abs(refit - stale) <= 0.1 * stale, f"{L9}: 'about as many readmissions in total'"


# --------------------------------------------------------------------------
# Lab 10: the vendor's model on the local test patients


@pytest.fixture(scope="module")
def lab10():
    path = datasets.vendor_model_path()
    untrusted = sio.get_untrusted_types(file=path)
    vendor = sio.load(path, trusted=untrusted)
    features = list(vendor.feature_names_in_)
    task = cohorts.readmission_task()
    test, y = task.test, task.y_test.to_numpy()
    risk = vendor.predict_proba(test[features])[:, 1]
    first = (test["admit_year"] == 2023).to_numpy()
    recal = LogisticRegression(C=np.inf).fit(logit(risk[first]).reshape(-1, 1), y[first])
    return SimpleNamespace(
        path=path, untrusted=untrusted, vendor=vendor, features=features, task=task,
        test=test, X=test[features], y=y, risk=risk, first=first,
        y_2024=y[~first], risk_2024=risk[~first],
        recal_2024=recal.predict_proba(logit(risk[~first]).reshape(-1, 1))[:, 1],
        recal_slope=float(recal.coef_[0, 0]), sheet=datasets.marketing_sheet())


@pytest.fixture(scope="module")
def lab10_groups(lab10):
    age = lab10.test["age"]
    band = pd.cut(age, [18, 45, 65, 75, np.inf], right=False,
                  labels=["18-44", "45-64", "65-74", "75+"])
    flag = lab10.risk >= THRESHOLD
    frame = pd.DataFrame({"age_band": band.to_numpy(),
                          "payer": lab10.test["payer"].to_numpy(),
                          "race_ethnicity": lab10.test["race_ethnicity"].to_numpy(),
                          "y": lab10.y, "flag": flag})
    tables = {}
    for key in ("age_band", "payer", "race_ethnicity"):
        g = frame.groupby(key, observed=True)
        tables[key] = pd.DataFrame({
            "n": g.size(), "events": g["y"].sum(), "flagged": g["flag"].sum(),
            "tp": g.apply(lambda d: int((d["y"] & d["flag"]).sum()), include_groups=False)})
    return tables


@pytest.fixture(scope="module")
def lab10_shap(lab10, shap):
    """Mean |SHAP| per recorded input, as report.audit_model computes it: 300 patients
    sampled with random_state 0, an explainer of the boosted trees on the preprocessed
    columns with up to 100 of them as background, one-hot columns summed back."""
    sample = lab10.X.sample(n=300, random_state=0)
    pre, trees = lab10.vendor[:-1], lab10.vendor[-1]
    data = np.asarray(pre.transform(sample), dtype=float)
    explainer = shap.Explainer(trees, shap.maskers.Independent(data, max_samples=100), seed=0)
    values = np.asarray(explainer(data).values)
    names = pre.get_feature_names_out()
    source = [next(f for f in sorted(lab10.features, key=len, reverse=True)
                   if name == f or name.startswith(f + "_")) for name in names]
    per_input = pd.DataFrame(values, columns=names).T.groupby(source).sum().T
    return per_input.abs().mean().sort_values(ascending=False)


def sheet_number(lab10, pattern):
    found = re.search(pattern, lab10.sheet)
    assert found, f"the marketing sheet no longer says {pattern!r}"
    return found.groups()


def test_l10_file_needs_only_the_documented_tree_type(lab10):
    """10_capstone_vendor.py, after Exercise 10.1: "`TreePredictor` is scikit-learn's own
    class for one fitted tree of a histogram gradient-boosting model: what the datasheet
    says, and what a gradient-boosted model needs"."""
    documented = datasets.vendor_model_documented_types()
    assert sorted(lab10.untrusted) == sorted(documented), f"{L10}: 'what the datasheet says'"
    assert [t.rsplit(".", 1)[-1] for t in lab10.untrusted] == ["TreePredictor"]
    assert all(t.startswith("sklearn.ensemble._hist_gradient_boosting.") for t in lab10.untrusted)
    assert type(lab10.vendor[-1]).__name__ == "HistGradientBoostingClassifier", \
        f"{L10}: 'what a gradient-boosted model needs'"


def test_l10_default_load_refuses_the_file(lab10):
    """10_capstone_vendor.py: "Loading with `trusted=None` (the default) refuses any file
    that holds a type skops does not already trust" (this file holds one)."""
    with pytest.raises(UntrustedTypesFoundException):
        sio.load(lab10.path)


def test_l10_sheet_inputs_claim_holds(lab10):
    """10_capstone_vendor.py, section 5: "One claim is true and still says little: the
    model does read 16 fields and no race"; SHAP alt text: "the vendor model's 16
    inputs"; card: "no race, payer or deprivation. All are complete in our record"."""
    (fields,) = sheet_number(lab10, r"(\d+) fields your record already holds")
    assert len(lab10.features) == int(fields) == 16, f"{L10}: 'does read 16 fields'"
    assert not {"race_ethnicity", "payer", "adi_percentile"} & set(lab10.features), \
        f"{L10}: 'and no race' / card: 'no race, payer or deprivation'"
    assert not lab10.X.isna().any().any(), f"{L10} card: 'All are complete in our record'"


def test_l10_of_the_audit_groups_the_model_reads_only_sex_and_age(lab10):
    """10_capstone_vendor.py, section 4: "The groups are race and ethnicity, sex, payer and
    age band; of these, the model reads only sex and age"."""
    read = {"race_ethnicity", "sex", "payer", "age"} & set(lab10.features)
    assert read == {"sex", "age"}, f"{L10}: 'the model reads only sex and age' {read}"


def test_l10_local_test_set_is_new_patients_of_2023_2024(lab10):
    """10_capstone_vendor.py, section 3: "adults discharged alive and not to hospice in
    2023-2024 who were not admitted in 2019-2022"."""
    test, train = lab10.task.test, lab10.task.train
    assert set(test["admit_year"]) == {2023, 2024}
    assert set(train["admit_year"]) <= set(range(2019, 2023))
    assert not set(test["patient_key"]) & set(train["patient_key"]), \
        f"{L10}: 'who were not admitted in 2019-2022'"
    assert (test["age"] >= 18).all() and test["readmitted_30d"].notna().all()


def test_l10_alt_points_below_diagonal_except_lowest_tenth(lab10):
    """10_capstone_vendor.py, alt text of the calibration plot: "Except for the lowest
    tenth, the points lie below the diagonal"."""
    tenths = pd.qcut(lab10.risk, 10, labels=False)
    pts = pd.DataFrame({"p": lab10.risk, "o": lab10.y}).groupby(tenths).mean()
    below = pts["o"] < pts["p"]
    assert not below.iloc[0] and below.iloc[1:].all(), \
        f"{L10} alt: 'Except for the lowest tenth, the points lie below' {pts.round(3)}"


def test_l10_alt_further_below_at_higher_risk(lab10):
    """10_capstone_vendor.py, alt text: "and further below it at higher predicted risks:
    the model predicts more readmissions than occur, most of all for the patients it
    calls high-risk" (the gap rises with the tenth, and is largest in the top tenth)."""
    tenths = pd.qcut(lab10.risk, 10, labels=False)
    pts = pd.DataFrame({"p": lab10.risk, "o": lab10.y}).groupby(tenths).mean()
    gap = pts["p"] - pts["o"]
    assert spearmanr(gap.index, gap.to_numpy()).statistic > 0.8, \
        f"{L10} alt: 'further below it at higher predicted risks' {gap.round(3)}"
    assert gap.idxmax() == gap.index[-1], f"{L10} alt: 'most of all for ... high-risk'"


def test_l10_most_points_below_and_over_predicts(lab10):
    """10_capstone_vendor.py, after the calibration plot: "Most points lie below the
    diagonal: ... it predicts more than our hospital sees (calibration-in-the-large)";
    verdict: "O/E ... far from 1" (below 0.8)."""
    tenths = pd.qcut(lab10.risk, 10, labels=False)
    pts = pd.DataFrame({"p": lab10.risk, "o": lab10.y}).groupby(tenths).mean()
    assert (pts["o"] < pts["p"]).sum() > 5, f"{L10}: 'Most points lie below the diagonal'"
    assert oe(lab10.y, lab10.risk) < OE_BAND[0], f"{L10}: 'it predicts more than ... sees'"


def test_l10_calibration_slope_well_below_1(lab10):
    """10_capstone_vendor.py: "And the slope is well below 1: its high risks are too high
    and its low risks too low" (below 0.8, and its 95% Wald interval excludes 1)."""
    lp = logit(lab10.risk).reshape(-1, 1)
    fit = LogisticRegression(C=np.inf).fit(lp, lab10.y)
    slope = float(fit.coef_[0, 0])
    design = np.column_stack([np.ones(len(lp)), lp])
    mu = fit.predict_proba(lp)[:, 1]
    cov = np.linalg.inv(design.T @ (design * (mu * (1 - mu))[:, None]))
    upper = slope + 1.96 * np.sqrt(cov[1, 1])
    assert slope < OE_BAND[0] and upper < 1, f"{L10}: 'the slope is well below 1' {slope:.3f}"


def test_l10_sheet_calibration_claim_not_supported(lab10):
    """10_capstone_vendor.py, Exercise 10.5 verdict: "calibration": "not supported" (the
    sheet: "a predicted risk of 20% means that 20 in every 100 such patients are
    readmitted"): for patients predicted 15-25%, the observed share's interval lies below
    20%."""
    near = (lab10.risk >= 0.15) & (lab10.risk < 0.25)
    _, high = wilson(lab10.y[near].sum(), near.sum())
    assert high < 0.20, f"{L10}: calibration claim 'not supported'"


def test_l10_auroc_modest_and_below_the_sheets(lab10):
    """10_capstone_vendor.py: "The AUROC ... is modest and lower than the sheet's";
    verdict: "local AUROC and its interval are well below 0.80"; takeaways: "even when it
    ranks patients better than chance" (DeLong 95% interval above 0.5, point below 0.7,
    interval below the sheet's figure)."""
    (claimed,) = sheet_number(lab10, r"AUROC of (0\.\d+)")
    auc, low, high = delong(lab10.y, lab10.risk)
    assert auc == pytest.approx(roc_auc_score(lab10.y, lab10.risk))
    assert 0.5 < low and auc < 0.7, f"{L10}: 'The AUROC ... is modest' {auc:.3f}"
    assert high < float(claimed), f"{L10}: 'lower than the sheet's' ({low:.3f}-{high:.3f})"


def test_l10_flags_far_more_than_the_places(lab10):
    """10_capstone_vendor.py, after the decision curves: "As delivered, the model flags far
    more patients than the programme has places for" (at least 1.5 times the capacity)."""
    share = np.mean(lab10.risk >= THRESHOLD)
    assert share >= 1.5 * CAPACITY, f"{L10}: 'flags far more patients than ... places'"


def test_l10_acting_on_it_is_worse_than_enrolling_no_one(lab10):
    """10_capstone_vendor.py: "at the programme's threshold acting on it is worse than
    enrolling no one: the unneeded enrolments outweigh the readmissions reached"; card:
    "at 0.2 its net benefit ... is below that of enrolling no one" (all local test
    patients, and the 2024 patients)."""
    assert net_benefit(lab10.y, lab10.risk, THRESHOLD) < 0, f"{L10}: 'worse than enrolling no one'"
    assert net_benefit(lab10.y_2024, lab10.risk_2024, THRESHOLD) < 0, \
        f"{L10}: 'worse than enrolling no one' (2024)"


def test_l10_recalibrated_about_the_level_of_enrolling_no_one(lab10):
    """10_capstone_vendor.py: "Recalibrating on our own recent patients moves it to about
    the level of enrolling no one, not much above it"; alt text: "a little above it at
    0.20" (2024: above 0, by less than a tenth of a perfect model's net benefit, the
    prevalence)."""
    nb = net_benefit(lab10.y_2024, lab10.recal_2024, THRESHOLD)
    assert 0 < nb < 0.1 * lab10.y_2024.mean(), f"{L10}: 'not much above it' {nb:.4f}"


def test_l10_recalibration_keeps_the_order(lab10):
    """10_capstone_vendor.py: "It changes the risks, not their order, so the AUROC stays
    where it was"; "recalibration cannot make a weak ranking better"."""
    assert lab10.recal_slope > 0
    assert roc_auc_score(lab10.y_2024, lab10.recal_2024) == pytest.approx(
        roc_auc_score(lab10.y_2024, lab10.risk_2024), abs=1e-12), f"{L10}: 'the AUROC stays'"


def test_l10_alt_delivered_below_zero_over_much_of_the_range(lab10):
    """10_capstone_vendor.py, alt text of the decision curves: "The model as delivered lies
    below zero over much of the range, including the programme threshold of 0.20" (most
    thresholds from 0.05 to 0.40)."""
    ts = np.round(np.arange(0.05, 0.41, 0.01), 2)
    nb = np.array([net_benefit(lab10.y_2024, lab10.risk_2024, t) for t in ts])
    assert (nb < 0).mean() > 0.5, f"{L10} alt: 'below zero over much of the range'"
    assert nb[ts == THRESHOLD][0] < 0, f"{L10} alt: 'including the programme threshold'"


def test_l10_alt_recalibrated_stays_close_to_zero(lab10):
    """10_capstone_vendor.py, alt text of the decision curves: "the recalibrated model
    tracks enrolling everyone at low thresholds and stays close to zero at higher
    thresholds, a little above it at 0.20" (close: within a tenth of a perfect model's net
    benefit, the prevalence, at every threshold from 0.15 to 0.40; tracks: within that
    distance of enrolling everyone at 0.05)."""
    ts = np.round(np.arange(0.15, 0.41, 0.01), 2)
    nb = pd.Series([net_benefit(lab10.y_2024, lab10.recal_2024, t) for t in ts], index=ts)
    prevalence = lab10.y_2024.mean()
    at_low = net_benefit(lab10.y_2024, lab10.recal_2024, 0.05)
    treat_all = prevalence - (1 - prevalence) * 0.05 / 0.95
    assert abs(at_low - treat_all) < 0.1 * prevalence, f"{L10} alt: 'tracks enrolling everyone'"
    assert nb[THRESHOLD] > 0, f"{L10} alt: 'a little above it at 0.20'"
    far = nb[nb.abs() >= 0.1 * prevalence]
    assert far.empty, (f"{L10} alt: 'the recalibrated model stays close to zero' is false at "
                       f"thresholds {list(far.index)} (net benefit {far.round(3).tolist()})")


def test_l10_older_and_medicare_clearly_more_sensitive_and_flagged(lab10_groups):
    """10_capstone_vendor.py, after the SHAP chart: "Sensitivity differs clearly between
    groups ...: older patients and those on Medicare are flagged far more often, so the
    programme would reach their readmissions"; verdict "fairness": "clear differences in
    sensitivity by age band and payer" (Wilson intervals apart from every other group's,
    for sensitivity and for the share flagged)."""
    for key, group in (("age_band", "75+"), ("payer", "Medicare")):
        t = lab10_groups[key]
        for other in t.index.drop(group):
            assert apart(t.loc[group, ["tp", "events"]], t.loc[other, ["tp", "events"]]) and \
                t.loc[group, "tp"] / t.loc[group, "events"] > \
                t.loc[other, "tp"] / t.loc[other, "events"], \
                f"{L10}: 'Sensitivity differs clearly': {group} against {other}"
            assert apart(t.loc[group, ["flagged", "n"]], t.loc[other, ["flagged", "n"]]) and \
                t.loc[group, "flagged"] / t.loc[group, "n"] > \
                t.loc[other, "flagged"] / t.loc[other, "n"], \
                f"{L10}: '{group} ... flagged far more often' than {other}"


def test_l10_youngest_patients_missed_most(lab10_groups):
    """10_capstone_vendor.py: "and miss more of the younger patients'" (the youngest age
    band has the lowest sensitivity)."""
    t = lab10_groups["age_band"]
    tpr = t["tp"] / t["events"]
    assert tpr.idxmin() == "18-44", f"{L10}: 'miss more of the younger patients'' {tpr.round(3)}"


def test_l10_small_racial_groups_wide_smallest_cannot_be_judged(lab10_groups):
    """10_capstone_vendor.py: "For the smaller racial and ethnic groups the intervals are
    wide, and the smallest group has too few readmissions to judge at all" (every group
    smaller than the largest has a wider sensitivity interval; the smallest group's spans
    more than half of 0 to 1 and holds every other group's sensitivity)."""
    t = lab10_groups["race_ethnicity"]
    ci = pd.DataFrame([wilson(k, n) for k, n in zip(t["tp"], t["events"], strict=True)],
                      index=t.index, columns=["low", "high"])
    width = ci["high"] - ci["low"]
    largest, smallest = t["n"].idxmax(), t["n"].idxmin()
    assert (width.drop(largest) > width[largest]).all(), \
        f"{L10}: 'For the smaller racial and ethnic groups the intervals are wide'"
    tpr = (t["tp"] / t["events"]).drop(smallest)
    assert width[smallest] > 0.5 and tpr.between(ci.loc[smallest, "low"],
                                                 ci.loc[smallest, "high"]).all(), \
        f"{L10}: 'the smallest group has too few readmissions to judge at all'"


def test_l10_catches_far_fewer_than_the_sheet_says(lab10):
    """10_capstone_vendor.py, Exercise 10.5 verdict "catches": "far fewer than 8 in 10 at
    20% flagged" (the sheet's figures read from the sheet; the local share caught, with
    its Wilson interval, below the claim, and below half of it)."""
    k, n, pct = sheet_number(lab10, r"Catches (\d+) in (\d+) readmissions while flagging "
                                    r"only (\d+)% of patients")
    claimed, flag_share = int(k) / int(n), int(pct) / 100
    flagged = lab10.risk >= np.quantile(lab10.risk, 1 - flag_share)
    caught, events = lab10.y[flagged].sum(), lab10.y.sum()
    assert wilson(caught, events)[1] < claimed and caught / events < claimed / 2, \
        f"{L10}: 'far fewer than 8 in 10 at 20% flagged'"


def test_l10_card_readmission_rates_differ_by_payer_and_age(lab10):
    """10_capstone_vendor.py, model card "inequalities": "Readmission rates differ by payer
    and age in our patients" (chi-squared test, p < 0.05, for payer and for age band)."""
    test = lab10.test
    band = pd.cut(test["age"], [18, 45, 65, 75, np.inf], right=False)
    for key, groups in (("payer", test["payer"]), ("age band", band)):
        p = chi2_contingency(pd.crosstab(groups, lab10.y)).pvalue
        assert p < 0.05, f"{L10} card: 'Readmission rates differ by {key}' p={p:.3f}"


def test_l10_alt_longest_bars_count_illness_and_hospital_use(lab10_shap):
    """10_capstone_vendor.py, alt text of the SHAP chart: "The longest bars belong to
    inputs that count illness and earlier hospital use"; prose: "it leans on counts of
    conditions and of earlier admissions"."""
    top = set(lab10_shap.index[:2])
    assert top == {"n_chronic_conditions", "prior_admissions_12m"}, \
        f"{L10} alt: 'The longest bars ... count illness and earlier hospital use' {top}"


def test_l10_alt_shortest_bars_single_diagnoses(lab10_shap):
    """10_capstone_vendor.py, alt text: "several single diagnoses have the shortest bars"
    (the shortest bar is a diagnosis, and at least three of the five shortest are)."""
    shortest = list(lab10_shap.index[::-1][:5])
    assert shortest[0] in DIAGNOSES and len(DIAGNOSES & set(shortest)) >= 3, \
        f"{L10} alt: 'several single diagnoses have the shortest bars' {shortest}"


def test_l10_model_also_leans_on_haemoglobin(lab10_shap):
    """10_capstone_vendor.py: "and also on values such as haemoglobin, whose weight a
    reviewer should ask the vendor to justify" (haemoglobin ranks in the top half)."""
    rank = list(lab10_shap.index).index("hemoglobin_g_dl")
    assert rank < len(lab10_shap) / 2, f"{L10}: 'also on values such as haemoglobin' rank {rank}"


# --------------------------------------------------------------------------
# Lab 11: the chatbot's answers, the raters, and the scribe's note


@pytest.fixture(scope="module")
def lab11():
    answers = datasets.load_chatbot_answers()
    answers["version"] = answers["version"].astype(str)
    answers["error_class"] = answers["error_class"].astype(str)
    answers["correct"] = (answers["error_class"] == "none").astype(int)
    by = {v: g for v, g in answers.groupby("version")}
    accuracy = pd.DataFrame({v: dict(zip(["low", "high"], wilson(g["correct"].sum(), len(g)),
                                         strict=True)) | {"accuracy": g["correct"].mean()}
                             for v, g in by.items()}).T
    kappa = pd.DataFrame({v: dict(zip(["kappa", "low", "high"],
                                      kappa_interval(g["rater_1"], g["rater_2"]), strict=True))
                          for v, g in by.items()}).T
    cells = {v: np.bincount(2 * g["rater_1"].to_numpy() + g["rater_2"].to_numpy(), minlength=4)
             for v, g in by.items()}
    return SimpleNamespace(
        answers=answers, by=by, accuracy=accuracy, kappa=kappa, cells=cells,
        classes=answers.pivot(index="question_id", columns="version", values="error_class"),
        correct=answers.pivot(index="question_id", columns="version", values="correct"))


def byrt(cells):
    tn, c, b, a = cells  # (r1, r2) = (0, 0), (0, 1), (1, 0), (1, 1)
    n = cells.sum()
    return {"prevalence": abs(a - tn) / n, "bias": abs(b - c) / n,
            "pabak": 2 * (a + tn) / n - 1, "agreement": (a + tn) / n}


def test_l11_seventy_questions_two_versions_two_raters(lab11):
    """11_genai_evaluation.py, scenario: "it asked two clinicians to judge, independently,
    the answers of both versions to the same 70 clinical questions, and a third clinician
    to settle each answer's class"."""
    a = lab11.answers
    assert a["question_id"].nunique() == 70 and len(lab11.classes) == 70
    assert (a.groupby("question_id")["version"].apply(sorted) == pd.Series(
        [["v1", "v2"]] * 70, index=lab11.classes.index)).all(), f"{L11}: 'both versions'"
    assert a[["rater_1", "rater_2"]].isin([0, 1]).all().all()
    assert set(a["error_class"]) <= {"none", "omission", "fabrication", "outdated", "unsafe"}


def test_l11_each_rater_misses_errors_and_flags_correct_answers(lab11):
    """11_genai_evaluation.py, section 1: "each rater misses some errors and flags some
    correct answers, and the adjudication settles both"."""
    a = lab11.answers
    for rater in ("rater_1", "rater_2"):
        assert ((a[rater] == 1) & (a["correct"] == 0)).any(), f"{L11}: '{rater} misses some errors'"
        assert ((a[rater] == 0) & (a["correct"] == 1)).any(), \
            f"{L11}: '{rater} flags some correct answers'"


def test_l11_alt_version_2_to_the_right(lab11):
    """11_genai_evaluation.py, alt text of the accuracy plot: "Version 2's dot lies to the
    right of version 1's"."""
    acc = lab11.accuracy["accuracy"]
    assert acc["v2"] > acc["v1"], f"{L11} alt: 'Version 2's dot lies to the right'"


def test_l11_alt_intervals_overlap_a_little(lab11):
    """11_genai_evaluation.py, alt text: "the two intervals are wide and overlap a little"
    (they overlap, by less than a quarter of the narrower interval)."""
    acc = lab11.accuracy
    overlap = acc.loc["v1", "high"] - acc.loc["v2", "low"]
    narrower = (acc["high"] - acc["low"]).min()
    assert 0 < overlap < narrower / 4, \
        f"{L11} alt: 'the two intervals ... overlap a little' (overlap {overlap:.3f})"


def test_l11_intervals_are_wide(lab11):
    """11_genai_evaluation.py: "With 70 questions each interval is wide"; alt text: "70
    questions cannot pin either accuracy down to within a few percentage points" (each
    95% Wilson interval spans more than 10 percentage points)."""
    width = lab11.accuracy["high"] - lab11.accuracy["low"]
    assert (width > 0.10).all(), f"{L11}: 'each interval is wide' {width.round(3).to_dict()}"


def test_l11_new_version_makes_fewer_errors(lab11):
    """11_genai_evaluation.py, after Exercise 11.2: "The new version makes fewer
    errors"."""
    wrong = (lab11.classes != "none").sum()
    assert wrong["v2"] < wrong["v1"], f"{L11}: 'The new version makes fewer errors'"


def test_l11_outdated_advice_is_gone(lab11):
    """11_genai_evaluation.py: "and the outdated advice is gone"."""
    outdated = (lab11.classes == "outdated").sum()
    assert outdated["v1"] > 0 and outdated["v2"] == 0, f"{L11}: 'the outdated advice is gone'"


def test_l11_version_2_still_gives_unsafe_answers(lab11):
    """11_genai_evaluation.py: "but it still gives unsafe advice"; section 7: "Exercise 11.2
    found that it still gives unsafe answers" (more than one)."""
    assert (lab11.classes["v2"] == "unsafe").sum() > 1, f"{L11}: 'it still gives unsafe answers'"


def test_l11_one_new_unsafe_answer_one_survived(lab11):
    """11_genai_evaluation.py: "1 of its unsafe answers is new, and 1 of the old unsafe
    answers has survived the upgrade" (both numbers glued: l11_unsafe_new,
    l11_unsafe_kept)."""
    v1, v2 = lab11.classes["v1"] == "unsafe", lab11.classes["v2"] == "unsafe"
    assert (v2 & ~v1).sum() == 1, f"{L11}: '1 of its unsafe answers is new'"
    assert (v1 & v2).sum() == 1 and v1.sum() > 1, \
        f"{L11}: '1 of the old unsafe answers has survived'"


def test_l11_raters_agree_on_the_same_share(lab11):
    """11_genai_evaluation.py, after Exercise 11.3: "The raters agree on the same share of
    answers in both versions"."""
    agree = {v: byrt(c)["agreement"] for v, c in lab11.cells.items()}
    assert agree["v1"] == pytest.approx(agree["v2"], abs=5e-4), \
        f"{L11}: 'agree on the same share of answers' {agree}"


def test_l11_kappa_much_lower_for_version_2(lab11):
    """11_genai_evaluation.py: "yet kappa is much lower for version 2" (below the lower
    end of version 1's interval)."""
    k = lab11.kappa
    assert k.loc["v2", "kappa"] < k.loc["v1", "low"], f"{L11}: 'kappa is much lower' {k.round(3)}"


def test_l11_version_2_kappa_interval_includes_chance(lab11):
    """11_genai_evaluation.py: "and its interval is wide enough to include agreement no
    better than chance" (the bootstrap interval of Exercise 11.3 reaches 0)."""
    assert lab11.kappa.loc["v2", "low"] <= 0 <= lab11.kappa.loc["v2", "high"], \
        f"{L11}: 'its interval ... include agreement no better than chance'"


def test_l11_bias_index_small(lab11):
    """11_genai_evaluation.py, after Exercise 11.4: "The bias index is small in both
    versions: neither rater is much stricter than the other" (below the prevalence index,
    and the raters' disagreements split evenly enough for an exact test, p > 0.05)."""
    for v, cells in lab11.cells.items():
        idx = byrt(cells)
        assert idx["bias"] < idx["prevalence"], f"{L11}: 'The bias index is small' ({v})"
        p = binomtest(int(cells[1]), int(cells[1] + cells[2]), 0.5).pvalue
        assert p > 0.05, f"{L11}: 'neither rater is much stricter' ({v}, p={p:.3f})"


def test_l11_prevalence_index_far_higher_for_version_2(lab11):
    """11_genai_evaluation.py: "The prevalence index is far higher for version 2, because
    almost all its answers are acceptable; that alone pulls kappa down" (higher by more
    than a fifth of its 0-1 range; at least 90% of version 2's answers correct; chance
    agreement higher for version 2)."""
    p1, p2 = (byrt(lab11.cells[v])["prevalence"] for v in ("v1", "v2"))
    assert p2 - p1 > 0.2, f"{L11}: 'The prevalence index is far higher for version 2'"
    assert lab11.by["v2"]["correct"].mean() >= 0.9, f"{L11}: 'almost all its answers'"

    def chance(cells):
        n = cells.sum()
        r1, r2 = cells[2] + cells[3], cells[1] + cells[3]
        return (r1 * r2 + (n - r1) * (n - r2)) / n ** 2

    assert chance(lab11.cells["v2"]) > chance(lab11.cells["v1"]), \
        f"{L11}: 'that alone pulls kappa down'"


def test_l11_pabak_same_for_both_versions(lab11):
    """11_genai_evaluation.py: "and PABAK, which removes it, is the same for both
    versions"."""
    pabak = {v: byrt(c)["pabak"] for v, c in lab11.cells.items()}
    assert pabak["v1"] == pytest.approx(pabak["v2"], abs=5e-4), f"{L11}: 'PABAK ... the same'"


def test_l11_raters_disagree_most_on_omissions(lab11):
    """11_genai_evaluation.py: "notice where the raters disagreed most often for the number
    of answers: on omissions" (the highest share of disagreement by error class)."""
    a = lab11.answers
    rate = (a["rater_1"] != a["rater_2"]).groupby(a["error_class"]).mean()
    assert rate.idxmax() == "omission" and (rate.drop("omission") < rate["omission"]).all(), \
        f"{L11}: 'disagreed most often ... on omissions' {rate.round(3).to_dict()}"


def test_l11_version_2_better_not_by_chance(lab11):
    """11_genai_evaluation.py, after Exercise 11.5: "On these questions version 2 is
    better, and the improvement is unlikely to be chance" (exact McNemar, p < 0.05)."""
    c = lab11.correct
    improved = int(((c["v1"] == 0) & (c["v2"] == 1)).sum())
    worsened = int(((c["v1"] == 1) & (c["v2"] == 0)).sum())
    p = binomtest(improved, improved + worsened, 0.5).pvalue
    assert improved > worsened and p < 0.05, f"{L11}: 'unlikely to be chance' p={p:.4f}"


def test_l11_test_counts_a_fixed_outdated_and_a_new_unsafe_alike(lab11):
    """11_genai_evaluation.py: "Yet the test counts a fixed outdated answer and a new unsafe
    answer alike: a worsened question is one discordant pair whether it became slightly
    incomplete or dangerous" (an improved question was outdated; the worsened ones include
    an unsafe and an omission)."""
    k, c = lab11.classes, lab11.correct
    improved = k[(c["v1"] == 0) & (c["v2"] == 1)]
    worsened = k[(c["v1"] == 1) & (c["v2"] == 0)]
    assert (improved["v1"] == "outdated").any(), f"{L11}: 'a fixed outdated answer'"
    assert {"unsafe", "omission"} <= set(worsened["v2"]), \
        f"{L11}: 'slightly incomplete or dangerous' {worsened['v2'].tolist()}"


def test_l11_version_2_fixed_old_errors_and_made_a_new_unsafe_one(lab11):
    """11_genai_evaluation.py, section 7: "Version 2 fixed old errors and made a new unsafe
    one"."""
    k = lab11.classes
    assert ((k["v1"] != "none") & (k["v2"] == "none")).sum() > 1, f"{L11}: 'fixed old errors'"
    assert ((k["v1"] == "none") & (k["v2"] == "unsafe")).sum() == 1, \
        f"{L11}: 'made a new unsafe one'"


def test_l11_unsafe_interval_wide_and_many_a_day(lab11):
    """11_genai_evaluation.py, section 7: "An interval on a few unsafe answers is wide, and
    at the volume of a hospital even a small rate is many answers a day" (version 2: the
    Wilson upper end is more than twice the rate; at 200 questions a day the rate is at
    least 3 unsafe answers a day)."""
    v2 = lab11.by["v2"]
    k = int((v2["error_class"] == "unsafe").sum())
    rate, upper = k / len(v2), wilson(k, len(v2))[1]
    assert upper > 2 * rate, f"{L11}: 'An interval on a few unsafe answers is wide'"
    assert QUESTIONS_PER_DAY * rate >= 3, f"{L11}: 'even a small rate is many answers a day'"


def note_line(words):
    lines = [n for n, line in enumerate(chatbot_items.SCRIBE_NOTE, start=1)
             if re.search(words, line, re.IGNORECASE)]
    assert len(lines) == 1, f"the scribe's note has {len(lines)} lines matching {words!r}"
    return lines[0]


@pytest.fixture(scope="module")
def scribe():
    said = " ".join(words for _, words in chatbot_items.TRANSCRIPT).lower()
    note = chatbot_items.SCRIBE_NOTE
    # Each line of the note checked against the transcript, one check per planted error.
    found = {}
    knee = note_line(r"knee pain for")
    if "right knee" in said and "left" in note[knee - 1].lower():
        found[knee] = "inaccuracy"  # the side
    allergy = note_line(r"allerg")
    if "penicillin" in said and "no known" in note[allergy - 1].lower():
        found[allergy] = "inaccuracy"  # the allergy
    negatives = note_line(r"chest pain")
    if "chest pain" not in said and "breath" not in said:
        found[negatives] = "fabrication"  # pertinent negatives never asked
    feet = note_line(r"^feet")
    if "run out of time for your foot check" in said:
        found[feet] = "fabrication"  # an examination that was deferred
    plan = note_line(r"^plan")
    if "stop the ibuprofen" in said and not any("stop" in line.lower() for line in note):
        found[plan] = "omission"  # stopping the ibuprofen
    dose = note_line(r"increase lisinopril")
    agreed = re.search(r"lisinopril from (\d+) to (\d+)", said).group(2)
    if re.search(r"(\d+) mg", note[dose - 1]).group(1) != agreed:
        found[dose] = "inaccuracy"  # the dose
    return found


def test_l11_scribe_six_lines_are_wrong(scribe):
    """11_genai_evaluation.py, Exercise 11.6 solution: "Each line checked against what was
    said; six lines are wrong" (the lines found wrong here are the key's, six of them, and
    each keyed class fits)."""
    key = chatbot_items.SCRIBE_KEY
    assert sorted(scribe) == sorted(key) and len(key) == 6, f"{L11}: 'six lines are wrong'"
    assert all(cls in key[line] for line, cls in scribe.items())


def test_l11_scribe_two_errors_look_more_thorough(scribe):
    """11_genai_evaluation.py, after Exercise 11.6: "two of them (the foot examination and
    the pertinent negatives) make the note look *more* thorough" (the two fabrications)."""
    made_up = {line for line, cls in scribe.items() if cls == "fabrication"}
    keyed = {line for line, cls in chatbot_items.SCRIBE_KEY.items() if "fabrication" in cls}
    assert made_up == keyed == {note_line(r"^feet"), note_line(r"chest pain")}, \
        f"{L11}: 'two of them (the foot examination and the pertinent negatives)'"


def test_l11_scribe_errors_would_travel(scribe):
    """11_genai_evaluation.py: "Each would travel: into the next prescription (the allergy,
    the dose), the next procedure (the side) or the diabetic foot check that now looks
    done"."""
    lines = {note_line(r"allerg"), note_line(r"increase lisinopril"),
             note_line(r"knee pain for"), note_line(r"^feet")}
    assert lines <= set(scribe) and lines <= set(chatbot_items.SCRIBE_KEY), \
        f"{L11}: 'the allergy, the dose ... the side ... the diabetic foot check'"
