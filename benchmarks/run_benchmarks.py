"""Measure the pipeline's speed and memory on this machine and write a Markdown table.

    pip install -e ".[bench]"
    python benchmarks/run_benchmarks.py --out benchmarks/RESULTS.md

What is measured (medians over ``--repeat`` runs unless said otherwise):

1. Model evaluation: rows per second of :func:`agi_interventions.model.marginal_values` on
   arrays of 2^20 rows, against one read of the same input arrays (their sum: the memory
   floor), and on cache-sized batches of 2^14 rows.
2. Plain Monte Carlo, priors -> marginal values -> P(best): draws per second of
   :func:`agi_interventions.api.simulate` (plus P(best)) against the squigglepy script
   (``squigglepy_baseline.py``), at n = 10^6 and 10^7, run alternately.
3. The default pipeline: wall time of ``snakemake --cores 2`` from an empty results folder.
4. One worldview at N = 2^14, 2^16, 2^18 and 2^20: wall time, and the largest peak RSS of
   any job (from Snakemake's benchmark files), one run each above 2^16.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "config" / "priors" / "baseline.yaml"
sys.path.insert(0, str(Path(__file__).resolve().parent))


def machine() -> str:
    """One line naming the machine: CPU model, cores, memory, OS, Python."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(
            int(line.split()[1]) / 2**20
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        memory = float("nan")
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()} "
        f"{platform.machine()}, Python {platform.python_version()}"
    )


def median_rate(work, n: int, repeat: int) -> float:
    """Median of ``n / seconds`` over ``repeat`` calls of ``work`` (after one warm-up)."""
    work()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return n / statistics.median(times)


def model_rates(repeat: int) -> list[tuple[str, str]]:
    """Model evaluation against the memory floor."""
    from agi_interventions.api import simulate
    from agi_interventions.model import marginal_values

    n = 2**20
    inputs = {k: v.to_numpy().copy() for k, v in simulate(BASELINE, n, seed=1).items()}
    floor = median_rate(lambda: sum(inputs[k].sum() for k in inputs), n, repeat)
    plain = median_rate(lambda: marginal_values(inputs), n, repeat)
    size = 2**14
    batches = [{k: v[s : s + size] for k, v in inputs.items()} for s in range(0, n, size)]
    cached = median_rate(lambda: [marginal_values(b) for b in batches], n, repeat)
    return [
        ("One read of the 2^20-row input arrays (memory floor)", f"{floor:.3g} rows/s"),
        ("Model evaluation, 2^20-row arrays", f"{plain:.3g} rows/s"),
        ("Model evaluation, 2^14-row batches", f"{cached:.3g} rows/s"),
    ]


def simulate_rates(repeat: int) -> list[tuple[str, str]]:
    """api.simulate + P(best) against the squigglepy script, alternately."""
    import squigglepy_baseline as squiggle

    from agi_interventions.api import simulate
    from agi_interventions.ranking import best_shares

    specs = yaml.safe_load(BASELINE.read_text())["parameters"]
    priors = {name: squiggle.distribution(spec) for name, spec in specs.items()}
    rows = []
    for n in (10**6, 10**7):
        ours, theirs = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            draws = simulate(BASELINE, n, seed=1)
            best_shares(draws[["a_V", "a_CV", "a_CnotV"]].to_numpy()).mean(axis=0)
            ours.append(n / (time.perf_counter() - start))
            del draws
            start = time.perf_counter()
            squiggle.p_best(priors, n)
            theirs.append(n / (time.perf_counter() - start))
        ratio = statistics.median(np.array(ours) / np.array(theirs))
        rows.append(
            (
                f"Priors -> values -> P(best), n = 10^{int(np.log10(n))}",
                f"api.simulate {statistics.median(ours):.3g} draws/s; squigglepy "
                f"{statistics.median(theirs):.3g} draws/s; ratio {ratio:.2f}",
            )
        )
    return rows


def run_pipeline(samples: int, workdir: Path, extra: dict | None = None) -> tuple[float, float]:
    """Run the whole pipeline once; return wall seconds and the largest job peak RSS (MB)."""
    shutil.rmtree(workdir, ignore_errors=True)
    (workdir / "config").mkdir(parents=True)
    config = {
        "worldviews": {"baseline": str(BASELINE)},
        "samples": samples,
        "seed": 20261122,
        **(extra or {}),
    }
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(workdir / "config" / "config.yaml"),
        "--cores",
        "2",
        "-q",
    ]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - start
    peaks = [
        pd.read_csv(f, sep="\t")["max_rss"].max()
        for f in (workdir / "results" / "baseline" / "benchmarks").glob("*.tsv")
    ]
    return wall, float(max(peaks))


def pipeline_rows(repeat: int, sizes: list[int]) -> list[tuple[str, str]]:
    """Default run (median of ``repeat``) and one worldview at every size."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "run"
        for samples in sizes:
            runs = [run_pipeline(samples, work) for _ in range(repeat if samples <= 2**16 else 1)]
            walls = [w for w, _ in runs]
            label = f"Pipeline, one worldview, N = 2^{int(np.log2(samples))}"
            if samples == 2**14:
                label += " (the default run)"
            detail = f"{statistics.median(walls):.1f} s wall"
            if len(walls) > 1:
                detail += f" (median of {len(walls)}, {min(walls):.1f}–{max(walls):.1f} s)"
            detail += f"; largest job peak RSS {max(p for _, p in runs):.0f} MB"
            rows.append((label, detail))
    return rows


def main() -> None:
    """Measure and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/RESULTS.md"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[2**14, 2**16, 2**18, 2**20], help="N values"
    )
    args = parser.parse_args()
    rows = [
        *model_rates(args.repeat),
        *simulate_rates(args.repeat),
        *pipeline_rows(args.repeat, args.sizes),
    ]
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {machine()}. Measured {time.strftime('%Y-%m-%d')} with "
        "`python benchmarks/run_benchmarks.py`.",
        "",
        "| measurement | result |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in rows),
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
