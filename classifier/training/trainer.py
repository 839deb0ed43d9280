"""Training a model, measuring it, comparing it with the active one, and registering it.

The comparison asks the question a user has after labeling more data: on the
same folds of the merged data, does the new recipe (its parameters and its
training rows) beat the active one (its parameters, trained only on the rows it
knew)? The new version becomes active only if it is not worse beyond a tolerance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from ..config import BUNDLED_DATA_FILES, LABELS, RANDOM_STATE
from ..data.labeled import data_fingerprint, load_labeled
from ..evaluation.cross_validation import fold_metrics, score_holdout
from ..models.estimator import StanceClassifier
from ..models.persistence import load_model, save_model
from ..models.registry import commit_version, resolve, staging_folder
from .model_card import write_model_card

TOLERANCE = 0.01


@dataclass
class TrainResult:
    kind: str
    version: str
    folder: Path
    metadata: dict
    activated: bool
    reason: str
    folds: pd.DataFrame = field(repr=False, default=None)


def _cv_pair(new, old, data: pd.DataFrame, old_texts: set | None, *, n_splits, n_repeats, progress):
    """Fold metrics of the new recipe and, if given, the old one, on identical folds."""
    texts = data["text"].to_numpy(dtype=object)
    y = data["label"].to_numpy(dtype=object)
    groups = data["group"].to_numpy(dtype=object)
    n_splits = max(2, min(n_splits, min(int((y == label).sum()) for label in LABELS)))
    rows = []
    for repeat in range(n_repeats):
        cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=RANDOM_STATE + repeat)
        for fold, (train, test) in enumerate(cv.split(texts, y, groups)):
            row = {"repeat": repeat, "fold": fold}
            fitted = new.__sklearn_clone__().fit(list(texts[train]), y[train])
            row.update(fold_metrics(y[test], fitted.predict(list(texts[test]))))
            if old is not None:
                keep = [i for i in train if texts[i] in old_texts]
                if min(int((y[keep] == label).sum()) for label in LABELS) >= 2:
                    old_fit = old.__sklearn_clone__().fit(list(texts[keep]), y[keep])
                    row["active_macro_f1"] = fold_metrics(y[test], old_fit.predict(list(texts[test])))[
                        "macro_f1"
                    ]
            rows.append(row)
            if progress:
                progress(1)
    return pd.DataFrame(rows)


def summarize(folds: pd.DataFrame) -> dict:
    cols = [c for c in folds.columns if c not in ("repeat", "fold")]
    return {c: {"mean": float(folds[c].mean()), "std": float(folds[c].std(ddof=1))} for c in cols}


def train(
    kind: str = "accurate",
    data_paths: Sequence[str | Path] | None = None,
    *,
    root: Path | None = None,
    holdout: str | Path | None = None,
    force: bool = False,
    n_splits: int = 5,
    n_repeats: int = 3,
    progress: Callable[[int], None] | None = None,
    estimator: StanceClassifier | None = None,
) -> TrainResult:
    """Train, cross-validate, compare with the active version and register a new version."""
    paths = [Path(p) for p in (data_paths or BUNDLED_DATA_FILES)]
    data = load_labeled(paths)
    new = estimator if estimator is not None else StanceClassifier(kind)
    active_folder = resolve(kind, root)
    old, old_meta, old_texts = None, None, None
    if active_folder is not None:
        try:
            old_model, old_meta = load_model(active_folder)
            old = StanceClassifier(**old_model.get_params())
            old_texts = set(old_model.train_texts_)
        except Exception:  # noqa: BLE001 - a broken active model must not block training
            old, old_meta = None, None
    folds = _cv_pair(new, old, data, old_texts, n_splits=n_splits, n_repeats=n_repeats, progress=progress)
    cv = summarize(folds)
    model = new.fit(list(data["text"]), data["label"])

    holdout_scores = None
    if holdout is not None:
        hold = load_labeled([holdout])
        holdout_scores = {"file": Path(holdout).name, "new": score_holdout(model, hold)}
        if old is not None:
            holdout_scores["active"] = score_holdout(old_model, hold)

    new_f1 = cv["macro_f1"]["mean"]
    if old is None or "active_macro_f1" not in cv:
        activated, reason = True, "first version of this kind" if old is None else "active version unusable"
    else:
        old_f1 = cv["active_macro_f1"]["mean"]
        diff = new_f1 - old_f1
        if holdout_scores and "active" in holdout_scores:
            diff = min(diff, holdout_scores["new"]["macro_f1"] - holdout_scores["active"]["macro_f1"])
        activated = force or diff >= -TOLERANCE
        reason = (
            f"macro-F1 {new_f1:.3f} vs active {old_f1:.3f} on the same folds (difference {diff:+.3f}, "
            f"tolerance {TOLERANCE})" + ("; forced" if force and diff < -TOLERANCE else "")
        )
    counts = data.groupby("source").size().to_dict()
    metadata = {
        "kind": kind,
        "params": {k: v for k, v in model.get_params().items()},
        "settings": model.settings_,
        "training_data": data_fingerprint(paths),
        "training_rows": len(data),
        "rows_per_source": {str(k): int(v) for k, v in counts.items()},
        "rows_per_label": {str(k): int(v) for k, v in data["label"].value_counts().items()},
        "cv": {"scheme": f"{n_repeats}x repeated stratified group {n_splits}-fold", **cv},
        "holdout": holdout_scores,
        "compared_with": old_meta.get("version") if old_meta else None,
        "activated": activated,
        "decision": reason,
    }
    staging = staging_folder(kind, root)
    metadata["version"] = staging.name.removeprefix(".staging-")
    metadata = save_model(model, staging, metadata)
    write_model_card(staging, metadata)
    version = commit_version(staging, kind, activate=activated, root=root)
    return TrainResult(kind, version, staging.parent / version, metadata, activated, reason, folds)


def load_or_train(spec: str, *, root: Path | None = None, notify: Callable[[str], None] | None = None):
    """The model a user asked for; a kind with no version yet is trained from the bundled data."""
    folder = resolve(spec, root)
    if folder is None:
        if notify:
            notify(
                f"No {spec} model yet: training one from the bundled data (once; later commands reuse it)..."
            )
        result = train(spec, root=root, n_repeats=1)
        folder = result.folder
    return load_model(folder)


def predictions_frame(model, texts: list[str], *, min_confidence: float = 0.0) -> pd.DataFrame:
    """Label, confidence and per-label probabilities; ``uncertain`` below ``min_confidence``."""
    from ..config import UNCERTAIN

    proba = model.predict_proba(texts)
    classes = np.asarray(model.classes_, dtype=object)
    conf = proba.max(axis=1) if len(texts) else np.zeros(0)
    labels = classes[proba.argmax(axis=1)] if len(texts) else np.array([], dtype=object)
    labels = np.where(conf >= min_confidence, labels, UNCERTAIN)
    frame = pd.DataFrame({"text": texts, "label": labels, "confidence": conf})
    for i, c in enumerate(classes):
        frame[f"p_{c}"] = proba[:, i] if len(texts) else []
    return frame
