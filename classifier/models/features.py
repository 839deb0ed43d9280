"""Bag-of-n-gram features with Dutch/English normalisation.

Statements arrive in either language, often mixed ("no-cure-no-pay"), so each
text is stemmed with the stemmer of the language its function words suggest.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator

import snowballstemmer

TOKEN = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_DUTCH_HINTS = frozenset(
    "de het een en ik je jij we wij zij niet is zijn van dat die met voor maar ook wel nee "
    "klant klanten naar als dan heb hebben geen nog mijn ons onze bij om".split()
)
_ENGLISH_HINTS = frozenset(
    "the a an and i you we they not is are of that this with for but also no customer "
    "customers client clients to if then have has my our at it".split()
)


def normalize(text: str) -> str:
    """Lower-case, unify quotes and accents' forms, fold digits: surface noise, not stance."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\d", "0", text)


def guess_language(tokens: list[str]) -> str:
    """'nl' or 'en' from function-word counts; ties go to English."""
    nl = sum(map(_DUTCH_HINTS.__contains__, tokens))
    en = sum(map(_ENGLISH_HINTS.__contains__, tokens))
    return "nl" if nl > en else "en"


class StemmingAnalyzer:
    """Picklable analyzer: tokens, stemmed per language, as word 1- and 2-grams."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2)) -> None:
        self.ngram_range = ngram_range
        self._stemmers: dict[str, object] = {}

    def __getstate__(self) -> dict:
        return {"ngram_range": self.ngram_range}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    def stemmer(self, lang: str):
        """The Snowball stemmer of a language, made once per analyzer."""
        # snowballstemmer hands out PyStemmer's C implementation when it is installed: the same
        # Snowball algorithms (identical stems on the bundled vocabulary), about 20x faster.
        if lang not in self._stemmers:
            self._stemmers[lang] = snowballstemmer.stemmer("dutch" if lang == "nl" else "english")
        return self._stemmers[lang]

    def __call__(self, text: str) -> list[str]:
        tokens = TOKEN.findall(normalize(text))
        stems = self.stemmer(guess_language(tokens)).stemWords(tokens)
        low, high = self.ngram_range
        return [gram for grams in stem_ngrams(stems, low, high) for gram in grams]


def ngram_features(*, words: bool = True, chars: bool = True):
    """Stemmed word 1-2-grams and character 2-5-grams within word boundaries (a FeatureUnion)."""
    # imported here: the exported fast scorer uses this module's analyzer without scikit-learn
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    parts = []
    if words:
        parts.append(("words", TfidfVectorizer(analyzer=StemmingAnalyzer(), sublinear_tf=True, min_df=1)))
    if chars:
        parts.append(
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    preprocessor=normalize,
                    sublinear_tf=True,
                    min_df=2,
                    max_features=100_000,
                ),
            )
        )
    return FeatureUnion(parts)


def stem_ngrams(stems: list[str], low: int, high: int) -> Iterator[list[str]]:
    """Word n-grams of ``stems`` for n = low..high, one list per n, as the analyzer joins them.

    The exported scorer and the scoring engine look grams up in the vocabulary with this, so
    both always form exactly the grams the fitted vectorizer saw.
    """
    for n in range(low, high + 1):
        if n == 1:
            yield stems
        elif n == 2:
            yield [a + " " + b for a, b in itertools.pairwise(stems)]
        else:
            yield [" ".join(stems[i : i + n]) for i in range(len(stems) - n + 1)]
