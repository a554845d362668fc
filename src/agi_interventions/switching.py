"""Switching values: where along one parameter the best intervention changes.

For one parameter ``x`` the independent prior draws are cut into equal-count bins by the
empirical quantiles of ``x``. In each bin the mean value of every intervention estimates
``E[value | x in bin]`` (averaging over all other parameters). The winner is the
intervention with the largest conditional mean; a switching value is where the winner
changes.

Noise. Marginal values are heavy-tailed, so conditional means flicker. A bin counts as
*decided* only when its leader beats every other intervention by more than a Monte Carlo
half-width of the difference, computed from the per-sample differences in that bin
(``z sd(v_i - v_j) / sqrt(n_bin)``). The paired difference is used rather than the sum of
the two half-widths because both means come from the same draws: the values share factors
(``U_B - U_notB``, ``F_I``), so their errors are strongly correlated and the paired
half-width is the correct (usually much tighter) one. ``z`` is Bonferroni-adjusted over the
bins, ``z = Phi^-1(1 - alpha / (2 n_bins))`` (3.02 for 20 bins at ``alpha = 0.05``): with
the unadjusted 1.96, two tied options with independent noise produced a spurious switch in
17% of simulated cases (300 runs, 20 bins); with the adjustment in none, while a noisy but
real crossing (``x + t_3`` noise against ``0.3 + t_3``, n = 32768) was still found in 50 of
50 runs with RMS location error 0.04.

A switch from ``i`` to ``j`` is reported when two consecutive decided bins (possibly with
undecided bins between them) have winners ``i`` and ``j``. Its location is the first zero
crossing of the ``mean_i - mean_j`` curve between those bins, by linear interpolation
between bin centres (on the quantile scale and, separately, on the x scale with bins at
their median ``x``). ``bracket_low`` and ``bracket_high`` give the quantiles (bin centres)
of the two decided bins: the switch is somewhere between them. For adjacent decided bins
this is the rule "winner changes and the difference exceeds its half-width in both bins";
undecided stretches widen the bracket instead of producing back-and-forth switches.
"""

from __future__ import annotations

import itertools
import logging

import numpy as np
import pandas as pd
from scipy import stats

logger = logging.getLogger(__name__)

Z95 = 1.96

CONDITIONAL_COLUMNS = [
    "bin",
    "quantile_low",
    "quantile_high",
    "quantile_mid",
    "x_low",
    "x_high",
    "x_mid",
    "intervention",
    "mean",
    "half_width",
]
SWITCH_COLUMNS = ["switch_value", "switch_quantile", "from", "to", "bracket_low", "bracket_high"]
TABLE_COLUMNS = ["parameter", *SWITCH_COLUMNS]


def _finite_rows(x: np.ndarray, values: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=np.float64)
    v = values.to_numpy(dtype=np.float64)
    if x.shape != (v.shape[0],):
        raise ValueError(f"x has shape {x.shape}, expected ({v.shape[0]},)")
    keep = np.isfinite(x) & np.isfinite(v).all(axis=1)
    if not keep.all():
        logger.warning("%d of %d rows with non-finite x or values dropped", (~keep).sum(), x.size)
    return x[keep], v[keep]


def _bins(x: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the sort order of x and the bin boundaries (in rank positions)."""
    if n_bins < 2:
        raise ValueError(f"n_bins must be at least 2, got {n_bins}")
    if x.size < 2 * n_bins:
        raise ValueError(f"too few rows ({x.size}) for {n_bins} bins")
    order = np.argsort(x, kind="stable")
    edges = np.round(np.linspace(0, x.size, n_bins + 1)).astype(int)
    return order, edges


def conditional_means(x: np.ndarray, values: pd.DataFrame, *, n_bins: int = 20) -> pd.DataFrame:
    """Mean value of each intervention conditional on equal-count bins of one parameter.

    Parameters
    ----------
    x
        The parameter's independent prior draws (n values).
    values
        Per-sample marginal values, one column per intervention (n rows, aligned with
        ``x``). Rows with a non-finite ``x`` or value are dropped (logged).
    n_bins
        Number of bins; bins hold ``n / n_bins`` draws each (ties in ``x`` are split by
        position, so adjacent bins can share an ``x`` boundary).

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per bin and intervention: ``bin`` (0-based), ``quantile_low``,
        ``quantile_high``, ``quantile_mid`` (empirical-CDF range and midpoint of the bin),
        ``x_low``, ``x_high`` (smallest, largest ``x`` in the bin), ``x_mid`` (median ``x``
        in the bin), ``intervention``, ``mean`` and ``half_width``
        (``1.96 sd / sqrt(n_bin)``, the 95% Monte Carlo half-width of the mean).

    """
    names = [str(c) for c in values.columns]
    x, v = _finite_rows(x, values)
    order, edges = _bins(x, n_bins)
    n = x.size
    rows = []
    for b in range(n_bins):
        idx = order[edges[b] : edges[b + 1]]
        xb, vb = x[idx], v[idx]
        mean = vb.mean(axis=0)
        half = Z95 * vb.std(axis=0, ddof=1) / np.sqrt(idx.size)
        for k, name in enumerate(names):
            rows.append(
                (
                    b,
                    edges[b] / n,
                    edges[b + 1] / n,
                    (edges[b] + edges[b + 1]) / (2 * n),
                    xb.min(),
                    xb.max(),
                    float(np.median(xb)),
                    name,
                    mean[k],
                    half[k],
                )
            )
    return pd.DataFrame(rows, columns=CONDITIONAL_COLUMNS)


def _empty_switches() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="str" if c in ("from", "to") else np.float64) for c in SWITCH_COLUMNS}
    )


def switching_points(
    x: np.ndarray, values: pd.DataFrame, *, n_bins: int = 20, alpha: float = 0.05
) -> pd.DataFrame:
    """Locate where the intervention with the highest conditional mean changes along ``x``.

    See the module docstring for the noise rule (only changes between bins whose leader is
    ahead by more than the paired 95% half-width count) and the interpolation.

    Parameters
    ----------
    x
        The parameter's independent prior draws.
    values
        Per-sample marginal values, one column per intervention.
    n_bins
        Number of equal-count bins (resolution ``1 / n_bins`` on the quantile scale).
    alpha
        Family-wise error level for calling a bin decided; each bin is tested two-sided at
        ``alpha / n_bins``.

    Returns
    -------
    pandas.DataFrame
        One row per switch, in increasing ``x``: ``switch_value`` (interpolated ``x``),
        ``switch_quantile`` (interpolated empirical quantile of ``x``), ``from`` and ``to``
        (intervention names below and above the switch), ``bracket_low`` and
        ``bracket_high`` (quantiles of the decided bins enclosing the switch). Empty (same
        columns) when there is no switch, e.g. when one intervention dominates or ``x`` is
        constant.

    """
    names = [str(c) for c in values.columns]
    x, v = _finite_rows(x, values)
    if x.size == 0 or np.ptp(x) == 0.0 or len(names) < 2:
        return _empty_switches()
    order, edges = _bins(x, n_bins)
    z = stats.norm.ppf(1.0 - alpha / (2.0 * n_bins))
    n = x.size
    n_opt = len(names)
    means = np.empty((n_bins, n_opt))
    q_mid = (edges[:-1] + edges[1:]) / (2 * n)
    x_mid = np.empty(n_bins)
    winner = np.full(n_bins, -1)  # -1: undecided
    for b in range(n_bins):
        idx = order[edges[b] : edges[b + 1]]
        vb = v[idx]
        means[b] = vb.mean(axis=0)
        x_mid[b] = np.median(x[idx])
        lead = int(np.argmax(means[b]))
        diffs = vb[:, [lead]] - np.delete(vb, lead, axis=1)
        margin = diffs.mean(axis=0)
        half = z * diffs.std(axis=0, ddof=1) / np.sqrt(idx.size)
        if np.all(margin > half):
            winner[b] = lead

    decided = np.flatnonzero(winner >= 0)
    rows = []
    for b1, b2 in itertools.pairwise(decided):
        i, j = winner[b1], winner[b2]
        if i == j:
            continue
        diff = means[b1 : b2 + 1, i] - means[b1 : b2 + 1, j]  # > 0 at b1, < 0 at b2
        k = int(np.flatnonzero(diff <= 0.0)[0])  # first bin (offset) where j is not behind
        t = diff[k - 1] / (diff[k - 1] - diff[k])
        lo, hi = b1 + k - 1, b1 + k
        rows.append(
            {
                "switch_value": x_mid[lo] + t * (x_mid[hi] - x_mid[lo]),
                "switch_quantile": q_mid[lo] + t * (q_mid[hi] - q_mid[lo]),
                "from": names[i],
                "to": names[j],
                "bracket_low": q_mid[b1],
                "bracket_high": q_mid[b2],
            }
        )
    if not rows:
        return _empty_switches()
    return pd.DataFrame(rows, columns=SWITCH_COLUMNS)


def switching_table(
    inputs: pd.DataFrame, values: pd.DataFrame, *, n_bins: int = 20, alpha: float = 0.05
) -> pd.DataFrame:
    """Switching points of the best intervention along every parameter.

    Parameters
    ----------
    inputs
        Independent prior draws, one column per parameter (constant columns give no
        switches).
    values
        Per-sample marginal values, one column per intervention, rows aligned with
        ``inputs``.
    n_bins
        Number of equal-count bins per parameter.
    alpha
        Family-wise error level per parameter (see :func:`switching_points`).

    Returns
    -------
    pandas.DataFrame
        Columns ``parameter`` and those of :func:`switching_points`, parameters in
        ``inputs`` column order. Empty (same columns) if no parameter has a switch.

    """
    if len(inputs) != len(values):
        raise ValueError(f"inputs has {len(inputs)} rows, values {len(values)}")
    frames = []
    for name in inputs.columns:
        points = switching_points(inputs[name].to_numpy(), values, n_bins=n_bins, alpha=alpha)
        if len(points):
            logger.info("%s: %d switch(es)", name, len(points))
            points.insert(0, "parameter", str(name))
            frames.append(points)
    if not frames:
        empty = _empty_switches()
        empty.insert(0, "parameter", pd.Series(dtype="str"))
        return empty
    return pd.concat(frames, ignore_index=True)[TABLE_COLUMNS]
