"""The numbers the labs and chapters quote are the numbers the labs compute.

A result typed in a lab's prose or alt text carries a glue marker naming the value
the lab records (``tools/prose_numbers.py``). Here each recorded value is read from
the lab's executed notebook with myst-nb's own reader and formatted with myst-nb's
own formatter, exactly as the book will show it; a typed number that differs fails,
naming the file, the cell and the sentence. Every other number in a lab's prose
must be a constant allowed with a reason (``tools/allowed_numbers/``).
"""

from __future__ import annotations

import ast
import copy
import re
import textwrap
from pathlib import Path

import jupytext
import nbformat
import pytest
from myst_nb.core.variables import format_plain_text
from myst_nb.ext.glue import extract_glue_data_cell

from tools import notebooks, prose_numbers, sphinx_glue

ROOT = Path(__file__).resolve().parents[1]
SOURCES = prose_numbers.lab_sources()
CHAPTERS = sorted((ROOT / "book").glob("*.md"))


def glued(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The text of every value a lab recorded with labkit.glue, by name."""
    values: dict[str, str] = {}
    for cell in copy.deepcopy(nb).cells:
        if cell.cell_type != "code":
            continue
        for key, output in extract_glue_data_cell(cell):
            assert key not in values, f"glue name {key!r} recorded twice"
            values[key] = output["data"]["text/plain"]
    return values


@pytest.fixture(scope="module")
def recorded(executed) -> dict[str, dict[str, str]]:
    """Every lab's glued values, by lab stem, read once for the tests below."""
    return {stem: glued(nb) for stem, nb in executed.items()}


def stale(marker: prose_numbers.Marker, values: dict[str, str], where: str) -> str | None:
    """What is wrong with one typed number; None when the book would show the same text."""
    if marker.key not in values:
        return (f"{where}: {marker.typed} is glued to {marker.key!r}, which the lab never "
                f"records: {marker.sentence!r}")
    shown = format_plain_text(values[marker.key], marker.fmt)
    if shown != marker.typed:
        return (f"{where}: says {marker.typed} but the lab computes {shown} "
                f"({marker.ref}): {marker.sentence!r}")
    return None


@pytest.mark.slow
@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_every_typed_number_is_the_computed_one(recorded, src):
    values = recorded[src.stem]
    problems = []
    for piece in prose_numbers.texts(src):
        for marker in prose_numbers.markers(piece.text):
            if marker.doc:
                problems.append(f"{piece.where}: a lab quotes only its own values: "
                                f"{marker.ref}")
            elif (problem := stale(marker, values, piece.where)) is not None:
                problems.append(problem)
    assert problems == [], "stale numbers (fix the text):\n" + "\n".join(problems)


@pytest.mark.slow
def test_every_number_a_chapter_quotes_from_a_lab_is_the_computed_one(recorded):
    problems, quoted = [], 0
    for chapter in CHAPTERS:
        text = chapter.read_text(encoding="utf-8")
        for marker in prose_numbers.markers(text):
            quoted += 1
            where = str(chapter.relative_to(ROOT))
            lab = (chapter.parent / marker.doc).resolve()
            if not marker.doc or lab.parent != notebooks.LAB_DIR or lab.stem not in recorded:
                problems.append(f"{where}: {marker.ref} must name a lab notebook, "
                                f"../labs/NN_slug.ipynb::key")
                continue
            if (problem := stale(marker, recorded[lab.stem], where)) is not None:
                problems.append(problem)
        problems += [f"{chapter.name}: marker not after a number: {s!r}"
                     for s in prose_numbers.loose_markers(text)]
    assert problems == [], "stale numbers (fix the text):\n" + "\n".join(problems)
    assert quoted > 0, "no chapter quotes a lab's number: the test would pass on anything"


def test_no_lab_types_a_number_that_is_neither_glued_nor_allowed():
    problems = prose_numbers.problems()
    assert problems == [], "\n".join(problems)


def glue_cell_problems(nb: nbformat.NotebookNode, name: str) -> list[str]:
    """What a glue cell does besides importing glue, calling it and naming values of its
    own ('_name', used by no other cell)."""
    others = "\n".join(c.source for c in nb.cells if c.cell_type == "code"
                       and notebooks.GLUE not in c.metadata.get("tags", []))
    problems = []
    for n, cell in enumerate(nb.cells):
        if notebooks.GLUE not in cell.metadata.get("tags", []):
            continue
        for node in ast.parse(cell.source).body:
            is_import = (isinstance(node, ast.ImportFrom) and node.module == "labkit.glue"
                         and [a.name for a in node.names] == ["glue"])
            is_glue = (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                       and isinstance(node.value.func, ast.Name)
                       and node.value.func.id == "glue")
            names = [t.id for target in getattr(node, "targets", [])
                     for t in (target.elts if isinstance(target, ast.Tuple) else [target])
                     if isinstance(t, ast.Name)]
            is_own = (isinstance(node, ast.Assign) and bool(names)
                      and all(name.startswith("_") for name in names)
                      and not any(re.search(rf"\b{name}\b", others) for name in names))
            if not (is_import or is_glue or is_own):
                problems.append(f"{name} cell {n}: a glue cell may only import and call glue() "
                                f"and name values of its own ('_name', used by no other cell); "
                                f"line {node.lineno} does something else")
    return problems


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_glue_cells_only_record_values(src):
    """The learner edition leaves glue cells out, so they must define nothing a later cell uses."""
    assert glue_cell_problems(jupytext.read(src, fmt="py:percent"), src.name) == []


@pytest.mark.parametrize("glue_cell, later, bad", [
    ("from labkit.glue import glue\nglue('a', x.mean())", "print(x)", False),
    ("_c = x[:, 0]\nglue('a', _c.min())", "print(x)", False),
    ("c = x[:, 0]\nglue('a', c.min())", "print(x)", True),         # a public name
    ("_c = x[:, 0]\nglue('a', _c.min())", "print(_c)", True),      # used by a later cell
    ("glue('a', 1)\nx = x + 1", "print(x)", True),                  # changes the lab's state
    ("print(glue)", "print(x)", True),
])
def test_a_glue_cell_that_does_more_than_record_is_caught(glue_cell, later, bad):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(glue_cell, metadata={"tags": [notebooks.GLUE]}),
        nbformat.v4.new_code_cell(later)])
    assert bool(glue_cell_problems(nb, "lab")) is bad


# ------------------------------------------------- the checker itself, on made-up labs


LAB = '''\
# %% [markdown]
# # Lab 98 - Made up
# <!-- assesses: LK98.1 -->
# The model flags 21%<!--glue:share:.0%--> of patients within 30 days (Lab 1,
# Exercise 1.2; 2019-2022). {extra}

# %% tags=["glue"]
from labkit.glue import glue
glue("share", 0.2112)
'''


def made_up(tmp_path: Path, extra: str = "", allowed: str = "") -> list[str]:
    src = tmp_path / "98_made_up.py"
    src.write_text(LAB.format(extra=extra), encoding="utf-8")
    (tmp_path / "allowed").mkdir(exist_ok=True)
    (tmp_path / "allowed" / "_all.yml").write_text(
        "- text: 30 days\n  reason: the outcome's window, fixed by the task\n", encoding="utf-8")
    if allowed:
        (tmp_path / "allowed" / "98_made_up.yml").write_text(allowed, encoding="utf-8")
    return prose_numbers.problems([src], tmp_path / "allowed")


def test_the_checker_passes_glued_and_allowed_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr(prose_numbers, "ROOT", tmp_path)
    assert made_up(tmp_path) == []


def test_the_checker_flags_a_new_typed_result(tmp_path, monkeypatch):
    monkeypatch.setattr(prose_numbers, "ROOT", tmp_path)
    problems = made_up(tmp_path, "Of those, 8 were readmitted.")
    assert len(problems) == 1
    assert "no glue marker and no reason" in problems[0]
    assert "'Of those, 8 were readmitted.'" in problems[0]


def test_the_checker_flags_an_allowed_phrase_no_longer_used(tmp_path, monkeypatch):
    monkeypatch.setattr(prose_numbers, "ROOT", tmp_path)
    problems = made_up(tmp_path, allowed="- text: 48 hours\n  reason: the programme's call\n")
    assert len(problems) == 1 and "'48 hours' is allowed but no longer in" in problems[0]


@pytest.mark.parametrize("entry, message", [
    ("- text: 48 hours\n", "needs exactly 'text' and 'reason'"),
    ("- text: hours\n  reason: the programme's call\n", "has no number to allow"),
    ("- text: 48 hours\n  reason: ok\n", "missing or too short"),
])
def test_a_bad_allow_list_entry_is_named(tmp_path, monkeypatch, entry, message):
    monkeypatch.setattr(prose_numbers, "ROOT", tmp_path)
    with pytest.raises(ValueError, match=message):
        made_up(tmp_path, allowed=entry)


def test_a_marker_not_after_a_number_is_flagged(tmp_path, monkeypatch):
    monkeypatch.setattr(prose_numbers, "ROOT", tmp_path)
    problems = made_up(tmp_path, "It is about a fifth <!--glue:share:.0%-->.")
    assert any("glue marker not right after a number" in p for p in problems)


def test_a_stale_number_is_named_with_its_sentence():
    marker = prose_numbers.markers("In 2024 the model flags 21%<!--glue:share:.0%--> of them.")[0]
    assert stale(marker, {"share": "0.2112"}, "x") is None
    message = stale(marker, {"share": "0.2651"}, "lab.py cell 3")
    assert message == ("lab.py cell 3: says 21% but the lab computes 27% (share:.0%): "
                       "'In 2024 the model flags 21% of them.'")
    assert "never records" in stale(marker, {}, "x")


def test_the_book_gets_roles_and_keeps_code_cells_as_the_cache_knows_them():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("AUROC 0.63<!--glue:auc:.2f-->."),
        nbformat.v4.new_code_cell("plot()", metadata={
            "mystnb": {"image": {"alt": "Top tenth: 37%<!--glue:top:.0%--> predicted."}}}),
    ])
    out = nbformat.reads(sphinx_glue.glue_notebook(nbformat.writes(nb)), as_version=4)
    assert out.cells[0].source == "AUROC {glue:text}`auc:.2f`."
    assert out.cells[1] == nb.cells[1]  # the execution cache's key is the code cells


def test_alt_text_loses_its_markers_once_the_page_is_read():
    from docutils import nodes
    from docutils.utils import new_document

    doctree = new_document("lab")
    doctree += nodes.image(uri="x.png", alt="Top tenth: 37%<!--glue:top:.0%--> predicted.")
    doctree += nodes.image(uri="y.png", alt="No marker here.")
    sphinx_glue.strip_alt(None, doctree)
    assert [i["alt"] for i in doctree.findall(nodes.image)] == [
        "Top tenth: 37% predicted.", "No marker here."]


def test_the_learner_edition_has_no_glue_cells_and_no_markers():
    for src in SOURCES:
        learner = notebooks.learner_edition(notebooks.full_edition(src))
        text = nbformat.writes(learner)
        assert "<!--glue:" not in text, src.name
        assert not any(notebooks.GLUE in c.metadata.get("tags", []) for c in learner.cells)
        assert not re.search(r"labkit\.glue|\bglue\(", text), src.name


def test_the_full_edition_hides_glue_cells_in_the_book():
    for src in SOURCES:
        for cell in notebooks.full_edition(src).cells:
            tags = cell.metadata.get("tags", [])
            if notebooks.GLUE in tags:
                assert "remove-cell" in tags, src.name


def test_marker_syntax_examples():
    text = textwrap.dedent("""\
        The AUROC was 0.63<!--glue:l1_auc:.2f--> and 1,208<!--glue:n:,d--> were
        flagged; chapter: 0.007<!--glue:../labs/02_evaluate.ipynb::nb:.3f-->.""")
    found = prose_numbers.markers(text)
    assert [(m.typed, m.doc, m.key, m.fmt) for m in found] == [
        ("0.63", "", "l1_auc", ".2f"), ("1,208", "", "n", ",d"),
        ("0.007", "../labs/02_evaluate.ipynb", "nb", ".3f")]
    assert prose_numbers.to_roles(text).count("{glue:text}") == 3


def test_examples_run():
    import doctest

    assert doctest.testmod(prose_numbers).failed == 0


def test_the_command_lists_problems_and_exits_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(prose_numbers, "ROOT", tmp_path)
    monkeypatch.setattr(prose_numbers, "problems", lambda: ["lab.py cell 1: a number"])
    assert prose_numbers.main([]) == 1
    assert "lab.py cell 1: a number\n1 problem(s)" in capsys.readouterr().out
    assert prose_numbers.main(["extra"]) == 2


def test_a_bad_allow_list_stops_the_command_with_one_line(tmp_path, monkeypatch, capsys):
    def bad():
        raise ValueError("tools/allowed_numbers/x.yml entry 1: the reason is missing")
    monkeypatch.setattr(prose_numbers, "problems", bad)
    assert prose_numbers.main([]) == 2
    assert capsys.readouterr().err == ("prose_numbers: tools/allowed_numbers/x.yml entry 1: "
                                       "the reason is missing\n")


# ------------------------------------- what the book says in words about the glued numbers

#: (page, words the page uses, the relation between the lab's glued values they state)
WORDS = [
    ("book/faculty.md", "most of the range from 0 to 1",
     "the smallest group's interval is wider than 0.5",
     lambda v: v["l3_ci_aian_high"] - v["l3_ci_aian_low"] > 0.5),
    ("book/faculty.md", "its 95% interval",
     "includes zero", lambda v: v["l2_nb_low"] <= 0 <= v["l2_nb_high"]),
    ("labs/src/02_evaluate.py", "and includes zero. The honest summary",
     "the interval includes zero", lambda v: v["l2_nb_low"] <= 0 <= v["l2_nb_high"]),
    ("labs/src/02_evaluate.py", "net true positives per hundred discharges, and perhaps none",
     "the interval's lower end is at or below zero", lambda v: v["l2_nb_low"] <= 0),
    ("labs/src/08_mitigation.py", "more than twice the capacity",
     "the threshold optimizer flags over 40%", lambda v: v["l8_to_flagged"] > 2 * 0.20),
    ("book/ch06_safe_workflow.md", "over-predicts afterwards",
     "mean predicted risk above the observed rate",
     lambda v: v["l2_mean_risk_test"] > v["l2_observed_test"]),
]


@pytest.mark.slow
@pytest.mark.parametrize("page, words, relation, holds", WORDS, ids=[w[0] for w in WORDS])
def test_the_words_around_a_quoted_lab_number_hold(recorded, page, words, relation, holds):
    """A glued number changes with the data; the words beside it ("includes zero",
    "over-predicts") must still be true of the new number."""
    text = prose_numbers.strip((ROOT / page).read_text(encoding="utf-8"))
    if page.endswith(".py"):  # a lab source: markdown lives in '# ' comment lines
        text = re.sub(r"(?m)^# ?", "", text)
    assert words in prose_numbers.flat(text), f"{page} no longer says {words!r}: update this test"
    values = {key: float(value) for lab in recorded.values() for key, value in lab.items()}
    assert holds(values), f"{page}: {words!r} ({relation}) is no longer true of the labs' values"
