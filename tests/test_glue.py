"""labkit.glue: what a lab records for the book to show."""

import math

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from myst_nb.ext.glue import GLUE_PREFIX

from labkit import glue


def test_the_prefix_is_myst_nbs():
    assert glue.PREFIX == GLUE_PREFIX


@pytest.mark.parametrize("value, plain", [
    (np.float64(0.2851), 0.2851), (np.int64(1208), 1208), (0.5, 0.5), (3, 3),
])
def test_numbers_become_plain_python_numbers(value, plain):
    out = glue.plain(value)
    assert out == plain and type(out) is type(plain)
    assert repr(out) == repr(plain)  # what myst-nb reads back with literal_eval


@pytest.mark.parametrize("value, error", [
    ("0.3", TypeError), (None, TypeError), ([0.1], TypeError), (math.nan, ValueError),
    (np.float64("inf"), ValueError),
])
def test_anything_but_a_finite_number_is_refused(value, error):
    with pytest.raises(error, match="glue: expected a"):
        glue.plain(value)


@pytest.mark.parametrize("name", ["", "two words", "1st", None])
def test_a_name_must_be_an_identifier(name):
    with pytest.raises(ValueError, match="must be a Python identifier"):
        glue.glue(name, 0.5)


def test_in_ipython_it_displays_the_bundle_myst_nb_reads(monkeypatch):
    shown = []
    InteractiveShell.instance()
    try:
        monkeypatch.setattr("IPython.display.display",
                            lambda obj, raw, metadata: shown.append((obj, metadata)))
        glue.glue("l2_auc", np.float64(0.6312))
    finally:
        InteractiveShell.clear_instance()
    assert shown == [({GLUE_PREFIX + "text/plain": "0.6312"},
                      {"scrapbook": {"name": "l2_auc", "mime_prefix": GLUE_PREFIX}})]
