"""Where things live: a checkout's folders, or an installed package's bundle and the user's data folder."""

from __future__ import annotations

from pathlib import Path

from classifier import config


def test_bundled_data_and_shipped_models_are_found():
    assert all(path.is_file() for path in config.BUNDLED_DATA_FILES)
    assert (config.shipped_models_dir() / "fast" / "metadata.json").is_file()


def test_models_dir_env_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("STANCE_MODELS_DIR", str(tmp_path))
    monkeypatch.setattr(config, "INSTALLED", True)
    assert config.models_dir() == tmp_path


def test_an_installed_package_keeps_models_in_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("STANCE_MODELS_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(config, "INSTALLED", True)
    assert config.models_dir() == tmp_path / "stance" / "models"


def test_nothing_in_the_package_reads_shared():
    package = Path(config.__file__).parent
    for path in package.rglob("*.py"):
        assert '"shared"' not in path.read_text(encoding="utf-8"), path
