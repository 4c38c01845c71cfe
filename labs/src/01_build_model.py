# %% [markdown]
# # Lab 1 - Build a risk model
#
# **Scenario.** Riverside General, an imaginary US hospital, runs a nurse-led
# transitional-care programme: a phone call within 48 hours of discharge and a
# clinic visit within 7 days. The nurses can take only a limited number of
# patients, so the hospital wants a model that flags, **at discharge**, the adults
# most likely to have an unplanned readmission within 30 days. You are the
# clinician on the team that builds it. Two groups of patients pay for a careless
# model: those it misses, who go home without a call, and those it flags
# needlessly, who take a place that a sicker patient needed. Today you build the
# model yourself: what to predict, for whom, from which information, and how to
# measure it honestly.
#
# **You will be able to** (objective codes in brackets; Russell et al. competency
# domains {cite:p}`russell2023competencies` after the semicolon)
# 1. define a prediction task by its population at risk, its outcome and its
#    moment of prediction, and list the inputs known at that moment [LK1.1; D1, D5];
# 2. recognise leakage (information from after the moment of prediction, or test
#    data the model has in effect already seen) and split data by time and by
#    patient to avoid it [LK1.2; D4];
# 3. build a scikit-learn pipeline that imputes, scales and encodes, and explain
#    how missing values can encode access to care [LK1.3; D1, D2];
# 4. draw ROC and precision-recall curves and report AUROC and average precision
#    against the right baseline [LK1.4; D4];
# 5. explain to a colleague what an AUROC does and does not tell a clinician
#    [LK1.5; D3, D4].
#
# **Time:** 80 min. **Needs:** Lab 0. **Data:** the SYNTHETIC admissions cohort
# (made by a seeded generator; no real patient is in it); the dataset card is
# below.

# %%
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)
from sklearn.model_selection import GroupShuffleSplit, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from labkit import datasets, evaluate, models, quiz
from labkit.checks import hints, lab1

RANDOM_STATE = 0  # the one seed of this lab, passed explicitly wherever chance enters
# One thread per numerical library: as fast on data this small, and no crawl when
# other programs share the machine (a teaching hub, Binder).
threadpool_limits(limits=1)
# A one-line hint under the errors learners meet most (the traceback stays).
hints.install()

cohort = datasets.load_admissions()
datasets.card("admissions")

# %% [markdown]
# Each row is one admission. Read the card's limitations again: these data are
# **synthetic**, so every relationship in them is the generator's, chosen to
# teach. Here are the first two admissions, one column per row:

# %%
cohort.head(2).T

# %% [markdown]
# ## 1. Define the task: who, what and when
#
# A prediction model answers one precise question. Write it down before touching
# the data.
#
# - **When** (the moment of prediction): at discharge, when the nurses draw up
#   their list. Anything recorded up to discharge may be used; anything recorded
#   later may not.
# - **Who** (the population at risk): adults discharged alive and not to
#   hospice. A patient who died cannot be readmitted, and patients going to
#   hospice are not the programme's patients. In these data their
#   `readmitted_30d` is empty.
# - **What** (the outcome): `readmitted_30d`, an unplanned readmission within
#   30 days of discharge.
#
# The table below counts admissions by where the patient went, how many have a
# recorded outcome, and the readmission rate among them.

# %%
by_disposition = cohort.groupby("discharge_disposition", observed=True)["readmitted_30d"]
by_disposition.agg(admissions="size", outcome_recorded="count", readmitted="mean").round(3)

# %% [markdown]
# **Which columns are known at the moment of prediction?** Here is when each
# group of columns is recorded:
#
# | columns | what, and when it is recorded |
# | --- | --- |
# | `admission_id`, `patient_key` | identifiers of the admission and of the patient |
# | `admit_year`, `admit_quarter` | calendar time of the admission |
# | `age`, `sex`, `race_ethnicity`, `payer`, `adi_percentile` | at admission |
# | comorbidity flags, `n_chronic_conditions`, `prior_admissions_12m`, `ed_visits_12m` | from the record before admission |
# | first vital signs and laboratory values, `emergency_admission` | at or soon after admission |
# | `length_of_stay_days`, `discharge_disposition` | at discharge |
# | `cost_of_stay_usd` | after discharge, when the bill is settled |
# | `deterioration`, `died_in_hospital` | outcomes of the stay (ICU transfer or death), used for other questions |
# | `readmitted_30d` | up to 30 days after discharge: this task's outcome |
# | `cost_next_year_usd` | over the 12 months after discharge |
#
# (The dataset card warns that length of stay and discharge disposition leak.
# That is true for a prediction made at admission, as Section 4 shows, but not
# for one made at discharge.)
#
# Using information that will not be there when the model is used is called
# **leakage**. It makes a model look better during development than it will be
# in practice, and it is a pervasive reason why published machine-learning
# results fail to reproduce {cite:p}`kapoor2023leakage`.

# %% [markdown]
# ### Exercise 1.1 - Choose the inputs
# <!-- assesses: LK1.1 -->
# Create `features`, a list of the names of the columns the model may use at
# discharge: every column recorded up to discharge, except
#
# - identifiers (a model could use them only to recognise patients, not to
#   judge their risk) and calendar time (the model will be used in years it has
#   never seen);
# - `race_ethnicity`: Riverside decided to keep it for auditing the model
#   (Lab 3), not to allocate care with it;
# - outcome columns, of this question or of any other.
#
# The check names any column that should not be there, and why, and any
# input known at discharge that is missing.

# %% tags=["solution"]
# List the columns the model may NOT use, then keep every other column of cohort.
not_inputs = ["admission_id", "patient_key", "admit_year", "admit_quarter",
              "race_ethnicity", "cost_of_stay_usd", "deterioration",
              "died_in_hospital", "readmitted_30d", "cost_next_year_usd"]
features = [column for column in cohort.columns if column not in not_inputs]

# %%
lab1.features(features);

# %% [markdown]
# The model will treat categorical columns (such as `payer`) differently from
# numeric ones, so sort the inputs into the two kinds:

# %%
categorical = [c for c in features if isinstance(cohort[c].dtype, pd.CategoricalDtype)]
numeric = [c for c in features if c not in categorical]
print(f"{len(numeric)} numeric inputs; {len(categorical)} categorical inputs: {categorical}")

# %% [markdown]
# ## 2. Split by time and by patient
#
# A model is built on the past and used on the future. Its test set should be
# the same: **train on 2019-2022 and test on 2023-2024**. Judging a model on a
# later period than it was built on is called temporal validation; it shows what
# happens when case mix or practice changes, as they did at Riverside in 2023
# {cite:p}`finlayson2021clinician`.
#
# Then be stricter still. Many patients are admitted more than once:

# %%
admissions_per_patient = cohort["patient_key"].value_counts()
print(f"{(admissions_per_patient > 1).sum():,} of {len(admissions_per_patient):,} "
      "patients have more than one admission")

# %% [markdown]
# Drop from the test set every patient who is already in the training set, so
# the test asks how the model does for people it has never seen, not whether it
# recognises someone. Splitting records rather than people can greatly
# overestimate accuracy {cite:p}`saeb2017need`. (When data have no useful time
# order, scikit-learn's `GroupShuffleSplit` with `groups=cohort["patient_key"]`
# splits by patient at random.)
#
# ### Exercise 1.2 - Split the cohort
# <!-- assesses: LK1.2 -->
# Create `train` and `test`, two DataFrames of rows of `cohort`:
# 1. keep only the admissions at risk (`readmitted_30d` not missing), as
#    `at_risk`;
# 2. `train`: the at-risk admissions of 2019-2022;
# 3. `test`: the at-risk admissions of 2023-2024 (`later`) whose `patient_key`
#    does not appear in `train`.

# %% tags=["solution"]
# Keep the patients at risk, split them by year, then drop from the test set
# every patient who already appears in the training set.
at_risk = cohort[cohort["readmitted_30d"].notna()]
train = at_risk[at_risk["admit_year"] <= 2022]
later = at_risk[at_risk["admit_year"] >= 2023]
test = later[~later["patient_key"].isin(train["patient_key"])]

# %%
lab1.split(train, test);

# %% [markdown]
# The outcome of each set, as 0 (not readmitted) or 1 (readmitted):

# %%
y_train = train["readmitted_30d"].astype(int)
y_test = test["readmitted_30d"].astype(int)
print(f"train: {len(train):,} admissions, {y_train.mean():.1%} readmitted")
print(f"test:  {len(test):,} admissions, {y_test.mean():.1%} readmitted")

# %% [markdown]
# ## 3. A pipeline: impute, scale, encode, fit
#
# Raw columns need preparing before a model can use them. A scikit-learn
# **pipeline** chains the preparation and the model {cite:p}`pedregosa2011scikit`:
#
# - `SimpleImputer(strategy="median", add_indicator=True)` fills each missing
#   value with the median of the training set and adds a 0/1 column saying
#   "this value was missing";
# - `StandardScaler` rescales each numeric column to mean 0 and standard
#   deviation 1, so that no column dominates because of its units;
# - `OneHotEncoder` turns a category (`payer` = "Medicaid") into 0/1 columns, one
#   per category;
# - a `ColumnTransformer` sends the numeric columns to the first two steps and
#   the categorical ones to the third.
#
# Every step learns its numbers (medians, means, categories) from the training
# set only, when the pipeline is fitted. Computing them on all the data,
# test set included, is itself a form of leakage {cite:p}`kapoor2023leakage`.
#
# **Missing is not random.** Look at how often HbA1c is missing, by payer:

# %%
no_hba1c = train.groupby("payer", observed=True)["hba1c_last_year_pct"].agg(
    lambda values: values.isna().mean())
no_hba1c.rename("share with no HbA1c in the past year").round(2).to_frame()

# %% [markdown]
# HbA1c is missing far more often for uninsured and Medicaid patients than for
# privately insured or Medicare patients. A missing HbA1c here says less
# about a patient's glucose than about their access to primary care: patients
# with poorer access have less complete records
# {cite:p}`gianfrancesco2018potential`. Missingness can carry real signal (in
# one large study, when a laboratory test was ordered predicted survival better
# than its result for most of the tests studied {cite:p}`agniel2018biases`), but
# with `add_indicator=True` it can also let insurance status into the model by a
# side door. Lab 3 audits what that does.
#
# ### Exercise 1.3 - Build and fit a logistic regression pipeline
# <!-- assesses: LK1.3, LK1.4 -->
# Create `model`: a pipeline of the preprocessing described above (call it
# `preprocess`) followed by `LogisticRegression(max_iter=1000)`. Fit it on
# `train[features]` and `y_train`. Then create `auroc_test`, the AUROC on the
# test set, from the predicted **probability of readmission**: column 1 of
# `model.predict_proba(test[features])`.
#
# AUROC, the area under the receiver operating characteristic curve (also called
# the c-statistic), runs from 0.5 (no better than a coin toss) to 1 (perfect
# ranking). Section 5 explains what it means.

# %% tags=["solution"]
# Preprocess numeric and categorical columns, chain with logistic regression,
# fit on the training set, then score the test set with probabilities of class 1.
preprocess = make_column_transformer(
    (make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
     numeric),
    (OneHotEncoder(handle_unknown="ignore"), categorical),
)
model = make_pipeline(preprocess, LogisticRegression(max_iter=1000))
model.fit(train[features], y_train)
auroc_test = roc_auc_score(y_test, model.predict_proba(test[features])[:, 1])
auroc_test

# %%
lab1.logistic(model, auroc_test);

# %% [markdown]
# ### Exercise 1.4 - A more complex model
# <!-- assesses: LK1.4 -->
# Gradient boosting builds a sequence of small decision trees, each one
# correcting the errors of those before it (up to 200 here; it stops early once
# a held-out tenth of the training set no longer improves), so it can find
# non-linear effects and interactions that a logistic regression cannot. Create `boosting`: a pipeline
# of a fresh copy of the same preprocessing (`clone(preprocess)`) followed by
# `HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05,
# max_leaf_nodes=15, random_state=RANDOM_STATE)`. Fit it on the training set and
# create `auroc_boosting`, its AUROC on the test set.

# %% tags=["solution"]
# Same preprocessing (a fresh copy), gradient-boosted trees instead of logistic
# regression; fit on the training set, score the test set.
boosting = make_pipeline(
    clone(preprocess),
    HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15,
                                   random_state=RANDOM_STATE),
)
boosting.fit(train[features], y_train)
auroc_boosting = roc_auc_score(y_test, boosting.predict_proba(test[features])[:, 1])
auroc_boosting

# %%
lab1.boosting(boosting, auroc_boosting);

# %% [markdown]
# Compare each model on the patients it learned from and on the new ones:

# %%
both = {"logistic regression": model, "gradient boosting": boosting}
pd.DataFrame({
    "training AUROC": [roc_auc_score(y_train, m.predict_proba(train[features])[:, 1])
                       for m in both.values()],
    "test AUROC": [roc_auc_score(y_test, m.predict_proba(test[features])[:, 1])
                   for m in both.values()],
}, index=list(both)).round(3)

# %% [markdown]
# Boosting fits its training patients much better than logistic regression does,
# but that advantage does not carry over to new patients: it has partly learned
# the noise of 2019-2022 (overfitting). Only the test column tells you how a
# model will do in use, and even that only for patients like those in the test
# set.

# %% [markdown]
# ## 4. Leakage makes a model look better than it will be
#
# **The same columns, a different moment.** Length of stay, cost and discharge
# disposition are fair inputs at discharge. Suppose Riverside instead wanted to
# predict `deterioration` (ICU transfer or death) **at admission**. Then those
# three columns are recorded after the moment of prediction. Watch what they do
# to the AUROC of the same recipe, trained on 2019-2022 and tested on new
# patients of 2023-2024. (`models.pipeline` builds Exercise 1.3's recipe for any
# columns, and `models.fit_and_score` fits a fresh copy and returns its AUROC;
# both live in `labkit`, so the lab shows only what changes.)

# %%
early = cohort[cohort["admit_year"] <= 2022]  # every admission can deteriorate
new = cohort[(cohort["admit_year"] >= 2023) & ~cohort["patient_key"].isin(early["patient_key"])]
at_admission = [c for c in numeric if c != "length_of_stay_days"]
honest_columns = (at_admission, ["sex", "payer"])
leaky_columns = (at_admission + ["length_of_stay_days", "cost_of_stay_usd"],
                 ["sex", "payer", "discharge_disposition"])
_, honest = models.fit_and_score(models.pipeline(*honest_columns), sum(honest_columns, []),
                                 "deterioration", early, new)
_, leaky = models.fit_and_score(models.pipeline(*leaky_columns), sum(leaky_columns, []),
                                "deterioration", early, new)
print(f"deterioration at admission, honest inputs:        AUROC {honest:.3f}")
print(f"... plus stay length, cost and disposition (leak): AUROC {leaky:.3f}")

# %% [markdown]
# The jump is large, and none of it would exist on the ward: at admission
# nobody knows how long the stay will be, what it will cost, or whether the
# patient will leave alive (`discharge_disposition` = "died" gives the answer
# away). A model is only as honest as its list of inputs, and that list depends
# on *when* the prediction is made.
#
# **The wrong split.** A quieter leak is splitting the rows at random
# {cite:p}`kapoor2023leakage`. Then the model trains on admissions from every
# year, including 2023-2024, and is tested partly on patients it has already
# seen and mostly on the years it learned from.
#
# ### Exercise 1.5 - What would a random split have reported?
# <!-- assesses: LK1.2 -->
# Do it the wrong way on purpose. Split `at_risk` at random with
# `train_test_split(at_risk, test_size=0.25, random_state=RANDOM_STATE)` into
# `rand_train` and `rand_test`. Fit a fresh copy of your model,
# `random_model = clone(model)`, on `rand_train[features]` and its outcome, and
# create `auroc_random_split`, its AUROC on `rand_test`.

# %% tags=["solution"]
# The WRONG way, on purpose: split the at-risk rows at random (all years mixed,
# some patients in both sets), refit a copy of the model and score it.
rand_train, rand_test = train_test_split(at_risk, test_size=0.25, random_state=RANDOM_STATE)
random_model = clone(model).fit(rand_train[features], rand_train["readmitted_30d"].astype(int))
auroc_random_split = roc_auc_score(rand_test["readmitted_30d"].astype(int),
                                   random_model.predict_proba(rand_test[features])[:, 1])

# %%
lab1.random_split(rand_train, rand_test, random_model, auroc_random_split);

# %% [markdown]
# One random split could be lucky. Repeat it with five seeds, and also with five
# random splits **by patient** (`GroupShuffleSplit`), which keep each patient
# on one side but still mix the years:

# %%
def refit_auroc(fit_at, score_at):
    """AUROC of a fresh copy of `model` fitted on the at_risk rows at positions fit_at."""
    return models.fit_and_score(model, features, "readmitted_30d", at_risk.iloc[fit_at],
                                at_risk.iloc[score_at])[1]


positions = range(len(at_risk))
by_row = [refit_auroc(*train_test_split(positions, test_size=0.25, random_state=seed))
          for seed in range(5)]
by_patient = [refit_auroc(*next(GroupShuffleSplit(test_size=0.25, random_state=seed)
                                .split(at_risk, groups=at_risk["patient_key"])))
              for seed in range(5)]
higher = sum(value > auroc_test for value in by_row + by_patient)
print(f"{higher} of {len(by_row + by_patient)} random splits report a higher AUROC than the honest split")

# %% tags=["glue"]
from labkit.glue import glue

glue("l1_splits", len(by_row + by_patient))
glue("l1_higher", higher)

# %% [markdown]
# Before reading anything into that, ask how precise the honest estimate is. The
# test set is one sample of patients; a bootstrap (resampling them with
# replacement 1,000 times) gives a 95% confidence interval for its AUROC
# {cite:p}`efron1993introduction`. (`evaluate.auroc` is the same number as
# `roc_auc_score`, computed fast enough to repeat 1,000 times.)

# %%
honest_auroc, low, high = evaluate.bootstrap_ci(
    evaluate.auroc, y_test, model.predict_proba(test[features])[:, 1],
    random_state=RANDOM_STATE, progress=False)
inside = sum(low <= value <= high for value in by_row + by_patient)
print(f"honest AUROC {honest_auroc:.3f} (95% CI {low:.3f} to {high:.3f}); "
      f"{inside} of {len(by_row + by_patient)} random-split AUROCs lie inside that interval")
pd.DataFrame({"lowest AUROC": [min(by_row), min(by_patient), low],
              "highest AUROC": [max(by_row), max(by_patient), high]},
             index=["5 random splits of rows", "5 random splits of patients",
                    "by time and patient: 95% CI"]).round(3)

# %% tags=["glue"]
from labkit.glue import glue

glue("l1_inside", inside)

# %% [markdown]
# Of the 10<!--glue:l1_splits:d--> random splits, 10<!--glue:l1_higher:d--> report a higher AUROC
# than the honest split, but the interval puts that in proportion: here the gain
# is about the size of the honest estimate's own sampling uncertainty, and
# 8<!--glue:l1_inside:d--> of the 10<!--glue:l1_splits:d--> random-split AUROCs fall inside its 95%
# interval. On this synthetic cohort a
# random split flatters the model only a little, and a single test set could
# not even show the difference with confidence. The direction still matters: a
# validation that mixes the years can only hide a change over time, never
# reveal one, and the honest split is the estimate that matches how the model
# will be used: built on the past, applied to new patients in later years.
# Splitting by patient
# flatters about as much as splitting rows, so in this synthetic cohort the
# flattery comes from mixing the years: the random test sets are mostly
# 2019-2022, before the 2023 change in heart-failure care. Shared patients add
# little here because the generator draws each admission's outcome
# independently once its recorded columns and its year are known. Real records
# differ: a patient's unrecorded frailty and social circumstances carry over
# from one admission to the next, and splitting records instead of patients can
# overestimate accuracy massively {cite:p}`saeb2017need`.
#
# One more caution. In this synthetic cohort `cost_next_year_usd` happens to
# have been generated without reference to readmission, so adding it would change
# little here. In a real record every readmission adds to next year's bill. A
# leak that looks harmless in one dataset is still a leak.

# %% [markdown]
# ## 5. ROC and precision-recall curves
#
# A model gives each patient a risk between 0 and 1; the hospital then picks a
# threshold above which a patient is flagged. Each threshold gives a
# **sensitivity** (the share of readmitted patients who are flagged), a
# **false-positive rate** (the share of patients not readmitted who are flagged,
# 1 - specificity) and a **positive predictive value**, PPV (the share of flagged
# patients who are readmitted).
#
# - The **ROC curve** plots sensitivity against the false-positive rate for
#   every threshold; the diagonal is a coin toss.
# - The **precision-recall curve** plots PPV (precision) against sensitivity
#   (recall). Flagging patients at random gives a PPV equal to the prevalence of
#   the outcome, so the prevalence, not 0.5, is its baseline. When the outcome is
#   uncommon, this curve shows what the flagged list will look like better than
#   the ROC curve does {cite:p}`saito2015precision`. **Average precision** (AP)
#   summarises it in one number.

# %%
COLOURS = {"logistic regression": "#0072B2", "gradient boosting": "#D55E00"}  # Okabe-Ito
risk = {name: m.predict_proba(test[features])[:, 1] for name, m in both.items()}
prevalence = y_test.mean()

# %% mystnb={"image": {"alt": "Two panels for the 2023-2024 test set. Left: ROC curves of sensitivity against false-positive rate; logistic regression (AUROC 0.63<!--glue:l1_auc_test:.2f-->) and gradient boosting (AUROC 0.62<!--glue:l1_auc_boosting:.2f-->) almost overlap, only modestly above the diagonal chance line. Right: precision-recall curves; once at least a tenth of readmitted patients are flagged, positive predictive value stays between 0.14<!--glue:l1_ppv_low:.2f--> and about 0.28<!--glue:l1_ppv_high:.2f--> for both models (average precision 0.22<!--glue:l1_ap_logistic:.2f--> for logistic regression, 0.21<!--glue:l1_ap_boosting:.2f--> for boosting), falling to the dashed baseline at the prevalence of 0.14<!--glue:l1_prevalence:.2f--> when everyone is flagged."}}
fig, (ax_roc, ax_pr) = plt.subplots(1, 2, figsize=(11, 4.5))
for name, p in risk.items():
    fpr, tpr, _ = roc_curve(y_test, p)
    precision, recall, _ = precision_recall_curve(y_test, p)  # last point: recall 0, by convention
    ax_roc.plot(fpr, tpr, color=COLOURS[name], label=f"{name} (AUROC {roc_auc_score(y_test, p):.2f})")
    ax_pr.plot(recall[:-1], precision[:-1], color=COLOURS[name], drawstyle="steps-post",
               label=f"{name} (AP {average_precision_score(y_test, p):.2f})")
ax_roc.plot([0, 1], [0, 1], color="grey", linestyle="--", label="chance (AUROC 0.50)")
ax_pr.axhline(prevalence, color="grey", linestyle="--", label=f"chance = prevalence ({prevalence:.2f})")
ax_roc.set(xlabel="False-positive rate (share of non-readmitted flagged)",
           ylabel="Sensitivity (share of readmitted flagged)", title="ROC curve")
ax_pr.set(xlabel="Sensitivity (share of readmitted flagged)",
          ylabel="PPV (share of flagged readmitted)", title="Precision-recall curve",
          xlim=(0, 1), ylim=(0, 1))
ax_roc.legend(loc="lower right")
ax_pr.legend(loc="upper right")
fig.suptitle("Both models rank readmitted patients only modestly better than chance")
plt.show()

# %% tags=["glue"]
from labkit.glue import glue

glue("l1_auc_test", roc_auc_score(y_test, risk["logistic regression"]))
glue("l1_auc_boosting", roc_auc_score(y_test, risk["gradient boosting"]))
glue("l1_ap_logistic", average_precision_score(y_test, risk["logistic regression"]))
glue("l1_ap_boosting", average_precision_score(y_test, risk["gradient boosting"]))
# The PPV range of both curves once sensitivity (recall) is at least a tenth.
glue("l1_ppv_low", min(ppv[sens >= 0.1].min() for ppv, sens, _ in
                       (precision_recall_curve(y_test, p) for p in risk.values())))
glue("l1_ppv_high", max(ppv[sens >= 0.1].max() for ppv, sens, _ in
                        (precision_recall_curve(y_test, p) for p in risk.values())))
glue("l1_prevalence", prevalence)

# %% [markdown]
# ## 6. What an AUROC does and does not tell a clinician
#
# **What it is.** The AUROC is the probability that a randomly chosen patient
# who was readmitted gets a higher predicted risk than a randomly chosen patient
# who was not {cite:p}`hanley1982meaning`. You can check that on the test set by
# comparing every such pair of patients:

# %%
p = risk["logistic regression"]
readmitted, not_readmitted = p[y_test.to_numpy() == 1], p[y_test.to_numpy() == 0]
difference = readmitted[:, None] - not_readmitted[None, :]  # one entry per pair of patients
ranked_right = (difference > 0).mean() + 0.5 * (difference == 0).mean()
print(f"{difference.size:,} pairs; readmitted patient ranked higher in {ranked_right:.4f}")
print(f"AUROC from roc_auc_score: {auroc_test:.4f}")

# %% [markdown]
# **What it does not tell you.**
#
# 1. *Whether the risks are right.* AUROC depends only on the order of the
#    patients. Halve every predicted risk and the AUROC does not move, although
#    every risk a nurse or patient would read is now half what it should be.
#    Whether a predicted 20% means 20 readmissions in 100 such patients is
#    **calibration**, and a poorly calibrated model can mislead decisions
#    {cite:p}`vancalster2019calibration`. Lab 2 measures it.

# %%
print(f"AUROC of the risks: {roc_auc_score(y_test, p):.4f}; of the risks halved: "
      f"{roc_auc_score(y_test, p / 2):.4f}")
print(f"mean predicted risk {p.mean():.1%}, halved {p.mean() / 2:.1%}; "
      f"observed readmission rate {y_test.mean():.1%}")

# %% [markdown]
# 2. *How many patients are flagged, and how many of them need the programme.*
#    That depends on the threshold, which the AUROC averages over. Suppose the
#    nurses can take one discharged patient in ten: flag the 10% with the highest
#    predicted risk.

# %%
capacity = 0.10  # share of discharged patients the programme can take
flagging = {}
for name, risk_of in risk.items():
    flagged = risk_of >= pd.Series(risk_of).quantile(1 - capacity)
    caught = int((flagged & (y_test.to_numpy() == 1)).sum())
    flagging[name] = {"patients flagged": int(flagged.sum()), "readmissions caught": caught,
                      "PPV": round(caught / flagged.sum(), 2),
                      "sensitivity": round(caught / y_test.sum(), 2)}
pd.DataFrame.from_dict(flagging, orient="index")

# %% [markdown]
# 3. *Whether a more complex model is better for patients.* Here gradient
#    boosting does not even beat logistic regression. But even when a complex
#    model wins by a point or two of AUROC, look at the table: among the patients
#    flagged, a difference of that size moves a few readmissions from missed to
#    caught, out of hundreds. Whether that is worth a model that is harder to
#    explain and to maintain depends on the programme's capacity and on what a
#    missed or an unneeded call costs. Lab 2 turns those into a threshold and a
#    net benefit.
# 4. *Whether it is good enough.* Readmission is hard to predict. A systematic
#    review of 26 readmission risk models found that most performed poorly: the
#    nine administrative-data models tested in large US populations had
#    c-statistics (AUROCs) of 0.55 to 0.65, and the five that could be used at
#    discharge 0.68 to 0.83 {cite:p}`kansagara2011risk`. A modest AUROC is
#    normal for this question; what matters is whether the flagged list helps
#    the nurses reach the right patients.

# %% [markdown]
# ## Knowledge check
#
# Answer each question and check it: every option explains why it is right
# or wrong. In the book your score is kept in your browser only.

# %%
quiz.show("labs/01_build_model")

# %% [markdown]
# ## Clinical takeaways
#
# - Before judging a model, write down its question: who is at risk, what the
#   outcome is, and the moment of prediction. Every input must be known at that
#   moment.
# - Ask how it was validated. A random split of records flatters a model; a
#   split by time and by patient tells you how it will do for your next
#   patients.
# - Missing values are not neutral: who has a test recorded reflects access to
#   care, and a model can learn that.
# - An AUROC ranks patients; it does not tell you whether the risks are right,
#   whom to flag, or whether a more complex model helps anyone. Readmission
#   models usually reach modest AUROCs.
#
# ## Further reading
#
# - Kansagara et al., *Risk prediction models for hospital readmission: a
#   systematic review* {cite:p}`kansagara2011risk`.
# - Hanley and McNeil, *The meaning and use of the area under a receiver
#   operating characteristic (ROC) curve* {cite:p}`hanley1982meaning`.
# - Kapoor and Narayanan, *Leakage and the reproducibility crisis in
#   machine-learning-based science* {cite:p}`kapoor2023leakage`.
# - Saeb et al., *The need to approximate the use-case in clinical machine
#   learning* {cite:p}`saeb2017need`.
# - Van Calster et al., *Calibration: the Achilles heel of predictive analytics*
#   {cite:p}`vancalster2019calibration`.
