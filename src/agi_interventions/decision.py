"""Decision-analytic value of information from Monte Carlo samples.

The inputs are Monte Carlo samples of the value of ``k`` options (here: interventions), one row
per joint draw of the uncertain parameters, and optionally the parameter draws themselves. The
module answers "how much would it be worth to resolve some uncertainty before choosing?":

* :func:`evpi` -- expected value of perfect information about everything,
  ``E[max_k V_k] - max_k E[V_k]``.
* :func:`evppi` -- expected value of partial perfect information about one parameter or a group,
  ``E_X[max_k E[V_k | X]] - max_k E[V_k]``, estimated with the regression method of Strong,
  Oakley & Brennan (2014, *Med Decis Making* 34:311-326).
* :func:`expected_loss` -- per option, the expected regret ``E[max_j V_j - V_k]`` of committing to
  it now. ``EVPI == min_k expected_loss[k]`` exactly (on the same samples).
* :func:`evpi_estimate`, :func:`evppi_estimate` -- the same numbers with a bootstrap standard
  error, and :func:`value_of_information_table`, :func:`expected_loss_table` for tidy output.

All numbers are computed as minima of mean regrets (``min_k mean(max_j g_j - g_k)``), which is
algebraically identical to ``mean(max g) - max mean(g)`` but avoids cancellation when the values
are large compared with the value of information.

Regression (EVPPI)
------------------
``E[V_k | X]`` is estimated by penalised least squares on a basis built from the *rank scores*
of the inputs (empirical CDF, ``(rank - 1/2) / n``; cubic B-splines from
``sklearn.preprocessing.SplineTransformer``) and from the standardised raw inputs. Conditional
expectations are invariant under monotone transforms of the conditioning variables, so nothing
is lost by the rank scale, and the knots are spread over the probability mass instead of being
wasted on a long tail.

Basis (column counts at ``n = 32768``):

* per input: cubic B-splines with 10 knots uniform on the rank scale plus tail knots at ranks
  ``0.001, 0.003, 0.01, 0.03`` and their mirror images (a tail knot is used only if at least 30
  rows lie beyond it), and the standardised raw input; with the intercept, 21 columns for one
  input;
* per group of ``m`` inputs, in addition: the products of the raw inputs over every subset of
  two or more members (all orders up to ``m = 6``, so any multilinear function of the group --
  most of this model's parameters enter it multilinearly -- is exactly representable), and for
  every pair the tensor product of coarse rank-scale bases (3 uniform knots, 4 x 4 columns) for
  non-multilinear interactions; 113, 188 and 287 columns for groups of 3, 4 and 5.

The number of columns is kept at most ``n / 20``; with fewer rows the bases are coarsened step
by step (logged).

Fit. Spline coefficients get second-difference (P-spline) penalties, normalised per block; the
raw terms and the linear parts of the splines get a ridge penalty with a relative weight
``rho``. The overall weight ``lam`` and ``rho`` are chosen per option by exact leave-one-out
cross-validation (averaged over an evenly strided subset of at most 8192 rows) on grids, so that
terms without signal are shrunk away and a parameter the values do not depend on usually gets
EVPPI exactly 0. Leave-one-out rather than GCV because GCV lets a single extreme value of a
heavy-tailed output be chased by a local spline. With ``lam -> 0`` the fit is ordinary least
squares on the same basis.

Why not a plain ordinary-least-squares rank spline (the first design): on synthetic checks
(``n = 32768``) it overstated EVPPI by 170 % for ``V = X - median(X)`` with ``X`` lognormal
(``sigma = 2``) -- a badly fitted extreme tail rings into the bulk and flips option differences
-- and by about 1000 % for the group ``{X1, X2}`` with ``V = X1 X2 - t`` (lognormal factors).
With heavy-tailed values, unpenalised noise fitting gave parameters the values do not depend on
EVPPIs of 5-20 % of EVPI and groups several times EVPI. The current estimator is within 1-3 %
on those checks and returns 0 for the irrelevant parameters.

Bias and limits. (i) Noise fitting biases EVPPI *upwards* (``max`` is convex): where options are
nearly tied the fitted noise, of size about ``sigma sqrt(p_eff / n)`` (``sigma`` the residual
standard deviation, ``p_eff`` the effective number of columns), adds up to about
``0.4 sigma sqrt(p_eff / n)``. (ii) Structure the basis cannot represent (sharp kinks,
non-multilinear interactions of three or more inputs) and over-smoothing bias it *downwards*.
(iii) When the values are products of several heavy-tailed factors (e.g. lognormal with
``sigma >= 1.5``), results for single factors are fragile: in stress tests a small true EVPPI
(a few per cent of EVPI) was sometimes shrunk to 0, and a heavy-tailed input on which the
*mean* does not depend but the spread does (``V = X1 X2 (U - 1/2)``) came out at up to a third
of EVPI; the standard error does not cover the choice of smoothing. (iv) Pass inputs on their
natural scale (the scale on which the values are multilinear): the raw terms are what capture
a conditional mean spanning orders of magnitude; given ``log X`` instead of ``X`` for
``V = X - 1``, ``X`` lognormal(0, 2), the estimate came out 1.7-3 times too high. Nothing is
subtracted to correct any bias. Finite-sample estimates of EVPPI can exceed the estimate of
EVPI (true EVPPI never does); the table logs a warning when that happens.

Standard errors
---------------
EVPI: nonparametric bootstrap over rows. EVPPI: ``sqrt(se_rows^2 + se_fit^2)`` where
``se_rows`` is the bootstrap over rows of the fitted values with the fit held fixed (Monte
Carlo error of the outer average) and ``se_fit`` the first-order (delta-method) standard error
from the noise in the fitted regression, ``(1/n) sqrt(sum_i (sum_k (H_k a_k)_i r_ik)^2)`` with
``H_k`` the hat matrix, ``r`` the residuals and ``a_ik = 1[k best at row i] - 1[k best on
average]``. Neither part covers the bias above nor the choice of smoothing parameters. The
bootstrap replicates are derived deterministically from ``seed`` and the number of rows only,
so all estimates with the same seed on the same rows share the resamples (common random
numbers), and the table agrees with the single-quantity functions.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.preprocessing import SplineTransformer

logger = logging.getLogger(__name__)

__all__ = [
    "VoIEstimate",
    "evpi",
    "evpi_estimate",
    "evppi",
    "evppi_estimate",
    "expected_loss",
    "expected_loss_table",
    "value_of_information_table",
]

#: Spline degree (cubic B-splines).
_DEGREE = 3
#: Uniformly spaced knots of the additive basis on the rank scale (0 and 1 included).
_UNIFORM_KNOTS = 10
#: Extra knots near both ends of the rank scale (``t`` and ``1 - t``), used where at least
#: :data:`_MIN_TAIL_ROWS` rows lie beyond them. They stop a badly fitted extreme tail (heavy-
#: tailed inputs, values spanning orders of magnitude) from ringing into the bulk.
_TAIL_KNOTS = (1e-3, 3e-3, 1e-2, 3e-2)
_MIN_TAIL_ROWS = 30
#: Bases tried in order, richest first: (uniform knots of the additive basis per input, knots
#: of the coarse basis used in pairwise tensor products, or None for no pairwise spline
#: terms). A basis with ``q`` knots has ``q + 2`` cubic B-splines, ``q + 1`` after dropping
#: one (the intercept is a separate column).
_BASIS_LADDER: tuple[tuple[int, int | None], ...] = (
    (_UNIFORM_KNOTS, 3),
    (_UNIFORM_KNOTS, 2),
    (6, 2),
    (4, 2),
    (_UNIFORM_KNOTS, None),
    (6, None),
    (4, None),
    (2, None),
)
#: Smoothing parameters tried (relative to the normalised penalties), chosen by
#: leave-one-out cross-validation.
_LAMBDA_GRID = np.logspace(-6.0, 8.0, 29)
#: Rows (at most) over which the leave-one-out score is averaged.
_CV_ROWS = 8192
#: Relative weights of the null-space (linear and raw terms) penalty, chosen by
#: leave-one-out cross-validation.
_RHO_GRID = (0.0, 1e-2, 1.0)
#: Directions of the cross-product matrix with eigenvalue below this fraction of the largest
#: (near-collinear columns) are dropped.
_GRAM_RTOL = 1e-11
#: Groups up to this size get raw products of all orders (full multilinear basis).
_MAX_FULL_MULTILINEAR = 6
#: Upper limit on regression columns relative to the number of rows.
_ROWS_PER_COLUMN = 20
#: Largest bootstrap count matrix (elements) generated at once.
_CHUNK_ELEMENTS = 2**21
#: Bootstrap count matrices up to this many elements in total are kept in memory.
_CACHE_ELEMENTS = 2**23


@dataclass(frozen=True)
class VoIEstimate:
    """A value-of-information estimate with its standard error.

    Attributes
    ----------
    value : float
        Point estimate (same units as the option values).
    se : float
        Bootstrap standard error over Monte Carlo rows (see the module docstring for what it
        includes).

    """

    value: float
    se: float


# ----------------------------------------------------------------------------- validation


def _as_values(values: np.ndarray | pd.DataFrame) -> np.ndarray:
    """Validate an ``(n, k)`` array of option values and return it as float64."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 2:
        raise ValueError(
            f"values must be a 2-D array of shape (n_samples, n_options); got {arr.ndim}-D "
            f"array of shape {arr.shape}"
        )
    n, k = arr.shape
    if n < 2:
        raise ValueError(f"values needs at least 2 rows (samples); got {n}")
    if k < 1:
        raise ValueError("values needs at least 1 column (option); got 0")
    if not np.all(np.isfinite(arr)):
        bad = np.flatnonzero(~np.all(np.isfinite(arr), axis=1))
        raise ValueError(
            f"values contains non-finite entries (NaN or inf) in {bad.size} of {n} rows "
            f"(first at row {bad[0]}); drop or repair them before computing value of "
            "information"
        )
    return arr


def _as_inputs(inputs: np.ndarray | pd.Series | pd.DataFrame, n: int) -> np.ndarray:
    """Validate inputs of shape ``(n,)`` or ``(n, m)`` and return them as ``(n, m)`` float64."""
    arr = np.asarray(inputs, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(
            f"inputs must have shape (n_samples,) or (n_samples, n_inputs); got shape {arr.shape}"
        )
    if arr.shape[0] != n:
        raise ValueError(
            f"inputs has {arr.shape[0]} rows but values has {n}; they must be the same samples"
        )
    if arr.shape[1] < 1:
        raise ValueError("inputs has no columns")
    if not np.all(np.isfinite(arr)):
        bad = np.flatnonzero(~np.all(np.isfinite(arr), axis=1))
        raise ValueError(
            f"inputs contains non-finite entries (NaN or inf) in {bad.size} of {n} rows "
            f"(first at row {bad[0]})"
        )
    return arr


def _check_bootstrap(n_bootstrap: int) -> None:
    if int(n_bootstrap) != n_bootstrap or n_bootstrap < 2:
        raise ValueError(f"n_bootstrap must be an integer >= 2; got {n_bootstrap!r}")


# ----------------------------------------------------------------------------- core numbers


def _regret(values: np.ndarray) -> np.ndarray:
    """Per-row regret of each option, ``max_j v_ij - v_ik`` (non-negative)."""
    return values.max(axis=1, keepdims=True) - values


def _min_mean_regret(regret: np.ndarray) -> float:
    """``min_k mean_i regret_ik`` == ``mean(max) - max(mean)``."""
    return float(regret.mean(axis=0).min())


def expected_loss(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Compute the expected loss (regret) of committing to each option now.

    Parameters
    ----------
    values : numpy.ndarray
        Array of shape ``(n, k)``: value of each of ``k`` options in each of ``n`` Monte Carlo
        samples.

    Returns
    -------
    loss : numpy.ndarray
        Shape ``(k,)``; ``mean_i(max_j values[i, j] - values[i, k])``, the expected shortfall
        from the best option in hindsight. The option with the smallest loss is the one with
        the largest mean, and that smallest loss equals :func:`evpi`.
    se : numpy.ndarray
        Shape ``(k,)``; Monte Carlo standard errors, ``std(ddof=1) / sqrt(n)`` of the per-sample
        regrets (valid for independent samples).

    Raises
    ------
    ValueError
        If ``values`` is not 2-D with at least two rows, or contains NaN or inf.

    """
    arr = _as_values(values)
    regret = _regret(arr)
    loss = regret.mean(axis=0)
    se = regret.std(axis=0, ddof=1) / np.sqrt(arr.shape[0])
    return loss, se


def evpi(values: np.ndarray) -> float:
    """Compute the expected value of perfect information (EVPI).

    Parameters
    ----------
    values : numpy.ndarray
        Array of shape ``(n, k)``: value of each of ``k`` options in each of ``n`` Monte Carlo
        samples.

    Returns
    -------
    float
        ``mean_i max_k values[i, k] - max_k mean_i values[i, k]`` (non-negative).

    Raises
    ------
    ValueError
        If ``values`` is not 2-D with at least two rows, or contains NaN or inf.

    """
    return _min_mean_regret(_regret(_as_values(values)))


# ----------------------------------------------------------------------------- regression


def _rank_scores(inputs: np.ndarray) -> np.ndarray:
    """Empirical-CDF rank scores ``(rank - 1/2) / n`` in ``(0, 1)``, column by column.

    Ties get their average rank, so a constant column maps to 1/2 everywhere.
    """
    n = inputs.shape[0]
    return (rankdata(inputs, method="average", axis=0) - 0.5) / n


def _knots(n: int, n_uniform: int, tails: bool) -> np.ndarray:
    """Knots on the rank scale: ``n_uniform`` uniform ones plus (optionally) tail knots."""
    uniform = np.linspace(0.0, 1.0, n_uniform)
    if not tails:
        return uniform
    spacing = 1.0 / (n_uniform - 1)
    extra = np.array([t for t in _TAIL_KNOTS if t * n >= _MIN_TAIL_ROWS and t < spacing / 2])
    return np.sort(np.concatenate([uniform, extra, 1.0 - extra]))


def _spline_basis(scores: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Cubic B-spline basis of one column of rank scores, one function dropped.

    The ``len(knots) + 2`` B-splines sum to one, so one is dropped (``include_bias=False``)
    and the intercept is kept as a separate column.
    """
    spline = SplineTransformer(knots=knots[:, None], degree=_DEGREE, include_bias=False)
    spline.fit(np.array([[0.0], [1.0]]))
    return spline.transform(scores[:, None])


def _n_columns(n: int, m: int, fine: int, coarse: int | None) -> int:
    """Count the regression columns for ``m`` inputs, ``n`` rows and the given bases."""
    per_input = _knots(n, fine, tails=True).size + 1 + 1  # splines + raw linear term
    per_pair = 0 if coarse is None else (coarse + 1) ** 2  # tensor splines
    return 1 + m * per_input + (m * (m - 1) // 2) * per_pair + len(_raw_interactions(m))


def _raw_interactions(m: int) -> list[tuple[int, ...]]:
    """List the subsets of ``range(m)`` whose raw products enter the design.

    All subsets of size two or more, or only those up to size three for more than
    :data:`_MAX_FULL_MULTILINEAR` inputs.
    """
    top = m if m <= _MAX_FULL_MULTILINEAR else 3
    return [s for size in range(2, top + 1) for s in combinations(range(m), size)]


def _choose_basis(n: int, m: int) -> tuple[int, int | None]:
    """Richest basis of :data:`_BASIS_LADDER` with at most ``n / 20`` columns."""
    limit = n / _ROWS_PER_COLUMN
    ladder = [(fine, coarse if m > 1 else None) for fine, coarse in _BASIS_LADDER]
    for fine, coarse in ladder:
        if _n_columns(n, m, fine, coarse) <= limit:
            if (fine, coarse) != ladder[0]:
                logger.info(
                    "EVPPI regression for %d input(s) with %d rows: reduced basis "
                    "(%d uniform knots per input, pairwise knots %s, %d columns)",
                    m,
                    n,
                    fine,
                    coarse,
                    _n_columns(n, m, fine, coarse),
                )
            return fine, coarse
    fine, coarse = ladder[-1]
    logger.warning(
        "EVPPI regression for %d input(s) with only %d rows: even the smallest basis has %d "
        "columns (> n/%d); the estimate will be biased upwards by noise fitting",
        m,
        n,
        _n_columns(n, m, fine, coarse),
        _ROWS_PER_COLUMN,
    )
    return fine, coarse


class _PreparedInputs:
    """Rank scores, standardised raw values and cached spline bases of the input columns."""

    def __init__(self, inputs: np.ndarray) -> None:
        self.n, self.m = inputs.shape
        self.scores = _rank_scores(inputs)
        self.varying = np.ptp(inputs, axis=0) > 0
        sd = inputs.std(axis=0)
        self.raw = (inputs - inputs.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
        self._cache: dict[tuple[int, int, bool], np.ndarray] = {}

    def spline(self, column: int, n_knots: int, tails: bool) -> np.ndarray:
        """Spline basis of one column (cached)."""
        key = (column, n_knots, tails)
        if key not in self._cache:
            knots = _knots(self.n, n_knots, tails)
            self._cache[key] = _spline_basis(self.scores[:, column], knots)
        return self._cache[key]


def _difference_penalty(n_coef: int) -> np.ndarray:
    """Second-order difference penalty for a B-spline block whose last function is dropped.

    The penalty acts on the coefficients of the full basis with the dropped one fixed at zero;
    with the separate intercept its null space is the functions linear in the knot index.
    """
    diff = np.diff(np.eye(n_coef + 1), n=2, axis=0)[:, :-1]
    return diff.T @ diff


def _design(
    prepared: _PreparedInputs, columns: Sequence[int]
) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """Regression design blocks and their penalties for the given input columns.

    Intercept; per input its additive spline basis (uniform plus tail knots, penalised) and its
    standardised raw value; the products of the raw values of every subset of two or more
    inputs (up to three for large groups), so that multilinear dependence is exactly
    representable; per pair of inputs the tensor product of coarse spline bases (penalised in
    both directions).
    """
    n = prepared.n
    fine, coarse = _choose_basis(n, len(columns))
    blocks: list[np.ndarray] = [np.ones((n, 1))]
    penalties: list[np.ndarray | None] = [None]
    for c in columns:
        spline = prepared.spline(c, fine, tails=True)
        blocks += [spline, prepared.raw[:, [c]]]
        penalties += [_difference_penalty(spline.shape[1]), None]
    for subset in _raw_interactions(len(columns)):
        blocks.append(np.prod(prepared.raw[:, [columns[i] for i in subset]], axis=1)[:, None])
        penalties.append(None)
    for a, b in combinations(columns, 2):
        if coarse is not None:
            ba = prepared.spline(a, coarse, tails=False)
            bb = prepared.spline(b, coarse, tails=False)
            qa, qb = ba.shape[1], bb.shape[1]
            blocks.append((ba[:, :, None] * bb[:, None, :]).reshape(n, -1))
            penalties.append(
                np.kron(_difference_penalty(qa), np.eye(qb))
                + np.kron(np.eye(qa), _difference_penalty(qb))
            )
    return blocks, penalties


@dataclass
class _Fit:
    """Penalised least-squares fit of several options on one design.

    ``fitted`` has shape ``(n, k)``. For each fitted option ``j``, ``hat(v, j)`` applies its
    (symmetric) hat matrix ``X B_j diag(w_j) B_j' X'`` to a vector ``v`` of length ``n``.
    """

    fitted: np.ndarray
    design: np.ndarray | None = None
    smoothers: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def hat(self, v: np.ndarray, j: int) -> np.ndarray:
        """Apply the hat matrix of option ``j`` to ``v``."""
        if j not in self.smoothers:
            return np.zeros_like(v)
        basis, weights = self.smoothers[j]
        return self.design @ (basis @ (weights * (basis.T @ (self.design.T @ v))))


def _penalties(
    blocks: list[np.ndarray],
    block_penalties: list[np.ndarray | None],
    scale: np.ndarray,
    gram: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Wiggliness penalty and null-space penalty for the scaled design.

    Every penalised block's difference penalty is put on the scale of its own cross-products
    (as mgcv does), so that one smoothing parameter suits all blocks. The second matrix is a
    ridge on everything the first leaves free except the intercept: the raw-value columns and
    the null spaces (linear parts) of the spline blocks, on the same scale.
    """
    p = gram.shape[0]
    wiggly = np.zeros((p, p))
    null = np.zeros((p, p))
    n = gram[0, 0]  # the scaled intercept column has unit mean square
    start = 0
    for index, (block, block_penalty) in enumerate(zip(blocks, block_penalties, strict=True)):
        stop = start + block.shape[1]
        if block_penalty is None:
            if index > 0:
                null[start:stop, start:stop] = n * np.eye(stop - start)
        else:
            sub = block_penalty / np.outer(scale[start:stop], scale[start:stop])
            sub *= np.linalg.norm(gram[start:stop, start:stop]) / np.linalg.norm(sub)
            wiggly[start:stop, start:stop] = sub
            eig, vec = np.linalg.eigh(sub)
            free = vec[:, eig < eig[-1] * 1e-8]
            null[start:stop, start:stop] = n * (free @ free.T)
        start = stop
    return wiggly, null


def _penalised_fit(values: np.ndarray, prepared: _PreparedInputs, columns: Sequence[int]) -> _Fit:
    """Estimate ``E[values | inputs[:, columns]]`` at every row by penalised regression.

    Minimises ``||y - X beta||^2 + lam beta' (P + rho R) beta`` per option, where ``P``
    penalises wiggliness of the spline terms and ``R`` shrinks the remaining (linear and raw)
    terms; ``lam`` and ``rho`` are chosen by exact leave-one-out cross-validation on grids
    (not GCV, which lets single extreme values of heavy-tailed outputs be chased), so terms
    without signal are shrunk towards a constant. Everything is computed from the ``p x p``
    cross-product matrix: with ``X' X = V D V'``, ``W = V D^(-1/2)`` (directions with
    negligible ``D`` dropped) and ``W' (P + rho R) W = Q L Q'``, the columns of ``X W Q`` are
    orthonormal, the fit is ``X W Q diag(1 / (1 + lam L)) Q' W' X' y`` and the leverages are
    ``h_ii = sum_j (X W Q)_ij^2 / (1 + lam L_j)``.
    """
    n, k = values.shape
    fitted = np.broadcast_to(values.mean(axis=0), (n, k)).copy()
    # Inputs that do not vary carry no information; constant options need no fit.
    varying = [c for c in columns if prepared.varying[c]]
    to_fit = [int(j) for j in np.flatnonzero(np.ptp(values, axis=0) > 0)]
    if not varying or not to_fit:
        return _Fit(fitted)
    blocks, block_penalties = _design(prepared, varying)
    design = np.hstack(blocks)
    scale = np.sqrt(np.einsum("ij,ij->j", design, design) / n)
    scale[scale == 0] = 1.0
    design /= scale
    gram = design.T @ design
    wiggly, null = _penalties(blocks, block_penalties, scale, gram)
    eig, vec = np.linalg.eigh(gram)
    keep = eig > eig[-1] * _GRAM_RTOL
    if not np.all(keep):
        logger.debug(
            "EVPPI design has %d near-collinear direction(s) of %d (e.g. a discrete input); "
            "they are dropped",
            int(np.sum(~keep)),
            design.shape[1],
        )
    whiten = vec[:, keep] / np.sqrt(eig[keep])
    projected = whiten.T @ (design.T @ values[:, to_fit])  # coordinates in an orthonormal basis
    best: dict[int, tuple[float, np.ndarray, np.ndarray, np.ndarray]] = {}
    # The cross-validation score is averaged over an evenly strided subset of rows (all rows
    # for n <= _CV_ROWS); the fit itself always uses all rows.
    rows = slice(None, None, -(-n // _CV_ROWS))
    design_cv = design[rows]
    values_cv = values[rows][:, to_fit]
    for rho in _RHO_GRID:
        pen_eig, pen_vec = np.linalg.eigh(whiten.T @ (wiggly + rho * null) @ whiten)
        shrink = 1.0 / (1.0 + _LAMBDA_GRID[:, None] * np.clip(pen_eig, 0.0, None)[None, :])
        basis = whiten @ pen_vec
        ortho = design_cv @ basis  # rows of a matrix with orthonormal columns
        coords = pen_vec.T @ projected  # (r, options)
        # Leave-one-out residuals r_i / (1 - h_ii) for every smoothing parameter and option.
        leverage = np.minimum((ortho**2) @ shrink.T, 1.0 - 1e-9)
        smoothed = (shrink.T[:, :, None] * coords[:, None, :]).reshape(shrink.shape[1], -1)
        resid = values_cv[:, None, :] - (ortho @ smoothed).reshape(
            ortho.shape[0], shrink.shape[0], -1
        )
        resid /= (1.0 - leverage)[:, :, None]
        score = np.mean(resid**2, axis=0)  # (grid, options)
        for col, j in enumerate(to_fit):
            i = int(np.argmin(score[:, col]))
            if j not in best or score[i, col] < best[j][0]:
                best[j] = (float(score[i, col]), basis, shrink[i], shrink[i] * coords[:, col])
                logger.debug(
                    "EVPPI fit of option %d: rho %.3g, lambda %.3g, %.1f effective columns",
                    j,
                    rho,
                    _LAMBDA_GRID[i],
                    shrink[i].sum(),
                )
    fit = _Fit(fitted, design)
    for j in to_fit:
        _, basis, weights, coef = best[j]
        fit.smoothers[j] = (basis, weights)
        fit.fitted[:, j] = design @ (basis @ coef)
    return fit


def _fit_se(values: np.ndarray, fit: _Fit) -> float:
    """First-order standard error of the EVPPI estimate due to noise in the regression fit.

    With ``a_ik = 1[k best at row i] - 1[k best on average]``, the estimate changes by
    ``(1/n) sum_k a_k' H_k eps_k`` when the responses change by ``eps``; its variance is
    estimated with the residuals (heteroscedasticity-consistent, correlations between options
    within a row kept).
    """
    if not fit.smoothers:
        return 0.0
    n = values.shape[0]
    g = fit.fitted
    best_row = np.argmax(g, axis=1)
    best_mean = int(np.argmax(g.mean(axis=0)))
    residual = values - g
    total = np.zeros(n)
    for j in fit.smoothers:
        a = (best_row == j).astype(float) - float(j == best_mean)
        total += fit.hat(a, j) * residual[:, j]
    return float(np.sqrt(np.sum(total**2)) / n)


# ----------------------------------------------------------------------------- bootstrap


class _RowBootstrap:
    """Bootstrap means over rows, with resamples fixed by ``(seed, n, n_bootstrap)``.

    Resampled means are computed as ``counts @ x / n`` with ``counts`` the multiplicity of each
    row in each resample. Count matrices are generated in chunks of replicates, each chunk from
    its own child of ``numpy.random.SeedSequence(seed)``, and cached if small enough, so that all
    statistics computed with one instance share the same resamples.
    """

    def __init__(self, n: int, n_bootstrap: int, seed: int) -> None:
        _check_bootstrap(n_bootstrap)
        self.n = n
        self.n_bootstrap = int(n_bootstrap)
        per_chunk = max(1, _CHUNK_ELEMENTS // n)
        self._sizes = [
            min(per_chunk, self.n_bootstrap - start)
            for start in range(0, self.n_bootstrap, per_chunk)
        ]
        self._seeds = np.random.SeedSequence(seed).spawn(len(self._sizes))
        self._keep = self.n_bootstrap * n <= _CACHE_ELEMENTS
        self._cache: dict[int, np.ndarray] = {}

    def _counts(self, chunk: int) -> np.ndarray:
        if chunk in self._cache:
            return self._cache[chunk]
        size = self._sizes[chunk]
        rng = np.random.default_rng(self._seeds[chunk])
        idx = rng.integers(0, self.n, size=(size, self.n))
        idx += np.arange(size)[:, None] * self.n
        counts = np.bincount(idx.ravel(), minlength=size * self.n).reshape(size, self.n)
        counts = counts.astype(float)
        if self._keep:
            self._cache[chunk] = counts
        return counts

    def means(self, x: np.ndarray) -> np.ndarray:
        """Resampled column means of ``x`` (shape ``(n, q)``), shape ``(n_bootstrap, q)``."""
        return np.vstack([self._counts(c) @ x for c in range(len(self._sizes))]) / self.n

    def min_mean_regret_se(self, regret: np.ndarray) -> float:
        """Bootstrap standard error of ``min_k mean(regret[:, k])``."""
        replicates = self.means(regret).min(axis=1)
        return float(replicates.std(ddof=1))


def _estimate(regret: np.ndarray, boot: _RowBootstrap) -> VoIEstimate:
    return VoIEstimate(value=_min_mean_regret(regret), se=boot.min_mean_regret_se(regret))


def _evppi_estimate(
    values: np.ndarray, prepared: _PreparedInputs, columns: Sequence[int], boot: _RowBootstrap
) -> VoIEstimate:
    """EVPPI with standard error combining row bootstrap (fit fixed) and fit noise."""
    fit = _penalised_fit(values, prepared, columns)
    regret = _regret(fit.fitted)
    se_rows = boot.min_mean_regret_se(regret)
    se_fit = _fit_se(values, fit)
    return VoIEstimate(value=_min_mean_regret(regret), se=float(np.hypot(se_rows, se_fit)))


# ----------------------------------------------------------------------------- public VoI


def evppi(values: np.ndarray, inputs: np.ndarray) -> float:
    """Estimate the expected value of partial perfect information (EVPPI) about inputs.

    Regression estimator of Strong, Oakley & Brennan (2014): each option's value is regressed
    on the inputs (penalised splines of their rank scores plus raw and product terms, smoothing
    chosen by leave-one-out cross-validation; see the module docstring), giving fitted values
    ``g`` of shape ``(n, k)``, and

        EVPPI = mean_i max_k g[i, k] - max_k mean_i g[i, k].

    Parameters
    ----------
    values : numpy.ndarray
        Array of shape ``(n, k)``: value of each of ``k`` options in each Monte Carlo sample.
    inputs : numpy.ndarray
        The sampled input(s) of interest, shape ``(n,)`` or ``(n, m)``, row-aligned with
        ``values``. The rows must be draws from the joint prior (for a Sobol/Saltelli design:
        the ``A`` and ``B`` rows only, not the ``AB`` rows).

    Returns
    -------
    float
        Estimated EVPPI (non-negative; zero if the inputs or all options are constant).

    Raises
    ------
    ValueError
        On shape mismatch or non-finite entries.

    Notes
    -----
    The estimate is biased upwards by noise fitting where options are nearly tied (by at most
    about ``0.4 sigma sqrt(p_eff / n)`` with ``p_eff`` effective regression columns and
    ``sigma`` the residual standard deviation) and downwards by structure the basis cannot
    represent; for values that are products of heavy-tailed factors see the module docstring.

    """
    arr = _as_values(values)
    x = _as_inputs(inputs, arr.shape[0])
    prepared = _PreparedInputs(x)
    fit = _penalised_fit(arr, prepared, range(x.shape[1]))
    return _min_mean_regret(_regret(fit.fitted))


def evpi_estimate(values: np.ndarray, *, n_bootstrap: int = 200, seed: int) -> VoIEstimate:
    """EVPI with a bootstrap standard error.

    Parameters
    ----------
    values : numpy.ndarray
        Array of shape ``(n, k)``, as for :func:`evpi`.
    n_bootstrap : int, default 200
        Number of bootstrap resamples of the rows.
    seed : int
        Seed for ``numpy.random.SeedSequence``; equal seeds give identical results.

    Returns
    -------
    VoIEstimate
        ``value`` equal to :func:`evpi` and ``se`` the bootstrap standard deviation of the
        EVPI recomputed on resampled rows.

    Raises
    ------
    ValueError
        On invalid ``values`` or ``n_bootstrap < 2``.

    """
    arr = _as_values(values)
    boot = _RowBootstrap(arr.shape[0], n_bootstrap, seed)
    return _estimate(_regret(arr), boot)


def evppi_estimate(
    values: np.ndarray, inputs: np.ndarray, *, n_bootstrap: int = 200, seed: int
) -> VoIEstimate:
    """EVPPI with a bootstrap standard error.

    Parameters
    ----------
    values : numpy.ndarray
        Array of shape ``(n, k)``, as for :func:`evppi`.
    inputs : numpy.ndarray
        Shape ``(n,)`` or ``(n, m)``, as for :func:`evppi`.
    n_bootstrap : int, default 200
        Number of bootstrap resamples of the rows.
    seed : int
        Seed for ``numpy.random.SeedSequence``; equal seeds give identical results.

    Returns
    -------
    VoIEstimate
        ``value`` equal to :func:`evppi`; ``se = sqrt(se_rows^2 + se_fit^2)``: ``se_rows`` is
        the bootstrap standard deviation of ``mean(max g) - max mean(g)`` over resampled rows
        of the fitted values ``g`` (fit held fixed), ``se_fit`` the first-order standard error
        from the noise in the regression fit. Neither covers the estimator's bias or the
        choice of smoothing parameters (see the module docstring).

    Raises
    ------
    ValueError
        On shape mismatch, non-finite entries or ``n_bootstrap < 2``.

    """
    arr = _as_values(values)
    x = _as_inputs(inputs, arr.shape[0])
    boot = _RowBootstrap(arr.shape[0], n_bootstrap, seed)
    prepared = _PreparedInputs(x)
    return _evppi_estimate(arr, prepared, range(x.shape[1]), boot)


# ----------------------------------------------------------------------------- tables


def value_of_information_table(
    values: pd.DataFrame,
    inputs: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    *,
    n_bootstrap: int = 200,
    seed: int,
) -> pd.DataFrame:
    """EVPI, per-parameter EVPPI and per-group EVPPI in one table.

    Parameters
    ----------
    values : pandas.DataFrame
        One column per option (e.g. intervention), one row per Monte Carlo sample.
    inputs : pandas.DataFrame
        One column per input parameter, rows aligned by position with ``values`` (the index is
        not used). Constant (fixed) parameters get EVPPI 0.
    groups : Mapping[str, Sequence[str]]
        Group name -> parameter names. Members not among ``inputs.columns`` are skipped; a group
        with no members left is skipped (and logged).
    n_bootstrap : int, default 200
        Number of bootstrap resamples for the standard errors.
    seed : int
        Seed for ``numpy.random.SeedSequence``. All rows share the same resamples, and each row
        equals what :func:`evpi_estimate` / :func:`evppi_estimate` return for this seed.

    Returns
    -------
    pandas.DataFrame
        Columns ``name, kind, value, se``: first ``("EVPI", "evpi", ...)``, then one row per
        column of ``inputs`` (kind ``"parameter"``), then one per group (kind ``"group"``).

    Raises
    ------
    ValueError
        On length mismatch, non-finite entries, or duplicate input column names.

    """
    arr = _as_values(values)
    n = arr.shape[0]
    if inputs.columns.has_duplicates:
        dup = sorted({str(c) for c in inputs.columns[inputs.columns.duplicated()]})
        raise ValueError(f"inputs has duplicate column names: {dup}")
    names = [str(c) for c in inputs.columns]
    x = _as_inputs(inputs.to_numpy(dtype=float), n)
    position = {name: i for i, name in enumerate(names)}
    boot = _RowBootstrap(n, n_bootstrap, seed)
    prepared = _PreparedInputs(x)

    rows: list[tuple[str, str, float, float]] = []
    est = _estimate(_regret(arr), boot)
    rows.append(("EVPI", "evpi", est.value, est.se))
    for i, name in enumerate(names):
        est = _evppi_estimate(arr, prepared, [i], boot)
        rows.append((name, "parameter", est.value, est.se))
    for group, members in groups.items():
        if isinstance(members, str):
            raise ValueError(
                f"group {group!r} must be a sequence of parameter names, not a string"
            )
        present = list(dict.fromkeys(m for m in members if m in position))
        missing = [m for m in members if m not in position]
        if missing:
            logger.debug("group %r: members not in inputs skipped: %s", group, missing)
        if not present:
            logger.info("group %r skipped: none of its members %s is in inputs", group, members)
            continue
        est = _evppi_estimate(arr, prepared, [position[m] for m in present], boot)
        rows.append((str(group), "group", est.value, est.se))
    table = pd.DataFrame(rows, columns=["name", "kind", "value", "se"])
    above = table[(table["kind"] != "evpi") & (table["value"] > table["value"].iloc[0])]
    if not above.empty:
        logger.warning(
            "EVPPI estimate above the EVPI estimate (%.4g) for %s: regression noise or "
            "misfit (true EVPPI <= EVPI); treat these rows with caution",
            table["value"].iloc[0],
            ", ".join(f"{r.name}={r.value:.4g}" for r in above.itertuples()),
        )
    logger.info("value of information computed for %d rows, %d options", n, arr.shape[1])
    return table


def expected_loss_table(values: pd.DataFrame) -> pd.DataFrame:
    """Tabulate the expected loss of committing to each option.

    Parameters
    ----------
    values : pandas.DataFrame
        One column per option (e.g. intervention), one row per Monte Carlo sample.

    Returns
    -------
    pandas.DataFrame
        Columns ``intervention, expected_loss, se`` in the column order of ``values``; see
        :func:`expected_loss`.

    Raises
    ------
    ValueError
        If ``values`` has fewer than two rows or contains NaN or inf.

    """
    loss, se = expected_loss(values.to_numpy(dtype=float))
    return pd.DataFrame(
        {
            "intervention": [str(c) for c in values.columns],
            "expected_loss": loss,
            "se": se,
        }
    )
