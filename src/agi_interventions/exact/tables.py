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


#: Outer draws per batch of the exact group EVPPI (bounds its memory).
OUTER_BATCH = 2**20
#: How EVPI and group EVPPI are computed where the engine applies.
OUTER_METHOD = "exact conditional means, outer Monte Carlo"
#: Columns of :func:`exact_value_of_information`.
EXACT_VOI_COLUMNS = [
    "name",
    "kind",
    "value_exact",
    "se_exact",
    "exact_ci_low",
    "exact_ci_high",
    "exact_method",
    "exact_flag",
]


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
        Outer Monte Carlo draws for EVPI and each group, made in batches of
        :data:`OUTER_BATCH` (memory stays flat in ``n_draws``).
    seed
        Seed of the draws: one set of prior draws serves EVPI and every group.

    Returns
    -------
    pandas.DataFrame
        :data:`EXACT_VOI_COLUMNS` in the row order of the Monte Carlo table: EVPI, one row
        per uncertain parameter (exact: ``se_exact`` 0), one per group. EVPI and groups are
        an outer Monte Carlo average of exact conditional means: their interval
        (``exact_ci_low``, ``exact_ci_high``) is widened where the gains' tail is heavy and
        ``exact_flag`` says where it cannot be trusted
        (:func:`agi_interventions.ranking.mean_ci`).
    """
    from agi_interventions.ranking import mean_ci
    from agi_interventions.seeds import derive_seed

    generators = engine.generators(derive_seed(seed, "exact-evppi"))
    targets = {"EVPI": list(engine.uncertain), **{g: list(m) for g, m in groups.items()}}
    totals: dict[str, tuple[int, float, float]] = {key: (0, 0.0, 0.0) for key in targets}
    single: dict[str, tuple[float, float]] = {}
    intervals: dict[str, tuple[float, float, str]] = {}
    for start in range(0, n_draws, OUTER_BATCH):
        size = min(OUTER_BATCH, n_draws - start)
        draws = {
            name: engine.worldview.priors[name].sample(size, generators[name])
            for name in engine.uncertain
        }
        for key, members in targets.items():
            gain = engine.gains(options, members, draws)
            if n_draws <= OUTER_BATCH:  # one batch: the plain mean and standard error
                single[key] = (float(gain.mean()), float(gain.std(ddof=1) / np.sqrt(size)))
            if start == 0:  # the tails, judged on the first batch (all of it by default)
                ci = mean_ci(gain) if np.ptp(gain) > 0 else None
                intervals[key] = (
                    (ci.low, ci.high, ci.flag) if ci else (float(gain[0]), float(gain[0]), "")
                )
            totals[key] = _combine(totals[key], gain)
    estimates = single or {key: _finish(*total) for key, total in totals.items()}

    def outer(key: str, kind: str) -> tuple:
        value, se = estimates[key]
        low, high, flag = intervals[key]
        if n_draws > OUTER_BATCH:  # beyond one batch: normal theory, the first batch's flag
            low, high = value - 1.959963984540054 * se, value + 1.959963984540054 * se
        return (key, kind, value, se, low, high, OUTER_METHOD, flag)

    rows = [outer("EVPI", "evpi")]
    for name in engine.uncertain:
        value = engine.evppi_parameter(options, name)
        rows.append((name, "parameter", value, 0.0, value, value, "exact", ""))
    for group in groups:
        rows.append(outer(group, "group"))
    logger.info(
        "exact value of information: %d rows (%d outer draws per group)", len(rows), n_draws
    )
    return pd.DataFrame(rows, columns=EXACT_VOI_COLUMNS)


def _combine(total: tuple[int, float, float], gain: np.ndarray) -> tuple[int, float, float]:
    """Add a batch to a running count, mean and sum of squared deviations (Chan et al.)."""
    n, mean, m2 = total
    size = gain.size
    batch_mean = float(gain.mean())
    batch_m2 = float(((gain - batch_mean) ** 2).sum())
    combined = n + size
    delta = batch_mean - mean
    return (
        combined,
        mean + delta * size / combined,
        m2 + batch_m2 + delta**2 * n * size / combined,
    )


def _finish(n: int, mean: float, m2: float) -> tuple[float, float]:
    return mean, float(np.sqrt(m2 / (n - 1) / n))


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
