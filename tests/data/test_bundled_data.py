"""The bundled data's provenance and independence, enforced."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from classifier.config import BUNDLED_DATA_FILES, LABELS, PROJECT_ROOT
from classifier.data.labeled import load_labeled, read_table

DEV_SET = PROJECT_ROOT.parent / "shared" / "realworld_dev.csv"  # read when present
ARTICLE = PROJECT_ROOT.parent / "shared" / "source-article.txt"
NEAR_COPY = 0.8


def trigrams(text: str) -> frozenset[str]:
    t = " ".join(text.lower().split())
    return frozenset(t[i : i + 3] for i in range(max(1, len(t) - 2)))


@pytest.fixture(scope="module")
def article():
    return read_table(BUNDLED_DATA_FILES[0])


@pytest.fixture(scope="module")
def authored():
    return read_table(BUNDLED_DATA_FILES[1])


@pytest.fixture(scope="module")
def real():
    return read_table(BUNDLED_DATA_FILES[2])


def test_every_row_has_provenance(article, authored, real):
    for frame in (article, authored, real):
        for col in ("id", "text", "label", "lang", "source", "rationale"):
            assert (frame[col].str.strip() != "").all(), col
        assert frame["id"].is_unique
        assert set(frame["label"]) == set(LABELS)


def test_real_rows_keep_their_provenance_and_group_by_page(real):
    assert len(real) == 1038
    assert (real["source"] == "real").all()
    assert set(real["confidence"]) == {"high", "medium", "low"}
    assert real["source_url"].str.startswith("http").all()
    # statements reworded from one page are one group, so they never straddle a fold
    assert (real["group"] == real["source_url"]).all()
    assert real["group"].nunique() == 834
    assert Counter(real["lang"]) == {"nl": 526, "en": 512}


def test_real_rows_share_no_page_or_text_with_the_dev_set(real):
    if not DEV_SET.exists():
        pytest.skip(f"{DEV_SET} not present")
    with open(DEV_SET, encoding="utf-8", newline="") as fh:
        dev = list(csv.DictReader(fh))
    assert not set(real["source_url"]) & {row["source_url"] for row in dev}
    assert not set(real["text"]) & {row["text"] for row in dev}


@pytest.mark.skipif(not ARTICLE.exists(), reason="shared/source-article.txt not present")
def test_article_quotes_are_verbatim(article):
    text = ARTICLE.read_text(encoding="utf-8")
    for quote in article["text"]:
        assert quote in text
    assert (article["source"] == "article").all()


def test_authored_set_is_large_balanced_and_bilingual(authored):
    assert len(authored) >= 1000
    labels = Counter(authored["label"])
    langs = Counter(authored["lang"])
    assert abs(labels["customer_is_king"] - labels["sets_limits"]) <= 0.05 * len(authored)
    assert abs(langs["nl"] - langs["en"]) <= 0.05 * len(authored)
    assert authored["trade"].nunique() >= 15
    assert authored["form"].nunique() >= 13


def test_bundled_data_validates():
    data = load_labeled()
    assert len(data) >= 1000


def _near_copies(rows: list[str], others: list[str]) -> list[tuple[str, str, float]]:
    """Pairs with trigram Jaccard >= NEAR_COPY, via one sparse product instead of 2M set operations."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(analyzer=trigrams, binary=True)
    X = vec.fit_transform(rows + others).astype(np.float32)
    inter = (X[: len(rows)] @ X.T).toarray()
    sizes = np.asarray(X.sum(axis=1)).ravel()
    union = sizes[: len(rows), None] + sizes[None, :] - inter
    sim = inter / np.maximum(union, 1)
    everything = rows + others
    found = []
    for i, j in zip(*np.nonzero(sim >= NEAR_COPY), strict=True):
        if j > i:  # each pair once; j indexes rows then others, so j > i also covers all of others
            found.append((rows[i], everything[j], float(sim[i, j])))
    return found


def test_near_copy_detector_finds_a_near_copy():
    text = "Wij zeggen nee tegen klanten die ons personeel uitschelden, altijd en overal."
    assert _near_copies([text, text.replace("altijd", "altijd,")], [])
    assert not _near_copies([text, "The customer is always right, whatever it costs us."], [])


@pytest.fixture(scope="module")
def dev_texts() -> list[str]:
    if not DEV_SET.exists():
        return []
    with open(DEV_SET, encoding="utf-8", newline="") as fh:
        return [row["text"] for row in csv.DictReader(fh)]


def test_no_authored_row_is_a_near_copy(article, authored, dev_texts):
    found = _near_copies(list(authored["text"]), list(article["text"]) + dev_texts)
    assert not found, found[:5]


def test_no_real_row_is_a_near_copy(article, authored, real, dev_texts):
    others = list(article["text"]) + list(authored["text"]) + dev_texts
    found = _near_copies(list(real["text"]), others)
    assert not found, found[:5]
