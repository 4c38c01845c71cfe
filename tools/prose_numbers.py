"""The numbers the labs' prose quotes: glued to the computation, or allowed with a reason.

A result a lab quotes in its text is typed followed by a glue marker::

    in the highest-risk tenth the model predicts 37%<!--glue:l2_top_pred:.0%-->

- The marker is an HTML comment, so Jupyter (every edition a learner opens) shows
  the typed number.
- The book shows the computed value: ``tools/sphinx_glue.py`` turns typed number and
  marker into myst-nb's ``{glue:text}`l2_top_pred:.0%``` role, which myst-nb fills
  from the value the lab recorded with ``labkit.glue.glue("l2_top_pred", ...)``.
  A chapter quotes a lab's value with ``<!--glue:../labs/02_evaluate.ipynb::key:fmt-->``.
- ``tests/test_prose_numbers.py`` formats each recorded value as the book will
  (myst-nb's own formatter) and fails, naming the sentence, when the typed number
  differs: a number is stale beyond its printed precision.
- Alt text cannot hold a role; its markers are removed in the book and tested the same.

Every other number in a lab's prose must be a constant of the exercise, matched by
a rule below or by a phrase in ``tools/allowed_numbers/`` (``_all.yml`` for every
lab, ``NN_slug.yml`` for one), each with its reason.

    python -m tools.prose_numbers          # list typed numbers with no glue and no reason

Exit status 0 when there are none, 1 otherwise.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import jupytext
import yaml

ROOT = Path(__file__).resolve().parents[1]
LAB_SOURCES = ROOT / "labs" / "src"
ALLOWED_DIR = ROOT / "tools" / "allowed_numbers"

#: A typed number and its glue marker: ``0.63<!--glue:l1_auc:.2f-->``.
MARKER = re.compile(
    r"(?P<typed>-?\d[\d,]*(?:\.\d+)?%?)<!--glue:(?P<ref>[^\s>]+?)-->")
#: A glue marker not right after a number (an error: the book would lose its text).
LOOSE_MARKER = re.compile(r"<!--glue:")
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")

#: Numbers that are never results, whatever the lab: (pattern, reason).
RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, flags), reason) for pattern, flags, reason in (
        (r"\{cite:[pt]\}`[^`]*`", 0, "a citation key"),
        (r"`[^`]*`", 0, "code: a name or a call the learner types"),
        (r"\$\$.*?\$\$|\$[^$\n]+\$", re.S, "mathematics: a formula, not a result"),
        (r"<!--.*?-->", re.S, "an HTML comment (an objective tag or an include)"),
        (r"\]\([^)]*\)|<[^>]+>", 0, "a link target or an HTML tag"),
        (r"^#+ .*$", re.M, "a heading: the lab's section and exercise numbers"),
        (r"^\s*\d+\.\s", re.M, "a numbered list's item number"),
        (r"\[LK[\d.]+;[^\]]*\]", 0, "an objective's code and its competency domains"),
        (r"\b(?:Labs?|Sections?|Exercises?|Parts?|Steps?|Questions?|LK|principle|"
         r"items?|Figure|Table|[Cc]hapters?|[Ww]eeks?|version|v)\s?\d+(?:\.\d+)*"
         r"(?:(?:,\s*|\s*(?:and|or|to|-|–)\s*)\d+(?:\.\d+)*)*",
         0, "a reference to a lab, section, exercise or other numbered part"),
        # A count from 1,900 to 2,099 is typed with its thousands comma, as the labs
        # type every count over 999, so this rule cannot hide one.
        (r"\b(?:19|20)\d\d(?:\s*[-–]\s*(?:19|20)?\d\d)?s?\b", 0, "a calendar year"),
        (r"\bSHA-256\b", 0, "the name of a checksum"),
        (r"\b(?:Sp|Sa)O2\b|\bm[²2]\b|/1\.73", 0, "part of a name or a unit (SpO2, mL/min/1.73 m²)"),
        (r"\*\*Time:\*\* \d+ min", 0, "the lab's time estimate (tests/test_objectives.py)"),
    ))

#: What a message quoting a sentence leaves out: headings and comments other than markers.
QUIET = re.compile(r"^#+ .*$|<!--(?!glue:).*?-->", re.M | re.S)

#: A sentence that cites a source quotes that source's figures: they are facts of
#: the literature, fact-checked with their citation, not the lab's results.
CITED = re.compile(r"\{cite:[pt]\}")
SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=[A-Z*(\[_])|\n\s*\n")


@dataclass(frozen=True)
class Marker:
    """One typed number with its glue reference."""

    typed: str
    doc: str  # "" for the lab's own notebook, else a path to another one
    key: str
    fmt: str
    sentence: str

    @property
    def ref(self) -> str:
        return (f"{self.doc}::" if self.doc else "") + self.key + (f":{self.fmt}" if self.fmt
                                                                    else "")


def _parse_ref(ref: str) -> tuple[str, str, str]:
    """``[doc::]key[:fmt]`` split into its parts.

    >>> _parse_ref("l2_auc:.2f"), _parse_ref("../labs/02_evaluate.ipynb::n:,d")
    (('', 'l2_auc', '.2f'), ('../labs/02_evaluate.ipynb', 'n', ',d'))
    """
    doc, _, rest = ref.rpartition("::")
    key, _, fmt = rest.partition(":")
    return doc, key, fmt


def strip(text: str) -> str:
    """``text`` with the glue markers removed, the typed numbers kept.

    >>> strip("AUROC 0.63<!--glue:l1_auc:.2f--> on test")
    'AUROC 0.63 on test'
    """
    return MARKER.sub(lambda m: m["typed"], text)


def to_roles(text: str) -> str:
    """``text`` with each typed number and its marker replaced by myst-nb's glue role.

    >>> to_roles("AUROC 0.63<!--glue:l1_auc:.2f--> on test")
    'AUROC {glue:text}`l1_auc:.2f` on test'
    """
    return MARKER.sub(lambda m: "{glue:text}`" + m["ref"] + "`", text)


def spans(text: str) -> list[tuple[int, int]]:
    """Where each sentence of ``text`` starts and ends (roughly: enough to quote one)."""
    out, start = [], 0
    for m in SENTENCE_END.finditer(text):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences, each on one line.

    >>> sentences("It is 0.6. Lab 2 says\\nwhy: It is low.")
    ['It is 0.6.', 'Lab 2 says why:', 'It is low.']
    """
    return [flat(text[a:b]) for a, b in spans(text)]


def markers(text: str) -> list[Marker]:
    """Every typed number with a marker in ``text``, with the sentence it is in."""
    found = []
    for sentence in sentences(text):
        for m in MARKER.finditer(sentence):
            doc, key, fmt = _parse_ref(m["ref"])
            found.append(Marker(m["typed"], doc, key, fmt, strip(sentence)))
    return found


def loose_markers(text: str) -> list[str]:
    """Sentences with a glue marker that does not follow a typed number."""
    return [strip(s) for s in sentences(text) if LOOSE_MARKER.search(MARKER.sub("", s))]


@dataclass(frozen=True)
class Allowed:
    """A phrase whose number is a constant of the exercise, and why."""

    text: str
    reason: str
    where: str
    file: Path


def allowed(stem: str, directory: Path = ALLOWED_DIR) -> list[Allowed]:
    """The allowed phrases for one lab (``stem``): its own file and ``_all.yml``."""
    out = []
    for name in ("_all", stem):
        path = directory / f"{name}.yml"
        if not path.exists():
            continue
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        for n, entry in enumerate(entries, 1):
            where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} entry {n}"
            if not isinstance(entry, dict) or set(entry) != {"text", "reason"}:
                raise ValueError(f"{where}: each entry needs exactly 'text' and 'reason'")
            text, reason = str(entry["text"]), str(entry["reason"]).strip()
            if not NUMBER.search(text):
                raise ValueError(f"{where}: text {text!r} has no number to allow")
            if len(reason) < 10:
                raise ValueError(f"{where}: the reason for {text!r} is missing or too short")
            out.append(Allowed(text, reason, where, path))
    return out


def _blank(match: re.Match) -> str:
    return re.sub(r"\S", " ", match.group(0))


def untagged(text: str, allow: list[Allowed], used: set[str] | None = None) -> list[str]:
    """The sentences of ``text`` with a number that is neither glued nor allowed.

    Each allowed phrase that matched is added to ``used``.

    >>> untagged("It is 0.63<!--glue:a:.2f-->. Then 25% were readmitted.", [])
    ['Then 25% were readmitted.']
    >>> untagged("## 2. Within 30 days\\n\\nSee Lab 1, Exercise 1.2, in 2019-2022.",
    ...          [Allowed("30 days", "the outcome window", "x", Path("x"))])
    []
    """
    rest = MARKER.sub(_blank, text)
    for pattern, _reason in RULES:
        rest = pattern.sub(_blank, rest)
    flagged = []
    for a, b in spans(text):
        if CITED.search(text[a:b]):
            continue
        part = rest[a:b]
        for entry in allow:
            if entry.text in flat(part):
                part = flat(part).replace(entry.text, " " * len(entry.text))
                if used is not None:
                    used.add(entry.where)
        if re.search(r"\d", part):
            flagged.append(strip(flat(QUIET.sub("", text[a:b]))))
    return flagged


# ----------------------------------------------------------------- the lab sources


@dataclass(frozen=True)
class Text:
    """One piece of a lab's prose: a markdown cell or a figure's alt text."""

    source: Path
    cell: int
    kind: str  # "markdown" or "alt text"
    text: str

    @property
    def where(self) -> str:
        return f"{self.source.relative_to(ROOT)} cell {self.cell} ({self.kind})"


def texts(source: Path) -> list[Text]:
    """The markdown cells and alt texts of one lab source (``labs/src/NN_slug.py``)."""
    nb = jupytext.read(source, fmt="py:percent")
    out = []
    for n, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            out.append(Text(source, n, "markdown", cell.source))
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt")
        if alt:
            out.append(Text(source, n, "alt text", alt))
    return out


def lab_sources() -> list[Path]:
    """Every lab source, in order."""
    return sorted(LAB_SOURCES.glob("[0-9][0-9]_*.py"))


def problems(sources: list[Path] | None = None, directory: Path = ALLOWED_DIR) -> list[str]:
    """Typed numbers with no glue and no allowed phrase, and allowed phrases never used."""
    out = []
    for source in sources or lab_sources():
        allow = allowed(source.stem, directory)
        used: set[str] = set()
        for piece in texts(source):
            for sentence in untagged(piece.text, allow, used):
                out.append(f"{piece.where}: a number with no glue marker and no reason in "
                           f"tools/allowed_numbers/: {sentence!r}")
            for sentence in loose_markers(piece.text):
                out.append(f"{piece.where}: a glue marker not right after a number: "
                           f"{sentence!r}")
        for entry in allow:
            if entry.file == directory / f"{source.stem}.yml" and entry.where not in used:
                out.append(f"{entry.where}: {entry.text!r} is allowed but no longer in "
                           f"{source.relative_to(ROOT)}; remove it")
    return out


def main(argv: list[str]) -> int:
    if argv:
        print("usage: python -m tools.prose_numbers", file=sys.stderr)
        return 2
    try:
        found = problems()
    except (ValueError, yaml.YAMLError) as exc:
        print(f"prose_numbers: {exc}", file=sys.stderr)
        return 2
    for line in found:
        print(line)
    print(f"{len(found)} problem(s)" if found else "every number in the labs' prose is glued "
          "or allowed")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
