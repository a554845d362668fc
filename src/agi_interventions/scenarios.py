"""Scenario discovery: which regions of belief space make each intervention the best.

For every intervention that is the per-sample best often enough, PRIM (Friedman and Fisher
1999), as implemented in the EMA Workbench (:class:`ema_workbench.analysis.prim.Prim`,
version 2.5.3, default lenient objective, ``mass_min = 0.05``), peels the input space
towards the draws where that intervention is best. The result is a box: a few parameter
intervals inside which the intervention is usually best.

Box choice. PRIM's peeling-and-pasting trajectory is a sequence of nested boxes trading
coverage (share of all "best" draws inside the box) against density (share of draws in the
box where the intervention is best). We pick the box with the highest coverage among those
with ``density >= threshold`` (ties: higher density, then the earlier, larger box): the
widest description that is still reliable. If no box reaches the threshold, the box with
the largest ``coverage * density`` is reported, and its density shows it missed. PRIM is
run with an internal threshold of ~0 so that it always returns its full trajectory instead
of a "dump box"; the density threshold is applied only in this choice.

Timing (2-core build machine, baseline worldview, 32768 draws x 18 inputs, three
interventions, peeling fraction 0.1, three runs): importing the workbench takes 1.6-2.0 s
(its ``analysis`` package pulls in matplotlib, seaborn, statsmodels and scikit-learn), so it
is imported inside :func:`prim_boxes` only; the three PRIM runs take 3.3-4.0 s together. Each
run is some tens of peeling steps; the pipeline runs PRIM on at most 2^16 draws
(``max_rows``).

The workbench's logging goes to the ``"EMA"`` logger hierarchy; its level is raised to
WARNING only while PRIM runs and restored afterwards. Warnings it emits while running
(e.g. a pandas deprecation of ``inplace``) and on import are caught and re-logged at DEBUG.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

BOX_COLUMNS = [
    "intervention",
    "box",
    "coverage",
    "density",
    "mass",
    "parameter",
    "low",
    "high",
    "prior_low",
    "prior_high",
    "rows",
    "threshold",
]


@contextmanager
def _quiet_workbench() -> Iterator[None]:
    """Silence the EMA Workbench's INFO logging and warnings, re-logging warnings at DEBUG."""
    ema = logging.getLogger("EMA")
    old_level = ema.level
    ema.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        ema.setLevel(old_level)
    for message in {f"{w.category.__name__}: {w.message}" for w in caught}:
        logger.debug("ema_workbench: %s", message)


def _prim_class() -> type:
    with _quiet_workbench():
        from ema_workbench.analysis.prim import Prim
    return Prim


def _choose_box(trajectory: pd.DataFrame, threshold: float) -> int:
    """Index on the PRIM trajectory of the box to report (see module docstring)."""
    traj = trajectory.reset_index(drop=True)
    ids = np.arange(len(traj))
    ok = traj["density"].to_numpy() >= threshold
    if ok.any():
        cand = traj[ok]
        # lexsort: last key is primary. Max coverage, then max density, then smallest id.
        order = np.lexsort((ids[ok], -cand["density"].to_numpy(), -cand["coverage"].to_numpy()))
        return int(ids[ok][order[0]])
    score = (traj["coverage"] * traj["density"]).to_numpy()
    return int(np.flatnonzero(score == score.max())[0])


def prim_boxes(
    inputs: pd.DataFrame,
    best: np.ndarray,
    *,
    threshold: float,
    peel_alpha: float,
    max_rows: int,
    seed: int,
    min_share: float = 0.01,
    interventions: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Find, per intervention, a PRIM box of beliefs where that intervention is best.

    Parameters
    ----------
    inputs
        Independent prior draws, one float column per parameter (n rows). Constant columns
        are left out of PRIM (they cannot be restricted).
    best
        Name of the per-sample best intervention (n entries).
    threshold
        Required box density (share of draws in the box where the intervention is best).
    peel_alpha
        Share of the box peeled off per PRIM step.
    max_rows
        If n is larger, PRIM runs on a uniform subsample of this many rows without
        replacement, drawn with ``seed`` (deterministic). Runtime barely depends on n (see
        module docstring), so the default does not subsample at n = 32768.
    seed
        Seed for the subsample (PRIM itself is deterministic).
    min_share
        Interventions best in fewer than this share of draws are skipped (logged).
    interventions
        Interventions to analyse, in output order; default: the distinct values of
        ``best`` in sorted order.

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per restricted parameter of each intervention's box:
        ``intervention``, ``box`` (index of the chosen box on PRIM's peeling-and-pasting
        trajectory; 0 is the whole space), ``coverage``, ``density``, ``mass`` (of the box,
        evaluated on all n draws), ``parameter``, ``low``, ``high`` (box limits; an
        unrestricted side is the draws' minimum or maximum), ``prior_low``, ``prior_high``
        (minimum and maximum of the draws), ``rows`` (draws PRIM ran on), ``threshold``
        (the required density). A box restricting nothing (e.g. an intervention
        that is always best) gives one row with missing ``parameter`` and limits.

    """
    best = np.asarray(best)
    n = len(inputs)
    if best.shape != (n,):
        raise ValueError(f"best has shape {best.shape}, expected ({n},)")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    x_all = inputs.astype(np.float64).reset_index(drop=True)
    # Object-dtype column labels: ~10% faster PRIM than pandas 3's arrow-backed strings.
    x_all.columns = pd.Index([str(c) for c in inputs.columns], dtype=object)
    prior_low = x_all.min()
    prior_high = x_all.max()
    varying = [c for c in x_all.columns if prior_high[c] > prior_low[c]]
    if len(varying) < x_all.shape[1]:
        logger.info(
            "constant inputs left out of PRIM: %s", sorted(set(x_all.columns) - set(varying))
        )
    if interventions is None:
        interventions = sorted({str(b) for b in best})

    rows_idx = np.arange(n)
    if n > max_rows:
        rows_idx = np.sort(np.random.default_rng(seed).choice(n, size=max_rows, replace=False))
        logger.info("PRIM on a subsample of %d of %d rows", max_rows, n)
    x_prim = x_all.loc[rows_idx, varying].reset_index(drop=True)

    Prim = _prim_class() if varying else None
    rows: list[dict[str, object]] = []
    for name in interventions:
        hit_all = best == name
        share = float(hit_all.mean())
        if share < min_share:
            logger.info("%s best in %.3g of draws (< %.3g): no PRIM box", name, share, min_share)
            continue
        y = hit_all[rows_idx].astype(int)
        lims = {}
        box_id = 0
        if Prim is not None and 0 < y.sum() < y.size:
            with _quiet_workbench():
                prim = Prim(x_prim, y, threshold=1e-9, peel_alpha=peel_alpha)
                found = prim.find_box()
            box_id = _choose_box(found.peeling_trajectory, threshold)
            box_lim = found.box_lims[box_id]
            init = prim.box_init
            for col in varying:
                lo, hi = float(box_lim.loc[0, col]), float(box_lim.loc[1, col])
                lo_init, hi_init = float(init.loc[0, col]), float(init.loc[1, col])
                if lo != lo_init or hi != hi_init:
                    lims[col] = (
                        lo if lo != lo_init else float(prior_low[col]),
                        hi if hi != hi_init else float(prior_high[col]),
                    )
        inside = np.ones(n, dtype=bool)
        for col, (lo, hi) in lims.items():
            values = x_all[col].to_numpy()
            inside &= (values >= lo) & (values <= hi)
        k = int(np.sum(hit_all & inside))
        stats = {
            "intervention": name,
            "box": box_id,
            "coverage": k / max(int(hit_all.sum()), 1),
            "density": k / max(int(inside.sum()), 1),
            "mass": float(inside.mean()),
            "rows": int(rows_idx.size),
            "threshold": float(threshold),
        }
        logger.info(
            "%s: box %d, coverage %.3f, density %.3f, mass %.3f, restricts %s",
            name,
            box_id,
            stats["coverage"],
            stats["density"],
            stats["mass"],
            list(lims),
        )
        if not lims:
            rows.append(
                stats
                | {
                    "parameter": None,
                    "low": np.nan,
                    "high": np.nan,
                    "prior_low": np.nan,
                    "prior_high": np.nan,
                }
            )
        for col, (lo, hi) in lims.items():
            rows.append(
                stats
                | {
                    "parameter": col,
                    "low": lo,
                    "high": hi,
                    "prior_low": float(prior_low[col]),
                    "prior_high": float(prior_high[col]),
                }
            )
    table = pd.DataFrame(rows, columns=BOX_COLUMNS)
    return table.astype({"box": np.int64})
