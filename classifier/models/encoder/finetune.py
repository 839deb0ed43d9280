"""The training loop: top blocks (full or through low-rank adapters) and a linear head on cached inputs.

The bottom ``12 - train_layers`` blocks are frozen, so their output is computed once per
statement (see :meth:`Encoder.hidden_after`) and training only runs the top blocks forward and
backward. Batches group statements of similar length so padding costs little.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .network import Params, bucket_length, mean_pool, run_layers

HEAD_SCALE = 20.0  # logits = HEAD_SCALE * normalized embedding @ W.T + b: the head trains at a usable pace


@dataclass(frozen=True)
class Settings:
    heads: int
    eps: float
    rank: int
    lora_alpha: float
    lora_targets: tuple[str, ...]


def init_adapters(layers: list[Params], settings: Settings, key: jax.Array) -> list[Params]:
    """A small random, B zero: training starts exactly at the base model."""
    out = []
    for p in layers:
        adapter = {}
        for name in settings.lora_targets:
            key, sub = jax.random.split(key)
            n_out, n_in = p[name].shape
            adapter[f"{name}.A"] = jax.random.normal(sub, (settings.rank, n_in)) / np.sqrt(n_in)
            adapter[f"{name}.B"] = jnp.zeros((n_out, settings.rank))
        out.append(adapter)
    return out


def top_and_head(trainable: dict, frozen: list[Params], x, mask, settings: Settings) -> jnp.ndarray:
    """Logits of the top blocks plus head on cached bottom-block outputs."""
    layers = trainable["layers"] if settings.rank == 0 else frozen
    adapters = trainable.get("adapters")
    scale = settings.lora_alpha / max(settings.rank, 1)
    h = run_layers(
        x, mask, layers, heads=settings.heads, eps=settings.eps, adapters=adapters, lora_scale=scale
    )
    z = mean_pool(h, mask) * HEAD_SCALE
    return z @ trainable["head"]["W"].T + trainable["head"]["b"]


def pooled(trainable: dict, frozen: list[Params], x, mask, settings: Settings) -> jnp.ndarray:
    layers = trainable["layers"] if settings.rank == 0 else frozen
    scale = settings.lora_alpha / max(settings.rank, 1)
    h = run_layers(
        x,
        mask,
        layers,
        heads=settings.heads,
        eps=settings.eps,
        adapters=trainable.get("adapters"),
        lora_scale=scale,
    )
    return mean_pool(h, mask)


@partial(jax.jit, static_argnames=("settings",))
def logits_fn(trainable, frozen, x, mask, settings: Settings):
    return top_and_head(trainable, frozen, x, mask, settings)


@partial(jax.jit, static_argnames=("settings",))
def pooled_fn(trainable, frozen, x, mask, settings: Settings):
    return pooled(trainable, frozen, x, mask, settings)


@lru_cache(maxsize=8)
def compiled_step(
    settings: Settings,
    *,
    learning_rate: float,
    head_learning_rate: float,
    weight_decay: float,
    total_steps: int,
    smoothing: float,
):
    """The optimizer and its jitted step, kept so refits of the same shape skip compilation."""
    optimizer = make_optimizer(
        learning_rate=learning_rate,
        head_learning_rate=head_learning_rate,
        weight_decay=weight_decay,
        total_steps=total_steps,
    )
    return optimizer, make_step(settings, optimizer, smoothing)


def make_step(settings: Settings, optimizer: optax.GradientTransformation, smoothing: float):
    def loss_fn(trainable, frozen, x, mask, targets, weights):
        logits = top_and_head(trainable, frozen, x, mask, settings)
        soft = optax.smooth_labels(jax.nn.one_hot(targets, 2), smoothing)
        losses = optax.softmax_cross_entropy(logits, soft)
        return (losses * weights).sum() / jnp.maximum(weights.sum(), 1e-6)

    @jax.jit
    def step(trainable, opt_state, frozen, x, mask, targets, weights):
        loss, grads = jax.value_and_grad(loss_fn)(trainable, frozen, x, mask, targets, weights)
        updates, opt_state = optimizer.update(grads, opt_state, trainable)
        return optax.apply_updates(trainable, updates), opt_state, loss

    return step


def make_optimizer(
    *, learning_rate: float, head_learning_rate: float, weight_decay: float, total_steps: int
) -> optax.GradientTransformation:
    """AdamW with 10% linear warm-up and linear decay; the head learns faster than the body."""

    def schedule(peak: float):
        warm = max(1, total_steps // 10)
        return optax.join_schedules(
            [optax.linear_schedule(0.0, peak, warm), optax.linear_schedule(peak, 0.0, total_steps - warm)],
            [warm],
        )

    body = optax.adamw(schedule(learning_rate), weight_decay=weight_decay)
    head = optax.adamw(schedule(head_learning_rate), weight_decay=0.0)
    labels = partial(
        jax.tree_util.tree_map_with_path, lambda path, _: "head" if "head" in str(path) else "body"
    )
    return optax.chain(
        optax.clip_by_global_norm(1.0), optax.multi_transform({"body": body, "head": head}, labels)
    )


def padded(hidden: list[np.ndarray], idx: np.ndarray, rows: int, max_tokens: int):
    """Stack cached ``[tokens, hidden]`` arrays into a fixed-shape batch and its mask."""
    length = bucket_length(max(len(hidden[i]) for i in idx), max_tokens)
    x = np.zeros((rows, length, hidden[idx[0]].shape[1]), dtype=np.float32)
    mask = np.zeros((rows, length), dtype=np.float32)
    for r, i in enumerate(idx):
        x[r, : len(hidden[i])] = hidden[i]
        mask[r, : len(hidden[i])] = 1.0
    mask[len(idx) :, 0] = 1.0
    return x, mask


def length_batches(lengths: np.ndarray, rows: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of statements of similar length: sort within random chunks, shuffle batches."""
    order = rng.permutation(len(lengths))
    chunk = rows * 8
    batches = []
    for start in range(0, len(order), chunk):
        part = order[start : start + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches += [part[i : i + rows] for i in range(0, len(part), rows)]
    rng.shuffle(batches)
    return batches


def train(
    trainable: dict,
    frozen: list[Params],
    hidden: list[np.ndarray],
    targets: np.ndarray,
    weights: np.ndarray,
    *,
    settings: Settings,
    optimizer: optax.GradientTransformation,
    step: Callable,
    epochs: int,
    rows: int,
    max_tokens: int,
    seed: int,
    after_epoch: Callable[[int, dict], None] | None = None,
) -> tuple[dict, list[float]]:
    """Run the epochs; ``after_epoch(epoch, trainable)`` lets a caller score each epoch."""
    opt_state = optimizer.init(trainable)
    rng = np.random.default_rng(seed)
    lengths = np.array([len(h) for h in hidden])
    losses = []
    for epoch in range(epochs):
        total = 0.0
        for idx in length_batches(lengths, rows, rng):
            x, mask = padded(hidden, idx, rows, max_tokens)
            t = np.zeros(rows, dtype=np.int32)
            w = np.zeros(rows, dtype=np.float32)
            t[: len(idx)], w[: len(idx)] = targets[idx], weights[idx]
            trainable, opt_state, loss = step(trainable, opt_state, frozen, x, mask, t, w)
            total += float(loss) * len(idx)
        losses.append(total / len(hidden))
        if after_epoch is not None:
            after_epoch(epoch + 1, trainable)
    return trainable, losses


def run_top(
    trainable: dict,
    frozen: list[Params],
    hidden: list[np.ndarray],
    *,
    output: str = "logits",
    settings: Settings,
    rows: int,
    max_tokens: int,
) -> np.ndarray:
    """The top blocks over cached inputs, in fixed-shape batches of similar length.

    ``output="logits"`` gives the head's two logits; ``"pooled"`` the mean-pooled, normalized
    embedding the head reads.
    """
    fn, width = (logits_fn, 2) if output == "logits" else (pooled_fn, frozen[0]["q"].shape[0])
    out = np.zeros((len(hidden), width), dtype=np.float32)
    order = np.argsort([len(h) for h in hidden], kind="stable")
    for start in range(0, len(order), rows):
        idx = order[start : start + rows]
        x, mask = padded(hidden, idx, rows, max_tokens)
        out[idx] = np.asarray(fn(trainable, frozen, x, mask, settings))[: len(idx)]
    return out
