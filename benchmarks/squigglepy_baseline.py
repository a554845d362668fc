"""The reference for the throughput target: priors -> marginal values -> P(best), in squigglepy.

A plain squigglepy 0.30 script, as a user would write it without this project: each prior of a
worldview file becomes a squigglepy distribution, ``sq.sample`` draws ``n`` values of each,
the closed form of ``docs/model.md`` is evaluated with NumPy, and P(best) is counted. It reads the
worldview file so that both sides of the comparison use the same priors (the baseline's
families: uniform, log-uniform, normal and lognormal by 90% interval, beta, triangular, PERT).

    pip install -e ".[bench]"
    python benchmarks/squigglepy_baseline.py config/priors/baseline.yaml --n 1000000

Prints draws per second (median of ``--repeat`` runs) and the P(best) estimates.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np
import squigglepy as sq
import yaml


def distribution(spec: dict):
    """Return a squigglepy distribution (or a constant) for one prior entry."""
    family = spec["dist"]
    if family == "fixed":
        return float(spec["value"])
    if family == "uniform":
        return sq.uniform(spec["low"], spec["high"])
    if family == "loguniform":  # squigglepy has none: exponentiate a uniform on the log scale
        return ("exp", sq.uniform(math.log(spec["low"]), math.log(spec["high"])))
    if family == "normal":
        if "ci90" in spec:
            return sq.norm(*spec["ci90"])
        return sq.norm(mean=spec["mean"], sd=spec["sd"])
    if family == "lognormal":
        if "ci90" in spec:
            return sq.lognorm(*spec["ci90"])
        return sq.lognorm(norm_mean=spec["mu"], norm_sd=spec["sigma"])
    if family == "beta":
        low, high = spec.get("low", 0.0), spec.get("high", 1.0)
        return ("scale", sq.beta(spec["a"], spec["b"]), low, high)
    if family == "triangular":
        return sq.triangular(spec["low"], spec["mode"], spec["high"])
    if family == "pert":
        return sq.pert(spec["low"], spec["mode"], spec["high"], lam=spec.get("lamb", 4))
    raise NotImplementedError(f"no squigglepy mapping for {family!r}")


def draw(dist, n: int) -> np.ndarray:
    """``n`` samples of a distribution built by :func:`distribution`."""
    if isinstance(dist, float):
        return np.full(n, dist)
    if isinstance(dist, tuple) and dist[0] == "exp":
        return np.exp(sq.sample(dist[1], n=n))
    if isinstance(dist, tuple) and dist[0] == "scale":
        _, inner, low, high = dist
        return low + (high - low) * sq.sample(inner, n=n)
    return np.asarray(sq.sample(dist, n=n), dtype=np.float64)


def p_best(priors: dict, n: int) -> np.ndarray:
    """Sample every parameter, evaluate the closed form, return P(best) of a_V, a_CV, a_CnotV."""
    p = {name: draw(dist, n) for name, dist in priors.items()}
    gap = p["U_B"] - p["U_notB"]
    star = (
        p["db_dFV"]
        + p["db_dFCV"] * (p["p_CV"] - p["F_CV"]) / p["F_V"]
        - p["db_dFCnotV"] * (p["p_CnotV"] - p["F_CnotV"]) / (1 - p["F_V"])
    )
    a_v = (
        (gap * star + p["b"] * p["dUB_dFV"] + (1 - p["b"]) * p["dUnotB_dFV"])
        * p["F_I"]
        * p["dpV_daV"]
    )
    a_cv = gap * p["db_dFCV"] * p["p_V"] * p["F_I"] / p["F_V"] * p["dpCV_daCV"]
    a_cnotv = (
        gap * p["db_dFCnotV"] * (1 - p["p_V"]) * p["F_I"] / (1 - p["F_V"]) * p["dpCnotV_daCnotV"]
    )
    values = np.column_stack([a_v, a_cv, a_cnotv])
    return np.bincount(values.argmax(axis=1), minlength=3) / n


def main() -> None:
    """Time the script on a worldview file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("worldview")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with open(args.worldview, encoding="utf-8") as handle:
        specs = yaml.safe_load(handle)["parameters"]
    priors = {name: distribution(spec) for name, spec in specs.items()}
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        shares = p_best(priors, args.n)
        times.append(time.perf_counter() - start)
    rate = args.n / statistics.median(times)
    print(f"squigglepy {sq.__version__}: {rate:.4g} draws/s (median of {args.repeat}, n={args.n})")
    print("P(best) a_V, a_CV, a_CnotV:", np.round(shares, 4))


if __name__ == "__main__":
    main()
