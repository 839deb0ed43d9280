"""Likely label errors: rows whose out-of-fold prediction confidently contradicts their label.

Each row is predicted by models that never saw it (grouped cross-validation), so a
confident disagreement points at the label, the text, or a gap in the data.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..config import LABELS
from ..predict import labels_from_proba
from .cross_validation import cross_validate


def suspicious_rows(
    estimator,
    data: pd.DataFrame,
    *,
    min_disagreement: float = 0.7,
    n_repeats: int = 2,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Rows whose mean out-of-fold probability for the other label is at least ``min_disagreement``."""
    result = cross_validate(estimator, data, name="review", n_repeats=n_repeats, progress=progress)
    predicted, confidence = labels_from_proba(result.oof.mean(axis=0), LABELS)
    out = data.assign(predicted=predicted, confidence=confidence)
    out = out[(out["predicted"] != out["label"]) & (out["confidence"] >= min_disagreement)]
    keep = [c for c in ("file", "id", "text", "label", "predicted", "confidence", "source") if c in out]
    return out.sort_values("confidence", ascending=False)[keep].reset_index(drop=True)
