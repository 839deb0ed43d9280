"""stance learning-curve: cross-validated macro-F1 at 25/50/75/100% of the training data, per model.

Cross-validated macro-F1 of each model trained on 25, 50, 75 and 100% of the training folds (test
folds fixed; they hold the real statements unless --score-on says otherwise). A curve still rising
at 100% says more labels will pay.
"""

from __future__ import annotations

import json

from ..config import MODEL_KINDS
from .common import (
    add_data_options,
    add_repeats,
    add_score_on,
    command_parser,
    data_paths,
    progress,
    scored_rows,
)


def add_parser(sub) -> None:
    p = command_parser(sub, __doc__, run)
    add_data_options(p)
    p.add_argument(
        "--model", action="append", choices=MODEL_KINDS, help="model kind; repeat for several (default: both)"
    )
    add_repeats(p, default=1)
    add_score_on(p)
    p.add_argument("--plot", metavar="FILE", help="also draw the curves into this PNG")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")


def run(args) -> int:
    from ..data.labeled import load_labeled
    from ..evaluation.learning_curve import FRACTIONS, learning_curve
    from ..models.estimator import StanceClassifier
    from .tables import table

    data = load_labeled(data_paths(args))
    kinds = args.model or list(MODEL_KINDS)
    curves = {}
    for kind in kinds:
        with progress(len(FRACTIONS) * 5 * args.repeats, f"learning curve {kind}") as bar:
            curves[kind] = learning_curve(
                StanceClassifier(kind),
                data,
                n_repeats=args.repeats,
                score_on=scored_rows(data, args.score_on),
                progress=bar.update,
            )
    if args.plot:
        from ..evaluation import plots

        scheme = f"{args.repeats}x stratified group 5-fold"
        plots.save(
            plots.learning_curves({k: c.to_dict(orient="records") for k, c in curves.items()}, scheme),
            args.plot,
        )
    if args.json:
        print(json.dumps({k: c.to_dict(orient="records") for k, c in curves.items()}, indent=2))
        return 0
    rows = [
        [kind, f"{r.fraction:.0%}", str(r.train_rows), f"{r.macro_f1_mean:.3f} ± {r.macro_f1_std:.3f}"]
        for kind, c in curves.items()
        for r in c.itertuples()
    ]
    print(table(rows, ["model", "share", "training rows", "CV macro-F1 (mean ± sd)"]))
    if args.plot:
        print(f"plot written to {args.plot}")
    return 0
