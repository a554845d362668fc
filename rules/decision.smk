# Decision analysis (what would change our mind): decision-focused and tail-robust
# sensitivity, value of information, switching values, scenario discovery, MC error budget.
# Two jobs, so they run side by side and each imports its libraries once.


rule choice_sensitivity:
    input:
        samples="results/{worldview}/samples.parquet",
        sobol="results/{worldview}/sobol.csv",
    output:
        sobol_decision=_reported("sobol_decision.csv", "sobol_decision", "Decision"),
        sobol_asinh=_reported("sobol_asinh.csv", "robust", "Sensitivity"),
        pawn=_reported("pawn.csv", "robust", "Sensitivity"),
        method_comparison=_reported("method_comparison.csv", "robust", "Sensitivity"),
    params:
        resamples=config["bootstrap_resamples"],
        seed=config["seed"],
        rank_shift=DECISION["rank_shift"],
        out_dir=lambda wildcards, output: os.path.dirname(output.pawn),
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/choice_sensitivity.log",
    benchmark:
        "results/{worldview}/benchmarks/choice_sensitivity.tsv"
    shell:
        "python -m agi_interventions choice-sensitivity --samples {input.samples:q}"
        " --sobol {input.sobol:q} --resamples {params.resamples} --seed {params.seed}"
        " --rank-shift {params.rank_shift} --out-dir {params.out_dir:q} 2> {log:q}"


rule decision_values:
    input:
        "results/{worldview}/samples.parquet",
    output:
        value_of_information=_reported(
            "value_of_information.csv", "value_of_information", "Decision"
        ),
        expected_loss=_reported("expected_loss.csv", "expected_loss", "Decision"),
        switching=_reported("switching.csv", "switching", "Decision"),
        switching_curves="results/{worldview}/switching_curves.csv",
        prim_boxes=_reported("prim_boxes.csv", "prim_boxes", "Decision"),
        mc_error=_reported("mc_error.csv", "mc_error", "Decision"),
    params:
        seed=config["seed"],
        settings=json.dumps(
            {k: DECISION[k] for k in DECISION if k != "rank_shift"}, sort_keys=True
        ),
        out_dir=lambda wildcards, output: os.path.dirname(output.switching),
    priority: 10  # the longest job: start it as soon as the samples exist
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/decision_values.log",
    benchmark:
        "results/{worldview}/benchmarks/decision_values.tsv"
    shell:
        "python -m agi_interventions decision-values --samples {input:q}"
        " --seed {params.seed} --settings-json {params.settings:q}"
        " --out-dir {params.out_dir:q} 2> {log:q}"


rule decision_figures:
    input:
        sobol_decision="results/{worldview}/sobol_decision.csv",
        voi="results/{worldview}/value_of_information.csv",
        switching="results/{worldview}/switching.csv",
        curves="results/{worldview}/switching_curves.csv",
    output:
        **{
            name: report(
                f"results/{{worldview}}/figures/{name}.png",
                caption=f"../report/figure_{name}.rst",
                category="{worldview}",
                subcategory="Figures",
            )
            for name in FIGURE_SETS["decision"]
        },
    params:
        results=lambda wildcards, input: os.path.dirname(input.voi),
        out_dir=lambda wildcards, output: os.path.dirname(output.evppi),
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/decision_figures.log",
    benchmark:
        "results/{worldview}/benchmarks/decision_figures.tsv"
    shell:
        "python -m agi_interventions figures --set decision --results {params.results:q}"
        " --out-dir {params.out_dir:q} 2> {log:q}"
