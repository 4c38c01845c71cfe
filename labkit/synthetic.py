"""Generate the SYNTHETIC hospital admissions cohort, with documented bias mechanisms.

Every patient and every number here is made up by a seeded random generator;
no real patient contributed. The cohort is built so that the biases the labs
teach are present with a known direction and size, taken from the literature:

- label bias: next-year cost, a common proxy for health need, is lower for
  Black patients and for patients with poorer access at the same number of
  chronic conditions (Obermeyer et al. 2019);
- measurement bias: pulse oximetry (SpO2) over-reads arterial saturation (SaO2)
  more in Black patients, so occult hypoxaemia is missed more often (Sjoding et
  al. 2020); both SpO2 and the true SaO2 are generated;
- differential missingness: an HbA1c from the past year is missing more often
  for uninsured and Medicaid patients (fewer outpatient visits), and lactate is
  measured mostly when a clinician suspects sepsis (Gianfrancesco et al. 2018);
- an under-represented group: American Indian or Alaska Native patients, about
  1 in 100 admissions;
- a dated shift from 2023: a geriatric service raises the share of admissions
  aged 75 and over (case mix), and a transitional-care programme lowers the
  readmission risk of patients with heart failure (practice) (Finlayson et al. 2021).

The parameters are in :class:`Parameters`; the datasheet quotes them and
``tests/test_synthetic.py`` checks each mechanism in the generated file.

:func:`vendor_predictions` scores each patient's first admission with a
FICTIONAL vendor's readmission score of fixed coefficients: the example a
hospital audits its own deployed model on (``synthetic_predictions.csv``).

:func:`vendor_model` fits a FICTIONAL vendor's readmission model on another
SYNTHETIC cohort, its development hospital (:data:`VENDOR_DEVELOPMENT`), and
:func:`vendor_model_bytes` saves it with skops, byte for byte reproducibly
(``vendor_readmission_model.skops``, Lab 10).

>>> adm, truth = generate(Parameters(n_patients=400))
>>> len(adm) == len(truth), "synthetic" in Parameters().name
(True, True)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Parameters", "generate", "claims", "vendor_predictions", "VENDOR_INTERCEPT",
           "VENDOR_SCORE", "PREDICTION_COLUMNS", "RACES", "PAYERS", "VENDOR_DEVELOPMENT",
           "VENDOR_NUMERIC", "VENDOR_CATEGORICAL", "vendor_development_cohort", "vendor_model",
           "vendor_model_bytes", "chatbot_answers", "CHATBOT_SEED", "CHATBOT_COLUMNS"]

RACES = (
    "White",
    "Black",
    "Hispanic",
    "Asian",
    "American Indian or Alaska Native",
    "Other or unknown",
)
PAYERS = ("Medicare", "Medicaid", "Private", "Uninsured")
DISPOSITIONS = ("home", "home health", "skilled nursing facility", "hospice", "died")
CONDITIONS = (  # (name, intercept, per 10 years of age, per 25 ADI points, shown as a flag)
    ("hypertension", -0.2, 0.55, 0.15, False),
    ("diabetes", -1.4, 0.30, 0.20, True),
    ("chf", -2.6, 0.55, 0.15, True),
    ("copd", -2.3, 0.40, 0.25, True),
    ("ckd", -2.4, 0.50, 0.15, True),
    ("cancer", -2.6, 0.35, 0.0, True),
    ("dementia", -4.2, 0.90, 0.10, True),
    ("depression", -1.6, 0.0, 0.20, False),
    ("liver_disease", -3.2, 0.10, 0.25, True),
    ("obesity", -1.2, -0.05, 0.20, False),
)
#: Extra log-odds of diabetes by group (higher prevalence in several groups).
DIABETES_BY_RACE = {"Black": 0.45, "Hispanic": 0.45, "American Indian or Alaska Native": 0.7,
                    "Asian": 0.25}


@dataclass(frozen=True)
class Parameters:
    """Everything that shapes the synthetic cohort; the datasheet cites each value."""

    name: str = "synthetic_admissions"
    seed: int = 20190101
    n_patients: int = 16_000
    first_year: int = 2019
    last_year: int = 2024
    # Share of patients by race and ethnicity (US hospital stays, roughly).
    race_shares: tuple[float, ...] = (0.62, 0.17, 0.12, 0.04, 0.01, 0.04)
    # Mean national ADI percentile by group (residential segregation).
    adi_mean: dict[str, float] = field(default_factory=lambda: {
        "White": 45.0, "Black": 70.0, "Hispanic": 63.0, "Asian": 40.0,
        "American Indian or Alaska Native": 72.0, "Other or unknown": 52.0})
    # Targets for the marginal outcome rates (intercepts are solved to meet them).
    readmission_rate: float = 0.15
    deterioration_rate: float = 0.06  # before deaths are added: about 7% with them
    mortality_rate: float = 0.022
    # Respiratory compromise (the patients who get arterial blood gases): SaO2 ~ N(mean, sd).
    resp_sao2_mean: float = 92.0
    resp_sao2_sd: float = 5.0
    # Measurement bias: mean SpO2 - SaO2 (percentage points) by group, and its SD.
    # Only the Black-White difference is calibrated (to Sjoding et al. 2020); other
    # groups get the White value.
    spo2_bias: dict[str, float] = field(default_factory=lambda: {
        "White": 0.5, "Black": 3.0, "Hispanic": 0.5, "Asian": 0.5,
        "American Indian or Alaska Native": 0.5, "Other or unknown": 0.5})
    spo2_noise_sd: float = 3.0
    # Label bias: next-year spending = base * exp(0.33 * conditions + noise) * multipliers.
    spending_base_usd: float = 3700.0
    spending_by_race: dict[str, float] = field(default_factory=lambda: {
        "White": 1.0, "Black": 0.78, "Hispanic": 0.88, "Asian": 0.95,
        "American Indian or Alaska Native": 0.80, "Other or unknown": 0.95})
    spending_by_payer: dict[str, float] = field(default_factory=lambda: {
        "Medicare": 1.0, "Private": 1.05, "Medicaid": 0.85, "Uninsured": 0.55})
    # SD of a year's log spending around base x e^(0.33 x conditions) x access.
    spending_noise_sd: float = 0.45
    # Claims (synthetic_claims.csv): correlation of a patient's year-specific log-spending
    # deviations in consecutive years. Not calibrated to a study: chosen so that past
    # spending carries the access gap into a cost score, as in Obermeyer et al. 2019.
    spending_persistence: float = 0.8
    # Differential missingness: P(no HbA1c in the past year) by payer.
    hba1c_missing_by_payer: dict[str, float] = field(default_factory=lambda: {
        "Medicare": 0.30, "Private": 0.30, "Medicaid": 0.50, "Uninsured": 0.70})
    hba1c_missing_diabetes_factor: float = 0.4  # diabetics are tested more
    # Dated shift (from shift_year on).
    shift_year: int = 2023
    old_age: int = 75
    old_admissions_kept_before_shift: float = 0.6  # thinning of 75+ admissions before 2023
    chf_readmission_log_odds: float = 0.55
    chf_readmission_change_after_shift: float = -0.8

    def __post_init__(self) -> None:
        _check_parameters(self)


#: Fewest patients for which every outcome is sure to have patients at risk.
MIN_PATIENTS = 100


def _check_parameters(p: Parameters) -> None:
    """Refuse parameters the generator cannot honour, naming the field (validation only:
    valid parameters generate exactly what they did before)."""
    def number(name: str, value: object) -> float:
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise TypeError(f"Parameters.{name} must be a number, got "
                            f"{type(value).__name__} {value!r}")
        if not math.isfinite(float(value)):
            raise ValueError(f"Parameters.{name} must be finite, got {value!r}")
        return float(value)

    def whole(name: str, value: object, minimum: int) -> None:
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
            raise TypeError(f"Parameters.{name} must be a whole number, got "
                            f"{type(value).__name__} {value!r}")
        if value < minimum:
            raise ValueError(f"Parameters.{name} must be at least {minimum}, got {value}")

    def within(name: str, low: float, high: float, *, open_ends: bool = False) -> None:
        value = number(name, getattr(p, name))
        inside = low < value < high if open_ends else low <= value <= high
        if not inside:
            ends = f"({low}, {high})" if open_ends else f"[{low}, {high}]"
            raise ValueError(f"Parameters.{name} must be in {ends}, got {value}")

    def by_key(name: str, keys: tuple[str, ...], low: float, high: float) -> None:
        mapping = getattr(p, name)
        if not isinstance(mapping, dict) or set(mapping) != set(keys):
            got = sorted(mapping) if isinstance(mapping, dict) else type(mapping).__name__
            raise ValueError(f"Parameters.{name} must give a value for each of {list(keys)}, "
                             f"got {got}")
        for key in keys:
            value = number(f"{name}[{key!r}]", mapping[key])
            if not low <= value <= high:
                raise ValueError(f"Parameters.{name}[{key!r}] must be in [{low}, {high}], "
                                 f"got {value}")

    if not isinstance(p.name, str) or not p.name:
        raise ValueError(f"Parameters.name must be a non-empty string, got {p.name!r}")
    whole("seed", p.seed, 0)
    whole("n_patients", p.n_patients, MIN_PATIENTS)
    whole("first_year", p.first_year, 1900)
    whole("last_year", p.last_year, p.first_year)
    whole("shift_year", p.shift_year, 1900)
    whole("old_age", p.old_age, 18)
    shares = p.race_shares
    if not isinstance(shares, tuple | list) or len(shares) != len(RACES):
        raise ValueError(f"Parameters.race_shares must give one share for each of {list(RACES)}")
    values = [number(f"race_shares[{i}]", v) for i, v in enumerate(shares)]
    if min(values) < 0 or not math.isclose(sum(values), 1.0, abs_tol=1e-9):
        raise ValueError(f"Parameters.race_shares must be non-negative and sum to 1, got "
                         f"{list(shares)} (sum {sum(values):g})")
    by_key("adi_mean", RACES, 1e-9, 100 - 1e-9)  # a beta distribution's mean, in percent
    for name in ("readmission_rate", "deterioration_rate", "mortality_rate"):
        within(name, 0, 1, open_ends=True)
    number("resp_sao2_mean", p.resp_sao2_mean)
    within("resp_sao2_sd", 0, math.inf)
    by_key("spo2_bias", RACES, -math.inf, math.inf)
    within("spo2_noise_sd", 0, math.inf)
    within("spending_base_usd", 0, math.inf)
    by_key("spending_by_race", RACES, 0, math.inf)
    by_key("spending_by_payer", PAYERS, 0, math.inf)
    within("spending_noise_sd", 0, math.inf)
    within("spending_persistence", 0, 1)
    by_key("hba1c_missing_by_payer", PAYERS, 0, 1)
    factor = number("hba1c_missing_diabetes_factor", p.hba1c_missing_diabetes_factor)
    if not 0 <= factor * max(p.hba1c_missing_by_payer.values()) <= 1:
        raise ValueError("Parameters.hba1c_missing_diabetes_factor must keep every missingness "
                         f"probability in [0, 1], got {factor}")
    within("old_admissions_kept_before_shift", 0, 1)
    number("chf_readmission_log_odds", p.chf_readmission_log_odds)
    number("chf_readmission_change_after_shift", p.chf_readmission_change_after_shift)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _solve_intercept(lp: np.ndarray, target: float) -> float:
    """The intercept c for which mean(sigmoid(lp + c)) equals ``target`` (bisection)."""
    lo, hi = -30.0, 30.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if _sigmoid(lp + mid).mean() < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _patients(p: Parameters, rng: np.random.Generator) -> pd.DataFrame:
    n = p.n_patients
    race = rng.choice(np.array(RACES, dtype=object), size=n, p=np.array(p.race_shares))
    sex = rng.choice(np.array(["female", "male"], dtype=object), size=n, p=[0.54, 0.46])
    age0 = np.clip(rng.normal(57, 18, n), 18, 95)
    mean_adi = np.array([p.adi_mean[r] for r in race]) / 100
    concentration = 4.0
    adi = 1 + np.floor(99.999 * rng.beta(mean_adi * concentration, (1 - mean_adi) * concentration))

    # Payer: Medicare at 65+, otherwise by deprivation.
    u = rng.random(n)
    d = adi / 100
    p_medicaid = 0.10 + 0.35 * d
    p_uninsured = 0.03 + 0.10 * d + 0.05 * (race == "Hispanic")
    p_medicare_young = 0.08
    young_payer = np.where(
        u < p_medicaid, "Medicaid",
        np.where(u < p_medicaid + p_uninsured, "Uninsured",
                 np.where(u < p_medicaid + p_uninsured + p_medicare_young, "Medicare", "Private")))
    old_payer = np.where(rng.random(n) < 0.9, "Medicare", "Private")
    payer = np.where(age0 >= 65, old_payer, young_payer).astype(object)

    frailty = rng.normal(0, 0.7, n)
    conditions = {}
    for name, a, b_age, c_adi, _shown in CONDITIONS:
        lp = a + b_age * (age0 - 60) / 10 + c_adi * (adi - 50) / 25 + frailty
        if name == "diabetes":
            lp = lp + np.array([DIABETES_BY_RACE.get(r, 0.0) for r in race])
        conditions[name] = (rng.random(n) < _sigmoid(lp)).astype(int)
    need = sum(conditions.values())
    return pd.DataFrame({"race_ethnicity": race, "sex": sex, "age0": age0, "adi": adi,
                         "payer": payer, "frailty": frailty, "need": need, **conditions})


def generate(p: Parameters | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate ``(admissions, truth)``: what a hospital would record, and the ground truth.

    >>> adm, truth = generate(Parameters(n_patients=300, seed=1))
    >>> bool((adm["admission_id"] == truth["admission_id"]).all())
    True
    """
    if p is None:
        p = Parameters()
    elif not isinstance(p, Parameters):
        raise TypeError(f"p must be a Parameters instance or None, got {type(p).__name__}")
    rng = np.random.default_rng(p.seed)
    pts = _patients(p, rng)

    # Admissions: 1 + Poisson, more for sicker patients; each in a random year.
    n_adm = 1 + rng.poisson(0.25 + 0.08 * pts["need"].to_numpy())
    idx = np.repeat(np.arange(len(pts)), n_adm)
    a = pts.iloc[idx].reset_index(drop=True)
    a["patient_key"] = idx + 1
    n_years = p.last_year - p.first_year + 1
    a["year"] = p.first_year + rng.integers(0, n_years, len(a))
    a["quarter"] = 1 + rng.integers(0, 4, len(a))
    a["age"] = np.clip(np.round(a["age0"] + (a["year"] - p.first_year)), 18, 100).astype(int)
    # Case-mix shift: before the shift year, fewer admissions of the oldest patients.
    before = a["year"] < p.shift_year
    thinned = rng.random(len(a)) > p.old_admissions_kept_before_shift
    drop = before & (a["age"] >= p.old_age) & thinned
    a = a.loc[~drop].reset_index(drop=True)
    n = len(a)
    after = (a["year"] >= p.shift_year).to_numpy()

    need = a["need"].to_numpy()
    age = a["age"].to_numpy()
    race = a["race_ethnicity"].to_numpy()
    payer = a["payer"].to_numpy()
    chf, copd, ckd = a["chf"].to_numpy(), a["copd"].to_numpy(), a["ckd"].to_numpy()
    male = (a["sex"] == "male").to_numpy()
    emergency = (rng.random(n) < 0.72).astype(int)
    acuity = rng.normal(0, 1, n) + 0.15 * (need - 2.5) + 0.3 * emergency
    sick = np.maximum(acuity, 0)

    # Vital signs; SaO2 is the truth, SpO2 what the oximeter shows. Respiratory
    # compromise (about a quarter of admissions) is where low saturations occur.
    resp = rng.random(n) < _sigmoid(-1.7 + 0.9 * copd + 0.5 * chf + 0.6 * sick)
    sao2 = np.where(resp, rng.normal(p.resp_sao2_mean, p.resp_sao2_sd, n),
                    rng.normal(96.5, 1.3, n))
    sao2 = np.round(np.clip(sao2, 65, 100), 1)  # as an arterial gas reports it
    bias = np.array([p.spo2_bias[r] for r in race])
    spo2 = np.clip(np.round(sao2 + bias + rng.normal(0, p.spo2_noise_sd, n)), 70, 100)
    heart_rate = np.round(80 + 9 * acuity + rng.normal(0, 10, n)).clip(35, 190)
    systolic = np.round(128 - 7 * sick + rng.normal(0, 18, n)).clip(60, 240)
    resp_rate = np.round(17 + 2.5 * sick + rng.normal(0, 2.5, n)).clip(8, 45)
    temperature = np.round(36.9 + 0.35 * sick + rng.normal(0, 0.45, n), 1).clip(34, 41.5)

    # Laboratory values.
    creatinine = np.exp(np.log(0.9) + 0.14 * male + 0.65 * ckd + 0.1 * acuity
                        + rng.normal(0, 0.22, n))
    sodium = np.round(139 - 1.2 * chf - 0.6 * sick + rng.normal(0, 3, n)).clip(110, 165)
    hemoglobin = (13.0 + 1.2 * male - 1.3 * ckd - 0.9 * a["cancer"].to_numpy()
                  + rng.normal(0, 1.5, n)).clip(4, 20)
    wbc = np.exp(np.log(8.0) + 0.15 * acuity + rng.normal(0, 0.3, n)).clip(0.5, 60)
    lactate = np.exp(np.log(1.2) + 0.3 * sick + rng.normal(0, 0.3, n)).clip(0.3, 20)
    lactate_measured = rng.random(n) < _sigmoid(-1.3 + 1.6 * acuity)
    diabetes = a["diabetes"].to_numpy()
    hba1c = (5.4 + 2.0 * diabetes + rng.normal(0, 0.5, n)
             + diabetes * np.abs(rng.normal(0, 1.0, n))).clip(4, 15)
    p_missing = np.array([p.hba1c_missing_by_payer[x] for x in payer])
    p_missing = np.where(diabetes == 1, p_missing * p.hba1c_missing_diabetes_factor, p_missing)
    hba1c_missing = rng.random(n) < p_missing

    # Prior use: poorer access means fewer visits and more emergency visits.
    poor_access = np.isin(payer, ["Medicaid", "Uninsured"]).astype(int)
    prior_adm = rng.poisson(0.15 + 0.12 * need)
    ed_visits = rng.poisson(0.3 + 0.1 * need + 0.6 * poor_access)

    # Outcomes during the stay.
    lp_det = (0.9 * sick + 0.15 * np.maximum(92 - sao2, 0) + 0.5 * np.log(lactate)
              + 0.02 * (age - 60) + 0.3 * chf)
    c_det = _solve_intercept(lp_det, p.deterioration_rate)
    deterioration = rng.random(n) < _sigmoid(lp_det + c_det)
    lp_die = (1.0 * sick + 0.15 * np.maximum(90 - sao2, 0) + 0.04 * (age - 60)
              + 0.5 * a["cancer"].to_numpy() + 0.4 * a["dementia"].to_numpy())
    died = rng.random(n) < _sigmoid(lp_die + _solve_intercept(lp_die, p.mortality_rate))
    deterioration = deterioration | died
    los = np.maximum(1, np.round(np.exp(np.log(3.0) + 0.25 * acuity + 0.05 * need
                                        + 0.04 * (age - 60) / 10 + 0.5 * deterioration
                                        + rng.normal(0, 0.5, n)))).astype(int)
    cost = np.round(los * 2700 * np.exp(rng.normal(0, 0.3, n)) + 4000 * deterioration, -1)

    # Discharge disposition (known only at discharge).
    u = rng.random(n)
    p_snf = _sigmoid(-4.0 + 0.06 * (age - 60) + 0.15 * los + 0.8 * a["dementia"].to_numpy())
    p_hh = 0.15 + 0.003 * (age - 60)
    p_hospice = 0.01 + 0.03 * a["cancer"].to_numpy()
    disposition = np.where(
        died, "died",
        np.where(u < p_hospice, "hospice",
                 np.where(u < p_hospice + p_snf, "skilled nursing facility",
                          np.where(u < p_hospice + p_snf + p_hh, "home health", "home"))))

    # 30-day readmission among those discharged alive (not to hospice).
    chf_effect = p.chf_readmission_log_odds + p.chf_readmission_change_after_shift * after
    lp_re = (0.18 * need + 0.3 * np.minimum(prior_adm, 4) + chf_effect * chf + 0.25 * copd
             + 0.2 * ckd + 0.3 * (payer == "Medicaid") + 0.004 * (a["adi"].to_numpy() - 50)
             + 0.04 * np.minimum(los, 20) + 0.15 * emergency)
    at_risk = ~died & (disposition != "hospice")
    c_re = _solve_intercept(lp_re[at_risk], p.readmission_rate)
    readmit = (rng.random(n) < _sigmoid(lp_re + c_re)) & at_risk

    # Next-year spending: driven by need, scaled down by poorer access (label bias).
    access = (np.array([p.spending_by_race[r] for r in race])
              * np.array([p.spending_by_payer[x] for x in payer]))
    spend = (p.spending_base_usd * np.exp(0.33 * need + rng.normal(0, p.spending_noise_sd, n))
             * access)
    spend = np.where(died, np.nan, np.round(spend, -1))

    order = np.lexsort((rng.random(n), a["quarter"].to_numpy(), a["year"].to_numpy()))
    admission_id = np.empty(n, dtype=int)
    admission_id[order] = np.arange(1, n + 1)

    def nan_if(values: np.ndarray, missing: np.ndarray, decimals: int) -> np.ndarray:
        return np.where(missing, np.nan, np.round(values, decimals))

    adm = pd.DataFrame({
        "admission_id": admission_id,
        "patient_key": a["patient_key"].to_numpy(),
        "admit_year": a["year"].to_numpy(),
        "admit_quarter": a["quarter"].to_numpy(),
        "age": age,
        "sex": a["sex"].to_numpy(),
        "race_ethnicity": race,
        "payer": payer,
        "adi_percentile": a["adi"].astype(int).to_numpy(),
        "emergency_admission": emergency,
        **{name: a[name].to_numpy() for name, *_rest, shown in CONDITIONS if shown},
        "n_chronic_conditions": need,
        "prior_admissions_12m": prior_adm,
        "ed_visits_12m": ed_visits,
        "heart_rate": heart_rate.astype(int),
        "systolic_bp": systolic.astype(int),
        "resp_rate": resp_rate.astype(int),
        "temperature_c": temperature,
        "spo2": spo2.astype(int),
        "creatinine_mg_dl": np.round(creatinine, 2),
        "sodium_mmol_l": sodium.astype(int),
        "hemoglobin_g_dl": np.round(hemoglobin, 1),
        "wbc_10e9_l": np.round(wbc, 1),
        "lactate_mmol_l": nan_if(lactate, ~lactate_measured, 1),
        "hba1c_last_year_pct": nan_if(hba1c, hba1c_missing, 1),
        "length_of_stay_days": los,
        "cost_of_stay_usd": cost.astype(int),
        "discharge_disposition": disposition,
        "deterioration": deterioration.astype(int),
        "died_in_hospital": died.astype(int),
        "readmitted_30d": np.where(at_risk, readmit.astype(float), np.nan),
        "cost_next_year_usd": spend,
    })
    truth = pd.DataFrame({
        "admission_id": admission_id,
        "sao2_true": sao2,
        "respiratory_compromise": resp.astype(int),
        "occult_hypoxemia": ((sao2 < 88) & (spo2 >= 92) & (spo2 <= 96)).astype(int),
        "lactate_true_mmol_l": np.round(lactate, 1),
        "hba1c_true_pct": np.round(hba1c, 1),
        "hba1c_missing_probability": np.round(p_missing, 3),
        "spending_access_multiplier": np.round(access, 3),
        "after_shift": after.astype(int),
        "acuity_latent": np.round(acuity, 3),
    })
    adm = adm.sort_values("admission_id").reset_index(drop=True)
    truth = truth.sort_values("admission_id").reset_index(drop=True)
    return adm, truth


def claims(admissions: pd.DataFrame, truth: pd.DataFrame,
           p: Parameters | None = None) -> pd.DataFrame:
    """The payer's claims summary of each admission: spending in the 12 months before it.

    A care-management algorithm sees a patient's past spending from insurance
    claims; a hospital's record does not hold it, so it ships in its own file,
    ``synthetic_claims.csv``. Past spending follows the next-year rule of
    :func:`generate`: base x e^(0.33 x conditions) x access (the same multiplier,
    so the same gap at equal need), times e^d, where the year's deviation d has
    correlation ``p.spending_persistence`` with the next year's. That persistence
    is what lets a cost score learn the access gap without race, and so be
    calibrated by race against cost while it under-rates need. Patients who died
    have no next year; their deviation is drawn afresh. ``admissions`` and
    ``truth`` are :func:`generate`'s output for the same ``p``; draws come from
    their own seeded stream, so the other files do not change.

    >>> adm, truth = generate(Parameters(n_patients=300, seed=1))
    >>> c = claims(adm, truth, Parameters(n_patients=300, seed=1))
    >>> list(c.columns), len(c) == len(adm), bool((c["spending_prior_12m_usd"] > 0).all())
    (['admission_id', 'spending_prior_12m_usd'], True, True)
    """
    if p is None:
        p = Parameters()
    elif not isinstance(p, Parameters):
        raise TypeError(f"p must be a Parameters instance or None, got {type(p).__name__}")
    for name, frame, columns in (
            ("admissions", admissions, ("admission_id", "n_chronic_conditions",
                                        "cost_next_year_usd")),
            ("truth", truth, ("admission_id", "spending_access_multiplier"))):
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{name} must be a DataFrame from generate(), got "
                            f"{type(frame).__name__}")
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks the column {missing[0]!r}; pass generate()'s output")
    if len(admissions) != len(truth) or not np.array_equal(
            admissions["admission_id"].to_numpy(), truth["admission_id"].to_numpy()):
        raise ValueError("admissions and truth must hold the same admissions in the same "
                         "order (generate()'s output for one Parameters)")
    need = admissions["n_chronic_conditions"].to_numpy(dtype=float)
    access = truth["spending_access_multiplier"].to_numpy(dtype=float)
    if not (np.isfinite(access).all() and (access > 0).all()):
        raise ValueError("truth column 'spending_access_multiplier' must be positive and finite")
    expected = p.spending_base_usd * np.exp(0.33 * need) * access
    rng = np.random.default_rng([p.seed, 2])  # a stream of its own: generate() is unchanged
    fresh = rng.normal(0, p.spending_noise_sd, len(need))
    independent = rng.normal(0, p.spending_noise_sd, len(need))
    with np.errstate(divide="ignore", invalid="ignore"):
        next_dev = np.log(admissions["cost_next_year_usd"].to_numpy(dtype=float) / expected)
    next_dev = np.where(np.isfinite(next_dev), next_dev, fresh)
    rho = p.spending_persistence
    prior_dev = rho * next_dev + math.sqrt(1 - rho**2) * independent
    return pd.DataFrame({
        "admission_id": admissions["admission_id"].to_numpy(),
        "spending_prior_12m_usd": np.round(expected * np.exp(prior_dev), -1).astype(np.int64),
    })


# --------------------------------------------------------------------------
# A vendor's readmission score on each patient's first admission (synthetic_predictions.csv)

#: Intercept of the FICTIONAL vendor's score: the log-odds for a 50-year-old with every
#: other term zero.
VENDOR_INTERCEPT = -2.55
#: The FICTIONAL vendor's published 30-day readmission score, a logistic model "developed at
#: other hospitals": (term, coefficient per unit, the unit). The coefficients were chosen by
#: hand, not fitted to this cohort; race and ethnicity (and payer) are not in it.
VENDOR_SCORE = (
    ("age", 0.06, "per 10 years of age above 50 (below 50 lowers the score)"),
    ("prior_admissions_12m", 0.30, "per admission in the past 12 months, counted up to 4"),
    ("ed_visits_12m", 0.10, "per emergency visit in the past 12 months, counted up to 4"),
    ("n_chronic_conditions", 0.15, "per chronic condition (0-10)"),
    ("emergency_admission", 0.25, "admitted through the emergency department"),
    ("chf", 0.45, "heart failure"),
    ("copd", 0.25, "COPD"),
    ("discharge_disposition", 0.35, "discharged to a skilled nursing facility"),
    ("length_of_stay_days", 0.05, "per day in hospital, counted up to 14"),
)
#: Columns of :func:`vendor_predictions`, in order.
PREDICTION_COLUMNS = ("patient_id", "admission_date", "age_band", "sex", "race_ethnicity",
                      "payer", "readmitted_30d", "predicted_risk")
#: Discharges after which a 30-day readmission is undefined, so the vendor does not score them.
NOT_AT_RISK = ("died", "hospice")
_MAX_SHOWN = 5


def _rows_at(index: pd.Index, mask: np.ndarray, values: np.ndarray | None = None) -> str:
    """'row 3 (nan), row 7 ('x') and 4 more': the rows of ``mask``, at most five shown."""
    where = np.flatnonzero(mask)
    parts = [f"row {index[i]}" + ("" if values is None else f" ({_plain(values[i])!r})")
             for i in where[:_MAX_SHOWN]]
    rest = len(where) - _MAX_SHOWN
    return ", ".join(parts) + (f" and {rest} more" if rest > 0 else "")


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _vendor_inputs(admissions: object) -> pd.DataFrame:
    """``admissions`` checked for what :func:`vendor_predictions` needs; one clear error."""
    if not isinstance(admissions, pd.DataFrame):
        raise TypeError("admissions must be a DataFrame from generate() or "
                        f"datasets.load_admissions(), got {type(admissions).__name__}")
    counts = ("prior_admissions_12m", "ed_visits_12m", "n_chronic_conditions",
              "length_of_stay_days")
    flags = ("emergency_admission", "chf", "copd")
    labels = ("sex", "race_ethnicity", "payer", "discharge_disposition")
    whole = ("admission_id", "patient_key", "admit_year", "admit_quarter", "age")
    needed = (*whole, *labels, *counts, *flags, "readmitted_30d")
    missing = [c for c in needed if c not in admissions.columns]
    if missing:
        raise ValueError(f"admissions lacks the column{'s' * (len(missing) > 1)} "
                         f"{', '.join(map(repr, missing))}; pass generate()'s output or "
                         "datasets.load_admissions()")
    if admissions.empty:
        raise ValueError("admissions is empty: there are no admissions to score")
    index = admissions.index
    for name in needed:
        values = admissions[name]
        absent = values.isna().to_numpy()
        if name != "readmitted_30d" and absent.any():
            raise ValueError(f"admissions column {name!r} has missing values at "
                             f"{_rows_at(index, absent)}")
        if name in labels:
            continue
        number = pd.to_numeric(values.astype(object), errors="coerce").to_numpy(dtype=float)
        raw = values.to_numpy(dtype=object)
        bad = (~np.isfinite(number) & ~absent) if name != "readmitted_30d" else (
            np.isnan(number) & ~absent)
        if bad.any():
            raise ValueError(f"admissions column {name!r} must hold numbers; found "
                             f"{_rows_at(index, bad, raw)}")
        if name in flags or name == "readmitted_30d":
            wrong = ~np.isin(number, (0.0, 1.0)) & ~absent
            rule = "0 or 1"
        elif name == "admit_quarter":
            wrong, rule = ~np.isin(number, (1.0, 2.0, 3.0, 4.0)), "1, 2, 3 or 4"
        else:
            wrong, rule = (number < 0) | (number % 1 != 0), "whole numbers of at least 0"
        if wrong.any():
            raise ValueError(f"admissions column {name!r} must be {rule}; found "
                             f"{_rows_at(index, wrong, raw)}")
    ids = admissions["admission_id"]
    twice = ids.duplicated(keep=False).to_numpy()
    if twice.any():
        raise ValueError("admissions column 'admission_id' must name each admission once; "
                         f"repeated at {_rows_at(index, twice, ids.to_numpy())}")
    return admissions


def vendor_predictions(admissions: pd.DataFrame) -> pd.DataFrame:
    """A FICTIONAL vendor's 30-day readmission risk on each patient's first admission.

    The score is a logistic model with the fixed coefficients of
    :data:`VENDOR_SCORE` and :data:`VENDOR_INTERCEPT`, as a vendor would publish
    them; it was not fitted to this cohort, so on it the score ranks patients
    modestly and over-predicts on average, as an imported score often does. It
    uses no race, ethnicity or payer. Each patient's first admission (lowest
    ``admission_id``, which is also the earliest) gives one row; a patient whose
    first admission ended in death or discharge to hospice (:data:`NOT_AT_RISK`)
    has no 30-day readmission to predict and is left out, as the vendor would
    not score them; every other first admission must have a 0/1 outcome. The
    cohort records only the year and quarter, so ``admission_date`` is a
    synthetic day: the quarter's admissions (in ``admissions``) are spread evenly
    over its days in ``admission_id`` order. Nothing is drawn at random.

    >>> adm, _ = generate(Parameters(n_patients=300, seed=1))
    >>> pred = vendor_predictions(adm)
    >>> list(pred.columns) == list(PREDICTION_COLUMNS), bool(pred["patient_id"].is_unique)
    (True, True)
    >>> bool(pred["predicted_risk"].between(0, 1, inclusive="neither").all())
    True
    """
    from labkit.audit import age_band  # imports scipy: only when scoring

    adm = _vendor_inputs(admissions).sort_values("admission_id", kind="stable")
    year = adm["admit_year"].to_numpy(dtype=np.int64)
    quarter = adm["admit_quarter"].to_numpy(dtype=np.int64)
    periods = pd.PeriodIndex.from_fields(year=year, quarter=quarter, freq="Q")
    days = ((periods.end_time.normalize() - periods.start_time).days + 1).to_numpy()
    slot = pd.Series(np.arange(len(adm))).groupby([year, quarter])
    rank = slot.cumcount().to_numpy()  # admissions are sorted, so this is admission_id order
    size = slot.transform("size").to_numpy()
    date = periods.start_time + pd.to_timedelta(rank * days // size, unit="D")

    first = ~adm["patient_key"].duplicated().to_numpy()
    at_risk = ~adm["discharge_disposition"].astype(object).isin(NOT_AT_RISK).to_numpy()
    keep = first & at_risk
    outcome = adm["readmitted_30d"].to_numpy(dtype=object)
    unknown = keep & adm["readmitted_30d"].isna().to_numpy()
    if unknown.any():
        raise ValueError("admissions column 'readmitted_30d' is missing for first admissions "
                         f"that ended in neither death nor hospice: {_rows_at(adm.index, unknown)}")
    rows = adm.loc[keep]

    def capped(name: str, cap: float) -> np.ndarray:
        return np.minimum(rows[name].to_numpy(dtype=float), cap)

    terms = {
        "age": (rows["age"].to_numpy(dtype=float) - 50) / 10,
        "prior_admissions_12m": capped("prior_admissions_12m", 4),
        "ed_visits_12m": capped("ed_visits_12m", 4),
        "n_chronic_conditions": rows["n_chronic_conditions"].to_numpy(dtype=float),
        "emergency_admission": rows["emergency_admission"].to_numpy(dtype=float),
        "chf": rows["chf"].to_numpy(dtype=float),
        "copd": rows["copd"].to_numpy(dtype=float),
        "discharge_disposition": (rows["discharge_disposition"].astype(object)
                                  == "skilled nursing facility").to_numpy(dtype=float),
        "length_of_stay_days": capped("length_of_stay_days", 14),
    }
    log_odds = VENDOR_INTERCEPT + sum(coef * terms[name] for name, coef, _unit in VENDOR_SCORE)
    return pd.DataFrame({
        "patient_id": [f"P{key:06d}" for key in rows["patient_key"].to_numpy(dtype=np.int64)],
        "admission_date": date[keep],
        "age_band": age_band(rows["age"].reset_index(drop=True)).astype(object).to_numpy(),
        "sex": rows["sex"].to_numpy(dtype=object),
        "race_ethnicity": rows["race_ethnicity"].to_numpy(dtype=object),
        "payer": rows["payer"].to_numpy(dtype=object),
        "readmitted_30d": outcome[keep].astype(float).astype(np.int64),
        "predicted_risk": np.round(_sigmoid(log_odds), 4),
    })


# --------------------------------------------------------------------------
# A vendor's fitted readmission model (vendor_readmission_model.skops), for Lab 10

#: The FICTIONAL vendor's development hospital: a SYNTHETIC cohort of another seed and
#: other years (2014-2018), with a higher readmission rate (21%), fewer Black and
#: Hispanic patients, no geriatric service (admissions aged 75 and over stay thinned:
#: the shift year is never reached) and no transitional-care programme for heart failure.
VENDOR_DEVELOPMENT = Parameters(
    name="synthetic_vendor_development_hospital", seed=20140101, n_patients=20_000,
    first_year=2014, last_year=2018, shift_year=2100, readmission_rate=0.21,
    race_shares=(0.82, 0.05, 0.05, 0.05, 0.005, 0.025))
#: The vendor model's inputs: recorded by discharge; no race, ethnicity, payer or area
#: deprivation. No input has more distinct values than the model has bins (255), so every
#: split falls between two recorded values and shap's interventional TreeExplainer adds up.
VENDOR_NUMERIC = ("age", "emergency_admission", "chf", "copd", "ckd", "diabetes", "cancer",
                  "dementia", "n_chronic_conditions", "prior_admissions_12m", "ed_visits_12m",
                  "length_of_stay_days", "hemoglobin_g_dl", "sodium_mmol_l")
VENDOR_CATEGORICAL = ("sex", "discharge_disposition")
#: The date every entry of the model file carries (the zip format's earliest), so that the
#: file's bytes do not depend on when it was written.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def vendor_development_cohort() -> pd.DataFrame:
    """The FICTIONAL development hospital's admissions that have a 30-day outcome
    (SYNTHETIC, :data:`VENDOR_DEVELOPMENT`): what the vendor trained and "validated" on.

    >>> dev = vendor_development_cohort()
    >>> bool(dev["readmitted_30d"].notna().all()), int(dev["admit_year"].max())
    (True, 2018)
    """
    admissions, _ = generate(VENDOR_DEVELOPMENT)
    return admissions[admissions["readmitted_30d"].notna()].reset_index(drop=True)


def vendor_model() -> object:
    """The FICTIONAL vendor's 30-day readmission model, fitted on
    :func:`vendor_development_cohort`: the inputs :data:`VENDOR_NUMERIC` passed through
    and :data:`VENDOR_CATEGORICAL` one-hot encoded, then a gradient-boosted classifier
    with many trees and no early stopping (it fits its development data closely).

    >>> model = vendor_model()
    >>> list(model.feature_names_in_) == [*VENDOR_NUMERIC, *VENDOR_CATEGORICAL]
    True
    """
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder
    from threadpoolctl import threadpool_limits

    dev = vendor_development_cohort()
    columns = [*VENDOR_NUMERIC, *VENDOR_CATEGORICAL]
    prep = make_column_transformer(
        ("passthrough", list(VENDOR_NUMERIC)),
        (OneHotEncoder(handle_unknown="ignore", sparse_output=False), list(VENDOR_CATEGORICAL)),
        verbose_feature_names_out=False)
    clf = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.1, max_depth=6,
                                         max_leaf_nodes=31, early_stopping=False,
                                         random_state=0)
    X = dev[columns].copy()
    for name in VENDOR_CATEGORICAL:
        X[name] = X[name].astype(object)
    # One OpenMP thread: the fitted model records how many threads it was fitted with, and
    # the file must not depend on the machine that writes it.
    with threadpool_limits(limits=1, user_api="openmp"):
        return make_pipeline(prep, clf).fit(X, dev["readmitted_30d"].astype(int))


def _canonical_skops(data: bytes) -> bytes:
    """``data`` (a skops file) with reproducible bytes: every object id renumbered in the
    order the schema names it, the arrays' files renamed to match, the entries sorted and
    dated :data:`_ZIP_DATE`.

    skops names each object, and each array's file, by the object's memory address, and
    dates each zip entry with the current time; neither changes what is loaded.
    """
    import io
    import json
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as source:
        files = {info.filename: source.read(info) for info in source.infolist()}
    schema = json.loads(files.pop("schema.json"))
    ids: dict[int, int] = {}
    names: dict[str, str] = {}

    def new_id(old: int) -> int:
        return ids.setdefault(old, len(ids) + 1)

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("__id__"), int):
                node["__id__"] = new_id(node["__id__"])
            name = node.get("file")
            if isinstance(name, str) and name in files:
                if name not in names:
                    stem, _, suffix = name.rpartition(".")
                    number = new_id(int(stem)) if stem.isdigit() else len(names) + 1
                    names[name] = f"{number}.{suffix}"
                node["file"] = names[name]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    if set(names) != set(files):
        raise ValueError("the skops file holds entries its schema does not name: "
                         f"{sorted(set(files) - set(names))[:3]}")
    entries = {names[name]: content for name, content in files.items()}
    entries["schema.json"] = json.dumps(schema, indent=2).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the machine that writes it
            info.external_attr = 0o644 << 16
            target.writestr(info, entries[name], compresslevel=9)
    return out.getvalue()


def vendor_model_bytes(model: object | None = None) -> bytes:
    """``model`` (default :func:`vendor_model`) as a skops file, byte for byte the same
    on every run: ``datasets/vendor_readmission_model.skops``. Saved with ``skops.io``,
    never pickle, so that loading it runs no code the reader has not trusted.

    >>> import copy, skops.io as sio
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> dev = vendor_development_cohort()
    >>> small = HistGradientBoostingClassifier(max_iter=3).fit(
    ...     dev[["age", "chf"]], dev["readmitted_30d"].astype(int))
    >>> data = vendor_model_bytes(small)  # the same bytes for a copy at other addresses:
    >>> data == vendor_model_bytes(copy.deepcopy(small)), sio.get_untrusted_types(data=data)
    (True, ['sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor'])
    """
    import skops.io as sio

    if model is None:
        model = vendor_model()
    if not (hasattr(model, "predict_proba") and hasattr(model, "feature_names_in_")):
        raise TypeError("model must be a fitted scikit-learn classifier with "
                        f"feature_names_in_ (fitted on a DataFrame), got {type(model).__name__}")
    data = _canonical_skops(sio.dumps(model))
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    probe = vendor_development_cohort().head(200)[list(model.feature_names_in_)]
    if not np.array_equal(loaded.predict_proba(probe), model.predict_proba(probe)):
        raise ValueError("the rewritten skops file does not load as the same model")
    return data


# --- Lab 11: a FICTIONAL chatbot's answers, rated by two SYNTHETIC clinicians ------

#: The seed of the raters' verdicts. Chosen among seeds 1-3,000 so that both versions
#: show the same observed agreement between the raters while kappa differs (kappa's
#: prevalence paradox); datasets/synthetic_chatbot_answers.md says so.
CHATBOT_SEED = 1408
#: The chance that a rater calls a correct answer "not acceptable" (a false alarm).
RATER_FALSE_ALARM = 0.05
#: The chance that a rater calls a wrong answer "not acceptable", by its error class:
#: a missing caveat is easy to overlook, a dangerous instruction hard to miss.
RATER_DETECTION = {"omission": 0.50, "outdated": 0.80, "fabrication": 0.85, "unsafe": 0.95}
CHATBOT_COLUMNS = ("question_id", "topic", "question", "version", "answer", "rater_1",
                   "rater_2", "error_class")


def chatbot_answers(seed: int = CHATBOT_SEED) -> pd.DataFrame:
    """A FICTIONAL chatbot's answers (two versions) with two SYNTHETIC raters' verdicts.

    One row per question of :data:`labkit.chatbot_items.ITEMS` and version (v1, then
    v2), numbered in the items' order. The answer text and its adjudicated
    ``error_class`` are hand-written; only the raters' verdicts are drawn. Each rater
    judges each answer independently: 1 (acceptable) unless a uniform draw falls below
    the chance of flagging it, :data:`RATER_FALSE_ALARM` for a correct answer and
    :data:`RATER_DETECTION` of its class for a wrong one. Draws come from
    ``numpy.random.default_rng(seed)``, two per row (rater 1, then rater 2) in row
    order, so a seed gives the same file on every machine.

    >>> df = chatbot_answers()
    >>> df.shape, list(df["version"].unique())
    ((140, 8), ['v1', 'v2'])
    >>> int((df["error_class"] == "none").sum())
    116
    """
    from labkit.chatbot_items import ITEMS, VERSIONS

    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a whole number, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    rng = np.random.default_rng(seed)
    rows = []
    for number, item in enumerate(ITEMS, start=1):
        for version in VERSIONS:
            answer = getattr(item, version)
            flag = (RATER_FALSE_ALARM if answer.error_class == "none"
                    else RATER_DETECTION[answer.error_class])
            verdict = (rng.random(2) >= flag).astype(np.int64)  # 1 = acceptable
            rows.append((number, item.topic, item.question, version, answer.text,
                         int(verdict[0]), int(verdict[1]), answer.error_class))
    return pd.DataFrame(rows, columns=list(CHATBOT_COLUMNS))
