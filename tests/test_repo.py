"""Repository rules from DEVELOPERS.md that a reviewer would otherwise check by hand."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_requirements_are_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and line != "-e .":
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[\w.]+", line), line
    text = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^jupyter-book==1\.", text, re.M), "jupyter-book must stay below 2"


def test_readme_quick_start_and_ci_use_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start")[1].split("\n## ")[0]
    assert "make book" in quick and "make test" in quick
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_config_key_has_a_comment():
    for number, line in enumerate((ROOT / "_config.yml").read_text().splitlines(), 1):
        if re.match(r"^\s*[\w-]+:", line):
            assert "#" in line, f"_config.yml line {number} has no comment: {line.strip()}"


def test_every_citation_is_in_the_bibliography():
    keys = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), re.M))
    sources = [*ROOT.glob("*.md"), *ROOT.glob("book/*.md"), *ROOT.glob("labs/src/*.py"),
               *ROOT.glob("datasets/*.md")]
    cited = set()
    for path in sources:
        for group in re.findall(r"\{cite:[pt]\}`([^`]+)`", path.read_text()):
            cited.update(k.strip() for k in group.split(","))
    assert cited, "no citations found at all"
    assert cited <= keys, f"cited but not in references.bib: {sorted(cited - keys)}"


def test_no_network_dataset_calls():
    pattern = re.compile(r"fetch_\w+\(|urlopen\(|requests\.get\(|hf_hub_download|load_dataset\(")
    for path in [*ROOT.glob("labkit/**/*.py"), *ROOT.glob("labs/src/*.py"),
                 *ROOT.glob("datasets/*.py")]:
        assert not pattern.search(path.read_text()), path


def test_ruff_is_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "labkit", "tools", "tests",
                           "labs/src", "datasets"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_each_module_runs_on_one_test_worker(request):
    """conftest.py groups each module's tests onto one pytest-xdist worker, so that
    module-scoped fixtures (fitted models, a live hub) are built once. pytest-xdist
    marks a grouped test by appending its group to the node id; when a release of
    pytest or pytest-xdist breaks that (pytest-dev/pytest-xdist#1386), the grouping
    is lost silently and make test slows down: this fails instead."""
    if not getattr(request.config.option, "loadgroup", False):
        import pytest

        pytest.skip("not running under pytest-xdist with --dist loadgroup, as make test does")
    assert request.node.nodeid.endswith(f"@{request.module.__name__}"), request.node.nodeid
