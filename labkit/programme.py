"""Programme evaluation of a course: the same knowledge test before and after.

An instructor gives one test before a workshop (``pre``) and again after it
(``post``) and asks whether the learners gained knowledge. This module reads
the scores (:func:`read_scores`, strict: every bad row is named, none is
dropped), computes the paired analysis (:func:`evaluate`) and writes a
self-contained HTML report (:func:`report`). :func:`synthetic_scores` makes
the SYNTHETIC example shipped as ``datasets/prepost_scores_synthetic.csv``.

Methods, each cited by its BibTeX key:

- Percent score: 100 x the mean of a learner's 0/1 item scores in a phase.
  Gain: post minus pre, in percentage points, per learner.
- Mean paired gain, its confidence interval and p-value: the paired t
  distribution with n - 1 degrees of freedom [student1908probable].
- Standardised effect: Cohen's d_z = mean gain / SD of the gains
  [lakens2013calculating]. Its interval inverts the noncentral t
  distribution: t = d_z sqrt(n) follows a noncentral t with n - 1 degrees of
  freedom and noncentrality delta sqrt(n), so the bounds are the deltas whose
  distribution puts t at the 97.5th and 2.5th percentiles
  [cumming2001primer]. Hedges' small-sample correction g_z = J d_z, with
  J = Gamma(m/2) / (sqrt(m/2) Gamma((m - 1)/2)), m = n - 1 (about
  1 - 3/(4m - 1)) [hedges1981distribution], is reported beside it.
- Normalised gain (Hake's <g>): (mean post - mean pre) / (100 - mean pre),
  the gain as a share of the gain that was possible [hake1998interactive].
- Item analysis from classical test theory [crocker1986introduction]:
  difficulty = proportion correct; discrimination = corrected item-total
  (point-biserial) correlation, the item against the sum of the other items.
  Flags follow the usual rules of thumb: difficulty above 0.9 or below 0.2;
  discrimination below 0.2 [ebel1991essentials]; a negative one suggests a
  wrong key.
- Per item, the learners who went wrong -> right and right -> wrong, with the
  exact (binomial) McNemar p-value, unadjusted for the number of items
  [mcnemar1947note].
- The synthetic data follow a Rasch-type (logistic) item-response model
  [rasch1960probabilistic].

>>> result = evaluate(synthetic_scores(n_learners=12, seed=3))
>>> result.n_learners, result.n_items
(12, 16)
"""

from __future__ import annotations

import base64
import csv
import html
import io
import math
import numbers
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from labkit.datasets import check_header
from labkit.output import MissingFileError, html_page, html_table, output_path, write_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "COLUMNS",
    "PHASES",
    "SYNTHETIC_ITEMS",
    "SYNTHETIC_GAINS",
    "SYNTHETIC_SEED",
    "SyntheticItem",
    "MissingFileError",
    "Result",
    "read_scores",
    "evaluate",
    "report",
    "synthetic_scores",
]

#: Columns every score file needs, in long format: one row per learner, phase and item.
COLUMNS = ("learner_id", "phase", "item_id", "score")
#: The two phases, in order.
PHASES = ("pre", "post")
#: Confidence level of every interval.
LEVEL = 0.95
#: Item-analysis rules of thumb (classical test theory): flag an item whose
#: proportion correct is above EASY or below HARD, or whose corrected
#: item-total correlation is below LOW_DISCRIMINATION.
EASY = 0.9
HARD = 0.2
LOW_DISCRIMINATION = 0.2
#: Most rows or values named in one error message.
MAX_SHOWN = 5
#: Okabe-Ito colours (colour-blind safe).
BLUE, ORANGE, VERMILLION, GREY = "#0072B2", "#E69F00", "#D55E00", "#999999"


# --------------------------------------------------------------------------
# Reading and validating scores


def _listed(parts: Sequence[str]) -> str:
    """At most MAX_SHOWN parts, then 'and N more'."""
    shown = ", ".join(parts[:MAX_SHOWN])
    rest = len(parts) - MAX_SHOWN
    return f"{shown} and {rest} more" if rest > 0 else shown


def _quoted(values: Sequence[object]) -> str:
    return _listed([repr(v) for v in values])


class _Source:
    """Where rows come from, to name them in messages: file lines or frame rows."""

    def __init__(self, name: str, is_file: bool, labels: Sequence[object]):
        self.name = name
        self.word = "line" if is_file else "row"
        self.labels = list(labels)

    def rows(self, positions: Sequence[int], values: Sequence[object] | None = None) -> str:
        """'lines 3, 7' or 'line 3 ('x'), line 7 ('y')', at most MAX_SHOWN, then 'and N more'."""
        labels = [str(self.labels[i]) for i in positions]
        if values is None:
            word = self.word if len(labels) == 1 else self.word + "s"
            return f"{word} {_listed(labels)}"
        return _listed([f"{self.word} {lab} ({v!r})" for lab, v in zip(labels, values,
                                                                       strict=True)])

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.name}: {message}")


def _text_column(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column as stripped strings, and a mask of the missing (empty) cells."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if values.dtype.kind == "f":
        finite = values.dropna()
        if len(finite) and np.isfinite(finite).all() and (finite % 1 == 0).all():
            values = values.astype("Int64")  # 3.0 -> '3' (a column of ids with a gap)
    raw = values.to_numpy(dtype=object)
    missing = np.array([v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
                        or (isinstance(v, str) and not v.strip()) for v in raw], dtype=bool)
    text = np.array(["" if m else str(v).strip() for v, m in zip(raw, missing, strict=True)],
                    dtype=object)
    return text, missing


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise MissingFileError(f"{path}: file not found")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder, not a CSV file of scores")
    try:
        check_header(path)
        # Every cell as text, blank lines kept: row i of the frame is line i + 2 of the file.
        return pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: file is empty (no header and no rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[0]
        raise ValueError(f"{path}: not a readable CSV ({first})") from None


def _scores(values: pd.Series, src: _Source) -> np.ndarray:
    """The score column as an int array of 0 and 1, or one error naming the rows at fault."""
    if values.dtype == bool:
        return values.to_numpy(dtype="int64")
    text, missing = _text_column(values)
    if missing.any():
        raise src.error(f"column 'score' is empty at {src.rows(np.flatnonzero(missing))}; "
                        "code an unanswered question as 0")
    number = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy(float)
    bad = np.isnan(number)
    if bad.any():
        where = np.flatnonzero(bad)
        raise src.error("column 'score' holds values that are not numbers: "
                        + src.rows(where, [text[i] for i in where]))
    wrong = ~np.isin(number, (0.0, 1.0))
    if wrong.any():
        where = np.flatnonzero(wrong)
        outside = int(np.sum((number < 0) | (number > 1) | ~np.isfinite(number)))
        what = (f"{outside} outside [0, 1]" if outside == len(where) else
                f"{outside} outside [0, 1], {len(where) - outside} partial credit")
        raise src.error(f"column 'score' must be 0 or 1 (0.0 and 1.0 are fine); {what}: "
                        + src.rows(where, [text[i] for i in where]))
    return number.astype("int64")


def _objectives(frame: pd.DataFrame, items: Mapping[str, str] | None, src: _Source,
                items_from: str) -> np.ndarray:
    """One objective code per row: from the 'objective' column, else from ``items``."""
    item = frame["item_id"].to_numpy(dtype=object)
    if "objective" in frame.columns:
        objective, missing = _text_column(frame["objective"])
        if missing.any() and items is not None:
            for i in np.flatnonzero(missing):
                if item[i] in items:
                    objective[i], missing[i] = items[item[i]], False
        if missing.any():
            raise src.error(f"column 'objective' is empty at {src.rows(np.flatnonzero(missing))}"
                            f" (item {_quoted(sorted(set(item[missing])))}); give each row the "
                            "code of the objective its item assesses")
        if items is not None:
            clash = np.array([i in items and items[i] != o for i, o in zip(item, objective,
                                                                          strict=True)])
            if clash.any():
                k = int(np.argmax(clash))
                raise src.error(f"column 'objective': item {item[k]!r} is {objective[k]!r} at "
                                f"{src.rows([k])} but {items[item[k]]!r} in {items_from}")
        both = pd.DataFrame({"item": item, "objective": objective})
        counts = both.groupby("item", sort=False)["objective"].nunique()
        if (counts > 1).any():
            parts = []
            for name in counts[counts > 1].index:
                rows = np.flatnonzero(item == name)
                codes = list(dict.fromkeys(objective[rows]))
                firsts = [rows[objective[rows] == c][0] for c in codes]
                parts.append(f"item {name!r} is " + " and ".join(
                    f"{c!r} ({src.rows([r])})" for c, r in zip(codes, firsts, strict=True)))
            raise src.error("column 'objective': an item must assess one objective; "
                            + _listed(parts))
        return objective
    known = items or {}
    unknown = list(dict.fromkeys(i for i in item if i not in known))
    if unknown:
        word = "item" if len(unknown) == 1 else "items"
        raise src.error(f"column 'item_id': no objective known for {word} {_quoted(unknown)} "
                        f"(the file has no 'objective' column and they are not in {items_from});"
                        " add an 'objective' column giving each item's objective code")
    return np.array([known[i] for i in item], dtype=object)


def read_scores(path_or_frame: str | os.PathLike[str] | pd.DataFrame,
                items: Mapping[str, str] | None = None, *,
                items_from: str = "the item mapping") -> pd.DataFrame:
    """Read and validate pre/post test scores in long format.

    ``path_or_frame`` is a CSV file (or a DataFrame) with one row per learner,
    phase and item and the columns ``learner_id``, ``phase`` (``pre`` or
    ``post``), ``item_id`` and ``score`` (0 or 1; 0.0 and 1.0 are fine), and
    optionally ``objective`` (the code of the learning objective the item
    assesses). Without that column each item's objective comes from
    ``items``, a mapping item_id -> objective code (``items_from`` names where
    the mapping came from, for the error message). Other columns are ignored;
    blank lines hold no data and are skipped, and text is stripped of spaces.

    Every problem raises one ``ValueError`` with a one-line message naming the
    file, the column and the rows at fault (file line numbers, the header
    being line 1; index labels for a DataFrame), at most five, then "and N
    more": a missing file (also a ``FileNotFoundError``), missing columns,
    missing learner or item ids, phases other than pre/post, scores that are
    not numbers or not 0/1, a learner answering an item twice in one phase,
    learners with only a pre- or only a post-test (unmatched pairs), learners
    missing items in a phase, items with no known objective, and fewer than
    two learners. No row is dropped silently.

    Returns a DataFrame with the columns ``learner_id``, ``phase``,
    ``item_id``, ``score`` (int 0/1) and ``objective``, in the input's row
    order; ``attrs["source"]`` names the input.

    >>> from labkit import datasets
    >>> scores = read_scores(datasets.data_dir() / "prepost_scores_synthetic.csv")
    >>> scores.shape, scores["learner_id"].nunique()
    ((960, 5), 30)
    """
    if isinstance(path_or_frame, pd.DataFrame):
        raw = path_or_frame
        name = raw.attrs.get("source") or raw.attrs.get("dataset") or "scores"
        src = _Source(str(name), False, raw.index)
    elif isinstance(path_or_frame, str | os.PathLike):
        path = Path(path_or_frame).expanduser()
        raw = _read_csv(path)
        src = _Source(str(path), True, range(2, len(raw) + 2))
    else:
        raise TypeError("path_or_frame must be a path to a CSV file or a DataFrame, got "
                        f"{type(path_or_frame).__name__} {path_or_frame!r}")
    if items is not None and (not isinstance(items, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in items.items())):
        raise TypeError("items must be a mapping of item_id -> objective code (strings), got "
                        f"{type(items).__name__}")

    missing_cols = [c for c in COLUMNS if c not in raw.columns]
    if missing_cols:
        found = ", ".join(repr(str(c)) for c in raw.columns) or "none"
        raise src.error(f"missing column {_quoted(missing_cols)} (found: {found}); the "
                        f"columns must be {', '.join(COLUMNS)}, optionally objective")
    wanted = [*COLUMNS, *(["objective"] if "objective" in raw.columns else [])]
    frame = raw[wanted]
    if src.word == "line":  # blank lines of the file carry no data
        blank = np.logical_and.reduce([_text_column(raw[c])[1] for c in raw.columns])
        keep = np.flatnonzero(~blank)
        frame = frame.iloc[keep]
        src.labels = [src.labels[i] for i in keep]
    if len(frame) == 0:
        raise src.error("has a header but no rows of scores")

    clean: dict[str, np.ndarray] = {}
    for col, what in (("learner_id", "learner id"), ("phase", "phase"),
                      ("item_id", "item id")):
        text, missing = _text_column(frame[col])
        if missing.any():
            raise src.error(f"column {col!r} is empty at {src.rows(np.flatnonzero(missing))};"
                            f" every row needs a {what}")
        clean[col] = text
    phase = clean["phase"]
    bad = ~np.isin(phase, PHASES)
    if bad.any():
        where = np.flatnonzero(bad)
        hint = (" (write them in lower case)" if all(str(p).lower() in PHASES for p in
                                                     phase[where]) else "")
        raise src.error("column 'phase' must be 'pre' or 'post'" + hint + ": "
                        + src.rows(where, [phase[i] for i in where]))
    clean["score"] = _scores(frame["score"], src)
    tidy = pd.DataFrame(clean, columns=list(COLUMNS))
    tidy["objective"] = _objectives(tidy.assign(**(
        {"objective": frame["objective"].to_numpy()} if "objective" in frame.columns else {})),
        items, src, items_from)
    _check_design(tidy, src)
    tidy.attrs["source"] = src.name
    return tidy


def _check_design(tidy: pd.DataFrame, src: _Source) -> None:
    """Each learner answers each item once in each phase; at least two learners."""
    keys = ["learner_id", "phase", "item_id"]
    dup = tidy.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        parts = []
        for (learner, phase, item), rows in tidy[dup].groupby(keys, sort=False).indices.items():
            where = np.flatnonzero(dup)[rows]
            parts.append(f"learner {learner!r} answered item {item!r} {len(where)} times in "
                         f"phase {phase!r} ({src.rows(where)})")
        raise src.error("columns 'learner_id', 'phase', 'item_id': " + _listed(parts))
    learners = list(dict.fromkeys(tidy["learner_id"]))
    seen = {p: set(tidy.loc[tidy["phase"] == p, "learner_id"]) for p in PHASES}
    only = {p: [x for x in learners if x in seen[p] and x not in seen[q]]
            for p, q in (("pre", "post"), ("post", "pre"))}
    if only["pre"] or only["post"]:
        parts = [f"{len(only[p])} with only a {p}-test: {_quoted(only[p])}"
                 for p in PHASES if only[p]]
        raise src.error("column 'learner_id': unmatched pairs, " + "; ".join(parts)
                        + "; every learner needs both tests (remove a learner who took one on "
                        "purpose, and say so in the report)")
    items = list(dict.fromkeys(tidy["item_id"]))
    answered = tidy.groupby(["learner_id", "phase"], sort=False)["item_id"].agg(set)
    parts = []
    for (learner, phase), got in answered.items():
        lacking = [i for i in items if i not in got]
        if lacking:
            parts.append(f"learner {learner!r} has no {phase}-test row for item "
                         f"{_quoted(lacking)}")
    if parts:
        raise src.error("column 'item_id': " + _listed(parts) + " (code an unanswered "
                        "question as score 0; leave an item out of every learner's rows to "
                        "drop it)")
    if len(learners) < 2:
        raise src.error(f"column 'learner_id': only {len(learners)} learner "
                        f"({_quoted(learners)}) has both a pre- and a post-test; a paired "
                        "comparison needs at least 2")


# --------------------------------------------------------------------------
# The analysis


@dataclass(frozen=True, eq=False)
class Result:
    """The paired pre/post analysis of one course (see the module docstring for methods).

    Scores are percent correct (0-100); gains are post minus pre, in percentage
    points. Intervals are 95% and two-sided; ``nan`` marks a value that cannot
    be computed (for example d_z when every learner gained the same).
    """

    source: str
    n_learners: int
    n_items: int
    mean_pre: float
    mean_post: float
    mean_gain: float
    sd_gain: float
    gain_ci: tuple[float, float]
    t_statistic: float
    df: int
    p_value: float
    d_z: float
    d_z_ci: tuple[float, float]
    hedges_j: float
    g_z: float
    normalised_gain: float
    mean_learner_normalised_gain: float
    #: One row per learner: pre_pct, post_pct, gain_pct, normalised_gain.
    learners: pd.DataFrame = field(repr=False)
    #: One row per item: objective, difficulty and discrimination pre and post,
    #: wrong_to_right, right_to_wrong, mcnemar_p, flags_pre, flags_post.
    items: pd.DataFrame = field(repr=False)
    #: One row per objective: n_items, pre_pct, post_pct, mean_gain, ci_low,
    #: ci_high, p_value.
    objectives: pd.DataFrame = field(repr=False)
    level: float = LEVEL

    def summary(self) -> str:
        """One sentence with the headline numbers."""
        lo, hi = self.gain_ci
        text = (f"On the same {self.n_items}-item test, {self.n_learners} learners scored a "
                f"mean of {self.mean_pre:.1f}% before and {self.mean_post:.1f}% after: a mean "
                f"paired gain of {self.mean_gain:+.1f} percentage points (95% CI {lo:+.1f} to "
                f"{hi:+.1f}")
        if math.isnan(self.t_statistic):
            return text + "; every learner's gain was the same, so no t-test or d_z)."
        dlo, dhi = self.d_z_ci
        return (text + f"; paired t = {self.t_statistic:.2f}, df = {self.df}, "
                f"{_p(self.p_value)}), d_z = {self.d_z:.2f} (95% CI {dlo:.2f} to {dhi:.2f}).")


def _p(p: float) -> str:
    if math.isnan(p):
        return "p not defined"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _paired(gains: np.ndarray) -> tuple[float, float, tuple[float, float], float, float]:
    """Mean, SD, t interval, t statistic and two-sided p-value of paired differences."""
    n = len(gains)
    mean = float(np.mean(gains))
    sd = float(np.std(gains, ddof=1))
    if sd == 0 or not np.isfinite(sd):
        return mean, sd, (mean, mean), math.nan, math.nan
    se = sd / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + LEVEL / 2, n - 1)) * se
    t = mean / se
    p = float(2 * stats.t.sf(abs(t), n - 1))
    return mean, sd, (mean - half, mean + half), t, p


def _noncentral_bound(t: float, df: int, target: float) -> float:
    """The noncentrality whose noncentral t puts ``t`` at quantile ``target``."""
    def f(ncp: float) -> float:
        return float(stats.nct.cdf(t, df, ncp)) - target

    width = 10.0
    while width < 1e4:  # f falls as ncp rises: widen the bracket until it changes sign
        lo, hi = t - width, t + width
        if f(lo) > 0 > f(hi):
            return float(optimize.brentq(f, lo, hi, xtol=1e-12, rtol=1e-12))
        width *= 4
    return math.nan


def _d_z(mean: float, sd: float, n: int) -> tuple[float, tuple[float, float], float]:
    """Cohen's d_z, its noncentral-t interval, and Hedges' J for n - 1 degrees of freedom."""
    m = n - 1
    j = (math.exp(special.gammaln(m / 2) - special.gammaln((m - 1) / 2)) / math.sqrt(m / 2)
         if m >= 2 else math.nan)
    if sd == 0 or not np.isfinite(sd):
        return math.nan, (math.nan, math.nan), j
    d = mean / sd
    t = d * math.sqrt(n)
    alpha = 1 - LEVEL
    lo = _noncentral_bound(t, m, 1 - alpha / 2) / math.sqrt(n)
    hi = _noncentral_bound(t, m, alpha / 2) / math.sqrt(n)
    return d, (lo, hi), j


def _corrected_item_total(matrix: np.ndarray) -> np.ndarray:
    """Per item, the correlation of its 0/1 scores with the sum of the other items."""
    rest = matrix.sum(axis=1, keepdims=True) - matrix
    x = matrix - matrix.mean(axis=0)
    r = rest - rest.mean(axis=0)
    denom = np.sqrt((x**2).sum(axis=0) * (r**2).sum(axis=0))
    out = np.full(matrix.shape[1], np.nan)
    ok = denom > 0
    out[ok] = (x * r).sum(axis=0)[ok] / denom[ok]
    return out


def _flags(difficulty: float, discrimination: float) -> str:
    found = []
    if difficulty > EASY:
        found.append(f"easy (p > {EASY:g})")
    elif difficulty < HARD:
        found.append(f"hard (p < {HARD:g})")
    if math.isnan(discrimination):
        found.append("discrimination undefined (no variation)")
    elif discrimination < 0:
        found.append("negative discrimination (check the key)")
    elif discrimination < LOW_DISCRIMINATION:
        found.append(f"low discrimination (r < {LOW_DISCRIMINATION:g})")
    return "; ".join(found)


def _mcnemar_p(wrong_to_right: int, right_to_wrong: int) -> float:
    n = wrong_to_right + right_to_wrong
    if n == 0:
        return math.nan
    return float(stats.binomtest(wrong_to_right, n, 0.5).pvalue)


def evaluate(scores: str | os.PathLike[str] | pd.DataFrame,
             items: Mapping[str, str] | None = None) -> Result:
    """Paired pre/post analysis of a course's test scores.

    ``scores`` is anything :func:`read_scores` reads (it is validated again);
    ``items`` maps item ids to objective codes when there is no ``objective``
    column. Returns a :class:`Result`: per-learner percent scores and gains,
    the mean paired gain with its 95% t interval and p-value
    [student1908probable], Cohen's d_z with a noncentral-t interval
    [lakens2013calculating; cumming2001primer] and Hedges' correction
    [hedges1981distribution], Hake's normalised gain [hake1998interactive],
    item difficulty and corrected item-total discrimination with flags
    [crocker1986introduction; ebel1991essentials], McNemar counts
    [mcnemar1947note], and the gain by objective with paired 95% intervals.

    >>> r = evaluate(synthetic_scores(n_learners=12, seed=3))
    >>> r.gain_ci[0] < r.mean_gain < r.gain_ci[1]
    True
    """
    tidy = read_scores(scores, items)
    learners = list(dict.fromkeys(tidy["learner_id"]))
    item_ids = list(dict.fromkeys(tidy["item_id"]))
    objective_of = dict(zip(tidy["item_id"], tidy["objective"], strict=True))
    mats = {p: tidy[tidy["phase"] == p].pivot(index="learner_id", columns="item_id",
                                              values="score")
            .reindex(index=learners, columns=item_ids).to_numpy(dtype=float)
            for p in PHASES}
    pre, post = mats["pre"], mats["post"]
    n, k = pre.shape
    pre_pct, post_pct = 100 * pre.mean(axis=1), 100 * post.mean(axis=1)
    gain = post_pct - pre_pct
    mean, sd, ci, t, p = _paired(gain)
    d, d_ci, j = _d_z(mean, sd, n)

    room = 100 - pre_pct
    learner_g = np.full(n, np.nan)
    np.divide(gain, room, out=learner_g, where=room > 0)
    mean_pre, mean_post = float(pre_pct.mean()), float(post_pct.mean())
    class_g = (mean_post - mean_pre) / (100 - mean_pre) if mean_pre < 100 else math.nan

    difficulty = {ph: mats[ph].mean(axis=0) for ph in PHASES}
    discrimination = {ph: _corrected_item_total(mats[ph]) for ph in PHASES}
    w2r = ((pre == 0) & (post == 1)).sum(axis=0).astype(int)
    r2w = ((pre == 1) & (post == 0)).sum(axis=0).astype(int)
    item_table = pd.DataFrame({
        "objective": [objective_of[i] for i in item_ids],
        "difficulty_pre": difficulty["pre"],
        "difficulty_post": difficulty["post"],
        "discrimination_pre": discrimination["pre"],
        "discrimination_post": discrimination["post"],
        "wrong_to_right": w2r,
        "right_to_wrong": r2w,
        "mcnemar_p": [_mcnemar_p(int(a), int(b)) for a, b in zip(w2r, r2w, strict=True)],
        "flags_pre": [_flags(a, b) for a, b in zip(difficulty["pre"], discrimination["pre"],
                                                   strict=True)],
        "flags_post": [_flags(a, b) for a, b in zip(difficulty["post"],
                                                    discrimination["post"], strict=True)],
    }, index=pd.Index(item_ids, name="item_id"))

    rows = []
    codes = list(dict.fromkeys(objective_of[i] for i in item_ids))
    for code in codes:
        cols = [c for c, i in enumerate(item_ids) if objective_of[i] == code]
        o_pre, o_post = 100 * pre[:, cols].mean(axis=1), 100 * post[:, cols].mean(axis=1)
        o_mean, _sd, (o_lo, o_hi), _t, o_p = _paired(o_post - o_pre)
        rows.append({"n_items": len(cols), "pre_pct": float(o_pre.mean()),
                     "post_pct": float(o_post.mean()), "mean_gain": o_mean,
                     "ci_low": o_lo, "ci_high": o_hi, "p_value": o_p})
    objective_table = pd.DataFrame(rows, index=pd.Index(codes, name="objective"))

    learner_table = pd.DataFrame({"pre_pct": pre_pct, "post_pct": post_pct, "gain_pct": gain,
                                  "normalised_gain": learner_g},
                                 index=pd.Index(learners, name="learner_id"))
    return Result(
        source=str(tidy.attrs.get("source", "scores")), n_learners=n, n_items=k,
        mean_pre=mean_pre, mean_post=mean_post, mean_gain=mean, sd_gain=sd,
        gain_ci=ci, t_statistic=t, df=n - 1, p_value=p, d_z=d, d_z_ci=d_ci,
        hedges_j=j, g_z=d * j if not math.isnan(j) else math.nan,
        normalised_gain=class_g,
        mean_learner_normalised_gain=(float(np.nanmean(learner_g))
                                      if np.isfinite(learner_g).any() else math.nan),
        learners=learner_table, items=item_table, objectives=objective_table,
    )


# --------------------------------------------------------------------------
# The report


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _finding(lo: float, hi: float, rose: str, fell: str, flat: str) -> str:
    if lo > 0:
        return rose
    if hi < 0:
        return fell
    return flat


def _paired_figure(result: Result) -> tuple[str, str]:
    """A paired plot (base64 PNG) and its alt text."""
    from matplotlib.figure import Figure

    lrn = result.learners
    up = int((lrn["gain_pct"] > 0).sum())
    down = int((lrn["gain_pct"] < 0).sum())
    same = result.n_learners - up - down
    lo, hi = result.gain_ci
    fig = Figure(figsize=(5.6, 4.6))
    ax = fig.add_subplot()
    for pre, post in zip(lrn["pre_pct"], lrn["post_pct"], strict=True):
        fell = post < pre
        ax.plot([0, 1], [pre, post], color=VERMILLION if fell else GREY,
                linestyle="--" if fell else "-", alpha=0.6, linewidth=1, marker="o",
                markersize=3)
    ax.plot([0, 1], [result.mean_pre, result.mean_post], color=BLUE, linewidth=3,
            marker="D", markersize=8, label="mean of all learners")
    ax.plot([], [], color=GREY, marker="o", markersize=3, label="one learner")
    if down:
        ax.plot([], [], color=VERMILLION, linestyle="--", marker="o", markersize=3,
                label="one learner who scored lower")
    ax.set_xticks([0, 1], ["before (pre-test)", "after (post-test)"])
    ax.set_xlim(-0.3, 1.3)
    ax.set_ylim(-3, 103)
    ax.set_ylabel(f"score (% of {result.n_items} items correct)")
    title = _finding(lo, hi, f"Mean score rose by {result.mean_gain:.1f} points",
                     f"Mean score fell by {-result.mean_gain:.1f} points",
                     "No clear change in the mean score")
    ax.set_title(f"{title}\n(95% CI {lo:+.1f} to {hi:+.1f})", fontsize=11)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    alt = (f"Paired plot of {result.n_learners} learners: a line joins each learner's "
           f"pre-test and post-test percent score. The mean rose from {result.mean_pre:.1f}% "
           f"to {result.mean_post:.1f}%, a mean gain of {result.mean_gain:+.1f} points (95% CI "
           f"{lo:+.1f} to {hi:+.1f}); {up} learners scored higher, {same} the same and {down} "
           "lower (dashed).")
    if result.mean_post < result.mean_pre:
        alt = alt.replace("The mean rose from", "The mean fell from")
    return _png(fig), alt


def _objective_figure(result: Result) -> tuple[str, str]:
    """Gain by objective with 95% CIs (base64 PNG) and its alt text."""
    from matplotlib.figure import Figure

    obj = result.objectives
    k = len(obj)
    fig = Figure(figsize=(6.4, 1.4 + 0.55 * k))
    ax = fig.add_subplot()
    y = np.arange(k)[::-1]
    ax.axvline(0, color=GREY, linestyle="--", linewidth=1)
    ax.errorbar(obj["mean_gain"], y, xerr=[obj["mean_gain"] - obj["ci_low"],
                                           obj["ci_high"] - obj["mean_gain"]],
                fmt="o", color=BLUE, ecolor=BLUE, capsize=4, markersize=7)
    ax.set_yticks(y, [f"{code} ({n} items)" for code, n in zip(obj.index, obj["n_items"],
                                                               strict=True)])
    ax.set_xlabel("mean gain (percentage points, post minus pre) with 95% CI")
    best = obj["mean_gain"].idxmax()
    unclear = [str(c) for c, lo, hi in zip(obj.index, obj["ci_low"], obj["ci_high"],
                                           strict=True) if lo <= 0 <= hi]
    title = f"Largest gain in {best} ({obj.loc[best, 'mean_gain']:+.1f} points)"
    if unclear:
        title += f"; no clear gain in {', '.join(unclear)}"
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    parts = [f"{code} {g:+.1f} points (95% CI {lo:+.1f} to {hi:+.1f})" for code, g, lo, hi in
             zip(obj.index, obj["mean_gain"], obj["ci_low"], obj["ci_high"], strict=True)]
    alt = "Mean gain by learning objective with 95% confidence intervals: " + "; ".join(parts)
    return _png(fig), alt + "."


def _cell(value: object, digits: int = 1) -> str:
    if isinstance(value, float | np.floating):
        return "&ndash;" if math.isnan(value) else f"{value:.{digits}f}"
    return html.escape(str(value))


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;line-height:1.5;color:#222}
table{border-collapse:collapse;margin:1rem 0 2rem;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid #ccc;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
.flag{color:#8a3b00}
figure{margin:1.5rem 0}img{max-width:100%;height:auto}
.summary{font-size:1.1rem;border-left:4px solid #0072B2;padding-left:.8rem}
.note{font-size:.9rem;color:#444}
"""

REFERENCES = (
    ("student1908probable", "Student (1908). The probable error of a mean. Biometrika 6(1):1-25."),
    ("lakens2013calculating", "Lakens D (2013). Calculating and reporting effect sizes to "
     "facilitate cumulative science: a practical primer for t-tests and ANOVAs. Front Psychol "
     "4:863."),
    ("cumming2001primer", "Cumming G, Finch S (2001). A primer on the understanding, use, and "
     "calculation of confidence intervals that are based on central and noncentral "
     "distributions. Educ Psychol Meas 61(4):532-574."),
    ("hedges1981distribution", "Hedges LV (1981). Distribution theory for Glass's estimator of "
     "effect size and related estimators. J Educ Stat 6(2):107-128."),
    ("hake1998interactive", "Hake RR (1998). Interactive-engagement versus traditional methods: "
     "a six-thousand-student survey of mechanics test data for introductory physics courses. "
     "Am J Phys 66(1):64-74."),
    ("crocker1986introduction", "Crocker L, Algina J (1986). Introduction to Classical and "
     "Modern Test Theory. Holt, Rinehart and Winston."),
    ("ebel1991essentials", "Ebel RL, Frisbie DA (1991). Essentials of Educational Measurement, "
     "5th ed. Prentice Hall."),
    ("mcnemar1947note", "McNemar Q (1947). Note on the sampling error of the difference between "
     "correlated proportions or percentages. Psychometrika 12(2):153-157."),
)


def _html(result: Result, title: str) -> str:
    paired_png, paired_alt = _paired_figure(result)
    obj_png, obj_alt = _objective_figure(result)
    e = html.escape
    lo, hi = result.gain_ci
    dlo, dhi = result.d_z_ci
    summary_rows = [
        ["learners (both tests)", str(result.n_learners), ""],
        ["items", str(result.n_items), ""],
        ["mean pre-test score (%)", _cell(result.mean_pre), ""],
        ["mean post-test score (%)", _cell(result.mean_post), ""],
        ["mean paired gain (points)", _cell(result.mean_gain), f"{_cell(lo)} to {_cell(hi)}"],
        ["SD of the gains (points)", _cell(result.sd_gain), ""],
        ["paired t (df)", f"{_cell(result.t_statistic, 2)} ({result.df})", ""],
        ["p-value (two-sided)", e(_p(result.p_value)), ""],
        ["Cohen's d_z", _cell(result.d_z, 2), f"{_cell(dlo, 2)} to {_cell(dhi, 2)}"],
        ["Hedges' g_z (= J d_z)", _cell(result.g_z, 2), f"J = {_cell(result.hedges_j, 3)}"],
        ["normalised gain &lt;g&gt; of the class means", _cell(result.normalised_gain, 2), ""],
        ["mean of the learners' normalised gains", _cell(result.mean_learner_normalised_gain,
                                                          2), ""],
    ]
    obj_rows = [[_cell(code), str(int(r.n_items)), _cell(r.pre_pct), _cell(r.post_pct),
                 _cell(r.mean_gain), f"{_cell(r.ci_low)} to {_cell(r.ci_high)}",
                 e(_p(r.p_value))] for code, r in result.objectives.iterrows()]
    item_rows = [[_cell(item), _cell(r.objective), _cell(r.difficulty_pre, 2),
                  _cell(r.difficulty_post, 2), _cell(r.discrimination_pre, 2),
                  _cell(r.discrimination_post, 2), str(int(r.wrong_to_right)),
                  str(int(r.right_to_wrong)), _cell(r.mcnemar_p, 3),
                  '<span class="flag">' + "; ".join(
                      f"{ph}: {e(f)}" for ph, f in (("pre", r.flags_pre),
                                                    ("post", r.flags_post)) if f) + "</span>"]
                 for item, r in result.items.iterrows()]
    item_table = html_table(
        "Items: difficulty (proportion correct), discrimination (corrected item-total "
        "correlation), changes between the tests, and flags",
        ["item", "objective", "difficulty pre", "difficulty post", "discrimination pre",
         "discrimination post", "wrong to right", "right to wrong", "McNemar p", "flags"],
        item_rows)
    learner_rows = [[_cell(lid), _cell(r.pre_pct), _cell(r.post_pct), _cell(r.gain_pct),
                     _cell(r.normalised_gain, 2)] for lid, r in result.learners.iterrows()]
    refs = "".join(f"<li>[{e(k)}] {e(v)}</li>" for k, v in REFERENCES)
    return html_page(title, CSS, f"""<p class="summary">{e(result.summary())}</p>
<p class="note">Scores: {e(result.source)}. A pre/post comparison without a comparison group
shows how much scores changed, not that the course caused the change: taking the same test
twice, other teaching and who turned up for both tests also move scores.</p>

<h2>Each learner before and after</h2>
<figure>
<img src="data:image/png;base64,{paired_png}" alt="{e(paired_alt)}">
<figcaption>{e(paired_alt)}</figcaption>
</figure>
{html_table("Summary (95% confidence intervals)", ["measure", "value", "95% CI"], summary_rows)}

<h2>Gain by learning objective</h2>
<figure>
<img src="data:image/png;base64,{obj_png}" alt="{e(obj_alt)}">
<figcaption>{e(obj_alt)}</figcaption>
</figure>
{html_table("Gain by objective: mean percent of the objective's items correct, and the mean "
        "paired gain with its 95% CI", ["objective", "items", "pre (%)", "post (%)",
                                        "gain (points)", "95% CI", "p-value"], obj_rows)}

<h2>Items</h2>
<p class="note">Flags are prompts to look at an item, not verdicts: difficulty above {EASY:g}
or below {HARD:g}, discrimination below {LOW_DISCRIMINATION:g}. On a pre-test a hard item is
expected (the topic is not yet taught), and on a post-test an easy one may be the teaching
working; a negative discrimination often means a wrong answer key. McNemar p-values are
exact and not adjusted for testing {result.n_items} items.</p>
{item_table}

<h2>Learners</h2>
{html_table("Each learner's percent score, gain (points) and normalised gain (gain / room to "
        "improve; blank when the pre-test score was 100%)",
        ["learner", "pre (%)", "post (%)", "gain (points)", "normalised gain"], learner_rows)}

<h2>Methods</h2>
<p class="note">Percent score: 100 x the mean of a learner's 0/1 item scores. Mean paired gain
with a 95% interval from the t distribution with n - 1 degrees of freedom, and the paired
t-test [student1908probable]. Cohen's d_z = mean gain / SD of the gains
[lakens2013calculating], with a 95% interval from inverting the noncentral t distribution
[cumming2001primer]; Hedges' g_z applies the small-sample correction J
[hedges1981distribution]. Normalised gain &lt;g&gt; = (post - pre) / (100 - pre)
[hake1998interactive]. Item difficulty and corrected item-total (point-biserial)
discrimination from classical test theory [crocker1986introduction; ebel1991essentials];
McNemar counts and exact p-values per item [mcnemar1947note].</p>
<ol class="note">{refs}</ol>
""")


def report(result: Result, out: str | os.PathLike[str],
           title: str = "Programme evaluation: pre/post knowledge test") -> Path:
    """Write ``result`` as one self-contained HTML file at ``out``; return its path.

    The page holds a summary sentence, a paired plot (each learner's pre and
    post score, with the mean), the gain by objective with 95% CIs, and tables
    of the summary, objectives, items (difficulty, discrimination, flags) and
    learners. Figures are embedded PNGs with alt text computed from the
    numbers, in the Okabe-Ito palette; nothing is loaded from outside the
    file, and all text from the input (the title, ids, codes) is escaped. The
    file is written to a temporary name beside ``out`` and renamed, so an
    error never leaves a half-written report.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> report(evaluate(synthetic_scores(n_learners=12, seed=3)), folder / "r.html").name
    'r.html'
    """
    if not isinstance(result, Result):
        raise TypeError(f"result must be a Result from evaluate(), got {type(result).__name__}")
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {type(title).__name__}")
    output_path(out)  # a bad path fails before the work of drawing the figures
    return write_atomic(_html(result, title), out)


# --------------------------------------------------------------------------
# The SYNTHETIC example


@dataclass(frozen=True)
class SyntheticItem:
    """One item of the synthetic test: its id, objective, difficulty and slope (logits).

    A slope of 1 is a Rasch item; a negative slope imitates a wrongly keyed
    item (learners who know more are marked wrong more often).
    """

    item_id: str
    objective: str
    difficulty: float
    slope: float = 1.0


#: 16 items, 4 per objective. q04 is very easy, q15 is miskeyed, q16 is very hard,
#: so that the item flags have something to find.
SYNTHETIC_ITEMS: tuple[SyntheticItem, ...] = (
    SyntheticItem("q01", "O1", 0.5), SyntheticItem("q02", "O1", 1.0),
    SyntheticItem("q03", "O1", 1.5), SyntheticItem("q04", "O1", -3.5),
    SyntheticItem("q05", "O2", 0.0), SyntheticItem("q06", "O2", 0.8),
    SyntheticItem("q07", "O2", 1.2), SyntheticItem("q08", "O2", 0.3),
    SyntheticItem("q09", "O3", 0.6), SyntheticItem("q10", "O3", 1.0),
    SyntheticItem("q11", "O3", -0.2), SyntheticItem("q12", "O3", 1.4),
    SyntheticItem("q13", "O4", 0.2), SyntheticItem("q14", "O4", 0.9),
    SyntheticItem("q15", "O4", 0.0, slope=-1.0), SyntheticItem("q16", "O4", 3.5),
)
#: Mean gain in ability (logits) from the workshop, by objective: O4 was barely taught.
SYNTHETIC_GAINS: dict[str, float] = {"O1": 2.0, "O2": 1.5, "O3": 1.0, "O4": 0.2}
#: SD (logits) of a learner's own deviation from the objective's mean gain.
SYNTHETIC_GAIN_SD = 0.5
#: Seed of the shipped example.
SYNTHETIC_SEED = 20240615


def synthetic_scores(n_learners: int = 30, items: Sequence[SyntheticItem] = SYNTHETIC_ITEMS,
                     seed: int = SYNTHETIC_SEED, *,
                     gains: Mapping[str, float] | None = None) -> pd.DataFrame:
    """SYNTHETIC pre/post scores from a seeded item-response model (no real learner).

    Learner i has ability theta_i ~ N(0, 1); on the post-test their ability on
    objective o is theta_i + gains[o] + u_io, with u_io ~ N(0, 0.5^2). They
    answer item j correctly with probability
    1 / (1 + exp(-slope_j (ability - difficulty_j))), a Rasch model when the
    slope is 1 [rasch1960probabilistic]. Draws come from
    ``numpy.random.default_rng(seed)`` in a fixed order, so a seed gives the
    same table on every machine.

    Returns the long table read by :func:`read_scores`: ``learner_id`` (1 to
    ``n_learners``), ``phase``, ``item_id``, ``score`` and ``objective``.

    >>> df = synthetic_scores(n_learners=4, seed=1)
    >>> df.shape, sorted(df["phase"].unique())
    ((128, 5), ['post', 'pre'])
    """
    if isinstance(n_learners, bool) or not isinstance(n_learners, numbers.Integral):
        raise TypeError(f"n_learners must be a whole number, got {type(n_learners).__name__}")
    if n_learners < 2:
        raise ValueError(f"n_learners must be at least 2, got {n_learners}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    items = tuple(items)
    if not items or not all(isinstance(i, SyntheticItem) for i in items):
        raise TypeError("items must be a non-empty sequence of SyntheticItem")
    ids = [i.item_id for i in items]
    if len(set(ids)) != len(ids):
        repeated = sorted({x for x in ids if ids.count(x) > 1})
        raise ValueError(f"items has a repeated item_id: {_quoted(repeated)}")
    gains = dict(SYNTHETIC_GAINS if gains is None else gains)
    objectives = list(dict.fromkeys(i.objective for i in items))
    unknown = [o for o in objectives if o not in gains]
    if unknown:
        raise ValueError(f"gains has no entry for objective {_quoted(unknown)}")

    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 1.0, n_learners)
    personal = rng.normal(0.0, SYNTHETIC_GAIN_SD, (n_learners, len(objectives)))
    col = {o: c for c, o in enumerate(objectives)}
    difficulty = np.array([i.difficulty for i in items])
    slope = np.array([i.slope for i in items])
    boost = np.array([[gains[i.objective] + personal[n, col[i.objective]] for i in items]
                      for n in range(n_learners)])
    correct = {}
    for phase, ability in (("pre", np.broadcast_to(theta[:, None], boost.shape)),
                           ("post", theta[:, None] + boost)):
        prob = special.expit(slope * (ability - difficulty))
        correct[phase] = (rng.random(prob.shape) < prob).astype(int)
    rows = [(n + 1, phase, item.item_id, int(correct[phase][n, j]), item.objective)
            for n in range(n_learners) for phase in PHASES for j, item in enumerate(items)]
    return pd.DataFrame(rows, columns=[*COLUMNS, "objective"])
