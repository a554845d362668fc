"""Sentences of the decision analysis: value of information, switching values, PRIM scenarios.

Where the exact engine supplied ``value_exact`` the sentences quote it; otherwise they quote the
regression estimates with their 95% intervals and call an EVPPI whose interval reaches zero
possibly worthless.
"""

from __future__ import annotations

import math

import pandas as pd

from agi_interventions.narrative.common import has_exact, join, winner
from agi_interventions.parameters import label, symbol
from agi_interventions.report.formatting import fmt_interval, fmt_num, fmt_pct
from agi_interventions.stats import Z95

#: Single parameters whose exact EVPPI is below this share of EVPI are called negligible.
NEGLIGIBLE_SHARE = 0.01


# ------------------------------------------------------------------------ value of information


def evppi_is_zero(row: pd.Series) -> bool:
    """Whether an EVPPI estimate's 95% interval reaches zero (the reported interval)."""
    return float(row["ci_low"]) <= 0.0


def value_of_information_sentences(
    voi: pd.DataFrame, ranking: pd.DataFrame, reason: str = ""
) -> list[str]:
    """EVPI, the beliefs most worth resolving, the best group and the negligible beliefs.

    Parameters
    ----------
    voi
        ``value_of_information.csv`` (``value, ci_low, ci_high`` and, where the exact engine
        applies, ``value_exact, se_exact``).
    ranking
        ``ranking.csv`` (for the winner and its mean).
    reason
        Why exact values are missing (empty when they are present).

    Returns
    -------
    list of str
        Sentences in reading order.
    """
    exact = has_exact(voi, "value_exact")
    win = winner(ranking)
    row = ranking.loc[ranking["intervention"] == win].iloc[0]
    win_mean = float(row["mean_exact"] if has_exact(ranking, "mean_exact") else row["mean"])
    evpi_row = voi.loc[voi["kind"] == "evpi"].iloc[0]
    if exact:
        evpi = float(evpi_row["value_exact"])
        evpi_text = (
            f"{fmt_num(evpi)} (exact conditional means; ± {fmt_num(Z95 * evpi_row['se_exact'])} "
            "from the Monte Carlo average over them)"
        )
    else:
        evpi = float(evpi_row["value"])
        evpi_text = (
            f"{fmt_num(evpi)} (95% MC CI {fmt_interval(evpi_row['ci_low'], evpi_row['ci_high'])})"
        )
    first = (
        f"The EVPI, the expected loss of committing now to {label(win)} rather than always "
        f"picking the per-draw best, is {evpi_text}"
    )
    first += f", {fmt_pct(evpi / abs(win_mean))} of its mean marginal value." if win_mean else "."
    sentences = [first]
    if evpi <= 0:
        sentences.append("No uncertainty here can change the choice: EVPI is zero.")
        return sentences
    params = voi.loc[voi["kind"] == "parameter"]
    groups = voi.loc[voi["kind"] == "group"]
    key = "value_exact" if exact else "value"
    params = params.sort_values(key, ascending=False, kind="stable")
    groups = groups.sort_values(key, ascending=False, kind="stable")
    if exact:
        useful = params.loc[params[key] >= NEGLIGIBLE_SHARE * evpi]
    else:
        useful = params.loc[[not evppi_is_zero(r) for _, r in params.iterrows()]]
    if len(useful):
        parts = [
            f"{symbol(r['name'])} ({fmt_pct(r[key] / evpi)} of EVPI)"
            for _, r in useful.head(3).iterrows()
        ]
        sentences.append("The single beliefs most worth resolving are " + join(parts) + ".")
    else:
        sentences.append(
            "No single parameter has an EVPPI distinguishable from zero: only learning several "
            "together would change the choice."
        )
    if len(groups):
        g = groups.iloc[0]
        sentences.append(
            f"Of the parameter groups, {g['name']} is worth most: {fmt_num(g[key])} "
            f"({fmt_pct(g[key] / evpi)} of EVPI)."
        )
    if exact:
        zero = [symbol(n) for n, v in zip(params["name"], params[key], strict=True) if v <= 0]
        small = [
            symbol(n)
            for n, v in zip(params["name"], params[key], strict=True)
            if 0 < v < NEGLIGIBLE_SHARE * evpi
        ]
        if zero:
            sentences.append(
                f"Learning {join(zero)} alone would never change the choice (EVPPI exactly 0)."
            )
        if small:
            sentences.append(
                f"Learning {join(small)} alone is worth less than {100 * NEGLIGIBLE_SHARE:g}% "
                "of EVPI."
            )
        sentences.append(
            "Single-parameter EVPPIs are exact, from the model's structure; group EVPPIs and "
            "EVPI have exact conditional means averaged over Monte Carlo draws. The regression "
            "estimates from the sample stand beside them in the table."
        )
    else:
        negligible = [symbol(r["name"]) for _, r in params.iterrows() if evppi_is_zero(r)]
        if negligible:
            sentences.append(
                f"For {join(negligible)}, the 95% interval of the EVPPI reaches zero: learning "
                "any of them alone may be worth nothing."
            )
        sentences.append(
            "These are regression estimates from the sample with 95% intervals (see the README "
            "for their measured coverage)"
            + (f"; exact values are not available because {reason}." if reason else ".")
        )
    return sentences


# ----------------------------------------------------------------------------- switching


def switching_sentences(
    switching: pd.DataFrame, voi: pd.DataFrame | None = None, limit: int = 6
) -> list[str]:
    """Where, along single parameters, the best intervention by conditional mean changes.

    Parameters
    ----------
    switching
        ``switching.csv`` (``method`` ``exact`` and/or ``monte carlo`` rows).
    voi
        ``value_of_information.csv``: when given, switches are listed in decreasing order of
        the parameter's EVPPI, and switches along parameters worth less than
        :data:`NEGLIGIBLE_SHARE` of EVPI are only counted.
    limit
        Most switches named per method.

    Returns
    -------
    list of str
        One sentence per method with switches, or one saying there are none.
    """
    method = (
        switching["method"]
        if "method" in switching
        else pd.Series("monte carlo", index=switching.index)
    )
    worth: dict[str, float] = {}
    evpi = math.nan
    if voi is not None:
        key = "value_exact" if has_exact(voi, "value_exact") else "value"
        worth = dict(zip(voi["name"], voi[key], strict=True))
        evpi = float(voi.loc[voi["kind"] == "evpi", key].iloc[0])
    sentences = []
    for kind, intro in (
        (
            "exact",
            "Exactly, from the model's structure, the best intervention by conditional mean "
            "changes where ",
        ),
        ("monte carlo", "In the sample, the best intervention by conditional mean changes where "),
    ):
        rows = switching.loc[method == kind]
        if rows.empty:
            continue
        minor = 0
        if worth:
            order = rows["parameter"].map(worth).fillna(0.0)
            rows = rows.assign(_worth=order).sort_values("_worth", ascending=False, kind="stable")
            small = rows["_worth"] < NEGLIGIBLE_SHARE * evpi
            minor = int(small.sum())
            rows = rows.loc[~small]
        parts = []
        for _, r in rows.head(limit).iterrows():
            text = (
                f"{symbol(r['parameter'])} passes {fmt_num(r['switch_value'])} (prior quantile "
                f"{fmt_pct(r['switch_quantile'])}): {label(r['from'])} → {label(r['to'])}"
            )
            if kind == "monte carlo":
                text += (
                    f", somewhere between quantiles {fmt_pct(r['bracket_low'])} and "
                    f"{fmt_pct(r['bracket_high'])}"
                )
            parts.append(text)
        notes = []
        if len(rows) > limit:
            notes.append(f"{len(rows) - limit} more in switching.csv")
        if minor:
            notes.append(
                f"{minor} more along parameters worth less than {100 * NEGLIGIBLE_SHARE:g}% of "
                "EVPI"
            )
        more = f" ({'; '.join(notes)})" if notes else ""
        if parts:
            sentences.append(intro + "; ".join(parts) + more + ".")
        else:
            sentences.append(
                f"{intro.rstrip()} only along parameters worth less than "
                f"{100 * NEGLIGIBLE_SHARE:g}% of EVPI{more}."
            )
    if not sentences:
        sentences.append(
            "Along no single parameter does the intervention with the highest conditional "
            "mean change by more than the Monte Carlo noise."
        )
    return sentences


# ----------------------------------------------------------------------------- PRIM


def scenario_sentences(boxes: pd.DataFrame, threshold: float) -> list[str]:
    """Each intervention's PRIM box, or that no region makes it reliably best.

    Parameters
    ----------
    boxes
        ``prim_boxes.csv``.
    threshold
        The density a box must reach to be reported as a region where an intervention is
        best.

    Returns
    -------
    list of str
        One sentence per intervention with a box.
    """
    sentences = []
    for intervention, box in boxes.groupby("intervention", sort=False):
        first = box.iloc[0]
        if first["density"] < threshold:
            sentences.append(
                f"No region found where {label(intervention)} is reliably best: the best box "
                f"PRIM found has density {fmt_pct(first['density'])}, below the required "
                f"{fmt_pct(threshold)}."
            )
            continue
        limits = [
            f"{symbol(r['parameter'])} in [{fmt_num(r['low'])}, {fmt_num(r['high'])}]"
            for _, r in box.iterrows()
            if isinstance(r["parameter"], str)
        ]
        where = f"with {'; '.join(limits)}" if limits else "over the whole prior"
        sentences.append(
            f"{label(intervention)} is the per-draw best in {fmt_pct(first['density'])} of draws "
            f"{where}; that region holds {fmt_pct(first['coverage'])} of all draws where it "
            "is best."
        )
    return sentences
