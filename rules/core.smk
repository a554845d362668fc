# Core pipeline: sample and evaluate, diagnostics, Sobol indices, ranking, provenance.


rule simulate:
    input:
        priors=lambda wildcards: config["worldviews"][wildcards.worldview],
    output:
        "results/{worldview}/samples.parquet",
    params:
        samples=int(config["samples"]),
        seed=config["seed"],
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/simulate.log",
    benchmark:
        "results/{worldview}/benchmarks/simulate.tsv"
    shell:
        "python -m agi_interventions simulate --priors {input.priors:q} --name {wildcards.worldview}"
        " --samples {params.samples} --seed {params.seed} --out {output:q} 2> {log:q}"


rule diagnostics:
    input:
        "results/{worldview}/samples.parquet",
    output:
        report(
            "results/{worldview}/diagnostics.csv",
            caption="../report/diagnostics.rst",
            category="{worldview}",
            subcategory="Diagnostics",
        ),
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/diagnostics.log",
    benchmark:
        "results/{worldview}/benchmarks/diagnostics.tsv"
    shell:
        "python -m agi_interventions diagnostics --samples {input:q} --out {output:q} 2> {log:q}"


rule sobol:
    input:
        "results/{worldview}/samples.parquet",
    output:
        report(
            "results/{worldview}/sobol.csv",
            caption="../report/sobol.rst",
            category="{worldview}",
            subcategory="Sensitivity",
        ),
    params:
        resamples=config["bootstrap_resamples"],
        seed=config["seed"],
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/sobol.log",
    benchmark:
        "results/{worldview}/benchmarks/sobol.tsv"
    shell:
        "python -m agi_interventions sobol --samples {input:q} --resamples {params.resamples}"
        " --seed {params.seed} --out {output:q} 2> {log:q}"


rule rank:
    input:
        "results/{worldview}/samples.parquet",
    output:
        ranking=report(
            "results/{worldview}/ranking.csv",
            caption="../report/ranking.rst",
            category="{worldview}",
            subcategory="Ranking",
        ),
        pairwise=report(
            "results/{worldview}/pairwise.csv",
            caption="../report/pairwise.rst",
            category="{worldview}",
            subcategory="Ranking",
        ),
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/rank.log",
    benchmark:
        "results/{worldview}/benchmarks/rank.tsv"
    shell:
        "python -m agi_interventions rank --samples {input:q} --ranking {output.ranking:q}"
        " --pairwise {output.pairwise:q} 2> {log:q}"


rule provenance:
    input:
        priors=lambda wildcards: config["worldviews"][wildcards.worldview],
    output:
        "results/{worldview}/provenance.json",
    params:
        config_json=lambda wildcards: json.dumps(config, sort_keys=True),
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/provenance.log",
    shell:
        "python -m agi_interventions provenance --config-json {params.config_json:q}"
        " --worldview {wildcards.worldview} --priors {input.priors:q} --out {output:q} 2> {log:q}"
