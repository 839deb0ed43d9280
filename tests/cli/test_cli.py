"""The CLI through its entry point, on real files in tmp_path."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from classifier.cli import main

from ..conftest import SMALL_TRAIN, train_small, version_dirs


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A fast model folder trained through the CLI on the small fixture data."""
    root = tmp_path_factory.mktemp("cli-models")
    code = train_small(root)
    assert code == 0
    (version,) = version_dirs(root)
    return version


def test_train_saves_model_card_and_metadata(trained):
    assert (trained / "model.joblib").exists()
    assert (trained / "MODEL_CARD.md").read_text().startswith("# Stance model fast")
    meta = json.loads((trained / "metadata.json").read_text())
    assert meta["training_rows"] == 16
    assert 0.0 <= meta["cv"]["macro_f1"]["mean"] <= 1.0


def test_classify_arguments(trained, capsys):
    assert main(["classify", "--model", str(trained), "Ik zeg nee tegen schelden", "We always say yes"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        label, confidence = line.split()[:2]
        assert label in {"customer_is_king", "sets_limits"}
        assert 0.5 <= float(confidence) <= 1.0


def test_classify_stdin_json_keeps_order(trained, capsys, monkeypatch):
    texts = ["eerste uitspraak", "second statement", "", "derde"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(texts) + "\n"))
    assert main(["classify", "-", "--json", "--model", str(trained)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in rows] == ["eerste uitspraak", "second statement", "derde"]
    for r in rows:
        assert set(r) == {"text", "label", "confidence", "probabilities"}
        assert abs(sum(r["probabilities"].values()) - 1) < 1e-6
        assert r["confidence"] == max(r["probabilities"].values())


def test_min_confidence_keeps_a_label_at_or_above_it_and_abstains_below(trained, capsys):
    text = "Ik zeg nee tegen klanten"
    assert main(["classify", "--model", str(trained), "--json", text]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["label"] != "uncertain" and plain["confidence"] < 0.999
    below, above = f"{plain['confidence'] - 0.001:.6f}", f"{plain['confidence'] + 0.001:.6f}"
    assert main(["classify", "--model", str(trained), "--json", "--min-confidence", below, text]) == 0
    kept = json.loads(capsys.readouterr().out)
    assert kept["label"] == plain["label"] and kept["confidence"] == plain["confidence"]
    assert main(["classify", "--model", str(trained), "--json", "--min-confidence", above, text]) == 0
    abstained = json.loads(capsys.readouterr().out)
    assert abstained["label"] == "uncertain" and abstained["confidence"] == plain["confidence"]


READ_PATH_PROBE = """
import io, sys
from classifier.cli import main
sys.stdin = io.StringIO("q")
code = main(sys.argv[1:])
print(code, sorted(m for m in sys.modules if m.startswith("classifier.training")))
"""


@pytest.mark.parametrize("command", ["classify", "score", "label"])
def test_commands_that_only_label_never_import_training(trained, tmp_path, command):
    table = tmp_path / "in.csv"
    table.write_text("text\nWe zeggen nee.\nAltijd ja.\n", encoding="utf-8")
    argv = {
        "classify": ["classify", "--model", str(trained), "Nee."],
        "score": ["score", str(table), "--model", str(trained), "--workers", "1"],
        "label": ["label", str(table), "--model", str(trained)],
    }[command]
    done = subprocess.run(
        [sys.executable, "-c", READ_PATH_PROBE, *argv], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stderr


def test_explain_lists_phrases(trained, capsys):
    assert main(["classify", "--model", str(trained), "--explain", "--json", "Ik zeg nee tegen klanten"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["explanation"]["phrases"], "an n-gram model explains with phrases"
    assert all(p["label"] in {"customer_is_king", "sets_limits"} for p in out["explanation"]["phrases"])


def test_evaluate_cross_validation_table(capsys):
    assert (
        main(
            [
                "evaluate",
                "--model",
                "fast",
                "--only",
                "--data",
                str(SMALL_TRAIN),
                "--repeats",
                "2",
                "--folds",
                "3",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    for expected in ("macro-F1", "majority", "keyword rule", "Confusion matrix", "Coverage", "±"):
        assert expected in out


def test_evaluate_json(capsys):
    assert (
        main(
            [
                "evaluate",
                "--model",
                "fast",
                "--only",
                "--data",
                str(SMALL_TRAIN),
                "--repeats",
                "1",
                "--folds",
                "2",
                "--json",
            ]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert set(result["models"]) == {"fast", "majority", "keyword rule"}
    assert result["rows"] == 16


def test_evaluate_saved_model_on_holdout(trained, capsys):
    assert main(["evaluate", "--model", str(trained), "--holdout", str(SMALL_TRAIN), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    scores = result["files"]["small_train.csv"]
    assert scores["n"] == 16 and set(scores["by_lang"]) == {"nl", "en"}


def test_first_use_answers_from_the_shipped_model_without_training(capsys):
    assert main(["classify", "--model", "fast", "--json", "Wij zeggen nee tegen klanten die schelden."]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["label"] == "sets_limits"
    assert out.err == ""


def test_without_a_shipped_model_first_use_trains_and_says_so_once(capsys, tmp_path, monkeypatch):
    import classifier.training.trainer as trainer

    monkeypatch.setenv("STANCE_SHIPPED_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("STANCE_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setattr(trainer, "BUNDLED_DATA_FILES", (SMALL_TRAIN,))
    assert main(["classify", "--model", "fast", "Ik zeg wel eens nee tegen een klant"]) == 0
    first = capsys.readouterr()
    assert main(["classify", "--model", "fast", "Ik zeg wel eens nee tegen een klant"]) == 0
    second = capsys.readouterr()
    assert first.out == second.out
    assert "training one from the bundled data" in first.err
    assert "training" not in second.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["classify", ""], "statement 1 is empty"),
        (["classify", "--model", "/nonexistent/model", "x"], "neither accurate nor fast"),
        (["train", "--only"], "--only needs at least one --data FILE"),
        (["train", "--data", "/nonexistent.csv"], "file not found"),
        (
            [
                "evaluate",
                "--model",
                "fast",
                "--only",
                "--data",
                "tests/fixtures/labeled/bad_no_text_column.csv",
            ],
            "no column 'text'",
        ),
        (
            ["evaluate", "--model", "fast", "--only", "--data", "tests/fixtures/labeled/bad_label_typo.csv"],
            "did you mean",
        ),
        (
            ["evaluate", "--model", "fast", "--only", "--data", "tests/fixtures/labeled/bad_binary.csv"],
            "is a PNG image",
        ),
    ],
)
def test_bad_input_is_one_line_and_nonzero(argv, message, capsys):
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert message in err
    assert err.count("\n") == 0, err
    assert "Traceback" not in err


def test_tampered_active_model_is_refused(tmp_path, capsys):
    root = tmp_path / "models"
    assert train_small(root) == 0
    (version,) = version_dirs(root)
    with open(version / "model.joblib", "ab") as fh:
        fh.write(b"x")
    capsys.readouterr()
    assert main(["classify", "--model", str(version), "x"]) == 1
    assert "sha256 does not match" in capsys.readouterr().err


def test_console_script_help_is_fast_and_works():
    out = subprocess.run(
        [sys.executable, "-m", "classifier", "--help"], capture_output=True, text=True, check=True
    )
    assert "classify" in out.stdout and "train" in out.stdout and "evaluate" in out.stdout
    probe = "import sys, classifier.cli; print('sklearn' in sys.modules, 'pandas' in sys.modules)"
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert imported.stdout.split() == ["False", "False"]


def test_learning_curve_table_json_and_plot(tmp_path, capsys):
    plot = tmp_path / "curve.png"
    args = ["learning-curve", "--model", "fast", "--only", "--data", str(SMALL_TRAIN)]
    assert main([*args, "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "25%" in out and "100%" in out and "±" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main([*args, "--json"]) == 0
    curve = json.loads(capsys.readouterr().out)["fast"]
    assert [round(p["fraction"], 2) for p in curve] == [0.25, 0.5, 0.75, 1.0]
    assert curve[0]["train_rows"] < curve[-1]["train_rows"]


def test_review_lists_contradicted_rows(tmp_path, capsys):
    data = tmp_path / "noisy.csv"
    lines = SMALL_TRAIN.read_text().splitlines()
    # one king statement relabeled: the out-of-fold model should dispute it
    noisy = [
        line.replace(
            "We never say no to a customer.,customer_is_king", "We never say no to a customer.,sets_limits"
        )
        for line in lines
    ]
    data.write_text("\n".join(noisy) + "\n")
    assert main(["review", "--only", "--data", str(data), "--min-disagreement", "0.5", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows, "at least one row is disputed"
    assert all(r["predicted"] != r["label"] and r["confidence"] >= 0.5 for r in rows)
    assert rows == sorted(rows, key=lambda r: -r["confidence"])


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["train", "--repeats", "0"], "--repeats"),
        (["evaluate", "--repeats", "0"], "--repeats"),
        (["evaluate", "--folds", "1"], "--folds"),
        (["learning-curve", "--repeats", "-1"], "--repeats"),
        (["review", "--top", "-1"], "--top"),
        (["review", "--min-disagreement", "1.5"], "--min-disagreement"),
        (["label", "in.csv", "--limit", "-1"], "--limit"),
        (["score", "in.csv", "--workers", "0"], "--workers"),
        (["score", "in.csv", "--chunk-rows", "many"], "--chunk-rows"),
        (["classify", "--min-confidence", "2", "x"], "--min-confidence"),
    ],
)
def test_numeric_options_are_refused_by_argparse_before_any_work(argv, option, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, "one line, no usage block"
    assert err.startswith("stance ") and f"error: argument {option}" in err and "--help'." in err


def test_review_threshold_is_min_disagreement_not_min_confidence(capsys):
    with pytest.raises(SystemExit):
        main(["review", "--min-confidence", "0.5"])
    assert "unrecognized arguments: --min-confidence" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["train", "evaluate", "review", "learning-curve"])
def test_data_adds_to_the_bundled_data_and_only_replaces_it(command):
    from pathlib import Path

    from classifier.cli import build_parser
    from classifier.cli.common import data_paths
    from classifier.config import BUNDLED_DATA_FILES

    parser = build_parser()
    added = parser.parse_args([command, "--data", "mine.csv"])
    assert data_paths(added) == [*BUNDLED_DATA_FILES, Path("mine.csv")]
    only = parser.parse_args([command, "--only", "--data", "mine.csv"])
    assert data_paths(only) == [Path("mine.csv")]
    assert data_paths(parser.parse_args([command])) == list(BUNDLED_DATA_FILES)


@pytest.mark.parametrize("command", ["models", "train", "classify", "score", "serve"])
def test_models_dir_help_names_every_default_location(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "$STANCE_MODELS_DIR" in help_text and "checkout" in help_text and "user data folder" in help_text
