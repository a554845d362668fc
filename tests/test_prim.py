"""PRIM (agi_interventions.prim) against hand-computed trajectories, boxes known by
construction, the EMA Workbench's implementation, and invariants on random data."""

import logging
import math
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agi_interventions.prim import OBJECTIVES, Prim, find_box, sdtoolkit_quantile

REPO = Path(__file__).resolve().parents[1]
TRAJECTORY = ["coverage", "density", "mass", "n", "k", "res_dim"]


# --- the EMA Workbench as an independent implementation ------------------------------------


@pytest.fixture(scope="module")
def ema() -> Iterator[object]:
    """The workbench's prim module, imported quietly (it is slow and chatty to import)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim as ema_prim
    yield ema_prim


def ema_run(ema, x: pd.DataFrame, y: np.ndarray, **kwargs) -> tuple[pd.DataFrame, np.ndarray]:
    """The workbench's first box: its trajectory and box limits (``(b, 2, d)``, x's order).

    A density threshold of ~0 makes it return its whole trajectory (never a "dump box").
    """
    objective = kwargs.pop("objective", "lenient1")
    kwargs["obj_function"] = ema.PRIMObjectiveFunctions(objective)
    log = logging.getLogger("EMA")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = ema.Prim(x, np.asarray(y).astype(int), threshold=1e-9, **kwargs).find_box()
    finally:
        log.setLevel(level)
    lims = np.stack([b[list(x.columns)].to_numpy(dtype=float) for b in box.box_lims])
    return box.peeling_trajectory.reset_index(drop=True), lims


def assert_same_as_ema(ema, x: pd.DataFrame, y: np.ndarray, **kwargs) -> None:
    """Trajectory (every step's coverage, density, mass, counts) and box limits identical."""
    traj, lims = ema_run(ema, x, y, **dict(kwargs))
    ours = find_box(x, y, **kwargs)
    assert len(ours) == len(traj)
    for column in TRAJECTORY:
        np.testing.assert_array_equal(
            ours.trajectory[column].to_numpy(dtype=float),
            traj[column].to_numpy(dtype=float),
            err_msg=column,
        )
    np.testing.assert_array_equal(ours.box_lims, lims)


def _box_data(seed: int, n: int, d: int, kind: str) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, d))
    if kind == "ties":  # few distinct values per input: many tied quantiles
        x = np.floor(x * rng.integers(2, 8, size=d)) / 4
    elif kind == "switch":  # a 0/1 structure switch among continuous inputs
        x[:, 1] = (x[:, 1] < 0.4).astype(float)
    elif kind == "skewed":  # heavy right tails
        x = np.exp(3 * x**2)
    frame = pd.DataFrame(x, columns=[f"p{j}" for j in range(d)])
    u = (x - x.min(axis=0)) / (x.max(axis=0) - x.min(axis=0))
    if kind == "oblique":  # no box describes y exactly
        inside = u[:, 0] + u[:, 1] > 1.1
    else:
        inside = (u[:, 0] > 0.3) & (u[:, 1] < 0.7)
    y = np.where(inside, rng.uniform(size=n) < 0.85, rng.uniform(size=n) < 0.08)
    return frame, y


@pytest.mark.parametrize(
    ("kind", "settings_"),
    [
        ("uniform", {}),
        ("uniform", {"peel_alpha": 0.1}),
        ("uniform", {"peel_alpha": 0.2, "paste_alpha": 0.1, "mass_min": 0.02}),
        ("ties", {"peel_alpha": 0.1}),
        ("ties", {"peel_alpha": 0.3, "paste_alpha": 0.2}),
        ("switch", {"peel_alpha": 0.1}),
        ("skewed", {"peel_alpha": 0.1, "objective": "lenient2"}),
        ("oblique", {"peel_alpha": 0.1}),
        ("oblique", {"peel_alpha": 0.1, "objective": "original"}),
        ("uniform", {"peel_alpha": 0.5, "mass_min": 0.0}),
    ],
)
def test_trajectory_equals_ema_workbench(ema, kind, settings_):
    x, y = _box_data(seed=len(kind) + 7 * len(settings_), n=1200, d=5, kind=kind)
    assert_same_as_ema(ema, x, y, **settings_)


@pytest.fixture(scope="module")
def baseline_draws() -> tuple[pd.DataFrame, pd.DataFrame]:
    from agi_interventions import api
    from agi_interventions.priors import load_worldview

    view = load_worldview(REPO / "config/priors/baseline.yaml")
    draws = api.simulate(view, 8192, seed=1)
    return draws[view.uncertain], draws[["a_V", "a_CV", "a_CnotV"]]


def test_trajectory_equals_ema_workbench_on_model_draws(ema, baseline_draws):
    inputs, values = baseline_draws
    assert inputs.shape == (8192, 18)
    y = (values.idxmax(axis=1) == "a_CV").to_numpy()
    assert_same_as_ema(ema, inputs, y, peel_alpha=0.1)


def test_trajectory_equals_ema_workbench_with_structure_switches(ema):
    from agi_interventions import api
    from agi_interventions.priors import load_worldview

    view = load_worldview(REPO / "config/priors/multiverse.yaml")
    assert view.discrete  # 0/1 switches: heavily tied inputs
    draws = api.simulate(view, 4096, seed=2)
    inputs = draws[view.uncertain].astype(float)
    inputs = inputs.loc[:, inputs.max() > inputs.min()]
    y = (draws[["a_V", "a_CV", "a_CnotV"]].idxmax(axis=1) == "a_V").to_numpy()
    assert 0 < y.sum() < y.size
    assert_same_as_ema(ema, inputs, y, peel_alpha=0.1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_small_tied_data_equal_ema_workbench(ema, data):
    n = data.draw(st.integers(4, 40), label="n")
    d = data.draw(st.integers(1, 3), label="d")
    levels = data.draw(st.integers(2, 6), label="levels")
    cells = st.integers(0, levels).map(lambda v: v / levels)
    x = pd.DataFrame(
        np.array(data.draw(st.lists(cells, min_size=n * d, max_size=n * d))).reshape(n, d),
        columns=[f"p{j}" for j in range(d)],
    )
    y = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    if y.all() or not y.any():  # the workbench requires both classes
        y[0] = not y[0]
    kwargs = {
        "peel_alpha": data.draw(st.sampled_from([0.05, 0.1, 0.25, 0.5])),
        "paste_alpha": data.draw(st.sampled_from([0.05, 0.2])),
        "mass_min": data.draw(st.sampled_from([0.0, 0.05, 0.2])),
        "objective": data.draw(st.sampled_from(OBJECTIVES)),
    }
    assert_same_as_ema(ema, x, y, **kwargs)


@given(
    values=st.lists(st.integers(-3, 3).map(float), min_size=1, max_size=30),
    quantile=st.floats(0.01, 0.99),
)
def test_quantile_equals_ema_workbench(ema, values, quantile):
    assert sdtoolkit_quantile(np.array(values), quantile) == ema.get_quantile(
        np.array(values), quantile
    )


# --- hand-computed truths ------------------------------------------------------------------


def test_quantile_by_hand():
    data = np.array([3.0, 2.0, 1.0, 2.0, 2.0])  # sorted: 1 2 2 2 3
    assert sdtoolkit_quantile(data, 0.1) == 1.5  # i = 0.4: midpoint of 1 and 2
    assert sdtoolkit_quantile(data, 0.3) == 2.5  # i = 1.2: 2 = 2, upper index walks to 3
    assert sdtoolkit_quantile(data, 0.7) == 1.5  # i = 2.8: 2 = 2, lower index walks to 1
    assert sdtoolkit_quantile(data, 0.9) == 2.5  # i = 3.6: midpoint of 2 and 3
    assert sdtoolkit_quantile(np.full(4, 5.0), 0.2) == 5.0
    assert sdtoolkit_quantile(np.array([7.0]), 0.9) == 7.0
    with pytest.raises(ValueError, match="empty"):
        sdtoolkit_quantile(np.array([]), 0.5)
    with pytest.raises(ValueError, match="quantile"):
        sdtoolkit_quantile(data, 1.0)


def test_trajectory_by_hand():
    # x = 0..19, y = x >= 10, peel_alpha 0.1. With m rows (values v..19) the lower
    # quantile has i = (m - 1) / 10, between the 2nd and 3rd value: the cut is v + 1.5 and
    # drops two rows of y = 0 (the upper candidates drop cases of interest). At m = 10
    # the box is pure: no peel raises the mean, peeling stops; pasting back 9 lowers it.
    x = pd.DataFrame({"x": np.arange(20.0)})
    box = find_box(x, (x["x"] >= 10).to_numpy(), peel_alpha=0.1)
    traj = box.trajectory
    assert traj["n"].tolist() == [20, 18, 16, 14, 12, 10]
    assert traj["k"].tolist() == [10] * 6
    np.testing.assert_allclose(traj["density"], 10 / traj["n"])
    np.testing.assert_allclose(traj["mass"], traj["n"] / 20)
    assert traj["coverage"].tolist() == [1.0] * 6
    assert traj["res_dim"].tolist() == [0, 1, 1, 1, 1, 1]
    assert box.box_lims[:, 0, 0].tolist() == [0.0, 1.5, 3.5, 5.5, 7.5, 9.5]
    assert box.box_lims[:, 1, 0].tolist() == [19.0] * 6
    assert box.last_peel == 5
    assert box.restricted() == ["x"]


def test_mass_min_stops_peeling_by_hand():
    # Same data, y = x >= 16: pure box is 4 rows = 0.2 of the data. With mass_min = 0.5
    # peeling stops at the last box of at least 10 rows: 20, 18, 16, 14, 12, 10.
    x = pd.DataFrame({"x": np.arange(20.0)})
    box = find_box(x, (x["x"] >= 16).to_numpy(), peel_alpha=0.1, mass_min=0.5)
    assert box.trajectory["n"].tolist() == [20, 18, 16, 14, 12, 10]
    assert box.trajectory["mass"].min() >= 0.5


# --- boxes known by construction -----------------------------------------------------------


def _first_box_reaching(box, density: float) -> int:
    """Highest-coverage box with at least ``density`` (the project's rule, restated)."""
    traj = box.trajectory
    ok = traj[traj["density"] >= density]
    return int(ok.sort_values(["coverage", "density"], ascending=False, kind="stable").index[0])


def test_one_sided_box_noise_free():
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.uniform(size=(5000, 4)), columns=["a", "b", "c", "d"])
    y = (x["c"] > 0.7).to_numpy()
    box = find_box(x, y)
    final = box.trajectory.iloc[-1]
    assert final["density"] == 1.0  # pure, and stops there: no peel can raise the mean
    assert final["coverage"] >= 0.95
    assert box.restricted() == ["c"]
    low, high = box.limits().loc[:, "c"]
    assert 0.7 <= low <= 0.72  # a peel of 5% of the box overshoots by < 0.02
    assert high == x["c"].max()
    assert (box.trajectory["res_dim"] <= 1).all()  # never touched a, b, d


def test_two_dimensional_box_with_label_noise():
    rng = np.random.default_rng(12)
    n = 20_000
    x = pd.DataFrame(rng.uniform(size=(n, 5)), columns=[f"x{j}" for j in range(5)])
    inside = (x["x1"] >= 0.2) & (x["x1"] <= 0.6) & (x["x3"] >= 0.3)
    # 95% of the box and 5% of the rest are cases of interest: box density 0.95, and the
    # best box with density >= 0.9 is close to the true one (coverage about 0.84).
    y = np.where(inside, rng.uniform(size=n) < 0.95, rng.uniform(size=n) < 0.05)
    box = find_box(x, y, peel_alpha=0.05)
    i = _first_box_reaching(box, 0.9)
    assert box.restricted(i) == ["x1", "x3"]  # x0, x2, x4 irrelevant and unrestricted
    lims = box.limits(i)
    assert lims.loc["low", "x1"] == pytest.approx(0.2, abs=0.04)
    assert lims.loc["high", "x1"] == pytest.approx(0.6, abs=0.04)
    assert lims.loc["low", "x3"] == pytest.approx(0.3, abs=0.04)
    assert lims.loc["high", "x3"] == x["x3"].max()
    true_coverage = (y & inside).sum() / y.sum()
    assert box.trajectory.loc[i, "coverage"] == pytest.approx(true_coverage, abs=0.06)
    assert box.trajectory.loc[i, "mass"] == pytest.approx(0.28, abs=0.04)


def test_outcome_everywhere_gives_the_whole_space():
    x = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    box = find_box(x, np.ones(50, dtype=bool))
    assert len(box) == 1
    assert box.trajectory.iloc[0][["coverage", "density", "mass"]].tolist() == [1.0] * 3
    assert box.restricted(0) == []


# --- invariants on random data -------------------------------------------------------------


@st.composite
def problems(draw) -> tuple[np.ndarray, np.ndarray, dict]:
    n = draw(st.integers(1, 60))
    d = draw(st.integers(1, 4))
    discrete = draw(st.booleans())
    cell = (
        st.integers(0, 4).map(float)
        if discrete
        else st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
    )
    x = np.array(draw(st.lists(cell, min_size=n * d, max_size=n * d))).reshape(n, d)
    y = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    y[draw(st.integers(0, n - 1))] = True
    kwargs = {
        "peel_alpha": draw(st.floats(0.01, 0.6)),
        "paste_alpha": draw(st.floats(0.01, 0.6)),
        "mass_min": draw(st.floats(0.0, 0.5)),
        "objective": draw(st.sampled_from(OBJECTIVES)),
    }
    return x, y, kwargs


@settings(max_examples=150, deadline=None)
@given(problem=problems())
def test_invariants(problem):
    x, y, kwargs = problem
    box = find_box(x, y, **kwargs)
    traj = box.trajectory
    for column in ("coverage", "density", "mass"):
        assert traj[column].between(0, 1).all()
    assert traj["mass"].iloc[1:].ge(kwargs["mass_min"]).all()
    peel = traj["mass"].iloc[: box.last_peel + 1].to_numpy()
    paste = traj["mass"].iloc[box.last_peel :].to_numpy()
    assert np.all(np.diff(peel) < 0) and np.all(np.diff(paste) > 0)
    assert np.all(np.diff(traj["density"].iloc[box.last_peel :]) > 0)  # pastes raise it
    np.testing.assert_array_equal(box.box_lims[0], [x.min(axis=0), x.max(axis=0)])
    for i in range(len(box)):
        inside = np.all((x >= box.box_lims[i, 0]) & (x <= box.box_lims[i, 1]), axis=1)
        np.testing.assert_array_equal(box.inside(x, i), inside)
        assert traj.loc[i, "n"] == inside.sum()
        assert traj.loc[i, "k"] == (inside & y).sum()
        assert traj.loc[i, "coverage"] == (inside & y).sum() / y.sum()
        assert traj.loc[i, "density"] == (inside & y).sum() / inside.sum()
        assert traj.loc[i, "res_dim"] == len(box.restricted(i))
        if 0 < i <= box.last_peel:  # peeling nests the boxes
            assert np.all(box.box_lims[i, 0] >= box.box_lims[i - 1, 0])
            assert np.all(box.box_lims[i, 1] <= box.box_lims[i - 1, 1])
    again = find_box(x, y, **kwargs)
    np.testing.assert_array_equal(again.box_lims, box.box_lims)
    pd.testing.assert_frame_equal(again.trajectory, box.trajectory)


def test_one_prim_serves_several_outcomes():
    x, y1 = _box_data(seed=3, n=800, d=4, kind="uniform")
    _, y2 = _box_data(seed=4, n=800, d=4, kind="oblique")
    prim = Prim(x, peel_alpha=0.1)
    first, second, third = prim.find_box(y1), prim.find_box(y2), prim.find_box(y1)
    np.testing.assert_array_equal(first.box_lims, third.box_lims)
    pd.testing.assert_frame_equal(first.trajectory, third.trajectory)
    fresh = find_box(x, y2, peel_alpha=0.1)
    np.testing.assert_array_equal(second.box_lims, fresh.box_lims)
    assert list(first.limits().columns) == list(x.columns)


def test_rejects_bad_input():
    x = np.zeros((5, 2))
    with pytest.raises(ValueError, match="no case of interest"):
        find_box(x, np.zeros(5, dtype=bool))
    with pytest.raises(ValueError, match="binary"):
        find_box(x, np.array([0, 1, 2, 0, 1]))
    with pytest.raises(ValueError, match="shape"):
        find_box(x, np.ones(4, dtype=bool))
    with pytest.raises(ValueError, match="infinite"):
        Prim(np.array([[0.0], [math.nan]]))
    with pytest.raises(ValueError, match="peel_alpha"):
        Prim(x, peel_alpha=0.0)
    with pytest.raises(ValueError, match="objective"):
        Prim(x, objective="strict")  # type: ignore[arg-type]
