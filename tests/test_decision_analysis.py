"""Tests for agi_interventions.decision_analysis: winner, decision outputs, groups, glue."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from agi_interventions.decision_analysis import (
    DIFFERENCES,
    choice_sensitivity,
    decision_outputs,
    decision_values,
    difference_name,
    independent_parts,
    indicator_name,
    resolve_groups,
    winner_by_mean,
)
from agi_interventions.parameters import DEFAULT_GROUPS, INTERVENTIONS
from agi_interventions.priors import load_worldview
from agi_interventions.sampling import independent_mask
from agi_interventions.sensitivity import sobol_table

BASELINE = Path(__file__).resolve().parents[1] / "config" / "priors" / "baseline.yaml"
SOBOL_COLUMNS = ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
N_BASE = 64
SEED = 11
RESAMPLES = 20


# --------------------------------------------------------------------------- winner_by_mean


def test_winner_by_mean_picks_largest_mean():
    values = pd.DataFrame({"a_V": [1.0, 2.0, 3.0], "a_CV": [2.0, 2.5, 2.0], "a_CnotV": [0.0] * 3})
    # means: 2.0, 2.1667, 0.0
    assert winner_by_mean(values) == "a_CV"


def test_winner_by_mean_exact_tie_goes_to_first_column():
    values = pd.DataFrame({"a_V": [1.0, 3.0], "a_CV": [3.0, 1.0], "a_CnotV": [0.0, 0.0]})
    assert winner_by_mean(values) == "a_V"


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_winner_by_mean_ignores_rows_with_a_nonfinite_value(bad):
    # On the finite rows a_CV wins (2 > 1). The last row would change the answer if it were
    # used: a_V = 100 there lifts a_V's mean to 25.75 (NaN and -inf in a_CnotV leave a_V
    # the largest mean), and +inf makes a_CnotV's mean infinite.
    values = pd.DataFrame(
        {
            "a_V": [1.0, 1.0, 1.0, 100.0],
            "a_CV": [2.0, 2.0, 2.0, 2.0],
            "a_CnotV": [0.0, 0.0, 0.0, bad],
        }
    )
    assert values.mean(axis=0).idxmax() != "a_CV"
    assert winner_by_mean(values) == "a_CV"


def test_winner_by_mean_raises_without_finite_rows():
    values = pd.DataFrame({"a_V": [np.nan, 1.0], "a_CV": [1.0, np.inf], "a_CnotV": [0.0, 0.0]})
    with pytest.raises(ValueError, match="finite"):
        winner_by_mean(values)


# --------------------------------------------------------------------------- decision_outputs


def test_output_names():
    assert difference_name("a_CnotV", "a_V") == "a_CnotV-a_V"
    assert indicator_name("a_CV") == "best_is_a_CV"


@pytest.fixture
def small_samples() -> pd.DataFrame:
    # Rows: clear a_CV win, a_V win, three-way tie, tie a_CV = a_CnotV > a_V, a_CnotV win,
    # NaN row, +inf row (a_CV itself infinite), -inf row in another column.
    return pd.DataFrame(
        {
            "a_V": [1.0, 3.0, 2.0, 0.5, 0.0, np.nan, 0.0, -np.inf],
            "a_CV": [2.0, 2.0, 2.0, 1.5, 1.0, 5.0, np.inf, 1.0],
            "a_CnotV": [0.25, 0.0, 2.0, 1.5, 1.25, 0.0, 0.0, 0.0],
            "other": np.arange(8.0),
        }
    )


def test_decision_outputs_differences_are_exact(small_samples):
    out = decision_outputs(small_samples, "a_CV")
    expected_names = {f"{a}-{b}" for a, b in DIFFERENCES} | {"best_is_a_CV"}
    assert set(out) == expected_names
    assert set(out) == {
        "a_CnotV-a_V",
        "a_CV-a_V",
        "a_CnotV-a_CV",
        "best_is_a_CV",
    }
    for a, b in DIFFERENCES:
        diff = out[difference_name(a, b)]
        expected = small_samples[a].to_numpy() - small_samples[b].to_numpy()
        np.testing.assert_array_equal(diff, expected)
    np.testing.assert_array_equal(out["a_CV-a_V"][:5], [1.0, -1.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(out["a_CnotV-a_CV"][:5], [-1.75, -2.0, 0.0, 0.0, 0.25])


def test_decision_outputs_indicator_ties_count_and_nonfinite_is_nan(small_samples):
    out = decision_outputs(small_samples, "a_CV")
    indicator = out[indicator_name("a_CV")]
    assert indicator.dtype == np.float64
    np.testing.assert_array_equal(indicator, [1.0, 0.0, 1.0, 1.0, 0.0, np.nan, np.nan, np.nan])


def test_decision_outputs_indicator_follows_winner(small_samples):
    out = decision_outputs(small_samples, "a_V")
    assert set(out) - {f"{a}-{b}" for a, b in DIFFERENCES} == {"best_is_a_V"}
    np.testing.assert_array_equal(
        out["best_is_a_V"], [0.0, 1.0, 1.0, 0.0, 0.0, np.nan, np.nan, np.nan]
    )


# --------------------------------------------------------------------------- resolve_groups


def test_resolve_groups_maps_fractions_to_rest_of_world():
    groups = {"landscape": ["F_V", "F_CV", "F_CnotV"], "utilities": ["U_B", "U_notB"]}
    inputs = ["U_B", "U_notB", "R_V", "R_CV", "R_CnotV"]
    assert resolve_groups(groups, inputs) == {
        "landscape": ["R_V", "R_CV", "R_CnotV"],
        "utilities": ["U_B", "U_notB"],
    }


def test_resolve_groups_keeps_fractions_when_sampled():
    groups = {"landscape": ["F_V", "F_CV", "F_CnotV"]}
    inputs = ["F_V", "F_CV", "F_CnotV", "R_V"]
    assert resolve_groups(groups, inputs) == {"landscape": ["F_V", "F_CV", "F_CnotV"]}


def test_resolve_groups_drops_fixed_members_and_duplicates():
    groups = {"mixed": ["U_B", "b", "F_V", "R_V"]}
    # b is fixed (not sampled); F_V maps to R_V, which is then listed only once.
    assert resolve_groups(groups, ["U_B", "R_V"]) == {"mixed": ["U_B", "R_V"]}


def test_resolve_groups_drops_empty_groups(caplog):
    groups = {"tractabilities": ["dpV_daV", "dpCV_daCV"], "agent": ["p_V", "F_I"]}
    with caplog.at_level(logging.INFO, logger="agi_interventions.decision_analysis"):
        resolved = resolve_groups(groups, ["F_I", "p_V"])
    assert resolved == {"agent": ["p_V", "F_I"]}
    assert "tractabilities" in caplog.text


def test_resolve_groups_default_groups_on_all_canonical_inputs():
    inputs = [m for members in DEFAULT_GROUPS.values() for m in members]
    assert resolve_groups(DEFAULT_GROUPS, inputs) == {
        name: list(members) for name, members in DEFAULT_GROUPS.items()
    }


def test_resolve_groups_rejects_unknown_parameters():
    groups = {"ok": ["U_B"], "bad": ["U_B", "nonsense", "F_W"]}
    with pytest.raises(ValueError, match="unknown parameter") as info:
        resolve_groups(groups, ["U_B"])
    assert "nonsense" in str(info.value)
    assert "F_W" in str(info.value)
    assert "U_B" not in str(info.value)


# --------------------------------------------------------------------------- simulated designs


@pytest.fixture(scope="module")
def worldview():
    return load_worldview(BASELINE)


@pytest.fixture(scope="module")
def tiny_design(worldview):
    from agi_interventions.simulation import simulate

    return simulate(worldview, 8, SEED)


def test_independent_parts_returns_the_a_and_b_rows(worldview, tiny_design):
    parameters, inputs, values = independent_parts(tiny_design)
    assert parameters == worldview.uncertain
    assert len(inputs) == len(values) == 2 * 8
    assert list(inputs.columns) == worldview.uncertain
    assert list(values.columns) == list(INTERVENTIONS)
    expected = tiny_design.loc[tiny_design["block"].isin(["A", "B"])]
    np.testing.assert_array_equal(inputs.to_numpy(), expected[parameters].to_numpy())
    np.testing.assert_array_equal(values.to_numpy(), expected[list(INTERVENTIONS)].to_numpy())
    assert inputs.index.tolist() == list(range(16))


def test_independent_parts_leaves_out_fixed_parameters(write_priors):
    from agi_interventions.simulation import simulate

    # The shared test priors fix dpCnotV_daCnotV.
    wv = load_worldview(write_priors())
    parameters, inputs, _ = independent_parts(simulate(wv, 4, SEED))
    assert "dpCnotV_daCnotV" not in parameters
    assert parameters == wv.uncertain
    assert len(parameters) == len(wv.priors) - 1
    assert inputs.shape == (8, len(parameters))


@pytest.fixture(scope="module")
def design(worldview):
    from agi_interventions.simulation import simulate

    return simulate(worldview, N_BASE, SEED)


@pytest.fixture(scope="module")
def raw_sobol(design, worldview):
    outputs = {name: design[name].to_numpy() for name in INTERVENTIONS}
    return sobol_table(outputs, worldview.uncertain, num_resamples=RESAMPLES, seed=SEED)


@pytest.fixture(scope="module")
def draws(design):
    return design.loc[independent_mask(design["block"])].reset_index(drop=True)


def _choice(design, raw_sobol, seed):
    return choice_sensitivity(design, raw_sobol, num_resamples=RESAMPLES, seed=seed, rank_shift=2)


@pytest.fixture(scope="module")
def choice(design, raw_sobol):
    return _choice(design, raw_sobol, SEED)


def test_choice_sensitivity_tables(choice, worldview, draws):
    assert set(choice) == {"sobol_decision", "sobol_asinh", "pawn", "method_comparison"}
    winner = draws[list(INTERVENTIONS)].mean(axis=0).idxmax()
    decision = choice["sobol_decision"]
    assert list(decision.columns) == SOBOL_COLUMNS
    assert list(decision["output"].unique()) == [
        "a_CnotV-a_V",
        "a_CV-a_V",
        "a_CnotV-a_CV",
        f"best_is_{winner}",
    ]
    for _, rows in decision.groupby("output", sort=False):
        assert rows["parameter"].tolist() == worldview.uncertain

    asinh = choice["sobol_asinh"]
    assert list(asinh.columns) == [*SOBOL_COLUMNS, "asinh_scale"]
    assert list(asinh["output"].unique()) == list(INTERVENTIONS)
    for output, rows in asinh.groupby("output", sort=False):
        # The scale is the median |value| of the independent draws (all finite and nonzero).
        expected_scale = float(np.median(np.abs(draws[output].to_numpy())))
        np.testing.assert_allclose(rows["asinh_scale"], expected_scale, rtol=1e-12)

    pawn = choice["pawn"]
    assert list(pawn.columns) == [
        "output",
        "parameter",
        "index",
        "index_conf",
        "index_max",
        "noise_floor",
    ]
    assert len(pawn) == len(INTERVENTIONS) * len(worldview.uncertain)


def test_sobol_decision_matches_direct_computation(choice, design, worldview):
    decision = choice["sobol_decision"]
    diff = design["a_CV"].to_numpy() - design["a_V"].to_numpy()
    direct = sobol_table(
        {"a_CV-a_V": diff}, worldview.uncertain, num_resamples=RESAMPLES, seed=SEED
    )
    got = decision.loc[decision["output"] == "a_CV-a_V"].reset_index(drop=True)
    assert_frame_equal(got, direct)


def test_method_comparison_uses_each_outputs_raw_sobol(choice, raw_sobol, worldview):
    comparison = choice["method_comparison"]
    assert list(comparison.columns) == [
        "output",
        "parameter",
        "rank_sobol_ST",
        "rank_sobol_ST_asinh",
        "rank_pawn",
        "mean_rank",
        "rank_spread",
        "flagged",
    ]
    assert comparison["flagged"].dtype == bool
    np.testing.assert_array_equal(comparison["flagged"], comparison["rank_spread"] > 2)
    for output in INTERVENTIONS:
        rows = comparison.loc[comparison["output"] == output].set_index("parameter")
        assert sorted(rows.index) == sorted(worldview.uncertain)
        st = raw_sobol.loc[raw_sobol["output"] == output].set_index("parameter")["ST"]
        expected = st.rank(ascending=False, method="min")
        np.testing.assert_array_equal(rows["rank_sobol_ST"], expected.loc[rows.index])


def test_choice_sensitivity_is_deterministic(choice, design, raw_sobol):
    again = _choice(design, raw_sobol, SEED)
    assert set(again) == set(choice)
    for name, table in choice.items():
        assert_frame_equal(again[name], table)


def test_choice_sensitivity_seed_changes_only_the_bootstrap(
    choice, design, raw_sobol, monkeypatch
):
    import agi_interventions.robust

    def cheap_pawn(inputs, y, *, seed, **kwargs):
        # PAWN is slow and not under test here; only sobol_decision is compared.
        return pd.DataFrame(
            {
                "parameter": list(inputs.columns),
                "index": np.arange(inputs.shape[1], dtype=np.float64),
                "index_conf": np.nan,
                "index_max": 0.0,
                "noise_floor": 0.0,
            }
        )

    monkeypatch.setattr(agi_interventions.robust, "moment_independent_indices", cheap_pawn)
    other = _choice(design, raw_sobol, SEED + 1)["sobol_decision"]
    ref = choice["sobol_decision"]
    assert list(other["output"]) == list(ref["output"])
    assert list(other["parameter"]) == list(ref["parameter"])
    # Point estimates do not depend on the seed; the bootstrap half-widths do.
    np.testing.assert_array_equal(other["S1"], ref["S1"])
    np.testing.assert_array_equal(other["ST"], ref["ST"])
    assert not np.array_equal(other["S1_conf"], ref["S1_conf"])
    assert not np.array_equal(other["ST_conf"], ref["ST_conf"])


def _values(design, seed):
    return decision_values(
        design,
        groups=DEFAULT_GROUPS,
        seed=seed,
        evppi_bootstrap=10,
        switching_bins=5,
        top_parameters=2,
        prim_threshold=0.8,
    )


def _recording_prim(calls: list, run: bool):
    import agi_interventions.scenarios

    real = agi_interventions.scenarios.prim_boxes

    def prim_boxes(inputs, best, **kwargs):
        calls.append((inputs.copy(), np.asarray(best).copy(), kwargs))
        return real(inputs, best, **kwargs) if run else pd.DataFrame()

    return prim_boxes


@pytest.fixture(scope="module")
def prim_calls() -> list:
    return []


@pytest.fixture(scope="module")
def values_tables(design, prim_calls):
    import agi_interventions.scenarios

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(agi_interventions.scenarios, "prim_boxes", _recording_prim(prim_calls, True))
        return _values(design, SEED)


def test_decision_values_tables(values_tables, worldview):
    assert set(values_tables) == {
        "value_of_information",
        "expected_loss",
        "switching",
        "switching_curves",
        "prim_boxes",
        "mc_error",
    }
    voi = values_tables["value_of_information"]
    assert list(voi.columns) == ["name", "kind", "value", "se"]
    assert voi.iloc[0]["name"] == "EVPI"
    assert voi.iloc[0]["kind"] == "evpi"
    assert (voi["kind"] == "evpi").sum() == 1
    assert voi.loc[voi["kind"] == "parameter", "name"].tolist() == worldview.uncertain
    assert voi.loc[voi["kind"] == "group", "name"].tolist() == list(DEFAULT_GROUPS)
    assert len(voi) == 1 + len(worldview.uncertain) + len(DEFAULT_GROUPS)

    loss = values_tables["expected_loss"]
    assert list(loss.columns) == ["intervention", "expected_loss", "se"]
    assert loss["intervention"].tolist() == list(INTERVENTIONS)

    assert list(values_tables["switching"].columns) == [
        "parameter",
        "switch_value",
        "switch_quantile",
        "from",
        "to",
        "bracket_low",
        "bracket_high",
    ]
    assert list(values_tables["prim_boxes"].columns) == [
        "intervention",
        "box",
        "coverage",
        "density",
        "mass",
        "parameter",
        "low",
        "high",
        "prior_low",
        "prior_high",
    ]


def test_evpi_equals_smallest_expected_loss(values_tables, draws):
    voi = values_tables["value_of_information"]
    loss = values_tables["expected_loss"].set_index("intervention")["expected_loss"]
    evpi = float(voi.iloc[0]["value"])
    assert evpi > 0
    assert evpi == pytest.approx(loss.min(), rel=1e-12, abs=0)
    # The option with the smallest expected loss is the winner by mean ...
    x = draws[list(INTERVENTIONS)]
    assert loss.idxmin() == x.mean(axis=0).idxmax()
    # ... and EVPI is E[max] - max E computed by hand from the independent draws.
    by_hand = x.max(axis=1).mean() - x.mean(axis=0).max()
    assert evpi == pytest.approx(by_hand, rel=1e-9)


def test_switching_curves_cover_the_top_parameters(values_tables):
    voi = values_tables["value_of_information"]
    params = voi.loc[voi["kind"] == "parameter"]
    top = params.sort_values("value", ascending=False, kind="stable")["name"].head(2)
    curves = values_tables["switching_curves"]
    assert list(curves["parameter"].unique()) == top.tolist()
    assert set(curves["intervention"]) == set(INTERVENTIONS)


def test_mc_error_rows(values_tables, draws):
    voi = values_tables["value_of_information"]
    mc = values_tables["mc_error"]
    assert list(mc.columns) == ["quantity", "estimate", "half_width", "relative"]
    assert len(mc) == 2 * len(INTERVENTIONS) + len(voi)
    table = mc.set_index("quantity")
    for name in INTERVENTIONS:
        assert table.loc[f"mean {name}", "estimate"] == pytest.approx(draws[name].mean())
        assert f"P(best) {name}" in table.index
    evpi = voi.iloc[0]
    assert table.loc["evpi EVPI", "estimate"] == evpi["value"]
    assert table.loc["evpi EVPI", "half_width"] == pytest.approx(1.959964 * evpi["se"])
    for name in DEFAULT_GROUPS:
        assert f"group {name}" in table.index


def test_decision_values_is_deterministic(values_tables, design, prim_calls, monkeypatch):
    import agi_interventions.scenarios

    # PRIM's own determinism is tested in test_scenarios.py and it is the slow step: here it
    # is replaced, and it must be called with identical arguments both times.
    calls = []
    monkeypatch.setattr(agi_interventions.scenarios, "prim_boxes", _recording_prim(calls, False))
    again = _values(design, SEED)
    assert set(again) == set(values_tables)
    for name, table in values_tables.items():
        if name != "prim_boxes":
            assert_frame_equal(again[name], table)
    (first_call,) = prim_calls
    (second_call,) = calls
    assert_frame_equal(second_call[0], first_call[0])
    np.testing.assert_array_equal(second_call[1], first_call[1])
    assert second_call[2] == first_call[2]


def test_decision_values_leaves_out_nonfinite_draws(design, draws, caplog, monkeypatch):
    import agi_interventions.scenarios

    seen = {}

    def fake_prim_boxes(inputs, best, **kwargs):
        # PRIM itself is slow and checked above; here only what it is given matters.
        seen["inputs"], seen["best"] = inputs, best
        return pd.DataFrame()

    monkeypatch.setattr(agi_interventions.scenarios, "prim_boxes", fake_prim_boxes)
    broken = design.copy()
    first_a = int(np.flatnonzero(broken["block"].to_numpy() == "A")[0])
    broken.loc[first_a, "a_V"] = np.nan
    with caplog.at_level(logging.WARNING, logger="agi_interventions.decision_analysis"):
        tables = decision_values(
            broken,
            groups={"utilities": ["U_B"]},
            seed=SEED,
            evppi_bootstrap=2,
            switching_bins=5,
            top_parameters=1,
            prim_threshold=0.8,
        )
    assert "1 draws with non-finite values" in caplog.text
    x = draws[list(INTERVENTIONS)].iloc[1:]
    loss = tables["expected_loss"]
    np.testing.assert_allclose(
        loss["expected_loss"], (x.max(axis=1).to_numpy()[:, None] - x.to_numpy()).mean(axis=0)
    )
    assert tables["value_of_information"].iloc[0]["value"] == pytest.approx(
        loss["expected_loss"].min(), rel=1e-12
    )
    assert len(seen["inputs"]) == len(x)
    np.testing.assert_array_equal(seen["best"], x.idxmax(axis=1).to_numpy())
    np.testing.assert_array_equal(
        seen["inputs"].to_numpy(), draws.iloc[1:][seen["inputs"].columns].to_numpy()
    )
