"""Closed-form marginal values of the three interventions (``model.md``).

With ``D = U_B - U_notB`` and::

    star = db_dFV + db_dFCV (p_CV - F_CV) / F_V - db_dFCnotV (p_CnotV - F_CnotV) / (1 - F_V)

the marginal values are::

    dU/da_V     = (D star + b dUB_dFV + (1 - b) dUnotB_dFV) F_I dpV_daV
    dU/da_CV    = D db_dFCV p_V F_I / F_V dpCV_daCV
    dU/da_CnotV = D db_dFCnotV (1 - p_V) F_I / (1 - F_V) dpCnotV_daCnotV

The post's expansion of dU/dF_V writes ``(1 - B)`` where ``(1 - b)`` is meant; this module uses
``(1 - b)`` as ``model.md`` prescribes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from agi_interventions.parameters import PARAMETER_NAMES


def _as_arrays(params: Mapping[str, ArrayLike]) -> dict[str, np.ndarray]:
    missing = [name for name in PARAMETER_NAMES if name not in params]
    if missing:
        raise KeyError(f"marginal_values: missing parameter(s) {', '.join(missing)}")
    arrays = [np.asarray(params[name], dtype=np.float64) for name in PARAMETER_NAMES]
    try:
        broadcast = np.broadcast_arrays(*arrays)
    except ValueError as err:
        shapes = {name: np.shape(a) for name, a in zip(PARAMETER_NAMES, arrays, strict=True)}
        raise ValueError(f"marginal_values: parameter arrays differ in shape: {shapes}") from err
    return dict(zip(PARAMETER_NAMES, broadcast, strict=True))


def marginal_values(params: Mapping[str, ArrayLike]) -> dict[str, np.ndarray]:
    """Evaluate the marginal value of each intervention, vectorised over samples.

    Parameters
    ----------
    params
        Mapping from every canonical parameter name (``PARAMETER_NAMES``) to a float or an
        array; arrays must broadcast against each other (equal length in practice). Extra
        keys are ignored.

    Returns
    -------
    dict of str to numpy.ndarray
        ``a_V``, ``a_CV``, ``a_CnotV``: marginal expected utility per unit of effort on
        alignment, cooperation of an aligned agent, and cooperation of a misaligned agent;
        ``a_V_bargaining``, ``a_V_success_shift``, ``a_V_failure_shift``: the three channels
        of ``a_V`` (they sum to ``a_V``); ``U``: expected utility ``b U_B + (1 - b) U_notB``.

    Raises
    ------
    KeyError
        If a canonical parameter is missing.
    ValueError
        If the arrays cannot be broadcast to one shape.

    Notes
    -----
    No values are checked for consistency here (see :mod:`agi_interventions.consistency`);
    ``F_V`` equal to 0 or 1 gives non-finite values, as the formulas do.
    """
    p = _as_arrays(params)
    with np.errstate(divide="ignore", invalid="ignore"):
        utility_gap = p["U_B"] - p["U_notB"]
        one_minus_fv = 1.0 - p["F_V"]
        star = (
            p["db_dFV"]
            + p["db_dFCV"] * (p["p_CV"] - p["F_CV"]) / p["F_V"]
            - p["db_dFCnotV"] * (p["p_CnotV"] - p["F_CnotV"]) / one_minus_fv
        )
        scale_v = p["F_I"] * p["dpV_daV"]
        bargaining = utility_gap * star * scale_v
        success_shift = p["b"] * p["dUB_dFV"] * scale_v
        failure_shift = (1.0 - p["b"]) * p["dUnotB_dFV"] * scale_v
        a_cv = utility_gap * p["db_dFCV"] * p["p_V"] * (p["F_I"] / p["F_V"]) * p["dpCV_daCV"]
        a_cnotv = (
            utility_gap
            * p["db_dFCnotV"]
            * (1.0 - p["p_V"])
            * (p["F_I"] / one_minus_fv)
            * p["dpCnotV_daCnotV"]
        )
        utility = p["b"] * p["U_B"] + (1.0 - p["b"]) * p["U_notB"]
    return {
        "a_V": bargaining + success_shift + failure_shift,
        "a_CV": a_cv,
        "a_CnotV": a_cnotv,
        "a_V_bargaining": bargaining,
        "a_V_success_shift": success_shift,
        "a_V_failure_shift": failure_shift,
        "U": utility,
    }
