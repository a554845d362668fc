"""Prior distributions over the model inputs: parsing, validation and inverse CDFs.

A worldview file is YAML::

    description: free text shown in the report
    parametrisation: fractions        # or rest_of_world (consistent by construction)

Parameters
----------
      U_B: {dist: uniform, low: 1, high: 3, note: why this prior}
      F_V: {dist: loguniform, low: 0.01, high: 0.5}
      ...

Families and their arguments (``note`` is optional everywhere):

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

Every problem found is reported at once, each naming the file, the parameter and the fault.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from agi_interventions.documents import (
    DocumentError,
    is_number,
    looks_like_number,
    quote,
    read_yaml,
)
from agi_interventions.errors import PriorError
from agi_interventions.parameters import (
    DERIVED_BY_REST_OF_WORLD,
    PARAMETERS,
    REST_OF_WORLD,
    ParameterSpec,
)

logger = logging.getLogger(__name__)

#: z such that Phi(z) = 0.95: a 90% central interval is mean +- Z90 sd.
Z90 = float(stats.norm.ppf(0.95))

PARAMETRISATIONS = ("fractions", "rest_of_world")

__all__ = ["FAMILIES", "Prior", "PriorError", "Worldview", "load_worldview", "parse_prior"]


@dataclass(frozen=True)
class Prior:
    """A validated prior for one parameter.

    Attributes
    ----------
    name
        Parameter key.
    family
        Distribution family (``fixed``, ``uniform``, ...).
    args
        The arguments as written in the file (after ``ci90`` is kept as given).
    note
        Why this prior; shown in the report.
    dist
        Frozen scipy distribution, or None for ``fixed``.
    value
        The constant of a ``fixed`` prior, else None.
    """

    name: str
    family: str
    args: dict[str, Any]
    note: str = ""
    dist: Any = None
    value: float | None = None

    @property
    def is_fixed(self) -> bool:
        """Whether the parameter is a constant (left out of sensitivity analysis)."""
        return self.dist is None

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map unit-interval points through the inverse CDF.

        Parameters
        ----------
        u
            Points in (0, 1).

        Returns
        -------
        numpy.ndarray
            Quantiles of the prior (the constant for ``fixed``).
        """
        u = np.asarray(u, dtype=np.float64)
        if self.dist is None:
            return np.full(u.shape, self.value, dtype=np.float64)
        low, high = self.support()
        # scipy's truncnorm rescales its bounds and can miss them by one rounding step.
        return np.clip(np.asarray(self.dist.ppf(u), dtype=np.float64), low, high)

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """Draw independent values from the prior.

        Parameters
        ----------
        size
            Number of draws.
        rng
            Random generator (the caller's seeded stream).

        Returns
        -------
        numpy.ndarray
            ``size`` draws (the constant for ``fixed``).
        """
        if self.dist is None:
            return np.full(size, self.value, dtype=np.float64)
        low, high = self.support()
        draws = np.asarray(self.dist.rvs(size=size, random_state=rng), dtype=np.float64)
        return np.clip(draws, low, high)

    def support(self) -> tuple[float, float]:
        """Return the smallest and largest value the prior can produce."""
        if self.dist is None:
            return float(self.value), float(self.value)  # type: ignore[arg-type]
        if self.family == "truncnormal":
            return float(self.args["low"]), float(self.args["high"])
        low, high = self.dist.support()
        return float(low), float(high)

    def quantiles(self, q: np.ndarray | list[float]) -> np.ndarray:
        """Return prior quantiles at probabilities ``q``."""
        return self.ppf(np.asarray(q, dtype=np.float64))

    def describe(self) -> str:
        """Return a compact text such as ``uniform(low=1, high=3)``."""
        inner = ", ".join(f"{k}={_short(v)}" for k, v in self.args.items())
        return f"{self.family}({inner})"


def _short(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class Worldview:
    """A named set of priors over the model inputs.

    Attributes
    ----------
    name
        Worldview name (the key in ``config.yaml``).
    path
        File the priors came from.
    description
        Free text from the file.
    parametrisation
        ``fractions`` (priors on ``F_V``, ``F_CV``, ``F_CnotV``) or ``rest_of_world`` (priors on
        ``R_V``, ``R_CV``, ``R_CnotV``; the fractions are derived and always consistent).
    priors
        Prior per input parameter, in canonical order.
    """

    name: str
    path: Path
    description: str
    parametrisation: str
    priors: dict[str, Prior] = field(default_factory=dict)

    @property
    def uncertain(self) -> list[str]:
        """Names of the inputs whose prior is not ``fixed``, in canonical order."""
        return [name for name, prior in self.priors.items() if not prior.is_fixed]

    @property
    def inputs(self) -> list[str]:
        """Names of all sampled inputs (canonical order, rest-of-world ones if used)."""
        return list(self.priors)


# --------------------------------------------------------------------------- families


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


# --------------------------------------------------------------------------- parsing


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


def _extreme_outputs(priors: Mapping[str, Prior], parametrisation: str) -> tuple[float, list[str]]:
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


def _text_hint(value: Any) -> str:
    """Explain numbers that YAML read as text, such as ``1e-3``."""
    values = value if isinstance(value, list) else [value]
    if any(looks_like_number(v) for v in values):
        return (
            "; YAML reads a number such as 1e-3 as text: write it with a dot and a signed "
            "exponent, 1.0e-3, or as 0.001"
        )
    return ""


def _parse_arguments(entry: Mapping[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    """Check argument names and types of one prior entry; return the arguments."""
    family_name = entry["dist"]
    family = FAMILIES[family_name]
    args = {k: v for k, v in entry.items() if k not in ("dist", "note")}
    given = frozenset(args)
    allowed = frozenset().union(*family.required) | family.optional
    problems: list[str] = []
    unknown = sorted(given - allowed)
    if unknown:
        problems.append(
            f"{where}: unknown argument(s) {', '.join(quote(u) for u in unknown)} for "
            f"'{family_name}' "
            f"(allowed: {', '.join(sorted(allowed))})"
        )
    matching = [req for req in family.required if req <= given]
    if not matching:
        options = " or ".join("{" + ", ".join(sorted(r)) + "}" for r in family.required)
        problems.append(f"{where}: '{family_name}' needs arguments {options}")
    elif len(matching) > 1 or any(
        (given & req) and req not in matching for req in family.required
    ):
        options = " or ".join("{" + ", ".join(sorted(r)) + "}" for r in family.required)
        problems.append(f"{where}: give only one of {options} for '{family_name}'")
    for key, value in args.items():
        if key == "ci90":
            if not (
                isinstance(value, list) and len(value) == 2 and all(is_number(v) for v in value)
            ):
                problems.append(
                    f"{where}: ci90 must be a list of two finite numbers [q05, q95] "
                    f"(got {quote(value)}){_text_hint(value)}"
                )
        elif key in allowed and not is_number(value):
            problems.append(
                f"{where}: argument '{key}' must be a finite number (got {quote(value)})"
                f"{_text_hint(value)}"
            )
    return args, problems


def parse_prior(
    name: str, entry: Any, spec: ParameterSpec, source: str
) -> tuple[Prior | None, list[str]]:
    """Validate one prior entry and build it.

    Parameters
    ----------
    name
        Parameter key.
    entry
        The mapping from the file, e.g. ``{"dist": "uniform", "low": 0, "high": 1}``.
    spec
        The parameter's admissible range.
    source
        File name used in messages.

    Returns
    -------
    tuple
        The prior (None when invalid) and the list of problems found.
    """
    where = f"{source}: parameter '{name}'"
    if not isinstance(entry, Mapping):
        return None, [f"{where}: expected a mapping such as {{dist: uniform, low: 0, high: 1}}"]
    family_name = entry.get("dist")
    if family_name is None:
        return None, [f"{where}: missing 'dist' (one of {', '.join(FAMILIES)})"]
    if not isinstance(family_name, str) or family_name not in FAMILIES:
        return None, [
            f"{where}: unknown distribution family {quote(family_name)} "
            f"(known: {', '.join(FAMILIES)})"
        ]
    note = entry.get("note", "")
    if not isinstance(note, str):
        return None, [f"{where}: 'note' must be text"]
    args, problems = _parse_arguments(entry, where)
    if problems:
        return None, problems
    family = FAMILIES[family_name]
    # every number as a float: YAML integers can exceed what NumPy holds as an integer
    args = {
        k: [float(x) for x in v] if k == "ci90" else float(v) if is_number(v) else v
        for k, v in args.items()
    }
    problems = [f"{where}: {family_name} {p}" for p in family.check(args)]
    if problems:
        return None, problems
    if family_name == "fixed":
        prior = Prior(name, family_name, args, note, None, float(args["value"]))
    else:
        try:
            with np.errstate(all="raise"), warnings.catch_warnings():
                warnings.simplefilter("error")
                prior = Prior(name, family_name, args, note, family.build(args))
        except (ArithmeticError, ValueError, TypeError, RuntimeWarning) as err:
            return None, [
                f"{where}: {family_name} with these arguments cannot be represented in "
                f"double precision ({quote(str(err), 60)})"
            ]
    problems = admissibility_problems(prior, spec)
    if problems:
        return None, [f"{where}: {p}" for p in problems]
    low, high = prior.support()
    if not spec.contains(low, high):
        return None, [
            f"{where}: {prior.describe()} has support [{low:g}, {high:g}], which leaves the "
            f"admissible range {spec.range_text()} of {name} ({spec.description}); "
            "choose a family bounded inside the range (e.g. beta, truncnormal, loguniform, "
            "uniform) rather than relying on clipping"
        ]
    return prior, []


def _read_yaml(path: Path) -> Any:
    try:
        return read_yaml(path, "prior file")
    except DocumentError as err:
        raise PriorError(err.problems) from err


def load_worldview(path: str | Path, name: str | None = None) -> Worldview:
    """Read and validate a worldview (prior) file.

    Parameters
    ----------
    path
        YAML file with ``parameters:`` and optional ``description:`` and ``parametrisation:``.
    name
        Worldview name; defaults to the file stem.

    Returns
    -------
    Worldview
        The validated priors.

    Raises
    ------
    PriorError
        Listing every problem found, each naming the file and parameter.
    """
    path = Path(path)
    data = _read_yaml(path)
    source = str(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("parameters"), Mapping):
        raise PriorError([f"{source}: expected a mapping with a 'parameters:' mapping"])
    problems: list[str] = []
    unknown_top = sorted(set(data) - {"parameters", "description", "parametrisation"})
    if unknown_top:
        problems.append(
            f"{source}: unknown top-level key(s) {', '.join(quote(k) for k in unknown_top)} "
            "(known: parameters, description, parametrisation)"
        )
    parametrisation = data.get("parametrisation", "fractions")
    if parametrisation not in PARAMETRISATIONS:
        problems.append(
            f"{source}: unknown parametrisation {quote(parametrisation)} "
            f"(known: {', '.join(PARAMETRISATIONS)})"
        )
        parametrisation = "fractions"
    expected = dict(PARAMETERS)
    if parametrisation == "rest_of_world":
        for derived in DERIVED_BY_REST_OF_WORLD:
            del expected[derived]
        expected.update(REST_OF_WORLD)
    given = data["parameters"]
    for name_ in given:
        if name_ not in expected:
            hint = ""
            if name_ in DERIVED_BY_REST_OF_WORLD:
                hint = " (derived from R_V, R_CV, R_CnotV under parametrisation rest_of_world)"
            elif name_ in REST_OF_WORLD:
                hint = " (only with 'parametrisation: rest_of_world')"
            problems.append(f"{source}: parameter {quote(name_)}: unknown parameter{hint}")
    priors: dict[str, Prior] = {}
    for name_, spec in expected.items():
        if name_ not in given:
            problems.append(f"{source}: parameter '{name_}': missing ({spec.description})")
            continue
        prior, found = parse_prior(name_, given[name_], spec, source)
        problems.extend(found)
        if prior is not None:
            priors[name_] = prior
    if len(priors) == len(expected) and not problems:
        if all(prior.is_fixed for prior in priors.values()):
            problems.append(
                f"{source}: every parameter is fixed, so there is no uncertainty to analyse; "
                "give at least one parameter a distribution"
            )
        else:
            worst, widest = _extreme_outputs(priors, parametrisation)
            if not worst <= OUTPUT_LIMIT:
                problems.append(
                    f"{source}: at the extremes of these priors (their 1e-12 and 1 - 1e-12 "
                    f"quantiles) the model's outputs reach {worst:.3g}, beyond the "
                    f"{OUTPUT_LIMIT:g} the pipeline can sum in double precision; the priors "
                    "spanning most "
                    f"orders of magnitude are {', '.join(widest)}: narrow them or rescale"
                )
    if parametrisation == "rest_of_world" and "F_I" in priors and priors["F_I"].support()[1] >= 1:
        problems.append(
            f"{source}: parameter 'F_I': under parametrisation rest_of_world F_I must stay "
            "below 1 so that a rest of the world exists"
        )
    description = data.get("description", "")
    if not isinstance(description, str):
        problems.append(f"{source}: 'description' must be text")
    if problems:
        raise PriorError(problems)
    logger.info(
        "loaded worldview %s from %s: %d uncertain of %d inputs",
        name or path.stem,
        path,
        sum(not p.is_fixed for p in priors.values()),
        len(priors),
    )
    return Worldview(
        name=name or path.stem,
        path=path,
        description=description,
        parametrisation=parametrisation,
        priors=priors,
    )
