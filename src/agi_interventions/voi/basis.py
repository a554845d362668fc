"""Regression bases for conditional expectations given one input or a group of inputs.

``E[V | X_S]`` is estimated by penalised least squares on a basis of the inputs in ``S``:

* the intercept;
* per input, cubic B-splines of its *rank score* ``(rank - 1/2) / n`` with uniformly spaced
  knots (conditional expectations are invariant under monotone transforms of the
  conditioning variables, and on the rank scale the knots follow the probability mass
  instead of a long tail), penalised by second differences of their coefficients
  (P-splines), whose null space is linear in the rank;
* per input, its standardised raw value (unpenalised): a conditional mean that is linear in
  a heavy-tailed input is then represented exactly, tail included;
* for a group, the products of the standardised raw values over every subset of two or more
  members (up to :data:`MAX_MULTILINEAR` members), so that any multilinear function of the
  group, the form most of this model's parameters take, is exactly representable.

A discrete input (a structure switch, 0 or 1) gets its indicator only: no spline, and no
smooth function of it in the pairwise terms (a function of two values is linear in them).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.stats import rankdata
from sklearn.preprocessing import SplineTransformer

logger = logging.getLogger(__name__)

#: Spline degree (cubic).
DEGREE = 3
#: Uniformly spaced knots (ends included) of each input's rank-scale spline.
KNOTS = 10
#: Knots of the coarse rank-scale splines whose pairwise tensor products model interactions
#: that are not multilinear (0: none).
PAIR_KNOTS = 4
#: Groups up to this size get raw products of every order; larger ones up to order three.
MAX_MULTILINEAR = 6


def rank_scores(inputs: np.ndarray) -> np.ndarray:
    """Empirical-CDF scores ``(rank - 1/2) / n`` per column, ties at their average rank."""
    n = inputs.shape[0]
    return (rankdata(inputs, method="average", axis=0) - 0.5) / n


def difference_penalty(n_coef: int) -> np.ndarray:
    """Second-difference penalty for a B-spline block whose last function is dropped.

    With the separate intercept, its null space is the functions linear in the knot index.
    """
    diff = np.diff(np.eye(n_coef + 1), n=2, axis=0)[:, :-1]
    return diff.T @ diff


def spline_basis(scores: np.ndarray, knots: int = KNOTS) -> np.ndarray:
    """Cubic B-splines of rank scores in (0, 1), one function dropped (the intercept is apart)."""
    spline = SplineTransformer(
        knots=np.linspace(0.0, 1.0, knots)[:, None], degree=DEGREE, include_bias=False
    )
    spline.fit(np.array([[0.0], [1.0]]))
    return spline.transform(scores[:, None])


def multilinear_subsets(m: int) -> list[tuple[int, ...]]:
    """Subsets of ``range(m)`` whose raw products enter a group's design."""
    top = m if m <= MAX_MULTILINEAR else 3
    return [s for size in range(2, top + 1) for s in combinations(range(m), size)]


@dataclass(frozen=True)
class Design:
    """A regression design and its penalty.

    Attributes
    ----------
    matrix
        ``(n, p)`` design, columns scaled to unit mean square.
    penalty
        ``(p, p)`` positive semi-definite penalty on the scaled coefficients.
    scale
        ``(p,)`` root mean square of each unscaled column (to build rows at new points).
    """

    matrix: np.ndarray
    penalty: np.ndarray
    scale: np.ndarray


class PreparedInputs:
    """Rank scores and standardised raw values of input columns, with cached spline bases.

    Parameters
    ----------
    inputs
        ``(n, m)`` independent draws of the inputs.
    pair_knots
        Knots of the coarse splines in pairwise terms (0: none).
    discrete
        Per column, whether it is discrete (a switch: indicator basis only).
    """

    def __init__(
        self,
        inputs: np.ndarray,
        pair_knots: int = PAIR_KNOTS,
        discrete: Sequence[bool] | None = None,
    ) -> None:
        self.n, self.m = inputs.shape
        self.pair_knots = pair_knots
        self.discrete = np.zeros(self.m, bool) if discrete is None else np.asarray(discrete)
        self.varying = np.ptp(inputs, axis=0) > 0
        self.scores = rank_scores(inputs)
        self.inputs = inputs
        self.mean = inputs.mean(axis=0)
        self.sd = np.where(inputs.std(axis=0) > 0, inputs.std(axis=0), 1.0)
        self.raw = (inputs - self.mean) / self.sd
        self._splines: dict[tuple[int, int], np.ndarray] = {}

    def single_design_at(
        self, design: Design, column: int, scores: np.ndarray, values: np.ndarray
    ) -> np.ndarray:
        """Rows of a one-input design (from :meth:`design`) at new points.

        Parameters
        ----------
        design
            The design built by ``self.design([column])``.
        column
            The input column.
        scores
            Rank scores of the new points, in (0, 1).
        values
            Their raw values.

        Returns
        -------
        numpy.ndarray
            ``(len(scores), p)`` rows on the design's scale.
        """
        raw = (values - self.mean[column]) / self.sd[column]
        rows = np.hstack([np.ones((scores.size, 1)), spline_basis(scores), raw[:, None]])
        return rows / design.scale

    def spline(self, column: int, knots: int = KNOTS) -> np.ndarray:
        """Spline basis of one column (cached)."""
        if (column, knots) not in self._splines:
            self._splines[column, knots] = spline_basis(self.scores[:, column], knots)
        return self._splines[column, knots]

    def coarse(self, column: int) -> np.ndarray:
        """Coarse spline basis of one column, for pairwise tensor products."""
        return self.spline(column, self.pair_knots)

    def design(self, columns: Sequence[int]) -> Design:
        """Build the design and penalty for conditioning on ``columns``.

        Parameters
        ----------
        columns
            Input columns (constant ones are skipped).

        Returns
        -------
        Design
            Intercept, per-input splines (penalised) and raw values, raw products for
            groups; every column scaled to unit mean square, each spline block's penalty
            normalised to the size of its cross-products (as mgcv does), so that one
            smoothing parameter suits all blocks.
        """
        columns = [c for c in columns if self.varying[c]]
        blocks: list[np.ndarray] = [np.ones((self.n, 1))]
        penalties: list[np.ndarray | None] = [None]
        for c in columns:
            if self.discrete[c]:
                blocks.append(self.raw[:, [c]])
                penalties.append(None)
                continue
            spline = self.spline(c)
            blocks += [spline, self.raw[:, [c]]]
            penalties += [difference_penalty(spline.shape[1]), None]
        for subset in multilinear_subsets(len(columns)):
            blocks.append(np.prod(self.raw[:, [columns[i] for i in subset]], axis=1)[:, None])
            penalties.append(None)
        if self.pair_knots:
            # varying coefficients: the raw value of one input times a smooth function of
            # another (e.g. F_CV / F_V), for every ordered pair
            for a in columns:
                for b in columns:
                    if a != b and not self.discrete[b]:
                        blocks.append(self.raw[:, [a]] * self.coarse(b))
                        penalties.append(difference_penalty(self.coarse(b).shape[1]))
        matrix = np.hstack(blocks)
        scale = np.sqrt(np.einsum("ij,ij->j", matrix, matrix) / self.n)
        scale[scale == 0] = 1.0
        matrix /= scale
        p = matrix.shape[1]
        penalty = np.zeros((p, p))
        start = 0
        for block, block_penalty in zip(blocks, penalties, strict=True):
            stop = start + block.shape[1]
            if block_penalty is not None:
                sub = block_penalty / np.outer(scale[start:stop], scale[start:stop])
                gram = matrix[:, start:stop].T @ matrix[:, start:stop]
                penalty[start:stop, start:stop] = sub * (
                    np.linalg.norm(gram) / np.linalg.norm(sub)
                )
            start = stop
        return Design(matrix, penalty, scale)
