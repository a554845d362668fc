"""The exact engine against analytic values, the closed form, brute-force Monte Carlo and SALib."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

from agi_interventions.exact import ExactEngine, NotApplicable, applicability
from agi_interventions.exact.moments import MomentError, factor_moments, partial_expectation
from agi_interventions.exact.outputs import model_outputs
from agi_interventions.exact.terms import ProductSum
from agi_interventions.model import marginal_values
from agi_interventions.parameters import (
    DIFFERENCES,
    INTERVENTIONS,
    PARAMETER_NAMES,
    difference_name,
)
from agi_interventions.priors import Prior, Worldview, load_worldview

BASELINE = Path(__file__).resolve().parents[1] / "config" / "priors" / "baseline.yaml"
OPTIONS = list(INTERVENTIONS)


def _prior(name: str, dist) -> Prior:
    return Prior(name, "custom", {}, "", dist)


def _worldview(**dists) -> Worldview:
    return Worldview(
        name="toy",
        path=Path("toy.yaml"),
        description="",
        priors={name: _prior(name, dist) for name, dist in dists.items()},
    )


def _x(name: str, kind: str = "x") -> ProductSum:
    return ProductSum.parameter(name, kind)


@pytest.fixture(scope="module")
def baseline() -> Worldview:
    return load_worldview(BASELINE)


@pytest.fixture(scope="module")
def engine(baseline: Worldview) -> ExactEngine:
    return ExactEngine(baseline)


# ----------------------------------------------------------------------------- algebra


def test_product_sum_algebra_merges_like_terms_and_evaluates():
    a, b = _x("a"), _x("b")
    expr = (a + b) * (a - b) + b * b - 2.0 * a * _x("a", "1/x")
    # a*a - b*b + b*b - 2 a (1/a): the b*b terms cancel, a * (1/a) is a single factor
    assert len(expr.terms) == 2
    rng = np.random.default_rng(0)
    va, vb = rng.uniform(0.1, 2.0, 50), rng.uniform(-1, 1, 50)
    np.testing.assert_allclose(expr.evaluate({"a": va, "b": vb}), va**2 - 2.0, rtol=1e-14)


def test_product_sum_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unknown factor kind"):
        ProductSum.parameter("a", "x**2")


def test_declared_outputs_equal_closed_form_at_random_points():
    rng = np.random.default_rng(1)
    n = 2000
    params = {name: rng.uniform(-2.0, 2.0, n) for name in PARAMETER_NAMES}
    for name in ("F_V", "F_CV", "F_CnotV", "F_I", "p_V", "p_CV", "p_CnotV", "b"):
        params[name] = rng.uniform(0.01, 0.99, n)
    closed = marginal_values(params)
    declared = model_outputs()
    for name in (*INTERVENTIONS, "a_V_bargaining", "a_V_success_shift", "a_V_failure_shift"):
        got = declared[name].evaluate(params)
        np.testing.assert_allclose(got, closed[name], rtol=1e-12, atol=1e-12 * np.abs(got).max())
    for first, second in DIFFERENCES:
        got = declared[difference_name(first, second)].evaluate(params)
        np.testing.assert_allclose(got, closed[first] - closed[second], rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------- moments


@pytest.mark.parametrize(
    ("family", "args", "dist"),
    [
        ("uniform", {}, stats.uniform(0.1, 0.5)),
        ("loguniform", {}, stats.loguniform(0.02, 0.5)),
        ("beta", {}, stats.beta(0.7, 3.0, loc=0.05, scale=0.9)),
        ("triangular", {"mode": 0.34}, stats.triang(0.3, loc=0.1, scale=0.8)),
    ],
)
@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_reciprocal_moments_match_direct_integration(family, args, dist):
    prior = Prior("F_V", family, args, "", dist)
    factors = [(), ("1/x",), ("1/(1-x)",), ("x",)]
    m = factor_moments(prior, factors)
    funcs = [lambda x: 1.0 + 0.0 * x, lambda x: 1 / x, lambda x: 1 / (1 - x), lambda x: x]

    # independent reference: QUADPACK on the probability scale
    def expect(g):
        return integrate.quad(
            lambda u: g(dist.ppf(u)), 0, 1, epsabs=1e-15, epsrel=1e-13, limit=500
        )[0]

    for a, fa in enumerate(funcs):
        assert m.mean[a] == pytest.approx(expect(fa), rel=1e-11)
        for b, fb in enumerate(funcs):
            ref_cov = expect(
                lambda x, fa=fa, fb=fb, a=a, b=b: (fa(x) - m.mean[a]) * (fb(x) - m.mean[b])
            )
            assert m.cov[a, b] == pytest.approx(ref_cov, rel=1e-10, abs=1e-13)


def test_loguniform_reciprocal_moments_are_analytic():
    low, high = 0.02, 0.5
    prior = _prior("F_V", stats.loguniform(low, high))
    m = factor_moments(prior, [("1/x",)])
    log_ratio = math.log(high / low)
    mean = (1 / low - 1 / high) / log_ratio
    second = (1 / low**2 - 1 / high**2) / (2 * log_ratio)
    assert m.mean[0] == pytest.approx(mean, rel=1e-12)
    assert m.cov[0, 0] == pytest.approx(second - mean**2, rel=1e-11)


def test_triangular_reciprocal_mean_is_analytic():
    a, c, b = 0.1, 0.66, 0.9
    prior = Prior("F_V", "triangular", {"mode": c}, "", stats.triang(0.7, loc=a, scale=b - a))
    closed = 2 / ((b - a) * (c - a)) * ((c - a) - a * math.log(c / a)) + 2 / (
        (b - a) * (b - c)
    ) * (b * math.log(b / c) - (b - c))
    assert factor_moments(prior, [("1/x",)]).mean[0] == pytest.approx(closed, rel=1e-12)


@pytest.mark.parametrize(
    "dist",
    [
        stats.lognorm(s=1.5, scale=math.exp(-2.0)),
        stats.norm(0.1, 0.2),
        stats.beta(2.0, 5.0),
        stats.truncnorm(-1.0, 2.0, loc=0.3, scale=0.2),
    ],
)
def test_polynomial_moments_are_the_distribution_moments(dist):
    prior = _prior("p", dist)
    m = factor_moments(prior, [(), ("x",), ("1-x",)])
    assert m.mean[1] == pytest.approx(dist.mean(), rel=1e-12)
    assert m.mean[2] == pytest.approx(1 - dist.mean(), rel=1e-12)
    assert m.cov[1, 1] == pytest.approx(dist.var(), rel=1e-12)
    assert m.cov[1, 2] == pytest.approx(-dist.var(), rel=1e-12)
    assert m.cov[0, 1] == 0.0


def test_partial_expectations_match_closed_forms():
    mu, sigma = -1.0, 2.0
    logn = _prior("d", stats.lognorm(s=sigma, scale=math.exp(mu)))
    a, b = 0.3, 7.0
    closed = math.exp(mu + sigma**2 / 2) * (
        stats.norm.cdf((math.log(b) - mu - sigma**2) / sigma)
        - stats.norm.cdf((math.log(a) - mu - sigma**2) / sigma)
    )
    got = partial_expectation(logn, ("x",), [a, b], [b, np.inf])
    assert got[0] == pytest.approx(closed, rel=1e-11)
    assert got.sum() == pytest.approx(
        math.exp(mu + sigma**2 / 2) * stats.norm.sf((math.log(a) - mu - sigma**2) / sigma),
        rel=1e-11,
    )
    norm = _prior("n", stats.norm(0.2, 0.5))
    alpha, beta = (-0.4 - 0.2) / 0.5, (0.9 - 0.2) / 0.5
    closed = 0.2 * (stats.norm.cdf(beta) - stats.norm.cdf(alpha)) + 0.5 * (
        stats.norm.pdf(alpha) - stats.norm.pdf(beta)
    )
    assert partial_expectation(norm, ("x",), -0.4, 0.9)[0] == pytest.approx(closed, rel=1e-11)


def test_reciprocal_factor_on_unbounded_support_is_refused():
    with pytest.raises(MomentError, match="bounded support"):
        factor_moments(_prior("F_V", stats.lognorm(1.0)), [("1/x",)])
    with pytest.raises(MomentError, match="pole"):
        factor_moments(_prior("F_V", stats.uniform(0.0, 0.5)), [("1/x",)])


# ----------------------------------------------------------------------------- Sobol


def test_sobol_of_a_product_of_uniforms_is_analytic():
    # Y = X1 X2, Xi ~ U(0, 1): Var Y = 7/144, V1 = V2 = 3/144, so S1 = 3/7 and ST = 4/7.
    wv = _worldview(x1=stats.uniform(0, 1), x2=stats.uniform(0, 1))
    engine = ExactEngine(wv, {"y": _x("x1") * _x("x2")})
    s1, st = engine.sobol("y")
    np.testing.assert_allclose(s1, [3 / 7, 3 / 7], rtol=1e-13)
    np.testing.assert_allclose(st, [4 / 7, 4 / 7], rtol=1e-13)
    assert engine.variance_parts("y")["variance"] == pytest.approx(7 / 144, rel=1e-13)


def test_sobol_of_the_ishigami_like_product_sum_matches_salib():
    """Exact indices against SALib's estimators on a small sum of products (N = 2^15)."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    wv = _worldview(a=stats.uniform(-1, 2), b=stats.uniform(0.1, 0.8), c=stats.uniform(0.5, 1.0))
    expr = _x("a") * _x("b", "1/x") + 2.0 * _x("c") * _x("b", "1-x") + _x("a") * _x("c")
    engine = ExactEngine(wv, {"y": expr})
    s1, st = engine.sobol("y")
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    unit = sobol_sample.sample(problem, 2**15, calc_second_order=False, seed=3)
    x = {n: wv.priors[n].ppf(unit[:, i]) for i, n in enumerate(problem["names"])}
    result = sobol_analyze.analyze(
        problem, expr.evaluate(x), calc_second_order=False, seed=4, num_resamples=200
    )
    for i in range(3):
        assert abs(result["S1"][i] - s1[i]) <= 2.5 * result["S1_conf"][i] + 1e-3
        assert abs(result["ST"][i] - st[i]) <= 2.5 * result["ST_conf"][i] + 1e-3


def test_exact_sobol_of_the_real_model_against_brute_force(baseline, engine):
    """Jansen/Saltelli estimators at N = 2^17 on the baseline priors (heavy-tailed products)."""
    names = baseline.uncertain
    rng = np.random.default_rng(11)
    n = 2**17
    a = {k: p.sample(n, rng) for k, p in baseline.priors.items()}
    b = {k: p.sample(n, rng) for k, p in baseline.priors.items()}
    for output in ("a_CV", "a_CnotV"):
        expr = engine.outputs[output]
        ya, yb = expr.evaluate(a), expr.evaluate(b)
        var = np.var(np.r_[ya, yb])
        s1, st = engine.sobol(output)
        for i, name in enumerate(names):
            if st[i] < 0.02:
                continue
            yab = expr.evaluate({**a, name: b[name]})
            first_terms = yb * (yab - ya)
            total_terms = 0.5 * (ya - yab) ** 2
            # Monte Carlo standard errors of the two ratio estimators (variance ~ fixed)
            for exact, terms in ((s1[i], first_terms), (st[i], total_terms)):
                est = terms.mean() / var
                se = terms.std() / np.sqrt(n) / var
                assert abs(est - exact) <= 4.0 * se + 0.01 * exact, (output, name, est, exact)


def test_exact_indices_are_bounded_and_ordered(engine):
    for output in engine.outputs:
        s1, st = engine.sobol(output)
        assert np.all(s1 >= -1e-12)
        assert np.all(st <= 1 + 1e-12)
        assert np.all(s1 <= st + 1e-12)
        assert s1.sum() <= 1 + 1e-12


def test_exact_means_match_plain_monte_carlo(baseline, engine):
    rng = np.random.default_rng(5)
    n = 2**20
    x = {k: p.sample(n, rng) for k, p in baseline.priors.items()}
    values = marginal_values(x)
    for output in OPTIONS:
        mc = values[output]
        assert abs(mc.mean() - engine.mean(output)) <= 4 * mc.std() / np.sqrt(n)


# ----------------------------------------------------------------------------- EVPPI


def test_single_parameter_evppi_of_a_normal_is_analytic():
    # V1 = X, V2 = 0, X ~ N(mu, sd): EVPPI = sd phi(mu / sd) + mu Phi(mu / sd) - max(mu, 0)
    mu, sd = 0.3, 1.2
    wv = _worldview(x=stats.norm(mu, sd))
    engine = ExactEngine(wv, {"v1": _x("x"), "v2": ProductSum.constant(0.0)})
    closed = sd * stats.norm.pdf(mu / sd) + mu * stats.norm.cdf(mu / sd) - mu
    assert engine.evppi_parameter(["v1", "v2"], "x") == pytest.approx(closed, rel=1e-11)
    crossing = engine.crossings(["v1", "v2"], "x")
    assert len(crossing) == 1
    assert crossing[0].value == pytest.approx(0.0, abs=1e-12)
    assert crossing[0].quantile == pytest.approx(stats.norm.cdf(-mu / sd), rel=1e-12)
    assert (crossing[0].before, crossing[0].after) == ("v2", "v1")


def test_reciprocal_conditional_means_with_two_crossings():
    # V1 = 1/x + 1/(1-x) is convex with minimum 4 at x = 1/2; V2 = 4.5 crosses it twice.
    wv = _worldview(x=stats.uniform(0.05, 0.9), y=stats.uniform(0, 1))
    outputs = {
        "v1": _x("x", "1/x") + _x("x", "1/(1-x)"),
        "v2": ProductSum.constant(4.5),
    }
    engine = ExactEngine(wv, outputs)
    roots = np.roots([4.5, -4.5, 1.0])  # 1/x + 1/(1-x) = 4.5  <=>  4.5 x^2 - 4.5 x + 1 = 0
    values = sorted(c.value for c in engine.crossings(["v1", "v2"], "x"))
    np.testing.assert_allclose(values, sorted(roots), rtol=1e-12)
    grid = np.linspace(0.05, 0.95, 2_000_001)
    gain = np.maximum(1 / grid + 1 / (1 - grid), 4.5) - (1 / grid + 1 / (1 - grid))
    # the best option on average is V1 (mean log(19)/0.9*2 > 4.5); trapezoid reference
    mean_v1 = engine.mean("v1")
    assert mean_v1 > 4.5
    reference = np.trapezoid(gain, grid) / 0.9
    assert engine.evppi_parameter(["v1", "v2"], "x") == pytest.approx(reference, rel=1e-8)


def test_real_model_evppi_against_independent_quadrature(baseline, engine):
    """Single-parameter EVPPI by exact pieces against a fine quantile grid, with the conditional
    means checked against plain Monte Carlo at fixed parameter values."""
    rng = np.random.default_rng(7)
    n = 2**18
    others = {k: p.sample(n, rng) for k, p in baseline.priors.items()}
    for name in ("F_V", "dpCV_daCV", "p_V"):
        prior = baseline.priors[name]
        # conditional means at three quantiles, against inner Monte Carlo
        for q in (0.1, 0.5, 0.9):
            theta = float(prior.ppf(np.array([q]))[0])
            values = marginal_values({**others, name: np.full(n, theta)})
            for output in OPTIONS:
                exact = engine.conditional_mean(output, {name: np.array([theta])})[0]
                mc = values[output]
                assert abs(mc.mean() - exact) <= 4.5 * mc.std() / np.sqrt(n)
        # EVPPI by a midpoint rule on 2^20 quantiles against the piecewise integration
        u = (np.arange(2**20) + 0.5) / 2**20
        theta = prior.ppf(u)
        means = np.column_stack([engine.conditional_mean(o, {name: theta}) for o in OPTIONS])
        k0 = engine.best_option(OPTIONS)
        reference = float(np.mean(means.max(axis=1) - means[:, k0]))
        assert engine.evppi_parameter(OPTIONS, name) == pytest.approx(reference, rel=2e-3)


def test_singleton_group_monte_carlo_agrees_with_exact_evppi(engine):
    exact = engine.evppi_parameter(OPTIONS, "F_V")
    value, se = engine.evppi_group(OPTIONS, ["F_V"], n_draws=2**19, seed=3)
    assert abs(value - exact) <= 4 * se
    assert se < 0.02 * exact


def test_evppi_of_all_parameters_is_evpi_and_bounds_every_group(baseline, engine):
    evpi, se = engine.evppi_group(OPTIONS, baseline.uncertain, n_draws=2**19, seed=4)
    rng = np.random.default_rng(8)
    x = {k: p.sample(2**20, rng) for k, p in baseline.priors.items()}
    v = np.column_stack([marginal_values(x)[o] for o in OPTIONS])
    regret = v.max(axis=1, keepdims=True) - v
    mc = regret.mean(axis=0).min()
    mc_se = regret[:, int(np.argmin(regret.mean(axis=0)))].std() / np.sqrt(len(v))
    assert abs(evpi - mc) <= 4 * math.hypot(se, mc_se)
    for name in baseline.uncertain:
        assert engine.evppi_parameter(OPTIONS, name) <= evpi + 4 * se


def test_switching_values_are_where_the_best_conditional_mean_changes(baseline, engine):
    """Against a grid of 2^16 quantiles per parameter, outer tails included (1e-13 to
    1 - 1e-13): every change of the best option on the grid has a crossing in its grid cell,
    and no crossing lies where the grid sees no change."""
    tail = np.array([1e-13, 1e-11, 1e-9, 1e-7, 1e-6, 1e-4])
    u = np.concatenate([tail, (np.arange(2**16) + 0.5) / 2**16, 1 - tail[::-1]])
    for name in engine.uncertain:
        theta = baseline.priors[name].ppf(u)
        best = np.argmax(
            np.column_stack([engine.conditional_mean(o, {name: theta}) for o in OPTIONS]), axis=1
        )
        changes = np.flatnonzero(np.diff(best))
        crossings = engine.crossings(OPTIONS, name)
        assert len(crossings) == len(changes), name
        for c, i in zip(crossings, changes, strict=True):
            assert u[i] <= c.quantile <= u[i + 1], (name, c.quantile)
            assert (c.before, c.after) == (OPTIONS[best[i]], OPTIONS[best[i + 1]])


# ----------------------------------------------------------------------------- scope


def test_rest_of_world_worldview_is_not_applicable(tmp_path):
    path = Path(__file__).resolve().parents[1] / "config/priors/consistent_by_construction.yaml"
    wv = load_worldview(path)
    assert "rest_of_world" in applicability(wv)
    with pytest.raises(NotApplicable):
        ExactEngine(wv)


def test_fixed_parameters_have_zero_indices_and_evppi(write_priors):
    wv = load_worldview(write_priors({"F_V": {"dist": "fixed", "value": 0.2}}))
    engine = ExactEngine(wv)
    assert "F_V" not in engine.uncertain
    assert engine.evppi_parameter(OPTIONS, "F_V") == 0.0
    assert engine.crossings(OPTIONS, "F_V") == []


# ----------------------------------------------------------------------------- EVPI intervals


def _lognormal_call(m: float, s: float, c: float) -> float:
    """``E[(Z - c)+]`` for ``log Z ~ N(m, s^2)`` (the Black-Scholes call price)."""
    d1 = (m + s * s - math.log(c)) / s
    return math.exp(m + s * s / 2) * stats.norm.cdf(d1) - c * stats.norm.cdf(d1 - s)


@pytest.mark.parametrize(
    ("sx", "sy", "batch"),
    [(0.5, 0.3, None), (1.5, 1.0, None), (0.5, 0.3, 2**9)],
    ids=["light", "heavy", "light-batched"],
)
def test_exact_evpi_and_group_intervals_cover_closed_forms(monkeypatch, sx, sy, batch):
    """V1 = X Y (independent lognormals), V2 = c > E[XY]: EVPI = E[(XY - c)+] and the EVPPI of
    {X} = E[(X E[Y] - c)+] are lognormal call prices; {Z} (not in the model) is worth 0. The
    outer Monte Carlo interval of exact_value_of_information, over 50 seeds, holds them in at
    least 85% of unflagged cases (95% nominal; the slack is binomial, as in the issue's 90%
    criterion); flagged rows (heavy case) are never narrower than the normal interval."""
    from agi_interventions.exact import tables

    if batch is not None:  # several outer batches: normal theory, the first batch's flag
        monkeypatch.setattr(tables, "OUTER_BATCH", batch)
    wv = _worldview(x=stats.lognorm(sx), y=stats.lognorm(sy), z=stats.norm(0.0, 1.0))
    c = 1.2 * math.exp((sx * sx + sy * sy) / 2)
    engine = ExactEngine(wv, {"v1": _x("x") * _x("y"), "v2": ProductSum.constant(c)})
    truth = {
        "EVPI": _lognormal_call(0.0, math.hypot(sx, sy), c),
        "gx": _lognormal_call(sy * sy / 2, sx, c),
        "gz": 0.0,
    }
    covered, cases, flagged = 0, 0, 0
    for seed in range(50):
        table = tables.exact_value_of_information(
            engine, ["v1", "v2"], {"gx": ["x"], "gz": ["z"]}, n_draws=2**11, seed=seed
        ).set_index("name")
        zero = table.loc["gz"]
        assert zero["value_exact"] == zero["exact_ci_low"] == zero["exact_ci_high"] == 0.0
        for name in ("EVPI", "gx"):
            row = table.loc[name]
            inside = row["exact_ci_low"] <= truth[name] <= row["exact_ci_high"]
            if row["exact_flag"]:
                flagged += 1
                half = 1.959963984540054 * row["se_exact"]
                assert row["exact_ci_low"] <= row["value_exact"] - half * (1 - 1e-9)
                assert row["exact_ci_high"] >= row["value_exact"] + half * (1 - 1e-9)
            else:
                cases += 1
                covered += bool(inside)
    assert covered >= 0.85 * cases, (covered, cases, flagged)
    if sx > 1:  # the tail diagnostic fires on the heavy case, and only there
        assert flagged > 0
    else:
        assert flagged == 0


def test_exact_evpi_interval_covers_when_the_gain_is_mostly_zero():
    """V1 = X ~ N(0, 1), V2 = 2.5: EVPI = phi(2.5) - 2.5 (1 - Phi(2.5)), and the gain
    (X - 2.5)+ is 0 in all but about 0.6% of draws (about 50 of 2^13): a light tail."""
    from agi_interventions.exact.tables import exact_value_of_information

    c = 2.5
    engine = ExactEngine(
        _worldview(x=stats.norm(0.0, 1.0)), {"v1": _x("x"), "v2": ProductSum.constant(c)}
    )
    truth = stats.norm.pdf(c) - c * stats.norm.sf(c)
    covered = cases = 0
    for seed in range(40):
        table = exact_value_of_information(engine, ["v1", "v2"], {}, n_draws=2**13, seed=seed)
        row = table.set_index("name").loc["EVPI"]
        if not row["exact_flag"]:
            cases += 1
            covered += bool(row["exact_ci_low"] <= truth <= row["exact_ci_high"])
    assert covered >= 0.85 * cases, (covered, cases)
    assert cases >= 20, cases  # a normal tail is not heavy: most intervals are trusted
