r"""Coverage study of the nested and multilevel Monte Carlo value of information.

For each worldview and seed, compute the table of
:func:`agi_interventions.voi.nested.nested_value_of_information_table` (EVPI, every input's
EVPPI, every group's EVPPI) with the default settings and record whether the truth lies inside
the reported 95% interval. Reports, per worldview and per row whose true EVPPI is at least 2%
of the true EVPI, the coverage, the median ratio estimate / truth and the mean standard error
relative to EVPI, and the time per table.

Worldviews and their truths:

* ``heavy_tailed`` (``config/priors/heavy_tailed.yaml``): the exact engine; single inputs
  exactly, groups from exact conditional means with an outer Monte Carlo of ``2^22`` draws;
  EVPI from ``2^24`` draws with the heavy lognormal inputs drawn half from their size-biased
  priors and importance-weighted (:func:`size_biased_evpi`; plain draws miss the tail).
* ``consistent_by_construction`` (``config/priors/consistent_by_construction.yaml``, the
  ``rest_of_world`` structure, no exact engine): brute-force nested Monte Carlo, written here
  independently of the module, with inner samples at least 100 times the estimator's: one
  input, 128 stratified outer points, each with the same ``2^22`` inner draws (the estimator
  uses ``2^15``); a group, ``2^13`` outer draws, each with ``2^18`` inner draws (a cyclic
  block of the ``2^22``; 64 to 256 times the ``2^10`` to ``2^12`` inner draws of the
  estimator's finest level, see the results); EVPI, the mean over the ``2^22`` draws. Inputs
  whose EVPPI a rough screening puts below 1% of EVPI get no single-input truth.
* ``switch`` (built here): the baseline worldview plus a Bernoulli switch ``switch``
  (probability 0.3) choosing between two priors of ``dpV_daV``: the baseline's (``x0``) and
  ``dpV_daV_alt``, lognormal with 90% in [0.05, 0.5] (``x1``); the model sees
  ``dpV_daV = switch x1 + (1 - switch) x0``. Truth from two exact engines (the baseline's, and
  one with ``dpV_daV`` given the ``x1`` prior): given the switch, the model is a baseline
  model, so every conditional mean is the switch-weighted mix of the two engines' exact
  conditional means (single inputs: a ``2^20``-point midpoint rule in the quantile; groups and
  EVPI: ``2^22`` draws).

* ``bargaining`` (``config/priors/bargaining.yaml``, only with ``--worldviews bargaining``): the
  estimator at the pipeline's settings for it (``budget_settings``, sized by the game's
  declared cost), against brute-force nested Monte Carlo with ``2^19`` inner draws for EVPI,
  ``F_V``, ``g`` and ``bargaining_theory`` (each costs ``2^26`` evaluations of the game);
  groups by brute force with one set of ``2^17`` inner draws shared by every outer point
  (:func:`shared_inner_group_truth`: the game is solved once for groups without its inputs).

Truths are computed once and cached in ``benchmarks/nested_truth.json`` (a few numbers).

    python benchmarks/nested_evppi_coverage.py --seeds 20
    python benchmarks/nested_evppi_coverage.py --quick       # 2 seeds, a few rows
    python benchmarks/nested_evppi_coverage.py --worldviews bargaining --seeds 10 \
        --out benchmarks/RESULTS_nested_bargaining.md
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from agi_interventions.exact import ExactEngine
from agi_interventions.model import marginal_values
from agi_interventions.parameters import PARAMETERS
from agi_interventions.priors import Worldview, load_worldview, parse_prior
from agi_interventions.voi.nested import (
    NestedProblem,
    NestedSettings,
    budget_settings,
    nested_value_of_information_table,
    problem_from_worldview,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / "nested_truth.json"
RESULTS = HERE / "RESULTS_nested.md"
OPTIONS = ("a_V", "a_CV", "a_CnotV")
#: Rows below this share of EVPI are left out of the coverage summary.
THRESHOLD = 0.02
#: Probability of the switch and the alternative prior of dpV_daV in the switch worldview.
SWITCH_P = 0.3
ALT_PRIOR = {"dist": "lognormal", "ci90": [0.05, 0.5]}
TRUTH_SEED = 20240601

logger = logging.getLogger("nested_evppi_coverage")


# --------------------------------------------------------------------------- the switch worldview


@dataclasses.dataclass(frozen=True)
class SwitchCase:
    """The switch worldview: a problem, its groups and the two exact engines behind it."""

    problem: NestedProblem
    groups: dict[str, list[str]]
    engines: tuple[ExactEngine, ExactEngine]
    base: tuple[str, ...]


def switch_case() -> SwitchCase:
    """Build the switch worldview on the baseline priors."""
    worldview = load_worldview(ROOT / "config" / "priors" / "baseline.yaml")
    alt, problems = parse_prior("dpV_daV", ALT_PRIOR, PARAMETERS["dpV_daV"], "switch")
    if alt is None:
        raise ValueError(problems)
    alternative = dataclasses.replace(worldview, priors={**worldview.priors, "dpV_daV": alt})
    base = tuple(worldview.uncertain)
    priors = {**worldview.priors, "dpV_daV_alt": alt}
    names = (*base, "dpV_daV_alt", "switch")

    def sample(which: Sequence[str], n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        out = {}
        for name in which:
            if name == "switch":
                out[name] = (rng.random(n) < SWITCH_P).astype(np.float64)
            else:
                out[name] = priors[name].sample(n, rng)
        return out

    def ppf(name: str, u: np.ndarray) -> np.ndarray:
        return priors[name].ppf(u)

    def values(inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        columns = {n: inputs[n] for n in base}
        z = inputs["switch"]
        columns["dpV_daV"] = z * inputs["dpV_daV_alt"] + (1.0 - z) * inputs["dpV_daV"]
        out = marginal_values(columns)
        return np.column_stack([out[o] for o in OPTIONS])

    atoms = {"switch": (np.array([0.0, 1.0]), np.array([1.0 - SWITCH_P, SWITCH_P]))}
    problem = NestedProblem(names, sample, ppf, values, atoms, OPTIONS)
    groups = {g: list(m) for g, m in worldview.groups().items()}
    groups["tractabilities"] = [*groups["tractabilities"], "dpV_daV_alt"]
    groups["structure"] = ["switch", "dpV_daV_alt"]
    engines = (ExactEngine(worldview), ExactEngine(alternative))
    return SwitchCase(problem, groups, engines, base)


def switch_means(case: SwitchCase, given: Mapping[str, np.ndarray]) -> np.ndarray:
    """Exact ``E[V_k | X_S]`` in the switch worldview (``S`` the keys of ``given``)."""
    e0, e1 = case.engines
    values0 = {n: v for n, v in given.items() if n in case.base}
    values1 = {n: v for n, v in values0.items() if n != "dpV_daV"}
    if "dpV_daV_alt" in given:
        values1["dpV_daV"] = given["dpV_daV_alt"]
    size = len(next(iter(given.values())))

    def means(engine: ExactEngine, values: Mapping[str, np.ndarray]) -> np.ndarray:
        if not values:
            return np.tile([engine.mean(o) for o in OPTIONS], (size, 1))
        return np.column_stack([engine.conditional_mean(o, values) for o in OPTIONS])

    mu0, mu1 = means(e0, values0), means(e1, values1)
    if "switch" in given:
        z = given["switch"][:, None]
        return z * mu1 + (1.0 - z) * mu0
    return (1.0 - SWITCH_P) * mu0 + SWITCH_P * mu1


def switch_truth(
    case: SwitchCase,
    *,
    n_draws: int = 1 << 22,
    cells: int = 1 << 20,
    names: Sequence[str] | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """Exact single-input EVPPI, and group EVPPI and EVPI with a large outer Monte Carlo.

    Returns the truths and the Monte Carlo standard errors (0 where exact).
    """
    e0, e1 = case.engines
    overall = np.array([(1 - SWITCH_P) * e0.mean(o) + SWITCH_P * e1.mean(o) for o in OPTIONS])
    best = float(overall.max())
    truth: dict[str, float] = {}
    rng = np.random.default_rng(TRUTH_SEED)
    n, chunk = n_draws, min(n_draws, 1 << 18)
    draws = case.problem.sample(case.problem.names, n, rng)
    top = np.concatenate(
        [
            case.problem.values({k: v[s : s + chunk] for k, v in draws.items()}).max(axis=1)
            for s in range(0, n, chunk)
        ]
    )
    truth["EVPI"] = float(top.mean() - best)
    se = {"EVPI": float(top.std() / math.sqrt(n))}
    u = (np.arange(cells) + 0.5) / cells
    for name in case.problem.names if names is None else names:
        if name == "switch":
            atoms = np.array([0.0, 1.0])
            mu = switch_means(case, {"switch": atoms})
            truth[name] = float(np.array([1 - SWITCH_P, SWITCH_P]) @ mu.max(axis=1) - best)
        else:
            mu = switch_means(case, {name: case.problem.ppf(name, u)})
            truth[name] = float(mu.max(axis=1).mean() - best)
        se[name] = 0.0
    for group, members in case.groups.items():
        mu = switch_means(case, {m: draws[m] for m in members})
        gain = mu.max(axis=1) - best
        truth[group] = float(gain.mean())
        se[group] = float(gain.std() / math.sqrt(n))
    return truth, se


# --------------------------------------------------------------------------- exact truths


def exact_truth(worldview: Worldview) -> tuple[dict[str, float], dict[str, float]]:
    """Exact single-input EVPPI; groups (``2^22`` draws) by outer MC; EVPI (``2^24``) below."""
    engine = ExactEngine(worldview)
    options = list(OPTIONS)
    truth = {name: engine.evppi_parameter(options, name) for name in worldview.uncertain}
    se = {name: 0.0 for name in truth}
    for group, members in worldview.groups().items():
        truth[group], se[group] = engine.evppi_group(
            options, members, n_draws=1 << 22, seed=TRUTH_SEED
        )
    truth["EVPI"], se["EVPI"] = size_biased_evpi(engine, 1 << 24, TRUTH_SEED)
    return truth, se


def size_biased_evpi(engine: ExactEngine, n_draws: int, seed: int) -> tuple[float, float]:
    """EVPI by Monte Carlo with lognormal inputs drawn half from their size-biased priors.

    Written here independently of :mod:`agi_interventions.voi.nested`: every lognormal input
    with ``sigma >= 1`` is drawn from ``q = p / 2 + x p(x) / (2 E X)`` (a draw of the second
    component is a prior draw times ``exp(sigma^2)``) and each draw's gain
    ``max_k V_k - V_k0`` (``k0`` best by the exact means) is weighted by ``prod p / q``.
    Plain prior draws leave the gains' tail to a few draws in ten thousand (their ``k_hat``
    near 0.9), so a plain mean's standard error is not to be trusted there.
    """
    worldview = engine.worldview
    options = list(OPTIONS)
    k0 = engine.best_option(options)
    rng = np.random.default_rng(seed)
    total = total_sq = 0.0
    for start in range(0, n_draws, 1 << 20):
        size = min(1 << 20, n_draws - start)
        draws, log_w = {}, np.zeros(size)
        for name in worldview.uncertain:
            prior = worldview.priors[name]
            x = np.asarray(prior.sample(size, rng), dtype=np.float64)
            if prior.family == "lognormal" and float(prior.dist.kwds["s"]) >= 1.0:
                sigma, mean = float(prior.dist.kwds["s"]), float(prior.dist.mean())
                x = np.where(rng.random(size) < 0.5, x * math.exp(sigma**2), x)
                log_w -= np.log(0.5 + 0.5 * x / mean)
            draws[name] = x
        for name, prior in worldview.priors.items():
            if prior.is_fixed:
                draws[name] = np.full(size, float(prior.value))
        values = marginal_values(worldview.complete(draws))
        v = np.column_stack([values[o] for o in options])
        gain = (v.max(axis=1) - v[:, k0]) * np.exp(log_w)
        total += float(gain.sum())
        total_sq += float((gain * gain).sum())
    mean = total / n_draws
    return mean, math.sqrt(max(total_sq / n_draws - mean * mean, 0.0) / (n_draws - 1))


# --------------------------------------------------------------------------- brute force


def conditional_means(
    problem: NestedProblem,
    inner: Mapping[str, np.ndarray],
    fixed: Mapping[str, float],
    chunk: int,
) -> np.ndarray:
    """Mean option values over the inner draws with some inputs fixed, chunk by chunk."""
    size = len(next(iter(inner.values())))
    total = np.zeros(len(OPTIONS))
    for s in range(0, size, chunk):
        inputs = {k: v[s : s + chunk] for k, v in inner.items()}
        rows = len(next(iter(inputs.values())))
        inputs.update({name: np.full(rows, value) for name, value in fixed.items()})
        total += np.ones(rows) @ problem.values(inputs)
    return total / size


def group_gain(means: np.ndarray, weights: np.ndarray) -> tuple[float, np.ndarray]:
    """EVPPI from the conditional means at weighted outer points, and the per-point gains."""
    k0 = int(np.argmax(weights @ means))
    gain = means.max(axis=1) - means[:, k0]
    return float(weights @ gain), gain


def brute_force_truth(
    problem: NestedProblem,
    groups: Mapping[str, Sequence[str]],
    *,
    pool_size: int = 1 << 22,
    strata: int = 128,
    outer: int = 1 << 13,
    inner: int = 1 << 18,
    chunk: int = 1 << 16,
    names: Sequence[str] | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """Brute-force nested Monte Carlo truths (independent of the module's estimators).

    Returns the truths and rough standard errors (one input: half the difference of the two
    halves of the inner draws; group: the outer Monte Carlo error; EVPI: plain MC).
    """
    rng = np.random.default_rng(TRUTH_SEED)
    pool = problem.sample(problem.names, pool_size, rng)
    values = np.concatenate(
        [
            problem.values({k: v[s : s + chunk] for k, v in pool.items()})
            for s in range(0, pool_size, chunk)
        ]
    )
    overall = values.mean(axis=0)
    k0 = int(np.argmax(overall))
    gains = values.max(axis=1) - values[:, k0]
    truth = {"EVPI": float(gains.mean())}
    se = {"EVPI": float(gains.std() / math.sqrt(pool_size))}
    del values, gains
    half = pool_size // 2
    ones = np.ones(chunk)
    if names is None:  # screen: only inputs worth about 1% of EVPI or more get the full truth
        names = [n for n, v in screen(problem, pool, truth["EVPI"]).items() if v >= 0.01]
    for name in names:
        start = time.perf_counter()
        if name in problem.atoms:
            points, weights = problem.atoms[name]
        else:
            u = (np.arange(strata) + rng.random(strata)) / strata
            points, weights = problem.ppf(name, u), np.full(strata, 1.0 / strata)
        sums = np.zeros((2, len(points), len(OPTIONS)))
        for i, point in enumerate(points):
            for s in range(0, pool_size, chunk):
                inputs = {k: v[s : s + chunk] for k, v in pool.items()}
                inputs[name] = np.full(len(inputs[name]), point)
                sums[s // half, i] += ones[: len(inputs[name])] @ problem.values(inputs)
        full = (sums[0] + sums[1]) / pool_size
        halves = sums / half

        def evppi(mu: np.ndarray, w: np.ndarray = weights) -> float:
            return float(w @ mu.max(axis=1) - (w @ mu).max())

        truth[name] = evppi(full)
        se[name] = 0.5 * abs(evppi(halves[0]) - evppi(halves[1]))
        logger.info("truth %s: %.4g (%.0f s)", name, truth[name], time.perf_counter() - start)
    extended = {k: np.concatenate([v, v[:inner]]) for k, v in pool.items()}
    for group, members in groups.items():
        start = time.perf_counter()
        draws = problem.sample(list(members), outer, rng)
        starts = rng.integers(pool_size, size=outer)
        means = np.array(
            [
                conditional_means(
                    problem,
                    {k: v[starts[i] : starts[i] + inner] for k, v in extended.items()},
                    {m: draws[m][i] for m in members},
                    chunk,
                )
                for i in range(outer)
            ]
        )
        truth[group], gain = group_gain(means, np.full(outer, 1.0 / outer))
        se[group] = float(gain.std() / math.sqrt(outer))
        logger.info("truth %s: %.4g (%.0f s)", group, truth[group], time.perf_counter() - start)
    return truth, se


def shared_inner_group_truth(
    problem: NestedProblem,
    groups: Mapping[str, Sequence[str]],
    *,
    inner: int = 1 << 17,
    outer: int = 1 << 12,
    costly_outer: int = 1 << 10,
    chunk: int = 1 << 16,
) -> tuple[dict[str, float], dict[str, float]]:
    """Group truths by brute force with one set of inner draws shared by every outer point.

    For a model with a costly derivation of some inputs (the bargaining game): the inner
    draws of the derivation's inputs are the same at every outer point of a group that does
    not contain them, so the derivation is solved once per chunk and then reused (its cache),
    and only the closed-form model runs per outer point. A group containing a costly input
    pays the derivation per outer point, so it gets ``costly_outer`` points instead of
    ``outer``. A group of one discrete input is summed over its atoms exactly. The standard
    error is the outer Monte Carlo error (0 over atoms); the inner draws' error (an upward
    bias of order 1 / ``inner``) is not in it.
    """
    rng = np.random.default_rng(TRUTH_SEED + 2)
    pool = problem.sample(problem.names, inner, rng)
    truth, se = {}, {}
    for group, members in groups.items():
        start = time.perf_counter()
        if len(members) == 1 and members[0] in problem.atoms:
            points, weights = problem.atoms[members[0]]
            draws = {members[0]: np.asarray(points, dtype=np.float64)}
        else:
            count = costly_outer if set(members) & set(problem.batched) else outer
            draws = problem.sample(list(members), count, rng)
            weights = np.full(count, 1.0 / count)
        means = np.array(
            [
                conditional_means(problem, pool, {m: draws[m][i] for m in members}, chunk)
                for i in range(len(weights))
            ]
        )
        truth[group], gain = group_gain(means, weights)
        atoms = len(members) == 1 and members[0] in problem.atoms
        se[group] = 0.0 if atoms else float(gain.std() / math.sqrt(len(weights)))
        logger.info(
            "truth %s: %.4g ± %.2g (%d outer points, %.0f s)",
            group,
            truth[group],
            se[group],
            len(weights),
            time.perf_counter() - start,
        )
    return truth, se


def screen(
    problem: NestedProblem, pool: Mapping[str, np.ndarray], evpi: float, size: int = 1 << 17
) -> dict[str, float]:
    """Rough EVPPI / EVPI of every input (32 strata, ``size`` inner draws) to pick the rows."""
    rng = np.random.default_rng(TRUTH_SEED + 1)
    inner = {k: v[:size] for k, v in pool.items()}
    ones = np.ones(size)
    out = {}
    for name in problem.names:
        if name in problem.atoms:
            points, weights = problem.atoms[name]
        else:
            points = problem.ppf(name, (np.arange(32) + rng.random(32)) / 32)
            weights = np.full(32, 1 / 32)
        mu = np.array(
            [ones @ problem.values({**inner, name: np.full(size, p)}) / size for p in points]
        )
        out[name] = float(weights @ mu.max(axis=1) - (weights @ mu).max()) / evpi
        logger.info("screen %s: %.3f of EVPI", name, out[name])
    return out


# --------------------------------------------------------------------------- cases


@dataclasses.dataclass(frozen=True)
class Case:
    """A worldview of the study: its problem, groups and how to get its truth."""

    name: str
    problem: NestedProblem
    groups: dict[str, list[str]]
    truth: Callable[[], tuple[dict[str, float], dict[str, float]]]
    method: str
    #: Estimator settings (default: :class:`NestedSettings`, as in the coverage tables).
    settings: NestedSettings | None = None
    #: Whether a run without ``--worldviews`` includes the case.
    default: bool = True
    #: Truths of groups computed apart from ``truth`` (added to a cached case when missing).
    group_truth: Callable[[], tuple[dict[str, float], dict[str, float]]] | None = None
    group_method: str = ""


def cases() -> list[Case]:
    """Return the worldviews of the study: three by default, and ``bargaining`` on request."""
    out = []
    consistent = load_worldview(ROOT / "config" / "priors" / "consistent_by_construction.yaml")
    problem = problem_from_worldview(consistent, consistent.complete)
    groups = {g: list(m) for g, m in consistent.groups().items()}
    out.append(
        Case(
            "consistent_by_construction",
            problem,
            groups,
            lambda p=problem, g=groups: brute_force_truth(p, g),
            "brute-force nested Monte Carlo (one input: 128 stratified outer points, each "
            "with the same 2^22 inner draws, 128x the estimator's 2^15; group: 2^13 outer "
            "draws, each with 2^18 inner draws; EVPI: 2^22 draws)",
        )
    )
    heavy = load_worldview(ROOT / "config" / "priors" / "heavy_tailed.yaml")
    out.append(
        Case(
            "heavy_tailed",
            problem_from_worldview(heavy, heavy.complete),
            {g: list(m) for g, m in heavy.groups().items()},
            lambda w=heavy: exact_truth(w),
            "exact engine (groups: exact conditional means, outer MC of 2^22 draws; EVPI: "
            "2^24 draws with the heavy lognormal inputs drawn half from their size-biased "
            "priors, importance-weighted)",
        )
    )
    switch = switch_case()
    out.append(
        Case(
            "switch",
            switch.problem,
            switch.groups,
            lambda c=switch: switch_truth(c),
            "two exact engines mixed by the switch (groups, EVPI: large outer MC)",
        )
    )
    # the shipped bargaining worldview at the pipeline's settings (sized by the game's
    # declared cost); a few rows only: each truth row costs 2^26 evaluations of the game
    bargaining = load_worldview(ROOT / "config" / "priors" / "bargaining.yaml")
    problem = problem_from_worldview(bargaining, bargaining.complete)
    groups = {g: list(m) for g, m in bargaining.groups().items()}
    out.append(
        Case(
            "bargaining",
            problem,
            groups,
            lambda p=problem: brute_force_truth(
                p, {}, pool_size=1 << 19, names=["F_V", "g", "bargaining_theory"]
            ),
            "brute-force nested Monte Carlo (EVPI: 2^19 draws; F_V, g, bargaining_theory: "
            "128 stratified outer points or the 3 atoms, each with the same 2^19 inner "
            "draws, 512x the estimator's 2^10)",
            budget_settings(bargaining.structure.relative_cost),
            default=False,
            group_truth=lambda p=problem, g=groups: shared_inner_group_truth(p, g),
            group_method=(
                "groups: brute-force nested Monte Carlo with the same 2^17 inner draws (128x "
                "the estimator's 2^10) at every outer point: 2^12 outer draws, 2^10 for a group "
                "with an input of the game, the 3 atoms for the theory alone"
            ),
        )
    )
    return out


def truths(selected: Sequence[Case]) -> dict[str, dict[str, dict[str, float]]]:
    """Load the cached truths, computing and caching the missing ones."""
    cache = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    for case in selected:
        start = time.perf_counter()
        if case.name not in cache:
            logger.info("computing the truth of %s (%s)", case.name, case.method)
            value, se = case.truth()
            cache[case.name] = {"method": case.method, "truth": value, "truth_se": se}
            CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
        entry = cache[case.name]
        if case.group_truth is not None and not set(case.groups) <= set(entry["truth"]):
            logger.info("computing the group truths of %s (%s)", case.name, case.group_method)
            value, se = case.group_truth()
            entry["truth"].update(value)
            entry["truth_se"].update(se)
            entry["method"] = f"{case.method}; {case.group_method}"
            CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
        logger.info("truth of %s: %.0f s", case.name, time.perf_counter() - start)
    return cache


# --------------------------------------------------------------------------- the study


def study(case: Case, truth: Mapping[str, float], seeds: Sequence[int]) -> pd.DataFrame:
    """Run the table for each seed; one row per (seed, table row) with the truth."""
    frames = []
    for seed in seeds:
        wall, cpu = time.perf_counter(), time.process_time()
        table = nested_value_of_information_table(
            case.problem, case.groups, seed=seed, settings=case.settings
        )
        table["wall_s"] = time.perf_counter() - wall
        table["cpu_s"] = time.process_time() - cpu
        table["seed"] = seed
        table["worldview"] = case.name
        table["truth"] = table["name"].map(truth)
        table["evpi_truth"] = truth["EVPI"]
        frames.append(table)
        print(f"{case.name} seed {seed}: {table['cpu_s'].iloc[0]:.1f} s cpu", flush=True)
    return pd.concat(frames, ignore_index=True)


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Coverage, median ratio and error per worldview and row worth >= 2% of EVPI."""
    rows = rows.assign(
        covered=(rows["ci_low"] <= rows["truth"]) & (rows["truth"] <= rows["ci_high"]),
        ratio=rows["value"] / rows["truth"],
        se_evpi=rows["se"] / rows["evpi_truth"],
    )
    kept = rows[rows["truth"] >= THRESHOLD * rows["evpi_truth"]]
    return (
        kept.groupby(["worldview", "kind", "name"], sort=False)
        .agg(
            truth=("truth", "first"),
            truth_evpi=(
                "truth",
                lambda t: float(t.iloc[0] / kept.loc[t.index, "evpi_truth"].iloc[0]),
            ),
            coverage=("covered", "mean"),
            median_ratio=("ratio", "median"),
            se_evpi=("se_evpi", "mean"),
            seeds=("seed", "nunique"),
        )
        .reset_index()
    )


def markdown(
    summary: pd.DataFrame,
    rows: pd.DataFrame,
    command: str,
    cache: Mapping,
    settings: Mapping[str, NestedSettings | None] | None = None,
) -> str:
    """Return the results file's text.

    ``settings`` gives a case's estimator settings where they are not the default.
    """
    settings = settings or {}
    lines = [
        "# Nested and multilevel Monte Carlo value of information: coverage",
        "",
        f"Produced by `{command}` (estimator settings: the default `NestedSettings` unless a "
        "worldview's section says otherwise; truths cached in `benchmarks/nested_truth.json`).",
        "",
        "Per worldview, every row (EVPI, single input, group) whose true value is at least "
        f"{THRESHOLD:.0%} of the true EVPI: how often the 95% interval held the truth, the "
        "median of estimate / truth and the mean standard error relative to the true EVPI. "
        "Targets: coverage >= 90%, median ratio in [0.9, 1.1].",
        "",
    ]
    rows = rows.assign(
        z=(rows["value"] - rows["truth"]) / rows["se"],
        covered=(rows["ci_low"] <= rows["truth"]) & (rows["truth"] <= rows["ci_high"]),
    )
    kept = rows[rows["truth"] >= THRESHOLD * rows["evpi_truth"]]
    pooled = kept.groupby(["worldview", "kind"], sort=False).agg(
        estimates=("z", "size"),
        coverage=("covered", "mean"),
        mean_z=("z", "mean"),
        sd_z=("z", "std"),
    )
    lines += [
        "Pooled over those rows and seeds: the standardised error `z = (estimate - truth) / se` "
        "(mean 0 and sd 1 if the estimate is unbiased and `se` right; rows of one seed share "
        "the pool, so they are not independent).",
        "",
        "| worldview | kind | estimates | coverage | mean z | sd z |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for (worldview, kind), r in pooled.iterrows():
        lines.append(
            f"| {worldview} | {kind} | {int(r.estimates)} | {r.coverage:.1%} | {r.mean_z:+.2f} | "
            f"{r.sd_z:.2f} |"
        )
    seeds = int(rows["seed"].nunique())
    lines += [
        "",
        f"With {seeds} seeds a row's coverage has a binomial standard deviation of about "
        f"{100 * math.sqrt(0.95 * 0.05 / seeds):.0f} points at 95%: one row in ten at "
        f"{0.95 - 2 * math.sqrt(0.95 * 0.05 / seeds):.0%} or below is expected by chance alone.",
        "",
    ]
    for worldview, part in summary.groupby("worldview", sort=False):
        lines += [f"## {worldview}", "", f"Truth: {cache[worldview]['method']}.", ""]
        if settings.get(worldview) is not None:
            lines += [f"Estimator settings: `{settings[worldview]}`.", ""]
        timing = rows[rows["worldview"] == worldview].groupby("seed")[["cpu_s", "wall_s"]].first()
        lines += [
            f"Table of {int((rows['worldview'] == worldview).sum() / timing.shape[0])} rows: "
            f"median {timing['cpu_s'].median():.1f} s CPU ({timing['wall_s'].median():.1f} s "
            "wall) per seed.",
            "",
            "| kind | name | truth / EVPI | truth se / EVPI | coverage | median ratio | "
            "se / EVPI | seeds |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        truth_se = cache[worldview].get("truth_se", {})
        evpi = cache[worldview]["truth"]["EVPI"]
        for r in part.itertuples():
            flag = "" if r.coverage >= 0.9 and 0.9 <= r.median_ratio <= 1.1 else " ✗"
            tse = truth_se.get(r.name)
            tse_text = "" if tse is None else f"{tse / evpi:.4f}"
            lines.append(
                f"| {r.kind} | {r.name} | {r.truth_evpi:.3f} | {tse_text} | "
                f"{r.coverage:.0%}{flag} | {r.median_ratio:.3f} | {r.se_evpi:.4f} | {r.seeds} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the study and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="2 seeds, switch worldview only")
    parser.add_argument("--worldviews", nargs="*", default=None)
    parser.add_argument("--csv", type=Path, default=None, help="also write every row")
    parser.add_argument("--no-write", action="store_true", help="do not write the results")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file to write")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    selected = cases()
    if args.quick:
        selected = [c for c in selected if c.name == "switch"]
        args.seeds = 2
    elif args.worldviews:
        selected = [c for c in selected if c.name in args.worldviews]
    else:
        selected = [c for c in selected if c.default]
    cache = truths(selected)
    rows = pd.concat(
        [study(c, cache[c.name]["truth"], range(args.seeds)) for c in selected],
        ignore_index=True,
    )
    summary = summarise(rows)
    print(summary.to_string())
    if args.csv:
        rows.to_csv(args.csv, index=False)
    if not args.no_write and not args.quick:
        command = "python benchmarks/nested_evppi_coverage.py " + " ".join(
            a for a in (argv if argv is not None else sys.argv[1:])
        )
        text = markdown(
            summary, rows, command.strip(), cache, {c.name: c.settings for c in selected}
        )
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
