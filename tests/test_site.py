"""The built site, checked the way learners use it.

Its tests are spread over both pytest-xdist workers (``SPREAD_OVER_WORKERS``; every
other module keeps its tests on one worker, see conftest.py), and the first worker
to need the site builds the book once (-W -n, --all so every warning is seen again) from the lab
outputs tools/execute.py stored in the execution cache (the build executes no
lab: each lab runs once per `make test`; `make determinism` and `make bench` run
them again to compare), then checks the HTML offline (links, anchors, alt text,
no outside resources), and drives Debian's Chromium
with Playwright: every page loads with no console error, no failed request and
no request leaving the machine; navigation, a solution toggle, a knowledge check
and search work; maths renders offline; axe finds no serious or critical issue.

Without Chromium the browser tests skip with a message, except under CI=true,
where a missing browser is a failure.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
import yaml

from tools import execute, notebooks

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
JB = Path(sys.executable).parent / "jupyter-book"
SPHINX_PROBLEM = re.compile(r"(WARNING|ERROR|CRITICAL):")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync",
                 # Offline: every host but this machine resolves to nothing, so a page that
                 # needs the internet fails here exactly as on a closed hospital network.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]

pytestmark = pytest.mark.slow
#: Read by conftest.py: these tests need no shared module state but the built site,
#: so pytest-xdist may run them on any worker (the browser tests are most of the run).
SPREAD_OVER_WORKERS = True


# --------------------------------------------------------------------------- build


#: Set for the whole run: pytest-xdist gives every worker of one run the same id.
RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"solo-{os.getpid()}"
BUILD_RECORD = ROOT / "_build" / "site-build.json"


@pytest.fixture(scope="session")
def build() -> subprocess.CompletedProcess:
    """The book, built once per test run however many workers ask for it.

    The tests of this module are spread over both test workers (SPREAD_OVER_WORKERS):
    the first worker to get here builds, under a lock, and records the outcome; the
    other waits for the lock and reads the record of the same run.
    """
    with execute.locked(ROOT / "_build" / "site-build"):
        if BUILD_RECORD.is_file():
            record = json.loads(BUILD_RECORD.read_text(encoding="utf-8"))
            if record.get("run") == RUN_ID:
                proc = subprocess.CompletedProcess(record["args"], record["returncode"],
                                                   record["stdout"], record["stderr"])
                assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
                return proc
        # Under `make test` every lab is already in the cache and this executes none.
        _, _, failures = execute.prime()
        assert failures == [], "\n\n".join(failures)
        env = dict(os.environ, LABKIT_STRICT="1")
        args = [str(JB), "build", "--all", str(ROOT), "-W", "-n", "--keep-going"]
        proc = subprocess.run(args, capture_output=True, text=True, env=env, cwd=ROOT)
        proc.stdout, proc.stderr = ANSI.sub("", proc.stdout), ANSI.sub("", proc.stderr)
        BUILD_RECORD.write_text(json.dumps({
            "run": RUN_ID, "args": args, "returncode": proc.returncode,
            "stdout": proc.stdout, "stderr": proc.stderr}), encoding="utf-8")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc


def toc_pages() -> list[str]:
    """Every page of _toc.yml, as paths of HTML files relative to the site."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [ch["file"] for ch in part.get("chapters", [])]
    return [f + ".html" for f in files]


def test_book_builds_without_warnings(build):
    problems = [ln for ln in (build.stdout + build.stderr).splitlines()
                if SPHINX_PROBLEM.search(ln)]
    assert problems == []


def test_book_build_executes_no_lab(build):
    """Each lab runs once (tools/execute.py); the build takes every output from the cache."""
    log = build.stdout + build.stderr
    assert "Executed notebook" not in log
    assert log.count("Using cached notebook") == len(notebooks.sources())


def test_every_toc_page_and_every_lab_is_built(build):
    for page in toc_pages():
        assert (HTML / page).is_file(), page
    index = (HTML / "index.html").read_text()
    for src in notebooks.sources():
        assert f'href="labs/{src.stem}.html"' in index, f"{src.stem} is not on the landing page"


def test_labs_are_shown_executed(build):
    page = (HTML / "labs" / "00_setup.html").read_text()
    outputs = "\n".join(re.findall(r"<pre>(.*?)</pre>", page, re.S))
    for exercise in ("0.0", "0.1", "0.2", "0.3"):
        assert f"✔ Exercise {exercise} - correct" in outputs
    assert "✘ Exercise" not in outputs
    assert "Feedback(exercise=" not in page, "a check's return value is displayed; end it with ;"
    assert page.count("Show solution") >= 3
    assert re.search(r'<img alt="Overlaid histograms[^"]+" src="\.\./_images/', page)
    for src in notebooks.sources():
        lab = (HTML / "labs" / f"{src.stem}.html").read_text()
        assert "✘ Exercise" not in "\n".join(re.findall(r"<pre>(.*?)</pre>", lab, re.S))


def test_launch_buttons(build):
    page = (HTML / "labs" / "00_setup.html").read_text()
    assert "mybinder.org" in page and "colab.research.google.com" in page


def test_launch_buttons_open_the_branch_or_the_released_editions_tag(build):
    """A build with changes after the last edition opens main; a released edition's
    build opens its tag (tools/sphinx_edition.py; the release run in .ci/run checks
    the released case on a real release)."""
    from tools import sphinx_edition

    ref = sphinx_edition.launch_ref() or "main"
    page = (HTML / "labs" / "01_build_model.html").read_text(encoding="utf-8")
    assert f"mybinder.org/v2/gh/health-ai-labkit/labkit/{ref}?urlpath=" in page
    assert f"colab.research.google.com/github/health-ai-labkit/labkit/blob/{ref}/" in page


def test_every_page_names_its_edition_and_links_the_changelog_and_errata(build):
    from tools import edition

    label = edition.label()
    for page in site_pages():
        if page.relative_to(HTML).parts[0] == "audit":
            continue  # the example audit report: a report, not a page of the book
        text = page.read_text(encoding="utf-8")
        assert f'<p class="labkit-edition">{label} · ' in text, page.relative_to(HTML)
        targets = {(page.parent / h).resolve() for h in _hrefs(page)}
        for doc in ("changelog", "errata"):
            target = (HTML / "book" / f"{doc}.html").resolve()
            assert target in targets or page.resolve() == target, page.relative_to(HTML)


def _hrefs(page: Path) -> list[str]:
    collector = _Collector()
    collector.feed(page.read_text(encoding="utf-8"))
    return collector.links


def test_the_audit_example_is_published_and_embedded(build):
    """The build writes the example audit report and model card (tools/sphinx_audit.py)
    from the shipped example, and the audit page links and embeds the report."""
    from tools import sphinx_audit

    report_page = (HTML / sphinx_audit.REPORT).read_text(encoding="utf-8")
    assert sphinx_audit.TITLE.replace("'", "&#x27;") in report_page
    assert "SHAP" not in report_page and "Groups and fairness" in report_page
    assert "Data: datasets/synthetic_predictions.csv (" in report_page
    assert str(ROOT) not in report_page  # no path of the machine that built the site
    assert "TRIPOD+AI" in (HTML / sphinx_audit.CARD).read_text(encoding="utf-8")
    page = (HTML / "book" / "audit.html").read_text(encoding="utf-8")
    assert 'href="../audit/example_report.html"' in page
    assert '<iframe class="labkit-audit-frame" src="../audit/example_report.html"' in page


def test_the_learner_kit_is_published_and_linked(build):
    """The site carries the learner edition as a zip, linked from the instructor
    guide and the hosting guide, with no solution in it."""
    from tools import sphinx_learner

    archive = HTML / "learner" / sphinx_learner.zip_name()
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        labs = sorted(n for n in names if re.fullmatch(r"[^/]+/labs/\d\d_\w+\.ipynb", n))
        assert [Path(n).name for n in labs] == [notebooks.notebook_path(s).name
                                               for s in notebooks.sources()]
        for name in labs:
            nb = json.loads(zf.read(name))
            tags = [t for c in nb["cells"] for t in c["metadata"].get("tags", [])]
            assert notebooks.SOLUTION not in tags, name
        top = labs[0].split("/")[0]
        for needed in ("README.md", "requirements-labs.txt", "pyproject.toml",
                       "labkit/checks/lab1.py", "datasets/SHA256SUMS"):
            assert f"{top}/{needed}" in names, needed
    for page in ("book/instructors.html", "book/hosting.html"):
        targets = [(HTML / page).parent / h for h in _hrefs(HTML / page)
                   if h.endswith(sphinx_learner.zip_name())]
        assert targets and all(t.resolve() == archive.resolve() for t in targets), page


def test_each_lab_download_gives_the_learner_notebook_and_says_so(build):
    from tools import sphinx_learner

    for src in notebooks.sources():
        name = notebooks.notebook_path(src).name
        download = HTML / "_sources" / "labs" / name
        expected = notebooks.dumps(notebooks.learner_notebook(src))
        assert download.read_text(encoding="utf-8") == expected, name
        page = HTML / "labs" / name.replace(".ipynb", ".html")
        hrefs = _hrefs(page)
        assert f"../_sources/labs/{name}" in hrefs  # the download button
        text = page.read_text(encoding="utf-8")
        assert text.count("labkit-download-note") == 1, page.name
        assert any((page.parent / h).resolve() == (HTML / "learner" / sphinx_learner.zip_name())
                   .resolve() for h in hrefs), page.name


# ------------------------------------------------------------- offline HTML checks


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.resources: list[tuple[str, str]] = []
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag == "script" and a.get("src"):
            self.resources.append(("script", a["src"] or ""))
        if tag == "link" and a.get("href") and "stylesheet" in (a.get("rel") or ""):
            self.resources.append(("stylesheet", a["href"] or ""))
        if tag in ("img", "iframe", "video", "audio", "source") and a.get("src"):
            self.resources.append((tag, a["src"] or ""))
        if tag == "img":
            self.images.append(a)


@functools.cache
def parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


def is_outside(url: str) -> bool:
    return url.startswith(("http:", "https:", "//"))


def external_resources(page: _Collector) -> list[str]:
    """Scripts, styles, images and frames the page would load from outside the site."""
    return [f"{kind} {url}" for kind, url in page.resources if is_outside(url)]


def images_without_alt(page: _Collector) -> list[str]:
    """Images with no alt text, or a placeholder instead of a description."""
    bad = []
    for img in page.images:
        alt = (img.get("alt") or "").strip()
        src = img.get("src") or ""
        described = len(alt) >= 20 if "_images/" in src else bool(alt)
        if not described or alt.lower() in {"png", "image", "figure", "output"}:
            bad.append(src)
    return bad


def broken_links(path: Path, root: Path) -> list[str]:
    """Internal links from ``path`` whose file or anchor does not exist."""
    bad = []
    for href in parse(path).links:
        if is_outside(href) or href.startswith(("mailto:", "javascript:", "data:")):
            continue
        target, anchor = urldefrag(href)
        file = path if not target else (path.parent / unquote(urlparse(target).path)).resolve()
        if file.is_dir():
            file = file / "index.html"
        if not file.is_file() or not file.is_relative_to(root.resolve()):
            bad.append(f"{href} (no such file)")
        elif anchor and file.suffix == ".html" and unquote(anchor) not in parse(file).ids:
            bad.append(f"{href} (no such anchor)")
    return bad


def site_pages() -> list[Path]:
    return sorted(p for p in HTML.rglob("*.html") if "_static" not in p.parts)


def test_no_page_loads_anything_from_outside(build):
    for page in site_pages():
        assert external_resources(parse(page)) == [], page.relative_to(HTML)


def test_every_image_has_meaningful_alt_text(build):
    for page in site_pages():
        assert images_without_alt(parse(page)) == [], page.relative_to(HTML)


def test_every_internal_link_and_anchor_resolves(build):
    for page in site_pages():
        assert broken_links(page, HTML) == [], page.relative_to(HTML)


def test_checks_catch_a_tampered_page(tmp_path):
    """The HTML checks above can fail: a removed alt text, an outside script, a bad link."""
    page = tmp_path / "page.html"
    page.write_text('<html><body id="top"><img src="_images/fig.png">'
                    '<img src="_images/b.png" alt="png">'
                    '<script src="https://cdn.example.org/x.js"></script>'
                    '<a href="#top">ok</a><a href="#nowhere">bad</a>'
                    '<a href="missing.html">gone</a></body></html>')
    parsed = _Collector()
    parsed.feed(page.read_text())
    assert images_without_alt(parsed) == ["_images/fig.png", "_images/b.png"]
    assert external_resources(parsed) == ["script https://cdn.example.org/x.js"]
    assert broken_links(page, tmp_path) == ["#nowhere (no such anchor)",
                                            "missing.html (no such file)"]


# ------------------------------------------------------------------ the browser


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def server(build):
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        message = (f"no Chromium at {CHROMIUM}: install Debian's chromium package "
                   "(apt-get install chromium) or set CHROMIUM to its path")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


#: Viewports: a small phone (iPhone SE/mini width) and a laptop.
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


class Visit:
    """A page opened offline (see CHROMIUM_ARGS); outside requests are recorded.
    ``options`` go to ``browser.new_context`` (viewport, color_scheme, has_touch)."""

    def __init__(self, browser, url: str, **options) -> None:
        self.context = browser.new_context(**options)
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.requested: list[str] = []
        self.page = self.context.new_page()
        self.page.on("request", self._record)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}")
                     if r.status >= 400 else None)
        self.page.goto(url, wait_until="networkidle")

    def _record(self, request) -> None:
        url = request.url
        self.requested.append(url)
        if not url.startswith("data:") and urlparse(url).hostname not in ("127.0.0.1",
                                                                          "localhost"):
            self.outside.append(url)

    def close(self) -> None:
        self.context.close()


def test_navigation_and_solution_toggle(browser, server):
    visit = Visit(browser, server + "index.html")
    page = visit.page
    try:
        page.locator("a.right-next").first.click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith(toc_pages()[1])
        page.goto(server + "labs/00_setup.html", wait_until="networkidle")
        solution = page.locator("details.hide.above-input").first
        code = solution.locator(".cell_input")
        assert not code.is_visible()
        solution.locator("summary").click()
        assert code.is_visible()
        assert visit.errors == []
    finally:
        visit.close()


# ------------------------------------------------------------------- quizzes
def _bank_items(page: str):
    from labkit import quiz

    return quiz.for_page(page)


def _wrong_letter(item) -> str:
    from labkit import quiz

    return next(letter for letter in quiz.LETTERS[: len(item.options)] if letter not in item.key)


QUIZ_PAGES = ["book/ch03_evaluating_models", "labs/02_evaluate"]


@pytest.mark.parametrize("docname", QUIZ_PAGES)
def test_quiz_gives_feedback_keeps_progress_and_prints_the_key(browser, server, docname):
    """Answer one question right (with the keyboard) and one wrong, read the feedback,
    reload and find both kept, then print with the answers listed at the end."""
    items = _bank_items(docname)
    right = next(i for i in items if i.type == "single")
    wrong = next(i for i in items if i.type == "single" and i is not right)
    visit = Visit(browser, server + docname + ".html", viewport=DESKTOP)
    page = visit.page
    try:
        score = page.locator(".labkit-quiz-score").first
        assert score.inner_text() == (
            f"{len(items)} questions. Your answers are kept in this browser only.")
        # Right, by keyboard only: focus the first option, arrow to the key, Tab to the
        # button, Enter.
        page.focus(f"#lq-{right.id}-A")
        page.keyboard.press("Space")  # checks A; the arrows then move the choice
        for _ in range("ABCDEF".index(right.key[0])):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        form = page.locator(f'form[data-item="{right.id}"]')
        result = form.locator(".labkit-quiz-result")
        assert result.inner_text() == "Correct."
        assert result.get_attribute("role") == "status"
        shown = form.locator(f'.labkit-quiz-feedback[data-for="{right.key[0]}"]')
        assert shown.is_visible()
        option = right.options["ABCDEF".index(right.key[0])]
        plain_feedback = " ".join(option.feedback.split()).replace("`", "")
        assert " ".join(shown.inner_text().split()) == plain_feedback
        # Wrong, with the mouse.
        letter = _wrong_letter(wrong)
        page.locator(f"label[for='lq-{wrong.id}-{letter}']").click()
        page.locator(f'form[data-item="{wrong.id}"] .labkit-quiz-check').click()
        form = page.locator(f'form[data-item="{wrong.id}"]')
        assert form.locator(".labkit-quiz-result").inner_text() == (
            f"Not quite. The best answer is {wrong.key[0]}.")
        assert form.locator(f'.labkit-quiz-feedback[data-for="{letter}"]').is_visible()
        assert not form.locator(f'.labkit-quiz-feedback[data-for="{wrong.key[0]}"]').is_visible()
        expected = (f"Score: 1 of {len(items)} right at the first try (2 of {len(items)} "
                    "answered). Kept in this browser only.")
        assert score.inner_text() == expected
        # Kept across a reload.
        page.reload(wait_until="networkidle")
        assert page.locator(".labkit-quiz-score").first.inner_text() == expected
        assert page.locator(f"#lq-{wrong.id}-{letter}").is_checked()
        assert page.locator(f'form[data-item="{wrong.id}"] .labkit-quiz-result').inner_text() \
            .startswith("Not quite.")
        # Printed: the answer key at the end, no buttons.
        page.emulate_media(media="print")
        key = page.locator(".labkit-quiz-key").first
        assert key.is_visible()
        assert key.locator("li").count() == len(items)
        assert not page.locator(".labkit-quiz-check").first.is_visible()
        assert page.pdf()[:5] == b"%PDF-"
        assert visit.errors == []
    finally:
        visit.close()


def test_numeric_question_accepts_a_rounded_value_and_names_a_slip(browser, server):
    from labkit import quiz

    item = next(i for i in quiz.load() if i.type == "numeric" and i.slips and "practice" in i.uses)
    visit = Visit(browser, server + item.page + ".html", viewport=PHONE)
    page = visit.page
    try:
        form = page.locator(f'form[data-item="{item.id}"]')
        box = form.locator("input")
        box.fill(str(item.slips[0]["value"]))
        form.locator(".labkit-quiz-check").click()
        assert form.locator(".labkit-quiz-result").inner_text().startswith("Not quite.")
        slip = form.locator(".labkit-quiz-feedback[data-slip]").first
        assert slip.is_visible()
        box.fill(f"{item.answer + 0.5 * item.tolerance:.6g}")
        form.locator(".labkit-quiz-check").click()
        assert form.locator(".labkit-quiz-result").inner_text() == "Correct."
        assert form.locator('.labkit-quiz-feedback[data-for="correct"]').is_visible()
        box.fill("about a third")
        form.locator(".labkit-quiz-check").click()
        assert "is not a number" in form.locator(".labkit-quiz-result").inner_text()
        assert sideways(page) <= 0
    finally:
        visit.close()


def test_post_test_scores_and_the_attestation_records_it(browser, server):
    from tools.sphinx_quiz import posttest_items

    items = posttest_items("cme-short")
    visit = Visit(browser, server + "book/ch01_clinical_ai.html", viewport=DESKTOP)
    page = visit.page
    try:
        page.goto(server + "book/cme_posttest.html", wait_until="networkidle")
        test = page.locator('.labkit-quiz[data-test="cme-short"]')
        test.locator(".labkit-quiz-submit").click()
        assert "Answer every question first" in test.locator(".labkit-quiz-score").inner_text()
        for n, item in enumerate(items):
            form = test.locator(f'form[data-item="{item.id}"]')
            if item.type == "numeric":
                form.locator("input").fill(f"{item.answer:.6g}")
            elif n == 0:  # one wrong answer
                form.locator(f"#lq-{item.id}-{_wrong_letter(item)}").check()
            else:
                for letter in item.key:
                    form.locator(f"#lq-{item.id}-{letter}").check()
        test.locator(".labkit-quiz-submit").click()
        right = len(items) - 1
        passed = right / len(items) >= 0.75
        line = test.locator(".labkit-quiz-score").inner_text()
        assert line.startswith(f"You scored {right} of {len(items)} (")
        assert ("passed" if passed else "not yet passed") in line
        page.goto(server + "book/cme_attestation.html", wait_until="networkidle")
        box = page.locator(".labkit-attestation")
        assert f"{right} of {len(items)}" in box.locator("tbody.labkit-attest-tests").inner_text()
        pages = box.locator("tbody.labkit-attest-pages").inner_text()
        row = next(ln for ln in pages.splitlines() if ln.startswith("What a clinical AI model is"))
        assert "not opened" not in row, row  # opened at the start of this visit
        assert "not opened" in pages  # pages never opened say so
        assert visit.errors == []
    finally:
        visit.close()


def test_evaluation_is_saved_offered_as_a_file_and_recorded(browser, server):
    visit = Visit(browser, server + "book/cme_evaluation.html", viewport=PHONE)
    page = visit.page
    try:
        form = page.locator("form.labkit-evaluation")
        form.locator("label", has_text="Strongly agree").first.click()
        form.locator("textarea").first.fill("Ask for calibration before go-live.")
        form.locator("button[type=submit]").click()
        assert "Saved in this browser" in form.locator(".labkit-evaluation-status").inner_text()
        link = form.locator(".labkit-evaluation-download")
        assert link.is_visible() and link.get_attribute("href").startswith("blob:")
        with page.expect_download() as download:
            link.click()
        saved = json.loads(Path(download.value.path()).read_text())
        assert saved["evaluation"]["objectives"] == "Strongly agree"
        assert saved["evaluation"]["change_what"] == "Ask for calibration before go-live."
        page.goto(server + "book/cme_attestation.html", wait_until="networkidle")
        assert page.locator(".labkit-attest-evaluation").inner_text().startswith("submitted on ")
        assert sideways(page) <= 0 and visit.errors == []
    finally:
        visit.close()


def test_search_finds_a_term(browser, server):
    visit = Visit(browser, server + "search.html?q=calibration")
    try:
        results = visit.page.locator("ul.search li a")
        results.first.wait_for(timeout=15_000)
        hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
        assert any("02_evaluate" in (h or "") for h in hrefs), hrefs
    finally:
        visit.close()


def test_offline_really_is_offline(browser, server):
    visit = Visit(browser, server + "index.html")
    try:
        result = visit.page.evaluate(
            "fetch('https://example.org/').then(() => 'reached').catch(() => 'blocked')")
        assert result == "blocked"
    finally:
        visit.close()


def test_maths_renders_offline(browser, server):
    pages = [p for p in toc_pages() if 'class="math' in (HTML / p).read_text()]
    assert pages, "no page has maths to render"
    for page in pages:
        visit = Visit(browser, server + page)
        try:
            visit.page.locator("mjx-container").first.wait_for(timeout=15_000)
            assert visit.page.locator("mjx-container").count() >= 1
            assert visit.outside == []
        finally:
            visit.close()


# ------------------------------------------- every page: phone and laptop, light and dark

#: Views a page is checked in. Layout depends on the width and colour on the mode,
#: so every page is checked in two views that between them cover both widths and both
#: modes, and a sample of pages in the two other combinations (axe's colour-contrast
#: rule takes seconds a page; the full matrix would triple the suite's time).
VIEWS = {
    "laptop-light": {"viewport": DESKTOP, "color_scheme": "light"},
    "phone-dark": {"viewport": PHONE, "color_scheme": "dark"},
    "laptop-dark": {"viewport": DESKTOP, "color_scheme": "dark"},
    "phone-light": {"viewport": PHONE, "color_scheme": "light"},
}
SAMPLE = ["index.html", "book/ch04_bias_fairness.html", "labs/03_audit_bias.html",
          "book/bibliography.html"]
PAGE_VIEWS = ([(page, view) for view in ("laptop-light", "phone-dark") for page in toc_pages()]
              + [(page, view) for view in ("laptop-dark", "phone-light") for page in SAMPLE])

#: For each lab output block that prints check feedback ("✔ Exercise 1.2 - correct:
#: ..."): the widths of the block and of its text, which must fit.
FEEDBACK_WIDTHS = """() => [...document.querySelectorAll('div.cell_output .output')]
  .filter(o => /^[\u2714\u2718] Exercise/m.test(o.textContent))
  .map(o => { const pre = o.querySelector('pre') || o;
              return {text: pre.textContent.trim().slice(0, 70),
                      fits: o.scrollWidth <= o.clientWidth
                            && pre.scrollWidth <= pre.clientWidth}; })"""


def sideways(page) -> int:
    """How far the page scrolls sideways, in CSS pixels (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def serious_axe_violations(page, contrast: bool = True) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"resultTypes": ["violations"]}
    if not contrast:
        options["rules"] = {"color-contrast": {"enabled": False}}
    violations = Axe().run(page, options=options).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} x{len(v['nodes'])}: "
            + "; ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in violations if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize(("page", "view"), PAGE_VIEWS, ids=lambda x: x)
def test_page_loads_cleanly_fits_and_passes_axe(browser, server, page, view):
    visit = Visit(browser, server + page, **VIEWS[view])
    try:
        assert visit.outside == [], "requests leaving the machine"
        assert visit.failed == [], "failed requests"
        assert visit.errors == [], "console errors"
        assert visit.page.locator("article h1").first.is_visible(), "the page did not render"
        assert sideways(visit.page) <= 0, "the page scrolls sideways"
        feedback = visit.page.evaluate(FEEDBACK_WIDTHS)
        if page.startswith("labs/"):
            assert feedback, "no check feedback found in the lab's outputs"
        assert [f["text"] for f in feedback if not f["fits"]] == [], "feedback cut off"
        # Colour contrast depends on the mode, not the width: every page's contrast
        # is checked in laptop-light and phone-dark, so the sample's two extra views
        # skip that rule (it is most of axe's time on a lab page: 9.7 of 11.4 s).
        contrast = view in ("laptop-light", "phone-dark")
        serious = serious_axe_violations(visit.page, contrast=contrast)
        assert serious == [], json.dumps(serious, indent=1)
    finally:
        visit.close()


def test_fit_checks_catch_a_wide_page_and_cut_feedback(browser):
    """The two layout checks above can fail."""
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_content('<div class="cell_output"><div class="output" style="overflow:auto">'
                         '<pre>\u2714 Exercise 1.1 - correct: ' + "x" * 200 + '</pre></div></div>'
                         '<p style="width:500px">wide</p>')
        assert sideways(page) == 500 - PHONE["width"] + 8  # body margin
        assert [f["fits"] for f in page.evaluate(FEEDBACK_WIDTHS)] == [False]
    finally:
        context.close()


# ------------------------------------------------------------------- sidebars

#: The button, the dialog it opens on a phone, and a link that must be usable in it.
SIDEBARS = {
    "navigation": ("button.primary-toggle", "Site navigation", "#pst-primary-sidebar-modal",
                   "Lab 1 - Build a risk model", "labs/01_build_model.html"),
    "contents": ("button.secondary-toggle", "Contents of this page",
                 "#pst-secondary-sidebar-modal", "Knowledge check", "#knowledge-check"),
}


@pytest.mark.parametrize("which", SIDEBARS)
def test_sidebar_buttons_open_and_close_on_a_phone(browser, server, which):
    """Click, tap and keyboard open the sidebar; its link works; Escape, the Close
    button and choosing a link close it; aria-expanded follows."""
    from playwright.sync_api import expect

    selector, name, dialog_selector, link_name, target = SIDEBARS[which]
    visit = Visit(browser, server + "labs/00_setup.html", viewport=PHONE, has_touch=True)
    page = visit.page
    try:
        button = page.locator(selector)
        dialog = page.locator(dialog_selector)
        link = dialog.get_by_role("link", name=link_name, exact=True)
        expect(button).to_be_visible()
        expect(button).to_have_accessible_name(name)
        expect(button).to_have_attribute("aria-expanded", "false")
        assert not page.get_by_role("link", name=link_name, exact=True).first.is_visible()

        button.click()
        expect(dialog).to_have_attribute("open", "")
        expect(link).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "true")
        page.keyboard.press("Escape")
        expect(dialog).not_to_have_attribute("open", "")
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(button).to_be_focused()

        button.tap()
        expect(link).to_be_visible()
        dialog.get_by_role("button", name=re.compile("^Close")).click()
        expect(link).not_to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "false")
        expect(button).to_be_focused()

        page.keyboard.press("Enter")
        expect(link).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "true")
        link.click()
        if target.startswith("#"):
            expect(page).to_have_url(re.compile(re.escape(target) + "$"))
            expect(dialog).not_to_have_attribute("open", "")
            expect(page.locator(target)).to_be_in_viewport()
        else:
            page.wait_for_load_state("networkidle")
            assert page.url == server + target
        assert visit.errors == []
    finally:
        visit.close()


@pytest.mark.parametrize("width", [975, DESKTOP["width"]])
def test_navigation_button_collapses_the_sidebar_on_a_laptop(browser, server, width):
    """Where the navigation shows beside the page (from 960 px), its button hides and
    restores it in place, by mouse and keyboard, keeping focus on the button."""
    from playwright.sync_api import expect

    visit = Visit(browser, server + "labs/00_setup.html",
                  viewport={"width": width, "height": DESKTOP["height"]})
    page = visit.page
    try:
        button = page.locator("button.primary-toggle")
        link = page.locator("#pst-primary-sidebar").get_by_role(
            "link", name="Lab 1 - Build a risk model", exact=True)
        expect(link).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "true")
        button.click()
        expect(link).not_to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "false")
        button.focus()
        page.keyboard.press("Enter")
        expect(link).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "true")
        expect(button).to_be_focused()
        assert page.locator("dialog[open]").count() == 0
        assert visit.errors == []
    finally:
        visit.close()


# --------------------------------------------------------------- keyboard focus


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours (alpha ignored).

    >>> round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1)
    21.0
    """
    la, lb = (_luminance(tuple(float(x) for x in re.findall(r"[\d.]+", c))) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def test_contrast_helper():
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert contrast("rgb(119, 119, 119)", "rgb(255, 255, 255)") == pytest.approx(4.48, abs=0.01)


FOCUS_STYLE = """e => { const s = getComputedStyle(e);
  return {name: e.getAttribute('aria-label') || e.title || e.textContent.trim(),
          visible: e.matches(':focus-visible'), style: s.outlineStyle,
          width: parseFloat(s.outlineWidth), colour: s.outlineColor}; }"""


@pytest.mark.parametrize("view", ["laptop-light", "laptop-dark", "phone-light", "phone-dark"])
def test_header_buttons_show_keyboard_focus(browser, server, view):
    """Each visible header button, focused from the keyboard, has a solid outline at
    least 2 px wide whose colour contrasts 3:1 with the page (WCAG 2.2 2.4.13)."""
    visit = Visit(browser, server + "labs/00_setup.html", **VIEWS[view])
    page = visit.page
    try:
        background = page.evaluate(
            "getComputedStyle(document.querySelector('.bd-header-article')).backgroundColor")
        buttons = page.locator(".bd-header-article button, .bd-header-article a.btn")
        page.keyboard.press("Tab")        # the last input came from the keyboard
        checked = []
        for i in range(buttons.count()):
            button = buttons.nth(i)
            if not button.is_visible():
                continue
            button.focus()
            focus = button.evaluate(FOCUS_STYLE)
            checked.append(focus["name"])
            assert focus["visible"] and focus["style"] == "solid", focus
            assert focus["width"] >= 2, focus
            assert contrast(focus["colour"], background) >= 3, (focus, background)
        assert len(checked) >= 5, checked      # sidebar, launch, repository, download, mode ...
        assert visit.errors == []
    finally:
        visit.close()


# ------------------------------------------------------------------------- print


@pytest.mark.parametrize("page", ["labs/00_setup.html", "book/ch03_evaluating_models.html"])
def test_printing_shows_answers_and_solutions_without_screen_furniture(browser, server, page):
    visit = Visit(browser, server + page, viewport=DESKTOP)
    try:
        visit.page.emulate_media(media="print")
        expect_visible = [visit.page.locator(".labkit-quiz-key li").first]
        if page.startswith("labs/"):
            expect_visible.append(visit.page.locator("details.hide .cell_input pre").first)
        for locator in expect_visible:
            assert locator.is_visible(), locator
            assert locator.inner_text().strip()
        for furniture in ("#pst-primary-sidebar", "#pst-secondary-sidebar",
                          ".bd-header-article", ".prev-next-area", "footer"):
            hidden = visit.page.locator(furniture)
            assert all(not hidden.nth(i).is_visible() for i in range(hidden.count())), furniture
        assert sideways(visit.page) <= 0
        assert visit.page.pdf()[:5] == b"%PDF-"
    finally:
        visit.close()


# --------------------------------------------------------------- named controls


def test_solution_toggles_are_named_for_what_they_reveal(browser, server):
    from playwright.sync_api import expect

    visit = Visit(browser, server + "labs/01_build_model.html")
    try:
        toggles = visit.page.locator("details.hide > summary")
        assert toggles.count() >= 3
        for i in range(toggles.count()):
            toggle = toggles.nth(i)
            expect(toggle).to_have_accessible_name(re.compile(r"^Show solution \(Exercise "))
            assert "Toggle hidden content" not in (toggle.get_attribute("aria-label") or "")
        toggles.first.click()
        expect(toggles.first).to_have_accessible_name(re.compile(r"^Hide solution \(Exercise "))
    finally:
        visit.close()


def test_icons_draw_from_the_trimmed_font_and_buttons_keep_their_names(browser, server):
    """Font Awesome's 1.5 MB script is gone; icons still show, from a font cut to the
    glyphs the site uses, and every header button still has a name."""
    visit = Visit(browser, server + "labs/00_setup.html", viewport=DESKTOP)
    page = visit.page
    try:
        assert not [u for u in visit.requested if "fontawesome.js" in u
                    or re.search(r"fa-(solid|brands|regular)-\d+\.(woff2|ttf)$", u)]
        assert [u for u in visit.requested if u.endswith("fa-solid-900.subset.woff")]
        icons = page.locator(".bd-header-article :is(i, span)[class*='fa-']")
        assert icons.count() >= 5
        for i in range(icons.count()):
            icon = icons.nth(i)
            if icon.is_visible():
                assert icon.get_attribute("aria-hidden") == "true"
                glyph = icon.evaluate("e => getComputedStyle(e, '::before').content")
                family = icon.evaluate("e => getComputedStyle(e, '::before').fontFamily")
                assert glyph not in ("none", "normal", '""') and "Font Awesome" in family
        trimmed = page.evaluate("""() => [...document.fonts].filter(f => f.status === 'loaded'
            && f.family.includes('Font Awesome') && f.unicodeRange !== 'U+0-10FFFF').length""")
        assert trimmed >= 1, "the trimmed icon font did not load"
        for button in page.locator(".bd-header-article button").all():
            if button.is_visible():
                name = button.get_attribute("aria-label") or button.get_attribute("title")
                assert (name or "").strip(), button.evaluate("e => e.outerHTML")
    finally:
        visit.close()


# ---------------------------------------------------------- citations and money


CITATION = re.compile(r'<span class="bibtex-citation"[^>]*>(.*?)</span>', re.S)
CITATION_LINK = re.compile(r'<a class="reference internal" href="(?:[\w./]*/)?bibliography'
                           r'\.html#([\w-]+)"[^>]*>(.*?)</a>', re.S)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def citation_links(html: str) -> list[tuple[str, str]]:
    """(bibliography anchor, citation as the reader sees it) for every author-year
    citation in a page: "(Obermeyer et al., 2019)" gives "Obermeyer et al., 2019",
    and "Obermeyer et al. (2019)" gives the same."""
    found = []
    for citation in CITATION.findall(html):
        text = _text(citation)
        links = CITATION_LINK.findall(citation)
        if text.startswith("("):
            found += [(anchor, _text(shown)) for anchor, shown in links]
        else:
            author = text.partition(" (")[0]
            found += [(anchor, f"{author}, {_text(shown)}") for anchor, shown in links]
    return found


def bibliography_labels(html: str) -> dict[str, str]:
    return dict(re.findall(r'<div class="citation" id="([\w-]+)"[^>]*>\s*<span class="label">'
                           r'<span class="fn-bracket">\[</span>(.*?)<span', html))


def test_bibliography_labels_match_every_citation(build):
    labels = bibliography_labels((HTML / "book" / "bibliography.html").read_text())
    assert len(labels) > 50
    assert len(set(labels.values())) == len(labels), "two entries share a label"
    cited = [link for page in site_pages() for link in citation_links(page.read_text())]
    assert len(cited) > 100
    wrong = sorted({f"{text!r} -> {labels.get(anchor)!r}" for anchor, text in cited
                    if labels.get(anchor) != text})
    assert wrong == []
    assert ("Obermeyer et al., 2019") in labels.values()


def test_bibliography_label_matches_the_citation_a_reader_sees(browser, server):
    visit = Visit(browser, server + "book/datasheets.html")
    page = visit.page
    try:
        link = page.locator("a[href*='bibliography.html#']", has_text="Obermeyer").first
        cited = link.inner_text()
        assert re.fullmatch(r"Obermeyer et al\., 2019", cited), cited
        assert link.evaluate("e => e.parentElement.textContent.trim()").startswith("(")
        link.click()
        page.wait_for_load_state("networkidle")
        anchor = page.url.rpartition("#")[2]
        label = page.locator(f"[id='{anchor}'] > .label").inner_text()
        assert label.strip("[] ") == cited
    finally:
        visit.close()


def test_dollar_amounts_on_the_datasheets_page_are_not_maths(browser, server):
    visit = Visit(browser, server + "book/datasheets.html")
    page = visit.page
    try:
        paragraph = page.locator("p", has_text="$1,790")
        assert paragraph.count() == 1
        text = paragraph.inner_text()
        assert "$1,790 less per year" in text and "about $1,800 less" in text
        assert page.locator(".math, mjx-container").count() == 0
        assert not [u for u in visit.requested if "mathjax" in u], "MathJax loaded for no maths"
    finally:
        visit.close()


# ------------------------------------------------------------------------ weight


def test_weight_tool_uses_the_test_browser_flags():
    from tools import site_weight

    assert site_weight.CHROMIUM_ARGS == CHROMIUM_ARGS


def test_weight_tool_says_what_is_missing(tmp_path, capsys):
    from tools import site_weight

    assert site_weight.main([str(tmp_path / "nowhere")]) == 2
    assert site_weight.main([str(tmp_path)]) == 2          # a folder with no pages
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("site_weight: error: ") for line in err)
    assert "nowhere: no such directory" in err[0] and "no HTML pages" in err[1]


def test_median_page_weighs_under_a_megabyte(browser, server):
    from tools import site_weight

    result = site_weight.measure(HTML, browser=browser, base_url=server)
    weights = result["pages"]
    assert set(toc_pages()) <= set(weights)
    for name, size in weights.items():        # every byte counted, the page itself included
        assert size > (HTML / name).stat().st_size, name
    assert result["median_bytes"] < site_weight.BUDGET_BYTES, site_weight.report(result)
    assert weights["index.html"] < weights["book/ch04_bias_fairness.html"], \
        "the landing page (no maths) should not load MathJax"


def test_a_glued_number_reads_like_the_sentence_around_it(browser, server):
    """myst-nb sets glued text in bold; the book's CSS gives it its sentence's weight."""
    visit = Visit(browser, server + "labs/02_evaluate.html", viewport=PHONE)
    try:
        weights = visit.page.evaluate("""() => [...document.querySelectorAll(
            'p span.pasted-text')].map(s => [getComputedStyle(s).fontWeight,
                                             getComputedStyle(s.parentElement).fontWeight])""")
        assert len(weights) >= 5
        assert all(own == sentence for own, sentence in weights), weights
    finally:
        visit.close()
