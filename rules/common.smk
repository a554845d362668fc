# Helper functions shared by the rules: outputs and inputs derived from the package registry.

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


def chunk_files(pattern):
    """Input function: one file per chunk of a worldview, in chunk order."""

    def files(wildcards):
        return [
            pattern.format(worldview=wildcards.worldview, chunk=chunk) for chunk in range(CHUNKS)
        ]

    return files


def priors_fingerprint(wildcards):
    """What a worldview's prior file says, notes and description left out (a hash)."""
    return content_fingerprint(read_yaml(priors_of(wildcards), "prior file"))


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
