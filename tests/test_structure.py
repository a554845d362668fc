"""Structural variants: registry, prior syntax, evaluation, the exact engine's forms, truth."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from agi_interventions import io
from agi_interventions.errors import PriorError
from agi_interventions.model import marginal_values
from agi_interventions.parameters import INTERVENTIONS, PARAMETER_NAMES
from agi_interventions.priors import load_worldview
from agi_interventions.structure import VARIANTS, Structure, Variant

from .conftest import VALID_PRIORS, NoAliasDumper

REPO = Path(__file__).resolve().parents[1]
OPTIONS = list(INTERVENTIONS)

LOCALITY_INPUTS = {
    "l": {"dist": "beta", "a": 1, "b": 4},
    "k_C": {"dist": "lognormal", "ci90": [0.05, 1.0]},
}
COALITION_INPUTS = {
    "s": {"dist": "normal", "ci90": [-0.5, 1.0]},
    "theta": {"dist": "uniform", "low": 0.2, "high": 0.6},
}


def write(tmp_path: Path, structure: dict | None, parameters: dict, name: str = "w") -> Path:
    data: dict = {"description": "test worldview"}
    if structure is not None:
        data["structure"] = structure
    data["parameters"] = parameters
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.dump(data, Dumper=NoAliasDumper, sort_keys=False), encoding="utf-8")
    return path


def both_switched(tmp_path: Path, p_locality: float = 0.5, p_coalition: float = 0.5) -> Path:
    parameters = {**copy.deepcopy(VALID_PRIORS), **LOCALITY_INPUTS, **COALITION_INPUTS}
    parameters["dpCnotV_daCnotV"] = {"dist": "lognormal", "ci90": [0.005, 0.1]}
    return write(
        tmp_path, {"locality": p_locality, "coalition_size": p_coalition}, parameters, "both"
    )


def problems_of(path: Path) -> list[str]:
    with pytest.raises(PriorError) as err:
        load_worldview(path)
    return err.value.problems


# --------------------------------------------------------------------------- registry, docs


def test_every_variant_is_documented_in_the_model_document():
    text = (REPO / "docs" / "model.md").read_text(encoding="utf-8")
    for variant in VARIANTS.values():
        match = re.search(rf"^### `{variant.name}`\n(.*?)(?=^### |^## |\Z)", text, re.M | re.S)
        assert match, f"docs/model.md has no section ### `{variant.name}`"
        section = match.group(1)
        for name in (*variant.input_names, *variant.replaces):
            assert f"`{name}`" in section or f" {name} " in section, (variant.name, name)


def test_no_module_outside_the_registry_tests_a_variant_name():
    package = REPO / "src" / "agi_interventions"
    allowed = {package / "structure.py", package / "priors.py"}
    for path in package.rglob("*.py"):
        if path in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        for name in VARIANTS:
            for pattern in (f'== "{name}"', f"== '{name}'", f'"{name}" in', f'!= "{name}"'):
                assert pattern not in text, (path.name, pattern)


def test_the_switch_of_a_variant_is_an_input_of_the_design(tmp_path):
    view = load_worldview(both_switched(tmp_path))
    assert view.discrete == ["locality", "coalition_size"]
    for name in ("l", "k_C", "s", "theta", "db_dFCV", "db_dFCnotV", "db_dFV"):
        assert name in view.uncertain
    assert view.priors["locality"].atoms()[1].tolist() == [0.5, 0.5]
    groups = view.groups()
    assert groups["structure"] == ["locality", "coalition_size"]
    assert {"l", "k_C", "s", "theta"} <= set(groups["bargaining_slopes"])


# --------------------------------------------------------------------------- prior syntax


def test_a_replaced_parameter_at_probability_one_is_an_error_naming_the_variant(tmp_path):
    parameters = {**copy.deepcopy(VALID_PRIORS), **LOCALITY_INPUTS}
    problems = problems_of(write(tmp_path, {"locality": 1}, parameters))
    assert len(problems) == 2
    for name, problem in zip(("db_dFCV", "db_dFCnotV"), problems, strict=True):
        assert f"'{name}'" in problem and "locality variant" in problem, problem


def test_at_probability_one_the_replaced_parameters_are_not_inputs(tmp_path):
    parameters = {**copy.deepcopy(VALID_PRIORS), **LOCALITY_INPUTS}
    del parameters["db_dFCV"], parameters["db_dFCnotV"]
    view = load_worldview(write(tmp_path, {"locality": 1}, parameters))
    assert "db_dFCV" not in view.priors and "locality" not in view.priors
    assert view.structure.always == ["locality"]


def test_a_switched_variant_needs_its_inputs_and_the_parameters_it_replaces(tmp_path):
    parameters = {**copy.deepcopy(VALID_PRIORS), **LOCALITY_INPUTS}
    del parameters["db_dFCV"], parameters["k_C"]
    problems = problems_of(write(tmp_path, {"locality": 0.5}, parameters))
    assert any("'db_dFCV': missing" in p for p in problems), problems
    assert any("'k_C': missing" in p for p in problems), problems


@pytest.mark.parametrize(
    ("structure", "fragments"),
    [
        ({"localty": 0.5}, ["unknown variant", "locality"]),
        ({"locality": 1.5}, ["locality", "[0, 1]"]),
        ({"locality": -0.1}, ["[0, 1]"]),
        ({"locality": "half"}, ["[0, 1]"]),
        ({"locality": True}, ["[0, 1]"]),
        ([1, 2], ["'structure' must map variant names"]),
    ],
)
def test_bad_structures_are_clear_errors(tmp_path, structure, fragments):
    parameters = {**copy.deepcopy(VALID_PRIORS), **LOCALITY_INPUTS}
    problems = problems_of(write(tmp_path, structure, parameters))
    assert len(problems) == 1, problems
    for fragment in fragments:
        assert fragment in problems[0], problems


def test_two_variants_replacing_one_parameter_cannot_both_hold(tmp_path, monkeypatch):
    rival = Variant(
        name="rival",
        description="a second model of db/dF_V",
        inputs=(),
        replaces=("db_dFV",),
        reads=(),
        derive=lambda p: {"db_dFV": np.zeros_like(np.asarray(p["F_V"]))},
    )
    monkeypatch.setitem(VARIANTS, "rival", rival)
    parameters = {**copy.deepcopy(VALID_PRIORS), **COALITION_INPUTS}
    problems = problems_of(write(tmp_path, {"coalition_size": 0.5, "rival": 0.5}, parameters))
    assert any("both replace db_dFV" in p for p in problems), problems


def test_variant_inputs_without_the_variant_are_explained(tmp_path):
    parameters = {**copy.deepcopy(VALID_PRIORS), **LOCALITY_INPUTS}
    problems = problems_of(write(tmp_path, None, parameters))
    assert len(problems) == 2
    assert all("add structure: {locality: p}" in p for p in problems), problems


def test_the_old_spelling_and_probability_zero_give_byte_identical_tables(tmp_path):
    from agi_interventions import api

    old = yaml.safe_load((REPO / "config/priors/consistent_by_construction.yaml").read_text())
    old.pop("structure", None)
    old["parametrisation"] = "rest_of_world"
    new = copy.deepcopy(old)
    del new["parametrisation"]
    new["structure"] = {"rest_of_world": 1, "locality": 0}
    paths = []
    for name, data in (("old", old), ("new", new)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.dump(data, Dumper=NoAliasDumper), encoding="utf-8")
        paths.append(path)
    results = [
        api.analyse(path, samples=256, seed=5, name="same", decision={"evppi_bootstrap": 10})
        for path in paths
    ]
    assert set(results[0].tables) == set(results[1].tables)
    for name, table in results[0].tables.items():
        assert io.csv_text(table) == io.csv_text(results[1].tables[name]), name


# --------------------------------------------------------------------------- evaluation


def _random_inputs(view, n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: prior.sample(n, rng) for name, prior in view.priors.items()}


def test_locality_at_zero_gives_the_posts_ratio_for_every_draw(tmp_path):
    """docs/model.md: at l = 0, a_CV / a_CnotV = p_V dpCV_daCV / ((1 - p_V) dpCnotV_daCnotV)."""
    from agi_interventions import steps

    parameters = {**copy.deepcopy(VALID_PRIORS), **LOCALITY_INPUTS}
    del parameters["db_dFCV"], parameters["db_dFCnotV"]
    parameters["l"] = {"dist": "fixed", "value": 0.0}
    parameters["dpCnotV_daCnotV"] = {"dist": "lognormal", "ci90": [0.005, 0.1]}
    view = load_worldview(write(tmp_path, {"locality": 1}, parameters))
    frames: list = []
    steps.design(view, 512, 3, 1, frames.append)
    draws = pd.concat(frames, ignore_index=True)
    ratio = draws["a_CV"] / draws["a_CnotV"]
    claim = draws["p_V"] * draws["dpCV_daCV"] / ((1 - draws["p_V"]) * draws["dpCnotV_daCnotV"])
    np.testing.assert_allclose(ratio, claim, rtol=1e-12)
    assert len(draws) == 1024


def test_a_switch_takes_the_variant_where_it_is_one_and_the_prior_where_zero(tmp_path):
    view = load_worldview(both_switched(tmp_path))
    inputs = _random_inputs(view, 4000, 1)
    canonical = view.structure.canonical(inputs)
    on, off = inputs["locality"] == 1, inputs["locality"] == 0
    pi_v = inputs["l"] + (1 - inputs["l"]) * inputs["F_V"]
    np.testing.assert_array_equal(canonical["db_dFCV"][on], (inputs["k_C"] * pi_v)[on])
    np.testing.assert_array_equal(canonical["db_dFCV"][off], inputs["db_dFCV"][off])
    coalition = inputs["coalition_size"] == 1
    expected = inputs["s"] * (inputs["F_V"] - inputs["theta"])
    np.testing.assert_array_equal(canonical["db_dFV"][coalition], expected[coalition])
    assert 0.4 < on.mean() < 0.6 and set(np.unique(inputs["locality"])) == {0.0, 1.0}


@pytest.mark.parametrize(
    "structure",
    [
        {"locality": 1},
        {"coalition_size": 1},
        {"locality": 0.5, "coalition_size": 0.5},
        {"locality": 1, "coalition_size": 0.3},
    ],
)
def test_declared_forms_equal_the_variants_and_the_closed_form(tmp_path, structure):
    from agi_interventions.exact.engine import structure_outputs

    parameters = copy.deepcopy(VALID_PRIORS)
    inputs_of = {"locality": LOCALITY_INPUTS, "coalition_size": COALITION_INPUTS}
    for name, p in structure.items():
        parameters.update(inputs_of[name])
        if p == 1:
            for replaced in VARIANTS[name].replaces:
                del parameters[replaced]
    view = load_worldview(write(tmp_path, structure, parameters))
    forms = structure_outputs(view)
    inputs = _random_inputs(view, 2000, 7)
    expected = marginal_values(view.structure.canonical(inputs))
    for output in (*OPTIONS, "a_V_bargaining", "a_V_success_shift", "a_V_failure_shift"):
        got = forms[output].evaluate(inputs)
        scale = np.abs(expected[output]).max()  # sums of terms of both signs: absolute scale
        np.testing.assert_allclose(got, expected[output], rtol=1e-12, atol=1e-12 * scale)
    assert set(forms["a_CV"].parameters) <= set(view.priors)


# --------------------------------------------------------------------------- exact vs brute force


#: The continuous inputs of the locality and coalition-size variants.
VARIANT_INPUTS = ("l", "k_C", "s", "theta")


def test_exact_switch_and_locality_indices_and_evppi_match_brute_force(tmp_path):
    """10^7 draws, both variants at 0.5: conditional means given each switch value, the
    switches' EVPPI, and Jansen/Saltelli S1 and ST of every variant input."""
    from agi_interventions.exact import engine_for

    view = load_worldview(both_switched(tmp_path, 0.5, 0.5))
    engine, reason = engine_for(view)
    assert engine is not None, reason
    rng = np.random.default_rng(20261204)
    chunks, size = 10, 10**6
    sums: dict[str, np.ndarray] = {}

    def add(key: str, value: np.ndarray) -> None:
        sums[key] = sums.get(key, 0.0) + value

    def sample() -> dict[str, np.ndarray]:
        return {name: prior.sample(size, rng) for name, prior in view.priors.items()}

    b = sample()
    for _ in range(chunks):
        a, b = b, sample()  # each chunk's B is the next chunk's A: all draws independent

        def values(inputs):
            out = marginal_values(view.structure.canonical(inputs))
            return np.column_stack([out[o] for o in OPTIONS])

        ya = values(a)
        add("y", ya.sum(axis=0))
        add("y2", (ya**2).sum(axis=0))
        for switch in ("locality", "coalition_size"):
            y1, y0 = values({**a, switch: np.ones(size)}), values({**a, switch: np.zeros(size)})
            add(f"{switch}:1", y1.sum(axis=0))
            add(f"{switch}:0", y0.sum(axis=0))
            add(f"{switch}:d2", ((y1 - y0) ** 2).sum(axis=0))
        yb = values(b)
        for name in VARIANT_INPUTS:
            y_swap = values({**a, name: b[name]})
            add(f"{name}:st", ((ya - y_swap) ** 2).sum(axis=0))
            add(f"{name}:s1", (yb * (y_swap - ya)).sum(axis=0))
    n = chunks * size
    mean = sums["y"] / n
    var = sums["y2"] / n - mean**2
    for k, option in enumerate(OPTIONS):
        position = engine.uncertain.index
        s1, st = engine.sobol(option)
        np.testing.assert_allclose(engine.mean(option), mean[k], rtol=0.02)
        for switch in ("locality", "coalition_size"):
            q = float(view.priors[switch].args["p"])
            e1, e0 = sums[f"{switch}:1"][k] / n, sums[f"{switch}:0"][k] / n
            s1_mc = q * (1 - q) * (e1 - e0) ** 2 / var[k]
            st_mc = q * (1 - q) * (sums[f"{switch}:d2"][k] / n) / var[k]
            assert abs(s1[position(switch)] - s1_mc) <= 0.01 + 0.05 * s1_mc, (option, switch)
            assert abs(st[position(switch)] - st_mc) <= 0.01 + 0.05 * st_mc, (option, switch)
            exact_means = engine.conditional_mean(option, {switch: np.array([0.0, 1.0])})
            np.testing.assert_allclose(exact_means, [e0, e1], rtol=0.03, atol=1e-7)
        for name in VARIANT_INPUTS:
            st_mc = sums[f"{name}:st"][k] / n / 2 / var[k]
            s1_mc = sums[f"{name}:s1"][k] / n / var[k]
            assert abs(st[position(name)] - st_mc) <= 0.01 + 0.05 * st_mc, (option, name)
            assert abs(s1[position(name)] - s1_mc) <= 0.01, (option, name)
    for switch in ("locality", "coalition_size"):
        q = float(view.priors[switch].args["p"])
        e1 = sums[f"{switch}:1"] / n
        e0 = sums[f"{switch}:0"] / n
        brute = q * e1.max() + (1 - q) * e0.max() - (q * e1 + (1 - q) * e0).max()
        exact = engine.evppi_parameter(OPTIONS, switch)
        assert (
            abs(exact - brute)
            <= 0.05 * engine.evppi_group(OPTIONS, engine.uncertain, n_draws=2**18, seed=1)[0]
            + 1e-9
        ), (switch, exact, brute)


# --------------------------------------------------------------------------- admissibility


def test_the_output_bound_holds_at_random_points_of_the_box(tmp_path):
    from agi_interventions.admissibility import output_bound, parameter_ranges

    view = load_worldview(both_switched(tmp_path))
    bound, _ = output_bound(view.priors, view.structure)
    ranges = parameter_ranges(view.priors, view.structure)
    rng = np.random.default_rng(0)
    n = 20000
    inputs = {}
    for name in view.priors:
        low, high = ranges[name]
        corner = rng.integers(0, 3, n)  # low end, high end or a point in between
        inputs[name] = np.where(
            corner == 0, low, np.where(corner == 1, high, low + (high - low) * rng.random(n))
        )
    for switch in view.discrete:
        inputs[switch] = np.round(inputs[switch])
    outputs = marginal_values(view.structure.canonical(inputs))
    worst = max(float(np.max(np.abs(v))) for v in outputs.values())
    assert np.isfinite(worst) and worst <= bound


def test_the_bound_rejects_outputs_beyond_double_precision(tmp_path):
    parameters = copy.deepcopy(VALID_PRIORS)
    parameters["dpV_daV"] = {"dist": "loguniform", "low": 1e-300, "high": 1e100}
    parameters["U_B"] = {"dist": "loguniform", "low": 1e-5, "high": 1e80}
    problems = problems_of(write(tmp_path, None, parameters))
    assert any("beyond the 1e+150" in p for p in problems), problems


def test_canonical_columns_are_stored_for_every_worldview(tmp_path):
    from agi_interventions.chunks import input_columns

    view = load_worldview(both_switched(tmp_path))
    columns = input_columns(view.inputs)
    assert columns[: len(PARAMETER_NAMES)] == list(PARAMETER_NAMES)
    assert columns[len(PARAMETER_NAMES) :] == [
        "l",
        "k_C",
        "locality",
        "s",
        "theta",
        "coalition_size",
    ]


def test_structure_record_round_trips_without_scipy():
    structure = Structure({"coalition_size": 0.25, "locality": 1.0})
    again = Structure.from_record(structure.record())
    assert again == structure and list(again.probabilities) == ["locality", "coalition_size"]
