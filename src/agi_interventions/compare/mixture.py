r"""Value of information about one parameter under a credence-weighted mixture of worldviews.

Under the mixture ``P = sum_w c_w P_w`` of worldviews that share a parameter ``theta``,
``E[V_k | theta] = sum_w P(w | theta) E_w[V_k | theta]`` with ``P(w | theta)`` proportional to
``c_w p_w(theta)`` (the components' prior densities of ``theta``), and the parameter's EVPPI is
``E[max_k E[V_k | theta]] - max_k E[V_k]``.

**Exact** (:func:`mixture_evppi_exact`), where every component has the exact engine. Write
``m_wk(theta) = E_w[V_k | theta] = sum_a W_w[k, a] f_a(theta)`` (the engine's factor weights)
and ``s_k(theta) = sum_w c_w p_w(theta) m_wk(theta)``, the pooled conditional mean times the
pooled density. The best option ``k*(theta) = argmax_k s_k(theta)`` is constant between the
points where two ``s_k`` cross, and

    ``E[max_k E[V_k | theta]] = int s_k*(theta) dtheta
    = sum_w c_w sum_pieces E_w[m_w,k*(theta); theta in piece]``,

a sum of the components' partial expectations of their own factors
(:func:`agi_interventions.exact.moments.partial_expectation`), no sampling anywhere. The
crossings are found on a grid of every component's quantiles (normal scores -8 to 8, so also
in heavy tails) and refined by root finding. Components whose prior puts mass on points
(``fixed``, or a discrete prior) contribute at those points, where only they have mass.
With one component this is the engine's own exact EVPPI.

**Monte Carlo** (:func:`mixture_evppi_monte_carlo`) otherwise, from the worldviews' stored
independent draws: a sample of the mixture is the first ``round(c_w n)`` draws of each
worldview (stratified by worldview), and the regression estimator of
:mod:`agi_interventions.voi.estimators` gives the EVPPI and its interval from it.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from agi_interventions.exact.engine import ExactEngine
from agi_interventions.exact.moments import partial_expectation
from agi_interventions.exact.terms import Factor, evaluate_factor
from agi_interventions.priors import Prior

logger = logging.getLogger(__name__)

#: Normal scores spanned by each component's quantile grid, and the grid's size.
GRID_Z = 8.0
GRID_POINTS = 4001


@dataclass(frozen=True)
class _Part:
    """One component's view of the parameter: credence, prior, factors and weights."""

    credence: float
    prior: Prior
    factors: tuple[Factor, ...]
    weights: np.ndarray  # (K, F)

    def means_at(self, x: np.ndarray) -> np.ndarray:
        """``m_wk(x)`` for every option, shape ``(K, len(x))``."""
        basis = np.stack([np.broadcast_to(evaluate_factor(f, x), x.shape) for f in self.factors])
        return self.weights @ basis


def shared_parameters(views: Sequence) -> list[str]:
    """List the inputs of every worldview that are uncertain in at least one of them.

    Parameters
    ----------
    views
        :class:`agi_interventions.priors.Worldview` objects.

    Returns
    -------
    list of str
        In the first worldview's design order; structure switches and a variant's own
        categorical inputs are left out (they are not quantities of the world that every
        worldview describes).
    """
    common = [n for n in views[0].priors if all(n in v.priors for v in views)]
    own = set()
    for view in views:
        own |= set(view.structure.switches) | set(view.structure.categorical())
    return [n for n in common if n not in own and any(not v.priors[n].is_fixed for v in views)]


def _grid(prior: Prior) -> np.ndarray:
    z = np.linspace(0.0, GRID_Z, GRID_POINTS // 2 + 1)[1:]
    tail = special.ndtr(-z)  # accurate small probabilities on both sides
    lower = np.asarray(prior.dist.ppf(tail), dtype=np.float64)
    upper = np.asarray(prior.dist.isf(tail), dtype=np.float64)
    middle = np.asarray(prior.dist.ppf([0.5]), dtype=np.float64)
    points = np.concatenate([lower, middle, upper])
    low, high = prior.support()
    return points[np.isfinite(points) & (points > low) & (points < high)]


def _scores(parts: Sequence[_Part], x: np.ndarray) -> np.ndarray:
    """``s_k(x) = sum_w c_w p_w(x) m_wk(x)``, shape ``(K, len(x))``."""
    x = np.atleast_1d(np.asarray(x, dtype=np.float64))
    total = np.zeros((parts[0].weights.shape[0], x.size))
    for part in parts:
        low, high = part.prior.support()
        inside = (x > low) & (x < high)
        if not inside.any():
            continue
        xi = x[inside]
        density = np.asarray(part.prior.dist.pdf(xi), dtype=np.float64)
        with np.errstate(all="ignore"):
            total[:, inside] += part.credence * density * part.means_at(xi)
    return total


def _crossings(parts: Sequence[_Part], a: float, b: float, depth: int = 0) -> list[float]:
    """Points in ``(a, b)`` where the best pooled option changes (best differs at a and b)."""
    best_a, best_b = (int(np.argmax(_scores(parts, np.array([x]))[:, 0])) for x in (a, b))
    if best_a == best_b or depth > 8:
        return []

    def gap(x: float) -> float:
        s = _scores(parts, np.array([x]))[:, 0]
        return float(s[best_a] - s[best_b])

    if gap(a) * gap(b) > 0:  # a third option is best in between: bisect the cell
        middle = 0.5 * (a + b)
        return _crossings(parts, a, middle, depth + 1) + _crossings(parts, middle, b, depth + 1)
    root = optimize.brentq(gap, a, b, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=200)
    best_root = int(np.argmax(_scores(parts, np.array([root]))[:, 0]))
    if best_root in (best_a, best_b):
        return [root]
    return [*_crossings(parts, a, root, depth + 1), root, *_crossings(parts, root, b, depth + 1)]


def _continuous_gain(parts: Sequence[_Part], k0: int) -> float:
    """``sum_w c_w E_w[m_w,k*(theta) - m_w,k0(theta)]`` over the continuous components."""
    grid = np.unique(np.concatenate([_grid(p.prior) for p in parts]))
    if grid.size == 0:
        return 0.0
    best = np.argmax(_scores(parts, grid), axis=0)
    cuts: list[float] = []
    for i in np.flatnonzero(best[1:] != best[:-1]):
        cuts.extend(_crossings(parts, float(grid[i]), float(grid[i + 1])))
    edges = np.array([-np.inf, *sorted(cuts), np.inf])
    # the best option on each piece, read at a point inside it
    inner = []
    for lo, hi in itertools.pairwise(edges):
        inside = grid[(grid > lo) & (grid < hi)]
        inner.append(float(inside[inside.size // 2]) if inside.size else 0.5 * (lo + hi))
    best_piece = np.argmax(_scores(parts, np.array(inner)), axis=0)
    total = 0.0
    for part in parts:
        keep = best_piece != k0
        if not keep.any():
            continue
        lows, highs = edges[:-1][keep], edges[1:][keep]
        deltas = part.weights[best_piece[keep]] - part.weights[k0]  # (pieces, F)
        for a, factor in enumerate(part.factors):
            if np.any(deltas[:, a]):
                integral = partial_expectation(part.prior, factor, lows, highs)
                total += part.credence * float(deltas[:, a] @ integral)
    return total


def _atom_gain(parts: Sequence[_Part], k0: int) -> float:
    """Sum the gains at the points where fixed or discrete components put their mass."""
    masses: dict[float, list[tuple[_Part, float]]] = {}
    for part in parts:
        if part.prior.is_fixed:
            atoms, probabilities = np.array([float(part.prior.value)]), np.array([1.0])
        else:
            atoms, probabilities = part.prior.atoms()
        for atom, probability in zip(atoms, probabilities, strict=True):
            if probability > 0:
                masses.setdefault(float(atom), []).append((part, float(probability)))
    total = 0.0
    for atom, members in masses.items():
        x = np.array([atom])
        score = sum(p.credence * q * p.means_at(x)[:, 0] for p, q in members)
        total += float(np.max(score) - score[k0])
    return total


def mixture_evppi_exact(
    engines: Sequence[ExactEngine], credences: Sequence[float], options: Sequence[str], name: str
) -> float:
    """Exact EVPPI of one shared parameter under the mixture of worldviews.

    Parameters
    ----------
    engines
        Each component's exact engine.
    credences
        Component credences (summing to one; zero ones are skipped).
    options
        Output names of the options.
    name
        The parameter (an input of every component).

    Returns
    -------
    float
        ``E[max_k E[V_k | theta]] - max_k E[V_k]`` under the mixture (clipped at 0 against
        rounding); see the module docstring.
    """
    if not np.isclose(sum(credences), 1.0, rtol=0, atol=1e-12):
        raise ValueError("credences must sum to one")
    parts, means = [], []
    for engine, credence in zip(engines, credences, strict=True):
        if credence <= 0:
            continue
        parts.append(
            _Part(
                float(credence),
                engine.worldview.priors[name],
                engine.moments[name].factors,
                engine.option_weights(options, name),
            )
        )
        means.append([engine.mean(o) for o in options])
    pooled = np.asarray(credences)[np.asarray(credences) > 0] @ np.asarray(means)
    k0 = int(np.argmax(pooled))
    continuous = [p for p in parts if not (p.prior.is_fixed or p.prior.is_discrete)]
    points = [p for p in parts if p.prior.is_fixed or p.prior.is_discrete]
    gain = 0.0
    if continuous:
        gain += _continuous_gain(continuous, k0)
    if points:
        gain += _atom_gain(points, k0)
    return max(gain, 0.0)


#: The pooled sample's size is a multiple of this, so that the regression's bootstrap gets
#: its full number of equal clusters (:class:`agi_interventions.voi.regression.BootstrapPlan`).
ROW_MULTIPLE = 512


def stratified_rows(sizes: Sequence[int], credences: Sequence[float]) -> list[int]:
    """Rows to take from each worldview so that the pooled rows sample the mixture.

    Parameters
    ----------
    sizes
        Independent draws available per worldview.
    credences
        Credences (summing to one).

    Returns
    -------
    list of int
        About ``c_w n`` per worldview (largest remainders), ``n`` as large as the draws allow
        and, from :data:`ROW_MULTIPLE` rows on, a multiple of it.
    """
    c = np.asarray(credences, dtype=np.float64)
    sizes_ = np.asarray(sizes, dtype=np.int64)
    positive = c > 0
    n = int(np.floor(np.min(sizes_[positive] / c[positive]) + 1e-9))
    if n >= ROW_MULTIPLE:
        n -= n % ROW_MULTIPLE
    exact = c * n
    rows = np.minimum(np.floor(exact + 1e-9).astype(np.int64), sizes_)
    order = np.argsort(-(exact - rows), kind="stable")
    for i in order[: n - int(rows.sum())]:
        if rows[i] < sizes_[i]:
            rows[i] += 1
    return [int(r) for r in rows]


def mixture_evppi_monte_carlo(
    inputs: Sequence[np.ndarray],
    values: Sequence[np.ndarray],
    credences: Sequence[float],
    *,
    n_bootstrap: int,
    seed: int,
):
    """Regression EVPPI of one shared parameter under the mixture, from stored draws.

    Parameters
    ----------
    inputs
        Per worldview, the parameter's independent prior draws.
    values
        Per worldview, the options' values at the same draws, ``(n_w, K)``.
    credences
        Credences (summing to one).
    n_bootstrap
        Bootstrap replicates of the regression fit.
    seed
        Seed of the regression's clusters and resamples.

    Returns
    -------
    agi_interventions.voi.estimators.VoIEstimate
        The estimate and its 95% interval.
    """
    from agi_interventions.voi.estimators import evppi

    rows = stratified_rows([len(x) for x in inputs], credences)
    x = np.concatenate([np.asarray(a)[:r] for a, r in zip(inputs, rows, strict=True)])
    y = np.concatenate([np.asarray(v)[:r] for v, r in zip(values, rows, strict=True)])
    return evppi(y, x, n_bootstrap=n_bootstrap, seed=seed)
