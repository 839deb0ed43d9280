"""One scoring job on a Dask cluster: plan, submit one task per partition, collect, finish the folder.

Dask does the distributing: a ``LocalCluster`` of worker processes that starts and
stops with the job, or any running cluster reached by its scheduler address. A
worker that dies is replaced and its partitions rerun by Dask's scheduler; a part
is written under a temporary name and renamed, so a rerun never leaves half a file.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ...exceptions import InputError, StanceError
from ..pipeline import CHUNK_ROWS
from . import output
from .plan import PARTITION_ROWS, make_plan
from .worker import check_worker, score_part


@dataclass
class DaskSummary:
    """What a job did, for the one-line report at the end."""

    output: Path
    parts: int = 0
    reused: int = 0
    workers: int = 0
    rows: int = 0
    empty: int = 0
    labels: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    stages: dict = field(default_factory=dict)  # seconds: planning, start (cluster and model), scoring

    def line(self) -> str:
        counts = ", ".join(f"{label} {n:,}" for label, n in sorted(self.labels.items()))
        reused = f" ({self.reused:,} reused from the earlier run)" if self.reused else ""
        rate = self.rows / self.seconds if self.seconds > 0 else 0.0
        return (
            f"scored {self.rows:,} rows in {self.parts:,} parts{reused} on {self.workers} Dask workers: "
            f"{counts or 'no labels'}; {self.empty:,} with empty text; {self.seconds:.1f} s, "
            f"{rate:,.0f} rows/s ({', '.join(f'{k} {v:.1f} s' for k, v in self.stages.items())}); "
            f"wrote {self.output}"
        )


def _cores() -> int:
    return len(os.sched_getaffinity(0))


@contextlib.contextmanager
def connect(
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    dashboard: str | None = ":8787",
    timeout: float = 60,
    notify: Callable[[str], None] | None = None,
) -> Iterator:
    """A Dask client: to the scheduler at ``scheduler``, or to a LocalCluster that ends with the block."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise InputError(
                f"cannot reach the Dask scheduler at {scheduler} ({exc}). Check the address and that "
                "'dask scheduler' runs there."
            ) from None
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers or _cores(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=dashboard,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster, timeout=timeout) as client,
    ):
        if notify and dashboard is not None:
            notify(f"Dask dashboard: {cluster.dashboard_link}")
        yield client


def _check_workers(client, folder: Path, sha256: str, timeout: float) -> int:
    """Every worker can import this package and load this very model (loading it once, now)."""
    try:
        client.wait_for_workers(1, timeout=timeout)
        answers = client.run(check_worker, str(folder), sha256)
    except (ImportError, AttributeError) as exc:
        raise StanceError(
            f"the Dask workers cannot run stance ({exc}). Install the same version of the package on "
            "every worker: pip install 'stance-classifier[dask]' (see docs/scaling.md)."
        ) from None
    except TimeoutError:
        raise StanceError(f"no Dask worker joined within {timeout:.0f} s; start some workers.") from None
    from .worker import package_version

    mine = package_version()
    for address, theirs in answers.items():
        if theirs != mine:
            raise StanceError(
                f"the worker at {address} has stance-classifier {theirs}, this machine {mine}; install "
                "the same version on every worker."
            )
    return len(answers)


def _collect(client, futures: dict, folder: Path, job: dict, done: dict, *, timeout, progress) -> None:
    from distributed import as_completed
    from distributed.client import FutureCancelledError

    total = sum(r["rows"] for r in job["plan"])
    rows = sum(done[i]["rows"] for i in done)
    try:
        for future in as_completed(list(futures), timeout=timeout):
            try:
                record = future.result()
            except FutureCancelledError:
                continue
            except StanceError:
                raise
            except Exception as exc:  # noqa: BLE001 - KilledWorker and the like: say which part
                part = futures[future]
                raise StanceError(
                    f"{part.source.path}: the partition from line {part.first_line} could not be scored "
                    f"({type(exc).__name__}: {exc}). Run the same command with --resume to continue."
                ) from None
            future.release()
            done[record["index"]] = record
            output.save_progress(folder, job, done)
            rows += record["rows"]
            if progress:
                progress(rows, total)
    except TimeoutError:
        raise StanceError(
            f"the job did not finish within {timeout:.0f} s; finished parts are kept, run the same command "
            "with --resume to continue."
        ) from None
    finally:
        client.cancel([f for f in futures if not f.done()])


def score_dask(
    inputs: list[str],
    output_dir: str | Path,
    *,
    model="accurate",
    models_dir: Path | None = None,
    text_column: str | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    min_confidence: float = 0.0,
    scheduler: str | None = None,
    workers: int | None = None,
    client=None,
    dashboard: str | None = ":8787",
    overwrite: bool = False,
    resume: bool = False,
    chunk_rows: int = CHUNK_ROWS,
    partition_rows: int = PARTITION_ROWS,
    timeout: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> DaskSummary:
    """Score files (paths, globs, folders) on a Dask cluster into ``output_dir/part-NNNNN.*``.

    Each part holds one partition of one input, in that input's format, with the values
    ``stance score`` writes for the same rows. ``manifest.json`` and ``_SUCCESS`` are
    written once every part is in. ``client`` reuses a connected ``distributed.Client``;
    otherwise ``scheduler`` names a running cluster, or a LocalCluster of ``workers``
    processes runs for the job's duration.
    """
    from ...models.persistence import check_model
    from ...models.registry import resolve
    from ...predict import load

    started = time.perf_counter()
    folder = Path(output_dir)
    sources, parts = make_plan(
        [str(i) for i in inputs],
        text_column=text_column,
        sep=sep,
        encoding=encoding,
        chunk_rows=chunk_rows,
        partition_rows=max(partition_rows, chunk_rows),
    )
    output.prepare(folder, inputs=[Path(s.path) for s in sources], overwrite=overwrite, resume=resume)
    model_folder = resolve(str(model), models_dir)
    if model_folder is None:  # a kind never trained here: train it once, as `stance score` does
        load(model, root=models_dir, notify=notify)
        model_folder = resolve(str(model), models_dir)
    model_folder = model_folder.resolve()
    meta = check_model(model_folder)  # sha256 and library versions checked; the workers load it
    info = {"kind": meta.get("kind", ""), "version": meta.get("version", ""), "sha256": meta["model_sha256"]}
    info["folder"] = str(model_folder)
    options = {
        "text_column": text_column,
        "sep": sep,
        "encoding": encoding,
        "min_confidence": min_confidence,
        "chunk_rows": chunk_rows,
        "partition_rows": partition_rows,
    }
    job = output.identity(sources, parts, model=info, options=options)
    done = output.reusable(folder, job, output.previous(folder)) if resume else {}
    if resume and notify and not done and output.previous(folder) is None:
        notify(f"no earlier run in {folder} to resume; scoring everything.")
    output.unfinish(folder, job, done)
    summary = DaskSummary(output=folder, parts=len(parts), reused=len(done))
    todo = [p for p in parts if p.index not in done]
    planned = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if client is None:
            client = stack.enter_context(
                connect(scheduler=scheduler, workers=workers, dashboard=dashboard, notify=notify)
            )
        summary.workers = _check_workers(client, model_folder, info["sha256"], timeout or 60)
        ready = time.perf_counter()
        if progress:
            progress(sum(done[i]["rows"] for i in done), sum(p.rows for p in parts))
        options_for_task = {
            "model_folder": str(model_folder),
            "model_sha256": info["sha256"],
            "min_confidence": min_confidence,
        }
        futures = {
            client.submit(score_part, p, str(folder.resolve()), **options_for_task, pure=False): p
            for p in todo
        }
        _collect(client, futures, folder, job, done, timeout=timeout, progress=progress)
        summary.stages = {"planning": planned - started, "start": ready - planned}
        summary.stages["scoring"] = time.perf_counter() - ready
    _check_unchanged(sources)
    for record in done.values():
        summary.rows += record["rows"]
        summary.empty += record["empty"]
        summary.labels.update(record["labels"])
    summary.seconds = time.perf_counter() - started
    output.finish(folder, job, done, extra={"rows": summary.rows, "seconds": round(summary.seconds, 3)})
    return summary


def _check_unchanged(sources) -> None:
    """An input rewritten during the job would leave parts from two versions of it: refuse."""
    from ...data.files import sha256_file

    for source in sources:
        if sha256_file(Path(source.path)) != source.sha256:
            raise StanceError(
                f"{source.path}: changed while it was being scored; no _SUCCESS was written. Score it again "
                "once it stays unchanged."
            )
