# With a single chunk, one job per worldview computes every table: design, the chunk, summary,
# the decision analysis and the error budget, one after another in one process, writing the
# files the rules of rules/steps.smk and rules/decision.smk would write (the tables are byte for
# byte the same). These steps depend on each other in turn, so separate jobs could not run side
# by side; one process saves each later step Python's start-up and imports (1 to 2 s a step).


rule tables:
    output:
        **tables_outputs(),
    params:
        priors=priors_of,
        fingerprint=priors_fingerprint,
        samples=SAMPLES,
        seed=config["seed"],
        resamples=config["bootstrap_resamples"],
        decision=["--decision"] if DECISION_ANALYSIS else [],
        **DECISION_PARAMS,
        out_dir=lambda wildcards: f"results/{wildcards.worldview}",
    priority: 10  # the longest jobs: every worldview's tables before any report
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/tables.log",
    benchmark:
        "results/{worldview}/benchmarks/tables.tsv"
    shell:
        "python -m agi_interventions tables --priors {params.priors:q}"
        " --name {wildcards.worldview:q} --samples {params.samples:q} --seed {params.seed:q}"
        " --chunks 1 --resamples {params.resamples:q} {params.decision:q}"
        + DECISION_FLAGS
        + " --out-dir {params.out_dir:q} 2> {log:q}"
