"""Reading real-world delimited text and writing outputs atomically.

One reader serves the labeled data and batch scoring alike, so both accept the
same files: UTF-8 with or without BOM, UTF-16 with BOM, an explicit encoding on
request, ``,`` ``;`` tab or ``|`` (sniffed), quoted newlines, ``.gz``.
Cells are always text: ``NA`` or ``null`` stay the strings they are.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..exceptions import DataError, NotTextError

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 64 * 1024
csv.field_size_limit(2**31 - 1)
# Known non-text files people pick by mistake, by their first bytes.
MAGIC = {
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"%PDF-": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (an Excel workbook must be named .xlsx)",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip file (name it .gz)",
}


def refuse_binary(path: Path, head: bytes, encoding: str | None) -> None:
    """Refuse a file that is not text: known magic, NUL characters or undecodable bytes in ``head``."""
    for magic, what in MAGIC.items():
        if head.startswith(magic):
            raise NotTextError(f"{path}: is {what}, not CSV text. Give a CSV, .xlsx or .parquet file.")
    if encoding is None:
        return
    nul = "looks like a binary file, not CSV text (NUL characters in the first 64 KB). Give a CSV file."
    if b"\x00" in head and "16" not in encoding and "32" not in encoding:
        raise NotTextError(f"{path}: {nul}")
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError as exc:
        name = "UTF-8" if codecs.lookup(encoding).name == "utf-8" else encoding
        hint = "If it came from Excel, try --encoding cp1252." if name == "UTF-8" else "Give a text file."
        raise NotTextError(f"{path}: not valid {name} (byte {exc.start}). {hint}") from None
    if "\x00" in text:
        raise NotTextError(f"{path}: {nul}")


@dataclass(frozen=True)
class Dialect:
    """What was decided about a file: how to decode it and how to split it."""

    encoding: str
    sep: str


def _open_binary(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return open(path, "rb")


def check_readable(path: Path) -> None:
    if not path.exists():
        raise DataError(f"{path}: file not found. Check the path.")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a file. Give the path of a CSV file.")


def detect_encoding(path: Path, encoding: str | None = None) -> str:
    """Decide the encoding from the BOM and a prefix; never guess a legacy code page."""
    check_readable(path)
    try:
        with _open_binary(path) as fh:
            head = fh.read(_SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot be read ({exc}). Check the file.") from None
    refuse_binary(path, head, None)
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DataError(f"unknown encoding '{encoding}'. Try utf-8 or cp1252.") from None
        if codecs.lookup(encoding).name == "utf-8" and head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"  # an explicit utf-8 must not turn the BOM into part of a column name
    elif head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    refuse_binary(path, head, encoding)
    return encoding


def sniff_delimiter(sample: str) -> str:
    """Pick among ``, ; tab |``: the sniffer first, then the header line's counts."""
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


@contextlib.contextmanager
def open_text(path: Path, encoding: str) -> Iterator[IO[str]]:
    """Open for reading as text with universal newlines, as the csv module wants."""
    fh = _open_binary(path)
    try:
        yield io.TextIOWrapper(fh, encoding=encoding, newline="")
    finally:
        fh.close()


def detect_dialect(path: Path, *, sep: str | None = None, encoding: str | None = None) -> Dialect:
    """Encoding and delimiter of a file, with the user's overrides taking precedence."""
    enc = detect_encoding(path, encoding)
    if sep is None:
        with open_text(path, enc) as fh:
            try:
                sample = fh.read(_SNIFF_BYTES)
            except UnicodeDecodeError:
                raise DataError(f"{path}: cannot be decoded as {enc}. Try --encoding cp1252.") from None
        sep = sniff_delimiter(sample)
    if sep in ("\\t", "tab"):
        sep = "\t"
    if len(sep) != 1:
        raise DataError(f"delimiter must be one character, got {sep!r}. Try --sep ';'.")
    return Dialect(encoding=enc, sep=sep)


def check_header(path: Path, header: list[str]) -> list[str]:
    header = [h.strip() for h in header]
    seen: set[str] = set()
    for col, name in enumerate(header, 1):
        if name in seen:
            raise DataError(
                f"{path}: column name '{name}' appears twice in the header (column {col}). "
                "Rename one of them."
            )
        seen.add(name)
    return header


def iter_rows(path: Path, dialect: Dialect, *, start_line: int = 0) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, cells)`` for each data row; the header is yielded first as line 1.

    Ragged rows stop the read with their line number: guessing which cell is missing
    would silently shift a text into the wrong column. ``start_line``: skip unparsed to that row.
    """
    with open_text(path, dialect.encoding) as fh:
        reader = csv.reader(fh, delimiter=dialect.sep, strict=False)
        skipped = 0  # lines passed over without the reader (which does not count them)
        try:
            header = next(reader, None)
            if header is None:
                raise DataError(f"{path}: the file is empty. Give a CSV with a header row.")
            header = check_header(path, header)
            yield 1, header
            width = len(header)
            skipped = sum(1 for _ in itertools.islice(fh, max(0, start_line - reader.line_num - 1)))
            start = skipped + reader.line_num + 1
            for row in reader:
                if not row:
                    start = skipped + reader.line_num + 1
                    continue
                if len(row) != width:
                    raise DataError(
                        f"{path}: line {start} has {len(row)} fields, the header has {width}. "
                        "Check for an unquoted delimiter or a missing quote on that line."
                    )
                yield start, row
                start = skipped + reader.line_num + 1
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{path}: cannot be decoded as {dialect.encoding} near line {skipped + reader.line_num + 1}"
                f" ({exc.reason}). Try --encoding cp1252."
            ) from None
        except csv.Error as exc:
            raise DataError(f"{path}: line {skipped + reader.line_num}: {exc}. Check the quoting.") from None


def line_terminator(path: Path, dialect: Dialect) -> str:
    """``\\r\\n`` when the header line ends that way, so an output can keep the input's line endings."""
    with open_text(path, dialect.encoding) as fh:
        try:
            head = fh.read(_SNIFF_BYTES)
        except UnicodeDecodeError:
            return "\n"
    end = head.find("\n")
    return "\r\n" if end > 0 and head[end - 1] == "\r" else "\n"


def estimate_rows(path: Path, dialect: Dialect) -> int | None:
    """Rough row count from the rows in the first megabyte, for a progress bar's ETA only."""
    try:
        with open_text(path, dialect.encoding) as fh:
            head = fh.read(1 << 20)
        rows = sum(1 for _ in csv.reader(io.StringIO(head, newline=""), delimiter=dialect.sep, strict=False))
        size = path.stat().st_size
        if path.suffix == ".gz":
            with open(path, "rb") as raw:
                raw.seek(-4, os.SEEK_END)
                size = int.from_bytes(raw.read(4), "little")  # uncompressed size mod 4 GiB
    except (UnicodeDecodeError, OSError, EOFError, csv.Error):
        return None
    if rows < 2:
        return None
    sample = len(head.encode(dialect.encoding, "replace"))
    return max(rows - 1, int((rows - 1) * size / max(sample, 1)))
