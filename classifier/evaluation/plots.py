"""One function per report figure: JSON-ready figure data in, a matplotlib Figure out.

Figures are drawn on the Agg canvas without pyplot, so nothing needs a display,
no global figure list grows, and a notebook shows the returned Figure as is.
Taking the data (not a model) means a figure can be redrawn from ``--json`` output.
"""

from __future__ import annotations

from pathlib import Path

from ..config import LABELS

COLORS = {"customer_is_king": "#4c72b0", "sets_limits": "#dd8452"}
GREY = "#8c8c8c"


def _figure(width: float = 6.4, height: float = 4.2, **subplots):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(**subplots) if subplots else fig.subplots()
    return fig, axes


def _plain(text: str, limit: int | None = None) -> str:
    """User text as a label: shortened, and ``$`` escaped so matplotlib does not read math."""
    text = " ".join(str(text).split())
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text.replace("$", r"\$")


def save(fig, path: str | Path) -> Path:
    """Write ``fig`` as PNG atomically, so a half-drawn image never replaces a good one."""
    from ..data.files import atomic_output

    path = Path(path)
    with atomic_output(path, mode="wb", encoding=None) as fh:
        fig.savefig(fh, format="png", metadata={"Software": None})
    return path


def confusion_matrix(data: dict):
    """Counts with row shares: which true label gets mistaken for which."""
    import numpy as np

    labels, matrix = data["labels"], np.asarray(data["matrix"], dtype=float)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = _figure(5.2, 4.4)
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            color = "white" if shares[i, j] > 0.6 else "black"
            ax.text(j, i, f"{int(matrix[i, j])}\n{shares[i, j]:.1%}", ha="center", va="center", color=color)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels, rotation=90, va="center")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"Confusion matrix ({data['model']}, out-of-fold, repeat {data['repeat']})", fontsize=10)
    return fig


def macro_f1_by_group(data: dict):
    """Each fold's macro-F1 per language and per source, so a weak subgroup cannot hide in the mean."""
    import numpy as np

    panels = [(col, groups) for col, groups in data["groups"].items() if groups]
    fig, axes = _figure(3.3 * max(1, len(panels)) + 0.6, 4.0, ncols=max(1, len(panels)), squeeze=False)
    rng = np.random.default_rng(0)
    for ax, (col, groups) in zip(axes[0], panels, strict=False):
        for i, g in enumerate(groups):
            folds = [v for v in g["folds"] if v is not None]
            ax.scatter(i + rng.uniform(-0.12, 0.12, len(folds)), folds, s=14, color=GREY, alpha=0.7, zorder=2)
            if g["mean"] is not None:
                ax.errorbar(i, g["mean"], yerr=g["std"] or 0, fmt="o", color="black", capsize=6, zorder=3)
        ax.axhline(data["overall"], color=COLORS["sets_limits"], lw=1, ls="--", label="all statements")
        ax.set_xticks(range(len(groups)), [f"{_plain(g['value'] or '(none)')}\nn={g['n']}" for g in groups])
        ax.set_xlim(-0.6, len(groups) - 0.4)
        ax.set_title(f"by {col}", fontsize=10)
        ax.set_ylabel("macro-F1 per fold")
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(loc="lower left", fontsize=8)
    fig.suptitle(f"Macro-F1 per fold ({data['model']}): dots are folds, bars mean ± sd", fontsize=10)
    return fig


def reliability(data: dict):
    """Predicted probability against observed frequency: does 0.8 mean right 8 times in 10?"""
    fig, (ax, hist) = _figure(5.2, 5.2, nrows=2, height_ratios=[3, 1], sharex=True)
    bins = [b for b in data["bins"] if b["count"]]
    ax.plot([0, 1], [0, 1], color=GREY, ls="--", lw=1, label="perfectly calibrated")
    ax.plot(
        [b["mean_predicted"] for b in bins],
        [b["observed"] for b in bins],
        marker="o",
        color=COLORS[data["positive"]],
        label=data["model"],
    )
    ax.set_ylabel(f"observed share {data['positive']}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(f"Reliability (out-of-fold): Brier {data['brier']:.3f}, ECE {data['ece']:.3f}", fontsize=10)
    width = [b["upper"] - b["lower"] for b in data["bins"]]
    hist.bar(
        [b["lower"] for b in data["bins"]],
        [b["count"] for b in data["bins"]],
        width=width,
        align="edge",
        color=COLORS[data["positive"]],
        edgecolor="white",
    )
    hist.set_xlabel(f"predicted probability of {data['positive']}")
    hist.set_ylabel("statements")
    return fig


def coverage(data: dict):
    """Share labeled and accuracy of those labels as the abstain threshold rises."""
    pts = data["points"]
    x = [p["threshold"] for p in pts]
    fig, ax = _figure(6.0, 4.0)
    for key, color, name in (
        ("coverage", COLORS["customer_is_king"], "coverage (share labeled)"),
        ("accuracy", COLORS["sets_limits"], "accuracy of the labeled"),
    ):
        y = [p[key] for p in pts]
        ax.plot(x, y, color=color, label=name)
        if data["repeats"] > 1:  # the band is the spread across repeats
            nan = float("nan")
            lo = [nan if p[f"{key}_min"] is None else p[f"{key}_min"] for p in pts]
            hi = [nan if p[f"{key}_max"] is None else p[f"{key}_max"] for p in pts]
            ax.fill_between(x, lo, hi, color=color, alpha=0.2, lw=0)
    for p in data["marked"]:
        ax.axvline(p["threshold"], color=GREY, lw=0.5, alpha=0.5)
        if p["accuracy"] is not None:
            ax.annotate(
                f"{p['coverage']:.0%} labeled, {p['accuracy']:.0%} right",
                (p["threshold"], p["coverage"]),
                textcoords="offset points",
                xytext=(3, -12) if p["threshold"] < 0.85 else (-3, -12),
                ha="left" if p["threshold"] < 0.85 else "right",
                fontsize=7,
            )
    ax.set_xlabel("confidence threshold (below it: 'uncertain')")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(min(x), max(x))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(f"Coverage against accuracy ({data['model']}, out-of-fold)", fontsize=10)
    return fig


def learning_curve(data: dict):
    """Macro-F1 against training rows: a curve still rising says more labels will pay."""
    return learning_curves({data["model"]: data["points"]}, data["scheme"])


def learning_curves(curves: dict[str, list[dict]], scheme: str):
    """One learning curve per model on shared axes: rows of :func:`classifier.learning_curve.learning_curve`.

    Each curve is its mean with ± sd error bars over a min–max band; the points are
    marked with the share of the training folds they used.
    """
    fig, ax = _figure(6.0, 4.0)
    for name, pts in curves.items():
        x = [p["train_rows"] for p in pts]
        mean = [p["macro_f1_mean"] for p in pts]
        sd = [p["macro_f1_std"] or 0 for p in pts]  # None with a single fold
        line = ax.errorbar(x, mean, yerr=sd, marker="o", capsize=4, label=f"{name}: mean ± sd")
        if all(p.get("macro_f1_min") is not None for p in pts):
            lo, hi = [p["macro_f1_min"] for p in pts], [p["macro_f1_max"] for p in pts]
            ax.fill_between(x, lo, hi, alpha=0.15, lw=0, color=line.lines[0].get_color())
        for p in pts:
            ax.annotate(
                f"{p['fraction']:.0%}",
                (p["train_rows"], p["macro_f1_mean"]),
                xytext=(4, -12),
                textcoords="offset points",
                fontsize=8,
            )
    ax.set_xlabel("training statements per fold")
    ax.set_ylabel("macro-F1 on the held-out fold")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, title="band: min–max over folds", title_fontsize=7)
    ax.set_title(f"Learning curve ({', '.join(curves)}; {scheme})", fontsize=10)
    return fig


def _feature_label(f: dict) -> str:
    if f["kind"] == "chars":
        return "'" + _plain(f["feature"].replace(" ", "␣")) + "'"
    return _plain(f["feature"])


def top_ngrams(data: dict):
    """The word and character n-grams with the largest weights toward each label."""
    per_label = data["labels"]
    k = max(len(v) for v in per_label.values())
    fig, axes = _figure(7.6, 0.26 * k + 1.4, ncols=len(per_label), squeeze=False)
    for ax, label in zip(axes[0], LABELS, strict=False):
        feats = per_label.get(label, [])[::-1]
        ax.barh(range(len(feats)), [f["weight"] for f in feats], color=COLORS[label])
        ax.set_yticks(range(len(feats)), [_feature_label(f) for f in feats], fontsize=8)
        ax.set_title(f"toward {label}", fontsize=10)
        ax.set_xlabel("|weight|")
    fig.suptitle(f"Strongest n-grams ({data['model']}); '…' = characters, ␣ = space", fontsize=10)
    return fig


def confident_mistakes(data: dict):
    """The errors the model was surest of: often label noise, sometimes a blind spot."""
    from matplotlib.patches import Patch

    rows = data["rows"][::-1]
    fig, ax = _figure(9.0, 0.42 * max(len(rows), 1) + 1.2)
    if not rows:
        ax.text(0.5, 0.5, "no mistakes", ha="center", va="center")
        ax.set_axis_off()
        return fig
    ax.barh(range(len(rows)), [r["confidence"] for r in rows], color=[COLORS[r["predicted"]] for r in rows])
    ax.set_yticks(range(len(rows)), [_plain(r["text"], 70) for r in rows], fontsize=7)
    for i, r in enumerate(rows):
        ax.text(r["confidence"] + 0.005, i, f"true {r['label']}", va="center", fontsize=7)
    ax.set_xlim(0.5, 1.16)
    ax.set_xticks([0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    handles = [Patch(color=COLORS[label], label=f"said {label}") for label in LABELS]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=7, frameon=False)
    ax.set_xlabel("confidence of the wrong label (mean over repeats)")
    ax.set_title(f"The {len(rows)} most confident mistakes ({data['model']}, out-of-fold)", fontsize=10)
    return fig


FIGURES = {
    "confusion_matrix": confusion_matrix,
    "macro_f1_by_group": macro_f1_by_group,
    "reliability": reliability,
    "coverage": coverage,
    "learning_curve": learning_curve,
    "top_ngrams": top_ngrams,
    "confident_mistakes": confident_mistakes,
}
