"""Sentences of the comparison report, generated from the comparison's tables.

Every sentence takes the tables of :func:`agi_interventions.steps.comparison.compare` and
states only what their numbers say: which worldviews a choice wins under, what the pooled
belief and each rule for disagreement choose, what learning which worldview is right is
worth, and which swapped belief moves the answer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from agi_interventions.narrative.common import join
from agi_interventions.parameters import INTERVENTIONS, display, label
from agi_interventions.report.formatting import fmt_interval, fmt_num, fmt_pct

#: Share of a pooled mean above which one worldview is said to dominate it.
DOMINANT_SHARE = 0.5
#: A worldview's share of a pooled mean, over its credence, from which its stakes are said to
#: drive the pooled mean (rather than its credence).
STAKES_RATIO = 2.0
#: Shapley share of the relative lead below which an item is said to leave it unchanged.
NEGLIGIBLE_RELATIVE = 0.01


def _item_text(item: str) -> str:
    if item.startswith("structure:"):
        return f"the {item.split(':', 1)[1]} variant"
    return display(item)


def _resolved_winner(row: pd.Series) -> bool:
    """Whether a worldview's winner is beyond Monte Carlo error (always, when exact)."""
    if row["mean_method"] == "exact":
        return True
    means = {o: float(row[f"mean_{o}"]) for o in INTERVENTIONS}
    ordered = sorted(means, key=means.get, reverse=True)
    first, second = ordered[0], ordered[1]
    return float(row[f"mean_{first}_low"]) > float(row[f"mean_{second}_high"])


def verdict_sentences(comparison: pd.DataFrame, swaps: pd.DataFrame | None = None) -> list[str]:
    """Say under how many worldviews each option is best, and what flips the exceptions.

    Parameters
    ----------
    comparison
        ``comparison.csv``.
    swaps
        ``swaps.csv`` (or None): for a worldview whose winner differs from the reference's,
        the differences that flip the winner when swapped alone are named.

    Returns
    -------
    list of str
        The verdict first.
    """
    n = len(comparison)
    counts = comparison.groupby("winner", sort=False)["worldview"].apply(list)
    order = sorted(counts.index, key=lambda k: (-len(counts[k]), list(INTERVENTIONS).index(k)))
    parts = []
    for k in order:
        names = counts[k]
        if len(names) == n:
            parts.append(f"{label(k)} is best under all {n} worldviews")
        else:
            parts.append(f"{label(k)} is best under {len(names)} of {n} ({join(names)})")
    sentences = ["; ".join(parts) + "."]
    unresolved = [r["worldview"] for _, r in comparison.iterrows() if not _resolved_winner(r)]
    if unresolved:
        sentences.append(
            f"Under {join(unresolved)} the winner's lead is within Monte Carlo error, so that "
            "winner is not settled."
        )
    if swaps is None or swaps.empty:
        return sentences
    reference = str(swaps["reference"].iloc[0])
    ref_rows = comparison[comparison["worldview"] == reference]
    if ref_rows.empty:
        return sentences
    ref_winner = str(ref_rows["winner"].iloc[0])
    for _, row in comparison.iterrows():
        name, winner = str(row["worldview"]), str(row["winner"])
        if name == reference or winner == ref_winner:
            continue
        rows = swaps[(swaps["worldview"] == name) & swaps["kind"].isin(["parameter", "variant"])]
        flips = [_item_text(r["item"]) for _, r in rows.iterrows() if r["winner"] == winner]
        if flips:
            sentences.append(
                f"{label(winner)} wins under {name}; of its differences from {reference}, "
                f"{join(flips)} alone already make{'s' if len(flips) == 1 else ''} "
                f"{label(winner)} best when swapped into {reference}."
            )
        else:
            sentences.append(
                f"{label(winner)} wins under {name}, but no single difference from "
                f"{reference} makes it best on its own: only their combination does."
            )
    return sentences


def pooled_sentences(
    pooled: pd.DataFrame, comparison: pd.DataFrame, credences: Mapping[str, float]
) -> list[str]:
    """Say what the credence-weighted mixture chooses, and which worldview's stakes drive it.

    Parameters
    ----------
    pooled
        ``pooled.csv``.
    comparison
        ``comparison.csv`` (the worldviews' means).
    credences
        Normalised credence per worldview.

    Returns
    -------
    list of str
        The pooled winner with its mean (exact or with its interval), the option most often
        best, the worldview that contributes most of the winner's pooled mean where one
        contributes more than half, and the share of the variance between worldviews.
    """
    weights = ", ".join(f"{n} {fmt_pct(c)}" for n, c in credences.items())
    top = pooled.iloc[0]
    exact = top["mean_method"] == "exact"
    mean_text = (
        f"{fmt_num(top['mean'])} (exact)"
        if exact
        else f"{fmt_num(top['mean'])} {fmt_interval(top['mean_ci_low'], top['mean_ci_high'])}"
    )
    sentences = [
        f"Pooled by credence ({weights}), {top['label']} has the highest mean marginal value, "
        f"{mean_text}."
    ]
    if not exact and len(pooled) > 1 and top["mean_ci_low"] <= pooled.iloc[1]["mean_ci_high"]:
        sentences.append(
            f"Its lead over {pooled.iloc[1]['label']} is within Monte Carlo error "
            "(their intervals overlap)."
        )
    most = pooled.sort_values("p_best", ascending=False, kind="stable").iloc[0]
    if most["intervention"] != top["intervention"]:
        sentences.append(
            f"{most['label']} is best in more draws of the pooled belief "
            f"(P(best) {fmt_pct(most['p_best'])} against {fmt_pct(top['p_best'])}): the "
            f"pooled mean favours {top['label']} because of the size of its wins, not their "
            "frequency."
        )
    k = str(top["intervention"])
    by = comparison.set_index("worldview")
    contributions = {
        n: credences[n] * float(by.loc[n, f"mean_{k}"]) for n in credences if credences[n] > 0
    }
    total = float(top["mean"])
    if total > 0:
        name = max(contributions, key=contributions.get)
        share = contributions[name] / total
        if share > DOMINANT_SHARE and share >= STAKES_RATIO * credences[name]:
            sentences.append(
                f"Of that pooled mean, {fmt_pct(share)} comes from {name}, which has "
                f"{fmt_pct(credences[name])} of the credence: its stakes (the size of its "
                "means) are much larger than the others', so it weighs most in any "
                "expected-value pooling."
            )
    shares = pooled.dropna(subset=["between_share"])
    if not shares.empty:
        parts = [f"{r['label']} {fmt_pct(r['between_share'])}" for _, r in shares.iterrows()]
        sentences.append(
            "Share of each value's pooled variance that lies between worldviews (the rest is "
            f"uncertainty within them): {join(parts)}."
        )
    return sentences


_RULE_TEXT = {
    "expected value": "pooled expected value",
    "favourite worldview": "the favourite worldview",
    "maximin": "maximin (best worst case)",
    "minimax regret": "minimax regret",
}


def rule_sentences(rules: pd.DataFrame) -> list[str]:
    """Say what each rule for disagreement chooses and where they depart from expected value.

    Parameters
    ----------
    rules
        ``decision_rules.csv``.

    Returns
    -------
    list of str
        One sentence naming every rule's choice, and one saying which rules disagree with the
        pooled expected value (or that all agree).
    """
    by = rules.set_index("rule")
    parts = []
    for rule, row in by.iterrows():
        text = _RULE_TEXT.get(str(rule), str(rule))
        if rule == "favourite worldview":
            text = f"the favourite worldview ({row['detail']})"
        parts.append(f"{text} chooses {row['label']}")
    sentences = [join([p[0].upper() + p[1:] if i == 0 else p for i, p in enumerate(parts)]) + "."]
    if "expected value" not in by.index:
        return sentences
    pooled = by.loc["expected value", "choice"]
    differ = [r for r, row in by.iterrows() if row["choice"] != pooled]
    if not differ:
        sentences.append(
            f"Every rule agrees with the pooled expected value: {label(pooled)} does not hinge "
            "on how the disagreement between worldviews is weighed."
        )
        return sentences
    for choice in dict.fromkeys(by.loc[differ, "choice"]):
        rules_ = [r for r in differ if by.loc[r, "choice"] == choice]
        names = [
            f"the favourite worldview ({by.loc[r, 'detail']})"
            if r == "favourite worldview"
            else _RULE_TEXT.get(str(r), str(r))
            for r in rules_
        ]
        reasons = []
        for rule in rules_:
            row = by.loc[rule]
            if rule == "maximin":
                reasons.append(
                    f"its worst case (under {row['detail']}, {fmt_num(row['criterion'])}) beats "
                    f"{label(row['runner_up'])}'s ({fmt_num(row['runner_up_criterion'])})"
                )
            elif rule == "minimax regret":
                reasons.append(
                    f"its largest regret ({fmt_num(row['criterion'])}, under {row['detail']}) "
                    f"is below {label(row['runner_up'])}'s "
                    f"({fmt_num(row['runner_up_criterion'])})"
                )
        because = f": {'; '.join(reasons)}" if reasons else ""
        text = join(names)
        sentences.append(
            f"{text[0].upper() + text[1:]} choose{'s' if len(rules_) == 1 else ''} "
            f"{label(choice)} rather than the pooled expected value's {label(pooled)}{because}."
        )
    sentences.append("The answer depends on how the disagreement between worldviews is weighed.")
    return sentences


def value_sentences(pooled_voi: pd.DataFrame, top: int = 3) -> list[str]:
    """Say what learning which worldview is right is worth, and which shared beliefs matter.

    Parameters
    ----------
    pooled_voi
        ``pooled_value_of_information.csv``.
    top
        Shared beliefs named at most.

    Returns
    -------
    list of str
        The worldview label's value (with its share of the pooled EVPI), then the shared
        beliefs whose value is distinguishable from zero, highest first.
    """
    by = pooled_voi.set_index("name")
    sentences = []
    if "worldview" in by.index:
        row = by.loc["worldview"]
        value = float(row["value"])
        if str(row.get("flag", "") or "") not in ("", "nan"):
            sentences.append(
                f"Learning which worldview is right is worth {fmt_num(value)}, but its "
                f"interval cannot be trusted ({row['flag']})."
            )
        elif value <= 0:
            sentences.append(
                "Learning which worldview is right is worth nothing: the same option is best "
                "under every worldview's means."
            )
        else:
            interval = (
                " (exact)"
                if row["method"] == "exact"
                else f" {fmt_interval(row['low'], row['high'])}"
            )
            share = row.get("share_of_evpi", math.nan)
            share_text = (
                f", {fmt_pct(share)} of the pooled EVPI"
                if isinstance(share, float) and math.isfinite(share)
                else ""
            )
            sentences.append(
                f"Learning which worldview is right is worth {fmt_num(value)}{interval}"
                f"{share_text}."
            )
    params = pooled_voi[(pooled_voi["kind"] == "parameter") & (pooled_voi["low"] > 0)]
    params = params.sort_values("value", ascending=False, kind="stable").head(top)
    if params.empty:
        if (pooled_voi["kind"] == "parameter").any():
            sentences.append(
                "No belief that every worldview shares has a value of information "
                "distinguishable from zero under the pooled belief."
            )
        return sentences
    methods = set(params["method"])
    how = "exactly" if methods == {"exact"} else "by regression on the stored draws"
    parts = [f"{r['label']} ({fmt_num(r['value'])})" for _, r in params.iterrows()]
    sentences.append(
        f"Of the beliefs every worldview shares, the most valuable to learn under the pooled "
        f"belief ({how}) {'is' if len(parts) == 1 else 'are'} {join(parts)}."
    )
    return sentences


def swap_sentences(swaps: pd.DataFrame, worldview: str, top: int = 2) -> list[str]:
    """Say which differences from the reference move the lead under one worldview.

    Parameters
    ----------
    swaps
        ``swaps.csv``.
    worldview
        The worldview compared with the reference.
    top
        Items named at most.

    Returns
    -------
    list of str
        The change in the lead's ratio, the items with the largest Shapley shares of the
        change in the relative lead, and the items that change the lead's size but not its
        relative size (they rescale the stakes).
    """
    rows = swaps[swaps["worldview"] == worldview]
    if rows.empty:
        return []
    start = rows[rows["kind"] == "reference"].iloc[0]
    end = rows[rows["kind"] == "worldview"].iloc[0]
    items = rows[rows["kind"].isin(["parameter", "variant"])]
    first, second = str(start["lead_pair"]).split("-", 1)
    pair = f"{label(first)} over {label(second)}"
    reference = str(start["reference"])
    sentences = []
    if math.isfinite(start["ratio"]) and math.isfinite(end["ratio"]):
        sentences.append(
            f"From {reference} to {worldview}, the ratio of {pair} goes from "
            f"{fmt_num(start['ratio'])} to {fmt_num(end['ratio'])}; the relative lead "
            f"(difference over the sum of magnitudes) from {fmt_num(start['relative_lead'])} to "
            f"{fmt_num(end['relative_lead'])}."
        )
    else:
        sentences.append(
            f"From {reference} to {worldview}, the relative lead of {pair} (difference over "
            f"the sum of magnitudes) goes from {fmt_num(start['relative_lead'])} to "
            f"{fmt_num(end['relative_lead'])}."
        )
    shares = items.dropna(subset=["shapley_relative_lead"])
    if shares.empty:
        if len(items):
            sentences.append(
                f"The {len(items)} differences were not attributed ({items['method'].iloc[0]})."
            )
        return sentences
    ordered = shares.reindex(
        shares["shapley_relative_lead"].abs().sort_values(ascending=False).index
    )
    named = []
    for _, r in ordered.head(top).iterrows():
        se = float(r["shapley_relative_lead_se"])
        error = f" ± {fmt_num(1.96 * se)}" if se > 0 else ""
        named.append(f"{_item_text(r['item'])} ({fmt_num(r['shapley_relative_lead'])}{error})")
    sentences.append(f"The largest Shapley shares of that change come from {join(named)}.")
    total = float(np.nansum(np.abs(shares["shapley_lead"])))
    scale_only = [
        _item_text(r["item"])
        for _, r in shares.iterrows()
        if abs(r["shapley_relative_lead"]) < NEGLIGIBLE_RELATIVE
        and total > 0
        and abs(r["shapley_lead"]) > 0.2 * total
    ]
    if scale_only:
        sentences.append(
            f"{join(scale_only)} change{'s' if len(scale_only) == 1 else ''} the size of the "
            "lead but not its relative size: "
            f"{'it rescales' if len(scale_only) == 1 else 'they rescale'} the stakes, not the "
            "choice."
        )
    return sentences
