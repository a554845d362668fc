"""Sentences of the Monte Carlo error budget: does the base sample N resolve each headline order.

Each row of ``resolution.csv`` (a mean, P(best), EVPPI or Sobol ST order of two items) becomes
one sentence: resolved exactly, resolved at N, tied, or the N that the 1/sqrt(N) scaling says
would resolve it.
"""

from __future__ import annotations

import math

import pandas as pd

from agi_interventions.parameters import label, symbol
from agi_interventions.report.formatting import fmt_count


def resolution_sentences(resolution: pd.DataFrame) -> list[str]:
    """Say, for everything the report leads with, whether N resolves it and which N would."""
    sentences = []
    for _, r in resolution.iterrows():
        criterion = str(r["criterion"])
        kind, _, detail = criterion.partition(":")
        if kind in ("mean", "p_best"):
            what = "mean marginal value" if kind == "mean" else "P(best)"
            first, second = label(r["first"]), label(r["second"])
            subject = f"By {what}, {first}"
            other = second
        elif kind == "evppi":
            what = "EVPPI"
            first, second = symbol(r["first"]), symbol(r["second"])
            subject = f"In the order of the beliefs most worth resolving ({detail}), {first}"
            other = second
        else:
            what = f"ST of {label(detail)}"
            first, second = symbol(r["first"]), symbol(r["second"])
            subject = f"As the largest driver of {label(detail)}, {first}"
            other = second
        if r.get("method") == "exact":
            sentences.append(
                f"{subject} comes before {other} exactly (values from the model's structure, "
                "no Monte Carlo error)."
            )
        elif r["resolved"]:
            sentences.append(
                f"{subject} is ahead of {other} beyond Monte Carlo error at "
                f"N = {fmt_count(r['n_base'])}."
            )
        elif not math.isfinite(float(r["n_base_needed"])):
            sentences.append(
                f"{subject} and {other} are tied by {what}; more samples cannot separate them."
            )
        else:
            sentences.append(
                f"{subject} is not separated from {other} at N = {fmt_count(r['n_base'])}; by "
                f"the 1/sqrt(N) scaling, N = {fmt_count(r['n_base_needed'])} would "
                "(set samples in the config)."
            )
    return sentences
