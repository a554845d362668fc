"""Speed of PRIM scenario discovery: the EMA Workbench against agi_interventions.prim.

The data are the model's independent draws of one worldview (default the baseline prior,
16384 draws of its 18 inputs), with the per-draw best of the three interventions as the
three classes, exactly the problem :func:`agi_interventions.scenarios.prim_boxes` solves.
Each implementation runs in a fresh Python process, ``--repeat`` times (median and range
reported), and the script reports:

* whole process: wall time from starting the interpreter to its exit (imports, reading the
  saved draws, three PRIM runs); for reference also a process that only imports numpy and
  pandas and reads the draws;
* import: the PRIM module's import (the workbench's ``analysis`` package pulls in
  matplotlib, seaborn, statsmodels and scikit-learn);
* per call: one PRIM run (peeling and pasting) per class; for the new implementation also
  the one-off sort of the inputs shared by the classes, and the project's whole
  ``prim_boxes`` step.

It also checks that both give the same peeling-and-pasting trajectories.

    python benchmarks/prim_speed.py
    python benchmarks/prim_speed.py --draws 16384 --repeat 5 --peel-alpha 0.05 --out prim.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
INTERVENTIONS = ["a_V", "a_CV", "a_CnotV"]

_SETUP = """
import json, logging, sys, time, warnings
start = time.perf_counter()
import numpy as np
import pandas as pd
folder, alpha = sys.argv[1], float(sys.argv[2])
base = time.perf_counter()
"""

OLD = (
    _SETUP
    + """
warnings.simplefilter("ignore")
from ema_workbench.analysis.prim import Prim
logging.getLogger("EMA").setLevel(logging.WARNING)
imported = time.perf_counter()
x = pd.read_parquet(folder + "/inputs.parquet")
best = np.load(folder + "/best.npy", allow_pickle=False)
calls, trajectories = [], []
for name in sorted(set(best)):
    t = time.perf_counter()
    box = Prim(x, (best == name).astype(int), threshold=1e-9, peel_alpha=alpha).find_box()
    calls.append(time.perf_counter() - t)
    trajectories.append(box.peeling_trajectory[["n", "k"]].to_numpy(dtype=int).tolist())
print(json.dumps({"import": imported - base, "calls": calls, "trajectories": trajectories}))
"""
)

BARE = (
    _SETUP
    + """
x = pd.read_parquet(folder + "/inputs.parquet")
best = np.load(folder + "/best.npy", allow_pickle=False)
print(json.dumps({}))
"""
)

NEW = (
    _SETUP
    + """
from agi_interventions.prim import Prim
imported = time.perf_counter()
from agi_interventions.scenarios import prim_boxes
x = pd.read_parquet(folder + "/inputs.parquet")
best = np.load(folder + "/best.npy", allow_pickle=False)
t = time.perf_counter()
prim = Prim(x, peel_alpha=alpha)
setup = time.perf_counter() - t
calls, trajectories = [], []
for name in sorted(set(best)):
    t = time.perf_counter()
    box = prim.find_box(best == name)
    calls.append(time.perf_counter() - t)
    trajectories.append(box.trajectory[["n", "k"]].to_numpy(dtype=int).tolist())
t = time.perf_counter()
prim_boxes(x, best, threshold=0.8, peel_alpha=alpha, max_rows=len(x), seed=0)
step = time.perf_counter() - t
print(json.dumps({"import": imported - base, "setup": setup, "calls": calls,
                  "step": step, "trajectories": trajectories}))
"""
)


def save_draws(folder: Path, prior: Path, draws: int, seed: int) -> tuple[int, int, list]:
    """Simulate the model and save its inputs and per-draw best intervention."""
    from agi_interventions import api
    from agi_interventions.priors import load_worldview

    view = load_worldview(prior)
    frame = api.simulate(view, draws, seed=seed)
    inputs = frame[view.uncertain].astype(np.float64)
    best = frame[INTERVENTIONS].idxmax(axis=1).to_numpy(dtype=str)
    inputs.to_parquet(folder / "inputs.parquet")
    np.save(folder / "best.npy", best)
    names, counts = np.unique(best, return_counts=True)
    return (
        inputs.shape[0],
        inputs.shape[1],
        list(zip(names.tolist(), counts.tolist(), strict=True)),
    )


def run(code: str, folder: Path, alpha: float) -> dict:
    """Run ``code`` in a fresh interpreter; its JSON report plus the whole-process wall time."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder), repr(alpha)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    wall = time.perf_counter() - start
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["wall"] = wall
    return report


def summary(values: list[float]) -> str:
    """Median (range) in seconds."""
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


def main() -> None:
    """Run both implementations and print (or write) a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prior", type=Path, default=REPO / "config/priors/baseline.yaml")
    parser.add_argument("--draws", type=int, default=16384)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peel-alpha", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n, d, classes = save_draws(folder, args.prior, args.draws, args.seed)
        old = [run(OLD, folder, args.peel_alpha) for _ in range(args.repeat)]
        new = [run(NEW, folder, args.peel_alpha) for _ in range(args.repeat)]
        bare = [run(BARE, folder, args.peel_alpha) for _ in range(args.repeat)]
    same = all(r["trajectories"] == old[0]["trajectories"] for r in old + new)
    steps = [len(t) for t in new[0]["trajectories"]]
    load_after = os.getloadavg()

    def per_class(reports: list[dict]) -> list[str]:
        return [summary([r["calls"][c] for r in reports]) for c in range(len(classes))]

    old_calls, new_calls = per_class(old), per_class(new)
    lines = [
        f"# PRIM: {n:,} draws x {d} inputs x {len(classes)} classes, peel_alpha "
        f"{args.peel_alpha}, median (range) of {args.repeat} fresh processes, seconds",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}; load average "
        f"{load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end. Classes "
        f"(draws): {', '.join(f'{c} ({k})' for c, k in classes)}; trajectory lengths "
        f"{steps}; identical trajectories (every step's n and k): {'yes' if same else 'NO'}.",
        "",
        f"A process that only imports numpy and pandas and reads the draws takes "
        f"{summary([r['wall'] for r in bare])} s.",
        "",
        "| measure | EMA Workbench | agi_interventions.prim |",
        "|---|---|---|",
        f"| whole process | {summary([r['wall'] for r in old])} "
        f"| {summary([r['wall'] for r in new])} |",
        f"| import of the PRIM module | {summary([r['import'] for r in old])} "
        f"| {summary([r['import'] for r in new])} |",
        f"| sort inputs (once, shared) | – | {summary([r['setup'] for r in new])} |",
    ]
    for (name, _), o, w in zip(classes, old_calls, new_calls, strict=True):
        lines.append(f"| PRIM call, class {name} | {o} | {w} |")
    lines += [
        f"| PRIM calls, all classes | {summary([sum(r['calls']) for r in old])} "
        f"| {summary([r['setup'] + sum(r['calls']) for r in new])} |",
        f"| `scenarios.prim_boxes` step | – | {summary([r['step'] for r in new])} |",
    ]
    table = "\n".join(lines)
    print(table)
    if args.out is not None:
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
