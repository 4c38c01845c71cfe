"""SHAP bookkeeping that is not the lesson: back to recorded features, averages, colours.

A preprocessing pipeline turns each recorded feature into one or more model
columns (one-hot levels, a missing-value indicator). Because SHAP values add
up, the values of the columns made from one feature can be summed to give that
feature's value (:func:`by_feature`). The mapping from columns to features is
read from the fitted preprocessing itself (:func:`source_features`), not guessed
from column-name prefixes, so a feature whose name starts another's (``payer``
and ``payer_type``) cannot be confused.

>>> import numpy as np, pandas as pd
>>> from sklearn.compose import make_column_transformer
>>> from sklearn.preprocessing import OneHotEncoder
>>> X = pd.DataFrame({"age": [50.0, 70.0], "sex": ["female", "male"]})
>>> pre = make_column_transformer(("passthrough", ["age"]), (OneHotEncoder(), ["sex"])).fit(X)
>>> source_features(pre)
['age', 'sex', 'sex']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

__all__ = ["source_features", "by_feature", "mean_abs", "okabe_ito", "OKABE_ITO_SHAP"]

#: shap's default red and blue (and their light versions), and the Okabe-Ito colours that
#: replace them: vermilion for what raises the score, blue for what lowers it.
OKABE_ITO_SHAP = {
    (1.0, 0.0, 0.318): "#D55E00", (0.0, 0.543, 0.983): "#0072B2",
    (1.0, 0.498, 0.655): "#E69F00", (0.498, 0.769, 0.988): "#56B4E9",
}


def _outputs(step: Any, inputs: list[str]) -> list[str]:
    """For one fitted transformer, the input feature behind each of its output columns."""
    if step == "drop":
        return []
    if step == "passthrough":
        return list(inputs)
    if isinstance(step, Pipeline):
        for _, inner in step.steps:
            inputs = _outputs(inner, inputs)
        return inputs
    if isinstance(step, OneHotEncoder):
        out: list[str] = []
        for feature, categories in zip(inputs, step.categories_, strict=True):
            kept = len(categories)
            drop = getattr(step, "drop_idx_", None)
            if drop is not None and drop[inputs.index(feature)] is not None:
                kept -= 1
            out += [feature] * kept
        return out
    if isinstance(step, SimpleImputer):
        kept = list(inputs)
        if step.add_indicator and step.indicator_ is not None:
            kept += [inputs[i] for i in step.indicator_.features_]
        return kept
    if isinstance(step, ColumnTransformer):
        return source_features(step)
    n_out = len(step.get_feature_names_out(inputs))
    if n_out != len(inputs):
        raise ValueError(f"cannot tell which input feature each output column of "
                         f"{type(step).__name__} comes from")
    return list(inputs)


def source_features(preprocessor: ColumnTransformer | Pipeline) -> list[str]:
    """The recorded feature behind each output column of a fitted preprocessor, in order.

    Works for the kit's pipelines: column transformers of imputers (with missing
    indicators), scalers, one-hot encoders and passthrough, nested in pipelines.
    """
    if isinstance(preprocessor, Pipeline):
        features = list(getattr(preprocessor, "feature_names_in_", []))
        return _outputs(preprocessor, features)
    if not isinstance(preprocessor, ColumnTransformer):
        raise TypeError("preprocessor must be a fitted ColumnTransformer or Pipeline, got "
                        f"{type(preprocessor).__name__}")
    if not hasattr(preprocessor, "transformers_"):
        raise ValueError("preprocessor is not fitted yet")
    names_in = list(preprocessor.feature_names_in_)
    out: list[str] = []
    for _, step, columns in preprocessor.transformers_:
        if isinstance(columns, slice) or columns is None:
            columns = names_in[columns] if isinstance(columns, slice) else []
        inputs = [names_in[c] if isinstance(c, int | np.integer) else str(c)
                  for c in np.atleast_1d(columns)]
        out += _outputs(step, inputs)
    return out


def by_feature(explanation: Any, X_raw: pd.DataFrame,
               preprocessor: ColumnTransformer | Pipeline) -> Any:
    """Add up the SHAP values of the model columns made from each recorded feature.

    ``explanation`` is a ``shap.Explanation`` of the model behind ``preprocessor``
    (one row per row of ``X_raw``, one column per output column). The result is
    an ``Explanation`` with one column per recorded feature (in ``X_raw``'s order),
    the patients' recorded values as its data, and the same base values.
    """
    values = np.asarray(explanation.values, dtype=float)
    sources = source_features(preprocessor)
    if values.ndim != 2:
        raise ValueError(f"explanation must be patients x columns, got shape {values.shape}; "
                         "for a model with one output per class pick one, e.g. sv[..., 1]")
    if values.shape[1] != len(sources):
        raise ValueError(f"explanation has {values.shape[1]} columns but the preprocessor makes "
                         f"{len(sources)}; explain the preprocessed data of this preprocessor")
    if values.shape[0] != len(X_raw):
        raise ValueError(f"explanation has {values.shape[0]} rows but X_raw has {len(X_raw)}")
    missing = sorted(set(sources) - set(X_raw.columns))
    if missing:
        raise ValueError(f"X_raw has no column {missing[0]!r}")
    features = [c for c in X_raw.columns if c in set(sources)]
    summed = (pd.DataFrame(values, columns=range(len(sources)))
              .T.groupby(sources, sort=False).sum().T[features])
    import shap  # imported here, after the checks: shap is slow to import

    return shap.Explanation(summed.to_numpy(), base_values=explanation.base_values,
                            data=X_raw[features].to_numpy(), feature_names=features)


def mean_abs(explanation: Any) -> pd.Series:
    """Mean absolute SHAP value of each feature: how far it moves the score on average.

    >>> from types import SimpleNamespace
    >>> sv = SimpleNamespace(values=np.array([[1.0, -2.0], [-3.0, 0.0]]), feature_names=["a", "b"])
    >>> mean_abs(sv).to_dict()
    {'a': 2.0, 'b': 1.0}
    """
    values = np.asarray(explanation.values, dtype=float)
    names: Sequence[str] | None = explanation.feature_names
    if values.ndim != 2:
        raise ValueError(f"explanation must be patients x features, got shape {values.shape}")
    if names is None or len(names) != values.shape[1]:
        raise ValueError("explanation has no feature names: explain a DataFrame, not an array")
    return pd.Series(np.abs(values).mean(axis=0), index=list(names))


def _swap(colour: Any) -> str | None:
    try:
        rgb = mcolors.to_rgb(colour)
    except (ValueError, TypeError):
        return None
    for shap_rgb, replacement in OKABE_ITO_SHAP.items():
        if np.allclose(rgb, shap_rgb, atol=0.01):
            return replacement
    return None


def okabe_ito(figure: Figure) -> Figure:
    """Recolour shap's default red and blue in ``figure`` to the Okabe-Ito palette.

    shap keeps its colours in a private module; this changes only the drawn
    artists, through matplotlib's public API: vermilion for what raises the
    score, blue for what lowers it. Returns the figure.
    """
    if not isinstance(figure, Figure):
        raise TypeError(f"figure must be a matplotlib Figure (plt.gcf()), got "
                        f"{type(figure).__name__}")
    for artist in figure.findobj():
        for getter, setter in (("get_facecolor", "set_facecolor"),
                               ("get_edgecolor", "set_edgecolor"),
                               ("get_color", "set_color")):
            get, put = getattr(artist, getter, None), getattr(artist, setter, None)
            if get is None or put is None:
                continue
            try:
                current = get()
            except (TypeError, ValueError):
                continue
            colours = np.atleast_2d(current) if np.ndim(current) == 2 else [current]
            swapped = [_swap(c) for c in colours]
            if any(s is not None for s in swapped):
                new = [s if s is not None else c for s, c in zip(swapped, colours, strict=True)]
                put(new[0] if len(new) == 1 else new)
    return figure
