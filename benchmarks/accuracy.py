"""Model selection in one run: every candidate's grouped-CV and dev-set macro-F1, side by side.

    python benchmarks/accuracy.py            # all candidates, 3x5-fold CV
    python benchmarks/accuracy.py --quick    # 1x5-fold, fewer candidates

The dev set (../shared/realworld_dev.csv, or STANCE_DEV_SET) is only scored, never trained on.
The USE candidates need the optional extra: pip install -e '.[use]'.
Targets (issue 3): default model dev macro-F1 >= 0.75 overall and >= 0.70 per language;
grouped CV macro-F1 >= 0.90.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from classifier.config import DEV_SET
from classifier.data.labeled import load_labeled
from classifier.evaluation.baselines import KeywordRule, majority
from classifier.evaluation.cross_validation import cross_validate, score_holdout
from classifier.models.estimator import PRESETS, StanceClassifier

CANDIDATES = {
    "majority": majority,
    "keyword rule": KeywordRule,
    "words C=1": lambda: StanceClassifier("fast", features="words", C=1.0),
    "chars C=10": lambda: StanceClassifier("fast", features="chars", C=10.0),
    "ngrams C=1": lambda: StanceClassifier("fast", features="ngrams", C=1.0),
    "ngrams C=10": lambda: StanceClassifier("fast", features="ngrams", C=10.0),
    "e5 C=0.03": lambda: StanceClassifier(features="e5", combine="stack", C=0.03),
    "e5 C=0.1": lambda: StanceClassifier(features="e5", combine="stack", C=0.1),
    "e5 C=1": lambda: StanceClassifier(features="e5", combine="stack", C=1.0),
    "e5 C=10": lambda: StanceClassifier(features="e5", combine="stack", C=10.0),
    "e5-passage C=1": lambda: StanceClassifier(features="e5-passage", combine="stack", C=1.0),
    "e5-sentences C=0.1": lambda: StanceClassifier(features="e5-sentences", combine="stack", C=0.1),
    "e5-sentences C=1": lambda: StanceClassifier(features="e5-sentences", combine="stack", C=1.0),
    "e5-sentences+ngrams average C=1": lambda: StanceClassifier(
        features="e5-sentences+ngrams", combine="average", C=1.0
    ),
    "e5-sentences+use+ngrams average C=1": lambda: StanceClassifier(
        features="e5-sentences+use+ngrams", combine="average", C=1.0
    ),
    "use C=1": lambda: StanceClassifier(features="use", combine="stack", C=1.0),
    "e5+use stack C=1": lambda: StanceClassifier(features="e5+use", combine="stack", C=1.0),
    "e5+use average C=1": lambda: StanceClassifier(features="e5+use", combine="average", C=1.0),
    "e5+ngrams average C=1": lambda: StanceClassifier(features="e5+ngrams", combine="average", C=1.0),
    "e5+ngrams stack C=1": lambda: StanceClassifier(features="e5+ngrams", combine="stack", C=1.0),
    "e5+use+ngrams average C=1": lambda: StanceClassifier(features="e5+use+ngrams", combine="average", C=1.0),
    "default fast": lambda: StanceClassifier("fast"),
    "default accurate": lambda: StanceClassifier("accurate"),  # the preset in classifier/model.py
}
QUICK = ["majority", "keyword rule", "ngrams C=10", "e5 C=1", "default fast", "default accurate"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="candidate names to run")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)

    train = load_labeled()
    dev = load_labeled([DEV_SET]) if DEV_SET.exists() else None
    names = args.only or (QUICK if args.quick else list(CANDIDATES))
    repeats = 1 if args.quick else args.repeats
    print(f"training data: {len(train)} statements; dev set: {len(dev) if dev is not None else 'missing'}")
    print(f"presets: {json.dumps(PRESETS)}")
    header = f"{'candidate':<28} {'CV macro-F1':>15} {'dev F1':>7} {'dev nl':>7} {'dev en':>7} {'fit s':>6}"
    print(header)
    print("-" * len(header))
    results = {}
    for name in names:
        start = time.perf_counter()
        cv = cross_validate(CANDIDATES[name](), train, name=name, n_repeats=repeats).summary()["macro_f1"]
        row = {"cv_mean": cv["mean"], "cv_std": cv["std"]}
        if dev is not None:
            model = CANDIDATES[name]().fit(list(train["text"]), train["label"])
            scores = score_holdout(model, dev)
            row.update(
                dev=scores["macro_f1"], **{f"dev_{k}": v["macro_f1"] for k, v in scores["by_lang"].items()}
            )
        row["seconds"] = time.perf_counter() - start
        results[name] = row
        print(
            f"{name:<28} {row['cv_mean']:.3f} ± {row['cv_std']:.3f} {row.get('dev', float('nan')):>7.3f} "
            f"{row.get('dev_nl', float('nan')):>7.3f} {row.get('dev_en', float('nan')):>7.3f} "
            f"{row['seconds']:>6.1f}",
            flush=True,
        )
    best = results.get("default accurate")
    if best and dev is not None:
        ok = best["dev"] >= 0.75 and min(best.get("dev_nl", 0), best.get("dev_en", 0)) >= 0.70
        print(f"target dev >= 0.75 overall and >= 0.70 per language: {'met' if ok else 'NOT met'}")
        print(f"target CV >= 0.90: {'met' if best['cv_mean'] >= 0.90 else 'NOT met'}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
