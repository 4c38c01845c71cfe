"""Kidney-function equations: the CKD-EPI creatinine equations and KDIGO GFR categories.

Two published equations estimate the glomerular filtration rate (eGFR, in
mL/min/1.73 m2) of an adult from standardised serum creatinine, age and sex:

- :func:`egfr_ckd_epi_2009`, the 2009 CKD-EPI equation, which multiplies the
  estimate by 1.159 for a patient recorded as Black (Levey et al., Ann Intern
  Med 2009;150:604-612);
- :func:`egfr_ckd_epi_2021`, the 2021 refit without race (Inker et al., N Engl
  J Med 2021;385:1737-1749), recommended for all US laboratories by the
  NKF-ASN task force (Delgado et al., 2021).

:func:`ckd_stage` puts an eGFR into the KDIGO 2012 GFR categories G1 to G5.

Each function takes one patient (numbers and strings) or many (lists, NumPy
arrays or pandas Series, with scalars repeated for every patient); a Series
result keeps the index of the first Series passed. Impossible or unknown input
(creatinine that is not positive, an age under 18, a sex that is not "female"
or "male") raises a one-line error naming the argument, the value and its row.

Written here rather than taken from a package: the equations are a few lines of
published arithmetic, the labs need the retired 2009 race term beside the 2021
equation, and no maintained Python library we could find offers both with the
input checks above; tests/test_kidney.py holds them to the papers' constants.

>>> from labkit import kidney
>>> round(kidney.egfr_ckd_epi_2021(1.0, 50, "female"))
69
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["egfr_ckd_epi_2009", "egfr_ckd_epi_2021", "ckd_stage", "STAGES", "SEXES",
           "MIN_AGE"]

#: KDIGO 2012 GFR categories, from normal to kidney failure.
STAGES = ("G1", "G2", "G3a", "G3b", "G4", "G5")
#: Lower bound of each category in mL/min/1.73 m2 (G5 is everything below 15).
_LOWER = (90.0, 60.0, 45.0, 30.0, 15.0)
#: Sex as the SYNTHETIC admissions dataset spells it.
SEXES = ("female", "male")
#: The CKD-EPI equations were developed for adults.
MIN_AGE = 18

# (kappa, alpha) by sex, and the other constants, as published.
_2009 = {"female": (0.7, -0.329), "male": (0.9, -0.411)}
_2009_CONST, _2009_UPPER, _2009_AGE, _2009_FEMALE, _2009_BLACK = 141.0, -1.209, 0.993, 1.018, 1.159
_2021 = {"female": (0.7, -0.241), "male": (0.9, -0.302)}
_2021_CONST, _2021_UPPER, _2021_AGE, _2021_FEMALE = 142.0, -1.200, 0.9938, 1.012

Number = float | np.ndarray | pd.Series


def _is_many(value: object) -> bool:
    return isinstance(value, pd.Series | np.ndarray | list | tuple | pd.Index)


def _where(index: pd.Index | None, position: int, scalar: bool) -> str:
    if scalar:
        return ""
    label = index[position] if index is not None else position
    return f" at row {label!r}" if isinstance(label, str) else f" at row {label}"


class _Inputs:
    """The arguments lined up as equal-length arrays, with the index to return."""

    def __init__(self, named: dict[str, object]) -> None:
        self.scalar = not any(_is_many(v) for v in named.values())
        self.index: pd.Index | None = next(
            (v.index for v in named.values() if isinstance(v, pd.Series)), None)
        lengths = {name: len(v) for name, v in named.items()  # type: ignore[arg-type]
                   if _is_many(v)}
        if len(set(lengths.values())) > 1:
            listed = ", ".join(f"{name} has {n}" for name, n in lengths.items())
            raise ValueError(f"the arguments must have one value per patient, the same number "
                             f"each; {listed}.")
        self.n = next(iter(lengths.values()), 1)

    def array(self, name: str, value: object) -> np.ndarray:
        if isinstance(value, pd.Series):
            value = value.astype(object).to_numpy()
        if _is_many(value):
            return np.asarray(value, dtype=object).reshape(-1)
        return np.array([value] * self.n, dtype=object)

    def out(self, values: np.ndarray) -> Number:
        if self.scalar:
            return float(values[0])
        if self.index is not None:
            return pd.Series(values, index=self.index)
        return values


def _numbers(inputs: _Inputs, name: str, value: object, what: str) -> np.ndarray:
    """``value`` as floats; TypeError naming the first entry that is not a real number."""
    raw = inputs.array(name, value)
    out = np.empty(len(raw), dtype=float)
    for i, v in enumerate(raw):
        if v is None or v is pd.NA or v is pd.NaT:
            v = math.nan
        if isinstance(v, bool | np.bool_) or not isinstance(v, Real | np.number):
            raise TypeError(f"{name} must be {what}, got {type(v).__name__} {v!r}"
                            f"{_where(inputs.index, i, inputs.scalar)}.")
        out[i] = float(v)
    return out


def _refuse_first(inputs: _Inputs, values: np.ndarray, bad: np.ndarray, rule: str) -> None:
    """ValueError naming the first value where ``bad`` holds: "<rule>, got <value> at row ..."."""
    rows = np.flatnonzero(bad)
    if rows.size:
        i = int(rows[0])
        raise ValueError(f"{rule}, got {values[i]:g}{_where(inputs.index, i, inputs.scalar)}.")


def _creatinine(inputs: _Inputs, value: object) -> np.ndarray:
    scr = _numbers(inputs, "creatinine_mg_dl", value, "serum creatinine in mg/dL, a number")
    _refuse_first(inputs, scr, ~np.isfinite(scr) | (scr <= 0),
                  "creatinine_mg_dl must be a positive, finite concentration in mg/dL")
    return scr


def _age(inputs: _Inputs, value: object) -> np.ndarray:
    age = _numbers(inputs, "age", value, "the age in years, a number")
    _refuse_first(inputs, age, ~np.isfinite(age) | (age < MIN_AGE),
                  f"age must be {MIN_AGE} years or more (the CKD-EPI equations are for adults)")
    return age


def _sex(inputs: _Inputs, value: object) -> np.ndarray:
    sex = inputs.array("sex", value)
    for i, s in enumerate(sex):
        if not (isinstance(s, str) and s in SEXES):
            raise ValueError(f"sex must be 'female' or 'male', got {s!r}"
                             f"{_where(inputs.index, i, inputs.scalar)}.")
    return sex.astype(str)


def _black(inputs: _Inputs, value: object) -> np.ndarray:
    raw = inputs.array("black", value)
    out = np.empty(len(raw), dtype=bool)
    for i, b in enumerate(raw):
        where = _where(inputs.index, i, inputs.scalar)
        if isinstance(b, bool | np.bool_):
            out[i] = bool(b)
        elif isinstance(b, Real | np.number) and not isinstance(b, bool) and b in (0, 1):
            out[i] = bool(b)
        elif isinstance(b, str):
            raise TypeError(f"black must be True/False (or 1/0), got the string {b!r}{where}: "
                            "pass a comparison such as race == 'Black'.")
        else:
            raise ValueError(f"black must be True/False (or 1/0), got {b!r}{where}.")
    return out


def _ckd_epi(scr: np.ndarray, age: np.ndarray, sex: np.ndarray,
             table: dict[str, tuple[float, float]], const: float, upper: float,
             age_base: float, female_factor: float) -> np.ndarray:
    female = sex == "female"
    kappa = np.where(female, table["female"][0], table["male"][0])
    alpha = np.where(female, table["female"][1], table["male"][1])
    ratio = scr / kappa
    return (const * np.minimum(ratio, 1.0) ** alpha * np.maximum(ratio, 1.0) ** upper
            * age_base ** age * np.where(female, female_factor, 1.0))


def egfr_ckd_epi_2009(creatinine_mg_dl: Any, age: Any, sex: Any, black: Any) -> Number:
    """eGFR (mL/min/1.73 m2) by the 2009 CKD-EPI creatinine equation, with its race term.

    141 x min(Scr/k, 1)^a x max(Scr/k, 1)^-1.209 x 0.993^age x 1.018 [female]
    x 1.159 [Black], with k = 0.7 (female) or 0.9 (male) and a = -0.329 (female)
    or -0.411 (male) (Levey et al. 2009). ``black`` is True/False or 1/0: whether
    the patient is recorded as Black. The value is not rounded.

    >>> round(egfr_ckd_epi_2009(1.0, 50, "female", False), 1)
    65.6
    >>> round(egfr_ckd_epi_2009(1.0, 50, "female", True), 1)
    76.1
    """
    inputs = _Inputs({"creatinine_mg_dl": creatinine_mg_dl, "age": age, "sex": sex,
                      "black": black})
    scr, years = _creatinine(inputs, creatinine_mg_dl), _age(inputs, age)
    sexes, is_black = _sex(inputs, sex), _black(inputs, black)
    egfr = _ckd_epi(scr, years, sexes, _2009, _2009_CONST, _2009_UPPER, _2009_AGE, _2009_FEMALE)
    return inputs.out(egfr * np.where(is_black, _2009_BLACK, 1.0))


def egfr_ckd_epi_2021(creatinine_mg_dl: Any, age: Any, sex: Any) -> Number:
    """eGFR (mL/min/1.73 m2) by the 2021 CKD-EPI creatinine equation, without race.

    142 x min(Scr/k, 1)^a x max(Scr/k, 1)^-1.200 x 0.9938^age x 1.012 [female],
    with k = 0.7 (female) or 0.9 (male) and a = -0.241 (female) or -0.302 (male)
    (Inker et al. 2021). The value is not rounded.

    >>> import pandas as pd
    >>> egfr_ckd_epi_2021(pd.Series([0.8, 2.5], index=[7, 9]), 60, ["male", "female"]).round(1)
    7    101.3
    9     21.5
    dtype: float64
    """
    inputs = _Inputs({"creatinine_mg_dl": creatinine_mg_dl, "age": age, "sex": sex})
    scr, years, sexes = _creatinine(inputs, creatinine_mg_dl), _age(inputs, age), _sex(inputs, sex)
    return inputs.out(_ckd_epi(scr, years, sexes, _2021, _2021_CONST, _2021_UPPER, _2021_AGE,
                               _2021_FEMALE))


def ckd_stage(egfr: Any) -> str | np.ndarray | pd.Series:
    """KDIGO 2012 GFR category of each eGFR: G1 (>= 90), G2 (60-89), G3a (45-59),
    G3b (30-44), G4 (15-29), G5 (< 15), in mL/min/1.73 m2.

    The eGFR is used as given: a laboratory that rounds 89.6 to 90 before reporting
    reports G1 where this gives G2. A Series gives an ordered categorical Series
    (so tables list the stages in order); an array gives an array of strings.

    >>> ckd_stage(44.9), ckd_stage(45)
    ('G3b', 'G3a')
    >>> ckd_stage([95, 20.5, 7]).tolist()
    ['G1', 'G4', 'G5']
    """
    if isinstance(egfr, str):
        raise TypeError(f"egfr must be a number or numbers in mL/min/1.73 m2, got the string "
                        f"{egfr!r}.")
    inputs = _Inputs({"egfr": egfr})
    values = _numbers(inputs, "egfr", egfr, "an eGFR in mL/min/1.73 m2, a number")
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"egfr must be a finite number of 0 or more (mL/min/1.73 m2), got "
                         f"{values[i]:g}{_where(inputs.index, i, inputs.scalar)}.")
    # Count the lower bounds each value reaches: 5 for G1 ... 0 for G5.
    reached = sum((values >= bound).astype(int) for bound in _LOWER)
    stages = np.array(STAGES, dtype=object)[len(_LOWER) - reached]
    if inputs.scalar:
        return str(stages[0])
    if inputs.index is not None:
        return pd.Series(pd.Categorical(stages, categories=STAGES, ordered=True),
                         index=inputs.index, name=getattr(egfr, "name", None))
    return stages.astype(str)

