"""Glue between the model's samples and the decision analyses of the pipeline.

Defines which intervention is the current winner, the decision-focused outputs that get
their own Sobol indices, and how parameter groups map onto the sampled inputs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from agi_interventions.parameters import (
    DEFAULT_GROUPS,
    INTERVENTIONS,
    PARAMETER_NAMES,
    REST_OF_WORLD,
)

logger = logging.getLogger(__name__)

#: Pairwise differences whose Sobol indices say which beliefs move the *choice*.
DIFFERENCES: tuple[tuple[str, str], ...] = (
    ("a_CnotV", "a_V"),
    ("a_CV", "a_V"),
    ("a_CnotV", "a_CV"),
)

#: Defaults of the ``decision:`` section of the configuration.
DECISION_DEFAULTS: dict[str, object] = {
    "groups": {name: list(members) for name, members in DEFAULT_GROUPS.items()},
    "evppi_bootstrap": 200,
    "switching_bins": 20,
    "prim_threshold": 0.8,
    "top_parameters": 4,
    "rank_shift": 2,
}

#: Rest-of-world input that stands in for each fraction under that parametrisation.
_REST_OF_WORLD_FOR = {"F_V": "R_V", "F_CV": "R_CV", "F_CnotV": "R_CnotV"}


def difference_name(first: str, second: str) -> str:
    """Return the output name of ``first - second``, e.g. ``a_CnotV-a_V``."""
    return f"{first}-{second}"


def indicator_name(winner: str) -> str:
    """Return the output name of the indicator that ``winner`` is the per-sample best."""
    return f"best_is_{winner}"


def winner_by_mean(values: pd.DataFrame) -> str:
    """Return the intervention with the highest mean over rows where all values are finite.

    Parameters
    ----------
    values
        One column per intervention, rows = independent draws.

    Returns
    -------
    str
        Column name of the winner (first column wins an exact tie).
    """
    finite = values.loc[np.isfinite(values.to_numpy()).all(axis=1)]
    if finite.empty:
        raise ValueError("no draw has finite values for every intervention")
    means = finite.mean(axis=0)
    return str(means.idxmax())


def decision_outputs(samples: pd.DataFrame, winner: str) -> dict[str, np.ndarray]:
    """Build the decision-focused outputs for every design row.

    Parameters
    ----------
    samples
        The evaluated design (one column per intervention).
    winner
        The winner by mean (see :func:`winner_by_mean`).

    Returns
    -------
    dict of str to numpy.ndarray
        The pairwise differences of :data:`DIFFERENCES` and the 0/1 indicator that the
        winner's value is the largest of the three (ties count as best).
    """
    out = {
        difference_name(a, b): samples[a].to_numpy() - samples[b].to_numpy()
        for a, b in DIFFERENCES
    }
    values = samples[list(INTERVENTIONS)].to_numpy()
    with np.errstate(invalid="ignore"):
        best = samples[winner].to_numpy() >= values.max(axis=1)
    indicator = best.astype(np.float64)
    indicator[~np.isfinite(values).all(axis=1)] = np.nan
    out[indicator_name(winner)] = indicator
    return out


def resolve_groups(
    groups: Mapping[str, Sequence[str]], inputs: Sequence[str]
) -> dict[str, list[str]]:
    """Map parameter groups onto the uncertain inputs actually sampled.

    Under the rest-of-world parametrisation ``F_V``, ``F_CV`` and ``F_CnotV`` are derived;
    their rest-of-world inputs stand in for them. Fixed parameters are dropped, and a group
    left empty is dropped (logged).

    Parameters
    ----------
    groups
        Group name to parameter names.
    inputs
        Names of the uncertain sampled inputs.

    Returns
    -------
    dict of str to list of str
        Group name to the uncertain inputs it covers.
    """
    known = {*PARAMETER_NAMES, *REST_OF_WORLD}
    unknown = sorted({m for ms in groups.values() for m in ms} - known)
    if unknown:
        raise ValueError(f"unknown parameter(s) in groups: {', '.join(unknown)}")
    available = set(inputs)
    resolved: dict[str, list[str]] = {}
    for name, members in groups.items():
        mapped = []
        for member in members:
            if member not in available and _REST_OF_WORLD_FOR.get(member) in available:
                member = _REST_OF_WORLD_FOR[member]
            if member in available and member not in mapped:
                mapped.append(member)
        if mapped:
            resolved[name] = mapped
        else:
            logger.info("group %s has no uncertain inputs; left out", name)
    return resolved
