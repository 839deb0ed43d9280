"""The evaluation report: every figure's data from one cross-validation, then PNGs and report.html.

:func:`build_report` does all the computing and returns JSON-ready figure data
(what ``stance evaluate --report DIR --json`` prints); :func:`write_report` only
draws (:mod:`.plots`) and writes (:mod:`.report_html`). So the
notebook, the CLI and the tests share one path, and figures can be redrawn from JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .figures import (
    coverage_data,
    group_data,
    has_ngrams,
    learning_data,
    mistakes_data,
    ngram_data,
    reliability_data,
)

LEARNING_FRACTIONS = (0.25, 0.5, 0.75, 1.0)


@dataclass
class Report:
    """One model's cross-validated evaluation: the summary table and each figure's data."""

    name: str
    summary: dict  # what evaluate_recipe returns, for tables.cv_report
    figures: dict[str, dict]  # JSON-ready, one entry per plots.FIGURES function

    def to_json(self) -> dict:
        return clean({"name": self.name, "summary": self.summary, "figures": self.figures})


def clean(value):
    """numpy scalars to Python, NaN to None: strict JSON that browsers and jq accept."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str):
        return clean(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def report_steps(
    estimator, *, n_splits: int = 5, n_repeats: int = 3, fractions=LEARNING_FRACTIONS, learning_repeats=1
) -> int:
    """How many models :func:`build_report` fits, for a progress bar."""
    reused = 1.0 in fractions and learning_repeats <= n_repeats
    extra = (len(set(fractions)) - reused) * n_splits * learning_repeats
    return n_splits * n_repeats + extra + int(has_ngrams(estimator))


def build_report(
    estimator,
    data,
    *,
    name: str = "model",
    n_splits: int = 5,
    n_repeats: int = 3,
    fractions: Sequence[float] = LEARNING_FRACTIONS,
    learning_repeats: int = 1,
    fitted=None,
    score_on=None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Cross-validate ``estimator`` beside the baselines and compute every figure's data.

    Parameters
    ----------
    estimator : StanceClassifier or scikit-learn classifier on texts
        The recipe to evaluate; cloned for every fold.
    data : DataFrame
        Labeled statements as from :func:`classifier.data.load_labeled`.
    fractions, learning_repeats
        Learning-curve points and repeats; fraction 1.0 reuses the main folds.
    fitted : StanceClassifier, optional
        The recipe already trained on all of ``data``, to read n-gram weights
        from without another fit; otherwise one is fitted when the recipe has n-grams.
    score_on : boolean mask, optional
        Rows the folds score (the real statements, say); the others only train. None: all rows.
    """
    from .cross_validation import evaluate_recipe, oof_frame

    summary = evaluate_recipe(
        estimator,
        data,
        name=name,
        n_splits=n_splits,
        n_repeats=n_repeats,
        score_on=score_on,
        progress=progress,
    )
    cv = summary.pop("_oof")
    oof = oof_frame(cv, data)
    figures = {
        "confusion_matrix": {"model": name, **summary["confusion"]},
        "macro_f1_by_group": group_data(oof, data, name, summary["models"][name]["macro_f1"]["mean"]),
        "reliability": reliability_data(cv, name),
        "coverage": coverage_data(cv, name),
        "learning_curve": learning_data(
            estimator, data, cv, name, fractions, n_splits, learning_repeats, progress, score_on
        ),
        "top_ngrams": ngram_data(estimator, data, name, fitted, progress),
        "confident_mistakes": mistakes_data(cv, data, name),
    }
    return Report(name=name, summary=summary, figures=clean(figures))


def check_report_folder(folder: str | Path) -> Path:
    """Refuse a path that is a file before minutes of cross-validation, not after."""
    from ..exceptions import InputError

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file; give a folder for the report, e.g. --report out/")
    return folder


def write_report(report: Report, folder: str | Path) -> dict[str, Path]:
    """Draw every available figure as PNG into ``folder`` and write ``report.html`` beside them.

    Returns the written files by figure name (and ``"html"``). Each file is written
    atomically, so an interrupted run leaves the previous report whole.
    """
    from ..data.files import atomic_output
    from . import plots
    from .report_html import render

    folder = check_report_folder(folder)
    written = {}
    for key, figure in report.figures.items():
        if figure.get("available", True):
            written[key] = plots.save(plots.FIGURES[key](figure), folder / f"{key}.png")
    html = folder / "report.html"
    with atomic_output(html) as fh:
        fh.write(render(report, {k: p.name for k, p in written.items()}))
    written["html"] = html
    return written
