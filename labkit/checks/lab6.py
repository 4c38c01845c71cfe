"""Checks for Lab 6 - Race in a clinical equation: eGFR.

Each check recomputes the exercise's answer from the shipped SYNTHETIC
admissions (each patient's first admission) and the published CKD-EPI
equations in :mod:`labkit.kidney` (tested against the published constants in
``tests/test_kidney.py``); nothing the learner computed is taken as the truth.

>>> from labkit.checks import lab6
>>> lab6.by_hand(..., 30).passed
✘ Exercise 6.1 - not yet: replace each ... with your answer.
False
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit import kidney
from labkit.checks import Feedback, as_number, decimals, feedback, frame_problem, judge, unanswered
from labkit.checks.state import lab_state

__all__ = ["HAND_PATIENT", "THRESHOLDS", "GROUPS", "transplant_case", "by_hand",
           "patients_frame", "reclassification", "newly_below", "waiting_time"]

#: Exercise 6.1's patient: a 62-year-old Black woman with serum creatinine 1.9 mg/dL.
HAND_PATIENT = {"creatinine_mg_dl": 1.9, "age": 62, "sex": "female", "black": True}
#: Exercise 6.4's decision thresholds (mL/min/1.73 m2): name -> (value, inclusive).
THRESHOLDS = {"below_45": (45.0, False), "below_30": (30.0, False),
              "at_or_below_20": (20.0, True)}
GROUPS = ("Black", "non-Black")
CHANGES = ("more advanced", "same", "less advanced")
STAGE_COLUMNS = ("patient_key", "egfr_2009", "egfr_2021", "stage_2009", "stage_2021")


def transplant_case() -> pd.DataFrame:
    """Exercise 6.5's SYNTHETIC patient: a Black man's creatinine results, one a quarter.

    >>> transplant_case().columns.tolist()
    ['date', 'age', 'creatinine_mg_dl']
    """
    dates = pd.to_datetime([f"{y}-{m:02d}-10" for y in range(2018, 2022) for m in (1, 4, 7, 10)])
    creatinine = [2.6, 2.8, 3.0, 3.2, 3.4, 3.6, 3.6, 3.6, 3.6, 3.6, 3.8, 3.8, 4.1, 4.5, 5.0,
                  5.6]
    age = [55 + d.year - 2018 - (1 if d.month < 7 else 0) for d in dates]  # born July 1962
    return pd.DataFrame({"date": dates, "age": age, "creatinine_mg_dl": creatinine})


@dataclass(frozen=True)
class _Reference:
    patients: pd.DataFrame  # first admission of each patient, with both eGFRs and stages
    last: pd.DataFrame  # last admission of each patient, the same columns


def _with_egfr(rows: pd.DataFrame) -> pd.DataFrame:
    black = rows["race_ethnicity"] == "Black"
    out = rows[["patient_key", "race_ethnicity", "age", "sex", "creatinine_mg_dl"]].copy()
    out["black"] = black.to_numpy()
    out["group"] = np.where(black, "Black", "non-Black")
    out["egfr_2009"] = kidney.egfr_ckd_epi_2009(rows["creatinine_mg_dl"], rows["age"],
                                                rows["sex"], black)
    out["egfr_2021"] = kidney.egfr_ckd_epi_2021(rows["creatinine_mg_dl"], rows["age"], rows["sex"])
    return out.set_index("patient_key")


def _reference() -> _Reference:
    state = lab_state()

    def build() -> _Reference:
        cohort = state.cohort.sort_values("admission_id")
        first = cohort.drop_duplicates("patient_key", keep="first")
        last = cohort.drop_duplicates("patient_key", keep="last")
        return _Reference(_with_egfr(first), _with_egfr(last))

    return state.memo("lab6.reference", build)


# -- Exercise 6.1 -------------------------------------------------------------------------

def by_hand(egfr_2009_by_hand: object, egfr_2021_by_hand: object) -> Feedback:
    """Exercise 6.1: HAND_PATIENT's eGFR by both equations, by hand (a whole number is fine)."""
    if unanswered(egfr_2009_by_hand, egfr_2021_by_hand):
        return feedback("6.1", False, "replace each ... with your answer.")
    p = HAND_PATIENT
    scr, age, sex = p["creatinine_mg_dl"], p["age"], p["sex"]
    e09 = float(kidney.egfr_ckd_epi_2009(scr, age, sex, True))
    e21 = float(kidney.egfr_ckd_epi_2021(scr, age, sex))
    male_09 = float(kidney.egfr_ckd_epi_2009(scr, age, "male", True))
    male_21 = float(kidney.egfr_ckd_epi_2021(scr, age, "male"))
    ratio = scr / 0.7
    if as_number(egfr_2009_by_hand) is not None and as_number(egfr_2021_by_hand) is not None:
        a, b = float(egfr_2009_by_hand), float(egfr_2021_by_hand)  # type: ignore[arg-type]
        if abs(a - e21) <= 0.5 and abs(b - e09) <= 0.5 and abs(a - b) > 1:
            return feedback("6.1", False, "the two values are swapped: the 2009 equation, with "
                            "its race term, gives the higher value for this patient.")
    slips_09 = [
        (e09 / 1.159, "egfr_2009_by_hand leaves out the race term: the 2009 equation multiplies "
                      "by 1.159 for a patient recorded as Black."),
        (e09 / 1.018, "egfr_2009_by_hand leaves out the factor 1.018 for a woman."),
        (male_09, "egfr_2009_by_hand uses the men's constants (kappa 0.9, alpha -0.411) and no "
                  "1.018; she is a woman: kappa 0.7, alpha -0.329, x 1.018."),
        (e09 / ratio ** -1.209 * ratio ** -0.329,
         "creatinine 1.9 is above kappa = 0.7, so min(Scr/kappa, 1) is 1 and the exponent that "
         "applies is -1.209 on max(Scr/kappa, 1), not alpha."),
        (e09 / 0.993 ** age, "egfr_2009_by_hand leaves out the age term 0.993^62."),
    ]
    slips_21 = [
        (e21 * 1.159, "egfr_2021_by_hand multiplies by 1.159: the 2021 equation has no race "
                      "term."),
        (e21 / 1.012, "egfr_2021_by_hand leaves out the factor 1.012 for a woman."),
        (male_21, "egfr_2021_by_hand uses the men's constants (kappa 0.9, alpha -0.302); she is "
                  "a woman: kappa 0.7, alpha -0.241, x 1.012."),
        (e21 / ratio ** -1.2 * ratio ** -0.241,
         "creatinine 1.9 is above kappa = 0.7, so the exponent that applies is -1.200 on "
         "max(Scr/kappa, 1), not alpha."),
        (e21 / 0.9938 ** age * 0.993 ** age, "egfr_2021_by_hand uses the 2009 age term 0.993; "
                                             "the 2021 equation has 0.9938^age."),
        (e21 / 0.9938 ** age, "egfr_2021_by_hand leaves out the age term 0.9938^62."),
    ]
    for value, expected, name, slips in ((egfr_2009_by_hand, e09, "egfr_2009_by_hand", slips_09),
                                         (egfr_2021_by_hand, e21, "egfr_2021_by_hand", slips_21)):
        # A hand calculation with rounded factors lands within a few tenths; a whole number
        # (as laboratories report eGFR) counts when it is the answer rounded.
        problem = judge(value, expected, name=name, tol=0.3, min_decimals=0, slips=slips,
                        otherwise=f"{name} does not match the equation for this patient: "
                                  "recompute each factor (Scr/kappa, the exponent, the age term, "
                                  "the sex and race factors).")
        if problem:
            return feedback("6.1", False, problem)
    return feedback("6.1", True, "the race term lifts her eGFR from one side of 30 to the other: "
                    "under the 2021 equation she qualifies for a nephrology referral and "
                    "metformin is contraindicated." if e21 < 30 <= e09 else
                    "both values match the published equations.")


# -- Exercise 6.2 -------------------------------------------------------------------------

def _numbers_match(got: pd.Series, want: pd.Series) -> bool:
    """Equal up to floating point, or rounded by the learner (to the places shown)."""
    try:
        g = pd.to_numeric(got, errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError):
        return False
    w = want.to_numpy(dtype=float)
    if np.isnan(g).any():
        return False
    if np.allclose(g, w, rtol=1e-7, atol=1e-9):
        return True
    sample = g[: min(len(g), 200)]
    places = max(decimals(float(v)) for v in sample)
    return places <= 3 and bool(np.all(np.abs(g - w) <= 0.5 * 10.0**-places + 1e-9))


def patients_frame(patients: object) -> Feedback:
    """Exercise 6.2: one row per patient (first admission), both eGFRs and both stages."""
    if unanswered(patients):
        return feedback("6.2", False, "replace ... with your patients DataFrame.")
    problem = frame_problem(patients, "patients", columns=STAGE_COLUMNS)
    if problem:
        return feedback("6.2", False, problem)
    assert isinstance(patients, pd.DataFrame)
    ref = _reference()
    keys = patients["patient_key"]
    repeated = int(keys.duplicated().sum())
    if repeated:
        return feedback("6.2", False, f"patients holds {repeated} patients more than once: keep "
                        "one row per patient, their first admission "
                        "(cohort.drop_duplicates('patient_key')).")
    missing = len(set(ref.patients.index) - set(keys))
    extra = len(set(keys) - set(ref.patients.index))
    if missing or extra:
        return feedback("6.2", False, f"patients should hold every patient of the cohort once "
                        f"({len(ref.patients)}); {missing} are missing and {extra} are not in "
                        "the cohort.")
    mine = patients.set_index("patient_key")
    want = ref.patients.loc[mine.index]
    last = ref.last.loc[mine.index]
    e09, e21 = mine["egfr_2009"], mine["egfr_2021"]
    if _numbers_match(e21, last["egfr_2021"]) and not _numbers_match(e21, want["egfr_2021"]):
        return feedback("6.2", False, "those are each patient's LAST admission; keep the first "
                        "(drop_duplicates keeps the first row, and the file is in date order).")
    if _numbers_match(e09, want["egfr_2021"]) and _numbers_match(e21, want["egfr_2009"]):
        return feedback("6.2", False, "egfr_2009 and egfr_2021 hold each other's values.")
    if not _numbers_match(e21, want["egfr_2021"]):
        if _numbers_match(e21, want["egfr_2009"]):
            return feedback("6.2", False, "egfr_2021 holds the 2009 equation's values; use "
                            "kidney.egfr_ckd_epi_2021.")
        return feedback("6.2", False, "egfr_2021 does not match the 2021 equation for these "
                        "patients: pass creatinine_mg_dl, age and sex of each patient's first "
                        "admission, in that order.")
    no_race = want["egfr_2009"] / np.where(want["black"], 1.159, 1.0)
    if not _numbers_match(e09, want["egfr_2009"]):
        if _numbers_match(e09, no_race):
            return feedback("6.2", False, "egfr_2009 has no race term for anyone: pass "
                            "black = patients['race_ethnicity'] == 'Black'.")
        if _numbers_match(e09, no_race * 1.159):
            return feedback("6.2", False, "egfr_2009 applies the race term to every patient; "
                            "black should be True only where race_ethnicity is 'Black'.")
        return feedback("6.2", False, "egfr_2009 does not match the 2009 equation for these "
                        "patients: pass creatinine_mg_dl, age, sex and black, in that order.")
    for col, egfr in (("stage_2009", "egfr_2009"), ("stage_2021", "egfr_2021")):
        got = mine[col].astype(str).to_numpy()
        exact = kidney.ckd_stage(want[egfr].to_numpy())
        reported = kidney.ckd_stage(want[egfr].round().to_numpy())  # as a laboratory reports it
        if (got == exact).all() or (got == reported).all():
            continue
        other = "egfr_2021" if egfr == "egfr_2009" else "egfr_2009"
        if (got == kidney.ckd_stage(want[other].to_numpy())).all():
            return feedback("6.2", False, f"{col} is the stage of {other}; use "
                            f"kidney.ckd_stage(patients['{egfr}']).")
        return feedback("6.2", False, f"{col} does not match kidney.ckd_stage(patients['{egfr}']).")
    black = want["black"]
    up = float((want["egfr_2021"][black] < want["egfr_2009"][black]).mean())
    return feedback("6.2", True, f"{len(mine)} patients, both equations and stages; the 2021 "
                    f"equation gives a lower eGFR for {up:.0%} of Black patients.")


# -- Exercise 6.3 -------------------------------------------------------------------------

def _changes() -> pd.DataFrame:
    """Count of patients by group and direction of stage change (2009 -> 2021)."""
    p = _reference().patients
    s09 = kidney.STAGES
    code09 = p["egfr_2009"].map(lambda e: s09.index(kidney.ckd_stage(e)))
    code21 = p["egfr_2021"].map(lambda e: s09.index(kidney.ckd_stage(e)))
    change = np.select([code21 > code09, code21 < code09], ["more advanced", "less advanced"],
                       "same")
    counts = pd.crosstab(p["group"].to_numpy(), change).reindex(index=list(GROUPS),
                                                                columns=list(CHANGES),
                                                                fill_value=0)
    return counts.astype(float)


def _table_matches(got: pd.DataFrame, want: pd.DataFrame, tol: float = 1e-9) -> bool:
    try:
        g = got.loc[list(want.index), list(want.columns)].to_numpy(dtype=float)
    except (KeyError, TypeError, ValueError):
        return False
    w = want.to_numpy(dtype=float)
    if np.isnan(g).any():
        return False
    if np.allclose(g, w, rtol=0, atol=tol):
        return True
    places = max(decimals(float(v)) for v in g.ravel())
    return 2 <= places <= 4 and bool(np.all(np.abs(g - w) <= 0.5 * 10.0**-places + 1e-12))


def reclassification(moved: object) -> Feedback:
    """Exercise 6.3: by group, the share of patients whose stage is more advanced, the same or
    less advanced under the 2021 equation than under the 2009 equation."""
    if unanswered(moved):
        return feedback("6.3", False, "replace ... with your table.")
    problem = frame_problem(moved, "moved", columns=CHANGES)
    if problem:
        return feedback("6.3", False, problem + " Name the changes 'more advanced', 'same' and "
                        "'less advanced'.")
    assert isinstance(moved, pd.DataFrame)
    index = {str(i) for i in moved.index if str(i) != "All"}
    if index != set(GROUPS):
        return feedback("6.3", False, f"moved should have one row per group, {list(GROUPS)}; "
                        f"got {sorted(index)}. Use pd.crosstab(patients['group'], change, ...).")
    moved = moved.rename(index=str)
    counts = _changes()
    by_row = counts.div(counts.sum(axis=1), axis=0)
    if _table_matches(moved, by_row):
        black = by_row.loc["Black"]
        other = by_row.loc["non-Black"]
        return feedback("6.3", True, f"the 2021 equation moves {black['more advanced']:.1%} of "
                        f"Black patients to a more advanced stage and {other['less advanced']:.1%}"
                        " of non-Black patients to a less advanced one.")
    swapped = by_row.rename(columns={"more advanced": "less advanced",
                                     "less advanced": "more advanced"})
    if _table_matches(moved, swapped):
        return feedback("6.3", False, "the directions are reversed: G5 is the most advanced "
                        "stage, so stage_2021 > stage_2009 means 'more advanced'.")
    if _table_matches(moved, counts):
        return feedback("6.3", False, "those are counts; give each group's shares with "
                        "normalize='index' (each row sums to 1).")
    if _table_matches(moved, counts.div(counts.sum(axis=0), axis=1)):
        return feedback("6.3", False, "each column sums to 1; the shares should be within each "
                        "group, so each row sums to 1: normalize='index'.")
    if _table_matches(moved, counts / counts.to_numpy().sum()):
        return feedback("6.3", False, "those are shares of all patients; give each group's "
                        "shares with normalize='index' (each row sums to 1).")
    return feedback("6.3", False, "moved does not match the shares by group: compare "
                    "patients['stage_2021'] with patients['stage_2009'] for every patient, then "
                    "pd.crosstab(patients['group'], change, normalize='index').")


# -- Exercise 6.4 -------------------------------------------------------------------------

def _below(egfr: pd.Series, value: float, inclusive: bool) -> pd.Series:
    return egfr <= value if inclusive else egfr < value


def _crossing(newly: bool = True, swap: bool = False, flip_inclusive: bool = False,
              count: bool = False) -> pd.DataFrame:
    p = _reference().patients
    a, b = ("egfr_2009", "egfr_2021") if swap else ("egfr_2021", "egfr_2009")
    out = {}
    for name, (value, inclusive) in THRESHOLDS.items():
        inc = not inclusive if flip_inclusive else inclusive
        under = _below(p[a], value, inc)
        if newly:
            under = under & ~_below(p[b], value, inc)
        grouped = under.groupby(p["group"].to_numpy())
        out[name] = grouped.sum() if count else grouped.mean()
    return pd.DataFrame(out).reindex(list(GROUPS)).astype(float)


def newly_below(newly_below: object) -> Feedback:
    """Exercise 6.4: by group, the share of patients under each threshold by the 2021 equation
    but not by the 2009 equation."""
    if unanswered(newly_below):
        return feedback("6.4", False, "replace ... with your table.")
    problem = frame_problem(newly_below, "newly_below", columns=list(THRESHOLDS))
    if problem:
        return feedback("6.4", False, problem)
    assert isinstance(newly_below, pd.DataFrame)
    table = newly_below.rename(index=str)
    if set(table.index) != set(GROUPS):
        return feedback("6.4", False, f"newly_below should have one row per group, "
                        f"{list(GROUPS)}; got {sorted(table.index)}. Group by patients['group'].")
    right = _crossing()
    if _table_matches(table, right):
        black, other = right.loc["Black"], right.loc["non-Black"]
        return feedback("6.4", True, f"{black['below_30']:.1%} of Black patients newly fall "
                        "below 30 (nephrology referral; metformin contraindicated) and "
                        f"{black['below_45']:.1%} below 45; of non-Black patients, "
                        f"{other['below_30']:.1%} and {other['below_45']:.1%}.")
    hints = [
        (_crossing(swap=True), "those are the patients who move ABOVE the threshold under the "
                               "2021 equation; the exercise asks for those under it by 2021 but "
                               "not by 2009."),
        (_crossing(newly=False), "those are all patients under each threshold by the 2021 "
                                 "equation; keep only those who were not under it by 2009 "
                                 "(& ~...)."),
        (_crossing(count=True), "those are counts; give each group's share (.mean() of the "
                                "True/False flags, not .sum())."),
        (_crossing(flip_inclusive=True), "check each comparison: 'below 45' and 'below 30' are "
                                         "strict (<), 'at or below 20' includes 20 (<=)."),
    ]
    for candidate, hint in hints:
        if _table_matches(table, candidate):
            return feedback("6.4", False, hint)
    return feedback("6.4", False, "newly_below does not match: for each threshold, flag "
                    "patients under it by egfr_2021 and not by egfr_2009, then take each "
                    "group's mean.")


# -- Exercise 6.5 -------------------------------------------------------------------------

def _first_date(case: pd.DataFrame, egfr: np.ndarray, inclusive: bool = True) -> pd.Timestamp:
    hit = egfr <= 20 if inclusive else egfr < 20
    return case["date"][np.flatnonzero(hit)[0]]


def waiting_time(days_gained: object) -> Feedback:
    """Exercise 6.5: days of qualifying time gained when the 2021 equation dates the first
    eGFR <= 20 of transplant_case()."""
    if unanswered(days_gained):
        return feedback("6.5", False, "replace ... with your answer.")
    if isinstance(days_gained, pd.Timedelta | np.timedelta64):
        return feedback("6.5", False, "days_gained is a time span; give the number of days "
                        "(.days of the Timedelta).")
    case = transplant_case()
    e09 = np.asarray(kidney.egfr_ckd_epi_2009(case["creatinine_mg_dl"], case["age"], "male",
                                              True))
    e21 = np.asarray(kidney.egfr_ckd_epi_2021(case["creatinine_mg_dl"], case["age"], "male"))
    start_09, start_21 = _first_date(case, e09), _first_date(case, e21)
    days = float((start_09 - start_21).days)
    no_race = np.asarray(kidney.egfr_ckd_epi_2009(case["creatinine_mg_dl"], case["age"], "male",
                                                  False))
    slips = [
        (-days, "the sign is reversed: the 2021 equation reaches 20 EARLIER, so the days gained "
                "are (2009 date) - (2021 date), a positive number."),
        (days / 7, "that is in weeks; give days."),
        (days / 365.25, "that is in years; give days."),
        (float((_first_date(case, no_race) - start_21).days),
         "that uses the 2009 equation without its race term; the exercise compares the 2021 "
         "equation with the 2009 equation as it was used (race term for a Black patient)."),
    ]
    problem = judge(days_gained, days, name="days_gained", tol=0.5, min_decimals=0,
                    slips=slips, otherwise="days_gained does not match: find the first date on "
                    "which each equation gives eGFR <= 20, then subtract the 2021 date from the "
                    "2009 date.")
    if problem:
        return feedback("6.5", False, problem)
    return feedback("6.5", True, f"{days:.0f} days ({days / 365.25:.1f} years) of qualifying "
                    "time that the race term withheld from this candidate.")
