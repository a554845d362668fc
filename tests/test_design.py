"""The column-swap design against SALib's Saltelli sampler, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.sample import sobol as salib_sample

from agi_interventions.design import MAX_BLOCKS, SobolDesign
from agi_interventions.priors import load_worldview

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def baseline():
    return load_worldview(REPO / "config/priors/baseline.yaml")


def _salib_rows(design: SobolDesign, n_base: int) -> np.ndarray:
    d = len(design.parameters)
    problem = {"num_vars": d, "names": design.parameters, "bounds": [[0.0, 1.0]] * d}
    return salib_sample.sample(
        problem, n_base, calc_second_order=False, scramble=True, seed=design.design_seed
    )


@pytest.mark.parametrize("n_base", [8, 64, 2048])
def test_a_b_and_ab_unit_rows_equal_salib_bit_for_bit(baseline, n_base):
    design = SobolDesign(baseline, n_base, seed=20261122)
    d = len(design.parameters)
    reference = _salib_rows(design, n_base)
    a, b = design.unit(0, n_base)
    step = d + 2
    assert np.array_equal(reference[0::step], a)
    assert np.array_equal(reference[step - 1 :: step], b)


@pytest.mark.parametrize("prior_file", ["baseline.yaml", "consistent_by_construction.yaml"])
def test_the_pipelines_values_are_the_model_at_salibs_rows_bit_for_bit(prior_file, monkeypatch):
    """Production path (design step, chunk step) against SALib's N (D + 2) rows."""
    from agi_interventions import steps
    from agi_interventions.model import marginal_values
    from agi_interventions.parameters import INTERVENTIONS
    from agi_interventions.population import fractions_from_rest_of_world
    from agi_interventions.steps import core
    from agi_interventions.store import ab_column

    worldview = load_worldview(REPO / "config/priors" / prior_file)
    n_base, seed = 64, 11
    frames: list = []
    record = steps.design(worldview, n_base, seed, 4, frames.append)
    draws = pd.concat(frames, ignore_index=True)
    # The chunk step evaluates the AB_j rows and sums them at once, storing none: keep the
    # values its evaluation hands to the Sobol sums.
    parts: list = []
    evaluate_chunk = core.evaluate_chunk

    def kept(*args, **kwargs):
        ab, counts = evaluate_chunk(*args, **kwargs)
        parts.append(ab)
        return ab, counts

    monkeypatch.setattr(core, "evaluate_chunk", kept)
    assert record["chunks"] == 4
    for chunk in range(record["chunks"]):
        steps.chunk(
            record,
            lambda start, stop, cols: draws.iloc[start:stop][list(cols)].reset_index(drop=True),
            chunk,
            10,
        )
    ab = pd.concat(parts, ignore_index=True)
    assert ab["base_index"].tolist() == list(range(n_base))  # every base point, in order

    design = SobolDesign(worldview, n_base, seed)
    reference = _salib_rows(design, n_base)
    d = len(design.parameters)

    def model_at(rows: np.ndarray) -> dict:
        columns = {
            name: prior.ppf(rows[:, design.parameters.index(name)])
            if not prior.is_fixed
            else np.full(len(rows), prior.value)
            for name, prior in worldview.priors.items()
        }
        if "R_V" in columns:  # the rest of the world's shares give the fractions
            columns.update(fractions_from_rest_of_world(columns))
        return marginal_values(columns)

    step = d + 2
    for option in INTERVENTIONS:
        assert np.array_equal(draws[option].to_numpy()[0::2], model_at(reference[0::step])[option])
        assert np.array_equal(
            draws[option].to_numpy()[1::2], model_at(reference[step - 1 :: step])[option]
        )
        for j, name in enumerate(design.parameters):
            expected = model_at(reference[j + 1 :: step])[option]
            assert np.array_equal(ab[ab_column(option, name)].to_numpy(), expected)


def test_any_range_of_base_points_equals_the_whole_sequence(baseline):
    design = SobolDesign(baseline, 256, seed=3)
    a, b = design.unit(0, 256)
    for start, stop in [(0, 32), (32, 64), (96, 256), (255, 256)]:
        part_a, part_b = design.unit(start, stop)
        assert np.array_equal(part_a, a[start:stop])
        assert np.array_equal(part_b, b[start:stop])


def test_blocks_are_a_power_of_two_and_cover_the_design(baseline):
    for n_base, blocks in [(8, 8), (1024, 1024), (2**14, MAX_BLOCKS)]:
        design = SobolDesign(baseline, n_base, seed=0)
        assert design.n_blocks == blocks
        assert design.block_size * design.n_blocks == n_base


def test_base_size_must_be_a_power_of_two(baseline):
    with pytest.raises(ValueError, match="power of two"):
        SobolDesign(baseline, 24, seed=0)
