"""Variance-based (Sobol) indices from a Saltelli design, streamed block by block.

Estimators: those of :func:`SALib.analyze.sobol.analyze` with ``calc_second_order=False``,
Saltelli et al. (2010) for S1 and Jansen (1999) for ST, both divided by the variance of the
stacked ``A`` and ``B`` outputs, with the output centred on its mean over the whole design (as
SALib standardises it). Everything they need is a sum over base points, so the design is
processed in blocks (:mod:`agi_interventions.design`) and only sums are kept:

``W = sum w``, ``SA = sum w (a + b)``, ``SAA = sum w (a^2 + b^2)``,
``F_j = sum w b (ab_j - a)``, ``G_j = sum w (ab_j - a)``, ``T_j = sum w (a - ab_j)^2 / 2``,

with every value shifted by a reference ``c`` (a cheap estimate of the mean, to keep the sums
free of cancellation), plus the sum and count of all ``N (D + 2)`` outputs. With ``m`` the
mean over the whole design, ``S1_j = (F_j - (m - c) G_j) / W / V`` and ``ST_j = T_j / W / V``,
``V = SAA / 2W - (SA / 2W)^2``. The point estimates equal SALib's to rounding (tested).

Uncertainty: a Poisson bootstrap over base points. Each block draws ``Poisson(1)`` weights
``w`` for every base point and resample from a stream derived from the seed and the block's
index, so every resample is the same whatever the chunking; the 95% half-width is
``1.96 sd`` over resamples, as SALib reports it.

Block sums are combined in a fixed binary tree over the blocks (:class:`TreeSum`); a chunk of
the pipeline sums an aligned subtree, so 1, 4 or 16 chunks give byte-identical results.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from agi_interventions.stats import Z95

logger = logging.getLogger(__name__)

SOBOL_COLUMNS = ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]

#: Fixed fields before the per-parameter ones: W, SA, SAA, sum of all outputs, their count.
_FIXED = 5


def sum_width(d: int) -> int:
    """Return the number of sums per resample for ``d`` parameters."""
    return _FIXED + 3 * d


def bootstrap_weights(n_points: int, resamples: int, seed: int, block: int) -> np.ndarray:
    """Draw the weights of one block: a row of ones (the estimate) and ``resamples`` Poisson rows.

    Parameters
    ----------
    n_points
        Base points in the block.
    resamples
        Bootstrap resamples.
    seed
        Bootstrap seed (derived from the configuration seed).
    block
        Index of the block (its own stream).

    Returns
    -------
    numpy.ndarray
        ``(resamples + 1, n_points)`` float weights.
    """
    rng = np.random.default_rng([seed, block])
    weights = np.empty((resamples + 1, n_points))
    weights[0] = 1.0
    weights[1:] = rng.poisson(1.0, size=(resamples, n_points))
    return weights


def block_terms(a: np.ndarray, b: np.ndarray, ab: np.ndarray, shift: float) -> np.ndarray:
    """Per-base-point terms whose weighted sums are the Saltelli/Jansen statistics.

    Parameters
    ----------
    a, b
        ``(n,)`` outputs at the ``A`` and ``B`` rows.
    ab
        ``(n, D)`` outputs at the ``AB_j`` rows.
    shift
        Reference value subtracted from every output.

    Returns
    -------
    numpy.ndarray
        ``(n, 5 + 3 D)``: ``1, a + b, a^2 + b^2, sum of all outputs, D + 2, b (ab_j - a),
        ab_j - a, (a - ab_j)^2 / 2``.
    """
    a = a - shift
    b = b - shift
    ab = ab - shift
    n, d = ab.shape
    diff = ab - a[:, None]
    terms = np.empty((n, sum_width(d)))
    terms[:, 0] = 1.0
    terms[:, 1] = a + b
    terms[:, 2] = a * a + b * b
    terms[:, 3] = a + b + ab.sum(axis=1)
    terms[:, 4] = d + 2.0
    terms[:, _FIXED : _FIXED + d] = b[:, None] * diff
    terms[:, _FIXED + d : _FIXED + 2 * d] = diff
    terms[:, _FIXED + 2 * d :] = 0.5 * diff * diff
    return terms


def block_sums(terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted sums of consecutive blocks' terms, every block at once.

    Parameters
    ----------
    terms
        ``(blocks * size, W)`` terms (:func:`block_terms`), blocks in order.
    weights
        ``(blocks, R + 1, size)`` bootstrap weights (:func:`bootstrap_weights` per block).

    Returns
    -------
    numpy.ndarray
        ``(blocks, R + 1, W)``: every block's sums for every resample.
    """
    blocks, _, size = weights.shape
    with np.errstate(invalid="ignore", over="ignore"):
        return np.matmul(weights, terms.reshape(blocks, size, -1))


class TreeSum:
    """Sum arrays in a fixed binary tree over their positions (a binary counter).

    Adding ``2^k`` arrays in order leaves one sum, equal bit for bit to summing any aligned
    runs of ``2^j`` arrays first and their sums afterwards, so chunking cannot change a
    result.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[int, np.ndarray]] = []

    def add(self, value: np.ndarray, level: int = 0) -> None:
        """Add the sum of ``2**level`` consecutive arrays."""
        self._stack.append((level, value))
        while len(self._stack) >= 2 and self._stack[-1][0] == self._stack[-2][0]:
            (lv, right), (_, left) = self._stack.pop(), self._stack.pop()
            self._stack.append((lv + 1, left + right))

    def result(self) -> tuple[int, np.ndarray]:
        """Return ``(level, sum)``; raises unless a power of two of arrays was added."""
        if len(self._stack) != 1:
            raise ValueError(
                f"tree sum over a number of arrays that is not a power of two "
                f"({len(self._stack)} partial sums left)"
            )
        return self._stack[0]


def indices_from_sums(sums: np.ndarray, conf_level_z: float = Z95) -> dict:
    """Compute S1, ST and their bootstrap half-widths from the summed statistics of one output.

    Parameters
    ----------
    sums
        ``(R + 1, 5 + 3 D)`` totals over all blocks (row 0: the estimate).
    conf_level_z
        Normal quantile of the half-widths.

    Returns
    -------
    dict
        ``S1, S1_conf, ST, ST_conf`` arrays over parameters (NaN if any output was not
        finite, zeros for a constant output).
    """
    d = (sums.shape[1] - _FIXED) // 3
    if not np.all(np.isfinite(sums[0])):
        logger.warning("non-finite outputs: Sobol indices set to NaN")
        nan = np.full(d, np.nan)
        return {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
    w = sums[:, 0]
    mean_ab = sums[:, 1] / (2.0 * w)
    var = sums[:, 2] / (2.0 * w) - mean_ab**2
    grand_offset = sums[0, 3] / sums[0, 4]  # mean of all outputs minus the shift
    first = sums[:, _FIXED : _FIXED + d] - grand_offset * sums[:, _FIXED + d : _FIXED + 2 * d]
    total = sums[:, _FIXED + 2 * d :]
    scale = np.finfo(float).eps * max(1.0, float(sums[0, 2] / (2.0 * w[0])))
    if var[0] <= scale:
        logger.info("output is constant: all Sobol indices are zero")
        zero = np.zeros(d)
        return {"S1": zero, "S1_conf": zero, "ST": zero, "ST_conf": zero}
    constant = var <= scale
    with np.errstate(divide="ignore", invalid="ignore"):
        s1 = first / w[:, None] / var[:, None]
        st = total / w[:, None] / var[:, None]
    s1[constant] = 0.0
    st[constant] = 0.0
    boot = slice(1, None)
    resampled = sums.shape[0] > 2
    return {
        "S1": s1[0],
        "S1_conf": conf_level_z * s1[boot].std(axis=0, ddof=1) if resampled else np.zeros(d),
        "ST": st[0],
        "ST_conf": conf_level_z * st[boot].std(axis=0, ddof=1) if resampled else np.zeros(d),
    }


def sobol_frame(output: str, parameters: Sequence[str], result: dict) -> pd.DataFrame:
    """Return one output's indices as rows of the Sobol table (:data:`SOBOL_COLUMNS`)."""
    frame = pd.DataFrame({"output": output, "parameter": list(parameters)})
    for column in ("S1", "S1_conf", "ST", "ST_conf"):
        frame[column] = np.asarray(result[column], dtype=np.float64)
    return frame[SOBOL_COLUMNS]


def flag_indices(table: pd.DataFrame) -> pd.Series:
    """Describe Monte Carlo indices that cannot be: outside [0, 1], or ST below S1.

    An ST below its S1 is flagged when the gap exceeds ST's 95% half-width; an output whose
    tails make the bootstrap intervals unreliable (``tail_flag``) is flagged too.

    Parameters
    ----------
    table
        Rows with ``S1, ST, ST_conf`` and optionally ``tail_flag``.

    Returns
    -------
    pandas.Series
        Per row, the problems found (e.g. ``S1 < 0; ST > 1``), or an empty string.
    """
    flags = []
    for row in table.itertuples(index=False):
        found = []
        for name in ("S1", "ST"):
            value = getattr(row, name)
            if np.isfinite(value) and not 0.0 <= value <= 1.0:
                found.append(f"{name} {'< 0' if value < 0 else '> 1'}")
        if np.isfinite(row.S1) and np.isfinite(row.ST) and row.S1 - row.ST > row.ST_conf:
            found.append("ST < S1")
        if isinstance(getattr(row, "tail_flag", ""), str) and getattr(row, "tail_flag", ""):
            found.append("heavy tail: interval unreliable")
        flags.append("; ".join(found))
    return pd.Series(flags, index=table.index, dtype=object)
