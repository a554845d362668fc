"""Shared configurations and prior files are untrusted: nothing in them reaches a shell, and
every input is either refused up front with a clear error or runs to the end."""

from __future__ import annotations

import copy
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from agi_interventions import api, io
from agi_interventions.cli import main
from agi_interventions.configuration import ConfigError
from agi_interventions.errors import PriorError
from agi_interventions.priors import load_worldview
from agi_interventions.tails import pareto_khat

from .conftest import VALID_PRIORS, NoAliasDumper

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "config" / "priors" / "baseline.yaml"

#: Shell metacharacters, each with a command that would create the marker file.
PAYLOADS = [
    "x;touch {marker};y",
    "$(touch {marker})",
    "`touch {marker}`",
    "x' ; touch {marker} ; '",
    'x" ; touch {marker} ; "',
    "x\ntouch {marker}\n",
    "x|touch {marker}",
    "x&touch {marker}&",
]


def _snakemake(workdir: Path, config: dict, *extra: str) -> subprocess.CompletedProcess:
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(workdir),
            "--configfile",
            str(path),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        env=env,
    )


def _config(worldviews: dict, **extra) -> dict:
    return {"worldviews": worldviews, "samples": 64, "seed": 1, **extra}


def _with_payload(where: str, text: str) -> dict:
    config = _config({"baseline": str(BASELINE)})
    if where == "group name":
        config["decision"] = {"groups": {text: ["U_B"]}}
    elif where == "group member":
        config["decision"] = {"groups": {"g": ["U_B", text]}}
    elif where == "worldview name":
        config["worldviews"] = {text: str(BASELINE)}
    elif where == "credence key":
        config["worldviews"]["other"] = str(BASELINE)
        config["credences"] = {"baseline": 0.5, text: 0.5}
    elif where == "comparison reference":
        config["worldviews"]["other"] = str(BASELINE)
        config["comparison_reference"] = text
    else:
        config["chunks"] = text
    return config


WHERE = [
    "group name",
    "group member",
    "worldview name",
    "credence key",
    "comparison reference",
    "chunks",
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("where", WHERE)
def test_shell_metacharacters_in_settings_are_refused(tmp_path, payload, where):
    """The configuration's checks (the Snakefile runs the same ones) refuse every payload."""
    import jsonschema

    from agi_interventions.configuration import SCHEMA, name_problems, value_problems

    config = _with_payload(where, payload.format(marker=tmp_path / "MARK"))
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    problems = name_problems(config, "c.yaml") + value_problems(config, "c.yaml")
    schema_ok = jsonschema.Draft202012Validator(schema).is_valid(config)
    assert problems or not schema_ok, (where, payload)


@pytest.mark.parametrize("where", WHERE)
def test_shell_metacharacters_stop_snakemake_before_any_rule(tmp_path, where):
    marker = tmp_path / "MARK"
    text = f"x;touch {marker};$(touch {marker})`touch {marker}`|touch {marker}&"
    result = _snakemake(tmp_path, _with_payload(where, text), "--cores", "1")
    assert result.returncode != 0
    assert not marker.exists()
    assert "invalid configuration" in result.stderr, result.stderr[-2000:]
    assert not (tmp_path / "results").exists()


def test_shell_metacharacters_in_a_prior_path_run_harmlessly(tmp_path):
    """A prior file whose path holds every payload is quoted everywhere it is used."""
    marker = tmp_path / "MARK"
    folder = tmp_path / "shared; touch MARK; $(touch MARK) `touch MARK` ' \" | &"
    folder.mkdir()
    priors = folder / "x;touch MARK.yaml"
    priors.write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    config = _config(
        {"mine": str(priors)},
        decision={"groups": {"pair": ["U_B", "U_notB"]}, "evppi_bootstrap": 10},
        bootstrap_resamples=10,
    )
    result = _snakemake(tmp_path, config, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert not marker.exists() and not (folder / "MARK").exists()
    assert (tmp_path / "results" / "mine" / "report.html").exists()
    voi = pd.read_csv(tmp_path / "results" / "mine" / "value_of_information.csv")
    assert "pair" in set(voi["name"])


def test_check_priors_with_metacharacters_in_paths(tmp_path, caplog, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "MARK"
    path = tmp_path / "$(touch MARK);`touch MARK`.yaml"
    path.write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["check-priors", str(path)]) == 0
    assert not marker.exists()


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"decision": {"groups": {"g": ["U_B", "NOPE"]}}}, "unknown parameter(s) 'NOPE'"),
        ({"decision": {"groups": {"g": ["U_B,U_notB"]}}}, "one per list item"),
        ({"decision": {"groups": {"g": [""]}}}, "decision.groups"),
        ({"decision": {"prim_peel_alpha": float("nan")}}, "prim_peel_alpha"),
        ({"decision": {"prim_threshold": float("inf")}}, "prim_threshold"),
        ({"samples": 8}, "samples"),
        ({"samples": 128, "decision": {"switching_bins": 200}}, "switching_bins"),
    ],
)
def test_bad_settings_are_refused_naming_the_key(change, fragment):
    options = dict(change)
    samples = options.pop("samples", 256)
    with pytest.raises(ConfigError, match=None) as err:
        api.settings(samples, 1, **options)
    assert fragment in str(err.value), str(err.value)


def test_integers_written_as_floats_are_accepted_everywhere():
    config = api.settings(256, 1.0, bootstrap_resamples=100.0, decision={"rank_shift": 2.0})
    assert config["seed"] == 1 and isinstance(config["seed"], int)
    assert isinstance(config["bootstrap_resamples"], int)
    assert isinstance(config["decision"]["rank_shift"], int)


def test_integers_written_as_floats_run_in_the_pipeline(tmp_path):
    config = _config({"b": str(BASELINE)}, seed=3.0, bootstrap_resamples=10.0)
    config["decision"] = {"rank_shift": 2.0, "evppi_bootstrap": 10.0}
    result = _snakemake(tmp_path, config, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "results" / "b" / "report.html").exists()


# --------------------------------------------------------------------------- prior files


def _write(tmp_path: Path, parameters: dict, description: str = "x", name: str = "w") -> Path:
    path = tmp_path / f"{name}.yaml"
    document = {"description": description, "parameters": parameters}
    path.write_text(yaml.dump(document, Dumper=NoAliasDumper, allow_unicode=True), "utf-8")
    return path


@pytest.mark.parametrize("text", ["\ud800", "a\x00b", "colour\x1b[31m", "bell\x07"])
def test_text_that_cannot_be_shown_is_refused(tmp_path, text):
    parameters = copy.deepcopy(VALID_PRIORS)
    path = tmp_path / "w.yaml"
    document = {"description": text, "parameters": parameters}
    path.write_text(yaml.dump(document, Dumper=NoAliasDumper), encoding="utf-8")
    with pytest.raises(PriorError) as err:
        load_worldview(path)
    assert any("description" in p and "position" in p for p in err.value.problems)
    parameters["U_B"]["note"] = text
    path.write_text(yaml.dump({"parameters": parameters}, Dumper=NoAliasDumper), "utf-8")
    with pytest.raises(PriorError) as err:
        load_worldview(path)
    assert any("'note'" in p for p in err.value.problems)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "fifo"])
def test_prior_paths_must_be_regular_files(tmp_path, device):
    path = Path(device)
    if device == "fifo":
        path = tmp_path / "fifo.yaml"
        os.mkfifo(path)
    with pytest.raises(PriorError) as err:
        load_worldview(path)
    assert "not a regular file" in err.value.problems[0]


def test_beta_shapes_beyond_accuracy_are_refused(tmp_path):
    parameters = copy.deepcopy(VALID_PRIORS)
    parameters["b"] = {"dist": "beta", "a": 1e15, "b": 1e15}
    with pytest.raises(PriorError) as err:
        load_worldview(_write(tmp_path, parameters))
    assert "truncnormal" in err.value.problems[0]


def test_a_narrow_prior_on_a_tiny_scale_is_not_a_constant(tmp_path):
    parameters = copy.deepcopy(VALID_PRIORS)
    parameters["F_I"] = {"dist": "loguniform", "low": 1e-12, "high": 1e-9}
    assert load_worldview(_write(tmp_path, parameters)).priors["F_I"].support()[0] == 1e-12


#: Columns that may be infinite, by table, and the column that must then say why (None: an
#: infinite value is itself the answer). A tail with ``k_hat >= 1`` has no finite mean: the
#: draws cannot bound that side of an interval (agi_interventions.tails.mean_interval); an
#: order whose gap may be 0 needs an unbounded N (agi_interventions.mc_error).
UNBOUNDED: dict[str, list[tuple[tuple[str, ...], str | None]]] = {
    "ranking": [
        (("mean_ci_low", "mean_ci_high"), "mean_ci_flag"),
        (("mean_consistent_ci_low", "mean_consistent_ci_high"), None),  # checked below
    ],
    "pairwise": [(("mean_difference_ci_low", "mean_difference_ci_high"), "mean_difference_flag")],
    "value_of_information": [
        (("headline_low", "headline_high"), "flag"),
        (("exact_ci_low", "exact_ci_high"), "exact_flag"),
    ],
    "mc_error": [(("half_width", "relative"), None)],
    "resolution": [(("n_base_needed", "n_base_needed_low", "n_base_needed_high"), None)],
}


@pytest.mark.parametrize(
    ("name", "entry"),
    [
        ("p_V", {"dist": "beta", "a": 0.001, "b": 0.001}),
        ("F_I", {"dist": "beta", "a": 0.0001, "b": 0.0001}),
        ("db_dFCV", {"dist": "loguniform", "low": 1e-300, "high": 1e100}),
    ],
)
def test_extreme_but_accepted_priors_run_to_a_full_report(tmp_path, name, entry):
    parameters = copy.deepcopy(VALID_PRIORS)
    parameters[name] = entry
    results = api.analyse(
        _write(tmp_path, parameters), samples=128, seed=2, decision={"evppi_bootstrap": 10}
    )
    html = api.render(results)
    assert html.startswith("<!DOCTYPE html>") and len(results.figures) == 0
    tables = results.tables
    for name, table in tables.items():  # every estimate is finite: nothing overflowed
        numbers = table.select_dtypes("number")
        unbounded = [c for c in numbers.columns if np.isinf(numbers[c]).any()]
        allowed = {c for ends, _ in UNBOUNDED.get(name, []) for c in ends}
        assert set(unbounded) <= allowed, (name, unbounded)
        for ends, flag in UNBOUNDED.get(name, []):  # an unbounded interval says why
            if flag is not None:
                rows = np.isinf(table[[c for c in ends if c in table]]).any(axis=1)
                assert (io.text_column(table.loc[rows, flag]) != "").all(), (name, flag)
    # an infinite half-width is that of a mean whose interval is unbounded
    ranking = tables["ranking"].set_index("intervention")
    draws = results.draws
    for option, row in ranking.iterrows():  # the consistent draws' interval has no flag column
        ends = row[["mean_consistent_ci_low", "mean_consistent_ci_high"]].astype(float)
        if np.isinf(ends).any():
            kept = draws.loc[draws["consistent"], option].to_numpy()
            kept = kept[np.isfinite(kept)]
            assert pareto_khat(kept / np.abs(kept).max()) >= 1.0, option  # no finite mean
    mc_error = tables["mc_error"]
    for quantity in mc_error.loc[np.isinf(mc_error["half_width"]), "quantity"]:
        kind, _, option = quantity.partition(" ")
        assert kind == "mean", quantity
        ends = ranking.loc[option, ["mean_ci_low", "mean_ci_high"]].astype(float)
        assert np.isinf(ends).any(), quantity


# --------------------------------------------------------------------------- intermediate files


@pytest.fixture
def small_design(tmp_path):
    """A design of two chunks, each chunk's sums and counts, and the summary's tables."""
    design, draws = tmp_path / "design.json", tmp_path / "draws.parquet"
    argv = ["design", "--priors", str(BASELINE), "--samples", "64", "--seed", "1"]
    assert main([*argv, "--chunks", "2", "--draws", str(draws), "--design", str(design)]) == 0
    for chunk in range(2):
        base = ["--design", str(design), "--draws", str(draws), "--chunk", str(chunk)]
        out = ["--sums", str(tmp_path / f"s_{chunk}.npz")]
        out += ["--counts", str(tmp_path / f"c_{chunk}.json")]
        assert main(["chunk", *base, "--resamples", "10", *out]) == 0
    assert _summary(tmp_path, tmp_path / "tables") == 0
    return tmp_path


def _errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def _summary_inputs(folder: Path) -> list[str]:
    """The summary step's input arguments: the design, the draws, every chunk's files."""
    argv = ["--design", str(folder / "design.json"), "--draws", str(folder / "draws.parquet")]
    argv += ["--sums", *(str(folder / f"s_{c}.npz") for c in range(2))]
    return [*argv, "--counts", *(str(folder / f"c_{c}.json") for c in range(2))]


def _summary(folder: Path, out: Path) -> int:
    """Run the summary step (Sobol tables, ranking, diagnostics) on the chunks' files."""
    argv = ["summary", "--priors", str(BASELINE), *_summary_inputs(folder)]
    return main([*argv, "--out-dir", str(out)])


def _refused(folder: Path) -> int:
    """Run the summary step into a new folder; a refused input must leave no table there."""
    out = folder / "refused"
    code = _summary(folder, out)
    assert not list(out.glob("*.csv"))
    return code


def _decision(folder: Path, priors: Path = BASELINE) -> list[str]:
    """The decision step's arguments on the small design's files (without --out-dir)."""
    tables = folder / "tables"
    argv = ["decision", "--priors", str(priors), "--design", str(folder / "design.json")]
    argv += ["--draws", str(folder / "draws.parquet"), "--seed", "1"]
    argv += ["--sobol", str(tables / "sobol.csv")]
    return [*argv, "--sobol-asinh", str(tables / "sobol_asinh.csv")]


def test_the_small_design_runs_to_its_tables(small_design):
    """The files the refusals below break are, unbroken, accepted."""
    assert (small_design / "tables" / "diagnostics.csv").exists()
    assert _summary(small_design, small_design / "again") == 0
    assert (small_design / "again" / "diagnostics.csv").read_bytes() == (
        small_design / "tables" / "diagnostics.csv"
    ).read_bytes()


def test_emptied_counts_are_refused(small_design, caplog):
    (small_design / "c_0.json").write_text("{}")
    assert _refused(small_design) == 2
    assert "c_0.json" in _errors(caplog)[0]


def test_half_a_draws_file_is_refused(small_design, caplog):
    draws = pd.read_parquet(small_design / "draws.parquet")
    draws.iloc[: len(draws) // 2].to_parquet(small_design / "draws.parquet")
    assert _refused(small_design) == 2
    assert "draws.parquet" in _errors(caplog)[0]


def test_draws_of_another_design_are_refused(small_design, tmp_path_factory, caplog):
    other = tmp_path_factory.mktemp("other")
    argv = ["design", "--priors", str(BASELINE), "--samples", "64", "--seed", "2", "--chunks"]
    assert (
        main([*argv, "1", "--draws", str(other / "d.parquet"), "--design", str(other / "d.json")])
        == 0
    )
    (other / "d.parquet").replace(small_design / "draws.parquet")
    assert _refused(small_design) == 2
    assert "another design" in _errors(caplog)[0]


def test_a_truncated_sums_file_is_refused(small_design, caplog):
    sums = small_design / "s_0.npz"
    sums.write_bytes(sums.read_bytes()[:100])
    assert _refused(small_design) == 2
    assert "s_0.npz" in _errors(caplog)[0] and "npz" in _errors(caplog)[0]


def test_a_prior_file_other_than_the_designs_is_refused(small_design, tmp_path, caplog):
    other = tmp_path / "other.yaml"
    data = yaml.safe_load(BASELINE.read_text())
    data["parameters"]["U_B"]["high"] = 2.0
    other.write_text(yaml.safe_dump(data))
    argv = _decision(small_design, other)
    assert main([*argv, "--out-dir", str(small_design / "out")]) == 2
    assert "rerun from the design step" in _errors(caplog)[0]
    argv = ["summary", "--priors", str(other), *_summary_inputs(small_design)]
    assert main([*argv, "--out-dir", str(small_design / "out")]) == 2
    assert "rerun from the design step" in _errors(caplog)[-1]
    assert not (small_design / "out").exists() or not list((small_design / "out").iterdir())


def test_editing_a_note_keeps_the_design_valid(small_design, tmp_path, caplog):
    other = tmp_path / "noted.yaml"
    data = yaml.safe_load(BASELINE.read_text())
    data["parameters"]["U_B"]["note"] = "a new note"
    data["description"] = "a new description"
    other.write_text(yaml.safe_dump(data))
    assert load_worldview(other).fingerprint == load_worldview(BASELINE).fingerprint
    argv = ["summary", "--priors", str(other), *_summary_inputs(small_design)]
    assert main([*argv, "--out-dir", str(small_design / "noted")]) == 0
    assert _errors(caplog) == []


# --------------------------------------------------------------------------- subcommands


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--samples", "1073741824"], "--samples"),
        (["--chunks", "0"], "--chunks"),
        (["--seed", "-1"], "--seed"),
    ],
)
def test_design_arguments_are_checked_like_the_config(tmp_path, caplog, argv, fragment):
    base = {"--samples": "64", "--seed": "1", "--chunks": "1"}
    base.update(dict(zip(argv[::2], argv[1::2], strict=True)))
    args = ["design", "--priors", str(BASELINE), *[x for kv in base.items() for x in kv]]
    out = ["--draws", str(tmp_path / "d.parquet"), "--design", str(tmp_path / "d.json")]
    assert main([*args, *out]) == 2
    assert fragment in _errors(caplog)[0]
    assert not (tmp_path / "d.parquet").exists()


def test_the_same_path_for_two_outputs_is_refused(tmp_path, caplog):
    args = ["design", "--priors", str(BASELINE), "--samples", "64", "--seed", "1", "--chunks", "1"]
    same = str(tmp_path / "x")
    assert main([*args, "--draws", same, "--design", same]) == 2
    assert "two outputs" in _errors(caplog)[0]


def test_an_output_path_that_is_a_folder_or_under_a_file_is_refused(tmp_path, caplog):
    args = ["design", "--priors", str(BASELINE), "--samples", "64", "--seed", "1", "--chunks", "1"]
    (tmp_path / "file").write_text("x")
    out = ["--draws", str(tmp_path), "--design", str(tmp_path / "d.json")]
    assert main([*args, *out]) == 2
    assert "is a folder" in _errors(caplog)[-1]
    out = ["--draws", str(tmp_path / "file" / "d.parquet"), "--design", str(tmp_path / "d.json")]
    assert main([*args, *out]) == 2
    assert "cannot create the output folder" in _errors(caplog)[-1]


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["--prim-threshold", "0.8", "--prim-peel-alpha", "0"], "--prim-peel-alpha"),
        (["--prim-threshold", "nan", "--prim-peel-alpha", "0.1"], "--prim-threshold"),
    ],
)
def test_scenario_arguments_are_checked(small_design, caplog, flags, fragment):
    argv = [*_decision(small_design), *flags]
    assert main([*argv, "--out-dir", str(small_design / "o")]) == 2
    assert fragment in _errors(caplog)[0]
    assert not (small_design / "o").exists()


def test_decision_arguments_are_checked(small_design, caplog):
    argv = _decision(small_design)
    assert main([*argv, "--exact-draws", "1", "--out-dir", str(small_design / "o")]) == 2
    assert "--exact-draws" in _errors(caplog)[0]
    assert main([*argv, "--group", "g=U_B,NOPE", "--out-dir", str(small_design / "o")]) == 2
    assert "NOPE" in _errors(caplog)[-1]
    assert not (small_design / "o").exists()


# --------------------------------------------------------------------------- notebook, files


def test_simulate_needs_a_seed():
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        api.simulate(BASELINE, 100, seed=None)


def test_rank_near_the_float_limit_has_finite_errors():
    rng = np.random.default_rng(0)
    draws = pd.DataFrame(
        {
            "a_V": rng.random(1000) * 1e300,
            "a_CV": rng.random(1000) * 1.5e300,
            "a_CnotV": -rng.random(1000) * 1e300,
        }
    )
    table = api.rank(draws)
    assert np.isfinite(table[["mean", "mean_se", "mean_ci_low", "mean_ci_high"]]).all().all()
    expected = draws.mean() / 1e300
    got = table.set_index("intervention")["mean"] / 1e300
    np.testing.assert_allclose(got[expected.index], expected, rtol=1e-12)


def test_a_killed_write_leaves_no_hidden_file_after_the_next(tmp_path):
    stale = tmp_path / ".ranking.csv.abc123.tmp"
    stale.write_text("half")
    io.write_text("whole", tmp_path / "ranking.csv")
    assert not stale.exists()
    other = tmp_path / "sub" / ".x.parquet.zzz.tmp"
    other.parent.mkdir()
    other.write_text("half")
    assert io.remove_stale_temporaries(tmp_path) == 1 and not other.exists()
