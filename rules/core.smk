# Core pipeline: design, chunked evaluation, Sobol indices, ranking, diagnostics, error budget.


rule design:
    input:
        priors=priors_of,
    output:
        **outputs_of("design"),
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
        "python -m agi_interventions design --priors {input.priors:q} --name {wildcards.worldview:q}"
        " --samples {params.samples:q} --seed {params.seed:q} --chunks {params.chunks:q}"
        " --draws {output.draws:q} --design {output.design:q} 2> {log:q}"


rule evaluate:
    input:
        design=result("design"),
        draws=result("draws"),
    output:
        ab="results/{worldview}/chunks/evaluate_{chunk}.parquet",
        counts="results/{worldview}/chunks/counts_{chunk}.json",
    group:
        "chunk"
    priority: 5  # unlocks robustness and figures: run beside decision
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/evaluate_{chunk}.log",
    benchmark:
        "results/{worldview}/benchmarks/evaluate_{chunk}.tsv"
    shell:
        "python -m agi_interventions evaluate --design {input.design:q} --draws {input.draws:q}"
        " --chunk {wildcards.chunk:q} --out {output.ab:q} --counts {output.counts:q} 2> {log:q}"


rule sobol_chunk:
    input:
        design=result("design"),
        draws=result("draws"),
        ab="results/{worldview}/chunks/evaluate_{chunk}.parquet",
    output:
        "results/{worldview}/chunks/sobol_{chunk}.npz",
    params:
        resamples=config["bootstrap_resamples"],
    group:
        "chunk"
    priority: 5  # unlocks robustness and figures: run beside decision
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/sobol_chunk_{chunk}.log",
    benchmark:
        "results/{worldview}/benchmarks/sobol_chunk_{chunk}.tsv"
    shell:
        "python -m agi_interventions sobol-chunk --design {input.design:q} --draws {input.draws:q}"
        " --ab {input.ab:q} --chunk {wildcards.chunk:q} --resamples {params.resamples:q}"
        " --out {output:q} 2> {log:q}"


rule sobol:
    input:
        priors=priors_of,
        design=result("design"),
        draws=result("draws"),
        sums=chunk_files("results/{worldview}/chunks/sobol_{chunk}.npz"),
    output:
        **outputs_of("sobol"),
    params:
        out_dir=lambda wildcards, output: os.path.dirname(output.sobol),
    priority: 5  # unlocks robustness and figures: run beside decision
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/sobol.log",
    benchmark:
        "results/{worldview}/benchmarks/sobol.tsv"
    shell:
        "python -m agi_interventions sobol --priors {input.priors:q} --name {wildcards.worldview:q}"
        " --design {input.design:q} --draws {input.draws:q} --sums {input.sums:q} --out-dir {params.out_dir:q} 2> {log:q}"


rule diagnostics:
    input:
        design=result("design"),
        draws=result("draws"),
        counts=chunk_files("results/{worldview}/chunks/counts_{chunk}.json"),
    output:
        **outputs_of("diagnostics"),
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/diagnostics.log",
    benchmark:
        "results/{worldview}/benchmarks/diagnostics.tsv"
    shell:
        "python -m agi_interventions diagnostics --design {input.design:q} --draws {input.draws:q}"
        " --counts {input.counts:q} --out {output.diagnostics:q} 2> {log:q}"


rule rank:
    input:
        priors=priors_of,
        design=result("design"),
        draws=result("draws"),
    output:
        **outputs_of("rank"),
    params:
        seed=config["seed"],
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/rank.log",
    benchmark:
        "results/{worldview}/benchmarks/rank.tsv"
    shell:
        "python -m agi_interventions rank --priors {input.priors:q} --name {wildcards.worldview:q}"
        " --design {input.design:q} --draws {input.draws:q} --ranking {output.ranking:q} --pairwise {output.pairwise:q}"
        " --seed {params.seed:q} --structure {output.structure:q} --risk {output.risk:q}"
        " 2> {log:q}"


rule resolution:
    input:
        design=result("design"),
        ranking=result("ranking"),
        pairwise=result("pairwise"),
        sobol=result("sobol"),
        risk=result("risk"),
        voi=[result("value_of_information")] if DECISION_ANALYSIS else [],
    output:
        **outputs_of("resolution"),
    params:
        voi=lambda wildcards, input: ["--voi", input.voi[0]] if DECISION_ANALYSIS else [],
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/resolution.log",
    shell:
        "python -m agi_interventions resolution --design {input.design:q}"
        " --ranking {input.ranking:q} --pairwise {input.pairwise:q} --sobol {input.sobol:q}"
        " --risk {input.risk:q}"
        " {params.voi:q} --out {output.resolution:q} --mc-error {output.mc_error:q} 2> {log:q}"


rule provenance:
    input:
        priors=priors_of,
        configs=CONFIG_FILES,
    output:
        **outputs_of("provenance"),
    params:
        samples=SAMPLES,
        seed=config["seed"],
        chunks=CHUNKS,
        resamples=config["bootstrap_resamples"],
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/provenance.log",
    shell:
        "python -m agi_interventions provenance --worldview {wildcards.worldview:q}"
        " --priors {input.priors:q} --config-files {input.configs:q} --samples {params.samples:q}"
        " --seed {params.seed:q} --chunks {params.chunks:q} --bootstrap-resamples {params.resamples:q}"
        " --out {output.provenance:q} 2> {log:q}"


rule figures:
    input:
        unpack(figure_inputs),
    output:
        **outputs_of("figures"),
    params:
        results=lambda wildcards, input: os.path.dirname(input.ranking),
        decision=["--decision"] if DECISION_ANALYSIS else [],
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/figures.log",
    benchmark:
        "results/{worldview}/benchmarks/figures.tsv"
    shell:
        "python -m agi_interventions figures {params.decision:q} --results {params.results:q}"
        " --priors {input.priors:q} --name {wildcards.worldview:q} 2> {log:q}"


rule report:
    input:
        unpack(report_inputs),
    output:
        **outputs_of("report"),
    params:
        results=lambda wildcards, input: f"results/{wildcards.worldview}",
        rank_shift=DECISION["rank_shift"],
        decision=["--decision"] if DECISION_ANALYSIS else [],
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/report.log",
    benchmark:
        "results/{worldview}/benchmarks/report.tsv"
    shell:
        "python -m agi_interventions report --results {params.results:q}"
        " --priors {input.priors:q} --name {wildcards.worldview:q}"
        " --rank-shift {params.rank_shift:q} {params.decision:q} --out {output.report:q} 2> {log:q}"
