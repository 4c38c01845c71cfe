"""Privacy guard: no shipped dataset contains a direct identifier.

Policy (datasets/README.md): no names, record numbers, phone numbers, e-mail or
postal addresses, full dates of birth or of service. Text columns must be
closed categories declared in the schema, so free text (where names and
addresses hide) cannot ship at all."""

import re
from pathlib import Path

import pytest

from labkit import datasets

ROOT = Path(__file__).resolve().parents[1]
CSVS = sorted((ROOT / "datasets").glob("*.csv"))
IDENTIFIER_COLUMN = re.compile(
    r"name|mrn|record_?n|ssn|social|phone|email|e_mail|address|street|zip|postcode|birth|dob"
    r"|date", re.I)
PATTERNS = {
    "e-mail address": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    "phone number": re.compile(r"\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b"),
    "social security number": re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
    "full date": re.compile(r"\b(19|20)\d{2}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/(19|20)?\d{2}\b"),
    "street address": re.compile(
        r"\b\d+ [A-Z][a-z]+ (Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard)\b"),
    "record number": re.compile(r"\bMRN\b|\b[A-Z]{1,3}\d{6,10}\b"),
}
#: Integer keys allowed, and only in synthetic data, where they mean nothing outside the file.
SYNTHETIC_KEYS = {"admission_id", "patient_key", "learner_id", "item_id"}


def problems(path: Path, columns: dict[str, str] | None = None) -> list[str]:
    """Everything in ``path`` that looks like a direct identifier."""
    found = []
    text = path.read_text(encoding="utf-8")
    header = text.split("\n", 1)[0].split(",")
    for col in header:
        if IDENTIFIER_COLUMN.search(col):
            found.append(f"column {col!r} is named like an identifier")
    for what, pattern in PATTERNS.items():
        match = pattern.search(text)
        if match:
            found.append(f"{what}: {match.group(0)!r}")
    if columns is not None:
        for col in header:
            if col not in columns:
                found.append(f"column {col!r} is not in the schema")
            elif columns[col] not in ("int", "float", "category"):
                found.append(f"column {col!r} is free text")
    return found


@pytest.mark.parametrize("path", CSVS, ids=lambda p: p.name)
def test_no_direct_identifiers(path):
    spec = next(c for c in datasets.CARDS.values() if c.file == path.name)
    assert problems(path, {c.name: c.kind for c in spec.columns}) == []
    keys = {c.name for c in spec.columns if c.name.endswith(("_id", "_key"))}
    assert keys <= (SYNTHETIC_KEYS if spec.synthetic else set()), keys


def test_guard_catches_planted_identifiers(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("patient_name,age,phone\nJane Roe,54,555-867-5309\n"
                   "x,1,jane@example.org\n2,1985-04-12,MRN\n12 Elm Street,3,A12345678\n")
    found = " ".join(problems(bad))
    for what in ("patient_name", "phone", "e-mail", "full date", "street address",
                 "record number"):
        assert what in found, what
    assert "free text" in " ".join(problems(bad, {"patient_name": "text", "age": "int",
                                                  "phone": "text"}))
