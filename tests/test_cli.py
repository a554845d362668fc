"""Tests for the command line (agi_interventions.cli) and atomic writes (agi_interventions.io)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from agi_interventions import io
from agi_interventions.cli import main
from agi_interventions.mc_error import RESOLUTION_COLUMNS
from agi_interventions.parameters import INTERVENTIONS
from agi_interventions.priors import load_worldview
from agi_interventions.ranking import PAIRWISE_COLUMNS, RANKING_COLUMNS

BASELINE = Path(__file__).resolve().parents[1] / "config" / "priors" / "baseline.yaml"
SOBOL_COLUMNS = ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
N_BASE = 16


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


# ----------------------------------------------------------------------------- simulate


def test_simulate_rejects_a_sample_size_that_is_not_a_power_of_two(tmp_path, caplog):
    out = tmp_path / "samples.parquet"
    argv = ["simulate", "--priors", str(BASELINE), "--samples", "1000", "--seed", "1"]
    assert main([*argv, "--out", str(out)]) == 2
    errors = _errors(caplog)
    assert len(errors) == 1
    assert "power of two" in errors[0]
    assert "1000" in errors[0]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- pipeline


def _pipeline(folder: Path, seed: int = 5) -> dict[str, Path]:
    paths = {
        name: folder / file
        for name, file in [
            ("samples", "samples.parquet"),
            ("sobol", "sobol.csv"),
            ("ranking", "ranking.csv"),
            ("pairwise", "pairwise.csv"),
            ("resolution", "ranking_resolution.csv"),
        ]
    }
    samples = str(paths["samples"])
    assert (
        main(
            [
                "simulate",
                "--priors",
                str(BASELINE),
                "--samples",
                str(N_BASE),
                "--seed",
                str(seed),
                "--out",
                samples,
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "sobol",
                "--samples",
                samples,
                "--resamples",
                "20",
                "--seed",
                str(seed),
                "--out",
                str(paths["sobol"]),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "rank",
                "--samples",
                samples,
                "--ranking",
                str(paths["ranking"]),
                "--pairwise",
                str(paths["pairwise"]),
                "--resolution",
                str(paths["resolution"]),
            ]
        )
        == 0
    )
    return paths


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[dict[str, Path], dict[str, Path]]:
    first = _pipeline(tmp_path_factory.mktemp("run1"))
    second = _pipeline(tmp_path_factory.mktemp("run2"))
    return first, second


def test_pipeline_writes_documented_columns(runs):
    paths, _ = runs
    uncertain = load_worldview(BASELINE).uncertain
    samples = pd.read_parquet(paths["samples"])
    assert len(samples) == N_BASE * (len(uncertain) + 2)

    sobol = pd.read_csv(paths["sobol"])
    assert list(sobol.columns) == SOBOL_COLUMNS
    assert list(sobol["output"].unique()) == list(INTERVENTIONS)
    assert len(sobol) == len(INTERVENTIONS) * len(uncertain)
    assert sobol.loc[sobol["output"] == "a_V", "parameter"].tolist() == uncertain

    ranking = pd.read_csv(paths["ranking"])
    assert list(ranking.columns[:8]) == [
        "intervention",
        "mean",
        "mean_ci_low",
        "mean_ci_high",
        "median",
        "q05",
        "q95",
        "p_best",
    ]
    assert list(ranking.columns) == RANKING_COLUMNS
    assert sorted(ranking["intervention"]) == sorted(INTERVENTIONS)
    assert ranking["mean"].is_monotonic_decreasing

    pairwise = pd.read_csv(paths["pairwise"])
    assert list(pairwise.columns) == PAIRWISE_COLUMNS
    assert len(pairwise) == len(INTERVENTIONS) * (len(INTERVENTIONS) - 1)

    resolution = pd.read_csv(paths["resolution"])
    assert list(resolution.columns) == RESOLUTION_COLUMNS
    assert resolution["criterion"].tolist() == ["mean", "p_best"]
    assert (resolution["n_base"] == N_BASE).all()


def test_ranking_uses_the_independent_draws(runs):
    paths, _ = runs
    samples = pd.read_parquet(paths["samples"])
    draws = samples.loc[samples["block"].isin(["A", "B"]), list(INTERVENTIONS)]
    assert len(draws) == 2 * N_BASE
    ranking = pd.read_csv(paths["ranking"]).set_index("intervention")
    # The CSV keeps 10 significant digits.
    np.testing.assert_allclose(ranking.loc[list(INTERVENTIONS), "mean"], draws.mean(), rtol=1e-9)
    assert (ranking["n"] == 2 * N_BASE).all()
    best = draws.to_numpy() == draws.to_numpy().max(axis=1, keepdims=True)
    np.testing.assert_allclose(
        ranking.loc[list(INTERVENTIONS), "p_best"], best.mean(axis=0), rtol=1e-9
    )


@pytest.mark.parametrize("name", ["sobol", "ranking", "pairwise", "resolution"])
def test_pipeline_is_byte_reproducible(runs, name):
    first, second = runs
    assert first[name].read_bytes() == second[name].read_bytes()


def test_pipeline_leaves_no_temporary_files(runs):
    for paths in runs:
        folder = paths["samples"].parent
        assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths.values())


def test_sobol_seed_changes_the_confidence_intervals(runs, tmp_path):
    paths, _ = runs
    out = tmp_path / "sobol_other_seed.csv"
    argv = ["sobol", "--samples", str(paths["samples"]), "--resamples", "20", "--seed", "6"]
    assert main([*argv, "--out", str(out)]) == 0
    ref, other = pd.read_csv(paths["sobol"]), pd.read_csv(out)
    np.testing.assert_array_equal(ref["ST"], other["ST"])
    assert not np.array_equal(ref["ST_conf"], other["ST_conf"])


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
    def failing_to_csv(self, path, *args, **kwargs):
        Path(path).write_text("intervention,mean\na_V,", encoding="utf-8")
        raise OSError("no space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing_to_csv)
    dest = tmp_path / "out" / "ranking.csv"
    with pytest.raises(OSError, match="no space"):
        io.write_csv(pd.DataFrame({"intervention": ["a_V"], "mean": [1.0]}), dest)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []
