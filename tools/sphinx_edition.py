"""The edition in every page's footer (a local Sphinx extension).

Each page's footer says which edition the reader has and when it was released
(``tools.edition.label``: "Edition 0.2.0 of 3 December 2026", with "with later
changes not yet in an edition" when the build holds unreleased changes), and
links to the changelog and the errata pages. A programme that teaches a term
from one edition can see at a glance whether a page is that edition.

A build of a released edition (no changes after it) also points the lab pages'
Binder and Colab buttons at the edition's tag, ``vX.Y.Z``, instead of the
repository's branch: a programme that hosts that site launches the edition it
approved, whatever happens on ``main`` later.

Written here: sphinx-book-theme's ``extra_footer`` is one fixed HTML string, and
the links must be relative to each page.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = (("book/changelog", "What changed"), ("book/errata", "Errata"))


def _edition():
    # Sphinx loads this file from tools/ (local_extensions); the edition's reader is
    # the repository's tools.edition, so the repository goes on the path.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools import edition

    return edition


def label() -> str:
    return _edition().label(ROOT)


def launch_ref() -> str | None:
    """The tag the launch buttons open: the edition's, when the build is exactly it."""
    edition = _edition()
    newest = edition.releases(ROOT)[0]
    if newest.version == edition.UNRELEASED and edition.has_changes(newest):
        return None
    return f"v{edition.version(ROOT)}"


def pin_launch_buttons(app, config) -> None:
    ref = launch_ref()
    if ref is not None:
        config.html_theme_options["repository_branch"] = ref


def footer(app, pagename, templatename, context, doctree) -> None:
    links = [f'<a href="{html.escape(context["pathto"](doc))}">{text}</a>'
             for doc, text in PAGES if doc in app.env.all_docs]
    line = " · ".join([html.escape(app.config.labkit_edition), *links])
    context["theme_extra_footer"] = (context.get("theme_extra_footer") or "") + \
        f'<p class="labkit-edition">{line}</p>'


def setup(app):
    app.add_config_value("labkit_edition", label(), "html")
    app.connect("config-inited", pin_launch_buttons)
    app.connect("html-page-context", footer)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
