"""Helpers every command shares: one-line errors, argument types, model loading, progress."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import MODEL_KINDS

MODEL_HELP = f"{' or '.join(MODEL_KINDS)} (the active version of that kind), or the path of a model folder"


def err(message: str) -> None:
    print(message, file=sys.stderr)


def probability(text: str) -> float:
    """argparse type for a number in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 1")
    return value


def load(spec: str, root: Path | None = None):
    """The model a user named, as a :class:`classifier.predict.LoadedModel`."""
    from ..predict import load as load_model

    return load_model(spec, root=root, notify=err)


def progress(total: int, desc: str, unit: str = "fold"):
    """A progress bar on stderr, shown only on a terminal."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=None, leave=False, file=sys.stderr)


def models_root(args) -> Path | None:
    return Path(args.models_dir) if getattr(args, "models_dir", None) else None


def add_models_dir(p) -> None:
    p.add_argument("--models-dir", metavar="DIR", help="models folder (default: the project's models/)")
