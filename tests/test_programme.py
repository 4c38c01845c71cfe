"""labkit.programme: pre/post programme evaluation, its strict reader, report and CLI.

Expected numbers are recomputed here, independently of labkit, from the shipped
SYNTHETIC example with pandas and scipy: scipy.stats.ttest_rel for the paired
test and its interval, numpy for d_z, groupby for difficulty and gains,
scipy.stats.pointbiserialr / np.corrcoef for discrimination, crosstabs for the
McNemar counts.
"""

import base64
import math
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from labkit import cli, datasets, programme

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "prepost_scores_synthetic.csv"
EXACT = 1e-9
# No example database: the tests must not write into the repository.
FAST = settings(max_examples=40, deadline=None, database=None)


@pytest.fixture(scope="module")
def result() -> programme.Result:
    return programme.evaluate(EXAMPLE)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(EXAMPLE)


def percent(raw: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Percent correct per learner (and ``by``), one column per phase."""
    return (raw.groupby(["learner_id", *by, "phase"])["score"].mean() * 100).unstack("phase")


def matrix(raw: pd.DataFrame, phase: str) -> pd.DataFrame:
    return raw[raw["phase"] == phase].pivot(index="learner_id", columns="item_id",
                                            values="score")


# --- (a) numbers against an independent computation ------------------------------------


def test_headline_numbers_match_scipy_paired_t(result, raw):
    pct = percent(raw, [])
    test = stats.ttest_rel(pct["post"], pct["pre"])
    ci = test.confidence_interval(0.95)
    assert result.n_learners == 30 and result.n_items == 16 and result.df == 29
    assert result.mean_pre == pytest.approx(pct["pre"].mean(), abs=EXACT)
    assert result.mean_post == pytest.approx(pct["post"].mean(), abs=EXACT)
    assert result.mean_gain == pytest.approx((pct["post"] - pct["pre"]).mean(), abs=EXACT)
    assert result.t_statistic == pytest.approx(test.statistic, abs=EXACT)
    assert result.p_value == pytest.approx(test.pvalue, rel=EXACT)
    assert result.gain_ci == pytest.approx((ci.low, ci.high), abs=EXACT)


def test_per_learner_scores_match_groupby(result, raw):
    pct = percent(raw, [])
    pct.index = pct.index.astype(str)
    got = result.learners.loc[pct.index]
    np.testing.assert_allclose(got["pre_pct"], pct["pre"], atol=EXACT)
    np.testing.assert_allclose(got["gain_pct"], pct["post"] - pct["pre"], atol=EXACT)
    room = 100 - pct["pre"]
    expected_g = np.where(room > 0, (pct["post"] - pct["pre"]) / room.where(room > 0), np.nan)
    np.testing.assert_allclose(got["normalised_gain"], expected_g, atol=EXACT)
    class_g = (pct["post"].mean() - pct["pre"].mean()) / (100 - pct["pre"].mean())
    assert result.normalised_gain == pytest.approx(class_g, abs=EXACT)


def test_cohens_dz_and_its_noncentral_t_interval(result, raw):
    pct = percent(raw, [])
    gains = (pct["post"] - pct["pre"]).to_numpy()
    n = len(gains)
    d = gains.mean() / gains.std(ddof=1)
    assert result.d_z == pytest.approx(d, abs=EXACT)
    assert result.sd_gain == pytest.approx(gains.std(ddof=1), abs=EXACT)
    # The bounds are the effect sizes whose noncentral t puts the observed t at 97.5%
    # and 2.5% (Cumming and Finch 2001): check that definition directly.
    lo, hi = result.d_z_ci
    t = d * math.sqrt(n)
    assert stats.nct.cdf(t, n - 1, lo * math.sqrt(n)) == pytest.approx(0.975, abs=1e-9)
    assert stats.nct.cdf(t, n - 1, hi * math.sqrt(n)) == pytest.approx(0.025, abs=1e-9)
    # ... and it is close to the large-sample normal approximation,
    # SE = sqrt(1/n + d^2 / (2n)).
    se = math.sqrt(1 / n + d**2 / (2 * n))
    assert lo == pytest.approx(d - 1.96 * se, abs=0.06)
    assert hi == pytest.approx(d + 1.96 * se, abs=0.06)
    # Hedges' correction J(m) with m = n - 1, exact and against 1 - 3/(4m - 1).
    m = n - 1
    j = special.gamma(m / 2) / (math.sqrt(m / 2) * special.gamma((m - 1) / 2))
    assert result.hedges_j == pytest.approx(j, rel=1e-12)
    assert result.hedges_j == pytest.approx(1 - 3 / (4 * m - 1), abs=1e-3)
    assert result.g_z == pytest.approx(j * d, abs=EXACT)


def test_item_difficulty_matches_groupby(result, raw):
    p = raw.groupby(["item_id", "phase"])["score"].mean().unstack("phase")
    got = result.items.loc[p.index]
    np.testing.assert_allclose(got["difficulty_pre"], p["pre"], atol=EXACT)
    np.testing.assert_allclose(got["difficulty_post"], p["post"], atol=EXACT)


@pytest.mark.parametrize("phase", ["pre", "post"])
def test_discrimination_is_the_corrected_item_total_point_biserial(result, raw, phase):
    m = matrix(raw, phase)
    column = f"discrimination_{phase}"
    checked = 0
    for item in m.columns:
        x, rest = m[item].to_numpy(), m.drop(columns=item).sum(axis=1).to_numpy()
        if x.std() == 0 or rest.std() == 0:
            assert math.isnan(result.items.loc[item, column]), item
            continue
        r = stats.pointbiserialr(x, rest).statistic
        assert result.items.loc[item, column] == pytest.approx(r, abs=EXACT), item
        assert r == pytest.approx(np.corrcoef(x, rest)[0, 1], abs=EXACT)
        checked += 1
    assert checked >= 14


def test_flags_follow_the_thresholds(result):
    for item, row in result.items.iterrows():
        for phase in ("pre", "post"):
            flags, p = row[f"flags_{phase}"], row[f"difficulty_{phase}"]
            r = row[f"discrimination_{phase}"]
            assert ("easy" in flags) == (p > 0.9), item
            assert ("hard" in flags) == (p < 0.2), item
            low = not math.isnan(r) and 0 <= r < 0.2
            assert ("low discrimination" in flags) == low, item
            assert ("negative discrimination" in flags) == (not math.isnan(r) and r < 0), item
    # The generator's built-in flaws are found (datasheet: q04 easy, q15 miskeyed, q16 hard).
    assert "negative discrimination" in result.items.loc["q15", "flags_pre"]
    assert "negative discrimination" in result.items.loc["q15", "flags_post"]
    assert "easy" in result.items.loc["q04", "flags_post"]
    assert "hard" in result.items.loc["q16", "flags_pre"]


def test_mcnemar_counts_match_crosstab(result, raw):
    wide = raw.pivot_table(index=["learner_id", "item_id"], columns="phase", values="score")
    for item, g in wide.groupby(level="item_id"):
        table = pd.crosstab(g["pre"], g["post"]).reindex(index=[0, 1], columns=[0, 1],
                                                         fill_value=0)
        b, c = int(table.loc[0, 1]), int(table.loc[1, 0])
        row = result.items.loc[item]
        assert (row["wrong_to_right"], row["right_to_wrong"]) == (b, c), item
        if b + c:
            expected = min(1.0, 2 * stats.binom.cdf(min(b, c), b + c, 0.5))
            assert row["mcnemar_p"] == pytest.approx(expected, abs=EXACT), item
        else:
            assert math.isnan(row["mcnemar_p"])


def test_gain_by_objective_matches_pandas(result, raw):
    pct = percent(raw, ["objective"])
    gain = (pct["post"] - pct["pre"]).unstack("objective")
    assert list(result.objectives.index) == ["O1", "O2", "O3", "O4"]
    for code in gain.columns:
        row = result.objectives.loc[code]
        pre = pct["pre"].unstack("objective")[code]
        post = pct["post"].unstack("objective")[code]
        test = stats.ttest_rel(post, pre)
        ci = test.confidence_interval()
        assert row["n_items"] == raw.loc[raw["objective"] == code, "item_id"].nunique()
        assert row["mean_gain"] == pytest.approx(gain[code].mean(), abs=EXACT)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high), abs=EXACT)
        assert row["p_value"] == pytest.approx(test.pvalue, rel=1e-9)


def test_datasheet_states_the_example_numbers(result):
    text = " ".join((ROOT / "datasets" / "prepost_scores_synthetic.md").read_text().split())
    lo, hi = result.gain_ci
    dlo, dhi = result.d_z_ci
    assert (f"mean score {result.mean_pre:.1f}% before and {result.mean_post:.1f}% after, a "
            f"mean paired gain of {result.mean_gain:.1f} percentage points (95% CI {lo:.1f} to "
            f"{hi:.1f}), Cohen's d_z {result.d_z:.2f} (95% CI {dlo:.2f} to {dhi:.2f})") in text
    gains = ", ".join(f"{c} {g:.1f}" for c, g in result.objectives["mean_gain"][:-1].items())
    last = result.objectives.index[-1]
    assert f"{gains} and {last} {result.objectives['mean_gain'].iloc[-1]:.1f} points" in text
    fell = int((result.learners["gain_pct"] < 0).sum())
    assert f"{['No', 'One', 'Two', 'Three', 'Four'][fell]} learners scored lower" in text


def test_loader_and_reader_agree():
    loaded = datasets.load_prepost_scores()
    a = programme.evaluate(loaded)
    b = programme.evaluate(EXAMPLE)
    assert a.mean_gain == b.mean_gain and a.d_z == b.d_z and a.source == "prepost_scores"
    allowed = {c.name: c.allowed for c in datasets.card("prepost_scores").columns}
    assert allowed["item_id"] == tuple(i.item_id for i in programme.SYNTHETIC_ITEMS)
    assert set(allowed["objective"]) == set(programme.SYNTHETIC_GAINS)
    assert allowed["phase"] == programme.PHASES


def test_generator_is_seeded_and_follows_its_model():
    a = programme.synthetic_scores(n_learners=5, seed=7)
    pd.testing.assert_frame_equal(a, programme.synthetic_scores(n_learners=5, seed=7))
    assert not a.equals(programme.synthetic_scores(n_learners=5, seed=8))
    pd.testing.assert_frame_equal(programme.synthetic_scores(), pd.read_csv(EXAMPLE))
    # With many learners the built-in gains show: O1-O3 were taught (gains of 1-2 logits),
    # O4 barely (0.2 logits, and its miskeyed q15 moves the other way); q15 stays miskeyed.
    big = programme.evaluate(programme.synthetic_scores(n_learners=1500, seed=1))
    g = big.objectives["mean_gain"]
    assert min(g["O1"], g["O2"], g["O3"]) > 15 and abs(g["O4"]) < 5
    assert big.items.loc["q15", "discrimination_post"] < 0


# --- (b) every bad input: one line naming the column and rows; CLI exit 2, no report ----

HEADER = "learner_id,phase,item_id,score,objective"
GOOD = [  # file lines 2-13
    "1,pre,q1,0,A", "1,pre,q2,1,B", "1,post,q1,1,A", "1,post,q2,1,B",
    "2,pre,q1,0,A", "2,pre,q2,0,B", "2,post,q1,1,A", "2,post,q2,0,B",
    "3,pre,q1,1,A", "3,pre,q2,0,B", "3,post,q1,1,A", "3,post,q2,1,B",
]


def csv_text(rows: list[str], header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def changed(line: int, new: str) -> list[str]:
    """GOOD with file line ``line`` (header = 1) replaced."""
    rows = list(GOOD)
    rows[line - 2] = new
    return rows


def without(*lines: int) -> list[str]:
    return [r for i, r in enumerate(GOOD, start=2) if i not in lines]


BAD = {
    "missing column": (csv_text([r.replace(",A", "").replace(",B", "") for r in GOOD],
                                "learner,phase,item_id,score"),
                       ["missing column 'learner_id'", "found: 'learner'"]),
    "missing learner id": (csv_text(changed(4, ",post,q1,1,A")),
                           ["column 'learner_id' is empty at line 4"]),
    "phase other than pre/post": (csv_text(changed(5, "1,mid,q2,1,B")),
                                  ["column 'phase' must be 'pre' or 'post'", "line 5 ('mid')"]),
    "phase in capitals": (csv_text(changed(2, "1,Pre,q1,0,A")),
                          ["column 'phase'", "lower case", "line 2 ('Pre')"]),
    "score above 1": (csv_text(changed(6, "2,pre,q1,2,A")),
                      ["column 'score' must be 0 or 1", "outside [0, 1]", "line 6 ('2')"]),
    "negative score": (csv_text(changed(7, "2,pre,q2,-1,B")),
                       ["column 'score'", "outside [0, 1]", "line 7 ('-1')"]),
    "partial credit": (csv_text(changed(7, "2,pre,q2,0.5,B")),
                       ["column 'score' must be 0 or 1", "partial credit", "line 7 ('0.5')"]),
    "score not a number": (csv_text(changed(8, "2,post,q1,yes,A")),
                           ["column 'score' holds values that are not numbers",
                            "line 8 ('yes')"]),
    "missing score": (csv_text(changed(9, "2,post,q2,,B")),
                      ["column 'score' is empty at line 9"]),
    "answered twice": (csv_text([*GOOD, "1,pre,q1,1,A"]),
                       ["'learner_id', 'phase', 'item_id'", "learner '1' answered item 'q1' 2 "
                        "times in phase 'pre' (lines 2, 14)"]),
    "unmatched pairs": (csv_text([*GOOD, "4,pre,q1,1,A", "4,pre,q2,1,B", "5,post,q1,1,A",
                                  "5,post,q2,0,B"]),
                        ["column 'learner_id': unmatched pairs", "1 with only a pre-test: '4'",
                         "1 with only a post-test: '5'"]),
    "learner missing an item": (csv_text(without(9)),
                                ["column 'item_id'", "learner '2' has no post-test row for "
                                 "item 'q2'"]),
    "objective unknown": (csv_text([r.rsplit(",", 1)[0] for r in GOOD],
                                   "learner_id,phase,item_id,score"),
                          ["column 'item_id': no objective known for items 'q1', 'q2'"]),
    "objective empty": (csv_text(changed(11, "3,pre,q2,0,")),
                        ["column 'objective' is empty at line 11", "item 'q2'"]),
    "item with two objectives": (csv_text(changed(13, "3,post,q2,1,C")),
                                 ["column 'objective'", "item 'q2' is 'B' (line 3) and 'C' "
                                  "(line 13)"]),
    "one learner": (csv_text(GOOD[:4]), ["column 'learner_id': only 1 learner ('1')",
                                         "at least 2"]),
    "header only": (csv_text([]), ["has a header but no rows"]),
    "empty file": ("", ["file is empty"]),
    "many bad phases": (csv_text([r.replace(",pre,", ",before,") for r in GOOD]),
                        ["line 2 ('before'), line 3 ('before'), line 6 ('before'), line 7 "
                         "('before'), line 10 ('before') and 1 more"]),
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scores.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_naming_file_column_and_rows(case, tmp_path):
    text, fragments = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as info:
        programme.read_scores(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("case", sorted(BAD))
def test_cli_bad_input_exits_2_without_a_report(case, tmp_path, capsys):
    text, fragments = BAD[case]
    path = write(tmp_path, text)
    out = tmp_path / "report.html"
    if case == "objective unknown":  # the CLI looks the items up in the question bank
        fragments = ["no objective known for items 'q1', 'q2'", "question bank"]
    status = cli.main(["prepost", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("labkit: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv"]


def test_missing_file_is_also_a_file_not_found_error(tmp_path, capsys):
    gone = tmp_path / "nope.csv"
    with pytest.raises(FileNotFoundError, match="nope.csv: file not found"):
        programme.read_scores(gone)
    with pytest.raises(ValueError, match="nope.csv: file not found"):
        programme.read_scores(gone)
    assert cli.main(["prepost", str(gone), "--out", str(tmp_path / "r.html")]) == 2
    assert "nope.csv: file not found" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_blank_lines_are_skipped_but_line_numbers_kept(tmp_path):
    rows = [*GOOD[:3], "", *GOOD[3:]]
    rows[6] = "2,pre,q2,7,B"  # file line 8, after the blank line 5
    with pytest.raises(ValueError, match=r"line 8 \('7'\)"):
        programme.read_scores(write(tmp_path, csv_text(rows)))
    ok = programme.read_scores(write(tmp_path, csv_text([*GOOD[:3], "", *GOOD[3:]]) + "\n"))
    assert len(ok) == len(GOOD)


def test_accepts_decimals_items_mapping_and_frames(tmp_path):
    decimals = [re.sub(r",([01]),", r",\1.0,", r) for r in GOOD]
    a = programme.read_scores(write(tmp_path, csv_text(decimals)))
    assert a["score"].tolist() == [int(r.split(",")[3]) for r in GOOD]
    bare = [r.rsplit(",", 1)[0] for r in GOOD]
    b = programme.read_scores(write(tmp_path, csv_text(bare, "learner_id,phase,item_id,score")),
                              items={"q1": "A", "q2": "B"})
    assert b["objective"].tolist() == a["objective"].tolist()
    with pytest.raises(ValueError, match=r"no objective known for item 'q2' .*not in my map"):
        programme.read_scores(write(tmp_path, csv_text(bare, "learner_id,phase,item_id,"
                                                       "score")), items={"q1": "A"},
                              items_from="my map")
    frame = pd.read_csv(write(tmp_path, csv_text(GOOD)))
    frame.loc[5, "score"] = 3
    with pytest.raises(ValueError, match=r"^scores: column 'score' .* row 5 \('3'\)$"):
        programme.read_scores(frame)
    with pytest.raises(TypeError, match="path_or_frame must be"):
        programme.read_scores(42)  # type: ignore[arg-type]


def test_cli_takes_objectives_from_the_question_bank(tmp_path, capsys, monkeypatch):
    bare = [r.rsplit(",", 1)[0] for r in GOOD]
    path = write(tmp_path, csv_text(bare, "learner_id,phase,item_id,score"))
    out = tmp_path / "r.html"
    bank = {"q1": types.SimpleNamespace(objectives=("LK1.1", "LK1.2")),
            "q2": types.SimpleNamespace(objectives=("LK2.1",))}
    monkeypatch.setitem(sys.modules, "labkit.quiz", types.SimpleNamespace(by_id=lambda: bank))
    assert cli.main(["prepost", str(path), "--out", str(out)]) == 0
    assert "LK1.1" in out.read_text() and "LK1.2" not in out.read_text()
    assert "wrote" in capsys.readouterr().out
    # Without a question bank, the error says which items are unknown and why.
    monkeypatch.setitem(sys.modules, "labkit.quiz", None)
    out.unlink()
    assert cli.main(["prepost", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "items 'q1', 'q2'" in err and "question bank, which could not be read" in err
    assert not out.exists()


def test_cli_in_a_real_process_prints_no_traceback(tmp_path):
    bad = write(tmp_path, csv_text(changed(5, "1,mid,q2,1,B")))
    out = tmp_path / "bad.html"
    proc = subprocess.run([sys.executable, "-m", "labkit", "prepost", str(bad), "--out",
                           str(out)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "column 'phase'" in proc.stderr and not out.exists()


def test_cli_writes_the_report_of_the_example(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert cli.main(["prepost", str(EXAMPLE), "--out", str(out), "--title", "Workshop <1>"]) == 0
    printed = capsys.readouterr().out
    assert "mean paired gain of +15.6 percentage points" in printed and f"wrote {out}" in printed
    assert "<h1>Workshop &lt;1&gt;</h1>" in out.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


# --- (c) the report ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def page(result, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert programme.report(result, out, title="<script>alert('x')</script> & pre/post") == out
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.html"]
    return out.read_text(encoding="utf-8")


def test_report_is_self_contained(page):
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", page, re.I)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) == 2 and all(s.startswith("data:image/png;base64,") for s in sources)
    for s in sources:
        assert base64.b64decode(s.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")


def test_report_escapes_the_title(page):
    assert "<script" not in page
    assert "<title>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; pre/post</title>" in page
    assert "<h1>&lt;script&gt;" in page


def test_report_alt_text_states_the_computed_numbers(page, result):
    alts = re.findall(r'alt="([^"]*)"', page)
    assert len(alts) == 2
    lo, hi = result.gain_ci
    assert f"{result.mean_pre:.1f}% to {result.mean_post:.1f}%" in alts[0]
    assert f"{result.mean_gain:+.1f} points (95% CI {lo:+.1f} to {hi:+.1f})" in alts[0]
    for code, row in result.objectives.iterrows():
        assert f"{code} {row['mean_gain']:+.1f} points (95% CI {row['ci_low']:+.1f}" in alts[1]


def test_report_has_the_tables(page, result):
    assert page.count("<table>") == 4
    assert "negative discrimination (check the key)" in page
    for item in result.items.index:
        assert f"<td>{item}</td>" in page


def test_report_escapes_ids_from_the_data(tmp_path):
    rows = [r.replace("1,", "<b>1</b>,", 1) if r.startswith("1,") else r for r in GOOD]
    rows = [r.replace(",A", ",<i>A</i>") for r in rows]
    out = programme.report(programme.evaluate(write(tmp_path, csv_text(rows))),
                           tmp_path / "r.html")
    text = out.read_text()
    assert "<b>" not in text and "<i>" not in text
    assert "&lt;b&gt;1&lt;/b&gt;" in text and "&lt;i&gt;A&lt;/i&gt;" in text


def test_report_failure_leaves_no_file(result, tmp_path, monkeypatch):
    out = tmp_path / "r.html"
    out.write_text("the previous report")

    def broken(*args: object) -> str:
        raise ValueError("figure failed")

    monkeypatch.setattr(programme, "_html", broken)
    with pytest.raises(ValueError, match="figure failed"):
        programme.report(result, out)
    assert out.read_text() == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]

    def write_fails(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.undo()
    monkeypatch.setattr(programme.os, "replace", write_fails)
    with pytest.raises(OSError, match="disk full"):
        programme.report(result, out)
    assert out.read_text() == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_report_refuses_a_missing_folder_or_a_folder(result, tmp_path):
    with pytest.raises(FileNotFoundError, match="folder not found"):
        programme.report(result, tmp_path / "no" / "r.html")
    with pytest.raises(ValueError, match="is a folder"):
        programme.report(result, tmp_path)
    with pytest.raises(TypeError, match="result must be a Result"):
        programme.report({}, tmp_path / "r.html")  # type: ignore[arg-type]


# --- (d) properties ---------------------------------------------------------------------


@st.composite
def courses(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(2, 7))
    k = draw(st.integers(2, 5))
    cells = st.lists(st.integers(0, 1), min_size=n * k, max_size=n * k)
    rows = []
    for phase in ("pre", "post"):
        scores = draw(cells)
        rows += [(f"L{i}", phase, f"q{j}", scores[i * k + j], f"O{j % 2}")
                 for i in range(n) for j in range(k)]
    return pd.DataFrame(rows, columns=[*programme.COLUMNS, "objective"])


@given(courses())
@FAST
def test_intervals_contain_their_estimates(frame):
    r = programme.evaluate(frame)
    assert r.gain_ci[0] <= r.mean_gain + 1e-9 and r.mean_gain <= r.gain_ci[1] + 1e-9
    if not math.isnan(r.d_z) and not math.isnan(r.d_z_ci[0]) and not math.isnan(r.d_z_ci[1]):
        assert r.d_z_ci[0] <= r.d_z <= r.d_z_ci[1]
    obj = r.objectives
    assert ((obj["ci_low"] <= obj["mean_gain"] + 1e-9)
            & (obj["mean_gain"] <= obj["ci_high"] + 1e-9)).all()
    assert -100 <= r.mean_gain <= 100


@given(courses())
@FAST
def test_swapping_pre_and_post_negates_the_gain(frame):
    r = programme.evaluate(frame)
    swapped = frame.assign(phase=frame["phase"].map({"pre": "post", "post": "pre"}))
    s = programme.evaluate(swapped)
    assert s.mean_gain == pytest.approx(-r.mean_gain, abs=1e-9)
    assert s.gain_ci == pytest.approx((-r.gain_ci[1], -r.gain_ci[0]), abs=1e-9, nan_ok=True)
    assert s.d_z == pytest.approx(-r.d_z, abs=1e-9, nan_ok=True)
    assert s.p_value == pytest.approx(r.p_value, abs=1e-12, nan_ok=True)
    np.testing.assert_allclose(s.objectives["mean_gain"], -r.objectives["mean_gain"],
                               atol=1e-9)
    np.testing.assert_array_equal(s.items["wrong_to_right"], r.items["right_to_wrong"])
    np.testing.assert_allclose(s.items["discrimination_pre"], r.items["discrimination_post"],
                               atol=1e-12)
