"""The report's compact tables: the columns the text quotes, one name per thing, one number style.

Each builder takes a result table (registry name in its docstring) and returns a
:class:`~agi_interventions.report.tables.Table` of at most six or seven columns that fits an
800-pixel screen: display names (:func:`agi_interventions.parameters.display`) instead of keys,
numbers by :func:`~agi_interventions.report.formatting.fmt_num`, counts exact, and a dagger
(†) where a Monte Carlo interval is flagged as unreliable. The full tables are the CSV files.
"""

from __future__ import annotations

import math

import pandas as pd

from agi_interventions.narrative.common import has_exact
from agi_interventions.narrative.decision import untrusted
from agi_interventions.parameters import INTERVENTIONS, display
from agi_interventions.report.formatting import fmt_count, fmt_interval, fmt_num, fmt_pct
from agi_interventions.report.tables import Table

#: Marks a Monte Carlo interval that cannot be trusted (heavy tails); explained under tables.
DAGGER = "†"


def _flagged(value: object) -> bool:
    return isinstance(value, str) and value not in ("", "nan")


def ranking_display(ranking: pd.DataFrame) -> Table:
    """``ranking.csv``: rank, intervention, exact mean, sample mean with interval, P(best)."""
    exact = has_exact(ranking, "mean_exact")
    key = "mean_exact" if exact else "mean"
    r = ranking.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)
    headers = ["Rank", "Intervention"]
    headers += ["Mean (exact)"] if exact else []
    headers += ["Mean in the sample [95% interval]", "P(best) [95% interval]", "5%–95% of draws"]
    rows = []
    for i, row in r.iterrows():
        dagger = DAGGER if _flagged(row.get("mean_ci_flag")) else ""
        cells = [str(i + 1), display(row["intervention"])]
        if exact:
            cells.append(fmt_num(row["mean_exact"]))
        cells += [
            f"{fmt_num(row['mean'])} {fmt_interval(row['mean_ci_low'], row['mean_ci_high'])}"
            f"{dagger}",
            f"{fmt_pct(row['p_best'])} "
            f"{fmt_interval(row['p_best_ci_low'], row['p_best_ci_high'], percent=True)}",
            fmt_interval(row["q05"], row["q95"]),
        ]
        rows.append(cells)
    numeric = [True, False, *([True] * (len(headers) - 2))]
    caption = f"Ranked by {'exact ' if exact else ''}mean"
    flagged = [row for _, row in r.iterrows() if _flagged(row.get("mean_ci_flag"))]
    if flagged:
        khats = "; ".join(
            f"{display(row['intervention'])} {float(row['khat']):.2f}"
            for row in flagged
            if "khat" in row and math.isfinite(float(row["khat"]))
        )
        caption += (
            f"; {DAGGER}: heavy tails, the interval cannot be trusted at this sample size"
            + (f" (Pareto k̂ of the heavier tail: {khats}; 0.7 or more)" if khats else "")
        )
    return Table(headers, rows, numeric, highlight=frozenset({0}), caption=caption)


def voi_display(voi: pd.DataFrame) -> Table:
    """``value_of_information.csv``: the headline value of every belief and group."""
    evpi = float(voi.loc[voi["kind"] == "evpi", "headline"].iloc[0])
    order = {"evpi": 0, "group": 1, "parameter": 2}
    table = voi.assign(_kind=voi["kind"].map(order)).sort_values(
        ["_kind", "headline"], ascending=[True, False], kind="stable"
    )
    headers = ["Belief", "Value", "95% interval", "Share of EVPI", "Method", "Status"]
    rows = []
    daggers = False
    for _, r in table.iterrows():
        exact = str(r["method"]) == "exact"
        name = display(r["name"]) + (" (group)" if r["kind"] == "group" else "")
        dagger = DAGGER if "flag" in r and untrusted(r) else ""
        daggers = daggers or bool(dagger)
        rows.append(
            [
                name,
                fmt_num(r["headline"]),
                "exact" if exact else fmt_interval(r["headline_low"], r["headline_high"]) + dagger,
                fmt_pct(r["headline"] / evpi) if evpi > 0 else "n/a",
                str(r["method"]),
                "resolved" if bool(r["resolved"]) else "not resolved",
            ]
        )
    return Table(
        headers,
        rows,
        [False, True, True, True, False, False],
        highlight=frozenset({0}),
        caption="Value of information, in marginal-value units (EVPI first, then groups, then "
        "single beliefs); only resolved values are ranked in the text"
        + (
            f"; {DAGGER}: heavy tails, the value and its interval cannot be trusted at this "
            "sample size"
            if daggers
            else ""
        ),
    )


def switching_display(switching: pd.DataFrame, voi: pd.DataFrame | None = None) -> Table:
    """``switching.csv``: where along each belief the best intervention changes."""
    table = switching.copy()
    if voi is not None:
        worth = dict(zip(voi["name"], voi["headline"], strict=True))
        table = table.assign(_worth=table["parameter"].map(worth).fillna(0.0))
        table = table.sort_values(["_worth", "switch_value"], ascending=[False, True])
    headers = ["Belief", "Switch at", "Share of your prior below", "Best below → above"]
    monte_carlo = "method" in table and (table["method"] == "monte carlo").any()
    if monte_carlo:
        headers.append("Bracket (prior quantiles)")
    rows = []
    for _, r in table.iterrows():
        cells = [
            display(r["parameter"]),
            fmt_num(r["switch_value"]),
            fmt_pct(r["switch_quantile"]),
            f"{display(r['from'])} → {display(r['to'])}",
        ]
        if monte_carlo:
            cells.append(
                fmt_interval(r.get("bracket_low"), r.get("bracket_high"), percent=True)
                if str(r.get("method")) == "monte carlo"
                else "exact"
            )
        rows.append(cells)
    method = "exact" if not monte_carlo else "from the sample"
    return Table(
        headers,
        rows,
        [False, True, True, False, *([True] if monte_carlo else [])],
        caption=f"Switching values ({method}), beliefs most worth learning first",
    )


def structure_display(structure: pd.DataFrame) -> Table:
    """``structure.csv``: the winner for each value of each discrete structural input."""
    headers = ["Input", "Value (probability)", "Best", *[display(o) for o in INTERVENTIONS]]
    rows = []
    for (name, state), sub in structure.groupby(["input", "state"], sort=False):
        by = sub.set_index("intervention")
        exact = by["mean_exact"].notna().all()
        column = "mean_exact" if exact else "mean"
        cells = [
            display(str(name)),
            f"{state} ({float(sub['probability'].iloc[0]):g})",
            display(str(sub["winner"].iloc[0])),
        ]
        cells += [
            f"{fmt_num(by.loc[o, column])}, P(best) {fmt_pct(by.loc[o, 'p_best'])}"
            if o in by.index
            else "n/a"
            for o in INTERVENTIONS
        ]
        rows.append(cells)
    return Table(
        headers,
        rows,
        [False, False, False, True, True, True],
        caption="Mean marginal value (exact where available) and P(best) for each value of "
        "each structural input",
    )


def risk_display(risk: pd.DataFrame, source: str = "risk.csv") -> Table:
    """``risk.csv``: each intervention's value under each rule and setting, and the winner.

    ``source`` names the file the caption points to (``pooled_risk.csv`` in the comparison).
    """
    from agi_interventions.narrative.budget import RISK_RULES, RISK_SETTINGS

    headers = ["Rule", *[display(o) for o in INTERVENTIONS], "Best"]
    rows = []
    any_flag = False
    for (rule, setting), sub in risk.groupby(["rule", "setting_value"], sort=False, dropna=False):
        by = sub.set_index("intervention")
        name = RISK_RULES.get(rule, rule)
        if not (isinstance(setting, float) and math.isnan(setting)):
            name += f", {RISK_SETTINGS.get(rule, 'setting')} = {setting:g}"
        cells = [name]
        for o in INTERVENTIONS:
            if o not in by.index:
                cells.append("n/a")
                continue
            flag = _flagged(by.loc[o].get("flag"))
            any_flag = any_flag or flag
            cells.append(f"{fmt_num(by.loc[o, 'value'])}{DAGGER if flag else ''}")
        cells.append(display(str(sub["winner"].iloc[0])))
        rows.append(cells)
    caption = (
        "Value under each risk attitude (marginal-value units); 95% bootstrap intervals in "
        f"{source}"
    )
    if any_flag:
        caption += f"; {DAGGER}: heavy tail, the bootstrap interval cannot be trusted"
    return Table(headers, rows, [False, True, True, True, False], caption=caption)


def resolution_display(resolution: pd.DataFrame) -> Table:
    """``resolution.csv``: what the report leads with, and whether N resolves it."""
    headers = ["What", "Order", "Resolved", "N for 80% [range]", "How"]
    rows = []
    for _, r in resolution.iterrows():
        kind, _, detail = str(r["criterion"]).partition(":")
        what = {
            "mean": "ranking by mean",
            "p_best": "ranking by P(best)",
            "evppi": f"most worth learning ({detail})",
            "sobol_ST": f"top driver of {display(detail)}",
            "risk": f"winner under {detail.replace(':', ' ')}",
        }.get(kind, kind)
        needed = float(r["n_base_needed"])
        if str(r["method"]) in ("exact", "heavy-tail") or bool(r["resolved"]):
            n_text = "—"
        else:
            high = float(r["n_base_needed_high"])
            n_text = (
                f"{fmt_count(needed) if math.isfinite(needed) else '∞'} "
                f"[{fmt_count(r['n_base_needed_low'])}, "
                f"{fmt_count(high) if math.isfinite(high) else '∞'}]"
            )
        rows.append(
            [
                what,
                f"{display(r['first'])} > {display(r['second'])}",
                "yes" if bool(r["resolved"]) else "no",
                n_text,
                str(r["method"]),
            ]
        )
    return Table(headers, rows, [False, False, False, True, False], caption="")


def prim_display(boxes: pd.DataFrame) -> Table:
    """``prim_boxes.csv``: each intervention's region of belief, one row per intervention."""
    headers = ["Best", "Density", "Coverage", "Where"]
    rows = []
    for intervention, box in boxes.groupby("intervention", sort=False):
        first = box.iloc[0]
        limits = [
            f"{display(r['parameter'])} in [{fmt_num(r['low'])}, {fmt_num(r['high'])}]"
            for _, r in box.iterrows()
            if isinstance(r["parameter"], str)
        ]
        rows.append(
            [
                display(intervention),
                fmt_pct(first["density"]),
                fmt_pct(first["coverage"]),
                "; ".join(limits) or "whole prior",
            ]
        )
    return Table(headers, rows, [False, True, True, False], caption="PRIM boxes")


def comparison_display(comparison: pd.DataFrame, per_output: int = 6) -> Table:
    """``method_comparison.csv``: each parameter's rank by three methods, top rows per output."""
    headers = ["Output", "Parameter", "Rank: Sobol ST", "Rank: ST of asinh", "Rank: PAWN", "Flag"]
    rows = []
    for output, sub in comparison.groupby("output", sort=False):
        for _, r in sub.sort_values("mean_rank", kind="stable").head(per_output).iterrows():
            rows.append(
                [
                    display(output),
                    display(r["parameter"]),
                    fmt_count(r["rank_sobol_ST"]),
                    fmt_count(r["rank_sobol_ST_asinh"]),
                    fmt_count(r["rank_pawn"]),
                    "moves" if bool(r["flagged"]) else "",
                ]
            )
    return Table(headers, rows, [False, False, True, True, True, False], caption="")


def sobol_display(sobol: pd.DataFrame, top: int = 8) -> Table:
    """Show a Sobol table: per output the top parameters by ST (exact where available)."""
    exact = has_exact(sobol, "ST_exact")
    key = "ST_exact" if exact else "ST"
    headers = ["Output", "Parameter"]
    headers += ["ST exact", "S1 exact"] if exact else []
    headers += ["ST [95%]", "S1 [95%]", "Flag"]
    rows = []
    for output, sub in sobol.groupby("output", sort=False):
        for _, r in sub.sort_values(key, ascending=False, kind="stable").head(top).iterrows():
            cells = [display(output), display(r["parameter"])]
            if exact:
                cells += [fmt_num(r["ST_exact"], 2), fmt_num(r["S1_exact"], 2)]
            cells += [
                f"{fmt_num(r['ST'], 2)} ± {fmt_num(r['ST_conf'], 2)}",
                f"{fmt_num(r['S1'], 2)} ± {fmt_num(r['S1_conf'], 2)}",
                "flagged" if _flagged(r.get("flag")) else "",
            ]
            rows.append(cells)
    numeric = [False, False, *([True] * (len(headers) - 3)), False]
    return Table(headers, rows, numeric, caption=f"Top {top} parameters per output by {key}")
