"""The question bank out of the book: LMS exports and the sources' labels.

    python -m tools.questions export [OUT]   # QTI (Canvas) and GIFT (Moodle) files
    python -m tools.questions sources        # write labkit/bank/_sources.yml
    python -m tools.questions check          # exit 1 if the bank breaks a rule

``export`` (what ``make lms`` runs) writes, into ``_build/lms`` by default:

* ``labkit-bank.zip`` and ``labkit-bank.gift``: every item of the bank (in GIFT,
  one category per page);
* ``<test>.zip`` and ``<test>.gift`` for each post-test of ``book/cme.yml``.

QTI 1.2 comes from text2qti (the maintained converter Canvas users use): this
module writes text2qti's plain-text quiz format and lets text2qti build the
package. No maintained Python library writes GIFT, so ``gift`` below does; it is
short because GIFT is, and tests/test_questions.py parses its output back.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from labkit import quiz

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "lms"
BIB = ROOT / "references.bib"


# ------------------------------------------------------------------ sources
def bib_keys(path: Path = BIB) -> set[str]:
    return set(re.findall(r"^@\w+\{([^,\s]+),", path.read_text(encoding="utf-8"), re.M))


def source_labels(keys: set[str], path: Path = BIB) -> dict[str, str]:
    """Author-year labels ("Hanley and McNeil, 1982") for ``keys``, as the book's
    bibliography labels them (tools/sphinx_a11y.base_label)."""
    from pybtex.database import parse_file

    from tools.sphinx_a11y import base_label

    entries = parse_file(str(path)).entries
    return {k: base_label(entries[k]) for k in sorted(keys) if k in entries}


def write_sources(folder: Path = quiz.BANK) -> Path:
    return write_text(sources_text(folder), folder / "_sources.yml")


def sources_text(folder: Path = quiz.BANK) -> str:
    """What ``write_sources`` would write (tests compare it with the file)."""
    keys = {k for item in quiz.load(folder) for k in item.sources}
    return ("# Author-year labels of the bank's sources, for the labs' quizzes in Jupyter.\n"
            "# Generated from references.bib: python -m tools.questions sources\n"
            + yaml.safe_dump(source_labels(keys), allow_unicode=True, sort_keys=True, width=200))


# ---------------------------------------------------------------- text2qti
def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _sources_note(item: quiz.Item) -> str:
    labels = quiz.source_labels()
    return "Sources: " + "; ".join(labels.get(k, k) for k in item.sources) + "."


def text2qti_source(items: list[quiz.Item], title: str, description: str) -> str:
    """The items in text2qti's plain-text quiz format."""
    lines = [f"Quiz title: {_one_line(title)}", f"Quiz description: {_one_line(description)}",
             "Shuffle answers: false", "Show correct answers: true", ""]
    for number, item in enumerate(items, start=1):
        lines.append(f"Title: {item.id}")
        lines.append("Points: 1")
        lines.append(f"{number}.  {_one_line(item.stem)}")
        if item.type == "numeric":
            lines.append(f"+   {_one_line(item.feedback_correct)}")
            lines.append(f"-   {_one_line(item.feedback_incorrect)} {_sources_note(item)}")
            low, high = item.answer - item.tolerance, item.answer + item.tolerance
            lines.append(f"=   [{low:.12g}, {high:.12g}]")
        else:
            lines.append(f"... {_sources_note(item)}")
            for letter, option in zip(quiz.LETTERS, item.options, strict=False):
                right = letter in item.key
                if item.type == "single":
                    marker = f"{'*' if right else ''}{letter.lower()})"
                else:
                    marker = "[*]" if right else "[ ]"
                lines.append(f"{marker} {_one_line(option.text)}")
                lines.append(f"... {_one_line(option.feedback)}")
        lines.append("")
    return "\n".join(lines)


def write_qti(items: list[quiz.Item], title: str, description: str, target: Path) -> Path:
    from text2qti.config import Config
    from text2qti.qti import QTI
    from text2qti.quiz import Quiz

    # Config() without .load(): text2qti's defaults, never the user's ~/.text2qti.bespon.
    built = Quiz(text2qti_source(items, title, description), config=Config(),
                 source_name=target.name)
    partial = target.with_suffix(".partial")
    QTI(built).save(partial)
    partial.replace(target)
    return target


# -------------------------------------------------------------------- GIFT
_GIFT_SPECIAL = re.compile(r"([~=#{}:\\])")


def gift_escape(text: str) -> str:
    r"""Text safe inside GIFT: its control characters backslash-escaped.

    >>> gift_escape("a: {b} = c~d #e")
    'a\\: \\{b\\} \\= c\\~d \\#e'
    """
    return _GIFT_SPECIAL.sub(r"\\\1", _one_line(text))


#: Moodle accepts only these answer weights (percent) in GIFT.
MOODLE_WEIGHTS = (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20,
                  16.66667, 14.28571, 12.5, 11.11111, 10, 5)


def _weight(share: float) -> str:
    best = min(MOODLE_WEIGHTS, key=lambda w: abs(w - share))
    return f"{best:g}"


def gift_item(item: quiz.Item) -> str:
    """One item in GIFT: id as the title, the sources as general feedback."""
    head = (f"// {item.id}: objectives {', '.join(item.objectives)}; difficulty "
            f"{item.difficulty}\n::{gift_escape(item.id)}::[markdown]{gift_escape(item.stem)} {{\n")
    general = f"\t####{gift_escape(_sources_note(item))}\n"
    if item.type == "numeric":
        body = (f"\t#={item.answer:.12g}:{item.tolerance:.12g}"
                f"#{gift_escape(item.feedback_correct)}\n")
        for slip in item.slips:
            tol = slip.get("tolerance", item.tolerance)
            body += (f"\t=%0%{float(slip['value']):.12g}:{float(tol):.12g}"
                     f"#{gift_escape(slip['feedback'])}\n")
        general = f"\t####{gift_escape(item.feedback_incorrect + ' ' + _sources_note(item))}\n"
        return head + body + general + "}\n"
    body = ""
    n_right = len(item.key)
    n_wrong = len(item.options) - n_right
    for letter, option in zip(quiz.LETTERS, item.options, strict=False):
        right = letter in item.key
        if item.type == "single":
            mark = "=" if right else "~"
        else:
            mark = f"~%{_weight(100 / n_right)}%" if right else f"~%-{_weight(100 / n_wrong)}%"
        body += f"\t{mark}{gift_escape(option.text)}#{gift_escape(option.feedback)}\n"
    return head + body + general + "}\n"


def gift(items: list[quiz.Item], categories: bool = True) -> str:
    out, current = [], None
    for item in items:
        if categories and item.page != current:
            current = item.page
            out.append(f"$CATEGORY: $course$/labkit/{current}\n")
        out.append(gift_item(item))
    return "\n".join(out)


def write_text(text: str, target: Path) -> Path:
    partial = target.with_suffix(".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)
    return target


# ------------------------------------------------------------------- export
def tests() -> dict[str, list[quiz.Item]]:
    from tools.sphinx_quiz import cme, posttest_items

    return {name: posttest_items(name) for name, spec in cme()["tests"].items()}


def export(out: Path = OUT) -> list[Path]:
    from tools.sphinx_quiz import cme

    out.mkdir(parents=True, exist_ok=True)
    bank = quiz.load()
    written = [
        write_qti(bank, "Open lab kit: question bank",
                  "Every knowledge-check and post-test question of the open lab kit.",
                  out / "labkit-bank.zip"),
        write_text(gift(bank), out / "labkit-bank.gift"),
    ]
    for name, items in tests().items():
        spec = cme()["tests"][name]
        description = f"Pass mark {spec['pass']:.0%}. {len(items)} questions."
        written.append(write_qti(items, spec["title"], description, out / f"{name}.zip"))
        written.append(write_text(gift(items, categories=False), out / f"{name}.gift"))
    return written


def check() -> list[str]:
    objectives = set(yaml.safe_load((ROOT / "book" / "objectives.yml").read_text())["objectives"])
    return quiz.problems(quiz.load(), objectives, bib_keys())


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["export"]:
            for path in export(Path(argv[1]) if len(argv) > 1 else OUT):
                print(f"wrote {path}")
            return 0
        if argv[:1] == ["sources"]:
            print(f"wrote {write_sources()}")
            return 0
        if argv[:1] == ["check"]:
            found = check()
            for line in found:
                print(line, file=sys.stderr)
            return 1 if found else 0
    except quiz.BankError as err:
        print(f"questions: {err}", file=sys.stderr)
        return 2
    print(__doc__.split("``export``")[0].strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
