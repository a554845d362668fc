"""Ranking statistics against known truths."""

import logging

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from agi_interventions.ranking import (
    best_shares,
    pairwise_comparisons,
    rank_interventions,
    wilson_interval,
)


def test_wilson_interval_textbook_values():
    # Wilson (1927); e.g. Newcombe (1998) Table I: 81/263 -> (0.2553, 0.3662).
    low, high = wilson_interval(81 / 263, 263)
    assert low == pytest.approx(0.2553, abs=1e-4)
    assert high == pytest.approx(0.3662, abs=1e-4)
    low, high = wilson_interval(0.0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)


def test_ties_share_best_equally():
    values = np.array([[1.0, 1.0, 0.0], [2.0, 0.0, 2.0], [0.0, 3.0, 1.0]])
    np.testing.assert_allclose(best_shares(values), [[0.5, 0.5, 0], [0.5, 0, 0.5], [0, 1, 0]])


def test_normal_options_recover_known_means_and_probabilities():
    rng = np.random.default_rng(2024)
    n = 200_000
    values = pd.DataFrame(
        {
            "a_V": rng.normal(1.0, 1.0, n),
            "a_CV": rng.normal(0.5, 1.0, n),
            "a_CnotV": rng.normal(0.0, 0.1, n),
        }
    )
    table = rank_interventions(values).set_index("intervention")
    assert list(table.index) == ["a_V", "a_CV", "a_CnotV"]
    for name, mean in (("a_V", 1.0), ("a_CV", 0.5), ("a_CnotV", 0.0)):
        assert table.loc[name, "mean_ci_low"] < mean < table.loc[name, "mean_ci_high"]
    assert table.loc["a_V", "median"] == pytest.approx(1.0, abs=0.01)
    assert table.loc["a_V", "q95"] == pytest.approx(1.0 + 1.6449, abs=0.02)
    assert table.loc["a_CnotV", "q05"] == pytest.approx(-0.16449, abs=0.002)
    assert table["p_best"].sum() == pytest.approx(1.0)
    pairs = pairwise_comparisons(values).set_index(["intervention", "other"])
    # a_V - a_CV ~ N(0.5, 2): P(a_V > a_CV) = Phi(0.5 / sqrt 2).
    p_true = stats.norm.cdf(0.5 / np.sqrt(2))
    row = pairs.loc[("a_V", "a_CV")]
    assert row["p_beats_ci_low"] < p_true < row["p_beats_ci_high"]
    assert row["mean_difference_ci_low"] < 0.5 < row["mean_difference_ci_high"]
    assert pairs.loc[("a_CV", "a_V"), "p_beats"] == pytest.approx(1 - row["p_beats"])


def test_nonfinite_draws_are_counted_not_hidden(caplog):
    values = pd.DataFrame({"a_V": [1.0, np.nan, 3.0, 4.0], "a_CV": [0.0, 1.0, np.inf, 1.0]})
    with caplog.at_level(logging.WARNING):
        table = rank_interventions(values)
    assert (table["n"] == 2).all()
    assert "2 of 4 draws have a non-finite" in caplog.text
    assert table.loc[table["intervention"] == "a_V", "mean"].item() == 2.5


def test_a_difference_is_flagged_when_either_mean_is():
    """A heavy tail (Pareto shape 1.2: no finite mean) in one option's mean flags every
    difference with it, even where the paired difference alone looks light-tailed (k_hat
    estimates near the threshold vary between samples; a difference is trusted only where
    both means are)."""
    rng = np.random.default_rng(7)
    n = 20_000
    heavy = -(rng.pareto(1 / 1.2, n) + 1.0) * 1e-3  # left tail, k = 1.2
    light = rng.normal(1.0, 0.1, n)
    values = pd.DataFrame(
        {"a_V": heavy + light, "a_CV": heavy + light + 0.1, "a_CnotV": rng.normal(0.5, 0.1, n)}
    )
    table = pairwise_comparisons(values).set_index(["intervention", "other"])
    flags = table["mean_difference_flag"].fillna("")
    # a_V - a_CV is the constant -0.1: light on its own, flagged through the means
    assert np.ptp(values["a_V"] - values["a_CV"]) < 1e-9
    assert flags[("a_V", "a_CV")].startswith("Alignment's mean:")
    for other in ("a_CnotV",):
        assert flags[("a_V", other)] != "" and flags[(other, "a_V")] != ""
    # without a heavy tail anywhere, no flag
    calm = pairwise_comparisons(values.assign(a_V=light, a_CV=light + 0.1))
    assert (calm["mean_difference_flag"].fillna("") == "").all()
