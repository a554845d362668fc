"""Sentences of "Does the choice survive risk aversion?": the winner under each risk rule.

The winners come from ``risk.csv`` (every rule at its presets); the risk levels at which the
winner changes come from :func:`agi_interventions.risk.switching_risk_level` on the same draws.
"""

from __future__ import annotations

import math

import pandas as pd

from agi_interventions.narrative.budget import RISK_RULES, RISK_SETTINGS
from agi_interventions.narrative.common import join
from agi_interventions.parameters import INTERVENTIONS, display


def _rule_name(rule: str, setting: float) -> str:
    name = RISK_RULES.get(rule, rule)
    if not (isinstance(setting, float) and math.isnan(setting)):
        name += f" ({RISK_SETTINGS.get(rule, 'setting')} = {setting:g})"
    return name


def risk_sentences(risk: pd.DataFrame, values: pd.DataFrame | None = None) -> list[str]:
    """Say whether the winner by expected value stays best under the risk-averse rules.

    Parameters
    ----------
    risk
        ``risk.csv``.
    values
        The interventions' values at the draws (for the switching risk levels); None to skip
        them.

    Returns
    -------
    list of str
        The winner by expected value and the rules under which another wins; where the
        winner changes along REU's ``p`` and WLU's ``c``; a caveat for flagged intervals.
    """
    from agi_interventions.risk import risk_sentence

    ev = risk.loc[risk["rule"] == "ev"]
    if ev.empty:
        return []
    base = str(ev["winner"].iloc[0])
    others = []
    for (rule, setting), sub in risk.groupby(["rule", "setting_value"], sort=False, dropna=False):
        winner = str(sub["winner"].iloc[0])
        if winner != base:
            others.append(f"{_rule_name(rule, setting)}: {display(winner)}")
    out = []
    if others:
        out.append(
            f"By expected value over the draws, {display(base)} is best; under "
            f"{len(others)} of the risk-averse rules another intervention wins: "
            + "; ".join(others)
            + "."
        )
    else:
        out.append(
            f"{display(base)} is best by expected value and stays best under every risk-averse "
            "rule at every preset (tail trimming, risk-weighted expected utility, weighted "
            "linear utility, ambiguity aversion)."
        )
    if values is not None:
        columns = [c for c in INTERVENTIONS if c in values]
        frame = values[columns]
        finite = frame.loc[pd.notna(frame).all(axis=1)]
        for rule in ("reu", "wlu"):
            out.append(risk_sentence(finite, rule, interventions=columns))
    flagged = sorted(
        {
            display(o)
            for o, f in zip(risk["intervention"], risk.get("flag", []), strict=False)
            if isinstance(f, str) and f and f != "nan"
        }
    )
    if flagged:
        out.append(
            f"The bootstrap intervals of {join(flagged)} under every rule but the trimmed mean "
            "cannot be trusted: their draws' tails are too heavy for this sample (marked † in "
            "the table)."
        )
    return out
