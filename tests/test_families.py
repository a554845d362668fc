"""Tests of the ``ci90`` fits (beta, logit-normal) and the logit-normal family.

Every check is against an independent truth: scipy's own beta (its quantile function and
CDF), the logit-normal's defining formula ``Phi((logit x - mu) / sigma)`` written out here
with :mod:`statistics`, Gauss-Hermite sums and x-scale quadrature of the closed-form density
for the moments, Taylor expansions for narrow priors, and Kolmogorov-Smirnov tests of the
samplers at fixed seeds.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, special, stats

from agi_interventions import samplers
from agi_interventions.families import (
    BETA_SHAPES,
    CI90_TOLERANCE,
    FAMILIES,
    FitError,
    beta_from_ci90,
    fitted_parameters,
    logitnormal,
    logitnormal_from_ci90,
    logitnormal_moments,
    prior_fit,
)
from agi_interventions.parameters import PARAMETERS
from agi_interventions.priors import Prior, parse_prior

Z95 = NormalDist().inv_cdf(0.95)
#: Draws per sampler check: the KS test then detects a CDF error of about 0.005.
N = 200_000
#: A KS p-value below this fails (the seeds are fixed, so a pass is reproducible).
KS_LEVEL = 1e-4


def build(family: str, args: dict[str, Any]) -> Prior:
    """A prior checked and built by the family (no parameter's admissible range applies)."""
    args = {k: [float(x) for x in v] if k == "ci90" else float(v) for k, v in args.items()}
    assert FAMILIES[family].check(args) == []
    return Prior("x", family, args, dist=FAMILIES[family].build(args))


def accepted(name: str, entry: dict[str, Any]) -> Prior:
    prior, problems = parse_prior(name, entry, PARAMETERS[name], "test.yaml")
    assert problems == [], problems
    assert prior is not None
    return prior


def refused(name: str, entry: dict[str, Any]) -> str:
    prior, problems = parse_prior(name, entry, PARAMETERS[name], "test.yaml")
    assert prior is None
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"test.yaml: parameter '{name}': "), problems
    return problems[0]


def logit_normal_cdf(x: float, mu: float, sigma: float, low: float, high: float) -> float:
    """The defining CDF, ``Phi((logit((x - low) / (high - low)) - mu) / sigma)``."""
    t = (math.log((x - low) / (high - x)) - mu) / sigma
    return 0.5 * math.erfc(-t / math.sqrt(2.0))  # Phi(t), accurate in the lower tail too


def logit_normal_sf(x: float, mu: float, sigma: float, low: float, high: float) -> float:
    t = (math.log((x - low) / (high - x)) - mu) / sigma
    return 0.5 * math.erfc(t / math.sqrt(2.0))


def logit_normal_pdf(x: float, mu: float, sigma: float) -> float:
    """The density on (0, 1): the normal density of the logit times its derivative."""
    return NormalDist(mu, sigma).pdf(math.log(x / (1.0 - x))) / (x * (1.0 - x))


@functools.cache
def hermite_rule(nodes: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite nodes and weights for the standard normal."""
    z, w = np.polynomial.hermite_e.hermegauss(nodes)
    return z, w / w.sum()


def hermite_moments(mu: float, sigma: float) -> tuple[float, ...]:
    """Mean, variance, skewness, excess kurtosis of expit(mu + sigma Z) by Gauss-Hermite."""
    z, w = hermite_rule()
    x = special.expit(mu + sigma * z)
    mean = float(w @ x)
    c = x - mean
    var, m3, m4 = (float(w @ c**k) for k in (2, 3, 4))
    return mean, var, m3 / var**1.5, m4 / var**2 - 3.0


# --------------------------------------------------------------------------- logit-normal


LOGITNORMALS = [(0.0, 1.0, 0.0, 1.0), (0.3, 1.2, 0.0, 1.0), (-2.0, 0.5, 0.1, 0.9),
                (3.0, 0.1, -1.0, 2.0), (-1.0, 3.0, 0.0, 1.0), (5.0, 2.0, 10.0, 20.0)]  # fmt: skip


@pytest.mark.parametrize(("mu", "sigma", "low", "high"), LOGITNORMALS)
def test_logitnormal_cdf_and_quantiles_are_those_of_the_normal_logit(
    mu: float, sigma: float, low: float, high: float
) -> None:
    dist = logitnormal(mu, sigma, loc=low, scale=high - low)
    assert dist.support() == (low, low + (high - low))
    x = low + (high - low) * np.array([1e-6, 0.01, 0.2, 0.5, 0.77, 0.99, 1 - 1e-6])
    expected = [logit_normal_cdf(float(v), mu, sigma, low, high) for v in x]
    # scipy rescales x to y = (x - low) / (high - low), and 1 - y has an absolute rounding
    # error of about 1e-16, which the truth's high - x has not: 1e-10 relative in the logit
    # at 1 - y = 1e-6, magnified by the normal tail's slope
    rtol = 1e-12 if (low, high) == (0.0, 1.0) else 1e-9
    np.testing.assert_allclose(dist.cdf(x), expected, rtol=rtol, atol=1e-300)
    expected_sf = [logit_normal_sf(float(v), mu, sigma, low, high) for v in x]
    np.testing.assert_allclose(dist.sf(x), expected_sf, rtol=rtol, atol=1e-300)
    u = np.array([1e-9, 0.05, 0.3, 0.5, 0.95, 1 - 1e-9])
    quantiles = [
        low + (high - low) / (1.0 + math.exp(-(mu + sigma * NormalDist().inv_cdf(p)))) for p in u
    ]
    np.testing.assert_allclose(dist.ppf(u), quantiles, rtol=1e-12)
    upper = [
        low + (high - low) / (1.0 + math.exp(-(mu - sigma * NormalDist().inv_cdf(p)))) for p in u
    ]
    np.testing.assert_allclose(dist.isf(u), upper, rtol=1e-12)


@pytest.mark.parametrize(("mu", "sigma", "low", "high"), LOGITNORMALS[:4])
def test_logitnormal_density_integrates_to_the_cdf(
    mu: float, sigma: float, low: float, high: float
) -> None:
    dist = logitnormal(mu, sigma, loc=low, scale=high - low)
    edges = dist.ppf([0.0, 0.02, 0.3, 0.5, 0.9, 1.0])
    for a, b in itertools.pairwise(edges):
        mass = integrate.quad(lambda x: float(dist.pdf(x)), a, b, epsabs=0, epsrel=1e-12)[0]
        truth = logit_normal_cdf(b, mu, sigma, low, high) if b < high else 1.0
        truth -= logit_normal_cdf(a, mu, sigma, low, high) if a > low else 0.0
        assert mass == pytest.approx(truth, rel=1e-9, abs=1e-14)
    # density on (0, 1) against the closed form
    x = np.array([0.01, 0.3, 0.6, 0.99])
    got = logitnormal(mu, sigma).pdf(x)
    truth = [logit_normal_pdf(v, mu, sigma) for v in x]
    np.testing.assert_allclose(got, truth, rtol=1e-12, atol=1e-300)  # 1e-300: subnormals


@pytest.mark.parametrize(
    ("mu", "sigma"), [(0.0, 1.0), (0.3, 1.2), (-2.0, 0.5), (3.0, 0.1), (5.0, 2.0), (-1.0, 3.0)]
)
def test_logitnormal_moments_match_gauss_hermite(mu: float, sigma: float) -> None:
    mean, var, skew, kurt = logitnormal_moments(mu, sigma)
    t_mean, t_var, t_skew, t_kurt = hermite_moments(mu, sigma)
    assert mean == pytest.approx(t_mean, rel=1e-10)
    assert var == pytest.approx(t_var, rel=1e-10)
    assert skew == pytest.approx(t_skew, rel=1e-9, abs=1e-10)
    assert kurt == pytest.approx(t_kurt, rel=1e-9, abs=1e-10)


@pytest.mark.parametrize(("mu", "sigma"), [(0.4, 0.7), (-1.5, 1.5), (2.0, 0.3)])
def test_logitnormal_moments_match_x_scale_quadrature(mu: float, sigma: float) -> None:
    def moment(f) -> float:
        return integrate.quad(
            lambda x: f(x) * logit_normal_pdf(x, mu, sigma), 0.0, 1.0, epsabs=0, epsrel=1e-13,
            limit=200,
        )[0]  # fmt: skip

    t_mean = moment(lambda x: x)
    central = [moment(lambda x, k=k: (x - t_mean) ** k) for k in (2, 3, 4)]
    mean, var, skew, kurt = logitnormal_moments(mu, sigma)
    assert mean == pytest.approx(t_mean, rel=1e-10)
    assert var == pytest.approx(central[0], rel=1e-10)
    assert skew == pytest.approx(central[1] / central[0] ** 1.5, rel=1e-9, abs=1e-10)
    assert kurt == pytest.approx(central[2] / central[0] ** 2 - 3.0, rel=1e-9, abs=1e-10)


def test_logitnormal_moments_symmetries() -> None:
    for sigma in (0.01, 0.8, 4.0, 40.0):
        mean, _, skew, _ = logitnormal_moments(0.0, sigma)
        assert mean == 0.5
        assert abs(skew) < 1e-12
        for mu in (0.7, 6.0):  # X -> 1 - X maps mu to -mu
            up, down = logitnormal_moments(mu, sigma), logitnormal_moments(-mu, sigma)
            assert up[0] + down[0] == pytest.approx(1.0, rel=1e-14)
            assert up[1] == pytest.approx(down[1], rel=1e-11)
            assert up[2] == pytest.approx(-down[2], rel=1e-9)
            assert up[3] == pytest.approx(down[3], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("mu", "sigma"), [(0.0, 1e-6), (2.5, 1e-7), (-9.0, 1e-5)])
def test_narrow_logitnormal_keeps_its_digits(mu: float, sigma: float) -> None:
    # Taylor expansion of g = expit about mu: var = g'^2 s^2 + (g' g''' + g''^2 / 2) s^4 + ...
    p = special.expit(mu)
    g1 = p * (1 - p)
    g2 = g1 * (1 - 2 * p)
    g3 = g1 * (1 - 6 * p + 6 * p * p)
    mean, var, skew, kurt = logitnormal_moments(mu, sigma)
    assert mean == pytest.approx(p + g2 * sigma**2 / 2, rel=1e-14)
    assert var == pytest.approx(g1**2 * sigma**2 + (g1 * g3 + g2**2 / 2) * sigma**4, rel=1e-10)
    assert skew == pytest.approx(3 * g2 / g1 * sigma, rel=1e-4, abs=1e-12)  # leading order
    assert abs(kurt) < 1e-6


def test_logitnormal_through_scipy_stats_and_moment() -> None:
    mu, sigma, low, high = -0.4, 0.9, 2.0, 5.0
    dist = logitnormal(mu, sigma, loc=low, scale=high - low)
    t_mean, t_var, t_skew, t_kurt = hermite_moments(mu, sigma)
    mean, var, skew, kurt = (float(v) for v in dist.stats(moments="mvsk"))
    assert mean == pytest.approx(low + (high - low) * t_mean, rel=1e-12)
    assert var == pytest.approx((high - low) ** 2 * t_var, rel=1e-10)
    assert (skew, kurt) == pytest.approx((t_skew, t_kurt), rel=1e-9)
    z, w = hermite_rule()
    raw5 = float(w @ special.expit(mu + sigma * z) ** 5)
    assert float(logitnormal(mu, sigma).moment(5)) == pytest.approx(raw5, rel=1e-10)
    draws = dist.rvs(size=50_000, random_state=np.random.default_rng(3))
    assert np.all((draws > low) & (draws < high))
    assert stats.kstest(draws, dist.cdf).pvalue > KS_LEVEL


@pytest.mark.parametrize(
    ("mu", "sigma"),
    [(0.0, 1e-300), (1e6, 1.0), (-1e300, 1e300), (0.0, 1e300), (0.0, 5e-324), (800.0, 2.0)],
)
def test_extreme_logitnormal_shapes_evaluate_without_warnings(mu: float, sigma: float) -> None:
    dist = logitnormal(mu, sigma)  # warnings are errors in this suite
    q = dist.ppf([0.0, 1e-12, 0.05, 0.5, 0.95, 1.0])
    assert np.all(np.isfinite(q)) and np.all(np.diff(q) >= 0)
    assert np.all(np.isfinite(dist.cdf([1e-300, 0.3, 0.5, 1.0])))
    assert not np.any(np.isnan(dist.pdf([1e-320, 0.5, 1.0 - 1e-16])))
    mean, var = (float(v) for v in dist.stats(moments="mv"))
    assert 0.0 <= mean <= 1.0
    assert 0.0 <= var <= 0.25


def test_a_step_like_logitnormal_has_the_bernoulli_limit() -> None:
    # mu = -1e300, sigma = 1e300: expit(1e300 (Z - 1)) is 1 exactly when Z > 1.
    mean, var, _, _ = logitnormal_moments(-1e300, 1e300)
    p = 1.0 - NormalDist().cdf(1.0)
    assert mean == pytest.approx(p, rel=1e-12)
    assert var == pytest.approx(p * (1 - p), rel=1e-12)


# --------------------------------------------------------------------------- logit-normal ci90


@pytest.mark.parametrize(
    ("mu", "sigma", "low", "high"),
    [(0.0, 1.0, 0.0, 1.0), (-2.2, 0.95, 0.001, 0.9), (4.0, 0.05, -3.0, 7.0), (-30, 2, 0, 1)],
)
def test_logitnormal_ci90_recovers_the_parameters(
    mu: float, sigma: float, low: float, high: float
) -> None:
    def quantile(z: float) -> float:
        t = mu + sigma * z  # low + (high - low) expit(t), exactly near either end
        return low + (high - low) / (1.0 + math.exp(-t))

    q05, q95 = quantile(-Z95), quantile(Z95)
    got_mu, got_sigma = logitnormal_from_ci90(q05, q95, low, high)
    assert got_mu == pytest.approx(mu, rel=1e-9, abs=1e-9)
    assert got_sigma == pytest.approx(sigma, rel=1e-9)
    prior = accepted("U_B", {"dist": "logitnormal", "ci90": [q05, q95], "low": low, "high": high})
    fit = prior_fit(prior)
    assert fit.fitted and set(fit.parameters) == {"mu", "sigma"}
    assert fit.q05 == pytest.approx(q05, abs=1e-12 * (q95 - q05))
    assert fit.q95 == pytest.approx(q95, abs=1e-12 * (q95 - q05))


# --------------------------------------------------------------------------- beta ci90


SHAPES = [(0.5, 0.5), (0.3, 4.0), (2.0, 5.0), (4.0, 2.0), (1.0, 1.0), (0.05, 0.08),
          (300.0, 30000.0), (2e5, 3e5), (7.5, 0.9)]  # fmt: skip


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [(a, b, 0.0, 1.0) for a, b in SHAPES]
    + [(a, b, -2.0, 3.0) for a, b in SHAPES if min(a, b) > 0.1],  # else q05 rounds to low
)
def test_beta_ci90_recovers_the_shapes(a: float, b: float, low: float, high: float) -> None:
    truth = stats.beta(a, b, loc=low, scale=high - low)
    q05, q95 = (float(v) for v in truth.ppf([0.05, 0.95]))
    got_a, got_b = beta_from_ci90(q05, q95, low, high)
    assert got_a == pytest.approx(a, rel=1e-6)
    assert got_b == pytest.approx(b, rel=1e-6)
    fitted = stats.beta(got_a, got_b, loc=low, scale=high - low).ppf([0.05, 0.95])
    np.testing.assert_allclose(fitted, [q05, q95], rtol=0, atol=1e-9 * (q95 - q05))


@settings(max_examples=60, deadline=None)
@given(
    st.floats(math.log(0.02), math.log(5e5)),
    st.floats(math.log(0.02), math.log(5e5)),
)
def test_beta_ci90_round_trip(log_a: float, log_b: float) -> None:
    a, b = math.exp(log_a), math.exp(log_b)
    q05, q95 = (float(v) for v in stats.beta(a, b).ppf([0.05, 0.95]))
    if not (1e-300 < q05 and q95 < 1.0 - 1e-12):
        return  # a quantile too near an end to be written as a double
    got_a, got_b = beta_from_ci90(q05, q95)
    fitted = stats.beta(got_a, got_b).ppf([0.05, 0.95])
    np.testing.assert_allclose(fitted, [q05, q95], rtol=0, atol=1e-9 * (q95 - q05))
    if 1e-6 < q05 and q95 < 1.0 - 1e-6:  # well conditioned: the shapes themselves return
        assert (got_a, got_b) == pytest.approx((a, b), rel=1e-6)


@pytest.mark.parametrize(("x1", "x2"), [(0.1, 0.4), (0.01, 0.99), (0.3, 0.35), (1e-5, 0.3)])
def test_two_quantiles_determine_the_beta(x1: float, x2: float) -> None:
    # Along the curve of shapes with 5% of the mass below x1, the mass above x2 falls
    # monotonically, so it equals 5% once: the fit is unique (no U-shaped alternative).
    def b_for(a: float) -> float:
        return math.exp(
            optimize.brentq(lambda u: stats.beta.cdf(x1, a, math.exp(u)) - 0.05, -60.0, 60.0)
        )

    grid = np.exp(np.linspace(math.log(0.02), math.log(2e3), 120))
    above = np.array([stats.beta.sf(x2, a, b_for(a)) for a in grid])
    assert np.all(np.diff(above) <= 1e-12)
    assert np.count_nonzero(np.diff(np.sign(above - 0.05))) == 1


def test_beta_ci90_example_in_the_report() -> None:
    prior = accepted("p_V", {"dist": "beta", "ci90": [0.05, 0.4]})
    fit = prior_fit(prior)
    assert fit.family == "beta" and fit.fitted and fit.target == (0.05, 0.4)
    assert set(fit.parameters) == {"a", "b"}
    a, b = fit.parameters["a"], fit.parameters["b"]
    assert stats.beta.ppf([0.05, 0.95], a, b) == pytest.approx([0.05, 0.4], abs=1e-12)
    assert (fit.q05, fit.q95) == pytest.approx((0.05, 0.4), abs=1e-12)
    assert fit.miss is not None and fit.miss < 1e-9
    assert prior.dist.args == pytest.approx((a, b), rel=0)


@pytest.mark.parametrize(
    ("ci90", "low", "high"),
    [([0.5, 0.5001], 0.0, 1.0), ([1e-8, 1e-7], 0.0, 1.0), ([10.0, 10.0 + 1e-6], 0.0, 100.0)],
)
def test_too_narrow_beta_ci90_is_a_clear_error(ci90: list[float], low: float, high: float):
    message = refused("U_B", {"dist": "beta", "ci90": ci90, "low": low, "high": high})
    assert f"beta ci90 [{ci90[0]:.15g}, {ci90[1]:.15g}] cannot be matched: " in message
    assert "too narrow" in message and "1e6" in message
    quoted = re.search(r"quantiles \[([^,]+), ([^\]]+)\]", message)
    assert quoted is not None
    got = [float(quoted.group(1)), float(quoted.group(2))]
    assert max(abs(g - t) for g, t in zip(got, ci90, strict=True)) > CI90_TOLERANCE * (
        ci90[1] - ci90[0]
    )


def test_the_same_narrow_interval_is_matched_on_a_narrower_support() -> None:
    prior = accepted("p_V", {"dist": "beta", "ci90": [1e-8, 1e-7], "high": 1e-5})
    assert prior_fit(prior).miss < 1e-9
    prior = accepted("p_V", {"dist": "logitnormal", "ci90": [0.5, 0.5001]})
    assert prior_fit(prior).miss < 1e-9


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"ci90": [0.4, 0.1]}, "beta ci90 needs q05 < q95 (got [0.4, 0.1])"),
        ({"ci90": [-0.1, 0.4]}, "beta ci90 [-0.1, 0.4] must lie inside (low, high) = (0, 1)"),
        ({"ci90": [0.1, 0.4], "high": 0.3}, "must lie inside (low, high) = (0, 0.3)"),
        ({"ci90": [0.1, 0.4], "low": 1.0}, "beta needs low < high (got 1.0, 1.0)"),
        ({"ci90": [0.1, 0.4], "a": 2.0}, "give only one of"),
    ],
)
def test_beta_ci90_argument_errors(entry: dict[str, Any], fragment: str) -> None:
    message = refused("b", {"dist": "beta", **entry})
    assert fragment in message, message


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"ci90": [0.9, 0.1]}, "logitnormal ci90 needs q05 < q95"),
        ({"ci90": [0.1, 1.0]}, "logitnormal ci90 [0.1, 1] must lie inside (low, high) = (0, 1)"),
        ({"mu": 0.0, "sigma": 0.0}, "logitnormal needs sigma > 0 (got 0.0)"),
        ({"mu": 0.0, "sigma": 1.0, "low": 2.0, "high": 1.0}, "needs low < high (got 2.0, 1.0)"),
        ({"mu": 0.0}, "'logitnormal' needs arguments"),
        ({"ci90": [-1e300, 1e300], "low": -1e308, "high": 1.5e308}, "high - low is not finite"),
    ],
)
def test_logitnormal_argument_errors(entry: dict[str, Any], fragment: str) -> None:
    message = refused("U_B", {"dist": "logitnormal", **entry})
    assert fragment in message, message


def test_fit_errors_are_value_errors_naming_the_interval() -> None:
    with pytest.raises(FitError, match=r"^ci90 \[0\.5, 0\.5001\] cannot be matched: "):
        beta_from_ci90(0.5, 0.5001)
    with pytest.raises(ValueError, match="must lie inside"):
        logitnormal_from_ci90(0.5, 2.0)


def test_beta_shape_bounds() -> None:
    assert BETA_SHAPES == (1e-3, 1e6)
    # the most extreme interval double precision can write on (0, 1) needs shapes > 1e-3
    a, b = beta_from_ci90(5e-324, 1.0 - 2.0**-53)
    assert min(a, b) > 2 * BETA_SHAPES[0]


# --------------------------------------------------------------------------- property


bounds = st.tuples(
    st.floats(-1e6, 1e6, allow_subnormal=False),
    st.floats(1e-9, 1e6, allow_subnormal=False),
)
inside = st.floats(0.0, 1.0, exclude_min=True, exclude_max=True)
positions = st.lists(inside, min_size=2, max_size=2, unique=True).map(sorted)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["beta", "logitnormal"]), bounds, positions)
def test_any_interval_inside_the_support_fits_or_is_refused_clearly(
    family: str, support: tuple[float, float], where: list[float]
) -> None:
    low, width = support
    high = low + width
    q05, q95 = (low + (high - low) * p for p in where)
    if not low < q05 < q95 < high:
        return
    entry = {"dist": family, "ci90": [q05, q95], "low": low, "high": high}
    prior, problems = parse_prior("U_B", entry, PARAMETERS["U_B"], "test.yaml")
    if prior is None:
        assert len(problems) == 1, problems
        message = problems[0]
        assert message.startswith(f"test.yaml: parameter 'U_B': {family}"), message
        assert re.search(r"cannot be matched: |so narrow|cannot be evaluated", message), message
        return
    fit = prior_fit(prior)
    assert fit.miss is not None and fit.miss <= CI90_TOLERANCE
    got = prior.dist.ppf([0.05, 0.95])
    assert np.all(np.abs(got - [q05, q95]) <= CI90_TOLERANCE * (q95 - q05))


# --------------------------------------------------------------------------- prior_fit


def test_prior_fit_of_every_ci90_family() -> None:
    normal = prior_fit(accepted("db_dFV", {"dist": "normal", "ci90": [-0.2, 0.4]}))
    assert normal.parameters == pytest.approx({"mean": 0.1, "sd": 0.3 / Z95}, rel=1e-14)
    lognormal = prior_fit(accepted("dpV_daV", {"dist": "lognormal", "ci90": [0.01, 0.1]}))
    mu, sigma = math.log(0.001) / 2, math.log(10.0) / (2 * Z95)
    assert lognormal.parameters == pytest.approx({"mu": mu, "sigma": sigma}, rel=1e-14)
    for fit in (normal, lognormal):
        assert fit.fitted and fit.miss < 1e-12
    plain = prior_fit(accepted("U_B", {"dist": "uniform", "low": 1.0, "high": 3.0}))
    assert plain.parameters == {"low": 1.0, "high": 3.0}
    assert not plain.fitted and plain.target is None and plain.miss is None
    assert (plain.q05, plain.q95) == pytest.approx((1.1, 2.9), rel=1e-14)
    fixed = prior_fit(accepted("U_B", {"dist": "fixed", "value": 0.25}))
    assert (fixed.parameters, fixed.q05, fixed.q95) == ({"value": 0.25}, 0.25, 0.25)
    assert fitted_parameters("beta", {"a": 2.0, "b": 3.0, "low": 0.0}) == {
        "a": 2.0,
        "b": 3.0,
        "low": 0.0,
    }


# --------------------------------------------------------------------------- samplers


def direct_draws(prior: Prior, n: int, seed: int) -> np.ndarray:
    sampler = samplers.BatchSampler({"x": prior})
    rng = np.random.Generator(np.random.SFC64(seed))
    return sampler.draw(rng, n, sampler.workspace(n))["x"].copy()


@pytest.mark.parametrize(
    "args",
    [
        {"mu": 0.4, "sigma": 1.3},
        {"mu": -3.0, "sigma": 0.4, "low": 0.001, "high": 0.9},
        {"ci90": [0.02, 0.3], "low": -1.0, "high": 1.0},
    ],
)
def test_logitnormal_sampler_has_the_normal_logit_distribution(args: dict[str, Any]) -> None:
    prior = build("logitnormal", args)
    x = direct_draws(prior, N, seed=20261124)
    low, high = prior.dist.support()
    assert np.all((x >= low) & (x <= high))
    mu, sigma = prior.dist.args

    def cdf(v: np.ndarray) -> np.ndarray:  # Phi((logit - mu) / sigma), on scipy's norm
        return stats.norm.cdf(np.log((v - low) / (high - v)), mu, sigma)

    assert stats.kstest(x, cdf).pvalue > KS_LEVEL
    # and the construction itself: low + (high - low) expit(mu + sigma Z), Z the stream's
    z = np.random.Generator(np.random.SFC64(20261124)).standard_normal(N)
    np.testing.assert_allclose(x, low + (high - low) * special.expit(mu + sigma * z), rtol=1e-15)


@pytest.mark.parametrize(
    "args",
    [
        {"ci90": [0.1, 0.4]},  # bell: Cheng's BB
        {"ci90": [0.01, 0.99]},  # U-shaped: NumPy's beta
        {"ci90": [0.2, 0.7], "low": -1.0, "high": 2.0},
    ],
)
def test_beta_ci90_sampler_has_scipys_beta_distribution(args: dict[str, Any]) -> None:
    prior = build("beta", args)
    a, b = fitted_parameters("beta", prior.args).values()
    low, high = args.get("low", 0.0), args.get("high", 1.0)
    x = direct_draws(prior, N, seed=7)
    assert np.all((x >= low) & (x <= high))
    truth = stats.beta(a, b, loc=low, scale=high - low)
    assert stats.kstest(x, truth.cdf).pvalue > KS_LEVEL
    q05, q95 = args["ci90"]
    coverage = np.mean((x >= q05) & (x <= q95))
    assert abs(coverage - 0.9) < 4 * math.sqrt(0.09 / N)


# --------------------------------------------------------------------------- exact engine


@pytest.mark.parametrize(
    "entry",
    [
        {"dist": "logitnormal", "mu": -1.0, "sigma": 0.8, "low": 0.01, "high": 0.95},
        {"dist": "logitnormal", "ci90": [0.05, 0.4], "low": 0.001, "high": 0.9},
        {"dist": "beta", "ci90": [0.05, 0.4], "low": 0.001, "high": 0.9},
    ],
)
def test_exact_engine_moments_of_the_new_families(entry: dict[str, Any]) -> None:
    from agi_interventions.exact.moments import factor_moments

    prior = accepted("F_V", entry)
    low, high = prior.support()

    def expect(f) -> float:  # x-scale quadrature of the density
        return integrate.quad(
            lambda x: f(x) * float(prior.dist.pdf(x)), low, high, epsabs=0, epsrel=1e-12,
            limit=200,
        )[0]  # fmt: skip

    polynomial = factor_moments(prior, [("x",), ("x", "x")])  # analytic moments (mvsk)
    mean, square = expect(lambda x: x), expect(lambda x: x * x)
    np.testing.assert_allclose(polynomial.mean, [mean, square], rtol=1e-11)
    cross = expect(lambda x: (x - mean) * (x * x - square))
    assert polynomial.cov[0, 1] == pytest.approx(cross, rel=1e-10)
    reciprocal = factor_moments(prior, [("x",), ("1/x",), ("1/(1-x)",)])  # quadrature
    truth = [mean, expect(lambda x: 1 / x), expect(lambda x: 1 / (1 - x))]
    np.testing.assert_allclose(reciprocal.mean, truth, rtol=1e-11)
