"""The exported fast model: the pipeline's probabilities from plain arrays, loaded without scikit-learn."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.config import BUNDLED_DATA_FILES, MAX_STATEMENT_CHARS, shipped_models_dir
from classifier.exceptions import ModelError
from classifier.models.persistence import SCORER_FILE, load_model, load_scorer
from classifier.models.portable import PortableScorer, export, exportable
from classifier.models.portable import load as load_export
from classifier.predict import load, predict_proba


@pytest.fixture(scope="module")
def shipped_fast():
    folder = shipped_models_dir() / "fast"
    model, _ = load_model(folder)
    scorer, _ = load_scorer(folder)
    return model, scorer


@pytest.fixture(scope="module")
def small_scorer(fast_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("scorer") / SCORER_FILE
    export(fast_model, path)
    return load_export(path)


def test_equals_the_pipeline_on_the_bundled_data(shipped_fast):
    model, scorer = shipped_fast
    texts = []
    for path in BUNDLED_DATA_FILES:
        with open(path, encoding="utf-8", newline="") as fh:
            texts += [row["text"] for row in csv.DictReader(fh) if row["text"].strip()]
    expected = model.predict_proba(texts)
    got = scorer.predict_proba(texts)
    assert got.shape == expected.shape == (len(texts), 2)
    assert np.abs(got - expected).max() <= 1e-9
    assert list(scorer.classes_) == list(model.classes_)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=300).filter(lambda t: t.strip()))
def test_equals_the_pipeline_on_arbitrary_text(fast_model, small_scorer, text):
    expected = fast_model.predict_proba([text, text.upper() + " 12 klant"])
    assert np.abs(small_scorer.predict_proba([text, text.upper() + " 12 klant"]) - expected).max() <= 1e-9


def test_long_statements_are_cut_like_the_pipeline(fast_model, small_scorer):
    text = "de klant is koning " * (MAX_STATEMENT_CHARS // 10)
    assert np.abs(small_scorer.predict_proba([text]) - fast_model.predict_proba([text])).max() <= 1e-9


def test_saving_a_fast_model_exports_it_and_load_uses_it(fast_model, tmp_path):
    assert exportable(fast_model)
    folder = fast_model.save(tmp_path / "m")
    loaded = load(str(folder))
    assert isinstance(loaded.estimator, PortableScorer)
    assert loaded.metadata["scorer_sha256"]
    full = load(str(folder), portable=False)
    assert not isinstance(full.estimator, PortableScorer)
    texts = ["We say no.", "De klant is koning."]
    assert np.abs(predict_proba(loaded, texts) - predict_proba(full, texts)).max() <= 1e-9


def test_a_changed_scorer_is_refused(fast_model, tmp_path):
    folder = fast_model.save(tmp_path / "m")
    with open(folder / SCORER_FILE, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match="sha256 does not match"):
        load(str(folder))
