"""Which files to score and where each partition of them starts and ends.

The plan is made once, by the process that submits the job, with the same reader
and the same chunk rule as ``stance score`` (:mod:`classifier.data.csvio`,
:func:`classifier.scoring.source.chunks`): a partition is a run of whole chunks of one
file, so a row is scored in the very same batch as on one machine and the parts
hold the same values. Workers get only the plan: a file, a first line, a row count.
"""

from __future__ import annotations

import glob
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ...data.columns import find_text_column
from ...exceptions import InputError
from ..pipeline import CHUNK_CHARS, CHUNK_ROWS
from ..source import refuse_scored_columns

SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet")
PARTITION_ROWS = 100_000


@dataclass(frozen=True)
class Source:
    """One input file and what was decided about it, as ``stance score`` decides it."""

    path: str
    kind: str  # "csv" or "parquet"
    sha256: str
    header: list[str]
    text_column: str
    sep: str = ","
    encoding: str = "utf-8"
    newline: str = "\n"
    rows: int = 0


@dataclass(frozen=True)
class Part:
    """One partition: ``rows`` rows of ``source`` from line ``first_line``, cut into ``chunks``."""

    index: int
    source: Source
    first_line: int
    first_row: int
    rows: int
    chunks: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        suffix = ".parquet" if self.source.kind == "parquet" else ".csv"
        compressed = self.source.path.lower().endswith(".gz")
        return f"part-{self.index:05d}{suffix}" + (".gz" if compressed else "")

    def record(self) -> dict:
        """The part as the manifest stores it (its source by path only)."""
        out = asdict(self)
        out["source"] = self.source.path
        out["name"] = self.name
        return out


def _matches(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(SUFFIXES) and not path.name.startswith(".")


def find_inputs(inputs: list[str]) -> list[Path]:
    """Files from paths, globs and directories, each once, in the order given (a folder's sorted)."""
    found: list[Path] = []
    for spec in inputs:
        if "://" in spec:
            raise InputError(
                f"{spec}: URLs are not read by this version; copy the files to a folder every worker "
                "can read and give its path."
            )
        path = Path(spec)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if _matches(p))
            if not files:
                raise InputError(f"{spec}: no {', '.join(SUFFIXES)} files in this folder.")
        elif any(ch in spec for ch in "*?["):
            files = sorted(Path(p) for p in glob.glob(spec, recursive=True) if _matches(Path(p)))
            if not files:
                raise InputError(f"{spec}: the pattern matches no {', '.join(SUFFIXES)} files.")
        elif path.is_file():
            files = [path]
        else:
            raise InputError(f"{spec}: no such file or folder. Check the path.")
        found += [f for f in files if f.resolve() not in {g.resolve() for g in found}]
    return found


def describe(path: Path, *, text_column: str | None, sep: str | None, encoding: str | None) -> tuple:
    """A :class:`Source` (rows still 0) and its rows as ``(line, cells)``, from the scoring reader."""
    from ...data import csvio, sheets
    from ...data.files import sha256_file

    if path.name.lower().endswith(".parquet"):
        if sep or encoding:
            raise InputError(f"{path}: --sep and --encoding apply to CSV input only; leave them out.")
        rows = sheets.iter_parquet_rows(path)
        _, header = next(rows)
        kind, extra = "parquet", {}
    else:
        dialect = csvio.detect_dialect(path, sep=sep, encoding=encoding)
        rows = csvio.iter_rows(path, dialect)
        _, header = next(rows)
        newline = csvio.line_terminator(path, dialect)
        kind, extra = "csv", {"sep": dialect.sep, "encoding": dialect.encoding, "newline": newline}
    refuse_scored_columns(header, str(path))
    column = header[find_text_column(header, text_column, where=str(path))]
    source = Source(str(path), kind, sha256_file(path), header, column, **extra)
    return source, rows


def plan_file(
    source: Source, rows, *, first_index: int, chunk_rows: int, partition_rows: int
) -> tuple[Source, list[Part]]:
    """Cut one file's rows into partitions of whole chunks (the chunk rule of ``stance score``)."""
    parts: list[Part] = []
    chunks: list[int] = []
    start_line = start_row = done = 0
    in_chunk = chars = 0

    def close_part() -> None:
        nonlocal chunks
        if chunks:
            index = first_index + len(parts)
            parts.append(Part(index, source, start_line, start_row, sum(chunks), chunks))
            chunks = []

    for line, cells in rows:
        if in_chunk == 0 and not chunks:
            start_line, start_row = line, done
        in_chunk += 1
        done += 1
        chars += sum(map(len, cells))
        if in_chunk >= chunk_rows or chars >= CHUNK_CHARS:
            chunks.append(in_chunk)
            in_chunk = chars = 0
            if sum(chunks) >= partition_rows:
                close_part()
    if in_chunk:
        chunks.append(in_chunk)
    close_part()
    source = Source(**{**asdict(source), "rows": done})
    return source, [Part(p.index, source, p.first_line, p.first_row, p.rows, p.chunks) for p in parts]


def make_plan(
    inputs: list[str],
    *,
    text_column: str | None = None,
    sep: str | None = None,
    encoding: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    partition_rows: int = PARTITION_ROWS,
) -> tuple[list[Source], list[Part]]:
    """Every input file and every partition, numbered in input order."""
    sources: list[Source] = []
    parts: list[Part] = []
    for path in find_inputs(inputs):
        source, rows = describe(path, text_column=text_column, sep=sep, encoding=encoding)
        source, more = plan_file(
            source, rows, first_index=len(parts), chunk_rows=chunk_rows, partition_rows=partition_rows
        )
        sources.append(source)
        parts += more
    return sources, parts
