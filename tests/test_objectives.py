"""Learning objectives: every page's objectives exist in book/objectives.yml, every
objective is taught and assessed somewhere, mappings name real framework items, and
the rendered crosswalk is up to date."""

import copy

from tools import objectives


def test_pages_yaml_and_crosswalk_agree():
    assert objectives.problems() == []
    assert objectives.CROSSWALK.read_text() == objectives.render(objectives.load())


def test_every_page_declares_objectives():
    for path in objectives.page_files():
        assert objectives.declared(path), f"{path.name} declares no objectives"


def test_an_unknown_or_orphan_objective_is_caught():
    data = copy.deepcopy(objectives.load())
    data["objectives"]["LK9.9"] = {"text": "never taught", "page": "labs/99_none",
                                   "russell": ["D9"], "aamc": [], "ama": []}
    removed = next(iter(data["objectives"]))
    del data["objectives"][removed]
    found = "\n".join(objectives.problems(data=data))
    assert "LK9.9 is taught nowhere" in found and "LK9.9 is assessed nowhere" in found
    assert "unknown russell item D9" in found
    assert f"names unknown objective {removed}" in found


def test_cme_track_times_match_the_pages():
    """Each row's minutes equal the page's own **Time:** line, and the totals add up."""
    import re

    text = (objectives.ROOT / "book" / "path_cme.md").read_text()
    rows = dict(re.findall(r"\{doc\}`/([^`]+)` \| (\d+) min \|", text))
    pages = {objectives.page_name(p): objectives.page_minutes(p)
             for p in objectives.page_files()}
    assert {k: int(v) for k, v in rows.items()} == pages
    chapters = sum(m for name, m in pages.items() if name.startswith("book/"))
    labs = sum(m for name, m in pages.items() if name.startswith("labs/"))
    assert f"Reading: {chapters} minutes. Labs: {labs} minutes." in text
    assert f"**Total: {chapters + labs} minutes ({(chapters + labs) / 60:.1f} hours).**" in text


def test_every_chapter_follows_the_anatomy():
    import re

    for path in objectives.page_files():
        if path.suffix != ".md":
            continue
        text = path.read_text()
        for part in ("**Vignette.**", "**You will be able to**", "**Time:**", "## Key points",
                     "## Knowledge check", "## Further reading"):
            assert part in text, f"{path.name}: missing {part}"
        # The questions live in the bank (tests/test_quiz.py counts them per page).
        check = text.split("## Knowledge check")[1].split("\n## ")[0]
        assert "```{quiz}\n```" in check, f"{path.name}: no {{quiz}} in its knowledge check"
        keys = set()
        for group in re.findall(r"\{cite:[pt]\}`([^`]+)`", text):
            keys.update(k.strip() for k in group.split(","))
        keys.discard("russell2023competencies")
        assert len(keys) >= 5, f"{path.name}: {len(keys)} distinct sources besides Russell"


def test_resident_path_times_match_the_pages():
    """The resident path lists every lab once with the time its page states, and each
    section's total and the grand total are the sums of its rows."""
    import re

    text = (objectives.ROOT / "book" / "path_resident.md").read_text()
    pages = {objectives.page_name(p): objectives.page_minutes(p)
             for p in objectives.page_files() if objectives.page_name(p).startswith("labs/")}
    sections = re.split(r"^## ", text, flags=re.M)
    seen: list[str] = []
    for section in sections:
        rows = re.findall(r"^\| \{doc\}`/(labs/\w+)` \| (\d+) min \|", section, re.M)
        for page, minutes in rows:
            assert int(minutes) == pages[page], f"{page}: {minutes} min, page: {pages[page]}"
        seen += [page for page, _ in rows]
        if rows:
            stated = re.findall(r"(?:take|time for the core labs:) (\d+) minutes", section)
            assert [int(m) for m in stated[:1]] == [sum(int(m) for _, m in rows)], section[:60]
    assert sorted(seen) == sorted(pages), "every lab once"
    words = dict(enumerate(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                            "nine", "ten", "eleven", "twelve", "thirteen", "fourteen"]))
    assert f"all {words[len(pages)]} labs {sum(pages.values())} minutes" in text
