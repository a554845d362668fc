"""The pipeline on a real single-node SLURM cluster, through the project's workflow profile.

Starts SLURM from Debian's packages (``tests/slurm/cluster.sh``: installs ``slurm-wlm`` and
``munge`` with apt if needed, starts the daemons by hand, stops only those it started), runs
a small configuration (two worldviews, N = 2^10, 4 chunks) once locally and once through
``--workflow-profile profiles/slurm``, and checks that every table is byte-identical. Skips
with the reason where it cannot run: not root, no apt, no network to the package mirror, no
executor plugin.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CLUSTER = REPO / "tests" / "slurm" / "cluster.sh"
BINARIES = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scontrol", "srun")


def _apt_release_url() -> str | None:
    """The Release file of the first apt source configured here (deb822 or one-line)."""
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        for stanza in Path(path).read_text().split("\n\n"):
            uris = re.findall(r"^URIs:\s*(\S+)", stanza, re.M)
            suites = re.findall(r"^Suites:\s*(\S+)", stanza, re.M)
            if uris and suites and not re.search(r"^Enabled:\s*no", stanza, re.M | re.I):
                return f"{uris[0].rstrip('/')}/dists/{suites[0]}/InRelease"
    for path in ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*.list"))]:
        if Path(path).exists():
            for line in Path(path).read_text().splitlines():
                found = re.match(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
                if found:
                    return f"{found.group(1).rstrip('/')}/dists/{found.group(2)}/InRelease"
    return None


def skip_reason() -> str | None:
    """Why the SLURM test cannot run here, or None."""
    if os.environ.get("SKIP_SLURM_TESTS"):
        return "SKIP_SLURM_TESTS is set"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root (to install SLURM with apt and start munged, slurmctld, slurmd)"
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]')"
    if all(shutil.which(b) for b in BINARIES):
        return None
    if shutil.which("apt-get") is None:
        return "SLURM is not installed and there is no apt-get to install it"
    url = _apt_release_url()
    if url is None:
        return "SLURM is not installed and no apt source is configured"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10):
            pass
    except Exception as err:  # any failure means: cannot install
        return f"SLURM is not installed and the apt mirror is unreachable ({url}: {err})"
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
    # every job but the target rule `all` went through SLURM: per worldview 11 single-step
    # jobs and one job per chunk (its evaluate and sobol_chunk steps, grouped)
    submitted = re.findall(r"has been submitted with SLURM jobid (\d+)", log)
    assert len(submitted) == 2 * (11 + _config()["chunks"]), len(submitted)
    compared = 0
    for worldview in _config()["worldviews"]:
        first = local / "results" / worldview
        files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
        files = [f for f in files if f.suffix in {".csv", ".json", ".parquet", ".npz"}]
        assert len(list((first / "chunks").glob("sobol_*.npz"))) == 4
        for name in files:
            if name.name == "provenance.json":  # holds the time of the run
                continue
            assert (cluster / "results" / worldview / name).read_bytes() == (
                first / name
            ).read_bytes(), (worldview, str(name))
            compared += 1
        assert (cluster / "results" / worldview / "report.html").exists()
    assert compared > 40
