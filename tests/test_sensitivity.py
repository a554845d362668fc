"""Sobol indices against analytic values (Ishigami), SALib's estimators and the exact engine."""

import math
from pathlib import Path

import numpy as np
import pytest
from SALib.analyze import sobol as salib_sobol
from SALib.sample import sobol as salib_sample

from agi_interventions.sensitivity import (
    TreeSum,
    block_sums,
    block_terms,
    bootstrap_weights,
    indices_from_sums,
)


def sobol_indices_in_memory(
    a: np.ndarray, b: np.ndarray, ab: np.ndarray, *, resamples: int, seed: int, n_blocks: int = 1
) -> dict:
    """The pipeline's estimators (block terms, sums, fixed tree) on outputs held in memory."""
    size = a.size // n_blocks
    shift = float(np.mean(np.r_[a, b]))
    weights = np.stack([bootstrap_weights(size, resamples, seed, k) for k in range(n_blocks)])
    tree = TreeSum()
    for sums in block_sums(block_terms(a, b, ab, shift), weights):
        tree.add(sums)
    return indices_from_sums(tree.result()[1])


REPO = Path(__file__).resolve().parents[1]


def ishigami_truth(a: float = 7.0, b: float = 0.1) -> dict[str, np.ndarray]:
    """Analytic S1 and ST of Ishigami (Saltelli et al. 2008, Global Sensitivity Analysis)."""
    pi4, pi8 = math.pi**4, math.pi**8
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {"S1": np.array([v1, v2, 0.0]) / var, "ST": np.array([v1 + v13, v2, v13]) / var}


def ishigami_design(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = salib_sample.sample(problem, n, calc_second_order=False, seed=seed)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    rows = y.reshape(n, 5)
    return rows[:, 0], rows[:, -1], rows[:, 1:-1]


def test_published_ishigami_values():
    truth = ishigami_truth()
    np.testing.assert_allclose(truth["S1"], [0.3139, 0.4424, 0.0], atol=5e-5)
    np.testing.assert_allclose(truth["ST"], [0.5576, 0.4424, 0.2437], atol=5e-5)


def test_point_estimates_equal_salib_on_the_same_design():
    n = 2**12
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = salib_sample.sample(problem, n, calc_second_order=False, seed=5)
    y = np.exp(np.sin(x[:, 0])) * x[:, 1] ** 2 + x[:, 2] + 100.0  # offset: centring matters
    reference = salib_sobol.analyze(problem, y, calc_second_order=False, seed=9)
    rows = y.reshape(n, 5)
    for blocks in (1, 64, 1024):
        got = sobol_indices_in_memory(
            rows[:, 0], rows[:, -1], rows[:, 1:-1], resamples=10, seed=3, n_blocks=blocks
        )
        np.testing.assert_allclose(got["S1"], reference["S1"], rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(got["ST"], reference["ST"], rtol=1e-11, atol=1e-13)


def test_ishigami_intervals_cover_the_truth_across_seeds():
    truth = ishigami_truth()
    hits, total = 0, 0
    for seed in range(12):
        a, b, ab = ishigami_design(2**12, seed=100 + seed)
        got = sobol_indices_in_memory(a, b, ab, resamples=100, seed=seed + 1, n_blocks=64)
        for key in ("S1", "ST"):
            hits += int(np.sum(np.abs(got[key] - truth[key]) <= got[f"{key}_conf"]))
            total += 3
    assert hits / total >= 0.85, hits / total


def test_tree_sum_is_independent_of_chunking_bit_for_bit():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 4)) * 10.0 ** rng.integers(-8, 8) for _ in range(64)]
    whole = TreeSum()
    for x in arrays:
        whole.add(x)
    for chunks in (1, 2, 4, 16, 64):
        per = 64 // chunks
        outer = TreeSum()
        for c in range(chunks):
            inner = TreeSum()
            for x in arrays[c * per : (c + 1) * per]:
                inner.add(x)
            level, total = inner.result()
            outer.add(total, level)
        assert np.array_equal(outer.result()[1], whole.result()[1])
    with pytest.raises(ValueError, match="power of two"):
        partial = TreeSum()
        for x in arrays[:3]:
            partial.add(x)
        partial.result()


def test_bootstrap_weights_depend_only_on_seed_and_block():
    first = bootstrap_weights(16, 5, seed=11, block=3)
    assert np.array_equal(first, bootstrap_weights(16, 5, seed=11, block=3))
    assert not np.array_equal(first, bootstrap_weights(16, 5, seed=11, block=4))
    assert np.all(first[0] == 1.0)
    assert first.shape == (6, 16)


def test_constant_and_nonfinite_outputs():
    n, d = 64, 3
    ones = np.ones(n)
    sums = block_sums(block_terms(ones, ones, np.ones((n, d)), 1.0), np.ones((1, 1, n)))
    assert np.all(indices_from_sums(sums[0])["ST"] == 0.0)
    a = np.linspace(0, 1, n)
    a[3] = np.inf
    sums = block_sums(block_terms(a, a[::-1], np.ones((n, d)), 0.0), np.ones((1, 1, n)))
    assert np.all(np.isnan(indices_from_sums(sums[0])["S1"]))


def test_exact_indices_of_the_real_model_lie_in_most_intervals():
    """Streamed estimator on the baseline (heavy tails) against the exact engine, N = 2^13."""
    from agi_interventions.design import SobolDesign
    from agi_interventions.exact import ExactEngine
    from agi_interventions.model import marginal_values
    from agi_interventions.priors import load_worldview

    worldview = load_worldview(REPO / "config/priors/baseline.yaml")
    engine = ExactEngine(worldview)
    hits, total = 0, 0
    for seed in range(3):
        design = SobolDesign(worldview, 2**13, seed=seed)
        a_unit, b_unit = design.unit(0, design.n_base)
        a, b = design.map_unit(a_unit), design.map_unit(b_unit)
        for output in ("a_V", "a_CV"):
            ab = np.column_stack(
                [marginal_values({**a, p: b[p]})[output] for p in design.parameters]
            )
            got = sobol_indices_in_memory(
                marginal_values(a)[output],
                marginal_values(b)[output],
                ab,
                resamples=100,
                seed=seed + 1,
                n_blocks=64,
            )
            s1, st = engine.sobol(output)
            relevant = st > 0.05
            for key, exact in (("S1", s1), ("ST", st)):
                inside = np.abs(got[key] - exact) <= got[f"{key}_conf"]
                hits += int(inside[relevant].sum())
                total += int(relevant.sum())
    assert hits / total >= 0.8, hits / total
