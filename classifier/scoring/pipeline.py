"""Batch scoring of a file: a stance for every row, from a few rows to millions.

The table streams through in chunks, so memory stays flat however long the file;
this process reads and writes while worker processes score (see
:mod:`.engine`), and the output appears only when complete and can be resumed
after an interruption (see :mod:`.state`).
"""

from __future__ import annotations

import codecs
import itertools
import os
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import MAX_STATEMENT_CHARS
from ..data.columns import find_text_column
from ..data.files import sha256_file
from ..exceptions import DataError, InputError
from ..predict import labels_from_proba
from . import state
from .engine import Engine
from .frame import CHUNK_ROWS, score_frame, scoring_model
from .source import (
    OUTPUT_COLUMNS,
    CsvText,
    check_target,
    chunks,
    default_output,
    lookahead,
    open_source,
    refuse_scored_columns,
)

__all__ = ["CHUNK_ROWS", "OUTPUT_COLUMNS", "ScoreSummary", "default_output", "score_csv", "score_frame"]

CHUNK_CHARS = 8_000_000  # a chunk also ends here, so files of very long cells stay flat too
DECIMALS = 10  # stance_confidence precision: far below any difference that matters


@dataclass
class ScoreSummary:
    """What a run did, for the one-line report at the end."""

    output: Path | None
    rows: int = 0
    empty: int = 0
    labels: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    resumed_rows: int = 0
    cut: int = 0

    @property
    def rows_per_second(self) -> float:
        return (self.rows - self.resumed_rows) / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        counts = ", ".join(f"{label} {n:,}" for label, n in sorted(self.labels.items()))
        resumed = f" (resumed after row {self.resumed_rows:,})" if self.resumed_rows else ""
        return (
            f"scored {self.rows:,} rows{resumed}: {counts or 'no labels'}; {self.empty:,} with empty text; "
            + (f"{self.cut:,} cut to their first {MAX_STATEMENT_CHARS:,} characters; " if self.cut else "")
            + f"{self.seconds:.1f} s, {self.rows_per_second:,.0f} rows/s"
            + (f"; wrote {self.output}" if self.output else "")
        )


def score_csv(
    path: str | Path,
    output: str | Path | None = None,
    *,
    model="accurate",
    models_dir: Path | None = None,
    text_column: str | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    output_sep: str | None = None,
    output_encoding: str | None = None,
    min_confidence: float = 0.0,
    overwrite: bool = False,
    resume: bool = False,
    chunk_rows: int = CHUNK_ROWS,
    workers: int | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> ScoreSummary:
    """Score every row of a CSV (or ``.csv.gz``, ``.xlsx``, ``.parquet``) file into a new CSV file.

    The output has every input column unchanged and in order, then ``stance`` and
    ``stance_confidence``; one row per input row, in the input's delimiter, encoding
    and line endings unless ``output_sep``/``output_encoding`` say otherwise. It
    appears only when complete; ``resume`` continues an interrupted run.

    ``progress(rows_done, rows_expected)`` is called after every chunk.
    """
    started = time.perf_counter()
    path = Path(path)
    source = open_source(path, sep, encoding)
    target = Path(output) if output is not None else default_output(path)
    check_target(path, target, overwrite=overwrite)
    refuse_scored_columns(source.header, str(path))
    column = find_text_column(source.header, text_column, where=str(path))
    out_sep = {"\\t": "\t", "tab": "\t"}.get(output_sep or "", output_sep) or source.sep
    if len(out_sep) != 1:
        raise InputError(f"output delimiter must be one character, got {out_sep!r}. Try --output-sep ';'.")
    out_encoding = output_encoding or source.encoding
    try:
        codecs.lookup(out_encoding)
    except LookupError:
        raise InputError(f"unknown output encoding '{out_encoding}'. Try utf-8.") from None

    loaded, model_id = scoring_model(model, models_dir, notify)
    settings = {
        "text_column": source.header[column],
        "min_confidence": min_confidence,
        "input_sep": source.sep,
        "input_encoding": source.encoding,
        "sep": out_sep,
        "encoding": out_encoding,
        "newline": source.newline,
        "chunk_rows": chunk_rows,
    }
    summary = ScoreSummary(output=target)
    previous = state.load_state(target) if resume else None
    input_sha256 = sha256_file(path)  # identity of the input, so a resume never mixes two files
    if previous is not None:
        state.check_resumable(
            target, previous, input_sha256=input_sha256, model_id=model_id, settings=settings
        )
        summary.rows = summary.resumed_rows = previous["rows"]
        summary.empty = previous["empty"]
        summary.labels.update(previous["labels"])
    elif resume and notify:
        notify(f"no interrupted run towards {target} to resume; scoring from the start.")
    to_text = CsvText(out_sep, source.newline)
    writer = state.PartialOutput(
        target,
        encoding=out_encoding,
        compress=target.name.lower().endswith(".gz"),
        resume_bytes=previous["bytes"] if previous else None,
    )
    record = {"input": str(path), "input_sha256": input_sha256, "model": model_id, "settings": settings}

    def checkpoint() -> None:
        state.save_state(
            target,
            {**record, "rows": summary.rows, "empty": summary.empty, "labels": dict(summary.labels)}
            | {"bytes": writer.sync()},
        )

    engine = Engine(loaded, workers=workers or len(os.sched_getaffinity(0)))
    finished = False
    try:
        if previous is None:
            writer.write(to_text([[*source.header, *OUTPUT_COLUMNS]]))
            checkpoint()
        else:
            skipped = sum(1 for _ in itertools.islice(source.rows, summary.rows))
            if skipped < summary.rows:
                raise DataError(
                    f"{path}: has fewer rows than the interrupted run scored; run without --resume."
                )
        pending: deque = deque()

        def report(done: float) -> None:
            if progress:
                progress(int(done), max(source.total or 0, int(done)) or None)

        def write_oldest() -> None:
            rows, job = pending.popleft()
            proba = engine.collect(job, on_batch=lambda share: report(summary.rows + share * len(rows)))
            found, confidence = labels_from_proba(proba, loaded.classes_, min_confidence=min_confidence)
            labels = found.tolist()
            for cells, label, conf in zip(rows, labels, confidence.tolist(), strict=True):
                cells.append(label)
                cells.append(repr(round(conf, DECIMALS)) if label else "")
            writer.write(to_text(rows))
            summary.rows += len(rows)
            summary.empty += labels.count("")
            summary.labels.update(label for label in labels if label)
            checkpoint()
            report(summary.rows)

        report(summary.rows)
        for rows, more in lookahead(chunks(source.rows, chunk_rows, CHUNK_CHARS)):
            texts = [cells[column] for cells in rows]
            summary.cut += sum(len(text) > MAX_STATEMENT_CHARS for text in texts)
            pending.append((rows, engine.submit(texts, more=more)))
            while len(pending) > engine.in_flight:
                write_oldest()
        while pending:
            write_oldest()
        writer.commit()
        finished = True
        state.clear(target)
    except BaseException as exc:
        engine.close(abort=True)
        if not finished:
            writer.close()
        if isinstance(exc, DataError | InputError):
            state.clear(target)  # a bad input or option is not resumable: nothing worth keeping
        raise
    engine.close()
    summary.seconds = time.perf_counter() - started
    return summary
