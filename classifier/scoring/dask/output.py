"""The output folder: parts, a hidden record of the parts done so far, ``manifest.json``, ``_SUCCESS``.

While a job runs, ``.progress.json`` lists what the job is (inputs with their
sha256, model sha256, options, partitions) and each part finished so far with its
rows and sha256. ``manifest.json`` (the same record) and then ``_SUCCESS`` appear
only when every part is in, so a reader who sees ``_SUCCESS`` sees a whole result.
``--resume`` reuses a part only if the job is the same and the part's bytes still
hash to what was recorded.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from ...data.files import atomic_output
from ...exceptions import InputError
from .plan import Part

MANIFEST = "manifest.json"
SUCCESS = "_SUCCESS"
PROGRESS = ".progress.json"
FORMAT = 1


def _ours(path: Path) -> bool:
    name = path.name
    return name.startswith(("part-", ".part-")) or name in (MANIFEST, SUCCESS, PROGRESS)


def prepare(folder: Path, *, inputs: list[Path], overwrite: bool, resume: bool) -> None:
    """Refuse an existing folder unless asked; with ``overwrite`` remove the parts of an earlier job."""
    resolved = folder.resolve()
    for path in inputs:
        if resolved in path.resolve().parents:
            raise InputError(
                f"{folder}: holds the input {path}; the input is never modified. Choose another -o."
            )
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: is a file. Give -o the path of a folder for the parts.")
    if folder.exists() and not resume:
        if not overwrite:
            raise InputError(
                f"{folder}: already exists. Use --overwrite to replace its parts, --resume to continue an "
                "earlier run, or choose another -o."
            )
        for path in sorted(folder.iterdir(), key=lambda p: p.name != SUCCESS):  # _SUCCESS goes first
            if path.is_file() and _ours(path):
                path.unlink()
    folder.mkdir(parents=True, exist_ok=True)


def identity(sources, parts: list[Part], *, model: dict, options: dict) -> dict:
    """What makes two runs the same job: inputs and their hashes, model, options, partitions."""
    from dataclasses import asdict

    return {
        "format": FORMAT,
        "inputs": [asdict(s) for s in sources],
        "model": model,
        "options": options,
        "plan": [{k: v for k, v in p.record().items() if k != "index"} for p in parts],
    }


def previous(folder: Path) -> dict | None:
    """The record of an earlier run into ``folder``: its manifest, else its progress record."""
    for name in (MANIFEST, PROGRESS):
        try:
            return json.loads((folder / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            return None  # unreadable: nothing can be trusted, every part is redone
    return None


def reusable(folder: Path, job: dict, earlier: dict | None) -> dict[int, dict]:
    """Records of the parts an earlier, identical job finished whose files are still intact."""
    from ...data.files import sha256_file

    if earlier is None:
        return {}
    again = "Run with --overwrite instead of --resume to start over."
    for key, what in (("inputs", "the input files (or their contents)"), ("model", "the model")):
        if earlier.get(key) != job[key]:
            raise InputError(f"{folder}: {what} differ from the earlier run's. {again}")
    for key, value in job["options"].items():
        if earlier.get("options", {}).get(key) != value:
            old = earlier.get("options", {}).get(key)
            raise InputError(f"{folder}: {key} was {old!r} in the earlier run, now {value!r}. {again}")
    if earlier.get("plan") != job["plan"]:
        raise InputError(f"{folder}: the earlier run cut the input into other partitions. {again}")
    kept = {}
    for record in earlier.get("parts", []):
        path = folder / record["name"]
        if path.is_file() and sha256_file(path) == record["sha256"]:
            kept[record["index"]] = record
    return kept


def save_progress(folder: Path, job: dict, done: dict[int, dict]) -> None:
    with atomic_output(folder / PROGRESS) as fh:
        json.dump({**job, "parts": [done[i] for i in sorted(done)]}, fh, indent=1, ensure_ascii=False)


def unfinish(folder: Path, job: dict, done: dict[int, dict]) -> None:
    """Mark the folder as in progress: no ``_SUCCESS`` and no manifest until every part is back."""
    with contextlib.suppress(FileNotFoundError):
        (folder / SUCCESS).unlink()
    save_progress(folder, job, done)
    with contextlib.suppress(FileNotFoundError):
        (folder / MANIFEST).unlink()


def finish(folder: Path, job: dict, done: dict[int, dict], *, extra: dict) -> None:
    """Write ``manifest.json`` and then ``_SUCCESS``; drop the progress record and stray temp files."""
    with atomic_output(folder / MANIFEST) as fh:
        record = {**job, **extra, "parts": [done[i] for i in sorted(done)]}
        json.dump(record, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    with atomic_output(folder / SUCCESS) as fh:
        fh.write("")
    for path in folder.iterdir():
        if path.name == PROGRESS or (path.name.startswith(".part-") and path.name.endswith(".tmp")):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
