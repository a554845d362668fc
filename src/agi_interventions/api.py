"""The package in a notebook: the whole analysis in memory, or plain Monte Carlo.

    >>> from agi_interventions import api
    >>> results = api.analyse("config/priors/baseline.yaml", samples=4096, seed=1)
    >>> results["ranking"]                       # any table of the pipeline, by name
    >>> html = api.render(results)               # the self-contained report
    >>> draws = api.simulate("config/priors/baseline.yaml", n=1_000_000, seed=1)
    >>> api.rank(draws)
    >>> from agi_interventions.priors import load_worldview
    >>> view = load_worldview("config/priors/baseline.yaml")   # read and validate once
    >>> api.p_best(api.simulate(view, 10**7, seed=1, columns=["a_V", "a_CV", "a_CnotV"]))

Several worldviews, side by side and pooled by credence:

    >>> views = {name: api.analyse(f"config/priors/{name}.yaml", samples=4096, seed=1,
    ...                            name=name) for name in ("baseline", "lightcone")}
    >>> tables = api.pool(list(views.values()), {"baseline": 0.7, "lightcone": 0.3}, seed=1)
    >>> tables["pooled"]                         # the mixture's ranking, exact where it can be
    >>> html = api.render_comparison(tables, list(views.values()), {"baseline": 0.7,
    ...                              "lightcone": 0.3})
    >>> api.compare("config/priors/baseline.yaml", "config/priors/lightcone.yaml")  # swaps

:func:`analyse` runs the pipeline's steps (:mod:`agi_interventions.steps`) in memory, with
the same settings, defaults and seed as ``snakemake``; its tables are the pipeline's, byte for
byte. :func:`simulate`, :func:`p_best` and :func:`summarise` are plain Monte Carlo without a
Sobol design (:mod:`agi_interventions.montecarlo`); :func:`rank` gives the pipeline's ranking
table of any frame of independent draws. :func:`pool`, :func:`render_comparison` and
:func:`compare` are the ``compare`` rule's comparison of worldviews
(:mod:`agi_interventions.compare`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from agi_interventions import io
from agi_interventions.configuration import (
    ConfigError,
    DecisionSettings,
    chunk_count,
    defaults,
    normalised,
    value_problems,
)
from agi_interventions.montecarlo import p_best, simulate, summarise
from agi_interventions.parameters import INTERVENTIONS
from agi_interventions.priors import Worldview, load_worldview
from agi_interventions.results import WorldviewResults

__all__ = [
    "analyse",
    "compare",
    "p_best",
    "pool",
    "rank",
    "render",
    "render_comparison",
    "simulate",
    "summarise",
]

logger = logging.getLogger(__name__)


def rank(draws: pd.DataFrame) -> pd.DataFrame:
    """Rank the interventions of a frame of independent draws (e.g. from :func:`simulate`).

    Parameters
    ----------
    draws
        Columns ``a_V``, ``a_CV``, ``a_CnotV`` (other columns are ignored).

    Returns
    -------
    pandas.DataFrame
        The ranking table of the pipeline (``ranking.csv``): means with Monte Carlo
        intervals, quantiles, P(best) with Wilson intervals.
    """
    from agi_interventions.ranking import rank_interventions

    return rank_interventions(draws[list(INTERVENTIONS)])


def settings(samples: int, seed: int, **options: Any) -> dict[str, Any]:
    """Validate the settings of one in-memory analysis and fill in the schema's defaults.

    Parameters
    ----------
    samples, seed
        Base sample size N (a power of two) and the seed.
    **options
        Any other key of the pipeline configuration (``chunks``, ``bootstrap_resamples``,
        ``decision_analysis``, ``decision``), as in ``config.yaml``.

    Returns
    -------
    dict
        The configuration with every default (``worldviews`` holds a placeholder).

    Raises
    ------
    ConfigError
        A setting the configuration schema rejects, named with the reason.
    """
    import jsonschema

    config = {"worldviews": {"notebook": "-"}, "samples": samples, "seed": seed, **options}
    try:
        config = normalised(defaults(config))
    except jsonschema.ValidationError as err:
        where = ".".join(str(p) for p in err.absolute_path) or "settings"
        raise ConfigError(f"invalid setting {where}: {err.message}") from None
    problems = value_problems(config, "settings")
    if problems:
        raise ConfigError("; ".join(problems))
    return config


def analyse(
    worldview: Worldview | str | Path,
    samples: int,
    seed: int,
    *,
    name: str | None = None,
    **options: Any,
) -> WorldviewResults:
    """Run one worldview's whole analysis in memory, as the pipeline does.

    Parameters
    ----------
    worldview
        A validated worldview or the path of a prior file.
    samples
        Base sample size N of the Sobol design (a power of two); the model is evaluated
        ``N (D + 2)`` times.
    seed
        The one seed of the design and every bootstrap.
    name
        Worldview name, when ``worldview`` is a path (default: the file stem).
    **options
        Other configuration keys (``chunks``, ``bootstrap_resamples``, ``decision_analysis``,
        ``decision``); defaults are the pipeline's.

    Returns
    -------
    WorldviewResults
        Every table of the pipeline by name (``results["ranking"]``), the design record,
        provenance and the independent draws; equal settings give the pipeline's tables byte
        for byte.

    Raises
    ------
    ConfigError
        A setting the configuration schema rejects.
    PriorError
        An invalid prior file (every problem listed).
    """
    from agi_interventions import steps
    from agi_interventions.exact import engine_for

    config = settings(samples, seed, **options)
    view = worldview if isinstance(worldview, Worldview) else load_worldview(worldview, name=name)
    chunks = chunk_count(config["chunks"], samples)
    frames: list[pd.DataFrame] = []
    record = steps.design(view, samples, seed, chunks, frames.append)
    draws = pd.concat(frames, ignore_index=True)

    def read_draws(start: int, stop: int, columns: Sequence[str]) -> pd.DataFrame:
        return draws.iloc[start:stop][list(columns)].reset_index(drop=True)

    sums, counts = [], []
    for chunk in range(record["chunks"]):
        chunk_sums, chunk_counts = steps.chunk(
            record, read_draws, chunk, config["bootstrap_resamples"]
        )
        sums.append(chunk_sums)
        counts.append(chunk_counts)
    exact, reason = engine_for(view)
    if exact is None:
        logger.info("exact values not available: %s", reason)
    # Every table as the pipeline writes and later steps read it: see io.as_written.
    tables: dict[str, pd.DataFrame] = {}

    def keep(new: Mapping[str, pd.DataFrame]) -> None:
        tables.update({name: io.as_written(table) for name, table in new.items()})

    keep(steps.sobol(record, sums, exact, draws[list(INTERVENTIONS)]))
    keep({"diagnostics": steps.diagnostics([draws], counts, view.structure)})
    inputs, values = draws[record["parameters"]], draws[list(INTERVENTIONS)]
    states = view.structure.discrete_states()
    keep(
        steps.rank(
            values,
            exact,
            draws[list(states)],
            states,
            draws["consistent"].to_numpy(),
            seed=seed,
        )
    )
    voi = None
    if config["decision_analysis"]:
        decision = DecisionSettings.from_config(config["decision"])
        keep(
            steps.robustness(
                inputs,
                values,
                tables["sobol"],
                tables["sobol_asinh"],
                seed=seed,
                rank_shift=decision.rank_shift,
                discrete=view.discrete,
            )
        )
        keep(steps.decision(view, inputs, values, decision, seed=seed, exact=exact))
        keep(steps.scenarios(inputs, values, decision, seed=seed))
        voi = tables["value_of_information"]
    keep(
        steps.resolution(
            tables["ranking"], tables["pairwise"], tables["sobol"], voi, samples, tables["risk"]
        )
    )
    recorded = {
        "samples": samples,
        "seed": seed,
        "chunks": record["chunks"],
        "bootstrap_resamples": config["bootstrap_resamples"],
    }
    return WorldviewResults(view, tables, record, steps.provenance(view, recorded), draws)


def render(results: WorldviewResults, rank_shift: int | None = None) -> str:
    """Render the self-contained HTML report of in-memory (or read) results.

    Parameters
    ----------
    results
        From :func:`analyse` or :meth:`WorldviewResults.read`.
    rank_shift
        Rank shift beyond which the method comparison flags a parameter (default: the
        configuration's).

    Returns
    -------
    str
        The HTML document (write it with ``Path("report.html").write_text(html)``).
    """
    from agi_interventions.report.build import build_report

    if rank_shift is None:
        rank_shift = DecisionSettings.default().rank_shift
    return build_report(results, rank_shift=rank_shift)


def _view(worldview: Worldview | str | Path) -> Worldview:
    return worldview if isinstance(worldview, Worldview) else load_worldview(worldview)


def compare(
    reference: Worldview | str | Path, other: Worldview | str | Path, *, seed: int = 0
) -> pd.DataFrame:
    """Swap each belief of ``other`` into ``reference`` alone, and attribute the change.

    Parameters
    ----------
    reference, other
        Validated worldviews or prior files.
    seed
        Seed of the Monte Carlo means, used only where the exact engine does not apply.

    Returns
    -------
    pandas.DataFrame
        The comparison's ``swaps.csv`` for this pair
        (:func:`agi_interventions.compare.swaps.compare_worldviews`): a row per differing
        prior or variant swapped alone, with the means, the winner, the lead and its Shapley
        share (exact where the engine applies), between a ``(none)`` and an ``(all)`` row.
    """
    from agi_interventions.compare.swaps import compare_worldviews

    return compare_worldviews(_view(reference), _view(other), list(INTERVENTIONS), seed)


def pool(
    results: Sequence[WorldviewResults],
    credences: Mapping[str, float] | None = None,
    *,
    seed: int,
    reference: str | None = None,
    evppi_bootstrap: int | None = None,
) -> dict[str, pd.DataFrame]:
    """Compare worldviews side by side and pool them by credence, as the ``compare`` rule does.

    Parameters
    ----------
    results
        Each worldview's results (from :func:`analyse` or :meth:`WorldviewResults.read` with
        ``inputs=True``).
    credences
        Worldview name to credence (scaled to sum to one); None for equal credences.
    seed
        The one seed.
    reference
        The worldview the others are swapped into (default: the first).
    evppi_bootstrap
        Bootstrap replicates of the regression EVPPI (default: the configuration's).

    Returns
    -------
    dict
        ``comparison``, ``pooled``, ``pooled_value_of_information``, ``decision_rules`` and
        ``swaps`` (see the README's outputs table); render them with
        :func:`render_comparison`.
    """
    from agi_interventions import steps

    if evppi_bootstrap is None:
        evppi_bootstrap = DecisionSettings.default().evppi_bootstrap
    tables = steps.compare(
        results, credences, reference=reference, seed=seed, evppi_bootstrap=evppi_bootstrap
    )
    return {name: io.as_written(table) for name, table in tables.items()}


def render_comparison(
    tables: Mapping[str, pd.DataFrame],
    results: Sequence[WorldviewResults],
    credences: Mapping[str, float] | None = None,
) -> str:
    """Render the comparison report of :func:`pool`'s tables.

    Parameters
    ----------
    tables
        From :func:`pool`.
    results
        The same worldviews' results.
    credences
        The same credences (None for equal).

    Returns
    -------
    str
        The self-contained HTML document.
    """
    from agi_interventions.compare.pool import normalise_credences
    from agi_interventions.report.comparison import build_comparison_report, overlay_parameters
    from agi_interventions.report.comparison_figures import comparison_figures
    from agi_interventions.report.figures import figure_png

    views = [r.worldview for r in results]
    figures = {
        name: figure_png(figure)
        for name, figure in comparison_figures(tables, views, overlay_parameters(tables)).items()
    }
    weights = normalise_credences(credences, [v.name for v in views])
    return build_comparison_report(tables, views, weights, figures, {"credences": weights})
