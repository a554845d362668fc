"""Sentences of the headline, the pairwise lead, the alignment channels and the diagnostics.

The headline names the winner by mean (exact mean where the ranking table has one), its lead
over the runner-up with the paired interval from ``pairwise.csv`` and its probability of being
best; the channel sentences split the mean alignment value; the diagnostics sentences count
inconsistent samples and non-finite outputs.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from agi_interventions.narrative.common import has_exact, join, winner
from agi_interventions.parameters import ALIGNMENT_CHANNELS, display, label
from agi_interventions.report.formatting import fmt_count, fmt_interval, fmt_num, fmt_pct


def _name(row: pd.Series) -> str:
    return display(str(row["intervention"]))


def _pair(pairwise: pd.DataFrame | None, first: str, second: str) -> pd.Series | None:
    if pairwise is None or pairwise.empty:
        return None
    hit = pairwise.loc[(pairwise["intervention"] == first) & (pairwise["other"] == second)]
    return None if hit.empty else hit.iloc[0]


# ----------------------------------------------------------------------------- headline


def is_tie(ranking: pd.DataFrame) -> bool:
    """Whether the top two interventions have exactly equal means."""
    key = "mean_exact" if has_exact(ranking, "mean_exact") else "mean"
    means = ranking[key].sort_values(ascending=False).to_numpy()
    return len(means) >= 2 and means[0] == means[1]


def headline_title(ranking: pd.DataFrame) -> str:
    """Return the report's first line: the winner by mean, or that the interventions are tied."""
    if ranking.empty:
        return "No intervention was evaluated."
    if is_tie(ranking):
        return "The interventions are tied."
    return f"Highest mean marginal value: {label(winner(ranking))}"


def headline_sentences(ranking: pd.DataFrame, pairwise: pd.DataFrame | None) -> list[str]:
    """Give the order of the interventions by mean, in the sample, by P(best), by median.

    The order is decided by exact means where the ranking table has them, and every number
    quoted for that order is exact; sample means are quoted only as the sample's, with their
    intervals (a dagger-flagged interval is said to be unreliable).

    Parameters
    ----------
    ranking
        ``ranking.csv`` (any row order); ``mean_exact`` is used where present.
    pairwise
        ``pairwise.csv``; its paired differences give the interval of the lead in the sample.

    Returns
    -------
    list of str
        Sentences, every number taken from the tables.
    """
    if ranking.empty:
        return ["The ranking table is empty: no intervention was evaluated."]
    exact = has_exact(ranking, "mean_exact")
    key = "mean_exact" if exact else "mean"
    r = ranking.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)
    w = r.iloc[0]
    win = _name(w)
    if len(r) == 1:
        return [f"Only {win} was evaluated: mean marginal value {fmt_num(w[key])}."]
    ru = r.iloc[1]
    run = _name(ru)
    if is_tie(ranking):
        return [
            f"The interventions are tied: {win} and {run} have the same mean marginal value, "
            f"{fmt_num(w[key])}, so the ranking cannot favour either."
        ]
    out = []
    if exact:
        out.append(
            f"By exact mean, {win} ({fmt_num(w['mean_exact'])}) leads {run} "
            f"({fmt_num(ru['mean_exact'])})."
        )
        sample = (
            f"In this sample the means are {fmt_num(w['mean'])} for {win} and "
            f"{fmt_num(ru['mean'])} for {run}"
        )
        if w["mean"] < ru["mean"]:
            sample += (
                ": the sample orders them the other way, Monte Carlo noise the exact means remove"
            )
        out.append(sample + ".")
    else:
        out.append(
            f"By mean in the sample, {win} ({fmt_num(w['mean'])}, 95% interval "
            f"{fmt_interval(w['mean_ci_low'], w['mean_ci_high'])}) leads {run} "
            f"({fmt_num(ru['mean'])}, {fmt_interval(ru['mean_ci_low'], ru['mean_ci_high'])})."
        )
        pair = _pair(pairwise, w["intervention"], ru["intervention"])
        if pair is not None:
            flag = pair.get("mean_difference_flag")
            low, high = pair["mean_difference_ci_low"], pair["mean_difference_ci_high"]
            if isinstance(flag, str) and flag and flag != "nan":
                verdict = (
                    "but the draws' tails are too heavy for its interval to hold, so the sample "
                    "cannot be said to order them"
                )
            elif low > 0 or high < 0:
                verdict = "the interval excludes zero: the order is beyond Monte Carlo error"
            else:
                verdict = "the interval includes zero: this sample cannot order the two means"
            out.append(
                f"The paired difference is {fmt_num(pair['mean_difference'])} (95% interval "
                f"{fmt_interval(low, high)}); {verdict}."
            )
    out.append(
        f"{win} is the best of the {len(r)} interventions in {fmt_pct(w['p_best'])} of prior "
        f"draws (95% interval "
        f"{fmt_interval(w['p_best_ci_low'], w['p_best_ci_high'], percent=True)})."
    )
    likely = r.loc[r["p_best"].idxmax()]
    if likely["intervention"] != w["intervention"]:
        out.append(
            f"The mean and the probability of being best disagree: {_name(likely)} is best "
            f"in the largest share of draws, {fmt_pct(likely['p_best'])}."
        )
    if "median" in r.columns and r["median"].notna().any():
        by_median = r.loc[r["median"].idxmax()]
        if by_median["intervention"] != w["intervention"]:
            out.append(
                f"By median rather than mean, {_name(by_median)} leads "
                f"({fmt_num(by_median['median'])} against {fmt_num(w['median'])})."
            )
    if "q05" in r.columns and "q95" in r.columns:
        out.append(
            f"Across the prior, {win}'s marginal value runs from {fmt_num(w['q05'])} to "
            f"{fmt_num(w['q95'])} (5% and 95% quantiles of the draws)."
        )
    return out


# ----------------------------------------------------------------------------- channels


def channel_sentences(values: pd.DataFrame | None) -> list[str]:
    """How the mean alignment value splits over its three channels."""
    keys = list(ALIGNMENT_CHANNELS)
    if values is None or any(k not in values.columns for k in keys):
        return []
    frame = values[keys].to_numpy(dtype=np.float64)
    frame = frame[np.isfinite(frame).all(axis=1)]
    if not len(frame):
        return []
    means = frame.mean(axis=0)
    total = float(means.sum())
    parts = [f"{label(k)} {fmt_num(m)}" for k, m in zip(keys, means, strict=True)]
    biggest = int(np.argmax(np.abs(means)))
    magnitude = float(np.abs(means).sum())
    share = abs(means[biggest]) / magnitude if magnitude > 0 else math.nan
    return [
        f"Over {fmt_count(len(frame))} draws, the mean alignment value {fmt_num(total)} splits "
        f"into {join(parts)}.",
        f"The largest channel in magnitude is {label(keys[biggest])}, {fmt_pct(share)} of the "
        "sum of the channels' absolute means.",
    ]


# ----------------------------------------------------------------------------- diagnostics


def diagnostics_sentences(
    diagnostics: pd.DataFrame, ranking: pd.DataFrame, consistent_by_construction: bool
) -> list[str]:
    """Inconsistent samples and non-finite outputs, over the independent draws."""
    d = diagnostics
    scope = None
    if "scope" in d.columns:
        scopes = list(dict.fromkeys(d["scope"]))
        scope = "independent draws" if "independent draws" in scopes else scopes[0]
        d = d.loc[d["scope"] == scope]
    what = scope or "samples"
    sentences = []
    inc = d.loc[d["check"] == "inconsistent"]
    if not inc.empty:
        row = inc.iloc[0]
        sentences.append(
            f"{fmt_count(row['count'])} of {fmt_count(row['total'])} {what} "
            f"({fmt_pct(row['share'])}) describe an impossible population: at least one "
            "consistency condition fails, so the rest of the world would need a negative share."
        )
    if consistent_by_construction:
        sentences.append(
            "This worldview's priors describe the rest of the world (the rest_of_world "
            "variant), so every draw is consistent by construction."
        )
    if not inc.empty and "inconsistent_share_of_mean" in ranking and int(inc["count"].iloc[0]):
        parts = [
            f"{display(o)} {fmt_pct(s)}"
            for o, s in zip(
                ranking["intervention"], ranking["inconsistent_share_of_mean"], strict=True
            )
        ]
        sentences.append(f"Their share of each mean: {join(parts)}.")
    sentences.append(
        "Nothing was dropped for being inconsistent: such draws are counted here and kept in "
        "every result; the decision card gives the answer among possible populations beside "
        "the full one where they matter."
    )
    nonfinite = d.loc[d["check"].astype(str).str.startswith("nonfinite:")]
    bad = nonfinite.loc[nonfinite["count"] > 0]
    if not nonfinite.empty and bad.empty:
        sentences.append("No output was NaN or infinite, so every statistic uses every draw.")
    elif not bad.empty:
        parts = [
            f"{label(c.partition(':')[2])} {fmt_count(n)}"
            for c, n in zip(bad["check"], bad["count"], strict=True)
        ]
        text = f"Non-finite values among the {what}: {join(parts)}. They cannot enter a mean"
        if "n" in ranking.columns and not ranking.empty:
            text += (
                f"; the ranking uses the {fmt_count(ranking['n'].iloc[0])} draws in which all "
                "marginal values are finite"
            )
        sentences.append(text + ".")
    return sentences
