# Core pipeline: design, chunked evaluation, Sobol indices, ranking, diagnostics, error budget.


rule design:
    input:
        priors=priors_of,
    output:
        draws="results/{worldview}/draws.parquet",
        design="results/{worldview}/design.json",
    params:
        samples=SAMPLES,
        seed=config["seed"],
        chunks=CHUNKS,
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/design.log",
    benchmark:
        "results/{worldview}/benchmarks/design.tsv"
    shell:
        "python -m agi_interventions design --priors {input.priors:q} --name {wildcards.worldview}"
        " --samples {params.samples} --seed {params.seed} --chunks {params.chunks}"
        " --draws {output.draws:q} --design {output.design:q} 2> {log:q}"


rule evaluate:
    input:
        design="results/{worldview}/design.json",
        draws="results/{worldview}/draws.parquet",
    output:
        ab="results/{worldview}/chunks/evaluate_{chunk}.parquet",
        counts="results/{worldview}/chunks/counts_{chunk}.json",
    group:
        "chunk"
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/evaluate_{chunk}.log",
    benchmark:
        "results/{worldview}/benchmarks/evaluate_{chunk}.tsv"
    shell:
        "python -m agi_interventions evaluate --design {input.design:q} --draws {input.draws:q}"
        " --chunk {wildcards.chunk} --out {output.ab:q} --counts {output.counts:q} 2> {log:q}"


rule sobol_chunk:
    input:
        design="results/{worldview}/design.json",
        draws="results/{worldview}/draws.parquet",
        ab="results/{worldview}/chunks/evaluate_{chunk}.parquet",
    output:
        "results/{worldview}/chunks/sobol_{chunk}.npz",
    params:
        resamples=config["bootstrap_resamples"],
    group:
        "chunk"
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/sobol_chunk_{chunk}.log",
    benchmark:
        "results/{worldview}/benchmarks/sobol_chunk_{chunk}.tsv"
    shell:
        "python -m agi_interventions sobol-chunk --design {input.design:q} --draws {input.draws:q}"
        " --ab {input.ab:q} --chunk {wildcards.chunk} --resamples {params.resamples}"
        " --out {output:q} 2> {log:q}"


rule sobol:
    input:
        priors=priors_of,
        design="results/{worldview}/design.json",
        sums=chunk_files("results/{worldview}/chunks/sobol_{chunk}.npz"),
    output:
        sobol=_reported("sobol.csv", "sobol", "Sensitivity"),
        sobol_decision=_reported("sobol_decision.csv", "sobol_decision", "Decision"),
        sobol_asinh=_reported("sobol_asinh.csv", "robust", "Sensitivity"),
    params:
        out_dir=lambda wildcards, output: os.path.dirname(output.sobol),
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/sobol.log",
    benchmark:
        "results/{worldview}/benchmarks/sobol.tsv"
    shell:
        "python -m agi_interventions sobol --priors {input.priors:q} --name {wildcards.worldview}"
        " --design {input.design:q} --sums {input.sums:q} --out-dir {params.out_dir:q} 2> {log:q}"


rule diagnostics:
    input:
        draws="results/{worldview}/draws.parquet",
        counts=chunk_files("results/{worldview}/chunks/counts_{chunk}.json"),
    output:
        _reported("diagnostics.csv", "diagnostics", "Diagnostics"),
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/diagnostics.log",
    benchmark:
        "results/{worldview}/benchmarks/diagnostics.tsv"
    shell:
        "python -m agi_interventions diagnostics --draws {input.draws:q}"
        " --counts {input.counts:q} --out {output:q} 2> {log:q}"


rule rank:
    input:
        priors=priors_of,
        draws="results/{worldview}/draws.parquet",
    output:
        ranking=_reported("ranking.csv", "ranking", "Ranking"),
        pairwise=_reported("pairwise.csv", "pairwise", "Ranking"),
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/rank.log",
    benchmark:
        "results/{worldview}/benchmarks/rank.tsv"
    shell:
        "python -m agi_interventions rank --priors {input.priors:q} --name {wildcards.worldview}"
        " --draws {input.draws:q} --ranking {output.ranking:q} --pairwise {output.pairwise:q}"
        " 2> {log:q}"


rule resolution:
    input:
        unpack(
            lambda wildcards: {
                "design": f"results/{wildcards.worldview}/design.json",
                "ranking": f"results/{wildcards.worldview}/ranking.csv",
                "pairwise": f"results/{wildcards.worldview}/pairwise.csv",
                "sobol": f"results/{wildcards.worldview}/sobol.csv",
                **(
                    {"voi": f"results/{wildcards.worldview}/value_of_information.csv"}
                    if DECISION_ANALYSIS
                    else {}
                ),
            }
        ),
    output:
        resolution=_reported("resolution.csv", "mc_error", "Ranking"),
        mc_error=_reported("mc_error.csv", "mc_error", "Ranking"),
    params:
        voi=lambda wildcards, input: f"--voi {input.voi}" if DECISION_ANALYSIS else "",
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/resolution.log",
    shell:
        "python -m agi_interventions resolution --design {input.design:q}"
        " --ranking {input.ranking:q} --pairwise {input.pairwise:q} --sobol {input.sobol:q}"
        " {params.voi} --out {output.resolution:q} --mc-error {output.mc_error:q} 2> {log:q}"


rule provenance:
    input:
        priors=priors_of,
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
        unpack(figure_inputs),
    output:
        **{
            name: report(
                f"results/{{worldview}}/figures/{name}.png",
                caption=f"../report/figure_{name}.rst",
                category="{worldview}",
                subcategory="Figures",
            )
            for name in FIGURES
        },
    params:
        results=lambda wildcards, input: os.path.dirname(input.ranking),
        out_dir=lambda wildcards, output: os.path.dirname(output.sobol),
        decision="--decision" if DECISION_ANALYSIS else "",
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/figures.log",
    benchmark:
        "results/{worldview}/benchmarks/figures.tsv"
    shell:
        "python -m agi_interventions figures {params.decision} --results {params.results:q}"
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
