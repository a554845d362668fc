"""Time the value-of-information table by nested Monte Carlo against the regression estimator.

    python benchmarks/voi_cost.py --repeat 3 config/priors/consistent_by_construction.yaml

Where the exact engine does not apply, the decision step's value of information used to be
the regression estimator (Strong, Oakley & Brennan; 60 bootstrap refits on the 2N = 32,768
independent draws of the default N = 2^14) and is now nested Monte Carlo (the sizes the
worldview's structure declares). Both compute EVPI, every input's EVPPI and every group's, on
one thread; the two are timed alternately in this process (imports and the draws outside the
timing) and the medians reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the pipeline's jobs

from agi_interventions.api import simulate
from agi_interventions.parameters import INTERVENTIONS
from agi_interventions.priors import load_worldview
from agi_interventions.voi import value_of_information_table
from agi_interventions.voi.nested import (
    budget_settings,
    nested_value_of_information_table,
    problem_from_worldview,
)


def main() -> None:
    """Time both estimators on each worldview and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("worldviews", nargs="+")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--draws", type=int, default=2 * 2**14)
    parser.add_argument("--bootstrap", type=int, default=60)
    args = parser.parse_args()
    print("| worldview | regression (60 refits) | nested Monte Carlo | nested ÷ regression |")
    print("|---|---|---|---|")
    for path in args.worldviews:
        view = load_worldview(path)
        draws = simulate(view, args.draws, seed=1)
        inputs, values = draws[list(view.uncertain)], draws[list(INTERVENTIONS)]
        groups = view.groups({})
        problem = problem_from_worldview(view, view.complete, options=tuple(INTERVENTIONS))
        settings = budget_settings(view.structure.relative_cost)
        regression, nested = [], []
        for seed in range(args.repeat):
            start = time.perf_counter()
            value_of_information_table(
                values,
                inputs,
                groups,
                n_bootstrap=args.bootstrap,
                seed=seed,
                discrete=view.discrete,
            )
            regression.append(time.perf_counter() - start)
            start = time.perf_counter()
            nested_value_of_information_table(problem, groups, seed=seed, settings=settings)
            nested.append(time.perf_counter() - start)
        r, n = statistics.median(regression), statistics.median(nested)
        print(f"| {view.name} | {r:.1f} s | {n:.1f} s | {n / r:.2f} |")


if __name__ == "__main__":
    main()
