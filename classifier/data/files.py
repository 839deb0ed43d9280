"""Whole files: writing one so that it appears complete or not at all, and naming its content.

Models, version pointers, scored files, labels and reports are all written to a
temporary file in the target's folder and moved into place with ``os.replace``,
so a crash or Ctrl-C never leaves a half-written file where a whole one was.
A file's sha256 is how a saved model, the training data and a resumed scoring
run prove they are the files they claim to be.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_output(target: Path, *, mode: str = "w", encoding: str | None = "utf-8", newline=""):
    """Write to a temporary file beside ``target`` and move it into place only on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        if "b" in mode:
            fh = open(tmp, mode)
        else:
            fh = open(tmp, mode, encoding=encoding, newline=newline)
        with fh:
            yield fh
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give outputs the usual permissions
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
