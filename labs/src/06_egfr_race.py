# %% [markdown]
# # Lab 6 - Race in a clinical equation: eGFR
#
# **Scenario.** Riverside General's laboratory reports an estimated glomerular
# filtration rate (eGFR) with every creatinine. For years it used the 2009 CKD-EPI
# equation, which multiplies the estimate by 1.159 for a patient recorded as Black
# {cite:p}`levey2009new`. The laboratory is switching to the 2021 CKD-EPI
# equation, refitted without race {cite:p}`inker2021new`, as the National Kidney
# Foundation and American Society of Nephrology task force recommended for all US
# laboratories {cite:p}`delgado2021unifying`. The primary-care and nephrology
# leads ask you, before the switch: which patients' results will change, in which
# direction, and which decisions change with them (nephrology referral, metformin,
# the start of kidney-transplant waiting time)?
#
# **You will be able to** (objective codes in brackets; Russell et al. competency
# domains {cite:p}`russell2023competencies` after the semicolon)
# 1. compute an eGFR by hand from the published CKD-EPI coefficients and say what
#    the race term does [LK6.1; D4];
# 2. compute both equations and the KDIGO GFR category for a cohort [LK6.2; D4];
# 3. build a reclassification table by group and say which patients move, and in
#    which direction [LK6.3; D2, D4];
# 4. say which decisions change at eGFR 45, 30 and 20, and for whom [LK6.4; D2, D3];
# 5. explain the case against race in eGFR, the OPTN waiting-time modification,
#    and what a comparison without measured GFR cannot tell you [LK6.5; D2].
#
# **Time:** 60 min. **Needs:** Lab 3. **Data:** the SYNTHETIC admissions cohort
# (made up by a generator; no real patient is in it), each patient's first
# admission; the dataset card is below.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from labkit import datasets, kidney, quiz
from labkit.checks import hints, lab6

hints.install()  # a one-line hint under the errors learners meet most
datasets.card("admissions")

# %% [markdown]
# ## Read this before any number
#
# The creatinine values here are SYNTHETIC. The generator draws each patient's
# creatinine from the same distribution whatever their race (it depends on sex,
# chronic kidney disease and how ill the patient is). So every difference between
# groups in this lab comes from the **equations alone**, not from physiology, and
# there is no measured GFR: the lab can show who moves when the equation changes,
# never which equation is closer to a patient's true kidney function. Inker et
# al. answered that question with measured GFR (below). Two more simplifications:
# the creatinine is from the day of admission, while chronic kidney disease is
# staged from results at least three months apart {cite:p}`kdigo2013ckd`; and we
# use one admission per patient, their first.
#
# ## The two equations
#
# Both take standardised serum creatinine (Scr, mg/dL), age and sex; kappa is 0.7
# for women and 0.9 for men. The result is in mL/min/1.73 m².
#
# | | 2009 CKD-EPI {cite:p}`levey2009new` | 2021 CKD-EPI {cite:p}`inker2021new` |
# | --- | --- | --- |
# | constant | 141 | 142 |
# | min(Scr/kappa, 1) to the power alpha | alpha -0.329 (women), -0.411 (men) | alpha -0.241 (women), -0.302 (men) |
# | max(Scr/kappa, 1) to the power | -1.209 | -1.200 |
# | age | 0.993^age | 0.9938^age |
# | woman | x 1.018 | x 1.012 |
# | recorded as Black | x 1.159 | (no race term) |
#
# Only one of min(Scr/kappa, 1) and max(Scr/kappa, 1) differs from 1 for a given
# patient: below kappa the alpha term applies, above kappa the steeper one.

# %% [markdown]
# ### Exercise 6.1 - One patient, by hand
# <!-- assesses: LK6.1 -->
# Ms J. is 62, recorded as Black, with a serum creatinine of 1.9 mg/dL
# (`lab6.HAND_PATIENT`). Using only arithmetic (`**` for powers, no labkit),
# compute `egfr_2009_by_hand` and `egfr_2021_by_hand`. A whole number, as the
# laboratory reports it, is fine.

# %% tags=["solution"]
# Creatinine 1.9 is above kappa 0.7, so only the max(...) term differs from 1.
ratio = 1.9 / 0.7
egfr_2009_by_hand = 141 * ratio**-1.209 * 0.993**62 * 1.018 * 1.159
egfr_2021_by_hand = 142 * ratio**-1.200 * 0.9938**62 * 1.012
print(f"2009: {egfr_2009_by_hand:.1f}   2021: {egfr_2021_by_hand:.1f} mL/min/1.73 m²")

# %%
lab6.by_hand(egfr_2009_by_hand, egfr_2021_by_hand);

# %% [markdown]
# The same creatinine, the same woman, and her result lands on either side of 30,
# the line at which KDIGO recommends referral to specialist kidney care
# {cite:p}`kdigo2013ckd` and below which metformin is contraindicated
# {cite:p}`fda2016metformin`. `labkit.kidney` implements both equations once,
# tested against the constants printed in the papers; from here on, use it.

# %%
print(f"labkit.kidney: 2009 {kidney.egfr_ckd_epi_2009(1.9, 62, 'female', True):.1f}, "
      f"2021 {kidney.egfr_ckd_epi_2021(1.9, 62, 'female'):.1f}")

# %% [markdown]
# ## 1. Every patient, both equations
#
# KDIGO groups GFR into categories {cite:p}`kdigo2013ckd`: G1 (90 or more), G2
# (60-89), G3a (45-59), G3b (30-44), G4 (15-29) and G5 (below 15).
# `kidney.ckd_stage` returns them as an ordered category, so G5 > G1 means "more
# advanced".

# %% [markdown]
# ### Exercise 6.2 - The patients table
# <!-- assesses: LK6.2 -->
# 1. `patients`: one row per patient, their first admission
#    (`cohort.drop_duplicates("patient_key")`; the file is in date order), as a
#    copy.
# 2. `black`: True where `race_ethnicity` is `"Black"`.
# 3. Add the columns `egfr_2009` (`kidney.egfr_ckd_epi_2009(creatinine, age, sex,
#    black)`), `egfr_2021` (`kidney.egfr_ckd_epi_2021(creatinine, age, sex)`),
#    `stage_2009` and `stage_2021` (`kidney.ckd_stage` of each).

# %%
cohort = datasets.load_admissions()

# %% tags=["solution"]
# First admission of each patient; the race flag; both equations; both stages.
patients = cohort.drop_duplicates("patient_key").copy()
black = patients["race_ethnicity"] == "Black"
scr, age, sex = patients["creatinine_mg_dl"], patients["age"], patients["sex"]
patients["egfr_2009"] = kidney.egfr_ckd_epi_2009(scr, age, sex, black)
patients["egfr_2021"] = kidney.egfr_ckd_epi_2021(scr, age, sex)
patients["stage_2009"] = kidney.ckd_stage(patients["egfr_2009"])
patients["stage_2021"] = kidney.ckd_stage(patients["egfr_2021"])

# %%
lab6.patients_frame(patients);

# %% [markdown]
# Compare the two groups the race term separates. The median ratio of the 2021
# to the 2009 eGFR:

# %%
patients["group"] = np.where(patients["race_ethnicity"] == "Black", "Black", "non-Black")
ratio_2021_to_2009 = patients["egfr_2021"] / patients["egfr_2009"]
ratio_2021_to_2009.groupby(patients["group"]).describe()[["count", "min", "50%", "max"]].round(3)

# %% [markdown]
# Within each group the ratio varies little: it is set mostly by the equations'
# constants, not by the patient. For Black patients the 2021 equation gives a
# lower eGFR; for most other patients a slightly higher one.

# %% [markdown]
# ## 2. Who changes stage?
#
# The full reclassification table, by group (rows: 2009 stage; columns: 2021 stage):

# %%
pd.crosstab([patients["group"], patients["stage_2009"]], patients["stage_2021"])

# %% [markdown]
# ### Exercise 6.3 - Direction of change by group
# <!-- assesses: LK6.3 -->
# 1. `change`: for each patient, `"more advanced"` where `stage_2021 >
#    stage_2009`, `"less advanced"` where `stage_2021 < stage_2009`, `"same"`
#    otherwise (`np.select([...], [...], "same")`).
# 2. `moved`: `pd.crosstab(patients["group"], change, normalize="index")`, the
#    share of each group in each direction.

# %% tags=["solution"]
# Compare the ordered stages, name the direction, then shares within each group.
change = np.select([patients["stage_2021"] > patients["stage_2009"],
                    patients["stage_2021"] < patients["stage_2009"]],
                   ["more advanced", "less advanced"], "same")
moved = pd.crosstab(patients["group"], change, normalize="index")
moved.round(3)

# %%
lab6.reclassification(moved);

# %% tags=["glue"]
from labkit.glue import glue

glue("l6_black_more", moved.loc["Black", "more advanced"])
glue("l6_non_black_less", moved.loc["non-Black", "less advanced"])
glue("l6_other_way", ((change == "less advanced") & black).sum()
     + ((change == "more advanced") & ~black).sum())

# %% [markdown]
# The switch moves patients in opposite directions: 21.4%<!--glue:l6_black_more:.1%--> of
# Black patients to a more advanced stage, 13.4%<!--glue:l6_non_black_less:.1%--> of
# non-Black patients to a less advanced one, and 0<!--glue:l6_other_way:d--> patients the
# other way. A more advanced stage is not only a worse label: it can bring earlier
# referral and earlier access to treatments and to transplant listing, and also
# more drug-dose reductions and different eligibility for trials
# {cite:p}`delgado2021unifying`.

# %% [markdown]
# ## 3. The decisions at 45, 30 and 20
#
# | eGFR (mL/min/1.73 m²) | what it decides |
# | --- | --- |
# | below 45 | starting metformin is not recommended {cite:p}`fda2016metformin` |
# | below 30 | metformin contraindicated {cite:p}`fda2016metformin`; refer to specialist kidney care {cite:p}`kdigo2013ckd` |
# | 20 or below | an adult registered for a kidney transplant starts to accrue waiting time (also on dialysis) {cite:p}`optn2023egfrwaiting` |

# %% [markdown]
# ### Exercise 6.4 - Who newly crosses each threshold?
# <!-- assesses: LK6.4 -->
# Build `newly_below`, a DataFrame with one row per group and the columns
# `"below_45"`, `"below_30"` and `"at_or_below_20"`: the share of each group
# whose **2021** eGFR is under the threshold while their **2009** eGFR was not.
# Mind the comparison: below 45 and below 30 are strict (`<`); at or below 20
# is not (`<=`).

# %% tags=["solution"]
# For each threshold: under it by 2021 and not by 2009; the share in each group.
e09, e21 = patients["egfr_2009"], patients["egfr_2021"]
newly_below = pd.DataFrame({
    "below_45": (e21 < 45) & ~(e09 < 45),
    "below_30": (e21 < 30) & ~(e09 < 30),
    "at_or_below_20": (e21 <= 20) & ~(e09 <= 20),
}).groupby(patients["group"]).mean()
newly_below.round(4)

# %%
lab6.newly_below(newly_below);

# %% [markdown]
# And the other direction: the share whose 2009 eGFR was under the threshold and
# whose 2021 eGFR is not (they leave a referral list, or may now start metformin).

# %%
newly_above = pd.DataFrame({
    "above_45": ~(e21 < 45) & (e09 < 45),
    "above_30": ~(e21 < 30) & (e09 < 30),
    "above_20": ~(e21 <= 20) & (e09 <= 20),
}).groupby(patients["group"]).mean()
newly_above.round(4)

# %% mystnb={"image": {"alt": "Grouped bar chart with two panels, Black and non-Black patients. In each panel, for the thresholds below 45, below 30 and at or below 20, a grey bar shows the share of patients under the threshold by the 2009 equation and a blue bar the share by the 2021 equation. For Black patients the blue bars are taller than the grey ones; for non-Black patients they are shorter."}}
share = {(g, eq): [(d[col] < 45).mean(), (d[col] < 30).mean(), (d[col] <= 20).mean()]
         for g, d in patients.groupby("group") for eq, col in (("2009", "egfr_2009"),
                                                                ("2021", "egfr_2021"))}
fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), sharey=True, layout="constrained")
x = np.arange(3)
for ax, group in zip(axes, ["Black", "non-Black"], strict=True):
    ax.bar(x - 0.2, 100 * np.array(share[(group, "2009")]), 0.4, color="#999999",
           label="2009 equation (race term)")
    ax.bar(x + 0.2, 100 * np.array(share[(group, "2021")]), 0.4, color="#0072B2",
           label="2021 equation (no race term)")
    ax.set_xticks(x, ["below 45", "below 30", "20 or below"])
    ax.set_title(f"{group} patients (SYNTHETIC)")
    ax.set_xlabel("eGFR threshold (mL/min/1.73 m²)")
axes[0].set_ylabel("Patients under the threshold (%)")
axes[0].legend(fontsize=8)
fig.suptitle("The 2021 equation puts more Black and fewer non-Black patients under each threshold")
plt.show()

# %% [markdown]
# ## 4. Transplant waiting time: the OPTN modification
#
# In June 2022 the OPTN board required race-neutral eGFR calculations for
# transplant candidates, in effect from 27 July 2022. On 5 December 2022 it
# approved OPTN Policy 3.7.D, in effect from 5 January 2023: every kidney
# programme had to notify its candidates, review its waiting list for Black
# candidates whose race-neutral eGFR would have qualified them to accrue waiting
# time earlier, submit a waiting-time modification for each with documentation,
# and attest to the OPTN that it had done so by 3 January 2024
# {cite:p}`optn2023egfrwaiting`. A modification backdates the start of waiting
# time to the date of the qualifying race-neutral result.
#
# `lab6.transplant_case()` is a SYNTHETIC candidate: a Black man's creatinine
# results, one a quarter, as his kidney function declines.

# %%
case = lab6.transplant_case()
case["egfr_2009"] = kidney.egfr_ckd_epi_2009(case["creatinine_mg_dl"], case["age"], "male", True)
case["egfr_2021"] = kidney.egfr_ckd_epi_2021(case["creatinine_mg_dl"], case["age"], "male")
case.round({"egfr_2009": 1, "egfr_2021": 1})

# %% [markdown]
# ### Exercise 6.5 - Days of waiting time
# <!-- assesses: LK6.5 -->
# Find the first date on which each equation gives an eGFR of 20 or less, and
# store in `days_gained` the number of days between them (the 2009 date minus the
# 2021 date): the qualifying time the race term withheld.

# %% tags=["solution"]
# First qualifying date by each equation; the difference in days.
start_2009 = case.loc[case["egfr_2009"] <= 20, "date"].min()
start_2021 = case.loc[case["egfr_2021"] <= 20, "date"].min()
days_gained = (start_2009 - start_2021).days
print(f"2009: {start_2009:%d %b %Y}; 2021: {start_2021:%d %b %Y}; {days_gained} days")

# %%
lab6.waiting_time(days_gained);

# %% [markdown]
# His creatinine hovered just where the race term kept his eGFR above 20 while
# the race-free equation put it below: slowly progressing patients near a
# threshold lose the most time. Waiting time is one of the most important
# factors in who is offered a kidney {cite:p}`optn2023egfrwaiting`.

# %% [markdown]
# ## 5. The arguments
#
# - **Why the term existed.** The 2009 equation was fitted to measured GFR in
#   research cohorts; at the same creatinine, participants recorded as Black had a
#   higher measured GFR on average, and the fit captured that as a coefficient
#   {cite:p}`levey2009new`.
# - **Hidden in plain sight.** Vyas, Eisenstein and Jones reviewed race
#   corrections across medicine and argued that eGFR's race term reports higher
#   kidney function for Black patients, which can delay referral and transplant
#   listing; race is a social category, and the corrections rest on contested
#   explanations {cite:p}`vyas2020hidden`.
# - **The new equations.** Inker et al. refitted the equations without race. In
#   their validation data the 2009 equation over-estimated measured GFR in Black
#   participants (median 3.7 mL/min/1.73 m²); simply dropping its race
#   coefficient under-estimated it (median 7.1). The new creatinine equation
#   under-estimated measured GFR in Black participants (median 3.6) and
#   over-estimated it in non-Black participants (median 3.9); equations using
#   creatinine and cystatin C were more accurate, with smaller differences between
#   groups {cite:p}`inker2021new`. These are medians of the difference between
#   estimated and measured GFR per participant, in a validation set of 12 studies.
# - **The task force.** The NKF-ASN task force recommended the 2021 creatinine
#   equation for immediate use in all US laboratories, and wider, routine use of
#   cystatin C, especially to confirm eGFR in adults who have or are at risk of
#   chronic kidney disease {cite:p}`delgado2021unifying`.
#
# No equation is exact for an individual. Near 45, 30 or 20, confirm with
# cystatin C or a measured GFR before a decision that is hard to undo.

# %% [markdown]
# ## Knowledge check
#
# Answer each question and check it: every option explains why it is right
# or wrong. In the book your score is kept in your browser only.

# %%
quiz.show("labs/06_egfr_race")

# %% [markdown]
# ## Clinical takeaways
#
# - An equation is a model: a coefficient for race moved Black patients' results
#   up by the same factor at every creatinine, and with them every decision made
#   at a threshold.
# - Removing race moves results in both directions: more Black patients under 45,
#   30 and 20, fewer non-Black patients. Judge the change by what happens at
#   those thresholds, in each group.
# - Know which equation produced a result before you compare two results over
#   time, and mark the switch in the record.
# - For a Black patient on a transplant waiting list, ask whether an earlier
#   race-neutral eGFR of 20 or less could backdate their waiting time.
# - Near a decision threshold, confirm with cystatin C or measured GFR.
# - Synthetic data can show who moves; only measured GFR can show who was right.
#
# ## Further reading
#
# - Inker et al., *New creatinine- and cystatin C-based equations to estimate GFR
#   without race* {cite:p}`inker2021new`.
# - Delgado et al., *A unifying approach for GFR estimation* (the NKF-ASN task
#   force) {cite:p}`delgado2021unifying`.
# - Vyas, Eisenstein and Jones, *Hidden in plain sight*
#   {cite:p}`vyas2020hidden`.
# - Levey et al., *A new equation to estimate glomerular filtration rate*
#   {cite:p}`levey2009new`.
# - OPTN, *Waiting time modifications for candidates affected by race-inclusive
#   eGFR calculations* {cite:p}`optn2023egfrwaiting`.
