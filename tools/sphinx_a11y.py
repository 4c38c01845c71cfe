"""Sphinx extension: accessibility repairs to markup the book's tools emit.

docutils writes each bibliography entry as ``<div role="doc-biblioentry">``
inside ``<div role="list">``. ``doc-biblioentry`` is deprecated (DPUB-ARIA
1.1) and is not a list item, so screen readers meet a list with no items (axe:
``aria-required-children``, critical). This extension gives the entries the
``listitem`` role the list requires. Loaded from _config.yml
(``sphinx.local_extensions``).
"""

from __future__ import annotations

import re
from typing import Any

BIBLIOENTRY = re.compile(r'(<div class="citation"[^>]*?) role="doc-biblioentry"')


def fix_body(html: str) -> str:
    """Return ``html`` with bibliography entries marked as list items.

    >>> fix_body('<div class="citation" id="x" role="doc-biblioentry">')
    '<div class="citation" id="x" role="listitem">'
    """
    return BIBLIOENTRY.sub(r'\1 role="listitem"', html)


def _page_context(app: Any, pagename: str, templatename: str, context: dict,
                  doctree: Any) -> None:
    if "body" in context:
        context["body"] = fix_body(context["body"])


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", _page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
