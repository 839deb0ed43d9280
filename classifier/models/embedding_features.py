"""Sentence embeddings as a scikit-learn transformer, so a pipeline can hold them beside n-grams."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .embeddings import embed_texts, get_embedder


class SentenceEmbeddings(TransformerMixin, BaseEstimator):
    """scikit-learn transformer: texts in, sentence vectors out. Stateless, so ``fit`` only checks."""

    def __init__(self, backend: str = "e5") -> None:
        self.backend = backend

    def fit(self, X, y=None):
        embed_texts(self.backend, list(X), remember=True)
        self.n_features_out_ = get_embedder(self.backend).dim
        return self

    def transform(self, X) -> np.ndarray:
        return embed_texts(self.backend, list(X))

    def get_feature_names_out(self, input_features=None):
        return np.array([f"{self.backend}_{i}" for i in range(self.n_features_out_)], dtype=object)
