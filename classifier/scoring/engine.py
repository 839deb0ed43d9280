"""The scoring engine: distinct texts in, probabilities out, as cheaply as identical results allow.

Two savings on top of scoring each distinct text once. TF-IDF blocks count their
n-grams from per-word caches (stemming and n-gram lookup are most of the fast
model's cost, and words repeat endlessly); the cached counts are checked against
scikit-learn's own on the file's first texts, and the standard path is used if
they differ in any way. And batches go to one worker process per core, each held
to one thread, because threads inside a library (OpenMP, BLAS) fill two cores
worse than two processes do.
"""

from __future__ import annotations

import functools
import os
from array import array
from collections.abc import Callable

import numpy as np

from ..config import MAX_STATEMENT_CHARS
from ..exceptions import StanceError

MEMO_WORDS = 100_000  # distinct words whose stems and n-grams are remembered (memory stays bounded)
BATCH_TEXTS = 2_048  # most texts per predict_proba call: bounds the feature matrix a worker holds
MIN_BATCH = 256


def _stemmed_gram_ids(vectorizer, docs, indices: array, indptr: array) -> None:
    """Vocabulary ids of :class:`~classifier.features.StemmingAnalyzer` n-grams: the analyzer's own
    steps, with each distinct token stemmed once per language instead of once per occurrence."""
    from ..models.features import TOKEN, guess_language, normalize, stem_ngrams

    analyzer, get, caches = vectorizer.analyzer, vectorizer.vocabulary_.get, vectorizer._stems
    low, high = analyzer.ngram_range
    for doc in docs:
        tokens = TOKEN.findall(normalize(doc))
        lang = guess_language(tokens)
        cache = caches.setdefault(lang, {})
        if len(cache) >= MEMO_WORDS:
            cache.clear()
        stems = list(map(cache.get, tokens))
        if None in stems:
            stemmer = analyzer.stemmer(lang)
            for i, stem in enumerate(stems):
                if stem is None:
                    stems[i] = cache[tokens[i]] = stemmer.stemWords([tokens[i]])[0]
        for grams in stem_ngrams(stems, low, high):
            indices.extend([i for i in map(get, grams) if i is not None])
        indptr.append(len(indices))


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
            elif self._stemmed:
                _stemmed_gram_ids(self, raw_documents, indices, indptr)
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

    from ..models.features import StemmingAnalyzer

    if type(est) is TfidfVectorizer and hasattr(est, "vocabulary_") and est.input == "content":
        fast = object.__new__(_fast_vectorizer_class())
        fast.__dict__.update(est.__dict__)
        fast._word_ids, fast._stems = {}, {}
        fast._stemmed = type(est.analyzer) is StemmingAnalyzer
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


def _batch_size(n: int) -> int:
    """Several batches per chunk, so all cores get work even from one chunk; sized by ``n`` alone
    (never by the number of workers), so the same rows are always scored in the same batches."""
    return min(BATCH_TEXTS, max(MIN_BATCH, -(-n // 8 // 64) * 64))


def _proba_in_worker(texts: list[str]) -> np.ndarray:
    return _WORKER["model"].predict_proba(texts)


def _start_method() -> str:
    """``fork`` shares the loaded model for free, but not after an OpenMP embedder ran in this process."""
    from ..models import embeddings

    return "forkserver" if embeddings.any_loaded() else "fork"


class Engine:
    """Texts in, probabilities out: each distinct text of a chunk once, in batches spread over all cores.

    A chunk's scores depend on that chunk's rows only (no memory across chunks, fixed
    batches), because float32 embedders round a little differently with other texts in
    the same batch: so a resumed run, or one with another number of workers, writes the
    very same bytes.
    """

    def __init__(self, model, *, workers: int) -> None:
        self.model = model
        self.fast = None
        self.workers = max(1, workers)
        self.pool = None
        self.width = len(model.classes_)

    def _start_pool(self) -> None:
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
        """Chunks to have under way: enough that the workers never wait for this process."""
        return 2 if self.pool else 0

    def submit(self, texts: list[str], *, more: bool):
        """Start scoring one chunk (``more``: others follow); :meth:`collect` gives its probabilities."""
        where = np.full(len(texts), -1, dtype=np.int64)
        distinct: dict[str, int] = {}
        for i, text in enumerate(texts):
            text = text[:MAX_STATEMENT_CHARS]  # the models read no more: one cell's cost is bounded
            if text and not text.isspace():
                where[i] = distinct.setdefault(text, len(distinct))
        unique = list(distinct)
        size = _batch_size(len(unique))
        batches = [unique[i : i + size] for i in range(0, len(unique), size)]
        if unique and self.fast is None:
            self.fast = accelerated(self.model, unique[:200])
        if unique and self.pool is None and self.workers > 1 and (more or len(batches) > 1):
            self._start_pool()
        if self.pool:
            return where, [self.pool.submit(_proba_in_worker, batch) for batch in batches]
        return where, batches  # scored in collect, so that progress can be shown batch by batch

    def collect(self, pending, on_batch: Callable[[float], None] | None = None) -> np.ndarray:
        """Probabilities of one chunk's rows (NaN where empty); ``on_batch(share_done)`` after each batch."""
        from concurrent.futures.process import BrokenProcessPool

        where, jobs = pending
        parts = []
        for job in jobs:
            try:
                parts.append(self.fast.predict_proba(job) if isinstance(job, list) else job.result())
            except BrokenProcessPool:
                raise StanceError(
                    "a worker process died (out of memory?). Run the same command with --resume to "
                    "continue, with --workers 1 if it happens again."
                ) from None
            if on_batch:
                on_batch(len(parts) / len(jobs))
        proba = np.concatenate(parts) if parts else np.empty((0, self.width))
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
                process.terminate()  # a batch in progress is not worth waiting for
        self.pool.shutdown(wait=not abort, cancel_futures=True)
        self.pool = None
