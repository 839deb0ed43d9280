"""Is the confidence worth acting on? Expected calibration error and the confident half.

A user who keeps only labels above ``--min-confidence`` trusts that a 0.9 is right
about nine times in ten. These figures check that promise on out-of-fold predictions.
"""

from __future__ import annotations

import numpy as np

from ..config import LABELS


def _correct_and_confidence(y_true, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=object)
    predicted = np.asarray(LABELS, dtype=object)[proba.argmax(axis=1)]
    return predicted == y_true, proba.max(axis=1)


def expected_calibration_error(y_true, proba: np.ndarray, *, bins: int = 10) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins, weighted by size."""
    correct, confidence = _correct_and_confidence(y_true, proba)
    if not len(correct):
        return float("nan")
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    gap = 0.0
    for b in range(bins):
        mine = which == b
        if mine.any():
            gap += mine.mean() * abs(correct[mine].mean() - confidence[mine].mean())
    return float(gap)


def confident_half_accuracy(y_true, proba: np.ndarray) -> float:
    """Accuracy on the more confident half of the statements (ties at the median included)."""
    correct, confidence = _correct_and_confidence(y_true, proba)
    if not len(correct):
        return float("nan")
    return float(correct[confidence >= np.median(confidence)].mean())


def calibration_summary(y_true, oof: np.ndarray) -> dict[str, dict[str, float]]:
    """ECE and confident-half accuracy per repeat of out-of-fold probabilities, as mean and sd."""
    ece = [expected_calibration_error(y_true, p) for p in oof]
    half = [confident_half_accuracy(y_true, p) for p in oof]
    sd = lambda v: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0  # noqa: E731
    return {
        "ece": {"mean": float(np.mean(ece)), "std": sd(ece)},
        "confident_half_accuracy": {"mean": float(np.mean(half)), "std": sd(half)},
    }
