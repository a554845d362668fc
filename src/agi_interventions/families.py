"""Prior families: their arguments, argument checks and scipy distributions.

===============  =========================================================================
``fixed``        ``value``
``uniform``      ``low``, ``high``
``loguniform``   ``low``, ``high`` (``0 < low < high``)
``normal``       ``mean``, ``sd`` — or ``ci90: [q05, q95]``
``truncnormal``  ``mean``, ``sd``, ``low``, ``high`` (``mean``/``sd`` of the untruncated
                 normal)
``lognormal``    ``mu``, ``sigma`` (of the logarithm) — or ``ci90: [q05, q95]``
``logitnormal``  ``mu``, ``sigma`` (of the logit) — or ``ci90: [q05, q95]``; optional
                 ``low`` (0), ``high`` (1) to rescale
``beta``         ``a``, ``b`` — or ``ci90: [q05, q95]``; optional ``low`` (0), ``high`` (1)
                 to rescale
``triangular``   ``low``, ``mode``, ``high``
``pert``         ``low``, ``mode``, ``high``, optional ``lamb`` (4)
===============  =========================================================================

``ci90: [q05, q95]`` gives the 5th and 95th percentiles instead of the parameters. The
normal, lognormal and logit-normal are fitted in closed form (the midpoint and half-width of
the interval on the natural, log or logit scale, the half-width divided by
:data:`Z90`). A beta is fitted numerically (:func:`beta_from_ci90`): two quantiles determine
a beta uniquely, so there is no choice between a U-shaped and a bell-shaped fit; the shapes
are kept in :data:`BETA_SHAPES`. For ``beta`` and ``logitnormal`` the interval must lie
inside ``(low, high)``, and a fit whose 5% or 95% quantile misses the one asked for by more
than :data:`CI90_TOLERANCE` of the interval's width is refused, naming the interval (the
closed forms of the normal and lognormal match to rounding). :func:`prior_fit` gives a
prior's fitted parameters and achieved quantiles, for the report's prior table.

The logit-normal, ``low + (high - low) expit(mu + sigma Z)`` with ``Z`` standard normal, is
:data:`logitnormal`, a :class:`scipy.stats.rv_continuous` whose moments come from adaptive
quadrature on the logit scale (:func:`logitnormal_moments`).

To add a family: write its builder and its argument check here and add it to
:data:`FAMILIES`; validation (:mod:`agi_interventions.priors`), admissibility
(:mod:`agi_interventions.admissibility`) and sampling then work unchanged.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import integrate, optimize, special, stats

if TYPE_CHECKING:
    from agi_interventions.priors import Prior

logger = logging.getLogger(__name__)

#: z such that Phi(z) = 0.95: a 90% central interval is mean +- Z90 sd.
Z90 = float(stats.norm.ppf(0.95))
#: Largest miss of a fitted 5% or 95% quantile, as a fraction of the ``ci90`` width.
CI90_TOLERANCE = 0.01
#: Smallest and largest shape a beta fitted to a ``ci90`` may have. Above 1e6 a beta is
#: numerically unreliable, and an interval that needs more is too narrow for its support
#: (below about 0.0012 of it, for a centred interval). The lower bound never binds: the
#: most extreme interval double precision can write, its ends 5e-324 of ``high - low`` from
#: ``low`` and ``high``, needs shapes of 3.1e-3 (a shape of 1e-3 puts the 5% quantile below
#: 1e-1300 of the support).
BETA_SHAPES = (1e-3, 1e6)
_LOG_SHAPES = (math.log(BETA_SHAPES[0]), math.log(BETA_SHAPES[1]))
#: Probability outside each end of a 90% central interval.
_TAIL = 0.05
#: Range of the standard normal the logit-normal's moments are integrated over: beyond it
#: the normal density is below the smallest double.
_Z_RANGE = 40.0
#: Relative tolerance of the logit-normal's moment quadrature.
_MOMENT_RTOL = 1e-13
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


class FitError(ValueError):
    """A ``ci90`` that a family cannot match (the message is a problem for the user)."""


def _num(x: float) -> str:
    """Format a number for a message: short, yet distinguishing numbers a user would write."""
    return f"{x:.15g}"


def _interval(q05: float, q95: float) -> str:
    return f"[{_num(q05)}, {_num(q95)}]"


# --------------------------------------------------------------------------- closed-form fits


def normal_from_ci90(q05: float, q95: float) -> tuple[float, float]:
    """Return the ``(mean, sd)`` of the normal whose 5% and 95% quantiles are ``q05``, ``q95``."""
    return (q05 + q95) / 2.0, (q95 - q05) / (2.0 * Z90)


def lognormal_from_ci90(q05: float, q95: float) -> tuple[float, float]:
    """Return the ``(mu, sigma)`` of the lognormal with 5% and 95% quantiles ``q05``, ``q95``."""
    mu = (math.log(q05) + math.log(q95)) / 2.0
    sigma = (math.log(q95) - math.log(q05)) / (2.0 * Z90)
    return mu, sigma


def _check_inside(
    family: str, q05: float, q95: float, low: float, high: float
) -> tuple[float, float]:
    """Check that a ``ci90`` lies inside ``(low, high)``; return its ends' relative positions.

    Returns
    -------
    tuple of float
        ``(q05 - low) / (high - low)`` and ``(high - q95) / (high - low)``, both in (0, 1).

    Raises
    ------
    FitError
        If the interval is not inside the support or cannot be rescaled in double precision.
    """
    where = f"ci90 {_interval(q05, q95)}"
    if not (math.isfinite(q05) and math.isfinite(q95) and q05 < q95):
        raise FitError(f"{where} needs finite q05 < q95")
    if not (low < q05 and q95 < high):
        raise FitError(
            f"{where} must lie inside (low, high) = ({_num(low)}, {_num(high)}), the "
            f"support of the {family}"
        )
    span = high - low
    if not math.isfinite(span):
        raise FitError(f"{where} cannot be matched: high - low is not finite in double precision")
    lower, upper = (q05 - low) / span, (high - q95) / span
    if not (lower > 0.0 and upper > 0.0):
        raise FitError(
            f"{where} cannot be matched: it is too close to low or high, relative to high - "
            "low, for double precision; narrow [low, high]"
        )
    return lower, upper


def _misses(dist: Any, q05: float, q95: float) -> tuple[float, float, float]:
    """Return a distribution's 5% and 95% quantiles and their larger miss in interval widths."""
    with np.errstate(all="ignore"):
        got05, got95 = (float(v) for v in dist.ppf([_TAIL, 1.0 - _TAIL]))
    miss = max(abs(got05 - q05), abs(got95 - q95)) / (q95 - q05)
    return got05, got95, miss if math.isfinite(miss) else math.inf


def logitnormal_from_ci90(
    q05: float, q95: float, low: float = 0.0, high: float = 1.0
) -> tuple[float, float]:
    """Fit a logit-normal on ``(low, high)`` to its 5% and 95% quantiles, in closed form.

    Parameters
    ----------
    q05, q95
        The 5% and 95% quantiles wanted, ``low < q05 < q95 < high``.
    low, high
        The support.

    Returns
    -------
    tuple of float
        ``(mu, sigma)`` of the logit ``log((x - low) / (high - x))``: the midpoint and the
        half-width over :data:`Z90` of the interval's logits.

    Raises
    ------
    FitError
        If the interval leaves the support, or the fit misses a quantile by more than
        :data:`CI90_TOLERANCE` of the width (only when the interval is too narrow or too
        close to an end to be resolved in double precision).
    """
    _check_inside("logitnormal", q05, q95, low, high)
    logit05 = math.log(q05 - low) - math.log(high - q05)
    logit95 = math.log(q95 - low) - math.log(high - q95)
    mu, sigma = (logit05 + logit95) / 2.0, (logit95 - logit05) / (2.0 * Z90)
    if sigma > 0.0:
        got05, got95, miss = _misses(logitnormal(mu, sigma, loc=low, scale=high - low), q05, q95)
    else:
        got05 = got95 = math.nan
        miss = math.inf
    if not miss <= CI90_TOLERANCE:
        raise FitError(
            f"ci90 {_interval(q05, q95)} cannot be matched: the logit-normal (mu={mu:.6g}, "
            f"sigma={sigma:.6g}) has 5% and 95% quantiles {_interval(got05, got95)} in double "
            f"precision, more than {CI90_TOLERANCE:.0%} of the interval's width away; the "
            "interval is too narrow to be resolved: use a normal or a fixed value"
        )
    return mu, sigma


# --------------------------------------------------------------------------- beta fit


def _increasing_root(f: Callable[[float], float], lo: float, hi: float) -> tuple[float, int]:
    """Find where a non-decreasing function crosses zero in ``[lo, hi]``.

    Returns
    -------
    tuple
        The crossing, and 0 if it is inside; else the end nearer to it, and -1 (the function
        is non-negative throughout: the crossing is below ``lo``) or +1 (above ``hi``).
    """
    if f(lo) >= 0.0:
        return lo, -1
    if f(hi) <= 0.0:
        return hi, 1
    root = optimize.brentq(f, lo, hi, xtol=1e-13, rtol=8.0 * np.finfo(float).eps, disp=False)
    return float(root), 0


def _beta_quantile_misses(a: float, b: float, lower: float, upper: float) -> float:
    """Larger miss of a Beta(a, b)'s 5% quantile and 95% quantile (in ``1 - x``), relative."""
    got_lower = float(special.betaincinv(a, b, _TAIL))
    got_upper = float(special.betaincinv(b, a, _TAIL))  # 1 - the 95% quantile
    return max(abs(got_lower - lower), abs(got_upper - upper))


@functools.lru_cache(maxsize=4096)
def _beta_shapes(lower: float, upper: float) -> tuple[float, float]:
    """Beta shapes in :data:`BETA_SHAPES` with 5% quantile ``lower``, 95% quantile ``1 - upper``.

    ``P(X <= x)`` is ``betainc(a, b, x)``, decreasing in ``a`` and increasing in ``b``, and
    ``P(X >= 1 - y)`` is ``betainc(b, a, y)`` (exact near 1). For each ``a`` one ``b(a)``
    puts 5% below ``lower`` (increasing in ``a``); along that curve the probability above
    ``1 - upper`` falls from 95% (``a -> 0``: mass 95% near 1) to 0 (``a -> inf``: mass
    near ``lower``) and crosses 5% once, as two quantiles determine a beta uniquely. Both
    one-dimensional roots are bracketed (Brent's method on log shapes), so the fit needs no
    starting point and is deterministic. When the crossing needs a shape outside
    :data:`BETA_SHAPES`, the shapes on the edge of the allowed box that minimise the larger
    quantile miss are returned (the caller refuses them if they miss by too much).
    """
    t_min, t_max = _LOG_SHAPES

    def b_for(a: float) -> float:  # b with P(X <= lower) = 5%, clipped to the box
        u, _ = _increasing_root(
            lambda u: float(special.betainc(a, math.exp(u), lower)) - _TAIL, t_min, t_max
        )
        return math.exp(u)

    def upper_excess(t: float) -> float:  # 5% - P(X >= 1 - upper) along the curve
        a = math.exp(t)
        return _TAIL - float(special.betainc(b_for(a), a, upper))

    # The range of a whose b(a) lies inside the box (b(a) increases with a).
    t_low, _ = _increasing_root(
        lambda t: _TAIL - float(special.betainc(math.exp(t), BETA_SHAPES[0], lower)),
        t_min,
        t_max,
    )
    t_high, _ = _increasing_root(
        lambda t: _TAIL - float(special.betainc(math.exp(t), BETA_SHAPES[1], lower)),
        t_min,
        t_max,
    )
    t, side = _increasing_root(upper_excess, t_low, t_high)
    a = math.exp(t)
    b = b_for(a)
    if side == 0:
        return a, b
    # The exact fit is outside the box: search the edge the curve leaves it by.
    at_low_end = side < 0
    a_on_edge = (t_low <= t_min) if at_low_end else (t_high >= t_max)

    def shapes(s: float) -> tuple[float, float]:
        if a_on_edge:
            return a, math.exp(s)
        return math.exp(s), b

    result = optimize.minimize_scalar(
        lambda s: _beta_quantile_misses(*shapes(s), lower, upper),
        bounds=(t_min, t_max),
        method="bounded",
        options={"xatol": 1e-10},
    )
    candidate = shapes(float(result.x))
    if _beta_quantile_misses(*candidate, lower, upper) < _beta_quantile_misses(a, b, lower, upper):
        return candidate
    return a, b


def beta_from_ci90(
    q05: float, q95: float, low: float = 0.0, high: float = 1.0
) -> tuple[float, float]:
    """Fit a beta on ``(low, high)`` to its 5% and 95% quantiles.

    Two quantiles ``0 < x1 < x2 < 1`` at probabilities ``0 < p1 < p2 < 1`` determine a beta
    uniquely (a beta's density ratio for a larger ``a`` grows with ``x``, for a larger ``b``
    falls with ``x``; see the answer to Cross Validated question 235711, "Do two quantiles
    of a beta distribution determine its parameters?"), so the fit is whichever
    shape, U, J or bell, the interval implies. The shapes are found by nested bracketed
    root finding (:func:`_beta_shapes`), kept in :data:`BETA_SHAPES`.

    Parameters
    ----------
    q05, q95
        The 5% and 95% quantiles wanted, ``low < q05 < q95 < high``.
    low, high
        The support (the beta is rescaled from (0, 1)).

    Returns
    -------
    tuple of float
        The shapes ``(a, b)``.

    Raises
    ------
    FitError
        If the interval leaves the support or no beta with shapes in :data:`BETA_SHAPES`
        matches both quantiles within :data:`CI90_TOLERANCE` of the interval's width (an
        interval too narrow for the support, which needs a shape above 1e6).
    """
    lower, upper = _check_inside("beta", q05, q95, low, high)
    with np.errstate(all="ignore"):
        a, b = _beta_shapes(lower, upper)
        got05, got95, miss = _misses(stats.beta(a, b, loc=low, scale=high - low), q05, q95)
    logger.debug("beta ci90 %s on (%g, %g): a=%r, b=%r", [q05, q95], low, high, a, b)
    if miss <= CI90_TOLERANCE:
        return a, b
    bound = max(a, b) >= BETA_SHAPES[1] * (1.0 - 1e-9)
    reason = (
        f"the interval is too narrow for a beta on ({_num(low)}, {_num(high)}): it needs a "
        f"shape above 1e{round(math.log10(BETA_SHAPES[1]))}, and the closest beta"
        if bound
        else "the closest beta found"
    )
    raise FitError(
        f"ci90 {_interval(q05, q95)} cannot be matched: {reason} (a={a:.6g}, b={b:.6g}) has "
        f"5% and 95% quantiles {_interval(got05, got95)}, more than {CI90_TOLERANCE:.0%} of "
        "the interval's width away; use a logitnormal or truncnormal, or a beta on a "
        "narrower [low, high]"
    )


# --------------------------------------------------------------------------- logit-normal


def _expit(t: float) -> float:
    """Logistic function of a float, without overflow."""
    if t >= 0.0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


def _deviation(z: float, mu: float, sigma: float) -> float:
    """``expit(mu + sigma z) - expit(mu)`` to full relative precision.

    For ``|sigma z| < 1`` the difference is ``sinh(h) / (2 cosh(x/2) cosh(mu/2))`` with
    ``h = sigma z / 2`` and ``x = mu + sigma z`` (exact, and free of cancellation; the
    hyperbolic cosines are scaled by ``exp(-|.|/2)``, so they cannot overflow); otherwise
    the two values differ by at least a fixed fraction of the smaller one, and their
    difference (of the complements when ``mu >= 0``, which are then the smaller) loses
    nothing.
    """
    h = 0.5 * sigma * z
    x = mu + sigma * z
    if abs(h) < 0.5:
        return (
            2.0
            * math.sinh(h)
            * math.exp(-0.5 * (abs(x) + abs(mu)))
            / ((1.0 + math.exp(-abs(x))) * (1.0 + math.exp(-abs(mu))))
        )
    if mu >= 0.0:
        return _expit(-mu) - _expit(-x)
    return _expit(x) - _expit(mu)


def _normal_integral(
    func: Callable[[float], float], mu: float, sigma: float, scale: float
) -> float:
    """``E[func(Z)]`` for standard normal ``Z``, by adaptive Gauss-Kronrod quadrature.

    The range is cut at 0 (the normal's peak) and at ``-mu / sigma``, where the logistic
    function turns (a near-step when ``sigma`` is large). ``scale`` is the size of the
    result, for an absolute tolerance when the result is zero (an odd moment).
    """
    turn = -mu / sigma
    points = [p for p in (turn, 0.0) if -_Z_RANGE < p < _Z_RANGE]

    def integrand(z: float) -> float:
        return func(z) * math.exp(-0.5 * z * z - _LOG_SQRT_2PI)

    value, error, _, *message = integrate.quad(
        integrand,
        -_Z_RANGE,
        _Z_RANGE,
        points=points,
        epsabs=1e-15 * scale,
        epsrel=_MOMENT_RTOL,
        limit=500,
        full_output=1,
    )
    if message:  # roundoff on an odd moment that is zero, or an uneven integrand
        logger.debug("quadrature: %s (error estimate %.3g)", message[0], error)
    return float(value)


@functools.lru_cache(maxsize=1024)
def logitnormal_moments(mu: float, sigma: float) -> tuple[float, float, float, float]:
    """Mean, variance, skewness and excess kurtosis of ``expit(mu + sigma Z)``.

    Parameters
    ----------
    mu, sigma
        Location and scale of the logit (``sigma > 0``).

    Returns
    -------
    tuple of float
        The four moments on (0, 1), to a relative tolerance of about 1e-12 (the skewness to
        about 1e-12 absolute): the mean is ``expit(mu) + E[d]`` and the central moments
        ``E[(d - E[d])^k]``, with ``d = expit(mu + sigma Z) - expit(mu)`` computed free of
        cancellation (:func:`_deviation`), so a narrow prior keeps its digits; each is an
        adaptive quadrature over the standard normal (beyond +-40 its density is below the
        smallest double). Skewness and kurtosis are NaN when the variance underflows.
    """
    mu, sigma = float(mu), float(sigma)
    centre = _expit(mu)
    # a priori size of the spread (the delta method's for a small sigma), for tolerances
    spread = min(centre * (1.0 - centre) * sigma, 0.5) or 1e-300
    shift = _normal_integral(lambda z: _deviation(z, mu, sigma), mu, sigma, spread)
    central = [
        _normal_integral(
            lambda z, k=k: (_deviation(z, mu, sigma) - shift) ** k, mu, sigma, spread**k
        )
        for k in (2, 3, 4)
    ]
    mean, var = centre + shift, central[0]
    if not var > 0.0:
        return mean, var, math.nan, math.nan
    return mean, var, central[1] / var**1.5, central[2] / var**2 - 3.0


@functools.lru_cache(maxsize=1024)
def _logitnormal_raw_moment(n: int, mu: float, sigma: float) -> float:
    """``E[expit(mu + sigma Z)^n]`` by quadrature."""
    return _normal_integral(lambda z: _expit(mu + sigma * z) ** n, mu, sigma, _expit(mu) ** n)


class LogitNormal(stats.rv_continuous):
    """The logit-normal distribution: ``expit(mu + sigma Z)`` with ``Z`` standard normal.

    Shapes ``mu`` (any real) and ``sigma`` (positive) are the location and scale of the
    logit; ``loc`` and ``scale`` rescale the support (0, 1) to ``(loc, loc + scale)``. The
    CDF is ``Phi((logit(x) - mu) / sigma)``, the quantile function
    ``expit(mu + sigma Phi^-1(u))``; the moments (which have no closed form) come from
    :func:`logitnormal_moments`. Draws are ``expit(mu + sigma Z)``, exactly.
    """

    def _argcheck(self, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        return np.isfinite(mu) & np.isfinite(sigma) & (sigma > 0)

    @staticmethod
    def _z(x: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", divide="ignore", under="ignore"):
            return (special.logit(x) - mu) / sigma

    def _logpdf(self, x: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        z = self._z(x, mu, sigma)
        with np.errstate(over="ignore", divide="ignore", under="ignore"):
            return -0.5 * z * z - _LOG_SQRT_2PI - np.log(sigma) - np.log(x) - np.log1p(-x)

    def _pdf(self, x: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", under="ignore"):  # a spike for a tiny sigma
            return np.exp(self._logpdf(x, mu, sigma))

    def _cdf(self, x: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        return special.ndtr(self._z(x, mu, sigma))

    def _sf(self, x: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        return special.ndtr(-self._z(x, mu, sigma))

    def _logcdf(self, x: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        return special.log_ndtr(self._z(x, mu, sigma))

    def _logsf(self, x: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        return special.log_ndtr(-self._z(x, mu, sigma))

    def _ppf(self, q: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return special.expit(mu + sigma * special.ndtri(q))

    def _isf(self, q: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return special.expit(mu - sigma * special.ndtri(q))

    def _rvs(
        self,
        mu: np.ndarray,
        sigma: np.ndarray,
        size: tuple[int, ...] | None = None,
        random_state: np.random.Generator | np.random.RandomState | None = None,
    ) -> np.ndarray:
        with np.errstate(over="ignore"):
            return special.expit(mu + sigma * random_state.standard_normal(size))

    def _stats(
        self, mu: np.ndarray, sigma: np.ndarray, moments: str = "mv"
    ) -> tuple[np.ndarray, ...]:
        table = np.array(
            [logitnormal_moments(float(m), float(s)) for m, s in np.broadcast(mu, sigma)]
        ).reshape((*np.broadcast(mu, sigma).shape, 4))
        return tuple(table[..., i] for i in range(4))

    def _munp(self, n: int, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        values = [
            _logitnormal_raw_moment(int(n), float(m), float(s)) for m, s in np.broadcast(mu, sigma)
        ]
        return np.array(values).reshape(np.broadcast(mu, sigma).shape)


#: The logit-normal distribution (shapes ``mu``, ``sigma``; ``loc``, ``scale`` rescale).
logitnormal = LogitNormal(a=0.0, b=1.0, name="logitnormal", shapes="mu, sigma")


# --------------------------------------------------------------------------- builders


def _pert(low: float, mode: float, high: float, lamb: float = 4.0) -> Any:
    span = high - low
    alpha = 1.0 + lamb * (mode - low) / span
    beta = 1.0 + lamb * (high - mode) / span
    return stats.beta(alpha, beta, loc=low, scale=span)


def _normal(args: Mapping[str, Any]) -> Any:
    if "ci90" in args:
        return stats.norm(*normal_from_ci90(*args["ci90"]))
    return stats.norm(args["mean"], args["sd"])


def _lognormal(args: Mapping[str, Any]) -> Any:
    if "ci90" in args:
        mu, sigma = lognormal_from_ci90(*args["ci90"])
    else:
        mu, sigma = args["mu"], args["sigma"]
    return stats.lognorm(s=sigma, scale=math.exp(mu))


def _truncnormal(args: Mapping[str, Any]) -> Any:
    mean, sd = args["mean"], args["sd"]
    return stats.truncnorm((args["low"] - mean) / sd, (args["high"] - mean) / sd, mean, sd)


def _support(args: Mapping[str, Any]) -> tuple[float, float]:
    """``(low, high)`` of a family rescaled from (0, 1) (defaults 0 and 1)."""
    return args.get("low", 0.0), args.get("high", 1.0)


def _beta(args: Mapping[str, Any]) -> Any:
    low, high = _support(args)
    if "ci90" in args:
        shape_a, shape_b = beta_from_ci90(*args["ci90"], low, high)
    else:
        shape_a, shape_b = args["a"], args["b"]
    return stats.beta(shape_a, shape_b, loc=low, scale=high - low)


def _logitnormal(args: Mapping[str, Any]) -> Any:
    low, high = _support(args)
    if "ci90" in args:
        mu, sigma = logitnormal_from_ci90(*args["ci90"], low, high)
    else:
        mu, sigma = args["mu"], args["sigma"]
    return logitnormal(mu, sigma, loc=low, scale=high - low)


#: The parameters a ``ci90`` is turned into, by family.
_CI90_FITS: dict[str, Callable[[Mapping[str, Any]], dict[str, float]]] = {
    "normal": lambda a: dict(zip(("mean", "sd"), normal_from_ci90(*a["ci90"]), strict=True)),
    "lognormal": lambda a: dict(
        zip(("mu", "sigma"), lognormal_from_ci90(*a["ci90"]), strict=True)
    ),
    "logitnormal": lambda a: dict(
        zip(("mu", "sigma"), logitnormal_from_ci90(*a["ci90"], *_support(a)), strict=True)
    ),
    "beta": lambda a: dict(zip(("a", "b"), beta_from_ci90(*a["ci90"], *_support(a)), strict=True)),
}


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class _Family:
    required: tuple[frozenset[str], ...]  # alternative required argument sets
    optional: frozenset[str]
    build: Callable[[Mapping[str, Any]], Any]
    check: Callable[[Mapping[str, Any]], list[str]]


def _check_low_high(a: Mapping[str, Any]) -> list[str]:
    return [] if a["low"] < a["high"] else [f"needs low < high (got {a['low']}, {a['high']})"]


def _check_positive(*keys: str) -> Callable[[Mapping[str, Any]], list[str]]:
    def check(a: Mapping[str, Any]) -> list[str]:
        return [f"needs {k} > 0 (got {a[k]})" for k in keys if k in a and not a[k] > 0]

    return check


def _check_ci90(positive: bool) -> Callable[[Mapping[str, Any]], list[str]]:
    def check(a: Mapping[str, Any]) -> list[str]:
        if "ci90" not in a:
            return []
        q05, q95 = a["ci90"]
        problems = [] if q05 < q95 else [f"ci90 needs q05 < q95 (got {a['ci90']})"]
        if positive and not q05 > 0:
            problems.append(f"ci90 of a lognormal needs positive bounds (got {a['ci90']})")
        return problems

    return check


def _combine(*checks: Callable[[Mapping[str, Any]], list[str]]):
    def check(a: Mapping[str, Any]) -> list[str]:
        return [p for c in checks for p in c(a)]

    return check


def _check_mode(a: Mapping[str, Any]) -> list[str]:
    if not a["low"] < a["high"]:
        return [f"needs low < high (got {a['low']}, {a['high']})"]
    if not a["low"] <= a["mode"] <= a["high"]:
        return [f"needs low <= mode <= high (got {a['low']}, {a['mode']}, {a['high']})"]
    return []


def _check_truncnormal(a: Mapping[str, Any]) -> list[str]:
    return _check_low_high(a) + _check_positive("sd")(a)


def _check_rescaled(family: str, *positive: str) -> Callable[[Mapping[str, Any]], list[str]]:
    """Check a family on (0, 1) rescaled by optional ``low``, ``high``, and its ``ci90`` fit."""

    def check(a: Mapping[str, Any]) -> list[str]:
        problems = _check_positive(*positive)(a)
        low, high = _support(a)
        if not low < high:
            problems.append(f"needs low < high (got {low}, {high})")
        elif "ci90" in a:
            q05, q95 = a["ci90"]
            if not q05 < q95:
                problems.append(f"ci90 needs q05 < q95 (got {a['ci90']})")
            else:
                try:
                    with np.errstate(all="ignore"):
                        _CI90_FITS[family](a)
                except FitError as err:
                    problems.append(str(err))
                except (ArithmeticError, ValueError, RuntimeError) as err:  # a failed solver
                    logger.debug("%s ci90 fit failed", family, exc_info=True)
                    problems.append(
                        f"ci90 {_interval(q05, q95)} cannot be matched: the fit failed ({err})"
                    )
        return problems

    return check


FAMILIES: dict[str, _Family] = {
    "fixed": _Family((frozenset({"value"}),), frozenset(), lambda a: None, lambda a: []),
    "uniform": _Family(
        (frozenset({"low", "high"}),),
        frozenset(),
        lambda a: stats.uniform(a["low"], a["high"] - a["low"]),
        _check_low_high,
    ),
    "loguniform": _Family(
        (frozenset({"low", "high"}),),
        frozenset(),
        lambda a: stats.loguniform(a["low"], a["high"]),
        _combine(_check_positive("low"), _check_low_high),
    ),
    "normal": _Family(
        (frozenset({"mean", "sd"}), frozenset({"ci90"})),
        frozenset(),
        _normal,
        _combine(_check_positive("sd"), _check_ci90(positive=False)),
    ),
    "truncnormal": _Family(
        (frozenset({"mean", "sd", "low", "high"}),),
        frozenset(),
        _truncnormal,
        _check_truncnormal,
    ),
    "lognormal": _Family(
        (frozenset({"mu", "sigma"}), frozenset({"ci90"})),
        frozenset(),
        _lognormal,
        _combine(_check_positive("sigma"), _check_ci90(positive=True)),
    ),
    "beta": _Family(
        (frozenset({"a", "b"}), frozenset({"ci90"})),
        frozenset({"low", "high"}),
        _beta,
        _check_rescaled("beta", "a", "b"),
    ),
    "triangular": _Family(
        (frozenset({"low", "mode", "high"}),),
        frozenset(),
        lambda a: stats.triang(
            (a["mode"] - a["low"]) / (a["high"] - a["low"]),
            loc=a["low"],
            scale=a["high"] - a["low"],
        ),
        _check_mode,
    ),
    "pert": _Family(
        (frozenset({"low", "mode", "high"}),),
        frozenset({"lamb"}),
        lambda a: _pert(a["low"], a["mode"], a["high"], a.get("lamb", 4.0)),
        _combine(_check_mode, _check_positive("lamb")),
    ),
    "logitnormal": _Family(
        (frozenset({"mu", "sigma"}), frozenset({"ci90"})),
        frozenset({"low", "high"}),
        _logitnormal,
        _check_rescaled("logitnormal", "sigma"),
    ),
}


# --------------------------------------------------------------------------- fitted priors


def fitted_parameters(family: str, args: Mapping[str, Any]) -> dict[str, float]:
    """Return the parameters a prior's distribution is built with.

    Parameters
    ----------
    family
        The family's name.
    args
        The arguments as written (validated).

    Returns
    -------
    dict of str to float
        For a ``ci90``, the parameters fitted in its place, in the family's own names
        (normal: ``mean``, ``sd``; lognormal, logitnormal: ``mu``, ``sigma`` of the log or
        logit; beta: ``a``, ``b``; ``low``/``high`` are left out, being given); otherwise
        the numeric arguments as written.

    Raises
    ------
    FitError
        If the ``ci90`` cannot be matched (validation refuses such priors).
    """
    if "ci90" in args and family in _CI90_FITS:
        with np.errstate(all="ignore"):
            return {k: float(v) for k, v in _CI90_FITS[family](args).items()}
    return {k: float(v) for k, v in args.items() if isinstance(v, int | float)}


@dataclass(frozen=True)
class PriorFit:
    """A prior's parameters and the 5% and 95% quantiles it achieves (the report's table).

    Attributes
    ----------
    family
        The family's name.
    parameters
        :func:`fitted_parameters`: fitted ones for a ``ci90``, else the arguments.
    fitted
        Whether the parameters were fitted to a ``ci90``.
    q05, q95
        The 5% and 95% quantiles the prior achieves (the value, for a fixed prior).
    target
        The ``ci90`` asked for, or None.
    miss
        The larger distance of ``q05``, ``q95`` from the ``ci90``, as a fraction of its
        width (at most :data:`CI90_TOLERANCE` for a beta or logit-normal), or None.
    """

    family: str
    parameters: dict[str, float]
    fitted: bool
    q05: float
    q95: float
    target: tuple[float, float] | None = None
    miss: float | None = None


def prior_fit(prior: Prior) -> PriorFit:
    """Return a validated prior's (fitted) parameters and achieved 5% and 95% quantiles.

    Parameters
    ----------
    prior
        A prior built by :func:`agi_interventions.priors.parse_prior` (any family, also a
        fixed value or a structure switch).

    Returns
    -------
    PriorFit
        E.g. ``parameters={"a": 2.31, "b": 7.9}`` for ``{dist: beta, ci90: [0.05, 0.4]}``.
    """
    args = prior.args
    parameters = (
        fitted_parameters(prior.family, args)
        if prior.family in FAMILIES
        else {k: float(v) for k, v in args.items() if isinstance(v, int | float)}
    )
    if prior.dist is None:
        q05 = q95 = float(prior.value)  # type: ignore[arg-type]
    else:
        with np.errstate(all="ignore"):
            q05, q95 = (float(v) for v in prior.dist.ppf([_TAIL, 1.0 - _TAIL]))
    if "ci90" not in args:
        return PriorFit(prior.family, parameters, False, q05, q95)
    t05, t95 = (float(v) for v in args["ci90"])
    miss = max(abs(q05 - t05), abs(q95 - t95)) / (t95 - t05)
    return PriorFit(prior.family, parameters, True, q05, q95, (t05, t95), miss)
