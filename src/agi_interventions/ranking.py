"""Rank interventions by expected marginal value, with Monte Carlo uncertainty.

All statistics use the design's ``A`` and ``B`` rows only: ``2N`` prior draws, each with the
prior's distribution (they are a scrambled Sobol sequence, so the intervals below, built as
for independent draws, are conservative where the sequence's low discrepancy helps). Means get
normal-theory intervals where neither tail is heavy, and a tail-fitted interval with a flag
where one is (:func:`mean_ci`, :mod:`agi_interventions.tails`); probabilities (P(best),
P(beats)) get Wilson score intervals, which behave at 0 and 1. Ties count fractionally (a
two-way tie gives each option one half).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
    "khat",
    "mean_ci_method",
    "mean_ci_flag",
]
#: Columns added where the draws' consistency is known (impossible populations).
CONSISTENCY_COLUMNS = [
    "inconsistent_share_of_mean",
    "mean_consistent",
    "mean_consistent_ci_low",
    "mean_consistent_ci_high",
    "p_best_consistent",
    "n_consistent",
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
    "mean_difference_flag",
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


@dataclass(frozen=True)
class MeanCI:
    """A mean's interval that knows about heavy tails (:func:`agi_interventions.tails`).

    Attributes
    ----------
    low, high
        The interval.
    method
        ``normal`` (no heavy tail), ``tail-fitted`` (a heavy tail replaced by its fitted
        Pareto tail) or ``normal (few draws)``.
    flag
        Why the interval cannot be trusted (empty when it can): the heavier tail's Pareto
        shape reaches the reliability threshold for this many draws.
    khat
        The heavier tail's Pareto shape estimate (NaN for few draws).
    """

    low: float
    high: float
    method: str
    flag: str
    khat: float


#: Method of an interval computed from streamed moments: no draw is kept, so no tail is fitted.
STREAMED_METHOD = "normal (streamed, tail not diagnosed)"

#: Fewest draws for a tail diagnostic; fewer get the normal interval, unflagged.
MIN_TAIL_DRAWS = 100


def mean_ci(x: np.ndarray, conf_level: float = 0.95) -> MeanCI:
    """Interval for the mean of draws, widened where a tail is heavy, flagged where unreliable.

    Parameters
    ----------
    x
        Finite draws.
    conf_level
        Confidence level.

    Returns
    -------
    MeanCI
        See :class:`MeanCI`; :func:`agi_interventions.tails.mean_interval` computes it. A
        tail-fitted interval is centred on the fitted tail's mean; it is widened to hold the
        sample mean that the tables quote.
    """
    from agi_interventions.tails import mean_interval

    x = np.asarray(x, dtype=np.float64)
    if x.size < MIN_TAIL_DRAWS or np.ptp(x) == 0:
        mean, se = mean_and_se(x[:, None])
        half = z_value(conf_level) * float(se[0])
        method = "normal (few draws)" if x.size < MIN_TAIL_DRAWS else "normal"
        return MeanCI(float(mean[0]) - half, float(mean[0]) + half, method, "", math.nan)
    scale = float(np.max(np.abs(x)))
    result = mean_interval(x / scale, conf_level)  # scaled: squares stay finite
    mean = float(np.mean(x))
    return MeanCI(  # widened, if need be, to hold the sample mean the tables quote
        min(result.low * scale, mean),
        max(result.high * scale, mean),
        result.method,
        result.reason if result.flagged else "",
        float(result.diagnostic.khat),
    )


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


def rank_interventions(
    values: pd.DataFrame, conf_level: float = 0.95, consistent: np.ndarray | None = None
) -> pd.DataFrame:
    """Summarise each intervention's marginal value over independent prior draws.

    Parameters
    ----------
    values
        One column per intervention, one row per independent draw.
    conf_level
        Confidence level of the Monte Carlo intervals.
    consistent
        Per draw (rows of ``values``), whether it describes a possible population; adds
        :data:`CONSISTENCY_COLUMNS`: the share of each mean that impossible draws carry
        (their sum over the sum of all draws) and the mean and P(best) among consistent
        draws only.

    Returns
    -------
    pandas.DataFrame
        One row per intervention, sorted by mean (highest first), with columns
        :data:`RANKING_COLUMNS`: mean and its interval (:func:`mean_ci`: widened where a tail
        is heavy, with the tail's Pareto shape ``khat``, the method and a flag where it cannot
        be trusted), median, 5% and 95% quantiles, P(best) and its interval, the mean's
        standard error, the number of draws used and a label.
    """
    mask = finite_mask(values)
    values = finite_rows(values)
    x = values.to_numpy(dtype=np.float64)
    n = x.shape[0]
    if n < 2:
        raise ValueError("ranking needs at least two draws with finite values")
    q05, median, q95 = np.quantile(x, [0.05, 0.5, 0.95], axis=0)
    mean, se = mean_and_se(x)
    intervals = [mean_ci(x[:, j], conf_level) for j in range(x.shape[1])]
    table = summary_table(
        list(values.columns),
        mean,
        se,
        best_shares(x).mean(axis=0),
        n,
        conf_level,
        quantiles={"median": median, "q05": q05, "q95": q95},
        intervals=intervals,
    )
    if consistent is None:
        return table
    ok = np.asarray(consistent, dtype=bool)[mask]
    extra = {c: [] for c in CONSISTENCY_COLUMNS}
    kept = x[ok]
    shares = best_shares(kept).mean(axis=0) if len(kept) else np.full(x.shape[1], np.nan)
    for j in range(x.shape[1]):
        total = float(x[:, j].sum())
        extra["inconsistent_share_of_mean"].append(
            float(x[~ok, j].sum()) / total if total != 0 else math.nan
        )
        if len(kept) >= 2:
            ci = mean_ci(kept[:, j], conf_level)
            extra["mean_consistent"].append(float(kept[:, j].mean()))
            extra["mean_consistent_ci_low"].append(ci.low)
            extra["mean_consistent_ci_high"].append(ci.high)
        else:
            for c in ("mean_consistent", "mean_consistent_ci_low", "mean_consistent_ci_high"):
                extra[c].append(math.nan)
        extra["p_best_consistent"].append(float(shares[j]))
        extra["n_consistent"].append(len(kept))
    by_name = pd.DataFrame(extra, index=list(values.columns))
    return pd.concat([table, by_name.loc[table["intervention"]].reset_index(drop=True)], axis=1)


def summary_table(
    names: list[str],
    mean: np.ndarray,
    se: np.ndarray,
    p_best: np.ndarray,
    n: int,
    conf_level: float,
    quantiles: dict[str, np.ndarray] | None = None,
    intervals: Sequence[MeanCI] | None = None,
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
    intervals
        Per intervention, the mean's interval from :func:`mean_ci` (default: normal theory,
        ``mean +- z se``, method :data:`STREAMED_METHOD`, ``khat`` NaN: no tail diagnostic).

    Returns
    -------
    pandas.DataFrame
        One row per intervention, sorted by mean (highest first).
    """
    z = z_value(conf_level)
    p_low, p_high = wilson_interval(p_best, n, conf_level)
    if intervals is None:
        intervals = [
            MeanCI(float(m - z * e), float(m + z * e), STREAMED_METHOD, "", math.nan)
            for m, e in zip(mean, se, strict=True)
        ]
    table = pd.DataFrame(
        {
            "intervention": names,
            "mean": mean,
            "mean_ci_low": [ci.low for ci in intervals],
            "mean_ci_high": [ci.high for ci in intervals],
            **(quantiles or {}),
            "p_best": p_best,
            "p_best_ci_low": p_low,
            "p_best_ci_high": p_high,
            "mean_se": se,
            "n": n,
            "label": [label(name) for name in names],
            "khat": [ci.khat for ci in intervals],
            "mean_ci_method": [ci.method for ci in intervals],
            "mean_ci_flag": [ci.flag for ci in intervals],
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
        half) with a Wilson interval, and the paired mean difference with its interval
        (:func:`mean_ci`) and a flag where heavy tails make it unreliable: the
        difference's own tail, or either intervention's mean being flagged.
    """
    values = finite_rows(values)
    n = len(values)
    # A difference is only trusted where both means are: a heavy tail the difference's own
    # fit misses in one sample (its k_hat varies from sample to sample) still makes the
    # difference unreliable when either side's mean is.
    own = {c: mean_ci(values[c].to_numpy(), conf_level).flag for c in values.columns}
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
                factor = 2.0
            else:
                factor = 1.0
            ci = mean_ci(diff, conf_level)
            flag = ci.flag or next(
                (f"{label(c)}'s mean: {own[c]}" for c in (first, second) if own[c]), ""
            )
            rows.append(
                [
                    first,
                    second,
                    p,
                    float(low),
                    float(high),
                    factor * float(diff.mean()),
                    factor * ci.low,
                    factor * ci.high,
                    flag,
                ]
            )
    return pd.DataFrame(rows, columns=PAIRWISE_COLUMNS)


STRUCTURE_COLUMNS = [
    "input",
    "value",
    "state",
    "probability",
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
    discrete: pd.DataFrame,
    states: Mapping[str, Sequence[tuple[float, str, float]]],
    exact_means: Mapping[tuple[str, str, float], float] | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Rank the interventions separately for each value of each discrete structural input.

    A structure switch has two values (the variant holds, 1, or not, 0); a categorical input
    such as the bargaining theory has one per category.

    Parameters
    ----------
    values
        One column per intervention, one row per independent draw.
    discrete
        The discrete inputs at the same draws.
    states
        Per discrete input, its ``(value, label, probability)`` triples, in display order.
    exact_means
        Exact conditional means ``E[value | input = value]`` keyed
        ``(input, intervention, value)``; empty without the exact engine.
    conf_level
        Confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STRUCTURE_COLUMNS`: per input and value, each intervention's mean with
        its Monte Carlo interval, its exact conditional mean where known, P(best) with its
        Wilson interval, the draws used and the winner (by exact mean where known); empty for
        a worldview without discrete structural inputs.
    """
    rows = []
    exact_means = exact_means or {}
    finite = finite_mask(values)
    for name in discrete.columns:
        column = discrete[name].to_numpy()
        for value, state, probability in states[name]:
            mask = finite & (column == value)
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
                intervals=[mean_ci(x[:, j], conf_level) for j in range(x.shape[1])],
            ).set_index("intervention")
            exact = {o: exact_means.get((name, o, value), np.nan) for o in values.columns}
            key = exact if all(np.isfinite(v) for v in exact.values()) else table["mean"]
            winner = max(values.columns, key=lambda o, key=key: key[o])
            for option in values.columns:
                r = table.loc[option]
                rows.append(
                    [
                        name,
                        value,
                        state,
                        probability,
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
