"""The FastAPI app: one loaded model behind ``/health``, ``/model``, ``/classify``, ``/score`` and a page.

Every label goes through :mod:`classifier.predict` (``/classify``) or
:func:`classifier.scoring.score_csv` (``/score``), so the server answers exactly
what ``stance classify --json`` and ``stance score`` would. Errors are JSON
``{"error": "..."}`` with a status code; library errors keep their message.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import anyio
from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPBearer
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..config import LABELS, UNCERTAIN
from ..exceptions import StanceError
from ..predict import LoadedModel, predict
from .guards import BearerToken, BodyLimit, status_for
from .upload import SCORE_OPENAPI, score_upload

STATIC = Path(__file__).parent / "static"
MAX_TEXTS = 10_000  # per /classify request; more belongs in a CSV sent to /score
PAGE_HEADERS = {
    # the page loads nothing from other hosts, and no statement can ever run as a script
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


class ClassifyRequest(BaseModel):
    texts: list[str] = Field(description=f"statements to label, at most {MAX_TEXTS:,}")
    min_confidence: float = Field(0.0, ge=0.0, le=1.0, description=f"'{UNCERTAIN}' below this")


def create_app(
    model: LoadedModel,
    *,
    token: str | None = None,
    max_upload_mb: float = 20,
    workdir: Path | None = None,
):
    """An ASGI app serving ``model``; ``token`` guards every endpoint but ``/health`` and the page.

    ``workdir`` is where uploads are stored while they are scored (default: the
    system's temporary folder); each upload gets its own folder there, removed
    after the response.
    """
    limit = int(max_upload_mb * 1024 * 1024)
    info = model.info()
    # model work runs in threads, at most one per core: more would only queue for the GIL and the
    # cores, and starve the event loop that reads requests and answers /health
    cores = anyio.CapacityLimiter(len(os.sched_getaffinity(0)))
    app = FastAPIOffline(
        title="stance",
        version=str(info.get("version") or "unknown"),
        description="Label statements about demanding customers as customer_is_king or sets_limits.",
    )
    if token:
        app.add_middleware(BearerToken, token=token)
    app.add_middleware(BodyLimit, limit=limit)
    protected = [Depends(HTTPBearer(auto_error=False))] if token else []  # for the /docs Authorize button
    _add_error_handlers(app)

    @app.get("/health", summary="Is the server up, and which model answers")
    def health() -> dict:
        return {"status": "ok", "model": info}

    @app.get(
        "/model", summary="The model and its measured accuracy on real statements", dependencies=protected
    )
    def model_info() -> dict:
        accuracy = model.metadata.get("real_accuracy")
        return {
            "model": info,
            "real_accuracy": accuracy if isinstance(accuracy, dict) else None,
            "labels": list(LABELS),
            "uncertain": UNCERTAIN,
            "max_texts": MAX_TEXTS,
            "max_upload_mb": max_upload_mb,
        }

    @app.post("/classify", summary="Label statements, in input order", dependencies=protected)
    async def classify(body: ClassifyRequest) -> dict:
        if len(body.texts) > MAX_TEXTS:
            raise HTTPException(
                413,
                f"{len(body.texts):,} texts in one request; send at most {MAX_TEXTS:,}, "
                "or upload them as a CSV file to /score",
            )
        for i, text in enumerate(body.texts):
            if not text.strip():
                raise HTTPException(422, f"texts[{i}] is empty; give some text to classify, or leave it out")
        work = functools.partial(predict, model, body.texts, min_confidence=body.min_confidence)
        rows = await anyio.to_thread.run_sync(work, limiter=cores)
        return {"results": [row.as_json() for row in rows], "model": info}

    @app.post(
        "/score",
        summary="Score an uploaded CSV file; answers the scored file",
        dependencies=protected,
        openapi_extra=SCORE_OPENAPI,
        response_class=FileResponse,
    )
    async def score(request: Request):
        return await score_upload(
            request, estimator=model.estimator, limit=limit, workdir=workdir, limiter=cores
        )

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _add_error_handlers(app) -> None:
    """Every error as ``{"error": one line}``: what went wrong and what to send instead."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = {
            404: f"nothing at {request.url.path}; the endpoints are listed at /docs",
            405: f"{request.method} is not allowed on {request.url.path}; the endpoints are listed at /docs",
        }.get(exc.status_code, exc.detail)
        return JSONResponse({"error": str(message)}, exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"][1:]).lstrip(".")
        example = '{"texts": ["a statement", "another"], "min_confidence": 0.0}'
        message = f"{where or 'body'}: {first['msg']}; send JSON like {example}"
        return JSONResponse({"error": message}, 422)

    @app.exception_handler(StanceError)
    async def stance_error(request: Request, exc: StanceError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_for(exc))

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> JSONResponse:  # logged by uvicorn as well
        message = f"the server failed ({type(exc).__name__}); its log has the details. Please report it."
        return JSONResponse({"error": message}, 500)
