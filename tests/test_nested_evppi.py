"""Nested and multilevel Monte Carlo EVPPI against closed forms, the exact engine, brute force."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from agi_interventions.exact import ExactEngine
from agi_interventions.model import marginal_values
from agi_interventions.population import fractions_from_rest_of_world
from agi_interventions.priors import load_worldview
from agi_interventions.tails import KHAT_CAP
from agi_interventions.voi.nested import (
    GAUSS_WEIGHTS,
    KRONROD_NODES,
    KRONROD_WEIGHTS,
    NESTED_COLUMNS,
    NestedProblem,
    NestedSettings,
    budget_settings,
    draw_pool,
    evpi,
    evpi_from_pool,
    evppi_group,
    evppi_parameter,
    lognormal_tilt,
    nested_value_of_information_table,
    problem_from_worldview,
)

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "config" / "priors" / "baseline.yaml"
CONSISTENT = ROOT / "config" / "priors" / "consistent_by_construction.yaml"
OPTIONS = ["a_V", "a_CV", "a_CnotV"]
#: Small settings for fast tests.
SMALL = NestedSettings(pool=1 << 16, inner=1 << 14, max_level=11, max_cost=1 << 21)


# --------------------------------------------------------------------------- an analytic problem
#
# Two options (and a third that is never best): V1 = a + b X + c Y + d Z, V2 = 0, V3 = -1 with
# X, Y standard normal and Z Bernoulli(p). With G(m, s) = E[max(m + s N, 0)]
# = s phi(m / s) + m Phi(m / s), every EVPPI has a closed form.

A, B, C, D, P = 0.3, 1.0, 1.5, -0.8, 0.4


def _g(m: float, s: float) -> float:
    return s * stats.norm.pdf(m / s) + m * stats.norm.cdf(m / s)


def _toy_truth() -> dict[str, float]:
    mean = A + P * D
    best = max(mean, 0.0)
    both = math.hypot(B, C)
    return {
        "X": _g(mean, B) - best,
        "Y": _g(mean, C) - best,
        "Z": P * max(A + D, 0.0) + (1 - P) * max(A, 0.0) - best,
        "XZ": P * _g(A + D, B) + (1 - P) * _g(A, B) - best,
        "XY": _g(mean, both) - best,
        "EVPI": P * _g(A + D, both) + (1 - P) * _g(A, both) - best,
    }


def _toy_problem() -> NestedProblem:
    def sample(names: Sequence[str], n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        out = {}
        for name in names:
            if name == "Z":
                out[name] = (rng.random(n) < P).astype(float)
            else:
                out[name] = rng.standard_normal(n)
        return out

    def ppf(name: str, u: np.ndarray) -> np.ndarray:
        return stats.norm.ppf(u)

    def values(x: Mapping[str, np.ndarray]) -> np.ndarray:
        v1 = A + B * x["X"] + C * x["Y"] + D * x["Z"]
        return np.column_stack([v1, np.zeros_like(v1), np.full_like(v1, -1.0)])

    atoms = {"Z": (np.array([0.0, 1.0]), np.array([1 - P, P]))}
    return NestedProblem(("X", "Y", "Z"), sample, ppf, values, atoms, ("one", "two", "three"))


def _close(estimate, truth: float, truth_se: float = 0.0, k: float = 4.0) -> bool:
    return abs(estimate.value - truth) <= k * math.hypot(estimate.se, truth_se) + 1e-12


def test_gauss_kronrod_rules_are_exact_for_polynomials():
    for degree in range(23):
        exact = (1 - (-1) ** (degree + 1)) / (degree + 1)
        assert KRONROD_WEIGHTS @ KRONROD_NODES**degree == pytest.approx(exact, abs=1e-14)
        if degree <= 13:
            assert GAUSS_WEIGHTS @ KRONROD_NODES**degree == pytest.approx(exact, abs=1e-14)
    # and the Gauss rule alone is not exact one degree higher
    assert abs(GAUSS_WEIGHTS @ KRONROD_NODES**14 - 2 / 15) > 1e-6


def test_single_inputs_and_atoms_match_closed_forms():
    problem = _toy_problem()
    truth = _toy_truth()
    pool = draw_pool(problem, SMALL, seed=3)
    for name in ("X", "Y", "Z"):
        estimate = evppi_parameter(problem, name, settings=SMALL, pool=pool)
        assert estimate.se > 0
        assert _close(estimate, truth[name]), (name, estimate, truth[name])
        # the interval is reported around the estimate
        assert estimate.ci_low <= estimate.value <= estimate.ci_high
    # the continuous input needs a crossing: one found, with a small quadrature error
    x = evppi_parameter(problem, "X", settings=SMALL, pool=pool)
    assert x.details["crossings"] == 1.0
    assert x.details["quadrature_error"] < 0.01 * x.se


def test_crossings_too_small_to_matter_are_not_located(monkeypatch):
    """Two options tied but for a wiggle of 1e-4, a third best above X = 1 with noise.

    The wiggle's crossings cannot move the integral by 1% of its error: leaving them inside
    their panels changes the estimate by far less than its error, which states their bound,
    and saves most of the model evaluations. Truth: ``E[max(1e-4 sin(6 X), 0, 0.3 (X - 1))]``
    by adaptive quadrature (every option's mean is 0 or below).
    """
    from scipy import integrate

    from agi_interventions.voi import nested

    def values(x: Mapping[str, np.ndarray]) -> np.ndarray:
        common = x["Y"]
        wiggle = common + 1e-4 * np.sin(6.0 * x["X"])
        return np.column_stack([wiggle, common, common + 0.3 * (x["X"] - 1) + 2.0 * x["W"]])

    def sample(names: Sequence[str], n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {name: rng.standard_normal(n) for name in names}

    problem = NestedProblem(("X", "Y", "W"), sample, lambda _, u: stats.norm.ppf(u), values, {})
    truth = integrate.quad(
        lambda t: max(1e-4 * math.sin(6.0 * t), 0.0, 0.3 * (t - 1.0)) * stats.norm.pdf(t),
        -9.0,
        9.0,
        points=[1.0],
        limit=500,
    )[0]
    settings = NestedSettings(pool=1 << 16, inner=1 << 14)
    pool = draw_pool(problem, settings, seed=2)
    skipped = evppi_parameter(problem, "X", settings=settings, pool=pool)
    monkeypatch.setattr(nested, "IMMATERIAL_CROSSING", 0.0)
    located = evppi_parameter(problem, "X", settings=settings, pool=pool)
    assert located.details["crossings"] >= 10 and skipped.details["crossings"] <= 2
    assert skipped.cost < 0.3 * located.cost
    # the quadrature's own estimate (before the rule's value is pooled with it)
    nested, nested_se = skipped.details["nested"], located.details["nested_se"]
    assert abs(nested - located.details["nested"]) <= 0.01 * nested_se
    assert skipped.details["quadrature_error"] > located.details["quadrature_error"]
    assert skipped.details["quadrature_error"] < 0.1 * skipped.details["nested_se"]
    assert _close(skipped, truth)


def _noisy_problem(noise: float) -> NestedProblem:
    """``V = (0, X - 0.3 + noise Y)``, X and Y standard normal: EVPPI(X) = E[(X - 0.3)^+]."""

    def values(x: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.column_stack([np.zeros_like(x["X"]), x["X"] - 0.3 + noise * x["Y"]])

    def sample(names: Sequence[str], n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {name: rng.standard_normal(n) for name in names}

    return NestedProblem(("X", "Y"), sample, lambda _, u: stats.norm.ppf(u), values, {})


def test_the_rules_value_on_unused_rows_narrows_a_noisy_single_input():
    """Noise in the other input (sd 8) dominates the inner error; the rule's value halves it.

    Truth ``E[(X - 0.3)^+] = phi(0.3) - 0.3 (1 - Phi(0.3))``. Over 16 seeds the pooled
    intervals hold the truth, are at most 0.7 times as wide as the quadrature's alone, and
    the pooled estimates' mean square error is below the quadrature's.
    """
    problem = _noisy_problem(8.0)
    truth = stats.norm.pdf(0.3) - 0.3 * stats.norm.sf(0.3)
    settings = NestedSettings(pool=1 << 16, inner=1 << 13)
    pooled, alone, ratios, covered = [], [], [], 0
    for seed in range(16):
        estimate = evppi_parameter(problem, "X", seed=seed, settings=settings)
        details = estimate.details
        assert details["rule_rows"] > 0 and 0.0 < details["rule_weight"] < 1.0
        pooled.append(estimate.value - truth)
        alone.append(details["nested"] - truth)
        ratios.append(estimate.se / details["nested_se"])
        covered += estimate.ci_low <= truth <= estimate.ci_high
    assert covered >= 15
    assert np.median(ratios) < 0.7
    assert np.mean(np.square(pooled)) < np.mean(np.square(alone))


def test_a_single_input_whose_error_misses_its_target_gets_more_inner_draws():
    """From 256 inner draws of noise sd 8 (and few rows for the rule) the error is mostly
    above a fifth of the value: those estimates are made again from ``max_inner`` draws, and
    both passes are counted.

    Over 12 seeds: exactly the first passes above the target were repeated (at least half),
    with 16,384 inner draws at a higher cost; at least 11 intervals hold the truth; the
    repeated ones have a median standard error below half the first pass's and a smaller
    mean square error.
    """
    problem = _noisy_problem(8.0)
    truth = stats.norm.pdf(0.3) - 0.3 * stats.norm.sf(0.3)
    settings = NestedSettings(
        pool=1 << 16, inner=1 << 8, max_inner=1 << 14, rule_rows=1 << 10, max_rule_rows=1 << 12
    )
    once = dataclasses.replace(settings, inner_target=math.inf)
    again_err, once_err, ratios, covered = [], [], [], 0
    for seed in range(12):
        pool = draw_pool(problem, settings, seed)
        first = evppi_parameter(problem, "X", settings=once, pool=pool)
        estimate = evppi_parameter(problem, "X", settings=settings, pool=pool)
        scale = max(first.details["raw"], 0.02 * float(pool.gains.mean()))
        covered += estimate.ci_low <= truth <= estimate.ci_high
        assert first.details["inner"] == 1 << 8
        if first.se <= settings.inner_target * scale:
            assert estimate == first
            continue
        assert estimate.details["inner"] == 1 << 14 and estimate.cost > first.cost
        again_err.append(estimate.value - truth)
        once_err.append(first.value - truth)
        ratios.append(estimate.se / first.se)
    assert len(ratios) >= 6
    assert covered >= 11
    assert np.median(ratios) < 0.5
    assert np.mean(np.square(again_err)) < np.mean(np.square(once_err))


def test_a_rule_from_few_inner_draws_has_its_loss_corrected():
    """With 1,024 inner draws and noise sd 8 the rule misplaces its switch; ``2 P - (P_a +
    P_b) / 2`` repairs the loss.

    Over 24 seeds the value of the whole sample's rule is low on average (the loss of a
    misplaced switch), the corrected value's mean error is less than a third of it, and the
    rule's own intervals (rows, halves' spread, half the correction) hold the truth in at
    least 21.
    """
    from agi_interventions.voi import nested

    problem = _noisy_problem(8.0)
    truth = stats.norm.pdf(0.3) - 0.3 * stats.norm.sf(0.3)
    settings = NestedSettings(pool=1 << 18, inner=1 << 10, rule_rows=1 << 17)
    corrected, uncorrected, covered = [], [], 0
    for seed in range(24):
        pool = draw_pool(problem, settings, seed)
        state = nested._SingleInput(problem, pool, "X", settings.inner)
        parts = nested._integrals(state, settings)
        rule = nested._rule_value(state, pool, parts, settings, target=0.0)
        assert rule is not None
        corrected.append(rule.value - truth)
        uncorrected.append(rule.uncorrected - truth)
        covered += abs(rule.value - truth) <= 1.96 * rule.se
    assert np.mean(uncorrected) < -0.005
    assert abs(np.mean(corrected)) < abs(np.mean(uncorrected)) / 3
    assert covered >= 21


def test_a_flagged_rule_value_is_not_pooled_with_a_reliable_estimate(monkeypatch):
    """Where only the rule's gains have a heavy tail, the quadrature's estimate stands alone."""
    from agi_interventions.voi import nested

    checked = nested._tail_check

    def rule_flagged(draws: np.ndarray, what: str, *, nonzero: bool):
        khat, limit, flag = checked(draws, what, nonzero=nonzero)
        return (
            (khat, limit, "heavy right tail (forced)") if "rule" in what else (khat, limit, flag)
        )

    monkeypatch.setattr(nested, "_tail_check", rule_flagged)
    settings = dataclasses.replace(SMALL, inner=1 << 12)  # error ~18% of the value: a rule
    estimate = evppi_parameter(_noisy_problem(8.0), "X", seed=0, settings=settings)
    assert "rule_value" in estimate.details and "rule_weight" not in estimate.details
    assert not estimate.flag
    assert estimate.value == estimate.details["nested"]
    assert estimate.se == estimate.details["nested_se"]


@given(
    ends=st.lists(st.floats(-6.0, 6.0), min_size=0, max_size=4, unique=True),
    bests=st.lists(st.integers(0, 2), min_size=15, max_size=15),
    k0=st.integers(0, 2),
)
@settings(max_examples=60, deadline=None)
def test_segments_cover_exactly_where_a_rule_differs_from_k0(ends, bests, k0):
    """The segments' widths add up to the prior probability that some rule differs from k0.

    Three step rules in normal scores (ends shifted per subset), against a count on a fine
    grid of normal quantiles.
    """
    from agi_interventions.voi import nested

    rules = []
    for shift, offset in ((0.0, 0), (0.13, 5), (-0.21, 10)):
        z = np.sort(np.array(ends, dtype=float) + shift)
        rules.append(nested._Rule(z, np.array(bests[offset : offset + len(z) + 1])))
    parts = [nested._Integral(0.0, np.zeros(2), 0.0, (), rule) for rule in rules]
    problem = _noisy_problem(1.0)
    segments = nested._segments(problem, "X", parts, k0)
    grid = stats.norm.ppf((np.arange(200_000) + 0.5) / 200_000)
    differs = np.any([rule(grid) != k0 for rule in rules], axis=0)
    assert sum(seg.width for seg in segments) == pytest.approx(differs.mean(), abs=1e-4)
    for seg in segments:
        low, high = seg.where
        inside = (grid > low) & (grid <= high)
        if inside.any():
            assert [int(rule(grid[inside][:1])[0]) for rule in rules] == list(seg.best)


def test_groups_and_evpi_match_closed_forms():
    problem = _toy_problem()
    truth = _toy_truth()
    pool = draw_pool(problem, SMALL, seed=5)
    for key, members in {"XZ": ["X", "Z"], "XY": ["X", "Y"]}.items():
        estimate = evppi_group(problem, members, seed=5, settings=SMALL, pool=pool)
        assert estimate.se > 0 and estimate.details["levels"] >= SMALL.min_level
        assert _close(estimate, truth[key]), (key, estimate, truth[key])
    every = evppi_group(problem, ["X", "Y", "Z"], seed=5, settings=SMALL, pool=pool)
    assert _close(every, truth["EVPI"])
    assert _close(evpi(problem, seed=5, settings=SMALL), truth["EVPI"])
    assert evppi_group(problem, [], seed=5, settings=SMALL, pool=pool).value == 0.0


def test_an_input_without_influence_on_the_decision_gets_zero():
    problem = _toy_problem()

    def values(x: Mapping[str, np.ndarray]) -> np.ndarray:  # Y scales every option alike
        scale = np.exp(x["Y"])
        v1 = (A + B * x["X"] + D * x["Z"]) * scale
        return np.column_stack([v1, np.zeros_like(v1), -scale])

    scaled = NestedProblem(problem.names, problem.sample, problem.ppf, values, problem.atoms)
    estimate = evppi_parameter(scaled, "Y", seed=1, settings=SMALL)
    assert estimate.value == 0.0 and estimate.se == 0.0


def test_baseline_against_the_exact_engine():
    worldview = load_worldview(BASELINE)
    engine = ExactEngine(worldview)
    problem = problem_from_worldview(worldview, worldview.complete)
    pool = draw_pool(problem, SMALL, seed=11)
    for name in ("F_V", "dpCV_daCV", "db_dFCV", "p_V", "U_B"):
        estimate = evppi_parameter(problem, name, settings=SMALL, pool=pool)
        exact = engine.evppi_parameter(OPTIONS, name)
        assert _close(estimate, exact), (name, estimate, exact)
    members = worldview.groups()["tractabilities"]
    exact, exact_se = engine.evppi_group(OPTIONS, members, n_draws=1 << 19, seed=2)
    estimate = evppi_group(problem, members, seed=11, settings=SMALL, pool=pool)
    assert _close(estimate, exact, exact_se), (estimate, exact)
    exact, exact_se = engine.evppi_group(OPTIONS, worldview.uncertain, n_draws=1 << 19, seed=2)
    assert _close(evpi(problem, seed=11, settings=SMALL), exact, exact_se)


def test_same_seed_same_bytes_and_other_seed_other_numbers():
    problem = _toy_problem()
    groups = {"xz": ["X", "Z"], "unknown only": ["W"]}
    first = nested_value_of_information_table(problem, groups, seed=7, settings=SMALL)
    again = nested_value_of_information_table(problem, groups, seed=7, settings=SMALL)
    other = nested_value_of_information_table(problem, groups, seed=8, settings=SMALL)
    numbers = ["value", "se", "ci_low", "ci_high", "cost"]
    assert first[numbers].to_numpy().tobytes() == again[numbers].to_numpy().tobytes()
    assert not np.array_equal(first["value"].to_numpy(), other["value"].to_numpy())
    assert list(first.columns) == NESTED_COLUMNS
    assert list(first["name"]) == [
        "EVPI",
        "X",
        "Y",
        "Z",
        "xz",
    ]  # the group of no input is left out
    assert list(first["kind"]) == ["evpi", "parameter", "parameter", "parameter", "group"]
    assert set(first["method"]) == {"nested"}
    assert (first["cost"] > 0).all()


def test_group_estimate_does_not_depend_on_member_order():
    problem = _toy_problem()
    pool = draw_pool(problem, SMALL, seed=2)
    one = evppi_group(problem, ["X", "Z"], seed=2, settings=SMALL, pool=pool)
    two = evppi_group(problem, ["Z", "X"], seed=2, settings=SMALL, pool=pool)
    assert one == two


def test_worldview_adapter_completes_fixed_and_rest_of_world_inputs(write_priors):
    worldview = load_worldview(write_priors())  # dpCnotV_daCnotV is fixed at 0.03 there
    problem = problem_from_worldview(worldview, worldview.complete)
    assert "dpCnotV_daCnotV" not in problem.names
    rng = np.random.default_rng(0)
    draws = problem.sample(problem.names, 100, rng)
    expected = marginal_values({**draws, "dpCnotV_daCnotV": np.full(100, 0.03)})
    got = problem.values(draws)
    np.testing.assert_array_equal(got, np.column_stack([expected[o] for o in OPTIONS]))

    consistent = load_worldview(CONSISTENT)

    def complete(columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {**columns, **fractions_from_rest_of_world(columns)}

    problem = problem_from_worldview(consistent, complete)
    assert {"R_V", "R_CV", "R_CnotV"} <= set(problem.names)
    draws = problem.sample(problem.names, 100, rng)
    canonical = {**draws, **fractions_from_rest_of_world(draws)}
    expected = marginal_values(canonical)
    np.testing.assert_array_equal(
        problem.values(draws), np.column_stack([expected[o] for o in OPTIONS])
    )
    np.testing.assert_array_equal(
        problem.values(draws),
        problem_from_worldview(consistent, consistent.complete).values(draws),
    )


def test_problem_checks_its_description():
    toy = _toy_problem()
    with pytest.raises(ValueError, match="duplicate"):
        NestedProblem(("X", "X"), toy.sample, toy.ppf, toy.values)
    with pytest.raises(ValueError, match="unknown inputs"):
        NestedProblem(("X",), toy.sample, toy.ppf, toy.values, {"W": ([0.0], [1.0])})
    with pytest.raises(ValueError, match="sum to 1"):
        NestedProblem(("X",), toy.sample, toy.ppf, toy.values, {"X": ([0.0, 1.0], [0.5, 0.6])})

    def broken(x: Mapping[str, np.ndarray]) -> np.ndarray:
        out = toy.values(x)
        out[0, 0] = np.nan
        return out

    bad = NestedProblem(toy.names, toy.sample, toy.ppf, broken, toy.atoms)
    with pytest.raises(ValueError, match="non-finite"):
        evpi(bad, seed=0, settings=SMALL)
    with pytest.raises(ValueError, match="not uncertain inputs"):
        evppi_group(toy, ["X", "W"], seed=0, settings=SMALL)
    with pytest.raises(ValueError, match="multiple of replicates"):
        NestedSettings(pool=1001, replicates=8)


def _load_benchmark():
    path = ROOT / "benchmarks" / "nested_evppi_coverage.py"
    spec = importlib.util.spec_from_file_location("nested_evppi_coverage", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("nested_evppi_coverage", module)
    spec.loader.exec_module(module)
    return module


def test_reduced_coverage_study_on_the_switch_worldview():
    """The benchmark's study, reduced: 3 seeds, a few rows, smaller settings (~30 s)."""
    bench = _load_benchmark()
    case = bench.switch_case()
    names = ["switch", "F_CV", "dpV_daV_alt", "F_V"]
    truth, _ = bench.switch_truth(case, n_draws=1 << 19, cells=1 << 16, names=names)
    groups = {g: case.groups[g] for g in ("structure", "tractabilities")}
    settings = NestedSettings(pool=1 << 17, inner=1 << 14, max_level=12, max_cost=1 << 21)
    rows = []
    for seed in range(3):
        pool = draw_pool(case.problem, settings, seed)
        estimates = {
            n: evppi_parameter(case.problem, n, settings=settings, pool=pool) for n in names
        }
        for group, members in groups.items():
            estimates[group] = evppi_group(
                case.problem, members, seed=seed, settings=settings, pool=pool
            )
        for key, e in estimates.items():
            rows.append((key, e.value / truth[key], e.ci_low <= truth[key] <= e.ci_high))
            assert e.flag == "", (key, e.flag)  # light tails: nothing flagged
    table = pd.DataFrame(rows, columns=["name", "ratio", "covered"])
    assert truth["switch"] > 0.02 * truth["EVPI"]  # the switch matters in this worldview
    assert table["covered"].mean() >= 0.8
    per_row = table.groupby("name")
    assert (per_row["covered"].sum() >= 2).all()
    assert per_row["ratio"].median().between(0.8, 1.25).all()


def test_nested_sizes_follow_the_declared_cost_not_a_timing():
    # Sizes come from the structure's declared relative cost, so a busy machine cannot change
    # the tables: the closed form keeps the defaults, a model 16 times dearer shrinks them.
    from agi_interventions.structure import Structure

    assert budget_settings(1.0) == NestedSettings()
    assert budget_settings(Structure({}).relative_cost) == NestedSettings()
    dear = budget_settings(16.0)
    assert dear.pool == NestedSettings().pool // 4
    assert dear.inner < NestedSettings().inner and dear.max_cost < NestedSettings().max_cost
    assert dear.max_inner == dear.inner  # no second pass where the sizes were cut for cost
    assert Structure({"bargaining": 1.0}).relative_cost > Structure({}).relative_cost


def test_batched_inputs_give_the_values_of_one_call_per_node():
    # Inputs read by the derived game are evaluated at all of a panel's nodes in one call;
    # the estimate must be that of a call per node, to the bit (the model is row by row).
    worldview = load_worldview(ROOT / "config" / "priors" / "bargaining.yaml")
    batched = problem_from_worldview(worldview, worldview.complete)
    assert {"F_V", "g", "lam", "bargaining_theory"} <= batched.batched
    assert {"F_CV", "F_CnotV"} <= set(batched.names) and not {"F_CV", "F_CnotV"} & batched.batched
    one_by_one = dataclasses.replace(batched, batched=frozenset())
    settings = NestedSettings(
        pool=1 << 12, replicates=4, inner=1 << 8, refinements=1, max_level=10
    )
    pool = draw_pool(batched, settings, seed=7)
    a = evppi_parameter(batched, "F_V", settings=settings, pool=pool)
    b = evppi_parameter(one_by_one, "F_V", settings=settings, pool=pool)
    assert a.value > 0 and (a.value, a.se) == (b.value, b.se)


def test_groups_without_the_games_inputs_reuse_the_pools_game_to_the_bit(monkeypatch):
    # A group with no input of the game takes all of them from the pool's inner rows, so the
    # game derived for the pool holds for the new rows: the estimate is the one that solves
    # the game again, to the bit, and no game is solved for such a group.
    import agi_interventions.structure as structure

    worldview = load_worldview(ROOT / "config" / "priors" / "bargaining.yaml")
    reusing = problem_from_worldview(worldview, worldview.complete)
    solving = dataclasses.replace(reusing, capture=None, reuse=None)
    settings = NestedSettings(pool=1 << 12, replicates=4, inner=1 << 8, max_level=10)
    pool = draw_pool(reusing, settings, seed=5)
    assert set(pool.derived) == {f"bargaining:{k}" for k in ("U_B", "U_notB", "dUB_dFV")} | {
        "bargaining:dUnotB_dFV"
    }
    assert draw_pool(solving, settings, seed=5).derived == {}
    members = ["dpV_daV", "dpCV_daCV", "dpCnotV_daCnotV"]
    expected = evppi_group(solving, members, seed=5, settings=settings, pool=pool)
    solved = []
    original = structure._solve_game
    monkeypatch.setattr(structure, "_solve_game", lambda p, s: solved.append(1) or original(p, s))
    structure._GAME_CACHE.clear()
    got = evppi_group(reusing, members, seed=5, settings=settings, pool=pool)
    assert got.value > 0 and (got.value, got.se) == (expected.value, expected.se)
    assert solved == []
    # a group with an input of the game solves it for its new rows
    evppi_group(reusing, ["F_V", "F_CV"], seed=5, settings=settings, pool=pool)
    assert solved


# --------------------------------------------------------------------------- the tail flag
#
# Two options: 0, and V = exp(s (X + Y)) - 2 E[exp(s (X + Y))] with X, Y standard normal and
# s = 3: a lognormal of log-sd 4.2 whose mean is carried by draws rarer than one in a
# thousand. Option 0 is best on average, the gains are (V)^+, and EVPI = E[(L - K)^+] has
# the Black–Scholes closed form. A pool of 2^16 draws misses most of it.

SIGMA = 3.0


def _lognormal_problem() -> NestedProblem:
    mean = math.exp(SIGMA**2)

    def sample(names: Sequence[str], n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {name: rng.standard_normal(n) for name in names}

    def values(x: Mapping[str, np.ndarray]) -> np.ndarray:
        v = np.exp(SIGMA * (x["X"] + x["Y"])) - 2.0 * mean
        return np.column_stack([np.zeros_like(v), v])

    return NestedProblem(("X", "Y"), sample, lambda _, u: stats.norm.ppf(u), values)


def _lognormal_evpi() -> float:
    s = SIGMA * math.sqrt(2.0)
    strike = 2.0 * math.exp(s**2 / 2)
    d = math.log(strike) / s
    return math.exp(s**2 / 2) * stats.norm.cdf(s - d) - strike * stats.norm.cdf(-d)


def test_heavy_tailed_estimates_are_flagged():
    problem = _lognormal_problem()
    table = nested_value_of_information_table(problem, {"x": ["X"]}, seed=0, settings=SMALL)
    assert list(table["kind"]) == ["evpi", "parameter", "parameter", "group"]
    # the truth is out of reach of these draws: the pool's EVPI misses it, interval and all
    truth = _lognormal_evpi()
    evpi_row = table.iloc[0]
    assert evpi_row["ci_high"] < truth
    # ... and every row says its draws cannot carry a mean
    assert table["flag"].str.startswith("heavy right tail of").all(), table["flag"]
    assert "per-draw gains" in evpi_row["flag"]  # EVPI, and level 0 of the group
    assert "per-draw gains" in table.iloc[3]["flag"]
    assert table.iloc[1]["flag"].startswith("heavy right tail of the per-inner-draw gains h")
    pool = draw_pool(problem, SMALL, seed=0)
    for estimate in (
        evpi(problem, seed=0, settings=SMALL),
        evppi_parameter(problem, "X", settings=SMALL, pool=pool),
        evppi_group(problem, ["X"], seed=0, settings=SMALL, pool=pool),
    ):
        assert estimate.flag and estimate.details["khat"] >= KHAT_CAP, estimate


#: A share in (0, 1) times a factor with a heavy tail (lognormal, sigma 3), against 0.
HEAVY_SIGMA, HEAVY_STRIKE = 3.0, 0.6


def _share_times_heavy_factor() -> tuple[NestedProblem, float]:
    """``V1 = Y exp(3 X) + 0.1 W - c`` against ``V0 = 0``; the EVPPI of ``{Y, W}`` in closed form.

    Given ``Y`` (uniform) and ``W``, ``E[V1] = Y m + 0.1 W - c`` with ``m = E exp(3 X)``, so the
    EVPPI of the group is ``E max(Y m + 0.1 W - c, 0) - max(m / 2 - c, 0)``; with ``c = 0.6 m``
    and ``W`` standard normal this is a one-dimensional integral over ``W``.
    """
    m = math.exp(HEAVY_SIGMA**2 / 2.0)
    c = HEAVY_STRIKE * m

    def sample(names: Sequence[str], n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {k: rng.random(n) if k == "Y" else rng.standard_normal(n) for k in names}

    def ppf(name: str, u: np.ndarray) -> np.ndarray:
        return u if name == "Y" else stats.norm.ppf(u)

    def values(x: Mapping[str, np.ndarray]) -> np.ndarray:
        v = x["Y"] * np.exp(HEAVY_SIGMA * x["X"]) + 0.1 * x["W"] - c
        return np.column_stack([np.zeros_like(v), v])

    # E max(Y m - s, 0) for Y uniform: (m - s)^2 / (2 m) for 0 <= s <= m, with s = c - 0.1 W
    w, weight = np.polynomial.hermite_e.hermegauss(80)
    s = np.clip(c - 0.1 * w, 0.0, m)
    inner = (m - s) ** 2 / (2.0 * m) + np.where(c - 0.1 * w < 0.0, 0.1 * w - c, 0.0)
    truth = float(weight @ inner / math.sqrt(2.0 * math.pi)) - max(m / 2.0 - c, 0.0)
    return NestedProblem(("X", "Y", "W"), sample, ppf, values), truth


def _normal(names: Sequence[str], n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {name: rng.standard_normal(n) for name in names}


def _small_group_problem(sigma: float, slope: float, gap: float) -> tuple[NestedProblem, float]:
    """``V1 = slope X + exp(sigma Z) - c`` against 0, ``c = E exp(sigma Z) + gap``.

    Given ``X`` (and ``W``, which plays no part), ``E[V1] = slope X - gap``: the EVPPI of
    ``{X, W}`` is ``E max(slope X - gap, 0)``, a small share of EVPI where ``Z`` moves the
    values more than ``X`` does.
    """
    c = math.exp(sigma**2 / 2.0) + gap

    def values(x: Mapping[str, np.ndarray]) -> np.ndarray:
        v = slope * x["X"] + np.exp(sigma * x["Z"]) - c
        return np.column_stack([np.zeros_like(v), v])

    problem = NestedProblem(("X", "Z", "W"), _normal, lambda _, u: stats.norm.ppf(u), values)
    return problem, _g(-gap, slope)


def test_a_small_group_beside_a_heavy_tailed_input_gets_a_sampled_base(monkeypatch):
    """A group worth 5% of EVPI: its gains, averaged over a few dozen inner draws, are near 0.

    The pool's per-draw gains carry the lognormal's whole spread, so from the pool (level 0)
    the group's error is that of EVPI; a sampled base level ``b`` needs only the spread of
    ``P_b``. Forcing the pool as the base shows the difference.
    """
    from agi_interventions.voi import nested

    problem, truth = _small_group_problem(1.5, 2.0, 3.0)
    sampled, pooled = [], []
    for seed in range(4):
        pool = draw_pool(problem, SMALL, seed=seed)
        assert evpi_from_pool(pool).value > 15 * truth
        group = evppi_group(problem, ["X", "W"], seed=seed, settings=SMALL, pool=pool)
        assert group.details["base_level"] >= 3
        assert group.ci_low <= truth <= group.ci_high, (seed, group)
        sampled.append(group.se)
        with monkeypatch.context() as patch:
            patch.setattr(nested, "_choose_base", lambda *args, **kwargs: 0)
            forced = evppi_group(problem, ["X", "W"], seed=seed, settings=SMALL, pool=pool)
        assert forced.details["base_level"] == 0
        pooled.append(forced.se)
    assert np.median(sampled) < 0.75 * np.median(pooled)


def test_a_group_worth_most_of_evpi_keeps_the_pool_as_its_base():
    problem, _ = _small_group_problem(0.5, 2.0, 0.0)  # X moves the values most
    pool = draw_pool(problem, SMALL, seed=1)
    group = evppi_group(problem, ["X", "W"], seed=1, settings=SMALL, pool=pool)
    assert group.value > 0.8 * evpi_from_pool(pool).value
    assert group.details["base_level"] == 0


def test_choose_base_meets_the_target_for_the_fewest_evaluations():
    from agi_interventions.voi.nested import MIN_BASE_DRAWS, _choose_base

    levels = 8
    cost = 2.0 ** np.arange(levels + 1)
    differences = np.r_[0.0, 1.0 / cost[1:] ** 1.5]  # V_l ~ 2^(-1.5 l)
    done = np.full(levels + 1, 64.0)
    # gains that stay as spread as the pool's: the pool, whose level 0 is paid for, wins
    flat = np.ones(levels + 1)
    assert _choose_base(differences, flat, done, 1e-6, 1e-4, 1e9) == 0
    # gains far less spread once averaged, and a pool too spread for the target: the level
    # whose optimal allocation (N_l = sqrt(V_l / C_l) S / target, at least MIN_BASE_DRAWS
    # draws of the base) needs the fewest evaluations beyond those done
    quiet = np.r_[1.0, 1e-5 / cost[1:]]

    def extra(b: int) -> float:
        var = np.r_[np.zeros(b), quiet[b], differences[b + 1 :]]
        wanted = np.sqrt(var / cost) * np.sqrt(var * cost).sum() / 1e-4
        wanted[b] = max(wanted[b], MIN_BASE_DRAWS)
        return float((np.maximum(wanted - done, 0.0) * cost).sum())

    expected = min(range(1, levels - 1), key=extra)
    assert expected > 1
    assert _choose_base(differences, quiet, done, 2e-4, 1e-4, 1e9) == expected
    # nothing meets the target within the budget: the least variance at the budget, and a
    # level whose fewest draws alone exceed the budget is out
    budget = 4.0 * MIN_BASE_DRAWS
    choice = _choose_base(differences, quiet, np.zeros(levels + 1), 2e-4, 1e-12, budget)
    assert 0 < choice <= 2


def test_the_levels_are_found_before_the_budget_is_spent():
    """A target dearer than the cap: the levels come first, the rest of the budget after.

    ``V1 = X / 2 + Y - 1`` against 0; the EVPPI of ``{X, W}`` is ``E max(X / 2 - 1, 0)``. Spent
    level by level as the target asks, the cap ran out at level 7 with a remaining bias of
    1.6–2.4 times its share (``sqrt(theta) eps``) of the error.
    """

    def values(x: Mapping[str, np.ndarray]) -> np.ndarray:
        v = 0.5 * x["X"] + x["Y"] - 1.0
        return np.column_stack([np.zeros_like(v), v])

    problem = NestedProblem(("X", "Y", "W"), _normal, lambda _, u: stats.norm.ppf(u), values)
    truth, total = _g(-1.0, 0.5), _g(-1.0, math.hypot(0.5, 1.0))
    settings = dataclasses.replace(SMALL, max_level=12, max_cost=1 << 19, target=0.005)
    share = math.sqrt(settings.theta) * settings.target * total
    remainders = []
    for seed in range(5):
        pool = draw_pool(problem, settings, seed=seed)
        group = evppi_group(problem, ["X", "W"], seed=seed, settings=settings, pool=pool)
        assert group.cost <= settings.pool + settings.max_cost
        assert group.details["levels"] >= 8
        assert group.ci_low <= truth <= group.ci_high, (seed, group)
        remainders.append(group.details["remainder"])
    assert np.median(remainders) <= 1.25 * share


def test_groups_get_bounds_where_the_base_gains_have_too_heavy_a_tail():
    problem, truth = _share_times_heavy_factor()
    bounded = 0
    for seed in range(10):
        pool = draw_pool(problem, SMALL, seed=seed)
        group = evppi_group(problem, ["Y", "W"], seed=seed, settings=SMALL, pool=pool)
        assert group.ci_low <= truth <= group.ci_high, (seed, group)
        if not group.details["bounded"]:
            assert not group.flag.startswith("heavy right tail of the per-draw gains")
            continue
        bounded += 1
        # the base's gains (the pool's, or a sampled level's) have too heavy a tail
        assert "bounds" in group.flag and "gains" in group.flag
        # below, the members' single-input lower ends; above, the levels as drawn
        singles = {n: evppi_parameter(problem, n, settings=SMALL, pool=pool) for n in "YW"}
        assert group.ci_low == max(0.0, *(e.ci_low for e in singles.values()))
        assert group.ci_low <= group.value <= group.ci_high
        # given the singles, the group reaches the same bounds without computing them
        given = evppi_group(
            problem, ["Y", "W"], seed=seed, settings=SMALL, pool=pool, singles=singles
        )
        assert (given.ci_low, given.ci_high, given.value) == (
            group.ci_low,
            group.ci_high,
            group.value,
        )
        assert given.cost < group.cost
    assert bounded >= 2


def test_a_tilt_keeps_every_mean_and_bounds_its_weights():
    sigma = 2.0
    mean = math.exp(sigma**2 / 2)
    tilt = lognormal_tilt(sigma, mean)
    assert tilt is not None and lognormal_tilt(0.9, 1.0) is None
    rng = np.random.default_rng(5)
    x = tilt.draw(np.exp(sigma * rng.standard_normal(1 << 20)), rng)
    w = np.exp(tilt.log_weight(x))
    # importance weights p / q: mean 1, and the weighted mean of the input is its prior mean
    assert abs(w.mean() - 1.0) < 4 * w.std() / math.sqrt(w.size)
    assert abs((w * x).mean() / mean - 1.0) < 4 * (w * x).std() / mean / math.sqrt(x.size)
    assert w.max() <= 1.0 / (1.0 - tilt.share) and (w * x).max() <= mean / tilt.share
    # the same check for a function of the input: P(X > 10) under the prior
    tail = (w * (x > 10.0)).mean()
    assert abs(tail - stats.norm.sf(math.log(10.0) / sigma)) < 0.002


def test_worldview_lognormals_with_a_heavy_tail_are_tilted():
    heavy = load_worldview(ROOT / "config" / "priors" / "heavy_tailed.yaml")
    problem = problem_from_worldview(heavy, heavy.complete)
    lognormal = {n for n in problem.names if heavy.priors[n].family == "lognormal"}
    sigma = {n: float(heavy.priors[n].dist.kwds["s"]) for n in lognormal}
    assert set(problem.tilts) == {n for n in lognormal if sigma[n] >= 1.0} != set()
    for name, tilt in problem.tilts.items():
        assert tilt.scale == pytest.approx(math.exp(sigma[name] ** 2))
        assert tilt.mean == pytest.approx(float(heavy.priors[name].dist.mean()))
    baseline = load_worldview(BASELINE)
    assert problem_from_worldview(baseline, baseline.complete).tilts == {}
    # with the tilt off, the pool is the prior pool of the same seed, bit for bit
    untilted = dataclasses.replace(problem, tilts={})
    small = NestedSettings(pool=1 << 12, replicates=4, inner=1 << 10, max_level=8)
    off = draw_pool(problem, dataclasses.replace(small, tilt=False), seed=3)
    plain = draw_pool(untilted, small, seed=3)
    assert np.array_equal(off.option_values, plain.option_values) and not off.log_weights
    on = draw_pool(problem, small, seed=3)
    assert set(on.log_weights) == set(problem.tilts)


def _share_times_lognormal(sigma: float) -> tuple[NestedProblem, float, float]:
    """``V1 = Y X - c`` against 0 with ``X`` lognormal (tilted) and ``Y`` uniform.

    EVPI is ``int_0^1 E (y X - c)^+ dy`` (a Black–Scholes call in ``y``); the EVPPI of
    ``{Y, W}`` (``W`` plays no part) is ``(m - c)^2 / (2 m)``, ``m = E X``, ``c = 0.6 m``.
    """
    m = math.exp(sigma**2 / 2)
    c = 0.6 * m

    def sample(names: Sequence[str], n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        draws = {"Y": rng.random, "X": lambda k: np.exp(sigma * rng.standard_normal(k))}
        return {k: draws.get(k, rng.standard_normal)(n) for k in names}

    def ppf(name: str, u: np.ndarray) -> np.ndarray:
        z = stats.norm.ppf(u)
        return {"Y": u, "X": np.exp(sigma * z)}.get(name, z)

    def values(x: Mapping[str, np.ndarray]) -> np.ndarray:
        v = x["Y"] * x["X"] - c
        return np.column_stack([np.zeros_like(v), v])

    def call(y: float) -> float:
        d1 = (math.log(y / c) + sigma**2) / sigma
        return y * m * stats.norm.cdf(d1) - c * stats.norm.cdf(d1 - sigma)

    ys, weights = np.polynomial.legendre.leggauss(200)
    evpi_truth = 0.5 * float(weights @ [call(0.5 * (y + 1.0)) for y in ys])
    tilts = {"X": lognormal_tilt(sigma, m)}
    problem = NestedProblem(("X", "Y", "W"), sample, ppf, values, tilts=tilts)
    return problem, evpi_truth, (m - c) ** 2 / (2.0 * m)


def test_groups_of_a_tilted_problem_are_estimated_from_levels_drawn_afresh():
    """``V1 = Y X - c``, ``X`` lognormal with ``sigma = 2`` (tilted): the levels' differences
    are skewed, and the group ``{Y, W}`` (truth ``(m - c)^2 / (2 m)``) is estimated from
    levels drawn afresh, as many as the driver chose.

    Over 48 seeds the mean ratio to the truth is within 3% of 1 and at least 44 intervals
    hold it; the fresh draws cost more than the driver's alone. Without tilted inputs the
    driver's draws are used.
    """
    problem, _, truth = _share_times_lognormal(2.0)
    ratios, covered = [], 0
    for seed in range(48):
        pool = draw_pool(problem, SMALL, seed=seed)
        group = evppi_group(problem, ["Y", "W"], seed=seed, settings=SMALL, pool=pool)
        assert group.details["fresh_levels"] == 1.0
        if seed < 4:
            alone = dataclasses.replace(SMALL, fresh_levels=False)
            driver = evppi_group(problem, ["Y", "W"], seed=seed, settings=alone, pool=pool)
            assert driver.details["fresh_levels"] == 0.0 and driver.cost < group.cost
        ratios.append(group.value / truth)
        covered += group.ci_low <= truth <= group.ci_high
    assert abs(np.mean(ratios) - 1.0) < 0.03
    assert covered >= 44
    toy = evppi_group(_toy_problem(), ["X", "Z"], seed=0, settings=SMALL)
    assert toy.details["fresh_levels"] == 0.0


@pytest.mark.parametrize("seed", range(4))
def test_tilted_draws_narrow_the_evpi_and_group_intervals_around_the_truth(seed):
    problem, evpi_truth, group_truth = _share_times_lognormal(2.0)
    width = {}
    for tilt in (True, False):
        settings = dataclasses.replace(SMALL, tilt=tilt)
        pool = draw_pool(problem, settings, seed=seed)
        total = evpi(problem, seed=seed, settings=settings)
        group = evppi_group(problem, ["Y", "W"], seed=seed, settings=settings, pool=pool)
        if tilt:
            assert total.ci_low <= evpi_truth <= total.ci_high, (total, evpi_truth)
            assert group.ci_low <= group_truth <= group.ci_high, (group, group_truth)
        width[tilt] = (total.ci_high - total.ci_low, group.ci_high - group.ci_low, group.cost)
    assert width[True][0] < width[False][0] / 3
    # the group: a narrower interval for far fewer evaluations (untilted, the estimator
    # samples a base level of many inner draws to tame the tail)
    assert width[True][1] < width[False][1] and width[True][2] < width[False][2] / 4


def test_light_tailed_estimates_are_not_flagged():
    problem = _toy_problem()
    groups = {"xz": ["X", "Z"], "xy": ["X", "Y"]}
    table = nested_value_of_information_table(problem, groups, seed=4, settings=SMALL)
    assert (table["flag"] == "").all(), table["flag"]
    pool = draw_pool(problem, SMALL, seed=4)
    base = evpi(problem, seed=4, settings=SMALL)
    assert base.flag == "" and base.details["khat"] < 0.5
    x = evppi_parameter(problem, "X", settings=SMALL, pool=pool)
    assert x.flag == "" and x.details["khat"] < 0.5
    group = evppi_group(problem, ["X", "Z"], seed=4, settings=SMALL, pool=pool)
    assert group.flag == "" and group.details["khat"] == base.details["khat"]
    assert group.details["bounded"] == 0.0
    # a level with fewer than MIN_LEVEL_TAIL_DRAWS non-zero differences is not judged; a
    # tighter target draws enough on the first levels, whose tails are light too
    assert math.isnan(group.details["khat_levels"])
    finer = dataclasses.replace(SMALL, target=0.005)
    group = evppi_group(problem, ["X", "Z"], seed=4, settings=finer, pool=pool)
    assert group.flag == "" and group.details["khat_levels"] < 0.5


def test_a_flagged_nested_value_is_not_a_finding():
    from agi_interventions.narrative import value_of_information_sentences
    from agi_interventions.voi.tables import with_headline

    flag = "heavy right tail of the per-draw gains (k_hat 0.93 >= 0.70, 132257 non-zero draws)"
    voi = pd.DataFrame(
        {
            "name": ["EVPI", "F_V", "p_V", "landscape", "utilities"],
            "kind": ["evpi", "parameter", "parameter", "group", "group"],
            "value": np.nan,
            "se": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "nested_value": [0.03, 0.02, 0.01, 0.025, 0.004],
            "nested_se": 0.001,
            "nested_low": [0.028, 0.018, 0.008, 0.023, 0.003],
            "nested_high": [0.032, 0.022, 0.012, 0.027, 0.005],
            "nested_method": "nested Monte Carlo",
            "nested_flag": [flag, "", flag.replace("draws", "h"), flag, np.nan],
        }
    )
    head = with_headline(voi).set_index("name")
    # a flagged nested value is not resolved and says why, as a flagged exact value does
    assert list(head["resolved"]) == [False, True, False, False, True]
    assert head.loc["EVPI", "flag"] == flag and head.loc["utilities", "flag"] == ""
    ranking = pd.DataFrame(
        {"intervention": OPTIONS, "mean": [0.5, 0.2, 0.1], "mean_exact": np.nan}
    )
    sentences = value_of_information_sentences(head.reset_index(), ranking)
    assert sentences[1] == f"It cannot be trusted at this sample size: {flag}."
    text = " ".join(sentences)
    assert (
        "Of the single beliefs whose value can be trusted, the most worth learning are F_V ("
        in text
    )
    assert "p_V (" not in text  # p_V is not ranked
    assert "For p_V the estimate cannot be trusted at this sample size" in text
    # the flagged group is named apart and not compared; the other is quoted alone
    assert "The value of the group landscape of agents cannot be trusted" in text
    assert "lead" not in text and "worth most" not in text
    assert "The group utilities is worth" in text
    # the report's table marks the flagged intervals with a dagger and explains it
    from agi_interventions.report.display import DAGGER, voi_display

    shown = voi_display(head.reset_index())
    marked = {row[0]: row[2].endswith(DAGGER) for row in shown.rows}
    assert marked == {
        "everything (EVPI)": True,
        "landscape of agents (group)": True,
        "utilities (group)": False,
        "F_V": False,
        "p_V": True,
    }
    assert f"{DAGGER}: heavy tails" in shown.caption


def test_nested_columns_pass_the_flag_on(monkeypatch):
    from agi_interventions.steps.decision_analysis import nested_columns
    from agi_interventions.voi import nested

    table = pd.DataFrame(
        [("EVPI", "evpi", 1.0, 0.1, 0.8, 1.2, "nested", 10, "heavy right tail of x")],
        columns=NESTED_COLUMNS,
    )
    monkeypatch.setattr(nested, "nested_value_of_information_table", lambda *a, **k: table)
    out = nested_columns(load_worldview(BASELINE), {}, seed=1)
    assert out["nested_flag"].tolist() == ["heavy right tail of x"]
