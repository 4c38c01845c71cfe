"""Sphinx extension: the question bank and the CME packet in the static book.

Directives (MyST: ```` ```{quiz} ````):

``quiz``
    A page's knowledge check from ``labkit/bank``: the practice questions of the
    page named in the argument (default: the page itself). With ``:test: ID`` it
    is the post-test ``ID`` of ``book/cme.yml`` instead: the ``posttest`` items of
    the test's pages, scored together against the test's pass mark.
``blueprint``
    The table of objectives a test assesses, with its item count per objective.
``route``
    A CME route of ``book/cme.yml``: its pages with their estimated reading time
    and question count, and the total.
``attestation``
    The printable record of the learner's progress (pages opened, quiz and test
    scores), filled in the browser from localStorage by labkit-quiz.js.
``evaluation-form``
    The learner evaluation form of ``book/cme.yml``.

Every page also gets ``<meta name="labkit-page" content="DOCNAME">`` so that the
script can record which pages the learner opened. The markup and the script are
labkit's own (labkit.quiz, labkit/quiz_assets), shared with the labs' quiz.show().
"""

from __future__ import annotations

import html
import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

from labkit import quiz

ROOT = Path(__file__).resolve().parents[1]
CME = ROOT / "book" / "cme.yml"
#: Non-fiction, silent reading, adults, English (Brysbaert 2019; book/cme.yml says so).
WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.\-]*")


def _objectives():
    """tools/objectives.py: ``tools.objectives`` from the repository, plain
    ``objectives`` when Sphinx loads this file from tools/ as a local extension."""
    try:
        from tools import objectives
    except ModuleNotFoundError:
        import objectives
    return objectives


@cache
def cme(path: Path = CME) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def page_file(page: str, root: Path = ROOT) -> Path:
    """The source a page is built from: ``book/x.md`` or the lab's ``labs/src/NN.py``."""
    if page.startswith("labs/"):
        return root / "labs" / "src" / (page.split("/", 1)[1] + ".py")
    return root / f"{page}.md"


def page_title(page: str, root: Path = ROOT) -> str:
    text = page_file(page, root).read_text(encoding="utf-8")
    match = re.search(r"^#+? ?# (.+)$", text, re.M) if page.startswith("labs/") else None
    match = match or re.search(r"^# (.+)$", text, re.M)
    return match.group(1).strip() if match else page


def reading_words(page: str, root: Path = ROOT) -> int:
    """Words a reader reads on a page: the prose, and for a lab its code too, without
    comment markers, HTML comments, MyST directive fences, cell markers or the cells
    that only record numbers for the book (tagged glue)."""
    text = page_file(page, root).read_text(encoding="utf-8")
    # A cell tagged glue only records numbers for the book; no reader sees it.
    text = re.sub(r'^# %% tags=\["glue"\].*?(?=^# %%|\Z)', " ", text, flags=re.M | re.S)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"^# %%.*$|^```.*$|^:::.*$|^\s*:\w+:.*$", " ", text, flags=re.M)
    text = re.sub(r"\{[a-z:-]+\}`[^`]*`", " citation ", text)
    return len(WORDS.findall(text))


def reading_minutes(page: str, root: Path = ROOT, data: dict | None = None) -> int:
    """Minutes a route gives a page: a chapter's own stated time (its ``**Time:**``
    line); for a lab read in the browser, not worked, an estimate: its words at the
    stated reading rate plus a minute per knowledge-check question, rounded up."""
    data = data or cme()
    if not page.startswith("labs/"):
        return _objectives().page_minutes(page_file(page, root))
    words = reading_words(page, root)
    questions = len([i for i in quiz.load() if i.page == page and "practice" in i.uses])
    return math.ceil(words / data["reading"]["words_per_minute"]
                     + questions * data["reading"]["minutes_per_question"])


def route_pages(route: str, data: dict | None = None) -> list[str]:
    data = data or cme()
    return list(data["routes"][route]["pages"])


def posttest_items(test: str, data: dict | None = None) -> list[quiz.Item]:
    """The post-test's items: the ``posttest`` items of its pages, page by page."""
    data = data or cme()
    spec = data["tests"][test]
    pages = spec.get("pages") or route_pages(spec["route"], data)
    bank = quiz.load()
    return [i for p in pages for i in bank if i.page == p and "posttest" in i.uses]


def route_minutes(route: str, data: dict | None = None) -> dict[str, int]:
    data = data or cme()
    spec = data["routes"][route]
    minutes = {p: reading_minutes(p, data=data) for p in spec["pages"]}
    test = spec.get("test")
    if test:
        minutes["post-test"] = math.ceil(len(posttest_items(test, data))
                                         * data["reading"]["minutes_per_test_question"])
    minutes["evaluation"] = data["reading"]["evaluation_minutes"]
    return minutes


class _Base(SphinxDirective):
    def parse(self, text: str) -> list[nodes.Node]:
        container = nodes.container()
        self.state.nested_parse(StringList(text.splitlines(), source=self.env.docname),
                                self.content_offset, container)
        return container.children


class QuizDirective(_Base):
    optional_arguments = 1
    option_spec = {"test": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        page = self.arguments[0] if self.arguments else self.env.docname
        self.env.note_dependency(str(CME))
        for path in quiz.BANK.glob("*.yml"):
            self.env.note_dependency(str(path))
        try:
            if "test" in self.options:
                test = self.options["test"]
                spec = cme()["tests"][test]
                items = posttest_items(test)
                parts = quiz.render_parts(items, page, mode="test", test=test,
                                          title=spec["title"], pass_mark=spec["pass"])
            else:
                parts = quiz.render_parts(quiz.for_page(page), page)
        except (KeyError, ValueError) as err:
            raise self.error(f"quiz: {err}") from None
        out: list[nodes.Node] = []
        for kind, value in parts:
            if kind == "html":
                out.append(nodes.raw("", value, format="html"))
            else:
                keys = ",".join(value)
                para = self.parse(f"Sources: {{cite:p}}`{keys}`")
                for node in para:
                    node["classes"].append("labkit-quiz-sources")
                out += para
        return out


class BlueprintDirective(_Base):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        test = self.arguments[0]
        items = posttest_items(test)
        objectives = _objectives().load()["objectives"]
        counts: dict[str, list[int]] = {}
        for number, item in enumerate(items, start=1):
            for code in item.objectives:
                counts.setdefault(code, []).append(number)
        rows = ["| objective | taught in | questions |", "| --- | --- | --- |"]
        for code in sorted(counts, key=lambda c: (c[:2] != "CH", c)):
            text = " ".join(objectives[code]["text"].split())
            rows.append(f"| {code}: {text} | {{doc}}`/{objectives[code]['page']}` | "
                        f"{', '.join(map(str, counts[code]))} |")
        hard = {d: sum(i.difficulty == d for i in items) for d in quiz.DIFFICULTIES}
        rows += ["", f"{len(items)} questions on {len(counts)} objectives; difficulty: "
                 + ", ".join(f"{n} {d}" for d, n in hard.items()) + "."]
        return self.parse("\n".join(rows))


class RouteDirective(_Base):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        route = self.arguments[0]
        data = cme()
        minutes = route_minutes(route, data)
        spec = data["routes"][route]
        rows = ["| step | what | estimated minutes |", "| --- | --- | --- |"]
        step = 0
        for page in spec["pages"]:
            step += 1
            kind = "lab, read only" if page.startswith("labs/") else "chapter"
            rows.append(f"| {step} | {{doc}}`/{page}` ({kind}) | {minutes[page]} |")
        if "post-test" in minutes:
            step += 1
            rows.append(f"| {step} | {{doc}}`/{spec['test_page']}` | {minutes['post-test']} |")
        step += 1
        rows.append(f"| {step} | {{doc}}`/book/cme_evaluation` | {minutes['evaluation']} |")
        total = sum(minutes.values())
        rows += ["", f"**Estimated total: {total} minutes ({total / 60:.1f} hours).**"]
        return self.parse("\n".join(rows))


class RouteObjectivesDirective(_Base):
    """The learning objectives of a route's pages, as a list."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        pages = route_pages(self.arguments[0])
        objectives = _objectives().load()["objectives"]
        lines = [f"- **{code}** {' '.join(o['text'].split())}"
                 for page in pages for code, o in objectives.items() if o["page"] == page]
        return self.parse("\n".join(lines))


class AttestationDirective(_Base):
    def run(self) -> list[nodes.Node]:
        data = cme()
        pages = []
        seen = set()
        for route in data["routes"].values():
            for page in route["pages"]:
                if page in seen:
                    continue
                seen.add(page)
                n = len([i for i in quiz.load() if i.page == page and "practice" in i.uses])
                pages.append({"page": page, "title": page_title(page), "questions": n})
        tests = [{"test": t, "title": s["title"]} for t, s in data["tests"].items()
                 if s.get("cme", True)]
        markup = (
            f'<div class="labkit-attestation" data-pages="{html.escape(json.dumps(pages))}" '
            f'data-tests="{html.escape(json.dumps(tests))}">'
            '<p><label for="labkit-learner-name">Your name (kept in this browser only): </label>'
            '<input type="text" id="labkit-learner-name" autocomplete="name"></p>'
            '<p>Record printed on <span class="labkit-attest-date">(needs JavaScript)</span>.</p>'
            '<table class="table"><caption>Pages of the activity</caption><thead><tr>'
            '<th scope="col">Page</th><th scope="col">First opened</th>'
            '<th scope="col">Knowledge check: right at the first try</th></tr></thead>'
            '<tbody class="labkit-attest-pages"></tbody></table>'
            '<table class="table"><caption>Post-tests</caption><thead><tr>'
            '<th scope="col">Test</th><th scope="col">Result</th><th scope="col">Date</th>'
            '</tr></thead><tbody class="labkit-attest-tests"></tbody></table>'
            '<p>Learner evaluation: <span class="labkit-attest-evaluation">not completed'
            '</span>.</p>'
            '<p><button type="button" class="labkit-print">Print or save as PDF</button></p>'
            '</div>')
        return [nodes.raw("", markup, format="html")]


class EvaluationDirective(_Base):
    def run(self) -> list[nodes.Node]:
        form = cme()["evaluation"]
        parts = ['<form class="labkit-evaluation">']
        for number, q in enumerate(form, start=1):
            qid = f"ev-{q['id']}"
            parts.append(f'<fieldset><legend>{number}. {html.escape(q["text"])}</legend>')
            if q["type"] == "scale":
                for value in q["options"]:
                    vid = f"{qid}-{re.sub(r'[^a-z0-9]+', '-', value.lower()).strip('-')}"
                    parts.append(f'<span class="labkit-choice"><input type="radio" '
                                 f'name="{q["id"]}" id="{vid}" value="{html.escape(value)}"> '
                                 f'<label for="{vid}">{html.escape(value)}</label></span> ')
            else:
                parts.append(f'<label for="{qid}" class="visually-hidden">'
                             f'{html.escape(q["text"])}</label>'
                             f'<textarea id="{qid}" name="{q["id"]}"></textarea>')
            parts.append("</fieldset>")
        parts.append('<p><button type="submit">Save my evaluation</button> '
                     '<a class="labkit-evaluation-download" download="cme-evaluation.json" '
                     'hidden>Download my evaluation (JSON)</a></p>'
                     '<p class="labkit-evaluation-status" role="status" aria-live="polite"></p>'
                     '</form>')
        return [nodes.raw("", "".join(parts), format="html")]


def _page_meta(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    context["metatags"] = context.get("metatags", "") + (
        f'\n<meta name="labkit-page" content="{html.escape(pagename)}">')


def _static(app: Any) -> None:
    app.config.html_static_path.append(str(quiz.ASSETS))


def setup(app: Any) -> dict:
    app.add_directive("quiz", QuizDirective)
    app.add_directive("blueprint", BlueprintDirective)
    app.add_directive("route", RouteDirective)
    app.add_directive("route-objectives", RouteObjectivesDirective)
    app.add_directive("attestation", AttestationDirective)
    app.add_directive("evaluation-form", EvaluationDirective)
    app.connect("builder-inited", _static)
    app.connect("html-page-context", _page_meta)
    app.add_js_file("labkit-quiz.js")
    app.add_css_file("labkit-quiz.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
