"""labkit.report and ``labkit audit``: the numbers against independent computations on the
shipped example, the HTML (well-formed, escaped, self-contained), the model card, the CLI."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import average_precision_score, precision_score, roc_auc_score

from labkit import evaluate, render, report
from labkit.extract import read_predictions

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "datasets" / "synthetic_predictions.csv"
GROUPS = ["race_ethnicity", "sex", "age_band", "payer"]
THRESHOLD = 0.15
pytestmark = pytest.mark.xdist_group("report")


@pytest.fixture(scope="module")
def raw():
    return pd.read_csv(EXAMPLE)


@pytest.fixture(scope="module")
def result():
    predictions = read_predictions(EXAMPLE, outcome="readmitted_30d", score="predicted_risk",
                                   groups=GROUPS, time="admission_date", id="patient_id")
    return report.audit(predictions, threshold=THRESHOLD,
                        intersections=["race_ethnicity,sex"])


def test_overall_numbers_match_sklearn_and_labkit_evaluate(result, raw):
    y, p = raw["readmitted_30d"].to_numpy(), raw["predicted_risk"].to_numpy()
    o = result.overall
    assert result.n == len(raw) and result.events == int(y.sum())
    assert o["auroc"].value == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert o["auroc"].value == pytest.approx(evaluate.auroc(y, p), abs=1e-12)
    assert o["auroc"].low < o["auroc"].value < o["auroc"].high
    assert o["auprc"].value == pytest.approx(average_precision_score(y, p), abs=1e-12)
    a, b = evaluate.calibration_intercept_slope(y, p)
    assert (o["intercept"].value, o["slope"].value) == pytest.approx((a, b), abs=1e-9)
    assert o["oe"].value == pytest.approx(y.sum() / p.sum())
    assert o["brier"].value == pytest.approx(np.mean((p - y) ** 2))
    assert o["net_benefit"].value == pytest.approx(evaluate.net_benefit(y, p, THRESHOLD))
    assert o["treat_all"].value == pytest.approx(
        evaluate.treat_all_net_benefit(y.mean(), THRESHOLD))
    dc = evaluate.decision_curve(y, p, result.decision["threshold"])
    pd.testing.assert_frame_equal(result.decision, dc)


RATE_FUNCTIONS = {"tpr": true_positive_rate, "fpr": false_positive_rate,
                  "fnr": false_negative_rate, "selection_rate": selection_rate,
                  "ppv": lambda y_true, y_pred: precision_score(y_true, y_pred,
                                                                zero_division=np.nan)}


@pytest.mark.parametrize("columns", [["race_ethnicity"], ["sex"], ["age_band"], ["payer"],
                                     ["race_ethnicity", "sex"]])
def test_group_rates_match_fairlearn_on_every_patient(result, raw, columns):
    y = raw["readmitted_30d"].to_numpy()
    flag = (raw["predicted_risk"].to_numpy() >= THRESHOLD).astype(int)
    mf = MetricFrame(metrics=RATE_FUNCTIONS, y_true=y, y_pred=flag,
                     sensitive_features=raw[columns])
    table = result.by_group[" × ".join(columns)]
    expected = mf.by_group
    expected.index = [", ".join(map(str, i)) if isinstance(i, tuple) else str(i)
                      for i in expected.index]
    assert sorted(table.index) == sorted(expected.index)
    for rate in RATE_FUNCTIONS:
        assert table[rate].to_dict() == pytest.approx(expected[rate].to_dict(), nan_ok=True)


def test_group_counts_intervals_and_calibration_by_pandas(result, raw):
    table = result.by_group["age_band"]
    g = raw.groupby("age_band")
    assert table["n"].to_dict() == g.size().to_dict()
    assert table["events"].to_dict() == g["readmitted_30d"].sum().to_dict()
    citl = (g["readmitted_30d"].mean() - g["predicted_risk"].mean()).to_dict()
    assert table["citl"].to_dict() == pytest.approx(citl)
    for label, row in table.iterrows():
        assert (row.prevalence_low, row.prevalence_high) == pytest.approx(
            evaluate.wilson_interval(int(row.events), int(row.n)))
        assert (row.tpr_low, row.tpr_high) == pytest.approx(
            evaluate.wilson_interval(int(row.tp), int(row.events)))
        rows = raw["age_band"] == label
        assert row.auroc == pytest.approx(roc_auc_score(raw.loc[rows, "readmitted_30d"],
                                                        raw.loc[rows, "predicted_risk"]))


def test_disparities_are_differences_from_the_reference(result):
    table = result.by_group["sex"]
    ref = result.reference["sex"]
    assert ref == table["n"].idxmax()
    dis = result.disparities["sex"]
    for r in dis.itertuples():
        key = next(k for k, v in report.RATES.items() if v[0] == r.rate)
        assert r.difference == pytest.approx(table.loc[r.group, key] - table.loc[ref, key])
        assert r.difference_low < r.difference < r.difference_high


def test_over_time_counts_by_quarter(result, raw):
    quarters = pd.to_datetime(raw["admission_date"]).dt.to_period("Q").astype(str)
    expected = raw.groupby(quarters)["readmitted_30d"].agg(["size", "sum"])
    t = result.over_time.set_index("period")
    assert t["n"].to_dict() == expected["size"].to_dict()
    assert t["events"].to_dict() == expected["sum"].to_dict()
    assert result.date_range == (raw["admission_date"].min(), raw["admission_date"].max())


def test_threshold_table_and_summary(result, raw):
    row = result.thresholds.set_index("threshold").loc[THRESHOLD]
    assert row["flagged"] == (raw["predicted_risk"] >= THRESHOLD).sum()
    text = result.summary()
    assert f"{result.n:,} patients" in text and f"{result.overall['auroc'].value:.3f}" in text


def test_small_groups_and_a_group_of_one_are_flagged(tmp_path):
    frame = pd.DataFrame({"y": [0, 1] * 100, "p": np.linspace(0.05, 0.9, 200),
                          "site": ["A"] * 199 + ["B"]})
    result = report.audit(read_predictions(frame, outcome="y", score="p", groups=["site"]),
                          threshold=0.5)
    table = result.by_group["site"]
    assert table.loc["B", "n"] == 1 and "only 1 patient" in table.loc["B", "warning"]
    assert "only 100 with the outcome" not in table.loc["A", "warning"]
    report.write_html(result, tmp_path / "r.html")


def test_default_threshold_is_the_prevalence_with_a_warning():
    frame = pd.DataFrame({"y": [0, 0, 0, 1] * 30, "p": np.linspace(0.01, 0.6, 120)})
    result = report.audit(read_predictions(frame, outcome="y", score="p"))
    assert result.threshold == 0.25 and not result.threshold_given
    assert any("No threshold was given" in w for w in result.warnings)


def test_bad_options_name_the_value(hostile_predictions):
    predictions, _ = hostile_predictions
    with pytest.raises(ValueError, match="'race' is not one of the group columns"):
        report.audit(predictions, intersections=["race,sex"])
    with pytest.raises(ValueError, match="no such group in column 'sex'"):
        report.audit(predictions, reference={"sex": "X"})
    with pytest.raises(ValueError, match="unknown field 'modle'"):
        report.audit(predictions, card={"modle": "x"})
    with pytest.raises(ValueError, match="period must be one of"):
        report.audit(predictions, period="week")


def test_read_card_from_yaml(tmp_path):
    path = tmp_path / "card.yml"
    path.write_text("model: ReadmitRisk 2.1 (Vendor X)\ndecision: go with conditions\n")
    assert report.read_card(path) == {"model": "ReadmitRisk 2.1 (Vendor X)",
                                      "decision": "go with conditions"}
    path.write_text("- a list\n")
    with pytest.raises(ValueError, match="card.yml: expected 'field: text' lines"):
        report.read_card(path)


# --------------------------------------------------------------------------
# The command line

def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """``python -m labkit`` in this process (the subprocess run is in the bench test)."""
    from labkit import cli

    status = cli.main(list(args))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_cli_runs_the_book_example(tmp_path, capsys):
    from tools.sphinx_audit import example_arguments

    args = example_arguments()
    args[args.index("--out") + 1] = str(tmp_path / "card.md")
    status, out, err = run_cli(capsys, *args, "--quiet")
    assert status == 0, err
    assert err == "" and "wrote" in out and "AUROC" in out
    assert "TRIPOD+AI" in (tmp_path / "card.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("rows,args,message", [
    ("y,p\n1,0.2\n0,0.3\n", ["--outcome", "outcome"], "no column 'outcome'"),
    ("y,p\n0,0.2\n0,0.3\n", [], "'y'"),
    ("y,p\n1,0.2\n0,1.7\n0,-3\n", [], "line 4"),
    ("y,p,id\n1,0.2,A\n0,0.3,A\n", ["--id", "id"], "'A'"),
    ("y,p,g\n1,0.2,a\n0,0.3,b\n", ["--group", "g", "--reference", "g"], "COLUMN=GROUP"),
    ("y,p,g\n1,0.2,a\n0,0.3,b\n", ["--group", "g", "--reference", "g=c"], "no such group"),
    ("y,p,g\n1,0.2,a\n0,0.3,b\n", ["--group", "g", "--intersect", "g,h"], "'h' is not one"),
])
def test_cli_bad_input_is_one_line_exit_2_and_no_file(tmp_path, capsys, rows, args, message):
    src = tmp_path / "in.csv"
    src.write_text(rows)
    outcome = [] if "--outcome" in args else ["--outcome", "y"]
    status, out, err = run_cli(capsys, "audit", str(src), *outcome, "--score", "p", *args,
                               "--out", str(tmp_path / "r.html"), "--quiet")
    assert status == 2, out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("labkit: error: ") and message in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_cli_missing_folder_or_card_file(tmp_path, capsys):
    base = ["audit", str(EXAMPLE), "--outcome", "readmitted_30d", "--score", "predicted_risk"]
    status, _, err = run_cli(capsys, *base, "--out", str(tmp_path / "nope" / "r.html"))
    assert status == 2 and "folder not found" in err
    status, _, err = run_cli(capsys, *base, "--card", str(tmp_path / "card.yml"),
                             "--out", str(tmp_path / "r.html"))
    assert status == 2 and "card.yml: model card file not found" in err
    assert list(tmp_path.iterdir()) == []


def test_cli_failure_in_a_fresh_process_has_no_traceback(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("y,p\n1,0.2\n0,nan%\n")
    proc = subprocess.run([sys.executable, "-m", "labkit", "audit", str(src), "--outcome", "y",
                           "--score", "p", "--out", str(tmp_path / "r.html")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr and not (tmp_path / "r.html").exists()


def test_the_book_page_shows_the_command_the_build_runs():
    from tools.sphinx_audit import COMMAND

    page = (ROOT / "book" / "audit.md").read_text(encoding="utf-8")
    shown = re.search(r"```console\n\$ (.*?)```", page, re.S).group(1)
    assert shown.replace("\\\n", " ").split() == COMMAND.split()


def test_bench_extract_and_measured_run(tmp_path):
    from tools import bench

    extract = bench.audit_extract(tmp_path, rows=3000, seed=1)
    frame = pd.read_csv(extract)
    assert len(frame) == 3000 and frame["patient_id"].is_unique
    assert set(frame.columns) == set(pd.read_csv(EXAMPLE, nrows=1).columns)
    status, seconds, mb, stderr = bench.run_measured(
        bench.audit_command(extract, tmp_path / "r.html"))
    assert status == 0, stderr
    assert seconds > 0 and 50 < mb < bench.AUDIT_BUDGET_MB
    assert (tmp_path / "r.html").stat().st_size > 100_000


# --------------------------------------------------------------------------
# The Python API for a fitted model (the capstone lab)

@pytest.fixture(scope="module")
def fitted():
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from labkit import datasets

    data = datasets.load_admissions().dropna(subset=["readmitted_30d"])
    features = ["age", "prior_admissions_12m", "n_chronic_conditions", "payer"]
    train, test = data[data["admit_year"] < 2023], data[data["admit_year"] >= 2023]
    pre = make_column_transformer((StandardScaler(), features[:3]),
                                  (OneHotEncoder(handle_unknown="ignore"), ["payer"]))
    model = make_pipeline(pre, LogisticRegression(max_iter=1000)).fit(
        train[features], train["readmitted_30d"])
    return model, test, features


def test_audit_model_matches_the_model_and_explains_recorded_features(fitted, shap):
    model, test, features = fitted
    result = report.audit_model(model, test[features], test["readmitted_30d"],
                                groups=test[["sex"]], threshold=0.2, explain_rows=200)
    p = model.predict_proba(test[features])[:, 1]
    assert result.overall["auroc"].value == pytest.approx(roc_auc_score(
        test["readmitted_30d"], p))
    assert result.n == len(test) and list(result.by_group) == ["sex"]
    assert sorted(result.explanation.index) == sorted(features)  # one-hot payer summed back
    assert result.explanation.is_monotonic_decreasing and (result.explanation > 0).all()
    assert "LinearExplainer" in result.explanation_note
    text = render._html(result, "t")
    assert "What drives the score (SHAP)" in text


def test_audit_model_rejects_what_is_not_a_binary_classifier(fitted):
    model, test, features = fitted
    with pytest.raises(TypeError, match="predict_proba"):
        report.audit_model(object(), test[features], test["readmitted_30d"])
    with pytest.raises(ValueError, match="y has 3 values but X has"):
        report.audit_model(model, test[features], [0, 1, 0], explain=False)


def test_the_summary_prefers_a_trustworthy_group_and_names_a_small_one():
    frame = pd.DataFrame({"y": [0] * 50 + [1], "p": np.linspace(0.05, 0.5, 51),
                          "g": ["a"] * 50 + ["b"]})
    result = report.audit(read_predictions(frame, outcome="y", score="p", groups=["g"]),
                          threshold=0.3)
    text = report._largest_disparity(result)
    assert "g = b" in text and "This is a small group (only 1 patient" in text
