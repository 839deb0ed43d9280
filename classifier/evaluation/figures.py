"""The data behind each figure of the report, computed from one cross-validation.

Each function returns a JSON-ready dict that a :mod:`.plots` function draws, so
figures can be redrawn from ``--json`` output without refitting anything.
"""

from __future__ import annotations

from ..config import LABELS

GROUP_COLUMNS = ("lang", "source")
TOP_NGRAMS = 15
N_MISTAKES = 10
N_BINS = 10
NGRAM_BLOCKS = ("ngrams", "words", "chars")


def has_ngrams(estimator) -> bool:
    """Whether the recipe has n-gram features whose weights can be shown."""
    settings = getattr(estimator, "resolved_settings", None)
    if settings is None:
        return False
    return any(block in NGRAM_BLOCKS for block in settings()["features"].split("+"))


def group_data(oof, data, name: str, overall: float) -> dict:
    import numpy as np

    from .cross_validation import fold_metrics, metrics_by

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


def reliability_data(cv, name: str) -> dict:
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


def coverage_data(cv, name: str) -> dict:
    import numpy as np

    from .cross_validation import THRESHOLDS, coverage_table

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


def learning_data(
    estimator, data, cv, name, fractions, n_splits, learning_repeats, progress, score_on=None
) -> dict:
    import pandas as pd

    from .folds import grouped_folds
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
                score_on=score_on,
                progress=progress,
            )
        )
    if reuse:
        full = cv.folds.loc[cv.folds["repeat"] < learning_repeats, ["repeat", "fold", "macro_f1", "accuracy"]]
        sizes = {
            (r, f): len(train)
            for r, f, train, _ in grouped_folds(
                data, n_splits=n_splits, n_repeats=learning_repeats, score_on=score_on
            )
        }
        full = full.assign(
            train_rows=[sizes[(r, f)] for r, f in zip(full["repeat"], full["fold"], strict=True)]
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


def ngram_data(estimator, data, name: str, fitted, progress) -> dict:
    import numpy as np

    from ..models.explain import linear_weights

    if not has_ngrams(estimator if fitted is None else fitted):
        return {"model": name, "available": False, "reason": f"the {name} model has no n-gram features"}
    if fitted is None:
        from sklearn.base import clone

        from ..models.estimator import fit_rows

        fitted = fit_rows(clone(estimator), data)
        if progress:
            progress(1)
    feats = []
    for member in fitted.members_:
        coef, names, positive = linear_weights(member)
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


def mistakes_data(cv, data, name: str) -> dict:
    import numpy as np

    from ..predict import labels_from_proba

    data = cv.scored_data(data)
    pred, conf = labels_from_proba(cv.oof.mean(axis=0), LABELS)
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
