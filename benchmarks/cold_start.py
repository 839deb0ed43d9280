"""Cold start: how long one `stance` command takes from a fresh process, against the joblib path.

    python benchmarks/cold_start.py            # 7 runs of each, medians
    python benchmarks/cold_start.py --runs 3

Each command runs in its own new process with the shipped models (an empty
STANCE_MODELS_DIR), and the median wall time of ``--runs`` runs is printed beside
the target. The baseline, measured in the same run, is the same classification
through the saved scikit-learn pipeline (joblib), which is what ``stance classify
--model fast`` loaded before the exported scorer. Targets: classify --model fast
<= 0.5 s, --help <= 0.15 s (issue 10); classify with the default (accurate) model <= 3 s
(issue 9).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEXT = "We refuse customers who shout at our staff."
JOBLIB = (
    "from classifier.cli.common import load\n"
    "from classifier.predict import predict\n"
    "model = load('fast', portable=False)\n"
    f"row = predict(model, [{TEXT!r}])[0]\n"
    "print(f'{row.label:<17} {row.confidence:.2f}  {row.text}')\n"
)


def stance() -> list[str]:
    found = shutil.which("stance", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "classifier"]


def wall(command: list[str], runs: int, env: dict) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp:
        env = {**os.environ, "STANCE_MODELS_DIR": tmp}
        rows = [
            ("stance --help", [*stance(), "--help"], 0.15),
            ("stance classify --model fast", [*stance(), "classify", "--model", "fast", TEXT], 0.5),
            ("  baseline: fast via joblib + scikit-learn", [sys.executable, "-c", JOBLIB], None),
            ("stance classify --model accurate", [*stance(), "classify", "--model", "accurate", TEXT], 3.0),
            ("python -c pass (interpreter floor)", [sys.executable, "-c", "pass"], None),
        ]
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"cores: {os.cpu_count()}, load average: {load}; median of {args.runs} runs each")
        results = {}
        for name, command, target in rows:
            wall(command, 1, env)  # warm the file cache: a cold start is about imports, not the disk
            results[name] = seconds = wall(command, args.runs, env)
            met = "met" if target is not None and seconds <= target else "MISSED"
            verdict = "" if target is None else f"  target <= {target} s: {met}"
            print(f"  {name:<45} {seconds:6.3f} s{verdict}")
        fast = results["stance classify --model fast"]
        base = results["  baseline: fast via joblib + scikit-learn"]
        print(f"  exported scorer vs joblib path: {base / fast:.1f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
