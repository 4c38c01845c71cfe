"""Shared test set-up. Lab kernels started by the tests and the book build inherit
LABKIT_STRICT=1 from here, so a lab whose solution no longer gives the right answer
fails."""

import os
import shutil
from pathlib import Path

import pytest

os.environ["LABKIT_STRICT"] = "1"
# No MPLBACKEND here: kernels started by the tests and the book build inherit this
# environment, and a non-inline backend there would silently drop every figure.

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def lenient(monkeypatch):
    """Failed checks print their hint instead of raising (LABKIT_STRICT unset)."""
    monkeypatch.delenv("LABKIT_STRICT", raising=False)


@pytest.fixture(scope="session")
def shap():
    """shap, imported once.

    shap 0.51 sets the extremes of its colour map in place (Colormap.set_bad,
    set_over, set_under), which matplotlib 3.11 marks as pending deprecation
    (shap pull request #5060 replaces them). Those warnings are expected here,
    on import only; pytest.warns re-raises any other warning, which then fails
    the test as usual.
    """
    import sys

    if "shap" in sys.modules:
        return sys.modules["shap"]
    with pytest.warns(PendingDeprecationWarning, match="will be deprecated in a future version"):
        import shap
    return shap


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of datasets/ that a test may break."""
    folder = tmp_path / "datasets"
    folder.mkdir()
    for path in (ROOT / "datasets").iterdir():
        if path.is_file():
            shutil.copy2(path, folder / path.name)
    return folder


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep each test module on one pytest-xdist worker (``--dist loadgroup``), so its
    module-scoped fixtures (a fitted model, a built book) are made once; a module that
    sets ``SPREAD_OVER_WORKERS = True`` lets its tests run on any worker."""
    for item in items:
        module = getattr(item, "module", None)
        if module is None or getattr(module, "SPREAD_OVER_WORKERS", False):
            continue
        item.add_marker(pytest.mark.xdist_group(module.__name__))


@pytest.fixture
def hostile_predictions():
    """Predictions whose group and column names are HTML, for the escaping tests of
    labkit.report and labkit.render; and the script tag they hold."""
    import numpy as np
    import pandas as pd

    from labkit.extract import read_predictions

    evil = "<script>alert(1)</script>"
    frame = pd.DataFrame({
        "y": [0, 1] * 60, "p": np.linspace(0.05, 0.9, 120),
        "grp <b>": [evil] * 30 + ["a & b"] * 90, "sex": ["F", "M"] * 60})
    return read_predictions(frame, outcome="y", score="p", groups=["grp <b>", "sex"]), evil


@pytest.fixture(scope="session")
def executed():
    """The cached executed notebook of every lab, by stem (tools/execute.py fills the
    cache before pytest in `make test`; labs missing from it are executed here)."""
    from tools import execute, notebooks

    _, _, failures = execute.prime()
    assert failures == [], "\n\n".join(failures)
    cache = execute.open_cache()
    out = {}
    for src in notebooks.sources():
        nb = execute.cached_notebook(cache, notebooks.notebook_path(src))
        assert nb is not None, f"{src.stem}: not in the execution cache after tools.execute"
        out[src.stem] = nb
    return out
