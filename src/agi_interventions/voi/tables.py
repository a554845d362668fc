"""Value-of-information and expected-loss tables."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from agi_interventions.voi.basis import PreparedInputs
from agi_interventions.voi.estimators import (
    as_inputs,
    as_values,
    evpi_estimate,
    evppi_estimate,
    expected_loss,
)
from agi_interventions.voi.regression import BootstrapPlan

logger = logging.getLogger(__name__)

#: Columns of the value-of-information table.
VOI_COLUMNS = ["name", "kind", "value", "se", "ci_low", "ci_high", "plugin", "policy", "rows"]


def value_of_information_table(
    values: pd.DataFrame,
    inputs: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    *,
    n_bootstrap: int,
    seed: int,
    discrete: Sequence[str] = (),
) -> pd.DataFrame:
    """EVPI, per-parameter EVPPI and per-group EVPPI in one table.

    Parameters
    ----------
    values
        One column per option (intervention), one row per independent draw.
    inputs
        One column per input parameter, rows aligned by position with ``values``. Constant
        (fixed) parameters get EVPPI 0.
    groups
        Group name to parameter names; members not among ``inputs.columns`` are skipped and
        a group with no member left is left out (logged).
    n_bootstrap
        Bootstrap replicates (shared resamples for every row of the table).
    seed
        Seed of the clusters, folds and resamples.
    discrete
        Inputs that take a few values only (structure switches: indicator basis).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`VOI_COLUMNS`: EVPI (kind ``evpi``), then one row per input (kind
        ``parameter``), then one per group (kind ``group``); ``rows`` is the number of draws
        used. See :mod:`agi_interventions.voi.estimators` for the estimates.

    Raises
    ------
    ValueError
        On length mismatch, non-finite entries, or duplicate input column names.
    """
    arr = as_values(values)
    n = arr.shape[0]
    if inputs.columns.has_duplicates:
        dup = sorted({str(c) for c in inputs.columns[inputs.columns.duplicated()]})
        raise ValueError(f"inputs has duplicate column names: {dup}")
    names = [str(c) for c in inputs.columns]
    prepared = PreparedInputs(
        as_inputs(inputs.to_numpy(dtype=float), n), discrete=[c in discrete for c in names]
    )
    plan = BootstrapPlan.draw(n, n_bootstrap, seed)
    position = {name: i for i, name in enumerate(names)}
    rows = [("EVPI", "evpi", evpi_estimate(arr, plan))]
    for i, name in enumerate(names):
        rows.append((name, "parameter", evppi_estimate(arr, prepared, [i], plan)))
    for group, members in groups.items():
        present = [m for m in dict.fromkeys(members) if m in position]
        if not present:
            logger.info("group %r left out: none of %s is an uncertain input", group, members)
            continue
        columns = [position[m] for m in present]
        rows.append((str(group), "group", evppi_estimate(arr, prepared, columns, plan)))
    table = pd.DataFrame(
        [
            (name, kind, e.value, e.se, e.ci_low, e.ci_high, e.plugin, e.policy, n)
            for name, kind, e in rows
        ],
        columns=VOI_COLUMNS,
    )
    logger.info("value of information: %d estimates from %d draws", len(table), n)
    return table


def voi_skeleton(names: Sequence[str], groups: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Return the rows of :func:`value_of_information_table`, regression columns empty.

    For runs without the regression estimator: EVPI, one row per input, one per group.
    """
    rows = [("EVPI", "evpi"), *((n, "parameter") for n in names), *((g, "group") for g in groups)]
    table = pd.DataFrame(rows, columns=["name", "kind"])
    for column in VOI_COLUMNS[2:]:
        table[column] = np.nan
    table["rows"] = 0
    return table


def expected_loss_table(values: pd.DataFrame) -> pd.DataFrame:
    """Tabulate the expected loss of committing to each option now.

    Parameters
    ----------
    values
        One column per option, one row per independent draw.

    Returns
    -------
    pandas.DataFrame
        ``intervention, expected_loss, se`` in the column order of ``values``.
    """
    loss, se = expected_loss(values.to_numpy(dtype=float))
    return pd.DataFrame(
        {"intervention": [str(c) for c in values.columns], "expected_loss": loss, "se": se}
    ).astype({"expected_loss": np.float64, "se": np.float64})


#: Columns :func:`with_headline` puts first: the number the report quotes and how it was made.
HEADLINE_COLUMNS = [
    "name",
    "kind",
    "headline",
    "headline_se",
    "headline_low",
    "headline_high",
    "method",
    "resolved",
    "flag",
]
#: A regression estimate is resolved when its interval excludes 0 and its half-width is at
#: most this multiple of the value.
RESOLVED_RELATIVE_HALF_WIDTH = 1.0
#: A nested estimate whose interval reaches 0 is resolved (as negligible) only if its upper
#: end stays below this share of EVPI.
RESOLVED_ZERO_SHARE = 0.01


def with_headline(voi: pd.DataFrame) -> pd.DataFrame:
    """Put the number the report quotes first, with its method, interval and status.

    Parameters
    ----------
    voi
        The value-of-information table: the regression columns (:data:`VOI_COLUMNS`) and,
        where the exact engine applies, those of
        :func:`agi_interventions.exact.tables.exact_value_of_information`; other estimators'
        columns (``nested_value``, ``nested_se``, ``nested_low``, ``nested_high``,
        ``nested_method``, ``nested_flag``) when present.

    Returns
    -------
    pandas.DataFrame
        :data:`HEADLINE_COLUMNS` then every column of ``voi``. ``headline`` comes from the
        best estimator available per row: exact (``method`` ``exact``, or exact conditional
        means with an outer Monte Carlo average), else nested Monte Carlo, else regression.
        ``resolved`` says whether the number can be quoted as a finding: exact values always;
        an outer Monte Carlo value unless ``flag`` (``exact_flag``) says its tails are too
        heavy; a nested value unless ``flag`` (``nested_flag``) says so or its interval
        reaches 0 and :data:`RESOLVED_ZERO_SHARE` of EVPI; a
        regression value when its 95% interval excludes 0 and its half-width is at most
        :data:`RESOLVED_RELATIVE_HALF_WIDTH` times the value (otherwise "not resolved": the
        report does not rank by it).
    """
    evpi_rows = voi.loc[voi["kind"] == "evpi"]
    evpi = float(evpi_rows.iloc[0].get("value_exact", np.nan)) if len(evpi_rows) else np.nan
    if len(evpi_rows) and not np.isfinite(evpi):
        evpi = float(evpi_rows.iloc[0].get("nested_value", np.nan))
    rows = []
    for r in voi.to_dict("records"):
        exact = r.get("value_exact")
        if exact is not None and np.isfinite(exact):
            flag = str(r.get("exact_flag") or "")
            flag = "" if flag == "nan" else flag
            rows.append(
                (
                    exact,
                    r.get("se_exact", 0.0),
                    r.get("exact_ci_low", exact),
                    r.get("exact_ci_high", exact),
                    r.get("exact_method", "exact"),
                    not flag,
                    flag,
                )
            )
            continue
        nested = r.get("nested_value")
        if nested is not None and np.isfinite(nested):
            low, high = r["nested_low"], r["nested_high"]
            flag = str(r.get("nested_flag") or "")
            flag = "" if flag == "nan" else flag
            resolved = bool(not flag and (low > 0 or high <= RESOLVED_ZERO_SHARE * evpi))
            reason = flag or (
                "" if resolved else "interval includes 0 and reaches 1% of EVPI or more"
            )
            rows.append((nested, r["nested_se"], low, high, r["nested_method"], resolved, reason))
            continue
        value, low, high = r["value"], r["ci_low"], r["ci_high"]
        half = (high - low) / 2
        resolved = bool(low > 0 and half <= RESOLVED_RELATIVE_HALF_WIDTH * value)
        reason = (
            ""
            if resolved
            else ("interval includes 0" if not low > 0 else "interval much wider than the value")
        )
        rows.append((value, r["se"], low, high, "regression", resolved, reason))
    head = pd.DataFrame(
        rows,
        columns=[
            "headline",
            "headline_se",
            "headline_low",
            "headline_high",
            "method",
            "resolved",
            "flag",
        ],
        index=voi.index,
    )
    return pd.concat([voi[["name", "kind"]], head, voi.drop(columns=["name", "kind"])], axis=1)
