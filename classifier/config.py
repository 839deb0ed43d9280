"""Every path and project-wide constant lives here, so nothing else hard-codes a location.

Paths are built from the package location; environment variables override them,
and CLI flags override those.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
BUNDLED_DATA_FILES = (
    DATA_DIR / "labeled_quotes.csv",
    DATA_DIR / "authored_quotes.csv",
    DATA_DIR / "realworld_quotes.csv",
)
# The rows accuracy is judged on: real statements, not ones written for this project.
REAL_SOURCE = "real"
DEV_SET = Path(os.environ.get("STANCE_DEV_SET", PROJECT_ROOT.parent / "shared" / "realworld_dev.csv"))

LABELS = ("customer_is_king", "sets_limits")
UNCERTAIN = "uncertain"
MODEL_KINDS = ("accurate", "fast")
DEFAULT_MODEL_KIND = "accurate"
RANDOM_STATE = 42


def shipped_models_dir() -> Path:
    """Trained default models that come with the project, so a fresh install answers at once."""
    return Path(os.environ.get("STANCE_SHIPPED_DIR", PROJECT_ROOT / "models" / "shipped"))


def models_dir() -> Path:
    """Folder of saved models; ``STANCE_MODELS_DIR`` moves it (tests use this)."""
    return Path(os.environ.get("STANCE_MODELS_DIR", PROJECT_ROOT / "models"))


def cache_dir() -> Path:
    """Folder of the embedding cache; ``STANCE_CACHE_DIR`` moves it."""
    return Path(os.environ.get("STANCE_CACHE_DIR", models_dir() / ".cache"))
