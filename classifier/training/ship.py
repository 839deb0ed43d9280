"""Retrain the models that ship with the project, after the bundled data changed.

    python -m classifier.training.ship            # both kinds
    python -m classifier.training.ship fast       # one kind

Each kind is trained on the bundled data exactly as ``stance train`` would (with its
cross-validation on the real statements recorded in the metadata), then copied into
the shipped-models folder in one rename, so a crash leaves the old model in place.
A test compares the shipped metadata's data fingerprint with the bundled files.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..config import MODEL_KINDS, shipped_models_dir
from .trainer import train


def ship(
    kind: str,
    *,
    n_repeats: int = 3,
    target_root: Path | None = None,
    data_paths: Sequence[Path] | None = None,
) -> Path:
    """Train ``kind`` on the bundled data (or ``data_paths``) into the shipped folder; returns it."""
    root = target_root or shipped_models_dir()
    root.mkdir(parents=True, exist_ok=True)
    target = root / kind
    with tempfile.TemporaryDirectory(dir=root, prefix=f".train-{kind}-") as tmp:
        result = train(kind, data_paths, root=Path(tmp), n_repeats=n_repeats, force=True)
        staging = Path(tmp) / "ready"
        shutil.copytree(result.folder, staging)
        old = Path(tmp) / "old"
        if target.exists():
            target.rename(old)
        staging.rename(target)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m classifier.training.ship", description="Retrain the shipped default models."
    )
    parser.add_argument(
        "kinds", nargs="*", metavar="KIND", help=f"{' or '.join(MODEL_KINDS)} (default: both)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="cross-validation repeats (default: 3)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.kinds) - set(MODEL_KINDS))
    if unknown:
        parser.error(f"unknown kind {unknown[0]!r}; choose from {', '.join(MODEL_KINDS)}")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    for kind in args.kinds or MODEL_KINDS:
        folder = ship(kind, n_repeats=args.repeats)
        print(f"{kind}: shipped to {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
