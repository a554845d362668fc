"""The command line's subcommands: read a step's input files, call it, write its outputs.

One function per subcommand of ``agi-interventions`` (:mod:`agi_interventions.cli` parses the
arguments); each reads its inputs, calls one function of :mod:`agi_interventions.steps` (or of
the report layer) and writes every output atomically (:mod:`agi_interventions.io`).
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from agi_interventions import io
from agi_interventions.errors import PriorError
from agi_interventions.parameters import INTERVENTIONS

logger = logging.getLogger(__name__)


def _worldview(args: argparse.Namespace):
    from agi_interventions.priors import load_worldview

    return load_worldview(args.priors, name=args.name)


def _write_tables(tables: dict, folder: Path) -> None:
    from agi_interventions import registry

    for name, table in tables.items():
        io.write_csv(table, folder / registry.BY_NAME[name].file)


def _draws_reader(path: Path):
    from agi_interventions import store

    return lambda start, stop, columns: store.read_rows(path, start, stop, columns)


def _independent(args: argparse.Namespace):
    from agi_interventions import store

    parameters = store.read_json(args.design)["parameters"]
    draws = store.read_columns(args.draws, [*parameters, *INTERVENTIONS])
    return draws[parameters], draws[list(INTERVENTIONS)]


def design(args: argparse.Namespace) -> None:
    """Draw the design (``design`` rule): draws.parquet and design.json."""
    from agi_interventions import steps, store

    with store.ParquetSink(args.draws) as sink:
        record = steps.design(_worldview(args), args.samples, args.seed, args.chunks, sink)
    store.write_json(record, args.design)


def evaluate(args: argparse.Namespace) -> None:
    """Evaluate one chunk's ``AB_j`` rows (``evaluate`` rule)."""
    from agi_interventions import steps, store

    record = store.read_json(args.design)
    with store.ParquetSink(args.out) as sink:
        counts = steps.evaluate(record, _draws_reader(args.draws), args.chunk, sink)
    store.write_json(counts, args.counts)


def sobol_chunk(args: argparse.Namespace) -> None:
    """Sum one chunk's Sobol statistics (``sobol_chunk`` rule)."""
    from agi_interventions import steps, store

    record = store.read_json(args.design)
    sums = steps.sobol_sums(
        record,
        _draws_reader(args.draws),
        lambda start, stop: store.read_rows(args.ab, start, stop),
        args.chunk,
        args.resamples,
    )
    store.write_arrays(sums, args.out)


def sobol(args: argparse.Namespace) -> None:
    """Merge the chunks' sums into the three Sobol tables (``sobol`` rule)."""
    from agi_interventions import steps, store
    from agi_interventions.exact import engine_for

    exact, reason = engine_for(_worldview(args))
    if exact is None:
        logger.info("exact indices not available: %s", reason)
    sums = [store.read_arrays(p) for p in args.sums]
    _write_tables(steps.sobol(store.read_json(args.design), sums, exact), args.out_dir)


def diagnostics(args: argparse.Namespace) -> None:
    """Count inconsistent and non-finite rows (``diagnostics`` rule)."""
    from agi_interventions import steps, store
    from agi_interventions.consistency import CONSISTENCY_INPUTS
    from agi_interventions.parameters import OUTPUTS

    batches = store.iter_batches(args.draws, [*CONSISTENCY_INPUTS, *OUTPUTS])
    counts = [store.read_json(p) for p in args.counts]
    io.write_csv(steps.diagnostics(batches, counts), args.out)


def rank(args: argparse.Namespace) -> None:
    """Write the ranking and pairwise tables (``rank`` rule)."""
    from agi_interventions import steps, store
    from agi_interventions.exact import engine_for

    exact, _ = engine_for(_worldview(args))
    tables = steps.rank(store.read_columns(args.draws, list(INTERVENTIONS)), exact)
    io.write_csv(tables["ranking"], args.ranking)
    io.write_csv(tables["pairwise"], args.pairwise)


def resolution(args: argparse.Namespace) -> None:
    """Write the Monte Carlo error budget (``resolution`` rule)."""
    import pandas as pd

    from agi_interventions import steps, store

    tables = steps.resolution(
        pd.read_csv(args.ranking),
        pd.read_csv(args.pairwise),
        pd.read_csv(args.sobol),
        pd.read_csv(args.voi) if args.voi else None,
        int(store.read_json(args.design)["n_base"]),
    )
    io.write_csv(tables["resolution"], args.out)
    io.write_csv(tables["mc_error"], args.mc_error)


def provenance(args: argparse.Namespace) -> None:
    """Write provenance.json (``provenance`` rule)."""
    from agi_interventions import provenance

    settings = {
        "samples": args.samples,
        "seed": args.seed,
        "chunks": args.chunks,
        "bootstrap_resamples": args.bootstrap_resamples,
    }
    record = provenance.collect(settings, args.worldview, args.priors, args.config_files)
    io.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", args.out)


def robustness(args: argparse.Namespace) -> None:
    """Write PAWN and the method comparison (``robustness`` rule)."""
    import pandas as pd

    from agi_interventions import steps

    inputs, values = _independent(args)
    tables = steps.robustness(
        inputs,
        values,
        pd.read_csv(args.sobol),
        pd.read_csv(args.sobol_asinh),
        seed=args.seed,
        rank_shift=args.rank_shift,
    )
    _write_tables(tables, args.out_dir)


def _groups(specs: Sequence[str]) -> dict[str, list[str]]:
    groups = {}
    for spec in specs:
        name, _, members = spec.partition("=")
        if not name or not members:
            raise ValueError(f"--group expects NAME=P1,P2,...; got {spec!r}")
        groups[name] = [m for m in members.split(",") if m]
    return groups


def _settings(args: argparse.Namespace):
    """Decision settings from the flags a command was given (the others are not used)."""
    import dataclasses

    from agi_interventions.configuration import DecisionSettings

    given = {
        name: getattr(args, name)
        for name in DecisionSettings.__dataclass_fields__
        if getattr(args, name, None) is not None
    }
    if "group" in vars(args):
        given["groups"] = _groups(args.group)
    return dataclasses.replace(DecisionSettings.default(), **given)


def decision(args: argparse.Namespace) -> None:
    """Write value of information, expected loss, switching values (``decision`` rule)."""
    from agi_interventions import steps
    from agi_interventions.exact import engine_for

    worldview = _worldview(args)
    exact, reason = engine_for(worldview)
    if exact is None:
        logger.info("exact value of information not available: %s", reason)
    inputs, values = _independent(args)
    tables = steps.decision(
        worldview, inputs, values, _settings(args), seed=args.seed, exact=exact
    )
    _write_tables(tables, args.out_dir)


def scenarios(args: argparse.Namespace) -> None:
    """Write the PRIM boxes (``scenarios`` rule)."""
    from agi_interventions import steps

    inputs, values = _independent(args)
    _write_tables(steps.scenarios(inputs, values, _settings(args), seed=args.seed), args.out_dir)


def figures(args: argparse.Namespace) -> None:
    """Draw the report's figures as PNG files (``figures`` rule)."""
    from agi_interventions import registry
    from agi_interventions.report.build import draw_figures
    from agi_interventions.results import WorldviewResults

    results = WorldviewResults.read(args.results, args.priors, args.name)
    for which in ("core", "decision") if args.decision else ("core",):
        for name, png in draw_figures(results, which).items():
            io.write_bytes(png, args.results / registry.BY_NAME[f"figure:{name}"].file)


def report(args: argparse.Namespace) -> None:
    """Render the self-contained HTML report (``report`` rule)."""
    from agi_interventions.report.build import build_report
    from agi_interventions.results import WorldviewResults

    results = WorldviewResults.read(args.results, args.priors, args.name)
    if results.decision != args.decision:
        raise ValueError(
            f"{args.results}: the decision tables are "
            f"{'present' if results.decision else 'missing'}, but --decision is "
            f"{'given' if args.decision else 'not given'}"
        )
    io.write_text(build_report(results, rank_shift=args.rank_shift), args.out)


def check_priors(args: argparse.Namespace) -> None:
    """Validate prior files; every problem of every file is listed."""
    from agi_interventions.priors import load_worldview

    problems = []
    for path in args.priors:
        try:
            worldview = load_worldview(path)
        except PriorError as err:
            problems.extend(err.problems)
            continue
        logger.info("%s: valid (%d uncertain inputs)", path, len(worldview.uncertain))
    if problems:
        raise PriorError(problems)
