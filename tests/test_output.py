"""labkit.output: a report file appears whole or not at all; paths and tables."""

import pytest

from labkit.output import MissingFileError, html_table, output_path, write_atomic


def test_write_atomic_writes_utf8_and_replaces(tmp_path):
    out = tmp_path / "r.html"
    out.write_text("old")
    assert write_atomic("é <p>", out) == out
    assert out.read_text(encoding="utf-8") == "é <p>"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_a_failed_write_leaves_no_file_and_no_temporary(tmp_path):
    with pytest.raises(UnicodeEncodeError):
        write_atomic("half \ud800 written", tmp_path / "r.html")  # a lone surrogate
    assert list(tmp_path.iterdir()) == []


def test_output_path_names_what_is_wrong(tmp_path):
    with pytest.raises(ValueError, match="is a folder; give the report's file name"):
        output_path(tmp_path)
    with pytest.raises(MissingFileError, match="folder not found"):
        output_path(tmp_path / "nope" / "r.html")
    with pytest.raises(TypeError, match="out must be a path"):
        output_path(3)


def test_html_table_escapes_caption_and_headers_not_cells():
    text = html_table("<caption>", ["<b>"], [["&amp;"]], "text")
    assert text.startswith('<table class="text"><caption>&lt;caption&gt;</caption>')
    assert "<th scope=\"col\">&lt;b&gt;</th>" in text and "<td>&amp;</td>" in text
