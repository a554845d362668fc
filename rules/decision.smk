# Decision analysis (what would change our mind): value of information, switching values,
# tail-robust sensitivity, scenario discovery.


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
        # names and members are validated (configuration.value_problems) and quoted below
        groups=[f"--group={name}={','.join(m)}" for name, m in DECISION["groups"].items()],
        evppi_bootstrap=DECISION["evppi_bootstrap"],
        exact_draws=DECISION["exact_draws"],
        switching_bins=DECISION["switching_bins"],
        top_parameters=DECISION["top_parameters"],
        prim_threshold=DECISION["prim_threshold"],
        prim_peel_alpha=DECISION["prim_peel_alpha"],
        rank_shift=DECISION["rank_shift"],
        regression=["--regression-evppi"] if DECISION["regression_evppi"] else [],
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
        " {params.groups:q} --evppi-bootstrap {params.evppi_bootstrap:q}"
        " --exact-draws {params.exact_draws:q} --switching-bins {params.switching_bins:q}"
        " --top-parameters {params.top_parameters:q} --prim-threshold {params.prim_threshold:q}"
        " --prim-peel-alpha {params.prim_peel_alpha:q} --rank-shift {params.rank_shift:q}"
        " {params.regression:q} --out-dir {params.out_dir:q} 2> {log:q}"
