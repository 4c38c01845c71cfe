"""Lab 11 checks: right answers computed here independently (scipy and scikit-learn
directly, formulas written out, other bootstrap routes, rounded, reordered or reshaped
forms) pass, and each likely mistake fails with its hint (``not passed`` and the hint,
both asserted). The datasheet test reads the shipped CSV with plain pandas and NumPy,
not through the checks."""

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest, bootstrap, chi2, chi2_contingency, fisher_exact, norm
from sklearn.metrics import cohen_kappa_score
from sklearn.utils import resample

from labkit import chatbot_items, datasets, evaluate
from labkit.checks import lab11

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ["v1", "v2"]
Z = norm.ppf(0.975)


def assert_fails(result, hint):
    assert not result.passed and hint in result.message, (hint, result.message)


def wilson_by_hand(k, n, z=Z):
    """Wilson's score interval, from its formula (not scipy)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.fixture(scope="module")
def lab():
    answers = datasets.load_chatbot_answers()
    answers["correct"] = (answers["error_class"] == "none").astype(int)
    return {"answers": answers,
            "by": {v: answers[answers["version"] == v] for v in VERSIONS}}


# Exercise 11.1 -----------------------------------------------------------------

def accuracy_frame(lab, column=None, level=0.95, method="wilson", n_of=None):
    rows = {}
    for v, d in lab["by"].items():
        k = int(d["correct"].sum() if column is None else column(d).sum())
        n = len(d) if n_of is None else n_of
        ci = binomtest(k, len(d)).proportion_ci(confidence_level=level, method=method)
        rows[v] = {"correct": k, "n": n, "accuracy": k / len(d), "low": ci.low,
                   "high": ci.high}
    return pd.DataFrame.from_dict(rows, orient="index")


def test_accuracy_right_answers(lenient, lab):
    assert lab11.accuracy_by_version(accuracy_frame(lab)).passed
    # The formula by hand, rounded to 3 decimals, version as a column, rows reordered.
    rows = []
    for v in ("v2", "v1"):
        d = lab["by"][v]
        k, n = int((d["error_class"] == "none").sum()), len(d)
        low, high = wilson_by_hand(k, n)
        rows.append({"version": v, "correct": k, "n": n, "accuracy": round(k / n, 3),
                     "low": round(low, 3), "high": round(high, 3)})
    assert lab11.accuracy_by_version(pd.DataFrame(rows)).passed
    # groupby/agg route on the categorical column.
    agg = lab["answers"].groupby("version", observed=True)["correct"].agg(
        correct="sum", n="size", accuracy="mean")
    bounds = [binomtest(int(r.correct), int(r.n)).proportion_ci(method="wilson")
              for r in agg.itertuples()]
    agg = agg.assign(low=[b.low for b in bounds], high=[b.high for b in bounds])
    result = lab11.accuracy_by_version(agg)
    assert result.passed and "52 of 70" in result.message and "64 of 70" in result.message


def test_accuracy_wrong_answers(lenient, lab):
    right = accuracy_frame(lab)

    def wald(frame):
        se = np.sqrt(frame["accuracy"] * (1 - frame["accuracy"]) / frame["n"])
        return frame.assign(low=frame["accuracy"] - Z * se, high=frame["accuracy"] + Z * se)

    cases = [
        (..., "replace ..."),
        (right["accuracy"], "DataFrame"),
        (right.drop(columns="high"), "lacks the column 'high'"),
        (right.reset_index(drop=True), "one row per version"),
        (right.assign(n=140), "both versions"),
        (accuracy_frame(lab, column=lambda d: d["rater_1"]), "rater 1's verdicts"),
        (accuracy_frame(lab, column=lambda d: d["rater_2"]), "rater 2's verdicts"),
        (accuracy_frame(lab, column=lambda d: d["rater_1"] & d["rater_2"]), "both raters"),
        (right.assign(correct=70 - right["correct"]), "wrong answers"),
        (right.assign(accuracy=100 * right["accuracy"]), "percentage"),
        (right.assign(accuracy=1 - right["accuracy"]), "error rate"),
        (right.assign(accuracy=right["accuracy"].round(1)), "too coarsely"),
        (accuracy_frame(lab, method="exact"), "Clopper-Pearson"),
        (accuracy_frame(lab, method="wilsoncc"), "continuity correction"),
        (wald(right), "Wald"),
        (accuracy_frame(lab, level=0.90), "90% interval"),
        (right.assign(low=right["low"] - 0.01), "lower end of the 95% Wilson"),
    ]
    for answer, hint in cases:
        assert_fails(lab11.accuracy_by_version(answer), hint)


# Exercise 11.2 -----------------------------------------------------------------

def test_error_table_right_answers(lenient, lab):
    answers = lab["answers"]
    wrong = answers[answers["error_class"] != "none"]
    errors = pd.crosstab(wrong["error_class"], wrong["version"])
    unsafe = answers[answers["error_class"] == "unsafe"]
    result = lab11.error_table(errors, unsafe)
    assert result.passed and "4 answers are unsafe, 1 of them new in v2" in result.message
    # groupby + unstack, rows in another order, plain string labels; the unsafe rows
    # found with query and renumbered.
    other = (wrong.astype({"error_class": str, "version": str})
             .groupby(["error_class", "version"]).size().unstack(fill_value=0)
             .loc[["unsafe", "outdated", "omission", "fabrication"]])
    assert lab11.error_table(other, answers.query("error_class == 'unsafe'")
                             .reset_index(drop=True)).passed


def test_error_table_wrong_answers(lenient, lab):
    answers = lab["answers"]
    wrong = answers[answers["error_class"] != "none"]
    errors = pd.crosstab(wrong["error_class"], wrong["version"])
    unsafe = answers[answers["error_class"] == "unsafe"]
    v2_only = wrong[wrong["version"] == "v2"]
    cases = [
        ((errors, ...), "replace each"),
        ((wrong["error_class"].value_counts(), unsafe), "DataFrame"),
        ((errors.T, unsafe), "transposed"),
        ((pd.crosstab(wrong["error_class"], wrong["version"], margins=True), unsafe),
         "margins"),
        ((pd.crosstab(answers["error_class"], answers["version"]), unsafe), "'none'"),
        ((pd.crosstab(v2_only["error_class"], v2_only["version"]), unsafe), "one row per"),
        ((pd.crosstab(wrong["error_class"], wrong["topic"]), unsafe), "one column per"),
        ((pd.crosstab(wrong["error_class"], wrong["version"], normalize="columns"), unsafe),
         "shares"),
        ((errors + 1, unsafe), "should count"),
        ((errors, unsafe["question_id"].tolist()), "DataFrame"),
        ((errors, unsafe[["question_id"]]), "lacks the column"),
        ((errors, pd.concat([unsafe, unsafe.head(1)])), "more than once"),
        ((errors, wrong[wrong["error_class"].isin(["unsafe", "fabrication"])]),
         "not adjudicated unsafe"),
        ((errors, unsafe[unsafe["version"] == "v2"]), "both versions"),
    ]
    for args, hint in cases:
        assert_fails(lab11.error_table(*args), hint)


# Exercise 11.3 -----------------------------------------------------------------

def fce_interval(r1, r2, z=Z):
    """Fleiss, Cohen and Everitt's large-sample interval for 2 x 2 ratings, written out
    cell by cell (not labkit.stats)."""
    n = len(r1)
    p = np.array([[np.mean((r1 == i) & (r2 == j)) for j in (0, 1)] for i in (0, 1)])
    rows, cols = p.sum(1), p.sum(0)
    po, pe = p[0, 0] + p[1, 1], rows @ cols
    k = (po - pe) / (1 - pe)
    total = sum(p[i, i] * (1 - (rows[i] + cols[i]) * (1 - k)) ** 2 for i in (0, 1))
    total += (1 - k) ** 2 * (p[0, 1] * (cols[0] + rows[1]) ** 2
                             + p[1, 0] * (cols[1] + rows[0]) ** 2)
    se = math.sqrt((total - (k - pe * (1 - k)) ** 2) / (n * (1 - pe) ** 2))
    return k, k - z * se, k + z * se


def kappa_frame(lab, interval):
    rows = {}
    for v, d in lab["by"].items():
        r1, r2 = d["rater_1"].to_numpy(), d["rater_2"].to_numpy()
        low, high = interval(r1, r2)
        rows[v] = {"agreement": (r1 == r2).mean(), "kappa": cohen_kappa_score(r1, r2),
                   "low": low, "high": high}
    return pd.DataFrame.from_dict(rows, orient="index")


def lab_bootstrap(seed=0, n_boot=1000, level=0.95):
    def interval(r1, r2):
        return evaluate.bootstrap_ci(cohen_kappa_score, r1, r2, n_boot=n_boot, level=level,
                                     random_state=seed, progress=False)[1:]
    return interval


def sklearn_resample(r1, r2, n_boot=1000, seed=7):
    values = []
    for i in range(n_boot):
        a, b = resample(r1, r2, random_state=seed + i)
        values.append(cohen_kappa_score(a, b))
    return tuple(np.nanpercentile(values, [2.5, 97.5]))


def scipy_bca(r1, r2):
    def kappa(x, y, axis=-1):
        po = (x == y).mean(axis=axis)
        px, py = x.mean(axis=axis), y.mean(axis=axis)
        pe = px * py + (1 - px) * (1 - py)
        return (po - pe) / (1 - pe)
    ci = bootstrap((r1, r2), kappa, paired=True, vectorized=True, n_resamples=2000,
                   random_state=3).confidence_interval
    return ci.low, ci.high


def test_rater_kappa_right_answers(lenient, lab):
    result = lab11.rater_kappa(kappa_frame(lab, lab_bootstrap()))
    assert result.passed and "v2 agreement 87.1%, kappa 0.24" in result.message
    for interval in (lab_bootstrap(seed=11, n_boot=2000), lab_bootstrap(seed=5),
                     lambda r1, r2: fce_interval(r1, r2)[1:], sklearn_resample, scipy_bca):
        result = lab11.rater_kappa(kappa_frame(lab, interval).round(3))
        assert result.passed, result.message


def test_rater_kappa_wrong_answers(lenient, lab):
    right = kappa_frame(lab, lab_bootstrap())
    answers = lab["answers"]
    overall = cohen_kappa_score(answers["rater_1"], answers["rater_2"])

    def against_truth(column):
        return {v: cohen_kappa_score(d[column], d["correct"]) for v, d in lab["by"].items()}

    def fce_level(z):
        return lambda r1, r2: fce_interval(r1, r2, z)[1:]

    def fixed(frame, low, high):
        return frame.assign(low=frame["kappa"] + low, high=frame["kappa"] + high)

    agreement_ci = {v: wilson_by_hand(int((d["rater_1"] == d["rater_2"]).sum()), len(d))
                    for v, d in lab["by"].items()}
    cases = [
        (..., "replace ..."),
        (right.drop(columns="agreement"), "lacks the column 'agreement'"),
        (right.assign(agreement=1 - right["agreement"]), "disagree"),
        (right.assign(kappa=overall), "both versions together"),
        (right.assign(kappa=right["kappa"].to_numpy()[::-1]), "swapped"),
        (right.assign(kappa=right["agreement"]), "observed agreement"),
        (right.assign(kappa=pd.Series(against_truth("rater_1"))), "rater 1 against"),
        (right.assign(kappa=pd.Series(against_truth("rater_2"))), "rater 2 against"),
        (kappa_frame(lab, lab_bootstrap(seed=2, level=0.90)), "90% interval"),
        (kappa_frame(lab, fce_level(norm.ppf(0.95))), "90% interval"),
        (kappa_frame(lab, lab_bootstrap(seed=2, level=0.99)), "99% interval"),
        (kappa_frame(lab, fce_level(1.0)), "one standard error"),
        (right.assign(low=[agreement_ci[v][0] for v in VERSIONS],
                      high=[agreement_ci[v][1] for v in VERSIONS]), "not for kappa"),
        (right.assign(low=right["high"], high=right["low"]), "does not contain"),
        (fixed(right, -0.3, 0.3), "should be a 95% interval"),
        (right.assign(low="n/a"), "should be numbers"),
    ]
    for answer, hint in cases:
        assert_fails(lab11.rater_kappa(answer), hint)


# Exercise 11.4 -----------------------------------------------------------------

def indices_frame(lab, pi=None, bi=None, pabak=None):
    rows = {}
    for v, d in lab["by"].items():
        table = pd.crosstab(d["rater_1"], d["rater_2"])
        a, b, c, dd = table.loc[1, 1], table.loc[1, 0], table.loc[0, 1], table.loc[0, 0]
        n = table.to_numpy().sum()
        cells = (a, b, c, dd, n)
        rows[v] = {"prevalence_index": abs(a - dd) / n if pi is None else pi(*cells),
                   "bias_index": abs(b - c) / n if bi is None else bi(*cells),
                   "pabak": 2 * (a + dd) / n - 1 if pabak is None else pabak(*cells)}
    return pd.DataFrame.from_dict(rows, orient="index")


def test_kappa_paradox_right_answers(lenient, lab):
    result = lab11.kappa_paradox(indices_frame(lab))
    assert result.passed and "PABAK 0.74 and 0.74" in result.message
    # Byrt's bias index is also the difference of the raters' acceptance rates.
    rows = {}
    for v, d in lab["by"].items():
        agree = (d["rater_1"] == d["rater_2"]).mean()
        both = ((d["rater_1"] == 1) & (d["rater_2"] == 1)).mean()
        neither = ((d["rater_1"] == 0) & (d["rater_2"] == 0)).mean()
        rows[v] = {"pabak": round(2 * agree - 1, 3),
                   "bias_index": round(abs(d["rater_1"].mean() - d["rater_2"].mean()), 3),
                   "prevalence_index": round(abs(both - neither), 3)}
    assert lab11.kappa_paradox(pd.DataFrame.from_dict(rows, orient="index")).passed


def test_kappa_paradox_wrong_answers(lenient, lab):
    kappas = {v: cohen_kappa_score(d["rater_1"], d["rater_2"]) for v, d in lab["by"].items()}
    cases = [
        (..., "replace ..."),
        (indices_frame(lab).drop(columns="pabak"), "lacks the column 'pabak'"),
        (indices_frame(lab, pi=lambda a, b, c, d, n: float(abs(a - d))), "is a count"),
        (indices_frame(lab, pi=lambda a, b, c, d, n: (a - d) / 140), "not by both"),
        (indices_frame(lab, pi=lambda a, b, c, d, n: (2 * a + b + c) / (2 * n)),
         "share of 'acceptable'"),
        (indices_frame(lab, pi=lambda a, b, c, d, n: 100 * abs(a - d) / n), "percentage"),
        (indices_frame(lab, bi=lambda a, b, c, d, n: (c - b) / n), "absolute value"),
        (indices_frame(lab, bi=lambda a, b, c, d, n: (b + c) / n), "share of disagreements"),
        (indices_frame(lab, pabak=lambda a, b, c, d, n: (a + d) / n), "observed agreement"),
        (indices_frame(lab).assign(pabak=pd.Series(kappas)), "Cohen's kappa"),
        (indices_frame(lab).assign(pabak=0.5), "2 * (a + d) / n - 1"),
    ]
    for answer, hint in cases:
        assert_fails(lab11.kappa_paradox(answer), hint)


# Exercise 11.5 -----------------------------------------------------------------

def exact_mcnemar(b, c):
    """Two-sided exact McNemar p-value from binomial coefficients (not scipy)."""
    m, low = b + c, min(b, c)
    return min(1.0, 2 * sum(math.comb(m, k) for k in range(low + 1)) / 2**m)


def test_paired_test_right_answers(lenient, lab):
    answers = lab["answers"]
    paired = answers.pivot(index="question_id", columns="version", values="correct")
    b = int(((paired["v1"] == 0) & (paired["v2"] == 1)).sum())
    c = int(((paired["v1"] == 1) & (paired["v2"] == 0)).sum())
    result = lab11.paired_test(paired, b, c, binomtest(b, b + c, 0.5).pvalue)
    assert result.passed and "15 questions improved and 3 worsened" in result.message
    # Booleans from groupby/unstack, question_id as a column, the p-value by hand or rounded.
    other = (answers.assign(ok=answers["error_class"] == "none", version=answers["version"]
                            .astype(str)).groupby(["question_id", "version"])["ok"].first()
             .unstack().reset_index())
    assert lab11.paired_test(other, np.int64(b), float(c), exact_mcnemar(b, c)).passed
    assert lab11.paired_test(paired, b, c, 0.0075).passed
    assert lab11.paired_test(paired, b, c, binomtest(c, b + c).pvalue).passed


def test_paired_test_wrong_answers(lenient, lab):
    answers = lab["answers"]
    paired = answers.pivot(index="question_id", columns="version", values="correct")
    b, c = 15, 3
    p = exact_mcnemar(b, c)
    k1, k2 = (int(d["correct"].sum()) for d in lab["by"].values())
    table = [[k1, 70 - k1], [k2, 70 - k2]]
    mid = p - math.comb(b + c, c) / 2 ** (b + c)  # half the point probability, both tails
    cases = [
        ((paired, b, c, ...), "replace each"),
        ((paired.to_numpy(), b, c, p), "DataFrame"),
        ((answers[["question_id", "version", "correct"]], b, c, p), "one row per answer"),
        ((paired.rename(columns={"v1": "old", "v2": "new"}), b, c, p), "columns"),
        ((1 - paired, b, c, p), "1 for a wrong answer"),
        ((answers.pivot(index="question_id", columns="version", values="rater_1"), b, c, p),
         "rater 1's verdicts"),
        ((paired.head(60), b, c, p), "should hold the 70"),
        ((pd.concat([paired, paired.head(2)]), b, c, p), "more than once"),
        ((paired, c, b, p), "swapped"),
        ((paired, 49, 3, p), "DISCORDANT"),
        ((paired, 14, 3, p), "b should count"),
        ((paired, b, c, binomtest(b, b + c, alternative="greater").pvalue), "one-sided"),
        ((paired, b, c, chi2.sf((abs(b - c) - 1) ** 2 / (b + c), 1)), "continuity"),
        ((paired, b, c, chi2.sf((b - c) ** 2 / (b + c), 1)), "chi-squared approximation;"),
        ((paired, b, c, fisher_exact(table).pvalue), "Fisher"),
        ((paired, b, c, chi2_contingency(table).pvalue), "ignores the pairing"),
        ((paired, b, c, binomtest(b, 70).pvalue), "number of trials"),
        ((paired, b, c, mid), "mid-p"),
        ((paired, b, c, 100 * p), "percentage"),
        ((paired, b, c, 0.01), "too coarse"),
        ((paired, b, c, 0.05), "binomtest(b, b + c, 0.5).pvalue"),
    ]
    for args, hint in cases:
        assert_fails(lab11.paired_test(*args), hint)


# Exercise 11.6 -----------------------------------------------------------------

KEY = {2: "inaccuracy", 5: "inaccuracy", 6: "fabrication", 9: "fabrication",
       10: "omission", 11: "inaccuracy"}


def test_scribe_errors_right_answers(lenient):
    result = lab11.scribe_errors(KEY)
    assert result.passed and "all 6 errors found" in result.message
    assert lab11.scribe_errors({**KEY, 5: "omission"}).passed  # both describe line 5
    assert lab11.scribe_errors({str(k): v.upper() for k, v in KEY.items()}).passed
    assert lab11.scribe_errors(pd.Series(KEY)).passed
    assert lab11.scribe_errors({np.int64(k): v for k, v in reversed(KEY.items())}).passed


def test_scribe_errors_wrong_answers(lenient):
    without = {k: v for k, v in KEY.items() if k not in (10, 11)}
    cases = [
        (..., "replace ..."),
        (list(KEY), "should be a dict"),
        ({**KEY, 14: "omission"}, "no line 14"),
        ({**KEY, "two": "omission"}, "line numbers"),
        ({**KEY, 2.5: "omission"}, "line numbers"),
        ({**KEY, 9: "hallucination"}, "should be one of"),
        ({**KEY, 3: "omission"}, "line 3 matches the transcript"),
        ({**KEY, 3: "omission", 4: "omission"}, "lines 3, 4 match"),
        ({**KEY, 9: "omission"}, "line 9 is wrong, but not as omission"),
        ({**KEY, 2: "fabrication"}, "which knee"),
        ({**KEY, 10: "inaccuracy"}, "ibuprofen"),
        (without, "look again at the plan"),
        ({k: v for k, v in KEY.items() if k != 2}, "look again at the history"),
        ({}, "found 0 of the 6"),
    ]
    for answer, hint in cases:
        assert_fails(lab11.scribe_errors(answer), hint)


def test_scribe_key_points_at_real_differences():
    """Each planted error is visible in the transcript: the note's line says something the
    visit contradicts or never contained (a guard on the hand-written key)."""
    said = chatbot_items.transcript_text().lower()
    note = chatbot_items.SCRIBE_NOTE
    assert "right knee" in said and "left knee" in note[1].lower()
    assert "penicillin" in said and "no known drug allergies" in note[4].lower()
    assert "chest pain" not in said and "chest pain" in note[5].lower()
    assert "run out of time for your foot check" in said and "monofilament" in note[8]
    assert "stop the ibuprofen" in said and "ibuprofen" not in note[9].lower()
    assert "10 to 20 milligrams" in said and "40 mg" in note[10]
    correct_lines = set(range(1, len(note) + 1)) - set(chatbot_items.SCRIBE_KEY)
    assert correct_lines == {1, 3, 4, 7, 8, 12, 13}


# Exercise 11.7 -----------------------------------------------------------------

def test_unsafe_bound_right_answers(lenient, lab):
    v2 = lab["by"]["v2"]
    k, n = int((v2["error_class"] == "unsafe").sum()), len(v2)
    high = binomtest(k, n).proportion_ci(method="wilson").high
    result = lab11.unsafe_bound(k / n, high)
    assert result.passed and "2 unsafe answers of 70" in result.message
    assert lab11.unsafe_bound(round(k / n, 3), round(wilson_by_hand(k, n)[1], 3)).passed


def test_unsafe_bound_wrong_answers(lenient, lab):
    v2 = lab["by"]["v2"]
    k, n = int((v2["error_class"] == "unsafe").sum()), len(v2)
    wrong = int((v2["error_class"] != "none").sum())
    rate, high = k / n, wilson_by_hand(k, n)[1]
    p = k / n
    cases = [
        ((rate, ...), "replace each"),
        ((wrong / n, high), "ALL of v2's errors"),
        ((float(k), high), "that is the count"),
        ((100 * rate, high), "percentage"),
        ((1 - rate, high), "NOT unsafe"),
        ((0.05, high), "should be the share"),
        ((rate, binomtest(k, n).proportion_ci(method="exact").high), "Clopper-Pearson"),
        ((rate, wilson_by_hand(k, n, z=norm.ppf(0.95))[1]), "90% interval"),
        ((rate, p + Z * math.sqrt(p * (1 - p) / n)), "Wald"),
        ((rate, wilson_by_hand(4, 140)[1]), "pools both versions"),
        ((rate, wilson_by_hand(wrong, n)[1]), "bounds all"),
        ((rate, wilson_by_hand(k, n)[0]), "LOWER end"),
        ((rate, 100 * high), "percentage"),
        ((rate, 0.2), "should be binomtest"),
    ]
    for args, hint in cases:
        assert_fails(lab11.unsafe_bound(*args), hint)


# The datasheet's numbers, from the shipped file with plain pandas and NumPy ----------

def test_datasheet_numbers_and_the_prevalence_paradox():
    d = pd.read_csv(datasets.data_dir() / "synthetic_chatbot_answers.csv")
    assert d.shape == (140, 8) and d.groupby("version")["question_id"].nunique().tolist() == [
        70, 70]
    ok = d["error_class"] == "none"
    assert ok.groupby(d["version"]).sum().to_dict() == {"v1": 52, "v2": 64}
    counts = pd.crosstab(d["error_class"], d["version"])
    assert counts.loc[["omission", "outdated", "fabrication", "unsafe"]].to_numpy().tolist() == [
        [6, 3], [6, 0], [4, 1], [2, 2]]
    wide = ok.groupby([d["question_id"], d["version"]]).first().unstack()
    pairs = (wide["v1"].astype(int).astype(str) + wide["v2"].astype(int).astype(str))
    assert pairs.value_counts().to_dict() == {"11": 49, "01": 15, "10": 3, "00": 3}
    unsafe = d[d["error_class"] == "unsafe"]
    assert unsafe.groupby("version")["question_id"].apply(set).to_dict() == {
        "v1": {2, 9}, "v2": {2, 14}}
    for version, (agree, kappa, pi, bi) in {"v1": (61, 0.64, 0.53, 0.01),
                                           "v2": (61, 0.24, 0.81, 0.04)}.items():
        g = d[d["version"] == version]
        r1, r2 = g["rater_1"].to_numpy(), g["rater_2"].to_numpy()
        a, dd = np.sum((r1 == 1) & (r2 == 1)), np.sum((r1 == 0) & (r2 == 0))
        b, c = np.sum((r1 == 1) & (r2 == 0)), np.sum((r1 == 0) & (r2 == 1))
        po = (a + dd) / 70
        pe = ((a + b) * (a + c) + (c + dd) * (b + dd)) / 70**2
        assert a + dd == agree
        assert round((po - pe) / (1 - pe), 2) == kappa
        assert round(abs(a - dd) / 70, 2) == pi and round(abs(b - c) / 70, 2) == bi
        # Both raters flagged every unsafe answer.
        bad = g["error_class"] == "unsafe"
        assert (r1[bad] == 0).all() and (r2[bad] == 0).all()
    omission = d[d["error_class"] == "omission"]
    assert (omission["rater_1"] == 1).mean() >= 0.5 and (omission["rater_2"] == 1).mean() >= 0.5


def test_generator_reproduces_the_shipped_file_and_the_items():
    sys.path.insert(0, str(ROOT / "datasets"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "datasets"))
    shipped = (datasets.data_dir() / "synthetic_chatbot_answers.csv").read_text(encoding="utf-8")
    assert generate.chatbot_csv() == shipped
    d = datasets.load_chatbot_answers()
    for row in d.itertuples():
        item = chatbot_items.ITEMS[row.question_id - 1]
        answer = getattr(item, row.version)
        assert (row.question, row.answer, row.error_class) == (item.question, answer.text,
                                                               answer.error_class)
