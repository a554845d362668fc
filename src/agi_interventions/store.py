"""On-disk layout of one worldview's design and evaluations.

* ``draws.parquet``: the ``2N`` independent prior draws (the design's ``A`` and ``B`` rows,
  interleaved per base point: ``A_0, B_0, A_1, B_1, ...``), with every input, every model
  output and the consistency flag: one row per draw, columns readable alone (Parquet).
* ``design.json``: the design's settings and the reference values the streamed steps need
  (the winner by mean, output means for centring, asinh scales).
* ``chunks/evaluate_<c>.parquet``: for chunk ``c``'s base points, the interventions' values
  at every ``AB_j`` row, one column per (intervention, parameter), one row per base point.

Parquet was chosen over an array store because every consumer reads a few named columns of
all rows (ranking, PAWN, EVPPI, figures) or all columns of a range of rows (the chunked
steps); Parquet's column projection serves the first and its row groups the second, and
pandas and pyarrow, already dependencies, read it without another library.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from agi_interventions.io import atomic_path

#: Rows per Parquet row group of ``draws.parquet``.
ROW_GROUP_ROWS = 2**16


def ab_column(output: str, parameter: str) -> str:
    """Column name of an output at the ``AB_parameter`` rows, e.g. ``a_V|F_V``."""
    return f"{output}|{parameter}"


class ParquetSink:
    """Write DataFrames as the row groups of one Parquet file, atomically.

    Use as a context manager; call the sink with each frame. The file appears only when the
    block ends without an error.

    Parameters
    ----------
    path
        Destination.
    metadata
        Key-value pairs added to the file's schema metadata (e.g. the design id,
        :mod:`agi_interventions.integrity`).
    """

    def __init__(self, path: str | Path, metadata: dict[bytes, bytes] | None = None) -> None:
        self.path = Path(path)
        self.rows = 0
        self.metadata = dict(metadata or {})
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> ParquetSink:
        self._context = atomic_path(self.path)
        self._tmp = self._context.__enter__()
        return self

    def __call__(self, frame: pd.DataFrame) -> None:
        """Append one frame (equal columns every time)."""
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self.metadata:
            table = table.replace_schema_metadata({**table.schema.metadata, **self.metadata})
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._tmp, table.schema)
        self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        self.rows += len(frame)

    def __exit__(self, *exc) -> None:
        if self._writer is not None:
            self._writer.close()
        elif exc[0] is None:
            raise ValueError(f"{self.path}: nothing was written")
        self._context.__exit__(*exc)


def write_table_batches(
    batches: Iterable[pd.DataFrame], path: str | Path, metadata: dict[bytes, bytes] | None = None
) -> int:
    """Write DataFrames as one Parquet file, atomically, in row groups.

    Parameters
    ----------
    batches
        Frames with equal columns, written in order.
    path
        Destination.
    metadata
        Schema metadata (e.g. :func:`agi_interventions.integrity.parquet_metadata`).

    Returns
    -------
    int
        Rows written.
    """
    with ParquetSink(path, metadata) as sink:
        for frame in batches:
            sink(frame)
    return sink.rows


def read_rows(
    path: str | Path, start: int, stop: int, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Read rows ``[start, stop)`` of a Parquet file, touching only the row groups needed.

    Parameters
    ----------
    path
        Parquet file.
    start, stop
        Row range.
    columns
        Columns to read (default all).

    Returns
    -------
    pandas.DataFrame
        The rows, re-indexed from 0.
    """
    handle = pq.ParquetFile(path)
    meta = handle.metadata
    groups, offset, first_offset = [], 0, None
    for i in range(meta.num_row_groups):
        size = meta.row_group(i).num_rows
        if offset < stop and offset + size > start:
            groups.append(i)
            if first_offset is None:
                first_offset = offset
        offset += size
    if not groups:
        return handle.schema_arrow.empty_table().to_pandas()
    table = handle.read_row_groups(groups, columns=list(columns) if columns else None)
    return table.slice(start - first_offset, stop - start).to_pandas()


def read_columns(path: str | Path, columns: Sequence[str]) -> pd.DataFrame:
    """Read some columns of every row of a Parquet file, one column at a time.

    Decoding one column at a time keeps the peak memory near one copy of the data (reading
    the columns together through Arrow held about three).
    """
    handle = pq.ParquetFile(path)
    data = {}
    for column in columns:
        array = handle.read(columns=[column]).column(0)
        data[column] = array.to_numpy() if array.null_count == 0 else array.to_pandas()
    return pd.DataFrame(data, copy=False)


def iter_batches(
    path: str | Path, columns: Sequence[str], rows: int = ROW_GROUP_ROWS
) -> Iterable[pd.DataFrame]:
    """Read some columns of a Parquet file in batches of rows (bounded memory)."""
    handle = pq.ParquetFile(path)
    for batch in handle.iter_batches(batch_size=rows, columns=list(columns)):
        yield batch.to_pandas()


def write_json(record: dict[str, Any], path: str | Path) -> None:
    """Write a JSON record atomically (sorted keys, floats as written by ``json``)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_json(path: str | Path) -> dict[str, Any]:
    """Read a JSON record."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_arrays(arrays: dict[str, np.ndarray], path: str | Path) -> None:
    """Write named arrays as an uncompressed ``.npz`` file, atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)


def read_arrays(path: str | Path) -> dict[str, np.ndarray]:
    """Read the named arrays of an ``.npz`` file."""
    with np.load(path) as data:
        return {name: data[name] for name in data.files}
