"""tools/edition.py: the version in every place it is written, the changelog's
shape, and the edition label in the footer and the learner edition."""

import doctest
import re
import shutil
import subprocess
from pathlib import Path

import keepachangelog
import pytest

from tools import edition, notebooks, sphinx_edition

ROOT = Path(__file__).resolve().parents[1]


def test_examples_run():
    assert doctest.testmod(edition).failed == 0


def test_every_site_names_the_version_of_pyproject():
    assert edition.site_problems() == []


def test_the_changelog_is_keep_a_changelog_and_its_newest_edition_is_the_version():
    assert edition.changelog_problems() == []


def test_the_reference_parser_reads_the_same_editions_and_dates():
    """keepachangelog, a second reader, agrees with ours on every edition and date."""
    theirs = keepachangelog.to_dict(str(ROOT / edition.CHANGELOG), show_unreleased=True)
    ours = edition.releases()
    assert list(theirs) == [r.version for r in ours]
    for release in ours:
        assert theirs[release.version]["metadata"].get("release_date") == release.date


def tracked_text_files() -> list[str]:
    out = subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("not a git checkout: the version scan reads git's list of files")
    return [p for p in out.stdout.splitlines()
            if not p.endswith((".csv", ".ipynb", ".skops", ".png", ".svg", ".woff2", ".zip"))]


def test_the_version_is_written_nowhere_but_its_sites():
    """A new place that names the version must join edition.SITES, or make release
    would leave it behind."""
    current = edition.version()
    sites = {site.path for site in edition.SITES}
    stray = []
    for path in tracked_text_files():
        # tools/ and tests/ write versions as examples (docstrings, messages, cases)
        if path in sites or path in edition.NOT_SITES or path.startswith(("tests/", "tools/")):
            continue
        try:
            text = (ROOT / path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        if re.search(rf"(?<![\d.]){re.escape(current)}(?![\d])", text):
            stray.append(path)
    assert stray == [], f"the version {current} is written in {stray}: add them to SITES"


def copy_kit(tmp_path: Path) -> Path:
    for name in {site.path for site in edition.SITES} | {edition.CHANGELOG}:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    return tmp_path


def test_a_site_left_behind_is_named(tmp_path):
    root = copy_kit(tmp_path)
    init = root / "labkit" / "__init__.py"
    init.write_text(init.read_text().replace(edition.version(root), "9.9.9"))
    assert edition.site_problems(root) == [
        f"labkit/__init__.py: labkit.__version__ says 9.9.9, pyproject.toml says "
        f"{edition.version(root)}"]
    init.write_text("")
    assert "labkit/__init__.py: labkit.__version__ is missing" in \
        edition.site_problems(root)[0]


def test_a_citation_date_that_is_not_the_release_date_is_named(tmp_path):
    root = copy_kit(tmp_path)
    cff = root / "CITATION.cff"
    cff.write_text(re.sub(r"date-released: \S+", "date-released: 2020-01-01", cff.read_text()))
    assert edition.site_problems(root) == [
        f"CITATION.cff: the release date is 2020-01-01, the changelog says "
        f"{edition.release_date(root)}"]


CHANGELOG = """# Changelog

## [Unreleased]

{unreleased}
## [0.2.0] - 2026-12-03

- Second.

## [0.1.0] - 2026-11-26

- First.

[unreleased]: https://x/compare/v0.2.0...HEAD
[0.2.0]: https://x/compare/v0.1.0...v0.2.0
[0.1.0]: https://x/releases/tag/v0.1.0
"""


def with_changelog(tmp_path: Path, text: str, version: str = "0.2.0") -> Path:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\nversion = "{version}"\n')
    (tmp_path / edition.CHANGELOG).write_text(text)
    return tmp_path


def test_a_well_formed_changelog_passes_and_labels_its_edition(tmp_path):
    root = with_changelog(tmp_path, CHANGELOG.format(unreleased=""))
    assert edition.changelog_problems(root) == []
    assert edition.label(root) == "Edition 0.2.0 of 3 December 2026"
    root = with_changelog(tmp_path, CHANGELOG.format(unreleased="### Fixed\n\n- A fix.\n"))
    assert edition.label(root) == ("Edition 0.2.0 of 3 December 2026, with later changes "
                                   "not yet in an edition")


@pytest.mark.parametrize("edit, problem", [
    (lambda t: t.replace("## [Unreleased]\n", ""), "the first section must be"),
    (lambda t: t.replace("[0.1.0]: https://x/releases/tag/v0.1.0\n", ""),
     "no link reference '[0.1.0]: ...'"),
    (lambda t: t.replace("## [0.2.0] - 2026-12-03", "## [0.2.0]"), "0.2.0 has no YYYY-MM-DD"),
    (lambda t: t.replace("2026-11-26", "2026-12-09"), "is dated before 0.1.0"),
    (lambda t: t.replace("[0.1.0] - ", "[0.3.0] - ").replace("[0.1.0]:", "[0.3.0]:"),
     "0.2.0 is listed above 0.3.0"),
    (lambda t: t.replace("[0.1.0] - ", "[first] - ").replace("[0.1.0]:", "[first]:"),
     "'first' is not MAJOR.MINOR.PATCH"),
])
def test_a_malformed_changelog_is_named(tmp_path, edit, problem):
    root = with_changelog(tmp_path, edit(CHANGELOG.format(unreleased="")))
    found = edition.changelog_problems(root)
    assert any(problem in p for p in found), found


def test_a_version_the_changelog_has_not_released_is_named(tmp_path):
    root = with_changelog(tmp_path, CHANGELOG.format(unreleased=""), version="0.3.0")
    assert any("newest edition is 0.2.0 but pyproject.toml says 0.3.0" in p
               for p in edition.changelog_problems(root))
    with pytest.raises(ValueError, match=r"no '## \[0.3.0\] - YYYY-MM-DD' heading"):
        edition.label(root)


def test_the_command_line_says_what_is_missing_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(edition, "ROOT", tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0.1.0"\n')
    assert edition.main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CHANGELOG.md: cannot read it" in err
    assert edition.main(["bogus"]) == 2


def test_a_released_build_opens_its_launch_buttons_at_the_tag(tmp_path, monkeypatch):
    monkeypatch.setattr(sphinx_edition, "ROOT", with_changelog(
        tmp_path, CHANGELOG.format(unreleased="")))
    assert sphinx_edition.launch_ref() == "v0.2.0"

    class Config:
        html_theme_options = {"repository_branch": "main"}

    sphinx_edition.pin_launch_buttons(None, Config)
    assert Config.html_theme_options["repository_branch"] == "v0.2.0"
    with_changelog(tmp_path, CHANGELOG.format(unreleased="### Fixed\n\n- A fix.\n"))
    assert sphinx_edition.launch_ref() is None  # main, with its later changes


def test_the_learner_edition_names_its_edition(tmp_path):
    label = edition.label()
    for src in notebooks.sources():
        first = notebooks.learner_notebook(src).cells[0]
        assert first.cell_type == "markdown" and f"*{label}: the learner edition" in first.source
    assert f"**{label}.**" in notebooks.student_readme()
