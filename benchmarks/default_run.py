"""Time the default run: every shipped worldview and the comparison, from an empty results folder.

    python benchmarks/default_run.py --repeat 3 --out benchmarks/RESULTS_default_run.md
    python benchmarks/default_run.py --repeat 3 --baseline ../other-checkout

Runs ``snakemake --cores 2`` on the shipped ``config/config.yaml`` (its prior paths made
absolute) in a fresh temporary folder per run and reports the median wall time of the whole
process, and the median over runs of the time each rule's jobs spend in the package (the
``done in … s`` line every command logs as it ends), summed over worldviews.

With ``--baseline DIR`` (another checkout of the project, e.g. ``git worktree add DIR REV``)
the two checkouts run in turn, this one first, and the ratio of their wall times is taken
pair by pair: a machine whose speed drifts between runs (a shared host) moves both alike.
Each run imports the package of its own checkout.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
DONE = re.compile(r"INFO agi_interventions: ([a-z_]+) done in ([0-9.]+) s")
#: The steps of a one-job ``tables`` run, each logged as it finishes.
STEP = re.compile(r"INFO agi_interventions.commands: step ([a-z_]+) finished in ([0-9.]+) s")


def run_once(workdir: Path, cores: int, repo: Path = REPO) -> tuple[float, dict[str, float]]:
    """Run a checkout's default configuration once; wall seconds and seconds per rule.

    The rules' seconds also count each step of the ``tables`` jobs (as ``tables: <step>``)
    and the CPU seconds of the whole run (``cpu``: Snakemake and every job, user and system).
    """
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text(encoding="utf-8"))
    config["worldviews"] = {
        name: str((repo / path).resolve()) for name, path in config["worldviews"].items()
    }
    (workdir / "config").mkdir(parents=True)
    # key order kept: the first worldview is the comparison's reference
    text = yaml.safe_dump(config, sort_keys=False)
    (workdir / "config" / "config.yaml").write_text(text, encoding="utf-8")
    command = [
        *(sys.executable, "-m", "snakemake", "--snakefile", str(repo / "Snakefile")),
        *("--directory", str(workdir), "--configfile", str(workdir / "config" / "config.yaml")),
        *("--cores", str(cores), "-q"),
    ]
    # the Snakefile and the jobs import the package of this checkout, whatever is installed
    env = dict(os.environ, PYTHONPATH=str(repo / "src"))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"snakemake failed ({done.returncode}):\n{done.stderr[-3000:]}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    per_rule: dict[str, float] = defaultdict(float)
    per_rule["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for log in (workdir / "results").glob("*/logs/*.log"):
        text = log.read_text(encoding="utf-8")
        for rule, seconds in DONE.findall(text):
            per_rule[rule] += float(seconds)
        for step, seconds in STEP.findall(text):
            per_rule[f"tables: {step}"] += float(seconds)
    return wall, dict(per_rule)


def timed(repo: Path, cores: int) -> tuple[float, dict[str, float]]:
    """One run of a checkout in a fresh temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        return run_once(Path(tmp) / "run", cores, repo)


def main() -> None:
    """Measure and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    walls: list[float] = []
    baseline_walls: list[float] = []
    rules: dict[str, list[float]] = defaultdict(list)
    for i in range(args.repeat):
        wall, per_rule = timed(REPO, args.cores)
        walls.append(wall)
        for rule, seconds in per_rule.items():
            rules[rule].append(seconds)
        print(f"run {i + 1}: {wall:.1f} s wall", file=sys.stderr)
        if args.baseline is not None:
            baseline_walls.append(timed(args.baseline.resolve(), args.cores)[0])
            print(f"baseline run {i + 1}: {baseline_walls[-1]:.1f} s wall", file=sys.stderr)
    worldviews = len(yaml.safe_load((REPO / "config" / "config.yaml").read_text())["worldviews"])
    lines = [
        f"Default run ({worldviews} worldviews and the comparison, `snakemake --cores "
        f"{args.cores}` from an empty results folder): {statistics.median(walls):.1f} s wall, "
        f"median of {len(walls)} ({min(walls):.1f}–{max(walls):.1f} s).",
    ]
    if baseline_walls:
        ratios = [a / b for a, b in zip(walls, baseline_walls, strict=True)]
        lines.append(
            f"Baseline checkout, run in turn: {statistics.median(baseline_walls):.1f} s "
            f"({min(baseline_walls):.1f}–{max(baseline_walls):.1f} s); this checkout ÷ "
            f"baseline, pair by pair: median {statistics.median(ratios):.3f} "
            f"({min(ratios):.3f}–{max(ratios):.3f})."
        )
    lines += [
        "",
        "| rule | seconds in the package, all jobs (median over runs) |",
        "|---|---|",
    ]
    total = 0.0
    jobs = {rule: values for rule, values in rules.items() if ":" not in rule and rule != "cpu"}
    for rule, values in sorted(jobs.items(), key=lambda kv: -statistics.median(kv[1])):
        total += statistics.median(values)
        lines.append(f"| `{rule}` | {statistics.median(values):.1f} |")
        for step in sorted(r for r in rules if r.startswith(f"{rule}: ")):
            lines.append(
                f"| `{rule}`, step `{step.split(': ')[1]}` | "
                f"{statistics.median(rules[step]):.1f} |"
            )
    lines.append(f"| all | {total:.1f} |")
    lines.append(
        f"| CPU of the whole run (Snakemake and every job, user + system) | "
        f"{statistics.median(rules['cpu']):.1f} |"
    )
    text = "\n".join(lines) + "\n"
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
