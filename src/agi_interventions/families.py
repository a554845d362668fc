"""Prior families: their arguments, argument checks and scipy distributions.

==============  ==========================================================================
``fixed``       ``value``
``uniform``     ``low``, ``high``
``loguniform``  ``low``, ``high`` (``0 < low < high``)
``normal``      ``mean``, ``sd`` — or ``ci90: [q05, q95]``
``truncnormal`` ``mean``, ``sd``, ``low``, ``high`` (``mean``/``sd`` of the untruncated normal)
``lognormal``   ``mu``, ``sigma`` (of the logarithm) — or ``ci90: [q05, q95]``
``beta``        ``a``, ``b``, optional ``low`` (0), ``high`` (1) to rescale
``triangular``  ``low``, ``mode``, ``high``
``pert``        ``low``, ``mode``, ``high``, optional ``lamb`` (4)
==============  ==========================================================================

To add a family: write its builder and its argument check here and add it to
:data:`FAMILIES`; validation (:mod:`agi_interventions.priors`), admissibility
(:mod:`agi_interventions.admissibility`) and sampling then work unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scipy import stats

#: z such that Phi(z) = 0.95: a 90% central interval is mean +- Z90 sd.
Z90 = float(stats.norm.ppf(0.95))


def _pert(low: float, mode: float, high: float, lamb: float = 4.0) -> Any:
    span = high - low
    alpha = 1.0 + lamb * (mode - low) / span
    beta = 1.0 + lamb * (high - mode) / span
    return stats.beta(alpha, beta, loc=low, scale=span)


def _normal(args: Mapping[str, Any]) -> Any:
    if "ci90" in args:
        q05, q95 = args["ci90"]
        return stats.norm((q05 + q95) / 2.0, (q95 - q05) / (2.0 * Z90))
    return stats.norm(args["mean"], args["sd"])


def _lognormal(args: Mapping[str, Any]) -> Any:
    if "ci90" in args:
        q05, q95 = args["ci90"]
        mu = (math.log(q05) + math.log(q95)) / 2.0
        sigma = (math.log(q95) - math.log(q05)) / (2.0 * Z90)
    else:
        mu, sigma = args["mu"], args["sigma"]
    return stats.lognorm(s=sigma, scale=math.exp(mu))


def _truncnormal(args: Mapping[str, Any]) -> Any:
    mean, sd = args["mean"], args["sd"]
    return stats.truncnorm((args["low"] - mean) / sd, (args["high"] - mean) / sd, mean, sd)


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


def _check_beta(a: Mapping[str, Any]) -> list[str]:
    problems = _check_positive("a", "b")(a)
    if not a.get("low", 0.0) < a.get("high", 1.0):
        problems.append(f"needs low < high (got {a.get('low', 0.0)}, {a.get('high', 1.0)})")
    return problems


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
        (frozenset({"a", "b"}),),
        frozenset({"low", "high"}),
        lambda a: stats.beta(
            a["a"], a["b"], loc=a.get("low", 0.0), scale=a.get("high", 1.0) - a.get("low", 0.0)
        ),
        _check_beta,
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
}
