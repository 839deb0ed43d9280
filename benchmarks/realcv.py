"""What the benchmarks over the real-row folds share: macro-F1 per fold and language, and one line of it.

Imported by ``layer_probe.py`` and ``ngram_variants.py`` (run from this folder, so a plain
``import realcv`` finds it).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from classifier.config import LABELS

POSITIVE = LABELS[1]  # sets_limits


def fold_scores(y, lang, p_limits, folds) -> dict[str, list[float]]:
    """Macro-F1 per fold, overall and per language; ``p_limits[repeat, row]`` = P(sets_limits)."""
    out = {"all": [], "nl": [], "en": []}
    for r, _, _, te in folds:
        pred = np.where(p_limits[r, te] > 0.5, POSITIVE, LABELS[0])
        out["all"].append(f1_score(y[te], pred, average="macro", labels=list(LABELS)))
        for code in ("nl", "en"):
            m = lang[te] == code
            out[code].append(f1_score(y[te][m], pred[m], average="macro", labels=list(LABELS)))
    return out


def show(name: str, s: dict[str, list[float]], extra: str = "") -> None:
    cells = "  ".join(f"{k} {np.mean(v):.3f} ± {np.std(v):.3f}" for k, v in s.items())
    print(f"  {name:<44} {cells}{extra}", flush=True)


def real_folds(n_repeats: int, authored_note: str = ""):
    """The bundled data and its grouped folds over the real rows, announced in one line.

    Returns ``data, real, y, lang, authored, folds`` (masks and label/language arrays by row).
    """
    from classifier.data.labeled import load_labeled
    from classifier.evaluation.folds import grouped_folds, real_rows

    data = load_labeled()
    real = real_rows(data)
    y, lang = data.label.to_numpy(object), data.lang.to_numpy(object)
    authored = (data.source == "authored").to_numpy()
    folds = list(grouped_folds(data, score_on=real, n_repeats=n_repeats))
    print(
        f"{len(data)} rows ({int(real.sum())} real, scored; {int(authored.sum())} authored{authored_note}); "
        f"{n_repeats}x5 grouped folds over the real rows",
        flush=True,
    )
    return data, real, y, lang, authored, folds


def oof_limits(estimator, data, real, n_repeats: int) -> np.ndarray:
    """P(sets_limits) of the real rows, out of fold, as ``[repeat, row]`` over all rows of ``data``."""
    from classifier.evaluation.cross_validation import cross_validate

    cv = cross_validate(estimator, data, n_repeats=n_repeats, score_on=real)
    p = np.zeros((n_repeats, len(data)))
    p[:, cv.rows] = cv.oof[:, :, LABELS.index(POSITIVE)]
    return p


def show_baselines(data, real, folds, n_repeats: int, fast_name: str) -> None:
    """The fast recipe and the keyword rule on the same folds, printed before any candidate."""
    import time

    from classifier.evaluation.baselines import KeywordRule
    from classifier.models.estimator import StanceClassifier

    y, lang = data.label.to_numpy(object), data.lang.to_numpy(object)
    print("baselines (same folds):", flush=True)
    for name, estimator in ((fast_name, StanceClassifier("fast")), ("keyword rule", KeywordRule())):
        t0 = time.perf_counter()
        p = oof_limits(estimator, data, real, n_repeats)
        show(name, fold_scores(y, lang, p, folds), f"  ({time.perf_counter() - t0:.0f} s)")
