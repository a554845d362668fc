# The steps of a chunked evaluation, one job each: design, one job per chunk (these run side
# by side, on a cluster as separate jobs), summary and the error budget. With a single chunk the
# `tables` rule (rules/tables.smk) runs them in one job instead.
#
# The prior file is read through `params:` (its path and its content fingerprint, which leaves
# out notes and the description), not as an `input:`: editing a note or the description
# re-renders the report and nothing else; editing a number reruns everything (Snakemake reruns a
# rule whose params changed).


rule design:
    output:
        **outputs_of("design"),
    params:
        priors=priors_of,
        fingerprint=priors_fingerprint,
        samples=SAMPLES,
        seed=config["seed"],
        chunks=CHUNKS,
    priority: 3  # every worldview's upstream work first: the decision jobs are the longest
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/design.log",
    benchmark:
        "results/{worldview}/benchmarks/design.tsv"
    shell:
        "python -m agi_interventions design --priors {params.priors:q}"
        " --name {wildcards.worldview:q} --samples {params.samples:q} --seed {params.seed:q}"
        " --chunks {params.chunks:q} --draws {output.draws:q} --design {output.design:q}"
        " 2> {log:q}"


rule chunk:
    input:
        design=result("design"),
        draws=result("draws"),
    output:
        sums=f"results/{{worldview}}/{registry.CHUNK_SUMS}",
        counts=f"results/{{worldview}}/{registry.CHUNK_COUNTS}",
    params:
        resamples=config["bootstrap_resamples"],
    priority: 4
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/chunk_{chunk}.log",
    benchmark:
        "results/{worldview}/benchmarks/chunk_{chunk}.tsv"
    shell:
        "python -m agi_interventions chunk --design {input.design:q} --draws {input.draws:q}"
        " --chunk {wildcards.chunk:q} --resamples {params.resamples:q} --sums {output.sums:q}"
        " --counts {output.counts:q} 2> {log:q}"


rule summary:
    input:
        design=result("design"),
        draws=result("draws"),
        sums=chunk_files(registry.CHUNK_SUMS),
        counts=chunk_files(registry.CHUNK_COUNTS),
    output:
        **outputs_of("summary"),
    params:
        priors=priors_of,
        fingerprint=priors_fingerprint,
        out_dir=lambda wildcards, output: os.path.dirname(output.ranking),
    priority: 5  # unlocks the decision analysis and the error budget
    conda:
        "../envs/pipeline.yaml"
    log:
        "results/{worldview}/logs/summary.log",
    benchmark:
        "results/{worldview}/benchmarks/summary.tsv"
    shell:
        "python -m agi_interventions summary --priors {params.priors:q}"
        " --name {wildcards.worldview:q} --design {input.design:q} --draws {input.draws:q}"
        " --sums {input.sums:q} --counts {input.counts:q} --out-dir {params.out_dir:q}"
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
        " --risk {input.risk:q} {params.voi:q} --out {output.resolution:q}"
        " --mc-error {output.mc_error:q} 2> {log:q}"
