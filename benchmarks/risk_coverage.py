r"""Coverage study of the bootstrap intervals of the risk rules (:mod:`agi_interventions.risk`).

For each worldview: a truth per rule, setting and intervention from ``--truth-n`` plain Monte
Carlo draws (``api.simulate`` with a fixed seed), with its own Monte Carlo error estimated from
``--pieces`` independent pieces of those draws (standard deviation of the pieces' estimates
over sqrt(pieces)) and from the difference of the two halves; for the expected value the exact
mean of the exact engine replaces the Monte Carlo truth where it applies. Then, for
``--seeds`` independent samples of ``--n`` draws (seeds 1000, 1001, ...), the intervals of
every kind in ``risk.INTERVALS`` (from one set of ``--bootstrap`` multinomial resamples per
sample, as ``risk_table`` makes them; ``studentized`` with influence-function standard
errors) and, with ``--m-fraction``, the m-out-of-n bootstrap (resamples of
``m = fraction * n`` draws, spread scaled by ``sqrt(m / n)``): how often each holds the truth,
per rule, setting and intervention, and the worst case. Writes a markdown report.

    nice -n 10 python benchmarks/risk_coverage.py --seeds 200 --n 32768 \\
        --truth-n 10000000 --out benchmarks/RESULTS_risk.md \\
        config/priors/baseline.yaml config/priors/heavy_tailed.yaml
"""

from __future__ import annotations

import argparse
import itertools
import math
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from agi_interventions import api
from agi_interventions.parameters import INTERVENTIONS
from agi_interventions.priors import load_worldview
from agi_interventions.risk import INTERVALS, bootstrap_intervals, risk_replicates

COLUMNS = list(INTERVENTIONS)
KEYS = ["rule", "setting", "setting_value", "intervention"]
TRUTH_SEED = 20_261_204
FIRST_SAMPLE_SEED = 1000


def point_estimates(matrix: np.ndarray) -> pd.DataFrame:
    """Every rule at every preset on the columns of ``matrix`` (no bootstrap)."""
    frame = pd.DataFrame(matrix, columns=COLUMNS, copy=False)
    return risk_replicates(frame, seed=0, n_bootstrap=0).rows


def exact_means(path: Path) -> dict[str, float]:
    """Exact means of the interventions where the exact engine applies (else empty)."""
    try:
        from agi_interventions.exact import ExactEngine

        engine = ExactEngine(load_worldview(path))
        return {c: float(engine.mean(c)) for c in COLUMNS}
    except Exception as error:  # the engine does not apply, or is being changed
        print(f"exact means unavailable for {path.name}: {error}", flush=True)
        return {}


def truth_table(path: Path, truth_n: int, pieces: int) -> pd.DataFrame:
    """Truth per rule, setting and intervention, with its Monte Carlo error."""
    start = time.perf_counter()
    draws = api.simulate(path, n=truth_n, seed=TRUTH_SEED, columns=COLUMNS)
    matrix = draws.to_numpy(dtype=np.float64)
    del draws
    finite = np.isfinite(matrix).all(axis=1)
    matrix = matrix[finite]
    truth = point_estimates(matrix)
    bounds = np.linspace(0, matrix.shape[0], pieces + 1).astype(int)
    parts = np.column_stack(
        [point_estimates(matrix[lo:hi])["value"] for lo, hi in itertools.pairwise(bounds)]
    )
    half = matrix.shape[0] // 2
    first, second = point_estimates(matrix[:half]), point_estimates(matrix[half:])
    truth = truth.rename(columns={"value": "truth", "n": "truth_n"})
    truth["truth_se"] = parts.std(axis=1, ddof=1) / math.sqrt(pieces)
    truth["half_difference"] = (first["value"] - second["value"]).abs()
    exact = exact_means(path)
    truth["exact_mean"] = [
        exact.get(i, np.nan) if r == "ev" else np.nan
        for r, i in zip(truth["rule"], truth["intervention"], strict=True)
    ]
    truth["monte_carlo_truth"] = truth["truth"]
    exact_rows = truth["exact_mean"].notna()
    truth.loc[exact_rows, "truth"] = truth.loc[exact_rows, "exact_mean"]
    print(
        f"{path.name}: truth from {matrix.shape[0]} draws "
        f"({int((~finite).sum())} non-finite left out) in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    return truth


def coverage_runs(
    path: Path,
    truth: pd.DataFrame,
    seeds: range,
    n: int,
    n_bootstrap: int,
    m_fraction: float | None,
    conf_level: float,
) -> pd.DataFrame:
    """One row per (seed, rule, setting, intervention, interval kind)."""
    view = load_worldview(path)
    frames = []
    for seed in seeds:
        start = time.perf_counter()
        draws = api.simulate(view, n=n, seed=seed, columns=COLUMNS)
        kinds: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        full = risk_replicates(draws, seed=seed, n_bootstrap=n_bootstrap, studentize=True)
        estimate = full.rows["value"].to_numpy()
        for kind in INTERVALS:
            kinds[kind] = bootstrap_intervals(
                estimate,
                full.replicates,
                conf_level=conf_level,
                interval=kind,
                estimate_se=full.estimate_se,
                replicate_se=full.replicate_se,
            )
        if m_fraction is not None:
            m = max(2, round(m_fraction * full.rows["n"].iloc[0]))
            small = risk_replicates(draws, seed=seed, n_bootstrap=n_bootstrap, resample_size=m)
            scale = math.sqrt(m / full.rows["n"].iloc[0])
            for kind in ("basic", "percentile"):
                kinds[f"{kind}, m = {m_fraction:g} n"] = bootstrap_intervals(
                    estimate,
                    small.replicates,
                    conf_level=conf_level,
                    interval=kind,
                    scale=scale,
                )
        rows = full.rows[KEYS].merge(truth, on=KEYS, how="left", validate="one_to_one")
        for kind, (low, high, se) in kinds.items():
            frame = rows[[*KEYS, "truth"]].copy()
            frame["estimate"] = estimate
            frame["kind"] = kind
            frame["low"], frame["high"], frame["se"] = low, high, se
            frame["seed"] = seed
            frames.append(frame)
        print(f"{path.name} seed {seed}: {time.perf_counter() - start:.1f} s", flush=True)
    runs = pd.concat(frames, ignore_index=True)
    runs["covered"] = (runs["low"] <= runs["truth"]) & (runs["truth"] <= runs["high"])
    runs["truth_below"] = runs["truth"] < runs["low"]
    runs["half_width"] = (runs["high"] - runs["low"]) / 2.0
    return runs


def _keys(frame: pd.DataFrame) -> pd.Series:
    """One string per row naming its rule, setting and intervention."""
    parts = zip(*(frame[k] for k in KEYS), strict=True)
    return pd.Series(["|".join(map(str, p)) for p in parts], index=frame.index)


def summarise(runs: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Coverage per rule, setting and intervention (one column per interval kind)."""
    kinds = list(dict.fromkeys(runs["kind"]))
    row_key = _keys(truth)
    runs = runs.assign(key=_keys(runs).to_numpy())
    table = truth.copy()
    for kind in kinds:
        chosen = runs.loc[runs["kind"] == kind].groupby("key", sort=False)
        table[kind] = row_key.map(chosen["covered"].mean()).to_numpy()
        if kind == "percentile":
            table["median_half_width"] = row_key.map(chosen["half_width"].median()).to_numpy()
            table["percentile_truth_below"] = row_key.map(chosen["truth_below"].mean())
            table["runs"] = row_key.map(chosen.size())
    table["truth_se_over_half_width"] = table["truth_se"] / table["median_half_width"]
    return table


def _setting(row: pd.Series) -> str:
    if not row["setting"]:
        return ""
    return f"{row['setting']} = {row['setting_value']:g}"


def markdown(
    tables: dict[str, pd.DataFrame], kinds: list[str], args: argparse.Namespace, seconds: float
) -> str:
    """Write the report: settings, one coverage table per worldview, worst cases."""
    lines = [
        "# Coverage of the risk rules' bootstrap intervals",
        "",
        f"Machine: 2-core build machine (shared), {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, NumPy {np.__version__}. "
        f"Total time {seconds / 60:.0f} min.",
        "",
        "Command:",
        "",
        "```",
        "nice -n 10 python benchmarks/risk_coverage.py "
        f"--seeds {args.seeds} --n {args.n} --truth-n {args.truth_n} "
        f"--bootstrap {args.bootstrap} --pieces {args.pieces}"
        + (f" --m-fraction {args.m_fraction:g}" if args.m_fraction is not None else "")
        + f" --out {args.out.as_posix()} "
        + " ".join(p.as_posix() for p in args.worldviews),
        "```",
        "",
        f"Nominal level {args.conf_level:g}; {args.seeds} independent samples of n = {args.n} "
        f"draws each (seeds {FIRST_SAMPLE_SEED}..{FIRST_SAMPLE_SEED + args.seeds - 1}), "
        f"{args.bootstrap} resamples each. With {args.seeds} samples a true coverage of 0.95 "
        f"is observed within +-{2 * math.sqrt(0.95 * 0.05 / args.seeds):.3f} (two binomial "
        "standard errors).",
        "",
        f"Truth: the rule on {args.truth_n:.3g} draws (seed {TRUTH_SEED}). `truth SE`: the "
        f"standard deviation of the rule over {args.pieces} independent pieces of those draws "
        f"over sqrt({args.pieces}); `|halves|`: the difference between the rule on the two "
        "halves; `SE/hw`: truth SE over the median half-width of the percentile interval "
        "(how much the truth's own error can move the coverage). For `ev` the truth is the "
        "exact mean of the exact engine where it applies (the Monte Carlo truth beside it).",
        "",
    ]
    for name, table in tables.items():
        lines += [f"## {name}", ""]
        header = ["rule", "setting", "intervention", "truth", "truth SE", "|halves|", "SE/hw"]
        header += [*kinds, "truth below (percentile)"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for _, row in table.iterrows():
            cells = [
                row["rule"],
                _setting(row),
                row["intervention"],
                (
                    f"{row['truth']:.4g} exact (MC {row['monte_carlo_truth']:.4g})"
                    if np.isfinite(row["exact_mean"])
                    else f"{row['truth']:.4g}"
                ),
                f"{row['truth_se']:.2g}",
                f"{row['half_difference']:.2g}",
                f"{row['truth_se_over_half_width']:.2f}",
            ]
            cells += [f"{row[k]:.3f}" for k in kinds]
            cells.append(f"{row['percentile_truth_below']:.3f}")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        worst = {k: table.loc[table[k].idxmin()] for k in kinds}
        lines.append(
            "Worst case per interval kind: "
            + "; ".join(
                f"{k} {w[k]:.3f} ({w['rule']} {_setting(w)} {w['intervention']})".replace(
                    "  ", " "
                )
                for k, w in worst.items()
            )
            + "."
        )
        lines.append("")
    every = pd.concat(tables.values(), ignore_index=True)
    lines += ["## All worldviews", "", "| interval | mean coverage | worst | below 0.90 |"]
    lines.append("|---|---|---|---|")
    for k in kinds:
        lines.append(
            f"| {k} | {every[k].mean():.3f} | {every[k].min():.3f} | "
            f"{int((every[k] < 0.90).sum())} of {len(every)} |"
        )
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    """Run the study from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("worldviews", nargs="+", type=Path)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--n", type=int, default=32_768)
    parser.add_argument("--truth-n", type=int, default=10_000_000)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--pieces", type=int, default=10)
    parser.add_argument("--m-fraction", type=float, default=None)
    parser.add_argument("--conf-level", type=float, default=0.95)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/RESULTS_risk.md"))
    parser.add_argument("--csv", type=Path, default=None, help="also write every run's rows")
    args = parser.parse_args()
    start = time.perf_counter()
    seeds = range(FIRST_SAMPLE_SEED, FIRST_SAMPLE_SEED + args.seeds)
    tables, all_runs = {}, []
    for path in args.worldviews:
        truth = truth_table(path, args.truth_n, args.pieces)
        runs = coverage_runs(
            path, truth, seeds, args.n, args.bootstrap, args.m_fraction, args.conf_level
        )
        tables[path.stem] = summarise(runs, truth)
        all_runs.append(runs.assign(worldview=path.stem))
    kinds = list(dict.fromkeys(all_runs[0]["kind"]))
    report = markdown(tables, kinds, args, time.perf_counter() - start)
    args.out.write_text(report, encoding="utf-8")
    if args.csv is not None:
        pd.concat(all_runs, ignore_index=True).to_csv(args.csv, index=False)
    print(report)


if __name__ == "__main__":
    main()
