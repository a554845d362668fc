"""The comparison of several worldviews (``compare`` rule): side by side, pooled, swapped.

Built from each worldview's result tables and stored independent draws, without drawing
anything new, except the Monte Carlo means of swapped worldviews that have no exact engine
(:mod:`agi_interventions.compare.swaps`). The mathematics is in :mod:`agi_interventions.compare`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from agi_interventions.compare.mixture import (
    mixture_evppi_exact,
    mixture_evppi_monte_carlo,
    shared_parameters,
)
from agi_interventions.compare.pool import (
    Component,
    decision_rules,
    normalise_credences,
    pooled_ranking,
    worldview_label_value,
)
from agi_interventions.compare.swaps import compare_worldviews
from agi_interventions.io import text_column
from agi_interventions.parameters import INTERVENTIONS, display, label
from agi_interventions.results import WorldviewResults

logger = logging.getLogger(__name__)

#: Drivers (parameters with the highest resolved value of information) named per worldview.
TOP_DRIVERS = 3


def _engine(result: WorldviewResults):
    from agi_interventions.exact import engine_for

    engine, reason = engine_for(result.worldview)
    if engine is None:
        logger.info("%s: no exact engine (%s)", result.worldview.name, reason)
    return engine


def component(result: WorldviewResults, credence: float, engine) -> Component:
    """One worldview's means, variances and P(best) for the pooling.

    Parameters
    ----------
    result
        The worldview's results (``ranking`` table and the draws of the interventions).
    credence
        Its normalised credence.
    engine
        Its exact engine, or None.

    Returns
    -------
    Component
        Exact means and variances where the engine applies, else the ranking table's means
        and intervals and the draws' variances.
    """
    options = list(INTERVENTIONS)
    ranking = result["ranking"].set_index("intervention").loc[options]
    exact = (
        engine is not None
        and "mean_exact" in ranking
        and bool(ranking["mean_exact"].notna().all())
    )
    if exact:
        mean = ranking["mean_exact"].to_numpy(dtype=float)
        low = high = mean
        variance = np.array([engine.variance_parts(o)["variance"] for o in options])
        flags: tuple[str, ...] = ()
    else:
        mean = ranking["mean"].to_numpy(dtype=float)
        low = ranking["mean_ci_low"].to_numpy(dtype=float)
        high = ranking["mean_ci_high"].to_numpy(dtype=float)
        variance = result.draws[options].var(ddof=1).to_numpy(dtype=float)
        flags = tuple(text_column(ranking["mean_ci_flag"])) if "mean_ci_flag" in ranking else ()
    return Component(
        name=result.worldview.name,
        credence=credence,
        options=tuple(options),
        mean=mean,
        low=low,
        high=high,
        exact=exact,
        variance=variance,
        p_best=ranking["p_best"].to_numpy(dtype=float),
        n=int(ranking["n"].iloc[0]),
        flags=flags,
    )


def _drivers(voi: pd.DataFrame | None) -> list[tuple[str, float]]:
    if voi is None:
        return []
    rows = voi[(voi["kind"] == "parameter") & voi["resolved"].astype(bool)]
    rows = rows[rows["headline"] > 0].sort_values("headline", ascending=False, kind="stable")
    return [(str(r["name"]), float(r["headline"])) for _, r in rows.head(TOP_DRIVERS).iterrows()]


def _evpi(voi: pd.DataFrame | None) -> dict[str, float | str]:
    if voi is None:
        return {"evpi": math.nan, "evpi_low": math.nan, "evpi_high": math.nan, "evpi_method": ""}
    row = voi.set_index("name").loc["EVPI"]
    return {
        "evpi": float(row["headline"]),
        "evpi_low": float(row["headline_low"]),
        "evpi_high": float(row["headline_high"]),
        "evpi_method": str(row["method"]),
    }


def comparison_table(
    results: Sequence[WorldviewResults], components: Sequence[Component]
) -> pd.DataFrame:
    """Each worldview's answer side by side.

    Parameters
    ----------
    results
        The worldviews' results.
    components
        Their pooling components (same order).

    Returns
    -------
    pandas.DataFrame
        One row per worldview: ``worldview``, ``credence``, ``structure``, ``winner`` and
        ``winner_label`` (highest mean, exact where available), ``mean_method``, per
        intervention ``mean_<k>``, ``mean_<k>_low``, ``mean_<k>_high`` and ``p_best_<k>``,
        then ``evpi`` with its interval and method, and the top drivers ``driver_<i>`` with
        their values ``driver_<i>_value`` (highest resolved EVPPI first).
    """
    rows = []
    for result, comp in zip(results, components, strict=True):
        best = int(np.argmax(comp.mean))
        row: dict[str, object] = {
            "worldview": comp.name,
            "credence": comp.credence,
            "structure": result.worldview.structure.describe(),
            "winner": comp.options[best],
            "winner_label": label(comp.options[best]),
            "mean_method": "exact" if comp.exact else "monte carlo",
        }
        for j, option in enumerate(comp.options):
            row[f"mean_{option}"] = comp.mean[j]
            row[f"mean_{option}_low"] = comp.low[j]
            row[f"mean_{option}_high"] = comp.high[j]
            row[f"p_best_{option}"] = comp.p_best[j]
        voi = result.tables.get("value_of_information")
        row.update(_evpi(voi))
        drivers = _drivers(voi)
        for i in range(TOP_DRIVERS):
            name, value = drivers[i] if i < len(drivers) else ("", math.nan)
            row[f"driver_{i + 1}"] = name
            row[f"driver_{i + 1}_value"] = value
        rows.append(row)
    return pd.DataFrame(rows)


def pooled_value_of_information(
    results: Sequence[WorldviewResults],
    components: Sequence[Component],
    engines: Sequence,
    *,
    seed: int,
    evppi_bootstrap: int,
) -> pd.DataFrame:
    """Value of information under the pooled belief.

    Parameters
    ----------
    results
        The worldviews' results (value-of-information tables, draws with the inputs).
    components
        Their pooling components.
    engines
        Their exact engines (None where the engine does not apply).
    seed
        Seed of the Monte Carlo estimates.
    evppi_bootstrap
        Bootstrap replicates of the regression EVPPI (Monte Carlo rows).

    Returns
    -------
    pandas.DataFrame
        Rows ``EVPI`` (kind ``evpi``: ``sum_w c_w EVPI_w`` plus the worldview-label value),
        ``worldview`` (kind ``worldview``: learning which worldview is right) and one per
        parameter shared by every worldview with a credence (kind ``parameter``), sorted by
        value; columns ``name``, ``kind``, ``label``, ``value``, ``low``, ``high`` (95%),
        ``method``, ``flag`` (why an interval cannot be trusted) and ``share_of_evpi``.
    """
    credences = [c.credence for c in components]
    used = [i for i, c in enumerate(credences) if c > 0]
    label_row = worldview_label_value(components, seed)
    rows = [
        {
            "name": "worldview",
            "kind": "worldview",
            "label": "which worldview is right",
            **label_row,
        }
    ]
    evpis = [_evpi(results[i].tables.get("value_of_information")) for i in used]
    if all(not math.isnan(e["evpi"]) for e in evpis):
        c_used = np.array([credences[i] for i in used])
        centre = float(c_used @ [e["evpi"] for e in evpis]) + float(label_row["value"])
        below = math.hypot(
            *(c * (e["evpi"] - e["evpi_low"]) for c, e in zip(c_used, evpis, strict=True)),
            float(label_row["value"]) - float(label_row["low"]),
        )
        above = math.hypot(
            *(c * (e["evpi_high"] - e["evpi"]) for c, e in zip(c_used, evpis, strict=True)),
            float(label_row["high"]) - float(label_row["value"]),
        )
        exact = all(e["evpi_method"] == "exact" for e in evpis) and label_row["method"] == "exact"
        rows.insert(
            0,
            {
                "name": "EVPI",
                "kind": "evpi",
                "label": "everything",
                "value": centre,
                "low": max(centre - below, 0.0),
                "high": centre + above,
                "method": "exact" if exact else "monte carlo",
                "flag": "" if math.isfinite(above) else str(label_row["flag"]),
            },
        )
    views = [results[i].worldview for i in used]
    all_exact = all(engines[i] is not None for i in used)
    for name in shared_parameters(views):
        if all_exact:
            value = mixture_evppi_exact(
                [engines[i] for i in used], [credences[i] for i in used], INTERVENTIONS, name
            )
            row = {"value": value, "low": value, "high": value, "method": "exact", "flag": ""}
        else:
            estimate = mixture_evppi_monte_carlo(
                [results[i].draws[name].to_numpy() for i in used],
                [results[i].draws[list(INTERVENTIONS)].to_numpy() for i in used],
                [credences[i] for i in used],
                n_bootstrap=evppi_bootstrap,
                seed=seed,
            )
            row = {
                "value": estimate.value,
                "low": estimate.ci_low,
                "high": estimate.ci_high,
                "method": "regression",
                "flag": "",
            }
        rows.append({"name": name, "kind": "parameter", "label": name, **row})
    table = pd.DataFrame(rows)
    table.loc[table["kind"] == "parameter", "label"] = [
        display(n) for n in table.loc[table["kind"] == "parameter", "name"]
    ]
    evpi = table.loc[table["kind"] == "evpi", "value"]
    total = float(evpi.iloc[0]) if len(evpi) else math.nan
    table["share_of_evpi"] = table["value"] / total if total > 0 else math.nan
    kinds = {"evpi": 0, "worldview": 1, "parameter": 2}
    table["_order"] = table["kind"].map(kinds)
    table = table.sort_values(["_order", "value"], ascending=[True, False], kind="stable")
    return table.drop(columns="_order").reset_index(drop=True)


def pooled_draws(results: Sequence[WorldviewResults], credences: Sequence[float]) -> pd.DataFrame:
    """Sample the credence-weighted mixture from the worldviews' stored draws.

    Parameters
    ----------
    results
        Each worldview's results (the interventions' independent draws).
    credences
        Normalised credences, in the order of ``results``.

    Returns
    -------
    pandas.DataFrame
        The interventions' columns: the first ``about c_w n`` draws of each worldview
        (:func:`agi_interventions.compare.mixture.stratified_rows`; the draws are independent,
        so the first rows are a random sample), ``n`` as large as the draws allow.
    """
    from agi_interventions.compare.mixture import stratified_rows

    options = list(INTERVENTIONS)
    frames = [r.draws[options] for r in results]
    rows = stratified_rows([len(f) for f in frames], credences)
    return pd.concat([f.iloc[:k] for f, k in zip(frames, rows, strict=True)], ignore_index=True)


def pooled_risk(
    results: Sequence[WorldviewResults], credences: Sequence[float], *, seed: int
) -> pd.DataFrame:
    """Every risk-attitude rule on the pooled draws (the mixture), as ``risk.csv`` per worldview.

    A rule is applied to the mixture's draws, not averaged over worldviews: rank-dependent
    and weighted rules are not linear in the distribution, so the two differ (a 50/50
    mixture of 0 and 10 for sure has REU 2.5 at ``a = 2`` pooled first; the average of the
    two REUs is 5).

    Parameters
    ----------
    results
        Each worldview's results.
    credences
        Normalised credences, in the order of ``results``.
    seed
        The one seed (its ``pooled-risk`` stream drives the bootstrap).

    Returns
    -------
    pandas.DataFrame
        :func:`agi_interventions.risk.risk_table` of :func:`pooled_draws`.
    """
    from agi_interventions.risk import risk_table
    from agi_interventions.seeds import derive_seed

    return risk_table(pooled_draws(results, credences), seed=derive_seed(seed, "pooled-risk"))


def compare(
    results: Sequence[WorldviewResults],
    credences: Mapping[str, float] | None,
    *,
    reference: str | None,
    seed: int,
    evppi_bootstrap: int,
) -> dict[str, pd.DataFrame]:
    """Compare and pool worldviews.

    Parameters
    ----------
    results
        Each worldview's results; the draws must hold every input (the shared parameters)
        and the interventions.
    credences
        Worldview name to credence (normalised here), or None for equal credences.
    reference
        The worldview the others are swapped against (default: the first).
    seed
        The one seed (Monte Carlo pooled EVPPI, swapped means, bootstrap of the label value).
    evppi_bootstrap
        Bootstrap replicates of the regression EVPPI.

    Returns
    -------
    dict
        ``comparison``, ``pooled``, ``pooled_value_of_information``, ``decision_rules``,
        ``pooled_risk`` and ``swaps`` (empty with a single worldview).

    Raises
    ------
    ValueError
        Duplicate worldview names, bad credences, or an unknown reference.
    """
    names = [r.worldview.name for r in results]
    if len(set(names)) != len(names):
        raise ValueError(f"worldview names must be unique (got {', '.join(names)})")
    weights = normalise_credences(credences, names)
    reference = reference or names[0]
    if reference not in names:
        raise ValueError(
            f"reference worldview '{reference}' is not compared (compared: {', '.join(names)})"
        )
    engines = [_engine(r) for r in results]
    components = [
        component(r, weights[n], e) for r, n, e in zip(results, names, engines, strict=True)
    ]
    tables = {
        "comparison": comparison_table(results, components),
        "pooled": pooled_ranking(components),
        "pooled_value_of_information": pooled_value_of_information(
            results, components, engines, seed=seed, evppi_bootstrap=evppi_bootstrap
        ),
        "decision_rules": decision_rules(components),
    }
    tables["pooled_risk"] = pooled_risk(results, [weights[n] for n in names], seed=seed)
    base = results[names.index(reference)].worldview
    swaps = [
        compare_worldviews(base, r.worldview, INTERVENTIONS, seed)
        for r in results
        if r.worldview.name != reference
    ]
    tables["swaps"] = pd.concat(swaps, ignore_index=True) if swaps else pd.DataFrame()
    logger.info("compared %d worldviews against %s", len(results), reference)
    return tables
