"""Worldview (prior) files: reading, validation, and the validated priors.

A worldview file is YAML::

    description: free text shown in the report
    parametrisation: fractions        # or rest_of_world (consistent by construction)

Parameters
----------
      U_B: {dist: uniform, low: 1, high: 3, note: why this prior}
      F_V: {dist: loguniform, low: 0.01, high: 0.5}
      ...

The families and their arguments are in :mod:`agi_interventions.families`; the numerical
admissibility rule in :mod:`agi_interventions.admissibility`. Every problem found is reported
at once, each naming the file, the parameter and the fault.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agi_interventions.admissibility import (
    OUTPUT_LIMIT,
    admissibility_problems,
    extreme_outputs,
)
from agi_interventions.documents import (
    DocumentError,
    is_number,
    looks_like_number,
    quote,
    read_yaml,
)
from agi_interventions.errors import PriorError
from agi_interventions.families import FAMILIES
from agi_interventions.parameters import (
    DERIVED_BY_REST_OF_WORLD,
    PARAMETERS,
    REST_OF_WORLD,
    ParameterSpec,
)

logger = logging.getLogger(__name__)

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


# --------------------------------------------------------------------------- parsing


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
            worst, widest = extreme_outputs(priors, parametrisation)
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
