r"""An explicit bargaining game that derives ``U_B``, ``U_notB`` and their slopes in ``F_V``.

Two sides bargain over resources normalised to 1: ``V`` (the coalition with our values) holds
``w = F_V`` and ``notV`` holds ``1 - w``. Each side cooperates (C), demands (D) or, where the
worldview gives it the option, punishes (P). With gains from trade ``g``, grab share ``t``,
conflict destruction ``c`` and V's chance of winning a conflict
``q = w**gamma / (w**gamma + (1 - w)**gamma)``, the payoffs ``(x_V, x_notV)`` are::

    V \ notV   C                                 D
    C          (w (1 + g), (1 - w) (1 + g))      ((1 - t) w, (1 - w) + t w)
    D          (w + t (1 - w), (1 - t) (1 - w))  (q (1 - c), (1 - q) (1 - c))

P is a pure threat: a punisher's action counts as C for the outcome, and each punisher loses
``k`` while the other side loses ``h`` (per punisher). The disagreement point ``d`` comes from
the CoCo threat game (``coco``), a Nash equilibrium (``nash``) or a correlated equilibrium
(``correlated``), each with a documented selection rule; the bargained outcome splits the
surplus ``S - d_V - d_notV`` equally. Our utility of an outcome is ``x_V + lam x_notV``, so::

    U_notB = d_V + lam d_notV
    U_B    = (1 + lam) S / 2 + (1 - lam) (d_V - d_notV) / 2

``docs/game.md`` states every formula, the conventions for non-unique solutions, the
treatment of ``k = 0`` and how the derivatives in ``w`` are computed. Everything is
vectorised over draws; the only Python loops run over candidate solutions (at most 13) and
over chunks of draws.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

logger = logging.getLogger(__name__)

#: Disagreement-point theories; an integer theory code indexes this tuple.
THEORIES = ("coco", "nash", "correlated")
#: Equilibrium selection rules for ``nash`` and ``correlated``.
SELECTIONS = ("worst_for_V", "best_for_V", "utilitarian")
#: Who has the Punish action.
PUNISH = ("none", "V", "notV", "both")
#: Action labels, in the order of the payoff arrays' last two axes.
ACTIONS = ("C", "D", "P")
#: Keys :func:`derive_utilities` reads.
INPUTS = ("F_V", "g", "t", "c", "gamma", "k", "h", "lam")
#: Keys :func:`derive_utilities` returns.
OUTPUTS = ("U_B", "U_notB", "dUB_dFV", "dUnotB_dFV")
#: Half-width of the window around ``w`` within which a change of the selected branch makes the
#: derivative a central difference over the window (see docs/game.md, "Derivatives"): its
#: expectation counts the jumps of the disagreement point, and a jump adds at most
#: ``jump / (2 step)`` to a draw's slope, ``step = min(FD_STEP, w / 2, (1 - w) / 2)``.
FD_STEP = 1e-2
#: Relative tolerance for ties, optimality and equilibrium checks (times the payoff scale).
TOL = 1e-9

_CHUNK = 1 << 15
_TINY = 1e-13
_C, _D, _P = 0, 1, 2


# --------------------------------------------------------------------------------------------
# forward-mode derivatives in w


class _Dual:
    """A value and its derivative in ``w`` (forward-mode automatic differentiation)."""

    __slots__ = ("der", "val")

    def __init__(self, val: Any, der: Any) -> None:
        self.val = np.asarray(val, dtype=np.float64)
        self.der = np.asarray(der, dtype=np.float64)

    def __add__(self, other: Any) -> _Dual:
        if isinstance(other, _Dual):
            return _Dual(self.val + other.val, self.der + other.der)
        return _Dual(self.val + other, self.der)

    __radd__ = __add__

    def __sub__(self, other: Any) -> _Dual:
        if isinstance(other, _Dual):
            return _Dual(self.val - other.val, self.der - other.der)
        return _Dual(self.val - other, self.der)

    def __rsub__(self, other: Any) -> _Dual:
        return _Dual(other - self.val, -self.der)

    def __neg__(self) -> _Dual:
        return _Dual(-self.val, -self.der)

    def __mul__(self, other: Any) -> _Dual:
        if isinstance(other, _Dual):
            return _Dual(self.val * other.val, self.der * other.val + self.val * other.der)
        return _Dual(self.val * other, self.der * other)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> _Dual:
        if isinstance(other, _Dual):
            val = self.val / other.val
            return _Dual(val, (self.der - val * other.der) / other.val)
        return _Dual(self.val / other, self.der / other)

    def __getitem__(self, index: Any) -> _Dual:
        return _Dual(self.val[index], self.der[index])


def _stack(items: Sequence[_Dual]) -> _Dual:
    shape = np.broadcast_shapes(*(np.shape(d.val) for d in items))
    return _Dual(
        np.stack([np.broadcast_to(d.val, shape) for d in items]),
        np.stack([np.broadcast_to(d.der, shape) for d in items]),
    )


def _where(mask: np.ndarray, a: _Dual, b: _Dual) -> _Dual:
    return _Dual(np.where(mask, a.val, b.val), np.where(mask, a.der, b.der))


def _gather(stack: _Dual, index: np.ndarray) -> _Dual:
    """Pick ``stack[index[i], i]`` for every draw ``i`` of a ``(K, n)`` stack."""
    return _Dual(
        np.take_along_axis(stack.val, index[None], axis=0)[0],
        np.take_along_axis(stack.der, index[None], axis=0)[0],
    )


def _safe_divide(num: _Dual, den: _Dual, ok: np.ndarray) -> _Dual:
    """``num / den`` where ``ok``; elsewhere ``num`` (a placeholder flagged invalid by ``ok``)."""
    safe = _Dual(np.where(ok, den.val, 1.0), np.where(ok, den.der, 0.0))
    return num / safe


# --------------------------------------------------------------------------------------------
# inputs


def _as_float(name: str, value: ArrayLike) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"game: {name} must be numeric") from err
    if not np.all(np.isfinite(array)):
        raise ValueError(f"game: {name} has non-finite values")
    return array


def _check_range(name: str, array: np.ndarray, low: float, high: float, *, open_: str) -> None:
    lo_bad = array <= low if "low" in open_ else array < low
    hi_bad = array >= high if "high" in open_ else array > high
    bad = lo_bad | hi_bad
    if np.any(bad):
        left = "(" if "low" in open_ else "["
        right = ")" if "high" in open_ else "]"
        example = array[bad].flat[0]
        raise ValueError(
            f"game: {name} must lie in {left}{low:g}, {high:g}{right}; "
            f"{int(np.count_nonzero(bad))} value(s) do not (e.g. {example!r})"
        )


def _parameters(
    w: ArrayLike,
    g: ArrayLike,
    t: ArrayLike,
    c: ArrayLike,
    gamma: ArrayLike,
    k: ArrayLike,
    h: ArrayLike,
    extra: Mapping[str, ArrayLike] | None = None,
) -> dict[str, np.ndarray]:
    """Validate the game parameters and broadcast them to one 1-d shape."""
    raw = {"w": w, "g": g, "t": t, "c": c, "gamma": gamma, "k": k, "h": h, **(extra or {})}
    arrays = {name: _as_float(name, value) for name, value in raw.items()}
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError as err:
        shapes = {name: a.shape for name, a in arrays.items()}
        raise ValueError(f"game: parameter shapes do not broadcast: {shapes}") from err
    if len(shape) > 1:
        raise ValueError(f"game: parameters must be scalars or 1-d arrays, got shape {shape}")
    n = shape[0] if shape else 1
    out = {name: np.broadcast_to(a, (n,)).astype(np.float64) for name, a in arrays.items()}
    _check_range("w (F_V)", out["w"], 0.0, 1.0, open_="low high")
    _check_range("g", out["g"], 0.0, np.inf, open_="high")
    _check_range("t", out["t"], 0.0, 1.0, open_="")
    _check_range("c", out["c"], 0.0, 1.0, open_="")
    _check_range("gamma", out["gamma"], 0.0, np.inf, open_="high")
    _check_range("k", out["k"], 0.0, np.inf, open_="high")
    _check_range("h", out["h"], 0.0, np.inf, open_="high")
    if "lam" in out:
        _check_range("lam", out["lam"], 0.0, 1.0, open_="")
    return out


def _check_choice(name: str, value: object, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"game: {name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _has_punish(punish: str) -> tuple[bool, bool]:
    return punish in ("V", "both"), punish in ("notV", "both")


# --------------------------------------------------------------------------------------------
# payoffs


def _contest(w: np.ndarray, gamma: np.ndarray) -> _Dual:
    """``q = w^gamma / (w^gamma + (1-w)^gamma)`` and ``dq/dw``, without overflow."""
    z = gamma * (np.log(w) - np.log1p(-w))
    e = np.exp(-np.abs(z))
    q = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    q_one_minus_q = e / (1.0 + e) ** 2
    return _Dual(q, gamma * q_one_minus_q / (w * (1.0 - w)))


def _base_cells(p: Mapping[str, np.ndarray]) -> tuple[list[list[_Dual]], list[list[_Dual]]]:
    """Return the C/D payoffs ``A[i][j]`` (V) and ``B[i][j]`` (notV) with ``w``-derivatives."""
    w, g, t, c = p["w"], p["g"], p["t"], p["c"]
    q = _contest(w, p["gamma"])
    one = np.ones_like(w)
    a = [
        [_Dual(w * (1 + g), 1 + g), _Dual((1 - t) * w, (1 - t) * one)],
        [_Dual(w + t * (1 - w), (1 - t) * one), q * (1 - c)],
    ]
    b = [
        [_Dual((1 - w) * (1 + g), -(1 + g) * one), _Dual((1 - w) + t * w, (t - 1) * one)],
        [_Dual((1 - t) * (1 - w), (t - 1) * one), (1 - q) * (1 - c)],
    ]
    return a, b


def _full_payoffs(p: Mapping[str, np.ndarray], punish: str) -> tuple[_Dual, _Dual]:
    """Payoffs of the full game as ``(n, m_V, m_notV)`` duals."""
    a, b = _base_cells(p)
    v_has, n_has = _has_punish(punish)
    rows = [_C, _D, _P] if v_has else [_C, _D]
    cols = [_C, _D, _P] if n_has else [_C, _D]
    k, h = p["k"], p["h"]
    xv_cells, xn_cells = [], []
    for i in rows:
        for j in cols:
            bi, bj = (0 if i != _D else 1), (0 if j != _D else 1)
            pv, pn = float(i == _P), float(j == _P)
            xv_cells.append(a[bi][bj] - (k * pv + h * pn))
            xn_cells.append(b[bi][bj] - (h * pv + k * pn))
    shape = (len(rows), len(cols))
    xv, xn = _stack(xv_cells), _stack(xn_cells)
    n = p["w"].shape[0]
    return (
        _Dual(xv.val.T.reshape(n, *shape), xv.der.T.reshape(n, *shape)),
        _Dual(xn.val.T.reshape(n, *shape), xn.der.T.reshape(n, *shape)),
    )


def payoffs(
    w: ArrayLike,
    g: ArrayLike,
    t: ArrayLike,
    c: ArrayLike,
    gamma: ArrayLike,
    k: ArrayLike,
    h: ArrayLike,
    punish: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Payoff matrices of the game, one per draw.

    Parameters
    ----------
    w
        ``F_V``, V's share of resources, in (0, 1).
    g
        Gains from trade, ``>= 0``.
    t
        Grab share, in [0, 1].
    c
        Conflict destruction, in [0, 1].
    gamma
        Contest decisiveness, ``> 0``.
    k
        Cost of punishing to the punisher, ``>= 0``.
    h
        Harm of punishment to the other side, ``>= 0``.
    punish
        Who has the Punish action: one of :data:`PUNISH`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(x_V, x_notV)``, each of shape ``(n, m_V, m_notV)``; actions are ordered C, D and,
        for a side that has it, P (:data:`ACTIONS`). Scalars broadcast to ``n = 1``.

    Raises
    ------
    ValueError
        If a parameter is outside its range, not finite, or the shapes do not broadcast to
        one 1-d shape, or ``punish`` is unknown.
    """
    _check_choice("punish", punish, PUNISH)
    xv, xn = _full_payoffs(_parameters(w, g, t, c, gamma, k, h), punish)
    return xv.val, xn.val


# --------------------------------------------------------------------------------------------
# solving batches of 2x2 games
#
# Every disagreement point here is a distribution over the four cells of a 2x2 game (cells
# 0..3 = 00, 01, 10, 11, row = V, column = notV). The candidates are
#   0..8   products: V plays row 0 with probability P[i], notV column 0 with probability R[j]
#          (candidate 3 i + j), P = (1, 0, p_root), R = (1, 0, r_root);
#   9..12  (correlated only) the correlated-equilibrium vertices with three cells in the
#          support (see _faces).
# The roots are the equalising probabilities of the theory (see _roots).

_CELLS = ((0, 0), (0, 1), (1, 0), (1, 1))
_PAIR_P = np.repeat(np.arange(3), 3)
_PAIR_R = np.tile(np.arange(3), 3)
_N_PRODUCTS = 9

_Num = Any  # a numpy array or a _Dual: the formulas below serve both


def _incentives(a: Sequence[Sequence[_Num]], b: Sequence[Sequence[_Num]]) -> tuple[_Num, ...]:
    """Gains of row 0 over row 1 (V) per notV column, of column 0 over 1 (notV) per V row."""
    alpha1 = a[0][0] - a[1][0]
    alpha2 = a[0][1] - a[1][1]
    beta1 = b[0][0] - b[0][1]
    beta2 = b[1][0] - b[1][1]
    return alpha1, alpha2, beta1, beta2


def _roots(
    a: Sequence[Sequence[_Num]], b: Sequence[Sequence[_Num]], theory: str
) -> tuple[_Num, ...]:
    """Equalising probabilities as ``(num_p, den_p, num_r, den_r)``.

    ``coco``: ``p_hat`` equalises notV's two columns of the zero-sum game ``m = a - b``
    (``p m00 + (1-p) m10 = p m01 + (1-p) m11``) and ``r_hat`` V's two rows. ``nash`` and
    ``correlated``: ``p*`` makes notV indifferent (``p beta1 + (1-p) beta2 = 0``) and ``r*``
    makes V indifferent (``r alpha1 + (1-r) alpha2 = 0``).
    """
    if theory == "coco":
        m00, m01, m10, m11 = (a[i][j] - b[i][j] for i, j in _CELLS)
        den = m00 - m01 - m10 + m11
        return m11 - m10, den, m11 - m01, den
    alpha1, alpha2, beta1, beta2 = _incentives(a, b)
    return beta2, beta2 - beta1, alpha2, alpha2 - alpha1


def _faces(
    alpha1: _Num, alpha2: _Num, beta1: _Num, beta2: _Num
) -> list[tuple[tuple[int, ...], list]]:
    """Unnormalised correlated-equilibrium vertices with three cells in the support.

    With the incentive constraints ``VC: alpha1 mu00 + alpha2 mu01 >= 0``,
    ``VD: -alpha1 mu10 - alpha2 mu11 >= 0``, ``NC: beta1 mu00 + beta2 mu10 >= 0`` and
    ``ND: -beta1 mu01 - beta2 mu11 >= 0``, each vertex solves the two constraints whose cells
    lie in its support with equality (a generalised cross product).
    """
    return [
        ((0, 1, 2), [alpha2 * beta2, -(alpha1 * beta2), -(alpha2 * beta1)]),  # VC, NC
        ((1, 2, 3), [alpha1 * beta2, alpha2 * beta1, -(alpha1 * beta1)]),  # VD, ND
        ((0, 2, 3), [-(alpha2 * beta2), alpha2 * beta1, -(alpha1 * beta1)]),  # NC, VD
        ((0, 1, 3), [-(alpha2 * beta2), alpha1 * beta2, -(alpha1 * beta1)]),  # VC, ND
    ]


def _root_values(
    num: np.ndarray, den: np.ndarray, scale: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``num / den`` clipped to [0, 1], valid where ``den`` is not ~0 and the root in range."""
    ok = np.abs(den) > _TINY * scale
    root = num / np.where(ok, den, 1.0)
    ok &= (root >= -TOL) & (root <= 1 + TOL)
    return np.clip(root, 0.0, 1.0), ok


def _bilinear(a: np.ndarray, p: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Return ``sum_ij P(i) R(j) a[i, j]`` for independent mixtures, ``a`` of shape (2, 2, n)."""
    return (
        a[1, 1]
        + p * (a[0, 1] - a[1, 1])
        + r * (a[1, 0] - a[1, 1])
        + p * r * (a[0, 0] - a[0, 1] - a[1, 0] + a[1, 1])
    )


def _lexmax(
    first: np.ndarray, second: np.ndarray, feasible: np.ndarray, tol: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the lexicographic maximum of ``(first, second)`` over feasible candidates.

    Values within ``tol`` count as ties; remaining ties go to the lowest index. Returns the
    index per draw and whether any candidate was feasible.
    """
    best = np.where(feasible, first, -np.inf).max(axis=0)
    keep = feasible & (first >= best - tol)
    best2 = np.where(keep, second, -np.inf).max(axis=0)
    keep &= second >= best2 - tol
    return np.argmax(keep, axis=0), keep.any(axis=0)


def _objectives(selection: str, d_v: np.ndarray, d_n: np.ndarray) -> tuple[np.ndarray, ...]:
    """Primary and secondary objective (both maximised) of a selection rule."""
    if selection == "worst_for_V":
        return -d_v, d_n
    if selection == "best_for_V":
        return d_v, d_n
    return d_v + d_n, d_n


def _report_missing(theory: str, found: np.ndarray) -> None:
    if not np.all(found):
        logger.warning(
            "game: %s: no candidate passed the checks for %d draw(s); "
            "the lowest-index candidate was used",
            theory,
            int(np.count_nonzero(~found)),
        )


def _select(
    theory: str, selection: str, a: np.ndarray, b: np.ndarray, tol: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Select a candidate for each of a batch of 2x2 games (values only).

    Parameters
    ----------
    theory, selection
        Theory and selection rule (``selection`` is unused by ``coco``).
    a, b
        Payoffs of V (rows) and notV (columns), shape ``(2, 2, n)``.
    tol
        Tolerance per game for ties, optimality and equilibrium checks.

    Returns
    -------
    tuple of numpy.ndarray
        Candidate index (see the comment above), ``d_V`` and ``d_notV``.
    """
    n = tol.shape[0]
    scale = tol / TOL
    num_p, den_p, num_r, den_r = _roots(a, b, theory)
    p_root, p_ok = _root_values(num_p, den_p, scale)
    r_root, r_ok = _root_values(num_r, den_r, scale)
    ones, zeros, always = np.ones(n), np.zeros(n), np.ones(n, bool)
    # candidate mixtures: rows of ps index V's mixture, rs notV's; pairs broadcast (3, 3, n)
    ps, rs = np.stack([ones, zeros, p_root]), np.stack([ones, zeros, r_root])
    ok_p, ok_r = np.stack([always, always, p_ok]), np.stack([always, always, r_ok])
    p, r = ps[:, None], rs[None, :]
    d_v = _bilinear(a, p, r).reshape(_N_PRODUCTS, n)
    d_n = _bilinear(b, p, r).reshape(_N_PRODUCTS, n)
    if theory == "coco":
        m = a - b
        # V's guaranteed payoff with each candidate mixture; notV's conceded maximum
        guaranteed = np.minimum(
            m[1, 0] + ps * (m[0, 0] - m[1, 0]), m[1, 1] + ps * (m[0, 1] - m[1, 1])
        )
        conceded = np.maximum(
            m[0, 1] + rs * (m[0, 0] - m[0, 1]), m[1, 1] + rs * (m[1, 0] - m[1, 1])
        )
        value_p = np.where(ok_p, guaranteed, -np.inf).max(axis=0)
        value_r = np.where(ok_r, conceded, np.inf).min(axis=0)
        optimal_p = ok_p & (guaranteed >= value_p - tol)
        optimal_r = ok_r & (conceded <= value_r + tol)
        feasible = (optimal_p[:, None] & optimal_r[None, :]).reshape(_N_PRODUCTS, n)
        first, second = d_v + d_n, d_n  # the least destructive optimal threat pair
    else:
        alpha1, alpha2, beta1, beta2 = _incentives(a, b)
        gain_v = alpha2 + rs * (alpha1 - alpha2)  # V's gain from row 0 against each R
        gain_n = beta2 + ps * (beta1 - beta2)  # notV's gain from column 0 against each P
        # regret of each pair: what the better pure reply adds to the candidate's payoff
        regret_v = np.maximum(gain_v, 0.0)[None] * (1 - p) + np.maximum(-gain_v, 0.0)[None] * p
        regret_n = (
            np.maximum(gain_n, 0.0)[:, None] * (1 - r) + np.maximum(-gain_n, 0.0)[:, None] * r
        )
        # a product distribution is a correlated equilibrium iff it is a Nash equilibrium
        feasible = (ok_p[:, None] & ok_r[None, :] & (regret_v <= tol) & (regret_n <= tol)).reshape(
            _N_PRODUCTS, n
        )
        if theory == "correlated":
            f_v, f_n, f_ok = _face_values(alpha1, alpha2, beta1, beta2, a, b, tol)
            d_v, d_n = np.concatenate([d_v, f_v]), np.concatenate([d_n, f_n])
            feasible = np.concatenate([feasible, f_ok])
        first, second = _objectives(selection, d_v, d_n)
    index, found = _lexmax(first, second, feasible, tol)
    _report_missing(theory, found)
    pick = index[None]
    return (
        index,
        np.take_along_axis(d_v, pick, axis=0)[0],
        np.take_along_axis(d_n, pick, axis=0)[0],
    )


def _face_values(
    alpha1: np.ndarray,
    alpha2: np.ndarray,
    beta1: np.ndarray,
    beta2: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    tol: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Payoffs and feasibility of the four three-cell correlated-equilibrium candidates."""
    n = tol.shape[0]
    d_v, d_n, feasible = np.empty((4, n)), np.empty((4, n)), np.empty((4, n), bool)
    # The two constraints a vertex solves with equality hold by construction; each of the
    # other two has one cell outside the support, leaving one term ``coefficient * mu_cell``.
    others = (
        ((-alpha1, 2), (-beta1, 1)),  # V told row 1, notV told column 1
        ((alpha2, 1), (beta2, 2)),  # V told row 0, notV told column 0
        ((alpha1, 0), (-beta2, 3)),  # V told row 0, notV told column 1
        ((-alpha2, 3), (beta1, 0)),  # V told row 1, notV told column 0
    )
    for f, (support, nums) in enumerate(_faces(alpha1, alpha2, beta1, beta2)):
        total = nums[0] + nums[1] + nums[2]
        ok = np.abs(total) > _TINY * (np.abs(nums[0]) + np.abs(nums[1]) + np.abs(nums[2]))
        safe = np.where(ok, total, 1.0)
        mu = {cell: num / safe for cell, num in zip(support, nums, strict=True)}
        for m in mu.values():
            ok &= m >= -TOL
        for coefficient, cell in others[f]:
            ok &= coefficient * mu[cell] >= -tol
        feasible[f] = ok
        d_v[f] = sum(mu[cell] * a[_CELLS[cell]] for cell in support)
        d_n[f] = sum(mu[cell] * b[_CELLS[cell]] for cell in support)
    return d_v, d_n, feasible


def _selected_play(
    theory: str,
    index: np.ndarray,
    a: Sequence[Sequence[_Dual]],
    b: Sequence[Sequence[_Dual]],
    scale: np.ndarray,
) -> list[_Dual]:
    """Cell probabilities of the selected candidates, with their derivatives in ``w``."""
    num_p, den_p, num_r, den_r = _roots(a, b, theory)
    p_root = _clipped_root(num_p, den_p, scale)
    r_root = _clipped_root(num_r, den_r, scale)
    product = np.minimum(index, _N_PRODUCTS - 1)
    pi, rj = _PAIR_P[product], _PAIR_R[product]
    p = _Dual(
        np.where(pi == 0, 1.0, np.where(pi == 1, 0.0, p_root.val)),
        np.where(pi == 2, p_root.der, 0.0),
    )
    r = _Dual(
        np.where(rj == 0, 1.0, np.where(rj == 1, 0.0, r_root.val)),
        np.where(rj == 2, r_root.der, 0.0),
    )
    play = [p * r, p * (1 - r), (1 - p) * r, (1 - p) * (1 - r)]
    if theory != "correlated" or not np.any(index >= _N_PRODUCTS):
        return play
    zero = _Dual(np.zeros(index.shape), np.zeros(index.shape))
    for f, (support, nums) in enumerate(_faces(*_incentives(a, b))):
        chosen = index == _N_PRODUCTS + f
        if not np.any(chosen):
            continue
        total = nums[0] + nums[1] + nums[2]
        ok = np.abs(total.val) > 0.0
        safe = _Dual(np.where(ok, total.val, 1.0), np.where(ok, total.der, 0.0))
        mu = dict(zip(support, (num / safe for num in nums), strict=True))
        play = [_where(chosen, mu.get(cell, zero), play[cell]) for cell in range(4)]
    return play


def _clipped_root(num: _Dual, den: _Dual, scale: np.ndarray) -> _Dual:
    ok = np.abs(den.val) > _TINY * scale
    root = _safe_divide(num, den, ok)
    return _Dual(np.clip(root.val, 0.0, 1.0), root.der)


def _expected(play: Sequence[_Dual], a: Sequence[Sequence[_Dual]]) -> _Dual:
    total = play[0] * a[0][0]
    for cell, (i, j) in enumerate(_CELLS[1:], start=1):
        total = total + play[cell] * a[i][j]
    return total


# --------------------------------------------------------------------------------------------
# disagreement point


@dataclass(frozen=True)
class Disagreement:
    """Disagreement point of the game for each draw.

    Attributes
    ----------
    d_V, d_notV
        Expected payoffs of V and notV at the disagreement point.
    dd_V_dw, dd_notV_dw
        Their derivatives in ``w`` (see ``analytic``).
    surplus
        ``S``, the largest joint payoff over the game's cells.
    dsurplus_dw
        Its derivative in ``w`` (zero in this game: every cell's joint payoff is constant).
    play
        Probability of each cell of the full game at the disagreement point, shape
        ``(n, m_V, m_notV)`` as in :func:`payoffs` (a product of the two strategies for
        ``coco`` and ``nash``, a joint distribution for ``correlated``).
    analytic
        True where the derivatives are analytic (the selected solution stays on one smooth
        branch on both sides of ``w``); False where they are central differences with step
        :data:`FD_STEP` because the selected branch changes within that step.
    """

    d_V: np.ndarray
    d_notV: np.ndarray
    dd_V_dw: np.ndarray
    dd_notV_dw: np.ndarray
    surplus: np.ndarray
    dsurplus_dw: np.ndarray
    play: np.ndarray
    analytic: np.ndarray


def _punishers(
    p: Mapping[str, np.ndarray], theory: str, punish: str, selection: str
) -> tuple[np.ndarray, np.ndarray]:
    """Which side's cooperate slot in the reduced game is its P action (see docs/game.md)."""
    v_has, n_has = _has_punish(punish)
    k, h = p["k"], p["h"]
    if theory == "coco":
        # P's row (column) of the zero-sum game is C's shifted by h - k in the punisher's
        # favour, so P replaces C when h > k; at h == k the least destructive choice is C.
        return v_has & (h > k), n_has & (h > k)
    # nash and correlated: P is strictly dominated for k > 0. For k == 0 it is payoff-
    # equivalent to C for the punisher, and only worst_for_V picks notV's P (it lowers d_V
    # by h at no cost to notV); every other choice of P lowers d_notV or is a tie.
    no = np.zeros(k.shape, bool)
    if selection == "worst_for_V":
        return no, n_has & (k == 0) & (h > 0)
    return no, no


def _reduce(
    cells: tuple[list[list[_Dual]], list[list[_Dual]]],
    p: Mapping[str, np.ndarray],
    v_punishes: np.ndarray,
    n_punishes: np.ndarray,
) -> tuple[list[list[_Dual]], list[list[_Dual]]]:
    """Build the 2x2 game actually solved: row 0 / column 0 are C or, for a punisher, P."""
    a0, b0 = cells
    k, h = p["k"], p["h"]
    pv, pn = v_punishes.astype(np.float64), n_punishes.astype(np.float64)
    a = [
        [a0[0][0] - (k * pv + h * pn), a0[0][1] - k * pv],
        [a0[1][0] - h * pn, a0[1][1]],
    ]
    b = [
        [b0[0][0] - (h * pv + k * pn), b0[0][1] - h * pv],
        [b0[1][0] - k * pn, b0[1][1]],
    ]
    return a, b


def _values(matrix: Sequence[Sequence[_Dual]]) -> np.ndarray:
    return np.stack([np.stack([x.val for x in row]) for row in matrix])


def _slice(matrix: Sequence[Sequence[_Dual]], sl: slice) -> list[list[_Dual]]:
    return [[x[sl] for x in row] for row in matrix]


def _disagreement(
    p: Mapping[str, np.ndarray], theory: str, punish: str, selection: str, *, play: bool
) -> Disagreement:
    """Solve in chunks; each chunk is solved at ``w``, ``w - step`` and ``w + step`` at once."""
    n = p["w"].shape[0]
    w = p["w"]
    step = np.minimum(FD_STEP, 0.5 * np.minimum(w, 1.0 - w))
    names = ("d_V", "d_notV", "dd_V_dw", "dd_notV_dw", "surplus", "dsurplus_dw")
    out = {name: np.empty(n) for name in names}
    analytic = np.empty(n, bool)
    v_has, n_has = _has_punish(punish)
    full = np.zeros((n, 3 if v_has else 2, 3 if n_has else 2)) if play else None
    for start in range(0, n, _CHUNK):
        sl = slice(start, min(start + _CHUNK, n))
        m = sl.stop - sl.start
        here, below, above = slice(0, m), slice(m, 2 * m), slice(2 * m, 3 * m)
        batch = {name: np.tile(value[sl], 3) for name, value in p.items()}
        batch["w"] = np.concatenate([w[sl], w[sl] - step[sl], w[sl] + step[sl]])
        cells = _base_cells(batch)
        v_punishes, n_punishes = _punishers(batch, theory, punish, selection)
        a, b = _reduce(cells, batch, v_punishes, n_punishes)
        tol = TOL * (1.0 + batch["g"] + batch["k"] + batch["h"])
        index, d_v, d_n = _select(theory, selection, _values(a), _values(b), tol)
        smooth = (index[here] == index[below]) & (index[here] == index[above])
        analytic[sl] = smooth
        a_here, b_here = _slice(a, here), _slice(b, here)
        cell_play = _selected_play(theory, index[here], a_here, b_here, tol[here] / TOL)
        exact_v, exact_n = _expected(cell_play, a_here), _expected(cell_play, b_here)
        two_steps = 2.0 * step[sl]
        out["d_V"][sl], out["d_notV"][sl] = exact_v.val, exact_n.val
        out["dd_V_dw"][sl] = np.where(smooth, exact_v.der, (d_v[above] - d_v[below]) / two_steps)
        out["dd_notV_dw"][sl] = np.where(
            smooth, exact_n.der, (d_n[above] - d_n[below]) / two_steps
        )
        # S: the joint payoff of a cell with a P is that of the matching C/D cell minus
        # (k + h) per punisher, so the maximum is over the four C/D cells; all four joint
        # payoffs (1 + g, 1, 1, 1 - c) are constant in w
        joint = _stack([cells[0][i][j][here] + cells[1][i][j][here] for i, j in _CELLS])
        surplus = _gather(joint, np.argmax(joint.val, axis=0))
        out["surplus"][sl], out["dsurplus_dw"][sl] = surplus.val, surplus.der
        if full is not None:
            rows = np.where(v_punishes[here], _P, _C)
            cols = np.where(n_punishes[here], _P, _C)
            draws = np.arange(start, sl.stop)
            for cell, (i, j) in enumerate(_CELLS):
                row = rows if i == 0 else _D
                col = cols if j == 0 else _D
                full[draws, row, col] += cell_play[cell].val
    if not np.all(analytic):
        logger.debug(
            "game: %s: %d of %d draw(s) sit where the selected solution changes branch; "
            "their derivatives are central differences with step %g",
            theory,
            int(np.count_nonzero(~analytic)),
            n,
            FD_STEP,
        )
    return Disagreement(
        **out,
        play=full if full is not None else np.empty((0, 0, 0)),
        analytic=analytic,
    )


def solve_bimatrix(
    a: ArrayLike, b: ArrayLike, *, theory: str, selection: str = "worst_for_V"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Disagreement point of general 2x2 bimatrix games, vectorised over games.

    The solvers behind :func:`disagreement`, exposed for games given by their matrices (for
    example textbook games).

    Parameters
    ----------
    a, b
        Payoffs of the row and the column player, shape ``(n, 2, 2)`` or ``(2, 2)``.
    theory
        One of :data:`THEORIES` (``coco``: least destructive optimal threat pair).
    selection
        One of :data:`SELECTIONS`, for ``nash`` and ``correlated`` (the row player plays the
        role of V); ignored for ``coco``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(d_row, d_col, play)``: expected payoffs at the disagreement point, shape ``(n,)``,
        and the probabilities of the four cells, shape ``(n, 2, 2)``.

    Raises
    ------
    ValueError
        If the matrices are not finite arrays of one shape ``(n, 2, 2)`` or ``(2, 2)``, or a
        name is unknown.
    """
    _check_choice("theory", theory, THEORIES)
    _check_choice("selection", selection, SELECTIONS)
    a_arr, b_arr = _as_float("a", a), _as_float("b", b)
    if a_arr.shape != b_arr.shape or a_arr.ndim not in (2, 3) or a_arr.shape[-2:] != (2, 2):
        raise ValueError(
            "game: a and b must both have shape (n, 2, 2) or (2, 2); "
            f"got {a_arr.shape} and {b_arr.shape}"
        )
    a_arr, b_arr = a_arr.reshape(-1, 2, 2), b_arr.reshape(-1, 2, 2)
    n = a_arr.shape[0]
    scale = 1.0 + np.maximum(np.abs(a_arr).max(axis=(1, 2)), np.abs(b_arr).max(axis=(1, 2)))
    a_t, b_t = np.moveaxis(a_arr, 0, -1), np.moveaxis(b_arr, 0, -1)
    index, _, _ = _select(theory, selection, a_t, b_t, TOL * scale)
    zero = np.zeros(n)
    a_d = [[_Dual(a_t[i, j], zero) for j in range(2)] for i in range(2)]
    b_d = [[_Dual(b_t[i, j], zero) for j in range(2)] for i in range(2)]
    cell_play = _selected_play(theory, index, a_d, b_d, scale)
    d_row, d_col = _expected(cell_play, a_d), _expected(cell_play, b_d)
    play = np.stack([x.val for x in cell_play], axis=-1).reshape(n, 2, 2)
    return d_row.val, d_col.val, play


def _selection_for(theory: str, nash_selection: str, correlated_selection: str) -> str:
    if theory == "nash":
        return nash_selection
    if theory == "correlated":
        return correlated_selection
    return "utilitarian"  # unused by coco


def disagreement(
    w: ArrayLike,
    g: ArrayLike,
    t: ArrayLike,
    c: ArrayLike,
    gamma: ArrayLike,
    k: ArrayLike,
    h: ArrayLike,
    *,
    theory: str,
    punish: str,
    nash_selection: str = "worst_for_V",
    correlated_selection: str = "utilitarian",
) -> Disagreement:
    """Disagreement point of the game under one theory, vectorised over draws.

    Parameters
    ----------
    w, g, t, c, gamma, k, h
        Game parameters as in :func:`payoffs`.
    theory
        One of :data:`THEORIES`. ``coco``: the least destructive pair of optimal threat
        strategies of the zero-sum game ``x_V - x_notV`` (Kalai & Kalai's CoCo value then
        gives V ``S / 2`` plus half that game's value). ``nash``: a Nash equilibrium chosen by
        ``nash_selection``. ``correlated``: a correlated equilibrium chosen by
        ``correlated_selection``.
    punish
        Who has the Punish action: one of :data:`PUNISH`.
    nash_selection, correlated_selection
        One of :data:`SELECTIONS`: ``worst_for_V`` (minimise ``d_V``), ``best_for_V``
        (maximise ``d_V``), ``utilitarian`` (maximise ``d_V + d_notV``). Ties, within
        :data:`TOL` times the payoff scale, go to the larger ``d_notV``.

    Returns
    -------
    Disagreement
        Payoffs at the disagreement point, their ``w``-derivatives, the surplus ``S``, the
        distribution over the full game's cells and which derivatives are analytic.

    Raises
    ------
    ValueError
        If a parameter is out of range or a name is unknown.

    Notes
    -----
    The conventions (which optimal threat pair, which equilibrium, ``k = 0``, both sides
    punishing, derivatives at branch changes) are in ``docs/game.md``.
    """
    _check_choice("theory", theory, THEORIES)
    _check_choice("punish", punish, PUNISH)
    _check_choice("nash_selection", nash_selection, SELECTIONS)
    _check_choice("correlated_selection", correlated_selection, SELECTIONS)
    p = _parameters(w, g, t, c, gamma, k, h)
    selection = _selection_for(theory, nash_selection, correlated_selection)
    return _disagreement(p, theory, punish, selection, play=True)


def _theory_codes(theory: np.ndarray | str, n: int) -> np.ndarray:
    if isinstance(theory, str):
        return np.full(n, THEORIES.index(_check_choice("theory", theory, THEORIES)))
    try:
        codes = np.asarray(theory, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"game: theory must be one of {', '.join(THEORIES)} or an array of codes 0/1/2"
        ) from err
    if codes.ndim > 1:
        raise ValueError(f"game: theory codes must be a scalar or 1-d array, got {codes.shape}")
    bad = ~np.isin(codes, np.arange(len(THEORIES)))
    if np.any(bad):
        raise ValueError(
            "game: theory codes must be 0 (coco), 1 (nash) or 2 (correlated); "
            f"got {codes[bad].flat[0]!r}"
        )
    try:
        return np.broadcast_to(codes.astype(np.int64), (n,))
    except ValueError as err:
        raise ValueError(f"game: {codes.shape[0]} theory codes for {n} draws") from err


def derive_utilities(
    inputs: Mapping[str, ArrayLike],
    *,
    theory: np.ndarray | str,
    punish: str,
    nash_selection: str = "worst_for_V",
    correlated_selection: str = "utilitarian",
) -> dict[str, np.ndarray]:
    """Derive ``U_B``, ``U_notB``, ``dUB_dFV`` and ``dUnotB_dFV`` from the game.

    Parameters
    ----------
    inputs
        Mapping with keys :data:`INPUTS`: ``F_V`` in (0, 1), ``g >= 0``, ``t`` and ``c`` in
        [0, 1], ``gamma >= 0`` (0: a conflict is a coin flip), ``k >= 0``, ``h >= 0``,
        ``lam`` in [0, 1] (the weight of notV's payoff in our utility). Scalars or 1-d
        arrays that broadcast to one length; extra keys are ignored.
    theory
        A name from :data:`THEORIES` for all draws, or per draw an integer code indexing it.
    punish
        Who has the Punish action: one of :data:`PUNISH`.
    nash_selection, correlated_selection
        Selection rules (see :func:`disagreement`).

    Returns
    -------
    dict of str to numpy.ndarray
        ``U_notB = d_V + lam d_notV`` (our utility at the disagreement point);
        ``U_B = (1 + lam) S / 2 + (1 - lam) (d_V - d_notV) / 2`` (our utility when the
        surplus over ``d`` is split equally); ``dUB_dFV`` and ``dUnotB_dFV``, their
        derivatives in ``F_V``.

    Raises
    ------
    ValueError
        If an input is missing, out of range or of the wrong shape, a theory code is not
        0, 1 or 2, or a name is unknown.
    """
    missing = [name for name in INPUTS if name not in inputs]
    if missing:
        raise ValueError(f"game: derive_utilities: missing input(s) {', '.join(missing)}")
    _check_choice("punish", punish, PUNISH)
    _check_choice("nash_selection", nash_selection, SELECTIONS)
    _check_choice("correlated_selection", correlated_selection, SELECTIONS)
    p = _parameters(
        inputs["F_V"],
        inputs["g"],
        inputs["t"],
        inputs["c"],
        inputs["gamma"],
        inputs["k"],
        inputs["h"],
        extra={"lam": inputs["lam"]},
    )
    lam = p.pop("lam")
    n = lam.shape[0]
    codes = _theory_codes(theory, n)
    d_v, d_n, ddv, ddn, s, ds = (np.empty(n) for _ in range(6))
    for code, name in enumerate(THEORIES):
        idx = np.flatnonzero(codes == code)
        if idx.size == 0:
            continue
        sub = {key: value[idx] for key, value in p.items()}
        selection = _selection_for(name, nash_selection, correlated_selection)
        result = _disagreement(sub, name, punish, selection, play=False)
        d_v[idx], d_n[idx] = result.d_V, result.d_notV
        ddv[idx], ddn[idx] = result.dd_V_dw, result.dd_notV_dw
        s[idx], ds[idx] = result.surplus, result.dsurplus_dw
    half_sum, half_diff = (1 + lam) / 2, (1 - lam) / 2
    return {
        "U_B": half_sum * s + half_diff * (d_v - d_n),
        "U_notB": d_v + lam * d_n,
        "dUB_dFV": half_sum * ds + half_diff * (ddv - ddn),
        "dUnotB_dFV": ddv + lam * ddn,
    }
