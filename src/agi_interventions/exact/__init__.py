"""Exact sensitivity and value of information from the model's structure.

In the ``fractions`` parametrisation the inputs are independent and every output is a sum of
products of functions of single parameters, so conditional means, Sobol indices and
single-parameter EVPPI follow exactly from one-dimensional prior moments.

* :mod:`~agi_interventions.exact.terms`: the sum-of-products algebra;
* :mod:`~agi_interventions.exact.outputs`: the model's outputs declared in it;
* :mod:`~agi_interventions.exact.moments`: factor moments under each prior;
* :mod:`~agi_interventions.exact.engine`: :class:`ExactEngine`;
* :mod:`~agi_interventions.exact.evppi`: crossings and EVPPI from its conditional means.
"""

from __future__ import annotations

from agi_interventions.exact.engine import ExactEngine, NotApplicable, applicability
from agi_interventions.exact.evppi import Crossing
from agi_interventions.exact.moments import MomentError
from agi_interventions.priors import Worldview

__all__ = ["Crossing", "ExactEngine", "NotApplicable", "applicability", "engine_for"]


def engine_for(worldview: Worldview) -> tuple[ExactEngine | None, str]:
    """Build the worldview's exact engine, or return None and the reason it does not apply.

    Parameters
    ----------
    worldview
        Validated priors.

    Returns
    -------
    tuple
        :class:`agi_interventions.exact.ExactEngine` (or None) and a sentence: empty when
        the engine applies, else why not.
    """
    reason = applicability(worldview)
    if reason is not None:
        return None, reason
    try:
        return ExactEngine(worldview), ""
    except MomentError as err:
        return None, f"a prior moment the exact engine needs is not finite ({err})"
