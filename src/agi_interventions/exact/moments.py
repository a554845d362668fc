"""One-dimensional moments of factor functions under a parameter's prior.

For a parameter ``theta`` with prior ``p`` and factors ``f_1 .. f_F`` (products of ``x``,
``1-x``, ``1/x``, ``1/(1-x)``; see :mod:`agi_interventions.exact.terms`), the exact engine needs

* the means ``m_a = E[f_a(theta)]``,
* the covariances ``C_ab = E[(f_a - m_a)(f_b - m_b)]`` (computed directly, never as
  ``E[f_a f_b] - m_a m_b``, so no digits are lost to cancellation), and
* partial expectations ``E[f(theta); a < theta < b]`` for the value of information.

Polynomial factors use the prior's analytic moments (``scipy.stats``: mean, variance,
skewness, kurtosis), expanded around the mean. Reciprocal factors need a support bounded away
from the pole, which prior validation guarantees for ``F_V`` (its support must lie inside
(0, 1)); they are integrated with double-exponential (tanh-sinh) quadrature,
:func:`scipy.integrate.tanhsinh`, relative tolerance 1e-12, on pieces between prior quantiles
(see :func:`integrate_density`). The same quadrature gives the partial expectations.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import Polynomial
from numpy.typing import ArrayLike
from scipy import integrate

from agi_interventions.exact.terms import Factor, evaluate_factor, is_polynomial, rational_parts
from agi_interventions.priors import Prior

logger = logging.getLogger(__name__)

#: Relative tolerance of every quadrature.
QUAD_RTOL = 1e-12
#: Prior quantiles at which quadrature ranges are split into pieces.
_SPLIT_QUANTILES = np.array([1e-6, 1e-3, 0.05, 0.25, 0.5, 0.75, 0.95, 1 - 1e-3, 1 - 1e-6])


class MomentError(ValueError):
    """A factor has no finite moment under a prior (e.g. ``1/x`` with support reaching 0)."""


def _polynomial(factor: Factor) -> Polynomial:
    numerator, power_x, power_one_minus = rational_parts(factor)
    if power_x or power_one_minus:
        raise ValueError(f"factor {factor} is not a polynomial")
    return numerator


def _central_moments(prior: Prior, order: int) -> np.ndarray:
    """Central moments ``kappa_0 .. kappa_order`` of a prior (``kappa_1 = 0``)."""
    dist = prior.dist
    kappa = np.zeros(order + 1)
    kappa[0] = 1.0
    if order >= 2:
        if order == 2:
            mean, var = (float(v) for v in dist.stats(moments="mv"))
            known = {2: var}
        else:
            mean, var, skew, kurt = (float(v) for v in dist.stats(moments="mvsk"))
            sd = math.sqrt(var)
            known = {2: var, 3: skew * sd**3, 4: (kurt + 3.0) * var**2}
        for k in range(2, order + 1):
            if k in known:
                kappa[k] = known[k]
            else:  # from raw moments (not needed by the model's factors)
                kappa[k] = sum(
                    math.comb(k, j) * float(dist.moment(j)) * (-mean) ** (k - j)
                    for j in range(k + 1)
                )
    if not np.all(np.isfinite(kappa)):
        raise MomentError(
            f"{prior.name}: {prior.describe()} has no finite moment of order {order}"
        )
    return kappa


def _pieces(prior: Prior, low: np.ndarray, high: np.ndarray, bounded: bool):
    """Quadrature pieces of each range, split at fixed prior quantiles (and the mode).

    On a bounded support the pieces are on the probability scale ``u = F(x)``; otherwise on
    the parameter scale.
    """
    dist = prior.dist
    splits = np.asarray(dist.ppf(_SPLIT_QUANTILES), dtype=np.float64)
    if prior.family == "triangular":  # the density has a kink at the mode
        splits = np.append(splits, float(prior.args["mode"]))
    if bounded:
        splits, low, high = dist.cdf(splits), dist.cdf(low), dist.cdf(high)
    splits = np.unique(splits[np.isfinite(splits)])
    starts, ends, owner = [], [], []
    for i, (a, b) in enumerate(zip(low, high, strict=True)):
        if not a < b:
            continue
        cuts = np.concatenate([[a], splits[(splits > a) & (splits < b)], [b]])
        starts.extend(cuts[:-1])
        ends.extend(cuts[1:])
        owner.extend([i] * (len(cuts) - 1))
    return np.array(starts), np.array(ends), np.array(owner, dtype=np.intp)


def integrate_density(
    prior: Prior, func: Callable[[np.ndarray], np.ndarray], low: ArrayLike, high: ArrayLike
) -> np.ndarray:
    """Integrate ``func(x) * pdf(x)`` over ranges ``[low, high]`` (bounds may be infinite).

    Parameters
    ----------
    prior
        An uncertain prior (with a scipy distribution).
    func
        Vectorised function of the parameter.
    low, high
        Integration ranges (arrays of equal shape, or scalars), clipped to the prior's
        support.

    Returns
    -------
    numpy.ndarray
        One integral per range, to a relative tolerance of about :data:`QUAD_RTOL`:
        double-exponential quadrature (:func:`scipy.integrate.tanhsinh`) on pieces split at
        prior quantiles, of ``func(F^-1(u))`` over ``u`` for a bounded support (so a density
        that is singular at an end, such as a beta with ``a < 1``, does no harm) and of
        ``func(x) pdf(x)`` over ``x`` otherwise.

    Raises
    ------
    MomentError
        If an integral is not finite.
    """
    support_low, support_high = prior.support()
    bounded = math.isfinite(support_low) and math.isfinite(support_high)
    low = np.maximum(np.atleast_1d(np.asarray(low, dtype=np.float64)), support_low)
    high = np.minimum(np.atleast_1d(np.asarray(high, dtype=np.float64)), support_high)
    starts, ends, owner = _pieces(prior, low, high, bounded)
    if bounded:  # a piece of probability below 1e-280 adds nothing a double can hold
        wide = ends - starts > 1e-280
        starts, ends, owner = starts[wide], ends[wide], owner[wide]
    total = np.zeros(low.shape)
    if not owner.size:
        return total
    dist = prior.dist

    if bounded:

        def integrand(u: np.ndarray) -> np.ndarray:
            return np.asarray(func(dist.ppf(u)), dtype=np.float64)

    else:

        def integrand(x: np.ndarray) -> np.ndarray:
            return np.asarray(func(x), dtype=np.float64) * dist.pdf(x)

    with np.errstate(all="ignore"):
        result = integrate.tanhsinh(integrand, starts, ends, atol=0.0, rtol=QUAD_RTOL)
    values = np.asarray(result.integral, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise MomentError(f"{prior.name}: an integral under {prior.describe()} is not finite")
    np.add.at(total, owner, values)
    error = np.zeros(low.shape)
    np.add.at(error, owner, np.asarray(result.error, dtype=np.float64))
    loose = error > 1e-9 * np.maximum(np.abs(total), np.finfo(float).tiny)
    if loose.any():
        logger.warning(
            "%s: quadrature under %s has a relative error estimate up to %.3g",
            prior.name,
            prior.describe(),
            float(np.max(error[loose] / np.maximum(np.abs(total[loose]), 1e-300))),
        )
    return total


@dataclass(frozen=True)
class FactorMoments:
    """Means and covariances of a parameter's factors under its prior.

    Attributes
    ----------
    factors
        The factors, in the order of the arrays.
    mean
        ``E[f_a]``, shape ``(F,)``.
    cov
        ``Cov(f_a, f_b)``, shape ``(F, F)``; zero for a fixed parameter.
    """

    factors: tuple[Factor, ...]
    mean: np.ndarray
    cov: np.ndarray

    @property
    def gram(self) -> np.ndarray:
        """``E[f_a f_b] = Cov + mean mean^T``."""
        return self.cov + np.outer(self.mean, self.mean)


def factor_moments(prior: Prior, factors: Sequence[Factor]) -> FactorMoments:
    """Compute the means and covariances of factors under a prior.

    Parameters
    ----------
    prior
        A validated prior (fixed or uncertain).
    factors
        Factors of this parameter (``()`` is the constant 1).

    Returns
    -------
    FactorMoments
        Exact for polynomial factors (analytic moments), quadrature otherwise.

    Raises
    ------
    MomentError
        If a moment is infinite or a reciprocal factor meets an unbounded support.
    """
    factors = tuple(factors)
    n = len(factors)
    if prior.is_fixed:
        mean = np.array([float(evaluate_factor(f, prior.value)) for f in factors])
        if not np.all(np.isfinite(mean)):
            raise MomentError(f"{prior.name}: a factor is not finite at the fixed value")
        return FactorMoments(factors, mean, np.zeros((n, n)))
    if prior.is_discrete:
        return _atom_moments(prior, factors)
    if all(is_polynomial(f) for f in factors):
        return _polynomial_moments(prior, factors)
    return _quadrature_moments(prior, factors)


def _atom_moments(prior: Prior, factors: tuple[Factor, ...]) -> FactorMoments:
    """Exact moments of a discrete prior: sums over its atoms."""
    atoms, probabilities = prior.atoms()
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.array([evaluate_factor(f, atoms) for f in factors])  # (factors, atoms)
    if not np.all(np.isfinite(values[:, probabilities > 0])):
        raise MomentError(f"{prior.name}: a factor is not finite at one of its values")
    values = np.where(probabilities > 0, values, 0.0)
    mean = values @ probabilities
    centred = values - mean[:, None]
    cov = (centred * probabilities) @ centred.T
    return FactorMoments(factors, mean, cov)


def _polynomial_moments(prior: Prior, factors: tuple[Factor, ...]) -> FactorMoments:
    mu = float(prior.dist.mean())
    shift = Polynomial([mu, 1.0])  # x = mu + t
    central = [_polynomial(f)(shift).coef for f in factors]  # coefficients in t = x - mu
    order = 2 * max(len(c) - 1 for c in central)
    kappa = _central_moments(prior, max(order, 2))
    mean = np.array([sum(c[k] * kappa[k] for k in range(len(c))) for c in central])
    n = len(factors)
    cov = np.zeros((n, n))
    for a in range(n):
        for b in range(a, n):
            ca, cb = central[a], central[b]
            value = sum(
                ca[k] * cb[j] * (kappa[k + j] - kappa[k] * kappa[j])
                for k in range(1, len(ca))
                for j in range(1, len(cb))
            )
            cov[a, b] = cov[b, a] = value
    return FactorMoments(factors, mean, cov)


def _quadrature_moments(prior: Prior, factors: tuple[Factor, ...]) -> FactorMoments:
    low, high = prior.support()
    if not (math.isfinite(low) and math.isfinite(high)):
        raise MomentError(
            f"{prior.name}: reciprocal factors need a bounded support, got {prior.describe()}"
        )
    for f in factors:
        _, power_x, power_one_minus = rational_parts(f)
        if (power_x and low <= 0.0 <= high) or (power_one_minus and low <= 1.0 <= high):
            raise MomentError(
                f"{prior.name}: support [{low:g}, {high:g}] reaches a pole of factor "
                f"{'·'.join(f) or '1'}"
            )
    mean = np.array(
        [
            integrate_density(prior, lambda x, f=f: evaluate_factor(f, x), low, high)[0]
            for f in factors
        ]
    )
    n = len(factors)
    cov = np.zeros((n, n))
    for a in range(n):
        for b in range(a, n):
            if not factors[a] or not factors[b]:
                continue  # the constant factor has no covariance

            def centred(x: np.ndarray, a: int = a, b: int = b) -> np.ndarray:
                return (evaluate_factor(factors[a], x) - mean[a]) * (
                    evaluate_factor(factors[b], x) - mean[b]
                )

            cov[a, b] = cov[b, a] = integrate_density(prior, centred, low, high)[0]
    return FactorMoments(factors, mean, cov)


def partial_expectation(
    prior: Prior, factor: Factor, low: ArrayLike, high: ArrayLike
) -> np.ndarray:
    """Return ``E[f(theta); low < theta < high]`` for one or several ranges.

    Parameters
    ----------
    prior
        An uncertain prior.
    factor
        The factor ``f``.
    low, high
        The ranges (arrays of equal shape or scalars; bounds may be infinite).

    Returns
    -------
    numpy.ndarray
        The integral of ``f * pdf`` over each range.
    """
    return integrate_density(prior, lambda x: evaluate_factor(factor, x), low, high)
