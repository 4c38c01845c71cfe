"""Checks for Lab 11 - Evaluating a generative-AI tool.

Each check rebuilds what the exercise asks for from the shipped SYNTHETIC file of a
fictional chatbot's answers (``synthetic_chatbot_answers.csv``) with plain pandas,
NumPy and SciPy, through :mod:`labkit.checks.state`, and compares the learner's
answer with it. The reference standard (the adjudicated ``error_class``, "none"
meaning correct), the 95% level, the Wilson interval and the scribe's planted errors
(:data:`labkit.chatbot_items.SCRIBE_KEY`) are the exercise's own constants; a
learner's own counts or labels are never taken as the truth.

Kappa's interval may come from the bootstrap (any seed, any reasonable number of
resamples) or from the large-sample standard error of Fleiss, Cohen and Everitt
(:func:`labkit.stats.cohen_kappa`): both are accepted within :data:`BOUND_TOL`, as
long as no wrong interval (another level, one standard error, the agreement's) is
closer.

>>> from labkit.checks import lab11
>>> lab11.accuracy_by_version(...).passed
✘ Exercise 11.1 - not yet: replace ... with your answer.
False
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit import chatbot_items, datasets, stats
from labkit.checks import (
    Feedback,
    as_number,
    decimals_of,
    feedback,
    frame_problem,
    judge,
    unanswered,
)
from labkit.checks.state import lab_state

__all__ = ["accuracy_by_version", "error_table", "rater_kappa", "kappa_paradox", "paired_test",
           "scribe_errors", "unsafe_bound", "LEVEL", "VERSIONS", "ERRORS", "BOUND_TOL"]

LEVEL = 0.95  # every interval of the lab
VERSIONS = chatbot_items.VERSIONS  # ("v1", "v2")
ERRORS = tuple(c for c in chatbot_items.ERROR_CLASSES if c != "none")
#: Counts and shares of counts: equal up to floating-point error, or rounded by the learner.
TOL = 1e-9
#: A bootstrap interval for kappa with 1,000 resamples differs from another seed's, and
#: from the large-sample interval, by a few hundredths on 70 answers.
BOUND_TOL = 0.05
#: The check's own bootstrap: enough resamples that its bounds barely move.
N_BOOT = 4000


@dataclass(frozen=True)
class _Reference:
    answers: pd.DataFrame  # the shipped file, with plain-string columns and `correct`

    def version(self, v: str) -> pd.DataFrame:
        return self.answers[self.answers["version"] == v]


def _reference() -> _Reference:
    def build() -> _Reference:
        df = datasets.load_chatbot_answers()
        df = df.assign(version=df["version"].astype(str),
                       error_class=df["error_class"].astype(str))
        return _Reference(df.assign(correct=(df["error_class"] == "none").astype(int)))

    return lab_state().memo("lab11.reference", build)


# --- shared helpers ------------------------------------------------------------------

def _by_version(value: object, exercise: str, name: str,
                columns: tuple[str, ...]) -> pd.DataFrame | Feedback:
    """``value`` as a DataFrame indexed by version (str) with ``columns``, or the feedback
    saying why it is not one."""
    if unanswered(value):
        return feedback(exercise, False, "replace ... with your answer.")
    problem = frame_problem(value, name, columns=columns)
    if problem:
        return feedback(exercise, False, problem)
    assert isinstance(value, pd.DataFrame)
    if "version" in value.columns and {str(v) for v in value["version"]} == set(VERSIONS):
        value = value.set_index("version")
    keys = [str(i) for i in value.index]
    if value.index.nlevels > 1 or sorted(keys) != sorted(VERSIONS):
        return feedback(exercise, False, f"{name} should have one row per version, indexed "
                        f"by version ({', '.join(VERSIONS)}); its index is {keys[:6]}.")
    return value.set_axis(keys, axis=0)


def _same(got: pd.Series, want: Mapping[str, float], tol: float = TOL,
          min_decimals: int | None = 3) -> bool:
    """True if ``got`` equals ``want`` version by version, or is it rounded to at least
    ``min_decimals`` places."""
    places = decimals_of(got)
    slack = 0.0
    if min_decimals is not None and places is not None and places >= min_decimals:
        slack = 0.5 * 10.0**-places * (1 + 1e-9)
    for key, expected in want.items():
        number = as_number(got.get(key))
        if number is None or not np.isfinite(expected):
            return False
        if abs(number - expected) > max(tol, slack):
            return False
    return True


def _column_hint(frame: pd.DataFrame, column: str, want: Mapping[str, float],
                 slips: list[tuple[Mapping[str, float], str]], otherwise: str,
                 tol: float = TOL) -> str | None:
    """None if ``frame[column]`` matches ``want``; else the hint of the slip it matches."""
    got = frame[column]
    if _same(got, want, tol):
        return None
    places = decimals_of(got)
    if places is not None and places < 3 and _same(got, want, tol, min_decimals=1):
        return f"{column} is rounded too coarsely to check; keep at least 3 decimals."
    for candidate, hint in slips:
        if _same(got, candidate, tol):
            return hint
    return otherwise


def _wilson(k: int, n: int, level: float = LEVEL, method: str = "wilson"
            ) -> tuple[float, float]:
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=level, method=method)
    return float(ci.low), float(ci.high)


def _wald(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    p = k / n
    half = stats.z_value(level) * np.sqrt(p * (1 - p) / n)
    return p - half, p + half


def _pct(values: Mapping[str, float]) -> dict[str, float]:
    return {k: 100 * v for k, v in values.items()}


# --- Exercise 11.1 -------------------------------------------------------------------

def accuracy_by_version(accuracy: object) -> Feedback:
    """Exercise 11.1: correct answers (adjudicated ``error_class == "none"``), n, accuracy
    and its 95% Wilson interval, one row per version."""
    frame = _by_version(accuracy, "11.1", "accuracy", ("correct", "n", "accuracy", "low",
                                                        "high"))
    if isinstance(frame, Feedback):
        return frame
    ref = _reference()
    n = {v: float(len(ref.version(v))) for v in VERSIONS}
    k = {v: float(ref.version(v)["correct"].sum()) for v in VERSIONS}
    if not _same(frame["n"], n, min_decimals=None):
        if _same(frame["n"], {v: float(len(ref.answers)) for v in VERSIONS}, min_decimals=None):
            return feedback("11.1", False, "n counts both versions; each version answered "
                            f"{int(n[VERSIONS[0]])} questions (group by version).")
        return feedback("11.1", False, "n should be the number of answers of each version.")

    def verdicts(rule: Callable[[pd.DataFrame], pd.Series]) -> dict[str, float]:
        return {v: float(rule(ref.version(v)).sum()) for v in VERSIONS}

    rater_slips = [
        (verdicts(lambda d: d["rater_1"]), "those are rater 1's verdicts; the reference "
         "standard is the adjudicated class: correct means error_class == 'none'."),
        (verdicts(lambda d: d["rater_2"]), "those are rater 2's verdicts; the reference "
         "standard is the adjudicated class: correct means error_class == 'none'."),
        (verdicts(lambda d: d["rater_1"] & d["rater_2"]), "that counts answers both raters "
         "accepted; the reference standard is the adjudicated class (error_class == 'none')."),
        (verdicts(lambda d: d["rater_1"] | d["rater_2"]), "that counts answers either rater "
         "accepted; the reference standard is the adjudicated class (error_class == 'none')."),
        ({v: n[v] - k[v] for v in VERSIONS}, "those are the wrong answers; count the "
         "correct ones (error_class == 'none')."),
    ]
    hint = _column_hint(frame, "correct", k, rater_slips, "correct should count each "
                        "version's answers whose error_class is 'none'.")
    if hint:
        return feedback("11.1", False, hint)
    acc = {v: k[v] / n[v] for v in VERSIONS}
    hint = _column_hint(frame, "accuracy", acc, [
        (_pct(acc), "accuracy looks like a percentage; give a proportion between 0 and 1."),
        ({v: 1 - acc[v] for v in VERSIONS}, "that is the error rate; accuracy is correct / n."),
    ], "accuracy should be correct / n.")
    if hint:
        return feedback("11.1", False, hint)
    want = {v: _wilson(int(k[v]), int(n[v])) for v in VERSIONS}
    bounds = {"low": 0, "high": 1}
    others = [
        ("exact", "that is the exact (Clopper-Pearson) interval, binomtest's default; ask "
         "for method='wilson'."),
        ("wilsoncc", "that is Wilson's interval with a continuity correction; use "
         "method='wilson'."),
        ("wald", "that is the Wald interval, accuracy +- 1.96 standard errors; use the "
         "Wilson interval, binomtest(k, n).proportion_ci(method='wilson')."),
        (0.90, "that is a 90% interval; use confidence_level=0.95."),
        (0.99, "that is a 99% interval; use confidence_level=0.95."),
    ]
    for column, end in bounds.items():
        right = {v: want[v][end] for v in VERSIONS}
        slips: list[tuple[Mapping[str, float], str]] = [
            (_pct(right), f"{column} looks like a percentage; give a proportion.")]
        for kind, message in others:
            if kind == "wald":
                alt = {v: _wald(int(k[v]), int(n[v]))[end] for v in VERSIONS}
            elif isinstance(kind, float):
                alt = {v: _wilson(int(k[v]), int(n[v]), level=kind)[end] for v in VERSIONS}
            else:
                alt = {v: _wilson(int(k[v]), int(n[v]), method=kind)[end] for v in VERSIONS}
            slips.append((alt, message))
        hint = _column_hint(frame, column, right, slips, f"{column} should be the "
                            f"{'lower' if end == 0 else 'upper'} end of the 95% Wilson "
                            "interval of the accuracy.", tol=1e-6)
        if hint:
            return feedback("11.1", False, hint)
    parts = [f"{v} {int(k[v])} of {int(n[v])} correct ({acc[v]:.1%}, 95% CI "
             f"{want[v][0]:.1%} to {want[v][1]:.1%})" for v in VERSIONS]
    return feedback("11.1", True, "; ".join(parts) + ".")


# --- Exercise 11.2 -------------------------------------------------------------------

def error_table(errors: object, unsafe: object) -> Feedback:
    """Exercise 11.2: counts of wrong answers by error class (rows) and version (columns),
    and the rows of the answers adjudicated unsafe, in both versions."""
    if unanswered(errors, unsafe):
        return feedback("11.2", False, "replace each ... with your answer.")
    if not isinstance(errors, pd.DataFrame):
        return feedback("11.2", False, "errors should be a pandas DataFrame (a crosstab), got "
                        f"{type(errors).__name__}.")
    rows = [str(i) for i in errors.index]
    cols = [str(c) for c in errors.columns]
    if set(rows) & set(VERSIONS) and set(cols) & set(chatbot_items.ERROR_CLASSES):
        return feedback("11.2", False, "errors is transposed: one row per error class and one "
                        "column per version, pd.crosstab(wrong['error_class'], "
                        "wrong['version']).")
    if "All" in rows or "All" in cols:
        return feedback("11.2", False, "errors holds margins ('All'); leave margins=True out.")
    if "none" in rows:
        return feedback("11.2", False, "errors counts the correct answers too ('none'); keep "
                        "the wrong answers only.")
    if errors.index.nlevels > 1 or sorted(rows) != sorted(ERRORS):
        return feedback("11.2", False, "errors should have one row per error class "
                        f"({', '.join(ERRORS)}); it has {rows[:8]}.")
    if errors.columns.nlevels > 1 or sorted(cols) != sorted(VERSIONS):
        return feedback("11.2", False, "errors should have one column per version "
                        f"({', '.join(VERSIONS)}); it has {cols[:8]}.")
    ref = _reference()
    wrong = ref.answers[ref.answers["error_class"] != "none"]
    want = pd.crosstab(wrong["error_class"], wrong["version"]).reindex(
        index=list(ERRORS), columns=list(VERSIONS), fill_value=0).astype(float)
    got = errors.set_axis(rows, axis=0).set_axis(cols, axis=1).reindex(
        index=list(ERRORS), columns=list(VERSIONS))
    values = got.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if not np.allclose(values, want.to_numpy(), atol=TOL, equal_nan=False):
        shares = want / want.sum()
        if np.allclose(values, shares.to_numpy(), atol=5e-4):
            return feedback("11.2", False, "errors holds shares; give the counts (leave "
                            "normalize out).")
        return feedback("11.2", False, "errors should count each version's answers in each "
                        "error class.")
    if not isinstance(unsafe, pd.DataFrame):
        return feedback("11.2", False, "unsafe should be a pandas DataFrame (rows of answers), "
                        f"got {type(unsafe).__name__}.")
    problem = frame_problem(unsafe, "unsafe", columns=["question_id", "version", "answer"])
    if problem:
        return feedback("11.2", False, problem + " Keep the rows of answers whole.")
    keys = list(zip(unsafe["question_id"].astype(int), unsafe["version"].astype(str),
                    strict=True))
    expected = ref.answers[ref.answers["error_class"] == "unsafe"]
    want_keys = set(zip(expected["question_id"].astype(int), expected["version"], strict=True))
    if len(keys) != len(set(keys)):
        return feedback("11.2", False, "unsafe holds an answer more than once.")
    if set(keys) - want_keys:
        return feedback("11.2", False, "unsafe holds answers that are not adjudicated unsafe; "
                        "keep error_class == 'unsafe' only.")
    if set(keys) != want_keys:
        versions = {v for _, v in keys}
        if versions and versions != set(VERSIONS):
            return feedback("11.2", False, "unsafe should hold the unsafe answers of both "
                            "versions, not of one.")
        return feedback("11.2", False, f"unsafe lacks {len(want_keys - set(keys))} of the "
                        f"{len(want_keys)} unsafe answers.")
    total = want.sum()
    new = [q for q, v in want_keys if v == VERSIONS[1] and (q, VERSIONS[0]) not in want_keys]
    return feedback("11.2", True, f"{VERSIONS[0]} has {int(total[VERSIONS[0]])} wrong answers "
                    f"and {VERSIONS[1]} {int(total[VERSIONS[1]])}; {len(want_keys)} answers "
                    f"are unsafe, {len(new)} of them new in {VERSIONS[1]}.")


# --- Exercise 11.3 -------------------------------------------------------------------

def _kappa_of(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cohen's kappa of 0/1 ratings, row by row of two 2-D arrays (NaN where undefined)."""
    p_o = (a == b).mean(axis=-1)
    pa, pb = a.mean(axis=-1), b.mean(axis=-1)
    p_e = pa * pb + (1 - pa) * (1 - pb)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isclose(p_e, 1.0), np.nan, (p_o - p_e) / (1 - p_e))


@dataclass(frozen=True)
class _Kappa:
    agreement: dict[str, float]
    kappa: dict[str, float]
    intervals: dict[str, dict[str, tuple[float, float]]]  # name -> version -> (low, high)


def _kappa_reference() -> _Kappa:
    def build() -> _Kappa:
        from scipy.stats import bootstrap

        ref = _reference()
        agreement, kappa = {}, {}
        intervals: dict[str, dict[str, tuple[float, float]]] = {}
        rng = np.random.default_rng(0)
        for v in VERSIONS:
            d = ref.version(v)
            r1, r2 = d["rater_1"].to_numpy(), d["rater_2"].to_numpy()
            agreement[v] = float((r1 == r2).mean())
            kappa[v] = float(_kappa_of(r1, r2))
            idx = rng.integers(0, len(d), (N_BOOT, len(d)))
            boot = _kappa_of(r1[idx], r2[idx])
            boot = boot[np.isfinite(boot)]
            for level in (0.95, 0.90, 0.99):
                tail = 100 * (1 - level) / 2
                low, high = np.percentile(boot, [tail, 100 - tail])
                intervals.setdefault(f"boot{level}", {})[v] = (float(low), float(high))
                intervals.setdefault(f"fce{level}", {})[v] = stats.cohen_kappa(r1, r2, level)[1:]
            bca = bootstrap((r1, r2), lambda x, y, axis=-1: _kappa_of(x, y), paired=True,
                            vectorized=True, n_resamples=N_BOOT, random_state=0,
                            confidence_level=LEVEL).confidence_interval
            intervals.setdefault("bca0.95", {})[v] = (float(bca.low), float(bca.high))
            _, low, high = stats.cohen_kappa(r1, r2, LEVEL)
            se = (high - low) / (2 * stats.z_value(LEVEL))
            intervals.setdefault("one_se", {})[v] = (kappa[v] - se, kappa[v] + se)
            intervals.setdefault("agreement", {})[v] = _wilson(int((r1 == r2).sum()), len(d))
        return _Kappa(agreement, kappa, intervals)

    return lab_state().memo("lab11.kappa", build)


#: Accepted: a percentile bootstrap, scipy's default BCa bootstrap, or the large-sample
#: interval of Fleiss, Cohen and Everitt.
RIGHT_INTERVALS = ("boot0.95", "bca0.95", "fce0.95")
WRONG_INTERVALS = {
    "boot0.9": "that looks like a 90% interval; take the 2.5th and 97.5th percentiles "
               "(a 95% interval).",
    "fce0.9": "that looks like a 90% interval; use z = 1.96 for a 95% interval.",
    "boot0.99": "that looks like a 99% interval; take the 2.5th and 97.5th percentiles.",
    "fce0.99": "that looks like a 99% interval; use z = 1.96 for a 95% interval.",
    "one_se": "that is kappa plus or minus one standard error (about a 68% interval); a 95% "
              "interval is kappa plus or minus 1.96 standard errors.",
    "agreement": "that is an interval for the observed agreement, not for kappa.",
}


def rater_kappa(kappa: object) -> Feedback:
    """Exercise 11.3: the raters' observed agreement, Cohen's kappa and a 95% interval for
    kappa (bootstrap or large-sample), one row per version."""
    frame = _by_version(kappa, "11.3", "kappa", ("agreement", "kappa", "low", "high"))
    if isinstance(frame, Feedback):
        return frame
    ref = _reference()
    want = _kappa_reference()
    hint = _column_hint(frame, "agreement", want.agreement, [
        (_pct(want.agreement), "agreement looks like a percentage; give a proportion."),
        ({v: 1 - a for v, a in want.agreement.items()}, "that is the share of answers the "
         "raters disagree on; agreement is the share with rater_1 == rater_2."),
    ], "agreement should be the share of each version's answers with rater_1 == rater_2.")
    if hint:
        return feedback("11.3", False, hint)
    d_all = ref.answers
    overall = float(_kappa_of(d_all["rater_1"].to_numpy(), d_all["rater_2"].to_numpy()))

    def against_reference(column: str) -> dict[str, float]:
        return {v: float(_kappa_of(ref.version(v)[column].to_numpy(),
                                   ref.version(v)["correct"].to_numpy())) for v in VERSIONS}

    hint = _column_hint(frame, "kappa", want.kappa, [
        ({v: overall for v in VERSIONS}, "that is kappa over both versions together; compute "
         "it for each version's answers."),
        (dict(zip(VERSIONS, [want.kappa[v] for v in VERSIONS[::-1]], strict=True)),
         "the versions' kappas are swapped."),
        (want.agreement, "that is the observed agreement; kappa corrects it for chance: "
         "cohen_kappa_score(rater_1, rater_2)."),
        (against_reference("rater_1"), "that is rater 1 against the adjudicated class; kappa "
         "here measures the two raters against each other."),
        (against_reference("rater_2"), "that is rater 2 against the adjudicated class; kappa "
         "here measures the two raters against each other."),
    ], "kappa should be cohen_kappa_score(rater_1, rater_2) within each version.", tol=1e-6)
    if hint:
        return feedback("11.3", False, hint)
    lows, highs = [as_number(frame.loc[v, "low"]) for v in VERSIONS], [
        as_number(frame.loc[v, "high"]) for v in VERSIONS]
    if any(x is None for x in lows + highs):
        return feedback("11.3", False, "low and high should be numbers, the ends of each "
                        "version's interval for kappa.")
    def distance(name: str) -> float:
        bounds = want.intervals[name]
        return max(max(abs(lo - bounds[v][0]), abs(hi - bounds[v][1]))  # type: ignore[operator]
                   for v, lo, hi in zip(VERSIONS, lows, highs, strict=True))

    right = min(distance(name) for name in RIGHT_INTERVALS)
    wrong_name = min(WRONG_INTERVALS, key=distance)
    if right <= BOUND_TOL and right <= distance(wrong_name):
        fce = want.intervals["fce0.95"]
        parts = [f"{v} agreement {want.agreement[v]:.1%}, kappa {want.kappa[v]:.2f} "
                 f"({lo:.2f} to {hi:.2f}; large-sample {fce[v][0]:.2f} to {fce[v][1]:.2f})"
                 for v, lo, hi in zip(VERSIONS, lows, highs, strict=True)]
        return feedback("11.3", True, "; ".join(parts) + ".")
    if distance(wrong_name) <= BOUND_TOL:
        return feedback("11.3", False, WRONG_INTERVALS[wrong_name])
    for v, low, high in zip(VERSIONS, lows, highs, strict=True):
        if not low <= want.kappa[v] <= high:  # type: ignore[operator]
            return feedback("11.3", False, f"{v}'s interval ({low:.3f} to {high:.3f}) does "
                            f"not contain its kappa ({want.kappa[v]:.3f}); low and high may be "
                            "swapped, or belong to another version.")
    return feedback("11.3", False, "low and high should be a 95% interval for each version's "
                    "kappa: evaluate.bootstrap_ci(cohen_kappa_score, rater_1, rater_2, ...) "
                    "within the version.")


# --- Exercise 11.4 -------------------------------------------------------------------

def _cells(d: pd.DataFrame) -> tuple[int, int, int, int, int]:
    r1, r2 = d["rater_1"].to_numpy(), d["rater_2"].to_numpy()
    a = int(((r1 == 1) & (r2 == 1)).sum())
    b = int(((r1 == 1) & (r2 == 0)).sum())
    c = int(((r1 == 0) & (r2 == 1)).sum())
    dd = int(((r1 == 0) & (r2 == 0)).sum())
    return a, b, c, dd, len(d)


def kappa_paradox(indices: object) -> Feedback:
    """Exercise 11.4: Byrt's prevalence index |a - d| / n, bias index |b - c| / n and
    PABAK 2 p_o - 1 of the raters' 2 x 2 table, one row per version."""
    frame = _by_version(indices, "11.4", "indices", ("prevalence_index", "bias_index", "pabak"))
    if isinstance(frame, Feedback):
        return frame
    ref = _reference()
    cells = {v: _cells(ref.version(v)) for v in VERSIONS}
    every = _cells(ref.answers)
    pi = {v: abs(a - d) / n for v, (a, b, c, d, n) in cells.items()}
    hint = _column_hint(frame, "prevalence_index", pi, [
        ({v: abs(a - d) for v, (a, b, c, d, n) in cells.items()}, "prevalence_index is a "
         "count; divide |a - d| by the version's number of answers."),
        ({v: (a - d) / every[4] for v, (a, b, c, d, n) in cells.items()}, "divide by the "
         "version's own number of answers, not by both versions'."),
        ({v: (2 * a + b + c) / (2 * n) for v, (a, b, c, d, n) in cells.items()},
         "that is the share of 'acceptable' verdicts; the prevalence index is |a - d| / n, "
         "a both-acceptable minus d both-not-acceptable."),
        (_pct(pi), "prevalence_index looks like a percentage; give a proportion."),
    ], "prevalence_index should be |a - d| / n, with a the answers both raters accepted and "
       "d those both rejected.")
    if hint:
        return feedback("11.4", False, hint)
    bi = {v: abs(b - c) / n for v, (a, b, c, d, n) in cells.items()}
    hint = _column_hint(frame, "bias_index", bi, [
        ({v: -x for v, x in bi.items()}, "take the absolute value: bias_index = |b - c| / n."),
        ({v: float(abs(b - c)) for v, (a, b, c, d, n) in cells.items()}, "bias_index is a "
         "count; divide |b - c| by the version's number of answers."),
        ({v: (b + c) / n for v, (a, b, c, d, n) in cells.items()}, "that is the share of "
         "disagreements; the bias index is the DIFFERENCE of the two kinds, |b - c| / n."),
        (_pct(bi), "bias_index looks like a percentage; give a proportion."),
    ], "bias_index should be |b - c| / n, with b and c the two kinds of disagreement.")
    if hint:
        return feedback("11.4", False, hint)
    po = {v: (a + d) / n for v, (a, b, c, d, n) in cells.items()}
    pabak = {v: 2 * p - 1 for v, p in po.items()}
    kap = {v: float(_kappa_of(ref.version(v)["rater_1"].to_numpy(),
                               ref.version(v)["rater_2"].to_numpy())) for v in VERSIONS}
    hint = _column_hint(frame, "pabak", pabak, [
        (po, "that is the observed agreement p_o; PABAK = 2 p_o - 1."),
        (kap, "that is Cohen's kappa; PABAK = 2 p_o - 1 removes the effect of prevalence and "
         "bias."),
    ], "pabak should be 2 * (a + d) / n - 1.")
    if hint:
        return feedback("11.4", False, hint)
    first, second = VERSIONS
    return feedback("11.4", True, f"prevalence index {pi[first]:.2f} in {first} and "
                    f"{pi[second]:.2f} in {second}; bias index {bi[first]:.2f} and "
                    f"{bi[second]:.2f}; PABAK {pabak[first]:.2f} and {pabak[second]:.2f}, "
                    f"while kappa is {kap[first]:.2f} and {kap[second]:.2f}.")


# --- Exercise 11.5 -------------------------------------------------------------------

def _pairs(ref: _Reference, column: str = "correct") -> pd.DataFrame:
    return ref.answers.pivot(index="question_id", columns="version", values=column)


def _paired_problem(paired: object, ref: _Reference) -> str | None:
    if not isinstance(paired, pd.DataFrame):
        return f"paired should be a pandas DataFrame, got {type(paired).__name__}."
    if "question_id" in paired.columns:
        paired = paired.set_index("question_id")
    want = _pairs(ref)
    if len(paired) == len(ref.answers):
        return ("paired has one row per answer; make one row per question with a column per "
                "version: answers.pivot(index='question_id', columns='version', "
                "values='correct').")
    cols = {str(c): c for c in paired.columns}
    if not set(VERSIONS) <= set(cols):
        return (f"paired should have the columns {list(VERSIONS)}, one per version; it has "
                f"{list(cols)[:6]}.")
    ids = pd.Index(paired.index)
    if ids.duplicated().any():
        return "paired holds a question more than once; each question should appear once."
    try:
        ids = ids.astype(int)
    except (TypeError, ValueError):
        return "paired should be indexed by question_id."
    if set(ids) != set(want.index):
        return (f"paired should hold the {len(want)} questions, indexed by question_id; it "
                f"holds {len(ids)} rows.")
    got = pd.DataFrame({v: pd.to_numeric(pd.Series(paired[cols[v]].to_numpy(), index=ids),
                                         errors="coerce") for v in VERSIONS})
    got = got.reindex(want.index).astype(float)
    expected = want[list(VERSIONS)].astype(float)
    if np.array_equal(got.to_numpy(), expected.to_numpy()):
        return None
    if np.array_equal(got.to_numpy(), 1 - expected.to_numpy()):
        return "paired holds 1 for a wrong answer; use 1 for correct (error_class == 'none')."
    for column in ("rater_1", "rater_2"):
        if np.array_equal(got.to_numpy(), _pairs(ref, column)[list(VERSIONS)].to_numpy()):
            return (f"paired holds {column.replace('_', ' ')}'s verdicts; use the adjudicated "
                    "class (the correct column of Exercise 11.1).")
    return "paired should hold 1 where a version's answer is correct and 0 where it is wrong."


def paired_test(paired: object, b: object, c: object, p_value: object) -> Feedback:
    """Exercise 11.5: questions as pairs (v1, v2 correct), the discordant counts b (v1 wrong,
    v2 correct) and c (v1 correct, v2 wrong), and the exact two-sided McNemar p-value."""
    from scipy.stats import binomtest, chi2, chi2_contingency, fisher_exact

    if unanswered(paired, b, c, p_value):
        return feedback("11.5", False, "replace each ... with your answer.")
    ref = _reference()
    problem = _paired_problem(paired, ref)
    if problem:
        return feedback("11.5", False, problem)
    pairs = _pairs(ref)
    first, second = VERSIONS
    want_b = int(((pairs[first] == 0) & (pairs[second] == 1)).sum())
    want_c = int(((pairs[first] == 1) & (pairs[second] == 0)).sum())
    both_right = int(((pairs[first] == 1) & (pairs[second] == 1)).sum())
    both_wrong = int(((pairs[first] == 0) & (pairs[second] == 0)).sum())
    got_b, got_c = as_number(b), as_number(c)
    if got_b is None or got_c is None:
        return feedback("11.5", False, "b and c should each be one number (a count of "
                        "questions).")
    if (got_b, got_c) == (want_c, want_b) and want_b != want_c:
        return feedback("11.5", False, "b and c are swapped: b counts questions wrong in v1 and "
                        "correct in v2.")
    if got_b != want_b or got_c != want_c:
        concordant = {both_right, both_wrong}
        if (got_b != want_b and got_b in concordant) or (got_c != want_c
                                                         and got_c in concordant):
            return feedback("11.5", False, "b and c count the DISCORDANT questions (right in "
                            "one version, wrong in the other), not the concordant ones.")
        return feedback("11.5", False, "b should count questions wrong in v1 and correct in v2, "
                        "and c those correct in v1 and wrong in v2.")
    m = want_b + want_c
    expected = float(binomtest(want_b, m, 0.5).pvalue)
    k1 = int(ref.version(first)["correct"].sum())
    k2 = int(ref.version(second)["correct"].sum())
    n = len(pairs)
    table = [[k1, n - k1], [k2, n - k2]]

    def mid_p() -> float:
        low = min(want_b, want_c)
        return float(min(1.0, 2 * (binomtest(low, m, 0.5, alternative="less").pvalue
                                    - 0.5 * 0.5**m * _choose(m, low))))

    slips = [
        (float(binomtest(want_b, m, 0.5, alternative="greater").pvalue),
         "that is a one-sided p-value; the exercise asks for the two-sided test (the default "
         "alternative)."),
        (float(binomtest(want_b, m, 0.5, alternative="less").pvalue),
         "that is a one-sided p-value in the wrong direction; use the two-sided default."),
        (float(chi2.sf((abs(want_b - want_c) - 1) ** 2 / m, 1)), "that is McNemar's "
         "chi-squared approximation (with continuity correction); with few discordant pairs "
         "use the exact test, binomtest(b, b + c, 0.5)."),
        (float(chi2.sf((want_b - want_c) ** 2 / m, 1)), "that is McNemar's chi-squared "
         "approximation; use the exact test, binomtest(b, b + c, 0.5)."),
        (float(fisher_exact(table).pvalue), "that is Fisher's exact test on version by "
         "correct, which treats the versions as independent samples; the same questions were "
         "asked of both, so use the paired test on b and c."),
        (float(chi2_contingency(table).pvalue), "that is a chi-squared test of version by "
         "correct, which ignores the pairing; use McNemar's exact test on b and c."),
        (float(chi2_contingency(table, correction=False).pvalue), "that is a chi-squared test "
         "of version by correct, which ignores the pairing; use McNemar's exact test."),
        (float(binomtest(want_b, n, 0.5).pvalue), "the number of trials is b + c, the "
         "discordant questions, not every question."),
        (mid_p, "that is the mid-p value; the exercise asks for the exact binomial p-value."),
    ]
    hint = judge(p_value, expected, name="p_value", tol=1e-6 * expected, min_decimals=4,
                 proportion=True, slips=slips,
                 otherwise="p_value should be binomtest(b, b + c, 0.5).pvalue.")
    if hint:
        return feedback("11.5", False, hint)
    return feedback("11.5", True, f"{want_b} questions improved and {want_c} worsened "
                    f"({both_right} right and {both_wrong} wrong in both); exact McNemar "
                    f"p = {expected:.4f}.")


def _choose(n: int, k: int) -> float:
    from math import comb

    return float(comb(n, k))


# --- Exercise 11.6 -------------------------------------------------------------------

#: A question that points at each planted error without giving it away.
SCRIBE_HINTS = {
    2: "which knee did the patient say?",
    5: "what did the patient say when asked about allergies?",
    6: "were chest pain or breathlessness ever asked about?",
    9: "was the foot examination done in this visit?",
    10: "what did the clinician say about the ibuprofen?",
    11: "what lisinopril dose was agreed?",
}
SECTIONS = {2: "history", 5: "history", 6: "history", 9: "examination", 10: "plan", 11: "plan"}


def scribe_errors(found: object) -> Feedback:
    """Exercise 11.6: the scribe note's wrong lines mapped to their class (fabrication,
    omission or inaccuracy), against :data:`labkit.chatbot_items.SCRIBE_KEY`."""
    if unanswered(found):
        return feedback("11.6", False, "replace ... with your answer.")
    if isinstance(found, pd.Series):
        found = found.to_dict()
    if not isinstance(found, Mapping):
        return feedback("11.6", False, "scribe_errors should be a dict of note line number -> "
                        f"class, got {type(found).__name__}.")
    lines = len(chatbot_items.SCRIBE_NOTE)
    classes = chatbot_items.SCRIBE_CLASSES
    answer: dict[int, str] = {}
    for key, value in found.items():
        number = as_number(key) if not isinstance(key, str) else (
            float(key) if key.strip().isdigit() else None)
        if number is None or number != int(number):
            return feedback("11.6", False, f"the keys should be note line numbers (1 to "
                            f"{lines}); got {key!r}.")
        if not 1 <= int(number) <= lines:
            return feedback("11.6", False, f"the note has lines 1 to {lines}; there is no line "
                            f"{int(number)}.")
        label = str(value).strip().lower() if isinstance(value, str) else None
        if label not in classes:
            return feedback("11.6", False, f"line {int(number)}: the class should be one of "
                            f"{list(classes)}, got {value!r}.")
        answer[int(number)] = label
    key = chatbot_items.SCRIBE_KEY
    extra = sorted(set(answer) - set(key))
    if extra:
        which = ", ".join(str(n) for n in extra)
        return feedback("11.6", False, f"line{'s' if len(extra) > 1 else ''} {which} "
                        f"match{'' if len(extra) > 1 else 'es'} the transcript; read "
                        f"{'them' if len(extra) > 1 else 'it'} against what was said again.")
    for number in sorted(set(answer) & set(key)):
        if answer[number] not in key[number]:
            return feedback("11.6", False, f"line {number} is wrong, but not as "
                            f"{answer[number]}: {SCRIBE_HINTS[number]}")
    missing = sorted(set(key) - set(answer))
    if missing:
        sections = sorted({SECTIONS[n] for n in missing})
        return feedback("11.6", False, f"you found {len(answer)} of the {len(key)} planted "
                        f"errors; look again at the {' and the '.join(sections)}.")
    reasons = "; ".join(f"line {n}: {chatbot_items.SCRIBE_REASONS[n]}" for n in sorted(key))
    return feedback("11.6", True, f"all {len(key)} errors found. {reasons}.")


# --- Exercise 11.7 -------------------------------------------------------------------

def unsafe_bound(unsafe_rate: object, unsafe_upper: object) -> Feedback:
    """Exercise 11.7: the share of v2's answers adjudicated unsafe, and the upper end of its
    95% Wilson interval."""
    if unanswered(unsafe_rate, unsafe_upper):
        return feedback("11.7", False, "replace each ... with your answer.")
    ref = _reference()
    second = VERSIONS[1]
    v2 = ref.version(second)
    k, n = int((v2["error_class"] == "unsafe").sum()), len(v2)
    every = ref.answers
    k_all = int((every["error_class"] == "unsafe").sum())
    wrong = int((v2["error_class"] != "none").sum())
    hint = judge(unsafe_rate, k / n, name="unsafe_rate", tol=TOL, min_decimals=3,
                 proportion=True, slips=[
                     (wrong / n, "that is the share of ALL of v2's errors; keep the unsafe "
                      "ones."),
                     (float(k), "that is the count; divide by v2's number of answers."),
                     (1 - k / n, "that is the share NOT unsafe."),
                 ], otherwise="unsafe_rate should be the share of v2's answers with "
                 "error_class == 'unsafe'.")
    if hint:
        return feedback("11.7", False, hint)
    high = _wilson(k, n)[1]
    slips = [
        (_wilson(k, n, method="exact")[1], "that is the exact (Clopper-Pearson) bound; use "
         "method='wilson'."),
        (_wilson(k, n, level=0.90)[1], "that is the upper end of a 90% interval (a one-sided "
         "95% bound); the exercise asks for the two-sided 95% Wilson interval."),
        (_wald(k, n)[1], "that is the Wald bound, rate + 1.96 standard errors; use the Wilson "
         "interval."),
        (_wilson(k_all, len(every))[1], "that pools both versions; use v2's answers only."),
        (_wilson(wrong, n)[1], "that bounds all of v2's errors; keep the unsafe ones."),
        (_wilson(k, n)[0], "that is the LOWER end of the interval; take .high."),
    ]
    hint = judge(unsafe_upper, high, name="unsafe_upper", tol=1e-6, min_decimals=3,
                 proportion=True, slips=slips, otherwise="unsafe_upper should be "
                 "binomtest(k, n).proportion_ci(method='wilson').high for v2's unsafe answers.")
    if hint:
        return feedback("11.7", False, hint)
    return feedback("11.7", True, f"{k} unsafe answers of {n} ({k / n:.1%}); the data are "
                    f"compatible with a rate up to {high:.1%}, about 1 answer in "
                    f"{round(1 / high)}.")
