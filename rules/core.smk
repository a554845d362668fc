# The jobs of every run: provenance and the report of each worldview.


rule provenance:
    input:
        configs=CONFIG_FILES,
    output:
        **outputs_of("provenance"),
    params:
        priors=priors_of,
        fingerprint=priors_fingerprint,
        samples=SAMPLES,
        seed=config["seed"],
        chunks=CHUNKS,
        resamples=config["bootstrap_resamples"],
    priority: 2  # cheap, and the comparison needs it: before the reports
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/provenance.log",
    shell:
        "python -m agi_interventions provenance --worldview {wildcards.worldview:q}"
        " --priors {params.priors:q} --config-files {input.configs:q}"
        " --samples {params.samples:q} --seed {params.seed:q} --chunks {params.chunks:q}"
        " --bootstrap-resamples {params.resamples:q} --out {output.provenance:q} 2> {log:q}"


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
        " --rank-shift {params.rank_shift:q} {params.decision:q} --out {output.report:q}"
        " 2> {log:q}"
