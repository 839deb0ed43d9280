"""stance train: train a new model version on the bundled data and your files.

Train, cross-validate, compare with the active version, save a new version.
"""

from __future__ import annotations

from ..config import DEFAULT_MODEL_KIND, MODEL_KINDS
from .common import (
    add_data_options,
    add_models_dir,
    add_repeats,
    command_parser,
    data_paths,
    models_root,
    progress,
)


def add_parser(sub) -> None:
    p = command_parser(sub, __doc__, run)
    add_data_options(p)
    p.add_argument(
        "--model",
        default=DEFAULT_MODEL_KIND,
        choices=MODEL_KINDS,
        help="kind to train (default: %(default)s)",
    )
    p.add_argument("--holdout", metavar="FILE", help="also score new and active model on this labeled file")
    p.add_argument(
        "--force",
        action="store_true",
        help="activate the new version even if it scores worse, or replace a broken active version",
    )
    add_repeats(p, default=3)
    add_models_dir(p)


def run(args) -> int:
    from ..training import train

    data = data_paths(args)
    root = models_root(args)
    with progress(5 * args.repeats, f"training {args.model}") as bar:
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
