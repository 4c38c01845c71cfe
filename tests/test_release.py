"""tools/release.py: make release VERSION=x.y.z on a scratch copy of the kit's
versioned files, in a git repository of its own, with stand-ins for make test,
make book and make student (the real ones run in CI's release run, .ci/run)."""

import datetime as dt
import hashlib
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tools import edition, errata, release

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 12, 3)
FILES = sorted({site.path for site in edition.SITES} | {
    edition.CHANGELOG, errata.RECORD, errata.PAGE, "references.bib", ".gitignore"})


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def kit(tmp_path):
    root = tmp_path / "kit"
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, root / name)
    if not edition.has_changes(edition.releases(root)[0]):  # as right after a release
        log = root / edition.CHANGELOG
        log.write_text(log.read_text().replace(
            "## [Unreleased]\n", "## [Unreleased]\n\n### Changed\n\n- A change.\n", 1))
    git(root.parent, "init", "-q", "-b", "main", str(root))
    git(root, "config", "user.email", "release@example.org")
    git(root, "config", "user.name", "Release test")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the kit")
    return root


def passes(root: Path) -> int:
    return 0


def fails(root: Path) -> int:
    return 1


def build(root: Path) -> int:
    (root / "_build" / "html" / "labs").mkdir(parents=True, exist_ok=True)
    (root / "_build" / "html" / "index.html").write_text(edition.label(root))
    (root / "_build" / "html" / "labs" / "01.html").write_text("lab")
    return 0


def student(root: Path) -> int:
    with zipfile.ZipFile(root / "_build" / "student.zip", "w") as archive:
        archive.writestr("student/README.md", edition.label(root))
    return 0


def snapshot(root: Path) -> dict[str, str]:
    return {name: (root / name).read_text(encoding="utf-8") for name in FILES}


def new_version(root: Path) -> str:
    major, minor, _ = edition.key(edition.version(root))
    return f"{major}.{minor + 1}.0"


def test_a_release_bumps_every_site_dates_the_changelog_and_tags_the_artefacts(kit):
    new = new_version(kit)
    old = edition.version(kit)
    unreleased = [e.id for e in errata.load(kit)[1] if e.fixed_in == errata.UNRELEASED]
    made = release.release(kit, new, TODAY, test=passes, build=build, student=student)

    assert [p.name for p in made] == [f"labkit-site-{new}.zip", f"labkit-learner-{new}.zip",
                                      f"SHA256SUMS-{new}"]
    sums = made[2].read_text().splitlines()
    for path, line in zip(made[:2], sums, strict=True):
        assert line == f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}"
    with zipfile.ZipFile(made[0]) as site:
        assert f"labkit-site-{new}/index.html" in site.namelist()
        assert site.read(f"labkit-site-{new}/index.html").decode() == \
            f"Edition {new} of 3 December 2026"  # built after the bump

    assert edition.version(kit) == new
    assert edition.site_problems(kit) == [] and edition.changelog_problems(kit) == []
    assert old not in (kit / "labkit/__init__.py").read_text()
    assert "date-released: 2026-12-03" in (kit / "CITATION.cff").read_text()
    assert f"\n## [{new}] - 2026-12-03\n\n### " in (kit / edition.CHANGELOG).read_text()
    notes = edition.releases(kit)
    assert [r.version for r in notes[:2]] == [edition.UNRELEASED, new]
    assert notes[1].date == "2026-12-03" and not edition.has_changes(notes[0])
    assert edition.label(kit) == f"Edition {new} of 3 December 2026"
    links = edition.links_in((kit / edition.CHANGELOG).read_text())
    assert links[edition.UNRELEASED].endswith(f"/compare/v{new}...HEAD")
    assert links[new].endswith(f"/compare/v{old}...v{new}")
    # the corrections made since the last edition are now this edition's
    entries = {e.id: e for e in errata.load(kit)[1]}
    assert all(entries[i].fixed_in == new for i in unreleased)
    page = (kit / errata.PAGE).read_text()
    assert (f"## Corrected in edition {new}" in page) == bool(unreleased)
    assert "Corrected since the last edition" not in page

    assert git(kit, "status", "--porcelain") == ""  # everything bumped is committed
    assert git(kit, "log", "-1", "--format=%s") == f"Release {new}\n"
    assert git(kit, "tag", "--list") == f"v{new}\n"
    assert git(kit, "rev-parse", f"v{new}^{{commit}}") == git(kit, "rev-parse", "HEAD")


@pytest.mark.parametrize("step", ["test", "build", "student"])
def test_a_failing_step_puts_everything_back_and_tags_nothing(kit, step, capsys):
    before, head = snapshot(kit), git(kit, "rev-parse", "HEAD")
    steps = {"test": passes, "build": build, "student": student} | {step: fails}
    with pytest.raises(release.Failed, match=f"make {step if step != 'build' else 'book'} "
                                             "failed"):
        release.release(kit, new_version(kit), TODAY, **steps)
    assert snapshot(kit) == before
    assert git(kit, "rev-parse", "HEAD") == head and git(kit, "tag", "--list") == ""
    assert not list((kit / release.OUT).glob("*")) if (kit / release.OUT).exists() else True


def test_a_dirty_tree_is_refused_before_anything_changes(kit):
    (kit / "book" / "hosting.md").write_text("edited\n", encoding="utf-8")
    (kit / "notes.txt").write_text("untracked\n", encoding="utf-8")
    ran = []
    with pytest.raises(release.Refused, match="uncommitted changes .*book/hosting.md.*notes.txt"):
        release.release(kit, new_version(kit), TODAY, test=lambda r: ran.append(r) or 0,
                        build=build, student=student)
    assert ran == [] and git(kit, "tag", "--list") == ""
    assert edition.version(kit) != new_version(kit) or True


@pytest.mark.parametrize("value, message", [
    ("0.2", "is not MAJOR.MINOR.PATCH"),
    ("v0.2.0", "is not MAJOR.MINOR.PATCH"),
    ("", "is not MAJOR.MINOR.PATCH"),
    ("0.0.9", "is not above the current edition"),
])
def test_a_bad_version_is_refused(kit, value, message):
    with pytest.raises(release.Refused, match=message):
        release.preflight(kit, value)


def test_an_existing_tag_is_refused(kit):
    git(kit, "tag", f"v{new_version(kit)}")
    with pytest.raises(release.Refused, match="already exists"):
        release.preflight(kit, new_version(kit))


def test_an_edition_that_changes_nothing_is_refused(kit):
    text = (kit / edition.CHANGELOG).read_text()
    head = text.index("## [Unreleased]")
    nxt = text.index("\n## [", head + 1)
    (kit / edition.CHANGELOG).write_text(
        text[:head] + "## [Unreleased]\n\n### Clinical and numerical corrections\n\n"
        "<!-- errata: unreleased -->\nNone.\n<!-- /errata -->\n" + text[nxt:])
    git(kit, "commit", "-q", "--allow-empty", "-am", "empty")
    with pytest.raises(release.Refused, match="Unreleased section lists no change"):
        release.preflight(kit, new_version(kit))


def test_a_folder_that_is_not_a_checkout_is_refused(tmp_path):
    with pytest.raises(release.Refused, match="not a git checkout"):
        release.preflight(tmp_path, "9.9.9")


def test_a_second_release_compares_with_the_first(kit):
    first = new_version(kit)
    release.release(kit, first, TODAY, test=passes, build=build, student=student)
    (kit / edition.CHANGELOG).write_text((kit / edition.CHANGELOG).read_text().replace(
        "## [Unreleased]\n", "## [Unreleased]\n\n### Changed\n\n- One more change.\n", 1))
    git(kit, "commit", "-q", "-am", "a change")
    assert edition.label(kit).endswith("with later changes not yet in an edition")
    second = new_version(kit)
    release.release(kit, second, TODAY + dt.timedelta(days=1), test=passes, build=build,
                    student=student)
    links = edition.links_in((kit / edition.CHANGELOG).read_text())
    assert links[second].endswith(f"/compare/v{first}...v{second}")
    assert [r.version for r in edition.releases(kit)][:3] == [edition.UNRELEASED, second, first]
    assert edition.changelog_problems(kit) == []


def test_the_command_line_refuses_a_bad_version_in_one_line(capsys):
    assert release.main(["0.2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "VERSION '0.2' is not MAJOR.MINOR.PATCH" in err
    assert "no tag was made" in err
    assert release.main([]) == 2
