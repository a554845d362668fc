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
from typing import TYPE_CHECKING

from agi_interventions import integrity, io
from agi_interventions.errors import PriorError
from agi_interventions.parameters import INTERVENTIONS

if TYPE_CHECKING:
    from agi_interventions.priors import Worldview

logger = logging.getLogger(__name__)


def _worldview(args: argparse.Namespace, record: dict | None = None):
    """Load the prior file; with a design record, check that the design was drawn from it."""
    from agi_interventions.priors import load_worldview

    worldview = load_worldview(args.priors, name=args.name)
    if record is not None:
        integrity.check_worldview(record, worldview.fingerprint, args.priors)
    return worldview


def _design(args: argparse.Namespace) -> dict:
    return integrity.read_design(args.design)


def _write_tables(tables: dict, folder: Path) -> None:
    from agi_interventions import registry

    for name, table in tables.items():
        io.write_csv(table, folder / registry.BY_NAME[name].file)


def _draws_reader(path: Path):
    from agi_interventions import store

    return lambda start, stop, columns: store.read_rows(path, start, stop, columns)


def _independent(args: argparse.Namespace, record: dict):
    from agi_interventions import store

    integrity.check_draws(args.draws, record)
    parameters = record["parameters"]
    draws = store.read_columns(args.draws, [*parameters, *INTERVENTIONS])
    return draws[parameters], draws[list(INTERVENTIONS)]


def design(args: argparse.Namespace) -> None:
    """Draw the design (``design`` rule): draws.parquet and design.json."""
    from agi_interventions import steps, store

    io.check_outputs(args.draws, args.design)
    worldview = _worldview(args)
    meta = integrity.parquet_metadata(
        {"design_id": integrity.design_id(worldview.fingerprint, args.samples, args.seed)}
    )
    with store.ParquetSink(args.draws, meta) as sink:
        record = steps.design(worldview, args.samples, args.seed, args.chunks, sink)
    store.write_json(record, args.design)


def _chunk(record: dict, chunk: int) -> int:
    if not 0 <= chunk < record["chunks"]:
        raise ValueError(f"--chunk {chunk}: the design has chunks 0 to {record['chunks'] - 1}")
    return chunk


def chunk(args: argparse.Namespace) -> None:
    """Evaluate one chunk's ``AB_j`` rows and sum them for Sobol (``chunk`` rule)."""
    from agi_interventions import steps, store

    io.check_outputs(args.sums, args.counts)
    record = _design(args)
    chunk = _chunk(record, args.chunk)
    integrity.check_draws(args.draws, record)
    sums, counts = steps.chunk(record, _draws_reader(args.draws), chunk, args.resamples)
    store.write_arrays(integrity.sums_record(record, chunk, sums), args.sums)
    store.write_json(integrity.counts_record(record, chunk, counts), args.counts)


def summary(args: argparse.Namespace) -> None:
    """Sobol tables, ranking, pairwise, per-structure and risk tables, diagnostics.

    The ``summary`` rule: merges the chunks' sums and counts, and ranks the interventions on
    the independent draws.
    """
    from agi_interventions import steps, store
    from agi_interventions.exact import engine_for
    from agi_interventions.parameters import OUTPUTS, PARAMETER_NAMES

    io.check_outputs(folders=[args.out_dir])
    record = _design(args)
    for option, files in (("--sums", args.sums), ("--counts", args.counts)):
        if len(files) != record["chunks"]:
            raise ValueError(f"{option}: {len(files)} files for {record['chunks']} chunks")
    sums = [integrity.read_sums(p, record, chunk) for chunk, p in enumerate(args.sums)]
    counts = [integrity.read_counts(p, record, chunk) for chunk, p in enumerate(args.counts)]
    worldview = _worldview(args, record)
    integrity.check_draws(args.draws, record)
    exact, reason = engine_for(worldview)
    if exact is None:
        logger.info("exact values not available: %s", reason)
    states = worldview.structure.discrete_states()
    draws = store.read_columns(args.draws, [*INTERVENTIONS, *states, "consistent"])
    values = draws[list(INTERVENTIONS)]
    tables = steps.sobol(record, sums, exact, values)
    tables.update(
        steps.rank(
            values,
            exact,
            draws[list(states)],
            states,
            draws["consistent"].to_numpy(),
            seed=record["seed"],
        )
    )
    columns = list(dict.fromkeys([*PARAMETER_NAMES, *record["inputs"], *OUTPUTS]))
    batches = store.iter_batches(args.draws, columns)
    tables["diagnostics"] = steps.diagnostics(batches, counts, worldview.structure)
    _write_tables(tables, args.out_dir)


def resolution(args: argparse.Namespace) -> None:
    """Write the Monte Carlo error budget (``resolution`` rule)."""
    from agi_interventions import steps

    io.check_outputs(args.out, args.mc_error)
    tables = steps.resolution(
        integrity.read_table(args.ranking),
        integrity.read_table(args.pairwise),
        integrity.read_table(args.sobol),
        integrity.read_table(args.voi) if args.voi else None,
        int(_design(args)["n_base"]),
        integrity.read_table(args.risk),
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


def parse_groups(specs: Sequence[str]) -> dict[str, list[str]]:
    """Parse ``--group NAME=P1,P2,...`` arguments (the names are checked by the caller)."""
    groups = {}
    for spec in specs:
        name, _, members = spec.partition("=")
        if not name or not members:
            raise ValueError(f"--group expects NAME=P1,P2,...; got {spec!r}")
        if name in groups:
            raise ValueError(f"--group {name}: given twice")
        groups[name] = members.split(",")
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
        given["groups"] = parse_groups(args.group)
    return dataclasses.replace(DecisionSettings.default(), **given)


def decision(args: argparse.Namespace) -> None:
    """Value of information, switching values, tail-robust sensitivity, PRIM boxes.

    The ``decision`` rule (with ``decision_analysis: true``).
    """
    from agi_interventions import steps
    from agi_interventions.exact import engine_for

    io.check_outputs(folders=[args.out_dir])
    record = _design(args)
    worldview = _worldview(args, record)
    exact, reason = engine_for(worldview)
    if exact is None:
        logger.info("exact value of information not available: %s", reason)
    inputs, values = _independent(args, record)
    settings = _settings(args)
    tables = steps.decision(worldview, inputs, values, settings, seed=args.seed, exact=exact)
    tables.update(
        steps.robustness(
            inputs,
            values,
            integrity.read_table(args.sobol),
            integrity.read_table(args.sobol_asinh),
            seed=args.seed,
            rank_shift=settings.rank_shift,
            discrete=record.get("discrete", []),
        )
    )
    tables.update(steps.scenarios(inputs, values, settings, seed=args.seed))
    _write_tables(tables, args.out_dir)


#: The decision analysis's settings among a command's arguments (``decision``, ``tables``).
DECISION_ARGUMENTS = (
    "group",
    "evppi_bootstrap",
    "exact_draws",
    "switching_bins",
    "top_parameters",
    "prim_threshold",
    "prim_peel_alpha",
    "rank_shift",
    "regression_evppi",
)


def table_steps(args: argparse.Namespace) -> list[tuple[str, argparse.Namespace]]:
    """Return the subcommands the ``tables`` command runs, in order, with their arguments.

    Parameters
    ----------
    args
        The ``tables`` command's arguments.

    Returns
    -------
    list of (str, argparse.Namespace)
        Subcommand name and the arguments it would be given on the command line: every
        path is the registry's file under ``--out-dir``.
    """
    from agi_interventions import registry

    folder = Path(args.out_dir)

    def file(name: str) -> Path:
        return folder / registry.BY_NAME[name].file

    sums = [folder / registry.CHUNK_SUMS.format(chunk=c) for c in range(args.chunks)]
    counts = [folder / registry.CHUNK_COUNTS.format(chunk=c) for c in range(args.chunks)]
    worldview = {"priors": args.priors, "name": args.name}
    inputs = {"design": file("design"), "draws": file("draws")}
    steps = [
        (
            "design",
            {
                **worldview,
                **inputs,
                "samples": args.samples,
                "seed": args.seed,
                "chunks": args.chunks,
            },
        ),
        *(
            ("chunk", {**inputs, "chunk": c, "resamples": args.resamples, "sums": s, "counts": n})
            for c, (s, n) in enumerate(zip(sums, counts, strict=True))
        ),
        ("summary", {**worldview, **inputs, "sums": sums, "counts": counts, "out_dir": folder}),
    ]
    if args.decision:
        settings = {name: getattr(args, name) for name in DECISION_ARGUMENTS}
        sobol = {"sobol": file("sobol"), "sobol_asinh": file("sobol_asinh")}
        steps.append(
            (
                "decision",
                {**worldview, **inputs, **sobol, **settings, "seed": args.seed, "out_dir": folder},
            )
        )
    tables = {name: file(name) for name in ("ranking", "pairwise", "sobol", "risk")}
    steps.append(
        (
            "resolution",
            {
                "design": file("design"),
                **tables,
                "voi": file("value_of_information") if args.decision else None,
                "out": file("resolution"),
                "mc_error": file("mc_error"),
            },
        )
    )
    return [(name, argparse.Namespace(**options)) for name, options in steps]


def tables(args: argparse.Namespace) -> None:
    """Every table of one worldview, in one process (``tables`` rule).

    Runs design, each chunk, summary, decision (with ``--decision``) and resolution in turn,
    exactly as their own subcommands do (:func:`table_steps`), writing the same files under
    ``--out-dir``. Where the evaluation is one chunk these steps cannot run side by side, and
    one process saves each later step Python's start-up and the imports (1 to 2 s a step).
    """
    import time

    run = {
        "design": design,
        "chunk": chunk,
        "summary": summary,
        "decision": decision,
        "resolution": resolution,
    }
    for name, options in table_steps(args):
        start = time.perf_counter()
        run[name](options)
        logger.info("step %s finished in %.1f s", name, time.perf_counter() - start)


def report(args: argparse.Namespace) -> None:
    """Draw the figures and render the self-contained HTML report (``report`` rule)."""
    from agi_interventions import registry
    from agi_interventions.report.build import build_report, draw_figures
    from agi_interventions.results import WorldviewResults

    io.check_outputs(args.out)
    results = WorldviewResults.read(args.results, args.priors, args.name)
    if results.decision != args.decision:
        raise ValueError(
            f"{args.results}: the decision tables are "
            f"{'present' if results.decision else 'missing'}, but --decision is "
            f"{'given' if args.decision else 'not given'}"
        )
    for which in ("core", "decision") if args.decision else ("core",):
        for name, png in draw_figures(results, which).items():
            io.write_bytes(png, args.results / registry.BY_NAME[f"figure:{name}"].file)
            results.figures[name] = png
    io.write_text(build_report(results, rank_shift=args.rank_shift), args.out)


def parse_credences(specs: Sequence[str]) -> dict[str, float]:
    """Parse ``--credence NAME=VALUE`` arguments (each value a finite number at least 0)."""
    import math

    credences: dict[str, float] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not sep or not name or not math.isfinite(number) or number < 0:
            raise ValueError(
                f"--credence {spec!r}: expected NAME=VALUE with a finite number at least 0"
            )
        if name in credences:
            raise ValueError(f"--credence: {name!r} is given twice")
        credences[name] = number
    return credences


def compare(args: argparse.Namespace) -> None:
    """Compare and pool worldviews; write the comparison tables, figures and report."""
    from agi_interventions import registry, steps
    from agi_interventions.compare.pool import normalise_credences
    from agi_interventions.provenance import package_versions
    from agi_interventions.report.comparison import build_comparison_report, overlay_parameters
    from agi_interventions.report.comparison_figures import comparison_figures
    from agi_interventions.report.figures import figure_png
    from agi_interventions.results import WorldviewResults

    io.check_outputs(folders=[args.out_dir])
    if len(args.worldview) < 2:
        raise ValueError("--worldview: a comparison needs at least two worldviews")
    results = [
        WorldviewResults.read(Path(folder), Path(priors), name, inputs=True)
        for name, priors, folder in args.worldview
    ]
    credences = parse_credences(args.credence)
    tables = steps.compare(
        results,
        credences,
        reference=args.reference or None,
        seed=args.seed,
        evppi_bootstrap=args.evppi_bootstrap,
    )
    folder = Path(args.out_dir)
    for name, table in tables.items():
        io.write_csv(table, folder / registry.COMPARISON_BY_NAME[name].file)
    views = [r.worldview for r in results]
    figures = {}
    for name, figure in comparison_figures(tables, views, overlay_parameters(tables)).items():
        figures[name] = figure_png(figure)
        io.write_bytes(figures[name], folder / registry.COMPARISON_BY_NAME[f"figure:{name}"].file)
    weights = normalise_credences(credences, [v.name for v in views])
    provenance = {
        "seed": args.seed,
        "credences (normalised)": weights,
        "reference": args.reference or views[0].name,
        "prior files": {v.name: str(v.path) for v in views},
        "versions": package_versions(),
    }
    html = build_comparison_report(tables, views, weights, figures, provenance)
    io.write_text(html, folder / registry.COMPARISON_BY_NAME["report"].file)


#: Draws of the impossible-population check of ``check-priors``.
IMPOSSIBLE_CHECK_DRAWS = 1 << 14


def warn_impossible_populations(path: str, worldview: Worldview) -> float:
    """Warn where many of a valid worldview's draws describe impossible populations.

    Parameters
    ----------
    path
        The prior file, for the message.
    worldview
        The validated worldview.

    Returns
    -------
    float
        The share of :data:`IMPOSSIBLE_CHECK_DRAWS` plain Monte Carlo draws (seed 0) that are
        impossible; a warning is logged above the report's threshold
        (:data:`agi_interventions.narrative.card.IMPOSSIBLE_DRAWS_SHARE`).
    """
    from agi_interventions.montecarlo import simulate
    from agi_interventions.narrative.card import IMPOSSIBLE_DRAWS_SHARE

    if worldview.structure.consistent_by_construction:
        return 0.0
    draws = simulate(worldview, IMPOSSIBLE_CHECK_DRAWS, seed=0, columns=["consistent"])
    share = 1.0 - float(draws["consistent"].mean())
    if share > IMPOSSIBLE_DRAWS_SHARE:
        logger.warning(
            "%s: %.1f%% of draws describe impossible populations (the rest of the world would "
            "need a negative share); they are analysed and reported, not dropped. To make "
            "every draw possible, state beliefs about the rest of the world instead "
            "(structure: {rest_of_world: 1}; README, 'Consistency').",
            path,
            100.0 * share,
        )
    return share


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
        warn_impossible_populations(path, worldview)
    if problems:
        raise PriorError(problems)
