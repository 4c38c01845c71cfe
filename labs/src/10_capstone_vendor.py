# %% [markdown]
# # Lab 10 - Capstone: appraise a vendor's model before go-live
#
# **Scenario.** Riverside General's nurse-led transitional-care programme (a
# phone call within 48 hours of discharge and a clinic visit within 7 days) has
# few places. A vendor offers ReadmitIQ, a model that predicts each patient's
# risk of readmission within 30 days at discharge, "developed at other
# hospitals" and sold with a glossy sheet of claims. You are the clinician on the
# hospital's AI-governance committee, and the committee asks you for an
# appraisal before go-live: can the file be opened safely, does the model work on
# our patients, for whom does it fail, which of the vendor's claims hold, and
# should we switch it on? The question is not academic. When an independent team
# validated a proprietary sepsis model that was in use at hundreds of US
# hospitals on its own patients, its hospitalisation-level AUROC was 0.63 (95% CI
# 0.62 to 0.64), substantially worse than its developer had reported
# {cite:p}`wong2021external`.
#
# **You will be able to** (objective codes in brackets; Russell et al. competency
# domains {cite:p}`russell2023competencies` after the semicolon)
# 1. load a vendor's model without running untrusted code, and validate it on
#    local patients for discrimination, calibration and net benefit [LK10.1; D4];
# 2. audit a vendor's model by group and explain what drives its predictions
#    [LK10.2; D2, D4];
# 3. check the claims of a vendor's marketing sheet one by one against local
#    evidence [LK10.3; D4];
# 4. write a model card that covers the TRIPOD+AI items that apply, and a
#    go/no-go recommendation with its conditions [LK10.4; D4, D5, D6].
#
# **Time:** 90 min. **Needs:** Labs 2, 3 and 4. **Data:** the SYNTHETIC
# admissions cohort (made up by a generator; no real patient is in it; its card
# is below), and a FICTIONAL vendor's model, trained on another SYNTHETIC
# cohort, with its FICTIONAL marketing sheet (datasheet:
# `datasets/vendor_readmission_model.md`).

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import skops.io as sio
from IPython.display import Markdown, display
from scipy.special import logit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from labkit import cohorts, datasets, evaluate, quiz, report
from labkit.audit import age_band
from labkit.checks import hints, lab10

RANDOM_STATE = 0  # the kit's one seed: the SHAP sample below
THRESHOLD = 0.20  # the programme enrols a patient at a predicted risk of 20% or more
CAPACITY = 0.20  # "flagging only 20% of patients", in the vendor's words
EXPLAIN_ROWS = 300  # patients sampled for the SHAP explanation
hints.install()  # a one-line hint under the errors learners meet most
datasets.card("admissions")

# %% [markdown]
# ## 1. The offer
#
# The vendor sends two things: a file with the fitted model, and its marketing
# sheet. Read the sheet first; Section 5 comes back to every claim in it.

# %%
display(Markdown(datasets.marketing_sheet()))

# %% [markdown]
# The programme's threshold is the committee's, not the vendor's: reaching one
# patient who would have been readmitted is judged worth enrolling up to 4 who
# would not, so the threshold probability pt solves pt/(1 - pt) = 1/4, which
# gives pt = 0.20 {cite:p}`pauker1980threshold`. That is `THRESHOLD` above.

# %% [markdown]
# ## 2. Open the file without running its code
#
# scikit-learn models are often saved with pickle or joblib, and loading such
# a file can execute arbitrary code: whoever made the file decides what
# runs on your machine when you open it {cite:p}`sklearn2025persistence`. The
# vendor's file is in the skops format instead, which can be inspected before it
# is loaded: `skops.io.get_untrusted_types` lists every type in the file that
# skops does not trust by default, and `skops.io.load` refuses to build any type
# you have not trusted by name {cite:p}`sklearn2025persistence`. The kit checks
# the file's SHA-256 against `datasets/SHA256SUMS` and gives you its path; it
# does not load it for you. The model's datasheet lists the types the file
# should need.

# %%
path = datasets.vendor_model_path()  # checksum verified; not loaded
documented = datasets.vendor_model_documented_types()
print(f"{path.name}: {path.stat().st_size:,} bytes; the datasheet lists {documented}")

# %% [markdown]
# ### Exercise 10.1 - List the types, then load
# <!-- assesses: LK10.1 -->
# 1. `untrusted`: the list `sio.get_untrusted_types(file=path)` returns. Compare
#    it with `documented`: if the file needs a type the datasheet does not list,
#    stop here.
# 2. `vendor`: the model, loaded with `sio.load(path, trusted=untrusted)` after
#    that review (never `pickle.load`).

# %% tags=["solution"]
# List what the file would build, check it against the datasheet, then trust exactly that.
untrusted = sio.get_untrusted_types(file=path)
print(untrusted, "all documented:", set(untrusted) <= set(documented))
vendor = sio.load(path, trusted=untrusted)
print(vendor)

# %%
lab10.safe_load(untrusted, vendor);

# %% [markdown]
# `TreePredictor` is scikit-learn's own class for one fitted tree of a
# histogram gradient-boosting model: what the datasheet says, and what a
# gradient-boosted model needs. A type such as `builtins.eval` or `posix.system`
# in that list would be a reason to refuse the file and call the vendor, however
# good the model claims to be. Loading with `trusted=None` (the default) refuses
# any file that holds a type skops does not already trust.
#
# The model reads these columns, all recorded by discharge:

# %%
features = list(vendor.feature_names_in_)
print(len(features), "inputs:", ", ".join(features))

# %% tags=["glue"]
from labkit.glue import glue

glue("l10_n_inputs", len(features))

# %% [markdown]
# ## 3. Validate it on our patients
#
# The local test set is the readmission task of Labs 1-4: adults discharged
# alive and not to hospice in 2023-2024 who were not admitted in 2019-2022. The
# vendor never saw them. A model's performance on its developer's patients says
# little about ours: in a review of 127 new prediction models, only a quarter
# had any external validation, and there the AUROC fell by a median of 0.05
# {cite:p}`siontis2015external`.

# %%
task = cohorts.readmission_task()
test = task.test
X, y = test[features], task.y_test
print(f"{len(test):,} local test patients (2023-2024); {y.mean():.1%} readmitted within 30 days")

# %% [markdown]
# ### Exercise 10.2 - Discrimination and calibration
# <!-- assesses: LK10.1 -->
# 1. `risk`: the vendor model's predicted probability of readmission for each
#    local test patient, `vendor.predict_proba(X)[:, 1]`.
# 2. `auroc`: its AUROC, `roc_auc_score(y, risk)`.
# 3. `oe`: observed/expected, the number readmitted divided by the sum of the
#    predicted risks (below 1: the model over-predicts).
# 4. `slope`: the calibration slope, from
#    `evaluate.calibration_intercept_slope(y, risk)` (Lab 2).

# %% tags=["solution"]
# Score the local patients; then how well it ranks them and how right its risks are.
risk = vendor.predict_proba(X)[:, 1]
auroc = roc_auc_score(y, risk)
oe = y.sum() / risk.sum()
intercept, slope = evaluate.calibration_intercept_slope(y, risk)
print(f"AUROC {auroc:.3f}; O/E {oe:.2f}; intercept {intercept:.2f}; slope {slope:.2f}")

# %%
lab10.validation(risk, auroc, oe, slope);

# %% mystnb={"image": {"alt": "Calibration plot of the vendor model on the local test patients: the observed share readmitted against the mean predicted risk in ten groups of equal size, with a dotted diagonal where the two are equal. Except for the lowest tenth, the points lie below the diagonal, and further below it at higher predicted risks: the model predicts more readmissions than occur, most of all for the patients it calls high-risk."}}
tenths = pd.qcut(risk, 10, labels=False)
points = pd.DataFrame({"predicted": risk, "observed": y.to_numpy()}).groupby(tenths).mean()
fig, ax = plt.subplots(figsize=(5, 4.5))
top = float(points.to_numpy().max()) * 1.1
ax.plot([0, top], [0, top], ":", color="grey", label="perfect calibration")
ax.plot(points["predicted"], points["observed"], "o-", color="#0072B2",
        label="vendor model, tenths of risk")
ax.set_xlabel("Mean predicted risk of readmission (proportion)")
ax.set_ylabel("Observed share readmitted (proportion)")
ax.set_title("The vendor model over-predicts on local patients")
ax.legend()
plt.show()

# %% [markdown]
# Two separate failures show here. Most points lie below the diagonal: the model
# was built where readmissions were more common, and it predicts more than our
# hospital sees (calibration-in-the-large). And the slope is well below 1: its
# high risks are too high and its low risks too low, the signature of a model
# that fitted its development data too closely {cite:p}`vancalster2019calibration`.
# The AUROC, the chance that a readmitted patient is ranked above one who was
# not, is modest and lower than the sheet's.

# %% [markdown]
# ### Exercise 10.3 - Net benefit at the programme's threshold
# <!-- assesses: LK10.1 -->
# A calibration error matters because the programme acts on the risk itself.
# Compute, on the local test patients and at `THRESHOLD`:
# 1. `nb_model`: the model's net benefit, `evaluate.net_benefit(y, risk, THRESHOLD)`;
# 2. `nb_all`: the net benefit of enrolling everyone,
#    `evaluate.treat_all_net_benefit(y.mean(), THRESHOLD)`.
#
# Net benefit counts the readmissions reached per patient, less the unneeded
# enrolments weighted by the odds at the threshold {cite:p}`vickers2006decision`;
# enrolling no one scores 0.

# %% tags=["solution"]
# The model's net benefit, and that of enrolling every patient, at the programme threshold.
nb_model = evaluate.net_benefit(y, risk, THRESHOLD)
nb_all = evaluate.treat_all_net_benefit(y.mean(), THRESHOLD)
print(f"flags {np.mean(risk >= THRESHOLD):.0%}; net benefit: model {nb_model:.4f}, "
      f"enrol everyone {nb_all:.4f}, enrol no one 0")

# %%
lab10.net_benefit(nb_model, nb_all);

# %% [markdown]
# Would recalibration rescue it? Lab 2 recalibrated a model on recent local
# patients. Here the next cell refits only an intercept and a slope on the
# model's log-odds for the 2023 patients, and judges the recalibrated risks on
# the 2024 patients, whom the recalibration never saw. It changes the risks,
# not their order, so the AUROC stays where it was.

# %%
first = (test["admit_year"] == 2023).to_numpy()
recal = LogisticRegression(C=1e6, max_iter=1000).fit(logit(risk[first]).reshape(-1, 1),
                                                      y[first])
risk_2024 = recal.predict_proba(logit(risk[~first]).reshape(-1, 1))[:, 1]
y_2024 = y[~first]
print(f"2024 patients: net benefit as delivered "
      f"{evaluate.net_benefit(y_2024, risk[~first], THRESHOLD):.4f}; recalibrated "
      f"{evaluate.net_benefit(y_2024, risk_2024, THRESHOLD):.4f} (flags "
      f"{np.mean(risk_2024 >= THRESHOLD):.0%}); enrol everyone "
      f"{evaluate.treat_all_net_benefit(y_2024.mean(), THRESHOLD):.4f}")

# %% mystnb={"image": {"alt": "Decision curves on the local 2024 patients: net benefit against the threshold probability from 0.05 to 0.40 for the vendor model as delivered, the same model recalibrated on 2023 patients, enrolling everyone, and enrolling no one (zero). The model as delivered lies below zero over much of the range, including the programme threshold of 0.20, marked by a vertical line; the recalibrated model tracks enrolling everyone at low thresholds and stays close to zero at higher thresholds, a little above it at 0.20."}}
thresholds = np.round(np.arange(0.05, 0.41, 0.01), 2)
delivered = evaluate.decision_curve(y_2024, risk[~first], thresholds)
recalibrated = evaluate.decision_curve(y_2024, risk_2024, thresholds)
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(thresholds, delivered["model"], color="#D55E00", label="vendor model as delivered")
ax.plot(thresholds, recalibrated["model"], color="#0072B2", label="recalibrated on 2023")
ax.plot(thresholds, delivered["treat_all"], "--", color="grey", label="enrol everyone")
ax.axhline(0, color="black", lw=0.8, label="enrol no one")
ax.axvline(THRESHOLD, ls=":", color="black")
ax.set_ylim(-0.05, 0.11)
ax.set_xlabel("Threshold probability")
ax.set_ylabel("Net benefit (readmissions reached per patient)")
ax.set_title("As delivered, acting on the model does harm at 0.20")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# As delivered, the model flags far more patients than the programme has places
# for, and at the programme's threshold acting on it is worse than enrolling no
# one: the unneeded enrolments outweigh the readmissions reached. Recalibrating
# on our own recent patients moves it to about the level of enrolling no one,
# not much above it, because recalibration cannot make a weak ranking better.
# Keep both facts for the recommendation.

# %% [markdown]
# ## 4. For whom does it work? Audit and explain
#
# `labkit.report.audit_model` runs in one call the audit a committee needs:
# discrimination, calibration and net benefit overall; error rates by group with
# their intervals, against the largest group; and a SHAP explanation of which
# inputs move the model's predictions (Lab 4). The groups are race and
# ethnicity, sex, payer and age band; of these, the model reads only sex and
# age.

# %%
groups = test[["race_ethnicity", "sex", "payer"]].assign(age_band=age_band(test["age"]))
groups.nunique()

# %% [markdown]
# ### Exercise 10.4 - The audit, and what drives the model
# <!-- assesses: LK10.2 -->
# 1. `audit`: `report.audit_model(vendor, X, y, groups=groups, threshold=THRESHOLD,
#    explain_rows=EXPLAIN_ROWS, random_state=RANDOM_STATE)`.
# 2. `top_features`: the three inputs with the largest mean absolute SHAP value,
#    the first three of `audit.explanation` (sorted largest first).

# %% tags=["solution"]
# One audit: overall, by group at the programme threshold, and a SHAP explanation.
audit = report.audit_model(vendor, X, y, groups=groups, threshold=THRESHOLD,
                           explain_rows=EXPLAIN_ROWS, random_state=RANDOM_STATE,
                           source="the local test patients, 2023-2024")
top_features = list(audit.explanation.index[:3])
print(audit.summary())
print("largest mean |SHAP|:", top_features)

# %%
lab10.group_audit(audit, top_features);

# %% [markdown]
# The summary's last sentence names the largest clear difference between groups.
# Read the rates yourself: sensitivity (the share of readmitted patients the
# model flags) and the share flagged, by group, with the number of patients and
# readmissions behind each rate.

# %%
rates = ["n", "events", "tpr", "tpr_low", "tpr_high", "selection_rate", "warning"]
pd.concat({key: audit.by_group[key][rates] for key in ("age_band", "payer", "race_ethnicity")}
          ).round(3)

# %% mystnb={"image": {"alt": "Horizontal bar chart of the vendor model's 16<!--glue:l10_n_inputs:d--> inputs ranked by mean absolute SHAP value on 300 local patients, in log-odds, longest bar at the top. The longest bars belong to inputs that count illness and earlier hospital use; several single diagnoses have the shortest bars."}}
shown = audit.explanation.sort_values()
fig, ax = plt.subplots(figsize=(6, 5))
ax.barh(shown.index, shown.to_numpy(), color="#0072B2")
ax.set_xlabel("Mean |SHAP value| (log-odds of readmission)")
ax.set_title("What moves the vendor model's predictions")
plt.show()

# %% [markdown]
# Sensitivity differs clearly between groups the model never treats differently
# on purpose: older patients and those on Medicare are flagged far more often,
# so the programme would reach their readmissions and miss more of the younger
# patients'. For the smaller racial and ethnic groups the intervals are wide,
# and the smallest group has too few readmissions to judge at all: "no clear
# difference" is not "equal". Leaving race out of the inputs does not, on its
# own, make a model treat groups alike: a commercial risk score with no race
# input still under-served Black patients {cite:p}`obermeyer2019dissecting`.
#
# The explanation describes the model, not the patients: it leans on counts of
# conditions and of earlier admissions, as readmission models usually do, and
# also on values such as haemoglobin, whose weight a reviewer should ask the
# vendor to justify. A large SHAP value is not evidence that changing the input
# would change the outcome: a pneumonia model once learnt that asthma lowers the
# risk of death, because asthmatic patients went straight to intensive care
# {cite:p}`caruana2015intelligible`.

# %% [markdown]
# ## 5. Check the sheet, claim by claim
#
# For each claim of the sheet choose one verdict:
#
# - `"supported"`: our data agree with it;
# - `"not supported"`: our data contradict it;
# - `"cannot be checked with these data"`: nothing we hold can test it.
#
# A performance figure measured on the developer's own patients, often the very
# patients it was fitted on, is not evidence about ours
# {cite:p}`siontis2015external`; and a claim about what the model did to
# readmissions is a claim about an intervention, which only a study of care with
# and without the model can test, such as a clinical trial reported as
# CONSORT-AI asks {cite:p}`liu2020reporting`.

# %% [markdown]
# ### Exercise 10.5 - The verdicts
# <!-- assesses: LK10.3 -->
# 1. `caught`: flag the `CAPACITY` (20%) of local patients with the highest
#    risk (`risk >= np.quantile(risk, 1 - CAPACITY)`); `caught` is the share of
#    readmitted patients who were flagged.
# 2. `verdicts`: a dict with one entry per claim id of the sheet (`auroc`,
#    `calibration`, `catches`, `inputs`, `fairness`, `impact`, `validation`) and
#    one of the three verdicts as its value. Use your results from
#    Exercises 10.1 to 10.4.

# %% tags=["solution"]
# The sheet's 8 in 10 at 20% flagged, on our patients; then a verdict on each claim.
flagged = risk >= np.quantile(risk, 1 - CAPACITY)
caught = y[flagged].sum() / y.sum()
print(f"flagging the top {CAPACITY:.0%} catches {caught:.0%} of readmissions")
verdicts = {
    "auroc": "not supported",  # local AUROC and its interval are well below 0.80
    "calibration": "not supported",  # O/E and slope far from 1
    "catches": "not supported",  # far fewer than 8 in 10 at 20% flagged
    "inputs": "supported",  # feature_names_in_: 16 inputs, no race or ethnicity
    "fairness": "not supported",  # clear differences in sensitivity by age band and payer
    "impact": "cannot be checked with these data",  # needs a study of care with the model
    "validation": "cannot be checked with these data",  # their data, not ours
}

# %%
lab10.claims(verdicts, caught);

# %% [markdown]
# One claim is true and still says little: the model does read 16<!--glue:l10_n_inputs:d--> fields and no
# race, but that is a fact about its inputs, not about its performance or its
# fairness. Wong et al. show the same gap between a developer's figures and an
# independent team's: the sepsis model's AUROC was lower at their hospital than
# reported, and at its alert threshold it alerted on 18% of hospitalisations yet
# missed 67% of those with sepsis {cite:p}`wong2021external`.

# %% [markdown]
# ## 6. The model card and the recommendation
#
# The committee decides on a written record. `report.CARD_FIELDS` lists the
# model card's fields: each has a heading, the items of the TRIPOD+AI reporting
# guideline it answers {cite:p}`collins2024tripod`, and what to write. A model
# card states a model's intended use, its evaluation and its limits in one place
# {cite:p}`mitchell2019model`; `report.markdown` adds the evidence rows and the
# tables by group from the audit itself.

# %%
pd.DataFrame(report.CARD_FIELDS, index=["heading", "TRIPOD+AI", "what to write"]).T

# %% [markdown]
# ### Exercise 10.6 - Write the card, and recommend
# <!-- assesses: LK10.4 -->
# 1. `card`: a dict with one entry for every key of `report.CARD_FIELDS`, each at
#    least a full sentence about this model and these patients (not the prompt
#    above). Put numbers in with f-strings from your results, so that they
#    cannot go stale. Begin `card["decision"]` with `Go`, `Go with conditions`
#    or `No-go`, then the reasons (for a Go with conditions, the conditions),
#    who decided, and when.
# 2. `final`: the audit again, with the card:
#    `report.audit_model(vendor, X, y, groups=groups, threshold=THRESHOLD,
#    card=card, explain=False)` (the card shows no SHAP values).

# %% tags=["solution"]
# The card, field by field; numbers come from the results, not typed in.
card = {
    "model": "ReadmitIQ 2.1 by Meridian Predictive Health (FICTIONAL vendor): the fitted "
             "file vendor_readmission_model.skops as delivered, appraised before go-live.",
    "intended_use": "Adults discharged alive, not to hospice, from Riverside General; at "
                    "discharge, transitional-care nurses would offer a 48-hour call and a "
                    f"7-day visit to patients with a predicted risk of {THRESHOLD:.0%} or more.",
    "context": "The programme has few places; the model would decide whom the nurses call "
               "first, in place of their judgement from the discharge summary.",
    "inequalities": "Readmission rates differ by payer and age in our patients (see the "
                    "tables by group); a model that misses younger or Medicaid patients "
                    "would widen the gap in who is reached.",
    "outcome": "Unplanned readmission within 30 days of discharge, as recorded in our own "
               "record; readmissions to other hospitals are not seen.",
    "data": f"{len(y):,} new patients discharged in 2023-2024 (SYNTHETIC cohort), adults "
            "discharged alive and not to hospice, none admitted in 2019-2022.",
    "inputs": f"{len(features)} fields recorded by discharge ({', '.join(features[:4])} ...); "
              "no race, payer or deprivation. All are complete in our record; their "
              "definitions were compared with the datasheet.",
    "threshold": f"Risk >= {THRESHOLD}: up to 4 unneeded enrolments per readmission reached. "
                 f"As delivered it flags {np.mean(risk >= THRESHOLD):.0%} of patients.",
    "fairness": f"Sensitivity at {THRESHOLD} by race and ethnicity, sex, payer and age band: "
                f"{audit.summary().split('The largest clear difference: ')[-1]}",
    "limitations": "One hospital, retrospective, SYNTHETIC patients; no patient was managed "
                   "with the model, so its effect on readmissions is unknown; the vendor's "
                   "development data were not available; small groups are too small to judge.",
    "oversight": "A nurse reviews every flagged patient and may enrol or decline; anyone may "
                 "report a wrong flag to the AI-governance committee, which reviews them "
                 "monthly.",
    "monitoring": "Every quarter: AUROC, O/E, calibration slope, the share flagged and "
                  "sensitivity by group; recalibrate when O/E leaves 0.8-1.25, withdraw if "
                  "net benefit at the threshold falls to zero.",
    "governance": "Appraised by Riverside General's AI-governance committee, paid for by the "
                  "hospital, independent of the vendor; no reviewer has ties to the vendor.",
    "decision": f"No-go as delivered: on our patients the model over-predicts (O/E {oe:.2f}), "
                f"its risks are too extreme (slope {slope:.2f}), and at {THRESHOLD} its net "
                f"benefit ({nb_model:.4f}) is below that of enrolling no one. The vendor may "
                "resubmit a version recalibrated on our 2023 patients and re-validated on "
                "2024, with sensitivity by group. AI-governance committee, at its next "
                "meeting.",
}
final = report.audit_model(vendor, X, y, groups=groups, threshold=THRESHOLD, card=card,
                           explain=False, source="the local test patients, 2023-2024")

# %%
lab10.model_card(card, final);

# %% [markdown]
# The card as the committee would read it, with the rows `report.markdown` fills
# from the audit and the rates by group (it writes no file):

# %%
display(Markdown(report.markdown(final)))

# %% [markdown]
# "No-go" and "Go with conditions" can both be defended here; an unconditional
# "Go" cannot. A conditional go would have to name its conditions: local
# recalibration, a re-validation on patients the recalibration did not see, a
# threshold chosen for the programme's places, sensitivity reported by group,
# and a monitoring plan with a trigger for withdrawal. Before you accept the
# condition, compare the recalibrated model with what the hospital already has:
# Lab 1's model, built on our own patients, is a fair benchmark.

# %% [markdown]
# ## Knowledge check
#
# Answer each question and check it: every option explains why it is right
# or wrong. In the book your score is kept in your browser only.

# %%
quiz.show("labs/10_capstone_vendor")

# %% [markdown]
# ## Clinical takeaways
#
# - Open a vendor's model file only in a format that can be inspected first
#   (skops, ONNX), list the types it needs, and trust only those that its
#   documentation names; never load a pickle from outside.
# - Validate on your own recent patients before go-live: discrimination,
#   calibration and net benefit at the threshold your service will act on. A
#   figure measured on the developer's data is a claim, not evidence.
# - A miscalibrated model can do harm at a sensible threshold even when it ranks
#   patients better than chance; recalibration fixes the risks, not the ranking.
# - "No race input" is a fact about the inputs, not about fairness: audit error
#   rates by group, and say which groups are too small to judge.
# - Put the decision in writing, with a model card that a colleague can check:
#   go, go with conditions, or no-go, and why.
#
# ## Further reading
#
# - Wong et al., *External validation of a widely implemented proprietary
#   sepsis prediction model in hospitalized patients* {cite:p}`wong2021external`.
# - Collins et al., *TRIPOD+AI statement: updated guidance for reporting
#   clinical prediction models that use regression or machine learning methods*
#   {cite:p}`collins2024tripod`.
# - Van Calster et al., *Calibration: the Achilles heel of predictive analytics*
#   {cite:p}`vancalster2019calibration`.
# - Mitchell et al., *Model cards for model reporting* {cite:p}`mitchell2019model`.
# - scikit-learn developers, *Model persistence*, on the risks of pickle and
#   the skops format {cite:p}`sklearn2025persistence`.
