"""Pipeline steps: the functions each Snakemake rule calls, from inputs and settings to tables.

==============  ==================================================================================
rule            functions
==============  ==================================================================================
``design``      :func:`design`: the independent draws (to a sink) and the design record
``chunk``       :func:`chunk`: one chunk's ``AB_j`` rows, evaluated and summed for Sobol
``summary``     :func:`sobol` (the three Sobol tables), :func:`rank` (ranking, pairwise,
                per structure, risk rules), :func:`diagnostics`
``decision``    :func:`decision` (value of information, expected loss, switching values),
                :func:`robustness` (PAWN, method comparison), :func:`scenarios` (PRIM boxes)
``resolution``  :func:`resolution`: the error budget
``provenance``  :func:`provenance`
``report``      :func:`agi_interventions.report.build.draw_figures` and
                :func:`agi_interventions.report.build.build_report`
``compare``     :func:`compare`: several worldviews side by side, pooled by credence, swapped
==============  ==================================================================================

:mod:`.core` holds the steps every run has, :mod:`.decision_analysis` those of the decision
analysis, :mod:`.comparison` the comparison of worldviews.
Reading and writing files is the command line's job (:mod:`agi_interventions.commands`); the
chunked step reads rows through a reader so that memory scales with a batch of blocks
(:mod:`agi_interventions.chunks`), and :func:`agi_interventions.api.analyse` runs the same
functions in memory.
"""

from agi_interventions.lazy import lazy_attributes

#: Where each public name lives. Submodules load on first use (PEP 562), so a job imports
#: only what its step needs: ``chunk`` does not pay for the comparison's or the decision
#: analysis's imports (scipy.stats and scikit-learn among them, about a second per job).
_HOME = {
    "RowReader": "core",
    "chunk": "core",
    "design": "core",
    "diagnostics": "core",
    "provenance": "core",
    "rank": "core",
    "resolution": "core",
    "sobol": "core",
    "DESCRIPTIVE_ROWS": "decision_analysis",
    "SUBSAMPLE_ROWS": "decision_analysis",
    "decision": "decision_analysis",
    "robustness": "decision_analysis",
    "scenarios": "decision_analysis",
    "compare": "comparison",
}

__getattr__, __dir__ = lazy_attributes(
    globals(), {name: f"{__name__}.{module}" for name, module in _HOME.items()}
)

__all__ = [
    "DESCRIPTIVE_ROWS",
    "SUBSAMPLE_ROWS",
    "RowReader",
    "chunk",
    "compare",
    "decision",
    "design",
    "diagnostics",
    "provenance",
    "rank",
    "resolution",
    "robustness",
    "scenarios",
    "sobol",
]
