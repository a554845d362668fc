"""Canonical parameter names, their admissible ranges and groups, interventions and outputs.

Everything here restates ``docs/model.md``: the keys are used verbatim in code, configs and
outputs, and the ranges are what prior validation enforces. The inputs that structural
variants add are declared with their variants (:mod:`agi_interventions.structure`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ParameterSpec:
    """One model input and the range its prior must stay inside.

    Attributes
    ----------
    name
        Canonical key (``docs/model.md``).
    symbol
        The post's symbol, for reports.
    description
        One-line meaning.
    low, high
        Bounds of the admissible range (``-inf``/``inf`` for unbounded).
    low_open, high_open
        Whether the bound itself is excluded (``F_V`` may not reach 0 or 1).
    group
        EVPPI group the parameter belongs to by default (:data:`CANONICAL_GROUPS`).
    kind
        ``continuous``, or ``switch`` for a structure switch (0 or 1).
    """

    name: str
    symbol: str
    description: str
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    group: str = ""
    kind: str = "continuous"

    @property
    def is_discrete(self) -> bool:
        """Whether the input takes a few values only (a structure switch)."""
        return self.kind != "continuous"

    def range_text(self) -> str:
        """Return the admissible range in interval notation, e.g. ``(0, 1)``."""
        if math.isinf(self.low) and math.isinf(self.high):
            return "any real number"
        left = "(" if self.low_open or math.isinf(self.low) else "["
        right = ")" if self.high_open or math.isinf(self.high) else "]"
        return f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"

    def contains(self, low: float, high: float) -> bool:
        """Whether a support ``[low, high]`` lies inside the admissible range.

        Parameters
        ----------
        low, high
            Smallest and largest value a prior can produce (closed support).

        Returns
        -------
        bool
            True when every value of the support is admissible.
        """
        lower_ok = low > self.low if self.low_open else low >= self.low
        upper_ok = high < self.high if self.high_open else high <= self.high
        return bool(lower_ok and upper_ok)


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "-inf" if x < 0 else "inf"
    return f"{x:g}"


_UNIT = {"low": 0.0, "high": 1.0}

_SPECS: tuple[ParameterSpec, ...] = (
    ParameterSpec("U_B", "U_B", "utility if bargaining goes as well as possible"),
    ParameterSpec("U_notB", "U_¬B", "utility if bargaining goes as badly as possible"),
    ParameterSpec("b", "b", "baseline bargaining success", **_UNIT),
    ParameterSpec("dUB_dFV", "dU_B/dF_V", "slope of U_B in the aligned fraction F_V"),
    ParameterSpec("dUnotB_dFV", "dU_¬B/dF_V", "slope of U_¬B in the aligned fraction F_V"),
    ParameterSpec("db_dFV", "db/dF_V", "slope of bargaining success in F_V"),
    ParameterSpec("db_dFCV", "db/dF_C|V", "slope of b in the cooperative share of aligned"),
    ParameterSpec("db_dFCnotV", "db/dF_C|¬V", "slope of b in the cooperative share of misaligned"),
    ParameterSpec(
        "F_V",
        "F_V",
        "resource-weighted fraction of agents with our values",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
    ),
    ParameterSpec("F_CV", "F_C|V", "cooperative fraction of agents with our values", **_UNIT),
    ParameterSpec(
        "F_CnotV", "F_C|¬V", "cooperative fraction of agents without our values", **_UNIT
    ),
    ParameterSpec("F_I", "F_I", "fraction of resources our agent controls", **_UNIT),
    ParameterSpec("p_V", "p_V", "probability our agent has our values", **_UNIT),
    ParameterSpec("p_CV", "p_C|V", "probability it is cooperative given our values", **_UNIT),
    ParameterSpec(
        "p_CnotV", "p_C|¬V", "probability it is cooperative given other values", **_UNIT
    ),
    ParameterSpec("dpV_daV", "dp_V/da_V", "tractability of alignment work"),
    ParameterSpec("dpCV_daCV", "dp_C|V/da_C|V", "tractability of cooperation work, aligned case"),
    ParameterSpec(
        "dpCnotV_daCnotV",
        "dp_C|¬V/da_C|¬V",
        "tractability of cooperation work, misaligned case",
    ),
)

#: EVPPI groups of the canonical parameters, in table order.
CANONICAL_GROUPS: tuple[str, ...] = (
    "utilities",
    "bargaining_slopes",
    "landscape",
    "our_agent",
    "tractabilities",
)
_GROUP_OF = {
    "U_B": "utilities",
    "U_notB": "utilities",
    "b": "utilities",
    "dUB_dFV": "bargaining_slopes",
    "dUnotB_dFV": "bargaining_slopes",
    "db_dFV": "bargaining_slopes",
    "db_dFCV": "bargaining_slopes",
    "db_dFCnotV": "bargaining_slopes",
    "F_V": "landscape",
    "F_CV": "landscape",
    "F_CnotV": "landscape",
    "F_I": "our_agent",
    "p_V": "our_agent",
    "p_CV": "our_agent",
    "p_CnotV": "our_agent",
    "dpV_daV": "tractabilities",
    "dpCV_daCV": "tractabilities",
    "dpCnotV_daCnotV": "tractabilities",
}

PARAMETERS: dict[str, ParameterSpec] = {
    spec.name: replace(spec, group=_GROUP_OF[spec.name]) for spec in _SPECS
}

PARAMETER_NAMES: tuple[str, ...] = tuple(PARAMETERS)

INTERVENTIONS: dict[str, str] = {
    "a_V": "Alignment",
    "a_CV": "Cooperation, aligned",
    "a_CnotV": "Cooperation, misaligned",
}

ALIGNMENT_CHANNELS: dict[str, str] = {
    "a_V_bargaining": "Bargaining (D·star)",
    "a_V_success_shift": "Success-world value shift (b·dU_B/dF_V)",
    "a_V_failure_shift": "Failure-world value shift ((1-b)·dU_¬B/dF_V)",
}

OUTPUTS: tuple[str, ...] = (*INTERVENTIONS, *ALIGNMENT_CHANNELS, "U")

#: Pairwise differences of marginal values whose indices say which beliefs move the choice.
DIFFERENCES: tuple[tuple[str, str], ...] = (
    ("a_CnotV", "a_V"),
    ("a_CV", "a_V"),
    ("a_CnotV", "a_CV"),
)


def difference_name(first: str, second: str) -> str:
    """Return the output name of ``first - second``, e.g. ``a_CnotV-a_V``."""
    return f"{first}-{second}"


def relative_difference_name(first: str, second: str) -> str:
    """Return the output name of ``(first - second) / (|first| + |second|)``.

    A scale-free difference in [-1, 1]: a factor common to both values (such as ``F_I``,
    which multiplies every marginal value) cancels, and its sign says which is larger.
    """
    return f"rel:{first}-{second}"


def indicator_name(winner: str) -> str:
    """Return the output name of the indicator that ``winner`` is the per-draw best."""
    return f"best_is_{winner}"


def symbol(name: str) -> str:
    """Return the symbol of a parameter or variant input (its key if it has none)."""
    from agi_interventions.structure import known_names

    spec = known_names().get(name)
    return spec.symbol if spec else name


#: Display names of the parameter groups.
GROUP_LABELS: dict[str, str] = {
    "utilities": "utilities",
    "bargaining_slopes": "bargaining slopes",
    "landscape": "landscape of agents",
    "our_agent": "our agent",
    "tractabilities": "tractabilities",
    "structure": "model structure",
    "EVPI": "everything (EVPI)",
}


def display(name: str) -> str:
    """Return the one name the report uses for a key: intervention, output, parameter, group.

    Interventions and outputs get their labels (``a_CV``: "Cooperation, aligned"), parameters
    and variant inputs their symbols from ``docs/model.md`` (``dpCV_daCV``: "dp_C|V/da_C|V"),
    parameter groups a short phrase; anything else is shown as it is.
    """
    text = label(name)
    if text != name:
        return text
    if name in GROUP_LABELS:
        return GROUP_LABELS[name]
    return symbol(name)


def label(name: str) -> str:
    """Return the human-readable name of an intervention or output key.

    Parameters
    ----------
    name
        An intervention, channel or output key.

    Returns
    -------
    str
        Its report label, or the key itself when it has none.
    """
    known = {**INTERVENTIONS, **ALIGNMENT_CHANNELS, "U": "Expected utility U"}
    if name in known:
        return known[name]
    if name.startswith("rel:"):
        first, _, second = name[4:].partition("-")
        if first in INTERVENTIONS and second in INTERVENTIONS:
            return (
                f"{INTERVENTIONS[first]} vs {INTERVENTIONS[second]}, relative "
                "(difference / sum of magnitudes)"
            )
    first, dash, second = name.partition("-")
    if dash and first in INTERVENTIONS and second in INTERVENTIONS:
        return f"{INTERVENTIONS[first]} − {INTERVENTIONS[second]}"
    if name.startswith("best_is_") and name[8:] in INTERVENTIONS:
        return f"{INTERVENTIONS[name[8:]]} is the per-draw best"
    return name
