"""The Monte Carlo error budget: exact orders, heavy tails, and a projected N that holds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from agi_interventions.mc_error import (
    POWER,
    evppi_resolution,
    projected_sizes,
    ranking_resolution,
    risk_resolution,
    sobol_resolution,
)
from agi_interventions.ranking import pairwise_comparisons, rank_interventions


def test_projected_n_is_the_power_calculation_and_its_range_brackets_it():
    n_base, half, gap = 1024, 0.2, 0.1
    n80, low, high = projected_sizes(n_base, half, gap)
    se = half / 1.959963984540054
    expected = n_base * ((1.959963984540054 + 0.8416212335729143) * se / gap) ** 2
    assert n80 == 2 ** math.ceil(math.log2(expected))
    assert low <= n80 <= high
    assert math.isinf(projected_sizes(n_base, half_width=0.3, gap=0.1)[2])  # the gap could be 0


def _normal_draws(n: int, rng: np.random.Generator, gap: float) -> pd.DataFrame:
    base = rng.normal(size=n)
    return pd.DataFrame(
        {
            "a_V": base + rng.normal(size=n),
            "a_CV": base + gap + rng.normal(size=n),
            "a_CnotV": base - 3 + rng.normal(size=n),
        }
    )


def test_the_projected_n_resolves_the_order_with_about_80_percent_probability():
    """Simulation: from one sample at N0, project N; at that N, count how often it resolves."""
    rng = np.random.default_rng(2)
    gap, n0 = 0.05, 512  # draws are 2N; the paired difference has sd sqrt(2)
    predictions = []
    for _ in range(40):
        values = _normal_draws(2 * n0, rng, gap)
        row = ranking_resolution(
            rank_interventions(values), pairwise_comparisons(values), n0
        ).iloc[0]
        if not row["resolved"] and math.isfinite(row["n_base_needed"]):
            predictions.append(row["n_base_needed"])
    median = float(np.median(predictions))
    resolved = 0
    trials = 200
    for _ in range(trials):
        values = _normal_draws(2 * int(median), rng, gap)
        diff = values["a_CV"] - values["a_V"]
        half = 1.959963984540054 * diff.std(ddof=1) / math.sqrt(len(diff))
        resolved += bool(diff.mean() - half > 0)
    share = resolved / trials
    # the truth: N such that the gap is (z + z_0.8) standard errors: P = 0.8 up to rounding N
    # to a power of two (which can only raise it) and the noise of the median prediction
    assert POWER - 0.12 <= share <= 0.999, (median, share)


def test_exact_means_resolve_the_mean_order_whatever_n():
    ranking = pd.DataFrame(
        {
            "intervention": ["a_V", "a_CV", "a_CnotV"],
            "mean": [1.0, 1.1, 0.2],
            "mean_exact": [1.2, 1.0, 0.2],
            "p_best": [0.4, 0.5, 0.1],
            "p_best_ci_low": [0.35, 0.45, 0.08],
            "p_best_ci_high": [0.45, 0.55, 0.12],
        }
    )
    row = ranking_resolution(ranking, pd.DataFrame(), 64).iloc[0]
    assert (row["first"], row["second"], row["method"]) == ("a_V", "a_CV", "exact")
    assert row["resolved"] and row["first_estimate"] == 1.2


def test_a_heavy_tailed_difference_is_not_resolved_and_no_n_is_projected():
    rng = np.random.default_rng(0)
    n = 4096
    values = pd.DataFrame(
        {
            "a_V": rng.pareto(0.8, n),  # infinite mean: k = 1.25
            "a_CV": rng.pareto(0.8, n) + 0.5,
            "a_CnotV": rng.normal(size=n) - 10,
        }
    )
    ranking, pairwise = rank_interventions(values), pairwise_comparisons(values)
    row = ranking_resolution(ranking, pairwise, n // 2).iloc[0]
    assert row["method"] == "heavy-tail" and not row["resolved"]
    assert math.isnan(row["n_base_needed"]) and "k_hat" in row["note"]


def test_separated_probabilities_are_resolved():
    ranking = pd.DataFrame(
        {
            "intervention": ["a_V", "a_CV"],
            "mean": [2.0, 1.0],
            "mean_exact": [np.nan, np.nan],
            "p_best": [0.7, 0.3],
            "p_best_ci_low": [0.65, 0.25],
            "p_best_ci_high": [0.75, 0.35],
        }
    )
    pairwise = pd.DataFrame(
        {
            "intervention": ["a_V"],
            "other": ["a_CV"],
            "mean_difference": [1.0],
            "mean_difference_ci_low": [0.5],
            "mean_difference_ci_high": [1.5],
            "mean_difference_flag": [""],
        }
    )
    rows = ranking_resolution(ranking, pairwise, 256)
    assert rows["resolved"].all()
    assert (rows["method"] == "monte carlo").all()


def test_evppi_and_sobol_orders_from_exact_values_are_exact():
    voi = pd.DataFrame(
        {
            "name": ["EVPI", "x", "y", "z"],
            "kind": ["evpi", "parameter", "parameter", "parameter"],
            "value": [1.0, 0.2, 0.5, 0.1],
            "ci_low": [0.9, 0.1, 0.3, 0.0],
            "ci_high": [1.1, 0.3, 0.7, 0.2],
            "value_exact": [1.0, 0.6, 0.4, 0.1],
        }
    )
    rows = evppi_resolution(voi, 128)
    assert list(rows["first"]) == ["x", "y"] and (rows["method"] == "exact").all()
    sobol = pd.DataFrame(
        {
            "output": ["a_V"] * 2,
            "parameter": ["x", "y"],
            "ST": [0.3, 0.5],
            "ST_conf": [0.1, 0.1],
            "ST_exact": [np.nan, np.nan],
            "tail_flag": ["k_hat of the squared output 0.9", "k_hat of the squared output 0.9"],
        }
    )
    row = sobol_resolution(sobol, 128).iloc[0]
    assert row["method"] == "heavy-tail" and not row["resolved"]


@pytest.mark.parametrize(
    ("flag", "method"), [("", "monte carlo"), ("left tail heavy", "heavy-tail")]
)
def test_risk_rule_winners(flag, method):
    risk = pd.DataFrame(
        {
            "rule": ["reu"] * 3,
            "setting_value": [0.05] * 3,
            "intervention": ["a_V", "a_CV", "a_CnotV"],
            "value": [1.0, 0.5, 0.1],
            "ci_low": [0.9, 0.4, 0.0],
            "ci_high": [1.1, 0.6, 0.2],
            "flag": [flag, "", ""],
        }
    )
    row = risk_resolution(risk, 512).iloc[0]
    assert row["criterion"] == "risk:reu:0.05" and row["method"] == method
    assert row["resolved"] == (method == "monte carlo")
