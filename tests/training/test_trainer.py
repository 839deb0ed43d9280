"""Training through the CLI: what it prints, and how it treats a broken active model and staging leftovers."""

from __future__ import annotations

import json
import os
import time

import pytest

from classifier.models import registry

from ..conftest import train_small, version_dirs


def test_train_prints_metrics_decision_and_folder(tmp_path, capsys, monkeypatch):
    # with no shipped model either, the first training of a kind has nothing to compare with
    monkeypatch.setenv("STANCE_SHIPPED_DIR", str(tmp_path / "no-shipped"))
    root = tmp_path / "models"
    assert train_small(root) == 0
    out = capsys.readouterr().out.splitlines()
    (version,) = version_dirs(root)
    meta = json.loads((version / "metadata.json").read_text())
    f1 = meta["cv"]["macro_f1"]
    assert out[0].startswith(f"trained fast model {version.name} on 16 statements")
    assert out[1].startswith(f"cross-validated macro-F1 {f1['mean']:.3f} ± {f1['std']:.3f}, accuracy ")
    assert out[1].endswith("(1x repeated stratified group 5-fold)")
    assert out[2] == "active: first version of this kind"
    assert out[3] == f"saved to {version}"


def test_broken_active_model_is_reported_and_kept_unless_forced(tmp_path, capsys):
    root = tmp_path / "models"
    assert train_small(root) == 0
    (broken,) = version_dirs(root)
    with open(broken / "model.joblib", "ab") as fh:
        fh.write(b"x")
    capsys.readouterr()
    assert train_small(root) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert f"the active fast model {broken.name} is broken" in err
    assert "sha256 does not match" in err and "--force" in err and "rollback" in err
    assert version_dirs(root) == [broken], "nothing trained or registered"

    assert train_small(root, "--force") == 0
    assert "is broken" in capsys.readouterr().out
    new = version_dirs(root)[-1]
    assert registry.active_id("fast", root) == new.name
    meta = json.loads((new / "metadata.json").read_text())
    assert meta["activated"] and "broken" in meta["decision"] and meta["compared_with"] is None


def test_a_failed_training_leaves_no_staging_folder(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("classifier.training.trainer.write_model_card", boom)
    with pytest.raises(RuntimeError):
        train_small(tmp_path / "models")
    assert not list((tmp_path / "models" / "fast").glob(".staging-*"))


def test_staging_leftovers_older_than_an_hour_are_cleaned_by_the_next_training(tmp_path):
    root = tmp_path / "models"
    old = root / "fast" / ".staging-20200101T000000.000000-dead00"
    young = root / "fast" / ".staging-20200101T000000.000000-b00b00"
    for folder in (old, young):
        folder.mkdir(parents=True)
        (folder / "model.joblib").write_bytes(b"half")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert train_small(root) == 0
    assert not old.exists(), "a killed training's leftovers are removed"
    assert young.exists(), "a staging folder that may belong to a running training is kept"
