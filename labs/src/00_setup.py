# %% [markdown]
# # Lab 0 - Set up and orientation
#
# **Scenario.** Next week your residency programme starts a block on clinical
# prediction models. Before the first session you have 20 minutes with your
# laptop. You want to be sure that everything runs, that you know how the
# exercises and their feedback work, and that you have looked properly at a
# real clinical dataset before anyone asks you to model it. The dataset is a
# set of breast fine-needle aspirates from one academic centre, the kind of
# table that sits behind many published "AI diagnoses cancer" papers.
#
# **You will be able to** (objective codes in brackets; Russell et al. competency
# domains {cite:p}`russell2023competencies` after the semicolon)
# 1. run a lab and use the feedback on an exercise to correct your answer [LK0.1; D6];
# 2. read a dataset card and say whom the data describe and what they cannot
#    tell you [LK0.2; D4];
# 3. compute the prevalence of the outcome in a dataset and explain why it
#    matters for predictive values [LK0.3; D4];
# 4. draw a labelled, colour-blind-safe plot comparing one feature between
#    outcomes [LK0.4; D4].
#
# **Time:** 25 min. **Needs:** nothing. **Data:** Wisconsin Diagnostic Breast
# Cancer, real and de-identified; the dataset card is below.

# %% [markdown]
# ## How the labs work
#
# - Each lab is a Jupyter notebook. Run the cells from top to bottom with
#   **Shift+Enter**.
# - An **exercise** asks you to write a few lines of code in the cell under
#   its instructions. In the learner edition (the kit your instructor hands
#   out) that cell holds `...` placeholders: replace each one with your answer.
#   In the full edition (the web book, Binder, Colab or a clone of the
#   repository) the cell already holds a worked solution; in the web book it
#   is folded behind a **Show solution** button. Either way, try the exercise
#   yourself first: the struggle is where the learning is.
# - The cell after each exercise calls `checks`, which recomputes the right
#   answer from the data and prints **✔ correct** or **✘ not yet** with a hint
#   that points at the likely mistake. Run it as often as you like.

# %% [markdown]
# ## Where to run the labs
#
# If you are reading this in JupyterLab, your set-up works. Here are the steps
# again for the next computer you use; they are also on the book's *Set up the
# labs* page.
#
# <!-- include: book/_setup_steps.md -->

# %% [markdown]
# ## Step 1 - Check your environment
#
# The next cell checks your Python version, the packages the labs use, the
# integrity of every dataset (its SHA-256 checksum and its schema) and that
# plotting works. A version that differs from the tested one is only a note.

# %%
from labkit import datasets
from labkit.checks import lab0

lab0.environment();

# %% [markdown]
# ## Step 2 - Read the dataset card before the data
#
# Never model a table you have not been introduced to. The card says where the
# data came from, who is in it, and what it cannot tell you
# {cite:p}`gebru2021datasheets`. Read it now; the full datasheet is in the
# appendix of the book.

# %%
cohort = datasets.load_wdbc()
datasets.card("wdbc")

# %% [markdown]
# Each row is one aspirate. A physician aspirated cells from a breast mass, the
# slide was digitised, and a user placed a rough outline on each cell nucleus
# that software then fitted to its boundary; it measured ten properties of every nucleus (radius, texture, ...) and
# summarised them per image as a mean, a standard error and a "worst" value
# {cite:p}`street1993nuclear`. The outcome, `diagnosis`, is the final diagnosis
# recorded with each aspirate.

# %%
cohort.head()

# %% [markdown]
# ### Exercise 0.1 - How common is the outcome?
# <!-- assesses: LK0.1, LK0.3 -->
# How many aspirates are in `cohort`, and what **proportion** (between 0 and 1)
# are malignant? Store them in `n_samples` and `prevalence`.

# %% tags=["solution"]
# Count the rows, then the share of rows whose diagnosis is "malignant".
n_samples = len(cohort)
prevalence = (cohort["diagnosis"] == "malignant").mean()

# %%
lab0.prevalence(n_samples, prevalence);

# %% [markdown]
# Hold on to that number. Positive and negative predictive values depend on the
# prevalence of disease in the population tested {cite:p}`altman1994predictive`.
# This is a referral series from one centre, so its mix of benign and malignant
# masses reflects who was aspirated there, not the patients in your clinic. A
# model's PPV measured here will not carry over unchanged to a population where
# malignancy is rarer.

# %% [markdown]
# ### Exercise 0.2 - Compare a feature between outcomes
# <!-- assesses: LK0.2 -->
# Compute the **median** of `radius_mean` for each diagnosis, as a pandas Series
# indexed by diagnosis. Store it in `median_radius`.

# %% tags=["solution"]
# Group the rows by diagnosis, pick the column, take the median of each group.
median_radius = cohort.groupby("diagnosis", observed=True)["radius_mean"].median()
median_radius

# %%
lab0.median_radius(median_radius);

# %% [markdown]
# ### Exercise 0.3 - Plot it so a colleague can read it
# <!-- assesses: LK0.4 -->
# Draw two overlaid histograms of `radius_mean`, one per diagnosis, on one
# matplotlib `Axes` called `ax`. Give it an x-axis label with units, a y-axis
# label, a title that states the finding, and a legend. Use the colour-blind-safe
# Okabe-Ito colours in `COLOURS`.

# %%
# Imported here, not in the first cell: the environment check must run, and say
# what is missing, even on a machine where matplotlib is not installed.
import matplotlib.pyplot as plt

COLOURS = {"benign": "#0072B2", "malignant": "#D55E00"}  # Okabe-Ito blue, vermilion

# %% tags=["solution"] mystnb={"image": {"alt": "Overlaid histograms of mean nuclear radius by diagnosis. Benign aspirates range from about 7<!--glue:l0_benign_min:.0f--> to 18<!--glue:l0_benign_max:.0f--> image units with a median near 12<!--glue:l0_benign_median:.0f-->; malignant ones range from about 11<!--glue:l0_malignant_min:.0f--> to 28<!--glue:l0_malignant_max:.0f--> with a median near 17<!--glue:l0_malignant_median:.0f-->. The two distributions overlap between about 11<!--glue:l0_overlap_low:.0f--> and 18<!--glue:l0_overlap_high:.0f-->."}}
# One histogram per diagnosis on the same Axes, then labels, title and legend.
fig, ax = plt.subplots(figsize=(6, 3.5))
for diagnosis, colour in COLOURS.items():
    values = cohort.loc[cohort["diagnosis"] == diagnosis, "radius_mean"]
    ax.hist(values, bins=30, alpha=0.6, color=colour, label=diagnosis)
ax.set_xlabel("Mean nuclear radius (image units)")
ax.set_ylabel("Number of aspirates")
ax.set_title("Malignant nuclei are larger, but the groups overlap")
ax.legend(title="Diagnosis")
plt.show()

# %%
lab0.histogram(ax);

# %% tags=["glue"]
from labkit.glue import glue

glue("l0_benign_min", cohort.groupby("diagnosis", observed=True)["radius_mean"].min()["benign"])
glue("l0_benign_max", cohort.groupby("diagnosis", observed=True)["radius_mean"].max()["benign"])
glue("l0_benign_median", median_radius["benign"])
glue("l0_malignant_min",
     cohort.groupby("diagnosis", observed=True)["radius_mean"].min()["malignant"])
glue("l0_malignant_max",
     cohort.groupby("diagnosis", observed=True)["radius_mean"].max()["malignant"])
glue("l0_malignant_median", median_radius["malignant"])
# The overlap: from the larger of the two smallest radii to the smaller of the two largest.
glue("l0_overlap_low", cohort.groupby("diagnosis", observed=True)["radius_mean"].min().max())
glue("l0_overlap_high", cohort.groupby("diagnosis", observed=True)["radius_mean"].max().min())

# %% [markdown]
# The overlap is the point: no single threshold on radius separates the groups
# without misclassifying some patients. Every model you build in the next labs
# is, in the end, a more elaborate way of drawing that line, and every line
# trades missed cancers against unnecessary biopsies.

# %% [markdown]
# ## Knowledge check
#
# Answer each question and check it: every option explains why it is right
# or wrong. In the book your score is kept in your browser only.

# %%
from labkit import quiz

quiz.show("labs/00_setup")

# %% [markdown]
# ## Clinical takeaways
#
# - Before trusting any number from a model, find out where its data came
#   from, whom they describe and what they leave out: ask for the datasheet.
# - The prevalence of the outcome in the development data shapes the predictive
#   values a model shows; yours will differ if your patients differ.
# - A feature that differs "on average" between groups can still overlap a
#   lot; the overlap is where patients are misclassified.
#
# ## Further reading
#
# - Gebru et al., *Datasheets for datasets* {cite:p}`gebru2021datasheets`.
# - Altman and Bland, *Diagnostic tests 2: predictive values*
#   {cite:p}`altman1994predictive`.
# - Russell et al., *Competencies for the use of AI-based tools by health care
#   professionals* {cite:p}`russell2023competencies`.
