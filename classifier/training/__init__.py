"""Making a new model version: fit, cross-validate, compare with the active one, register.

Owns the training run and the activation decision (:mod:`.trainer`) and the
model card (:mod:`.model_card`). May import data, models, predict and
evaluation (for the grouped folds and metrics). Nothing that only labels
statements imports this package: ``classify``, ``score`` and ``label`` reach it
only when a kind has no saved version yet and must be trained once.
"""

from __future__ import annotations

from .trainer import TrainResult, train

__all__ = ["TrainResult", "train"]
