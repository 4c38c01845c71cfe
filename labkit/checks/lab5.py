"""Checks for Lab 5 - Label bias: cost as a proxy for need.

Each check rebuilds the lab's chain from the shipped SYNTHETIC data through
:mod:`labkit.checks.state`: one row per patient (the most recent admission the
patient survived, with next-year cost recorded), joined to the payer's claims
(spending in the 12 months before that admission, used as its log), the same
split by patient, the same claims-style features, a Poisson regression of
next-year cost and one of the number of chronic conditions, and the exercise's
rule (enrol the 3% of test patients with the highest score). Expected answers
are recomputed here with scikit-learn, pandas and NumPy, never taken from the
learner's variables.

>>> from labkit.checks import lab5
>>> lab5.enrolment(...).passed
✘ Exercise 5.2 - not yet: replace ... with your answer.
False
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labkit.checks import Feedback, as_number, feedback, frame_problem, judge, unanswered
from labkit.checks.state import RANDOM_STATE, lab_state

__all__ = ["cost_score", "enrolment", "conditions_by_score", "cost_calibration",
           "health_label", "patients_table", "FEATURES", "RECORD_FEATURES", "CAPACITY",
           "TEST_SIZE"]

CAPACITY = 0.03  # the programme auto-enrols the top 3% (the 97th percentile and above)
TEST_SIZE = 0.3
GROUP = "race_ethnicity"
COST = "cost_next_year_usd"
HEALTH = "n_chronic_conditions"
FLAGS = ["diabetes", "chf", "copd", "ckd", "cancer", "dementia", "liver_disease"]
SPENDING = "spending_prior_12m_usd"  # from the payer's claims (synthetic_claims.csv)
PAST = "log_prior_spending"          # its log, log(1 + dollars): the model's input
#: What a claims-based algorithm sees; race is kept for the audit, not used as an input.
FEATURES = ["age", "sex", "payer", "adi_percentile", *FLAGS, "prior_admissions_12m",
            "ed_visits_12m", "creatinine_mg_dl", "hemoglobin_g_dl", "hba1c_last_year_pct",
            PAST]
#: The same without past spending: what a hospital's own record holds.
RECORD_FEATURES = [f for f in FEATURES if f != PAST]
CATEGORICAL = ["sex", "payer"]
#: Relative tolerance for predictions: another solver, a small penalty or rounding to
#: whole dollars stays well inside it; another label or another split does not.
SCORE_RTOL = 0.02
#: How far from 1 (and from each other) the two large groups' observed/predicted cost
#: ratios may be for the 5.4 message to call the score calibrated; with hundreds of Black
#: test patients a ratio's standard error is a few hundredths.
CALIBRATED = 0.06


def patients_table(cohort: pd.DataFrame, claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per patient: the most recent admission the patient survived, with
    next-year cost recorded, in order of admission (year, quarter, admission id).

    With ``claims`` (:func:`labkit.datasets.load_claims`), each row also gets the
    payer's past spending, ``spending_prior_12m_usd``, joined on ``admission_id``,
    and its log, ``log_prior_spending`` = log(1 + dollars).

    >>> from labkit import datasets
    >>> table = patients_table(datasets.load_admissions(), datasets.load_claims())
    >>> bool(table["patient_key"].is_unique), bool(table["log_prior_spending"].notna().all())
    (True, True)
    """
    if not isinstance(cohort, pd.DataFrame):
        raise TypeError(f"cohort must be a pandas DataFrame, got {type(cohort).__name__}")
    needed = ["patient_key", "admit_year", "admit_quarter", "admission_id", COST]
    lacking = [c for c in needed if c not in cohort.columns]
    if lacking:
        raise ValueError(f"cohort lacks the column {lacking[0]!r}")
    survived = cohort[cohort[COST].notna()]
    ordered = survived.sort_values(["admit_year", "admit_quarter", "admission_id"])
    table = ordered.drop_duplicates("patient_key", keep="last").reset_index(drop=True)
    if claims is None:
        return table
    if not isinstance(claims, pd.DataFrame):
        raise TypeError(f"claims must be a pandas DataFrame or None, got "
                        f"{type(claims).__name__}")
    lacking = [c for c in ("admission_id", SPENDING) if c not in claims.columns]
    if lacking:
        raise ValueError(f"claims lacks the column {lacking[0]!r}")
    if claims["admission_id"].duplicated().any():
        raise ValueError("claims holds an admission_id more than once; pass load_claims()")
    table = table.merge(claims[["admission_id", SPENDING]], on="admission_id", how="left")
    if table[SPENDING].isna().any():
        missing = table.loc[table[SPENDING].isna(), "admission_id"].iloc[0]
        raise ValueError(f"claims has no row for admission_id {missing}; pass load_claims()")
    table[PAST] = np.log1p(table[SPENDING].astype(float))
    return table


def _model(features: list[str] = FEATURES, kind: str = "poisson"):
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LinearRegression, PoissonRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in features if c not in CATEGORICAL]
    preprocess = make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
         numeric),
        (OneHotEncoder(), [c for c in features if c in CATEGORICAL]))
    regressor = (PoissonRegressor(alpha=0, max_iter=1000) if kind == "poisson"
                 else LinearRegression())
    return make_pipeline(preprocess, regressor)


@dataclass(frozen=True)
class _Reference:
    train: pd.DataFrame
    test: pd.DataFrame
    cost: np.ndarray          # Poisson regression of next-year cost, test patients
    health: np.ndarray        # Poisson regression of chronic conditions, test patients
    health_linear: np.ndarray  # linear regression of chronic conditions (also accepted)
    cost_record: np.ndarray   # the cost model without past spending (a likely slip)
    health_record: np.ndarray  # the health model without past spending (a likely slip)
    race: np.ndarray


def _top(score: np.ndarray) -> np.ndarray:
    """The exercise's rule: at or above the 97th percentile of the test scores."""
    return score >= np.quantile(score, 1 - CAPACITY)


def _reference() -> _Reference:
    state = lab_state()

    def build() -> _Reference:
        from sklearn.model_selection import train_test_split

        from labkit import datasets

        patients = patients_table(state.cohort, datasets.load_claims())
        train, test = train_test_split(patients, test_size=TEST_SIZE,
                                       random_state=RANDOM_STATE)
        train, test = train.reset_index(drop=True), test.reset_index(drop=True)

        def fitted(label: str, features: list[str] = FEATURES, kind: str = "poisson"):
            model = _model(features, kind).fit(train[features], train[label])
            return model.predict(test[features])

        return _Reference(train, test, fitted(COST), fitted(HEALTH),
                          fitted(HEALTH, kind="linear"), fitted(COST, RECORD_FEATURES),
                          fitted(HEALTH, RECORD_FEATURES), test[GROUP].astype(str).to_numpy())

    return state.memo("lab5.reference", build)


def _array(values: object, name: str, exercise: str, n: int, n_train: int
           ) -> np.ndarray | Feedback:
    """``values`` as a 1-D float array with one value per test patient, or the feedback."""
    if isinstance(values, pd.DataFrame):
        return feedback(exercise, False, f"{name} should be one value per test patient (an "
                        "array or a Series), not a DataFrame.")
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        return feedback(exercise, False, f"{name} should be an array of numbers, got "
                        f"{type(values).__name__}.")
    if array.ndim == 2 and 1 in array.shape:
        array = array.ravel()
    if array.ndim != 1:
        return feedback(exercise, False, f"{name} should be one value per test patient; got "
                        f"an array of shape {array.shape}.")
    if len(array) == n_train and n_train != n:
        return feedback(exercise, False, f"{name} has one value per TRAINING patient; score "
                        "the test patients (test[FEATURES]).")
    if len(array) != n:
        return feedback(exercise, False, f"{name} should have one value per test patient "
                        f"({n}), got {len(array)}.")
    if not np.isfinite(array).all():
        return feedback(exercise, False, f"{name} holds missing or infinite values.")
    return array


def _close(a: np.ndarray, b: np.ndarray, rtol: float = SCORE_RTOL) -> bool:
    return bool(np.all(np.abs(a - b) <= rtol * np.abs(b) + 0.5))


def _feature_problem(model: object) -> str | None:
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        return None
    names = [str(n) for n in names]
    if GROUP in names:
        return ("race_ethnicity is an input: the studied algorithm did not use race, so fit on "
                "train[FEATURES] and keep race for the audit.")
    for label in (COST, HEALTH):
        if label in names:
            return (f"{label} is an input; it is a label here. Fit on train[FEATURES] only.")
    lacking = [f for f in FEATURES if f not in names]
    if PAST in lacking and SPENDING in names:
        return (f"the model uses past spending in dollars ({SPENDING}); use its log, "
                f"{PAST}, which is in FEATURES: fit on train[FEATURES].")
    if lacking == [PAST]:
        return (f"the model was fitted without past spending ({PAST}). A claims-based "
                "algorithm sees the past year's costs; fit on all of train[FEATURES].")
    if lacking:
        return f"the model was fitted without {lacking}; fit on all of train[FEATURES]."
    extra = [n for n in names if n not in FEATURES]
    if extra:
        return f"the model was fitted on columns beyond FEATURES ({extra}); use FEATURES only."
    return None


def cost_score(cost_model: object, score: object) -> Feedback:
    """Exercise 5.1: a Poisson regression of next-year cost; ``score`` its test predictions."""
    if unanswered(cost_model, score):
        return feedback("5.1", False, "replace each ... with your answer.")
    if not hasattr(cost_model, "predict"):
        return feedback("5.1", False, "cost_model should be a fitted scikit-learn model (a "
                        f"Pipeline ending in PoissonRegressor), got {type(cost_model).__name__}.")
    problem = _feature_problem(cost_model)
    if problem:
        return feedback("5.1", False, problem)
    ref = _reference()
    got = _array(score, "score", "5.1", len(ref.test), len(ref.train))
    if isinstance(got, Feedback):
        return got
    if _close(got, ref.cost):
        return feedback("5.1", True, f"predicted next-year cost for {len(got)} test patients, "
                        f"from ${ref.cost.min():,.0f} to ${ref.cost.max():,.0f} (mean "
                        f"${ref.cost.mean():,.0f}; observed mean "
                        f"${ref.test[COST].mean():,.0f}).")
    if np.all(got < 20) and abs(np.corrcoef(got, np.log(ref.cost))[0, 1]) > 0.95:
        return feedback("5.1", False, "score looks like log dollars (a regression on the log "
                        "of cost); fit PoissonRegressor on the cost in dollars, "
                        "train['cost_next_year_usd'], so the score is a cost in dollars.")
    if _close(got, ref.health, rtol=0.05):
        return feedback("5.1", False, "that score predicts the number of chronic conditions; "
                        "this exercise uses the cost label, train['cost_next_year_usd'].")
    if _close(got, ref.cost_record):
        return feedback("5.1", False, f"that score was fitted without past spending ({PAST}); "
                        "a claims-based algorithm sees the past year's costs: fit on all of "
                        "train[FEATURES].")
    on_test = lab_state().memo("lab5.cost_on_test", lambda: _model().fit(
        ref.test[FEATURES], ref.test[COST]).predict(ref.test[FEATURES]))
    if _close(got, on_test):
        return feedback("5.1", False, "that model was fitted on the test patients; fit on the "
                        "training patients (train) and score the test patients.")
    return feedback("5.1", False, "score does not match a Poisson regression of "
                    "cost_next_year_usd on train[FEATURES], scored on test[FEATURES]: use "
                    "make_pipeline(preprocess, PoissonRegressor(alpha=0, max_iter=1000)).")


def _flags(values: object, exercise: str, ref: _Reference) -> np.ndarray | Feedback:
    got = _array(values, "enrolled", exercise, len(ref.test), len(ref.train))
    if isinstance(got, Feedback):
        return got
    if not np.isin(got, (0, 1)).all():
        return feedback(exercise, False, "enrolled should be True/False (or 0/1) flags, not "
                        "scores: compare the score with the threshold.")
    return got.astype(bool)


def enrolment(enrolled: object) -> Feedback:
    """Exercise 5.2: flag the test patients at or above the 97th percentile of the cost score."""
    if unanswered(enrolled):
        return feedback("5.2", False, "replace ... with your answer.")
    ref = _reference()
    got = _flags(enrolled, "5.2", ref)
    if isinstance(got, Feedback):
        return got
    want = _top(ref.cost)
    k, n = int(want.sum()), len(want)
    if got.sum() == 0:
        return feedback("5.2", False, "nobody is enrolled; flag score >= threshold.")
    if got.sum() == n - k or (got.sum() > n / 2 and not (got & want).any()):
        return feedback("5.2", False, "those flags are the 97% with the LOWEST scores; enrol "
                        "the patients at or above the threshold (score >= threshold).")
    bottom = ref.cost <= np.quantile(ref.cost, CAPACITY)
    if got.sum() == k and (got & bottom).sum() >= k - 2:
        return feedback("5.2", False, "those are the 3% with the LOWEST scores; the threshold "
                        "is the 97th percentile, np.quantile(score, 0.97).")
    if got.sum() < k and got.sum() >= k - 2 and (got <= want).all():
        return feedback("5.2", False, f"{int(got.sum())} enrolled, {k} expected: the rule is "
                        "score >= np.quantile(score, 0.97), which enrols every patient at or "
                        "above the 97th percentile (not a rounded-down count, and >= not >).")
    if got.sum() != k:
        return feedback("5.2", False, f"{int(got.sum())} patients enrolled; the 97th-percentile "
                        f"rule enrols {k} of the {n} test patients. Take the threshold from the "
                        "test patients' scores, np.quantile(score, 0.97).")
    if (got & want).sum() < k - 2:
        return feedback("5.2", False, "those are not the patients with the highest cost scores; "
                        "use score from Exercise 5.1.")
    black = ref.race[want] == "Black"
    return feedback("5.2", True, f"{k} of {n} test patients auto-enrolled; "
                    f"{black.mean():.1%} of them are Black, against "
                    f"{(ref.race == 'Black').mean():.1%} of all test patients.")


def _deciles(score: np.ndarray) -> np.ndarray:
    return pd.qcut(score, 10, labels=False)


def _by_decile(values: pd.Series, bins: np.ndarray, race: np.ndarray, how: str = "mean"
               ) -> pd.DataFrame:
    frame = pd.DataFrame({"bin": bins, "race": race, "v": values.to_numpy(dtype=float)})
    return frame.groupby(["bin", "race"])["v"].agg(how).unstack()


def _same_table(got: pd.DataFrame, want: pd.DataFrame, tol: float) -> bool:
    for group in ("Black", "White"):
        a = np.asarray(got[group], dtype=float)
        b = want[group].to_numpy(dtype=float)
        if len(a) != len(b) or not np.all(np.abs(a - b) <= tol):
            return False
    return True


def conditions_by_score(by_decile: object) -> Feedback:
    """Exercise 5.3: mean chronic conditions by decile of the cost score (test patients),
    one column per race and ethnicity group."""
    if unanswered(by_decile):
        return feedback("5.3", False, "replace ... with your answer.")
    problem = frame_problem(by_decile, "by_decile", columns=["Black", "White"])
    if problem:
        if isinstance(by_decile, pd.DataFrame) and "Black" in {str(i) for i in by_decile.index}:
            return feedback("5.3", False, "by_decile has the groups as rows; unstack so that "
                            "each decile is a row and each group a column.")
        if isinstance(by_decile, pd.Series):
            return feedback("5.3", False, "by_decile is a Series; .unstack() it into a table "
                            "with one row per decile and one column per group.")
        return feedback("5.3", False, problem)
    assert isinstance(by_decile, pd.DataFrame)
    by_decile = by_decile.copy()
    by_decile.columns = [str(c) for c in by_decile.columns]
    ref = _reference()
    if len(by_decile) != 10:
        return feedback("5.3", False, f"by_decile should have 10 rows, one per decile of the "
                        f"cost score (pd.qcut(score, 10)); it has {len(by_decile)}.")
    try:
        by_decile = by_decile.sort_index()
    except TypeError:
        pass
    conditions = ref.test[HEALTH]
    bins = _deciles(ref.cost)
    want = _by_decile(conditions, bins, ref.race)
    values = by_decile[["Black", "White"]]
    if values.isna().any().any():
        return feedback("5.3", False, "by_decile has empty cells for Black or White patients.")
    tol = 0.005 + 1e-9  # rounded to 2 decimals still counts
    if _same_table(values, want, tol):
        gap = (want["Black"] - want["White"])
        return feedback("5.3", True, f"at the same cost score Black patients have more chronic "
                        f"conditions in {int((gap > 0).sum())} of 10 deciles; mean gap "
                        f"{gap.mean():+.2f} conditions, {gap.iloc[-1]:+.2f} in the top decile.")
    if _same_table(values, _by_decile(conditions, bins, ref.race, "median"), tol):
        return feedback("5.3", False, "those are medians; the exercise asks for the mean number "
                        "of chronic conditions.")
    if _same_table(values, _by_decile(conditions, bins, ref.race, "size"), tol):
        return feedback("5.3", False, "those are counts of patients; take the mean of "
                        "n_chronic_conditions.")
    within = np.empty(len(ref.cost))
    for g in set(ref.race):
        m = ref.race == g
        if m.sum() >= 10:
            within[m] = pd.qcut(ref.cost[m], 10, labels=False, duplicates="drop")
    if _same_table(values, _by_decile(conditions, within, ref.race), tol):
        return feedback("5.3", False, "the deciles were cut within each group; cut them once on "
                        "all test patients' scores, so that a decile means the same score for "
                        "everyone.")
    cost_bins = pd.qcut(ref.test[COST].to_numpy(dtype=float), 10, labels=False)
    if _same_table(values, _by_decile(conditions, cost_bins, ref.race), tol):
        return feedback("5.3", False, "those deciles are of the observed cost; cut the cost "
                        "SCORE from Exercise 5.1, pd.qcut(score, 10).")
    return feedback("5.3", False, "by_decile should hold the mean n_chronic_conditions of the "
                    "test patients in each decile of score (pd.qcut(score, 10)), one column "
                    "per group.")


def cost_calibration(calib: object) -> Feedback:
    """Exercise 5.4: patients, mean predicted and mean observed next-year cost by group."""
    if unanswered(calib):
        return feedback("5.4", False, "replace ... with your answer.")
    problem = frame_problem(calib, "calib", columns=["n", "predicted", "observed"])
    if problem:
        return feedback("5.4", False, problem + " The next cells use all three.")
    assert isinstance(calib, pd.DataFrame)
    ref = _reference()
    frame = pd.DataFrame({"g": ref.race, "p": ref.cost, "y": ref.test[COST].to_numpy(float)})
    grouped = frame.groupby("g")
    n, predicted, observed = grouped.size(), grouped["p"].mean(), grouped["y"].mean()
    got = {str(i): i for i in calib.index}
    if set(got) != set(n.index):
        return feedback("5.4", False, "calib should have one row per race and ethnicity group "
                        "of the test patients (group by test['race_ethnicity']).")

    def column(name: str) -> pd.Series:
        return pd.Series({g: as_number(calib.loc[got[g], name]) for g in n.index}, dtype=float)

    n_got, p_got, o_got = column("n"), column("predicted"), column("observed")
    if p_got.isna().any() or o_got.isna().any() or n_got.isna().any():
        return feedback("5.4", False, "calib holds empty or non-numeric cells.")
    if not np.allclose(n_got, n):
        return feedback("5.4", False, "n should be the number of test patients in each group "
                        "(size, not a sum).")
    swapped = (np.allclose(p_got, observed, rtol=1e-4, atol=0.51)
               and np.allclose(o_got, predicted, rtol=SCORE_RTOL, atol=0.51))
    if swapped:
        return feedback("5.4", False, "predicted and observed are swapped.")
    if not np.allclose(o_got, observed, rtol=1e-6, atol=0.51):
        if np.allclose(o_got, frame.groupby("g")["y"].median(), atol=0.51):
            return feedback("5.4", False, "observed holds medians; calibration compares means.")
        return feedback("5.4", False, "observed should be the mean cost_next_year_usd of the "
                        "test patients in each group.")
    if not np.allclose(p_got, predicted, rtol=SCORE_RTOL, atol=0.51):
        if np.allclose(p_got, frame.groupby("g")["p"].median(), rtol=SCORE_RTOL, atol=0.51):
            return feedback("5.4", False, "predicted holds medians; calibration compares means.")
        return feedback("5.4", False, "predicted should be the mean of score (the predicted "
                        "cost in dollars) for the test patients in each group.")
    ratio = observed / predicted
    white, black = ratio["White"], ratio["Black"]
    if max(abs(white - 1), abs(black - 1), abs(white - black)) <= CALIBRATED:
        verdict = ("against the cost label the score looks calibrated for both large groups, "
                   "as a vendor's audit would report")
    else:
        verdict = ("against the cost label the model "
                   f"{'over' if black < white else 'under'}-predicts Black patients' costs "
                   "relative to White patients'")
    return feedback("5.4", True, f"observed / predicted cost: White {white:.2f}, Black "
                    f"{black:.2f} (1 = calibrated); {verdict}.")


def health_label(health_score: object, share_black_cost: object,
                 share_black_health: object) -> Feedback:
    """Exercise 5.5: a model of chronic conditions, and the share of Black patients among
    the top 3% under each label."""
    if unanswered(health_score, share_black_cost, share_black_health):
        return feedback("5.5", False, "replace each ... with your answer.")
    ref = _reference()
    got = _array(health_score, "health_score", "5.5", len(ref.test), len(ref.train))
    if isinstance(got, Feedback):
        return got
    if _close(got, ref.cost):
        return feedback("5.5", False, "health_score is the cost score again; fit a new model "
                        "on train['n_chronic_conditions'].")
    if np.abs(got - ref.health_record).max() < 0.05:
        return feedback("5.5", False, f"health_score was fitted without past spending ({PAST}); "
                        "fit on train[FEATURES], the cost model's inputs, so that only the "
                        "label changes.")
    if _close(got, ref.health, rtol=SCORE_RTOL) and np.abs(got - ref.health).max() < 0.05:
        score = ref.health
    elif np.abs(got - ref.health_linear).max() < 0.05:
        score = ref.health_linear  # a linear regression of the count: another right method
    else:
        return feedback("5.5", False, "health_score does not match a regression of "
                        "n_chronic_conditions on train[FEATURES], scored on test[FEATURES]: "
                        "use make_pipeline(preprocess, PoissonRegressor(alpha=0, "
                        "max_iter=1000)).")
    black = ref.race == "Black"
    by_cost, by_health = _top(ref.cost), _top(score)
    cost_share, health_share = black[by_cost].mean(), black[by_health].mean()
    tol = 1.01 / by_cost.sum()  # one patient at the margin
    everyone = black.mean()
    if (judge(share_black_cost, health_share, name="", tol=1e-9) is None
            and judge(share_black_health, cost_share, name="", tol=1e-9) is None
            and abs(cost_share - health_share) > 1e-9):
        return feedback("5.5", False, "share_black_cost and share_black_health are swapped.")
    for value, expected, name, enrolled in (
            (share_black_cost, cost_share, "share_black_cost", by_cost),
            (share_black_health, health_share, "share_black_health", by_health)):
        hint = judge(value, expected, name=name, tol=tol, min_decimals=2, proportion=True,
                     slips=[(everyone, f"{name} is the share of Black patients among ALL test "
                             "patients; take it among the enrolled (the top 3%)."),
                            (float(black[enrolled].sum()),
                             f"{name} is a count; divide by the number enrolled."),
                            ((ref.race[enrolled] == "White").mean(),
                             f"{name} is the share of White patients; the exercise asks for "
                             "Black.")],
                     otherwise=f"{name} should be the share of Black patients among the test "
                     "patients at or above the 97th percentile of that label's score.")
        if hint:
            return feedback("5.5", False, hint)
    conditions = ref.test[HEALTH].to_numpy(float)
    return feedback("5.5", True, f"Black patients: {cost_share:.1%} of the top 3% by the cost "
                    f"score, {health_share:.1%} by the health score; mean chronic conditions of "
                    f"the enrolled {conditions[by_cost].mean():.2f} vs "
                    f"{conditions[by_health].mean():.2f}.")
