from __future__ import annotations

import pytest

from classifier.data.labeled import load_labeled
from classifier.exceptions import DataError

from ..conftest import FIXTURES

LABELED = FIXTURES / "labeled"
EXPECTED = {
    "bad_label_case.csv": (":2:", "unknown label 'Sets_Limits'", "did you mean 'sets_limits'"),
    "bad_label_typo.csv": (":2:", "did you mean 'sets_limits'"),
    "bad_no_text_column.csv": ("no column 'text'", "columns are: quote, label"),
    "bad_empty_text.csv": (":2:", "empty statement"),
    "bad_duplicate.csv": (":3:", "exact duplicate of row 2"),
    "bad_conflict.csv": (":3:", "same text as row 2"),
    "bad_ragged.csv": ("line 2 has 3 fields", "header has 2"),
    "bad_cp1252.csv": ("not valid UTF-8", "--encoding cp1252"),
    "bad_binary.csv": ("is a PNG image, not CSV text",),
    "bad_empty_file.csv": ("empty",),
}


@pytest.mark.parametrize("path", sorted(LABELED.glob("good_*.csv")), ids=lambda p: p.name)
def test_good_files_load(path):
    data = load_labeled([path])
    assert len(data) == 2
    assert set(data["label"]) == {"customer_is_king", "sets_limits"}
    assert data["text"].str.len().min() > 0


@pytest.mark.parametrize("path", sorted(LABELED.glob("bad_*.csv")), ids=lambda p: p.name)
def test_bad_files_name_the_problem(path):
    with pytest.raises(DataError) as info:
        load_labeled([path])
    message = str(info.value)
    assert path.name in message
    assert "\n" not in message
    for fragment in EXPECTED[path.name]:
        assert fragment in message


def test_every_bad_fixture_has_an_expectation():
    assert {p.name for p in LABELED.glob("bad_*.csv")} == set(EXPECTED)


def test_quoted_newline_kept_in_text():
    data = load_labeled([LABELED / "good_quoted_newline.csv"])
    assert data["text"][0] == "We stop at six,\nno exceptions."


def test_conflict_across_files_is_refused(tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("text,label\nWe close at six.,sets_limits\nAlways yes.,customer_is_king\n")
    b.write_text("text,label\nWe close at six.,customer_is_king\n")
    with pytest.raises(DataError, match=r"b\.csv:2: column 'label'.*labeled 'sets_limits' in another file"):
        load_labeled([a, b])


def test_duplicates_across_files_are_dropped(tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("text,label\nWe close at six.,sets_limits\nAlways yes.,customer_is_king\n")
    b.write_text("text,label\nWe close at six.,sets_limits\n")
    data = load_labeled([a, b])
    assert list(data["text"]) == ["We close at six.", "Always yes."]


def test_explicit_encoding_decodes_cp1252():
    path = LABELED / "bad_cp1252.csv"
    data = load_labeled([path], encoding="cp1252")
    assert data["text"][0] == "Café sluit om zes."


def test_groups_keep_article_quotes_together():
    data = load_labeled()
    article = data[data["source"] == "article"]
    roodveldt = article[article["speaker"] == "Michael Roodveldt"]
    assert roodveldt["group"].nunique() == 1


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_labeled([tmp_path / "nope.csv"])
