"""Monte Carlo error budget: 1/sqrt(N) scaling of the needed sample size."""

import math

import numpy as np
import pandas as pd
import pytest

from agi_interventions.mc_error import needed_base_size, ranking_resolution
from agi_interventions.ranking import pairwise_comparisons, rank_interventions


def test_needed_size_follows_inverse_square_root_scaling():
    assert needed_base_size(1024, half_width=0.005, gap=0.01) == 1024
    # Half-width three times the gap: N must grow nine-fold, 9216 -> next power of two.
    assert needed_base_size(1024, half_width=0.03, gap=0.01) == 16384
    assert needed_base_size(1024, half_width=0.03, gap=0.0) == math.inf


def exact_draws(n: int, gap: float, sd: float) -> pd.DataFrame:
    """Draws whose paired difference a_V - a_CV has sample mean `gap` and sd `sd` exactly."""
    z = np.random.default_rng(0).standard_normal(n)
    z = (z - z.mean()) / z.std(ddof=1)
    a_cv = np.linspace(0.0, 1.0, n)
    return pd.DataFrame({"a_V": a_cv + gap + sd * z, "a_CV": a_cv, "a_CnotV": a_cv - 10.0})


def test_predicted_size_matches_closed_form_for_the_mean_gap():
    n_base, gap, sd = 512, 0.01, 0.5
    values = exact_draws(2 * n_base, gap, sd)
    table = ranking_resolution(
        rank_interventions(values), pairwise_comparisons(values), n_base
    ).set_index("criterion")
    row = table.loc["mean"]
    assert (row["first"], row["second"]) == ("a_V", "a_CV")
    assert row["gap"] == pytest.approx(gap, rel=1e-9)
    half = 1.959964 * sd / math.sqrt(2 * n_base)
    assert row["half_width"] == pytest.approx(half, rel=1e-5)
    assert not row["resolved"]
    # Half-width shrinks as 1/sqrt(N): N' = N (half / gap)^2, then the next power of two.
    expected = 2 ** math.ceil(math.log2(n_base * (half / gap) ** 2))
    assert row["n_base_needed"] == expected


def test_separated_probabilities_are_resolved():
    n_base = 4096
    values = exact_draws(2 * n_base, gap=0.5, sd=0.1)
    table = ranking_resolution(
        rank_interventions(values), pairwise_comparisons(values), n_base
    ).set_index("criterion")
    assert table.loc["p_best", "resolved"]
    assert table.loc["p_best", "first"] == "a_V"
    assert table.loc["p_best", "n_base_needed"] == n_base


def test_evppi_order_resolution_from_intervals_and_exact_values():
    from agi_interventions.mc_error import evppi_resolution

    voi = pd.DataFrame(
        {
            "name": ["EVPI", "a", "b", "c"],
            "kind": ["evpi", "parameter", "parameter", "parameter"],
            "value": [1.0, 0.5, 0.3, 0.29],
            "ci_low": [0.9, 0.45, 0.25, 0.2],
            "ci_high": [1.1, 0.55, 0.35, 0.41],
        }
    )
    table = evppi_resolution(voi, 1024).set_index("criterion")
    first = table.loc["evppi:1-2"]
    assert (first["first"], first["second"], bool(first["resolved"])) == ("a", "b", True)
    second = table.loc["evppi:2-3"]
    # intervals [0.25, 0.35] and [0.2, 0.41] overlap: half-width (0.3-0.25)+(0.41-0.29) = 0.17
    assert not second["resolved"]
    assert second["half_width"] == pytest.approx(0.17)
    assert second["n_base_needed"] == 2 ** math.ceil(math.log2(1024 * (0.17 / 0.01) ** 2))
    exact = voi.assign(value_exact=[1.0, 0.2, 0.6, 0.1])
    table = evppi_resolution(exact, 1024).set_index("criterion")
    assert table.loc["evppi:1-2", "first"] == "b"  # ordered by the exact values
    assert (table["method"] == "exact").all() and table["resolved"].all()


def test_sobol_driver_resolution():
    from agi_interventions.mc_error import sobol_resolution

    sobol = pd.DataFrame(
        {
            "output": ["y"] * 3,
            "parameter": ["p", "q", "r"],
            "ST": [0.6, 0.5, 0.1],
            "ST_conf": [0.02, 0.02, 0.01],
        }
    )
    row = sobol_resolution(sobol, 256).iloc[0]
    assert (row["criterion"], row["first"], row["second"]) == ("sobol_ST:y", "p", "q")
    assert bool(row["resolved"])
    row = sobol_resolution(sobol.assign(ST_conf=0.25), 256).iloc[0]
    assert not row["resolved"]
    assert row["n_base_needed"] == 2 ** math.ceil(math.log2(256 * (0.5 / 0.1) ** 2))
