"""One seed in, independent reproducible streams out.

Every random consumer (the Sobol design, each bootstrap) draws from its own stream derived
from the config's single seed and a fixed purpose string, so adding a consumer never shifts
another one's numbers.
"""

from __future__ import annotations

import zlib

import numpy as np


def derive_seed(seed: int, purpose: str) -> int:
    """Derive a stream seed for one purpose from the configuration seed.

    Parameters
    ----------
    seed
        The configuration's seed (a non-negative integer).
    purpose
        A stable label, e.g. ``"sobol-design"`` or ``"sobol-bootstrap:a_V"``.

    Returns
    -------
    int
        A seed in [1, 2**32 - 1]. It is never 0: SALib's analysers treat a falsy seed as
        "unseeded".
    """
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    sequence = np.random.SeedSequence([seed, zlib.crc32(purpose.encode("utf-8"))])
    state = int(sequence.generate_state(1, dtype=np.uint32)[0])
    return state or 1
