"""The one path from a loaded model and texts to labels, confidences and probabilities.

Every surface that labels statements (``stance classify``, ``stance score``, the
HTTP server, the Dask engine) goes through here, so a label means the same
everywhere: the most probable label, or ``uncertain`` when the top probability
is below ``min_confidence``. Nothing here imports the training code at module
level; a kind with no saved version yet is the only case that trains.

May import :mod:`classifier.models`; imported by evaluation, scoring, labeling and the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import LABELS, MAX_STATEMENT_CHARS, UNCERTAIN

JSON_DECIMALS = 6  # printed precision: far below any difference that matters, and stable across runs


@dataclass(frozen=True)
class LoadedModel:
    """A fitted model with the metadata saved beside it (kind, version, sha256, metrics)."""

    estimator: object
    metadata: dict = field(default_factory=dict)
    folder: Path | None = None

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.estimator.classes_]

    def info(self) -> dict:
        """What a user needs to say which model answered: kind, version and file sha256."""
        meta = self.metadata
        return {
            "kind": meta.get("kind", ""),
            "version": meta.get("version", ""),
            "sha256": meta.get("model_sha256", ""),
        }


@dataclass(frozen=True)
class Prediction:
    text: str
    label: str
    confidence: float
    probabilities: dict[str, float]

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "label": self.label,
            "confidence": self.confidence,
            "probabilities": dict(self.probabilities),
        }

    def as_json(self) -> dict:
        """:meth:`as_dict` rounded to :data:`JSON_DECIMALS`: what ``stance classify --json`` and the
        HTTP API print, from this one place so the two can never disagree."""
        return {
            "text": self.text,
            "label": self.label,
            "confidence": round(float(self.confidence), JSON_DECIMALS),
            "probabilities": {k: round(float(v), JSON_DECIMALS) for k, v in self.probabilities.items()},
        }


def load(
    spec: str | Path = "accurate",
    *,
    root: Path | None = None,
    notify: Callable[[str], None] | None = None,
    portable: bool = True,
) -> LoadedModel:
    """The model a user named: a kind (``accurate``, ``fast``) or a model folder.

    Only a kind with no saved version yet imports the training code, to train it
    once from the bundled data; every later call reads the saved version. With
    ``portable`` (the default), a folder holding an exported scorer (``scorer.npz``,
    the fast model as arrays) answers through it: the same probabilities, loaded in
    milliseconds without scikit-learn. ``portable=False`` gives the fitted estimator
    (for explanations, which read its internals).
    """
    from .models.persistence import load_model, load_scorer
    from .models.registry import resolve

    folder = resolve(str(spec), root)
    if folder is None:
        from .training import train

        if notify:
            notify(
                f"No {spec} model yet: training one from the bundled data (once; later commands reuse it)..."
            )
        folder = train(str(spec), root=root, n_repeats=1).folder
    exported = load_scorer(folder) if portable else None
    if exported is not None:
        scorer, metadata = exported
        return LoadedModel(estimator=scorer, metadata=metadata, folder=folder)
    estimator, metadata = load_model(folder)
    return LoadedModel(estimator=estimator, metadata=metadata, folder=folder)


def labels_from_proba(
    proba: np.ndarray, classes: Sequence[str], *, min_confidence: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Label and confidence per row: argmax, or ``uncertain`` below ``min_confidence``.

    Rows that are all NaN (no text to score) get an empty label and NaN confidence.
    """
    proba = np.asarray(proba, dtype=float).reshape(-1, len(classes))
    empty = np.isnan(proba).all(axis=1)
    safe = np.where(empty[:, None], 0.0, proba)
    confidence = safe.max(axis=1) if len(safe) else np.zeros(0)
    labels = np.asarray(classes, dtype=object)[safe.argmax(axis=1)] if len(safe) else np.array([], object)
    labels = np.where(confidence >= min_confidence, labels, UNCERTAIN).astype(object)
    labels[empty] = ""
    confidence = np.where(empty, np.nan, confidence)
    return labels, confidence


def predict_proba(model: LoadedModel | object, texts: Sequence[str]) -> np.ndarray:
    """Probabilities with columns in :data:`classifier.config.LABELS` order."""
    estimator = model.estimator if isinstance(model, LoadedModel) else model
    texts = [text[:MAX_STATEMENT_CHARS] for text in texts]  # every model reads at most this much
    if not texts:
        return np.zeros((0, len(LABELS)))
    proba = np.asarray(estimator.predict_proba(texts), dtype=float)
    order = [list(estimator.classes_).index(label) for label in LABELS]
    return proba[:, order]


def predict(
    model: LoadedModel | object, texts: Sequence[str], *, min_confidence: float = 0.0
) -> list[Prediction]:
    """One :class:`Prediction` per text, in input order."""
    texts = list(texts)
    proba = predict_proba(model, texts)
    labels, confidence = labels_from_proba(proba, LABELS, min_confidence=min_confidence)
    return [
        Prediction(
            text=text,
            label=str(labels[i]),
            confidence=float(confidence[i]),
            probabilities={label: float(proba[i, j]) for j, label in enumerate(LABELS)},
        )
        for i, text in enumerate(texts)
    ]
