# %% [markdown]
# # Lab 9 - Dataset shift and monitoring a deployed model
#
# **Scenario.** On 1 January 2023 Riverside General switched on the readmission
# model you built in Lab 1, trained on the discharges of 2019-2022. Every adult
# discharged alive and not to hospice gets a predicted risk, and the nurse-led
# transitional-care programme calls the fifth of discharges with the highest
# risk. The hospital did not stand still: in 2023 a geriatric service opened,
# so more patients aged 75 and over are admitted, and a transitional-care
# programme for patients with heart failure began, which lowered their
# readmissions. Nobody told the model. You are the clinician on the
# AI-governance committee, which reviews the model every quarter. Is it still
# right, and for whom? How would the committee have known? What should it do,
# and who was harmed while nobody looked?
#
# **You will be able to** (objective codes in brackets; Russell et al. competency
# domains {cite:p}`russell2023competencies` after the semicolon)
# 1. validate a model year by year on later patients, and tell a change in case
#    mix (the inputs) from a change in how the outcome depends on them
#    [LK9.1; D4, D6];
# 2. recalibrate a drifting model, and recognise when recalibration is not
#    enough and the model must be refitted or withdrawn [LK9.2; D4, D6];
# 3. build and read the quarterly monitoring chart a committee reviews, with
#    control limits, and say what should trigger a review [LK9.3; D5, D6];
# 4. say who is harmed while drift goes unnoticed, and who must own monitoring
#    after go-live [LK9.4; D2, D6].
#
# **Time:** 60 min. **Needs:** Lab 1, Lab 2. **Data:** the SYNTHETIC admissions
# cohort (made up by a generator; no real patient is in it), whose dated shift
# from 2023 is documented on its dataset card below.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from labkit import cohorts, datasets, models, quiz
from labkit.checks import hints, lab9

RANDOM_STATE = 0  # the kit's one seed; nothing in this lab is random
GO_LIVE = 2023  # the model scores every discharge from 1 January 2023
CAPACITY = 0.20  # the nurses can call one discharged patient in five
SIGMAS = 3  # control limits: expected readmissions +/- 3 standard deviations
FEATURES, NUMERIC, CATEGORICAL = (cohorts.FEATURES, cohorts.NUMERIC_FEATURES,
                                  cohorts.CATEGORICAL_FEATURES)
threadpool_limits(limits=1)  # one thread: as fast on data this small, no crawl on a busy hub
hints.install()  # a one-line hint under the errors learners meet most
datasets.card("admissions")

# %% [markdown]
# ## 1. The model that went live, year by year
#
# Lab 1 judged the model once, on 2023-2024 patients it had never seen, and
# dropped every patient who had been in the training set: the honest test
# before go-live. After go-live the model scores **every** discharge, returning
# patients included, and monitoring must judge it on the patients it actually
# scores. A model judged on a later period than it was built on is under
# **temporal validation**: it tests whether the model holds beyond the
# historical period it came from {cite:p}`justice1999assessing`.

# %%
cohort = datasets.load_admissions()
at_risk = cohort[cohort["readmitted_30d"].notna()].copy()
at_risk["readmitted"] = at_risk["readmitted_30d"].astype(int)
before = at_risk[at_risk["admit_year"] < GO_LIVE]
print(f"{len(at_risk):,} at-risk discharges, {len(before):,} of them before go-live; "
      f"{at_risk['chf'].mean():.0%} of them of patients with heart failure (chf == 1)")

# %% [markdown]
# ### Exercise 9.1 - Temporal validation, overall and in heart failure
# <!-- assesses: LK9.1 -->
# 1. `model`: Lab 1's recipe, `models.pipeline(NUMERIC, CATEGORICAL)`, fitted on
#    `before[FEATURES]` and `before["readmitted"]`.
# 2. `scored`: `at_risk` with a new column `risk`, the model's predicted
#    probability of readmission for every at-risk discharge of every year.
# 3. A function `performance(frame)` that returns one row per `admit_year` with
#    the columns `n` (discharges), `auroc`, `observed` (share readmitted),
#    `predicted` (mean `risk`) and `oe`, observed divided by predicted: the
#    O/E ratio, calibration-in-the-large (1 is right, below 1 means the model
#    over-predicts) {cite:p}`vancalster2019calibration`.
# 4. `by_year = performance(scored)` and `by_year_hf` for the patients with heart
#    failure, `performance(scored[scored["chf"] == 1])`.

# %% tags=["solution"]
# Fit on the years before go-live; score every year; one row per year.
model = models.pipeline(NUMERIC, CATEGORICAL).fit(before[FEATURES], before["readmitted"])
scored = at_risk.assign(risk=model.predict_proba(at_risk[FEATURES])[:, 1])


def performance(frame):
    rows = {year: {"n": len(g), "auroc": roc_auc_score(g["readmitted"], g["risk"]),
                   "observed": g["readmitted"].mean(), "predicted": g["risk"].mean()}
            for year, g in frame.groupby("admit_year")}
    table = pd.DataFrame.from_dict(rows, orient="index")
    return table.assign(oe=table["observed"] / table["predicted"])


by_year = performance(scored)
by_year_hf = performance(scored[scored["chf"] == 1])
pd.concat({"all discharges": by_year, "heart failure": by_year_hf}, axis=1).round(3)

# %%
lab9.temporal_validation(model, scored, by_year, by_year_hf);

# %% [markdown]
# Read the two halves of the table. The years up to 2022 are the model's own
# training years, so they flatter it; they are the baseline. For all
# discharges, the years after go-live look only a little worse: the AUROC slips
# and the O/E ratio dips below 1. For the patients with heart failure the O/E
# ratio falls well below 1 from 2023: the model now promises them far more
# readmissions than happen. An overall figure can hide a subgroup that has gone
# badly wrong. Davis et al. saw the same kind of drift in real models: models of
# hospital-acquired acute kidney injury, developed on 2003 admissions to US
# Veterans Affairs hospitals and validated over the nine following years, kept
# their discrimination while their calibration declined, increasingly
# over-predicting {cite:p}`davis2017calibration`.

# %% [markdown]
# ## 2. What moved: the patients, or what happens to them?
#
# Finlayson et al. group the causes of dataset shift into changes in
# technology, in population and setting, and in behaviour
# {cite:p}`finlayson2021clinician`. For monitoring they show up in two ways:
#
# - **case mix**, the inputs: different patients arrive (older, sicker, from a
#   new referral area). A model that uses those inputs correctly can cope;
# - **the outcome given the inputs**: the same patient now has a different
#   risk, because care changed. No model trained on the past can know that.
#
# Input drift can be watched at once, without waiting for outcomes. A common
# yardstick is the **standardized mean difference** (SMD) of each input between
# two periods: the difference in means divided by the pooled standard
# deviation. In studies comparing groups, an absolute SMD above 0.1 is often
# read as a meaningful imbalance {cite:p}`austin2009balance`.

# %% [markdown]
# ### Exercise 9.2 - Which inputs moved?
# <!-- assesses: LK9.1 -->
# Let `live` be the at-risk discharges from go-live on (`admit_year >= GO_LIVE`)
# and `before` those of 2019-2022. For every numeric input (`NUMERIC`), compute
# `smd`, a Series indexed by input name:
# (mean in `live` - mean in `before`) / sqrt((variance in `live` + variance in
# `before`) / 2). Keep the sign: it says which way the input moved.

# %% tags=["solution"]
# Difference in means over the pooled standard deviation, input by input.
live = scored[scored["admit_year"] >= GO_LIVE]
smd = (live[NUMERIC].mean() - before[NUMERIC].mean()) / np.sqrt(
    (live[NUMERIC].var() + before[NUMERIC].var()) / 2)
smd.sort_values(key=abs, ascending=False).head(6).round(3)

# %%
lab9.input_drift(smd);

# %% [markdown]
# Age moved most, and it is the only input past the usual 0.1 mark: that is the
# geriatric service. Heart failure hardly moved as an input. Now put the two
# kinds of change side by side: the share of patients aged 75 and over and the
# share with heart failure (case mix), then the observed and predicted
# readmission rates of patients with and without heart failure (the outcome
# given the inputs).

# %%
period = scored["admit_year"].ge(GO_LIVE).map({False: "2019-2022", True: "2023-2024"})
hf = scored["chf"] == 1
pd.DataFrame({
    "share aged 75+": (scored["age"] >= 75).groupby(period).mean(),
    "share with heart failure": hf.groupby(period).mean(),
    "heart failure: observed": scored["readmitted"][hf].groupby(period[hf]).mean(),
    "heart failure: predicted": scored["risk"][hf].groupby(period[hf]).mean(),
    "others: observed": scored["readmitted"][~hf].groupby(period[~hf]).mean(),
    "others: predicted": scored["risk"][~hf].groupby(period[~hf]).mean(),
}).T.round(3)

# %% [markdown]
# The older case mix did little harm: age is an input, so the model raises
# older patients' risk as it should, and for patients without heart failure
# predicted and observed rates still agree. The harm came from what no input
# shows: patients with heart failure are the same kind of patient as before,
# but the new programme changed what happens to them after discharge. An
# input-drift monitor would have flagged the age shift, which mattered little,
# and missed the practice change, which mattered a lot. Only outcomes reveal
# it, and readmissions are known only 30 days after each discharge.

# %% [markdown]
# ## 3. Recalibrate, or refit?
#
# Lab 2 introduced **logistic recalibration**: keep the model, and refit an
# intercept and a slope on its log-odds using recent local data
# {cite:p}`vancalster2019calibration`. Janssen et al. compared ways of updating
# a prediction model for new patients, from recalibration to re-estimating
# every coefficient; in their data, simple recalibration improved calibration
# as much as the more extensive revisions {cite:p}`janssen2008updating`. Here
# the committee updates the model on the 2023 discharges and judges each
# version on the 2024 discharges, which none of them has seen.

# %%
y2023 = scored[scored["admit_year"] == 2023]
y2024 = scored[scored["admit_year"] == 2024]
logit_2023, logit_2024 = logit(y2023[["risk"]].to_numpy()), logit(y2024[["risk"]].to_numpy())
y_2024, hf_2024 = y2024["readmitted"].to_numpy(), (y2024["chf"] == 1).to_numpy()
print(f"update on {len(y2023):,} discharges of 2023; judge on {len(y2024):,} of 2024")

# %% [markdown]
# ### Exercise 9.3 - Recalibrate, then refit
# <!-- assesses: LK9.2 -->
# 1. `recalibrator`: an unpenalised `LogisticRegression(C=np.inf)` fitted on
#    `logit_2023` and the 2023 outcomes; `p_recal`, its probabilities for 2024
#    (from `logit_2024`).
# 2. `refitted`: a fresh `models.pipeline(NUMERIC, CATEGORICAL)` fitted on the
#    2023 discharges (`y2023[FEATURES]`); `p_refit`, its probabilities for 2024.
# 3. `updates`: a DataFrame with the rows `"stale"` (the go-live model,
#    `y2024["risk"]`), `"recalibrated"` and `"refitted"`, and the columns
#    `auroc`, `oe_all` (O/E ratio over all 2024 discharges) and
#    `oe_heart_failure` (O/E ratio in the 2024 patients with heart failure).

# %% tags=["solution"]
# Two updates, fitted on 2023; all three models judged on 2024.
recalibrator = LogisticRegression(C=np.inf).fit(logit_2023, y2023["readmitted"])
p_recal = recalibrator.predict_proba(logit_2024)[:, 1]
refitted = models.pipeline(NUMERIC, CATEGORICAL).fit(y2023[FEATURES], y2023["readmitted"])
p_refit = refitted.predict_proba(y2024[FEATURES])[:, 1]
versions = {"stale": y2024["risk"].to_numpy(), "recalibrated": p_recal, "refitted": p_refit}
updates = pd.DataFrame({
    name: {"auroc": roc_auc_score(y_2024, p), "oe_all": y_2024.sum() / p.sum(),
           "oe_heart_failure": y_2024[hf_2024].sum() / p[hf_2024].sum()}
    for name, p in versions.items()}).T
updates.round(3)

# %%
lab9.model_updates(p_recal, p_refit, updates);

# %% [markdown]
# Recalibration brought the overall O/E ratio close to 1 and left the AUROC
# exactly where it was, as in Lab 2. But it changed every patient's risk by the
# same rule, so it shared out one group's change among everybody: the patients
# with heart failure are still given far too high a risk, and the others now a
# little too low. When the shift sits in one group, or in one input's effect,
# recalibration cannot reach it. Refitting on recent data brings the
# heart-failure patients much closer, because it re-learns what heart failure
# now means; some gap may remain, as one year holds few of those patients to
# learn from.
#
# A middle road is a **model revision** that re-estimates only the part that
# changed {cite:p}`janssen2008updating`: recalibrate, and let heart failure have
# its own new coefficient.

# %%
revision = LogisticRegression(C=np.inf).fit(
    np.column_stack([logit_2023, y2023["chf"]]), y2023["readmitted"])
p_revised = revision.predict_proba(np.column_stack([logit_2024, hf_2024]))[:, 1]
print(f"revised: O/E {y_2024.sum() / p_revised.sum():.2f} overall, "
      f"{y_2024[hf_2024].sum() / p_revised[hf_2024].sum():.2f} in heart failure; "
      f"AUROC {roc_auc_score(y_2024, p_revised):.3f}")

# %% [markdown]
# Two warnings before the committee refits anything.
#
# - **A refitted model learns the world with the new programme in it.** It now
#   rates heart-failure patients as lower risk *because* they get the
#   programme. If the programme fills up, closes, or misses a patient, the model
#   will under-predict for exactly those patients. A model whose predictions
#   change care changes the data it will later be judged and refitted on
#   {cite:p}`lenert2019prognostic`. Record who received the programme, so that
#   an update can take it into account.
# - **Sometimes the answer is not a new model.** If the model cannot be updated
#   (a vendor's locked model) and recalibration leaves a group miscalibrated,
#   the options are a rule around the model (for example, rank for the nurses'
#   programme only patients not already in the heart-failure programme), or
#   withdrawing the model until it is fixed.

# %% [markdown]
# ## 4. The chart the committee reviews each quarter
#
# The committee cannot wait for an annual table. **Statistical process
# control** plots a measure over time against **control limits**, the range
# that chance alone would produce, so that a committee can tell ordinary
# quarter-to-quarter noise (common-cause variation) from a real change
# (special-cause variation) {cite:p}`benneyan2003statistical`. For a risk
# model, the natural measure is observed against expected readmissions. If the
# model is right, the expected number in a quarter is the sum of the predicted
# risks, and, treating each discharge as an independent yes-or-no outcome,
# the variance of the observed count is the sum of p(1 - p). Spiegelhalter's
# funnel plots, the same idea applied to comparing hospitals, draw limits at
# about 2 and 3 standard deviations (95% and 99.8%)
# {cite:p}`spiegelhalter2005funnel`; here the inner limits serve as an alert
# and the outer ones as an alarm.

# %% [markdown]
# ### Exercise 9.4 - Observed against expected, quarter by quarter
# <!-- assesses: LK9.3 -->
# Write a function `control_chart(frame)` that returns one row per quarter
# (group by `["admit_year", "admit_quarter"]`) with the columns `n`
# (discharges), `observed` (number readmitted), `expected` (sum of `risk`),
# `lower` and `upper` (`expected` minus and plus `SIGMAS` times the square root
# of the sum of `risk * (1 - risk)`). Then build `chart_all` from `live`, and
# `chart_hf` from the patients with heart failure in `live`.

# %% tags=["solution"]
# Sum the risks and their binomial variances per quarter; limits around expected.
def control_chart(frame):
    chart = frame.assign(variance=frame["risk"] * (1 - frame["risk"])).groupby(
        ["admit_year", "admit_quarter"]).agg(
        n=("readmitted", "size"), observed=("readmitted", "sum"),
        expected=("risk", "sum"), variance=("variance", "sum"))
    sd = np.sqrt(chart.pop("variance"))
    return chart.assign(lower=chart["expected"] - SIGMAS * sd,
                        upper=chart["expected"] + SIGMAS * sd)


chart_all = control_chart(live)
chart_hf = control_chart(live[live["chf"] == 1])
chart_hf.round(1)

# %%
lab9.control_chart(chart_all, chart_hf);

# %% [markdown]
# On the chart a committee reads, each quarter is a point: the O/E ratio, with
# its limits divided by the expected count, so that both panels share a scale.

# %% mystnb={"image": {"alt": "Two control charts of the observed-to-expected ratio of 30-day readmissions, one point per quarter from the first quarter of 2023 to the last of 2024, with a shaded band for the 3-standard-deviation control limits and dotted lines for 2 standard deviations. Left, all discharges: every point lies inside the band, most of them a little below 1. Right, patients with heart failure: the band is much wider, because there are fewer patients, yet the points fall below 1 from the start, cross the lower alert line, and soon fall below the lower control limit, where most of them stay."}}
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, (title, chart) in zip(axes, [("All discharges", chart_all),
                                     ("Patients with heart failure", chart_hf)], strict=True):
    x, ratio = np.arange(len(chart)), chart["observed"] / chart["expected"]
    half = (chart["upper"] - chart["expected"]) / chart["expected"] / SIGMAS
    ax.fill_between(x, 1 - SIGMAS * half, 1 + SIGMAS * half, color="#DDDDDD",
                    label=f"{SIGMAS} SD control limits")
    ax.plot(x, 1 - 2 * half, ":", color="#777777", label="2 SD alert limits")
    ax.plot(x, 1 + 2 * half, ":", color="#777777")
    ax.axhline(1, color="#000000", linewidth=0.8)
    ax.plot(x, ratio, "o-", color="#0072B2", label="observed / expected")
    out = (chart["observed"] < chart["lower"]) | (chart["observed"] > chart["upper"])
    ax.plot(x[out], ratio[out], "s", color="#D55E00", markersize=9, label="outside the limits")
    ax.set_xticks(x, [f"{y} Q{q}" for y, q in chart.index], rotation=45)
    ax.set_title(title)
axes[0].set_ylabel("Observed / expected readmissions (ratio)")
axes[0].set_ylim(0.3, 1.8)
axes[1].legend(fontsize=8, loc="upper right", ncol=2)
fig.suptitle("The drift shows only on the heart-failure chart (SYNTHETIC)")
fig.tight_layout()
plt.show()

# %%
def first(quarters):
    return f"{quarters[0][0]} Q{quarters[0][1]}" if len(quarters) else "none"


for name, chart in {"all discharges": chart_all, "heart failure": chart_hf}.items():
    z = (chart["observed"] - chart["expected"]) / ((chart["upper"] - chart["expected"]) / SIGMAS)
    run = ((z < -2) & (z.shift() < -2)) | ((z > 2) & (z.shift() > 2))
    print(f"{name}: first beyond 2 SD {first(chart.index[z.abs() > 2])}; "
          f"two in a row beyond 2 SD {first(chart.index[run])}; "
          f"first beyond {SIGMAS} SD {first(chart.index[z.abs() > SIGMAS])}")

# %% [markdown]
# The chart of all discharges never leaves its limits: patients with heart
# failure are a small share of discharges, and their change is diluted among
# the rest. Only the chart of the group whose care changed raises the alarm,
# and even it needs a few quarters, because each quarter holds few of those
# patients and its limits are wide. A run rule (for example, two of three
# successive points beyond 2 SD on the same side) can fire earlier than a
# single point beyond 3 SD {cite:p}`benneyan2003statistical`; the cell above
# uses a stricter version, two quarters in a row. So decide **before go-live**,
# and write into the monitoring plan:
#
# - **what to chart**: overall, and the groups where a change is most likely
#   or most harmful (a condition with a new pathway, patient groups from the
#   fairness audit of Lab 3). Limits at 3 standard deviations keep false
#   alarms rare (about 3 in 1,000 points when nothing has changed), but every
#   extra chart and quarter adds chances of one
#   {cite:p}`benneyan2003statistical`;
# - **what triggers a review**: for example, one quarter outside the 3 SD limits,
#   or two quarters in a row beyond 2 SD on the same side;
# - **what a review does**: find the cause first (a coding change, a new
#   service, a new programme), then recalibrate, revise, refit or withdraw;
# - **the lag**: a quarter's outcomes are complete only 30 days after it ends.

# %% [markdown]
# ## 5. Who pays while nobody looks
#
# The programme has a fixed number of places: the nurses call the 20% of
# discharges with the highest predicted risk. A miscalibrated model does not
# only print wrong numbers; it changes who gets a call.

# %% [markdown]
# ### Exercise 9.5 - Who takes the programme's places?
# <!-- assesses: LK9.4 -->
# For each of the three versions in 2024 (`y2024["risk"]`, `p_recal`,
# `p_refit`), flag the discharges whose risk is at or above the version's own
# 80th percentile (`p >= np.quantile(p, 1 - CAPACITY)`). Build `places`, a
# DataFrame with the rows `"stale"`, `"recalibrated"` and `"refitted"` and the
# columns `flagged` (number flagged), `hf_flagged` (flagged patients with heart
# failure), `readmitted_flagged` (flagged patients who were readmitted) and
# `missed_without_hf` (readmitted patients without heart failure who were not
# flagged).

# %% tags=["solution"]
# Top fifth by each version's risk; count whom the places went to, and whom they missed.
def who_gets_a_place(p):
    flagged = p >= np.quantile(p, 1 - CAPACITY)
    return {"flagged": flagged.sum(), "hf_flagged": (flagged & hf_2024).sum(),
            "readmitted_flagged": y_2024[flagged].sum(),
            "missed_without_hf": (~flagged & ~hf_2024 & (y_2024 == 1)).sum()}


versions = {"stale": y2024["risk"].to_numpy(), "recalibrated": p_recal, "refitted": p_refit}
places = pd.DataFrame({name: who_gets_a_place(p) for name, p in versions.items()}).T
places

# %%
lab9.programme_places(places);

# %%
print(f"patients with heart failure: {hf_2024.mean():.0%} of 2024 discharges, "
      f"{places.loc['stale', 'hf_flagged'] / places.loc['stale', 'flagged']:.0%} of the stale "
      f"model's places, {places.loc['refitted', 'hf_flagged'] / places.loc['refitted', 'flagged']:.0%}"
      " of the refitted model's")

# %% [markdown]
# Read the rows as the nurses and patients live them:
#
# - **The stale model fills the programme with heart-failure patients**, who are
#   already followed by their own new programme: a second call for them, and
#   no call for someone else.
# - **Recalibration changes nobody's place.** It moves every risk by the same
#   increasing rule, so the order of patients, and the top fifth, stay exactly
#   the same. A committee that recalibrated and stopped would have fixed the
#   numbers on the screen and nothing on the ward.
# - **Refitting hands places back** to patients without heart failure, and more
#   of the readmitted patients among them get a call. The programme reaches
#   about as many readmissions in total; what changes is *who* it reaches.
#
# The patients harmed by unnoticed drift are the ones who lost their place, and
# nothing on any overall report would have shown it. They are identifiable only
# if someone looks at who is flagged, by group, over time.

# %% [markdown]
# ## 6. Who owns monitoring after go-live?
#
# A model is monitored only if someone is named to do it, is paid to do it, and
# can act on what they find.
#
# - **The developer or vendor.** For a model regulated as a medical device, the
#   tenth Good Machine Learning Practice principle expects deployed models to be
#   monitored for performance, with retraining risks managed
#   {cite:p}`fda2021gmlp`, and a predetermined change control plan lets the
#   manufacturer change an authorised device within agreed bounds
#   {cite:p}`fda2023pccpprinciples`: the model you validated may not be the one
#   running next year. But a vendor sees neither your outcomes nor your local
#   changes. It did not know that Riverside opened a geriatric service or a
#   heart-failure programme, and a vendor's reported performance may not hold in
#   your hospital {cite:p}`wong2021external`.
# - **The hospital.** The Joint Commission and the Coalition for Health AI list
#   ongoing quality monitoring among the seven elements of responsible use, to
#   be set up by the organisation that uses the tool, with information on
#   testing and validation required from vendors at procurement
#   {cite:p}`jointcommission2025responsible`. For certified health IT, the US
#   HTI-1 rule requires developers to make information about predictive
#   decision support available to the hospitals that use it
#   {cite:p}`onc2024health`. Whether a readmission model is a regulated device
#   at all depends on criteria set out in {doc}`../book/ch10_regulation_policy`;
#   if it is not, the hospital's own governance is all the monitoring there is.
#
# In practice: the contract and the monitoring plan name one clinical owner,
# the charts and groups to watch, the triggers and who reviews them, who
# supplies the outcome data, who may switch the model off, and how the vendor
# is told. The clinicians who use a model are generally the ones expected to
# spot and report emerging problems {cite:p}`finlayson2021clinician`; give them
# a way to say so.

# %% [markdown]
# ## Knowledge check
#
# Answer each question and check it: every option explains why it is right
# or wrong. In the book your score is kept in your browser only.

# %%
quiz.show("labs/09_monitoring")

# %% [markdown]
# ## Clinical takeaways
#
# - Validate a deployed model on every period since go-live, overall **and** in
#   the groups whose care or case mix changed: an overall O/E ratio near 1 can
#   hide a group for whom every risk is wrong.
# - Input drift (who arrives) shows at once; a change in what happens to
#   patients shows only in outcomes, weeks later. Watch both.
# - Recalibration fixes the average numbers, not a group's, and (with a
#   positive slope) it never changes who is flagged at a fixed capacity. When one group has shifted,
#   revise or refit, and remember that a refitted model has learned the new
#   programme's effect.
# - Agree before go-live on the quarterly chart, its control limits, the
#   groups it covers and what triggers a review, and name who owns it.
# - Unnoticed drift harms the patients who lose their place to someone the
#   model over-rates; only a look at who is flagged, by group, shows them.
#
# ## Further reading
#
# - Finlayson et al., *The clinician and dataset shift in artificial
#   intelligence* {cite:p}`finlayson2021clinician`.
# - Davis et al., *Calibration drift in regression and machine learning models
#   for acute kidney injury* {cite:p}`davis2017calibration`.
# - Janssen et al., *Updating methods improved the performance of a clinical
#   prediction model in new patients* {cite:p}`janssen2008updating`.
# - Benneyan, Lloyd and Plsek, *Statistical process control as a tool for
#   research and healthcare improvement* {cite:p}`benneyan2003statistical`.
# - Lenert, Matheny and Walsh, *Prognostic models will be victims of their own
#   success, unless...* {cite:p}`lenert2019prognostic`.
