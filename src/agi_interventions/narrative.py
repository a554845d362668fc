"""Every sentence of the report, generated from the numbers in the result tables.

Nothing here is written about a particular worldview: each function takes tables and returns
sentences whose every number, ratio, ordering and verdict is computed from them. Where the
exact engine (:mod:`agi_interventions.exact`) supplied exact values (``*_exact`` columns), the
sentences quote those; Monte Carlo estimates that cannot be (an index outside [0, 1]) are never
quoted as findings. Numbers use :mod:`agi_interventions.report.formatting`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from agi_interventions.parameters import (
    ALIGNMENT_CHANNELS,
    OUTPUTS,
    PARAMETERS,
    REST_OF_WORLD,
    label,
)
from agi_interventions.report.formatting import fmt_count, fmt_interval, fmt_num, fmt_pct
from agi_interventions.sensitivity import flag_indices
from agi_interventions.stats import Z95

#: Single parameters whose exact EVPPI is below this share of EVPI are called negligible.
NEGLIGIBLE_SHARE = 0.01
#: ST half-widths above this make the Sobol sentence call the estimates rough.
ROUGH_SOBOL_CONF = 0.1


def symbol(name: str) -> str:
    """Return the post's symbol of a parameter (its key if it has none)."""
    spec = PARAMETERS.get(name) or REST_OF_WORLD.get(name)
    return spec.symbol if spec else name


def join(items: Sequence[str]) -> str:
    """Join with commas and a final "and"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def has_exact(frame: pd.DataFrame, column: str) -> bool:
    """Whether a table carries exact values in ``column`` (present and not all empty)."""
    return column in frame.columns and bool(frame[column].notna().any())


def winner(ranking: pd.DataFrame) -> str:
    """Return the winner by mean: by exact mean where the table has it, else by the sample mean."""
    key = "mean_exact" if has_exact(ranking, "mean_exact") else "mean"
    ordered = ranking.sort_values(key, ascending=False, kind="stable")
    return str(ordered["intervention"].iloc[0])


def _name(row: pd.Series) -> str:
    text = row.get("label")
    return text if isinstance(text, str) and text else label(str(row["intervention"]))


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
    """State the winner by mean, its lead over the runner-up and its probability of being best.

    Parameters
    ----------
    ranking
        ``ranking.csv`` (any row order); ``mean_exact`` is used where present.
    pairwise
        ``pairwise.csv``; its paired differences give the interval of the lead.

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
    mean_ci = fmt_interval(w["mean_ci_low"], w["mean_ci_high"])
    if len(r) == 1:
        return [f"Only {win} was evaluated: mean marginal value {fmt_num(w['mean'])} ({mean_ci})."]
    ru = r.iloc[1]
    run = _name(ru)
    if is_tie(ranking):
        return [
            f"The interventions are tied: {win} and {run} have the same mean marginal value, "
            f"{fmt_num(w[key])}, so the ranking cannot favour either."
        ]
    out = [
        f"{win} has the highest mean marginal value, {fmt_num(w['mean'])} (95% MC CI "
        f"{mean_ci}), ahead of the runner-up {run} at {fmt_num(ru['mean'])} "
        f"({fmt_interval(ru['mean_ci_low'], ru['mean_ci_high'])})."
    ]
    if exact:
        out.append(
            f"From the model's structure the exact means are {fmt_num(w['mean_exact'])} for "
            f"{win} and {fmt_num(ru['mean_exact'])} for {run}."
        )
        if w["mean"] < ru["mean"]:
            out.append(
                f"In this sample {run}'s mean is the higher one: Monte Carlo noise, which the "
                "exact means remove."
            )
    ratio = ""
    if w[key] > 0 and ru[key] > 0:
        which = "exact mean" if exact else "mean"
        ratio = f"; {win}'s {which} is {fmt_num(w[key] / ru[key])} times {run}'s"
    pair = _pair(pairwise, w["intervention"], ru["intervention"])
    if pair is not None and math.isfinite(float(pair.get("mean_difference_ci_low", np.nan))):
        low, high = pair["mean_difference_ci_low"], pair["mean_difference_ci_high"]
        verdict = (
            "the interval excludes zero, so the order of the two means is not Monte Carlo noise"
            if low > 0 or high < 0
            else "the interval includes zero, so this sample alone cannot tell the two means apart"
        )
        out.append(
            f"The lead in this sample is {fmt_num(pair['mean_difference'])} (95% MC CI of the "
            f"paired difference {fmt_interval(low, high)}){ratio}; {verdict}."
        )
    else:
        overlap = w["mean_ci_low"] <= ru["mean_ci_high"]
        verdict = (
            "the two means' 95% MC intervals overlap, so this sample may not separate them"
            if overlap
            else "the two means' 95% MC intervals do not overlap"
        )
        out.append(f"The lead is {fmt_num(w['mean'] - ru['mean'])}{ratio}; {verdict}.")
    out.append(
        f"{win} is the best of the {len(r)} interventions in {fmt_pct(w['p_best'])} of prior "
        f"draws (95% MC CI {fmt_interval(w['p_best_ci_low'], w['p_best_ci_high'], percent=True)})."
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
        flags = sub["flag"].fillna("") if "flag" in sub else flag_indices(sub)
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
                    f" {flagged} Monte Carlo estimate(s) in the table lie outside [0, 1] or "
                    "have ST below S1 (flagged): sampling noise, not findings."
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
                f"{flagged} estimate(s) lie outside [0, 1] or have ST below S1 (flagged in the "
                "table): sampling noise, not findings."
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
    diagnostics: pd.DataFrame, ranking: pd.DataFrame, parametrisation: str
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
    if parametrisation == "rest_of_world":
        sentences.append(
            "This worldview uses the rest_of_world parametrisation, which is consistent by "
            "construction."
        )
    sentences.append(
        "Nothing was dropped for being inconsistent: such samples are counted here and kept "
        "in every result."
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


# ----------------------------------------------------------------------------- error budget


def resolution_sentences(resolution: pd.DataFrame) -> list[str]:
    """Say, for everything the report leads with, whether N resolves it and which N would."""
    sentences = []
    for _, r in resolution.iterrows():
        criterion = str(r["criterion"])
        kind, _, detail = criterion.partition(":")
        if kind in ("mean", "p_best"):
            what = "mean marginal value" if kind == "mean" else "P(best)"
            first, second = label(r["first"]), label(r["second"])
            subject = f"By {what}, {first}"
            other = second
        elif kind == "evppi":
            what = "EVPPI"
            first, second = symbol(r["first"]), symbol(r["second"])
            subject = f"In the order of the beliefs most worth resolving ({detail}), {first}"
            other = second
        else:
            what = f"ST of {label(detail)}"
            first, second = symbol(r["first"]), symbol(r["second"])
            subject = f"As the largest driver of {label(detail)}, {first}"
            other = second
        if r.get("method") == "exact":
            sentences.append(
                f"{subject} comes before {other} exactly (values from the model's structure, "
                "no Monte Carlo error)."
            )
        elif r["resolved"]:
            sentences.append(
                f"{subject} is ahead of {other} beyond Monte Carlo error at "
                f"N = {fmt_count(r['n_base'])}."
            )
        elif not math.isfinite(float(r["n_base_needed"])):
            sentences.append(
                f"{subject} and {other} are tied by {what}; more samples cannot separate them."
            )
        else:
            sentences.append(
                f"{subject} is not separated from {other} at N = {fmt_count(r['n_base'])}; by "
                f"the 1/sqrt(N) scaling, N = {fmt_count(r['n_base_needed'])} would "
                "(set samples in the config)."
            )
    return sentences


# ----------------------------------------------------------------------------- robustness


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


def subsample_sentence(rows: int, total: int, what: str) -> str:
    """Say on how many of the draws a method ran."""
    if rows >= total:
        return f"{what} used all {fmt_count(total)} independent draws."
    return (
        f"{what} ran on a uniform subsample of {fmt_count(rows)} of the {fmt_count(total)} "
        "independent draws (their cost grows faster than the number of draws); the intervals "
        "reflect that sample size."
    )
