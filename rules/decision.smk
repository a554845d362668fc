# Decision analysis (what would change our mind): decision-focused and tail-robust
# sensitivity, value of information, switching values, scenario discovery, MC error budget.


rule decision_sobol:
    input:
        "results/{worldview}/samples.parquet",
    output:
        report(
            "results/{worldview}/sobol_decision.csv",
            caption="../report/sobol_decision.rst",
            category="{worldview}",
            subcategory="Decision",
        ),
    params:
        resamples=config["bootstrap_resamples"],
        seed=config["seed"],
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/decision_sobol.log",
    benchmark:
        "results/{worldview}/benchmarks/decision_sobol.tsv"
    shell:
        "python -m agi_interventions decision-sobol --samples {input:q}"
        " --resamples {params.resamples} --seed {params.seed} --out {output:q} 2> {log:q}"


rule robust:
    input:
        samples="results/{worldview}/samples.parquet",
        sobol="results/{worldview}/sobol.csv",
    output:
        asinh=report(
            "results/{worldview}/sobol_asinh.csv",
            caption="../report/robust.rst",
            category="{worldview}",
            subcategory="Sensitivity",
        ),
        pawn=report(
            "results/{worldview}/pawn.csv",
            caption="../report/robust.rst",
            category="{worldview}",
            subcategory="Sensitivity",
        ),
        comparison=report(
            "results/{worldview}/method_comparison.csv",
            caption="../report/robust.rst",
            category="{worldview}",
            subcategory="Sensitivity",
        ),
    params:
        resamples=config["bootstrap_resamples"],
        seed=config["seed"],
        rank_shift=DECISION["rank_shift"],
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/robust.log",
    benchmark:
        "results/{worldview}/benchmarks/robust.tsv"
    shell:
        "python -m agi_interventions robust --samples {input.samples:q} --sobol {input.sobol:q}"
        " --resamples {params.resamples} --seed {params.seed} --rank-shift {params.rank_shift}"
        " --asinh-out {output.asinh:q} --pawn-out {output.pawn:q}"
        " --comparison-out {output.comparison:q} 2> {log:q}"


rule value_of_information:
    input:
        "results/{worldview}/samples.parquet",
    output:
        voi=report(
            "results/{worldview}/value_of_information.csv",
            caption="../report/value_of_information.rst",
            category="{worldview}",
            subcategory="Decision",
        ),
        loss=report(
            "results/{worldview}/expected_loss.csv",
            caption="../report/expected_loss.rst",
            category="{worldview}",
            subcategory="Decision",
        ),
    params:
        groups=json.dumps(DECISION["groups"], sort_keys=True),
        bootstrap=DECISION["evppi_bootstrap"],
        seed=config["seed"],
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/value_of_information.log",
    benchmark:
        "results/{worldview}/benchmarks/value_of_information.tsv"
    shell:
        "python -m agi_interventions value-of-information --samples {input:q}"
        " --groups-json {params.groups:q} --bootstrap {params.bootstrap} --seed {params.seed}"
        " --voi-out {output.voi:q} --loss-out {output.loss:q} 2> {log:q}"


rule switching:
    input:
        samples="results/{worldview}/samples.parquet",
        voi="results/{worldview}/value_of_information.csv",
    output:
        switching=report(
            "results/{worldview}/switching.csv",
            caption="../report/switching.rst",
            category="{worldview}",
            subcategory="Decision",
        ),
        curves="results/{worldview}/switching_curves.csv",
    params:
        bins=DECISION["switching_bins"],
        top=DECISION["top_parameters"],
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/switching.log",
    benchmark:
        "results/{worldview}/benchmarks/switching.tsv"
    shell:
        "python -m agi_interventions switching --samples {input.samples:q} --voi {input.voi:q}"
        " --bins {params.bins} --top {params.top} --switching-out {output.switching:q}"
        " --curves-out {output.curves:q} 2> {log:q}"


rule scenarios:
    input:
        "results/{worldview}/samples.parquet",
    output:
        report(
            "results/{worldview}/prim_boxes.csv",
            caption="../report/prim_boxes.rst",
            category="{worldview}",
            subcategory="Decision",
        ),
    params:
        threshold=DECISION["prim_threshold"],
        seed=config["seed"],
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/scenarios.log",
    benchmark:
        "results/{worldview}/benchmarks/scenarios.tsv"
    shell:
        "python -m agi_interventions scenarios --samples {input:q}"
        " --threshold {params.threshold} --seed {params.seed} --out {output:q} 2> {log:q}"


rule mc_error:
    input:
        ranking="results/{worldview}/ranking.csv",
        pairwise="results/{worldview}/pairwise.csv",
        voi="results/{worldview}/value_of_information.csv",
    output:
        resolution=report(
            "results/{worldview}/ranking_resolution.csv",
            caption="../report/mc_error.rst",
            category="{worldview}",
            subcategory="Decision",
        ),
        budget=report(
            "results/{worldview}/mc_error.csv",
            caption="../report/mc_error.rst",
            category="{worldview}",
            subcategory="Decision",
        ),
    params:
        n_base=int(config["samples"]),
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/mc_error.log",
    benchmark:
        "results/{worldview}/benchmarks/mc_error.tsv"
    shell:
        "python -m agi_interventions mc-error --ranking {input.ranking:q}"
        " --pairwise {input.pairwise:q} --voi {input.voi:q} --n-base {params.n_base}"
        " --resolution-out {output.resolution:q} --budget-out {output.budget:q} 2> {log:q}"
