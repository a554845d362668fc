"""Switching values against known crossings."""

import numpy as np
import pandas as pd
import pytest

from agi_interventions.stats import Z95
from agi_interventions.switching import conditional_means, switching_table


def switching_points(x, values, **_):
    """Switches along one parameter (the table's rows for it)."""
    table = switching_table(pd.DataFrame({"x": x}), values, n_bootstrap=40, seed=1)
    return table.drop(columns="parameter").reset_index(drop=True)


def test_conditional_means_equal_count_bins_and_exact_means():
    x = np.arange(100, dtype=float)[::-1]  # unsorted input
    values = pd.DataFrame({"A": 2 * x, "B": np.ones(100)})
    cm = conditional_means(x, values, n_bins=4)
    assert list(cm.columns) == [
        "bin",
        "quantile_low",
        "quantile_high",
        "quantile_mid",
        "x_low",
        "x_high",
        "x_mid",
        "intervention",
        "mean",
        "half_width",
    ]
    assert len(cm) == 8
    a = cm[cm["intervention"] == "A"].reset_index(drop=True)
    np.testing.assert_allclose(a["quantile_mid"], [0.125, 0.375, 0.625, 0.875])
    np.testing.assert_allclose(a["x_low"], [0, 25, 50, 75])
    np.testing.assert_allclose(a["x_high"], [24, 49, 74, 99])
    np.testing.assert_allclose(a["x_mid"], [12, 37, 62, 87])
    np.testing.assert_allclose(a["mean"], 2 * a["x_mid"])
    expected_hw = Z95 * np.std(2 * np.arange(25.0), ddof=1) / 5
    np.testing.assert_allclose(a["half_width"], expected_hw)
    b = cm[cm["intervention"] == "B"]
    assert (b["mean"] == 1).all() and (b["half_width"] == 0).all()


def test_switch_at_half_for_linear_versus_constant():
    rng = np.random.default_rng(3)
    x = rng.uniform(size=20_000)
    values = pd.DataFrame({"lin": x, "const": np.full(x.size, 0.5)})
    sw = switching_points(x, values, n_bins=20)
    assert list(sw.columns[:4]) == ["switch_value", "switch_quantile", "from", "to"]
    assert len(sw) == 1
    row = sw.iloc[0]
    assert (row["from"], row["to"]) == ("const", "lin")
    assert row["switch_value"] == pytest.approx(0.5, abs=0.01)
    assert row["switch_quantile"] == pytest.approx(0.5, abs=0.01)
    assert row["bracket_low"] < row["switch_quantile"] < row["bracket_high"]


def test_noisy_crossing_is_found_once():
    # Heavy noise: bins near the crossing are undecided, but exactly one switch is reported.
    rng = np.random.default_rng(4)
    n = 32_768
    x = rng.uniform(size=n)
    values = pd.DataFrame(
        {
            "up": x + rng.standard_t(3, n),
            "flat": 0.3 + rng.standard_t(3, n),
            "low": -1.0 + rng.standard_t(3, n),
        }
    )
    sw = switching_points(x, values)
    assert len(sw) == 1
    assert (sw["from"].iloc[0], sw["to"].iloc[0]) == ("flat", "up")
    assert sw["switch_value"].iloc[0] == pytest.approx(0.3, abs=0.1)


def test_no_switch_when_one_dominates_or_pure_noise():
    rng = np.random.default_rng(5)
    x = rng.uniform(size=10_000)
    dominated = pd.DataFrame({"A": x + 1.0, "B": x})
    empty = switching_points(x, dominated)
    assert empty.empty
    assert list(empty.columns[:4]) == ["switch_value", "switch_quantile", "from", "to"]
    assert switching_points(np.ones(x.size), dominated).empty  # constant parameter


def test_tied_options_with_noise_give_no_spurious_switch():
    # Equal expected values, independent heavy-tailed noise: winners flicker from bin to bin.
    # Unadjusted 1.96 half-widths report a switch in ~17% of such cases; 10 clean runs in a
    # row would happen by luck only ~15% of the time.
    flicker = 0
    for seed in range(10):
        rng = np.random.default_rng(100 + seed)
        x = rng.uniform(size=4000)
        noise = pd.DataFrame({"A": rng.standard_t(3, x.size), "B": rng.standard_t(3, x.size)})
        cm = conditional_means(x, noise, n_bins=20).pivot_table(
            index="bin", columns="intervention", values="mean"
        )
        flicker += int(np.sum(np.diff(np.sign(cm["A"] - cm["B"])) != 0))
        assert switching_points(x, noise).empty
    assert flicker > 20  # the naive winner rule would have switched many times


def test_two_switches_in_a_hump():
    x = np.linspace(0.0, 1.0, 4000)
    values = pd.DataFrame({"hump": 1.0 - 4.0 * (x - 0.5) ** 2, "flat": np.full(x.size, 0.75)})
    sw = switching_points(x, values)
    # hump > flat for |x - 0.5| < 0.25
    assert list(zip(sw["from"], sw["to"], strict=True)) == [("flat", "hump"), ("hump", "flat")]
    np.testing.assert_allclose(sw["switch_value"], [0.25, 0.75], atol=0.01)


def test_switching_table_over_parameters():
    rng = np.random.default_rng(6)
    n = 8000
    inputs = pd.DataFrame(
        {"p": rng.uniform(size=n), "q": rng.uniform(size=n), "fixed": np.full(n, 2.0)}
    )
    values = pd.DataFrame({"A": inputs["p"].to_numpy(), "B": np.full(n, 0.25)})
    table = switching_table(inputs, values, n_bootstrap=40, seed=2)
    assert list(table.columns[:5]) == [
        "parameter",
        "switch_value",
        "switch_quantile",
        "from",
        "to",
    ]
    assert table["parameter"].tolist() == ["p"]
    assert table["switch_value"].iloc[0] == pytest.approx(0.25, abs=0.02)
    quantile = float((inputs["p"] < 0.25).mean())  # where x = 0.25 lies in this sample
    assert table["bracket_low"].iloc[0] <= quantile <= table["bracket_high"].iloc[0]
    none = switching_table(
        inputs[["q", "fixed"]], values.assign(A=values["A"] + 1.0), n_bootstrap=20, seed=2
    )
    assert none.empty and list(none.columns) == list(table.columns)


def test_a_switch_in_the_outer_tenth_is_found_with_its_bracket():
    """The best option changes at quantile 0.95 of a lognormal input (a heavy right tail)."""
    rng = np.random.default_rng(8)
    n = 32_768
    x = rng.lognormal(0.0, 1.0, n)
    threshold = float(np.exp(1.6449))  # the 95% quantile of x
    values = pd.DataFrame(
        {"tail": x * (1 + 0.3 * rng.standard_normal(n)), "flat": np.full(n, threshold)}
    )
    sw = switching_points(x, values)
    assert len(sw) == 1
    assert (sw["from"].iloc[0], sw["to"].iloc[0]) == ("flat", "tail")
    assert sw["bracket_low"].iloc[0] <= 0.95 <= sw["bracket_high"].iloc[0]
    assert sw["switch_quantile"].iloc[0] == pytest.approx(0.95, abs=0.02)
