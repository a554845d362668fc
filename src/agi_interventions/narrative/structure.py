"""Sentences of "Does the model's structure decide it?": the structure switches' role.

For each discrete structural input (``structure.csv``: a variant's switch, the bargaining
theory): the winner for each of its values, the value of learning which holds (headline
value of information) and its Sobol indices for the choice. Every number comes from the
tables.
"""

from __future__ import annotations

import math

import pandas as pd

from agi_interventions.narrative.common import has_exact
from agi_interventions.parameters import indicator_name, label
from agi_interventions.report.formatting import fmt_num, fmt_pct
from agi_interventions.structure import THEORY_INPUT


def _winner_text(rows: pd.DataFrame) -> tuple[str, str]:
    """Return the winner of one state and its numbers, e.g. ``Alignment (mean …, P(best) …)``."""
    winner = str(rows["winner"].iloc[0])
    row = rows.set_index("intervention").loc[winner]
    exact = math.isfinite(float(row["mean_exact"]))
    mean = row["mean_exact"] if exact else row["mean"]
    which = "exact mean" if exact else "mean"
    return winner, f"{label(winner)} ({which} {fmt_num(mean)}, P(best) {fmt_pct(row['p_best'])})"


def _resolved(rows: pd.DataFrame) -> bool:
    """Whether one state's winner is settled: exact means, or 95% intervals that separate it.

    With Monte Carlo means the winner counts as best only where its interval lies above every
    other intervention's (a sufficient, conservative test: the table has no paired intervals).
    """
    winner = str(rows["winner"].iloc[0])
    by = rows.set_index("intervention")
    if math.isfinite(float(by.loc[winner, "mean_exact"])):
        return True
    low = float(by.loc[winner, "mean_ci_low"])
    highs = by.drop(index=winner)["mean_ci_high"].astype(float)
    return math.isfinite(low) and bool(highs.map(math.isfinite).all()) and low > highs.max()


def _input_text(name: str) -> str:
    """How a discrete structural input is named: a variant, or the bargaining theory."""
    return "the bargaining theory" if name == THEORY_INPUT else f"the {name} variant"


def structure_sentences(
    structure: pd.DataFrame,
    always: list[str],
    voi: pd.DataFrame | None = None,
    sobol_decision: pd.DataFrame | None = None,
    winner: str | None = None,
) -> list[str]:
    """Say whether the model's structure decides the choice, input by input.

    Parameters
    ----------
    structure
        ``structure.csv``: the ranking for each value of each discrete structural input (a
        switch: whether its variant holds; the bargaining theory: each theory).
    always
        Variants that always hold in this worldview.
    voi
        ``value_of_information.csv`` (headline values), or None without the decision
        analysis.
    sobol_decision
        ``sobol_decision.csv``, or None.
    winner
        The overall winner by mean (names the indicator ``best_is_<winner>``).

    Returns
    -------
    list of str
        Sentences, every number from the tables.
    """
    out: list[str] = []
    if always:
        out.append(
            f"In this worldview {', '.join(always)} always "
            f"hold{'s' if len(always) == 1 else ''} (probability 1): "
            "a fixed part of the model, not a source of uncertainty."
        )
    if structure.empty:
        if not always:
            out.append("This worldview states no structural uncertainty.")
        return out
    decisive, unsettled = [], []
    for name, rows in structure.groupby("input", sort=False):
        states = list(dict.fromkeys(rows["state"]))
        texts, winners, open_states = [], [], []
        for state in states:
            state_rows = rows.loc[rows["state"] == state]
            win, text = _winner_text(state_rows)
            probability = float(state_rows["probability"].iloc[0])
            winners.append(win)
            texts.append(f"where {_state_text(name, state)} (probability {probability:g}), {text}")
            if not _resolved(state_rows):
                open_states.append(_state_text(name, state))
        subject = _input_text(name)
        differ = len(set(winners)) > 1
        if not open_states:
            if differ:
                decisive.append(subject)
                out.append(
                    f"The best intervention depends on {subject}: " + "; ".join(texts) + "."
                )
            else:
                out.append(
                    f"{label(winners[0])} is best whatever {subject}: " + "; ".join(texts) + "."
                )
        else:
            unsettled.append(subject)
            where = " and where ".join(open_states)
            if differ:
                out.append(
                    f"By mean, the best intervention differs with {subject}: "
                    + "; ".join(texts)
                    + f". But where {where}, the leader's 95% Monte Carlo interval overlaps "
                    f"another intervention's, so the sample does not settle whether {subject} "
                    "decides the choice."
                )
            else:
                out.append(
                    f"{label(winners[0])} has the highest mean whatever {subject}: "
                    + "; ".join(texts)
                    + f". But where {where}, its 95% Monte Carlo interval overlaps another "
                    "intervention's, so the sample does not show that it is best there."
                )
        out.extend(_value_sentence(name, voi))
        out.extend(_sobol_sentence(name, sobol_decision, winner))
    if decisive:
        lead = (
            "The model's structure decides the choice: the best intervention depends on "
            f"{' and '.join(decisive)}."
        )
    elif unsettled:
        lead = (
            "The sample does not settle whether the model's structure decides the choice: "
            f"under {' and '.join(unsettled)} the leading intervention's lead is within its "
            "Monte Carlo error."
        )
    else:
        lead = (
            "The model's structure does not decide the choice: the same intervention is best "
            "whatever the structure."
        )
    out.insert(1 if always else 0, lead)
    return out


def _state_text(name: str, state: str) -> str:
    if name == THEORY_INPUT:
        return f"the theory is {state}"
    return f"it {state}"


def _value_sentence(name: str, voi: pd.DataFrame | None) -> list[str]:
    if voi is None or voi.empty:
        return []
    row = voi.loc[(voi["kind"] == "parameter") & (voi["name"] == name)]
    evpi = voi.loc[voi["kind"] == "evpi"]
    if row.empty or evpi.empty:
        return []
    r = row.iloc[0]
    value, total = float(r["headline"]), float(evpi["headline"].iloc[0])
    method = str(r["method"])
    if not bool(r["resolved"]):
        return [
            f"The value of learning {_input_text(name)} is not resolved at this sample size "
            f"({fmt_num(value)}, 95% interval {fmt_num(r['headline_low'])} to "
            f"{fmt_num(r['headline_high'])}, {method})."
        ]
    if value <= 0.0:
        return [
            f"Learning {_input_text(name)} is worth nothing for this choice (its value of "
            f"information is 0, {method})."
        ]
    share = f" ({fmt_pct(value / total)} of the value of perfect information)" if total else ""
    return [f"Learning {_input_text(name)} is worth {fmt_num(value)}{share}, {method}."]


def _sobol_sentence(
    name: str, sobol_decision: pd.DataFrame | None, winner: str | None
) -> list[str]:
    if sobol_decision is None or sobol_decision.empty or winner is None:
        return []
    output = indicator_name(winner)
    row = sobol_decision.loc[
        (sobol_decision["output"] == output) & (sobol_decision["parameter"] == name)
    ]
    if row.empty:
        return []
    exact = has_exact(row, "ST_exact")
    s1 = float(row["S1_exact" if exact else "S1"].iloc[0])
    st = float(row["ST_exact" if exact else "ST"].iloc[0])
    if not (math.isfinite(s1) and math.isfinite(st)):
        return []
    which = "exact " if exact else ""
    return [
        f"Of the variance of the indicator that {label(winner)} is the per-draw best, "
        f"{_input_text(name)} explains {fmt_pct(max(s1, 0.0))} alone and "
        f"{fmt_pct(max(st, 0.0))} with its interactions ({which}S1 and ST)."
    ]
