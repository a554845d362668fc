r"""Coverage study of the regression EVPPI against the exact engine.

For each worldview and seed, draw ``2N`` independent prior samples (the size of the pipeline's
independent draws at base size N), estimate EVPI and the EVPPI of every parameter and group
with :func:`agi_interventions.voi.value_of_information_table`, and record whether the exact
value (:mod:`agi_interventions.exact`) lies inside the reported 95% interval. Prints, per
worldview and parameter or group whose exact EVPPI is at least 2% of EVPI, the coverage, the
mean estimate, the median interval width and how often the estimate is 0, and writes the rows
as CSV.

    python benchmarks/evppi_coverage.py --seeds 20 --out coverage.csv \\
        config/priors/baseline.yaml config/priors/tight.yaml config/priors/heavy_tailed.yaml
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from agi_interventions.configuration import DecisionSettings
from agi_interventions.exact import ExactEngine
from agi_interventions.exact.tables import exact_value_of_information
from agi_interventions.model import marginal_values
from agi_interventions.parameters import INTERVENTIONS
from agi_interventions.priors import load_worldview
from agi_interventions.voi import value_of_information_table

OPTIONS = list(INTERVENTIONS)


def study(path: Path, seeds: range, n_base: int, n_bootstrap: int) -> pd.DataFrame:
    """Run the study for one worldview; one row per (seed, parameter or group)."""
    worldview = load_worldview(path)
    engine = ExactEngine(worldview)
    defaults = DecisionSettings.default().groups
    groups = {g: [m for m in ms if m in worldview.uncertain] for g, ms in defaults.items()}
    truth = exact_value_of_information(engine, OPTIONS, groups, n_draws=2**21, seed=12345)
    truth = truth.set_index("name")["value_exact"]
    frames = []
    for seed in seeds:
        start = time.perf_counter()
        rng = np.random.default_rng([seed, 7])
        draws = {k: p.sample(2 * n_base, rng) for k, p in worldview.priors.items()}
        model = marginal_values(draws)
        values = pd.DataFrame({o: model[o] for o in OPTIONS})
        inputs = pd.DataFrame({k: draws[k] for k in worldview.uncertain})
        table = value_of_information_table(
            values, inputs, groups, n_bootstrap=n_bootstrap, seed=seed + 1
        )
        table["exact"] = table["name"].map(truth)
        table["seed"] = seed
        table["worldview"] = worldview.name
        table["evpi_exact"] = truth["EVPI"]
        frames.append(table)
        print(f"{worldview.name} seed {seed}: {time.perf_counter() - start:.1f} s", flush=True)
    return pd.concat(frames, ignore_index=True)


def summarise(rows: pd.DataFrame, threshold: float = 0.02) -> pd.DataFrame:
    """Coverage per worldview and parameter or group with exact EVPPI >= threshold * EVPI."""
    rows = rows.assign(
        share=rows["exact"] / rows["evpi_exact"],
        covered=(rows["exact"] >= rows["ci_low"]) & (rows["exact"] <= rows["ci_high"]),
        width=(rows["ci_high"] - rows["ci_low"]) / rows["exact"],
        zero=rows["value"] <= 0,
    )
    rows = rows.loc[(rows["kind"] != "evpi") & (rows["share"] >= threshold)]
    return (
        rows.groupby(["worldview", "name"], sort=False)
        .agg(
            share_of_evpi=("share", "first"),
            exact=("exact", "first"),
            mean_value=("value", "mean"),
            coverage=("covered", "mean"),
            median_width=("width", "median"),
            zero=("zero", "sum"),
            runs=("seed", "size"),
        )
        .reset_index()
    )


def main() -> None:
    """Run the study from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("worldviews", nargs="+", type=Path)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--base-size", type=int, default=2**14, help="N (2N draws)")
    parser.add_argument("--bootstrap", type=int, default=60)
    parser.add_argument("--out", type=Path, default=Path("evppi_coverage.csv"))
    args = parser.parse_args()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    rows = pd.concat(
        [study(p, seeds, args.base_size, args.bootstrap) for p in args.worldviews],
        ignore_index=True,
    )
    rows.to_csv(args.out, index=False)
    summary = summarise(rows)
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(summary.to_string(index=False, float_format=lambda x: f"{x:.3g}"))
    lowest, zeros = summary["coverage"].min(), summary["zero"].sum()
    print(f"lowest coverage: {lowest:.2f}; estimates of 0: {zeros}")


if __name__ == "__main__":
    main()
