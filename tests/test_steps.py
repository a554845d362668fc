"""Pipeline steps: chunked evaluation, streamed Sobol tables, decision tables."""

from __future__ import annotations

import io as _io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol as salib_sobol
from SALib.sample import sobol as salib_sample

from agi_interventions import steps
from agi_interventions.design import SobolDesign
from agi_interventions.io import CSV_FLOAT_FORMAT
from agi_interventions.model import marginal_values
from agi_interventions.parameters import DEFAULT_GROUPS, INTERVENTIONS
from agi_interventions.priors import load_worldview

REPO = Path(__file__).resolve().parents[1]
N_BASE = 256


@pytest.fixture(scope="module")
def baseline():
    return load_worldview(REPO / "config/priors/baseline.yaml")


def _run(worldview, chunks: int, n_base: int = N_BASE, seed: int = 3, resamples: int = 20):
    design = SobolDesign(worldview, n_base, seed)
    draws = pd.concat(list(steps.draw_design(design)), ignore_index=True)
    record = steps.design_record(design, draws[list(INTERVENTIONS)], chunks)
    sums, counts = [], []
    size = record["block_size"]
    for chunk in range(chunks):
        first, stop = steps.chunk_blocks(record, chunk)
        rows = slice(2 * first * size, 2 * stop * size)
        ab, found = steps.evaluate_chunk(
            record, draws.iloc[rows].reset_index(drop=True), first * size, stop * size
        )
        counts.append(found)
        batches = [(first, stop, draws.iloc[rows].reset_index(drop=True), ab)]
        sums.append(steps.sobol_chunk(record, batches, resamples))
    exact, _ = steps.exact_engine(worldview)
    tables = steps.sobol_tables(record, sums, exact)
    tables["diagnostics"] = steps.diagnostics_tables([draws], counts)
    return design, draws, record, tables


def _csv(table: pd.DataFrame) -> str:
    buffer = _io.StringIO()
    table.to_csv(buffer, index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")
    return buffer.getvalue()


def test_results_are_byte_identical_for_1_4_and_16_chunks(baseline):
    reference = {k: _csv(t) for k, t in _run(baseline, 1)[3].items()}
    for chunks in (4, 16):
        tables = _run(baseline, chunks)[3]
        for name, table in tables.items():
            assert _csv(table) == reference[name], (chunks, name)


def test_streamed_point_estimates_equal_salib_on_the_same_design(baseline):
    design, _, _, tables = _run(baseline, 4)
    d = len(design.parameters)
    problem = {"num_vars": d, "names": design.parameters, "bounds": [[0.0, 1.0]] * d}
    unit = salib_sample.sample(
        problem, N_BASE, calc_second_order=False, scramble=True, seed=design.design_seed
    )
    inputs = design.map_unit(unit)
    sobol = tables["sobol"]
    for output in INTERVENTIONS:
        y = marginal_values(inputs)[output]
        reference = salib_sobol.analyze(problem, y, calc_second_order=False, seed=1)
        got = sobol.loc[sobol["output"] == output]
        np.testing.assert_allclose(got["S1"], reference["S1"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(got["ST"], reference["ST"], rtol=1e-9, atol=1e-12)


def test_sobol_tables_carry_exact_values_and_flags(baseline):
    _, _, record, tables = _run(baseline, 1)
    sobol = tables["sobol"]
    assert sobol["ST_exact"].notna().all()
    assert (sobol["S1_exact"] <= sobol["ST_exact"] + 1e-12).all()
    impossible = (sobol["S1"] < 0) | (sobol["S1"] > 1) | (sobol["ST"] < 0) | (sobol["ST"] > 1)
    assert (sobol.loc[impossible, "flag"] != "").all()
    assert (
        sobol.loc[~impossible & (sobol["S1"] - sobol["ST"] <= sobol["ST_conf"]), "flag"].fillna("")
        == ""
    ).all()
    decision = tables["sobol_decision"]
    indicator = f"best_is_{record['winner']}"
    assert decision.loc[decision["output"] == indicator, "ST_exact"].isna().all()
    assert decision.loc[decision["output"] == "a_CV-a_V", "ST_exact"].notna().all()
    asinh = tables["sobol_asinh"]
    assert asinh["asinh_scale"].gt(0).all()


def test_rest_of_world_worldview_has_no_exact_columns_filled():
    worldview = load_worldview(REPO / "config/priors/consistent_by_construction.yaml")
    _, _, _, tables = _run(worldview, 2)
    assert tables["sobol"]["ST_exact"].isna().all()
    row = tables["diagnostics"].set_index(["scope", "check"])
    assert row.loc[("all evaluations", "inconsistent"), "count"] == 0
    assert "R_V" in set(tables["sobol"]["parameter"])


def test_diagnostics_count_every_evaluation(baseline):
    design, draws, _, tables = _run(baseline, 4)
    row = tables["diagnostics"].set_index(["scope", "check"])
    assert row.loc[("all evaluations", "inconsistent"), "total"] == design.n_evaluations
    assert row.loc[("independent draws", "inconsistent"), "total"] == 2 * N_BASE
    inconsistent = int((~draws["consistent"]).sum())
    assert row.loc[("independent draws", "inconsistent"), "count"] == inconsistent


def test_decision_tables_put_exact_values_beside_the_estimates(baseline):
    design, draws, _, _ = _run(baseline, 1, n_base=2048)
    exact, _ = steps.exact_engine(baseline)
    settings = steps.DecisionSettings(
        groups=DEFAULT_GROUPS,
        evppi_bootstrap=20,
        exact_draws=2**16,
        switching_bins=10,
        top_parameters=2,
        prim_threshold=0.8,
        prim_peel_alpha=0.1,
        rank_shift=2,
    )
    tables = steps.decision_tables(
        baseline,
        draws[design.parameters],
        draws[list(INTERVENTIONS)],
        settings,
        seed=3,
        exact=exact,
    )
    voi = tables["value_of_information"]
    assert voi["value_exact"].notna().all()
    assert voi.loc[voi["name"] == "F_V", "value_exact"].iloc[0] == pytest.approx(
        2.7266e-5, rel=1e-4
    )
    assert {"exact", "monte carlo"} <= set(tables["switching"]["method"])
    curves = tables["switching_curves"]
    assert curves["parameter"].nunique() == 2
    assert curves["mean_exact"].notna().all()


def test_subsample_is_deterministic_and_bounded():
    assert np.array_equal(steps.subsample(10, 20, seed=1), np.arange(10))
    first = steps.subsample(1000, 100, seed=1)
    assert len(first) == 100 and np.all(np.diff(first) > 0)
    assert np.array_equal(first, steps.subsample(1000, 100, seed=1))


def test_groups_map_onto_rest_of_world_inputs():
    resolved = steps.resolve_groups(
        {"landscape": ["F_V", "F_CV"], "none": ["b"]}, ["R_V", "R_CV", "U_B"]
    )
    assert resolved == {"landscape": ["R_V", "R_CV"]}
