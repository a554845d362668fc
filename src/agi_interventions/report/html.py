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
import pandas as pd
from markupsafe import Markup

from agi_interventions.narrative import (
    channel_sentences,
    diagnostics_sentences,
    headline_sentences,
    headline_title,
    sobol_sentences,
)
from agi_interventions.report.captions import FIGURE_CAPTIONS
from agi_interventions.report.formatting import (
    fmt_num,
)
from agi_interventions.report.tables import (
    PriorRow,
    diagnostics_table,
    frame_table,
    pairwise_tables,
    prior_table,
    ranking_table,
    sobol_table,
    sorted_ranking,
)

logger = logging.getLogger(__name__)


#: A figure given as PNG (or SVG) bytes, or as the path of such a file.
FigureSource = bytes | str | Path


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
        ``(caption, table)`` pairs: a table is a DataFrame or the registry name of one of the
        context's tables (then shown with the registry's column headers); numbers are
        formatted to 3 significant digits.
    figures
        Caption -> PNG bytes or path.

    """

    title: str
    html: str = ""
    paragraphs: Sequence[str] = ()
    tables: Sequence[tuple[str, pd.DataFrame | str]] = ()
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
    structure
        The worldview's structure in words (:meth:`Structure.describe`).
    derived_note
        Which canonical parameters the structure derives rather than samples (empty if
        none).
    consistent_by_construction
        Whether every draw describes a possible population.
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
    tables
        Every result table by registry name, for sections that name their tables.

    """

    worldview: str
    description: str
    structure: str
    derived_note: str
    consistent_by_construction: bool
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
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)


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


def _section_view(section: ReportSection, tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    from agi_interventions import registry

    shown = []
    for caption, item in section.tables:
        if isinstance(item, str):
            frame, headers = tables[item], registry.BY_NAME[item].headers()
        else:
            frame, headers = item, {}
        shown.append(frame_table(frame, caption, headers))
    return {
        "title": section.title,
        "id": "extra-" + _slug(section.title),
        "html": Markup(section.html),
        "paragraphs": list(section.paragraphs),
        "tables": shown,
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
    ranking = sorted_ranking(context.ranking)
    order = list(ranking["intervention"])
    figures = {name: _data_uri(src) for name, src in context.figures.items()}
    other_figures = [(name, uri) for name, uri in figures.items() if name not in FIGURE_CAPTIONS]
    title = headline_title(ranking)
    view = {
        "title": context.title
        or f"Alignment vs cooperation work: marginal values under worldview “{context.worldview}”",
        "worldview": context.worldview,
        "description": context.description,
        "structure": context.structure,
        "derived_note": context.derived_note,
        "winner": title,
        "headline": headline_sentences(ranking, context.pairwise),
        "ranking": ranking_table(ranking) if not ranking.empty else None,
        "pairwise": pairwise_tables(context.pairwise, order) if not context.pairwise.empty else [],
        "sobol_sentences": sobol_sentences(context.sobol) if not context.sobol.empty else [],
        "sobol_table": sobol_table(context.sobol) if not context.sobol.empty else None,
        "channel_sentences": channel_sentences(context.values),
        "priors": prior_table(context.priors),
        "diagnostics_sentences": diagnostics_sentences(
            context.diagnostics, ranking, context.consistent_by_construction
        ),
        "diagnostics": diagnostics_table(context.diagnostics),
        "provenance": [(str(k), _provenance_value(v)) for k, v in context.provenance.items()],
        "figures": figures,
        "captions": FIGURE_CAPTIONS,
        "other_figures": other_figures,
        "sections": [_section_view(s, context.tables) for s in context.sections],
    }
    html = _environment().get_template("report.html.j2").render(**view)
    logger.info("rendered report for worldview %s (%d characters)", context.worldview, len(html))
    return html
