# Marginal value of alignment vs cooperation work: priors -> design -> evaluation -> tables -> report.
#
#   snakemake --cores all                          # every worldview in config/config.yaml
#   snakemake --cores all --configfile other.yaml  # exactly the configuration in other.yaml
#
# Rules are thin adapters around the `agi-interventions` command of the installed package; the
# outputs of every rule come from the package's registry (agi_interventions.registry).

import os

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import min_version, validate

from agi_interventions import registry
from agi_interventions.configuration import (
    SCHEMA,
    ConfigError,
    chunk_count,
    file_problems,
    name_problems,
    normalised,
    value_problems,
)
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
    validate(config, str(SCHEMA))
except WorkflowError as _err:
    raise ConfigError(f"invalid configuration in {_source}: {_err}") from None
config.update(normalised(config))  # integers written as 1.0 become 1
_problems = value_problems(config, _source)
if _problems:
    raise ConfigError("invalid configuration:\n  " + "\n  ".join(_problems))

# Prior files are validated once, by the main process, before any rule runs (jobs that parse
# this file on a cluster node skip it); every problem of every file is listed at once.
if workflow.is_main_process:
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
CHUNKS = chunk_count(config["chunks"], SAMPLES)
DECISION_ANALYSIS = config["decision_analysis"]
DECISION = config["decision"]
FINAL = registry.final(DECISION_ANALYSIS)


wildcard_constraints:
    worldview="|".join(WORLDVIEWS),
    chunk=r"\d+",


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/core.smk"
include: "rules/compare.smk"


# One chunk: one job computes a worldview's tables. Several: one job per step and per chunk.
if CHUNKS == 1:

    include: "rules/tables.smk"

else:

    include: "rules/steps.smk"
    include: "rules/decision.smk"


onstart:
    # temporary files of writes killed in an earlier run (their outputs are rerun)
    from agi_interventions.io import remove_stale_temporaries

    remove_stale_temporaries("results")


onsuccess:
    # where to look: the reports this configuration produces (a rerun that changed nothing
    # lists them too)
    _reports = [f"results/{name}/report.html" for name in WORLDVIEWS]
    if len(WORLDVIEWS) > 1:
        _reports.append(f"results/{registry.COMPARISON_FOLDER}/report.html")
    logger.info("Reports (open in a browser; they work offline):")
    for _path in _reports:
        if os.path.exists(_path):
            logger.info(f"  {os.path.abspath(_path)}")


COMPARISON = (
    [f"results/{registry.COMPARISON_FOLDER}/{o.file}" for o in registry.COMPARISON_OUTPUTS]
    if len(WORLDVIEWS) > 1
    else []
)


rule all:
    input:
        expand("results/{worldview}/{file}", worldview=WORLDVIEWS, file=[o.file for o in FINAL]),
        COMPARISON,
    default_target: True
