# %% [markdown]
# # Lab 11 - Evaluating a generative-AI tool
#
# **Scenario.** A vendor offers Riverside General a chatbot that answers ward
# staff's clinical questions, and has just released version 2, which it says is
# "more accurate". Before the digital-health committee decides, it asked two
# clinicians to judge, independently, the answers of both versions to the same 70<!--glue:l11_n_questions:d-->
# clinical questions, and a third clinician to settle each answer's class:
# correct, or wrong by omission, fabrication, outdated practice or unsafe advice.
# The clinic downstairs is also piloting an ambient scribe, and one of its drafted
# notes has landed on your desk. You are the clinician on the committee: how good
# is the chatbot, how far can the raters be trusted, is version 2 really better,
# and what would any of this say about safety on the wards?
#
# **You will be able to** (objective codes in brackets; Russell et al. competency
# domains {cite:p}`russell2023competencies` after the semicolon)
# 1. estimate a generative tool's accuracy on clinical questions with a confidence
#    interval, and classify its errors (omission, fabrication, outdated, unsafe
#    advice) [LK11.1; D4];
# 2. measure how far two clinician raters agree with Cohen's kappa and its
#    interval, and explain kappa's paradoxes at extreme prevalence [LK11.2; D4];
# 3. compare two versions of a tool on the same questions with a paired test
#    [LK11.3; D4, D6];
# 4. check an ambient scribe's note against its transcript, and argue why a
#    benchmark score is not evidence of safety in a workflow [LK11.4; D3, D5].
#
# **Time:** 60 min. **Needs:** Lab 2 (intervals and the bootstrap). **Data:** the
# SYNTHETIC chatbot answers (written for the kit: no real chatbot, rater or
# patient is in them) and a SYNTHETIC visit with its scribe's note; the dataset
# card is below.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import binomtest
from sklearn.metrics import cohen_kappa_score

from labkit import chatbot_items, datasets, evaluate, quiz
from labkit.checks import hints, lab11

RANDOM_STATE = 0  # the kit's one seed, for the bootstrap
LEVEL = 0.95  # every interval in this lab is a 95% interval
hints.install()  # a one-line hint under the errors learners meet most
datasets.card("chatbot_answers")

# %% [markdown]
# ## 1. The evaluation set and its reference standard
#
# Each row is one answer: a question, a version, the chatbot's text, each rater's
# verdict (1 acceptable, 0 not) and the adjudicated `error_class`. An accuracy is
# only as good as its **reference standard**, the judgement it is measured
# against. Here it is the adjudicated class, not either rater alone: each rater
# misses some errors and flags some correct answers, and the adjudication settles
# both. Large evaluations of language models on clinical questions use the same
# design, clinicians rating answers against a rubric {cite:p}`singhal2023large`.
# Read a few answers before computing anything.

# %%
answers = datasets.load_chatbot_answers()
pd.set_option("display.max_colwidth", 90)
answers[["question_id", "version", "question", "answer", "error_class"]].head(6)

# %% tags=["glue"]
from labkit.glue import glue

glue("l11_n_questions", answers["question_id"].nunique())

# %% [markdown]
# ### Exercise 11.1 - Accuracy, with its interval
# <!-- assesses: LK11.1 -->
# Call an answer **correct** when its adjudicated `error_class` is `"none"`: add
# to `answers` a column `correct`, 1 for a correct answer and 0 otherwise. For
# each version, count the correct answers and compute the accuracy with its 95%
# Wilson interval (`binomtest(k, n).proportion_ci(confidence_level=LEVEL,
# method="wilson")`). Store a DataFrame `accuracy`, indexed by version, with the
# columns `correct`, `n`, `accuracy`, `low` and `high`.

# %% tags=["solution"]
# The reference standard is the adjudicated class; each version is 70 answers.
answers["correct"] = (answers["error_class"] == "none").astype(int)
rows = {}
for version, group in answers.groupby("version", observed=True):
    k, n = int(group["correct"].sum()), len(group)
    ci = binomtest(k, n).proportion_ci(confidence_level=LEVEL, method="wilson")
    rows[version] = {"correct": k, "n": n, "accuracy": k / n, "low": ci.low, "high": ci.high}
accuracy = pd.DataFrame.from_dict(rows, orient="index")
accuracy.round(3)

# %%
lab11.accuracy_by_version(accuracy);

# %% mystnb={"image": {"alt": "Dot plot of the chatbot's accuracy on 70<!--glue:l11_n_questions:d--> clinical questions for version 1 and version 2, each dot with its 95% Wilson interval as a horizontal line. Version 2's dot lies to the right of version 1's, and the two intervals are wide and overlap a little: 70<!--glue:l11_n_questions:d--> questions cannot pin either accuracy down to within a few percentage points."}}
fig, ax = plt.subplots(figsize=(6, 2.6))
ypos = np.arange(len(accuracy))
ax.errorbar(accuracy["accuracy"], ypos, xerr=[accuracy["accuracy"] - accuracy["low"],
            accuracy["high"] - accuracy["accuracy"]], fmt="o", color="#0072B2", capsize=4)
ax.set_yticks(ypos, [f"version {v[1]}" for v in accuracy.index])
ax.set_xlim(0.5, 1.0)
ax.set_ylim(-0.6, len(accuracy) - 0.4)
ax.set_xlabel("Accuracy: share of answers adjudicated correct (95% Wilson interval)")
ax.set_title("Seventy questions leave each accuracy uncertain (SYNTHETIC)")
plt.show()

# %% [markdown]
# With 70<!--glue:l11_n_questions:d--> questions each interval is wide. The Wilson interval is used rather than
# the estimate plus or minus two standard errors because it stays inside 0 to 1
# and does not collapse to a point when every answer is right or every answer is
# wrong {cite:p}`wilson1927probable`. Whether the two versions really differ is a
# different question from whether their intervals overlap; Section 5 answers it
# with a test built for paired answers.

# %% [markdown]
# ## 2. What kind of wrong?
#
# An accuracy treats every error alike. A clinician does not: an answer that
# leaves out a caveat, one that invents a study, one that gives yesterday's
# advice and one that could hurt a patient call for different responses. When
# clinicians rated a language model's long-form answers, they judged, among
# other things, incorrect and missing content and the likelihood and extent of
# possible harm {cite:p}`singhal2023large`. This evaluation's classes separate
# the same things: an omission, a fabrication (an invented study, guideline or
# test), an outdated practice, and unsafe advice.

# %% [markdown]
# ### Exercise 11.2 - Errors by class, and the unsafe ones
# <!-- assesses: LK11.1 -->
# 1. `errors`: a table of counts, one row per error class (`omission`,
#    `fabrication`, `outdated`, `unsafe`; leave out `none`) and one column per
#    version (`pd.crosstab` of the wrong answers' `error_class` and `version`).
# 2. `unsafe`: the rows of `answers` whose `error_class` is `"unsafe"`, in both
#    versions.

# %% tags=["solution"]
# Count the wrong answers by class and version; then read the unsafe ones in full.
wrong = answers[answers["error_class"] != "none"]
errors = pd.crosstab(wrong["error_class"], wrong["version"])
unsafe = answers[answers["error_class"] == "unsafe"]
errors

# %%
lab11.error_table(errors, unsafe);

# %% tags=["glue"]
from labkit.glue import glue

glue("l11_unsafe_kept", unsafe["question_id"].duplicated().sum())
glue("l11_unsafe_new",
     (unsafe["version"] == "v2").sum() - unsafe["question_id"].duplicated().sum())

# %%
for row in unsafe.itertuples():
    print(f"[{row.version}, question {row.question_id}] {row.question}\n    -> {row.answer}\n")

# %% [markdown]
# Read the table in both directions. The new version makes fewer errors, and the
# outdated advice is gone; but it still gives unsafe advice,
# 1<!--glue:l11_unsafe_new:d--> of its unsafe answers is new, and
# 1<!--glue:l11_unsafe_kept:d--> of the old unsafe answers has survived the upgrade. A
# single accuracy would have hidden all three facts. A committee should ask a
# vendor for the error classes and for every unsafe answer, not for the accuracy
# alone.

# %% [markdown]
# ## 3. Do the raters agree?
#
# The committee will not have an adjudicator for every future evaluation, so it
# needs to know how far one clinician's verdict can be trusted. The share of
# answers on which two raters agree is easy to read but flattering: two raters
# who both call nearly every answer acceptable agree most of the time by chance.
# **Cohen's kappa** compares the observed agreement, p_o, with the agreement
# expected by chance from each rater's own rates, p_e:
# kappa = (p_o - p_e) / (1 - p_e). It is 1 for perfect agreement and 0 for
# agreement no better than chance {cite:p}`cohen1960coefficient`. Its interval
# can come from the large-sample standard error of Fleiss, Cohen and Everitt
# {cite:p}`fleiss1969large`, or, as here, from the bootstrap of Lab 2.

# %% [markdown]
# ### Exercise 11.3 - Kappa, with its interval
# <!-- assesses: LK11.2 -->
# For each version, compute the raters' observed agreement (the share of answers
# with `rater_1 == rater_2`) and Cohen's kappa (`cohen_kappa_score`), with a 95%
# interval for kappa: `evaluate.bootstrap_ci(cohen_kappa_score, rater_1, rater_2,
# n_boot=1000, random_state=RANDOM_STATE, progress=False)` returns
# `(kappa, low, high)`. Store a DataFrame `kappa`, indexed by version, with the
# columns `agreement`, `kappa`, `low` and `high`.

# %% tags=["solution"]
# Agreement and kappa between the two raters, version by version, with a bootstrap interval.
rows = {}
for version, group in answers.groupby("version", observed=True):
    r1, r2 = group["rater_1"], group["rater_2"]
    k, low, high = evaluate.bootstrap_ci(cohen_kappa_score, r1, r2, n_boot=1000,
                                         random_state=RANDOM_STATE, progress=False)
    rows[version] = {"agreement": (r1 == r2).mean(), "kappa": k, "low": low, "high": high}
kappa = pd.DataFrame.from_dict(rows, orient="index")
kappa.round(3)

# %%
lab11.rater_kappa(kappa);

# %% [markdown]
# The raters agree on the same share of answers in both versions, yet kappa is
# much lower for version 2, and its interval is wide enough to include
# agreement no better than chance. Nothing about the raters changed between the
# versions. What changed is the answers.

# %% [markdown]
# ## 4. High agreement, low kappa: the prevalence paradox
#
# Feinstein and Cicchetti described the first paradox of kappa: when one verdict
# is far more common than the other, chance agreement p_e is high, and the same
# observed agreement gives a low kappa {cite:p}`feinstein1990high`. Byrt, Bishop
# and Carlin proposed reporting two indices beside kappa, from the raters' 2 x 2
# table with a = both acceptable, d = both not acceptable, and b and c the two
# kinds of disagreement, over n answers {cite:p}`byrt1993bias`:
#
# - the **prevalence index**, |a - d| / n: how lopsided the verdicts are;
# - the **bias index**, |b - c| / n: how far one rater is stricter than the other;
# - and the prevalence- and bias-adjusted kappa, **PABAK** = 2 p_o - 1.
#
# Look at the two tables first:

# %%
for version, group in answers.groupby("version", observed=True):
    print(f"version {version} (rows: rater 1, columns: rater 2)")
    print(pd.crosstab(group["rater_1"], group["rater_2"]), "\n")

# %% [markdown]
# ### Exercise 11.4 - Prevalence and bias indices
# <!-- assesses: LK11.2 -->
# For each version, compute `prevalence_index`, `bias_index` and `pabak` as
# defined above (proportions of the version's 70<!--glue:l11_n_questions:d--> answers).
# Store them in a DataFrame `indices`, indexed by version.

# %% tags=["solution"]
# The four cells of each version's 2 x 2 table, then Byrt's indices.
rows = {}
for version, group in answers.groupby("version", observed=True):
    r1, r2, n = group["rater_1"], group["rater_2"], len(group)
    a, d = ((r1 == 1) & (r2 == 1)).sum(), ((r1 == 0) & (r2 == 0)).sum()
    b, c = ((r1 == 1) & (r2 == 0)).sum(), ((r1 == 0) & (r2 == 1)).sum()
    rows[version] = {"prevalence_index": abs(a - d) / n, "bias_index": abs(b - c) / n,
                     "pabak": 2 * (a + d) / n - 1}
indices = pd.DataFrame.from_dict(rows, orient="index")
indices.round(3)

# %%
lab11.kappa_paradox(indices);

# %% [markdown]
# The bias index is small in both versions: neither rater is much stricter than
# the other. The prevalence index is far higher for version 2, because almost
# all its answers are acceptable; that alone pulls kappa down, and PABAK, which
# removes it, is the same for both versions. So a low kappa on a good tool is
# not proof that the raters are unreliable, and a high kappa on a poor one is
# not proof that they are reliable. Report kappa with the 2 x 2 table, or with
# the two indices, so a reader can see which is happening
# {cite:p}`feinstein1990high,byrt1993bias`. And notice where the raters
# disagreed most often for the number of answers: on omissions, the errors that
# are easiest to overlook.

# %%
flagged = answers.assign(disagree=answers["rater_1"] != answers["rater_2"])
flagged.groupby("error_class", observed=True)["disagree"].agg(["size", "sum"]).rename(
    columns={"size": "answers", "sum": "raters disagree"})

# %% [markdown]
# ## 5. Is version 2 better? A paired test
#
# Both versions answered the **same** 70<!--glue:l11_n_questions:d--> questions, so the two accuracies are not
# independent: an easy question tends to be answered well by both. Treating them
# as two separate samples (a chi-squared test of the 2 x 2 table of version by
# correct) ignores that pairing. The right comparison looks only at the
# **discordant** questions, those that one version got right and the other got
# wrong. If the versions were equally good, each discordant question would be
# equally likely to favour either, so McNemar's test asks whether the split of
# discordant pairs is further from 50:50 than chance allows
# {cite:p}`mcnemar1947note`. With few discordant pairs, use its exact form: a
# binomial test of one discordant count out of their total, with probability one
# half.

# %% [markdown]
# ### Exercise 11.5 - McNemar's exact test
# <!-- assesses: LK11.3 -->
# 1. `paired`: a DataFrame with one row per question (indexed by `question_id`)
#    and the columns `v1` and `v2`, holding 1 if that version's answer is correct
#    (adjudicated) and 0 if not (`pivot` the `correct` column of Exercise 11.1).
# 2. `b`: the number of questions wrong in v1 and correct in v2; `c`: correct in
#    v1 and wrong in v2.
# 3. `p_value`: the two-sided exact McNemar p-value,
#    `binomtest(b, b + c, 0.5).pvalue`.

# %% tags=["solution"]
# One row per question; count the two kinds of discordant pair; binomial test on them.
paired = answers.pivot(index="question_id", columns="version", values="correct")
b = int(((paired["v1"] == 0) & (paired["v2"] == 1)).sum())
c = int(((paired["v1"] == 1) & (paired["v2"] == 0)).sum())
p_value = binomtest(b, b + c, 0.5).pvalue
print(f"improved {b}, worsened {c}, exact McNemar p = {p_value:.4f}")

# %%
lab11.paired_test(paired, b, c, p_value);

# %% [markdown]
# On these questions version 2 is better, and the improvement is unlikely to be
# chance. Yet the test counts a fixed outdated answer and a new unsafe answer
# alike: a worsened question is one discordant pair whether it became slightly
# incomplete or dangerous. Read the worsened questions before you read the
# p-value.

# %%
worse = paired[(paired["v1"] == 1) & (paired["v2"] == 0)].index
answers[answers["question_id"].isin(worse) & (answers["version"] == "v2")][
    ["question_id", "question", "answer", "error_class"]]

# %% [markdown]
# ## 6. An ambient scribe's note
#
# An **ambient scribe** listens to a visit and drafts the note for the clinician
# to review. In the first ten weeks of one large roll-out, thousands of
# physicians used one in hundreds of thousands of encounters, and their
# responses were favourable {cite:p}`tierney2024ambient`. In a randomised trial
# of two ambient scribes against usual care, one modestly reduced the time
# physicians spent writing notes and the other did not clearly differ; note
# accuracy was judged from physicians' survey answers, not by checking notes
# against the visits {cite:p}`lukac2025ambient`. When AI-drafted clinical summaries have been
# checked line by line, reviewers found invented content, omissions and
# inaccuracies {cite:p}`williams2025evaluating,asgari2025framework`. The errors
# are of three kinds, and you will meet each below:
#
# - **fabrication**: something in the note that did not happen in the visit;
# - **omission**: something said in the visit that matters and is missing;
# - **inaccuracy**: something said in the visit but recorded wrongly (the side,
#   the dose, a negation).
#
# Here is a SYNTHETIC visit, and the note a FICTIONAL scribe drafted from it.

# %%
print(chatbot_items.transcript_text())

# %%
print(chatbot_items.note_text())

# %% [markdown]
# ### Exercise 11.6 - Find the scribe's errors
# <!-- assesses: LK11.4 -->
# Read the note against the transcript, line by line. Store a dict
# `scribe_errors` that maps the number of each note line with an error to its
# class, `"fabrication"`, `"omission"` or `"inaccuracy"`. Leave out the lines
# that are right. (An omission belongs to the line where the missing fact should
# have been written.)

# %% tags=["solution"]
# Each line checked against what was said; six lines are wrong.
scribe_errors = {2: "inaccuracy", 5: "inaccuracy", 6: "fabrication", 9: "fabrication",
                 10: "omission", 11: "inaccuracy"}

# %%
lab11.scribe_errors(scribe_errors);

# %% [markdown]
# Every error in that note reads fluently, and two of them (the foot examination
# and the pertinent negatives) make the note look *more* thorough. Each would
# travel: into the next prescription (the allergy, the dose), the next procedure
# (the side) or the diabetic foot check that now looks done. The note is signed
# by the clinician, not by the scribe.

# %% [markdown]
# ## 7. What the benchmark cannot tell you
#
# The vendor will quote version 2's accuracy. Exercise 11.2 found that it still
# gives unsafe answers. How often might it do so on the wards?

# %% [markdown]
# ### Exercise 11.7 - How often could version 2 be unsafe?
# <!-- assesses: LK11.4 -->
# Among version 2's answers, compute `unsafe_rate`, the share adjudicated
# `unsafe`, and `unsafe_upper`, the upper end of its 95% Wilson interval.

# %% tags=["solution"]
# The unsafe share of v2's 70 answers, and how high it could plausibly be.
v2 = answers[answers["version"] == "v2"]
k_unsafe = int((v2["error_class"] == "unsafe").sum())
unsafe_rate = k_unsafe / len(v2)
unsafe_upper = binomtest(k_unsafe, len(v2)).proportion_ci(
    confidence_level=LEVEL, method="wilson").high
print(f"unsafe: {k_unsafe} of {len(v2)} ({unsafe_rate:.1%}); up to {unsafe_upper:.1%}")

# %%
lab11.unsafe_bound(unsafe_rate, unsafe_upper);

# %% [markdown]
# Suppose staff put 200 questions a day to the chatbot (a constant of this
# exercise, not a measurement). The next cell turns the interval into unsafe
# answers per day that this benchmark cannot rule out.

# %%
QUESTIONS_PER_DAY = 200
print(f"expected unsafe answers a day: {QUESTIONS_PER_DAY * unsafe_rate:.1f}, "
      f"and up to {QUESTIONS_PER_DAY * unsafe_upper:.1f} within the interval")

# %% [markdown]
# Even this careful evaluation, with two raters and an adjudicator, is a
# **benchmark**: fixed questions of fact, answered once, judged on paper. It is
# not evidence that the tool is safe in a workflow, for at least four reasons.
#
# 1. **The questions are not the work.** Testing medical knowledge, such as
#    answering licensing-exam questions, was the most common task in a
#    systematic review of 519 studies of language models in health care, and
#    only 5% of the studies used real patient care data {cite:p}`bedi2025testing`.
#    A model that scored well on licensing-exam questions still fell short of
#    clinicians when clinicians rated its long-form answers
#    {cite:p}`singhal2023large`.
# 2. **The harm is in the rare answers.** An interval on a few unsafe answers is
#    wide, and at the volume of a hospital even a small rate is many answers a
#    day; the rate that matters (harm to a patient) cannot be estimated from
#    70<!--glue:l11_n_questions:d--> questions at all.
# 3. **People and workflows change the error.** Whether an unsafe answer hurts
#    anyone depends on who reads it, how rushed they are, and whether anyone
#    checks it, and a language model's wrong answers are as fluent as its right
#    ones {cite:p}`thirunavukarasu2023large`. The scribe studies measured mainly
#    time saved and physicians' experience; their accuracy and safety data came
#    from physicians' survey answers or a small sample of notes, and neither
#    checked notes systematically for errors that reached patients
#    {cite:p}`tierney2024ambient,lukac2025ambient`.
# 4. **Versions change.** Version 2 fixed old errors and made a new unsafe one;
#    every update needs the evaluation repeated, and the answers of a deployed
#    tool need monitoring, not one test before purchase.
#
# What the committee should ask for instead: an evaluation on the hospital's own
# tasks and records, errors classified and graded for harm, every unsafe answer
# shown, agreement between raters reported with its table, a paired comparison
# for every new version, and a plan to monitor errors after go-live, with a
# route for staff to report them.

# %% [markdown]
# ## Knowledge check
#
# Answer each question and check it: every option explains why it is right
# or wrong. In the book your score is kept in your browser only.

# %%
quiz.show("labs/11_genai_evaluation")

# %% [markdown]
# ## Clinical takeaways
#
# - Quote a tool's accuracy with its interval and its reference standard;
#   70<!--glue:l11_n_questions:d--> questions leave a wide interval.
# - Ask what kind of wrong: omissions, fabrications, outdated advice and unsafe
#   advice call for different responses, and one unsafe answer matters more than
#   many correct ones.
# - Report kappa with the raters' 2 x 2 table: when nearly every answer is
#   acceptable, kappa is low even when the raters agree almost always.
# - Compare two versions on the same questions with a paired test, then read the
#   questions that got worse.
# - Check an AI-drafted note against what happened in the visit, looking for what
#   was invented, what was left out and what was recorded wrongly, before you
#   sign it.
# - A benchmark score is not evidence of safety in a workflow: ask for local
#   evaluation, harm grading and monitoring.
#
# ## Further reading
#
# - Singhal et al., *Large language models encode clinical knowledge*
#   {cite:p}`singhal2023large`.
# - Bedi et al., *Testing and evaluation of health care applications of large
#   language models: a systematic review* {cite:p}`bedi2025testing`.
# - Feinstein and Cicchetti, *High agreement but low kappa: I. The problems of
#   two paradoxes* {cite:p}`feinstein1990high`.
# - Byrt, Bishop and Carlin, *Bias, prevalence and kappa* {cite:p}`byrt1993bias`.
# - Lukac et al., *Ambient AI scribes in clinical practice: a randomized trial*
#   {cite:p}`lukac2025ambient`.
