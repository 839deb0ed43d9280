from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.config import LABELS
from classifier.exceptions import DataError, InputError
from classifier.models.estimator import StanceClassifier

STATEMENTS = ["Ik zeg wel eens nee tegen een klant", "Whatever the client wants, the client gets."]


def test_classes_in_label_order(fast_model):
    assert list(fast_model.classes_) == list(LABELS)


def test_predict_proba_rows_sum_to_one(fast_model):
    proba = fast_model.predict_proba(STATEMENTS)
    assert proba.shape == (2, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(fast_model.predict(STATEMENTS)) <= set(LABELS)


def test_same_data_and_seed_same_predictions(small_data):
    a = StanceClassifier("fast").fit(list(small_data["text"]), small_data["label"])
    b = StanceClassifier("fast").fit(list(small_data["text"]), small_data["label"])
    np.testing.assert_array_equal(a.predict_proba(STATEMENTS), b.predict_proba(STATEMENTS))


def test_empty_input_gives_empty_output(fast_model):
    assert fast_model.predict_proba([]).shape == (0, 2)
    assert len(fast_model.predict([])) == 0


@pytest.mark.parametrize("bad", ["", "   ", "\n\t"])
def test_empty_statement_is_a_clear_error(fast_model, bad):
    with pytest.raises(InputError, match="statement 2 is empty"):
        fast_model.predict_proba(["fine", bad])


def test_one_label_only_is_refused():
    with pytest.raises(DataError, match="at least 2 statements of each label"):
        StanceClassifier("fast").fit(["a b", "c d", "e f"], ["sets_limits"] * 3)


def test_unknown_label_is_refused():
    with pytest.raises(DataError, match="unknown label"):
        StanceClassifier("fast").fit(["a", "b", "c", "d"], ["sets_limits", "x", "sets_limits", "x"])


def test_accurate_model_uses_real_embeddings(accurate_model):
    proba = accurate_model.predict_proba(STATEMENTS)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert accurate_model.neighbour_vectors_.shape[0] == len(accurate_model.train_texts_)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.text(min_size=0, max_size=200),
        st.text(alphabet=st.characters(categories=["Cc", "Zs", "So"]), max_size=50),
        st.just("x" * 10_000),
        st.just("🙂" * 500),
    )
)
def test_any_string_gives_label_or_clear_error(fast_model, text):
    if not text.strip():
        with pytest.raises(InputError):
            fast_model.predict_proba([text])
        return
    proba = fast_model.predict_proba([text])
    assert proba.shape == (1, 2)
    assert np.isfinite(proba).all()
    assert abs(proba.sum() - 1.0) < 1e-9


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=300).filter(str.strip))
def test_any_string_accurate_model(accurate_model, text):
    proba = accurate_model.predict_proba([text])
    assert abs(proba.sum() - 1.0) < 1e-9
