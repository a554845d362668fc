"""Tests for agi_interventions.narrative: sentences must state the numbers they are given."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from agi_interventions.mc_error import RESOLUTION_COLUMNS
from agi_interventions.narrative import (
    resolution_sentences,
    robustness_sentences,
    scenario_sentences,
    switching_sentences,
    value_of_information_sentences,
)

# ----------------------------------------------------------------------------- value of info


def _voi(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["name", "kind", "value", "se"])


@pytest.fixture
def ranking() -> pd.DataFrame:
    # Deliberately not sorted by mean: the winner is a_CV (mean 0.8).
    return pd.DataFrame({"intervention": ["a_V", "a_CV", "a_CnotV"], "mean": [0.5, 0.8, -1.0]})


@pytest.fixture
def loss() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "intervention": ["a_V", "a_CV", "a_CnotV"],
            "expected_loss": [0.31, 0.02, 1.9],
            "se": [0.01, 0.001, 0.1],
        }
    )


@pytest.fixture
def voi() -> pd.DataFrame:
    return _voi(
        [
            ("EVPI", "evpi", 0.02, 0.001),
            ("p_V", "parameter", 0.005, 0.001),
            ("F_V", "parameter", 0.01, 0.001),
            ("U_B", "parameter", 0.00197, 0.001),  # just above 1.96 se: not negligible
            ("p_CnotV", "parameter", 0.00195, 0.001),  # just below 1.96 se: negligible
            ("b", "parameter", 0.0, 0.0),  # exactly zero: negligible
            ("utilities", "group", 0.003, 0.001),
            ("landscape", "group", 0.015, 0.002),
        ]
    )


def _negligible(sentence: str) -> list[str]:
    assert sentence.startswith("For ")
    return sentence[len("For ") : sentence.index(", learning the parameter alone")].split(", ")


def test_voi_first_sentence_reports_evpi_against_the_winner(voi, ranking, loss):
    first = value_of_information_sentences(voi, ranking, loss)[0]
    assert "winner by mean, Cooperation, aligned," in first
    assert "loses 0.02 per unit of effort" in first  # a_CV's expected loss, not a_V's
    assert "the EVPI, 0.02 (± 0.00196)" in first  # 1.96 * se = 0.00196
    # EVPI / |winner's mean| = 0.02 / 0.8 = 2.5 %
    assert "2.5% of the winner's mean marginal value" in first


def test_voi_percentage_uses_absolute_winner_mean(voi, loss):
    ranking = pd.DataFrame({"intervention": ["a_V", "a_CV"], "mean": [-0.4, -0.5]})
    loss = loss.iloc[:2]
    first = value_of_information_sentences(voi, ranking, loss)[0]
    assert "Alignment" in first
    assert "loses 0.31 per unit" in first
    assert "), 5% of the winner's mean" in first  # 0.02 / |-0.4|, not -5%


def test_voi_zero_winner_mean_gives_plain_evpi(voi, loss):
    ranking = pd.DataFrame({"intervention": ["a_V", "a_CV"], "mean": [0.0, -0.5]})
    assert value_of_information_sentences(voi, ranking, loss.iloc[:2])[0] == "The EVPI is 0.02."


def test_voi_names_top_parameters_by_evppi(voi, ranking, loss):
    sentences = value_of_information_sentences(voi, ranking, loss)
    top = sentences[1]
    assert top == (
        "The single beliefs most worth resolving are F_V (50% of EVPI), p_V (25% of EVPI), "
        "U_B (9.85% of EVPI)."
    )


def test_voi_top_group(voi, ranking, loss):
    sentences = value_of_information_sentences(voi, ranking, loss)
    assert "Of the parameter groups, landscape is worth most: 0.015 (75% of EVPI)." in sentences


def test_voi_negligible_parameters_within_two_standard_errors(voi, ranking, loss):
    sentences = value_of_information_sentences(voi, ranking, loss)
    assert len(sentences) == 4
    negligible = _negligible(sentences[-1])
    assert sorted(negligible) == sorted(["p_C|¬V", "b"])  # symbols, not keys
    assert "U_B" not in negligible
    assert "F_V" not in negligible


def test_voi_no_single_parameter_distinguishable(ranking, loss):
    voi = _voi(
        [
            ("EVPI", "evpi", 0.02, 0.001),
            ("F_V", "parameter", 0.001, 0.001),
            ("p_V", "parameter", 0.0, 0.0),
        ]
    )
    sentences = value_of_information_sentences(voi, ranking, loss)
    assert sentences[1].startswith("No single parameter has an EVPPI distinguishable from zero")
    assert _negligible(sentences[-1]) == ["F_V", "p_V"]
    assert not any("parameter groups" in s for s in sentences)


def test_voi_zero_evpi(ranking, loss):
    voi = _voi([("EVPI", "evpi", 0.0, 0.0), ("F_V", "parameter", 0.0, 0.0)])
    sentences = value_of_information_sentences(voi, ranking, loss)
    assert len(sentences) == 2
    assert sentences[1] == "No uncertainty here can change the choice: EVPI is zero."


# ----------------------------------------------------------------------------- switching


SWITCH_COLUMNS = [
    "parameter",
    "switch_value",
    "switch_quantile",
    "from",
    "to",
    "bracket_low",
    "bracket_high",
]


def test_switching_empty_frame():
    empty = pd.DataFrame({c: pd.Series(dtype=np.float64) for c in SWITCH_COLUMNS})
    (sentence,) = switching_sentences(empty)
    assert sentence.startswith("Along no single parameter does the intervention")


def test_switching_row_reports_value_to_three_digits():
    table = pd.DataFrame(
        [["F_CnotV", 0.123456, 0.25, "a_V", "a_CnotV", 0.1, 0.15]], columns=SWITCH_COLUMNS
    )
    (sentence,) = switching_sentences(table)
    assert "F_C|¬V passes 0.123 (prior quantile 25%): Alignment → Cooperation, misaligned" in (
        sentence
    )
    assert "0.1234" not in sentence
    assert "more in switching.csv" not in sentence


def test_switching_limit_counts_the_rest():
    rows = [["U_B", 10.0 + i + 0.04567, 0.1 * i, "a_V", "a_CV", 0.0, 1.0] for i in range(8)]
    table = pd.DataFrame(rows, columns=SWITCH_COLUMNS)
    (sentence,) = switching_sentences(table, limit=6)
    assert "15" in sentence  # sixth row: 15.04567 -> 15
    assert "16" not in sentence  # seventh row is left out
    assert "U_B passes 10 (prior quantile 0%)" in sentence
    assert "U_B passes 12 (prior quantile 20%)" in sentence
    assert sentence.endswith("(2 more in switching.csv)")


# ----------------------------------------------------------------------------- resolution


def _resolution(rows: list[dict]) -> pd.DataFrame:
    base = {
        "first_estimate": 1.0,
        "second_estimate": 0.5,
        "gap": 0.5,
        "half_width": 0.1,
    }
    return pd.DataFrame([{**base, **r} for r in rows])[RESOLUTION_COLUMNS]


def test_resolution_resolved_and_unresolved():
    table = _resolution(
        [
            {
                "criterion": "mean",
                "first": "a_CV",
                "second": "a_V",
                "resolved": True,
                "n_base": 1024,
                "n_base_needed": 1024.0,
            },
            {
                "criterion": "p_best",
                "first": "a_V",
                "second": "a_CnotV",
                "resolved": False,
                "n_base": 1024,
                "n_base_needed": 8192.0,
            },
        ]
    )
    resolved, unresolved = resolution_sentences(table)
    assert resolved == (
        "By mean marginal value, Cooperation, aligned is ahead of Alignment beyond Monte Carlo "
        "error at N = 1024."
    )
    assert unresolved.startswith(
        "By P(best), N = 1024 does not separate Alignment from Cooperation, misaligned"
    )
    assert "N = 8192 would" in unresolved


def test_resolution_infinite_need_is_a_tie():
    table = _resolution(
        [
            {
                "criterion": "mean",
                "first": "a_V",
                "second": "a_CV",
                "resolved": False,
                "n_base": 256,
                "n_base_needed": math.inf,
            }
        ]
    )
    (sentence,) = resolution_sentences(table)
    assert "Alignment and Cooperation, aligned are tied" in sentence
    assert "N =" not in sentence


# ----------------------------------------------------------------------------- robustness


def _comparison(rows: list[tuple[str, str, int, int, int]], max_shift: int) -> pd.DataFrame:
    table = pd.DataFrame(
        rows,
        columns=["output", "parameter", "rank_sobol_ST", "rank_sobol_ST_asinh", "rank_pawn"],
    )
    ranks = table[["rank_sobol_ST", "rank_sobol_ST_asinh", "rank_pawn"]]
    table["mean_rank"] = ranks.mean(axis=1)
    table["rank_spread"] = ranks.max(axis=1) - ranks.min(axis=1)
    table["flagged"] = table["rank_spread"] > max_shift
    return table


def test_robustness_names_flagged_top_parameters_and_counts_the_rest():
    table = _comparison(
        [
            ("a_V", "F_V", 1, 5, 2),  # flagged, best rank 1: named
            ("a_V", "b", 2, 2, 3),  # not flagged
            ("a_V", "p_CnotV", 3, 6, 9),  # flagged, best rank 3: named (by symbol)
            ("a_V", "U_B", 7, 12, 8),  # flagged, spread 5, best rank 7: only counted
            ("a_CV", "dpV_daV", 6, 10, 9),  # flagged, best rank 6: only counted
            ("a_CV", "F_I", 1, 1, 2),  # not flagged
        ],
        max_shift=2,
    )
    sentences = robustness_sentences(table, max_shift=2)
    assert len(sentences) == 2
    assert sentences[0].startswith(
        "For Alignment, the rank of F_V, p_C|¬V moves by more than 2 places"
    )
    assert "U_B" not in " ".join(sentences)
    assert "dp_V/da_V" not in " ".join(sentences)
    assert "Cooperation, aligned" not in " ".join(sentences)
    assert sentences[1].startswith(
        "2 further flags concern parameters outside every method's top 5"
    )


def test_robustness_top_cutoff_is_inclusive():
    table = _comparison([("a_CV", "F_I", 5, 9, 9)], max_shift=2)
    (sentence,) = robustness_sentences(table, max_shift=2)
    assert sentence.startswith("For Cooperation, aligned, the rank of F_I moves")


def test_robustness_all_agree():
    table = _comparison([("a_V", "F_V", 1, 2, 1), ("a_V", "b", 2, 1, 2)], max_shift=2)
    (sentence,) = robustness_sentences(table, max_shift=2)
    assert sentence.startswith("Every parameter's importance rank agrees within 2 places")


# ----------------------------------------------------------------------------- scenarios


def test_scenario_sentences_report_density_and_coverage():
    columns = ["intervention", "box", "coverage", "density", "mass", "parameter", "low", "high"]
    boxes = pd.DataFrame(
        [
            ["a_CV", 3, 0.62, 0.913, 0.3, "F_V", 0.1, 0.3],
            ["a_CV", 3, 0.62, 0.913, 0.3, "p_CnotV", 0.25, 0.875],
            ["a_V", 0, 1.0, 0.55, 1.0, None, np.nan, np.nan],
        ],
        columns=columns,
    )
    first, second = scenario_sentences(boxes)
    assert first == (
        "Cooperation, aligned is the per-draw best in 91.3% of draws with F_V in [0.1, 0.3]; "
        "p_C|¬V in [0.25, 0.875]; that region holds 62% of all draws where it is best."
    )
    assert second.startswith(
        "Alignment is the per-draw best in 55% of draws over the whole prior (PRIM found no box)"
    )
    assert "holds 100% of all draws" in second


def test_scenario_sentences_empty():
    columns = ["intervention", "box", "coverage", "density", "mass", "parameter", "low", "high"]
    assert scenario_sentences(pd.DataFrame(columns=columns)) == []
