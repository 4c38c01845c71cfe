# %% [markdown]
# # Lab 8 - Mitigation and its price
#
# **Scenario.** The AI-governance committee at Riverside General has read your
# audit from Lab 3: the readmission model offers places in the nurse-led
# transitional-care programme at different rates to different racial and ethnic
# groups, and misses readmitted patients at different rates. A vendor now offers
# three "bias mitigation" switches: reweight the training data, retrain under a
# fairness constraint, or adjust the thresholds group by group. The committee asks
# you, the clinician on it, what each switch would do to the patients the model
# decides about, what it would cost, and whether a switch on the model is the
# right remedy at all.
#
# **You will be able to** (objective codes in brackets; Russell et al. competency
# domains {cite:p}`russell2023competencies` after the semicolon)
# 1. show, from the data, why leaving race out of a model's inputs does not keep
#    race out of its decisions [LK8.1; D2, D4];
# 2. reweight training data so that outcome and group are independent, and say
#    what that targets [LK8.2; D4];
# 3. train under a fairness constraint with fairlearn's `ExponentiatedGradient`,
#    with error costs that match the programme's capacity [LK8.3; D4];
# 4. post-process a fitted model with `ThresholdOptimizer`, and explain what
#    randomised, group-specific decisions mean for a patient [LK8.4; D2, D4];
# 5. compare the mitigations side by side and on a disparity plot, and name each
#    one's price [LK8.5; D4, D5];
# 6. recognise when the right mitigation is a better label, a better measurement
#    or a different decision, not a different model [LK8.6; D2, D5].
#
# **Time:** 75 min. **Needs:** Lab 1, Lab 3. **Data:** the SYNTHETIC admissions
# cohort (made up by a generator; no real patient is in it); the dataset card is
# below.

# %%
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, true_positive_rate
from fairlearn.postprocessing import ThresholdOptimizer
from fairlearn.reductions import ErrorRate, ExponentiatedGradient, TruePositiveRateParity
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_score, roc_auc_score

from labkit import cohorts, datasets, models, quiz
from labkit.checks import hints, lab8

RANDOM_STATE = 0
CAPACITY = 0.20  # the programme has places for one discharged patient in five
hints.install()  # a one-line hint under the errors learners meet most
datasets.card("admissions")

# %% [markdown]
# ## The task, the model and the rule
#
# The same task as Lab 3: adults discharged alive and not to hospice, a model
# trained on 2019-2022 and judged on new patients of 2023-2024, and Lab 1's
# logistic-regression model. Race and ethnicity are **not** model inputs. The
# programme enrols the 20% of patients with the highest predicted risk. That
# rule, with no mitigation, is the baseline every switch is compared with.

# %%
task = cohorts.readmission_task()
model = cohorts.reference_model(task, "logistic")
train, test = task.train, task.test
y_train, y_test = task.y_train, task.y_test.to_numpy()
risk = model.predict_proba(task.X_test)[:, 1]
threshold = np.quantile(risk, 1 - CAPACITY)
flags_none = (risk >= threshold).astype(int)
print(f"{len(train)} training and {len(test)} test discharges; threshold {threshold:.3f} "
      f"flags {flags_none.mean():.0%} of test patients")

# %% [markdown]
# ## 1. Dropping race does not remove it
#
# "The model does not use race" is often offered as proof that it cannot treat
# groups differently. But the inputs carry the traces of race. The Area
# Deprivation Index (ADI) ranks a patient's home neighbourhood by income,
# education, employment and housing {cite:p}`kind2018making`; in a segregated
# city it says a lot about who lives there. Comorbidities, payer and prior use
# differ between groups too. A model that never sees race can still rank groups
# differently through these proxies, and removing race from the inputs of
# clinical algorithms is not, on its own, a remedy {cite:p}`vyas2020hidden`.
#
# How much of race can be read from the model's own inputs? The model sees its
# inputs after Lab 1's preprocessing (imputed, scaled and one-hot encoded); the
# pipeline's steps before the classifier give you exactly those columns.

# %%
prep = model[:-1]  # Lab 1's fitted preprocessing, without the classifier
Z_train, Z_test = prep.transform(task.X_train), prep.transform(task.X_test)
print(f"the model's inputs: {Z_train.shape[1]} columns")

# %% [markdown]
# ### Exercise 8.1 - Read race from the inputs
# <!-- assesses: LK8.1 -->
# 1. `adi_by_race`: the mean `adi_percentile` of each race and ethnicity group in
#    the **training** set (`train`), a Series indexed by group.
# 2. Keep Black and White patients only (`bw_train`, `bw_test`: boolean masks of
#    `race_ethnicity` in `["Black", "White"]`). Fit
#    `race_model = LogisticRegression(max_iter=1000)` on `Z_train[bw_train]` to
#    predict whether a training patient is Black.
# 3. `race_auroc`: its AUROC on the Black and White **test** patients
#    (`Z_test[bw_test]`), with `roc_auc_score`. An AUROC of 0.5 would mean the
#    inputs say nothing about race.

# %% tags=["solution"]
# Mean ADI by group; then predict "Black" from the model's inputs, judged on new patients.
adi_by_race = train.groupby("race_ethnicity", observed=True)["adi_percentile"].mean()
bw_train = train["race_ethnicity"].isin(["Black", "White"]).to_numpy()
bw_test = test["race_ethnicity"].isin(["Black", "White"]).to_numpy()
is_black_train = train["race_ethnicity"][bw_train] == "Black"
race_model = LogisticRegression(max_iter=1000).fit(Z_train[bw_train], is_black_train)
is_black_test = test["race_ethnicity"][bw_test] == "Black"
race_auroc = roc_auc_score(is_black_test, race_model.predict_proba(Z_test[bw_test])[:, 1])
print(adi_by_race.round(1).to_string())
print(f"AUROC for Black vs White from the model's inputs: {race_auroc:.3f}")

# %%
lab8.proxies(adi_by_race, race_auroc);

# %% [markdown]
# How much of that comes from the neighbourhood alone, and how much is left
# without it? The next cell scores patients by their ADI percentile alone, then
# refits the race model on every input except ADI.

# %%
adi_only = roc_auc_score(is_black_test, test["adi_percentile"][bw_test])
no_adi = [c for c in cohorts.NUMERIC_FEATURES if c != "adi_percentile"]
without_adi = models.pipeline(no_adi, cohorts.CATEGORICAL_FEATURES).fit(
    task.X_train[bw_train], is_black_train)
rest = roc_auc_score(is_black_test, without_adi.predict_proba(task.X_test[bw_test])[:, 1])
print(f"AUROC for Black vs White: ADI alone {adi_only:.3f}; every input except ADI "
      f"{rest:.3f}; all inputs {race_auroc:.3f}")

# %% [markdown]
# The neighbourhood index alone separates Black from White patients almost as
# well as all the inputs together, and the other inputs still carry some of
# race without it. Deleting ADI would not remove race either, and ADI is also
# a real risk factor: in a national sample of Medicare patients discharged with
# heart failure, pneumonia or myocardial infarction, those from the most
# disadvantaged 15% of neighbourhoods were rehospitalised within 30 days more
# often, after adjustment for their illness {cite:p}`kind2014neighborhood`
# (in this SYNTHETIC cohort the generator builds in a small effect of the same
# direction).
# So "we dropped race" is not an answer to "does the model treat groups
# differently?". Only an audit by group (Lab 3) answers that, and a mitigation
# needs the group of each patient to act on it.

# %% [markdown]
# ## 2. Which groups can a mitigation act on?
#
# A fairness constraint compares rates between groups, estimated from that
# group's patients. Count the readmitted patients in each group of the
# training years, the patients from which a sensitivity would be estimated:

# %%
events = train.groupby("race_ethnicity", observed=True)["readmitted_30d"].agg(["size", "sum"])
events.columns = ["patients", "readmitted"]
events

# %% [markdown]
# A sensitivity estimated from a few dozen readmissions is noisy (Lab 3's
# intervals), and a mitigator forced to match it would chase noise: it would move
# thresholds for a whole group to fix a gap that may not exist. We therefore
# **pool** the groups with fewer than 100 readmissions in training, the same
# cut-off Lab 3 used for a group too small to judge {cite:p}`collins2016sample`,
# into one group for the mitigators. This is a choice with a price: pooling
# hides differences between Asian, American Indian or Alaska Native, and other
# patients, so their results must still be audited separately, and the honest
# remedy for a small group is more data (more years, pooled sites), not a
# constraint fitted to noise.

# %%
small = events.index[events["readmitted"] < 100]
POOLED = "Smaller groups (pooled)"
A_train = train["race_ethnicity"].astype(str).where(~train["race_ethnicity"].isin(small), POOLED)
A_test = test["race_ethnicity"].astype(str).where(~test["race_ethnicity"].isin(small), POOLED)
print("pooled:", ", ".join(small))
A_train.value_counts()

# %% tags=["glue"]
from labkit.glue import glue

glue("l8_groups", A_train.nunique())

# %% [markdown]
# The disparity we track is the one Lab 3 chose for this programme: **equal
# opportunity**, the same sensitivity (share of readmitted patients offered a
# place) in every group {cite:p}`hardt2016equality`. The gap is the largest minus
# the smallest sensitivity across the 4<!--glue:l8_groups:d--> groups, in the test
# years. One helper cell, used throughout, gives each group's sensitivity for a set of
# flags:

# %%
ppv = partial(precision_score, zero_division=np.nan)


def tpr_by_group(flags):
    """Each group's sensitivity: the share of its readmitted test patients flagged."""
    return MetricFrame(metrics=true_positive_rate, y_true=y_test, y_pred=flags,
                       sensitive_features=A_test).by_group


before = tpr_by_group(flags_none)
print(before.round(3).to_string())
print(f"sensitivity gap with no mitigation: {before.max() - before.min():.3f}")

# %% [markdown]
# Read the direction, not only the size: which group's readmitted patients does
# the baseline rule miss most often? A mitigation that closes the gap can do so by
# raising that group's sensitivity, or by lowering the others'.

# %% [markdown]
# ## 3. Pre-processing: reweight the training data
#
# Kamiran and Calders proposed reweighing: give each training patient a weight so
# that, in the weighted data, the outcome is independent of the group
# {cite:p}`kamiran2012data`. For a patient in group *a* with outcome *y*, the
# weight is the probability expected if group and outcome were independent,
# divided by the probability observed:
#
# w = P(A = *a*) x P(Y = *y*) / P(A = *a*, Y = *y*).
#
# A group in which readmission is more common than average has its readmitted
# patients weighted down and its other patients weighted up. The model is then
# refitted with these weights; the model, its inputs and the 20% rule stay the
# same.

# %% [markdown]
# ### Exercise 8.2 - Reweighing
# <!-- assesses: LK8.2 -->
# 1. `weights`: one weight per **training** patient, P(A)P(Y)/P(A,Y), with the
#    pooled groups `A_train` and the outcome `y_train`. With pandas: put both in a
#    DataFrame; `value_counts(normalize=True)` gives P(A) and P(Y), which `.map`
#    spreads over the rows; `groupby([...]).transform("size") / n` gives P(A, Y)
#    for each row.
# 2. `reweighted`: a fresh copy of the model, `clone(model)`, fitted on
#    `task.X_train`, `y_train` with the weights passed to the pipeline's final
#    step: `logisticregression__sample_weight=weights`.

# %% tags=["solution"]
# P(A), P(Y) and P(A, Y) for each training row, then refit a copy of the model with weights.
frame = pd.DataFrame({"group": A_train, "y": y_train})
p_group = frame["group"].map(frame["group"].value_counts(normalize=True))
p_y = frame["y"].map(frame["y"].value_counts(normalize=True))
p_joint = frame.groupby(["group", "y"])["y"].transform("size") / len(frame)
weights = p_group * p_y / p_joint
reweighted = clone(model).fit(task.X_train, y_train, logisticregression__sample_weight=weights)
frame.assign(weight=weights).groupby(["group", "y"])["weight"].first().round(3)

# %%
lab8.reweighting(weights, reweighted);

# %% [markdown]
# The programme's rule applies to the reweighted model's risks as before: the
# top 20% get a place.

# %%
risk_rw = reweighted.predict_proba(task.X_test)[:, 1]
flags_rw = (risk_rw >= np.quantile(risk_rw, 1 - CAPACITY)).astype(int)
moved = int((flags_rw != flags_none).sum())
print(pd.DataFrame({"no mitigation": before, "reweighting": tpr_by_group(flags_rw)}).round(3))
print(f"{moved} of {len(flags_rw)} test patients change side of the 20% line")

# %% [markdown]
# Reweighing targets equal **base rates** in the training data (demographic
# parity), not equal sensitivity, and the model has no race input to act on, only
# its proxies. So its effect on the sensitivity gap is indirect, and here modest.
# It moves patients across the line for reasons no one chose patient by patient,
# and the weights deliberately distort the outcome rates the model learns from:
# check its calibration by group before using its risks as risks (Section 6).

# %% [markdown]
# ## 4. In-processing: train under a constraint
#
# The reductions approach of Agarwal et al. turns "minimise error subject to a
# fairness constraint" into a sequence of ordinary weighted classification
# problems {cite:p}`agarwal2018reductions`. fairlearn's `ExponentiatedGradient`
# fits the estimator again and again with changing weights, and returns a
# **randomised classifier**: a weighted mixture of the fitted models, which
# flags each patient with a probability equal to the models' weighted vote
# {cite:p}`weerts2023fairlearn`.
#
# Which error does it minimise? Plain error rate treats a missed readmission and
# an unneeded phone call as equal, and when most patients are not readmitted the
# best such rule flags almost no one (the model gives hardly anyone a risk above
# one half). Decision theory says that flagging a patient
# whose risk exceeds *t* is optimal when an unneeded flag costs *t* and a missed
# readmission costs 1 - *t* {cite:p}`pauker1980threshold`. So we give
# `ErrorRate` the costs implied by the programme's own threshold: the mitigator
# then aims at roughly the same number of places.
#
# `ExponentiatedGradient` refits the estimator many times, so a fast fit
# matters: fit it on the preprocessed inputs `Z_train` (one matrix, no pipeline
# to rerun) with `LogisticRegression(solver="liblinear", tol=1e-3)`, quick on a
# problem this size, and skip the optional linear-programming step after each
# round (`run_linprog_step=False`), which costs extra fits.

# %% [markdown]
# ### Exercise 8.3 - ExponentiatedGradient
# <!-- assesses: LK8.3 -->
# 1. `eg`: an `ExponentiatedGradient` with the estimator
#    `LogisticRegression(solver="liblinear", tol=1e-3)`,
#    `constraints=TruePositiveRateParity()` (equal sensitivity),
#    `objective=ErrorRate(costs={"fp": threshold, "fn": 1 - threshold})`,
#    `eps=0.02` (the largest sensitivity gap it may leave in training) and
#    `run_linprog_step=False`.
# 2. Fit it on `Z_train`, `y_train` with `sensitive_features=A_train`.
# 3. `flags_eg`: its test-set decisions, `eg.predict(Z_test,
#    random_state=RANDOM_STATE)`.

# %% tags=["solution"]
# Costs from the programme's threshold, a TPR-parity constraint, fit on training, flag test.
costs = {"fp": threshold, "fn": 1 - threshold}
eg = ExponentiatedGradient(LogisticRegression(solver="liblinear", tol=1e-3),
                           constraints=TruePositiveRateParity(),
                           objective=ErrorRate(costs=costs), eps=0.02, run_linprog_step=False)
eg.fit(Z_train, y_train, sensitive_features=A_train)
flags_eg = eg.predict(Z_test, random_state=RANDOM_STATE)
print(f"{len(eg.predictors_)} fitted models, {eg.n_oracle_calls_} fits; "
      f"flags {flags_eg.mean():.0%} of test patients")

# %%
lab8.exponentiated_gradient(eg, flags_eg);

# %% [markdown]
# The mixture's weights say how often each fitted model decides; models with
# weight zero were steps on the way:

# %%
print(eg.weights_[eg.weights_ > 0].round(3).to_string())
pd.DataFrame({"no mitigation": before, "exponentiated gradient": tpr_by_group(flags_eg)}).round(3)

# %% [markdown]
# ## 5. Post-processing: a threshold for each group
#
# `ThresholdOptimizer` keeps the fitted model and chooses a threshold for each
# group so that the groups' sensitivities match while an objective is as good as
# possible {cite:p}`hardt2016equality`. Where no single threshold hits the target
# it mixes two, so some patients' decisions are a weighted coin toss. It needs
# each patient's group at the moment of decision. Lab 3 fitted it on all six race
# and ethnicity groups; here it acts on the 4<!--glue:l8_groups:d--> groups of Section 2.

# %% [markdown]
# ### Exercise 8.4 - ThresholdOptimizer, and the coin
# <!-- assesses: LK8.4 -->
# 1. `to`: a `ThresholdOptimizer` with `estimator=model`,
#    `constraints="true_positive_rate_parity"`,
#    `objective="balanced_accuracy_score"`, `prefit=True` and
#    `predict_method="predict_proba"`; fit it on `task.X_train`, `y_train` with
#    `sensitive_features=A_train`.
# 2. `flags_to`: `to.predict(task.X_test, sensitive_features=A_test,
#    random_state=RANDOM_STATE)`.
# 3. `coin_flipped`: predict again with `random_state=RANDOM_STATE + 1`; the share
#    of test patients whose decision differs between the two runs.

# %% tags=["solution"]
# Fit on training with the pooled groups; flag test twice with two seeds and compare.
to = ThresholdOptimizer(estimator=model, constraints="true_positive_rate_parity",
                        objective="balanced_accuracy_score", prefit=True,
                        predict_method="predict_proba")
to.fit(task.X_train, y_train, sensitive_features=A_train)
flags_to = to.predict(task.X_test, sensitive_features=A_test, random_state=RANDOM_STATE)
again = to.predict(task.X_test, sensitive_features=A_test, random_state=RANDOM_STATE + 1)
coin_flipped = (flags_to != again).mean()
print(f"flags {flags_to.mean():.0%}; {coin_flipped:.1%} of decisions change with the seed")

# %%
lab8.threshold_optimizer(to, flags_to, coin_flipped);

# %% [markdown]
# The same for the exponentiated-gradient mixture, whose randomness lies in which
# model decides:

# %%
eg_flipped = (eg.predict(Z_test, random_state=RANDOM_STATE + 1) != flags_eg).mean()
print(f"ExponentiatedGradient: {eg_flipped:.1%} of decisions change with the seed; "
      f"ThresholdOptimizer: {coin_flipped:.1%}")

# %% [markdown]
# **What a randomised decision means for a patient.** Two patients with the same
# inputs, the same risk and the same group can be treated differently: one gets
# the phone call and the clinic visit, the other does not, and the reason is a
# random draw. Fixing `random_state` makes the draw reproducible, so the audit can
# be repeated; it does not make it less of a lottery for the patient. The
# two-seed comparison sees only part of it (a patient whose coin comes up the
# same twice looks settled). A committee adopting such a rule must be able to
# explain it to a patient who asks why they were not offered a place, and should
# record the seed with every decision.

# %% [markdown]
# ## 6. Side by side
#
# Four rules now flag test patients: no mitigation, reweighting,
# exponentiated gradient and the threshold optimizer. Compare them on what the
# committee cares about: how many patients are flagged (capacity), how many of
# the readmitted patients are reached (sensitivity), how many flagged patients
# were readmitted (PPV), the sensitivity gap between groups (the disparity we
# chose), and the PPV gap between groups: at the level of decisions, a flag
# that means something different in different groups, the cousin of
# calibration by group {cite:p}`chouldechova2017fair`.

# %% [markdown]
# ### Exercise 8.5 - The comparison table
# <!-- assesses: LK8.5 -->
# Build `comparison`, a DataFrame with one row per rule, indexed by
# `"none"`, `"reweighting"`, `"exponentiated gradient"` and
# `"threshold optimizer"` (flags `flags_none`, `flags_rw`, `flags_eg`,
# `flags_to`), and the columns:
#
# - `flagged`: the share of test patients flagged;
# - `sensitivity`: the share of readmitted test patients flagged
#   (`true_positive_rate`);
# - `ppv`: the share of flagged patients who were readmitted (`ppv`);
# - `tpr_gap`, `ppv_gap`: the largest minus the smallest value across the groups
#   of `A_test` (a `MetricFrame` and its `difference()`).

# %% tags=["solution"]
# One summary per rule, from a MetricFrame by the pooled groups; rows are rules.
flags = {"none": flags_none, "reweighting": flags_rw,
         "exponentiated gradient": flags_eg, "threshold optimizer": flags_to}


def summarise(f):
    mf = MetricFrame(metrics={"tpr": true_positive_rate, "ppv": ppv}, y_true=y_test,
                     y_pred=f, sensitive_features=A_test)
    return {"flagged": f.mean(), "sensitivity": true_positive_rate(y_test, f),
            "ppv": ppv(y_test, f), "tpr_gap": mf.difference()["tpr"],
            "ppv_gap": mf.difference()["ppv"]}


comparison = pd.DataFrame({name: summarise(f) for name, f in flags.items()}).T
comparison.round(3)

# %%
lab8.comparison(comparison);

# %% [markdown]
# Two rules still produce a **risk score** a clinician could read: the original
# model and the reweighted one (the threshold optimizer uses the original score,
# but its decision no longer follows it; the mixture has no single score). For
# those, add discrimination (AUROC) and the worst calibration by group: the
# largest gap, in any group, between the share readmitted and the mean predicted
# risk.

# %%
def worst_calibration(p):
    by = pd.DataFrame({"group": A_test, "observed": y_test, "predicted": p}).groupby("group")
    means = by[["observed", "predicted"]].mean()
    return (means["observed"] - means["predicted"]).abs().max()


scores = {"none": risk, "reweighting": risk_rw}
comparison["auroc"] = pd.Series({k: roc_auc_score(y_test, p) for k, p in scores.items()})
comparison["worst_calibration_gap"] = pd.Series({k: worst_calibration(p)
                                                 for k, p in scores.items()})
comparison.round(3)

# %% [markdown]
# A fair comparison also holds the number of places fixed. The cell below
# recomputes the sensitivity gap of the original and the reweighted scores for
# **every** share of patients flagged, from 5% to 60%, and marks where each rule
# actually lands. A rule below the curve of the original model at the same share
# flagged buys a smaller gap; a rule on or above it buys nothing that moving the
# single threshold would not.

# %%
def gap_at(score, share):
    f = (score >= np.quantile(score, 1 - share)).astype(int)
    tpr = pd.Series(f[y_test == 1]).groupby(A_test.to_numpy()[y_test == 1]).mean()
    return tpr.max() - tpr.min()


shares = np.arange(0.05, 0.605, 0.01)
curves = pd.DataFrame({"share": shares,
                       "none": [gap_at(risk, s) for s in shares],
                       "reweighting": [gap_at(risk_rw, s) for s in shares]})

# %% mystnb={"image": {"alt": "Line chart of the sensitivity gap between the 4<!--glue:l8_groups:d--> patient groups against the share of test patients flagged, from 5% to 60%. Two jagged lines, for the original model's single threshold and for the reweighted model's, rise and fall with the share flagged; between 20% and 50% flagged, the reweighted line lies at or below the original one at 87%<!--glue:l8_rw_at_or_below:.0%--> of the shares. Markers show where each rule lands: no mitigation and reweighting at the programme's 20% capacity, exponentiated gradient at 20%<!--glue:l8_eg_flagged:.0%--> with a smaller gap than both, and the threshold optimizer at 43%<!--glue:l8_to_flagged:.0%-->, more than twice the capacity, below both lines at that share. A dotted vertical line marks the 20% capacity."}}
fig, ax = plt.subplots(figsize=(9, 4))
ax.plot(100 * curves["share"], curves["none"], color="#0072B2", label="no mitigation, any threshold")
ax.plot(100 * curves["share"], curves["reweighting"], color="#E69F00",
        label="reweighting, any threshold")
markers = {"none": ("o", "#0072B2"), "reweighting": ("s", "#E69F00"),
           "exponentiated gradient": ("^", "#009E73"), "threshold optimizer": ("D", "#D55E00")}
for name, (marker, colour) in markers.items():
    row = comparison.loc[name]
    ax.plot(100 * row["flagged"], row["tpr_gap"], marker, color=colour, markersize=9,
            markeredgecolor="black", label=name)
ax.axvline(100 * CAPACITY, ls=":", color="grey", label="programme capacity")
ax.set_xlabel("Patients flagged (% of test patients, 2023-2024)")
ax.set_ylabel("Sensitivity gap between groups (proportion)")
ax.set_title("A smaller gap came with more places or a lottery, not for free")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
plt.show()

# %% tags=["glue"]
from labkit.glue import glue

glue("l8_rw_at_or_below", (curves["reweighting"] <= curves["none"])[
    curves["share"].round(2).between(0.20, 0.50)].mean())
glue("l8_eg_flagged", comparison.loc["exponentiated gradient", "flagged"])
glue("l8_to_flagged", comparison.loc["threshold optimizer", "flagged"])
glue("l8_fewest_readmitted", pd.Series(y_test).groupby(A_test.to_numpy()).sum().min())
glue("l8_most_readmitted", pd.Series(y_test).groupby(A_test.to_numpy()).sum().max())

# %% [markdown]
# Read the plot with Lab 3's warning in mind: each group's sensitivity rests on
# 54<!--glue:l8_fewest_readmitted:d--> to 418<!--glue:l8_most_readmitted:d--> readmitted
# test patients, so the curves wobble, and
# a gap difference of a few points between two rules is within noise. What the
# table and plot show is the **kind** of price each switch charges:
#
# - **Reweighting** leaves the model and its score in place and moves some
#   patients across the line; it aims at equal base rates, not equal
#   sensitivity, so its effect on this gap is indirect and modest.
# - **Exponentiated gradient** holds the number of places near capacity (its
#   costs came from the threshold), but replaces one risk score with a
#   lottery among models: no risk a clinician can read, and decisions that
#   depend on a random draw.
# - **Threshold optimizer** closes the gap in training by group-specific
#   thresholds, here at a share flagged far above the programme's capacity; it
#   needs every patient's race at the moment of decision, which raises legal and
#   ethical questions (Lab 3, Section 7), and it randomises some decisions.
# - No rule aims at the PPV gap, and none removes it. When base rates differ,
#   equal sensitivity, equal PPV and equal false-positive rates cannot all hold
#   at once, so every choice gives up a criterion
#   {cite:p}`chouldechova2017fair,kleinberg2017inherent`.

# %% [markdown]
# ## 7. When the remedy is not a different model
#
# All three switches change who is flagged **for the label and the measurements
# the model was given**. None of them can repair a label that measures the wrong
# thing, or an input that is measured worse for some patients:
#
# - **A better label.** When a model predicts cost in place of need, the
#   patients on whom less is spent are under-served, and every metric computed
#   against cost certifies the bias. Obermeyer et al. found that replacing the
#   cost label with an index that combined predicted health with predicted cost
#   reduced the bias by 84% {cite:p}`obermeyer2019dissecting`. That is the
#   subject of {doc}`Lab 5 </labs/05_label_bias>`.
# - **A better measurement.** When pulse oximeters over-read in patients with
#   darker skin, occult hypoxaemia (a low arterial saturation behind a reassuring
#   oximeter reading) was found more often in paired readings from Black than
#   from White patients {cite:p}`sjoding2020racial`, and no reweighting of a
#   model fed those readings fixes the reading. That is the subject of
#   {doc}`Lab 7 </labs/07_pulse_oximetry>`.
# - **A different decision.** The programme's scarcity is itself a decision.
#   More places raise every group's sensitivity at once, with no lottery and no
#   race at the point of care. The cell below compares each group's sensitivity
#   under the original single threshold at the programme's capacity, at the
#   threshold optimizer's share of patients flagged, and under the threshold
#   optimizer itself.

# %%
def single_rule(share):
    return (risk >= np.quantile(risk, 1 - share)).astype(int)


to_share = flags_to.mean()
pd.DataFrame({f"single threshold, {CAPACITY:.0%} places": tpr_by_group(flags_none),
              f"single threshold, {to_share:.0%} places": tpr_by_group(single_rule(to_share)),
              f"threshold optimizer ({to_share:.0%} flagged)": tpr_by_group(flags_to)}).round(3)

# %% [markdown]
# With as many places as the threshold optimizer used, one threshold for everyone
# reaches far more readmitted patients in every group than the current rule
# does. The optimizer then shifts places between groups, raising some groups'
# sensitivity and lowering others', to close the remaining gap. Whether the
# hospital should fund more places, add outreach for the groups the rule serves
# worst, or review patients just below the threshold by hand are decisions for
# the committee and the hospital, and they may do more for patients than any
# switch on the model. Record which criterion you chose, why, and what it cost
# {cite:p}`rajkomar2018ensuring`.

# %% [markdown]
# ## Knowledge check
#
# Answer each question and check it: every option explains why it is right
# or wrong. In the book your score is kept in your browser only.

# %%
quiz.show("labs/08_mitigation")

# %% [markdown]
# ## Clinical takeaways
#
# - "Race is not an input" does not mean race plays no part: neighbourhood,
#   payer and history carry it. Ask for an audit by group, not a list of inputs.
# - Every mitigation has a price: patients moved across the line for reasons no
#   one chose, scores replaced by lotteries, more places than the programme has,
#   race needed at the point of care, or another fairness criterion given up.
# - Compare rules at the same number of places; a smaller gap bought with twice
#   the places is a decision about capacity, not about the model.
# - Pool or refuse to constrain groups too small to measure; ask for more data
#   instead.
# - Before any switch on the model, ask whether the label measures need, whether
#   the inputs are measured equally well, and whether the decision itself (places,
#   outreach, review) is the thing to change.
#
# ## Further reading
#
# - Kamiran and Calders, *Data preprocessing techniques for classification
#   without discrimination* {cite:p}`kamiran2012data`.
# - Agarwal et al., *A reductions approach to fair classification*
#   {cite:p}`agarwal2018reductions`.
# - Hardt, Price and Srebro, *Equality of opportunity in supervised learning*
#   {cite:p}`hardt2016equality`.
# - Weerts et al., *Fairlearn: assessing and improving fairness of AI systems*
#   {cite:p}`weerts2023fairlearn`, and the fairlearn user guide on mitigation.
# - Chouldechova, *Fair prediction with disparate impact*
#   {cite:p}`chouldechova2017fair`; Kleinberg, Mullainathan and Raghavan,
#   *Inherent trade-offs in the fair determination of risk scores*
#   {cite:p}`kleinberg2017inherent`.
# - Obermeyer et al., *Dissecting racial bias in an algorithm used to manage the
#   health of populations* {cite:p}`obermeyer2019dissecting`.
