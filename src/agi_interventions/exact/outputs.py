"""The model's outputs declared once as sums of products of single-parameter factors.

Written in the notation of ``docs/model.md`` with
:class:`~agi_interventions.exact.terms.ProductSum`; the test suite checks every declaration
against :func:`agi_interventions.model.marginal_values` at random points.
"""

from __future__ import annotations

from functools import cache

from agi_interventions.exact.terms import ProductSum
from agi_interventions.parameters import DIFFERENCES, difference_name


def _x(name: str) -> ProductSum:
    return ProductSum.parameter(name, "x")


@cache
def model_outputs() -> dict[str, ProductSum]:
    """Return every output of the closed form as a :class:`ProductSum`.

    Returns
    -------
    dict of str to ProductSum
        ``a_V``, ``a_CV``, ``a_CnotV``, the three alignment channels and the pairwise
        differences of :data:`DIFFERENCES` (named by :func:`difference_name`).
    """
    gap = _x("U_B") - _x("U_notB")
    inv_fv = ProductSum.parameter("F_V", "1/x")
    inv_one_minus_fv = ProductSum.parameter("F_V", "1/(1-x)")
    star = (
        _x("db_dFV")
        + _x("db_dFCV") * (_x("p_CV") - _x("F_CV")) * inv_fv
        - _x("db_dFCnotV") * (_x("p_CnotV") - _x("F_CnotV")) * inv_one_minus_fv
    )
    scale_v = _x("F_I") * _x("dpV_daV")
    channels = {
        "a_V_bargaining": gap * star * scale_v,
        "a_V_success_shift": _x("b") * _x("dUB_dFV") * scale_v,
        "a_V_failure_shift": ProductSum.parameter("b", "1-x") * _x("dUnotB_dFV") * scale_v,
    }
    outputs = {
        "a_V": channels["a_V_bargaining"]
        + channels["a_V_success_shift"]
        + channels["a_V_failure_shift"],
        "a_CV": gap * _x("db_dFCV") * _x("p_V") * _x("F_I") * inv_fv * _x("dpCV_daCV"),
        "a_CnotV": gap
        * _x("db_dFCnotV")
        * ProductSum.parameter("p_V", "1-x")
        * _x("F_I")
        * inv_one_minus_fv
        * _x("dpCnotV_daCnotV"),
        **channels,
    }
    for first, second in DIFFERENCES:
        outputs[difference_name(first, second)] = outputs[first] - outputs[second]
    return outputs


@cache
def bound_outputs() -> dict[str, ProductSum]:
    """Every output of :func:`agi_interventions.model.marginal_values` as a sum of products.

    The marginal values, the alignment channels and the expected utility
    ``U = b U_B + (1 - b) U_notB``: what the numerical admissibility bound covers.
    """
    outputs = {name: form for name, form in model_outputs().items() if "-" not in name}
    outputs["U"] = _x("b") * _x("U_B") + ProductSum.parameter("b", "1-x") * _x("U_notB")
    return outputs
