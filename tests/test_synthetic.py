"""The synthetic cohort: each documented mechanism is present in the committed
files with the documented direction and size. Expected sizes are the literature
targets named in the datasheet, not numbers copied from the data."""

import math

import numpy as np
import pandas as pd
import pytest

from labkit import datasets
from labkit.synthetic import Parameters, claims, generate, vendor_predictions

P = Parameters()


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return datasets.load_admissions().merge(datasets.load_admissions_truth(), on="admission_id")


def test_size_and_years(cohort):
    assert len(cohort) >= 20_000
    assert cohort["patient_key"].nunique() < len(cohort)  # patients come back
    assert sorted(cohort["admit_year"].unique()) == list(range(2019, 2025))


def test_marginal_rates_are_plausible(cohort):
    # Targets: ~15% 30-day readmission, ~2% in-hospital death (datasheet sources).
    assert cohort["readmitted_30d"].mean() == pytest.approx(0.15, abs=0.01)
    assert cohort["died_in_hospital"].mean() == pytest.approx(0.022, abs=0.005)
    assert 0.05 < cohort["deterioration"].mean() < 0.10
    assert 54 < cohort["age"].mean() < 62
    assert 0.30 < (cohort["age"] >= 65).mean() < 0.45
    assert 3.5 < cohort["length_of_stay_days"].mean() < 5.5
    assert 9_000 < cohort["cost_of_stay_usd"].mean() < 16_000


def test_readmission_is_undefined_after_death_or_hospice(cohort):
    gone = (cohort["died_in_hospital"] == 1) | (cohort["discharge_disposition"] == "hospice")
    assert cohort.loc[gone, "readmitted_30d"].isna().all()
    assert cohort.loc[~gone, "readmitted_30d"].notna().all()
    assert (cohort.loc[cohort["died_in_hospital"] == 1, "deterioration"] == 1).all()


def occult_rate(df: pd.DataFrame, group: str) -> float:
    band = df[(df["race_ethnicity"] == group) & df["spo2"].between(92, 96)]
    return float((band["sao2_true"] < 88).mean())


def test_pulse_oximetry_bias_matches_sjoding(cohort):
    # Sjoding et al. 2020: occult hypoxaemia 11.7% in Black vs 3.6% in White patients
    # with paired arterial gases; our comparable group is respiratory compromise.
    paired = cohort[cohort["respiratory_compromise"] == 1]
    black, white = occult_rate(paired, "Black"), occult_rate(paired, "White")
    assert black == pytest.approx(0.117, abs=0.03)
    assert white == pytest.approx(0.036, abs=0.015)
    assert black / white > 2.5
    # The flag in the truth file agrees with its definition.
    flag = (cohort["sao2_true"] < 88) & cohort["spo2"].between(92, 96)
    assert (cohort["occult_hypoxemia"] == flag.astype(int)).all()


def spending_gap(cohort: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """White-minus-Black mean next-year spending within each number of chronic
    conditions, averaged with weights equal to the number of patients per stratum."""
    alive = cohort.dropna(subset=["cost_next_year_usd"])
    alive = alive[alive["race_ethnicity"].isin(["White", "Black"])]
    means = alive.pivot_table(index="n_chronic_conditions", columns="race_ethnicity",
                              values="cost_next_year_usd", aggfunc="mean", observed=True)
    weights = alive.groupby("n_chronic_conditions").size()
    gap = ((means["White"] - means["Black"]) * weights).sum() / weights[means.index].sum()
    return alive, float(gap)


def test_spending_gap_at_equal_need_matches_obermeyer(cohort):
    # Obermeyer et al. 2019: about $1,800 less spending per year for Black than for
    # White patients with the same number of chronic conditions.
    alive, gap = spending_gap(cohort)
    assert gap == pytest.approx(1800, abs=300)
    # Consequence: ranking by cost under-selects Black patients relative to need.
    top_cost = alive["cost_next_year_usd"] >= alive["cost_next_year_usd"].quantile(0.9)
    top_need = alive["n_chronic_conditions"] >= alive["n_chronic_conditions"].quantile(0.9)
    share = lambda mask: (alive.loc[mask, "race_ethnicity"] == "Black").mean()  # noqa: E731
    assert share(top_cost) < share(top_need) - 0.03


def test_hba1c_missingness_differs_by_payer(cohort):
    no_diabetes = cohort[cohort["diabetes"] == 0]
    missing = no_diabetes.groupby("payer", observed=True)["hba1c_last_year_pct"].apply(
        lambda s: s.isna().mean())
    for payer, expected in P.hba1c_missing_by_payer.items():
        assert missing[payer] == pytest.approx(expected, abs=0.04), payer
    assert missing["Uninsured"] - missing["Private"] > 0.3
    diabetes = cohort[cohort["diabetes"] == 1]["hba1c_last_year_pct"].isna().mean()
    assert diabetes < no_diabetes["hba1c_last_year_pct"].isna().mean()


def test_lactate_is_missing_not_at_random(cohort):
    measured = cohort["lactate_mmol_l"].notna()
    assert 0.5 < (~measured).mean() < 0.85
    assert (cohort.loc[measured, "lactate_true_mmol_l"].mean()
            > cohort.loc[~measured, "lactate_true_mmol_l"].mean() + 0.2)


def test_under_represented_group(cohort):
    group = cohort["race_ethnicity"] == "American Indian or Alaska Native"
    assert 0.005 < group.mean() < 0.015
    assert group.sum() >= 100


def crude_log_odds_ratio(df: pd.DataFrame) -> float:
    t = pd.crosstab(df["chf"], df["readmitted_30d"])
    return math.log((t.loc[1, 1] * t.loc[0, 0]) / (t.loc[1, 0] * t.loc[0, 1]))


def test_dated_shift_in_2023(cohort):
    after = cohort["admit_year"] >= P.shift_year
    assert (cohort["after_shift"] == after.astype(int)).all()
    old_before = (cohort.loc[~after, "age"] >= 75).mean()
    old_after = (cohort.loc[after, "age"] >= 75).mean()
    assert old_after - old_before > 0.08
    at_risk = cohort.dropna(subset=["readmitted_30d"])
    change = crude_log_odds_ratio(at_risk[at_risk["admit_year"] >= P.shift_year]) - \
        crude_log_odds_ratio(at_risk[at_risk["admit_year"] < P.shift_year])
    assert change == pytest.approx(P.chf_readmission_change_after_shift, abs=0.35)


def test_generator_is_seeded():
    small = Parameters(n_patients=500)
    a1, t1 = generate(small)
    a2, t2 = generate(small)
    pd.testing.assert_frame_equal(a1, a2)
    pd.testing.assert_frame_equal(t1, t2)
    a3, _ = generate(Parameters(n_patients=500, seed=7))
    assert not np.array_equal(a1["age"].to_numpy()[:50], a3["age"].to_numpy()[:50])


def test_synthetic_is_labelled_synthetic():
    for name in ("admissions", "admissions_truth", "claims"):
        card = datasets.card(name)
        assert card.synthetic and "synthetic" in card.file
        assert "SYNTHETIC" in card.title and "Synthetic" in card.description


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def test_datasheet_quotes_the_sizes_in_the_shipped_file(cohort):
    """Every size the datasheet states is recomputed here from the data."""
    from pathlib import Path

    sheet = (Path(__file__).resolve().parents[1] / "datasets" / "synthetic_admissions.md")
    text = " ".join(sheet.read_text().split())
    paired = cohort[cohort["respiratory_compromise"] == 1]
    alive, gap = spending_gap(cohort)
    no_dm = cohort[cohort["diabetes"] == 0]
    hba1c = no_dm.groupby("payer", observed=True)["hba1c_last_year_pct"].apply(
        lambda s: s.isna().mean())
    after = cohort["admit_year"] >= 2023
    at_risk = cohort.dropna(subset=["readmitted_30d"])
    chf = at_risk[at_risk["chf"] == 1]
    payers = cohort["payer"].value_counts(normalize=True)
    expected = [
        f"{len(cohort):,} rows",
        f"{cohort['patient_key'].nunique():,} patients",
        f"during the stay, {pct(cohort['deterioration'].mean())})",
        f"({pct(cohort['died_in_hospital'].mean())})",
        f"({pct(cohort['readmitted_30d'].mean())} of those at risk",
        f"| {cohort['length_of_stay_days'].mean():.1f} days |",
        f"| ${cohort['cost_of_stay_usd'].mean():,.0f} |",
        f"| {pct((cohort['age'] >= 65).mean())} |",
        ", ".join(pct(payers[p]) for p in ("Medicare", "Medicaid", "Private", "Uninsured")),
        f"spend ${round(gap, -1):,.0f} less per year",
        f"in {pct(occult_rate(paired, 'Black'))} of readings in Black and "
        f"{pct(occult_rate(paired, 'White'))} in White",
        f"{pct(hba1c['Private'])} private, {pct(hba1c['Medicare'])} Medicare, "
        f"{pct(hba1c['Medicaid'])} Medicaid, {pct(hba1c['Uninsured'])} uninsured",
        f"lactate missing in {pct(cohort['lactate_mmol_l'].isna().mean())}",
        f"{(cohort['race_ethnicity'] == 'American Indian or Alaska Native').sum()} admissions",
        f"aged 75+: {pct((cohort.loc[~after, 'age'] >= 75).mean())} before, "
        f"{pct((cohort.loc[after, 'age'] >= 75).mean())} after",
        f"{pct(chf.loc[chf['admit_year'] < 2023, 'readmitted_30d'].mean())} before, "
        f"{pct(chf.loc[chf['admit_year'] >= 2023, 'readmitted_30d'].mean())} after",
    ]
    for share in cohort["race_ethnicity"].value_counts(normalize=True):
        expected.append(f"{pct(share)}")
    missing = [e for e in expected if e not in text]
    assert missing == [], "datasheet is out of date; recomputed values not found: " + str(missing)


# Claims (synthetic_claims.csv): past spending with the same access gap, persisting.

def test_past_spending_has_the_access_gap_and_persists(cohort):
    data = cohort.merge(datasets.load_claims(), on="admission_id")
    assert len(data) == len(cohort)
    expected = (P.spending_base_usd * np.exp(0.33 * data["n_chronic_conditions"])
                * data["spending_access_multiplier"])
    past = np.log(data["spending_prior_12m_usd"] / expected)
    nxt = np.log(data["cost_next_year_usd"] / expected)
    alive = nxt.notna()
    # The yearly deviations: SD as stated, correlated as stated (rounding to $10 blurs little).
    assert past.std() == pytest.approx(P.spending_noise_sd, abs=0.02)
    assert np.corrcoef(past[alive], nxt[alive])[0, 1] == pytest.approx(
        P.spending_persistence, abs=0.03)
    # The same access gap at equal need: Black patients' past spending is lower by about the
    # multiplier (0.78) within each number of conditions.
    two = data[data["race_ethnicity"].isin(["White", "Black"]) & data["payer"].eq("Medicare")]
    logs = np.log(two["spending_prior_12m_usd"])
    by = logs.groupby([two["n_chronic_conditions"], two["race_ethnicity"]]).mean().unstack()
    weights = two.groupby("n_chronic_conditions").size()
    gap = ((by["Black"] - by["White"]) * weights).sum() / weights[by.index].sum()
    assert math.exp(gap) == pytest.approx(P.spending_by_race["Black"], abs=0.05)


def test_claims_leave_the_other_files_unchanged_and_are_seeded():
    small = Parameters(n_patients=300, seed=5)
    adm, truth = generate(small)
    first = claims(adm, truth, small)
    pd.testing.assert_frame_equal(first, claims(adm, truth, small))
    again_adm, again_truth = generate(small)  # claims() drew from its own stream
    pd.testing.assert_frame_equal(adm, again_adm)
    pd.testing.assert_frame_equal(truth, again_truth)
    loose = claims(adm, truth, Parameters(n_patients=300, seed=5, spending_persistence=0.0))
    assert not first["spending_prior_12m_usd"].equals(loose["spending_prior_12m_usd"])


# Vendor predictions (synthetic_predictions.csv): a fictional score on each patient's first
# admission. Expected values come from the admissions file and the published coefficients
# (the datasheet's table), recomputed here with plain pandas and scikit-learn.

SPEC_COLUMNS = ["patient_id", "admission_date", "age_band", "sex", "race_ethnicity", "payer",
                "readmitted_30d", "predicted_risk"]


@pytest.fixture(scope="module")
def admissions() -> pd.DataFrame:
    return datasets.load_admissions()


@pytest.fixture(scope="module")
def predictions() -> pd.DataFrame:
    return datasets.load_predictions()


def first_admissions(adm: pd.DataFrame) -> pd.DataFrame:
    """Each patient's first admission (lowest admission_id), found without sorting tricks."""
    first_id = adm.groupby("patient_key")["admission_id"].transform("min")
    return adm[adm["admission_id"] == first_id].set_index("patient_key")


def published_risk(rows: pd.DataFrame) -> np.ndarray:
    """The vendor's formula as its datasheet table states it, written out by hand."""
    log_odds = (-2.55
                + 0.06 * (rows["age"].astype(float) - 50) / 10
                + 0.30 * rows["prior_admissions_12m"].clip(upper=4)
                + 0.10 * rows["ed_visits_12m"].clip(upper=4)
                + 0.15 * rows["n_chronic_conditions"]
                + 0.25 * rows["emergency_admission"]
                + 0.45 * rows["chf"]
                + 0.25 * rows["copd"]
                + 0.35 * (rows["discharge_disposition"].astype(str) == "skilled nursing facility")
                + 0.05 * rows["length_of_stay_days"].clip(upper=14))
    return 1 / (1 + np.exp(-log_odds.to_numpy(dtype=float)))


def test_predictions_are_one_row_per_patient_from_the_first_admission(admissions, predictions):
    first = first_admissions(admissions)
    gone = first["discharge_disposition"].astype(str).isin(["died", "hospice"])
    keys = predictions["patient_id"].astype(str).str.slice(1).astype(int)
    assert predictions["patient_id"].is_unique
    assert sorted(keys) == sorted(first.index[~gone])
    assert len(predictions) + int(gone.sum()) == admissions["patient_key"].nunique()
    rows = first.loc[keys]
    for col in ("sex", "race_ethnicity", "payer"):
        assert (predictions[col].astype(str).to_numpy() == rows[col].astype(str).to_numpy()).all()
    assert (predictions["readmitted_30d"].to_numpy() == rows["readmitted_30d"].to_numpy()).all()
    bands = pd.cut(rows["age"], [18, 45, 65, 75, 200], right=False,
                   labels=["18-44", "45-64", "65-74", "75+"]).astype(str)
    assert (predictions["age_band"].astype(str).to_numpy() == bands.to_numpy()).all()


def test_predictions_columns_and_types(predictions):
    assert list(predictions.columns) == SPEC_COLUMNS
    fresh = vendor_predictions(generate(Parameters(n_patients=300, seed=1))[0])
    assert list(fresh.columns) == SPEC_COLUMNS
    assert fresh["patient_id"].str.fullmatch(r"P\d{6}").all()
    assert pd.api.types.is_datetime64_any_dtype(fresh["admission_date"])
    assert fresh["readmitted_30d"].dtype == "int64"
    assert set(fresh["readmitted_30d"]) == {0, 1}
    assert fresh["predicted_risk"].dtype == "float64"
    assert (fresh["predicted_risk"] == fresh["predicted_risk"].round(4)).all()
    assert pd.api.types.is_datetime64_any_dtype(predictions["admission_date"])
    assert predictions["readmitted_30d"].dtype == "int64"


def test_predicted_risk_follows_the_published_coefficients(admissions, predictions):
    keys = predictions["patient_id"].astype(str).str.slice(1).astype(int)
    expected = published_risk(first_admissions(admissions).loc[keys])
    got = predictions["predicted_risk"].to_numpy()
    assert np.abs(got - expected).max() <= 0.5e-4 + 1e-12  # rounded to four decimals
    assert ((got > 0) & (got < 1)).all()


def test_admission_dates_fall_in_the_recorded_quarter_and_follow_admission_id(admissions,
                                                                            predictions):
    keys = predictions["patient_id"].astype(str).str.slice(1).astype(int)
    rows = first_admissions(admissions).loc[keys]
    date = predictions["admission_date"]
    assert (date.dt.year.to_numpy() == rows["admit_year"].to_numpy()).all()
    assert (date.dt.quarter.to_numpy() == rows["admit_quarter"].to_numpy()).all()
    order = np.argsort(rows["admission_id"].to_numpy())
    assert date.iloc[order].is_monotonic_increasing
    assert predictions["admission_date"].is_monotonic_increasing  # rows in admission order
    # The quarter's admissions spread over all of its days: about ten a day (datasheet).
    days = (pd.Timestamp("2024-12-31") - pd.Timestamp("2019-01-01")).days + 1
    assert 9 < len(admissions) / days < 11
    assert date.dt.day_of_year.isin([1, 2]).any() and date.dt.is_quarter_end.any()


def test_vendor_predictions_are_deterministic_and_draw_nothing():
    small = Parameters(n_patients=400, seed=11)
    adm, truth = generate(small)
    before = adm.copy()
    first = vendor_predictions(adm)
    pd.testing.assert_frame_equal(first, vendor_predictions(adm))
    pd.testing.assert_frame_equal(adm, before)  # the input is not changed
    # Order of the input rows does not matter: rows are taken in admission_id order.
    pd.testing.assert_frame_equal(first, vendor_predictions(adm.iloc[::-1]))
    again, _ = generate(small)
    pd.testing.assert_frame_equal(adm, again)


def test_the_score_has_no_race_term(admissions):
    shuffled = admissions.copy()
    rng = np.random.default_rng(0)
    for col in ("race_ethnicity", "payer"):
        shuffled[col] = rng.permutation(shuffled[col].to_numpy())
    base, moved = vendor_predictions(admissions), vendor_predictions(shuffled)
    assert (base["predicted_risk"].to_numpy() == moved["predicted_risk"].to_numpy()).all()
    assert not (base["race_ethnicity"].to_numpy() == moved["race_ethnicity"].to_numpy()).all()


def test_the_score_ranks_modestly_and_over_predicts(predictions):
    from sklearn.metrics import roc_auc_score

    y, p = predictions["readmitted_30d"], predictions["predicted_risk"]
    # The intended range: typical of readmission scores (Kansagara et al. 2011: 0.55-0.65 for
    # administrative-data models); the generator's own true risk reaches only about 0.65.
    assert 0.60 < roc_auc_score(y, p) < 0.70
    assert 0.01 < p.mean() - y.mean() < 0.05  # over-predicts by a few points


def test_at_the_same_score_black_patients_are_readmitted_more_often(predictions):
    two = predictions[predictions["race_ethnicity"].isin(["White", "Black"])]
    fifth = pd.qcut(two["predicted_risk"], 5, labels=False)
    rates = two.groupby([fifth, two["race_ethnicity"].astype(str)])["readmitted_30d"].mean()
    rates = rates.unstack()
    assert (rates["Black"] > rates["White"]).all()


def test_predictions_card_is_labelled_synthetic():
    card = datasets.card("predictions")
    assert card.synthetic and "synthetic" in card.file
    assert "SYNTHETIC" in card.title and "Synthetic" in card.description


def calibration_intercept(y: np.ndarray, p: np.ndarray) -> float:
    """a in logit P(y) = a + logit(p), by bisection on the score equation sum(y - fit) = 0."""
    offset = np.log(p / (1 - p))
    lo, hi = -5.0, 5.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if (1 / (1 + np.exp(-(mid + offset)))).sum() < y.sum():
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def test_predictions_datasheet_quotes_the_shipped_file(admissions, predictions):
    """Every number the datasheet states is recomputed here from the data."""
    from pathlib import Path

    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from labkit.synthetic import VENDOR_INTERCEPT, VENDOR_SCORE

    sheet = Path(__file__).resolve().parents[1] / "datasets" / "synthetic_predictions.md"
    text = " ".join(sheet.read_text().split())
    y = predictions["readmitted_30d"].to_numpy()
    p = predictions["predicted_risk"].to_numpy()
    logit = np.log(p / (1 - p)).reshape(-1, 1)
    slope = LogisticRegression(C=np.inf).fit(logit, y).coef_[0, 0]
    first = first_admissions(admissions)
    gone = first["discharge_disposition"].astype(str).isin(["died", "hospice"]).sum()
    date = predictions["admission_date"]
    after = date.dt.year >= 2023
    expected = [
        f"{len(predictions):,} rows",
        f"{len(predictions):,} patients, of whom {y.sum():,} were readmitted within 30 days "
        f"({pct(y.mean())})",
        f"The {gone} patients whose first admission ended in death",
        f"{date.min():%Y-%m-%d} to {date.max():%Y-%m-%d}",
        f"mean predicted risk is {pct(p.mean())}",
        f"over-predicts by about {round(100 * (p.mean() - y.mean()))} percentage points"
        .replace("by about 3 ", "by about three "),
        f"Calibration intercept {calibration_intercept(y, p):.2f}",
        f"slope {slope:.2f}",
        f"AUROC {roc_auc_score(y, p):.2f}: it ranks a readmitted patient above one who was "
        f"not {round(100 * roc_auc_score(y, p))} times in 100",
        f"({pct(predictions.loc[~after, 'readmitted_30d'].mean())} observed, "
        f"{pct(predictions.loc[~after, 'predicted_risk'].mean())} predicted before 2023; "
        f"{pct(predictions.loc[after, 'readmitted_30d'].mean())} observed, "
        f"{pct(predictions.loc[after, 'predicted_risk'].mean())} predicted from 2023)",
        f"| intercept | a 50-year-old with every other input 0 | {VENDOR_INTERCEPT:.2f} | |",
    ]
    for name, coef, unit in VENDOR_SCORE:
        expected.append(f"| `{name}` | {unit} | {coef:.2f} | {math.exp(coef):.2f} |")
    for col in ("age_band", "payer", "race_ethnicity"):
        for group, rows in predictions.groupby(col, observed=True):
            expected.append(f"| {group} | {len(rows):,} | {pct(rows['readmitted_30d'].mean())} "
                            f"| {pct(rows['predicted_risk'].mean())} |")
    small = predictions[predictions["race_ethnicity"] == "American Indian or Alaska Native"]
    expected.append(f"American Indian or Alaska Native patients are {len(small)}")
    assert small["readmitted_30d"].sum() < 100  # "too few readmissions for stable estimates"
    missing = [e for e in expected if e not in text]
    assert missing == [], "datasheet is out of date; recomputed values not found: " + str(missing)
