"""stance serve: run the HTTP API and a web page for people who never open a terminal.

Serve a page at http://HOST:PORT/ to classify statements and score CSV files, and the JSON API
behind it (documented at /docs). The model is loaded once; Ctrl-C stops.
"""

from __future__ import annotations

import argparse
import os

from ..config import DEFAULT_MODEL_KIND
from ..exceptions import StanceError
from .common import add_model_option, add_models_dir, command_parser, err, load, models_root

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_parser(sub) -> None:
    p = command_parser(sub, __doc__, run)
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s, this machine only)"
    )
    p.add_argument("--port", type=port, default=8000, help="port (default: %(default)s)")
    add_model_option(p, default=DEFAULT_MODEL_KIND)
    p.add_argument(
        "--token",
        default=os.environ.get("STANCE_TOKEN"),
        help="require 'Authorization: Bearer TOKEN' on /model, /classify and /score; /health, the page "
        "and /docs stay open, and the page asks for the token (default: the STANCE_TOKEN environment "
        "variable, which keeps it out of the process list)",
    )
    p.add_argument(
        "--max-upload-mb",
        type=megabytes,
        default=20,
        metavar="MB",
        help="largest upload (default: %(default)s)",
    )
    add_models_dir(p)


def port(text: str) -> int:
    """argparse type for a TCP port."""
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number between 1 and 65535")
    return int(text)


def megabytes(text: str) -> float:
    """argparse type for a positive size in MB."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size in MB above 0")
    return value


def run(args) -> int:
    try:
        import uvicorn

        from ..serve import create_app
    except ImportError as exc:
        raise StanceError(
            f"stance serve needs the serve extra ({exc.name} is not installed); "
            "install it with: pip install -e '.[serve]'"
        ) from None
    if args.host not in LOOPBACK and not args.token:
        err(
            f"stance: warning: serving on {args.host} without --token: anyone who can reach this machine "
            "can use the server. Add --token SECRET (or set STANCE_TOKEN)."
        )
    model = load(args.model, models_root(args))
    info = model.info()
    app = create_app(model, token=args.token, max_upload_mb=args.max_upload_mb)
    host = f"[{args.host}]" if ":" in args.host else args.host
    where = f"http://{host}:{args.port}/"
    err(f"stance: serving the {info['kind']} model {info['version']} at {where} (Ctrl-C stops)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
