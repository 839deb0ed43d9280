"""Why a label: the phrases that pushed each way and the nearest training statements."""

from __future__ import annotations

import pytest

from classifier.models.explain import explain, similar_statements


def test_similar_statements_are_the_nearest_training_statements(accurate_model):
    text = str(accurate_model.train_texts_[0])
    similar = similar_statements(accurate_model, text, k=3)
    assert len(similar) == 3
    assert similar[0]["text"] == text, "a training statement is nearest to itself"
    assert similar[0]["similarity"] == pytest.approx(1.0, abs=1e-4)
    assert similar[0]["label"] == accurate_model.train_labels_[0]
    sims = [s["similarity"] for s in similar]
    assert sims == sorted(sims, reverse=True)
    assert all(-1.0 <= s <= 1.0 + 1e-6 for s in sims)
    assert {s["text"] for s in similar} <= set(accurate_model.train_texts_)


def test_a_model_without_embeddings_has_phrases_but_no_neighbours(fast_model):
    reasons = explain(fast_model, "Ik zeg nee tegen klanten")
    assert reasons["similar"] == []
    assert reasons["phrases"] and all(r["weight"] > 0 for r in reasons["phrases"])
