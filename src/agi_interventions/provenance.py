"""Provenance of a run: what produced the numbers, for the report and for reproduction."""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

#: Distributions whose versions are recorded.
TRACKED_PACKAGES = (
    "agi-interventions",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "SALib",
    "scikit-learn",
    "matplotlib",
    "seaborn",
    "snakemake",
)


def file_hash(path: str | Path) -> str:
    """Return the SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def package_versions() -> dict[str, str]:
    """Return the installed version of each tracked package ("not installed" if absent)."""
    versions = {}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def collect(
    settings: Mapping[str, Any],
    worldview: str,
    priors_path: str | Path,
    config_files: Sequence[str | Path] = (),
) -> dict[str, Any]:
    """Collect the provenance record of one worldview's run.

    Parameters
    ----------
    settings
        The settings that shape the numbers (e.g. ``samples``, ``seed``, ``chunks``,
        ``bootstrap_resamples``); recorded as given.
    worldview
        Worldview name.
    priors_path
        Its prior file.
    config_files
        The configuration files of the run (their SHA-256 are recorded); none in memory.

    Returns
    -------
    dict
        The settings, the prior file and configuration files with their SHA-256, Python and
        package versions, the platform and the UTC time of collection.
    """
    return {
        "worldview": worldview,
        **{str(k): v for k, v in settings.items()},
        "priors_file": str(priors_path),
        "priors_sha256": file_hash(priors_path),
        "config_files": {str(p): file_hash(p) for p in config_files},
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "created_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
