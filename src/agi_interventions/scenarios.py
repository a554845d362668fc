"""Scenario discovery: which regions of belief space make each intervention the best.

For every intervention that is the per-sample best often enough, PRIM (Friedman and Fisher
1999) peels the input space towards the draws where that intervention is best. The result
is a box: a few parameter intervals inside which the intervention is usually best. PRIM is
:mod:`agi_interventions.prim`, a vectorised reimplementation of the EMA Workbench's
``Prim`` (version 2.5.3) with its defaults (lenient objective, ``paste_alpha = 0.05``,
``mass_min = 0.05``); on real-valued inputs it gives the workbench's peeling-and-pasting
trajectory and box limits exactly (``tests/test_prim.py`` compares the two).

Box choice. PRIM's peeling-and-pasting trajectory is a sequence of nested boxes trading
coverage (share of all "best" draws inside the box) against density (share of draws in the
box where the intervention is best). We pick the box with the highest coverage among those
with ``density >= threshold`` (ties: higher density, then the earlier, larger box): the
widest description that is still reliable. If no box reaches the threshold, the box with
the largest ``coverage * density`` is reported, and its density shows it missed. The whole
trajectory is always available (the workbench, by contrast, returns a "dump box" when its
last box misses its threshold, which is why this module used to run it with a threshold of
~0); the density threshold is applied only in this choice.

Timing (``benchmarks/prim_speed.py``; 2-core machine, baseline worldview, 16384 draws x 18
inputs, three interventions, peeling fraction 0.1, median of five fresh processes): this
function takes 0.13 s, of which 0.04 s is sorting the inputs once for all interventions;
with the workbench the three PRIM runs took 3.8 s, after a 2.8 s import.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from agi_interventions.prim import Prim

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
        replacement, drawn with ``seed`` (deterministic).
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

    prim = Prim(x_prim, peel_alpha=peel_alpha) if varying else None
    rows: list[dict[str, object]] = []
    for name in interventions:
        hit_all = best == name
        share = float(hit_all.mean())
        if share < min_share:
            logger.info("%s best in %.3g of draws (< %.3g): no PRIM box", name, share, min_share)
            continue
        y = hit_all[rows_idx]
        lims = {}
        box_id = 0
        if prim is not None and 0 < y.sum() < y.size:
            found = prim.find_box(y)
            box_id = _choose_box(found.trajectory, threshold)
            box_lim = found.box_lims[box_id]
            init = found.box_init
            for j, col in enumerate(varying):
                lo, hi = float(box_lim[0, j]), float(box_lim[1, j])
                lo_init, hi_init = float(init[0, j]), float(init[1, j])
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
