"""Every path and project-wide constant lives here, so nothing else hard-codes a location.

Paths are built from the package location; environment variables override them,
and CLI flags override those.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
# An installed wheel carries the bundled data and shipped models inside the package
# (setup.py copies them there); a checkout has them at its top.
_BUNDLE = PACKAGE_DIR / "_bundled"
INSTALLED = (_BUNDLE / "data").is_dir()
DATA_DIR = _BUNDLE / "data" if INSTALLED else PROJECT_ROOT / "data"
_SHIPPED_DEFAULT = _BUNDLE / "shipped" if INSTALLED else PROJECT_ROOT / "models" / "shipped"
BUNDLED_DATA_FILES = (
    DATA_DIR / "labeled_quotes.csv",
    DATA_DIR / "authored_quotes.csv",
    DATA_DIR / "realworld_quotes.csv",
)
# The rows accuracy is judged on: real statements, not ones written for this project.
REAL_SOURCE = "real"
# Every model reads at most this many characters of a statement; longer ones are cut (and counted).
# Real statements are far shorter (the longest bundled one has 402 characters);
# the cap bounds the cost of one hostile cell.
MAX_STATEMENT_CHARS = 5_000

LABELS = ("customer_is_king", "sets_limits")
UNCERTAIN = "uncertain"
MODEL_KINDS = ("accurate", "fast")
DEFAULT_MODEL_KIND = "accurate"
RANDOM_STATE = 42


def shipped_models_dir() -> Path:
    """Trained default models that come with the project, so a fresh install answers at once."""
    return Path(os.environ.get("STANCE_SHIPPED_DIR", _SHIPPED_DEFAULT))


def models_dir() -> Path:
    """Folder of saved models; ``STANCE_MODELS_DIR`` moves it (tests use this).

    A checkout keeps them in its ``models/``; an installed package, whose folder is
    usually not writable (site-packages of a system or shared environment), keeps
    them in the user's data folder.
    """
    if "STANCE_MODELS_DIR" in os.environ:
        return Path(os.environ["STANCE_MODELS_DIR"])
    local = PROJECT_ROOT / "models"
    if not INSTALLED and os.access(PROJECT_ROOT, os.W_OK):
        return local
    from platformdirs import user_data_path

    return user_data_path("stance", appauthor=False) / "models"


def cache_dir() -> Path:
    """Folder of the embedding cache; ``STANCE_CACHE_DIR`` moves it."""
    return Path(os.environ.get("STANCE_CACHE_DIR", models_dir() / ".cache"))
