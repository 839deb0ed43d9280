"""Batch-scoring throughput: `stance score` against the naive pandas way and the plain I/O floor.

    python benchmarks/score_throughput.py                           # fast 1,000,000 rows, accurate 5,000
    python benchmarks/score_throughput.py --rows 100000 --accurate-rows 0   # quicker, fast model only

For each model, on the same generated file, each in its own process:

    (a) naive   pandas.read_csv of the whole file, the saved pipeline's predict_proba on all
                texts, to_csv
    (b) score   `stance score` (streaming chunks, all cores, each distinct text once)
    (c) floor   reading and writing the same CSV row by row with no scoring

It prints rows/s and peak memory of each (summed over the process and its workers: RSS, and
PSS, which counts pages shared between forked workers once), the ratios b/a and b/c, whether
(b) gives the labels and probabilities of (a) on every row, and (b)'s peak memory at a tenth
of the rows to show that it stays flat. Targets (issue 4): fast model b/a >= 5 at 1,000,000
rows; accurate model b/a >= 1.8; identical results within 1e-9; peak RSS < 500 MB and flat.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from classifier.config import BUNDLED_DATA_FILES
from classifier.models.registry import resolve
from classifier.predict import load

NAIVE = """
import sys, pandas as pd
from pathlib import Path
from classifier.models.persistence import load_model
model, _ = load_model(Path(sys.argv[1]))
df = pd.read_csv(sys.argv[2])
proba = model.predict_proba(df["tekst"].tolist())
df["stance"] = model.classes_[proba.argmax(axis=1)]
df["stance_confidence"] = proba.max(axis=1)
df.to_csv(sys.argv[3], index=False)
"""

FLOOR = """
import csv, sys
from pathlib import Path
from classifier.data.csvio import detect_dialect, iter_rows
path = Path(sys.argv[1])
dialect = detect_dialect(path)
with open(sys.argv[2], "w", newline="", encoding="utf-8") as fh:
    writer = csv.writer(fh, delimiter=dialect.sep, lineterminator="\\n")
    for _, cells in iter_rows(path, dialect):
        writer.writerow(cells + ["", ""])
"""


def generate(path: Path, n: int, seed: int = 0) -> None:
    """Survey-export-like rows: Dutch and English statements of 5-60 words, ~15% repeated answers."""
    rng = random.Random(seed)
    texts: list[list[str]] = []
    for data in BUNDLED_DATA_FILES:
        with open(data, encoding="utf-8", newline="") as fh:
            texts += [row["text"].split() for row in csv.DictReader(fh) if row["text"].strip()]
    common = [" ".join(rng.choice(texts)[: rng.randint(5, 12)]) for _ in range(300)]
    branches = ["horeca", "retail", "bouw", "zorg", "kappers", "IT", "consultancy"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["respondent_id", "datum", "branche", "tekst", "score"])
        for i in range(n):
            if rng.random() < 0.15:
                text = rng.choice(common)
            else:
                words, size = list(rng.choice(texts)), rng.randint(5, 60)
                while len(words) < size:
                    words += rng.choice(texts)
                start = rng.randint(0, len(words) - size)
                text = " ".join(words[start : start + size])
            day = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            writer.writerow([f"R{i:07d}", day, rng.choice(branches), text, rng.randint(1, 10)])


def measure(command: list[str], *, memory_limit_gb: float | None = None) -> dict:
    """Wall time and peak memory (RSS and PSS summed over the process tree) of one command.

    ``memory_limit_gb`` caps the command's address space, so that a naive run that outgrows
    the machine fails with a MemoryError instead of waking the OOM killer for other processes.
    """

    def cap() -> None:
        if memory_limit_gb:
            limit = int(memory_limit_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    start = time.perf_counter()
    proc = psutil.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=cap)
    peak = {"rss": 0, "pss": 0}
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            rss = pss = 0
            try:
                for p in [proc, *proc.children(recursive=True)]:
                    try:
                        info = p.memory_full_info()
                        rss, pss = rss + info.rss, pss + info.pss
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        continue
            except psutil.NoSuchProcess:
                break
            peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)
            done.wait(0.5)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    done.set()
    watcher.join()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        print(f"    FAILED (exit {proc.returncode}): {err.strip().splitlines()[-1:] or ''}", file=sys.stderr)
    return {"seconds": seconds, "ok": proc.returncode == 0, "stdout": out, **peak}


def compare(naive: Path, scored: Path) -> tuple[int, int, float]:
    """Rows compared, label mismatches, largest probability difference; streamed, row by row."""
    rows = mismatches = 0
    worst = 0.0
    with open(naive, newline="", encoding="utf-8") as a, open(scored, newline="", encoding="utf-8") as b:
        ra, rb = csv.reader(a), csv.reader(b)
        next(ra), next(rb)
        for row_a, row_b in zip(ra, rb, strict=True):
            rows += 1
            mismatches += row_a[-2] != row_b[-2]
            worst = max(worst, abs(float(row_a[-1]) - float(row_b[-1])))
    return rows, mismatches, worst


def head(source: Path, target: Path, n: int) -> None:
    with open(source, encoding="utf-8", newline="") as fh, open(target, "w", encoding="utf-8") as out:
        for i, line in enumerate(csv.reader(fh)):
            if i > n:
                break
            csv.writer(out).writerow(line)


def batch_noise(folder: Path, data: Path, n: int = 200) -> float:
    """Largest change in a probability when the model sees the same texts in another order/batching.

    Float32 embedders round slightly differently depending on which texts share a batch, so
    this is the floor for any comparison of two ways of scoring with that model.
    """
    from classifier.models.persistence import load_model

    model, _ = load_model(folder)
    with open(data, encoding="utf-8", newline="") as fh:
        texts = list(dict.fromkeys(row["tekst"] for row in csv.DictReader(fh)))[:n]
    forward = model.predict_proba(texts)
    backward = model.predict_proba(texts[::-1])[::-1]
    return float(abs(forward - backward).max())


def bench(kind: str, rows: int, folder: Path, workdir: Path, memory_limit_gb: float) -> None:
    data = workdir / f"data-{rows}.csv"
    if not data.exists():
        t = time.perf_counter()
        generate(data, rows)
        size = data.stat().st_size / 1e6
        print(f"  generated {rows:,} rows ({size:.0f} MB) in {time.perf_counter() - t:.0f} s")
    py = sys.executable
    results = {
        "a naive": measure(
            [py, "-c", NAIVE, str(folder), str(data), str(workdir / f"naive-{kind}.csv")],
            memory_limit_gb=memory_limit_gb,
        ),
        "b score": measure(
            [
                py,
                "-m",
                "classifier",
                "score",
                str(data),
                "-o",
                str(workdir / f"score-{kind}.csv"),
                "--model",
                str(folder),
                "--overwrite",
            ]
        ),
        "c floor": measure([py, "-c", FLOOR, str(data), str(workdir / "floor.csv")]),
    }
    small = workdir / f"data-{rows // 10}-head.csv"
    head(data, small, rows // 10)
    flat = measure(
        [
            py,
            "-m",
            "classifier",
            "score",
            str(small),
            "-o",
            str(workdir / "small.csv"),
            "--model",
            str(folder),
            "--overwrite",
        ]
    )
    print(f"\n{kind} model, {rows:,} rows ({folder.name})")
    print(f"  {'method':<10} {'seconds':>9} {'rows/s':>10} {'peak RSS MB':>12} {'peak PSS MB':>12}")
    for name, r in results.items():
        rate = rows / r["seconds"] if r["ok"] else float("nan")
        rss, pss = r["rss"] / 1e6, r["pss"] / 1e6
        print(f"  {name:<10} {r['seconds']:>9.1f} {rate:>10,.0f} {rss:>12,.0f} {pss:>12,.0f}")
    a, b, c = (results[k] for k in ("a naive", "b score", "c floor"))
    if a["ok"] and b["ok"]:
        print(f"  b/a = {a['seconds'] / b['seconds']:.2f}x the naive rows/s")
    if b["ok"] and c["ok"]:
        print(f"  b/c = {c['seconds'] / b['seconds']:.2f} of the I/O floor's rows/s")
    if flat["ok"] and b["ok"]:
        print(
            f"  memory flat: score peak RSS {flat['rss'] / 1e6:,.0f} MB at {rows // 10:,} rows, "
            f"{b['rss'] / 1e6:,.0f} MB at {rows:,} (PSS {flat['pss'] / 1e6:,.0f} / {b['pss'] / 1e6:,.0f} MB)"
        )
    if a["ok"] and b["ok"]:
        n, wrong, worst = compare(workdir / f"naive-{kind}.csv", workdir / f"score-{kind}.csv")
        verdict = "identical within 1e-9" if not wrong and worst <= 1e-9 else "NOT identical within 1e-9"
        print(f"  results: {n:,} rows compared, {wrong} label differences, max |Δp| {worst:.2e} ({verdict})")
        if worst > 1e-9:
            noise = batch_noise(folder, data)
            print(f"  the naive way against itself, same texts in reverse order: max |Δp| {noise:.2e}")
    print(f"  score's own summary: {b['stdout'].strip()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for the fast model")
    parser.add_argument(
        "--accurate-rows", type=int, default=5_000, help="rows for the accurate model (0: skip)"
    )
    parser.add_argument(
        "--workdir", help="folder for the generated and scored files (default: a temp folder)"
    )
    parser.add_argument(
        "--naive-memory-gb", type=float, default=18.0, help="address-space cap of the naive run (default: 18)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="score-bench-") as tmp:
        workdir = Path(args.workdir) if args.workdir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print(
            f"cores: {psutil.cpu_count()}, load average: {' '.join(f'{x:.1f}' for x in psutil.getloadavg())}"
        )
        for kind, rows in (("fast", args.rows), ("accurate", args.accurate_rows)):
            if rows <= 0:
                continue
            if resolve(kind) is None:
                print(f"training a {kind} model first (once)...")
                load(kind)
            bench(kind, rows, resolve(kind), workdir, args.naive_memory_gb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
