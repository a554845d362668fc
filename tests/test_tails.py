"""Tail diagnostics and heavy-tail intervals, checked against known distributions.

Truths used: generalized Pareto and Lomax samples of known shape (scipy.stats, numpy), the
exact means and Sobol indices of the exact engine, the textbook normal interval, the paper's
formulas, and (when installed) the reference implementation in arviz-stats.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from agi_interventions import api
from agi_interventions.exact import engine_for
from agi_interventions.priors import load_worldview
from agi_interventions.ranking import mean_ci
from agi_interventions.tails import (
    fit_tails,
    gpd_fit,
    khat_threshold,
    mean_interval,
    min_sample_size,
    pareto_khat,
    sobol_tail_check,
    tail_diagnostic,
    tail_length,
    tail_table,
)

ROOT = Path(__file__).resolve().parent.parent
PRIORS = ROOT / "config" / "priors"
N = 2**15  # the pipeline's independent draws at N = 2^14


def lomax(k: float, n: int, seed: int) -> np.ndarray:
    """Lomax (Pareto II) draws with tail shape k: exceedances over any threshold are GPD(k)."""
    return np.random.default_rng(seed).pareto(1.0 / k, n)


def lomax_mean(k: float) -> float:
    return 1.0 / (1.0 / k - 1.0)


def textbook_normal(x: np.ndarray) -> tuple[float, float]:
    half = stats.norm.ppf(0.975) * np.std(x, ddof=1) / math.sqrt(x.size)
    return float(np.mean(x) - half), float(np.mean(x) + half)


# ----------------------------------------------------------------------------- the paper's rules


def test_tail_length_and_thresholds_follow_the_paper():
    assert tail_length(N) == math.floor(3 * math.sqrt(N)) == 543
    assert tail_length(100) == 20  # 0.2 S below S = 225
    assert khat_threshold(N) == pytest.approx(0.7)
    assert khat_threshold(1000) == pytest.approx(1 - 1 / 3)
    assert khat_threshold(100) == pytest.approx(0.5)
    assert min_sample_size(0.5) == pytest.approx(100.0)
    assert min_sample_size(-0.4) == pytest.approx(10.0)
    assert min_sample_size(0.69) == pytest.approx(10.0 ** (1 / 0.31))
    assert min_sample_size(0.7) == math.inf  # the threshold's cap: no N suffices
    assert min_sample_size(0.99999) == math.inf
    assert min_sample_size(1.2) == math.inf


# ----------------------------------------------------------------------------- the estimator


@pytest.mark.parametrize("shape", [-0.3, 0.2, 0.5, 0.8])
def test_gpd_fit_recovers_a_known_generalized_pareto(shape):
    scale = 2.5
    x = stats.genpareto(c=shape, scale=scale).rvs(20_000, random_state=np.random.default_rng(7))
    k, sigma = gpd_fit(x)
    assert k == pytest.approx(shape, abs=0.05)
    assert sigma == pytest.approx(scale, rel=0.08)


@pytest.mark.parametrize("shape", [0.25, 0.6, 0.9, 1.3])
def test_khat_of_pareto_tails_is_unbiased_and_judged_by_the_threshold(shape):
    khats = np.array([pareto_khat(lomax(shape, N, seed), "right") for seed in range(20)])
    assert khats.mean() == pytest.approx(shape, abs=0.05)
    verdicts = [tail_diagnostic(lomax(shape, N, seed)).reliable for seed in range(5)]
    if shape < 0.5:
        assert all(verdicts)
    if shape > 0.85:
        assert not any(verdicts)


def test_light_and_bounded_tails_have_small_or_negative_khat():
    rng = np.random.default_rng(3)
    normal = rng.normal(size=N)
    assert pareto_khat(normal, "left") < 0.25
    assert pareto_khat(normal, "right") < 0.25
    assert pareto_khat(rng.uniform(size=N), "both") < -0.5
    assert pareto_khat(lomax(0.6, N, 4), "left") < -0.5  # Lomax is bounded below at 0
    assert pareto_khat(rng.binomial(1, 0.3, N).astype(float), "right") == -math.inf


def test_khat_matches_arviz_stats():
    arviz = pytest.importorskip("arviz_stats.base")
    rng = np.random.default_rng(11)
    samples = [
        lomax(0.7, N, 1),
        rng.lognormal(0.0, 2.0, N) - rng.lognormal(0.0, 1.5, N),
        rng.standard_t(3.0, 5000),
        rng.normal(size=1000),
    ]
    for x in samples:
        for tail in ("left", "right", "both"):
            reference = arviz.array_stats.pareto_khat(x, chain_axis=None, r_eff=1.0, tail=tail)
            assert pareto_khat(x, tail) == pytest.approx(float(reference), abs=1e-10)


def test_non_finite_or_tiny_samples_are_refused():
    with pytest.raises(ValueError, match="non-finite"):
        pareto_khat(np.array([1.0, np.inf] * 50))
    with pytest.raises(ValueError, match="at least"):
        mean_interval(np.arange(10.0))


# ----------------------------------------------------------------------------- mean intervals


def test_mean_interval_is_the_normal_interval_without_heavy_tails():
    x = np.random.default_rng(5).normal(3.0, 2.0, N)
    result = mean_interval(x)
    assert result.method == "normal"
    assert not result.flagged
    assert (result.low, result.high) == pytest.approx(textbook_normal(x), rel=1e-12)


@pytest.mark.parametrize(
    ("draw", "truth"),
    [
        (lambda seed: lomax(0.65, N, seed), lomax_mean(0.65)),
        (lambda seed: np.random.default_rng(seed).lognormal(0.0, 2.5, N), math.exp(2.5**2 / 2)),
    ],
    ids=["lomax-0.65", "lognormal-2.5"],
)
def test_mean_interval_holds_where_the_normal_interval_fails(draw, truth):
    normal, new, flagged = [], [], []
    for seed in range(200):
        x = draw(seed)
        result = mean_interval(x)
        low, high = textbook_normal(x)
        normal.append(low <= truth <= high)
        new.append(result.low <= truth <= result.high)
        flagged.append(result.flagged)
    normal, new, flagged = map(np.array, (normal, new, flagged))
    assert normal[~flagged].mean() < 0.88  # the problem is there among unflagged samples
    assert new[~flagged].mean() >= 0.93
    assert (~flagged).sum() >= 40


def test_mean_interval_flags_an_infinite_mean():
    for seed in range(10):
        result = mean_interval(lomax(1.2, N, seed))
        assert result.flagged
        assert result.high == math.inf
        assert "right tail" in result.reason


def test_mean_interval_of_a_difference_uses_the_heavier_tail():
    rng = np.random.default_rng(8)
    x = rng.normal(size=N) - lomax(1.2, N, 9)  # heavy left tail only
    result = mean_interval(x)
    assert result.flagged
    assert result.low == -math.inf
    assert "left tail" in result.reason


def test_mean_interval_on_the_exact_engine_baseline():
    path = PRIORS / "baseline.yaml"
    engine, _ = engine_for(load_worldview(path))
    for output in ("a_V", "a_CV", "a_CnotV"):
        truth = engine.mean(output)
        covered = []
        for seed in range(12):
            x = api.simulate(path, N, seed=seed, columns=[output])[output].to_numpy()
            result = mean_interval(x)
            if not result.flagged:
                covered.append(result.low <= truth <= result.high)
        assert len(covered) >= 8
        assert np.mean(covered) >= 10 / 12


def test_tail_table_reports_each_column():
    rng = np.random.default_rng(21)
    light = rng.normal(1.0, 1.0, N)
    values = pd.DataFrame({"light": light, "heavy": lomax(1.2, N, 22)})
    table = tail_table(values).set_index("column")
    assert (table.loc["light", "mean_ci_low"], table.loc["light", "mean_ci_high"]) == (
        pytest.approx(textbook_normal(light), rel=1e-12)
    )
    assert table.loc["light", "mean_ci_flag"] == ""
    assert table.loc["light", "sobol_flag"] == ""
    assert table.loc["heavy", "mean_ci_flag"].startswith("right tail")
    assert table.loc["heavy", "sobol_flag"] != ""
    assert table.loc["heavy", "min_draws"] == math.inf


# ----------------------------------------------------------------------------- Sobol rule


def test_sobol_tail_check_flags_outputs_with_heavy_squares():
    rng = np.random.default_rng(12)
    assert not sobol_tail_check(rng.normal(size=N)).flagged
    assert not any(sobol_tail_check(lomax(0.12, N, s)).flagged for s in range(5))
    assert all(sobol_tail_check(lomax(0.4, N, s)).flagged for s in range(5))  # squares: k 0.8


# ----------------------------------------------------------------------------- reduced study


def load_study():
    spec = importlib.util.spec_from_file_location(
        "interval_coverage", ROOT / "benchmarks" / "interval_coverage.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reduced_coverage_study_means():
    study = load_study()
    views = [PRIORS / f"{name}.yaml" for name in ("heavy_tailed", "heavy_shapes", "baseline")]
    out = study.run(views, range(6), N, means_only=True)
    rows = out["means"]
    heavy = rows["worldview"].isin(["heavy_tailed", "heavy_shapes"])
    # every case whose new interval misses the exact mean on the heavy worldviews is flagged
    assert rows.loc[heavy & ~rows["new_covered"], "flagged"].all()
    assert rows.loc[heavy, "flagged"].mean() > 0.9
    unflagged = rows.loc[~rows["flagged"]]
    assert len(unflagged) >= 10
    assert unflagged["new_covered"].mean() >= 0.85


def test_sobol_check_on_a_small_design():
    # the contract: an output whose ST intervals miss exact values is flagged. heavy_tailed:
    # misses, all flagged; tight (light tails): the intervals hold the exact values
    misses = {"heavy_tailed": 0, "tight": 0}
    for name in misses:
        path = PRIORS / f"{name}.yaml"
        for seed in range(2):
            results = api.analyse(path, samples=2**11, seed=seed, decision_analysis=False)
            table = results["sobol"]
            for output in ("a_V", "a_CV", "a_CnotV"):
                check = sobol_tail_check(results.draws[output].to_numpy())
                rows = table.loc[(table["output"] == output) & (table["ST_exact"] >= 0.01)]
                inside = (rows["ST"] - rows["ST_conf"] <= rows["ST_exact"]) & (
                    rows["ST_exact"] <= rows["ST"] + rows["ST_conf"]
                )
                misses[name] += int((~inside).sum())
                if name == "heavy_tailed":
                    assert check.flagged
    assert misses["heavy_tailed"] >= 3
    assert misses["tight"] <= 2


def test_sobol_check_passes_light_tailed_outputs_at_the_default_size():
    path = PRIORS / "tight.yaml"
    for seed in range(5):
        draws = api.simulate(path, N, seed=seed, columns=["a_V", "a_CV", "a_CnotV"])
        for output in draws:
            assert not sobol_tail_check(draws[output].to_numpy()).flagged


def test_rounding_noise_around_zero_is_not_a_tail() -> None:
    """Values that are zero in exact arithmetic, off by 1e-18, do not make a heavy tail."""
    rng = np.random.default_rng(7)
    n = 20_000
    values = rng.lognormal(-4.0, 1.0, n)
    values[: n // 3] = 0.0
    values[:200] = -np.abs(rng.standard_cauchy(200)) * 1e-18  # rounding noise, heavy-tailed
    left, _ = fit_tails(values)
    assert left.khat == -math.inf
    interval = mean_ci(values)
    assert interval.flag == "" and math.isfinite(interval.low)
    # the same shape at a scale that moves the mean is still fitted and flagged
    values[:200] = -np.abs(rng.standard_cauchy(200)) * 1e-2
    left, _ = fit_tails(values)
    assert left.khat > 0.7
    assert mean_ci(values).flag != ""


def test_a_point_mass_at_the_threshold_is_not_fitted_as_tail():
    """98% exact zeros, exponential beyond: the tail is the exponential one (k near 0), so the
    interval is the normal one, unflagged, and holds the mean 0.02 about 95% of the time."""
    from agi_interventions.tails import fit_tails, mean_interval

    covered, flagged = 0, 0
    for seed in range(100):
        rng = np.random.default_rng(seed)
        x = np.where(rng.random(4000) < 0.02, rng.exponential(1.0, 4000), 0.0)
        _, right = fit_tails(x)
        assert right.size == np.count_nonzero(x > right.threshold)  # the tied zeros left out
        result = mean_interval(x)
        flagged += result.flagged
        covered += result.low <= 0.02 <= result.high
    assert flagged <= 5 and covered >= 88, (flagged, covered)
