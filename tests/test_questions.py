"""LMS exports (tools/questions.py, `make lms`): the QTI packages and GIFT files are
read back and compared with the bank - the number of questions, the key and the
feedback of every option, and numeric answers with their tolerance."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from labkit import quiz
from tools import questions
from tools.sphinx_quiz import cme, posttest_items

NS = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
BANK = quiz.load()


def plain(text: str) -> str:
    """Text with markup, entities, typographic quotes and spacing normalised."""
    text = html.unescape(re.sub(r"<[^>]+>", "", html.unescape(text or "")))
    text = text.replace("**", "").replace("`", "")
    text = re.sub(r"(?<!\w)\*(\S[^*]*)\*(?!\w)", r"\1", text)
    for a, b in (("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("–", "--"), ("—", "---"),
                 ("…", "...")):
        text = text.replace(a, b)
    return " ".join(text.split())


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lms")
    questions.export(out)
    return out


def qti_items(package: Path) -> dict[str, dict]:
    """Each QTI item by title (the bank id): type, choices, keyed choices, feedback."""
    with zipfile.ZipFile(package) as zf:
        manifest = ET.fromstring(zf.read("imsmanifest.xml"))
        hrefs = [e.get("href") for e in manifest.iter() if e.tag.endswith("file")]
        assert hrefs and all(h in zf.namelist() for h in hrefs), "manifest names missing files"
        name = next(n for n in zf.namelist() if n.endswith(".xml") and "/" in n
                    and not n.endswith("assessment_meta.xml"))
        root = ET.fromstring(zf.read(name))
    out = {}
    for item in root.iterfind(".//q:item", NS):
        kind = next(f.findtext("q:fieldentry", namespaces=NS)
                    for f in item.iterfind(".//q:qtimetadatafield", NS)
                    if f.findtext("q:fieldlabel", namespaces=NS) == "question_type")
        labels = {lab.get("ident"): plain(lab.findtext(".//q:mattext", namespaces=NS))
                  for lab in item.iterfind(".//q:response_label", NS)}
        feedback = {fb.get("ident"): plain(fb.findtext(".//q:mattext", namespaces=NS))
                    for fb in item.iterfind("q:itemfeedback", NS)}
        keyed: list[str] = []
        numeric = None
        for cond in item.iterfind(".//q:respcondition", NS):
            if cond.findtext("q:setvar", namespaces=NS) != "100":
                continue
            var = cond.find("q:conditionvar", NS)
            positive = [v.text for v in var.iterfind("./q:varequal", NS)]
            positive += [v.text for v in var.iterfind("./q:and/q:varequal", NS)]
            keyed += [labels[i] for i in positive if i in labels]
            low = var.findtext(".//q:vargte", namespaces=NS)
            high = var.findtext(".//q:varlte", namespaces=NS)
            if low is not None and high is not None:
                numeric = (float(low), float(high))
        out[item.get("title")] = {"type": kind, "choices": list(labels.values()),
                                  "keyed": keyed, "feedback": feedback, "labels": labels,
                                  "numeric": numeric}
    return out


def check_qti_against_bank(found: dict[str, dict], items: list[quiz.Item]) -> None:
    assert list(found) == [i.id for i in items]
    expected_type = {"single": "multiple_choice_question",
                     "multiple": "multiple_answers_question",
                     "numeric": "numerical_question"}
    for item in items:
        got = found[item.id]
        assert got["type"] == expected_type[item.type], item.id
        if item.type == "numeric":
            low, high = got["numeric"]
            assert low == pytest.approx(item.answer - item.tolerance)
            assert high == pytest.approx(item.answer + item.tolerance)
            continue
        assert got["choices"] == [plain(o.text) for o in item.options], item.id
        keyed = [plain(item.options[quiz.LETTERS.index(k)].text) for k in item.key]
        assert sorted(got["keyed"]) == sorted(keyed), item.id
        for ident, text in got["labels"].items():
            option = next(o for o in item.options if plain(o.text) == text)
            assert got["feedback"][f"{ident}_fb"] == plain(option.feedback), item.id


def test_the_bank_exports_to_qti_with_every_key_and_feedback(exported):
    check_qti_against_bank(qti_items(exported / "labkit-bank.zip"), BANK)


@pytest.mark.parametrize("test", sorted(cme()["tests"]))
def test_each_post_test_exports_to_qti(exported, test):
    items = posttest_items(test)
    assert len(items) >= 8
    check_qti_against_bank(qti_items(exported / f"{test}.zip"), items)


# --------------------------------------------------------------------- GIFT
def gift_unescape(text: str) -> str:
    return re.sub(r"\\([~=#{}:\\])", r"\1", text)


def parse_gift(text: str) -> list[dict]:
    """A reader for the GIFT subset Moodle documents: ``::title::[format]stem {answers}``
    with ``=`` right, ``~`` wrong, ``~%w%`` weighted, ``#`` feedback, ``####`` general
    feedback, ``{#...}`` numeric; ``//`` comments and ``$CATEGORY`` lines skipped."""
    questions_ = []
    body = "\n".join(ln for ln in text.splitlines()
                     if not ln.startswith("//") and not ln.startswith("$CATEGORY"))
    # Split on unescaped braces only.
    question = re.compile(r"::((?:\\.|[^:\\])+)::(\[\w+\])?((?:\\.|[^{\\])*)"
                          r"\{((?:\\.|[^}\\])*)\}")
    for match in question.finditer(body):
        title, _fmt, stem, answers = match.groups()
        general = ""
        if "####" in answers:
            answers, general = answers.split("####", 1)
        numeric = answers.lstrip().startswith("#")
        if numeric:
            answers = answers.lstrip()[1:]
        parts = re.findall(r"([=~])((?:%-?[\d.]+%)?)((?:\\.|[^=~\\])*)", answers)
        entries = []
        for mark, weight, rest in parts:
            chunks = re.split(r"(?<!\\)#", rest, maxsplit=1)
            entries.append({"mark": mark, "weight": float(weight.strip("%")) if weight else None,
                            "text": gift_unescape(chunks[0].strip()),
                            "feedback": (gift_unescape(chunks[1].strip())
                                         if len(chunks) > 1 else "")})
        questions_.append({"title": gift_unescape(title), "stem": gift_unescape(stem.strip()),
                           "numeric": numeric, "answers": entries,
                           "general": gift_unescape(general.strip())})
    return questions_


def check_gift_against_bank(found: list[dict], items: list[quiz.Item]) -> None:
    assert [q["title"] for q in found] == [i.id for i in items]
    for q, item in zip(found, items, strict=True):
        assert q["stem"] == " ".join(item.stem.split())
        assert q["general"].endswith(".") and "Sources: " in q["general"]
        if item.type == "numeric":
            assert q["numeric"]
            value, tol = q["answers"][0]["text"].split(":")
            assert float(value) == pytest.approx(item.answer)
            assert float(tol) == pytest.approx(item.tolerance)
            assert q["answers"][0]["feedback"] == " ".join(item.feedback_correct.split())
            assert len(q["answers"]) == 1 + len(item.slips)
            continue
        assert [a["text"] for a in q["answers"]] == [" ".join(o.text.split()) for o in item.options]
        assert [a["feedback"] for a in q["answers"]] == [" ".join(o.feedback.split())
                                                         for o in item.options]
        if item.type == "single":
            right = [a["text"] for a in q["answers"] if a["mark"] == "="]
        else:
            right = [a["text"] for a in q["answers"] if a["weight"] and a["weight"] > 0]
            total = sum(a["weight"] for a in q["answers"] if a["weight"] and a["weight"] > 0)
            assert total == pytest.approx(100, abs=0.01)
        keyed = [" ".join(item.options[quiz.LETTERS.index(k)].text.split()) for k in item.key]
        assert right == keyed, item.id


def test_the_bank_exports_to_gift_with_every_key_and_feedback(exported):
    text = (exported / "labkit-bank.gift").read_text(encoding="utf-8")
    check_gift_against_bank(parse_gift(text), BANK)
    pages = re.findall(r"^\$CATEGORY: \$course\$/labkit/(\S+)$", text, re.M)
    assert pages == list(dict.fromkeys(i.page for i in BANK))


@pytest.mark.parametrize("test", sorted(cme()["tests"]))
def test_each_post_test_exports_to_gift(exported, test):
    text = (exported / f"{test}.gift").read_text(encoding="utf-8")
    check_gift_against_bank(parse_gift(text), posttest_items(test))


def test_gift_escapes_its_control_characters():
    assert questions.gift_escape("a=b~c#d{e}f:g\\h") == r"a\=b\~c\#d\{e\}f\:g\\h"
    parsed = parse_gift("::t::[markdown]What is 1\\:2 \\{x\\}? {\n\t=one\\=two#why \\# not\n"
                        "\t~three#no\n}\n")
    assert parsed[0]["stem"] == "What is 1:2 {x}?"
    assert parsed[0]["answers"][0] == {"mark": "=", "weight": None, "text": "one=two",
                                       "feedback": "why # not"}


def test_export_names_a_broken_bank_and_exits_2(tmp_path, monkeypatch, capsys):
    (tmp_path / "x.yml").write_text("items: 3\n")
    quiz._load_folder.cache_clear()
    monkeypatch.setattr(quiz, "BANK", tmp_path)
    monkeypatch.setattr(quiz.load, "__defaults__", (tmp_path,))
    assert questions.main(["export", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip() == (
        "questions: x.yml: expected 'page:' and a list under 'items:'")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    quiz._load_folder.cache_clear()
