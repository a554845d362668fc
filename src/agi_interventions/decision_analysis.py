"""Glue between the model's samples and the decision analyses of the pipeline.

Defines which intervention is the current winner, the decision-focused outputs that get
their own Sobol indices, and how parameter groups map onto the sampled inputs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from agi_interventions.parameters import (
    DEFAULT_GROUPS,
    INTERVENTIONS,
    PARAMETER_NAMES,
    REST_OF_WORLD,
)

logger = logging.getLogger(__name__)

#: Pairwise differences whose Sobol indices say which beliefs move the *choice*.
DIFFERENCES: tuple[tuple[str, str], ...] = (
    ("a_CnotV", "a_V"),
    ("a_CV", "a_V"),
    ("a_CnotV", "a_CV"),
)

#: Defaults of the ``decision:`` section of the configuration.
DECISION_DEFAULTS: dict[str, object] = {
    "groups": {name: list(members) for name, members in DEFAULT_GROUPS.items()},
    "evppi_bootstrap": 200,
    "switching_bins": 20,
    "prim_threshold": 0.8,
    "top_parameters": 4,
    "rank_shift": 2,
}

#: Rest-of-world input that stands in for each fraction under that parametrisation.
_REST_OF_WORLD_FOR = {"F_V": "R_V", "F_CV": "R_CV", "F_CnotV": "R_CnotV"}


def difference_name(first: str, second: str) -> str:
    """Return the output name of ``first - second``, e.g. ``a_CnotV-a_V``."""
    return f"{first}-{second}"


def indicator_name(winner: str) -> str:
    """Return the output name of the indicator that ``winner`` is the per-sample best."""
    return f"best_is_{winner}"


def winner_by_mean(values: pd.DataFrame) -> str:
    """Return the intervention with the highest mean over rows where all values are finite.

    Parameters
    ----------
    values
        One column per intervention, rows = independent draws.

    Returns
    -------
    str
        Column name of the winner (first column wins an exact tie).
    """
    finite = values.loc[np.isfinite(values.to_numpy()).all(axis=1)]
    if finite.empty:
        raise ValueError("no draw has finite values for every intervention")
    means = finite.mean(axis=0)
    return str(means.idxmax())


def decision_outputs(samples: pd.DataFrame, winner: str) -> dict[str, np.ndarray]:
    """Build the decision-focused outputs for every design row.

    Parameters
    ----------
    samples
        The evaluated design (one column per intervention).
    winner
        The winner by mean (see :func:`winner_by_mean`).

    Returns
    -------
    dict of str to numpy.ndarray
        The pairwise differences of :data:`DIFFERENCES` and the 0/1 indicator that the
        winner's value is the largest of the three (ties count as best).
    """
    out = {
        difference_name(a, b): samples[a].to_numpy() - samples[b].to_numpy()
        for a, b in DIFFERENCES
    }
    values = samples[list(INTERVENTIONS)].to_numpy()
    with np.errstate(invalid="ignore"):
        best = samples[winner].to_numpy() >= values.max(axis=1)
    indicator = best.astype(np.float64)
    indicator[~np.isfinite(values).all(axis=1)] = np.nan
    out[indicator_name(winner)] = indicator
    return out


def resolve_groups(
    groups: Mapping[str, Sequence[str]], inputs: Sequence[str]
) -> dict[str, list[str]]:
    """Map parameter groups onto the uncertain inputs actually sampled.

    Under the rest-of-world parametrisation ``F_V``, ``F_CV`` and ``F_CnotV`` are derived;
    their rest-of-world inputs stand in for them. Fixed parameters are dropped, and a group
    left empty is dropped (logged).

    Parameters
    ----------
    groups
        Group name to parameter names.
    inputs
        Names of the uncertain sampled inputs.

    Returns
    -------
    dict of str to list of str
        Group name to the uncertain inputs it covers.
    """
    for name, members in groups.items():
        if isinstance(members, str) or not isinstance(members, Sequence):
            raise ValueError(f"group {name!r} must be a list of parameter names, not {members!r}")
    known = {*PARAMETER_NAMES, *REST_OF_WORLD}
    unknown = sorted({m for ms in groups.values() for m in ms} - known)
    if unknown:
        raise ValueError(f"unknown parameter(s) in groups: {', '.join(unknown)}")
    available = set(inputs)
    resolved: dict[str, list[str]] = {}
    for name, members in groups.items():
        mapped = []
        for member in members:
            if member not in available and _REST_OF_WORLD_FOR.get(member) in available:
                member = _REST_OF_WORLD_FOR[member]
            if member in available and member not in mapped:
                mapped.append(member)
        if mapped:
            resolved[name] = mapped
        else:
            logger.info("group %s has no uncertain inputs; left out", name)
    return resolved


def independent_parts(samples: pd.DataFrame) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    """Split an evaluated design into its uncertain inputs and their independent draws.

    Parameters
    ----------
    samples
        The evaluated Sobol design (``samples.parquet``).

    Returns
    -------
    tuple
        Uncertain input names (design order), their independent draws (the A and B rows)
        and the interventions' values on those rows.
    """
    from agi_interventions.sampling import design_parameters, independent_draws

    parameters = design_parameters(samples["block"])
    draws = independent_draws(samples)
    return parameters, draws[parameters], draws[list(INTERVENTIONS)]


def choice_sensitivity(
    samples: pd.DataFrame,
    raw_sobol: pd.DataFrame,
    *,
    num_resamples: int,
    seed: int,
    rank_shift: int,
) -> dict[str, pd.DataFrame]:
    """Decision-focused and tail-robust sensitivity of one worldview.

    Parameters
    ----------
    samples
        The evaluated Sobol design.
    raw_sobol
        Sobol indices of the raw marginal values (``sobol.csv``).
    num_resamples
        Bootstrap resamples of the Sobol half-widths.
    seed
        Configuration seed.
    rank_shift
        Rank difference between methods beyond which a parameter is flagged.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``sobol_decision`` (differences and winner indicator), ``sobol_asinh`` (with the
        ``asinh_scale`` used), ``pawn`` and ``method_comparison``.
    """
    from agi_interventions.robust import (
        asinh_transform,
        compare_rankings,
        moment_independent_indices,
    )
    from agi_interventions.seeds import derive_seed
    from agi_interventions.sensitivity import sobol_table

    parameters, inputs, values = independent_parts(samples)
    winner = winner_by_mean(values)
    logger.info("winner by mean: %s", winner)
    sobol_decision = sobol_table(
        decision_outputs(samples, winner), parameters, num_resamples=num_resamples, seed=seed
    )
    asinh_frames, pawn_frames, comparisons = [], [], []
    for output in INTERVENTIONS:
        # The scale is set by the independent draws, then applied to every design row.
        _, scale = asinh_transform(values[output].to_numpy())
        transformed, _ = asinh_transform(samples[output].to_numpy(), scale)
        frame = sobol_table(
            {output: transformed},
            parameters,
            num_resamples=num_resamples,
            seed=derive_seed(seed, "asinh"),
        )
        frame["asinh_scale"] = scale
        asinh_frames.append(frame)
        logger.info("PAWN indices for %s", output)
        pawn = moment_independent_indices(
            inputs, values[output].to_numpy(), seed=derive_seed(seed, f"pawn:{output}")
        )
        pawn.insert(0, "output", output)
        pawn_frames.append(pawn)
        importances = {
            "sobol_ST": raw_sobol.loc[raw_sobol["output"] == output].set_index("parameter")["ST"],
            "sobol_ST_asinh": frame.set_index("parameter")["ST"],
            "pawn": pawn.set_index("parameter")["index"],
        }
        comparison = compare_rankings(importances, max_rank_shift=rank_shift)
        comparison.insert(0, "output", output)
        comparisons.append(comparison)
    return {
        "sobol_decision": sobol_decision,
        "sobol_asinh": pd.concat(asinh_frames, ignore_index=True),
        "pawn": pd.concat(pawn_frames, ignore_index=True),
        "method_comparison": pd.concat(comparisons, ignore_index=True),
    }


def decision_values(
    samples: pd.DataFrame,
    *,
    groups: Mapping[str, Sequence[str]],
    seed: int,
    evppi_bootstrap: int,
    switching_bins: int,
    top_parameters: int,
    prim_threshold: float,
    prim_peel_alpha: float = 0.1,
) -> dict[str, pd.DataFrame]:
    """Value of information, switching values, PRIM boxes and the MC error budget.

    The ranking behind the error budget is recomputed from the same draws (it is cheap and
    deterministic), so this step does not wait for the ranking step.

    Parameters
    ----------
    samples
        The evaluated Sobol design (only its independent draws are used).
    groups
        Parameter groups for group EVPPI (see :func:`resolve_groups`).
    seed
        Configuration seed.
    evppi_bootstrap
        Bootstrap resamples of the EVPI/EVPPI standard errors.
    switching_bins
        Equal-count bins per parameter for switching values.
    top_parameters
        Parameters (by EVPPI) whose conditional-mean curves are returned.
    prim_threshold
        Minimum PRIM box density.
    prim_peel_alpha
        Share of draws PRIM peels per step (0.1 was 2.5 times faster than 0.05 here, with
        boxes of similar coverage and density).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``value_of_information``, ``expected_loss``, ``switching``, ``switching_curves``,
        ``prim_boxes`` and ``mc_error``.
    """
    from agi_interventions.decision import expected_loss_table, value_of_information_table
    from agi_interventions.mc_error import relative_half_widths
    from agi_interventions.ranking import rank_interventions
    from agi_interventions.scenarios import prim_boxes
    from agi_interventions.seeds import derive_seed
    from agi_interventions.switching import conditional_means, switching_table

    parameters, inputs, values = independent_parts(samples)
    finite = np.isfinite(values.to_numpy()).all(axis=1)
    if not finite.all():
        logger.warning(
            "%d draws with non-finite values left out of the decision analysis (counted in "
            "diagnostics.csv)",
            int((~finite).sum()),
        )
    values = values.loc[finite].reset_index(drop=True)
    inputs = inputs.loc[finite].reset_index(drop=True)
    logger.info("value of information")
    voi = value_of_information_table(
        values,
        inputs,
        resolve_groups(groups, parameters),
        n_bootstrap=evppi_bootstrap,
        seed=derive_seed(seed, "voi"),
    )
    logger.info("switching values")
    switching = switching_table(inputs, values, n_bins=switching_bins)
    top = (
        voi.loc[voi["kind"] == "parameter"]
        .sort_values("value", ascending=False, kind="stable")["name"]
        .head(top_parameters)
    )
    curves = []
    for name in top:
        frame = conditional_means(inputs[name].to_numpy(), values, n_bins=switching_bins)
        frame.insert(0, "parameter", name)
        curves.append(frame)
    logger.info("PRIM scenario discovery")
    boxes = prim_boxes(
        inputs,
        values.idxmax(axis=1).to_numpy(),
        threshold=prim_threshold,
        peel_alpha=prim_peel_alpha,
        seed=derive_seed(seed, "prim"),
    )
    return {
        "value_of_information": voi,
        "expected_loss": expected_loss_table(values),
        "switching": switching,
        "switching_curves": pd.concat(curves, ignore_index=True),
        "prim_boxes": boxes,
        "mc_error": relative_half_widths(rank_interventions(values), voi),
    }
