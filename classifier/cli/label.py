"""stance label: label statements from a CSV, least certain first (active learning).

Shows unlabeled statements from INPUT, the ones the model is least sure about first. Keys: k
customer_is_king, l sets_limits, s skip, u undo, q quit. Each answer is saved at once; rerun to
continue where you stopped.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..config import DEFAULT_MODEL_KIND
from . import common


def add_parser(sub) -> None:
    p = common.command_parser(sub, __doc__, run)
    p.add_argument("input", metavar="INPUT", help="CSV with the statements to label")
    common.add_text_column(p)
    p.add_argument(
        "--out", metavar="LABELS", help="labels file to append to (default: INPUT_NAME.labels.csv)"
    )
    common.add_model_option(
        p, default=DEFAULT_MODEL_KIND, help=f"model that ranks the statements: {common.MODEL_HELP}"
    )
    p.add_argument(
        "--limit", type=common.positive, default=None, metavar="N", help="ask about at most N statements"
    )
    common.add_models_dir(p)


def _key_reader():
    """One key per answer: raw keypresses on a terminal, characters from a pipe otherwise."""
    if sys.stdin.isatty():
        import termios
        import tty

        def read() -> str:
            fd = sys.stdin.fileno()
            old = termios.tcgetattr(fd)
            try:
                tty.setcbreak(fd)
                key = sys.stdin.read(1)
            finally:
                termios.tcsetattr(fd, termios.TCSADRAIN, old)
            print(key, file=sys.stderr)
            return "q" if key in ("\x03", "\x04") else key.lower()

        return read

    def read_piped() -> str:
        while True:
            key = sys.stdin.read(1)
            if key == "" or not key.isspace():
                return key.lower()

    return read_piped


def run(args) -> int:
    from ..data.labeled import load_labeled
    from ..labeling import LabelStore, pending, rank_uncertain, read_texts, run_session

    source = Path(args.input)
    out = Path(args.out) if args.out else source.with_name(source.stem + ".labels.csv")
    texts = read_texts(source, args.text_column)
    store = LabelStore(out)
    known = set(load_labeled()["text"])
    todo = pending(store, texts, known)
    if not todo:
        print(f"nothing left to label in {source} (labels in {out})")
        return 0
    model = common.load(args.model, common.models_root(args)).estimator
    queue = rank_uncertain(model, todo)[: args.limit]
    common.err(f"{len(todo)} statements to label; answers go to {out}")
    counts = run_session(store, queue, _key_reader(), lambda s: print(s, end="", file=sys.stderr, flush=True))
    print(
        f"labeled {counts['labeled']}, skipped {counts['skipped']}; saved in {out}. "
        f"Retrain with: stance train --data {out}"
    )
    return 0
