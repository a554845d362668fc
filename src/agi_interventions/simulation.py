"""Sample a worldview's priors and evaluate the model on every design row."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from agi_interventions.consistency import is_consistent
from agi_interventions.model import marginal_values
from agi_interventions.priors import Worldview
from agi_interventions.sampling import design_inputs
from agi_interventions.seeds import derive_seed

logger = logging.getLogger(__name__)


def simulate(worldview: Worldview, n_base: int, seed: int) -> pd.DataFrame:
    """Draw the Sobol design for a worldview and evaluate the model on it.

    Parameters
    ----------
    worldview
        Validated priors.
    n_base
        Base sample size N (a power of two); there are ``N (D + 2)`` evaluations.
    seed
        The configuration seed (the design uses a stream derived from it).

    Returns
    -------
    pandas.DataFrame
        The design (see :func:`agi_interventions.sampling.design_inputs`) with every model
        output (``agi_interventions.parameters.OUTPUTS``) and a boolean ``consistent`` column.
        No row is dropped.
    """
    samples = design_inputs(worldview, n_base, derive_seed(seed, "sobol-design"))
    outputs = marginal_values(samples)
    for name, values in outputs.items():
        samples[name] = values
    samples["consistent"] = is_consistent(samples)
    n_bad = int((~samples["consistent"]).sum())
    n_nonfinite = int((~np.isfinite(samples[list(outputs)].to_numpy())).any(axis=1).sum())
    logger.info(
        "%s: %d evaluations, %d inconsistent (%.2f%%), %d with non-finite outputs",
        worldview.name,
        len(samples),
        n_bad,
        100.0 * n_bad / len(samples),
        n_nonfinite,
    )
    return samples
