"""Self-contained HTML report for one worldview (or the comparison of several).

The page embeds its figures as base64 PNG data URIs and its CSS inline, loads nothing from
the network and reads offline. Sentences about results come from
:mod:`agi_interventions.narrative` and tables from :mod:`agi_interventions.report.display`;
the Jinja2 template only lays them out. The template's fixed prose is limited to section
titles, the glossary of methods and the short guide to reading the report.
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

from agi_interventions.report.formatting import fmt_num
from agi_interventions.report.tables import Table, frame_table

logger = logging.getLogger(__name__)

#: A figure given as PNG (or SVG) bytes, or as the path of such a file.
FigureSource = bytes | str | Path

#: Control characters other than tab and newline: never written into the page.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class ReportSection:
    """One section of the report.

    Attributes
    ----------
    title
        Section heading.
    paragraphs
        Plain-text paragraphs (escaped).
    tables
        Tables (:class:`~agi_interventions.report.tables.Table`) or DataFrames shown in full.
    figures
        Caption to PNG bytes or path.
    details
        Tables shown collapsed, under "More".
    notes
        Small print under the section.
    """

    title: str
    paragraphs: Sequence[str] = ()
    tables: Sequence[Table | pd.DataFrame] = ()
    figures: Mapping[str, FigureSource] = field(default_factory=dict)
    details: Sequence[Table | pd.DataFrame] = ()
    notes: Sequence[str] = ()


@dataclass(frozen=True)
class ReportContext:
    """Everything a report page shows.

    Attributes
    ----------
    title
        Page title.
    subtitle
        One line under it (worldview, structure, sample size).
    description
        The worldview file's description (free text, escaped).
    card_title
        The decision card's first line.
    card_lines, cruxes, card_notes
        The decision card (:class:`agi_interventions.narrative.DecisionCard`).
    sections
        The sections, in order.
    glossary
        Term to definition.
    provenance
        What produced the numbers (nested mappings are shown inline).
    """

    title: str
    subtitle: str
    description: str
    card_title: str
    card_lines: Sequence[str]
    cruxes: Sequence[str]
    card_notes: Sequence[str]
    sections: Sequence[ReportSection]
    glossary: Mapping[str, str] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)


def clean(text: str) -> str:
    """Drop control characters (other than tab and newline) from text bound for the page."""
    return _CONTROL.sub("", str(text))


def data_uri(source: FigureSource) -> str:
    """Return a base64 data URI for PNG/SVG bytes or a file path."""
    data = Path(source).read_bytes() if isinstance(source, str | Path) else bytes(source)
    head = data[:256].lstrip()
    mime = "image/svg+xml" if head.startswith((b"<svg", b"<?xml")) else "image/png"
    if mime == "image/png" and not data.startswith(b"\x89PNG"):
        logger.warning("figure data does not start with the PNG signature")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def slug(text: str) -> str:
    """Return an HTML id made from a title."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _provenance_value(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_provenance_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_provenance_value(v) for v in value)
    if isinstance(value, float):
        return fmt_num(value, 6)
    return str(value)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("agi_interventions.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _table(item: Table | pd.DataFrame) -> Table:
    table = item if isinstance(item, Table) else frame_table(item)
    return Table(
        [clean(h) for h in table.headers],
        [[clean(c) for c in row] for row in table.rows],
        table.numeric,
        table.highlight,
        clean(table.caption),
    )


def _section_view(section: ReportSection) -> dict[str, Any]:
    return {
        "title": clean(section.title),
        "id": slug(section.title),
        "paragraphs": [clean(p) for p in section.paragraphs],
        "tables": [_table(t) for t in section.tables],
        "details": [_table(t) for t in section.details],
        "figures": [(clean(caption), data_uri(src)) for caption, src in section.figures.items()],
        "notes": [clean(n) for n in section.notes],
    }


def render_report(context: ReportContext) -> str:
    """Render a self-contained HTML report.

    Parameters
    ----------
    context
        The page's content.

    Returns
    -------
    str
        A complete HTML document: inline CSS, figures as base64 data URIs, no external
        resources, no control characters.
    """
    view = {
        "title": clean(context.title),
        "subtitle": clean(context.subtitle),
        "description": clean(context.description),
        "card_title": clean(context.card_title),
        "card_lines": [clean(x) for x in context.card_lines],
        "cruxes": [clean(x) for x in context.cruxes],
        "card_notes": [clean(x) for x in context.card_notes],
        "sections": [_section_view(s) for s in context.sections],
        "glossary": [(clean(k), clean(v)) for k, v in context.glossary.items()],
        "provenance": [
            (clean(str(k)), clean(_provenance_value(v))) for k, v in context.provenance.items()
        ],
    }
    html = _environment().get_template("report.html.j2").render(**view)
    logger.info("rendered report %r (%d characters)", context.title, len(html))
    return html
