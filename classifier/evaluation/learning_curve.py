"""Would more labeled data help? Cross-validated macro-F1 against the share of training data used.

The test folds are those of :func:`.folds.grouped_folds`, as in :func:`.cross_validation.cross_validate`
(same seeds, so fraction 1.0 reproduces it); only the training side of each fold
is thinned. Subsets are nested (the 25% subset lies inside the 50% one) and
stratified by label, so the curve shows the effect of quantity, not of luck.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..config import LABELS, RANDOM_STATE
from ..exceptions import InputError
from ..models.estimator import fit_rows
from .folds import grouped_folds

FRACTIONS = (0.25, 0.5, 0.75, 1.0)
MIN_PER_LABEL = 2  # StanceClassifier.fit needs two statements of each label


def check_fractions(fractions: Sequence[float]) -> list[float]:
    """Sorted, distinct fractions in (0, 1], or an InputError with an example of good ones."""
    values = sorted({float(f) for f in fractions})
    if not values or values[0] <= 0.0 or values[-1] > 1.0:
        raise InputError(
            f"learning-curve fractions must be above 0 and at most 1, got {list(fractions)}; "
            "e.g. 0.25,0.5,0.75,1"
        )
    return values


def _subset(train: np.ndarray, y: np.ndarray, fraction: float, orders: dict) -> np.ndarray:
    """The first ``fraction`` of each label's shuffled training rows, in the original row order."""
    keep = []
    for label in LABELS:
        order = orders[label]
        k = min(len(order), max(MIN_PER_LABEL, round(fraction * len(order))))
        keep.append(order[:k])
    return np.sort(np.concatenate(keep)) if fraction < 1.0 else train


def learning_curve_folds(
    estimator,
    data: pd.DataFrame,
    *,
    fractions: Sequence[float] = FRACTIONS,
    n_splits: int = 5,
    n_repeats: int = 1,
    random_state: int = RANDOM_STATE,
    score_on=None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """One row per fraction, repeat and fold: training rows used, macro-F1, accuracy.

    Parameters
    ----------
    estimator : scikit-learn classifier
        Cloned for every fit; it must accept a list of texts.
    data : DataFrame
        Columns ``text``, ``label`` and ``group`` (as from :func:`classifier.data.load_labeled`).
    fractions : sequence of float
        Shares of each training fold to train on, in (0, 1].
    score_on : boolean mask, optional
        Rows the folds score; the others only train (see :func:`.folds.grouped_folds`).
    """
    from sklearn.base import clone

    from .cross_validation import fold_metrics

    values = check_fractions(fractions)
    texts = data["text"].to_numpy(dtype=object)
    y = data["label"].to_numpy(dtype=object)
    rows = []
    folds = grouped_folds(
        data, n_splits=n_splits, n_repeats=n_repeats, random_state=random_state, score_on=score_on
    )
    for repeat, fold, train, test in folds:
        rng = np.random.default_rng([random_state, repeat, fold])
        orders = {label: rng.permutation(train[y[train] == label]) for label in LABELS}
        for fraction in values:
            subset = _subset(train, y, fraction, orders)
            model = fit_rows(clone(estimator), data.iloc[subset])
            scores = fold_metrics(y[test], model.predict(list(texts[test])))
            rows.append(
                {
                    "fraction": fraction,
                    "repeat": repeat,
                    "fold": fold,
                    "train_rows": len(subset),
                    "macro_f1": scores["macro_f1"],
                    "accuracy": scores["accuracy"],
                }
            )
            if progress:
                progress(1)
    return pd.DataFrame(rows, columns=["fraction", "repeat", "fold", "train_rows", "macro_f1", "accuracy"])


def summarize_learning_curve(folds: pd.DataFrame) -> pd.DataFrame:
    """Mean and spread across folds per fraction, from :func:`learning_curve_folds` rows."""
    grouped = folds.groupby("fraction", sort=True)
    out = pd.DataFrame(
        {
            "train_rows": grouped["train_rows"].mean().round().astype(int),
            "macro_f1_mean": grouped["macro_f1"].mean(),
            "macro_f1_std": grouped["macro_f1"].std(ddof=1),
            "macro_f1_min": grouped["macro_f1"].min(),
            "macro_f1_max": grouped["macro_f1"].max(),
            "accuracy_mean": grouped["accuracy"].mean(),
            "accuracy_std": grouped["accuracy"].std(ddof=1),
            "n_folds": grouped.size(),
        }
    )
    return out.reset_index()


def learning_curve(estimator, data: pd.DataFrame, **options) -> pd.DataFrame:
    """Cross-validated macro-F1 (mean, sd, min, max over folds) per share of the training data.

    Takes the options of :func:`learning_curve_folds` (``fractions``, ``n_splits``,
    ``n_repeats``, ``random_state``, ``progress``) and returns one row per fraction
    with columns ``fraction``, ``train_rows`` (mean rows trained on),
    ``macro_f1_mean``, ``macro_f1_std``, ``macro_f1_min``, ``macro_f1_max``,
    ``accuracy_mean``, ``accuracy_std`` and ``n_folds``.
    ``len(fractions) * n_splits * n_repeats`` models are fitted.

    Examples
    --------
    >>> curve = learning_curve(StanceClassifier("fast"), load_labeled(), n_repeats=1)  # doctest: +SKIP
    >>> curve[["fraction", "train_rows", "macro_f1_mean", "macro_f1_std"]]  # doctest: +SKIP
    """
    return summarize_learning_curve(learning_curve_folds(estimator, data, **options))
