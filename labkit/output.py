"""Writing a report file so that an error never leaves half of one behind.

Both of the kit's reports (:mod:`labkit.programme` and :mod:`labkit.report`)
write through :func:`write_atomic`: the text goes to a temporary file beside
the target, which is renamed over it only when complete.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> write_atomic("<p>hi</p>", folder / "r.html").name
'r.html'
"""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["MissingFileError", "html_page", "html_table", "output_path", "write_atomic"]


class MissingFileError(FileNotFoundError, ValueError):
    """A file or folder that does not exist: both a FileNotFoundError and a ValueError."""


def output_path(out: object, example: str = "report.html") -> Path:
    """``out`` as a Path to a file whose folder exists, or one error saying what is wrong.

    >>> output_path("report.html").name
    'report.html'
    """
    if not isinstance(out, str | os.PathLike):
        raise TypeError(f"out must be a path (str or pathlib.Path), got {type(out).__name__}")
    path = Path(out).expanduser()
    if path.is_dir():
        raise ValueError(f"{path}: is a folder; give the report's file name, e.g. "
                         f"{path / example}")
    if not path.parent.is_dir():
        raise MissingFileError(f"{path.parent}: folder not found (the report's folder must "
                               "exist)")
    return path


def write_atomic(text: str, out: str | os.PathLike[str]) -> Path:
    """Write ``text`` (UTF-8) to ``out`` through a temporary file and a rename; return the path."""
    path = output_path(out)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def html_table(caption: str, head: Sequence[str], rows: Sequence[Sequence[str]],
               css_class: str = "") -> str:
    """An HTML table with a caption and column headers; the cells must already be escaped.

    >>> html_table("Sizes", ["group", "n"], [["a &amp; b", "3"]])[:31]
    '<table><caption>Sizes</caption>'
    """
    th = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    opening = f'<table class="{html.escape(css_class)}">' if css_class else "<table>"
    return (f"{opening}<caption>{html.escape(caption)}</caption><thead><tr>{th}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def html_page(title: str, css: str, body: str) -> str:
    """A whole HTML page: the title (escaped) as <title> and <h1>, the style sheet inline,
    then ``body`` (already escaped) in <main>. Nothing is loaded from outside the page.

    >>> html_page("A & B", "p{}", "<p>x</p>").count("A &amp; B")
    2
    """
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{css}</style>
</head>
<body>
<main>
<h1>{html.escape(title)}</h1>
{body}</main>
</body>
</html>
"""
