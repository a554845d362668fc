"""Plain-language sentences generated from the decision analysis' numbers.

Every sentence is computed from the result tables; nothing is hand-written about a worldview.
"""

from __future__ import annotations

import pandas as pd

from agi_interventions.parameters import PARAMETERS, REST_OF_WORLD, label


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _pct(x: float) -> str:
    return f"{100 * x:.3g}%"


def _symbol(name: str) -> str:
    spec = PARAMETERS.get(name) or REST_OF_WORLD.get(name)
    return spec.symbol if spec else name


def _is_zero(value: float, se: float) -> bool:
    return value <= 1.959964 * se


def value_of_information_sentences(
    voi: pd.DataFrame, ranking: pd.DataFrame, loss: pd.DataFrame
) -> list[str]:
    """Describe EVPI, the most valuable parameters and groups, and the negligible ones.

    Parameters
    ----------
    voi
        ``value_of_information.csv``.
    ranking
        ``ranking.csv`` (for the winner and its mean).
    loss
        ``expected_loss.csv``.

    Returns
    -------
    list of str
        Sentences in reading order.
    """
    winner = ranking.sort_values("mean", ascending=False, kind="stable").iloc[0]
    evpi_row = voi.loc[voi["kind"] == "evpi"].iloc[0]
    evpi = float(evpi_row["value"])
    winner_loss = float(
        loss.set_index("intervention").loc[winner["intervention"], "expected_loss"]
    )
    sentences = [
        f"Committing now to the winner by mean, {label(winner['intervention'])}, loses "
        f"{_fmt(winner_loss)} per unit of effort in expectation against always picking the "
        "per-draw best; that "
        f"expected loss is the EVPI, {_fmt(evpi)} (± {_fmt(1.959964 * evpi_row['se'])}), "
        f"{_pct(evpi / abs(winner['mean']))} of the winner's mean marginal value."
        if winner["mean"] != 0
        else f"The EVPI is {_fmt(evpi)}."
    ]
    params = voi.loc[voi["kind"] == "parameter"].sort_values("value", ascending=False)
    groups = voi.loc[voi["kind"] == "group"].sort_values("value", ascending=False)
    if evpi <= 0:
        sentences.append("No uncertainty here can change the choice: EVPI is zero.")
        return sentences
    useful = params.loc[
        [not _is_zero(v, s) for v, s in zip(params["value"], params["se"], strict=True)]
    ]
    if len(useful):
        top = useful.head(3)
        parts = [
            f"{_symbol(r['name'])} ({_pct(r['value'] / evpi)} of EVPI)" for _, r in top.iterrows()
        ]
        sentences.append("The single beliefs most worth resolving are " + ", ".join(parts) + ".")
    else:
        sentences.append(
            "No single parameter has an EVPPI distinguishable from zero: only learning several "
            "together would change the choice."
        )
    if len(groups):
        g = groups.iloc[0]
        sentences.append(
            f"Of the parameter groups, {g['name']} is worth most: {_fmt(g['value'])} "
            f"({_pct(g['value'] / evpi)} of EVPI)."
        )
    negligible = [
        _symbol(r["name"]) for _, r in params.iterrows() if _is_zero(r["value"], r["se"])
    ]
    if negligible:
        sentences.append(
            "For "
            + ", ".join(negligible)
            + ", learning the parameter alone has an EVPPI within two standard errors of zero."
        )
    return sentences


def switching_sentences(switching: pd.DataFrame, limit: int = 6) -> list[str]:
    """Describe where, along single parameters, the best intervention changes."""
    if switching.empty:
        return [
            "Along no single parameter does the intervention with the highest conditional "
            "mean change by more than the Monte Carlo noise."
        ]
    rows = switching.head(limit)
    parts = [
        f"{_symbol(r['parameter'])} passes {_fmt(r['switch_value'])} "
        f"(prior quantile {_pct(r['switch_quantile'])}): {label(r['from'])} → {label(r['to'])}"
        for _, r in rows.iterrows()
    ]
    more = f" ({len(switching) - limit} more in switching.csv)" if len(switching) > limit else ""
    return ["The best intervention by conditional mean changes where " + "; ".join(parts) + more]


def scenario_sentences(boxes: pd.DataFrame) -> list[str]:
    """Describe each PRIM box in one sentence."""
    sentences = []
    for intervention, box in boxes.groupby("intervention", sort=False):
        first = box.iloc[0]
        limits = [
            f"{_symbol(r['parameter'])} in [{_fmt(r['low'])}, {_fmt(r['high'])}]"
            for _, r in box.iterrows()
            if isinstance(r["parameter"], str)
        ]
        where = (
            f"with {'; '.join(limits)}" if limits else "over the whole prior (PRIM found no box)"
        )
        sentences.append(
            f"{label(intervention)} is the per-draw best in {_pct(first['density'])} of draws "
            f"{where}; that region holds {_pct(first['coverage'])} of all draws where it "
            f"is best."
        )
    return sentences


def resolution_sentences(resolution: pd.DataFrame) -> list[str]:
    """Say whether N resolves the ranking and, if not, which N would."""
    sentences = []
    for _, r in resolution.iterrows():
        what = "mean marginal value" if r["criterion"] == "mean" else "P(best)"
        if r["resolved"]:
            sentences.append(
                f"By {what}, {label(r['first'])} is ahead of {label(r['second'])} beyond Monte "
                f"Carlo error at N = {int(r['n_base'])}."
            )
        elif r["n_base_needed"] == float("inf"):
            sentences.append(
                f"By {what}, {label(r['first'])} and {label(r['second'])} are tied; more samples "
                "cannot separate them."
            )
        else:
            sentences.append(
                f"By {what}, N = {int(r['n_base'])} does not separate {label(r['first'])} from "
                f"{label(r['second'])}; by the 1/sqrt(N) scaling, N = "
                f"{int(r['n_base_needed'])} would (set samples in the config)."
            )
    return sentences


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
        names = ", ".join(_symbol(p) for p in rows["parameter"])
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
