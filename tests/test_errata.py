"""tools/errata.py: the errata record against the kit's history, its page and its
changelog section; and, in scratch repositories, every way the record can lie."""

import datetime as dt
import doctest
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tools import edition, errata

ROOT = Path(__file__).resolve().parents[1]


def test_examples_run():
    assert doctest.testmod(errata).failed == 0


def test_the_record_matches_history_and_its_page_and_changelog_are_in_step():
    header, _ = errata.load()
    if not errata.has_history(ROOT, header["base"]):
        pytest.skip(f"not a git checkout holding edition {header['since']} "
                    f"({header['base']}): the quotes are checked against history")
    assert errata.problems() == []


def test_the_errata_list_every_correction_since_the_first_edition():
    """The corrections made since 0.1.0 (issue 16's list, by the commits that made them)."""
    header, entries = errata.load()
    assert header["since"] == "0.1.0" and header["base"] == "427a371"
    commits = {e.commit for e in entries if e.commit}
    # the errata branch, the chapter follow-ups, the faculty page, the audit page,
    # the Lab 9 review, Lab 10's alt text and the glued numbers
    assert {"6bc802f", "1900f3b", "40a0665", "2c2af12", "b6cd935", "1f1ddbf", "b86807b",
            "f001dc9"} <= commits
    assert len(entries) >= 30
    page = (ROOT / errata.PAGE).read_text(encoding="utf-8")
    for entry in entries:
        assert f"(errata-{entry.id})=" in page and entry.wrong in page and entry.right in page


# --- scratch repositories ------------------------------------------------------------

RECORD_HEAD = "since: 0.1.0\nbase: {base}\nentries:\n"
ENTRY = """  - id: {id}
    date: {date}
{commit}    where: book/ch01.md
    place: Chapter 1
    kind: clinical
    wrong: {wrong}
    right: {right}
    explanation: The trial found a quarter, not a half.
    cite: [lim2003defining]
    summary: "Chapter 1: a quarter, not a half"
    fixed_in: {fixed_in}
"""


class Repo:
    def __init__(self, root: Path):
        self.root = root
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "e@example.org")
        self.git("config", "user.name", "E")
        for name in ("references.bib", "pyproject.toml"):
            shutil.copy2(ROOT / name, root / name)
        (root / "CHANGELOG.md").write_text(
            "# Changelog\n\n## [Unreleased]\n\n### Clinical and numerical corrections\n\n"
            "<!-- errata: unreleased -->\n<!-- /errata -->\n\n## [0.1.0] - 2026-11-26\n\n"
            "- First.\n\n[unreleased]: https://x/compare/v0.1.0...HEAD\n"
            "[0.1.0]: https://x/releases/tag/v0.1.0\n")
        (root / "book").mkdir()
        (root / errata.PAGE).write_text(f"# Errata\n\n{errata.START}\n{errata.END}\n")
        self.write("book/ch01.md", "# Chapter 1\n\nThe drug halves mortality in sepsis.\n")
        self.write(errata.RECORD, RECORD_HEAD.format(base="HEAD") + "  []\n")
        self.base = self.commit("edition 0.1.0")
        self.write(errata.RECORD, RECORD_HEAD.format(base=self.base) + "  []\n")
        errata.write(self.root)
        self.commit("the errata record")
        self.entries: list[str] = []

    def git(self, *args: str) -> str:
        return subprocess.run(["git", "-C", str(self.root), *args], capture_output=True,
                              text=True, check=True).stdout.strip()

    def write(self, path: str, text: str) -> None:
        (self.root / path).write_text(text, encoding="utf-8")

    def commit(self, message: str, date: str = "2026-12-01T12:00:00") -> str:
        self.git("add", "-A")
        subprocess.run(["git", "-C", str(self.root), "commit", "-q", "-m", message],
                       check=True, env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
                                        "PATH": "/usr/bin:/bin", "HOME": str(self.root)})
        return self.git("rev-parse", "--short", "HEAD")

    def record(self, **entry: str) -> None:
        values = {"id": "sepsis-mortality", "date": "2026-12-01", "commit": "",
                  "wrong": "The drug halves mortality in sepsis.",
                  "right": "The drug reduces mortality by a quarter.",
                  "fixed_in": "unreleased"} | entry
        if values["commit"]:
            values["commit"] = f"    commit: {values['commit']}\n"
        self.entries.append(ENTRY.format(**values))
        self.write(errata.RECORD, RECORD_HEAD.format(base=self.base) + "".join(self.entries))
        errata.write(self.root)

    def fix(self, message: str = "Chapter 1: the mortality effect\n\nErrata: sepsis") -> str:
        self.write("book/ch01.md", "# Chapter 1\n\nThe drug reduces mortality by a quarter.\n")
        return self.commit(message)

    def problems(self) -> list[str]:
        errata._show.cache_clear()
        return errata.problems(self.root, today=dt.date(2026, 12, 3))


@pytest.fixture
def repo(tmp_path):
    return Repo(tmp_path)


def test_a_fix_committed_with_its_entry_passes(repo):
    repo.record()
    repo.fix()  # the entry and the fix in one commit: its hash need not be written
    assert repo.problems() == []


def test_an_entry_written_with_an_uncommitted_fix_is_checked_against_the_tree(repo):
    repo.record()
    repo.write("book/ch01.md", "# Chapter 1\n\nThe drug reduces mortality by a quarter.\n")
    assert repo.problems() == []
    repo.write("book/ch01.md", "# Chapter 1\n\nThe drug halves mortality in sepsis.\n")
    assert any("'wrong'" in p and "still there" in p for p in repo.problems())


def test_a_correction_commit_that_leaves_the_errata_alone_fails(repo):
    sha = repo.fix()
    problems = repo.problems()
    assert len(problems) == 1
    assert f"commit {sha}" in problems[0] and "does not add to book/errata.yml" in problems[0]
    # naming the commit in an entry written later settles it
    repo.record(commit=sha)
    assert repo.problems() == []


def test_a_commit_not_marked_as_a_correction_is_not_asked_for_an_entry(repo):
    repo.fix(message="Chapter 1: reword")
    assert repo.problems() == []


def test_a_quote_that_was_never_there_fails(repo):
    sha = repo.fix()
    repo.record(commit=sha, wrong="The drug cures sepsis.")
    assert any("'wrong' (The drug cures sepsis." in p for p in repo.problems())


def test_a_right_text_the_fix_did_not_write_fails(repo):
    sha = repo.fix()
    repo.record(commit=sha, right="The drug does nothing.")
    assert any("'right' (The drug does nothing." in p for p in repo.problems())


def test_an_error_that_comes_back_fails(repo):
    sha = repo.fix()
    repo.record(commit=sha)
    repo.commit("errata entry")
    repo.write("book/ch01.md", "# Chapter 1\n\nThe drug halves mortality in sepsis.\n")
    repo.commit("an old paragraph pasted back")
    assert any("is still there" in p for p in repo.problems())


def test_a_commit_that_did_not_change_the_file_fails(repo):
    repo.fix()
    repo.write("book/ch02.md", "# Chapter 2\n")
    other = repo.commit("chapter 2")
    repo.record(commit=other)
    assert any(f"commit {other}" in p and "does not change book/ch01.md" in p
               for p in repo.problems())


def test_a_date_that_is_not_the_commits_fails(repo):
    sha = repo.fix()
    repo.record(commit=sha, date="2026-11-30")
    assert any("date 2026-11-30 but commit" in p for p in repo.problems())


def test_a_fix_before_the_edition_is_not_an_erratum(repo):
    repo.record(commit=repo.base)
    assert any("is not after edition" in p for p in repo.problems())


def test_the_first_edition_with_the_fix_must_be_the_first_tag_holding_it(repo):
    repo.record()
    repo.fix()
    repo.git("tag", "v0.2.0")
    changelog = repo.root / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace(
        "## [0.1.0]", "## [0.2.0] - 2026-12-02\n\n- Second.\n\n## [0.1.0]").replace(
        "[0.1.0]: https", "[0.2.0]: https://x/compare/v0.1.0...v0.2.0\n[0.1.0]: https"))
    # still "unreleased", though tag v0.2.0 holds the fix
    assert any("fixed_in unreleased but the first edition tag" in p and "v0.2.0" in p
               for p in repo.problems())
    repo.entries[-1] = repo.entries[-1].replace("fixed_in: unreleased", "fixed_in: 0.2.0")
    repo.write(errata.RECORD, RECORD_HEAD.format(base=repo.base) + "".join(repo.entries))
    errata.write(repo.root)
    assert repo.problems() == []


def test_a_page_out_of_step_with_the_record_fails(repo):
    repo.record()
    repo.fix()
    page = repo.root / errata.PAGE
    page.write_text(page.read_text().replace("What is right", "What is"))
    assert any("book/errata.md: its errata list is out of step" in p for p in repo.problems())


@pytest.mark.parametrize("change, problem", [
    ({"id": "Sepsis Mortality"}, "id must be lower-case words joined by hyphens"),
    ({"date": "2026-12-31"}, "is in the future"),
    ({"date": "1 December"}, "is not YYYY-MM-DD"),
    ({"kind": "typo"}, "kind 'typo' is not one of"),
    ({"cite": []}, "needs 'cite'"),
    ({"cite": ["nobody2099"]}, "cite 'nobody2099' is not in references.bib"),
    ({"fixed_in": "0.9.0"}, "fixed_in '0.9.0' is neither"),
    ({"right": "a"}, "'wrong' and 'right' are the same"),
    ({"summary": "x" * 141}, "keep it under 140"),
    ({"where": "tools/errata.py"}, "is not chapter, lab, datasheet or question-bank text"),
])
def test_an_entry_that_breaks_the_rules_is_named(change, problem):
    raw = {"id": "sepsis-mortality", "date": "2026-12-01", "where": "book/ch01.md",
           "place": "Chapter 1", "kind": "clinical", "wrong": "a", "right": "b",
           "explanation": "c", "summary": "d", "fixed_in": "unreleased",
           "cite": ["lim2003defining"]} | change
    entry = errata.Entry(**{k: tuple(v) if k == "cite" else v for k, v in raw.items()
                            if k != "where"}, where=(raw["where"],))
    found = errata.entry_problems(entry, errata.bib_keys(), {"0.1.0"},
                                  today=dt.date(2026, 12, 3))
    assert any(problem in p for p in found), found


def test_a_numerical_correction_needs_its_computation():
    entry = errata.Entry(id="a", date="2026-12-01", where=("labs/src/03_audit_bias.py",),
                         place="Lab 3", kind="numerical", wrong="0.09", right="0.08",
                         explanation="x", summary="y", fixed_in="unreleased")
    assert any("needs 'computed'" in p for p in errata.entry_problems(entry, set(), set()))


@pytest.mark.parametrize("text, message", [
    ("entries: []\n", "'since' is missing"),
    ("since: 0.1.0\nbase: abc\nentries:\n  - id: x\n", r"entry 1 \(x\): missing date"),
    ("since: 0.1.0\nbase: abc\nentries:\n  - 3\n", "entry 1: not a mapping"),
    ("since: 0.1.0\nbase: abc\nentries: [{id: x, colour: red}]\n", "unknown key colour"),
    ("since: [\n", "cannot read it"),
])
def test_a_malformed_record_is_one_clear_error(tmp_path, text, message):
    (tmp_path / "book").mkdir()
    (tmp_path / errata.RECORD).write_text(text)
    with pytest.raises(ValueError, match=message) as info:
        errata.load(tmp_path)
    assert str(info.value).startswith(str(tmp_path / errata.RECORD))
    assert "\n" not in str(info.value)


def test_the_changelog_section_lists_each_summary_once():
    _, entries = errata.load()
    section = errata.changelog_section(entries, errata.UNRELEASED)
    unreleased = [e for e in entries if e.fixed_in == errata.UNRELEASED]
    assert section.count("\n") == max(len(unreleased), 1)
    for entry in unreleased:
        assert f"- {entry.summary}\n" in section
    assert errata.changelog_section(entries, "0.0.1") == "None.\n"
    assert releases_have_sections()


def releases_have_sections() -> bool:
    """Every edition in the changelog after 0.1.0, and Unreleased, has a corrections list."""
    text = (ROOT / edition.CHANGELOG).read_text(encoding="utf-8")
    named = {m["version"] for m in errata.SECTION.finditer(text)}
    wanted = {r.version for r in edition.releases()} - {"0.1.0"}
    return wanted <= named


def test_the_command_line(capsys):
    assert errata.main(["bogus"]) == 2
    assert errata.main(["check"]) in (0, 1)
    capsys.readouterr()


def test_the_record_is_yaml_a_reviewer_can_read():
    """Every entry's text fields are plain strings (no YAML surprises such as dates
    read as dates in 'wrong', or a colon splitting a plain scalar)."""
    data = yaml.safe_load((ROOT / errata.RECORD).read_text(encoding="utf-8"))
    for raw in data["entries"]:
        for key in ("wrong", "right", "explanation", "summary", "place"):
            assert isinstance(raw[key], str), (raw["id"], key)
