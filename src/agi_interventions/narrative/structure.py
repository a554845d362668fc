"""Sentences of "Does the model's structure decide it?": the structure switches' role.

For each switched variant (``structure.csv``): the winner where it holds and where it does
not, the value of learning which structure holds (its EVPPI, exact where the engine gives
it) and its Sobol indices for the choice. Every number comes from the tables.
"""

from __future__ import annotations

import math

import pandas as pd

from agi_interventions.narrative.common import has_exact
from agi_interventions.parameters import indicator_name, label
from agi_interventions.report.formatting import fmt_num, fmt_pct


def _winner_text(rows: pd.DataFrame) -> tuple[str, str]:
    """Return the winner of one state and its numbers, e.g. ``Alignment (mean …, P(best) …)``."""
    winner = str(rows["winner"].iloc[0])
    row = rows.set_index("intervention").loc[winner]
    exact = math.isfinite(float(row["mean_exact"]))
    mean = row["mean_exact"] if exact else row["mean"]
    which = "exact mean" if exact else "mean"
    return winner, f"{label(winner)} ({which} {fmt_num(mean)}, P(best) {fmt_pct(row['p_best'])})"


def structure_sentences(
    structure: pd.DataFrame,
    always: list[str],
    voi: pd.DataFrame | None = None,
    sobol_decision: pd.DataFrame | None = None,
    winner: str | None = None,
) -> list[str]:
    """Say whether the model's structure decides the choice, variant by variant.

    Parameters
    ----------
    structure
        ``structure.csv``: the ranking where each switched variant holds and where not.
    always
        Variants that always hold in this worldview.
    voi
        ``value_of_information.csv`` (with ``value_exact`` where the engine applies), or
        None without the decision analysis.
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
    decisive = []
    for variant, rows in structure.groupby("variant", sort=False):
        probability = float(rows["probability"].iloc[0])
        on, off = rows.loc[rows["holds"].astype(bool)], rows.loc[~rows["holds"].astype(bool)]
        if on.empty or off.empty:
            out.append(
                f"The {variant} variant holds with probability {fmt_num(probability)}, but "
                "the sample has too few draws on one side to compare."
            )
            continue
        win_on, text_on = _winner_text(on)
        win_off, text_off = _winner_text(off)
        if win_on != win_off:
            decisive.append(variant)
            out.append(
                f"The {variant} variant holds with probability {fmt_num(probability)} here. "
                f"Where it holds, {text_on} is best; where it does not, {text_off} is."
            )
        else:
            out.append(
                f"The {variant} variant holds with probability {fmt_num(probability)} here; "
                f"{label(win_on)} is best either way: where it holds, {text_on}; where it "
                f"does not, {text_off}."
            )
        out.extend(_value_sentence(variant, voi))
        out.extend(_sobol_sentence(variant, sobol_decision, winner))
    if decisive:
        out.insert(
            1 if always else 0,
            f"The model's structure decides the choice: the best intervention depends on "
            f"whether {' and '.join(decisive)} "
            f"hold{'s' if len(decisive) == 1 else ''}.",
        )
    else:
        out.insert(
            1 if always else 0,
            "The model's structure does not decide the choice: the same intervention is best "
            "whether or not each variant holds.",
        )
    return out


def _value_sentence(variant: str, voi: pd.DataFrame | None) -> list[str]:
    if voi is None or voi.empty:
        return []
    row = voi.loc[(voi["kind"] == "parameter") & (voi["name"] == variant)]
    evpi = voi.loc[voi["kind"] == "evpi"]
    if row.empty or evpi.empty:
        return []
    exact = has_exact(voi, "value_exact") and math.isfinite(float(row["value_exact"].iloc[0]))
    value = float(row["value_exact" if exact else "value"].iloc[0])
    total = float(evpi["value_exact" if exact else "value"].iloc[0])
    how = "exactly" if exact else "by the regression estimate"
    if value <= 0.0:
        return [
            f"Learning whether {variant} holds is worth nothing for this choice (its value of "
            f"information is {'exactly ' if exact else ''}0)."
        ]
    share = f" ({fmt_pct(value / total)} of the value of perfect information)" if total else ""
    return [f"Learning whether {variant} holds is worth {fmt_num(value)} {how}{share}."]


def _sobol_sentence(
    variant: str, sobol_decision: pd.DataFrame | None, winner: str | None
) -> list[str]:
    if sobol_decision is None or sobol_decision.empty or winner is None:
        return []
    output = indicator_name(winner)
    row = sobol_decision.loc[
        (sobol_decision["output"] == output) & (sobol_decision["parameter"] == variant)
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
        f"Of the variance of the indicator that {label(winner)} is the per-draw best, the "
        f"switch explains {fmt_pct(max(s1, 0.0))} alone and {fmt_pct(max(st, 0.0))} with its "
        f"interactions ({which}S1 and ST)."
    ]
