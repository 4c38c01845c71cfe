"""The learner edition, published with the book (a local Sphinx extension).

When an HTML build finishes, this extension

- writes the learner kit (``tools.notebooks.student``: the labs without their
  solutions, ``labkit``, the datasets and the set-up README) as
  ``learner/labkit-learner-VERSION.zip`` in the built site;
- puts each lab's learner notebook where the page's download button points
  (``_sources/labs/NN_slug.ipynb``), so that the button gives the notebook
  without solutions, not the full edition the page shows.

Each lab page gets a note under its title that says what that download is and
what it needs (the kit beside it), with a link to the zip. The role
``{learner-kit}`text``` links to the zip from any page.

Written here rather than taken from a library: no Sphinx or Jupyter Book
extension publishes a second edition of a notebook; the edition itself is
``tools.notebooks``, tested in tests/test_notebooks.py.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from docutils import nodes
from sphinx.util.osutil import relative_uri

ROOT = Path(__file__).resolve().parents[1]
LEARNER_DIR = "learner"
LAB_PREFIX = "labs/"


def version() -> str:
    """The edition (tools.edition reads it from pyproject.toml)."""
    # Sphinx loads this file from tools/ (local_extensions); the repository goes on
    # the path so that its tools package is found.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools.edition import version as edition_version

    return edition_version(ROOT)


def zip_name() -> str:
    """The learner kit's file name in the site.

    >>> zip_name().startswith("labkit-learner-") and zip_name().endswith(".zip")
    True
    """
    return f"labkit-learner-{version()}.zip"


class learner_kit_link(nodes.reference):
    """A link to the learner zip; its address is set per page once the builder is known."""


def learner_kit_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    node = learner_kit_link(rawtext, text, refuri="#")
    node["classes"].append("labkit-learner-kit")
    return [node], []


def _zip_uri(app, docname: str) -> str:
    return relative_uri(app.builder.get_target_uri(docname), f"{LEARNER_DIR}/{zip_name()}")


def lab_note(app, docname: str) -> nodes.Element:
    """The note under a lab page's title."""
    link = nodes.reference("", "the learner kit", refuri=_zip_uri(app, docname),
                           classes=["labkit-learner-kit"])
    para = nodes.paragraph()
    para += nodes.Text("This page shows the full edition, with its solutions. The page's "
                       "download button (.ipynb) gives the learner notebook instead: each "
                       "exercise starts from ")
    para += nodes.literal(text="...")
    para += nodes.Text(" placeholders. It runs only beside the kit's labkit package and "
                       "datasets, so open it inside ")
    para += link
    para += nodes.Text(f" ({zip_name()}, with the set-up steps in its README), or on your "
                       "course's hub, where the class link brings every lab.")
    note = nodes.admonition(classes=["note", "labkit-download-note"])
    note += nodes.title(text="Download this lab")
    note += para
    return note


def resolve(app, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html":
        return
    for node in doctree.findall(learner_kit_link):
        node["refuri"] = _zip_uri(app, docname)
    if docname.startswith(LAB_PREFIX):
        section = next(iter(doctree.findall(nodes.section)), None)
        if section is not None and section.children and isinstance(section[0], nodes.title):
            section.insert(1, lab_note(app, docname))


def publish(app, exception) -> None:
    """Write the learner zip and the learner notebooks into the built site."""
    if exception is not None or app.builder.format != "html":
        return
    # Sphinx loads this file from tools/ (local_extensions); the edition is built by
    # the repository's tools.notebooks, so the repository itself goes on the path.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools.notebooks import dumps, learner_notebook, notebook_path, sources, student

    out = Path(app.outdir)
    with tempfile.TemporaryDirectory(prefix="labkit-learner-") as tmp:
        archive = student(Path(tmp) / "labkit-learner")
        target = out / LEARNER_DIR
        target.mkdir(exist_ok=True)
        shutil.copyfile(archive, target / zip_name())
    downloads = out / "_sources" / "labs"
    for src in sources():
        path = notebook_path(src, downloads)
        if path.exists():  # only labs the book contains
            path.write_text(dumps(learner_notebook(src)), encoding="utf-8")


def setup(app):
    app.add_role("learner-kit", learner_kit_role)
    app.add_node(learner_kit_link, html=(lambda self, node: self.visit_reference(node),
                                         lambda self, node: self.depart_reference(node)))
    app.connect("doctree-resolved", resolve)
    app.connect("build-finished", publish)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
