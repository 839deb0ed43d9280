"""stance evaluate: cross-validated accuracy beside baselines, or a saved model on a file.

Cross-validate a model recipe on labeled data next to two baselines, or score a saved model on a
labeled file with --holdout.
"""

from __future__ import annotations

import json

from ..config import DEFAULT_MODEL_KIND, MODEL_KINDS
from ..exceptions import InputError
from . import common


def add_parser(sub) -> None:
    p = common.command_parser(sub, __doc__, run)
    common.add_data_options(p)
    common.add_model_option(p, default=DEFAULT_MODEL_KIND)
    p.add_argument(
        "--holdout",
        metavar="FILE",
        action="append",
        help="score the saved model on this labeled file instead of cross-validating",
    )
    common.add_repeats(p, default=3)
    p.add_argument(
        "--folds",
        type=common.whole_number(2),
        default=5,
        help="cross-validation folds (default: %(default)s)",
    )
    common.add_score_on(p)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument(
        "--report",
        metavar="DIR",
        help="also write DIR/report.html with PNG plots (confusion matrix, macro-F1 per language and "
        "source, calibration, coverage, learning curve, n-grams, confident mistakes); "
        "--json then carries each plot's data",
    )
    common.add_models_dir(p)


def run(args) -> int:
    from pathlib import Path

    from ..data.labeled import load_labeled
    from ..evaluation.cross_validation import evaluate_recipe, score_holdout
    from ..models.estimator import StanceClassifier
    from . import tables

    if args.report and (args.holdout or args.model not in MODEL_KINDS):
        raise InputError(
            f"--report cross-validates a model kind; use --model {' or --model '.join(MODEL_KINDS)} "
            "without --holdout"
        )
    if args.report:
        return _report(args)
    if args.holdout or args.model not in MODEL_KINDS:
        loaded = common.load(args.model, common.models_root(args))
        model, meta = loaded.estimator, loaded.metadata
        files = args.holdout
        if not files:
            raise InputError(
                f"a saved model is scored on a labeled file: add --holdout FILE (or cross-validate a "
                f"recipe with --model {' or --model '.join(MODEL_KINDS)})"
            )
        results = {Path(f).name: score_holdout(model, load_labeled([f])) for f in files}
        if args.json:
            print(json.dumps({"model": meta.get("version"), "files": results}, indent=2))
        else:
            for name, scores in results.items():
                print(
                    tables.holdout_report(f"{meta.get('kind')} model {meta.get('version')} on {name}", scores)
                )
        return 0
    data = load_labeled(common.data_paths(args))
    score_on = common.scored_rows(data, args.score_on)
    with common.progress(args.folds * args.repeats, f"cross-validating {args.model}") as bar:
        result = evaluate_recipe(
            StanceClassifier(args.model),
            data,
            name=args.model,
            n_splits=args.folds,
            n_repeats=args.repeats,
            score_on=score_on,
            progress=bar.update,
        )
    result["scored_on"] = _scored_on_text(args.score_on, score_on)
    result.pop("_oof")
    print(json.dumps(result, indent=2) if args.json else tables.cv_report(result))
    return 0


def _scored_on_text(which: str, mask) -> str:
    if mask is None:
        return "all rows"
    return f"the {which} rows; every other row only trains"


def _report(args) -> int:
    from ..data.labeled import load_labeled
    from ..evaluation.report import build_report, check_report_folder, clean, report_steps, write_report
    from ..models.estimator import StanceClassifier
    from . import tables

    check_report_folder(args.report)
    data = load_labeled(common.data_paths(args))
    estimator = StanceClassifier(args.model)
    score_on = common.scored_rows(data, args.score_on)
    steps = report_steps(estimator, n_splits=args.folds, n_repeats=args.repeats)
    with common.progress(steps, f"evaluating {args.model} for the report") as bar:
        report = build_report(
            estimator,
            data,
            name=args.model,
            n_splits=args.folds,
            n_repeats=args.repeats,
            score_on=score_on,
            progress=bar.update,
        )
    report.summary["scored_on"] = _scored_on_text(args.score_on, score_on)
    written = write_report(report, args.report)
    if args.json:
        files = {k: str(p) for k, p in written.items()}
        out = {**report.summary, "report": {"files": files, "figures": report.figures}}
        print(json.dumps(clean(out), indent=2))
    else:
        print(tables.cv_report(report.summary))
        print(f"\nreport written to {written['html']} ({len(written) - 1} plots beside it)")
    return 0
