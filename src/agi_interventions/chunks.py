"""The design's independent draws and its chunked, column-swap evaluation.

* :func:`draw_design` maps the design's ``A`` and ``B`` rows through the priors (batch by
  batch) and evaluates the model on them: the ``2N`` independent draws;
* :func:`design_record` keeps what the chunked steps need (winner, centring values, scales);
* :func:`evaluate_chunk` forms a chunk's ``AB_j`` rows by swapping one column and evaluates
  them;
* :func:`sobol_chunk` turns a chunk's values into Saltelli/Jansen sums per block, added in the
  design's fixed tree (:mod:`agi_interventions.sensitivity`), and :func:`merge_sobol` adds the
  chunks' sums and computes the indices.

A chunk is a run of whole blocks; results do not depend on how many chunks there are.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from agi_interventions.consistency import add_counts, check_counts, is_consistent
from agi_interventions.model import marginal_values
from agi_interventions.parameters import (
    DIFFERENCES,
    INTERVENTIONS,
    OUTPUTS,
    PARAMETER_NAMES,
    difference_name,
    indicator_name,
    relative_difference_name,
)
from agi_interventions.progress import Progress
from agi_interventions.seeds import derive_seed
from agi_interventions.store import ab_column
from agi_interventions.structure import Structure

if TYPE_CHECKING:
    from agi_interventions.design import SobolDesign

logger = logging.getLogger(__name__)

#: Base points per batch of the design and the chunked steps (bounds their memory).
DESIGN_BATCH = 2**15
BATCH_POINTS = 2**15


def _evaluate(canonical: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every model output and the ``consistent`` flag at some rows (none dropped)."""
    outputs = marginal_values(canonical)
    outputs["consistent"] = is_consistent(canonical)
    return outputs


def input_columns(inputs: Sequence[str]) -> list[str]:
    """Columns stored with the draws: every canonical parameter, then the other inputs.

    A canonical parameter that is an input holds its sampled value (where a switched variant
    may replace it: the value used when the variant does not hold); one that a variant always
    derives holds the derived value.
    """
    return [*PARAMETER_NAMES, *(name for name in inputs if name not in PARAMETER_NAMES)]


def draw_design(design: SobolDesign) -> Iterator[pd.DataFrame]:
    """Map the design's ``A`` and ``B`` rows through the priors and evaluate the model.

    Parameters
    ----------
    design
        The worldview's design.

    Yields
    ------
    pandas.DataFrame
        Batches of independent draws, interleaved per base point (``A_i, B_i``): ``base_index``,
        ``matrix`` (``A`` or ``B``), every input, every output and ``consistent``.
    """
    n = design.n_base
    columns = input_columns(design.worldview.inputs)
    structure = design.worldview.structure
    progress = Progress(f"{design.worldview.name}: design", 2 * n)
    for start in range(0, n, DESIGN_BATCH):
        stop = min(n, start + DESIGN_BATCH)
        unit_a, unit_b = design.unit(start, stop)
        inputs_a, inputs_b = design.map_unit(unit_a), design.map_unit(unit_b)
        canonical_a, canonical_b = structure.canonical(inputs_a), structure.canonical(inputs_b)
        out_a, out_b = _evaluate(canonical_a), _evaluate(canonical_b)
        size = stop - start
        frame: dict[str, np.ndarray] = {
            "base_index": np.repeat(np.arange(start, stop, dtype=np.int64), 2),
            "matrix": np.tile(np.array(["A", "B"], dtype=object), size),
        }
        for name in columns:  # an input as sampled, else as its variant derives it
            stored_a = inputs_a[name] if name in inputs_a else canonical_a[name]
            stored_b = inputs_b[name] if name in inputs_b else canonical_b[name]
            frame[name] = _interleave(stored_a, stored_b)
        for name in (*OUTPUTS, "consistent"):
            frame[name] = _interleave(out_a[name], out_b[name])
        progress.advance(2 * size)
        yield pd.DataFrame(frame)


def _interleave(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(2 * a.size, dtype=np.result_type(a, b))
    out[0::2], out[1::2] = a, b
    return out


def design_record(design: SobolDesign, values: pd.DataFrame, chunks: int) -> dict:
    """Record the design's settings and the reference values the streamed steps need.

    Parameters
    ----------
    design
        The worldview's design.
    values
        The interventions' values at the ``2N`` independent draws.
    chunks
        Number of chunks of the evaluation.

    Returns
    -------
    dict
        Settings (N, seed, parameters, blocks, chunks), the winner by mean, the mean of every
        Sobol output over the independent draws (``shift``) and the asinh scales.
    """
    from agi_interventions.robust import asinh_scale
    from agi_interventions.stats import winner_by_mean

    winner = winner_by_mean(values)
    scales = {o: asinh_scale(values[o].to_numpy()) for o in INTERVENTIONS}
    outputs = sobol_outputs({o: values[o].to_numpy() for o in INTERVENTIONS}, winner, scales)
    shift = {}
    for key, y in outputs.items():
        finite = y[np.isfinite(y)]
        shift[key] = float(finite.mean()) if finite.size else 0.0
    from agi_interventions.integrity import design_id

    fingerprint = design.worldview.fingerprint
    return {
        "worldview": design.worldview.name,
        "fingerprint": fingerprint,
        "design_id": design_id(fingerprint, design.n_base, design.seed),
        "structure": design.worldview.structure.record(),
        "n_base": design.n_base,
        "seed": design.seed,
        "design_seed": design.design_seed,
        "parameters": design.parameters,
        "discrete": design.worldview.discrete,
        "inputs": list(design.worldview.priors),
        "n_blocks": design.n_blocks,
        "block_size": design.block_size,
        "chunks": chunks,
        "n_evaluations": design.n_evaluations,
        "winner": winner,
        "asinh_scale": scales,
        "shift": shift,
    }


def chunk_blocks(record: Mapping, chunk: int) -> tuple[int, int]:
    """Blocks ``[first, stop)`` of one chunk."""
    per_chunk = record["n_blocks"] // record["chunks"]
    if not 0 <= chunk < record["chunks"]:
        raise ValueError(f"chunk {chunk} outside [0, {record['chunks']})")
    return chunk * per_chunk, (chunk + 1) * per_chunk


def evaluate_chunk(
    record: Mapping, draws: pd.DataFrame, start: int, stop: int
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Evaluate the ``AB_j`` rows of base points ``[start, stop)`` by column swap.

    Parameters
    ----------
    record
        The design record (:func:`design_record`): parameters, inputs, structure.
    draws
        The worldview's sampled inputs at the independent draws of those base points
        (rows ``2 start .. 2 stop``, interleaved ``A``, ``B``).
    start, stop
        Base points.

    Returns
    -------
    tuple
        The interventions' values at every ``AB_j`` row (one row per base point, one column
        per intervention and parameter, :func:`agi_interventions.store.ab_column`) and the
        diagnostic counts over those rows.
    """
    structure = Structure.from_record(record["structure"])
    inputs_a = {k: draws[k].to_numpy()[0::2] for k in record["inputs"]}
    inputs_b = {k: draws[k].to_numpy()[1::2] for k in record["inputs"]}
    frame: dict[str, np.ndarray] = {"base_index": np.arange(start, stop, dtype=np.int64)}
    counts: dict[str, int] = {}
    progress = Progress(
        f"{record['worldview']}: AB rows", (stop - start) * len(record["parameters"])
    )
    for parameter in record["parameters"]:
        inputs = dict(inputs_a)
        inputs[parameter] = inputs_b[parameter]
        canonical = structure.canonical(inputs)
        outputs = _evaluate(canonical)
        for output in INTERVENTIONS:
            frame[ab_column(output, parameter)] = outputs[output]
        counts = add_counts(counts, check_counts(canonical, outputs, OUTPUTS))
        progress.advance(stop - start)
    return pd.DataFrame(frame), counts


def sobol_outputs(
    values: Mapping[str, np.ndarray], winner: str, scales: Mapping[str, float]
) -> dict[str, np.ndarray]:
    """Every output with Sobol indices, from the interventions' values at some rows.

    Keys are ``raw:<intervention>``, ``decision:<difference>``,
    ``decision:rel:<difference>`` (the difference over the sum of the two magnitudes, 0 where
    both are 0: a scale-free difference in which common factors cancel),
    ``decision:best_is_<winner>`` (1 where the winner's value is the largest, ties count,
    NaN where a value is not finite) and ``asinh:<intervention>``.
    """
    out = {f"raw:{o}": np.asarray(values[o], dtype=np.float64) for o in INTERVENTIONS}
    for first, second in DIFFERENCES:
        out[f"decision:{difference_name(first, second)}"] = values[first] - values[second]
    for first, second in DIFFERENCES:
        a, b = np.asarray(values[first]), np.asarray(values[second])
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            total = np.abs(a) + np.abs(b)
            relative = np.where(total > 0, (a - b) / np.where(total > 0, total, 1.0), 0.0)
        out[f"decision:{relative_difference_name(first, second)}"] = relative
    stacked = np.column_stack([values[o] for o in INTERVENTIONS])
    with np.errstate(invalid="ignore"):
        best = (values[winner] >= stacked.max(axis=1)).astype(np.float64)
    best[~np.isfinite(stacked).all(axis=1)] = np.nan
    out[f"decision:{indicator_name(winner)}"] = best
    for o in INTERVENTIONS:
        out[f"asinh:{o}"] = np.arcsinh(np.asarray(values[o]) / scales[o])
    return out


def sobol_chunk(
    record: Mapping,
    batches: Iterable[tuple[int, int, pd.DataFrame, pd.DataFrame]],
    resamples: int,
) -> dict[str, np.ndarray]:
    """Saltelli/Jansen sums of every Sobol output over one chunk's blocks.

    Parameters
    ----------
    record
        The design record (:func:`design_record`).
    batches
        In block order, runs of whole blocks: ``(first_block, stop_block, draws, ab)`` with
        the interventions' values at those blocks' independent draws (interleaved A, B) and
        at their ``AB_j`` rows (:func:`evaluate_chunk`).
    resamples
        Bootstrap resamples.

    Returns
    -------
    dict of str to numpy.ndarray
        Per Sobol output, its summed statistics over the chunk (``(R + 1, 5 + 3 D)``), and
        ``level``: log2 of the number of blocks summed.
    """
    from agi_interventions.sensitivity import (
        TreeSum,
        block_sums,
        block_terms,
        bootstrap_weights,
    )

    size = record["block_size"]
    seed = derive_seed(record["seed"], "sobol-bootstrap")
    winner, scales = record["winner"], record["asinh_scale"]
    trees: dict[str, TreeSum] = {}
    for first, stop, draws, ab in batches:
        outs_a = sobol_outputs(
            {o: draws[o].to_numpy()[0::2] for o in INTERVENTIONS}, winner, scales
        )
        outs_b = sobol_outputs(
            {o: draws[o].to_numpy()[1::2] for o in INTERVENTIONS}, winner, scales
        )
        outs_ab = [
            sobol_outputs(
                {o: ab[ab_column(o, p)].to_numpy() for o in INTERVENTIONS}, winner, scales
            )
            for p in record["parameters"]
        ]
        weights = np.stack(
            [bootstrap_weights(size, resamples, seed, block) for block in range(first, stop)]
        )
        for key in outs_a:
            ab_matrix = np.column_stack([o[key] for o in outs_ab])
            terms = block_terms(outs_a[key], outs_b[key], ab_matrix, record["shift"][key])
            tree = trees.setdefault(key, TreeSum())
            for sums in block_sums(terms, weights):
                tree.add(sums)
    result = {}
    level = 0
    for key, tree in trees.items():
        level, result[key] = tree.result()
    result["level"] = np.array(level)
    return result


def block_batches(record: Mapping, chunk: int) -> list[tuple[int, int]]:
    """Split one chunk into runs of whole blocks, each at most :data:`BATCH_POINTS` base points."""
    first, stop = chunk_blocks(record, chunk)
    per_batch = max(1, BATCH_POINTS // record["block_size"])
    return [(b, min(stop, b + per_batch)) for b in range(first, stop, per_batch)]


def merge_sobol(record: Mapping, chunks: Sequence[Mapping[str, np.ndarray]]) -> dict[str, dict]:
    """Add the chunks' sums in the design's fixed tree and compute every output's indices."""
    from agi_interventions.sensitivity import TreeSum, indices_from_sums

    trees: dict[str, TreeSum] = {}
    for part in chunks:
        level = int(part["level"])
        for key, sums in part.items():
            if key != "level":
                trees.setdefault(key, TreeSum()).add(sums, level)
    return {key: indices_from_sums(tree.result()[1]) for key, tree in trees.items()}
