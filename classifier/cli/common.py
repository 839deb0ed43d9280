"""Helpers every command shares: one-line errors, argument types, shared options, model loading, progress.

An option that several commands take is defined once here, so it means the same
thing and reads the same in every ``--help``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ..config import MODEL_KINDS, UNCERTAIN

MODEL_HELP = f"{' or '.join(MODEL_KINDS)} (the active version of that kind), or the path of a model folder"


def err(message: str) -> None:
    print(message, file=sys.stderr)


def probability(text: str) -> float:
    """argparse type for a number in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 1")
    return value


def whole_number(minimum: int) -> Callable[[str], int]:
    """argparse type for a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of at least {minimum}")
        return value

    parse.__name__ = f"whole number >= {minimum}"
    return parse


positive = whole_number(1)
"""argparse type for a whole number of at least 1."""


def load(spec: str, root: Path | None = None, *, portable: bool = True):
    """The model a user named, as a :class:`classifier.predict.LoadedModel` (see its ``portable``)."""
    from ..predict import load as load_model

    return load_model(spec, root=root, notify=err, portable=portable)


def progress(total: int, desc: str, unit: str = "fold"):
    """A progress bar on stderr, shown only on a terminal."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=None, leave=False, file=sys.stderr)


class RowBar:
    """Progress of a scoring run in rows, as the callback ``progress(done, total)`` the library calls.

    The bar appears on the first report; rows a resumed run reuses are its starting point, so
    they do not count towards rows/s.
    """

    def __init__(self, desc: str = "scoring") -> None:
        self.desc = desc
        self.bar = None

    def __call__(self, done: int, total: int | None) -> None:
        if self.bar is None:
            self.bar = progress(total or done, self.desc, unit="rows")
            self.bar.n = self.bar.last_print_n = done
        self.bar.total = max(total or 0, done)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def models_root(args) -> Path | None:
    return Path(args.models_dir) if getattr(args, "models_dir", None) else None


def add_models_dir(p) -> None:
    p.add_argument(
        "--models-dir",
        metavar="DIR",
        help="models folder (default: $STANCE_MODELS_DIR if set, else models/ of a writable checkout, "
        "else the user data folder)",
    )


def add_data_options(p) -> None:
    """``--data`` adds labeled files to the bundled data; ``--only`` drops the bundled data."""
    p.add_argument(
        "--data",
        action="append",
        metavar="FILE",
        help="labeled CSV (columns text,label) added to the bundled data; repeat for more files",
    )
    p.add_argument("--only", action="store_true", help="use the --data files only, without the bundled data")


def data_paths(args) -> list[Path]:
    """The labeled files a command works on: the bundled ones plus ``--data``, or ``--data`` alone."""
    from ..config import BUNDLED_DATA_FILES
    from ..exceptions import InputError

    extra = [Path(p) for p in args.data or []]
    if args.only and not extra:
        raise InputError("--only needs at least one --data FILE")
    return extra if args.only else [*BUNDLED_DATA_FILES, *extra]


def add_min_confidence(p, *, what: str) -> None:
    p.add_argument(
        "--min-confidence",
        type=probability,
        default=0.0,
        metavar="P",
        help=f"{what} '{UNCERTAIN}' when the top probability is below P (default: 0)",
    )


def add_model_option(p, *, default: str, help: str = MODEL_HELP) -> None:
    p.add_argument("--model", default=default, help=f"{help} (default: %(default)s)")


def add_text_column(p) -> None:
    p.add_argument(
        "--text-column",
        metavar="COL",
        help="column holding the statements (default: the one named text, quote, statement, tekst, "
        "uitspraak or citaat)",
    )


def add_repeats(p, *, default: int) -> None:
    p.add_argument(
        "--repeats",
        type=positive,
        default=default,
        metavar="N",
        help="cross-validation repeats (default: %(default)s)",
    )


def command_parser(sub, doc: str, run: Callable) -> argparse.ArgumentParser:
    """A command's parser from its module docstring: ``stance NAME: help.`` then the description.

    Keeping help and description in the docstring says what a command does in one
    place, for ``--help`` and for readers of the code alike.
    """
    first, _, rest = doc.strip().partition("\n\n")
    name, _, summary = first.removeprefix("stance ").partition(": ")
    p = sub.add_parser(
        name,
        help=summary.rstrip(".").replace("%", "%%"),
        description=" ".join(rest.split()) or None,
    )
    p.set_defaults(func=run)
    return p


def add_score_on(p) -> None:
    p.add_argument(
        "--score-on",
        choices=("real", "authored", "all"),
        default="real",
        help="which rows the folds score: real statements (default; every other row only trains, "
        "and all rows are scored when there are no real ones), authored ones, or all",
    )


def scored_rows(data, which: str):
    """Boolean mask of the rows the folds score, or None for all rows."""
    from ..evaluation.folds import real_rows
    from ..exceptions import InputError

    if which == "all" or "source" not in data:
        return None
    if which == "real":
        return real_rows(data)  # a user's own data without real rows: score what there is
    mask = (data["source"] == which).to_numpy()
    if not mask.any():
        raise InputError(f"no rows with source '{which}' in the data; use --score-on all")
    return mask
