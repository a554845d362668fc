"""Time the loading of the largest worldview the variant registry allows.

    python benchmarks/load_worldview.py --repeat 7

Builds a worldview with every registered variant switched (each holds with probability 0.5,
so both its inputs and the parameters it replaces are uncertain, plus one switch per
variant and the bargaining theory), from the shipped prior files, and times
``load_worldview`` on it: YAML reading, validation and the numerical admissibility bound,
which is linear in the number of inputs. Each repeat runs in a fresh process (imports
excluded from the timing); the median is reported.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PRIORS = REPO / "config" / "priors"

TIMED = """
import sys, time
from agi_interventions.priors import load_worldview
start = time.perf_counter()
view = load_worldview(sys.argv[1])
print(time.perf_counter() - start, len(view.uncertain))
"""


def largest_worldview() -> dict:
    """Every variant switched: the baseline's priors plus every variant's inputs."""
    document = yaml.safe_load((PRIORS / "baseline.yaml").read_text(encoding="utf-8"))
    parameters = document["parameters"]
    for source in ("consistent_by_construction", "multiverse", "bargaining"):
        other = yaml.safe_load((PRIORS / f"{source}.yaml").read_text(encoding="utf-8"))
        for name, prior in other["parameters"].items():
            parameters.setdefault(name, prior)
        if "bargaining" in other:
            document["bargaining"] = other["bargaining"]
    document.pop("parametrisation", None)
    document["structure"] = {
        "rest_of_world": 0.5,
        "locality": 0.5,
        "coalition_size": 0.5,
        "bargaining": 0.5,
    }
    document["description"] = "Every registered variant switched (benchmark)."
    return document


def main() -> None:
    """Measure and print the median load time."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "largest.yaml"
        path.write_text(yaml.safe_dump(largest_worldview(), sort_keys=False), encoding="utf-8")
        times, inputs = [], 0
        for _ in range(args.repeat):
            out = subprocess.run(
                [sys.executable, "-c", TIMED, str(path)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            times.append(float(out[0]))
            inputs = int(out[1])
    print(
        f"load_worldview, {inputs} uncertain inputs (every variant switched): "
        f"{statistics.median(times):.3f} s (median of {len(times)}, "
        f"{min(times):.3f}–{max(times):.3f} s)"
    )


if __name__ == "__main__":
    main()
