"""A real uvicorn on loopback: uploads cut off halfway leave nothing behind; requests run concurrently."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx


def wait_until(condition, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_upload_cut_off_halfway_leaves_no_file(live_server, uploads):
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="half.csv"\r\n\r\ntext\n'
    body = head + b"We always say yes to the client.\n" * 2000
    request = (
        f"POST /score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {len(body) * 2}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as sock:
        sock.sendall(request + body)  # half of the promised length
        stored = lambda: [p for d in uploads.iterdir() for p in d.iterdir()]  # noqa: E731
        assert wait_until(lambda: any(p.stat().st_size > 10_000 for p in stored())), "upload being stored"
        assert [p.name for p in stored()] == ["half.csv"]
    assert wait_until(lambda: not any(uploads.iterdir())), "the folder is removed when the client goes away"
    assert httpx.get(f"{live_server.url}/health").status_code == 200, "the server carries on"


def test_download_cut_off_leaves_no_file(live_server, uploads):
    rows = b"".join(b"We say no to customer %d after six.\n" % i for i in range(20_000))
    body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\ntext\n' + rows
    body += b"\r\n--b--\r\n"
    request = (
        f"POST /score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=60) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(request + body)
        assert sock.recv(1024).startswith(b"HTTP/1.1 200"), "the scored file starts to come back"
    assert wait_until(lambda: not any(uploads.iterdir()), 60), (
        "the folder is removed when the client goes away"
    )


def test_requests_are_answered_concurrently(live_server):
    texts = [f"We say no to customer {i} after six." for i in range(10)]

    def ask(i: int) -> list[str]:
        response = httpx.post(f"{live_server.url}/classify", json={"texts": texts}, timeout=30)
        response.raise_for_status()
        return [r["label"] for r in response.json()["results"]]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(32)))
    assert all(a == answers[0] for a in answers), "the same statements get the same labels under load"


def test_the_folder_goes_when_the_client_leaves_during_the_download(tmp_path):
    import anyio

    from classifier.serve.upload import _CleanupFileResponse

    folder = tmp_path / "stance-upload-x"
    folder.mkdir()
    (folder / "a.scored.csv").write_bytes(b"x" * 300_000)
    response = _CleanupFileResponse(folder / "a.scored.csv", folder=folder)
    sent = []

    async def send(message):
        sent.append(message["type"])
        if message["type"] == "http.response.body":
            raise OSError("the client went away")

    async def receive():
        await anyio.sleep(10)
        return {"type": "http.disconnect"}

    scope = {"type": "http", "method": "GET", "path": "/score", "headers": []}
    try:
        anyio.run(response, scope, receive, send)
    except BaseException as exc:  # noqa: BLE001 - how the cut surfaces depends on Starlette's version
        assert "went away" in repr(exc)
    assert sent[:2] == ["http.response.start", "http.response.body"] and not folder.exists()
