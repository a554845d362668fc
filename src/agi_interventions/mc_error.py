"""Monte Carlo error budget: whether the base sample size N resolves what the report leads with.

The report leads with the ranking (by mean and by P(best)), the parameters most worth
resolving (EVPPI) and the largest Sobol drivers. For each, the first two (and, for EVPPI, the
second and third) are compared: the order is *resolved* when their 95% intervals separate.
Half-widths shrink as 1/sqrt(N); if the intervals overlap, the N at which they would just
separate is ``N * (half_width / gap) ** 2`` (``half_width``: the sum of the two relevant
half-widths, or the half-width of a paired difference), rounded up to the next power of two
because the Sobol design needs one. This assumes the estimates themselves stay where they
are (for a regression EVPPI, whose interval also reflects bias, it is a rough guide).
Where the exact engine gives the numbers the report quotes, the order has no Monte Carlo
error (``method`` ``exact``).
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
    "method",
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
            "monte carlo",
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
            "monte carlo",
        ],
    ]
    return pd.DataFrame(rows, columns=RESOLUTION_COLUMNS)


def _order_row(
    criterion: str, first: pd.Series, second: pd.Series, n_base: int, *, exact: bool
) -> list:
    """Compare two ranked estimates (``estimate``, ``low``, ``high`` fields)."""
    gap = float(first["estimate"] - second["estimate"])
    if exact:
        resolved = gap > 0
        return [
            criterion,
            first["name"],
            second["name"],
            float(first["estimate"]),
            float(second["estimate"]),
            gap,
            0.0,
            bool(resolved),
            n_base,
            float(n_base) if resolved else math.inf,
            "exact",
        ]
    half = float((first["estimate"] - first["low"]) + (second["high"] - second["estimate"]))
    return [
        criterion,
        first["name"],
        second["name"],
        float(first["estimate"]),
        float(second["estimate"]),
        gap,
        half,
        bool(first["low"] > second["high"]),
        n_base,
        needed_base_size(n_base, half, gap),
        "monte carlo",
    ]


def evppi_resolution(voi: pd.DataFrame, n_base: int, top: int = 3) -> pd.DataFrame:
    """Whether N resolves the order of the parameters most worth resolving.

    Parameters
    ----------
    voi
        ``value_of_information.csv`` (``value, ci_low, ci_high``, optional ``value_exact``).
    n_base
        Base sample size N.
    top
        Pairs ``(1, 2) .. (top - 1, top)`` are compared.

    Returns
    -------
    pandas.DataFrame
        Rows ``evppi:<i>-<i+1>`` with :data:`RESOLUTION_COLUMNS`.
    """
    params = voi.loc[voi["kind"] == "parameter"]
    exact = "value_exact" in params and params["value_exact"].notna().all()
    frame = pd.DataFrame(
        {
            "name": params["name"],
            "estimate": params["value_exact"] if exact else params["value"],
            "low": params["ci_low"],
            "high": params["ci_high"],
        }
    ).sort_values("estimate", ascending=False, kind="stable")
    rows = [
        _order_row(f"evppi:{i + 1}-{i + 2}", frame.iloc[i], frame.iloc[i + 1], n_base, exact=exact)
        for i in range(min(top, len(frame)) - 1)
    ]
    return pd.DataFrame(rows, columns=RESOLUTION_COLUMNS)


def sobol_resolution(sobol: pd.DataFrame, n_base: int) -> pd.DataFrame:
    """Whether N resolves which parameter drives each output most (largest ST).

    Parameters
    ----------
    sobol
        ``sobol.csv`` (``ST, ST_conf``, optional ``ST_exact``).
    n_base
        Base sample size N.

    Returns
    -------
    pandas.DataFrame
        One row ``sobol_ST:<output>`` per output with :data:`RESOLUTION_COLUMNS`.
    """
    rows = []
    for output, sub in sobol.groupby("output", sort=False):
        exact = "ST_exact" in sub and sub["ST_exact"].notna().all()
        frame = pd.DataFrame(
            {
                "name": sub["parameter"],
                "estimate": sub["ST_exact"] if exact else sub["ST"],
                "low": sub["ST"] - sub["ST_conf"],
                "high": sub["ST"] + sub["ST_conf"],
            }
        ).sort_values("estimate", ascending=False, kind="stable")
        if len(frame) >= 2 and frame["estimate"].notna().all():
            rows.append(
                _order_row(f"sobol_ST:{output}", frame.iloc[0], frame.iloc[1], n_base, exact=exact)
            )
    return pd.DataFrame(rows, columns=RESOLUTION_COLUMNS)


def resolution_table(
    ranking: pd.DataFrame,
    pairwise: pd.DataFrame,
    sobol: pd.DataFrame,
    voi: pd.DataFrame | None,
    n_base: int,
) -> pd.DataFrame:
    """Tabulate the error budget of everything the report leads with.

    Parameters
    ----------
    ranking, pairwise
        Ranking tables.
    sobol
        Sobol indices of the interventions.
    voi
        Value-of-information table, or None without the decision analysis.
    n_base
        Base sample size N.

    Returns
    -------
    pandas.DataFrame
        Rows ``mean``, ``p_best``, ``evppi:*`` (with the decision analysis) and
        ``sobol_ST:*``, columns :data:`RESOLUTION_COLUMNS`.
    """
    parts = [ranking_resolution(ranking, pairwise, n_base)]
    if voi is not None:
        parts.append(evppi_resolution(voi, n_base))
    parts.append(sobol_resolution(sobol, n_base))
    return pd.concat(parts, ignore_index=True)


def relative_half_widths(ranking: pd.DataFrame, voi: pd.DataFrame | None = None) -> pd.DataFrame:
    """Tabulate every headline number with its 95% Monte Carlo half-width.

    Parameters
    ----------
    ranking
        Ranking table (means and P(best) with intervals).
    voi
        Optional value-of-information table (``name, kind, value, ci_low, ci_high``).

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
            rows.append((f"{r['kind']} {r['name']}", r["value"], (r["ci_high"] - r["ci_low"]) / 2))
    table = pd.DataFrame(rows, columns=["quantity", "estimate", "half_width"])
    with np.errstate(divide="ignore", invalid="ignore"):
        table["relative"] = table["half_width"] / table["estimate"].abs()
    return table
