"""``stance serve``: the HTTP API and the web page, over one model loaded once.

Needs the ``serve`` extra (``pip install -e '.[serve]'``): FastAPI, uvicorn,
python-multipart and fastapi-offline (Swagger UI's files, so ``/docs`` needs no
other host).
"""

from __future__ import annotations

from .app import MAX_TEXTS, create_app

__all__ = ["MAX_TEXTS", "create_app"]
