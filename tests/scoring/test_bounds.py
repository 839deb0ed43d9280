"""Hostile sizes: one huge cell is cut, counted, and costs no more than the same bytes over many rows."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from classifier.cli import main
from classifier.config import MAX_STATEMENT_CHARS
from classifier.scoring import score_csv

from ..conftest import train_small, version_dirs


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bound-models")
    assert train_small(root) == 0
    return version_dirs(root)[-1]


def write(path: Path, cells: list[str]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        writer.writerows([i, cell] for i, cell in enumerate(cells))
    return path


def seconds(path: Path, model_dir: Path) -> float:
    start = time.perf_counter()
    score_csv(path, path.with_suffix(".out.csv"), model=model_dir, workers=1, overwrite=True)
    return time.perf_counter() - start


def test_one_huge_cell_is_cut_and_counted(model_dir, tmp_path, capsys):
    source = write(tmp_path / "huge.csv", [("klanten " * 150_000)[:1_200_000], "We say no to rude clients."])
    start = time.perf_counter()
    assert main(["score", str(source), "-o", str(tmp_path / "out.csv"), "--model", str(model_dir)]) == 0
    assert time.perf_counter() - start < 10
    out = capsys.readouterr().out
    assert f"1 cut to their first {MAX_STATEMENT_CHARS:,} characters" in out
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert len(rows[1][1]) == 1_200_000, "the output keeps the input's cell whole"


@pytest.mark.parametrize("shape", ["one cell", "many rows"])
def test_scoring_time_grows_linearly(shape, model_dir, tmp_path):
    """Four times the bytes takes about four times as long (ratios, with room for a loaded machine)."""
    words = "de klant is koning maar wij stellen grenzen aan wat kan ".split()

    def cells(n_words: int) -> list[str]:
        text = [words[i % len(words)] + str(i % 997) for i in range(n_words)]
        if shape == "one cell":
            return [" ".join(text)]
        return [" ".join(text[i : i + 40]) for i in range(0, n_words, 40)]

    small = write(tmp_path / "small.csv", cells(40_000))
    large = write(tmp_path / "large.csv", cells(160_000))
    seconds(small, model_dir)  # warm up imports and caches
    large_s = min(seconds(large, model_dir) for _ in range(2))
    ratio = large_s / min(seconds(small, model_dir) for _ in range(2))
    assert ratio < 12, f"4x the input took {ratio:.1f}x the time"
