r"""Command line ``agi-interventions``: one subcommand per pipeline step.

This module only parses arguments; each subcommand is a function of
:mod:`agi_interventions.commands`, which reads the inputs, calls one step and writes the
outputs atomically. The Snakemake rules call these; they are equally usable by hand::

    agi-interventions design --priors config/priors/baseline.yaml --samples 1024 --seed 1 \\
        --chunks 1 --draws results/baseline/draws.parquet --design results/baseline/design.json
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from agi_interventions import commands
from agi_interventions.errors import PriorError
from agi_interventions.progress import peak_memory_mb

logger = logging.getLogger("agi_interventions")


def _add(
    sub: argparse._SubParsersAction,
    name: str,
    func: Callable[[argparse.Namespace], None],
    help_text: str,
    *arguments: tuple[str, dict],
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(func=func)
    for flag, options in arguments:
        parser.add_argument(flag, **options)
    return parser


def _path(help_text: str = "", **extra) -> dict:
    return {"type": Path, "required": True, "help": help_text, **extra}


PRIORS = ("--priors", _path("the worldview's prior file"))
NAME = ("--name", {"help": "worldview name (default: the file stem)"})
DESIGN = ("--design", _path("design.json"))
DRAWS = ("--draws", _path("draws.parquet"))
SEED = ("--seed", {"type": int, "required": True, "help": "the configuration seed"})
SAMPLES = ("--samples", {"type": int, "required": True, "help": "base sample size N (2^k)"})
OUT_DIR = ("--out-dir", _path("folder of the output tables"))


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``agi-interventions`` command."""
    parser = argparse.ArgumentParser(
        prog="agi-interventions",
        description="Marginal value of alignment vs cooperation work: pipeline steps.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    integer = {"type": int, "required": True}
    optional_integer = {"type": int, "help": "default: the configuration schema's"}
    optional_number = {"type": float, "help": "default: the configuration schema's"}
    decision_options = (
        ("--group", {"action": "append", "default": [], "help": "NAME=P1,P2,... (repeat)"}),
        ("--evppi-bootstrap", optional_integer),
        ("--exact-draws", optional_integer),
        ("--switching-bins", optional_integer),
        ("--top-parameters", optional_integer),
        ("--prim-threshold", optional_number),
        ("--prim-peel-alpha", optional_number),
        ("--rank-shift", optional_integer),
        (
            "--regression-evppi",
            {"action": "store_true", "default": None, "help": "also estimate EVPPI by regression"},
        ),
    )
    _add(
        sub,
        "check-priors",
        commands.check_priors,
        "Validate worldview (prior) files.",
        ("priors", {"nargs": "+", "type": Path}),
    )
    _add(
        sub,
        "design",
        commands.design,
        "Draw the design's independent draws and evaluate them.",
        PRIORS,
        NAME,
        SAMPLES,
        SEED,
        ("--chunks", {**integer, "help": "chunks of the evaluation"}),
        ("--draws", _path("output: draws.parquet")),
        ("--design", _path("output: design.json")),
    )
    _add(
        sub,
        "chunk",
        commands.chunk,
        "Evaluate one chunk's AB rows by column swap and sum them for the Sobol indices.",
        DESIGN,
        DRAWS,
        ("--chunk", integer),
        ("--resamples", {**integer, "help": "bootstrap resamples"}),
        ("--sums", _path("output: the Sobol sums (.npz)")),
        ("--counts", _path("output: diagnostic counts (JSON)")),
    )
    _add(
        sub,
        "summary",
        commands.summary,
        "Sobol tables, ranking, pairwise, per-structure and risk tables, diagnostics.",
        PRIORS,
        NAME,
        DESIGN,
        DRAWS,
        ("--sums", _path("the chunks' sums, in chunk order", nargs="+")),
        ("--counts", _path("the chunks' counts, in chunk order", nargs="+")),
        OUT_DIR,
    )
    _add(
        sub,
        "resolution",
        commands.resolution,
        "Monte Carlo error budget.",
        DESIGN,
        ("--ranking", _path()),
        ("--pairwise", _path()),
        ("--sobol", _path()),
        ("--risk", _path("risk.csv")),
        ("--voi", {"type": Path, "help": "value_of_information.csv (decision analysis)"}),
        ("--out", _path()),
        ("--mc-error", _path()),
    )
    _add(
        sub,
        "provenance",
        commands.provenance,
        "Record settings, file hashes, versions and date.",
        ("--worldview", {"required": True}),
        PRIORS,
        ("--config-files", {"type": Path, "nargs": "*", "default": []}),
        ("--samples", integer),
        SEED,
        ("--chunks", integer),
        ("--bootstrap-resamples", integer),
        ("--out", _path()),
    )
    _add(
        sub,
        "decision",
        commands.decision,
        "Value of information, switching values, tail-robust sensitivity, PRIM boxes.",
        PRIORS,
        NAME,
        DESIGN,
        DRAWS,
        ("--sobol", _path("sobol.csv")),
        ("--sobol-asinh", _path("sobol_asinh.csv")),
        SEED,
        *decision_options,
        OUT_DIR,
    )
    _add(
        sub,
        "tables",
        commands.tables,
        "Every table of one worldview in one process: design, each chunk, summary, decision "
        "(with --decision) and resolution, written under --out-dir as those commands write them.",
        PRIORS,
        NAME,
        SAMPLES,
        SEED,
        ("--chunks", {**integer, "help": "chunks of the evaluation (run one after another)"}),
        ("--resamples", {**integer, "help": "bootstrap resamples of the Sobol indices"}),
        ("--decision", {"action": "store_true", "help": "include the decision analysis"}),
        *decision_options,
        ("--out-dir", _path("the worldview's result folder (results/<worldview>)")),
    )
    _add(
        sub,
        "report",
        commands.report,
        "Draw the figures and render the self-contained HTML report.",
        ("--results", _path("the worldview's result folder")),
        PRIORS,
        NAME,
        ("--rank-shift", integer),
        ("--decision", {"action": "store_true", "help": "include the decision analysis"}),
        ("--out", _path()),
    )
    _add(
        sub,
        "compare",
        commands.compare,
        "Compare and pool worldviews from their result folders; write the comparison report.",
        (
            "--worldview",
            {
                "nargs": 3,
                "action": "append",
                "required": True,
                "metavar": ("NAME", "PRIORS", "RESULTS"),
                "help": "a worldview: its name, prior file and result folder (repeat, >= 2)",
            },
        ),
        (
            "--credence",
            {
                "action": "append",
                "default": [],
                "metavar": "NAME=VALUE",
                "help": "a worldview's credence (repeat; default: equal credences)",
            },
        ),
        ("--reference", {"default": "", "help": "worldview swapped into (default: the first)"}),
        SEED,
        ("--evppi-bootstrap", integer),
        ("--out-dir", _path("the comparison folder (results/comparison)")),
    )
    return parser


#: Arguments that are configuration settings: checked against the same schema.
SETTINGS = {
    "samples": ("samples",),
    "seed": ("seed",),
    "chunks": ("chunks",),
    "resamples": ("bootstrap_resamples",),
    "bootstrap_resamples": ("bootstrap_resamples",),
    "evppi_bootstrap": ("decision", "evppi_bootstrap"),
    "exact_draws": ("decision", "exact_draws"),
    "switching_bins": ("decision", "switching_bins"),
    "top_parameters": ("decision", "top_parameters"),
    "prim_threshold": ("decision", "prim_threshold"),
    "prim_peel_alpha": ("decision", "prim_peel_alpha"),
    "rank_shift": ("decision", "rank_shift"),
}


def check_arguments(args: argparse.Namespace) -> None:
    """Check every argument that is a configuration setting as the configuration is checked.

    Raises
    ------
    ConfigError
        Naming the argument and the problem.
    """
    from agi_interventions.configuration import ConfigError, check_setting, value_problems

    for dest, path in SETTINGS.items():
        value = getattr(args, dest, None)
        if value is None:
            continue
        try:
            check_setting(path, value)
        except ConfigError as err:
            flag = "--" + dest.replace("_", "-")
            raise ConfigError(f"{flag} {value}: {err}") from None
    if getattr(args, "group", None):
        from agi_interventions.commands import parse_groups

        problems = value_problems({"decision": {"groups": parse_groups(args.group)}}, "--group")
        if problems:
            raise ConfigError("; ".join(problems))


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
    start = time.perf_counter()
    try:
        check_arguments(args)
        args.func(args)
    except PriorError as err:
        for problem in err.problems:
            logger.error("%s", problem)
        return 2
    except ValueError as err:
        logger.error("%s", err)
        return 2
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        logger.error("%s%s", where, err.strerror or err)
        return 2
    logger.info(
        "%s done in %.1f s; peak memory %.0f MB",
        args.command,
        time.perf_counter() - start,
        peak_memory_mb(),
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
