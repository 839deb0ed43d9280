"""Dask engine against plain `stance score`: the same rows, the fast model, in one run.

    python benchmarks/dask_scaling.py                  # 200,000 rows
    python benchmarks/dask_scaling.py --rows 20000     # quicker

On one generated survey-like file (`score_throughput.generate`), each command in its own
process, timed from start to exit (Python start-up, model load, planning and the
LocalCluster's start and stop included):

    plain 1     stance score FILE --workers 1
    plain 2     stance score FILE                  (all cores; 2 on the reference machine)
    dask 1      stance score FILE --engine dask --workers 1
    dask 2      stance score FILE --engine dask --workers 2

`--in-process N` also times, in this one process and without Dask, `score_csv(workers=1)`
against the Dask engine's partition function (`score_part`) on the first N rows, twice each,
to tell the engine's own cost from the cost of running inside a Dask worker.

It prints rows/s of each, Dask's overhead against the plain path with the same number of
processes (time ratio), the speed-up from 1 to 2 Dask workers, and whether the parts put
together equal the plain output. Then the projection: Dask workers (one core each) that
10,000,000 rows need to finish within an hour at the measured per-worker rate.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from score_throughput import generate

TARGET_ROWS, TARGET_SECONDS = 10_000_000, 3600


def train_fast(folder: Path) -> Path:
    """The fast model on the bundled data, saved as a folder the workers load (no cross-validation)."""
    from classifier.config import BUNDLED_DATA_FILES
    from classifier.data import load_labeled
    from classifier.models.estimator import StanceClassifier

    data = load_labeled(list(BUNDLED_DATA_FILES))
    return StanceClassifier("fast").fit(list(data["text"]), data["label"]).save(folder)


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed (exit {done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")
    return seconds, done.stdout.strip()


def same_rows(plain: Path, parts: Path) -> bool:
    """The parts put together (each part's header dropped but the first) against the plain output."""
    expected = plain.read_bytes()
    header = expected[: expected.index(b"\n") + 1]
    texts = [p.read_bytes() for p in sorted(parts.glob("part-*.csv"))]
    return (
        all(t.startswith(header) for t in texts)
        and header + b"".join(t[len(header) :] for t in texts) == expected
    )


def in_process(data: Path, model: Path, rows: int, work: Path) -> None:
    """score_csv and score_part on the same rows in this process: the partition path without Dask."""
    import itertools

    from classifier.models.persistence import read_metadata
    from classifier.scoring import score_csv
    from classifier.scoring.dask import make_plan, worker

    head = work / f"head-{rows}.csv"
    with open(data, newline="", encoding="utf-8") as fh, open(head, "w", newline="", encoding="utf-8") as out:
        out.writelines(itertools.islice(fh, rows + 1))  # generated rows hold no newlines
    _, parts = make_plan([str(head)], partition_rows=rows)
    sha = read_metadata(model)["model_sha256"]
    worker.model_for(str(model), sha)  # loaded once, as on a worker, before the clock starts
    (work / "parts").mkdir(exist_ok=True)
    print(f"\n  in one process, {rows:,} rows, no Dask:")
    for _ in range(2):
        start = time.perf_counter()
        score_csv(head, work / "head.scored.csv", model=str(model), workers=1, overwrite=True)
        middle = time.perf_counter()
        for part in parts:
            worker.score_part(
                part, str(work / "parts"), model_folder=str(model), model_sha256=sha, min_confidence=0
            )
        end = time.perf_counter()
        print(f"  score_csv --workers 1 {middle - start:6.1f} s   score_part {end - middle:6.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows to score (default: 200000)")
    parser.add_argument(
        "--workdir", help="folder for the generated and scored files (default: a temp folder)"
    )
    parser.add_argument("--in-process", type=int, default=0, metavar="N", help="see above (default: 0, skip)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dask-bench-") as tmp:
        work = Path(args.workdir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        data = work / f"survey-{args.rows}.csv"
        if not data.exists():
            generate(data, args.rows)
        model = train_fast(work / "fast-model")
        load = " ".join(f"{x:.1f}" for x in psutil.getloadavg())
        print(f"cores: {psutil.cpu_count()}, load average at start: {load}, rows: {args.rows:,}")
        stance = [
            sys.executable,
            "-m",
            "classifier",
            "score",
            str(data),
            "--model",
            str(model),
            "--overwrite",
        ]
        runs = {
            "plain 1": [*stance, "-o", str(work / "plain1.csv"), "--workers", "1"],
            "plain 2": [*stance, "-o", str(work / "plain2.csv")],
            "dask 1": [*stance, "--engine", "dask", "-o", str(work / "dask1"), "--workers", "1"],
            "dask 2": [*stance, "--engine", "dask", "-o", str(work / "dask2"), "--workers", "2"],
        }
        seconds, lines = {}, {}
        for name, command in runs.items():
            seconds[name], lines[name] = timed(command)
        print(f"\n  {'method':<8} {'seconds':>8} {'rows/s':>8}")
        for name in runs:
            print(f"  {name:<8} {seconds[name]:>8.1f} {args.rows / seconds[name]:>8,.0f}")
        for n in (1, 2):
            ratio = seconds[f"dask {n}"] / seconds[f"plain {n}"]
            print(f"  dask {n} / plain {n}: {ratio:.2f}x the time ({(ratio - 1) * 100:+.0f}% Dask overhead)")
        print(f"  dask 2 workers / 1 worker: {seconds['dask 1'] / seconds['dask 2']:.2f}x the rows/s")
        identical = all(same_rows(work / "plain2.csv", work / d) for d in ("dask1", "dask2"))
        print(f"  parts put together equal the plain output: {identical}")
        for name in runs:
            print(f"  {name}: {lines[name]}")
        if args.in_process:
            in_process(data, model, args.in_process, work)
        per_worker = args.rows / seconds["dask 1"]
        need = TARGET_ROWS / TARGET_SECONDS
        print(
            f"\n  projection, fast model: {TARGET_ROWS:,} rows in {TARGET_SECONDS} s need {need:,.0f} "
            "rows/s = "
            f"{math.ceil(need / per_worker)} Dask workers at {per_worker:,.0f} rows/s each (dask 1, this run)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
