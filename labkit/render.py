"""The audit as a document: one self-contained HTML report, or a Markdown model card.

:mod:`labkit.report` computes the audit; this module draws and writes it. The
HTML holds every figure as embedded SVG (sharp when printed) with alt text
computed from the numbers it shows, loads nothing from outside the file,
escapes every text that came from the input (file, column and group names,
model-card entries) and prints on A4 without losing a column. The Markdown
model-card section is rendered by ``skops.card``. Both are written through
:func:`labkit.output.write_atomic`, so a failure leaves no file behind.

>>> import pandas as pd, tempfile
>>> from pathlib import Path
>>> from labkit.extract import read_predictions
>>> from labkit.report import audit
>>> frame = pd.DataFrame({"y": [0, 1] * 20, "p": [0.2, 0.7] * 20})
>>> result = audit(read_predictions(frame, outcome="y", score="p"), threshold=0.5)
>>> write_html(result, Path(tempfile.mkdtemp()) / "r.html").name
'r.html'
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from labkit.audit import MIN_EVENTS, MIN_N
from labkit.output import html_page, html_table, output_path, write_atomic
from labkit.report import (
    CARD_FIELDS,
    MIN_CLASS,
    PERIODS,
    PLACEHOLDER,
    RATES,
    Audit,
    Estimate,
    _largest_disparity,
    _pct,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["write_html", "write_markdown", "markdown"]

BLUE, ORANGE, VERMILLION, GREY = "#0072B2", "#E69F00", "#D55E00", "#666666"


# --------------------------------------------------------------------------
# Figures: SVG (sharp when printed) embedded as data URIs, each with alt text
# computed from the numbers it shows.


def _svg(fig: Figure) -> str:
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "labkit", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _error_bars(frame: pd.DataFrame, column: str, low: str, high: str) -> np.ndarray:
    """Lengths of the error bars below and above each estimate (2 x n). Rounding can put a
    bound a hair past its estimate, and matplotlib refuses a negative length."""
    value = frame[column].to_numpy(dtype=float)
    below = value - frame[low].to_numpy(dtype=float)
    above = frame[high].to_numpy(dtype=float) - value
    return np.maximum(np.vstack([below, above]), 0, where=~np.isnan([below, above]),
                      out=np.vstack([below, above]))


def _calibration_figure(result: Audit) -> tuple[str, str]:
    from matplotlib.figure import Figure

    bins = result.calibration_bins
    o = result.overall
    fig = Figure(figsize=(6.2, 5.4), layout="constrained")
    ax, hist = fig.subplots(2, 1, height_ratios=[4, 1], sharex=True)
    counts, edges = result.histogram
    top = float(edges[-1])
    ax.plot([0, top], [0, top], color=GREY, linestyle="--", linewidth=1,
            label="perfect calibration")
    ax.errorbar(bins["mean_predicted"], bins["observed"],
                yerr=_error_bars(bins, "observed", "low", "high"),
                fmt="o", color=BLUE, capsize=3,
                label=f"tenths of predicted risk ({result.level:.0%} CI)")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_ylabel("observed rate of the outcome")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    direction = ("over-predicts" if o["oe"].high < 1 else "under-predicts" if o["oe"].low > 1
                 else "predicts about right")
    ax.set_title(f"The model {direction} on average: mean predicted "
                 f"{o['mean_predicted'].value:.1%}, observed {o['prevalence'].value:.1%}",
                 fontsize=10)
    hist.stairs(counts, edges, fill=True, color=GREY)
    hist.set_xlabel("predicted risk")
    hist.set_ylabel("patients")
    alt = (f"Calibration plot: observed rate against mean predicted risk in ten equal-sized "
           f"groups of patients ordered by predicted risk, from "
           f"{bins['mean_predicted'].iloc[0]:.1%} predicted ({bins['observed'].iloc[0]:.1%} "
           f"observed) to {bins['mean_predicted'].iloc[-1]:.1%} predicted "
           f"({bins['observed'].iloc[-1]:.1%} observed). Observed/expected "
           f"{o['oe'].text(2)}; calibration slope {o['slope'].text(2)}. A histogram below "
           "shows how many patients received each predicted risk.")
    return _svg(fig), alt


def _decision_figure(result: Audit) -> tuple[str, str]:
    from matplotlib.figure import Figure

    dc = result.decision
    fig = Figure(figsize=(6.2, 4.2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(dc["threshold"], dc["model"], color=BLUE, linewidth=2, label="the model")
    ax.plot(dc["threshold"], dc["treat_all"], color=ORANGE, linestyle="--",
            label="treat everyone")
    ax.plot(dc["threshold"], dc["treat_none"], color=GREY, linestyle=":", label="treat no one")
    ax.axvline(result.threshold, color=VERMILLION, linewidth=1,
               label=f"your threshold ({result.threshold:.3g})")
    floor = min(-0.02, float(dc["model"].min()))
    ax.set_ylim(floor, max(0.01, float(dc[["model", "treat_all"]].max().max())) * 1.1)
    ax.set_xlabel("threshold probability (risk at which you would act)")
    ax.set_ylabel("net benefit (true positives per patient)")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    nb = result.overall["net_benefit"]
    better = nb.value > max(0.0, result.overall["treat_all"].value)
    ax.set_title(f"At {result.threshold:.3g} the model's net benefit is {nb.value:.4f}: "
                 f"{'above' if better else 'not above'} treating everyone or no one",
                 fontsize=10)
    useful = dc[(dc["model"] > dc["treat_all"]) & (dc["model"] > 0)]["threshold"]
    span = (f"the model beats both defaults from {useful.min():.2f} to {useful.max():.2f}"
            if len(useful) else "the model never beats both defaults")
    alt = (f"Decision curve: net benefit of the model, of treating everyone and of treating no "
           f"one at thresholds from {dc['threshold'].min():.2f} to {dc['threshold'].max():.2f}; "
           f"{span}. At the chosen threshold {result.threshold:.3g} the model's net benefit is "
           f"{nb.text(4)} and treating everyone's {result.overall['treat_all'].value:.4f}.")
    return _svg(fig), alt


GROUP_PANELS = (("tpr", "sensitivity (TPR)"), ("fpr", "false alarms (FPR)"),
                ("citl", "observed minus predicted"))


def _group_figure(result: Audit, key: str) -> tuple[str, str]:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    table = result.by_group[key]
    k = len(table)
    fig = Figure(figsize=(8.4, 1.6 + 0.32 * k), layout="constrained")
    axes = fig.subplots(1, 3, sharey=True)
    ypos = np.arange(k)[::-1]
    ref = result.reference[key]
    for ax, (col, name) in zip(axes, GROUP_PANELS, strict=True):
        values = table[col].to_numpy(dtype=float)
        low, high = _error_bars(table, col, col + "_low", col + "_high")
        colours = [VERMILLION if w else BLUE for w in table["warning"]]
        for yy, v, lo, hi, c in zip(ypos, values, low, high, colours, strict=True):
            ax.errorbar([v], [yy], xerr=[[lo], [hi]], fmt="o", color=c, capsize=2,
                        markersize=4)
        if col == "citl":
            ax.axvline(0, color=GREY, linestyle="--", linewidth=1)
        else:
            ax.axvline(float(table.loc[ref, col]), color=GREY, linestyle="--", linewidth=1)
        ax.set_title(name, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(PercentFormatter(1))
    axes[0].set_yticks(ypos, [_short(label) for label in table.index], fontsize=8)
    fig.suptitle(f"{_short(key, 60)}: rates at threshold {result.threshold:.3g} with "
                 f"{result.level:.0%} CIs (dashed: reference {_short(ref)}; "
                 "vermilion: small group)", fontsize=9)
    parts = [f"{label}: sensitivity {_pct(r.tpr)}, false alarms {_pct(r.fpr)}, observed minus "
             f"predicted {r.citl * 100:+.1f} points" for label, r in table.iterrows()]
    alt = f"Rates by {key} with {result.level:.0%} confidence intervals. " + "; ".join(parts)
    return _svg(fig), alt + "."


def _short(text: str, width: int = 28) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _time_figure(result: Audit) -> tuple[str, str]:
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    t = result.over_time
    x = np.arange(len(t))
    fig = Figure(figsize=(7.2, 5.0), layout="constrained")
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    ax1.errorbar(x, t["auroc"], yerr=_error_bars(t, "auroc", "auroc_low", "auroc_high"),
                 fmt="o-", color=BLUE, capsize=2, markersize=4)
    ax1.set_ylabel("AUROC")
    ax1.grid(alpha=0.3)
    ax2.errorbar(x, t["observed"], yerr=_error_bars(t, "observed", "observed_low",
                                                    "observed_high"),
                 fmt="o-", color=BLUE, capsize=2, markersize=4, label="observed")
    ax2.plot(x, t["mean_predicted"], "s--", color=ORANGE, markersize=4, label="mean predicted")
    ax2.set_ylabel("rate of the outcome")
    ax2.yaxis.set_major_formatter(PercentFormatter(1))
    ax2.legend(fontsize=8, frameon=False)
    ax2.grid(alpha=0.3)
    step = max(1, len(t) // 12)
    ax2.set_xticks(x[::step], t["period"].iloc[::step], rotation=45, fontsize=8)
    first, last = t.iloc[0], t.iloc[-1]
    fig.suptitle(f"By {PERIODS[result.period][1]}: observed {first['observed']:.1%} in "
                 f"{first['period']} and {last['observed']:.1%} in {last['period']}, mean "
                 f"predicted {first['mean_predicted']:.1%} and {last['mean_predicted']:.1%}",
                 fontsize=10)
    alt = (f"Two panels by {PERIODS[result.period][1]} from {first['period']} to "
           f"{last['period']}: the AUROC with {result.level:.0%} CIs (from "
           f"{_num(first['auroc'])} to {_num(last['auroc'])}), and the observed rate of the "
           f"outcome against the mean predicted risk (observed {first['observed']:.1%} then "
           f"{last['observed']:.1%}; predicted {first['mean_predicted']:.1%} then "
           f"{last['mean_predicted']:.1%}).")
    return _svg(fig), alt


def _num(value: float, digits: int = 3) -> str:
    return "not estimable" if math.isnan(value) else f"{value:.{digits}f}"


def _explanation_figure(result: Audit) -> tuple[str, str]:
    from matplotlib.figure import Figure

    top = result.explanation.head(12)[::-1]
    fig = Figure(figsize=(6.2, 1.2 + 0.32 * len(top)), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(np.arange(len(top)), top.to_numpy(), color=BLUE)
    ax.set_yticks(np.arange(len(top)), [_short(i) for i in top.index], fontsize=8)
    ax.set_xlabel("mean |SHAP value| (model output units)")
    ax.set_title(f"{_short(result.explanation.index[0])} moves the score most", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    parts = [f"{name} {value:.3f}" for name, value in result.explanation.head(12).items()]
    alt = "Mean absolute SHAP value by recorded feature, largest first: " + ", ".join(parts)
    return _svg(fig), alt + "."


# --------------------------------------------------------------------------
# The HTML report

CSS = """
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:62rem;margin:2rem auto;
padding:0 1rem;line-height:1.5;color:#222;background:#fff}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1rem 0 2rem;font-size:.85rem;display:block;overflow-x:auto}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid #ccc;padding:.25rem .5rem;text-align:right;vertical-align:top}
td{white-space:nowrap}th:first-child,td:first-child{text-align:left}
.text td{white-space:normal;text-align:left}
.flag{color:#8a3b00}
figure{margin:1.5rem 0}img{max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#444}
.summary{font-size:1.05rem;border-left:4px solid #0072B2;padding-left:.8rem}
.warnings{border-left:4px solid #D55E00;padding-left:.8rem}
.note{font-size:.9rem;color:#444}
.todo{color:#8a3b00;font-style:italic}
@media print{body{max-width:none;margin:0;font-size:10pt}h2{break-after:avoid}
figure,.card{break-inside:avoid}table{display:table;overflow:visible;font-size:7pt}
td{white-space:normal}tr{break-inside:avoid}
a{color:inherit;text-decoration:none}}
"""

REFERENCES = (
    ("delong1988comparing", "DeLong ER, DeLong DM, Clarke-Pearson DL (1988). Comparing the areas "
     "under two or more correlated receiver operating characteristic curves: a nonparametric "
     "approach. Biometrics 44(3):837-845."),
    ("sun2014fast", "Sun X, Xu W (2014). Fast implementation of DeLong's algorithm for comparing "
     "the areas under correlated receiver operating characteristic curves. IEEE Signal "
     "Processing Letters 21(11):1389-1393."),
    ("boyd2013area", "Boyd K, Eng KH, Page CD (2013). Area under the precision-recall curve: "
     "point estimates and confidence intervals. ECML PKDD 2013, LNCS 8190:451-466."),
    ("vancalster2016calibration", "Van Calster B, Nieboer D, Vergouwe Y, et al. (2016). A "
     "calibration hierarchy for risk models was defined: from utopia to empirical data. J Clin "
     "Epidemiol 74:167-176."),
    ("debray2017guide", "Debray TPA, Damen JAAG, Snell KIE, et al. (2017). A guide to systematic "
     "review and meta-analysis of prediction model performance. BMJ 356:i6460."),
    ("brier1950verification", "Brier GW (1950). Verification of forecasts expressed in terms of "
     "probability. Monthly Weather Review 78(1):1-3."),
    ("vickers2006decision", "Vickers AJ, Elkin EB (2006). Decision curve analysis: a novel "
     "method for evaluating prediction models. Med Decis Making 26(6):565-574."),
    ("wilson1927probable", "Wilson EB (1927). Probable inference, the law of succession, and "
     "statistical inference. J Am Stat Assoc 22(158):209-212."),
    ("newcombe1998interval", "Newcombe RG (1998). Interval estimation for the difference "
     "between independent proportions: comparison of eleven methods. Stat Med 17(8):873-890."),
    ("collins2016sample", "Collins GS, Ogundimu EO, Altman DG (2016). Sample size "
     "considerations for the external validation of a multivariable prognostic model: a "
     "resampling study. Stat Med 35(2):214-226."),
    ("collins2024tripod", "Collins GS, Moons KGM, Dhiman P, et al. (2024). TRIPOD+AI statement: "
     "updated guidance for reporting clinical prediction models that use regression or machine "
     "learning methods. BMJ 385:e078378."),
)


def _e(value: object) -> str:
    return html.escape(str(value))


def _ci(value: float, low: float, high: float, percent: bool = True, digits: int = 1) -> str:
    return _e(Estimate(float(value), float(low), float(high)).text(digits, percent))


def _figure(uri: str, alt: str) -> str:
    return (f'<figure><img src="{uri}" alt="{_e(alt)}">'
            f"<figcaption>{_e(alt)}</figcaption></figure>")


def _group_section(result: Audit, key: str) -> str:
    table = result.by_group[key]
    pct = f"{result.level:.0%}"
    rows = []
    for label, r in table.iterrows():
        rows.append([_e(label), f"{int(r.n):,}", f"{int(r.events):,}",
                     _ci(r.prevalence, r.prevalence_low, r.prevalence_high),
                     *(_ci(r[k], r[k + "_low"], r[k + "_high"]) for k in RATES),
                     _ci(r.citl, r.citl_low, r.citl_high),
                     _ci(r.auroc, r.auroc_low, r.auroc_high, percent=False, digits=3),
                     f'<span class="flag">{_e(r.warning)}</span>'])
    head = ["group", "n", "events", "prevalence", *(RATES[k][0] for k in RATES),
            "observed minus predicted", "AUROC", "small-group warning"]
    out = [f"<h3>{_e(key)}</h3>", _figure(*_group_figure(result, key)),
           html_table(f"{key}: rates at threshold {result.threshold:.3g} ({pct} CIs; "
                      "Wilson for rates, DeLong for the AUROC)", head, rows)]
    dis = result.disparities[key]
    if not dis.empty:
        drows = [[_e(r.group), _e(r.rate), _e(_pct(r.group_value)), _e(_pct(r.reference_value)),
                  _e(f"{_points(r.difference)} ({_points(r.difference_low)} to "
                     f"{_points(r.difference_high)})"
                     if not math.isnan(r.difference_low) else "not estimable"),
                  _e("-" if math.isnan(r.ratio) else f"{r.ratio:.2f}"),
                  f'<span class="flag">{_e(r.warning)}</span>'] for r in dis.itertuples()]
        out.append(html_table(
            f"{key}: each group against the reference group {result.reference[key]} "
            f"(difference in percentage points, Newcombe {pct} CI; ratio)",
            ["group", "rate", "group", "reference", "difference (points)", "ratio",
             "small-group warning"], drows))
    return "\n".join(out)


def _points(share: float) -> str:
    """A difference of proportions in signed percentage points, never '-0.0'."""
    value = round(share * 100, 1)
    return f"{value + 0.0:+.1f}"


def _card_html(result: Audit) -> str:
    rows = []
    for key, (heading, item, prompt) in CARD_FIELDS.items():
        text = result.card.get(key, "").strip()
        cell = (_e(text).replace("\n", "<br>") if text else
                f'<span class="todo">{_e(PLACEHOLDER)}</span> {_e(prompt)}')
        rows.append([_e(heading), _e(item), cell])
    auto = _card_evidence(result)
    rows += [[_e(h), _e(i), _e(t)] for h, i, t in auto]
    missing = result.card_missing()
    status = (f"{len(missing)} of {len(CARD_FIELDS)} fields are still to be completed by the "
              "reviewer." if missing else "Every field has been completed.")
    return (f'<div class="card"><p class="note">{_e(status)} TRIPOD+AI item numbers refer to '
            "the checklist of Collins et al. (2024) [collins2024tripod]; the last rows are "
            "filled from this audit.</p>"
            + html_table("Model card (TRIPOD+AI-oriented)", ["field", "TRIPOD+AI", "entry"],
                         rows, "text") + "</div>")


def _card_evidence(result: Audit) -> list[tuple[str, str, str]]:
    """Model-card rows filled from the audit itself: (heading, TRIPOD+AI item, text)."""
    o = result.overall
    dates = (f", admitted {result.date_range[0]} to {result.date_range[1]}"
             if result.date_range else "")
    groups = ", ".join(result.by_group) or "none given"
    return [
        ("Evaluation data (from this audit)", "20a, 20b",
         f"{result.n:,} patients from {result.source}{dates}; {result.events:,} with the "
         f"outcome ({o['prevalence'].value:.1%}); {result.n_excluded:,} of {result.n_read:,} "
         "rows left out (see Warnings)."),
        ("Performance (from this audit)", "12e, 23a",
         f"AUROC {o['auroc'].text()}; AUPRC {o['auprc'].text()}; observed/expected "
         f"{o['oe'].text(2)}; calibration intercept {o['intercept'].text(2)}, slope "
         f"{o['slope'].text(2)}; Brier {o['brier'].text(4)}; net benefit at "
         f"{result.threshold:.3g} {o['net_benefit'].text(4)} ({result.level:.0%} CIs)."),
        ("Subgroups examined (from this audit)", "23a", f"{groups}. " + _largest_disparity(result)),
    ]


def _overall_rows(result: Audit) -> list[list[str]]:
    o = result.overall
    return [
        ["AUROC (c-statistic)", _e(o["auroc"].text()), "0.5 = chance; DeLong interval"],
        ["AUPRC (average precision)", _e(o["auprc"].text()),
         f"no-skill value = prevalence, {o['prevalence'].value:.3f}; logit interval"],
        ["observed/expected events", _e(o["oe"].text(2)), "1 = right on average; below 1: "
         "risks over-predicted"],
        ["calibration intercept (slope fixed at 1)", _e(o["intercept"].text(2)),
         "0 ideal; below 0: over-prediction"],
        ["calibration slope", _e(o["slope"].text(2)), "1 ideal; below 1: predictions too "
         "extreme"],
        ["Brier score", _e(o["brier"].text(4)),
         f"0 perfect; {o['brier_null'].value:.4f} for predicting the prevalence to everyone"],
    ]


def _threshold_rows(result: Audit) -> list[list[str]]:
    rows = []
    per_day = "flagged_per_day" in result.thresholds
    for r in result.thresholds.itertuples():
        mark = " (chosen)" if r.threshold == result.threshold else ""
        row = [_e(f"{r.threshold:.3g}{mark}"), f"{int(r.flagged):,}",
               _e(_pct(r.flagged / result.n)), _e(_pct(r.sensitivity)), _e(_pct(r.specificity)),
               _e(_pct(r.ppv)), _e(_pct(r.npv)), _e(_num(r.nne, 1))]
        if per_day:
            row.append(_e(f"{r.flagged_per_day:.1f}"))
        rows.append(row)
    return rows


def _html(result: Audit, title: str) -> str:
    pct = f"{result.level:.0%}"
    cal_uri, cal_alt = _calibration_figure(result)
    dc_uri, dc_alt = _decision_figure(result)
    warnings = "".join(f"<li>{_e(w)}</li>" for w in result.warnings)
    notes = "".join(f"<li>{_e(n)}</li>" for n in result.notes)
    cols = ", ".join(f"{role}: {_e(col)}" for role, col in result.columns.items())
    cohort = [["rows read", f"{result.n_read:,}"], ["rows left out", f"{result.n_excluded:,}"],
              ["patients audited", f"{result.n:,}"], ["with the outcome", f"{result.events:,}"],
              ["prevalence", _e(result.overall["prevalence"].text(1, percent=True))],
              ["mean predicted risk", _e(f"{result.overall['mean_predicted'].value:.1%}")]]
    if result.date_range:
        cohort.append(["dates", _e(f"{result.date_range[0]} to {result.date_range[1]}")])
    for key in result.groups:
        table = result.by_group[key]
        cohort.append([f"groups in {_e(key)}",
                       _e(", ".join(f"{g} {int(n):,}" for g, n in table["n"].items()))])
    head = ["threshold", "flagged", "share flagged", "sensitivity", "specificity", "PPV", "NPV",
            "number needed to evaluate"]
    if "flagged_per_day" in result.thresholds:
        head.append("flagged per day")
    threshold_note = ("" if result.threshold_given else
                      " No threshold was given, so the observed prevalence stands in for it.")
    groups = "".join(_group_section(result, key) for key in result.by_group)
    if not groups:
        groups = ('<p class="note">No group columns were given (--group): fairness cannot be '
                  "assessed without them.</p>")
    time_html = ('<p class="note">No date column was given (--time).</p>')
    if result.over_time is not None and len(result.over_time):
        t = result.over_time
        trows = [[_e(r.period), f"{int(r.n):,}", f"{int(r.events):,}",
                  _ci(r.observed, r.observed_low, r.observed_high), _e(_pct(r.mean_predicted)),
                  _ci(r.oe, r.oe_low, r.oe_high, percent=False, digits=2),
                  _ci(r.auroc, r.auroc_low, r.auroc_high, percent=False, digits=3),
                  f'<span class="flag">{_e(r.warning)}</span>'] for r in t.itertuples()]
        time_html = (_figure(*_time_figure(result)) + html_table(
            f"By {PERIODS[result.period][1]} ({pct} CIs; AUROC where at least {MIN_CLASS} "
            "patients with and without the outcome)",
            [PERIODS[result.period][1], "n", "events", "observed", "mean predicted",
             "observed/expected", "AUROC", "small-group warning"], trows))
    explain_html = ""
    if result.explanation is not None:
        erows = [[_e(k), _e(f"{v:.4f}")] for k, v in result.explanation.items()]
        explain_html = (f"<h2>What drives the score (SHAP)</h2>"
                        f'<p class="note">{_e(result.explanation_note)}</p>'
                        + _figure(*_explanation_figure(result))
                        + html_table("Mean absolute SHAP value by recorded feature",
                                     ["feature", "mean |SHAP|"], erows))
    refs = "".join(f"<li>[{_e(k)}] {_e(v)}</li>" for k, v in REFERENCES)
    return html_page(title, CSS, f"""<p class="summary">{_e(result.summary())}</p>
<p class="note">Data: {_e(result.source)} ({cols}). Intervals are {pct} confidence intervals.
This report describes how the model performed on these patients; it does not show that acting
on the model helps them, and outcomes recorded after the model was in use may have been changed
by the actions it prompted.</p>

<h2>Warnings</h2>
{f'<ul class="warnings">{warnings}</ul>' if warnings else '<p>None.</p>'}
{f'<p class="note">How the file was read:</p><ul class="note">{notes}</ul>' if notes else ''}

<h2>Cohort</h2>
{html_table("The patients audited", ["", "value"], cohort)}

<h2>Discrimination and calibration</h2>
{html_table(f"Overall performance ({pct} CIs)", ["measure", "value", "reading"],
            _overall_rows(result), "text")}
{_figure(cal_uri, cal_alt)}

<h2>Clinical utility</h2>
<p class="note">Net benefit counts true positives per patient and charges each false positive
at the odds of the threshold: a threshold of 0.2 says one patient found is worth four
unnecessary interventions.{_e(threshold_note)}</p>
{_figure(dc_uri, dc_alt)}
{html_table("What each threshold means (patients at or above it are flagged)", head,
            _threshold_rows(result))}

<h2>Groups and fairness</h2>
<p class="note">Rates at threshold {result.threshold:.3g}. Each group is compared with its
reference group (the largest unless chosen). Groups with fewer than {MIN_N} patients or
{MIN_EVENTS} patients with the outcome are flagged: their estimates are imprecise
[collins2016sample]. A difference whose interval includes 0 is not evidence of equal
performance.</p>
{groups}

<h2>Performance over time</h2>
{time_html}
{explain_html}
<h2>Model card</h2>
{_card_html(result)}

<h2>Methods</h2>
<p class="note">AUROC with DeLong's interval [delong1988comparing; sun2014fast]; AUPRC as average
precision with the logit interval [boyd2013area]. Calibration: observed/expected events with
the interval exp(ln(O/E) &plusmn; z&radic;(1/O &minus; 1/n)) [debray2017guide]; intercept and
slope by logistic recalibration with Wald intervals, and the grouped calibration plot
[vancalster2016calibration]; Brier score [brier1950verification] with a normal interval. Net
benefit [vickers2006decision] with a normal interval of the mean of each patient's
contribution. By group: counts from fairlearn's MetricFrame; Wilson intervals for rates
[wilson1927probable]; observed minus predicted as the Wilson interval of the observed rate
less the mean predicted risk; differences from the reference group with Newcombe's hybrid score
interval [newcombe1998interval]. No interval is adjusted for the number of groups compared.
Model card fields follow TRIPOD+AI [collins2024tripod]. Computed by labkit
(python -m labkit audit).</p>
<ol class="note">{refs}</ol>
""")


def write_html(result: Audit, out: str | os.PathLike[str],
               title: str = "Audit of a prediction model on local patients") -> Path:
    """Write ``result`` as one self-contained HTML file; return its path.

    Figures are embedded SVG with alt text computed from their numbers; nothing
    is loaded from outside the file; every text from the input (file, column and
    group names, card entries) is escaped; the file appears only when complete.
    """
    if not isinstance(result, Audit):
        raise TypeError(f"result must be an Audit from audit(), got {type(result).__name__}")
    if not isinstance(title, str):
        raise TypeError(f"title must be a string, got {type(title).__name__}")
    output_path(out)
    return write_atomic(_html(result, title), out)


def _md(text: object) -> str:
    """Text safe inside a Markdown table cell or paragraph: no raw HTML, no cell breaks."""
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")


def _heading(heading: str, item: str) -> str:
    """A model-card heading with its TRIPOD+AI items, if any."""
    return heading if item == "-" else f"{heading} (TRIPOD+AI {item})"


def markdown(result: Audit) -> str:
    """The model-card section as Markdown, rendered by ``skops.card``."""
    from skops.card import Card

    card = Card(None, template=None, model_diagram=False)
    for key, (heading, item, prompt) in CARD_FIELDS.items():
        text = result.card.get(key, "").strip()
        body = _md(text) if text else f"*{PLACEHOLDER}* {_md(prompt)}"
        card.add(**{f"Model card/{_heading(heading, item)}": body})
    for heading, item, text in _card_evidence(result):
        card.add(**{f"Model card/{_heading(heading, item)}": _md(text)})
    for key, table in result.by_group.items():
        shown = pd.DataFrame({
            "group": [_md(g) for g in table.index], "n": table["n"], "events": table["events"],
            **{RATES[k][0]: [_md(Estimate(v, lo, hi).text(1, True)) for v, lo, hi in zip(
                table[k], table[k + "_low"], table[k + "_high"], strict=True)] for k in RATES},
            "warning": [_md(w) for w in table["warning"]]})
        card.add_table(folded=False, **{f"Model card/Rates by {_md(key)} at threshold "
                                        f"{result.threshold:.3g}": shown})
    card.add(**{"Model card/Source": _md(
        f"Generated by labkit (python -m labkit audit) from {result.source}; "
        f"{result.level:.0%} confidence intervals.")})
    return card.render() + "\n"


def write_markdown(result: Audit, out: str | os.PathLike[str]) -> Path:
    """Write the model-card section (Markdown, through ``skops.card``); return its path."""
    if not isinstance(result, Audit):
        raise TypeError(f"result must be an Audit from audit(), got {type(result).__name__}")
    output_path(out, "model_card.md")
    return write_atomic(markdown(result), out)
