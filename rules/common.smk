# Helper functions shared by the rules.


def report_inputs(wildcards):
    """Tables and figures the report of one worldview reads."""
    names = ["samples.parquet", "sobol.csv", "ranking.csv", "pairwise.csv"]
    names += ["diagnostics.csv", "provenance.json"]
    figures = list(FIGURE_SETS["core"])
    if DECISION_ANALYSIS:
        names += DECISION_TABLES
        figures += FIGURE_SETS["decision"]
    folder = f"results/{wildcards.worldview}"
    return {
        "priors": config["worldviews"][wildcards.worldview],
        "tables": [f"{folder}/{name}" for name in names],
        "figures": [f"{folder}/figures/{name}.png" for name in figures],
    }


def _reported(name, caption, subcategory):
    """A per-worldview output flagged for `snakemake --report`."""
    return report(
        f"results/{{worldview}}/{name}",
        caption=f"../report/{caption}.rst",
        category="{worldview}",
        subcategory=subcategory,
    )
