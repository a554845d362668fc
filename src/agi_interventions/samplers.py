"""Exact, vectorised direct samplers of the prior families, for :func:`api.simulate`.

Every family is drawn by an exact construction, never by an approximation of its inverse CDF:

==============  ==========================================================================
``uniform``     ``low + (high - low) U``
``loguniform``  ``exp(log low + (log high - log low) U)``
``normal``      ``mean + sd Z``, ``Z`` from NumPy's ziggurat
``lognormal``   ``exp(mu + sigma Z)``
``logitnormal`` ``low + (high - low) expit(mu + sigma Z)``
``triangular``  the closed-form inverse CDF of ``U`` (the formula NumPy itself uses)
``beta``/       integer shapes with ``a + b - 1 <= 6``: the ``a``-th smallest of ``a + b - 1``
``pert``        uniforms (an order statistic of uniforms is beta distributed); other shapes
                above 1: Cheng's (1978) rejection algorithm BB; otherwise ``Generator.beta``
                (the same for a beta fitted to a ``ci90``)
``truncnormal`` the prior's inverse CDF (scipy) of ``U``
``fixed``       the constant
==============  ==========================================================================

``U`` is uniform on [0, 1) and ``Z`` standard normal. A :class:`BatchSampler` draws all the
uniforms of a batch in one call and all the normals in another, into buffers of a
:class:`Workspace` that is reused batch after batch (allocating fresh arrays of a few hundred
kilobytes per operation costs more than the arithmetic, in page faults), and transforms them in
place. What a batch draws depends only on the priors, the batch size and the generator.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping

import numpy as np
from scipy import special

from agi_interventions.priors import Prior

#: Largest number of uniforms an order-statistic beta sampler uses (``a + b - 1``).
ORDER_STATISTIC_MAX = 6

#: Optimal sorting networks (Knuth, TAOCP vol. 3, 5.3.4) as compare-exchange pairs.
SORTING_NETWORKS: dict[int, tuple[tuple[int, int], ...]] = {
    1: (),
    2: ((0, 1),),
    3: ((0, 2), (0, 1), (1, 2)),
    4: ((0, 1), (2, 3), (0, 2), (1, 3), (1, 2)),
    5: ((0, 1), (3, 4), (2, 4), (2, 3), (1, 4), (0, 3), (0, 2), (1, 3), (1, 2)),
    6: (
        (1, 2),
        (4, 5),
        (0, 2),
        (3, 5),
        (0, 1),
        (3, 4),
        (1, 4),
        (0, 3),
        (2, 5),
        (1, 3),
        (2, 4),
        (2, 3),
    ),
}


def selection_network(k: int, rank: int) -> list[tuple[int, int, bool, bool]]:
    """Prune a sorting network of ``k`` wires to the operations that select one rank.

    Parameters
    ----------
    k
        Number of values (a key of :data:`SORTING_NETWORKS`).
    rank
        Zero-based rank wanted (0 is the minimum).

    Returns
    -------
    list of (i, j, need_min, need_max)
        Compare-exchanges in order; after them wire ``rank`` holds the ``rank``-th smallest
        value. ``need_min``/``need_max`` say whether wire ``i`` (the minimum) or wire ``j``
        (the maximum) is read later; an exchange with neither is dropped.
    """
    if rank == 0:  # a chain of minima
        return [(0, j, True, False) for j in range(1, k)]
    if rank == k - 1:  # a chain of maxima
        return [(j, k - 1, False, True) for j in range(k - 1)]
    needed = {rank}
    kept: list[tuple[int, int, bool, bool]] = []
    for i, j in reversed(SORTING_NETWORKS[k]):
        need_min, need_max = i in needed, j in needed
        if need_min or need_max:
            kept.append((i, j, need_min, need_max))
            needed |= {i, j}
    return kept[::-1]


class Workspace:
    """Buffers of one thread, reused for every batch it draws.

    All the rows are carved out of one allocation: NumPy asks the kernel for huge pages for
    arrays of 4 MB or more, and touching a few 4 KB-paged buffers of a few MB for the first
    time costs milliseconds per call in page faults.

    Parameters
    ----------
    size
        Largest batch.
    uniform_rows, normal_rows, own_rows, extra_rows
        Rows for the priors drawn from a uniform, from a standard normal, by their own
        sampler, and rows for the caller (``extra``).

    Attributes
    ----------
    uniforms, normals, own, scratch, extra
        Flat views (see :meth:`rows`); ``scratch`` is room for samplers that need some of
        their own (order statistics, rejection).
    mask
        A boolean row.
    """

    def __init__(
        self, size: int, uniform_rows: int, normal_rows: int, own_rows: int, extra_rows: int = 0
    ) -> None:
        self.size = size
        counts = (uniform_rows, normal_rows, own_rows, ORDER_STATISTIC_MAX + 1, extra_rows)
        buffer = np.empty(sum(counts) * size)
        ends = np.cumsum((0, *counts)) * size
        self.uniforms, self.normals, self.own, self.scratch, self.extra = (
            buffer[start:end] for start, end in itertools.pairwise(ends)
        )
        self.mask = np.empty(size, dtype=bool)

    @staticmethod
    def rows(buffer: np.ndarray, k: int, m: int) -> np.ndarray:
        """Return the first ``k * m`` values of a flat buffer as a contiguous ``(k, m)`` array."""
        return buffer[: k * m].reshape(k, m)


Transform = Callable[[np.ndarray, Workspace], np.ndarray]
Own = Callable[[np.random.Generator, np.ndarray, Workspace], None]


def _affine(loc: float, scale: float, exp: bool) -> Transform:
    def transform(x: np.ndarray, ws: Workspace) -> np.ndarray:
        x *= scale
        x += loc
        if exp:
            np.exp(x, out=x)
        return x

    return transform


def _logistic(mu: float, sigma: float, loc: float, scale: float) -> Transform:
    def transform(z: np.ndarray, ws: Workspace) -> np.ndarray:
        with np.errstate(over="ignore"):  # a logit beyond the doubles is an end of the support
            z *= sigma
            z += mu
        special.expit(z, out=z)
        z *= scale
        z += loc
        return z

    return transform


def _triangular(low: float, mode: float, high: float) -> Transform:
    span = high - low
    cut = (mode - low) / span
    left_area, right_area = span * (mode - low), span * (high - mode)

    def transform(u: np.ndarray, ws: Workspace) -> np.ndarray:
        m = u.shape[0]
        left, right = ws.mask[:m], ws.scratch[:m]
        np.less(u, cut, out=left)
        np.subtract(1.0, u, out=right)
        right *= right_area
        np.sqrt(right, out=right)
        np.subtract(high, right, out=right)
        u *= left_area
        np.sqrt(u, out=u)
        u += low
        return np.where(left, u, right)

    return transform


def _order_statistic(shape_a: int, shape_b: int, loc: float, scale: float) -> Own:
    k = shape_a + shape_b - 1
    network = selection_network(k, shape_a - 1)

    def draw(rng: np.random.Generator, out: np.ndarray, ws: Workspace) -> None:
        m = out.shape[0]
        block = ws.rows(ws.scratch, k + 1, m)
        rng.random(out=block[:k])
        wires = [block[w] for w in range(k)]
        spare = block[k]
        for i, j, need_min, need_max in network:
            if need_min and need_max:
                np.minimum(wires[i], wires[j], out=spare)
                np.maximum(wires[i], wires[j], out=wires[j])
                wires[i], spare = spare, wires[i]
            elif need_min:
                np.minimum(wires[i], wires[j], out=wires[i])
            else:
                np.maximum(wires[i], wires[j], out=wires[j])
        np.multiply(wires[shape_a - 1], scale, out=out)
        out += loc

    return draw


def cheng_bb(
    rng: np.random.Generator,
    a: float,
    b: float,
    out: np.ndarray,
    scratch: np.ndarray | None = None,
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Fill ``out`` with Beta(a, b) draws by Cheng's algorithm BB (needs ``min(a, b) > 1``).

    Cheng, R. C. H. (1978), "Generating beta variates with nonintegral shape parameters",
    Communications of the ACM 21(4), 317-322 (as in R's ``rbeta``): exact rejection sampling
    from a log-logistic envelope, accepting most candidates (89% for Beta(4.2, 1.8), the
    PERT(0, 0.8, 1) of the baseline; 73% for Beta(40, 1.2)); rejected positions are drawn
    again until every position holds an accepted candidate.

    Parameters
    ----------
    rng
        Generator.
    a, b
        Shapes, both above 1.
    out
        One-dimensional array to fill.
    scratch, mask
        Optional room: at least 5 float rows and one boolean row of ``len(out)``.

    Returns
    -------
    numpy.ndarray
        ``out``.
    """
    if not (a > 1.0 and b > 1.0):
        raise ValueError(f"algorithm BB needs both shapes above 1 (got {a}, {b})")
    swap = a > b
    small, large = (b, a) if swap else (a, b)
    alpha = small + large
    beta = math.sqrt((alpha - 2.0) / (2.0 * small * large - alpha))
    gamma = small + 1.0 / beta
    log4 = math.log(4.0)

    def candidates(target: np.ndarray, rows: np.ndarray, accept: np.ndarray) -> np.ndarray:
        u1, u2, v, w, z = rows[0], rows[1], rows[2], rows[3], rows[4]
        rng.random(out=rows[:2])
        np.subtract(1.0, u1, out=v)
        np.divide(u1, v, out=v)
        np.log(v, out=v)
        v *= beta  # v = beta log(u1 / (1 - u1))
        np.exp(v, out=w)
        w *= small  # w = a exp(v)
        np.multiply(u1, u1, out=z)
        z *= u2  # z = u1^2 u2
        r = v
        r *= gamma
        r -= log4  # r = gamma v - log 4
        s = u2
        np.add(r, small, out=s)
        s -= w  # s = a + r - w
        np.multiply(z, 5.0, out=target)
        target -= 2.609438
        np.greater_equal(s, target, out=accept)  # s + 2.609438 >= 5 z: a quick accept
        t = z
        np.log(z, out=t)
        accept |= s > t
        b_w = target
        np.add(w, large, out=b_w)
        q = s
        np.divide(alpha, b_w, out=q)
        np.log(q, out=q)
        q *= alpha
        q += r
        accept |= q >= t  # r + alpha log(alpha / (b + w)) >= log z
        accept &= u1 > 0.0  # log(0) would accept x = 0, an atom of probability 2^-53
        if swap:
            np.divide(large, b_w, out=target)
        else:
            np.divide(w, b_w, out=target)
        return accept

    m = out.shape[0]
    rows = np.empty((5, m)) if scratch is None else scratch[: 5 * m].reshape(5, m)
    accept = np.empty(m, dtype=bool) if mask is None else mask[:m]
    candidates(out, rows, accept)
    todo = np.flatnonzero(~accept)
    while todo.size:
        fresh = np.empty(todo.size)
        taken = candidates(fresh, np.empty((5, todo.size)), np.empty(todo.size, dtype=bool))
        out[todo[taken]] = fresh[taken]
        todo = todo[~taken]
    return out


def _cheng(shape_a: float, shape_b: float, loc: float, scale: float) -> Own:
    def draw(rng: np.random.Generator, out: np.ndarray, ws: Workspace) -> None:
        cheng_bb(rng, shape_a, shape_b, out, ws.scratch, ws.mask)
        out *= scale
        out += loc

    return draw


def _numpy_beta(shape_a: float, shape_b: float, loc: float, scale: float) -> Own:
    def draw(rng: np.random.Generator, out: np.ndarray, ws: Workspace) -> None:
        np.multiply(rng.beta(shape_a, shape_b, out.shape[0]), scale, out=out)
        out += loc

    return draw


def _inverse_cdf(prior: Prior) -> Own:
    def draw(rng: np.random.Generator, out: np.ndarray, ws: Workspace) -> None:
        out[:] = prior.ppf(rng.random(out.shape[0]))

    return draw


def _constant(value: float) -> Own:
    def draw(rng: np.random.Generator, out: np.ndarray, ws: Workspace) -> None:
        out.fill(value)

    return draw


def beta_sampler(shape_a: float, shape_b: float, loc: float = 0.0, scale: float = 1.0) -> Own:
    """Choose the exact beta sampler for given shapes (see the module's table).

    Parameters
    ----------
    shape_a, shape_b
        Beta shapes.
    loc, scale
        The draw is ``loc + scale X`` with ``X ~ Beta(shape_a, shape_b)``.

    Returns
    -------
    callable
        ``draw(rng, out, workspace)`` filling ``out``.
    """
    integral = float(shape_a).is_integer() and float(shape_b).is_integer()
    if integral and shape_a + shape_b - 1 <= ORDER_STATISTIC_MAX:
        return _order_statistic(int(shape_a), int(shape_b), loc, scale)
    if shape_a > 1.0 and shape_b > 1.0:
        return _cheng(float(shape_a), float(shape_b), loc, scale)
    return _numpy_beta(float(shape_a), float(shape_b), loc, scale)


class BatchSampler:
    """Draw batches of independent samples from a set of priors, exactly.

    Parameters
    ----------
    priors
        Parameter name to validated prior.
    """

    def __init__(self, priors: Mapping[str, Prior]) -> None:
        self.names = list(priors)
        self._uniform: list[tuple[str, Transform]] = []
        self._normal: list[tuple[str, Transform]] = []
        self._own: list[tuple[str, Own]] = []
        for name, prior in priors.items():
            kind, how = _plan(prior)
            {"uniform": self._uniform, "normal": self._normal, "own": self._own}[kind].append(
                (name, how)  # type: ignore[arg-type]
            )

    def workspace(self, size: int, extra_rows: int = 0) -> Workspace:
        """Allocate the buffers for batches of at most ``size`` draws (and ``extra_rows``)."""
        return Workspace(size, len(self._uniform), len(self._normal), len(self._own), extra_rows)

    def draw(self, rng: np.random.Generator, m: int, ws: Workspace) -> dict[str, np.ndarray]:
        """Draw ``m`` samples of every prior.

        Parameters
        ----------
        rng
            The batch's generator.
        m
            Number of draws (at most ``ws.size``).
        ws
            This thread's workspace; the arrays returned are views into it, valid until the
            next call with the same workspace.

        Returns
        -------
        dict of str to numpy.ndarray
            One array of ``m`` draws per prior, in the order of the priors.
        """
        values: dict[str, np.ndarray] = {}
        if self._uniform:
            block = ws.rows(ws.uniforms, len(self._uniform), m)
            rng.random(out=block)
            for row, (name, transform) in enumerate(self._uniform):
                values[name] = transform(block[row], ws)
        if self._normal:
            block = ws.rows(ws.normals, len(self._normal), m)
            rng.standard_normal(out=block)
            for row, (name, transform) in enumerate(self._normal):
                values[name] = transform(block[row], ws)
        own = ws.rows(ws.own, len(self._own), m)
        for row, (name, draw) in enumerate(self._own):
            draw(rng, own[row], ws)
            values[name] = own[row]
        return {name: values[name] for name in self.names}


def _plan(prior: Prior) -> tuple[str, Transform | Own]:
    """Return how one prior is drawn: from a uniform, a normal, or by its own sampler."""
    a = prior.args
    family = prior.family
    if prior.is_fixed:
        return "own", _constant(float(prior.value))  # type: ignore[arg-type]
    if family == "uniform":
        low, high = float(a["low"]), float(a["high"])
        return "uniform", _affine(low, high - low, exp=False)
    if family == "loguniform":
        log_low = math.log(a["low"])
        return "uniform", _affine(log_low, math.log(a["high"]) - log_low, exp=True)
    if family == "normal":
        return "normal", _affine(float(prior.dist.mean()), float(prior.dist.std()), exp=False)
    if family == "lognormal":
        mu, sigma = math.log(float(prior.dist.kwds["scale"])), float(prior.dist.kwds["s"])
        return "normal", _affine(mu, sigma, exp=True)
    if family == "logitnormal":
        mu, sigma = (float(x) for x in prior.dist.args)
        loc, scale = float(prior.dist.kwds["loc"]), float(prior.dist.kwds["scale"])
        return "normal", _logistic(mu, sigma, loc, scale)
    if family == "triangular":
        return "uniform", _triangular(*(float(a[k]) for k in ("low", "mode", "high")))
    if family in ("beta", "pert"):
        shape_a, shape_b = (float(x) for x in prior.dist.args)
        loc, scale = float(prior.dist.kwds["loc"]), float(prior.dist.kwds["scale"])
        return "own", beta_sampler(shape_a, shape_b, loc, scale)
    return "own", _inverse_cdf(prior)
