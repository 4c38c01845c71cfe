"""Learning objectives: one YAML file, checked against the pages, rendered as a crosswalk.

``book/objectives.yml`` lists every objective (code, text, the page that teaches
it) and maps it to three frameworks: the six competency domains of Russell et
al. (2023), the AAMC principles for AI in medical education and the AMA
principles for augmented intelligence. Each page declares its objectives in its
"You will be able to" list as ``[CODE; D1, D4]`` and names the objectives each
exercise assesses in an ``<!-- assesses: ... -->`` comment; the knowledge-check
and post-test questions name theirs in the question bank (``labkit/bank``).

    python -m tools.objectives generate   # write book/crosswalk.md from the YAML
    python -m tools.objectives check      # exit 1 if pages, YAML or crosswalk disagree
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
YAML_PATH = ROOT / "book" / "objectives.yml"
CROSSWALK = ROOT / "book" / "crosswalk.md"
CODE = r"(?:LK\d+\.\d+|CH\d\d\.\d+)"
DECLARED = re.compile(rf"\[({CODE})(?:;\s*(D\d(?:,\s*D\d)*))?\]")
ASSESSES = re.compile(r"<!--\s*assesses:\s*([^>]*?)\s*-->")


@dataclass(frozen=True)
class Declared:
    """An objective as a page declares it."""

    code: str
    domains: tuple[str, ...]
    page: str


def page_files(root: Path = ROOT) -> list[Path]:
    """Every page that may teach or assess objectives: chapters and lab sources."""
    return sorted((root / "book").glob("ch[0-9][0-9]_*.md")) + sorted(
        (root / "labs" / "src").glob("[0-9][0-9]_*.py"))


def page_name(path: Path, root: Path = ROOT) -> str:
    """The page's document name in the book, e.g. ``labs/02_evaluate``."""
    if path.suffix == ".py":
        return f"labs/{path.stem}"
    return path.relative_to(root).with_suffix("").as_posix()


def objectives_block(text: str) -> str:
    """The "You will be able to" list of a page (comment markers removed)."""
    plain = "\n".join(re.sub(r"^# ?", "", ln) if ln.startswith("#") else ln
                      for ln in text.splitlines())
    start = plain.find("**You will be able to**")
    if start < 0:
        return ""
    end = plain.find("**Time:**", start)
    return plain[start:end if end > 0 else None]


def declared(path: Path, root: Path = ROOT) -> list[Declared]:
    """Objectives a page declares, with their Russell domains."""
    block = objectives_block(path.read_text(encoding="utf-8"))
    return [Declared(code, tuple(d.strip() for d in (domains or "").split(",") if d.strip()),
                     page_name(path, root))
            for code, domains in DECLARED.findall(block)]


def page_minutes(path: Path) -> int:
    """The time a page declares in its ``**Time:** NN min`` line."""
    match = re.search(r"\*\*Time:\*\* (\d+) min", path.read_text(encoding="utf-8"))
    if not match:
        raise ValueError(f"{path}: no '**Time:** NN min' line")
    return int(match.group(1))


def assessed(path: Path) -> set[str]:
    """Objective codes named in a page's ``<!-- assesses: ... -->`` comments."""
    codes: set[str] = set()
    for group in ASSESSES.findall(path.read_text(encoding="utf-8")):
        codes.update(c.strip() for c in group.split(",") if c.strip())
    return codes


def bank_items(root: Path = ROOT) -> list:
    """The question bank's items (labkit/bank): each assesses the objectives it names."""
    from labkit import quiz

    return quiz.load(root / "labkit" / "bank")


def load(path: Path = YAML_PATH) -> dict:
    """The objectives file."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def problems(root: Path = ROOT, data: dict | None = None) -> list[str]:
    """Every disagreement between the pages and the objectives file; empty when none."""
    data = data or load(root / "book" / "objectives.yml")
    objectives: dict = data["objectives"]
    frameworks: dict = data["frameworks"]
    found: list[str] = []
    seen: dict[str, Declared] = {}
    taught_anywhere: set[str] = set()
    assessed_anywhere: set[str] = set()
    for path in page_files(root):
        for d in declared(path, root):
            if d.code in seen:
                found.append(f"{d.code} is declared by both {seen[d.code].page} and {d.page}")
            seen[d.code] = d
            taught_anywhere.add(d.code)
            if d.code not in objectives:
                found.append(f"{d.page} names unknown objective {d.code}")
                continue
            entry = objectives[d.code]
            if entry.get("page") != d.page:
                found.append(f"{d.code}: objectives.yml says page {entry.get('page')}, "
                             f"but {d.page} declares it")
            if sorted(entry.get("russell", [])) != sorted(d.domains):
                found.append(f"{d.code}: {d.page} gives domains {list(d.domains)}, "
                             f"objectives.yml {entry.get('russell', [])}")
        for code in assessed(path):
            assessed_anywhere.add(code)
            if code not in objectives:
                found.append(f"{page_name(path, root)} assesses unknown objective {code}")
    for item in bank_items(root):
        assessed_anywhere.update(item.objectives)
        for code in item.objectives:
            if code not in objectives:
                found.append(f"labkit/bank/{item.file}: {item.id} assesses unknown "
                             f"objective {code}")
    for code, entry in objectives.items():
        if code not in taught_anywhere:
            found.append(f"{code} is taught nowhere (no page declares it)")
        if code not in assessed_anywhere:
            found.append(f"{code} is assessed nowhere (no exercise or bank item names it)")
        for framework in ("russell", "aamc", "ama"):
            for item in entry.get(framework, []):
                if item not in frameworks[framework]["items"]:
                    found.append(f"{code}: unknown {framework} item {item}")
    return found


def render(data: dict) -> str:
    """The crosswalk page as MyST markdown."""
    fw = data["frameworks"]
    objectives: dict = data["objectives"]
    lines = [
        "# Learning objectives and competency crosswalk",
        "",
        "Every chapter and lab declares its learning objectives by code. This page is "
        "generated from `book/objectives.yml` (`python -m tools.objectives generate`); a "
        "test fails if a page names an unknown objective, or if an objective is taught "
        "nowhere or assessed nowhere.",
        "",
    ]
    for key in ("russell", "aamc", "ama"):
        f = fw[key]
        lines += [f"## {f['title']}", "", f"{f['description']} {{cite:p}}`{f['cite']}`", ""]
        lines += ["| code | " + f["item_heading"] + " | objectives |", "| --- | --- | --- |"]
        for item, label in f["items"].items():
            codes = [c for c, o in objectives.items() if item in o.get(key, [])]
            lines.append(f"| {item} | {label} | {', '.join(codes) or '-'} |")
        lines.append("")
    lines += ["## All objectives", "",
              "| code | objective | taught in | Russell | AAMC | AMA |",
              "| --- | --- | --- | --- | --- | --- |"]
    for code, o in objectives.items():
        cells = [code, " ".join(o["text"].split()), f"{{doc}}`/{o['page']}`",
                 ", ".join(o.get("russell", [])) or "-", ", ".join(o.get("aamc", [])) or "-",
                 ", ".join(o.get("ama", [])) or "-"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["generate"]:
        CROSSWALK.write_text(render(load()), encoding="utf-8")
        print(f"wrote {CROSSWALK.relative_to(ROOT)}")
        return 0
    if argv[:1] == ["check"]:
        found = problems()
        if CROSSWALK.read_text(encoding="utf-8") != render(load()):
            found.append("book/crosswalk.md is out of date: python -m tools.objectives generate")
        for line in found:
            print(line, file=sys.stderr)
        return 1 if found else 0
    print(__doc__.split("    python")[0].strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
