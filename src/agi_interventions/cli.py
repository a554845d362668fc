r"""Command-line entry points, one per pipeline step.

Each subcommand reads its inputs, makes one call into the package and writes its outputs
atomically. The Snakemake rules call these; they are equally usable by hand::

    agi-interventions simulate --priors config/priors/baseline.yaml --samples 1024 \\
        --seed 1 --out results/baseline/samples.parquet
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from agi_interventions import io, provenance
from agi_interventions.consistency import diagnostics_table
from agi_interventions.decision import expected_loss_table, value_of_information_table
from agi_interventions.decision_analysis import (
    decision_outputs,
    resolve_groups,
    winner_by_mean,
)
from agi_interventions.mc_error import ranking_resolution, relative_half_widths
from agi_interventions.parameters import INTERVENTIONS, OUTPUTS
from agi_interventions.priors import PriorError, load_worldview
from agi_interventions.ranking import pairwise_comparisons, rank_interventions
from agi_interventions.robust import asinh_transform, compare_rankings
from agi_interventions.sampling import design_parameters, independent_mask
from agi_interventions.seeds import derive_seed
from agi_interventions.sensitivity import sobol_table
from agi_interventions.simulation import simulate
from agi_interventions.switching import conditional_means, switching_table

logger = logging.getLogger("agi_interventions")


def independent_draws(samples: pd.DataFrame) -> pd.DataFrame:
    """Return the design's A and B rows: the independent prior draws."""
    return samples.loc[independent_mask(samples["block"])].reset_index(drop=True)


def _cmd_simulate(args: argparse.Namespace) -> None:
    worldview = load_worldview(args.priors, name=args.name)
    io.write_parquet(simulate(worldview, args.samples, args.seed), args.out)


def _cmd_diagnostics(args: argparse.Namespace) -> None:
    samples = pd.read_parquet(args.samples)
    table = diagnostics_table(
        samples, list(OUTPUTS), independent=independent_mask(samples["block"])
    )
    io.write_csv(table, args.out)


def _cmd_sobol(args: argparse.Namespace) -> None:
    samples = pd.read_parquet(args.samples)
    parameters = design_parameters(samples["block"])
    outputs = {name: samples[name].to_numpy() for name in args.outputs}
    table = sobol_table(outputs, parameters, num_resamples=args.resamples, seed=args.seed)
    io.write_csv(table, args.out)


def _cmd_rank(args: argparse.Namespace) -> None:
    values = independent_draws(pd.read_parquet(args.samples, columns=["block", *INTERVENTIONS]))
    values = values[list(INTERVENTIONS)]
    io.write_csv(rank_interventions(values), args.ranking)
    io.write_csv(pairwise_comparisons(values), args.pairwise)


def _independent_parts(samples: pd.DataFrame) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    """Uncertain input names, their independent draws, and the interventions' values."""
    parameters = design_parameters(samples["block"])
    draws = independent_draws(samples)
    return parameters, draws[parameters], draws[list(INTERVENTIONS)]


def _cmd_decision_sobol(args: argparse.Namespace) -> None:
    samples = pd.read_parquet(args.samples)
    parameters, _, values = _independent_parts(samples)
    winner = winner_by_mean(values)
    logger.info("winner by mean: %s", winner)
    outputs = decision_outputs(samples, winner)
    table = sobol_table(outputs, parameters, num_resamples=args.resamples, seed=args.seed)
    io.write_csv(table, args.out)


def _cmd_robust(args: argparse.Namespace) -> None:
    from agi_interventions.robust import moment_independent_indices

    samples = pd.read_parquet(args.samples)
    parameters, inputs, values = _independent_parts(samples)
    raw = pd.read_csv(args.sobol)
    asinh_frames, pawn_frames, comparisons = [], [], []
    for output in INTERVENTIONS:
        # The scale is set by the independent draws, then applied to every design row.
        _, scale = asinh_transform(values[output].to_numpy())
        transformed, _ = asinh_transform(samples[output].to_numpy(), scale)
        frame = sobol_table(
            {output: transformed},
            parameters,
            num_resamples=args.resamples,
            seed=derive_seed(args.seed, "asinh"),
        )
        frame["asinh_scale"] = scale
        asinh_frames.append(frame)
        logger.info("PAWN indices for %s", output)
        pawn = moment_independent_indices(
            inputs, values[output].to_numpy(), seed=derive_seed(args.seed, f"pawn:{output}")
        )
        pawn.insert(0, "output", output)
        pawn_frames.append(pawn)
        importances = {
            "sobol_ST": raw.loc[raw["output"] == output].set_index("parameter")["ST"],
            "sobol_ST_asinh": frame.set_index("parameter")["ST"],
            "pawn": pawn.set_index("parameter")["index"],
        }
        comparison = compare_rankings(importances, max_rank_shift=args.rank_shift)
        comparison.insert(0, "output", output)
        comparisons.append(comparison)
    io.write_csv(pd.concat(asinh_frames, ignore_index=True), args.asinh_out)
    io.write_csv(pd.concat(pawn_frames, ignore_index=True), args.pawn_out)
    io.write_csv(pd.concat(comparisons, ignore_index=True), args.comparison_out)


def _cmd_value_of_information(args: argparse.Namespace) -> None:
    samples = pd.read_parquet(args.samples)
    parameters, inputs, values = _independent_parts(samples)
    groups = resolve_groups(json.loads(args.groups_json), parameters)
    finite = np.isfinite(values.to_numpy()).all(axis=1)
    if not finite.all():
        logger.warning(
            "%d draws with non-finite values left out of the decision analysis (see "
            "diagnostics.csv)",
            int((~finite).sum()),
        )
    values, inputs = values.loc[finite], inputs.loc[finite]
    table = value_of_information_table(
        values, inputs, groups, n_bootstrap=args.bootstrap, seed=derive_seed(args.seed, "voi")
    )
    io.write_csv(table, args.voi_out)
    io.write_csv(expected_loss_table(values), args.loss_out)


def _cmd_switching(args: argparse.Namespace) -> None:
    samples = pd.read_parquet(args.samples)
    _, inputs, values = _independent_parts(samples)
    io.write_csv(switching_table(inputs, values, n_bins=args.bins), args.switching_out)
    voi = pd.read_csv(args.voi)
    top = (
        voi.loc[voi["kind"] == "parameter"]
        .sort_values("value", ascending=False, kind="stable")["name"]
        .head(args.top)
    )
    curves = []
    for name in top:
        frame = conditional_means(inputs[name].to_numpy(), values, n_bins=args.bins)
        frame.insert(0, "parameter", name)
        curves.append(frame)
    io.write_csv(pd.concat(curves, ignore_index=True), args.curves_out)


def _cmd_scenarios(args: argparse.Namespace) -> None:
    from agi_interventions.scenarios import prim_boxes

    samples = pd.read_parquet(args.samples)
    _, inputs, values = _independent_parts(samples)
    finite = np.isfinite(values.to_numpy()).all(axis=1)
    best = values.loc[finite].idxmax(axis=1).to_numpy()
    boxes = prim_boxes(
        inputs.loc[finite],
        best,
        threshold=args.threshold,
        peel_alpha=args.peel_alpha,
        seed=derive_seed(args.seed, "prim"),
    )
    io.write_csv(boxes, args.out)


def _cmd_mc_error(args: argparse.Namespace) -> None:
    ranking = pd.read_csv(args.ranking)
    resolution = ranking_resolution(ranking, pd.read_csv(args.pairwise), args.n_base)
    io.write_csv(resolution, args.resolution_out)
    io.write_csv(relative_half_widths(ranking, pd.read_csv(args.voi)), args.budget_out)


def _cmd_provenance(args: argparse.Namespace) -> None:
    config = json.loads(args.config_json)
    record = provenance.collect(config, args.worldview, args.priors)
    io.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", args.out)


def _add(
    sub: argparse._SubParsersAction,
    name: str,
    func: Callable[[argparse.Namespace], None],
    help_text: str,
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``agi-interventions`` command."""
    parser = argparse.ArgumentParser(
        prog="agi-interventions",
        description="Marginal value of alignment vs cooperation work: pipeline steps.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    p = _add(sub, "check-priors", _cmd_check_priors, "Validate worldview (prior) files.")
    p.add_argument("priors", nargs="+", type=Path)

    p = _add(sub, "simulate", _cmd_simulate, "Sample the priors and evaluate the model.")
    p.add_argument("--priors", type=Path, required=True)
    p.add_argument("--name", help="worldview name (default: file stem)")
    p.add_argument("--samples", type=int, required=True, help="base sample size N (2^k)")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = _add(sub, "diagnostics", _cmd_diagnostics, "Count inconsistent and non-finite samples.")
    p.add_argument("--samples", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = _add(sub, "sobol", _cmd_sobol, "Sobol first-order and total indices.")
    p.add_argument("--samples", type=Path, required=True)
    p.add_argument("--outputs", nargs="+", default=list(INTERVENTIONS), choices=OUTPUTS)
    p.add_argument("--resamples", type=int, required=True, help="bootstrap resamples")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = _add(sub, "rank", _cmd_rank, "Rank interventions; pairwise comparisons.")
    p.add_argument("--samples", type=Path, required=True)
    p.add_argument("--ranking", type=Path, required=True)
    p.add_argument("--pairwise", type=Path, required=True)

    p = _add(sub, "provenance", _cmd_provenance, "Record config hash, versions and date.")
    p.add_argument("--config-json", required=True, help="the run's configuration as JSON")
    p.add_argument("--worldview", required=True)
    p.add_argument("--priors", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = _add(sub, "decision-sobol", _cmd_decision_sobol, "Sobol indices of the choice.")
    p.add_argument("--samples", type=Path, required=True)
    p.add_argument("--resamples", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = _add(sub, "robust", _cmd_robust, "Tail-robust sensitivity: asinh Sobol, PAWN, ranks.")
    p.add_argument("--samples", type=Path, required=True)
    p.add_argument("--sobol", type=Path, required=True, help="sobol.csv of the raw outputs")
    p.add_argument("--resamples", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--rank-shift", type=int, default=2)
    p.add_argument("--asinh-out", type=Path, required=True)
    p.add_argument("--pawn-out", type=Path, required=True)
    p.add_argument("--comparison-out", type=Path, required=True)

    p = _add(sub, "value-of-information", _cmd_value_of_information, "EVPI, EVPPI, loss.")
    p.add_argument("--samples", type=Path, required=True)
    p.add_argument("--groups-json", required=True, help="group name -> parameter list")
    p.add_argument("--bootstrap", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--voi-out", type=Path, required=True)
    p.add_argument("--loss-out", type=Path, required=True)

    p = _add(sub, "switching", _cmd_switching, "Switching values along each parameter.")
    p.add_argument("--samples", type=Path, required=True)
    p.add_argument("--voi", type=Path, required=True, help="value_of_information.csv")
    p.add_argument("--bins", type=int, default=20)
    p.add_argument("--top", type=int, default=4, help="curves for the top-EVPPI parameters")
    p.add_argument("--switching-out", type=Path, required=True)
    p.add_argument("--curves-out", type=Path, required=True)

    p = _add(sub, "scenarios", _cmd_scenarios, "PRIM boxes where each intervention is best.")
    p.add_argument("--samples", type=Path, required=True)
    p.add_argument("--threshold", type=float, default=0.8, help="minimum box density")
    p.add_argument(
        "--peel-alpha",
        type=float,
        default=0.1,
        help="share peeled per PRIM step (0.1: about 2.5x faster than 0.05, similar boxes)",
    )
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = _add(sub, "mc-error", _cmd_mc_error, "Monte Carlo error budget of the headline numbers.")
    p.add_argument("--ranking", type=Path, required=True)
    p.add_argument("--pairwise", type=Path, required=True)
    p.add_argument("--voi", type=Path, required=True)
    p.add_argument("--n-base", type=int, required=True)
    p.add_argument("--resolution-out", type=Path, required=True)
    p.add_argument("--budget-out", type=Path, required=True)
    return parser


def _cmd_check_priors(args: argparse.Namespace) -> None:
    for path in args.priors:
        worldview = load_worldview(path)
        logger.info("%s: valid (%d uncertain inputs)", path, len(worldview.uncertain))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code.

    Parameters
    ----------
    argv
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on invalid input (the problems are logged).
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        args.func(args)
    except PriorError as err:
        for problem in err.problems:
            logger.error("%s", problem)
        return 2
    except (ValueError, KeyError, FileNotFoundError) as err:
        logger.error("%s", err)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
