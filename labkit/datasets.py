"""Load the kit's shipped datasets, verified and validated, with no network.

Every dataset lives in ``datasets/`` as a CSV with a datasheet beside it and
its SHA-256 in ``datasets/SHA256SUMS``. :func:`load` checks the checksum,
then the schema (columns, types, missing values, ranges, allowed values, row
count), and raises a one-line error naming the file and the column or row at
fault. Nothing is ever downloaded.

Every file has a version: :func:`versions` reads them from ``SHA256SUMS`` and
:func:`version_history` reads a datasheet's ``## Versions`` table (what changed
in each version and which lab numbers moved).

>>> from labkit import datasets
>>> df = datasets.load_wdbc()
>>> df.shape
(569, 31)
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "Column",
    "DatasetCard",
    "CARDS",
    "data_dir",
    "card",
    "load",
    "load_wdbc",
    "load_admissions",
    "load_admissions_truth",
    "load_claims",
    "load_predictions",
    "load_prepost_scores",
    "load_chatbot_answers",
    "verify",
    "verify_all",
    "DataVersion",
    "versions",
    "version_history",
    "VENDOR_MODEL",
    "vendor_model_path",
    "vendor_model_documented_types",
    "marketing_sheet",
]

#: Environment variable that points the loaders at another ``datasets/`` folder.
DATA_DIR_ENV = "LABKIT_DATA_DIR"


@dataclass(frozen=True)
class Column:
    """One column of a dataset's schema.

    A ``"date"`` column holds ISO dates (YYYY-MM-DD); its ``min`` and ``max`` are years.
    """

    name: str
    kind: Literal["float", "int", "category", "date"]
    description: str
    unit: str = ""
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] | None = None
    nullable: bool = False


@dataclass(frozen=True)
class DatasetCard:
    """What a learner needs to know about a dataset before using it."""

    name: str
    file: str
    title: str
    synthetic: bool
    description: str
    source: str
    licence: str
    citation: str
    target: str
    n_rows: int
    columns: tuple[Column, ...] = field(repr=False)
    limitations: tuple[str, ...] = field(default=(), repr=False)

    @property
    def datasheet(self) -> str:
        """File name of the datasheet beside the CSV."""
        return Path(self.file).stem + ".md"

    def _repr_markdown_(self) -> str:
        kind = "**Synthetic** data" if self.synthetic else "Real, de-identified data"
        lines = [
            f"**{self.title}** (`{self.name}`): {kind}, {self.n_rows:,} rows, "
            f"{len(self.columns)} columns; outcome column `{self.target}`.",
            "",
            self.description,
            "",
            f"*Source:* {self.source}  ",
            f"*Licence:* {self.licence}  ",
            f"*Cite:* {self.citation}",
        ]
        if self.limitations:
            lines += ["", "*Limitations you must keep in mind:*"]
            lines += [f"- {item}" for item in self.limitations]
        return "\n".join(lines)


def _wdbc_columns() -> tuple[Column, ...]:
    # (feature, description, upper bound). Bounds are loose plausibility limits
    # for each nuclear measurement, not reference ranges.
    features = [
        ("radius", "mean distance from the centre to points on the perimeter", 50),
        ("texture", "standard deviation of grey-scale values", 60),
        ("perimeter", "nuclear perimeter", 300),
        ("area", "nuclear area", 5000),
        ("smoothness", "local variation in radius lengths", 1),
        ("compactness", "perimeter squared / area - 1.0", 2),
        ("concavity", "severity of concave portions of the contour", 2),
        ("concave_points", "number of concave portions of the contour", 1),
        ("symmetry", "nuclear symmetry", 1),
        ("fractal_dimension", "'coastline approximation' - 1", 1),
    ]
    stats = [
        ("mean", "mean over the nuclei in the image"),
        ("se", "standard error over the nuclei in the image"),
        ("worst", "mean of the three largest values in the image"),
    ]
    cols = [
        Column(
            "diagnosis",
            "category",
            "histopathological diagnosis of the breast mass",
            allowed=("benign", "malignant"),
        )
    ]
    for stat, stat_text in stats:
        for feat, text, upper in features:
            cols.append(
                Column(f"{feat}_{stat}", "float", f"{text}; {stat_text}", min=0.0, max=upper)
            )
    return tuple(cols)


def _admissions_columns() -> tuple[Column, ...]:
    from labkit.synthetic import CONDITIONS, DISPOSITIONS, PAYERS, RACES

    c = Column
    flags = [c(name, "int", f"{name.replace('_', ' ')} recorded before admission", min=0, max=1)
             for name, *_rest, shown in CONDITIONS if shown]
    return (
        c("admission_id", "int", "row key of this admission (synthetic)", min=1),
        c("patient_key", "int", "synthetic patient key: same key, same patient", min=1),
        c("admit_year", "int", "calendar year of admission", min=2019, max=2024),
        c("admit_quarter", "int", "quarter of the year of admission", min=1, max=4),
        c("age", "int", "age at admission", "years", 18, 100),
        c("sex", "category", "sex recorded in the record", allowed=("female", "male")),
        c("race_ethnicity", "category", "race and ethnicity as recorded", allowed=RACES),
        c("payer", "category", "primary payer", allowed=PAYERS),
        c("adi_percentile", "int", "Area Deprivation Index, national percentile of home area",
          "percentile", 1, 100),
        c("emergency_admission", "int", "1 if admitted through the emergency department", min=0,
          max=1),
        *flags,
        c("n_chronic_conditions", "int", "number of active chronic conditions (of 10)", min=0,
          max=10),
        c("prior_admissions_12m", "int", "admissions in the previous 12 months", min=0, max=30),
        c("ed_visits_12m", "int", "emergency visits in the previous 12 months", min=0, max=40),
        c("heart_rate", "int", "first heart rate", "beats/min", 30, 220),
        c("systolic_bp", "int", "first systolic blood pressure", "mmHg", 50, 260),
        c("resp_rate", "int", "first respiratory rate", "breaths/min", 5, 60),
        c("temperature_c", "float", "first temperature", "degrees C", 33, 43),
        c("spo2", "int", "first pulse-oximetry saturation (SpO2)", "%", 50, 100),
        c("creatinine_mg_dl", "float", "first serum creatinine", "mg/dL", 0.1, 20),
        c("sodium_mmol_l", "int", "first serum sodium", "mmol/L", 100, 180),
        c("hemoglobin_g_dl", "float", "first haemoglobin", "g/dL", 2, 22),
        c("wbc_10e9_l", "float", "first white cell count", "10^9/L", 0.1, 100),
        c("lactate_mmol_l", "float", "first lactate, if measured", "mmol/L", 0.1, 30,
          nullable=True),
        c("hba1c_last_year_pct", "float", "most recent HbA1c in the past year, if any", "%", 3,
          20, nullable=True),
        c("length_of_stay_days", "int", "length of stay (known at discharge)", "days", 1, 365),
        c("cost_of_stay_usd", "int", "cost of this stay (known after discharge)", "USD", 0,
          2_000_000),
        c("discharge_disposition", "category", "where the patient went (known at discharge)",
          allowed=DISPOSITIONS),
        c("deterioration", "int", "ICU transfer or death during the stay", min=0, max=1),
        c("died_in_hospital", "int", "death during the stay", min=0, max=1),
        c("readmitted_30d", "int", "unplanned readmission within 30 days; empty if the patient "
          "died or went to hospice", min=0, max=1, nullable=True),
        c("cost_next_year_usd", "int", "health spending in the next 12 months; empty if the "
          "patient died", "USD", 0, 5_000_000, nullable=True),
    )


def _truth_columns() -> tuple[Column, ...]:
    c = Column
    return (
        c("admission_id", "int", "row key, as in synthetic_admissions.csv", min=1),
        c("sao2_true", "float", "true arterial oxygen saturation (SaO2)", "%", 50, 100),
        c("respiratory_compromise", "int", "1 if in the group that would get an arterial gas",
          min=0, max=1),
        c("occult_hypoxemia", "int", "SaO2 < 88% while SpO2 reads 92-96%", min=0, max=1),
        c("lactate_true_mmol_l", "float", "lactate whether or not it was measured", "mmol/L",
          0.1, 30),
        c("hba1c_true_pct", "float", "HbA1c whether or not it was measured", "%", 3, 20),
        c("hba1c_missing_probability", "float", "probability the HbA1c was not recorded",
          min=0, max=1),
        c("spending_access_multiplier", "float", "factor on next-year spending at equal need",
          min=0, max=2),
        c("after_shift", "int", "1 from 2023, after the case-mix and practice changes", min=0,
          max=1),
        c("acuity_latent", "float", "unobserved illness severity at admission", min=-10, max=10),
    )


def _claims_columns() -> tuple[Column, ...]:
    c = Column
    return (
        c("admission_id", "int", "row key, as in synthetic_admissions.csv", min=1),
        c("spending_prior_12m_usd", "int", "health spending in the 12 months before this "
          "admission, from the payer's claims", "USD", 0, 5_000_000),
    )


def _predictions_columns() -> tuple[Column, ...]:
    # Written out rather than imported (labkit.audit imports scipy); tests compare them.
    from labkit.synthetic import PAYERS, RACES, Parameters

    c = Column
    keys = tuple(f"P{key:06d}" for key in range(1, Parameters().n_patients + 1))
    return (
        c("patient_id", "category", "synthetic patient code, P + patient_key of "
          "synthetic_admissions.csv with six digits (no real patient)", allowed=keys),
        c("admission_date", "date", "date of the first admission: a synthetic day within the "
          "recorded quarter", min=2019, max=2024),
        c("age_band", "category", "age at admission, in the bands of labkit.audit.age_band",
          "years", allowed=("18-44", "45-64", "65-74", "75+")),
        c("sex", "category", "sex recorded in the record", allowed=("female", "male")),
        c("race_ethnicity", "category", "race and ethnicity as recorded (not used by the score)",
          allowed=RACES),
        c("payer", "category", "primary payer (not used by the score)", allowed=PAYERS),
        c("readmitted_30d", "int", "unplanned readmission within 30 days of discharge", min=0,
          max=1),
        c("predicted_risk", "float", "the vendor score's predicted probability of readmission",
          min=0, max=1),
    )


def _prepost_columns() -> tuple[Column, ...]:
    # Written out rather than imported from labkit.programme (which imports scipy), so
    # that loading any dataset stays light; load() checks the file against these values.
    c = Column
    return (
        c("learner_id", "int", "synthetic learner number, 1-30 (no real learner)", min=1,
          max=30),
        c("phase", "category", "which sitting of the test", allowed=("pre", "post")),
        c("item_id", "category", "test question",
          allowed=tuple(f"q{j:02d}" for j in range(1, 17))),
        c("score", "int", "1 if answered correctly, else 0", min=0, max=1),
        c("objective", "category", "learning objective the question assesses",
          allowed=("O1", "O2", "O3", "O4")),
    )


def _chatbot_columns() -> tuple[Column, ...]:
    # The questions and answers are closed categories: every text the file may hold is
    # written in labkit.chatbot_items, so no free text can ship (tests/test_privacy.py).
    from labkit.chatbot_items import ERROR_CLASSES, ITEMS, TOPICS, VERSIONS

    c = Column
    answers = tuple(dict.fromkeys(a.text for item in ITEMS for a in (item.v1, item.v2)))
    return (
        c("question_id", "int", "question number (synthetic; the same in both versions)",
          min=1, max=len(ITEMS)),
        c("topic", "category", "clinical area of the question", allowed=TOPICS),
        c("question", "category", "the clinical question put to the chatbot",
          allowed=tuple(item.question for item in ITEMS)),
        c("version", "category", "the FICTIONAL chatbot's version", allowed=VERSIONS),
        c("answer", "category", "the chatbot's answer (hand-written for the kit)",
          allowed=answers),
        c("rater_1", "int", "clinician rater 1's independent verdict: 1 acceptable, 0 not",
          min=0, max=1),
        c("rater_2", "int", "clinician rater 2's independent verdict: 1 acceptable, 0 not",
          min=0, max=1),
        c("error_class", "category", "adjudicated error class of the answer (the reference "
          "standard)", allowed=ERROR_CLASSES),
    )


SYNTHETIC_NOTE = "Synthetic: made by a seeded generator; no real patient is in it."

CARDS: dict[str, DatasetCard] = {
    "wdbc": DatasetCard(
        name="wdbc",
        file="wdbc_breast_cytology.csv",
        title="Wisconsin Diagnostic Breast Cancer (breast fine-needle aspirate cytology)",
        synthetic=False,
        description=(
            "569 fine-needle aspirates of breast masses collected by one clinician at the "
            "University of Wisconsin Hospitals (donated 1995). Thirty features describe the "
            "cell nuclei seen in a digitised image of each aspirate; the outcome is the "
            "diagnosis, benign or malignant."
        ),
        source=(
            "UCI Machine Learning Repository, doi:10.24432/C5DW2B (Wolberg, Mangasarian, "
            "Street, Street 1995), as shipped inside scikit-learn"
        ),
        licence="CC BY 4.0",
        citation=(
            "Street WN, Wolberg WH, Mangasarian OL. Nuclear feature extraction for breast "
            "tumor diagnosis. Proc SPIE 1905:861-870, 1993"
        ),
        target="diagnosis",
        n_rows=569,
        columns=_wdbc_columns(),
        limitations=(
            "A case series from one centre: its share of malignant masses (37%) reflects "
            "who was aspirated there, not the mix of patients in another clinic.",
            "One centre, one operator, one imaging set-up; no age, sex or ethnicity, so "
            "subgroup performance cannot be checked.",
            "Features come from images a human first outlined; they are not raw pixels.",
        ),
    ),
    "admissions": DatasetCard(
        name="admissions",
        file="synthetic_admissions.csv",
        title="SYNTHETIC adult hospital admissions, 2019-2024",
        synthetic=True,
        description=(
            SYNTHETIC_NOTE + " About 21,000 adult admissions of 16,000 patients to one "
            "imaginary US hospital: demographics, area deprivation, comorbidities, first vital "
            "signs and laboratory values, prior use, length of stay, cost, and outcomes "
            "(deterioration, in-hospital death, 30-day readmission, next-year spending). "
            "Known biases are built in on purpose; the datasheet gives each one's size and "
            "source."
        ),
        source="labkit.synthetic.generate(), seed 20190101 (datasets/generate.py)",
        licence="CC0 1.0 (synthetic; no rights reserved)",
        citation="The open lab kit for health-AI education, synthetic admissions cohort v1",
        target="readmitted_30d",
        n_rows=21134,
        columns=_admissions_columns(),
        limitations=(
            "Synthetic: relationships are the generator's, chosen to teach; never use it "
            "to learn about real patients.",
            "Some columns are known only after the moment of prediction (length of stay, "
            "cost, discharge disposition): using them as features is leakage.",
            "Built-in biases (cost as a proxy for need, pulse-oximetry error, missing tests, "
            "a small group, a 2023 shift) are documented in the datasheet.",
        ),
    ),
    "admissions_truth": DatasetCard(
        name="admissions_truth",
        file="synthetic_admissions_truth.csv",
        title="SYNTHETIC admissions: ground truth behind the recorded values",
        synthetic=True,
        description=(
            SYNTHETIC_NOTE + " One row per admission of synthetic_admissions.csv (join on "
            "admission_id): the true arterial saturation, values that were not measured, "
            "each row's missingness probability and spending multiplier, and the shift flag. "
            "A hospital never has this file; the labs use it to reveal what bias hid."
        ),
        source="labkit.synthetic.generate(), seed 20190101 (datasets/generate.py)",
        licence="CC0 1.0 (synthetic; no rights reserved)",
        citation="The open lab kit for health-AI education, synthetic admissions cohort v1",
        target="occult_hypoxemia",
        n_rows=21134,
        columns=_truth_columns(),
        limitations=("Known only because the data are synthetic.",),
    ),
    "claims": DatasetCard(
        name="claims",
        file="synthetic_claims.csv",
        title="SYNTHETIC payer claims: spending before each admission",
        synthetic=True,
        description=(
            SYNTHETIC_NOTE + " One row per admission of synthetic_admissions.csv (join on "
            "admission_id): the patient's health spending in the 12 months before the "
            "admission, as an insurer's claims would show it. A hospital's record does not "
            "hold it; a care-management algorithm run on claims does (Lab 5)."
        ),
        source="labkit.synthetic.claims(), seed 20190101 (datasets/generate.py)",
        licence="CC0 1.0 (synthetic; no rights reserved)",
        citation="The open lab kit for health-AI education, synthetic admissions cohort v1",
        target="spending_prior_12m_usd",
        n_rows=21134,
        columns=_claims_columns(),
        limitations=(
            "Synthetic: past spending follows the same rule as next-year spending, with "
            "the same access gap at equal need; see the datasheet.",
            "Drawn per admission: the windows of two admissions of one patient may overlap "
            "without matching each other.",
        ),
    ),
    "predictions": DatasetCard(
        name="predictions",
        file="synthetic_predictions.csv",
        title="SYNTHETIC predictions of a fictional vendor's readmission score",
        synthetic=True,
        description=(
            SYNTHETIC_NOTE + " One row per patient of synthetic_admissions.csv, from the "
            "patient's first admission: the observed 30-day readmission and the predicted "
            "risk from a FICTIONAL vendor's logistic score with fixed coefficients developed "
            "elsewhere, with age band, sex, race and ethnicity, payer and a date. The example "
            "for auditing a deployed model on your own patients (labkit audit)."
        ),
        source=("labkit.synthetic.vendor_predictions() on the admissions of seed 20190101 "
                "(datasets/generate.py)"),
        licence="CC0 1.0 (synthetic; no rights reserved)",
        citation="The open lab kit for health-AI education, synthetic admissions cohort v1",
        target="readmitted_30d",
        n_rows=14918,
        columns=_predictions_columns(),
        limitations=(
            "Synthetic, and the vendor is fictional: the score's coefficients were chosen by "
            "hand to teach an audit; they describe no real product.",
            "Patients whose first admission ended in death or hospice have no 30-day "
            "readmission to predict and are not in the file (see the datasheet).",
            "The day of admission is synthetic: the cohort records only the year and quarter.",
        ),
    ),
    "chatbot_answers": DatasetCard(
        name="chatbot_answers",
        file="synthetic_chatbot_answers.csv",
        title="SYNTHETIC answers of a fictional clinical chatbot, rated by two clinicians",
        synthetic=True,
        description=(
            "Synthetic: written for the kit; no real chatbot, rater or patient is in it. "
            "Seventy clinical questions on stable, well-established facts, each answered by a "
            "FICTIONAL chatbot in two versions (v1 and v2): one row per question and version "
            "with the answer, two clinicians' independent verdicts (acceptable or not, drawn "
            "by a seeded mechanism) and the adjudicated error class (none, omission, "
            "fabrication, outdated, unsafe). For Lab 11, evaluating a generative-AI tool."
        ),
        source=("labkit.chatbot_items (hand-written) and labkit.synthetic.chatbot_answers(), "
                "seed 1408 (datasets/generate.py)"),
        licence="CC0 1.0 (synthetic; no rights reserved)",
        citation="The open lab kit for health-AI education, synthetic chatbot answers v1",
        target="error_class",
        n_rows=140,
        columns=_chatbot_columns(),
        limitations=(
            "Synthetic: the answers were written to show each kind of error clearly, and the "
            "error rates are the authors' choice; they describe no real product.",
            "The raters' verdicts are drawn at random with rates set by hand (see the "
            "datasheet), not collected from clinicians.",
            "Seventy questions of fact are a benchmark, not a workflow: the file says nothing "
            "about how the tool would behave with real patients and real staff.",
        ),
    ),
    "prepost_scores": DatasetCard(
        name="prepost_scores",
        file="prepost_scores_synthetic.csv",
        title="SYNTHETIC pre/post knowledge-test scores of a workshop",
        synthetic=True,
        description=(
            "Synthetic: made by a seeded generator; no real learner is in it. The same "
            "16-question test taken before and after a workshop by 30 imaginary learners, one "
            "row per learner, sitting and question (0/1 score), with the learning objective "
            "each question assesses. For teaching programme evaluation."
        ),
        source=("labkit.programme.synthetic_scores(), seed 20240615 (datasets/generate.py), a "
                "Rasch-type item-response model"),
        licence="CC0 1.0 (synthetic; no rights reserved)",
        citation="The open lab kit for health-AI education, synthetic pre/post scores v1",
        target="score",
        n_rows=960,
        columns=_prepost_columns(),
        limitations=(
            "Synthetic: the gains, item difficulties and the flawed items are the "
            "generator's, chosen to teach; they say nothing about any real course.",
            "Thirty learners: intervals are wide, as they are for most real workshops.",
        ),
    ),
}


def data_dir() -> Path:
    """The folder that holds the CSVs: ``$LABKIT_DATA_DIR`` or the repo's ``datasets/``.

    >>> data_dir().name
    'datasets'
    """
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / "datasets"


def _folder(folder: object) -> Path:
    """The data folder to read: ``folder`` if given, else :func:`data_dir`; it must exist."""
    if folder is None:
        path = data_dir()
        origin = f" (from ${DATA_DIR_ENV})" if os.environ.get(DATA_DIR_ENV) else ""
    elif isinstance(folder, str | os.PathLike):
        path = Path(folder).expanduser()
        origin = ""
    else:
        raise TypeError(f"folder must be a path (str or pathlib.Path), got "
                        f"{type(folder).__name__} {folder!r}")
    if not path.is_dir():
        what = "is a file, not a folder" if path.exists() else "folder not found"
        raise FileNotFoundError(f"{path}: data {what}{origin}")
    return path


def card(name: str) -> DatasetCard:
    """The dataset card for ``name``.

    >>> card("wdbc").n_rows
    569
    """
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a string such as 'wdbc', got "
                        f"{type(name).__name__} {name!r}")
    try:
        return CARDS[name]
    except KeyError:
        known = ", ".join(sorted(CARDS))
        raise ValueError(f"unknown dataset {name!r}; known datasets: {known}") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: The one comment ``SHA256SUMS`` allows, directly above the file's checksum line
#: (``sha256sum -c`` skips it).
VERSION_COMMENT = "# <file> version <MAJOR>.<MINOR>.<PATCH>"
_SEMVER = r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)"
_VERSION_LINE = re.compile(rf"# (\S+) version ({_SEMVER})")


def _expected_checksums(folder: Path) -> dict[str, str]:
    return _read_sums(folder)[0]


def _read_sums(folder: Path) -> tuple[dict[str, str], dict[str, str], dict[str, int]]:
    """``SHA256SUMS`` as {file: sha256}, {file: version} and {file: line of its checksum}.

    A line is ``<sha256>  <file>`` or, directly above that line, the version comment
    ``# <file> version X.Y.Z``; any other comment is refused, so the format stays strict.
    """
    sums = folder / "SHA256SUMS"
    if not sums.is_file():
        raise FileNotFoundError(f"{sums}: checksum list not found")
    expected: dict[str, str] = {}
    found: dict[str, str] = {}
    where: dict[str, int] = {}
    hex_digits = set("0123456789abcdefABCDEF")
    try:
        text = sums.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{sums}: not a text file of '<sha256>  <file>' lines") from None
    pending: tuple[int, str, str] | None = None  # a version comment awaiting its checksum
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            match = _VERSION_LINE.fullmatch(line.rstrip())
            if match is None:
                raise ValueError(f"{sums}: line {number} is not a version comment "
                                 f"'{VERSION_COMMENT}' (no other comment is allowed): "
                                 f"{line[:60]!r}")
            if pending is not None:
                break  # two comments in a row: reported below
            pending = (number, match[1], match[2])
            continue
        if not line.strip():
            if pending is not None:
                break
            continue
        parts = line.split()
        if len(parts) != 2 or len(parts[0]) != 64 or not set(parts[0]) <= hex_digits:
            raise ValueError(f"{sums}: line {number} is not '<sha256>  <file>'")
        name, digest = parts[1].lstrip("*"), parts[0].lower()
        if expected.get(name, digest) != digest:
            raise ValueError(f"{sums}: line {number} gives a second, different checksum "
                             f"for {name}")
        expected[name] = digest
        where.setdefault(name, number)
        if pending is not None:
            if pending[1] != name:
                break
            if found.get(name, pending[2]) != pending[2]:
                raise ValueError(f"{sums}: line {pending[0]} gives a second, different "
                                 f"version for {name}")
            found[name] = pending[2]
            pending = None
    if pending is not None:
        raise ValueError(f"{sums}: line {pending[0]}: the version comment for {pending[1]} "
                         f"is not directly above the checksum line of {pending[1]}")
    return expected, found, where


def versions(folder: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Each shipped file's version, {file: "MAJOR.MINOR.PATCH"}, from ``SHA256SUMS``.

    A file gets a new version whenever its bytes change: MAJOR when its columns or
    their meaning change (loaders or labs must change), MINOR when values change
    under the same columns (numbers in the labs move). Its datasheet's
    ``## Versions`` table says what changed and which lab numbers moved
    (:func:`version_history`). Raises ``ValueError`` naming the line of a checksum
    without a version comment above it.

    >>> versions()["wdbc_breast_cytology.csv"]
    '1.0.0'
    """
    base = _folder(folder)
    checksums, found, where = _read_sums(base)
    for name in checksums:
        if name not in found:
            raise ValueError(f"{base / 'SHA256SUMS'}: line {where[name]}: the checksum of "
                             f"{name} has no version comment '# {name} version "
                             "<MAJOR>.<MINOR>.<PATCH>' above it")
    return dict(sorted(found.items()))


#: The columns of a datasheet's ``## Versions`` table, in order.
VERSION_COLUMNS = ("Version", "Date", "SHA-256", "What changed", "Lab numbers that moved")
VERSIONS_HEADING = "## Versions"


@dataclass(frozen=True)
class DataVersion:
    """One row of a datasheet's ``## Versions`` table (oldest first)."""

    version: str
    date: datetime.date
    sha256: str  # the file's first 12 hexadecimal digits
    changed: str
    moved: str
    line: int  # the row's line in the datasheet

    @property
    def number(self) -> tuple[int, int, int]:
        """The version as (MAJOR, MINOR, PATCH), for comparing versions."""
        major, minor, patch = (int(part) for part in self.version.split("."))
        return major, minor, patch


def version_history(file: str, *, folder: str | os.PathLike[str] | None = None
                    ) -> list[DataVersion]:
    """The ``## Versions`` table of a shipped file's datasheet, oldest row first.

    ``file`` is a file in ``SHA256SUMS`` (or a dataset name such as ``"claims"``);
    its datasheet is the ``.md`` of the same stem. The table's columns are
    :data:`VERSION_COLUMNS`; each version is MAJOR.MINOR.PATCH, greater than the
    row above, dated no earlier, with a SHA-256 (12 hexadecimal digits in
    backticks) that no other row has. Raises ``ValueError`` naming the datasheet
    and the line at fault.

    >>> first = version_history("wdbc_breast_cytology.csv")[0]
    >>> first.version, str(first.date), first.moved
    ('1.0.0', '2026-11-26', 'none (first version)')
    """
    if not isinstance(file, str):
        raise TypeError(f"file must be a string such as 'synthetic_claims.csv', got "
                        f"{type(file).__name__} {file!r}")
    if file in CARDS:
        file = CARDS[file].file
    path = _folder(folder) / (Path(file).stem + ".md")
    lines = _shipped_text(path, f"the datasheet of {file}").splitlines()
    if VERSIONS_HEADING not in lines:
        raise ValueError(f"{path}: no section {VERSIONS_HEADING!r}")
    start = lines.index(VERSIONS_HEADING) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("# ")
                or lines[i].startswith("## ")), len(lines))
    table = [i for i in range(start, end) if lines[i].startswith("|")]
    if not table:
        raise ValueError(f"{path}: section {VERSIONS_HEADING!r} has no table")
    if table != list(range(table[0], table[-1] + 1)):
        raise ValueError(f"{path}: line {table[0] + 1}: section {VERSIONS_HEADING!r} must "
                         "hold one table, its lines together")

    def cells(i: int) -> list[str]:
        text = lines[i].strip()
        if not text.endswith("|") or len(text) < 2:
            raise ValueError(f"{path}: line {i + 1}: a table row starts and ends with '|'")
        return [cell.strip() for cell in text[1:-1].split("|")]

    if tuple(cells(table[0])) != VERSION_COLUMNS:
        raise ValueError(f"{path}: line {table[0] + 1}: the Versions table's header must be "
                         f"| {' | '.join(VERSION_COLUMNS)} |")
    if len(table) < 2 or not all(re.fullmatch(r":?-{3,}:?", c) for c in cells(table[1])) \
            or len(cells(table[1])) != len(VERSION_COLUMNS):
        raise ValueError(f"{path}: line {table[0] + 2}: expected the table's separator row "
                         "| --- | --- | --- | --- | --- |")
    if len(table) == 2:
        raise ValueError(f"{path}: line {table[1] + 1}: the Versions table has no rows")
    rows: list[DataVersion] = []
    for i in table[2:]:
        n = i + 1
        row = cells(i)
        if len(row) != len(VERSION_COLUMNS):
            raise ValueError(f"{path}: line {n}: {len(row)} cells, expected "
                             f"{len(VERSION_COLUMNS)} ({', '.join(VERSION_COLUMNS)})")
        version, day, digest, changed, moved = row
        if not re.fullmatch(_SEMVER, version):
            raise ValueError(f"{path}: line {n}: version {version!r} is not "
                             "MAJOR.MINOR.PATCH (such as 1.2.0)")
        try:
            when = datetime.date.fromisoformat(day)
        except ValueError:
            when = None
        if when is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            raise ValueError(f"{path}: line {n}: date {day!r} is not a date (YYYY-MM-DD)")
        if not re.fullmatch(r"`[0-9a-f]{12}`", digest):
            raise ValueError(f"{path}: line {n}: SHA-256 {digest!r} is not the first 12 "
                             "hexadecimal digits in backticks")
        if not changed or not moved:
            raise ValueError(f"{path}: line {n}: say what changed and which lab numbers "
                             "moved ('none' if none did)")
        entry = DataVersion(version, when, digest.strip("`"), changed, moved, n)
        if rows and entry.number <= rows[-1].number:
            raise ValueError(f"{path}: line {n}: version {version} does not follow "
                             f"{rows[-1].version}: versions must increase down the table "
                             "(newest row last)")
        if rows and entry.date < rows[-1].date:
            raise ValueError(f"{path}: line {n}: date {day} is earlier than the row above's "
                             f"({rows[-1].date}): the newest row goes last")
        same = next((r for r in rows if r.sha256 == entry.sha256), None)
        if same is not None:
            raise ValueError(f"{path}: line {n}: SHA-256 {entry.sha256} is already version "
                             f"{same.version}'s (line {same.line}): each version has its own")
        rows.append(entry)
    return rows


def _check_file(spec: DatasetCard, folder: Path) -> Path:
    path = folder / spec.file
    if path.is_dir():
        raise ValueError(f"{path}: is a folder, not the dataset file")
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: dataset file not found (restore it with 'git checkout -- datasets/')"
        )
    expected = _expected_checksums(folder).get(spec.file)
    if expected is None:
        raise ValueError(f"{folder / 'SHA256SUMS'}: has no checksum for {spec.file}")
    if _sha256(path) != expected:
        raise ValueError(
            f"{path}: SHA-256 does not match SHA256SUMS - the file is truncated, "
            "corrupted or edited (restore it with 'git checkout -- datasets/')"
        )
    return path


def _shown(value: object) -> str:
    """A value as a learner would type it (``-3.5``, not ``np.float64(-3.5)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _allowed(values: tuple[str, ...]) -> str:
    """The allowed values for a message: all of a short list, the ends of a long one."""
    if len(values) <= 12:
        return str(list(values))
    return f"{values[0]!r}, {values[1]!r}, ... {values[-1]!r} ({len(values):,} values)"


def check_header(path: Path) -> None:
    """Refuse a header that pandas would silently repair (duplicate or blank names)."""
    with path.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh), [])
    seen: set[str] = set()
    for number, name in enumerate(header, start=1):
        if not name.strip():
            raise ValueError(f"{path}: column {number} of the header has no name")
        if name in seen:
            raise ValueError(f"{path}: column {name!r} appears more than once in the header")
        seen.add(name)


def _validate(df: pd.DataFrame, spec: DatasetCard, path: Path) -> None:
    names = [c.name for c in spec.columns]
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing column {missing[0]!r}")
    extra = [n for n in df.columns if n not in names]
    if extra:
        raise ValueError(f"{path}: unexpected column {extra[0]!r}")
    if list(df.columns) != names:
        raise ValueError(f"{path}: columns are out of order; expected {names}")
    if len(df) == 0:
        raise ValueError(f"{path}: has a header but no data rows; expected {spec.n_rows}")
    if len(df) != spec.n_rows:
        raise ValueError(f"{path}: has {len(df)} rows, expected {spec.n_rows}")
    for col in spec.columns:
        values = df[col.name]
        # Row numbers in messages are file line numbers (the header is line 1).
        if not col.nullable and values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0]) + 2
            raise ValueError(f"{path}: column {col.name!r} has a missing value at line {row}")
        if col.kind in ("float", "int"):
            if not pd.api.types.is_numeric_dtype(values):
                bad = pd.to_numeric(values, errors="coerce").isna() & values.notna()
                row = int(np.flatnonzero(bad.to_numpy())[0]) + 2 if bad.any() else 2
                raise ValueError(
                    f"{path}: column {col.name!r} should be numeric but line {row} "
                    f"holds {_shown(values.iloc[row - 2])}"
                )
            infinite = np.isinf(values.to_numpy(dtype="float64", na_value=np.nan))
            if infinite.any():
                i = int(np.argmax(infinite))
                raise ValueError(
                    f"{path}: column {col.name!r} value {_shown(values.iloc[i])} at line "
                    f"{i + 2} is not a finite number"
                )
            if col.kind == "int":
                fractional = (values.dropna() % 1 != 0).to_numpy()
                if fractional.any():
                    i = int(np.flatnonzero(values.notna().to_numpy())[np.argmax(fractional)])
                    raise ValueError(
                        f"{path}: column {col.name!r} value {_shown(values.iloc[i])} at line "
                        f"{i + 2} should be a whole number"
                    )
            low = values < col.min if col.min is not None else pd.Series(False, index=df.index)
            high = values > col.max if col.max is not None else pd.Series(False, index=df.index)
            out = (low | high).to_numpy()
            if out.any():
                i = int(np.flatnonzero(out)[0])
                raise ValueError(
                    f"{path}: column {col.name!r} value {_shown(values.iloc[i])} at line {i + 2} "
                    f"is outside [{col.min}, {col.max}]"
                )
        elif col.kind == "date":
            text = values.astype("string")
            parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
            bad = (parsed.isna() & values.notna()).to_numpy()
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise ValueError(
                    f"{path}: column {col.name!r} should be a date (YYYY-MM-DD) but line "
                    f"{i + 2} holds {_shown(values.iloc[i])}"
                )
            year = parsed.dt.year.to_numpy(dtype="float64", na_value=np.nan)
            out = np.zeros(len(df), dtype=bool)
            if col.min is not None:
                out |= year < col.min
            if col.max is not None:
                out |= year > col.max
            if out.any():
                i = int(np.flatnonzero(out)[0])
                raise ValueError(
                    f"{path}: column {col.name!r} value {_shown(values.iloc[i])} at line {i + 2} "
                    f"is outside the years {col.min}-{col.max}"
                )
        elif col.allowed is not None:
            bad = ~values.isin(col.allowed) & values.notna()
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise ValueError(
                    f"{path}: column {col.name!r} value {_shown(values.iloc[i])} at line {i + 2} "
                    f"is not one of {_allowed(col.allowed)}"
                )


def load(name: str, *, folder: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Load dataset ``name`` after verifying its checksum and schema.

    ``folder`` (default :func:`data_dir`) is the folder holding the CSVs and
    ``SHA256SUMS``. Raises ``FileNotFoundError`` or ``ValueError`` (``TypeError``
    for an argument of the wrong kind) with a one-line message that names the
    file and the column or line at fault.

    >>> load("wdbc")["diagnosis"].value_counts().to_dict()
    {'benign': 357, 'malignant': 212}
    """
    spec = card(name)
    path = _check_file(spec, _folder(folder))
    try:
        check_header(path)
        df = pd.read_csv(path, low_memory=False)  # one pass: no mixed-type chunks
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: file is empty (no header and no rows)") from None
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
        first = str(exc).strip().splitlines()[0]
        raise ValueError(f"{path}: not a readable CSV ({first})") from None
    _validate(df, spec, path)
    for col in spec.columns:
        if col.kind == "category":
            df[col.name] = pd.Categorical(df[col.name], categories=list(col.allowed or ()))
        elif col.kind == "int":
            df[col.name] = df[col.name].astype("Int64" if col.nullable else "int64")
        elif col.kind == "date":
            df[col.name] = pd.to_datetime(df[col.name], format="%Y-%m-%d")
    # The dataset's name, not its card: pandas deep-copies ``attrs`` into every frame
    # it derives, and copying the whole card made each column selection several times
    # slower (a third of a pipeline's prediction time). ``card(df.attrs["dataset"])``
    # gives the card.
    df.attrs["dataset"] = spec.name
    return df


def load_wdbc() -> pd.DataFrame:
    """Wisconsin Diagnostic Breast Cancer cytology (real, 569 rows).

    >>> load_wdbc()["diagnosis"].eq("malignant").mean().round(3)
    np.float64(0.373)
    """
    return load("wdbc")


def load_admissions() -> pd.DataFrame:
    """SYNTHETIC adult admissions 2019-2024 (what the hospital recorded).

    >>> df = load_admissions()
    >>> round(float(df["readmitted_30d"].mean()), 2)
    0.15
    """
    return load("admissions")


def load_admissions_truth() -> pd.DataFrame:
    """Ground truth for the SYNTHETIC admissions (join on ``admission_id``).

    >>> int(load_admissions_truth()["occult_hypoxemia"].sum()) > 0
    True
    """
    return load("admissions_truth")


def load_claims() -> pd.DataFrame:
    """SYNTHETIC payer claims: spending in the 12 months before each admission.

    >>> df = load_claims()
    >>> list(df.columns), bool(df["spending_prior_12m_usd"].gt(0).all())
    (['admission_id', 'spending_prior_12m_usd'], True)
    """
    return load("claims")


def load_predictions() -> pd.DataFrame:
    """SYNTHETIC predictions of a fictional vendor's readmission score, one row per patient.

    >>> df = load_predictions()
    >>> bool(df["predicted_risk"].mean() > df["readmitted_30d"].mean())  # it over-predicts
    True
    """
    return load("predictions")


def load_chatbot_answers() -> pd.DataFrame:
    """SYNTHETIC answers of a fictional chatbot (v1, v2) with two raters' verdicts.

    >>> df = load_chatbot_answers()
    >>> df.groupby("version", observed=True)["question_id"].nunique().to_dict()
    {'v1': 70, 'v2': 70}
    """
    return load("chatbot_answers")


def load_prepost_scores() -> pd.DataFrame:
    """SYNTHETIC pre/post knowledge-test scores (30 learners, 16 items, long format).

    >>> df = load_prepost_scores()
    >>> df.groupby("phase", observed=True)["learner_id"].nunique().to_dict()
    {'pre': 30, 'post': 30}
    """
    return load("prepost_scores")


def verify(name: str, *, folder: str | os.PathLike[str] | None = None) -> DatasetCard:
    """Load ``name`` fully and return its card; raises as :func:`load` does.

    >>> verify("wdbc").name
    'wdbc'
    """
    load(name, folder=folder)
    return card(name)


def verify_all(*, folder: str | os.PathLike[str] | None = None) -> list[DatasetCard]:
    """Verify every dataset in :data:`CARDS`; raises on the first bad one.

    >>> [c.name for c in verify_all()]
    ['admissions', 'admissions_truth', 'chatbot_answers', 'claims', 'predictions',
     'prepost_scores', 'wdbc']
    """
    return [verify(name, folder=folder) for name in sorted(CARDS)]


# --------------------------------------------------------------------------
# The FICTIONAL vendor's model and its marketing sheet (Lab 10): files, not tables

#: The FICTIONAL vendor's fitted readmission model, a skops file; its datasheet is
#: ``vendor_readmission_model.md`` and its checksum is in ``SHA256SUMS``.
VENDOR_MODEL = "vendor_readmission_model.skops"
#: The vendor's FICTIONAL marketing sheet, written for the kit.
MARKETING_SHEET = "vendor_marketing_sheet.md"
#: The datasheet heading under which the model's types are listed, one per line as
#: ``- `module.Type` ``.
TYPES_HEADING = "## Types the file needs"


def vendor_model_path(*, folder: str | os.PathLike[str] | None = None) -> Path:
    """The path of the FICTIONAL vendor's model file, after checking its SHA-256.

    It does not load the model: a model file can carry code, so the reader lists
    the types it holds (``skops.io.get_untrusted_types(file=path)``), compares
    them with the datasheet (:func:`vendor_model_documented_types`), and loads
    it with ``skops.io.load(path, trusted=[...])``.

    >>> vendor_model_path().name
    'vendor_readmission_model.skops'
    """
    base = _folder(folder)
    path = base / VENDOR_MODEL
    if path.is_dir():
        raise ValueError(f"{path}: is a folder, not the model file")
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: model file not found (restore it with 'git checkout -- datasets/')")
    expected = _expected_checksums(base).get(VENDOR_MODEL)
    if expected is None:
        raise ValueError(f"{base / 'SHA256SUMS'}: has no checksum for {VENDOR_MODEL}")
    if _sha256(path) != expected:
        raise ValueError(f"{path}: SHA-256 does not match SHA256SUMS - the file is truncated, "
                         "corrupted or replaced (restore it with 'git checkout -- datasets/')")
    return path


def vendor_model_documented_types(*, folder: str | os.PathLike[str] | None = None
                                  ) -> list[str]:
    """The types the model's datasheet says the file needs beyond skops's defaults.

    >>> vendor_model_documented_types()
    ['sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor']
    """
    path = _folder(folder) / (Path(VENDOR_MODEL).stem + ".md")
    text = _shipped_text(path, "the model's datasheet")
    if TYPES_HEADING not in text:
        raise ValueError(f"{path}: no section {TYPES_HEADING!r}")
    section = text.split(TYPES_HEADING, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"(?m)^- `([\w.]+)`", section)


def marketing_sheet(*, folder: str | os.PathLike[str] | None = None) -> str:
    """The FICTIONAL vendor's marketing sheet, as Markdown text (show it with
    ``IPython.display.Markdown``).

    >>> "FICTIONAL" in marketing_sheet()
    True
    """
    return _shipped_text(_folder(folder) / MARKETING_SHEET, "the marketing sheet")


def _shipped_text(path: Path, what: str) -> str:
    """The text of a shipped Markdown file, or one line saying which file is missing."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: {what} not found (restore it with "
                                "'git checkout -- datasets/')")
    return path.read_text(encoding="utf-8")
