# Decision analysis (what would change our mind): value of information, switching values,
# scenario discovery, tail-robust sensitivity.


rule robustness:
    input:
        design="results/{worldview}/design.json",
        draws="results/{worldview}/draws.parquet",
        sobol="results/{worldview}/sobol.csv",
        sobol_asinh="results/{worldview}/sobol_asinh.csv",
    output:
        pawn=_reported("pawn.csv", "robust", "Sensitivity"),
        method_comparison=_reported("method_comparison.csv", "robust", "Sensitivity"),
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
        " --seed {params.seed} --rank-shift {params.rank_shift} --out-dir {params.out_dir:q}"
        " 2> {log:q}"


rule decision:
    input:
        priors=priors_of,
        design="results/{worldview}/design.json",
        draws="results/{worldview}/draws.parquet",
    output:
        value_of_information=_reported(
            "value_of_information.csv", "value_of_information", "Decision"
        ),
        expected_loss=_reported("expected_loss.csv", "expected_loss", "Decision"),
        switching=_reported("switching.csv", "switching", "Decision"),
        switching_curves="results/{worldview}/switching_curves.csv",
    params:
        seed=config["seed"],
        groups=" ".join(
            f"--group {name}={','.join(members)}" for name, members in DECISION["groups"].items()
        ),
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
        " --name {wildcards.worldview} --design {input.design:q} --draws {input.draws:q}"
        " --seed {params.seed} {params.groups} --evppi-bootstrap {params.evppi_bootstrap}"
        " --exact-draws {params.exact_draws} --switching-bins {params.switching_bins}"
        " --top-parameters {params.top_parameters} --out-dir {params.out_dir:q} 2> {log:q}"


rule scenarios:
    input:
        design="results/{worldview}/design.json",
        draws="results/{worldview}/draws.parquet",
    output:
        _reported("prim_boxes.csv", "prim_boxes", "Decision"),
    params:
        seed=config["seed"],
        prim_threshold=DECISION["prim_threshold"],
        prim_peel_alpha=DECISION["prim_peel_alpha"],
        out_dir=lambda wildcards, output: os.path.dirname(output[0]),
    priority: 10
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/scenarios.log",
    benchmark:
        "results/{worldview}/benchmarks/scenarios.tsv"
    shell:
        "python -m agi_interventions scenarios --design {input.design:q} --draws {input.draws:q}"
        " --seed {params.seed} --prim-threshold {params.prim_threshold}"
        " --prim-peel-alpha {params.prim_peel_alpha} --out-dir {params.out_dir:q} 2> {log:q}"
