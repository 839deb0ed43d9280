"""The one grouped-folds generator every cross-validation in the project walks through.

Rows from one source share a ``group`` and always land on the same side of a
split, so a model is never scored on a sentence whose sibling it trained on.
Folds are stratified by label and repeated with seeds ``random_state + repeat``,
so evaluation, training's comparison, the review and the learning curve all see
the very same folds of the same data.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from ..config import LABELS, RANDOM_STATE, REAL_SOURCE
from ..exceptions import DataError, InputError


def effective_splits(y: np.ndarray, groups: np.ndarray, n_splits: int) -> int:
    """``n_splits``, lowered to what the rows allow: at most the rarest label's count and the groups."""
    rarest = min(int((y == label).sum()) for label in LABELS)
    if rarest < 2:
        counts = {label: int((y == label).sum()) for label in LABELS}
        raise DataError(f"cross-validation needs at least 2 scored statements of each label, got {counts}")
    return max(2, min(n_splits, rarest, len(set(groups.tolist()))))


def real_rows(data: pd.DataFrame) -> np.ndarray | None:
    """Mask of the real statements, which accuracy is judged on; None (all rows) where there are none.

    Authored rows teach the style of authored rows, so a score on them says little about
    statements from elsewhere: where real rows exist, folds score only those.
    """
    if "source" not in data:
        return None
    mask = (data["source"] == REAL_SOURCE).to_numpy()
    return mask if mask.any() else None


def grouped_folds(
    data: pd.DataFrame,
    *,
    n_splits: int = 5,
    n_repeats: int = 3,
    random_state: int = RANDOM_STATE,
    score_on: np.ndarray | pd.Series | None = None,
) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
    """Yield ``(repeat, fold, train_idx, test_idx)``: repeated stratified group k-fold over ``data``.

    Parameters
    ----------
    data : DataFrame
        Columns ``label`` and ``group`` (as from :func:`classifier.data.load_labeled`).
    n_splits, n_repeats : int
        Folds per repeat (lowered when a label or the groups are too few) and repeats.
    score_on : boolean mask, optional
        Only these rows are split into folds and appear in test sets; the others
        are in every training set, except where they share a group with a test row.
        None scores every row, which gives exactly the folds of earlier versions.

    Returns
    -------
    Positional row indices into ``data``, sorted.
    """
    if n_repeats < 1 or n_splits < 2:
        raise InputError(
            f"cross-validation needs at least 1 repeat and 2 folds, got {n_repeats} and {n_splits}"
        )
    from sklearn.model_selection import StratifiedGroupKFold

    y = data["label"].to_numpy(dtype=object)
    groups = data["group"].to_numpy(dtype=object)
    mask = np.ones(len(y), dtype=bool) if score_on is None else np.asarray(score_on, dtype=bool)
    if mask.shape != y.shape:
        raise InputError(f"score_on has {mask.size} values for {len(y)} rows; give one per row")
    scored, always = np.flatnonzero(mask), np.flatnonzero(~mask)
    k = effective_splits(y[scored], groups[scored], n_splits)
    for repeat in range(n_repeats):
        cv = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=random_state + repeat)
        for fold, (train, test) in enumerate(cv.split(np.zeros(len(scored)), y[scored], groups[scored])):
            test = scored[test]
            extra = always[~np.isin(groups[always], groups[test])]
            yield repeat, fold, np.sort(np.concatenate([scored[train], extra])), test
