"""Pipeline steps: one function per Snakemake rule, from inputs and settings to tables.

===============  ==============================================================================
rule             function
===============  ==============================================================================
``design``       :func:`design`: the independent draws (to a sink) and the design record
``evaluate``     :func:`evaluate`: one chunk's ``AB_j`` values (to a sink) and counts
``sobol_chunk``  :func:`sobol_sums`: one chunk's Saltelli/Jansen sums
``sobol``        :func:`sobol`: the three Sobol tables
``diagnostics``  :func:`diagnostics`
``rank``         :func:`rank`: ranking and pairwise comparisons
``resolution``   :func:`resolution`: the error budget
``provenance``   :func:`provenance`
``robustness``   :func:`robustness`: PAWN and the method comparison
``decision``     :func:`decision`: value of information, expected loss, switching values
``scenarios``    :func:`scenarios`: PRIM boxes
``figures``      :func:`agi_interventions.report.build.draw_figures`
``report``       :func:`agi_interventions.report.build.build_report`
===============  ==============================================================================

:mod:`.core` holds the steps every run has, :mod:`.decision` those of the decision analysis.
Reading and writing files is the command line's job (:mod:`agi_interventions.cli`); the
chunked steps take readers and sinks so that memory scales with a batch of blocks
(:mod:`agi_interventions.chunks`), and :func:`agi_interventions.api.analyse` runs the same
functions in memory.
"""

from agi_interventions.steps.core import (
    RowReader,
    design,
    diagnostics,
    evaluate,
    provenance,
    rank,
    resolution,
    sobol,
    sobol_sums,
)
from agi_interventions.steps.decision import SUBSAMPLE_ROWS, decision, robustness, scenarios

__all__ = [
    "SUBSAMPLE_ROWS",
    "RowReader",
    "decision",
    "design",
    "diagnostics",
    "evaluate",
    "provenance",
    "rank",
    "resolution",
    "robustness",
    "scenarios",
    "sobol",
    "sobol_sums",
]
