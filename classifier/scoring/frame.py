"""Labels for a DataFrame already in memory: the same engine and rule as a file, without the file."""

from __future__ import annotations

import hashlib
import pickle
from collections import deque
from collections.abc import Callable
from pathlib import Path

from ..data.columns import find_text_column
from ..exceptions import DataError
from ..predict import LoadedModel, labels_from_proba, load
from .engine import Engine
from .source import refuse_scored_columns

CHUNK_ROWS = 10_000


def scoring_model(model, models_dir: Path | None, notify: Callable[[str], None] | None):
    """The estimator and the id ``--resume`` checks: a saved model's sha256, else a content hash."""
    if isinstance(model, str | Path):
        loaded = load(model, root=models_dir, notify=notify)
        meta = loaded.metadata
        return loaded.estimator, meta.get("model_sha256") or meta.get("version", "")
    if isinstance(model, LoadedModel):
        model = model.estimator
    return model, hashlib.sha256(pickle.dumps(model, protocol=5)).hexdigest()


def score_frame(
    frame,
    model="accurate",
    *,
    text_column: str | None = None,
    min_confidence: float = 0.0,
    models_dir: Path | None = None,
    workers: int = 1,
    chunk_rows: int = CHUNK_ROWS,
):
    """A copy of ``frame`` with ``stance`` and ``stance_confidence`` added; missing text gives empty.

    ``model`` is a fitted :class:`~classifier.models.estimator.StanceClassifier`, a kind or a model folder.
    """
    import pandas as pd

    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        dup = next(c for c in columns if columns.count(c) > 1)
        raise DataError(f"the DataFrame has the column '{dup}' twice; rename one of them.")
    refuse_scored_columns(columns, "the DataFrame")
    column = frame.columns[find_text_column(columns, text_column, where="the DataFrame")]
    texts = ["" if not isinstance(v, str) and pd.isna(v) else str(v) for v in frame[column]]
    model, _ = scoring_model(model, models_dir, None)
    engine = Engine(model, workers=workers)
    labels, confs = [], []
    try:
        pending: deque = deque()
        for start in range(0, len(texts), chunk_rows):
            more = start + chunk_rows < len(texts)
            pending.append(engine.submit(texts[start : start + chunk_rows], more=more))
            while len(pending) > (engine.in_flight if more else 0):
                got, conf = labels_from_proba(
                    engine.collect(pending.popleft()), model.classes_, min_confidence=min_confidence
                )
                labels += got.tolist()
                confs += conf.tolist()
    finally:
        engine.close()
    out = frame.copy()
    out["stance"] = labels
    out["stance_confidence"] = confs
    return out
