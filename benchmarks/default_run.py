"""Time the default run: every shipped worldview and the comparison, from an empty results folder.

    python benchmarks/default_run.py --repeat 3 --out benchmarks/RESULTS_default_run.md

Runs ``snakemake --cores 2`` on the shipped ``config/config.yaml`` (its prior paths made
absolute) in a fresh temporary folder per run and reports the median wall time of the whole
process, and the median over runs of the time each rule's jobs spend in the package (the
``done in … s`` line every command logs as it ends), summed over worldviews.
"""

from __future__ import annotations

import argparse
import re
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


def run_once(workdir: Path, cores: int) -> tuple[float, dict[str, float]]:
    """Run the default configuration once; wall seconds and seconds per rule (summed)."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    config["worldviews"] = {
        name: str((REPO / path).resolve()) for name, path in config["worldviews"].items()
    }
    (workdir / "config").mkdir(parents=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    command = [
        *(sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")),
        *("--directory", str(workdir), "--configfile", str(workdir / "config" / "config.yaml")),
        *("--cores", str(cores), "-q"),
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"snakemake failed ({done.returncode}):\n{done.stderr[-3000:]}")
    wall = time.perf_counter() - start
    per_rule: dict[str, float] = defaultdict(float)
    for log in (workdir / "results").glob("*/logs/*.log"):
        for rule, seconds in DONE.findall(log.read_text(encoding="utf-8")):
            per_rule[rule] += float(seconds)
    return wall, dict(per_rule)


def main() -> None:
    """Measure and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    walls: list[float] = []
    rules: dict[str, list[float]] = defaultdict(list)
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            wall, per_rule = run_once(Path(tmp) / "run", args.cores)
        walls.append(wall)
        for rule, seconds in per_rule.items():
            rules[rule].append(seconds)
        print(f"run {i + 1}: {wall:.1f} s wall", file=sys.stderr)
    worldviews = len(yaml.safe_load((REPO / "config" / "config.yaml").read_text())["worldviews"])
    lines = [
        f"Default run ({worldviews} worldviews and the comparison, `snakemake --cores "
        f"{args.cores}` from an empty results folder): {statistics.median(walls):.1f} s wall, "
        f"median of {len(walls)} ({min(walls):.1f}–{max(walls):.1f} s).",
        "",
        "| rule | seconds in the package, all jobs (median over runs) |",
        "|---|---|",
    ]
    total = 0.0
    for rule, values in sorted(rules.items(), key=lambda kv: -statistics.median(kv[1])):
        total += statistics.median(values)
        lines.append(f"| `{rule}` | {statistics.median(values):.1f} |")
    lines.append(f"| all | {total:.1f} |")
    text = "\n".join(lines) + "\n"
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
