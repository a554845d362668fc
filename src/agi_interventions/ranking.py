"""Rank interventions by expected marginal value, with Monte Carlo uncertainty.

All statistics use independent prior draws only (the Sobol design's A and B rows). Means get
normal-theory intervals; probabilities (P(best), P(beats)) get Wilson score intervals, which
behave at 0 and 1. Ties count fractionally (a two-way tie gives each option one half).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from agi_interventions.parameters import label
from agi_interventions.stats import finite_mask, z_value

logger = logging.getLogger(__name__)

RANKING_COLUMNS = [
    "intervention",
    "mean",
    "mean_ci_low",
    "mean_ci_high",
    "median",
    "q05",
    "q95",
    "p_best",
    "p_best_ci_low",
    "p_best_ci_high",
    "mean_se",
    "n",
    "label",
]
PAIRWISE_COLUMNS = [
    "intervention",
    "other",
    "p_beats",
    "p_beats_ci_low",
    "p_beats_ci_high",
    "mean_difference",
    "mean_difference_ci_low",
    "mean_difference_ci_high",
]


def wilson_interval(
    p_hat: np.ndarray | float, n: int, conf_level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Return the Wilson score interval for a proportion.

    Parameters
    ----------
    p_hat
        Observed proportion(s).
    n
        Number of independent draws.
    conf_level
        Confidence level.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper bounds.
    """
    z = z_value(conf_level)
    p_hat = np.asarray(p_hat, dtype=np.float64)
    denom = 1.0 + z**2 / n
    centre = (p_hat + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p_hat * (1 - p_hat) / n + z**2 / (4 * n**2)) / denom
    low = np.where(p_hat <= 0.0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(p_hat >= 1.0, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def best_shares(values: np.ndarray) -> np.ndarray:
    """Return each option's per-sample share of "best" (1 for a sole winner, 1/m for m ties).

    Parameters
    ----------
    values
        Array (n, k) of per-sample option values.

    Returns
    -------
    numpy.ndarray
        Array (n, k) whose rows sum to 1.
    """
    is_best = values == values.max(axis=1, keepdims=True)
    return is_best / is_best.sum(axis=1, keepdims=True)


def mean_and_se(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Means and standard errors of the mean along an axis, safe near the float64 limit.

    Values near 1e300 overflow when squared; there the columns are rescaled by their largest
    magnitude first (otherwise the plain formulas, so ordinary tables keep their bits).
    """
    n = x.shape[axis]
    with np.errstate(over="ignore", invalid="ignore"):
        mean = x.mean(axis=axis)
        se = x.std(axis=axis, ddof=1) / np.sqrt(n)
    if np.all(np.isfinite(mean)) and np.all(np.isfinite(se)):
        return mean, se
    scale = np.max(np.abs(x), axis=axis, keepdims=True)
    scale = np.where(scale > 0, scale, 1.0)
    scaled = x / scale
    factor = np.squeeze(scale, axis=axis)
    return scaled.mean(axis=axis) * factor, scaled.std(axis=axis, ddof=1) / np.sqrt(n) * factor


def finite_rows(values: pd.DataFrame) -> pd.DataFrame:
    """Keep rows where every option is finite, logging how many were set aside."""
    mask = finite_mask(values)
    if not mask.all():
        logger.warning(
            "%d of %d draws have a non-finite marginal value and are excluded from the "
            "ranking (they are counted in diagnostics.csv)",
            (~mask).sum(),
            mask.size,
        )
    return values.loc[mask]


def rank_interventions(values: pd.DataFrame, conf_level: float = 0.95) -> pd.DataFrame:
    """Summarise each intervention's marginal value over independent prior draws.

    Parameters
    ----------
    values
        One column per intervention, one row per independent draw.
    conf_level
        Confidence level of the Monte Carlo intervals.

    Returns
    -------
    pandas.DataFrame
        One row per intervention, sorted by mean (highest first), with columns
        :data:`RANKING_COLUMNS`: mean and its interval, median, 5% and 95% quantiles, P(best)
        and its interval, the mean's standard error, the number of draws used and a label.
    """
    values = finite_rows(values)
    x = values.to_numpy(dtype=np.float64)
    n = x.shape[0]
    if n < 2:
        raise ValueError("ranking needs at least two draws with finite values")
    q05, median, q95 = np.quantile(x, [0.05, 0.5, 0.95], axis=0)
    mean, se = mean_and_se(x)
    return summary_table(
        list(values.columns),
        mean,
        se,
        best_shares(x).mean(axis=0),
        n,
        conf_level,
        quantiles={"median": median, "q05": q05, "q95": q95},
    )


def summary_table(
    names: list[str],
    mean: np.ndarray,
    se: np.ndarray,
    p_best: np.ndarray,
    n: int,
    conf_level: float,
    quantiles: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Build the ranking table from per-intervention means, standard errors and P(best).

    Parameters
    ----------
    names
        Interventions, in column order.
    mean, se
        Mean marginal value and its Monte Carlo standard error.
    p_best
        Share of draws in which each intervention is best.
    n
        Draws used.
    conf_level
        Confidence level of the intervals (normal theory for the mean, Wilson for P(best)).
    quantiles
        Columns placed after the mean's interval (``median``, ``q05``, ``q95``), if known.

    Returns
    -------
    pandas.DataFrame
        One row per intervention, sorted by mean (highest first).
    """
    z = z_value(conf_level)
    p_low, p_high = wilson_interval(p_best, n, conf_level)
    table = pd.DataFrame(
        {
            "intervention": names,
            "mean": mean,
            "mean_ci_low": mean - z * se,
            "mean_ci_high": mean + z * se,
            **(quantiles or {}),
            "p_best": p_best,
            "p_best_ci_low": p_low,
            "p_best_ci_high": p_high,
            "mean_se": se,
            "n": n,
            "label": [label(name) for name in names],
        }
    )
    return table.sort_values("mean", ascending=False, kind="stable").reset_index(drop=True)


def pairwise_comparisons(values: pd.DataFrame, conf_level: float = 0.95) -> pd.DataFrame:
    """Compare every ordered pair of interventions draw by draw.

    Parameters
    ----------
    values
        One column per intervention, one row per independent draw.
    conf_level
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PAIRWISE_COLUMNS`: P(intervention's value > other's; ties count one
        half) with a Wilson interval, and the paired mean difference with a normal interval.
    """
    values = finite_rows(values)
    n = len(values)
    z = z_value(conf_level)
    rows = []
    for first in values.columns:
        for second in values.columns:
            if first == second:
                continue
            first_values, second_values = values[first].to_numpy(), values[second].to_numpy()
            with np.errstate(over="ignore"):
                diff = first_values - second_values
            p = float(np.mean((first_values > second_values) + 0.5 * (diff == 0)))
            low, high = wilson_interval(p, n, conf_level)
            if not np.all(np.isfinite(diff)):  # near the float64 limit: halve both first
                diff = first_values / 2 - second_values / 2
                mean_half, se_half = mean_and_se(diff)
                mean, half = 2 * float(mean_half), 2 * float(z * se_half)
            else:
                mean_, se_ = mean_and_se(diff)
                mean, half = float(mean_), float(z * se_)
            rows.append(
                [first, second, p, float(low), float(high), mean, mean - half, mean + half]
            )
    return pd.DataFrame(rows, columns=PAIRWISE_COLUMNS)


STRUCTURE_COLUMNS = [
    "variant",
    "probability",
    "holds",
    "intervention",
    "mean",
    "mean_ci_low",
    "mean_ci_high",
    "mean_exact",
    "p_best",
    "p_best_ci_low",
    "p_best_ci_high",
    "n",
    "winner",
]


def structure_table(
    values: pd.DataFrame,
    switches: pd.DataFrame,
    probabilities: dict[str, float],
    exact_means: dict[tuple[str, int], float] | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Rank the interventions separately where each structural variant holds and where not.

    Parameters
    ----------
    values
        One column per intervention, one row per independent draw.
    switches
        The switch of each switched variant at the same draws (1: the variant holds).
    probabilities
        Each switched variant's probability of holding.
    exact_means
        Exact conditional means ``E[value | switch = state]`` keyed
        ``(variant, intervention, state)``; empty without the exact engine.
    conf_level
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STRUCTURE_COLUMNS`: per variant and state (``holds`` True or False),
        each intervention's mean with its Monte Carlo interval, its exact conditional mean
        where known, P(best) with its Wilson interval, the draws used and the winner (by
        exact mean where known); empty for a worldview without switches.
    """
    rows = []
    exact_means = exact_means or {}
    finite = finite_mask(values)
    for variant in switches.columns:
        state = switches[variant].to_numpy()
        for holds in (True, False):
            mask = finite & (state == (1.0 if holds else 0.0))
            x = values.loc[mask].to_numpy(dtype=np.float64)
            n = x.shape[0]
            if n < 2:
                continue
            mean, se = mean_and_se(x)
            table = summary_table(
                list(values.columns),
                mean,
                se,
                best_shares(x).mean(axis=0),
                n,
                conf_level,
            ).set_index("intervention")
            exact = {o: exact_means.get((variant, o, int(holds)), np.nan) for o in values.columns}
            key = exact if all(np.isfinite(v) for v in exact.values()) else table["mean"]
            winner = max(values.columns, key=lambda o, key=key: key[o])
            for option in values.columns:
                r = table.loc[option]
                rows.append(
                    [
                        variant,
                        probabilities[variant],
                        holds,
                        option,
                        r["mean"],
                        r["mean_ci_low"],
                        r["mean_ci_high"],
                        exact[option],
                        r["p_best"],
                        r["p_best_ci_low"],
                        r["p_best_ci_high"],
                        n,
                        winner,
                    ]
                )
    return pd.DataFrame(rows, columns=STRUCTURE_COLUMNS)
