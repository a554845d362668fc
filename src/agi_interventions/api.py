"""Plain Monte Carlo for notebooks: independent prior draws, the model's outputs, a ranking.

    >>> from agi_interventions import api
    >>> draws = api.simulate("config/priors/baseline.yaml", n=1_000_000, seed=1)
    >>> api.rank(draws)

No Sobol design is involved: :func:`simulate` draws ``n`` independent samples from the priors
with NumPy's generators (each family sampled directly, not through an inverse CDF, except
``truncnormal``), in batches small enough to stay in the processor's cache (model evaluation
costs about 11 ns per draw there, 160 ns out of it), each batch from its own stream derived
from the seed, on a few threads (NumPy releases the GIL while filling arrays). The result
depends only on ``(worldview, n, seed)``, never on the number of threads.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from agi_interventions.model import marginal_values
from agi_interventions.parameters import INTERVENTIONS, OUTPUTS
from agi_interventions.population import fractions_from_rest_of_world
from agi_interventions.priors import Prior, Worldview, load_worldview

__all__ = ["rank", "simulate"]

#: Draws per batch (each batch has its own random stream).
BATCH = 2**14

Sampler = Callable[[np.random.Generator, int], np.ndarray]


def _sampler(prior: Prior) -> Sampler:
    """Return a direct NumPy sampler for one prior (the distribution of its inverse CDF)."""
    a = prior.args
    family = prior.family
    if prior.is_fixed:
        value = float(prior.value)  # type: ignore[arg-type]
        return lambda rng, n: np.full(n, value)
    if family == "uniform":
        low, width = float(a["low"]), float(a["high"]) - float(a["low"])
        return lambda rng, n: low + width * rng.random(n)
    if family == "loguniform":
        log_low = math.log(a["low"])
        log_width = math.log(a["high"]) - log_low
        return lambda rng, n: np.exp(log_low + log_width * rng.random(n))
    if family in ("normal", "lognormal"):
        loc, scale = float(prior.dist.mean()), float(prior.dist.std())
        if family == "lognormal":
            loc, scale = math.log(float(prior.dist.kwds["scale"])), float(prior.dist.kwds["s"])
            return lambda rng, n: np.exp(loc + scale * rng.standard_normal(n))
        return lambda rng, n: loc + scale * rng.standard_normal(n)
    if family in ("beta", "pert"):
        shape_a, shape_b = prior.dist.args
        loc, scale = float(prior.dist.kwds["loc"]), float(prior.dist.kwds["scale"])
        return lambda rng, n: loc + scale * rng.beta(shape_a, shape_b, n)
    if family == "triangular":
        low, mode, high = (float(a[k]) for k in ("low", "mode", "high"))
        return lambda rng, n: rng.triangular(low, mode, high, n)
    # truncnormal and anything else: the prior's inverse CDF of uniforms (clipped to support)
    return lambda rng, n: prior.ppf(rng.random(n))


def simulate(
    worldview: Worldview | str | Path, n: int, seed: int, threads: int = 2
) -> pd.DataFrame:
    """Draw ``n`` independent prior samples and evaluate the model on them.

    Parameters
    ----------
    worldview
        A validated worldview or the path of a prior file.
    n
        Number of draws.
    seed
        Seed; equal seeds give identical frames whatever ``threads`` is.
    threads
        Worker threads.

    Returns
    -------
    pandas.DataFrame
        One row per draw: every input (and, under the rest-of-world parametrisation, the
        derived fractions) and every model output (``a_V``, ``a_CV``, ``a_CnotV``, the
        alignment channels, ``U``).
    """
    if not isinstance(worldview, Worldview):
        worldview = load_worldview(worldview)
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    samplers = {name: _sampler(prior) for name, prior in worldview.priors.items()}
    names = list(samplers)
    if worldview.parametrisation == "rest_of_world":
        names += ["F_V", "F_CV", "F_CnotV"]
    columns = {name: np.empty(n) for name in (*names, *OUTPUTS)}
    starts = list(range(0, n, BATCH))
    streams = np.random.SeedSequence(seed).spawn(len(starts))

    def fill(job: tuple[int, np.random.SeedSequence]) -> None:
        start, stream = job
        stop = min(n, start + BATCH)
        rng = np.random.default_rng(stream)
        inputs = {name: sample(rng, stop - start) for name, sample in samplers.items()}
        if worldview.parametrisation == "rest_of_world":
            inputs.update(fractions_from_rest_of_world(inputs))
        outputs = marginal_values(inputs)
        for name in names:
            columns[name][start:stop] = inputs[name]
        for name in OUTPUTS:
            columns[name][start:stop] = outputs[name]

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        list(pool.map(fill, zip(starts, streams, strict=True)))
    return pd.DataFrame(columns, copy=False)


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
