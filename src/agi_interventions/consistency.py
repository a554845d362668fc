"""Consistency of sampled inputs and counts of non-finite outputs (``model.md``).

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

#: Name of each consistency condition, in the order of ``model.md``, with its text.
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


def diagnostics_table(
    samples: pd.DataFrame, outputs: Sequence[str], *, independent: np.ndarray | None = None
) -> pd.DataFrame:
    """Count inconsistent inputs and non-finite outputs.

    Parameters
    ----------
    samples
        One row per model evaluation with the canonical inputs and the outputs.
    outputs
        Output columns to check for non-finite values.
    independent
        Optional boolean mask of the independent prior draws; when given, every check is
        also reported over those rows alone (``scope = "independent draws"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``scope, check, description, count, total, share``: one row for the overall
        inconsistency, one per violated condition, one per output's non-finite count.
    """
    scopes: list[tuple[str, np.ndarray]] = [("all evaluations", np.ones(len(samples), bool))]
    if independent is not None:
        scopes.append(("independent draws", np.asarray(independent, dtype=bool)))
    masks = condition_mask(samples)
    inconsistent = ~np.logical_and.reduce(list(masks.values()))
    rows = []
    for scope, rows_in_scope in scopes:
        total = int(rows_in_scope.sum())
        checks = {
            "inconsistent": ("any consistency condition violated", inconsistent),
            **{f"violates:{name}": (CONDITIONS[name], ~mask) for name, mask in masks.items()},
            **{
                f"nonfinite:{out}": (f"{out} is NaN or infinite", ~np.isfinite(samples[out]))
                for out in outputs
            },
        }
        for check, (description, flagged) in checks.items():
            count = int(np.asarray(flagged)[rows_in_scope].sum())
            rows.append(
                {
                    "scope": scope,
                    "check": check,
                    "description": description,
                    "count": count,
                    "total": total,
                    "share": count / total if total else float("nan"),
                }
            )
    return pd.DataFrame(rows)
