"""Model versions on disk: one folder per training, one ``ACTIVE`` pointer per kind.

Layout::

    models/<kind>/<version>/model.joblib, metadata.json, MODEL_CARD.md
    models/<kind>/ACTIVE       id of the version in use
    models/<kind>/HISTORY      ids that were active before, one per line (for rollback)

A kind without ``ACTIVE`` is answered by the model shipped with the project
(``config.shipped_models_dir()``), so rolling back past the first trained version
removes the pointer instead of refusing.

A version is written in a hidden staging folder and renamed into place when
complete, and the pointer is replaced atomically under a lock, so a crash or two
trainings at once never leave a half-written or inconsistent registry.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from ..config import MODEL_KINDS, models_dir, shipped_models_dir
from ..data.files import atomic_output
from ..exceptions import InputError, ModelError
from .persistence import check_model, read_metadata

STAGING_MAX_AGE = 3600.0  # seconds; no training on this machine takes near an hour to write its files


@dataclass
class Version:
    kind: str
    id: str
    folder: Path
    metadata: dict | None
    problem: str | None
    active: bool
    shipped: bool = False


def kind_dir(kind: str, root: Path | None = None) -> Path:
    if kind not in MODEL_KINDS:
        raise InputError(f"unknown model kind '{kind}'; use one of {', '.join(MODEL_KINDS)} or a path")
    return (root or models_dir()) / kind


@contextlib.contextmanager
def locked(kind: str, root: Path | None = None) -> Iterator[None]:
    folder = kind_dir(kind, root)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def active_id(kind: str, root: Path | None = None) -> str | None:
    try:
        return (kind_dir(kind, root) / "ACTIVE").read_text().strip() or None
    except FileNotFoundError:
        return None


def history(kind: str, root: Path | None = None) -> list[str]:
    try:
        return (kind_dir(kind, root) / "HISTORY").read_text().split()
    except FileNotFoundError:
        return []


def _write_pointer(kind: str, version_id: str | None, root: Path | None, *, remember_previous: bool) -> None:
    folder = kind_dir(kind, root)
    previous = active_id(kind, root)
    if remember_previous and previous and previous != version_id:
        _write_history(kind, [*history(kind, root), previous], root)
    if version_id is None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(folder / "ACTIVE")
        return
    with atomic_output(folder / "ACTIVE") as fh:
        fh.write(version_id + "\n")


def staging_folder(kind: str, root: Path | None = None) -> Path:
    """A fresh hidden folder to write a new version into."""
    # microseconds keep ids in creation order even for trainings within one second
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")
    version_id = f"{stamp}-{secrets.token_hex(3)}"
    folder = kind_dir(kind, root) / f".staging-{version_id}"
    folder.mkdir(parents=True)
    return folder


def clean_staging(kind: str, root: Path | None = None, *, older_than: float = STAGING_MAX_AGE) -> list[str]:
    """Remove staging folders of killed trainings; a younger one may belong to a training still running."""
    folder = kind_dir(kind, root)
    if not folder.is_dir():
        return []
    now, removed = time.time(), []
    for sub in folder.glob(".staging-*"):
        with contextlib.suppress(FileNotFoundError):
            if sub.is_dir() and now - sub.stat().st_mtime > older_than:
                shutil.rmtree(sub, ignore_errors=True)
                removed.append(sub.name)
    return removed


def commit_version(staging: Path, kind: str, *, activate: bool, root: Path | None = None) -> str:
    """Rename a complete staging folder into a version; optionally make it active."""
    version_id = staging.name.removeprefix(".staging-")
    with locked(kind, root):
        os.rename(staging, kind_dir(kind, root) / version_id)
        if activate:
            _write_pointer(kind, version_id, root, remember_previous=True)
    return version_id


def list_versions(kind: str, root: Path | None = None) -> list[Version]:
    folder = kind_dir(kind, root)
    if not folder.exists():
        return []
    current = active_id(kind, root)
    out = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            meta, problem = check_model(sub), None
        except ModelError as exc:
            meta, problem = None, str(exc)
        out.append(Version(kind, sub.name, sub, meta, problem, sub.name == current))
    return out


def version_folder(kind: str, version_id: str, root: Path | None = None) -> Path:
    folder = kind_dir(kind, root) / version_id
    if not version_id or version_id.startswith(".") or not folder.is_dir():
        known = ", ".join(v.id for v in list_versions(kind, root)) or "none"
        raise InputError(f"no {kind} model version '{version_id}'; versions: {known}. See 'stance models'.")
    return folder


def promote(kind: str, version_id: str, root: Path | None = None) -> None:
    folder = version_folder(kind, version_id, root)
    check_model(folder)
    with locked(kind, root):
        _write_pointer(kind, version_id, root, remember_previous=True)


def shipped_version(kind: str, root: Path | None = None) -> Version | None:
    """The model shipped for ``kind``, or None; active when no trained version is and it loads here.

    Its metadata is read even when it cannot be used here (another scikit-learn), so a
    listing can still say which model it is and why it does not answer.
    """
    kind_dir(kind, root)  # refuses an unknown kind
    folder = shipped_models_dir() / kind
    if not (folder / "metadata.json").is_file():
        return None
    try:
        check_model(folder)
        problem = None
    except ModelError as exc:
        problem = str(exc)
    try:
        meta = read_metadata(folder)
    except ModelError:
        meta = None
    version_id = str((meta or {}).get("version") or "shipped")
    active = problem is None and active_id(kind, root) is None
    return Version(kind, version_id, folder, meta, problem, active, shipped=True)


def rollback(kind: str, root: Path | None = None) -> Version:
    """Make the previously active, still intact version active again; return it.

    Before the first trained version the shipped model answered, so rolling back past it
    removes the pointer and the shipped model answers again; without a usable shipped
    model that is refused, as there would be nothing to answer with.
    """
    with locked(kind, root):
        past = history(kind, root)
        current = active_id(kind, root)
        while past:
            candidate = past.pop()
            folder = kind_dir(kind, root) / candidate
            if candidate != current and folder.is_dir():
                try:
                    meta = check_model(folder)
                except ModelError:
                    continue
                _write_history(kind, past, root)
                _write_pointer(kind, candidate, root, remember_previous=False)
                return Version(kind, candidate, folder, meta, None, True)
        shipped = shipped_version(kind, root)
        if current is not None and shipped is not None and shipped.problem is None:
            _write_history(kind, past, root)
            _write_pointer(kind, None, root, remember_previous=False)
            return replace(shipped, active=True)
    message = f"no earlier {kind} version to roll back to"
    if current is None and shipped is not None and shipped.active:
        message += "; the shipped model is already in use"
    elif current is not None and shipped is not None:
        message += f"; the shipped model cannot be used here: {shipped.problem.rstrip('.')}"
    raise InputError(f"{message}. See 'stance models'.")


def _write_history(kind: str, ids: list[str], root: Path | None) -> None:
    with atomic_output(kind_dir(kind, root) / "HISTORY") as fh:
        fh.write("".join(f"{p}\n" for p in ids))


def remove(kind: str, version_id: str, root: Path | None = None) -> None:
    folder = version_folder(kind, version_id, root)
    with locked(kind, root):
        if active_id(kind, root) == version_id:
            raise InputError(f"version {version_id} is the active {kind} model; promote another one first.")
        shutil.rmtree(folder)


def usable_here(folder: Path) -> bool:
    """Whether a model folder can answer here: it has an exported scorer (plain arrays), or its
    pickle was saved by the scikit-learn installed here (pickles are not portable).

    A newer scikit-learn on a fresh install must not turn the shipped default into an error.
    The version is read from the package metadata: importing scikit-learn costs a second.
    """
    from importlib.metadata import PackageNotFoundError, version

    from .persistence import read_metadata

    meta = read_metadata(folder)
    if meta.get("scorer_sha256"):
        return True
    try:
        installed = version("scikit-learn")
    except PackageNotFoundError:
        return False
    return meta.get("versions", {}).get("scikit-learn") == installed


def resolve(spec: str, root: Path | None = None) -> Path | None:
    """Folder of the model a user named: a kind's active version, or a path they typed.

    A kind with no trained version of its own falls back to the model shipped with
    the project; None when neither exists or the shipped one was built by another
    scikit-learn than the one installed (the caller may then train one).
    """
    if spec in MODEL_KINDS:
        current = active_id(spec, root)
        if current:
            return kind_dir(spec, root) / current
        shipped = shipped_models_dir() / spec
        if not (shipped / "metadata.json").is_file():
            return None
        return shipped if usable_here(shipped) else None
    path = Path(spec)
    if path.is_file() and path.name.endswith(".joblib"):
        path = path.parent
    if not path.is_dir():
        raise InputError(
            f"model '{spec}' is neither {' nor '.join(MODEL_KINDS)} nor a model folder; "
            "give a kind or the path of a folder holding model.joblib and metadata.json."
        )
    return path
