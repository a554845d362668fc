"""Consistency of sampled inputs and counts of non-finite outputs (``docs/model.md``).

A parameter point is consistent when the rest of the world it implies has no negative share::

    F_V - F_I p_V > 0
    (1 - F_V) - F_I (1 - p_V) > 0
    F_CV F_V - F_I p_V p_CV >= 0
    F_CnotV (1 - F_V) - F_I (1 - p_V) p_CnotV >= 0

Inconsistent samples are counted and reported; they are never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from agi_interventions.population import rest_of_world

#: Inputs the consistency conditions read.
CONSISTENCY_INPUTS: tuple[str, ...] = ("F_V", "F_CV", "F_CnotV", "F_I", "p_V", "p_CV", "p_CnotV")

#: Name of each consistency condition, in the order of ``docs/model.md``, with its text.
CONDITIONS: dict[str, str] = {
    "rest_aligned_share_positive": "F_V - F_I p_V > 0",
    "rest_misaligned_share_positive": "(1 - F_V) - F_I (1 - p_V) > 0",
    "rest_aligned_cooperative_share_nonnegative": "F_CV F_V - F_I p_V p_CV >= 0",
    "rest_misaligned_cooperative_share_nonnegative": (
        "F_CnotV (1 - F_V) - F_I (1 - p_V) p_CnotV >= 0"
    ),
}


def condition_mask(params: Mapping[str, ArrayLike]) -> dict[str, np.ndarray]:
    """Evaluate each consistency condition.

    Parameters
    ----------
    params
        Mapping with ``F_V``, ``F_CV``, ``F_CnotV``, ``F_I``, ``p_V``, ``p_CV``, ``p_CnotV``.

    Returns
    -------
    dict of str to numpy.ndarray of bool
        For each name in :data:`CONDITIONS`, True where the condition holds.
    """
    rest = rest_of_world(params)
    return {
        "rest_aligned_share_positive": rest.aligned > 0.0,
        "rest_misaligned_share_positive": rest.misaligned > 0.0,
        "rest_aligned_cooperative_share_nonnegative": rest.aligned_cooperative >= 0.0,
        "rest_misaligned_cooperative_share_nonnegative": rest.misaligned_cooperative >= 0.0,
    }


def is_consistent(params: Mapping[str, ArrayLike]) -> np.ndarray:
    """Return True where all four consistency conditions hold.

    Parameters
    ----------
    params
        As for :func:`condition_mask`.

    Returns
    -------
    numpy.ndarray of bool
        Elementwise consistency.
    """
    masks = list(condition_mask(params).values())
    return np.logical_and.reduce(masks)


def check_counts(
    inputs: Mapping[str, ArrayLike], outputs: Mapping[str, ArrayLike], names: Sequence[str]
) -> dict[str, int]:
    """Count inconsistent rows, each violated condition and each output's non-finite values.

    Parameters
    ----------
    inputs
        The canonical inputs of some evaluated rows.
    outputs
        Their outputs.
    names
        Outputs to check for non-finite values.

    Returns
    -------
    dict of str to int
        ``inconsistent``, ``violates:<condition>`` and ``nonfinite:<output>`` counts, and
        ``total`` (rows).
    """
    masks = condition_mask(inputs)
    counts = {"total": int(np.asarray(next(iter(masks.values()))).size)}
    counts["inconsistent"] = int((~np.logical_and.reduce(list(masks.values()))).sum())
    for name, mask in masks.items():
        counts[f"violates:{name}"] = int((~mask).sum())
    for name in names:
        counts[f"nonfinite:{name}"] = int((~np.isfinite(np.asarray(outputs[name]))).sum())
    return counts


def add_counts(*counts: Mapping[str, int]) -> dict[str, int]:
    """Add count records key by key."""
    total: dict[str, int] = {}
    for record in counts:
        for key, value in record.items():
            total[key] = total.get(key, 0) + int(value)
    return total


def diagnostics_table(scopes: Mapping[str, Mapping[str, int]]) -> pd.DataFrame:
    """Tabulate counts of inconsistent inputs and non-finite outputs per scope.

    Parameters
    ----------
    scopes
        Scope name (e.g. ``all evaluations``, ``independent draws``) to a record of
        :func:`check_counts`.

    Returns
    -------
    pandas.DataFrame
        Columns ``scope, check, description, count, total, share``.
    """
    rows = []
    for scope, counts in scopes.items():
        total = int(counts["total"])
        for check, count in counts.items():
            if check == "total":
                continue
            kind, _, what = check.partition(":")
            if kind == "inconsistent":
                description = "any consistency condition violated"
            elif kind == "violates":
                description = CONDITIONS[what]
            else:
                description = f"{what} is NaN or infinite"
            rows.append(
                {
                    "scope": scope,
                    "check": check,
                    "description": description,
                    "count": int(count),
                    "total": total,
                    "share": count / total if total else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=["scope", "check", "description", "count", "total", "share"])
