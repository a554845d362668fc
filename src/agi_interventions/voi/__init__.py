"""Value of information from Monte Carlo samples: EVPI, EVPPI and expected loss.

* :mod:`~agi_interventions.voi.estimators`: the estimators and their intervals;
* :mod:`~agi_interventions.voi.basis`: regression bases for conditional means;
* :mod:`~agi_interventions.voi.regression`: penalised regression from sufficient statistics
  and the bootstrap over the whole fit;
* :mod:`~agi_interventions.voi.tables`: the pipeline's tables.

Where the model's structure allows, :mod:`agi_interventions.exact` gives the same quantities
exactly; these estimators serve every other case and stand beside the exact values.
"""

from __future__ import annotations

from agi_interventions.voi.estimators import (
    VoIEstimate,
    evpi,
    evpi_estimate,
    evppi,
    expected_loss,
)
from agi_interventions.voi.tables import expected_loss_table, value_of_information_table

__all__ = [
    "VoIEstimate",
    "evpi",
    "evpi_estimate",
    "evppi",
    "expected_loss",
    "expected_loss_table",
    "value_of_information_table",
]
