"""Small statistical helpers used across the package (kept free of heavy imports)."""

from __future__ import annotations

import logging
from statistics import NormalDist

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

#: Two-sided 95% normal quantile, ``Phi^-1(0.975)``.
Z95 = NormalDist().inv_cdf(0.975)


def z_value(conf_level: float) -> float:
    """Two-sided normal quantile for a confidence level, e.g. 1.96 for 0.95.

    Parameters
    ----------
    conf_level
        Confidence level in (0, 1).

    Returns
    -------
    float
        ``Phi^-1(0.5 + conf_level / 2)``.
    """
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"confidence level must be in (0, 1), got {conf_level}")
    return NormalDist().inv_cdf(0.5 + conf_level / 2.0)


def finite_mask(values: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Rows in which every value is finite."""
    return np.isfinite(np.asarray(values, dtype=np.float64)).all(axis=1)


def winner_by_mean(values: pd.DataFrame) -> str:
    """Return the column with the highest mean over the rows where every value is finite.

    Parameters
    ----------
    values
        One column per intervention, rows = independent draws.

    Returns
    -------
    str
        Column name of the winner (the first column wins an exact tie).
    """
    finite = values.loc[finite_mask(values)]
    if finite.empty:
        raise ValueError("no draw has finite values for every intervention")
    return str(finite.mean(axis=0).idxmax())


def finite_draws(inputs: pd.DataFrame, values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave out the draws with a non-finite value (logged; counted in the diagnostics)."""
    finite = finite_mask(values)
    if finite.all():
        return inputs, values
    logger.warning(
        "%d draws with non-finite values left out of the decision analysis (counted in "
        "diagnostics.csv)",
        int((~finite).sum()),
    )
    return inputs.loc[finite].reset_index(drop=True), values.loc[finite].reset_index(drop=True)


def subsample(n: int, limit: int, seed: int) -> np.ndarray:
    """Row indices of a uniform subsample of at most ``limit`` of ``n`` rows (sorted)."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))
