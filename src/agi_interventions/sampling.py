"""Sobol (Saltelli) designs on the unit cube, mapped through each prior's inverse CDF."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from SALib.sample import sobol as sobol_sample

from agi_interventions.parameters import PARAMETER_NAMES
from agi_interventions.population import fractions_from_rest_of_world
from agi_interventions.priors import Worldview

logger = logging.getLogger(__name__)

#: Block label of the rows that form the design's matrices A and B (independent draws).
INDEPENDENT_BLOCKS = ("A", "B")


def check_base_size(n_base: int) -> None:
    """Raise ValueError unless ``n_base`` is a power of two of at least 2."""
    if n_base < 2 or n_base & (n_base - 1):
        raise ValueError(f"base sample size N must be a power of two >= 2, got {n_base}")


def unit_design(n_vars: int, n_base: int, seed: int) -> np.ndarray:
    """Return SALib's Sobol design for first- and total-order indices on the unit cube.

    Parameters
    ----------
    n_vars
        Number of uncertain inputs D.
    n_base
        Base sample size N (a power of two).
    seed
        Scrambling seed.

    Returns
    -------
    numpy.ndarray
        Shape ``(N * (D + 2), D)``, rows grouped per base point as ``A, AB_1 .. AB_D, B``.
    """
    check_base_size(n_base)
    if n_vars < 1:
        raise ValueError("a Sobol design needs at least one uncertain input")
    problem = {
        "num_vars": n_vars,
        "names": [f"x{i}" for i in range(n_vars)],
        "bounds": [[0.0, 1.0]] * n_vars,
    }
    return sobol_sample.sample(problem, n_base, calc_second_order=False, scramble=True, seed=seed)


def block_labels(names: list[str], n_base: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the base-point index and block label of every design row.

    Parameters
    ----------
    names
        Uncertain input names in design column order.
    n_base
        Base sample size N.

    Returns
    -------
    tuple of numpy.ndarray
        ``base_index`` (int64) and ``block`` (str: ``A``, ``AB:<name>``, ``B``).
    """
    per_point = ["A", *(f"AB:{name}" for name in names), "B"]
    base_index = np.repeat(np.arange(n_base, dtype=np.int64), len(per_point))
    block = np.tile(np.array(per_point, dtype=object), n_base)
    return base_index, block


def design_inputs(worldview: Worldview, n_base: int, seed: int) -> pd.DataFrame:
    """Draw the Sobol design for a worldview and map it to parameter values.

    Parameters
    ----------
    worldview
        Validated priors.
    n_base
        Base sample size N (a power of two).
    seed
        Seed for the design's scrambling.

    Returns
    -------
    pandas.DataFrame
        ``base_index``, ``block`` and every canonical input (plus ``R_V``, ``R_CV``,
        ``R_CnotV`` under the rest-of-world parametrisation, with the fractions derived),
        one row per model evaluation in SALib's design order.
    """
    uncertain = worldview.uncertain
    unit = unit_design(len(uncertain), n_base, seed)
    base_index, block = block_labels(uncertain, n_base)
    columns: dict[str, np.ndarray] = {"base_index": base_index, "block": block}
    n_rows = unit.shape[0]
    for name, prior in worldview.priors.items():
        if prior.is_fixed:
            columns[name] = np.full(n_rows, prior.value, dtype=np.float64)
        else:
            columns[name] = prior.ppf(unit[:, uncertain.index(name)])
    if worldview.parametrisation == "rest_of_world":
        columns.update(fractions_from_rest_of_world(columns))
    ordered = ["base_index", "block", *PARAMETER_NAMES]
    ordered += [c for c in columns if c not in ordered]
    logger.info(
        "Sobol design: N=%d, D=%d uncertain inputs, %d evaluations", n_base, len(uncertain), n_rows
    )
    return pd.DataFrame({c: columns[c] for c in ordered})


def independent_mask(block: pd.Series | np.ndarray) -> np.ndarray:
    """Return True for the rows of the design's A and B matrices (independent prior draws)."""
    return np.isin(np.asarray(block, dtype=object), INDEPENDENT_BLOCKS)


def design_parameters(block: pd.Series | np.ndarray) -> list[str]:
    """Recover the uncertain input names, in design column order, from the block labels.

    Parameters
    ----------
    block
        The ``block`` column of a design, in design order.

    Returns
    -------
    list of str
        The names ``<name>`` of the ``AB:<name>`` rows of the first base point.
    """
    labels = np.asarray(block, dtype=object)
    if labels.size == 0 or labels[0] != "A":
        raise ValueError("not a Sobol design in SALib order: first row is not an A row")
    names = []
    for value in labels[1:]:
        if value == "B":
            return names
        if not str(value).startswith("AB:"):
            raise ValueError(f"unexpected block label {value!r} in Sobol design")
        names.append(str(value)[3:])
    raise ValueError("not a Sobol design in SALib order: no B row after the AB rows")


def independent_draws(samples: pd.DataFrame) -> pd.DataFrame:
    """Return the design's A and B rows (the independent prior draws), re-indexed from 0.

    Parameters
    ----------
    samples
        An evaluated design with its ``block`` column.

    Returns
    -------
    pandas.DataFrame
        The 2N rows whose block is ``A`` or ``B``, all columns kept.
    """
    return samples.loc[independent_mask(samples["block"])].reset_index(drop=True)
