"""Immediate feedback on lab exercises, on one shared design.

Each lab has a module here (``labkit.checks.lab0`` ...) with one function per
exercise. A check answers one question: *did the learner do what the exercise
asked?* It judges against the exercise's own constants and the shipped data,
never against a value the learner supplied, in this order:

1. unanswered (the ``...`` placeholder) - say so;
2. wrong kind (a Series where a DataFrame was asked, labels where
   probabilities were asked) - name the kind expected;
3. wrong structure (missing columns, a subset of the features, duplicated or
   missing rows, the wrong split) - name it; and check the objects that later
   cells of the lab depend on, so a passed check never leads to a broken cell;
4. wrong number - compare with a tolerance set by how precisely the answer can
   be computed (:func:`judge`: solver tolerance, and rounding to the digits the
   learner printed), then give the hint for the likely slip.

The expected answers come from :mod:`labkit.checks.state`, which rebuilds the
lab's state once per data folder and keeps it. With ``LABKIT_STRICT=1`` in the
environment (the tests and the book build set it) a wrong answer raises
:class:`CheckFailed`, so a lab whose solution stops producing the right answer
fails loudly.

>>> from labkit.checks import feedback
>>> feedback("0.1", True, "the count matches").passed
✔ Exercise 0.1 - correct: the count matches
True
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CheckFailed", "Feedback", "feedback", "strict", "unanswered", "close",
           "decimals", "decimals_of", "matches", "judge", "as_number", "frame_problem",
           "rows_problem", "threshold_optimizer_problem", "input_names"]

STRICT_ENV = "LABKIT_STRICT"


class CheckFailed(AssertionError):
    """Raised by a failed check when ``LABKIT_STRICT=1``."""


@dataclass(frozen=True)
class Feedback:
    """The outcome of one check."""

    exercise: str
    passed: bool
    message: str

    def __str__(self) -> str:
        if self.passed:
            return f"✔ Exercise {self.exercise} - correct: {self.message}"
        return f"✘ Exercise {self.exercise} - not yet: {self.message}"


def strict() -> bool:
    """True when ``LABKIT_STRICT=1``: failed checks raise instead of printing."""
    return os.environ.get(STRICT_ENV, "") == "1"


def feedback(exercise: str, passed: bool, message: str) -> Feedback:
    """Print feedback for ``exercise``; raise :class:`CheckFailed` if it failed in strict mode.

    >>> feedback("1.2", False, "hint").passed
    ✘ Exercise 1.2 - not yet: hint
    False
    """
    result = Feedback(exercise, passed, message)
    print(result)
    if not passed and strict():
        raise CheckFailed(str(result))
    return result


def unanswered(*values: object) -> bool:
    """True if any value is still the ``...`` placeholder of the learner edition.

    >>> unanswered(3, ...)
    True
    """
    return any(v is Ellipsis for v in values)


def as_number(value: object) -> float | None:
    """``value`` as a finite float, or None if it is not one real number.

    A one-element array or Series counts as its element; a bool does not count.

    >>> as_number(np.float64(0.5)), as_number("0.5"), as_number([1, 2]), as_number(True)
    (0.5, None, None, None)
    """
    if isinstance(value, bool | np.bool_ | str | bytes) or value is None:
        return None
    if isinstance(value, np.ndarray | pd.Series | list | tuple):
        array = np.asarray(value)
        if array.size != 1 or array.dtype.kind not in "iuf":
            return None
        value = array.reshape(-1)[0]
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def close(actual: object, expected: float, *, rel: float = 1e-6, abs_: float = 1e-9) -> bool:
    """True if ``actual`` is a real number within tolerance of ``expected``.

    >>> close(0.37258, 212 / 569, rel=1e-3)
    True
    """
    value = as_number(actual)
    return value is not None and math.isclose(value, expected, rel_tol=rel, abs_tol=abs_)


def decimals(value: float) -> int:
    """How many decimal places ``value`` was written with (its shortest round-trip form).

    >>> decimals(0.167), decimals(1 / 6), decimals(2.0), decimals(1e-05)
    (3, 17, 0, 5)
    """
    text = repr(float(value)).lower()
    mantissa, _, exponent = text.partition("e")
    places = len(mantissa.partition(".")[2].rstrip("0"))
    return max(0, places - int(exponent or 0))


def decimals_of(values: Iterable[object]) -> int | None:
    """The decimals ``values`` were rounded to: the most any of them shows (None if none is
    a number). An unrounded mean shows 17; 8/50 = 0.16 alone would show 2.

    >>> decimals_of(pd.Series([0.25, 0.167, np.nan])), decimals_of([np.nan])
    (3, None)
    """
    places = [decimals(float(v)) for v in values if as_number(v) is not None]
    return max(places) if places else None


def threshold_optimizer_problem(to: object) -> str | None:
    """The first setting of a fairlearn ``ThresholdOptimizer`` that differs from the one the
    labs ask for (equal sensitivity, balanced accuracy, a prefitted model's probabilities),
    as a hint; None when all four are right.

    >>> from types import SimpleNamespace
    >>> threshold_optimizer_problem(SimpleNamespace(
    ...     constraints="true_positive_rate_parity", objective="accuracy_score",
    ...     prefit=True, predict_method="predict_proba"))[:45]
    "use objective='balanced_accuracy_score': with"
    """
    settings = [
        (getattr(to, "constraints", None) == "true_positive_rate_parity",
         "use constraints='true_positive_rate_parity' (equal sensitivity)."),
        (getattr(to, "objective", None) == "balanced_accuracy_score",
         "use objective='balanced_accuracy_score': with plain accuracy the best rule flags "
         "almost nobody, because most patients are not readmitted."),
        (getattr(to, "prefit", None) is True, "use prefit=True: the model is already fitted."),
        (getattr(to, "predict_method", None) == "predict_proba",
         "use predict_method='predict_proba' so the thresholds apply to predicted risks."),
    ]
    return next((hint for ok, hint in settings if not ok), None)


def matches(value: object, expected: float, *, tol: float = 1e-9,
            min_decimals: int | None = None) -> bool:
    """True if ``value`` equals ``expected`` within ``tol``, or is ``expected`` rounded.

    A learner who copies 0.167 for 1/6 is right: a value rounded to the digits
    it was written with counts when it is within half a unit of its last digit
    of the expected value, provided it keeps at least ``min_decimals`` places
    (``None``: rounding is not accepted).

    >>> matches(0.167, 1 / 6, min_decimals=2), matches(0.17, 1 / 6, min_decimals=3)
    (True, False)
    >>> matches(0.1667, 1 / 6, tol=1e-6), matches(0.16666667, 1 / 6, tol=1e-6)
    (False, True)
    """
    number = as_number(value)
    if number is None or not math.isfinite(expected):
        return False
    if abs(number - expected) <= tol:
        return True
    if min_decimals is None:
        return False
    places = decimals(number)
    return places >= min_decimals and abs(number - expected) <= 0.5 * 10.0**-places * (1 + 1e-9)


Slip = tuple[float | Callable[[], float], str]


def judge(value: object, expected: float, *, name: str, tol: float, min_decimals: int = 2,
          proportion: bool = False, slips: Iterable[Slip] = (),
          otherwise: str | None = None) -> str | None:
    """None if ``value`` is right; otherwise the hint for the likeliest slip.

    Checks, in order: that it is one number; that it matches ``expected``
    (within ``tol`` or rounded to at least ``min_decimals`` places); a rounding
    too coarse to tell; a percentage where a proportion was asked; then each
    ``(candidate, hint)`` of ``slips`` (a candidate may be a function, computed
    only if needed; a slip the value equals exactly is named before a coarse
    rounding of the right answer); then ``otherwise``.

    >>> judge(0.167, 1 / 6, name="threshold", tol=1e-6) is None
    True
    >>> judge(0.2, 1 / 6, name="threshold", tol=1e-6, slips=[(1 / 5, "that is the odds")])
    'that is the odds'
    >>> judge(0.2, 1 / 6, name="threshold", tol=1e-6, min_decimals=3)
    'threshold is rounded to 1 decimal place, too coarse to check; keep at least 3.'
    """
    number = as_number(value)
    if number is None:
        return f"{name} should be one number, got {type(value).__name__}."
    if matches(number, expected, tol=tol, min_decimals=min_decimals):
        return None
    candidates = [(c, hint) for c, hint in slips]
    targets: dict[int, float | None] = {}

    def target(i: int) -> float | None:
        if i not in targets:
            candidate = candidates[i][0]
            value = candidate() if callable(candidate) else candidate
            targets[i] = None if value is None else float(value)
        return targets[i]

    # A slip the value equals exactly beats reading the value as a coarse rounding.
    for i, (_, hint) in enumerate(candidates):
        exact = target(i)
        if exact is not None and matches(number, exact, tol=tol):
            return hint
    places = decimals(number)
    if 1 <= places < min_decimals and abs(number - expected) <= 0.5 * 10.0**-places * (1 + 1e-9):
        unit = "place" if places == 1 else "places"
        return (f"{name} is rounded to {places} decimal {unit}, too coarse to check; keep at "
                f"least {min_decimals}.")
    if proportion and matches(number, 100 * expected, tol=100 * tol,
                              min_decimals=max(0, min_decimals - 2)):
        return f"{name} looks like a percentage; give a proportion between 0 and 1."
    for i, (_, hint) in enumerate(candidates):
        rounded = target(i)
        if rounded is not None and matches(number, rounded, tol=tol, min_decimals=min_decimals):
            return hint
    if proportion and not 0 <= number <= 1:
        return f"{name} is a proportion, so it lies between 0 and 1; you gave {number:g}."
    return otherwise or f"{name} does not match the exercise's answer."


def input_names(model: object, *, kind: str, fit_on: str) -> list[str] | str:
    """The names of the inputs a learner's fitted ``model`` reads, or the hint why there
    are none: it is not a fitted ``kind`` with ``predict_proba``, or it was fitted on an
    array and does not know its columns (``fit_on`` names what to fit it on).

    >>> input_names("model", kind="classifier", fit_on="train[FEATURES]")
    'model should be a fitted scikit-learn classifier with predict_proba, got str.'
    """
    if not hasattr(model, "predict_proba"):
        return (f"model should be a fitted scikit-learn {kind} with predict_proba, got "
                f"{type(model).__name__}.")
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        return (f"fit the model on a DataFrame of the named inputs, {fit_on}, so it "
                "knows its columns (or it is not fitted yet).")
    return [str(n) for n in names]


def frame_problem(value: object, name: str, *, columns: Sequence[str] = (),
                  kind: type = pd.DataFrame) -> str | None:
    """A hint if ``value`` is not a ``kind`` (DataFrame) holding ``columns``, else None.

    >>> frame_problem(pd.DataFrame({"n": [1]}), "calib", columns=["n", "observed"])
    "calib lacks the column 'observed' that the exercise asks for."
    """
    if not isinstance(value, kind):
        return f"{name} should be a pandas {kind.__name__}, got {type(value).__name__}."
    present = list(getattr(value, "columns", []))
    lacking = [c for c in columns if c not in present]
    if lacking:
        what = "columns" if len(lacking) > 1 else "column"
        listed = ", ".join(repr(c) for c in lacking)
        return f"{name} lacks the {what} {listed} that the exercise asks for."
    return None


def rows_problem(ids: Iterable[object], expected: Iterable[object], name: str,
                 what: str = "rows") -> str | None:
    """A hint if the identifiers ``ids`` are not exactly ``expected``, each once.

    >>> rows_problem([1, 2, 2], [1, 2], "train", "admissions")
    'train holds 1 admissions more than once; each should appear once (no duplicated rows).'
    >>> rows_problem([1], [1, 2], "train", "admissions")
    'train is missing 1 of the 2 admissions it should hold.'
    """
    got = pd.Series(list(ids))
    want = set(expected)
    repeated = int(got.duplicated().sum())
    if repeated:
        return (f"{name} holds {repeated} {what} more than once; each should appear once "
                "(no duplicated rows).")
    have = set(got)
    if have - want:
        return f"{name} holds {len(have - want)} {what} it should not."
    if want - have:
        return f"{name} is missing {len(want - have)} of the {len(want)} {what} it should hold."
    return None
