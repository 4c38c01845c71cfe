# %% [markdown]
# # Lab 2 - Evaluate like a clinician
#
# **Scenario.** Riverside General's readmission model (the one you built in
# Lab 1) reports an AUROC of about 0.63<!--glue:l2_auc_test:.2f--> on patients discharged in
# 2023-2024.
# The AI-governance committee must decide whether to switch it on for the
# transitional-care programme: a nurse phones each flagged patient within 48
# hours and books a clinic visit within 7 days. The nurses can take only a few
# patients a day. The committee does not want another AUROC. It wants to know:
# are the predicted risks believable? Whom would we flag, how many a day, and
# how many of them would really have come back? Is acting on the model better
# than enrolling everyone, or no one? You are the clinician on the committee.
#
# **You will be able to** (objective codes in brackets; Russell et al. competency
# domains {cite:p}`russell2023competencies` after the semicolon)
# 1. judge a model's calibration from a reliability curve, the calibration
#    intercept and slope, and the Brier score [LK2.1; D4];
# 2. recalibrate a model on recent local data and say what it can and cannot
#    fix [LK2.2; D4];
# 3. derive a risk threshold from the harms of false alarms and the benefits of
#    true alerts [LK2.3; D4];
# 4. translate a threshold into sensitivity, PPV, alerts per day and number
#    needed to evaluate [LK2.4; D5];
# 5. read a decision curve and a net benefit with its bootstrap confidence
#    interval [LK2.5; D4].
#
# **Time:** 95 min. **Needs:** Lab 1. **Data:** the SYNTHETIC admissions cohort
# (made up by a generator; no real patient is in it); the dataset card is below.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, confusion_matrix, roc_auc_score

from labkit import cohorts, datasets, evaluate, quiz
from labkit.checks import hints, lab2

RANDOM_STATE = 0
hints.install()  # a one-line hint under the errors learners meet most
datasets.card("admissions")

# %% [markdown]
# ## The model from Lab 1
#
# `labkit.cohorts` rebuilds Lab 1's task (adults discharged alive and not to
# hospice; trained on 2019-2022; tested on 2023-2024 patients the model has
# never seen) and fits the same logistic-regression pipeline. `p_test` holds
# each test patient's predicted probability of readmission within 30 days.

# %%
task = cohorts.readmission_task()
model = cohorts.reference_model(task, "logistic")
y_test = task.y_test.to_numpy()
p_test = model.predict_proba(task.X_test)[:, 1]
print(f"{len(y_test)} test discharges, {y_test.mean():.1%} readmitted; "
      f"mean predicted risk {p_test.mean():.1%}; AUROC {roc_auc_score(y_test, p_test):.3f}")

# %% tags=["glue"]
from labkit.glue import glue

glue("l2_auc_test", roc_auc_score(y_test, p_test))
glue("l2_mean_risk_test", p_test.mean())
glue("l2_observed_test", y_test.mean())

# %% [markdown]
# ## 1. Are the risks believable? Calibration
#
# A model is **calibrated** when, among patients given a risk of 20%, about 20%
# are readmitted. Discrimination (AUROC) says nothing about this: multiply every
# risk by two and the AUROC is unchanged, yet every number a clinician reads is
# wrong. Poor calibration misleads decisions and counselling, and it is the most
# neglected part of validation {cite:p}`vancalster2019calibration`. Three
# summaries:
#
# - **Brier score**: the mean squared difference between predicted risk and
#   outcome (0 is perfect) {cite:p}`brier1950verification`. A model that gives
#   everyone the prevalence scores prevalence x (1 - prevalence).
# - **Calibration intercept** (calibration-in-the-large): 0 is ideal; below 0
#   means risks are too high on average.
# - **Calibration slope**: 1 is ideal; below 1 means predictions are too
#   extreme (high risks too high, low risks too low)
#   {cite:p}`vancalster2019calibration`.

# %% [markdown]
# ### Exercise 2.1 - Measure calibration on the test set
# <!-- assesses: LK2.1 -->
# Compute the Brier score of `p_test` as `brier`, and the calibration intercept
# and slope as `intercept, slope` with `evaluate.calibration_intercept_slope`.

# %% tags=["solution"]
# Brier score from the probabilities, then intercept and slope.
brier = brier_score_loss(y_test, p_test)
intercept, slope = evaluate.calibration_intercept_slope(y_test, p_test)
print(f"Brier {brier:.4f} (predicting the prevalence for everyone: "
      f"{y_test.mean() * (1 - y_test.mean()):.4f}); intercept {intercept:.2f}; slope {slope:.2f}")

# %%
lab2.calibration(brier, intercept, slope);

# %% [markdown]
# The intercept is below 0 and the slope below 1: on 2023-2024 patients the
# model over-estimates risk, most of all for the patients it rates highest.
# Something changed after the training years. The dataset card says what:
# from 2023 a transitional-care programme lowered the readmission risk of
# patients with heart failure, and the case mix grew older. A model is a
# snapshot of the years it learnt from.
#
# A **reliability curve** shows the same thing patient group by patient group:
# sort patients into ten equal-sized groups by predicted risk, and plot each
# group's observed readmission rate against its mean predicted risk.

# %% mystnb={"image": {"alt": "Reliability curve for the Lab 1 model on 2023-2024 test patients. Ten points compare mean predicted risk (x axis, 7%<!--glue:l2_pred_low:.0%--> to 37%<!--glue:l2_top_pred:.0%-->) with the observed readmission rate (y axis, 7%<!--glue:l2_obs_low:.0%--> to 25%<!--glue:l2_obs_high:.0%-->). The points lie close to the diagonal up to about 18%<!--glue:l2_close_until:.0%--> predicted risk and fall below it above that: in the highest-risk tenth the model predicts 37%<!--glue:l2_top_pred:.0%--> but 25%<!--glue:l2_top_obs:.0%--> were readmitted."}}
observed, predicted = calibration_curve(y_test, p_test, n_bins=10, strategy="quantile")
fig, ax = plt.subplots(figsize=(5, 4.5))
ax.plot([0, 0.45], [0, 0.45], color="#999999", linestyle="--", label="perfect calibration")
ax.plot(predicted, observed, marker="o", color="#0072B2", label="Lab 1 model, 2023-2024")
ax.set_xlabel("Mean predicted risk of readmission (tenths of patients)")
ax.set_ylabel("Observed 30-day readmission rate")
ax.set_title("High predicted risks are too high after 2023")
ax.legend()
plt.show()

# %% tags=["glue"]
from labkit.glue import glue

glue("l2_pred_low", predicted.min())
glue("l2_top_pred", predicted[-1])
glue("l2_obs_low", observed.min())
glue("l2_obs_high", observed.max())
glue("l2_top_obs", observed[-1])
# The highest predicted risk among the points within 2 points (0.02) of the diagonal.
glue("l2_close_until", predicted[np.abs(observed - predicted) < 0.02].max())

# %% [markdown]
# ## 2. Recalibrate on recent local data
#
# **Logistic recalibration** keeps the model's ranking and refits two numbers,
# an intercept and a slope on the model's log-odds, on recent data from the
# hospital where it will be used {cite:p}`vancalster2019calibration`. We fit it
# on 2023 discharges and judge it on 2024 discharges it has not seen, as a
# hospital would before go-live.

# %%
year = task.test["admit_year"].to_numpy()
recent, later = year == 2023, year == 2024
logit_test = np.log(p_test / (1 - p_test)).reshape(-1, 1)
y_2024, p_2024 = y_test[later], p_test[later]
print(f"recalibration set: {recent.sum()} discharges in 2023; "
      f"evaluation set: {later.sum()} discharges in 2024")

# %% [markdown]
# ### Exercise 2.2 - Recalibrate
# <!-- assesses: LK2.2 -->
# Fit `recalibrator`, an unpenalised `LogisticRegression(C=np.inf)`, that
# predicts the 2023 outcomes from the 2023 log-odds (`logit_test[recent]`). Then
# compute `p_recal`, the recalibrated risks of the 2024 patients.

# %% tags=["solution"]
# Fit on 2023 log-odds and outcomes; apply to the 2024 log-odds.
recalibrator = LogisticRegression(C=np.inf).fit(logit_test[recent], y_test[recent])
p_recal = recalibrator.predict_proba(logit_test[later])[:, 1]

# %%
lab2.recalibration(p_recal);

# %%
before = evaluate.calibration_intercept_slope(y_2024, p_2024)
after = evaluate.calibration_intercept_slope(y_2024, p_recal)
print(f"2024, before: intercept {before[0]:.2f}, slope {before[1]:.2f}, "
      f"mean risk {p_2024.mean():.1%}, AUROC {roc_auc_score(y_2024, p_2024):.3f}")
print(f"2024, after:  intercept {after[0]:.2f}, slope {after[1]:.2f}, "
      f"mean risk {p_recal.mean():.1%}, AUROC {roc_auc_score(y_2024, p_recal):.3f}")
print(f"observed 2024 readmission rate: {y_2024.mean():.1%}")

# %% [markdown]
# Recalibration brought the average risk in line with what happened, and it left
# the AUROC exactly where it was: it changes the numbers, not the order of
# patients. It cannot make a weak model discriminate better, and the slope is
# still below 1 because a year of data estimates it imprecisely and the model
# discriminates less well in 2024. Recalibrate, then keep monitoring.

# %% [markdown]
# ## 3. Choose a threshold from harms and benefits
#
# The threshold is a value judgement, not a statistic. Decision analysis gives
# the link: treat when the probability of the outcome exceeds the threshold
# probability pt at which the expected harm of acting equals the expected
# benefit, that is when pt/(1 - pt) equals harm/benefit
# {cite:p}`pauker1980threshold`. Here the harm of a false alarm is a nurse's
# hour and a clinic slot spent on a patient who would not have come back; the
# benefit of a true alert is a chance to prevent a readmission.
#
# The committee decides that reaching one patient who would have been
# readmitted is worth enrolling up to **5** who would not: harm/benefit = 1/5.

# %% [markdown]
# ### Exercise 2.3 - The threshold
# <!-- assesses: LK2.3 -->
# With `fp_per_tp_acceptable = 5`, compute the threshold probability
# `threshold` (solve pt/(1 - pt) = 1/5 for pt).

# %%
fp_per_tp_acceptable = 5

# %% tags=["solution"]
# Odds of pt equal harm/benefit = 1/5, so pt = 1 / (1 + 5).
threshold = 1 / (1 + fp_per_tp_acceptable)

# %%
lab2.threshold(threshold);

# %% [markdown]
# ## 4. What the threshold means on the ward
#
# Flag every 2024 patient whose recalibrated risk is at or above the threshold.
# The confusion matrix counts the four kinds of patient: true positives
# (flagged and readmitted), false positives (flagged, not readmitted), false
# negatives (missed: readmitted but not flagged) and true negatives.
#
# - **Sensitivity**: the share of readmitted patients the model flags.
# - **PPV** (positive predictive value): the share of flagged patients who are
#   readmitted. Its inverse is the **number needed to evaluate** (NNE): how many
#   patients the nurses call for each one who would have come back.
# - **Flagged per day**: the nurses' workload.

# %% [markdown]
# ### Exercise 2.4 - Sensitivity, PPV and workload
# <!-- assesses: LK2.4 -->
# From `confusion_matrix(y_2024, p_recal >= threshold)` compute `sensitivity`,
# `ppv` and `flagged_per_day` (2024 had 366 days).

# %% tags=["solution"]
# Unpack tn, fp, fn, tp; then the three numbers.
tn, fp, fn, tp = confusion_matrix(y_2024, p_recal >= threshold).ravel()
sensitivity = tp / (tp + fn)
ppv = tp / (tp + fp)
flagged_per_day = (tp + fp) / 366
print(f"flagged {tp + fp} of {len(y_2024)}: sensitivity {sensitivity:.1%}, PPV {ppv:.1%} "
      f"(NNE {1 / ppv:.1f}), {flagged_per_day:.1f} patients a day")

# %%
lab2.bedside(sensitivity, ppv, flagged_per_day);

# %% tags=["glue"]
from labkit.glue import glue

glue("l2_nne", 1 / ppv)
glue("l2_missed", 1 - sensitivity)

# %% [markdown]
# Read it as the nurses will live it: roughly 1 in 5<!--glue:l2_nne:.0f--> of the patients they
# call would have been readmitted, and 67%<!--glue:l2_missed:.0%--> of the patients who will be
# readmitted are never called. The test set holds only patients new to the
# model, so the real workload is higher: `threshold_table` shows other
# thresholds side by side, and the cell after it scales the workload to every
# at-risk discharge of 2024.

# %%
table = evaluate.threshold_table(y_2024, p_recal, [0.10, 0.125, threshold, 0.20, 0.25],
                                 days=366)
table.round(3)

# %%
cohort = datasets.load_admissions()
all_2024 = cohort[(cohort["admit_year"] == 2024) & cohort["readmitted_30d"].notna()]
share_flagged = (p_recal >= threshold).mean()
print(f"{len(all_2024)} at-risk discharges in 2024; flagging {share_flagged:.1%} of them is "
      f"about {share_flagged * len(all_2024) / 366:.1f} patients a day")

# %% [markdown]
# ## 5. Is acting on the model better than the alternatives? Net benefit
#
# **Net benefit** puts true and false positives on one scale, in units of true
# positives, weighting the false positives by the very harm/benefit ratio that
# set the threshold $p_t$ {cite:p}`vickers2006decision`:
#
# $$
# \text{net benefit} = \frac{\text{TP}}{n} - \frac{\text{FP}}{n} \times \frac{p_t}{1 - p_t}
# $$
#
# A **decision curve** plots it across
# thresholds for the model, for enrolling everyone ("treat all") and for
# enrolling no one (net benefit 0). A model is worth using at a threshold only
# where its curve is above both {cite:p}`vickers2019simple`.

# %% [markdown]
# ### Exercise 2.5 - Net benefit at the chosen threshold
# <!-- assesses: LK2.5 -->
# Using `tp`, `fp`, `threshold` and n = `len(y_2024)`, compute `nb_model`, and
# the net benefit of enrolling everyone, `nb_all` (then every readmitted
# patient is a true positive and every other patient a false positive).

# %% tags=["solution"]
# The formula, for the model and for treat-all.
n = len(y_2024)
nb_model = tp / n - fp / n * threshold / (1 - threshold)
nb_all = y_2024.sum() / n - (n - y_2024.sum()) / n * threshold / (1 - threshold)
print(f"net benefit at {threshold:.3f}: model {nb_model:.4f}, enrol everyone {nb_all:.4f}, "
      f"no one 0")

# %%
lab2.net_benefit(nb_model, nb_all);

# %% tags=["glue"]
from labkit.glue import glue

glue("l2_nb_model", nb_model)

# %% mystnb={"image": {"alt": "Decision curve for 2024 discharges, thresholds 5% to 40%. The recalibrated model's net benefit (blue) equals that of enrolling everyone (orange) up to about 9%<!--glue:l2_dc_same_until:.0%-->, is above it from 10%<!--glue:l2_dc_above_from:.0%-->, and stays above enrolling no one (the zero line) only up to 20%<!--glue:l2_dc_positive_until:.0%-->; from 21%<!--glue:l2_dc_zero_from:.0%--> it is at or just below zero. At the chosen threshold, 16.7%, it is 0.007<!--glue:l2_nb_model:.3f-->. Enrolling everyone falls below zero from 14%<!--glue:l2_dc_all_negative_from:.0%-->."}}
curve = evaluate.decision_curve(y_2024, p_recal, np.arange(0.05, 0.41, 0.01))
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(curve["threshold"], curve["model"], color="#0072B2", label="recalibrated model")
ax.plot(curve["threshold"], curve["treat_all"], color="#E69F00", label="enrol everyone")
ax.axhline(0, color="#000000", linewidth=1, label="enrol no one")
ax.axvline(threshold, color="#999999", linestyle=":", label="chosen threshold")
ax.set_ylim(-0.05, 0.12)
ax.set_xlabel("Threshold probability of readmission")
ax.set_ylabel("Net benefit (true positives per patient)")
ax.set_title("The model adds little net benefit at any threshold")
ax.legend()
plt.show()

# %% tags=["glue"]
from labkit.glue import glue

# "Equals": the two curves within 0.002 of each other, which overlap at the plot's scale.
glue("l2_dc_same_until",
     curve["threshold"][curve["model"] - curve["treat_all"] < 0.002].max())
glue("l2_dc_above_from",
     curve["threshold"][curve["model"] - curve["treat_all"] >= 0.002].min())
# The first run of thresholds where the model's net benefit is above zero, and what follows.
glue("l2_dc_positive_until", curve["threshold"][(curve["model"] > 0).cummin()].max())
glue("l2_dc_zero_from", curve["threshold"][~(curve["model"] > 0).cummin()].min())
glue("l2_dc_all_negative_from", curve["threshold"][curve["treat_all"] < 0].min())

# %% [markdown]
# ### Exercise 2.6 - How sure are we? A bootstrap interval
# <!-- assesses: LK2.5 -->
# The 2024 evaluation set is one sample of patients. Resampling it with
# replacement many times shows how much the net benefit could vary by chance
# {cite:p}`efron1993introduction`.
#
# 1. Write a function `nb_at_threshold(y, p)` that returns the net benefit of
#    risks `p` for outcomes `y` at the chosen `threshold`
#    (`evaluate.net_benefit(y, p, threshold)`).
# 2. Pass it to `evaluate.bootstrap_ci` with `y_2024`, `p_recal`,
#    `n_boot=1000` and `random_state=RANDOM_STATE`, and store the
#    `(estimate, low, high)` it returns in `nb_ci`.

# %% tags=["solution"]
# A metric function of (y, p), then the seeded bootstrap.
def nb_at_threshold(y, p):
    return evaluate.net_benefit(y, p, threshold)


nb_ci = evaluate.bootstrap_ci(nb_at_threshold, y_2024, p_recal, n_boot=1000,
                              random_state=RANDOM_STATE, desc="Net benefit")
print(f"net benefit {nb_ci[0]:.4f} (95% CI {nb_ci[1]:.4f} to {nb_ci[2]:.4f})")

# %%
lab2.bootstrap(nb_ci);

# %% tags=["glue"]
from labkit.glue import glue

glue("l2_nb_low", nb_ci[1])
glue("l2_nb_high", nb_ci[2])
glue("l2_nb_high_per_100", 100 * nb_ci[2])

# %% [markdown]
# The interval, -0.001<!--glue:l2_nb_low:.3f--> to 0.017<!--glue:l2_nb_high:.3f-->, is wide
# relative to the estimate of 0.007<!--glue:l2_nb_model:.3f--> and includes zero. The honest
# summary for the committee: at the threshold it chose, this
# model adds at most 1.7<!--glue:l2_nb_high_per_100:.1f--> net true positives per hundred
# discharges, and perhaps none. That does not end the discussion (a cheaper
# intervention would lower the threshold; a better model would raise the curve),
# but it is the discussion to have, and no AUROC would have started it.

# %% [markdown]
# ## Knowledge check
#
# Answer each question and check it: every option explains why it is right
# or wrong. In the book your score is kept in your browser only.

# %%
quiz.show("labs/02_evaluate")

# %% [markdown]
# ## Clinical takeaways
#
# - Ask for calibration on patients like yours and from recent years, not just
#   an AUROC: a model can rank patients well and still give every one of them
#   the wrong risk.
# - Expect calibration to drift when practice or case mix changes, and plan to
#   recalibrate on local data and monitor; recalibration fixes the numbers, not
#   the ranking.
# - A threshold encodes a value judgement about harms and benefits: make it
#   explicit, and translate it into sensitivity, PPV and patients per day.
# - Judge clinical usefulness with net benefit against enrolling everyone and no
#   one, with a confidence interval.
#
# ## Further reading
#
# - Van Calster et al., *Calibration: the Achilles heel of predictive
#   analytics* {cite:p}`vancalster2019calibration`.
# - Vickers, Van Calster and Steyerberg, *A simple, step-by-step guide to
#   interpreting decision curve analysis* {cite:p}`vickers2019simple`.
# - Pauker and Kassirer, *The threshold approach to clinical decision making*
#   {cite:p}`pauker1980threshold`.
