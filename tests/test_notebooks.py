"""The lab pipeline: one source per lab, generated notebooks in sync, learner edition."""

import ast
import copy
import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from tools import notebooks, prose_numbers

ROOT = Path(__file__).resolve().parents[1]
SOURCES = notebooks.sources()
SOLUTION = notebooks.SOLUTION


def test_there_are_labs():
    assert [s.name for s in SOURCES][:1] == ["00_setup.py"]


def test_committed_notebooks_match_their_sources():
    assert notebooks.out_of_sync() == []


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(src):
    nb = json.loads(notebooks.notebook_path(src).read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_out_of_sync_is_detected(tmp_path):
    out = tmp_path / "labs"
    out.mkdir()
    notebooks.generate(notebooks.SRC_DIR, out)
    assert notebooks.out_of_sync(notebooks.SRC_DIR, out) == []
    target = out / "00_setup.ipynb"
    target.write_text(target.read_text().replace("Set up and orientation", "Set up"))
    (out / "99_orphan.ipynb").write_text("{}")
    problems = notebooks.out_of_sync(notebooks.SRC_DIR, out)
    assert any("00_setup.ipynb: differs" in p for p in problems)
    assert any("99_orphan.ipynb: has no source" in p for p in problems)


def test_cell_ids_are_stable_under_unrelated_edits(tmp_path):
    src = tmp_path / "00_setup.py"
    text = SOURCES[0].read_text()
    src.write_text(text)
    before = [c.id for c in notebooks.full_edition(src).cells]
    assert before == [c.id for c in notebooks.full_edition(src).cells]
    src.write_text(text.replace("## Step 2 - Read the dataset card", "## Step 2 - Read the card"))
    after = [c.id for c in notebooks.full_edition(src).cells]
    assert len(before) == len(after)
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 1


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_solutions_fold_behind_a_toggle(src):
    nb = notebooks.full_edition(src)
    solutions = [c for c in nb.cells if SOLUTION in c.metadata.get("tags", [])]
    assert len(solutions) >= 3
    for cell in solutions:
        assert "hide-input" in cell.metadata["tags"]
        assert cell.metadata["mystnb"]["code_prompt_show"] == "Show solution"


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_learner_edition_has_no_solution_code(src):
    full = notebooks.full_edition(src)
    learner = notebooks.learner_edition(full)
    # The learner edition leaves out the cells that record values for the book and
    # the glue markers (tests/test_prose_numbers.py); every other cell is kept.
    kept = [c for c in full.cells if notebooks.GLUE not in c.metadata.get("tags", [])]
    assert len(kept) == len(learner.cells)
    for a, b in zip(kept, learner.cells, strict=True):
        if SOLUTION not in a.metadata.get("tags", []):
            if a.cell_type == "markdown":
                a = copy.deepcopy(a)
                a.source = prose_numbers.strip(a.source)
            image = a.metadata.get("mystnb", {}).get("image", {})
            if "alt" in image:
                a = copy.deepcopy(a)
                a.metadata["mystnb"]["image"]["alt"] = prose_numbers.strip(image["alt"])
            assert a == b
            continue
        assert b.metadata["tags"] == ["exercise"]
        code = [ln for ln in a.source.splitlines() if ln.strip() and not ln.startswith("#")]
        for line in code:
            assert line not in b.source.splitlines()
        ast.parse(b.source)  # the scaffold is valid Python
        assert "..." in b.source or "Your code here" in b.source


def test_scaffold_handles_tuples_and_plain_code():
    expected = "a = ...  # your code here\nb = ...  # your code here"
    assert notebooks.scaffold("a, b = 1, 2") == expected
    assert notebooks.scaffold("# Plot it\nprint(1)") == "# Plot it\n# Your code here"


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_lab_follows_the_anatomy(src):
    nb = notebooks.full_edition(src)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for part in ("**Scenario.**", "**You will be able to**", "**Time:**", "**Data:**",
                 "## Knowledge check", "## Clinical takeaways", "## Further reading"):
        assert part in text, part
    # The knowledge check shows the lab's questions from the bank (tests/test_quiz.py).
    assert any(c.source.strip() == f'quiz.show("labs/{src.stem}")' or
               c.source.strip().endswith(f'\nquiz.show("labs/{src.stem}")')
               for c in nb.cells if c.cell_type == "code"), "no quiz.show() knowledge check"
    lab = src.stem.split("_")[0].lstrip("0") or "0"
    code = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(code):
        if SOLUTION in cell.metadata.get("tags", []):
            follower = code[i + 1].source if i + 1 < len(code) else ""
            assert f"lab{lab}." in follower, f"solution cell {i} is not followed by a check"


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_figure_cells_carry_alt_text(src):
    for cell in notebooks.full_edition(src).cells:
        if cell.cell_type == "code" and "plt.show()" in cell.source:
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt) > 40, f"figure cell without meaningful alt text:\n{cell.source[:80]}"


def test_student_edition(tmp_path):
    from tools.learner_setup import steps_text

    archive = notebooks.student(tmp_path / "student")
    kit = tmp_path / "student"
    for rel in ("labs/00_setup.ipynb", "datasets/SHA256SUMS", "labkit/datasets.py",
                "labkit/checks/lab0.py", "requirements-labs.txt", "pyproject.toml",
                "README.md", "LICENSE"):
        assert (kit / rel).is_file(), rel
    # One requirements file, the one the set-up steps install; no book or test tools.
    assert not (kit / "requirements.txt").exists()
    labs_req = "requirements-labs.txt"
    assert (kit / labs_req).read_text() == (ROOT / labs_req).read_text()
    assert sorted(p.name for p in (kit / "labs").iterdir()) == sorted(
        notebooks.notebook_path(s).name for s in SOURCES)
    nb = nbformat.read(kit / "labs" / "00_setup.ipynb", as_version=4)
    assert not any(SOLUTION in c.metadata.get("tags", []) for c in nb.cells)
    text = "\n".join(c.source for c in nb.cells)
    assert "median_radius = ...  # your code here" in text
    assert steps_text().strip() in text
    readme = (kit / "README.md").read_text()
    assert steps_text().strip() in readme
    # Every file and folder of the kit that the steps name is there.
    for name in ("requirements-labs.txt", "labs", "00_setup.ipynb"):
        assert f"`{name}`" in steps_text(), name
    assert (kit / "labs" / "00_setup.ipynb").is_file()
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
    assert "student/labs/00_setup.ipynb" in names
    assert "student/requirements-labs.txt" in names
    assert not any("__pycache__" in n for n in names)


OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000"}


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_figures_use_colour_blind_safe_colours(src):
    """Every colour a lab names is Okabe-Ito or a grey (equal R, G and B)."""
    import re

    for colour in re.findall(r"#[0-9A-Fa-f]{6}\b", src.read_text()):
        c = colour.upper()
        grey = c[1:3] == c[3:5] == c[5:7]
        assert c in OKABE_ITO or grey, f"{colour} is not in the Okabe-Ito palette"
    assert not re.search(r"cmap=['\"](jet|rainbow|hsv)['\"]", src.read_text())
