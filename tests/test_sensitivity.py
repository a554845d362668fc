"""Sobol indices against analytic values (Ishigami; a product of uniforms) and SALib."""

import math

import numpy as np
import pytest
import yaml
from SALib.analyze import sobol as salib_sobol
from scipy import stats

from agi_interventions.parameters import PARAMETER_NAMES
from agi_interventions.priors import load_worldview
from agi_interventions.sampling import design_parameters, unit_design
from agi_interventions.sensitivity import sobol_indices, sobol_table
from agi_interventions.simulation import simulate


def ishigami_truth(a: float = 7.0, b: float = 0.1) -> dict[str, np.ndarray]:
    """Analytic S1 and ST of Ishigami (Saltelli et al. 2008, Global Sensitivity Analysis)."""
    pi4, pi8 = math.pi**4, math.pi**8
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {
        "S1": np.array([v1, v2, 0.0]) / var,
        "ST": np.array([v1 + v13, v2, v13]) / var,
    }


def check_against(table, truth: dict[str, np.ndarray], floor: float) -> None:
    for key in ("S1", "ST"):
        err = np.abs(table[key].to_numpy() - truth[key])
        bound = np.maximum(3 * table[f"{key}_conf"].to_numpy(), floor)
        assert (err < bound).all(), (key, table[key].to_numpy(), truth[key])


def test_ishigami_through_design_and_estimator():
    unit = unit_design(3, 2**13, seed=12345)
    x = stats.uniform(-math.pi, 2 * math.pi).ppf(unit)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    table = sobol_indices(y, ["x1", "x2", "x3"], num_resamples=200, seed=7)
    truth = ishigami_truth()
    check_against(table, truth, floor=0.01)
    # The published values (S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437).
    np.testing.assert_allclose(truth["S1"], [0.3139, 0.4424, 0.0], atol=5e-5)
    np.testing.assert_allclose(truth["ST"], [0.5576, 0.4424, 0.2437], atol=5e-5)


def uniform_moments(low: float, high: float) -> tuple[float, float]:
    return (low + high) / 2, (low * low + low * high + high * high) / 3


def product_truth(bounds: dict[str, tuple[float, float]]) -> dict[str, dict[str, float]]:
    """S1 and ST of a_CV = (U_B - U_notB) db_dFCV p_V F_I / F_V dpCV_daCV, all uniform.

    The model is D * W with D = U_B - U_notB and W a product of independent factors;
    1/F_V for F_V ~ U[a, c] has E = ln(c/a)/(c-a) and E[.^2] = 1/(a c).
    """
    moments = {name: uniform_moments(*bounds[name]) for name in bounds}
    a, c = bounds["F_V"]
    moments["F_V"] = (math.log(c / a) / (c - a), 1 / (a * c))
    w_names = ["db_dFCV", "p_V", "F_I", "F_V", "dpCV_daCV"]
    mu_b, m2_b = moments["U_B"]
    mu_n, m2_n = moments["U_notB"]
    var_b, var_n = m2_b - mu_b**2, m2_n - mu_n**2
    mu_d = mu_b - mu_n
    m2_d = var_b + var_n + mu_d**2
    mu_w = math.prod(moments[k][0] for k in w_names)
    m2_w = math.prod(moments[k][1] for k in w_names)
    var = m2_d * m2_w - mu_d**2 * mu_w**2
    s1, st = {}, {}
    for name, var_part, other_var in (("U_B", var_b, var_n), ("U_notB", var_n, var_b)):
        s1[name] = var_part * mu_w**2 / var
        st[name] = 1 - ((other_var + mu_d**2) * m2_w - mu_d**2 * mu_w**2) / var
    for name in w_names:
        mu, m2 = moments[name]
        rest_mu = mu_w / mu
        rest_m2 = m2_w / m2
        s1[name] = (m2 - mu**2) * mu_d**2 * rest_mu**2 / var
        st[name] = 1 - mu**2 * (m2_d * rest_m2 - mu_d**2 * rest_mu**2) / var
    return {"S1": s1, "ST": st}


def test_product_marginal_value_has_hand_derived_indices(tmp_path):
    bounds = {
        "U_B": (1.0, 3.0),
        "U_notB": (-1.0, 0.5),
        "db_dFCV": (0.1, 1.0),
        "p_V": (0.2, 0.8),
        "F_I": (0.01, 0.05),
        "F_V": (0.1, 0.5),
        "dpCV_daCV": (0.5, 2.0),
    }
    # Every parameter uniform; the others do not enter a_CV and must get zero indices.
    others = {name: (0.1, 0.2) for name in PARAMETER_NAMES if name not in bounds}
    others.update(F_CV=(0.6, 0.9), F_CnotV=(0.3, 0.6), b=(0.3, 0.7))
    priors = {
        name: {"dist": "uniform", "low": lo, "high": hi}
        for name, (lo, hi) in {**bounds, **others}.items()
    }
    path = tmp_path / "uniform.yaml"
    path.write_text(yaml.safe_dump({"parameters": priors}))
    samples = simulate(load_worldview(path), 2**13, seed=3)
    parameters = design_parameters(samples["block"])
    table = sobol_table(
        {"a_CV": samples["a_CV"].to_numpy()}, parameters, num_resamples=200, seed=3
    ).set_index("parameter")
    truth = product_truth(bounds)
    for key in ("S1", "ST"):
        expected = np.array([truth[key].get(p, 0.0) for p in table.index])
        err = np.abs(table[key].to_numpy() - expected)
        bound = np.maximum(3 * table[f"{key}_conf"].to_numpy(), 0.01)
        assert (err < bound).all(), (key, dict(zip(table.index, err, strict=True)))
    # The indices are not all trivially small: F_V and F_I dominate.
    assert truth["ST"]["F_I"] > 0.2


def test_same_numbers_as_salib_for_the_same_seed():
    unit = unit_design(5, 2**10, seed=1)
    y = np.exp(2 * unit[:, 0]) * unit[:, 1] + unit[:, 2] ** 2
    names = [f"x{i}" for i in range(5)]
    ours = sobol_indices(y, names, num_resamples=50, seed=99)
    problem = {"num_vars": 5, "names": names, "bounds": [[0, 1]] * 5}
    theirs = salib_sobol.analyze(problem, y, calc_second_order=False, num_resamples=50, seed=99)
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_allclose(ours[key].to_numpy(), theirs[key], rtol=1e-10, atol=1e-14)


def test_degenerate_outputs_are_explicit():
    names = ["x0", "x1"]
    constant = np.ones(4 * 16)
    table = sobol_indices(constant, names, num_resamples=10, seed=1)
    assert (table[["S1", "ST", "S1_conf", "ST_conf"]].to_numpy() == 0).all()
    broken = np.arange(4 * 16, dtype=float)
    broken[5] = np.nan
    assert sobol_indices(broken, names, num_resamples=10, seed=1)["ST"].isna().all()
    with pytest.raises(ValueError, match="non-zero"):
        sobol_indices(broken, names, num_resamples=10, seed=0)
    with pytest.raises(ValueError, match=r"N\*\(D\+2\)"):
        sobol_indices(np.ones(7), names, num_resamples=10, seed=1)


def test_output_indices_do_not_depend_on_other_outputs():
    unit = unit_design(2, 2**8, seed=4)
    y1, y2 = unit[:, 0] + unit[:, 1], unit[:, 0] * unit[:, 1]
    alone = sobol_table({"y1": y1}, ["a", "b"], num_resamples=20, seed=5)
    both = sobol_table({"y2": y2, "y1": y1}, ["a", "b"], num_resamples=20, seed=5)
    np.testing.assert_array_equal(
        alone[["S1", "S1_conf"]].to_numpy(),
        both.loc[both["output"] == "y1", ["S1", "S1_conf"]].to_numpy(),
    )
