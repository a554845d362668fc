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
from agi_interventions.consistency import diagnostics_table
from agi_interventions.parameters import INTERVENTIONS, OUTPUTS
from agi_interventions.priors import PriorError, load_worldview
from agi_interventions.ranking import pairwise_comparisons, rank_interventions
from agi_interventions.sampling import design_parameters, independent_mask
from agi_interventions.sensitivity import sobol_table
from agi_interventions.simulation import simulate

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
