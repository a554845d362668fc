r"""Coverage study of the Monte Carlo intervals of means and Sobol indices under heavy tails.

For each worldview and seed, runs the pipeline's in-memory analysis
(:func:`agi_interventions.api.analyse`, base size ``N = n / 2``, so ``n`` draws in the
design's ``A`` and ``B`` rows, the draws the ranking uses) and draws ``n`` independent
samples with :func:`agi_interventions.api.simulate`. For the means of ``a_V``, ``a_CV``,
``a_CnotV`` on both samples it records whether the exact mean (:mod:`agi_interventions.exact`)
lies inside

* the current normal-theory interval, ``mean +- 1.96 sd / sqrt(n)`` (``ranking.py``),
* :func:`agi_interventions.tails.mean_interval` (tail-fitted where a tail has
  ``k_hat >= 0.5``), and whether it is flagged,
* for comparison, the normal interval of Pareto-smoothed draws (Vehtari et al., 2024) and,
  with ``--bootstrap-t R``, a bootstrap-t interval,

and for S1 and ST of every parameter with exact ST >= 0.01 whether the exact index lies in
the pipeline's bootstrap interval, with the flag of
:func:`agi_interventions.tails.sobol_tail_check`. With ``--analytic-reps`` it also measures
the mean intervals on distributions with known means (Lomax, lognormal, Student t).
Prints coverage per worldview and output, flag rates and coverage among unflagged cases;
writes every case as CSV to ``--out``.

    python benchmarks/interval_coverage.py --seeds 200
    python benchmarks/interval_coverage.py --seeds 10 --means-only --worldviews \\
        config/priors/heavy_tailed.yaml
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from agi_interventions import api
from agi_interventions.exact import engine_for
from agi_interventions.parameters import INTERVENTIONS
from agi_interventions.priors import load_worldview
from agi_interventions.stats import z_value
from agi_interventions.tails import fit_tails, mean_interval, sobol_tail_check, tail_length

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORLDVIEWS = [
    ROOT / "config" / "priors" / name
    for name in ("heavy_tailed.yaml", "heavy_shapes.yaml", "baseline.yaml")
]
OUTPUTS = list(INTERVENTIONS)
#: Sobol indices are scored where the exact ST is at least this.
ST_MIN = 0.01
#: The issue's success criterion: coverage of unflagged cases at least this.
CRITERION = 0.90


# ----------------------------------------------------------------------------- intervals


def normal_interval(x: np.ndarray, conf_level: float = 0.95) -> tuple[float, float]:
    """Return the current interval, ``mean +- z sd / sqrt(n)``."""
    half = z_value(conf_level) * x.std(ddof=1) / np.sqrt(x.size)
    return x.mean() - half, x.mean() + half


def smoothed_interval(x: np.ndarray, conf_level: float = 0.95) -> tuple[float, float]:
    """Return the normal interval of Pareto-smoothed draws (tail draws set to GPD quantiles)."""
    left, right = fit_tails(x)
    y = np.sort(x)
    n, m = y.size, tail_length(x.size)
    p = (np.arange(m) + 0.5) / m
    for fit, sign in ((right, 1.0), (left, -1.0)):
        if not np.isfinite(fit.khat):
            continue
        k, s = fit.khat, fit.sigma
        quantiles = s * np.expm1(-k * np.log1p(-p)) / k if abs(k) > 1e-12 else -s * np.log1p(-p)
        if sign > 0:
            y[n - m :] = np.minimum(fit.threshold + quantiles, y[-1])
        else:
            y[:m] = np.maximum(fit.threshold - quantiles[::-1], y[0])
    return normal_interval(y, conf_level)


def bootstrap_t_interval(
    x: np.ndarray, resamples: int, seed: int, conf_level: float = 0.95
) -> tuple[float, float]:
    """Return the bootstrap-t (studentized) interval, with Poisson(1) resampling weights."""
    n = x.size
    rng = np.random.default_rng(seed)
    mean, se = x.mean(), x.std(ddof=1) / np.sqrt(n)
    weights = rng.poisson(1.0, size=(resamples, n)).astype(np.float64)
    total = weights.sum(axis=1)
    m1, m2 = weights @ x / total, weights @ (x * x) / total
    se_star = np.sqrt(np.maximum(m2 - m1 * m1, 0.0) / (total - 1.0))
    t = (m1 - mean) / se_star
    alpha = (1.0 - conf_level) / 2.0
    q_low, q_high = np.quantile(t, [alpha, 1.0 - alpha])
    return mean - q_high * se, mean - q_low * se


def mean_rows(
    x: np.ndarray, exact: float, bootstrap_t: int, seed: int
) -> dict[str, float | bool | str]:
    """Score every interval of one sample's mean against the exact mean."""
    result = mean_interval(x)
    intervals = {
        "normal": normal_interval(x),
        "new": (result.low, result.high),
        "smoothed": smoothed_interval(x),
    }
    if bootstrap_t:
        intervals["boot_t"] = bootstrap_t_interval(x, bootstrap_t, seed)
    row: dict[str, float | bool | str] = {
        "exact": exact,
        "mean": result.mean,
        "khat_left": result.diagnostic.khat_left,
        "khat_right": result.diagnostic.khat_right,
        "khat": result.diagnostic.khat,
        "flagged": result.flagged,
        "method": result.method,
    }
    for name, (low, high) in intervals.items():
        row[f"{name}_covered"] = bool(low <= exact <= high)
        row[f"{name}_above"] = bool(exact > high)
        row[f"{name}_width"] = high - low
    return row


# ----------------------------------------------------------------------------- study


def study_worldview(
    path: Path, seeds: Sequence[int], n: int, *, means_only: bool, bootstrap_t: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the study for one worldview; return (mean rows, Sobol rows)."""
    view = load_worldview(path)
    engine, reason = engine_for(view)
    if engine is None:
        raise ValueError(f"{path}: no exact values ({reason})")
    exact = {o: engine.mean(o) for o in OUTPUTS}
    means, sobol = [], []
    for seed in seeds:
        start = time.perf_counter()
        samples = {"iid": api.simulate(path, n, seed=seed, columns=OUTPUTS)}
        if not means_only:
            results = api.analyse(path, samples=n // 2, seed=seed, decision_analysis=False)
            samples["pipeline"] = results.draws[OUTPUTS]
            table = results["sobol"]
            for output in OUTPUTS:
                check = sobol_tail_check(samples["pipeline"][output].to_numpy())
                rows = table.loc[(table["output"] == output) & (table["ST_exact"] >= ST_MIN)]
                for index in ("S1", "ST"):
                    estimate, half = rows[index], rows[f"{index}_conf"]
                    truth = rows[f"{index}_exact"]
                    sobol.append(
                        pd.DataFrame(
                            {
                                "worldview": view.name,
                                "seed": seed,
                                "output": output,
                                "parameter": rows["parameter"],
                                "index": index,
                                "estimate": estimate,
                                "half_width": half,
                                "exact": truth,
                                "covered": (estimate - half <= truth) & (truth <= estimate + half),
                                "khat": check.khat,
                                "khat_square": check.khat_square,
                                "flagged": check.flagged,
                            }
                        )
                    )
        for sample, frame in samples.items():
            for output in OUTPUTS:
                x = frame[output].to_numpy(dtype=np.float64)
                row = mean_rows(x, exact[output], bootstrap_t, seed)
                row.update(worldview=view.name, seed=seed, draws=sample, output=output)
                means.append(row)
        print(f"{view.name} seed {seed}: {time.perf_counter() - start:.1f} s", flush=True)
    sobol_frame = pd.concat(sobol, ignore_index=True) if sobol else pd.DataFrame()
    return pd.DataFrame(means), sobol_frame


def analytic_study(reps: int, n: int, bootstrap_t: int) -> pd.DataFrame:
    """Score the mean intervals on distributions with known means (a row per draw set)."""

    def lomax(k: float) -> Callable[[np.random.Generator], np.ndarray]:
        return lambda rng: rng.pareto(1.0 / k, n)

    cases: dict[str, tuple[Callable[[np.random.Generator], np.ndarray], float]] = {
        f"Lomax k={k}": (lomax(k), 1.0 / (1.0 / k - 1.0)) for k in (0.3, 0.5, 0.6, 0.7)
    }
    for s in (1.5, 2.0, 2.5):
        cases[f"lognormal sigma={s}"] = (
            lambda rng, s=s: rng.lognormal(0.0, s, n),
            float(np.exp(s * s / 2.0)),
        )
    for df in (2.5, 1.8):
        cases[f"Student t df={df}"] = (lambda rng, df=df: rng.standard_t(df, n), 0.0)
    rows = []
    for number, (name, (draw, exact)) in enumerate(cases.items()):
        for rep in range(reps):
            x = draw(np.random.default_rng([rep, number, 2024]))
            row = mean_rows(x, exact, bootstrap_t, rep)
            row.update(distribution=name, seed=rep)
            rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- summaries


def criterion(unflagged: pd.Series, coverage: pd.Series) -> np.ndarray:
    """Return the issue's verdict: ``all flagged``, ``holds`` (unflagged >= 90%) or ``fails``."""
    return np.where(
        unflagged == 0, "all flagged", np.where(coverage >= CRITERION, "holds", "fails")
    )


def summarise_means(rows: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Summarise coverage of each interval, flag rate and coverage of unflagged cases."""
    methods = [c[: -len("_covered")] for c in rows.columns if c.endswith("_covered")]
    grouped = rows.groupby(list(by), sort=False)
    summary = grouped.agg(
        cases=("flagged", "size"),
        khat_median=("khat", "median"),
        flag_rate=("flagged", "mean"),
        **{f"{m}_coverage": (f"{m}_covered", "mean") for m in methods},
    )
    unflagged = rows.loc[~rows["flagged"]].groupby(list(by), sort=False)
    summary["unflagged"] = unflagged.size().reindex(summary.index).fillna(0).astype(int)
    for m in ("normal", "new"):
        summary[f"{m}_unflagged_coverage"] = unflagged[f"{m}_covered"].mean()
    ratio = rows["new_width"] / rows["normal_width"]
    summary["width_ratio_median"] = ratio.groupby([rows[c] for c in by], sort=False).median()
    summary["criterion"] = criterion(summary["unflagged"], summary["new_unflagged_coverage"])
    return summary.reset_index()


def summarise_sobol(rows: pd.DataFrame) -> pd.DataFrame:
    """Summarise S1/ST coverage per worldview, output and index; flags; worst parameter."""
    by = ["worldview", "output", "index"]
    grouped = rows.groupby(by, sort=False)
    summary = grouped.agg(
        cases=("covered", "size"),
        parameters=("parameter", "nunique"),
        coverage=("covered", "mean"),
        flag_rate=("flagged", "mean"),
        khat_square_median=("khat_square", "median"),
    )
    per_parameter = rows.groupby([*by, "parameter"], sort=False)["covered"].mean()
    summary["worst_parameter_coverage"] = per_parameter.groupby(level=by, sort=False).min()
    unflagged = rows.loc[~rows["flagged"]].groupby(by, sort=False)
    summary["unflagged"] = unflagged.size().reindex(summary.index).fillna(0).astype(int)
    summary["unflagged_coverage"] = unflagged["covered"].mean()
    summary["criterion"] = criterion(summary["unflagged"], summary["unflagged_coverage"])
    return summary.reset_index()


def show(title: str, frame: pd.DataFrame) -> None:
    """Print a summary table."""
    print(f"\n{title}")
    with pd.option_context("display.width", 250, "display.max_rows", 500):
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.3g}"))


def run(
    worldviews: Sequence[Path],
    seeds: Sequence[int],
    n: int,
    *,
    means_only: bool = False,
    bootstrap_t: int = 0,
    analytic_reps: int = 0,
) -> dict[str, pd.DataFrame]:
    """Run the whole study and return its case rows and summaries by name."""
    if n % 2 or n < 64:
        raise ValueError("n must be even and at least 64 (the design has n / 2 base points)")
    means, sobol = [], []
    for path in worldviews:
        m, s = study_worldview(path, seeds, n, means_only=means_only, bootstrap_t=bootstrap_t)
        means.append(m)
        sobol.append(s)
    out = {"means": pd.concat(means, ignore_index=True)}
    out["means_summary"] = summarise_means(out["means"], ["worldview", "draws", "output"])
    sobol_rows = [s for s in sobol if not s.empty]
    if sobol_rows:
        out["sobol"] = pd.concat(sobol_rows, ignore_index=True)
        out["sobol_summary"] = summarise_sobol(out["sobol"])
    if analytic_reps:
        out["analytic"] = analytic_study(analytic_reps, n, bootstrap_t)
        out["analytic_summary"] = summarise_means(out["analytic"], ["distribution"])
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """Run the study from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worldviews", nargs="+", type=Path, default=DEFAULT_WORLDVIEWS)
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=2**15, help="draws per mean (Sobol N = n / 2)")
    parser.add_argument("--means-only", action="store_true", help="skip the Sobol design")
    parser.add_argument("--bootstrap-t", type=int, default=0, metavar="R", help="resamples")
    parser.add_argument("--analytic-reps", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("interval_coverage"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("agi_interventions").setLevel(logging.ERROR)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    start = time.perf_counter()
    out = run(
        args.worldviews,
        seeds,
        args.n,
        means_only=args.means_only,
        bootstrap_t=args.bootstrap_t,
        analytic_reps=args.analytic_reps,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    for name, frame in out.items():
        frame.to_csv(args.out / f"{name}.csv", index=False)
        if name.endswith("summary"):
            show(name, frame)
    print(f"\n{time.perf_counter() - start:.0f} s; case rows in {args.out}/")


if __name__ == "__main__":
    main()
