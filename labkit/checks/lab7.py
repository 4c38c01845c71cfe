"""Checks for Lab 7 - Measurement bias: pulse oximetry.

Each check rebuilds what the exercise asks for from the shipped SYNTHETIC files
(the admissions joined with their ground truth on ``admission_id``) with plain
pandas and scikit-learn, through :mod:`labkit.checks.state`, and compares the
learner's answer with it. The exercise's constants (the SpO2 band of Sjoding's
definition, the hypoxaemia cut-off, the NEWS2 red score, the model's inputs, the
alert threshold, the test years) live here; a learner's own flags or labels are
never taken as the truth.

>>> from labkit.checks import lab7
>>> lab7.occult_by_group(...).passed
✘ Exercise 7.2 - not yet: replace ... with your answer.
False
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit import datasets
from labkit.checks import (
    Feedback,
    as_number,
    decimals_of,
    feedback,
    frame_problem,
    input_names,
    unanswered,
)
from labkit.checks.state import lab_state

__all__ = ["comparable_group", "occult_by_group", "rule_miss_rate", "model_calibration",
           "two_audits", "BAND", "HYPOXAEMIA", "RED_SCORE", "FEATURES", "ALERT", "TEST_FROM"]

GROUP = "race_ethnicity"
BAND = (92, 96)  # SpO2 92-96% inclusive: Sjoding's "normal-looking" band
HYPOXAEMIA = 88.0  # true hypoxaemia: SaO2 below 88%
RED_SCORE = 91  # NEWS2 scale 1: SpO2 of 91% or less scores 3, an urgent review
FEATURES = ("spo2", "resp_rate", "heart_rate", "age")  # the model's inputs
ALERT = 0.20  # the model's alert fires at a predicted probability of at least 20%
TEST_FROM = 2023  # trained on 2019-2022, tested on 2023-2024
#: Rates are ratios of counts: equal up to floating-point error, or rounded by the learner.
TOL = 1e-9
#: Another solver or no scaling moves a predicted probability by well under 0.01.
RISK_TOL = 0.01


@dataclass(frozen=True)
class _Reference:
    readings: pd.DataFrame  # every admission with its truth, in file order
    comparable: pd.DataFrame  # admissions with respiratory compromise
    train: pd.DataFrame
    test: pd.DataFrame
    risk: np.ndarray  # the reference model's risk for each test admission
    alert: np.ndarray  # risk >= ALERT, as 0/1


def _fit(frame: pd.DataFrame, label: pd.Series) -> object:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression()).fit(frame[list(FEATURES)], label)


def _reference() -> _Reference:
    state = lab_state()

    def build() -> _Reference:
        readings = state.cohort.merge(datasets.load_admissions_truth(), on="admission_id")
        comparable = readings[readings["respiratory_compromise"] == 1]
        train = comparable[comparable["admit_year"] < TEST_FROM]
        test = comparable[comparable["admit_year"] >= TEST_FROM]
        model = _fit(train, train["sao2_true"] < HYPOXAEMIA)
        risk = model.predict_proba(test[list(FEATURES)])[:, 1]
        return _Reference(readings, comparable, train, test, risk,
                          (risk >= ALERT).astype(int))

    return state.memo("lab7.reference", build)


def _groups(frame: pd.DataFrame) -> list[str]:
    return sorted(frame[GROUP].astype(str).unique())


def _by_group(frame: pd.DataFrame, values: object) -> pd.Series:
    """Mean of ``values`` (aligned with ``frame``'s rows) in each race and ethnicity group."""
    return pd.Series(np.asarray(values, dtype=float)).groupby(
        frame[GROUP].astype(str).to_numpy()).mean()


def _series(value: object) -> pd.Series | None:
    """A Series of one number per group: a Series, a one-column DataFrame, or the True/1
    column of a crosstab normalised by row."""
    if isinstance(value, pd.Series):
        return value
    if isinstance(value, pd.DataFrame):
        if value.shape[1] == 1:
            return value.iloc[:, 0]
        for key in (True, 1, "1", "True"):
            if key in value.columns:
                return value[key]
    return None


def _same(a: pd.Series, b: pd.Series, tol: float = TOL, min_decimals: int | None = 3) -> bool:
    """True if ``a`` equals ``b`` group by group, or is ``b`` rounded to at least
    ``min_decimals`` places (NaN equals NaN)."""
    got = {str(k): v for k, v in a.items()}
    if set(got) != {str(k) for k in b.index}:
        return False
    places = decimals_of(a)
    slack = 0.0
    if min_decimals is not None and places is not None and places >= min_decimals:
        slack = 0.5 * 10.0**-places + 1e-12
    for k, want in b.items():
        value = as_number(got[str(k)])
        if value is None:
            if pd.isna(got[str(k)]) and np.isnan(want):
                continue
            return False
        if np.isnan(want) or abs(value - want) > max(tol, slack):
            return False
    return True


def _index_problem(series: pd.Series, groups: list[str], name: str) -> str | None:
    if series.index.nlevels > 1 or {str(i) for i in series.index} != set(groups):
        return (f"{name} should have one entry per race and ethnicity group "
                f"(group by '{GROUP}'); got {[str(i) for i in series.index][:6]}.")
    return None


# Exercise 7.1 -------------------------------------------------------------------

def comparable_group(comparable: object) -> Feedback:
    """Exercise 7.1: the admissions joined with their truth, kept to respiratory compromise."""
    if unanswered(comparable):
        return feedback("7.1", False, "replace ... with your answer.")
    problem = frame_problem(comparable, "comparable",
                            columns=["admission_id", GROUP, "spo2", "sao2_true",
                                     "respiratory_compromise"])
    if problem:
        if isinstance(comparable, pd.DataFrame) and "admission_id" not in comparable.columns:
            problem += (" Join the two tables on admission_id: "
                        "admissions.merge(truth, on='admission_id').")
        elif isinstance(comparable, pd.DataFrame) and "sao2_true" not in comparable.columns:
            problem += " The true saturation is in the truth file: merge it in on admission_id."
        return feedback("7.1", False, problem)
    assert isinstance(comparable, pd.DataFrame)
    ref = _reference()
    ids = comparable["admission_id"]
    if ids.duplicated().any():
        return feedback("7.1", False, f"comparable holds {int(ids.duplicated().sum())} "
                        "admissions more than once: join on admission_id (one row each), not "
                        "on patient_key.")
    have, want = set(ids), set(ref.comparable["admission_id"])
    if have == set(ref.readings["admission_id"]):
        return feedback("7.1", False, "comparable holds every admission; keep only those with "
                        "respiratory compromise (respiratory_compromise == 1).")
    if have and not have & want:
        return feedback("7.1", False, "comparable holds the admissions WITHOUT respiratory "
                        "compromise; keep respiratory_compromise == 1.")
    if have != want:
        missing, extra = len(want - have), len(have - want)
        return feedback("7.1", False, f"comparable should hold the {len(want)} admissions with "
                        f"respiratory compromise, all years; it lacks {missing} and has "
                        f"{extra} others.")
    truth = ref.comparable.set_index("admission_id")["sao2_true"]
    got = comparable.set_index("admission_id")["sao2_true"].reindex(truth.index)
    if not np.allclose(got.to_numpy(dtype=float), truth.to_numpy(), equal_nan=True):
        return feedback("7.1", False, "sao2_true does not belong to the admission on its row: "
                        "join on admission_id, not by row position.")
    share = len(want) / len(ref.readings)
    return feedback("7.1", True, f"{len(want):,} admissions with respiratory compromise "
                    f"({share:.0%} of all); each has an SpO2 and an arterial SaO2.")


def _rates_by_group(value: object, exercise: str, name: str,
                    comp: pd.DataFrame) -> pd.Series | Feedback:
    """``value`` as one rate per group of ``comp``, or the feedback saying why it is not."""
    if unanswered(value):
        return feedback(exercise, False, "replace ... with your answer.")
    series = _series(value)
    if series is None:
        return feedback(exercise, False, f"{name} should be a pandas Series: one rate per race "
                        f"and ethnicity group, got {type(value).__name__}.")
    problem = _index_problem(series, _groups(comp), name)
    if problem:
        return feedback(exercise, False, problem)
    return series


# Exercise 7.2 -------------------------------------------------------------------

def _in_band(frame: pd.DataFrame, low: float = BAND[0], high: float = BAND[1]) -> pd.Series:
    return frame["spo2"].between(low, high)


def occult_by_group(occult_rate: object) -> Feedback:
    """Exercise 7.2: share of readings with SaO2 < 88% among those with SpO2 92-96%, by group,
    in the comparable group."""
    ref = _reference()
    comp = ref.comparable
    series = _rates_by_group(occult_rate, "7.2", "occult_rate", comp)
    if isinstance(series, Feedback):
        return series
    low_sao2 = comp["sao2_true"] < HYPOXAEMIA
    band = _in_band(comp)
    want = _by_group(comp[band], low_sao2[band])
    if _same(series, want):
        black, white = want.get("Black", np.nan), want.get("White", np.nan)
        n = comp[band].groupby(comp[band][GROUP].astype(str)).size()
        k = low_sao2[band].groupby(comp[band][GROUP].astype(str)).sum()
        return feedback("7.2", True, f"occult hypoxaemia in {black:.1%} of Black patients' "
                        f"readings ({int(k['Black'])} of {int(n['Black'])}) and {white:.1%} of "
                        f"White patients' ({int(k['White'])} of {int(n['White'])}), per reading "
                        "with SpO2 92-96%; few events, so read the counts too.")
    places = decimals_of(series)
    if places is not None and places < 3 and _same(series, want, min_decimals=1):
        return feedback("7.2", False, "occult_rate is rounded too coarsely to check; keep at "
                        "least 3 decimals (round only for display).")
    every = ref.readings
    wide_low = every["sao2_true"] < HYPOXAEMIA
    inner = _in_band(comp, BAND[0] + 1, BAND[1] - 1)
    slips = [
        (100 * want, "occult_rate looks like percentages; give proportions between 0 and 1."),
        (low_sao2[band].groupby(comp[band][GROUP].astype(str)).sum().astype(float),
         "those are counts of readings; divide by the number of readings in the band "
         "(take the mean, not the sum)."),
        (1 - want, "that is the share with SaO2 of 88% or more; occult hypoxaemia is SaO2 "
         "below 88%."),
        (_by_group(comp, low_sao2 & band), "the denominator should be the readings with SpO2 "
         "92-96%, not every reading: filter to the band first, then take the mean."),
        (_by_group(every[_in_band(every)], wide_low[_in_band(every)]),
         "that uses every admission; keep the comparable group (respiratory compromise), "
         "the patients who would have an arterial blood gas."),
        (_by_group(comp[inner], low_sao2[inner]), "the band is 92-96% inclusive: use "
         "between(92, 96) or >= 92 and <= 96."),
        (_by_group(comp[band], comp[band]["spo2"] < HYPOXAEMIA),
         "that counts SpO2 below 88%, which cannot happen inside the band; occult "
         "hypoxaemia is the TRUE saturation, sao2_true, below 88%."),
    ]
    for candidate, hint in slips:
        if _same(series, candidate):
            return feedback("7.2", False, hint)
    return feedback("7.2", False, "occult_rate should be, for each group, the share of "
                    "comparable readings with SpO2 92-96% whose sao2_true is below 88.")


# Exercise 7.3 -------------------------------------------------------------------

def rule_miss_rate(miss_rate: object) -> Feedback:
    """Exercise 7.3: among truly hypoxaemic comparable patients (SaO2 < 88%), the share the
    NEWS2 red score (SpO2 <= 91%) does not flag, by group."""
    comp = _reference().comparable
    series = _rates_by_group(miss_rate, "7.3", "miss_rate", comp)
    if isinstance(series, Feedback):
        return series
    hyp = comp["sao2_true"] < HYPOXAEMIA
    flagged = comp["spo2"] <= RED_SCORE
    want = _by_group(comp[hyp], ~flagged[hyp])
    if _same(series, want):
        n = hyp.groupby(comp[GROUP].astype(str)).sum()
        return feedback("7.3", True, f"the red score misses {want['Black']:.1%} of truly "
                        f"hypoxaemic Black patients ({int(n['Black'])} hypoxaemic) and "
                        f"{want['White']:.1%} of White patients ({int(n['White'])}).")
    places = decimals_of(series)
    if places is not None and places < 3 and _same(series, want, min_decimals=1):
        return feedback("7.3", False, "miss_rate is rounded too coarsely to check; keep at "
                        "least 3 decimals.")
    at_or_below = comp["sao2_true"] <= HYPOXAEMIA
    by_spo2 = comp["spo2"] < HYPOXAEMIA
    slips = [
        (100 * want, "miss_rate looks like percentages; give proportions between 0 and 1."),
        (1 - want, "that is the share flagged (sensitivity); the miss rate is the share NOT "
         "flagged among the truly hypoxaemic."),
        (_by_group(comp[~hyp], flagged[~hyp]), "that is the false-positive rate (flagged "
         "among patients WITHOUT hypoxaemia); take the truly hypoxaemic patients."),
        (_by_group(comp[hyp], ~(comp["spo2"] < RED_SCORE)[hyp]), "the red score is SpO2 of "
         "91% or less (<= 91), not below 91."),
        (_by_group(comp[hyp], ~(comp["spo2"] <= BAND[0])[hyp]), "the red score is SpO2 of "
         "91% or less; 92% already scores 2, not 3."),
        (_by_group(comp[by_spo2], ~flagged[by_spo2]), "that judges the rule against the "
         "oximeter itself (SpO2 below 88%); true hypoxaemia is sao2_true below 88."),
        (_by_group(comp[at_or_below], ~flagged[at_or_below]), "hypoxaemia is SaO2 below 88%, "
         "not at or below 88%."),
        (_by_group(comp, hyp & ~flagged), "divide by the truly hypoxaemic patients, not by "
         "every comparable patient."),
    ]
    for candidate, hint in slips:
        if _same(series, candidate):
            return feedback("7.3", False, hint)
    return feedback("7.3", False, "miss_rate should be, for each group, the share of comparable "
                    "patients with sao2_true below 88 whose spo2 is above 91.")


# Exercise 7.4 -------------------------------------------------------------------

def _predictions(model: object, frame: pd.DataFrame) -> np.ndarray | str:
    """The model's predicted probabilities for ``frame``, or a hint why there are none."""
    names = input_names(model, kind="classifier", fit_on="train[FEATURES]")
    if isinstance(names, str):
        return names
    if GROUP in names:
        return ("race_ethnicity is not an input: the model uses only FEATURES. (Adding race "
                "would paper over the device's error; the lab discusses why.)")
    if set(names) != set(FEATURES):
        lacking = sorted(set(FEATURES) - set(names))
        extra = sorted(set(names) - set(FEATURES))
        return (f"the model's inputs should be exactly FEATURES {list(FEATURES)}; "
                f"missing {lacking}, extra {extra}.")
    try:
        return np.asarray(model.predict_proba(frame[names]))[:, 1]
    except Exception as error:  # noqa: BLE001 - any failure is the learner's model
        return f"model.predict_proba failed on test[FEATURES]: {error}"


def model_calibration(model: object, calib: object) -> Feedback:
    """Exercise 7.4: a logistic model of true hypoxaemia (SaO2 < 88%) from FEATURES, fitted on
    2019-2022, and a table of n, observed and mean predicted by group on 2023-2024."""
    if unanswered(model, calib):
        return feedback("7.4", False, "replace each ... with your answer.")
    ref = _reference()
    pred = _predictions(model, ref.test)
    if isinstance(pred, str):
        return feedback("7.4", False, pred)
    if np.abs(pred - ref.risk).max() > RISK_TOL:
        test, train, comp = ref.test, ref.train, ref.comparable
        others = [
            (lambda: _fit(train, train["spo2"] < HYPOXAEMIA),
             "the model was trained on the oximeter's label (spo2 < 88); train it on the "
             "blood gas: y = train['sao2_true'] < 88."),
            (lambda: _fit(test, test["sao2_true"] < HYPOXAEMIA),
             "the model was fitted on the test years; fit it on train (2019-2022) and judge "
             "it on test."),
            (lambda: _fit(comp, comp["sao2_true"] < HYPOXAEMIA),
             "the model was fitted on every year; fit it on train (2019-2022) only."),
            (lambda: _fit(train, train["sao2_true"] <= HYPOXAEMIA),
             "hypoxaemia is sao2_true below 88, not at or below."),
        ]
        for build, hint in others:
            other = lab_state().memo(f"lab7.alt.{hint[:30]}", build)
            if np.abs(pred - other.predict_proba(test[list(FEATURES)])[:, 1]).max() <= RISK_TOL:
                return feedback("7.4", False, hint)
        return feedback("7.4", False, "the model's predictions differ from a logistic "
                        "regression of sao2_true < 88 on train[FEATURES]; fit "
                        "LogisticRegression (scaled inputs) on train[FEATURES].")
    problem = frame_problem(calib, "calib", columns=["n", "observed", "predicted"])
    if problem:
        return feedback("7.4", False, problem)
    assert isinstance(calib, pd.DataFrame)
    test = ref.test
    groups = _groups(test)
    if {str(i) for i in calib.index} != set(groups):
        return feedback("7.4", False, "calib should have one row per race and ethnicity group, "
                        "indexed by group (group the TEST set by race_ethnicity).")
    size = test.groupby(test[GROUP].astype(str)).size().astype(float)
    if not _same(calib["n"], size, min_decimals=None):
        for frame, hint in ((ref.train, "n counts the training years; calib is for the test "
                             "set (2023-2024)."),
                            (ref.comparable, "n counts every year; calib is for the test set "
                             "(2023-2024) only.")):
            if _same(calib["n"], frame.groupby(frame[GROUP].astype(str)).size().astype(float),
                     min_decimals=None):
                return feedback("7.4", False, hint)
        return feedback("7.4", False, "n should be the number of test admissions in each group.")
    hyp = test["sao2_true"] < HYPOXAEMIA
    observed = _by_group(test, hyp)
    if _same(calib["observed"], _by_group(test, test["spo2"] < HYPOXAEMIA)):
        return feedback("7.4", False, "observed uses the oximeter (spo2 < 88); observed is the "
                        "share with true hypoxaemia, sao2_true < 88.")
    if _same(calib["observed"], 100 * observed) or _same(calib["predicted"],
                                                          100 * _by_group(test, pred)):
        return feedback("7.4", False, "give proportions between 0 and 1, not percentages.")
    if (_same(calib["observed"], _by_group(test, pred))
            and _same(calib["predicted"], observed)):
        return feedback("7.4", False, "observed and predicted are swapped.")
    if not _same(calib["observed"], observed):
        return feedback("7.4", False, "observed should be the share of test admissions in each "
                        "group with sao2_true below 88.")
    mine = _by_group(test, pred)
    if _same(calib["predicted"], _by_group(test, 1 - pred)):
        return feedback("7.4", False, "predicted is the mean probability of class 0; use column "
                        "1 of predict_proba.")
    if _same(calib["predicted"], _by_group(test, (pred >= ALERT).astype(float))):
        return feedback("7.4", False, "predicted holds the share alerted (0/1); average the "
                        "predicted probabilities instead.")
    if not _same(calib["predicted"], mine, tol=1e-6):
        return feedback("7.4", False, "predicted should be the mean of model.predict_proba("
                        "test[FEATURES])[:, 1] in each group.")
    gap = observed - _by_group(test, ref.risk)
    return feedback("7.4", True, f"Black patients: {observed['Black']:.1%} truly hypoxaemic, "
                    f"{mine['Black']:.1%} predicted; White: {observed['White']:.1%} and "
                    f"{mine['White']:.1%}. Under-predicted for Black patients by "
                    f"{gap['Black']:.3f}.")


# Exercise 7.5 -------------------------------------------------------------------

def _fnr_bounds(test: pd.DataFrame, label: np.ndarray, risk: np.ndarray) -> pd.DataFrame:
    """Each group's FNR of the alert, with the range another solver could give: a patient
    whose reference risk lies within RISK_TOL of ALERT may fall on either side."""
    race = test[GROUP].astype(str).to_numpy()
    flag = risk >= ALERT
    edge = np.abs(risk - ALERT) < RISK_TOL
    rows = {}
    for g in sorted(set(race)):
        pos = (race == g) & label
        n = pos.sum()
        if n == 0:
            rows[g] = (np.nan, np.nan, np.nan)
            continue
        missed = (pos & ~flag).sum()
        lo = (pos & ~flag & ~edge).sum()
        hi = (pos & (~flag | edge)).sum()
        rows[g] = (missed / n, lo / n, hi / n)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["fnr", "low", "high"])


def _fnr_of(frame: object, name: str, size: pd.Series) -> pd.Series | str:
    from fairlearn.metrics import MetricFrame

    if not isinstance(frame, MetricFrame):
        return f"{name} should be a fairlearn MetricFrame, got {type(frame).__name__}."
    by = frame.by_group
    if not isinstance(by, pd.DataFrame) or not {"fnr", "count"} <= set(by.columns):
        return (f"{name}: pass metrics as a dict with the keys 'fnr' and 'count' "
                "(false_negative_rate and count).")
    if by.index.nlevels > 1 or {str(i) for i in by.index} != set(size.index):
        return (f"{name}: sensitive_features should be the test set's race and ethnicity, "
                "test['race_ethnicity'].")
    if not _same(by["count"], size, min_decimals=None):
        return (f"{name}: the count column does not match the test set; audit the test set "
                "(2023-2024), all of it.")
    return by["fnr"]


def _within(fnr: pd.Series, bounds: pd.DataFrame) -> bool:
    for g, row in bounds.iterrows():
        value = as_number(fnr.get(g, fnr.get(str(g))))
        if np.isnan(row["fnr"]):
            continue
        if value is None or not row["low"] - TOL <= value <= row["high"] + TOL:
            return False
    return True


def two_audits(audit_oximeter: object, audit_blood_gas: object) -> Feedback:
    """Exercise 7.5: the alert's false-negative rate by group, judged against the oximeter's
    label (SpO2 < 88%) and against the blood gas (SaO2 < 88%), on the test set."""
    if unanswered(audit_oximeter, audit_blood_gas):
        return feedback("7.5", False, "replace each ... with your answer.")
    ref = _reference()
    test = ref.test
    size = test.groupby(test[GROUP].astype(str)).size().astype(float)
    got = {}
    for name, frame in (("audit_oximeter", audit_oximeter), ("audit_blood_gas",
                                                             audit_blood_gas)):
        fnr = _fnr_of(frame, name, size)
        if isinstance(fnr, str):
            return feedback("7.5", False, fnr)
        got[name] = fnr
    by_spo2 = (test["spo2"] < HYPOXAEMIA).to_numpy()
    by_gas = (test["sao2_true"] < HYPOXAEMIA).to_numpy()
    want = {"audit_oximeter": _fnr_bounds(test, by_spo2, ref.risk),
            "audit_blood_gas": _fnr_bounds(test, by_gas, ref.risk)}
    label_of = {"audit_oximeter": ("test['spo2'] < 88", by_spo2),
                "audit_blood_gas": ("test['sao2_true'] < 88", by_gas)}
    other = {"audit_oximeter": "audit_blood_gas", "audit_blood_gas": "audit_oximeter"}
    race = test[GROUP].astype(str).to_numpy()
    for name, fnr in got.items():
        if _within(fnr, want[name]):
            continue
        if _within(fnr, want[other[name]]):
            return feedback("7.5", False, f"{name} uses the other audit's label: its y_true "
                            f"should be {label_of[name][0]}.")
        label = label_of[name][1]
        tpr = 1 - want[name]["fnr"]
        rule = (test["spo2"] <= RED_SCORE).to_numpy()
        slips = [
            (tpr, "that column is the sensitivity (TPR); map 'fnr' to false_negative_rate."),
            (pd.Series(ref.alert[~label]).groupby(race[~label]).mean(),
             "that column is the false-positive rate; map 'fnr' to false_negative_rate."),
            (pd.Series(1 - label[ref.alert == 1]).groupby(race[ref.alert == 1]).mean(),
             "y_true and y_pred are swapped: y_true is the label, y_pred=alert."),
            (pd.Series(~rule[label]).groupby(race[label]).mean(),
             "those are the NEWS2 rule's flags (spo2 <= 91); audit the model's alert, "
             "y_pred=alert."),
        ]
        for candidate, hint in slips:
            if _same(fnr, candidate):
                return feedback("7.5", False, f"{name}: {hint}")
        return feedback("7.5", False, f"{name}: the fnr column does not match the alert "
                        f"(y_pred=alert, risk >= {ALERT}) judged against {label_of[name][0]}.")
    a, b = want["audit_oximeter"]["fnr"], want["audit_blood_gas"]["fnr"]
    n_b = pd.Series(by_gas).groupby(race).sum()
    return feedback("7.5", True, f"against the oximeter's label the alert misses "
                    f"{a['Black']:.0%} of Black and {a['White']:.0%} of White patients; against "
                    f"the blood gas {b['Black']:.0%} ({int(n_b['Black'])} hypoxaemic) and "
                    f"{b['White']:.0%} ({int(n_b['White'])}).")
