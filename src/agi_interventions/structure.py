"""The model's structural variants, declared once, and a worldview's structure.

Every variant derives some of the canonical parameters of ``docs/model.md`` from new inputs,
so the closed form (:mod:`agi_interventions.model`), the outputs and the estimators stay as
they are: what changes is how a worldview's *sampled inputs* become the canonical inputs.

==================  ===========================================================  ==============
variant             derives                                                      from
==================  ===========================================================  ==============
``rest_of_world``   ``F_V``, ``F_CV``, ``F_CnotV`` (consistent by construction)  ``R_V``,
                                                                                 ``R_CV``,
                                                                                 ``R_CnotV``
``locality``        ``db_dFCV = k_C pi_V``, ``db_dFCnotV = k_C (1 - pi_V)``,     ``l``, ``k_C``
                    ``pi_V = l + (1 - l) F_V``
``coalition_size``  ``db_dFV = s (F_V - theta)``                                 ``s``,
                                                                                 ``theta``
==================  ===========================================================  ==============

A worldview states, per variant, the probability that it holds (``structure:`` in its prior
file). At probability 1 the variant always holds and the parameters it replaces are not
inputs; strictly between 0 and 1 the worldview keeps a prior on each replaced parameter too,
and a *switch*, an input named after the variant and Bernoulli distributed with that
probability, chooses per draw: ``x = z x_variant + (1 - z) x_prior``. :class:`Structure`
answers everything the rest of the package asks about a worldview's structure: its inputs
(:meth:`Structure.input_specs`), how sampled inputs become canonical parameters
(:meth:`Structure.complete`), the outputs as sums of products of one-parameter factors for
the exact engine (:meth:`Structure.product_forms`), stand-ins for parameter groups, and a
plain record for ``design.json`` from which chunk jobs rebuild it. No other module tests a
variant's name.

This module imports NumPy only (no scipy), so that the chunk jobs stay light.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from agi_interventions.parameters import (
    CANONICAL_GROUPS,
    PARAMETER_NAMES,
    PARAMETERS,
    ParameterSpec,
)
from agi_interventions.population import fractions_from_rest_of_world

if TYPE_CHECKING:
    from agi_interventions.exact.terms import ProductSum

#: EVPPI group of every structure switch.
STRUCTURE_GROUP = "structure"

#: Order of parameter groups in tables: the canonical groups, then the switches.
GROUP_ORDER: tuple[str, ...] = (*CANONICAL_GROUPS, STRUCTURE_GROUP)

Columns = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Variant:
    """One structural variant of the model.

    Attributes
    ----------
    name
        Key in a prior file's ``structure:`` mapping; also the name of its switch input.
    description
        One sentence for reports.
    inputs
        The new sampled inputs, each with its admissible range, symbol and EVPPI group.
    replaces
        Canonical parameters it computes.
    reads
        Canonical parameters its formulas read (never one a later variant replaces).
    derive
        Vectorised, pure: the columns of ``inputs`` and ``reads`` and the variant's settings
        (:attr:`parse_settings`) to the replaced parameters.
    product_form
        Where one exists: a function returning each replaced parameter as a
        :class:`~agi_interventions.exact.terms.ProductSum` over ``inputs`` and ``reads``
        (the exact engine substitutes it into the closed form); None otherwise.
    no_product_form
        Why there is none (for the report), when ``product_form`` is None.
    stand_ins
        For parameter groups: replaced parameter to the inputs that stand in for it (default:
        every input).
    consistent_by_construction
        Whether, when it always holds, every draw describes a possible population.
    input_limits
        Extra conditions on the supports of canonical inputs when the variant is active:
        parameter to ``(largest allowed upper end, inclusive?, reason)``.
    settings_key
        Top-level key of a prior file holding the variant's settings ('' for none).
    parse_settings
        Reads that section: ``(section, source) -> (settings, problems)``.
    extra_inputs
        Inputs the settings add (e.g. a categorical input for an uncertain choice among
        theories): ``settings -> specs``.
    """

    name: str
    description: str
    inputs: tuple[ParameterSpec, ...]
    replaces: tuple[str, ...]
    reads: tuple[str, ...]
    derive: Callable[[Columns, Mapping[str, Any]], dict[str, np.ndarray]]
    product_form: Callable[[], dict[str, ProductSum]] | None = None
    no_product_form: str = ""
    stand_ins: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    consistent_by_construction: bool = False
    input_limits: Mapping[str, tuple[float, bool, str]] = field(default_factory=dict)
    settings_key: str = ""
    parse_settings: Callable[[Any, str], tuple[dict[str, Any], list[str]]] | None = None
    extra_inputs: Callable[[Mapping[str, Any]], tuple[ParameterSpec, ...]] | None = None
    monotone: bool = True
    """Whether each derived parameter is monotone in each input (the admissibility bound's
    corner ranges are then exact; otherwise random interior points are added)."""
    relative_cost: float = 1.0
    """Model evaluations with this variant cost about this many times the closed form's
    (measured on fresh batches of 2^13 draws: the game about 40 times). It sizes the nested
    Monte Carlo deterministically (:func:`agi_interventions.voi.nested.budget_settings`), so
    the tables never depend on how busy the machine is."""

    @property
    def input_names(self) -> tuple[str, ...]:
        """Names of the new inputs."""
        return tuple(spec.name for spec in self.inputs)

    def stand_ins_for(self, parameter: str) -> tuple[str, ...]:
        """Return the inputs that stand in for a replaced parameter in a parameter group."""
        return tuple(self.stand_ins.get(parameter, self.input_names))


# --------------------------------------------------------------------------- the variants

_UNIT = {"low": 0.0, "high": 1.0}


def _rest_of_world(p: Columns, settings: Mapping[str, Any]) -> dict[str, np.ndarray]:
    return fractions_from_rest_of_world(p)


def _locality(p: Columns, settings: Mapping[str, Any]) -> dict[str, np.ndarray]:
    l_, k_c, f_v = (np.asarray(p[k], dtype=np.float64) for k in ("l", "k_C", "F_V"))
    pi_v = l_ + (1.0 - l_) * f_v
    return {"db_dFCV": k_c * pi_v, "db_dFCnotV": k_c * (1.0 - pi_v)}


def _locality_form() -> dict[str, ProductSum]:
    from agi_interventions.exact.terms import ProductSum

    l_, one_minus_l = ProductSum.parameter("l", "x"), ProductSum.parameter("l", "1-x")
    k_c = ProductSum.parameter("k_C", "x")
    f_v, one_minus_fv = ProductSum.parameter("F_V", "x"), ProductSum.parameter("F_V", "1-x")
    return {
        "db_dFCV": k_c * (l_ + one_minus_l * f_v),
        "db_dFCnotV": k_c * one_minus_l * one_minus_fv,
    }


def _coalition_size(p: Columns, settings: Mapping[str, Any]) -> dict[str, np.ndarray]:
    s, theta, f_v = (np.asarray(p[k], dtype=np.float64) for k in ("s", "theta", "F_V"))
    return {"db_dFV": s * (f_v - theta)}


def _coalition_size_form() -> dict[str, ProductSum]:
    from agi_interventions.exact.terms import ProductSum

    s = ProductSum.parameter("s", "x")
    return {
        "db_dFV": s * ProductSum.parameter("F_V", "x") - s * ProductSum.parameter("theta", "x")
    }


REST_OF_WORLD = Variant(
    name="rest_of_world",
    description=(
        "Priors describe the rest of the world (its share with our values and its cooperative "
        "shares); F_V, F_C|V and F_C|¬V are derived, so every draw is a possible population."
    ),
    inputs=(
        ParameterSpec(
            "R_V",
            "R_V",
            "fraction of the rest of the world with our values",
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
            group="landscape",
        ),
        ParameterSpec(
            "R_CV",
            "R_C|V",
            "cooperative fraction of the rest of the world's aligned agents",
            group="landscape",
            **_UNIT,
        ),
        ParameterSpec(
            "R_CnotV",
            "R_C|¬V",
            "cooperative fraction of the rest of the world's misaligned agents",
            group="landscape",
            **_UNIT,
        ),
    ),
    replaces=("F_V", "F_CV", "F_CnotV"),
    reads=("F_I", "p_V", "p_CV", "p_CnotV"),
    derive=_rest_of_world,
    no_product_form=(
        "the rest_of_world variant derives F_V, F_C|V and F_C|¬V from several inputs, and the "
        "model divides by F_V and 1 - F_V, so the outputs are not sums of products of "
        "functions of single independent inputs"
    ),
    stand_ins={"F_V": ("R_V",), "F_CV": ("R_CV",), "F_CnotV": ("R_CnotV",)},
    consistent_by_construction=True,
    input_limits={"F_I": (1.0, False, "so that a rest of the world exists")},
)

LOCALITY = Variant(
    name="locality",
    description=(
        "Bargaining partners are drawn preferentially from agents with similar values: the "
        "chance a partner shares our values is pi_V = l + (1 - l) F_V, and the slopes of "
        "bargaining success in the cooperative fractions are k_C pi_V and k_C (1 - pi_V)."
    ),
    inputs=(
        ParameterSpec(
            "l",
            "l",
            "locality: share of bargaining interactions with same-values agents beyond chance",
            group="bargaining_slopes",
            **_UNIT,
        ),
        ParameterSpec(
            "k_C",
            "k_C",
            "sensitivity of bargaining success to the cooperativeness of partners",
            group="bargaining_slopes",
        ),
    ),
    replaces=("db_dFCV", "db_dFCnotV"),
    reads=("F_V",),
    derive=_locality,
    product_form=_locality_form,
)

COALITION_SIZE = Variant(
    name="coalition_size",
    description=(
        "The size of the value coalition changes bargaining success: db/dF_V = s (F_V - theta), "
        "negative below the threshold theta and positive above it."
    ),
    inputs=(
        ParameterSpec(
            "s",
            "s",
            "strength of the coalition-size effect on bargaining success",
            group="bargaining_slopes",
        ),
        ParameterSpec(
            "theta",
            "θ",
            "coalition size above which a larger coalition helps bargaining",
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
            group="bargaining_slopes",
        ),
    ),
    replaces=("db_dFV",),
    reads=("F_V",),
    derive=_coalition_size,
    product_form=_coalition_size_form,
)

#: Every variant, in the order in which they are applied (a variant may read what an earlier
#: one derives).
#: The choice of bargaining theory, when a worldview is uncertain about it.
THEORY_INPUT = "bargaining_theory"


def _parse_bargaining(section: Any, source: str) -> tuple[dict[str, Any], list[str]]:
    """Read a prior file's ``bargaining:`` section (the game's settings)."""
    from agi_interventions.game import PUNISH, SELECTIONS, THEORIES

    where = f"{source}: bargaining"
    if section is None:
        section = {}
    if not isinstance(section, Mapping):
        return {}, [f"{where}: expected a mapping such as {{theory: nash, punish: V}}"]
    problems = []
    known = ("theory", "punish", "nash_selection", "correlated_selection")
    unknown = [k for k in section if k not in known]
    if unknown:
        problems.append(
            f"{where}: unknown key(s) {', '.join(map(str, unknown))} (known: {', '.join(known)})"
        )
    theory = section.get("theory", "nash")
    probabilities: dict[str, float] = {}
    if isinstance(theory, str):
        if theory not in THEORIES:
            problems.append(f"{where}: theory {theory!r} unknown (known: {', '.join(THEORIES)})")
        else:
            probabilities = {theory: 1.0}
    elif isinstance(theory, Mapping):
        for name, p in theory.items():
            if name not in THEORIES:
                problems.append(f"{where}: theory {name!r} unknown (known: {', '.join(THEORIES)})")
            elif isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
                problems.append(f"{where}: theory {name}: probability must be in [0, 1]")
            else:
                probabilities[name] = float(p)
        total = sum(probabilities.values())
        if not problems and not math.isclose(total, 1.0, abs_tol=1e-9):
            problems.append(f"{where}: theory probabilities add up to {total:g}, not 1")
    else:
        problems.append(
            f"{where}: theory must be one of {', '.join(THEORIES)} or a mapping of them to "
            "probabilities"
        )
    settings: dict[str, Any] = {
        "theory": {t: probabilities.get(t, 0.0) for t in THEORIES},
        "punish": section.get("punish", "none"),
        "nash_selection": section.get("nash_selection", "worst_for_V"),
        "correlated_selection": section.get("correlated_selection", "utilitarian"),
    }
    if settings["punish"] not in PUNISH:
        problems.append(f"{where}: punish must be one of {', '.join(PUNISH)}")
    for key in ("nash_selection", "correlated_selection"):
        if settings[key] not in SELECTIONS:
            problems.append(f"{where}: {key} must be one of {', '.join(SELECTIONS)}")
    return settings, problems


def _theory_probabilities(settings: Mapping[str, Any]) -> list[float]:
    from agi_interventions.game import THEORIES

    theory = settings.get("theory", {"nash": 1.0})
    return [float(theory.get(t, 0.0)) for t in THEORIES]


def _bargaining_inputs(settings: Mapping[str, Any]) -> tuple[ParameterSpec, ...]:
    """Return the categorical theory input, when the worldview is unsure of the theory."""
    probabilities = _theory_probabilities(settings)
    if max(probabilities) == 1.0:
        return ()
    return (
        ParameterSpec(
            THEORY_INPUT,
            "theory",
            "bargaining theory: 0 coco, 1 nash, 2 correlated",
            low=0.0,
            high=2.0,
            group=STRUCTURE_GROUP,
            kind="categorical",
        ),
    )


#: Recent results of the bargaining game, by a hash of its inputs (the nested estimators
#: evaluate the same game inputs at many values of another belief).
_GAME_CACHE: dict[bytes, dict[str, np.ndarray]] = {}
_GAME_CACHE_SIZE = 64
_GAME_INPUTS = ("F_V", "g", "t", "c", "gamma", "k", "h", "lam")


def _bargaining(p: Columns, settings: Mapping[str, Any]) -> dict[str, np.ndarray]:
    import hashlib

    digest = hashlib.blake2b(repr(sorted(settings.items())).encode(), digest_size=16)
    for name in (*_GAME_INPUTS, THEORY_INPUT):
        if name in p:
            column = np.ascontiguousarray(np.asarray(p[name], dtype=np.float64))
            digest.update(name.encode())
            digest.update(str(column.shape).encode())
            digest.update(column.tobytes())
    key = digest.digest()
    if key not in _GAME_CACHE:
        if len(_GAME_CACHE) >= _GAME_CACHE_SIZE:
            _GAME_CACHE.pop(next(iter(_GAME_CACHE)))
        _GAME_CACHE[key] = _solve_game(p, settings)
    return {k: v.copy() for k, v in _GAME_CACHE[key].items()}


def _solve_game(p: Columns, settings: Mapping[str, Any]) -> dict[str, np.ndarray]:
    from agi_interventions.game import THEORIES, derive_utilities

    if THEORY_INPUT in p:
        theory: Any = np.asarray(p[THEORY_INPUT]).astype(np.int64)
    else:
        theory = THEORIES[int(np.argmax(_theory_probabilities(settings)))]
    size = max(np.size(p[k]) for k in _GAME_INPUTS)
    inputs = {
        k: np.broadcast_to(np.asarray(p[k], dtype=np.float64), (size,)) for k in _GAME_INPUTS
    }
    if not isinstance(theory, str):
        theory = np.broadcast_to(theory, (size,))
    return derive_utilities(
        inputs,
        theory=theory,
        punish=settings.get("punish", "none"),
        nash_selection=settings.get("nash_selection", "worst_for_V"),
        correlated_selection=settings.get("correlated_selection", "utilitarian"),
    )


BARGAINING = Variant(
    name="bargaining",
    description=(
        "U_B, U_¬B and their slopes in F_V come from an explicit game between the coalition "
        "with our values and the rest (cooperate, demand, punish), bargained over by a theory "
        "(CoCo value, Nash or correlated equilibrium as the disagreement point)."
    ),
    inputs=(
        ParameterSpec("g", "g", "gains from trade", low=0.0, group="bargaining_game"),
        ParameterSpec(
            "t", "t", "share a demand grabs", low=0.0, high=1.0, group="bargaining_game"
        ),
        ParameterSpec(
            "c",
            "c",
            "share of resources a conflict destroys",
            low=0.0,
            high=1.0,
            group="bargaining_game",
        ),
        ParameterSpec(
            "gamma",
            "γ",
            "contest decisiveness (0: conflict is a coin flip)",
            low=0.0,
            group="bargaining_game",
        ),
        ParameterSpec(
            "k", "k", "cost of punishing, to the punisher", low=0.0, group="bargaining_game"
        ),
        ParameterSpec(
            "h", "h", "harm of punishment, to the punished", low=0.0, group="bargaining_game"
        ),
        ParameterSpec(
            "lam",
            "λ",
            "worth to our values of resources held by others (0 parochial, 1 cosmopolitan)",
            low=0.0,
            high=1.0,
            group="bargaining_game",
        ),
    ),
    replaces=("U_B", "U_notB", "dUB_dFV", "dUnotB_dFV"),
    reads=("F_V",),
    derive=_bargaining,
    no_product_form=(
        "the bargaining game derives U_B, U_¬B and their slopes jointly from F_V and the "
        "game's inputs, so the outputs are not sums of products of functions of single inputs"
    ),
    settings_key="bargaining",
    parse_settings=_parse_bargaining,
    extra_inputs=_bargaining_inputs,
    monotone=False,
    relative_cost=40.0,
)

VARIANTS: dict[str, Variant] = {
    v.name: v for v in (REST_OF_WORLD, LOCALITY, COALITION_SIZE, BARGAINING)
}


def _check_registry(variants: Mapping[str, Variant]) -> None:
    replaced: dict[str, str] = {}
    names = set(PARAMETER_NAMES)
    for variant in variants.values():
        for parameter in (*variant.replaces, *variant.reads):
            if parameter not in PARAMETERS:
                raise ValueError(f"variant {variant.name}: {parameter} is not canonical")
        for parameter in variant.replaces:
            replaced.setdefault(parameter, variant.name)
        for spec in variant.inputs:
            if spec.name in names:
                raise ValueError(f"variant {variant.name}: input {spec.name} is taken")
            names.add(spec.name)
        if variant.name in names:
            raise ValueError(f"variant {variant.name}: its switch name is taken")
        names.add(variant.name)
    order = list(variants)
    for variant in variants.values():
        for parameter in variant.reads:
            owner = replaced.get(parameter)
            if owner is not None and order.index(owner) > order.index(variant.name):
                raise ValueError(
                    f"variant {variant.name} reads {parameter}, which the later variant "
                    f"{owner} replaces"
                )


_check_registry(VARIANTS)


def switch_spec(variant: Variant) -> ParameterSpec:
    """Return the spec of a variant's switch input (1 where the variant holds, else 0)."""
    return ParameterSpec(
        variant.name,
        variant.name,
        f"1 where the {variant.name} variant holds, 0 where not",
        low=0.0,
        high=1.0,
        group=STRUCTURE_GROUP,
        kind="switch",
    )


def known_names() -> dict[str, ParameterSpec]:
    """Every input name a worldview can have: canonical, variant inputs and switches."""
    known = dict(PARAMETERS)
    for variant in VARIANTS.values():
        known.update({spec.name: spec for spec in variant.inputs})
        known[variant.name] = switch_spec(variant)
    return known


# --------------------------------------------------------------------------- structure


@dataclass(frozen=True)
class Structure:
    """A worldview's structure: the active variants and the probability that each holds.

    Parameters
    ----------
    probabilities
        Variant name to the probability that it holds, in ``(0, 1]`` (variants that never hold
        are left out). Order does not matter; variants apply in registry order.
    settings
        Variant name to its settings (e.g. the bargaining game's theory), for variants that
        have any (:attr:`Variant.parse_settings`).
    """

    probabilities: Mapping[str, float] = field(default_factory=dict)
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [n for n in self.probabilities if n not in VARIANTS]
        if unknown:
            raise ValueError(f"unknown variant(s) {', '.join(unknown)}")
        for name, p in self.probabilities.items():
            if not 0.0 < p <= 1.0:
                raise ValueError(f"variant {name}: probability {p} outside (0, 1]")
        ordered = {n: float(self.probabilities[n]) for n in VARIANTS if n in self.probabilities}
        object.__setattr__(self, "probabilities", ordered)

    # ------------------------------------------------------------------ what it holds

    @property
    def variants(self) -> list[Variant]:
        """Active variants, in registry order."""
        return [VARIANTS[name] for name in self.probabilities]

    @property
    def switches(self) -> list[str]:
        """Variants that hold with a probability strictly between 0 and 1 (their switches)."""
        return [name for name, p in self.probabilities.items() if p < 1.0]

    @property
    def always(self) -> list[str]:
        """Variants that always hold."""
        return [name for name, p in self.probabilities.items() if p == 1.0]

    @property
    def replaced(self) -> dict[str, str]:
        """Canonical parameters no longer inputs (their variant always holds) to that variant."""
        return {p: v.name for v in self.variants if v.name in self.always for p in v.replaces}

    @property
    def switched(self) -> dict[str, str]:
        """Canonical parameters a switched variant may replace, to that variant."""
        return {p: v.name for v in self.variants if v.name in self.switches for p in v.replaces}

    @property
    def relative_cost(self) -> float:
        """Cost of one model evaluation relative to the closed form's.

        Each active variant adds its :attr:`Variant.relative_cost` beyond the closed form's 1.
        """
        return 1.0 + sum(v.relative_cost - 1.0 for v in self.variants)

    @property
    def costly_inputs(self) -> frozenset[str]:
        """Inputs read by a variant that costs more than the closed form (its derivation).

        A variant's own inputs, the canonical parameters it reads, its extra inputs and its
        switch, for every variant with :attr:`Variant.relative_cost` above 1. An estimator
        that varies one input over many values with the others fixed needs to re-derive only
        when the input is one of these (see :mod:`agi_interventions.voi.nested`).
        """
        names: set[str] = set()
        for variant in self.variants:
            if variant.relative_cost <= 1.0:
                continue
            names.update(spec.name for spec in variant.inputs)
            names.update(variant.reads)
            if variant.extra_inputs is not None:
                extra = variant.extra_inputs(self.settings.get(variant.name, {}))
                names.update(spec.name for spec in extra)
            if variant.name in self.switches:
                names.add(variant.name)
        return frozenset(names)

    @property
    def derivations_reusable(self) -> bool:
        """Whether a costly variant's derivation depends on :attr:`costly_inputs` alone.

        False when it reads a parameter that another variant derives (then other inputs
        enter it too), or when there is no costly variant.
        """
        costly = [v for v in self.variants if v.relative_cost > 1.0]
        derived_elsewhere = {
            name for v in self.variants if v.relative_cost <= 1.0 for name in v.replaces
        }
        return bool(costly) and not any(set(v.reads) & derived_elsewhere for v in costly)

    @property
    def consistent_by_construction(self) -> bool:
        """Whether every draw describes a possible population (rest of world always)."""
        return any(VARIANTS[name].consistent_by_construction for name in self.always)

    def input_specs(self) -> dict[str, ParameterSpec]:
        """Every input of a worldview with this structure, in design order.

        Returns
        -------
        dict of str to ParameterSpec
            The canonical parameters that remain inputs (canonical order), then per active
            variant its new inputs and, if it is switched, its switch.
        """
        replaced = self.replaced
        specs = {name: spec for name, spec in PARAMETERS.items() if name not in replaced}
        for variant in self.variants:
            specs.update({spec.name: spec for spec in variant.inputs})
            if variant.extra_inputs is not None:
                extra = variant.extra_inputs(self.settings.get(variant.name, {}))
                specs.update({spec.name: spec for spec in extra})
            if variant.name in self.switches:
                specs[variant.name] = switch_spec(variant)
        return specs

    def discrete_states(self) -> dict[str, list[tuple[float, str, float]]]:
        """Each discrete structural input's values, labels and probabilities.

        Returns
        -------
        dict
            Switch name to ``[(1, "holds", p), (0, "does not hold", 1 - p)]``; a categorical
            input (the bargaining theory) to one triple per category with a positive
            probability.
        """
        from agi_interventions.game import THEORIES

        out: dict[str, list[tuple[float, str, float]]] = {}
        for name in self.switches:
            p = self.probabilities[name]
            out[name] = [(1.0, "holds", p), (0.0, "does not hold", 1.0 - p)]
        for name, probabilities in self.categorical().items():
            out[name] = [(float(i), THEORIES[i], p) for i, p in enumerate(probabilities) if p > 0]
        return out

    def categorical(self) -> dict[str, list[float]]:
        """Categorical inputs the settings add, to their probabilities (value i: entry i)."""
        out = {}
        for variant in self.variants:
            if variant.extra_inputs is None:
                continue
            settings = self.settings.get(variant.name, {})
            for spec in variant.extra_inputs(settings):
                out[spec.name] = _theory_probabilities(settings)
        return out

    def why_replaced(self, name: str) -> str:
        """Say which variant replaces a canonical parameter that is not an input ('' if none)."""
        variant = self.replaced.get(name)
        if variant is None:
            return ""
        inputs = ", ".join(VARIANTS[variant].input_names)
        return f"derived from {inputs} by the {variant} variant, which always holds here"

    def input_limits(self) -> dict[str, list[tuple[float, bool, str, str]]]:
        """Return extra limits on inputs' supports: ``(high, inclusive, reason, variant)``."""
        limits: dict[str, list[tuple[float, bool, str, str]]] = {}
        for variant in self.variants:
            for name, (high, inclusive, reason) in variant.input_limits.items():
                limits.setdefault(name, []).append((high, inclusive, reason, variant.name))
        return limits

    # ------------------------------------------------------------------ evaluation

    def complete(
        self,
        columns: Columns,
        *,
        given: Mapping[str, Mapping[str, np.ndarray]] | None = None,
        capture: dict[str, dict[str, np.ndarray]] | None = None,
    ) -> dict[str, np.ndarray]:
        """Turn sampled inputs into every canonical parameter (the inputs are kept too).

        Parameters
        ----------
        columns
            Every input of the worldview (arrays of one length, or scalars).
        given
            Variant name to what its derivation returned for these rows (from ``capture``
            of an earlier call on rows with the same :attr:`costly_inputs`): used instead
            of deriving again. Only for :attr:`derivations_reusable` structures.
        capture
            Filled with what each variant above the closed form's cost derived (variant
            name to columns, before a switch applies).

        Returns
        -------
        dict of str to numpy.ndarray
            The inputs and every canonical parameter: a variant that always holds sets the
            parameters it replaces; a switched one sets them where its switch is 1 and keeps
            the inputs' values where it is 0.
        """
        out = dict(columns)
        for variant in self.variants:
            if given is not None and variant.name in given:
                derived = dict(given[variant.name])
            else:
                derived = variant.derive(out, self.settings.get(variant.name, {}))
            if capture is not None and variant.relative_cost > 1.0:
                capture[variant.name] = dict(derived)
            if variant.name in self.switches:
                on = np.asarray(out[variant.name]) == 1.0
                derived = {k: np.where(on, v, out[k]) for k, v in derived.items()}
            out.update(derived)
        return out

    def canonical(self, columns: Columns) -> dict[str, np.ndarray]:
        """Like :meth:`complete`, but only the canonical parameters (for the closed form)."""
        completed = self.complete(columns)
        return {name: completed[name] for name in PARAMETER_NAMES}

    # ------------------------------------------------------------------ exact engine

    def product_form_reason(self) -> str | None:
        """Why the outputs are not sums of products of one-parameter factors, or None."""
        for variant in self.variants:
            if variant.product_form is None:
                return variant.no_product_form or (
                    f"the {variant.name} variant has no sum-of-products form"
                )
        return None

    def substitutions(self) -> dict[str, ProductSum]:
        """Each replaced or switched canonical parameter as a sum of products of inputs.

        Returns
        -------
        dict of str to ProductSum
            In application order; a switched parameter is ``z f_on + (1 - z) x`` with ``z``
            the switch and ``x`` the input of the same name.

        Raises
        ------
        ValueError
            If a variant has no sum-of-products form (see :meth:`product_form_reason`).
        """
        from agi_interventions.exact.terms import ProductSum

        reason = self.product_form_reason()
        if reason is not None:
            raise ValueError(reason)
        out: dict[str, ProductSum] = {}
        for variant in self.variants:
            forms = variant.product_form()  # type: ignore[misc]
            # what it reads may itself be derived by an earlier variant
            for name, form in list(forms.items()):
                for read, earlier in out.items():
                    if read in form.parameters and read not in forms:
                        form = form.substitute(read, earlier)
                forms[name] = form
            if variant.name in self.switches:
                z = ProductSum.parameter(variant.name, "x")
                not_z = ProductSum.parameter(variant.name, "1-x")
                forms = {
                    name: z * form + not_z * ProductSum.parameter(name, "x")
                    for name, form in forms.items()
                }
            out.update(forms)
        return out

    # ------------------------------------------------------------------ groups

    def stand_ins(self, name: str) -> tuple[str, ...]:
        """Return the inputs standing in for a parameter in a group (itself, if an input)."""
        variant = self.replaced.get(name)
        if variant is None:
            return (name,)
        return VARIANTS[variant].stand_ins_for(name)

    def resolve_groups(
        self,
        groups: Mapping[str, Sequence[str]] | None,
        specs: Mapping[str, ParameterSpec],
        uncertain: Sequence[str],
    ) -> dict[str, list[str]]:
        """Map parameter groups onto a worldview's uncertain inputs.

        Parameters
        ----------
        groups
            Group name to parameter names (from the configuration), or None/empty for the
            groups the inputs' specs declare (:data:`GROUP_ORDER`).
        specs
            The worldview's input specs (:meth:`input_specs`).
        uncertain
            Names of its uncertain (not fixed) inputs, in design order.

        Returns
        -------
        dict of str to list of str
            Group name to the uncertain inputs it covers; a parameter replaced by a variant
            that always holds is stood in for by that variant's inputs; empty groups are left
            out.
        """
        available = set(uncertain)
        if not groups:
            declared: dict[str, list[str]] = {}
            for name in uncertain:
                declared.setdefault(specs[name].group or name, []).append(name)
            order = [g for g in GROUP_ORDER if g in declared]
            order += [g for g in declared if g not in order]
            return {g: declared[g] for g in order}
        resolved: dict[str, list[str]] = {}
        for group, members in groups.items():
            mapped: list[str] = []
            for member in members:
                for name in self.stand_ins(member):
                    if name in available and name not in mapped:
                        mapped.append(name)
            if mapped:
                resolved[group] = mapped
        return resolved

    # ------------------------------------------------------------------ records and text

    def record(self) -> dict[str, Any]:
        """Return a plain record for ``design.json``: probabilities, and settings if any."""
        if not self.settings:
            return dict(self.probabilities)
        return {"probabilities": dict(self.probabilities), "settings": dict(self.settings)}

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> Structure:
        """Rebuild a structure from :meth:`record` (no scipy needed)."""
        record = dict(record or {})
        if "probabilities" in record:
            return cls(
                {str(k): float(v) for k, v in record["probabilities"].items()},
                {str(k): dict(v) for k, v in record.get("settings", {}).items()},
            )
        return cls({str(k): float(v) for k, v in record.items()})

    def describe(self) -> str:
        """Say in words which variants hold, e.g. ``locality (probability 0.5)``."""
        if not self.probabilities:
            return "the model of docs/model.md, without structural variants"
        parts = []
        for name, p in self.probabilities.items():
            parts.append(name if p == 1.0 else f"{name} (probability {_fmt_p(p)})")
        return ", ".join(parts)


def _fmt_p(p: float) -> str:
    return f"{p:.3g}"


def corner_ranges(
    variant: Variant,
    ranges: Mapping[str, tuple[float, float]],
    extra_points: int = 0,
    settings: Mapping[str, Any] | None = None,
    atoms: Mapping[str, Sequence[float]] | None = None,
) -> dict[str, tuple[float, float]]:
    """Ranges of a variant's derived parameters over the corners of its inputs' ranges.

    Exact for derivations monotone in each input (every variant registered here); with
    ``extra_points`` random interior points added otherwise.

    Parameters
    ----------
    variant
        The variant.
    ranges
        ``(low, high)`` of every input and read parameter.
    extra_points
        Random interior points (fixed seed) evaluated besides the corners.
    settings
        The variant's settings.
    atoms
        Discrete inputs the settings add, to their values (each is tried at every value).

    Returns
    -------
    dict of str to tuple
        Replaced parameter to its ``(min, max)``.
    """
    names = [*variant.input_names, *variant.reads]
    corners = np.array(list(itertools.product((0, 1), repeat=len(names))), dtype=np.float64)
    if extra_points:
        rng = np.random.default_rng(0)
        corners = np.vstack([corners, rng.random((extra_points, len(names)))])
    columns = {}
    for j, name in enumerate(names):
        low, high = ranges[name]
        columns[name] = low + (high - low) * corners[:, j]
    for name, values in (atoms or {}).items():  # every corner at every value of the input
        count = len(corners)
        columns = {k: np.tile(v, len(values)) for k, v in columns.items()}
        columns[name] = np.repeat(np.asarray(values, dtype=np.float64), count)
    with np.errstate(all="ignore"):
        derived = variant.derive(columns, settings or {})
    out = {}
    for name, values in derived.items():
        finite = values[np.isfinite(values)]
        if finite.size < values.size:
            out[name] = (-math.inf, math.inf)
        else:
            out[name] = (float(finite.min()), float(finite.max()))
    return out
