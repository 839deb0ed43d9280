"""stance score: add a stance to every row of a CSV file.

Write INPUT's rows with two columns added, stance and stance_confidence, to a new file (default
NAME.scored.csv beside INPUT). The input is never modified; the output appears only when complete.
"""

from __future__ import annotations

from pathlib import Path

from ..config import DEFAULT_MODEL_KIND
from . import common


def add_parser(sub) -> None:
    p = common.command_parser(sub, __doc__, run)
    p.add_argument("input", metavar="INPUT", help="CSV file (also .csv.gz, .xlsx, .parquet)")
    p.add_argument("-o", "--output", metavar="OUTPUT", help="output file (default: NAME.scored.csv)")
    common.add_text_column(p)
    common.add_model_option(p, default=DEFAULT_MODEL_KIND)
    p.add_argument("--sep", metavar="SEP", help="input delimiter, e.g. ';' or tab (default: sniffed)")
    p.add_argument("--encoding", metavar="ENC", help="input encoding, e.g. cp1252 (default: UTF-8 or BOM)")
    p.add_argument("--output-sep", metavar="SEP", help="output delimiter (default: the input's)")
    p.add_argument("--output-encoding", metavar="ENC", help="output encoding (default: the input's)")
    common.add_min_confidence(p, what="write")
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    p.add_argument(
        "--resume", action="store_true", help="continue an interrupted run from its last finished chunk"
    )
    p.add_argument("--chunk-rows", type=common.positive, metavar="N", help="rows per chunk (default: 10000)")
    p.add_argument("--workers", type=common.positive, metavar="N", help="processes (default: all cores)")
    common.add_models_dir(p)


def run(args) -> int:
    from ..scoring import CHUNK_ROWS, score_csv
    from ..scoring.state import load_state
    from .common import progress

    bar = None

    def show(done: int, expected: int | None) -> None:
        nonlocal bar
        if bar is None:
            bar = progress(expected or done, "scoring", unit="rows")
            bar.n = bar.last_print_n = done  # rows of a resumed run do not count towards rows/s
        bar.total = max(expected or 0, done)
        bar.update(done - bar.n)

    try:
        summary = score_csv(
            args.input,
            args.output,
            model=args.model,
            models_dir=common.models_root(args),
            text_column=args.text_column,
            sep=args.sep,
            encoding=args.encoding,
            output_sep=args.output_sep,
            output_encoding=args.output_encoding,
            min_confidence=args.min_confidence,
            overwrite=args.overwrite,
            resume=args.resume,
            chunk_rows=args.chunk_rows or CHUNK_ROWS,
            workers=args.workers,
            progress=show,
            notify=common.err,
        )
    except KeyboardInterrupt:
        from ..scoring import default_output

        if bar is not None:
            bar.close()
            bar = None
        target = Path(args.output) if args.output else default_output(Path(args.input))
        done = (load_state(target) or {}).get("rows", 0)
        common.err(
            f"stance: interrupted after {done:,} rows; {target} was not written. "
            "Run the same command with --resume to continue."
        )
        return 130
    finally:
        if bar is not None:
            bar.close()
    print(summary.line())
    return 0
