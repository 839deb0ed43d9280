"""A stance for every row of a table: the file pipeline, the worker engine, the resume state.

Owns streaming a file through in chunks into a new file (:mod:`.pipeline`),
labeling a DataFrame (:mod:`.frame`), scoring in worker processes
(:mod:`.engine`) and the partial output that ``--resume`` continues
(:mod:`.state`). Labels come from :mod:`classifier.predict`; may import data,
models and predict, never training or evaluation. A server or a distributed
engine plugs in here and in :mod:`classifier.predict`.
"""

from __future__ import annotations

from ..data.columns import TEXT_COLUMNS, find_text_column
from .pipeline import CHUNK_ROWS, OUTPUT_COLUMNS, ScoreSummary, default_output, score_csv, score_frame

__all__ = [
    "CHUNK_ROWS",
    "OUTPUT_COLUMNS",
    "TEXT_COLUMNS",
    "ScoreSummary",
    "default_output",
    "find_text_column",
    "score_csv",
    "score_frame",
]
