"""Page weight of the built book: every byte each page loads, measured in Chromium.

Serves the HTML build on 127.0.0.1, opens every page in Chromium offline (the
flags of tests/test_site.py) with the browser cache disabled, and adds up the
bytes Chromium received for the page (HTML, CSS, JS, fonts, images: the
``encodedDataLength`` of every response, headers included). Prints a table and
the median; :func:`measure` returns the numbers as a dict for ``make bench``.

    python -m tools.site_weight [html_dir]

Exit status 2 with a one-line message when the directory holds no build or
Chromium is missing.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import statistics
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
#: The same flags as tests/test_site.py (a test checks they stay the same): offline,
#: every host but this machine resolves to nothing.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
#: The median page must load less than this many bytes.
BUDGET_BYTES = 1_000_000
#: Pages loaded side by side.
BATCH = 4


def pages(html_dir: Path) -> list[str]:
    """Every HTML page of the site (theme files in _static aside), relative, sorted."""
    return sorted(p.relative_to(html_dir).as_posix() for p in html_dir.rglob("*.html")
                  if "_static" not in p.relative_to(html_dir).parts)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serve(html_dir: Path) -> Iterator[str]:
    """Serve ``html_dir`` on a free port of 127.0.0.1; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def page_bytes(browser: Any, urls: list[str]) -> list[int]:
    """Bytes Chromium receives to load each of ``urls``, each in a fresh context
    with the cache off. The pages load side by side (Chromium does the waiting;
    the pages share nothing), then each is given until the network is quiet."""
    contexts, received = [], []
    try:
        for url in urls:
            context = browser.new_context()
            contexts.append(context)
            page = context.new_page()
            sizes: dict[str, float] = {}
            received.append(sizes)
            cdp = context.new_cdp_session(page)
            cdp.on("Network.loadingFinished",
                   lambda e, sizes=sizes: sizes.__setitem__(e["requestId"],
                                                            e["encodedDataLength"]))
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            page.goto(url, wait_until="commit")
        for context in contexts:
            context.pages[0].wait_for_load_state("networkidle")
        return [int(sum(sizes.values())) for sizes in received]
    finally:
        for context in contexts:
            context.close()


def measure(html_dir: Path = HTML, *, browser: Any = None,
            base_url: str | None = None) -> dict[str, Any]:
    """Weigh every page of ``html_dir``; return bytes per page, the median and the maximum.

    ``browser`` (a Playwright Chromium) and ``base_url`` (a server already serving
    ``html_dir``) are reused when given, as the site tests do.

    >>> result = measure()                                   # doctest: +SKIP
    >>> result["median_bytes"] < BUDGET_BYTES                # doctest: +SKIP
    True
    """
    html_dir = Path(html_dir)
    names = pages(html_dir)
    if not names:
        raise ValueError(f"{html_dir}: no HTML pages; build the book first")
    if browser is None:
        if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
            raise ValueError(f"no Chromium at {CHROMIUM}: install Debian's chromium "
                             "package or set CHROMIUM to its path")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return measure(html_dir, browser=chromium, base_url=base_url)
            finally:
                chromium.close()
    if base_url is None:
        with serve(html_dir) as url:
            return measure(html_dir, browser=browser, base_url=url)
    weights: dict[str, int] = {}
    for start in range(0, len(names), BATCH):
        batch = names[start:start + BATCH]
        weights.update(zip(batch, page_bytes(browser, [base_url + n for n in batch]),
                           strict=True))
    return {
        "pages": weights,
        "median_bytes": int(statistics.median(weights.values())),
        "max_bytes": max(weights.values()),
        "max_page": max(weights, key=weights.__getitem__),
        "budget_bytes": BUDGET_BYTES,
        "within_budget": statistics.median(weights.values()) < BUDGET_BYTES,
    }


def report(result: dict[str, Any]) -> str:
    """The per-page table, then the median and maximum, in kB (1 kB = 1000 bytes)."""
    width = max(len(name) for name in result["pages"])
    lines = [f"{'page':<{width}}  {'kB':>8}"]
    lines += [f"{name:<{width}}  {size / 1000:8.1f}" for name, size in result["pages"].items()]
    verdict = "within" if result["within_budget"] else "OVER"
    lines += [f"{'median':<{width}}  {result['median_bytes'] / 1000:8.1f}  "
              f"({verdict} the {result['budget_bytes'] / 1000:.0f} kB budget)",
              f"{'max':<{width}}  {result['max_bytes'] / 1000:8.1f}  ({result['max_page']})"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0].startswith("-")):
        print("usage: python -m tools.site_weight [html_dir]", file=sys.stderr)
        return 2
    html_dir = Path(args[0]) if args else HTML
    if not html_dir.is_dir():
        print(f"site_weight: error: {html_dir}: no such directory; build the book first",
              file=sys.stderr)
        return 2
    from playwright.sync_api import Error as BrowserError

    try:
        result = measure(html_dir)
    except (ValueError, BrowserError) as err:
        message = str(err).strip().splitlines()[0] if str(err).strip() else repr(err)
        print(f"site_weight: error: {message}", file=sys.stderr)
        return 2
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
