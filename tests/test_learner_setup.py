"""The learners' set-up: requirements-labs.txt in step with requirements.txt and
with what the labs import, one source of the set-up words in every copy, and the
pieces of tools/learner_setup.py (the full clean-venv run is a CI step, .ci/run)."""

import ast
import doctest
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

from labkit.checks import lab0
from tools import learner_setup, notebooks

ROOT = Path(__file__).resolve().parents[1]
LABS_REQ = ROOT / "requirements-labs.txt"
FULL_REQ = ROOT / "requirements.txt"
#: The book toolchain and the test tools: a learner never needs them.
NOT_FOR_LEARNERS = {"jupyter-book", "sphinx", "myst-nb", "myst-parser", "sphinx-book-theme",
                    "sphinxcontrib-bibtex", "sphinx-mathjax-offline", "jupyter-cache",
                    "pytest", "pytest-xdist", "nbval", "playwright", "axe-playwright-python",
                    "ruff", "hypothesis", "jupytext"}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict[str, str]:
    """name -> version for every `name==version` line, read independently of labkit."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            found[norm(name)] = version.strip()
    return found


def lab_section(path: Path) -> set[str]:
    """The names under requirements.txt's '# --- the labs ---' heading."""
    text = path.read_text(encoding="utf-8").split("# --- the labs ---", 1)[1]
    section = text.split("\n# ---", 1)[0]
    return set(pins_from_text(section))


def pins_from_text(text: str) -> dict[str, str]:
    return {norm(line.split("==")[0]): line.split("==")[1].strip()
            for line in (ln.split("#")[0].strip() for ln in text.splitlines()) if "==" in line}


def imported_modules(paths: list[Path]) -> dict[str, set[str]]:
    """Top-level modules imported by ``paths`` (third-party only) -> the files importing them."""
    found: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("labkit", "__future__"):
                    found.setdefault(top, set()).add(path.relative_to(ROOT).as_posix())
    return found


def distributions(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    """Installed distribution (normalised) for each module -> the files importing it."""
    owners = importlib.metadata.packages_distributions()
    out: dict[str, set[str]] = {}
    for module, files in modules.items():
        assert module in owners, f"{sorted(files)} import {module}, which is not installed here"
        for dist in owners[module]:
            out.setdefault(norm(dist), set()).update(files)
    return out


def uncovered(needed: dict[str, set[str]], listed: set[str]) -> list[str]:
    return [f"{dist} (imported by {', '.join(sorted(files))})"
            for dist, files in sorted(needed.items()) if dist not in listed]


LABKIT_FILES = sorted((ROOT / "labkit").rglob("*.py"))
LAB_FILES = sorted((ROOT / "labs" / "src").glob("*.py"))


# ------------------------------------------------------------------ requirements


def test_every_lab_pin_equals_the_full_pin():
    labs, full = pins(LABS_REQ), pins(FULL_REQ)
    assert labs, "requirements-labs.txt pins nothing"
    differ = {name: (version, full.get(name)) for name, version in labs.items()
              if full.get(name) != version}
    assert not differ, f"requirements-labs.txt vs requirements.txt: {differ}"


def test_labs_file_is_exactly_the_labs_section_of_requirements():
    assert set(pins(LABS_REQ)) == lab_section(FULL_REQ)


def test_labs_file_has_no_book_or_test_tools_and_installs_labkit():
    assert not set(pins(LABS_REQ)) & NOT_FOR_LEARNERS
    lines = [ln.split("#")[0].strip() for ln in LABS_REQ.read_text().splitlines()]
    assert "-e ." in lines, "labkit must be installed (editable, so it finds datasets/)"
    assert {"jupyterlab", "ipykernel", "ipywidgets"} <= set(pins(LABS_REQ))


def test_every_package_the_labs_and_labkit_import_is_covered():
    needed = distributions(imported_modules(LABKIT_FILES + LAB_FILES))
    assert {"numpy", "pandas", "scikit-learn", "fairlearn", "shap", "matplotlib",
            "threadpoolctl", "tqdm"} <= set(needed), "the import scan found too little"
    assert uncovered(needed, set(pins(LABS_REQ))) == []
    assert uncovered(needed, {norm(p) for p in lab0.LAB_PACKAGES}) == [], (
        "labkit.checks.lab0.LAB_PACKAGES misses a package the labs import")


def test_pyproject_lists_every_package_labkit_imports():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    listed = {norm(re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0]) for d in deps}
    assert uncovered(distributions(imported_modules(LABKIT_FILES)), listed) == []


def test_the_coverage_check_can_fail(tmp_path):
    lab = tmp_path / "lab.py"
    lab.write_text("import numpy\nfrom sklearn.metrics import roc_auc_score\nimport os\n")
    needed = {"numpy": {"lab.py"}, "scikit-learn": {"lab.py"}}
    assert uncovered(needed, {"numpy"}) == ["scikit-learn (imported by lab.py)"]
    assert pins_from_text("numpy==1.0  # x\n-e .\n") == {"numpy": "1.0"}


# ------------------------------------------------------------------ the commands


def test_extraction_finds_the_linux_and_macos_commands():
    blocks = learner_setup.command_blocks(learner_setup.steps_text())
    assert len(blocks) >= 2
    cmds = [c for block in blocks for c in learner_setup.commands(block)]
    assert cmds[0] == "python3 -m venv .venv"
    assert "source .venv/bin/activate" in cmds
    assert any("requirements-labs.txt" in c and "pip install" in c for c in cmds)
    assert cmds[-1] == "jupyter lab labs"
    assert not any("requirements.txt" in c for c in cmds)


def test_windows_commands_match_the_others():
    text = learner_setup.steps_text()
    (windows,) = learner_setup.command_blocks(text, "bat")
    posix = learner_setup.commands(learner_setup.command_blocks(text)[0])
    win = learner_setup.commands(windows)
    assert win == ["python -m venv .venv", r".venv\Scripts\activate", posix[-1]]
    assert "requirements-labs.txt" in win[-1]


def test_step_script_runs_commands_verbatim_and_stops_at_a_failure(tmp_path):
    script = learner_setup.step_script(["echo one\n", "false\necho never\n"])
    assert "\necho one\n" in script and "\nfalse\n" in script
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode != 0
    assert proc.stdout.splitlines() == [f"{learner_setup.MARK} 1: echo one", "one",
                                        f"{learner_setup.MARK} 2: false"]


def test_clean_env_leaves_no_way_back_to_this_repository(tmp_path):
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    base = {"PATH": f"{venv_bin}:/usr/bin", "PYTHONPATH": str(ROOT), "VIRTUAL_ENV": "x",
            "PIP_FIND_LINKS": "/opt/wheels", "HOME": "/root"}
    env = learner_setup.clean_env(base, tmp_path / "home", Path(sys.executable))
    assert "PYTHONPATH" not in env and "VIRTUAL_ENV" not in env
    assert env["PIP_FIND_LINKS"] == "/opt/wheels"  # the machine's package index stays
    path = env["PATH"].split(":")
    assert str(venv_bin) not in path and path[-1] == "/usr/bin"
    assert Path(env["JUPYTER_DATA_DIR"]).is_dir()
    proc = subprocess.run(["python3", "-c", "import sys; print(sys.executable)"], env=env,
                          capture_output=True, text=True)
    assert proc.stdout.strip() == sys.executable


def test_bad_python_is_a_one_line_error(capsys):
    assert learner_setup.main(["--python", "no-such-python-3.99"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no-such-python-3.99" in err


def test_executed_notebook_problems_are_found():
    ok = {"cell_type": "code", "outputs": [{"output_type": "stream", "name": "stdout",
                                            "text": "fine\n"}]}
    bad = {"cell_type": "code", "outputs": [{"output_type": "error", "ename": "ValueError",
                                             "evalue": "boom", "traceback": []}]}
    assert learner_setup.problems_in({"cells": [ok]}) == []
    assert learner_setup.problems_in({"cells": [ok, bad]}) == [
        "code cell 1 raised ValueError: boom"]


def test_examples_run():
    assert doctest.testmod(learner_setup).failed == 0
    assert doctest.testmod(notebooks).failed == 0


# ------------------------------------------------------------------ one source, four copies


def test_book_page_includes_the_steps_and_is_in_the_toc():
    page = (ROOT / "book" / "setup.md").read_text()
    assert re.search(r"^```\{include\} _setup_steps\.md\n```$", page, re.M)
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    start = next(p for p in toc["parts"] if p["caption"] == "Start here")
    assert {"file": "book/setup"} in start["chapters"]


def test_readme_carries_the_steps_word_for_word():
    readme = (ROOT / "README.md").read_text()
    assert learner_setup.readme_steps(readme) == learner_setup.steps_text(), (
        "README.md's set-up steps differ from book/_setup_steps.md: "
        "run python -m tools.learner_setup readme")


def test_readme_drift_is_detected_and_repaired(tmp_path):
    readme = tmp_path / "README.md"
    steps = tmp_path / "steps.md"
    steps.write_text("Step one.\n")
    readme.write_text(f"# Kit\n\n{learner_setup.README_BEGIN}\n\nOld words.\n\n"
                      f"{learner_setup.README_END}\n\n## Next\n")
    assert learner_setup.readme_steps(readme.read_text()) == "Old words.\n"
    assert learner_setup.write_readme(readme, steps)
    text = readme.read_text()
    assert learner_setup.readme_steps(text) == "Step one.\n" and text.endswith("## Next\n")
    assert not learner_setup.write_readme(readme, steps)
    readme.write_text("# Kit without markers\n")
    with pytest.raises(ValueError, match="markers"):
        learner_setup.write_readme(readme, steps)


@pytest.mark.parametrize("edition", ["full", "learner"])
def test_lab0_carries_the_steps_and_is_true_in_each_edition(edition):
    nb = notebooks.full_edition(notebooks.SRC_DIR / "00_setup.py")
    if edition == "learner":
        nb = notebooks.learner_edition(nb)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert learner_setup.steps_text().strip() in markdown
    for untrue in ("make book", "tasks.py", "open its solution", "requirements.txt"):
        assert untrue not in markdown.replace("requirements-labs.txt", ""), untrue
    # The steps say: the first code cell is the environment check, and it prints this.
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert learner_setup.ENVIRONMENT_CHECK in first_code.source
    assert learner_setup.ENVIRONMENT_PASSED in learner_setup.steps_text()


def test_environment_check_prints_what_the_steps_promise(monkeypatch, capsys):
    monkeypatch.delenv("LABKIT_STRICT", raising=False)
    assert lab0.environment().passed
    assert learner_setup.ENVIRONMENT_PASSED in capsys.readouterr().out


def test_student_readme_carries_the_steps():
    assert learner_setup.steps_text().strip() in notebooks.student_readme()


def test_include_of_a_missing_file_names_it():
    with pytest.raises(ValueError, match="book/nowhere.md"):
        notebooks.expand_includes("<!-- include: book/nowhere.md -->")


def test_colab_clones_the_repository_the_book_names():
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    (colab,) = learner_setup.command_blocks(learner_setup.steps_text(), "ipython")
    assert f"!git clone --depth 1 {url}\n" in colab
    assert "%cd " + url.rstrip("/").rsplit("/", 1)[1] in colab


def test_learner_edition_lab0_is_valid():
    nb = notebooks.learner_edition(notebooks.full_edition(notebooks.SRC_DIR / "00_setup.py"))
    nbformat.validate(nb)


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="wait4 is POSIX only")
def test_run_measured_reports_the_reaped_child_when_it_is_larger(tmp_path):
    """The class environment's lab memory (make hub, the sizing's figures) is measured
    around nbconvert; the kernel is its child. A child holding 300 MB must show. The
    measuring runs in a fresh small process, as make hub's does: Linux counts a forked
    child's copy of its parent's memory, so a large caller (a pytest worker) would
    inflate every figure."""
    child = "b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096])"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    script = ("import json, sys; from tools.learner_setup import run_measured\n"
              "out = [run_measured([sys.executable, '-c', code], None, sys.argv[1])\n"
              "       for code in sys.argv[2:]]\n"
              "print(json.dumps(out))")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path), parent, "pass",
                           "import sys; sys.exit('no')"], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    (s1, e1, with_child), (s2, _, alone), (s3, e3, _) = json.loads(done.stdout)
    assert (s1, e1, s2) == (0, "", 0)
    assert with_child >= 300 > alone, (with_child, alone)
    assert (s3, e3.strip()) == (1, "no")


def test_the_set_up_page_states_the_disk_space_the_check_measures():
    """The check (run by .ci/run) fails when the page's figure no longer covers what the
    set-up used, or overstates it by 0.3 GB or more."""
    text = learner_setup.steps_text()
    found = learner_setup.DISK.search(text)
    assert found, "book/_setup_steps.md must say 'about N GB of free disk space'"
    stated_mb = float(found["gb"]) * 1000
    assert learner_setup.disk_problem(stated_mb - 100, text) is None
    assert "say about" in learner_setup.disk_problem(stated_mb + 50, text)
    assert "say about" in learner_setup.disk_problem(stated_mb - 400, text)
    assert "no longer says" in learner_setup.disk_problem(500, "you need some disk space")
