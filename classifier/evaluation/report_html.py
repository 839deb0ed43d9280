"""report.html: the figures with a sentence each on how to read them, and the numbers as tables.

Plain HTML with inline CSS and the PNGs beside it: it opens from a folder, a zip
or a mail attachment without a server. Every value from the data is escaped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

CAPTIONS = {
    "confusion_matrix": (
        "Confusion matrix",
        "Rows are the true labels, columns what the model said, counted over out-of-fold predictions "
        "of the first repeat. Off-diagonal cells are the mistakes; the share is of the row.",
    ),
    "macro_f1_by_group": (
        "Macro-F1 per language and per source",
        "Each dot is one test fold's macro-F1 on the statements of that language or source; the bar "
        "is mean ± sd over folds. A group far below the dashed overall line is a weak spot the "
        "average hides. Folds where a small group has only one true label have no macro-F1 and are left out.",
    ),
    "reliability": (
        "Reliability (calibration)",
        "Statements binned by predicted probability; a calibrated model's dots lie on the diagonal, "
        "so a confidence of 0.8 is right about 8 times in 10. Brier score and expected calibration "
        "error (ECE): lower is better.",
    ),
    "coverage": (
        "Coverage against accuracy for the abstain threshold",
        "With --min-confidence T a statement whose top probability is below T is labeled "
        "'uncertain'. Raising T labels fewer statements (coverage) and gets more of those right "
        "(accuracy); pick T where the trade suits you.",
    ),
    "learning_curve": (
        "Learning curve",
        "Macro-F1 on fixed held-out folds when training on a share of each training fold. A curve "
        "still rising at 100% says more labeled data will help; a flat one says it will not much.",
    ),
    "top_ngrams": (
        "Strongest n-grams per label",
        "The word (stemmed) and character n-grams with the largest weights in the model trained on "
        "all statements. Topic words or punctuation here hint at shortcuts in the data, not stance.",
    ),
    "confident_mistakes": (
        "The most confident mistakes",
        "Out-of-fold errors ranked by the confidence of the wrong label (mean over repeats). Read "
        "them: they are often mislabeled statements, sometimes a pattern the model cannot see.",
    ),
}

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; color: #222;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #eee; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; display: block; margin: 0.8rem 0; }
.note { color: #555; } .text { max-width: 34rem; }
"""


def _num(value, fmt: str = ".3f") -> str:
    return "–" if value is None else format(value, fmt)


def _ms(stats: dict) -> str:
    return f"{_num(stats['mean'])} ± {_num(stats['std'])}"


def _table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i in numeric else ''}>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _models(summary: dict) -> str:
    rows = [[escape(name), _ms(s["macro_f1"]), _ms(s["accuracy"])] for name, s in summary["models"].items()]
    return _table(["model", "macro-F1 (mean ± sd over folds)", "accuracy"], rows, {1, 2})


def _groups(figure: dict) -> str:
    out = []
    for column, groups in figure["groups"].items():
        rows = [
            [
                escape(g["value"] or "(none)"),
                str(g["n"]),
                f"{_num(g['mean'])} ± {_num(g['std'])}",
                f"{_num(g['min'])} – {_num(g['max'])}",
                _num(g["pooled_macro_f1"]),
            ]
            for g in groups
        ]
        header = [column, "statements", "macro-F1 per fold", "range", "macro-F1 pooled"]
        out.append(_table(header, rows, {1, 2, 3, 4}))
    return "".join(out)


def _coverage(figure: dict) -> str:
    rows = [
        [f"{p['threshold']:.2f}", _num(p["coverage"], ".1%"), _num(p["accuracy"], ".1%")]
        for p in figure["marked"]
    ]
    return _table(["threshold", "coverage", "accuracy of the labeled"], rows, {0, 1, 2})


def _learning(figure: dict) -> str:
    rows = [
        [
            f"{p['fraction']:.0%}",
            str(p["train_rows"]),
            f"{_num(p['macro_f1_mean'])} ± {_num(p['macro_f1_std'])}",
            f"{_num(p['macro_f1_min'])} – {_num(p['macro_f1_max'])}",
        ]
        for p in figure["points"]
    ]
    return _table(["share", "training rows", "macro-F1", "range"], rows, {0, 1, 2, 3})


def _mistakes(figure: dict) -> str:
    rows = [
        [
            str(i),
            f"<span class=text>{escape(r['text'])}</span>",
            escape(r["label"]),
            escape(r["predicted"]),
            f"{r['confidence']:.2f}",
            escape(" ".join(r.get(c, "") for c in ("lang", "source", "id")).strip()),
        ]
        for i, r in enumerate(figure["rows"], 1)
    ]
    note = f"<p class=note>{figure['mistakes']} of {figure['statements']} statements are misclassified.</p>"
    return note + _table(["#", "statement", "true", "predicted", "confidence", "from"], rows, {0, 4})


EXTRA = {
    "macro_f1_by_group": _groups,
    "coverage": _coverage,
    "learning_curve": _learning,
    "confident_mistakes": _mistakes,
}


def render(report, images: dict[str, str]) -> str:
    """The whole page; ``images`` maps figure names to PNG file names beside the page."""
    summary = report.summary
    name = escape(report.name)
    per_label = ", ".join(f"{escape(k)} {v}" for k, v in summary["rows_per_label"].items())
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Stance classifier evaluation: {name}</title><style>{STYLE}</style></head><body>",
        f"<h1>Stance classifier evaluation: {name}</h1>",
        f"<p>{summary['rows']} labeled statements ({per_label}); {escape(summary['scheme'])}, "
        "grouped so that sentences of one quote never sit on both sides of a split. "
        f"Baselines on the same folds for comparison. Made {created}.</p>",
        _models(summary),
    ]
    for key, figure in report.figures.items():
        title, caption = CAPTIONS[key]
        parts.append(f"<h2 id={key}>{escape(title)}</h2><p>{escape(caption)}</p>")
        if key in images:
            parts.append(f'<img src="{escape(images[key])}" alt="{escape(title)}">')
        elif not figure.get("available", True):
            parts.append(f"<p class=note>Not shown: {escape(figure['reason'])}.</p>")
        if key in EXTRA:
            parts.append(EXTRA[key](figure))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
