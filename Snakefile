# Marginal value of alignment vs cooperation work: priors -> design -> evaluation -> tables -> report.
#
#   snakemake --cores all                          # every worldview in config/config.yaml
#   snakemake --cores all --configfile other.yaml  # another set of worldviews
#
# Rules are thin adapters around the `agi-interventions` command of the installed package.

import json
import os

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

from agi_interventions.configuration import ConfigError, file_problems, name_problems
from agi_interventions.priors import PriorError, load_worldview


min_version("8.20")


# `--configfile other.yaml` runs exactly the configuration in that file: the shipped one is
# read only when no configuration file is given on the command line.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


CONFIG_FILES = [str(p) for p in workflow.overwrite_configfiles] or ["config/config.yaml"]
_source = ", ".join(CONFIG_FILES)
_problems = file_problems(CONFIG_FILES) + name_problems(config, _source)
if _problems:
    raise ConfigError("invalid configuration:\n  " + "\n  ".join(_problems))
try:
    validate(config, "config/schema/config.schema.yaml")
except WorkflowError as _err:
    raise ConfigError(f"invalid configuration in {_source}: {_err}") from None

# Prior files are validated before any rule runs; every problem is listed at once.
_problems = []
for _name, _path in config["worldviews"].items():
    try:
        load_worldview(_path, name=_name)
    except PriorError as _err:
        _problems.extend(_err.problems)
if _problems:
    raise PriorError(["invalid prior file(s):", *_problems])

# Jobs import the package from this checkout, so they also work inside the conda environment
# of envs/pipeline.yaml (which holds only the dependencies). Each job is single-threaded:
# Snakemake runs jobs side by side, and oversubscribed BLAS threads made the EVPPI fits
# several times slower.
shell.prefix(
    f'export PYTHONPATH="{workflow.basedir}/src${{{{PYTHONPATH:+:$PYTHONPATH}}}}"'
    " OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1; "
)

WORLDVIEWS = list(config["worldviews"])
SAMPLES = int(config["samples"])
# Chunks of the evaluation: a power of two, at most the design's number of blocks
# (min(N, 1024)); "auto" gives one chunk per 2^16 base points, at most 16.
CHUNKS = config["chunks"]
if CHUNKS == "auto":
    CHUNKS = max(1, min(16, SAMPLES // 2**16))
CHUNKS = min(int(CHUNKS), SAMPLES, 1024)
DECISION_ANALYSIS = config["decision_analysis"]
DECISION = config["decision"]
FIGURES = ["marginal_values", "p_best", "sobol", "alignment_channels"]
if DECISION_ANALYSIS:
    FIGURES += ["sobol_decision", "evppi", "switching"]
CORE_TABLES = [
    "sobol.csv",
    "sobol_decision.csv",
    "sobol_asinh.csv",
    "ranking.csv",
    "pairwise.csv",
    "diagnostics.csv",
    "resolution.csv",
    "mc_error.csv",
]
DECISION_TABLES = [
    "pawn.csv",
    "method_comparison.csv",
    "value_of_information.csv",
    "expected_loss.csv",
    "switching.csv",
    "switching_curves.csv",
    "prim_boxes.csv",
]


wildcard_constraints:
    worldview="|".join(WORLDVIEWS),
    chunk=r"\d+",


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/core.smk"
include: "rules/decision.smk"


rule all:
    input:
        expand(
            "results/{worldview}/{name}",
            worldview=WORLDVIEWS,
            name=["report.html", *CORE_TABLES, *(DECISION_TABLES if DECISION_ANALYSIS else [])],
        ),
    default_target: True
