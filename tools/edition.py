"""The kit's edition: its version, where that version is written, and its changelog.

``pyproject.toml``'s ``[project].version`` is the edition. :data:`SITES` lists every
other place the version is written (the package, the citation file, the hosting
guide and the class image's tag); tests/test_edition.py fails when one disagrees,
and when the version appears anywhere else, so that ``make release`` (tools/release.py),
which rewrites exactly these places, cannot miss one.

``CHANGELOG.md`` follows Keep a Changelog 1.1.0: ``## [Unreleased]`` first, then
``## [X.Y.Z] - YYYY-MM-DD`` for each edition, newest first. The book's footer and
the learner edition show :func:`label`: the version, its release date, and whether
the build holds changes made after it.

Usage::

    python -m tools.edition          # print the label
    python -m tools.edition check    # every problem with the version sites and the changelog
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = "CHANGELOG.md"
UNRELEASED = "unreleased"
SEMVER = re.compile(r"\d+\.\d+\.\d+")
HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\S+))?[ \t]*$", re.M)
LINK = re.compile(r"^\[(?P<name>[^\]]+)\]: (?P<url>\S+)\s*$", re.M)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


@dataclass(frozen=True)
class Site:
    """One place the version is written: ``pattern``'s group ``v`` is the version."""
    path: str
    pattern: str
    why: str


#: Every place besides pyproject.toml that names the kit's version.
SITES = (
    Site("pyproject.toml", r'(?m)^version = "(?P<v>[^"]+)"$', "the package's version"),
    Site("labkit/__init__.py", r'(?m)^__version__ = "(?P<v>[^"]+)"$', "labkit.__version__"),
    Site("CITATION.cff", r"(?m)^version: (?P<v>\S+)$", "what a citation of the kit names"),
    Site("hosting/z2jh/config.yaml", r'(?m)^\s+tag: "(?P<v>[^"]+)"$',
         "the class image's tag on the hub"),
    Site("hosting/singleuser/Dockerfile", r"labkit-singleuser:(?P<v>[\w.]+)",
         "the class image's tag in the build command"),
    Site("book/hosting.md", r"labkit-singleuser:(?P<v>[\w.]+)",
         "the class image's tag in the hosting guide"),
    Site("book/hosting.md", r'"Learner edition (?P<v>[\w.]+)"',
         "the commit message that publishes the learner edition"),
    Site("book/hosting.md", r"edition-(?P<v>\d+\.\d+\.\d+)",
         "the edition branch in the hosting guide's examples"),
    Site("book/hosting.md", r"\bv(?P<v>\d+\.\d+\.\d+)\b",
         "the edition tag in the hosting guide's examples"),
)
#: The one other place with a date that follows the release.
DATE_SITE = Site("CITATION.cff", r"(?m)^date-released: (?P<v>\S+)$", "the release date")
#: Files that may name the current version without being a site: history and tests.
NOT_SITES = ("CHANGELOG.md", "book/errata.yml", "book/errata.md")


@dataclass(frozen=True)
class Release:
    version: str            # "0.2.0", or "unreleased"
    date: str | None        # "2026-12-03"; None for unreleased
    body: str               # the markdown under its heading


def version(root: Path = ROOT) -> str:
    """The edition, from pyproject.toml.

    >>> bool(SEMVER.fullmatch(version()))
    True
    """
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["project"]["version"]


def key(value: str) -> tuple[int, ...]:
    """A version as numbers, for ordering: ``key("0.10.0") > key("0.9.1")``."""
    return tuple(int(part) for part in value.split("."))


def releases(root: Path = ROOT) -> list[Release]:
    """The changelog's sections, as written (newest first).

    Written here rather than with keepachangelog (which tests/test_edition.py uses as
    a second reader): its parser splits a wrapped bullet into two entries and its
    release() rewrites the whole file, recasing our section headings.

    >>> releases()[-1].date   # the first edition
    '2026-11-26'
    """
    path = root / CHANGELOG
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"{path}: cannot read it ({err.strerror})") from None
    body = LINK.sub("", text)
    heads = list(HEADING.finditer(body))
    if not heads:
        raise ValueError(f"{path}: no '## [version] - date' heading")
    out = []
    for head, nxt in zip(heads, [*heads[1:], None], strict=True):
        name = head["version"].lower()
        out.append(Release(version=name, date=head["date"],
                           body=body[head.end():nxt.start() if nxt else len(body)]))
    return out


def links_in(text: str) -> dict[str, str]:
    """A changelog's link references, ``{"1.2.3": url}``, keys lower-case.

    >>> links_in("[Unreleased]: https://x/compare/v1.2.3...HEAD")
    {'unreleased': 'https://x/compare/v1.2.3...HEAD'}
    """
    return {m["name"].lower(): m["url"] for m in LINK.finditer(text)}


def has_changes(release: Release) -> bool:
    """Whether a section lists any change (a bullet other than the corrections' 'None.')."""
    return any(line.startswith("- ") for line in release.body.splitlines())


def long_date(value: str) -> str:
    """``2026-12-02`` as a reader writes it.

    >>> long_date("2026-12-02")
    '2 December 2026'
    """
    year, month, day = (int(part) for part in value.split("-"))
    return f"{day} {MONTHS[month - 1]} {year}"


def release_date(root: Path = ROOT, of: str | None = None) -> str:
    """The date the changelog gives edition ``of`` (default: the current version)."""
    of = of or version(root)
    for release in releases(root):
        if release.version == of:
            if not release.date:
                break
            return release.date
    raise ValueError(f"{root / CHANGELOG}: no '## [{of}] - YYYY-MM-DD' heading for "
                     f"the version in pyproject.toml")


def label(root: Path = ROOT) -> str:
    """The edition as the footer and the learner edition show it.

    >>> label().startswith(f"Edition {version()} of ")
    True
    """
    text = f"Edition {version(root)} of {long_date(release_date(root))}"
    newest = releases(root)[0]
    if newest.version == UNRELEASED and has_changes(newest):
        text += ", with later changes not yet in an edition"
    return text


def changelog_problems(root: Path = ROOT) -> list[str]:
    """What breaks Keep a Changelog's shape or disagrees with the version."""
    name = f"{root / CHANGELOG}"
    try:
        found_releases = releases(root)
    except ValueError as err:
        return [str(err)]
    found = []
    if found_releases[0].version != UNRELEASED or found_releases[0].date:
        found.append(f"{name}: the first section must be '## [Unreleased]' (no date)")
    dated = [r for r in found_releases if r.version != UNRELEASED]
    for release in dated:
        if not SEMVER.fullmatch(release.version):
            found.append(f"{name}: '{release.version}' is not MAJOR.MINOR.PATCH")
        if not release.date or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", release.date):
            found.append(f"{name}: edition {release.version} has no YYYY-MM-DD date")
    if any(r.version == UNRELEASED for r in found_releases[1:]):
        found.append(f"{name}: more than one Unreleased section")
    good = [r for r in dated if SEMVER.fullmatch(r.version) and r.date]
    for newer, older in zip(good, good[1:], strict=False):
        if key(newer.version) <= key(older.version):
            found.append(f"{name}: {newer.version} is listed above {older.version}; "
                         "newest first")
        if newer.date < older.date:
            found.append(f"{name}: {newer.version} ({newer.date}) is dated before "
                         f"{older.version} ({older.date})")
    refs = links_in((root / CHANGELOG).read_text(encoding="utf-8"))
    for release in found_releases:
        if release.version not in refs:
            found.append(f"{name}: no link reference '[{release.version}]: ...' at the end")
    if good and good[0].version != version(root):
        found.append(f"{name}: the newest edition is {good[0].version} but pyproject.toml "
                     f"says {version(root)}")
    return found


def site_problems(root: Path = ROOT) -> list[str]:
    """Sites that disagree with pyproject.toml, and the version written elsewhere."""
    current = version(root)
    found = []
    for site in SITES:
        text = (root / site.path).read_text(encoding="utf-8")
        values = {m["v"] for m in re.finditer(site.pattern, text)}
        if not values:
            found.append(f"{site.path}: {site.why} is missing (pattern {site.pattern})")
        for value in sorted(values - {current}):
            found.append(f"{site.path}: {site.why} says {value}, pyproject.toml says "
                         f"{current}")
    try:
        date = release_date(root)
    except ValueError:
        date = None
    cff = (root / DATE_SITE.path).read_text(encoding="utf-8")
    match = re.search(DATE_SITE.pattern, cff)
    if date and (not match or match["v"] != date):
        found.append(f"{DATE_SITE.path}: {DATE_SITE.why} is "
                     f"{match['v'] if match else 'missing'}, the changelog says {date}")
    return found


def main(argv: list[str]) -> int:
    if argv not in ([], ["check"]):
        print("usage: python -m tools.edition [check]", file=sys.stderr)
        return 2
    try:
        if argv == ["check"]:
            found = site_problems(ROOT) + changelog_problems(ROOT)
            for problem in found:
                print(problem, file=sys.stderr)
            return 1 if found else 0
        print(label(ROOT))
    except (OSError, ValueError) as err:
        print(f"edition: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
