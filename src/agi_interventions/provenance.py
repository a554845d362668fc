"""Provenance of a run: what produced the numbers, for the report and for reproduction."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from collections.abc import Mapping
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
    "ema_workbench",
    "matplotlib",
    "seaborn",
    "snakemake",
)


def config_hash(config: Mapping[str, Any]) -> str:
    """Return the SHA-256 of a configuration in canonical JSON (sorted keys)."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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


def collect(config: Mapping[str, Any], worldview: str, priors_path: str | Path) -> dict[str, Any]:
    """Collect the provenance record of one worldview's run.

    Parameters
    ----------
    config
        The validated pipeline configuration (as loaded, defaults filled in).
    worldview
        Worldview name.
    priors_path
        Its prior file.

    Returns
    -------
    dict
        Config hash, seed, N, bootstrap resamples, prior file and its hash, Python and
        package versions, and the UTC time of collection.
    """
    return {
        "worldview": worldview,
        "priors_file": str(priors_path),
        "priors_sha256": file_hash(priors_path),
        "config_sha256": config_hash(config),
        "seed": config.get("seed"),
        "samples": config.get("samples"),
        "bootstrap_resamples": config.get("bootstrap_resamples"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "created_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
