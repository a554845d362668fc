"""Self-contained HTML report for one worldview.

The page embeds its figures as base64 PNG data URIs and its CSS inline, loads nothing from
the network and reads offline. Every sentence about results is generated from the numbers in
the tables passed in (:class:`ReportContext`); the Jinja2 template only lays them out.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from agi_interventions.narrative import (
    channel_sentences,
    diagnostics_sentences,
    has_exact,
    headline_sentences,
    headline_title,
    sobol_sentences,
)
from agi_interventions.parameters import OUTPUTS, label
from agi_interventions.priors import Worldview
from agi_interventions.report.figures import FIGURE_CAPTIONS, parameter_symbol
from agi_interventions.report.formatting import (
    fmt_count,
    fmt_interval,
    fmt_num,
    fmt_pct,
)

logger = logging.getLogger(__name__)

#: Prior quantiles shown in the prior table.
PRIOR_QUANTILES = (0.05, 0.5, 0.95)

#: A figure given as PNG (or SVG) bytes, or as the path of such a file.
FigureSource = bytes | str | Path


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
    rows = []
    for name, prior in worldview.priors.items():
        q05, q50, q95 = (float(q) for q in prior.quantiles(list(PRIOR_QUANTILES)))
        rows.append(
            PriorRow(
                parameter=name,
                symbol=parameter_symbol(name),
                prior=prior.describe(),
                q05=q05,
                q50=q50,
                q95=q95,
                note=prior.note,
                fixed=prior.is_fixed,
            )
        )
    return rows


@dataclass(frozen=True)
class ReportSection:
    """An extra section appended to the report (e.g. value of information).

    Attributes
    ----------
    title
        Section heading.
    html
        Trusted HTML fragment inserted as-is (not escaped); build it from escaped pieces.
    paragraphs
        Plain-text paragraphs (escaped).
    tables
        ``(caption, DataFrame)`` pairs; numbers are formatted to 3 significant digits.
    figures
        Caption -> PNG bytes or path.

    """

    title: str
    html: str = ""
    paragraphs: Sequence[str] = ()
    tables: Sequence[tuple[str, pd.DataFrame]] = ()
    figures: Mapping[str, FigureSource] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportContext:
    """Everything the report shows for one worldview.

    Attributes
    ----------
    worldview
        Worldview name.
    description
        The worldview file's description.
    parametrisation
        ``fractions`` or ``rest_of_world``.
    priors
        Prior table (:func:`prior_rows`).
    ranking
        ``ranking.csv``: intervention, mean, mean_ci_low, mean_ci_high, median, q05, q95,
        p_best, p_best_ci_low, p_best_ci_high[, label, n, ...]; any order.
    pairwise
        ``pairwise.csv``: intervention, other, p_beats, p_beats_ci_low, p_beats_ci_high
        [, mean_difference, mean_difference_ci_low, mean_difference_ci_high].
    diagnostics
        ``diagnostics.csv``: [scope,] check, [description,] count, total, share.
    sobol
        ``sobol.csv``: output, parameter, S1, S1_conf, ST, ST_conf.
    figures
        Figure name -> PNG bytes or path; the standard names are the keys of
        :data:`agi_interventions.report.figures.FIGURE_CAPTIONS`, other names are shown in a
        section of their own.
    provenance
        Free key -> value mapping (config hash, seed, N, evaluations, package versions, date,
        worldview file, ...); nested mappings are shown inline.
    sections
        Extra sections, shown after the alignment channels.
    values
        Optional independent draws with the channel columns (and ``a_V``); enables the
        generated sentence on the channel means.
    title
        Page title; default names the worldview.

    """

    worldview: str
    description: str
    parametrisation: str
    priors: Sequence[PriorRow]
    ranking: pd.DataFrame
    pairwise: pd.DataFrame
    diagnostics: pd.DataFrame
    sobol: pd.DataFrame
    figures: Mapping[str, FigureSource] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    sections: Sequence[ReportSection] = ()
    values: pd.DataFrame | None = None
    title: str | None = None


# --------------------------------------------------------------------------- helpers


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


def _sorted_ranking(ranking: pd.DataFrame) -> pd.DataFrame:
    return ranking.sort_values("mean", ascending=False, kind="stable").reset_index(drop=True)


def _pair(pairwise: pd.DataFrame | None, first: str, second: str) -> pd.Series | None:
    if pairwise is None or pairwise.empty:
        return None
    hit = pairwise.loc[(pairwise["intervention"] == first) & (pairwise["other"] == second)]
    return None if hit.empty else hit.iloc[0]


def _data_uri(source: FigureSource) -> str:
    """Return a base64 data URI for PNG/SVG bytes or a file path."""
    data = Path(source).read_bytes() if isinstance(source, str | Path) else bytes(source)
    head = data[:256].lstrip()
    mime = "image/svg+xml" if head.startswith((b"<svg", b"<?xml")) else "image/png"
    if mime == "image/png" and not data.startswith(b"\x89PNG"):
        logger.warning("figure data does not start with the PNG signature")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _cell(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return fmt_count(value)
    if isinstance(value, float | np.floating):
        return fmt_num(value)
    return "" if value is None else str(value)


def frame_table(frame: pd.DataFrame, caption: str = "") -> Table:
    """Turn a DataFrame into a :class:`Table`, numbers to 3 significant digits.

    Parameters
    ----------
    frame
        Any table.
    caption
        Optional caption.

    Returns
    -------
    Table
        Header = column names, cells formatted by type.

    """
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return Table([str(c) for c in frame.columns], rows, numeric, caption=caption)


# --------------------------------------------------------------------------- sections


def ranking_table(ranking: pd.DataFrame) -> Table:
    """Format the ranking table (means, quantiles, P(best), Monte Carlo intervals)."""
    r = _sorted_ranking(ranking)
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
    symbol = parameter_symbol(name)
    return symbol if symbol == name else f"{symbol} ({name})"


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


def prior_table(rows: Sequence[PriorRow]) -> Table:
    """Format the prior table."""
    headers = ["Parameter", "Symbol", "Prior", "5%", "50%", "95%", "Note"]
    cells = [
        [
            r.parameter,
            r.symbol,
            r.prior,
            fmt_num(r.q05),
            fmt_num(r.q50),
            fmt_num(r.q95),
            r.note,
        ]
        for r in rows
    ]
    return Table(headers, cells, [False, False, False, True, True, True, False])


def _provenance_value(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_provenance_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_provenance_value(v) for v in value)
    if isinstance(value, float):
        return fmt_num(value, 6)
    return str(value)


# --------------------------------------------------------------------------- rendering


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("agi_interventions.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _section_view(section: ReportSection) -> dict[str, Any]:
    return {
        "title": section.title,
        "id": "extra-" + _slug(section.title),
        "html": Markup(section.html),
        "paragraphs": list(section.paragraphs),
        "tables": [frame_table(frame, caption) for caption, frame in section.tables],
        "figures": [(caption, _data_uri(src)) for caption, src in section.figures.items()],
    }


def render_report(context: ReportContext) -> str:
    """Render the self-contained HTML report.

    Parameters
    ----------
    context
        Tables, figures and provenance of one worldview.

    Returns
    -------
    str
        A complete HTML document: inline CSS, figures as base64 data URIs, no external
        resources.

    """
    ranking = _sorted_ranking(context.ranking)
    order = list(ranking["intervention"])
    figures = {name: _data_uri(src) for name, src in context.figures.items()}
    other_figures = [(name, uri) for name, uri in figures.items() if name not in FIGURE_CAPTIONS]
    title = headline_title(ranking)
    view = {
        "title": context.title
        or f"Alignment vs cooperation work: marginal values under worldview “{context.worldview}”",
        "worldview": context.worldview,
        "description": context.description,
        "parametrisation": context.parametrisation,
        "winner": title,
        "headline": headline_sentences(ranking, context.pairwise),
        "ranking": ranking_table(ranking) if not ranking.empty else None,
        "pairwise": pairwise_tables(context.pairwise, order) if not context.pairwise.empty else [],
        "sobol_sentences": sobol_sentences(context.sobol) if not context.sobol.empty else [],
        "sobol_table": sobol_table(context.sobol) if not context.sobol.empty else None,
        "channel_sentences": channel_sentences(context.values),
        "priors": prior_table(context.priors),
        "diagnostics_sentences": diagnostics_sentences(
            context.diagnostics, ranking, context.parametrisation
        ),
        "diagnostics": diagnostics_table(context.diagnostics),
        "provenance": [(str(k), _provenance_value(v)) for k, v in context.provenance.items()],
        "figures": figures,
        "captions": FIGURE_CAPTIONS,
        "other_figures": other_figures,
        "sections": [_section_view(s) for s in context.sections],
    }
    html = _environment().get_template("report.html.j2").render(**view)
    logger.info("rendered report for worldview %s (%d characters)", context.worldview, len(html))
    return html
