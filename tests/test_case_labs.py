"""What the bias case labs (Labs 5-8) say in words holds in the shipped data.

Each lab prints or glues its numbers; these tests cover the sentences and alt
texts that state a result in words ("on either side of 30", "taller for Black
patients"). Each test finds the sentence in the lab's source and recomputes
the claim with its own arithmetic from the shipped files or the published
equation, so a change to the data that made a sentence false fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labkit import datasets

ROOT = Path(__file__).resolve().parents[1]


def prose(stem: str) -> str:
    """A lab source's markdown and alt texts as one line of words."""
    text = (ROOT / "labs" / "src" / f"{stem}.py").read_text(encoding="utf-8")
    return " ".join(re.sub(r"(?m)^#\s?", "", text).split())


def ckd_epi(scr, age, female, black, year: int):
    """Both CKD-EPI creatinine equations, written out again from the papers' coefficients
    (Levey 2009; Inker 2021), not taken from labkit.kidney."""
    scr, age, female = np.asarray(scr, float), np.asarray(age, float), np.asarray(female, bool)
    kappa = np.where(female, 0.7, 0.9)
    if year == 2009:
        alpha = np.where(female, -0.329, -0.411)
        out = (141 * np.minimum(scr / kappa, 1) ** alpha * np.maximum(scr / kappa, 1) ** -1.209
               * 0.993**age * np.where(female, 1.018, 1.0))
        return out * np.where(np.asarray(black, bool), 1.159, 1.0)
    alpha = np.where(female, -0.241, -0.302)
    return (142 * np.minimum(scr / kappa, 1) ** alpha * np.maximum(scr / kappa, 1) ** -1.200
            * 0.9938**age * np.where(female, 1.012, 1.0))


# ----------------------------------------------------------------- Lab 6 (eGFR)

def test_lab6_hand_patient_lands_on_either_side_of_30():
    from labkit.checks.lab6 import HAND_PATIENT as p

    assert "her result lands on either side of 30" in prose("06_egfr_race")
    e09 = ckd_epi(p["creatinine_mg_dl"], p["age"], p["sex"] == "female", p["black"], 2009)
    e21 = ckd_epi(p["creatinine_mg_dl"], p["age"], p["sex"] == "female", p["black"], 2021)
    assert e09 >= 30 > e21


def test_lab6_transplant_case_crosses_20_first_by_the_race_free_equation():
    from labkit.checks.lab6 import transplant_case

    assert "the race term kept his eGFR above 20 while the race-free equation put it below" in \
        prose("06_egfr_race")
    case = transplant_case()
    e09 = ckd_epi(case["creatinine_mg_dl"], case["age"], False, True, 2009)
    e21 = ckd_epi(case["creatinine_mg_dl"], case["age"], False, True, 2021)
    first21 = int(np.argmax(e21 <= 20))
    assert (e21 <= 20).any() and (e09 <= 20).any()
    assert e09[first21] > 20, "the 2009 equation should still be above 20 on the 2021 date"
    assert int(np.argmax(e09 <= 20)) > first21


@pytest.fixture(scope="module")
def first_admissions() -> pd.DataFrame:
    adm = pd.read_csv(datasets.data_dir() / "synthetic_admissions.csv")
    p = adm.sort_values("admission_id").drop_duplicates("patient_key").copy()
    female, black = p["sex"].eq("female"), p["race_ethnicity"].eq("Black")
    p["e09"] = ckd_epi(p["creatinine_mg_dl"], p["age"], female, black, 2009)
    p["e21"] = ckd_epi(p["creatinine_mg_dl"], p["age"], female, black, 2021)
    p["black"] = black
    return p


def test_lab6_alt_text_bars_rise_for_black_and_fall_for_other_patients(first_admissions):
    text = prose("06_egfr_race")
    assert ("For Black patients the blue bars are taller than the grey ones; for non-Black "
            "patients they are shorter.") in text
    p = first_admissions
    def share(col, rows, limit, inclusive):
        values = p.loc[rows, col]
        return (values <= limit).mean() if inclusive else (values < limit).mean()

    for limit, inclusive in ((45, False), (30, False), (20, True)):
        for rows, rises in ((p["black"], True), (~p["black"], False)):
            before = share("e09", rows, limit, inclusive)
            after = share("e21", rows, limit, inclusive)
            assert (after > before) if rises else (after < before), (limit, rises)


def test_lab6_ratio_sentence_holds(first_admissions):
    assert ("For Black patients the 2021 equation gives a lower eGFR; for most other patients "
            "a slightly higher one.") in prose("06_egfr_race")
    p = first_admissions
    ratio = p["e21"] / p["e09"]
    assert (ratio[p["black"]] < 1).all()
    assert (ratio[~p["black"]] > 1).mean() > 0.5 and ratio[~p["black"]].median() < 1.1
