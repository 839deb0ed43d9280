"""Reading Excel and Parquet tables as rows of text, the shape the CSV reader gives.

Kept apart from :mod:`.csvio` so each reader stays small; both yield ``(line, cells)``
with the header first, so scoring treats every format alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..exceptions import DataError, NotTextError
from .csvio import check_header, check_readable


def _cell_text(value) -> str:
    """A spreadsheet or Parquet cell as the text a CSV export would show; empty for a blank cell."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        return text.removesuffix(" 00:00:00")
    return str(value)


def _fit_width(path: Path, line: int, cells: list[str], width: int) -> list[str]:
    """Pad a short spreadsheet row; refuse one with content beyond the header, like a ragged CSV row."""
    if len(cells) > width and any(c for c in cells[width:]):
        raise DataError(
            f"{path}: row {line} has values in {len(cells)} columns, the header has {width}. "
            "Give every column with values a header."
        )
    return cells[:width] + [""] * (width - len(cells))


def iter_sheet_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Rows of the first sheet of an ``.xlsx`` file, as text, in the shape of :func:`iter_rows`."""
    try:
        import openpyxl
    except ImportError:
        raise DataError(f"{path}: reading .xlsx needs openpyxl: pip install openpyxl.") from None
    check_readable(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zipfile, XML and openpyxl errors all mean "not a workbook"
        raise NotTextError(
            f"{path}: cannot be read as an Excel workbook ({type(exc).__name__}). Give a CSV or .xlsx file."
        ) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [_cell_text(v) for v in next(rows, ())]
        while header and not header[-1].strip():
            header.pop()
        if not header:
            raise DataError(f"{path}: the first sheet is empty. Put a header row in row 1.")
        header = check_header(path, header)
        yield 1, header
        for line, values in enumerate(rows, 2):
            cells = [_cell_text(v) for v in values]
            if any(cells):
                yield line, _fit_width(path, line, cells, len(header))
    finally:
        book.close()


def iter_parquet_rows(path: Path, *, batch_rows: int = 10_000) -> Iterator[tuple[int, list[str]]]:
    """Rows of a Parquet file as text, read one row group batch at a time (memory stays flat)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(f"{path}: reading .parquet needs pyarrow: pip install pyarrow.") from None
    check_readable(path)
    try:
        source = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path}: cannot be read as Parquet ({exc}).") from None
    header = check_header(path, [str(name) for name in source.schema_arrow.names])
    yield 1, header
    line = 1
    for batch in source.iter_batches(batch_size=batch_rows):
        columns = []
        for column in batch.columns:
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                values = column.to_pylist()
            else:
                values = pc.cast(column, pa.string()).to_pylist()
            columns.append(["" if v is None else v for v in values])
        for cells in zip(*columns, strict=True):
            line += 1
            yield line, list(cells)
