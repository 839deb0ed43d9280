"""The one predict path: the label rule every surface shares, column order, and loading."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from classifier.config import LABELS, UNCERTAIN
from classifier.predict import LoadedModel, labels_from_proba, load, predict, predict_proba

from .conftest import train_small, version_dirs


def test_label_is_the_most_probable_or_uncertain_below_the_threshold():
    proba = np.array([[0.9, 0.1], [0.3, 0.7], [0.55, 0.45], [np.nan, np.nan]])
    labels, confidence = labels_from_proba(proba, LABELS, min_confidence=0.6)
    assert labels.tolist() == [LABELS[0], LABELS[1], UNCERTAIN, ""]
    np.testing.assert_allclose(confidence[:3], [0.9, 0.7, 0.55])
    assert np.isnan(confidence[3]), "a row without text has no confidence"


def test_a_confidence_equal_to_the_threshold_keeps_its_label():
    labels, _ = labels_from_proba(np.array([[0.7, 0.3]]), LABELS, min_confidence=0.7)
    assert labels.tolist() == [LABELS[0]]


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=20), st.floats(0.0, 1.0))
def test_any_probabilities_give_a_label_or_uncertain(first, threshold):
    proba = np.column_stack([first, 1.0 - np.asarray(first)])
    labels, confidence = labels_from_proba(proba, LABELS, min_confidence=threshold)
    assert len(labels) == len(first)
    assert set(labels.tolist()) <= {*LABELS, UNCERTAIN}
    assert ((labels == UNCERTAIN) == (confidence < threshold)).all()


def test_no_texts_give_no_predictions(fast_model):
    assert predict(fast_model, []) == []
    assert predict_proba(fast_model, []).shape == (0, len(LABELS))


def test_probabilities_come_in_label_order_whatever_the_estimator_order(fast_model):
    class Reversed:
        classes_ = np.array(LABELS[::-1], dtype=object)

        def predict_proba(self, texts):
            return fast_model.predict_proba(texts)[:, ::-1]

    texts = ["Na zessen neem ik niet meer op.", "We always say yes."]
    np.testing.assert_allclose(predict_proba(Reversed(), texts), predict_proba(fast_model, texts))
    assert [p.label for p in predict(Reversed(), texts)] == [p.label for p in predict(fast_model, texts)]


def test_predict_accepts_a_loaded_model_and_keeps_input_order(fast_model):
    texts = ["eerste", "second", "derde"]
    rows = predict(LoadedModel(estimator=fast_model), texts, min_confidence=0.0)
    assert [r.text for r in rows] == texts
    for r in rows:
        assert r.confidence == max(r.probabilities.values())
        assert set(r.as_dict()) == {"text", "label", "confidence", "probabilities"}


def test_load_reads_the_active_version_of_a_kind(tmp_path):
    root = tmp_path / "models"
    assert train_small(root) == 0
    (version,) = version_dirs(root)
    loaded = load("fast", root=root)
    assert loaded.folder == version
    assert loaded.info() == {
        "kind": "fast",
        "version": version.name,
        "sha256": loaded.metadata["model_sha256"],
    }
    assert loaded.classes == list(LABELS)


def test_load_refuses_a_name_that_is_neither_kind_nor_folder(tmp_path):
    from classifier.exceptions import InputError

    with pytest.raises(InputError, match="neither accurate nor fast"):
        load(tmp_path / "missing", root=tmp_path)
