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
    >>> api.risk(api.simulate(view, 2**16, seed=1), "reu", p=0.05)   # one risk rule
    >>> api.evppi(view, ["F_V", ["db_dFCV", "dpCV_daCV"]])   # exact or nested, automatically

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
    "evppi",
    "p_best",
    "pool",
    "rank",
    "render",
    "render_comparison",
    "risk",
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


#: Columns of :func:`evppi`.
EVPPI_COLUMNS = ["name", "kind", "value", "se", "ci_low", "ci_high", "method"]

#: Methods of :func:`evppi`.
EVPPI_METHODS = ("auto", "exact", "nested")


def _evppi_targets(
    view: Worldview, parameters: str | Sequence[str | Sequence[str]] | Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """Row name to the uncertain inputs learned together; unknown names are an error."""
    if isinstance(parameters, str):
        parameters = [parameters]
    if isinstance(parameters, Mapping):
        targets = {str(name): [str(m) for m in members] for name, members in parameters.items()}
    else:
        targets = {}
        for item in parameters:
            members = [item] if isinstance(item, str) else [str(m) for m in item]
            targets["+".join(members)] = members
    uncertain = list(view.uncertain)
    for name, members in targets.items():
        unknown = [m for m in members if m not in uncertain]
        if unknown or not members:
            raise ValueError(
                f"EVPPI of {name!r}: {', '.join(map(repr, unknown)) or 'no parameter'} is not an "
                f"uncertain input of worldview {view.name!r}; its uncertain inputs are "
                f"{', '.join(uncertain)}"
            )
    return targets


def evppi(
    worldview: Worldview | str | Path,
    parameters: str | Sequence[str | Sequence[str]] | Mapping[str, Sequence[str]] | None = None,
    *,
    method: str = "auto",
    seed: int = 0,
) -> pd.DataFrame:
    """Value the learning of some beliefs exactly (EVPPI), and EVPI, by the best method.

    Parameters
    ----------
    worldview
        A validated worldview or a prior file.
    parameters
        What is learned: an input's name, a sequence whose items are names (each learned
        alone) or sequences of names (a group learned together, named ``"a+b"``), or a
        mapping of group name to names. None: every uncertain input alone.
    method
        ``"auto"`` (exact where the exact engine applies, else nested Monte Carlo),
        ``"exact"`` or ``"nested"``.
    seed
        Seed of the outer Monte Carlo of exact group values and EVPI, or of the nested
        Monte Carlo.

    Returns
    -------
    pandas.DataFrame
        :data:`EVPPI_COLUMNS`: the EVPI row first (kind ``evpi``), then one row per target
        (kind ``parameter`` or ``group``) with the value, its standard error and 95% interval
        and the ``method`` (``exact``: single inputs exact, groups and EVPI an outer Monte
        Carlo average of exact conditional means; ``nested``: nested Monte Carlo with the
        multilevel correction, heavy lognormal inputs drawn by importance sampling, a single
        input's quadrature pooled with the value of its decision rule on unused pool rows
        where its own error exceeds 10% of its value, and made again from four times the
        inner draws where it still exceeds 20%, a group's multilevel base chosen between the
        pool's EVPI and a sampled level of inner means, its levels drawn afresh where inputs
        are heavy-tailed, and a group's interval replaced by bounds where the draws' tail
        defeats it,
        :mod:`agi_interventions.voi.nested`).

    Raises
    ------
    ValueError
        An unknown method, a name that is not an uncertain input, or ``method="exact"`` where
        the exact engine does not apply (the message says why).

    Examples
    --------
    >>> api.evppi("config/priors/baseline.yaml", ["F_V", ["db_dFCV", "dpCV_daCV"]])
    """
    from agi_interventions.exact import engine_for

    if method not in EVPPI_METHODS:
        raise ValueError(f"method must be one of {', '.join(EVPPI_METHODS)}, not {method!r}")
    view = _view(worldview)
    targets = _evppi_targets(view, list(view.uncertain) if parameters is None else parameters)
    engine, reason = engine_for(view) if method != "nested" else (None, "")
    if method == "exact" and engine is None:
        raise ValueError(f"the exact engine does not apply to {view.name!r}: {reason}")
    singles = {name: m[0] for name, m in targets.items() if len(m) == 1}
    groups = {name: m for name, m in targets.items() if len(m) > 1}
    if engine is not None:
        from agi_interventions.exact.tables import exact_value_of_information

        table = exact_value_of_information(
            engine,
            list(INTERVENTIONS),
            groups,
            n_draws=DecisionSettings.default().exact_draws,
            seed=seed,
        ).set_index("name")
        rows = [("EVPI", "evpi", table.loc["EVPI"])]
        rows += [(name, "parameter", table.loc[p]) for name, p in singles.items()]
        rows += [(name, "group", table.loc[name]) for name in groups]
        return pd.DataFrame(
            [
                (
                    name,
                    kind,
                    r["value_exact"],
                    r["se_exact"],
                    r["exact_ci_low"],
                    r["exact_ci_high"],
                    "exact",
                )
                for name, kind, r in rows
            ],
            columns=EVPPI_COLUMNS,
        )
    from agi_interventions.voi.nested import (
        budget_settings,
        draw_pool,
        evpi_from_pool,
        evppi_group,
        evppi_parameter,
        problem_from_worldview,
    )

    problem = problem_from_worldview(view, view.complete, options=tuple(INTERVENTIONS))
    settings = budget_settings(view.structure.relative_cost)
    pool = draw_pool(problem, settings, seed)
    estimates = [("EVPI", "evpi", evpi_from_pool(pool))]
    made = {}
    for name, parameter in singles.items():
        made[parameter] = evppi_parameter(problem, parameter, settings=settings, pool=pool)
        estimates.append((name, "parameter", made[parameter]))
    for name, members in groups.items():
        estimate = evppi_group(
            problem, members, seed=seed, settings=settings, pool=pool, singles=made
        )
        estimates.append((name, "group", estimate))
    return pd.DataFrame(
        [(n, k, e.value, e.se, e.ci_low, e.ci_high, "nested") for n, k, e in estimates],
        columns=EVPPI_COLUMNS,
    )


def risk(
    draws: pd.DataFrame,
    rule: str,
    *,
    seed: int = 0,
    n_bootstrap: int = 200,
    **settings: float,
) -> pd.DataFrame:
    """One risk-attitude rule at one setting on per-draw values: the rows of ``risk.csv``.

    Parameters
    ----------
    draws
        Independent draws with columns ``a_V``, ``a_CV``, ``a_CnotV`` (e.g. from
        :func:`simulate`).
    rule
        ``"ev"``, ``"trimmed_ev"``, ``"reu"``, ``"wlu"`` or ``"ambiguity"`` (README, "Risk
        attitudes"; :mod:`agi_interventions.risk`).
    seed
        Seed of the bootstrap.
    n_bootstrap
        Bootstrap resamples of the interval (0: none).
    **settings
        The rule's setting: ``trim=`` (``trimmed_ev``), ``a=`` or ``p=`` (``reu``; ``p`` gives
        the calibrated exponent ``a = -2 / log10(p)``), ``c=`` (``wlu``), ``k=``
        (``ambiguity``); none for ``ev``.

    Returns
    -------
    pandas.DataFrame
        One row per intervention: ``rule``, ``setting``, ``setting_value``, ``intervention``,
        ``value``, its 95% bootstrap interval (``ci_low``, ``ci_high``) and ``se``, the
        ``winner`` under the rule, ``n`` and ``flag``.

    Raises
    ------
    ValueError
        An unknown rule, or a setting that is missing, out of range or not the rule's.

    Examples
    --------
    >>> draws = api.simulate("config/priors/baseline.yaml", 2**16, seed=1,
    ...                      columns=["a_V", "a_CV", "a_CnotV"])
    >>> api.risk(draws, "reu", p=0.05)
    """
    from agi_interventions.risk import rule_values

    unknown = sorted(set(settings) - {"trim", "a", "p", "c", "k"})
    if unknown:
        raise ValueError(
            f"unknown setting(s) {', '.join(unknown)}: a rule takes trim=, a=, p=, c= or k="
        )
    return rule_values(draws, rule, seed=seed, n_bootstrap=n_bootstrap, **settings)


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
