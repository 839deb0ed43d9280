"""The ``stance`` command: parse, call the library, print. Nothing else lives here.

Heavy libraries are imported inside the command functions so that ``--help``
answers at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .config import DEFAULT_MODEL_KIND, MODEL_KINDS, UNCERTAIN
from .exceptions import InputError, StanceError

MODEL_HELP = f"{' or '.join(MODEL_KINDS)} (the active version of that kind), or the path of a model folder"


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 1")
    return value


def _load(spec: str):
    from .training import load_or_train

    return load_or_train(spec, notify=_err)


# --- classify ---------------------------------------------------------------


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


def cmd_classify(args) -> int:
    from .explain import explain
    from .training import predictions_frame

    texts = _read_statements(args)
    model, _ = _load(args.model)
    frame = predictions_frame(model, texts, min_confidence=args.min_confidence)
    for row in frame.itertuples(index=False):
        probs = {c: float(getattr(row, f"p_{c}")) for c in model.classes_}
        reasons = explain(model, row.text) if args.explain else None
        if args.json:
            out = {
                "text": row.text,
                "label": row.label,
                "confidence": round(float(row.confidence), 6),
                "probabilities": {k: round(v, 6) for k, v in probs.items()},
            }
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


# --- train ------------------------------------------------------------------


def _progress(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="fold", disable=None, leave=False, file=sys.stderr)


def cmd_train(args) -> int:
    from .config import BUNDLED_DATA_FILES
    from .training import train

    data = list(BUNDLED_DATA_FILES) + list(args.data or []) if not args.only else list(args.data or [])
    if args.only and not args.data:
        raise InputError("--only needs at least one --data FILE")
    root = _root(args)
    with _progress(5 * args.repeats, f"training {args.model}") as bar:
        result = train(
            args.model,
            data,
            root=root,
            holdout=args.holdout,
            force=args.force,
            n_repeats=args.repeats,
            progress=bar.update,
        )
    cv = result.metadata["cv"]
    print(
        f"trained {result.kind} model {result.version} on {result.metadata['training_rows']} statements "
        f"{result.metadata['rows_per_source']}"
    )
    print(
        f"cross-validated macro-F1 {cv['macro_f1']['mean']:.3f} ± {cv['macro_f1']['std']:.3f}, "
        f"accuracy {cv['accuracy']['mean']:.3f} ± {cv['accuracy']['std']:.3f} ({cv['scheme']})"
    )
    if result.metadata.get("holdout"):
        h = result.metadata["holdout"]
        line = f"holdout {h['file']}: macro-F1 {h['new']['macro_f1']:.3f}"
        if "active" in h:
            line += f" (active: {h['active']['macro_f1']:.3f})"
        print(line)
    state = "active" if result.activated else "NOT activated (use --force or 'stance models promote')"
    print(f"{state}: {result.reason}")
    print(f"saved to {result.folder}")
    return 0


def _root(args):
    from pathlib import Path

    return Path(args.models_dir) if getattr(args, "models_dir", None) else None


# --- evaluate ---------------------------------------------------------------


def cmd_evaluate(args) -> int:
    from pathlib import Path

    from . import tables
    from .data import load_labeled
    from .evaluation import evaluate_recipe, score_holdout
    from .model import StanceClassifier

    if args.holdout or args.model not in MODEL_KINDS:
        model, meta = _load(args.model)
        files = args.holdout or args.data
        if not files:
            raise InputError("give a labeled file to score the saved model on: --holdout FILE")
        results = {Path(f).name: score_holdout(model, load_labeled([f])) for f in files}
        if args.json:
            print(json.dumps({"model": meta.get("version"), "files": results}, indent=2))
        else:
            for name, scores in results.items():
                print(
                    tables.holdout_report(f"{meta.get('kind')} model {meta.get('version')} on {name}", scores)
                )
        return 0
    data = load_labeled(args.data) if args.data else load_labeled()
    with _progress(args.folds * args.repeats, f"cross-validating {args.model}") as bar:
        result = evaluate_recipe(
            StanceClassifier(args.model),
            data,
            name=args.model,
            n_splits=args.folds,
            n_repeats=args.repeats,
            progress=bar.update,
        )
    result.pop("_oof")
    print(json.dumps(result, indent=2) if args.json else tables.cv_report(result))
    return 0


# --- parser -----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stance",
        description="Label statements about demanding customers as customer_is_king or sets_limits.",
        epilog="Run 'stance COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "classify",
        help="label one or more statements",
        description="Label statements given as arguments, or one per line on stdin with '-'.",
    )
    p.add_argument("texts", nargs="+", metavar="TEXT", help="a statement, or '-' to read stdin")
    p.add_argument(
        "--model", default=DEFAULT_MODEL_KIND, help=f"model to use: {MODEL_HELP} (default: %(default)s)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per statement")
    p.add_argument(
        "--min-confidence",
        type=_probability,
        default=0.0,
        metavar="P",
        help=f"print '{UNCERTAIN}' when the top probability is below P (default: 0)",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="show the phrases and the most similar training statements behind each label",
    )
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser(
        "train",
        help="train a new model version on the bundled data and your files",
        description="Train, cross-validate, compare with the active version, save a new version.",
    )
    p.add_argument(
        "--data",
        action="append",
        metavar="FILE",
        help="extra labeled CSV (columns text,label); repeat for more files",
    )
    p.add_argument(
        "--only", action="store_true", help="train on the --data files only, without the bundled data"
    )
    p.add_argument(
        "--model",
        default=DEFAULT_MODEL_KIND,
        choices=MODEL_KINDS,
        help="kind to train (default: %(default)s)",
    )
    p.add_argument("--holdout", metavar="FILE", help="also score new and active model on this labeled file")
    p.add_argument("--force", action="store_true", help="activate the new version even if it scores worse")
    p.add_argument("--repeats", type=int, default=3, help="cross-validation repeats (default: %(default)s)")
    p.add_argument("--models-dir", metavar="DIR", help="models folder (default: the project's models/)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "evaluate",
        help="cross-validated accuracy beside baselines, or a saved model on a file",
        description="Cross-validate a model recipe on labeled data next to two baselines, "
        "or score a saved model on a labeled file with --holdout.",
    )
    p.add_argument(
        "--data",
        action="append",
        metavar="FILE",
        help="labeled CSV to cross-validate on (default: bundled data)",
    )
    p.add_argument("--model", default=DEFAULT_MODEL_KIND, help=f"{MODEL_HELP} (default: %(default)s)")
    p.add_argument(
        "--holdout",
        metavar="FILE",
        action="append",
        help="score the saved model on this labeled file instead of cross-validating",
    )
    p.add_argument("--repeats", type=int, default=3, help="cross-validation repeats (default: %(default)s)")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=cmd_evaluate)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("stance-classifier")
    except PackageNotFoundError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except StanceError as exc:
        _err(f"stance: error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _err("stance: interrupted; nothing was half-written")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
