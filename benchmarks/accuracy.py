"""Model selection in one run: accuracy on real statements, side by side with the baselines.

    python benchmarks/accuracy.py                    # every candidate, 3x repeated grouped 5-fold
    python benchmarks/accuracy.py --repeats 1 --only fast "e5 + LR"
    python benchmarks/accuracy.py --json out.json

For each candidate it prints:
- grouped cross-validation over the REAL rows of the bundled data (statements from one page
  share a fold; each fold's model trains on every other row: the article, the authored rows
  weighed as its recipe says, and the other folds' real rows): macro-F1 overall and per
  language, mean ± sd over folds, the accuracy of the most confident half and the expected
  calibration error;
- the dev set (``--dev``, default ../shared/realworld_dev.csv; only scored, never trained on):
  macro-F1 overall and per language, with a 95% bootstrap interval (2,000 resamples, seed 0);
- the cost: seconds to fit on all rows, size on disk, statements/s on the dev texts.

The USE candidates need the optional extra: pip install -e '.[use]'.

Targets (issue 9): real-row CV >= 0.82 overall and >= 0.78 per language; dev >= 0.80 overall and
>= 0.75 per language; the keyword rule beaten by >= 0.20 on both; the confident half right >= 90%.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from classifier.config import LABELS, PROJECT_ROOT
from classifier.data.labeled import load_labeled
from classifier.evaluation.baselines import KeywordRule, majority
from classifier.evaluation.calibration import calibration_summary
from classifier.evaluation.cross_validation import by_lang, cross_validate
from classifier.evaluation.folds import real_rows
from classifier.models.estimator import StanceClassifier, fit_rows
from classifier.predict import predict_proba

CANDIDATES = {
    "majority": majority,
    "keyword rule": KeywordRule,
    "fast, real rows only": lambda: StanceClassifier("fast", authored_weight=0.0),
    "fast": lambda: StanceClassifier("fast"),
    "e5 + LR, real rows only": lambda: StanceClassifier(features="e5", authored_weight=0.0),
    "e5 + LR": lambda: StanceClassifier(features="e5"),
    "accurate": lambda: StanceClassifier("accurate"),
    "fast, authored weight 0.1": lambda: StanceClassifier("fast", authored_weight=0.1),
    "accurate, authored weight 0.3": lambda: StanceClassifier("accurate", authored_weight=0.3),
    "e5 + e5 sentences + n-grams averaged": lambda: StanceClassifier(
        features="e5+e5-sentences+ngrams", authored_weight=0.1
    ),
}


# Only this benchmark reads the dev set; nothing in the package reads ../shared.
DEV_SET = Path(os.environ.get("STANCE_DEV_SET", PROJECT_ROOT.parent / "shared" / "realworld_dev.csv"))


def dev_scores(y, pred, lang, rng_samples) -> dict:
    """Macro-F1 overall and per language, each with a 95% bootstrap interval."""
    out = {}
    for key, mask in [("all", np.ones(len(y), bool)), *[(k, lang == k) for k in ("nl", "en")]]:
        idx = np.flatnonzero(mask)
        point = f1_score(y[idx], pred[idx], average="macro", labels=list(LABELS))
        boot = [
            f1_score(y[idx][s], pred[idx][s], average="macro", labels=list(LABELS)) for s in rng_samples[key]
        ]
        out[key] = {
            "f1": point,
            "low": float(np.percentile(boot, 2.5)),
            "high": float(np.percentile(boot, 97.5)),
        }
    return out


def size_on_disk(model) -> float:
    if not hasattr(model, "save"):
        return float("nan")
    with tempfile.TemporaryDirectory() as tmp:
        model.save(Path(tmp) / "m")
        return sum(p.stat().st_size for p in (Path(tmp) / "m").rglob("*") if p.is_file()) / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="candidate names to run")
    parser.add_argument("--dev", type=Path, default=DEV_SET, help="labeled dev file (default: %(default)s)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)

    data = load_labeled()
    mask = real_rows(data)
    dev = load_labeled([args.dev]) if args.dev.exists() else None
    n_dev = len(dev) if dev is not None else "missing"
    print(f"training data: {len(data)} rows, {int(mask.sum())} real; dev: {n_dev}")
    if dev is not None:
        ydev, ldev = dev["label"].to_numpy(object), dev["lang"].to_numpy(object)
        rng = np.random.default_rng(0)
        samples = {
            k: rng.integers(0, int(m.sum()), (2000, int(m.sum())))
            for k, m in [("all", np.ones(len(ydev), bool)), ("nl", ldev == "nl"), ("en", ldev == "en")]
        }
    results = {}
    for name in args.only or list(CANDIDATES):
        cv = cross_validate(CANDIDATES[name](), data, name=name, n_repeats=args.repeats, score_on=mask)
        summary, langs = cv.summary()["macro_f1"], by_lang(cv, data)
        row = {"cv": summary, "cv_by_lang": langs, **calibration_summary(cv.y, cv.oof)}
        start = time.perf_counter()
        model = fit_rows(CANDIDATES[name](), data)
        row["fit_seconds"] = time.perf_counter() - start
        row["size_mb"] = size_on_disk(model)
        if dev is not None:
            start = time.perf_counter()
            proba = predict_proba(model, list(dev["text"]))
            row["statements_per_s"] = len(dev) / (time.perf_counter() - start)
            row["dev"] = dev_scores(ydev, np.asarray(LABELS, object)[proba.argmax(axis=1)], ldev, samples)
        results[name] = row
        line = (
            f"{name:<24} CV {summary['mean']:.3f} ± {summary['std']:.3f}  nl {langs['nl']['mean']:.3f} ± "
            f"{langs['nl']['std']:.3f}  en {langs['en']['mean']:.3f} ± {langs['en']['std']:.3f}  "
            f"half {row['confident_half_accuracy']['mean']:.3f}  ECE {row['ece']['mean']:.3f}"
        )
        if dev is not None:
            d = row["dev"]
            line += "  | dev " + "  ".join(
                f"{k} {d[k]['f1']:.3f} [{d[k]['low']:.2f}, {d[k]['high']:.2f}]" for k in ("all", "nl", "en")
            )
            line += f"  | fit {row['fit_seconds']:.0f} s, {row['size_mb']:.1f} MB"
            line += f", {row['statements_per_s']:.0f}/s"
        print(line, flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
