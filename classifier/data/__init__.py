"""Tables in, validated statements out: the first stage every statement passes.

Owns reading real-world delimited files, spreadsheets and Parquet (:mod:`.csvio`),
finding the text column (:mod:`.columns`), validating and merging labeled data
with the bundled files (:mod:`.labeled`), and whole-file writes and hashes
(:mod:`.files`). May import only :mod:`classifier.config` and
:mod:`classifier.exceptions`: every later stage builds on it, so it builds on none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["data_fingerprint", "load_labeled", "read_table"]

if TYPE_CHECKING:
    from .labeled import data_fingerprint, load_labeled, read_table


def __getattr__(name: str):
    # lazy, so that writing a file (``.files``) does not pay for importing pandas
    if name in __all__:
        from . import labeled

        return getattr(labeled, name)
    raise AttributeError(f"module 'classifier.data' has no attribute {name!r}")
