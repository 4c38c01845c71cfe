"""Every public labkit function carries a runnable example; run them all."""

import doctest
import importlib
import inspect
import pkgutil

import pytest

import labkit

MODULES = [m.name for m in pkgutil.walk_packages(labkit.__path__, "labkit.")
           if m.name != "labkit.__main__"]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name, monkeypatch):
    monkeypatch.delenv("LABKIT_STRICT", raising=False)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


@pytest.mark.parametrize("name", MODULES)
def test_public_functions_have_docstrings(name):
    module = importlib.import_module(name)
    for fname, func in inspect.getmembers(module, inspect.isfunction):
        if func.__module__ == name and not fname.startswith("_"):
            assert func.__doc__, f"{name}.{fname} has no docstring"


def test_sphinx_extension_examples_run():
    from tools import sphinx_a11y

    assert doctest.testmod(sphinx_a11y).failed == 0
