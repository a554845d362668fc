"""The closed form against independent truths: the explicit population model, hand values."""

import numpy as np
import pytest

from agi_interventions.consistency import is_consistent
from agi_interventions.model import marginal_values
from agi_interventions.parameters import PARAMETER_NAMES
from agi_interventions.population import PopulationModel, fractions_from_rest_of_world


def random_consistent_points(n: int, seed: int) -> dict[str, np.ndarray]:
    """Points built from a rest of the world, so they are consistent by construction."""
    rng = np.random.default_rng(seed)
    p = {
        "U_B": rng.uniform(-2, 5, n),
        "U_notB": rng.uniform(-5, 2, n),
        "b": rng.uniform(0.05, 0.95, n),
        "dUB_dFV": rng.normal(0, 2, n),
        "dUnotB_dFV": rng.normal(0, 2, n),
        "db_dFV": rng.normal(0, 1, n),
        "db_dFCV": rng.normal(0, 1, n),
        "db_dFCnotV": rng.normal(0, 1, n),
        "F_I": rng.uniform(0.01, 0.6, n),
        "p_V": rng.uniform(0.05, 0.95, n),
        "p_CV": rng.uniform(0.05, 0.95, n),
        "p_CnotV": rng.uniform(0.05, 0.95, n),
        "R_V": rng.uniform(0.05, 0.95, n),
        "R_CV": rng.uniform(0.05, 0.95, n),
        "R_CnotV": rng.uniform(0.05, 0.95, n),
        "dpV_daV": rng.lognormal(0, 1, n),
        "dpCV_daCV": rng.lognormal(0, 1, n),
        "dpCnotV_daCnotV": rng.lognormal(0, 1, n),
    }
    p.update(fractions_from_rest_of_world(p))
    return p


def test_closed_form_matches_population_model_by_finite_differences():
    params = random_consistent_points(2000, seed=11)
    assert is_consistent(params).all()
    closed = marginal_values(params)
    numeric = PopulationModel(params).marginal_values(step=1e-6)
    for key in ("a_V", "a_CV", "a_CnotV"):
        # Relative error < 1e-5 at every point; the absolute floor only guards values
        # that are zero up to rounding (|value| < 1e-9 of its own scale).
        scale = np.abs(closed[key]) + 1e-9 * np.abs(params["U_B"] - params["U_notB"])
        rel = np.abs(numeric[key] - closed[key]) / scale
        assert rel.max() < 1e-5, (key, rel.max())


def test_population_model_reproduces_the_baseline_fractions():
    params = random_consistent_points(50, seed=3)
    model = PopulationModel(params)
    f_v, f_cv, f_cnotv = model.fractions(params["p_V"], params["p_CV"], params["p_CnotV"])
    np.testing.assert_allclose(f_v, params["F_V"], rtol=1e-12)
    np.testing.assert_allclose(f_cv, params["F_CV"], rtol=1e-12)
    np.testing.assert_allclose(f_cnotv, params["F_CnotV"], rtol=1e-12)


def hand_point(**overrides: float) -> dict[str, float]:
    point = dict.fromkeys(PARAMETER_NAMES, 0.0)
    point.update(F_V=0.25, F_CV=0.5, F_CnotV=0.5, F_I=0.1, p_V=0.5, p_CV=0.5, p_CnotV=0.5, b=0.5)
    point.update(overrides)
    return point


def test_failure_world_shift_uses_one_minus_b_not_the_posts_typo():
    # Only the failure-world slope is non-zero: a_V = (1 - b) dUnotB_dFV F_I dpV_daV.
    point = hand_point(b=0.3, dUnotB_dFV=2.0, dpV_daV=0.5, F_I=0.1)
    out = marginal_values(point)
    assert out["a_V"] == pytest.approx(0.7 * 2.0 * 0.1 * 0.5, rel=1e-15)
    assert out["a_V_failure_shift"] == pytest.approx(out["a_V"], rel=1e-15)
    assert out["a_V_success_shift"] == 0.0
    assert out["a_V_bargaining"] == 0.0


def test_hand_computed_values():
    # D = 2, star = 0.1 + 0.4 * (0.8 - 0.5) / 0.25 - 0.2 * (0.1 - 0.5) / 0.75
    point = hand_point(
        U_B=3.0,
        U_notB=1.0,
        b=0.4,
        dUB_dFV=0.5,
        dUnotB_dFV=0.25,
        db_dFV=0.1,
        db_dFCV=0.4,
        db_dFCnotV=0.2,
        p_V=0.6,
        p_CV=0.8,
        p_CnotV=0.1,
        F_I=0.1,
        dpV_daV=2.0,
        dpCV_daCV=3.0,
        dpCnotV_daCnotV=4.0,
    )
    star = 0.1 + 0.4 * 0.3 / 0.25 + 0.2 * 0.4 / 0.75
    out = marginal_values(point)
    assert out["a_V"] == pytest.approx((2 * star + 0.4 * 0.5 + 0.6 * 0.25) * 0.1 * 2.0)
    assert out["a_CV"] == pytest.approx(2 * 0.4 * 0.6 * 0.1 / 0.25 * 3.0)
    assert out["a_CnotV"] == pytest.approx(2 * 0.2 * 0.4 * 0.1 / 0.75 * 4.0)
    assert out["U"] == pytest.approx(0.4 * 3 + 0.6 * 1)


def test_channels_sum_to_alignment_value_and_arrays_are_vectorised():
    params = random_consistent_points(1000, seed=5)
    out = marginal_values(params)
    for value in out.values():
        assert value.shape == (1000,)
    np.testing.assert_allclose(
        out["a_V_bargaining"] + out["a_V_success_shift"] + out["a_V_failure_shift"],
        out["a_V"],
        rtol=1e-12,
    )


def test_locality_zero_makes_cooperation_ratio_independent_of_fv():
    # docs/model.md: with l = 0, db_dFCV = k F_V and db_dFCnotV = k (1 - F_V), so
    # a_CV / a_CnotV = p_V dpCV_daCV / ((1 - p_V) dpCnotV_daCnotV).
    params = random_consistent_points(500, seed=8)
    k = np.random.default_rng(1).uniform(0.1, 2, 500)
    params["db_dFCV"] = k * params["F_V"]
    params["db_dFCnotV"] = k * (1 - params["F_V"])
    out = marginal_values(params)
    expected = (
        params["p_V"] * params["dpCV_daCV"] / ((1 - params["p_V"]) * params["dpCnotV_daCnotV"])
    )
    np.testing.assert_allclose(out["a_CV"] / out["a_CnotV"], expected, rtol=1e-12)


def test_missing_parameter_is_named():
    point = hand_point()
    del point["F_I"]
    with pytest.raises(KeyError, match="F_I"):
        marginal_values(point)


def test_mismatched_lengths_are_rejected():
    point = {k: np.full(3, v) for k, v in hand_point().items()}
    point["b"] = np.full(4, 0.5)
    with pytest.raises(ValueError, match="differ in shape"):
        marginal_values(point)
