"""Reading a table to score and shaping the output file: the input side and the output text.

Any file :mod:`classifier.data.csvio` reads can be scored; the output keeps the
input's delimiter and line endings, and never replaces the input itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import DataError, InputError

OUTPUT_COLUMNS = ("stance", "stance_confidence")


def refuse_scored_columns(columns: list[str], where: str) -> None:
    taken = [c for c in OUTPUT_COLUMNS if c in columns]
    if taken:
        raise DataError(
            f"{where}: already has a column '{taken[0]}' (scored before?); rename or drop it, "
            "or score the original file."
        )


@dataclass
class Source:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    sep: str
    encoding: str
    newline: str
    total: int | None


def open_source(path: Path, sep: str | None, encoding: str | None) -> Source:
    from ..data import csvio, sheets

    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".parquet"):
        if sep or encoding:
            raise InputError(f"{path}: --sep and --encoding apply to CSV input only; leave them out.")
        rows = sheets.iter_sheet_rows(path) if suffix == ".xlsx" else sheets.iter_parquet_rows(path)
        _, header = next(rows)
        return Source(header, rows, ",", "utf-8", "\n", None)
    dialect = csvio.detect_dialect(path, sep=sep, encoding=encoding)
    rows = csvio.iter_rows(path, dialect)
    _, header = next(rows)
    newline = csvio.line_terminator(path, dialect)
    return Source(header, rows, dialect.sep, dialect.encoding, newline, csvio.estimate_rows(path, dialect))


def default_output(path: Path) -> Path:
    """``NAME.scored.csv`` beside the input (``.csv.gz`` stays compressed)."""
    name = path.name
    compressed = name.lower().endswith(".gz")
    base = name[:-3] if compressed else name
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    return path.with_name(f"{stem}.scored.csv" + (".gz" if compressed else ""))


def check_target(path: Path, target: Path, *, overwrite: bool) -> None:
    if target.resolve() == path.resolve() or (target.exists() and target.samefile(path)):
        raise InputError(f"{target}: is the input file; the input is never modified. Choose another -o.")
    if target.is_dir():
        raise InputError(f"{target}: is a folder. Give -o the path of a file.")
    if not target.parent.is_dir():
        raise InputError(f"{target.parent}: folder does not exist. Create it or choose another -o.")
    if target.exists() and not overwrite:
        raise InputError(f"{target}: already exists. Use --overwrite to replace it, or choose another -o.")


def chunks(rows: Iterable[tuple[int, list[str]]], max_rows: int, max_chars: int) -> Iterator[list[list[str]]]:
    chunk, chars = [], 0
    for _, cells in rows:
        chunk.append(cells)
        chars += sum(map(len, cells))
        if len(chunk) >= max_rows or chars >= max_chars:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def lookahead(chunks: Iterator[list]) -> Iterator[tuple[list, bool]]:
    """Each chunk with whether another follows, so a one-chunk file never starts worker processes."""
    current = next(chunks, None)
    while current is not None:
        following = next(chunks, None)
        yield current, following is not None
        current = following


class CsvText:
    """Rows to CSV text in the output's dialect, quoting a lone carriage return the csv module would not."""

    def __init__(self, sep: str, newline: str) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, delimiter=sep, lineterminator=newline)
        self.careful = csv.writer(self.buffer, delimiter=sep, lineterminator=newline, quoting=csv.QUOTE_ALL)
        self.newline = newline

    def __call__(self, rows: list[list[str]]) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerows(rows)
        text = self.buffer.getvalue()
        if self.newline == "\n" and "\r" in text:
            self.buffer.seek(0)
            self.buffer.truncate()
            for row in rows:
                (self.careful if any("\r" in c for c in row) else self.writer).writerow(row)
            text = self.buffer.getvalue()
        return text
