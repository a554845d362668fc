"""Evaluate the model and check consistency on arrays of inputs."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from agi_interventions.consistency import is_consistent
from agi_interventions.model import marginal_values


def evaluate(inputs: Mapping[str, ArrayLike]) -> dict[str, np.ndarray]:
    """Evaluate every model output and the consistency flag.

    Parameters
    ----------
    inputs
        Every canonical input (arrays of equal length).

    Returns
    -------
    dict of str to numpy.ndarray
        The outputs of :func:`agi_interventions.model.marginal_values` and ``consistent``.
        No row is dropped.
    """
    outputs = marginal_values(inputs)
    outputs["consistent"] = is_consistent(inputs)
    return outputs
