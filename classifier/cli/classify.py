"""stance classify: label one or more statements.

Label statements given as arguments, or one per line on stdin with '-'.
"""

from __future__ import annotations

import json
import sys

from ..config import DEFAULT_MODEL_KIND
from ..exceptions import InputError
from .common import add_min_confidence, add_model_option, add_models_dir, command_parser, load, models_root


def add_parser(sub) -> None:
    p = command_parser(sub, __doc__, run)
    p.add_argument("texts", nargs="+", metavar="TEXT", help="a statement, or '-' to read stdin")
    add_model_option(p, default=DEFAULT_MODEL_KIND)
    p.add_argument("--json", action="store_true", help="one JSON object per statement")
    add_min_confidence(p, what="print")
    p.add_argument(
        "--explain",
        action="store_true",
        help="show the phrases and the most similar training statements behind each label",
    )
    add_models_dir(p)


def _read_statements(args) -> list[str]:
    if args.texts == ["-"]:
        texts = [line.rstrip("\r\n") for line in sys.stdin]
        texts = [t for t in texts if t.strip()]
        if not texts:
            raise InputError("no statements on standard input; give one statement per line")
        return texts
    if "-" in args.texts:
        raise InputError("'-' reads standard input and cannot be mixed with statements")
    for i, text in enumerate(args.texts, 1):
        if not text.strip():
            raise InputError(f"statement {i} is empty; give some text to classify")
    return args.texts


def run(args) -> int:
    from ..predict import predict

    texts = _read_statements(args)
    model = load(args.model, models_root(args), portable=not args.explain)
    for row in predict(model, texts, min_confidence=args.min_confidence):
        reasons = _explain(model.estimator, row.text) if args.explain else None
        if args.json:
            out = row.as_json()
            if reasons is not None:
                out["explanation"] = reasons
            print(json.dumps(out, ensure_ascii=False))
            continue
        print(f"{row.label:<17} {row.confidence:.2f}  {row.text}")
        if reasons:
            for r in reasons["phrases"]:
                print(
                    f"    {'+' if r['label'] == row.label else '-'} {r['feature']!r} "
                    f"-> {r['label']} ({r['weight']:.3f})"
                )
            for s in reasons["similar"]:
                print(f"    ~ {s['similarity']:.2f} [{s['label']}] {s['text'][:100]}")
    return 0


def _explain(estimator, text: str) -> dict:
    from ..models.explain import explain

    return explain(estimator, text)
