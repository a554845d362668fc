"""Speed of :func:`agi_interventions.game.derive_utilities` on a million draws.

For every theory (``coco``, ``nash``, ``correlated``, and a per-draw mix of the three) and
every punish setting (``none``, ``V``, ``notV``, ``both``) the script derives ``U_B``,
``U_notB``, ``dUB_dFV`` and ``dUnotB_dFV`` for ``--draws`` random games (default 10^6) and
reports the median wall and CPU time over ``--repeat`` runs (default 5), with the range, the
draws per second, the share of draws whose derivatives were central differences, and the
machine's load average (other processes share the cores; CPU time is the less disturbed
measure).

    python benchmarks/game_speed.py
    python benchmarks/game_speed.py --draws 200000 --repeat 3 --out game_speed.md

Parameters are drawn over their ranges: ``F_V`` log-uniform on [0.001, 0.999], ``g`` on
[0, 2], ``t``, ``c`` and ``lam`` on [0, 1], ``gamma`` log-uniform on [0.2, 5], ``k`` on
[0, 0.5] with a quarter exactly 0, ``h`` on [0, 1.5].
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from agi_interventions import game


def draws(n: int, seed: int) -> dict[str, np.ndarray]:
    """Random game parameters (and theory codes) for ``n`` draws."""
    rng = np.random.default_rng(seed)
    k = rng.uniform(0.0, 0.5, n)
    k[rng.random(n) < 0.25] = 0.0
    return {
        "F_V": np.exp(rng.uniform(np.log(0.001), np.log(0.999), n)),
        "g": rng.uniform(0.0, 2.0, n),
        "t": rng.uniform(0.0, 1.0, n),
        "c": rng.uniform(0.0, 1.0, n),
        "gamma": np.exp(rng.uniform(np.log(0.2), np.log(5.0), n)),
        "k": k,
        "h": rng.uniform(0.0, 1.5, n),
        "lam": rng.uniform(0.0, 1.0, n),
        "theory": rng.integers(0, len(game.THEORIES), n),
    }


class _CountCentral(logging.Handler):
    """Collect the number of central-difference draws the module reports at DEBUG level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "central differences" in record.getMessage():
            self.count += int(record.args[1])  # type: ignore[index]


def measure(inputs: dict[str, np.ndarray], theory: str, punish: str, repeat: int) -> dict:
    """Median and range of wall and CPU seconds over ``repeat`` runs."""
    codes = inputs["theory"] if theory == "mixed" else theory
    walls, cpus = [], []
    handler = _CountCentral()
    log = logging.getLogger("agi_interventions.game")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        for _ in range(repeat):
            handler.count = 0
            wall, cpu = time.perf_counter(), time.process_time()
            game.derive_utilities(inputs, theory=codes, punish=punish)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    finally:
        log.removeHandler(handler)
    return {
        "wall": statistics.median(walls),
        "wall_range": (min(walls), max(walls)),
        "cpu": statistics.median(cpus),
        "central": handler.count,
    }


def main() -> None:
    """Run the measurements and print (or write) a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()
    inputs = draws(args.draws, args.seed)
    load_before = os.getloadavg()
    lines = [
        f"# game.derive_utilities: {args.draws:,} draws, median of {args.repeat} runs",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}; load average "
        f"{load_before[0]:.1f} at the start.",
        "",
        "| theory | punish | wall s (median) | wall range | CPU s (median) | draws/s (wall) "
        "| central-difference draws |",
        "|---|---|---|---|---|---|---|",
    ]
    for theory in (*game.THEORIES, "mixed"):
        for punish in game.PUNISH:
            r = measure(inputs, theory, punish, args.repeat)
            lo, hi = r["wall_range"]
            lines.append(
                f"| {theory} | {punish} | {r['wall']:.2f} | {lo:.2f}–{hi:.2f} | {r['cpu']:.2f} "
                f"| {args.draws / r['wall']:.3g} | {r['central']} |"
            )
            print(lines[-1], flush=True)
    load_after = os.getloadavg()
    lines += ["", f"Load average at the end: {load_after[0]:.1f}."]
    table = "\n".join(lines)
    print()
    print(table)
    if args.out is not None:
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
