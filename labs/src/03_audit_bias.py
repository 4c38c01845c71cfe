# %% [markdown]
# # Lab 3 - Audit a readmission model for bias
#
# **Scenario.** Riverside General is about to switch on the readmission model
# from Lab 1. Every adult discharged home will get a risk score, and the
# nurse-led transitional-care programme (a phone call within 48 hours and a
# clinic visit within 7 days) will enrol the patients with the highest scores.
# Programmes like this have reduced hospital use in the 30 days after discharge
# in a randomised trial {cite:p}`jack2009reengineered`, so a place in it is
# worth having, and there are places for only about one discharged patient in
# five. Before the model goes live, the hospital's AI-governance committee asks
# you, the clinician on the committee, to audit it: does it work equally well
# for the patients it will decide about, and if not, who pays for its errors?
#
# **You will be able to** (objective codes in brackets; Russell et al. competency
# domains {cite:p}`russell2023competencies` after the semicolon)
# 1. break a model's errors down by race and ethnicity, sex, payer, age and their
#    intersections with fairlearn's `MetricFrame`, and say which patients each
#    error harms [LK3.1; D2, D4];
# 2. check whether predicted risks are calibrated within each group [LK3.2; D4];
# 3. attach bootstrap intervals to subgroup estimates and refuse to read a small
#    group's point estimate as a finding [LK3.3; D4];
# 4. explain why common fairness criteria cannot all hold at once when base
#    rates differ [LK3.4; D2];
# 5. recognise label bias when a proxy outcome stands in for need [LK3.5; D2];
# 6. apply a post-processing mitigation, weigh what it costs, and list what to
#    ask a vendor [LK3.6; D2, D5].
#
# **Time:** 95 min. **Needs:** Lab 1, Lab 2. **Data:** the SYNTHETIC admissions
# cohort (made up by a generator; no real patient is in it); the dataset card is
# below.

# %%
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from fairlearn.postprocessing import ThresholdOptimizer
from sklearn.metrics import precision_score

from labkit import audit, cohorts, datasets, evaluate, quiz
from labkit.checks import hints, lab3

RANDOM_STATE = 0
hints.install()  # a one-line hint under the errors learners meet most
datasets.card("admissions")

# %% [markdown]
# ## The model and the decision it drives
#
# `labkit.cohorts` rebuilds Lab 1's task (adults discharged alive and not to
# hospice; trained on 2019-2022; tested on 2023-2024 patients the model has never
# seen) and fits the same logistic-regression model. Race and ethnicity are **not**
# model inputs: they are kept beside the data for audits like this one.

# %%
task = cohorts.readmission_task()
model = cohorts.reference_model(task, "logistic")
test = task.test
y_test = task.y_test.to_numpy()
risk = model.predict_proba(task.X_test)[:, 1]
race = test["race_ethnicity"]
print(f"{len(test)} test discharges (2023-2024), {y_test.mean():.1%} readmitted within 30 days")

# %% [markdown]
# The committee does not act on a probability; it acts on a **decision rule**.
# The programme has places for about one discharged patient in five, so the
# rule is: enrol the 20% of patients with the highest predicted risk. The
# threshold is the 80th percentile of risk in the test set (in practice it would
# be fixed in advance from recent data; here it makes exactly 20% flagged).

# %%
threshold = np.quantile(risk, 0.80)
y_pred = (risk >= threshold).astype(int)
weeks = 2 * 52  # the test set covers two years
print(f"threshold {threshold:.3f}: {y_pred.sum()} of {len(y_pred)} patients flagged "
      f"({y_pred.mean():.0%}), about {y_pred.sum() / weeks:.0f} a week")

# %% [markdown]
# Who is in the test set? `audit.group_sizes` counts patients and readmissions
# (the *events*) in each group and warns about groups too small to judge. A
# rate among readmitted patients, such as sensitivity, rests on the number of
# events, not on the number of patients: external validation of a prediction
# model needs at least 100 events, ideally 200 {cite:p}`collins2016sample`.

# %%
sizes = audit.group_sizes(race, y_test)
sizes.round(3)

# %% [markdown]
# ## 1. Who is missed, and who is flagged? Error rates by group
#
# A **disaggregated evaluation** computes the same metrics separately in each
# group of patients {cite:p}`weerts2023fairlearn`. For this programme:
#
# | metric | plain meaning here | who is harmed when it is poor |
# | --- | --- | --- |
# | selection rate | share of the group offered a place | the group, if it gets fewer places than its need |
# | sensitivity (TPR) | share of patients who *were* readmitted whom the model flagged | - |
# | false-negative rate (FNR = 1 - TPR) | share of readmitted patients the model **missed** | high-risk patients denied the programme: no call, no early visit |
# | false-positive rate (FPR) | share of patients *not* readmitted who were flagged anyway | others: each one uses a place a higher-risk patient could have had |
# | PPV (precision) | share of flagged patients who were readmitted | nurses' time spent on patients who did not need it |
# | count | patients in the group | - |
#
# A false negative is the error that matters most here: a patient who goes on to
# be readmitted was denied a programme meant to prevent exactly that. A false
# positive costs a phone call and a clinic visit, and one place fewer for
# someone else. Both are *allocation* harms: the model decides who gets a scarce
# resource {cite:p}`weerts2023fairlearn`. Rajkomar et al. argue that such
# resources should reach groups in proportion to their need, which is why the
# selection rate belongs in the table {cite:p}`rajkomar2018ensuring`.
#
# For a group in which nobody is flagged, PPV is undefined; `ppv` below returns
# NaN instead of a warning in that case.

# %%
ppv = partial(precision_score, zero_division=np.nan)

# %% [markdown]
# ### Exercise 3.1 - Build the MetricFrame
# <!-- assesses: LK3.1 -->
# Make a dict `metrics` with the keys `"selection_rate"`, `"tpr"`, `"fpr"`,
# `"fnr"`, `"ppv"` and `"count"` mapped to `selection_rate`,
# `true_positive_rate`, `false_positive_rate`, `false_negative_rate`, `ppv` and
# `count`. Then build `mf`, a `MetricFrame` of these metrics on the test set
# (`y_test`, `y_pred`), by race and ethnicity (`race`). fairlearn accepts
# keyword arguments only: `MetricFrame(metrics=..., y_true=..., y_pred=...,
# sensitive_features=...)`.

# %% tags=["solution"]
# A dict of metric functions, then one MetricFrame by race and ethnicity.
metrics = {"selection_rate": selection_rate, "tpr": true_positive_rate,
           "fpr": false_positive_rate, "fnr": false_negative_rate, "ppv": ppv, "count": count}
mf = MetricFrame(metrics=metrics, y_true=y_test, y_pred=y_pred, sensitive_features=race)
mf.by_group.round(3)

# %%
lab3.metric_frame(mf);

# %% [markdown]
# Read the table row by row, and read the `count` column first. The model does
# not see race, yet it flags groups at different rates, because its inputs
# (age, comorbidities, prior use, payer, area deprivation) differ between groups.
# The next cell puts each group's share offered a place and share of readmitted
# patients missed beside the number of readmitted patients behind that rate,
# largest group first.

# %%
rates = mf.by_group
pd.DataFrame({"patients": rates["count"].astype(int),
              "readmitted": sizes["events"],
              "offered a place": rates["selection_rate"],
              "readmitted but missed (FNR)": rates["fnr"]}
             ).sort_values("patients", ascending=False).round(2)

# %% tags=["glue"]
from labkit.glue import glue

glue("l3_fnr_black", rates.loc["Black", "fnr"])
glue("l3_fnr_white", rates.loc["White", "fnr"])

# %% [markdown]
# Read each rate beside its count, not on its own. The lowest
# miss rate, 56%<!--glue:l3_fnr_black:.0%--> for Black patients, still means that more
# than half of the readmitted Black patients were missed; White patients, the largest
# group, were missed more often (72%<!--glue:l3_fnr_white:.0%-->), and every group's
# miss rate is above one half.
# With places for one patient in five, this rule misses most readmissions in
# every group.

# %% [markdown]
# ### Exercise 3.2 - Summarise the gap
# <!-- assesses: LK3.1 -->
# `mf.difference()` gives, for each metric, the largest minus the smallest value
# across groups; `mf.ratio()` gives the smallest divided by the largest (1 means
# equal). Store the FNR entries in `fnr_gap` and `fnr_ratio`.

# %% tags=["solution"]
# Take the FNR entry of the between-group difference and ratio.
fnr_gap = mf.difference()["fnr"]
fnr_ratio = mf.ratio()["fnr"]
print(f"FNR difference {fnr_gap:.2f}, ratio {fnr_ratio:.2f}")

# %%
lab3.fnr_gaps(fnr_gap, fnr_ratio);

# %% [markdown]
# A single number hides which groups set it, and how many patients stand behind
# them. Keep that in mind for Section 3. Now the other attributes: sex, payer,
# and age band (a helper cuts age into 18-44, 45-64, 65-74 and 75+ years).

# %%
attributes = {"race and ethnicity": race, "sex": test["sex"], "payer": test["payer"],
              "age band": audit.age_band(test["age"])}
frames = {name: MetricFrame(metrics=metrics, y_true=y_test, y_pred=y_pred,
                            sensitive_features=col) for name, col in attributes.items()}
pd.DataFrame({name: f.difference() for name, f in frames.items()}).T.drop(columns="count").round(3)

# %%
frames["age band"].by_group.round(3)

# %% [markdown]
# The largest gaps are by age band: the rule offers places mostly to older
# patients, and young adults who are readmitted are nearly all missed. Age is a
# model input and readmission is more common with age, so part of this is the
# model doing its job; whether a 30-year-old who will be readmitted should have
# less chance of a place is a question for the committee, not for the code.
#
# Groups also **intersect**: a patient is both a race and a sex. Passing two
# columns gives one row per combination, and shows how quickly the cells empty.
# A small extra metric counts the readmitted patients behind each FNR.

# %%
def readmitted(y_true, y_pred):
    """Number of patients who were readmitted (y_pred is not used)."""
    return int(np.sum(y_true))


by_race_sex = MetricFrame(metrics=metrics | {"readmitted": readmitted}, y_true=y_test,
                          y_pred=y_pred, sensitive_features=test[["race_ethnicity", "sex"]])
by_race_sex.by_group[["count", "readmitted", "selection_rate", "fnr"]].round(3)

# %% [markdown]
# A cell whose FNR is close to 0 or 1 looks alarming (or reassuring). Look at
# the `readmitted` column before you believe it: such a rate can rest on a
# handful of patients. Section 3 puts a
# number on that uncertainty.

# %% [markdown]
# ## 2. Does a predicted 20% mean 20% in every group? Calibration by group
#
# A model is **calibrated** when, among patients given a risk of 20%, about 20%
# are readmitted {cite:p}`vancalster2019calibration`. Overall calibration can
# hide groups whose risks are over- or under-estimated. If a group's risks are
# over-estimated, its members are pushed above the threshold more often than
# their true risk justifies, and members of other groups lose places.

# %% [markdown]
# ### Exercise 3.3 - A calibration table by group
# <!-- assesses: LK3.2 -->
# Build `calib`, a DataFrame with one row per race and ethnicity group and the
# columns `n` (patients), `observed` (share readmitted, the mean of `y_test`)
# and `predicted` (mean predicted risk, the mean of `risk`).

# %% tags=["solution"]
# Put group, outcome and risk side by side, then average them within each group.
frame = pd.DataFrame({"group": race, "observed": y_test, "predicted": risk})
calib = frame.groupby("group", observed=True).agg(
    n=("observed", "size"), observed=("observed", "mean"), predicted=("predicted", "mean"))
calib.round(3)

# %%
lab3.calibration_table(calib);

# %% [markdown]
# **Calibration-in-the-large** summarises the same comparison on the log-odds
# scale: the intercept of a logistic model of the outcome with the predicted
# log-odds as a fixed offset. Zero is ideal; below zero means risks are
# over-estimated on average {cite:p}`vancalster2019calibration`. The estimate for
# a small group is unstable, so read it beside `n`.

# %%
calib["o_minus_e"] = calib["observed"] - calib["predicted"]
calib["citl"] = [evaluate.calibration_intercept_slope(y_test[(race == g).to_numpy()],
                                                      risk[(race == g).to_numpy()])[0]
                 for g in calib.index]
calib.round(3)

# %% [markdown]
# A calibration curve per group shows where on the risk scale the model goes
# wrong. The cell draws one for each group with at least 500 patients
# (quintiles of predicted risk within the group); the smaller groups are too
# small for a curve.

# %% mystnb={"image": {"alt": "Calibration curves for White, Black and Hispanic test patients, five points each (quintiles of predicted risk within the group), against a dotted diagonal of perfect calibration. In every group the top fifth of predicted risks lies well below the diagonal: White 28.5%<!--glue:l3_cal_top_white_pred:.1%--> predicted against 21.2%<!--glue:l3_cal_top_white_obs:.1%--> observed, Black 34.6%<!--glue:l3_cal_top_black_pred:.1%--> against 26.6%<!--glue:l3_cal_top_black_obs:.1%-->, Hispanic 29.9%<!--glue:l3_cal_top_hispanic_pred:.1%--> against 19.7%<!--glue:l3_cal_top_hispanic_obs:.1%-->. The lower points scatter on both sides of the diagonal, with the Hispanic curve mostly below it."}}
PALETTE = ["#0072B2", "#D55E00", "#009E73"]  # Okabe-Ito blue, vermilion, green
large = calib.index[calib["n"] >= 500]
patients = pd.DataFrame({"group": race, "observed": y_test, "predicted": risk})
fig, ax = plt.subplots(figsize=(5.5, 4))
for group, colour in zip(large, PALETTE, strict=False):
    g = patients[patients["group"] == group]
    bins = g.groupby(pd.qcut(g["predicted"], 5), observed=True)[["predicted", "observed"]].mean()
    ax.plot(100 * bins["predicted"], 100 * bins["observed"], "o-", color=colour, label=group)
ax.plot([0, 40], [0, 40], ":", color="grey", label="perfect calibration")
ax.set_xlabel("Mean predicted risk of readmission (%)")
ax.set_ylabel("Observed readmission rate (%)")
ax.set_title("The highest risks are too high in every large group")
ax.legend(title="Test patients, 2023-2024")
plt.show()

# %% tags=["glue"]
from labkit.glue import glue

# The top fifth of predicted risk within each group, as plotted (qcut quintile 4).
_top = {group: g[pd.qcut(g["predicted"], 5, labels=False) == 4].mean(numeric_only=True)
        for group, g in patients.groupby("group", observed=True)}
glue("l3_cal_top_white_pred", _top["White"]["predicted"])
glue("l3_cal_top_white_obs", _top["White"]["observed"])
glue("l3_cal_top_black_pred", _top["Black"]["predicted"])
glue("l3_cal_top_black_obs", _top["Black"]["observed"])
glue("l3_cal_top_hispanic_pred", _top["Hispanic"]["predicted"])
glue("l3_cal_top_hispanic_obs", _top["Hispanic"]["observed"])

# %% [markdown]
# Each point summarises about a fifth of a group, so a few hundred patients or
# fewer: the curves wobble, and only large, consistent departures deserve
# attention. Was the model miscalibrated by group from the start? Compare the
# same observed-minus-predicted difference in the training years:

# %%
p_train = model.predict_proba(task.X_train)[:, 1]
train_frame = pd.DataFrame({"group": task.train["race_ethnicity"],
                            "observed": task.y_train, "predicted": p_train})
train_calib = train_frame.groupby("group", observed=True)[["observed", "predicted"]].mean()
pd.DataFrame({"o_minus_e 2019-2022": train_calib["observed"] - train_calib["predicted"],
              "o_minus_e 2023-2024": calib["o_minus_e"]}).round(3)

# %% [markdown]
# In the years it learned from (a flattering comparison: these are the data it
# was fitted to), the model's average risk matched each large group's
# readmission rate closely; in the test years it runs too high for some
# groups. Calibration by group can drift after deployment (the cohort has a
# documented change in practice in 2023; see its datasheet), so it has to be
# monitored, not certified once.
# Miscalibration by group is also a concrete way for a model to treat groups
# differently without ever seeing race: over-estimated groups take more of the
# places.

# %% [markdown]
# ## 3. How sure are we? Intervals and small groups
#
# Every number in the tables above is an estimate from a sample. The
# **bootstrap** resamples the patients of each group with replacement many times
# and recomputes the metric each time; the middle 95% of those values is a 95%
# interval {cite:p}`efron1993introduction`. `audit.bootstrap_by_group` does this
# within each group (1,000 resamples, seeded) and repeats the small-group
# warnings. Some patients were admitted more than once in 2023-2024, and their
# admissions are not independent, so it resamples **patients** (each with all
# of their admissions), given their `patient_key`.

# %%
fnr_ci = audit.bootstrap_by_group(false_negative_rate, y_test, y_pred, race,
                                  patient_id=test["patient_key"], random_state=RANDOM_STATE)
fnr_ci.round(3)

# %% mystnb={"image": {"alt": "Forest plot of the false-negative rate with 95% bootstrap intervals for six race and ethnicity groups, ordered by the number of readmitted patients. White patients (418<!--glue:l3_ci_white_events:d--> readmitted) have an interval 0.08<!--glue:l3_ci_white_width:.2f--> wide (0.68<!--glue:l3_ci_white_low:.2f--> to 0.76<!--glue:l3_ci_white_high:.2f-->) and Black patients (117<!--glue:l3_ci_black_events:d-->) one 0.18<!--glue:l3_ci_black_width:.2f--> wide; the interval widens as the groups shrink, to 0.78<!--glue:l3_ci_aian_width:.2f--> wide (0.22<!--glue:l3_ci_aian_low:.2f--> to 1.00<!--glue:l3_ci_aian_high:.2f-->) for American Indian or Alaska Native patients, of whom 8<!--glue:l3_ci_aian_events:d--> were readmitted."}}
order = fnr_ci.sort_values("events").index
fig, ax = plt.subplots(figsize=(7, 3.5))
y_pos = np.arange(len(order))
est = fnr_ci.loc[order]
ax.errorbar(est["estimate"], y_pos, xerr=[est["estimate"] - est["low"], est["high"] - est["estimate"]],
            fmt="o", color="#0072B2", ecolor="#56B4E9", capsize=3)
ax.set_yticks(y_pos, [f"{g} ({e} readmitted)" for g, e in zip(order, est["events"], strict=True)])
ax.set_xlim(0, 1)
ax.set_xlabel("False-negative rate (share of readmitted patients missed)")
ax.set_title("The fewer the readmissions, the wider the interval")
plt.show()

# %% tags=["glue"]
from labkit.glue import glue

glue("l3_ci_white_events", fnr_ci.loc["White", "events"])
glue("l3_ci_white_width", fnr_ci.loc["White", "high"] - fnr_ci.loc["White", "low"])
glue("l3_ci_white_low", fnr_ci.loc["White", "low"])
glue("l3_ci_white_high", fnr_ci.loc["White", "high"])
glue("l3_ci_black_events", fnr_ci.loc["Black", "events"])
glue("l3_ci_black_width", fnr_ci.loc["Black", "high"] - fnr_ci.loc["Black", "low"])
glue("l3_ci_aian_width", fnr_ci.loc["American Indian or Alaska Native", "high"]
     - fnr_ci.loc["American Indian or Alaska Native", "low"])
glue("l3_ci_aian_low", fnr_ci.loc["American Indian or Alaska Native", "low"])
glue("l3_ci_aian_high", fnr_ci.loc["American Indian or Alaska Native", "high"])
glue("l3_ci_aian_events", fnr_ci.loc["American Indian or Alaska Native", "events"])

# %%
aian = fnr_ci.loc["American Indian or Alaska Native"]
print(f"American Indian or Alaska Native patients: {aian['n']} test admissions, "
      f"{aian['events']} readmitted; FNR {aian['estimate']:.2f} "
      f"(95% interval {aian['low']:.2f} to {aian['high']:.2f})")

# %% [markdown]
# An interval that covers most of the range from 0 to 1 says: *we do not know*.
# A point estimate from a handful of readmitted patients can look like the best
# or the worst group by chance alone, and the between-group difference from
# Exercise 3.2 is the gap between the two most extreme groups, which are often
# the smallest.
# What to do instead:
#
# - report the interval and the number of events beside every subgroup estimate;
# - do not claim a difference the intervals cannot support, and do not claim
#   *no* difference either: absence of evidence is not evidence of fairness;
# - for a small group, ask for more data (more years, pooled sites) or a
#   targeted review of its patients' charts, rather than drop it from the audit.
#
# For the comparisons below we keep the groups without a warning.

# %%
reliable = sizes.index[sizes["warning"] == ""].tolist()
print("groups with at least 100 readmissions:", reliable)

# %% [markdown]
# ## 4. Why the fairness criteria cannot all hold at once
#
# Three criteria are often proposed:
#
# 1. **calibration within groups**: a given risk means the same in every group
#    (and, for a decision rule, equal PPV: *predictive parity*);
# 2. **equal error rates**: the same FNR and the same FPR in every group
#    (*equalised odds*; equal sensitivity alone is *equal opportunity*
#    {cite:p}`hardt2016equality`);
# 3. **equal selection rates** (*demographic parity*).
#
# When the outcome is more common in one group than another, the first two
# cannot both hold, except for a perfect model. Chouldechova showed it for a
# decision rule {cite:p}`chouldechova2017fair`; Kleinberg, Mullainathan and
# Raghavan proved the same for risk scores {cite:p}`kleinberg2017inherent`. The
# heart of it is arithmetic. For any group with base rate *p* (the share
# readmitted),
#
# FPR = *p* / (1 - *p*) x (1 - PPV) / PPV x (1 - FNR).
#
# Fix PPV and FNR, and the FPR must change with the base rate. First, the base
# rates in this cohort:

# %%
base_rate = sizes["events"] / sizes["n"]
base_rate.round(3)

# %% [markdown]
# The identity holds in every group of our audit (it is arithmetic, not a
# model): compare the measured FPR with the one it implies.

# %%
g = mf.by_group
odds = base_rate / (1 - base_rate)
identity = pd.DataFrame({"base rate": base_rate, "PPV": g["ppv"], "FNR": g["fnr"],
                         "FPR measured": g["fpr"],
                         "FPR from identity": odds * (1 - g["ppv"]) / g["ppv"] * (1 - g["fnr"])})
identity.round(3)

# %% [markdown]
# Now imagine a model that achieved equal PPV *and* equal FNR in every group,
# at the overall values. The identity forces its FPR:

# %%
overall = mf.overall
forced_fpr = odds * (1 - overall["ppv"]) / overall["ppv"] * (1 - overall["fnr"])
forced_fpr.round(3)

# %% [markdown]
# The groups with higher base rates would have to carry higher false-positive
# rates. No amount of modelling removes this; choosing which criterion to
# prioritise is a value judgement for the committee, not a technical detail
# {cite:p}`rajkomar2018ensuring`. For this programme, where a missed high-risk
# patient is the main harm, equal sensitivity (equal opportunity) is a natural
# priority, with calibration checked beside it.

# %% [markdown]
# ## 5. Label bias: what is the model really predicting?
#
# Obermeyer et al. studied a commercial algorithm that chose patients for a
# care-management programme by predicting their **health-care costs**. Because
# less was spent on Black patients with the same health needs, the algorithm
# under-selected them: at the same score, Black patients were considerably
# sicker {cite:p}`obermeyer2019dissecting`. The model was accurate; the label was
# the problem.
#
# The synthetic cohort has this built in: next-year spending is lower for Black
# patients at the same number of chronic conditions (the datasheet gives the
# size). Its columns `cost_next_year_usd` (a cost proxy, known only a year
# later) and `n_chronic_conditions` (a simple measure of need) let you see what
# each label would do if it were used to pick patients.

# %% [markdown]
# ### Exercise 3.4 - Rank by cost, rank by need
# <!-- assesses: LK3.5 -->
# Let `k = len(test) // 5` (20% of test patients).
#
# 1. `top_cost`: the `k` test patients with the highest `cost_next_year_usd`,
#    `test.nlargest(k, "cost_next_year_usd", keep="all")`.
# 2. `top_need`: the `k` with the most `n_chronic_conditions`, likewise with
#    `keep="all"`. Why `keep="all"`? The count of conditions runs only from 0
#    to 10, so hundreds of patients tie at the cut-off, and by default
#    `nlargest` keeps whichever of them come first in the file: a choice made
#    by row order, not by you. `keep="all"` keeps every tied patient, so the
#    selection can hold more than `k` patients; the shares below stay
#    comparable because they are shares.
# 3. Store the share of Black patients in each selection in `share_black_cost`
#    and `share_black_need`.

# %% tags=["solution"]
# Select the top k patients by each label; the share who are Black in each selection.
k = len(test) // 5
top_cost = test.nlargest(k, "cost_next_year_usd", keep="all")
top_need = test.nlargest(k, "n_chronic_conditions", keep="all")
share_black_cost = (top_cost["race_ethnicity"] == "Black").mean()
share_black_need = (top_need["race_ethnicity"] == "Black").mean()
print(f"Black patients: {share_black_cost:.1%} of the top {len(top_cost)} by cost, "
      f"{share_black_need:.1%} of the top {len(top_need)} by need (ties kept), "
      f"{(race == 'Black').mean():.1%} of all test patients")

# %%
lab3.label_bias(share_black_cost, share_black_need);

# %% [markdown]
# Among the patients the cost label would select, compare how sick each group is:

# %%
top_cost.groupby("race_ethnicity", observed=True)["n_chronic_conditions"].agg(["size", "mean"]).round(2)

# %% [markdown]
# Black patients picked by cost have more chronic conditions than White patients
# picked by cost: to be selected they had to be sicker. Nothing in Sections 1 to
# 4 would reveal this, because every metric there compares predictions with the
# label. An audit against a biased label certifies the bias. In Obermeyer's
# study, patients above the 97th percentile of the cost score were
# automatically identified for the programme; in a simulation that removed the
# disparity, the share of Black patients in that group would have risen from
# 17.7% to 46.5% (a simulated share of the top-scoring group, not a count of
# patients who received help). Changing the label to an index that combined
# predicted health with predicted cost reduced the bias by 84%
# {cite:p}`obermeyer2019dissecting`. Our label, readmission, is closer to need
# than cost is, but it is still a proxy: ask of any label what it measures, and
# for whom it might be measured differently.

# %% [markdown]
# ## 6. What to ask a vendor
#
# Most hospitals buy models rather than build them. Before signing, a clinician
# on the committee should ask (reporting guidance such as TRIPOD+AI asks
# developers to report much of this {cite:p}`collins2024tripod`):
#
# 1. **What exactly is the label?** Is it a proxy (cost, use, a code) for what
#    we care about (need, harm)? For whom might the proxy be measured
#    differently {cite:p}`obermeyer2019dissecting`?
# 2. **Performance by group**: sensitivity, FPR, PPV and calibration by race and
#    ethnicity, sex, payer, age and their main intersections, with counts,
#    numbers of events and confidence intervals, not only overall AUROC.
# 3. **Whose data?** When, where, which patients; how our patients differ; has
#    it been validated on data from after a change in practice?
# 4. **Are race or its proxies inputs?** Why, and what happens to each group's
#    scores without them {cite:p}`vyas2020hidden`?
# 5. **At our threshold and capacity**, who would be flagged and who missed?
#    Can we run this audit on our own data before go-live and monitor it after?
# 6. **What fairness criterion did you choose, and why?** They cannot all hold
#    {cite:p}`chouldechova2017fair`.
# 7. **Who is accountable** when the audit finds a gap, and how is the model
#    updated? In the United States, a 2024 federal rule requires covered health
#    programmes to make reasonable efforts to identify the patient-care
#    decision-support tools they use whose inputs measure race, colour,
#    national origin, sex, age or disability, and to mitigate the risk of
#    discrimination from them {cite:p}`hhs2024section1557`.

# %% [markdown]
# ## 7. One mitigation and its price: ThresholdOptimizer
#
# If equal sensitivity is the priority, a **post-processing** method can enforce
# it without retraining: fairlearn's `ThresholdOptimizer` chooses a separate
# threshold for each group so that the groups' sensitivities match while a
# performance objective is as good as possible {cite:p}`hardt2016equality`. Where
# no single threshold hits the target, it mixes two, so some patients' decisions
# are made by a weighted coin toss. We fit it on the **training** years and judge
# it on the test years, like the model itself.

# %% [markdown]
# ### Exercise 3.5 - Equalise sensitivity
# <!-- assesses: LK3.6 -->
# Five steps, each one line or two:
#
# 1. `mitigator`: a `ThresholdOptimizer` with `estimator=model`,
#    `constraints="true_positive_rate_parity"`,
#    `objective="balanced_accuracy_score"`, `prefit=True` and
#    `predict_method="predict_proba"`.
# 2. Fit it on the training set: `task.X_train`, `task.y_train`,
#    `sensitive_features=task.train["race_ethnicity"]`.
# 3. `y_pred_fair`: its test-set flags, `mitigator.predict(task.X_test,
#    sensitive_features=race, random_state=RANDOM_STATE)`.
# 4. `tpr_fair`: each group's sensitivity under `y_pred_fair`, the `by_group`
#    of a `MetricFrame` of `true_positive_rate`.
# 5. `tpr_gap_after`: the largest minus the smallest sensitivity among the
#    `reliable` groups.

# %% tags=["solution"]
# Build and fit on the training set, flag the test set (seeded), each group's
# sensitivity, then the gap among the reliable groups.
mitigator = ThresholdOptimizer(estimator=model, constraints="true_positive_rate_parity",
                               objective="balanced_accuracy_score", prefit=True,
                               predict_method="predict_proba")
mitigator.fit(task.X_train, task.y_train, sensitive_features=task.train["race_ethnicity"])
y_pred_fair = mitigator.predict(task.X_test, sensitive_features=race, random_state=RANDOM_STATE)
tpr_fair = MetricFrame(metrics=true_positive_rate, y_true=y_test, y_pred=y_pred_fair,
                       sensitive_features=race).by_group
tpr_gap_after = tpr_fair[reliable].max() - tpr_fair[reliable].min()
print(f"sensitivity gap {tpr_gap_after:.3f}; patients flagged {y_pred_fair.mean():.0%}")

# %%
lab3.mitigation(mitigator, y_pred_fair, tpr_gap_after, tpr_fair);

# %% [markdown]
# Compare it fairly. The mitigator flags far more than 20% of patients, so set it
# beside the original model's single threshold at **every** share of patients
# flagged, from 5% to 60%.

# %%
def summary(flags):
    """Overall sensitivity and PPV, and the sensitivity gap between reliable groups.

    Sensitivity by group is the share flagged among each group's readmitted
    patients: a groupby gives the same numbers as a MetricFrame, fast enough to
    repeat for every share of patients flagged."""
    readmitted = y_test == 1
    tpr = pd.Series(flags[readmitted]).groupby(race.to_numpy()[readmitted]).mean()[reliable]
    return {"flagged": flags.mean(), "sensitivity": true_positive_rate(y_test, flags),
            "ppv": ppv(y_test, flags), "gap": tpr.max() - tpr.min()}


shares = np.arange(0.05, 0.61, 0.01)
single = pd.DataFrame([summary((risk >= np.quantile(risk, 1 - s)).astype(int)) for s in shares])
after = summary(y_pred_fair)
before = summary(y_pred)
pd.DataFrame({"before (top 20%)": before, "after (ThresholdOptimizer)": after}).round(3)

# %% mystnb={"image": {"alt": "Two panels against the share of test patients flagged, 5% to 60%, with a dotted line at the programme's capacity of 20%. Left: for the single-threshold model the sensitivity gap between White and Black patients lies between 0.03<!--glue:l3_gap_min:.2f--> and 0.20<!--glue:l3_gap_max:.2f--> (0.165<!--glue:l3_gap_before:.3f--> at 20%); the ThresholdOptimizer point, at 43%<!--glue:l3_flagged_after:.0%--> flagged, has a gap of 0.014<!--glue:l3_gap_after:.3f-->. Right: overall sensitivity rises from 0.08<!--glue:l3_sens_first:.2f--> to 0.76<!--glue:l3_sens_last:.2f--> and PPV falls from a peak of 0.26<!--glue:l3_ppv_peak:.2f--> to 0.18<!--glue:l3_ppv_last:.2f--> as more patients are flagged; the ThresholdOptimizer point lies on the same curves (sensitivity 0.60<!--glue:l3_sens_after:.2f-->, PPV 0.20<!--glue:l3_ppv_after:.2f-->)."}}
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
x, x_after = 100 * single["flagged"], 100 * after["flagged"]
left.plot(x, single["gap"], color="#0072B2", label="single threshold")
left.plot(x_after, after["gap"], "D", color="#D55E00", label="ThresholdOptimizer")
right.plot(x, single["sensitivity"], color="#0072B2", label="sensitivity, single threshold")
right.plot(x, single["ppv"], color="#E69F00", label="PPV, single threshold")
right.plot([x_after] * 2, [after["sensitivity"], after["ppv"]], "D", color="#D55E00",
           label="ThresholdOptimizer")
for ax, where in ((left, "upper right"), (right, "upper left")):
    ax.axvline(20, ls=":", color="grey", label="programme capacity (20%)")
    ax.set_xlabel("Patients flagged (% of test set)")
    ax.legend(fontsize=8, loc=where)
left.set(ylim=(0, 1.4 * single["gap"].max()),
         ylabel=f"Sensitivity gap, {' vs '.join(reliable)} (proportion)")
right.set_ylabel("Overall sensitivity or PPV (proportion)")
fig.suptitle(f"Equal sensitivity came with {after['flagged']:.0%} of patients flagged; "
             f"the programme has places for {before['flagged']:.0%}")
plt.show()

# %% tags=["glue"]
from labkit.glue import glue

glue("l3_gap_min", single["gap"].min())
glue("l3_gap_max", single["gap"].max())
glue("l3_gap_before", before["gap"])
glue("l3_flagged_after", after["flagged"])
glue("l3_gap_after", after["gap"])
glue("l3_sens_first", single["sensitivity"].iloc[0])
glue("l3_sens_last", single["sensitivity"].iloc[-1])
glue("l3_ppv_peak", single["ppv"].max())
glue("l3_ppv_last", single["ppv"].iloc[-1])
glue("l3_sens_after", after["sensitivity"])
glue("l3_ppv_after", after["ppv"])

# %% [markdown]
# Who gains and who loses? Compare each group's sensitivity under the mitigator
# with the single threshold that flags the **same** number of patients:

# %%
same_share = (risk >= np.quantile(risk, 1 - y_pred_fair.mean())).astype(int)
tpr_same = MetricFrame(metrics=true_positive_rate, y_true=y_test, y_pred=same_share,
                       sensitive_features=race).by_group
pd.DataFrame({"single threshold, same share": tpr_same, "ThresholdOptimizer": tpr_fair}).round(3)

# %% [markdown]
# What the mitigation costs, and what it cannot do:
#
# - **Capacity.** The objective (balanced accuracy) chose thresholds that flag
#   far more patients than the programme can take. Squeezing the same rule into
#   20% of places means choosing again, and the gap can reopen.
# - **Levelling down.** At the same number of places, equal sensitivity was
#   reached partly by *lowering* it for the group the single threshold served
#   best. Parity is not the same as benefit; look at each group's numbers, not
#   only at the gap.
# - **Race at the moment of decision.** The mitigator needs each patient's race
#   and ethnicity to pick the threshold. Using race to allocate care raises legal
#   questions (anti-discrimination law such as section 1557 in the United
#   States {cite:p}`hhs2024section1557`) and ethical ones: recorded race is a
#   social category, often recorded inconsistently, and race-based adjustments in
#   clinical algorithms have directed care away from minority patients before
#   {cite:p}`vyas2020hidden`. Ask the hospital's legal and ethics advisers before
#   any such rule goes live.
# - **Coin tosses.** Some patients get a randomised decision: two patients with
#   the same risk and race can be treated differently. Explain that to a patient.
# - **Small groups.** The thresholds for a group with a few dozen readmissions in
#   training are as noisy as the estimates in Section 3.
# - **It cannot fix the label.** Equal sensitivity for *cost* would still
#   under-serve the sicker Black patients of Section 5. Post-processing adjusts
#   who is flagged for the outcome you gave it, never what that outcome means.
#
# Other options are often better first steps: a label closer to need, better
# data for under-served groups, recalibration on recent local data (Lab 2), more
# programme places, and a human review of patients just below the threshold.

# %% [markdown]
# ## Knowledge check
#
# Answer each question and check it: every option explains why it is right
# or wrong. In the book your score is kept in your browser only.

# %%
quiz.show("labs/03_audit_bias")

# %% [markdown]
# ## Clinical takeaways
#
# - Ask for performance **by group**, at **your** threshold and capacity, with
#   counts, events and intervals; an overall AUROC tells you nothing about who is
#   missed.
# - Name the harm of each error: here a false negative is a high-risk patient
#   denied the programme.
# - A point estimate from a small group is not a finding; neither is the absence
#   of a gap.
# - Fairness criteria conflict when base rates differ; choosing among them is a
#   value judgement the committee must make and record.
# - Check the label: a model that predicts cost, not need, under-serves patients
#   on whom less is spent, and no metric computed against that label will show it.
# - Mitigations have costs (capacity, levelling down, race at decision time) and
#   never fix a biased label.
#
# ## Further reading
#
# - Obermeyer et al., *Dissecting racial bias in an algorithm used to manage the
#   health of populations* {cite:p}`obermeyer2019dissecting`.
# - Rajkomar et al., *Ensuring fairness in machine learning to advance health
#   equity* {cite:p}`rajkomar2018ensuring`.
# - Chouldechova, *Fair prediction with disparate impact*
#   {cite:p}`chouldechova2017fair`; Kleinberg, Mullainathan and Raghavan,
#   *Inherent trade-offs in the fair determination of risk scores*
#   {cite:p}`kleinberg2017inherent`.
# - Vyas, Eisenstein and Jones, *Hidden in plain sight: reconsidering the use of
#   race correction in clinical algorithms* {cite:p}`vyas2020hidden`.
# - Weerts et al., *Fairlearn: assessing and improving fairness of AI systems*
#   {cite:p}`weerts2023fairlearn`, and the fairlearn user guide.
