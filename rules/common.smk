# Helper functions shared by the rules: outputs and inputs derived from the package registry.

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


def figure_inputs(wildcards):
    """Tables the figures of one worldview are drawn from."""
    names = ["draws", "design", "sobol", "ranking"]
    if DECISION_ANALYSIS:
        names += ["sobol_decision", "value_of_information", "switching", "switching_curves"]
    folder = f"results/{wildcards.worldview}"
    files = {name: f"{folder}/{registry.BY_NAME[name].file}" for name in names}
    return {"priors": config["worldviews"][wildcards.worldview], **files}


def report_inputs(wildcards):
    """Every result of one worldview the report reads: all final outputs but the report."""
    folder = f"results/{wildcards.worldview}"
    return {
        "priors": config["worldviews"][wildcards.worldview],
        "results": [f"{folder}/{o.file}" for o in FINAL if o.name != "report"],
    }
