"""What every request passes before an endpoint runs: the token and the size limit.

Both are plain ASGI middleware, so they answer before a body is read and also
guard endpoints added later (deny by default).
"""

from __future__ import annotations

import secrets

from starlette.responses import JSONResponse

from ..exceptions import DataError, InputError, StanceError

# Open without a token: health checks, and the pages a browser opens by URL (it cannot add a
# Bearer header there). They hold no statements and run no model; the page asks for the token.
PUBLIC_PATHS = {"/health", "/", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
PUBLIC_PREFIXES = ("/static/", "/static-offline-docs/")


def status_for(exc: StanceError) -> int:
    """400 for an option that cannot be used, 422 for a file that cannot be read, else 500."""
    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, DataError):
        return 422
    return 500


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class BearerToken:
    """Answer 401 to any request but the public ones without ``Authorization: Bearer TOKEN``."""

    def __init__(self, app, *, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and not _public(scope["path"]):
            given = _header(scope, b"authorization") or ""
            scheme, _, value = given.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                message = "this server needs a token: send the header 'Authorization: Bearer TOKEN'"
            elif not secrets.compare_digest(value.strip().encode(), self.token):
                message = "wrong token; send the one stance serve was started with (--token)"
            else:
                message = None
            if message:
                response = JSONResponse({"error": message}, 401, headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class BodyLimit:
    """Answer 413 at once to a request whose Content-Length is over the limit, before reading it.

    A body sent without a length is counted as it streams in by the upload reader.
    """

    def __init__(self, app, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            length = _header(scope, b"content-length")
            if length and length.isdigit() and int(length) > self.limit:
                response = JSONResponse({"error": too_large(int(length), self.limit)}, 413)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def too_large(size: int | None, limit: int) -> str:
    """The 413 message: how big, the limit, and the two ways out."""
    mb = limit / 1024 / 1024
    got = f" ({size / 1024 / 1024:,.1f} MB)" if size else ""
    return (
        f"the upload is over the server's limit of {mb:g} MB{got}; split the file, or restart the "
        f"server with a larger --max-upload-mb"
    )
