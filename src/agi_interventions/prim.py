"""PRIM, the Patient Rule Induction Method, for real-valued inputs and a binary outcome.

PRIM (Friedman and Fisher 1999, "Bump hunting in high-dimensional data", Statistics and
Computing 9: 123-143) describes where a binary outcome ``y`` is frequent by a box, a set of
intervals on the inputs. Starting from the box holding all the data it *peels*: each step
removes a slice of the box's rows from one side of one input, choosing the slice that
improves the box most, and stops when no slice helps or the box would get too small. It then
*pastes*: widens single sides again while that raises the box's density. Every intermediate
box is kept: the peeling-and-pasting trajectory trades coverage (share of all cases of
interest inside the box) against density (share of the box's rows that are cases of
interest).

This module reproduces the single-box PRIM of the EMA Workbench
(``ema_workbench.analysis.prim.Prim``, version 2.5.3, in scenario-discovery, i.e. binary,
mode) for real-valued inputs, with its defaults: objective function ``lenient1``,
``peel_alpha = paste_alpha = 0.05``, ``mass_min = 0.05``. Rules taken over exactly:

* Candidate peels: for each input, in column order, an upper then a lower candidate. The
  upper candidate keeps the box's rows with ``x <= q`` where ``q`` is the workbench's
  quantile (:func:`sdtoolkit_quantile`) at ``1 - peel_alpha`` of the input's values inside
  the box; the lower candidate keeps ``x >= q`` with ``q`` at ``peel_alpha``. The new limit
  is ``q`` itself (a midpoint between two data values), not a data value.
* Candidate pastes: for each restricted input, in column order, a lower then an upper
  candidate. The lower candidate moves the lower limit down to the quantile at
  ``1 - paste_alpha`` of the input's values among the rows that lie inside the box on every
  other restricted input and at or below the lower limit (the input's minimum if there are
  none); the upper candidate mirrors this at ``paste_alpha``.
* Choice: the candidate with the largest objective; ties go to the candidate restricting
  fewer inputs, then to the earlier candidate (the workbench sorts stably, in reverse, on
  these two keys).
* Stopping: a peel is taken if the new box's mass is ``>= mass_min``, smaller than the old
  one and the objective is positive; a paste if the mass is ``>= mass_min``, larger, the
  objective positive and the mean higher. Only the best candidate is tested.
* Objectives, with ``m`` the mean of ``y`` (the density) and ``n`` the number of rows in the
  old and new box: ``lenient1`` is ``(m_new - m_old) / |n_old - n_new|``, ``lenient2`` is
  ``n_new (m_new - m_old) / |n_old - n_new|`` (both 0 when the means are equal; an empty box
  has mean 0), ``original`` is ``m_new`` (-1 for an empty box).
* Boxes are closed: a row is inside when ``low <= x <= high`` on every input. An input is
  restricted when either limit differs from the data's minimum or maximum.

All arithmetic that decides between candidates (quantile midpoints, means as ``k / n``,
objectives) is done in the same IEEE operations as the workbench, so on real-valued inputs
the trajectory and the box limits are the workbench's, including ties. Not reproduced: the
workbench's integer ("discrete") and categorical peels (integers are treated here as
real numbers), regression mode, further boxes after the first (``find_box`` called again),
the "dump box" returned when the final box misses a density threshold (the whole trajectory
is always returned; apply any threshold when choosing a box), quasi-p-values, resampling and
plots.

Speed: the inputs are sorted once per :class:`Prim` (shared by every outcome analysed with
it). Peeling keeps, for each input, the rows still in the box in sorted order; the candidate
peels follow from binary searches, and after each step the sorted rows are compressed to
those still in the box. The box shrinks geometrically, so peeling costs about
``n d / peel_alpha`` element operations in all instead of a sort per candidate and step.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["OBJECTIVES", "Prim", "PrimBox", "find_box", "sdtoolkit_quantile"]

logger = logging.getLogger(__name__)

Objective = Literal["lenient1", "lenient2", "original"]

#: Objective functions, as named in the EMA Workbench (``PRIMObjectiveFunctions``).
OBJECTIVES: tuple[str, ...] = ("lenient1", "lenient2", "original")

TRAJECTORY_COLUMNS = ["coverage", "density", "mean", "res_dim", "mass", "id", "n", "k"]


def _sorted_quantiles(values: np.ndarray, quantile: float) -> np.ndarray:
    """Row-wise :func:`sdtoolkit_quantile` of an array whose rows are sorted ascending.

    Parameters
    ----------
    values
        Shape ``(r, m)`` with ``m >= 1``, each row sorted ascending.
    quantile
        In (0, 1).

    Returns
    -------
    numpy.ndarray
        Shape ``(r,)``: the quantile of each row.
    """
    m = values.shape[1]
    position = (m - 1) * quantile
    lower, upper = math.floor(position), math.ceil(position)
    rows = np.arange(values.shape[0])
    if quantile > 0.5:
        # Walk the lower index down past values tied with the upper one (not below 0).
        high = values[:, upper]
        first_tied = np.count_nonzero(values < high[:, None], axis=1)
        low = values[rows, np.maximum(first_tied - 1, 0)]
    else:
        # Walk the upper index up past values tied with the lower one (not past the end).
        low = values[:, lower]
        past_tied = np.count_nonzero(values <= low[:, None], axis=1)
        high = values[rows, np.minimum(past_tied, m - 1)]
    return (low + high) / 2


def sdtoolkit_quantile(data: np.ndarray, quantile: float) -> float:
    """Quantile as PRIM's peeling and pasting use it (the sdtoolkit / EMA Workbench rule).

    With the data sorted and ``i = (len - 1) * quantile``, take the values at ``floor(i)``
    and ``ceil(i)``. Above the median the lower index moves down, at or below it the upper
    index moves up, until the two values differ (or an end is reached); the result is their
    midpoint. The quantile therefore falls between two distinct data values whenever it can,
    so a cut at it never splits tied values.

    Parameters
    ----------
    data
        Non-empty one-dimensional data.
    quantile
        In (0, 1).

    Returns
    -------
    float
        The quantile.

    Raises
    ------
    ValueError
        Empty data or a quantile outside (0, 1).
    """
    values = np.sort(np.asarray(data, dtype=np.float64).ravel())
    if values.size == 0:
        raise ValueError("quantile of empty data")
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be in (0, 1), got {quantile}")
    return float(_sorted_quantiles(values[None, :], quantile)[0])


def _objective(
    kind: str, n_old: int, k_old: int, n_new: np.ndarray, k_new: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Objective of candidate boxes and their means (see the module docstring).

    Parameters
    ----------
    kind
        One of :data:`OBJECTIVES`.
    n_old, k_old
        Rows and cases of interest in the current box (``n_old > 0``).
    n_new, k_new
        The same for each candidate box.

    Returns
    -------
    tuple of numpy.ndarray
        The objective and the mean (density) of each candidate.
    """
    mean_old = k_old / n_old
    has_rows = n_new > 0
    mean_new = np.where(has_rows, k_new / np.maximum(n_new, 1), 0.0)
    if kind == "original":
        return np.where(has_rows, mean_new, -1.0), mean_new
    change = mean_new - mean_old
    moved = mean_new != mean_old
    # Equal means whenever the row sets are equal, so the divisor is positive where used.
    size_change = np.maximum(np.abs(n_old - n_new), 1)
    if kind == "lenient1":
        obj = change / size_change
    else:
        obj = (n_new * change) / size_change
    return np.where(moved, obj, 0.0), mean_new


def _pick(obj: np.ndarray, non_restricted: np.ndarray) -> int:
    """Index of the best candidate: largest objective, then fewest restrictions, then first."""
    order = np.lexsort((np.arange(obj.size), -non_restricted, -obj))
    return int(order[0])


@dataclass(frozen=True)
class PrimBox:
    """A PRIM peeling-and-pasting trajectory and its boxes.

    Attributes
    ----------
    columns
        Input names, in the order of the limits' last axis.
    box_init
        Shape ``(2, d)``: the data's minimum (row 0) and maximum (row 1) of each input.
    box_lims
        Shape ``(b, 2, d)``: lower and upper limits of each box on the trajectory; box 0 is
        ``box_init``.
    trajectory
        One row per box, as the EMA Workbench's ``peeling_trajectory``: ``coverage``,
        ``density``, ``mean`` (equal to the density for a binary outcome), ``res_dim``
        (number of restricted inputs), ``mass`` (share of all rows inside), ``id`` (position
        on the trajectory), ``n`` (rows inside), ``k`` (cases of interest inside).
    last_peel
        Index of the last box made by peeling; boxes after it were made by pasting.
    """

    columns: tuple[str, ...]
    box_init: np.ndarray
    box_lims: np.ndarray
    trajectory: pd.DataFrame
    last_peel: int

    def __len__(self) -> int:
        """Return the number of boxes on the trajectory."""
        return int(self.box_lims.shape[0])

    def limits(self, i: int = -1) -> pd.DataFrame:
        """Limits of box ``i``: rows ``low`` and ``high``, one column per input.

        Parameters
        ----------
        i
            Position on the trajectory (default: the last box).

        Returns
        -------
        pandas.DataFrame
            Shape ``(2, d)``.
        """
        return pd.DataFrame(
            self.box_lims[i], index=pd.Index(["low", "high"]), columns=list(self.columns)
        )

    def restricted(self, i: int = -1) -> list[str]:
        """List the inputs that box ``i`` restricts (a limit differs from the data's range).

        Parameters
        ----------
        i
            Position on the trajectory (default: the last box).

        Returns
        -------
        list of str
            In column order.
        """
        changed = np.any(self.box_lims[i] != self.box_init, axis=0)
        return [c for c, r in zip(self.columns, changed, strict=True) if r]

    def inside(self, x: pd.DataFrame | np.ndarray, i: int = -1) -> np.ndarray:
        """Whether each row of ``x`` lies in box ``i`` (closed intervals).

        Parameters
        ----------
        x
            Inputs: a DataFrame holding :attr:`columns`, or an array with ``d`` columns in
            that order.
        i
            Position on the trajectory (default: the last box).

        Returns
        -------
        numpy.ndarray
            Boolean, one entry per row.
        """
        values = (
            x[list(self.columns)].to_numpy(dtype=np.float64)
            if isinstance(x, pd.DataFrame)
            else np.asarray(x, dtype=np.float64)
        )
        low, high = self.box_lims[i]
        return np.all((values >= low) & (values <= high), axis=1)


class Prim:
    """PRIM on fixed real-valued inputs; :meth:`find_box` runs it for one binary outcome.

    The inputs are validated and sorted once, so several outcomes on the same inputs (e.g.
    one per decision option) share that cost.

    Parameters
    ----------
    x
        Inputs, ``n`` rows by ``d`` real-valued columns (finite). A DataFrame's column names
        are kept; an array's columns are named ``x0``, ``x1``, ...
    peel_alpha
        Share of the box peeled off per step, in (0, 1).
    paste_alpha
        Share used to place pasting candidates, in (0, 1).
    mass_min
        Smallest mass (share of rows) a box may have.
    objective
        Objective function, one of :data:`OBJECTIVES` (default the EMA Workbench's).

    Raises
    ------
    ValueError
        Empty or non-finite inputs, or a setting outside its range.
    """

    def __init__(
        self,
        x: pd.DataFrame | np.ndarray,
        *,
        peel_alpha: float = 0.05,
        paste_alpha: float = 0.05,
        mass_min: float = 0.05,
        objective: Objective = "lenient1",
    ) -> None:
        if isinstance(x, pd.DataFrame):
            columns = tuple(str(c) for c in x.columns)
            values = x.to_numpy(dtype=np.float64)
        else:
            values = np.asarray(x, dtype=np.float64)
            if values.ndim != 2:
                raise ValueError(f"x must be two-dimensional, got shape {values.shape}")
            columns = tuple(f"x{j}" for j in range(values.shape[1]))
        if values.shape[0] == 0 or values.shape[1] == 0:
            raise ValueError(f"x needs at least one row and one column, got {values.shape}")
        if not np.all(np.isfinite(values)):
            raise ValueError("x has missing or infinite values")
        values = values + 0.0  # a copy, with -0.0 made 0.0 (equal values, one bit pattern)
        for name, value in (("peel_alpha", peel_alpha), ("paste_alpha", paste_alpha)):
            if not 0.0 < value < 1.0:
                raise ValueError(f"{name} must be in (0, 1), got {value}")
        if not 0.0 <= mass_min <= 1.0:
            raise ValueError(f"mass_min must be in [0, 1], got {mass_min}")
        if objective not in OBJECTIVES:
            raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
        self.columns = columns
        self.peel_alpha = float(peel_alpha)
        self.paste_alpha = float(paste_alpha)
        self.mass_min = float(mass_min)
        self.objective = str(objective)
        self._x = np.ascontiguousarray(values.T)  # (d, n): one input per row
        n, d = values.shape
        order = np.argsort(self._x, axis=1, kind="stable")
        self._sorted = np.take_along_axis(self._x, order, axis=1)
        self._sorted_flat = self._sorted.ravel()
        # Sort keys and packed entries (see _peel).
        starts = np.ones((d, n), dtype=bool)
        starts[:, 1:] = self._sorted[:, 1:] != self._sorted[:, :-1]
        first = np.maximum.accumulate(np.where(starts, np.arange(n), 0), axis=1)
        keys = first + (np.arange(d, dtype=np.int64) * n)[:, None]
        self._id_bits = max(int(n - 1).bit_length(), 1)
        if (d * n) >> (62 - self._id_bits):
            raise ValueError(f"x is too large for PRIM's packed keys: {n} rows x {d} inputs")
        self._packed = (keys << self._id_bits) | order
        self.box_init = np.stack([self._sorted[:, 0], self._sorted[:, -1]])

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self._x.shape[1])

    def find_box(self, y: np.ndarray) -> PrimBox:
        """Peel and paste towards the rows where ``y`` is true.

        Parameters
        ----------
        y
            Binary outcome (bool, or 0 and 1), one entry per row, with at least one case of
            interest.

        Returns
        -------
        PrimBox
            The whole peeling-and-pasting trajectory.

        Raises
        ------
        ValueError
            A wrong length, values other than 0 and 1, or no case of interest.
        """
        y = np.asarray(y)
        if y.shape != (self.n,):
            raise ValueError(f"y has shape {y.shape}, expected ({self.n},)")
        if y.dtype != np.bool_:
            if not np.all((y == 0) | (y == 1)):
                raise ValueError("y must be binary (bool, or 0 and 1)")
            y = y == 1
        total = int(np.count_nonzero(y))
        if total == 0:
            raise ValueError("y has no case of interest")
        lims = self.box_init.copy()
        steps = [(self.n, total, lims.copy())]
        lims, n_box, k_box = self._peel(y, lims, steps)
        last_peel = len(steps) - 1
        self._paste(y, lims, n_box, k_box, steps)
        box = self._box(steps, total, last_peel)
        logger.debug(
            "PRIM: %d peels, %d pastes; final box coverage %.3f, density %.3f, mass %.3f",
            last_peel,
            len(steps) - 1 - last_peel,
            box.trajectory["coverage"].iloc[-1],
            box.trajectory["density"].iloc[-1],
            box.trajectory["mass"].iloc[-1],
        )
        return box

    def _restricted(self, lims: np.ndarray) -> np.ndarray:
        return np.any(lims != self.box_init, axis=0)

    def _cuts(
        self, packed: np.ndarray, m: int, quantile: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Quantile of each input among the box's rows, and how many rows lie below it.

        Parameters
        ----------
        packed
            Flattened ``(d, m)`` packed sort keys and row numbers of the box's rows (see
            :meth:`_peel`).
        m
            Rows in the box.
        quantile
            In (0, 1).

        Returns
        -------
        tuple of numpy.ndarray
            Per input: the quantile ``q`` (:func:`sdtoolkit_quantile`), the number of the
            box's rows with ``x < q`` and with ``x <= q``.
        """
        shift = self._id_bits
        start = np.arange(self._x.shape[0]) * m

        def first_at_least(key: np.ndarray) -> np.ndarray:
            # Position, within its input's row, of the first entry with a key >= ``key``.
            return np.searchsorted(packed, key << shift) - start

        position = (m - 1) * quantile
        lower, upper = math.floor(position), math.ceil(position)
        # The index walk of _sorted_quantiles, by binary searches on the keys.
        if quantile > 0.5:
            key_b = packed[start + upper] >> shift
            key_a = packed[start + np.maximum(first_at_least(key_b) - 1, 0)] >> shift
        else:
            key_a = packed[start + lower] >> shift
            key_b = packed[start + np.minimum(first_at_least(key_a + 1), m - 1)] >> shift
        value_a, value_b = self._sorted_flat[key_a], self._sorted_flat[key_b]
        q = (value_a + value_b) / 2
        # No row of the box lies strictly between value_a and value_b, and value_a <= q <=
        # value_b: the counts follow from where the tied runs of a and b start and end.
        le_a = first_at_least(key_a + 1)
        n_lt = np.where(q > value_a, le_a, first_at_least(key_a))
        n_le = np.where(q < value_b, le_a, first_at_least(key_b + 1))
        return q, n_lt, n_le

    def _peel(
        self, y: np.ndarray, lims: np.ndarray, steps: list[tuple[int, int, np.ndarray]]
    ) -> tuple[np.ndarray, int, int]:
        """Peeling phase; appends each accepted box to ``steps``.

        The box's rows are held, per input, in sorted order in one integer array ``packed``
        (shape ``(d, m)``, flattened). An entry packs a sort key and the row number:
        ``(key << id_bits) | row``. The key of input ``j`` is ``j n + r``, ``r`` the
        position of the value's first occurrence in the input's sorted data: equal values
        share a key, keys increase with the value, and the flattened array is sorted.
        Binary searches on it give every candidate peel; after each step it is compressed
        to the rows still in the box.
        """
        n_all, d = self.n, self._x.shape[0]
        packed = self._packed.ravel()
        row_mask = (1 << self._id_bits) - 1
        in_box = np.ones(n_all, dtype=bool)
        m, k = n_all, int(np.count_nonzero(y))
        column = np.repeat(np.arange(d), 2)
        # Candidate order as the workbench's: per input, upper then lower.
        side = np.tile(np.array([1, 0], dtype=np.intp), d)
        n_new = np.empty(2 * d, dtype=np.int64)
        k_new = np.empty(2 * d, dtype=np.int64)
        limit = np.empty(2 * d)
        while True:
            q_up, _, keep_up = self._cuts(packed, m, 1 - self.peel_alpha)
            q_low, drop_low, _ = self._cuts(packed, m, self.peel_alpha)
            limit[0::2], limit[1::2] = q_up, q_low
            n_new[0::2], n_new[1::2] = keep_up, m - drop_low
            for j in range(d):
                row = packed[j * m : (j + 1) * m]
                k_new[2 * j] = k - np.count_nonzero(y[row[keep_up[j] :] & row_mask])
                k_new[2 * j + 1] = k - np.count_nonzero(y[row[: drop_low[j]] & row_mask])
            obj, _ = _objective(self.objective, m, k, n_new, k_new)
            restricted = self._restricted(lims)
            other_side = lims[1 - side, column] != self.box_init[1 - side, column]
            this_side = limit != self.box_init[side, column]
            n_restricted = (
                np.count_nonzero(restricted) - restricted[column] + (other_side | this_side)
            )
            best = _pick(obj, d - n_restricted)
            mass_new = int(n_new[best]) / n_all
            if not (mass_new >= self.mass_min and mass_new < m / n_all and obj[best] > 0):
                return lims, m, k
            j, s = int(column[best]), int(side[best])
            lims[s, j] = limit[best]
            row = packed[j * m : (j + 1) * m]
            in_box[(row[keep_up[j] :] if s == 1 else row[: drop_low[j]]) & row_mask] = False
            packed = np.compress(in_box[packed & row_mask], packed)
            m, k = int(n_new[best]), int(k_new[best])
            steps.append((m, k, lims.copy()))

    def _paste(
        self,
        y: np.ndarray,
        lims: np.ndarray,
        n_box: int,
        k_box: int,
        steps: list[tuple[int, int, np.ndarray]],
    ) -> None:
        """Pasting phase; appends each accepted box to ``steps``."""
        n_all, d = self.n, self._x.shape[0]
        while True:
            restricted = np.flatnonzero(self._restricted(lims))
            if restricted.size == 0:
                return
            x_res = self._x[restricted]
            outside = (x_res < lims[0, restricted][:, None]) | (
                x_res > lims[1, restricted][:, None]
            )
            n_outside = np.count_nonzero(outside, axis=0)
            cand: list[tuple[int, int, int, float, int]] = []  # n, k, column, limit, side
            for r, j in enumerate(restricted):
                xj = self._x[j]
                others_in = (n_outside - outside[r]) == 0
                low, high = lims[0, j], lims[1, j]
                below = xj[others_in & (xj <= low)]
                new_low = (
                    float(_sorted_quantiles(np.sort(below)[None, :], 1 - self.paste_alpha)[0])
                    if below.size
                    else float(self.box_init[0, j])
                )
                rows = others_in & (xj >= new_low) & (xj <= high)
                cand.append((rows.sum(), np.count_nonzero(rows & y), j, new_low, 0))
                above = xj[others_in & (xj >= high)]
                new_high = (
                    float(_sorted_quantiles(np.sort(above)[None, :], self.paste_alpha)[0])
                    if above.size
                    else float(self.box_init[1, j])
                )
                rows = others_in & (xj >= low) & (xj <= new_high)
                cand.append((rows.sum(), np.count_nonzero(rows & y), j, new_high, 1))
            n_new = np.array([c[0] for c in cand], dtype=np.int64)
            k_new = np.array([c[1] for c in cand], dtype=np.int64)
            obj, mean_new = _objective(self.objective, n_box, k_box, n_new, k_new)
            n_restricted = np.empty(len(cand), dtype=np.int64)
            for i, (_, _, j, limit, s) in enumerate(cand):
                trial = lims.copy()
                trial[s, j] = limit
                n_restricted[i] = np.count_nonzero(self._restricted(trial))
            best = _pick(obj, d - n_restricted)
            mass_new = int(n_new[best]) / n_all
            if not (
                mass_new >= self.mass_min
                and mass_new > n_box / n_all
                and obj[best] > 0
                and mean_new[best] > k_box / n_box
            ):
                return
            _, _, j, limit, s = cand[best]
            lims[s, j] = limit
            n_box, k_box = int(n_new[best]), int(k_new[best])
            steps.append((n_box, k_box, lims.copy()))

    def _box(
        self, steps: list[tuple[int, int, np.ndarray]], total: int, last_peel: int
    ) -> PrimBox:
        n_in = np.array([s[0] for s in steps], dtype=np.int64)
        k_in = np.array([s[1] for s in steps], dtype=np.int64)
        box_lims = np.stack([s[2] for s in steps])
        res_dim = np.count_nonzero(np.any(box_lims != self.box_init[None], axis=1), axis=1)
        density = k_in / n_in
        trajectory = pd.DataFrame(
            {
                "coverage": k_in / total,
                "density": density,
                "mean": density,
                "res_dim": res_dim.astype(np.int64),
                "mass": n_in / self.n,
                "id": np.arange(len(steps), dtype=np.int64),
                "n": n_in,
                "k": k_in,
            },
            columns=TRAJECTORY_COLUMNS,
        )
        return PrimBox(self.columns, self.box_init.copy(), box_lims, trajectory, last_peel)


def find_box(
    x: pd.DataFrame | np.ndarray,
    y: np.ndarray,
    *,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    objective: Objective = "lenient1",
) -> PrimBox:
    """Run PRIM once: :class:`Prim` on ``x``, then :meth:`Prim.find_box` on ``y``.

    Parameters
    ----------
    x
        Real-valued inputs (see :class:`Prim`).
    y
        Binary outcome, one entry per row.
    peel_alpha, paste_alpha, mass_min, objective
        See :class:`Prim`.

    Returns
    -------
    PrimBox
        The peeling-and-pasting trajectory.
    """
    prim = Prim(
        x, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min, objective=objective
    )
    return prim.find_box(y)
