"""Record a number a lab's text quotes, for the book to show (myst-nb "glue").

A lab's prose quotes results ("the model predicts 37% but 25% were readmitted").
Each such number is typed in the lab's markdown followed by a marker naming the
value it must equal, ``37%<!--glue:l2_top_pred:.0%-->``, and a code cell records
that value with :func:`glue`. The book then shows the recorded value, not the typed
one (``tools/sphinx_glue.py`` turns each marker into myst-nb's ``{glue:text}``
role), and ``tests/test_prose_numbers.py`` fails, naming the sentence, when a typed
number no longer equals its value at its printed precision. Jupyter shows the typed
number (the marker is an HTML comment), so every edition reads the same.

:func:`glue` writes what ``myst_nb.glue(name, value, display=False)`` writes (a
display bundle whose keys start ``application/papermill.record/``, with
``scrapbook`` metadata; the test reads it back with myst-nb's own reader). It is
written here rather than imported because importing ``myst_nb`` takes 1.3 s and
loads Sphinx in every kernel, and the learners' environment
(``requirements-labs.txt``) does not have it.

>>> glue("auc", 0.6312)   # in a plain Python session it displays nothing
"""

from __future__ import annotations

import math
import numbers

__all__ = ["PREFIX", "glue", "plain"]

#: The mime-type prefix myst-nb reads glued values from (``myst_nb.ext.glue.GLUE_PREFIX``).
PREFIX = "application/papermill.record/"


def plain(value: object) -> int | float:
    """``value`` as a plain Python number, or one error saying what it is.

    myst-nb formats a glued number from its text (``repr``), and NumPy 2 writes
    ``np.float64(0.5)``, which it cannot read as a number.

    >>> import numpy as np
    >>> plain(np.float64(0.25)), plain(np.int64(3)), plain(True)
    (0.25, 3, 1)
    >>> plain("0.3")
    Traceback (most recent call last):
    ...
    TypeError: glue: expected a number, got str '0.3'
    """
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"glue: expected a finite number, got {number}")
        return number
    raise TypeError(f"glue: expected a number, got {type(value).__name__} {value!r}")


def glue(name: str, value: object) -> None:
    """Record ``value`` under ``name`` in the running notebook's outputs, shown nowhere."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"glue: the name must be a Python identifier, got {name!r}")
    number = plain(value)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python without IPython: nothing to record into
        return
    if get_ipython() is None:
        return
    display({PREFIX + "text/plain": repr(number)}, raw=True,
            metadata={"scrapbook": {"name": name, "mime_prefix": PREFIX}})
