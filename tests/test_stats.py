"""labkit.stats: each interval against a worked example or an independent computation."""

import numpy as np
import pytest
from scipy import special
from scipy import stats as sps
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score

from labkit import evaluate, stats


@pytest.mark.parametrize("k,n", [(0, 1), (1, 1), (0, 20), (3, 20), (81, 263), (263, 263),
                                 (4990, 10000)])
def test_wilson_matches_scipy(k, n):
    low, high = stats.wilson(np.array([k]), np.array([n]))
    assert (low[0], high[0]) == pytest.approx(evaluate.wilson_interval(k, n), abs=1e-12)


def test_wilson_of_an_empty_group_is_nan():
    low, high = stats.wilson(np.array([0]), np.array([0]))
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_newcombe_hybrid_score_worked_example():
    # Newcombe (1998), Stat Med 17:873-890, example (a): 56/70 against 48/80, method 10
    # gives 0.0524 to 0.3339 around the difference 0.2000.
    diff, low, high = stats.newcombe_difference(56, 70, 48, 80)
    assert float(diff) == pytest.approx(0.2)
    assert float(low) == pytest.approx(0.0524, abs=1e-4)
    assert float(high) == pytest.approx(0.3339, abs=1e-4)


def _delong_by_pairs(y, s):
    """DeLong's placement values from every pair (n_1 x n_0 comparisons, ties half)."""
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    auc = psi.mean()
    var = v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg)
    return auc, var


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_delong_matches_the_pairwise_definition(seed):
    rng = np.random.default_rng(seed)
    s = np.round(rng.random(300), 2)  # rounded: many ties
    y = (rng.random(300) < s).astype(int)
    auc, low, high = stats.delong_auroc(y, s)
    ref_auc, ref_var = _delong_by_pairs(y, s)
    assert auc == pytest.approx(ref_auc, abs=1e-12)
    assert auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    half = sps.norm.ppf(0.975) * np.sqrt(ref_var)
    assert (low, high) == pytest.approx((ref_auc - half, ref_auc + half), abs=1e-12)


def test_delong_with_one_class_is_nan():
    assert all(np.isnan(stats.delong_auroc(np.zeros(5), np.arange(5.0))))


def test_average_precision_and_its_logit_interval():
    rng = np.random.default_rng(3)
    s = rng.random(2000)
    y = (rng.random(2000) < s * 0.5).astype(int)
    ap, low, high = stats.average_precision(y, s)
    assert ap == pytest.approx(average_precision_score(y, s))
    m = y.sum()
    tau = 1 / np.sqrt(m * ap * (1 - ap))
    eta = np.log(ap / (1 - ap))
    z = sps.norm.ppf(0.975)
    assert low == pytest.approx(1 / (1 + np.exp(-(eta - z * tau))))
    assert high == pytest.approx(1 / (1 + np.exp(-(eta + z * tau))))


def test_oe_ratio_interval():
    ratio, low, high = stats.oe_ratio(180, 200.0, 1000)
    se = np.sqrt(1 / 180 - 1 / 1000)
    z = sps.norm.ppf(0.975)
    assert ratio == pytest.approx(0.9)
    assert (low, high) == pytest.approx((0.9 * np.exp(-z * se), 0.9 * np.exp(z * se)))
    assert np.isnan(stats.oe_ratio(0, 5.0, 10)[1])


def test_mean_interval_is_the_normal_interval():
    values = np.array([0.1, 0.4, 0.2, 0.9, 0.0])
    mean, low, high = stats.mean_interval(values, 0.9)
    ref = sps.norm.interval(0.9, loc=values.mean(), scale=sps.sem(values))
    assert mean == pytest.approx(values.mean())
    assert (low, high) == pytest.approx(ref)


def _negative_log_likelihood(beta, y, X, offset):
    eta = X @ beta + offset
    return -np.sum(y * eta - np.logaddexp(0, eta))


def _numeric_se(beta, y, X, offset, h=1e-4):
    """Standard errors from a finite-difference Hessian of the log-likelihood."""
    k = len(beta)
    hess = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            e_i, e_j = np.eye(k)[i] * h, np.eye(k)[j] * h
            hess[i, j] = (_negative_log_likelihood(beta + e_i + e_j, y, X, offset)
                          - _negative_log_likelihood(beta + e_i - e_j, y, X, offset)
                          - _negative_log_likelihood(beta - e_i + e_j, y, X, offset)
                          + _negative_log_likelihood(beta - e_i - e_j, y, X, offset)) / (4 * h * h)
    return np.sqrt(np.diag(np.linalg.inv(hess)))


def test_calibration_fit_matches_sklearn_and_a_numeric_hessian():
    rng = np.random.default_rng(5)
    p = rng.uniform(0.02, 0.7, 3000)
    y = (rng.random(3000) < special.expit(0.3 + 0.8 * special.logit(p))).astype(int)
    (a, a_low, a_high), (b, b_low, b_high) = stats.calibration_fit(y, p)
    assert (a, b) == pytest.approx(evaluate.calibration_intercept_slope(y, p), abs=1e-9)
    lp = special.logit(p)
    fit = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(lp[:, None], y)
    assert b == pytest.approx(fit.coef_[0, 0], abs=1e-4)
    X = np.column_stack([np.ones_like(lp), lp])
    se = _numeric_se(np.array([fit.intercept_[0], fit.coef_[0, 0]]), y, X, np.zeros_like(lp))
    z = sps.norm.ppf(0.975)
    assert (b_high - b_low) / (2 * z) == pytest.approx(se[1], rel=1e-3)
    se_a = _numeric_se(np.array([a]), y, np.ones((len(y), 1)), lp)[0]
    assert (a_high - a_low) / (2 * z) == pytest.approx(se_a, rel=1e-3)


def test_calibration_fit_of_constant_predictions_has_no_slope():
    y = np.array([0, 1, 0, 0, 1, 0])
    intercept, slope = stats.calibration_fit(y, np.full(6, 0.3))
    assert not np.isnan(intercept[0]) and all(np.isnan(slope))


# Cohen's kappa and the Fleiss-Cohen-Everitt interval (Lab 11) -------------------------

def _kappa_of_cells(p):
    """Cohen's kappa as a function of the k x k cell proportions, written from its definition."""
    p = np.asarray(p).reshape(int(np.sqrt(p.size)), -1)
    p_o, p_e = np.trace(p), p.sum(axis=1) @ p.sum(axis=0)
    return (p_o - p_e) / (1 - p_e)


def _delta_method_se(a, b, labels):
    """The large-sample SE by the delta method, with a numerical gradient: the multinomial
    covariance of the cell proportions, diag(p) - p p', carried through kappa(p)."""
    k = len(labels)
    table = np.zeros((k, k))
    for x, y in zip(a, b, strict=True):
        table[labels.index(x), labels.index(y)] += 1
    p = (table / len(a)).ravel()
    step = 1e-6
    grad = np.array([(_kappa_of_cells(p + step * e) - _kappa_of_cells(p - step * e)) / (2 * step)
                     for e in np.eye(p.size)])
    return float(np.sqrt(grad @ (np.diag(p) - np.outer(p, p)) @ grad / len(a)))


@pytest.mark.parametrize("seed,k,agree", [(0, 2, 0.8), (1, 2, 0.95), (2, 3, 0.7), (3, 4, 0.6)])
def test_cohen_kappa_matches_sklearn_and_the_delta_method(seed, k, agree):
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(seed)
    a = rng.integers(0, k, 250)
    b = np.where(rng.random(250) < agree, a, rng.integers(0, k, 250))
    kappa, low, high = stats.cohen_kappa(a, b)
    assert kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    se = _delta_method_se(a, b, list(range(k)))
    assert (high - kappa) / sps.norm.ppf(0.975) == pytest.approx(se, rel=1e-5)
    assert kappa - low == pytest.approx(high - kappa)
    # Another level scales the half-width by the ratio of the z values.
    k90, low90, _ = stats.cohen_kappa(a, b, level=0.90)
    assert (k90 - low90) / (kappa - low) == pytest.approx(sps.norm.ppf(0.95) / sps.norm.ppf(0.975))


def test_cohen_kappa_se_agrees_with_a_brute_bootstrap():
    rng = np.random.default_rng(5)
    a = (rng.random(400) < 0.85).astype(int)  # a skewed prevalence, as in Lab 11
    b = np.where(rng.random(400) < 0.9, a, 1 - a)
    kappa, low, high = stats.cohen_kappa(a, b)
    se = (high - low) / (2 * sps.norm.ppf(0.975))
    boot = []
    for _ in range(3000):
        i = rng.integers(0, 400, 400)
        aa, bb = a[i], b[i]
        p_o = (aa == bb).mean()
        p_e = aa.mean() * bb.mean() + (1 - aa.mean()) * (1 - bb.mean())
        boot.append((p_o - p_e) / (1 - p_e))
    assert np.std(boot, ddof=1) == pytest.approx(se, rel=0.08)


def test_cohen_kappa_accepts_labels_and_refuses_bad_input():
    k, *_ = stats.cohen_kappa(["yes", "yes", "no", "no"], ["yes", "no", "no", "no"])
    assert k == pytest.approx(0.5)
    assert all(np.isnan(stats.cohen_kappa([1, 1, 1], [1, 1, 1])))
    with pytest.raises(ValueError, match="same, non-zero length"):
        stats.cohen_kappa([1, 0], [1, 0, 1])
