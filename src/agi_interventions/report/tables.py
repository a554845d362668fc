"""Report tables: every table of the report, as header texts and cell texts.

Numbers are formatted by :mod:`agi_interventions.report.formatting`; column headers of result
tables come from the registry (:mod:`agi_interventions.registry`), so the report shows
"95% low" rather than ``ci_low``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from agi_interventions.narrative import has_exact
from agi_interventions.parameters import OUTPUTS, label, symbol
from agi_interventions.priors import Worldview
from agi_interventions.report.formatting import fmt_count, fmt_interval, fmt_num, fmt_pct

#: Prior quantiles shown in the prior table.
PRIOR_QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class Table:
    """A table ready for the template: header texts and rows of cell texts.

    Attributes
    ----------
    headers
        Column headings.
    rows
        Cell texts, row by row.
    numeric
        Per column, whether to right-align it.
    highlight
        Indices of rows to emphasise.
    caption
        Optional caption.

    """

    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    highlight: frozenset[int] = frozenset()
    caption: str = ""


def _name(row: pd.Series) -> str:
    text = row.get("label")
    return text if isinstance(text, str) and text else label(str(row["intervention"]))


def sorted_ranking(ranking: pd.DataFrame) -> pd.DataFrame:
    """Return the ranking sorted by mean, highest first."""
    return ranking.sort_values("mean", ascending=False, kind="stable").reset_index(drop=True)


def _pair(pairwise: pd.DataFrame | None, first: str, second: str) -> pd.Series | None:
    if pairwise is None or pairwise.empty:
        return None
    hit = pairwise.loc[(pairwise["intervention"] == first) & (pairwise["other"] == second)]
    return None if hit.empty else hit.iloc[0]


def _cell(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return fmt_count(value)
    if isinstance(value, float | np.floating):
        return fmt_num(value)
    return "" if value is None else str(value)


def frame_table(
    frame: pd.DataFrame, caption: str = "", headers: Mapping[str, str] | None = None
) -> Table:
    """Turn a DataFrame into a :class:`Table`, numbers to 3 significant digits.

    Parameters
    ----------
    frame
        Any table.
    caption
        Optional caption.
    headers
        Column name to the header shown (default: the column name).

    Returns
    -------
    Table
        Header per column, cells formatted by type.

    """
    headers = headers or {}
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return Table(
        [headers.get(str(c), str(c)) for c in frame.columns], rows, numeric, caption=caption
    )


def ranking_table(ranking: pd.DataFrame) -> Table:
    """Format the ranking table (means, quantiles, P(best), Monte Carlo intervals)."""
    r = sorted_ranking(ranking)
    headers = ["Rank", "Intervention", "Mean", "95% MC CI of mean", "Median", "5%–95% of draws"]
    headers += ["P(best)", "95% MC CI of P(best)"]
    exact = has_exact(r, "mean_exact")
    if exact:
        headers.insert(4, "Exact mean")
    with_n = "n" in r.columns
    if with_n:
        headers.append("Draws used")
    rows = []
    for i, row in r.iterrows():
        cells = [
            str(i + 1),
            _name(row),
            fmt_num(row["mean"]),
            fmt_interval(row["mean_ci_low"], row["mean_ci_high"]),
            *([fmt_num(row["mean_exact"])] if exact else []),
            fmt_num(row.get("median")),
            fmt_interval(row.get("q05"), row.get("q95")),
            fmt_pct(row["p_best"]),
            fmt_interval(row["p_best_ci_low"], row["p_best_ci_high"], percent=True),
        ]
        if with_n:
            cells.append(fmt_count(row["n"]))
        rows.append(cells)
    numeric = [True, False, *([True] * (len(headers) - 2))]
    return Table(headers, rows, numeric, highlight=frozenset({0}))


def pairwise_tables(pairwise: pd.DataFrame, order: Sequence[str]) -> list[Table]:
    """Matrices of P(row beats column) and, when given, the paired mean difference."""
    names = {k: label(k) for k in order}
    specs = [("p_beats", True, "P(row beats column) [95% MC CI]")]
    if "mean_difference" in pairwise.columns:
        specs.append(("mean_difference", False, "Mean of (row − column) [95% MC CI]"))
    tables = []
    for column, percent, caption in specs:
        rows = []
        for first in order:
            cells = [names[first]]
            for second in order:
                pair = _pair(pairwise, first, second) if first != second else None
                if pair is None:
                    cells.append("—")
                    continue
                value = fmt_pct(pair[column]) if percent else fmt_num(pair[column])
                ci = fmt_interval(
                    pair[f"{column}_ci_low"], pair[f"{column}_ci_high"], percent=percent
                )
                cells.append(f"{value} {ci}")
            rows.append(cells)
        headers = ["row \\ column", *(names[k] for k in order)]
        tables.append(Table(headers, rows, [False] + [True] * len(order), caption=caption))
    return tables


def _ordered_outputs(names: Sequence[str]) -> list[str]:
    rank = {name: i for i, name in enumerate(OUTPUTS)}
    return sorted(dict.fromkeys(names), key=lambda o: rank.get(o, len(rank)))


def sobol_table(sobol: pd.DataFrame) -> Table:
    """Full Sobol table, sorted by output then ST, with exact values and flags where present."""
    exact = has_exact(sobol, "ST_exact")
    rows = []
    for output in _ordered_outputs(list(sobol["output"])):
        key = "ST_exact" if exact else "ST"
        sub = sobol.loc[sobol["output"] == output].sort_values(
            key, ascending=False, na_position="last"
        )
        for row in sub.to_dict("records"):
            cells = [
                label(output),
                _parameter_text(row["parameter"]),
                fmt_num(row["S1"], 2),
                f"± {fmt_num(row['S1_conf'], 2)}",
                fmt_num(row["ST"], 2),
                f"± {fmt_num(row['ST_conf'], 2)}",
            ]
            if exact:
                cells += [fmt_num(row["S1_exact"], 2), fmt_num(row["ST_exact"], 2)]
            cells.append(str(row.get("flag") or "") if isinstance(row.get("flag"), str) else "")
            rows.append(cells)
    headers = ["Output", "Parameter", "S1", "95% half-width", "ST", "95% half-width"]
    if exact:
        headers += ["S1 exact", "ST exact"]
    headers.append("Flag")
    numeric = [False, False, *([True] * (len(headers) - 3)), False]
    return Table(headers, rows, numeric)


def _parameter_text(name: str) -> str:
    shown = symbol(name)
    return shown if shown == name else f"{shown} ({name})"


def _check_name(check: str) -> str:
    if check == "inconsistent":
        return "inconsistent (any condition violated)"
    kind, _, what = check.partition(":")
    if kind == "violates":
        return "condition violated"
    if kind == "nonfinite":
        return f"non-finite: {label(what)}"
    return check


def diagnostics_table(diagnostics: pd.DataFrame) -> Table:
    """Format the consistency and non-finite counts."""
    d = diagnostics
    scope_col = "scope" in d.columns
    headers = ["Scope"] if scope_col else []
    headers += ["Check"]
    has_desc = "description" in d.columns
    if has_desc:
        headers.append("Condition")
    headers += ["Count", "Total", "Share"]
    rows, highlight = [], set()
    for i, row in enumerate(d.itertuples(index=False)):
        cells = [str(row.scope)] if scope_col else []
        cells.append(_check_name(str(row.check)))
        if has_desc:
            cells.append(str(row.description))
        cells += [fmt_count(row.count), fmt_count(row.total), fmt_pct(row.share)]
        rows.append(cells)
        if row.check == "inconsistent" or (str(row.check).startswith("nonfinite:") and row.count):
            highlight.add(i)
    numeric = [False] * (len(headers) - 3) + [True] * 3
    return Table(headers, rows, numeric, highlight=frozenset(highlight))


@dataclass(frozen=True)
class PriorRow:
    """One row of the prior table.

    Attributes
    ----------
    parameter
        Parameter key.
    symbol
        The post's symbol.
    prior
        Compact description, e.g. ``uniform(low=1, high=3)``.
    q05, q50, q95
        Prior quantiles.
    note
        The worldview file's note (why this prior).
    fixed
        Whether the parameter is a constant.

    """

    parameter: str
    symbol: str
    prior: str
    q05: float
    q50: float
    q95: float
    note: str = ""
    fixed: bool = False
    meaning: str = ""
    fitted: str = ""


def prior_rows(worldview: Worldview) -> list[PriorRow]:
    """Build the prior table of a worldview.

    Parameters
    ----------
    worldview
        Validated priors (:func:`agi_interventions.priors.load_worldview`).

    Returns
    -------
    list of PriorRow
        One row per sampled input, in the worldview's (canonical) order.

    """
    from agi_interventions.families import prior_fit

    specs = worldview.specs
    rows = []
    for name, prior in worldview.priors.items():
        q05, q50, q95 = (float(q) for q in prior.quantiles(list(PRIOR_QUANTILES)))
        fitted = ""
        if not prior.is_discrete:
            fit = prior_fit(prior)
            if fit.fitted:
                fitted = ", ".join(f"{k}={v:.4g}" for k, v in fit.parameters.items())
        rows.append(
            PriorRow(
                parameter=name,
                symbol=symbol(name),
                prior=prior.describe(),
                q05=q05,
                q50=q50,
                q95=q95,
                note=prior.note,
                fixed=prior.is_fixed,
                meaning=specs[name].description if name in specs else "",
                fitted=fitted,
            )
        )
    return rows


def prior_table(rows: Sequence[PriorRow]) -> Table:
    """Format the prior table: belief and meaning, prior (with fitted parameters), quantiles."""
    headers = ["Belief", "Prior", "5% / 50% / 95%", "Note"]
    cells = [
        [
            f"{r.symbol}: {r.meaning}" if r.meaning else r.symbol,
            r.prior + (f"; fitted {r.fitted}" if r.fitted else ""),
            f"{fmt_num(r.q05)} / {fmt_num(r.q50)} / {fmt_num(r.q95)}",
            r.note,
        ]
        for r in rows
    ]
    return Table(headers, cells, [False, False, True, False], caption="")
