"""stance review: list likely label errors in the training data.

Rows whose out-of-fold prediction contradicts their label with high confidence, most suspicious
first: check these labels before retraining.
"""

from __future__ import annotations

import json

from ..config import MODEL_KINDS
from .common import add_data_options, command_parser, data_paths, positive, probability, progress


def add_parser(sub) -> None:
    p = command_parser(sub, __doc__, run)
    add_data_options(p)
    p.add_argument("--model", default="fast", choices=MODEL_KINDS, help="model recipe (default: %(default)s)")
    p.add_argument(
        "--min-disagreement",
        type=probability,
        default=0.7,
        metavar="P",
        help="list rows whose out-of-fold probability for the other label is at least P "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--top", type=positive, default=20, metavar="N", help="show at most N rows (default: %(default)s)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per row")


def run(args) -> int:
    from ..data.labeled import load_labeled
    from ..evaluation.review import suspicious_rows
    from ..models.estimator import StanceClassifier

    data = load_labeled(data_paths(args))
    with progress(10, f"cross-validating {args.model}") as bar:
        rows = suspicious_rows(
            StanceClassifier(args.model), data, min_disagreement=args.min_disagreement, progress=bar.update
        )
    shown = rows.head(args.top)
    if args.json:
        for rec in shown.to_dict(orient="records"):
            print(json.dumps(rec, ensure_ascii=False))
        return 0
    print(
        f"{len(rows)} of {len(data)} rows have a label the model disputes with confidence >= "
        f"{args.min_disagreement}; showing {len(shown)}:"
    )
    for r in shown.itertuples():
        where = f"{getattr(r, 'file', '')} {getattr(r, 'id', '')}".strip()
        print(
            f"{r.confidence:.2f}  labeled {r.label}, predicted {r.predicted}  [{where}]\n      {r.text[:200]}"
        )
    return 0
