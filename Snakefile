# Marginal value of alignment vs cooperation work: priors -> marginal values -> Sobol -> report.
#
#   snakemake --cores all                          # every worldview in config/config.yaml
#   snakemake --cores all --configfile other.yaml  # another set of worldviews
#
# Rules are thin adapters around the `agi-interventions` command of the installed package.

import json
import os

from snakemake.utils import min_version, validate

from agi_interventions.decision_analysis import DECISION_DEFAULTS, resolve_groups
from agi_interventions.priors import PriorError, load_worldview
from agi_interventions.report.build import FIGURE_SETS


min_version("8.20")


configfile: "config/config.yaml"


validate(config, "config/schema/config.schema.yaml")

# Prior files are validated before any rule runs; every problem is listed at once.
_problems = []
for _name, _path in config["worldviews"].items():
    try:
        load_worldview(_path, name=_name)
    except PriorError as _err:
        _problems.extend(_err.problems)
if _problems:
    raise ValueError("invalid prior file(s):\n  " + "\n  ".join(_problems))

# Jobs import the package from this checkout, so they also work inside the conda environment
# of envs/pipeline.yaml (which holds only the dependencies). Each job is single-threaded:
# Snakemake runs jobs side by side, and oversubscribed BLAS threads made the EVPPI fits
# several times slower.
shell.prefix(
    f'export PYTHONPATH="{workflow.basedir}/src${{{{PYTHONPATH:+:$PYTHONPATH}}}}"'
    " OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1; "
)

WORLDVIEWS = list(config["worldviews"])
DECISION = {**DECISION_DEFAULTS, **config.get("decision", {})}
DECISION_ANALYSIS = config["decision_analysis"]
DECISION_TABLES = [
    "sobol_decision.csv",
    "sobol_asinh.csv",
    "pawn.csv",
    "method_comparison.csv",
    "value_of_information.csv",
    "expected_loss.csv",
    "switching.csv",
    "switching_curves.csv",
    "prim_boxes.csv",
    "ranking_resolution.csv",
    "mc_error.csv",
]
resolve_groups(DECISION["groups"], [])  # fails early on unknown parameter names


wildcard_constraints:
    worldview="|".join(WORLDVIEWS),


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/core.smk"
include: "rules/decision.smk"


rule all:
    input:
        expand(
            "results/{worldview}/{name}",
            worldview=WORLDVIEWS,
            name=[
                "report.html",
                "sobol.csv",
                "ranking.csv",
                "pairwise.csv",
                "diagnostics.csv",
                *(DECISION_TABLES if DECISION_ANALYSIS else []),
            ],
        ),
    default_target: True
