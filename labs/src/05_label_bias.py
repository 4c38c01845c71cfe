# %% [markdown]
# # Lab 5 - Label bias: cost as a proxy for need
#
# **Scenario.** Riverside General's population-health team runs a
# care-management programme for patients with complex chronic illness: a named
# nurse, extra visits, help with medicines and appointments. Places are few, so
# the team plans to buy a risk score that ranks every patient and to enrol the
# top 3% automatically, the rule of the programme Obermeyer et al. studied
# {cite:p}`obermeyer2019dissecting`. The vendor's score predicts **next year's
# health-care cost**. You are the clinician on the AI-governance committee. Before
# it signs, the committee asks you to build such a score on the hospital's own
# data, audit it the way the vendor audits it, and then audit it again against a
# measure of health.
#
# **You will be able to** (objective codes in brackets; Russell et al. competency
# domains {cite:p}`russell2023competencies` after the semicolon)
# 1. train a cost-prediction model for a care-management programme and apply an
#    automatic-enrolment rule (the top 3%) [LK5.1; D1, D4];
# 2. show label bias: compare how sick patients of different groups are at the
#    same score [LK5.2; D2, D4];
# 3. explain why an audit against the proxy label, such as calibration by group
#    against cost, cannot reveal the bias [LK5.3; D4];
# 4. retrain on a label closer to need, compare who is enrolled, and state what
#    Obermeyer et al. measured and what they simulated [LK5.4; D2, D5].
#
# **Time:** 60 min. **Needs:** Lab 1, Lab 3 (its Section 5 introduces label
# bias). **Data:** the SYNTHETIC admissions cohort and the SYNTHETIC payer claims
# that go with it (made up by a generator; no real patient is in them); the two
# dataset cards are below.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import PoissonRegressor
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from labkit import datasets, quiz
from labkit.checks import hints, lab5

RANDOM_STATE = 0
hints.install()  # a one-line hint under the errors learners meet most
datasets.card("admissions")

# %%
datasets.card("claims")

# %% [markdown]
# ## What Obermeyer et al. measured
#
# The study {cite:p}`obermeyer2019dissecting` looked at one large academic
# hospital's primary-care patients in risk-based insurance contracts: 43,539 White
# and 6,079 Black patients, counted as patient-years (one row per patient per
# year; 88,080 and 11,929). A widely used commercial algorithm scored each patient
# from the previous year's insurance claims: demographics such as age and sex,
# insurance type, diagnosis and procedure codes, medications and detailed costs.
# It specifically excluded race. Patients at or above the 97th percentile of the
# score were automatically identified for enrolment in the care-management
# programme. The algorithm was trained to predict **total cost** next year, and by
# the usual audit it looked unbiased: at every level of predicted risk, Black and White
# patients went on to have roughly the same costs, so its predictions were
# calibrated across races. Yet at the same score, Black patients had more active
# chronic illnesses: less had been spent on Black patients with the same health,
# about $1,801 less per year at the same number of chronic illnesses.
#
# The best-known figure is easy to misquote. The authors **simulated** what would
# happen if the gap disappeared: they moved the sicker Black patients above the
# threshold in place of healthier White patients until no Black patient below it
# was sicker than a White patient above it. In that simulation the share of Black
# patients among those automatically identified (at or above the 97th percentile)
# rose from 17.7% to 46.5%. That is a simulated share of the top-scoring group,
# not a count of patients who received help, and not the result of a new model.
# The authors also trained new models on other labels (their Table 2), in a
# random two-thirds of the data, and looked at the other third: the share of Black
# patients at or above the 97th percentile of predicted risk was 14.1% for the
# model trained on total cost, 21.0% for avoidable cost and 26.7% for the number of
# active chronic conditions.
#
# This lab rebuilds that story on SYNTHETIC data. The cohort's generator makes
# spending lower for Black patients than for White patients with the same number
# of chronic conditions, so the truth is known: the admissions datasheet gives the
# size of the gap in the year after an admission, and the claims card says that
# the year before follows the same rule, with the same gap. Two of the cohort's
# columns serve as labels:
#
# - `cost_next_year_usd`: spending in the 12 months after the admission, the
#   **cost label**;
# - `n_chronic_conditions`: active chronic conditions (of ten), the **health
#   label**. In this cohort a patient's conditions do not change from one
#   admission to the next, so this count stands in for next year's active chronic
#   conditions, the health measure Obermeyer et al. used.

# %% [markdown]
# ## The patients and what the algorithm sees
#
# A care-management programme enrols patients, not admissions, so each patient
# is one row: the most recent admission the patient survived with next-year cost
# recorded (a patient who died has no next year). With one row per patient, a
# random split of rows is a split by patient: nobody is in both sets.
#
# The features are what a claims-based algorithm could see: age, sex, payer, the
# deprivation of the home area, the seven condition flags, prior admissions and
# emergency visits, three laboratory values, and **past spending**. The hospital's
# record does not hold past spending; the payer's claims do, one row per admission
# (`spending_prior_12m_usd`, the 12 months before it), so the claims file is joined
# to the patients on `admission_id`. Race and ethnicity are **not** inputs, as in
# the studied algorithm; they are kept for the audit. Nor is
# `n_chronic_conditions`: it is the health label (it also counts three conditions
# that have no flag), and using it as an input would let a health model copy its
# answer.
#
# Past spending enters as its log, `log_prior_spending` = log(1 + dollars). The
# model below works on the log scale of cost: each input multiplies the expected
# cost. With the log of past spending as an input, "a patient who cost twice as
# much last year" moves the prediction by the same factor at any level of
# spending. Raw dollars would make the predicted cost grow exponentially with past
# dollars, so a few very expensive patients would dominate the fit. (Adding 1
# keeps the log defined for a patient with no spending.)

# %%
cohort = datasets.load_admissions()
claims = datasets.load_claims()
survived = cohort[cohort["cost_next_year_usd"].notna()]
patients = (survived.sort_values(["admit_year", "admit_quarter", "admission_id"])
            .drop_duplicates("patient_key", keep="last")
            .merge(claims, on="admission_id", how="left", validate="one_to_one")
            .reset_index(drop=True))
patients["log_prior_spending"] = np.log1p(patients["spending_prior_12m_usd"])
FEATURES = lab5.FEATURES
train, test = train_test_split(patients, test_size=0.3, random_state=RANDOM_STATE)
train, test = train.reset_index(drop=True), test.reset_index(drop=True)
race = test["race_ethnicity"].astype(str)
print(f"{len(patients)} patients: {len(train)} to train, {len(test)} to test; "
      f"patients in both: {len(set(train['patient_key']) & set(test['patient_key']))}")
print("features:", ", ".join(FEATURES))

# %% [markdown]
# The preprocessing is Lab 1's: fill a missing value with the median and add a
# missing-value indicator, scale the numbers, one-hot encode sex and payer.

# %%
numeric = [c for c in FEATURES if c not in ("sex", "payer")]
preprocess = make_column_transformer(
    (make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
     numeric),
    (OneHotEncoder(), ["sex", "payer"]))

# %% [markdown]
# ## 1. A cost score and an automatic-enrolment rule
#
# Costs are skewed and grow multiplicatively with illness: each chronic condition
# adds a share of cost rather than a fixed amount. A **Poisson regression**
# (scikit-learn's `PoissonRegressor`) models the log of the expected cost as a
# weighted sum of the features, so its predictions are in dollars and never
# negative. `alpha=0` turns its default penalty off; `max_iter=1000` gives the
# solver room to converge.

# %% [markdown]
# ### Exercise 5.1 - Train the cost score
# <!-- assesses: LK5.1 -->
# 1. `cost_model`: `make_pipeline(preprocess, PoissonRegressor(alpha=0,
#    max_iter=1000))`, fitted on `train[FEATURES]` and
#    `train["cost_next_year_usd"]`.
# 2. `score`: its predictions for the test patients, `test[FEATURES]`.

# %% tags=["solution"]
# Fit the cost model on the training patients; score the test patients.
cost_model = make_pipeline(preprocess, PoissonRegressor(alpha=0, max_iter=1000))
cost_model.fit(train[FEATURES], train["cost_next_year_usd"])
score = cost_model.predict(test[FEATURES])
print(f"predicted next-year cost: mean ${score.mean():,.0f}; "
      f"observed: mean ${test['cost_next_year_usd'].mean():,.0f}")

# %%
lab5.cost_score(cost_model, score);

# %% [markdown]
# ### Exercise 5.2 - Enrol the top 3%
# <!-- assesses: LK5.1 -->
# The programme enrols every patient at or above the 97th percentile of the
# score. Compute `threshold = np.quantile(score, 0.97)` and `enrolled`, a
# True/False array that is True for each test patient with
# `score >= threshold`. Use `>=`, the rule "at or above", and let the percentile
# set the count rather than a number of places rounded by hand.

# %% tags=["solution"]
# The 97th percentile of the test patients' scores, and everyone at or above it.
threshold = np.quantile(score, 0.97)
enrolled = score >= threshold
print(f"threshold ${threshold:,.0f}: {enrolled.sum()} of {len(score)} test patients enrolled")

# %%
lab5.enrolment(enrolled);

# %% [markdown]
# Who is enrolled? The table puts each group's share of the test patients beside
# its share of the enrolled:

# %%
pd.DataFrame({"test patients": race.value_counts(normalize=True),
              "enrolled": race[enrolled].value_counts(normalize=True)}).fillna(0).round(3)

# %% [markdown]
# Is that a fair share? A share alone cannot say. Black patients in this cohort
# have more chronic conditions on average, so a rule that enrolled the sickest
# patients would give them a larger share of the top than of all patients. The
# question is whether the sickest patients are the ones enrolled, whatever their
# group.

# %% [markdown]
# ## 2. At the same score, who is sicker?
#
# Obermeyer et al.'s central analysis, their Figure 1, holds the score fixed and
# compares health: among patients in the same band of the score, do Black and White
# patients carry the same number of chronic conditions
# {cite:p}`obermeyer2019dissecting`?

# %% [markdown]
# ### Exercise 5.3 - Chronic conditions at the same score
# <!-- assesses: LK5.2 -->
# Cut the test patients' scores into ten deciles, once for everyone:
# `decile = pd.qcut(score, 10, labels=False) + 1` (1 lowest, 10 highest). Then
# build `by_decile`, a DataFrame with one row per decile and one column per race
# and ethnicity group, holding the mean `n_chronic_conditions` of the test
# patients in that cell: group `test` by decile and race, take the mean, and
# `.unstack()`.

# %% tags=["solution"]
# Deciles of the score, then the mean number of conditions per decile and group.
decile = pd.qcut(score, 10, labels=False) + 1
by_decile = (test.assign(decile=decile, race=race)
             .groupby(["decile", "race"])["n_chronic_conditions"].mean().unstack())
by_decile[["White", "Black"]].round(2)

# %%
lab5.conditions_by_score(by_decile);

# %% [markdown]
# Each decile holds a tenth of the test patients, and far fewer of them are Black
# than White, so a single cell is noisy: read the pattern across deciles rather
# than any single cell.

# %%
gap = by_decile["Black"] - by_decile["White"]
counts = pd.crosstab(decile, race)[["White", "Black"]]
print(f"Black minus White, mean chronic conditions: higher for Black patients in "
      f"{(gap > 0).sum()} of 10 deciles; mean gap {gap.mean():+.2f}, top decile "
      f"{gap.loc[10]:+.2f} ({counts.loc[10, 'Black']} Black and {counts.loc[10, 'White']} "
      "White patients in it)")

# %% [markdown]
# Why would a model that never sees race give sicker Black patients the same
# score as healthier White patients? Look at the label and at the strongest input
# together. The cell compares mean spending at the same number of chronic
# conditions, in the 12 months before the admission (from the claims, an input)
# and in the 12 months after it (the label):

# %%
spending_at_need = (patients[patients["race_ethnicity"].isin(["White", "Black"])]
                    .groupby(["n_chronic_conditions", "race_ethnicity"], observed=True)
                    [["spending_prior_12m_usd", "cost_next_year_usd"]].mean().unstack())
spending_at_need.loc[0:6].rename(columns={"spending_prior_12m_usd": "year before ($)",
                                           "cost_next_year_usd": "year after ($)"}).round(-1)

# %% [markdown]
# At every level of need shown, less is spent on Black patients, in the year before
# as in the year after. A model trained on this label learns which patients cost
# less, and it can learn that without race, from inputs that carry the same gap.
# Section 3 shows what that does to the vendor's audit.

# %% [markdown]
# ## 3. The vendor's audit: calibration by group against cost
#
# A vendor shows calibration by group: among patients given the same predicted
# cost, is the observed cost the same for every group? That is the standard check
# of a risk score (Lab 3, Section 2), and Obermeyer et al. found the studied
# algorithm passed it: at every level of predicted risk, Black and White patients
# went on to cost about the same {cite:p}`obermeyer2019dissecting`. Run the same
# audit on your score.

# %% [markdown]
# ### Exercise 5.4 - Calibration against the cost label
# <!-- assesses: LK5.3 -->
# Build `calib`, a DataFrame with one row per race and ethnicity group of the
# test patients and the columns `n` (patients), `predicted` (mean `score`, the
# predicted cost) and `observed` (mean `cost_next_year_usd`).

# %% tags=["solution"]
# Group, predicted and observed cost side by side, then averaged within each group.
frame = pd.DataFrame({"group": race, "predicted": score,
                      "observed": test["cost_next_year_usd"]})
calib = frame.groupby("group").agg(n=("predicted", "size"), predicted=("predicted", "mean"),
                                   observed=("observed", "mean"))
calib.round(0)

# %%
lab5.cost_calibration(calib);

# %%
calib["observed / predicted"] = calib["observed"] / calib["predicted"]
# A rough ruler for chance: twice the standard error of each ratio (delta method).
residual = test["cost_next_year_usd"] - score * race.map(calib["observed / predicted"])
calib["± 2 SE"] = 2 * residual.groupby(race).std() / (np.sqrt(calib["n"]) * calib["predicted"])
calib.round(2)

# %% [markdown]
# Read each ratio beside `n` and its ruler. A ratio of 1 means the group went on to
# cost what the score predicted. For the two large groups, White and Black
# patients, the ratios are close to 1 and to each other, within their rulers. The
# smaller groups have wider rulers, because tens or a few hundred patients leave
# more to chance; none of the ratios is further from 1 than its ruler. This is the
# vendor's audit, and the score passes it: it predicts cost as well for Black as
# for White patients.
#
# The figure puts that audit beside an audit against health, decile by decile of
# the score.

# %% mystnb={"image": {"alt": "Two panels against decile of the cost score (1 lowest, 10 highest) for White and Black test patients. Left, the audit against cost: the ratio of observed to predicted cost per decile, on an axis from one half to one and a half, with a dotted line at 1; the White points lie close to the line and the Black points scatter around it, more widely because each decile holds fewer Black patients, with no consistent side, so the score looks calibrated for both groups. Right, the audit against health: mean number of chronic conditions per decile, rising with the score; the Black points lie above the White points in every decile or nearly every one, so at the same score Black patients are sicker."}}
COLOURS = {"White": "#0072B2", "Black": "#D55E00"}  # Okabe-Ito blue, vermilion
cells = pd.DataFrame({"decile": decile, "race": race, "predicted": score,
                      "observed": test["cost_next_year_usd"]})
ratio = cells.groupby(["decile", "race"])[["observed", "predicted"]].mean()
ratio = (ratio["observed"] / ratio["predicted"]).unstack()
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
for group, colour in COLOURS.items():
    left.plot(ratio.index, ratio[group], "o-", color=colour, label=group)
    right.plot(by_decile.index, by_decile[group], "o-", color=colour, label=group)
left.axhline(1, ls=":", color="grey", label="observed = predicted")
left.set(xlabel="Decile of the cost score", ylabel="Observed / predicted cost",
         ylim=(0.5, 1.5), title="Against cost: calibrated for both groups")
right.set(xlabel="Decile of the cost score", ylabel="Mean chronic conditions",
          title="Against health: Black patients are sicker")
for ax in (left, right):
    ax.set_xticks(range(1, 11))
    ax.legend(fontsize=8)
fig.suptitle("Same score, two audits (SYNTHETIC test patients)")
fig.tight_layout()
plt.show()

# %% [markdown]
# This is Obermeyer et al.'s point {cite:p}`obermeyer2019dissecting`. The left
# panel is the vendor's audit, and the score passes it. The right panel holds the
# same score fixed and looks at health: Black patients are sicker in nearly every
# decile of the score. Both are true at once. Every quantity on the left is computed
# against the label, so it can only say whether the model predicts cost well; it
# cannot say whether cost measures need. When less is spent on Black patients at
# the same need, a score that under-rates their need is exactly what passes a
# calibration audit against cost.
#
# **Why past spending makes it so.** The model never sees race, yet it predicts
# the lower spending on Black patients correctly. Its strongest input is past
# spending, and the table in Section 2 showed that past spending is lower for
# Black patients at the same need, as next-year spending is. A patient's spending
# persists from one year to the next, so past spending carries the access gap
# into the score without race: the model learns that patients on whom less was
# spent will have less spent on them, which is accurate for cost and wrong for
# need. The studied algorithm's inputs included the previous year's detailed
# costs. A score built from the hospital's record alone, without the claims,
# cannot see the gap this way; in this cohort it over-predicts Black patients'
# costs, and the vendor's audit would then show a gap, in the direction that
# seems to favour them. Either way the audit against cost says nothing about
# health.

# %% [markdown]
# ## 4. A label closer to need
#
# If the programme is meant for the sickest patients, train the score to predict
# sickness. Obermeyer et al. trained new models on other labels, including the
# number of active chronic conditions, and compared who landed at or above the
# 97th percentile {cite:p}`obermeyer2019dissecting`. Do the same here: the
# features, split and rule stay; only the label changes.

# %% [markdown]
# ### Exercise 5.5 - Retrain on the health label and compare who is enrolled
# <!-- assesses: LK5.4 -->
# 1. `health_model`: `make_pipeline(preprocess, PoissonRegressor(alpha=0,
#    max_iter=1000))`, fitted on `train[FEATURES]` (the cost model's inputs, past
#    spending included) and `train["n_chronic_conditions"]` (a count, which a
#    Poisson regression suits).
# 2. `health_score`: its predictions for `test[FEATURES]`.
# 3. `enrolled_health`: `health_score >= np.quantile(health_score, 0.97)`.
# 4. `share_black_cost` and `share_black_health`: the share of Black patients
#    among `enrolled` (the cost rule of Exercise 5.2) and among `enrolled_health`.

# %% tags=["solution"]
# Same features, split and rule; only the label changes.
health_model = make_pipeline(preprocess, PoissonRegressor(alpha=0, max_iter=1000))
health_model.fit(train[FEATURES], train["n_chronic_conditions"])
health_score = health_model.predict(test[FEATURES])
enrolled_health = health_score >= np.quantile(health_score, 0.97)
share_black_cost = (race[enrolled] == "Black").mean()
share_black_health = (race[enrolled_health] == "Black").mean()
print(f"Black patients among the enrolled: {share_black_cost:.1%} by cost, "
      f"{share_black_health:.1%} by health")

# %%
lab5.health_label(health_score, share_black_cost, share_black_health);

# %% [markdown]
# Compare the two enrolled groups, and the patients who change places:

# %%
chronic, cost = test["n_chronic_conditions"], test["cost_next_year_usd"]
groups = {"cost label": enrolled, "health label": enrolled_health,
          "only by cost": enrolled & ~enrolled_health,
          "only by health": enrolled_health & ~enrolled}
pd.DataFrame({name: {"patients": int(m.sum()), "share Black": (race[m] == "Black").mean(),
                     "mean chronic conditions": chronic[m].mean(),
                     "mean next-year cost ($)": cost[m].mean()}
              for name, m in groups.items()}).T.round(2)

# %% [markdown]
# What did the label change inside the model? Both are Poisson regressions on the
# same scaled inputs, so their weights (log scale, per standard deviation or per
# category) can be set side by side. Four inputs matter here: past spending, the
# deprivation of the home area (Black patients live in more deprived areas here),
# diabetes (more common among Black patients here) and payer.

# %%
def weights(model):
    """The fitted Poisson regression's weights, named by input."""
    return pd.Series(model[-1].coef_, index=model[0].get_feature_names_out())


print(f"mean area deprivation percentile: White "
      f"{test.loc[race == 'White', 'adi_percentile'].mean():.0f}, Black "
      f"{test.loc[race == 'Black', 'adi_percentile'].mean():.0f}")
pd.DataFrame({"cost model": weights(cost_model), "health model": weights(health_model)}).loc[
    ["pipeline__log_prior_spending", "pipeline__adi_percentile", "pipeline__diabetes",
     "onehotencoder__payer_Medicaid", "onehotencoder__payer_Uninsured"]].round(3)

# %% [markdown]
# The cost model leans on past spending far more than on any other input: last
# year's spending is the best single guide to next year's. The health model gives
# past spending less weight and the signs of illness more: diabetes, and the
# deprivation of the home area, which goes with more chronic illness here. Compared
# with privately insured patients, it also weights uninsured patients up where the
# cost model weights them down: the cost model learned who gets spent on. None of these inputs is race, and together
# they move Black patients down the cost ranking.

# %% [markdown]
# The health label enrols a sicker group. Look at the patients who change places:
# those enrolled only under the health label are sicker than those they replace,
# cost less, and are far more often Black. They are the patients the cost label
# passed over because less is spent on them. Neither label is wrong as
# arithmetic: they answer different questions. The programme exists to help the
# sickest patients, so its label should measure sickness.
#
# Three cautions before you call this solved:
#
# - **A small group.** The top 3% is a small group of test patients (the check of
#   Exercise 5.2 printed its size), so a single patient moves a share visibly;
#   another split would give other digits. In Obermeyer et al.'s much larger sample the
#   difference between labels was estimated with a standard error
#   {cite:p}`obermeyer2019dissecting`.
# - **A health label is also a measurement.** A condition is counted only if it
#   was diagnosed, and diagnosis depends on access to care: the same gap that
#   lowers spending can lower recorded illness. Ask how each condition was
#   found.
# - **The inputs still carry the gap.** The health model sees past spending too,
#   so that only the label changes between the two models. It weights past
#   spending less than the cost model does, but the weight it gives brings some of
#   the spending gap along. Whether to keep past spending as an input of a health
#   score is a design decision to test the same way: refit without it and compare
#   who is enrolled.
# - **Need is not the only aim.** A programme may want the patients it can help
#   most, not only the sickest; Obermeyer et al. found that a label combining
#   health and cost kept much of the cost prediction while reducing the bias
#   {cite:p}`obermeyer2019dissecting`.

# %% [markdown]
# ## 5. Where this fits
#
# Lab 3 (`labs/03_audit_bias`, Section 5) ranked patients by the cost label itself
# and by need, and showed that an audit against a biased label certifies the bias.
# This lab trained the model and showed the same from the model's side: the
# vendor's calibration audit against cost passes, while the patients' health
# tells another story. Lab 8 (`labs/08_mitigation`) applies fairness constraints
# to a model. Keep this lab in mind there: a constraint such as equal selection
# rates, applied to a cost score, would still rank patients by what is spent on
# them. The right mitigation for label bias is a better label, not a fairness
# constraint.

# %% [markdown]
# ## Knowledge check
#
# Answer each question and check it: every option explains why it is right
# or wrong. In the book your score is kept in your browser only.

# %%
quiz.show("labs/05_label_bias")

# %% [markdown]
# ## Clinical takeaways
#
# - Ask any vendor **what the label is**. A score that predicts cost predicts who
#   will be spent on, which is not the same as who is sick.
# - An audit against the label, however careful (calibration by group, error rates
#   by group), can only say how well the label is predicted. A cost score can be
#   calibrated for every group and still under-rate one group's need. To see label
#   bias, compare groups at the same score on a measure of **health**.
# - Leaving race out of the inputs does not prevent the bias: inputs that go with
#   race, such as where a patient lives or their past spending, carry it in.
# - Quote Obermeyer et al. precisely: 17.7% to 46.5% is a simulated share of the
#   automatically identified patients (at or above the 97th percentile), not a
#   retrained model and not a count of patients helped
#   {cite:p}`obermeyer2019dissecting`.
# - The fix for a biased label is a better label, checked against how that label
#   is itself measured; a fairness constraint on a biased label keeps the bias.
#
# ## Further reading
#
# - Obermeyer et al., *Dissecting racial bias in an algorithm used to manage the
#   health of populations* {cite:p}`obermeyer2019dissecting`.
# - Rajkomar et al., *Ensuring fairness in machine learning to advance health
#   equity* {cite:p}`rajkomar2018ensuring`.
# - Vyas, Eisenstein and Jones, *Hidden in plain sight: reconsidering the use of
#   race correction in clinical algorithms* {cite:p}`vyas2020hidden`.
