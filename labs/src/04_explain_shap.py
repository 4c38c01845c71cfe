# %% [markdown]
# # Lab 4 - Explain a model with SHAP
#
# **Scenario.** Riverside General's readmission model (Lab 1) now flags adults
# at discharge for the nurse-led transitional-care programme: a phone call
# within 48 hours and a clinic visit within 7 days. Two sets of people ask
# "why?". A discharge nurse looks at a flag on a patient she thought was doing
# well and asks why the model picked him. The governance committee, which
# must sign off the model before it runs on every ward, asks what drives it
# and whether anything in it should worry them. You will answer both with
# SHAP explanations, find out what such explanations can and cannot show, and
# use one to catch a colleague's model that cheats. Patients are affected
# either way: a flag that nobody trusts is ignored, and a flag that is
# trusted for the wrong reasons sends a scarce nurse's call to the wrong
# person. The data are the SYNTHETIC admissions cohort.
#
# **You will be able to** (objective codes in brackets; Russell et al.
# competency domains {cite:p}`russell2023competencies` after the semicolon)
# 1. compute SHAP values for a gradient-boosted and a logistic model and say
#    what units they are in [LK4.1; D1];
# 2. read a beeswarm and a bar plot to say what drives a model overall
#    [LK4.2; D4];
# 3. read one patient's waterfall plot in plain words, and say what it does
#    not mean [LK4.3; D3];
# 4. compare SHAP with permutation importance and explain where they disagree
#    [LK4.4; D4];
# 5. use an explanation to find a leaky feature [LK4.5; D4];
# 6. name the limits of explanations: they are not causes, correlated
#    features share credit, and they are blind to biased labels and
#    measurements [LK4.6; D2].
#
# **Time:** 90 min. **Needs:** Lab 1. **Data:** SYNTHETIC adult admissions
# 2019-2024; the dataset card is below.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import shap
from matplotlib.colors import LinearSegmentedColormap
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from labkit import cohorts, datasets, explain, models, quiz
from labkit.checks import hints, lab4

# One thread for the boosting model's predictions: on a busy shared machine (a
# teaching hub, Binder) the thousands of tiny parallel jobs in section 5 wait on
# each other and can make a 4-second step take a minute.
threadpool_limits(limits=1, user_api="openmp")
hints.install()  # a one-line hint under the errors learners meet most
datasets.card("admissions")

# %% [markdown]
# ## The model and the question
#
# We start from Lab 1's two models, refitted on 2019-2022 and tested on
# patients first seen in 2023-2024: a logistic regression and a
# gradient-boosted tree model (many small decision trees, each correcting the
# errors of the ones before). Race and ethnicity are not inputs. The **AUROC**
# (area under the ROC curve, also called the c-statistic) is the chance that
# the model gives a randomly chosen readmitted patient a higher risk than a
# randomly chosen patient who was not readmitted: 0.5 is a coin toss, 1 is
# perfect. Both models rank patients only modestly well, as many published
# readmission models do: in a systematic review, those built on large US
# administrative data sets had c-statistics of 0.55 to 0.65
# {cite:p}`kansagara2011risk`.

# %%
RANDOM_STATE = 0
task = cohorts.readmission_task()
boost = cohorts.reference_model(task, "boosting", random_state=RANDOM_STATE)
logit = cohorts.reference_model(task, "logistic")
for name, model in [("gradient boosting", boost), ("logistic regression", logit)]:
    auroc = roc_auc_score(task.y_test, model.predict_proba(task.X_test)[:, 1])
    print(f"{name}: test AUROC {auroc:.3f}")

# %% [markdown]
# SHAP draws in red and blue by default. Each figure below is switched to the
# Okabe-Ito colour-blind-safe palette: vermilion for what raises the predicted
# risk, blue for what lowers it. For the beeswarm and scatter plots a colour
# map is passed in; the waterfall and bar plots take no colour argument, so
# `explain.okabe_ito(figure)` recolours them after drawing.

# %%
BLUE, VERMILION = "#0072B2", "#D55E00"  # Okabe-Ito
LOW_TO_HIGH = LinearSegmentedColormap.from_list("blue_vermilion", [BLUE, VERMILION])

# %% [markdown]
# ## 1. What a SHAP value is
#
# Take one patient. The model turns her record into a score; for both models
# here the score is a **log-odds** of readmission, log(p / (1 - p)), which the
# logistic function turns into a probability p. SHAP starts from a **base
# value**, the model's average score, and shares the difference between this
# patient's score and the base value among her features. The sharing rule is
# the Shapley value from cooperative game theory {cite:p}`shapley1953value`:
# each feature gets its average contribution over every order in which the
# features could be added to the model. Lundberg and Lee showed that this is
# the only way to share the difference that is additive and meets a few
# fairness conditions, and called it SHAP {cite:p}`lundberg2017unified`; for
# tree models it can be computed exactly and fast, which the `TreeExplainer`
# does {cite:p}`lundberg2020local`.
#
# Three things follow.
# - **Additive**: base value + the sum of a patient's SHAP values = the
#   model's score for that patient.
# - **In the model's units**: here log-odds. A SHAP value of +0.4 multiplies
#   the odds of readmission by e^0.4, about 1.5. It is not a change in
#   percentage points: the same +0.4 moves a 5% risk less than a 40% one.
# - **About the model**: a SHAP value says how the model's score depends on
#   a feature, not how the patient's risk does.
#
# shap's `TreeExplainer` knows scikit-learn's `HistGradientBoostingClassifier`
# but not a `Pipeline`: `shap.TreeExplainer(boost)` stops with "Model type not
# yet supported". So we split the pipeline into its preprocessing steps and
# its classifier, and explain the classifier on the preprocessed table, whose
# column names come from `get_feature_names_out()`. We explain a random sample
# of 1,000 test patients: enough to see patterns, and fast.

# %%
pre, gbm = boost[:-1], boost[-1]  # preprocessing steps, then the classifier
X_sample = task.X_test.sample(n=1000, random_state=RANDOM_STATE)
X_explain = pd.DataFrame(
    pre.transform(X_sample), columns=pre.get_feature_names_out(), index=X_sample.index
)
print(f"{X_sample.shape[1]} recorded features became {X_explain.shape[1]} model columns")
print("added columns:", [c for c in X_explain.columns if c not in X_sample.columns])

# %% [markdown]
# Imputation added a "missing" indicator for the two laboratory values that
# are often absent, and one-hot encoding turned each category (sex, payer,
# discharge disposition) into one 0/1 column per level.
#
# ### Exercise 4.1 - Explain the boosting model
# <!-- assesses: LK4.1 -->
# Create a `shap.TreeExplainer` for the classifier `gbm` (not the pipeline)
# and call it on `X_explain`. Store the explainer in `explainer` and the
# `Explanation` it returns in `shap_values`.

# %% tags=["solution"]
# Build the explainer for the classifier, then call it on the preprocessed sample.
explainer = shap.TreeExplainer(gbm)
shap_values = explainer(X_explain)

# %%
lab4.shap_values(shap_values);

# %% [markdown]
# Check additivity on the first patient of the sample: the base value plus
# her SHAP values gives the pipeline's own score.

# %%
first = shap_values[0]
score = first.base_values + first.values.sum()
print(f"shape of shap_values: {shap_values.shape} (patients, model columns)")
print(f"base value {first.base_values:.3f} + SHAP values {first.values.sum():+.3f} = {score:.3f} log-odds")
print(f"pipeline's score: {boost.decision_function(X_sample.iloc[[0]])[0]:.3f} log-odds")
print(f"as a probability: {1 / (1 + np.exp(-score)):.3f}; predict_proba: "
      f"{boost.predict_proba(X_sample.iloc[[0]])[0, 1]:.3f}")

# %% [markdown]
# `shap_values` has one number per patient and column: the boosting model has
# a single output, the log-odds of readmission (class 1), so there is no
# class to choose. Some classifiers give one output per class; a random
# forest's explanation, for instance, has shape (patients, columns, 2), and
# then you must pick the readmitted class explicitly with `sv[..., 1]`.
# Using class 0 by mistake flips every sign.
#
# **Back to the recorded features.** A clinician thinks "payer", not
# "payer_Private". Because SHAP values add up, we can add the values of the
# columns that came from one recorded feature (its one-hot levels, or its
# missing indicator) and show the patient's recorded values, in their own
# units, beside them. `explain.by_feature` does that bookkeeping: it reads from
# the fitted preprocessing `pre` which recorded feature each model column came
# from, and adds up their SHAP values.

# %%
explanation = explain.by_feature(shap_values, X_sample, pre)
explanation.shape

# %% [markdown]
# **The logistic model.** For a linear model `shap.LinearExplainer` gives the
# SHAP value of a feature as its coefficient times the patient's distance from
# the average, coef x (x - mean), with the mean taken over a background
# sample; we use the whole training set (without `max_samples`, shap would
# quietly keep only 100 rows of it). The table compares the two models.

# %%
lpre, lr = logit[:-1], logit[-1]
columns = lpre.get_feature_names_out()
background = shap.maskers.Independent(lpre.transform(task.X_train), max_samples=len(task.X_train))
lin_values = shap.LinearExplainer(lr, background)(
    pd.DataFrame(lpre.transform(X_sample), columns=columns, index=X_sample.index))


# Mean absolute SHAP value of each model column: how much it moves the score on average.
explain.mean_abs(lin_values).nlargest(5).round(3)

# %% [markdown]
# Per model column, the logistic model seems to lean hardest on `sex_male` and
# `sex_female`. But the two columns always add up to 1, so the model can give
# both large coefficients that cancel (their common part is absorbed by the
# intercept): their SHAP values are large, of opposite sign for every patient,
# and only their sum says what sex does to the score. Add them up per recorded
# feature and compare the two models:

# %%
per_feature = pd.DataFrame({"logistic": explain.mean_abs(explain.by_feature(lin_values, X_sample,
                                                                           lpre)),
                            "boosting": explain.mean_abs(explanation)})
print(f"sex, per recorded feature: logistic {per_feature.loc['sex', 'logistic']:.3f}")
per_feature.sort_values("boosting", ascending=False).head(8).round(3)

# %% [markdown]
# Sex almost vanishes, and the two models now tell a similar story: both put
# the number of chronic conditions and prior admissions first, with heart
# failure, payer, area deprivation, COPD and length of stay next. Always
# explain at the level of the recorded feature, or you will report artefacts
# of the encoding as findings.
#
# ## 2. Global: what drives the model
#
# The committee's question is about all patients, so we summarise 1,000 local
# explanations. The simplest summary is each feature's **mean absolute SHAP
# value**: the average size of its push on the score, whichever way it
# pushes.
#
# ### Exercise 4.2 - The model's top feature
# <!-- assesses: LK4.2 -->
# From `explanation` (one column per recorded feature), compute `importance`,
# a pandas Series of each feature's mean absolute SHAP value over the 1,000
# patients, indexed by `explanation.feature_names`. Then store the **name** of
# the feature with the largest value in `top_feature`.

# %% tags=["solution"]
# Mean of |SHAP| down each column, labelled with the feature names; take the largest.
importance = pd.Series(np.abs(explanation.values).mean(axis=0), index=explanation.feature_names)
top_feature = importance.idxmax()

# %%
lab4.top_feature(importance, top_feature);

# %% [markdown]
# Two plots show the same summary and more. In the **beeswarm** plot each dot
# is one patient; its place left or right is the feature's SHAP value for
# that patient and its colour the patient's value of the feature (vermilion
# high, blue low, grey for a category or a missing value). The **bar** plot
# shows the mean absolute SHAP values you have just computed.

# %% mystnb={"image": {"alt": "Beeswarm plot of SHAP values for 1,000 test patients, one row for each of the nine features with the largest mean absolute SHAP value and one for the sum of 19<!--glue:l4_n_other:d--> others. For the number of chronic conditions the values run from about -0.3<!--glue:l4_conditions_min:.1f--> to +1.0<!--glue:l4_conditions_max:.1f--> log-odds, high counts (vermilion) on the right and low counts (blue) on the left; prior admissions reach +0.8<!--glue:l4_prior_max:.1f--> and heart failure +0.9<!--glue:l4_chf_max:.1f-->, again with high values on the right. Payer is grey because it is a category."}}
shap.plots.beeswarm(explanation, max_display=10, color=LOW_TO_HIGH, show=False)
plt.xlabel("SHAP value (change in log-odds of readmission)")
plt.title("More chronic conditions and prior admissions push the score up")
plt.show()

# %% mystnb={"image": {"alt": "Bar chart of the mean absolute SHAP value of each feature: number of chronic conditions 0.20<!--glue:l4_imp_conditions:.2f--> log-odds, prior admissions 0.10<!--glue:l4_imp_prior:.2f-->, heart failure 0.08<!--glue:l4_imp_chf:.2f-->, area deprivation percentile 0.08<!--glue:l4_imp_adi:.2f-->, payer 0.06<!--glue:l4_imp_payer:.2f-->, COPD 0.06<!--glue:l4_imp_copd:.2f-->, length of stay 0.06<!--glue:l4_imp_los:.2f-->, creatinine 0.03<!--glue:l4_imp_creatinine:.2f-->, age 0.02<!--glue:l4_imp_age:.2f-->, and 0.16<!--glue:l4_imp_other:.2f--> for the 19<!--glue:l4_n_other:d--> other features together."}}
shap.plots.bar(explanation, max_display=10, show=False)
explain.okabe_ito(plt.gcf())
plt.xlabel("Mean |SHAP value| (log-odds of readmission)")
plt.title("The number of chronic conditions matters most to the model")
plt.show()

# %% tags=["glue"]
from labkit.glue import glue

glue("l4_n_other", len(importance) - 9)
glue("l4_conditions_min", explanation[:, "n_chronic_conditions"].values.min())
glue("l4_conditions_max", explanation[:, "n_chronic_conditions"].values.max())
glue("l4_prior_max", explanation[:, "prior_admissions_12m"].values.max())
glue("l4_chf_max", explanation[:, "chf"].values.max())
glue("l4_imp_conditions", importance["n_chronic_conditions"])
glue("l4_imp_prior", importance["prior_admissions_12m"])
glue("l4_imp_chf", importance["chf"])
glue("l4_imp_adi", importance["adi_percentile"])
glue("l4_imp_payer", importance["payer"])
glue("l4_imp_copd", importance["copd"])
glue("l4_imp_los", importance["length_of_stay_days"])
glue("l4_imp_creatinine", importance["creatinine_mg_dl"])
glue("l4_imp_age", importance["age"])
glue("l4_imp_other", importance.sort_values(ascending=False).iloc[9:].sum())

# %% [markdown]
# ## 3. Local: why this patient
#
# The discharge nurse's question is about one person. Suppose the programme
# reaches the 10% of patients with the highest predicted risk; we take the
# first flagged patient in the sample.

# %%
risk = boost.predict_proba(X_sample)[:, 1]
patient = int(np.flatnonzero(risk >= np.quantile(risk, 0.9))[0])  # row position
print(f"patient {patient}: predicted risk {risk[patient]:.1%}; sample average {risk.mean():.1%}")
X_sample.iloc[[patient]].T.rename(columns=lambda _: "recorded value")

# %% [markdown]
# ### Exercise 4.3 - This patient's main reason
# <!-- assesses: LK4.3 -->
# Row `patient` of `explanation` holds this patient's SHAP values. Store them
# in `reasons`, a pandas Series indexed by `explanation.feature_names`, and the
# name of the feature that raised this patient's score the most in
# `patient_top_reason`.

# %% tags=["solution"]
# This patient's SHAP value for each feature; the largest positive one raised the score most.
reasons = pd.Series(explanation[patient].values, index=explanation.feature_names)
patient_top_reason = reasons.idxmax()

# %%
lab4.patient_top_reason(reasons, patient_top_reason);

# %% [markdown]
# A **waterfall** plot shows the same row. It starts at the base value,
# E[f(X)], at the bottom, and adds one feature at a time, largest push first,
# until it reaches this patient's score, f(x), at the top. Vermilion bars raise
# the score, blue bars lower it; each bar is labelled with the patient's
# recorded value ("nan" means not measured).

# %% mystnb={"image": {"alt": "Waterfall plot for one flagged patient, climbing from the base value of -1.808<!--glue:l4_base:.3f--> log-odds to his score of -0.673<!--glue:l4_pt_score:.3f-->. Heart failure adds 0.36<!--glue:l4_pt_chf:.2f-->, 3<!--glue:l4_pt_conditions:.0f--> chronic conditions 0.25<!--glue:l4_pt_conditions_shap:.2f-->, a creatinine of 1.65<!--glue:l4_pt_creatinine:.2f--> mg/dL 0.15<!--glue:l4_pt_creatinine_shap:.2f-->, an 8<!--glue:l4_pt_stay:.0f-->-day stay 0.11<!--glue:l4_pt_stay_shap:.2f-->, Medicaid 0.08<!--glue:l4_pt_payer_shap:.2f-->, 1<!--glue:l4_pt_prior:.0f--> prior admission 0.08<!--glue:l4_pt_prior_shap:.2f-->, an area deprivation percentile of 79<!--glue:l4_pt_adi:.0f--> 0.06<!--glue:l4_pt_adi_shap:.2f-->, 4<!--glue:l4_pt_ed:.0f--> emergency visits 0.05<!--glue:l4_pt_ed_shap:.2f--> and an HbA1c of 8<!--glue:l4_pt_hba1c:.0f-->% 0.05<!--glue:l4_pt_hba1c_shap:.2f-->; the 19<!--glue:l4_n_other:d--> other features together take off 0.06<!--glue:l4_pt_other_off:.2f-->."}}
shap.plots.waterfall(explanation[patient], max_display=10, show=False)
explain.okabe_ito(plt.gcf())
plt.gcf().axes[0].set_xlabel("Model score (log-odds of readmission)", labelpad=24)
plt.title("Heart failure pushed this patient's score up the most")
plt.show()

# %% tags=["glue"]
from labkit.glue import glue

_row = X_sample.iloc[patient]
glue("l4_base", explanation[patient].base_values)
glue("l4_pt_score", explanation[patient].base_values + reasons.sum())
glue("l4_pt_chf", reasons["chf"])
glue("l4_pt_conditions", _row["n_chronic_conditions"])
glue("l4_pt_conditions_shap", reasons["n_chronic_conditions"])
glue("l4_pt_creatinine", _row["creatinine_mg_dl"])
glue("l4_pt_creatinine_shap", reasons["creatinine_mg_dl"])
glue("l4_pt_stay", _row["length_of_stay_days"])
glue("l4_pt_stay_shap", reasons["length_of_stay_days"])
glue("l4_pt_payer_shap", reasons["payer"])
glue("l4_pt_prior", _row["prior_admissions_12m"])
glue("l4_pt_prior_shap", reasons["prior_admissions_12m"])
glue("l4_pt_adi", _row["adi_percentile"])
glue("l4_pt_adi_shap", reasons["adi_percentile"])
glue("l4_pt_ed", _row["ed_visits_12m"])
glue("l4_pt_ed_shap", reasons["ed_visits_12m"])
glue("l4_pt_hba1c", _row["hba1c_last_year_pct"])
glue("l4_pt_hba1c_shap", reasons["hba1c_last_year_pct"])
# the waterfall's last bar: every feature after the nine largest pushes, with its sign flipped
glue("l4_pt_other_off", -reasons[reasons.abs().rank(ascending=False) > 9].sum())

# %% [markdown]
# The same explanation as a table, with each push also given as the factor by
# which it multiplies the odds (e^SHAP).

# %%
table = pd.DataFrame({"recorded value": explanation[patient].data,
                      "SHAP (log-odds)": explanation[patient].values},
                     index=explanation.feature_names)
table["odds multiplied by"] = np.exp(table["SHAP (log-odds)"])
table.reindex(table["SHAP (log-odds)"].abs().sort_values(ascending=False).index).head(6).round(2)

# %% [markdown]
# **How a clinician would read it.** "The model puts this man well above the
# average risk for our patients (both figures are printed above). The biggest
# push up comes from his heart failure, then from his number of chronic
# conditions, his raised creatinine and his long stay. Smaller pushes come
# from his insurance, the deprivation of his neighbourhood, his emergency
# visits this year and his HbA1c. Nothing in his record pulled the score down
# by much. In the records it learnt from, patients like him often came back
# within 30 days."
#
# Notice what drives this flag. Heart failure is exactly the feature whose
# link with readmission weakened in 2023, after the heart-failure
# transitional-care programme started (section 5 shows the rates). The model
# learnt 2019-2022, so its biggest reason for flagging him is the one most
# likely to overstate his risk today. An explanation cannot tell you that; it
# only tells you where to look.
#
# **What it does not mean.**
# - It does not say these features *cause* his readmission risk, or that
#   treating one of them would lower it. The model learnt associations in past
#   records; a SHAP value describes the model, not the patient's biology.
# - It does not say what would change the flag. "If he had one condition
#   fewer" is a question about a patient who does not exist, and the model was
#   never tested on it.
# - It does not say the flag is right. With the modest AUROC printed at the
#   top of this lab, many flagged patients will not be readmitted, and many
#   who will be are not flagged.
# - It does not show what the model cannot see: whether he lives alone, can
#   afford his medicines, or understood his discharge instructions. The nurse
#   can.

# %% [markdown]
# ## 4. Dependence: how the score changes with one feature
#
# A **dependence** (scatter) plot puts a feature's recorded value on the
# x-axis and its SHAP value on the y-axis, one dot per patient, coloured by a
# second feature. The spread of dots at the same x shows how much the push
# depends on other features (interactions).

# %% mystnb={"image": {"alt": "Two dependence plots. Left: SHAP value of the number of chronic conditions against the count. Patients with 0 to 2 conditions have values between -0.32<!--glue:l4_dep_low_min:.2f--> and -0.02<!--glue:l4_dep_low_max:.2f--> log-odds, those with 3 between 0.10<!--glue:l4_dep_three_min:.2f--> and 0.54<!--glue:l4_dep_three_max:.2f-->, and those with 4 or more between 0.32<!--glue:l4_dep_high_min:.2f--> and 0.99<!--glue:l4_dep_high_max:.2f-->; at 3 and 4 conditions older patients (vermilion) sit higher. Right: SHAP value of age against age, between -0.11<!--glue:l4_age_young_min:.2f--> and 0.06<!--glue:l4_age_young_max:.2f--> for patients under 90 and up to 0.36<!--glue:l4_age_old_max:.2f--> for the 69<!--glue:l4_n_age_90:d--> patients aged 90 or over."}}
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
shap.plots.scatter(explanation[:, "n_chronic_conditions"], color=explanation[:, "age"],
                   cmap=LOW_TO_HIGH, ax=axes[0], show=False)
shap.plots.scatter(explanation[:, "age"], color=explanation[:, "n_chronic_conditions"],
                   cmap=LOW_TO_HIGH, ax=axes[1], show=False)
axes[0].set_xlabel("Number of chronic conditions (of 10)")
axes[1].set_xlabel("Age (years)")
for ax in axes:
    ax.set_ylabel("SHAP value (log-odds)")
fig.suptitle("Each chronic condition raises the score; age adds little except in the very old")
plt.show()

# %% tags=["glue"]
from labkit.glue import glue

# Slicing an Explanation by name takes tens of milliseconds: slice each feature once.
_cond, _age = explanation[:, "n_chronic_conditions"], explanation[:, "age"]
glue("l4_dep_low_min", _cond.values[_cond.data <= 2].min())
glue("l4_dep_low_max", _cond.values[_cond.data <= 2].max())
glue("l4_dep_three_min", _cond.values[_cond.data == 3].min())
glue("l4_dep_three_max", _cond.values[_cond.data == 3].max())
glue("l4_dep_high_min", _cond.values[_cond.data >= 4].min())
glue("l4_dep_high_max", _cond.values[_cond.data >= 4].max())
glue("l4_age_young_min", _age.values[_age.data < 90].min())
glue("l4_age_young_max", _age.values[_age.data < 90].max())
glue("l4_age_old_max", _age.values[_age.data >= 90].max())
glue("l4_n_age_90", (_age.data >= 90).sum())

# %% [markdown]
# Read the left panel from left to right: with up to two chronic conditions
# the push is negative (a below-average score), from three conditions on it
# is clearly positive, and it keeps climbing. The colour shows that, at the same
# count, older patients get a slightly larger push: an interaction the model
# learnt. The right panel shows that age on its own moves the score little,
# except in patients aged 90 or over. Remember that the plot shows
# the model, fitted to 2019-2022, when fewer of the oldest patients were
# admitted (the case-mix shift in the datasheet).

# %% [markdown]
# ## 5. A second opinion: permutation importance
#
# **Permutation importance** asks a different question: how much worse does
# the model rank patients if we shuffle one feature's values among them,
# breaking its link with the outcome {cite:p}`breiman2001random`? It is
# measured on data (here the test set), in units of the performance metric
# (here AUROC), and it works on the whole pipeline, so a categorical feature
# is shuffled as one.
#
# ### Exercise 4.4 - Permutation importance on the test set
# <!-- assesses: LK4.4 -->
# Run `permutation_importance` (imported at the top from `sklearn.inspection`)
# on the pipeline `boost` with `task.X_test` and `task.y_test`,
# `scoring="roc_auc"`, `n_repeats=5` and `random_state=RANDOM_STATE`; store the
# result in `perm`. Store the name of the feature with the largest mean
# importance in `perm_top`.

# %% tags=["solution"]
# Shuffle each recorded feature 5 times on the test set and record the drop in AUROC.
perm = permutation_importance(boost, task.X_test, task.y_test, scoring="roc_auc",
                              n_repeats=5, random_state=RANDOM_STATE)
perm_top = task.X_test.columns[np.argmax(perm.importances_mean)]

# %%
lab4.perm_top(perm, perm_top);

# %%
ranking = pd.DataFrame({
    "mean |SHAP| (log-odds)": importance,
    "AUROC drop when shuffled": pd.Series(perm.importances_mean, index=task.X_test.columns),
    "spread (SD) over repeats": pd.Series(perm.importances_std, index=task.X_test.columns),
})
ranking["SHAP rank"] = ranking.iloc[:, 0].rank(ascending=False).astype(int)
ranking["permutation rank"] = ranking.iloc[:, 1].rank(ascending=False).astype(int)
ranking.sort_values("SHAP rank").head(8).round(4)

# %% [markdown]
# **Where they agree.** Both put the number of chronic conditions and prior
# admissions at the top: the model leans on them, and they carry real signal
# in new patients. Below those two, permutation importances are small and
# differences smaller than their spread over repeats are noise: do not read
# much into rank 5 against rank 6.
#
# **Where they differ, and why.**
# - They answer different questions. SHAP says how much the model's *score*
#   moves with a feature; it needs no outcomes at all. Permutation importance
#   says how much the model's *performance* depends on it, on a particular
#   data set. A feature can move the score a lot and still add little to the
#   ranking, if the movement does not line up with who is readmitted.
# - Heart failure (`chf`) moves the score more than its permutation importance
#   would suggest. The next cell shows one reason: its link with readmission
#   weakened in 2023, when a heart-failure transitional-care programme started
#   (the built-in shift), so what the model learnt about it in 2019-2022 pays
#   off less in the test years. Another is that `chf` is counted inside
#   `n_chronic_conditions`: shuffling `chf` alone leaves most of its
#   information in the count.
# - Shuffling one of two correlated features creates patients who do not
#   exist (heart failure with zero chronic conditions) and forces the model to
#   extrapolate, which can mislead permutation importance
#   {cite:p}`hooker2021unrestricted`.

# %%
for name, part in [("2019-2022 (train)", task.train), ("2023-2024 (test)", task.test)]:
    rates = part.groupby("chf")["readmitted_30d"].mean()
    print(f"{name}: readmitted {rates[1]:.1%} with heart failure, {rates[0]:.1%} without")

# %% [markdown]
# ## 6. Catching a leaky feature with an explanation
#
# A colleague built a model to predict in-hospital **deterioration** (ICU
# transfer or death during the stay) **at admission**, to decide who gets
# closer monitoring from day one. He reports an excellent AUROC. His feature
# list includes `length_of_stay_days` and `cost_of_stay_usd`, which are known
# only at discharge, and in this cohort both grow when a patient deteriorates.
# Using information that would not be available at the moment of prediction
# is **leakage** {cite:p}`kaufman2012leakage`. Let us rebuild his model and
# see whether an explanation gives it away.

# %%
adm = datasets.load_admissions()
at_admission = [c for c in cohorts.NUMERIC_FEATURES if c != "length_of_stay_days"]
colleague_features = at_admission + ["length_of_stay_days", "cost_of_stay_usd"]
train_d = adm[adm["admit_year"] <= 2022]
later = adm[adm["admit_year"] > 2022]
test_d = later[~later["patient_key"].isin(train_d["patient_key"])]  # new patients only

# %%
# `models.fit_and_score` fits a fresh copy of the model on the training rows and
# returns it with its AUROC on the test rows.
colleague = HistGradientBoostingClassifier(random_state=RANDOM_STATE)
leaky_model, leaky_auroc = models.fit_and_score(colleague, colleague_features, "deterioration",
                                                train_d, test_d)
print(f"colleague's model: test AUROC {leaky_auroc:.3f}")

# %% [markdown]
# ### Exercise 4.5 - What gives it away?
# <!-- assesses: LK4.5 -->
# Explain `leaky_model` with a `TreeExplainer` on `X_leaky` (1,000 test
# admissions, below); it needs no preprocessing. Store the `Explanation` in
# `leaky_values` and the name of the feature with the largest mean absolute
# SHAP value in `leaky_feature` (`explain.mean_abs` gives every feature's mean
# absolute SHAP value).

# %%
X_leaky = test_d[colleague_features].sample(n=1000, random_state=RANDOM_STATE)

# %% tags=["solution"]
# Explain the model on the sample, then find the feature with the largest mean |SHAP|.
leaky_values = shap.TreeExplainer(leaky_model)(X_leaky)
leaky_feature = explain.mean_abs(leaky_values).idxmax()

# %%
lab4.leaky_feature(leaky_values, leaky_feature, leaky_model);

# %% mystnb={"image": {"alt": "Bar chart of the mean absolute SHAP value of each feature in the colleague's deterioration model: cost of the stay 2.31<!--glue:l4_leaky_cost:.2f--> log-odds, length of stay 0.28<!--glue:l4_leaky_los:.2f-->, age 0.13<!--glue:l4_leaky_age:.2f-->, SpO2 0.11<!--glue:l4_leaky_spo2:.2f-->, haemoglobin 0.06<!--glue:l4_leaky_hb:.2f-->, lactate 0.06<!--glue:l4_leaky_lactate:.2f--> and white cell count 0.06<!--glue:l4_leaky_wbc:.2f-->, and 0.42<!--glue:l4_leaky_other:.2f--> for the 19<!--glue:l4_leaky_n_other:d--> other features together."}}
shap.plots.bar(leaky_values, max_display=8, show=False)
explain.okabe_ito(plt.gcf())
plt.xlabel("Mean |SHAP value| (log-odds of deterioration)")
plt.title("The cost of the stay dominates a model meant for admission")
plt.show()

# %% tags=["glue"]
from labkit.glue import glue

glue("l4_leaky_cost", explain.mean_abs(leaky_values)["cost_of_stay_usd"])
glue("l4_leaky_los", explain.mean_abs(leaky_values)["length_of_stay_days"])
glue("l4_leaky_age", explain.mean_abs(leaky_values)["age"])
glue("l4_leaky_spo2", explain.mean_abs(leaky_values)["spo2"])
glue("l4_leaky_hb", explain.mean_abs(leaky_values)["hemoglobin_g_dl"])
glue("l4_leaky_lactate", explain.mean_abs(leaky_values)["lactate_mmol_l"])
glue("l4_leaky_wbc", explain.mean_abs(leaky_values)["wbc_10e9_l"])
glue("l4_leaky_other", explain.mean_abs(leaky_values).sort_values(ascending=False).iloc[7:].sum())
glue("l4_leaky_n_other", len(colleague_features) - 7)

# %% [markdown]
# A model meant to be used at admission leans hardest on something that is
# only known after discharge. No clinician would accept "his bill was high"
# as a reason to watch a patient closely on day one, and this is the kind of
# finding an explanation is good at: it makes an implausible reliance
# visible. Remove the two discharge-time features and refit:

# %%
honest_model, honest_auroc = models.fit_and_score(colleague, at_admission, "deterioration",
                                                  train_d, test_d)
print(f"with discharge-time features: AUROC {leaky_auroc:.3f}")
print(f"admission features only:      AUROC {honest_auroc:.3f}")
explain.mean_abs(shap.TreeExplainer(honest_model)(X_leaky[at_admission])).nlargest(5).round(3)

# %% [markdown]
# The honest model is worse on paper and is the one that could actually be
# used. Its top features are what a clinician would expect of acute illness
# at admission: age, lactate and the first vital signs.

# %% [markdown]
# ## 7. The limits of explanations
#
# **Correlated features share credit.** `n_chronic_conditions` counts heart
# failure, COPD, kidney disease, diabetes and others. When two features
# carry the same information, the model can use either, and SHAP splits the
# credit however the model happened to. Refit the boosting model without the
# count and watch the credit move:

# %%
X_train_cols = pd.DataFrame(pre.transform(task.X_train), columns=X_explain.columns)
X_test_cols = pd.DataFrame(pre.transform(task.X_test), columns=X_explain.columns)
keep = [c for c in X_explain.columns if c != "n_chronic_conditions"]
gbm_without = clone(gbm).fit(X_train_cols[keep].to_numpy(), task.y_train)
auroc = roc_auc_score(task.y_test, gbm_without.predict_proba(X_test_cols[keep].to_numpy())[:, 1])
print(f"test AUROC without the count: {auroc:.3f}")
without = shap.TreeExplainer(gbm_without)(X_explain[keep].to_numpy())
conditions = ["n_chronic_conditions", "chf", "copd", "ckd", "diabetes"]
pd.DataFrame({"with the count": explain.mean_abs(shap_values)[conditions],
              "without it": pd.Series(np.abs(without.values).mean(axis=0), index=keep)}
             ).loc[conditions].round(3)

# %% [markdown]
# Without the count, the model ranks patients nearly as well (compare the
# AUROC at the top of the lab), and the credit the count had moves to the
# individual conditions: heart failure and COPD get more, and kidney disease
# (`ckd`) and diabetes, which had almost none, now get a share. Compare with
# the truth, which we know only because the cohort is synthetic
# (`labkit/synthetic.py`): diabetes affects readmission only by adding one to
# the count of conditions, while kidney disease has a small effect of its own
# beyond the count. So the first model's "diabetes adds nothing beyond the
# count" happens to match the generator, and the second model's "diabetes
# matters" is credit borrowed from the count it cannot see. Both are faithful
# descriptions of their model; neither is a statement about diabetes, and
# which one you get depends on which correlated features went into the model.
#
# **Explanations are not causes.** A model for pneumonia mortality once
# learnt that asthma *lowers* the risk of death, because asthmatic patients
# with pneumonia were admitted straight to intensive care
# {cite:p}`caruana2015intelligible`. An explanation would have shown that
# faithfully, and acting on it would have harmed patients. SHAP tells you
# what the model does, not what would happen if you intervened.
#
# **A biased model's explanations look perfectly reasonable.** The
# readmission model does not use race, and its explanations are full of
# sensible clinical features. They reveal nothing about the biases built into
# this cohort (see the datasheet). Pulse oximeters over-read in Black
# patients {cite:p}`sjoding2020racial`, and the honest deterioration model of
# section 6 leans on `spo2`: for a patient whose oximeter reads normal while
# her true saturation is low, its explanation will say "a normal SpO2 lowered
# the risk", faithful to the model and wrong about the patient. A model
# trained on a biased label, such as future cost as a stand-in for health
# need {cite:p}`obermeyer2019dissecting`, will be explained by chronic
# conditions and prior use, exactly as a fair one would; the bias is in what
# the model was asked to predict, which no feature attribution can show. Only
# an audit against outcomes, by group, finds it (Lab 3).
#
# **Explanation is not justification.** A SHAP plot explains why the model
# produced a number. It does not justify acting on it for this patient: that
# needs evidence that the model is accurate, calibrated and useful in
# patients like this one, and a clinician who takes responsibility for the
# decision. Post-hoc explanations can give false reassurance, and rigorous
# validation is a more direct route to trust
# {cite:p}`ghassemi2021false,babic2021beware`. To a patient, "the computer
# says your risk is high because of your chronic conditions" is not a
# reason; "you have several long-term conditions and were in hospital twice
# this year, so we would like to call you in two days" is, and it is yours,
# not the model's.

# %% [markdown]
# ## Knowledge check
#
# Answer each question and check it: every option explains why it is right
# or wrong. In the book your score is kept in your browser only.

# %%
quiz.show("labs/04_explain_shap")

# %% [markdown]
# ## Clinical takeaways
#
# - A SHAP value tells you how a model's score for one patient depends on a
#   feature, in the model's units (here log-odds). It is not a cause, not a
#   treatment target and not a measure of accuracy.
# - Use explanations to catch what should not be there: discharge-time
#   information in an admission model, a device reading you know to be biased,
#   a proxy you would not accept. That is where they earn their keep.
# - When two features carry the same information, which one gets the credit
#   is the model's accident. Do not read "this feature does not matter" from a
#   small SHAP value.
# - A model can be explained clearly and still be unfair or wrong for your
#   patient. Ask for validation in patients like yours, and a subgroup audit,
#   before you ask for explanations.
#
# ## Further reading
#
# - Lundberg and Lee, *A unified approach to interpreting model predictions*
#   {cite:p}`lundberg2017unified`.
# - Lundberg et al., *From local explanations to global understanding with
#   explainable AI for trees* {cite:p}`lundberg2020local`.
# - Ghassemi, Oakden-Rayner and Beam, *The false hope of current approaches to
#   explainable artificial intelligence in health care*
#   {cite:p}`ghassemi2021false`.
# - Hooker, Mentch and Zhou, *Unrestricted permutation forces extrapolation*
#   {cite:p}`hooker2021unrestricted`.
# - Caruana et al., *Intelligible models for healthcare*
#   {cite:p}`caruana2015intelligible`.
