"""Every generated sentence against the numbers it was generated from."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from agi_interventions import narrative
from agi_interventions import risk as risk_rules
from agi_interventions.consistency import diagnostics_table
from agi_interventions.mc_error import RESOLUTION_COLUMNS, ranking_resolution, resolution_table
from agi_interventions.narrative import (
    NEGLIGIBLE_SHARE,
    ROUGH_SOBOL_CONF,
    DecisionCard,
    asinh_scale_sentence,
    channel_sentences,
    choice_sentences,
    decision_card,
    diagnostics_sentences,
    has_exact,
    headline_sentences,
    headline_title,
    is_tie,
    join,
    resolution_sentences,
    robustness_sentences,
    scenario_sentences,
    sobol_sentences,
    structure_sentences,
    subsample_sentence,
    switching_sentences,
    value_of_information_sentences,
    winner,
)
from agi_interventions.narrative.budget import RISK_RULES, RISK_SETTINGS
from agi_interventions.narrative.card import IMPOSSIBLE_DRAWS_SHARE, IMPOSSIBLE_MEAN_SHARE
from agi_interventions.narrative.game import game_sentences
from agi_interventions.narrative.risk import risk_sentences
from agi_interventions.ranking import (
    PAIRWISE_COLUMNS,
    pairwise_comparisons,
    rank_interventions,
    structure_table,
)
from agi_interventions.report.formatting import fmt_count, fmt_interval, fmt_num, fmt_pct
from agi_interventions.structure import THEORY_INPUT
from agi_interventions.switching import TABLE_COLUMNS as SWITCH_TABLE_COLUMNS
from agi_interventions.voi.tables import HEADLINE_COLUMNS, with_headline

NAMES = {"a_V": "Alignment", "a_CV": "Cooperation, aligned", "a_CnotV": "Cooperation, misaligned"}

# ----------------------------------------------------------------------------- tables


def _ranking(
    means,
    p_best=(0.5, 0.3, 0.2),
    exact=None,
    medians=None,
    flags=("", "", ""),
    names=("a_V", "a_CV", "a_CnotV"),
) -> pd.DataFrame:
    """A ``ranking.csv`` with the producer's columns (:func:`rank_interventions`)."""
    medians = means if medians is None else medians
    frame = pd.DataFrame(
        {
            "intervention": list(names),
            "mean": means,
            "mean_ci_low": [m - 0.01 for m in means],
            "mean_ci_high": [m + 0.01 for m in means],
            "median": medians,
            "q05": [m - 1 for m in means],
            "q95": [m + 1 for m in means],
            "p_best": p_best,
            "p_best_ci_low": [p - 0.01 for p in p_best],
            "p_best_ci_high": [p + 0.01 for p in p_best],
            "mean_se": 0.005,
            "n": 1000,
            "label": [NAMES[o] for o in names],
            "khat": np.nan,
            "mean_ci_method": "normal",
            "mean_ci_flag": list(flags),
        }
    )
    if exact is not None:
        frame["mean_exact"] = exact
    return frame


def _pairwise(
    first: str, second: str, diff: float, low: float, high: float, flag: str = ""
) -> pd.DataFrame:
    """One row of ``pairwise.csv`` with the producer's columns."""
    return pd.DataFrame(
        [[first, second, 0.6, 0.55, 0.65, diff, low, high, flag]], columns=PAIRWISE_COLUMNS
    )


def _voi(rows, groups=()) -> pd.DataFrame:
    """``value_of_information.csv`` headline columns from ``(name, headline, low, high, method,
    resolved, flag)`` rows: the first row is EVPI, then parameters, then ``groups``."""
    records = []
    for i, row in enumerate([*rows, *groups]):
        name, value, low, high, method, resolved, flag = row
        kind = "evpi" if i == 0 else "parameter" if i < len(rows) else "group"
        records.append([name, kind, value, 0.0, low, high, method, resolved, flag])
    return pd.DataFrame(records, columns=HEADLINE_COLUMNS)


def _exact(name: str, value: float) -> tuple:
    return (name, value, value, value, "exact", True, "")


def _regression(name: str, value: float, low: float, high: float) -> tuple:
    resolved = low > 0 and (high - low) / 2 <= value
    flag = "" if resolved else ("interval includes 0" if low <= 0 else "interval much wider")
    return (name, value, low, high, "regression", resolved, flag)


# ----------------------------------------------------------------------------- helpers


def test_join_and_has_exact():
    assert join([]) == "" and join(["a"]) == "a"
    assert join(["a", "b"]) == "a and b" and join(["a", "b", "c"]) == "a, b and c"
    frame = pd.DataFrame({"mean": [1.0, 2.0], "mean_exact": [np.nan, np.nan]})
    assert not has_exact(frame, "mean_exact")  # present but empty
    assert not has_exact(frame, "ST_exact")
    frame.loc[1, "mean_exact"] = 0.5
    assert has_exact(frame, "mean_exact")


def test_winner_is_by_exact_mean_when_present_else_by_sample_mean():
    ranking = _ranking([0.50, 0.52, 0.1])
    assert winner(ranking) == "a_CV"
    assert winner(_ranking([0.50, 0.52, 0.1], exact=[0.55, 0.51, 0.1])) == "a_V"
    assert winner(_ranking([0.50, 0.52, 0.1], exact=[0.50, 0.53, 0.1])) == "a_CV"
    assert winner(_ranking([0.50, 0.52, 0.1], exact=[np.nan] * 3)) == "a_CV"  # empty column


def test_is_tie_compares_the_top_two_by_the_deciding_mean():
    assert is_tie(_ranking([0.3, 0.3, 0.1]))
    assert not is_tie(_ranking([0.3, 0.2999, 0.1]))
    assert not is_tie(_ranking([0.3, 0.3, 0.1], exact=[0.4, 0.3, 0.1]))  # exact breaks the tie
    assert is_tie(_ranking([0.3, 0.2, 0.1], exact=[0.4, 0.4, 0.1]))
    assert not is_tie(_ranking([0.3, 0.1, 0.1]))  # only the top two matter


@pytest.mark.parametrize(("rows", "total"), [(500, 2000), (2000, 2000), (3000, 2000)])
def test_subsample_sentence_quotes_both_counts(rows, total):
    sentence = subsample_sentence(rows, total, "PAWN")
    if rows >= total:
        assert sentence == f"PAWN used all {fmt_count(total)} independent draws."
    else:
        assert sentence.startswith(
            f"PAWN ran on a uniform subsample of {fmt_count(rows)} of the {fmt_count(total)} "
            "independent draws"
        )


# ----------------------------------------------------------------------------- headline


def test_sample_winner_lead_and_interval_excluding_zero():
    ranking = _ranking([0.6, 0.265, 0.1])
    sentences = headline_sentences(ranking, _pairwise("a_V", "a_CV", 0.335, 0.3, 0.37))
    assert sentences[0] == (
        f"By mean in the sample, Alignment ({fmt_num(0.6)}, 95% interval "
        f"{fmt_interval(0.59, 0.61)}) leads Cooperation, aligned ({fmt_num(0.265)}, "
        f"{fmt_interval(0.255, 0.275)})."
    )
    assert sentences[1] == (
        f"The paired difference is {fmt_num(0.335)} (95% interval {fmt_interval(0.3, 0.37)}); "
        "the interval excludes zero: the order is beyond Monte Carlo error."
    )
    assert headline_title(ranking) == "Highest mean marginal value: Alignment"
    # swap the means: the other one wins, and the lead is looked up for that pair
    swapped = _ranking([0.265, 0.6, 0.1])
    flipped = headline_sentences(swapped, _pairwise("a_CV", "a_V", 0.335, 0.3, 0.37))
    assert flipped[0].startswith("By mean in the sample, Cooperation, aligned (0.600")
    assert "The paired difference is 0.335" in flipped[1]
    assert headline_title(swapped) == "Highest mean marginal value: Cooperation, aligned"
    # a pairwise row for another pair is not quoted as the lead
    other = headline_sentences(swapped, _pairwise("a_V", "a_CV", 0.335, 0.3, 0.37))
    assert not any("paired difference" in s for s in other)


def test_lead_interval_including_zero_is_called_noise():
    sentences = headline_sentences(
        _ranking([0.6, 0.59, 0.1]), _pairwise("a_V", "a_CV", 0.01, -0.02, 0.04)
    )
    lead = next(s for s in sentences if s.startswith("The paired difference"))
    assert f"(95% interval {fmt_interval(-0.02, 0.04)})" in lead
    assert "the interval includes zero: this sample cannot order the two means" in lead
    below = headline_sentences(
        _ranking([0.6, 0.59, 0.1]), _pairwise("a_V", "a_CV", 0.01, -0.04, -0.001)
    )
    assert "excludes zero" in next(s for s in below if s.startswith("The paired"))


def test_heavy_tailed_lead_is_not_called_an_order():
    sentences = headline_sentences(
        _ranking([0.6, 0.3, 0.1]), _pairwise("a_V", "a_CV", 0.3, 0.2, 0.4, flag="khat 0.8")
    )
    lead = next(s for s in sentences if s.startswith("The paired difference"))
    assert "tails are too heavy" in lead and "excludes zero" not in lead


def test_exact_means_decide_the_winner_and_are_quoted():
    ranking = _ranking([0.50, 0.52, 0.1], exact=[0.55, 0.51, 0.1])
    sentences = headline_sentences(ranking, _pairwise("a_CV", "a_V", 0.02, 0.01, 0.03))
    assert sentences[0] == (
        f"By exact mean, Alignment ({fmt_num(0.55)}) leads Cooperation, aligned ({fmt_num(0.51)})."
    )
    assert sentences[1] == (
        f"In this sample the means are {fmt_num(0.5)} for Alignment and {fmt_num(0.52)} for "
        "Cooperation, aligned: the sample orders them the other way, Monte Carlo noise the exact "
        "means remove."
    )
    assert not any("paired difference" in s for s in sentences)  # exact: no sample lead
    assert headline_title(ranking) == "Highest mean marginal value: Alignment"
    # the sample agreeing with the exact order is not called noise
    agree = headline_sentences(_ranking([0.53, 0.52, 0.1], exact=[0.55, 0.51, 0.1]), None)
    assert agree[1].endswith(f"{fmt_num(0.52)} for Cooperation, aligned.")
    # without exact means the sample decides
    plain = headline_sentences(_ranking([0.50, 0.52, 0.1]), None)
    assert plain[0].startswith("By mean in the sample, Cooperation, aligned")


def test_exact_tie_is_called_a_tie():
    ranking = _ranking([0.0, 0.0, 0.0], p_best=(1 / 3, 1 / 3, 1 / 3))
    assert headline_title(ranking) == "The interventions are tied."
    (sentence,) = headline_sentences(ranking, None)
    assert sentence == (
        "The interventions are tied: Alignment and Cooperation, aligned have the same mean "
        "marginal value, 0, so the ranking cannot favour either."
    )
    tied_exactly = _ranking([0.2, 0.3, 0.0], exact=[0.25, 0.25, 0.0])
    assert headline_title(tied_exactly) == "The interventions are tied."
    (sentence,) = headline_sentences(tied_exactly, None)
    assert f"same mean marginal value, {fmt_num(0.25)}" in sentence
    assert headline_title(_ranking([1e-9, 0.0, -1.0])) == "Highest mean marginal value: Alignment"


def test_p_best_sentence_and_its_disagreement_with_the_mean():
    sentences = headline_sentences(
        _ranking([0.6, 0.3, 0.1], p_best=(0.3, 0.6, 0.1)),
        _pairwise("a_V", "a_CV", 0.3, 0.2, 0.4),
    )
    assert (
        f"Alignment is the best of the 3 interventions in {fmt_pct(0.3)} of prior draws "
        f"(95% interval {fmt_interval(0.29, 0.31, percent=True)})." in sentences
    )
    assert (
        "The mean and the probability of being best disagree: Cooperation, aligned is best in "
        f"the largest share of draws, {fmt_pct(0.6)}." in sentences
    )
    agree = headline_sentences(
        _ranking([0.6, 0.3, 0.1], p_best=(0.6, 0.3, 0.1)), _pairwise("a_V", "a_CV", 0.3, 0.2, 0.4)
    )
    assert not any("disagree" in s for s in agree)


def test_median_disagreement_and_quantiles():
    ranking = _ranking([0.6, 0.3, 0.1], medians=[0.01, 0.2, 0.05])
    sentences = headline_sentences(ranking, None)
    assert (
        f"By median rather than mean, Cooperation, aligned leads ({fmt_num(0.2)} against "
        f"{fmt_num(0.01)})." in sentences
    )
    assert sentences[-1] == (
        f"Across the prior, Alignment's marginal value runs from {fmt_num(-0.4)} to "
        f"{fmt_num(1.6)} (5% and 95% quantiles of the draws)."
    )
    same = headline_sentences(_ranking([0.6, 0.3, 0.1], medians=[0.3, 0.2, 0.05]), None)
    assert not any("By median" in s for s in same)


def test_headline_of_one_or_no_intervention():
    one = _ranking([0.42], p_best=(1.0,), names=("a_CnotV",), flags=("",))
    assert headline_sentences(one, None) == [
        f"Only Cooperation, misaligned was evaluated: mean marginal value {fmt_num(0.42)}."
    ]
    empty = one.iloc[0:0]
    assert headline_title(empty) == "No intervention was evaluated."
    assert headline_sentences(empty, None) == [
        "The ranking table is empty: no intervention was evaluated."
    ]


# ----------------------------------------------------------------------------- channels


def test_channel_sentences_split_the_mean_over_finite_draws():
    values = pd.DataFrame(
        {
            "a_V_bargaining": [1.0, 3.0, np.nan],
            "a_V_success_shift": [-4.0, -2.0, 1.0],
            "a_V_failure_shift": [0.5, 0.5, 1.0],
        }
    )
    first, second = channel_sentences(values)
    # the third draw is not finite and is left out: means 2, -3, 0.5
    assert first == (
        f"Over 2 draws, the mean alignment value {fmt_num(-0.5)} splits into Bargaining "
        f"(D·star) {fmt_num(2.0)}, Success-world value shift (b·dU_B/dF_V) {fmt_num(-3.0)} and "
        f"Failure-world value shift ((1-b)·dU_¬B/dF_V) {fmt_num(0.5)}."
    )
    assert second == (
        "The largest channel in magnitude is Success-world value shift (b·dU_B/dF_V), "
        f"{fmt_pct(3.0 / 5.5)} of the sum of the channels' absolute means."
    )
    values["a_V_bargaining"] = [10.0, 6.0, 0.0]  # now bargaining is largest
    assert channel_sentences(values)[1].startswith(
        "The largest channel in magnitude is Bargaining (D·star)"
    )
    assert channel_sentences(values.drop(columns="a_V_bargaining")) == []
    assert channel_sentences(None) == []


# ----------------------------------------------------------------------------- diagnostics


def _diagnostics(inconsistent: int, total: int = 1000, nonfinite: int = 0) -> pd.DataFrame:
    return diagnostics_table(
        {
            "all evaluations": {
                "total": 10 * total,
                "inconsistent": 10 * inconsistent,
                "nonfinite:a_V": 10 * nonfinite,
            },
            "independent draws": {
                "total": total,
                "inconsistent": inconsistent,
                "nonfinite:a_V": nonfinite,
                "nonfinite:a_CV": 0,
            },
        }
    )


def test_diagnostics_sentences_quote_the_independent_draws():
    ranking = _ranking([0.6, 0.3, 0.1]).assign(inconsistent_share_of_mean=[0.1, 0.02, 0.0])
    sentences = diagnostics_sentences(_diagnostics(25, nonfinite=3), ranking, False)
    assert sentences[0].startswith(
        f"25 of 1,000 independent draws ({fmt_pct(0.025)}) describe an impossible population"
    )
    assert sentences[1] == (
        f"Their share of each mean: Alignment {fmt_pct(0.1)}, Cooperation, aligned "
        f"{fmt_pct(0.02)} and Cooperation, misaligned {fmt_pct(0.0)}."
    )
    assert sentences[-1] == (
        "Non-finite values among the independent draws: Alignment 3. They cannot enter a mean; "
        "the ranking uses the 1,000 draws in which all marginal values are finite."
    )
    clean = diagnostics_sentences(_diagnostics(0), ranking, True)
    assert clean[0].startswith("0 of 1,000 independent draws (0%)")
    assert any("consistent by construction" in s for s in clean)
    assert not any("Their share of each mean" in s for s in clean)  # no impossible draw
    assert clean[-1] == "No output was NaN or infinite, so every statistic uses every draw."


# ----------------------------------------------------------------------------- Sobol


def _sobol(s1, st, conf=0.02, exact=None, flags=None, output="a_V") -> pd.DataFrame:
    names = ["F_I", "F_V", "p_V", "b"][: len(s1)]
    frame = pd.DataFrame(
        {
            "output": output,
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
    assert "1 estimate(s) are flagged" in sentence


def test_sobol_sentence_interactions_from_monte_carlo():
    (sentence,) = sobol_sentences(_sobol([0.3, 0.2, 0.1, 0.0], [0.6, 0.4, 0.2, 0.0]))
    assert "sum to 0.60" in sentence and "roughly 40% of the variance" in sentence
    (additive,) = sobol_sentences(_sobol([0.5, 0.3, 0.15, 0.0], [0.5, 0.3, 0.16, 0.0]))
    assert "sum to 0.95" in additive and "close to additive" in additive
    assert "interactions" not in additive


def test_sobol_sentence_ranks_by_st_and_flips_with_it():
    (first,) = sobol_sentences(_sobol([0.1, 0.1, 0.1], [0.3, 0.5, 0.1]))
    assert "are F_V (ST 0.50 ± 0.020), F_I (ST 0.30 ± 0.020) and p_V" in first
    (second,) = sobol_sentences(_sobol([0.1, 0.1, 0.1], [0.5, 0.3, 0.1]))
    assert "are F_I (ST 0.50 ± 0.020), F_V (ST 0.30 ± 0.020) and p_V" in second


def test_sobol_sentence_flags_rough_estimates_and_orders_outputs():
    rough = _sobol([0.3, 0.2], [0.6, 0.4], conf=ROUGH_SOBOL_CONF + 0.05, output="a_CnotV")
    fine = _sobol([0.3, 0.2], [0.6, 0.4], conf=ROUGH_SOBOL_CONF, output="a_V")
    first, second = sobol_sentences(pd.concat([rough, fine], ignore_index=True))
    assert first.startswith("Alignment:") and second.startswith("Cooperation, misaligned:")
    assert "wider than ±0.1" not in first
    assert f"Some intervals are wider than ±{ROUGH_SOBOL_CONF:g}" in second


def test_sobol_sentence_for_constant_and_non_finite_outputs():
    (constant,) = sobol_sentences(_sobol([0.0, 0.0], [0.0, 0.0]))
    assert constant == "Alignment: the output is constant over the prior; no parameter drives it."
    (missing,) = sobol_sentences(_sobol([np.nan, np.nan], [np.nan, np.nan]))
    assert missing == "Alignment: indices unavailable because some values are not finite."


# ----------------------------------------------------------------------------- choice


def _decision_rows(output: str, st: dict[str, float], flags: dict[str, str] | None = None):
    flags = flags or {}
    return [
        {
            "output": output,
            "parameter": p,
            "S1": v / 2,
            "S1_conf": 0.01,
            "ST": v,
            "ST_conf": 0.01,
            "flag": flags.get(p, ""),
        }
        for p, v in st.items()
    ]


def _choice_tables(winner_output: str = "best_is_a_V"):
    decision = pd.DataFrame(
        [
            *_decision_rows(
                winner_output,
                {"F_V": 0.4, "p_V": 0.6, "U_B": 0.02, "F_I": 0.0, "b": 1.2},
                {"b": "ST > 1"},
            ),
            *_decision_rows("rel:a_CV-a_V", {"F_V": 0.5, "p_V": 0.1, "U_B": 0.02, "F_I": 0.0}),
            *_decision_rows("rel:a_CnotV-a_V", {"F_V": 0.2, "p_V": 0.3, "U_B": 0.03, "F_I": 2e-4}),
            *_decision_rows("a_CV-a_V", {"F_V": 0.1, "p_V": 0.1, "U_B": 0.9, "F_I": 0.9}),
        ]
    )
    sobol = pd.DataFrame(
        [
            {"output": o, "parameter": p, "S1": v, "S1_conf": 0.01, "ST": v, "ST_conf": 0.01}
            for o, row in {
                "a_V": {"F_V": 0.1, "p_V": 0.1, "U_B": 0.35, "F_I": 0.7},
                "a_CV": {"F_V": 0.1, "p_V": 0.1, "U_B": 0.5, "F_I": 0.6},
                "a_CnotV": {"F_V": 0.1, "p_V": 0.1, "U_B": 0.4, "F_I": 0.55},
            }.items()
            for p, v in row.items()
        ]
    )
    return decision, sobol


def test_choice_sentences_name_the_drivers_of_the_choice():
    decision, sobol = _choice_tables()
    voi = _voi([_exact("EVPI", 0.1), _exact("F_I", 0.0), _exact("U_B", 0.004)])
    sentences = choice_sentences(decision, sobol, voi, "a_V", "a_CV")
    assert sentences[0] == (
        "Whether Alignment is the per-draw best depends most on p_V (ST 0.60 ± 0.010), F_V "
        "(ST 0.40 ± 0.010) and U_B (ST 0.020 ± 0.010) (Sobol total indices of that yes/no "
        "indicator, Monte Carlo)."
    )  # b's flagged ST 1.2 and F_I's zero are left out
    assert sentences[1] == (
        "How far apart Alignment and Cooperation, aligned are, relative to their size, depends "
        "most on F_V (ST 0.50 ± 0.010), p_V (ST 0.10 ± 0.010) and U_B (ST 0.020 ± 0.010)."
    )
    scale = [s for s in sentences if "drives the spread" in s]
    # F_I: ST 0.55 to 0.70 on every value, at most 2e-4 on the relative differences
    # U_B: ST 0.35 to 0.50 on every value, at most 0.03 on the relative differences
    assert scale == [
        "F_I drives the spread of every marginal value (ST 0.55 to 0.70) but not the choice: it "
        "scales all three alike, and it explains less than 0.1% of the variance of their "
        f"relative differences; learning it is worth {fmt_num(0.0)}.",
        "U_B drives the spread of every marginal value (ST 0.35 to 0.50) but not the choice: it "
        f"scales all three alike, and it explains at most {fmt_pct(0.03, 2)} of the variance of "
        f"their relative differences; learning it is worth {fmt_num(0.004)}.",
    ]


def test_choice_sentences_follow_the_numbers():
    decision, sobol = _choice_tables("best_is_a_CV")
    # winner a_CV: its indicator, and the relative difference of a_CV and a_V in either order
    sentences = choice_sentences(decision, sobol, None, "a_CV", "a_V")
    assert sentences[0].startswith("Whether Cooperation, aligned is the per-draw best")
    assert sentences[1].startswith(
        "How far apart Cooperation, aligned and Alignment are, relative to their size, depends "
        "most on F_V (ST 0.50"
    )
    assert not any("learning it is worth" in s for s in sentences)  # no VOI table
    # the runner-up a_CnotV: the a_CnotV-a_V difference is not a_CV's
    other = choice_sentences(decision, sobol, None, "a_CV", "a_CnotV")
    assert not any(s.startswith("How far apart") for s in other)
    # U_B now moves the relative differences (ST 0.05): it is no longer called a pure scale
    moved = decision.copy()
    moved.loc[(moved["output"] == "rel:a_CV-a_V") & (moved["parameter"] == "U_B"), "ST"] = 0.05
    assert not any(
        s.startswith("U_B drives") for s in choice_sentences(moved, sobol, None, "a_CV", "a_V")
    )
    # F_I below 0.3 on one value: it does not dominate every value's spread
    small = sobol.copy()
    small.loc[(small["output"] == "a_CnotV") & (small["parameter"] == "F_I"), "ST"] = 0.29
    assert not any(
        s.startswith("F_I drives") for s in choice_sentences(decision, small, None, "a_CV", "a_V")
    )


def test_choice_sentences_quote_exact_indices_of_the_values():
    decision, sobol = _choice_tables()
    sobol["ST_exact"] = sobol["ST"] + 0.01
    sentences = choice_sentences(decision, sobol, None, "a_V", "a_CV")
    f_i = next(s for s in sentences if s.startswith("F_I drives"))
    assert "(ST 0.56 to 0.71, exact)" in f_i


# ------------------------------------------------------------------------ value of information


def test_voi_sentences_with_exact_values():
    voi = _voi(
        [
            _exact("EVPI", 0.02),
            _exact("F_V", 0.01),
            _exact("p_V", 0.004),
            _exact("U_B", 0.0),
            _exact("b", 1e-5),
            _exact("db_dFV", 0.0),
            _exact("p_CV", 0.002),
        ],
        groups=[_exact("landscape", 0.015), _exact("utilities", 0.001)],
    )
    ranking = _ranking([0.5, 0.7, -1.0], exact=[0.5, 0.8, -1.0])  # the exact mean is quoted
    first, top, zero, group, method = value_of_information_sentences(voi, ranking)
    assert first == (
        "The value of perfect information (EVPI: the expected gain from learning every belief "
        "before choosing, rather than choosing Cooperation, aligned now) is "
        f"{fmt_num(0.02)}, {fmt_pct(0.02 / 0.8)} of Cooperation, aligned's mean."
    )
    assert top == (
        "The single beliefs most worth learning are F_V (50.0% of EVPI), p_V (20.0% of EVPI) "
        "and p_C|V (10.0% of EVPI)."
    )  # at most three, in decreasing order; b (0.05%) is the fourth
    assert zero == (
        "Learning U_B and db/dF_V alone would never change the choice (value of information "
        "exactly 0)."
    )
    assert group == (
        f"Of the groups of beliefs, landscape of agents is worth most: {fmt_num(0.015)}, "
        f"75.0% of EVPI, ahead of utilities ({fmt_num(0.001)}) beyond the estimates' error."
    )
    assert method == (
        "Methods: EVPI, single beliefs and groups by exact, from the model's structure."
    )


def test_voi_order_follows_the_headline_values():
    rows = [_exact("EVPI", 0.02), _exact("F_V", 0.01), _exact("p_V", 0.004)]
    ranking = _ranking([0.5, 0.8, -1.0])
    top = value_of_information_sentences(_voi(rows), ranking)[1]
    assert top.index("F_V") < top.index("p_V")
    swapped = [_exact("EVPI", 0.02), _exact("F_V", 0.004), _exact("p_V", 0.01)]
    top = value_of_information_sentences(_voi(swapped), ranking)[1]
    assert top.index("p_V") < top.index("F_V")
    assert "p_V (50.0% of EVPI) and F_V (20.0% of EVPI)" in top


def test_voi_sentences_from_regression_intervals():
    voi = _voi(
        [
            _regression("EVPI", 0.02, 0.018, 0.022),
            _regression("F_V", 0.01, 0.008, 0.012),
            _regression("p_V", 0.003, 0.0, 0.006),  # reaches zero
            _regression("U_B", 0.015, 0.001, 0.05),  # much wider than the value
            _regression("b", 2e-4, 1e-4, 3e-4),
        ]
    )
    ranking = _ranking([-0.4, -0.5, -1.0])
    sentences = value_of_information_sentences(voi, ranking, reason="R")
    assert "rather than choosing Alignment now" in sentences[0]
    assert f"is {fmt_num(0.02)} (95% interval {fmt_interval(0.018, 0.022)})" in sentences[0]
    assert f"{fmt_pct(0.02 / 0.4)} of Alignment's mean" in sentences[0]  # |winner's mean|
    # only resolved values are ranked: U_B's 0.015 is larger than b's but not resolved
    assert sentences[1] == (
        "The single beliefs most worth learning are F_V (50.0% of EVPI) and b (1.00% of EVPI)."
    )
    assert sentences[2] == (
        "For p_V and U_B the estimate is not resolved (its interval reaches 0 or is much wider "
        "than the value), so they are not ranked."
    )
    assert not any("exactly 0" in s for s in sentences)  # no exact zero from a regression
    assert sentences[-1] == (
        "Methods: EVPI and single beliefs by regression on the sample. Exact values are not "
        "available because R."
    )


def test_voi_sentence_on_one_unresolved_belief_is_singular():
    voi = _voi(
        [
            _regression("EVPI", 0.02, 0.018, 0.022),
            _regression("F_V", 0.01, 0.008, 0.012),
            _regression("p_V", 0.003, 0.0, 0.006),  # reaches zero
        ]
    )
    sentences = value_of_information_sentences(voi, _ranking([-0.4, -0.5, -1.0]), reason="R")
    assert sentences[2] == (
        "For p_V the estimate is not resolved (its interval reaches 0 or is much wider than "
        "the value), so it is not ranked."
    )
    tail = "heavy right tail of the per-inner-draw gains h (k_hat 0.74 >= 0.67, 1024 draws)"
    flagged = [
        ("EVPI", 0.02, 0.018, 0.022, "nested Monte Carlo", True, ""),
        ("F_V", 0.01, 0.008, 0.012, "nested Monte Carlo", True, ""),
        ("t", 0.003, 0.002, 0.004, "nested Monte Carlo", False, tail),
    ]
    sentences = value_of_information_sentences(_voi(flagged), _ranking([-0.4, -0.5, -1.0]))
    assert (
        "For t the estimate cannot be trusted at this sample size (the draws it rests on have "
        "too heavy a tail), so it is not ranked."
    ) in sentences


def test_voi_unresolved_headline_is_not_stated_as_a_finding():
    voi = _voi(
        [
            ("EVPI", 0.02, 0.0, 0.05, "nested Monte Carlo", False, "interval includes 0"),
            ("F_V", 0.019, 0.0, 0.04, "nested Monte Carlo", False, "interval includes 0"),
            ("p_V", 0.001, 0.0005, 0.0015, "nested Monte Carlo", True, ""),
            ("U_B", -1e-5, -1e-4, 1e-4, "nested Monte Carlo", True, ""),  # negligible
        ]
    )
    sentences = value_of_information_sentences(voi, _ranking([0.5, 0.2, 0.1]))
    assert sentences[1] == "It cannot be trusted at this sample size: interval includes 0."
    assert sentences[2] == "The single beliefs most worth learning are p_V (5.00% of EVPI)."
    assert "For F_V the estimate is not resolved" in sentences[3]
    assert "by nested Monte Carlo, with its standard error" in sentences[-1]
    # a resolved Monte Carlo estimate at or below zero is not called exactly zero
    assert not any("exactly 0" in s for s in sentences)
    none = _voi(
        [
            _regression("EVPI", 0.02, 0.018, 0.022),
            _regression("F_V", 0.01, -0.001, 0.02),
        ]
    )
    sentences = value_of_information_sentences(none, _ranking([0.5, 0.2, 0.1]))
    assert sentences[1] == (
        "No single belief has a value of information resolved above zero at this sample size."
    )
    assert not any("most worth learning" in s for s in sentences)


def test_voi_zero_evpi():
    voi = _voi([_exact("EVPI", 0.0), _exact("F_V", 0.0)], groups=[_exact("landscape", 0.0)])
    sentences = value_of_information_sentences(voi, _ranking([0.5, 0.2, 0.1]))
    assert sentences[-1] == "No uncertainty here can change the choice: EVPI is zero."
    assert not any("most worth" in s for s in sentences)


def test_voi_groups_whose_intervals_overlap_are_not_ordered():
    rows = [_exact("EVPI", 0.02), _exact("F_V", 0.01)]
    overlap = [
        _regression("landscape", 0.012, 0.008, 0.016),
        _regression("utilities", 0.010, 0.007, 0.013),
    ]
    sentences = value_of_information_sentences(_voi(rows, overlap), _ranking([0.5, 0.2, 0.1]))
    group = next(s for s in sentences if s.startswith("The groups"))
    assert group == (
        f"The groups landscape of agents ({fmt_num(0.012)}) and utilities ({fmt_num(0.01)}) "
        "lead, but their intervals overlap: this sample does not say which is worth more."
    )
    apart = [
        _regression("landscape", 0.012, 0.011, 0.013),
        _regression("utilities", 0.010, 0.009, 0.0105),
    ]
    sentences = value_of_information_sentences(_voi(rows, apart), _ranking([0.5, 0.2, 0.1]))
    group = next(s for s in sentences if "groups" in s)
    assert group.startswith(
        f"Of the groups of beliefs, landscape of agents is worth most: {fmt_num(0.012)} (95% "
        f"interval {fmt_interval(0.011, 0.013)}), 60.0% of EVPI, ahead of utilities"
    )
    # a top group that is not resolved is not ordered either, and its intervals are not said
    # to overlap when they do not
    wide = [
        _regression("landscape", 0.012, 0.011, 0.04),
        _regression("utilities", 0.010, 0.009, 0.0105),
    ]
    sentences = value_of_information_sentences(_voi(rows, wide), _ranking([0.5, 0.2, 0.1]))
    group = next(s for s in sentences if "groups" in s)
    assert group == (
        f"The groups landscape of agents ({fmt_num(0.012)}) and utilities ({fmt_num(0.01)}) "
        "lead, but landscape of agents's value is not resolved (interval much wider): this "
        "sample does not say which is worth more."
    )
    (single,) = [
        s
        for s in value_of_information_sentences(
            _voi(rows, [_exact("landscape", 0.015)]), _ranking([0.5, 0.2, 0.1])
        )
        if s.startswith("The group ")
    ]
    assert single == f"The group landscape of agents is worth {fmt_num(0.015)}."


def test_voi_sentences_from_the_producers_headline_columns():
    raw = pd.DataFrame(
        {
            "name": ["EVPI", "F_V", "p_V"],
            "kind": ["evpi", "parameter", "parameter"],
            "value": [0.03, 0.02, 0.001],
            "se": [0.001, 0.001, 0.001],
            "ci_low": [0.028, 0.018, -0.001],
            "ci_high": [0.032, 0.022, 0.003],
        }
    )
    voi = with_headline(raw)
    sentences = value_of_information_sentences(voi, _ranking([0.3, 0.2, 0.1]))
    assert f"is {fmt_num(0.03)} (95% interval {fmt_interval(0.028, 0.032)})" in sentences[0]
    assert sentences[1] == "The single beliefs most worth learning are F_V (66.7% of EVPI)."
    assert sentences[2].startswith("For p_V the estimate is not resolved")


# ----------------------------------------------------------------------------- switching


def _switching(rows, method="exact") -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=SWITCH_TABLE_COLUMNS)
    frame.insert(0, "method", method)
    return frame


def test_switching_empty_frame():
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in ["method", *SWITCH_TABLE_COLUMNS]})
    (sentence,) = switching_sentences(empty)
    assert sentence.startswith("Along no single belief does the intervention")


def test_switching_sentence_counts_beliefs_values_and_method():
    exact = _switching(
        [
            ["p_V", 0.2167, 0.0715, "a_V", "a_CV", np.nan, np.nan],
            ["p_V", 0.5, 0.6, "a_CV", "a_V", np.nan, np.nan],
            ["F_V", 0.1745, 0.673, "a_CV", "a_V", np.nan, np.nan],
        ]
    )
    (sentence,) = switching_sentences(exact)
    assert sentence.startswith(
        "Along 2 single beliefs the intervention with the highest conditional mean changes "
        "(3 switching values, exact, from the model's structure)"
    )
    sample = _switching([["F_V", 0.182, 0.687, "a_CV", "a_V", 0.602, 0.771]], method="monte carlo")
    (sentence,) = switching_sentences(sample)
    assert sentence.startswith(
        "Along 1 single belief the intervention with the highest conditional mean changes "
        "(1 switching value, from the sample: each lies between the quantiles bracketing it)"
    )


def test_switching_values_along_negligible_beliefs_are_counted_apart():
    table = _switching(
        [
            ["db_dFV", 1.3, 0.99999, "a_CV", "a_V", np.nan, np.nan],
            ["db_dFV", 1.5, 0.999999, "a_V", "a_CV", np.nan, np.nan],
            ["p_V", 0.2167, 0.0715, "a_V", "a_CV", np.nan, np.nan],
            ["F_V", 0.1745, 0.673, "a_CV", "a_V", np.nan, np.nan],
        ]
    )
    evpi = 0.02
    voi = _voi(
        [
            _exact("EVPI", evpi),
            _exact("F_V", 0.01),
            _exact("p_V", 0.003),
            _exact("db_dFV", NEGLIGIBLE_SHARE * evpi * 0.99),
        ]
    )
    first, minor = switching_sentences(table, voi)
    assert "Along 3 single beliefs" in first and "(4 switching values" in first
    # two switching values lie along db/dF_V, the one belief worth less than 1% of EVPI
    assert minor == (
        f"2 of them lie along beliefs worth less than {100 * NEGLIGIBLE_SHARE:g}% of the value "
        "of perfect information: db/dF_V."
    )
    worth_more = _voi(
        [
            _exact("EVPI", evpi),
            _exact("F_V", 0.01),
            _exact("p_V", 0.003),
            _exact("db_dFV", NEGLIGIBLE_SHARE * evpi * 1.01),
        ]
    )
    assert len(switching_sentences(table, worth_more)) == 1
    at_threshold = worth_more.copy()
    at_threshold.loc[at_threshold["name"] == "db_dFV", "headline"] = NEGLIGIBLE_SHARE * evpi
    assert len(switching_sentences(table, at_threshold)) == 1  # not "less than" 1%


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
    # a higher threshold turns the second box into "no region"
    second = scenario_sentences(boxes, threshold=0.9)[1]
    assert second.startswith("No region found where Alignment is reliably best")
    assert f"density {fmt_pct(0.85)}, below the required {fmt_pct(0.9)}" in second


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
    base = {
        "first_estimate": 1.0,
        "second_estimate": 0.5,
        "gap": 0.5,
        "half_width": 0.1,
        "n_base": 1024,
        "n_base_needed_low": 1024.0,
        "n_base_needed_high": math.inf,
        "method": "monte carlo",
        "note": "",
    }
    return pd.DataFrame([{**base, **r} for r in rows])[RESOLUTION_COLUMNS]


def test_resolution_sentences_for_every_criterion():
    table = _resolution(
        [
            {
                "criterion": "mean",
                "first": "a_CV",
                "second": "a_V",
                "resolved": True,
                "n_base_needed": 1024.0,
            },
            {
                "criterion": "p_best",
                "first": "a_V",
                "second": "a_CnotV",
                "resolved": False,
                "n_base_needed": 8192.0,
                "n_base_needed_low": 2048.0,
                "n_base_needed_high": 65536.0,
            },
            {
                "criterion": "evppi:1-2",
                "first": "F_V",
                "second": "p_V",
                "resolved": False,
                "n_base_needed": 4096.0,
            },
            {
                "criterion": "sobol_ST:a_V",
                "first": "F_I",
                "second": "F_V",
                "resolved": True,
                "n_base_needed": 1024.0,
                "method": "exact",
            },
            {
                "criterion": "risk:reu:0.05",
                "first": "a_CV",
                "second": "a_V",
                "resolved": False,
                "n_base": 256,
                "n_base_needed": math.inf,
                "n_base_needed_low": math.inf,
            },
            {
                "criterion": "risk:ev",
                "first": "a_V",
                "second": "a_CV",
                "resolved": False,
                "n_base_needed": math.nan,
                "method": "heavy-tail",
                "note": "khat 0.9",
            },
        ]
    )
    mean, p_best, evppi, sobol, reu, ev = resolution_sentences(table)
    assert mean == (
        "By mean marginal value, Cooperation, aligned is ahead of Alignment beyond Monte Carlo "
        "error at N = 1,024."
    )
    assert p_best == (
        "By P(best), Alignment is not separated from Cooperation, misaligned at N = 1,024; "
        "N = 8,192 would separate them with 80% probability (from 2,048 to 65,536 over the "
        "uncertainty of the gap; set samples in the config)."
    )
    assert evppi.startswith(
        "In the order of the beliefs most worth learning (1-2), F_V is not separated from p_V "
        "at N = 1,024; N = 4,096 would"
    )
    assert "(from 1,024 to beyond any N (if they are equal) over" in evppi
    assert sobol == (
        "As the largest driver of Alignment, F_I comes before F_V exactly (values from the "
        "model's structure, no Monte Carlo error)."
    )
    assert reu == (
        "Under risk-weighted expected utility (p = 0.05), Cooperation, aligned and Alignment are "
        "not separated at N = 256, and the sample cannot say that they differ at all: no N can "
        "be promised."
    )
    assert ev.startswith(
        "Under expected value, Alignment and Cooperation, aligned cannot be ordered from this "
        "sample: the draws' tails are too heavy"
    )
    assert "N =" not in ev


def test_resolution_exact_tie_is_not_an_order():
    tie = _resolution(
        [
            {
                "criterion": "evppi:2-3",
                "first": "p_V",
                "second": "U_B",
                "gap": 0.0,
                "half_width": 0.0,
                "resolved": False,
                "n_base_needed": math.inf,
                "n_base_needed_low": math.inf,
                "method": "exact",
            }
        ]
    )
    (sentence,) = resolution_sentences(tie)
    assert sentence == (
        "In the order of the beliefs most worth learning (2-3), p_V and U_B are tied exactly "
        "(equal values from the model's structure): no N can order them."
    )
    assert "comes before" not in sentence


def test_resolution_sentences_from_the_producers_table():
    ranking = _ranking([0.6, 0.3, 0.1], p_best=(0.5, 0.3, 0.2))
    resolved = ranking_resolution(ranking, _pairwise("a_V", "a_CV", 0.3, 0.2, 0.4), 512)
    mean, p_best = resolution_sentences(resolved)
    assert mean == (
        "By mean marginal value, Alignment is ahead of Cooperation, aligned beyond Monte Carlo "
        "error at N = 512."
    )
    assert p_best.startswith("By P(best), Alignment is ahead of Cooperation, aligned")
    # the lead's interval reaches zero, P(best) intervals overlap: neither is resolved
    close = _ranking([0.6, 0.59, 0.1], p_best=(0.45, 0.44, 0.11))
    table = ranking_resolution(close, _pairwise("a_V", "a_CV", 0.01, -0.02, 0.04), 512)
    mean, p_best = resolution_sentences(table)
    for sentence, (_, row) in zip((mean, p_best), table.iterrows(), strict=True):
        assert "is not separated from Cooperation, aligned at N = 512; N = " in sentence
        assert f"N = {fmt_count(row['n_base_needed'])} would separate them" in sentence
        assert row["n_base_needed"] > 512
    # a lead estimated at zero or below: no N can be promised
    table = ranking_resolution(close, _pairwise("a_V", "a_CV", 0.0, -0.02, 0.02), 512)
    assert resolution_sentences(table)[0] == (
        "By mean marginal value, Alignment and Cooperation, aligned are not separated at N = "
        "512, and the sample cannot say that they differ at all: no N can be promised."
    )
    # heavy tails on the lead
    flagged = ranking_resolution(ranking, _pairwise("a_V", "a_CV", 0.3, 0.2, 0.4, "khat"), 512)
    assert "cannot be ordered from this sample" in resolution_sentences(flagged)[0]
    # exact means: resolved exactly, or tied exactly
    exact = _ranking([0.6, 0.3, 0.1], exact=[0.5, 0.55, 0.1])
    table = ranking_resolution(exact, _pairwise("a_V", "a_CV", 0.3, 0.2, 0.4), 512)
    assert resolution_sentences(table)[0] == (
        "By mean marginal value, Cooperation, aligned comes before Alignment exactly (values "
        "from the model's structure, no Monte Carlo error)."
    )
    tied = _ranking([0.6, 0.3, 0.1], exact=[0.5, 0.5, 0.1])
    table = ranking_resolution(tied, _pairwise("a_V", "a_CV", 0.3, 0.2, 0.4), 512)
    assert "are tied exactly" in resolution_sentences(table)[0]


def test_resolution_of_exact_zero_evppis_from_the_producers_table():
    voi = pd.DataFrame(
        {
            "name": ["EVPI", "F_V", "p_V", "U_B"],
            "kind": ["evpi", "parameter", "parameter", "parameter"],
            "value": [0.02, 0.01, 0.0, 0.0],
            "ci_low": [0.01, 0.005, 0.0, 0.0],
            "ci_high": [0.03, 0.015, 0.0, 0.0],
            "value_exact": [0.02, 0.01, 0.0, 0.0],
        }
    )
    ranking = _ranking([0.6, 0.3, 0.1], exact=[0.6, 0.3, 0.1])
    sobol = _sobol([0.3, 0.2], [0.6, 0.4], exact=([0.3, 0.2], [0.6, 0.4]))
    table = resolution_table(ranking, _pairwise("a_V", "a_CV", 0.3, 0.2, 0.4), sobol, voi, 256)
    sentences = dict(zip(table["criterion"], resolution_sentences(table), strict=True))
    assert sentences["evppi:1-2"].startswith(
        "In the order of the beliefs most worth learning (1-2), F_V comes before p_V exactly"
    )
    assert sentences["evppi:2-3"].startswith(
        "In the order of the beliefs most worth learning (2-3), p_V and U_B are tied exactly"
    )


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
    # a wider tolerance flags nothing
    relaxed = _comparison(table.iloc[:, :5].itertuples(index=False, name=None), max_shift=6)
    (sentence,) = robustness_sentences(relaxed, max_shift=6)
    assert sentence.startswith("Every parameter's importance rank agrees within 6 places")


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
        "with scale = 0.0123 for Alignment; 1,230 for Cooperation, aligned; 2.00 for "
        "Cooperation, misaligned (median absolute value)" in sentence
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
    assert "scale = 0.457 for Cooperation, aligned; 7.89×10⁻⁵ for Alignment (median" in sentence
    assert sentence == asinh_scale_sentence({"a_CV": 0.456789, "a_V": 7.891e-5})


# ----------------------------------------------------------------------------- decision card


def _card(ranking, pairwise=None, diagnostics=None, voi=None, switching=None, consistent=True):
    return decision_card(
        ranking,
        pairwise,
        _diagnostics(0) if diagnostics is None else diagnostics,
        voi,
        switching,
        consistent_by_construction=consistent,
    )


def test_card_answer_ratio_lead_and_p_best():
    ranking = _ranking([0.6, 0.265, 0.1], p_best=(0.5, 0.3, 0.2))
    card = _card(ranking, _pairwise("a_V", "a_CV", 0.335, 0.3, 0.37))
    assert isinstance(card, DecisionCard)
    assert card.title == "Best use of the next unit of effort: Alignment"
    ratio = float(re.search(r", ([\d.]+) times the runner-up", card.lines[0]).group(1))
    assert ratio == pytest.approx(0.6 / 0.265, rel=5e-3)  # winner over runner-up, 2.26
    assert card.lines[0] == (
        f"By mean, Alignment is best: {fmt_num(0.6)} per unit of effort, {fmt_num(0.6 / 0.265)} "
        f"times the runner-up Cooperation, aligned's {fmt_num(0.265)}."
    )
    assert card.lines[1] == (
        f"The lead, {fmt_num(0.335)}, is beyond Monte Carlo error (95% interval "
        f"{fmt_interval(0.3, 0.37)})."
    )
    assert card.lines[2] == (
        "Alignment is also the best in the largest share of the worldview's draws: "
        f"{fmt_pct(0.5)} (P(best))."
    )
    assert card.cruxes == [] and card.notes == []
    # swap the means: the answer changes, and P(best) now disagrees with it
    swapped = _card(_ranking([0.265, 0.6, 0.1]), _pairwise("a_CV", "a_V", 0.335, -0.01, 0.7))
    assert swapped.title == "Best use of the next unit of effort: Cooperation, aligned"
    assert "is within Monte Carlo error" in swapped.lines[1]
    assert swapped.lines[2].startswith(
        f"But Alignment is best in more draws: P(best) {fmt_pct(0.5)} against Cooperation, "
        f"aligned's {fmt_pct(0.3)}."
    )


def test_card_without_a_ratio_heavy_tails_and_ties():
    negative = _card(_ranking([0.6, -0.2, -0.5]), _pairwise("a_V", "a_CV", 0.8, 0.7, 0.9, "khat"))
    assert negative.lines[0] == (
        f"By mean, Alignment is best: {fmt_num(0.6)} per unit of effort; the runner-up "
        f"Cooperation, aligned's is {fmt_num(-0.2)}."
    )
    assert negative.lines[1] == (
        "The Monte Carlo interval of the lead cannot be trusted: the draws' tails are too heavy "
        "(khat)."
    )
    tie = _card(_ranking([0.3, 0.3, 0.1]))
    assert tie.title == "The interventions are tied by mean."
    assert tie.lines == [
        f"Alignment and Cooperation, aligned have the same mean marginal value, {fmt_num(0.3)}."
    ]


def test_card_quotes_exact_means_and_leaves_out_sample_caveats():
    ranking = _ranking([0.5, 0.52, 0.1], exact=[0.55, 0.51, 0.1], flags=("khat", "", ""))
    card = _card(ranking, _pairwise("a_CV", "a_V", 0.02, 0.01, 0.03))
    assert card.title == "Best use of the next unit of effort: Alignment"
    assert card.lines[0] == (
        f"By exact mean, Alignment is best: {fmt_num(0.55)} per unit of effort, "
        f"{fmt_num(0.55 / 0.51)} times the runner-up Cooperation, aligned's {fmt_num(0.51)} "
        "(exact, from the model's structure)."
    )
    assert not any("Monte Carlo" in line for line in card.lines)
    assert card.notes == []  # exact means: the sample's heavy tails do not matter
    sample = _card(_ranking([0.5, 0.52, 0.1], flags=("khat", "", "khat")))
    assert sample.notes == [
        "The Monte Carlo means of Alignment and Cooperation, misaligned rest on tails too heavy "
        "for this many draws: their intervals cannot be trusted (see the ranking table)."
    ]


def _consistent_ranking(shares, consistent_means, n_consistent=950, means=(0.6, 0.3, 0.1)):
    return _ranking(list(means)).assign(
        inconsistent_share_of_mean=shares,
        mean_consistent=consistent_means,
        n_consistent=n_consistent,
    )


def test_card_impossible_populations_below_both_thresholds():
    share = IMPOSSIBLE_DRAWS_SHARE * 0.9  # 9 of 1,000 draws
    mean_share = IMPOSSIBLE_MEAN_SHARE * 0.9
    ranking = _consistent_ranking([0.01, -mean_share, 0.0], [0.1, 0.5, 0.0])
    card = _card(ranking, diagnostics=_diagnostics(round(share * 1000)), consistent=False)
    (line,) = [s for s in card.lines if "impossible" in s]
    assert line == (
        f"9 of 1,000 draws ({fmt_pct(0.009)}) describe impossible populations (the rest of the "
        f"world would need a negative share); they carry {fmt_pct(-mean_share)} of Cooperation, "
        "aligned's mean."
    )
    assert not any("possible populations only" in s for s in card.lines)
    # a mean share at the threshold makes the answer among possible populations matter
    ranking = _consistent_ranking([0.01, -IMPOSSIBLE_MEAN_SHARE, 0.0], [0.1, 0.5, 0.0])
    card = _card(ranking, diagnostics=_diagnostics(9), consistent=False)
    assert any("possible populations only" in s for s in card.lines)
    # by construction: nothing to say
    card = _card(ranking, diagnostics=_diagnostics(9), consistent=True)
    assert not any("impossible" in s for s in card.lines)


@pytest.mark.parametrize("count", [10, 200])
def test_card_impossible_populations_at_the_draw_threshold(count):
    assert count / 1000 >= IMPOSSIBLE_DRAWS_SHARE
    still = _consistent_ranking([0.0, 0.0, 0.0], [0.5, 0.2, 0.1], n_consistent=1000 - count)
    card = _card(still, diagnostics=_diagnostics(count), consistent=False)
    assert card.lines[-1].startswith(
        f"Among the {fmt_count(1000 - count)} possible populations only, Alignment is still "
        f"best by mean ({fmt_num(0.5)}, {fmt_num(0.5 / 0.2)} times Cooperation, aligned's)."
    )
    changed = _consistent_ranking([0.0, 0.0, 0.0], [0.1, 0.2, 0.5], n_consistent=1000 - count)
    card = _card(changed, diagnostics=_diagnostics(count), consistent=False)
    assert card.lines[-1].startswith(
        f"Among the {fmt_count(1000 - count)} possible populations only, the answer changes: "
        f"Cooperation, misaligned is best by mean ({fmt_num(0.5)}, {fmt_num(2.5)} times "
        "Cooperation, aligned's), not Alignment."
    )
    # the card states the thresholds that made it check
    assert card.lines[-2] == (
        f"That is at least {fmt_pct(IMPOSSIBLE_DRAWS_SHARE)} of the draws or "
        f"{fmt_pct(IMPOSSIBLE_MEAN_SHARE)} of a mean, where the answer is checked without them."
    )


def test_card_impossible_populations_from_the_producers_tables():
    rng = np.random.default_rng(3)
    n = 400
    values = pd.DataFrame(
        {"a_V": rng.normal(1.0, 0.1, n), "a_CV": rng.normal(0.5, 0.1, n), "a_CnotV": 0.0}
    )
    consistent = np.ones(n, dtype=bool)
    consistent[:40] = False  # 10% impossible, where a_V is huge
    values.loc[:39, "a_V"] = 20.0
    ranking = rank_interventions(values, consistent=consistent)
    card = _card(
        ranking,
        pairwise_comparisons(values),
        diagnostics=_diagnostics(40, total=n),
        consistent=False,
    )
    share = 40 * 20.0 / values["a_V"].sum()
    assert card.lines[-3].startswith(
        f"40 of 400 draws ({fmt_pct(0.1)}) describe impossible populations"
    )
    assert f"they carry {fmt_pct(share)} of Alignment's mean" in card.lines[-3]
    consistent_mean = values.loc[40:, "a_V"].mean()
    assert card.lines[-1].startswith(
        f"Among the 360 possible populations only, Alignment is still best by mean "
        f"({fmt_num(consistent_mean)}"
    )


def test_card_cruxes_ordered_by_headline_value_with_their_thresholds():
    voi = _voi(
        [
            _exact("EVPI", 0.02),
            _exact("p_V", 0.004),
            ("U_B", 0.05, 0.0, 0.1, "regression", False, "interval includes 0"),
            _exact("F_V", 0.01),
            _exact("b", 0.002),
            _exact("F_I", 0.001),  # fourth resolved: not named
        ]
    )
    switching = pd.concat(
        [
            _switching(
                [
                    ["F_V", 0.3, 0.9, "a_V", "a_CnotV", np.nan, np.nan],
                    ["F_V", 0.1745, 0.673, "a_CV", "a_V", np.nan, np.nan],
                ]
            ),
            _switching([["p_V", 0.9, 0.99, "a_CnotV", "a_V", 0.98, 0.995]], method="monte carlo"),
            _switching([["p_V", 0.2167, 0.0715, "a_V", "a_CV", np.nan, np.nan]]),
        ],
        ignore_index=True,
    )
    card = _card(_ranking([0.6, 0.3, 0.1]), voi=voi, switching=switching)
    assert len(card.cruxes) == 3
    f_v, p_v, b = card.cruxes
    assert f_v == (
        f"F_V: worth {fmt_num(0.01)} to learn (50.0% of the value of perfect information, "
        f"exact). If F_V is below {fmt_num(0.1745)} (you put {fmt_pct(0.673)} of your belief "
        "there), Cooperation, aligned is best; above it, Alignment; it changes again at "
        f"{fmt_num(0.3)} (quantile {fmt_pct(0.9)}) to Cooperation, misaligned."
    )
    # p_V's exact switch is quoted, not the Monte Carlo one
    assert p_v.startswith(f"p_V: worth {fmt_num(0.004)} to learn (20.0% of the value")
    assert p_v.endswith(
        f"If p_V is below {fmt_num(0.2167)} (you put {fmt_pct(0.0715)} of your belief there), "
        "Alignment is best; above it, Cooperation, aligned."
    )
    assert b.endswith(
        "Along it alone the best intervention by conditional mean never changes: it matters "
        "together with other beliefs."
    )
    assert not any(c.startswith(("U_B", "F_I")) for c in card.cruxes)  # unresolved; fourth
    # raise b above F_V: the order follows
    voi.loc[voi["name"] == "b", ["headline", "headline_low", "headline_high"]] = 0.015
    card = _card(_ranking([0.6, 0.3, 0.1]), voi=voi, switching=switching)
    assert [c.split(":")[0] for c in card.cruxes] == ["b", "F_V", "p_V"]


def test_card_cruxes_when_nothing_is_worth_learning():
    zero = _card(_ranking([0.6, 0.3, 0.1]), voi=_voi([_exact("EVPI", 0.0), _exact("F_V", 0.0)]))
    assert zero.cruxes == [
        "No belief of this worldview can change the choice: perfect information is worth "
        "nothing (EVPI 0)."
    ]
    unresolved = _voi(
        [_regression("EVPI", 0.02, 0.01, 0.03), _regression("F_V", 0.01, -0.01, 0.03)]
    )
    card = _card(_ranking([0.6, 0.3, 0.1]), voi=unresolved)
    assert card.cruxes[0].startswith("No single belief is resolved as worth learning")
    # without a switching table, the crux carries no threshold sentence
    resolved = _voi(
        [_regression("EVPI", 0.02, 0.01, 0.03), _regression("F_V", 0.01, 0.008, 0.012)]
    )
    (crux,) = _card(_ranking([0.6, 0.3, 0.1]), voi=resolved).cruxes
    assert crux == (
        f"F_V: worth {fmt_num(0.01)} to learn (50.0% of the value of perfect information). "
    )
    # resolved but worth less than 1% of EVPI: not a crux; below 1% the card says so
    tiny = _voi(
        [
            _regression("EVPI", 0.02, 0.01, 0.03),
            _regression("F_V", 0.00019, 0.00015, 0.00023),
            _regression("p_V", 0.00015, 0.00013, 0.00017),
            _regression("b", 0.0001, 0.00008, 0.00012),
        ]
    )
    (crux,) = _card(_ranking([0.6, 0.3, 0.1]), voi=tiny).cruxes
    assert crux == (
        f"No single belief is worth {fmt_pct(0.01)} of the value of perfect information to "
        f"learn (the most, F_V, {fmt_num(0.00019)}, {fmt_pct(0.0095)}): the choice turns on "
        "several beliefs together."
    )
    tiny.loc[tiny["name"] == "p_V", ["headline", "headline_low", "headline_high"]] = 0.00021
    (crux,) = _card(_ranking([0.6, 0.3, 0.1]), voi=tiny).cruxes
    assert crux.startswith(f"p_V: worth {fmt_num(0.00021)} to learn ({fmt_pct(0.0105)} of")


# ----------------------------------------------------------------------------- risk


def _risk(winners: dict[tuple[str, float], str], flags: dict[str, str] | None = None):
    flags = flags or {}
    rows = []
    for (rule, setting), win in winners.items():
        for o in NAMES:
            rows.append(
                {
                    "rule": rule,
                    "setting": "" if math.isnan(setting) else "p",
                    "setting_value": setting,
                    "intervention": o,
                    "value": 1.0 if o == win else 0.0,
                    "ci_low": 0.0,
                    "ci_high": 1.0,
                    "se": 0.1,
                    "winner": win,
                    "n": 1000,
                    "flag": flags.get(o, "") if rule != "trimmed_ev" else "",
                }
            )
    return pd.DataFrame(rows)


def test_risk_sentences_name_the_rules_that_change_the_choice():
    winners = {
        ("ev", math.nan): "a_V",
        ("trimmed_ev", 0.005): "a_V",
        ("reu", 0.03): "a_V",
        ("reu", 0.05): "a_CV",
        ("wlu", 0.1): "a_CnotV",
        ("ambiguity", 4.0): "a_V",
    }
    (sentence,) = risk_sentences(_risk(winners))
    assert sentence == (
        "By expected value over the draws, Alignment is best; under 2 of the risk-averse rules "
        "another intervention wins: risk-weighted expected utility (p = 0.05): Cooperation, "
        "aligned; weighted linear utility (c = 0.1): Cooperation, misaligned."
    )
    same = {key: "a_CV" for key in winners}
    (sentence,) = risk_sentences(_risk(same))
    assert sentence.startswith(
        "Cooperation, aligned is best by expected value and stays best under every risk-averse "
        "rule"
    )
    assert risk_sentences(_risk({("reu", 0.05): "a_V"})) == []  # no expected-value row


def test_risk_sentences_flag_heavy_tails():
    winners = {("ev", math.nan): "a_V", ("trimmed_ev", 0.005): "a_V"}
    sentences = risk_sentences(_risk(winners, {"a_CnotV": "khat 0.8", "a_V": "khat 0.9"}))
    assert sentences[-1].startswith(
        "The bootstrap intervals of Alignment and Cooperation, misaligned under every rule but "
        "the trimmed mean cannot be trusted"
    )
    assert len(risk_sentences(_risk(winners))) == 1


def test_risk_sentences_from_the_producers_table_and_draws():
    n = 2000
    # a 5% chance of 100 (mean 5) against a sure 4: best by expected value, not when risk averse
    values = pd.DataFrame(
        {
            "a_V": np.where(np.arange(n) % 20 == 0, 100.0, 0.0),
            "a_CV": np.full(n, 4.0),
            "a_CnotV": np.zeros(n),
            "F_V": 0.5,  # other columns of the draws are ignored
        }
    )
    table = risk_rules.risk_table(values, seed=1, n_bootstrap=20)
    with_nan = pd.concat(
        [values, pd.DataFrame({"a_V": [np.nan], "a_CV": [1e9], "a_CnotV": [0.0]})],
        ignore_index=True,
    )
    first, reu, wlu = risk_sentences(table, with_nan)
    changed = table.loc[table["winner"] != "a_V"].drop_duplicates(["rule", "setting_value"])
    assert f"under {len(changed)} of the risk-averse rules" in first
    for rule, setting in zip(changed["rule"], changed["setting_value"], strict=True):
        name, key = RISK_RULES[rule], RISK_SETTINGS[rule]
        assert f"{name} ({key} = {setting:g}): Cooperation, aligned" in first
    assert "tail-trimmed" not in first and "trimmed expected value (" not in first
    # the switching risk levels, on the finite rows only (the NaN row is left out)
    assert reu == risk_rules.risk_sentence(values, "reu")
    assert wlu == risk_rules.risk_sentence(values, "wlu")
    assert reu.startswith("Alignment stays best up to p = ")
    assert reu.endswith("Cooperation, aligned is best.")


# ----------------------------------------------------------------------------- game


GAME = {
    "theory": {"coco": 0.0, "nash": 1.0, "correlated": 0.0},
    "punish": "V",
    "nash_selection": "worst_for_V",
    "correlated_selection": "utilitarian",
}


def test_game_sentences_quote_the_settings_and_the_derived_utilities():
    draws = pd.DataFrame({"U_B": [1.0, 2.0, 3.0, 0.5, 1.0], "U_notB": [0.0, 3.0, 1.0, 0.0, 1.0]})
    settings_text, gain = game_sentences(GAME, draws)
    assert settings_text == (
        "The utilities come from the game bargained by a Nash equilibrium as the disagreement "
        "point; the coalition with our values can Punish; Nash equilibria are selected "
        "worst_for_V, correlated ones utilitarian."
    )
    # gaps 1, -1, 2, 0.5, 0: positive (a tie is no improvement) in 3 of 5 draws, median 0.5
    assert gain == (
        f"Bargaining improves on the disagreement point for our values (U_B > U_¬B) in "
        f"{fmt_pct(0.6)} of draws; the median improvement is {fmt_num(0.5)}."
    )
    swapped = draws.rename(columns={"U_B": "U_notB", "U_notB": "U_B"})
    gain = game_sentences(GAME, swapped)[1]
    assert f"in {fmt_pct(0.2)} of draws; the median improvement is {fmt_num(-0.5)}." in gain


def test_game_sentences_for_an_uncertain_theory():
    settings = {
        **GAME,
        "theory": {"coco": 0.25, "nash": 0.0, "correlated": 0.75},
        "punish": "both",
    }
    (sentence,) = game_sentences(settings, pd.DataFrame({"U_B": [1.0]}))  # no U_notB
    assert sentence.startswith(
        "The utilities come from the game bargained by a theory this worldview is unsure of: "
        f"coco {fmt_pct(0.25)} and correlated {fmt_pct(0.75)} (an uncertain input of the "
        "analysis); both sides can Punish;"
    )
    assert "nash 0" not in sentence
    coco = {**GAME, "theory": {"coco": 1.0}, "punish": "none"}
    assert game_sentences(coco, pd.DataFrame())[0].startswith(
        "The utilities come from the game bargained by the CoCo value (disagreement point from "
        "the optimal threats of the zero-sum game); neither side has a Punish action;"
    )


# ----------------------------------------------------------------------------- structure


def _structure(name: str, states: dict[str, tuple[float, dict, str]]) -> pd.DataFrame:
    """``structure.csv`` rows: per state ``(probability, {intervention: (mean, exact,
    p_best)}, winner)``."""
    rows = []
    for i, (state, (probability, numbers, win)) in enumerate(states.items()):
        for o, (mean, exact, p_best) in numbers.items():
            rows.append(
                {
                    "input": name,
                    "value": float(1 - i),
                    "state": state,
                    "probability": probability,
                    "intervention": o,
                    "mean": mean,
                    "mean_ci_low": mean - 0.01,
                    "mean_ci_high": mean + 0.01,
                    "mean_exact": exact,
                    "p_best": p_best,
                    "p_best_ci_low": p_best - 0.01,
                    "p_best_ci_high": p_best + 0.01,
                    "n": 500,
                    "winner": win,
                }
            )
    return pd.DataFrame(rows)


LOCALITY = {
    "holds": (0.3, {"a_V": (0.2, 0.25, 0.3), "a_CV": (0.5, 0.45, 0.7)}, "a_CV"),
    "does not hold": (0.7, {"a_V": (0.6, np.nan, 0.8), "a_CV": (0.1, np.nan, 0.2)}, "a_V"),
}


def test_structure_sentences_say_which_switch_decides():
    sentences = structure_sentences(_structure("locality", LOCALITY), [])
    assert sentences[0] == (
        "The model's structure decides the choice: the best intervention depends on the "
        "locality variant."
    )
    assert sentences[1] == (
        "The best intervention depends on the locality variant: where it holds (probability "
        f"0.3), Cooperation, aligned (exact mean {fmt_num(0.45)}, P(best) {fmt_pct(0.7)}); "
        f"where it does not hold (probability 0.7), Alignment (mean {fmt_num(0.6)}, P(best) "
        f"{fmt_pct(0.8)})."
    )
    same = {
        "holds": LOCALITY["holds"],
        "does not hold": (0.7, {"a_V": (0.1, 0.1, 0.2), "a_CV": (0.6, 0.6, 0.8)}, "a_CV"),
    }
    sentences = structure_sentences(_structure("locality", same), [])
    assert sentences[0].startswith("The model's structure does not decide the choice")
    assert sentences[1].startswith(
        "Cooperation, aligned is best whatever the locality variant: where it holds"
    )


def test_structure_sentences_for_fixed_variants_and_no_structure():
    empty = pd.DataFrame(columns=list(_structure("locality", LOCALITY).columns))
    assert structure_sentences(empty, []) == ["This worldview states no structural uncertainty."]
    (one,) = structure_sentences(empty, ["rest_of_world"])
    assert one == (
        "In this worldview rest_of_world always holds (probability 1): a fixed part of the "
        "model, not a source of uncertainty."
    )
    sentences = structure_sentences(_structure("locality", LOCALITY), ["rest_of_world", "a"])
    assert sentences[0].startswith("In this worldview rest_of_world, a always hold (")
    assert sentences[1].startswith("The model's structure decides the choice")


def test_structure_sentences_for_the_bargaining_theory():
    theory = {
        "coco": (0.4, {"a_V": (0.2, 0.2, 0.6), "a_CV": (0.1, 0.1, 0.4)}, "a_V"),
        "nash": (0.6, {"a_V": (0.1, 0.1, 0.3), "a_CV": (0.3, 0.3, 0.7)}, "a_CV"),
    }
    sentences = structure_sentences(_structure(THEORY_INPUT, theory), [])
    assert sentences[0].endswith("depends on the bargaining theory.")
    assert "where the theory is coco (probability 0.4), Alignment" in sentences[1]
    assert "where the theory is nash (probability 0.6), Cooperation, aligned" in sentences[1]


def test_structure_value_and_sobol_sentences():
    voi = _voi(
        [
            _exact("EVPI", 0.02),
            _exact("locality", 0.005),
            ("coalition_size", 0.01, -0.01, 0.03, "nested Monte Carlo", False, "reaches 0"),
            _exact(THEORY_INPUT, 0.0),
        ]
    )
    decision = pd.DataFrame(
        {
            "output": ["best_is_a_V", "best_is_a_V", "best_is_a_CV"],
            "parameter": ["locality", "coalition_size", "locality"],
            "S1": [0.2, -0.01, 0.9],
            "ST": [0.35, 0.04, 0.95],
            "S1_exact": np.nan,
            "ST_exact": np.nan,
        }
    )
    sentences = structure_sentences(_structure("locality", LOCALITY), [], voi, decision, "a_V")
    assert (
        f"Learning the locality variant is worth {fmt_num(0.005)} ({fmt_pct(0.25)} of the value "
        "of perfect information), exact." in sentences
    )
    assert (
        "Of the variance of the indicator that Alignment is the per-draw best, the locality "
        f"variant explains {fmt_pct(0.2)} alone and {fmt_pct(0.35)} with its interactions (S1 "
        "and ST)." in sentences
    )
    # the other winner's indicator is the one quoted
    flipped = structure_sentences(_structure("locality", LOCALITY), [], voi, decision, "a_CV")
    assert any(f"explains {fmt_pct(0.9)} alone and {fmt_pct(0.95)}" in s for s in flipped)
    size = {
        "holds": (0.5, {"a_V": (0.2, np.nan, 0.6), "a_CV": (0.1, np.nan, 0.4)}, "a_V"),
        "does not hold": (0.5, {"a_V": (0.3, np.nan, 0.7), "a_CV": (0.1, np.nan, 0.3)}, "a_V"),
    }
    sentences = structure_sentences(_structure("coalition_size", size), [], voi, decision, "a_V")
    assert (
        "The value of learning the coalition_size variant is not resolved at this sample size "
        f"({fmt_num(0.01)}, 95% interval {fmt_num(-0.01)} to {fmt_num(0.03)}, nested Monte "
        "Carlo)." in sentences
    )
    assert any(f"explains {fmt_pct(0.0)} alone and {fmt_pct(0.04)}" in s for s in sentences)
    theory = {"nash": (1.0, {"a_V": (0.2, 0.2, 0.6), "a_CV": (0.1, 0.1, 0.4)}, "a_V")}
    sentences = structure_sentences(_structure(THEORY_INPUT, theory), [], voi, decision, "a_V")
    assert (
        "Learning the bargaining theory is worth nothing for this choice (its value of "
        "information is 0, exact)." in sentences
    )
    exact = decision.assign(S1_exact=[0.1, 0.0, 0.0], ST_exact=[0.3, 0.0, 0.0])
    sentences = structure_sentences(_structure("locality", LOCALITY), [], voi, exact, "a_V")
    assert any(
        f"explains {fmt_pct(0.1)} alone and {fmt_pct(0.3)} with its interactions (exact S1 and "
        "ST)." in s
        for s in sentences
    )


def test_structure_sentences_from_the_producers_table():
    rng = np.random.default_rng(7)
    n = 600
    switch = (np.arange(n) % 3 == 0).astype(float)  # holds in a third of the draws
    values = pd.DataFrame(
        {
            "a_V": np.where(switch == 1, 0.1, 0.8) + rng.normal(0, 0.05, n),
            "a_CV": np.where(switch == 1, 0.9, 0.2) + rng.normal(0, 0.05, n),
        }
    )
    states = {"locality": [(1.0, "holds", 1 / 3), (0.0, "does not hold", 2 / 3)]}
    exact = {("locality", "a_V", 1.0): 0.1, ("locality", "a_CV", 1.0): 0.9}
    exact |= {("locality", "a_V", 0.0): 0.8, ("locality", "a_CV", 0.0): 0.2}
    table = structure_table(values, pd.DataFrame({"locality": switch}), states, exact)
    lead, detail = structure_sentences(table, [])
    assert lead.endswith("depends on the locality variant.")
    held = table.loc[(table["state"] == "holds") & (table["intervention"] == "a_CV")].iloc[0]
    assert (
        f"where it holds (probability {1 / 3:g}), Cooperation, aligned (exact mean "
        f"{fmt_num(0.9)}, P(best) {fmt_pct(held['p_best'])})" in detail
    )
    assert f"where it does not hold (probability {2 / 3:g}), Alignment (exact mean" in detail


# ----------------------------------------------------------------------------- package


def test_package_reexports_every_public_name():
    for name in narrative.__all__:
        obj = getattr(narrative, name)
        if callable(obj):
            assert obj.__module__.startswith("agi_interventions.narrative.")
    assert narrative.NEGLIGIBLE_SHARE == NEGLIGIBLE_SHARE
    assert "decision_sobol_outputs_sentence" not in narrative.__all__


def test_structure_sentences_do_not_claim_a_winner_the_sample_cannot_separate():
    """Monte Carlo means whose intervals overlap: no "best whatever" and no "decides"."""
    close = {
        "coco": (0.4, {"a_V": (0.50, np.nan, 0.5), "a_CV": (0.515, np.nan, 0.5)}, "a_CV"),
        "nash": (0.6, {"a_V": (0.30, np.nan, 0.2), "a_CV": (0.60, np.nan, 0.8)}, "a_CV"),
    }
    table = _structure("bargaining_theory", close)  # intervals: mean ± 0.01
    text = " ".join(structure_sentences(table, []))
    assert "is best whatever" not in text and "does not decide" not in text
    assert "has the highest mean whatever the bargaining theory" in text
    assert "the sample does not show that it is best there" in text
    assert "The sample does not settle whether the model's structure decides" in text
    # separated by more than the intervals: the same table states it plainly
    apart = {
        **close,
        "coco": (0.4, {"a_V": (0.50, np.nan, 0.5), "a_CV": (0.53, np.nan, 0.5)}, "a_CV"),
    }
    text = " ".join(structure_sentences(_structure("bargaining_theory", apart), []))
    assert "Cooperation, aligned is best whatever the bargaining theory" in text
    assert "does not decide the choice" in text


# ----------------------------------------------------------------------------- game: guesses


def _repository():
    from pathlib import Path

    return Path(__file__).resolve().parents[1]


REPOSITORY = _repository()
GAME_DERIVED = ("U_B", "U_notB", "dUB_dFV", "dUnotB_dFV")
GAME_INPUTS = ("g", "t", "c", "gamma", "k", "h", "lam")


def test_game_comparison_sentence_against_the_numbers():
    from agi_interventions.narrative.game import comparison_sentence

    derived = {
        "U_B": (0.5, 0.9, 1.4),  # median inside [0.6, 1.0]; 90% range 0.9 wide > 0.4
        "U_notB": (0.1, 0.6, 0.8),  # median above [-0.5, 0.3]; 0.7 < 0.8
        "dUB_dFV": (0.0, 0.1, 0.2),  # median below [0.2, 1.2]; 0.2 < 1.0
        "dUnotB_dFV": (0.05, 0.5, 0.95),  # the guess itself: inside, equally wide
    }
    guessed = {
        "U_B": (0.6, 0.8, 1.0),
        "U_notB": (-0.5, -0.1, 0.3),
        "dUB_dFV": (0.2, 0.6, 1.2),
        "dUnotB_dFV": (0.05, 0.5, 0.95),
    }
    sentence = comparison_sentence(derived, guessed, "the baseline worldview's priors")
    assert sentence == (
        "Against the baseline worldview's priors, the derived medians of "
        f"U_¬B ({fmt_num(0.6)}, above {fmt_interval(-0.5, 0.3)}) and "
        f"dU_B/dF_V ({fmt_num(0.1)}, below {fmt_interval(0.2, 1.2)}) lie outside the guessed "
        "90% ranges; those of U_B and dU_¬B/dF_V lie inside; the derived 90% range is "
        "narrower than the guess for U_¬B and dU_B/dF_V and wider for U_B."
    )
    # every claim recomputed from the numbers
    for name in GAME_DERIVED:
        median = derived[name][1]
        outside = median < guessed[name][0] or median > guessed[name][2]
        assert (f"{narrative_display(name)} ({fmt_num(median)}," in sentence) == outside


def narrative_display(name):
    from agi_interventions.parameters import display

    return display(name)


def test_game_comparison_sentence_grammar():
    from agi_interventions.narrative.game import comparison_sentence

    one = {"U_B": (0.7, 0.8, 0.9)}
    guess = {"U_B": (0.6, 0.8, 1.0), "U_notB": (0.0, 0.1, 0.2)}
    assert comparison_sentence(one, guess, "X") == (
        "Against X, the derived median of U_B lies inside the guessed 90% range; the derived "
        "90% range is narrower than the guess for U_B."
    )
    above = {"U_B": (0.0, 2.0, 4.0), "U_notB": (0.0, 0.1, 0.2)}
    assert comparison_sentence(above, guess, "X") == (
        f"Against X, the derived median of U_B ({fmt_num(2.0)}, above {fmt_interval(0.6, 1.0)})"
        " lies outside the guessed 90% range; that of U_¬B lies inside; the derived 90% range "
        "is wider than the guess for U_B."
    )
    assert comparison_sentence({"dUB_dFV": (0, 1, 2)}, guess, "X") == ""  # nothing to compare
    # equal widths (to rounding) are neither narrower nor wider
    same = {"U_B": (0.1 + 0.2, 0.5, 0.3 + 0.4)}  # width 0.4 with rounding error
    assert comparison_sentence(same, {"U_B": (0.2, 0.5, 0.6)}, "X") == (
        "Against X, the derived median of U_B lies inside the guessed 90% range."
    )


def _bargaining_view_in(folder, baseline_priors=None):
    """The shipped bargaining worldview copied into ``folder``, with a baseline beside it."""
    import shutil

    import yaml

    from agi_interventions.priors import load_worldview

    path = folder / "bargaining.yaml"
    shutil.copy(REPOSITORY / "config" / "priors" / "bargaining.yaml", path)
    if baseline_priors is not None:
        data = yaml.safe_load((REPOSITORY / "config" / "priors" / "baseline.yaml").read_text())
        data["parameters"].update(baseline_priors)
        (folder / "baseline.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return load_worldview(path)


def _game_results(view, draws):
    from agi_interventions.results import WorldviewResults

    return WorldviewResults(view, {}, {}, {}, draws)


def test_game_section_shows_the_derived_inputs_beside_the_baseline_priors(tmp_path):
    from agi_interventions.report.build import game_section

    uniforms = {  # 5%, 50%, 95% of uniform(low, high): low + (0.05, 0.5, 0.95) (high - low)
        "U_B": {"dist": "uniform", "low": 0.0, "high": 1.0},
        "U_notB": {"dist": "uniform", "low": -1.0, "high": 0.0},
        "dUB_dFV": {"dist": "uniform", "low": 0.0, "high": 2.0},
        "dUnotB_dFV": {"dist": "uniform", "low": 0.0, "high": 10.0},
    }
    view = _bargaining_view_in(tmp_path, uniforms)
    grid = np.linspace(0.0, 1.0, 101)  # quantiles 0.05, 0.5, 0.95 exactly
    draws = pd.DataFrame(
        {
            "U_B": 0.5 * grid,
            "U_notB": 2.0 * grid + 0.5,
            "dUB_dFV": 3.0 * grid,
            "dUnotB_dFV": 4.0 * grid + 1.0,
        }
    )
    section = game_section(_game_results(view, draws))
    inputs, derived = section.tables
    assert derived.headers == [
        "Derived input", "5%", "50%", "95%", "Guessed 5%", "Guessed 50%", "Guessed 95%"
    ]  # fmt: skip
    expected_derived = {
        "U_B": (0.025, 0.25, 0.475),
        "U_notB": (0.6, 1.5, 2.4),
        "dUB_dFV": (0.15, 1.5, 2.85),
        "dUnotB_dFV": (1.2, 3.0, 4.8),
    }
    expected_guess = {
        "U_B": (0.05, 0.5, 0.95),
        "U_notB": (-0.95, -0.5, -0.05),
        "dUB_dFV": (0.1, 1.0, 1.9),
        "dUnotB_dFV": (0.5, 5.0, 9.5),
    }
    for row, name in zip(derived.rows, GAME_DERIVED, strict=True):
        assert row == [
            narrative_display(name),
            *map(fmt_num, expected_derived[name]),
            *map(fmt_num, expected_guess[name]),
        ]
    assert derived.caption == (
        "The utilities the game derives, over the worldview's draws, beside the baseline "
        "worldview's priors"
    )
    text = section.paragraphs
    assert text[-2] == (
        "The “guessed” columns are the baseline worldview's priors (its file baseline.yaml, "
        "read when this report was built): the ranges a user would otherwise have had to "
        "guess for these inputs, which the game derives instead."
    )
    # medians: U_¬B 1.5 lies above [-0.95, -0.05]; U_B 0.25 in [0.05, 0.95], dU_B/dF_V 1.5 in
    # [0.1, 1.9] and dU_¬B/dF_V 3 in [0.5, 9.5] inside. 90% widths: derived 0.45, 1.8, 2.7,
    # 3.6 against guessed 0.9, 0.9, 1.8, 9
    assert text[-1] == (
        f"Against the baseline worldview's priors, the derived median of U_¬B ({fmt_num(1.5)}, "
        f"above {fmt_interval(-0.95, -0.05)}) lies outside the guessed 90% range; those of "
        "U_B, dU_B/dF_V and dU_¬B/dF_V lie inside; the derived 90% range is narrower than the "
        "guess for U_B and dU_¬B/dF_V and wider for U_¬B and dU_B/dF_V."
    )
    # the game's inputs: symbol, the spec's meaning, the worldview's prior quantiles
    assert inputs.headers == ["Game input", "Meaning", "5%", "50%", "95%"]
    specs = view.specs
    assert [row[0] for row in inputs.rows] == [specs[name].symbol for name in GAME_INPUTS]
    for row, name in zip(inputs.rows, GAME_INPUTS, strict=True):
        quantiles = view.priors[name].quantiles([0.05, 0.5, 0.95])
        assert row[1] == specs[name].description
        assert row[2:] == [fmt_num(v) for v in quantiles]
    # spot checks by hand: k ~ uniform(0, 0.05), h ~ uniform(0, 0.5)
    k_row = inputs.rows[GAME_INPUTS.index("k")]
    assert k_row[1:] == [
        "cost of punishing, to the punisher",
        fmt_num(0.0025),
        fmt_num(0.025),
        fmt_num(0.0475),
    ]
    assert inputs.rows[GAME_INPUTS.index("h")][2:] == [
        fmt_num(0.025), fmt_num(0.25), fmt_num(0.475)
    ]  # fmt: skip


def test_game_section_without_a_baseline_renders_without_the_column(tmp_path, monkeypatch):
    from agi_interventions.narrative import game as game_narrative
    from agi_interventions.report.build import game_section
    from agi_interventions.report.html import ReportContext, render_report

    monkeypatch.setattr(game_narrative, "REPOSITORY_BASELINE", tmp_path / "absent.yaml")
    view = _bargaining_view_in(tmp_path)  # no baseline.yaml beside it
    assert game_narrative.guessed_ranges(view) is None
    grid = np.linspace(0.0, 1.0, 11)
    draws = pd.DataFrame({name: grid for name in GAME_DERIVED})
    section = game_section(_game_results(view, draws))
    derived = section.tables[1]
    assert derived.headers == ["Derived input", "5%", "50%", "95%"]
    assert all(len(row) == 4 for row in derived.rows)
    assert section.paragraphs[-1].startswith("No priors for U_B, U_¬B and their slopes were")
    assert not any(p.startswith("Against ") for p in section.paragraphs)
    html = render_report(
        ReportContext(
            title="t",
            subtitle="s",
            description="",
            card_title="c",
            card_lines=[],
            cruxes=[],
            card_notes=[],
            sections=[section],
        )
    )
    assert "Guessed" not in html and "The bargaining game" in html
    # a baseline file that does not load, or lacks the four priors, counts as none
    (tmp_path / "baseline.yaml").write_text("parameters: {U_B: {dist: nonsense}}\n")
    assert game_narrative.guessed_ranges(view) is None


def test_game_guesses_default_to_the_repository_baseline(tmp_path, monkeypatch):
    from agi_interventions.narrative import game as game_narrative
    from agi_interventions.priors import load_worldview

    baseline = REPOSITORY / "config" / "priors" / "baseline.yaml"
    assert game_narrative.REPOSITORY_BASELINE == baseline
    priors = load_worldview(baseline).priors
    # the shipped worldview finds the baseline beside it; a copy elsewhere, the repository's
    for view in (
        load_worldview(REPOSITORY / "config" / "priors" / "bargaining.yaml"),
        _bargaining_view_in(tmp_path),
    ):
        guessed = game_narrative.guessed_ranges(view)
        assert guessed is not None and guessed.short == "the baseline worldview's priors"
        for name in GAME_DERIVED:
            np.testing.assert_allclose(
                guessed.quantiles[name], priors[name].quantiles([0.05, 0.5, 0.95])
            )
    assert game_narrative.baseline_candidates(load_worldview(baseline)) == []  # never itself


def test_game_section_of_a_switched_worldview(tmp_path):
    """The game holds in some draws only: derived there, beside the worldview's own priors."""
    import yaml

    from agi_interventions import api
    from agi_interventions.narrative.game import DERIVED
    from agi_interventions.priors import load_worldview
    from agi_interventions.report.build import game_section
    from agi_interventions.results import REPORT_COLUMNS
    from agi_interventions.structure import VARIANTS

    data = yaml.safe_load((REPOSITORY / "config" / "priors" / "bargaining.yaml").read_text())
    data["structure"]["bargaining"] = 0.5
    own = {
        "U_B": {"dist": "uniform", "low": 0.0, "high": 1.0},
        "U_notB": {"dist": "uniform", "low": -1.0, "high": 0.0},
        "dUB_dFV": {"dist": "uniform", "low": 0.0, "high": 2.0},
        "dUnotB_dFV": {"dist": "uniform", "low": 0.0, "high": 10.0},
    }
    data["parameters"].update(own)
    path = tmp_path / "switched.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    view = load_worldview(path)
    draws = api.simulate(view, 2**10, seed=3)
    section = game_section(_game_results(view, draws))
    derived = section.tables[1]
    assert derived.caption == (
        "The utilities the game derives, over the draws in which the game holds, beside this "
        "worldview's own priors"
    )
    held = draws.loc[draws["bargaining"] == 1]
    columns = {name: held[name].to_numpy() for name in ("F_V", *GAME_INPUTS, "bargaining_theory")}
    expected = VARIANTS["bargaining"].derive(columns, view.structure.settings["bargaining"])
    for row, name in zip(derived.rows, DERIVED, strict=True):
        q = np.quantile(expected[name], [0.05, 0.5, 0.95])
        guess = view.priors[name].quantiles([0.05, 0.5, 0.95])
        assert row == [narrative_display(name), *map(fmt_num, q), *map(fmt_num, guess)]
    # the stored columns hold the own priors' draws, not the game's: never shown as derived
    assert not np.allclose(np.median(held["U_B"]), np.median(expected["U_B"]))
    # draws without the game's inputs (a pipeline's report columns): said, no exception
    section = game_section(_game_results(view, draws[list(REPORT_COLUMNS)]))
    assert len(section.tables) == 1
    assert any("cannot be shown here" in p for p in section.paragraphs)
    assert not any("Guessed" in " ".join(t.headers) for t in section.tables)


def test_choice_sentences_never_quote_a_flagged_monte_carlo_index_of_the_values():
    """An impossible (above 1) or heavy-tailed ST of a value is not quoted as its spread."""
    decision, sobol = _choice_tables()
    flagged = sobol.copy()
    row = (flagged["output"] == "a_CnotV") & (flagged["parameter"] == "F_I")
    flagged.loc[row, "ST"] = 1.9
    flagged.loc[row, "flag"] = "ST > 1"
    sentences = choice_sentences(decision, flagged, None, "a_V", "a_CV")
    assert not any("1.9" in s for s in sentences)
    # F_I can no longer be said to drive every value: one of its three indices is untrusted
    assert not any(s.startswith("F_I drives") for s in sentences)
    assert any(s.startswith("U_B drives") for s in sentences)  # its indices are all trusted
