"""Why a statement got its label.

For n-gram features: the words and phrases whose weights pushed hardest each way.
For embeddings: the labeled training statements most similar in meaning.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .embeddings import embed_texts


def linear_weights(pipeline) -> tuple[np.ndarray, np.ndarray, str]:
    """Mean coefficient over the calibration folds, feature names, and the positive class."""
    clf = pipeline.named_steps["clf"]
    coef = np.mean([c.estimator.coef_[0] for c in clf.calibrated_classifiers_], axis=0)
    names = pipeline.named_steps["features"].get_feature_names_out()
    return coef, np.asarray(names, dtype=object), clf.classes_[1]


def ngram_reasons(model, text: str, k: int = 5) -> list[dict]:
    """Phrases in ``text`` with their push toward a label, strongest first."""
    reasons = []
    for member in model.members_:
        coef, names, positive = linear_weights(member)
        x = member.named_steps["features"].transform([text])
        if not sparse.issparse(x):
            continue  # an embedding-only member has no readable features
        x = sparse.csr_matrix(x)
        negative = next(c for c in model.classes_ if c != positive)
        for j, value in zip(x.indices, x.data, strict=True):
            name = str(names[j])
            if not name.startswith(("words__", "chars__", "ngrams__")) and "__" in name:
                continue
            push = float(value * coef[j])
            reasons.append(
                {
                    "feature": name.split("__", 1)[-1],
                    "label": positive if push > 0 else negative,
                    "weight": abs(push),
                }
            )
    reasons.sort(key=lambda r: -r["weight"])
    seen, out = set(), []
    for r in reasons:
        if r["feature"] not in seen:
            seen.add(r["feature"])
            out.append(r)
    return out[:k]


def similar_statements(model, text: str, k: int = 3) -> list[dict]:
    """The ``k`` training statements nearest in embedding space (cosine similarity), with their labels."""
    if getattr(model, "neighbour_vectors_", None) is None:
        return []
    query = embed_texts(model.neighbour_backend_, [text])[0]
    vectors = model.neighbour_vectors_
    # cosine: sentence-pooled vectors join two unit vectors (mean and max), so a plain dot product runs to 2
    sims = vectors @ query / np.maximum(np.linalg.norm(vectors, axis=1) * np.linalg.norm(query), 1e-12)
    top = np.argsort(-sims)[:k]
    return [
        {
            "text": str(model.train_texts_[i]),
            "label": str(model.train_labels_[i]),
            "similarity": float(sims[i]),
        }
        for i in top
    ]


def explain(model, text: str, k: int = 5) -> dict:
    return {"phrases": ngram_reasons(model, text, k), "similar": similar_statements(model, text, 3)}
