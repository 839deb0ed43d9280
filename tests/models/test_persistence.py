from __future__ import annotations

import json

import numpy as np
import pytest

from classifier.exceptions import ModelError
from classifier.models.estimator import StanceClassifier
from classifier.models.persistence import METADATA_FILE, MODEL_FILE, load_model

TEXTS = ["We close at six.", "De klant krijgt altijd zijn zin."]


@pytest.fixture
def saved(fast_model, tmp_path):
    return fast_model.save(tmp_path / "m")


def test_round_trip_gives_identical_probabilities(fast_model, saved):
    again = StanceClassifier.load(saved)
    np.testing.assert_array_equal(again.predict_proba(TEXTS), fast_model.predict_proba(TEXTS))


def test_metadata_records_versions_labels_and_hash(saved):
    meta = json.loads((saved / METADATA_FILE).read_text())
    assert meta["labels"] == ["customer_is_king", "sets_limits"]
    assert len(meta["model_sha256"]) == 64
    assert "scikit-learn" in meta["versions"]


def test_tampered_model_is_refused(saved):
    path = saved / MODEL_FILE
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(ModelError, match=r"sha256 does not match.*Retrain with 'stance train'"):
        load_model(saved)


def test_version_mismatch_is_refused(saved):
    meta = json.loads((saved / METADATA_FILE).read_text())
    meta["versions"]["scikit-learn"] = "0.0.1"
    (saved / METADATA_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=r"built with scikit-learn 0\.0\.1.*install scikit-learn==0\.0\.1"):
        load_model(saved)


def test_missing_metadata_is_refused(saved):
    (saved / METADATA_FILE).unlink()
    with pytest.raises(ModelError, match="metadata missing"):
        load_model(saved)


def test_garbage_with_matching_hash_is_refused(saved):
    from classifier.data.files import sha256_file

    (saved / MODEL_FILE).write_bytes(b"not a pickle")
    meta = json.loads((saved / METADATA_FILE).read_text())
    meta["model_sha256"] = sha256_file(saved / MODEL_FILE)
    (saved / METADATA_FILE).write_text(json.dumps(meta))
    # the unpickling error's own message is kept, not only its class name
    with pytest.raises(ModelError, match=r"cannot be loaded \(\w+: [^)]+\); retrain") as caught:
        load_model(saved)
    assert "\n" not in str(caught.value)
