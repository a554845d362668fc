"""Tests of prior parsing, validation and inverse CDFs against closed-form values."""

from __future__ import annotations

import math
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest
from scipy import integrate

from agi_interventions.parameters import PARAMETER_NAMES, PARAMETERS
from agi_interventions.priors import Prior, PriorError, Worldview, load_worldview, parse_prior

ROOT = Path(__file__).resolve().parents[1]
PRIORS_DIR = ROOT / "config" / "priors"

U = np.array([0.001, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.999])
Z = np.array([NormalDist().inv_cdf(float(u)) for u in U])  # standard normal quantiles

#: Rest-of-world entries replacing F_V, F_CV, F_CnotV under ``parametrisation: rest_of_world``.
REST = {
    "R_V": {"dist": "loguniform", "low": 0.02, "high": 0.5},
    "R_CV": {"dist": "beta", "a": 4, "b": 2},
    "R_CnotV": {"dist": "beta", "a": 2, "b": 3},
}
DERIVED = ["F_V", "F_CV", "F_CnotV"]
ROW = {"parametrisation": "rest_of_world"}


def prior_for(name: str, entry: dict[str, Any]) -> Prior:
    """Validate and build one prior entry for parameter ``name``; it must be accepted."""
    prior, problems = parse_prior(name, entry, PARAMETERS[name], "test.yaml")
    assert problems == [], problems
    assert prior is not None
    return prior


def problems_of(path: Path) -> list[str]:
    """Load ``path``, expect a PriorError, and return its problems."""
    with pytest.raises(PriorError) as err:
        load_worldview(path)
    assert err.value.problems, "a PriorError must list at least one problem"
    assert str(err.value) == "\n".join(err.value.problems)
    return err.value.problems


def only_problem(path: Path, *fragments: str) -> str:
    """Expect exactly one problem, naming the file and containing every fragment."""
    problems = problems_of(path)
    assert len(problems) == 1, problems
    message = problems[0]
    assert str(path) in message, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


# --------------------------------------------------------------------------- families


def test_uniform_quantiles():
    prior = prior_for("U_B", {"dist": "uniform", "low": -2.0, "high": 3.0})
    np.testing.assert_allclose(prior.ppf(U), -2.0 + U * 5.0, rtol=0, atol=1e-14)
    assert prior.support() == (-2.0, 3.0)
    assert not prior.is_fixed


def test_loguniform_quantiles():
    low, high = 0.01, 0.5
    prior = prior_for("F_V", {"dist": "loguniform", "low": low, "high": high})
    expected = np.exp(math.log(low) + U * (math.log(high) - math.log(low)))
    np.testing.assert_allclose(prior.ppf(U), expected, rtol=1e-12)
    assert prior.ppf(0.5) == pytest.approx(math.sqrt(low * high), rel=1e-12)
    lo, hi = prior.support()
    assert lo == pytest.approx(low, rel=1e-14)
    assert hi == pytest.approx(high, rel=1e-14)


def test_normal_by_mean_and_sd():
    prior = prior_for("U_B", {"dist": "normal", "mean": 1.5, "sd": 0.4})
    np.testing.assert_allclose(prior.ppf(U), 1.5 + 0.4 * Z, rtol=0, atol=1e-12)
    assert prior.support() == (-math.inf, math.inf)


def test_normal_by_ci90():
    prior = prior_for("db_dFV", {"dist": "normal", "ci90": [-0.2, 0.4]})
    q05, q50, q95 = prior.quantiles([0.05, 0.5, 0.95])
    assert abs(q05 - (-0.2)) < 1e-12
    assert abs(q95 - 0.4) < 1e-12
    assert abs(q50 - 0.1) < 1e-12
    # The whole distribution: mean = midpoint, sd = half-width / z_0.95.
    sd = 0.3 / NormalDist().inv_cdf(0.95)
    np.testing.assert_allclose(prior.ppf(U), 0.1 + sd * Z, rtol=0, atol=1e-12)


def test_normal_ci90_asymmetric_location():
    prior = prior_for("U_B", {"dist": "normal", "ci90": [10.0, 30.0]})
    q05, q50, q95 = prior.quantiles([0.05, 0.5, 0.95])
    assert abs(q05 - 10.0) < 1e-12
    assert abs(q95 - 30.0) < 1e-12
    assert abs(q50 - 20.0) < 1e-12


def truncnormal_cdf(x: np.ndarray, mean: float, sd: float, low: float, high: float):
    """Closed-form CDF of a normal(mean, sd) truncated to [low, high]."""
    phi = NormalDist(mean, sd).cdf
    return (np.array([phi(float(v)) for v in x]) - phi(low)) / (phi(high) - phi(low))


def test_truncnormal_symmetric_median_equals_mean():
    entry = {"dist": "truncnormal", "mean": 0.5, "sd": 0.3, "low": 0.0, "high": 1.0}
    prior = prior_for("p_V", entry)
    assert prior.support() == (0.0, 1.0)
    assert abs(prior.ppf(0.5) - 0.5) < 1e-12
    # Symmetry about the mean: q(u) + q(1 - u) = 2 mean.
    np.testing.assert_allclose(prior.ppf(U) + prior.ppf(1 - U), 1.0, rtol=0, atol=1e-12)


def test_truncnormal_quantiles_invert_closed_form_cdf():
    mean, sd, low, high = 0.2, 0.5, 0.1, 0.9
    entry = {"dist": "truncnormal", "mean": mean, "sd": sd, "low": low, "high": high}
    prior = prior_for("p_V", entry)
    q = prior.ppf(U)
    assert np.all((q >= low) & (q <= high))
    np.testing.assert_allclose(truncnormal_cdf(q, mean, sd, low, high), U, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "mean", "sd", "low", "high"),
    [
        ("p_V", 0.5, 0.3, 0.0, 1.0),
        ("p_V", 0.2, 0.5, 0.1, 0.9),
        # Asymmetric truncations of a probability: the natural use of truncnormal.
        ("b", 0.7, 0.3, 0.0, 1.0),
        ("p_V", 0.7, 0.3, 0.0, 0.5),
        ("F_CV", 0.9, 0.3, 0.0, 1.0),
        ("p_V", -0.5, 0.3, 0.0, 0.9),
        ("U_B", 0.3, 0.7, 0.0, 1.0),
    ],
)
def test_truncnormal_support_is_exactly_low_high(name, mean, sd, low, high):
    entry = {"dist": "truncnormal", "mean": mean, "sd": sd, "low": low, "high": high}
    prior = prior_for(name, entry)  # must load: [low, high] is inside the range
    assert prior.support() == (low, high)


def test_truncnormal_on_probability_loads_from_file(write_priors):
    """truncnormal(0.7, 0.3) cut to [0, 1] is a valid prior for the probability b."""
    entry = {"dist": "truncnormal", "mean": 0.7, "sd": 0.3, "low": 0.0, "high": 1.0}
    wv = load_worldview(write_priors({"b": entry}))
    assert wv.priors["b"].support() == (0.0, 1.0)


@pytest.mark.parametrize(("mean", "sd"), [(0.3, 0.7), (0.7, 0.3), (0.5, 0.3)])
def test_truncnormal_quantiles_never_leave_low_high(mean, sd):
    entry = {"dist": "truncnormal", "mean": mean, "sd": sd, "low": 0.0, "high": 1.0}
    prior = prior_for("U_B", entry)
    u = np.array([0.0, 1e-300, 1e-17, 1e-9, 0.5, 1 - 1e-9, 1 - 1e-16, 1.0])
    q = prior.ppf(u)
    assert np.all(q >= 0.0), q
    assert np.all(q <= 1.0), q


def test_lognormal_by_mu_and_sigma():
    mu, sigma = 0.5, 0.8
    prior = prior_for("U_B", {"dist": "lognormal", "mu": mu, "sigma": sigma})
    assert prior.ppf(0.5) == pytest.approx(math.exp(mu), rel=1e-12)
    np.testing.assert_allclose(prior.ppf(U), np.exp(mu + sigma * Z), rtol=1e-12)
    assert prior.support() == (0.0, math.inf)


def test_lognormal_by_ci90():
    q05, q95 = 0.05, 1.0
    prior = prior_for("db_dFCV", {"dist": "lognormal", "ci90": [q05, q95]})
    got05, got50, got95 = prior.quantiles([0.05, 0.5, 0.95])
    assert got05 == pytest.approx(q05, rel=1e-12)
    assert got95 == pytest.approx(q95, rel=1e-12)
    assert got50 == pytest.approx(math.sqrt(q05 * q95), rel=1e-12)


def test_beta_1_1_is_uniform():
    prior = prior_for("p_V", {"dist": "beta", "a": 1, "b": 1})
    np.testing.assert_allclose(prior.ppf(U), U, rtol=0, atol=1e-12)
    assert prior.support() == (0.0, 1.0)


def test_beta_2_2_median_and_cdf():
    prior = prior_for("b", {"dist": "beta", "a": 2, "b": 2})
    assert abs(prior.ppf(0.5) - 0.5) < 1e-12
    x = prior.ppf(U)
    np.testing.assert_allclose(3 * x**2 - 2 * x**3, U, rtol=0, atol=1e-12)  # CDF of beta(2,2)


def test_beta_rescaled_to_low_high():
    # beta(3, 1) has CDF x^3, so the quantile is u^(1/3); rescaled to [2, 6].
    entry = {"dist": "beta", "a": 3, "b": 1, "low": 2.0, "high": 6.0}
    prior = prior_for("U_B", entry)
    np.testing.assert_allclose(prior.ppf(U), 2.0 + 4.0 * U ** (1 / 3), rtol=1e-12)
    assert prior.support() == (2.0, 6.0)


def test_beta_1_3_quantile():
    # beta(1, 3) has CDF 1 - (1 - x)^3.
    prior = prior_for("F_CV", {"dist": "beta", "a": 1, "b": 3})
    np.testing.assert_allclose(prior.ppf(U), 1 - (1 - U) ** (1 / 3), rtol=1e-12)


def test_triangular_quantiles():
    low, mode, high = 0.0, 0.5, 1.5
    entry = {"dist": "triangular", "low": low, "mode": mode, "high": high}
    prior = prior_for("dUB_dFV", entry)
    c = (mode - low) / (high - low)
    expected = np.where(
        U < c,
        low + np.sqrt(U * (high - low) * (mode - low)),
        high - np.sqrt((1 - U) * (high - low) * (high - mode)),
    )
    assert np.any(U < c)
    assert np.any(U >= c)
    np.testing.assert_allclose(prior.ppf(U), expected, rtol=1e-12, atol=1e-14)
    assert prior.ppf(c) == pytest.approx(mode, rel=1e-12)
    assert prior.support() == (low, high)


def mean_of(prior: Prior) -> float:
    """Mean of a bounded prior as the integral of its quantile function over (0, 1)."""
    value, _ = integrate.quad(lambda u: float(prior.ppf(u)), 0.0, 1.0, epsabs=1e-12, limit=200)
    return value


def test_pert_mean_default_lambda():
    low, mode, high = 0.0, 0.8, 1.0
    prior = prior_for("p_CV", {"dist": "pert", "low": low, "mode": mode, "high": high})
    assert mean_of(prior) == pytest.approx((low + 4 * mode + high) / 6, abs=1e-9)
    assert prior.support() == (low, high)


def test_pert_mean_other_lambda():
    low, mode, high, lamb = -1.0, 2.0, 5.0, 2.0
    entry = {"dist": "pert", "low": low, "mode": mode, "high": high, "lamb": lamb}
    prior = prior_for("U_B", entry)
    expected = (low + lamb * mode + high) / (lamb + 2)
    assert mean_of(prior) == pytest.approx(expected, abs=1e-9)


def test_pert_symmetric_median_is_mode():
    prior = prior_for("U_B", {"dist": "pert", "low": 1.0, "mode": 2.0, "high": 3.0})
    assert abs(prior.ppf(0.5) - 2.0) < 1e-12


def test_fixed():
    prior = prior_for("U_B", {"dist": "fixed", "value": 0.75})
    assert prior.is_fixed
    out = prior.ppf(U)
    assert out.shape == U.shape
    assert np.all(out == 0.75)
    assert prior.support() == (0.75, 0.75)
    assert prior.ppf(np.zeros((3, 2))).shape == (3, 2)


# --------------------------------------------------------------------------- worldviews


def test_baseline_worldview_loads():
    wv = load_worldview(PRIORS_DIR / "baseline.yaml")
    assert isinstance(wv, Worldview)
    assert wv.name == "baseline"
    assert not wv.structure.variants
    assert tuple(wv.priors) == PARAMETER_NAMES
    assert wv.inputs == list(PARAMETER_NAMES)
    assert wv.description.strip()
    assert wv.uncertain == [n for n in PARAMETER_NAMES if not wv.priors[n].is_fixed]
    assert all(prior.note for prior in wv.priors.values())


def test_rest_of_world_worldview_loads():
    wv = load_worldview(PRIORS_DIR / "consistent_by_construction.yaml", name="row")
    assert wv.name == "row"
    assert wv.structure.always == ["rest_of_world"]
    assert wv.structure.consistent_by_construction
    for name in REST:
        assert name in wv.priors
        assert name in wv.uncertain
    for name in DERIVED:
        assert name not in wv.priors
        assert name not in wv.uncertain
    assert set(wv.priors) == (set(PARAMETER_NAMES) - set(DERIVED)) | set(REST)
    assert wv.priors["F_I"].support()[1] < 1


def test_every_shipped_prior_file_loads():
    files = sorted(PRIORS_DIR.glob("*.yaml"))
    assert len(files) >= 2
    for path in files:
        wv = load_worldview(path)
        assert wv.uncertain, path


def test_uncertain_lists_non_fixed_in_canonical_order(write_priors):
    fixed = {"dist": "fixed", "value": 0.5}
    # dpCnotV_daCnotV is fixed in the fixture; make it uncertain here.
    path = write_priors(
        {"b": fixed, "p_V": fixed, "dpCnotV_daCnotV": {"dist": "uniform", "low": 0, "high": 1}}
    )
    wv = load_worldview(path)
    expected = [n for n in PARAMETER_NAMES if n not in ("b", "p_V")]
    assert wv.uncertain == expected
    assert wv.inputs == list(PARAMETER_NAMES)
    assert wv.priors["b"].is_fixed
    assert wv.priors["b"].ppf(U)[0] == 0.5


def test_fixture_file_is_valid_and_has_one_fixed(write_priors):
    wv = load_worldview(write_priors())
    assert wv.uncertain == list(PARAMETER_NAMES[:-1])
    assert wv.priors["U_B"].note == "test prior"


def test_rest_of_world_from_fixture_loads(write_priors):
    wv = load_worldview(write_priors(drop=DERIVED, extra=REST, top=ROW))
    assert set(REST) <= set(wv.priors)
    assert not set(DERIVED) & set(wv.priors)


def test_f_v_loguniform_inside_open_interval_is_fine():
    prior = prior_for("F_V", {"dist": "loguniform", "low": 0.01, "high": 0.5})
    assert prior.support()[0] > 0


def test_f_v_fixed_inside_open_interval_is_fine():
    assert prior_for("F_V", {"dist": "fixed", "value": 0.3}).is_fixed


# --------------------------------------------------------------------------- bad inputs

UNIFORM = {"dist": "uniform", "low": 0.0, "high": 1.0}

BAD_PARAMETER_CASES = [
    pytest.param({}, [], {"U_C": UNIFORM}, {}, "U_C", ["unknown parameter"], id="unknown-param"),
    pytest.param({}, ["b"], {}, {}, "b", ["missing"], id="missing-param"),
    pytest.param(
        {"b": {"dist": "gamma", "a": 1}},
        [],
        {},
        {},
        "b",
        ["unknown distribution family", "gamma"],
        id="unknown-family",
    ),
    pytest.param(
        {"U_B": {"low": 0, "high": 1}}, [], {}, {}, "U_B", ["missing 'dist'"], id="no-dist"
    ),
    pytest.param(
        {"U_B": {"dist": ["uniform"], "low": 0, "high": 1}},
        [],
        {},
        {},
        "U_B",
        ["uniform"],
        id="dist-not-a-name",
    ),
    pytest.param(
        {"U_B": 3.0}, [], {}, {}, "U_B", ["expected a mapping"], id="entry-not-a-mapping"
    ),
    pytest.param(
        {"U_B": {"dist": "uniform", "low": 0}},
        [],
        {},
        {},
        "U_B",
        ["needs arguments", "high"],
        id="missing-argument",
    ),
    pytest.param(
        {"U_B": {"dist": "uniform", "low": 0, "high": 1, "width": 1}},
        [],
        {},
        {},
        "U_B",
        ["unknown argument", "width"],
        id="unknown-argument",
    ),
    pytest.param(
        {"U_B": {"dist": "uniform", "low": "zero", "high": 1}},
        [],
        {},
        {},
        "U_B",
        ["'low'", "finite number", "zero"],
        id="non-numeric-argument",
    ),
    pytest.param(
        {"U_B": {"dist": "uniform", "low": 0, "high": float("inf")}},
        [],
        {},
        {},
        "U_B",
        ["'high'", "finite number"],
        id="infinite-argument",
    ),
    pytest.param(
        {"U_B": {"dist": "fixed", "value": True}},
        [],
        {},
        {},
        "U_B",
        ["'value'", "finite number"],
        id="boolean-argument",
    ),
    pytest.param(
        {"db_dFV": {"dist": "normal", "ci90": ["a", 1]}},
        [],
        {},
        {},
        "db_dFV",
        ["ci90", "two finite numbers"],
        id="non-numeric-ci90",
    ),
    pytest.param(
        {"db_dFV": {"dist": "normal", "ci90": [0.1, 0.2, 0.3]}},
        [],
        {},
        {},
        "db_dFV",
        ["ci90", "two finite numbers"],
        id="ci90-three-numbers",
    ),
    pytest.param(
        {"db_dFV": {"dist": "normal", "mean": 0, "sd": 1, "ci90": [-1, 1]}},
        [],
        {},
        {},
        "db_dFV",
        ["only one of", "ci90", "mean"],
        id="mean-sd-and-ci90",
    ),
    pytest.param(
        {"db_dFV": {"dist": "normal", "mean": 0, "ci90": [-1, 1]}},
        [],
        {},
        {},
        "db_dFV",
        ["only one of"],
        id="mean-and-ci90",
    ),
    pytest.param(
        {"U_B": {"dist": "uniform", "low": 1, "high": 1}},
        [],
        {},
        {},
        "U_B",
        ["low < high"],
        id="uniform-low-equals-high",
    ),
    pytest.param(
        {"F_I": {"dist": "loguniform", "low": 0.5, "high": 0.1}},
        [],
        {},
        {},
        "F_I",
        ["low < high"],
        id="loguniform-low-above-high",
    ),
    pytest.param(
        {"F_I": {"dist": "loguniform", "low": 0, "high": 0.1}},
        [],
        {},
        {},
        "F_I",
        ["low > 0"],
        id="loguniform-zero-low",
    ),
    pytest.param(
        {"U_B": {"dist": "truncnormal", "mean": 0, "sd": 1, "low": 2, "high": 1}},
        [],
        {},
        {},
        "U_B",
        ["low < high"],
        id="truncnormal-low-above-high",
    ),
    pytest.param(
        {"U_B": {"dist": "beta", "a": 2, "b": 2, "low": 3, "high": 1}},
        [],
        {},
        {},
        "U_B",
        ["low < high"],
        id="beta-low-above-high",
    ),
    pytest.param(
        {"db_dFV": {"dist": "normal", "ci90": [0.4, -0.2]}},
        [],
        {},
        {},
        "db_dFV",
        ["q05 < q95"],
        id="ci90-reversed",
    ),
    pytest.param(
        {"db_dFV": {"dist": "normal", "mean": 0, "sd": -1}},
        [],
        {},
        {},
        "db_dFV",
        ["sd > 0"],
        id="negative-sd",
    ),
    pytest.param(
        {"U_B": {"dist": "truncnormal", "mean": 0, "sd": -1, "low": 0, "high": 1}},
        [],
        {},
        {},
        "U_B",
        ["sd > 0"],
        id="truncnormal-negative-sd",
    ),
    pytest.param(
        {"db_dFCV": {"dist": "lognormal", "mu": 0, "sigma": 0}},
        [],
        {},
        {},
        "db_dFCV",
        ["sigma > 0"],
        id="zero-sigma",
    ),
    pytest.param(
        {"db_dFCV": {"dist": "lognormal", "ci90": [0.0, 1.0]}},
        [],
        {},
        {},
        "db_dFCV",
        ["positive bounds"],
        id="lognormal-ci90-zero-bound",
    ),
    pytest.param(
        {"db_dFCV": {"dist": "lognormal", "ci90": [-1.0, 1.0]}},
        [],
        {},
        {},
        "db_dFCV",
        ["positive bounds"],
        id="lognormal-ci90-negative-bound",
    ),
    pytest.param(
        {"b": {"dist": "beta", "a": 0, "b": 2}}, [], {}, {}, "b", ["a > 0"], id="beta-zero-a"
    ),
    pytest.param(
        {"dUB_dFV": {"dist": "triangular", "low": 0, "mode": 2, "high": 1}},
        [],
        {},
        {},
        "dUB_dFV",
        ["low <= mode <= high"],
        id="triangular-mode-above",
    ),
    pytest.param(
        {"p_CV": {"dist": "pert", "low": 0.2, "mode": 0.1, "high": 1}},
        [],
        {},
        {},
        "p_CV",
        ["low <= mode <= high"],
        id="pert-mode-below",
    ),
    pytest.param(
        {"p_CV": {"dist": "pert", "low": 0, "mode": 0.5, "high": 1, "lamb": -1}},
        [],
        {},
        {},
        "p_CV",
        ["lamb > 0"],
        id="pert-negative-lambda",
    ),
    pytest.param(
        {"p_V": {"dist": "normal", "mean": 0.5, "sd": 0.1}},
        [],
        {},
        {},
        "p_V",
        ["support", "admissible range", "[0, 1]", "clipping"],
        id="normal-on-probability",
    ),
    pytest.param(
        {"b": {"dist": "uniform", "low": -0.1, "high": 0.9}},
        [],
        {},
        {},
        "b",
        ["admissible range", "[0, 1]"],
        id="uniform-below-zero-on-probability",
    ),
    pytest.param(
        {"F_V": {"dist": "uniform", "low": 0.0, "high": 0.5}},
        [],
        {},
        {},
        "F_V",
        ["admissible range", "(0, 1)"],
        id="F_V-can-reach-0",
    ),
    pytest.param(
        {"F_V": {"dist": "fixed", "value": 1}},
        [],
        {},
        {},
        "F_V",
        ["admissible range", "(0, 1)"],
        id="F_V-fixed-at-1",
    ),
    pytest.param(
        {"F_V": {"dist": "beta", "a": 2, "b": 2}},
        [],
        {},
        {},
        "F_V",
        ["admissible range", "(0, 1)"],
        id="F_V-beta-closed-support",
    ),
    pytest.param(
        {"F_I": {"dist": "uniform", "low": 0.0, "high": 1.0}},
        DERIVED,
        REST,
        ROW,
        "F_I",
        ["below 1", "rest_of_world"],
        id="rest-of-world-F_I-reaches-1",
    ),
    pytest.param(
        {},
        ["F_CV", "F_CnotV"],
        {"R_V": REST["R_V"], "R_CV": REST["R_CV"], "R_CnotV": REST["R_CnotV"]},
        ROW,
        "F_V",
        ["not an input of this worldview", "derived by the rest_of_world variant"],
        id="F_V-under-rest-of-world",
    ),
    pytest.param(
        {},
        [],
        {"R_V": REST["R_V"]},
        {},
        "R_V",
        ["not an input of this worldview", "add structure: {rest_of_world: p}"],
        id="R_V-under-fractions",
    ),
    pytest.param(
        {"U_B": {"dist": "uniform", "low": 0, "high": 1, "note": 3}},
        [],
        {},
        {},
        "U_B",
        ["'note' must be text"],
        id="note-not-text",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "drop", "extra", "top", "param", "fragments"), BAD_PARAMETER_CASES
)
def test_bad_parameter_is_reported(write_priors, overrides, drop, extra, top, param, fragments):
    path = write_priors(overrides, drop, extra, top)
    only_problem(path, f"parameter '{param}'", *fragments)


def test_normal_on_probability_is_not_clipped(write_priors):
    """A prior leaving the range is rejected; nothing is loaded, nothing is clipped."""
    path = write_priors({"p_V": {"dist": "normal", "mean": 0.5, "sd": 0.01}})
    problems = problems_of(path)
    assert any("'p_V'" in p for p in problems)


def test_rest_of_world_f_i_below_one_is_fine(write_priors):
    overrides = {"F_I": {"dist": "uniform", "low": 0.0, "high": 0.99}}
    wv = load_worldview(write_priors(overrides, drop=DERIVED, extra=REST, top=ROW))
    assert wv.priors["F_I"].support() == (0.0, 0.99)


def test_fractions_f_i_may_reach_one():
    """Only the rest-of-world parametrisation needs F_I < 1; [0, 1] is F_I's range."""
    prior = prior_for("F_I", {"dist": "uniform", "low": 0.0, "high": 1.0})
    assert prior.support() == (0.0, 1.0)


def test_rest_of_world_missing_r_v(write_priors):
    path = write_priors(drop=DERIVED, extra={k: v for k, v in REST.items() if k != "R_V"}, top=ROW)
    only_problem(path, "parameter 'R_V'", "missing")


def test_unknown_top_level_key(write_priors):
    path = write_priors(top={"worldview": "mine"})
    only_problem(path, "unknown top-level key", "worldview")


def test_unknown_parametrisation(write_priors):
    path = write_priors(top={"parametrisation": "fraction"})
    only_problem(path, "unknown parametrisation", "'fraction'", "rest_of_world")


def test_description_must_be_text(write_priors):
    only_problem(write_priors(top={"description": ["a", "b"]}), "description")


def test_parameters_must_be_a_mapping(write_priors):
    only_problem(write_priors(top={"parameters": ["U_B", "b"]}), "'parameters:'")


def test_invalid_yaml(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("parameters:\n  U_B: {dist: uniform, low: 0\n", encoding="utf-8")
    only_problem(path, "not valid YAML")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    only_problem(path, "'parameters:'")


def test_missing_file(tmp_path):
    path = tmp_path / "no_such_worldview.yaml"
    only_problem(path, "not found")


def test_several_problems_reported_at_once(write_priors):
    path = write_priors(
        {
            "U_B": {"dist": "uniform", "low": 2, "high": 1},
            "p_V": {"dist": "normal", "mean": 0.5, "sd": 0.1},
        }
    )
    problems = problems_of(path)
    assert len(problems) == 2, problems
    assert all(str(path) in p for p in problems)
    assert sum("parameter 'U_B'" in p and "low < high" in p for p in problems) == 1
    assert sum("parameter 'p_V'" in p and "admissible range" in p for p in problems) == 1


def test_all_kinds_of_problem_reported_together(write_priors):
    path = write_priors(
        {"b": {"dist": "gamma"}},
        drop=["U_notB"],
        extra={"U_C": UNIFORM},
        top={"colour": "blue"},
    )
    problems = problems_of(path)
    assert len(problems) == 4, problems
    for fragment in ("'b'", "'U_notB'", "'U_C'", "colour"):
        assert sum(fragment in p for p in problems) == 1, (fragment, problems)
