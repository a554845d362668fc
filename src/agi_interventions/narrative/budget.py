"""Sentences of the Monte Carlo error budget: does the base sample N resolve each headline order.

Each row of ``resolution.csv`` (a mean, P(best), EVPPI, Sobol ST or risk-rule order of two
items) becomes one sentence: resolved by exact values, resolved at N, not orderable because of
heavy tails, tied, or the N that would resolve it with 80% probability (and its range).
"""

from __future__ import annotations

import math

import pandas as pd

from agi_interventions.parameters import display
from agi_interventions.report.formatting import fmt_count

#: How each risk rule is named.
RISK_RULES = {
    "ev": "expected value",
    "trimmed_ev": "trimmed expected value",
    "reu": "risk-weighted expected utility",
    "wlu": "weighted linear utility",
    "ambiguity": "ambiguity aversion",
}
#: The setting of each risk rule.
RISK_SETTINGS = {"trimmed_ev": "trim", "reu": "p", "wlu": "c", "ambiguity": "k"}


def _subject(criterion: str, first: str, second: str) -> tuple[str, str]:
    kind, _, detail = criterion.partition(":")
    if kind == "mean":
        return f"By mean marginal value, {display(first)}", display(second)
    if kind == "p_best":
        return f"By P(best), {display(first)}", display(second)
    if kind == "evppi":
        return (
            f"In the order of the beliefs most worth learning ({detail}), {display(first)}",
            display(second),
        )
    if kind == "sobol_ST":
        return f"As the largest driver of {display(detail)}, {display(first)}", display(second)
    rule, _, setting = detail.partition(":")
    name = RISK_RULES.get(rule, rule)
    if setting:
        name += f" ({RISK_SETTINGS.get(rule, 'setting')} = {setting})"
    return f"Under {name}, {display(first)}", display(second)


def resolution_sentences(resolution: pd.DataFrame) -> list[str]:
    """Say, for everything the report leads with, whether N resolves it and which N would.

    Parameters
    ----------
    resolution
        ``resolution.csv``.

    Returns
    -------
    list of str
        One sentence per row.
    """
    sentences = []
    for _, r in resolution.iterrows():
        subject, other = _subject(str(r["criterion"]), str(r["first"]), str(r["second"]))
        method = str(r.get("method", ""))
        if method == "exact" and not bool(r["resolved"]):  # exact values equal: a tie
            sentences.append(
                f"{subject} and {other} are tied exactly (equal values from the model's "
                "structure): no N can order them."
            )
        elif method == "exact":
            sentences.append(
                f"{subject} comes before {other} exactly (values from the model's structure, "
                "no Monte Carlo error)."
            )
        elif method == "heavy-tail":
            sentences.append(
                f"{subject} and {other} cannot be ordered from this sample: the draws' tails "
                "are too heavy for its interval to hold, and more draws shrink the error only "
                "slowly."
            )
        elif bool(r["resolved"]):
            sentences.append(
                f"{subject} is ahead of {other} beyond Monte Carlo error at "
                f"N = {fmt_count(r['n_base'])}."
            )
        elif not math.isfinite(float(r["n_base_needed"])):
            sentences.append(
                f"{subject} and {other} are not separated at N = {fmt_count(r['n_base'])}, "
                "and the sample cannot say that they differ at all: no N can be promised."
            )
        else:
            high = float(r["n_base_needed_high"])
            upper = fmt_count(high) if math.isfinite(high) else "beyond any N (if they are equal)"
            sentences.append(
                f"{subject} is not separated from {other} at N = {fmt_count(r['n_base'])}; "
                f"N = {fmt_count(r['n_base_needed'])} would separate them with 80% probability "
                f"(from {fmt_count(r['n_base_needed_low'])} to {upper} over the uncertainty "
                "of the gap; set samples in the config)."
            )
    return sentences
