"""Monte Carlo error budget: whether the base sample size N resolves the ranking.

Half-widths of Monte Carlo intervals shrink as 1/sqrt(N). If two intervals that should
separate overlap, the N at which they would just separate is
``N * ((half_width_1 + half_width_2) / gap) ** 2`` (for a paired difference,
``N * (half_width / |difference|) ** 2``), rounded up to the next power of two because the
Sobol design needs one. This assumes the estimates themselves stay where they are.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

RESOLUTION_COLUMNS = [
    "criterion",
    "first",
    "second",
    "first_estimate",
    "second_estimate",
    "gap",
    "half_width",
    "resolved",
    "n_base",
    "n_base_needed",
]


def next_power_of_two(x: float) -> int:
    """Return the smallest power of two >= x (at least 2)."""
    return 2 ** max(1, math.ceil(math.log2(max(x, 2.0))))


def needed_base_size(n_base: int, half_width: float, gap: float) -> float:
    """Return the base size at which an interval of this half-width would exclude the gap.

    Parameters
    ----------
    n_base
        Current base sample size N.
    half_width
        Current total half-width (sum of the two intervals' half-widths, or the half-width
        of a paired difference).
    gap
        Distance between the estimates (absolute difference).

    Returns
    -------
    float
        ``n_base`` if already resolved, a power of two if not, ``inf`` for an exact tie.
    """
    if half_width < gap:
        return float(n_base)
    if gap == 0.0:
        return math.inf
    return float(next_power_of_two(n_base * (half_width / gap) ** 2 * (1 + 1e-9)))


def ranking_resolution(ranking: pd.DataFrame, pairwise: pd.DataFrame, n_base: int) -> pd.DataFrame:
    """Check whether N resolves the top of the ranking, by mean and by P(best).

    Parameters
    ----------
    ranking
        Output of :func:`agi_interventions.ranking.rank_interventions`.
    pairwise
        Output of :func:`agi_interventions.ranking.pairwise_comparisons`.
    n_base
        Base sample size N of the Sobol design.

    Returns
    -------
    pandas.DataFrame
        Two rows (columns :data:`RESOLUTION_COLUMNS`): ``mean`` compares the two highest means
        through their paired difference; ``p_best`` asks whether the highest P(best)'s
        interval excludes the second highest's.
    """
    if len(ranking) < 2:
        raise ValueError("a ranking needs at least two interventions")
    by_mean = ranking.sort_values("mean", ascending=False, kind="stable")
    first, second = by_mean["intervention"].iloc[:2]
    pair = pairwise.set_index(["intervention", "other"]).loc[(first, second)]
    diff = float(pair["mean_difference"])
    mean_half = float(pair["mean_difference_ci_high"] - pair["mean_difference_ci_low"]) / 2
    by_p = ranking.sort_values("p_best", ascending=False, kind="stable").reset_index(drop=True)
    p_first, p_second = by_p.iloc[0], by_p.iloc[1]
    p_gap = float(p_first["p_best"] - p_second["p_best"])
    p_half = float(
        (p_first["p_best"] - p_first["p_best_ci_low"])
        + (p_second["p_best_ci_high"] - p_second["p_best"])
    )
    rows = [
        [
            "mean",
            first,
            second,
            float(by_mean["mean"].iloc[0]),
            float(by_mean["mean"].iloc[1]),
            abs(diff),
            mean_half,
            bool(mean_half < abs(diff)),
            n_base,
            needed_base_size(n_base, mean_half, abs(diff)),
        ],
        [
            "p_best",
            p_first["intervention"],
            p_second["intervention"],
            float(p_first["p_best"]),
            float(p_second["p_best"]),
            p_gap,
            p_half,
            bool(p_first["p_best_ci_low"] > p_second["p_best_ci_high"]),
            n_base,
            needed_base_size(n_base, p_half, p_gap),
        ],
    ]
    return pd.DataFrame(rows, columns=RESOLUTION_COLUMNS)


def relative_half_widths(ranking: pd.DataFrame, voi: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tabulate every headline number with its 95% Monte Carlo half-width.

    Parameters
    ----------
    ranking
        Ranking table (means and P(best) with intervals).
    voi
        Optional value-of-information table (``name, kind, value, se``).

    Returns
    -------
    pandas.DataFrame
        Columns ``quantity, estimate, half_width, relative``.
    """
    rows = []
    for _, r in ranking.iterrows():
        rows.append(
            (f"mean {r['intervention']}", r["mean"], (r["mean_ci_high"] - r["mean_ci_low"]) / 2)
        )
        rows.append(
            (
                f"P(best) {r['intervention']}",
                r["p_best"],
                (r["p_best_ci_high"] - r["p_best_ci_low"]) / 2,
            )
        )
    if voi is not None:
        for _, r in voi.iterrows():
            rows.append((f"{r['kind']} {r['name']}", r["value"], 1.959964 * r["se"]))
    table = pd.DataFrame(rows, columns=["quantity", "estimate", "half_width"])
    with np.errstate(divide="ignore", invalid="ignore"):
        table["relative"] = table["half_width"] / table["estimate"].abs()
    return table
