"""Active labeling: the statements the model is least sure about, one key each, saved at once.

Every answer is appended to the labels file and flushed to disk before the next
statement is shown, so Ctrl-C or a crash loses nothing. Skipped texts go to a
sidecar file, so a rerun never asks about the same text twice.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import LABELS
from .data.columns import find_text_column
from .data.csvio import detect_dialect, iter_rows
from .data.files import atomic_output
from .exceptions import DataError
from .models.features import guess_language
from .predict import labels_from_proba, predict_proba

COLUMNS = ("id", "text", "label", "lang", "source", "speaker", "organisation", "group", "rationale")
KEYS = {"k": "customer_is_king", "l": "sets_limits"}


def read_texts(path: Path, text_column: str | None = None) -> list[str]:
    """Distinct non-empty texts of one column of a CSV, in file order."""
    rows = iter_rows(path, detect_dialect(path))
    _, header = next(rows)
    col = find_text_column(header, text_column, where=str(path))
    seen: dict[str, None] = {}
    for _, cells in rows:
        text = cells[col].strip()
        if text:
            seen.setdefault(text, None)
    return list(seen)


def text_id(text: str) -> str:
    return "lab-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


@dataclass
class LabelStore:
    """The labels file and its skip list, both append-only except for undo."""

    path: Path

    @property
    def skip_path(self) -> Path:
        return self.path.with_name(self.path.name + ".skipped")

    def labeled(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        rows = iter_rows(self.path, detect_dialect(self.path))
        _, header = next(rows)
        if "text" not in header or "label" not in header:
            raise DataError(
                f"{self.path}: not a labels file (needs text and label columns). Use another --out."
            )
        t, lab = header.index("text"), header.index("label")
        return {cells[t]: cells[lab] for _, cells in rows}

    def skipped(self) -> set[str]:
        if not self.skip_path.exists():
            return set()
        return set(self.skip_path.read_text(encoding="utf-8").split())

    def _append(self, path: Path, write: Callable) -> None:
        with open(path, "a", encoding="utf-8", newline="") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())

    def add(self, text: str, label: str, guess: str, confidence: float) -> None:
        new = not self.path.exists() or self.path.stat().st_size == 0

        def write(fh):
            w = csv.writer(fh)
            if new:
                w.writerow(COLUMNS)
            rid = text_id(text)
            lang = guess_language(text.lower().split())
            why = f"labeled by hand with stance label; the model guessed {guess} ({confidence:.2f})"
            w.writerow([rid, text, label, lang, "labeled", "", "", rid, why])

        self._append(self.path, write)

    def skip(self, text: str) -> None:
        self._append(self.skip_path, lambda fh: fh.write(text_id(text) + "\n"))

    def undo(self, action: tuple[str, str]) -> None:
        """Take back the last answer: drop the last row of the labels or skip file."""
        kind, text = action
        target = self.path if kind == "label" else self.skip_path
        lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
        if kind == "label":
            rows = list(csv.reader(lines))
            rows = rows[:-1] if rows and rows[-1][1] == text else rows
            with atomic_output(target) as fh:
                csv.writer(fh).writerows(rows)
        else:
            if lines and lines[-1].strip() == text_id(text):
                lines = lines[:-1]
            with atomic_output(target) as fh:
                fh.writelines(lines)


def rank_uncertain(model, texts: list[str]) -> list[tuple[str, str, float]]:
    """``(text, guessed label, confidence)`` with the least certain first."""
    if not texts:
        return []
    guess, conf = labels_from_proba(predict_proba(model, texts), LABELS)
    order = np.argsort(conf, kind="stable")
    return [(texts[i], str(guess[i]), float(conf[i])) for i in order]


def pending(store: LabelStore, texts: list[str], known: set[str]) -> list[str]:
    """Texts not yet labeled, skipped, or already in the training data."""
    done = set(store.labeled()) | known
    skipped = store.skipped()
    return [t for t in texts if t not in done and text_id(t) not in skipped]


def run_session(
    store: LabelStore,
    queue: list[tuple[str, str, float]],
    read_key: Callable[[], str],
    show: Callable[[str], None],
) -> dict[str, int]:
    """Ask about each queued statement; returns counts of what was answered."""
    counts = {"labeled": 0, "skipped": 0}
    history: list[tuple[str, str]] = []
    i = 0
    while i < len(queue):
        text, guess, conf = queue[i]
        show(
            f"\n[{i + 1}/{len(queue)}] model guess: {guess} ({conf:.2f})\n  {text}\n"
            "  k = customer_is_king, l = sets_limits, s = skip, u = undo, q = quit > "
        )
        key = read_key()
        if key in ("q", ""):
            break
        if key in KEYS:
            store.add(text, KEYS[key], guess, conf)
            history.append(("label", text))
            counts["labeled"] += 1
            i += 1
        elif key == "s":
            store.skip(text)
            history.append(("skip", text))
            counts["skipped"] += 1
            i += 1
        elif key == "u":
            if not history:
                show("  nothing to undo\n")
                continue
            action = history.pop()
            store.undo(action)
            counts["labeled" if action[0] == "label" else "skipped"] -= 1
            i -= 1
        else:
            show(f"  unknown key {key!r}\n")
    return counts
