"""``stance serve`` from the command line: options, the missing-extra error, the warning, a clean Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from classifier.cli import main

from .conftest import free_port


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--model", "--token", "--max-upload-mb"):
        assert option in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--port", "0"], "not a port"),
        (["--port", "http"], "not a port"),
        (["--max-upload-mb", "-1"], "above 0"),
    ],
)
def test_bad_options(capsys, argv, fragment):
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", *argv])
    assert exit_info.value.code == 2 and fragment in capsys.readouterr().err


def test_missing_extra_is_one_line_naming_the_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the serve extra were not installed
    assert main(["serve"]) == 1
    message = capsys.readouterr().err.strip()
    assert "\n" not in message and "pip install -e '.[serve]'" in message and "uvicorn" in message


@pytest.mark.parametrize(("host", "token", "warned"), [("0.0.0.0", None, True), ("0.0.0.0", "t", False)])
def test_open_host_without_token_warns(monkeypatch, capsys, model_dir, host, token, warned):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    argv = ["serve", "--host", host, "--model", str(model_dir), *(["--token", token] if token else [])]
    assert main(argv) == 0
    assert calls == [{"host": host, "port": 8000, "log_level": "warning"}]
    assert ("without --token" in capsys.readouterr().err) == warned


def test_default_binds_to_loopback(monkeypatch, capsys, model_dir):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    assert main(["serve", "--model", str(model_dir)]) == 0
    assert calls[0]["host"] == "127.0.0.1" and "warning" not in capsys.readouterr().err


def test_serves_and_stops_cleanly_on_ctrl_c(model_dir, tmp_path):
    port = free_port()
    env = {**os.environ, "STANCE_TOKEN": "tok"}
    argv = [sys.executable, "-m", "classifier", "serve", "--port", str(port), "--model", str(model_dir)]
    proc = subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        url = f"http://127.0.0.1:{port}/classify"
        assert httpx.post(url, json={"texts": ["We say no."]}).status_code == 401, "STANCE_TOKEN is used"
        answer = httpx.post(url, json={"texts": ["We say no."]}, headers={"Authorization": "Bearer tok"})
        assert answer.status_code == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
        err = proc.stderr.read()
        assert f"http://127.0.0.1:{port}/" in err and "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
