"""The output of a scoring run while it is being written, and what ``--resume`` needs to continue it.

A run writes into a hidden ``.OUTPUT.partial`` beside the target and renames it over
OUTPUT only when the last row is in, so OUTPUT is either absent or complete. After
every finished chunk the partial file is synced and a small ``.OUTPUT.resume.json``
records how many rows and bytes are done, which input (sha256), which model and
which settings produced them. A resumed run cuts the partial file back to that byte
count and goes on from that row, so its output is byte-identical to an
uninterrupted run's.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import gzip
import json
import os
import sys
from pathlib import Path

from ..data.files import atomic_output
from ..exceptions import DataError, InputError

STATE_FORMAT = 1


def partial_path(target: Path) -> Path:
    return target.parent / f".{target.name}.partial"


def state_path(target: Path) -> Path:
    return target.parent / f".{target.name}.resume.json"


def _codec(encoding: str) -> tuple[bytes, str]:
    """BOM to write once and the codec for everything after it, so appending never repeats a BOM."""
    name = codecs.lookup(encoding).name
    if name == "utf-8-sig":
        return codecs.BOM_UTF8, "utf-8"
    if name in ("utf-16", "utf-32"):
        order = "le" if sys.byteorder == "little" else "be"
        bom = {"utf-16": {"le": codecs.BOM_UTF16_LE, "be": codecs.BOM_UTF16_BE}}.get(name)
        bom = bom or {"le": codecs.BOM_UTF32_LE, "be": codecs.BOM_UTF32_BE}
        return bom[order], f"{name}-{order}"
    return b"", name


class PartialOutput:
    """Bytes of OUTPUT written so far, in a hidden locked file beside it.

    Parameters
    ----------
    target : Path
        Where the finished output goes.
    encoding : str
        Output encoding; a BOM-carrying one gets its BOM exactly once.
    compress : bool
        Write each chunk as its own gzip member (deterministic, so resumable).
    resume_bytes : int, optional
        Continue a partial file cut back to this many bytes instead of starting anew.
    """

    def __init__(self, target: Path, *, encoding: str, compress: bool, resume_bytes: int | None = None):
        self.target = target
        self.path = partial_path(target)
        self.compress = compress
        self.encoding = encoding
        bom, self._codec = _codec(encoding)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        self._fh = os.fdopen(fd, "r+b", buffering=1 << 20)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._fh.close()
            raise InputError(
                f"{target}: another 'stance score' is writing this output now; wait for it or choose "
                "another -o."
            ) from None
        if resume_bytes is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(state_path(target))  # first: a stale record must never describe new bytes
            self._fh.truncate(0)
            self.bytes = 0
            if bom:
                self._write_bytes(bom)
        else:
            if os.fstat(fd).st_size < resume_bytes:
                self._fh.close()
                raise DataError(
                    f"{self.path}: shorter than the interrupted run recorded; run without --resume to "
                    "start over."
                )
            self._fh.truncate(resume_bytes)
            self._fh.seek(resume_bytes)
            self.bytes = resume_bytes

    def _write_bytes(self, data: bytes) -> None:
        if self.compress:
            data = gzip.compress(data, compresslevel=6, mtime=0)
        self._fh.write(data)
        self.bytes += len(data)

    def write(self, text: str) -> None:
        """Append one chunk of rows (one gzip member when compressing)."""
        try:
            data = text.encode(self._codec)
        except UnicodeEncodeError as exc:
            raise DataError(
                f"{self.target}: the character {exc.object[exc.start]!r} cannot be written in "
                f"{self.encoding}; choose --output-encoding utf-8."
            ) from None
        self._write_bytes(data)

    def sync(self) -> int:
        """Make everything written so far durable; returns the byte count to record."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return self.bytes

    def commit(self) -> None:
        """Move the complete file over the target in one step."""
        self.sync()
        os.replace(self.path, self.target)
        self._fh.close()

    def close(self) -> None:
        """Stop writing but keep the partial file for ``--resume``."""
        with contextlib.suppress(OSError):
            self._fh.flush()
        self._fh.close()


def load_state(target: Path) -> dict | None:
    """The record of an interrupted run towards ``target``, or None when there is none to use."""
    path = state_path(target)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None  # an unreadable record is no record: the run starts over
    if state.get("format") != STATE_FORMAT or not partial_path(target).exists():
        return None
    return state


def save_state(target: Path, state: dict) -> None:
    with atomic_output(state_path(target)) as fh:
        json.dump({"format": STATE_FORMAT, **state}, fh, indent=1, ensure_ascii=False)


def check_resumable(target: Path, state: dict, *, input_sha256: str, model_id: str, settings: dict) -> None:
    """Refuse to continue with another input, model or settings than the interrupted run used."""
    again = "Run without --resume to start over."
    if state.get("input_sha256") != input_sha256:
        raise InputError(f"{state.get('input')}: changed since the interrupted run towards {target}. {again}")
    if state.get("model") != model_id:
        raise InputError(f"the model differs from the one the interrupted run towards {target} used. {again}")
    old = state.get("settings", {})
    for key, value in settings.items():
        if old.get(key) != value:
            raise InputError(
                f"{key} was {old.get(key)!r} in the interrupted run towards {target}, now {value!r}. "
                f"Use the same options, or {again[0].lower()}{again[1:]}"
            )


def clear(target: Path) -> None:
    """Forget an interrupted run: its partial file and its record."""
    for path in (partial_path(target), state_path(target)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
