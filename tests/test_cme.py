"""The CME packet (book/cme.yml, book/path_cme.md, book/cme_*.md): routes that fit
their time, post-tests with a blueprint, dates that agree, and a landing page
whose Next link leads into the route."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import yaml

from labkit import quiz
from tools import sphinx_quiz as sq

ROOT = Path(__file__).resolve().parents[1]
DATA = sq.cme()
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())


def toc_order() -> list[str]:
    return [TOC["root"]] + [ch["file"] for part in TOC["parts"] for ch in part["chapters"]]


def test_every_route_page_and_test_page_is_in_the_book():
    order = toc_order()
    for route in DATA["routes"].values():
        for page in route["pages"] + [route["test_page"]]:
            assert page in order, page


def test_the_cme_page_next_link_leads_into_both_routes():
    order = toc_order()
    following = order[order.index("book/path_cme") + 1]
    for route in DATA["routes"].values():
        assert route["pages"][0] == following


def test_the_two_hour_route_is_linked_from_the_landing_page():
    index = (ROOT / "index.md").read_text()
    assert "{ref}`two-hour route <two-hour-route>`" in index
    assert "(two-hour-route)=\n## Two-hour route" in (ROOT / "book/path_cme.md").read_text()


def test_the_two_hour_route_fits_in_two_hours():
    minutes = sq.route_minutes("short")
    assert sum(minutes.values()) <= 120, minutes
    assert "post-test" in minutes and "evaluation" in minutes


def test_lab_reading_time_is_words_at_the_stated_rate_plus_a_minute_a_question(tmp_path):
    (tmp_path / "labs" / "src").mkdir(parents=True)
    words = " ".join(["word"] * 476)  # two minutes at 238 words per minute
    (tmp_path / "labs" / "src" / "99_x.py").write_text(
        f"# %% [markdown]\n# # Title\n# <!-- not read -->\n# {words} {{cite:p}}`a2020`\n")
    # 1 title word + 476 + "citation" = 478 words; no bank questions for this lab.
    assert sq.reading_words("labs/99_x", tmp_path) == 478
    assert sq.reading_minutes("labs/99_x", tmp_path) == math.ceil(478 / 238)
    page = "labs/02_evaluate"
    n = len(quiz.for_page(page))
    assert sq.reading_minutes(page) == math.ceil(sq.reading_words(page) / 238 + n)


def test_a_chapter_keeps_its_own_stated_time():
    from tools import objectives

    for page in sq.route_pages("full"):
        if page.startswith("book/"):
            path = ROOT / f"{page}.md"
            assert sq.reading_minutes(page) == objectives.page_minutes(path)


def test_each_post_test_is_drawn_from_the_bank_with_a_pass_mark():
    for name, spec in DATA["tests"].items():
        items = sq.posttest_items(name)
        assert len(items) >= 8, name
        assert all("posttest" in i.uses for i in items)
        assert len({i.id for i in items}) == len(items)
        assert 0.5 <= spec["pass"] <= 1
        pages = spec.get("pages") or DATA["routes"][spec["route"]]["pages"]
        assert {i.page for i in items} == set(pages), name


def test_the_full_post_test_covers_every_page_of_the_full_route():
    covered = {i.page for i in sq.posttest_items("cme-full")}
    assert covered == set(DATA["routes"]["full"]["pages"])


def test_dates_on_the_page_agree_with_cme_yml():
    text = (ROOT / "book/path_cme.md").read_text()
    for field in ("release", "review_by"):
        day = DATA["activity"][field]
        assert isinstance(day, dt.date)
        assert f"{day.day} {day:%B %Y}" in text, field
    assert DATA["activity"]["review_by"] > DATA["activity"]["release"]
    assert re.search(r"pass mark 75%", text) and all(
        t["pass"] == 0.75 for t in DATA["tests"].values())


def test_the_stated_reading_rate_is_the_one_used():
    text = (ROOT / "book/path_cme.md").read_text()
    assert f"{DATA['reading']['words_per_minute']} words per minute" in text
    assert "brysbaert2019words" in text


def test_the_evaluation_form_asks_what_the_issue_names():
    ids = {q["id"] for q in DATA["evaluation"]}
    assert {"change", "bias", "relevance", "objectives"} <= ids
    for q in DATA["evaluation"]:
        assert q["type"] in ("scale", "text")
        assert q["type"] == "text" or len(q["options"]) >= 2


def test_the_full_route_holds_every_chapter_and_lab():
    from tools import objectives

    pages = [objectives.page_name(p) for p in objectives.page_files()]
    assert sorted(DATA["routes"]["full"]["pages"]) == sorted(pages)
