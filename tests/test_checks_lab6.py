"""Lab 6 checks: right answers computed here independently (the published equations typed
out again with plain NumPy, pandas directly) and other right answers (rounded, reordered,
other spellings) pass; each likely mistake fails with its hint (``not passed`` and the
hint, both asserted). Plus the mechanism the lab teaches, from the shipped CSV with this
file's own arithmetic."""

import numpy as np
import pandas as pd
import pytest

from labkit import datasets
from labkit.checks import lab6

STAGES = ["G1", "G2", "G3a", "G3b", "G4", "G5"]


def ckd_epi(scr, age, female, black=None, year=2009):
    """The CKD-EPI creatinine equations as printed (Levey 2009; Inker 2021), in NumPy."""
    scr, age, female = np.asarray(scr, float), np.asarray(age, float), np.asarray(female, bool)
    kappa = np.where(female, 0.7, 0.9)
    if year == 2009:
        alpha, const, upper, base, fem = np.where(female, -0.329, -0.411), 141, -1.209, 0.993, 1.018
    else:
        alpha, const, upper, base, fem = (np.where(female, -0.241, -0.302), 142, -1.200, 0.9938,
                                          1.012)
    r = scr / kappa
    e = const * np.minimum(r, 1) ** alpha * np.maximum(r, 1) ** upper * base**age
    e = e * np.where(female, fem, 1.0)
    if black is not None:
        e = e * np.where(np.asarray(black, bool), 1.159, 1.0)
    return e


def stage(egfr):
    return np.array(STAGES)[5 - sum((np.asarray(egfr) >= b).astype(int)
                                    for b in (90, 60, 45, 30, 15))]


@pytest.fixture(scope="module")
def patients():
    cohort = pd.read_csv(datasets.data_dir() / "synthetic_admissions.csv")
    p = cohort.sort_values("admission_id").groupby("patient_key", sort=False).head(1).copy()
    female, black = (p["sex"] == "female").to_numpy(), (p["race_ethnicity"] == "Black").to_numpy()
    p["egfr_2009"] = ckd_epi(p["creatinine_mg_dl"], p["age"], female, black, 2009)
    p["egfr_2021"] = ckd_epi(p["creatinine_mg_dl"], p["age"], female, None, 2021)
    p["stage_2009"], p["stage_2021"] = stage(p["egfr_2009"]), stage(p["egfr_2021"])
    p["group"] = np.where(black, "Black", "non-Black")
    p["black"] = black
    return p


def failed(result, hint):
    assert not result.passed and hint in result.message, (hint, result.message)


# Exercise 6.1 -----------------------------------------------------------------

def hand():
    r = 1.9 / 0.7
    return (141 * r**-1.209 * 0.993**62 * 1.018 * 1.159, 142 * r**-1.2 * 0.9938**62 * 1.012)


def test_by_hand_right_answers(lenient):
    e09, e21 = hand()
    assert lab6.by_hand(e09, e21).passed
    assert lab6.by_hand(round(e09), round(e21)).passed  # as a laboratory reports it
    assert lab6.by_hand(round(e09, 1), np.float64(round(e21, 2))).passed
    # Factors rounded to three places along the way, as by hand.
    assert lab6.by_hand(141 * 0.299 * 0.647 * 1.018 * 1.159, 142 * 0.302 * 0.680 * 1.012).passed


def test_by_hand_wrong_answers(lenient):
    e09, e21 = hand()
    r = 1.9 / 0.7
    failed(lab6.by_hand(..., e21), "replace each")
    failed(lab6.by_hand(e21, e09), "swapped")
    failed(lab6.by_hand(e09 / 1.159, e21), "race term")
    failed(lab6.by_hand(e09 / 1.018, e21), "1.018")
    failed(lab6.by_hand(141 * (1.9 / 0.9) ** -1.209 * 0.993**62 * 1.159, e21), "men's constants")
    failed(lab6.by_hand(141 * r**-0.329 * 0.993**62 * 1.018 * 1.159, e21), "-1.209")
    failed(lab6.by_hand(e09, e21 * 1.159), "no race")
    failed(lab6.by_hand(e09, 142 * r**-1.2 * 0.993**62 * 1.012), "0.9938")
    failed(lab6.by_hand(e09, e21 / 1.012), "1.012")
    failed(lab6.by_hand(e09, 142 * r**-0.241 * 0.9938**62 * 1.012), "-1.200")
    failed(lab6.by_hand("32", e21), "one number")
    failed(lab6.by_hand(e09, 40.0), "does not match")


# Exercise 6.2 -----------------------------------------------------------------

def frame(p, **override):
    out = p[["patient_key", "age", "sex", "race_ethnicity", "creatinine_mg_dl", "egfr_2009",
             "egfr_2021", "stage_2009", "stage_2021"]].copy()
    for k, v in override.items():
        out[k] = v
    return out


def test_patients_frame_right_answers(lenient, patients):
    assert lab6.patients_frame(frame(patients)).passed
    shuffled = frame(patients).sample(frac=1, random_state=0).reset_index(drop=True)
    assert lab6.patients_frame(shuffled).passed  # row order does not matter
    rounded = frame(patients, egfr_2009=patients["egfr_2009"].round(),
                    egfr_2021=patients["egfr_2021"].round(),
                    stage_2009=stage(patients["egfr_2009"].round()),
                    stage_2021=stage(patients["egfr_2021"].round()))
    assert lab6.patients_frame(rounded).passed  # whole numbers, staged as reported
    categorical = frame(patients, stage_2009=pd.Categorical(patients["stage_2009"], STAGES,
                                                            ordered=True))
    assert lab6.patients_frame(categorical).passed


def test_patients_frame_wrong_answers(lenient, patients):
    p = patients
    cohort = pd.read_csv(datasets.data_dir() / "synthetic_admissions.csv")
    last = cohort.groupby("patient_key", sort=False).tail(1).set_index("patient_key").loc[
        p["patient_key"]]
    last_21 = ckd_epi(last["creatinine_mg_dl"], last["age"], last["sex"] == "female", None, 2021)
    last_09 = ckd_epi(last["creatinine_mg_dl"], last["age"], last["sex"] == "female",
                      last["race_ethnicity"] == "Black", 2009)
    no_race = ckd_epi(p["creatinine_mg_dl"], p["age"], p["sex"] == "female", None, 2009)
    cases = [
        (..., "replace ..."),
        (p["egfr_2009"], "DataFrame"),
        (frame(p).drop(columns="stage_2021"), "'stage_2021'"),
        (pd.concat([frame(p), frame(p).head(5)]), "more than once"),
        (frame(p).iloc[100:], "missing"),
        (frame(p, egfr_2009=last_09, egfr_2021=last_21), "LAST admission"),
        (frame(p, egfr_2009=p["egfr_2021"], egfr_2021=p["egfr_2009"]), "each other's"),
        (frame(p, egfr_2021=p["egfr_2009"]), "2009 equation's values"),
        (frame(p, egfr_2009=no_race), "no race term"),
        (frame(p, egfr_2009=no_race * 1.159), "every patient"),
        (frame(p, egfr_2021=p["egfr_2021"] * 1.05), "does not match the 2021"),
        (frame(p, stage_2009=p["stage_2021"]), "stage of egfr_2021"),
        (frame(p, stage_2021=stage(p["egfr_2021"] + 5)), "does not match kidney.ckd_stage"),
    ]
    for value, hint in cases:
        failed(lab6.patients_frame(value), hint)


# Exercise 6.3 -----------------------------------------------------------------

def change(p):
    c09 = pd.Series(p["stage_2009"]).map(STAGES.index).to_numpy()
    c21 = pd.Series(p["stage_2021"]).map(STAGES.index).to_numpy()
    return np.where(c21 > c09, "more advanced", np.where(c21 < c09, "less advanced", "same"))


def test_reclassification_right_answers(lenient, patients):
    ch = change(patients)
    moved = pd.crosstab(patients["group"], ch, normalize="index")
    assert lab6.reclassification(moved).passed
    assert lab6.reclassification(moved.round(3)).passed
    assert lab6.reclassification(moved[["same", "less advanced", "more advanced"]]).passed
    by_groupby = (pd.Series(ch).groupby(patients["group"].to_numpy()).value_counts(normalize=True)
                  .unstack(fill_value=0))
    assert lab6.reclassification(by_groupby).passed


def test_reclassification_wrong_answers(lenient, patients):
    ch = change(patients)
    g = patients["group"]
    reversed_ch = np.select([ch == "more advanced", ch == "less advanced"],
                            ["less advanced", "more advanced"], "same")
    race = pd.crosstab(patients["race_ethnicity"], ch, normalize="index")
    cases = [
        (..., "replace ..."),
        (pd.crosstab(g, ch, normalize="index").to_numpy(), "DataFrame"),
        (pd.crosstab(g, ch, normalize="index").rename(columns={"same": "unchanged"}), "'same'"),
        (race, "one row per group"),
        (pd.crosstab(g, reversed_ch, normalize="index"), "reversed"),
        (pd.crosstab(g, ch), "counts"),
        (pd.crosstab(g, ch, normalize="columns"), "each column sums to 1"),
        (pd.crosstab(g, ch, normalize="all"), "shares of all patients"),
        (pd.crosstab(g, ch, normalize="index").round(1), "does not match"),
    ]
    for value, hint in cases:
        failed(lab6.reclassification(value), hint)


# Exercise 6.4 -----------------------------------------------------------------

def crossing(p, a="egfr_2021", b="egfr_2009", newly=True, strict20=False, how="mean"):
    e_a, e_b = p[a], p[b]
    flags = {"below_45": (e_a < 45) & ~((e_b < 45) if newly else False),
             "below_30": (e_a < 30) & ~((e_b < 30) if newly else False),
             "at_or_below_20": ((e_a < 20) if strict20 else (e_a <= 20))
             & ~(((e_b < 20) if strict20 else (e_b <= 20)) if newly else False)}
    return getattr(pd.DataFrame(flags).groupby(p["group"]), how)()


def test_newly_below_right_answers(lenient, patients):
    right = crossing(patients)
    assert lab6.newly_below(right).passed
    assert lab6.newly_below(right.round(4)).passed
    assert lab6.newly_below(right[["at_or_below_20", "below_30", "below_45"]].iloc[::-1]).passed


def test_newly_below_wrong_answers(lenient, patients):
    p = patients
    cases = [
        (..., "replace ..."),
        (crossing(p)["below_30"], "DataFrame"),
        (crossing(p).drop(columns="below_45"), "'below_45'"),
        (pd.DataFrame(crossing(p).to_numpy().repeat(3, axis=0)[:3], columns=crossing(p).columns),
         "one row per group"),
        (crossing(p, a="egfr_2009", b="egfr_2021"), "ABOVE"),
        (crossing(p, newly=False), "all patients under each threshold"),
        (crossing(p, how="sum"), "counts"),
        (crossing(p).round(1), "does not match"),
    ]
    for value, hint in cases:
        failed(lab6.newly_below(value), hint)


def test_newly_below_names_the_inclusive_slip_when_it_differs(lenient, patients):
    strict = crossing(patients, strict20=True)
    right = crossing(patients)
    if not np.allclose(strict.to_numpy(), right.to_numpy()):
        failed(lab6.newly_below(strict), "includes 20")


# Exercise 6.5 -----------------------------------------------------------------

def days(case, black=True):
    e09 = ckd_epi(case["creatinine_mg_dl"], case["age"], False, [black] * len(case), 2009)
    e21 = ckd_epi(case["creatinine_mg_dl"], case["age"], False, None, 2021)
    return (case["date"][e09 <= 20].min() - case["date"][e21 <= 20].min()).days


def test_waiting_time_right_answers(lenient):
    d = days(lab6.transplant_case())
    assert d > 0
    assert lab6.waiting_time(d).passed
    assert lab6.waiting_time(float(d)).passed
    assert lab6.waiting_time(np.int64(d)).passed


def test_waiting_time_wrong_answers(lenient):
    case = lab6.transplant_case()
    d = days(case)
    failed(lab6.waiting_time(...), "replace ...")
    failed(lab6.waiting_time(pd.Timedelta(days=d)), "time span")
    failed(lab6.waiting_time(-d), "sign is reversed")
    failed(lab6.waiting_time(d / 7), "weeks")
    failed(lab6.waiting_time(d / 365.25), "years")
    no_race = days(case, black=False)
    if no_race != d:
        failed(lab6.waiting_time(no_race), "without its race term")
    failed(lab6.waiting_time(d + 30), "does not match")
    failed(lab6.waiting_time("457"), "one number")


# The mechanism the lab states, from the CSV with this file's own arithmetic ----------------

def test_mechanism_race_term_and_reclassification(patients):
    p = patients
    female = (p["sex"] == "female").to_numpy()
    no_race = ckd_epi(p["creatinine_mg_dl"], p["age"], female, None, 2009)
    black = p["black"].to_numpy()
    # The 2009 race term: Black patients' eGFR is exactly 1.159 x the same equation without it.
    assert np.allclose(p["egfr_2009"].to_numpy()[black] / no_race[black], 1.159)
    assert np.allclose(p["egfr_2009"].to_numpy()[~black], no_race[~black])
    # SYNTHETIC creatinine is drawn alike by race: means by sex differ little between groups.
    by = p.groupby(["sex", "group"])["creatinine_mg_dl"].mean().unstack()
    assert ((by["Black"] - by["non-Black"]).abs() < 0.05).all()
    ratio = p["egfr_2021"] / p["egfr_2009"]
    # 2021 lowers Black patients' eGFR (by roughly 8-12%) and raises most others' slightly.
    assert 0.86 < ratio[black].median() < 0.94 and (ratio[black] < 1).all()
    assert 1.0 < ratio[~black].median() < 1.08 and (ratio[~black] > 1).mean() > 0.9
    # Stages move in opposite directions: more advanced for Black patients, less advanced
    # for others, never the other way round (Exercise 6.3's statement).
    c09 = p["stage_2009"].map(STAGES.index)
    c21 = p["stage_2021"].map(STAGES.index)
    assert ((c21 > c09)[black]).mean() > 0.10 and not (c21 < c09)[black].any()
    assert ((c21 < c09)[~black]).mean() > 0.05 and not (c21 > c09)[~black].any()
    # More Black patients fall under 30 by 2021 than by 2009; fewer non-Black patients do.
    assert (p["egfr_2021"][black] < 30).mean() > (p["egfr_2009"][black] < 30).mean()
    assert (p["egfr_2021"][~black] < 30).mean() < (p["egfr_2009"][~black] < 30).mean()


# What the lab says in words (its prose and alt text) holds in the data ------------------

def prose() -> str:
    """The lab source's markdown and alt texts as one line of words."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "labs/src/06_egfr_race.py").read_text(
        encoding="utf-8")
    return " ".join(re.sub(r"(?m)^#\s?", "", text).split())


def test_prose_hand_patient_lands_on_either_side_of_30():
    p = lab6.HAND_PATIENT
    assert "her result lands on either side of 30" in prose()
    female = p["sex"] == "female"
    e09 = ckd_epi(p["creatinine_mg_dl"], p["age"], female, p["black"], 2009)
    e21 = ckd_epi(p["creatinine_mg_dl"], p["age"], female, None, 2021)
    assert e09 >= 30 > e21


def test_prose_transplant_case_crosses_20_first_by_the_race_free_equation():
    assert "the race term kept his eGFR above 20 while the race-free equation put it below" in \
        prose()
    case = lab6.transplant_case()
    e09 = ckd_epi(case["creatinine_mg_dl"], case["age"], False, True, 2009)
    e21 = ckd_epi(case["creatinine_mg_dl"], case["age"], False, None, 2021)
    first21 = int(np.argmax(e21 <= 20))
    assert (e21 <= 20).any() and (e09 <= 20).any()
    assert e09[first21] > 20, "the 2009 equation should still be above 20 on the 2021 date"
    assert int(np.argmax(e09 <= 20)) > first21


def test_prose_alt_text_bars_rise_for_black_and_fall_for_other_patients(patients):
    assert ("For Black patients the blue bars are taller than the grey ones; for non-Black "
            "patients they are shorter.") in prose()
    p = patients

    def share(col, rows, limit, inclusive):
        values = p.loc[rows, col]
        return (values <= limit).mean() if inclusive else (values < limit).mean()

    for limit, inclusive in ((45, False), (30, False), (20, True)):
        for rows, rises in ((p["black"], True), (~p["black"], False)):
            before = share("egfr_2009", rows, limit, inclusive)
            after = share("egfr_2021", rows, limit, inclusive)
            assert (after > before) if rises else (after < before), (limit, rises)


def test_prose_ratio_sentence_holds(patients):
    assert ("For Black patients the 2021 equation gives a lower eGFR; for most other patients "
            "a slightly higher one.") in prose()
    p = patients
    ratio = p["egfr_2021"] / p["egfr_2009"]
    assert (ratio[p["black"]] < 1).all()
    assert (ratio[~p["black"]] > 1).mean() > 0.5 and ratio[~p["black"]].median() < 1.1
