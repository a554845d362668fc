"""Monte Carlo error budget: whether the base sample size N resolves what the report leads with.

The report leads with the ranking (by mean and by P(best)), the parameters most worth
resolving (EVPPI), the largest Sobol drivers and the winner under each risk rule. For each,
the first two are compared (for EVPPI also the second and third):

* where exact values decide the order (exact means, exact EVPPI, exact ST), the order is
  resolved by them, whatever N (``method`` ``exact``);
* where the Monte Carlo interval cannot be trusted because a tail is too heavy for this many
  draws (:func:`agi_interventions.ranking.mean_ci`), the order is not resolved and no N is
  projected (``method`` ``heavy-tail``: the 1/sqrt(N) scaling does not hold);
* otherwise the order is resolved when the 95% interval of the gap excludes 0 (a paired
  difference for means; the sum of the two half-widths otherwise). The N that would resolve
  it accounts for the gap's own sampling error: with ``s`` the standard error of the gap
  estimate ``g`` at N, the estimate at N' has error ``s sqrt(N / N')`` and the order is
  resolved with probability ``Phi(g / s' - z)``; so it is resolved with 80% probability at
  ``N80 = N ((z + z_0.8) s / g)^2`` (a power calculation), and the range
  ``n_base_needed_low`` to ``n_base_needed_high`` puts the ends of the gap's 95% interval in
  place of ``g`` (infinite when that interval includes 0). Values are rounded up to the next
  power of two, as the Sobol design needs.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from agi_interventions.io import text_column
from agi_interventions.stats import Z95

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
    "n_base_needed_low",
    "n_base_needed_high",
    "method",
    "note",
]

#: Probability with which the projected N resolves an order.
POWER = 0.8
Z_POWER = NormalDist().inv_cdf(POWER)
#: Largest N projected (beyond it: infinite).
MAX_PROJECTED = 2.0**60


def next_power_of_two(x: float) -> float:
    """Return the smallest power of two >= x (at least 2; inf beyond :data:`MAX_PROJECTED`)."""
    if not math.isfinite(x) or x > MAX_PROJECTED:
        return math.inf
    return float(2 ** max(1, math.ceil(math.log2(max(x, 2.0)))))


def projected_sizes(n_base: int, half_width: float, gap: float) -> tuple[float, float, float]:
    """Return the N that resolves an order with 80% probability, and its range.

    Parameters
    ----------
    n_base
        Current base sample size N.
    half_width
        95% half-width of the gap at N.
    gap
        The estimated gap (absolute).

    Returns
    -------
    tuple of float
        ``N80`` and its range over the gap's 95% interval (powers of two; inf where the gap
        could be 0).
    """
    se = half_width / Z95
    if gap <= 0.0 or se <= 0.0:
        return (math.inf, math.inf, math.inf) if gap <= 0.0 else (n_base, n_base, n_base)

    def size(g: float) -> float:
        return next_power_of_two(n_base * ((Z95 + Z_POWER) * se / g) ** 2) if g > 0 else math.inf

    return size(gap), size(gap + half_width), size(gap - half_width)


def _row(
    criterion: str,
    first: str,
    second: str,
    estimates: tuple[float, float],
    gap: float,
    half: float,
    resolved: bool,
    n_base: int,
    *,
    method: str,
    note: str = "",
) -> list:
    if method == "exact":
        sizes = (float(n_base),) * 3 if resolved else (math.inf,) * 3
    elif method == "heavy-tail":
        sizes = (math.nan,) * 3
    elif resolved:
        sizes = (float(n_base),) * 3
    else:
        sizes = projected_sizes(n_base, half, abs(gap))
    return [
        criterion,
        first,
        second,
        float(estimates[0]),
        float(estimates[1]),
        float(gap),
        float(half),
        bool(resolved),
        n_base,
        *sizes,
        method,
        note,
    ]


def ranking_resolution(ranking: pd.DataFrame, pairwise: pd.DataFrame, n_base: int) -> pd.DataFrame:
    """Check whether the top of the ranking is resolved, by mean and by P(best).

    Parameters
    ----------
    ranking
        ``ranking.csv`` (``mean_exact`` used where present).
    pairwise
        ``pairwise.csv`` (paired differences with their intervals and flags).
    n_base
        Base sample size N of the Sobol design.

    Returns
    -------
    pandas.DataFrame
        Rows ``mean`` and ``p_best`` with :data:`RESOLUTION_COLUMNS`.
    """
    if len(ranking) < 2:
        raise ValueError("a ranking needs at least two interventions")
    exact = "mean_exact" in ranking and ranking["mean_exact"].notna().all()
    key = "mean_exact" if exact else "mean"
    by_mean = ranking.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)
    first, second = by_mean["intervention"].iloc[:2]
    estimates = (by_mean[key].iloc[0], by_mean[key].iloc[1])
    rows = []
    if exact:
        gap = float(estimates[0] - estimates[1])
        rows.append(
            _row("mean", first, second, estimates, gap, 0.0, gap > 0, n_base, method="exact")
        )
    else:
        pair = pairwise.set_index(["intervention", "other"]).loc[(first, second)]
        low, high = float(pair["mean_difference_ci_low"]), float(pair["mean_difference_ci_high"])
        gap = float(pair["mean_difference"])
        flag = str(pair.get("mean_difference_flag", "") or "")
        flag = "" if flag == "nan" else flag
        half = (high - low) / 2
        if flag:
            rows.append(
                _row(
                    "mean",
                    first,
                    second,
                    estimates,
                    gap,
                    half,
                    False,
                    n_base,
                    method="heavy-tail",
                    note=flag,
                )
            )
        else:
            resolved = low > 0 or high < 0
            rows.append(
                _row(
                    "mean",
                    first,
                    second,
                    estimates,
                    gap,
                    half,
                    resolved,
                    n_base,
                    method="monte carlo",
                )
            )
    by_p = ranking.sort_values("p_best", ascending=False, kind="stable").reset_index(drop=True)
    p1, p2 = by_p.iloc[0], by_p.iloc[1]
    p_gap = float(p1["p_best"] - p2["p_best"])
    p_half = float((p1["p_best"] - p1["p_best_ci_low"]) + (p2["p_best_ci_high"] - p2["p_best"]))
    rows.append(
        _row(
            "p_best",
            p1["intervention"],
            p2["intervention"],
            (p1["p_best"], p2["p_best"]),
            p_gap,
            p_half,
            bool(p1["p_best_ci_low"] > p2["p_best_ci_high"]),
            n_base,
            method="monte carlo",
        )
    )
    return pd.DataFrame(rows, columns=RESOLUTION_COLUMNS)


def _order_row(
    criterion: str, first: pd.Series, second: pd.Series, n_base: int, *, exact: bool
) -> list:
    """Compare two ranked estimates (``name``, ``estimate``, ``low``, ``high`` fields)."""
    gap = float(first["estimate"] - second["estimate"])
    estimates = (first["estimate"], second["estimate"])
    if exact:
        return _row(
            criterion,
            first["name"],
            second["name"],
            estimates,
            gap,
            0.0,
            gap > 0,
            n_base,
            method="exact",
        )
    half = float((first["estimate"] - first["low"]) + (second["high"] - second["estimate"]))
    note = str(first.get("note", "") or second.get("note", "") or "")
    if note:
        return _row(
            criterion,
            first["name"],
            second["name"],
            estimates,
            gap,
            half,
            False,
            n_base,
            method="heavy-tail",
            note=note,
        )
    return _row(
        criterion,
        first["name"],
        second["name"],
        estimates,
        gap,
        half,
        bool(first["low"] > second["high"]),
        n_base,
        method="monte carlo",
    )


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
        ``sobol.csv`` (``ST, ST_conf``, optional ``ST_exact`` and ``tail_flag``).
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
        notes = text_column(sub["tail_flag"]) if "tail_flag" in sub else ""
        frame = pd.DataFrame(
            {
                "name": sub["parameter"],
                "estimate": sub["ST_exact"] if exact else sub["ST"],
                "low": sub["ST"] - sub["ST_conf"],
                "high": sub["ST"] + sub["ST_conf"],
                "note": notes,
            }
        ).sort_values("estimate", ascending=False, kind="stable")
        if len(frame) >= 2 and frame["estimate"].notna().all():
            rows.append(
                _order_row(f"sobol_ST:{output}", frame.iloc[0], frame.iloc[1], n_base, exact=exact)
            )
    return pd.DataFrame(rows, columns=RESOLUTION_COLUMNS)


def risk_resolution(risk: pd.DataFrame, n_base: int) -> pd.DataFrame:
    """Whether N resolves the winner under each risk rule and setting.

    The winner's and the runner-up's bootstrap intervals must not overlap (a conservative
    test: the two values are estimated from the same draws).

    Parameters
    ----------
    risk
        ``risk.csv``.
    n_base
        Base sample size N.

    Returns
    -------
    pandas.DataFrame
        One row ``risk:<rule>:<setting value>`` per rule and setting.
    """
    rows = []
    for (rule, setting), sub in risk.groupby(["rule", "setting_value"], sort=False, dropna=False):
        ordered = sub.sort_values("value", ascending=False, kind="stable")
        if len(ordered) < 2:
            continue
        frame = pd.DataFrame(
            {
                "name": ordered["intervention"],
                "estimate": ordered["value"],
                "low": ordered["ci_low"],
                "high": ordered["ci_high"],
                "note": text_column(ordered["flag"]) if "flag" in ordered else "",
            }
        )
        tag = "" if pd.isna(setting) else f":{setting:g}"
        rows.append(
            _order_row(f"risk:{rule}{tag}", frame.iloc[0], frame.iloc[1], n_base, exact=False)
        )
    return pd.DataFrame(rows, columns=RESOLUTION_COLUMNS)


def resolution_table(
    ranking: pd.DataFrame,
    pairwise: pd.DataFrame,
    sobol: pd.DataFrame,
    voi: pd.DataFrame | None,
    n_base: int,
    risk: pd.DataFrame | None = None,
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
    risk
        ``risk.csv``, or None.

    Returns
    -------
    pandas.DataFrame
        Rows ``mean``, ``p_best``, ``evppi:*`` (with the decision analysis), ``sobol_ST:*``
        and ``risk:*``, columns :data:`RESOLUTION_COLUMNS`.
    """
    parts = [ranking_resolution(ranking, pairwise, n_base)]
    if voi is not None:
        parts.append(evppi_resolution(voi, n_base))
    parts.append(sobol_resolution(sobol, n_base))
    if risk is not None and not risk.empty:
        parts.append(risk_resolution(risk, n_base))
    parts = [p for p in parts if not p.empty]
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
