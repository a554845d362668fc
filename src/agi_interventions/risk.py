r"""Risk attitudes over per-draw marginal values: the decision rules of cause prioritisation.

Every rule maps a sample of per-draw values ``x_1 .. x_N`` of one intervention (independent
prior draws, equal probability ``1/N`` each) to one number; the intervention with the highest
number is best under that rule. The values are *differences made* (marginal values), so the
rules express difference-making risk attitudes. Formulas (``x_(1) <= .. <= x_(N)`` sorted):

``ev``
    The mean.
``trimmed_ev``
    The mean after dropping ``m = ceil(trim N)`` draws at each end (``trim`` = 0.005: the
    central 99%; 0.0005: the central 99.9%).
``reu``
    Buchak's risk-weighted expected utility with linear utility (the rank-dependent form):
    ``x_(1) + sum_{i>=2} r(P_i) (x_(i) - x_(i-1))`` with ``P_i = (N - i + 1) / N`` the
    probability of doing at least as well as ``x_(i)`` and ``r(P) = P^a``. Ties need no rule:
    tied neighbours add ``0``, so the positional ``P_i`` gives the same value as the share of
    draws at or above ``x_(i)``. Calibration: a sure ``X`` is worth as much as a ``p`` chance
    of ``100 X`` when ``p^a = 1/100``, i.e. ``a = -2 / log10(p)`` (:func:`reu_exponent`);
    presets ``p`` = 0.03, 0.05, 0.10 (``a`` = 1.313, 1.537, 2): low, moderate, high risk
    aversion; ``p = 0.01`` is ``a = 1``, the mean.
``wlu``
    Weighted linear utility ``sum_i w(x_i) x_i / sum_i w(x_i)`` with ``w(x) = 1 / (1 + x^c)``
    for ``x >= 0`` and ``2 - 1 / (1 + (-x)^c)`` for ``x < 0``; ``c`` = 0.01, 0.05, 0.1; at
    ``c = 0`` every weight is 1 (the mean). Not scale-invariant: the weights depend on the
    units of the values. As ``c -> 0+`` the weights tend to 1/2 for positive values, 1 at
    zero and 3/2 for negative values, so WLU jumps at ``c = 0`` unless every draw is positive
    (or every draw negative).
``ambiguity``
    Ambiguity aversion over the draws: ``sum_i x_(i) (1 - k ((i-1)/(N-1) - 1/2)^3) / N``; the
    weights sum to 1, the worst draw gets ``1 + k/8`` times the equal weight (``k`` = 4: 1.5x,
    ``k`` = 8: 2x), the best ``1 - k/8`` times.

These match Rethink Priorities' public implementations (``public_risk_model``,
``cross-cause-cost-effectiveness-model-public``); see ``docs/risk.md``.

Weights. Every rule function takes optional non-negative per-draw ``weights``, *frequency
weights in units of draws*: for integer weights the result is that of the sample in which draw
``i`` appears ``weights[i]`` times (for ``ambiguity`` with the positions ``0 .. W-1`` of the
expanded sample, ``W`` the total weight; for ``trimmed_ev`` dropping ``ceil(trim W)`` units of
weight at each end, cutting through a draw where needed). ``ev``, ``reu`` and ``wlu`` do not
depend on the scale of the weights. :func:`risk_table` uses multinomial counts (the classical
bootstrap) as weights, one set per resample shared by every rule and intervention, and after
one sort per column evaluates every rule of a resample in ``O(N)``: cumulative counts index
precomputed tables of ``r`` and of the cumulative ambiguity weights.

Pooling. The rank-dependent rules (``trimmed_ev``, ``reu``, ``ambiguity``) and ``wlu`` are not
linear in the distribution: apply them to the pooled draws of a mixture (e.g. several
worldviews with credences), not to each component before averaging. A 50/50 mixture of "0 for
sure" and "10 for sure" has ``REU = 0 + r(1/2) 10 = 2.5`` at ``a = 2``, while the average of
the two components' REUs is 5: the risk of not knowing which worldview is right is itself risk.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from agi_interventions.parameters import INTERVENTIONS
from agi_interventions.stats import z_value

__all__ = [
    "INTERVALS",
    "REU_P_RANGE",
    "RULES",
    "TABLE_COLUMNS",
    "WLU_C_RANGE",
    "RiskReplicates",
    "RiskSwitch",
    "Rule",
    "ambiguity_averse_ev",
    "ambiguity_weights",
    "bootstrap_intervals",
    "expected_value",
    "reu_exponent",
    "reu_probability",
    "risk_replicates",
    "risk_sentence",
    "risk_table",
    "risk_weighted_eu",
    "rule_values",
    "switch_sentence",
    "switching_risk_level",
    "trimmed_expected_value",
    "weighted_linear_utility",
    "wlu_weights",
]

logger = logging.getLogger(__name__)

TABLE_COLUMNS = [
    "rule",
    "setting",
    "setting_value",
    "intervention",
    "value",
    "ci_low",
    "ci_high",
    "se",
    "winner",
    "n",
]

#: Bootstrap interval kinds: ``percentile`` (quantiles of the replicates), ``basic`` (the
#: percentile interval reflected about the estimate), ``normal`` (estimate +- z se),
#: ``studentized`` (bootstrap-t with influence-function standard errors).
INTERVALS = ("percentile", "basic", "normal", "studentized")

#: Default interval kind of :func:`risk_table` (chosen by ``benchmarks/risk_coverage.py``).
DEFAULT_INTERVAL = "percentile"

#: Range of ``p`` searched by :func:`switching_risk_level` for ``reu`` (``a`` from 1 to 2).
REU_P_RANGE = (0.01, 0.10)
#: Range of ``c`` searched by :func:`switching_risk_level` for ``wlu``.
WLU_C_RANGE = (0.0, 0.1)

#: Cells of the bootstrap count matrix handled at once (memory about 40 bytes per cell).
_BLOCK_CELLS = 2**22


@dataclass(frozen=True)
class Rule:
    """A decision rule, its setting and its presets.

    Attributes
    ----------
    name
        Rule name as in :data:`RULES` and the ``rule`` column of :func:`risk_table`.
    title
        Human name.
    setting
        Name of the rule's setting (``""`` for ``ev``).
    presets
        Setting values that :func:`risk_table` reports, in order.
    labels
        A word for each preset (e.g. ``"moderate"``).
    """

    name: str
    title: str
    setting: str
    presets: tuple[float, ...]
    labels: tuple[str, ...]

    def settings(self) -> list[tuple[str, float]]:
        """Return ``(setting, value)`` for every preset; ``[("", nan)]`` for ``ev``."""
        if not self.setting:
            return [("", math.nan)]
        return [(self.setting, value) for value in self.presets]


RULES: dict[str, Rule] = {
    "ev": Rule("ev", "expected value", "", (), ()),
    "trimmed_ev": Rule(
        "trimmed_ev",
        "tail-trimmed expected value",
        "trim",
        (0.005, 0.0005),
        ("central 99%", "central 99.9%"),
    ),
    "reu": Rule(
        "reu",
        "risk-weighted expected utility",
        "p",
        (0.03, 0.05, 0.10),
        ("low", "moderate", "high"),
    ),
    "wlu": Rule(
        "wlu",
        "weighted linear utility",
        "c",
        (0.01, 0.05, 0.1),
        ("low", "moderate", "high"),
    ),
    "ambiguity": Rule(
        "ambiguity",
        "ambiguity-averse expected value",
        "k",
        (4.0, 8.0),
        ("1.5x weight on the worst", "2x weight on the worst"),
    ),
}


# --------------------------------------------------------------------------- validation


def _as_draws(x: np.ndarray | Sequence[float]) -> np.ndarray:
    array = np.asarray(x, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"x must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError("x is empty")
    if not np.isfinite(array).all():
        raise ValueError(f"x has {int((~np.isfinite(array)).sum())} non-finite value(s)")
    return array


def _as_weights(weights: np.ndarray | Sequence[float] | None, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    array = np.asarray(weights, dtype=np.float64)
    if array.shape != (n,):
        raise ValueError(f"weights has shape {array.shape}, expected ({n},)")
    if not np.isfinite(array).all() or (array < 0).any():
        raise ValueError("weights must be finite and non-negative")
    if not array.sum() > 0:
        raise ValueError("weights must have a positive sum")
    return array


def _check_trim(trim: float) -> float:
    trim = float(trim)
    if not 0.0 <= trim < 0.5:
        raise ValueError(f"trim must be in [0, 0.5), got {trim}")
    return trim


def _check_c(c: float) -> float:
    c = float(c)
    if not (math.isfinite(c) and c >= 0.0):
        raise ValueError(f"c must be finite and non-negative, got {c}")
    return c


def _check_k(k: float) -> float:
    k = float(k)
    if not 0.0 <= k <= 8.0:
        raise ValueError(
            f"k must be in [0, 8] (above 8 the best draws get negative weight), got {k}"
        )
    return k


def _check_a(a: float) -> float:
    a = float(a)
    if not (math.isfinite(a) and a > 0.0):
        raise ValueError(f"a must be finite and positive, got {a}")
    return a


def reu_exponent(p: float) -> float:
    """Return the REU exponent ``a`` calibrated to the probability ``p``.

    A sure ``X`` is worth as much as a ``p`` chance of ``100 X`` (else 0) when
    ``p^a * 100 X = X``, i.e. ``a = -2 / log10(p)``.

    Parameters
    ----------
    p
        Probability in (0, 1); 0.01 gives ``a = 1`` (risk neutrality), larger ``p`` more risk
        aversion.

    Returns
    -------
    float
        The exponent ``a`` of ``r(P) = P^a``.
    """
    p = float(p)
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    return -2.0 / math.log10(p)


def reu_probability(a: float) -> float:
    """Return the probability ``p`` to which the REU exponent ``a`` is calibrated.

    Parameters
    ----------
    a
        Exponent of ``r(P) = P^a`` (positive).

    Returns
    -------
    float
        ``10^(-2 / a)``, the inverse of :func:`reu_exponent`.
    """
    return 10.0 ** (-2.0 / _check_a(a))


def _resolve_exponent(a: float | None, p: float | None) -> float:
    if a is not None and p is not None:
        raise ValueError("give a or p for the rule 'reu', not both")
    if a is not None:
        return _check_a(a)
    if p is not None:
        return reu_exponent(p)
    raise ValueError("the rule 'reu' needs a or p")


def _ceil_count(value: float) -> float:
    """``ceil(value)``, but values within rounding of an integer count as that integer."""
    nearest = round(value)
    if abs(value - nearest) <= 1e-9 * max(1.0, abs(value)):
        return float(nearest)
    return float(math.ceil(value))


# --------------------------------------------------------------------------- weights


def wlu_weights(x: np.ndarray | Sequence[float], c: float) -> np.ndarray:
    """Return the weighted-linear-utility weight of every value.

    Parameters
    ----------
    x
        Values.
    c
        Exponent (non-negative); ``c = 0`` gives weight 1 everywhere.

    Returns
    -------
    numpy.ndarray
        ``1 / (1 + x^c)`` for ``x >= 0``, ``2 - 1 / (1 + (-x)^c)`` for ``x < 0``.
    """
    x = np.asarray(x, dtype=np.float64)
    c = _check_c(c)
    if c == 0.0:
        return np.ones_like(x)
    power = np.power(np.abs(x), c)
    inverse = 1.0 / (1.0 + power)
    return np.where(x >= 0.0, inverse, 2.0 - inverse)


def ambiguity_weights(n: int, k: float) -> np.ndarray:
    """Return the ambiguity-aversion weights of ``n`` sorted draws (worst first).

    Parameters
    ----------
    n
        Number of draws (positive).
    k
        Strength in [0, 8]: the worst draw gets ``1 + k/8`` times the equal weight.

    Returns
    -------
    numpy.ndarray
        ``(1 - k (i/(n-1) - 1/2)^3) / n`` for ``i = 0 .. n-1``; ``[1.0]`` for ``n = 1``. They
        sum to 1 (the cubic is odd about the middle position).
    """
    k = _check_k(k)
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    if n == 1:
        return np.ones(1)
    position = np.arange(n) / (n - 1) - 0.5
    return (1.0 - k * position**3) / n


def _ambiguity_cumulative(s: np.ndarray | float, total: float, k: float) -> np.ndarray:
    """Sum of the ambiguity weights of the positions ``0 .. s-1`` of a sample of ``total``.

    Closed form (Faulhaber) of ``sum_{i<s} (1 - k (i h - 1/2)^3) / M`` with ``M = total``,
    ``h = 1/(M-1)``, written in ``u = s h`` so that nothing large cancels; a polynomial in
    ``s``, so it also serves real-valued positions (frequency weights). Equals 1 at ``s = M``.
    """
    s = np.asarray(s, dtype=np.float64)
    h = 1.0 / (total - 1.0)
    u = s * h
    v = u - h
    cubic = (u * u * v * v) / 4.0 - u * v * (u + v) / 4.0 + 3.0 * u * v / 8.0 - u / 8.0
    return s / total - k * cubic * ((total - 1.0) / total)


# ---------------------------------------------------------------- kernels on sorted draws


def _reu_sorted(xs: np.ndarray, a: float, ws: np.ndarray | None = None) -> float:
    """REU of ascending ``xs`` (``ws``: their weights, or None for equal weights)."""
    n = xs.size
    if n == 1:
        return float(xs[0])
    if ws is None:
        at_least = (n - np.arange(1, n)) / n
    else:
        cum = np.cumsum(ws)
        total = cum[-1]
        at_least = np.clip((total - cum[:-1]) / total, 0.0, 1.0)
    return float(xs[0] + np.dot(at_least**a, np.diff(xs)))


def _trimmed_sorted(xs: np.ndarray, trim: float, ws: np.ndarray | None = None) -> float:
    n = xs.size
    if ws is None:
        drop = int(_ceil_count(trim * n))
        if n - 2 * drop < 1:
            raise ValueError(f"trim {trim} leaves no draw of {n}")
        return float(xs[drop : n - drop].mean())
    cum = np.cumsum(ws)
    total = float(cum[-1])
    drop = _ceil_count(trim * total)
    if not total - 2.0 * drop > 0.0:
        raise ValueError(f"trim {trim} leaves no weight of a total {total} (weights count draws)")
    partial = np.cumsum(ws * xs)
    upper = _lowest_sum(xs, cum, partial, total - drop)
    lower = _lowest_sum(xs, cum, partial, drop)
    return (upper - lower) / (total - 2.0 * drop)


def _lowest_sum(xs: np.ndarray, cum: np.ndarray, partial: np.ndarray, mass: float) -> float:
    """Sum of the lowest ``mass`` units of weight (``partial``: cumulative weight * value)."""
    if mass <= 0.0:
        return 0.0
    j = int(np.searchsorted(cum, mass, side="left"))
    if j >= xs.size:
        return float(partial[-1])
    before, before_sum = (cum[j - 1], partial[j - 1]) if j > 0 else (0.0, 0.0)
    return float(before_sum + (mass - before) * xs[j])


def _ambiguity_sorted(xs: np.ndarray, k: float, ws: np.ndarray | None = None) -> float:
    if ws is None:
        return float(np.dot(ambiguity_weights(xs.size, k), xs))
    cum = np.concatenate(([0.0], np.cumsum(ws)))
    total = float(cum[-1])
    if not total > 1.0:
        raise ValueError(
            f"ambiguity needs a total weight above 1 (weights count draws), got {total}"
        )
    return float(np.dot(np.diff(_ambiguity_cumulative(cum, total, k)), xs))


# --------------------------------------------------------------------------- rule functions


def expected_value(
    x: np.ndarray | Sequence[float], weights: np.ndarray | Sequence[float] | None = None
) -> float:
    """Return the (weighted) mean of the draws.

    Parameters
    ----------
    x
        Per-draw values (finite, one-dimensional).
    weights
        Optional non-negative frequency weights, one per draw.

    Returns
    -------
    float
        ``sum_i w_i x_i / sum_i w_i`` (equal weights by default).
    """
    x = _as_draws(x)
    w = _as_weights(weights, x.size)
    return float(x.mean()) if w is None else float(np.dot(w, x) / w.sum())


def trimmed_expected_value(
    x: np.ndarray | Sequence[float],
    trim: float,
    weights: np.ndarray | Sequence[float] | None = None,
) -> float:
    """Return the mean after dropping the lowest and highest ``trim`` share of the draws.

    Parameters
    ----------
    x
        Per-draw values (finite, one-dimensional).
    trim
        Share dropped at each end, in [0, 0.5): ``ceil(trim N)`` draws each (a count within
        rounding of an integer is that integer), as Rethink Priorities' cross-cause model
        does; presets 0.005 (central 99%) and 0.0005 (central 99.9%).
    weights
        Optional non-negative frequency weights in units of draws: ``ceil(trim W)`` units of
        weight are dropped at each end (``W`` the total), cutting through a draw if needed.

    Returns
    -------
    float
        The trimmed mean.

    Raises
    ------
    ValueError
        ``trim`` outside [0, 0.5), or nothing left after trimming.
    """
    x = _as_draws(x)
    trim = _check_trim(trim)
    w = _as_weights(weights, x.size)
    order = np.argsort(x, kind="stable")
    return _trimmed_sorted(x[order], trim, None if w is None else w[order])


def risk_weighted_eu(
    x: np.ndarray | Sequence[float],
    *,
    a: float | None = None,
    p: float | None = None,
    weights: np.ndarray | Sequence[float] | None = None,
) -> float:
    """Return Buchak's risk-weighted expected utility (linear utility, ``r(P) = P^a``).

    Parameters
    ----------
    x
        Per-draw values (finite, one-dimensional).
    a
        Exponent of the risk function (positive; 1 is the mean, above 1 risk-averse).
    p
        Alternatively the calibration probability: ``a = -2 / log10(p)``. Give exactly one of
        ``a`` and ``p``.
    weights
        Optional non-negative frequency weights; ``P_i`` is then the share of weight at or
        above ``x_(i)``.

    Returns
    -------
    float
        ``x_(1) + sum_{i>=2} r(P_i) (x_(i) - x_(i-1))``.

    Notes
    -----
    Affine-equivariant (``REU(s x + t) = s REU(x) + t`` for ``s > 0``), equal to the mean at
    ``a = 1`` and strictly below it for ``a > 1`` unless every draw is equal.
    """
    exponent = _resolve_exponent(a, p)
    x = _as_draws(x)
    w = _as_weights(weights, x.size)
    order = np.argsort(x, kind="stable")
    return _reu_sorted(x[order], exponent, None if w is None else w[order])


def weighted_linear_utility(
    x: np.ndarray | Sequence[float],
    c: float,
    weights: np.ndarray | Sequence[float] | None = None,
) -> float:
    """Return the weighted linear utility ``sum_i w(x_i) x_i / sum_i w(x_i)``.

    Parameters
    ----------
    x
        Per-draw values (finite, one-dimensional), in the units the weights are meant for:
        the rule is not scale-invariant.
    c
        Exponent of the weight function :func:`wlu_weights` (non-negative; 0 is the mean).
    weights
        Optional non-negative frequency weights (multiplying the WLU weights).

    Returns
    -------
    float
        The weighted linear utility.
    """
    x = _as_draws(x)
    w = _as_weights(weights, x.size)
    u = wlu_weights(x, c)
    if w is not None:
        u = u * w
    return float(np.dot(u, x) / u.sum())


def ambiguity_averse_ev(
    x: np.ndarray | Sequence[float],
    k: float,
    weights: np.ndarray | Sequence[float] | None = None,
) -> float:
    """Return the ambiguity-averse expected value (cubic weights on the sorted draws).

    Parameters
    ----------
    x
        Per-draw values (finite, one-dimensional).
    k
        Strength in [0, 8] (:func:`ambiguity_weights`): 4 puts 1.5x, 8 puts 2x the equal
        weight on the worst draw.
    weights
        Optional non-negative frequency weights in units of draws (total above 1): a draw of
        weight ``w`` takes ``w`` consecutive positions of the expanded sample.

    Returns
    -------
    float
        ``sum_i x_(i) (1 - k (i/(N-1) - 1/2)^3) / N`` (positions ``i = 0 .. N-1``).
    """
    x = _as_draws(x)
    k = _check_k(k)
    w = _as_weights(weights, x.size)
    order = np.argsort(x, kind="stable")
    return _ambiguity_sorted(x[order], k, None if w is None else w[order])


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class _Spec:
    rule: str
    setting: str
    setting_value: float
    parameter: float  # trim, a, c or k (nan for ev)


def _preset_specs() -> list[_Spec]:
    specs = []
    for rule in RULES.values():
        for setting, value in rule.settings():
            parameter = reu_exponent(value) if rule.name == "reu" else value
            specs.append(_Spec(rule.name, setting, value, parameter))
    return specs


def _one_spec(
    rule: str,
    trim: float | None,
    a: float | None,
    p: float | None,
    c: float | None,
    k: float | None,
) -> _Spec:
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; known: {list(RULES)}")
    given = {"trim": trim, "a": a, "p": p, "c": c, "k": k}
    allowed = {"ev": (), "trimmed_ev": ("trim",), "reu": ("a", "p"), "wlu": ("c",)}
    allowed["ambiguity"] = ("k",)
    for name, value in given.items():
        if value is not None and name not in allowed[rule]:
            raise ValueError(f"argument {name} does not apply to the rule {rule!r}")
    if rule == "ev":
        return _Spec("ev", "", math.nan, math.nan)
    if rule == "reu":
        exponent = _resolve_exponent(a, p)
        return (
            _Spec("reu", "p", float(p), exponent)
            if p is not None
            else _Spec("reu", "a", exponent, exponent)
        )
    name = allowed[rule][0]
    value = given[name]
    if value is None:
        raise ValueError(f"the rule {rule!r} needs {name}")
    check = {"trim": _check_trim, "c": _check_c, "k": _check_k}[name]
    return _Spec(rule, name, check(value), check(value))


def _point(xs: np.ndarray, spec: _Spec, wlu_cache: dict[float, np.ndarray]) -> float:
    if spec.rule == "ev":
        return float(xs.mean())
    if spec.rule == "trimmed_ev":
        return _trimmed_sorted(xs, spec.parameter)
    if spec.rule == "reu":
        return _reu_sorted(xs, spec.parameter)
    if spec.rule == "wlu":
        u = wlu_cache[spec.parameter]
        return float(np.dot(u, xs) / u.sum())
    return _ambiguity_sorted(xs, spec.parameter)


# --------------------------------------------------------------------------- bootstrap


@dataclass(frozen=True)
class RiskReplicates:
    """Point estimates and bootstrap replicates of rules on the columns of a frame.

    Attributes
    ----------
    rows
        One row per (rule, setting, intervention): ``rule``, ``setting``, ``setting_value``,
        ``intervention``, ``value`` (the rule on all draws), ``n`` (draws used).
    replicates
        Array ``(len(rows), n_bootstrap)``: the rule on each resample, in row order.
    resample_size
        Draws per resample (``n`` for the classical bootstrap).
    estimate_se, replicate_se
        With ``studentize``: influence-function standard errors of the estimates
        ``(len(rows),)`` and of the replicates (shaped like ``replicates``); else None.
    """

    rows: pd.DataFrame
    replicates: np.ndarray
    resample_size: int
    estimate_se: np.ndarray | None = None
    replicate_se: np.ndarray | None = None


def _draw_matrix(
    values: pd.DataFrame, interventions: Sequence[str] | None
) -> tuple[list[str], np.ndarray, int]:
    columns = list(INTERVENTIONS) if interventions is None else list(interventions)
    if not columns:
        raise ValueError("interventions is empty")
    missing = [c for c in columns if c not in values.columns]
    if missing:
        raise ValueError(f"values lacks column(s) {missing}")
    if len(set(columns)) != len(columns):
        raise ValueError(f"interventions named more than once: {columns}")
    matrix = values[columns].to_numpy(dtype=np.float64)
    finite = np.isfinite(matrix).all(axis=1)
    dropped = int((~finite).sum())
    if dropped:
        logger.warning("%d of %d draws with a non-finite value left out", dropped, len(finite))
        matrix = matrix[finite]
    if matrix.shape[0] < 2:
        raise ValueError(f"need at least 2 draws with finite values, got {matrix.shape[0]}")
    return columns, matrix, dropped


def _replicates(
    matrix: np.ndarray,
    specs: Sequence[_Spec],
    seed: int,
    n_bootstrap: int,
    resample_size: int | None = None,
    studentize: bool = False,
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray | None, np.ndarray | None]:
    """Point estimates ``(S, K)`` and replicates ``(S, K, B)`` of every spec on every column.

    Resample ``B`` times ``m`` of the ``N`` rows with replacement: multinomial counts, from
    ``numpy.random.default_rng(seed)``, block after block in a fixed order; the same counts
    serve every column and rule. Each column is sorted once. In a resample the cumulative
    counts ``S_i`` of the sorted draws give every rule as a dot product with the increments
    ``x_(i+1) - x_(i)`` (summation by parts, ``O(N)``, no sort):

    - REU: ``x_(1) + sum_i r((m - S_i) / m) (x_(i+1) - x_(i))``, ``r`` a table on ``0 .. m``;
    - ambiguity: ``x_(N) - sum_i G(S_i) (x_(i+1) - x_(i))``, ``G`` the cumulative weights;
    - trimmed: the lowest ``d`` units sum to ``d x_(N) - sum_i min(S_i, d) (x_(i+1) - x_(i))``;
    - EV and WLU: dot products of the counts.

    Each is the rule on the expanded resample (``m`` values) exactly, up to rounding. Counts
    are kept draws x resamples so that the per-column reordering moves whole rows. With
    ``studentize`` also the influence-function standard errors of the point estimates
    ``(S, K)`` and of every replicate ``(S, K, B)`` (see :func:`_block_replicates`).
    """
    n, n_cols = matrix.shape
    m = n if resample_size is None else int(resample_size)
    if not 2 <= m:
        raise ValueError(f"resample_size must be at least 2, got {m}")
    if n_bootstrap < 0:
        raise ValueError(f"n_bootstrap must be non-negative, got {n_bootstrap}")
    orders = [np.argsort(matrix[:, j], kind="stable") for j in range(n_cols)]
    sorted_cols = [matrix[order, j] for j, order in enumerate(orders)]
    wlu_c = sorted({s.parameter for s in specs if s.rule == "wlu"})
    wlu_cache = [{c: wlu_weights(xs, c) for c in wlu_c} for xs in sorted_cols]
    point = np.array(
        [
            [_point(xs, s, cache) for xs, cache in zip(sorted_cols, wlu_cache, strict=True)]
            for s in specs
        ]
    )
    reps = np.empty((len(specs), n_cols, n_bootstrap))
    point_se = rep_se = None
    if studentize:
        ones = np.ones((n, 1), dtype=np.int64)
        identity = [np.arange(n)] * n_cols
        _, se = _block_replicates(
            ones, identity, sorted_cols, specs, _tables(specs, n), wlu_cache, True
        )
        point_se = se[:, :, 0]
        rep_se = np.empty_like(reps)
    if n_bootstrap == 0:
        return point, reps, m, point_se, rep_se
    for s in specs:  # fail before resampling if a trim leaves nothing of a resample
        if s.rule == "trimmed_ev" and m - 2 * _ceil_count(s.parameter * m) < 1:
            raise ValueError(f"trim {s.parameter} leaves no draw of a resample of {m}")
    tables = _tables(specs, m)
    index_type = np.int32 if m < 2**31 - 1 else np.int64
    rng = np.random.default_rng(seed)
    block = max(1, min(n_bootstrap, _BLOCK_CELLS // max(n, m)))
    for start in range(0, n_bootstrap, block):
        b = min(block, n_bootstrap - start)
        picks = rng.integers(0, n, size=(b, m))
        picks *= b
        picks += np.arange(b)[:, None]
        counts = np.bincount(picks.ravel(), minlength=n * b).reshape(n, b).astype(index_type)
        del picks
        values, ses = _block_replicates(
            counts, orders, sorted_cols, specs, tables, wlu_cache, studentize
        )
        reps[:, :, start : start + b] = values
        if rep_se is not None and ses is not None:
            rep_se[:, :, start : start + b] = ses
    return point, reps, m, point_se, rep_se


def _block_replicates(
    counts: np.ndarray,
    orders: Sequence[np.ndarray],
    sorted_cols: Sequence[np.ndarray],
    specs: Sequence[_Spec],
    tables: dict[tuple[str, float], np.ndarray],
    wlu_cache: Sequence[dict[float, np.ndarray]],
    studentize: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Rules ``(S, K, b)`` on ``b`` resamples given as counts ``(N, b)`` in draw order.

    Every column of ``counts`` must sum to the same ``m``, the size the tables were built for.
    With ``studentize`` also each rule's standard error on each resample from its influence
    function ``IF``: ``sqrt(sum_l c_l (IF_l - mean IF)^2) / m``. For the rank-dependent rules
    (``T = x_(N) - sum_i Psi(F_i) dx_i``, ``F_i = S_i / m``, ``J = Psi'``)
    ``IF_l = sum_i J(F_i) F_i dx_i - sum_{i >= l} J(F_i) dx_i``, i.e. a constant plus
    ``sum_{i < l} J(F_i) dx_i``; for WLU (and EV, ``w = 1``)
    ``IF_l = w_l (x_l - T) / mean(w)``.
    """
    m = int(counts[:, 0].sum())
    shape = (len(specs), len(sorted_cols), counts.shape[1])
    out = np.empty(shape)
    se = np.empty(shape) if studentize else None
    for j, (order, xs) in enumerate(zip(orders, sorted_cols, strict=True)):
        c_sorted = counts[order]  # draws in ascending order x resamples
        cum = np.cumsum(c_sorted, axis=0, dtype=counts.dtype)[:-1]  # S_0 .. S_{N-2}
        dx = np.diff(xs)
        for i, s in enumerate(specs):
            if s.rule in ("ev", "wlu"):
                u = np.ones_like(xs) if s.rule == "ev" else wlu_cache[j][s.parameter]
                total_w = np.einsum("ji,j->i", c_sorted, u)
                value = np.einsum("ji,j->i", c_sorted, u * xs) / total_w
                out[i, j] = value
                if se is not None:
                    u2 = u * u
                    sums = [np.einsum("ji,j->i", c_sorted, u2 * xs**p) for p in (0, 1, 2)]
                    spread = sums[2] - 2 * value * sums[1] + value**2 * sums[0]
                    se[i, j] = np.sqrt(np.maximum(spread, 0.0)) / total_w
                continue
            if s.rule == "reu":
                r = tables[("reu", s.parameter)].take(cum)
                out[i, j] = xs[0] + np.einsum("ji,j->i", r, dx)
            elif s.rule == "ambiguity":
                table = tables[("ambiguity", s.parameter)]
                g = table.take(cum)
                out[i, j] = xs[-1] * table[m] - np.einsum("ji,j->i", g, dx)
            else:
                drop = int(_ceil_count(s.parameter * m))
                keep = m - 2 * drop
                upper = np.einsum("ji,j->i", np.minimum(cum, m - drop), dx)
                lower = np.einsum("ji,j->i", np.minimum(cum, drop), dx)
                out[i, j] = (xs[-1] * keep - upper + lower) / keep
            if se is not None:
                # IF_l = const - sum_{i >= l} J_i dx_i = const' + V_l, V_l = sum_{i < l} J_i dx_i
                steps = _density(s, m).take(cum)
                steps *= dx[:, None]
                v = np.cumsum(steps, axis=0)  # V_1 .. V_{N-1}
                first = np.einsum("ji,ji->i", c_sorted[1:], v)
                second = np.einsum("ji,ji->i", c_sorted[1:], v * v)
                se[i, j] = np.sqrt(np.maximum(second - first * first / m, 0.0)) / m
    return out, se


def _density(spec: _Spec, m: int) -> np.ndarray:
    """Table of ``J(F) = Psi'(F)`` at ``F = s / m``, ``s = 0 .. m``, for a rank-dependent rule."""
    positions = np.arange(m + 1, dtype=np.float64)
    share = positions / m
    if spec.rule == "reu":
        with np.errstate(divide="ignore", invalid="ignore"):
            density = spec.parameter * (1.0 - share) ** (spec.parameter - 1.0)
        return np.where(np.isfinite(density), density, 0.0)
    if spec.rule == "ambiguity":
        return 1.0 - spec.parameter * (share - 0.5) ** 3
    drop = _ceil_count(spec.parameter * m)
    inside = (positions > drop) & (positions < m - drop)
    return inside * (m / (m - 2.0 * drop))


def _tables(specs: Sequence[_Spec], m: int) -> dict[tuple[str, float], np.ndarray]:
    """REU's ``r((m - s) / m)`` and the cumulative ambiguity weights ``G(s)``, ``s = 0 .. m``."""
    positions = np.arange(m + 1, dtype=np.float64)
    tables: dict[tuple[str, float], np.ndarray] = {}
    for s in specs:
        if s.rule == "reu":
            tables[("reu", s.parameter)] = ((m - positions) / m) ** s.parameter
        elif s.rule == "ambiguity":
            tables[("ambiguity", s.parameter)] = _ambiguity_cumulative(positions, m, s.parameter)
    return tables


def risk_replicates(
    values: pd.DataFrame,
    *,
    seed: int,
    n_bootstrap: int = 200,
    interventions: Sequence[str] | None = None,
    resample_size: int | None = None,
    studentize: bool = False,
) -> RiskReplicates:
    """Evaluate every rule at every preset, with bootstrap replicates.

    Parameters
    ----------
    values
        One column per intervention, one row per independent draw.
    seed
        Seed of the resampling; equal seeds give identical replicates.
    n_bootstrap
        Number of resamples.
    interventions
        Columns to evaluate (default ``a_V``, ``a_CV``, ``a_CnotV``).
    resample_size
        Draws per resample (default: all ``N``; smaller gives the m-out-of-n bootstrap).
    studentize
        Also compute influence-function standard errors (for studentized intervals).

    Returns
    -------
    RiskReplicates
        Point estimates in :func:`risk_table`'s row order and their replicates.
    """
    columns, matrix, _ = _draw_matrix(values, interventions)
    specs = _preset_specs()
    point, reps, m, point_se, rep_se = _replicates(
        matrix, specs, seed, n_bootstrap, resample_size, studentize
    )
    return RiskReplicates(
        _rows(specs, columns, point, matrix.shape[0]),
        _flat(reps),
        m,
        None if point_se is None else point_se.ravel(),
        None if rep_se is None else _flat(rep_se),
    )


def _rows(
    specs: Sequence[_Spec], columns: Sequence[str], point: np.ndarray, n: int
) -> pd.DataFrame:
    records = [
        {
            "rule": s.rule,
            "setting": s.setting,
            "setting_value": s.setting_value,
            "intervention": column,
            "value": float(point[i, j]),
            "n": n,
        }
        for i, s in enumerate(specs)
        for j, column in enumerate(columns)
    ]
    return pd.DataFrame.from_records(records)


def _flat(reps: np.ndarray) -> np.ndarray:
    return reps.reshape(reps.shape[0] * reps.shape[1], reps.shape[2])


def bootstrap_intervals(
    estimate: np.ndarray,
    replicates: np.ndarray,
    *,
    conf_level: float = 0.95,
    interval: str = DEFAULT_INTERVAL,
    scale: float = 1.0,
    estimate_se: np.ndarray | None = None,
    replicate_se: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(ci_low, ci_high, se)`` from bootstrap replicates.

    Parameters
    ----------
    estimate
        Point estimates, shape ``(R,)``.
    replicates
        Replicates, shape ``(R, B)``.
    conf_level
        Confidence level in (0, 1).
    interval
        One of :data:`INTERVALS`.
    scale
        Factor on the replicates' spread about the estimate: ``sqrt(m / n)`` for the
        m-out-of-n bootstrap, 1 otherwise.
    estimate_se, replicate_se
        Standard errors of the estimates ``(R,)`` and of each replicate ``(R, B)``; needed
        for ``studentized``: ``[T - q_hi s, T - q_lo s]`` with ``q`` the quantiles of
        ``(T*_b - T) / s*_b``.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper bounds and the standard error (standard deviation of the replicates
        times ``scale``); NaN where fewer than 2 replicates exist.
    """
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS}, got {interval!r}")
    z = z_value(conf_level)
    estimate = np.asarray(estimate, dtype=np.float64)
    replicates = np.asarray(replicates, dtype=np.float64)
    if replicates.shape[1] < 2:
        nan = np.full(estimate.shape, np.nan)
        return nan, nan.copy(), nan.copy()
    se = replicates.std(axis=1, ddof=1) * scale
    if interval == "normal":
        return estimate - z * se, estimate + z * se, se
    alpha = 1.0 - conf_level
    if interval == "studentized":
        if estimate_se is None or replicate_se is None:
            raise ValueError("studentized intervals need estimate_se and replicate_se")
        deviation = replicates - estimate[:, None]
        denominator = np.asarray(replicate_se, dtype=np.float64) * scale
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(deviation == 0.0, 0.0, deviation / denominator)
        q_low, q_high = np.quantile(t, [alpha / 2.0, 1.0 - alpha / 2.0], axis=1)
        s0 = np.asarray(estimate_se, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            return estimate - q_high * s0, estimate - q_low * s0, se
    shift = (replicates - estimate[:, None]) * scale
    q_low, q_high = np.quantile(shift, [alpha / 2.0, 1.0 - alpha / 2.0], axis=1)
    if interval == "percentile":
        return estimate + q_low, estimate + q_high, se
    return estimate - q_high, estimate - q_low, se


def _table(
    values: pd.DataFrame,
    specs: Sequence[_Spec],
    *,
    seed: int,
    n_bootstrap: int,
    conf_level: float,
    interventions: Sequence[str] | None,
    interval: str,
) -> pd.DataFrame:
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS}, got {interval!r}")
    z_value(conf_level)  # validates the level before any work
    columns, matrix, _ = _draw_matrix(values, interventions)
    studentize = interval == "studentized"
    point, reps, _, point_se, rep_se = _replicates(
        matrix, specs, seed, n_bootstrap, studentize=studentize
    )
    rows = _rows(specs, columns, point, matrix.shape[0])
    low, high, se = bootstrap_intervals(
        rows["value"].to_numpy(),
        _flat(reps),
        conf_level=conf_level,
        interval=interval,
        estimate_se=None if point_se is None else point_se.ravel(),
        replicate_se=None if rep_se is None else _flat(rep_se),
    )
    rows["ci_low"], rows["ci_high"], rows["se"] = low, high, se
    best = point.argmax(axis=1)  # first column wins an exact tie
    rows["winner"] = np.repeat([columns[i] for i in best], len(columns))
    return rows[TABLE_COLUMNS]


def risk_table(
    values: pd.DataFrame,
    *,
    seed: int,
    n_bootstrap: int = 200,
    conf_level: float = 0.95,
    interventions: Sequence[str] | None = None,
    interval: str = DEFAULT_INTERVAL,
) -> pd.DataFrame:
    """Evaluate every rule at every preset on every intervention, with bootstrap intervals.

    Parameters
    ----------
    values
        One column per intervention, one row per independent draw (e.g. from
        ``api.simulate``). Rows with a non-finite value in any intervention are left out.
    seed
        Seed of the bootstrap; the same inputs and seed give the same table, byte for byte.
    n_bootstrap
        Number of resamples (0: no intervals).
    conf_level
        Confidence level of the intervals.
    interventions
        Columns to evaluate (default ``a_V``, ``a_CV``, ``a_CnotV``).
    interval
        Interval kind, one of :data:`INTERVALS`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`, one row per rule, setting and intervention (rules and
        presets in :data:`RULES` order): ``setting`` ``""``, ``trim``, ``p``, ``c`` or ``k``
        (``setting_value`` NaN for ``ev``); ``value`` the rule on all draws; ``ci_low``,
        ``ci_high`` the bootstrap interval; ``se`` the bootstrap standard error; ``winner``
        the intervention with the highest value for that rule and setting; ``n`` the number of
        draws used (fewer than the rows of ``values`` when some were left out).

    Notes
    -----
    One set of multinomial resampling counts per resample serves every rule and intervention
    (see :func:`_replicates`), so differences between interventions are resampled jointly.
    """
    return _table(
        values,
        _preset_specs(),
        seed=seed,
        n_bootstrap=n_bootstrap,
        conf_level=conf_level,
        interventions=interventions,
        interval=interval,
    )


def rule_values(
    values: pd.DataFrame,
    rule: str,
    *,
    trim: float | None = None,
    a: float | None = None,
    p: float | None = None,
    c: float | None = None,
    k: float | None = None,
    seed: int,
    n_bootstrap: int = 200,
    conf_level: float = 0.95,
    interventions: Sequence[str] | None = None,
    interval: str = DEFAULT_INTERVAL,
) -> pd.DataFrame:
    """Evaluate one rule at one setting: the rows of :func:`risk_table` for it.

    Parameters
    ----------
    values
        One column per intervention, one row per independent draw.
    rule
        One of :data:`RULES`.
    trim, a, p, c, k
        The rule's setting: ``trim`` for ``trimmed_ev``; ``a`` or ``p`` (not both) for
        ``reu``; ``c`` for ``wlu``; ``k`` for ``ambiguity``; none for ``ev``.
    seed, n_bootstrap, conf_level, interventions, interval
        As in :func:`risk_table`; with the same seed a preset's rows equal the table's.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`, one row per intervention.

    Raises
    ------
    ValueError
        An unknown rule, a setting missing, out of range or not belonging to the rule (the
        message names the argument).
    """
    spec = _one_spec(rule, trim, a, p, c, k)
    return _table(
        values,
        [spec],
        seed=seed,
        n_bootstrap=n_bootstrap,
        conf_level=conf_level,
        interventions=interventions,
        interval=interval,
    )


# --------------------------------------------------------------------------- switching


@dataclass(frozen=True)
class RiskSwitch:
    """Where along a risk level the best intervention changes.

    Attributes
    ----------
    rule
        ``"reu"`` or ``"wlu"``.
    setting
        ``"p"`` or ``"c"``.
    level
        The level (``p`` or ``c``) at which the winner changes.
    below, above
        The best intervention just below and just above ``level`` (column names).
    low, high
        The range searched.
    """

    rule: str
    setting: str
    level: float
    below: str
    above: str
    low: float
    high: float


def _level_functions(
    sorted_cols: Sequence[np.ndarray], rule: str
) -> Callable[[float], np.ndarray]:
    """Values of every column as a function of ``t`` (``a`` for REU, ``c`` for WLU)."""
    if rule == "reu":
        n = sorted_cols[0].size
        log_at_least = np.log((n - np.arange(1, n)) / n)
        diffs = [np.diff(xs) for xs in sorted_cols]

        def reu_at(t: float) -> np.ndarray:
            r = np.exp(t * log_at_least)
            return np.array(
                [xs[0] + np.dot(r, d) for xs, d in zip(sorted_cols, diffs, strict=True)]
            )

        return reu_at
    logs = [np.log(np.where(xs == 0.0, 1.0, np.abs(xs))) for xs in sorted_cols]
    signs = [np.sign(xs) for xs in sorted_cols]

    def wlu_at(t: float) -> np.ndarray:
        out = []
        for xs, log_abs, sign in zip(sorted_cols, logs, signs, strict=True):
            if t == 0.0:  # the limit c -> 0+: 1/2 above zero, 1 at zero, 3/2 below
                u = 1.0 - sign / 2.0
            else:
                inverse = 1.0 / (1.0 + np.where(sign == 0.0, 0.0, np.exp(t * log_abs)))
                u = np.where(sign >= 0.0, inverse, 2.0 - inverse)
            out.append(np.dot(u, xs) / u.sum())
        return np.array(out)

    return wlu_at


def switching_risk_level(
    values: pd.DataFrame,
    rule: str,
    *,
    interventions: Sequence[str] | None = None,
    low: float | None = None,
    high: float | None = None,
    grid: int = 101,
    tol: float = 1e-9,
) -> RiskSwitch | None:
    """Find the risk level at which the best intervention changes, if it does in range.

    For ``reu`` the level is ``p`` in :data:`REU_P_RANGE` (``a`` from 1 to 2), for ``wlu``
    it is ``c`` in :data:`WLU_C_RANGE`. The rule is evaluated on the draws (point estimates)
    on a grid of ``grid`` levels (even in ``a``, or in ``c``); in the first grid step where
    the winner changes, the difference between the winner below and the best other
    intervention is root-found by bisection.

    Parameters
    ----------
    values
        One column per intervention, one row per independent draw.
    rule
        ``"reu"`` or ``"wlu"``.
    interventions
        Columns compared (default ``a_V``, ``a_CV``, ``a_CnotV``).
    low, high
        Search range (default the whole range); e.g. ``low`` just above a switch found
        looks for the next one.
    grid
        Number of grid levels.
    tol
        Bisection tolerance in ``a`` or ``c``.

    Returns
    -------
    RiskSwitch or None
        The first switch above ``low``, or None if one intervention is best throughout.

    Notes
    -----
    WLU jumps at ``c = 0`` unless every draw is positive (or every draw negative): as
    ``c -> 0+`` the weights tend to 1/2 above zero, 1 at zero and 3/2 below, not to 1. A switch
    caused by that jump is reported at level 0: ``below`` is the mean's winner, ``above`` the
    winner for small ``c > 0``. Two switches closer than a grid step can be missed.
    """
    if rule not in ("reu", "wlu"):
        raise ValueError(f"rule must be 'reu' or 'wlu', got {rule!r}")
    if grid < 2:
        raise ValueError(f"grid must be at least 2, got {grid}")
    full = REU_P_RANGE if rule == "reu" else WLU_C_RANGE
    low = full[0] if low is None else float(low)
    high = full[1] if high is None else float(high)
    if not full[0] <= low < high <= full[1]:
        name = "p" if rule == "reu" else "c"
        raise ValueError(
            f"need {full[0]} <= low < high <= {full[1]} for {name}, got {low}, {high}"
        )
    columns, matrix, _ = _draw_matrix(values, interventions)
    sorted_cols = [np.sort(matrix[:, j]) for j in range(matrix.shape[1])]
    at = _level_functions(sorted_cols, rule)
    to_t = reu_exponent if rule == "reu" else float
    to_level = reu_probability if rule == "reu" else float
    setting = "p" if rule == "reu" else "c"

    def switch(level: float, below: int, above: int) -> RiskSwitch:
        return RiskSwitch(rule, setting, level, columns[below], columns[above], low, high)

    if rule == "wlu" and low == 0.0:
        mean_winner = int(np.argmax([xs.mean() for xs in sorted_cols]))
        limit_winner = int(np.argmax(at(0.0)))
        if mean_winner != limit_winner:
            return switch(0.0, mean_winner, limit_winner)
    ts = np.linspace(to_t(low), to_t(high), grid)
    values_at = [at(float(t)) for t in ts]
    winners = [int(np.argmax(v)) for v in values_at]
    for i in range(1, grid):
        if winners[i] == winners[0]:
            continue
        lead = winners[0]
        lo, hi = float(ts[i - 1]), float(ts[i])

        def margin(t: float, lead: int = lead) -> float:
            v = at(t)
            return float(v[lead] - np.delete(v, lead).max())

        while hi - lo > tol:
            mid = 0.5 * (lo + hi)
            if margin(mid) > 0.0:
                lo = mid
            else:
                hi = mid
        above = int(np.argmax(at(hi)))
        if above == lead:  # a tie at the grid point: report the grid point's winner
            above = winners[i]
        found = switch(to_level(hi), lead, above)
        logger.info(
            "%s: best changes from %s to %s at %s = %.6g",
            rule,
            found.below,
            found.above,
            setting,
            found.level,
        )
        return found
    return None


def _name(column: str) -> str:
    return INTERVENTIONS.get(column, column)


#: A switch within this relative distance of a preset is said to be at the preset.
_AT_PRESET = 1e-6


def _format_level(level: float, presets: Sequence[float]) -> str:
    """Format the level with the fewest digits (at least 2) that no preset shares."""
    for digits in range(2, 9):
        text = f"{level:.{digits}g}"
        if not any(math.isclose(float(text), preset, rel_tol=1e-12) for preset in presets):
            return text
    return f"{level:.12g}"


def _where(rule: str, level: float) -> str:
    """Words for a level relative to the presets, e.g. 'between low (p = 0.03) and ...'."""
    spec = RULES[rule]
    name = spec.setting
    kind = "risk aversion"
    presets = list(zip(spec.presets, spec.labels, strict=True))
    for value, label in presets:
        if math.isclose(level, value, rel_tol=_AT_PRESET):
            return f"{label} {kind} ({name} = {value:g})"
    text = f"{name} = {_format_level(level, spec.presets)}"
    lower = [(v, lab) for v, lab in presets if v < level]
    upper = [(v, lab) for v, lab in presets if v > level]
    if not lower:
        v, lab = upper[0]
        return f"{text}, below {lab} {kind} ({name} = {v:g})"
    if not upper:
        v, lab = lower[-1]
        return f"{text}, above {lab} {kind} ({name} = {v:g})"
    (v0, lab0), (v1, lab1) = lower[-1], upper[0]
    return f"{text}, between {lab0} ({name} = {v0:g}) and {lab1} {kind} ({name} = {v1:g})"


def switch_sentence(switch: RiskSwitch | None, *, rule: str, winner: str | None = None) -> str:
    """Say in words where the best intervention changes with the risk level.

    Parameters
    ----------
    switch
        The result of :func:`switching_risk_level`.
    rule
        ``"reu"`` or ``"wlu"``.
    winner
        Column of the intervention best throughout; needed when ``switch`` is None.

    Returns
    -------
    str
        E.g. "Alignment stays best up to p = 0.047, between low (p = 0.03) and moderate risk
        aversion (p = 0.05); above it, Cooperation, aligned is best."
    """
    if rule not in ("reu", "wlu"):
        raise ValueError(f"rule must be 'reu' or 'wlu', got {rule!r}")
    name = RULES[rule].setting
    if switch is None:
        if winner is None:
            raise ValueError("winner is needed when there is no switch")
        low, high = REU_P_RANGE if rule == "reu" else WLU_C_RANGE
        return (
            f"{_name(winner)} is best at every level from {name} = {low:g} (expected value) "
            f"to {name} = {high:g} ({RULES[rule].labels[-1]} risk aversion)."
        )
    if switch.rule != rule:
        raise ValueError(f"the switch is for {switch.rule!r}, not {rule!r}")
    if switch.level == 0.0:
        return (
            f"{_name(switch.below)} is best by expected value ({name} = 0), but for any "
            f"{name} > 0 {_name(switch.above)} is best: weighted linear utility jumps at "
            f"{name} = 0 unless all draws are positive or all negative."
        )
    return (
        f"{_name(switch.below)} stays best up to {_where(rule, switch.level)}; above it, "
        f"{_name(switch.above)} is best."
    )


def risk_sentence(
    values: pd.DataFrame, rule: str, *, interventions: Sequence[str] | None = None
) -> str:
    """Find the switching risk level of ``rule`` and say it in words.

    Parameters
    ----------
    values
        One column per intervention, one row per independent draw.
    rule
        ``"reu"`` or ``"wlu"``.
    interventions
        Columns compared (default ``a_V``, ``a_CV``, ``a_CnotV``).

    Returns
    -------
    str
        The sentence of :func:`switch_sentence`.
    """
    found = switching_risk_level(values, rule, interventions=interventions)
    if found is not None:
        return switch_sentence(found, rule=rule)
    columns, matrix, _ = _draw_matrix(values, interventions)
    return switch_sentence(None, rule=rule, winner=columns[int(np.argmax(matrix.mean(axis=0)))])
