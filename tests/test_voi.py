"""Value of information against closed forms and, on the real model, the exact engine."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from agi_interventions.voi import (
    evpi,
    evpi_estimate,
    evppi,
    expected_loss,
    expected_loss_table,
    value_of_information_table,
)
from agi_interventions.voi.regression import BootstrapPlan

REPO = Path(__file__).resolve().parents[1]
N = 2**14


def positive_part_mean(mu: float, s: float) -> float:
    """E[max(0, Z)] for Z ~ Normal(mu, s^2)."""
    return mu * norm.cdf(mu / s) + s * norm.pdf(mu / s)


def normal_voi(mu: float, s: float) -> float:
    """Value of learning Z ~ N(mu, s^2) when choosing between 0 and Z."""
    return positive_part_mean(mu, s) - max(0.0, mu)


def two_options(diff: np.ndarray) -> np.ndarray:
    return np.column_stack([np.zeros_like(diff), diff])


@pytest.fixture(scope="module")
def normal_difference():
    rng = np.random.default_rng(20240601)
    mu, s = 0.5, 1.5
    return mu, s, two_options(rng.normal(mu, s, size=2**17))


def test_evpi_matches_normal_closed_form(normal_difference):
    mu, s, values = normal_difference
    truth = normal_voi(mu, s)
    est = evpi_estimate(values, BootstrapPlan.draw(len(values), 200, seed=1))
    assert est.value == pytest.approx(evpi(values))
    assert abs(est.value - truth) < 4 * est.se
    assert est.ci_low <= est.value <= est.ci_high
    # the cluster bootstrap agrees with the plain standard error of the best option's regret
    analytic = np.maximum(0.0, -values[:, 1]).std(ddof=1) / math.sqrt(len(values))
    assert est.se == pytest.approx(analytic, rel=0.25)


def test_expected_loss_matches_closed_form(normal_difference):
    mu, s, values = normal_difference
    loss, se = expected_loss(values)
    truth = np.array([positive_part_mean(mu, s), positive_part_mean(-mu, s)])
    assert np.all(np.abs(loss - truth) < 4 * se)
    assert loss.min() == pytest.approx(evpi(values), rel=1e-12)


def test_evpi_is_zero_when_one_option_dominates():
    rng = np.random.default_rng(3)
    base = rng.normal(size=1000)
    assert evpi(np.column_stack([base, base + 1.0, base - 2.0])) == pytest.approx(0.0, abs=1e-12)


@pytest.fixture(scope="module")
def linear_normal():
    """Option 2 - option 1 = mu + X @ c + noise, X ~ N(0, I); the last input is irrelevant."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((N, 4))
    c = np.array([1.0, 0.7, 0.5, 0.0])
    mu = 0.3
    return mu, c, x, two_options(mu + x @ c)


@pytest.mark.parametrize(
    ("columns", "scale"),
    [([0], 1.0), ([1], 0.7), ([0, 1], math.hypot(1.0, 0.7)), ([0, 1, 2], math.sqrt(1.74))],
)
def test_evppi_interval_covers_the_linear_normal_truth(linear_normal, columns, scale):
    mu, _, x, values = linear_normal
    truth = normal_voi(mu, scale)
    est = evppi(values, x[:, columns], n_bootstrap=40, seed=3)
    assert est.ci_low <= truth <= est.ci_high
    assert est.value == pytest.approx(truth, rel=0.1)
    assert est.plugin == pytest.approx(truth, rel=0.05)


def test_evppi_of_an_irrelevant_input_is_near_zero(linear_normal):
    _, _, x, values = linear_normal
    est = evppi(values, x[:, 3], n_bootstrap=40, seed=3)
    assert est.ci_low == 0.0
    assert est.ci_high < 0.02 * evpi(values)


def test_evppi_of_a_product_group_is_perfect_information():
    rng = np.random.default_rng(11)
    x = rng.uniform(0.0, 1.0, size=(N, 2))
    values = two_options(x[:, 0] * x[:, 1] - 0.2)
    est = evppi(values, x, n_bootstrap=40, seed=1)
    assert est.ci_low <= evpi(values) <= est.ci_high
    assert est.plugin == pytest.approx(evpi(values), rel=0.02)


def test_evppi_is_deterministic_for_a_seed(linear_normal):
    _, _, x, values = linear_normal
    first = evppi(values, x[:, 0], n_bootstrap=20, seed=5)
    assert first == evppi(values, x[:, 0], n_bootstrap=20, seed=5)
    assert first != evppi(values, x[:, 0], n_bootstrap=20, seed=6)


def test_constant_inputs_and_options_give_zero():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(256)
    assert evppi(two_options(x), np.ones(256), n_bootstrap=10, seed=1).value == 0.0
    assert evppi(np.ones((256, 2)), x, n_bootstrap=10, seed=1).value == 0.0


@pytest.mark.parametrize(
    ("values", "inputs", "message"),
    [
        (np.ones(10), np.ones(10), "2-D"),
        (np.ones((1, 2)), np.ones(1), "at least 2 rows"),
        (np.array([[1.0, np.nan], [0.0, 1.0]]), np.ones(2), "non-finite"),
        (np.ones((10, 2)), np.ones(9), "same samples"),
        (np.ones((10, 2)), np.array([np.inf] + [1.0] * 9), "non-finite"),
    ],
)
def test_invalid_input_raises(values, inputs, message):
    with pytest.raises(ValueError, match=message):
        evppi(values, inputs, n_bootstrap=60, seed=1)


def test_value_of_information_table_rows_and_groups(linear_normal, caplog):
    _, _, x, values = linear_normal
    inputs = pd.DataFrame(x, columns=["a", "b", "c", "d"])
    frame = pd.DataFrame(values, columns=["keep", "switch"])
    with caplog.at_level(logging.INFO):
        table = value_of_information_table(
            frame, inputs, {"ab": ["a", "b"], "none": ["z"]}, n_bootstrap=20, seed=1
        )
    assert list(table["name"]) == ["EVPI", "a", "b", "c", "d", "ab"]
    assert list(table["kind"]) == ["evpi", *["parameter"] * 4, "group"]
    assert (table["rows"] == N).all()
    assert (table["ci_low"] <= table["value"]).all() and (table["value"] <= table["ci_high"]).all()
    assert "none" in caplog.text
    with pytest.raises(ValueError, match="duplicate"):
        value_of_information_table(
            frame, inputs.rename(columns={"b": "a"}), {}, n_bootstrap=10, seed=1
        )


def test_expected_loss_table(linear_normal):
    _, _, _, values = linear_normal
    table = expected_loss_table(pd.DataFrame(values, columns=["keep", "switch"]))
    assert list(table.columns) == ["intervention", "expected_loss", "se"]
    assert table["expected_loss"].min() == pytest.approx(evpi(values))


def test_reduced_coverage_on_the_real_model():
    """A reduced run of benchmarks/evppi_coverage.py: 6 samples of the baseline at N = 2^13.

    Every parameter and group worth at least 5% of EVPI must lie inside its interval in at
    least 5 of the 6 samples and never be estimated as 0; the full study (20 samples of three
    worldviews at N = 2^14) is in the README.
    """
    from agi_interventions.configuration import DecisionSettings
    from agi_interventions.exact import ExactEngine
    from agi_interventions.exact.tables import exact_value_of_information
    from agi_interventions.model import marginal_values
    from agi_interventions.parameters import INTERVENTIONS
    from agi_interventions.priors import load_worldview

    worldview = load_worldview(REPO / "config/priors/baseline.yaml")
    options = list(INTERVENTIONS)
    groups = DecisionSettings.default().groups
    exact = exact_value_of_information(
        ExactEngine(worldview), options, groups, n_draws=2**20, seed=1
    ).set_index("name")["value_exact"]
    relevant = exact.index[(exact >= 0.05 * exact["EVPI"]) & (exact.index != "EVPI")]
    covered = pd.Series(0, index=relevant)
    for seed in range(6):
        rng = np.random.default_rng([seed, 99])
        draws = {k: p.sample(2**14, rng) for k, p in worldview.priors.items()}
        model = marginal_values(draws)
        table = value_of_information_table(
            pd.DataFrame({o: model[o] for o in options}),
            pd.DataFrame({k: draws[k] for k in worldview.uncertain}),
            groups,
            n_bootstrap=40,
            seed=seed + 1,
        ).set_index("name")
        for name in relevant:
            row = table.loc[name]
            assert row["value"] > 0, (seed, name)
            covered[name] += int(row["ci_low"] <= exact[name] <= row["ci_high"])
    assert (covered >= 5).all(), covered.to_dict()
