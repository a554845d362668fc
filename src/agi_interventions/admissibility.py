"""Numerical admissibility: a prior (and a worldview) must be usable in double precision.

The rule (stated in the README): an uncertain prior's quantiles at
:data:`CHECK_PROBABILITIES` (1e-12 to 1 - 1e-12) are finite, ordered and inside its support;
its mean and variance are finite; its 90% interval is wider than :data:`MIN_RELATIVE_SPREAD`
of its median (a narrower prior is a constant: use ``fixed``); and the model's outputs at every
corner of the box spanned by all priors' extreme quantiles stay below :data:`OUTPUT_LIMIT`
(the outputs are multilinear in most parameters and convex in ``1/F_V`` and ``1/(1 - F_V)``,
so their extremes over the box lie at its corners).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from agi_interventions.documents import quote

if TYPE_CHECKING:
    from agi_interventions.parameters import ParameterSpec
    from agi_interventions.priors import Prior

#: Probabilities at which every uncertain prior's quantiles must be finite and ordered; the
#: design's points lie well inside (the smallest of 2^20 Sobol points is about 1e-7 from an
#: end).
CHECK_PROBABILITIES = np.array(
    [1e-12, 1e-6, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1 - 1e-6, 1 - 1e-12]
)
#: Smallest 90% width of an uncertain prior relative to ``max(1, |median|)``.
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
    if prior.is_fixed:
        return []
    dist = prior.dist
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
    if width <= MIN_RELATIVE_SPREAD * max(1.0, abs(median)):
        return [
            f"{prior.describe()} is so narrow (90% within {width:.3g} of {median:.6g}) that "
            f"it is a constant in effect: use {{dist: fixed, value: {median:.6g}}}"
        ]
    return []


def extreme_outputs(priors: Mapping[str, Prior], parametrisation: str) -> tuple[float, list[str]]:
    """Return the largest |model output| over the corners of the priors' extreme quantiles.

    Also returns the three parameters spanning the most orders of magnitude there.
    """
    from agi_interventions.model import marginal_values
    from agi_interventions.population import fractions_from_rest_of_world

    ends = {}
    for name, prior in priors.items():
        if prior.is_fixed:
            ends[name] = np.array([prior.value])
        else:
            ends[name] = prior.ppf(np.array([1e-12, 1 - 1e-12]))
    corners = np.arange(2 ** sum(e.size == 2 for e in ends.values()))
    inputs, bit = {}, 0
    for name, e in ends.items():  # corner k takes the upper end of parameter i if bit i is set
        if e.size == 2:
            inputs[name] = e[(corners >> bit) & 1]
            bit += 1
        else:
            inputs[name] = np.full(corners.size, e[0])
    if parametrisation == "rest_of_world":
        inputs.update(fractions_from_rest_of_world(inputs))
    with np.errstate(all="ignore"):
        outputs = marginal_values(inputs)
    worst = max(
        float(np.max(np.abs(np.where(np.isfinite(v), v, np.inf)))) for v in outputs.values()
    )
    spans = {
        n: float(np.max(np.abs(np.log10(np.abs(e[e != 0]))))) if np.any(e != 0) else 0.0
        for n, e in ends.items()
    }
    widest = sorted(spans, key=lambda n: -spans[n])[:3]
    return worst, widest
