"""Steps of the decision analysis: tail-robust sensitivity, value of information, scenarios."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from agi_interventions.configuration import DecisionSettings
from agi_interventions.parameters import INTERVENTIONS
from agi_interventions.seeds import derive_seed, single_threaded_blas
from agi_interventions.stats import finite_draws, subsample

logger = logging.getLogger(__name__)

#: Most rows used by the regression methods (EVPPI and switching values), whose cost grows
#: faster than the number of draws; larger samples are subsampled.
SUBSAMPLE_ROWS = 2**16
#: Most rows used by PAWN and PRIM (descriptive methods; their tables give the rows used).
DESCRIPTIVE_ROWS = 2**14


def robustness(
    inputs: pd.DataFrame,
    values: pd.DataFrame,
    sobol: pd.DataFrame,
    sobol_asinh: pd.DataFrame,
    *,
    seed: int,
    rank_shift: int,
    discrete: Sequence[str] = (),
) -> dict[str, pd.DataFrame]:
    """PAWN indices and the comparison of parameter ranks across sensitivity methods.

    Parameters
    ----------
    inputs
        Uncertain inputs at the independent draws.
    values
        The interventions' values there.
    sobol, sobol_asinh
        Sobol indices of the raw and asinh-transformed values.
    seed
        Configuration seed.
    rank_shift
        Rank difference beyond which a parameter is flagged.
    discrete
        Inputs that take a few values only (structure switches).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``pawn`` (with ``rows``, the draws used: at most :data:`DESCRIPTIVE_ROWS`) and
        ``method_comparison``.
    """
    from agi_interventions.robust import compare_rankings, moment_independent_indices

    keep = subsample(len(inputs), DESCRIPTIVE_ROWS, derive_seed(seed, "pawn-subsample"))
    inputs, values = inputs.iloc[keep], values.iloc[keep]
    pawn_frames, comparisons = [], []
    for output in INTERVENTIONS:
        logger.info("PAWN indices for %s on %d draws", output, len(keep))
        pawn = moment_independent_indices(
            inputs,
            values[output].to_numpy(),
            seed=derive_seed(seed, f"pawn:{output}"),
            discrete=discrete,
        )
        pawn.insert(0, "output", output)
        pawn["rows"] = len(keep)
        pawn_frames.append(pawn)
        rows = sobol.loc[sobol["output"] == output].set_index("parameter")
        exact_st = rows["ST_exact"] if "ST_exact" in rows else pd.Series(np.nan, rows.index)
        importances = {  # exact ST where the engine gives it: no sampling noise in that rank
            "sobol_ST": exact_st.fillna(rows["ST"]),
            "sobol_ST_asinh": sobol_asinh.loc[sobol_asinh["output"] == output].set_index(
                "parameter"
            )["ST"],
            "pawn": pawn.set_index("parameter")["index"],
        }
        comparison = compare_rankings(importances, max_rank_shift=rank_shift)
        comparison.insert(0, "output", output)
        comparisons.append(comparison)
    return {
        "pawn": pd.concat(pawn_frames, ignore_index=True),
        "method_comparison": pd.concat(comparisons, ignore_index=True),
    }


def decision(
    worldview,
    inputs: pd.DataFrame,
    values: pd.DataFrame,
    settings: DecisionSettings,
    *,
    seed: int,
    exact: object | None,
) -> dict[str, pd.DataFrame]:
    """Value of information, expected loss and switching values.

    Parameters
    ----------
    worldview
        Validated priors.
    inputs
        Uncertain inputs at the independent draws.
    values
        The interventions' values there.
    settings
        Decision-analysis settings.
    seed
        Configuration seed.
    exact
        The exact engine, or None.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``value_of_information``, ``expected_loss``, ``switching`` and
        ``switching_curves``; where the exact engine applies, exact values stand beside the Monte
        Carlo estimates (``value_exact``, ``se_exact``; ``method`` rows of switching values;
        ``mean_exact`` of the curves). Fits run on one BLAS thread
        (:func:`agi_interventions.seeds.single_threaded_blas`).
    """
    with single_threaded_blas():
        return _decision(worldview, inputs, values, settings, seed=seed, exact=exact)


def _decision(
    worldview,
    inputs: pd.DataFrame,
    values: pd.DataFrame,
    settings: DecisionSettings,
    *,
    seed: int,
    exact: object | None,
) -> dict[str, pd.DataFrame]:
    from agi_interventions.exact.tables import EXACT_VOI_COLUMNS
    from agi_interventions.switching import curves_table, switching_table
    from agi_interventions.voi import expected_loss_table, value_of_information_table
    from agi_interventions.voi.tables import voi_skeleton, with_headline

    inputs, values = finite_draws(inputs, values)
    keep = subsample(len(values), SUBSAMPLE_ROWS, derive_seed(seed, "decision-subsample"))
    groups = worldview.groups(settings.groups)
    discrete = worldview.discrete
    if settings.regression_evppi:
        logger.info("regression value of information on %d of %d draws", len(keep), len(values))
        voi = value_of_information_table(
            values.iloc[keep],
            inputs.iloc[keep],
            groups,
            n_bootstrap=settings.evppi_bootstrap,
            seed=derive_seed(seed, "voi"),
            discrete=discrete,
        )
    else:
        voi = voi_skeleton(list(inputs.columns), groups)
    if exact is not None:
        from agi_interventions.exact.tables import exact_switching, exact_value_of_information

        exact_voi = exact_value_of_information(
            exact, list(INTERVENTIONS), groups, n_draws=settings.exact_draws, seed=seed
        )
        voi = voi.merge(exact_voi, on=["name", "kind"], how="left")
        switching = exact_switching(exact, list(INTERVENTIONS))
        switching.insert(0, "method", "exact")
    else:
        for column in EXACT_VOI_COLUMNS[2:]:
            voi[column] = "" if column in ("exact_method", "exact_flag") else np.nan
        voi = voi.merge(
            nested_columns(worldview, groups, seed=derive_seed(seed, "nested-voi")),
            on=["name", "kind"],
            how="left",
        )
        switching = switching_table(
            inputs.iloc[keep],
            values.iloc[keep],
            n_bootstrap=settings.evppi_bootstrap,
            seed=derive_seed(seed, "switching"),
            discrete=discrete,
        )
        switching.insert(0, "method", "monte carlo")
        switching["rows"] = len(keep)
    voi = with_headline(voi)
    ranked = voi.loc[(voi["kind"] == "parameter") & ~voi["name"].isin(discrete)].assign(
        order=lambda t: t["headline"]
    )
    top = ranked.sort_values("order", ascending=False, kind="stable")["name"].head(
        settings.top_parameters
    )
    return {
        "value_of_information": voi,
        "expected_loss": expected_loss_table(values),
        "switching": switching,
        "switching_curves": curves_table(
            inputs, values, list(top), n_bins=settings.switching_bins, exact=exact
        ),
    }


def nested_columns(worldview, groups, *, seed: int) -> pd.DataFrame:
    """Nested Monte Carlo value of information (:mod:`agi_interventions.voi.nested`).

    Returns
    -------
    pandas.DataFrame
        ``name, kind, nested_value, nested_se, nested_low, nested_high, nested_method,
        nested_cost`` (model evaluations), ``nested_flag`` (why the estimate cannot be
        trusted: a heavy tail of the draws it is the mean of; empty when it can) for EVPI,
        every uncertain input and every group.
    """
    from agi_interventions.voi.nested import (
        budget_settings,
        nested_value_of_information_table,
        problem_from_worldview,
    )

    problem = problem_from_worldview(worldview, worldview.complete, options=tuple(INTERVENTIONS))
    logger.info("nested Monte Carlo value of information (no exact engine)")
    settings = budget_settings(worldview.structure.relative_cost)
    table = nested_value_of_information_table(problem, groups, seed=seed, settings=settings)
    return pd.DataFrame(
        {
            "name": table["name"],
            "kind": table["kind"],
            "nested_value": table["value"],
            "nested_se": table["se"],
            "nested_low": table["ci_low"],
            "nested_high": table["ci_high"],
            "nested_method": "nested Monte Carlo",
            "nested_cost": table["cost"],
            "nested_flag": table["flag"],
        }
    )


def scenarios(
    inputs: pd.DataFrame, values: pd.DataFrame, settings: DecisionSettings, *, seed: int
) -> dict[str, pd.DataFrame]:
    """PRIM boxes: regions of belief where each intervention is the per-draw best.

    Parameters
    ----------
    inputs
        Uncertain inputs at the independent draws.
    values
        The interventions' values there.
    settings
        Decision-analysis settings (PRIM threshold and peeling fraction).
    seed
        Configuration seed.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``prim_boxes`` (PRIM runs on at most :data:`DESCRIPTIVE_ROWS` draws; column ``rows``).
    """
    from agi_interventions.scenarios import prim_boxes

    inputs, values = finite_draws(inputs, values)
    logger.info("PRIM scenario discovery")
    boxes = prim_boxes(
        inputs,
        values.idxmax(axis=1).to_numpy(),
        threshold=settings.prim_threshold,
        peel_alpha=settings.prim_peel_alpha,
        max_rows=DESCRIPTIVE_ROWS,
        seed=derive_seed(seed, "prim"),
    )
    return {"prim_boxes": boxes}
