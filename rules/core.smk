# Core pipeline: design, chunked evaluation, summary tables, error budget, provenance, report.
#
# The prior file is read through `params:` (its path and its content fingerprint, which leaves
# out notes and the description), not as an `input:`, by every rule that computes: editing a
# note or the description re-renders the report and nothing else; editing a number reruns
# everything (Snakemake reruns a rule whose params changed).


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
        sums="results/{worldview}/chunks/sums_{chunk}.npz",
        counts="results/{worldview}/chunks/counts_{chunk}.json",
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
        sums=chunk_files("results/{worldview}/chunks/sums_{chunk}.npz"),
        counts=chunk_files("results/{worldview}/chunks/counts_{chunk}.json"),
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
