"""Dataset versions (issue 16): a change to a shipped file gets a new version.

Each file in datasets/SHA256SUMS has a ``## Versions`` table in its datasheet
(newest row last); SHA256SUMS gives the newest row's version on a comment line
above the file's checksum; datasets/generate.py refuses to write a file whose
new SHA-256 has no row; the hashes the files had in edition 0.1.0 (commit
427a371) and at every v* tag are in the tables; CHANGELOG.md names every
version. Each check is a function returning its problems: it runs on the
shipped folder, and on a broken copy to show that it can fail.
"""

import hashlib
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from labkit import datasets

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "datasets"
#: The commit of edition 0.1.0; its three files are version 1.0.0 of each.
EDITION = "427a371"
WDBC = datasets.card("wdbc").file
WDBC_SHEET = "wdbc_breast_cytology.md"
MESSAGE_TAIL = ("'s Versions table has no row for it: add a row with a new version, the date, "
                "what changed and which lab numbers moved")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def listed(folder: Path) -> list[str]:
    """The files SHA256SUMS lists (read here without labkit's parser)."""
    lines = (folder / "SHA256SUMS").read_text().splitlines()
    return sorted(ln.split()[1] for ln in lines if ln.strip() and not ln.startswith("#"))


def generate_module():
    spec = importlib.util.spec_from_file_location("generate", DATA / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reseal(folder: Path, name: str, data: bytes) -> str:
    """Write ``data`` as ``name`` and its new checksum in place in SHA256SUMS (the version
    comment stays above it), as a maintainer who edited the file would; its SHA-256."""
    (folder / name).write_bytes(data)
    digest = sha256(data)
    sums = folder / "SHA256SUMS"
    lines = [f"{digest}  {name}" if ln.endswith(f"  {name}") else ln
             for ln in sums.read_text().splitlines()]
    sums.write_text("\n".join(lines) + "\n")
    return digest


def edit_one_value(folder: Path) -> str:
    """Change the first WDBC radius (17.99 to 17.98; still valid), reseal; new SHA-256."""
    data = (folder / WDBC).read_bytes()
    first = data.index(b"\n") + 1
    assert data[first:].startswith(b"malignant,17.99,")
    return reseal(folder, WDBC, data[:first] + b"malignant,17.98," + data[first + 16:])


def add_row(folder: Path, sheet: str, row: str) -> None:
    path = folder / sheet
    path.write_text(path.read_text() + row + "\n")


# --- the shipped files against their tables ------------------------------------------------


def version_problems(folder: Path) -> list[str]:
    """Each file's SHA-256 starts with its datasheet's newest row's hash, and SHA256SUMS's
    version for it is that row's version."""
    recorded = datasets.versions(folder)
    problems = []
    for name in listed(folder):
        newest = datasets.version_history(name, folder=folder)[-1]
        digest = sha256((folder / name).read_bytes())
        if not digest.startswith(newest.sha256):
            problems.append(f"{name}: SHA-256 {digest[:12]}, but the newest row of its "
                            f"datasheet is {newest.version} with {newest.sha256}")
        if recorded.get(name) != newest.version:
            problems.append(f"{name}: SHA256SUMS says version {recorded.get(name)}, its "
                            f"datasheet's newest row {newest.version}")
    return problems


def test_every_listed_file_has_a_versions_table():
    files = sorted([c.file for c in datasets.CARDS.values()] + [datasets.VENDOR_MODEL])
    assert listed(DATA) == files and len(files) == 8
    for name in files:
        assert datasets.version_history(name), name
    assert datasets.version_history("claims") == datasets.version_history("synthetic_claims.csv")
    assert (DATA / "vendor_readmission_model.md").read_text().count("\n## Versions\n") == 1


def test_each_files_hash_and_version_are_its_datasheets_newest_row():
    assert version_problems(DATA) == []


def test_the_hash_and_version_check_can_fail(data_copy):
    edit_one_value(data_copy)
    assert version_problems(data_copy) == [
        f"{WDBC}: SHA-256 {sha256((data_copy / WDBC).read_bytes())[:12]}, but the newest row "
        "of its datasheet is 1.0.0 with b457b64615c1"]
    reseal(data_copy, WDBC, (DATA / WDBC).read_bytes())
    sums = data_copy / "SHA256SUMS"
    sums.write_text(sums.read_text().replace(f"# {WDBC} version 1.0.0", f"# {WDBC} version 1.1.0"))
    assert version_problems(data_copy) == [
        f"{WDBC}: SHA256SUMS says version 1.1.0, its datasheet's newest row 1.0.0"]


# --- each table: versions increase, dates never decrease, hashes unique ---------------------


def table_problems(name: str, rows: list[datasets.DataVersion]) -> list[str]:
    """What the rule asks of a table, checked again here (the parser refuses some of it)."""
    problems = []
    for above, row in zip(rows, rows[1:], strict=False):
        if row.number <= above.number:
            problems.append(f"{name}: {row.version} after {above.version}")
        if row.date < above.date:
            problems.append(f"{name}: {row.date} after {above.date}")
    if len({r.sha256 for r in rows}) != len(rows):
        problems.append(f"{name}: a hash appears twice")
    for row in rows:
        # PATCH is not used for data: a datasheet-only edit changes no file, so no row.
        if row.number[2] != 0:
            problems.append(f"{name}: {row.version} is a PATCH version")
        first = row.version == "1.0.0"
        if first != (row.moved == "none (first version)"):
            problems.append(f"{name}: {row.version} says {row.moved!r} moved")
    if rows and rows[0].version != "1.0.0":
        problems.append(f"{name}: the first row is {rows[0].version}, not 1.0.0")
    return problems


def test_versions_increase_dates_never_decrease_hashes_unique():
    problems = []
    for name in listed(DATA):
        problems += table_problems(name, datasets.version_history(name))
    assert problems == []


def test_the_table_rule_can_fail():
    row = datasets.version_history(WDBC)[0]
    patch = datasets.DataVersion("1.0.1", row.date, "0" * 12, "typo", "none (first version)",
                                 row.line + 1)
    assert table_problems(WDBC, [row, patch]) == [
        f"{WDBC}: 1.0.1 is a PATCH version", f"{WDBC}: 1.0.1 says 'none (first version)' moved"]
    assert table_problems(WDBC, [row, row]) == [
        f"{WDBC}: 1.0.0 after 1.0.0", f"{WDBC}: a hash appears twice"]


ROW = "| {v} | {d} | `{h}` | values rounded differently | Lab 1: AUROC |"


@pytest.mark.parametrize("row,message", [
    (ROW.format(v="0.9.0", d="2026-12-04", h="1" * 12),
     "version 0.9.0 does not follow 1.0.0: versions must increase down the table"),
    (ROW.format(v="1.0.0", d="2026-12-04", h="1" * 12), "version 1.0.0 does not follow 1.0.0"),
    (ROW.format(v="1.1.0", d="2026-11-25", h="1" * 12),
     "date 2026-11-25 is earlier than the row above's"),
    (ROW.format(v="1.1.0", d="2026-12-04", h="b457b64615c1"),
     r"SHA-256 b457b64615c1 is already version 1.0.0's \(line \d+\)"),
    (ROW.format(v="1.1", d="2026-12-04", h="1" * 12), "version '1.1' is not MAJOR.MINOR.PATCH"),
    (ROW.format(v="1.1.0", d="4 December 2026", h="1" * 12),
     r"date '4 December 2026' is not a date \(YYYY-MM-DD\)"),
    (ROW.format(v="1.1.0", d="2026-02-30", h="1" * 12), "date '2026-02-30' is not a date"),
    (ROW.format(v="1.1.0", d="2026-12-04", h="1" * 11),
     "SHA-256 '`11111111111`' is not the first 12 hexadecimal digits in backticks"),
    ("| 1.1.0 | 2026-12-04 | `111111111111` | values changed |", "4 cells, expected 5"),
    ("| 1.1.0 | 2026-12-04 | `111111111111` | values changed |  |", "say what changed and"),
], ids=["version goes down", "version repeated", "date goes back", "hash repeated",
        "not semver", "date in words", "impossible date", "short hash", "missing cell",
        "empty cell"])
def test_a_bad_row_is_refused_naming_the_datasheet_and_line(data_copy, row, message):
    add_row(data_copy, WDBC_SHEET, row)
    line = len((data_copy / WDBC_SHEET).read_text().splitlines())
    with pytest.raises(ValueError, match=rf"{WDBC_SHEET}: line {line}: {message}"):
        datasets.version_history(WDBC, folder=data_copy)


@pytest.mark.parametrize("old,new,message", [
    ("## Versions\n", "## Version history\n", "no section '## Versions'"),
    ("| Version | Date |", "| Edition | Date |", "the Versions table's header must be"),
    ("| --- | --- | --- | --- | --- |", "| - | - | - | - | - |", "separator row"),
    ("none (first version) |", "none (first version)", "a table row starts and ends"),
], ids=["no section", "wrong header", "no separator", "row not a row"])
def test_a_bad_table_is_refused(data_copy, old, new, message):
    path = data_copy / WDBC_SHEET
    assert path.read_text().count(old) == 1
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(ValueError, match=rf"{WDBC_SHEET}: .*{message}"):
        datasets.version_history(WDBC, folder=data_copy)


def test_a_table_without_rows_is_refused(data_copy):
    path = data_copy / WDBC_SHEET
    text = path.read_text()
    path.write_text(text[:text.rindex("| 1.0.0 |")])
    with pytest.raises(ValueError, match="the Versions table has no rows"):
        datasets.version_history(WDBC, folder=data_copy)


# --- generate.py: a changed file with no new row ---------------------------------------------


def test_a_changed_file_with_no_new_row_fails_and_a_row_makes_it_pass(data_copy):
    generate = generate_module()
    digest = edit_one_value(data_copy)
    sums = {name: sha256((data_copy / name).read_bytes()) for name in listed(data_copy)}
    expected = (f"{data_copy / WDBC}: its SHA-256 is {digest[:12]}... but "
                f"{data_copy / WDBC_SHEET}{MESSAGE_TAIL}")
    with pytest.raises(generate.VersionsError) as info:
        generate.sums_text(sums, data_copy, data_copy)
    assert str(info.value) == expected
    assert version_problems(data_copy) != []

    add_row(data_copy, WDBC_SHEET, f"| 1.1.0 | 2026-12-04 | `{digest[:12]}` | one radius "
                                   "value changed (a test) | none |")
    text = generate.sums_text(sums, data_copy, data_copy)
    assert f"# {WDBC} version 1.1.0\n{digest}  {WDBC}\n" in text
    (data_copy / "SHA256SUMS").write_text(text)
    assert version_problems(data_copy) == []
    assert datasets.versions(data_copy)[WDBC] == "1.1.0"
    assert datasets.load("wdbc", folder=data_copy)["radius_mean"].iloc[0] == 17.98


def test_generate_exits_2_with_one_line_and_writes_nothing(data_copy):
    """The generator makes today's WDBC bytes, whose row the copy's datasheet has lost: it
    must stop before writing anything (the copy's edited WDBC file stays as it is)."""
    real = sha256((DATA / WDBC).read_bytes())[:12]
    sheet = data_copy / WDBC_SHEET
    sheet.write_text(sheet.read_text().replace(f"`{real}`", "`000000000000`"))
    edit_one_value(data_copy)
    before = {p.name: p.read_bytes() for p in data_copy.iterdir()}
    result = subprocess.run([sys.executable, str(data_copy / "generate.py")],
                            capture_output=True, text=True, cwd=data_copy.parent)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (f"datasets/{WDBC}: its SHA-256 is {real}... but "
                             f"datasets/{WDBC_SHEET}{MESSAGE_TAIL}\n")
    assert result.stdout == ""
    assert {p.name: p.read_bytes() for p in data_copy.iterdir()} == before


# --- history: edition 0.1.0 and every v* tag ----------------------------------------------


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True)


def require_history(rev: str = EDITION) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if git("rev-parse", "--is-inside-work-tree").returncode != 0:
        pytest.skip(f"{ROOT} is not a git checkout")
    if git("cat-file", "-e", f"{rev}^{{commit}}").returncode != 0:
        pytest.skip(f"commit {rev} (edition 0.1.0) is not in this clone: a shallow clone? "
                    "(git fetch --unshallow)")


def files_at(rev: str) -> dict[str, str]:
    """{file: SHA-256 of its bytes at ``rev``} for the files SHA256SUMS listed then."""
    sums = git("show", f"{rev}:datasets/SHA256SUMS")
    if sums.returncode != 0:
        return {}  # no datasets yet
    names = [ln.split()[1] for ln in sums.stdout.decode().splitlines()
             if ln.strip() and not ln.startswith("#")]
    out = {}
    for name in names:
        blob = git("show", f"{rev}:datasets/{name}")
        assert blob.returncode == 0, f"{rev}: SHA256SUMS lists {name}, which is not there"
        out[name] = sha256(blob.stdout)
    return out


def history_problems(folder: Path, rev: str, version: str | None = None) -> list[str]:
    """Every file shipped at ``rev`` has a row with the hash it had then (and, if given,
    that row is ``version``)."""
    problems = []
    for name, digest in files_at(rev).items():
        try:
            rows = datasets.version_history(name, folder=folder)
        except FileNotFoundError:
            problems.append(f"{name}: shipped at {rev} but has no datasheet now")
            continue
        row = next((r for r in rows if digest.startswith(r.sha256)), None)
        if row is None:
            problems.append(f"{name}: its SHA-256 at {rev} ({digest[:12]}) has no row")
        elif version is not None and row.version != version:
            problems.append(f"{name}: at {rev} it was {row.version}, not {version}")
    return problems


def test_edition_0_1_0_files_are_version_1_0_0():
    require_history()
    assert sorted(files_at(EDITION)) == sorted(
        ["synthetic_admissions.csv", "synthetic_admissions_truth.csv", WDBC])
    assert history_problems(DATA, EDITION, "1.0.0") == []


def test_every_tagged_release_has_its_hashes_in_the_tables():
    require_history()
    tags = git("tag", "--list", "v*").stdout.decode().split()
    problems = [p for tag in tags for p in history_problems(DATA, tag)]
    assert problems == []


def test_the_history_check_can_fail(data_copy):
    require_history()
    sheet = data_copy / WDBC_SHEET
    text = sheet.read_text()
    sheet.write_text(text.replace("| 1.0.0 | 2026-11-26 |", "| 1.1.0 | 2026-11-26 |"))
    assert history_problems(data_copy, EDITION, "1.0.0") == [
        f"{WDBC}: at {EDITION} it was 1.1.0, not 1.0.0"]
    sheet.write_text(text.replace("`b457b64615c1`", "`111111111111`"))
    assert history_problems(data_copy, EDITION) == [
        f"{WDBC}: its SHA-256 at {EDITION} (b457b64615c1) has no row"]


# --- the changelog names every version -----------------------------------------------------


def changelog_problems(changelog: Path, folder: Path) -> list[str]:
    """CHANGELOG.md holds '`<file>` <version>' for every row of every table."""
    if not changelog.is_file():
        return [f"{changelog.name} does not exist: it must name every dataset version as "
                "'`<file>` <version>' (such as '`synthetic_claims.csv` 1.0.0'), saying what "
                "changed and which lab numbers moved (datasets/README.md)"]
    text = " ".join(changelog.read_text(encoding="utf-8").split())  # a line may wrap
    return [f"{changelog.name} does not name `{name}` {row.version} "
            f"({Path(name).stem}.md line {row.line})"
            for name in listed(folder) for row in datasets.version_history(name, folder=folder)
            if f"`{name}` {row.version}" not in text]


def test_the_changelog_names_every_dataset_version():
    problems = changelog_problems(ROOT / "CHANGELOG.md", DATA)
    assert problems == [], "\n".join(problems)


def test_the_changelog_check_can_fail(tmp_path):
    changelog = tmp_path / "CHANGELOG.md"
    assert changelog_problems(changelog, DATA)[0].startswith("CHANGELOG.md does not exist")
    names = listed(DATA)
    changelog.write_text("".join(f"- `{n}` {row.version}: {row.changed}\n" for n in names[1:]
                                 for row in datasets.version_history(n)))
    line = datasets.version_history(names[0])[0].line
    assert changelog_problems(changelog, DATA) == [
        f"CHANGELOG.md does not name `{names[0]}` 1.0.0 ({Path(names[0]).stem}.md line {line})"]
