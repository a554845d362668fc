"""Assemble one worldview's report from its results.

:func:`draw_figures` draws a set of figures as PNG bytes and :func:`build_report` returns the
self-contained HTML page; both take a :class:`agi_interventions.results.WorldviewResults`, read
from a result folder (the pipeline) or returned by :func:`agi_interventions.api.analyse`.
Sentences come from :mod:`agi_interventions.narrative`, table builders from
:mod:`agi_interventions.report.tables`, the page from :mod:`agi_interventions.report.html`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pandas as pd

from agi_interventions import narrative
from agi_interventions.parameters import INTERVENTIONS
from agi_interventions.report.captions import (
    DECISION_FIGURE_CAPTIONS,
    FIGURE_NAMES,
    FIGURE_SETS,
    SOBOL_DECISION_CAPTION,
)
from agi_interventions.report.html import ReportContext, ReportSection, render_report
from agi_interventions.report.tables import prior_rows
from agi_interventions.results import WorldviewResults

logger = logging.getLogger(__name__)

__all__ = ["FIGURE_NAMES", "FIGURE_SETS", "build_report", "draw_figures", "figures_of"]


def draw_figures(results: WorldviewResults, which: str = "core") -> dict[str, bytes]:
    """Draw one set of report figures as PNG bytes.

    Parameters
    ----------
    results
        A worldview's results.
    which
        ``core`` (distributions, P(best), Sobol, alignment channels) or ``decision`` (Sobol
        of the choice, EVPPI, switching curves; needs the decision tables).

    Returns
    -------
    dict of str to bytes
        Figure name to PNG, for every name in ``FIGURE_SETS[which]``.
    """
    # plotting libraries load here, not with the module: the HTML step needs none of them
    from agi_interventions.report.decision_figures import evppi_bars, switching_curves
    from agi_interventions.report.figures import figure_png, report_figures, sobol_bars

    tables = results.tables
    if which == "core":
        return report_figures(results.draws, tables["sobol"], tables["ranking"])
    if which == "decision":
        return {
            "sobol_decision": figure_png(sobol_bars(tables["sobol_decision"])),
            "evppi": figure_png(evppi_bars(tables["value_of_information"])),
            "switching": figure_png(
                switching_curves(tables["switching_curves"], tables["switching"])
            ),
        }
    raise ValueError(f"unknown figure set {which!r} (known: {', '.join(FIGURE_SETS)})")


def figures_of(results: WorldviewResults) -> dict[str, bytes]:
    """Every figure the report shows, drawing those not yet drawn."""
    figures = dict(results.figures)
    for which in ("core", "decision") if results.decision else ("core",):
        if not set(FIGURE_SETS[which]) <= set(figures):
            figures.update(draw_figures(results, which))
    return figures


def _top_comparison(comparison: pd.DataFrame, per_output: int = 8) -> pd.DataFrame:
    order = {name: i for i, name in enumerate(INTERVENTIONS)}
    return (
        comparison.assign(_order=comparison["output"].map(order))
        .sort_values(["_order", "mean_rank"], kind="stable")
        .groupby("output", sort=False)
        .head(per_output)
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def structure_section(view, tables: Mapping[str, pd.DataFrame]) -> ReportSection:
    """Build "Does the model's structure decide it?" (worldviews with structural variants)."""
    structure = tables.get("structure", pd.DataFrame())
    return ReportSection(
        title="Does the model's structure decide it?",
        paragraphs=narrative.structure_sentences(
            structure,
            view.structure.always,
            tables.get("value_of_information"),
            tables.get("sobol_decision"),
            narrative.winner(tables["ranking"]),
        ),
        tables=[("Ranking where each variant holds and where it does not", "structure")]
        if not structure.empty
        else [],
    )


def budget_section(tables: Mapping[str, pd.DataFrame]) -> ReportSection:
    """Build the Monte Carlo error budget section: does N resolve what the report leads with."""
    return ReportSection(
        title="Monte Carlo error budget",
        paragraphs=narrative.resolution_sentences(tables["resolution"]),
        tables=[
            ("Is N large enough for what the report leads with?", "resolution"),
            ("Every headline number with its 95% Monte Carlo half-width", "mc_error"),
        ],
    )


def decision_sections(
    tables: Mapping[str, pd.DataFrame],
    figures: Mapping[str, bytes],
    rank_shift: int,
    reason: str,
) -> list[ReportSection]:
    """Build the report sections of the decision analysis.

    Parameters
    ----------
    tables
        The worldview's tables (registry names).
    figures
        Figure name to PNG.
    rank_shift
        Rank shift beyond which the method comparison flags a parameter.
    reason
        Why exact values are not available (empty when they are).

    Returns
    -------
    list of ReportSection
        "What would change our mind", sensitivity of the choice and tail-robust sensitivity.
    """
    ranking = tables["ranking"]
    voi = tables["value_of_information"]
    boxes = tables["prim_boxes"]
    switching = tables["switching"]
    comparison = tables["method_comparison"]
    pawn = tables["pawn"]
    sobol_decision = tables["sobol_decision"]
    asinh = tables["sobol_asinh"]
    scales = asinh.drop_duplicates("output").set_index("output")["asinh_scale"]
    winner = narrative.winner(ranking)
    total = int(ranking["n"].iloc[0])
    threshold = float(boxes["threshold"].iloc[0]) if len(boxes) else 1.0
    change_mind = ReportSection(
        title="What would change our mind",
        paragraphs=[
            *narrative.value_of_information_sentences(voi, ranking, reason),
            narrative.subsample_sentence(
                int(voi["rows"].iloc[0]), total, "The regression estimates of EVPPI"
            ),
            *narrative.switching_sentences(switching, voi),
            *narrative.scenario_sentences(boxes, threshold),
        ],
        figures={
            DECISION_FIGURE_CAPTIONS["evppi"]: figures["evppi"],
            DECISION_FIGURE_CAPTIONS["switching"]: figures["switching"],
        },
        tables=[
            ("Value of information (marginal-value units)", "value_of_information"),
            ("Expected loss of committing to each intervention", "expected_loss"),
            ("Switching values", "switching"),
            ("PRIM boxes: where each intervention is the per-draw best", "prim_boxes"),
        ],
    )
    choice = ReportSection(
        title="Which beliefs move the choice (decision-focused Sobol)",
        paragraphs=[
            narrative.decision_sobol_outputs_sentence(winner),
            *narrative.sobol_sentences(sobol_decision),
        ],
        figures={SOBOL_DECISION_CAPTION: figures["sobol_decision"]},
    )
    robust = ReportSection(
        title="Tail-robust sensitivity",
        paragraphs=[
            narrative.asinh_scale_sentence(scales),
            narrative.subsample_sentence(int(pawn["rows"].iloc[0]), total, "PAWN"),
            *narrative.robustness_sentences(comparison, rank_shift),
        ],
        tables=[
            ("Parameter rank per method (top 8 per output by mean rank)", "method_comparison"),
        ],
    )
    return [change_mind, choice, robust]


def derived_note(view) -> str:
    """Say which canonical parameters the worldview's structure derives rather than samples."""
    from agi_interventions.parameters import PARAMETER_NAMES, symbol

    derived = [name for name in PARAMETER_NAMES if name not in view.priors]
    if not derived:
        return ""
    parts = [f"{symbol(name)} ({view.structure.why_replaced(name)})" for name in derived]
    return "Not sampled but derived: " + "; ".join(parts) + "."


def build_report(results: WorldviewResults, rank_shift: int) -> str:
    """Render one worldview's self-contained HTML report.

    Parameters
    ----------
    results
        The worldview's results (figures are drawn if missing).
    rank_shift
        Rank shift beyond which the method comparison flags a parameter.

    Returns
    -------
    str
        The HTML document.
    """
    from agi_interventions.exact import applicability

    view = results.worldview
    tables = results.tables
    # Sentences are generated from the full tables; the report shows the method comparison's
    # top rows only.
    shown = dict(tables)
    if "method_comparison" in shown:
        shown["method_comparison"] = _top_comparison(shown["method_comparison"])
    figures = figures_of(results)
    reason = applicability(view) or ""
    sections = []
    if view.structure.variants:
        sections.append(structure_section(view, tables))
    if results.decision:
        sections += decision_sections(tables, figures, rank_shift, reason)
    sections.append(budget_section(tables))
    context = ReportContext(
        worldview=view.name,
        description=view.description,
        structure=view.structure.describe(),
        derived_note=derived_note(view),
        consistent_by_construction=view.structure.consistent_by_construction,
        priors=prior_rows(view),
        ranking=tables["ranking"],
        pairwise=tables["pairwise"],
        diagnostics=tables["diagnostics"],
        sobol=tables["sobol"],
        figures={name: figures[name] for name in FIGURE_SETS["core"]},
        provenance=results.provenance,
        sections=sections,
        values=results.draws,
        tables=shown,
    )
    return render_report(context)
