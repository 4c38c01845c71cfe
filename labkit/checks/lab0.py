"""Checks for Lab 0 - Set up and orientation.

Every expected value is recomputed from the shipped data at call time.

>>> from labkit.checks import lab0
>>> lab0.prevalence(569, 212 / 569).passed
✔ Exercise 0.1 - correct: 569 aspirates, 37.3% malignant.
True
"""

from __future__ import annotations

import importlib.metadata
import io
import platform
import re
import sys
from pathlib import Path

import pandas as pd

from labkit import datasets
from labkit.checks import Feedback, close, feedback, judge, matches, unanswered

__all__ = ["environment", "prevalence", "median_radius", "histogram"]

#: Packages the labs and labkit use (ipywidgets: shap's progress bars warn without
#: it); a missing one fails the environment check.
LAB_PACKAGES = ("numpy", "pandas", "scipy", "ipython", "scikit-learn", "fairlearn", "shap",
                "matplotlib", "threadpoolctl", "tqdm", "ipywidgets", "pyyaml", "skops")
MIN_PYTHON = (3, 11)
#: The newest Python the pins are tested on; a newer one is only a note.
MAX_TESTED_PYTHON = (3, 13)
#: The labs' tested pins; beside labkit in the repository and in the learner kit.
REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements-labs.txt"


def _pinned_versions(req: Path | None = None) -> dict[str, str]:
    """Versions pinned in requirements-labs.txt, if it is there (not on every hub)."""
    req = REQUIREMENTS if req is None else req
    pins: dict[str, str] = {}
    if req.is_file():
        for line in req.read_text(encoding="utf-8").splitlines():
            m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s#]+)", line.strip())
            if m:
                pins[m.group(1).lower()] = m.group(2)
    return pins


def environment() -> Feedback:
    """Check Python, the lab packages, the datasets and plotting; print a table.

    Versions that differ from the tested pins are reported but pass: Colab and
    JupyterHub images rarely match exactly.
    """
    problems: list[str] = []
    notes: list[str] = []
    py = ".".join(map(str, sys.version_info[:3]))
    tested_python = "{}.{}-{}.{}".format(*MIN_PYTHON, *MAX_TESTED_PYTHON)
    if sys.version_info[:2] < MIN_PYTHON:
        problems.append(f"Python {py} is older than {MIN_PYTHON[0]}.{MIN_PYTHON[1]}")
    elif sys.version_info[:2] > MAX_TESTED_PYTHON:
        notes.append(f"Python {py} is newer than the tested {tested_python}")
    pins = _pinned_versions()
    rows = [("python", py, tested_python)]
    for name in LAB_PACKAGES:
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            have = "MISSING"
            problems.append(f"{name} is not installed (pip install -r {REQUIREMENTS.name})")
        tested = pins.get(name, "-")
        rows.append((name, have, tested))
        if have not in ("MISSING",) and tested != "-" and have != tested:
            notes.append(f"{name} {have} differs from the tested {tested}")
    width = max(len(r[0]) for r in rows)
    print(f"{'package':<{width}}  {'installed':<12}  tested")
    for name, have, tested in rows:
        print(f"{name:<{width}}  {have:<12}  {tested}")
    print(f"platform: {platform.platform()}")

    try:
        cards = datasets.verify_all()
        print("datasets: " + ", ".join(f"{c.name} ({c.n_rows:,} rows) ok" for c in cards))
    except (OSError, ValueError) as exc:
        problems.append(f"dataset problem: {exc}")

    try:
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, 1], [0, 1])
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        if not buf.getvalue().startswith(b"\x89PNG"):
            problems.append("matplotlib did not produce a PNG")
    except Exception as exc:  # any failure to draw is what we are testing for
        problems.append(f"plotting failed: {type(exc).__name__}: {exc}")

    for note in notes:
        print(f"note: {note}; labs may show slightly different numbers.")
    if problems:
        return feedback("0.0", False, "; ".join(problems))
    return feedback("0.0", True, "your environment can run every lab.")


def prevalence(n_samples: object, prevalence: object) -> Feedback:
    """Exercise 0.1: number of aspirates and the proportion that are malignant."""
    if unanswered(n_samples, prevalence):
        return feedback("0.1", False, "replace each ... with your answer.")
    df = datasets.load_wdbc()
    n = len(df)
    expected = float((df["diagnosis"] == "malignant").mean())
    if not close(n_samples, n, rel=0, abs_=0.5):
        return feedback(
            "0.1", False, f"n_samples should count every row of the table; you gave {n_samples}."
        )
    hint = judge(prevalence, expected, name="prevalence", tol=1e-9, min_decimals=2,
                 proportion=True,
                 slips=[(1 - expected, "that is the proportion of benign aspirates."),
                        (expected * n, "that is a count; divide by the number of aspirates.")],
                 otherwise="compare diagnosis with 'malignant' and take the mean.")
    if hint:
        return feedback("0.1", False, hint)
    return feedback("0.1", True, f"{n} aspirates, {expected:.1%} malignant.")


def median_radius(result: object) -> Feedback:
    """Exercise 0.2: median ``radius_mean`` for each diagnosis, as a Series."""
    if unanswered(result):
        return feedback("0.2", False, "replace ... with your answer.")
    if isinstance(result, pd.DataFrame) and result.shape[1] == 1:
        result = result.iloc[:, 0]
    if not isinstance(result, pd.Series):
        got_type = type(result).__name__
        message = f"expected a pandas Series indexed by diagnosis, got {got_type}."
        return feedback("0.2", False, message)
    df = datasets.load_wdbc()
    grouped = df.groupby("diagnosis", observed=True)["radius_mean"]
    expected = grouped.median()
    index = [str(i) for i in result.index]
    if sorted(index) != sorted(str(i) for i in expected.index):
        return feedback("0.2", False, f"index should be the two diagnoses, got {index}.")
    got = {str(k): v for k, v in result.items()}
    # Radii are printed with 2 decimals: a median copied from the output is right too.
    if all(matches(got[str(k)], v, tol=1e-9, min_decimals=2) for k, v in expected.items()):
        return feedback(
            "0.2",
            True,
            "median radius "
            + ", ".join(f"{k} {v:.2f}" for k, v in expected.items())
            + " (image units).",
        )
    if all(matches(got[str(k)], v, tol=1e-9, min_decimals=2)
           for k, v in grouped.mean().items()):
        return feedback("0.2", False, "those are means; the exercise asks for medians.")
    return feedback("0.2", False, "group by 'diagnosis', select 'radius_mean', take .median().")


def histogram(ax: object) -> Feedback:
    """Exercise 0.3: a labelled histogram comparing the two diagnoses."""
    if unanswered(ax):
        return feedback("0.3", False, "replace ... with your Axes.")
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        return feedback("0.3", False, f"expected a matplotlib Axes, got {type(ax).__name__}.")
    missing = [
        what
        for what, text in (
            ("an x-axis label", ax.get_xlabel()),
            ("a y-axis label", ax.get_ylabel()),
            ("a title", ax.get_title()),
        )
        if not text.strip()
    ]
    if missing:
        return feedback("0.3", False, "add " + " and ".join(missing) + ".")
    if len(ax.patches) < 2:
        return feedback("0.3", False, "draw one histogram per diagnosis with ax.hist(...).")
    legend = ax.get_legend()
    labels = {t.get_text() for t in legend.get_texts()} if legend else set()
    if not {"benign", "malignant"} <= labels:
        return feedback(
            "0.3", False, "add a legend naming 'benign' and 'malignant' (label=..., ax.legend())."
        )
    return feedback("0.3", True, "labelled, titled and a legend for both groups.")
