"""Steps of every run: design, chunked evaluation, Sobol tables, ranking, diagnostics, budget."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from agi_interventions.chunks import (
    block_batches,
    design_record,
    draw_design,
    evaluate_chunk,
    merge_sobol,
    sobol_chunk,
)
from agi_interventions.consistency import add_counts, check_counts
from agi_interventions.io import text_column
from agi_interventions.parameters import DIFFERENCES, INTERVENTIONS, OUTPUTS, difference_name
from agi_interventions.structure import Structure

if TYPE_CHECKING:  # the prior families import scipy.stats (0.6 s): not in chunk jobs
    from agi_interventions.priors import Worldview

logger = logging.getLogger(__name__)

#: A function that reads rows ``[start, stop)`` of the independent draws (given columns).
RowReader = Callable[[int, int, Sequence[str]], pd.DataFrame]


# ----------------------------------------------------------------------------- design, chunks


def design(
    worldview: Worldview, n_base: int, seed: int, chunks: int, sink: Callable[[pd.DataFrame], None]
) -> dict:
    """Draw the design's independent draws, pass them to ``sink`` and return the record.

    Parameters
    ----------
    worldview
        Validated priors.
    n_base
        Base sample size N.
    seed
        Configuration seed.
    chunks
        Chunks of the evaluation (capped at the design's number of blocks).
    sink
        Receives the draws in batches, in order.

    Returns
    -------
    dict
        The design record (:func:`agi_interventions.chunks.design_record`).
    """
    from agi_interventions.design import SobolDesign

    sobol_design = SobolDesign(worldview, n_base, seed)
    values = []
    for frame in draw_design(sobol_design):
        values.append(frame[list(INTERVENTIONS)])
        sink(frame)
    chunks = min(chunks, sobol_design.n_blocks)
    return design_record(sobol_design, pd.concat(values, ignore_index=True), chunks)


def chunk(
    record: Mapping, read_draws: RowReader, chunk: int, resamples: int
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Evaluate one chunk's ``AB_j`` rows and reduce them to Saltelli/Jansen sums at once.

    Batch by batch (runs of whole blocks, :func:`agi_interventions.chunks.block_batches`),
    the ``AB_j`` rows are formed by column swap and evaluated
    (:func:`agi_interventions.chunks.evaluate_chunk`) and their values summed
    (:func:`agi_interventions.chunks.sobol_chunk`); they are never stored.

    Parameters
    ----------
    record
        The design record.
    read_draws
        Reader of the independent draws.
    chunk
        Chunk index.
    resamples
        Bootstrap resamples of the Sobol sums.

    Returns
    -------
    tuple
        The chunk's sums per Sobol output (with ``level``) and the diagnostic counts over its
        ``AB_j`` rows.
    """
    size = record["block_size"]
    counts: dict[str, int] = {}

    def batches():
        nonlocal counts
        for first, stop in block_batches(record, chunk):
            start, end = first * size, stop * size
            draws = read_draws(2 * start, 2 * end, [*record["inputs"], *INTERVENTIONS])
            ab, found = evaluate_chunk(record, draws, start, end)
            counts = add_counts(counts, found)
            yield first, stop, draws, ab

    sums = sobol_chunk(record, batches(), resamples)
    return sums, counts


# ----------------------------------------------------------------------------- Sobol tables


def sobol(
    record: Mapping,
    chunks: Sequence[Mapping[str, np.ndarray]],
    exact: object | None,
    values: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Compute the three Sobol tables from the chunks' sums.

    Parameters
    ----------
    record
        The design record.
    chunks
        Every chunk's sums, in chunk order (:func:`sobol_chunk`).
    exact
        The worldview's :class:`agi_interventions.exact.ExactEngine`, or None.
    values
        The interventions' values at the independent draws: each output's tails there say
        whether its bootstrap intervals can be trusted
        (:func:`agi_interventions.tails.sobol_tail_check`).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``sobol`` (the interventions), ``sobol_decision`` (pairwise differences, their
        relative versions and the winner indicator) and ``sobol_asinh`` (``asinh(value /
        scale)``, with the scale): columns ``output, parameter, S1, S1_conf, ST, ST_conf,
        S1_exact, ST_exact, khat_square, tail_flag, flag`` (``S1_exact``, ``ST_exact``: exact
        indices where the model's structure gives them, else empty; ``khat_square``: Pareto
        shape of the upper tail of the output's square; ``tail_flag``: why the output's
        intervals cannot be trusted; ``flag``: a Monte Carlo index that cannot be).
    """
    from agi_interventions.chunks import sobol_outputs
    from agi_interventions.sensitivity import flag_indices, sobol_frame
    from agi_interventions.tails import sobol_tail_check

    results = merge_sobol(record, chunks)
    checks = {}
    if values is not None:
        finite = values.loc[np.isfinite(values.to_numpy(dtype=np.float64)).all(axis=1)]
        outputs = sobol_outputs(
            {o: finite[o].to_numpy() for o in INTERVENTIONS},
            record["winner"],
            record["asinh_scale"],
        )
        # bounded outputs (the indicator, relative differences) and asinh have light tails
        checks = {
            key: sobol_tail_check(y)
            for key, y in outputs.items()
            if len(y) >= 100 and _unbounded(key)
        }
    parameters = record["parameters"]
    exact_frame = None
    if exact is not None:
        from agi_interventions.exact.tables import exact_sobol

        names = [*INTERVENTIONS, *(difference_name(a, b) for a, b in DIFFERENCES)]
        exact_frame = exact_sobol(exact, names)
    tables: dict[str, list[pd.DataFrame]] = {"raw": [], "decision": [], "asinh": []}
    for key, result in results.items():
        kind, _, output = key.partition(":")
        frame = sobol_frame(output, parameters, result)
        if kind == "asinh":
            frame["asinh_scale"] = record["asinh_scale"][output]
        elif exact_frame is not None:
            frame = frame.merge(exact_frame, on=["output", "parameter"], how="left")
        if kind != "asinh":
            for column in ("S1_exact", "ST_exact"):
                if column not in frame:
                    frame[column] = np.nan
        check = checks.get(key)
        frame["khat_square"] = check.khat_square if check else np.nan
        frame["tail_flag"] = check.reason if check and check.flagged else ""
        frame["flag"] = flag_indices(frame)
        tables[kind].append(frame)
    return {
        "sobol": pd.concat(tables["raw"], ignore_index=True),
        "sobol_decision": pd.concat(tables["decision"], ignore_index=True),
        "sobol_asinh": pd.concat(tables["asinh"], ignore_index=True),
    }


# ----------------------------------------------------------------------------- draws-based


def _unbounded(key: str) -> bool:
    """Whether a Sobol output can have a heavy tail (raw values and their differences)."""
    kind, _, output = key.partition(":")
    return kind == "raw" or (kind == "decision" and not output.startswith(("rel:", "best_is_")))


def rank(
    values: pd.DataFrame,
    exact: object | None = None,
    discrete: pd.DataFrame | None = None,
    states: Mapping[str, Sequence[tuple[float, str, float]]] | None = None,
    consistent: np.ndarray | None = None,
    *,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Ranking (means, P(best)), pairwise comparisons, the ranking per structure, risk rules.

    Parameters
    ----------
    values
        The interventions' values at the independent draws.
    exact
        The exact engine, or None; it adds each intervention's exact mean (and exact
        conditional means given each discrete structural input).
    discrete
        The discrete structural inputs (switches, the bargaining theory) at the same draws.
    states
        Their values, labels and probabilities
        (:meth:`agi_interventions.structure.Structure.discrete_states`).
    consistent
        Per draw, whether it describes a possible population (adds the ranking's
        consistency columns).
    seed
        Configuration seed (the risk rules' bootstrap).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``ranking`` (ordered by exact mean where the engine gives it, else by mean; with
        ``mean_exact``, empty without the engine), ``pairwise``, ``structure``
        (:func:`agi_interventions.ranking.structure_table`) and ``risk`` (every risk rule at
        its presets, :func:`agi_interventions.risk.risk_table`).
    """
    from agi_interventions.ranking import (
        pairwise_comparisons,
        rank_interventions,
        structure_table,
    )
    from agi_interventions.risk import risk_table
    from agi_interventions.seeds import derive_seed

    ranking = rank_interventions(values, consistent=consistent)
    ranking["mean_exact"] = [
        exact.mean(o) if exact is not None else np.nan for o in ranking["intervention"]
    ]
    if exact is not None:  # exact means decide the order
        ranking = ranking.sort_values("mean_exact", ascending=False, kind="stable")
        ranking = ranking.reset_index(drop=True)
    discrete = discrete if discrete is not None else pd.DataFrame(index=values.index)
    states = dict(states or {})
    exact_means = {}
    if exact is not None:
        for name in discrete.columns:
            atoms = np.array([value for value, _, _ in states[name]])
            for option in values.columns:
                means = exact.conditional_mean(option, {name: atoms})
                for value, mean in zip(atoms, means, strict=True):
                    exact_means[name, option, float(value)] = float(mean)
    return {
        "ranking": ranking,
        "pairwise": pairwise_comparisons(values),
        "structure": structure_table(values, discrete, states, exact_means),
        "risk": _flag_heavy_risk(
            risk_table(values, seed=derive_seed(seed, "risk-bootstrap")), ranking
        ),
    }


#: Rules whose bootstrap intervals rest on the extreme draws (all but the trimmed mean).
TAIL_SENSITIVE_RULES = ("ev", "reu", "wlu", "ambiguity")


def _flag_heavy_risk(risk: pd.DataFrame, ranking: pd.DataFrame) -> pd.DataFrame:
    """Add ``flag`` where an intervention's tail is too heavy for its intervals.

    Where ``mean_ci_flag`` is set, the bootstrap interval of every rule but the trimmed mean
    cannot be trusted.
    """
    flags = text_column(ranking.set_index("intervention")["mean_ci_flag"])
    risk = risk.copy()
    risk["flag"] = [
        flags.get(o, "") if rule in TAIL_SENSITIVE_RULES else ""
        for rule, o in zip(risk["rule"], risk["intervention"], strict=True)
    ]
    return risk


def diagnostics(
    draw_batches: Iterable[pd.DataFrame],
    chunk_counts: Sequence[Mapping[str, int]],
    structure: Structure | None = None,
) -> pd.DataFrame:
    """Inconsistent inputs and non-finite outputs over all evaluations and the draws.

    Parameters
    ----------
    draw_batches
        The independent draws (every input and the outputs), in batches of rows.
    chunk_counts
        The counts over every chunk's ``AB_j`` rows (:func:`evaluate_chunk`).
    structure
        The worldview's structure: it turns the stored inputs into the canonical parameters
        whose consistency is checked (default: none, the inputs are canonical).

    Returns
    -------
    pandas.DataFrame
        See :func:`agi_interventions.consistency.diagnostics_table`.
    """
    from agi_interventions.consistency import diagnostics_table

    independent: dict[str, int] = {}
    for batch in draw_batches:
        columns = {c: batch[c].to_numpy() for c in batch.columns}
        canonical = structure.canonical(columns) if structure is not None else columns
        independent = add_counts(independent, check_counts(canonical, columns, OUTPUTS))
    return diagnostics_table(
        {
            "all evaluations": add_counts(independent, *chunk_counts),
            "independent draws": independent,
        }
    )


def resolution(
    ranking: pd.DataFrame,
    pairwise: pd.DataFrame,
    sobol_table: pd.DataFrame,
    voi: pd.DataFrame | None,
    n_base: int,
    risk: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Compute the Monte Carlo error budget.

    Parameters
    ----------
    ranking, pairwise
        Ranking tables.
    sobol_table
        Sobol indices of the interventions.
    voi
        Value-of-information table, or None without the decision analysis.
    n_base
        Base sample size N.
    risk
        ``risk.csv`` (the winner under each risk rule), or None.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``resolution`` and ``mc_error`` (:mod:`agi_interventions.mc_error`).
    """
    from agi_interventions.mc_error import relative_half_widths, resolution_table

    return {
        "resolution": resolution_table(ranking, pairwise, sobol_table, voi, n_base, risk),
        "mc_error": relative_half_widths(ranking, voi),
    }


def provenance(
    worldview: Worldview,
    settings: Mapping[str, object],
    config_files: Sequence[str | Path] = (),
) -> dict:
    """Record what produced the numbers (:func:`agi_interventions.provenance.collect`)."""
    from agi_interventions import provenance as record

    return record.collect(settings, worldview.name, worldview.path, config_files)
