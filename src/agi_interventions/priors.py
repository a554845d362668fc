"""Worldview (prior) files: reading, validation, and the validated priors.

A worldview file is YAML::

    description: free text shown in the report
    structure:                        # optional: structural variants and their probability
      locality: 1                     # always holds
      coalition_size: 0.5             # holds in half of the draws (a switch input)

Parameters
----------
      U_B: {dist: uniform, low: 1, high: 3, note: why this prior}
      F_V: {dist: loguniform, low: 0.01, high: 0.5}
      ...

``parametrisation: rest_of_world`` is accepted as a spelling of ``structure: {rest_of_world:
1}`` (and ``parametrisation: fractions`` of no structure). The variants and the inputs they
bring are declared in :mod:`agi_interventions.structure`; the families and their arguments in
:mod:`agi_interventions.families`; the numerical admissibility rule in
:mod:`agi_interventions.admissibility`. Every problem found is reported at once, each naming
the file, the parameter and the fault.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from agi_interventions.admissibility import (
    OUTPUT_LIMIT,
    admissibility_problems,
    output_bound,
)
from agi_interventions.documents import (
    DocumentError,
    content_fingerprint,
    is_number,
    looks_like_number,
    quote,
    read_yaml,
)
from agi_interventions.errors import PriorError
from agi_interventions.families import FAMILIES
from agi_interventions.parameters import ParameterSpec
from agi_interventions.structure import VARIANTS, Structure, known_names

logger = logging.getLogger(__name__)

#: The old spelling of a structure: ``parametrisation:`` to the variants that always hold.
PARAMETRISATIONS: dict[str, dict[str, float]] = {
    "fractions": {},
    "rest_of_world": {"rest_of_world": 1.0},
}
#: Families whose draws take a few values only (built from ``structure:``, not written).
DISCRETE_FAMILIES = frozenset({"bernoulli", "categorical"})
#: Top-level keys of a prior file (and the settings sections of variants, e.g. bargaining).
TOP_LEVEL_KEYS = (
    "description",
    "structure",
    "parametrisation",
    "parameters",
    *(v.settings_key for v in VARIANTS.values() if v.settings_key),
)

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

    @property
    def is_discrete(self) -> bool:
        """Whether the input takes a few values only (a structure switch)."""
        return self.family in DISCRETE_FAMILIES

    def atoms(self) -> tuple[np.ndarray, np.ndarray]:
        """Values and probabilities of a discrete prior (a switch: 0 and 1)."""
        if not self.is_discrete:
            raise ValueError(f"{self.name}: {self.family} is not discrete")
        if self.family == "categorical":
            probabilities = np.asarray(self.args["p"], dtype=np.float64)
            return np.arange(probabilities.size, dtype=np.float64), probabilities
        p = float(self.args["p"])
        return np.array([0.0, 1.0]), np.array([1.0 - p, p])

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

    @cached_property
    def extreme_range(self) -> tuple[float, float]:
        """The 1e-12 and 1 - 1e-12 quantiles (the admissibility rule's range), computed once."""
        from agi_interventions.admissibility import EXTREME_PROBABILITIES

        if self.dist is None:
            return float(self.value), float(self.value)  # type: ignore[arg-type]
        low, high = self.ppf(EXTREME_PROBABILITIES)
        return float(low), float(high)

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
    structure
        The structural variants and the probability that each holds.
    priors
        Prior per input, in design order (:meth:`Structure.input_specs`); a switched variant's
        switch has a ``bernoulli`` prior.
    fingerprint
        Hash of what the file says, notes and description left out
        (:func:`agi_interventions.documents.content_fingerprint`): equal fingerprints give
        equal numbers.
    """

    name: str
    path: Path
    description: str
    structure: Structure = field(default_factory=Structure)
    priors: dict[str, Prior] = field(default_factory=dict)
    fingerprint: str = ""

    @property
    def uncertain(self) -> list[str]:
        """Names of the inputs whose prior is not ``fixed``, in design order."""
        return [name for name, prior in self.priors.items() if not prior.is_fixed]

    @property
    def inputs(self) -> list[str]:
        """Names of all inputs, in design order."""
        return list(self.priors)

    @property
    def discrete(self) -> list[str]:
        """Uncertain inputs that take a few values only (structure switches)."""
        return [name for name in self.uncertain if self.priors[name].is_discrete]

    @property
    def specs(self) -> dict[str, ParameterSpec]:
        """Each input's spec (range, symbol, group)."""
        return self.structure.input_specs()

    def complete(self, columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Turn inputs into every canonical parameter (:meth:`Structure.complete`)."""
        return self.structure.complete(columns)

    def groups(self, configured: Mapping[str, Any] | None = None) -> dict[str, list[str]]:
        """EVPPI groups over the uncertain inputs (configured ones, or the specs' groups)."""
        return self.structure.resolve_groups(configured, self.specs, self.uncertain)


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
    problem = text_problem(note)
    if problem:
        return None, [f"{where}: 'note' {problem}"]
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


def text_problem(value: Any) -> str | None:
    """Why a free text (description, note) cannot be shown in a report, or None.

    Text must be valid Unicode (no lone surrogates) without control characters other than
    tab and newline (NUL or ESC would reach the HTML report raw).
    """
    if not isinstance(value, str):
        return f"must be text (got {quote(value)})"
    for position, char in enumerate(value):
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            return f"contains an invalid character (a lone surrogate) at position {position}"
        if (code < 32 and char not in "\t\n\r") or 0x7F <= code < 0xA0:
            return f"contains the control character U+{code:04X} at position {position}; remove it"
    return None


def parse_structure(data: Mapping[str, Any], source: str) -> tuple[Structure, list[str]]:
    """Read a prior file's ``structure:`` (or old ``parametrisation:``) into a Structure.

    Parameters
    ----------
    data
        The prior file's top-level mapping.
    source
        File name used in messages.

    Returns
    -------
    tuple
        The structure (empty where invalid) and the problems found.
    """
    problems: list[str] = []
    given = data.get("structure")
    spelling = data.get("parametrisation")
    probabilities: dict[str, float] = {}
    if spelling is not None:
        if not isinstance(spelling, str) or spelling not in PARAMETRISATIONS:
            problems.append(
                f"{source}: unknown parametrisation {quote(spelling)} "
                f"(known: {', '.join(PARAMETRISATIONS)}; or use 'structure:')"
            )
        elif given is not None and PARAMETRISATIONS[spelling]:
            problems.append(
                f"{source}: give either 'parametrisation: {spelling}' or 'structure:', not "
                "both (parametrisation: rest_of_world is structure: {rest_of_world: 1})"
            )
        else:
            probabilities = dict(PARAMETRISATIONS[spelling])
    if given is not None:
        if not isinstance(given, Mapping):
            problems.append(
                f"{source}: 'structure' must map variant names to the probability that each "
                f"holds, e.g. {{locality: 0.5}} (got {quote(given)})"
            )
            given = {}
        for name, p in given.items():
            where = f"{source}: structure: {quote(name)}"
            if name not in VARIANTS:
                problems.append(f"{where}: unknown variant (known: {', '.join(VARIANTS)})")
            elif not is_number(p) or not 0.0 <= float(p) <= 1.0:
                problems.append(
                    f"{where}: the probability that the variant holds must be a number in "
                    f"[0, 1] (1: always, 0: never; got {quote(p)}){_text_hint(p)}"
                )
            elif float(p) > 0.0:
                probabilities[name] = float(p)
    settings: dict[str, dict[str, Any]] = {}
    for variant in VARIANTS.values():
        if not variant.settings_key or variant.parse_settings is None:
            continue
        section = data.get(variant.settings_key)
        if variant.name not in probabilities:
            if section is not None:
                problems.append(
                    f"{source}: '{variant.settings_key}:' is given, but the {variant.name} "
                    f"variant does not hold (add structure: {{{variant.name}: p}})"
                )
            continue
        parsed, found = variant.parse_settings(section, source)
        problems.extend(found)
        settings[variant.name] = parsed
    owner: dict[str, str] = {}
    for name in [n for n in VARIANTS if n in probabilities]:
        for parameter in VARIANTS[name].replaces:
            if parameter in owner:
                problems.append(
                    f"{source}: structure: the variants {owner[parameter]} and {name} both "
                    f"replace {parameter}; give at most one of them a probability above 0"
                )
            owner.setdefault(parameter, name)
    if problems:
        return Structure(), problems
    return Structure(probabilities, settings), []


def _categorical_prior(name: str, probabilities: list[float]) -> Prior:
    from scipy import stats

    values = np.arange(len(probabilities))
    return Prior(
        name,
        "categorical",
        {"p": list(probabilities)},
        "Set by the variant's settings: the probability of each value.",
        stats.rv_discrete(values=(values, probabilities)),
    )


def _switch_prior(name: str, probability: float) -> Prior:
    from scipy import stats

    return Prior(
        name,
        "bernoulli",
        {"p": probability},
        f"Set by structure: the {name} variant holds with probability {probability:g}.",
        stats.bernoulli(probability),
    )


def _unknown_parameter_hint(name: str, structure: Structure) -> str:
    """Why a parameter of the file is not an input of this worldview."""
    variant = structure.replaced.get(name)
    if variant is not None:
        return (
            f" (derived by the {variant} variant, which always holds here "
            f"(structure: {variant}: 1); remove it, or give {variant} a probability below 1 to "
            "keep it as the prior for draws where the variant does not hold)"
        )
    for v in VARIANTS.values():
        if name in v.input_names:
            return f" (an input of the {v.name} variant: add structure: {{{v.name}: p}})"
        if name == v.name:
            return f" (the {v.name} switch is set by structure: {{{v.name}: p}}, not a prior)"
    return ""


def structure_priors(structure: Structure, given: Mapping[str, Prior]) -> dict[str, Prior]:
    """Every input's prior in design order, the structure's own ones built from it.

    The switches and categorical inputs are built from the structure's probabilities and
    settings; every other input takes its ``given`` prior.

    Parameters
    ----------
    structure
        The worldview's structure.
    given
        A prior for every other input of the structure (extra entries are ignored).

    Returns
    -------
    dict
        Input name to prior, in the order of :meth:`Structure.input_specs`.

    Raises
    ------
    KeyError
        An input without a prior.
    """
    categorical = structure.categorical()
    switches = set(structure.switches)
    priors: dict[str, Prior] = {}
    for name_ in structure.input_specs():
        if name_ in categorical:
            priors[name_] = _categorical_prior(name_, categorical[name_])
        elif name_ in switches:
            priors[name_] = _switch_prior(name_, structure.probabilities[name_])
        else:
            priors[name_] = given[name_]
    return priors


def limit_problems(structure: Structure, priors: Mapping[str, Prior], source: str) -> list[str]:
    """List the supports that reach beyond the limits a variant puts on its inputs.

    Inputs without a prior are skipped.
    """
    problems: list[str] = []
    for name_, limits in structure.input_limits().items():
        prior = priors.get(name_)
        for high, inclusive, reason, variant in limits:
            if prior is not None and not (
                prior.support()[1] <= high if inclusive else prior.support()[1] < high
            ):
                problems.append(
                    f"{source}: parameter '{name_}': with the {variant} variant its support "
                    f"must stay {'at or ' if inclusive else ''}below {high:g} {reason} "
                    f"(got {prior.describe()})"
                )
    return problems


def assembly_problems(structure: Structure, priors: Mapping[str, Prior], source: str) -> list[str]:
    """Problems of a complete set of valid priors taken together with a structure.

    The limits a variant puts on its inputs' support, at least one uncertain input, and the
    numerical bound on the outputs (:func:`agi_interventions.admissibility.output_bound`).

    Parameters
    ----------
    structure
        The structure.
    priors
        Every input's prior (:func:`structure_priors`).
    source
        Where they came from, for the messages.

    Returns
    -------
    list of str
        Empty when the worldview is admissible.
    """
    problems = limit_problems(structure, priors, source)
    if all(p.is_fixed for p in priors.values()):
        problems.append(
            f"{source}: every parameter is fixed, so there is no uncertainty to analyse; "
            "give at least one parameter a distribution"
        )
    elif not problems:
        worst, widest = output_bound(dict(priors), structure)
        if not worst <= OUTPUT_LIMIT:
            problems.append(
                f"{source}: at the extremes of these priors (their 1e-12 and 1 - 1e-12 "
                f"quantiles) the model's outputs can reach {worst:.3g}, beyond the "
                f"{OUTPUT_LIMIT:g} the pipeline can sum in double precision; the priors "
                f"spanning most orders of magnitude are {', '.join(widest)}: narrow them or "
                "rescale"
            )
    return problems


def load_worldview(path: str | Path, name: str | None = None) -> Worldview:
    """Read and validate a worldview (prior) file.

    Parameters
    ----------
    path
        YAML file with ``parameters:`` and optional ``description:`` and ``structure:`` (or
        the old ``parametrisation:``).
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
    unknown_top = [k for k in data if k not in TOP_LEVEL_KEYS]
    if unknown_top:
        problems.append(
            f"{source}: unknown top-level key(s) {', '.join(quote(k) for k in unknown_top)} "
            f"(known: {', '.join(TOP_LEVEL_KEYS)})"
        )
    structure, found = parse_structure(data, source)
    if found:  # the inputs depend on the structure: nothing more can be checked
        raise PriorError([*problems, *found])
    specs = structure.input_specs()
    categorical = structure.categorical()
    switches = set(structure.switches) | set(categorical)
    given = data["parameters"]
    known = known_names()
    for name_ in given:
        if name_ not in specs or name_ in switches:
            hint = _unknown_parameter_hint(str(name_), structure)
            what = "not an input of this worldview" if name_ in known else "unknown parameter"
            problems.append(f"{source}: parameter {quote(name_)}: {what}{hint}")
    priors: dict[str, Prior] = {}
    for name_, spec in specs.items():
        if name_ in switches:
            continue
        if name_ not in given:
            problems.append(f"{source}: parameter '{name_}': missing ({spec.description})")
            continue
        prior, found = parse_prior(name_, given[name_], spec, source)
        problems.extend(found)
        if prior is not None:
            priors[name_] = prior
    if len(priors) + len(switches) == len(specs) and not problems:
        priors = structure_priors(structure, priors)
        problems.extend(assembly_problems(structure, priors, source))
    else:
        problems.extend(limit_problems(structure, priors, source))
    description = data.get("description", "")
    problem = text_problem(description)
    if problem:
        problems.append(f"{source}: 'description' {problem}")
    if problems:
        raise PriorError(problems)
    logger.info(
        "loaded worldview %s from %s: %d uncertain of %d inputs; structure: %s",
        name or path.stem,
        path,
        sum(not p.is_fixed for p in priors.values()),
        len(priors),
        structure.describe(),
    )
    return Worldview(
        name=name or path.stem,
        path=path,
        description=description,
        structure=structure,
        priors=priors,
        fingerprint=content_fingerprint(data),
    )
