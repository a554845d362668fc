"""Closed-form marginal values of the three interventions (``docs/model.md``).

With ``D = U_B - U_notB`` and::

    star = db_dFV + db_dFCV (p_CV - F_CV) / F_V - db_dFCnotV (p_CnotV - F_CnotV) / (1 - F_V)

the marginal values are::

    dU/da_V     = (D star + b dUB_dFV + (1 - b) dUnotB_dFV) F_I dpV_daV
    dU/da_CV    = D db_dFCV p_V F_I / F_V dpCV_daCV
    dU/da_CnotV = D db_dFCnotV (1 - p_V) F_I / (1 - F_V) dpCnotV_daCnotV

The post's expansion of dU/dF_V writes ``(1 - B)`` where ``(1 - b)`` is meant; this module uses
``(1 - b)`` as ``docs/model.md`` prescribes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from agi_interventions.parameters import OUTPUTS, PARAMETER_NAMES

#: Rows of scratch space :func:`marginal_values_into` needs: five temporaries and every output.
SCRATCH_ROWS = 5 + len(OUTPUTS)


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
    shape = p["U_B"].shape
    flat = {name: np.ravel(value) for name, value in p.items()}
    size = flat["U_B"].size
    into = {name: np.empty(size) for name in OUTPUTS}
    marginal_values_into(flat, into, np.empty((SCRATCH_ROWS, size)))
    return {name: into[name].reshape(shape) for name in OUTPUTS}


def marginal_values_into(
    p: Mapping[str, np.ndarray], into: Mapping[str, np.ndarray], scratch: np.ndarray
) -> dict[str, np.ndarray]:
    """Evaluate the closed form into preallocated arrays (the model's one implementation).

    Parameters
    ----------
    p
        Every canonical parameter: float64 arrays of one length ``m``.
    into
        Output name to a writable float64 array of length ``m`` for the outputs wanted in
        place; the others go to rows of ``scratch``. ``U`` is computed only if it is here.
    scratch
        A writable float64 array of shape ``(SCRATCH_ROWS, m)``.

    Returns
    -------
    dict of str to numpy.ndarray
        Every output of :func:`marginal_values` (``U`` only if asked for), as views into
        ``into`` and ``scratch``.
    """
    rows = iter(scratch)
    gap, one_minus_fv, star, term, ratio = (next(rows) for _ in range(5))
    out = {name: into[name] if name in into else next(rows) for name in OUTPUTS}
    with np.errstate(divide="ignore", invalid="ignore"):
        np.subtract(p["U_B"], p["U_notB"], out=gap)
        np.subtract(1.0, p["F_V"], out=one_minus_fv)
        np.subtract(p["p_CV"], p["F_CV"], out=star)
        np.multiply(p["db_dFCV"], star, out=star)
        np.divide(star, p["F_V"], out=star)
        np.add(p["db_dFV"], star, out=star)
        np.subtract(p["p_CnotV"], p["F_CnotV"], out=term)
        np.multiply(p["db_dFCnotV"], term, out=term)
        np.divide(term, one_minus_fv, out=term)
        np.subtract(star, term, out=star)
        scale_v = term
        np.multiply(p["F_I"], p["dpV_daV"], out=scale_v)
        bargaining = out["a_V_bargaining"]
        np.multiply(gap, star, out=bargaining)
        np.multiply(bargaining, scale_v, out=bargaining)
        success = out["a_V_success_shift"]
        np.multiply(p["b"], p["dUB_dFV"], out=success)
        np.multiply(success, scale_v, out=success)
        failure = out["a_V_failure_shift"]
        np.subtract(1.0, p["b"], out=failure)
        np.multiply(failure, p["dUnotB_dFV"], out=failure)
        np.multiply(failure, scale_v, out=failure)
        np.add(bargaining, success, out=out["a_V"])
        np.add(out["a_V"], failure, out=out["a_V"])
        a_cv = out["a_CV"]
        np.multiply(gap, p["db_dFCV"], out=a_cv)
        np.multiply(a_cv, p["p_V"], out=a_cv)
        np.divide(p["F_I"], p["F_V"], out=ratio)
        np.multiply(a_cv, ratio, out=a_cv)
        np.multiply(a_cv, p["dpCV_daCV"], out=a_cv)
        a_cnotv = out["a_CnotV"]
        np.multiply(gap, p["db_dFCnotV"], out=a_cnotv)
        np.subtract(1.0, p["p_V"], out=ratio)
        np.multiply(a_cnotv, ratio, out=a_cnotv)
        np.divide(p["F_I"], one_minus_fv, out=ratio)
        np.multiply(a_cnotv, ratio, out=a_cnotv)
        np.multiply(a_cnotv, p["dpCnotV_daCnotV"], out=a_cnotv)
        if "U" in into:
            np.multiply(p["b"], p["U_B"], out=out["U"])
            np.subtract(1.0, p["b"], out=ratio)
            np.multiply(ratio, p["U_notB"], out=ratio)
            np.add(out["U"], ratio, out=out["U"])
        else:
            del out["U"]
    return out
