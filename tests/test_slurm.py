"""The pipeline on a real single-node SLURM cluster, through the project's workflow profile.

Starts SLURM from Debian's packages (``tests/slurm/cluster.sh``: installs ``slurm-wlm`` and
``munge`` with apt if needed, starts the daemons by hand, stops only those it started), runs
a small configuration (two worldviews, N = 2^10, 4 chunks) once locally and once through
``--workflow-profile profiles/slurm``, and checks that every table is byte-identical.

It changes the machine (packages, ``/etc/slurm/slurm.conf``, daemons), so it runs only when
asked: ``RUN_SLURM_TESTS=1 python -m pytest tests/test_slurm.py`` (CI asks). Otherwise it is
skipped without looking at the machine or the network. Asked for, it still skips with the
reason where it cannot run: not root, no apt, no executor plugin.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CLUSTER = REPO / "tests" / "slurm" / "cluster.sh"
BINARIES = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scontrol", "srun")


def skip_reason() -> str | None:
    """Why the SLURM test cannot run here, or None."""
    if os.environ.get("RUN_SLURM_TESTS") != "1":
        return "it installs and starts SLURM on this machine; set RUN_SLURM_TESTS=1 to run it"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root (to install SLURM with apt and start munged, slurmctld, slurmd)"
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]')"
    if all(shutil.which(b) for b in BINARIES):
        return None
    if shutil.which("apt-get") is None:
        return "SLURM is not installed and there is no apt-get to install it"
    return None


REASON = skip_reason()
pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(REASON is not None, reason=f"real SLURM test skipped: {REASON}"),
]


SMALL_RUN = yaml.safe_load((REPO / "tests" / "slurm" / "small_run.yaml").read_text())


def _config() -> dict:
    """The small configuration, its prior paths made absolute."""
    config = dict(SMALL_RUN["config"])
    config["worldviews"] = {k: str(REPO / v) for k, v in config["worldviews"].items()}
    return config


@pytest.fixture(scope="module")
def slurm_conf() -> str:
    subprocess.run(["bash", str(CLUSTER), "install"], check=True, timeout=1200)
    running = subprocess.run(["bash", str(CLUSTER), "status"], capture_output=True, check=False)
    started = subprocess.run(
        ["bash", str(CLUSTER), "start"], capture_output=True, text=True, check=False, timeout=300
    )
    assert started.returncode == 0, started.stderr[-3000:]
    try:
        yield started.stdout.strip().splitlines()[-1]  # the slurm.conf written
    finally:
        if running.returncode != 0:  # stop only what this test started
            subprocess.run(["bash", str(CLUSTER), "stop"], check=False, timeout=300)


def _snakemake(workdir: Path, *extra: str, env: dict | None = None) -> str:
    environment = dict(os.environ, **(env or {}))
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment["PATH"]])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(workdir),
            "--configfile",
            str(workdir / "config.yaml"),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=1500,
    )
    assert result.returncode == 0, result.stderr[-6000:]
    return result.stderr


def test_pipeline_on_slurm_gives_the_local_tables_byte_for_byte(slurm_conf, tmp_path):
    local, cluster = tmp_path / "local", tmp_path / "slurm"
    for folder in (local, cluster):
        folder.mkdir()
        (folder / "config.yaml").write_text(yaml.safe_dump(_config()))
    _snakemake(local, "--cores", "2")
    log = _snakemake(
        cluster,
        "--workflow-profile",
        str(REPO / "profiles" / "slurm"),
        *SMALL_RUN["status_args"],
        "--config",
        "chunks=4",
        env={"SLURM_CONF": slurm_conf},
    )
    # every job but the target rule `all` went through SLURM: per worldview the 6 jobs of
    # the rules design, summary, decision, resolution, provenance and report, and one job
    # per chunk (the chunk rule evaluates and sums its rows at once); with two worldviews,
    # one comparison job where the workflow has the compare rule
    from agi_interventions import registry

    comparison = 1 if getattr(registry, "COMPARISON_OUTPUTS", ()) else 0
    submitted = re.findall(r"has been submitted with SLURM jobid (\d+)", log)
    assert len(submitted) == 2 * (6 + _config()["chunks"]) + comparison, len(submitted)
    compared = 0
    for worldview in _config()["worldviews"]:
        first = local / "results" / worldview
        files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
        files = [f for f in files if f.suffix in {".csv", ".json", ".parquet", ".npz"}]
        assert len(list((first / "chunks").glob("sums_*.npz"))) == 4
        for name in files:
            if name.name == "provenance.json":  # holds the time of the run
                continue
            assert (cluster / "results" / worldview / name).read_bytes() == (
                first / name
            ).read_bytes(), (worldview, str(name))
            compared += 1
        assert (cluster / "results" / worldview / "report.html").exists()
    assert compared > 40
