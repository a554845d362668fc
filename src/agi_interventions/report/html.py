"""Self-contained HTML report for one worldview.

The page embeds its figures as base64 PNG data URIs and its CSS inline, loads nothing from
the network and reads offline. Every sentence about results is generated from the numbers in
the tables passed in (:class:`ReportContext`); the Jinja2 template only lays them out.
"""

from __future__ import annotations

import base64
import logging
import math
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

from agi_interventions.parameters import ALIGNMENT_CHANNELS, OUTPUTS, label
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

#: ST half-widths above this make the Sobol sentence call the estimates rough.
ROUGH_SOBOL_CONF = 0.1


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


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _name(row: pd.Series) -> str:
    text = row.get("label")
    return text if isinstance(text, str) and text else label(str(row["intervention"]))


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


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


def headline_sentences(ranking: pd.DataFrame, pairwise: pd.DataFrame | None) -> list[str]:
    """Sentences stating the winner by mean, its margin and its probability of being best.

    Parameters
    ----------
    ranking
        Ranking table (see :class:`ReportContext`).
    pairwise
        Pairwise table; its ``mean_difference`` columns, when present, give the Monte Carlo
        interval of the winner's lead over the runner-up.

    Returns
    -------
    list of str
        Plain-text sentences, every number taken from the tables.

    """
    r = _sorted_ranking(ranking)
    if r.empty:
        return ["The ranking table is empty: no intervention was evaluated."]
    w = r.iloc[0]
    win = _name(w)
    mean_ci = fmt_interval(w["mean_ci_low"], w["mean_ci_high"])
    if len(r) == 1:
        return [f"Only {win} was evaluated: mean marginal value {fmt_num(w['mean'])} ({mean_ci})."]
    ru = r.iloc[1]
    run = _name(ru)
    out = [
        f"{win} has the highest mean marginal value, {fmt_num(w['mean'])} (95% MC CI "
        f"{mean_ci}), ahead of the runner-up {run} at {fmt_num(ru['mean'])} "
        f"({fmt_interval(ru['mean_ci_low'], ru['mean_ci_high'])})."
    ]
    ratio = ""
    if w["mean"] > 0 and ru["mean"] > 0:
        ratio = f", {fmt_num(w['mean'] / ru['mean'])} times the runner-up's mean"
    pair = _pair(pairwise, w["intervention"], ru["intervention"])
    if pair is not None and _finite(pair.get("mean_difference_ci_low")):
        low, high = pair["mean_difference_ci_low"], pair["mean_difference_ci_high"]
        verdict = (
            "the interval excludes zero, so the order of the two means is not Monte Carlo noise"
            if low > 0
            else "the interval includes zero, so this sample cannot tell the two means apart"
        )
        out.append(
            f"The lead is {fmt_num(pair['mean_difference'])} (95% MC CI of the paired "
            f"difference {fmt_interval(low, high)}){ratio}; {verdict}."
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


def ranking_table(ranking: pd.DataFrame) -> Table:
    """Format the ranking table (means, quantiles, P(best), Monte Carlo intervals)."""
    r = _sorted_ranking(ranking)
    headers = ["Rank", "Intervention", "Mean", "95% MC CI of mean", "Median", "5%–95% of draws"]
    headers += ["P(best)", "95% MC CI of P(best)"]
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


def sobol_sentences(sobol: pd.DataFrame, top: int = 3) -> list[str]:
    """One sentence per output naming its largest total-effect drivers.

    Parameters
    ----------
    sobol
        Tidy Sobol table.
    top
        How many drivers to name.

    Returns
    -------
    list of str
        Generated sentences, in canonical output order.

    """
    out = []
    for output in _ordered_outputs(list(sobol["output"])):
        sub = sobol.loc[sobol["output"] == output]
        name = label(output)
        if sub[["S1", "ST"]].isna().all().all():
            out.append(f"{name}: indices unavailable because some values are not finite.")
            continue
        if (sub["ST"].fillna(0.0) == 0.0).all() and (sub["S1"].fillna(0.0) == 0.0).all():
            out.append(f"{name}: the output is constant over the prior; no parameter drives it.")
            continue
        lead = sub.sort_values("ST", ascending=False, na_position="last").head(top)
        parts = [
            f"{parameter_symbol(p)} (ST {fmt_num(st, 2)} ± {fmt_num(c, 2)})"
            for p, st, c in zip(lead["parameter"], lead["ST"], lead["ST_conf"], strict=True)
        ]
        s1_sum = float(sub["S1"].sum())
        text = f"{name}: the largest total effects are {_join(parts)}. "
        text += f"First-order indices sum to {fmt_num(s1_sum, 2)}"
        if s1_sum < 0.9:
            text += (
                f", so interactions account for roughly {fmt_pct(1.0 - s1_sum, 2)} "
                "of the variance."
            )
        else:
            text += ", so the output is close to additive in the inputs."
        if (sub["ST_conf"] > ROUGH_SOBOL_CONF).any() or (sub["ST"] > 1.0).any():
            text += (
                f" Some intervals are wider than ±{ROUGH_SOBOL_CONF:g}, so these estimates "
                "are rough; a larger base sample N would sharpen them."
            )
        out.append(text)
    return out


def sobol_table(sobol: pd.DataFrame) -> Table:
    """Full Sobol table, sorted by output then ST."""
    rows = []
    for output in _ordered_outputs(list(sobol["output"])):
        sub = sobol.loc[sobol["output"] == output].sort_values(
            "ST", ascending=False, na_position="last"
        )
        for row in sub.itertuples(index=False):
            rows.append(
                [
                    label(output),
                    _parameter_text(row.parameter),
                    fmt_num(row.S1, 2),
                    f"± {fmt_num(row.S1_conf, 2)}",
                    fmt_num(row.ST, 2),
                    f"± {fmt_num(row.ST_conf, 2)}",
                ]
            )
    headers = ["Output", "Parameter", "S1", "95% half-width", "ST", "95% half-width"]
    return Table(headers, rows, [False, False, True, True, True, True])


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


def diagnostics_section(
    diagnostics: pd.DataFrame, ranking: pd.DataFrame, parametrisation: str
) -> tuple[list[str], Table]:
    """Sentences and table on inconsistent samples and non-finite outputs.

    Parameters
    ----------
    diagnostics
        Diagnostics table (``scope`` and ``description`` optional).
    ranking
        Ranking table; its ``n`` column, when present, is the number of draws used.
    parametrisation
        The worldview's parametrisation.

    Returns
    -------
    tuple
        Generated sentences and the formatted table.

    """
    d = diagnostics
    scope_col = "scope" in d.columns
    scope = None
    if scope_col:
        scopes = list(dict.fromkeys(d["scope"]))
        scope = "independent draws" if "independent draws" in scopes else scopes[0]
        d_scope = d.loc[d["scope"] == scope]
    else:
        d_scope = d
    what = scope or "samples"
    sentences = []
    inc = d_scope.loc[d_scope["check"] == "inconsistent"]
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
    nonfinite = d_scope.loc[d_scope["check"].astype(str).str.startswith("nonfinite:")]
    bad = nonfinite.loc[nonfinite["count"] > 0]
    if nonfinite.empty:
        pass
    elif bad.empty:
        sentences.append("No output was NaN or infinite, so every statistic uses every draw.")
    else:
        parts = [
            f"{label(c.partition(':')[2])} {fmt_count(n)}"
            for c, n in zip(bad["check"], bad["count"], strict=True)
        ]
        text = f"Non-finite values among the {what}: {_join(parts)}. They cannot enter a mean"
        if "n" in ranking.columns and not ranking.empty:
            text += (
                f"; the ranking uses the {fmt_count(ranking['n'].iloc[0])} draws in which all "
                "marginal values are finite"
            )
        sentences.append(text + ".")
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
    return sentences, Table(headers, rows, numeric, highlight=frozenset(highlight))


def channel_sentences(values: pd.DataFrame | None) -> list[str]:
    """Sentence on how the mean alignment value splits over its three channels."""
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
        f"into {_join(parts)}.",
        f"The largest channel in magnitude is {label(keys[biggest])}, {fmt_pct(share)} of the "
        "sum of the channels' absolute means.",
    ]


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
    diag_sentences, diag_table = diagnostics_section(
        context.diagnostics, ranking, context.parametrisation
    )
    winner = _name(ranking.iloc[0]) if not ranking.empty else "n/a"
    view = {
        "title": context.title
        or f"Alignment vs cooperation work: marginal values under worldview “{context.worldview}”",
        "worldview": context.worldview,
        "description": context.description,
        "parametrisation": context.parametrisation,
        "winner": winner,
        "headline": headline_sentences(ranking, context.pairwise),
        "ranking": ranking_table(ranking) if not ranking.empty else None,
        "pairwise": pairwise_tables(context.pairwise, order) if not context.pairwise.empty else [],
        "sobol_sentences": sobol_sentences(context.sobol) if not context.sobol.empty else [],
        "sobol_table": sobol_table(context.sobol) if not context.sobol.empty else None,
        "channel_sentences": channel_sentences(context.values),
        "priors": prior_table(context.priors),
        "diagnostics_sentences": diag_sentences,
        "diagnostics": diag_table,
        "provenance": [(str(k), _provenance_value(v)) for k, v in context.provenance.items()],
        "figures": figures,
        "captions": FIGURE_CAPTIONS,
        "other_figures": other_figures,
        "sections": [_section_view(s) for s in context.sections],
    }
    html = _environment().get_template("report.html.j2").render(**view)
    logger.info("rendered report for worldview %s (%d characters)", context.worldview, len(html))
    return html
