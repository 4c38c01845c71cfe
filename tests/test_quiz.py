"""The question bank (labkit/bank) keeps its rules, and labkit.quiz renders it.

Every item has an objective that exists, feedback on every option, a key that
is one of its options, a source in references.bib; every objective of
book/objectives.yml is assessed by at least one item; every page with a knowledge
check has its questions in the bank. Broken copies of a real item show that each
rule can fail.
"""

from __future__ import annotations

import dataclasses
import html.parser
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from labkit import quiz
from tools import objectives as obj
from tools import questions

ROOT = Path(__file__).resolve().parents[1]
OBJECTIVES = set(obj.load()["objectives"])
BANK = quiz.load()


def test_the_bank_breaks_no_rule():
    assert quiz.problems(BANK, OBJECTIVES, questions.bib_keys()) == []


def test_every_objective_is_assessed_by_a_bank_item():
    assessed = {code for item in BANK for code in item.objectives}
    assert OBJECTIVES - assessed == set()


def test_every_page_has_a_knowledge_check_and_post_test_items():
    for path in obj.page_files():
        page = obj.page_name(path)
        mine = [i for i in BANK if i.page == page]
        practice = [i for i in mine if "practice" in i.uses]
        assert 3 <= len(practice) <= 8, f"{page}: {len(practice)} knowledge-check questions"
        assert any("posttest" in i.uses for i in mine), f"{page}: no post-test item"
        declared = {c for c, o in obj.load()["objectives"].items() if o["page"] == page}
        assert declared <= {c for i in mine for c in i.objectives}, page


def test_the_bank_uses_every_kind_of_item_and_spreads_its_keys():
    kinds = Counter(i.type for i in BANK)
    assert kinds["single"] and kinds["multiple"] >= 3 and kinds["numeric"] >= 3
    keys = Counter(i.key[0] for i in BANK if i.type == "single")
    # Keys spread over the letters: no letter carries more than 40% of them.
    assert max(keys.values()) <= 0.4 * sum(keys.values()), keys


def test_post_test_items_are_not_shown_on_the_pages():
    for item in BANK:
        assert not {"practice", "posttest"} <= set(item.uses), item.id


def test_bank_text_has_no_html_or_myst_roles():
    for item in BANK:
        texts = [item.stem, item.feedback_correct, item.feedback_incorrect]
        texts += [t for o in item.options for t in (o.text, o.feedback)]
        for text in texts:
            assert not re.search(r"<[a-zA-Z/]|\{cite|\{doc|\$[^$]+\$", text), (item.id, text)


def test_numeric_answers_are_not_accepted_slips():
    for item in BANK:
        if item.type == "numeric":
            assert item.is_correct(item.answer)
            assert item.is_correct(item.answer + 0.9 * item.tolerance)
            assert not item.is_correct(item.answer + 1.1 * item.tolerance + 1e-9)
            for slip in item.slips:
                assert not item.is_correct(slip["value"]), (item.id, slip)


# -------------------------------------------------------- broken items are caught
def a_single_item() -> quiz.Item:
    return next(i for i in BANK if i.type == "single")


def broken(**changes) -> list[str]:
    item = dataclasses.replace(a_single_item(), **changes)
    return quiz.problems([item], OBJECTIVES, questions.bib_keys())


def test_an_item_with_no_objective_is_rejected():
    assert any("assesses no objective" in p for p in broken(objectives=()))
    assert any("unknown objective CH99.1" in p for p in broken(objectives=("CH99.1",)))


def test_an_option_without_feedback_is_rejected():
    item = a_single_item()
    options = (quiz.Option(item.options[0].text, ""),) + item.options[1:]
    assert any("option A has no feedback" in p for p in broken(options=options))


def test_a_key_that_is_not_an_option_is_rejected():
    n = len(a_single_item().options)
    letter = quiz.LETTERS[n] if n < len(quiz.LETTERS) else "Z"
    assert any(f"key {letter} is not one of its options" in p for p in broken(key=(letter,)))
    assert any("exactly one key" in p for p in broken(key=("A", "B")))


def test_item_writing_rules_are_enforced():
    item = a_single_item()
    options = item.options[:-1] + (quiz.Option("All of the above", "No."),)
    assert any("all/none of the above" in p for p in broken(options=options))
    assert any("negatively phrased" in p for p in broken(stem="Which is NOT a risk?"))
    assert any("cites no source" in p for p in broken(sources=()))
    assert any("not in references.bib" in p for p in broken(sources=("nosuch2099",)))
    assert any("give 4 to 6" in p for p in broken(options=item.options[:2], key=("A",)))


def test_an_objective_no_item_assesses_is_reported():
    found = quiz.problems(BANK[:1], OBJECTIVES, None)
    assert any("is assessed by no item" in p for p in found)


def test_a_broken_bank_file_names_the_file(tmp_path):
    (tmp_path / "x.yml").write_text("page: p\nitems: [\n")
    quiz._load_folder.cache_clear()
    with pytest.raises(quiz.BankError, match=r"^x\.yml line \d+: not valid YAML$"):
        quiz.load(tmp_path)
    (tmp_path / "x.yml").write_text("page: p\nitems:\n  - id: a\n    answer: many\n")
    quiz._load_folder.cache_clear()
    with pytest.raises(quiz.BankError, match="x.yml: item a: 'answer' and 'tolerance'"):
        quiz.load(tmp_path)


# ------------------------------------------------------------------ rendering
class _Parser(html.parser.HTMLParser):
    """Collects ids, labels' targets and unclosed tags of a fragment."""

    VOID = {"input", "br", "img", "meta", "hr"}

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.label_for: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "label" and "for" in a:
            self.label_for.append(a["for"])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


@pytest.mark.parametrize("page", sorted({i.page for i in BANK}))
def test_each_page_renders_to_well_formed_labelled_html(page):
    fragment = quiz.render_html(quiz.for_page(page), page)
    parser = _Parser()
    parser.feed(fragment)
    assert parser.errors == [] and parser.stack == []
    assert len(parser.ids) == len(set(parser.ids)), "duplicate ids"
    assert set(parser.label_for) <= set(parser.ids)
    inputs = re.findall(r'<input [^>]*id="([^"]+)"', fragment)
    assert inputs and set(inputs) <= set(parser.label_for), "an input without a label"
    assert "<script" not in fragment


def test_rendered_text_is_escaped():
    item = dataclasses.replace(a_single_item(), stem="Is <script>alert(1)</script> & **bold**?")
    fragment = quiz.render_html([item], "book/x")
    assert "<script>" not in fragment and "&lt;script&gt;" in fragment
    assert "<strong>bold</strong>" in fragment


def test_the_key_is_printed_once_per_question():
    page = "book/ch03_evaluating_models"
    items = quiz.for_page(page)
    fragment = quiz.render_html(items, page)
    key = fragment.split('class="labkit-quiz-key"')[1]
    assert key.count("<li") == len(items)
    for item in items:
        if item.type != "numeric":
            assert f"<strong>{' and '.join(item.key)}</strong>" in key


def test_a_test_has_no_check_buttons_and_a_pass_mark():
    items = [i for i in BANK if "posttest" in i.uses][:5]
    fragment = quiz.render_html(items, "book/cme_posttest", mode="test", test="t", title="T",
                                pass_mark=0.75)
    assert 'data-pass="0.75"' in fragment and "labkit-quiz-check" not in fragment
    assert "labkit-quiz-submit" in fragment and "labkit-quiz-key" not in fragment
    with pytest.raises(ValueError, match="pass mark"):
        quiz.render_html(items, "p", mode="test", pass_mark=0)


def test_show_gives_jupyter_the_quiz_with_its_script_and_a_text_fallback():
    shown = quiz.show("labs/02_evaluate")
    markup = shown._repr_html_()
    assert markup.startswith("<style>") and markup.rstrip().endswith("</script>")
    assert "window.labkitQuiz" in markup
    assert repr(shown).startswith("Knowledge check: ")
    with pytest.raises(quiz.BankError, match="no practice questions for page 'labs/99_x'"):
        quiz.show("labs/99_x")


def test_source_labels_are_in_step_with_references_bib():
    assert (quiz.BANK / "_sources.yml").read_text(encoding="utf-8") == questions.sources_text()


def test_inline_marks():
    assert quiz.inline("a `b*c*` **d** *e*") == "a <code>b*c*</code> <strong>d</strong> <em>e</em>"
    assert quiz.blocks("one\n\ntwo") == "<p>one</p><p>two</p>"


def test_bank_files_are_named_after_their_page():
    for path in sorted(quiz.BANK.glob("[!_]*.yml")):
        data = yaml.safe_load(path.read_text())
        assert data["page"].split("/")[-1] == path.stem
