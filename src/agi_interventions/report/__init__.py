"""Report layer: figures (matplotlib Figures) and a self-contained HTML page per worldview."""

from __future__ import annotations

from agi_interventions.report.figures import (
    FIGURE_CAPTIONS,
    alignment_channels,
    figure_png,
    marginal_value_distributions,
    p_best_bars,
    report_figures,
    sobol_bars,
)
from agi_interventions.report.html import (
    PriorRow,
    ReportContext,
    ReportSection,
    prior_rows,
    render_report,
)

__all__ = [
    "FIGURE_CAPTIONS",
    "PriorRow",
    "ReportContext",
    "ReportSection",
    "alignment_channels",
    "figure_png",
    "marginal_value_distributions",
    "p_best_bars",
    "prior_rows",
    "render_report",
    "report_figures",
    "sobol_bars",
]
