"""Property-based test of the prior loader: any document is either a usable worldview or a
clear error (the project's own), never a crash or a worldview that yields NaN."""

from __future__ import annotations

import copy
import math

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agi_interventions.design import SobolDesign
from agi_interventions.errors import PriorError
from agi_interventions.model import marginal_values
from agi_interventions.priors import FAMILIES, load_worldview
from agi_interventions.structure import known_names

from .conftest import VALID_PRIORS, NoAliasDumper

KNOWN = known_names()
NAMES = list(KNOWN)
ARGUMENTS = sorted(
    {a for f in FAMILIES.values() for req in f.required for a in req}
    | {a for f in FAMILIES.values() for a in f.optional}
    | {"note", "dist", "junk"}
)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
unit = st.floats(min_value=0.0, max_value=1.0)
extreme = st.sampled_from(
    [0.0, -0.0, 1.0, -1.0, 5e-324, 1e-300, 1e300, 1.7e308, math.inf, -math.inf, math.nan, 10**30]
)
scalars = st.one_of(
    finite,
    unit,
    extreme,
    st.integers(min_value=-(10**25), max_value=10**25),
    st.text(max_size=12),
    st.sampled_from(["1e-3", "0.5", "uniform", "", "nan"]),
    st.none(),
    st.booleans(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
keys = st.one_of(
    st.sampled_from(ARGUMENTS), st.text(max_size=8), st.integers(-3, 3), st.none(), st.floats()
)


@st.composite
def entries(draw):
    """A prior entry: a real family with real or junk arguments, or something else."""
    if draw(st.integers(0, 9)) == 0:
        return draw(values)
    family = draw(st.sampled_from([*FAMILIES, "junk"]))
    entry = {"dist": family}
    spec = FAMILIES.get(family)
    names = sorted(next(iter(spec.required)) | spec.optional) if spec else ["low", "high"]
    for name in names:
        if draw(st.integers(0, 9)):  # usually present
            entry[name] = draw(st.one_of(finite, unit, extreme) if name != "ci90" else values)
    if family in ("normal", "lognormal") and draw(st.booleans()):
        entry = {"dist": family, "ci90": sorted(draw(st.lists(unit, min_size=2, max_size=2)))}
    for _ in range(draw(st.integers(0, 1))):
        entry[draw(keys)] = draw(values)
    return entry


@st.composite
def plausible_entries(draw):
    """A real family with its real arguments, numbers moderate or extreme."""
    family = draw(st.sampled_from(list(FAMILIES)))
    number = st.one_of(finite, unit, unit, extreme)
    options = sorted(FAMILIES[family].required, key=sorted)
    names = sorted(draw(st.sampled_from(options)))
    entry = {"dist": family}
    for name in names:
        if name == "ci90":
            entry[name] = sorted(draw(st.lists(st.one_of(unit, finite), min_size=2, max_size=2)))
        else:
            entry[name] = draw(number)
    return entry


VARIANT_INPUTS = {
    "l": {"dist": "beta", "a": 1, "b": 4},
    "k_C": {"dist": "lognormal", "ci90": [0.05, 1.0]},
    "s": {"dist": "normal", "ci90": [-0.5, 1.0]},
    "theta": {"dist": "uniform", "low": 0.2, "high": 0.6},
}

REST_OF_WORLD_PRIORS = {
    **{k: v for k, v in VALID_PRIORS.items() if k not in ("F_V", "F_CV", "F_CnotV")},
    "R_V": {"dist": "beta", "a": 2, "b": 5, "low": 0.01, "high": 0.99},
    "R_CV": {"dist": "beta", "a": 4, "b": 2},
    "R_CnotV": {"dist": "uniform", "low": 0.0, "high": 1.0},
    "F_I": {"dist": "loguniform", "low": 0.0001, "high": 0.05},
}


@st.composite
def documents(draw):
    """A worldview document built by mutating a valid one, sometimes beyond recognition."""
    if draw(st.integers(0, 4)) < 3:  # plausible edits of a valid worldview
        rest = draw(st.integers(0, 4)) == 0
        parameters = copy.deepcopy(REST_OF_WORLD_PRIORS if rest else VALID_PRIORS)
        structure = {}
        if not rest and draw(st.integers(0, 2)) == 0:  # structural variants, sometimes switched
            parameters.update(copy.deepcopy(VARIANT_INPUTS))
            structure = {
                "locality": draw(st.sampled_from([0.5, 1, 0.0])),
                "coalition_size": draw(st.sampled_from([0.25, 1, 1.5])),
            }
        for _ in range(draw(st.integers(0, 3))):
            parameters[draw(st.sampled_from(list(parameters)))] = draw(plausible_entries())
        document = {
            "description": "plausible",
            "parametrisation": "rest_of_world" if rest else "fractions",
            "parameters": parameters,
        }
        if structure:
            document["structure"] = structure
        return document
    parameters = copy.deepcopy(VALID_PRIORS)
    for _ in range(draw(st.integers(0, 4))):
        parameters[draw(st.sampled_from(NAMES))] = draw(entries())
    for _ in range(draw(st.integers(0, 1))):
        parameters.pop(draw(st.sampled_from(list(parameters))), None)
    for _ in range(draw(st.integers(0, 1))):
        parameters[draw(keys)] = draw(values)
    document = {
        "description": draw(st.one_of(st.text(max_size=20), values)),
        "parametrisation": draw(st.sampled_from(["fractions", "fractions", "rest_of_world", 1])),
        "parameters": parameters,
    }
    if draw(st.integers(0, 19)) == 0:
        document[draw(keys)] = draw(values)
    if draw(st.integers(0, 29)) == 0:
        return draw(values)
    return document


@settings(
    max_examples=2000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=documents())
def test_any_document_is_a_usable_worldview_or_a_clear_error(tmp_path, document):
    path = tmp_path / "worldview.yaml"
    path.write_text(yaml.dump(document, Dumper=NoAliasDumper, allow_unicode=True), "utf-8")
    try:
        worldview = load_worldview(path)
    except PriorError as err:
        assert err.problems
        assert all(str(path) in p for p in err.problems), err.problems
        assert all(len(p) < 1000 for p in err.problems)
        return
    design = SobolDesign(worldview, 64, seed=1)
    a, b = design.unit(0, 64)
    for unit_rows in (a, b, np.clip(a, 1e-12, 1 - 1e-12)):
        inputs = design.map_unit(unit_rows)
        for name in worldview.priors:
            spec = KNOWN[name]
            column = inputs[name]
            assert np.all(np.isfinite(column)), name
            assert spec.contains(float(column.min()), float(column.max())), name
        outputs = marginal_values(worldview.structure.canonical(inputs))
        for name, column in outputs.items():
            assert np.all(np.isfinite(column)), name
