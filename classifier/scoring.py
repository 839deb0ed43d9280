"""Batch scoring: a stance for every row of a table, from a few rows to millions.

The table streams through in chunks, so memory stays flat however long the file.
Each distinct text is scored once; when there is more than one chunk, chunks are
scored on all cores while this process reads and writes; and TF-IDF blocks count
their n-grams through a cheaper path that is checked, on the file's own texts, to
give the very same numbers. Writing the output and resuming live in
:mod:`classifier.scoring_state`.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import math
import os
import time
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import scoring_state as state
from .config import UNCERTAIN
from .exceptions import DataError, InputError

TEXT_COLUMNS = ("text", "quote", "statement", "tekst", "uitspraak", "citaat")
OUTPUT_COLUMNS = ("stance", "stance_confidence")
CHUNK_ROWS = 10_000
CHUNK_CHARS = 8_000_000  # a chunk also ends here, so files of very long cells stay flat too
MEMO_WORDS = 100_000  # distinct words whose stems and n-grams are remembered (memory stays bounded)
BATCH_TEXTS = 2_000  # texts per predict_proba call: bounds the feature matrices a worker holds
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


# ---------------------------------------------------------------- the cheaper n-gram path


class _MemoStemmer:
    """Stem each distinct word once: words repeat endlessly, and stemming is most of the cost."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.memo: dict[str, str] = {}

    def stemWords(self, words: list[str]) -> list[str]:
        memo, out = self.memo, []
        for word in words:
            stem = memo.get(word)
            if stem is None:
                if len(memo) >= MEMO_WORDS:
                    memo.clear()
                stem = memo[word] = self.inner.stemWord(word)
            out.append(stem)
        return out


class _MemoStemmers(dict):
    """Drop-in for an analyzer's stemmer cache that wraps every stemmer put in it."""

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, _MemoStemmer(value))


@functools.cache
def _fast_vectorizer_class():
    from sklearn.feature_extraction.text import TfidfVectorizer

    class FastTfidfVectorizer(TfidfVectorizer):
        """A fitted vectorizer whose counts come from per-word caches; everything after is sklearn's."""

        def _count_vocab(self, raw_documents, fixed_vocab):
            if not fixed_vocab:
                return super()._count_vocab(raw_documents, fixed_vocab)
            import scipy.sparse as sp

            vocab, indices, indptr = self.vocabulary_, array("i"), array("q", [0])
            if self.analyzer == "char_wb":
                # char_wb n-grams never cross a word, so a text's counts are the sum of its words'
                preprocess, grams, cache = self.build_preprocessor(), self._char_wb_ngrams, self._word_ids
                for doc in raw_documents:
                    for word in self._white_spaces.sub(" ", preprocess(doc)).split():
                        ids = cache.get(word)
                        if ids is None:
                            if len(cache) >= MEMO_WORDS:
                                cache.clear()
                            ids = cache[word] = array("i", [vocab[g] for g in grams(word) if g in vocab])
                        indices += ids
                    indptr.append(len(indices))
            else:
                analyze, get = self.build_analyzer(), vocab.get
                for doc in raw_documents:
                    indices.extend([i for i in map(get, analyze(doc)) if i is not None])
                    indptr.append(len(indices))
            counts = sp.csr_array(
                (
                    np.ones(len(indices), dtype=self.dtype),
                    np.frombuffer(indices, dtype=np.int32) if indices else np.zeros(0, dtype=np.int32),
                    np.frombuffer(indptr, dtype=np.int64),
                ),
                shape=(len(indptr) - 1, len(vocab)),
            )
            counts.sum_duplicates()  # sorted indices and summed counts, exactly as sklearn builds them
            return vocab, counts

    return FastTfidfVectorizer


def _swap_vectorizers(est, swapped: list):
    """A shallow copy of ``est`` with each fitted TF-IDF vectorizer replaced by the cached one."""
    import copy

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline

    if type(est) is TfidfVectorizer and hasattr(est, "vocabulary_"):
        fast = object.__new__(_fast_vectorizer_class())
        fast.__dict__.update(est.__dict__)
        fast._word_ids = {}
        if callable(est.analyzer) and isinstance(getattr(est.analyzer, "_stemmers", None), dict):
            fast.analyzer = copy.copy(est.analyzer)
            fast.analyzer._stemmers = _MemoStemmers()
        swapped.append((est, fast))
        return fast
    if isinstance(est, Pipeline):
        new = copy.copy(est)
        new.steps = [(name, _swap_vectorizers(step, swapped)) for name, step in est.steps]
        return new
    if isinstance(est, FeatureUnion):
        new = copy.copy(est)
        new.transformer_list = [(name, _swap_vectorizers(t, swapped)) for name, t in est.transformer_list]
        return new
    return est


def accelerated(model, sample: list[str] | None = None):
    """``model`` with cheaper n-gram counting, if its counts equal sklearn's on ``sample``; else ``model``."""
    import copy

    members = getattr(model, "members_", None)
    if not members:
        return model
    swapped: list = []
    fast_members = [_swap_vectorizers(member, swapped) for member in members]
    if not swapped:
        return model
    if sample is not None:
        try:
            for standard, fast in swapped:
                a, b = standard.transform(sample), fast.transform(sample)
                if a.shape != b.shape or (a != b).nnz:
                    return model
        except Exception:  # noqa: BLE001 - any surprise in the shortcut means: use the standard path
            return model
    fast_model = copy.copy(model)
    fast_model.members_ = fast_members
    return fast_model


# ---------------------------------------------------------------- workers

_WORKER: dict = {}


def _init_worker(model, fast: bool) -> None:
    """One thread per worker process: the processes, not threads inside them, fill the cores."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    from threadpoolctl import threadpool_limits

    _cap_thread_limits()
    _WORKER["limits"] = threadpool_limits(1)
    _WORKER["model"] = accelerated(model) if fast else model


def _cap_thread_limits() -> None:
    """Keep libraries from raising a worker's thread pools again (an embedder may ask for 4 on 2 cores)."""
    try:
        from threadpoolctl import _ThreadpoolLimiter

        original = _ThreadpoolLimiter._set_threadpool_limits
    except (ImportError, AttributeError):
        return

    def capped(self):
        if isinstance(self._limits, dict):
            self._limits = {k: v if v is None else min(v, 1) for k, v in self._limits.items()}
        return original(self)

    _ThreadpoolLimiter._set_threadpool_limits = capped


def _predict(model, texts: list[str]) -> np.ndarray:
    """Probabilities in batches: a chunk's whole feature matrix at once would cost hundreds of MB."""
    parts = [model.predict_proba(texts[i : i + BATCH_TEXTS]) for i in range(0, len(texts), BATCH_TEXTS)]
    return np.concatenate(parts) if parts else np.empty((0, len(model.classes_)))


def _proba_in_worker(texts: list[str]) -> np.ndarray:
    return _predict(_WORKER["model"], texts)


def _start_method() -> str:
    """``fork`` shares the loaded model for free, but not after an OpenMP embedder ran in this process."""
    from . import embeddings

    return "forkserver" if embeddings._LOADED else "fork"


class _Engine:
    """Texts in, probabilities out: each distinct text of a chunk once, chunks on all cores.

    A chunk's scores depend on that chunk's rows only (no memory across chunks), because
    float32 embedders round a little differently with other texts in the same batch: so
    a resumed run, or one with another number of workers, writes the very same bytes.
    """

    def __init__(self, model, *, workers: int) -> None:
        self.model = model
        self.fast = None
        self.workers = max(1, workers)
        self.pool = None
        self.width = len(model.classes_)

    def _prepare(self, texts: list[str]) -> None:
        if self.fast is None:
            self.fast = accelerated(self.model, texts[:200])

    def start_pool(self) -> None:
        if self.workers < 2 or self.pool is not None:
            return
        import gc
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        gc.freeze()  # forked workers then share the model's pages instead of copying them on first GC
        self.pool = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context(_start_method()),
            initializer=_init_worker,
            initargs=(self.model, self.fast is not self.model),
        )

    @property
    def in_flight(self) -> int:
        return 2 * self.workers if self.pool else 1

    def submit(self, texts: list[str]):
        """Start scoring one chunk; :meth:`collect` returns its probabilities (NaN rows for empty text)."""
        where = np.full(len(texts), -1, dtype=np.int64)
        distinct: dict[str, int] = {}
        for i, text in enumerate(texts):
            if text and not text.isspace():
                where[i] = distinct.setdefault(text, len(distinct))
        unique = list(distinct)
        if not unique:
            return where, np.empty((0, self.width))
        self._prepare(unique)
        if self.pool:
            return where, self.pool.submit(_proba_in_worker, unique)
        return where, _predict(self.fast, unique)

    def collect(self, pending) -> np.ndarray:
        where, result = pending
        proba = result if isinstance(result, np.ndarray) else result.result()
        out = np.full((len(where), self.width), np.nan)
        found = where >= 0
        out[found] = proba[where[found]]
        return out

    def close(self, *, abort: bool = False) -> None:
        if self.pool is None:
            return
        import gc

        gc.unfreeze()
        if abort:
            for process in list(getattr(self.pool, "_processes", {}).values()):
                process.terminate()  # a chunk in progress is not worth waiting for
        self.pool.shutdown(wait=not abort, cancel_futures=True)
        self.pool = None


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
    engine = _Engine(model, workers=workers)
    if len(texts) > chunk_rows:
        engine._prepare(texts[:200])
        engine.start_pool()
    labels, confs = [], []
    try:
        pending = deque()
        for start in range(0, len(texts), chunk_rows):
            pending.append(engine.submit(texts[start : start + chunk_rows]))
            while len(pending) > engine.in_flight or (pending and start + chunk_rows >= len(texts)):
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
    input_sha256 = state.file_sha256(path)
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

    engine = _Engine(loaded, workers=workers or len(os.sched_getaffinity(0)))
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
        chunks = _chunks(source.rows, chunk_rows, CHUNK_CHARS)
        head = list(itertools.islice(chunks, 2))
        if len(head) > 1:
            engine._prepare([cells[column] for cells in head[0][:200]])
            engine.start_pool()
        pending: deque = deque()

        def write_oldest() -> None:
            rows, job = pending.popleft()
            labels, confs = _labels(engine.collect(job), loaded.classes_, min_confidence)
            for cells, label, conf in zip(rows, labels, confs, strict=True):
                cells.append(label)
                cells.append("" if conf is None else repr(round(conf, DECIMALS)))
            writer.write(to_text(rows))
            summary.rows += len(rows)
            summary.empty += labels.count("")
            summary.labels.update(label for label in labels if label)
            checkpoint()
            if progress:
                progress(summary.rows, max(source.total or 0, summary.rows) or None)

        for rows in itertools.chain(head, chunks):
            pending.append((rows, engine.submit([cells[column] for cells in rows])))
            if len(pending) > engine.in_flight:
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
