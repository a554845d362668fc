"""Sentences of "The bargaining game": which game, which theory, what it derives.

The game and its formulas are in ``docs/model.md`` (and ``docs/game.md``); the sentences say
which settings this worldview chose and summarise the utilities the game derived.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from agi_interventions.narrative.common import join
from agi_interventions.report.formatting import fmt_num, fmt_pct

#: How each theory is named.
THEORY_TEXT = {
    "coco": "the CoCo value (disagreement point from the optimal threats of the zero-sum game)",
    "nash": "a Nash equilibrium as the disagreement point",
    "correlated": "a correlated equilibrium as the disagreement point",
}
#: Who may punish, in words.
PUNISH_TEXT = {
    "none": "neither side has a Punish action",
    "V": "the coalition with our values can Punish",
    "notV": "the rest can Punish",
    "both": "both sides can Punish",
}


def game_sentences(settings: Mapping[str, Any], draws: pd.DataFrame) -> list[str]:
    """Describe the game's settings and the utilities it derived.

    Parameters
    ----------
    settings
        The worldview's bargaining settings (theory probabilities, punish, selections).
    draws
        The draws, with the derived ``U_B``, ``U_notB``, ``dUB_dFV``, ``dUnotB_dFV``.

    Returns
    -------
    list of str
        The theory (or the probabilities over theories), who may punish and the selection
        rules, and how often bargaining improves on the disagreement point for our values.
    """
    theory = {k: float(v) for k, v in dict(settings.get("theory", {})).items() if v > 0}
    if len(theory) == 1:
        theory_text = (
            f"The utilities come from the game bargained by {THEORY_TEXT[next(iter(theory))]}"
        )
    else:
        parts = [f"{name} {fmt_pct(p)}" for name, p in theory.items()]
        theory_text = (
            "The utilities come from the game bargained by a theory this worldview is unsure "
            f"of: {join(parts)} (an uncertain input of the analysis)"
        )
    out = [
        f"{theory_text}; {PUNISH_TEXT.get(settings.get('punish', 'none'), '')}; Nash equilibria "
        f"are selected {settings.get('nash_selection', '')}, correlated ones "
        f"{settings.get('correlated_selection', '')}."
    ]
    if {"U_B", "U_notB"} <= set(draws.columns):
        gap = (draws["U_B"] - draws["U_notB"]).to_numpy()
        out.append(
            f"Bargaining improves on the disagreement point for our values (U_B > U_¬B) in "
            f"{fmt_pct((gap > 0).mean())} of draws; the median improvement is "
            f"{fmt_num(float(pd.Series(gap).median()))}."
        )
    return out
