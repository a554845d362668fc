"""Tables of exact results, in the shape of the pipeline's Monte Carlo tables."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from agi_interventions.exact.engine import ExactEngine

logger = logging.getLogger(__name__)


def exact_sobol(engine: ExactEngine, outputs: Sequence[str]) -> pd.DataFrame:
    """Exact first-order and total indices of several outputs.

    Parameters
    ----------
    engine
        The worldview's exact engine.
    outputs
        Output names (those the engine declares; others are skipped).

    Returns
    -------
    pandas.DataFrame
        ``output, parameter, S1_exact, ST_exact`` over the uncertain parameters.
    """
    frames = []
    for output in outputs:
        if output not in engine.outputs:
            continue
        s1, st = engine.sobol(output)
        frames.append(
            pd.DataFrame(
                {
                    "output": output,
                    "parameter": engine.uncertain,
                    "S1_exact": s1,
                    "ST_exact": st,
                }
            )
        )
    columns = ["output", "parameter", "S1_exact", "ST_exact"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def exact_value_of_information(
    engine: ExactEngine,
    options: Sequence[str],
    groups: Mapping[str, Sequence[str]],
    *,
    n_draws: int,
    seed: int,
) -> pd.DataFrame:
    """EVPI, single-parameter EVPPI (exact) and group EVPPI (exact inner, Monte Carlo outer).

    Parameters
    ----------
    engine
        The worldview's exact engine.
    options
        Option (intervention) names.
    groups
        Group name to its uncertain parameters.
    n_draws
        Outer Monte Carlo draws for EVPI and each group.
    seed
        Seed of the draws: one set of prior draws serves EVPI and every group.

    Returns
    -------
    pandas.DataFrame
        ``name, kind, value_exact, se_exact`` in the row order of the Monte Carlo table:
        EVPI, one row per uncertain parameter (``se_exact`` 0), one per group.
    """
    from agi_interventions.seeds import derive_seed

    draws = engine.draw(engine.uncertain, n_draws, derive_seed(seed, "exact-evppi"))
    rows = []
    value, se = engine.evppi_group(options, engine.uncertain, draws=draws)
    rows.append(("EVPI", "evpi", value, se))
    for name in engine.uncertain:
        rows.append((name, "parameter", engine.evppi_parameter(options, name), 0.0))
    for group, members in groups.items():
        value, se = engine.evppi_group(options, members, draws=draws)
        rows.append((group, "group", value, se))
    logger.info(
        "exact value of information: %d rows (%d outer draws per group)", len(rows), n_draws
    )
    return pd.DataFrame(rows, columns=["name", "kind", "value_exact", "se_exact"])


def exact_switching(engine: ExactEngine, options: Sequence[str]) -> pd.DataFrame:
    """Every exact switching value along every uncertain parameter.

    Parameters
    ----------
    engine
        The worldview's exact engine.
    options
        Option names.

    Returns
    -------
    pandas.DataFrame
        ``parameter, switch_value, switch_quantile, from, to``, parameters in canonical
        order, switches in increasing value.
    """
    rows = [
        (name, c.value, c.quantile, c.before, c.after)
        for name in engine.uncertain
        for c in engine.crossings(options, name)
    ]
    return pd.DataFrame(
        rows, columns=["parameter", "switch_value", "switch_quantile", "from", "to"]
    ).astype({"switch_value": np.float64, "switch_quantile": np.float64})
