"""``POST /score``: stream an upload to a private temporary folder, score it, stream the result back.

The body is parsed as it arrives (python-multipart's streaming parser), so a file
is never held whole in memory and an upload over the limit is refused as soon as
it passes it. Scoring is :func:`classifier.scoring.score_csv` with the server's
already-loaded estimator. The folder is removed once the response is sent, and
also when the client goes away halfway.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import tempfile
from pathlib import Path

import anyio
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response

from ..exceptions import StanceError
from .guards import status_for, too_large

FIELDS = ("text_column", "min_confidence", "sep", "encoding")
MAX_FIELD_BYTES = 1_000
SCORE_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "CSV, .csv.gz, .xlsx"},
                        "text_column": {"type": "string", "description": "default: found by name"},
                        "min_confidence": {"type": "number", "minimum": 0, "maximum": 1},
                        "sep": {"type": "string", "description": "input delimiter (default: sniffed)"},
                        "encoding": {"type": "string", "description": "e.g. cp1252 (default: UTF-8)"},
                    },
                }
            }
        },
    },
    "responses": {"200": {"description": "the scored file", "content": {"text/csv": {}}}},
}


class UploadRefused(Exception):
    """An upload that cannot be scored: the status code and the one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _CleanupFileResponse(FileResponse):
    """A file response that removes its folder when done, however it ends (sent, failed, cut off)."""

    def __init__(self, path: Path, *, folder: Path, **kwargs) -> None:
        super().__init__(path, **kwargs)
        self.folder = folder

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def safe_name(filename: str) -> str:
    """The client's file name reduced to a plain name in our folder: never a path it chose."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^\w.\- ]", "_", name).strip(" .")[:120]
    return name or "upload.csv"


class _FormReader:
    """python-multipart callbacks: the ``file`` part to disk, the small fields to memory."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.fields: dict[str, str] = {}
        self.path: Path | None = None
        self._headers: dict[bytes, bytes] = {}
        self._field: bytes = b""
        self._value: bytes = b""
        self._name: str | None = None
        self._out = None
        self._buffer = bytearray()

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._begin,
            "on_header_field": lambda d, s, e: setattr(self, "_field", self._field + d[s:e]),
            "on_header_value": lambda d, s, e: setattr(self, "_value", self._value + d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def _begin(self) -> None:
        self._headers, self._name, self._buffer = {}, None, bytearray()

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if self._name == "file":
            if self.path is not None:
                raise UploadRefused(400, "more than one file in the upload; send one file per request")
            filename = options.get(b"filename", b"").decode("utf-8", "replace")
            self.path = self.folder / safe_name(filename)
            self._out = self.path.open("wb")
        elif self._name not in FIELDS:
            raise UploadRefused(
                400, f"unknown form field '{self._name}'; send 'file' and optionally {', '.join(FIELDS)}"
            )

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._out is not None:
            self._out.write(data[start:end])
            return
        self._buffer += data[start:end]
        if len(self._buffer) > MAX_FIELD_BYTES:
            raise UploadRefused(400, f"form field '{self._name}' is too long; send at most {MAX_FIELD_BYTES}")

    def _end(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        elif self._name:
            self.fields[self._name] = self._buffer.decode("utf-8", "replace").strip()

    def close(self) -> None:
        if self._out is not None:
            self._out.close()


async def receive_upload(request: Request, folder: Path, *, limit: int) -> tuple[Path, dict[str, str]]:
    """Stream the multipart body into ``folder``, counting bytes; the file's path and the fields."""
    kind, options = parse_options_header(request.headers.get("content-type"))
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise UploadRefused(
            400, "send the file as multipart/form-data in the field 'file' (curl -F file=@answers.csv)"
        )
    reader = _FormReader(folder)
    parser = MultipartParser(options[b"boundary"], reader.callbacks())
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise UploadRefused(413, too_large(None, limit))
            parser.write(chunk)
        parser.finalize()
    finally:
        reader.close()
    if reader.path is None:
        raise UploadRefused(400, "no file in the upload; send the CSV in the form field 'file'")
    return reader.path, reader.fields


def _options(fields: dict[str, str]) -> dict:
    """The form fields as :func:`~classifier.scoring.score_csv` options; empty means default."""
    options = {key: fields.get(key) or None for key in ("text_column", "sep", "encoding")}
    raw = fields.get("min_confidence") or "0"
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise UploadRefused(422, f"min_confidence '{raw}' is not a number between 0 and 1; send e.g. 0.7")
    options["min_confidence"] = value
    return options


async def score_upload(
    request: Request, *, estimator, limit: int, workdir: Path | None, limiter=None
) -> Response:
    """The whole ``/score`` exchange; errors are JSON with the message ``stance score`` gives.

    Scoring runs in one thread (``workers=1``): forking worker processes from a threaded
    server is unsafe, and concurrent requests already share the cores. ``limiter`` bounds
    how many model calls run at once.
    """
    from ..scoring import default_output, score_csv

    folder = Path(tempfile.mkdtemp(prefix="stance-upload-", dir=workdir))
    handed_over = False
    try:
        source, fields = await receive_upload(request, folder, limit=limit)
        target = default_output(source)
        work = functools.partial(score_csv, source, target, model=estimator, workers=1, **_options(fields))
        summary = await anyio.to_thread.run_sync(work, limiter=limiter)
        counts = {"rows": summary.rows, "empty": summary.empty, "labels": dict(summary.labels)}
        response = _CleanupFileResponse(
            target,
            folder=folder,
            media_type="application/gzip" if target.suffix == ".gz" else "text/csv",
            filename=target.name,
            headers={
                "X-Stance-Summary": json.dumps(counts),
                "Access-Control-Expose-Headers": "X-Stance-Summary",
            },
        )
        handed_over = True
        return response
    except UploadRefused as exc:
        return JSONResponse({"error": str(exc)}, exc.status)
    except StanceError as exc:
        # the message stance score prints, with the file named as the user named it
        message = str(exc).replace(f"{folder}/", "")
        return JSONResponse({"error": message}, status_for(exc))
    except ClientDisconnect:
        return Response(status_code=400)  # nobody is listening; the folder goes below
    finally:
        if not handed_over:
            shutil.rmtree(folder, ignore_errors=True)
