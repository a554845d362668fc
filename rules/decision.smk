# Decision analysis (what would change our mind): value of information, switching values,
# scenario discovery, tail-robust sensitivity.


rule robustness:
    input:
        design=result("design"),
        draws=result("draws"),
        sobol=result("sobol"),
        sobol_asinh=result("sobol_asinh"),
    output:
        **outputs_of("robustness"),
    params:
        seed=config["seed"],
        rank_shift=DECISION["rank_shift"],
        out_dir=lambda wildcards, output: os.path.dirname(output.pawn),
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/robustness.log",
    benchmark:
        "results/{worldview}/benchmarks/robustness.tsv"
    shell:
        "python -m agi_interventions robustness --design {input.design:q}"
        " --draws {input.draws:q} --sobol {input.sobol:q} --sobol-asinh {input.sobol_asinh:q}"
        " --seed {params.seed:q} --rank-shift {params.rank_shift:q} --out-dir {params.out_dir:q}"
        " 2> {log:q}"


rule decision:
    input:
        priors=priors_of,
        design=result("design"),
        draws=result("draws"),
    output:
        **outputs_of("decision"),
    params:
        seed=config["seed"],
        # names and members are validated (configuration.value_problems) and quoted below
        groups=[f"--group={name}={','.join(m)}" for name, m in DECISION["groups"].items()],
        evppi_bootstrap=DECISION["evppi_bootstrap"],
        exact_draws=DECISION["exact_draws"],
        switching_bins=DECISION["switching_bins"],
        top_parameters=DECISION["top_parameters"],
        out_dir=lambda wildcards, output: os.path.dirname(output.switching),
    priority: 10  # the longest job: start it as soon as the draws exist
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/decision.log",
    benchmark:
        "results/{worldview}/benchmarks/decision.tsv"
    shell:
        "python -m agi_interventions decision --priors {input.priors:q}"
        " --name {wildcards.worldview:q} --design {input.design:q} --draws {input.draws:q}"
        " --seed {params.seed:q} {params.groups:q} --evppi-bootstrap {params.evppi_bootstrap:q}"
        " --exact-draws {params.exact_draws:q} --switching-bins {params.switching_bins:q}"
        " --top-parameters {params.top_parameters:q} --out-dir {params.out_dir:q} 2> {log:q}"


rule scenarios:
    input:
        design=result("design"),
        draws=result("draws"),
    output:
        **outputs_of("scenarios"),
    params:
        seed=config["seed"],
        prim_threshold=DECISION["prim_threshold"],
        prim_peel_alpha=DECISION["prim_peel_alpha"],
        out_dir=lambda wildcards, output: os.path.dirname(output.prim_boxes),
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/scenarios.log",
    benchmark:
        "results/{worldview}/benchmarks/scenarios.tsv"
    shell:
        "python -m agi_interventions scenarios --design {input.design:q} --draws {input.draws:q}"
        " --seed {params.seed:q} --prim-threshold {params.prim_threshold:q}"
        " --prim-peel-alpha {params.prim_peel_alpha:q} --out-dir {params.out_dir:q} 2> {log:q}"
