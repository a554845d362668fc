"""The decision card: the answer, its margin, impossible populations and the cruxes, first.

Every sentence is made from the tables: the winner by mean (exact mean where the engine gives
it) and by P(best), the lead over the runner-up, the share of draws and of each mean that
impossible populations carry (and the answer without them where they matter), and the three
beliefs most worth learning (the value-of-information table's headline values, resolved ones
only), each with the threshold along it where the best intervention changes, located in the
worldview's own prior.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from agi_interventions.narrative.common import has_exact, join
from agi_interventions.parameters import display, symbol
from agi_interventions.report.formatting import fmt_count, fmt_interval, fmt_num, fmt_pct

#: Impossible populations are shown beside the answer when they are at least this share of
#: the draws ...
IMPOSSIBLE_DRAWS_SHARE = 0.01
#: ... or carry at least this share of any intervention's mean.
IMPOSSIBLE_MEAN_SHARE = 0.05
#: Cruxes named on the card.
CRUXES = 3
#: Smallest share of the value of perfect information a belief must be worth to be a crux.
CRUX_FLOOR = 0.01


@dataclass
class DecisionCard:
    """The first screen of a report.

    Attributes
    ----------
    title
        One line: the answer.
    lines
        The winner by mean and by P(best), the margin, impossible populations.
    cruxes
        The beliefs most worth learning, each with where it flips the choice.
    notes
        Caveats (flags of the numbers quoted).
    """

    title: str
    lines: list[str] = field(default_factory=list)
    cruxes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _flag(value: object) -> str:
    return value if isinstance(value, str) and value and value != "nan" else ""


def _mean_column(ranking: pd.DataFrame) -> str:
    return "mean_exact" if has_exact(ranking, "mean_exact") else "mean"


def answer_lines(ranking: pd.DataFrame, pairwise: pd.DataFrame | None) -> tuple[str, list[str]]:
    """Return the title and the lines on the winner, P(best) and the lead.

    Parameters
    ----------
    ranking
        ``ranking.csv``.
    pairwise
        ``pairwise.csv`` (for the lead's interval where there are no exact means).

    Returns
    -------
    tuple
        The title and the sentences.
    """
    key = _mean_column(ranking)
    exact = key == "mean_exact"
    r = ranking.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)
    win, run = r.iloc[0], r.iloc[1]
    w, u = display(win["intervention"]), display(run["intervention"])
    which = "exact mean" if exact else "mean"
    if win[key] == run[key]:
        return "The interventions are tied by mean.", [
            f"{w} and {u} have the same {which} marginal value, {fmt_num(win[key])}."
        ]
    title = f"Best use of the next unit of effort: {w}"
    lines = []
    ratio = ""
    if win[key] > 0 and run[key] > 0:
        ratio = f", {fmt_num(win[key] / run[key])} times the runner-up {u}'s {fmt_num(run[key])}"
    else:
        ratio = f"; the runner-up {u}'s is {fmt_num(run[key])}"
    lines.append(
        f"By {which}, {w} is best: {fmt_num(win[key])} per unit of effort{ratio}"
        + (" (exact, from the model's structure)." if exact else ".")
    )
    if not exact and pairwise is not None and not pairwise.empty:
        pair = pairwise.loc[
            (pairwise["intervention"] == win["intervention"])
            & (pairwise["other"] == run["intervention"])
        ]
        if not pair.empty:
            p = pair.iloc[0]
            flag = _flag(p.get("mean_difference_flag"))
            low, high = p["mean_difference_ci_low"], p["mean_difference_ci_high"]
            if flag:
                lines.append(
                    f"The Monte Carlo interval of the lead cannot be trusted: the draws' tails "
                    f"are too heavy ({flag})."
                )
            elif low > 0:
                lines.append(
                    f"The lead, {fmt_num(p['mean_difference'])}, is beyond Monte Carlo error "
                    f"(95% interval {fmt_interval(low, high)})."
                )
            else:
                lines.append(
                    f"The lead, {fmt_num(p['mean_difference'])}, is within Monte Carlo error "
                    f"(95% interval {fmt_interval(low, high)}): this sample cannot order them."
                )
    likely = r.loc[r["p_best"].idxmax()]
    if likely["intervention"] == win["intervention"]:
        lines.append(
            f"{w} is also the best in the largest share of the worldview's draws: "
            f"{fmt_pct(likely['p_best'])} (P(best))."
        )
    else:
        lines.append(
            f"But {display(likely['intervention'])} is best in more draws: P(best) "
            f"{fmt_pct(likely['p_best'])} against {w}'s {fmt_pct(win['p_best'])}. A "
            "risk-neutral allocator follows the mean; see the risk-attitude section for rules "
            "that weigh the unlikely large values less."
        )
    return title, lines


def impossible_lines(
    ranking: pd.DataFrame, diagnostics: pd.DataFrame, consistent_by_construction: bool
) -> list[str]:
    """Say how many draws are impossible, and the answer without them where that matters.

    Parameters
    ----------
    ranking
        ``ranking.csv`` (``inconsistent_share_of_mean``, ``mean_consistent``, ...).
    diagnostics
        ``diagnostics.csv`` (the share of inconsistent independent draws).
    consistent_by_construction
        Whether the worldview's structure makes every draw possible.

    Returns
    -------
    list of str
        Empty where every draw is possible; otherwise the shares and, above
        :data:`IMPOSSIBLE_DRAWS_SHARE` of draws or :data:`IMPOSSIBLE_MEAN_SHARE` of a mean,
        the ranking among possible populations beside the full one.
    """
    if consistent_by_construction:
        return []
    row = diagnostics.loc[
        (diagnostics["check"] == "inconsistent") & (diagnostics["scope"] == "independent draws")
    ]
    if row.empty or int(row["count"].iloc[0]) == 0:
        return []
    count, total = int(row["count"].iloc[0]), int(row["total"].iloc[0])
    share = float(row["share"].iloc[0])
    key = _mean_column(ranking)
    ordered = ranking.sort_values(key, ascending=False, kind="stable")
    shares = {
        o: s
        for o, s in zip(
            ordered["intervention"], ordered["inconsistent_share_of_mean"], strict=True
        )
        if math.isfinite(s)
    }
    biggest = max(shares, key=lambda o: abs(shares[o])) if shares else None
    text = (
        f"{fmt_count(count)} of {fmt_count(total)} draws ({fmt_pct(share)}) describe impossible "
        "populations (the rest of the world would need a negative share)"
    )
    if biggest is not None:
        text += f"; they carry {fmt_pct(shares[biggest])} of {display(biggest)}'s mean"
    lines = [text + "."]
    matters = share >= IMPOSSIBLE_DRAWS_SHARE or any(
        abs(s) >= IMPOSSIBLE_MEAN_SHARE for s in shares.values()
    )
    if not matters or "mean_consistent" not in ranking:
        return lines
    consistent = ranking.sort_values("mean_consistent", ascending=False, kind="stable")
    c1, c2 = consistent.iloc[0], consistent.iloc[1]
    full_winner = ordered["intervention"].iloc[0]
    n = int(c1["n_consistent"])
    same = c1["intervention"] == full_winner
    lead = ""
    if c1["mean_consistent"] > 0 and c2["mean_consistent"] > 0:
        ratio = fmt_num(c1["mean_consistent"] / c2["mean_consistent"])
        lead = f", {ratio} times {display(c2['intervention'])}'s"
    lines.append(
        f"That is at least {fmt_pct(IMPOSSIBLE_DRAWS_SHARE)} of the draws or "
        f"{fmt_pct(IMPOSSIBLE_MEAN_SHARE)} of a mean, where the answer is checked without "
        "them."
    )
    lines.append(
        f"Among the {fmt_count(n)} possible populations only, "
        + (
            f"{display(full_winner)} is still best by mean ({fmt_num(c1['mean_consistent'])}"
            f"{lead})."
            if same
            else f"the answer changes: {display(c1['intervention'])} is best by mean "
            f"({fmt_num(c1['mean_consistent'])}{lead}), not {display(full_winner)}."
        )
        + " The rest_of_world structure (docs/model.md) states beliefs that are possible by "
        "construction."
    )
    return lines


def crux_lines(
    voi: pd.DataFrame, switching: pd.DataFrame | None, limit: int = CRUXES
) -> list[str]:
    """Name the beliefs most worth learning, with where each flips the choice.

    Parameters
    ----------
    voi
        ``value_of_information.csv`` (headline columns).
    switching
        ``switching.csv`` (exact rows preferred), or None.
    limit
        How many to name.

    Returns
    -------
    list of str
        One sentence per crux; one sentence saying none is resolved if so.
    """
    evpi_row = voi.loc[voi["kind"] == "evpi"].iloc[0]
    evpi = float(evpi_row["headline"])
    params = voi.loc[(voi["kind"] == "parameter") & voi["resolved"].astype(bool)]
    params = params.loc[params["headline"] > 0].sort_values(
        "headline", ascending=False, kind="stable"
    )
    if evpi <= 0:
        return [
            "No belief of this worldview can change the choice: perfect information is worth "
            "nothing (EVPI 0)."
        ]
    if params.empty:
        return [
            "No single belief is resolved as worth learning at this sample size (their "
            "value-of-information intervals reach 0 or are much wider than the values)."
        ]
    worth = params.loc[params["headline"] >= CRUX_FLOOR * evpi]
    if worth.empty:
        top = params.iloc[0]
        return [
            f"No single belief is worth {fmt_pct(CRUX_FLOOR)} of the value of perfect "
            f"information to learn (the most, {display(str(top['name']))}, "
            f"{fmt_num(top['headline'])}, {fmt_pct(top['headline'] / evpi)}): the choice "
            "turns on several beliefs together."
        ]
    out = []
    for _, r in worth.head(limit).iterrows():
        name = str(r["name"])
        exact = str(r["method"]) == "exact"
        value = (
            f"worth {fmt_num(r['headline'])} to learn ({fmt_pct(r['headline'] / evpi)} of the "
            f"value of perfect information{', exact' if exact else ''})"
        )
        out.append(f"{display(name)}: {value}. {threshold_text(name, switching)}")
    return out


def threshold_text(name: str, switching: pd.DataFrame | None) -> str:
    """Say where along one belief the best intervention changes, located in the prior."""
    if switching is None or switching.empty:
        return ""
    rows = switching.loc[switching["parameter"] == name]
    if "method" in rows and (rows["method"] == "exact").any():
        rows = rows.loc[rows["method"] == "exact"]
    if rows.empty:
        return (
            "Along it alone the best intervention by conditional mean never changes: it "
            "matters together with other beliefs."
        )
    rows = rows.sort_values("switch_value", kind="stable")
    first = rows.iloc[0]
    text = (
        f"If {symbol(name)} is below {fmt_num(first['switch_value'])} (you put "
        f"{fmt_pct(first['switch_quantile'])} of your belief there), {display(first['from'])} "
        f"is best; above it, {display(first['to'])}"
    )
    if len(rows) > 1:
        more = [
            f"at {fmt_num(r['switch_value'])} (quantile {fmt_pct(r['switch_quantile'])}) to "
            f"{display(r['to'])}"
            for _, r in rows.iloc[1:].iterrows()
        ]
        text += f"; it changes again {join(more)}"
    return text + "."


def decision_card(
    ranking: pd.DataFrame,
    pairwise: pd.DataFrame | None,
    diagnostics: pd.DataFrame,
    voi: pd.DataFrame | None,
    switching: pd.DataFrame | None,
    *,
    consistent_by_construction: bool,
) -> DecisionCard:
    """Build the decision card of a report from its tables.

    Parameters
    ----------
    ranking, pairwise, diagnostics
        The core tables.
    voi, switching
        The decision-analysis tables, or None without it.
    consistent_by_construction
        Whether every draw is a possible population.

    Returns
    -------
    DecisionCard
        The title, the answer's lines, the cruxes and the caveats.
    """
    title, lines = answer_lines(ranking, pairwise)
    lines += impossible_lines(ranking, diagnostics, consistent_by_construction)
    card = DecisionCard(title, lines)
    if voi is not None:
        card.cruxes = crux_lines(voi, switching)
    flagged = [
        display(o)
        for o, f in zip(ranking["intervention"], ranking.get("mean_ci_flag", []), strict=False)
        if _flag(f)
    ]
    if flagged and not has_exact(ranking, "mean_exact"):
        card.notes.append(
            f"The Monte Carlo means of {join(flagged)} rest on tails too heavy for this many "
            "draws: their intervals cannot be trusted (see the ranking table)."
        )
    return card
