"""Honest accuracy: repeated stratified group k-fold, spreads, and baselines beside the model.

Rows from one source quote share a ``group`` and always land in the same fold, so
a model is never scored on a sentence whose sibling it trained on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold

from ..config import LABELS, RANDOM_STATE

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


def fold_metrics(y_true, y_pred) -> dict[str, float]:
    """Macro-F1, accuracy and per-label precision/recall for one set of predictions."""
    prec, rec, _, _ = precision_recall_fscore_support(y_true, y_pred, labels=list(LABELS), zero_division=0)
    out = {
        "macro_f1": f1_score(y_true, y_pred, labels=list(LABELS), average="macro", zero_division=0),
        "accuracy": accuracy_score(y_true, y_pred),
    }
    for i, label in enumerate(LABELS):
        out[f"precision_{label}"] = prec[i]
        out[f"recall_{label}"] = rec[i]
    return out


def coverage_table(y_true, proba: np.ndarray, thresholds=THRESHOLDS) -> list[dict]:
    """What share of statements gets a label at each confidence threshold, and how often it is right."""
    y_true = np.asarray(y_true, dtype=object)
    conf = proba.max(axis=1)
    pred = np.array(LABELS, dtype=object)[proba.argmax(axis=1)]
    rows = []
    for t in thresholds:
        kept = conf >= t
        rows.append(
            {
                "threshold": t,
                "coverage": float(kept.mean()) if len(kept) else 0.0,
                "accuracy": float((pred[kept] == y_true[kept]).mean()) if kept.any() else float("nan"),
            }
        )
    return rows


@dataclass
class CVResult:
    """Per-fold metrics and out-of-fold probabilities of one estimator."""

    name: str
    folds: pd.DataFrame
    oof: np.ndarray  # (n_repeats, n_rows, n_labels)
    y: np.ndarray
    extra: dict = field(default_factory=dict)
    test_fold: np.ndarray | None = None  # (n_repeats, n_rows): the fold that scored each row

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            col: {"mean": float(self.folds[col].mean()), "std": float(self.folds[col].std(ddof=1))}
            for col in self.folds.columns
            if col not in ("repeat", "fold")
        }

    def confusion(self, repeat: int = 0) -> np.ndarray:
        pred = np.array(LABELS, dtype=object)[self.oof[repeat].argmax(axis=1)]
        return confusion_matrix(self.y, pred, labels=list(LABELS))

    def coverage(self) -> list[dict]:
        return coverage_table(self.y, self.oof[0])


def cross_validate(
    estimator,
    data: pd.DataFrame,
    *,
    name: str = "model",
    n_splits: int = 5,
    n_repeats: int = 3,
    random_state: int = RANDOM_STATE,
    progress: Callable[[int], None] | None = None,
) -> CVResult:
    """Repeated stratified group k-fold of ``estimator`` on ``data`` (text, label, group)."""
    texts = data["text"].to_numpy(dtype=object)
    y = data["label"].to_numpy(dtype=object)
    groups = data["group"].to_numpy(dtype=object)
    n_splits = max(2, min(n_splits, min(int((y == label).sum()) for label in LABELS)))
    rows, oof = [], np.zeros((n_repeats, len(texts), len(LABELS)))
    test_fold = np.full((n_repeats, len(texts)), -1, dtype=int)
    for repeat in range(n_repeats):
        cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state + repeat)
        for fold, (train, test) in enumerate(cv.split(texts, y, groups)):
            model = clone(estimator).fit(list(texts[train]), y[train])
            proba = model.predict_proba(list(texts[test]))
            order = [list(model.classes_).index(c) for c in LABELS]
            proba = proba[:, order]
            oof[repeat, test] = proba
            test_fold[repeat, test] = fold
            pred = np.array(LABELS, dtype=object)[proba.argmax(axis=1)]
            rows.append({"repeat": repeat, "fold": fold, **fold_metrics(y[test], pred)})
            if progress:
                progress(1)
    return CVResult(name=name, folds=pd.DataFrame(rows), oof=oof, y=y, test_fold=test_fold)


def score_holdout(model, data: pd.DataFrame) -> dict:
    """Metrics of a trained model on a labeled file it never saw, overall and per language."""
    proba = model.predict_proba(list(data["text"]))
    order = [list(model.classes_).index(c) for c in LABELS]
    proba = proba[:, order]
    pred = np.array(LABELS, dtype=object)[proba.argmax(axis=1)]
    y = data["label"].to_numpy(dtype=object)
    out = {"n": len(y), **fold_metrics(y, pred), "by_lang": {}}
    if "lang" in data:
        for lang, idx in data.groupby("lang").indices.items():
            if lang:
                out["by_lang"][lang] = {"n": len(idx), **fold_metrics(y[idx], pred[idx])}
    out["confusion"] = confusion_matrix(y, pred, labels=list(LABELS)).tolist()
    out["coverage"] = coverage_table(y, proba)
    return out


def evaluate_recipe(
    estimator,
    data: pd.DataFrame,
    *,
    name: str,
    n_splits: int = 5,
    n_repeats: int = 3,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Cross-validate ``estimator`` and both baselines on identical folds; a JSON-ready dict."""
    from .baselines import BASELINES

    runs = [
        cross_validate(estimator, data, name=name, n_splits=n_splits, n_repeats=n_repeats, progress=progress)
    ]
    for base_name, factory in BASELINES.items():
        runs.append(cross_validate(factory(), data, name=base_name, n_splits=n_splits, n_repeats=n_repeats))
    main = runs[0]
    return {
        "rows": len(data),
        "rows_per_label": {str(k): int(v) for k, v in data["label"].value_counts().items()},
        "scheme": f"{n_repeats}x repeated stratified group {n_splits}-fold",
        "models": {r.name: r.summary() for r in runs},
        "confusion": {"labels": list(LABELS), "matrix": main.confusion().tolist(), "repeat": 1},
        "coverage": main.coverage(),
        "_oof": main,
    }


def oof_frame(result: CVResult, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Out-of-fold predictions as a long table: one row per statement and repeat.

    Plots and per-group scores are then plain pandas over one frame, instead of
    each re-deriving labels from the probability cube. Columns of ``data`` that
    say where a statement came from (text, lang, source, id) ride along.
    """
    n_repeats, n_rows, _ = result.oof.shape
    labels = np.array(LABELS, dtype=object)
    frame = pd.DataFrame(
        {
            "row": np.tile(np.arange(n_rows), n_repeats),
            "repeat": np.repeat(np.arange(n_repeats), n_rows),
            "fold": result.test_fold.reshape(-1) if result.test_fold is not None else -1,
            "label": np.tile(result.y, n_repeats),
            "predicted": labels[result.oof.argmax(axis=2).reshape(-1)],
            "confidence": result.oof.max(axis=2).reshape(-1),
        }
    )
    for i, label in enumerate(LABELS):
        frame[f"p_{label}"] = result.oof[:, :, i].reshape(-1)
    if data is not None:
        for col in ("text", "lang", "source", "id"):
            if col in data:
                frame[col] = np.tile(data[col].to_numpy(dtype=object), n_repeats)
    return frame


def metrics_by(oof: pd.DataFrame, column: str) -> pd.DataFrame:
    """Macro-F1 and accuracy per repeat, fold and value of ``column`` (e.g. lang, source).

    A fold whose rows of one value hold a single true label has no macro-F1 (NaN)
    rather than a misleading half score: small sources often do.
    """
    rows = []
    for (repeat, fold, value), part in oof.groupby(["repeat", "fold", column], sort=True):
        both = all((part["label"] == label).any() for label in LABELS)
        scores = fold_metrics(part["label"], part["predicted"])
        rows.append(
            {
                "repeat": int(repeat),
                "fold": int(fold),
                column: value,
                "n": len(part),
                "macro_f1": scores["macro_f1"] if both else float("nan"),
                "accuracy": scores["accuracy"],
            }
        )
    return pd.DataFrame(rows, columns=["repeat", "fold", column, "n", "macro_f1", "accuracy"])
