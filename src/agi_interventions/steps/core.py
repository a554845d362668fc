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
    chunk_blocks,
    design_record,
    draw_design,
    evaluate_chunk,
    merge_sobol,
    sobol_chunk,
)
from agi_interventions.consistency import add_counts, check_counts
from agi_interventions.parameters import DIFFERENCES, INTERVENTIONS, OUTPUTS, difference_name

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


def evaluate(
    record: Mapping, read_draws: RowReader, chunk: int, sink: Callable[[pd.DataFrame], None]
) -> dict[str, int]:
    """Evaluate one chunk's ``AB_j`` rows batch by batch.

    Parameters
    ----------
    record
        The design record.
    read_draws
        Reader of the independent draws.
    chunk
        Chunk index.
    sink
        Receives the ``AB_j`` values in batches, in order.

    Returns
    -------
    dict of str to int
        Diagnostic counts over the chunk's ``AB_j`` rows.
    """
    size = record["block_size"]
    counts: dict[str, int] = {}
    for first, stop in block_batches(record, chunk):
        start, end = first * size, stop * size
        draws = read_draws(2 * start, 2 * end, record["inputs"])
        ab, found = evaluate_chunk(record, draws, start, end)
        counts = add_counts(counts, found)
        sink(ab)
    return counts


def sobol_sums(
    record: Mapping,
    read_draws: RowReader,
    read_ab: Callable[[int, int], pd.DataFrame],
    chunk: int,
    resamples: int,
) -> dict[str, np.ndarray]:
    """Saltelli/Jansen sums of one chunk (:func:`agi_interventions.chunks.sobol_chunk`).

    Parameters
    ----------
    record
        The design record.
    read_draws
        Reader of the independent draws.
    read_ab
        Reader of the chunk's ``AB_j`` values, rows counted from the chunk's first base point.
    chunk
        Chunk index.
    resamples
        Bootstrap resamples.

    Returns
    -------
    dict of str to numpy.ndarray
        The chunk's sums per Sobol output, and ``level``.
    """
    size = record["block_size"]
    offset = chunk_blocks(record, chunk)[0] * size

    def batches():
        for first, stop in block_batches(record, chunk):
            start, end = first * size, stop * size
            draws = read_draws(2 * start, 2 * end, list(INTERVENTIONS))
            yield first, stop, draws, read_ab(start - offset, end - offset)

    return sobol_chunk(record, batches(), resamples)


# ----------------------------------------------------------------------------- Sobol tables


def sobol(
    record: Mapping, chunks: Sequence[Mapping[str, np.ndarray]], exact: object | None
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

    Returns
    -------
    dict of str to pandas.DataFrame
        ``sobol`` (the interventions), ``sobol_decision`` (pairwise differences and the
        winner indicator) and ``sobol_asinh`` (``asinh(value / scale)``, with the scale):
        columns ``output, parameter, S1, S1_conf, ST, ST_conf, S1_exact, ST_exact, flag``
        (``S1_exact``, ``ST_exact``: exact indices where the model's structure gives them,
        else empty; ``flag``: a Monte Carlo index that cannot be).
    """
    from agi_interventions.sensitivity import flag_indices, sobol_frame

    results = merge_sobol(record, chunks)
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
        frame["flag"] = flag_indices(frame)
        tables[kind].append(frame)
    return {
        "sobol": pd.concat(tables["raw"], ignore_index=True),
        "sobol_decision": pd.concat(tables["decision"], ignore_index=True),
        "sobol_asinh": pd.concat(tables["asinh"], ignore_index=True),
    }


# ----------------------------------------------------------------------------- draws-based


def rank(
    values: pd.DataFrame,
    exact: object | None = None,
    switches: pd.DataFrame | None = None,
    probabilities: Mapping[str, float] | None = None,
) -> dict[str, pd.DataFrame]:
    """Ranking (means, P(best)), pairwise comparisons and the ranking per structure.

    Parameters
    ----------
    values
        The interventions' values at the independent draws.
    exact
        The exact engine, or None; it adds each intervention's exact mean (and exact
        conditional means given each structure switch).
    switches
        The structure switches at the same draws (no columns: no switched variant).
    probabilities
        Each switched variant's probability of holding.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``ranking`` (with ``mean_exact``, empty without the engine), ``pairwise`` and
        ``structure`` (:func:`agi_interventions.ranking.structure_table`).
    """
    from agi_interventions.ranking import (
        pairwise_comparisons,
        rank_interventions,
        structure_table,
    )

    ranking = rank_interventions(values)
    ranking["mean_exact"] = [
        exact.mean(o) if exact is not None else np.nan for o in ranking["intervention"]
    ]
    switches = switches if switches is not None else pd.DataFrame(index=values.index)
    exact_means = {}
    if exact is not None:
        for variant in switches.columns:
            for option in values.columns:
                means = exact.conditional_mean(option, {variant: np.array([0.0, 1.0])})
                exact_means[variant, option, 0] = float(means[0])
                exact_means[variant, option, 1] = float(means[1])
    return {
        "ranking": ranking,
        "pairwise": pairwise_comparisons(values),
        "structure": structure_table(values, switches, dict(probabilities or {}), exact_means),
    }


def diagnostics(
    draw_batches: Iterable[pd.DataFrame], chunk_counts: Sequence[Mapping[str, int]]
) -> pd.DataFrame:
    """Inconsistent inputs and non-finite outputs over all evaluations and the draws.

    Parameters
    ----------
    draw_batches
        The independent draws (the consistency inputs and the outputs), in batches of rows.
    chunk_counts
        The counts over every chunk's ``AB_j`` rows (:func:`evaluate_chunk`).

    Returns
    -------
    pandas.DataFrame
        See :func:`agi_interventions.consistency.diagnostics_table`.
    """
    from agi_interventions.consistency import diagnostics_table

    independent: dict[str, int] = {}
    for batch in draw_batches:
        independent = add_counts(independent, check_counts(batch, batch, OUTPUTS))
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

    Returns
    -------
    dict of str to pandas.DataFrame
        ``resolution`` and ``mc_error`` (:mod:`agi_interventions.mc_error`).
    """
    from agi_interventions.mc_error import relative_half_widths, resolution_table

    return {
        "resolution": resolution_table(ranking, pairwise, sobol_table, voi, n_base),
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
