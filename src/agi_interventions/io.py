"""Atomic file writing and stable table formats.

Every output is written to a temporary file in the destination folder and moved into place,
so an interrupted run never leaves a half-written file that looks complete.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: Float format of every CSV: 10 significant digits, platform-independent text.
CSV_FLOAT_FORMAT = "%.10g"


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path that replaces ``path`` only if the block succeeds.

    Parameters
    ----------
    path
        Final destination; its folder is created if needed.

    Yields
    ------
    pathlib.Path
        Temporary file in the same folder (same file system, so the move is atomic).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.chmod(0o666 & ~_current_umask())
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a table as CSV atomically, with a fixed float format and no index."""
    write_text(csv_text(frame), path)


def csv_text(frame: pd.DataFrame) -> str:
    """Return a table's CSV text exactly as :func:`write_csv` writes it."""
    return frame.to_csv(index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")


def as_written(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a table as it reads back from its CSV file (floats at 10 significant digits).

    In-memory analyses pass their tables through this, so that every later step, and the
    report, sees exactly what the pipeline's steps read from disk.
    """
    import io

    import pandas as pd

    return pd.read_csv(io.StringIO(csv_text(frame)))


def write_text(text: str, path: str | Path) -> None:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(data: bytes, path: str | Path) -> None:
    """Write bytes atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
