"""labkit.render: the HTML report is well-formed, self-contained and escapes every input
text; the Markdown model card lists every field and escapes its entries."""

import html.parser
import re
from pathlib import Path

import pytest

from labkit import render, report
from labkit.extract import read_predictions

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "synthetic_predictions.csv"
THRESHOLD = 0.15


@pytest.fixture(scope="module")
def result():
    predictions = read_predictions(EXAMPLE, outcome="readmitted_30d", score="predicted_risk",
                                   groups=["sex"])
    return report.audit(predictions, threshold=THRESHOLD)


VOID = {"meta", "img", "br", "hr", "link", "input", "col", "source", "wbr"}


class _Balance(html.parser.HTMLParser):
    """Every element closed, in order; the tags, the text and the img attributes seen."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags, self.text, self.images = [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unexpected </{tag}>")

    def handle_data(self, data):
        self.text.append(data)


def _parse(text: str) -> _Balance:
    parser = _Balance()
    parser.feed(text)
    parser.close()
    return parser


def test_html_is_well_formed_self_contained_and_escapes_input(tmp_path, hostile_predictions):
    predictions, evil = hostile_predictions
    result = report.audit(predictions, threshold=0.5, intersections=["grp <b>,sex"],
                          card={"model": evil})
    out = report.write_html(result, tmp_path / "r.html", title=f"Title {evil}")
    text = out.read_text(encoding="utf-8")
    parsed = _parse(text)
    assert parsed.errors == [] and parsed.stack == []
    assert "script" not in parsed.tags
    assert "<script" not in text and "<b>" not in text
    assert evil in "".join(parsed.text)  # shown as text
    assert "grp <b>" in "".join(parsed.text)
    assert not re.search(r'(src|href)="(?!data:|#)', text), "loads something from outside"
    assert parsed.images and all(i["src"].startswith("data:image/svg+xml;base64,")
                                 and len(i["alt"]) > 40 for i in parsed.images)
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]



def test_model_card_markdown_lists_every_field_and_what_is_missing(result, tmp_path):
    text = report.write_markdown(result, tmp_path / "card.md").read_text(encoding="utf-8")
    for heading, item, _ in report.CARD_FIELDS.values():
        assert f"## {render._heading(heading, item)}\n" in text
    assert text.count(report.PLACEHOLDER) == len(report.CARD_FIELDS)
    assert result.card_missing() == list(report.CARD_FIELDS)
    filled = report.audit(read_predictions(EXAMPLE, outcome="readmitted_30d",
                                           score="predicted_risk"), threshold=THRESHOLD,
                          card=dict.fromkeys(report.CARD_FIELDS, "written | <i>"))
    assert filled.card_missing() == []
    md = report.markdown(filled)
    assert report.PLACEHOLDER not in md and "written \\| &lt;i&gt;" in md




def test_groups_and_periods_with_no_events_or_no_flags_still_draw(tmp_path):
    """A group with no outcome events and nobody flagged, and months with no events: the
    rates that cannot be estimated are shown as such, and every error bar is drawn."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"y": (rng.random(400) < 0.3).astype(int),
                          "p": rng.uniform(0.01, 0.6, 400), "g": ["a"] * 390 + ["z"] * 10,
                          "d": pd.date_range("2020-01-01", periods=400, freq="D").astype(str)})
    frame.loc[frame["g"] == "z", ["y", "p"]] = [0, 0.01]
    result = report.audit(read_predictions(frame, outcome="y", score="p", groups=["g"],
                                           time="d"), threshold=0.55, period="month")
    text = render._html(result, "t")
    assert _parse(text).errors == []
    assert "not estimable" in text
    assert np.isnan(result.by_group["g"].loc["z", "tpr"])
