"""Shared fixtures for the test suite.

The suite writes only into temporary folders: no hypothesis example database, hypothesis's
other storage (its constants cache) in a temporary folder removed at exit, no bytecode caches
(``-p no:cacheprovider`` in ``pyproject.toml`` turns off pytest's own cache).
"""

from __future__ import annotations

import atexit
import copy
import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

if "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ:
    # hypothesis writes a cache into ``.hypothesis/`` of the working folder even without an
    # example database; it reads this variable when it first needs the folder
    _storage = tempfile.mkdtemp(prefix="agi-interventions-hypothesis-")
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = _storage
    atexit.register(shutil.rmtree, _storage, ignore_errors=True)

from hypothesis import settings

sys.dont_write_bytecode = True
settings.register_profile("no-side-effects", database=None)
settings.load_profile("no-side-effects")

#: A valid prior for each of the 18 canonical parameters (parametrisation ``fractions``),
#: each respecting its admissible range. Tests copy and modify it through ``write_priors``.
VALID_PRIORS: dict[str, dict[str, Any]] = {
    "U_B": {"dist": "uniform", "low": 0.6, "high": 1.0, "note": "test prior"},
    "U_notB": {"dist": "uniform", "low": -0.5, "high": 0.3},
    "b": {"dist": "beta", "a": 2, "b": 2},
    "dUB_dFV": {"dist": "triangular", "low": 0.0, "mode": 0.5, "high": 1.5},
    "dUnotB_dFV": {"dist": "uniform", "low": 0.0, "high": 1.0},
    "db_dFV": {"dist": "normal", "ci90": [-0.2, 0.4]},
    "db_dFCV": {"dist": "lognormal", "ci90": [0.05, 1.0]},
    "db_dFCnotV": {"dist": "lognormal", "mu": -1.0, "sigma": 0.5},
    "F_V": {"dist": "loguniform", "low": 0.02, "high": 0.5},
    "F_CV": {"dist": "beta", "a": 4, "b": 2},
    "F_CnotV": {"dist": "beta", "a": 2, "b": 3},
    "F_I": {"dist": "loguniform", "low": 0.0001, "high": 0.05},
    "p_V": {"dist": "beta", "a": 3, "b": 3},
    "p_CV": {"dist": "pert", "low": 0.0, "mode": 0.8, "high": 1.0},
    "p_CnotV": {"dist": "truncnormal", "mean": 0.4, "sd": 0.2, "low": 0.0, "high": 1.0},
    "dpV_daV": {"dist": "lognormal", "ci90": [0.01, 0.1]},
    "dpCV_daCV": {"dist": "normal", "mean": 0.05, "sd": 0.01},
    "dpCnotV_daCnotV": {"dist": "fixed", "value": 0.03},
}

#: Simple priors (uniform where possible) on the 18 canonical parameters: a worldview whose
#: exact values are quick, for the comparison tests to vary one belief at a time.
SIMPLE_PRIORS: dict[str, dict[str, Any]] = {
    "U_B": {"dist": "uniform", "low": 0.5, "high": 1.0},
    "U_notB": {"dist": "uniform", "low": -0.4, "high": 0.3},
    "b": {"dist": "beta", "a": 2, "b": 2},
    "dUB_dFV": {"dist": "uniform", "low": 0.0, "high": 1.2},
    "dUnotB_dFV": {"dist": "uniform", "low": 0.0, "high": 0.8},
    "db_dFV": {"dist": "normal", "mean": 0.1, "sd": 0.15},
    "db_dFCV": {"dist": "uniform", "low": 0.05, "high": 0.8},
    "db_dFCnotV": {"dist": "uniform", "low": 0.05, "high": 0.8},
    "F_V": {"dist": "loguniform", "low": 0.02, "high": 0.5},
    "F_CV": {"dist": "uniform", "low": 0.1, "high": 0.6},
    "F_CnotV": {"dist": "uniform", "low": 0.1, "high": 0.6},
    "F_I": {"dist": "loguniform", "low": 0.001, "high": 0.05},
    "p_V": {"dist": "uniform", "low": 0.2, "high": 0.8},
    "p_CV": {"dist": "uniform", "low": 0.2, "high": 0.8},
    "p_CnotV": {"dist": "uniform", "low": 0.2, "high": 0.8},
    "dpV_daV": {"dist": "uniform", "low": 0.0, "high": 0.2},
    "dpCV_daCV": {"dist": "uniform", "low": 0.0, "high": 0.2},
    "dpCnotV_daCnotV": {"dist": "uniform", "low": 0.0, "high": 0.2},
}

WritePriors = Callable[..., Path]


class NoAliasDumper(yaml.SafeDumper):
    """Write repeated objects out in full: prior files may not contain anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


@pytest.fixture
def write_priors(tmp_path: Path) -> WritePriors:
    """Return a callable writing a prior file into ``tmp_path`` and returning its path.

    The file starts from :data:`VALID_PRIORS` (all 18 canonical parameters, valid) with
    ``description`` and ``parametrisation: fractions``; then

    - ``overrides``: parameter -> entry, replacing (or adding) that parameter's entry;
    - ``drop``: parameter names to remove;
    - ``extra``: parameter -> entry, added after the canonical ones (e.g. unknown names);
    - ``top``: top-level keys to set (e.g. ``{"parametrisation": "rest_of_world"}``).

    Every call writes a new file, so one test can write several.
    """
    counter = itertools.count()

    def write(
        overrides: Mapping[str, Any] | None = None,
        drop: list[str] | None = None,
        extra: Mapping[str, Any] | None = None,
        top: Mapping[str, Any] | None = None,
    ) -> Path:
        parameters = copy.deepcopy(VALID_PRIORS)
        parameters.update(copy.deepcopy(dict(overrides or {})))
        for name in drop or []:
            parameters.pop(name, None)
        parameters.update(copy.deepcopy(dict(extra or {})))
        data: dict[str, Any] = {
            "description": "test worldview",
            "parametrisation": "fractions",
            "parameters": parameters,
        }
        data.update(copy.deepcopy(dict(top or {})))
        path = tmp_path / f"priors_{next(counter)}.yaml"
        path.write_text(yaml.dump(data, Dumper=NoAliasDumper, sort_keys=False), encoding="utf-8")
        return path

    return write
