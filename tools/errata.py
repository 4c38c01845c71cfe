"""The errata: every clinical or numerical correction since the first edition.

``book/errata.yml`` is the one record. Each entry says what was wrong and what is
right (exact quotes of the text before and after the fix), why, the source, the
date and the first edition with the fix (``unreleased`` until ``make release``
names it). ``write`` renders the list into ``book/errata.md`` and into the
changelog's corrections section, between their markers; tests/test_errata.py
fails when either is out of step, or when :func:`problems` finds one.

The record is checked against git history, so it cannot claim a fix that did not
happen:

- ``wrong`` is in the file before the fixing commit, and in neither the commit
  nor today's file (a corrected error that comes back fails the test);
- ``right`` is in the file as the commit left it;
- the fixing commit is the entry's ``commit``, or, for an entry written with its
  fix, the commit that added the entry (uncommitted: the working tree);
- a commit that says it is a correction (a message line starting ``Errata:``)
  and changes chapter or lab text must add to this file or be named by an entry;
- an entry released in edition X is in tag vX and not in the edition before.

Usage::

    python -m tools.errata check   # print every problem (exit 1 when there is one)
    python -m tools.errata write   # the errata page's list and the changelog's section

Written here: no errata or changelog tool checks quotes against history.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from tools.edition import long_date, releases

ROOT = Path(__file__).resolve().parents[1]
RECORD = "book/errata.yml"
PAGE = "book/errata.md"
CHANGELOG = "CHANGELOG.md"
START, END = "<!-- errata:start (python -m tools.errata write) -->", "<!-- errata:end -->"
#: The changelog's corrections section of one release: `<!-- errata: 0.2.0 -->`.
SECTION = re.compile(r"<!-- errata: (?P<version>[\w.]+) -->\n(?P<body>.*?)<!-- /errata -->",
                     re.S)
UNRELEASED = "unreleased"
KINDS = {
    "clinical": "a clinical, legal or regulatory fact",
    "citation": "a claim attributed to the wrong source, or worded beyond it",
    "numerical": "a number that did not match its computation or source",
}
FIELDS = ("id", "date", "where", "place", "kind", "wrong", "right", "explanation",
          "summary", "fixed_in")
OPTIONAL = ("commit", "cite", "computed")
#: Text a reader learns from: a commit marked as a correction that changes these
#: must add to the errata (or be named by an entry).
TEXT = re.compile(r"^(book/.*\.md|labs/src/.*\.py|datasets/.*\.md|labkit/bank/.*\.yml)$")
MARK = re.compile(r"^Errata:", re.M)
GLUE = re.compile(r"<!--glue:[^>]*-->")


@dataclass(frozen=True)
class Entry:
    id: str
    date: str
    where: tuple[str, ...]
    place: str
    kind: str
    wrong: str
    right: str
    explanation: str
    summary: str
    fixed_in: str
    commit: str | None = None
    cite: tuple[str, ...] = ()
    computed: str | None = None


def _text(value: object) -> str:
    return " ".join(str(value).split())


def load(root: Path = ROOT) -> tuple[dict, list[Entry]]:
    """The record's header (``since``, ``base``) and its entries, shape-checked.

    Raises ``ValueError`` naming the file and the entry at fault.

    >>> header, entries = load()
    >>> header["since"] == releases()[-1].version, all(e.id for e in entries)
    (True, True)
    """
    path = root / RECORD
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ValueError(f"{path}: cannot read it ({str(err).splitlines()[0]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise ValueError(f"{path}: expected 'since', 'base' and a list 'entries'")
    for key in ("since", "base"):
        if not isinstance(data.get(key), str):
            raise ValueError(f"{path}: '{key}' is missing or not text")
    entries = []
    for number, raw in enumerate(data["entries"], start=1):
        where = f"{path}: entry {number}"
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: not a mapping")
        where = f"{path}: entry {number} ({raw.get('id', 'no id')})"
        missing = [key for key in FIELDS if not raw.get(key)]
        unknown = sorted(set(raw) - set(FIELDS) - set(OPTIONAL))
        if missing or unknown:
            raise ValueError(f"{where}: " + "; ".join(
                ([f"missing {', '.join(missing)}"] if missing else [])
                + ([f"unknown key {', '.join(unknown)}"] if unknown else [])))
        files = raw["where"] if isinstance(raw["where"], list) else [raw["where"]]
        cite = raw.get("cite") or []
        if not isinstance(cite, list):
            raise ValueError(f"{where}: 'cite' must be a list of bibliography keys")
        entries.append(Entry(
            id=str(raw["id"]), date=str(raw["date"]), where=tuple(map(str, files)),
            place=_text(raw["place"]), kind=str(raw["kind"]), wrong=_text(raw["wrong"]),
            right=_text(raw["right"]), explanation=_text(raw["explanation"]),
            summary=_text(raw["summary"]), fixed_in=str(raw["fixed_in"]),
            commit=str(raw["commit"]) if raw.get("commit") else None,
            cite=tuple(map(str, cite)),
            computed=_text(raw["computed"]) if raw.get("computed") else None))
    return data, entries


# --- git ---------------------------------------------------------------------------

def git(root: Path, *args: str) -> str | None:
    """Run git in ``root``; its output, or ``None`` when git fails (not a checkout ...)."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                              text=True, check=False)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def has_history(root: Path, base: str) -> bool:
    """Whether ``root`` is a git checkout that holds the commit ``base``."""
    return git(root, "cat-file", "-e", f"{base}^{{commit}}") is not None


@cache
def _show(root: Path, rev: str, path: str) -> str | None:
    return git(root, "show", f"{rev}:{path}")


def normalised(text: str, path: str) -> str:
    """What a reader reads: lab sources without their ``# `` prefixes, no glue
    markers, every run of white space one space.

    >>> normalised("# The AUROC is 0.71<!--glue:l1_auc:.2f-->\\n# on the test set", "labs/src/x.py")
    'The AUROC is 0.71 on the test set'
    """
    if path.startswith("labs/src/"):
        text = "\n".join(re.sub(r"^# ?", "", line) for line in text.splitlines())
    return _text(GLUE.sub("", text))


def version_text(root: Path, rev: str | None, path: str) -> str | None:
    """``path`` as of commit ``rev`` (``None``: the working tree), normalised."""
    if rev is None:
        file = root / path
        raw = file.read_text(encoding="utf-8") if file.is_file() else None
    else:
        raw = _show(root, rev, path)
    return None if raw is None else normalised(raw, path)


def fixing_commit(root: Path, entry: Entry) -> str | None:
    """The commit that made the fix: the entry's own, else the one that added the
    entry to the record; ``None`` while the entry is not committed yet."""
    if entry.commit:
        return entry.commit
    out = git(root, "log", "--reverse", "--format=%H", "-S", f"id: {entry.id}\n", "--",
              RECORD)
    return out.split()[0] if out and out.split() else None


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


# --- checks ------------------------------------------------------------------------

def bib_keys(root: Path = ROOT) -> set[str]:
    text = (root / "references.bib").read_text(encoding="utf-8")
    return set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", text))


def entry_problems(entry: Entry, keys: set[str], editions: set[str],
                   today: dt.date | None = None) -> list[str]:
    """What is wrong with one entry on its own (no git needed)."""
    today = today or dt.date.today()
    name = f"{RECORD}: {entry.id}"
    found = []
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry.id):
        found.append(f"{name}: id must be lower-case words joined by hyphens")
    day = _date(entry.date)
    if day is None:
        found.append(f"{name}: date {entry.date!r} is not YYYY-MM-DD")
    elif day > today:
        found.append(f"{name}: date {entry.date} is in the future")
    if entry.kind not in KINDS:
        found.append(f"{name}: kind {entry.kind!r} is not one of {', '.join(KINDS)}")
    if entry.kind in ("clinical", "citation") and not entry.cite:
        found.append(f"{name}: a {entry.kind} correction needs 'cite', the source of what "
                     "is right")
    if entry.kind == "numerical" and not (entry.cite or entry.computed):
        found.append(f"{name}: a numerical correction needs 'computed' (what gives the "
                     "right number) or 'cite'")
    for key in entry.cite:
        if key not in keys:
            found.append(f"{name}: cite {key!r} is not in references.bib")
    if entry.fixed_in != UNRELEASED and entry.fixed_in not in editions:
        found.append(f"{name}: fixed_in {entry.fixed_in!r} is neither 'unreleased' nor an "
                     "edition in the changelog")
    if entry.wrong == entry.right:
        found.append(f"{name}: 'wrong' and 'right' are the same text")
    if len(entry.summary) > 140:
        found.append(f"{name}: the summary is {len(entry.summary)} characters; keep it "
                     "under 140 (it is one line of the changelog)")
    for path in entry.where:
        if not TEXT.match(path):
            found.append(f"{name}: where {path!r} is not chapter, lab, datasheet or "
                         "question-bank text")
    return found


def history_problems(entry: Entry, root: Path, base: str) -> list[str]:
    """What git history says against one entry: the quotes, the commit, the date."""
    name = f"{RECORD}: {entry.id}"
    commit = fixing_commit(root, entry)
    if commit is None:  # written with an uncommitted fix: compare HEAD with the tree
        before, after = "HEAD", None
    else:
        full = git(root, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}")
        if full is None:
            return [f"{name}: commit {commit} is not in this repository's history"]
        commit = full.strip()
        if git(root, "merge-base", "--is-ancestor", base, commit) is None or \
                git(root, "rev-parse", base).strip() == commit:
            return [f"{name}: commit {commit[:7]} is not after edition {base[:7]} "
                    "(the errata list corrections since then)"]
        before, after = f"{commit}^", commit
        changed = set((git(root, "show", "--format=", "--name-only", commit) or "").split())
        stray = [p for p in entry.where if p not in changed]
        if stray:
            return [f"{name}: commit {commit[:7]} does not change {', '.join(stray)}"]
        author_day = (git(root, "show", "-s", "--format=%ad", "--date=short", commit)
                      or "").strip()
        if entry.commit and author_day != entry.date:
            return [f"{name}: date {entry.date} but commit {commit[:7]} is dated "
                    f"{author_day}"]
    found = []
    wrong_ok = any(
        (old := version_text(root, before, p)) is not None and entry.wrong in old
        and entry.wrong not in (version_text(root, after, p) or "")
        and entry.wrong not in (version_text(root, None, p) or "")
        for p in entry.where)
    if not wrong_ok:
        found.append(f"{name}: 'wrong' ({entry.wrong[:60]}...) is not in "
                     f"{' or '.join(entry.where)} before the fix, or is still there")
    if not any(entry.right in (version_text(root, after, p) or "") for p in entry.where):
        found.append(f"{name}: 'right' ({entry.right[:60]}...) is not in "
                     f"{' or '.join(entry.where)} as the fix left it")
    return found


def marked_commit_problems(entries: list[Entry], root: Path, base: str) -> list[str]:
    """Commits since ``base`` that say they correct text but left the errata alone."""
    named = {(git(root, "rev-parse", e.commit) or "").strip() for e in entries if e.commit}
    log = git(root, "log", "--format=%H%x00%B%x01", f"{base}..HEAD") or ""
    found = []
    for record in log.split("\x01"):
        if "\x00" not in record:
            continue
        sha, message = record.strip().split("\x00", 1)
        if not MARK.search(message) or sha in named:
            continue
        changed = (git(root, "show", "--format=", "--name-only", sha) or "").split()
        if any(TEXT.match(p) for p in changed) and RECORD not in changed:
            found.append(f"commit {sha[:7]} ({message.splitlines()[0][:60]}) says 'Errata:' "
                         f"and changes chapter or lab text, but does not add to {RECORD}")
    return found


def release_problems(entries: list[Entry], root: Path, order: list[str]) -> list[str]:
    """Entries whose ``fixed_in`` disagrees with the edition tags that exist.

    ``order`` lists the editions newest first, as the changelog does.
    """
    tags = set((git(root, "tag", "--list", "v*") or "").split())
    found = []
    for entry in entries:
        commit = fixing_commit(root, entry)
        if commit is None:
            continue
        name = f"{RECORD}: {entry.id}"
        holding = [v for v in reversed(order) if f"v{v}" in tags
                   and git(root, "merge-base", "--is-ancestor", commit, f"v{v}") is not None]
        if holding and entry.fixed_in != holding[0]:
            found.append(f"{name}: fixed_in {entry.fixed_in} but the first edition tag "
                         f"holding commit {commit[:7]} is v{holding[0]}")
        elif not holding and f"v{entry.fixed_in}" in tags:
            found.append(f"{name}: fixed_in {entry.fixed_in} but tag v{entry.fixed_in} does "
                         f"not hold commit {commit[:7]}")
    return found


def problems(root: Path = ROOT, today: dt.date | None = None) -> list[str]:
    """Every problem with the record, its page and its changelog section."""
    try:
        header, entries = load(root)
        editions = releases(root)
    except ValueError as err:
        return [str(err)]
    order = [r.version for r in editions if r.version != UNRELEASED]
    found = []
    ids = [e.id for e in entries]
    found += [f"{RECORD}: id {i!r} is used twice" for i in sorted({i for i in ids
                                                                    if ids.count(i) > 1})]
    keys = bib_keys(root)
    for entry in entries:
        found += entry_problems(entry, keys, set(order), today)
    if has_history(root, header["base"]):
        for entry in entries:
            found += history_problems(entry, root, header["base"])
        found += marked_commit_problems(entries, root, header["base"])
        found += release_problems(entries, root, order)
    for path, text in rendered(root, entries).items():
        if (root / path).read_text(encoding="utf-8") != text:
            found.append(f"{path}: its errata list is out of step with {RECORD}; run "
                         "'python -m tools.errata write'")
    return found


# --- rendering ---------------------------------------------------------------------

def _edition_words(fixed_in: str) -> str:
    if fixed_in == UNRELEASED:
        return "the next edition (not yet released)"
    return f"edition {fixed_in}"


def page_block(entries: list[Entry], since: str) -> str:
    """The errata page's list, newest edition first, each correction under its place."""
    lines = [START, ""]
    if not entries:
        lines += [f"No correction has been made since edition {since}.", ""]
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.fixed_in, []).append(entry)
    for fixed_in, group in groups.items():
        title = ("Corrected since the last edition" if fixed_in == UNRELEASED
                 else f"Corrected in edition {fixed_in}")
        lines += [f"## {title}", ""]
        for entry in sorted(group, key=lambda e: (e.date, e.place)):
            lines += [f"(errata-{entry.id})=", f"### {entry.place}", "",
                      f"*{KINDS[entry.kind].capitalize()}. Corrected "
                      f"{long_date(entry.date)}; first in {_edition_words(fixed_in)}.*", "",
                      "What was wrong", f": {entry.wrong}", "",
                      "What is right", f": {entry.right}", "",
                      "Why", f": {entry.explanation}", ""]
            sources = [f"{{cite:p}}`{key}`" for key in entry.cite]
            if entry.computed:
                sources.append(entry.computed)
            lines += ["Source", f": {'; '.join(sources)}", ""]
    lines.append(END)
    return "\n".join(lines)


def changelog_section(entries: list[Entry], version: str) -> str:
    """The bullets of one release's corrections section in the changelog."""
    chosen = [e for e in entries if e.fixed_in == version]
    if not chosen:
        return "None.\n"
    return "".join(f"- {e.summary}\n" for e in sorted(chosen, key=lambda e: (e.date, e.id)))


def rendered(root: Path, entries: list[Entry] | None = None) -> dict[str, str]:
    """The page and the changelog as ``write`` would leave them."""
    header, loaded = load(root)
    entries = loaded if entries is None else entries
    out = {}
    page = (root / PAGE).read_text(encoding="utf-8")
    if START not in page or END not in page:
        raise ValueError(f"{root / PAGE}: the markers {START} ... {END} are missing")
    head, rest = page.split(START, 1)
    out[PAGE] = head + page_block(entries, header["since"]) + rest.split(END, 1)[1]
    log = (root / CHANGELOG).read_text(encoding="utf-8")
    out[CHANGELOG] = SECTION.sub(
        lambda m: (f"<!-- errata: {m['version']} -->\n"
                   f"{changelog_section(entries, m['version'])}<!-- /errata -->"), log)
    return out


def write(root: Path = ROOT) -> list[str]:
    """Write the page's list and the changelog's sections; the files changed."""
    changed = []
    for path, text in rendered(root).items():
        if (root / path).read_text(encoding="utf-8") != text:
            (root / path).write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: list[str]) -> int:
    if argv not in (["check"], ["write"]):
        print("usage: python -m tools.errata check|write", file=sys.stderr)
        return 2
    if argv == ["write"]:
        try:
            changed = write()
        except ValueError as err:
            print(f"errata: {err}", file=sys.stderr)
            return 2
        print(f"errata: wrote {', '.join(changed)}" if changed else "errata: up to date")
        return 0
    found = problems()
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
