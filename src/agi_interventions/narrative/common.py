"""Helpers shared by every section's sentences: lists in words, exact columns, the winner.

Also :func:`subsample_sentence`, the sample-size sentence that several sections repeat.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from agi_interventions.report.formatting import fmt_count


def join(items: Sequence[str]) -> str:
    """Join with commas and a final "and"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def has_exact(frame: pd.DataFrame, column: str) -> bool:
    """Whether a table carries exact values in ``column`` (present and not all empty)."""
    return column in frame.columns and bool(frame[column].notna().any())


def winner(ranking: pd.DataFrame) -> str:
    """Return the winner by mean: by exact mean where the table has it, else by the sample mean."""
    key = "mean_exact" if has_exact(ranking, "mean_exact") else "mean"
    ordered = ranking.sort_values(key, ascending=False, kind="stable")
    return str(ordered["intervention"].iloc[0])


def subsample_sentence(rows: int, total: int, what: str) -> str:
    """Say on how many of the draws a method ran."""
    if rows >= total:
        return f"{what} used all {fmt_count(total)} independent draws."
    return (
        f"{what} ran on a uniform subsample of {fmt_count(rows)} of the {fmt_count(total)} "
        "independent draws (their cost grows faster than the number of draws); the intervals "
        "reflect that sample size."
    )
