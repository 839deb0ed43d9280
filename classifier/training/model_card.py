"""A short human-readable card beside each saved model: what it is, what it was trained on, how good."""

from __future__ import annotations

from pathlib import Path

from ..data.files import atomic_output


def render(meta: dict) -> str:
    cv = meta.get("cv", {})
    f1 = cv.get("macro_f1", {})
    acc = cv.get("accuracy", {})
    lines = [
        f"# Stance model {meta.get('kind', '?')} {meta.get('version', '')}",
        "",
        f"- Created: {meta.get('created')}",
        f"- Features: {meta.get('settings', {}).get('features')} "
        f"({meta.get('settings', {}).get('combine')}), C={meta.get('settings', {}).get('C')}",
        f"- Labels: {', '.join(meta.get('labels', []))}",
        f"- Training rows: {meta.get('training_rows')} by source {meta.get('rows_per_source')}",
        f"- Training files (sha256): {meta.get('training_data')}",
        f"- Cross-validated ({cv.get('scheme')}): macro-F1 {f1.get('mean', float('nan')):.3f} "
        f"± {f1.get('std', float('nan')):.3f}, accuracy {acc.get('mean', float('nan')):.3f} "
        f"± {acc.get('std', float('nan')):.3f}",
        f"- Decision: {'activated' if meta.get('activated') else 'kept inactive'}: {meta.get('decision')}",
        f"- Library versions: {meta.get('versions')}",
        "",
        "Intended use: label statements of business owners about demanding customers as",
        "customer_is_king or sets_limits. Not for decisions about people; check low-confidence labels.",
    ]
    return "\n".join(lines) + "\n"


def write_model_card(folder: Path, meta: dict) -> None:
    with atomic_output(folder / "MODEL_CARD.md") as fh:
        fh.write(render(meta))
