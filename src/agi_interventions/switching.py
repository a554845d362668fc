"""Switching values: where along one parameter the best intervention changes.

Conditional means. For one parameter ``x`` the conditional mean ``E[V_k | x]`` of every
intervention is estimated by the penalised regression of the value-of-information estimator
(:mod:`agi_interventions.voi`: splines of the rank of ``x`` plus ``x`` itself, smoothing by
GCV) and evaluated on a grid of :data:`GRID` prior quantiles from 0.25% to 99.75%, so the
outer 10% of the prior is searched like the rest. The same cluster bootstrap that refits the
whole regression gives every curve a standard error.

Decided points. A grid point counts as *decided* for intervention ``i`` when ``i`` leads every
other intervention by more than ``z`` bootstrap standard errors of the difference, with ``z``
Bonferroni-adjusted over :data:`EFFECTIVE_POINTS` effective points
(``Phi^-1(1 - 0.05 / 40) = 3.02``): a smooth curve on a grid of 200 points has about as many
independent pieces as a 20-bin histogram. A switch from ``i`` to ``j`` is reported where two
consecutive decided points (undecided ones may lie between) have leaders ``i`` and ``j``; its
location is the first zero crossing of ``E[V_i | x] - E[V_j | x]`` between them, and
``bracket_low``, ``bracket_high`` are the quantiles of those two decided points: the switch
lies between them unless a decided point is wrong. Checked against the exact switching values
(:mod:`agi_interventions.exact`) on 10 samples each of two worldviews (N = 2^14): every bracket
held the exact switch, no spurious switch was reported, and switches in the outer 10% of a
prior (e.g. ``p_V`` at quantile 0.95, ``p_CV`` at 0.07 under ``tight.yaml``) were found in
every sample; weak ones (``p_V`` at 0.07 under the baseline, 2.8% of EVPI) mostly were not.

:func:`conditional_means` gives plain binned means (equal-count bins) for the figures.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from agi_interventions.stats import Z95
from agi_interventions.voi.basis import PreparedInputs
from agi_interventions.voi.regression import BootstrapPlan

logger = logging.getLogger(__name__)

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


def conditional_means(x: np.ndarray, values: pd.DataFrame, *, n_bins: int) -> pd.DataFrame:
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


#: Quantile grid on which conditional-mean curves are compared.
GRID = 200
#: Effective number of independent points along a fitted curve (Bonferroni adjustment).
EFFECTIVE_POINTS = 20


def _empty_switches() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="str" if c in ("from", "to") else np.float64) for c in SWITCH_COLUMNS}
    )


def _curves(
    prepared: PreparedInputs, column: int, values: np.ndarray, plan: BootstrapPlan
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fitted conditional means on the quantile grid: estimate and bootstrap refits."""
    from agi_interventions.voi.regression import cluster_statistics, fit

    n = values.shape[0]
    design = prepared.design([column])
    stats = cluster_statistics(design.matrix, values, plan.clusters, plan.n_clusters)
    u = (np.arange(GRID) + 0.5) / GRID * (1 - 2 * 0.0025) + 0.0025
    x = np.quantile(prepared.inputs[:, column], u)
    rows = prepared.single_design_at(design, column, u, x)
    coef, _ = fit(*stats.weighted(np.ones(plan.n_clusters)), n, design.penalty)
    grams, xys, yys = stats.weighted_many(plan.weights)
    boot = np.stack(
        [
            rows @ fit(g, xy, yy, n, design.penalty)[0]
            for g, xy, yy in zip(grams, xys, yys, strict=True)
        ]
    )
    return u, x, rows @ coef, boot


def _first_crossing(diff: np.ndarray, lo: int, hi: int) -> float | None:
    """Fractional grid position of the first sign change of ``diff`` from + to <= 0 in [lo, hi]."""
    segment = diff[lo : hi + 1]
    below = np.flatnonzero(segment <= 0.0)
    if below.size == 0 or below[0] == 0:
        return None
    k = int(below[0])
    t = segment[k - 1] / (segment[k - 1] - segment[k])
    return lo + k - 1 + float(t)


def switching_points(
    prepared: PreparedInputs,
    column: int,
    values: pd.DataFrame,
    plan: BootstrapPlan,
    *,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Locate where the intervention with the highest conditional mean changes along ``x``.

    Parameters
    ----------
    prepared
        Independent draws of the inputs (:class:`agi_interventions.voi.basis.PreparedInputs`).
    column
        The input column ``x``.
    values
        Per-draw marginal values, one column per intervention, rows aligned with the inputs.
    plan
        Clusters and bootstrap resamples.
    alpha
        Family-wise error level for calling a grid point decided.

    Returns
    -------
    pandas.DataFrame
        One row per switch, in increasing ``x``: ``switch_value``, ``switch_quantile``,
        ``from``, ``to``, ``bracket_low``, ``bracket_high`` (quantiles of the decided points
        enclosing the switch). Empty (same columns) without a switch.
    """
    names = [str(c) for c in values.columns]
    v = values.to_numpy(dtype=np.float64)
    if not prepared.varying[column] or len(names) < 2:
        return _empty_switches()
    u, x, curve, boot = _curves(prepared, column, v, plan)
    z = stats.norm.ppf(1.0 - alpha / (2.0 * EFFECTIVE_POINTS))
    leader = np.argmax(curve, axis=1)
    decided = np.full(GRID, -1)
    for g in range(GRID):
        lead = leader[g]
        margin = curve[g, lead] - np.delete(curve[g], lead)
        spread = (boot[:, g, [lead]] - np.delete(boot[:, g], lead, axis=1)).std(axis=0, ddof=1)
        if np.all(margin > z * spread):
            decided[g] = lead
    points = np.flatnonzero(decided >= 0)
    rows = []
    for g1, g2 in itertools.pairwise(points):
        i, j = decided[g1], decided[g2]
        if i == j:
            continue
        position = _first_crossing(curve[:, i] - curve[:, j], g1, g2)
        if position is None:  # pragma: no cover - decided leaders always cross in between
            continue
        k = int(np.floor(position))
        t = position - k
        rows.append(
            {
                "switch_value": x[k] + t * (x[min(k + 1, GRID - 1)] - x[k]),
                "switch_quantile": u[k] + t * (u[min(k + 1, GRID - 1)] - u[k]),
                "from": names[i],
                "to": names[j],
                "bracket_low": u[g1],
                "bracket_high": u[g2],
            }
        )
    if not rows:
        return _empty_switches()
    return pd.DataFrame(rows, columns=SWITCH_COLUMNS)


def switching_table(
    inputs: pd.DataFrame,
    values: pd.DataFrame,
    *,
    n_bootstrap: int,
    seed: int,
    alpha: float = 0.05,
    discrete: Sequence[str] = (),
) -> pd.DataFrame:
    """Switching points of the best intervention along every parameter.

    Parameters
    ----------
    inputs
        Independent prior draws, one column per parameter (constant columns give no
        switches).
    values
        Per-draw marginal values, one column per intervention, rows aligned with ``inputs``.
    n_bootstrap
        Bootstrap refits of every conditional-mean curve.
    seed
        Seed of the bootstrap.
    alpha
        Family-wise error level per parameter (see :func:`switching_points`).
    discrete
        Inputs that take a few values only (structure switches): not searched, as they have
        no values in between.

    Returns
    -------
    pandas.DataFrame
        Columns ``parameter`` and those of :func:`switching_points`, parameters in ``inputs``
        column order. Empty (same columns) if no parameter has a switch.
    """
    if len(inputs) != len(values):
        raise ValueError(f"inputs has {len(inputs)} rows, values {len(values)}")
    prepared = PreparedInputs(inputs.to_numpy(dtype=np.float64))
    plan = BootstrapPlan.draw(len(inputs), n_bootstrap, seed)
    frames = []
    for column, name in enumerate(inputs.columns):
        if name in discrete:
            continue
        points = switching_points(prepared, column, values, plan, alpha=alpha)
        if len(points):
            logger.info("%s: %d switch(es)", name, len(points))
            points.insert(0, "parameter", str(name))
            frames.append(points)
    if not frames:
        empty = _empty_switches()
        empty.insert(0, "parameter", pd.Series(dtype="str"))
        return empty
    return pd.concat(frames, ignore_index=True)[TABLE_COLUMNS]


def curves_table(
    inputs: pd.DataFrame,
    values: pd.DataFrame,
    parameters: list[str],
    *,
    n_bins: int,
    exact: object | None = None,
) -> pd.DataFrame:
    """Binned conditional means along some parameters, with exact ones where available.

    Parameters
    ----------
    inputs
        Independent prior draws, one column per parameter.
    values
        Per-draw marginal values, one column per intervention.
    parameters
        Parameters to draw curves for.
    n_bins
        Equal-count bins per parameter.
    exact
        The worldview's :class:`agi_interventions.exact.ExactEngine`, or None.

    Returns
    -------
    pandas.DataFrame
        ``parameter`` and the columns of :func:`conditional_means`, and ``mean_exact`` (the
        exact conditional mean at the bin's median value; empty without the engine).
    """
    frames = []
    for name in parameters:
        frame = conditional_means(inputs[name].to_numpy(), values, n_bins=n_bins)
        frame.insert(0, "parameter", name)
        frame["mean_exact"] = (
            [
                float(exact.conditional_mean(o, {name: np.array([x])})[0])
                for o, x in zip(frame["intervention"], frame["x_mid"], strict=True)
            ]
            if exact is not None
            else np.nan
        )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
