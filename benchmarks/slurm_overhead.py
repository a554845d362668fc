"""Wall time of a small configuration locally and on SLURM through ``profiles/slurm``.

Needs a running SLURM cluster (for a single-node one: ``sudo bash tests/slurm/cluster.sh
install && sudo bash tests/slurm/cluster.sh start``) and ``pip install -e ".[slurm]"``. Runs
the small configuration of ``tests/test_slurm.py`` (two worldviews, N = 2^10, 4 chunks) from
an empty folder, alternating the variants, ``--repeat`` times each, and prints a Markdown table
of medians:

* local: ``snakemake --cores 2``;
* SLURM: ``--workflow-profile profiles/slurm`` (one SLURM job per pipeline job; each chunk is
  one rule, ``chunk``).

The table in ``benchmarks/RESULTS_slurm.md`` was measured with an earlier layout in which each
chunk was two rules, grouped by the profile (and an "ungrouped" variant beside it).

    python benchmarks/slurm_overhead.py --repeat 3 --out slurm_overhead.md
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
# the configuration and status-check arguments of tests/test_slurm.py
SMALL_RUN = yaml.safe_load((REPO / "tests" / "slurm" / "small_run.yaml").read_text())
STATUS = SMALL_RUN["status_args"]
VARIANTS = {
    "local (--cores 2)": ["--cores", "2"],
    "SLURM, profile": [
        "--workflow-profile",
        str(REPO / "profiles/slurm"),
        *STATUS,
        "--config",
        "chunks=4",
    ],
}


def config() -> dict:
    """Return the small configuration of the SLURM test, its prior paths made absolute."""
    small = dict(SMALL_RUN["config"])
    small["worldviews"] = {k: str(REPO / v) for k, v in small["worldviews"].items()}
    return small


def run(args: list[str]) -> tuple[float, int]:
    """Run the pipeline once from an empty folder; return wall seconds and SLURM jobs."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "config.yaml").write_text(yaml.safe_dump(config()))
        env = dict(os.environ)
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
        start = time.perf_counter()
        result = subprocess.run(
            [
                *(sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")),
                *("--directory", folder, "--configfile", f"{folder}/config.yaml", *args),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-4000:])
    return wall, len(re.findall(r"submitted with SLURM jobid", result.stderr))


def main() -> None:
    """Measure every variant and print (and optionally write) the Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    walls: dict[str, list[float]] = {name: [] for name in VARIANTS}
    jobs: dict[str, int] = {}
    for i in range(args.repeat):
        for name, extra in VARIANTS.items():
            wall, jobs[name] = run(extra)
            walls[name].append(wall)
            print(f"run {i + 1}: {name}: {wall:.1f} s, {jobs[name]} SLURM jobs", file=sys.stderr)
    local = statistics.median(walls["local (--cores 2)"])
    lines = [
        "| variant | SLURM jobs | wall, median (range) | vs local |",
        "|---|---|---|---|",
    ]
    for name, values in walls.items():
        median = statistics.median(values)
        lines.append(
            f"| {name} | {jobs[name]} | {median:.1f} s ({min(values):.1f}–{max(values):.1f}) "
            f"| {median / local:.2f}× |"
        )
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
