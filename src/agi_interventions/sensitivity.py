"""Variance-based (Sobol) sensitivity indices with bootstrap confidence half-widths.

The estimators are those of :func:`SALib.analyze.sobol.analyze` with
``calc_second_order=False``: Saltelli et al. (2010) for S1, Jansen (1999) for ST, both divided
by the variance of the stacked A and B outputs, with half-widths ``z * sd`` over bootstrap
resamples of the base points drawn exactly as SALib draws them. SALib recomputes the
resampled variance for every parameter and materialises every resample; here each resampled
mean is a product of the resample-count matrix with per-point terms, one matrix product for
all parameters. The test suite checks that both give the same numbers for the same seed.

This module also names the columns, seeds every bootstrap from the configuration seed and
turns degenerate outputs (constant or non-finite) into explicit, logged results.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from agi_interventions.seeds import derive_seed

logger = logging.getLogger(__name__)

SOBOL_COLUMNS = ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]


def sobol_indices(
    y: np.ndarray,
    parameters: Sequence[str],
    *,
    num_resamples: int,
    seed: int,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Compute first-order and total Sobol indices from a Saltelli design's outputs.

    Parameters
    ----------
    y
        Model output for every design row, in SALib's order (``N (D + 2)`` values, as from
        :func:`agi_interventions.sampling.unit_design`).
    parameters
        The D uncertain input names, in design column order.
    num_resamples
        Bootstrap resamples for the confidence half-widths.
    seed
        Bootstrap seed; must be non-zero (SALib ignores a zero seed).
    conf_level
        Confidence level of the half-widths.

    Returns
    -------
    pandas.DataFrame
        Columns ``parameter, S1, S1_conf, ST, ST_conf``. A constant output gives zeros; an
        output with any non-finite value gives NaN (both are logged).
    """
    if seed == 0:
        raise ValueError("seed must be non-zero: SALib treats a zero seed as unseeded")
    y = np.asarray(y, dtype=np.float64)
    d = len(parameters)
    if y.ndim != 1 or y.size % (d + 2):
        raise ValueError(
            f"expected N*(D+2) outputs for D={d} parameters, got array of shape {y.shape}"
        )
    frame = pd.DataFrame({"parameter": list(parameters)})
    if not np.all(np.isfinite(y)):
        logger.warning("%d non-finite outputs: Sobol indices set to NaN", (~np.isfinite(y)).sum())
        for col in ("S1", "S1_conf", "ST", "ST_conf"):
            frame[col] = np.nan
        return frame
    if np.ptp(y) == 0.0:
        logger.info("output is constant: all Sobol indices are zero")
        for col in ("S1", "S1_conf", "ST", "ST_conf"):
            frame[col] = 0.0
        return frame
    s1, s1_conf, st, st_conf = _saltelli_jansen(
        y, d, num_resamples=num_resamples, seed=seed, conf_level=conf_level
    )
    result = {"S1": s1, "S1_conf": s1_conf, "ST": st, "ST_conf": st_conf}
    for col in ("S1", "S1_conf", "ST", "ST_conf"):
        frame[col] = np.asarray(result[col], dtype=np.float64)
    return frame


def _split_design(y: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    step = d + 2
    a = y[0::step]
    b = y[step - 1 :: step]
    ab = np.stack([y[j + 1 :: step] for j in range(d)], axis=1)
    return a, b, ab


def _saltelli_jansen(
    y: np.ndarray, d: int, *, num_resamples: int, seed: int, conf_level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Point estimates and bootstrap half-widths of S1 (Saltelli 2010) and ST (Jansen).

    A bootstrap mean over resampled base points is ``counts @ terms / n``, where ``counts``
    (resamples x n) holds how often each base point was drawn; one matrix product then gives
    every parameter's resampled estimates at once.
    """
    y = (y - y.mean()) / y.std()
    a, b, ab = _split_design(y, d)
    n = a.size
    variance = np.var(np.r_[a, b])
    first_terms = b[:, None] * (ab - a[:, None])  # (n, d)
    total_terms = 0.5 * (a[:, None] - ab) ** 2  # (n, d)
    s1 = first_terms.mean(axis=0) / variance
    st = total_terms.mean(axis=0) / variance
    # Same resample indices as SALib's analyze(seed=seed).
    r = np.random.default_rng(seed).integers(n, size=(n, num_resamples))
    offsets = np.arange(num_resamples) * n
    counts = np.bincount((r + offsets).ravel(), minlength=n * num_resamples)
    counts = counts.reshape(num_resamples, n).astype(np.float64)
    mean_ab = counts @ np.column_stack([a + b, a * a + b * b]) / (2 * n)
    var_r = mean_ab[:, 1] - mean_ab[:, 0] ** 2  # variance of the stacked resampled A and B
    z = stats.norm.ppf(0.5 + conf_level / 2.0)
    constant = var_r <= np.finfo(float).eps
    with np.errstate(divide="ignore", invalid="ignore"):
        s1_boot = (counts @ first_terms / n) / var_r[:, None]
        st_boot = (counts @ total_terms / n) / var_r[:, None]
    # A resample that is constant has index zero, as in SALib.
    s1_boot[constant] = 0.0
    st_boot[constant] = 0.0
    return s1, z * s1_boot.std(axis=0, ddof=1), st, z * st_boot.std(axis=0, ddof=1)


def sobol_table(
    outputs: Mapping[str, np.ndarray],
    parameters: Sequence[str],
    *,
    num_resamples: int,
    seed: int,
) -> pd.DataFrame:
    """Compute Sobol indices for several outputs of one design into one tidy table.

    Parameters
    ----------
    outputs
        Output name to values in design order.
    parameters
        Uncertain input names in design column order (fixed inputs are left out).
    num_resamples
        Bootstrap resamples.
    seed
        Configuration seed; each output's bootstrap uses a stream derived from it and the
        output's name, so results do not depend on which other outputs are analysed.

    Returns
    -------
    pandas.DataFrame
        Columns ``output, parameter, S1, S1_conf, ST, ST_conf``.
    """
    frames = []
    for name, y in outputs.items():
        logger.info("Sobol indices for %s", name)
        frame = sobol_indices(
            y,
            parameters,
            num_resamples=num_resamples,
            seed=derive_seed(seed, f"sobol-bootstrap:{name}"),
        )
        frame.insert(0, "output", name)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)[SOBOL_COLUMNS]
