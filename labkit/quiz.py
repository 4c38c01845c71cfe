"""The question bank: every knowledge-check, post-test and pre/post question, once.

The bank is one YAML file per page in ``labkit/bank/`` (``ch03_evaluating_models.yml``,
``02_evaluate.yml``), shipped inside the package so that the labs can show their
questions in Jupyter without the book. Each file is::

    page: book/ch03_evaluating_models        # the page the questions belong to
    items:
      - id: ch03-auroc-meaning                # unique in the bank: a-z, 0-9 and -
        type: single                          # single | multiple | numeric
        objectives: [CH03.1]                  # codes from book/objectives.yml
        difficulty: medium                    # easy | medium | hard
        uses: [practice]                      # practice (in the page) | posttest | prepost
        stem: |                               # markdown; a clinical vignette where it fits
          A vendor reports an AUROC of 0.85 ... Which statement is correct?
        options:                              # single and multiple: 4 to 6 options
          - text: It is the probability that ...
            feedback: Correct: ... (why)
          - text: ...
            feedback: ... (why not)
        key: A                                # single: one letter; multiple: a list of letters
        sources: [hanley1982meaning]          # BibTeX keys in references.bib
      - id: ch03-ppv-at-prevalence
        type: numeric
        ...
        answer: 0.16                          # numeric: the value,
        tolerance: 0.01                       # the absolute tolerance,
        feedback_correct: ...                 # what a right answer is told,
        feedback_incorrect: ...               # and a wrong one,
        slips:                                # optional: known wrong answers, each with
          - {value: 0.9, tolerance: 0.005, feedback: That is the sensitivity ...}

Item-writing rules checked here (after the NBME item-writing guide): one best
answer for ``single`` items; no "all of the above" or "none of the above"; no
negatively phrased stems ("EXCEPT", "NOT"); every option explains itself.

``problems(bank)`` lists every rule an item breaks; tests/test_quiz.py runs it on
the whole bank and on broken copies. ``render_html`` draws a page's questions as
the in-page quiz the book and the labs show; ``show`` displays them in Jupyter.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

BANK = Path(__file__).with_name("bank")
TYPES = ("single", "multiple", "numeric")
DIFFICULTIES = ("easy", "medium", "hard")
USES = ("practice", "posttest", "prepost")
LETTERS = "ABCDEF"
ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
OBJECTIVE = re.compile(r"^(?:LK\d+\.\d+|CH\d\d\.\d+)$")
#: Options that NBME's guide rules out: they reward partial knowledge.
BANNED_OPTION = re.compile(r"\b(all|none|both|neither) of the (above|options|answers)\b", re.I)
#: Negatively phrased stems ("Which is NOT ...", "... EXCEPT"): the guide avoids them.
NEGATIVE_STEM = re.compile(r"\bEXCEPT\b|\bNOT\b|\bleast (likely|appropriate)\b")


class BankError(ValueError):
    """A bank file that cannot be read; the message names the file and the item."""


@dataclass(frozen=True)
class Option:
    text: str
    feedback: str


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    page: str
    objectives: tuple[str, ...]
    difficulty: str
    uses: tuple[str, ...]
    stem: str
    sources: tuple[str, ...]
    options: tuple[Option, ...] = ()
    key: tuple[str, ...] = ()
    answer: float | None = None
    tolerance: float | None = None
    feedback_correct: str = ""
    feedback_incorrect: str = ""
    slips: tuple[dict, ...] = ()
    file: str = field(default="", compare=False)

    def correct_options(self) -> list[int]:
        """Indexes of the keyed options (single and multiple items)."""
        return [LETTERS.index(k) for k in self.key if k in LETTERS[: len(self.options)]]

    def is_correct(self, response) -> bool:
        """Whether ``response`` is right: a letter (single), a set of letters
        (multiple) or a number (numeric, within the tolerance)."""
        if self.type == "numeric":
            try:
                value = float(response)
            except (TypeError, ValueError):
                return False
            return math.isfinite(value) and abs(value - self.answer) <= self.tolerance + 1e-12
        if self.type == "single":
            return isinstance(response, str) and (response,) == self.key
        return set(response) == set(self.key)


def _as_tuple(value) -> tuple:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def parse(data: dict, file: str = "<bank>") -> list[Item]:
    """The items of one bank file's parsed YAML. Raises BankError for a shape that
    cannot be read at all (rule breaches are for ``problems``)."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise BankError(f"{file}: expected 'page:' and a list under 'items:'")
    page = data.get("page", "")
    items = []
    for number, raw in enumerate(data["items"], start=1):
        if not isinstance(raw, dict):
            raise BankError(f"{file}: item {number} is not a mapping")
        where = f"{file}: item {raw.get('id', number)}"
        options = []
        for opt in raw.get("options") or []:
            if not isinstance(opt, dict):
                raise BankError(f"{where}: each option needs 'text:' and 'feedback:'")
            options.append(Option(str(opt.get("text") or "").strip(),
                                  str(opt.get("feedback") or "").strip()))
        try:
            answer = None if raw.get("answer") is None else float(raw["answer"])
            tolerance = None if raw.get("tolerance") is None else float(raw["tolerance"])
        except (TypeError, ValueError):
            raise BankError(f"{where}: 'answer' and 'tolerance' must be numbers") from None
        items.append(Item(
            id=str(raw.get("id") or ""), type=str(raw.get("type") or ""), page=page,
            objectives=tuple(str(c) for c in _as_tuple(raw.get("objectives"))),
            difficulty=str(raw.get("difficulty") or ""),
            uses=tuple(str(u) for u in _as_tuple(raw.get("uses") or ["practice"])),
            stem=str(raw.get("stem") or "").strip(),
            sources=tuple(str(s) for s in _as_tuple(raw.get("sources"))),
            options=tuple(options),
            key=tuple(str(k).strip() for k in _as_tuple(raw.get("key"))),
            answer=answer, tolerance=tolerance,
            feedback_correct=str(raw.get("feedback_correct") or "").strip(),
            feedback_incorrect=str(raw.get("feedback_incorrect") or "").strip(),
            slips=tuple(raw.get("slips") or ()), file=file))
    return items


@cache
def _load_folder(folder: str) -> tuple[Item, ...]:
    items: list[Item] = []
    for path in sorted(Path(folder).glob("[!_]*.yml")):  # _*.yml: tests, sources
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            line = f" line {mark.line + 1}" if mark else ""
            raise BankError(f"{path.name}{line}: not valid YAML") from None
        items += parse(data, path.name)
    return tuple(items)


def load(folder: Path = BANK) -> list[Item]:
    """Every item of the bank, file by file in name order."""
    return list(_load_folder(str(folder)))


def for_page(page: str, use: str = "practice", folder: Path = BANK) -> list[Item]:
    """The items a page shows (``use="practice"``) or contributes to a test."""
    items = [i for i in load(folder) if i.page == page and use in i.uses]
    if not items:
        raise BankError(f"no {use} questions for page {page!r} in {Path(folder).name}/")
    return items


def by_id(folder: Path = BANK) -> dict[str, Item]:
    """Every item of the bank by its id."""
    return {i.id: i for i in load(folder)}


def item_problems(item: Item, objectives: set[str] | None = None,
                  sources: set[str] | None = None) -> list[str]:
    """Every rule one item breaks, each as one line naming the file and the item."""
    where = f"{item.file}: {item.id or '(no id)'}"
    found = []

    def bad(message: str) -> None:
        found.append(f"{where}: {message}")

    if not ID.match(item.id):
        bad("id must be lower-case letters, digits and hyphens")
    if item.type not in TYPES:
        bad(f"type {item.type!r} is not one of {', '.join(TYPES)}")
    if not item.objectives:
        bad("assesses no objective (objectives: [CODE])")
    for code in item.objectives:
        if not OBJECTIVE.match(code) or (objectives is not None and code not in objectives):
            bad(f"unknown objective {code}")
    if item.difficulty not in DIFFICULTIES:
        bad(f"difficulty {item.difficulty!r} is not one of {', '.join(DIFFICULTIES)}")
    for use in item.uses:
        if use not in USES:
            bad(f"use {use!r} is not one of {', '.join(USES)}")
    if not item.stem:
        bad("has no stem")
    elif NEGATIVE_STEM.search(item.stem):
        bad("negatively phrased stem (EXCEPT/NOT): ask for the best answer instead")
    if not item.sources:
        bad("cites no source (sources: [bibtex-key])")
    for key in item.sources:
        if sources is not None and key not in sources:
            bad(f"source {key} is not in references.bib")
    if item.type in ("single", "multiple"):
        if not 4 <= len(item.options) <= len(LETTERS):
            bad(f"has {len(item.options)} options; give 4 to {len(LETTERS)}")
        letters = LETTERS[: len(item.options)]
        for letter, opt in zip(letters, item.options, strict=False):
            if not opt.text:
                bad(f"option {letter} has no text")
            if not opt.feedback:
                bad(f"option {letter} has no feedback")
            if BANNED_OPTION.search(opt.text):
                bad(f"option {letter} is an 'all/none of the above' option")
        texts = [o.text.casefold() for o in item.options]
        if len(set(texts)) != len(texts):
            bad("two options have the same text")
        if not item.key:
            bad("has no key")
        for k in item.key:
            if k not in letters:
                bad(f"key {k} is not one of its options ({letters[0]}-{letters[-1]})")
        if len(set(item.key)) != len(item.key):
            bad("key names an option twice")
        if item.type == "single" and len(item.key) != 1:
            bad("a single-best-answer item needs exactly one key")
        if item.type == "multiple" and not 1 <= len(item.key) < len(item.options):
            bad("a multiple-answer item needs at least one wrong option")
        if item.answer is not None or item.feedback_correct:
            bad("answer/feedback_correct belong to numeric items only")
    if item.type == "numeric":
        if item.answer is None or not math.isfinite(item.answer):
            bad("numeric item has no answer")
        if item.tolerance is None or not item.tolerance > 0:
            bad("numeric item needs a tolerance above 0")
        if not item.feedback_correct or not item.feedback_incorrect:
            bad("numeric item needs feedback_correct and feedback_incorrect")
        if item.options or item.key:
            bad("numeric items have no options or key")
        for slip in item.slips:
            if not isinstance(slip, dict) or not {"value", "feedback"} <= set(slip):
                bad("each slip needs value and feedback")
            elif item.answer is not None and item.tolerance is not None and abs(
                    float(slip["value"]) - item.answer) <= item.tolerance:
                bad(f"slip {slip['value']} would be accepted as right")
    return found


def problems(items: list[Item], objectives: set[str] | None = None,
             sources: set[str] | None = None, pages: set[str] | None = None) -> list[str]:
    """Every rule the bank breaks: each item's, duplicate ids, and (given the known
    objectives) objectives that no item assesses."""
    found = []
    seen: set[str] = set()
    for item in items:
        found += item_problems(item, objectives, sources)
        if item.id in seen:
            found.append(f"{item.file}: {item.id}: id used twice")
        seen.add(item.id)
        if pages is not None and item.page not in pages:
            found.append(f"{item.file}: page {item.page!r} is not a page of the book")
    if objectives is not None:
        assessed = {code for item in items for code in item.objectives}
        for code in sorted(objectives - assessed):
            found.append(f"objective {code} is assessed by no item in the bank")
    return found


# --------------------------------------------------------------------- rendering
ASSETS = Path(__file__).with_name("quiz_assets")
SOURCES_FILE = BANK / "_sources.yml"
_INLINE = [(re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
           (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
           (re.compile(r"(?<![*\w])\*([^*\s][^*]*)\*(?![*\w])"), r"<em>\1</em>")]


def inline(text: str) -> str:
    """Bank text as HTML: escaped, with ``**bold**``, ``*italic*`` and ``code``.

    The bank allows only these three marks (its test rejects HTML), so a markdown
    library is not needed in the learners' environment.

    >>> inline("PPV at **5%** prevalence < `ppv()` *here*")
    'PPV at <strong>5%</strong> prevalence &lt; <code>ppv()</code> <em>here</em>'
    """
    out = html.escape(" ".join(text.split()), quote=False)
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def blocks(text: str) -> str:
    """Paragraphs (blank-line separated) of bank text as HTML ``<p>`` elements."""
    return "".join(f"<p>{inline(p)}</p>" for p in re.split(r"\n\s*\n", text.strip()) if p.strip())


@cache
def source_labels(path: Path = SOURCES_FILE) -> dict[str, str]:
    """Author-year labels of the bank's sources (``python -m tools.questions sources``
    writes them from references.bib)."""
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _plain_sources(keys: tuple[str, ...]) -> str:
    labels = source_labels()
    return "; ".join(html.escape(labels.get(k, k)) for k in keys)


def _number(value: float) -> str:
    return f"{value:g}"


def render_parts(items: list[Item], page: str, mode: str = "practice", test: str = "",
                 title: str = "", pass_mark: float | None = None) -> list[tuple[str, object]]:
    """The quiz as ``("html", text)`` pieces and ``("sources", keys)`` places where
    each item's sources go (the book renders them as citations, ``render_html`` as
    author-year text)."""
    if mode not in ("practice", "test"):
        raise ValueError(f"mode must be 'practice' or 'test', not {mode!r}")
    if not items:
        raise ValueError(f"no questions to show for {page!r}")
    attrs = {"class": "labkit-quiz", "data-page": page, "data-mode": mode}
    if mode == "test":
        if pass_mark is None or not 0 < pass_mark <= 1:
            raise ValueError("a test needs a pass mark between 0 and 1")
        attrs.update({"data-test": test, "data-pass": f"{pass_mark:g}", "data-title": title})
    label = title or "Knowledge check questions"
    head = " ".join(f'{k}="{html.escape(v)}"' for k, v in attrs.items())
    parts: list[tuple[str, object]] = [("html", (
        f'<section {head} aria-label="{html.escape(label)}">'
        '<p class="labkit-quiz-score" role="status" aria-live="polite">'
        f'{len(items)} questions.</p>'))]
    key_lines = []
    for number, item in enumerate(items, start=1):
        uid = f"lq-{item.id}"
        data = {"class": "labkit-quiz-item", "data-item": item.id, "data-number": str(number),
                "data-type": item.type}
        if item.type == "numeric":
            data.update({"data-answer": _number(item.answer),
                         "data-tolerance": _number(item.tolerance)})
        else:
            data["data-key"] = " ".join(item.key)
        form = " ".join(f'{k}="{html.escape(v)}"' for k, v in data.items())
        kind = {"single": "Choose the one best answer.",
                "multiple": "Choose every answer that applies.",
                "numeric": "Type a number."}[item.type]
        body = [f'<form {form}><fieldset aria-describedby="{uid}-stem">',
                f'<legend id="{uid}-legend">Question {number} of {len(items)}'
                f'<span class="labkit-quiz-kind"> ({kind[:-1].lower()})</span></legend>',
                f'<div class="labkit-quiz-stem" id="{uid}-stem">{blocks(item.stem)}</div>']
        why = []
        if item.type == "numeric":
            body.append(
                f'<div class="labkit-quiz-numeric"><label for="{uid}-input">Your answer</label> '
                f'<input type="text" inputmode="decimal" autocomplete="off" id="{uid}-input" '
                f'name="{uid}"></div>')
            body.append(f'<div class="labkit-quiz-feedback" data-for="correct" hidden>'
                        f'{blocks(item.feedback_correct)}</div>')
            body.append(f'<div class="labkit-quiz-feedback" data-for="incorrect" hidden>'
                        f'{blocks(item.feedback_incorrect)}</div>')
            for slip in item.slips:
                tol = slip.get("tolerance", item.tolerance)
                value = _number(float(slip["value"]))
                body.append(f'<div class="labkit-quiz-feedback" data-slip="{value}" '
                            f'data-tolerance="{_number(float(tol))}" hidden>'
                            f'{blocks(str(slip["feedback"]))}</div>')
            answer = f"{_number(item.answer)} (accepted within ±{_number(item.tolerance)})"
            why.append(f"<p><strong>Answer:</strong> {html.escape(answer)}</p>"
                       f"{blocks(item.feedback_correct)}")
            key_lines.append((number, html.escape(answer), item.feedback_correct))
        else:
            kind_input = "radio" if item.type == "single" else "checkbox"
            body.append('<div class="labkit-quiz-options">')
            entries = []
            for letter, opt in zip(LETTERS, item.options, strict=False):
                oid = f"{uid}-{letter}"
                body.append(
                    f'<div class="labkit-quiz-option"><input type="{kind_input}" name="{uid}" '
                    f'id="{oid}" value="{letter}"><label for="{oid}">'
                    f'<span class="labkit-quiz-letter">{letter}.</span> {inline(opt.text)}</label>'
                    f'<div class="labkit-quiz-feedback" data-for="{letter}" hidden>'
                    f'{blocks(opt.feedback)}</div></div>')
                mark = " (correct)" if letter in item.key else ""
                entries.append(f"<dt>{letter}. {inline(opt.text)}{mark}</dt>"
                               f"<dd>{blocks(opt.feedback)}</dd>")
            body.append("</div>")
            best = " and ".join(item.key)
            why.append(f"<p><strong>Best answer{'s' if len(item.key) > 1 else ''}:</strong> "
                       f"{best}.</p><dl>{''.join(entries)}</dl>")
            keyed = [item.options[LETTERS.index(k)] for k in item.key]
            key_lines.append((number, best, " ".join(o.feedback for o in keyed)))
        check = "" if mode == "test" else (
            '<div class="labkit-quiz-controls" hidden>'
            '<button type="submit" class="labkit-quiz-check">Check answer</button></div>')
        body.append(check)
        body.append('<p class="labkit-quiz-result" role="status" aria-live="polite"></p>')
        body.append(f'<details class="labkit-quiz-why"><summary>Answer and explanation, '
                    f'question {number}</summary>{"".join(why)}')
        parts.append(("html", "".join(body)))
        parts.append(("sources", item.sources))
        parts.append(("html", "</details></fieldset></form>"))
    if mode == "test":
        controls = ('<div class="labkit-quiz-controls" hidden>'
                    '<button type="button" class="labkit-quiz-submit">Submit my answers</button> '
                    '<button type="button" class="labkit-quiz-clear">Start again</button></div>')
        parts.append(("html", controls + "</section>"))
        return parts
    key = "".join(f"<li value=\"{n}\"><strong>{a}</strong>. {inline(why)}</li>"
                  for n, a, why in key_lines)
    parts.append(("html", (
        '<div class="labkit-quiz-controls" hidden><button type="button" class="labkit-quiz-clear">'
        'Clear my answers on this page</button></div>'
        f'<div class="labkit-quiz-key"><p><strong>Answers to the questions above</strong></p>'
        f'<ol>{key}</ol></div></section>')))
    return parts


def render_html(items: list[Item], page: str, **options) -> str:
    """The quiz as one HTML fragment, sources as author-year text."""
    return "".join(value if kind == "html" else
                   f'<p class="labkit-quiz-sources">Sources: {_plain_sources(value)}</p>'
                   for kind, value in render_parts(items, page, **options))


class Quiz:
    """A page's questions, shown in Jupyter as an interactive quiz (the same markup,
    style and script as the book's) and as a plain list elsewhere."""

    def __init__(self, page: str, items: list[Item]):
        self.page, self.items = page, items

    def _repr_html_(self) -> str:
        style = (ASSETS / "labkit-quiz.css").read_text(encoding="utf-8")
        script = (ASSETS / "labkit-quiz.js").read_text(encoding="utf-8")
        return (f"<style>{style}</style>{render_html(self.items, self.page)}"
                f"<script>{script}</script>")

    def __repr__(self) -> str:
        lines = [f"Knowledge check: {len(self.items)} questions (open the notebook in "
                 "Jupyter or the book to answer them)."]
        lines += [f"{n}. {' '.join(i.stem.split())}" for n, i in enumerate(self.items, 1)]
        return "\n".join(lines)


def show(page: str) -> Quiz:
    """The knowledge check of ``page`` (e.g. ``"labs/02_evaluate"``), for a lab's last
    code cell: ``quiz.show("labs/02_evaluate")``."""
    return Quiz(page, for_page(page))
