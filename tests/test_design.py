"""The column-swap design against SALib's Saltelli sampler, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from SALib.sample import sobol as salib_sample

from agi_interventions.design import MAX_BLOCKS, SobolDesign
from agi_interventions.priors import load_worldview

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def baseline():
    return load_worldview(REPO / "config/priors/baseline.yaml")


@pytest.mark.parametrize("n_base", [8, 64, 2048])
def test_a_b_and_ab_rows_equal_salib_bit_for_bit(baseline, n_base):
    design = SobolDesign(baseline, n_base, seed=20261122)
    d = len(design.parameters)
    problem = {"num_vars": d, "names": design.parameters, "bounds": [[0.0, 1.0]] * d}
    reference = salib_sample.sample(
        problem, n_base, calc_second_order=False, scramble=True, seed=design.design_seed
    )
    a, b = design.unit(0, n_base)
    step = d + 2
    assert np.array_equal(reference[0::step], a)
    assert np.array_equal(reference[step - 1 :: step], b)
    for j in range(d):
        ab = a.copy()
        ab[:, j] = b[:, j]
        assert np.array_equal(reference[j + 1 :: step], ab)


def test_any_range_of_base_points_equals_the_whole_sequence(baseline):
    design = SobolDesign(baseline, 256, seed=3)
    a, b = design.unit(0, 256)
    for start, stop in [(0, 32), (32, 64), (96, 256), (255, 256)]:
        part_a, part_b = design.unit(start, stop)
        assert np.array_equal(part_a, a[start:stop])
        assert np.array_equal(part_b, b[start:stop])


def test_swap_takes_one_column_from_b_and_keeps_the_rest(baseline):
    design = SobolDesign(baseline, 16, seed=1)
    a_unit, b_unit = design.unit(0, 16)
    a, b = design.map_unit(a_unit), design.map_unit(b_unit)
    ab = design.swap(a, b, "F_V")
    assert np.array_equal(ab["F_V"], b["F_V"])
    for name in baseline.priors:
        if name != "F_V":
            assert np.array_equal(ab[name], a[name])


def test_rest_of_world_fractions_are_rederived_after_a_swap():
    worldview = load_worldview(REPO / "config/priors/consistent_by_construction.yaml")
    design = SobolDesign(worldview, 32, seed=2)
    a_unit, b_unit = design.unit(0, 32)
    a, b = design.map_unit(a_unit), design.map_unit(b_unit)
    ab = design.swap(a, b, "R_V")
    assert not np.array_equal(ab["F_V"], a["F_V"])
    expected = (1 - ab["F_I"]) * ab["R_V"] + ab["F_I"] * ab["p_V"]
    np.testing.assert_allclose(ab["F_V"], expected, rtol=1e-15)


def test_blocks_are_a_power_of_two_and_cover_the_design(baseline):
    for n_base, blocks in [(8, 8), (1024, 1024), (2**14, MAX_BLOCKS)]:
        design = SobolDesign(baseline, n_base, seed=0)
        assert design.n_blocks == blocks
        assert design.block_size * design.n_blocks == n_base
        assert design.block_range(0, design.n_blocks) == (0, n_base)
    with pytest.raises(ValueError, match="outside"):
        SobolDesign(baseline, 8, seed=0).block_range(0, 9)


def test_base_size_must_be_a_power_of_two(baseline):
    with pytest.raises(ValueError, match="power of two"):
        SobolDesign(baseline, 24, seed=0)
