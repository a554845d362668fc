r"""Tail diagnostics and Monte Carlo intervals that stay honest under heavy tails.

The marginal values are products of lognormal and log-uniform inputs; over a few tens of
thousands of draws their tails behave like Pareto tails, and a normal-theory interval for the
mean (``mean +- 1.96 sd / sqrt(n)``) then misses the exact mean far more often than 5% of
the time: the sample standard deviation is itself dominated by a few draws.

Diagnostic (Vehtari, Simpson, Gelman, Yao and Gabry, "Pareto smoothed importance sampling",
JMLR 25(72), 2024). A generalized Pareto distribution (GPD) is fitted to the ``M`` largest
exceedances of each tail, ``M = floor(min(0.2 n, 3 sqrt(n)))``, with the estimator of Zhang
and Stephens (2009, Technometrics 51) and the paper's weakly informative prior on the shape
(10 pseudo-observations at ``k = 0.5``). The shape estimate ``k_hat`` says how many moments
the tail behaves as having, pre-asymptotically: ``1 / k_hat`` of them. ``k_hat < 0.5``:
finite variance, the central limit theorem applies; ``0.5 <= k_hat < 1``: finite mean but
infinite variance; ``k_hat >= 1``: no finite mean. The paper's rule for ``S`` draws: an
estimate of the mean is reliable when ``k_hat < min(1 - 1 / log10(S), 0.7)``
(:func:`khat_threshold`; 0.7 at the pipeline's 32,768 draws); the sample size that would make
it reliable is ``10^(1 / (1 - k_hat))`` below the cap and none at or above it
(:func:`min_sample_size`). A tail whose spread is negligible beside the sample's largest
magnitude (rounding noise around an exact zero) is not fitted (:data:`NEGLIGIBLE_SPREAD`).
For a mean, or the mean of a difference, the relevant tail is the heavier one.

Interval (:func:`mean_interval`). Tails with ``k_hat < 0.5`` keep their draws; a tail with
``k_hat >= 0.5`` is replaced by its fitted GPD (a semi-parametric estimator of the mean in the
spirit of Peng, "Estimating the mean of a heavy tailed distribution", Statistics & Probability
Letters 52, 2001): with ``u`` the tail's threshold and ``(k, sigma)`` its fit, the ``M`` tail
draws contribute ``(M / n) (u + sigma / (1 - k))`` to the mean, and the variance of
``sigma / (1 - k)`` is taken from the GPD's asymptotic covariance, ``(1 + k) [[1 + k, sigma],
[sigma, 2 sigma^2]] / M``, by the delta method; the body (winsorized at the thresholds) adds
its sample variance over ``n``. Without a heavy tail this is the normal-theory interval. The
interval is *flagged* when ``k_hat`` of the heavier tail reaches :func:`khat_threshold`: the
draws cannot then bound the mean, and no sentence should rest on the interval. The coverage
study (``benchmarks/interval_coverage.py``, ``docs/tails.md``) compares it with the normal,
bootstrap-t and Pareto-smoothed intervals.

Sobol indices (:func:`sobol_tail_check`). Every S1 and ST estimate divides by the sample
variance of the output, a mean of squares, and their bootstrap half-widths treat that mean as
approximately normal; this needs the centred squared output to have a finite variance, i.e.
``k_hat < 0.5`` for ``(y - mean(y))^2`` (roughly ``k_hat < 0.25`` for ``y``). Outputs past
that are flagged: their S1/ST intervals cannot be trusted.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import logsumexp

from agi_interventions.stats import z_value

logger = logging.getLogger(__name__)

#: Fraction of the draws in a tail, at most (the paper's ``0.2 S``).
TAIL_FRACTION = 0.2
#: Multiple of ``sqrt(n)`` draws in a tail, at most (the paper's ``3 sqrt(S)``).
TAIL_SQRT_MULTIPLE = 3.0
#: Pseudo-observations of the weakly informative prior on the GPD shape.
PRIOR_WEIGHT = 10.0
#: Centre of the prior on the GPD shape.
PRIOR_SHAPE = 0.5
#: Shape at and above which the variance is infinite (the central limit theorem fails).
KHAT_INFINITE_VARIANCE = 0.5
#: Cap of the paper's reliability threshold.
KHAT_CAP = 0.7
#: Fewest draws in a tail for a fit.
MIN_TAIL_DRAWS = 5
#: A tail whose spread beyond its threshold is at most this fraction of the sample's largest
#: magnitude is treated as having no spread: it moves the mean by less than this fraction of
#: that magnitude, and fitting it would fit rounding noise (e.g. values of order 1e-18 that
#: are zero in exact arithmetic, beside values of order 1e-2).
NEGLIGIBLE_SPREAD = 1e-9

Tail = Literal["left", "right", "both"]


def tail_length(n: int) -> int:
    """Return the number of draws ``M`` in a tail fit: ``floor(min(0.2 n, 3 sqrt(n)))``.

    Parameters
    ----------
    n
        Number of draws.

    Returns
    -------
    int
        Number of largest draws whose exceedances are fitted.
    """
    return math.floor(min(TAIL_FRACTION * n, TAIL_SQRT_MULTIPLE * math.sqrt(n)))


def khat_threshold(n: int) -> float:
    """Return the paper's reliability threshold ``min(1 - 1 / log10(n), 0.7)`` for ``n`` draws.

    Parameters
    ----------
    n
        Number of draws (at least 2).

    Returns
    -------
    float
        An estimate of a mean from ``n`` draws is reliable when ``k_hat`` is below it.
    """
    if n < 2:
        raise ValueError(f"the threshold needs at least 2 draws, got {n}")
    return min(1.0 - 1.0 / math.log10(n), KHAT_CAP)


def min_sample_size(khat: float) -> float:
    """Return the draws needed for a reliable mean at this tail shape, ``10^(1 / (1 - k))``.

    Parameters
    ----------
    khat
        Pareto shape estimate (negative values count as 0).

    Returns
    -------
    float
        Minimum number of draws; ``inf`` at or above the threshold's cap
        (:data:`KHAT_CAP`, 0.7), where no number of draws makes the mean reliable.
    """
    k = max(0.0, float(khat))
    if k >= KHAT_CAP:
        return math.inf
    exponent = 1.0 / (1.0 - k)
    return math.inf if exponent > 300.0 else 10.0**exponent


#: Floor of the GPD fit's quartile, relative to the largest exceedance (see :func:`gpd_fit`).
SMALLEST_QUARTILE = 2.0**-1000


def gpd_fit(exceedances: ArrayLike) -> tuple[float, float]:
    """Fit a generalized Pareto distribution to exceedances (Zhang and Stephens, 2009).

    The empirical Bayes estimator of Zhang and Stephens on a grid of ``30 + sqrt(m)`` points,
    followed by the weakly informative prior of Vehtari et al. (2024): the shape is shrunk
    towards 0.5 as if by 10 more observations, ``k = (m k + 10 * 0.5) / (m + 10)``.

    Parameters
    ----------
    exceedances
        Non-negative exceedances over a threshold (any order), at least
        :data:`MIN_TAIL_DRAWS`, not all zero.

    Returns
    -------
    tuple of float
        Shape ``k`` (positive: a Pareto-like tail with ``1 / k`` finite moments; negative:
        a bounded tail) and scale ``sigma``.
    """
    x = np.sort(np.asarray(exceedances, dtype=np.float64))
    m = x.size
    if m < MIN_TAIL_DRAWS:
        raise ValueError(f"a GPD fit needs at least {MIN_TAIL_DRAWS} exceedances, got {m}")
    if x[0] < 0.0 or not np.isfinite(x[-1]):
        raise ValueError("exceedances must be finite and non-negative")
    if x[-1] <= 0.0:
        raise ValueError("all exceedances are zero")
    # The shape does not depend on the scale: work with x / 2^e, its largest in [0.5, 1) (an
    # exact scaling), so that 1 / x cannot overflow on a tiny scale; a quartile below 2^-1000
    # of that (exceedances over 300 orders of magnitude) is raised to it, so 1 / quartile
    # stays finite too.
    scale = float(np.ldexp(1.0, int(np.frexp(x[-1])[1])))
    x = x / scale
    quartile = x[int(m / 4 + 0.5) - 1]
    if quartile <= 0.0:  # ties at the threshold: use the smallest positive exceedance
        quartile = x[x > 0.0][0]
    quartile = max(float(quartile), SMALLEST_QUARTILE)
    grid = 30 + int(math.sqrt(m))
    j = np.arange(1, grid + 1, dtype=np.float64)
    theta = 1.0 / x[-1] + (1.0 - np.sqrt(grid / (j - 0.5))) / (3.0 * quartile)
    k_grid = np.mean(np.log1p(-theta[:, None] * x[None, :]), axis=1)
    log_lik = m * (np.log(-theta / k_grid) - k_grid - 1.0)
    weights = np.exp(log_lik - logsumexp(log_lik))
    keep = weights >= 10.0 * np.finfo(np.float64).eps
    weights, theta = weights[keep] / weights[keep].sum(), theta[keep]
    theta_post = float(np.sum(theta * weights))
    k = float(np.mean(np.log1p(-theta_post * x)))
    sigma = -k / theta_post * scale
    k = (m * k + PRIOR_WEIGHT * PRIOR_SHAPE) / (m + PRIOR_WEIGHT)
    return k, sigma


@dataclass(frozen=True)
class TailFit:
    """The GPD fit of one tail.

    Attributes
    ----------
    khat
        Shape estimate (``-inf`` when the tail has no spread: a bounded tail).
    sigma
        Scale estimate (0 without spread).
    threshold
        The tail's threshold ``u`` (the ``M + 1``-th most extreme draw).
    size
        Number of tail draws ``M``.
    """

    khat: float
    sigma: float
    threshold: float
    size: int


def _as_sample(x: ArrayLike) -> np.ndarray:
    sample = np.asarray(x, dtype=np.float64).ravel()
    if not np.all(np.isfinite(sample)):
        raise ValueError("the sample has non-finite values; leave them out first")
    if sample.size < MIN_TAIL_DRAWS * 5:
        raise ValueError(f"tail diagnostics need at least {MIN_TAIL_DRAWS * 5} draws")
    return sample


#: Fewest draws strictly beyond a tied threshold for the tail to be fitted on them alone.
MIN_UNTIED_TAIL = 10


def _fit(exceedances: np.ndarray, threshold: float, scale: float) -> TailFit:
    if exceedances.max() <= NEGLIGIBLE_SPREAD * scale:
        return TailFit(-math.inf, 0.0, threshold, exceedances.size)
    beyond = exceedances[exceedances > 0]
    if MIN_UNTIED_TAIL <= beyond.size < exceedances.size:
        # draws tied at the threshold (a point mass, e.g. a gain that is mostly exactly 0)
        # are not part of the tail: fit the draws strictly beyond it, and let the tail's
        # share of the sample be theirs
        exceedances = beyond
    k, sigma = gpd_fit(exceedances)
    return TailFit(k, sigma, threshold, exceedances.size)


def fit_tails(x: ArrayLike) -> tuple[TailFit, TailFit]:
    """Fit both tails of a sample (the left tail as the right tail of ``-x``).

    Parameters
    ----------
    x
        Finite draws (at least 25).

    Returns
    -------
    tuple of TailFit
        The left and the right tail's fits; a tail whose spread is negligible against the
        sample's largest magnitude (:data:`NEGLIGIBLE_SPREAD`) gets ``khat = -inf``.
    """
    sample = _as_sample(x)
    n = sample.size
    m = tail_length(n)
    part = np.partition(sample, [m, n - m - 1])
    low_u, high_u = float(part[m]), float(part[n - m - 1])
    scale = float(np.max(np.abs(sample)))
    left = _fit(low_u - part[:m], low_u, scale)
    right = _fit(part[n - m :] - high_u, high_u, scale)
    return left, right


def pareto_khat(x: ArrayLike, tail: Tail = "both") -> float:
    """Return the Pareto shape estimate ``k_hat`` of a sample's tail (Vehtari et al., 2024).

    Parameters
    ----------
    x
        Finite independent draws (at least 25).
    tail
        ``right`` (largest values), ``left`` (smallest) or ``both`` (the larger of the two).

    Returns
    -------
    float
        ``k_hat``; ``-inf`` for a tail without spread.
    """
    left, right = fit_tails(x)
    if tail == "left":
        return left.khat
    if tail == "right":
        return right.khat
    if tail == "both":
        return max(left.khat, right.khat)
    raise ValueError(f"tail must be 'left', 'right' or 'both', got {tail!r}")


@dataclass(frozen=True)
class TailDiagnostic:
    """Pareto diagnostics of a sample's two tails, and the verdict for its mean.

    Attributes
    ----------
    n
        Number of draws.
    tail_draws
        Draws per tail fit, ``M``.
    khat_left, khat_right
        Shape estimates of the two tails.
    threshold
        :func:`khat_threshold` for ``n`` draws.
    """

    n: int
    tail_draws: int
    khat_left: float
    khat_right: float
    threshold: float

    @property
    def khat(self) -> float:
        """Shape of the heavier tail, the one that matters for a mean."""
        return max(self.khat_left, self.khat_right)

    @property
    def verdict_left(self) -> str:
        """``reliable`` or ``unreliable``: the left tail against the threshold."""
        return "reliable" if self.khat_left < self.threshold else "unreliable"

    @property
    def verdict_right(self) -> str:
        """``reliable`` or ``unreliable``: the right tail against the threshold."""
        return "reliable" if self.khat_right < self.threshold else "unreliable"

    @property
    def reliable(self) -> bool:
        """Whether an estimate of the mean is reliable (both tails below the threshold)."""
        return self.khat < self.threshold

    @property
    def finite_variance(self) -> bool:
        """Whether both tails behave as having a finite variance (``k_hat < 0.5``)."""
        return self.khat < KHAT_INFINITE_VARIANCE

    @property
    def min_sample_size(self) -> float:
        """Draws needed for a reliable mean at the heavier tail's shape."""
        return min_sample_size(self.khat)


def tail_diagnostic(x: ArrayLike) -> TailDiagnostic:
    """Diagnose the tails of a sample of independent draws.

    Parameters
    ----------
    x
        Finite draws (at least 25).

    Returns
    -------
    TailDiagnostic
        Both tails' ``k_hat``, the threshold for ``n`` draws and the verdicts.
    """
    left, right = fit_tails(x)
    n = int(np.size(x))
    return TailDiagnostic(n, left.size, left.khat, right.khat, khat_threshold(n))


def _tail_mean_variance(fit: TailFit) -> tuple[float, float]:
    """Mean excess ``sigma / (1 - k)`` of a fitted tail and its delta-method variance."""
    k, sigma, m = fit.khat, fit.sigma, fit.size
    if k >= 1.0:
        return math.inf, math.inf
    excess = sigma / (1.0 - k)
    grad_k, grad_sigma = sigma / (1.0 - k) ** 2, 1.0 / (1.0 - k)
    # asymptotic covariance of the GPD's (k, sigma): (1 + k) [[1 + k, s], [s, 2 s^2]] / m
    quadratic = grad_k**2 * (1.0 + k) + 2.0 * grad_k * grad_sigma * sigma
    quadratic += 2.0 * (grad_sigma * sigma) ** 2
    variance = (1.0 + k) / m * quadratic
    return excess, variance


@dataclass(frozen=True)
class MeanInterval:
    """An interval for the mean of a sample, with its tail diagnostic.

    Attributes
    ----------
    mean
        The sample mean.
    estimate
        The interval's centre: the sample mean, or the tail-fitted estimate when a tail was
        replaced by its GPD fit.
    low, high
        Interval bounds (infinite on the side of a tail with ``k_hat >= 1``).
    method
        ``normal`` (no heavy tail) or ``pareto-tail`` (a tail replaced by its fit).
    diagnostic
        The sample's :class:`TailDiagnostic`.
    flagged
        True when the interval cannot be trusted (``k_hat`` of the heavier tail at or above
        the threshold); it must then not support any statement.
    reason
        Why it is flagged (empty otherwise).
    """

    mean: float
    estimate: float
    low: float
    high: float
    method: str
    diagnostic: TailDiagnostic
    flagged: bool
    reason: str

    @property
    def half_width(self) -> float:
        """Half the interval's width."""
        return (self.high - self.low) / 2.0


def mean_interval(
    x: ArrayLike, conf_level: float = 0.95, *, heavy: float = KHAT_INFINITE_VARIANCE
) -> MeanInterval:
    """Return an interval for the mean of independent draws that accounts for heavy tails.

    Tails whose ``k_hat`` is below ``heavy`` keep their draws; a tail at or above it is
    replaced by its fitted generalized Pareto distribution (see the module's notes). Without
    a heavy tail the interval is the normal-theory ``mean +- z sd / sqrt(n)``. The result is
    flagged when the heavier tail's ``k_hat`` reaches :func:`khat_threshold` of ``n``.

    Parameters
    ----------
    x
        Finite independent draws (at least 25); for a difference of two options, their
        per-draw differences.
    conf_level
        Confidence level.
    heavy
        ``k_hat`` from which a tail is modelled (default 0.5: infinite variance).

    Returns
    -------
    MeanInterval
        The interval, its method, the tail diagnostic and the flag.
    """
    sample = _as_sample(x)
    n = sample.size
    z = z_value(conf_level)
    left, right = fit_tails(sample)
    diagnostic = TailDiagnostic(n, left.size, left.khat, right.khat, khat_threshold(n))
    mean = float(sample.mean())
    model_left, model_right = left.khat >= heavy, right.khat >= heavy
    if not (model_left or model_right):
        half = z * float(sample.std(ddof=1)) / math.sqrt(n)
        low, high, estimate, method = mean - half, mean + half, mean, "normal"
    else:
        body = np.clip(
            sample,
            left.threshold if model_left else -np.inf,
            right.threshold if model_right else np.inf,
        )
        estimate = float(body.mean())
        variance = float(body.var(ddof=1)) / n
        unbounded = {"left": False, "right": False}
        for fit, sign, on, side in (
            (right, 1.0, model_right, "right"),
            (left, -1.0, model_left, "left"),
        ):
            if not on:
                continue
            if fit.khat >= 1.0:  # no finite mean: the draws cannot bound this side
                unbounded[side] = True
                continue
            excess, excess_var = _tail_mean_variance(fit)
            share = fit.size / n
            estimate += sign * share * excess
            variance += share**2 * excess_var
        half = z * math.sqrt(variance)
        low = -math.inf if unbounded["left"] else estimate - half
        high = math.inf if unbounded["right"] else estimate + half
        if unbounded["left"] or unbounded["right"]:
            estimate = mean
        method = "pareto-tail"
    flagged = not diagnostic.reliable
    reason = ""
    if flagged:
        side = "right" if right.khat >= left.khat else "left"
        needed = diagnostic.min_sample_size
        reason = f"{side} tail k_hat {diagnostic.khat:.2f} >= {diagnostic.threshold:.2f} " + (
            f"for {n} draws (about {needed:.3g} needed)"
            if math.isfinite(needed)
            else f"(at or above {KHAT_CAP}: no number of draws makes this mean reliable)"
        )
        logger.info("mean interval flagged: %s", reason)
    return MeanInterval(mean, estimate, low, high, method, diagnostic, flagged, reason)


@dataclass(frozen=True)
class SobolTailCheck:
    """Whether an output's S1/ST bootstrap intervals can be trusted, from its tails.

    Attributes
    ----------
    khat
        ``k_hat`` of the output's heavier tail.
    khat_square
        ``k_hat`` of the right tail of the centred squared output.
    limit
        The limit ``khat_square`` must stay below.
    flagged
        True when the intervals cannot be trusted.
    reason
        Why (empty otherwise).
    """

    khat: float
    khat_square: float
    limit: float
    flagged: bool
    reason: str


def sobol_tail_check(y: ArrayLike, *, limit: float = KHAT_INFINITE_VARIANCE) -> SobolTailCheck:
    """Check whether an output's tails allow bootstrap intervals for its Sobol indices.

    Parameters
    ----------
    y
        Finite independent draws of the output (the design's ``A`` and ``B`` rows).
    limit
        Largest acceptable ``k_hat`` of ``(y - mean(y))^2`` (default 0.5: the squares, whose
        mean is the variance every index divides by, then have a finite variance).

    Returns
    -------
    SobolTailCheck
        The two ``k_hat`` values and the flag.
    """
    sample = _as_sample(y)
    khat = pareto_khat(sample, "both")
    khat_square = pareto_khat((sample - sample.mean()) ** 2, "right")
    flagged = khat_square >= limit
    reason = ""
    if flagged:
        reason = (
            f"k_hat of the squared output {khat_square:.2f} >= {limit:.2f}: the variance "
            "estimate, and with it every S1/ST and its bootstrap interval, is unreliable"
        )
        logger.info("Sobol intervals flagged: %s", reason)
    return SobolTailCheck(khat, khat_square, limit, flagged, reason)


#: Columns of :func:`tail_table`.
TAIL_COLUMNS = [
    "column",
    "khat_left",
    "khat_right",
    "khat",
    "khat_threshold",
    "min_draws",
    "mean",
    "mean_ci_low",
    "mean_ci_high",
    "mean_ci_method",
    "mean_ci_flag",
    "khat_square",
    "sobol_flag",
]


def tail_table(values: pd.DataFrame, conf_level: float = 0.95) -> pd.DataFrame:
    """Tail diagnostics, mean intervals and Sobol flags of every column of a table of draws.

    Parameters
    ----------
    values
        One column per quantity (e.g. intervention, or paired difference), one row per draw;
        every value finite.
    conf_level
        Confidence level of the mean intervals.

    Returns
    -------
    pandas.DataFrame
        One row per column, columns :data:`TAIL_COLUMNS`: both tails' ``k_hat``, the heavier,
        the threshold, the draws a reliable mean would need, the mean and its interval
        (:func:`mean_interval`), its method and flag reason (empty: not flagged), and the
        Sobol check (:func:`sobol_tail_check`: ``k_hat`` of the squares, flag reason).
    """
    rows = []
    for name in values.columns:
        x = values[name].to_numpy(dtype=np.float64)
        result = mean_interval(x, conf_level)
        check = sobol_tail_check(x)
        d = result.diagnostic
        rows.append(
            [
                name,
                d.khat_left,
                d.khat_right,
                d.khat,
                d.threshold,
                d.min_sample_size,
                result.mean,
                result.low,
                result.high,
                result.method,
                result.reason,
                check.khat_square,
                check.reason,
            ]
        )
    return pd.DataFrame(rows, columns=TAIL_COLUMNS)
