"""The built site, checked the way learners use it.

One module, so that pytest-xdist (--dist loadscope) runs it on one worker: it
builds the book once (-W -n, --all so every warning is seen again) from the lab
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


# --------------------------------------------------------------------------- build


@pytest.fixture(scope="module")
def build() -> subprocess.CompletedProcess:
    # Under `make test` every lab is already in the cache and this executes none.
    _, _, failures = execute.prime()
    assert failures == [], "\n\n".join(failures)
    env = dict(os.environ, LABKIT_STRICT="1")
    proc = subprocess.run([str(JB), "build", "--all", str(ROOT), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    proc.stdout, proc.stderr = ANSI.sub("", proc.stdout), ANSI.sub("", proc.stderr)
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


class Visit:
    """A page opened offline (see CHROMIUM_ARGS); outside requests are recorded."""

    def __init__(self, browser, url: str) -> None:
        self.context = browser.new_context()
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
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
        if not url.startswith("data:") and urlparse(url).hostname not in ("127.0.0.1",
                                                                          "localhost"):
            self.outside.append(url)

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("page", toc_pages())
def test_page_loads_cleanly_offline(browser, server, page):
    visit = Visit(browser, server + page)
    try:
        assert visit.outside == [], "requests leaving the machine"
        assert visit.failed == [], "failed requests"
        assert visit.errors == [], "console errors"
        assert visit.page.locator("article h1").first.is_visible(), "the page did not render"
    finally:
        visit.close()


def test_navigation_solution_toggle_and_knowledge_check(browser, server):
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
        answer = page.locator("section#knowledge-check details").first
        assert not answer.locator("p").first.is_visible()
        answer.locator("summary").click()
        assert answer.locator("p").first.is_visible()
        assert visit.errors == []
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


@pytest.mark.parametrize("page", toc_pages())
def test_accessibility_has_no_serious_violations(browser, server, page):
    from axe_playwright_python.sync_playwright import Axe

    visit = Visit(browser, server + page)
    try:
        violations = Axe().run(visit.page).response["violations"]
        serious = [f"{v['id']} ({v['impact']}): {v['help']} x{len(v['nodes'])}"
                   for v in violations if v["impact"] in ("serious", "critical")]
        assert serious == [], json.dumps(serious, indent=1)
    finally:
        visit.close()
