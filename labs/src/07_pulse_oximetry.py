# %% [markdown]
# # Lab 7 - Measurement bias: pulse oximetry
#
# **Scenario.** Riverside General wants an early-warning alert that estimates,
# from bedside observations, the chance that a breathless patient's arterial
# oxygen saturation is dangerously low, so that nurses know whom to escalate.
# Its main input is the pulse oximeter's reading, SpO2. Pulse oximeters
# over-read the arterial saturation (SaO2) more often in Black patients than in
# White patients: in paired readings taken within 10 minutes of each other,
# Sjoding et al. found occult hypoxaemia (SaO2 below 88% while SpO2 read
# 92-96%) in 11.7% of pairs from Black patients and 3.6% of pairs from White
# patients {cite:p}`sjoding2020racial`. You are the clinician on the hospital's
# AI-governance committee. Before the alert goes live you ask: does the bias of
# the device pass into the rules and the model built on it, and would the
# audit the vendor proposes be able to see it?
#
# **You will be able to** (objective codes in brackets; Russell et al. competency
# domains {cite:p}`russell2023competencies` after the semicolon)
# 1. measure a device's bias against a reference standard by group, and say what
#    a rate is counted per (reading, admission or patient) [LK7.1; D2, D4];
# 2. show that a triage rule and a prediction model that take SpO2 as an input
#    inherit its bias, though race is not an input [LK7.2; D2, D4];
# 3. explain why a fairness audit against a label derived from the biased
#    measurement cannot see the bias, and choose a label that can [LK7.3; D2, D4];
# 4. say what to do at the bedside when the oximeter and the patient disagree,
#    and what the FDA has said about pulse oximeters and skin pigmentation
#    [LK7.4; D2, D3].
#
# **Time:** 60 min. **Needs:** Lab 3. **Data:** the SYNTHETIC admissions cohort
# and its ground-truth file (made up by a generator; no real patient is in
# them); the dataset card is below.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, count, false_negative_rate
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from labkit import datasets, quiz
from labkit.checks import hints, lab7

RANDOM_STATE = 0  # the kit's one seed; nothing in this lab is random
hints.install()  # a one-line hint under the errors learners meet most
datasets.card("admissions")

# %% [markdown]
# ## 1. What the oximeter shows, and what the blood gas knows
#
# The admissions file holds what a record would hold: one SpO2 per admission,
# the first one. A real hospital would know the true arterial saturation only
# for patients who had an arterial blood gas. The SYNTHETIC cohort comes with a
# second file, the **ground truth**, that holds `sao2_true` for every admission,
# and `respiratory_compromise`: the patients ill enough to have a blood gas. It
# exists only so that a lab can reveal what the record hides; never use it as a
# model input.
#
# Which patients should we compare? Low saturations occur almost only in
# patients with respiratory compromise, and those are the patients who would get
# an arterial blood gas beside their oximeter reading, as in Sjoding's pairs.
# Comparing groups over every admission would mostly compare well patients with
# normal saturations, and a group with fewer breathless patients would look as
# if its oximeters were more accurate. So the **comparable group** is the
# admissions with respiratory compromise.

# %%
admissions = datasets.load_admissions()
truth = datasets.load_admissions_truth()
print(f"{len(admissions):,} admissions; truth columns: {', '.join(truth.columns[1:4])} ...")

# %% [markdown]
# ### Exercise 7.1 - The comparable group
# <!-- assesses: LK7.1 -->
# Join `admissions` with `truth` on `admission_id` (one row per admission), and
# keep the admissions with `respiratory_compromise == 1`. Call the result
# `comparable`.

# %% tags=["solution"]
# One row per admission with its truth, then the patients who would have a blood gas.
readings = admissions.merge(truth, on="admission_id")
comparable = readings[readings["respiratory_compromise"] == 1]
comparable[["race_ethnicity", "spo2", "sao2_true"]].head()

# %%
lab7.comparable_group(comparable);

# %% [markdown]
# Each admission has one SpO2 reading and one true SaO2, so here a rate per
# reading is also a rate per admission. In Sjoding's data one patient could give
# many pairs; keep the unit in mind whenever you compare with a study.
#
# Look first at the raw relation. For White and Black patients, the next cell
# takes every SpO2 value from 85% to 99% and averages the true SaO2 of the
# patients who showed it.

# %% mystnb={"image": {"alt": "Line chart of the mean true arterial saturation (SaO2) against the pulse-oximeter reading (SpO2) for White and Black patients with respiratory compromise, with a dotted line where SaO2 equals SpO2 and a dashed line at SaO2 88%. The shaded band marks SpO2 92 to 96%. At every reading the Black patients' curve lies below the White patients' curve: the same number on the oximeter hides a lower true saturation."}}
two = comparable[comparable["race_ethnicity"].isin(["White", "Black"])
                 & comparable["spo2"].between(85, 99)]
curve = two.groupby(["spo2", "race_ethnicity"], observed=True)["sao2_true"].mean().unstack()
fig, ax = plt.subplots(figsize=(6, 4))
ax.axvspan(92, 96, color="#DDDDDD", label="SpO2 92-96%")
ax.plot(curve.index, curve["White"], "o-", color="#0072B2", label="White patients")
ax.plot(curve.index, curve["Black"], "s-", color="#D55E00", label="Black patients")
ax.plot([85, 99], [85, 99], ":", color="grey", label="SaO2 = SpO2")
ax.axhline(88, ls="--", color="black", lw=0.8, label="SaO2 88%")
ax.set_xlabel("Pulse-oximeter reading, SpO2 (%)")
ax.set_ylabel("Mean true arterial saturation, SaO2 (%)")
ax.set_title("The same SpO2 hides a lower SaO2 in Black patients (SYNTHETIC)")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 2. Occult hypoxaemia by group
#
# Sjoding et al. defined **occult hypoxaemia** as an arterial saturation below
# 88% while the oximeter read 92-96%, a reading most clinicians would accept
# as reassuring {cite:p}`sjoding2020racial`. The rate is a share of readings in
# that band, not of all patients.

# %% [markdown]
# ### Exercise 7.2 - Occult hypoxaemia by race and ethnicity
# <!-- assesses: LK7.1 -->
# Among the `comparable` readings with SpO2 from 92 to 96 inclusive
# (`between(92, 96)`), compute for each race and ethnicity group the share whose
# `sao2_true` is below 88. Store it as a Series, `occult_rate`, indexed by group.

# %% tags=["solution"]
# Keep the reassuring band, then the share of true saturations below 88% in each group.
band = comparable[comparable["spo2"].between(92, 96)]
occult_rate = (band["sao2_true"] < 88).groupby(band["race_ethnicity"], observed=True).mean()
occult_rate.round(3)

# %%
lab7.occult_by_group(occult_rate);

# %% [markdown]
# A rate is only as firm as the count behind it. Put each rate beside the number
# of readings in the band and the number with occult hypoxaemia:

# %%
counts = band.groupby("race_ethnicity", observed=True).agg(
    readings=("spo2", "size"), occult=("sao2_true", lambda s: int((s < 88).sum())))
counts.assign(rate=occult_rate).round(3)

# %% [markdown]
# Compare Black and White patients, the two groups the datasheet's mechanism
# was set for; the smaller groups have too few events to read (Lab 3,
# Section 3). In this SYNTHETIC cohort the oximeter's bias was set to reproduce
# the size Sjoding et al. reported, 11.7% against 3.6% of pairs of readings
# {cite:p}`sjoding2020racial`. Those are shares of **paired readings**, not of
# patients: one patient could contribute many pairs. Fawzy et al. found the
# same direction in patients with COVID-19 in five hospitals, with the oximeter
# over-reading the arterial saturation in Asian, Black and Hispanic patients
# compared with White patients {cite:p}`fawzy2022racial`.

# %% [markdown]
# ## 3. A triage rule inherits the bias
#
# Many wards escalate on early-warning scores. In the National Early Warning
# Score 2 (NEWS2), an SpO2 of 91% or less on its usual scale scores 3 points,
# and a single parameter scoring 3 calls for an urgent review
# {cite:p}`rcp2017news2`. The rule is the same for every patient, and it never
# sees race. Whom does it miss?

# %% [markdown]
# ### Exercise 7.3 - Who does the red score miss?
# <!-- assesses: LK7.2 -->
# In `comparable`, a patient is **flagged** when `spo2 <= 91` and **truly
# hypoxaemic** when `sao2_true < 88`. For each race and ethnicity group, compute
# the share of truly hypoxaemic patients who were **not** flagged (the miss
# rate, or false-negative rate). Store it as a Series, `miss_rate`.

# %% tags=["solution"]
# Among the truly hypoxaemic, the share whose SpO2 stayed above 91%.
hypoxaemic = comparable[comparable["sao2_true"] < 88]
miss_rate = (hypoxaemic["spo2"] > 91).groupby(hypoxaemic["race_ethnicity"], observed=True).mean()
miss_rate.round(3)

# %%
lab7.rule_miss_rate(miss_rate);

# %% [markdown]
# The rule gives a 3-point safety margin (it acts at 91%, not at 88%), and it
# still misses more of the truly hypoxaemic Black patients, because their
# oximeter reads higher. A missed flag means no urgent review and no extra
# oxygen while the true saturation is dangerously low. Fawzy et al. showed what
# this does to treatment: COVID-19 therapies were offered at an SpO2 of 94% or
# less, and Black and Hispanic patients were less often recognised as eligible,
# and later, than White patients {cite:p}`fawzy2022racial`.

# %% [markdown]
# ## 4. A model inherits it too
#
# Now the vendor's alert: a logistic regression that predicts **true**
# hypoxaemia (SaO2 below 88%, from the blood gas) from four bedside inputs. Race
# is not an input. It is trained on the comparable admissions of 2019-2022,
# whose blood gases give the true label, and tested on those of 2023-2024.

# %%
FEATURES = ["spo2", "resp_rate", "heart_rate", "age"]
train = comparable[comparable["admit_year"] <= 2022]
test = comparable[comparable["admit_year"] >= 2023]
print(f"train: {len(train):,} admissions (2019-2022); test: {len(test):,} (2023-2024)")

# %% [markdown]
# ### Exercise 7.4 - Fit the alert and check its calibration by group
# <!-- assesses: LK7.2 -->
# 1. `model`: `make_pipeline(StandardScaler(), LogisticRegression())`, fitted on
#    `train[FEATURES]` with the label `train["sao2_true"] < 88`.
# 2. `risk`: its predicted probability for the test set,
#    `model.predict_proba(test[FEATURES])[:, 1]`.
# 3. `calib`: a DataFrame with one row per race and ethnicity group of the test
#    set and the columns `n` (admissions), `observed` (share with
#    `sao2_true < 88`) and `predicted` (mean of `risk`).

# %% tags=["solution"]
# Fit on the training years with the blood-gas label; predict the test years;
# observed and mean predicted risk side by side in each group.
model = make_pipeline(StandardScaler(), LogisticRegression())
model.fit(train[FEATURES], train["sao2_true"] < 88)
risk = model.predict_proba(test[FEATURES])[:, 1]
frame = pd.DataFrame({"group": test["race_ethnicity"], "observed": test["sao2_true"] < 88,
                      "predicted": risk})
calib = frame.groupby("group", observed=True).agg(
    n=("observed", "size"), observed=("observed", "mean"), predicted=("predicted", "mean"))
calib.round(3)

# %% [markdown]
# The model was trained on the true label, yet its predictions are too low for
# Black patients: at the same SpO2, the model gives everyone the same risk, and
# for Black patients the same SpO2 hides a lower true saturation. Training on
# the truth does not help when the **input** is measured differently by group.

# %%
lab7.model_calibration(model, calib);

# %% [markdown]
# Would adding race as an input "correct" the model? It would raise Black
# patients' predicted risk, but it treats race as a stand-in for skin
# pigmentation, applies one average correction to patients whose skin and
# devices differ, and builds a device defect into care. Race corrections in
# clinical algorithms have steered care away from minority patients before
# {cite:p}`vyas2020hidden`. The better fixes are upstream: oximeters that work
# across skin pigmentation, and arterial blood gases when the stakes are high.

# %% [markdown]
# ## 5. Two audits, two answers
#
# The alert fires when the predicted probability is at least 20%. The
# committee asks for a fairness audit of its **false-negative rate** by group:
# the share of hypoxaemic patients the alert does not fire for. The vendor's
# audit team has no blood gases for most of its customers' patients, so it
# labels a patient "hypoxaemic" when the **oximeter** read below 88%. You have
# the blood gas. Run both.

# %%
ALERT = 0.20
alert = (risk >= ALERT).astype(int)
race = test["race_ethnicity"]
metrics = {"fnr": false_negative_rate, "count": count}
print(f"the alert fires for {alert.mean():.0%} of test admissions")

# %% [markdown]
# ### Exercise 7.5 - Audit against the oximeter, then against the blood gas
# <!-- assesses: LK7.3 -->
# Build two `MetricFrame`s of `metrics` with `y_pred=alert` and
# `sensitive_features=race`:
#
# - `audit_oximeter`, with `y_true=(test["spo2"] < 88).astype(int)`;
# - `audit_blood_gas`, with `y_true=(test["sao2_true"] < 88).astype(int)`.

# %% tags=["solution"]
# The same alert, judged against two labels.
audit_oximeter = MetricFrame(metrics=metrics, y_true=(test["spo2"] < 88).astype(int),
                             y_pred=alert, sensitive_features=race)
audit_blood_gas = MetricFrame(metrics=metrics, y_true=(test["sao2_true"] < 88).astype(int),
                              y_pred=alert, sensitive_features=race)
pd.DataFrame({"FNR, oximeter label": audit_oximeter.by_group["fnr"],
              "FNR, blood-gas label": audit_blood_gas.by_group["fnr"],
              "admissions": audit_blood_gas.by_group["count"]}).round(3)

# %%
lab7.two_audits(audit_oximeter, audit_blood_gas);

# %% mystnb={"image": {"alt": "Grouped bar chart of the alert's false-negative rate for White and Black test patients under two audits. Judged against the oximeter's own label, both bars are at or near zero and look equal. Judged against the arterial blood gas, both bars rise and the Black patients' bar is the tallest: the alert misses a larger share of truly hypoxaemic Black patients."}}
shown = ["White", "Black"]
audits = pd.DataFrame({"label: oximeter (SpO2 < 88%)": audit_oximeter.by_group["fnr"],
                       "label: blood gas (SaO2 < 88%)": audit_blood_gas.by_group["fnr"]}).loc[shown]
fig, ax = plt.subplots(figsize=(6, 3.8))
x = np.arange(len(audits.columns))
for i, (group, colour) in enumerate(zip(shown, ["#0072B2", "#D55E00"], strict=True)):
    ax.bar(x + (i - 0.5) * 0.38, audits.loc[group], width=0.38, color=colour,
           label=f"{group} patients")
ax.set_xticks(x, audits.columns)
ax.set_ylabel("False-negative rate of the alert (proportion)")
ax.set_title("The audit finds the gap only against the true label")
ax.legend()
plt.show()

# %% [markdown]
# Against the oximeter's label the alert looks excellent and equal in every
# group: an alert driven by SpO2, judged by SpO2, agrees with itself. The
# patients it misses are exactly the ones whose oximeter read too high, and a
# label taken from that same oximeter calls them "not hypoxaemic". Only an
# independent reference standard, the arterial blood gas, shows who was missed.
# This is the lesson of Lab 3's cost label, in a new form: **an audit is only as
# good as its label** {cite:p}`obermeyer2019dissecting`. Ask of every audit what
# its "truth" was measured with, and whether that measurement could share the
# model's error.
#
# Count the hypoxaemic test patients behind each rate before you quote it
# (print `audit_blood_gas.by_group` and the number hypoxaemic in each group):
# in the smaller groups a single patient moves the rate a lot.

# %%
(test["sao2_true"] < 88).groupby(race, observed=True).sum().rename("truly hypoxaemic")

# %% [markdown]
# ## 6. At the bedside, and at the purchasing committee
#
# What the FDA has said:
#
# - **February 2021**: a safety communication on pulse oximeter accuracy and
#   limitations told clinicians that several factors, skin pigmentation among
#   them, can affect accuracy; to read SpO2 as an estimate (an SpO2 of 90% may
#   stand for an arterial saturation of 86-94%); and, when possible, to base
#   decisions on trends in readings rather than on absolute thresholds
#   {cite:p}`fda2021pulseox`.
# - **1 November 2022**: the Anesthesiology and Respiratory Therapy Devices Panel
#   of the FDA's Medical Devices Advisory Committee met to discuss the evidence
#   on pulse oximeter accuracy, including by skin pigmentation, and what data
#   manufacturers should provide {cite:p}`fda2022pulseoxpanel`.
# - **2 February 2024**: the same panel met again on pulse oximeters, this time
#   on how premarket studies should take skin pigmentation and patients'
#   reported race and ethnicity into account {cite:p}`fda2024pulseoxpanel`.
# - **January 2025**: a **draft** guidance on non-clinical and clinical
#   performance testing, labelling and premarket submissions for pulse
#   oximeters, with recommendations for testing across a range of skin
#   pigmentation {cite:p}`fda2025pulseoxdraft`. A draft guidance is issued for
#   comment and is not for implementation until it is finalised; check its
#   status before you quote it as a requirement.
#
# At the bedside:
#
# - When the oximeter and the patient disagree (breathless, confused,
#   tachypnoeic, a rising oxygen requirement, but an SpO2 of 93%), believe the
#   patient and get an **arterial blood gas**.
# - Read an SpO2 of 92-96% as a range that can hide hypoxaemia, more often in
#   patients with darker skin; use trends, not one number
#   {cite:p}`sjoding2020racial,fda2021pulseox`.
# - Know that thresholds built on SpO2 (early-warning scores, eligibility for a
#   treatment, home-monitoring advice) carry the device's error into decisions
#   {cite:p}`fawzy2022racial`.
#
# At the committee:
#
# - Ask what the model's inputs are measured with, and whether that measurement
#   works equally well in every group.
# - Ask what label the fairness audit used. If it came from the same device, the
#   audit cannot see the device's bias; ask for an audit against an independent
#   reference standard, even on a sample of patients.

# %% [markdown]
# ## Knowledge check
#
# Answer each question and check it: every option explains why it is right
# or wrong. In the book your score is kept in your browser only.

# %%
quiz.show("labs/07_pulse_oximetry")

# %% [markdown]
# ## Clinical takeaways
#
# - A pulse oximeter can read normal while the arterial saturation is
#   dangerously low, and more often in Black patients; quote such rates with
#   their unit (per paired reading in Sjoding et al.).
# - Any rule or model that takes SpO2 as an input inherits the device's bias,
#   even when race is not an input and even when the model was trained on the
#   true label.
# - An audit against a label derived from the same measurement cannot see the
#   bias; only an independent reference standard (the arterial blood gas) can.
# - When the oximeter and the patient disagree, believe the patient and get a
#   blood gas.
#
# ## Further reading
#
# - Sjoding et al., *Racial bias in pulse oximetry measurement*
#   {cite:p}`sjoding2020racial`.
# - Fawzy et al., *Racial and ethnic discrepancy in pulse oximetry and delayed
#   identification of treatment eligibility among patients with COVID-19*
#   {cite:p}`fawzy2022racial`.
# - U.S. Food and Drug Administration, *Pulse oximeter accuracy and
#   limitations* {cite:p}`fda2021pulseox`, and the January 2025 draft guidance
#   on pulse oximeter performance testing {cite:p}`fda2025pulseoxdraft`.
# - Vyas, Eisenstein and Jones, *Hidden in plain sight: reconsidering the use of
#   race correction in clinical algorithms* {cite:p}`vyas2020hidden`.
