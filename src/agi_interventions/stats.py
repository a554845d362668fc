"""Small statistical helpers used across the package (kept free of heavy imports)."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

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
