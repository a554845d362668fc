"""Progress of long loops, logged to the job's log file: rows done, rate, time left."""

from __future__ import annotations

import logging
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
