"""One small hierarchy of errors the CLI turns into one-line messages.

Every message names the problem (file, row, column where known) and the fix.
"""

from __future__ import annotations


class StanceError(Exception):
    """Base class: anything raised as a StanceError reaches the user as one line."""

    exit_code = 1


class InputError(StanceError):
    """A statement or a command-line argument that cannot be used."""

    exit_code = 2


class DataError(StanceError):
    """A data file that cannot be read or does not validate."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class ModelError(StanceError):
    """A saved model that is missing, tampered with, or built by another library version."""


class NotTextError(DataError):
    """A file given as a table that is not text at all (an image, an archive, random bytes)."""

    exit_code = 2
