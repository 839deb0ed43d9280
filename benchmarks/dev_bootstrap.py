"""How far apart are the candidates on the dev set, really? Paired bootstrap of dev macro-F1.

    python benchmarks/dev_bootstrap.py

With 83 statements a single dev score has a wide interval; this prints each model's 95%
bootstrap interval and the interval of its difference from the `fast` model, resampling the
same statements for every model (2,000 resamples, seed 0).
"""

from __future__ import annotations

import sys

import numpy as np
from sklearn.metrics import f1_score

from classifier.config import DEV_SET
from classifier.data.labeled import load_labeled
from classifier.evaluation.baselines import KeywordRule
from classifier.models.estimator import StanceClassifier

CANDIDATES = {
    "ngrams C=10 (fast)": lambda: StanceClassifier("fast"),
    "e5-sentences+ngrams average C=1 (accurate)": lambda: StanceClassifier("accurate"),
    "e5 C=0.03": lambda: StanceClassifier(features="e5", combine="stack", C=0.03),
    "keyword rule": KeywordRule,
}


def main() -> int:
    train, dev = load_labeled(), load_labeled([DEV_SET])
    y = dev["label"].to_numpy(dtype=object)
    preds = {
        name: make().fit(list(train["text"]), train["label"]).predict(list(dev["text"]))
        for name, make in CANDIDATES.items()
    }
    rng = np.random.default_rng(0)
    samples = rng.integers(0, len(y), (2000, len(y)))

    def f1(pred, idx):
        return f1_score(y[idx], pred[idx], average="macro")

    scores = {name: np.array([f1(p, i) for i in samples]) for name, p in preds.items()}
    base = next(iter(preds))
    for name, pred in preds.items():
        low, high = np.percentile(scores[name], [2.5, 97.5])
        line = f"{name:<34} dev F1 {f1(pred, slice(None)):.3f}  95% CI [{low:.3f}, {high:.3f}]"
        if name != base:
            dl, dh = np.percentile(scores[name] - scores[base], [2.5, 97.5])
            line += f"  minus {base.split()[0]}: [{dl:+.3f}, {dh:+.3f}]"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
