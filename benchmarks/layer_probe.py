"""Which layer of frozen multilingual-e5-small separates the labels best: a logistic probe per layer.

    python benchmarks/layer_probe.py [--repeats 3]

Features: the JAX rebuild of e5 (``classifier.models.encoder.encoder.get_encoder()``) runs every
statement of the bundled data once and keeps the output of all 13 layers (0 = the token
embeddings, 12 = the last block, whose mean is the ``query`` embedding the recipes use),
mean-pooled over the real tokens and, for the "mean+max" rows, max-pooled too. Each pooled vector
is L2-normalized. This takes about a minute and is kept in memory only: nothing is cached on disk.

Candidates (as in the exploratory probe they come from): logistic regression (lbfgs,
``class_weight="balanced"``, standardized features, uncalibrated, label ``sets_limits`` when its
probability is above 0.5) on
- the mean of each layer 4-12 alone (C=0.05);
- layers 6-12 concatenated and the average of layers 8-12 (C = 0.01, 0.05, 0.2);
- mean and max of layer 12, and of layers 9-12, concatenated (C = 0.01, 0.05).

Baselines measured in the same run on the same folds: the fast recipe (``StanceClassifier("fast")``,
n-grams, through ``classifier.evaluation.cross_validation.cross_validate``) and the keyword rule.

Folds: ``classifier.evaluation.folds.grouped_folds(data, score_on=real_rows(data), n_repeats=N)``
on ``load_labeled()`` (article + authored + real rows): stratified group 5-fold over the real
rows (statements of one source page share a fold), repeated N times (default 3: the whole run
took 8 minutes on 2 cores shared with another job, a minute and a half of it the layer outputs);
the article and authored rows are in every training set except where they share a group with a
test row, and are never scored. Authored rows weigh 0.3 in training, every other row 1. Each
line: macro-F1 over the real rows of the test folds, overall and per language, mean ± sd over
folds x repeats (sd: numpy's population sd), and the seconds the line took.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from realcv import POSITIVE, fold_scores, real_folds, show, show_baselines
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from classifier.models.encoder.encoder import get_encoder
from classifier.models.encoder.network import frozen_forward
from classifier.models.encoder.tokenizer import MAX_TOKENS

AUTHORED_WEIGHT = 0.3


def layer_features(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Mean- and max-pooled output of the embeddings and each of the 12 blocks: two [n, 13, hidden]."""
    encoder = get_encoder()
    n_layers = len(encoder.layers) + 1
    mean = np.zeros((len(texts), n_layers, encoder.hidden), np.float32)
    top = np.zeros((len(texts), n_layers, encoder.hidden), np.float32)
    for idx, ids, mask in encoder.batches(texts, MAX_TOKENS):
        x = encoder.embeddings(ids)
        m = mask[..., None]
        for layer in range(n_layers):
            if layer > 0:
                x = frozen_forward(x, mask, [encoder.layers[layer - 1]], heads=encoder.heads, eps=encoder.eps)
            a = np.asarray(x)
            mean[idx, layer] = ((a * m).sum(1) / m.sum(1))[: len(idx)]
            top[idx, layer] = np.where(m > 0, a, -1e9).max(1)[: len(idx)]
    return mean, top


def norm(a: np.ndarray) -> np.ndarray:
    return a / np.linalg.norm(a, axis=-1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()

    data, real, y, lang, authored, folds = real_folds(args.repeats, f", weight {AUTHORED_WEIGHT}")
    show_baselines(data, real, folds, args.repeats, "fast recipe (n-grams)")

    t0 = time.perf_counter()
    mean, top = layer_features(data.text.tolist())
    print(f"layer outputs of {len(data)} statements: {time.perf_counter() - t0:.0f} s", flush=True)

    def probe(name: str, X: np.ndarray, C: float) -> None:
        t1 = time.perf_counter()
        p = np.zeros((args.repeats, len(data)))
        for r, _, tr, te in folds:
            w = np.where(authored[tr], AUTHORED_WEIGHT, 1.0)
            scaler = StandardScaler().fit(X[tr])
            lr = LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
            lr.fit(scaler.transform(X[tr]), y[tr], sample_weight=w)
            p[r, te] = lr.predict_proba(scaler.transform(X[te]))[:, list(lr.classes_).index(POSITIVE)]
        show(f"{name} C={C}", fold_scores(y, lang, p, folds), f"  ({time.perf_counter() - t1:.0f} s)")

    print("logistic probes on frozen e5 layers (same folds):", flush=True)
    for layer in range(4, 13):
        probe(f"mean L{layer}", norm(mean[:, layer]), 0.05)
    concat = np.concatenate([norm(mean[:, layer]) for layer in range(6, 13)], 1)
    average = norm(np.mean([norm(mean[:, layer]) for layer in range(8, 13)], 0))
    for C in (0.01, 0.05, 0.2):
        probe("mean L6-12 concatenated", concat, C)
        probe("mean L8-12 averaged", average, C)
    both12 = np.concatenate([norm(mean[:, 12]), norm(top[:, 12])], 1)
    both9_12 = np.concatenate(
        [norm(mean[:, layer]) for layer in range(9, 13)] + [norm(top[:, layer]) for layer in range(9, 13)], 1
    )
    for C in (0.01, 0.05):
        probe("mean+max L12", both12, C)
        probe("mean+max L9-12", both9_12, C)
    print(f"total {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
