"""Plain Monte Carlo: independent prior draws and the model's outputs, fast and exact.

:func:`simulate` involves no Sobol design: it draws ``n`` independent samples from the
priors with exact samplers (:mod:`agi_interventions.samplers`: closed-form transforms of
uniforms and normals, order statistics or Cheng's rejection algorithm for beta and PERT,
scipy's inverse CDF for ``truncnormal``) and evaluates the model's closed form on them
(:func:`agi_interventions.model.marginal_values_into`), in batches of :data:`BATCH` draws in
buffers reused batch after batch, each batch from its own SFC64 stream derived from the seed,
on a few threads (NumPy releases the GIL while filling arrays). The result depends only on
``(worldview, n, seed)``, never on the number of threads. Asking only for the columns needed
(``columns=``) saves memory and time at large ``n``; :func:`p_best` gives P(best) without the
rest of the ranking table, and :func:`summarise` gives the ranking table without the quantiles
for any ``n``, reducing the draws batch by batch instead of keeping them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from agi_interventions.consistency import is_consistent
from agi_interventions.model import SCRATCH_ROWS, marginal_values_into
from agi_interventions.parameters import INTERVENTIONS, OUTPUTS, PARAMETER_NAMES
from agi_interventions.priors import Worldview, load_worldview
from agi_interventions.samplers import BatchSampler, Workspace

__all__ = ["BATCH", "p_best", "simulate", "summarise"]

#: Draws per batch (each batch has its own random stream).
BATCH = 2**16

#: Rows per chunk of :func:`p_best` (a few arrays of this length stay in cache).
_P_BEST_CHUNK = 2**16

T = TypeVar("T")
Work = Callable[[int, int, dict[str, np.ndarray], dict[str, np.ndarray], Workspace], T]


def _map_batches(view: Worldview, n: int, seed: int, threads: int, work: Work[T]) -> list[T]:
    """Draw the inputs of every batch and hand them to ``work``; return its results in order.

    The ``n`` draws are cut into a multiple of four batches (so that two or four threads
    share them evenly) of equal size up to one draw, at most :data:`BATCH`; batch ``i`` comes
    from its own SFC64 generator seeded by the ``i``-th child of ``SeedSequence(seed)``, so
    what ``work`` sees depends only on ``(view, n, seed)``. ``work(start, stop, inputs,
    canonical, workspace)`` gets the sampled inputs (views into the thread's workspace, whose
    ``extra`` rows are free for the model, :data:`SCRATCH_ROWS`) and the canonical parameters
    the worldview's structure makes of them.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(
            f"seed must be a non-negative integer, got {seed!r} (without one the draws could "
            "not be reproduced)"
        )
    sampler = BatchSampler(view.priors)
    structure = view.structure
    fewest = -(-n // BATCH)  # ceil(n / BATCH)
    count = min(n, -(-fewest // 4) * 4)
    bounds = [n * i // count for i in range(count + 1)]
    streams = np.random.SeedSequence(seed).spawn(count)
    local = threading.local()

    def run(job: tuple[int, int, np.random.SeedSequence]) -> T:
        start, stop, stream = job
        if not hasattr(local, "workspace"):
            local.workspace = sampler.workspace(-(-n // count), extra_rows=SCRATCH_ROWS)
        values = sampler.draw(
            np.random.Generator(np.random.SFC64(stream)), stop - start, local.workspace
        )
        canonical = structure.complete(values) if structure.variants else values
        return work(start, stop, values, canonical, local.workspace)

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        return list(pool.map(run, zip(bounds[:-1], bounds[1:], streams, strict=True)))


def simulate(
    worldview: Worldview | str | Path,
    n: int,
    seed: int,
    threads: int = 2,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Draw ``n`` independent prior samples and evaluate the model on them.

    Parameters
    ----------
    worldview
        A validated worldview or the path of a prior file.
    n
        Number of draws.
    seed
        Seed; equal seeds give identical frames whatever ``threads`` is.
    threads
        Worker threads.
    columns
        Columns to return, in this order (default: all). Naming only those needed, e.g.
        ``columns=["a_V", "a_CV", "a_CnotV"]`` for a ranking or :func:`p_best`, saves memory
        (8 bytes per draw per column left out) and time; the values are those of the full
        frame.

    Returns
    -------
    pandas.DataFrame
        One row per draw: every input as sampled, every canonical parameter the worldview's
        structure derives, every model output (``a_V``, ``a_CV``, ``a_CnotV``, the alignment
        channels, ``U``) and ``consistent`` (whether the draw describes a possible population,
        ``docs/model.md``), or the ``columns`` asked for.

    Raises
    ------
    ValueError
        ``n`` below 1, or a column that is neither an input nor an output.

    Notes
    -----
    The draws come in batches of at most :data:`BATCH`, each from its own SFC64 generator
    seeded from ``SeedSequence(seed).spawn`` (see :func:`_map_batches`); the samplers are
    exact (see :mod:`agi_interventions.samplers`); the outputs are those of
    :func:`agi_interventions.model.marginal_values`, bit for bit. :func:`summarise` reduces
    the same draws without keeping them.
    """
    if not isinstance(worldview, Worldview):
        worldview = load_worldview(worldview)
    derived = [name for name in PARAMETER_NAMES if name not in worldview.priors]
    available = [*worldview.priors, *derived, *OUTPUTS, "consistent"]
    keep = available if columns is None else list(columns)
    unknown = sorted(set(keep) - set(available))
    if unknown:
        raise ValueError(f"unknown column(s) {unknown}; available: {available}")
    if len(set(keep)) != len(keep):
        raise ValueError(f"columns named more than once: {keep}")
    evaluate = any(name in OUTPUTS for name in keep)
    frame = {
        name: np.empty(n, dtype=bool if name == "consistent" else np.float64) for name in keep
    }

    def fill(
        start: int,
        stop: int,
        inputs: dict[str, np.ndarray],
        canonical: dict[str, np.ndarray],
        ws: Workspace,
    ) -> None:
        if evaluate:
            into = {name: frame[name][start:stop] for name in OUTPUTS if name in frame}
            scratch = ws.rows(ws.extra, SCRATCH_ROWS, stop - start)
            marginal_values_into(canonical, into, scratch)  # writes the outputs kept in place
        for name in keep:
            if name == "consistent":
                frame[name][start:stop] = is_consistent(canonical)
            elif name not in OUTPUTS:
                frame[name][start:stop] = inputs[name] if name in inputs else canonical[name]

    _map_batches(worldview, n, seed, threads, fill)
    return pd.DataFrame(frame, copy=False)


def _tally(
    chunk: Sequence[np.ndarray], moments: bool
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """Count wins, and optionally means and squared deviations, of one chunk of draws.

    Returns ``(wins, rows, mean, m2)`` over the rows where every option is finite: ``wins``
    counts each row's top option (an ``m``-way tie gives each ``1/m``), ``mean`` and ``m2``
    (sum of squared deviations from it) are zero unless ``moments``.
    """
    rows = len(chunk[0])
    top, total = chunk[0].copy(), chunk[0].copy()
    for x in chunk[1:]:
        np.maximum(top, x, out=top)
        total += x
    is_top = [x == top for x in chunk]
    counts = [np.count_nonzero(t) for t in is_top]
    # Fast path: no tie (every row has exactly one top) and no inf or NaN (their sum would
    # not be finite; a finite sum that overflows only sends the chunk to the slow path).
    if sum(counts) == rows and np.isfinite(total).all():
        wins = np.array(counts, dtype=np.float64)
        kept = list(chunk)
    else:
        finite = np.logical_and.reduce([np.isfinite(x) for x in chunk])
        share = np.where(finite, 1.0 / np.maximum(np.sum(is_top, axis=0), 1), 0.0)
        wins = np.array([share[t].sum() for t in is_top])
        rows = int(np.count_nonzero(finite))
        kept = [x[finite] for x in chunk]
    mean, m2 = np.zeros(len(chunk)), np.zeros(len(chunk))
    if moments and rows:
        for i, x in enumerate(kept):
            mean[i] = x.mean()
            deviation = x - mean[i]
            np.square(deviation, out=deviation)
            m2[i] = deviation.sum()
    return wins, rows, mean, m2


def _combine(
    parts: Sequence[tuple[np.ndarray, int, np.ndarray, np.ndarray]], k: int
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """Merge tallies in order (means and squared deviations by Chan et al.'s formula)."""
    wins, rows, mean, m2 = np.zeros(k), 0, np.zeros(k), np.zeros(k)
    for part_wins, part_rows, part_mean, part_m2 in parts:
        if part_rows == 0:
            continue
        total = rows + part_rows
        delta = part_mean - mean
        mean = mean + delta * (part_rows / total)
        m2 = m2 + part_m2 + delta**2 * (rows * part_rows / total)
        wins, rows = wins + part_wins, total
    return wins, rows, mean, m2


def p_best(draws: pd.DataFrame, columns: Sequence[str] = tuple(INTERVENTIONS)) -> pd.Series:
    """Probability that each intervention has the highest value, over independent draws.

    The ``p_best`` column of the ranking table (``api.rank``) without the rest: a draw's
    ``m``-way tie for the top counts ``1/m`` for each, and draws where any value is not finite
    are left out. It reads the frame in cache-sized chunks, so it needs no copy of it.

    Parameters
    ----------
    draws
        A frame with the ``columns`` (e.g. from :func:`simulate`).
    columns
        Options compared (default ``a_V``, ``a_CV``, ``a_CnotV``).

    Returns
    -------
    pandas.Series
        P(best) by option, named ``p_best``; ``n_finite`` in ``attrs`` gives the draws used.

    Raises
    ------
    ValueError
        No draw has finite values for every option.
    """
    arrays = [np.asarray(draws[name], dtype=np.float64) for name in columns]
    parts = [
        _tally([a[start : start + _P_BEST_CHUNK] for a in arrays], moments=False)
        for start in range(0, len(draws), _P_BEST_CHUNK)
    ]
    wins, finite_rows, _, _ = _combine(parts, len(arrays))
    if finite_rows == 0:
        raise ValueError("p_best needs at least one draw with finite values for every option")
    result = pd.Series(wins / finite_rows, index=list(columns), name="p_best")
    result.attrs["n_finite"] = finite_rows
    return result


def summarise(
    worldview: Worldview | str | Path,
    n: int,
    seed: int,
    threads: int = 2,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Means and P(best) of the interventions over ``n`` independent draws, never all held.

    The draws are those of :func:`simulate` with the same arguments, reduced batch by batch
    as they are drawn, so memory does not grow with ``n`` (``n = 10**9`` needs no more than
    ``n = 10**6``) and nothing is written to a frame. The table is the ranking table's
    (``api.rank``) without the quantiles (they need every draw): the same numbers up to
    rounding in the last digits.

    Parameters
    ----------
    worldview
        A validated worldview or the path of a prior file.
    n
        Number of draws.
    seed
        Seed; equal seeds give identical tables whatever ``threads`` is.
    threads
        Worker threads.
    conf_level
        Confidence level of the Monte Carlo intervals.

    Returns
    -------
    pandas.DataFrame
        One row per intervention, sorted by mean (highest first): ``intervention``,
        ``mean`` with ``mean_ci_low``/``mean_ci_high`` (normal theory), ``p_best`` with
        ``p_best_ci_low``/``p_best_ci_high`` (Wilson), ``mean_se``, ``n`` (draws with every
        value finite) and ``label``.

    Raises
    ------
    ValueError
        ``n`` below 1, or fewer than two draws with finite values.
    """
    from agi_interventions.ranking import summary_table

    if not isinstance(worldview, Worldview):
        worldview = load_worldview(worldview)
    names = list(INTERVENTIONS)

    def reduce(
        start: int,
        stop: int,
        inputs: dict[str, np.ndarray],
        values: dict[str, np.ndarray],
        ws: Workspace,
    ):
        scratch = ws.rows(ws.extra, SCRATCH_ROWS, stop - start)
        outputs = marginal_values_into(values, {}, scratch)
        return _tally([outputs[name] for name in names], moments=True)

    wins, rows, mean, m2 = _combine(_map_batches(worldview, n, seed, threads, reduce), len(names))
    if rows < 2:
        raise ValueError("summarise needs at least two draws with finite values")
    se = np.sqrt(m2 / (rows - 1)) / np.sqrt(rows)
    return summary_table(names, mean, se, wins / rows, rows, conf_level)
