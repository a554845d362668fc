r"""Several worldviews pooled by credence, and choices that need no single prior.

Each worldview ``w`` (credence ``c_w``, the credences summing to one) gives every option ``k``
a mean ``mu_wk`` (exact where the engine applies), a variance ``s2_wk`` and a probability of
being best ``p_wk``. The pooled belief is the mixture ``sum_w c_w P_w``, so

* pooled mean ``mu_k = sum_w c_w mu_wk`` and P(best) ``p_k = sum_w c_w p_wk``: exact means
  give an exact pooled mean; Monte Carlo ones add their errors in quadrature
  (``sum_w c_w^2 e_w^2``, with each worldview's own interval half-widths, which are already
  widened where a tail is heavy);
* pooled variance ``Var(V_k) = sum_w c_w (s2_wk + mu_wk^2) - mu_k^2`` (law of total variance),
  of which ``sum_w c_w (mu_wk - mu_k)^2`` lies **between** worldviews;
* the value of learning which worldview is right, the EVPPI of the worldview label:
  ``sum_w c_w max_k mu_wk - max_k mu_k`` (exact from exact means; otherwise a parametric
  percentile bootstrap of the means gives its interval).

Rules for disagreement that need no credences, or no single pooled prior (the
robust-decision literature; EMA Workbench's robustness metrics compute the same quantities
over scenarios):

* **favourite worldview**: the option best under the worldview with the highest credence;
* **maximin**: ``argmax_k min_w mu_wk``: the best worst case over worldviews;
* **minimax regret**: ``argmin_k max_w (max_j mu_wj - mu_wk)``: the smallest largest regret,
  the regret under ``w`` being what ``k`` loses against the best option under ``w``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from agi_interventions.parameters import label
from agi_interventions.stats import Z95


@dataclass(frozen=True)
class Component:
    """One worldview's numbers, as the pooling needs them.

    Attributes
    ----------
    name
        Worldview name.
    credence
        Normalised credence (the credences of all components sum to one).
    options
        Option (output) names, in a fixed order shared by all components.
    mean
        Mean of each option (exact where ``exact``).
    low, high
        The mean's 95% interval (equal to ``mean`` when exact).
    exact
        Whether the means are exact.
    variance
        Variance of each option's value.
    p_best
        Probability that each option is best (Monte Carlo).
    n
        Draws behind ``p_best``.
    flags
        Per option, why its interval cannot be trusted (empty when it can).
    """

    name: str
    credence: float
    options: tuple[str, ...]
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    exact: bool
    variance: np.ndarray
    p_best: np.ndarray
    n: int
    flags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        k = len(self.options)
        for field_ in ("mean", "low", "high", "variance", "p_best"):
            value = np.asarray(getattr(self, field_), dtype=np.float64)
            if value.shape != (k,):
                raise ValueError(f"{self.name}: {field_} needs one value per option ({k})")
            object.__setattr__(self, field_, value)
        if not self.flags:
            object.__setattr__(self, "flags", ("",) * k)


def normalise_credences(
    credences: Mapping[str, float] | None, names: Sequence[str]
) -> dict[str, float]:
    """Check credences against the configured worldviews and scale them to sum to one.

    Parameters
    ----------
    credences
        Worldview name to credence, or None / empty for equal credences.
    names
        The configured worldviews.

    Returns
    -------
    dict
        Credence per worldview in ``names`` order (0 for one left out), summing to one.

    Raises
    ------
    ValueError
        A credence for a worldview that is not configured, a credence that is not a finite
        non-negative number, or credences that are all zero; the message lists every fault.
    """
    if not names:
        raise ValueError("credences need at least one worldview")
    if not credences:
        return {name: 1.0 / len(names) for name in names}
    problems = [
        f"credences: '{name}' is not a configured worldview (configured: {', '.join(names)})"
        for name in credences
        if name not in names
    ]
    for name, value in credences.items():
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or value < 0:
            problems.append(
                f"credences: '{name}' must be a finite number at least 0 (got {value!r})"
            )
    if problems:
        raise ValueError("; ".join(problems))
    total = float(sum(credences.get(name, 0.0) for name in names))
    if total <= 0:
        raise ValueError("credences: at least one configured worldview needs a credence above 0")
    return {name: float(credences.get(name, 0.0)) / total for name in names}


def _weights(components: Sequence[Component]) -> np.ndarray:
    weights = np.array([c.credence for c in components], dtype=np.float64)
    if not np.isclose(weights.sum(), 1.0, rtol=0, atol=1e-12) or np.any(weights < 0):
        raise ValueError("component credences must be non-negative and sum to one")
    options = {c.options for c in components}
    if len(options) != 1:
        raise ValueError("every component must have the same options in the same order")
    return weights


def pooled_ranking(components: Sequence[Component]) -> pd.DataFrame:
    """Rank the options under the credence-weighted mixture of the worldviews.

    Parameters
    ----------
    components
        The worldviews (credences summing to one).

    Returns
    -------
    pandas.DataFrame
        One row per option, highest pooled mean first: ``intervention``, ``label``, ``mean``
        with ``mean_ci_low``/``mean_ci_high`` (95%) and ``mean_method`` (``exact`` when every
        component with a credence is exact), ``p_best`` with ``p_best_ci_low``/
        ``p_best_ci_high``, ``variance``, ``between_share`` (the share of the variance that
        lies between worldviews) and ``flag`` (components whose interval is flagged).
    """
    c = _weights(components)
    pairs = [(comp, w) for comp, w in zip(components, c, strict=True) if w > 0]
    used = [comp for comp, _ in pairs]
    options = components[0].options
    mean = sum(w * comp.mean for comp, w in pairs)
    below = np.sqrt(sum((w * (comp.mean - comp.low)) ** 2 for comp, w in pairs))
    above = np.sqrt(sum((w * (comp.high - comp.mean)) ** 2 for comp, w in pairs))
    p_best = sum(w * comp.p_best for comp, w in pairs)
    p_var = sum(w**2 * comp.p_best * (1 - comp.p_best) / comp.n for comp, w in pairs)
    p_half = Z95 * np.sqrt(p_var)
    second = sum(w * (comp.variance + comp.mean**2) for comp, w in pairs)
    variance = np.maximum(second - mean**2, 0.0)
    between = sum(w * (comp.mean - mean) ** 2 for comp, w in pairs)
    share = np.divide(between, variance, out=np.full_like(variance, np.nan), where=variance > 0)
    flags = [
        "; ".join(f"{comp.name}: {comp.flags[j]}" for comp in used if comp.flags[j])
        for j in range(len(options))
    ]
    table = pd.DataFrame(
        {
            "intervention": list(options),
            "label": [label(o) for o in options],
            "mean": mean,
            "mean_ci_low": mean - below,
            "mean_ci_high": mean + above,
            "mean_method": "exact" if all(comp.exact for comp in used) else "monte carlo",
            "p_best": p_best,
            "p_best_ci_low": np.clip(p_best - p_half, 0.0, 1.0),
            "p_best_ci_high": np.clip(p_best + p_half, 0.0, 1.0),
            "variance": variance,
            "between_share": np.minimum(share, 1.0),
            "flag": flags,
        }
    )
    return table.sort_values("mean", ascending=False, kind="stable").reset_index(drop=True)


def label_value(means: np.ndarray, credences: np.ndarray) -> float:
    """EVPPI of the worldview label: ``sum_w c_w max_k mu_wk - max_k sum_w c_w mu_wk``.

    Parameters
    ----------
    means
        ``(W, K)`` means per worldview and option.
    credences
        ``(W,)`` credences summing to one.

    Returns
    -------
    float
        The expected gain from learning which worldview is right before choosing (>= 0).
    """
    means = np.asarray(means, dtype=np.float64)
    credences = np.asarray(credences, dtype=np.float64)
    informed = float(credences @ means.max(axis=1))
    uninformed = float((credences @ means).max())
    return max(informed - uninformed, 0.0)


#: Parametric-bootstrap replicates of the worldview-label value when means are Monte Carlo.
LABEL_BOOTSTRAP = 4000


def worldview_label_value(
    components: Sequence[Component], seed: int, replicates: int = LABEL_BOOTSTRAP
) -> dict[str, float | str]:
    """Compute the value of learning which worldview is right, with its interval.

    Parameters
    ----------
    components
        The worldviews.
    seed
        Seed of the parametric bootstrap (used only when a mean is Monte Carlo).
    replicates
        Bootstrap replicates.

    Returns
    -------
    dict
        ``value``, ``low``, ``high`` (95%), ``method`` and ``flag``: ``exact`` from exact
        means, else ``monte carlo`` with a percentile bootstrap interval from redrawing every
        Monte Carlo mean from a normal with its standard error (half the width of its interval
        over 1.96; percentile rather than basic: for this maximum of means it covers the truth
        about 95% of the time, the basic interval about 91%, see the tests); a mean without
        a finite interval (a heavy tail) gives ``[0, inf]`` and a flag.
    """
    c = _weights(components)
    means = np.stack([comp.mean for comp in components])
    value = label_value(means, c)
    if all(comp.exact for comp, w in zip(components, c, strict=True) if w > 0):
        return {"value": value, "low": value, "high": value, "method": "exact", "flag": ""}
    se = np.stack([(comp.high - comp.low) / (2 * Z95) for comp in components])
    if not np.all(np.isfinite(se[c > 0])):
        heavy = [comp.name for comp, w in zip(components, c, strict=True) if w > 0]
        heavy = [n for n, e in zip(heavy, se[c > 0], strict=True) if not np.all(np.isfinite(e))]
        return {
            "value": value,
            "low": 0.0,
            "high": math.inf,
            "method": "monte carlo",
            "flag": f"a mean has no finite interval (heavy tail) under {', '.join(heavy)}",
        }
    rng = np.random.default_rng(seed)
    draws = means[None] + se[None] * rng.standard_normal((replicates, *means.shape))
    informed = np.einsum("w,rw->r", c, draws.max(axis=2))
    uninformed = np.einsum("w,rwk->rk", c, draws).max(axis=1)
    boot = np.maximum(informed - uninformed, 0.0)
    q_low, q_high = np.quantile(boot, [0.025, 0.975])
    return {
        "value": value,
        "low": float(q_low),
        "high": float(q_high),
        "method": "monte carlo",
        "flag": "",
    }


#: The decision rules across worldviews, in the order the report lists them.
RULES = ("expected value", "favourite worldview", "maximin", "minimax regret")


def decision_rules(components: Sequence[Component]) -> pd.DataFrame:
    """Find the choice under each rule for disagreement between worldviews.

    Parameters
    ----------
    components
        The worldviews; those with zero credence count for maximin and minimax regret
        (rules that ignore credences) but not for the others.

    Returns
    -------
    pandas.DataFrame
        One row per rule (:data:`RULES`): ``rule``, ``choice``, ``label``, ``criterion``
        (the chosen option's pooled mean, worst-case mean, or largest regret), ``runner_up``,
        ``runner_up_criterion``, ``detail`` (the favourite worldview's name, or the
        worldview where the worst case or largest regret occurs) and ``method`` (``exact``
        when every mean used is exact).
    """
    c = _weights(components)
    options = components[0].options
    means = np.stack([comp.mean for comp in components])  # (W, K)
    names = [comp.name for comp in components]
    method_all = "exact" if all(comp.exact for comp in components) else "monte carlo"
    used = c > 0
    method_used = (
        "exact"
        if all(comp.exact for comp, u in zip(components, used, strict=True) if u)
        else "monte carlo"
    )
    rows = []

    def row(rule: str, scores: np.ndarray, higher: bool, detail: list[str], method: str):
        order = np.argsort(-scores if higher else scores, kind="stable")
        best, second = int(order[0]), int(order[1]) if len(order) > 1 else int(order[0])
        rows.append(
            {
                "rule": rule,
                "choice": options[best],
                "label": label(options[best]),
                "criterion": float(scores[best]),
                "runner_up": options[second],
                "runner_up_criterion": float(scores[second]),
                "detail": detail[best],
                "method": method,
            }
        )

    pooled = c @ means
    row("expected value", pooled, True, [""] * len(options), method_used)
    favourite = int(np.argmax(c))
    row(
        "favourite worldview",
        means[favourite],
        True,
        [names[favourite]] * len(options),
        "exact" if components[favourite].exact else "monte carlo",
    )
    worst = means.min(axis=0)
    where_worst = [names[int(i)] for i in means.argmin(axis=0)]
    row("maximin", worst, True, where_worst, method_all)
    regret = means.max(axis=1, keepdims=True) - means
    largest = regret.max(axis=0)
    where_regret = [names[int(i)] for i in regret.argmax(axis=0)]
    row("minimax regret", largest, False, where_regret, method_all)
    return pd.DataFrame(rows)
