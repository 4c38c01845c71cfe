"""labkit.checks: feedback, strict mode, and the Lab 0 checks against answers
recomputed here from the raw CSV with the standard library."""

import csv
import re
import statistics
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from labkit import checks
from labkit.checks import lab0

ROOT = Path(__file__).resolve().parents[1]


def raw() -> list[dict[str, str]]:
    with (ROOT / "datasets" / "wdbc_breast_cytology.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_strict_mode_raises(monkeypatch):
    monkeypatch.setenv("LABKIT_STRICT", "1")
    with pytest.raises(checks.CheckFailed, match="Exercise 9.9 - not yet: wrong"):
        checks.feedback("9.9", False, "wrong")


def test_lenient_mode_prints(lenient, capsys):
    result = checks.feedback("9.9", False, "a hint")
    assert not result.passed
    assert "✘ Exercise 9.9 - not yet: a hint" in capsys.readouterr().out


def test_close_rejects_non_numbers():
    assert not checks.close("abc", 1.0)
    assert not checks.close(None, 1.0)
    assert checks.close(1.0000001, 1.0, rel=1e-6)


def test_prevalence_right_answer(lenient):
    data = raw()
    n = len(data)
    share = sum(r["diagnosis"] == "malignant" for r in data) / n
    assert lab0.prevalence(n, share).passed


@pytest.mark.parametrize(
    "make_wrong, hint",
    [
        (lambda n, p: (n, 100 * p), "percentage"),
        (lambda n, p: (n, 1 - p), "benign"),
        (lambda n, p: (n, p * n), "count"),
        (lambda n, p: (n - 1, p), "every row"),
        (lambda n, p: (n, 0.5), "take the mean"),
        (lambda n, p: (n, round(p, 1)), "too coarse"),
        (lambda n, p: (..., ...), "replace each ..."),
    ],
)
def test_prevalence_hints(lenient, make_wrong, hint):
    data = raw()
    n = len(data)
    share = sum(r["diagnosis"] == "malignant" for r in data) / n
    result = lab0.prevalence(*make_wrong(n, share))
    assert not result.passed and hint in result.message


def test_median_radius(lenient):
    data = raw()
    medians = {
        d: statistics.median(float(r["radius_mean"]) for r in data if r["diagnosis"] == d)
        for d in ("benign", "malignant")
    }
    means = {
        d: statistics.fmean(float(r["radius_mean"]) for r in data if r["diagnosis"] == d)
        for d in ("benign", "malignant")
    }
    assert lab0.median_radius(pd.Series(medians)).passed
    assert lab0.median_radius(pd.DataFrame({"radius_mean": medians})).passed
    assert "means" in lab0.median_radius(pd.Series(means)).message
    assert "Series" in lab0.median_radius(list(medians.values())).message
    assert "index" in lab0.median_radius(pd.Series({"B": 1.0, "M": 2.0})).message


def test_histogram(lenient):
    fig, ax = plt.subplots()
    assert "x-axis label" in lab0.histogram(ax).message
    ax.set_xlabel("radius")
    ax.set_ylabel("count")
    ax.set_title("t")
    assert "ax.hist" in lab0.histogram(ax).message
    ax.hist([1, 2, 3], label="benign")
    ax.hist([4, 5, 6], label="malignant")
    assert "legend" in lab0.histogram(ax).message
    ax.legend()
    assert lab0.histogram(ax).passed
    assert not lab0.histogram(fig).passed
    plt.close(fig)


def test_environment_passes_here(lenient):
    assert lab0.environment().passed


def test_environment_reports_a_broken_dataset(lenient, data_copy, monkeypatch):
    (data_copy / "wdbc_breast_cytology.csv").write_text("broken\n")
    monkeypatch.setenv("LABKIT_DATA_DIR", str(data_copy))
    result = lab0.environment()
    assert not result.passed and "SHA-256 does not match" in result.message


def test_environment_reads_the_labs_pins(lenient, capsys):
    """The tested versions come from requirements-labs.txt (in the repository and in
    the learner kit), read here independently."""
    assert lab0.REQUIREMENTS == ROOT / "requirements-labs.txt"
    expected = {}
    for line in lab0.REQUIREMENTS.read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("#")[0].strip().split("==")
            expected[name.lower()] = version
    assert lab0._pinned_versions() == expected
    lab0.environment()
    out = capsys.readouterr().out
    for name in lab0.LAB_PACKAGES:
        assert re.search(rf"^{re.escape(name)}\s+\S+\s+{re.escape(expected[name])}$", out, re.M)


def test_environment_names_the_labs_file_for_a_missing_package(lenient, monkeypatch):
    monkeypatch.setattr(lab0, "LAB_PACKAGES", (*lab0.LAB_PACKAGES, "no-such-package-xyz"))
    result = lab0.environment()
    assert not result.passed
    assert "no-such-package-xyz is not installed (pip install -r requirements-labs.txt)" in (
        result.message)


def test_environment_notes_untested_versions_but_passes(lenient, monkeypatch, tmp_path, capsys):
    req = tmp_path / "requirements-labs.txt"
    req.write_text("numpy==0.0.1  # older than anything installed\n-e .\n")
    monkeypatch.setattr(lab0, "REQUIREMENTS", req)
    monkeypatch.setattr(lab0, "MAX_TESTED_PYTHON", (3, 10))
    assert lab0.environment().passed
    out = capsys.readouterr().out
    assert "differs from the tested 0.0.1" in out
    assert "is newer than the tested 3.11-3.10" in out
    monkeypatch.setattr(lab0, "REQUIREMENTS", tmp_path / "absent.txt")  # e.g. on Colab
    assert lab0.environment().passed


@pytest.mark.parametrize("digits", [2, 3, 4])
def test_prevalence_rounded_as_printed_passes(lenient, digits):
    data = raw()
    n = len(data)
    share = sum(r["diagnosis"] == "malignant" for r in data) / n
    assert lab0.prevalence(n, round(share, digits)).passed


def test_median_radius_rounded_as_printed_passes(lenient):
    data = raw()
    medians = {d: round(statistics.median(float(r["radius_mean"]) for r in data
                                          if r["diagnosis"] == d), 2)
               for d in ("benign", "malignant")}
    assert lab0.median_radius(pd.Series(medians)).passed
