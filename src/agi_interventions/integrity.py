"""Every file a step reads belongs to the same design and is whole, or the step says which not.

The design step records a ``design_id`` (a hash of the priors' content fingerprint, N and the
seed) and the number of draws in ``design.json``; every intermediate file carries that id
(Parquet schema metadata, a JSON field, an array of the ``.npz`` file) and its chunk. Before a
step uses a file it checks the id, the chunk and the number of rows, so a file from another
run, a truncated file or a hand-edited one stops the step with a message naming the file,
instead of giving wrong tables. :class:`InputFileError` is that message.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

#: Schema-metadata keys of the Parquet files.
DESIGN_KEY = b"agi_interventions.design_id"
CHUNK_KEY = b"agi_interventions.chunk"

RERUN = "delete it and rerun the pipeline (snakemake reruns what depends on it)"


class InputFileError(ValueError):
    """A file a step reads is missing, unreadable, truncated or from another design."""


def design_id(fingerprint: str, n_base: int, seed: int) -> str:
    """Identify a design: the priors' content, the base sample size and the seed."""
    text = json.dumps({"fingerprint": fingerprint, "n_base": n_base, "seed": seed})
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:32]


def parquet_metadata(record: Mapping[str, Any], chunk: int | None = None) -> dict[bytes, bytes]:
    """Return schema metadata marking a Parquet file as one design's (and one chunk's)."""
    meta = {DESIGN_KEY: str(record["design_id"]).encode("ascii")}
    if chunk is not None:
        meta[CHUNK_KEY] = str(chunk).encode("ascii")
    return meta


def _parquet(path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except FileNotFoundError:
        raise InputFileError(f"{path}: not found; {RERUN}") from None
    except (pa.ArrowException, OSError, ValueError) as err:
        raise InputFileError(f"{path}: not a readable Parquet file ({err}); {RERUN}") from None


def _check_id(path: Path, found: Any, record: Mapping[str, Any]) -> None:
    expected = record.get("design_id")
    if found != expected:
        raise InputFileError(
            f"{path}: belongs to another design than {record.get('worldview', 'this')}'s "
            f"design.json (design id {found!r}, expected {expected!r}): it is left from an "
            f"earlier run or was copied in; {RERUN}"
        )


def check_draws(path: str | Path, record: Mapping[str, Any]) -> None:
    """Check that ``draws.parquet`` is the design's: its id and its ``2N`` rows.

    Raises
    ------
    InputFileError
        Naming the file and what is wrong.
    """
    path = Path(path)
    handle = _parquet(path)
    meta = handle.schema_arrow.metadata or {}
    found = meta.get(DESIGN_KEY)
    _check_id(path, found.decode("ascii") if found else None, record)
    rows = handle.metadata.num_rows
    expected = 2 * int(record["n_base"])
    if rows != expected:
        raise InputFileError(
            f"{path}: has {rows:,} rows, but the design has 2N = {expected:,} draws "
            f"(truncated or edited); {RERUN}"
        )


def check_chunk_values(path: str | Path, record: Mapping[str, Any], chunk: int, rows: int) -> None:
    """Check that a chunk's ``AB`` values belong to the design and the chunk, and are whole."""
    path = Path(path)
    handle = _parquet(path)
    meta = handle.schema_arrow.metadata or {}
    found = meta.get(DESIGN_KEY)
    _check_id(path, found.decode("ascii") if found else None, record)
    found_chunk = meta.get(CHUNK_KEY, b"").decode("ascii")
    if found_chunk != str(chunk):
        raise InputFileError(f"{path}: holds chunk {found_chunk or '?'}, not chunk {chunk}")
    if handle.metadata.num_rows != rows:
        raise InputFileError(
            f"{path}: has {handle.metadata.num_rows:,} rows, the chunk has {rows:,} base "
            f"points (truncated or edited); {RERUN}"
        )


def read_json(path: str | Path) -> dict[str, Any]:
    """Read a JSON record, turning any failure into :class:`InputFileError`."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(f"{path}: not found; {RERUN}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputFileError(f"{path}: not a readable JSON file ({err}); {RERUN}") from None
    if not isinstance(data, dict):
        raise InputFileError(f"{path}: expected a JSON object; {RERUN}")
    return data


def read_design(path: str | Path) -> dict[str, Any]:
    """Read ``design.json`` and check that it has what the steps need."""
    record = read_json(path)
    needed = ("design_id", "n_base", "seed", "parameters", "inputs", "structure", "chunks")
    missing = [key for key in needed if key not in record]
    if missing:
        raise InputFileError(
            f"{path}: lacks {', '.join(missing)} (written by another version, or edited); {RERUN}"
        )
    return record


def read_counts(path: str | Path, record: Mapping[str, Any], chunk: int) -> dict[str, int]:
    """Read one chunk's diagnostic counts and check them against the design."""
    path = Path(path)
    data = read_json(path)
    _check_id(path, data.get("design_id"), record)
    if data.get("chunk") != chunk:
        raise InputFileError(f"{path}: holds chunk {data.get('chunk')!r}, not chunk {chunk}")
    counts = data.get("counts")
    per_chunk = int(record["n_base"]) // int(record["chunks"])
    expected = per_chunk * len(record["parameters"])
    if (
        not isinstance(counts, dict)
        or counts.get("total") != expected
        or "inconsistent" not in counts
        or not all(isinstance(v, int) and 0 <= v <= expected for v in counts.values())
    ):
        raise InputFileError(
            f"{path}: the counts are incomplete or do not add up to the chunk's {expected:,} "
            f"rows; {RERUN}"
        )
    return counts


def counts_record(record: Mapping[str, Any], chunk: int, counts: Mapping[str, int]) -> dict:
    """Return the JSON record of one chunk's counts (what :func:`read_counts` reads)."""
    return {"design_id": record["design_id"], "chunk": chunk, "counts": dict(counts)}


def read_sums(path: str | Path, record: Mapping[str, Any], chunk: int) -> dict[str, np.ndarray]:
    """Read one chunk's Sobol sums and check that they are the design's and whole."""
    path = Path(path)
    try:
        # the file is opened here: np.load leaks its own handle when the zip is unreadable
        with path.open("rb") as file, np.load(file) as data:
            arrays = {name: data[name] for name in data.files}
    except FileNotFoundError:
        raise InputFileError(f"{path}: not found; {RERUN}") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        raise InputFileError(f"{path}: not a readable .npz file ({err}); {RERUN}") from None
    found = str(arrays.pop("design_id")) if "design_id" in arrays else None
    _check_id(path, found, record)
    found_chunk = int(arrays.pop("chunk")) if "chunk" in arrays else None
    if found_chunk != chunk:
        raise InputFileError(f"{path}: holds chunk {found_chunk}, not chunk {chunk}")
    if "level" not in arrays or len(arrays) < 2:
        raise InputFileError(f"{path}: the sums are incomplete; {RERUN}")
    return arrays


def sums_record(
    record: Mapping[str, Any], chunk: int, sums: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Return the arrays of one chunk's sums file (what :func:`read_sums` reads)."""
    return {**sums, "design_id": np.array(record["design_id"]), "chunk": np.array(chunk)}


def check_worldview(record: Mapping[str, Any], fingerprint: str, priors: str | Path) -> None:
    """Check that a prior file is the one the design was drawn from (same content)."""
    if record.get("fingerprint") != fingerprint:
        raise InputFileError(
            f"{priors}: its priors are not those design.json was drawn from (the file "
            "changed since, or another file was given); rerun from the design step"
        )


def read_table(path: str | Path):
    """Read a result table (CSV), turning any failure into :class:`InputFileError`."""
    import pandas as pd

    path = Path(path)
    try:
        table = pd.read_csv(path)
    except FileNotFoundError:
        raise InputFileError(f"{path}: not found; {RERUN}") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputFileError(f"{path}: not a readable CSV table ({err}); {RERUN}") from None
    return table
