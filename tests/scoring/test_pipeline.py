"""Batch scoring: odd real-world files, atomic output, resume, and the same rows out as in."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.cli import main
from classifier.data.csvio import detect_dialect, iter_rows
from classifier.data.sheets import iter_parquet_rows, iter_sheet_rows
from classifier.exceptions import InputError
from classifier.scoring import find_text_column, score_csv, score_frame
from classifier.scoring.engine import accelerated
from classifier.scoring.state import load_state, partial_path, state_path

from ..conftest import FIXTURES, SMALL_TRAIN

SCORE = FIXTURES / "score"
LABELS = {"customer_is_king", "sets_limits"}

# file -> (exit code, text column, rows with empty text) for files that score, or
# file -> (exit code, message fragments) for files that are refused
GOOD = {
    "bom_semicolon.csv": ("Uitspraak", 0),
    "tab.tsv": ("text", 0),
    "pipe.csv": ("quote", 0),
    "utf16.csv": ("text", 0),
    "embedded_newlines.csv": ("text", 0),
    "empty_cells.csv": ("text", 4),
    "na_strings.csv": ("text", 0),
    "header_only.csv": ("text", 0),
    "crlf.csv": ("text", 0),
    "no_final_newline.csv": ("text", 0),
    "gzipped.csv.gz": ("text", 0),
    "long_cell.csv": ("text", 0),
    "single_column.csv": ("opmerking", 0),
    "sheet.xlsx": ("Tekst", 1),
    "table.parquet": ("text", 1),
}
BAD = {
    "cp1252.csv": (2, ["not valid UTF-8", "--encoding cp1252"]),
    "empty_file.csv": (1, ["empty"]),
    "missing_text_column.csv": (2, ["no text column", "columns are: id, answer, score", "--text-column"]),
    "ambiguous_columns.csv": (2, ["several columns", "--text-column text"]),
    "duplicate_header.csv": (1, ["'text' appears twice"]),
    "ragged.csv": (1, ["line 3 has 3 fields", "header has 2"]),
    "binary.csv": (2, ["is a PNG image, not CSV text"]),
    "random_bytes.csv": (2, ["binary file", "NUL"]),
    "random_after_bom.csv": (2, ["not valid utf-16", "Give a text file"]),
    "nul_bytes.csv": (2, ["binary file", "NUL"]),
    "archive.csv": (2, ["is a ZIP archive", "must be named .xlsx"]),
    "not_a_workbook.xlsx": (2, ["cannot be read as an Excel workbook"]),
    "document.csv": (2, ["is a PDF document, not CSV text"]),
    "already_scored.csv": (1, ["already has a column 'stance'"]),
}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    """A fast model folder trained through the CLI on the small fixture data."""
    root = tmp_path_factory.mktemp("score-models")
    args = ["train", "--model", "fast", "--only", "--data", str(SMALL_TRAIN), "--repeats", "1"]
    assert main([*args, "--models-dir", str(root)]) == 0
    (version,) = [p for p in (root / "fast").iterdir() if p.is_dir() and not p.name.startswith(".")]
    return version


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_any(path: Path) -> tuple[list[str], list[list[str]]]:
    if path.suffix == ".xlsx":
        rows = iter_sheet_rows(path)
    elif path.suffix == ".parquet":
        rows = iter_parquet_rows(path)
    else:
        rows = iter_rows(path, detect_dialect(path))
    _, header = next(rows)
    return header, [cells for _, cells in rows]


def scored_name(path: Path) -> str:
    return "out.csv.gz" if path.name.endswith(".gz") else "out.csv"


def test_every_fixture_has_an_expectation():
    assert {p.name for p in SCORE.iterdir()} == set(GOOD) | set(BAD)


@pytest.mark.parametrize("name", sorted(GOOD) + sorted(BAD))
def test_fixture_files(name, model_dir, tmp_path, capsys):
    source = tmp_path / name
    shutil.copy(SCORE / name, source)
    before = sha(source)
    target = tmp_path / scored_name(source)
    code = main(["score", str(source), "-o", str(target), "--model", str(model_dir)])
    captured = capsys.readouterr()
    assert sha(source) == before, "the input is never modified"
    if name in BAD:
        expected_code, fragments = BAD[name]
        assert code == expected_code
        message = captured.err.strip()
        assert message.startswith("stance: error: ") and "\n" not in message and "Traceback" not in message
        for fragment in fragments:
            assert fragment in message
        assert not target.exists() and not partial_path(target).exists()
        return
    column, empty = GOOD[name]
    assert code == 0, captured.err
    header, rows = read_any(source)
    out_header, out_rows = read_any(target)
    assert out_header == [*header, "stance", "stance_confidence"]
    assert len(out_rows) == len(rows)
    assert [r[:-2] for r in out_rows] == rows, "input columns come out unchanged and in order"
    text_at = header.index(column)
    for row, out in zip(rows, out_rows, strict=True):
        if row[text_at].strip():
            assert out[-2] in LABELS and 0.5 <= float(out[-1]) <= 1.0
        else:
            assert out[-2:] == ["", ""]
    assert sum(out[-2] == "" for out in out_rows) == empty
    assert f"scored {len(rows)} rows" in captured.out and f"{empty} with empty text" in captured.out
    if source.suffix in (".csv", ".tsv", ".gz"):
        assert detect_dialect(target) == detect_dialect(source), "same delimiter and encoding as the input"


def test_crlf_and_bom_are_kept(model_dir, tmp_path):
    for name, start, crlf in [
        ("crlf.csv", b"id,text", True),
        ("bom_semicolon.csv", b"\xef\xbb\xbfnr;", False),
    ]:
        target = tmp_path / f"{name}.out"
        assert main(["score", str(SCORE / name), "-o", str(target), "--model", str(model_dir)]) == 0
        data = target.read_bytes()
        assert data.startswith(start) and (b"\r\n" in data) == crlf


def test_cp1252_decodes_on_request(model_dir, tmp_path):
    target = tmp_path / "out.csv"
    args = ["--model", str(model_dir), "--encoding", "cp1252"]
    assert main(["score", str(SCORE / "cp1252.csv"), "-o", str(target), *args]) == 0
    assert "Café sluit om zes – geen" in target.read_text(encoding="cp1252")


def test_default_output_and_refusals(model_dir, tmp_path, capsys):
    source = tmp_path / "export.csv"
    shutil.copy(SCORE / "pipe.csv", source)
    assert main(["score", str(source), "--model", str(model_dir)]) == 0
    target = tmp_path / "export.scored.csv"
    first = target.read_bytes()
    assert main(["score", str(source), "--model", str(model_dir)]) == 2
    assert "already exists" in capsys.readouterr().err and target.read_bytes() == first
    assert main(["score", str(source), "--model", str(model_dir), "--overwrite"]) == 0
    assert main(["score", str(source), "-o", str(source), "--model", str(model_dir), "--overwrite"]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert (
        main(["score", str(source), "--text-column", "nope", "--model", str(model_dir), "--overwrite"]) == 2
    )
    assert "columns are: id, quote, speaker" in capsys.readouterr().err


def test_min_confidence_and_explicit_column(model_dir, tmp_path):
    target = tmp_path / "out.csv"
    args = ["--model", str(model_dir), "--min-confidence", "1", "--text-column", "QUOTE"]
    assert main(["score", str(SCORE / "pipe.csv"), "-o", str(target), *args]) == 0
    _, rows = read_any(target)
    assert {r[-2] for r in rows} == {"uncertain"}


def _statements(n: int) -> list[str]:
    base = [
        "We stop at six.",
        "De klant is koning.",
        "Nee is ook een antwoord.",
        "Whatever you want, we do it.",
    ]
    return [f"{base[i % 4]} {'extra ' * (i % 7)}{i % 11}" if i % 9 else "" for i in range(n)]


def _table(path: Path, n: int = 40) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text"])
        writer.writerows([i, t] for i, t in enumerate(_statements(n)))
    return path


def test_interrupt_leaves_no_output_and_resume_is_identical(fast_model, tmp_path):
    source = _table(tmp_path / "in.csv")
    before = sha(source)
    score_csv(source, tmp_path / "full.csv", model=fast_model, chunk_rows=7, workers=1)
    target = tmp_path / "resumed.csv"

    def stop(done, expected):
        if done >= 14:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_csv(source, target, model=fast_model, chunk_rows=7, workers=1, progress=stop)
    assert not target.exists(), "an interrupted run leaves no half-written OUTPUT"
    assert sha(source) == before
    assert load_state(target)["rows"] == 7 and partial_path(target).exists(), "chunk 2 was not finished"
    summary = score_csv(source, target, model=fast_model, chunk_rows=7, workers=1, resume=True)
    assert summary.resumed_rows == 7 and summary.rows == 40
    assert target.read_bytes() == (tmp_path / "full.csv").read_bytes()
    assert not partial_path(target).exists() and not state_path(target).exists()


@pytest.mark.parametrize("suffix,encoding", [(".csv.gz", None), (".csv", "utf-16")])
def test_resume_identical_through_the_cli(model_dir, tmp_path, suffix, encoding, monkeypatch, capsys):
    source = _table(tmp_path / "in.csv")
    opts = ["--model", str(model_dir), "--chunk-rows", "6", "--workers", "1"]
    opts += ["--output-encoding", encoding] if encoding else []
    full, resumed = tmp_path / f"full{suffix}", tmp_path / f"resumed{suffix}"
    assert main(["score", str(source), "-o", str(full), *opts]) == 0
    import classifier.scoring.state as scoring_state

    real_save = scoring_state.save_state
    calls = []

    def crash_on_third(target, record):
        real_save(target, record)
        calls.append(record["rows"])
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(scoring_state, "save_state", crash_on_third)
    assert main(["score", str(source), "-o", str(resumed), *opts]) == 130
    assert "interrupted after 12 rows" in capsys.readouterr().err and not resumed.exists()
    monkeypatch.setattr(scoring_state, "save_state", real_save)
    assert main(["score", str(source), "-o", str(resumed), "--resume", *opts]) == 0
    assert "resumed after row 12" in capsys.readouterr().out
    assert resumed.read_bytes() == full.read_bytes()
    if suffix == ".csv.gz":
        assert gzip.decompress(full.read_bytes()).decode().count("\n") == 41


def test_resume_refuses_another_input_or_settings(fast_model, tmp_path):
    source = _table(tmp_path / "in.csv")
    target = tmp_path / "out.csv"

    def stop(done, expected):
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        score_csv(source, target, model=fast_model, chunk_rows=5, workers=1, progress=stop)
    with pytest.raises(InputError, match=r"min_confidence was 0\.0"):
        score_csv(source, target, model=fast_model, chunk_rows=5, resume=True, min_confidence=0.9)
    source.write_text(source.read_text() + "99,one more\n")
    with pytest.raises(InputError, match="changed since the interrupted run"):
        score_csv(source, target, model=fast_model, chunk_rows=5, resume=True)
    assert not target.exists()


def test_parallel_workers_give_the_same_bytes(fast_model, tmp_path):
    source = _table(tmp_path / "in.csv", n=120)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    score_csv(source, one, model=fast_model, chunk_rows=25, workers=1)
    score_csv(source, two, model=fast_model, chunk_rows=25, workers=2)
    assert one.read_bytes() == two.read_bytes()


def test_scores_equal_the_plain_model(fast_model, tmp_path):
    source = _table(tmp_path / "in.csv", n=60)
    target = tmp_path / "out.csv"
    score_csv(source, target, model=fast_model, chunk_rows=13, workers=1)
    out = pd.read_csv(target, dtype=str, keep_default_na=False)
    texts = _statements(60)
    has_text = [bool(t) for t in texts]
    proba = fast_model.predict_proba([t for t in texts if t])
    assert list(out["stance"][has_text]) == list(fast_model.classes_[proba.argmax(axis=1)])
    assert (
        np.abs(out["stance_confidence"][has_text].astype(float).to_numpy() - proba.max(axis=1)).max() < 1e-9
    )
    assert (out["stance"][[not h for h in has_text]] == "").all()


def test_score_frame(fast_model):
    frame = pd.DataFrame({"id": [1, 2, 3, 4], "Tekst": ["We stop at six.", None, "  ", "NA"]})
    out = score_frame(frame, fast_model)
    assert list(out.columns) == ["id", "Tekst", "stance", "stance_confidence"]
    assert list(out["id"]) == [1, 2, 3, 4] and frame.shape == (4, 2)
    assert out["stance"][0] in LABELS and out["stance"][3] in LABELS
    assert list(out["stance"][1:3]) == ["", ""] and out["stance_confidence"][1:3].isna().all()
    assert score_frame(frame.iloc[:0], fast_model).shape == (0, 4)


def test_find_text_column_rules():
    assert find_text_column(["id", "TEKST"]) == 1
    assert find_text_column(["answer"]) == 0
    with pytest.raises(InputError, match="several columns"):
        find_text_column(["text", "quote"])
    assert find_text_column(["text", "quote"], "quote") == 1


texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(texts, texts), max_size=12), st.sampled_from([",", ";", "\t", "|"]))
def test_any_table_scores_to_the_same_rows(fast_model, tmp_path_factory, rows, sep):
    folder = tmp_path_factory.mktemp("hyp")
    source = folder / "in.csv"
    with open(source, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=sep).writerows([("text", "other"), *rows])
    summary = score_csv(source, folder / "out.csv", model=fast_model, sep=sep, workers=1)
    _, out = read_any(folder / "out.csv")
    written = source.read_bytes().decode("utf-8")
    expected = [r for r in list(csv.reader(io.StringIO(written, newline=""), delimiter=sep))[1:] if r]
    assert summary.rows == len(out) == len(expected)
    assert [r[:2] for r in out] == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(texts.filter(lambda t: t.strip()), min_size=1, max_size=8))
def test_cheaper_ngram_path_gives_identical_probabilities(fast_model, statements):
    fast = accelerated(fast_model)
    assert fast is not fast_model
    assert np.array_equal(fast.predict_proba(statements), fast_model.predict_proba(statements))


VARIED = [
    "Na zessen neem ik niet meer op.",
    "The customer is always right, whatever it costs us.",
    "We hebben afscheid genomen van die klant.",
    "Bij ons krijgt de klant altijd zijn zin.",
    "Sometimes we bend the rules a little for a regular.",
]


def test_min_confidence_keeps_confident_labels_and_marks_the_rest_uncertain(fast_model):
    frame = pd.DataFrame({"text": VARIED})
    plain = score_frame(frame, fast_model)
    cut = float(plain["stance_confidence"].median())
    scored = score_frame(frame, fast_model, min_confidence=cut)
    kept = (plain["stance_confidence"] >= cut).to_numpy()
    assert kept.any() and not kept.all(), "the threshold splits the rows"
    assert (scored["stance"][kept] == plain["stance"][kept]).all()
    assert (scored["stance"][~kept] == "uncertain").all()
    np.testing.assert_allclose(scored["stance_confidence"], plain["stance_confidence"])


@pytest.mark.parametrize(("option", "delimiter"), [(";", ";"), ("tab", "\t"), ("|", "|")])
def test_output_sep_changes_only_the_output_delimiter(model_dir, tmp_path, option, delimiter):
    source = tmp_path / "in.csv"
    source.write_text('id,text\n1,We zeggen nee.\n2,"Always yes, always."\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    argv = ["score", str(source), "-o", str(out), "--model", str(model_dir), "--output-sep", option]
    assert main(argv) == 0
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter=delimiter))
    assert rows[0] == ["id", "text", "stance", "stance_confidence"]
    assert [r[:2] for r in rows[1:]] == [["1", "We zeggen nee."], ["2", "Always yes, always."]]
    assert source.read_text(encoding="utf-8").startswith("id,text\n"), "the input is untouched"


def test_output_sep_of_two_characters_is_refused(model_dir, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("text\nNee.\n", encoding="utf-8")
    assert main(["score", str(source), "--model", str(model_dir), "--output-sep", ";;"]) == 2
    assert "output delimiter must be one character" in capsys.readouterr().err
