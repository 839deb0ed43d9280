"""The ``stance`` command: parse, call the library, print. Nothing else lives here.

One module per command, each with ``add_parser(sub)`` and ``run(args) -> int``.
Heavy libraries are imported inside ``run`` so that ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..exceptions import StanceError
from . import classify, evaluate, label, learning_curve, models, review, score, serve, train
from .common import err

COMMANDS = (classify, score, train, evaluate, label, models, review, learning_curve, serve)


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line: what is wrong, and where the options are listed."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}. See '{self.prog} --help'.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="stance",
        description="Label statements about demanding customers as customer_is_king or sets_limits.",
        epilog="Run 'stance COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("stance-classifier")
    except PackageNotFoundError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except StanceError as exc:
        err(f"stance: error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        err("stance: interrupted; nothing was half-written")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
