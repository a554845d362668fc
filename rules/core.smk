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
        resolution=report(
            "results/{worldview}/ranking_resolution.csv",
            caption="../report/mc_error.rst",
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
        " --pairwise {output.pairwise:q} --resolution {output.resolution:q} 2> {log:q}"


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


rule figures:
    input:
        samples="results/{worldview}/samples.parquet",
        sobol="results/{worldview}/sobol.csv",
        ranking="results/{worldview}/ranking.csv",
    output:
        **{
            name: report(
                f"results/{{worldview}}/figures/{name}.png",
                caption=f"../report/figure_{name}.rst",
                category="{worldview}",
                subcategory="Figures",
            )
            for name in FIGURE_SETS["core"]
        },
    params:
        results=lambda wildcards, input: os.path.dirname(input.ranking),
        out_dir=lambda wildcards, output: os.path.dirname(output.sobol),
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/figures.log",
    benchmark:
        "results/{worldview}/benchmarks/figures.tsv"
    shell:
        "python -m agi_interventions figures --set core --results {params.results:q}"
        " --out-dir {params.out_dir:q} 2> {log:q}"


rule report:
    input:
        unpack(report_inputs),
    output:
        report(
            "results/{worldview}/report.html",
            caption="../report/report.rst",
            category="{worldview}",
            subcategory="Report",
        ),
    params:
        results=lambda wildcards, input: os.path.dirname(input.tables[0]),
        figures=lambda wildcards, input: os.path.dirname(input.figures[0]),
        rank_shift=DECISION["rank_shift"],
        no_decision="" if DECISION_ANALYSIS else "--no-decision",
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/report.log",
    benchmark:
        "results/{worldview}/benchmarks/report.tsv"
    shell:
        "python -m agi_interventions report --results {params.results:q}"
        " --figures {params.figures:q} --priors {input.priors:q}"
        " --worldview {wildcards.worldview} --rank-shift {params.rank_shift}"
        " {params.no_decision} --out {output:q} 2> {log:q}"
