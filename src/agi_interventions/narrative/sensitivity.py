"""Sentences of the sensitivity sections: Sobol drivers and tail-robust rank agreement.

Exact Sobol indices are quoted where the table has them; Monte Carlo estimates flagged as
impossible are never quoted. The section on the beliefs that move the choice
(:func:`choice_sentences`) and the tail-robust section (:func:`asinh_scale_sentence`,
:func:`robustness_sentences`) also get their sentences from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from agi_interventions.io import text_column
from agi_interventions.narrative.common import has_exact, join
from agi_interventions.parameters import OUTPUTS, display, indicator_name, label, symbol
from agi_interventions.report.formatting import fmt_num, fmt_pct
from agi_interventions.sensitivity import flag_indices

#: ST half-widths above this make the Sobol sentence call the estimates rough.
ROUGH_SOBOL_CONF = 0.1


# ----------------------------------------------------------------------------- Sobol


def _ordered_outputs(names: Sequence[str]) -> list[str]:
    rank = {name: i for i, name in enumerate(OUTPUTS)}
    return sorted(dict.fromkeys(names), key=lambda o: rank.get(o, len(rank)))


def sobol_sentences(sobol: pd.DataFrame, top: int = 3) -> list[str]:
    """One sentence per output naming its largest total-effect drivers.

    Exact indices are quoted where the table has them; otherwise Monte Carlo estimates,
    leaving out those flagged as impossible (outside [0, 1], or ST below S1).

    Parameters
    ----------
    sobol
        A Sobol table (``output, parameter, S1, S1_conf, ST, ST_conf`` and optionally
        ``S1_exact, ST_exact, flag``).
    top
        How many drivers to name.

    Returns
    -------
    list of str
        Sentences in canonical output order.
    """
    out = []
    for output in _ordered_outputs(list(sobol["output"])):
        sub = sobol.loc[sobol["output"] == output]
        name = label(output)
        exact = has_exact(sub, "ST_exact") and sub["ST_exact"].notna().all()
        if not exact and sub[["S1", "ST"]].isna().all().all():
            out.append(f"{name}: indices unavailable because some values are not finite.")
            continue
        s1_col, st_col = ("S1_exact", "ST_exact") if exact else ("S1", "ST")
        if (sub[st_col].fillna(0.0) == 0.0).all() and (sub[s1_col].fillna(0.0) == 0.0).all():
            out.append(f"{name}: the output is constant over the prior; no parameter drives it.")
            continue
        flags = text_column(sub["flag"]) if "flag" in sub else flag_indices(sub)
        flagged = int((flags != "").sum())
        if exact:
            lead = sub.sort_values(st_col, ascending=False).head(top)
            parts = [
                f"{symbol(p)} (ST {fmt_num(st, 2)})"
                for p, st in zip(lead["parameter"], lead[st_col], strict=True)
            ]
            s1_sum = float(sub[s1_col].sum())
            text = f"{name}: the largest total effects (exact) are {join(parts)}. "
            text += f"First-order indices sum to {fmt_num(s1_sum, 2)}"
            text += (
                f", so interactions account for {fmt_pct(1.0 - s1_sum, 2)} of the variance."
                if s1_sum < 0.9
                else ", so the output is close to additive in the inputs."
            )
            if flagged:
                text += (
                    f" {flagged} Monte Carlo estimate(s) in the table are flagged (outside "
                    "[0, 1], ST below S1, or heavy tails): sampling noise, not findings."
                )
            out.append(text)
            continue
        valid = sub.loc[flags == ""]
        lead = valid.sort_values("ST", ascending=False, na_position="last").head(top)
        parts = [
            f"{symbol(p)} (ST {fmt_num(st, 2)} ± {fmt_num(c, 2)})"
            for p, st, c in zip(lead["parameter"], lead["ST"], lead["ST_conf"], strict=True)
        ]
        text = f"{name}: the largest total effects are {join(parts)}. " if parts else f"{name}: "
        s1 = sub["S1"]
        s1_sum = float(s1.sum())
        if flagged:
            text += (
                f"{flagged} estimate(s) are flagged in the table (outside [0, 1], ST below S1, "
                "or heavy tails): sampling noise, not findings."
            )
        elif 0.0 <= s1_sum <= 1.0:
            text += f"First-order indices sum to {fmt_num(s1_sum, 2)}"
            text += (
                f", so interactions account for roughly {fmt_pct(1.0 - s1_sum, 2)} of the "
                "variance."
                if s1_sum < 0.9
                else ", so the output is close to additive in the inputs."
            )
        if (sub["ST_conf"] > ROUGH_SOBOL_CONF).any():
            text += (
                f" Some intervals are wider than ±{ROUGH_SOBOL_CONF:g}, so these estimates "
                "are rough; a larger base sample N would sharpen them."
            )
        out.append(text.strip())
    return out


#: A parameter "dominates the spread" of the values when its ST reaches this for every
#: intervention ...
SCALE_ST = 0.3
#: ... while its ST on every relative difference stays below this.
CHOICE_ST = 0.05


def _top_drivers(sobol_decision: pd.DataFrame, output: str, top: int = 3) -> list[str]:
    sub = sobol_decision.loc[sobol_decision["output"] == output]
    flags = text_column(sub["flag"]) if "flag" in sub else pd.Series("", index=sub.index)
    sub = sub.loc[(flags == "") & sub["ST"].notna()]
    lead = sub.sort_values("ST", ascending=False, kind="stable").head(top)
    return [
        f"{display(p)} (ST {fmt_num(st, 2)} ± {fmt_num(c, 2)})"
        for p, st, c in zip(lead["parameter"], lead["ST"], lead["ST_conf"], strict=True)
        if st > 0
    ]


def choice_sentences(
    sobol_decision: pd.DataFrame,
    sobol: pd.DataFrame,
    voi: pd.DataFrame | None,
    winner: str,
    runner_up: str,
) -> list[str]:
    """Say what moves the choice, by indices of the choice itself, and what only scales it.

    Parameters
    ----------
    sobol_decision
        ``sobol_decision.csv``: the winner indicator and the relative differences.
    sobol
        ``sobol.csv``: the raw values (exact ST where the engine gives it).
    voi
        ``value_of_information.csv`` (headline values), or None.
    winner, runner_up
        The winner by mean and the runner-up.

    Returns
    -------
    list of str
        The drivers of the winner indicator, of the winner-vs-runner-up relative difference,
        and, for each parameter that dominates the spread of every value but not the choice, a
        sentence saying so.
    """
    out = []
    indicator = indicator_name(winner)
    drivers = _top_drivers(sobol_decision, indicator)
    if drivers:
        out.append(
            f"Whether {display(winner)} is the per-draw best depends most on {join(drivers)} "
            "(Sobol total indices of that yes/no indicator, Monte Carlo)."
        )
    pair = [o for o in sobol_decision["output"].unique() if o.startswith("rel:")]
    relative = next(
        (
            o
            for o in pair
            if {o[4:].partition("-")[0], o[4:].partition("-")[2]} == {winner, runner_up}
        ),
        None,
    )
    if relative is not None:
        drivers = _top_drivers(sobol_decision, relative)
        if drivers:
            out.append(
                f"How far apart {display(winner)} and {display(runner_up)} are, relative to "
                f"their size, depends most on {join(drivers)}."
            )
    exact = "ST_exact" in sobol and sobol["ST_exact"].notna().all()
    st = sobol.assign(value=sobol["ST_exact"] if exact else sobol["ST"])
    if not exact and "flag" in st:
        # a Monte Carlo index flagged as impossible or heavy-tailed is never quoted: a parameter
        # is said to drive every value only from indices that can be trusted for all of them
        trusted = st.loc[text_column(st["flag"]) == ""]
        outputs = st["output"].nunique()
        complete = trusted.groupby("parameter")["output"].nunique() == outputs
        st = trusted.loc[trusted["parameter"].map(complete).fillna(False).astype(bool)]
    by_parameter = st.groupby("parameter")["value"].min()
    rel = sobol_decision.loc[sobol_decision["output"].isin(pair)]
    rel_st = rel.groupby("parameter")["ST"].max()
    worth = {} if voi is None else dict(zip(voi["name"], voi["headline"], strict=True))
    for parameter, least in by_parameter.items():
        if least < SCALE_ST or rel_st.get(parameter, 1.0) >= CHOICE_ST:
            continue
        highest = float(st.loc[st["parameter"] == parameter, "value"].max())
        value = worth.get(parameter)
        evppi = f"; learning it is worth {fmt_num(value)}" if value is not None else ""
        share = max(float(rel_st.get(parameter, 0.0)), 0.0)
        share_text = "less than 0.1%" if share < 0.001 else f"at most {fmt_pct(share, 2)}"
        out.append(
            f"{display(parameter)} drives the spread of every marginal value (ST "
            f"{fmt_num(least, 2)} to {fmt_num(highest, 2)}{', exact' if exact else ''}) but "
            f"not the choice: it scales all three alike, and it explains {share_text} of the "
            f"variance of their relative differences{evppi}."
        )
    return out


# ----------------------------------------------------------------------------- robustness


def asinh_scale_sentence(scales: Mapping[str, float] | pd.Series) -> str:
    """Say why and how parameters are ranked by three methods, quoting the asinh scales.

    Parameters
    ----------
    scales
        Output name to the scale of its asinh transform (the median absolute value of the
        output), in the order to quote them; e.g. the ``asinh_scale`` column of
        ``sobol_asinh.csv``, one row per output, indexed by output.

    Returns
    -------
    str
        One paragraph; each scale is written to 3 significant digits in the report's number
        format, each output by its display name.
    """
    return (
        "Marginal values are products of uncertain factors and heavy-tailed, so variance-"
        "based indices can rest on a few draws. Each parameter is ranked by Sobol ST of "
        "the raw value, by Sobol ST of asinh(value / scale) with scale = "
        + "; ".join(f"{fmt_num(scale)} for {label(output)}" for output, scale in scales.items())
        + " (median absolute value), and by the PAWN moment-independent index."
    )


def robustness_sentences(comparison: pd.DataFrame, max_shift: int, top: int = 5) -> list[str]:
    """Name parameters whose importance rank depends on the sensitivity method.

    Parameters
    ----------
    comparison
        ``method_comparison.csv``.
    max_shift
        The rank shift beyond which a parameter is flagged.
    top
        Flagged parameters never ranked in the top ``top`` by any method are only counted:
        the order of unimportant parameters is noise.

    Returns
    -------
    list of str
        One sentence per output with flagged parameters.
    """
    rank_columns = [c for c in comparison.columns if c.startswith("rank_") and c != "rank_spread"]
    best_rank = comparison[rank_columns].min(axis=1)
    flagged = comparison.loc[comparison["flagged"] & (best_rank <= top)]
    minor = comparison.loc[comparison["flagged"] & (best_rank > top)]
    if flagged.empty and minor.empty:
        return [
            f"Every parameter's importance rank agrees within {max_shift} places across "
            "variance-based, log-transformed and moment-independent methods."
        ]
    sentences = []
    for output, rows in flagged.groupby("output", sort=False):
        names = join([symbol(p) for p in rows["parameter"]])
        sentences.append(
            f"For {label(output)}, the rank of {names} moves by more than {max_shift} places "
            "between methods: treat their variance-based ranking with caution (heavy tails)."
        )
    if len(minor):
        sentences.append(
            f"{len(minor)} further flags concern parameters outside every method's top {top}, "
            "whose order is noise-level."
        )
    return sentences
