"""End to end: Snakemake runs the whole pipeline on a tiny config in a temporary folder."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from agi_interventions.parameters import INTERVENTIONS, PARAMETER_NAMES

REPO = Path(__file__).resolve().parents[1]
N_BASE = 64

pytestmark = pytest.mark.e2e


def tiny_config(seed: int = 7) -> dict:
    return {
        "worldviews": {
            "baseline": str(REPO / "config/priors/baseline.yaml"),
            "consistent": str(REPO / "config/priors/consistent_by_construction.yaml"),
        },
        "samples": N_BASE,
        "seed": seed,
        "bootstrap_resamples": 20,
        "decision": {"evppi_bootstrap": 20, "top_parameters": 2, "exact_draws": 4096},
    }


def run_snakemake(workdir: Path, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(workdir),
            "--cores",
            "2",
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("run1")
    (workdir / "config").mkdir()
    (workdir / "config/config.yaml").write_text(yaml.safe_dump(tiny_config()))
    result = run_snakemake(workdir)
    assert result.returncode == 0, result.stderr[-4000:]
    (workdir / "snakemake.stderr").write_text(result.stderr)
    return workdir


def test_a_run_ends_by_listing_its_reports(first_run):
    stderr = (first_run / "snakemake.stderr").read_text()
    listed = stderr.split("Reports (open in a browser", 1)[1]
    for folder in ("baseline", "consistent", "comparison"):
        path = first_run / "results" / folder / "report.html"
        assert path.exists() and str(path.resolve()) in listed, folder


CORE_TABLES = {
    "sobol.csv": ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"],
    "ranking.csv": [
        "intervention",
        "mean",
        "mean_ci_low",
        "mean_ci_high",
        "median",
        "q05",
        "q95",
        "p_best",
    ],
    "pairwise.csv": ["intervention", "other", "p_beats", "p_beats_ci_low", "p_beats_ci_high"],
    "diagnostics.csv": ["scope", "check", "description", "count", "total", "share"],
    "value_of_information.csv": [
        "name",
        "kind",
        "headline",
        "headline_se",
        "headline_low",
        "headline_high",
        "method",
        "resolved",
        "flag",
        "value",
        "se",
        "ci_low",
        "ci_high",
    ],
    "expected_loss.csv": ["intervention", "expected_loss", "se"],
    "switching.csv": ["method", "parameter", "switch_value", "switch_quantile", "from", "to"],
    "prim_boxes.csv": ["intervention", "box", "coverage", "density", "mass", "parameter"],
    "sobol_decision.csv": ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"],
    "sobol_asinh.csv": ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"],
    "method_comparison.csv": ["output", "parameter", "rank_sobol_ST", "rank_sobol_ST_asinh"],
    "resolution.csv": ["criterion", "first", "second"],
    "structure.csv": ["input", "value", "state", "probability", "intervention", "mean"],
    "risk.csv": ["rule", "setting", "setting_value", "intervention", "value", "ci_low"],
    "pawn.csv": ["output", "parameter", "index"],
    "mc_error.csv": ["quantity", "estimate", "half_width"],
}


@pytest.mark.parametrize("worldview", ["baseline", "consistent"])
def test_every_output_is_written_with_its_columns(first_run, worldview):
    folder = first_run / "results" / worldview
    for name, columns in CORE_TABLES.items():
        table = pd.read_csv(folder / name)
        assert list(table.columns[: len(columns)]) == columns, name
    draws = pd.read_parquet(folder / "draws.parquet")
    design = json.loads((folder / "design.json").read_text())
    assert len(design["parameters"]) == 18
    assert len(draws) == 2 * N_BASE
    assert set(PARAMETER_NAMES) | set(INTERVENTIONS) | {"consistent"} <= set(draws.columns)
    ranking = pd.read_csv(folder / "ranking.csv")
    assert sorted(ranking["intervention"]) == sorted(INTERVENTIONS)
    exact = ranking["mean_exact"].notna().all()
    assert exact == (worldview == "baseline")  # the rest-of-world worldview has no engine
    assert ranking["mean_exact" if exact else "mean"].is_monotonic_decreasing
    assert (ranking["n"] == 2 * N_BASE).all()
    sobol = pd.read_csv(folder / "sobol.csv")
    assert set(sobol["output"]) == set(INTERVENTIONS)
    voi = pd.read_csv(folder / "value_of_information.csv")
    assert voi.iloc[0]["kind"] == "evpi"
    assert set(voi["kind"]) == {"evpi", "parameter", "group"}
    for figure in ("marginal_values", "p_best", "sobol", "alignment_channels", "evppi"):
        assert (folder / "figures" / f"{figure}.png").stat().st_size > 1000
    for log in (folder / "logs").iterdir():
        assert "Traceback" not in log.read_text()
    for job in ("tables", "report"):  # one chunk: one job computes the tables
        assert (folder / "benchmarks" / f"{job}.tsv").exists(), job
    assert len(list((folder / "chunks").glob("sums_*.npz"))) == design["chunks"]
    provenance = json.loads((folder / "provenance.json").read_text())
    assert provenance["seed"] == 7
    assert provenance["samples"] == N_BASE


def test_report_is_self_contained_and_complete(first_run):
    html = (first_run / "results/baseline/report.html").read_text()
    from agi_interventions.report.captions import FIGURE_NAMES

    assert html.count('src="data:image/png;base64,') == len(FIGURE_NAMES)  # every figure
    # the baseline has the exact engine: the headline quotes the winner's exact mean
    from agi_interventions.parameters import display
    from agi_interventions.report.formatting import fmt_num

    ranking = pd.read_csv(first_run / "results/baseline/ranking.csv")
    winner, runner = ranking.sort_values("mean_exact", ascending=False).iloc[:2].itertuples()
    lead = f"({fmt_num(winner.mean_exact)}) leads"
    assert f"By exact mean, {display(winner.intervention)} {lead}" in html
    assert f"{display(runner.intervention)} ({fmt_num(runner.mean_exact)})" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert html.index('class="card"') < html.index("<nav>")  # the decision card leads
    for heading in (
        "What would change the choice",
        "Which beliefs move the choice",
        "Ranking",
        "Does the choice survive risk aversion?",
        "Monte Carlo error budget",
        "Tail-robust sensitivity",
        "Priors of this worldview",
    ):
        assert f">{heading}</h2>" in html, heading
    assert "Illustrative" in html  # the prior notes
    # provenance: the prior file's hash as the report saw it, computed here independently
    import hashlib

    priors = REPO / "config/priors/baseline.yaml"
    assert hashlib.sha256(priors.read_bytes()).hexdigest() in html


def test_report_counts_minor_flags_on_the_whole_method_comparison(first_run):
    # The report shows the top rows of the method comparison, but its sentences count
    # every flagged parameter of the table.
    html = (first_run / "results/baseline/report.html").read_text()
    comparison = pd.read_csv(first_run / "results/baseline/method_comparison.csv")
    ranks = [c for c in comparison.columns if c.startswith("rank_") and c != "rank_spread"]
    found = re.search(
        r"(\d+) further flags concern parameters outside every method&#39;s top (\d+)", html
    )
    if found is None:
        assert "further flags" not in html
        top = 5
        minor = int((comparison["flagged"] & (comparison[ranks].min(axis=1) > top)).sum())
        assert minor == 0
    else:
        top = int(found.group(2))
        minor = int((comparison["flagged"] & (comparison[ranks].min(axis=1) > top)).sum())
        assert int(found.group(1)) == minor


def test_in_memory_analysis_gives_the_pipeline_tables_byte_for_byte(first_run):
    from agi_interventions import api, registry
    from agi_interventions.io import csv_text

    config = tiny_config()
    results = api.analyse(
        REPO / "config/priors/baseline.yaml",
        config["samples"],
        config["seed"],
        name="baseline",
        bootstrap_resamples=config["bootstrap_resamples"],
        decision=config["decision"],
    )
    folder = first_run / "results/baseline"
    written = {o.name for o in registry.OUTPUTS if o.is_table and (folder / o.file).exists()}
    assert set(results.tables) == written
    for name, table in results.tables.items():
        assert csv_text(table) == (folder / registry.BY_NAME[name].file).read_text(), name


def test_fixed_parameters_are_left_out_and_consistency_is_reported(first_run):
    # The rest-of-world worldview is consistent by construction: zero violations.
    diagnostics = pd.read_csv(first_run / "results/consistent/diagnostics.csv")
    row = diagnostics.loc[(diagnostics["check"] == "inconsistent")]
    assert (row["count"] == 0).all()
    sobol = pd.read_csv(first_run / "results/consistent/sobol.csv")
    assert "R_V" in set(sobol["parameter"])
    assert "F_V" not in set(sobol["parameter"])  # derived, not an input


def test_same_config_gives_byte_identical_tables(first_run, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(tiny_config()))
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.yaml").write_text(yaml.safe_dump(tiny_config(seed=999)))
    # --configfile replaces the default config (here one with another seed); with one chunk,
    # one job per worldview (`tables`) runs design, chunk, summary, decision and resolution.
    result = run_snakemake(tmp_path, "--configfile", str(other), "--until", "tables")
    assert result.returncode == 0, result.stderr[-4000:]
    for name in (
        "sobol.csv",
        "sobol_decision.csv",
        "ranking.csv",
        "pairwise.csv",
        "risk.csv",
        "value_of_information.csv",
        "switching.csv",
        "prim_boxes.csv",
    ):
        for worldview in ("baseline", "consistent"):
            first = (first_run / "results" / worldview / name).read_bytes()
            second = (tmp_path / "results" / worldview / name).read_bytes()
            assert first == second, (worldview, name)


def test_invalid_prior_stops_before_any_rule(tmp_path):
    bad = yaml.safe_load((REPO / "config/priors/baseline.yaml").read_text())
    bad["parameters"]["p_V"] = {"dist": "normal", "mean": 0.5, "sd": 0.1}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    config = tiny_config()
    config["worldviews"] = {"bad": str(tmp_path / "bad.yaml")}
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(tmp_path)
    assert result.returncode != 0
    assert "p_V" in result.stderr
    assert "bad.yaml" in result.stderr
    assert not (tmp_path / "results").exists()


def test_chunking_does_not_change_any_table(first_run, tmp_path):
    """Four chunks (a job per step and per chunk) give the one-job `tables` run's tables."""
    assert (first_run / "results/baseline/logs/tables.log").exists()
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.yaml").write_text(yaml.safe_dump({**tiny_config(), "chunks": 4}))
    result = run_snakemake(tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    assert not (tmp_path / "results/baseline/logs/tables.log").exists()
    assert (tmp_path / "results/baseline/logs/decision.log").exists()
    for worldview in ("baseline", "consistent"):
        assert len(list((tmp_path / "results" / worldview / "chunks").glob("sums_*.npz"))) == 4
        for table in (first_run / "results" / worldview).glob("*.csv"):
            other = tmp_path / "results" / worldview / table.name
            assert table.read_bytes() == other.read_bytes(), (worldview, table.name)
