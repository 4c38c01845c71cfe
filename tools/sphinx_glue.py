"""Glue markers become myst-nb glue roles when the book reads a page (a local Sphinx extension).

A number a lab or chapter quotes from a lab's computation is typed with a marker,
``37%<!--glue:l2_top_pred:.0%-->`` (see ``tools/prose_numbers.py``). On Sphinx's
``source-read`` event this extension replaces each such pair in markdown with
``{glue:text}`l2_top_pred:.0%```, so the page shows the value the lab recorded with
``labkit.glue.glue`` when it ran. Once a page is read, it removes the markers from
figure alt text, where no role can go (a test keeps those numbers true).

Written here rather than taken from a library: myst-nb's glue roles do the pasting;
what no library does is keep a readable number in the notebook a learner opens in
Jupyter, which cannot render a MyST role.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from docutils import nodes

ROOT = Path(__file__).resolve().parents[1]


def _prose_numbers():
    """The marker syntax, from the repository's tools.prose_numbers (imported when a
    page has a marker: Sphinx loads this file from tools/, so the repository itself
    goes on the path, as tools/sphinx_learner.py does)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools import prose_numbers

    return prose_numbers


def glue_notebook(text: str) -> str:
    """A notebook's JSON with the markers in its markdown cells turned into roles.

    Code cells are left exactly as they are, their metadata (alt text) too: the
    execution cache finds a lab's stored outputs by its code cells, so changing one
    here would make the book run the lab again. Alt text loses its markers later,
    in :func:`strip_alt`.
    """
    prose_numbers = _prose_numbers()
    nb = nbformat.reads(text, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "<!--glue:" in cell.source:
            cell.source = prose_numbers.to_roles(cell.source)
            changed = True
    return nbformat.writes(nb) if changed else text


def source_read(app, docname: str, source: list[str]) -> None:
    if "<!--glue:" not in source[0]:
        return
    if str(app.env.doc2path(docname)).endswith(".ipynb"):
        source[0] = glue_notebook(source[0])
    else:
        source[0] = _prose_numbers().to_roles(source[0])


def strip_alt(app, doctree: nodes.document) -> None:
    """Remove glue markers from every image's alt text (the typed numbers stay)."""
    for image in doctree.findall(nodes.image):
        if "<!--glue:" in image.get("alt", ""):
            image["alt"] = _prose_numbers().strip(image["alt"])


def setup(app):
    app.connect("source-read", source_read)
    app.connect("doctree-read", strip_alt)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
