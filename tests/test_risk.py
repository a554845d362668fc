"""Risk-attitude decision rules against hand-computed values, analytic properties, brute force."""

from __future__ import annotations

import itertools
import math
import re
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agi_interventions import risk
from agi_interventions.parameters import INTERVENTIONS

COLUMNS = list(INTERVENTIONS)

small_ints = st.lists(st.integers(-50, 50), min_size=2, max_size=40)
floats = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
float_lists = st.lists(floats, min_size=1, max_size=40)


def reu_by_hand(values: np.ndarray, probs: np.ndarray, a: float) -> float:
    """REU of a lottery given as distinct outcomes and probabilities (Buchak's formula)."""
    order = np.argsort(values)
    v, q = values[order], probs[order]
    total = v[0]
    for i in range(1, len(v)):
        at_least = q[i:].sum()
        total += at_least**a * (v[i] - v[i - 1])
    return float(total)


def lottery(n_high: int, n: int, high: float, low: float = 0.0) -> np.ndarray:
    return np.array([high] * n_high + [low] * (n - n_high))


# --------------------------------------------------------------------------- REU


def test_reu_three_outcomes_by_hand():
    # -100 * 1 + (0 - -100) * 0.9^2 + (100 - 0) * 0.1^2 = -100 + 81 + 1
    draws = np.array([-100.0] + [0.0] * 8 + [100.0])
    assert risk.risk_weighted_eu(draws, a=2) == pytest.approx(-18.0, abs=1e-12)
    weighted = risk.risk_weighted_eu([100.0, -100.0, 0.0], a=2, weights=[0.1, 0.1, 0.8])
    assert weighted == pytest.approx(-18.0, abs=1e-12)


@pytest.mark.parametrize("p", [0.03, 0.05, 0.10])
def test_reu_calibration_sure_x_equals_p_chance_of_100x(p):
    # a p chance of 1000 (else 0) is worth a sure 10 at the exponent calibrated to p
    draws = lottery(round(100 * p), 100, 1000.0)
    assert risk.risk_weighted_eu(draws, p=p) == pytest.approx(10.0, rel=1e-12)
    assert p ** risk.reu_exponent(p) == pytest.approx(0.01, rel=1e-12)


def test_reu_exponent_ends_and_inverse():
    assert risk.reu_exponent(0.01) == pytest.approx(1.0, abs=1e-15)
    assert risk.reu_exponent(0.10) == pytest.approx(2.0, abs=1e-15)
    for p in (0.02, 0.03, 0.05, 0.07):
        assert risk.reu_probability(risk.reu_exponent(p)) == pytest.approx(p, rel=1e-12)
    for bad in (0.0, 1.0, -0.1, 2.0):
        with pytest.raises(ValueError, match="p must be"):
            risk.reu_exponent(bad)
    with pytest.raises(ValueError, match="a must be"):
        risk.risk_weighted_eu([1.0, 2.0], a=0.0)
    with pytest.raises(ValueError, match="not both"):
        risk.risk_weighted_eu([1.0, 2.0], a=2.0, p=0.1)
    with pytest.raises(ValueError, match="needs a or p"):
        risk.risk_weighted_eu([1.0, 2.0])


def test_reu_of_a_sure_thing_is_that_thing():
    assert risk.risk_weighted_eu([8.0], a=2) == 8.0
    assert risk.risk_weighted_eu([8.0] * 5, p=0.05) == pytest.approx(8.0, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(small_ints, st.floats(0.5, 3.0))
def test_reu_ties_match_the_lottery_of_distinct_outcomes(draws, a):
    x = np.array(draws, dtype=float)
    values, counts = np.unique(x, return_counts=True)
    expected = reu_by_hand(values, counts / x.size, a)
    assert risk.risk_weighted_eu(x, a=a) == pytest.approx(expected, rel=1e-10, abs=1e-10)


@settings(max_examples=60, deadline=None)
@given(float_lists, st.floats(0.01, 100.0), st.floats(-1e3, 1e3), st.floats(1.0, 3.0))
def test_reu_is_affine_equivariant(draws, scale, shift, a):
    x = np.array(draws)
    left = risk.risk_weighted_eu(scale * x + shift, a=a)
    right = scale * risk.risk_weighted_eu(x, a=a) + shift
    assert left == pytest.approx(right, rel=1e-9, abs=1e-7 * (1 + scale * np.abs(x).max()))


@settings(max_examples=60, deadline=None)
@given(float_lists)
def test_reu_at_a_one_is_the_mean(draws):
    x = np.array(draws)
    assert risk.risk_weighted_eu(x, a=1.0) == pytest.approx(
        x.mean(), rel=1e-9, abs=1e-9 * (1 + np.abs(x).max())
    )


@settings(max_examples=60, deadline=None)
@given(small_ints, st.floats(1.01, 3.0))
def test_reu_is_below_the_mean_for_risk_aversion(draws, a):
    x = np.array(draws, dtype=float)
    reu = risk.risk_weighted_eu(x, a=a)
    if np.ptp(x) == 0:
        assert reu == pytest.approx(x[0])
        return
    # strictly below: at least one increment of >= 1 carries r(P) = P^a < P, P = k/N
    n = x.size
    assert reu <= x.mean() - min(p - p**a for p in np.arange(1, n) / n) + 1e-9
    assert x.min() <= reu


@settings(max_examples=40, deadline=None)
@given(small_ints)
def test_reu_decreases_with_the_probability_p(draws):
    x = np.array(draws, dtype=float)
    values = [risk.risk_weighted_eu(x, p=p) for p in (0.01, 0.03, 0.05, 0.10)]
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(values))


def test_pooling_first_differs_from_averaging_rules():
    # a 50/50 mixture of "0 for sure" and "10 for sure"
    pooled = np.array([0.0] * 50 + [10.0] * 50)
    assert risk.risk_weighted_eu(pooled, a=2) == pytest.approx(2.5, abs=1e-12)
    averaged = risk.risk_weighted_eu([0.0] * 50, a=2) + risk.risk_weighted_eu([10.0] * 50, a=2)
    assert averaged / 2 == pytest.approx(5.0)


# --------------------------------------------------------------------------- WLU


def test_wlu_by_hand():
    # c = 1/3: w(8) = 1/(1 + 2) = 1/3, w(0) = 1, w(-8) = 2 - 1/3 = 5/3
    assert risk.weighted_linear_utility([0.0, 0.0, 8.0], 1 / 3) == pytest.approx(8 / 7)
    assert risk.weighted_linear_utility([-8.0, 8.0], 1 / 3) == pytest.approx(-16 / 3)
    np.testing.assert_allclose(risk.wlu_weights([-8.0, 0.0, 8.0], 1 / 3), [5 / 3, 1.0, 1 / 3])


def test_wlu_three_percent_of_1000_as_rethink_priorities_model():
    # the cross-cause model's check: a 3% chance of 1000 is worth about 10 at c = 0.1
    w = 1 / (1 + 1000**0.1)
    expected = 3 * w * 1000 / (3 * w + 97)
    value = risk.weighted_linear_utility(lottery(3, 100, 1000.0), 0.1)
    assert value == pytest.approx(expected, rel=1e-12)
    assert abs(value - 10) < 0.5


def test_wlu_is_not_scale_invariant():
    # [0, 8] at c = 1/3: (8/3) / (4/3) = 2; in units 8 times larger ([0, 1]): 1/3, i.e. 8/3
    assert risk.weighted_linear_utility([0.0, 8.0], 1 / 3) == pytest.approx(2.0)
    assert 8 * risk.weighted_linear_utility([0.0, 1.0], 1 / 3) == pytest.approx(8 / 3)


@settings(max_examples=60, deadline=None)
@given(float_lists)
def test_wlu_at_c_zero_is_the_mean(draws):
    x = np.array(draws)
    assert risk.weighted_linear_utility(x, 0.0) == pytest.approx(
        x.mean(), rel=1e-12, abs=1e-12 * (1 + np.abs(x).max())
    )


@settings(max_examples=60, deadline=None)
@given(float_lists, st.floats(0.001, 1.0))
def test_wlu_weights_decrease_so_wlu_is_at_most_the_mean(draws, c):
    x = np.sort(np.array(draws))
    w = risk.wlu_weights(x, c)
    assert np.all(np.diff(w) <= 1e-15) and np.all((w > 0) & (w < 2))
    tol = 1e-9 * (1 + np.abs(x).max())
    assert x.min() - tol <= risk.weighted_linear_utility(x, c) <= x.mean() + tol


# --------------------------------------------------------------------------- ambiguity


@pytest.mark.parametrize("n", [2, 3, 10, 1001, 32768])
@pytest.mark.parametrize(("k", "worst"), [(4, 1.5), (8, 2.0)])
def test_ambiguity_weights_sum_to_one_and_weigh_the_worst(n, k, worst):
    w = risk.ambiguity_weights(n, k)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert w[0] * n == pytest.approx(worst)
    assert w[-1] * n == pytest.approx(2.0 - worst, abs=1e-12)
    assert np.all(np.diff(w) <= 1e-18)


def test_ambiguity_by_hand():
    # N = 3: weights (1 - k (i/2 - 1/2)^3) / 3: k = 8 -> 2/3, 1/3, 0; k = 4 -> 1/2, 1/3, 1/6
    assert risk.ambiguity_averse_ev([3.0, 1.0, 2.0], 8) == pytest.approx(4 / 3)
    assert risk.ambiguity_averse_ev([3.0, 1.0, 2.0], 4) == pytest.approx(5 / 3)
    assert risk.ambiguity_averse_ev([3.0, 1.0, 2.0], 0) == pytest.approx(2.0)
    assert risk.ambiguity_averse_ev([5.0], 8) == 5.0
    with pytest.raises(ValueError, match="k must be"):
        risk.ambiguity_averse_ev([1.0, 2.0], 9)


@settings(max_examples=30, deadline=None)
@given(st.floats(1.5, 1e5), st.floats(0, 8))
def test_ambiguity_cumulative_weight_is_one_at_the_total(total, k):
    g = risk._ambiguity_cumulative(np.array([0.0, total]), total, k)
    assert g[0] == 0.0
    assert g[1] == pytest.approx(1.0, abs=1e-12)


# --------------------------------------------------------------------------- trimmed mean


def test_trimmed_mean_as_rethink_priorities_model():
    # the cross-cause model's check: 1000 draws, -1000, -1, 995 ones, 3, 3, 100000
    x = np.ones(1000)
    x[0], x[1], x[997], x[998], x[999] = -1000, -1, 3, 3, 100000
    assert risk.trimmed_expected_value(x, 0.005) == pytest.approx(1.0)  # 5 dropped each end
    assert risk.trimmed_expected_value(x, 0.0005) == pytest.approx(1000 / 998)  # 1 each end
    assert risk.trimmed_expected_value(x, 0.0) == pytest.approx(x.mean())


@pytest.mark.parametrize(("trim", "dropped"), [(0.005, 164), (0.0005, 17)])
def test_trimmed_mean_drops_the_right_counts_at_the_pipeline_size(trim, dropped):
    n = 32768  # trim * n = 163.84 and 16.384: ceil gives 164 and 17 at each end
    x = np.random.default_rng(3).permutation(np.arange(n, dtype=float) ** 2)
    kept = np.arange(dropped, n - dropped, dtype=float) ** 2
    assert risk.trimmed_expected_value(x, trim) == pytest.approx(kept.mean(), rel=1e-14)
    fewer = np.arange(dropped - 1, n - dropped + 1, dtype=float) ** 2
    assert risk.trimmed_expected_value(x, trim) != pytest.approx(fewer.mean(), rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-100, 100), min_size=3, max_size=200),
    st.sampled_from(["0.005", "0.0005", "0.01", "0.1", "0.25", "0.3"]),
)
def test_trimmed_mean_counts_by_exact_arithmetic(draws, trim_text):
    x = np.array(draws, dtype=float)
    n = x.size
    m = math.ceil(Fraction(trim_text) * n)
    if n - 2 * m < 1:
        with pytest.raises(ValueError, match="leaves no"):
            risk.trimmed_expected_value(x, float(trim_text))
        return
    expected = Fraction(int(np.sort(x)[m : n - m].sum()), n - 2 * m)
    assert risk.trimmed_expected_value(x, float(trim_text)) == pytest.approx(float(expected))


# --------------------------------------------------------------------------- weights


def all_rules(x, weights=None):
    return [
        risk.expected_value(x, weights),
        risk.trimmed_expected_value(x, 0.05, weights),
        risk.trimmed_expected_value(x, 0.2, weights),
        risk.risk_weighted_eu(x, a=1.7, weights=weights),
        risk.weighted_linear_utility(x, 0.05, weights),
        risk.ambiguity_averse_ev(x, 4, weights),
        risk.ambiguity_averse_ev(x, 8, weights),
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-1000, 1000), st.integers(0, 4)), min_size=2, max_size=60
    ).filter(lambda pairs: sum(c for _, c in pairs) >= 12)
)
def test_integer_weights_equal_the_expanded_sample(pairs):
    x = np.array([v for v, _ in pairs], dtype=float) / 7.0
    w = np.array([c for _, c in pairs])
    expanded = np.repeat(x, w)
    np.testing.assert_allclose(all_rules(x, w), all_rules(expanded), rtol=1e-9, atol=1e-9)


def test_weights_are_validated():
    with pytest.raises(ValueError, match="shape"):
        risk.expected_value([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="non-negative"):
        risk.expected_value([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="positive sum"):
        risk.expected_value([1.0, 2.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="non-finite"):
        risk.risk_weighted_eu([1.0, np.nan], a=2)
    with pytest.raises(ValueError, match="weights count draws"):
        risk.ambiguity_averse_ev([1.0, 2.0], 4, [0.5, 0.5])
    with pytest.raises(ValueError, match="trim must be"):
        risk.trimmed_expected_value([1.0, 2.0], 0.5)
    with pytest.raises(ValueError, match="c must be"):
        risk.weighted_linear_utility([1.0, 2.0], -0.1)


# --------------------------------------------------------------------------- bootstrap


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(5, 60))
def test_bootstrap_replicates_are_the_rules_on_the_resamples(seed, n):
    rng = np.random.default_rng(seed)
    matrix = np.column_stack(
        [rng.standard_normal(n), rng.lognormal(0, 2, n), rng.integers(0, 3, n)]
    )
    matrix = matrix.astype(float)
    specs = [*risk._preset_specs(), risk._Spec("trimmed_ev", "trim", 0.1, 0.1)]
    counts = rng.multinomial(n, np.full(n, 1 / n), size=4).T.astype(np.int32)  # (N, b)
    orders = [np.argsort(matrix[:, j], kind="stable") for j in range(3)]
    sorted_cols = [matrix[o, j] for j, o in enumerate(orders)]
    cache = [{c: risk.wlu_weights(xs, c) for c in (0.01, 0.05, 0.1)} for xs in sorted_cols]
    got, _ = risk._block_replicates(
        counts, orders, sorted_cols, specs, risk._tables(specs, n), cache
    )
    for b in range(counts.shape[1]):
        for j in range(3):
            sample = np.repeat(matrix[:, j], counts[:, b])
            for i, s in enumerate(specs):
                if s.rule == "ev":
                    expected = sample.mean()
                elif s.rule == "trimmed_ev":
                    expected = risk.trimmed_expected_value(sample, s.parameter)
                elif s.rule == "reu":
                    expected = risk.risk_weighted_eu(sample, a=s.parameter)
                elif s.rule == "wlu":
                    expected = risk.weighted_linear_utility(sample, s.parameter)
                else:
                    expected = float(
                        np.dot(risk.ambiguity_weights(n, s.parameter), np.sort(sample))
                    )
                scale = 1 + np.abs(sample).max()
                assert got[i, j, b] == pytest.approx(expected, rel=1e-9, abs=1e-12 * scale)


def frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "a_V": rng.normal(0.3, 1.0, n),
            "a_CV": rng.lognormal(-1.0, 1.0, n),
            "a_CnotV": rng.exponential(0.35, n),
        }
    )


def test_risk_table_layout_values_and_winners():
    values = frame(2000)
    table = risk.risk_table(values, seed=1, n_bootstrap=50)
    assert list(table.columns) == risk.TABLE_COLUMNS
    n_settings = sum(len(r.settings()) for r in risk.RULES.values())
    assert n_settings == 11 and len(table) == 33
    assert list(table["rule"].unique()) == ["ev", "trimmed_ev", "reu", "wlu", "ambiguity"]
    assert (table["n"] == 2000).all()
    assert table.loc[table["rule"] == "ev", "setting"].eq("").all()
    assert table.loc[table["rule"] == "ev", "setting_value"].isna().all()
    direct = {
        ("ev", ""): lambda x: x.mean(),
        ("trimmed_ev", "0.005"): lambda x: risk.trimmed_expected_value(x, 0.005),
        ("trimmed_ev", "0.0005"): lambda x: risk.trimmed_expected_value(x, 0.0005),
        ("reu", "0.03"): lambda x: risk.risk_weighted_eu(x, p=0.03),
        ("reu", "0.05"): lambda x: risk.risk_weighted_eu(x, p=0.05),
        ("reu", "0.1"): lambda x: risk.risk_weighted_eu(x, p=0.1),
        ("wlu", "0.01"): lambda x: risk.weighted_linear_utility(x, 0.01),
        ("wlu", "0.05"): lambda x: risk.weighted_linear_utility(x, 0.05),
        ("wlu", "0.1"): lambda x: risk.weighted_linear_utility(x, 0.1),
        ("ambiguity", "4"): lambda x: risk.ambiguity_averse_ev(x, 4),
        ("ambiguity", "8"): lambda x: risk.ambiguity_averse_ev(x, 8),
    }
    for (rule, setting), rows in table.groupby(
        ["rule", "setting_value"], dropna=False, sort=False
    ):
        key = (rule, "" if pd.isna(setting) else f"{setting:g}")
        expected = {c: direct[key](values[c].to_numpy()) for c in COLUMNS}
        np.testing.assert_allclose(rows["value"], [expected[c] for c in rows["intervention"]])
        assert (rows["winner"] == rows["winner"].iloc[0]).all()
        assert rows["winner"].iloc[0] == max(expected, key=expected.get)
        assert (rows["ci_low"] < rows["ci_high"]).all() and (rows["se"] > 0).all()
    # the means are 0.3, exp(-1 + 1/2) = 0.61 and 0.35
    assert table.loc[table["rule"] == "ev", "winner"].iloc[0] == "a_CV"


def test_risk_table_is_reproducible_byte_for_byte():
    values = frame(3000, seed=4)
    first = risk.risk_table(values, seed=7, n_bootstrap=40).to_csv()
    assert risk.risk_table(values, seed=7, n_bootstrap=40).to_csv() == first
    assert risk.risk_table(values, seed=8, n_bootstrap=40).to_csv() != first


def test_risk_table_leaves_out_non_finite_rows():
    values = frame(1000, seed=5)
    dirty = values.copy()
    dirty.loc[3, "a_V"] = np.nan
    dirty.loc[10, "a_CnotV"] = np.inf
    dirty.loc[11, "a_CV"] = -np.inf
    clean = values.drop(index=[3, 10, 11]).reset_index(drop=True)
    left = risk.risk_table(dirty, seed=2, n_bootstrap=0)
    right = risk.risk_table(clean, seed=2, n_bootstrap=0)
    assert (left["n"] == 997).all()
    np.testing.assert_array_equal(left["value"], right["value"])
    assert left[["ci_low", "ci_high", "se"]].isna().all().all()


def test_bootstrap_standard_error_of_the_mean_matches_theory():
    x = np.random.default_rng(11).standard_normal(4000)
    values = pd.DataFrame({"a": x})
    rows = risk.rule_values(values, "ev", seed=3, n_bootstrap=400, interventions=["a"])
    se = rows["se"].iloc[0]
    assert se == pytest.approx(x.std(ddof=1) / math.sqrt(x.size), rel=0.15)
    half = (rows["ci_high"] - rows["ci_low"]).iloc[0] / 2
    assert half == pytest.approx(1.96 * se, rel=0.2)


def test_interval_kinds_by_hand():
    estimate = np.array([1.0])
    replicates = np.array([[0.0, 1.0, 2.0, 10.0]])
    low, high, se = risk.bootstrap_intervals(estimate, replicates, conf_level=0.5)
    q_low, q_high = np.quantile(replicates[0], [0.25, 0.75])
    assert (low[0], high[0]) == pytest.approx((q_low, q_high))
    low, high, _ = risk.bootstrap_intervals(estimate, replicates, conf_level=0.5, interval="basic")
    assert (low[0], high[0]) == pytest.approx((2 - q_high, 2 - q_low))
    low, high, _ = risk.bootstrap_intervals(
        estimate, replicates, conf_level=0.5, interval="normal"
    )
    z = 0.6744897501960817
    assert (low[0], high[0]) == pytest.approx((1 - z * se[0], 1 + z * se[0]))
    assert se[0] == pytest.approx(np.std([0, 1, 2, 10], ddof=1))
    with pytest.raises(ValueError, match="interval"):
        risk.bootstrap_intervals(estimate, replicates, interval="bca")


def test_rule_values_are_the_table_rows_and_validate_arguments():
    values = frame(1500, seed=6)
    table = risk.risk_table(values, seed=5, n_bootstrap=30)
    rows = risk.rule_values(values, "reu", p=0.05, seed=5, n_bootstrap=30)
    expected = table[(table["rule"] == "reu") & (table["setting_value"] == 0.05)]
    pd.testing.assert_frame_equal(rows, expected.reset_index(drop=True))
    by_a = risk.rule_values(values, "reu", a=2.0, seed=5, n_bootstrap=30)
    assert (by_a["setting"] == "a").all()
    np.testing.assert_allclose(
        by_a["value"],
        table.loc[(table["rule"] == "reu") & (table["setting_value"] == 0.1), "value"],
    )
    with pytest.raises(ValueError, match="needs a or p"):
        risk.rule_values(values, "reu", seed=1)
    with pytest.raises(ValueError, match="not both"):
        risk.rule_values(values, "reu", a=2, p=0.1, seed=1)
    with pytest.raises(ValueError, match="argument k does not apply"):
        risk.rule_values(values, "wlu", c=0.1, k=4, seed=1)
    with pytest.raises(ValueError, match="argument trim does not apply"):
        risk.rule_values(values, "ev", trim=0.1, seed=1)
    with pytest.raises(ValueError, match="needs c"):
        risk.rule_values(values, "wlu", seed=1)
    with pytest.raises(ValueError, match="trim must be"):
        risk.rule_values(values, "trimmed_ev", trim=0.6, seed=1)
    with pytest.raises(ValueError, match="p must be"):
        risk.rule_values(values, "reu", p=1.5, seed=1)
    with pytest.raises(ValueError, match="unknown rule"):
        risk.rule_values(values, "cvar", seed=1)
    with pytest.raises(ValueError, match="lacks column"):
        risk.rule_values(values, "ev", seed=1, interventions=["a_X"])


# --------------------------------------------------------------------------- switching


def sure_vs_lottery(p_switch: float) -> pd.DataFrame:
    """Alignment: 5% chance of V (else 0) with REU = 1 exactly at p_switch; Cooperation,
    aligned: 1 for sure; Cooperation, misaligned: 0.5 for sure."""
    high = 0.05 ** -risk.reu_exponent(p_switch)  # 0.05^a V = 1 at a(p_switch)
    return pd.DataFrame(
        {"a_V": lottery(5, 100, high), "a_CV": np.ones(100), "a_CnotV": np.full(100, 0.5)}
    )


def test_reu_switch_at_the_analytic_level_and_its_sentence_matches_the_table():
    values = sure_vs_lottery(0.04)
    switch = risk.switching_risk_level(values, "reu")
    assert switch is not None
    assert switch.level == pytest.approx(0.04, rel=1e-7)
    assert (switch.below, switch.above) == ("a_V", "a_CV")
    sentence = risk.switch_sentence(switch, rule="reu")
    assert sentence == risk.risk_sentence(values, "reu")
    assert sentence.startswith("Alignment stays best up to p = 0.04, between low (p = 0.03)")
    table = risk.risk_table(values, seed=1, n_bootstrap=0)
    winners = table[table["rule"] == "reu"].groupby("setting_value")["winner"].first()
    level = float(re.search(r"up to p = ([0-9.]+)", sentence).group(1))
    below, above = sentence.split("; above it, ")
    for p, winner in winners.items():
        named = below if p < level else above
        assert INTERVENTIONS[winner] in named
        other = above if p < level else below
        assert INTERVENTIONS[winner] not in other
    assert table.loc[table["rule"] == "ev", "winner"].iloc[0] == "a_V"


def test_reu_switch_at_a_preset_is_named_by_its_level():
    switch = risk.switching_risk_level(sure_vs_lottery(0.05), "reu")
    sentence = risk.switch_sentence(switch, rule="reu")
    assert sentence == (
        "Alignment stays best up to moderate risk aversion (p = 0.05); above it, "
        "Cooperation, aligned is best."
    )


def test_no_switch_sentence_names_the_winner_of_every_preset():
    values = frame(2000, seed=9)
    values["a_CV"] = values["a_CnotV"] + 10.0  # better in every draw
    assert risk.switching_risk_level(values, "reu") is None
    sentence = risk.risk_sentence(values, "reu")
    assert sentence.startswith("Cooperation, aligned is best at every level from p = 0.01")
    table = risk.risk_table(values, seed=1, n_bootstrap=0)
    assert (table.loc[table["rule"].isin(["ev", "reu"]), "winner"] == "a_CV").all()


def wlu_two_point(c: float, low: float, high: float, share: float) -> float:
    w_low, w_high = 1 / (1 + low**c), 1 / (1 + high**c)
    return (share * w_high * high + (1 - share) * w_low * low) / (
        share * w_high + (1 - share) * w_low
    )


def test_wlu_switch_matches_the_closed_form_root():
    # Alignment: 5% of 25, else 0.01 (EV 1.2595); Cooperation, aligned: 1 for sure
    values = pd.DataFrame(
        {"a_V": lottery(5, 100, 25.0, 0.01), "a_CV": np.ones(100), "a_CnotV": np.full(100, 0.5)}
    )
    lo, hi = 1e-9, 0.1  # independent bisection of WLU(lottery) = 1 on the closed form
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if wlu_two_point(mid, 0.01, 25.0, 0.05) > 1 else (lo, mid)
    switch = risk.switching_risk_level(values, "wlu")
    assert switch is not None and (switch.below, switch.above) == ("a_V", "a_CV")
    assert switch.level == pytest.approx(lo, rel=1e-6)
    sentence = risk.switch_sentence(switch, rule="wlu")
    table = risk.risk_table(values, seed=1, n_bootstrap=0)
    winners = table[table["rule"] == "wlu"].groupby("setting_value")["winner"].first()
    for c, winner in winners.items():
        assert winner == ("a_V" if c < lo else "a_CV")
    assert sentence.startswith("Alignment stays best up to c = ")
    assert sentence.endswith("above it, Cooperation, aligned is best.")


def test_wlu_jump_at_zero_is_reported_at_level_zero():
    # 5% of 25, else exactly 0: EV 1.25 > 1, but as c -> 0+ zeros weigh 1 and 25 weighs 1/2
    values = pd.DataFrame(
        {"a_V": lottery(5, 100, 25.0), "a_CV": np.ones(100), "a_CnotV": np.full(100, 0.5)}
    )
    assert risk.weighted_linear_utility(values["a_V"], 1e-9) == pytest.approx(
        0.05 * 0.5 * 25 / (0.05 * 0.5 + 0.95), rel=1e-6
    )
    switch = risk.switching_risk_level(values, "wlu")
    assert switch is not None and switch.level == 0.0
    assert (switch.below, switch.above) == ("a_V", "a_CV")
    assert "jumps at c = 0" in risk.switch_sentence(switch, rule="wlu")


def test_switching_arguments_are_validated():
    values = sure_vs_lottery(0.04)
    with pytest.raises(ValueError, match="rule must be"):
        risk.switching_risk_level(values, "ambiguity")
    with pytest.raises(ValueError, match="low < high"):
        risk.switching_risk_level(values, "reu", low=0.05, high=0.2)
    with pytest.raises(ValueError, match="winner is needed"):
        risk.switch_sentence(None, rule="reu")
    later = risk.switching_risk_level(values, "reu", low=0.045)
    assert later is None


# --------------------------------------------------------------------------- studentized


def numeric_influence_se(x: np.ndarray, rule, eps: float = 1e-6) -> float:
    """Standard error from the influence function by finite differences of the weights."""
    n = x.size
    base = rule(x, np.ones(n))
    influence = np.empty(n)
    for lo in range(n):
        w = np.full(n, 1.0 - eps)
        w[lo] += eps * n  # the empirical distribution moved towards a point mass at x_l
        influence[lo] = (rule(x, w) - base) / eps
    return float(np.sqrt(np.sum((influence - influence.mean()) ** 2)) / n)


@pytest.mark.parametrize(
    ("index", "rule"),
    [
        (0, lambda x, w: risk.expected_value(x, w)),
        (9, lambda x, w: risk.risk_weighted_eu(x, a=risk.reu_exponent(0.03), weights=w)),
        (15, lambda x, w: risk.risk_weighted_eu(x, a=2.0, weights=w)),
        (24, lambda x, w: risk.weighted_linear_utility(x, 0.1, w)),
        (30, lambda x, w: risk.ambiguity_averse_ev(x, 8, w * x.size / w.sum())),
    ],
)
def test_influence_standard_errors_match_finite_differences(index, rule):
    rng = np.random.default_rng(21)
    values = pd.DataFrame(
        {"a_V": rng.normal(0, 1, 400), "a_CV": rng.lognormal(0, 1, 400), "a_CnotV": np.ones(400)}
    )
    rr = risk.risk_replicates(values, seed=1, n_bootstrap=0, studentize=True)
    assert rr.rows.loc[index, "intervention"] == "a_V"
    expected = numeric_influence_se(values["a_V"].to_numpy(), rule)
    # the ambiguity weights are evaluated at positions, the influence function at shares:
    # they agree to O(1/n)
    assert rr.estimate_se[index] == pytest.approx(expected, rel=0.02)


def test_influence_standard_error_of_the_mean_and_trimmed_mean_by_hand():
    x = np.random.default_rng(2).standard_normal(1000)
    values = pd.DataFrame({"a": x})
    rr = risk.risk_replicates(values, seed=1, n_bootstrap=0, studentize=True, interventions=["a"])
    assert rr.estimate_se[0] == pytest.approx(x.std() / math.sqrt(x.size), rel=1e-10)
    # trimmed mean (5 dropped of 1000 at each end): the winsorized sample's spread / (1 - 2t)
    xs = np.sort(x)
    winsorized = np.clip(xs, xs[5], xs[994])
    expected = winsorized.std() / (0.99 * math.sqrt(x.size))
    assert rr.estimate_se[1] == pytest.approx(expected, rel=1e-9)


def test_studentized_interval_by_hand():
    estimate, s0 = np.array([1.0]), np.array([0.5])
    replicates = np.array([[0.0, 1.0, 2.0, 5.0]])
    replicate_se = np.array([[1.0, 1.0, 2.0, 2.0]])
    t = np.array([-1.0, 0.0, 0.5, 2.0])
    q_low, q_high = np.quantile(t, [0.25, 0.75])
    low, high, _ = risk.bootstrap_intervals(
        estimate,
        replicates,
        conf_level=0.5,
        interval="studentized",
        estimate_se=s0,
        replicate_se=replicate_se,
    )
    assert (low[0], high[0]) == pytest.approx((1 - q_high * 0.5, 1 - q_low * 0.5))
    with pytest.raises(ValueError, match="need estimate_se"):
        risk.bootstrap_intervals(estimate, replicates, interval="studentized")


def test_studentized_table_runs_and_brackets_the_estimate():
    values = frame(2000, seed=12)
    table = risk.risk_table(values, seed=3, n_bootstrap=60, interval="studentized")
    assert (table["ci_low"] < table["value"]).all() and (table["value"] < table["ci_high"]).all()


def test_m_out_of_n_resamples_are_the_rules_on_the_smaller_resamples():
    rng = np.random.default_rng(8)
    n, m = 50, 20
    matrix = np.column_stack([rng.standard_normal(n), rng.lognormal(0, 1, n), rng.random(n)])
    specs = risk._preset_specs()
    counts = rng.multinomial(m, np.full(n, 1 / n), size=3).T
    orders = [np.argsort(matrix[:, j], kind="stable") for j in range(3)]
    sorted_cols = [matrix[o, j] for j, o in enumerate(orders)]
    cache = [{c: risk.wlu_weights(xs, c) for c in (0.01, 0.05, 0.1)} for xs in sorted_cols]
    got, _ = risk._block_replicates(
        counts, orders, sorted_cols, specs, risk._tables(specs, m), cache
    )
    for b in range(3):
        sample = np.repeat(matrix[:, 1], counts[:, b])
        assert got[3, 1, b] == pytest.approx(risk.risk_weighted_eu(sample, p=0.03))
        assert got[9, 1, b] == pytest.approx(risk.ambiguity_averse_ev(sample, 4))
        assert got[1, 1, b] == pytest.approx(risk.trimmed_expected_value(sample, 0.005))
