"""Load on `stance serve`: concurrent clients posting batches of statements to /classify on loopback.

    python benchmarks/serve_load.py                     # fast model, 50 clients x 20 requests x 10
    python benchmarks/serve_load.py --model accurate --clients 10 --requests 5

Starts `stance serve` as its own process on 127.0.0.1 (a free port; nothing else is ever
contacted), waits for /health, then runs CLIENTS concurrent clients that each send REQUESTS
requests of BATCH real statements (from data/realworld_quotes.csv), one after the other. It
reports requests/s, statements/s and p50/p99 latency, counts errors, and checks every answer
against `stance classify --json` run on the same batch. Bounded: CLIENTS x REQUESTS requests
in all, each with a 60 s timeout, the whole run stopped after --max-seconds.

Baseline measured in the same run: the same requests, one after the other, straight through
`classifier.predict` in this process (no HTTP, no JSON, no concurrency). The clients run in this
process too, on the same cores as the server, so the served figure includes their cost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from classifier.cli import main as stance
from classifier.config import DATA_DIR
from classifier.predict import load, predict


def statements(n: int) -> list[str]:
    """The first ``n`` distinct real statements, one line each, so they also work on the command line."""
    with (DATA_DIR / "realworld_quotes.csv").open(encoding="utf-8", newline="") as f:
        texts = dict.fromkeys(" ".join(row["text"].split()) for row in csv.DictReader(f))
    return [t for t in texts if t][:n]


def cli_answers(batch: list[str], model: str, models_dir: str | None) -> list[dict]:
    """What `stance classify --json` prints for ``batch``: the reference every answer must equal."""
    argv = ["classify", "--json", "--model", model, *(["--models-dir", models_dir] if models_dir else [])]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert stance([*argv, *batch]) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, model: str, models_dir: str | None, log) -> subprocess.Popen:
    argv = [sys.executable, "-m", "classifier", "serve", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--model", model, *(["--models-dir", models_dir] if models_dir else [])]
    proc = subprocess.Popen(argv, stderr=log, text=True)
    deadline = time.monotonic() + 600  # a kind with no saved version is trained first
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server stopped; its messages are in {log.name}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer /health within 600 s")


async def load_test(url: str, batches: list[list[str]], clients: int, requests: int, max_seconds: float):
    """Latency of every request, the errors, and the answers per batch index."""
    latencies: list[float] = []
    errors: list[str] = []
    answers: list[tuple[int, list[dict]]] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def one_client(c: int) -> None:
            for r in range(requests):
                index = (c + r) % len(batches)
                start = time.perf_counter()
                try:
                    response = await client.post("/classify", json={"texts": batches[index]})
                    latencies.append(time.perf_counter() - start)
                    if response.status_code != 200:
                        errors.append(f"{response.status_code}: {response.text[:200]}")
                        continue
                    answers.append((index, response.json()["results"]))
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))

        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(one_client(c) for c in range(clients))), max_seconds)
        wall = time.perf_counter() - started
    return wall, latencies, errors, answers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="fast", help="fast, accurate or a model folder (default: fast)")
    parser.add_argument("--models-dir", help="models folder (default: the project's models/)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="requests per client")
    parser.add_argument("--batch", type=int, default=10, help="statements per request")
    parser.add_argument("--max-seconds", type=float, default=600, help="stop the load after this long")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]  # other work on the machine slows everything below
    model = load(args.model, root=Path(args.models_dir) if args.models_dir else None)
    info = model.info()
    texts = statements(20 * args.batch)
    batches = [texts[i : i + args.batch] for i in range(0, len(texts), args.batch)]
    expected = [cli_answers(b, args.model, args.models_dir) for b in batches]
    total = args.clients * args.requests

    # baseline: the same requests through classifier.predict in this process, one after the other
    times = []
    for i in range(total):
        start = time.perf_counter()
        predict(model, batches[i % len(batches)])
        times.append(time.perf_counter() - start)
    base_wall = sum(times)

    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="stance-serve-", suffix=".log", delete=False)
    server = start_server(port, args.model, args.models_dir, log)
    try:
        url = f"http://127.0.0.1:{port}"
        wall, latencies, errors, answers = asyncio.run(
            load_test(url, batches, args.clients, args.requests, args.max_seconds)
        )
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    different = sum(got != expected[i] for i, got in answers)
    labels_differ = sum([r["label"] for r in got] != [r["label"] for r in expected[i]] for i, got in answers)

    print(
        f"model: {info['kind']} {info['version']}; {os.cpu_count()} cores; "
        f"load average before: {load_before:.2f}"
    )
    print(
        f"load: {args.clients} concurrent clients x {args.requests} requests x {args.batch} statements, "
        f"{len(batches)} distinct batches, to 127.0.0.1:{port}"
    )
    print(f"{'path':<34} {'requests/s':>10} {'statements/s':>13} {'p50 ms':>8} {'p99 ms':>8}")
    print(
        f"{f'served (HTTP, {args.clients} clients)':<34} {len(latencies) / wall:>10,.1f} "
        f"{len(latencies) * args.batch / wall:>13,.0f} {1000 * statistics.median(latencies):>8.1f} "
        f"{1000 * percentile(latencies, 99):>8.1f}"
    )
    print(
        f"{'baseline: predict() in-process':<34} {total / base_wall:>10,.1f} "
        f"{total * args.batch / base_wall:>13,.0f} {1000 * statistics.median(times):>8.1f} "
        f"{1000 * percentile(times, 99):>8.1f}"
    )
    print(f"requests answered: {len(answers)} of {total}; errors: {len(errors)}")
    print(f"answers differing from `stance classify --json`: {different} (labels differing: {labels_differ})")
    for error in errors[:5]:
        print(f"  error: {error}")
    log.seek(0)
    server_said = [line.rstrip() for line in log if line.strip()]
    print(
        f"server log ({log.name}): {len(server_said)} lines" + "".join(f"\n  {x}" for x in server_said[-8:])
    )
    ok = not errors and not different and len(answers) == total
    log.close()
    if ok:
        os.unlink(log.name)  # kept only when something went wrong
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
