"""Tests for the command line (agi_interventions.cli) and atomic writes (agi_interventions.io)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from agi_interventions import io, registry
from agi_interventions.cli import main
from agi_interventions.mc_error import RESOLUTION_COLUMNS
from agi_interventions.parameters import INTERVENTIONS
from agi_interventions.priors import load_worldview
from agi_interventions.ranking import CONSISTENCY_COLUMNS, PAIRWISE_COLUMNS, RANKING_COLUMNS

BASELINE = Path(__file__).resolve().parents[1] / "config" / "priors" / "baseline.yaml"
SOBOL_COLUMNS = ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
N_BASE = 64


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# ----------------------------------------------------------------------------- check-priors


def test_check_priors_accepts_the_shipped_baseline(caplog):
    assert main(["check-priors", str(BASELINE)]) == 0
    assert _errors(caplog) == []


@pytest.fixture
def broken_priors(tmp_path: Path) -> Path:
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    # An unbounded normal for a fraction that must stay inside (0, 1).
    data["parameters"]["F_V"] = {"dist": "normal", "mean": 0.1, "sd": 0.1}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _with_f_i(tmp_path: Path, prior: dict) -> Path:
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    data["parameters"]["F_I"] = prior
    path = tmp_path / "f_i.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_check_priors_warns_where_many_populations_are_impossible(tmp_path, caplog):
    """A large F_I makes most draws impossible: valid, but the user is told, with the share."""
    import re

    from agi_interventions.montecarlo import simulate

    caplog.set_level(logging.INFO)
    path = _with_f_i(tmp_path, {"dist": "uniform", "low": 0.5, "high": 0.9})
    assert main(["check-priors", str(path)]) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "rest_of_world" in warnings[0]
    quoted = float(re.search(r"([0-9.]+)% of draws", warnings[0]).group(1)) / 100
    # an independent, larger sample of the same worldview
    truth = 1.0 - simulate(load_worldview(path), 1 << 18, seed=12345)["consistent"].mean()
    se = np.sqrt(truth * (1 - truth) / (1 << 14))
    assert abs(quoted - truth) < 4 * se + 0.0005


def test_check_priors_is_quiet_where_populations_are_possible(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    path = _with_f_i(tmp_path, {"dist": "loguniform", "low": 1.0e-6, "high": 1.0e-5})
    assert main(["check-priors", str(path)]) == 0
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]


def test_every_command_logs_its_time_and_peak_memory(caplog):
    """The last log line gives the kernel's peak RSS: what a cluster's mem_mb must cover."""
    import re

    import numpy as np

    caplog.set_level(logging.INFO)
    ballast = np.ones(2**25)  # 268 MB of this process's memory, touched
    assert main(["check-priors", str(BASELINE)]) == 0
    last = caplog.records[-1].getMessage()
    found = re.fullmatch(r"check-priors done in [0-9.]+ s; peak memory ([0-9]+) MB", last)
    assert found, last
    assert int(found.group(1)) >= ballast.nbytes / 1e6


def test_check_priors_rejects_a_broken_file(broken_priors, caplog):
    assert main(["check-priors", str(broken_priors)]) == 2
    errors = _errors(caplog)
    assert len(errors) == 1
    assert str(broken_priors) in errors[0]
    assert "F_V" in errors[0]


def test_check_priors_fails_if_any_file_is_broken(broken_priors, caplog):
    assert main(["check-priors", str(BASELINE), str(broken_priors)]) == 2
    assert any(str(broken_priors) in e for e in _errors(caplog))


def test_check_priors_missing_file(tmp_path, caplog):
    missing = tmp_path / "missing.yaml"
    assert main(["check-priors", str(missing)]) == 2
    assert any(str(missing) in e and "not found" in e for e in _errors(caplog))


# ----------------------------------------------------------------------------- design


def test_design_rejects_a_sample_size_that_is_not_a_power_of_two(tmp_path, caplog):
    argv = ["design", "--priors", str(BASELINE), "--samples", "1000", "--seed", "1"]
    draws, design = tmp_path / "draws.parquet", tmp_path / "design.json"
    assert main([*argv, "--chunks", "1", "--draws", str(draws), "--design", str(design)]) == 2
    errors = _errors(caplog)
    assert len(errors) == 1
    assert "--samples 1000" in errors[0] and "is not one of" in errors[0]
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- pipeline


def _pipeline(folder: Path, seed: int = 5, chunks: int = 2) -> dict[str, Path]:
    draws, design = folder / "draws.parquet", folder / "design.json"
    assert (
        main(
            [
                "design",
                "--priors",
                str(BASELINE),
                "--samples",
                str(N_BASE),
                "--seed",
                str(seed),
                "--chunks",
                str(chunks),
                "--draws",
                str(draws),
                "--design",
                str(design),
            ]
        )
        == 0
    )
    sums, counts = [], []
    for chunk in range(chunks):
        sums.append(folder / f"sums_{chunk}.npz")
        counts.append(folder / f"counts_{chunk}.json")
        argv = ["chunk", "--design", str(design), "--draws", str(draws), "--chunk", str(chunk)]
        argv += ["--resamples", "20", "--sums", str(sums[-1]), "--counts", str(counts[-1])]
        assert main(argv) == 0
    argv = ["summary", "--priors", str(BASELINE), "--design", str(design), "--draws", str(draws)]
    argv += ["--sums", *map(str, sums), "--counts", *map(str, counts)]
    assert main([*argv, "--out-dir", str(folder)]) == 0
    argv = ["resolution", "--design", str(design), "--ranking", str(folder / "ranking.csv")]
    argv += ["--pairwise", str(folder / "pairwise.csv"), "--sobol", str(folder / "sobol.csv")]
    argv += ["--risk", str(folder / "risk.csv")]
    argv += ["--out", str(folder / "resolution.csv"), "--mc-error", str(folder / "mc_error.csv")]
    assert main(argv) == 0
    return {p.stem: p for p in folder.iterdir() if p.suffix == ".csv"} | {"draws": draws}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[dict[str, Path], dict[str, Path]]:
    first = _pipeline(tmp_path_factory.mktemp("run1"))
    second = _pipeline(tmp_path_factory.mktemp("run2"))
    return first, second


def test_pipeline_writes_documented_columns(runs):
    paths, _ = runs
    uncertain = load_worldview(BASELINE).uncertain
    draws = pd.read_parquet(paths["draws"])
    assert len(draws) == 2 * N_BASE
    assert draws["matrix"].tolist()[:4] == ["A", "B", "A", "B"]

    sobol = pd.read_csv(paths["sobol"])
    expected = [*SOBOL_COLUMNS, "S1_exact", "ST_exact", "khat_square", "tail_flag", "flag"]
    assert list(sobol.columns) == expected
    assert list(sobol["output"].unique()) == list(INTERVENTIONS)
    assert sobol.loc[sobol["output"] == "a_V", "parameter"].tolist() == uncertain
    assert sobol["ST_exact"].notna().all()  # the baseline is a fractions worldview

    ranking = pd.read_csv(paths["ranking"])
    assert list(ranking.columns) == [*RANKING_COLUMNS, *CONSISTENCY_COLUMNS, "mean_exact"]
    assert ranking["mean_exact"].notna().all()  # the baseline is a fractions worldview
    assert ranking["mean_exact"].is_monotonic_decreasing  # exact means decide the order

    pairwise = pd.read_csv(paths["pairwise"])
    assert list(pairwise.columns) == PAIRWISE_COLUMNS

    resolution = pd.read_csv(paths["resolution"])
    assert list(resolution.columns) == RESOLUTION_COLUMNS
    assert resolution["criterion"].tolist()[:2] == ["mean", "p_best"]
    kinds = {c.split(":")[0] for c in resolution["criterion"]}
    assert kinds == {"mean", "p_best", "sobol_ST", "risk"}
    assert (resolution["n_base"] == N_BASE).all()

    # every table of the summary and resolution steps has the registry's (README's) columns
    for output in [*registry.outputs(step="summary"), *registry.outputs(step="resolution")]:
        if output.is_table:
            table = pd.read_csv(paths[output.name])
            assert list(table.columns) == [c.name for c in output.columns], output.name

    diagnostics = pd.read_csv(paths["diagnostics"]).set_index(["scope", "check"])
    d = len(uncertain)
    assert diagnostics.loc[("all evaluations", "inconsistent"), "total"] == N_BASE * (d + 2)
    assert diagnostics.loc[("independent draws", "inconsistent"), "total"] == 2 * N_BASE


def test_ranking_uses_the_independent_draws(runs):
    paths, _ = runs
    draws = pd.read_parquet(paths["draws"], columns=list(INTERVENTIONS))
    ranking = pd.read_csv(paths["ranking"]).set_index("intervention")
    np.testing.assert_allclose(ranking.loc[list(INTERVENTIONS), "mean"], draws.mean(), rtol=1e-9)
    assert (ranking["n"] == 2 * N_BASE).all()
    best = draws.to_numpy() == draws.to_numpy().max(axis=1, keepdims=True)
    np.testing.assert_allclose(
        ranking.loc[list(INTERVENTIONS), "p_best"], best.mean(axis=0), rtol=1e-9
    )


@pytest.mark.parametrize(
    "name", ["sobol", "sobol_decision", "ranking", "diagnostics", "resolution"]
)
def test_pipeline_is_byte_reproducible(runs, name):
    first, second = runs
    assert first[name].read_bytes() == second[name].read_bytes()


def test_pipeline_leaves_no_temporary_files(runs):
    folder = runs[0]["draws"].parent
    assert not [p for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]


def test_tables_in_one_process_gives_the_steps_files_byte_for_byte(runs, tmp_path):
    """``tables`` (one process) writes what design, chunk, summary, resolution write."""
    argv = ["tables", "--priors", str(BASELINE), "--samples", str(N_BASE), "--seed", "5"]
    argv += ["--chunks", "2", "--resamples", "20", "--out-dir", str(tmp_path)]
    assert main(argv) == 0
    separate, _ = runs
    for name, path in separate.items():
        assert (tmp_path / registry.BY_NAME[name].file).read_bytes() == path.read_bytes(), name
    for chunk in range(2):
        assert (tmp_path / registry.CHUNK_SUMS.format(chunk=chunk)).exists()
    assert not (tmp_path / registry.BY_NAME["value_of_information"].file).exists()


def test_tables_gives_each_step_every_argument_of_its_own_command(tmp_path):
    """A flag added to a step's command must reach it through ``tables`` as well."""
    from agi_interventions.cli import build_parser
    from agi_interventions.commands import table_steps

    parser = build_parser()
    argv = ["tables", "--priors", "p.yaml", "--samples", "64", "--seed", "1", "--chunks", "2"]
    args = parser.parse_args([*argv, "--resamples", "9", "--decision", "--out-dir", "out"])
    steps = table_steps(args)
    order = ["design", "chunk", "chunk", "summary", "decision", "resolution"]
    assert [name for name, _ in steps] == order
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    for name, given in steps:
        own = {a.dest for a in subparsers[name]._actions if a.dest != "help"}
        assert set(vars(given)) == own, name


# ----------------------------------------------------------------------------- atomic writes


def test_atomic_path_replaces_only_on_success(tmp_path):
    dest = tmp_path / "sub" / "table.csv"
    with io.atomic_path(dest) as tmp:
        assert tmp.parent == dest.parent
        assert tmp != dest
        tmp.write_text("complete\n", encoding="utf-8")
        assert not dest.exists()
    assert dest.read_text(encoding="utf-8") == "complete\n"
    assert list(dest.parent.iterdir()) == [dest]


def test_atomic_path_interrupted_leaves_no_file(tmp_path):
    dest = tmp_path / "table.csv"
    with pytest.raises(RuntimeError, match="disk on fire"), io.atomic_path(dest) as tmp:
        tmp.write_text("half a ta", encoding="utf-8")
        raise RuntimeError("disk on fire")
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_interrupted_keeps_previous_file(tmp_path):
    dest = tmp_path / "table.csv"
    dest.write_text("old\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), io.atomic_path(dest) as tmp:
        tmp.write_text("new but incomplete", encoding="utf-8")
        raise KeyboardInterrupt
    assert dest.read_text(encoding="utf-8") == "old\n"
    assert list(tmp_path.iterdir()) == [dest]


def test_write_csv_interrupted_by_the_writer_leaves_no_file(tmp_path, monkeypatch):
    real_write_text = Path.write_text

    def failing_write_text(self, text, *args, **kwargs):
        real_write_text(self, text[: len(text) // 2], *args, **kwargs)
        raise OSError("no space left on device")

    monkeypatch.setattr(Path, "write_text", failing_write_text)
    dest = tmp_path / "out" / "ranking.csv"
    with pytest.raises(OSError, match="no space"):
        io.write_csv(pd.DataFrame({"intervention": ["a_V"], "mean": [1.0]}), dest)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []
