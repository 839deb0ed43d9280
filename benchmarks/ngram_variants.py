"""Variants of the n-gram model: regularization, n-gram ranges, min_df, authored weight, NB weighting.

    python benchmarks/ngram_variants.py [--repeats 3]

Every candidate is tf-idf (sublinear tf) features and a plain logistic regression (liblinear,
dual, ``class_weight="balanced"``, no calibration; label ``sets_limits`` when its probability is
above 0.5). The reference variant ("base") is stemmed word 1-2-grams (the project's
``StemmingAnalyzer``) plus character 2-5-grams within word boundaries (``char_wb``, text passed
through ``normalize``), min_df 1 for both, C=10, authored rows weighed 0.3. Each other line
changes one thing: C (3, 30), word 1-3-grams, char_wb 1-6-grams, plain ``char`` 3-6-grams,
min_df 2, words only, characters only, authored weight (0, 0.1, 0.5), and naive-Bayes weighting
(each feature scaled by the log-ratio of its weighted tf-idf mass in the two labels, +1 smoothed,
fitted on the training fold; C = 1 and 10).

Baselines measured in the same run on the same folds: the fast recipe as shipped
(``StanceClassifier("fast")``: word 1-2-grams, min_df 1, + char_wb 2-5-grams, min_df 2, at most
100,000; C=10, sigmoid-calibrated, authored weight 0.3) through
``classifier.evaluation.cross_validation.cross_validate``, and the keyword rule.

Folds: ``classifier.evaluation.folds.grouped_folds(data, score_on=real_rows(data), n_repeats=N)``
on ``load_labeled()`` (article + authored + real rows): stratified group 5-fold over the real
rows (statements of one source page share a fold), repeated N times (default 3: 7.5 minutes on
2 cores); the article and authored rows are in every training set except where they share a
group with a test row, and are never scored. Each line: macro-F1 over the real rows of the test
folds, overall and per language, mean ± sd over folds x repeats (sd: numpy's population sd), and
the seconds the line took.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from realcv import POSITIVE, fold_scores, real_folds, show, show_baselines
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from classifier.models.features import StemmingAnalyzer, normalize

AUTHORED_WEIGHT = 0.3


def features(words=(1, 2), chars=(2, 5), kind="char_wb", min_df=1) -> FeatureUnion:
    parts = []
    if words:
        parts.append(
            ("w", TfidfVectorizer(analyzer=StemmingAnalyzer(words), sublinear_tf=True, min_df=min_df))
        )
    if chars:
        vectorizer = TfidfVectorizer(
            analyzer=kind, ngram_range=chars, preprocessor=normalize, sublinear_tf=True, min_df=min_df
        )
        parts.append(("c", vectorizer))
    return FeatureUnion(parts)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()

    data, real, y, lang, authored, folds = real_folds(args.repeats)
    texts = data.text.tolist()
    show_baselines(data, real, folds, args.repeats, "fast recipe (calibrated)")

    def run(name: str, C: float = 10.0, authored_weight: float = AUTHORED_WEIGHT, nb: bool = False, **kw):
        t0 = time.perf_counter()
        p = np.zeros((args.repeats, len(data)))
        for r, _, tr, te in folds:
            union = features(**kw)
            X_tr = union.fit_transform([texts[i] for i in tr])
            X_te = union.transform([texts[i] for i in te])
            w = np.where(authored[tr], authored_weight, 1.0)
            if nb:
                limits = y[tr] == POSITIVE
                pos = np.asarray(X_tr[limits].multiply(w[limits][:, None]).sum(0)).ravel() + 1
                neg = np.asarray(X_tr[~limits].multiply(w[~limits][:, None]).sum(0)).ravel() + 1
                ratio = sparse.diags(np.log((pos / pos.sum()) / (neg / neg.sum())))
                X_tr, X_te = X_tr @ ratio, X_te @ ratio
            lr = LogisticRegression(
                C=C, class_weight="balanced", solver="liblinear", dual=True, max_iter=5000
            ).fit(X_tr, y[tr], sample_weight=w)
            p[r, te] = lr.predict_proba(X_te)[:, list(lr.classes_).index(POSITIVE)]
        show(f"{name} C={C:g}", fold_scores(y, lang, p, folds), f"  ({time.perf_counter() - t0:.0f} s)")

    print("plain LR on tf-idf n-grams (same folds):", flush=True)
    run("base w1-2 cwb2-5")
    for C in (3.0, 30.0):
        run("base w1-2 cwb2-5", C=C)
    run("w1-3 cwb2-5", words=(1, 3))
    run("w1-2 cwb1-6", chars=(1, 6))
    run("w1-2 char3-6", chars=(3, 6), kind="char")
    run("w1-2 cwb2-5 min_df 2", min_df=2)
    run("words only w1-2", chars=None)
    run("chars only cwb2-5", words=None)
    for weight in (0.0, 0.1, 0.5):
        run(f"base, authored weight {weight:g}", authored_weight=weight)
    for C in (1.0, 10.0):
        run("base + NB weighting", C=C, nb=True)
    print(f"total {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
