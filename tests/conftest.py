"""Shared fixtures: a private models folder per test session and one tiny trained model."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_TRAIN = FIXTURES / "small_train.csv"


def train_small(root: Path, *extra: str) -> int:
    """Train a fast model on the 16-row fixture through the CLI into ``root``; the exit code."""
    from classifier.cli import main

    argv = ["train", "--model", "fast", "--only", "--data", str(SMALL_TRAIN), "--repeats", "1"]
    return main([*argv, "--models-dir", str(root), *extra])


def version_dirs(root: Path, kind: str = "fast") -> list[Path]:
    """The version folders of one kind, oldest first."""
    return sorted(p for p in (root / kind).iterdir() if p.is_dir() and not p.name.startswith("."))


@pytest.fixture(autouse=True)
def _isolated_models(tmp_path_factory, monkeypatch):
    """No test reads or writes the project's real models/ folder."""
    root = tmp_path_factory.getbasetemp() / "models"
    monkeypatch.setenv("STANCE_MODELS_DIR", str(root))
    monkeypatch.setenv("STANCE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    return root


@pytest.fixture(scope="session")
def small_data():
    from classifier.data.labeled import load_labeled

    return load_labeled([SMALL_TRAIN])


@pytest.fixture(scope="session")
def fast_model(small_data):
    """A fast model trained in well under a second; enough to test behaviour, not accuracy."""
    from classifier.models.estimator import StanceClassifier

    return StanceClassifier("fast").fit(list(small_data["text"]), small_data["label"])


@pytest.fixture(scope="session")
def accurate_model(small_data):
    """The real embedding model on tiny data: proves the bundled embedders load and run."""
    from classifier.models.estimator import StanceClassifier

    return StanceClassifier("accurate").fit(list(small_data["text"]), small_data["label"])
