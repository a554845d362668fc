# Decision analysis (what would change our mind): value of information, switching values,
# tail-robust sensitivity, scenario discovery. Its own job in a chunked evaluation; with a single
# chunk the `tables` rule runs it.


rule decision:
    input:
        design=result("design"),
        draws=result("draws"),
        sobol=result("sobol"),
        sobol_asinh=result("sobol_asinh"),
    output:
        **outputs_of("decision"),
    params:
        priors=priors_of,
        fingerprint=priors_fingerprint,
        seed=config["seed"],
        **DECISION_PARAMS,
        out_dir=lambda wildcards, output: os.path.dirname(output.switching),
    priority: 10  # the longest job: start it as soon as its inputs exist
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/decision.log",
    benchmark:
        "results/{worldview}/benchmarks/decision.tsv"
    shell:
        "python -m agi_interventions decision --priors {params.priors:q}"
        " --name {wildcards.worldview:q} --design {input.design:q} --draws {input.draws:q}"
        " --sobol {input.sobol:q} --sobol-asinh {input.sobol_asinh:q} --seed {params.seed:q}"
        + DECISION_FLAGS
        + " --out-dir {params.out_dir:q} 2> {log:q}"
