"""Sphinx extension: repairs to the HTML the book's tools emit, for screen readers,
phones, paper and slow connections. Loaded from _config.yml
(``sphinx.local_extensions``); it is one file so that ``tools/bench.py`` and
``tests/test_build.py`` can copy it beside the book.

1. **Bibliography list.** docutils writes each entry as
   ``<div role="doc-biblioentry">`` inside ``<div role="list">``.
   ``doc-biblioentry`` is deprecated (DPUB-ARIA 1.1) and is not a list item, so
   screen readers meet a list with no items (axe: ``aria-required-children``,
   critical). Entries get the ``listitem`` role the list requires.
2. **Solution toggles.** myst-nb names every hidden-cell toggle "Toggle hidden
   content", whatever it hides. The name now comes from the visible words
   ("Show solution" / "Hide solution") plus, for screen readers, the section the
   cell is in ("Show solution (Exercise 0.1)").
3. **Citations.** sphinxcontrib-bibtex's author-year style cites "(Obermeyer et
   al., 2019)" but keeps the bibliography's alphabetic labels ("[OPVM19]"),
   since docutils needs a label for every entry. The ``author_year_labels``
   bibliography style labels each entry with the text its citation shows, a
   letter added to the year when two entries would read the same ("2024a",
   "2024b"), and the ``author_year_round`` reference style puts that same year,
   letter included, in the citation, in round brackets.
4. **MathJax only where there is maths.** Sphinx loads MathJax on a page that
   has maths or whose toctree includes a page that has (meant for singlehtml),
   so the landing page loaded 1.2 MB of MathJax for none. It now loads on pages
   with maths of their own.
5. **Icons and search scripts.** pydata-sphinx-theme loads Font Awesome twice:
   ``fontawesome.js`` (1.5 MB, turns ``<i class="fa-...">`` into SVG) and the
   same icons as web fonts (275 kB). After the build, pages stop loading the
   script; the web font, cut to the glyphs the site uses (a few kB), draws the
   icons, and icons are hidden from screen readers as the script did (their
   buttons carry the names). Pages other than search.html also stop loading the
   search index and Sphinx's search code (160 kB), which the theme loads for a
   search-as-you-type box this book does not switch on.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from types import MappingProxyType
from typing import Any

from docutils import nodes
from pybtex.backends.plaintext import Backend as PlaintextBackend
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinxcontrib.bibtex.plugin import register_plugin as register_bibtex_plugin
from sphinxcontrib.bibtex.style.referencing import (
    BracketStyle,
    GroupReferenceStyle,
    PersonStyle,
)
from sphinxcontrib.bibtex.style.referencing.basic_author_year import (
    BasicAuthorYearParentheticalReferenceStyle,
    BasicAuthorYearTextualReferenceStyle,
)
from sphinxcontrib.bibtex.style.referencing.extra_author import ExtraAuthorReferenceStyle
from sphinxcontrib.bibtex.style.referencing.extra_empty import ExtraEmptyReferenceStyle
from sphinxcontrib.bibtex.style.referencing.extra_label import ExtraLabelReferenceStyle
from sphinxcontrib.bibtex.style.referencing.extra_year import ExtraYearReferenceStyle
from sphinxcontrib.bibtex.style.template import (
    join,
    join2,
    node,
    post_text,
    pre_text,
    reference,
    year,
)

# ------------------------------------------------------------- 1. bibliography list

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


# ------------------------------------------------------------ 2. solution toggles

GENERIC_NAME = ' aria-label="Toggle hidden content"'
PROMPT = re.compile(r'(<p class="(?:collapsed|expanded) admonition-title">)(.*?)(</p>)')


def name_toggle(markup: str, context: str) -> str:
    """Drop myst-nb's generic name from a hidden-cell toggle so that its visible
    words name it, and add ``context`` (the section title) for screen readers.

    >>> name_toggle('<summary aria-label="Toggle hidden content">\\n'
    ...             '<p class="collapsed admonition-title">Show solution</p>', 'Exercise 1')
    '<summary>\\n<p class="collapsed admonition-title">Show solution<span \
class="visually-hidden"> (Exercise 1)</span></p>'
    """
    markup = markup.replace(GENERIC_NAME, "")
    if not context:
        return markup
    hidden = f'<span class="visually-hidden"> ({escape(context)})</span>'
    return PROMPT.sub(lambda m: m.group(1) + m.group(2) + hidden + m.group(3), markup)


def _section_title(node_: nodes.Node) -> str:
    section = node_.parent
    while section is not None and not isinstance(section, nodes.section):
        section = section.parent
    title = section.next_node(nodes.title) if section is not None else None
    return title.astext() if title is not None else ""


def _toggle_visitor(original: Any) -> Any:
    def visit(translator: Any, node_: nodes.Element) -> None:
        start = len(translator.body)
        original(translator, node_)
        added = "".join(translator.body[start:])
        translator.body[start:] = [name_toggle(added, _section_title(node_))]
    return visit


# ---------------------------------------------------------------- 3. citations

#: Between the names and the year, in labels and in parenthetical citations.
AUTHOR_YEAR_SEP = ", "
_PERSON = PersonStyle()


class _LabelText(PlaintextBackend):
    """Plain text with the characters the HTML citations use: "Van\u00a0Calster"
    keeps its no-break space, as it does in the citation."""

    symbols = MappingProxyType({"ndash": "\u2013", "newblock": " ", "nbsp": "\u00a0"})


class _NamesStyle:
    """What sphinxcontrib-bibtex's name templates read from the style: how to
    write the names (the same :class:`PersonStyle` its author-year style uses)."""

    person = _PERSON


def base_label(entry: Any) -> str:
    """The text an author-year citation of ``entry`` shows, as plain text.

    >>> from pybtex.database import Entry, Person
    >>> e = Entry("article", fields={"year": "2019"},
    ...           persons={"author": [Person("Obermeyer, Ziad"), Person("Powers, Brian"),
    ...                               Person("Vogeli, Christine")]})
    >>> base_label(e)
    'Obermeyer et al., 2019'
    """
    template = join(sep=AUTHOR_YEAR_SEP)[_PERSON.author_or_editor_or_title(full=False), year]
    return template.format_data({"entry": entry, "style": _NamesStyle}).render(_LabelText())


class AuthorYearLabelStyle(BaseLabelStyle):
    """Bibliography labels that read like the citations: "Obermeyer et al., 2019",
    with a, b, ... after the year (in bibliography order) when two entries would
    otherwise share a label; sphinxcontrib-bibtex stops on duplicate labels."""

    def format_labels(self, sorted_entries: Any) -> list[str]:
        entries = list(sorted_entries)
        bases = [base_label(entry) for entry in entries]
        repeated = {b for b, count in Counter(bases).items() if count > 1}
        seen: Counter[str] = Counter()
        labels = []
        for base in bases:
            if base in repeated:
                labels.append(base + "abcdefghijklmnopqrstuvwxyz"[seen[base]])
                seen[base] += 1
            else:
                labels.append(base)
        return labels


class AuthorYearStyle(PlainStyle):
    """pybtex's ``plain`` style (sorted by author, year, title) with author-year labels."""

    default_label_style = AuthorYearLabelStyle


@node
def label_year(children: Any, data: dict) -> Text:
    """The year as the entry's bibliography label shows it ("2024a" where needed)."""
    assert not children
    return Text(data["formatted_entry"].label.rpartition(AUTHOR_YEAR_SEP)[2])


@dataclass
class _Parenthetical(BasicAuthorYearParentheticalReferenceStyle):
    def inner(self, role_name: str) -> Any:
        # sphinxcontrib-bibtex 2.6's template with label_year for year.
        return join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
            pre_text,
            reference[join(sep=self.author_year_sep)[
                self.person.author_or_editor_or_title(full="s" in role_name), label_year]],
            post_text,
        ]


@dataclass
class _Textual(BasicAuthorYearTextualReferenceStyle):
    def inner(self, role_name: str) -> Any:
        # sphinxcontrib-bibtex 2.6's template with label_year for year.
        return join(sep=self.text_reference_sep)[
            self.person.author_or_editor_or_title(full="s" in role_name),
            join[self.bracket.left,
                 join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
                     pre_text, reference[label_year], post_text],
                 self.bracket.right],
        ]


@dataclass
class _Year(ExtraYearReferenceStyle):
    def inner(self, role_name: str) -> Any:
        return reference[label_year]


def _round() -> BracketStyle:
    return BracketStyle(left="(", right=")")


@dataclass
class AuthorYearRoundReferenceStyle(GroupReferenceStyle):
    """Citations "(Obermeyer et al., 2019)" and "Obermeyer et al. (2019)", the year
    taken from the bibliography label so that both always agree."""

    bracket: BracketStyle = field(default_factory=_round)
    person: PersonStyle = field(default_factory=PersonStyle)

    def __post_init__(self) -> None:
        self.styles.extend([
            _Parenthetical(bracket=self.bracket, person=self.person,
                           author_year_sep=AUTHOR_YEAR_SEP),
            _Textual(bracket=self.bracket, person=self.person),
            ExtraAuthorReferenceStyle(bracket=self.bracket, person=self.person),
            ExtraLabelReferenceStyle(bracket=self.bracket),
            _Year(bracket=self.bracket),
            ExtraEmptyReferenceStyle(),
        ])
        super().__post_init__()


# ---------------------------------------------------------------- 4. MathJax


def _mathjax_only_with_maths(app: Any, pagename: str, templatename: str, context: dict,
                             doctree: Any) -> None:
    """Drop the MathJax scripts Sphinx added to a page with no maths of its own."""
    scripts = context.get("script_files")
    mathjax_path = getattr(app.config, "mathjax_path", "")
    if not scripts or not mathjax_path:
        return
    if app.env.get_domain("math").data["has_equations"].get(pagename, False):
        return
    mathjax = mathjax_path if "://" in mathjax_path else posixpath.join("_static", mathjax_path)
    scripts[:] = [js for js in scripts
                  if getattr(js, "filename", js) != mathjax
                  and not getattr(js, "attributes", {}).get("body", "").startswith(
                      "window.MathJax")]


# ------------------------------------------------- 5. icons and search scripts

FONTAWESOME_JS = re.compile(
    r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')
SEARCH_JS = re.compile(
    r'[ \t]*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js'
    r'|searchindex\.js)"></script>\n?')
ICON_TAG = re.compile(r'<(?:i|span) [^>]*?class="[^"]*\bfa-[a-z0-9-]+[^"]*"[^>]*>')
ICON_CLASS = re.compile(r'class="([^"]*)"')
#: ``.fa-bars:before,.fa-navicon:before{content:"\f0c9"}`` in the theme's CSS.
ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:{1,2}before,?)+)\{content:"\\([0-9a-f]{4,5})"\}')
#: An icon code point in CSS, escaped ("\\f0c9") or as the character itself.
PRIVATE_USE = re.compile(r'"\\([ef][0-9a-f]{3})"|([\ue000-\uf8ff])')
#: Font Awesome's web fonts in the theme, and the @font-face each one backs.
ICON_FONTS = {
    "fa-solid-900": ('"Font Awesome 6 Free"', 900),
    "fa-regular-400": ('"Font Awesome 6 Free"', 400),
    "fa-brands-400": ('"Font Awesome 6 Brands"', 400),
}
WEBFONTS = "_static/vendor/fontawesome/webfonts"
ICON_CSS = "labkit-icons.css"


def trim_page(html: str, search_page: bool = False) -> str:
    """Return a built page without fontawesome.js (and, unless it is the search
    page, without the search scripts), its icons hidden from screen readers.

    >>> trim_page('<head>\\n  <script defer src="../_static/scripts/fontawesome.js?d=1">'
    ...           '</script>\\n<script src="../searchindex.js"></script>\\n</head>'
    ...           '<button title="Menu"><span class="fa-solid fa-bars"></span></button>')
    '<head>\\n</head><button title="Menu"><span class="fa-solid fa-bars" \
aria-hidden="true"></span></button>'
    """
    html = FONTAWESOME_JS.sub("", html)
    if not search_page:
        html = SEARCH_JS.sub("", html)

    def hide(match: re.Match) -> str:
        tag = match.group(0)
        return tag if "aria-hidden" in tag else tag[:-1] + ' aria-hidden="true">'

    return ICON_TAG.sub(hide, html)


def icon_codepoints(pages: list[str], stylesheets: list[str]) -> set[int]:
    """Code points of every icon the site can show: those named by ``fa-*``
    classes in ``pages`` and those the theme's CSS puts in pseudo-elements.

    >>> css = '.fa-bars:before{content:"\\\\f0c9"}.fa-x:before{content:"\\\\f00d"}' \\
    ...       '.admonition-title:after{content:"\\\\f05a"}:root{--pst-icon-bell:"\\uf0f3"}'
    >>> sorted(hex(c) for c in icon_codepoints(['<i class="fa-solid fa-bars">'], [css]))
    ['0xf05a', '0xf0c9', '0xf0f3']
    """
    by_class: dict[str, int] = {}
    theme_own: set[int] = set()
    for css in stylesheets:
        for selectors, code in ICON_RULE.findall(css):
            for name in re.findall(r"\.(fa-[a-z0-9-]+)", selectors):
                by_class[name] = int(code, 16)
        theme_own |= {int(escaped, 16) if escaped else ord(char)
                      for escaped, char in PRIVATE_USE.findall(ICON_RULE.sub("", css))}
    used = {name for page in pages for tag in ICON_TAG.findall(page)
            for classes in ICON_CLASS.findall(tag) for name in classes.split()}
    return theme_own | {by_class[name] for name in used if name in by_class}


def _unicode_range(codepoints: set[int]) -> str:
    return ",".join(f"U+{c:X}" for c in sorted(codepoints))


def write_icon_fonts(outdir: Path, codepoints: set[int]) -> str:
    """Subset the theme's Font Awesome fonts to ``codepoints`` (WOFF files in
    ``_static/fonts``); return the @font-face rules that use them.

    fontTools (installed with matplotlib) reads the theme's TrueType files: its
    WOFF2 reader needs brotli, which the kit does not install. Each rule's
    unicode-range lists only the kept glyphs, so an icon missed here falls back
    to the theme's full font instead of going blank.
    """
    from fontTools import subset

    fonts = outdir / "_static" / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    rules = []
    for name, (family, weight) in ICON_FONTS.items():
        source = outdir / WEBFONTS / f"{name}.ttf"
        if not source.is_file():
            continue
        options = subset.Options()
        options.flavor = "woff"
        options.name_IDs = ["*"]          # keep the copyright and licence records
        options.notdef_outline = True
        font = subset.load_font(str(source), options)
        kept = codepoints & set(font.getBestCmap())
        if not kept:
            continue
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=kept)
        subsetter.subset(font)
        subset.save_font(font, str(fonts / f"{name}.subset.woff"), options)
        rules.append(
            f"@font-face{{font-family:{family};font-style:normal;font-weight:{weight};"
            f'font-display:block;src:url(fonts/{name}.subset.woff) format("woff");'
            f"unicode-range:{_unicode_range(kept)}}}")
    return "\n".join(rules) + "\n"


def _html_pages(outdir: Path) -> list[Path]:
    return sorted(p for p in outdir.rglob("*.html")
                  if "_static" not in p.relative_to(outdir).parts)


def _lighten_site(app: Any, exception: BaseException | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    pages = _html_pages(outdir)
    search_page = outdir / "search.html"
    texts = {}
    for path in pages:
        text = path.read_text(encoding="utf-8")
        trimmed = trim_page(text, search_page=path == search_page)
        if trimmed != text:
            path.write_text(trimmed, encoding="utf-8")
        texts[path] = trimmed
    stylesheets = [p.read_text(encoding="utf-8")
                   for p in sorted((outdir / "_static").rglob("*.css"))
                   if p.name != ICON_CSS]
    rules = write_icon_fonts(outdir, icon_codepoints(list(texts.values()), stylesheets))
    (outdir / "_static" / ICON_CSS).write_text(
        "/* Written by tools/sphinx_a11y.py: Font Awesome cut to the icons this site"
        " shows. */\n" + rules, encoding="utf-8")


# ---------------------------------------------------------------------- setup


def setup(app: Any) -> dict[str, Any]:
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput, visit_HideCellInput

    register_plugin("pybtex.style.labels", "author_year_labels", AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", "author_year_labels", AuthorYearStyle)
    register_bibtex_plugin("sphinxcontrib.bibtex.style.referencing", "author_year_round",
                           AuthorYearRoundReferenceStyle)
    app.add_node(HideCodeCellNode, override=True,
                 html=(_toggle_visitor(visit_HideCellInput), depart_HideCellInput))
    app.connect("html-page-context", _page_context)
    # After sphinx.ext.mathjax (priority 500) has added its scripts.
    app.connect("html-page-context", _mathjax_only_with_maths, priority=600)
    app.add_css_file(ICON_CSS, priority=900)
    app.connect("build-finished", _lighten_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "2"}
