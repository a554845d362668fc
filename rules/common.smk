# Helper functions shared by the rules: outputs and inputs derived from the package registry.

import functools

from agi_interventions.documents import content_fingerprint, read_yaml

# `report` opens a directive when it starts a line; the flag function is used under this name.
report_flag = report


def priors_of(wildcards):
    """The prior file of one worldview."""
    return config["worldviews"][wildcards.worldview]


def result(name):
    """Path pattern of a registry output."""
    return f"results/{{worldview}}/{registry.BY_NAME[name].file}"


def outputs_of(step):
    """The outputs a rule writes, by registry name, flagged for `snakemake --report`."""
    out = {}
    for o in registry.outputs(step=step):
        if o.kind == "decision" and not DECISION_ANALYSIS:
            continue
        path = f"results/{{worldview}}/{o.file}"
        key = o.name.split(":")[-1]
        if o.caption:
            path = report_flag(
                path,
                caption=f"../report/{o.caption}.rst",
                category="{worldview}",
                subcategory=o.category,
            )
        out[key] = path
    return out


def tables_outputs():
    """Every file the steps of one worldview's tables write, by the registry's names."""
    out = {}
    for step in registry.TABLE_STEPS:
        for key, path in outputs_of(step).items():
            if key in out:
                raise ValueError(f"registry: two outputs of the tables rule are named {key}")
            out[key] = path
    out["sums"] = f"results/{{worldview}}/{registry.CHUNK_SUMS.format(chunk=0)}"
    out["counts"] = f"results/{{worldview}}/{registry.CHUNK_COUNTS.format(chunk=0)}"
    return out


def chunk_files(pattern):
    """Input function: one file per chunk of a worldview, in chunk order (registry pattern)."""

    def files(wildcards):
        return [
            f"results/{wildcards.worldview}/{pattern.format(chunk=chunk)}"
            for chunk in range(CHUNKS)
        ]

    return files


@functools.cache
def file_fingerprint(path):
    """What a prior file says, notes and description left out (a hash; read once per run)."""
    return content_fingerprint(read_yaml(path, "prior file"))


def priors_fingerprint(wildcards):
    """What a worldview's prior file says, notes and description left out (a hash)."""
    return file_fingerprint(priors_of(wildcards))


def report_inputs(wildcards):
    """What the report of one worldview reads: the prior file and every table it shows."""
    folder = f"results/{wildcards.worldview}"
    step_outputs = {"report"}
    return {
        "priors": config["worldviews"][wildcards.worldview],
        "results": [f"{folder}/{o.file}" for o in FINAL if o.step not in step_outputs],
    }


def comparison_inputs(wildcards):
    """What the comparison reads of each worldview: its design, draws and result tables."""
    names = ["design", "draws", "ranking", "provenance"]
    if DECISION_ANALYSIS:
        names.append("value_of_information")
    return [
        f"results/{worldview}/{registry.BY_NAME[name].file}"
        for worldview in WORLDVIEWS
        for name in names
    ]


# The decision analysis's settings, as `params:` of the rules that run it (`decision`,
# `tables`) and as the flags their commands are given. Group names and members are validated
# (configuration.value_problems); every value is quoted.
DECISION_PARAMS = dict(
    groups=[f"--group={name}={','.join(m)}" for name, m in DECISION["groups"].items()],
    evppi_bootstrap=DECISION["evppi_bootstrap"],
    exact_draws=DECISION["exact_draws"],
    switching_bins=DECISION["switching_bins"],
    top_parameters=DECISION["top_parameters"],
    prim_threshold=DECISION["prim_threshold"],
    prim_peel_alpha=DECISION["prim_peel_alpha"],
    rank_shift=DECISION["rank_shift"],
    regression=["--regression-evppi"] if DECISION["regression_evppi"] else [],
)
DECISION_FLAGS = (
    " {params.groups:q} --evppi-bootstrap {params.evppi_bootstrap:q}"
    " --exact-draws {params.exact_draws:q} --switching-bins {params.switching_bins:q}"
    " --top-parameters {params.top_parameters:q} --prim-threshold {params.prim_threshold:q}"
    " --prim-peel-alpha {params.prim_peel_alpha:q} --rank-shift {params.rank_shift:q}"
    " {params.regression:q}"
)
