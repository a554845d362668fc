# Helper functions shared by the rules.


def priors_of(wildcards):
    """The prior file of one worldview."""
    return config["worldviews"][wildcards.worldview]


def chunk_files(pattern):
    """Input function: one file per chunk of a worldview, in chunk order."""

    def files(wildcards):
        return [
            pattern.format(worldview=wildcards.worldview, chunk=chunk) for chunk in range(CHUNKS)
        ]

    return files


def figure_inputs(wildcards):
    """Tables the figures of one worldview are drawn from."""
    folder = f"results/{wildcards.worldview}"
    names = ["draws.parquet", "sobol.csv", "ranking.csv"]
    if DECISION_ANALYSIS:
        names += [
            "sobol_decision.csv",
            "value_of_information.csv",
            "switching.csv",
            "switching_curves.csv",
        ]
    return {name.split(".")[0]: f"{folder}/{name}" for name in names}


def report_inputs(wildcards):
    """Tables and figures the report of one worldview reads."""
    names = [*CORE_TABLES, "provenance.json"]
    if DECISION_ANALYSIS:
        names += DECISION_TABLES
    folder = f"results/{wildcards.worldview}"
    return {
        "priors": config["worldviews"][wildcards.worldview],
        "draws": f"{folder}/draws.parquet",
        "tables": [f"{folder}/{name}" for name in names],
        "figures": [f"{folder}/figures/{name}.png" for name in FIGURES],
    }


def _reported(name, caption, subcategory):
    """A per-worldview output flagged for `snakemake --report`."""
    return report(
        f"results/{{worldview}}/{name}",
        caption=f"../report/{caption}.rst",
        category="{worldview}",
        subcategory=subcategory,
    )
