"""Numerical admissibility: a prior (and a worldview) must be usable in double precision.

The rule (stated in the README): an uncertain prior's quantiles at
:data:`CHECK_PROBABILITIES` (1e-12 to 1 - 1e-12) are finite, ordered and inside its support;
its mean and variance are finite; its 90% interval is wider than :data:`MIN_RELATIVE_SPREAD`
of the larger of its 5% and 95% quantiles in magnitude (a narrower prior is a constant: use
``fixed``); and a bound on the model's outputs over the box spanned by all priors' extreme
quantiles stays below :data:`OUTPUT_LIMIT` (:func:`output_bound`).

The bound costs time linear in the number of inputs. Every output of the closed form is a sum
of terms ``c prod_j f_j(theta_j)`` over the canonical parameters (``docs/model.md``), so
``|output| <= sum_t |c_t| prod_j max |f_tj|`` over each parameter's range. A sampled
parameter's range runs from its 1e-12 to its 1 - 1e-12 quantile; a parameter a variant
derives gets the range of the variant's formula over the corners of its own inputs' ranges
(exact for variants whose formulas are monotone in each input: rest_of_world, locality,
coalition_size; for the bargaining game, 4,096 random interior points are added, a sampled
check rather than a guarantee; a switched variant's range is joined with the parameter's own
prior range).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from agi_interventions.documents import quote
from agi_interventions.structure import Structure, corner_ranges

if TYPE_CHECKING:
    from agi_interventions.parameters import ParameterSpec
    from agi_interventions.priors import Prior

#: Probabilities at which every uncertain prior's quantiles must be finite and ordered; the
#: design's points lie well inside (the smallest of 2^20 Sobol points is about 1e-7 from an
#: end).
CHECK_PROBABILITIES = np.array(
    [1e-12, 1e-6, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1 - 1e-6, 1 - 1e-12]
)
#: Largest shape parameter of a beta (or PERT) prior: beyond it the samplers lose accuracy.
MAX_BETA_SHAPE = 1e12
#: Smallest 90% width of an uncertain prior relative to the larger of |q05| and |q95|.
MIN_RELATIVE_SPREAD = 1e-9
#: Largest magnitude of a model output at the extremes of the priors; squares and sums of
#: squares of such values stay finite in double precision.
OUTPUT_LIMIT = 1e150


def admissibility_problems(prior: Prior, spec: ParameterSpec) -> list[str]:
    """Check that a prior is usable in double precision (the rule stated in the README).

    Its quantiles at :data:`CHECK_PROBABILITIES` must be finite, ordered and inside its
    support, its mean and variance finite, and its 90% interval wider than
    :data:`MIN_RELATIVE_SPREAD` relative to its median (narrower priors are better fixed).

    Parameters
    ----------
    prior
        A built prior.
    spec
        The parameter it is for.

    Returns
    -------
    list of str
        Problems, empty if the prior is admissible.
    """
    if prior.is_fixed or prior.is_discrete:
        return []
    dist = prior.dist
    if getattr(getattr(dist, "dist", None), "name", "") == "beta":
        shapes = [float(v) for v in dist.args[:2]]
        if max(shapes) > MAX_BETA_SHAPE:
            return [
                f"{prior.describe()} has beta shapes {shapes[0]:.3g} and {shapes[1]:.3g}; above "
                f"{MAX_BETA_SHAPE:g} the samplers are not accurate: a beta this concentrated is "
                "a normal in effect, so use truncnormal (or fixed)"
            ]
    low, high = prior.support()
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            q = np.asarray(dist.ppf(CHECK_PROBABILITIES), dtype=np.float64)
            mean, var = (float(v) for v in dist.stats(moments="mv"))
    except (ArithmeticError, ValueError, TypeError) as err:
        return [
            f"{prior.describe()} cannot be evaluated in double precision ({quote(str(err), 60)})"
        ]
    if not np.all(np.isfinite(q)):
        return [
            f"{prior.describe()} has quantiles that are not finite in double precision "
            f"(e.g. the {CHECK_PROBABILITIES[~np.isfinite(q)][0]:g} quantile); narrow the "
            "prior or rescale the parameter"
        ]
    if np.any(np.diff(q) < 0) or q[0] < low or q[-1] > high:
        return [
            f"{prior.describe()} cannot be evaluated accurately in double precision (its "
            "quantiles are out of order or leave its support); use less extreme arguments"
        ]
    if not (math.isfinite(mean) and math.isfinite(var)):
        return [
            f"{prior.describe()} has a mean or variance that is not finite in double "
            "precision; narrow the prior"
        ]
    median = q[CHECK_PROBABILITIES.tolist().index(0.5)]
    width = q[7] - q[3]  # 95% and 5% quantiles
    if width <= MIN_RELATIVE_SPREAD * max(abs(q[3]), abs(q[7])):
        return [
            f"{prior.describe()} is so narrow (90% within {width:.3g} of {median:.6g}) that "
            f"it is a constant in effect: use {{dist: fixed, value: {median:.6g}}}"
        ]
    return []


#: Random interior points added to the corners of a variant whose formula is not monotone.
NON_MONOTONE_POINTS = 4096
#: Probabilities whose quantiles span each prior's range in the output bound.
EXTREME_PROBABILITIES = np.array([1e-12, 1 - 1e-12])


def _max_abs(kind: str, low: float, high: float) -> float:
    """Largest ``|f(x)|`` of an elementary factor over ``[low, high]``."""
    if kind == "x":
        return max(abs(low), abs(high))
    if kind == "1-x":
        return max(abs(1.0 - low), abs(1.0 - high))
    if kind == "1/x":
        return math.inf if low <= 0.0 <= high else 1.0 / min(abs(low), abs(high))
    if kind == "1/(1-x)":
        return math.inf if low <= 1.0 <= high else 1.0 / min(abs(1.0 - low), abs(1.0 - high))
    raise ValueError(f"unknown factor kind {kind!r}")


def parameter_ranges(priors: Mapping[str, Prior], structure: Structure) -> dict[str, tuple]:
    """Range of every input and canonical parameter at the priors' extreme quantiles.

    Parameters
    ----------
    priors
        Every input's prior.
    structure
        The worldview's structure (its variants derive canonical parameters).

    Returns
    -------
    dict of str to tuple
        ``(low, high)`` per name.
    """
    ranges: dict[str, tuple[float, float]] = {}
    for name, prior in priors.items():
        ranges[name] = prior.extreme_range
    switches = set(structure.switches)
    atoms = {name: list(range(len(p))) for name, p in structure.categorical().items()}
    for variant in structure.variants:
        found = corner_ranges(
            variant,
            ranges,
            extra_points=0 if variant.monotone else NON_MONOTONE_POINTS,
            settings=structure.settings.get(variant.name, {}),
            atoms={k: v for k, v in atoms.items() if k in structure.input_specs()},
        )
        for name, (low, high) in found.items():
            if variant.name in switches:
                own_low, own_high = ranges[name]
                low, high = min(low, own_low), max(high, own_high)
            ranges[name] = (low, high)
    return ranges


def output_bound(priors: Mapping[str, Prior], structure: Structure) -> tuple[float, list[str]]:
    """Bound the model's outputs in magnitude over the priors' extreme quantiles.

    Parameters
    ----------
    priors
        Every input's prior.
    structure
        The worldview's structure.

    Returns
    -------
    tuple
        The bound (``inf`` where a reciprocal factor's range reaches its pole) and the three
        parameters spanning the most orders of magnitude.
    """
    from agi_interventions.exact.outputs import bound_outputs

    ranges = parameter_ranges(priors, structure)
    worst = 0.0
    for form in bound_outputs().values():
        total = 0.0
        for signature, coef in form.terms.items():
            term = abs(coef)
            for name, factor in signature:
                for kind in factor:
                    term *= _max_abs(kind, *ranges[name])
            total += term
        worst = max(worst, total)
    spans = {}
    for name, (low, high) in ranges.items():
        ends = np.abs(np.array([low, high]))
        ends = ends[(ends != 0) & np.isfinite(ends)]
        spans[name] = float(np.max(np.abs(np.log10(ends)))) if ends.size else 0.0
    widest = sorted(spans, key=lambda n: -spans[n])[:3]
    return (worst if math.isfinite(worst) else math.inf), widest
