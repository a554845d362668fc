"""The comparison report: several worldviews side by side, pooled by credence, and swapped.

Rendered by the same template as a worldview's report (:mod:`agi_interventions.report.html`):
a decision card, then sections whose sentences come from
:mod:`agi_interventions.narrative.comparison` and whose tables are compact views of the
comparison's CSV files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from agi_interventions.narrative.comparison import (
    pooled_sentences,
    rule_sentences,
    swap_sentences,
    value_sentences,
    verdict_sentences,
)
from agi_interventions.parameters import INTERVENTIONS, display, label
from agi_interventions.report.formatting import fmt_interval, fmt_num, fmt_pct
from agi_interventions.report.html import ReportContext, ReportSection, render_report
from agi_interventions.report.tables import Table

#: Rows of the pooled value-of-information table shown (the CSV has them all).
VOI_ROWS = 10

#: Fixed definitions of the comparison's terms.
COMPARISON_GLOSSARY: dict[str, str] = {
    "Credence": (
        "How much weight a worldview gets in the pooled belief (config.yaml's credences, "
        "scaled to sum to one; equal when not given)."
    ),
    "Pooled belief": (
        "The credence-weighted mixture of the worldviews: a draw is a worldview picked with "
        "its credence, then a draw of its priors. Means and P(best) are credence-weighted "
        "averages of the worldviews' own."
    ),
    "Value of learning which worldview is right": (
        "sum_w c_w max_k mu_wk − max_k sum_w c_w mu_wk: what choosing after learning the "
        "worldview, rather than before, gains on average."
    ),
    "Share between worldviews": (
        "The part of a value's pooled variance due to the worldviews' different means, "
        "sum_w c_w (mu_wk − mu_k)², over the total (law of total variance)."
    ),
    "Favourite worldview": "The choice of the worldview with the highest credence.",
    "Maximin": "argmax_k min_w mu_wk: the option whose worst mean over the worldviews is best.",
    "Minimax regret": (
        "argmin_k max_w (max_j mu_wj − mu_wk): the option whose largest shortfall against the "
        "best option of any worldview is smallest."
    ),
    "Swap, Shapley share": (
        "A swap replaces one belief (a prior, or a structural variant's probability) of the "
        "reference worldview by another worldview's. A belief's Shapley share is the average "
        "change it makes over every order of swapping them all, so the shares add up to the "
        "whole change."
    ),
    "Relative lead": (
        "(x − y) / (|x| + |y|) for the two options compared: unchanged by a belief that scales "
        "every value alike."
    ),
}


def _mean_cell(row: pd.Series, option: str) -> str:
    mean = fmt_num(row[f"mean_{option}"])
    if row["mean_method"] == "exact":
        return mean
    return f"{mean} {fmt_interval(row[f'mean_{option}_low'], row[f'mean_{option}_high'])}"


def comparison_display(comparison: pd.DataFrame) -> Table:
    """``comparison.csv``: per worldview, credence, winner, P(best) of each option, EVPI."""
    headers = ["Worldview", "Credence", "Winner", *(label(o) for o in INTERVENTIONS), "EVPI"]
    rows = []
    for _, r in comparison.iterrows():
        evpi = r.get("evpi", math.nan)
        rows.append(
            [
                str(r["worldview"]),
                fmt_pct(r["credence"]),
                str(r["winner_label"]),
                *(fmt_pct(r[f"p_best_{o}"]) for o in INTERVENTIONS),
                fmt_num(evpi) if isinstance(evpi, float) and math.isfinite(evpi) else "–",
            ]
        )
    numeric = [False, True, False, True, True, True, True]
    return Table(
        headers,
        rows,
        numeric,
        caption="Winner by mean (exact where available), P(best) of each intervention, EVPI",
    )


def drivers_display(comparison: pd.DataFrame) -> Table:
    """``comparison.csv``: each worldview's most valuable beliefs to learn."""
    headers = ["Worldview", "1st", "2nd", "3rd"]
    rows = []
    for _, r in comparison.iterrows():
        cells = [str(r["worldview"])]
        for i in (1, 2, 3):
            name = r.get(f"driver_{i}", "")
            value = r.get(f"driver_{i}_value", math.nan)
            ok = isinstance(name, str) and name and name != "nan"
            cells.append(f"{display(name)} ({fmt_num(value)})" if ok else "–")
        rows.append(cells)
    return Table(
        headers,
        rows,
        [False, False, False, False],
        caption="Each worldview's beliefs most worth learning (EVPPI, resolved values only)",
    )


def means_display(comparison: pd.DataFrame) -> Table:
    """``comparison.csv``: per worldview, each option's mean (exact, or with its interval)."""
    headers = ["Worldview", "Means", *(label(o) for o in INTERVENTIONS)]
    rows = [
        [str(r["worldview"]), str(r["mean_method"]), *(_mean_cell(r, o) for o in INTERVENTIONS)]
        for _, r in comparison.iterrows()
    ]
    return Table(
        headers,
        rows,
        [False, False, True, True, True],
        caption="Mean marginal value: exact where the model's structure gives it, else with "
        "its 95% Monte Carlo interval",
    )


def pooled_display(pooled: pd.DataFrame) -> Table:
    """``pooled.csv``: the pooled ranking."""
    headers = ["Rank", "Intervention", "Pooled mean", "P(best)", "Share between worldviews"]
    rows = []
    for i, r in pooled.iterrows():
        mean = fmt_num(r["mean"])
        if r["mean_method"] != "exact":
            mean += " " + fmt_interval(r["mean_ci_low"], r["mean_ci_high"])
        rows.append(
            [
                str(i + 1),
                str(r["label"]),
                mean,
                f"{fmt_pct(r['p_best'])} "
                f"{fmt_interval(r['p_best_ci_low'], r['p_best_ci_high'], percent=True)}",
                fmt_pct(r["between_share"]),
            ]
        )
    return Table(headers, rows, [True, False, True, True, True], highlight=frozenset({0}))


def rules_display(rules: pd.DataFrame) -> Table:
    """``decision_rules.csv``: each rule's choice and criterion."""
    headers = ["Rule", "Choice", "Criterion (choice / runner-up)", "Where"]
    rows = [
        [
            str(r["rule"]),
            str(r["label"]),
            f"{fmt_num(r['criterion'])} / {fmt_num(r['runner_up_criterion'])}",
            str(r["detail"]) if isinstance(r["detail"], str) else "",
        ]
        for _, r in rules.iterrows()
    ]
    return Table(headers, rows, [False, False, True, False])


def voi_display(pooled_voi: pd.DataFrame, rows_shown: int = VOI_ROWS) -> Table:
    """``pooled_value_of_information.csv``: the most valuable things to learn."""
    headers = ["What is learnt", "Value [95% interval]", "Share of EVPI", "Method"]
    rows = []
    for _, r in pooled_voi.head(rows_shown).iterrows():
        value = fmt_num(r["value"])
        if r["method"] != "exact":
            value += " " + fmt_interval(r["low"], r["high"])
        share = r.get("share_of_evpi", math.nan)
        rows.append(
            [
                str(r["label"]),
                value,
                fmt_pct(share) if isinstance(share, float) and math.isfinite(share) else "–",
                str(r["method"]),
            ]
        )
    return Table(headers, rows, [False, True, True, False])


def swaps_display(swaps: pd.DataFrame, worldview: str) -> Table:
    """``swaps.csv`` for one worldview: each item swapped alone, and its Shapley share."""
    sub = swaps[swaps["worldview"] == worldview]
    headers = ["Swapped", "From → to", "Winner", "Ratio", "Shapley share (relative lead)"]
    rows = []
    for _, r in sub.iterrows():
        item = str(r["item"])
        if item.startswith("structure:"):
            item = f"{item.split(':', 1)[1]} variant"
        elif item not in ("(none)", "(all)"):
            item = display(item)
        share = r["shapley_relative_lead"]
        se = r["shapley_relative_lead_se"]
        share_text = "" if not math.isfinite(share) else fmt_num(share)
        if share_text and math.isfinite(se) and se > 0:
            share_text += f" ± {fmt_num(1.96 * se)}"
        rows.append(
            [
                item,
                "" if r["kind"] in ("reference", "worldview") else f"{r['before']} → {r['after']}",
                label(str(r["winner"])) if r["winner"] in INTERVENTIONS else "",
                fmt_num(r["ratio"]),
                share_text,
            ]
        )
    return Table(
        headers,
        rows,
        [False, False, False, True, True],
        caption=f"Beliefs of {worldview} swapped one at a time into the reference; means: "
        f"{sub['method'].iloc[0] if len(sub) else ''}",
    )


def overlay_parameters(tables: Mapping[str, pd.DataFrame], top: int = 6) -> list[str]:
    """Choose the beliefs whose priors the comparison overlays.

    Parameters
    ----------
    tables
        The comparison tables.
    top
        At most this many.

    Returns
    -------
    list of str
        Shared parameters with the highest pooled value of information, then each worldview's
        top drivers, then the swapped items with the largest Shapley shares.
    """
    names: list[str] = []
    voi = tables["pooled_value_of_information"]
    names += list(voi.loc[voi["kind"] == "parameter", "name"].head(3))
    comparison = tables["comparison"]
    for column in ("driver_1", "driver_2"):
        if column in comparison:
            names += [str(n) for n in comparison[column] if isinstance(n, str) and n]
    swaps = tables.get("swaps")
    if swaps is not None and not swaps.empty:
        items = swaps[swaps["kind"] == "parameter"].copy()
        items["size"] = items["shapley_relative_lead"].abs()
        names += list(items.sort_values("size", ascending=False)["item"])
    return list(dict.fromkeys(names))[:top]


def build_comparison_report(
    tables: Mapping[str, pd.DataFrame],
    worldviews: Sequence,
    credences: Mapping[str, float],
    figures: Mapping[str, bytes],
    provenance: Mapping[str, Any],
) -> str:
    """Render the comparison report.

    Parameters
    ----------
    tables
        The tables of :func:`agi_interventions.steps.comparison.compare`.
    worldviews
        The compared worldviews (for their descriptions).
    credences
        Normalised credence per worldview.
    figures
        ``p_best``, ``priors`` and (with swaps) ``shapley`` as PNG bytes.
    provenance
        What produced the numbers.

    Returns
    -------
    str
        The HTML document.
    """
    comparison = tables["comparison"]
    pooled = tables["pooled"]
    rules = tables["decision_rules"]
    pooled_voi = tables["pooled_value_of_information"]
    swaps = tables.get("swaps")
    swaps = swaps if swaps is not None and not swaps.empty else None
    verdict = verdict_sentences(comparison, swaps)
    pooled_text = pooled_sentences(pooled, comparison, credences)
    rules_text = rule_sentences(rules)
    value_text = value_sentences(pooled_voi)
    sections = [
        ReportSection(
            title="Each worldview's answer",
            paragraphs=verdict,
            tables=[comparison_display(comparison)],
            details=[means_display(comparison), drivers_display(comparison)],
            figures={"P(best) under each worldview and pooled": figures["p_best"]},
        ),
        ReportSection(
            title="Pooled by credence",
            paragraphs=pooled_text,
            tables=[pooled_display(pooled)],
        ),
        ReportSection(
            title="Rules for disagreement",
            paragraphs=rules_text,
            tables=[rules_display(rules)],
            notes=[
                "Maximin and minimax regret ignore the credences; the favourite worldview "
                "uses only the largest. Formulas in the glossary."
            ],
        ),
        ReportSection(
            title="What learning would settle it",
            paragraphs=value_text,
            tables=[voi_display(pooled_voi)],
        ),
    ]
    pooled_risk = tables.get("pooled_risk")
    if pooled_risk is not None and not pooled_risk.empty:
        from agi_interventions.narrative.risk import risk_sentences
        from agi_interventions.report.display import risk_display

        sections.append(
            ReportSection(
                title="The pooled belief under risk attitudes",
                paragraphs=risk_sentences(pooled_risk),
                tables=[risk_display(pooled_risk, source="pooled_risk.csv")],
                notes=[
                    "Each rule is applied to the pooled draws (a sample of the mixture), not "
                    "averaged over worldviews: risk-averse rules are not linear in the "
                    "distribution, so the two differ."
                ],
            )
        )
    if swaps is not None:
        paragraphs = []
        for name in dict.fromkeys(swaps["worldview"]):
            paragraphs += swap_sentences(swaps, str(name))
        sections.append(
            ReportSection(
                title=f"What moves the answer away from {swaps['reference'].iloc[0]}",
                paragraphs=paragraphs,
                figures={"Shapley shares of the change in the relative lead": figures["shapley"]},
                details=[swaps_display(swaps, str(n)) for n in dict.fromkeys(swaps["worldview"])],
            )
        )
    sections.append(
        ReportSection(
            title="Beliefs across worldviews",
            paragraphs=[f"{v.name}: {v.description.strip()}" for v in worldviews if v.description],
            figures={"Priors of the beliefs that matter most, overlaid": figures["priors"]},
        )
    )
    dominant = [t for t in pooled_text if t.startswith("Of that pooled mean")]
    card_lines = [*pooled_text[:1], *dominant, *rules_text]
    return render_report(
        ReportContext(
            title="Where should the next unit of effort go? Worldviews compared",
            subtitle=f"{len(comparison)} worldviews: {', '.join(comparison['worldview'])}",
            description="",
            card_title=verdict[0],
            card_lines=card_lines,
            cruxes=value_text,
            card_notes=verdict[1:2],
            sections=sections,
            glossary=COMPARISON_GLOSSARY,
            provenance=dict(provenance),
        )
    )
