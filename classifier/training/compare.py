"""Does the new recipe beat the active one? Both scored on the same grouped folds.

The question a user has after labeling more data: on identical folds of the
merged data, the new recipe trains on all training rows of each fold, the active
recipe only on the rows it knew. The new version becomes active only if it is
not worse beyond :data:`TOLERANCE` (on the holdout too, when one is given).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..config import LABELS, shipped_models_dir
from ..evaluation.cross_validation import fold_metrics
from ..evaluation.folds import grouped_folds, real_rows
from ..exceptions import ModelError
from ..models.estimator import StanceClassifier, fit_rows
from ..models.persistence import load_model
from ..models.registry import resolve

TOLERANCE = 0.01


@dataclass
class Active:
    """The active version of a kind as training sees it: absent, broken, or a recipe to compare with."""

    folder: Path | None = None
    model: object | None = None
    metadata: dict | None = None
    problem: str | None = None

    @property
    def recipe(self) -> StanceClassifier | None:
        return None if self.model is None else StanceClassifier(**self.model.get_params())

    @property
    def texts(self) -> set[str]:
        return set() if self.model is None else set(self.model.train_texts_)


def active_version(kind: str, root: Path | None) -> Active:
    """The active model, or what is wrong with it: a broken one is reported, never silently skipped."""
    folder = resolve(kind, root)
    if folder is None:
        return Active()
    try:
        model, metadata = load_model(folder)
    except ModelError as exc:
        if folder.parent == shipped_models_dir():
            # the shipped fallback answers through its arrays under another scikit-learn, but its
            # pickle cannot be refitted for a comparison; it is not a version the user made
            return Active()
        return Active(folder=folder, problem=str(exc))
    return Active(folder=folder, model=model, metadata=metadata)


def paired_folds(
    new,
    active: Active,
    data: pd.DataFrame,
    *,
    n_splits: int,
    n_repeats: int,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Fold metrics of the new recipe and, where it can be fitted, the active one, on identical folds."""
    texts = data["text"].to_numpy(dtype=object)
    y = data["label"].to_numpy(dtype=object)
    old, old_texts = active.recipe, active.texts
    rows = []
    folds = grouped_folds(data, n_splits=n_splits, n_repeats=n_repeats, score_on=real_rows(data))
    for repeat, fold, train, test in folds:
        row = {"repeat": repeat, "fold": fold}
        fitted = fit_rows(new.__sklearn_clone__(), data.iloc[train])
        row.update(fold_metrics(y[test], fitted.predict(list(texts[test]))))
        if old is not None:
            keep = [i for i in train if texts[i] in old_texts]
            if min(int((y[keep] == label).sum()) for label in LABELS) >= 2:
                old_fit = fit_rows(old.__sklearn_clone__(), data.iloc[keep])
                row["active_macro_f1"] = fold_metrics(y[test], old_fit.predict(list(texts[test])))["macro_f1"]
        rows.append(row)
        if progress:
            progress(1)
    return pd.DataFrame(rows)


def decide(active: Active, cv: dict, holdout: dict | None, *, force: bool) -> tuple[bool, str]:
    """Whether the new version becomes active, and the reason stored in its metadata."""
    if active.problem is not None:
        return (
            True,
            f"the active version {active.folder.name} is broken ({active.problem}); replaced (--force)",
        )
    if active.model is None:
        return True, "first version of this kind"
    if "active_macro_f1" not in cv:
        return True, "the active recipe could not be refitted on the folds (too few of its rows per label)"
    new_f1, old_f1 = cv["macro_f1"]["mean"], cv["active_macro_f1"]["mean"]
    diff = new_f1 - old_f1
    if holdout and "active" in holdout:
        diff = min(diff, holdout["new"]["macro_f1"] - holdout["active"]["macro_f1"])
    reason = (
        f"macro-F1 {new_f1:.3f} vs active {old_f1:.3f} on the same folds (difference {diff:+.3f}, "
        f"tolerance {TOLERANCE})" + ("; forced" if force and diff < -TOLERANCE else "")
    )
    return force or diff >= -TOLERANCE, reason
