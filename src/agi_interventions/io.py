"""Atomic file writing and stable table formats.

Every output is written to a temporary file in the destination folder and moved into place,
so an interrupted run never leaves a half-written file that looks complete. A process killed
outright (``kill -9``) leaves its temporary file behind; the next write of the same output
removes it, and :func:`remove_stale_temporaries` (run when the pipeline starts) removes any
other.
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from collections.abc import Iterator, Sequence
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
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):  # from a killed write
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.chmod(0o666 & ~_current_umask())
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def check_outputs(*files: str | Path, folders: Sequence[str | Path] = ()) -> None:
    """Check, before any work, that every output can be written.

    Parameters
    ----------
    *files
        Output files: not an existing folder, each named once, in a folder that exists or can
        be created and is writable.
    folders
        Output folders: not an existing file, creatable, writable.

    Raises
    ------
    ValueError
        Naming the path and the problem.
    """
    paths = [Path(p) for p in files]
    resolved = [p.resolve() for p in paths]
    for path in {p for p in resolved if resolved.count(p) > 1}:
        raise ValueError(f"{path}: named for two outputs; give each output its own path")
    for path in paths:
        if path.is_dir():
            raise ValueError(f"{path}: is a folder; give a file path for this output")
        _writable_folder(path.parent)
    for folder in map(Path, folders):
        if folder.exists() and not folder.is_dir():
            raise ValueError(f"{folder}: is a file; give a folder for these outputs")
        _writable_folder(folder)


def _writable_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(f"{folder}: cannot create the output folder ({err.strerror})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"{folder}: the output folder is not writable")


def remove_stale_temporaries(folder: str | Path) -> int:
    """Remove the temporary files that killed writes left anywhere under a folder.

    Call it only when nothing else writes there (the pipeline does at its start, under
    Snakemake's lock).

    Parameters
    ----------
    folder
        E.g. ``results``.

    Returns
    -------
    int
        Files removed.
    """
    removed = 0
    for stale in Path(folder).rglob(".*.tmp"):
        if stale.is_file():
            stale.unlink(missing_ok=True)
            removed += 1
    return removed


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


def text_column(column: pd.Series) -> pd.Series:
    """Return a text column with missing entries empty.

    A text column whose every entry is empty reads back from CSV as all-NaN floats; this
    gives strings in either case (``fillna("")`` refuses a float column in pandas 3).
    """
    return column.astype(object).where(column.notna(), "").astype(str)


def write_text(text: str, path: str | Path) -> None:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(data: bytes, path: str | Path) -> None:
    """Write bytes atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
