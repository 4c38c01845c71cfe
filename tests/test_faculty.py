"""book/faculty.md, the page for those who teach the kit: its session tables add up,
its times are the ones the pages state, its learner mistakes name exercises that
exist, its stops are the instructor guide's, and every source it cites is in a
bibliography.

The parsers are small and strict: a heading that is missing or found twice, a
table row with the wrong number of cells, or a minutes cell that is not a plain
whole number fails the test rather than being skipped.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tools import notebooks, objectives

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "book" / "faculty.md"
EXERCISE_REF = re.compile(r"\(Exercise (\d+)\.(\d+)\)$")
TOTAL = re.compile(r"\*\*(\d+)\*\*")
#: Every lab's number, from the lab sources themselves: a new lab is held to every rule
#: below without anyone editing a list here.
LABS = [int(path.name[:2]) for path in notebooks.sources()]
#: A session plan's heading in book/instructors.md: "**Lab N - Title (M minutes)**".
#: The elective's heading on the page, and its number of weeks (one table each).
ELECTIVE, WEEKS = "Five-week elective", 5
PLAN = re.compile(r"^\*\*Lab (\d+) - [^*]+ \((\d+) minutes\)\*\*$", re.M)


# ------------------------------------------------------------------ parsing
def page_lines() -> list[str]:
    return PAGE.read_text(encoding="utf-8").splitlines()


def guide() -> str:
    """The instructor guide, whose session plans this page builds on."""
    return (ROOT / "book" / "instructors.md").read_text(encoding="utf-8")


def headings(lines: list[str]) -> list[tuple[int, int, str]]:
    """(line number, level, title) of every markdown heading outside code fences."""
    found, fenced = [], False
    for number, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
            continue
        m = re.match(r"^(#{1,6}) (.+)$", line)
        if m and not fenced:
            found.append((number, len(m.group(1)), m.group(2).strip()))
    assert not fenced, "a code fence is never closed"
    return found


def section(title: str | re.Pattern[str], level: int) -> str:
    """The text under the one heading of ``level`` whose title is ``title`` (or matches
    the pattern), up to the next heading of the same or a higher level."""
    lines = page_lines()
    heads = headings(lines)

    def hit(t: str) -> bool:
        return t == title if isinstance(title, str) else bool(title.fullmatch(t))

    starts = [i for i, (_, lvl, t) in enumerate(heads) if lvl == level and hit(t)]
    assert len(starts) == 1, f"heading {title!r} (level {level}) found {len(starts)} times"
    k = starts[0]
    begin = heads[k][0] + 1
    end = next((n for n, lvl, _ in heads[k + 1:] if lvl <= level), len(lines))
    return "\n".join(lines[begin:end])


def cells(line: str) -> list[str]:
    assert line.startswith("|") and line.rstrip().endswith("|"), f"not a table row: {line}"
    return [c.strip() for c in line.strip()[1:-1].split("|")]


def tables(block: str) -> list[list[list[str]]]:
    """Every pipe table in ``block``: its header row, then its body rows (the
    separator row is checked and dropped)."""
    found, current = [], []
    for line in [*block.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
            continue
        if current:
            rows = [cells(row) for row in current]
            assert len(rows) >= 3, f"a table with no body rows: {current[0]}"
            assert all(re.fullmatch(r"-{3,}", c) for c in rows[1]), f"bad separator: {current[1]}"
            for row in rows:
                assert len(row) == len(rows[0]), f"{len(row)} cells, not {len(rows[0])}: {row}"
            found.append([rows[0], *rows[2:]])
            current = []
    return found


def timed(table: list[list[str]], column: str = "minutes") -> tuple[list[list[str]], int, int]:
    """(rows, sum of their minutes, the total row's minutes) of a timed table whose last
    row is ``| **total** | **N** | ...``; every other row's minutes is a whole number."""
    header, *body = table
    assert column in header, f"no {column!r} column in {header}"
    at = header.index(column)
    *rows, last = body
    assert last[0] == "**total**", f"last row is not the total row: {last}"
    total = TOTAL.fullmatch(last[at])
    assert total, f"total cell {last[at]!r} is not **N**"
    for row in rows:
        assert row[0] != "**total**", f"a total row before the last row: {row}"
        assert re.fullmatch(r"\d+", row[at]), f"minutes {row[at]!r} is not a whole number: {row}"
    return rows, sum(int(row[at]) for row in rows), int(total.group(1))


def first_table(block: str) -> list[list[str]]:
    found = tables(block)
    assert found, "no table in the section"
    return found[0]


def bullets_after(block: str, marker: str) -> list[str]:
    """The markdown list that follows the line ``marker``, one string per item
    (continuation lines joined); it ends at the first line that is neither an item
    nor an indented continuation."""
    lines = block.splitlines()
    assert lines.count(marker) == 1, f"{marker!r} found {lines.count(marker)} times"
    items: list[str] = []
    for line in lines[lines.index(marker) + 1:]:
        if line.startswith("- "):
            items.append(line[2:].strip())
        elif line.startswith("  ") and items:
            items[-1] += " " + line.strip()
        elif not line.strip() and not items:
            continue
        else:
            break
    return items


def lab_exercises() -> dict[int, set[str]]:
    """Lab number -> the exercise numbers its source marks with '### Exercise N.M'."""
    found: dict[int, set[str]] = {}
    for path in notebooks.sources():
        marks = re.findall(r"^# ### Exercise (\d+\.\d+) ", path.read_text(encoding="utf-8"), re.M)
        assert marks, f"{path.name}: no exercise headings"
        found[int(path.name[:2])] = set(marks)
    return found


def plan_tables() -> dict[int, tuple[int, list[list[str]]]]:
    """Lab number -> (the minutes in its plan's heading, the plan's table) for every
    "**Lab N - Title (M minutes)**" plan of the instructor guide."""
    text = guide()
    heads = list(PLAN.finditer(text))
    found = {}
    for k, head in enumerate(heads):
        end = heads[k + 1].start() if k + 1 < len(heads) else len(text)
        n = int(head.group(1))
        assert n not in found, f"two plans for Lab {n}"
        found[n] = (int(head.group(2)), first_table(text[head.end():end]))
    return found


def check_messages(n: int) -> list[list[str | None]]:
    """Every message the checks of Lab ``n`` can print, as its pieces of literal text,
    with None where an f-string puts a value: the lab's check module, the hints under
    library errors and the shared helpers (judge and frame_problem write hints too)."""
    found: list[list[str | None]] = []
    for path in (ROOT / "labkit" / "checks" / f"lab{n}.py",
                 ROOT / "labkit" / "checks" / "hints.py",
                 ROOT / "labkit" / "checks" / "__init__.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                found.append([v.value if isinstance(v, ast.Constant) else None
                              for v in node.values])
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append([node.value])
    return found


def prefixes(pieces: list[str | None]) -> str:
    """A pattern for any beginning of the message made of ``pieces`` (None: any value)."""
    options, sofar = [""], ""
    for piece in pieces:
        if piece is None:
            sofar += ".*"
            options.append(sofar)
        else:
            options += [sofar + re.escape(piece[:i]) for i in range(1, len(piece) + 1)]
            sofar += re.escape(piece)
    return "(?:" + "|".join(options) + ")"


def printable(fragment: str, pieces: list[str | None]) -> bool:
    """True if ``fragment`` is a stretch of the message made of ``pieces``: it starts
    inside a piece of literal text (at its start, or at least 10 characters before its
    end), or in a value followed by at least 10 characters of literal text, and runs on
    through the values and text that follow."""
    for i, piece in enumerate(pieces):
        if piece is None:
            after = pieces[i + 1] if i + 1 < len(pieces) else None
            if after is not None and len(after) >= 10 and re.fullmatch(
                    ".+?" + re.escape(after) + prefixes(pieces[i + 2:]), fragment, re.S):
                return True
            continue
        for start in range(len(piece)):
            head = piece[start:]
            if head.startswith(fragment):
                return True
            # Running on into a value: from the start of the piece, or from 10 characters
            # or more of it, so that a word like "the " cannot lead into any value.
            if fragment.startswith(head) and (start == 0 or len(head) >= 10) and re.fullmatch(
                    re.escape(head) + prefixes(pieces[i + 1:]), fragment, re.S):
                return True
    return False


def quoted(quote: str, messages: list[list[str | None]]) -> bool:
    """True if ``quote`` is what one of ``messages`` prints, "..." standing for left-out
    text; so that values cannot stand for the whole quote, 20 characters of it in a row
    must be literal text of the checks."""
    parts = [part.strip() for part in quote.split("...") if part.strip()]
    texts = [piece for m in messages for piece in m if piece is not None]
    return bool(parts) and any(
        quote[i:i + 20] in text for text in texts for i in range(len(quote) - 19)) and all(
        any(printable(part, m) for m in messages) for part in parts)


def flat(text: str) -> str:
    """Text as one line of words, for phrases that a line break may split."""
    return " ".join(text.split())


def bib_keys(path: Path) -> set[str]:
    return set(re.findall(r"^@\w+\{([^,\s]+),", path.read_text(encoding="utf-8"), re.M))


# ------------------------------------------------------------ the parsers
def test_the_parsers_refuse_what_they_must():
    ok = "| step | minutes |\n| --- | --- |\n| a | 5 |\n| **total** | **5** |"
    assert timed(first_table(ok))[1:] == (5, 5)
    for broken in (ok.replace("| 5 |\n| **total**", "| 5 min |\n| **total**"),
                   ok.replace("| **total** | **5** |", "| total | 5 |"),
                   ok.replace("| a | 5 |", "| a | 5 | extra |")):
        with pytest.raises(AssertionError):
            timed(first_table(broken))
    listed = "**M**\n- one\n  (Exercise 1.1)\n- two (Exercise 1.2)\n\nafter"
    assert bullets_after(listed, "**M**") == ["one (Exercise 1.1)", "two (Exercise 1.2)"]


# ------------------------------------------------------- session formats
def test_the_page_says_session_times_are_estimates():
    formats = flat(section("Session formats that add up", 2))
    assert re.search(r"Session times on this page are estimates", formats)
    assert "self-paced lab times" in formats


def test_grand_rounds_is_an_hour():
    rows, summed, total = timed(first_table(section("One-hour grand rounds", 3)))
    assert summed == total == 60
    assert len(rows) >= 4


def test_half_day_fits_in_four_hours_with_two_breaks():
    block = section("Half-day workshop for about 30 residents", 3)
    rows, summed, total = timed(first_table(block))
    assert summed == total <= 240
    breaks = [row for row in rows if "Break" in row[0]]
    assert len(breaks) >= 2, "a half day needs at least two breaks"
    for row in rows:
        if re.search(r"\bbreaks?\b", " ".join(row), re.I):
            assert "Break" in row[0], f"a break row without 'Break' in its first cell: {row}"
    assert all(int(row[1]) > 0 for row in breaks)


def test_half_day_labs_are_no_longer_than_the_instructor_guides_plans():
    plans = {int(n): int(m) for n, m in PLAN.findall(guide())}
    rows, _, _ = timed(first_table(section("Half-day workshop for about 30 residents", 3)))
    labs = [row for row in rows if re.match(r"Lab \d - ", row[0])]
    assert len(labs) >= 2
    for row in labs:
        n = int(row[0][4])
        assert n in plans, f"no session plan for Lab {n} in book/instructors.md"
        assert int(row[1]) <= plans[n], row
        if int(row[1]) < plans[n]:
            assert "shorten" in row[2].lower(), f"Lab {n} is shortened without saying how"


def elective() -> tuple[list[list[str]], list[list[list[str]]]]:
    block = section(ELECTIVE, 3)
    found = tables(block)
    summary = [t for t in found if t[0] == ["week", "minutes", "contact minutes",
                                            "self-study minutes"]]
    weeks = [t for t in found if t[0] == ["activity", "minutes", "kind"]]
    assert len(summary) == 1 and len(weeks) == WEEKS and len(found) == WEEKS + 1
    return summary[0], weeks


def test_elective_weeks_add_up_to_the_grand_total():
    summary, weeks = elective()
    rows, summed, total = timed(summary)
    assert len(rows) == len(weeks)
    contact_sum = self_sum = 0
    for row, week in zip(rows, weeks, strict=True):
        items, week_sum, week_total = timed(week)
        assert week_sum == week_total == int(row[1]), row
        kinds = {item[2] for item in items}
        assert kinds <= {"contact", "self-study"}, kinds
        contact = sum(int(i[1]) for i in items if i[2] == "contact")
        self_study = sum(int(i[1]) for i in items if i[2] == "self-study")
        assert week[-1][2] == f"contact {contact}, self-study {self_study}", week[-1]
        assert (int(row[2]), int(row[3])) == (contact, self_study), row
        assert contact + self_study == int(row[1])
        contact_sum += contact
        self_sum += self_study
    assert summed == total
    assert summary[-1][2:] == [f"**{contact_sum}**", f"**{self_sum}**"]


def test_elective_gives_every_page_the_time_it_states_once():
    _, weeks = elective()
    stated = {objectives.page_name(p): objectives.page_minutes(p)
              for p in objectives.page_files()}
    seen: list[str] = []
    for week in weeks:
        for row in timed(week)[0]:
            m = re.fullmatch(r"\{doc\}`/((?:book|labs)/[\w]+)`", row[0])
            if m:
                assert row[2] == "self-study", row
                assert int(row[1]) == stated[m.group(1)], f"{m.group(1)}: {row[1]} min"
                seen.append(m.group(1))
    assert sorted(seen) == sorted(stated), "each chapter and lab once"
    self_total = sum(stated.values())
    assert elective()[0][-1][3] == f"**{self_total}**"
    assert f"({self_total} minutes)" in flat(section(ELECTIVE, 3))


def test_quoted_test_lengths_and_route_time_match_the_cme_packet():
    from tools import sphinx_quiz as sq

    prepost = len(sq.posttest_items("prepost"))
    full = len(sq.posttest_items("cme-full"))
    per_question = sq.cme()["reading"]["minutes_per_test_question"]
    workshop = section("Half-day workshop for about 30 residents", 3)
    assert f"`prepost` in `book/cme.yml`, {prepost} questions" in flat(workshop)
    _, weeks = elective()
    post = [row for row in timed(weeks[-1])[0] if row[0].startswith("Post-test of the full route")]
    assert len(post) == 1 and f"({full} questions, a minute each)" in post[0][0]
    assert int(post[0][1]) == full * per_question == full
    route = sum(sq.route_minutes("full").values())
    assert f"estimates at {route} minutes" in flat(section(ELECTIVE, 3))
    assert f"({prepost} items from chapters 3 and 4" in flat(section(
        "Assessing learners with the question bank", 2))


# ------------------------------------------------------ facilitation notes
def lab_sections() -> dict[int, str]:
    notes = section("Facilitation notes and common learner mistakes", 2)
    found = {}
    for n in LABS:
        pattern = re.compile(rf"Lab {n} - .+")
        heads = [t for _, lvl, t in headings(notes.splitlines())
                 if lvl == 3 and pattern.fullmatch(t)]
        assert len(heads) == 1, f"Lab {n}: {heads}"
        found[n] = section(heads[0], 3)
    return found


def test_every_lab_has_three_to_six_mistakes_tied_to_its_own_exercises():
    exercises = lab_exercises()
    for n, block in lab_sections().items():
        mistakes = bullets_after(block, "**Common mistakes**")
        assert 3 <= len(mistakes) <= 6, f"Lab {n}: {len(mistakes)} mistakes"
        for item in mistakes:
            m = EXERCISE_REF.search(item)
            assert m, f"Lab {n}: a mistake that does not end with (Exercise N.M): {item}"
            assert int(m.group(1)) == n, f"Lab {n}: {item}"
            assert f"{m.group(1)}.{m.group(2)}" in exercises[n], f"no Exercise {m.group(0)}"
            assert re.search(r"\b(sees?|says|reports|stops)\b", item), f"what is seen? {item}"
            assert "Say:" in item, f"what does the facilitator say? {item}"


def test_every_mistake_quotes_what_its_check_prints():
    """Each common mistake quotes at least one hint (20 characters or more) that the lab's
    checks can print, word for word; "..." may stand for a value the check fills in."""
    for n, block in lab_sections().items():
        messages = check_messages(n)
        for item in bullets_after(block, "**Common mistakes**"):
            quotes = re.findall(r'"([^"]+)"', item)
            assert any(quoted(q, messages) for q in quotes), \
                f"Lab {n}: no hint its checks print is quoted: {item}"


def test_the_quote_matcher_refuses_what_it_must():
    messages = [["the ratio is ", None, "; give a proportion between 0 and 1."],
                ["replace ... with your answer."]]
    for right in ("the ratio is 0.5; give a proportion between",
                  "prevalence; give a proportion between 0 and 1.",
                  "the ratio is ...; give a proportion between 0 and 1.",
                  "replace ... with your answer."):
        assert quoted(right, messages), right
    for wrong in ("the ratio is 0.5; give a percentage between 0 and 1.",
                  "give a proportion between 0 and 2.",
                  "the ratio is anything at all, nothing from the check",
                  "0.5; give a proportion"):
        assert not quoted(wrong, messages), wrong


def test_every_exercise_the_page_names_exists():
    exercises = {e for found in lab_exercises().values() for e in found}
    named = re.findall(r"Exercises? (\d+\.\d+)", PAGE.read_text(encoding="utf-8"))
    assert named
    assert set(named) <= exercises, sorted(set(named) - exercises)


def test_each_lab_reuses_the_stops_of_the_instructor_guide():
    plans = re.split(r"^\*\*Lab (\d+) - [^*]+\*\*$", guide(), flags=re.M)
    stops = {int(n): re.findall(r"Stop: ([^|]+?\?)", body) for n, body in
             zip(plans[1::2], plans[2::2], strict=True)}
    # Lab 0's plan is a short heading of its own, with no stop; every other lab has a plan.
    assert sorted(stops) == [n for n in LABS if n != 0] and all(stops.values()), stops
    sections = lab_sections()
    for n, questions in stops.items():
        assert "**Where to stop the room.**" in sections[n]
        prose = flat(sections[n])
        for question in questions:
            assert flat(question) in prose, f"Lab {n}: stop {question!r} missing"
    assert "**Where to stop the room.**" in sections[0]


def test_session_plans_are_timed_and_stop_at_their_own_exercises():
    """Each plan of the instructor guide runs from minute 0 to the minutes in its
    heading in back-to-back segments, is shorter than the time its lab page states
    (the pages' times are for a learner alone), and names only exercises of its own
    lab, one in every row that stops the room."""
    exercises = lab_exercises()
    stated = {int(objectives.page_name(p)[5:7]): objectives.page_minutes(p)
              for p in objectives.page_files() if objectives.page_name(p).startswith("labs/")}
    plans = plan_tables()
    assert sorted(plans) == [n for n in LABS if n != 0], sorted(plans)
    for n, (minutes, table) in plans.items():
        assert table[0] == ["minutes", "what happens"], f"Lab {n}: {table[0]}"
        ends = [0]
        for row in table[1:]:
            span = re.fullmatch(r"(\d+)-(\d+)", row[0])
            assert span, f"Lab {n}: minutes {row[0]!r} is not a span like 10-25"
            assert int(span.group(1)) == ends[-1] < int(span.group(2)), f"Lab {n}: {row[0]}"
            ends.append(int(span.group(2)))
            named = set(re.findall(r"\b(\d+\.\d+)\b", " ".join(
                re.findall(r"Exercises? [\d.]+(?:(?:,| and| to) [\d.]+)*", row[1]))))
            assert named <= exercises[n], f"Lab {n}: no exercise {sorted(named - exercises[n])}"
            assert {e.split(".")[0] for e in named} <= {str(n)}, f"Lab {n}: {row[1]}"
            if "Stop:" in row[1]:
                assert named, f"Lab {n}: a stop tied to no exercise: {row[1]}"
        assert ends[-1] == minutes, f"Lab {n}: the plan ends at {ends[-1]}, not {minutes}"
        assert minutes < stated[n], f"Lab {n}: {minutes} minutes, the page states {stated[n]}"


# ------------------------------------------------ role play and preparation
def test_role_play_script_adds_up_to_a_stand_alone_session():
    rows, summed, total = timed(first_table(section("Timed script", 3)))
    assert summed == total and 45 <= total <= 60
    cards = re.findall(r"^- \*\*([^*]+)\.\*\* Your? ", section("Roles", 3), re.M)
    assert len(cards) >= 5, cards
    script = " ".join(row[2] for row in rows)
    assert "decision record" in script and "Debrief" in " ".join(row[0] for row in rows)


def test_faculty_preparation_agenda_adds_up():
    block = section("Faculty-preparation session", 2)
    rows, summed, total = timed(first_table(block))
    assert summed == total
    for n in LABS:
        assert f"**Lab {n}**" in block, f"no checklist for Lab {n}"


def test_each_lab_checklist_is_timed_and_short():
    """After Lab 0's, each lab's checklist starts by running the lab within the time its
    page states, then lists three or four things to show a colleague."""
    block = section("Before you teach each lab: a checklist", 3)
    stated = {int(objectives.page_name(p)[5:7]): objectives.page_minutes(p)
              for p in objectives.page_files() if objectives.page_name(p).startswith("labs/")}
    for n in LABS:
        items = bullets_after(block, f"**Lab {n}**")
        if n == 0:
            assert items, "no checklist for Lab 0"
            continue
        assert items[0] == f"Run Lab {n} end to end on the hub within its stated " \
            f"{stated[n]} minutes.", f"Lab {n}: {items[0]}"
        assert 3 <= len(items) - 1 <= 4, f"Lab {n}: {len(items) - 1} things to show"


# ----------------------------------------------------------------- sources
def test_every_cited_source_is_in_a_bibliography():
    text = PAGE.read_text(encoding="utf-8")
    cited = {k.strip() for group in re.findall(r"\{cite:[pt]\}`([^`]+)`", text)
             for k in group.split(",")}
    assert len(cited) >= 10
    known = bib_keys(ROOT / "references.bib")
    assert cited <= known, f"not in any bibliography: {sorted(cited - known)}"


def test_the_local_data_figures_are_the_cards():
    """The columns and rows the page says a local extract must match, and the
    error lines it quotes, are the admissions card's own."""
    from labkit import datasets

    card = datasets.card("admissions")
    text = " ".join(page_lines())
    assert f"the {len(card.columns)} columns of the card" in text
    assert f"has 1000 rows, expected {card.n_rows}" in text
    names = {c.name for c in card.columns}
    section = text[text.index("### What the extract must hold"):text.index("### Point the labs")]
    for quoted in re.findall(r"`([a-z_0-9]+)`", section):
        if quoted.endswith(("_usd", "_30d", "_id", "_key", "_year", "_quarter", "_percentile")):
            assert quoted in names, quoted
    payer = next(c for c in card.columns if c.name == "payer")
    assert f"is not one of {sorted(payer.allowed)}" in text or \
        f"is not one of {list(payer.allowed)}" in text
