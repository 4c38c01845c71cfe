"""Generate lab notebooks from their one source, and the learner edition.

``labs/src/NN_slug.py`` (jupytext percent format) is the only file people edit.

- full edition ``labs/NN_slug.ipynb``: outputs stripped, stable cell ids (a hash
  of each cell's content, so editing one cell changes only its id), solution
  cells tagged ``solution`` + ``hide-input`` and labelled "Show solution" in
  the web book;
- learner edition: each solution cell replaced by a scaffold that keeps its
  leading comments and sets every name it assigned to ``...``.

A markdown line ``<!-- include: PATH -->`` (PATH relative to the repository) is
replaced by that file's text in both editions: Lab 0 carries the set-up steps of
``book/_setup_steps.md`` this way, word for word as the book's set-up page does.

Usage::

    python -m tools.notebooks generate          # write labs/*.ipynb
    python -m tools.notebooks check             # exit 1 if any is out of sync
    python -m tools.notebooks student OUT_DIR   # learner edition kit
"""

from __future__ import annotations

import ast
import copy
import hashlib
import re
import shutil
import sys
from pathlib import Path

import jupytext
import nbformat

from tools import prose_numbers

ROOT = Path(__file__).resolve().parents[1]
SRC_DIR = ROOT / "labs" / "src"
LAB_DIR = ROOT / "labs"
SOLUTION = "solution"
#: A cell that only records values for the book (labkit.glue): hidden in the book,
#: left out of the learner edition (the learner's environment has no book to fill).
GLUE = "glue"
KEEP_METADATA = ("tags", "mystnb")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
INCLUDE = re.compile(r"^<!-- include: (?P<path>[^\s]+) -->[ \t]*$", re.M)


def sources(src_dir: Path = SRC_DIR) -> list[Path]:
    """Every lab source, in order."""
    return sorted(src_dir.glob("[0-9][0-9]_*.py"))


def notebook_path(src: Path, out_dir: Path = LAB_DIR) -> Path:
    """Where the generated notebook for ``src`` lives."""
    return out_dir / (src.stem + ".ipynb")


def _stable_id(cell: nbformat.NotebookNode, seen: set[str]) -> str:
    text = cell.cell_type + "\n" + cell.source
    base = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    cell_id, n = base, 1
    while cell_id in seen:  # identical cells get a counter
        n += 1
        cell_id = f"{base}-{n}"
    seen.add(cell_id)
    return cell_id


def expand_includes(markdown: str, root: Path = ROOT) -> str:
    r"""``markdown`` with each ``<!-- include: PATH -->`` line replaced by PATH's text.

    >>> expand_includes("Intro\n<!-- include: LICENSE -->\nEnd").startswith("Intro\nMIT")
    True
    """
    def text(match: re.Match) -> str:
        path = root / match.group("path")
        if not path.is_file():
            raise ValueError(f"include: {match.group('path')}: no such file in {root}")
        return path.read_text(encoding="utf-8").strip()

    return INCLUDE.sub(text, markdown)


def full_edition(src: Path) -> nbformat.NotebookNode:
    """The full (instructor/web) notebook for one lab source."""
    nb = jupytext.read(src, fmt="py:percent")
    nb.metadata = nbformat.from_dict(
        {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    )
    nb.nbformat, nb.nbformat_minor = 4, 5
    seen: set[str] = set()
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict(
            {k: v for k, v in cell.metadata.items() if k in KEEP_METADATA}
        )
        if cell.cell_type == "markdown":
            cell.source = expand_includes(cell.source)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            tags = list(cell.metadata.get("tags", []))
            if GLUE in tags and "remove-cell" not in tags:
                tags.append("remove-cell")
                cell.metadata["tags"] = tags
            if SOLUTION in tags:
                if "hide-input" not in tags:
                    tags.append("hide-input")
                cell.metadata["tags"] = tags
                mystnb = dict(cell.metadata.get("mystnb", {}))
                mystnb.setdefault("code_prompt_show", "Show solution")
                mystnb.setdefault("code_prompt_hide", "Hide solution")
                cell.metadata["mystnb"] = mystnb
        cell.id = _stable_id(cell, seen)
    nbformat.validate(nb)
    return nb


def scaffold(source: str) -> str:
    """The learner's starting point for a solution cell.

    >>> print(scaffold("# Count the rows\\nn = len(df)\\nshare = n / 10"))
    # Count the rows
    n = ...  # your code here
    share = ...  # your code here
    """
    lines = source.splitlines()
    head = []
    for line in lines:
        if line.startswith("#"):
            head.append(line)
        else:
            break
    names: list[str] = []
    for node in ast.parse(source).body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            elts = target.elts if isinstance(target, ast.Tuple) else [target]
            names += [e.id for e in elts if isinstance(e, ast.Name) and e.id not in names]
    body = [f"{name} = ...  # your code here" for name in names] or ["# Your code here"]
    return "\n".join(head + body)


def learner_edition(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` with every solution replaced by its scaffold, without the cells
    that record values for the book, and without glue markers (the typed numbers stay)."""
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if GLUE not in c.metadata.get("tags", [])]
    for cell in out.cells:
        if cell.cell_type == "markdown":
            cell.source = prose_numbers.strip(cell.source)
        image = cell.metadata.get("mystnb", {}).get("image", {})
        if "alt" in image:
            image["alt"] = prose_numbers.strip(image["alt"])
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and SOLUTION in tags:
            cell.source = scaffold(cell.source)
            cell.metadata["tags"] = ["exercise"]
            cell.metadata.pop("mystnb", None)
    return out


def learner_notebook(src: Path, edition: str | None = None) -> nbformat.NotebookNode:
    """The learner edition of lab ``src`` as it is published (the kit, the site's
    download, the hub): its first cell ends with the edition it belongs to, so a
    learner, and a programme that teaches from one edition, can see which it is.

    ``edition`` defaults to ``tools.edition.label()``.
    """
    from tools.edition import label

    nb = learner_edition(full_edition(src))
    first = nb.cells[0]
    first.source = first.source.rstrip("\n") + (
        f"\n\n*{edition or label()}: the learner edition of the open lab kit. "
        "What changed and what was corrected: CHANGELOG.md beside labs/, and the book's "
        "errata page.*")
    return nb


def dumps(nb: nbformat.NotebookNode) -> str:
    """Serialise deterministically (one trailing newline)."""
    return nbformat.writes(nb, version=4).rstrip("\n") + "\n"


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def generate(src_dir: Path = SRC_DIR, out_dir: Path = LAB_DIR) -> list[Path]:
    """Write the full edition of every lab; return the paths written."""
    written = []
    for src in sources(src_dir):
        path = notebook_path(src, out_dir)
        text = dumps(full_edition(src))
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            _write(path, text)
        written.append(path)
    return written


def _rel(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def out_of_sync(src_dir: Path = SRC_DIR, out_dir: Path = LAB_DIR) -> list[str]:
    """Problems between sources and committed notebooks; empty when in sync."""
    problems = []
    expected = {notebook_path(s, out_dir).name for s in sources(src_dir)}
    for src in sources(src_dir):
        path = notebook_path(src, out_dir)
        if not path.exists():
            problems.append(f"{_rel(path)}: missing; run 'make book' or "
                            "'python -m tools.notebooks generate'")
        elif path.read_text(encoding="utf-8") != dumps(full_edition(src)):
            problems.append(f"{_rel(path)}: differs from {_rel(src)}; regenerate it "
                            "with 'python -m tools.notebooks generate'")
    for path in sorted(out_dir.glob("*.ipynb")):
        if path.name not in expected:
            problems.append(f"{_rel(path)}: has no source in labs/src/")
    return problems


STUDENT_README = """# Learner edition - open lab kit for health-AI education

**{edition}.** `CHANGELOG.md` says what each edition changed; the book's errata
page lists every clinical or numerical correction and the edition that carries it.

The labs in `labs/` have the solutions removed: each exercise cell starts with
`...` placeholders for you to replace. Run the check cell under each exercise
for immediate feedback. The datasets in `datasets/` are verified against
`datasets/SHA256SUMS` every time a lab loads them; `labkit/` is the small
package that loads them and checks your answers.

## Set up

{steps}
"""


def student_readme() -> str:
    """The learner kit's README: what is in it, then the set-up steps word for word."""
    from tools.edition import label
    from tools.learner_setup import steps_text

    return STUDENT_README.format(edition=label(), steps=steps_text().strip())


#: What the learner kit holds besides labs/, datasets/ and labkit/: the set-up
#: steps install requirements-labs.txt, whose `-e .` installs labkit from pyproject.toml.
KIT_FILES = ("requirements-labs.txt", "pyproject.toml", "LICENSE", "LICENSE-CONTENT.md",
             "CHANGELOG.md")


def student(out: Path) -> Path:
    """Write the learner edition kit into ``out`` and a zip beside it; return the zip."""
    if out.exists():
        shutil.rmtree(out)
    (out / "labs").mkdir(parents=True)
    for src in sources():
        _write(notebook_path(src, out / "labs"), dumps(learner_notebook(src)))
    shutil.copytree(ROOT / "datasets", out / "datasets",
                    ignore=shutil.ignore_patterns("__pycache__", "*.tmp"))
    shutil.copytree(ROOT / "labkit", out / "labkit", ignore=shutil.ignore_patterns("__pycache__"))
    for name in KIT_FILES:
        shutil.copy2(ROOT / name, out / name)
    (out / "README.md").write_text(student_readme(), encoding="utf-8")
    archive = shutil.make_archive(str(out), "zip", root_dir=out.parent, base_dir=out.name)
    return Path(archive)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("generate", "check", "student"):
        print(__doc__.split("Usage::")[1], file=sys.stderr)
        return 2
    if argv[0] == "generate":
        for path in generate():
            print(f"generated {path.relative_to(ROOT)}")
        return 0
    if argv[0] == "check":
        problems = out_of_sync()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    if len(argv) != 2:
        print("usage: python -m tools.notebooks student OUT_DIR", file=sys.stderr)
        return 2
    archive = student(Path(argv[1]).resolve())
    print(f"learner edition: {Path(argv[1])} and {archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
