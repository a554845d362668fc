"""Sentences of the decision analysis: value of information, switching values, PRIM scenarios.

Where the exact engine supplied ``value_exact`` the sentences quote it; otherwise they quote the
regression estimates with their 95% intervals and call an EVPPI whose interval reaches zero
possibly worthless.
"""

from __future__ import annotations

import pandas as pd

from agi_interventions.narrative.common import has_exact, join, winner
from agi_interventions.parameters import display
from agi_interventions.report.formatting import fmt_interval, fmt_num, fmt_pct

#: Single parameters whose exact EVPPI is below this share of EVPI are called negligible.
NEGLIGIBLE_SHARE = 0.01


# ------------------------------------------------------------------------ value of information


#: How each estimator is named in sentences.
METHOD_TEXT = {
    "exact": "exact, from the model's structure",
    "exact conditional means, outer Monte Carlo": (
        "exact conditional means averaged over Monte Carlo draws of the beliefs"
    ),
    "nested Monte Carlo": "nested Monte Carlo, with its standard error",
    "regression": "regression on the sample",
}


def untrusted(row: pd.Series) -> bool:
    """Whether a headline of ``value_of_information.csv`` is flagged for heavy tails.

    Such a value (an outer Monte Carlo or nested Monte Carlo estimate whose ``flag`` gives
    the tail's ``k_hat``) cannot be trusted at all, unlike one merely not resolved because
    its interval reaches 0 or is wide (the flags that start with ``interval``).

    Parameters
    ----------
    row
        A row with ``resolved`` and ``flag``.

    Returns
    -------
    bool
        True for a heavy-tail flag.
    """
    flag = str(row.get("flag") or "")
    return (
        not bool(row["resolved"]) and flag not in ("", "nan") and not flag.startswith("interval")
    )


def _value_text(row: pd.Series) -> str:
    method = str(row["method"])
    value = f"{fmt_num(row['headline'])}"
    if method != "exact":
        value += f" (95% interval {fmt_interval(row['headline_low'], row['headline_high'])})"
    return value


def value_of_information_sentences(
    voi: pd.DataFrame, ranking: pd.DataFrame, reason: str = ""
) -> list[str]:
    """EVPI, the beliefs most worth learning, the groups and the beliefs worth nothing.

    Every number is a headline value of the table (``headline`` and its method: exact where
    the engine applies, else nested Monte Carlo, else regression), and only ``resolved``
    values are ranked or called the most valuable.

    Parameters
    ----------
    voi
        ``value_of_information.csv`` with its headline columns.
    ranking
        ``ranking.csv`` (for the winner and its mean).
    reason
        Why exact values are missing (empty when they are present).

    Returns
    -------
    list of str
        Sentences in reading order.
    """
    win = winner(ranking)
    row = ranking.loc[ranking["intervention"] == win].iloc[0]
    win_mean = float(row["mean_exact"] if has_exact(ranking, "mean_exact") else row["mean"])
    evpi_row = voi.loc[voi["kind"] == "evpi"].iloc[0]
    evpi = float(evpi_row["headline"])
    first = (
        "The value of perfect information (EVPI: the expected gain from learning every belief "
        f"before choosing, rather than choosing {display(win)} now) is {_value_text(evpi_row)}"
    )
    first += f", {fmt_pct(evpi / abs(win_mean))} of {display(win)}'s mean." if win_mean else "."
    sentences = [first]
    if not bool(evpi_row["resolved"]):
        sentences.append(f"It cannot be trusted at this sample size: {evpi_row['flag']}.")
    if evpi <= 0:
        sentences.append("No uncertainty here can change the choice: EVPI is zero.")
        return sentences
    params = voi.loc[voi["kind"] == "parameter"]
    resolved = params.loc[params["resolved"].astype(bool) & (params["headline"] > 0)]
    resolved = resolved.sort_values("headline", ascending=False, kind="stable")
    unresolved = params.loc[~params["resolved"].astype(bool)]
    heavy = unresolved.loc[[untrusted(r) for _, r in unresolved.iterrows()]]
    unresolved = unresolved.drop(index=heavy.index)
    if len(resolved):
        parts = [
            f"{display(r['name'])} ({fmt_pct(r['headline'] / evpi)} of EVPI)"
            for _, r in resolved.head(3).iterrows()
        ]
        lead = (  # beside values that cannot be trusted, "most worth learning" needs a scope
            "Of the single beliefs whose value can be trusted, the most worth learning are "
            if len(heavy)
            else "The single beliefs most worth learning are "
        )
        sentences.append(lead + join(parts) + ".")
    else:
        sentences.append(
            "No single belief has a value of information resolved above zero at this sample size."
        )
    if len(unresolved):
        sentences.append(
            f"For {join([display(n) for n in unresolved['name']])} the estimate is not "
            "resolved (its interval reaches 0 or is much wider than the value), so "
            f"{'they are' if len(unresolved) > 1 else 'it is'} not ranked."
        )
    if len(heavy):
        sentences.append(
            f"For {join([display(n) for n in heavy['name']])} the estimate cannot be trusted "
            "at this sample size (the draws it rests on have too heavy a tail), so "
            f"{'they are' if len(heavy) > 1 else 'it is'} not ranked."
        )
    zero = [
        display(r["name"])
        for _, r in params.iterrows()
        if str(r["method"]) == "exact" and r["headline"] <= 0
    ]
    if zero:
        sentences.append(
            f"Learning {join(zero)} alone would never change the choice (value of "
            "information exactly 0)."
        )
    sentences.extend(_group_sentences(voi.loc[voi["kind"] == "group"], evpi))
    methods = [m for m in METHOD_TEXT if m in set(voi["method"].astype(str))]
    sentences.append(
        "Methods: "
        + "; ".join(f"{_kinds(voi, m)} by {METHOD_TEXT[m]}" for m in methods)
        + (f". Exact values are not available because {reason}." if reason else ".")
    )
    return sentences


def _kinds(voi: pd.DataFrame, method: str) -> str:
    kinds = list(dict.fromkeys(voi.loc[voi["method"].astype(str) == method, "kind"]))
    names = {"evpi": "EVPI", "parameter": "single beliefs", "group": "groups"}
    return join([names[k] for k in kinds])


def _group_sentences(groups: pd.DataFrame, evpi: float) -> list[str]:
    """Name the group worth most, only if its interval separates it from the next.

    Groups whose value cannot be trusted (heavy tails, :func:`untrusted`) are named apart
    and take no part in the comparison.
    """
    if groups.empty:
        return []
    heavy = groups.loc[[untrusted(r) for _, r in groups.iterrows()]]
    out = []
    if len(heavy):
        names = join([display(n) for n in heavy["name"]])
        many = len(heavy) > 1
        out.append(
            f"The value{'s' if many else ''} of the group{'s' if many else ''} {names} cannot "
            f"be trusted at this sample size (the draws {'they rest' if many else 'it rests'} "
            f"on have too heavy a tail), so {'they are' if many else 'it is'} not compared."
        )
        groups = groups.drop(index=heavy.index)
        if groups.empty:
            return out
    return out + _compare_groups(groups, evpi)


def _compare_groups(groups: pd.DataFrame, evpi: float) -> list[str]:
    ordered = groups.sort_values("headline", ascending=False, kind="stable")
    top = ordered.iloc[0]
    if len(ordered) == 1:
        return [f"The group {display(top['name'])} is worth {_value_text(top)}."]
    second = ordered.iloc[1]
    separated = bool(top["resolved"]) and float(top["headline_low"]) > float(
        second["headline_high"]
    )
    if separated:
        return [
            f"Of the groups of beliefs, {display(top['name'])} is worth most: "
            f"{_value_text(top)}, {fmt_pct(top['headline'] / evpi)} of EVPI, ahead of "
            f"{display(second['name'])} ({fmt_num(second['headline'])}) beyond the estimates' "
            "error."
        ]
    overlap = float(top["headline_low"]) <= float(second["headline_high"])
    why = (
        "their intervals overlap"
        if overlap
        else f"{display(top['name'])}'s value is not resolved ({top['flag']})"
    )
    return [
        f"The groups {display(top['name'])} ({fmt_num(top['headline'])}) and "
        f"{display(second['name'])} ({fmt_num(second['headline'])}) lead, but {why}: this "
        "sample does not say which is worth more."
    ]


# ----------------------------------------------------------------------------- switching


def switching_sentences(switching: pd.DataFrame, voi: pd.DataFrame | None = None) -> list[str]:
    """Say how many switching values there are, along which beliefs, by which method.

    Parameters
    ----------
    switching
        ``switching.csv`` (``method`` ``exact`` or ``monte carlo`` rows).
    voi
        ``value_of_information.csv``: beliefs worth less than :data:`NEGLIGIBLE_SHARE` of
        EVPI (by headline value) are counted apart.

    Returns
    -------
    list of str
        One or two sentences; the switching-values table lists every switch.
    """
    if switching.empty:
        return [
            "Along no single belief does the intervention with the highest conditional mean "
            "change: each matters only together with others."
        ]
    exact = bool((switching["method"] == "exact").all())
    beliefs = list(dict.fromkeys(switching["parameter"]))
    text = (
        f"Along {len(beliefs)} single belief{'s' if len(beliefs) != 1 else ''} the "
        f"intervention with the highest conditional mean changes ({len(switching)} switching "
        f"value{'s' if len(switching) != 1 else ''}, "
        + (
            "exact, from the model's structure"
            if exact
            else "from the sample: each lies between the quantiles bracketing it"
        )
        + "); the table lists them, beliefs most worth learning first."
    )
    out = [text]
    if voi is not None:
        worth = dict(zip(voi["name"], voi["headline"], strict=True))
        evpi = float(voi.loc[voi["kind"] == "evpi", "headline"].iloc[0])
        minor = [b for b in beliefs if worth.get(b, 0.0) < NEGLIGIBLE_SHARE * evpi]
        if minor:
            count = int(switching["parameter"].isin(minor).sum())  # switching values, not beliefs
            out.append(
                f"{count} of them lie along beliefs worth less than "
                f"{100 * NEGLIGIBLE_SHARE:g}% of the value of perfect information: "
                f"{join([display(b) for b in minor])}."
            )
    return out


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
                f"No region found where {display(intervention)} is reliably best: the best box "
                f"PRIM found has density {fmt_pct(first['density'])}, below the required "
                f"{fmt_pct(threshold)}."
            )
            continue
        limits = [
            f"{display(r['parameter'])} in [{fmt_num(r['low'])}, {fmt_num(r['high'])}]"
            for _, r in box.iterrows()
            if isinstance(r["parameter"], str)
        ]
        where = f"with {'; '.join(limits)}" if limits else "over the whole prior"
        sentences.append(
            f"{display(intervention)} is the per-draw best in {fmt_pct(first['density'])} of "
            f"draws {where}; that region holds {fmt_pct(first['coverage'])} of all draws where it "
            "is best."
        )
    return sentences
