"""Batch scoring: a stance for every row of a table, from a few rows to millions.

The table streams through in chunks, so memory stays flat however long the file;
this process reads and writes while worker processes score (see
:mod:`classifier.scoring_engine`), and the output appears only when complete and
can be resumed after an interruption (see :mod:`classifier.scoring_state`).
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import scoring_state as state
from .config import UNCERTAIN
from .exceptions import DataError, InputError
from .persistence import sha256_file
from .scoring_engine import Engine

TEXT_COLUMNS = ("text", "quote", "statement", "tekst", "uitspraak", "citaat")
OUTPUT_COLUMNS = ("stance", "stance_confidence")
CHUNK_ROWS = 10_000
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

    @property
    def rows_per_second(self) -> float:
        return (self.rows - self.resumed_rows) / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        counts = ", ".join(f"{label} {n:,}" for label, n in sorted(self.labels.items()))
        resumed = f" (resumed after row {self.resumed_rows:,})" if self.resumed_rows else ""
        return (
            f"scored {self.rows:,} rows{resumed}: {counts or 'no labels'}; {self.empty:,} with empty text; "
            f"{self.seconds:.1f} s, {self.rows_per_second:,.0f} rows/s"
            + (f"; wrote {self.output}" if self.output else "")
        )


# ---------------------------------------------------------------- text column


def find_text_column(columns: list[str], requested: str | None = None, *, where: str = "the table") -> int:
    """Index of the column holding the statements; an error lists the columns and the fix."""
    listed = ", ".join(columns)
    if requested is not None:
        if requested in columns:
            return columns.index(requested)
        folded = [i for i, c in enumerate(columns) if c.casefold() == requested.casefold()]
        if len(folded) == 1:
            return folded[0]
        raise InputError(f"{where}: no column '{requested}'; columns are: {listed}. Use --text-column NAME.")
    found = [i for i, c in enumerate(columns) if c.strip().casefold() in TEXT_COLUMNS]
    if len(found) == 1:
        return found[0]
    if len(columns) == 1:
        return 0
    if found:
        names = ", ".join(columns[i] for i in found)
        raise InputError(
            f"{where}: several columns could hold the text ({names}); columns are: {listed}. "
            f"Use --text-column {columns[found[0]]}."
        )
    raise InputError(
        f"{where}: no text column found (looked for {', '.join(TEXT_COLUMNS)}); columns are: {listed}. "
        "Use --text-column NAME."
    )


def _refuse_scored_columns(columns: list[str], where: str) -> None:
    taken = [c for c in OUTPUT_COLUMNS if c in columns]
    if taken:
        raise DataError(
            f"{where}: already has a column '{taken[0]}' (scored before?); rename or drop it, "
            "or score the original file."
        )


def _labels(proba: np.ndarray, classes, min_confidence: float) -> tuple[list[str], list[float | None]]:
    """Label and confidence per row; empty label and None confidence where there was no text."""
    empty = np.isnan(proba[:, 0])
    safe = np.where(empty[:, None], 0.0, proba)
    conf = safe.max(axis=1)
    labels = np.asarray(classes, dtype=object)[safe.argmax(axis=1)]
    labels = np.where(conf >= min_confidence, labels, UNCERTAIN)
    labels[empty] = ""
    return labels.tolist(), [None if e else c for e, c in zip(empty.tolist(), conf.tolist(), strict=True)]


# ---------------------------------------------------------------- model loading


def _load(model, models_dir: Path | None, notify: Callable[[str], None] | None):
    """A model object and the id ``--resume`` checks: a saved model's sha256, else a content hash."""
    if isinstance(model, str | Path):
        from .training import load_or_train

        loaded, meta = load_or_train(str(model), root=models_dir, notify=notify)
        return loaded, meta.get("model_sha256") or meta.get("version", "")
    import hashlib
    import pickle

    return model, hashlib.sha256(pickle.dumps(model, protocol=5)).hexdigest()


# ---------------------------------------------------------------- DataFrames


def score_frame(
    frame,
    model="accurate",
    *,
    text_column: str | None = None,
    min_confidence: float = 0.0,
    models_dir: Path | None = None,
    workers: int = 1,
    chunk_rows: int = CHUNK_ROWS,
):
    """A copy of ``frame`` with ``stance`` and ``stance_confidence`` added; missing text gives empty.

    ``model`` is a fitted :class:`~classifier.model.StanceClassifier`, a kind or a model folder.
    """
    import pandas as pd

    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        dup = next(c for c in columns if columns.count(c) > 1)
        raise DataError(f"the DataFrame has the column '{dup}' twice; rename one of them.")
    _refuse_scored_columns(columns, "the DataFrame")
    column = frame.columns[find_text_column(columns, text_column, where="the DataFrame")]
    texts = ["" if not isinstance(v, str) and pd.isna(v) else str(v) for v in frame[column]]
    model, _ = _load(model, models_dir, None)
    engine = Engine(model, workers=workers)
    labels, confs = [], []
    try:
        pending: deque = deque()
        for start in range(0, len(texts), chunk_rows):
            more = start + chunk_rows < len(texts)
            pending.append(engine.submit(texts[start : start + chunk_rows], more=more))
            while len(pending) > (engine.in_flight if more else 0):
                got = _labels(engine.collect(pending.popleft()), model.classes_, min_confidence)
                labels += got[0]
                confs += got[1]
    finally:
        engine.close()
    out = frame.copy()
    out["stance"] = labels
    out["stance_confidence"] = [math.nan if c is None else c for c in confs]
    return out


# ---------------------------------------------------------------- files


@dataclass
class _Source:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    sep: str
    encoding: str
    newline: str
    total: int | None


def _open_source(path: Path, sep: str | None, encoding: str | None) -> _Source:
    from . import csvio

    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".parquet"):
        if sep or encoding:
            raise InputError(f"{path}: --sep and --encoding apply to CSV input only; leave them out.")
        rows = csvio.iter_sheet_rows(path) if suffix == ".xlsx" else csvio.iter_parquet_rows(path)
        _, header = next(rows)
        return _Source(header, rows, ",", "utf-8", "\n", None)
    dialect = csvio.detect_dialect(path, sep=sep, encoding=encoding)
    rows = csvio.iter_rows(path, dialect)
    _, header = next(rows)
    newline = csvio.line_terminator(path, dialect)
    return _Source(header, rows, dialect.sep, dialect.encoding, newline, csvio.estimate_rows(path, dialect))


def default_output(path: Path) -> Path:
    """``NAME.scored.csv`` beside the input (``.csv.gz`` stays compressed)."""
    name = path.name
    compressed = name.lower().endswith(".gz")
    base = name[:-3] if compressed else name
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    return path.with_name(f"{stem}.scored.csv" + (".gz" if compressed else ""))


def _check_target(path: Path, target: Path, *, overwrite: bool) -> None:
    if target.resolve() == path.resolve() or (target.exists() and target.samefile(path)):
        raise InputError(f"{target}: is the input file; the input is never modified. Choose another -o.")
    if target.is_dir():
        raise InputError(f"{target}: is a folder. Give -o the path of a file.")
    if not target.parent.is_dir():
        raise InputError(f"{target.parent}: folder does not exist. Create it or choose another -o.")
    if target.exists() and not overwrite:
        raise InputError(f"{target}: already exists. Use --overwrite to replace it, or choose another -o.")


def _chunks(
    rows: Iterable[tuple[int, list[str]]], max_rows: int, max_chars: int
) -> Iterator[list[list[str]]]:
    chunk, chars = [], 0
    for _, cells in rows:
        chunk.append(cells)
        chars += sum(map(len, cells))
        if len(chunk) >= max_rows or chars >= max_chars:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def _lookahead(chunks: Iterator[list]) -> Iterator[tuple[list, bool]]:
    """Each chunk with whether another follows, so a one-chunk file never starts worker processes."""
    current = next(chunks, None)
    while current is not None:
        following = next(chunks, None)
        yield current, following is not None
        current = following


class _CsvText:
    """Rows to CSV text in the output's dialect, quoting a lone carriage return the csv module would not."""

    def __init__(self, sep: str, newline: str) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, delimiter=sep, lineterminator=newline)
        self.careful = csv.writer(self.buffer, delimiter=sep, lineterminator=newline, quoting=csv.QUOTE_ALL)
        self.newline = newline

    def __call__(self, rows: list[list[str]]) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerows(rows)
        text = self.buffer.getvalue()
        if self.newline == "\n" and "\r" in text:
            self.buffer.seek(0)
            self.buffer.truncate()
            for row in rows:
                (self.careful if any("\r" in c for c in row) else self.writer).writerow(row)
            text = self.buffer.getvalue()
        return text


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
    source = _open_source(path, sep, encoding)
    target = Path(output) if output is not None else default_output(path)
    _check_target(path, target, overwrite=overwrite)
    _refuse_scored_columns(source.header, str(path))
    column = find_text_column(source.header, text_column, where=str(path))
    out_sep = {"\\t": "\t", "tab": "\t"}.get(output_sep or "", output_sep) or source.sep
    if len(out_sep) != 1:
        raise InputError(f"output delimiter must be one character, got {out_sep!r}. Try --output-sep ';'.")
    out_encoding = output_encoding or source.encoding
    try:
        import codecs

        codecs.lookup(out_encoding)
    except LookupError:
        raise InputError(f"unknown output encoding '{out_encoding}'. Try utf-8.") from None

    loaded, model_id = _load(model, models_dir, notify)
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
    to_text = _CsvText(out_sep, source.newline)
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
            labels, confs = _labels(proba, loaded.classes_, min_confidence)
            for cells, label, conf in zip(rows, labels, confs, strict=True):
                cells.append(label)
                cells.append("" if conf is None else repr(round(conf, DECIMALS)))
            writer.write(to_text(rows))
            summary.rows += len(rows)
            summary.empty += labels.count("")
            summary.labels.update(label for label in labels if label)
            checkpoint()
            report(summary.rows)

        report(summary.rows)
        for rows, more in _lookahead(_chunks(source.rows, chunk_rows, CHUNK_CHARS)):
            pending.append((rows, engine.submit([cells[column] for cells in rows], more=more)))
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
