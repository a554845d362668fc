"""Tests of plain Monte Carlo (``api.simulate``, ``api.p_best``) against known truths.

The samplers are checked against the exact distributions scipy gives for each prior
(Kolmogorov-Smirnov and the first two moments, at a fixed seed, so the verdicts are
reproducible), the outputs against :func:`agi_interventions.model.marginal_values`, and the
streams for independence from the number of threads.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from agi_interventions import api, montecarlo, samplers
from agi_interventions.consistency import is_consistent
from agi_interventions.families import FAMILIES
from agi_interventions.model import marginal_values
from agi_interventions.parameters import INTERVENTIONS, OUTPUTS, PARAMETER_NAMES
from agi_interventions.priors import Prior, load_worldview
from agi_interventions.ranking import RANKING_COLUMNS, STREAMED_METHOD, rank_interventions

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "config" / "priors" / "baseline.yaml"
REST_OF_WORLD = ROOT / "config" / "priors" / "consistent_by_construction.yaml"

#: Draws per distribution check: the KS test then detects a CDF error of about 0.005.
N = 200_000
#: A KS p-value below this fails (the seeds are fixed, so a pass is reproducible).
KS_LEVEL = 1e-4
#: Allowed distance of the sample mean and sd from the exact values, in standard errors.
SE_TOLERANCE = 4.0

#: (family, arguments), covering every family and every code path of the beta samplers.
CASES: list[tuple[str, dict[str, Any]]] = [
    ("uniform", {"low": -0.5, "high": 0.3}),
    ("loguniform", {"low": 1e-4, "high": 0.05}),
    ("normal", {"mean": 0.1, "sd": 0.18}),
    ("normal", {"ci90": [-0.2, 0.4]}),
    ("truncnormal", {"mean": 0.2, "sd": 0.5, "low": 0.0, "high": 1.0}),
    ("lognormal", {"mu": -1.0, "sigma": 0.5}),
    ("lognormal", {"ci90": [0.005, 0.1]}),
    ("triangular", {"low": 0.0, "mode": 0.5, "high": 1.5}),
    ("triangular", {"low": 0.0, "mode": 0.0, "high": 1.0}),
    ("triangular", {"low": -1.0, "mode": 2.0, "high": 2.0}),
    # order statistics of a + b - 1 uniforms (every rank pattern up to 6 uniforms)
    ("beta", {"a": 1, "b": 1}),
    ("beta", {"a": 2, "b": 2}),
    ("beta", {"a": 4, "b": 2}),
    ("beta", {"a": 2, "b": 3}),
    ("beta", {"a": 3, "b": 3}),
    ("beta", {"a": 1, "b": 6}),
    ("beta", {"a": 6, "b": 1}),
    ("beta", {"a": 3, "b": 4}),
    ("beta", {"a": 2, "b": 5, "low": -1.0, "high": 2.0}),
    # Cheng's algorithm BB
    ("beta", {"a": 2.5, "b": 2.5}),
    ("beta", {"a": 1.5, "b": 30.0}),
    ("beta", {"a": 7, "b": 3}),
    ("beta", {"a": 40.0, "b": 1.2, "low": 0.1, "high": 0.9}),
    # NumPy's beta (a shape at or below 1)
    ("beta", {"a": 0.5, "b": 0.5}),
    ("beta", {"a": 0.8, "b": 3.0}),
    ("beta", {"a": 1.0, "b": 7.5}),
    ("beta", {"ci90": [0.1, 0.4]}),
    ("logitnormal", {"mu": 0.4, "sigma": 1.3}),
    ("logitnormal", {"ci90": [0.02, 0.3], "low": -1.0, "high": 1.0}),
    ("pert", {"low": 0.0, "mode": 0.8, "high": 1.0}),
    ("pert", {"low": 0.0, "mode": 0.3, "high": 1.0}),
    ("pert", {"low": 0.0, "mode": 0.5, "high": 2.0, "lamb": 6.0}),
    ("pert", {"low": 1.0, "mode": 1.0, "high": 3.0}),
    ("fixed", {"value": 0.3}),
]


def make_prior(family: str, args: dict[str, Any]) -> Prior:
    """A prior of any family and arguments (no parameter's admissible range applies)."""
    args = {k: [float(x) for x in v] if k == "ci90" else float(v) for k, v in args.items()}
    if family == "fixed":
        return Prior("x", family, args, value=args["value"])
    return Prior("x", family, args, dist=FAMILIES[family].build(args))


def direct_draws(prior: Prior, n: int, seed: int) -> np.ndarray:
    """``n`` draws of one prior by the samplers of ``api.simulate``, in one batch."""
    sampler = samplers.BatchSampler({"x": prior})
    rng = np.random.Generator(np.random.SFC64(seed))
    return sampler.draw(rng, n, sampler.workspace(n))["x"].copy()


def assert_matches(x: np.ndarray, dist: Any, what: str) -> None:
    """KS p-value not tiny; mean and sd within SE_TOLERANCE standard errors of the exact."""
    n = x.size
    pvalue = stats.kstest(x, dist.cdf).pvalue
    assert pvalue > KS_LEVEL, f"{what}: KS p-value {pvalue:.2g}"
    mean, var, _, kurtosis = (float(v) for v in dist.stats(moments="mvsk"))
    sd = math.sqrt(var)
    se_mean = sd / math.sqrt(n)
    se_sd = sd * math.sqrt((kurtosis + 2.0) / (4.0 * n))
    assert abs(x.mean() - mean) <= SE_TOLERANCE * se_mean, f"{what}: mean {x.mean()} vs {mean}"
    assert abs(x.std(ddof=1) - sd) <= SE_TOLERANCE * se_sd, f"{what}: sd {x.std()} vs {sd}"


def test_cases_cover_every_family() -> None:
    assert {family for family, _ in CASES} == set(FAMILIES)


@pytest.mark.parametrize(
    ("family", "args"), CASES, ids=[f"{f}-{'-'.join(map(str, a.values()))}" for f, a in CASES]
)
def test_direct_sampler_has_the_prior_distribution(family: str, args: dict[str, Any]) -> None:
    prior = make_prior(family, args)
    x = direct_draws(prior, N, seed=20261124)
    low, high = prior.support()
    assert np.all((x >= low) & (x <= high)), f"{family} {args}: draw outside the support"
    if prior.is_fixed:
        assert np.all(x == prior.value)
        return
    assert_matches(x, prior.dist, f"{family} {args}")


def test_beta_samplers_are_dispatched_as_documented() -> None:
    def path(a: float, b: float) -> str:
        return samplers.beta_sampler(a, b).__qualname__.split(".")[0]

    assert path(2, 2) == path(3, 4) == path(1, 1) == "_order_statistic"
    assert path(7, 3) == path(4.2, 1.8) == path(1.5, 30.0) == "_cheng"
    assert path(0.5, 0.5) == path(1.0, 7.5) == "_numpy_beta"


@pytest.mark.parametrize("k", sorted(samplers.SORTING_NETWORKS))
def test_selection_networks_select_every_rank(k: int) -> None:
    # Zero-one principle for the full networks, every permutation for the pruned ones.
    for bits in itertools.product((0, 1), repeat=k):
        wires = list(bits)
        for i, j in samplers.SORTING_NETWORKS[k]:
            wires[i], wires[j] = min(wires[i], wires[j]), max(wires[i], wires[j])
        assert wires == sorted(bits)
    for rank in range(k):
        for perm in itertools.permutations(range(k)):
            wires = list(perm)
            for i, j, need_min, need_max in samplers.selection_network(k, rank):
                low, high = min(wires[i], wires[j]), max(wires[i], wires[j])
                wires[i] = low if need_min else wires[i]
                wires[j] = high if need_max else wires[j]
            assert wires[rank] == rank


def test_cheng_bb_needs_shapes_above_one() -> None:
    with pytest.raises(ValueError, match="above 1"):
        samplers.cheng_bb(np.random.default_rng(1), 1.0, 2.0, np.empty(4))


def test_simulate_inputs_follow_their_priors() -> None:
    view = load_worldview(BASELINE)
    draws = api.simulate(view, N, seed=5)
    assert len(draws) == N
    for name, prior in view.priors.items():
        assert_matches(draws[name].to_numpy(), prior.dist, name)


def test_outputs_are_the_models_bit_for_bit() -> None:
    draws = api.simulate(BASELINE, 50_000, seed=2)
    expected = marginal_values({name: draws[name].to_numpy() for name in PARAMETER_NAMES})
    assert set(OUTPUTS) <= set(draws.columns)
    for name in OUTPUTS:
        np.testing.assert_array_equal(draws[name].to_numpy(), expected[name], err_msg=name)


def test_result_does_not_depend_on_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(montecarlo, "BATCH", 2**10)  # many batches, the last one partial
    one = api.simulate(BASELINE, 7 * 2**10 + 123, seed=11, threads=1)
    two = api.simulate(BASELINE, 7 * 2**10 + 123, seed=11, threads=2)
    five = api.simulate(BASELINE, 7 * 2**10 + 123, seed=11, threads=5)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    pd.testing.assert_frame_equal(one, five, check_exact=True)


def test_same_seed_same_draws_other_seed_other_draws() -> None:
    first = api.simulate(BASELINE, 5000, seed=3)
    again = api.simulate(BASELINE, 5000, seed=3)
    other = api.simulate(BASELINE, 5000, seed=4)
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    for name in load_worldview(BASELINE).priors:
        assert not np.array_equal(first[name], other[name]), name


def test_columns_select_the_same_values() -> None:
    full = api.simulate(BASELINE, 4000, seed=8)
    some = api.simulate(BASELINE, 4000, seed=8, columns=["a_CV", "F_I", "a_V"])
    assert list(some.columns) == ["a_CV", "F_I", "a_V"]
    pd.testing.assert_frame_equal(some, full[["a_CV", "F_I", "a_V"]], check_exact=True)
    inputs_only = api.simulate(BASELINE, 4000, seed=8, columns=["b"])
    np.testing.assert_array_equal(inputs_only["b"], full["b"])
    with pytest.raises(ValueError, match="unknown column"):
        api.simulate(BASELINE, 10, seed=1, columns=["a_X"])
    with pytest.raises(ValueError, match="more than once"):
        api.simulate(BASELINE, 10, seed=1, columns=["a_V", "a_V"])
    with pytest.raises(ValueError, match="positive"):
        api.simulate(BASELINE, 0, seed=1)


def test_rest_of_world_draws_are_all_consistent() -> None:
    draws = api.simulate(REST_OF_WORLD, 100_000, seed=6)
    assert {"R_V", "R_CV", "R_CnotV", "F_V", "F_CV", "F_CnotV"} <= set(draws.columns)
    assert is_consistent({name: draws[name].to_numpy() for name in draws}).all()
    expected = marginal_values({name: draws[name].to_numpy() for name in PARAMETER_NAMES})
    np.testing.assert_array_equal(draws["a_V"], expected["a_V"])


def test_rank_of_simulate_has_the_ranking_columns() -> None:
    table = api.rank(api.simulate(BASELINE, 20_000, seed=9, columns=list(INTERVENTIONS)))
    assert list(table.columns) == RANKING_COLUMNS
    assert sorted(table["intervention"]) == sorted(INTERVENTIONS)
    assert table["p_best"].sum() == pytest.approx(1.0)


def test_p_best_is_the_rankings_p_best() -> None:
    draws = api.simulate(BASELINE, 300_000, seed=10, columns=list(INTERVENTIONS))
    ranking = rank_interventions(draws).set_index("intervention")["p_best"]
    result = api.p_best(draws)
    assert list(result.index) == list(INTERVENTIONS)
    np.testing.assert_allclose(result, ranking[result.index], rtol=0, atol=1e-12)


def test_p_best_splits_ties_and_drops_non_finite_rows() -> None:
    rng = np.random.default_rng(0)
    values = rng.integers(0, 3, size=(200_003, 3)).astype(float)  # many ties, several chunks
    values[[5, 70_000]] = [[np.nan, 1, 2], [-np.inf, 0, 0]]
    values[150_000, 2] = np.inf
    frame = pd.DataFrame(values, columns=list(INTERVENTIONS))
    ranking = rank_interventions(frame).set_index("intervention")["p_best"]
    result = api.p_best(frame)
    np.testing.assert_allclose(result, ranking[result.index], rtol=0, atol=1e-12)
    assert result.attrs["n_finite"] == 200_000
    two_way = pd.DataFrame({"a": [1.0, 1.0, 2.0], "b": [1.0, 0.0, 3.0]})
    assert api.p_best(two_way, ["a", "b"]).tolist() == pytest.approx([0.5, 0.5])
    with pytest.raises(ValueError, match="finite"):
        api.p_best(pd.DataFrame({"a": [np.nan], "b": [1.0]}), ["a", "b"])


def test_summarise_is_rank_without_the_quantiles() -> None:
    view = load_worldview(BASELINE)
    summary = api.summarise(view, 300_000, seed=12)
    ranking = api.rank(api.simulate(view, 300_000, seed=12, columns=list(INTERVENTIONS)))
    assert list(summary.columns) == [
        c for c in RANKING_COLUMNS if c not in ("median", "q05", "q95")
    ]
    assert list(summary["intervention"]) == list(ranking["intervention"])
    # Streamed moments keep no draw: no tail diagnostic, normal-theory intervals, said so.
    assert summary["khat"].isna().all()
    assert set(summary["mean_ci_method"]) == {STREAMED_METHOD}
    same = [c for c in summary.columns if c not in ("khat", "mean_ci_method", "mean_ci_flag")]
    same = [c for c in same if not c.startswith("mean_ci_")]
    pd.testing.assert_frame_equal(
        summary[same], ranking[same], check_exact=False, rtol=1e-9, atol=0
    )
    z = 1.959963984540054
    np.testing.assert_allclose(
        summary["mean_ci_high"] - summary["mean"], z * summary["mean_se"], rtol=1e-12
    )
    normal = ranking["mean_ci_method"] == "normal"
    np.testing.assert_allclose(
        summary.loc[normal, "mean_ci_low"], ranking.loc[normal, "mean_ci_low"], rtol=1e-9
    )


def test_summarise_does_not_depend_on_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(montecarlo, "BATCH", 2**10)
    one = api.summarise(REST_OF_WORLD, 9 * 2**10 + 5, seed=13, threads=1)
    two = api.summarise(REST_OF_WORLD, 9 * 2**10 + 5, seed=13, threads=2)
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    assert (one["n"] == 9 * 2**10 + 5).all()


def test_tallies_merge_to_the_rankings_means_and_p_best() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=(10_000, 3)).round(1)  # ties between options
    values[[3, 4000, 9000]] = [[np.nan, 0, 0], [np.inf, 1, 0], [0, -np.inf, 1]]
    chunks = [values[i : i + 1000] for i in range(0, 10_000, 1000)]
    wins, rows, mean, m2 = montecarlo._combine(
        [montecarlo._tally(list(chunk.T), moments=True) for chunk in chunks], 3
    )
    ranking = rank_interventions(pd.DataFrame(values, columns=list(INTERVENTIONS)))
    ranking = ranking.set_index("intervention").loc[list(INTERVENTIONS)]
    assert rows == ranking["n"].iloc[0] == 9997
    np.testing.assert_allclose(wins / rows, ranking["p_best"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(mean, ranking["mean"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(np.sqrt(m2 / (rows - 1) / rows), ranking["mean_se"], rtol=1e-10)


# ----------------------------------------------------------------------------- api.evppi


def test_evppi_by_nested_monte_carlo_agrees_with_the_exact_values():
    """The automatic method is exact here; forced nested Monte Carlo must agree with it."""
    targets = ["F_V", ["db_dFCV", "dpCV_daCV"]]
    exact = api.evppi(BASELINE, targets, seed=3)
    nested = api.evppi(BASELINE, targets, method="nested", seed=3)
    assert list(exact["name"]) == ["EVPI", "F_V", "db_dFCV+dpCV_daCV"]
    assert list(exact["kind"]) == ["evpi", "parameter", "group"]
    assert set(exact["method"]) == {"exact"} and set(nested["method"]) == {"nested"}
    assert exact.loc[1, "se"] == 0.0  # a single input's EVPPI is exact
    for (_, e), (_, n) in zip(exact.iterrows(), nested.iterrows(), strict=True):
        error = math.hypot(e["se"], n["se"])
        assert abs(n["value"] - e["value"]) <= 4 * error + 0.02 * e["value"], e["name"]


def test_evppi_chooses_nested_where_the_exact_engine_does_not_apply():
    view = load_worldview(ROOT / "config" / "priors" / "consistent_by_construction.yaml")
    table = api.evppi(view, "R_V", seed=1)
    assert list(table["method"]) == ["nested", "nested"]
    assert (table["ci_low"] <= table["value"]).all() and (table["value"] <= table["ci_high"]).all()
    with pytest.raises(ValueError, match="exact engine does not apply"):
        api.evppi(view, "R_V", method="exact")


@pytest.mark.parametrize(
    ("parameters", "message"),
    [("NOPE", "'NOPE' is not an uncertain input"), ([[]], "no parameter")],
)
def test_evppi_names_what_is_wrong(parameters, message):
    with pytest.raises(ValueError, match=message):
        api.evppi(BASELINE, parameters)
    with pytest.raises(ValueError, match="method must be one of"):
        api.evppi(BASELINE, "F_V", method="regression")


# ----------------------------------------------------------------------------- api.risk


def test_risk_matches_a_hand_computed_rank_dependent_value():
    # -100, 0, 100 with probabilities 0.1, 0.8, 0.1: REU at a = 2 is
    # -100 + 0.9^2 * 100 + 0.1^2 * 100 = -18; the expected value is 0.
    a_v = np.array([-100.0] + [0.0] * 8 + [100.0])
    draws = pd.DataFrame({"a_V": a_v, "a_CV": np.full(10, -1.0), "a_CnotV": np.full(10, -50.0)})
    reu = api.risk(draws, "reu", a=2.0, n_bootstrap=0).set_index("intervention")
    assert reu.loc["a_V", "value"] == pytest.approx(-18.0)
    assert reu.loc["a_CV", "value"] == pytest.approx(-1.0)
    assert set(reu["winner"]) == {"a_CV"}
    ev = api.risk(draws, "ev", n_bootstrap=0).set_index("intervention")
    assert ev.loc["a_V", "value"] == pytest.approx(0.0)
    assert set(ev["winner"]) == {"a_V"}
    with pytest.raises(ValueError, match="unknown setting"):
        api.risk(draws, "reu", alpha=2.0)
