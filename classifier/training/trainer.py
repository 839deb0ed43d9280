"""Training a model version: fit, cross-validate, compare with the active one, register.

A version is written into a hidden staging folder and renamed into place only
when complete; a training that fails removes its staging folder, and leftovers of
killed trainings older than an hour are removed by the next one.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import BUNDLED_DATA_FILES
from ..data.labeled import data_fingerprint, load_labeled
from ..evaluation.cross_validation import score_holdout, summarize_folds
from ..evaluation.folds import real_rows
from ..exceptions import ModelError
from ..models.estimator import StanceClassifier, fit_rows
from ..models.persistence import save_model
from ..models.registry import clean_staging, commit_version, kind_dir, staging_folder
from .compare import active_version, decide, paired_folds
from .model_card import write_model_card


@dataclass
class TrainResult:
    kind: str
    version: str
    folder: Path
    metadata: dict
    activated: bool
    reason: str
    folds: pd.DataFrame = field(repr=False, default=None)


def train(
    kind: str = "accurate",
    data_paths: Sequence[str | Path] | None = None,
    *,
    root: Path | None = None,
    holdout: str | Path | None = None,
    force: bool = False,
    n_splits: int = 5,
    n_repeats: int = 3,
    progress: Callable[[int], None] | None = None,
    estimator: StanceClassifier | None = None,
) -> TrainResult:
    """Train, cross-validate, compare with the active version and register a new version.

    A broken active version (changed file, other scikit-learn) is an error unless
    ``force``: training cannot compare against it, and replacing it silently would
    hide that something went wrong with the model in use.
    """
    paths = [Path(p) for p in (data_paths or BUNDLED_DATA_FILES)]
    data = load_labeled(paths)
    active = active_version(kind, root)
    if active.problem is not None and not force:
        raise ModelError(
            f"the active {kind} model {active.folder.name} is broken, so the new one cannot be compared "
            f"with it: {active.problem} Use 'stance models rollback' to return to a working version, "
            "or train with --force to replace it."
        )
    clean_staging(kind, root)
    new = estimator if estimator is not None else StanceClassifier(kind)
    folds = paired_folds(new, active, data, n_splits=n_splits, n_repeats=n_repeats, progress=progress)
    cv = summarize_folds(folds)
    scheme = f"{n_repeats}x repeated stratified group {n_splits}-fold"
    model = fit_rows(new, data)

    holdout_scores = None
    if holdout is not None:
        hold = load_labeled([holdout])
        holdout_scores = {"file": Path(holdout).name, "new": score_holdout(model, hold)}
        if active.model is not None:
            holdout_scores["active"] = score_holdout(active.model, hold)
    activated, reason = decide(active, cv, holdout_scores, force=force)
    metadata = {
        "kind": kind,
        "params": dict(model.get_params()),
        "settings": model.settings_,
        "training_data": data_fingerprint(paths),
        "training_rows": len(data),
        "rows_per_source": {str(k): int(v) for k, v in data.groupby("source").size().items()},
        "rows_per_label": {str(k): int(v) for k, v in data["label"].value_counts().items()},
        "cv": {"scheme": scheme, **cv},
        "real_accuracy": real_accuracy(data, cv, scheme),
        "holdout": holdout_scores,
        "compared_with": (active.metadata or {}).get("version"),
        "activated": activated,
        "decision": reason,
    }
    version = _register(model, metadata, kind, root, activate=activated)
    return TrainResult(kind, version, kind_dir(kind, root) / version, metadata, activated, reason, folds)


def real_accuracy(data: pd.DataFrame, cv: dict, scheme: str) -> dict | None:
    """The figure a user should see first: macro-F1 on real statements, from the training CV."""
    mask = real_rows(data)
    if mask is None:
        return None
    return {
        "macro_f1": cv["macro_f1"]["mean"],
        "macro_f1_sd": cv["macro_f1"]["std"],
        "scheme": f"{scheme}, scoring the real statements only",
        "rows": int(mask.sum()),
    }


def _register(model, metadata: dict, kind: str, root: Path | None, *, activate: bool) -> str:
    """Write the version into a staging folder and commit it; a failure leaves no staging behind."""
    staging = staging_folder(kind, root)
    try:
        metadata["version"] = staging.name.removeprefix(".staging-")
        metadata.update(save_model(model, staging, metadata))
        write_model_card(staging, metadata)
        return commit_version(staging, kind, activate=activate, root=root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
