"""Fixtures for the server: a saved tiny model, the app over it, and a real uvicorn on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import train_small, version_dirs

REAL_ACCURACY = {"macro_f1": 0.5912, "macro_f1_sd": 0.0512, "scheme": "dev set, bootstrap", "rows": 83}


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """A fast model folder trained through the CLI on the 16-row fixture (about a second)."""
    root = tmp_path_factory.mktemp("serve-models")
    assert train_small(root) == 0
    (version,) = version_dirs(root)
    return version


@pytest.fixture(scope="session")
def loaded(model_dir):
    """The saved model as the server gets it, through the one predict path."""
    from classifier.predict import load

    return load(model_dir)


@pytest.fixture(scope="session")
def measured(fast_model):
    """The in-memory fixture model with a measured accuracy in its metadata, as the page shows it."""
    from classifier.predict import LoadedModel

    meta = {"kind": "fast", "version": "20261130T000000.000000-test", "model_sha256": "0" * 64}
    return LoadedModel(estimator=fast_model, metadata={**meta, "real_accuracy": REAL_ACCURACY})


@pytest.fixture
def uploads(tmp_path) -> Path:
    """The folder the app keeps uploads in while it scores them; tests check it ends empty."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    return folder


@pytest.fixture
def make_client(loaded, uploads):
    """A function giving an ASGI test client over ``loaded`` with the given app options."""
    from fastapi.testclient import TestClient

    from classifier.serve import create_app

    def make(**options) -> TestClient:
        return TestClient(create_app(options.pop("model", loaded), workdir=uploads, **options))

    return make


@pytest.fixture
def client(make_client):
    return make_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving an app on a free loopback port in a thread of this process."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"uvicorn did not start on {self.url}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


@pytest.fixture
def live_server(measured, uploads) -> Iterator[LiveServer]:
    from classifier.serve import create_app

    with LiveServer(create_app(measured, workdir=uploads)) as server:
        yield server
