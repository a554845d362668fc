"""One seed in, independent reproducible streams out; reproducible linear algebra.

Every random consumer (the Sobol design, each bootstrap) draws from its own stream derived
from the config's single seed and a fixed purpose string, so adding a consumer never shifts
another one's numbers. :func:`single_threaded_blas` makes the regression fits independent of
the machine's BLAS thread count, so the same configuration gives the same bytes in the
pipeline, in a notebook and on a cluster.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator

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


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the block with one BLAS thread.

    Multi-threaded BLAS splits sums differently with the thread count, so regression fits
    (value of information, switching values) would differ in the last digits between a
    notebook and a pipeline job; with one thread they are identical everywhere.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
