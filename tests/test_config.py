"""Tests of the pipeline configuration and its JSON schema."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from agi_interventions.configuration import SCHEMA
from agi_interventions.priors import load_worldview

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = SCHEMA
CONFIG_PATH = ROOT / "config" / "config.yaml"


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return read_yaml(SCHEMA_PATH)


@pytest.fixture(scope="module")
def validator(schema) -> Draft202012Validator:
    return Draft202012Validator(schema)


@pytest.fixture
def config() -> dict[str, Any]:
    """The shipped configuration, freshly read (tests may modify it)."""
    return read_yaml(CONFIG_PATH)


def error_texts(validator: Draft202012Validator, instance: dict[str, Any]) -> list[str]:
    """Every validation error as ``<json path>: <message>``."""
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(instance)]


def test_schema_is_a_valid_draft_2020_12_schema(schema):
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_shipped_config_is_valid(validator, config):
    assert error_texts(validator, config) == []


def test_shipped_worldviews_exist_and_load(config):
    assert config["worldviews"]
    for name, rel in config["worldviews"].items():
        path = ROOT / rel
        assert path.is_file(), path
        assert load_worldview(path, name=name).name == name


def test_bootstrap_resamples_default_is_100(validator, schema, config):
    prop = schema["properties"]["bootstrap_resamples"]
    assert prop["default"] == 100
    assert "bootstrap_resamples" not in schema["required"]
    # The default itself satisfies the schema.
    config["bootstrap_resamples"] = prop["default"]
    assert error_texts(validator, config) == []
    del config["bootstrap_resamples"]
    assert error_texts(validator, config) == []


@pytest.mark.parametrize("samples", [64, 1024, 16384, 2**20])
def test_powers_of_two_accepted(validator, config, samples):
    config["samples"] = samples
    assert error_texts(validator, config) == []


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1])
def test_seed_range_accepted(validator, config, seed):
    config["seed"] = seed
    assert error_texts(validator, config) == []


def test_several_worldviews_accepted(validator, config):
    config["worldviews"] = {"baseline": "a.yaml", "row_v2.1-b": "b.yaml"}
    assert error_texts(validator, config) == []


def _set(key: str, value: Any):
    def change(cfg: dict[str, Any]) -> None:
        cfg[key] = value

    return change


def _delete(key: str):
    def change(cfg: dict[str, Any]) -> None:
        del cfg[key]

    return change


def _worldview(name: str, path: str = "config/priors/baseline.yaml"):
    def change(cfg: dict[str, Any]) -> None:
        cfg["worldviews"][name] = path

    return change


BAD_CONFIGS = [
    pytest.param(_set("samples", 1000), "$.samples", "1000", id="samples-not-power-of-two"),
    pytest.param(_set("samples", 4), "$.samples", "4", id="samples-too-small"),
    pytest.param(_set("samples", "1024"), "$.samples", "integer", id="samples-string"),
    pytest.param(_delete("seed"), "$", "'seed' is a required property", id="missing-seed"),
    pytest.param(
        _delete("samples"), "$", "'samples' is a required property", id="missing-samples"
    ),
    pytest.param(
        _delete("worldviews"), "$", "'worldviews' is a required property", id="missing-wv"
    ),
    pytest.param(_set("seed", -1), "$.seed", "minimum", id="negative-seed"),
    pytest.param(_set("seed", 2**32), "$.seed", "maximum", id="seed-too-large"),
    pytest.param(_set("seed", 1.5), "$.seed", "integer", id="seed-not-integer"),
    pytest.param(_set("seed", True), "$.seed", "integer", id="seed-boolean"),
    pytest.param(_set("worldviews", {}), "$.worldviews", "non-empty", id="empty-worldviews"),
    pytest.param(_set("worldviews", ["a.yaml"]), "$.worldviews", "object", id="wv-list"),
    pytest.param(_worldview("my/view"), "$.worldviews", "'my/view'", id="wv-name-slash"),
    pytest.param(_worldview("my view"), "$.worldviews", "'my view'", id="wv-name-space"),
    pytest.param(_worldview(".hidden"), "$.worldviews", "'.hidden'", id="wv-name-dot"),
    pytest.param(_worldview("other", ""), "$.worldviews.other", "non-empty", id="wv-empty-path"),
    pytest.param(
        _set("bootstrap_resamples", 5), "$.bootstrap_resamples", "minimum", id="few-resamples"
    ),
    pytest.param(
        _set("bootstrap_resamples", 10**6),
        "$.bootstrap_resamples",
        "maximum",
        id="many-resamples",
    ),
    pytest.param(_set("sample", 1024), "$", "'sample' was unexpected", id="unknown-top-key"),
]


@pytest.mark.parametrize(("change", "where", "fragment"), BAD_CONFIGS)
def test_bad_config_rejected_naming_field(validator, config, change, where, fragment):
    change(config)
    errors = list(validator.iter_errors(config))
    assert errors, "the bad config was accepted"
    # Every error points at the offending field, and one says what is wrong with it.
    assert {e.json_path for e in errors} == {where}, [(e.json_path, e.message) for e in errors]
    assert any(fragment in e.message for e in errors), [e.message for e in errors]
    if where == "$":  # top-level keys: the message itself names the field
        field = fragment.split("'")[1]
        assert all(field in e.message for e in errors)


# --------------------------------------------------------------------------- Snakemake


def test_snakemake_validate_accepts_shipped_config_and_fills_nested_defaults(config):
    original = copy.deepcopy(config)
    validate(config, str(SCHEMA_PATH))
    assert {k: config[k] for k in original} == original
    assert config["chunks"] == "auto"
    assert config["decision_analysis"] is True
    decision = config["decision"]
    assert decision["evppi_bootstrap"] == 60
    assert decision["prim_peel_alpha"] == 0.1
    assert decision["groups"] == {}  # empty: the groups the inputs' specs declare


def test_snakemake_validate_fills_default(config):
    config.pop("bootstrap_resamples", None)
    validate(config, str(SCHEMA_PATH))
    assert config["bootstrap_resamples"] == 100


def test_snakemake_validate_keeps_given_value(config):
    config["bootstrap_resamples"] = 250
    validate(config, str(SCHEMA_PATH))
    assert config["bootstrap_resamples"] == 250


@pytest.mark.parametrize(
    ("key", "value"),
    [("samples", 1000), ("seed", -3), ("worldviews", {}), ("bootstrap_resamples", 2)],
)
def test_snakemake_validate_rejects_bad_config(config, key, value):
    config[key] = value
    with pytest.raises(WorkflowError) as err:
        validate(config, str(SCHEMA_PATH))
    assert key in str(err.value)


def test_snakemake_validate_rejects_missing_seed(config):
    del config["seed"]
    with pytest.raises(WorkflowError, match="'seed' is a required property"):
        validate(config, str(SCHEMA_PATH))


# --------------------------------------------------------------------------- names, files


def test_worldview_name_rule():
    from agi_interventions.configuration import name_problems

    good = {"worldviews": {"baseline": "a.yaml", "v2.tight-1": "b.yaml"}}
    assert name_problems(good, "c.yaml") == []
    for bad in ("x" * 65, "-lead", "has space", "comparison", "é"):
        (problem,) = name_problems({"worldviews": {bad: "a.yaml"}}, "c.yaml")
        assert problem.startswith("c.yaml: worldviews: name")
        assert "1 to 64 characters" in problem and "reserved" in problem


def test_config_files_are_read_strictly(tmp_path):
    from agi_interventions.configuration import file_problems

    path = tmp_path / "c.yaml"
    path.write_text("samples: 1024\nseed: 1\nseed: 2\n")
    (problem,) = file_problems([str(path)])
    assert str(path) in problem and "'seed' appears twice" in problem
    path.write_text("- a\n- b\n")
    (problem,) = file_problems([str(path)])
    assert "expected a mapping" in problem


def _dry_run(tmp_path, *extra):
    import subprocess
    import sys

    return subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(ROOT / "Snakefile"),
            "--directory",
            str(tmp_path),  # Snakemake's own records go there, not into the checkout
            "-n",
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_configfile_runs_exactly_that_configuration(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(
        yaml.safe_dump(
            {
                "worldviews": {"tight": str(ROOT / "config/priors/tight.yaml")},
                "samples": 1024,
                "seed": 1,
                "decision": {"groups": {"mine": ["F_V", "p_V"]}},
            }
        )
    )
    result = _dry_run(tmp_path, "--configfile", str(other), "--printshellcmds")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-2000:]
    assert "results/tight/" in output
    assert "results/baseline/" not in output  # the shipped config is not merged in
    assert "--group=mine=F_V,p_V" in output
    assert "--group=landscape" not in output


def test_config_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"worldviews": {"b": "x.yaml"}, "samples": 1000, "seed": 1}))
    result = _dry_run(tmp_path, "--configfile", str(bad))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert str(bad) in output and "samples" in output


def test_the_schema_is_parsed_once_and_as_pyyaml_reads_it():
    from agi_interventions.configuration import SCHEMA, load_schema

    first = load_schema()
    assert first == yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    first["properties"].clear()  # a copy: callers cannot change what the next one reads
    assert load_schema()["properties"]
