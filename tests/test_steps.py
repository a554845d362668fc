"""Pipeline steps run in memory (api.analyse): chunking, streamed Sobol tables, decision tables."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from SALib.analyze import sobol as salib_sobol
from SALib.sample import sobol as salib_sample

from agi_interventions import api, steps
from agi_interventions.configuration import ConfigError, DecisionSettings
from agi_interventions.design import SobolDesign
from agi_interventions.io import csv_text, text_column
from agi_interventions.model import marginal_values
from agi_interventions.parameters import INTERVENTIONS
from agi_interventions.priors import load_worldview
from agi_interventions.stats import subsample
from agi_interventions.tails import KHAT_INFINITE_VARIANCE

REPO = Path(__file__).resolve().parents[1]
N_BASE = 256
SEED = 3


@pytest.fixture(scope="module")
def baseline():
    return load_worldview(REPO / "config/priors/baseline.yaml")


def _core(worldview, chunks: int, n_base: int = N_BASE):
    return api.analyse(
        worldview,
        n_base,
        SEED,
        chunks=chunks,
        bootstrap_resamples=20,
        decision_analysis=False,
    )


@pytest.fixture(scope="module")
def one_chunk(baseline):
    return _core(baseline, 1)


def test_results_are_byte_identical_for_1_4_and_16_chunks(baseline, one_chunk):
    reference = {name: csv_text(table) for name, table in one_chunk.tables.items()}
    for chunks in (4, 16):
        results = _core(baseline, chunks)
        assert results.design["chunks"] == chunks
        assert set(results.tables) == set(reference)
        for name, table in results.tables.items():
            assert csv_text(table) == reference[name], (chunks, name)


def test_streamed_point_estimates_equal_salib_on_the_same_design(baseline, one_chunk):
    design = SobolDesign(baseline, N_BASE, SEED)
    d = len(design.parameters)
    problem = {"num_vars": d, "names": design.parameters, "bounds": [[0.0, 1.0]] * d}
    unit = salib_sample.sample(
        problem, N_BASE, calc_second_order=False, scramble=True, seed=design.design_seed
    )
    inputs = design.map_unit(unit)
    sobol = one_chunk["sobol"]
    for output in INTERVENTIONS:
        y = marginal_values(inputs)[output]
        reference = salib_sobol.analyze(problem, y, calc_second_order=False, seed=1)
        got = sobol.loc[sobol["output"] == output]
        # the CSV keeps 10 significant digits
        np.testing.assert_allclose(got["S1"], reference["S1"], rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(got["ST"], reference["ST"], rtol=1e-8, atol=1e-12)


def test_sobol_tables_carry_exact_values_and_flags(one_chunk):
    sobol = one_chunk["sobol"]
    assert sobol["ST_exact"].notna().all()
    assert (sobol["S1_exact"] <= sobol["ST_exact"] + 1e-12).all()
    impossible = (sobol["S1"] < 0) | (sobol["S1"] > 1) | (sobol["ST"] < 0) | (sobol["ST"] > 1)
    flags, tail = text_column(sobol["flag"]), text_column(sobol["tail_flag"])
    assert (flags[impossible] != "").all()
    # every flag names exactly its row's problems: an index outside [0, 1], ST below S1 by
    # more than ST's half-width, or an output whose tails make its intervals unreliable
    for row, flag, heavy in zip(sobol.itertuples(index=False), flags, tail, strict=True):
        expected = [
            f"{name} {'< 0' if value < 0 else '> 1'}"
            for name, value in (("S1", row.S1), ("ST", row.ST))
            if not 0.0 <= value <= 1.0
        ]
        if row.S1 - row.ST > row.ST_conf:
            expected.append("ST < S1")
        if heavy:
            expected.append("heavy tail: interval unreliable")
        assert flag == "; ".join(expected), row
        # the tail flag is the squared output's Pareto shape against its limit
        assert np.isfinite(row.khat_square)
        assert bool(heavy) == (row.khat_square >= KHAT_INFINITE_VARIANCE), row
    decision = one_chunk["sobol_decision"]
    indicator = f"best_is_{one_chunk.design['winner']}"
    assert decision.loc[decision["output"] == indicator, "ST_exact"].isna().all()
    assert decision.loc[decision["output"] == "a_CV-a_V", "ST_exact"].notna().all()
    assert one_chunk["sobol_asinh"]["asinh_scale"].gt(0).all()


def test_rest_of_world_worldview_has_no_exact_columns_filled():
    worldview = load_worldview(REPO / "config/priors/consistent_by_construction.yaml")
    results = _core(worldview, 2)
    assert results["sobol"]["ST_exact"].isna().all()
    row = results["diagnostics"].set_index(["scope", "check"])
    assert row.loc[("all evaluations", "inconsistent"), "count"] == 0
    assert "R_V" in set(results["sobol"]["parameter"])


def test_diagnostics_count_every_evaluation(baseline):
    results = _core(baseline, 4)
    design = SobolDesign(baseline, N_BASE, SEED)
    row = results["diagnostics"].set_index(["scope", "check"])
    assert row.loc[("all evaluations", "inconsistent"), "total"] == design.n_evaluations
    assert row.loc[("independent draws", "inconsistent"), "total"] == 2 * N_BASE
    inconsistent = int((~results.draws["consistent"]).sum())
    assert row.loc[("independent draws", "inconsistent"), "count"] == inconsistent


def test_decision_tables_put_exact_values_beside_the_estimates(baseline):
    results = _core(baseline, 1, n_base=2048)
    from agi_interventions.exact import engine_for

    exact, _ = engine_for(baseline)
    settings = dataclasses.replace(
        DecisionSettings.default(), evppi_bootstrap=20, exact_draws=2**16, top_parameters=2
    )
    draws = results.draws
    tables = steps.decision(
        baseline,
        draws[results.design["parameters"]],
        draws[list(INTERVENTIONS)],
        settings,
        seed=SEED,
        exact=exact,
    )
    voi = tables["value_of_information"]
    assert voi["value_exact"].notna().all()
    # every parameter's exact EVPPI is the engine's (tests/test_exact.py checks the engine
    # against a quadrature of brute-force-checked conditional means)
    for name in baseline.uncertain:
        got = voi.loc[voi["name"] == name, "value_exact"].iloc[0]
        assert got == pytest.approx(exact.evppi_parameter(list(INTERVENTIONS), name), rel=1e-9)
    # with the engine every switching value is exact: where the exact conditional means of
    # the two interventions cross, the best changing from one to the other
    switching = tables["switching"]
    assert len(switching) and set(switching["method"]) == {"exact"}
    for row in switching.itertuples(index=False):
        x = np.array([row.switch_value])
        step = 1e-6 * max(abs(row.switch_value), 1e-12)
        first = exact.conditional_mean(row[switching.columns.get_loc("from")], {row.parameter: x})
        second = exact.conditional_mean(row.to, {row.parameter: x})
        assert first[0] == pytest.approx(second[0], rel=1e-6, abs=1e-15)
        around = {row.parameter: np.array([row.switch_value - step, row.switch_value + step])}
        means = {o: exact.conditional_mean(o, around) for o in INTERVENTIONS}
        best = [max(INTERVENTIONS, key=lambda o, i=i: means[o][i]) for i in range(2)]
        assert best == [row[switching.columns.get_loc("from")], row.to], row
    curves = tables["switching_curves"]
    assert curves["parameter"].nunique() == 2
    assert curves["mean_exact"].notna().all()


def test_analyse_rejects_bad_settings_by_name(baseline):
    with pytest.raises(ConfigError, match="samples"):
        api.analyse(baseline, 1000, SEED)
    with pytest.raises(ConfigError, match="bootstrap_resamples"):
        api.analyse(baseline, 256, SEED, bootstrap_resamples=1)
    with pytest.raises(ConfigError, match="decision"):
        api.analyse(baseline, 256, SEED, decision={"no_such_setting": 1})


def test_subsample_is_deterministic_and_bounded():
    assert np.array_equal(subsample(10, 20, seed=1), np.arange(10))
    first = subsample(1000, 100, seed=1)
    assert len(first) == 100 and np.all(np.diff(first) > 0)
    assert np.array_equal(first, subsample(1000, 100, seed=1))


def test_groups_map_onto_rest_of_world_inputs():
    from agi_interventions.structure import Structure

    structure = Structure({"rest_of_world": 1.0})
    groups = {"landscape": ["F_V", "F_CV"], "none": ["b"]}
    resolved = structure.resolve_groups(groups, structure.input_specs(), ["R_V", "R_CV", "U_B"])
    assert resolved == {"landscape": ["R_V", "R_CV"]}
    by_spec = structure.resolve_groups({}, structure.input_specs(), ["U_B", "R_V", "F_I", "R_CV"])
    assert by_spec == {"utilities": ["U_B"], "landscape": ["R_V", "R_CV"], "our_agent": ["F_I"]}


def test_step_names_are_the_functions_whatever_is_imported_first():
    # The package loads its submodules on first use; a submodule imported directly first
    # must not shadow a step of the same name (a fresh interpreter: nothing loaded yet).
    code = (
        "import importlib\n"
        "import agi_interventions.steps.decision_analysis, agi_interventions.steps.comparison\n"
        "import agi_interventions.steps.core\n"
        "from agi_interventions import steps\n"
        "for name, home in steps._HOME.items():\n"
        "    module = importlib.import_module(f'agi_interventions.steps.{home}')\n"
        "    assert getattr(steps, name) is getattr(module, name), name\n"
        "assert sorted(steps.__all__) == sorted(steps._HOME)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    lean = (
        "import sys\n"
        "from agi_interventions import steps\n"
        "steps.chunk\n"
        "assert 'agi_interventions.steps.comparison' not in sys.modules\n"
        "assert 'agi_interventions.steps.decision_analysis' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", lean], check=True)
