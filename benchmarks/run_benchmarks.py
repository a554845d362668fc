"""Measure the pipeline's speed and memory on this machine and write a Markdown table.

    pip install -e ".[bench]"
    python benchmarks/run_benchmarks.py --out benchmarks/RESULTS.md
    python benchmarks/run_benchmarks.py --only simulate --out /tmp/simulate.md   # one part

What is measured (medians over ``--repeat`` runs unless said otherwise):

1. Model evaluation: rows per second of :func:`agi_interventions.model.marginal_values` on
   arrays of 2^20 rows, against one read of the same input arrays (their sum: the memory
   floor), and on cache-sized batches of 2^14 rows.
2. Plain Monte Carlo, priors -> marginal values -> P(best), at n = 10^6 and 10^7: draws per
   second of the fastest documented path, ``api.summarise(view, n, seed)`` (P(best) and
   means, reduced batch by batch, no frame), on 2 threads (the default) and on 1, and of
   ``api.simulate(view, n, seed, columns=["a_V", "a_CV", "a_CnotV"])`` then ``api.p_best``
   (a frame of the three values), against the squigglepy script (``squigglepy_baseline.py``,
   one thread), all run alternately; each ratio is the median of the paired ratios. Both
   sides build their priors once, outside the timing (``load_worldview``, which also
   validates the file, is timed separately).
3. The default pipeline: wall time of ``snakemake --cores 2`` from an empty results folder.
4. One worldview at N = 2^14, 2^16, 2^18 and 2^20: wall time, and the peak RSS of each
   rule's largest job (the kernel's high-water mark, which every command writes to its log
   as it ends), one run each above 2^16.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
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
    """Priors -> values -> P(best): our fastest paths against squigglepy, alternately."""
    import squigglepy_baseline as squiggle

    from agi_interventions import api
    from agi_interventions.priors import load_worldview

    start = time.perf_counter()
    view = load_worldview(BASELINE)
    load = time.perf_counter() - start
    specs = yaml.safe_load(BASELINE.read_text())["parameters"]
    priors = {name: squiggle.distribution(spec) for name, spec in specs.items()}
    values = ["a_V", "a_CV", "a_CnotV"]
    rows = [("load_worldview (YAML, validation, admissibility; once)", f"{load:.3f} s")]
    for n in (10**6, 10**7):
        variants = {
            "api.summarise, 2 threads": lambda n=n: api.summarise(view, n, seed=1),
            "api.summarise, 1 thread": lambda n=n: api.summarise(view, n, seed=1, threads=1),
            "api.simulate(columns=a_*) + api.p_best, 2 threads": lambda n=n: api.p_best(
                api.simulate(view, n, seed=1, columns=values)
            ),
            "squigglepy": lambda n=n: squiggle.p_best(priors, n),
        }
        rates: dict[str, list[float]] = {name: [] for name in variants}
        for work in variants.values():  # warm-up
            work()
        for _ in range(repeat):
            for name, work in variants.items():
                start = time.perf_counter()
                work()
                rates[name].append(n / (time.perf_counter() - start))
        theirs = np.array(rates["squigglepy"])
        for name, mine in rates.items():
            if name == "squigglepy":
                continue
            ratio = np.array(mine) / theirs
            rows.append(
                (
                    f"Priors -> values -> P(best), n = 10^{int(np.log10(n))}: {name}",
                    f"{statistics.median(mine):.3g} draws/s; squigglepy "
                    f"{statistics.median(theirs):.3g} draws/s; ratio "
                    f"{statistics.median(ratio):.2f} (median of {repeat} paired runs, "
                    f"{min(ratio):.2f}–{max(ratio):.2f})",
                )
            )
    return rows


def run_pipeline(
    samples: int, workdir: Path, extra: dict | None = None
) -> tuple[float, dict[str, float]]:
    """Run the whole pipeline once; return wall seconds and each rule's largest peak RSS (MB)."""
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
    peaks: dict[str, float] = {}
    for f in (workdir / "results" / "baseline" / "logs").glob("*.log"):
        # the kernel's high-water mark, logged by every command as it ends (Snakemake's
        # benchmark files sample memory every 0.5 s, then every 30 s, and miss peaks)
        found = PEAK.search(f.read_text(encoding="utf-8"))
        if found is None:
            continue
        rule = f.stem.rsplit("_", 1)[0] if f.stem[-1].isdigit() else f.stem
        peaks[rule] = max(peaks.get(rule, 0.0), float(found.group(1)))
    return wall, peaks


#: The line every command logs as it ends (:func:`agi_interventions.cli.main`).
PEAK = re.compile(r"done in [0-9.]+ s; peak memory ([0-9]+) MB")

#: Peak RSS (MB) by rule and N, filled by :func:`pipeline_rows`.
RULE_PEAKS: dict[int, dict[str, float]] = {}


def pipeline_rows(repeat: int, sizes: list[int]) -> list[tuple[str, str]]:
    """Default run (median of ``repeat``) and one worldview at every size."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "run"
        for samples in sizes:
            runs = [run_pipeline(samples, work) for _ in range(repeat if samples <= 2**16 else 1)]
            walls = [w for w, _ in runs]
            peaks = {rule: max(p[rule] for _, p in runs) for rule in runs[0][1]}
            RULE_PEAKS[samples] = peaks
            label = f"Pipeline, one worldview, N = 2^{int(np.log2(samples))}"
            if samples == 2**14:
                label += " (the default N)"
            detail = f"{statistics.median(walls):.1f} s wall"
            if len(walls) > 1:
                detail += f" (median of {len(walls)}, {min(walls):.1f}–{max(walls):.1f} s)"
            worst = max(peaks, key=peaks.get)
            detail += f"; largest job peak RSS {peaks[worst]:.0f} MB ({worst})"
            rows.append((label, detail))
    return rows


def rule_peak_table() -> str:
    """Markdown table of each rule's peak RSS (MB) at every N measured."""
    if not RULE_PEAKS:
        return ""
    sizes = sorted(RULE_PEAKS)
    rules = sorted({rule for peaks in RULE_PEAKS.values() for rule in peaks})
    lines = [
        "| rule | " + " | ".join(f"N = 2^{int(np.log2(n))}" for n in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for rule in rules:
        cells = [f"{RULE_PEAKS[n].get(rule, float('nan')):.0f}" for n in sizes]
        lines.append(f"| `{rule}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Measure and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/RESULTS.md"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[2**14, 2**16, 2**18, 2**20], help="N values"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["model", "simulate", "pipeline"],
        default=["model", "simulate", "pipeline"],
        help="parts to measure (default: all)",
    )
    args = parser.parse_args()
    parts = {
        "model": lambda: model_rates(args.repeat),
        "simulate": lambda: simulate_rates(args.repeat),
        "pipeline": lambda: pipeline_rows(args.repeat, args.sizes),
    }
    rows = [row for part in args.only for row in parts[part]()]
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
    if RULE_PEAKS:
        lines += ["Peak RSS (MB) of each rule's largest job:", "", rule_peak_table(), ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
