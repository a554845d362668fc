"""PRIM scenario discovery (EMA Workbench) against boxes known by construction."""

import logging

import numpy as np
import pandas as pd
import pytest

from agi_interventions.scenarios import prim_boxes


@pytest.fixture(scope="module")
def uniform_inputs() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    return pd.DataFrame(rng.uniform(size=(4000, 4)), columns=["x1", "x2", "x3", "x4"])


def test_box_recovers_threshold_on_one_parameter(uniform_inputs, caplog):
    x = uniform_inputs
    best = np.where(x["x1"] > 0.7, "A", "B")
    with caplog.at_level(logging.INFO):
        boxes = prim_boxes(x, best, seed=3, threshold=0.8, peel_alpha=0.05, max_rows=50_000)
    assert list(boxes.columns) == [
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
        "rows",
        "threshold",
    ]
    a = boxes[boxes["intervention"] == "A"]
    assert a["parameter"].tolist() == ["x1"]  # other parameters unrestricted
    row = a.iloc[0]
    assert row["low"] == pytest.approx(0.7, abs=0.02)
    assert row["high"] == pytest.approx(row["prior_high"])
    assert row["density"] >= 0.95 and row["coverage"] >= 0.95
    assert row["mass"] == pytest.approx(0.3, abs=0.03)
    assert row["prior_low"] == pytest.approx(x["x1"].min())
    # B is best exactly when x1 <= 0.7: the mirror box
    b = boxes[boxes["intervention"] == "B"]
    assert b["parameter"].tolist() == ["x1"]
    assert b["high"].iloc[0] == pytest.approx(0.7, abs=0.02)
    assert b["low"].iloc[0] == pytest.approx(b["prior_low"].iloc[0])
    # the workbench's own INFO chatter is silenced, ours is kept
    assert not any(r.name.startswith("EMA") for r in caplog.records)
    assert any(r.name == "agi_interventions.scenarios" for r in caplog.records)


def test_two_dimensional_box_and_threshold_choice(uniform_inputs):
    x = uniform_inputs
    rng = np.random.default_rng(5)
    inside = (x["x2"] < 0.5) & (x["x3"] > 0.4)
    # 90% of the box is A, 10% of the rest is A
    best = np.where(inside, np.where(rng.uniform(size=len(x)) < 0.9, "A", "B"), "B")
    best[(~inside) & (rng.uniform(size=len(x)) < 0.1)] = "A"
    boxes = prim_boxes(
        x, best, threshold=0.8, seed=3, interventions=["A"], peel_alpha=0.05, max_rows=50_000
    )
    assert set(boxes["intervention"]) == {"A"}
    lims = boxes.set_index("parameter")
    assert set(lims.index) == {"x2", "x3"}
    assert lims.loc["x2", "high"] == pytest.approx(0.5, abs=0.06)
    assert lims.loc["x3", "low"] == pytest.approx(0.4, abs=0.06)
    assert (boxes["density"] >= 0.8).all()
    # an unreachable density: the coverage*density compromise is returned, below threshold
    hard = prim_boxes(
        x, best, threshold=0.99, seed=3, interventions=["A"], peel_alpha=0.05, max_rows=50_000
    )
    assert (hard["density"] < 0.99).all() and len(hard) >= 1


def test_rare_and_always_best_interventions(uniform_inputs):
    x = uniform_inputs
    always = prim_boxes(
        x, np.full(len(x), "A"), seed=3, threshold=0.8, peel_alpha=0.05, max_rows=50_000
    )
    assert always["intervention"].tolist() == ["A"]
    row = always.iloc[0]
    assert pd.isna(row["parameter"]) and row["box"] == 0
    assert (row["coverage"], row["density"], row["mass"]) == (1.0, 1.0, 1.0)
    best = np.full(len(x), "A")
    best[:20] = "C"  # 0.5% < min_share
    assert prim_boxes(
        x, best, seed=3, interventions=["C"], threshold=0.8, peel_alpha=0.05, max_rows=50_000
    ).empty
    assert not prim_boxes(
        x,
        best,
        seed=3,
        interventions=["C"],
        min_share=0.001,
        threshold=0.8,
        peel_alpha=0.05,
        max_rows=50_000,
    ).empty


def test_subsample_is_deterministic_and_box_evaluated_on_all_rows(uniform_inputs):
    x = uniform_inputs
    best = np.where(x["x4"] < 0.3, "A", "B")
    one = prim_boxes(
        x, best, seed=9, max_rows=1500, interventions=["A"], threshold=0.8, peel_alpha=0.05
    )
    two = prim_boxes(
        x, best, seed=9, max_rows=1500, interventions=["A"], threshold=0.8, peel_alpha=0.05
    )
    pd.testing.assert_frame_equal(one, two)
    assert one["parameter"].tolist() == ["x4"]
    assert one["high"].iloc[0] == pytest.approx(0.3, abs=0.03)
    inside = (x["x4"] >= one["low"].iloc[0]) & (x["x4"] <= one["high"].iloc[0])
    assert one["mass"].iloc[0] == pytest.approx(inside.mean())
