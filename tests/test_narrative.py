"""Every generated sentence against the numbers it was generated from."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from agi_interventions import narrative
from agi_interventions.mc_error import RESOLUTION_COLUMNS
from agi_interventions.narrative import (
    NEGLIGIBLE_SHARE,
    asinh_scale_sentence,
    decision_sobol_outputs_sentence,
    headline_sentences,
    headline_title,
    resolution_sentences,
    robustness_sentences,
    scenario_sentences,
    sobol_sentences,
    switching_sentences,
    value_of_information_sentences,
)
from agi_interventions.report.formatting import fmt_num, fmt_pct
from agi_interventions.stats import Z95

# ----------------------------------------------------------------------------- headline


def _ranking(means, p_best=(0.5, 0.3, 0.2), exact=None) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "intervention": ["a_V", "a_CV", "a_CnotV"],
            "mean": means,
            "mean_ci_low": [m - 0.01 for m in means],
            "mean_ci_high": [m + 0.01 for m in means],
            "median": means,
            "q05": [m - 1 for m in means],
            "q95": [m + 1 for m in means],
            "p_best": p_best,
            "p_best_ci_low": [p - 0.01 for p in p_best],
            "p_best_ci_high": [p + 0.01 for p in p_best],
            "n": 1000,
        }
    )
    if exact is not None:
        frame["mean_exact"] = exact
    return frame


def _pairwise(first: str, second: str, diff: float, low: float, high: float) -> pd.DataFrame:
    return pd.DataFrame(
        [[first, second, 0.6, 0.55, 0.65, diff, low, high]],
        columns=[
            "intervention",
            "other",
            "p_beats",
            "p_beats_ci_low",
            "p_beats_ci_high",
            "mean_difference",
            "mean_difference_ci_low",
            "mean_difference_ci_high",
        ],
    )


def test_lead_ratio_is_winner_over_runner_up():
    ranking = _ranking([0.6, 0.265, 0.1])
    sentences = headline_sentences(ranking, _pairwise("a_V", "a_CV", 0.335, 0.3, 0.37))
    lead = next(s for s in sentences if s.startswith("The lead"))
    ratio = float(re.search(r"mean is ([\d.]+) times", lead).group(1))
    assert ratio == pytest.approx(0.6 / 0.265, rel=5e-3)  # 2.26, not the lead ÷ runner-up
    assert "Alignment's mean is" in lead and "times Cooperation, aligned's" in lead
    assert fmt_num(0.335) in lead and "excludes zero" in lead
    assert headline_title(ranking) == "Highest mean marginal value: Alignment"


def test_lead_interval_including_zero_is_called_noise():
    sentences = headline_sentences(
        _ranking([0.6, 0.59, 0.1]), _pairwise("a_V", "a_CV", 0.01, -0.02, 0.04)
    )
    lead = next(s for s in sentences if s.startswith("The lead"))
    assert "includes zero" in lead


def test_exact_means_decide_the_winner_and_are_quoted():
    ranking = _ranking([0.50, 0.52, 0.1], exact=[0.55, 0.51, 0.1])
    sentences = headline_sentences(ranking, _pairwise("a_V", "a_CV", -0.02, -0.05, 0.01))
    assert sentences[0].startswith("Alignment has the highest mean")
    assert f"exact means are {fmt_num(0.55)} for Alignment and {fmt_num(0.51)}" in sentences[1]
    assert "In this sample Cooperation, aligned's mean is the higher one" in sentences[2]
    assert headline_title(ranking) == "Highest mean marginal value: Alignment"


def test_exact_tie_is_called_a_tie():
    ranking = _ranking([0.0, 0.0, 0.0], p_best=(1 / 3, 1 / 3, 1 / 3))
    assert headline_title(ranking) == "The interventions are tied."
    (sentence,) = headline_sentences(ranking, None)
    assert sentence.startswith("The interventions are tied")


def test_p_best_disagreement_is_reported():
    sentences = headline_sentences(
        _ranking([0.6, 0.3, 0.1], p_best=(0.3, 0.6, 0.1)),
        _pairwise("a_V", "a_CV", 0.3, 0.2, 0.4),
    )
    assert any(
        "Cooperation, aligned is best in the largest share of draws, 60.0%" in s for s in sentences
    )


# ----------------------------------------------------------------------------- Sobol


def _sobol(s1, st, conf=0.02, exact=None, flags=None) -> pd.DataFrame:
    names = ["F_I", "F_V", "p_V", "b"][: len(s1)]
    frame = pd.DataFrame(
        {
            "output": "a_V",
            "parameter": names,
            "S1": s1,
            "S1_conf": conf,
            "ST": st,
            "ST_conf": conf,
            "flag": flags if flags is not None else [""] * len(s1),
        }
    )
    if exact is not None:
        frame["S1_exact"], frame["ST_exact"] = exact
    return frame


def test_sobol_sentence_quotes_exact_indices_and_their_interaction_share():
    table = _sobol(
        [0.05, 0.02, 1.3, 0.0],
        [0.7, 0.4, 1.4, 0.01],
        exact=([0.04, 0.03, 0.02, 0.0], [0.69, 0.38, 0.2, 0.01]),
        flags=["", "", "S1 > 1; ST > 1", ""],
    )
    (sentence,) = sobol_sentences(table)
    assert "(exact) are F_I (ST 0.69), F_V (ST 0.38) and p_V (ST 0.20)" in sentence
    assert "sum to 0.090" in sentence and "91% of the variance" in sentence
    assert "1.4" not in sentence  # the flagged Monte Carlo value is never quoted
    assert "1 Monte Carlo estimate(s)" in sentence


def test_sobol_sentence_leaves_out_flagged_estimates_without_exact_values():
    table = _sobol(
        [0.05, 0.02, -0.2, 0.0], [0.7, 0.4, 1.3, 0.01], flags=["", "", "S1 < 0; ST > 1", ""]
    )
    (sentence,) = sobol_sentences(table)
    assert "F_I (ST 0.70 ± 0.020), F_V (ST 0.40 ± 0.020) and b (ST 0.010 ± 0.020)" in sentence
    assert "1.3" not in sentence
    assert "interactions" not in sentence  # an S1 sum with a flagged index is not a finding
    assert "1 estimate(s) lie outside [0, 1]" in sentence


def test_sobol_sentence_interactions_from_monte_carlo():
    (sentence,) = sobol_sentences(_sobol([0.3, 0.2, 0.1, 0.0], [0.6, 0.4, 0.2, 0.0]))
    assert "sum to 0.60" in sentence and "roughly 40% of the variance" in sentence


# ------------------------------------------------------------------------ value of information


def _voi(values, exact=None, ci=None) -> pd.DataFrame:
    names = ["EVPI", "F_V", "p_V", "U_B", "b", "db_dFV", "landscape", "utilities"]
    kinds = ["evpi", *["parameter"] * 5, "group", "group"]
    frame = pd.DataFrame({"name": names, "kind": kinds, "value": values})
    low, high = ci if ci is not None else (np.array(values) * 0.8, np.array(values) * 1.2)
    frame["ci_low"], frame["ci_high"] = low, high
    if exact is not None:
        frame["value_exact"] = exact
        frame["se_exact"] = [1e-4, 0, 0, 0, 0, 0, 2e-5, 1e-6]
    return frame


def test_voi_sentences_with_exact_values():
    exact = [0.02, 0.01, 0.004, 0.0, 1e-5, 0.0, 0.015, 0.001]
    voi = _voi([0.021, 0.012, 0.003, 1e-4, 2e-4, 5e-5, 0.016, 0.002], exact=exact)
    ranking = _ranking([0.5, 0.8, -1.0], exact=[0.5, 0.8, -1.0])
    first, top, group, zero, small, method = value_of_information_sentences(voi, ranking)
    assert "committing now to Cooperation, aligned" in first
    assert f"is {fmt_num(0.02)} (exact conditional means; ± {fmt_num(Z95 * 1e-4)}" in first
    assert f"{fmt_pct(0.02 / 0.8)} of its mean" in first
    assert (
        top == "The single beliefs most worth resolving are F_V (50.0% of EVPI) and p_V "
        "(20.0% of EVPI)."
    )
    assert (
        group
        == f"Of the parameter groups, landscape is worth most: {fmt_num(0.015)} (75.0% of EVPI)."
    )
    assert (
        zero == "Learning U_B and db/dF_V alone would never change the choice (EVPPI exactly 0)."
    )
    assert small == f"Learning b alone is worth less than {100 * NEGLIGIBLE_SHARE:g}% of EVPI."
    assert method.startswith("Single-parameter EVPPIs are exact")


def test_voi_sentences_from_regression_intervals():
    values = [0.02, 0.01, 0.003, 1e-4, 2e-4, 5e-5, 0.016, 0.002]
    low = [0.018, 0.008, 0.0, 0.0, 1e-4, 0.0, 0.012, 0.0]
    high = [0.022, 0.012, 0.006, 2e-4, 3e-4, 1e-4, 0.02, 0.004]
    voi = _voi(values, ci=(low, high))
    ranking = _ranking([-0.4, -0.5, -1.0])
    sentences = value_of_information_sentences(voi, ranking, reason="R")
    assert "committing now to Alignment" in sentences[0]
    assert f"95% MC CI {fmt_num(0.018)}" not in sentences[0]  # interval, not a lone bound
    assert f"[{fmt_num(0.018)}, {fmt_num(0.022)}]" in sentences[0]
    assert f"{fmt_pct(0.02 / 0.4)} of its mean" in sentences[0]  # |winner's mean|
    # only parameters whose interval excludes zero are named, in decreasing order
    assert (
        sentences[1]
        == "The single beliefs most worth resolving are F_V (50.0% of EVPI) and b (1.00% of EVPI)."
    )
    assert sentences[3] == (
        "For p_V, U_B and db/dF_V, the 95% interval of the EVPPI reaches zero: learning any of "
        "them alone may be worth nothing."
    )
    assert sentences[4].endswith("exact values are not available because R.")


def test_voi_zero_evpi():
    voi = _voi([0.0] * 8, exact=[0.0] * 8)
    sentences = value_of_information_sentences(voi, _ranking([0.5, 0.2, 0.1]))
    assert sentences[-1] == "No uncertainty here can change the choice: EVPI is zero."


# ----------------------------------------------------------------------------- switching


SWITCH_COLUMNS = [
    "method",
    "parameter",
    "switch_value",
    "switch_quantile",
    "from",
    "to",
    "bracket_low",
    "bracket_high",
]


def test_switching_empty_frame():
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in SWITCH_COLUMNS})
    (sentence,) = switching_sentences(empty)
    assert sentence.startswith("Along no single parameter does the intervention")


def test_switching_sentences_order_by_evppi_and_count_negligible_ones():
    table = pd.DataFrame(
        [
            ["exact", "db_dFV", 1.3, 0.99999, "a_CV", "a_V", np.nan, np.nan],
            ["exact", "p_V", 0.2167, 0.0715, "a_V", "a_CV", np.nan, np.nan],
            ["exact", "F_V", 0.1745, 0.673, "a_CV", "a_V", np.nan, np.nan],
            ["monte carlo", "F_V", 0.182, 0.687, "a_CV", "a_V", 0.602, 0.771],
        ],
        columns=SWITCH_COLUMNS,
    )
    voi = _voi(
        [0.02, 0.01, 0.003, 0.0, 0.0, 0.0, 0.01, 0.0],
        exact=[0.02, 0.01, 0.003, 0, 0, 1e-9, 0.01, 0],
    )
    exact, sample = switching_sentences(table, voi)
    assert exact.index("F_V passes") < exact.index("p_V passes")  # F_V is worth more
    assert "db/dF_V" not in exact
    assert exact.endswith("(1 more along parameters worth less than 1% of EVPI).")
    assert f"F_V passes {fmt_num(0.1745)} (prior quantile {fmt_pct(0.673)})" in exact
    assert f"between quantiles {fmt_pct(0.602)} and {fmt_pct(0.771)}" in sample


def test_switching_limit_counts_the_rest():
    rows = [
        ["monte carlo", "U_B", 10.0 + i + 0.04567, 0.1 * i, "a_V", "a_CV", 0.0, 1.0]
        for i in range(8)
    ]
    (sentence,) = switching_sentences(pd.DataFrame(rows, columns=SWITCH_COLUMNS), limit=6)
    assert "U_B passes 10.0 (prior quantile 0%)" in sentence
    assert "16.0" not in sentence  # seventh row is left out
    assert sentence.endswith("(2 more in switching.csv).")


# ----------------------------------------------------------------------------- scenarios


BOX_COLUMNS = ["intervention", "box", "coverage", "density", "mass", "parameter", "low", "high"]


def test_scenario_sentences_report_density_and_coverage():
    boxes = pd.DataFrame(
        [
            ["a_CV", 3, 0.62, 0.913, 0.3, "F_V", 0.1, 0.3],
            ["a_CV", 3, 0.62, 0.913, 0.3, "p_CnotV", 0.25, 0.875],
            ["a_V", 0, 1.0, 0.85, 1.0, None, np.nan, np.nan],
        ],
        columns=BOX_COLUMNS,
    )
    first, second = scenario_sentences(boxes, threshold=0.8)
    assert first == (
        "Cooperation, aligned is the per-draw best in 91.3% of draws with F_V in [0.100, 0.300]; "
        "p_C|¬V in [0.250, 0.875]; that region holds 62.0% of all draws where it is best."
    )
    assert second.startswith(
        "Alignment is the per-draw best in 85.0% of draws over the whole prior"
    )


def test_a_box_below_the_density_threshold_is_no_region():
    boxes = pd.DataFrame(
        [["a_CnotV", 27, 0.42, 0.404, 0.06, "F_V", 0.06, 0.5]], columns=BOX_COLUMNS
    )
    (sentence,) = scenario_sentences(boxes, threshold=0.8)
    assert sentence == (
        "No region found where Cooperation, misaligned is reliably best: the best box PRIM "
        "found has density 40.4%, below the required 80.0%."
    )


# ----------------------------------------------------------------------------- resolution


def _resolution(rows: list[dict]) -> pd.DataFrame:
    base = {"first_estimate": 1.0, "second_estimate": 0.5, "gap": 0.5, "half_width": 0.1}
    return pd.DataFrame([{**base, "method": "monte carlo", **r} for r in rows])[RESOLUTION_COLUMNS]


def test_resolution_sentences_for_every_criterion():
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
            {
                "criterion": "evppi:1-2",
                "first": "F_V",
                "second": "p_V",
                "resolved": False,
                "n_base": 1024,
                "n_base_needed": 4096.0,
            },
            {
                "criterion": "sobol_ST:a_V",
                "first": "F_I",
                "second": "F_V",
                "resolved": True,
                "n_base": 1024,
                "n_base_needed": 1024.0,
                "method": "exact",
            },
            {
                "criterion": "mean",
                "first": "a_V",
                "second": "a_CV",
                "resolved": False,
                "n_base": 256,
                "n_base_needed": math.inf,
            },
        ]
    )
    mean, p_best, evppi, sobol, tie = resolution_sentences(table)
    assert mean == (
        "By mean marginal value, Cooperation, aligned is ahead of Alignment beyond Monte Carlo "
        "error at N = 1,024."
    )
    assert p_best.startswith(
        "By P(best), Alignment is not separated from Cooperation, misaligned at N = 1,024"
    )
    assert "N = 8,192 would" in p_best
    assert evppi.startswith(
        "In the order of the beliefs most worth resolving (1-2), F_V is not separated from p_V"
    )
    assert "N = 4,096 would" in evppi
    assert sobol == (
        "As the largest driver of Alignment, F_I comes before F_V exactly (values from the "
        "model's structure, no Monte Carlo error)."
    )
    assert "are tied" in tie and "N =" not in tie


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
            ("a_V", "F_V", 1, 5, 2),
            ("a_V", "b", 2, 2, 3),
            ("a_V", "p_CnotV", 3, 6, 9),
            ("a_V", "U_B", 7, 12, 8),
            ("a_CV", "dpV_daV", 6, 10, 9),
            ("a_CV", "F_I", 1, 1, 2),
        ],
        max_shift=2,
    )
    sentences = robustness_sentences(table, max_shift=2)
    assert sentences[0].startswith(
        "For Alignment, the rank of F_V and p_C|¬V moves by more than 2 places"
    )
    assert "U_B" not in " ".join(sentences)
    assert sentences[1].startswith(
        "2 further flags concern parameters outside every method's top 5"
    )


def test_robustness_all_agree():
    table = _comparison([("a_V", "F_V", 1, 2, 1), ("a_V", "b", 2, 1, 2)], max_shift=2)
    (sentence,) = robustness_sentences(table, max_shift=2)
    assert sentence.startswith("Every parameter's importance rank agrees within 2 places")


# ----------------------------------------------------------------------------- section intros


def test_asinh_scale_sentence_quotes_every_scale_to_three_significant_digits():
    scales = pd.Series({"a_V": 0.0123456, "a_CV": 1234.5, "a_CnotV": 2.0}, name="asinh_scale")
    sentence = asinh_scale_sentence(scales)
    assert sentence.startswith("Marginal values are products of uncertain factors")
    assert (
        "with scale = 0.0123 for a_V, 1.23e+03 for a_CV, 2 for a_CnotV (median absolute value)"
        in sentence
    )
    assert sentence.endswith("and by the PAWN moment-independent index.")
    assert "0.01234" not in sentence and "1234" not in sentence  # 3 significant digits only


def test_asinh_scale_sentence_from_the_table_as_the_report_builds_it():
    table = pd.DataFrame(
        {
            "output": ["a_CV", "a_CV", "a_V", "a_V"],
            "parameter": ["F_V", "b", "F_V", "b"],
            "asinh_scale": [0.456789, 0.456789, 7.891e-5, 7.891e-5],
        }
    )
    scales = table.drop_duplicates("output").set_index("output")["asinh_scale"]
    sentence = asinh_scale_sentence(scales)
    assert "scale = 0.457 for a_CV, 7.89e-05 for a_V (median" in sentence  # table order
    assert sentence == asinh_scale_sentence({"a_CV": 0.456789, "a_V": 7.891e-5})


def test_decision_sobol_outputs_sentence_names_the_winner_indicator():
    sentence = decision_sobol_outputs_sentence("a_CV")
    assert sentence == (
        "Outputs: the pairwise differences of marginal values, and best_is_a_CV, the indicator "
        "that the winner by mean (a_CV) is the per-draw best."
    )


def test_decision_sobol_outputs_sentence_uses_the_ranking_winner():
    ranking = _ranking([0.2, 0.3, 0.9])
    sentence = decision_sobol_outputs_sentence(narrative.winner(ranking))
    assert "best_is_a_CnotV" in sentence and "(a_CnotV)" in sentence


def test_package_reexports_every_public_name():
    for name in narrative.__all__:
        obj = getattr(narrative, name)
        if callable(obj):
            assert obj.__module__.startswith("agi_interventions.narrative.")
    assert narrative.NEGLIGIBLE_SHARE == NEGLIGIBLE_SHARE
