"""Two simple baselines shown beside every model score, so a number has something to beat."""

from __future__ import annotations

import re

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier

from ..config import LABELS

LIMIT_WORDS = (
    r"\bnee\b|\bno\b|\bnot\b|\bniet\b|weiger|refus|declin|afscheid|goodbye|grens|grenz|limit|"
    r"boundar|\bstop|\bfire[ds]?\b|\bdrop|walk away|niet meer|no longer|never again|nooit meer|"
    r"keizer|tot hier"
)


class KeywordRule(ClassifierMixin, BaseEstimator):
    """``sets_limits`` when a refusal word appears (nee, no, refuse, afscheid, limit...), else king.

    It learns nothing: it is the rule a person would write in five minutes.
    """

    def __init__(self, pattern: str = LIMIT_WORDS) -> None:
        self.pattern = pattern

    def fit(self, X, y=None):
        self.classes_ = np.array(LABELS, dtype=object)
        self.regex_ = re.compile(self.pattern, re.IGNORECASE)
        return self

    def predict_proba(self, X) -> np.ndarray:
        hits = np.array([bool(self.regex_.search(t)) for t in X], dtype=float)
        return np.column_stack([1.0 - hits, hits])

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def majority() -> DummyClassifier:
    return DummyClassifier(strategy="most_frequent")


BASELINES = {"majority": majority, "keyword rule": KeywordRule}
