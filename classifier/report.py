"""The evaluation report: every figure's data from one cross-validation, then PNGs and report.html.

:func:`build_report` does all the computing and returns JSON-ready figure data
(what ``stance evaluate --report DIR --json`` prints); :func:`write_report` only
draws (:mod:`classifier.plots`) and writes (:mod:`classifier.report_html`). So the
notebook, the CLI and the tests share one path, and figures can be redrawn from JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import LABELS

LEARNING_FRACTIONS = (0.25, 0.5, 0.75, 1.0)
GROUP_COLUMNS = ("lang", "source")
TOP_NGRAMS = 15
N_MISTAKES = 10
N_BINS = 10
NGRAM_BLOCKS = ("ngrams", "words", "chars")


@dataclass
class Report:
    """One model's cross-validated evaluation: the summary table and each figure's data."""

    name: str
    summary: dict  # what evaluate_recipe returns, for tables.cv_report
    figures: dict[str, dict]  # JSON-ready, one entry per plots.FIGURES function

    def to_json(self) -> dict:
        return clean({"name": self.name, "summary": self.summary, "figures": self.figures})


def clean(value):
    """numpy scalars to Python, NaN to None: strict JSON that browsers and jq accept."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str):
        return clean(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def has_ngrams(estimator) -> bool:
    """Whether the recipe has n-gram features whose weights can be shown."""
    settings = getattr(estimator, "_settings", None)
    if settings is None:
        return False
    return any(block in NGRAM_BLOCKS for block in settings()["features"].split("+"))


def report_steps(
    estimator, *, n_splits: int = 5, n_repeats: int = 3, fractions=LEARNING_FRACTIONS, learning_repeats=1
) -> int:
    """How many models :func:`build_report` fits, for a progress bar."""
    reused = 1.0 in fractions and learning_repeats <= n_repeats
    extra = (len(set(fractions)) - reused) * n_splits * learning_repeats
    return n_splits * n_repeats + extra + int(has_ngrams(estimator))


def build_report(
    estimator,
    data,
    *,
    name: str = "model",
    n_splits: int = 5,
    n_repeats: int = 3,
    fractions: Sequence[float] = LEARNING_FRACTIONS,
    learning_repeats: int = 1,
    fitted=None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Cross-validate ``estimator`` beside the baselines and compute every figure's data.

    Parameters
    ----------
    estimator : StanceClassifier or scikit-learn classifier on texts
        The recipe to evaluate; cloned for every fold.
    data : DataFrame
        Labeled statements as from :func:`classifier.data.load_labeled`.
    fractions, learning_repeats
        Learning-curve points and repeats; fraction 1.0 reuses the main folds.
    fitted : StanceClassifier, optional
        The recipe already trained on all of ``data``, to read n-gram weights
        from without another fit; otherwise one is fitted when the recipe has n-grams.
    """
    from .evaluation import evaluate_recipe, oof_frame

    summary = evaluate_recipe(
        estimator, data, name=name, n_splits=n_splits, n_repeats=n_repeats, progress=progress
    )
    cv = summary.pop("_oof")
    oof = oof_frame(cv, data)
    figures = {
        "confusion_matrix": {"model": name, **summary["confusion"]},
        "macro_f1_by_group": _group_data(oof, data, name, summary["models"][name]["macro_f1"]["mean"]),
        "reliability": _reliability_data(cv, name),
        "coverage": _coverage_data(cv, name),
        "learning_curve": _learning_data(
            estimator, data, cv, name, fractions, n_splits, learning_repeats, progress
        ),
        "top_ngrams": _ngram_data(estimator, data, name, fitted, progress),
        "confident_mistakes": _mistakes_data(cv, data, name),
    }
    return Report(name=name, summary=summary, figures=clean(figures))


def _group_data(oof, data, name: str, overall: float) -> dict:
    import numpy as np

    from .evaluation import fold_metrics, metrics_by

    groups = {}
    for column in GROUP_COLUMNS:
        if column not in oof or not oof[column].astype(bool).any():
            continue
        per_fold = metrics_by(oof, column)
        entries = []
        for value, part in per_fold.groupby(column, sort=True):
            f1 = part["macro_f1"].to_numpy(dtype=float)
            scored = f1[~np.isnan(f1)]
            rows = oof[oof[column] == value]
            pooled = [fold_metrics(r["label"], r["predicted"])["macro_f1"] for _, r in rows.groupby("repeat")]
            entries.append(
                {
                    "value": value,
                    "n": int((data[column] == value).sum()),
                    "folds": f1.tolist(),
                    "mean": scored.mean() if len(scored) else None,
                    "std": scored.std(ddof=1) if len(scored) > 1 else None,
                    "min": scored.min() if len(scored) else None,
                    "max": scored.max() if len(scored) else None,
                    "accuracy_mean": part["accuracy"].mean(),
                    "pooled_macro_f1": float(np.mean(pooled)),
                }
            )
        groups[column] = entries
    return {"model": name, "overall": overall, "groups": groups}


def _reliability_data(cv, name: str) -> dict:
    import numpy as np

    positive = LABELS[1]
    p = cv.oof[:, :, 1].reshape(-1)
    hit = np.tile(cv.y == positive, cv.oof.shape[0]).astype(float)
    edges = np.linspace(0.0, 1.0, N_BINS + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, N_BINS - 1)
    bins, ece = [], 0.0
    for b in range(N_BINS):
        mask = which == b
        n = int(mask.sum())
        pred = float(p[mask].mean()) if n else None
        obs = float(hit[mask].mean()) if n else None
        if n:
            ece += n / len(p) * abs(obs - pred)
        bins.append(
            {"lower": edges[b], "upper": edges[b + 1], "count": n, "mean_predicted": pred, "observed": obs}
        )
    return {
        "model": name,
        "positive": positive,
        "bins": bins,
        "brier": float(np.mean((p - hit) ** 2)),
        "ece": ece,
        "repeats": int(cv.oof.shape[0]),
    }


def _coverage_data(cv, name: str) -> dict:
    import numpy as np

    from .evaluation import THRESHOLDS, coverage_table

    grid = [round(t, 2) for t in np.arange(0.50, 1.0001, 0.01)]
    runs = [coverage_table(cv.y, cv.oof[r], thresholds=grid) for r in range(cv.oof.shape[0])]
    points = []
    for i, t in enumerate(grid):
        point = {"threshold": t}
        for key in ("coverage", "accuracy"):
            vals = np.array([run[i][key] for run in runs], dtype=float)
            vals = vals[~np.isnan(vals)]
            point[key] = vals.mean() if len(vals) else None
            point[f"{key}_min"] = vals.min() if len(vals) else None
            point[f"{key}_max"] = vals.max() if len(vals) else None
        points.append(point)
    marked = [p for p in points if any(abs(p["threshold"] - t) < 1e-9 for t in THRESHOLDS)]
    return {"model": name, "points": points, "marked": marked, "repeats": len(runs)}


def _learning_data(estimator, data, cv, name, fractions, n_splits, learning_repeats, progress) -> dict:
    import pandas as pd

    from .learning_curve import check_fractions, learning_curve_folds, summarize_learning_curve

    values = check_fractions(fractions)
    n_repeats = cv.oof.shape[0]
    reuse = 1.0 in values and learning_repeats <= n_repeats and cv.test_fold is not None
    todo = [f for f in values if not (reuse and f == 1.0)]
    parts = []
    if todo:
        parts.append(
            learning_curve_folds(
                estimator,
                data,
                fractions=todo,
                n_splits=n_splits,
                n_repeats=learning_repeats,
                progress=progress,
            )
        )
    if reuse:
        full = cv.folds.loc[cv.folds["repeat"] < learning_repeats, ["repeat", "fold", "macro_f1", "accuracy"]]
        full = full.assign(
            train_rows=[
                int((cv.test_fold[r] != f).sum()) for r, f in zip(full["repeat"], full["fold"], strict=True)
            ]
        )
        full["fraction"] = 1.0
        parts.append(full)
    curve = summarize_learning_curve(pd.concat(parts, ignore_index=True))
    k = int(cv.folds["fold"].max()) + 1
    return {
        "model": name,
        "scheme": f"{learning_repeats}x grouped {k}-fold",
        "points": curve.to_dict(orient="records"),
    }


def _ngram_data(estimator, data, name: str, fitted, progress) -> dict:
    import numpy as np

    from .explain import _linear_weights

    if not has_ngrams(estimator if fitted is None else fitted):
        return {"model": name, "available": False, "reason": f"the {name} model has no n-gram features"}
    if fitted is None:
        from sklearn.base import clone

        fitted = clone(estimator).fit(list(data["text"]), data["label"])
        if progress:
            progress(1)
    feats = []
    for member in fitted.members_:
        coef, names, positive = _linear_weights(member)
        for weight, full in zip(coef, names, strict=True):
            parts = str(full).split("__")
            if len(parts) >= 2 and parts[-2] in ("words", "chars"):
                feats.append((float(weight), parts[-2], parts[-1], positive))
    labels = {label: [] for label in LABELS}
    order = np.argsort([-abs(w) for w, *_ in feats], kind="stable")
    for i in order:
        weight, kind, feature, positive = feats[i]
        label = positive if weight > 0 else next(c for c in LABELS if c != positive)
        if len(labels[label]) < TOP_NGRAMS:
            labels[label].append({"feature": feature, "kind": kind, "weight": abs(weight)})
        if all(len(v) >= TOP_NGRAMS for v in labels.values()):
            break
    return {"model": name, "available": True, "labels": labels}


def _mistakes_data(cv, data, name: str) -> dict:
    import numpy as np

    proba = cv.oof.mean(axis=0)
    pred = np.array(LABELS, dtype=object)[proba.argmax(axis=1)]
    conf = proba.max(axis=1)
    wrong = np.flatnonzero(pred != cv.y)
    top = wrong[np.argsort(-conf[wrong], kind="stable")][:N_MISTAKES]
    rows = []
    for i in top:
        row = {"text": str(data["text"].iloc[i]), "label": cv.y[i], "predicted": pred[i]}
        row["confidence"] = conf[i]
        for col in ("lang", "source", "id"):
            if col in data:
                row[col] = str(data[col].iloc[i])
        rows.append(row)
    return {"model": name, "rows": rows, "mistakes": len(wrong), "statements": len(cv.y)}


def check_report_folder(folder: str | Path) -> Path:
    """Refuse a path that is a file before minutes of cross-validation, not after."""
    from .exceptions import InputError

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file; give a folder for the report, e.g. --report out/")
    return folder


def write_report(report: Report, folder: str | Path) -> dict[str, Path]:
    """Draw every available figure as PNG into ``folder`` and write ``report.html`` beside them.

    Returns the written files by figure name (and ``"html"``). Each file is written
    atomically, so an interrupted run leaves the previous report whole.
    """
    from . import plots
    from .csvio import atomic_output
    from .report_html import render

    folder = check_report_folder(folder)
    written = {}
    for key, figure in report.figures.items():
        if figure.get("available", True):
            written[key] = plots.save(plots.FIGURES[key](figure), folder / f"{key}.png")
    html = folder / "report.html"
    with atomic_output(html) as fh:
        fh.write(render(report, {k: p.name for k, p in written.items()}))
    written["html"] = html
    return written
