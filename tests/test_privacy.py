"""Privacy guard: no shipped dataset contains a direct identifier.

Policy (datasets/README.md): no names, record numbers, phone numbers, e-mail or
postal addresses, full dates of birth or of service. Text columns must be
closed categories declared in the schema, so free text (where names and
addresses hide) cannot ship at all."""

import re
from pathlib import Path

import pandas as pd
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
SYNTHETIC_KEYS = {"admission_id", "patient_key", "learner_id", "item_id", "question_id"}
#: Synthetic stand-ins for a hospital extract's patient id and date, allowed in the audit
#: example only (it must look like a real extract; datasets/synthetic_predictions.md). Every
#: value must have exactly its synthetic form; the rest of the file is checked as usual.
SYNTHETIC_STAND_INS = {
    "synthetic_predictions.csv": {"patient_id": r"P\d{6}",
                                  "admission_date": r"20(19|2[0-4])-\d{2}-\d{2}"},
}


def problems(path: Path, columns: dict[str, str] | None = None) -> list[str]:
    """Everything in ``path`` that looks like a direct identifier."""
    found = []
    text = path.read_text(encoding="utf-8")
    header = text.split("\n", 1)[0].split(",")
    stand_ins = SYNTHETIC_STAND_INS.get(path.name, {})
    if stand_ins:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for col, form in stand_ins.items():
            if col not in frame:
                found.append(f"stand-in column {col!r} is missing")
                continue
            odd = frame.loc[~frame[col].str.fullmatch(form), col]
            if len(odd):
                found.append(f"column {col!r} holds {odd.iloc[0]!r}, not its synthetic form")
        text = frame.drop(columns=[c for c in stand_ins if c in frame]).to_csv(index=False)
        header = [col for col in header if col not in stand_ins]
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
    stand_ins = set(SYNTHETIC_STAND_INS.get(path.name, ()))
    assert keys <= (SYNTHETIC_KEYS | stand_ins if spec.synthetic else set()), keys


def test_stand_ins_must_keep_their_synthetic_form(tmp_path):
    bad = tmp_path / "synthetic_predictions.csv"
    bad.write_text("patient_id,admission_date,x\nP000001,2019-01-02,1\n"
                   "MRN123456,2021-03-04,1\nP000003,1985-04-12,555-867-5309\n")
    found = " ".join(problems(bad))
    assert "column 'patient_id' holds 'MRN123456'" in found
    assert "column 'admission_date' holds '1985-04-12'" in found
    assert "phone number" in found  # the other columns are checked as usual


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
