"""Progress of long loops (rows done, rate, time left) and a job's peak memory, for its log."""

from __future__ import annotations

import logging
import sys
import time

logger = logging.getLogger(__name__)


class Progress:
    """Log rows done, rate and time left of a long loop, at most every ``interval`` seconds."""

    def __init__(self, what: str, total: int, interval: float = 10.0) -> None:
        self.what, self.total, self.interval = what, total, interval
        self.start = self.last = time.perf_counter()
        self.done = 0

    def advance(self, rows: int) -> None:
        """Count ``rows`` more rows and log if the interval has passed or the loop is done."""
        self.done += rows
        now = time.perf_counter()
        if now - self.last < self.interval and self.done < self.total:
            return
        self.last = now
        rate = self.done / max(now - self.start, 1e-9)
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        logger.info(
            "%s: %d of %d rows (%.0f%%), %.3g rows/s, %.0f s left",
            self.what,
            self.done,
            self.total,
            100.0 * self.done / self.total,
            rate,
            left,
        )


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MB (NaN where the OS does not say).

    The kernel's own high-water mark (``getrusage``), not a sample: the figure the SLURM
    profile's ``mem_mb`` must cover.

    Returns
    -------
    float
        Peak RSS in units of 10^6 bytes.
    """
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # kibibytes on Linux, bytes on macOS
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6
