"""Lab 10 checks: right answers computed here independently (the test patients rebuilt with
plain pandas, scikit-learn and scipy in place of the kit's helpers, other solvers, rounded
values, other spellings) pass, and each likely mistake fails with its hint (``not passed``
and the hint, both asserted). The evidence behind the verdicts on the marketing sheet is
recomputed here with other intervals (Hanley-McNeil, a Poisson O/E interval, a Wald
difference of proportions), and the sheet's numbers are checked against the vendor's
development data."""

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from scipy import stats
from scipy.special import logit
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from labkit import datasets, report
from labkit.checks import lab10

ROOT = Path(__file__).resolve().parents[1]
THRESHOLD = 0.20
GROUPS = ["race_ethnicity", "sex", "payer", "age_band"]


def assert_fails(result, hint):
    assert not result.passed and hint in result.message, (hint, result.message)


def age_bands(age: pd.Series) -> pd.Series:
    return pd.cut(age, [17, 44, 64, 74, 200], labels=["18-44", "45-64", "65-74", "75+"])


@pytest.fixture(scope="module")
def lab(shap):  # noqa: ARG001 - the checks' reference audit imports shap
    path = datasets.vendor_model_path()
    untrusted = sio.get_untrusted_types(file=path)
    vendor = sio.load(path, trusted=untrusted)
    features = list(vendor.feature_names_in_)
    # The local test patients, rebuilt without labkit.cohorts: discharged at risk, admitted
    # in 2023-2024, never admitted in 2019-2022; in file order.
    adm = datasets.load_admissions()
    at_risk = adm[adm["readmitted_30d"].notna()]
    seen = set(at_risk.loc[at_risk["admit_year"] <= 2022, "patient_key"])
    test = at_risk[(at_risk["admit_year"] >= 2023) & ~at_risk["patient_key"].isin(seen)]
    test = test.reset_index(drop=True)
    X, y = test[features], test["readmitted_30d"].astype(int)
    risk = vendor.predict_proba(X)[:, 1]
    groups = pd.DataFrame({"race_ethnicity": test["race_ethnicity"], "sex": test["sex"],
                           "payer": test["payer"], "age_band": age_bands(test["age"])})
    return {"path": path, "untrusted": untrusted, "vendor": vendor, "features": features,
            "at_risk": at_risk, "test": test, "X": X, "y": y, "risk": risk, "groups": groups}


@pytest.fixture(scope="module")
def audit(lab):
    return report.audit_model(lab["vendor"], lab["X"], lab["y"], groups=lab["groups"],
                              threshold=THRESHOLD, explain_rows=300, random_state=0)


def quick_audit(lab, **changes):
    """An audit without SHAP, with some arguments changed."""
    args = {"groups": lab["groups"], "threshold": THRESHOLD, "explain": False}
    X, y = changes.pop("X", lab["X"]), changes.pop("y", lab["y"])
    model = changes.pop("model", lab["vendor"])
    args.update(changes)
    return report.audit_model(model, X, y, **args)


# Exercise 10.1 -----------------------------------------------------------------

def test_safe_load_right_answers(lenient, lab):
    path, untrusted = lab["path"], lab["untrusted"]
    assert lab10.safe_load(untrusted, lab["vendor"]).passed
    assert lab10.safe_load(tuple(untrusted), sio.load(path, trusted=untrusted)).passed
    from_bytes = sio.loads(path.read_bytes(), trusted=set(untrusted))
    assert lab10.safe_load(set(untrusted), from_bytes).passed
    assert lab10.safe_load(datasets.vendor_model_documented_types(), lab["vendor"]).passed


def test_safe_load_wrong_answers(lenient, lab):
    untrusted, vendor, path = lab["untrusted"], lab["vendor"], lab["path"]
    own = LogisticRegression(max_iter=1000).fit(lab["X"].drop(columns=["sex",
                                                                       "discharge_disposition"]),
                                                lab["y"])
    refitted = clone(vendor).fit(lab["X"], lab["y"])
    cases = [
        ((..., ...), "replace each ..."),
        ((untrusted[0], vendor), "the list that"),
        (([], vendor), "untrusted is empty"),
        ((["builtins.eval"], vendor), "type(s) skops.io.get_untrusted_types"),
        ((untrusted + ["posix.system"], vendor), "type(s) skops.io.get_untrusted_types"),
        ((untrusted, path), "vendor is a path"),
        ((untrusted, str(path)), "vendor is a path"),
        ((untrusted, path.read_bytes()), "the file's bytes"),
        ((untrusted, own), "not a model of your own"),
        ((untrusted, refitted), "do not refit it"),
    ]
    for args, hint in cases:
        assert_fails(lab10.safe_load(*args), hint)


# Exercise 10.2 -----------------------------------------------------------------

def mann_whitney_auroc(y: np.ndarray, score: np.ndarray) -> float:
    u = stats.mannwhitneyu(score[y == 1], score[y == 0]).statistic
    return float(u / ((y == 1).sum() * (y == 0).sum()))


def test_validation_right_answers(lenient, lab):
    y, risk = lab["y"].to_numpy(), lab["risk"]
    auroc = roc_auc_score(y, risk)
    oe = y.sum() / risk.sum()
    slope = LogisticRegression(C=1e6).fit(logit(risk).reshape(-1, 1), y).coef_[0, 0]
    assert lab10.validation(risk, auroc, oe, slope).passed
    # Another route to each number, and values rounded to the digits printed.
    penalised = LogisticRegression().fit(logit(risk).reshape(-1, 1), y).coef_[0, 0]
    assert lab10.validation(list(risk), mann_whitney_auroc(y, risk), y.mean() / risk.mean(),
                            penalised).passed
    assert lab10.validation(pd.Series(risk), round(auroc, 3), round(oe, 2),
                            round(slope, 2)).passed


def test_validation_wrong_answers(lenient, lab):
    vendor, X, y, risk = lab["vendor"], lab["X"], lab["y"].to_numpy(), lab["risk"]
    auroc = roc_auc_score(y, risk)
    oe = y.sum() / risk.sum()
    slope = LogisticRegression(C=1e6).fit(logit(risk).reshape(-1, 1), y).coef_[0, 0]
    # Calibration-in-the-large: the intercept with logit(risk) as an offset, by bisection.
    lo, hi = -5.0, 5.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if (1 / (1 + np.exp(-(logit(risk) + mid)))).mean() < y.mean():
            lo = mid
        else:
            hi = mid
    citl = (lo + hi) / 2
    raw = LogisticRegression(C=1e6).fit(risk.reshape(-1, 1), y).coef_[0, 0]
    every = vendor.predict_proba(lab["at_risk"][lab["features"]])[:, 1]
    cases = [
        ((..., auroc, oe, slope), "replace each ..."),
        ((vendor.predict_proba(X), auroc, oe, slope), "two columns"),
        ((vendor.predict_proba(X)[:, 0], auroc, oe, slope), "NO readmission"),
        ((vendor.predict(X), auroc, oe, slope), "0/1 labels"),
        ((every, auroc, oe, slope), "scores every admission"),
        ((risk[:1000], auroc, oe, slope), "one value per local test patient"),
        ((np.sort(risk), auroc, oe, slope), "in the task's order"),
        ((risk, 1 - auroc, oe, slope), "probability of no readmission"),
        ((risk, 0.80, oe, slope), "vendor's figure"),
        ((risk, roc_auc_score(y, risk >= 0.5), oe, slope), "0/1 predictions"),
        ((risk, round(auroc, 1), oe, slope), "too coarse"),
        ((risk, auroc, 1 / oe, slope), "expected/observed"),
        ((risk, auroc, y.mean() - risk.mean(), slope), "observed minus expected"),
        ((risk, auroc, risk.mean(), slope), "mean predicted risk alone"),
        ((risk, auroc, y.mean(), slope), "observed rate alone"),
        ((risk, auroc, oe, citl), "calibration intercept"),
        ((risk, auroc, oe, raw), "fitted on the risk itself"),
    ]
    for args, hint in cases:
        assert_fails(lab10.validation(*args), hint)


# Exercise 10.3 -----------------------------------------------------------------

def net_benefit(y: np.ndarray, p: np.ndarray, t: float) -> float:
    flag = p >= t
    n = len(y)
    return (np.sum(flag & (y == 1)) - np.sum(flag & (y == 0)) * t / (1 - t)) / n


def test_net_benefit_right_answers(lenient, lab):
    y, risk = lab["y"].to_numpy(), lab["risk"]
    prev = y.mean()
    nb_all = prev - (1 - prev) * THRESHOLD / (1 - THRESHOLD)
    assert lab10.net_benefit(net_benefit(y, risk, THRESHOLD), nb_all).passed
    assert lab10.net_benefit(round(net_benefit(y, risk, THRESHOLD), 4), round(nb_all, 4)).passed


def test_net_benefit_wrong_answers(lenient, lab):
    y, risk = lab["y"].to_numpy(), lab["risk"]
    n, flag = len(y), risk >= THRESHOLD
    tp, fp = np.sum(flag & (y == 1)), np.sum(flag & (y == 0))
    prev = y.mean()
    right = net_benefit(y, risk, THRESHOLD)
    nb_all = prev - (1 - prev) * 0.25
    cases = [
        ((..., nb_all), "replace each ..."),
        ((tp / n, nb_all), "true positives per patient alone"),
        ((tp / n - fp / n * THRESHOLD, nb_all), "not by pt itself"),
        ((net_benefit(y, risk, 0.5), nb_all), "net benefit at 0.5"),
        ((net_benefit(y, risk, 0.8), nb_all), "net benefit at 0.8"),
        ((net_benefit(y, risk, 1 / 6), nb_all), "Lab 2's"),
        ((right, prev), "prevalence alone"),
        ((right, prev - (1 - prev) * THRESHOLD), "not by pt"),
        ((right, 0.0), "enrolling no one"),
        ((right, -nb_all), "sign is reversed"),
    ]
    for args, hint in cases:
        assert_fails(lab10.net_benefit(*args), hint)


# Exercise 10.4 -----------------------------------------------------------------

def test_group_audit_right_answers(lenient, lab, audit):
    top = audit.explanation.nlargest(3)
    assert lab10.group_audit(audit, list(top.index)).passed
    assert lab10.group_audit(audit, top.index[::-1]).passed  # the order does not matter
    assert lab10.group_audit(audit, tuple(audit.explanation.index[:3])).passed


def test_group_audit_wrong_answers(lenient, lab, audit):
    from labkit import cohorts

    task = cohorts.readmission_task()
    lab1 = cohorts.reference_model(task, "logistic")
    no_threshold = report.audit_model(lab["vendor"], lab["X"], lab["y"], groups=lab["groups"],
                                      explain=False)
    few = report.audit_model(lab["vendor"], lab["X"], lab["y"], groups=lab["groups"],
                             threshold=THRESHOLD, explain_rows=100, random_state=0)
    top = list(audit.explanation.index[:3])
    cases = [
        ((..., top), "replace each ..."),
        (({"auroc": 0.6}, top), "what report.audit_model"),
        ((quick_audit(lab, X=lab["X"].head(1000), y=lab["y"].head(1000),
                      groups=lab["groups"].head(1000)), top), "audit the 4,717"),
        ((no_threshold, top), "pass the programme's"),
        ((quick_audit(lab, threshold=0.25), top), "pass the programme's"),
        ((quick_audit(lab, groups=lab["groups"][["race_ethnicity", "sex"]]), top),
         "missing ['age_band', 'payer']"),
        ((quick_audit(lab, model=lab1, X=task.X_test, y=task.y_test), top),
         "does not match the vendor model"),
        ((quick_audit(lab), top), "has no explanation"),
        ((few, top), "explain 300 patients"),
        ((audit, "n_chronic_conditions"), "list of three"),
        ((audit, top[:2]), "name 3 inputs"),
        ((audit, list(audit.explanation.index[-3:])), "SMALLEST"),
        ((audit, lab["features"][:3]), "first three entries"),
    ]
    for args, hint in cases:
        assert_fails(lab10.group_audit(*args), hint)


# Exercise 10.5 -----------------------------------------------------------------

@pytest.fixture(scope="module")
def verdicts(lab):
    """The verdicts, from evidence computed here with other intervals than the check's."""
    y, risk = lab["y"].to_numpy(), lab["risk"]
    z = stats.norm.ppf(0.975)
    # AUROC with the Hanley-McNeil standard error.
    auc = roc_auc_score(y, risk)
    n1, n0 = (y == 1).sum(), (y == 0).sum()
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    se = math.sqrt((auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2))
                   / (n1 * n0))
    # O/E with a Poisson interval on the observed count.
    oe_high = stats.chi2.ppf(0.975, 2 * (y.sum() + 1)) / 2 / risk.sum()
    # The slope by scikit-learn, with a bootstrap-free Wald interval from its information.
    x = logit(risk)
    fit = LogisticRegression(C=1e6).fit(x.reshape(-1, 1), y)
    p = fit.predict_proba(x.reshape(-1, 1))[:, 1]
    design = np.column_stack([np.ones_like(x), x])
    cov = np.linalg.inv(design.T @ (design * (p * (1 - p))[:, None]))
    slope_high = fit.coef_[0, 0] + z * math.sqrt(cov[1, 1])
    # The top 20% by sorting; sensitivity with a Wald interval.
    top = np.argsort(-risk, kind="stable")[: round(0.2 * len(risk))]
    caught = y[top].sum() / y.sum()
    caught_high = caught + z * math.sqrt(caught * (1 - caught) / y.sum())
    # Sensitivity at the threshold, 75+ against 45-64 (Wald difference of proportions).
    flag = risk >= THRESHOLD
    band = lab["groups"]["age_band"].astype(str).to_numpy()
    tpr = {g: flag[(band == g) & (y == 1)].mean() for g in ("75+", "45-64")}
    k = {g: ((band == g) & (y == 1)).sum() for g in tpr}
    diff = tpr["75+"] - tpr["45-64"]
    diff_low = diff - z * math.sqrt(sum(tpr[g] * (1 - tpr[g]) / k[g] for g in tpr))
    return {
        "auroc": "not supported" if auc + z * se < 0.80 else "supported",
        "calibration": "not supported" if oe_high < 1 or slope_high < 1 else "supported",
        "catches": "not supported" if caught_high < 0.80 else "supported",
        "inputs": ("supported" if len(lab["features"]) == 16
                   and "race_ethnicity" not in lab["features"] else "not supported"),
        "fairness": "not supported" if diff_low > 0 else "cannot be checked with these data",
        "impact": "cannot be checked with these data",
        "validation": "cannot be checked with these data",
    }, caught


def test_claims_right_answers(lenient, lab, verdicts):
    right, caught = verdicts
    assert lab10.claims(right, caught).passed
    assert lab10.claims(right, round(caught, 2)).passed
    y, risk = lab["y"], lab["risk"]
    quantile_rule = y[risk >= np.quantile(risk, 0.8)].sum() / y.sum()
    shouting = {k: v.upper() if k != "impact" else "Cannot be checked" for k, v in right.items()}
    assert lab10.claims(shouting, quantile_rule).passed
    assert lab10.claims(dict(reversed(list(right.items()))), caught).passed


def test_claims_wrong_answers(lenient, lab, verdicts):
    right, caught = verdicts
    y, risk = lab["y"].to_numpy(), lab["risk"]
    top = risk >= np.quantile(risk, 0.8)
    flipped = {"supported": "not supported", "not supported": "supported",
               "cannot be checked with these data": "not supported"}
    cases = [
        ((..., caught), "replace each ..."),
        ((right, y[top].mean()), "(PPV)"),
        ((right, (risk >= THRESHOLD)[y == 1].mean()), "flag the 20% with the highest risk"),
        ((right, 1 - caught), "share of readmissions missed"),
        ((right, top.mean()), "share of patients flagged"),
        ((right, 100 * caught), "percentage"),
        ((list(right.values()), caught), "dict of claim id"),
        (({k: v for k, v in right.items() if k != "impact"}, caught), "missing ['impact']"),
        (({**right, "speed": "supported"}, caught), "unknown ['speed']"),
        (({**right, "auroc": "maybe"}, caught), "use one of"),
        (({**right, "auroc": True}, caught), "use one of"),
    ]
    for claim, verdict in right.items():
        evidence = {"auroc": "measured on the vendor's own development data",
                    "calibration": "O/E", "catches": "catches", "inputs": "feature_names_in_",
                    "fairness": "clear differences in sensitivity",
                    "impact": "impact study", "validation": "development data are not ours"}
        cases.append((({**right, claim: flipped[verdict]}, caught), f"{claim}: not"))
        cases.append((({**right, claim: flipped[verdict]}, caught), evidence[claim]))
    wrong_two = {**right, "auroc": "supported", "impact": "not supported"}
    cases.append(((wrong_two, caught), "2 verdicts differ"))
    for args, hint in cases:
        assert_fails(lab10.claims(*args), hint)


# Exercise 10.6 -----------------------------------------------------------------

def make_card(lab, decision: str) -> dict[str, str]:
    y, risk = lab["y"].to_numpy(), lab["risk"]
    return {
        "model": "ReadmitIQ 2.1 from a fictional vendor, the skops file as delivered, "
                 "appraised before go-live.",
        "intended_use": "Adults discharged alive and not to hospice; transitional-care nurses "
                        "call patients at a predicted risk of 20% or more.",
        "context": "Places in the programme are few; the model would choose who gets one "
                   "instead of the nurses' judgement.",
        "inequalities": "Readmission differs by payer and by age in our patients; missing "
                        "younger patients would widen that gap.",
        "outcome": "Unplanned readmission within 30 days of discharge, from our own record "
                   "only.",
        "data": f"{len(y)} new patients discharged in 2023 and 2024, never admitted in the "
                "training years.",
        "inputs": "Sixteen fields recorded by discharge, without race, payer or deprivation; "
                  "none missing here.",
        "threshold": f"Risk of 0.20 or more; as delivered it flags {np.mean(risk >= 0.2):.0%} "
                     "of our patients.",
        "fairness": "Sensitivity compared by race, sex, payer and age band: it is far higher "
                    "in the oldest band.",
        "limitations": "Retrospective, one hospital, synthetic patients; the effect on "
                       "readmissions cannot be judged.",
        "oversight": "A nurse reviews each flag and may decline it; wrong flags go to the "
                     "committee every month.",
        "monitoring": "Quarterly AUROC, O/E, slope and sensitivity by group, with a trigger "
                      "for recalibration and withdrawal.",
        "governance": "Paid for and appraised by the hospital's committee, independent of the "
                      "vendor, no conflicts.",
        "decision": decision,
    }


NO_GO = ("No-go as delivered: it over-predicts, its slope is far below 1 and its net benefit "
         "is below zero at 0.20. Committee, next meeting.")
CONDITIONAL = ("Go with conditions: recalibrate on our 2023 patients, re-validate on 2024, "
               "report sensitivity by group and monitor quarterly. Committee.")


def test_model_card_right_answers(lenient, lab):
    for decision in (NO_GO, CONDITIONAL, "**No go.** " + NO_GO[6:],
                     "Conditional go: after local recalibration and a re-validation."):
        card = make_card(lab, decision)
        final = quick_audit(lab, card=card)
        assert lab10.model_card(card, final).passed, decision


def test_model_card_wrong_answers(lenient, lab):
    card = make_card(lab, NO_GO)
    final = quick_audit(lab, card=card)
    prompt = report.CARD_FIELDS["context"][2]

    def changed(**fields):
        return {**card, **fields}

    go = changed(decision="Go: the model is ready, and the vendor is reputable and "
                          "experienced.")
    vague = changed(decision="Go with conditions: we will monitor it every quarter and "
                             "review the flags.")
    cases = [
        ((..., final), "replace each ..."),
        ((list(card.items()), final), "dict of field -> text"),
        (({**card, "price": "A modest licence fee, paid yearly by the hospital."}, final),
         "does not know: ['price']"),
        (({k: v for k, v in card.items() if k != "governance"}, final),
         "lacks the field(s) ['governance']"),
        ((changed(outcome=5), final), "should be text"),
        ((changed(data="To be completed by the reviewer."), final), "placeholder"),
        ((changed(context=prompt), final), "repeats the field's prompt"),
        ((changed(context=prompt + " Yes."), final), "repeats the field's prompt"),
        ((changed(oversight="Nurses review."), final), "write at least 40"),
        ((changed(oversight=card["monitoring"]), final), "repeats card['oversight']"),
        ((changed(decision="We recommend waiting for the vendor's next release of it."), final),
         "start card['decision']"),
        ((go, final), "unconditional Go does not fit"),
        ((vague, final), "make local recalibration"),
        ((card, card), "what report.audit_model"),
        ((card, quick_audit(lab, threshold=0.3, card=card)), "pass the programme's"),
        ((card, quick_audit(lab)), "does not carry this card"),
        ((card, quick_audit(lab, card=changed(data="Another text about the data, long "
                                                    "enough to count."))),
         "does not carry this card"),
    ]
    for args, hint in cases:
        assert_fails(lab10.model_card(*args), hint)


def test_decision_kind_reads_the_first_words():
    assert lab10.decision_kind("no go, because") == "no-go"
    assert lab10.decision_kind("Go, with conditions: x") == "conditional"
    assert lab10.decision_kind("Going forward we may") is None
    assert lab10.decision_kind("Good model") is None


# The shipped sheet and the evidence ----------------------------------------------

def test_marketing_sheet_names_every_claim_the_checks_know():
    sheet = datasets.marketing_sheet()
    assert sheet.startswith("**FICTIONAL marketing sheet, written for the open lab kit.**")
    ids = re.findall(r"^\| `([a-z-]+)` \|", sheet, re.M)
    assert ids == list(lab10.CLAIMS)
    assert "an AUROC of 0.80" in sheet and "Catches 8 in 10" in sheet and "20% of" in sheet
    assert "16 fields" in sheet and "by 30%" in sheet


def test_sheet_and_datasheet_numbers_come_from_the_development_data():
    from labkit import synthetic

    dev = synthetic.vendor_development_cohort()
    vendor = sio.load(datasets.vendor_model_path(),
                      trusted=datasets.vendor_model_documented_types())
    y = dev["readmitted_30d"].astype(int)
    in_sample = roc_auc_score(y, vendor.predict_proba(dev[list(vendor.feature_names_in_)])[:, 1])
    # The sheet's AUROC is the one measured on the data the model was fitted on.
    assert round(in_sample, 2) == 0.80
    sheet = datasets.marketing_sheet()
    datasheet = (ROOT / "datasets" / "vendor_readmission_model.md").read_text()
    admissions, patients = f"{len(dev):,}", f"{dev['patient_key'].nunique():,}"
    assert f"{admissions} admissions" in sheet and f"{admissions} admissions" in datasheet
    assert f"{patients}\npatients" in datasheet or f"{patients} patients" in datasheet
    assert (dev["admit_year"].min(), dev["admit_year"].max()) == (2014, 2018)
    assert "2014-2018" in sheet and "2014-2018" in datasheet


def test_the_local_evidence_fails_the_overclaims(lab):
    # What the lab's prose says, recomputed: over-prediction, a slope below 1, a net benefit
    # below zero at the threshold, and far fewer than 8 in 10 caught at 20% flagged.
    y, risk = lab["y"].to_numpy(), lab["risk"]
    assert y.sum() / risk.sum() < 0.8
    assert net_benefit(y, risk, THRESHOLD) < 0
    top = np.argsort(-risk)[: len(risk) // 5]
    assert y[top].sum() / y.sum() < 0.5
    assert roc_auc_score(y, risk) < 0.7
