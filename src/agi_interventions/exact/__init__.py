"""Exact sensitivity and value of information from the model's structure.

Where every active structural variant has a sum-of-products form
(:meth:`agi_interventions.structure.Structure.substitutions`), the inputs are independent and
every output is a sum of products of functions of single inputs, so conditional means, Sobol
indices and single-parameter EVPPI follow exactly from one-dimensional prior moments.

* :mod:`~agi_interventions.exact.terms`: the sum-of-products algebra;
* :mod:`~agi_interventions.exact.outputs`: the model's outputs declared in it;
* :mod:`~agi_interventions.exact.moments`: factor moments under each prior;
* :mod:`~agi_interventions.exact.engine`: :class:`ExactEngine`;
* :mod:`~agi_interventions.exact.evppi`: crossings and EVPPI from its conditional means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agi_interventions.lazy import lazy_attributes

if TYPE_CHECKING:
    from agi_interventions.exact.engine import ExactEngine
    from agi_interventions.priors import Worldview

__all__ = ["Crossing", "ExactEngine", "NotApplicable", "applicability", "engine_for"]

# the engine loads on first use: :mod:`~agi_interventions.exact.terms` needs no scipy
__getattr__, __dir__ = lazy_attributes(
    globals(),
    {
        "ExactEngine": "agi_interventions.exact.engine",
        "NotApplicable": "agi_interventions.exact.engine",
        "applicability": "agi_interventions.exact.engine",
        "Crossing": "agi_interventions.exact.evppi",
    },
)


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
    from agi_interventions.exact.engine import ExactEngine, applicability
    from agi_interventions.exact.moments import MomentError

    reason = applicability(worldview)
    if reason is not None:
        return None, reason
    try:
        return ExactEngine(worldview), ""
    except MomentError as err:
        return None, f"a prior moment the exact engine needs is not finite ({err})"
