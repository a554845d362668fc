"""The explicit population model behind the closed form (``docs/model.md``).

The rest of the world (resource share ``1 - F_I``) is fixed; our agent adds ``F_I p_V`` to the
aligned share, ``F_I p_V p_CV`` to the aligned-and-cooperative share and
``F_I (1 - p_V) p_CnotV`` to the misaligned-and-cooperative share. The fractions ``F_V``,
``F_CV`` and ``F_CnotV`` are then functions of our agent's probabilities. This module gives

* the absolute rest-of-world shares implied by a parameter point (used for the consistency
  check),
* the fractions implied by rest-of-world parameters (the ``rest_of_world`` variant of
  :mod:`agi_interventions.structure`, consistent by construction), and
* an independent numerical route to the marginal values: expected utility as an explicit
  function of ``(p_V, p_CV, p_CnotV)``, differentiated by central finite differences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class RestOfWorld:
    """Absolute resource shares held by everyone except our agent.

    Attributes
    ----------
    aligned
        Share with our values, ``F_V - F_I p_V``.
    misaligned
        Share without them, ``(1 - F_V) - F_I (1 - p_V)``.
    aligned_cooperative
        Aligned and cooperative, ``F_CV F_V - F_I p_V p_CV``.
    misaligned_cooperative
        Misaligned and cooperative, ``F_CnotV (1 - F_V) - F_I (1 - p_V) p_CnotV``.
    """

    aligned: np.ndarray
    misaligned: np.ndarray
    aligned_cooperative: np.ndarray
    misaligned_cooperative: np.ndarray


def rest_of_world(params: Mapping[str, ArrayLike]) -> RestOfWorld:
    """Return the rest-of-world shares implied by observed fractions and our agent.

    Parameters
    ----------
    params
        Mapping with ``F_V``, ``F_CV``, ``F_CnotV``, ``F_I``, ``p_V``, ``p_CV``, ``p_CnotV``.

    Returns
    -------
    RestOfWorld
        The four absolute shares; a negative share means the point is inconsistent.
    """
    f_v, f_cv, f_cnotv, f_i, p_v, p_cv, p_cnotv = (
        np.asarray(params[k], dtype=np.float64)
        for k in ("F_V", "F_CV", "F_CnotV", "F_I", "p_V", "p_CV", "p_CnotV")
    )
    return RestOfWorld(
        aligned=f_v - f_i * p_v,
        misaligned=(1.0 - f_v) - f_i * (1.0 - p_v),
        aligned_cooperative=f_cv * f_v - f_i * p_v * p_cv,
        misaligned_cooperative=f_cnotv * (1.0 - f_v) - f_i * (1.0 - p_v) * p_cnotv,
    )


def fractions_from_rest_of_world(params: Mapping[str, ArrayLike]) -> dict[str, np.ndarray]:
    """Derive ``F_V``, ``F_CV``, ``F_CnotV`` from rest-of-world parameters.

    Parameters
    ----------
    params
        Mapping with ``R_V`` (aligned fraction of the rest of the world), ``R_CV``
        (cooperative fraction of its aligned part), ``R_CnotV`` (cooperative fraction of its
        misaligned part), ``F_I``, ``p_V``, ``p_CV`` and ``p_CnotV``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``F_V``, ``F_CV`` and ``F_CnotV``. The resulting point satisfies the consistency
        conditions of ``docs/model.md`` whenever ``0 < R_V < 1``, ``F_I < 1`` and the other inputs
        lie in [0, 1].
    """
    r_v, r_cv, r_cnotv, f_i, p_v, p_cv, p_cnotv = (
        np.asarray(params[k], dtype=np.float64)
        for k in ("R_V", "R_CV", "R_CnotV", "F_I", "p_V", "p_CV", "p_CnotV")
    )
    rest = 1.0 - f_i
    f_v = rest * r_v + f_i * p_v
    aligned_coop = rest * r_v * r_cv + f_i * p_v * p_cv
    misaligned_coop = rest * (1.0 - r_v) * r_cnotv + f_i * (1.0 - p_v) * p_cnotv
    return {
        "F_V": f_v,
        "F_CV": aligned_coop / f_v,
        "F_CnotV": misaligned_coop / (1.0 - f_v),
    }


class PopulationModel:
    """Expected utility as an explicit function of our agent's probabilities.

    Built at a baseline parameter point: the rest of the world is frozen at the shares that
    point implies, ``b``, ``U_B`` and ``U_notB`` are linear in the fractions with the
    baseline slopes, and ``U = b U_B + (1 - b) U_notB``.

    Parameters
    ----------
    params
        Every canonical parameter (floats or equal-length arrays).
    """

    def __init__(self, params: Mapping[str, ArrayLike]) -> None:
        self._p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
        self._rest = rest_of_world(self._p)

    def fractions(
        self, p_v: ArrayLike, p_cv: ArrayLike, p_cnotv: ArrayLike
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``(F_V, F_CV, F_CnotV)`` when our agent has the given probabilities.

        Parameters
        ----------
        p_v, p_cv, p_cnotv
            Our agent's probabilities of having our values and of being cooperative.

        Returns
        -------
        tuple of numpy.ndarray
            The three fractions of the whole population.
        """
        f_i = self._p["F_I"]
        p_v, p_cv, p_cnotv = (np.asarray(x, dtype=np.float64) for x in (p_v, p_cv, p_cnotv))
        f_v = self._rest.aligned + f_i * p_v
        f_cv = (self._rest.aligned_cooperative + f_i * p_v * p_cv) / f_v
        f_cnotv = (self._rest.misaligned_cooperative + f_i * (1.0 - p_v) * p_cnotv) / (1.0 - f_v)
        return f_v, f_cv, f_cnotv

    def utility(self, p_v: ArrayLike, p_cv: ArrayLike, p_cnotv: ArrayLike) -> np.ndarray:
        """Return expected utility ``U`` at the given probabilities.

        Parameters
        ----------
        p_v, p_cv, p_cnotv
            Our agent's probabilities.

        Returns
        -------
        numpy.ndarray
            ``b U_B + (1 - b) U_notB`` with each term linear in the fractions.
        """
        p = self._p
        f_v, f_cv, f_cnotv = self.fractions(p_v, p_cv, p_cnotv)
        d_fv, d_fcv, d_fcnotv = f_v - p["F_V"], f_cv - p["F_CV"], f_cnotv - p["F_CnotV"]
        b = p["b"] + p["db_dFV"] * d_fv + p["db_dFCV"] * d_fcv + p["db_dFCnotV"] * d_fcnotv
        u_b = p["U_B"] + p["dUB_dFV"] * d_fv
        u_notb = p["U_notB"] + p["dUnotB_dFV"] * d_fv
        return b * u_b + (1.0 - b) * u_notb

    def marginal_values(self, step: float = 1e-6) -> dict[str, np.ndarray]:
        """Differentiate ``U`` numerically and scale by the tractabilities.

        Parameters
        ----------
        step
            Central finite-difference step in probability units.

        Returns
        -------
        dict of str to numpy.ndarray
            ``a_V``, ``a_CV`` and ``a_CnotV``, as returned by
            :func:`agi_interventions.model.marginal_values`.
        """
        p = self._p
        base = (p["p_V"], p["p_CV"], p["p_CnotV"])
        tractability = {"a_V": "dpV_daV", "a_CV": "dpCV_daCV", "a_CnotV": "dpCnotV_daCnotV"}
        out: dict[str, np.ndarray] = {}
        for position, key in enumerate(tractability):
            up = list(base)
            down = list(base)
            up[position] = base[position] + step
            down[position] = base[position] - step
            derivative = (self.utility(*up) - self.utility(*down)) / (2.0 * step)
            out[key] = derivative * p[tractability[key]]
        return out
