"""Consistency conditions of docs/model.md and the diagnostics table."""

import numpy as np
import pandas as pd

from agi_interventions.consistency import (
    add_counts,
    check_counts,
    condition_mask,
    diagnostics_table,
    is_consistent,
)
from agi_interventions.population import fractions_from_rest_of_world


def test_rest_of_world_parametrisation_is_always_consistent():
    rng = np.random.default_rng(0)
    n = 10_000
    params = {
        "R_V": rng.uniform(1e-6, 1 - 1e-6, n),
        "R_CV": rng.uniform(0, 1, n),
        "R_CnotV": rng.uniform(0, 1, n),
        "F_I": rng.uniform(0, 0.999, n),
        "p_V": rng.uniform(0, 1, n),
        "p_CV": rng.uniform(0, 1, n),
        "p_CnotV": rng.uniform(0, 1, n),
    }
    params.update(fractions_from_rest_of_world(params))
    assert is_consistent(params).all()
    assert ((params["F_V"] > 0) & (params["F_V"] < 1)).all()


def test_each_condition_flags_its_own_violation():
    base = {"F_V": 0.3, "F_CV": 0.5, "F_CnotV": 0.5, "F_I": 0.1, "p_V": 0.5}
    base |= {"p_CV": 0.5, "p_CnotV": 0.5}
    assert is_consistent(base)
    # Our agent alone would hold more aligned share than the whole world: F_V < F_I p_V.
    cases = {
        "rest_aligned_share_positive": {"F_V": 0.04},
        "rest_misaligned_share_positive": {"F_V": 0.97, "p_V": 0.5, "F_I": 0.2},
        "rest_aligned_cooperative_share_nonnegative": {"F_CV": 0.1, "p_CV": 1.0},
        "rest_misaligned_cooperative_share_nonnegative": {"F_CnotV": 0.0, "p_CnotV": 0.5},
    }
    for name, change in cases.items():
        masks = condition_mask(base | change)
        assert not masks[name], name
        assert not is_consistent(base | change)


def test_diagnostics_counts_inconsistent_and_nonfinite():
    frame = pd.DataFrame(
        {
            "F_V": [0.3, 0.04, 0.3, 0.3],
            "F_CV": [0.5] * 4,
            "F_CnotV": [0.5] * 4,
            "F_I": [0.1] * 4,
            "p_V": [0.5] * 4,
            "p_CV": [0.5] * 4,
            "p_CnotV": [0.5] * 4,
            "a_V": [1.0, np.inf, np.nan, 2.0],
        }
    )
    independent = check_counts(frame.iloc[:2], frame.iloc[:2], ["a_V"])
    other = check_counts(frame.iloc[2:], frame.iloc[2:], ["a_V"])
    table = diagnostics_table(
        {"all evaluations": add_counts(independent, other), "independent draws": independent}
    )
    row = table.set_index(["scope", "check"])
    assert row.loc[("all evaluations", "inconsistent"), "count"] == 1
    assert row.loc[("all evaluations", "inconsistent"), "share"] == 0.25
    assert row.loc[("all evaluations", "nonfinite:a_V"), "count"] == 2
    assert row.loc[("independent draws", "nonfinite:a_V"), "count"] == 1
    assert row.loc[("independent draws", "inconsistent"), "total"] == 2
