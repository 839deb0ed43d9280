"""Stance classifier for customer-boundary statements: ``customer_is_king`` or ``sets_limits``.

The public API is imported lazily, so ``stance --help`` does not pay for scikit-learn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = [
    "DataError",
    "InputError",
    "ModelError",
    "StanceClassifier",
    "StanceError",
    "load_labeled",
    "load_model",
    "save_model",
    "train",
]

_WHERE = {
    "StanceClassifier": ".models.estimator",
    "load_labeled": ".data.labeled",
    "load_model": ".models.persistence",
    "save_model": ".models.persistence",
    "train": ".training",
    "StanceError": ".exceptions",
    "DataError": ".exceptions",
    "InputError": ".exceptions",
    "ModelError": ".exceptions",
}

if TYPE_CHECKING:
    from .data.labeled import load_labeled
    from .exceptions import DataError, InputError, ModelError, StanceError
    from .models.estimator import StanceClassifier
    from .models.persistence import load_model, save_model
    from .training import train


def __getattr__(name: str):
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module 'classifier' has no attribute {name!r}")
