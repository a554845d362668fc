"""PRIM scenario discovery against boxes known by construction and the EMA Workbench."""

import logging
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agi_interventions.scenarios import _choose_box, prim_boxes

REPO = Path(__file__).resolve().parents[1]


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


def test_import_pulls_in_no_heavy_libraries():
    heavy = ("ema_workbench", "matplotlib", "seaborn", "statsmodels", "sklearn", "scipy")
    code = (
        "import sys, agi_interventions.scenarios\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def ema_reference(
    inputs: pd.DataFrame, best: np.ndarray, *, threshold: float, peel_alpha: float, rows
) -> dict[str, tuple[int, dict[str, tuple[float, float]]]]:
    """Chosen box per intervention with the EMA Workbench's PRIM (the former implementation).

    Limits as ``prim_boxes`` reports them: an unrestricted side is the draws' extreme.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis.prim import Prim as EmaPrim
    log = logging.getLogger("EMA")
    level = log.level
    log.setLevel(logging.WARNING)
    x = inputs.iloc[rows].reset_index(drop=True)
    out = {}
    try:
        for name in sorted(set(best)):
            y = (best[rows] == name).astype(int)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prim = EmaPrim(x, y, threshold=1e-9, peel_alpha=peel_alpha)
                found = prim.find_box()
            i = _choose_box(found.peeling_trajectory, threshold)
            lim, init = found.box_lims[i], prim.box_init
            lims = {}
            for c in x.columns:
                low, high = float(lim.loc[0, c]), float(lim.loc[1, c])
                if low != init.loc[0, c] or high != init.loc[1, c]:
                    lims[c] = (
                        low if low != init.loc[0, c] else float(inputs[c].min()),
                        high if high != init.loc[1, c] else float(inputs[c].max()),
                    )
            out[name] = (i, lims)
    finally:
        log.setLevel(level)
    return out


def test_boxes_equal_those_chosen_from_ema_workbench_prim():
    from agi_interventions import api
    from agi_interventions.priors import load_worldview

    view = load_worldview(REPO / "config/priors/baseline.yaml")
    draws = api.simulate(view, 6000, seed=4)
    inputs = draws[view.uncertain]
    best = draws[["a_V", "a_CV", "a_CnotV"]].idxmax(axis=1).to_numpy()
    max_rows, seed = 3000, 17
    boxes = prim_boxes(inputs, best, threshold=0.8, peel_alpha=0.1, max_rows=max_rows, seed=seed)
    # prim_boxes' subsample, restated
    rows = np.sort(np.random.default_rng(seed).choice(len(inputs), size=max_rows, replace=False))
    reference = ema_reference(inputs, best, threshold=0.8, peel_alpha=0.1, rows=rows)
    assert set(boxes["intervention"]) == set(reference)
    for name, (box_id, lims) in reference.items():
        ours = boxes[boxes["intervention"] == name]
        assert (ours["box"] == box_id).all()
        assert ours["parameter"].dropna().tolist() == list(lims)
        restricted = ours.dropna(subset=["parameter"]).set_index("parameter")
        inside = np.ones(len(inputs), dtype=bool)
        for parameter, (low, high) in lims.items():
            assert (restricted.loc[parameter, "low"], restricted.loc[parameter, "high"]) == (
                low,
                high,
            )
            values = inputs[parameter].to_numpy()
            inside &= (values >= low) & (values <= high)
        hit = best == name
        assert ours["coverage"].iloc[0] == (hit & inside).sum() / hit.sum()
        assert ours["density"].iloc[0] == (hit & inside).sum() / inside.sum()
        assert ours["mass"].iloc[0] == inside.mean()
