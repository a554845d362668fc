"""Value of information from exact conditional means: crossings, pieces and EVPPI.

With ``mu_k(theta_S) = E[V_k | theta_S]`` and ``k0`` the option with the highest mean,
``EVPPI(S) = E[max_k mu_k(theta_S) - mu_k0(theta_S)]``.

* One parameter. ``mu_k(theta) = sum_a w[k, a] f_a(theta)`` with the parameter's factors
  ``f_a`` (:class:`~agi_interventions.exact.engine.ExactEngine` gives the weights), a
  rational function of ``theta``. The crossings of every pair of options are the real roots
  of a polynomial (:func:`best_pieces`); between two crossings one option is best, and the
  integral over each piece is a sum of partial expectations of factors
  (:func:`~agi_interventions.exact.moments.partial_expectation`, quadrature): exact
  (:func:`piecewise_evppi`). The crossings where the best option changes are the switching
  values (:func:`switches`).
* A group. The outer expectation is plain Monte Carlo over the group's parameters
  (independent draws from their priors; the conditional means themselves are exact), with its
  standard error (:func:`monte_carlo_evppi`).

Everything here works on weights, factors and priors; nothing depends on the engine.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import Polynomial

from agi_interventions.exact.moments import partial_expectation
from agi_interventions.exact.terms import Factor, evaluate_factor, rational_parts
from agi_interventions.priors import Prior

#: A piece of a parameter's support: its ends and the index of the best option on it.
Piece = tuple[float, float, int]


@dataclass(frozen=True)
class Crossing:
    """A point along one parameter where the option with the highest conditional mean changes.

    Attributes
    ----------
    value
        Parameter value of the switch.
    quantile
        Its prior quantile.
    before, after
        The best option below and above the switch.
    """

    value: float
    quantile: float
    before: str
    after: str


def best_pieces(prior: Prior, factors: Sequence[Factor], weights: np.ndarray) -> list[Piece]:
    """Split the support of a parameter where the best conditional mean changes.

    Parameters
    ----------
    prior
        The parameter's prior.
    factors
        The parameter's factors ``f_a``.
    weights
        ``w[k, a]`` with ``E[V_k | theta] = sum_a w[k, a] f_a(theta)``, one row per option.

    Returns
    -------
    list of tuple
        ``(low, high, best)`` per piece in increasing order, covering the support; ``best``
        indexes the rows of ``weights``.
    """
    low, high = prior.support()
    n_options = len(weights)
    roots: list[float] = []
    for k in range(n_options):
        for j in range(k + 1, n_options):
            roots.extend(_real_roots(weights[k] - weights[j], factors, low, high))
    cuts = np.unique(np.array([low, *roots, high]))
    pieces = []
    for a, b in itertools.pairwise(cuts):
        inside = _inner_point(a, b)
        means = np.array([_evaluate(weights[k], factors, inside) for k in range(n_options)])
        pieces.append((float(a), float(b), int(np.argmax(means))))
    return pieces


def piecewise_evppi(
    prior: Prior,
    factors: Sequence[Factor],
    weights: np.ndarray,
    pieces: Sequence[Piece],
    k0: int,
) -> float:
    """Exact EVPPI of one parameter by integration over the pieces.

    Parameters
    ----------
    prior
        The parameter's (uncertain) prior.
    factors
        The parameter's factors.
    weights
        Weights of the options' conditional means (see :func:`best_pieces`).
    pieces
        The pieces of :func:`best_pieces`.
    k0
        Index of the option with the highest mean.

    Returns
    -------
    float
        ``E[max_k E[V_k | theta] - E[V_k0 | theta]]`` (clipped at 0 against rounding).
    """
    gains = [(a, b, weights[best] - weights[k0]) for a, b, best in pieces if best != k0]
    if not gains:
        return 0.0
    lows = np.array([g[0] for g in gains])
    highs = np.array([g[1] for g in gains])
    deltas = np.array([g[2] for g in gains])  # (pieces, factors)
    total = 0.0
    for a, factor in enumerate(factors):
        if np.any(deltas[:, a]):
            total += float(deltas[:, a] @ partial_expectation(prior, factor, lows, highs))
    return max(total, 0.0)


def switches(prior: Prior, pieces: Sequence[Piece], options: Sequence[str]) -> list[Crossing]:
    """Return the ends of pieces where the best option changes.

    Parameters
    ----------
    prior
        The parameter's prior (for the quantile of each switch).
    pieces
        The pieces of :func:`best_pieces`.
    options
        Option names, indexed by the pieces' ``best``.

    Returns
    -------
    list of Crossing
        In increasing parameter value.
    """
    out = []
    for (_, b, before), (_, _, after) in itertools.pairwise(pieces):
        if before != after:
            out.append(Crossing(b, float(prior.dist.cdf(b)), options[before], options[after]))
    return out


def monte_carlo_evppi(means: np.ndarray, k0: int) -> tuple[float, float]:
    """EVPPI as the mean gain over outer draws of exact conditional means.

    Parameters
    ----------
    means
        ``(draws, options)``: each option's conditional mean at each independent draw.
    k0
        Index of the option with the highest mean.

    Returns
    -------
    tuple of float
        The estimate and its Monte Carlo standard error.
    """
    n = len(means)
    gain = means.max(axis=1) - means[:, k0]
    return float(gain.mean()), float(gain.std(ddof=1) / np.sqrt(n))


def _evaluate(weights: np.ndarray, factors: Sequence[Factor], x: float) -> float:
    return float(sum(w * evaluate_factor(f, x) for w, f in zip(weights, factors, strict=True)))


def _inner_point(a: float, b: float) -> float:
    """Return a point strictly inside ``(a, b)`` (either end may be infinite)."""
    if np.isfinite(a) and np.isfinite(b):
        return 0.5 * (a + b)
    if np.isfinite(a):
        return a + max(1.0, abs(a))
    if np.isfinite(b):
        return b - max(1.0, abs(b))
    return 0.0


def _real_roots(
    delta: np.ndarray, factors: Sequence[Factor], low: float, high: float
) -> list[float]:
    """Real roots inside ``(low, high)`` of ``sum_a delta_a f_a(x)`` (rational in x)."""
    if not np.any(delta):
        return []
    parts = [rational_parts(f) for f in factors]
    power_x = max(p[1] for p in parts)
    power_one_minus = max(p[2] for p in parts)
    x_poly = Polynomial([0.0, 1.0])
    one_minus = Polynomial([1.0, -1.0])
    numerator = Polynomial([0.0])
    for d, (num, px, pm) in zip(delta, parts, strict=True):
        if d:
            numerator = numerator + d * num * x_poly ** (power_x - px) * one_minus ** (
                power_one_minus - pm
            )
    numerator = numerator.trim()
    if numerator.degree() < 1:
        return []
    roots = []
    deriv = numerator.deriv()
    for r in numerator.roots():
        # a double root (tangency) can come out as a close complex pair: keep it as a cut,
        # which never changes an integral
        if abs(r.imag) > 1e-6 * max(1.0, abs(r.real)):
            continue
        x = float(r.real)
        for _ in range(3):  # polish with Newton steps
            slope = deriv(x)
            if slope == 0:
                break
            x -= numerator(x) / slope
        if low < x < high:
            roots.append(x)
    return roots
