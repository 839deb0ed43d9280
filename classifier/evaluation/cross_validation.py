"""Honest accuracy: repeated grouped cross-validation, spreads, and baselines beside the model.

The folds come from :func:`.folds.grouped_folds`; labels from probabilities from
:func:`classifier.predict.labels_from_proba`, the rule every surface uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from ..config import LABELS, RANDOM_STATE
from ..models.estimator import fit_rows
from ..predict import labels_from_proba, predict_proba
from .calibration import calibration_summary
from .folds import grouped_folds

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
    pred, conf = labels_from_proba(proba, LABELS)
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


def summarize_folds(folds: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Mean and sample sd over folds of every metric column."""
    return {
        col: {"mean": float(folds[col].mean()), "std": float(folds[col].std(ddof=1))}
        for col in folds.columns
        if col not in ("repeat", "fold")
    }


@dataclass
class CVResult:
    """Per-fold metrics and out-of-fold probabilities of one estimator, for the scored rows."""

    name: str
    folds: pd.DataFrame
    oof: np.ndarray  # (n_repeats, n_scored, n_labels)
    y: np.ndarray  # (n_scored,)
    extra: dict = field(default_factory=dict)
    test_fold: np.ndarray | None = None  # (n_repeats, n_scored): the fold that scored each row
    rows: np.ndarray | None = None  # positions in the data of the scored rows (None: all rows)

    def summary(self) -> dict[str, dict[str, float]]:
        return summarize_folds(self.folds)

    def predicted(self, repeat: int = 0) -> np.ndarray:
        return labels_from_proba(self.oof[repeat], LABELS)[0]

    def confusion(self, repeat: int = 0) -> np.ndarray:
        return confusion_matrix(self.y, self.predicted(repeat), labels=list(LABELS))

    def scored_data(self, data: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``data`` this result scored, in the order of :attr:`y`."""
        return data if self.rows is None else data.iloc[self.rows]

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
    score_on=None,
    progress: Callable[[int], None] | None = None,
) -> CVResult:
    """Repeated stratified group k-fold of ``estimator`` on ``data`` (text, label, group).

    ``score_on`` (a boolean mask) limits the test sets to those rows; the others
    only ever train (see :func:`.folds.grouped_folds`).
    """
    texts = data["text"].to_numpy(dtype=object)
    y = data["label"].to_numpy(dtype=object)
    rows = np.arange(len(y)) if score_on is None else np.flatnonzero(np.asarray(score_on, dtype=bool))
    position = np.full(len(y), -1)
    position[rows] = np.arange(len(rows))
    results, oof = [], np.zeros((n_repeats, len(rows), len(LABELS)))
    test_fold = np.full((n_repeats, len(rows)), -1, dtype=int)
    folds = grouped_folds(
        data, n_splits=n_splits, n_repeats=n_repeats, random_state=random_state, score_on=score_on
    )
    for repeat, fold, train, test in folds:
        model = fit_rows(clone(estimator), data.iloc[train])
        proba = predict_proba(model, texts[test])
        oof[repeat, position[test]] = proba
        test_fold[repeat, position[test]] = fold
        pred = labels_from_proba(proba, LABELS)[0]
        results.append({"repeat": repeat, "fold": fold, **fold_metrics(y[test], pred)})
        if progress:
            progress(1)
    return CVResult(
        name=name,
        folds=pd.DataFrame(results),
        oof=oof,
        y=y[rows],
        test_fold=test_fold,
        rows=None if score_on is None else rows,
    )


def score_holdout(model, data: pd.DataFrame) -> dict:
    """Metrics of a trained model on a labeled file it never saw, overall and per language."""
    proba = predict_proba(model, data["text"])
    pred = labels_from_proba(proba, LABELS)[0]
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
    score_on=None,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Cross-validate ``estimator`` and both baselines on identical folds; a JSON-ready dict.

    With ``score_on`` the counts describe the scored rows; the other rows only train.
    """
    from .baselines import BASELINES

    options = {"n_splits": n_splits, "n_repeats": n_repeats, "score_on": score_on}
    runs = [cross_validate(estimator, data, name=name, progress=progress, **options)]
    for base_name, factory in BASELINES.items():
        runs.append(cross_validate(factory(), data, name=base_name, **options))
    main = runs[0]
    scored = main.scored_data(data)
    return {
        "rows": len(scored),
        "rows_per_label": {str(k): int(v) for k, v in scored["label"].value_counts().items()},
        "rows_per_lang": {str(k): int(v) for k, v in scored.get("lang", pd.Series()).value_counts().items()},
        "scheme": f"{n_repeats}x repeated stratified group {n_splits}-fold",
        "scored_on": "all rows" if score_on is None else "the rows selected by score_on",
        "models": {r.name: r.summary() for r in runs},
        "by_lang": {r.name: by_lang(r, data) for r in runs},
        "calibration": calibration_summary(main.y, main.oof),
        "confusion": {"labels": list(LABELS), "matrix": main.confusion().tolist(), "repeat": 1},
        "coverage": main.coverage(),
        "_oof": main,
    }


def by_lang(result: CVResult, data: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Macro-F1 per language as mean and sd over folds (empty without a ``lang`` column)."""
    if "lang" not in data:
        return {}
    scores = metrics_by(oof_frame(result, data), "lang")
    scores = scores[scores["lang"].astype(str) != ""]
    return {
        str(lang): {"mean": float(part["macro_f1"].mean()), "std": float(part["macro_f1"].std(ddof=1))}
        for lang, part in scores.groupby("lang")
    }


def oof_frame(result: CVResult, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Out-of-fold predictions as a long table: one row per statement and repeat.

    Plots and per-group scores are then plain pandas over one frame, instead of
    each re-deriving labels from the probability cube. Columns of ``data`` that
    say where a statement came from (text, lang, source, id) ride along.
    """
    n_repeats, n_rows, _ = result.oof.shape
    predicted, confidence = labels_from_proba(result.oof.reshape(-1, len(LABELS)), LABELS)
    frame = pd.DataFrame(
        {
            "row": np.tile(np.arange(n_rows), n_repeats),
            "repeat": np.repeat(np.arange(n_repeats), n_rows),
            "fold": result.test_fold.reshape(-1) if result.test_fold is not None else -1,
            "label": np.tile(result.y, n_repeats),
            "predicted": predicted,
            "confidence": confidence,
        }
    )
    for i, label in enumerate(LABELS):
        frame[f"p_{label}"] = result.oof[:, :, i].reshape(-1)
    if data is not None:
        data = result.scored_data(data)
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
