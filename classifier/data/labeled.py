"""Loading and validating labeled statements.

Nothing is trained until every file is clean: each problem is reported with its
file, row number and column, all at once, so a user fixes a file in one pass.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from ..config import BUNDLED_DATA_FILES, LABELS
from ..exceptions import DataError
from .csvio import detect_dialect, iter_rows
from .files import sha256_file

REQUIRED_COLUMNS = ("text", "label")
MAX_LISTED_PROBLEMS = 20


def read_table(path: str | Path, *, sep: str | None = None, encoding: str | None = None):
    """Read a whole (small) delimited file as strings, with 1-based file line numbers."""
    path = Path(path)
    dialect = detect_dialect(path, sep=sep, encoding=encoding)
    rows = iter_rows(path, dialect)
    _, header = next(rows)
    lines, cells = [], []
    for line, row in rows:
        lines.append(line)
        cells.append(row)
    frame = pd.DataFrame(cells, columns=header, dtype=object)
    frame["_line"] = lines
    return frame


def _label_problem(value: str) -> str:
    close = difflib.get_close_matches(value.strip().lower(), LABELS, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown label '{value}'{hint}; allowed: {', '.join(LABELS)}"


def validate(frame: pd.DataFrame, path: Path) -> list[str]:
    """Every problem of one file as ``file:row: column: message`` lines."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        cols = ", ".join(c for c in frame.columns if c != "_line") or "(none)"
        return [
            f"{path}: no column {' or '.join(repr(m) for m in missing)}; columns are: {cols}. "
            "A training file needs 'text' and 'label' columns."
        ]
    problems = []
    first_seen: dict[str, tuple[int, str]] = {}
    for line, text, label in zip(frame["_line"], frame["text"], frame["label"], strict=True):
        if not str(text).strip():
            problems.append(f"{path}:{line}: column 'text': empty statement; fill it in or drop the row")
            continue
        if label not in LABELS:
            problems.append(f"{path}:{line}: column 'label': {_label_problem(str(label))}")
            continue
        key = str(text).strip()
        if key in first_seen:
            other_line, other_label = first_seen[key]
            if other_label == label:
                problems.append(
                    f"{path}:{line}: column 'text': exact duplicate of row {other_line}; drop one"
                )
            else:
                problems.append(
                    f"{path}:{line}: column 'label': same text as row {other_line} with label "
                    f"'{other_label}', here '{label}'; decide on one label"
                )
        else:
            first_seen[key] = (line, label)
    return problems


def _raise_if(problems: list[str], what: str) -> None:
    if not problems:
        return
    shown = problems[:MAX_LISTED_PROBLEMS]
    more = len(problems) - len(shown)
    tail = f" (and {more} more)" if more else ""
    raise DataError(
        f"{len(problems)} problem(s) in {what}{tail}; nothing was trained. First: {shown[0]}",
        problems=problems,
    )


def load_labeled(
    paths: Iterable[str | Path] | None = None,
    *,
    sep: str | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Validated, merged labeled data with ``text``, ``label``, ``group`` and provenance columns.

    Exact duplicates across files are dropped (keeping the first); the same text with
    different labels in different files is refused, since either label may be the wrong one.
    """
    paths = [Path(p) for p in (paths if paths is not None else BUNDLED_DATA_FILES)]
    if not paths:
        raise DataError("no training files given. Pass --data FILE.")
    frames, problems = [], []
    for path in paths:
        frame = read_table(path, sep=sep, encoding=encoding)
        file_problems = validate(frame, path)
        problems += file_problems
        if file_problems:
            continue
        frame["text"] = frame["text"].astype(str).str.strip()
        frame["file"] = path.name
        frame["source"] = frame["source"] if "source" in frame else path.stem
        frame["lang"] = frame["lang"] if "lang" in frame else ""
        own = frame["group"] if "group" in frame else frame.get("id", frame["_line"].astype(str))
        own = own.where(own.astype(str).str.len() > 0, frame["_line"].astype(str))
        frame["group"] = path.stem + ":" + own.astype(str)
        frames.append(frame)
    _raise_if(problems, "the training data")
    merged = pd.concat(frames, ignore_index=True)
    first = merged.drop_duplicates("text", keep="first").set_index("text")["label"]
    conflicts = merged[merged["label"] != merged["text"].map(first)]
    _raise_if(
        [
            f"{r.file}:{r.line}: column 'label': '{r.label}' but the same text is labeled "
            f"'{first[r.text]}' in another file; decide on one label"
            for r in conflicts.rename(columns={"_line": "line"}).itertuples()
        ],
        "the merged files",
    )
    merged = merged.drop_duplicates("text", keep="first").reset_index(drop=True)
    return merged.drop(columns=["_line"])


def data_fingerprint(paths: Sequence[str | Path]) -> dict[str, str]:
    """sha256 of each training file, so a model can say exactly what it was trained on."""
    return {str(Path(p).name): sha256_file(Path(p)) for p in paths}
