"""Exact sensitivity and value of information from the model's structure.

In the ``fractions`` parametrisation the inputs are independent and every output is a sum of
products of functions of single parameters, so conditional means, Sobol indices and
single-parameter EVPPI follow exactly from one-dimensional prior moments.

* :mod:`~agi_interventions.exact.terms`: the sum-of-products algebra;
* :mod:`~agi_interventions.exact.outputs`: the model's outputs declared in it;
* :mod:`~agi_interventions.exact.moments`: factor moments under each prior;
* :mod:`~agi_interventions.exact.engine`: :class:`ExactEngine`.
"""

from __future__ import annotations

from agi_interventions.exact.engine import Crossing, ExactEngine, NotApplicable, applicability

__all__ = ["Crossing", "ExactEngine", "NotApplicable", "applicability"]
