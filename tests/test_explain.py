"""labkit.explain: SHAP values summed per recorded feature by the fitted preprocessing's
own mapping (not by name prefixes), averages, and the Okabe-Ito recolouring."""


import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from labkit import explain, models  # noqa: E402


@pytest.fixture(scope="module")
def fitted():
    """A feature whose name starts another's (payer, payer_type), and a missing value."""
    X = pd.DataFrame({"age": [30.0, np.nan, 70.0, 50.0],
                      "payer": ["a", "b", "a", "b"],
                      "payer_type": ["x", "x", "y", "z"]})
    y = pd.Series([0, 1, 1, 0])
    model = models.pipeline(["age"], ["payer", "payer_type"]).fit(X, y)
    return X, model[:-1]


def test_source_features_follow_the_fitted_steps(fitted):
    _, pre = fitted
    names = list(pre.get_feature_names_out())
    sources = explain.source_features(pre)
    assert len(sources) == len(names)
    assert dict(zip(names, sources, strict=True)) == {
        "age": "age", "missingindicator_age": "age",
        "payer_a": "payer", "payer_b": "payer",
        "payer_type_x": "payer_type", "payer_type_y": "payer_type",
        "payer_type_z": "payer_type"}


def test_by_feature_adds_up_each_features_columns(fitted, shap):
    X, pre = fitted
    n_columns = len(explain.source_features(pre))
    values = np.arange(len(X) * n_columns, dtype=float).reshape(len(X), n_columns)
    sv = shap.Explanation(values, base_values=np.full(len(X), -1.0),
                          feature_names=list(pre.get_feature_names_out()))
    grouped = explain.by_feature(sv, X, pre)
    assert grouped.feature_names == ["age", "payer", "payer_type"]
    frame = pd.DataFrame(values, columns=sv.feature_names)
    expected = np.column_stack([frame[["age", "missingindicator_age"]].sum(axis=1),
                                frame[["payer_a", "payer_b"]].sum(axis=1),
                                frame[["payer_type_x", "payer_type_y", "payer_type_z"]]
                                .sum(axis=1)])
    assert np.array_equal(grouped.values, expected)
    # additivity is kept: the same total per patient
    assert np.allclose(grouped.values.sum(axis=1), values.sum(axis=1))
    assert grouped.data.tolist()[0][1:] == ["a", "x"]


def test_mean_abs():
    sv = type("E", (), {"values": np.array([[1.0, -3.0], [-1.0, 1.0]]),
                        "feature_names": ["a", "b"]})()
    assert explain.mean_abs(sv).to_dict() == {"a": 1.0, "b": 2.0}


def test_okabe_ito_recolours_shaps_red_and_blue_only():
    fig, ax = plt.subplots()
    ax.barh([0, 1, 2], [1, -1, 0.5], color=["#ff0051", "#008bfb", "#999999"])
    explain.okabe_ito(fig)
    assert [to_hex(p.get_facecolor()) for p in ax.patches] == ["#d55e00", "#0072b2", "#999999"]
    plt.close(fig)
