"""The models that ship with the project: present, current with the bundled data, checked at load."""

from __future__ import annotations

import shutil

import pytest

from classifier.config import BUNDLED_DATA_FILES, MODEL_KINDS, shipped_models_dir
from classifier.data.labeled import data_fingerprint
from classifier.exceptions import ModelError
from classifier.models.persistence import MODEL_FILE, read_metadata
from classifier.predict import load, predict
from tests.conftest import SMALL_TRAIN

RETRAIN = "python -m classifier.training.ship"


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_shipped_model_was_trained_on_the_current_bundled_data(kind):
    folder = shipped_models_dir() / kind
    assert (folder / "metadata.json").is_file(), f"no shipped {kind} model; run: {RETRAIN} {kind}"
    trained_on = read_metadata(folder)["training_data"]
    assert trained_on == data_fingerprint(BUNDLED_DATA_FILES), (
        f"the bundled data changed since the shipped {kind} model was trained; run: {RETRAIN} {kind}"
    )


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_shipped_model_records_its_accuracy_on_real_statements(kind):
    real = read_metadata(shipped_models_dir() / kind)["real_accuracy"]
    assert 0.5 < real["macro_f1"] <= 1.0
    assert real["rows"] >= 1000


def test_a_fresh_install_answers_without_training(tmp_path, monkeypatch):
    monkeypatch.setenv("STANCE_MODELS_DIR", str(tmp_path / "empty"))
    notices = []
    model = load("fast", notify=notices.append)
    assert model.folder == shipped_models_dir() / "fast"
    assert notices == []
    (row,) = predict(model, ["We zeggen nee tegen klanten die ons personeel uitschelden."])
    assert row.label == "sets_limits"


def test_a_changed_shipped_model_is_refused(tmp_path, monkeypatch):
    shipped = tmp_path / "shipped"
    shutil.copytree(shipped_models_dir() / "fast", shipped / "fast")
    with open(shipped / "fast" / MODEL_FILE, "ab") as fh:
        fh.write(b"\0")
    monkeypatch.setenv("STANCE_SHIPPED_DIR", str(shipped))
    monkeypatch.setenv("STANCE_MODELS_DIR", str(tmp_path / "empty"))
    with pytest.raises(ModelError, match="sha256"):
        load("fast")


@pytest.mark.parametrize("exported", [True, False])
def test_a_shipped_model_from_another_scikit_learn(tmp_path, monkeypatch, exported):
    """Its exported arrays still answer; a pickle alone is skipped (the kind trains once, no failure)."""
    import json

    from classifier.models.registry import resolve

    shipped = tmp_path / "shipped"
    shutil.copytree(shipped_models_dir() / "fast", shipped / "fast")
    meta_path = shipped / "fast" / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["versions"]["scikit-learn"] = "0.0.1"
    if not exported:
        del meta["scorer_sha256"]
    meta_path.write_text(json.dumps(meta))
    monkeypatch.setenv("STANCE_SHIPPED_DIR", str(shipped))
    assert resolve("fast", tmp_path / "empty") == (shipped / "fast" if exported else None)
    monkeypatch.delenv("STANCE_SHIPPED_DIR")
    assert resolve("fast", tmp_path / "empty") == shipped_models_dir() / "fast"


def test_ship_replaces_the_shipped_folder_whole(tmp_path):
    from classifier.training.ship import ship

    first = ship("fast", n_repeats=1, target_root=tmp_path, data_paths=[SMALL_TRAIN])
    version = read_metadata(first)["version"]
    again = ship("fast", n_repeats=1, target_root=tmp_path, data_paths=[SMALL_TRAIN])
    assert again == first == tmp_path / "fast"
    assert read_metadata(again)["version"] != version
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fast"]  # no staging left behind
