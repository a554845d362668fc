"""Tests for agi_interventions.decision against closed-form value-of-information truths."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from agi_interventions.decision import (
    VoIEstimate,
    evpi,
    evpi_estimate,
    evppi,
    evppi_estimate,
    expected_loss,
    expected_loss_table,
    value_of_information_table,
)

N = 2**15


def positive_part_mean(mu: float, s: float) -> float:
    """E[max(0, Z)] for Z ~ Normal(mu, s^2)."""
    return mu * norm.cdf(mu / s) + s * norm.pdf(mu / s)


def normal_voi(mu: float, s: float) -> float:
    """Value of learning Z ~ N(mu, s^2) when choosing between 0 and Z."""
    return positive_part_mean(mu, s) - max(0.0, mu)


def two_options(diff: np.ndarray) -> np.ndarray:
    """Options (0, diff) as an (n, 2) array."""
    return np.column_stack([np.zeros_like(diff), diff])


# --------------------------------------------------------------------------------- EVPI, loss


@pytest.fixture(scope="module")
def normal_difference():
    rng = np.random.default_rng(20240601)
    mu, s = 0.5, 1.5
    return mu, s, two_options(rng.normal(mu, s, size=2**17))


def test_evpi_matches_normal_closed_form(normal_difference):
    mu, s, values = normal_difference
    truth = normal_voi(mu, s)
    est = evpi_estimate(values, n_bootstrap=200, seed=1)
    assert est.value == pytest.approx(evpi(values))
    assert abs(est.value - truth) < 4 * est.se
    # The bootstrap SE agrees with the analytic SE of the mean regret of the best option.
    regret_best = np.maximum(0.0, -values[:, 1])
    analytic = regret_best.std(ddof=1) / math.sqrt(values.shape[0])
    assert est.se == pytest.approx(analytic, rel=0.25)


def test_expected_loss_matches_closed_form(normal_difference):
    mu, s, values = normal_difference
    loss, se = expected_loss(values)
    truth = np.array([positive_part_mean(mu, s), positive_part_mean(-mu, s)])
    assert np.all(np.abs(loss - truth) < 4 * se)
    assert se == pytest.approx(
        (values.max(axis=1, keepdims=True) - values).std(axis=0, ddof=1) / math.sqrt(len(values))
    )
    # EVPI is the smallest expected loss, exactly.
    assert loss.min() == pytest.approx(evpi(values), rel=1e-12)


def test_evpi_is_zero_when_one_option_dominates():
    rng = np.random.default_rng(3)
    base = rng.normal(size=1000)
    values = np.column_stack([base, base + 1.0, base - 2.0])
    assert evpi(values) == pytest.approx(0.0, abs=1e-12)


# --------------------------------------------------------------------------------- EVPPI, linear


@pytest.fixture(scope="module")
def linear_normal():
    """Option 2 - option 1 = mu + X @ c, X ~ N(0, I); the last input is irrelevant."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((N, 4))
    c = np.array([1.0, 0.7, 0.5, 0.0])
    mu = 0.3
    return mu, c, x, two_options(mu + x @ c)


def test_evppi_single_linear_parameter(linear_normal):
    mu, c, x, values = linear_normal
    truth = normal_voi(mu, c[0])
    assert evppi(values, x[:, 0]) == pytest.approx(truth, rel=0.05)


def test_evppi_linear_group(linear_normal):
    mu, c, x, values = linear_normal
    truth = normal_voi(mu, math.hypot(c[0], c[1]))
    assert evppi(values, x[:, :2]) == pytest.approx(truth, rel=0.05)


def test_evppi_all_relevant_inputs_equals_evpi(linear_normal):
    mu, c, x, values = linear_normal
    truth = normal_voi(mu, float(np.linalg.norm(c)))
    assert evpi(values) == pytest.approx(truth, rel=0.05)
    assert evppi(values, x[:, :3]) == pytest.approx(evpi(values), rel=0.05)


def test_evppi_irrelevant_parameter_is_negligible(linear_normal):
    _, _, x, values = linear_normal
    assert evppi(values, x[:, 3]) < 0.01 * evpi(values)


def test_evppi_not_above_evpi(linear_normal):
    _, _, x, values = linear_normal
    total = evpi(values)
    for cols in ([0], [1], [2], [3], [0, 1], [1, 2, 3]):
        assert evppi(values, x[:, cols]) <= total


def test_evppi_irrelevant_parameter_at_a_tie_within_noise_bound():
    """At an exact tie, noise fitting is the only source of EVPPI; it must stay small."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((N, 2))
    values = two_options(x[:, 0])
    sigma = 1.0
    bound = 0.4 * sigma * math.sqrt(21 / N)  # documented bound for one input (21 columns)
    assert evppi(values, x[:, 1]) <= bound
    assert evppi(values, x[:, 1]) < 0.02 * evpi(values)


# --------------------------------------------------------------------------------- nonlinear


@pytest.fixture(scope="module")
def uniform_product():
    """Option 2 - option 1 = X1 X2 - 1/4 with X uniform on (0, 1)."""
    rng = np.random.default_rng(5)
    u = rng.random((N, 3))
    return u, two_options(u[:, 0] * u[:, 1] - 0.25)


def test_evppi_product_group_is_perfect_information(uniform_product):
    u, values = uniform_product
    t = 0.25
    # E[(X1 X2 - t)+] = 1/4 - t + 3 t^2 / 4 - (t^2 / 2) ln t; E[X1 X2] - t = 0.
    truth = 0.25 - t + 0.75 * t**2 - 0.5 * t**2 * math.log(t)
    assert evppi(values, u[:, :2]) == pytest.approx(truth, rel=0.05)
    assert evppi(values, u[:, :2]) == pytest.approx(evpi(values), rel=0.02)


def test_evppi_product_single_factor(uniform_product):
    u, values = uniform_product
    # E[V | X1] = X1 / 2 - 1/4; E[(X1/2 - t)+] = 1/4 - t + t^2 for t = 1/4.
    assert evppi(values, u[:, 0]) == pytest.approx(1 / 16, rel=0.05)
    assert evppi(values, u[:, 2]) < 0.01 * evpi(values)


def test_evppi_three_factor_product_group():
    rng = np.random.default_rng(9)
    u = rng.random((N, 3))
    values = two_options(u[:, 0] * u[:, 1] * u[:, 2] - 0.125)
    assert evppi(values, u) == pytest.approx(evpi(values), rel=0.05)


# --------------------------------------------------------------------------------- heavy tails


def lognormal_put(sigma: float) -> float:
    """E[(1 - Y)+] for Y lognormal(0, sigma)."""
    return norm.cdf(0.0) - math.exp(sigma**2 / 2) * norm.cdf(-sigma)


@pytest.mark.parametrize("sigma", [2.0, 3.0])
def test_evppi_lognormal_input(sigma):
    """Option 2 - option 1 = X - 1 + noise, X lognormal(0, sigma): EVPPI(X) = E[(1 - X)+]."""
    rng = np.random.default_rng(13)
    x = np.exp(sigma * rng.standard_normal(N))
    values = two_options(x - 1.0 + 0.5 * rng.standard_normal(N))
    # E[X] > 1, so option 2 is chosen now; knowing X avoids the loss (1 - X)+.
    assert evppi(values, x) == pytest.approx(lognormal_put(sigma), rel=0.05)


@pytest.mark.parametrize("low", [1e-2, 1e-4])
def test_evppi_log_uniform_input_reciprocal(low):
    """Option 2 - option 1 = 1/F - t + noise, F log-uniform(low, 1/2) (like 1/F_V).

    1/F is log-uniform(2, 1/low); for t = E[1/F], EVPPI(F) = E[(1/F - t)+].
    """
    rng = np.random.default_rng(41)
    f = np.exp(rng.uniform(math.log(low), math.log(0.5), N))
    a, b = 2.0, 1 / low
    width = math.log(b / a)
    t = (b - a) / width  # E[1/F]
    truth = (b - t - t * math.log(b / t)) / width  # E[(Y - t)+], Y log-uniform(a, b)
    values = two_options(1 / f - t + 0.1 * t * rng.standard_normal(N))
    assert evppi(values, f) == pytest.approx(truth, rel=0.05)


def test_evppi_lognormal_input_nonlinear():
    """Option 2 - option 1 = X^2 - 1 + noise, X lognormal(0, 1): X^2 is lognormal(0, 2).

    The conditional mean is not linear in the raw input and spans orders of magnitude in the
    tail (the tail knots matter). One draw in about 16 misses by up to ~25 %, so the median
    relative error over five independent samples is checked.
    """
    errors = []
    for seed in range(100, 105):
        rng = np.random.default_rng(seed)
        x = np.exp(rng.standard_normal(N))
        values = two_options(x**2 - 1.0 + 0.5 * rng.standard_normal(N))
        errors.append(evppi(values, x) / lognormal_put(2.0) - 1.0)
    assert np.median(np.abs(errors)) < 0.03


def test_evppi_irrelevant_inputs_with_heavy_tailed_values():
    """Values with heavy-tailed noise: inputs they do not depend on get (almost) no EVPPI."""
    ratios = []
    for seed in range(200, 203):
        rng = np.random.default_rng(seed)
        noise = np.exp(1.5 * rng.standard_normal((N, 2))).prod(axis=1)
        u = rng.random((N, 4))
        values = np.column_stack([np.zeros(N), noise * (u[:, 0] - 0.5) + 0.5, 0.3 + 0.2 * u[:, 1]])
        total = evpi(values)
        single, group = evppi(values, u[:, 2]) / total, evppi(values, u[:, 2:]) / total
        assert single < 0.1
        assert group < 0.1
        ratios += [single, group]
    assert np.mean(ratios) < 0.04


def test_evppi_nonmonotone_function():
    """Option 2 - option 1 = cos(2 pi U1) + noise: EVPPI(U1) = E[cos(2 pi U)+] = 1 / pi."""
    rng = np.random.default_rng(37)
    u = rng.random((N, 2))
    values = two_options(np.cos(2 * np.pi * u[:, 0]) + rng.normal(scale=0.5, size=N))
    assert evppi(values, u[:, 0]) == pytest.approx(1 / np.pi, rel=0.05)
    assert evppi(values, u[:, 1]) < 0.01 * evpi(values)


def test_evppi_lognormal_product_group():
    """Option 2 - option 1 = X1 X2 - t + (X3 - E X3); the group {X1, X2} is learned."""
    rng = np.random.default_rng(17)
    x = np.exp(rng.standard_normal((N, 3)))
    t = math.exp(0.5)
    values = two_options(x[:, 0] * x[:, 1] - t + x[:, 2] - math.exp(0.5))
    # Y = X1 X2 ~ lognormal(0, sqrt 2), E[Y] = e > t: EVPPI = E[(t - Y)+].
    s = math.sqrt(2.0)
    d = math.log(t) / s
    truth = t * norm.cdf(d) - math.exp(s**2 / 2) * norm.cdf(d - s)
    assert evppi(values, x[:, :2]) == pytest.approx(truth, rel=0.05)


# --------------------------------------------------------------------------------- estimates


def test_evppi_estimate_value_se_and_determinism(linear_normal):
    mu, c, x, values = linear_normal
    a = evppi_estimate(values, x[:, 0], n_bootstrap=100, seed=3)
    b = evppi_estimate(values, x[:, 0], n_bootstrap=100, seed=3)
    other = evppi_estimate(values, x[:, 0], n_bootstrap=100, seed=4)
    assert isinstance(a, VoIEstimate)
    assert a == b
    assert a.value == other.value == pytest.approx(evppi(values, x[:, 0]))
    assert a.se != other.se
    assert 0 < a.se < 0.05 * a.value
    assert abs(a.value - normal_voi(mu, c[0])) < 4 * a.se + 0.02 * a.value
    with pytest.raises(AttributeError):
        a.value = 1.0  # frozen


def test_evppi_se_matches_spread_over_replicates():
    """The SE (rows + fit noise) matches the spread of estimates over independent samples.

    With much noise the regression-fit part dominates: a bootstrap of the fitted values alone
    would be several times too small here.
    """
    n, mu, c, noise = 2048, 0.1, 0.5, 3.0
    estimates, ses = [], []
    for rep in range(30):
        rng = np.random.default_rng(1000 + rep)
        x = rng.standard_normal((n, 2))
        values = two_options(mu + c * x[:, 0] + noise * x[:, 1])
        est = evppi_estimate(values, x[:, 0], n_bootstrap=50, seed=rep + 1)
        estimates.append(est.value)
        ses.append(est.se)
    spread = np.std(estimates, ddof=1)
    assert np.mean(ses) == pytest.approx(spread, rel=0.35)
    assert abs(np.mean(estimates) - normal_voi(mu, c)) < 3 * spread / math.sqrt(30) + 0.01


def test_constant_input_and_constant_options_give_zero():
    rng = np.random.default_rng(19)
    values = two_options(rng.normal(size=500))
    assert evppi(values, np.full(500, 3.0)) == 0.0
    constant = np.column_stack([np.ones(500), np.full(500, 2.0)])
    assert evppi(constant, rng.normal(size=500)) == 0.0
    est = evppi_estimate(values, np.full(500, 3.0), seed=1)
    assert est == VoIEstimate(0.0, 0.0)


def test_small_sample_group_runs_with_reduced_basis():
    rng = np.random.default_rng(23)
    x = rng.random((300, 4))
    values = two_options(x.sum(axis=1) - 2.0 + rng.normal(scale=0.1, size=300))
    value = evppi(values, x)
    assert np.isfinite(value)
    assert value == pytest.approx(evpi(values), rel=0.2)


# --------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("values", "inputs", "message"),
    [
        (np.zeros(10), np.zeros(10), "2-D"),
        (np.zeros((1, 2)), np.zeros(1), "at least 2 rows"),
        (np.array([[0.0, np.nan]] + [[0.0, 1.0]] * 9), np.zeros(10), "values contains non-finite"),
        (np.zeros((10, 2)), np.zeros(9), "9 rows but values has 10"),
        (np.zeros((10, 2)), np.array([np.inf] + [0.0] * 9), "inputs contains non-finite"),
        (np.zeros((10, 2)), np.zeros((10, 2, 2)), "inputs must have shape"),
    ],
)
def test_invalid_input_raises(values, inputs, message):
    with pytest.raises(ValueError, match=message):
        evppi(values, inputs)


def test_invalid_values_raise_in_evpi_and_loss():
    bad = np.array([[0.0, 1.0], [np.nan, 0.0]])
    with pytest.raises(ValueError, match="non-finite"):
        evpi(bad)
    with pytest.raises(ValueError, match="non-finite"):
        expected_loss(bad)
    with pytest.raises(ValueError, match="n_bootstrap"):
        evpi_estimate(np.zeros((5, 2)), n_bootstrap=1, seed=1)


# --------------------------------------------------------------------------------- tables


@pytest.fixture(scope="module")
def table_data():
    rng = np.random.default_rng(29)
    n = 4096
    x = pd.DataFrame(rng.standard_normal((n, 4)), columns=["a", "b", "c", "fixed"])
    x["fixed"] = 0.5
    values = pd.DataFrame(
        {
            "one": np.zeros(n),
            "two": 0.2 + x["a"] + 0.5 * x["b"],
            "three": -0.5 + 0.8 * x["c"],
        }
    )
    return values, x


def test_value_of_information_table(table_data, caplog):
    values, x = table_data
    groups = {"ab": ["a", "b", "not_an_input"], "none": ["nope"], "c_fixed": ("c", "fixed")}
    with caplog.at_level(logging.INFO, logger="agi_interventions.decision"):
        table = value_of_information_table(values, x, groups, n_bootstrap=50, seed=8)
    assert list(table.columns) == ["name", "kind", "value", "se"]
    assert list(table["name"]) == ["EVPI", "a", "b", "c", "fixed", "ab", "c_fixed"]
    assert list(table["kind"]) == ["evpi"] + ["parameter"] * 4 + ["group"] * 2
    assert "none" in caplog.text
    row = table.set_index("name")
    assert row.loc["fixed", "value"] == 0.0
    assert row.loc["fixed", "se"] == 0.0
    # Each row equals the single-quantity function with the same seed.
    v = values.to_numpy()
    assert row.loc["EVPI", "value"] == pytest.approx(evpi(v))
    assert row.loc["EVPI", "se"] == evpi_estimate(v, n_bootstrap=50, seed=8).se
    expect = evppi_estimate(v, x[["a", "b"]].to_numpy(), n_bootstrap=50, seed=8)
    assert (row.loc["ab", "value"], row.loc["ab", "se"]) == (expect.value, expect.se)
    expect = evppi_estimate(v, x["c"].to_numpy(), n_bootstrap=50, seed=8)
    assert row.loc["c_fixed", "value"] == pytest.approx(expect.value)
    # Determinism.
    again = value_of_information_table(values, x, groups, n_bootstrap=50, seed=8)
    pd.testing.assert_frame_equal(table, again)


def test_value_of_information_table_validation(table_data):
    values, x = table_data
    with pytest.raises(ValueError, match="sequence of parameter names"):
        value_of_information_table(values, x, {"g": "a"}, n_bootstrap=10, seed=1)
    with pytest.raises(ValueError, match="rows"):
        value_of_information_table(values, x.iloc[:-1], {}, n_bootstrap=10, seed=1)
    dup = x.copy()
    dup.columns = ["a", "a", "c", "fixed"]
    with pytest.raises(ValueError, match="duplicate"):
        value_of_information_table(values, dup, {}, n_bootstrap=10, seed=1)


def test_expected_loss_table(table_data):
    values, _ = table_data
    table = expected_loss_table(values)
    assert list(table.columns) == ["intervention", "expected_loss", "se"]
    assert list(table["intervention"]) == ["one", "two", "three"]
    loss, se = expected_loss(values.to_numpy())
    np.testing.assert_allclose(table["expected_loss"], loss)
    np.testing.assert_allclose(table["se"], se)
    assert table["expected_loss"].min() == pytest.approx(evpi(values.to_numpy()))
