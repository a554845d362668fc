# The comparison of worldviews (two or more configured): side by side, pooled by credence, and
# each worldview's beliefs swapped one at a time into the reference.


rule compare:
    input:
        comparison_inputs,
    output:
        **{
            o.name.split(":")[-1]: f"results/{registry.COMPARISON_FOLDER}/{o.file}"
            for o in registry.COMPARISON_OUTPUTS
        },
    params:
        # names are validated (configuration.name_problems); every value is quoted below
        worldviews=[
            item
            for name, path in config["worldviews"].items()
            for item in ("--worldview", name, path, f"results/{name}")
        ],
        fingerprints=[file_fingerprint(path) for path in config["worldviews"].values()],
        credences=[f"--credence={name}={value!r}" for name, value in config["credences"].items()],
        reference=config["comparison_reference"],
        seed=config["seed"],
        evppi_bootstrap=DECISION["evppi_bootstrap"],
        out_dir=lambda wildcards, output: os.path.dirname(output.comparison),
    priority: 1  # the longest job at the end: before the reports still waiting
    conda:
        "../envs/pipeline.yaml"
    log:
        f"results/{registry.COMPARISON_FOLDER}/logs/compare.log",
    benchmark:
        f"results/{registry.COMPARISON_FOLDER}/benchmarks/compare.tsv"
    shell:
        "python -m agi_interventions compare {params.worldviews:q} {params.credences:q}"
        " --reference={params.reference:q} --seed {params.seed:q}"
        " --evppi-bootstrap {params.evppi_bootstrap:q} --out-dir {params.out_dir:q} 2> {log:q}"
