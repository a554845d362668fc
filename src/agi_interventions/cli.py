r"""Command-line entry points, one per pipeline step.

Each subcommand parses its arguments, reads its inputs, makes one call into
:mod:`agi_interventions.steps` (or the report layer) and writes its outputs atomically. The
Snakemake rules call these; they are equally usable by hand::

    agi-interventions design --priors config/priors/baseline.yaml --samples 1024 --seed 1 \\
        --chunks 1 --draws results/baseline/draws.parquet --design results/baseline/design.json
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from agi_interventions import io
from agi_interventions.errors import PriorError
from agi_interventions.parameters import INTERVENTIONS

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger("agi_interventions")


def _worldview(args: argparse.Namespace):
    from agi_interventions.priors import load_worldview

    return load_worldview(args.priors, name=args.name)


def _cmd_design(args: argparse.Namespace) -> None:
    import pandas as pd

    from agi_interventions import steps, store
    from agi_interventions.design import SobolDesign

    design = SobolDesign(_worldview(args), args.samples, args.seed)
    chunks = min(args.chunks, design.n_blocks)
    values: list[pd.DataFrame] = []

    def batches():
        for frame in steps.draw_design(design):
            values.append(frame[list(INTERVENTIONS)])
            yield frame

    store.write_table_batches(batches(), args.draws)
    record = steps.design_record(design, pd.concat(values, ignore_index=True), chunks)
    store.write_json(record, args.design)
    logger.info(
        "design: N=%d, D=%d, %d evaluations in %d blocks and %d chunk(s)",
        design.n_base,
        len(design.parameters),
        design.n_evaluations,
        design.n_blocks,
        chunks,
    )


def _cmd_evaluate(args: argparse.Namespace) -> None:
    from agi_interventions import steps, store
    from agi_interventions.consistency import add_counts

    record = store.read_json(args.design)
    size = record["block_size"]
    counts: dict[str, int] = {}

    def frames():
        nonlocal counts
        for first, stop in steps.block_batches(record, args.chunk):
            start, end = first * size, stop * size
            draws = store.read_rows(args.draws, 2 * start, 2 * end, record["inputs"])
            ab, found = steps.evaluate_chunk(record, draws, start, end)
            counts = add_counts(counts, found)
            yield ab

    store.write_table_batches(frames(), args.out)
    store.write_json(counts, args.counts)


def _cmd_sobol_chunk(args: argparse.Namespace) -> None:
    from agi_interventions import steps, store

    record = store.read_json(args.design)
    size = record["block_size"]
    chunk_start = steps.chunk_blocks(record, args.chunk)[0] * size

    def batches():
        for first, stop in steps.block_batches(record, args.chunk):
            start, end = first * size, stop * size
            draws = store.read_rows(args.draws, 2 * start, 2 * end, list(INTERVENTIONS))
            ab = store.read_rows(args.ab, start - chunk_start, end - chunk_start)
            yield first, stop, draws, ab

    store.write_arrays(steps.sobol_chunk(record, batches(), args.resamples), args.out)


def _cmd_sobol(args: argparse.Namespace) -> None:
    from agi_interventions import steps, store

    record = store.read_json(args.design)
    exact, reason = steps.exact_engine(_worldview(args))
    if exact is None:
        logger.info("exact indices not available: %s", reason)
    tables = steps.sobol_tables(record, [store.read_arrays(p) for p in args.sums], exact)
    for name, table in tables.items():
        io.write_csv(table, args.out_dir / f"{name}.csv")


def _cmd_diagnostics(args: argparse.Namespace) -> None:
    from agi_interventions import steps, store
    from agi_interventions.consistency import CONSISTENCY_INPUTS
    from agi_interventions.parameters import OUTPUTS

    batches = store.iter_batches(args.draws, [*CONSISTENCY_INPUTS, *OUTPUTS])
    counts = [store.read_json(p) for p in args.counts]
    io.write_csv(steps.diagnostics_tables(batches, counts), args.out)


def _cmd_rank(args: argparse.Namespace) -> None:
    from agi_interventions import steps, store

    exact, _ = steps.exact_engine(_worldview(args))
    tables = steps.rank_tables(store.read_columns(args.draws, list(INTERVENTIONS)), exact)
    io.write_csv(tables["ranking"], args.ranking)
    io.write_csv(tables["pairwise"], args.pairwise)


def _cmd_resolution(args: argparse.Namespace) -> None:
    import pandas as pd

    from agi_interventions import store
    from agi_interventions.mc_error import relative_half_widths, resolution_table

    ranking = pd.read_csv(args.ranking)
    voi = pd.read_csv(args.voi) if args.voi else None
    sobol = pd.read_csv(args.sobol)
    n_base = int(store.read_json(args.design)["n_base"])
    table = resolution_table(ranking, pd.read_csv(args.pairwise), sobol, voi, n_base)
    io.write_csv(table, args.out)
    io.write_csv(relative_half_widths(ranking, voi), args.mc_error)


def _independent(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame]:
    from agi_interventions import store

    parameters = store.read_json(args.design)["parameters"]
    draws = store.read_columns(args.draws, [*parameters, *INTERVENTIONS])
    return draws[parameters], draws[list(INTERVENTIONS)]


def _cmd_robustness(args: argparse.Namespace) -> None:
    import pandas as pd

    from agi_interventions import steps

    inputs, values = _independent(args)
    tables = steps.robustness_tables(
        inputs,
        values,
        pd.read_csv(args.sobol),
        pd.read_csv(args.sobol_asinh),
        seed=args.seed,
        rank_shift=args.rank_shift,
    )
    for name, table in tables.items():
        io.write_csv(table, args.out_dir / f"{name}.csv")


def _groups(specs: Sequence[str]) -> dict[str, list[str]]:
    groups = {}
    for spec in specs:
        name, _, members = spec.partition("=")
        if not name or not members:
            raise ValueError(f"--group expects NAME=P1,P2,...; got {spec!r}")
        groups[name] = [m for m in members.split(",") if m]
    return groups


def _cmd_decision(args: argparse.Namespace) -> None:
    from agi_interventions import steps

    worldview = _worldview(args)
    exact, reason = steps.exact_engine(worldview)
    if exact is None:
        logger.info("exact value of information not available: %s", reason)
    inputs, values = _independent(args)
    settings = steps.DecisionSettings(
        groups=_groups(args.group),
        evppi_bootstrap=args.evppi_bootstrap,
        exact_draws=args.exact_draws,
        switching_bins=args.switching_bins,
        top_parameters=args.top_parameters,
        prim_threshold=0.0,
        prim_peel_alpha=0.0,
        rank_shift=0,
    )
    tables = steps.decision_tables(
        worldview, inputs, values, settings, seed=args.seed, exact=exact
    )
    for name, table in tables.items():
        io.write_csv(table, args.out_dir / f"{name}.csv")


def _cmd_scenarios(args: argparse.Namespace) -> None:
    from agi_interventions import steps

    inputs, values = _independent(args)
    settings = steps.DecisionSettings(
        groups={},
        evppi_bootstrap=0,
        exact_draws=0,
        switching_bins=0,
        top_parameters=0,
        prim_threshold=args.prim_threshold,
        prim_peel_alpha=args.prim_peel_alpha,
        rank_shift=0,
    )
    for name, table in steps.scenario_tables(inputs, values, settings, seed=args.seed).items():
        io.write_csv(table, args.out_dir / f"{name}.csv")


def _cmd_figures(args: argparse.Namespace) -> None:
    from agi_interventions.report.build import ResultFiles, draw_figures

    files = ResultFiles.in_folder(args.results)
    for which in ("core", "decision") if args.decision else ("core",):
        draw_figures(files, args.out_dir, which=which)


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
    from agi_interventions import provenance

    config = json.loads(args.config_json)
    record = provenance.collect(config, args.worldview, args.priors)
    io.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", args.out)


def _cmd_check_priors(args: argparse.Namespace) -> None:
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


def _add(
    sub: argparse._SubParsersAction,
    name: str,
    func: Callable[[argparse.Namespace], None],
    help_text: str,
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(func=func)
    return parser


def _worldview_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--priors", type=Path, required=True, help="the worldview's prior file")
    p.add_argument("--name", help="worldview name (default: file stem)")


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

    p = _add(sub, "design", _cmd_design, "Draw the design's independent draws; evaluate them.")
    _worldview_args(p)
    p.add_argument("--samples", type=int, required=True, help="base sample size N (2^k)")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--chunks", type=int, required=True, help="chunks of the evaluation")
    p.add_argument("--draws", type=Path, required=True, help="output: draws.parquet")
    p.add_argument("--design", type=Path, required=True, help="output: design.json")

    p = _add(sub, "evaluate", _cmd_evaluate, "Evaluate one chunk's AB rows by column swap.")
    p.add_argument("--design", type=Path, required=True)
    p.add_argument("--draws", type=Path, required=True)
    p.add_argument("--chunk", type=int, required=True)
    p.add_argument("--out", type=Path, required=True, help="output: the AB values (Parquet)")
    p.add_argument("--counts", type=Path, required=True, help="output: diagnostic counts")

    p = _add(sub, "sobol-chunk", _cmd_sobol_chunk, "Sobol sums over one chunk's blocks.")
    p.add_argument("--design", type=Path, required=True)
    p.add_argument("--draws", type=Path, required=True)
    p.add_argument("--ab", type=Path, required=True, help="the chunk's AB values")
    p.add_argument("--chunk", type=int, required=True)
    p.add_argument("--resamples", type=int, required=True, help="bootstrap resamples")
    p.add_argument("--out", type=Path, required=True)

    p = _add(sub, "sobol", _cmd_sobol, "Merge the chunks' sums into the Sobol tables.")
    _worldview_args(p)
    p.add_argument("--design", type=Path, required=True)
    p.add_argument("--sums", type=Path, nargs="+", required=True, help="in chunk order")
    p.add_argument("--out-dir", type=Path, required=True)

    p = _add(sub, "diagnostics", _cmd_diagnostics, "Count inconsistent and non-finite rows.")
    p.add_argument("--draws", type=Path, required=True)
    p.add_argument("--counts", type=Path, nargs="+", required=True)
    p.add_argument("--out", type=Path, required=True)

    p = _add(sub, "rank", _cmd_rank, "Rank interventions; pairwise comparisons.")
    _worldview_args(p)
    p.add_argument("--draws", type=Path, required=True)
    p.add_argument("--ranking", type=Path, required=True)
    p.add_argument("--pairwise", type=Path, required=True)

    p = _add(sub, "resolution", _cmd_resolution, "Monte Carlo error budget.")
    p.add_argument("--design", type=Path, required=True)
    p.add_argument("--ranking", type=Path, required=True)
    p.add_argument("--pairwise", type=Path, required=True)
    p.add_argument("--sobol", type=Path, required=True)
    p.add_argument("--voi", type=Path, help="value_of_information.csv (decision analysis)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--mc-error", type=Path, required=True)

    p = _add(sub, "provenance", _cmd_provenance, "Record config hash, versions and date.")
    p.add_argument("--config-json", required=True, help="the run's configuration as JSON")
    p.add_argument("--worldview", required=True)
    p.add_argument("--priors", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)

    p = _add(sub, "robustness", _cmd_robustness, "PAWN and the method comparison.")
    p.add_argument("--design", type=Path, required=True)
    p.add_argument("--draws", type=Path, required=True)
    p.add_argument("--sobol", type=Path, required=True)
    p.add_argument("--sobol-asinh", type=Path, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--rank-shift", type=int, required=True)
    p.add_argument("--out-dir", type=Path, required=True)

    p = _add(
        sub,
        "decision",
        _cmd_decision,
        "EVPI/EVPPI, expected loss, switching values, PRIM boxes.",
    )
    _worldview_args(p)
    p.add_argument("--design", type=Path, required=True)
    p.add_argument("--draws", type=Path, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--group", action="append", default=[], help="NAME=P1,P2,... (repeat)")
    p.add_argument("--evppi-bootstrap", type=int, required=True)
    p.add_argument("--exact-draws", type=int, required=True)
    p.add_argument("--switching-bins", type=int, required=True)
    p.add_argument("--top-parameters", type=int, required=True)
    p.add_argument("--out-dir", type=Path, required=True)

    p = _add(sub, "scenarios", _cmd_scenarios, "PRIM boxes: where each intervention is best.")
    p.add_argument("--design", type=Path, required=True)
    p.add_argument("--draws", type=Path, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--prim-threshold", type=float, required=True)
    p.add_argument("--prim-peel-alpha", type=float, required=True)
    p.add_argument("--out-dir", type=Path, required=True)

    p = _add(sub, "figures", _cmd_figures, "Draw every report figure as PNG.")
    p.add_argument("--results", type=Path, required=True, help="the worldview's result folder")
    p.add_argument("--out-dir", type=Path, required=True)
    p.add_argument("--decision", action="store_true", help="also the decision figures")

    p = _add(sub, "report", _cmd_report, "Render the self-contained HTML report.")
    p.add_argument("--results", type=Path, required=True, help="the worldview's result folder")
    p.add_argument("--figures", type=Path, required=True, help="folder of the PNG figures")
    p.add_argument("--priors", type=Path, required=True)
    p.add_argument("--worldview", required=True)
    p.add_argument("--rank-shift", type=int, required=True)
    p.add_argument(
        "--no-decision", action="store_true", help="leave out the decision-analysis sections"
    )
    p.add_argument("--out", type=Path, required=True)
    return parser


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
