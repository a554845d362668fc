"""Tail-robust sensitivity against known truths."""

import warnings

import numpy as np
import pandas as pd
import pytest

from agi_interventions.robust import (
    _pawn,
    asinh_transform,
    compare_rankings,
    inverse_asinh_transform,
    moment_independent_indices,
    pawn_noise_floor,
)


def test_asinh_preserves_sign_and_inverts():
    rng = np.random.default_rng(1)
    y = rng.standard_cauchy(1000)
    y[:5] = 0.0
    z, scale = asinh_transform(y)
    assert np.array_equal(np.sign(z), np.sign(y))
    assert scale == pytest.approx(np.median(np.abs(y[y != 0])))
    np.testing.assert_allclose(inverse_asinh_transform(z, scale), y, rtol=1e-12, atol=1e-12)
    # monotone: ranks unchanged
    assert np.array_equal(np.argsort(z, kind="stable"), np.argsort(y, kind="stable"))


def test_asinh_explicit_scale_and_shape():
    y = np.array([[-1e6, -1.0], [0.0, 2.0]])
    z, scale = asinh_transform(y, scale=2.0)
    assert scale == 2.0 and z.shape == y.shape
    assert z[1, 1] == pytest.approx(np.arcsinh(1.0))
    assert z[0, 0] == pytest.approx(-np.log(1e6), rel=1e-6)  # log-like tails
    with pytest.raises(ValueError, match="positive"):
        asinh_transform(y, scale=0.0)


def test_asinh_all_zero_defaults_to_unit_scale():
    z, scale = asinh_transform(np.zeros(4))
    assert scale == 1.0 and np.all(z == 0.0)


def _inputs(n: int, d: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.uniform(size=(n, d)), columns=[f"x{j + 1}" for j in range(d)])


def test_pawn_ranks_dominant_first_and_null_near_zero():
    x = _inputs(4000, 3, 2)
    y = x["x1"].to_numpy() + 0.1 * x["x2"].to_numpy()  # x3 does not enter
    res = moment_independent_indices(x, y, seed=7)
    assert list(res.columns) == ["parameter", "index", "index_conf", "index_max", "noise_floor"]
    idx = res.set_index("parameter")["index"]
    assert idx.idxmax() == "x1"
    # y ~ x1: slice s of 10 gives KS = max(s, 9 - s) / 10, whose median over slices is 0.65
    assert idx["x1"] == pytest.approx(0.65, abs=0.03)
    assert idx["x1"] > idx["x2"] > idx["x3"]
    assert idx["x3"] < 0.06
    floor = res["noise_floor"].iloc[0]
    assert idx["x3"] < floor < 0.08
    assert idx["x2"] > floor  # the weak but real effect is above the noise floor
    assert res["index_conf"].isna().all()


def test_pawn_invariant_to_monotone_transform_and_heavy_tails():
    x = _inputs(3000, 2, 3)
    y = np.exp(8 * x["x1"].to_numpy()) * np.sign(x["x2"].to_numpy() - 0.5)
    a = moment_independent_indices(x, y, seed=5)
    b = moment_independent_indices(x, asinh_transform(y)[0], seed=5)
    np.testing.assert_allclose(a["index"], b["index"])


def test_pawn_bootstrap_conf_and_seed_checks():
    x = _inputs(1000, 2, 4)
    y = x["x1"].to_numpy() ** 2
    res = moment_independent_indices(x, y, seed=11, num_resamples=4)
    assert (res["index_conf"] > 0).all()
    again = moment_independent_indices(x, y, seed=11, num_resamples=4)
    pd.testing.assert_frame_equal(res, again)
    with pytest.raises(ValueError, match="non-zero"):
        moment_independent_indices(x, y, seed=0)


def test_noise_floor_matches_null_distribution_of_independent_inputs():
    # 40 inputs independent of a heavy-tailed y: index quantiles match the simulated null.
    rng = np.random.default_rng(8)
    n = 2000
    x = pd.DataFrame(rng.uniform(size=(n, 40)))
    y = rng.standard_cauchy(n)
    null = moment_independent_indices(x, y, seed=3)["index"].to_numpy()
    for level in (0.5, 0.9):
        expected = pawn_noise_floor(n, 10, level=level, seed=4, n_draws=10_000)
        assert np.quantile(null, level) == pytest.approx(expected, rel=0.15)
    strict = pawn_noise_floor(n, 10, level=1 - 0.05 / 40, seed=4)
    assert (null < strict).all()
    # the floor scales as 1 / sqrt(n)
    half = pawn_noise_floor(4 * n, 10, level=0.5, seed=4, n_draws=1000)
    full = pawn_noise_floor(n, 10, level=0.5, seed=4, n_draws=1000)
    assert half == pytest.approx(full / 2, rel=1e-9)


def test_compare_rankings_flags_shift_of_three_not_two():
    params = list("abcdef")
    first = pd.Series([6, 5, 4, 3, 2, 1], index=params, dtype=float)  # a..f ranks 1..6
    # d moves from rank 4 to 1 (shift 3); b moves from 2 to 4 (shift 2)
    second = pd.Series({"d": 10.0, "a": 9.0, "c": 8.0, "b": 7.0, "e": 6.0, "f": 5.0})
    table = compare_rankings({"ST": first, "PAWN": second}, max_rank_shift=2)
    assert list(table.columns) == [
        "parameter",
        "rank_ST",
        "rank_PAWN",
        "mean_rank",
        "rank_spread",
        "flagged",
    ]
    t = table.set_index("parameter")
    assert t.loc["d", "rank_ST"] == 4 and t.loc["d", "rank_PAWN"] == 1
    assert bool(t.loc["d", "flagged"])
    assert t.loc["b", "rank_spread"] == 2 and not bool(t.loc["b", "flagged"])
    assert t["flagged"].sum() == 1
    assert table["mean_rank"].is_monotonic_increasing
    assert table["parameter"].iloc[0] == "a"


def test_compare_rankings_missing_parameter_and_threshold():
    table = compare_rankings(
        {"m1": pd.Series({"a": 3.0, "b": 2.0, "c": 1.0}), "m2": pd.Series({"a": 1.0, "b": 2.0})},
        max_rank_shift=0,
    )
    t = table.set_index("parameter")
    assert np.isnan(t.loc["c", "rank_m2"]) and t.loc["c", "rank_spread"] == 0
    assert bool(t.loc["a", "flagged"]) and not bool(t.loc["c", "flagged"])


def _salib_pawn(x: np.ndarray, y: np.ndarray, slides: int) -> tuple[np.ndarray, np.ndarray]:
    from SALib.analyze import pawn

    problem = {"num_vars": x.shape[1], "names": [f"x{j}" for j in range(x.shape[1])]}
    problem["bounds"] = [[0.0, 1.0]] * x.shape[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = pawn.analyze(problem, x, y, S=slides, print_to_console=False)
    return np.asarray(result["median"]), np.asarray(result["maximum"])


@pytest.mark.parametrize(("n", "slides"), [(3000, 3), (3000, 10), (12000, 10)])
def test_one_pass_pawn_gives_salibs_numbers(n, slides):
    """Ties in x and y, infinite outputs, a constant and a two-valued input, an empty slice.

    Bit for bit where SciPy's ``ks_2samp`` uses its asymptotic mode (a sample above 10,000
    rows, as the pipeline's 16,384); below, it rounds the statistic to a multiple of
    ``1 / lcm(n1, n2)``, a change in the last bits.
    """
    rng = np.random.default_rng(5)
    x = np.column_stack(
        [
            rng.random(n),
            np.round(rng.random(n), 1),  # ties at the slice edges, empty slices
            np.full(n, 0.3),  # constant: NaN
            rng.integers(0, 2, n).astype(float),  # two values
            rng.lognormal(0.0, 3.0, n),
        ]
    )
    y = x[:, 0] * x[:, 4] + np.round(rng.standard_normal(n), 1)  # ties in y
    y[:5] = np.inf
    y[5:8] = -np.inf
    got = _pawn(x, y, slides)
    want = _salib_pawn(x, y, slides)
    for g, w in zip(got, want, strict=True):
        if n > 10_000:
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=0.0)
