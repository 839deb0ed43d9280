"""An n-gram member as plain arrays: vocabulary, idf, weights and sigmoid calibration.

An n-gram member is a linear model over TF-IDF n-grams; applying it needs a dictionary
lookup, a few logarithms and a dot product, not scikit-learn, pandas or a pickle.
Loading the export (:mod:`.portable` writes and reads the ``.npz``) takes milliseconds,
and an ``.npz`` read with ``allow_pickle=False`` runs no code. The export
repeats scikit-learn's arithmetic step by step (char_wb n-grams, sublinear tf, l2
norm per block, one logistic model and one sigmoid per calibration fold, averaged),
and tests hold its probabilities to the pipeline's within 1e-9.

Imports nothing heavier than numpy and the stemmer at module level.
"""

from __future__ import annotations

import re
from array import array

import numpy as np

from ..config import MAX_STATEMENT_CHARS
from .features import TOKEN, StemmingAnalyzer, guess_language, normalize, stem_ngrams

_WHITE_SPACES = re.compile(r"\s\s+")  # scikit-learn's own, for char_wb n-grams
SPARSE_BATCH = 64  # texts from which a batch goes through scipy's sparse product (few: plain numpy)
MEMO_WORDS = 100_000  # distinct words whose n-gram ids are remembered; memory stays bounded


def exportable(member) -> bool:
    """True for a fitted pipeline member of stemmed word n-grams and char_wb n-grams."""
    try:
        features, clf = member.named_steps["features"], member.named_steps["clf"]
        names = [name for name, _ in features.transformer_list]
        words, chars = (dict(features.transformer_list)[n] for n in ("words", "chars"))
    except (AttributeError, KeyError, TypeError, ValueError):
        return False
    return (
        names == ["words", "chars"]
        and isinstance(words.analyzer, StemmingAnalyzer)
        and chars.analyzer == "char_wb"
        and chars.preprocessor is normalize
        and words.sublinear_tf
        and chars.sublinear_tf
        and words.norm == chars.norm == "l2"
        and clf.method == "sigmoid"
        and len(clf.classes_) == 2
    )


def _terms(vectorizer) -> np.ndarray:
    terms = np.empty(len(vectorizer.vocabulary_), dtype=object)
    for term, index in vectorizer.vocabulary_.items():
        terms[index] = term
    return terms.astype(str)


def arrays(member) -> dict[str, np.ndarray]:
    """The arrays of an :func:`exportable` member: vocabularies, idf, and each calibration fold's model."""
    features, clf = member.named_steps["features"], member.named_steps["clf"]
    words, chars = (dict(features.transformer_list)[n] for n in ("words", "chars"))
    return {
        "classes": np.asarray(clf.classes_, dtype=str),
        "word_terms": _terms(words),
        "word_idf": words.idf_.astype(np.float64),
        "word_ngram_range": np.asarray(words.analyzer.ngram_range),
        "char_terms": _terms(chars),
        "char_idf": chars.idf_.astype(np.float64),
        "char_ngram_range": np.asarray(chars.ngram_range),
        **calibrated_folds(clf),
    }


def calibrated_folds(clf) -> dict[str, np.ndarray]:
    """Each sigmoid-calibrated fold of a binary CalibratedClassifierCV as coef, intercept, a and b."""
    folds = clf.calibrated_classifiers_
    return {
        "coef": np.vstack([f.estimator.coef_[0] for f in folds]).astype(np.float64),
        "intercept": np.asarray([f.estimator.intercept_[0] for f in folds], dtype=np.float64),
        "cal_a": np.asarray([f.calibrators[0].a_ for f in folds], dtype=np.float64),
        "cal_b": np.asarray([f.calibrators[0].b_ for f in folds], dtype=np.float64),
    }


def calibrated_mean(decision: np.ndarray, cal_a: np.ndarray, cal_b: np.ndarray) -> np.ndarray:
    """``P(classes_[1])``: each fold's sigmoid of its own score, averaged, as scikit-learn does."""
    positive = 1.0 / (1.0 + np.exp(cal_a * decision + cal_b))
    positive[(1.0 < positive) & (positive <= 1.0 + 1e-5)] = 1.0
    return positive.mean(axis=1)


def char_wb_grams(word: str, low: int, high: int) -> list[str]:
    """scikit-learn's ``char_wb`` n-grams of one word, padded with a space each side."""
    w = " " + word + " "
    grams = []
    for n in range(low, high + 1):
        offset = 0
        grams.append(w[:n])
        while offset + n < len(w):
            offset += 1
            grams.append(w[offset : offset + n])
        if offset == 0:  # a short word counts once
            break
    return grams


class NgramScorer:
    """``predict_proba`` of an exported fast model, with per-word caches of n-gram ids."""

    def __init__(self, arrays) -> None:
        self.classes_ = np.asarray(arrays["classes"], dtype=object)
        self.word_index = {t: i for i, t in enumerate(arrays["word_terms"].tolist())}
        n_words = len(self.word_index)
        self.char_index = {t: i + n_words for i, t in enumerate(arrays["char_terms"].tolist())}
        self.idf = np.concatenate([arrays["word_idf"], arrays["char_idf"]])
        self.n_words = n_words
        # weight of each feature in each fold, times its idf: one product per n-gram later
        self.weights = np.ascontiguousarray((arrays["coef"] * self.idf).T)
        self.intercept, self.cal_a, self.cal_b = arrays["intercept"], arrays["cal_a"], arrays["cal_b"]
        self.word_range = tuple(int(x) for x in arrays["word_ngram_range"])
        self.char_range = tuple(int(x) for x in arrays["char_ngram_range"])
        self.analyzer = StemmingAnalyzer(self.word_range)
        self._chars: dict[str, array] = {}
        self._stems: dict[str, dict[str, str]] = {}

    def _word_ids(self, text: str) -> list[int]:
        tokens = TOKEN.findall(normalize(text))
        lang = guess_language(tokens)
        cache = self._stems.setdefault(lang, {})
        if len(cache) >= MEMO_WORDS:
            cache.clear()
        missing = [t for t in tokens if t not in cache]
        if missing:
            stemmer = self.analyzer.stemmer(lang)
            cache.update(zip(missing, stemmer.stemWords(missing), strict=True))
        stems = [cache[t] for t in tokens]
        get, ids = self.word_index.get, []
        low, high = self.word_range
        for grams in stem_ngrams(stems, low, high):
            ids += [i for i in map(get, grams) if i is not None]
        return ids

    def _char_ids(self, text: str) -> array:
        cache, ids = self._chars, array("q")
        for word in _WHITE_SPACES.sub(" ", normalize(text)).split():
            found = cache.get(word)
            if found is None:
                if len(cache) >= MEMO_WORDS:
                    cache.clear()
                get = self.char_index.get
                grams = map(get, char_wb_grams(word, *self.char_range))
                found = cache[word] = array("q", [i for i in grams if i is not None])
            ids += found
        return ids

    def decision(self, texts: list[str]) -> np.ndarray:
        """Each fold's logistic score per text, shape ``(len(texts), folds)``.

        The n-gram ids of the whole batch go through numpy at once (a per-text numpy
        call costs more than the arithmetic): counts per (text, n-gram), sublinear tf,
        an l2 norm per text and block, and the idf-scaled weights summed per text.
        """
        n = len(texts)
        out = np.tile(self.intercept, (n, 1))
        for block in (self._word_ids, self._char_ids):
            ids, lengths = array("q"), []
            for text in texts:
                found = block(text[:MAX_STATEMENT_CHARS])
                ids.extend(found)
                lengths.append(len(found))
            if not ids:
                continue
            if n >= SPARSE_BATCH:
                out += self._sparse_block(ids, lengths, n)
                continue
            width = len(self.idf)
            rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
            keys, counts = np.unique(rows * width + np.frombuffer(ids, np.int64), return_counts=True)
            row, index = np.divmod(keys, width)
            tf = np.log(counts) + 1.0
            norm = np.sqrt(np.bincount(row, weights=(tf * self.idf[index]) ** 2, minlength=n))
            share = tf / norm[row]
            contribution = self.weights[index] * share[:, None]
            for fold in range(out.shape[1]):
                out[:, fold] += np.bincount(row, weights=contribution[:, fold], minlength=n)
        return out

    def _sparse_block(self, ids: array, lengths: list[int], n: int) -> np.ndarray:
        """One block's scores of a large batch through a sparse product (scipy, imported only here)."""
        import scipy.sparse as sp

        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        index = np.frombuffer(ids, np.int64)
        counts = sp.csr_array((np.ones(len(index)), index, indptr), shape=(n, len(self.idf)))
        counts.sum_duplicates()
        tf = np.log(counts.data) + 1.0
        rows = np.repeat(np.arange(n), np.diff(counts.indptr))
        norm = np.sqrt(np.bincount(rows, weights=(tf * self.idf[counts.indices]) ** 2, minlength=n))
        counts.data = tf / norm[rows]
        return counts @ self.weights

    def predict_proba(self, texts) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        positive = calibrated_mean(self.decision(texts), self.cal_a, self.cal_b)
        return np.column_stack([1.0 - positive, positive])

    def predict(self, texts) -> np.ndarray:
        proba = self.predict_proba(texts)
        return self.classes_[proba.argmax(axis=1)] if len(proba) else np.array([], dtype=object)
