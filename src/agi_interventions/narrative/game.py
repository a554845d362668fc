"""Sentences of "The bargaining game": which game, which theory, what it derives.

The game and its formulas are in ``docs/model.md`` (and ``docs/game.md``); the sentences say
which settings this worldview chose, summarise the utilities the game derived and compare them
with the ranges a user would otherwise have had to guess (:func:`guessed_ranges` says which:
the worldview's own priors for them if it has any, else the baseline worldview's, read from
``baseline.yaml`` when the report is built).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agi_interventions.narrative.common import join
from agi_interventions.parameters import display
from agi_interventions.report.formatting import fmt_interval, fmt_num, fmt_pct

logger = logging.getLogger(__name__)

#: The canonical inputs the game derives, in the report's order.
DERIVED = ("U_B", "U_notB", "dUB_dFV", "dUnotB_dFV")
#: The game's own inputs, in the report's order (``F_V`` is a canonical input).
GAME_INPUTS = ("g", "t", "c", "gamma", "k", "h", "lam")
#: The quantiles the section shows.
QUANTILES = (0.05, 0.5, 0.95)
#: The variant's name, which is also its switch's name where it holds with some probability.
VARIANT = "bargaining"
#: The baseline worldview of a checkout of the repository (used when the worldview's folder
#: has no ``baseline.yaml``; absent where the package is installed without the repository).
REPOSITORY_BASELINE = Path(__file__).resolve().parents[3] / "config" / "priors" / "baseline.yaml"

#: How each theory is named.
THEORY_TEXT = {
    "coco": "the CoCo value (disagreement point from the optimal threats of the zero-sum game)",
    "nash": "a Nash equilibrium as the disagreement point",
    "correlated": "a correlated equilibrium as the disagreement point",
}
#: Who may punish, in words.
PUNISH_TEXT = {
    "none": "neither side has a Punish action",
    "V": "the coalition with our values can Punish",
    "notV": "the rest can Punish",
    "both": "both sides can Punish",
}


def game_sentences(settings: Mapping[str, Any], draws: pd.DataFrame) -> list[str]:
    """Describe the game's settings and the utilities it derived.

    Parameters
    ----------
    settings
        The worldview's bargaining settings (theory probabilities, punish, selections).
    draws
        The draws, with the derived ``U_B``, ``U_notB``, ``dUB_dFV``, ``dUnotB_dFV``.

    Returns
    -------
    list of str
        The theory (or the probabilities over theories), who may punish and the selection
        rules, and how often bargaining improves on the disagreement point for our values.
    """
    theory = {k: float(v) for k, v in dict(settings.get("theory", {})).items() if v > 0}
    if len(theory) == 1:
        theory_text = (
            f"The utilities come from the game bargained by {THEORY_TEXT[next(iter(theory))]}"
        )
    else:
        parts = [f"{name} {fmt_pct(p)}" for name, p in theory.items()]
        theory_text = (
            "The utilities come from the game bargained by a theory this worldview is unsure "
            f"of: {join(parts)} (an uncertain input of the analysis)"
        )
    out = [
        f"{theory_text}; {PUNISH_TEXT.get(settings.get('punish', 'none'), '')}; Nash equilibria "
        f"are selected {settings.get('nash_selection', '')}, correlated ones "
        f"{settings.get('correlated_selection', '')}."
    ]
    if {"U_B", "U_notB"} <= set(draws.columns):
        gap = (draws["U_B"] - draws["U_notB"]).to_numpy()
        out.append(
            f"Bargaining improves on the disagreement point for our values (U_B > U_¬B) in "
            f"{fmt_pct((gap > 0).mean())} of draws; the median improvement is "
            f"{fmt_num(float(pd.Series(gap).median()))}."
        )
    return out


Quantiles = tuple[float, float, float]


@dataclass(frozen=True)
class Guessed:
    """The ranges a user would otherwise have guessed for the derived inputs.

    Attributes
    ----------
    source
        What they are and where they come from, for the note under the section.
    short
        What they are in a few words, for the comparison sentence.
    quantiles
        Derived input to its prior's 5%, 50% and 95% quantiles.
    """

    source: str
    short: str
    quantiles: dict[str, Quantiles]


def prior_quantiles(prior: Any) -> Quantiles:
    """Return the 5%, 50% and 95% quantiles of a prior (its value three times if fixed)."""
    low, mid, high = (float(v) for v in prior.quantiles(list(QUANTILES)))
    return low, mid, high


def baseline_candidates(view: Any) -> list[Path]:
    """Files that may hold the baseline worldview, in the order they are tried.

    ``baseline.yaml`` beside the worldview's own file, then the repository's
    ``config/priors/baseline.yaml`` (:data:`REPOSITORY_BASELINE`); never the worldview's own
    file.
    """
    own = Path(view.path).resolve() if getattr(view, "path", None) else None
    candidates = []
    if own is not None:
        candidates.append(own.parent / "baseline.yaml")
    candidates.append(REPOSITORY_BASELINE)
    out: list[Path] = []
    for path in candidates:
        resolved = path.resolve()
        if resolved != own and resolved not in out:
            out.append(resolved)
    return out


def guessed_ranges(view: Any, candidates: Iterable[Path] | None = None) -> Guessed | None:
    """Say what the derived inputs would have been without the game, if anything.

    The most direct answer is the worldview's own priors for ``U_B``, ``U_notB``,
    ``dUB_dFV`` and ``dUnotB_dFV``: a worldview in which the game holds with a probability
    below 1 states them for the draws where it does not. A worldview in which the game always
    holds has none (giving them is an error), so the comparison is with the priors of the
    baseline worldview, the illustrative default a user starts from, read now from the first
    of ``candidates`` (default :func:`baseline_candidates`) that exists, loads and has all
    four. Returns None if there is none: the report then shows the derived ranges alone.
    """
    own = {name: view.priors[name] for name in DERIVED if name in view.priors}
    if len(own) == len(DERIVED):
        return Guessed(
            "this worldview's own priors for them (used in the draws where the game does not "
            "hold)",
            "this worldview's own priors",
            {name: prior_quantiles(prior) for name, prior in own.items()},
        )
    from agi_interventions.errors import PriorError
    from agi_interventions.priors import load_worldview

    for path in baseline_candidates(view) if candidates is None else candidates:
        if not Path(path).is_file():
            continue
        try:
            baseline = load_worldview(path)
        except (PriorError, OSError) as err:
            logger.debug("game section: %s is not a usable baseline worldview: %s", path, err)
            continue
        if all(name in baseline.priors for name in DERIVED):
            return Guessed(
                "the baseline worldview's priors (its file baseline.yaml, read when this "
                "report was built)",
                "the baseline worldview's priors",
                {name: prior_quantiles(baseline.priors[name]) for name in DERIVED},
            )
    return None


def derived_draws(view: Any, draws: pd.DataFrame) -> tuple[pd.DataFrame | None, str]:
    """Return the derived inputs at the draws in which the game holds, and which draws those are.

    Where the game always holds, the draws' ``U_B``, ``U_notB``, ``dUB_dFV`` and
    ``dUnotB_dFV`` columns are the derived values. Where it holds with a probability below 1,
    those columns keep the sampled values of the worldview's own priors (the values used
    where the game does not hold), so the derived values are recomputed from the game's
    inputs at the draws whose switch is 1, if the draws carry those inputs; otherwise the
    first element is None.

    Returns
    -------
    tuple
        The derived inputs (a frame, or None) and a phrase saying over which draws, e.g.
        "over the worldview's draws".
    """
    if VARIANT not in view.structure.switches:
        return draws, "over the worldview's draws"
    from agi_interventions.structure import THEORY_INPUT, VARIANTS

    variant = VARIANTS[VARIANT]
    needed = [
        VARIANT,
        *variant.reads,
        *(spec.name for spec in variant.inputs),
        *([THEORY_INPUT] if THEORY_INPUT in view.priors else []),
    ]
    if not set(needed) <= set(draws.columns):
        return None, "over the draws in which the game holds"
    held = draws.loc[draws[VARIANT].to_numpy() == 1]
    columns = {name: held[name].to_numpy(dtype=float) for name in needed if name != VARIANT}
    derived = (
        variant.derive(columns, view.structure.settings.get(VARIANT, {}))
        if len(held)
        else {name: np.empty(0) for name in DERIVED}
    )
    return (
        pd.DataFrame({name: derived[name] for name in DERIVED}, index=held.index),
        "over the draws in which the game holds",
    )


def derived_quantiles(draws: pd.DataFrame) -> dict[str, Quantiles]:
    """Return the 5%, 50% and 95% quantiles of each derived input present in the draws."""
    out: dict[str, Quantiles] = {}
    for name in DERIVED:
        if name in draws.columns and len(draws):
            low, mid, high = np.quantile(draws[name].to_numpy(dtype=float), QUANTILES)
            out[name] = (float(low), float(mid), float(high))
    return out


def comparison_sentence(
    derived: Mapping[str, Sequence[float]], guessed: Mapping[str, Sequence[float]], source: str
) -> str:
    """Compare each derived median and 90% range with the guessed 90% range.

    Parameters
    ----------
    derived, guessed
        Derived input to its 5%, 50% and 95% quantiles: over the draws, and of the guess.
    source
        What the guessed ranges are, in a few words (:attr:`Guessed.short`).

    Returns
    -------
    str
        Which derived medians lie outside the guessed 90% ranges (above or below) and which
        inside, and for which inputs the derived 90% range is narrower or wider than the
        guessed one (equal widths, to rounding, are neither); empty if no input has both.
    """
    names = [name for name in DERIVED if name in derived and name in guessed]
    if not names:
        return ""
    outside, inside, narrower, wider = [], [], [], []
    for name in names:
        low, median, high = (float(v) for v in derived[name])
        g_low, _, g_high = (float(v) for v in guessed[name])
        if median < g_low or median > g_high:
            side = "above" if median > g_high else "below"
            outside.append(
                f"{display(name)} ({fmt_num(median)}, {side} {fmt_interval(g_low, g_high)})"
            )
        else:
            inside.append(display(name))
        width, g_width = high - low, g_high - g_low
        if math.isclose(width, g_width, rel_tol=1e-9, abs_tol=1e-12):
            continue
        (narrower if width < g_width else wider).append(display(name))
    if outside:
        text = (
            f"Against {source}, the derived median{'s' if len(outside) > 1 else ''} of "
            f"{join(outside)} lie{'' if len(outside) > 1 else 's'} outside the guessed 90% "
            f"range{'s' if len(outside) > 1 else ''}"
        )
        if inside:
            text += (
                f"; {'those' if len(inside) > 1 else 'that'} of {join(inside)} "
                f"lie{'' if len(inside) > 1 else 's'} inside"
            )
    else:
        text = (
            f"Against {source}, the derived median{'s' if len(inside) > 1 else ''} of "
            f"{join(inside)} lie{'' if len(inside) > 1 else 's'} inside the guessed 90% "
            f"range{'s' if len(inside) > 1 else ''}"
        )
    widths = []
    if narrower:
        widths.append(f"narrower than the guess for {join(narrower)}")
    if wider:
        widths.append(
            f"wider for {join(wider)}" if narrower else f"wider than the guess for {join(wider)}"
        )
    if widths:
        text += f"; the derived 90% range is {' and '.join(widths)}"
    return text + "."


def input_rows(view: Any) -> list[list[str]]:
    """One row per game input of the worldview: symbol, meaning, prior 5%, 50% and 95%.

    The meaning is the input's :class:`~agi_interventions.parameters.ParameterSpec`
    description, the quantiles those of the worldview's prior for it.
    """
    specs = view.specs
    rows = []
    for name in GAME_INPUTS:
        if name not in specs or name not in view.priors:
            continue
        quantiles = prior_quantiles(view.priors[name])
        rows.append([specs[name].symbol, specs[name].description, *map(fmt_num, quantiles)])
    return rows


def missing_derived_note() -> str:
    """Say why a worldview whose draws lack the game's inputs shows no derived ranges."""
    return (
        "In this worldview the game holds in some draws only, and the stored draws keep the "
        "worldview's own priors for U_B, U_¬B and their slopes (the values used where the "
        "game does not hold) but not the game's inputs, so the derived ranges cannot be "
        "shown here."
    )


def guessed_note(guessed: Guessed | None) -> str:
    """Say what the comparison columns of the derived inputs' table are, or that none exist."""
    if guessed is None:
        return (
            "No priors for U_B, U_¬B and their slopes were found to compare with (this "
            "worldview states none, and no baseline worldview file was found beside it or in "
            "the repository), so the derived ranges are shown alone."
        )
    return (
        f"The \u201cguessed\u201d columns are {guessed.source}: the ranges a user would "
        "otherwise have had to guess for these inputs, which the game derives instead."
    )
