"""The Sobol (Saltelli) design, built by column swap from its two independent matrices.

SALib's :func:`SALib.sample.sobol.sample` (first and total order) draws a scrambled Sobol
sequence of dimension ``2D`` and takes its first ``D`` columns as matrix ``A`` and the last
``D`` as ``B``; every other row of the design, ``AB_i``, is the ``A`` row with column ``i``
taken from ``B``. The full design has ``N (D + 2)`` rows, but it holds only ``2N`` distinct
values per parameter. :class:`SobolDesign` keeps it that way: it maps ``A`` and ``B`` through
the priors' inverse CDFs (``2N`` values per parameter, never ``N (D + 2)``) and forms any
``AB_i`` block by swapping one column, for any range of base points, on demand. The test
suite checks that its ``A``, ``B`` and ``AB_i`` rows equal SALib's bit for bit.

The base points are split into :attr:`SobolDesign.n_blocks` equal *blocks* (at most
:data:`MAX_BLOCKS`, a power of two). Blocks are the unit of every streamed computation;
chunks (the pipeline's jobs) are runs of whole blocks, so that results do not depend on how
many chunks there are.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from agi_interventions.priors import Worldview
from agi_interventions.seeds import derive_seed

logger = logging.getLogger(__name__)

#: Largest number of blocks of base points (a power of two).
MAX_BLOCKS = 1024
#: Purpose string of the design's random stream (its scrambling seed).
DESIGN_PURPOSE = "sobol-design"


def check_base_size(n_base: int) -> None:
    """Raise ValueError unless ``n_base`` is a power of two of at least 2."""
    if n_base < 2 or n_base & (n_base - 1):
        raise ValueError(f"base sample size N must be a power of two >= 2, got {n_base}")


@dataclass(frozen=True)
class SobolDesign:
    """A worldview's Saltelli design, produced block by block.

    Parameters
    ----------
    worldview
        Validated priors; the uncertain ones are the design's columns, in canonical order.
    n_base
        Base sample size N (a power of two).
    seed
        The configuration seed; the design's scrambling uses a stream derived from it.
    """

    worldview: Worldview
    n_base: int
    seed: int

    def __post_init__(self) -> None:
        check_base_size(self.n_base)
        if not self.parameters:
            raise ValueError(
                f"worldview {self.worldview.name!r} has no uncertain parameter: a Sobol design "
                "needs at least one"
            )

    @property
    def parameters(self) -> list[str]:
        """Uncertain inputs, in design column order."""
        return self.worldview.uncertain

    @property
    def design_seed(self) -> int:
        """Scrambling seed passed to SALib / :class:`scipy.stats.qmc.Sobol`."""
        return derive_seed(self.seed, DESIGN_PURPOSE)

    @property
    def n_blocks(self) -> int:
        """Number of blocks (a power of two)."""
        return min(self.n_base, MAX_BLOCKS)

    @property
    def block_size(self) -> int:
        """Base points per block."""
        return self.n_base // self.n_blocks

    @property
    def n_evaluations(self) -> int:
        """Rows of the full design, ``N (D + 2)``."""
        return self.n_base * (len(self.parameters) + 2)

    def unit(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows ``[start, stop)`` of the unit-cube matrices ``A`` and ``B``.

        Parameters
        ----------
        start, stop
            Range of base points.

        Returns
        -------
        tuple of numpy.ndarray
            ``A`` and ``B``, each ``(stop - start, D)``: exactly SALib's rows.
        """
        d = len(self.parameters)
        engine = qmc.Sobol(d=2 * d, scramble=True, seed=self.design_seed)
        with warnings.catch_warnings():
            # a range that does not end at a power of two is not "balanced" on its own;
            # the whole design is
            warnings.filterwarnings("ignore", message=".*balance properties.*")
            if start:
                engine.fast_forward(start)
            base = engine.random(stop - start)
        return base[:, :d], base[:, d:]

    def map_unit(self, unit: np.ndarray) -> dict[str, np.ndarray]:
        """Map unit-cube rows (columns in design order) to every model input.

        Parameters
        ----------
        unit
            ``(n, D)`` points in the unit cube.

        Returns
        -------
        dict of str to numpy.ndarray
            Every input of the worldview: uncertain ones through their inverse CDF, fixed ones
            constant (:meth:`agi_interventions.structure.Structure.complete` turns them into
            the canonical parameters).
        """
        n = unit.shape[0]
        columns: dict[str, np.ndarray] = {}
        position = {name: j for j, name in enumerate(self.parameters)}
        for name, prior in self.worldview.priors.items():
            if prior.is_fixed:
                columns[name] = np.full(n, prior.value, dtype=np.float64)
            else:
                columns[name] = prior.ppf(unit[:, position[name]])
        return columns
