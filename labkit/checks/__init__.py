"""Immediate feedback on lab exercises.

Each lab has a module here (``labkit.checks.lab0`` ...) with one function per
exercise. A check recomputes the expected answer from the shipped data, compares
the learner's answer with a tolerance, and prints either a confirmation or a hint
that points at the likely mistake. With ``LABKIT_STRICT=1`` in the environment
(the tests and the book build set it) a wrong answer raises :class:`CheckFailed`,
so a lab whose solution stops producing the right answer fails loudly.

>>> from labkit.checks import feedback
>>> feedback("0.1", True, "the count matches").passed
✔ Exercise 0.1 - correct: the count matches
True
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

__all__ = ["CheckFailed", "Feedback", "feedback", "strict", "unanswered", "close"]

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


def close(actual: object, expected: float, *, rel: float = 1e-6, abs_: float = 1e-9) -> bool:
    """True if ``actual`` is a real number within tolerance of ``expected``.

    >>> close(0.37258, 212 / 569, rel=1e-3)
    True
    """
    try:
        value = float(actual)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isclose(value, expected, rel_tol=rel, abs_tol=abs_)
