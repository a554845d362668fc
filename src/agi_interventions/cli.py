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

import pandas as pd

from agi_interventions import io, provenance
from agi_interventions.errors import PriorError
from agi_interventions.parameters import INTERVENTIONS, OUTPUTS

logger = logging.getLogger("agi_interventions")


def _cmd_simulate(args: argparse.Namespace) -> None:
    from agi_interventions.priors import load_worldview
    from agi_interventions.simulation import simulate

    worldview = load_worldview(args.priors, name=args.name)
    io.write_parquet(simulate(worldview, args.samples, args.seed), args.out)


def _cmd_diagnostics(args: argparse.Namespace) -> None:
    from agi_interventions.consistency import diagnostics_table
    from agi_interventions.sampling import independent_mask

    samples = pd.read_parquet(args.samples)
    table = diagnostics_table(
        samples, list(OUTPUTS), independent=independent_mask(samples["block"])
    )
    io.write_csv(table, args.out)


def _cmd_sobol(args: argparse.Namespace) -> None:
    from agi_interventions.sampling import design_parameters
    from agi_interventions.sensitivity import sobol_table

    samples = pd.read_parquet(args.samples)
    parameters = design_parameters(samples["block"])
    outputs = {name: samples[name].to_numpy() for name in args.outputs}
    table = sobol_table(outputs, parameters, num_resamples=args.resamples, seed=args.seed)
    io.write_csv(table, args.out)


def _cmd_rank(args: argparse.Namespace) -> None:
    from agi_interventions.mc_error import ranking_resolution
    from agi_interventions.ranking import pairwise_comparisons, rank_interventions
    from agi_interventions.sampling import independent_draws

    samples = pd.read_parquet(args.samples, columns=["base_index", "block", *INTERVENTIONS])
    values = independent_draws(samples)[list(INTERVENTIONS)]
    ranking = rank_interventions(values)
    pairwise = pairwise_comparisons(values)
    io.write_csv(ranking, args.ranking)
    io.write_csv(pairwise, args.pairwise)
    if args.resolution is not None:
        n_base = int(samples["base_index"].max()) + 1
        io.write_csv(ranking_resolution(ranking, pairwise, n_base), args.resolution)


def _cmd_choice_sensitivity(args: argparse.Namespace) -> None:
    from agi_interventions.decision_analysis import choice_sensitivity

    tables = choice_sensitivity(
        pd.read_parquet(args.samples),
        pd.read_csv(args.sobol),
        num_resamples=args.resamples,
        seed=args.seed,
        rank_shift=args.rank_shift,
    )
    for name, table in tables.items():
        io.write_csv(table, args.out_dir / f"{name}.csv")


def _cmd_decision_values(args: argparse.Namespace) -> None:
    from agi_interventions.decision_analysis import decision_values

    settings = json.loads(args.settings_json)
    tables = decision_values(
        pd.read_parquet(args.samples),
        groups=settings["groups"],
        seed=args.seed,
        evppi_bootstrap=settings["evppi_bootstrap"],
        switching_bins=settings["switching_bins"],
        top_parameters=settings["top_parameters"],
        prim_threshold=settings["prim_threshold"],
    )
    for name, table in tables.items():
        io.write_csv(table, args.out_dir / f"{name}.csv")


def _cmd_figures(args: argparse.Namespace) -> None:
    from agi_interventions.report.build import ResultFiles, draw_figures

    draw_figures(ResultFiles.in_folder(args.results), args.out_dir, which=args.set)


def _cmd_report(args: argparse.Namespace) -> None:
    from agi_interventions.report.build import FIGURE_NAMES, ResultFiles, build_report

    figures = {name: args.figures / f"{name}.png" for name in FIGURE_NAMES}
    html = build_report(
        ResultFiles.in_folder(args.results),
        figures,
        args.priors,
        args.worldview,
        rank_shift=args.rank_shift,
        decision=not args.no_decision,
    )
    io.write_text(html, args.out)


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
    p.add_argument("--resolution", type=Path, help="also write the MC resolution check here")

    p = _add(sub, "provenance", _cmd_provenance, "Record config hash, versions and date.")
    p.add_argument("--config-json", required=True, help="the run's configuration as JSON")
    p.add_argument("--worldview", required=True)
    p.add_argument("--priors", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = _add(
        sub,
        "choice-sensitivity",
        _cmd_choice_sensitivity,
        "Decision-focused Sobol, asinh Sobol, PAWN and method comparison.",
    )
    p.add_argument("--samples", type=Path, required=True)
    p.add_argument("--sobol", type=Path, required=True, help="sobol.csv of the raw outputs")
    p.add_argument("--resamples", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--rank-shift", type=int, default=2)
    p.add_argument("--out-dir", type=Path, required=True)

    p = _add(
        sub,
        "decision-values",
        _cmd_decision_values,
        "EVPI/EVPPI, expected loss, switching values, PRIM boxes, MC error budget.",
    )
    p.add_argument("--samples", type=Path, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument(
        "--settings-json",
        required=True,
        help="JSON with groups, evppi_bootstrap, switching_bins, top_parameters, prim_threshold",
    )
    p.add_argument("--out-dir", type=Path, required=True)

    p = _add(sub, "figures", _cmd_figures, "Draw every report figure as PNG.")
    p.add_argument("--results", type=Path, required=True, help="the worldview's result folder")
    p.add_argument("--out-dir", type=Path, required=True)
    p.add_argument("--set", choices=["core", "decision"], default="core", help="which figures")

    p = _add(sub, "report", _cmd_report, "Render the self-contained HTML report.")
    p.add_argument("--results", type=Path, required=True, help="the worldview's result folder")
    p.add_argument("--figures", type=Path, required=True, help="folder of the PNG figures")
    p.add_argument("--priors", type=Path, required=True)
    p.add_argument("--worldview", required=True)
    p.add_argument("--rank-shift", type=int, default=2)
    p.add_argument(
        "--no-decision", action="store_true", help="leave out the decision-analysis sections"
    )
    p.add_argument("--out", type=Path, required=True)
    return parser


def _cmd_check_priors(args: argparse.Namespace) -> None:
    from agi_interventions.priors import load_worldview

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
