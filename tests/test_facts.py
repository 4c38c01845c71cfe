"""Facts the book states that can be checked mechanically.

Dates are checked against the primary source the text cites (its BibTeX entry);
percentages are recomputed from the counts printed beside them, or from the
shipped data; wording errata that were corrected once are guarded so that they
cannot creep back into any page, lab or datasheet. No expected value here is
copied from a program's output: each is recomputed from the counts or the data.
"""

import re
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tools import prose_numbers

ROOT = Path(__file__).resolve().parents[1]
MONTHS = {m: i for i, m in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August",
     "September", "October", "November", "December"], start=1)}


def prose(path: Path) -> str:
    """The text of a page, lab source or datasheet as one line of words.

    In a lab source the markdown lives in comment lines, so the leading '# ' of
    each line is dropped before the lines are joined. Glue markers are dropped and
    their typed numbers kept, as a reader sees them.
    """
    text = prose_numbers.strip(path.read_text(encoding="utf-8"))
    if path.name == "errata.md":
        # The errata page quotes each corrected text as it was, on purpose (and
        # tests/test_errata.py checks those quotes); everything else on it is checked.
        text = re.sub(r"(?m)^What was wrong\n: .*$", "", text)
    if path.suffix == ".py":
        text = re.sub(r"(?m)^#\s?", "", text)
    return " ".join(text.split())


def prose_files() -> list[Path]:
    # The question bank is prose too: its stems and feedback state facts.
    files = [*ROOT.glob("book/*.md"), *ROOT.glob("labs/src/*.py"), *ROOT.glob("datasets/*.md"),
             *ROOT.glob("labkit/bank/[!_]*.yml")]
    assert len(files) > 20, "the page globs found too few files"
    return sorted(files)


def windows(text: str, needle: str, width: int) -> list[str]:
    """Every stretch of `width` characters either side of `needle` in `text`."""
    return [text[max(0, m.start() - width): m.end() + width]
            for m in re.finditer(re.escape(needle), text)]


def number(s: str) -> int:
    return int(s.replace(",", ""))


def parse_date(s: str) -> date:
    day, month, year = s.split()
    return date(int(year), MONTHS[month], int(day))


def bib_entries() -> dict[str, str]:
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    starts = list(re.finditer(r"(?m)^@\w+\{([^,]+),", text))
    return {m.group(1): text[m.start(): (starts[i + 1].start() if i + 1 < len(starts) else None)]
            for i, m in enumerate(starts)}


def page(name: str) -> str:
    return prose(ROOT / name)


# 1. HTI-1 took effect on 11 March 2024 (correction notice, 89 FR 8546), not 8 February 2024.

def test_no_page_gives_hti1_the_uncorrected_effective_date():
    wrong = re.compile(r"effective(?: date)?(?: of| on| was| is| as of)?\s+8 February 2024")
    offenders = [p.name for p in prose_files() if wrong.search(prose(p))]
    assert offenders == [], f"HTI-1 effective date given as 8 February 2024 in {offenders}"
    for path in prose_files():
        text = prose(path)
        for w in windows(text, "HTI-1", 400):
            if "effective" in w:
                assert "11 March 2024" in w, f"{path.name}: HTI-1 effective date lacks 11 March"


def test_the_correction_notice_is_cited_where_the_date_is_given():
    entry = bib_entries()["onc2024htionecorrection"]
    assert "11 March 2024" in entry and "8546" in entry and "url" in entry
    for name in ("book/ch10_regulation_policy.md", "book/ch09_patients_transparency.md"):
        text = page(name)
        assert "11 March 2024" in text and "onc2024htionecorrection" in text, name


# 2. Threshold odds pt/(1 - pt) are the harm:benefit ratio; (1 - pt)/pt false alarms per true case.

def test_chapter_3_threshold_example_is_consistent_arithmetic():
    text = page("book/ch03_evaluating_models.md")
    harm, benefit = map(int, re.search(r"harm:benefit = (\d+):(\d+)", text).groups())
    odds = re.search(r"threshold odds are (\d+)/(\d+)", text).groups()
    stated_pt = re.search(r"\$p_t\$ = 1/\(1 \+ \d+\) = (\d+)/(\d+) \(about ([\d.]+)%\)", text)
    accepted = int(re.search(r"you accept (\d+) false alarms per true alert", text).group(1))
    pt = Fraction(harm, harm + benefit)
    assert Fraction(*map(int, odds)) == pt / (1 - pt) == Fraction(harm, benefit)
    assert Fraction(int(stated_pt.group(1)), int(stated_pt.group(2))) == pt
    assert float(stated_pt.group(3)) == pytest.approx(100 * float(pt), abs=0.05)
    assert accepted == (1 - pt) / pt
    # The reverse reading, the erratum, must not come back.
    assert not re.search(r"odds \$p_t/\(1-p_t\)\$ express how many false alarms", text)


def test_chapter_3_and_lab_2_use_the_same_threshold():
    chapter = page("book/ch03_evaluating_models.md")
    lab = (ROOT / "labs/src/02_evaluate.py").read_text(encoding="utf-8")
    harm, benefit = map(int, re.search(r"harm:benefit = (\d+):(\d+)", chapter).groups())
    per_true = int(re.search(r"(?m)^fp_per_tp_acceptable = (\d+)$", lab).group(1))
    assert "threshold = 1 / (1 + fp_per_tp_acceptable)" in lab
    assert per_true == Fraction(benefit, harm), "Lab 2 accepts a different number of false alarms"
    assert "harm/benefit = 1/5" in prose(ROOT / "labs/src/02_evaluate.py")
    glossary = page("book/glossary.md")
    pt, per_alert = re.search(r"a threshold of (\d+/\d+) means (\d+) false alarms",
                              glossary).groups()
    pt = Fraction(pt)
    assert (1 - pt) / pt == int(per_alert)


# 3. Obermeyer et al.: 17.7% -> 46.5% is a simulated share of the auto-identified top 3%.

def test_obermeyer_figure_is_a_simulated_share_of_the_top_scores():
    seen = 0
    for path in prose_files():
        for w in windows(prose(path), "17.7%", 450):
            seen += 1
            assert "simulat" in w, f"{path.name}: 17.7% not described as simulated"
            assert "97th percentile" in w or "automatically identified" in w, path.name
            assert "46.5%" in w, path.name
            assert not re.search(r"(receiving|received|offered)( the)? extra help from 17\.7", w), \
                path.name
    assert seen >= 4, "expected the figure in chapters 2 and 4 and in Lab 3"
    for path in prose_files():
        assert "retraining on a measure of health" not in prose(path), path.name


# 4. Sjoding et al.: occult hypoxaemia rates are per paired reading, not per patient.

def test_sjoding_rates_are_given_per_reading():
    seen = 0
    for path in prose_files():
        for w in windows(prose(path), "11.7%", 250):
            seen += 1
            assert "reading" in w or "pairs" in w, f"{path.name}: 11.7% without its denominator"
    assert seen >= 4
    sheet = page("datasets/synthetic_admissions.md")
    assert "per admission" in sheet and "per paired reading" in sheet


# 5. Lab 3: the 56% miss rate for Black patients sits beside the other groups' rates.

@pytest.fixture(scope="module")
def miss_rates():
    from labkit import cohorts

    task = cohorts.readmission_task()
    model = cohorts.reference_model(task, "logistic")
    risk = model.predict_proba(task.X_test)[:, 1]
    flagged = risk >= np.quantile(risk, 0.80)   # the lab's rule: places for one in five
    y = task.y_test.to_numpy() == 1
    race = task.test["race_ethnicity"].astype(str).to_numpy()
    rates = {g: float(np.mean(~flagged[(race == g) & y])) for g in np.unique(race)}
    sizes = {g: int(np.sum(race == g)) for g in np.unique(race)}
    return rates, sizes


def test_lab_3_prose_about_miss_rates_matches_the_audit(miss_rates):
    rates, sizes = miss_rates
    text = prose(ROOT / "labs/src/03_audit_bias.py")
    low, group = re.search(r"The lowest miss rate, (\d+)% for (\w+) patients", text).groups()
    white = re.search(r"White patients, the largest group, were missed more often \((\d+)%\)",
                      text).group(1)
    assert min(rates, key=rates.get) == group
    assert round(100 * rates[group]) == int(low)
    assert round(100 * rates["White"]) == int(white)
    assert rates["White"] > rates[group]
    assert max(sizes, key=sizes.get) == "White"
    assert "every group's miss rate is above one half" in text
    assert min(rates.values()) > 0.5


# 6. Smaller errata.

def test_lab_2_does_not_call_below_treat_all_harm():
    from labkit import quiz

    item = quiz.by_id()["lab2-decision-curve"]
    answer = " ".join(o.text + " " + o.feedback for o in item.options)
    assert "does more harm than simply enrolling" not in answer
    assert "below zero" in answer and "vickers2019simple" in item.sources
    assert "below zero" in item.options[quiz.LETTERS.index("B")].feedback
    assert item.key == ("A",)
    chapter = page("book/ch03_evaluating_models.md")
    assert "only below zero, the treat-none line, does acting on the model" in chapter


def test_no_page_goes_stale_by_naming_the_current_year():
    now = re.compile(r"\b(?:it is|it's) now (?:in )?(?:19|20)\d\d\b|\bnow (?:19|20)\d\d\b", re.I)
    offenders = [p.name for p in prose_files() if now.search(prose(p))]
    assert offenders == [], offenders


def test_section_1557_lists_every_protected_ground():
    checked = 0
    for path in prose_files():
        text = prose(path)
        if "1557" not in text:
            continue
        for m in re.finditer(r"race,[a-z ,]*?(?:or|and) disability", text):
            checked += 1
            grounds = m.group(0)
            assert ("colour" in grounds or "color" in grounds) and "national origin" in grounds, \
                f"{path.name}: {grounds}"
    assert checked >= 3


def test_curb65_derivation_cohort_is_described_with_its_split():
    text = page("book/ch01_clinical_ai.md")
    total = number(re.search(r"three prospective studies of ([\d,]+) adults", text).group(1))
    share, derived = re.search(r"used (\d+)% of the patients \(about ([\d,]+)\)", text).groups()
    rest = int(re.search(r"kept the other (\d+)%", text).group(1))
    assert round(total * int(share) / 100) == number(derived)
    assert int(share) + rest == 100
    for country in ("UK", "New Zealand", "Netherlands"):
        assert country in text
    assert "30-day mortality" in text


def test_doss_study_is_described_as_climate_change_videos():
    seen = 0
    for path in prose_files():
        text = prose(path)
        for m in re.finditer("doss2023deepfakes", text):
            seen += 1
            before = text[max(0, m.start() - 600): m.start()]
            assert re.search(r"climate[- ]change", before), path.name
        assert "fooled by a deepfaked doctor" not in text, path.name
    assert seen >= 2


def test_chapter_8_says_federal_law_reaches_fake_endorsements():
    text = page("book/ch08_deepfakes.md")
    assert "Lanham Act" in text and "usc2024lanham" in text and "usc2024ftcact" in text
    assert "no federal rule clearly applies" not in text
    assert "No US federal law targets fake clinician endorsements" not in text


# 7. Percentages recomputed from the counts printed beside them.

def test_epic_sepsis_model_percentages_match_their_counts():
    text = page("book/ch03_evaluating_models.md")
    n_sep, pct_sep = re.search(r"occurred in ([\d,]+) hospitalisations \((\d+)%\)", text).groups()
    alerts, n, pct_alert = re.search(
        r"alerted on ([\d,]+) of ([\d,]+) hospitalisations \((\d+)%\)", text).groups()
    missed, of_sep, pct_missed = re.search(
        r"did not identify ([\d,]+) of the ([\d,]+) hospitalisations with sepsis \((\d+)%\)",
        text).groups()
    added, of_sep2, pct_added = re.search(
        r"in only (\d+) of those ([\d,]+) hospitalisations \((\d+)%\)", text).groups()
    assert number(of_sep) == number(of_sep2) == number(n_sep)
    assert round(100 * number(n_sep) / number(n)) == int(pct_sep)
    assert round(100 * number(alerts) / number(n)) == int(pct_alert)
    assert round(100 * number(missed) / number(of_sep)) == int(pct_missed)
    assert round(100 * number(added) / number(of_sep)) == int(pct_added)
    low, high, false_low, false_high = re.search(
        r"\(0\.(\d+) to 0\.(\d+): between (\d+)% and (\d+)% of alerts", text).groups()
    assert (int(false_low), int(false_high)) == (100 - int(high), 100 - int(low))
    ch06 = page("book/ch06_safe_workflow.md")
    pct, a, b = re.search(r"in (\d+)% of hospitalisations \(([\d,]+) of ([\d,]+);", ch06).groups()
    assert round(100 * number(a) / number(b)) == int(pct)
    assert "18% of all hospitalised patients" not in ch06


def test_deepfake_detector_table_recomputes():
    text = page("book/ch08_deepfakes.md")
    sens = 0.95
    rows = re.findall(r"\| 1 in ([\d,]+) fake, specificity (\d+)% \| ([\d,]+) \| ([\d,]+) \| "
                      r"([\d,]+) \| ([\d.]+)% \|", text)
    assert len(rows) == 4
    for one_in, spec, fakes, caught, false_flags, ppv in rows:
        prev, spec = 1 / number(one_in), int(spec) / 100
        assert number(fakes) == round(100_000 * prev)
        assert number(caught) == round(sens * number(fakes))
        assert number(false_flags) == round((1 - spec) * (100_000 - number(fakes)))
        expected = sens * prev / (sens * prev + (1 - spec) * (1 - prev))
        assert float(ppv) == pytest.approx(100 * expected, abs=0.05)


# 8. Dates in the regulation chapter agree with the law or rule they cite.

def test_eu_ai_act_entered_into_force_twenty_days_after_publication():
    text = page("book/ch10_regulation_policy.md")
    published, in_force = re.search(
        r"was published on (\d+ \w+ \d{4}) and entered into force on (\d+ \w+ \d{4})",
        text).groups()
    # Article 113: in force on the twentieth day following publication in the Official Journal.
    assert parse_date(published) + timedelta(days=20) == parse_date(in_force)
    assert "12 July 2024" in bib_entries()["eu2024regulation"]
    for phrase in ("2 February 2025", "2 August 2025", "2 August 2026", "2 August 2027",
                   "2 December 2027", "2 August 2028"):
        assert phrase in text, phrase


def test_telehealth_dates_match_the_cited_rules():
    text = page("book/ch10_regulation_policy.md")
    entries = bib_entries()
    dea = entries["dea2025fourthextension"]
    medicare = entries["congress2026appropriations"]
    assert "1 January 2026" in dea and "31 December 2026" in dea
    assert "31 December 2027" in medicare and "3 February 2026" in medicare
    assert "through 31 December 2026" in text and "dea2025fourthextension" in text
    assert "through 31 December 2027" in text and "congress2026appropriations" in text


NEW_SOURCES = [
    "onc2024htionecorrection", "lukac2025ambient", "wong2026multicenter",
    "vancalster2016calibration", "kramer2007assessing", "fda2021gmlp", "fda2023pccpprinciples",
    "ec2025digitalomnibusai", "congress2026appropriations", "dea2025fourthextension",
    "dea2025specialregistration", "florida2019telehealth", "oig2023information",
    "hhs2024disincentives", "astp2024protecting", "cfr2024part171", "usc2024lanham",
    "usc2024ftcact",
]


@pytest.mark.parametrize("key", NEW_SOURCES)
def test_each_erratum_source_has_a_link_and_is_cited(key):
    entry = bib_entries()[key]
    assert re.search(r"^\s*(doi|url)\s*=", entry, re.M), f"{key} has neither DOI nor URL"
    cited = any(key in p.read_text(encoding="utf-8") for p in prose_files())
    assert cited, f"{key} is in references.bib but cited nowhere"
