"""The accurate model exported as arrays: n-gram and embedding members, no scikit-learn at load."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from classifier.config import shipped_models_dir
from classifier.models.estimator import StanceClassifier
from classifier.models.ngram_scorer import NgramScorer
from classifier.models.persistence import SCORER_FILE, load_model, load_scorer
from classifier.models.portable import PortableScorer, export, exportable
from classifier.models.portable import load as load_export
from classifier.predict import load, predict_proba

TEXTS = [
    "We say no to customers who shout at our staff.",
    "De klant is koning, ook op zondag.",
    "Na zessen neem ik de telefoon niet meer op. " * 3,
    "x",
]


@pytest.fixture(scope="module")
def accurate_export(accurate_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("portable") / SCORER_FILE
    export(accurate_model, path)
    return load_export(path)


def test_the_accurate_model_is_exportable_member_by_member(accurate_model, accurate_export):
    assert exportable(accurate_model)
    assert isinstance(accurate_export, PortableScorer)
    assert len(accurate_export.members) == len(accurate_model.members_) == 2
    assert list(accurate_export.classes_) == list(accurate_model.classes_)


def test_equals_the_pipeline(accurate_model, accurate_export):
    got, expected = accurate_export.predict_proba(TEXTS), accurate_model.predict_proba(TEXTS)
    assert got.shape == expected.shape == (len(TEXTS), 2)
    assert np.abs(got - expected).max() <= 1e-5  # float32 embeddings; the n-gram part is exact
    assert list(accurate_export.predict(TEXTS)) == list(accurate_model.predict(TEXTS))


def test_an_unknown_member_is_not_exportable(small_data):
    model = StanceClassifier(features="e5+ngrams", combine="stack").fit(
        list(small_data["text"]), small_data["label"]
    )
    assert not exportable(model)  # one classifier over stacked blocks: no export, the pickle answers


def test_a_file_from_before_multi_member_exports_still_loads(fast_model, tmp_path):
    """Fast models saved by earlier versions hold one n-gram member's arrays without a prefix."""
    from classifier.models import ngram_scorer

    path = tmp_path / SCORER_FILE
    np.savez_compressed(path, **ngram_scorer.arrays(fast_model.members_[0]))
    old = load_export(path)
    assert isinstance(old, NgramScorer)
    assert np.abs(old.predict_proba(TEXTS) - fast_model.predict_proba(TEXTS)).max() <= 1e-9


def test_the_shipped_accurate_model_answers_through_its_export():
    folder = shipped_models_dir() / "accurate"
    scorer, _ = load_scorer(folder)
    model, _ = load_model(folder)
    assert np.abs(scorer.predict_proba(TEXTS) - model.predict_proba(TEXTS)).max() <= 1e-5
    loaded = load("accurate")
    assert isinstance(loaded.estimator, PortableScorer)
    assert np.abs(predict_proba(loaded, TEXTS) - model.predict_proba(TEXTS)).max() <= 1e-5


@pytest.mark.parametrize("kind", ["fast", "accurate"])
def test_classify_imports_neither_sklearn_nor_pandas(tmp_path, kind):
    code = (
        "import sys\n"
        "from classifier.cli import main\n"
        f"assert main(['classify', '--model', '{kind}', 'We say no to rude clients.']) == 0\n"
        "print(sorted(m for m in ('sklearn', 'pandas', 'joblib', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"
