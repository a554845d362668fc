"""Penalised regression from sufficient statistics, with a bootstrap over the whole fit.

The regression EVPPI needs ``E[V_k | X_S]`` at every row, and an honest standard error must
include the variability of the fit *and of its smoothing parameter*. Refitting on resampled
rows is affordable because least squares depends on the rows only through sums: the rows are
split at random into ``C`` clusters and each cluster's cross-products ``X_c' X_c``,
``X_c' Y_c`` and ``Y_c' Y_c`` are stored. A bootstrap replicate draws clusters with
replacement (multinomial weights), adds up the weighted statistics, chooses the smoothing
parameter again and refits, in ``O(C p^2 + p^3)`` instead of ``O(n p^2)``. Random clusters of
independent rows are independent super-rows, so resampling them is a bootstrap of the rows
(with ``C`` in the hundreds or more).

Smoothing. For each option, ``lam`` minimises generalised cross-validation,
``GCV(lam) = n RSS(lam) / (n - tr H(lam))^2``, over a grid. With ``G = X' W X = V D V'``,
``Z = V D^(-1/2)`` and ``Z' P Z = Q diag(s) Q'``, the coefficients are
``Z Q diag(1 / (1 + lam s)) c`` with ``c = Q' Z' X' W y``, ``tr H = sum 1 / (1 + lam s)`` and
``RSS = y' W y - sum c^2 h (2 - h)`` with ``h = 1 / (1 + lam s)``: every grid point costs
``O(p)`` once the two eigendecompositions are done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

#: Smoothing parameters tried (relative to the normalised penalties).
LAMBDA_GRID = np.logspace(-6.0, 8.0, 29)
#: Directions of ``X' W X`` with eigenvalue below this fraction of the largest are dropped.
GRAM_RTOL = 1e-11


@dataclass(frozen=True)
class SufficientStatistics:
    """Per-cluster cross-products of a design and the option values, flattened per cluster.

    Attributes
    ----------
    cross
        ``(C, p * p)``: ``X_c' X_c``.
    xy
        ``(C, p * k)``: ``X_c' Y_c``.
    yy
        ``(C, k)``: ``sum of Y_c^2`` per option.
    p, k
        Design columns and options.
    """

    cross: np.ndarray
    xy: np.ndarray
    yy: np.ndarray
    p: int
    k: int

    def weighted(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sum the statistics over clusters with weights ``(C,)``: ``X'WX``, ``X'WY``, ``Y'WY``."""
        return (
            (weights @ self.cross).reshape(self.p, self.p),
            (weights @ self.xy).reshape(self.p, self.k),
            weights @ self.yy,
        )

    def weighted_many(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`weighted` for a ``(B, C)`` matrix of weights, as one matrix product each."""
        b = weights.shape[0]
        return (
            (weights @ self.cross).reshape(b, self.p, self.p),
            (weights @ self.xy).reshape(b, self.p, self.k),
            weights @ self.yy,
        )


def cluster_statistics(
    design: np.ndarray, values: np.ndarray, clusters: np.ndarray, n_clusters: int
) -> SufficientStatistics:
    """Accumulate the cross-products of each cluster.

    Parameters
    ----------
    design
        ``(n, p)`` design matrix.
    values
        ``(n, k)`` option values.
    clusters
        ``(n,)`` cluster index of every row, in ``[0, n_clusters)``, every cluster the same
        size.
    n_clusters
        Number of clusters ``C``.

    Returns
    -------
    SufficientStatistics
        The per-cluster sums.
    """
    order = np.argsort(clusters, kind="stable")
    n, p = design.shape
    k = values.shape[1]
    rows = n // n_clusters
    x = design[order].reshape(n_clusters, rows, p)
    y = values[order].reshape(n_clusters, rows, k)
    return SufficientStatistics(
        cross=np.matmul(x.transpose(0, 2, 1), x).reshape(n_clusters, p * p),
        xy=np.matmul(x.transpose(0, 2, 1), y).reshape(n_clusters, p * k),
        yy=np.einsum("crk,crk->ck", y, y),
        p=p,
        k=k,
    )


def fit(
    gram: np.ndarray, xy: np.ndarray, yy: np.ndarray, n: float, penalty: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Penalised least squares from sufficient statistics, smoothing chosen by GCV.

    Parameters
    ----------
    gram
        ``(p, p)``: ``X' W X``.
    xy
        ``(p, k)``: ``X' W Y``.
    yy
        ``(k,)``: ``Y' W Y`` per option.
    n
        Total weight (number of rows).
    penalty
        ``(p, p)`` penalty matrix.

    Returns
    -------
    tuple of numpy.ndarray
        Coefficients ``(p, k)`` and the effective degrees of freedom per option.
    """
    eig, vec = np.linalg.eigh(gram)
    keep = eig > eig[-1] * GRAM_RTOL
    whiten = vec[:, keep] / np.sqrt(eig[keep])
    s, q = np.linalg.eigh(whiten.T @ penalty @ whiten)
    s = np.clip(s, 0.0, None)
    basis = whiten @ q
    c = basis.T @ xy  # (r, k)
    shrink = 1.0 / (1.0 + LAMBDA_GRID[:, None] * s[None, :])  # (L, r)
    rss = yy[None, :] - (shrink * (2.0 - shrink)) @ (c**2)  # (L, k)
    trace = shrink.sum(axis=1)
    gcv = rss / (n - trace[:, None]) ** 2
    pick = np.argmin(gcv, axis=0)
    coef = basis @ (shrink[pick].T * c)
    return coef, trace[pick]


def min_mean_regret(fitted: np.ndarray, weights: np.ndarray | None = None) -> float:
    """``mean(max_k g) - max_k mean(g)``, as ``min_k mean(max_j g_j - g_k)`` (no cancellation)."""
    regret = fitted.max(axis=1, keepdims=True) - fitted
    if weights is None:
        return float(regret.mean(axis=0).min())
    return float((weights @ regret).min() / weights.sum())


@dataclass(frozen=True)
class BootstrapPlan:
    """Clusters and cluster weights shared by every estimate of one table.

    Attributes
    ----------
    clusters
        ``(n,)`` cluster of every row.
    weights
        ``(B, C)`` multinomial cluster counts, one row per replicate.
    """

    clusters: np.ndarray
    weights: np.ndarray

    @property
    def n_clusters(self) -> int:
        """Number of clusters ``C``."""
        return self.weights.shape[1]

    @classmethod
    def draw(cls, n: int, n_bootstrap: int, seed: int, max_clusters: int = 512) -> BootstrapPlan:
        """Draw a random partition of ``n`` rows into equal clusters and the resamples.

        Parameters
        ----------
        n
            Rows.
        n_bootstrap
            Replicates.
        seed
            Seed of the partition and the resamples.
        max_clusters
            Largest number of clusters; fewer when ``n`` is small (at least 8 rows each
            when possible) or has no such divisor.

        Returns
        -------
        BootstrapPlan
            The plan.
        """
        n_clusters = max_clusters
        while n_clusters > 1 and (n % n_clusters or n // n_clusters < 8):
            n_clusters //= 2
        if n % n_clusters:
            n_clusters = 1
        rng = np.random.default_rng(seed)
        clusters = rng.permutation(n) % n_clusters
        weights = rng.multinomial(
            n_clusters, np.full(n_clusters, 1.0 / n_clusters), size=n_bootstrap
        ).astype(np.float64)
        return cls(clusters, weights)
