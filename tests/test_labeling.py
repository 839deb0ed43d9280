"""The labeling loop, driven by scripted keystrokes through the CLI entry point."""

from __future__ import annotations

import csv
import io
import sys

import pytest

from classifier.cli import main
from classifier.data.labeled import load_labeled

from .conftest import SMALL_TRAIN, train_small, version_dirs

ARTICLE_QUOTE = "Succes bij een ander!"
TEXTS = [
    "We nemen altijd op, ook op zondag.",
    "Na zessen is de winkel dicht, punt.",
    "Whatever the guest wants, the guest gets.",
    "I stopped working for free years ago.",
    ARTICLE_QUOTE,
    "We nemen altijd op, ook op zondag.",
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("label-models")
    assert train_small(root) == 0
    return version_dirs(root)[0]


@pytest.fixture
def survey(tmp_path):
    path = tmp_path / "survey.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["respondent", "Uitspraak"])
        w.writerows([[i, t] for i, t in enumerate(TEXTS)])
    return path


def label(survey, model_dir, keys: str, monkeypatch, *extra: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(keys))
    return main(["label", str(survey), "--model", str(model_dir), *extra])


def rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_answers_are_appended_and_a_rerun_resumes(survey, model_dir, monkeypatch, capsys):
    out = survey.with_name("survey.labels.csv")
    assert label(survey, model_dir, "k l s q", monkeypatch) == 0
    first = rows(out)
    assert [r["label"] for r in first] == ["customer_is_king", "sets_limits"]
    assert all(r["source"] == "labeled" and r["rationale"] for r in first)
    assert "labeled 2, skipped 1" in capsys.readouterr().out

    assert label(survey, model_dir, "l\nk\n", monkeypatch) == 0
    second = rows(out)
    assert len(second) == 3, "one text was left; the skipped one is not asked again"
    asked = {r["text"] for r in second}
    assert ARTICLE_QUOTE not in asked, "statements already in the training data are skipped"
    assert len(asked) == 3

    assert label(survey, model_dir, "k", monkeypatch) == 0
    assert "nothing left to label" in capsys.readouterr().out


def test_undo_takes_back_the_last_answer(survey, model_dir, monkeypatch):
    out = survey.with_name("survey.labels.csv")
    assert label(survey, model_dir, "k u l s u s q", monkeypatch) == 0
    got = rows(out)
    assert [r["label"] for r in got] == ["sets_limits"]
    assert len(survey.with_name("survey.labels.csv.skipped").read_text().split()) == 1


def test_labels_file_is_a_valid_training_file(survey, model_dir, monkeypatch, tmp_path):
    out = tmp_path / "mine.csv"
    assert label(survey, model_dir, "klkl", monkeypatch, "--out", str(out)) == 0
    data = load_labeled([out])
    assert len(data) == 4
    assert (
        main(
            [
                "train",
                "--model",
                "fast",
                "--data",
                str(out),
                "--data",
                str(SMALL_TRAIN),
                "--only",
                "--repeats",
                "1",
                "--models-dir",
                str(tmp_path / "m"),
            ]
        )
        == 0
    )


def test_unknown_text_column_lists_columns(survey, model_dir, monkeypatch, capsys):
    assert label(survey, model_dir, "q", monkeypatch, "--text-column", "quote") != 0
    err = capsys.readouterr().err
    assert "columns are: respondent, Uitspraak" in err and "--text-column" in err


def test_limit_asks_about_at_most_n_statements(survey, model_dir, monkeypatch, capsys):
    assert label(survey, model_dir, "k k k k", monkeypatch, "--limit", "2") == 0
    assert len(rows(survey.with_name("survey.labels.csv"))) == 2
    out = capsys.readouterr()
    assert "labeled 2, skipped 0" in out.out
    assert "[2/2]" in out.err and "[3/" not in out.err
