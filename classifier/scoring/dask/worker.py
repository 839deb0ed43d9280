"""What runs on a Dask worker: load the model once per process, score one partition, write its part.

Every partition goes through :func:`classifier.scoring.score_frame`, the path of
``stance score``, one chunk at a time as planned, and the part is written in the
format of its input (CSV in the input's delimiter, encoding and line endings, or
Parquet with the input's column types) to a temporary name, then renamed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from pathlib import Path

import numpy as np

from ...exceptions import ModelError
from .plan import Part

_MODELS: dict[str, object] = {}  # model sha256 -> estimator, for the life of this worker process
_LOCK = threading.Lock()
LOADS: list[str] = []  # sha256 of every model this process loaded: tests check it stays one each


def model_for(folder: str, sha256: str):
    """The estimator in ``folder``, loaded once per process and only if its sha256 is ``sha256``.

    :func:`classifier.predict.load` checks the file against its metadata before
    unpickling; the metadata must also name the model the job was started with, so a
    worker that sees another folder under the same path refuses instead of mixing models.
    """
    with _LOCK:
        if sha256 not in _MODELS:
            from ...predict import load

            loaded = load(folder)
            found = loaded.info()["sha256"]
            if found != sha256:
                raise ModelError(
                    f"{folder}: on worker {_where()} holds the model with sha256 {found[:12]}..., not "
                    f"{sha256[:12]}... as on the machine that started the job. Give every worker the same "
                    "model folder."
                )
            _MODELS[sha256] = loaded.estimator
            LOADS.append(sha256)
        return _MODELS[sha256]


def _where() -> str:
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def loads() -> list[str]:
    """The models this process loaded (for :meth:`distributed.Client.run`)."""
    return list(LOADS)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("stance-classifier")
    except PackageNotFoundError:
        return "unknown"


def check_worker(folder: str, sha256: str) -> str:
    """Run on every worker before the job: load (and so check) the model now; the package version."""
    model_for(folder, sha256)
    return package_version()


def _read_csv_rows(part: Part) -> list[list[str]]:
    from ...data.csvio import Dialect, iter_rows

    source = part.source
    rows = iter_rows(Path(source.path), Dialect(source.encoding, source.sep), start_line=part.first_line)
    next(rows)  # the header, read by the planner already
    out = []
    for line, cells in rows:
        if not out and line != part.first_line:
            raise _changed(part)
        out.append(cells)
        if len(out) == part.rows:
            return out
    raise _changed(part)


def _changed(part: Part):
    from ...exceptions import DataError

    return DataError(
        f"{part.source.path}: changed while being scored (rows from line {part.first_line} are not where "
        "they were); score it again once it stays unchanged."
    )


def _score(part: Part, frame, model, min_confidence: float):
    """``frame`` scored in the planned chunks, so every batch is the one ``stance score`` makes.

    One :func:`~classifier.scoring.score_frame` call per partition when its chunks are the
    regular ``chunk_rows`` cut (its engine then keeps its word caches warm from chunk to
    chunk, as ``stance score`` does); one call per chunk where a chunk ended early at the
    character limit.
    """
    import pandas as pd

    from ..frame import score_frame

    sizes = part.chunks
    regular = all(size == sizes[0] for size in sizes[:-1]) and sizes[-1] <= sizes[0]
    pieces, start = [], 0
    for size in [part.rows] if regular else sizes:
        piece = frame.iloc[start : start + size]
        chunk_rows = sizes[0] if regular else size
        pieces.append(
            score_frame(
                piece,
                model,
                text_column=part.source.text_column,
                min_confidence=min_confidence,
                chunk_rows=chunk_rows,
            )
        )
        start += size
    return pd.concat(pieces) if len(pieces) > 1 else pieces[0]


def _csv_bytes(part: Part, rows: list[list[str]], scored) -> bytes:
    from ..pipeline import DECIMALS
    from ..source import OUTPUT_COLUMNS, CsvText

    source = part.source
    confidence = scored["stance_confidence"].to_numpy()
    out = [
        [*cells, label, "" if np.isnan(conf) else repr(round(float(conf), DECIMALS))]
        for cells, label, conf in zip(rows, scored["stance"].tolist(), confidence, strict=True)
    ]
    text = CsvText(source.sep, source.newline)([[*source.header, *OUTPUT_COLUMNS], *out])
    data = text.encode(source.encoding)
    if source.path.lower().endswith(".gz"):
        import gzip

        data = gzip.compress(data, compresslevel=6, mtime=0)
    return data


def _parquet_table(part: Part):
    """The partition's rows as an Arrow table with the input's own column types."""
    import pyarrow.parquet as pq

    source = pq.ParquetFile(part.source.path)
    groups, offset, first = [], 0, None
    for i in range(source.num_row_groups):
        size = source.metadata.row_group(i).num_rows
        if offset + size > part.first_row and offset < part.first_row + part.rows:
            groups.append(i)
            first = offset if first is None else first
        offset += size
    return source.read_row_groups(groups).slice(part.first_row - (first or 0), part.rows)


def _parquet_bytes(table, scored) -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..pipeline import DECIMALS

    confidence = np.round(scored["stance_confidence"].to_numpy(dtype=float), DECIMALS)
    table = table.append_column("stance", pa.array(scored["stance"].tolist(), pa.string()))
    table = table.append_column("stance_confidence", pa.array(confidence, mask=np.isnan(confidence)))
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _write(path: Path, data: bytes) -> None:
    """Write beside the target under a temporary name and rename: a part is whole or absent."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def score_part(
    part: Part, output_dir: str, *, model_folder: str, model_sha256: str, min_confidence: float
) -> dict:
    """Score one partition into ``output_dir/part-NNNNN.*``; what the manifest records about it."""
    import pandas as pd

    model = model_for(model_folder, model_sha256)
    if part.source.kind == "parquet":
        table = _parquet_table(part)
        frame = table.to_pandas()
        scored = _score(part, frame, model, min_confidence)
        data = _parquet_bytes(table, scored)
    else:
        rows = _read_csv_rows(part)
        frame = pd.DataFrame(rows, columns=part.source.header, dtype=object)
        scored = _score(part, frame, model, min_confidence)
        data = _csv_bytes(part, rows, scored)
    _write(Path(output_dir) / part.name, data)
    labels = scored["stance"].tolist()
    return {
        **part.record(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "empty": labels.count(""),
        "labels": {label: labels.count(label) for label in sorted(set(labels)) if label},
    }
