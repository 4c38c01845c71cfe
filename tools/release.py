"""``make release VERSION=x.y.z``: a new edition, tested, with its artefacts and tag.

In order, stopping at the first failure with one line that says why:

1. checks: VERSION is MAJOR.MINOR.PATCH and above the current one, its tag
   ``vX.Y.Z`` is free, git knows who commits, the working tree is clean, and the
   changelog's Unreleased section says what the edition changes;
2. bumps the version in every place tools/edition.py lists, dates the changelog's
   Unreleased section as the new edition, names the edition in the errata
   (``fixed_in: unreleased`` -> the version) and rewrites their generated lists;
3. runs ``make test`` on the bumped tree;
4. builds the book and the learner edition and writes the release artefacts into
   ``_build/release/``: ``labkit-site-X.Y.Z.zip`` (the built site),
   ``labkit-learner-X.Y.Z.zip`` (the learner edition) and their ``SHA256SUMS``;
5. commits the bump ("Release X.Y.Z") and tags it ``vX.Y.Z``.

A failure in 2-4 puts every bumped file back as it was and removes the artefacts:
nothing is committed, nothing is tagged. Exit status 2 for a refused start, 1 for
a failed test or build.

Usage::

    python -m tools.release X.Y.Z    # what make release VERSION=X.Y.Z runs

Written here: release tools (bump-my-version, keepachangelog's CLI) bump a version
string, but none runs this kit's tests and book build between the bump and the tag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from tools import edition, errata

ROOT = Path(__file__).resolve().parents[1]
OUT = "_build/release"


class Refused(Exception):
    """The release cannot start; the message says why (exit status 2)."""


class Failed(Refused):
    """A step of the release failed; everything was put back (exit status 1)."""


def git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=False)


def preflight(root: Path, new: str) -> str:
    """Refuse a release that cannot be made; return the current version."""
    if not edition.SEMVER.fullmatch(new or ""):
        raise Refused(f"VERSION {new!r} is not MAJOR.MINOR.PATCH, e.g. "
                      "make release VERSION=0.2.0")
    if git(root, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise Refused(f"{root} is not a git checkout: a release is a tagged commit")
    current = edition.version(root)
    if edition.key(new) <= edition.key(current):
        raise Refused(f"VERSION {new} is not above the current edition {current} "
                      "(pyproject.toml)")
    if git(root, "rev-parse", "--verify", "--quiet", f"refs/tags/v{new}").returncode == 0:
        raise Refused(f"tag v{new} already exists")
    if git(root, "var", "GIT_COMMITTER_IDENT").returncode != 0:
        raise Refused("git does not know who commits: set git config user.name and "
                      "user.email first")
    dirty = git(root, "status", "--porcelain", "--untracked-files=normal").stdout.splitlines()
    if dirty:
        shown = ", ".join(line[3:] for line in dirty[:5]) + (" ..." if len(dirty) > 5 else "")
        raise Refused(f"the working tree has uncommitted changes ({shown}): commit or "
                      "stash them, so that the tag names exactly what was tested")
    problems = edition.changelog_problems(root) + edition.site_problems(root)
    if problems:
        raise Refused(problems[0])
    newest = edition.releases(root)[0]
    if newest.version != edition.UNRELEASED or not edition.has_changes(newest):
        raise Refused(f"{root / edition.CHANGELOG}: the Unreleased section lists no change; "
                      "say what this edition changes before releasing it")
    return current


def bumped(root: Path, new: str, today: dt.date) -> dict[str, str]:
    """Every file the release changes, with its new text (nothing written yet)."""
    current = edition.version(root)
    files: dict[str, str] = {}

    def text(path: str) -> str:
        return files.get(path) or (root / path).read_text(encoding="utf-8")

    for site in edition.SITES:
        files[site.path] = re.sub(
            site.pattern,
            lambda m: m.group(0).replace(m["v"], new) if m["v"] == current else m.group(0),
            text(site.path))
    files[edition.DATE_SITE.path] = re.sub(
        edition.DATE_SITE.pattern, f"date-released: {today.isoformat()}",
        text(edition.DATE_SITE.path))
    files[edition.CHANGELOG] = dated_changelog(text(edition.CHANGELOG), current, new, today)
    files[errata.RECORD] = re.sub(rf"(?m)^(\s*fixed_in: ){errata.UNRELEASED}\s*$",
                                  rf"\g<1>{new}", text(errata.RECORD))
    return files


def dated_changelog(text: str, current: str, new: str, today: dt.date) -> str:
    """The Unreleased section becomes edition ``new``; a fresh Unreleased goes above it."""
    head = re.search(r"(?m)^## \[Unreleased\][ \t]*$", text)
    if head is None:
        raise Refused(f"{edition.CHANGELOG}: no '## [Unreleased]' heading")
    fresh = ("## [Unreleased]\n\n### Clinical and numerical corrections\n\n"
             f"<!-- errata: {errata.UNRELEASED} -->\nNone.\n<!-- /errata -->\n\n"
             f"## [{new}] - {today.isoformat()}")
    text = text[:head.start()] + fresh + text[head.end():]
    # The old Unreleased corrections block is now the new edition's (the first one
    # after the fresh heading: the fresh block is the first of all).
    marker = f"<!-- errata: {errata.UNRELEASED} -->"
    first = text.index(marker)
    second = text.index(marker, first + len(marker))
    text = text[:second] + f"<!-- errata: {new} -->" + text[second + len(marker):]
    refs = edition.links_in(text)
    compare = refs.get(edition.UNRELEASED, "")
    base = compare.rsplit("/compare/", 1)[0] if "/compare/" in compare else None
    if base is None:
        raise Refused(f"{edition.CHANGELOG}: the [unreleased] link is not a compare link "
                      "(.../compare/vX.Y.Z...HEAD)")
    text = re.sub(r"(?mi)^\[unreleased\]: .*$",
                  f"[unreleased]: {base}/compare/v{new}...HEAD\n"
                  f"[{new}]: {base}/compare/v{current}...v{new}", text)
    return text


def write_all(root: Path, files: dict[str, str]) -> None:
    for path, content in files.items():
        target = root / path
        partial = target.with_name(target.name + ".release-tmp")
        partial.write_text(content, encoding="utf-8")
        os.replace(partial, target)


def sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def artefacts(root: Path, new: str) -> list[Path]:
    """Zip the built site and copy the learner zip into _build/release/, with checksums."""
    out = root / OUT
    out.mkdir(parents=True, exist_ok=True)
    site = root / "_build" / "html"
    learner = root / "_build" / "student.zip"
    if not (site / "index.html").is_file():
        raise Refused(f"{site}: the built book is missing")
    if not learner.is_file():
        raise Refused(f"{learner}: the learner edition is missing")
    site_zip = out / f"labkit-site-{new}.zip"
    partial = site_zip.with_name(site_zip.name + ".tmp")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(site.rglob("*")):
            if file.is_file():
                archive.write(file, Path(f"labkit-site-{new}") / file.relative_to(site))
    os.replace(partial, site_zip)
    learner_zip = out / f"labkit-learner-{new}.zip"
    shutil.copyfile(learner, learner_zip)
    made = [site_zip, learner_zip]
    sums = out / f"SHA256SUMS-{new}"
    sums.write_text("".join(f"{sha256(p)}  {p.name}\n" for p in made), encoding="utf-8")
    return [*made, sums]


def make(target: str) -> Callable[[Path], int]:
    """Run ``make <target>`` (tools/tasks.py) in ``root``; its exit status."""
    def step(root: Path) -> int:
        return subprocess.run([sys.executable, str(root / "tools" / "tasks.py"), target],
                              cwd=root, check=False).returncode
    return step


MAKE_TEST, MAKE_BOOK, MAKE_STUDENT = make("test"), make("book"), make("student")


def release(root: Path, new: str, today: dt.date | None = None,
            test: Callable[[Path], int] = MAKE_TEST,
            build: Callable[[Path], int] = MAKE_BOOK,
            student: Callable[[Path], int] = MAKE_STUDENT) -> list[Path]:
    """Make edition ``new`` in ``root``; the artefacts. Raises :class:`Refused`.

    ``test``, ``build`` and ``student`` run the kit's make targets; tests pass
    stand-ins to exercise every way a release stops.
    """
    today = today or dt.date.today()
    current = preflight(root, new)
    files = bumped(root, new, today)
    originals = {path: (root / path).read_text(encoding="utf-8")
                 for path in [*files, errata.PAGE]}
    made: list[Path] = []
    try:
        write_all(root, files)
        errata.write(root)
        print(f"release: {current} -> {new}; running make test on the bumped tree",
              flush=True)
        if test(root) != 0:
            raise Failed(f"make test failed on {new} (see above)")
        if build(root) != 0:
            raise Failed(f"make book failed on {new} (see above)")
        if student(root) != 0:
            raise Failed(f"make student failed on {new} (see above)")
        made = artefacts(root, new)
        changed = [path for path, text in originals.items()
                   if (root / path).read_text(encoding="utf-8") != text]
        commit = git(root, "commit", "--quiet", "-m", f"Release {new}", "--", *changed)
        if commit.returncode != 0:
            raise Failed(f"git commit failed: {commit.stderr.strip().splitlines()[-1]}")
    except BaseException:
        write_all(root, originals)
        for path in made:
            path.unlink(missing_ok=True)
        raise
    tag = git(root, "tag", "-a", f"v{new}", "-m",
              f"{edition.label(root)}: release artefacts in {OUT}/")
    if tag.returncode != 0:
        git(root, "reset", "--quiet", "--keep", "HEAD~1")
        for path in made:
            path.unlink(missing_ok=True)
        raise Failed(f"git tag failed: {tag.stderr.strip()}; the release commit was undone")
    return made


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: make release VERSION=X.Y.Z (python -m tools.release X.Y.Z)",
              file=sys.stderr)
        return 2
    try:
        made = release(ROOT, argv[0])
    except Refused as err:
        undone = "; every bumped file is back as it was" if isinstance(err, Failed) else ""
        print(f"release: {err}{undone}; no tag was made", file=sys.stderr)
        return 1 if isinstance(err, Failed) else 2
    print(f"release: {edition.label(ROOT)}, tagged v{argv[0]}")
    for path in made:
        print(f"  {path.relative_to(ROOT)}  {path.stat().st_size / 1e6:.1f} MB")
    print(f"Next: git push origin main v{argv[0]}; publish the learner edition (the "
          "hosting guide, 'Keep a term on one edition').")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
