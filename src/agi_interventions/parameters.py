"""Canonical parameter names, their admissible ranges, interventions and outputs.

Everything here restates ``model.md``: the keys are used verbatim in code, configs and
outputs, and the ranges are what prior validation enforces.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParameterSpec:
    """One model input and the range its prior must stay inside.

    Attributes
    ----------
    name
        Canonical key (``model.md``).
    symbol
        The post's symbol, for reports.
    description
        One-line meaning.
    low, high
        Bounds of the admissible range (``-inf``/``inf`` for unbounded).
    low_open, high_open
        Whether the bound itself is excluded (``F_V`` may not reach 0 or 1).
    """

    name: str
    symbol: str
    description: str
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

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

PARAMETERS: dict[str, ParameterSpec] = {
    spec.name: spec
    for spec in (
        ParameterSpec("U_B", "U_B", "utility if bargaining goes as well as possible"),
        ParameterSpec("U_notB", "U_¬B", "utility if bargaining goes as badly as possible"),
        ParameterSpec("b", "b", "baseline bargaining success", **_UNIT),
        ParameterSpec("dUB_dFV", "dU_B/dF_V", "slope of U_B in the aligned fraction F_V"),
        ParameterSpec("dUnotB_dFV", "dU_¬B/dF_V", "slope of U_¬B in the aligned fraction F_V"),
        ParameterSpec("db_dFV", "db/dF_V", "slope of bargaining success in F_V"),
        ParameterSpec("db_dFCV", "db/dF_C|V", "slope of b in the cooperative share of aligned"),
        ParameterSpec(
            "db_dFCnotV", "db/dF_C|¬V", "slope of b in the cooperative share of misaligned"
        ),
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
        ParameterSpec(
            "dpCV_daCV", "dp_C|V/da_C|V", "tractability of cooperation work, aligned case"
        ),
        ParameterSpec(
            "dpCnotV_daCnotV",
            "dp_C|¬V/da_C|¬V",
            "tractability of cooperation work, misaligned case",
        ),
    )
}

PARAMETER_NAMES: tuple[str, ...] = tuple(PARAMETERS)

#: Rest-of-world parameters of the consistent-by-construction parametrisation: the share of
#: the rest of the world (resource share ``1 - F_I``) that has our values, and the cooperative
#: shares within its aligned and misaligned parts. They replace ``F_V``, ``F_CV``, ``F_CnotV``.
REST_OF_WORLD: dict[str, ParameterSpec] = {
    "R_V": ParameterSpec(
        "R_V",
        "R_V",
        "fraction of the rest of the world with our values",
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
    ),
    "R_CV": ParameterSpec(
        "R_CV", "R_C|V", "cooperative fraction of the rest of the world's aligned agents", **_UNIT
    ),
    "R_CnotV": ParameterSpec(
        "R_CnotV",
        "R_C|¬V",
        "cooperative fraction of the rest of the world's misaligned agents",
        **_UNIT,
    ),
}
DERIVED_BY_REST_OF_WORLD: tuple[str, ...] = ("F_V", "F_CV", "F_CnotV")

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


def indicator_name(winner: str) -> str:
    """Return the output name of the indicator that ``winner`` is the per-draw best."""
    return f"best_is_{winner}"


def symbol(name: str) -> str:
    """Return the post's symbol of a parameter (its key if it has none)."""
    spec = PARAMETERS.get(name) or REST_OF_WORLD.get(name)
    return spec.symbol if spec else name


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
    first, dash, second = name.partition("-")
    if dash and first in INTERVENTIONS and second in INTERVENTIONS:
        return f"{INTERVENTIONS[first]} − {INTERVENTIONS[second]}"
    if name.startswith("best_is_") and name[8:] in INTERVENTIONS:
        return f"{INTERVENTIONS[name[8:]]} is the per-draw best"
    return name


def resolve_groups(
    groups: Mapping[str, Sequence[str]], inputs: Sequence[str]
) -> dict[str, list[str]]:
    """Map parameter groups onto the uncertain inputs actually sampled.

    Under the rest-of-world parametrisation ``R_V``, ``R_CV`` and ``R_CnotV`` stand in for
    ``F_V``, ``F_CV`` and ``F_CnotV``; fixed parameters are dropped, and a group left empty is
    dropped (logged).

    Parameters
    ----------
    groups
        Group name to parameter names.
    inputs
        Names of the uncertain inputs.

    Returns
    -------
    dict of str to list of str
        Group name to the uncertain inputs it covers.
    """
    stand_in = {"F_V": "R_V", "F_CV": "R_CV", "F_CnotV": "R_CnotV"}
    available = set(inputs)
    resolved: dict[str, list[str]] = {}
    for name, members in groups.items():
        mapped: list[str] = []
        for member in members:
            if member not in available and stand_in.get(member) in available:
                member = stand_in[member]
            if member in available and member not in mapped:
                mapped.append(member)
        if mapped:
            resolved[name] = mapped
        else:
            logger.info("group %s has no uncertain inputs; left out", name)
    return resolved
