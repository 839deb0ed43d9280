"""stance score: add a stance to every row of a CSV file.

Write INPUT's rows with two columns added, stance and stance_confidence, to a new file (default
NAME.scored.csv beside INPUT). The input is never modified; the output appears only when complete.
With --engine dask: score many files on a Dask cluster into a folder of parts (docs/scaling.md).
"""

from __future__ import annotations

from pathlib import Path

from ..config import DEFAULT_MODEL_KIND
from ..exceptions import InputError
from . import common


def add_parser(sub) -> None:
    p = common.command_parser(sub, __doc__, run)
    p.add_argument(
        "input",
        metavar="INPUT",
        nargs="+",
        help="CSV file (also .csv.gz, .xlsx, .parquet); with --engine dask any number of files, globs or "
        "folders of .csv, .csv.gz and .parquet files",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUTPUT",
        help="output file (default: NAME.scored.csv); with --engine dask the folder for the parts (required)",
    )
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
    dask = p.add_argument_group("Dask engine (pip install -e '.[dask]'; see docs/scaling.md)")
    dask.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="'dask': score on a Dask cluster into a folder of parts (default: %(default)s)",
    )
    dask.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a running Dask scheduler, e.g. tcp://host:8786 (default: a local cluster of --workers "
        "processes)",
    )
    dask.add_argument(
        "--partition-rows",
        type=common.positive,
        metavar="N",
        help="rows per part, in whole chunks (default: 100000)",
    )


def shared_options(args, bar: common.RowBar) -> dict:
    """The options both engines take, from the command line."""
    from ..scoring import CHUNK_ROWS

    return {
        "model": args.model,
        "models_dir": common.models_root(args),
        "text_column": args.text_column,
        "sep": args.sep,
        "encoding": args.encoding,
        "min_confidence": args.min_confidence,
        "overwrite": args.overwrite,
        "resume": args.resume,
        "chunk_rows": args.chunk_rows or CHUNK_ROWS,
        "workers": args.workers,
        "progress": bar,
        "notify": common.err,
    }


def run(args) -> int:
    if args.engine == "dask":
        return run_dask(args)
    if len(args.input) > 1:
        raise InputError(f"{len(args.input)} inputs given; score one file at a time, or use --engine dask.")
    if args.scheduler or args.partition_rows:
        raise InputError("--scheduler and --partition-rows apply to --engine dask only; add --engine dask.")
    args.input = args.input[0]
    from ..scoring import score_csv
    from ..scoring.state import load_state

    bar = common.RowBar()
    try:
        summary = score_csv(
            args.input,
            args.output,
            output_sep=args.output_sep,
            output_encoding=args.output_encoding,
            **shared_options(args, bar),
        )
    except KeyboardInterrupt:
        from ..scoring import default_output

        bar.close()
        target = Path(args.output) if args.output else default_output(Path(args.input))
        done = (load_state(target) or {}).get("rows", 0)
        common.err(
            f"stance: interrupted after {done:,} rows; {target} was not written. "
            "Run the same command with --resume to continue."
        )
        return 130
    finally:
        bar.close()
    print(summary.line())
    return 0


def run_dask(args) -> int:
    """``--engine dask``: the library does the work (:mod:`classifier.scoring.dask`); this only reports."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise InputError("--engine dask needs Dask: pip install -e '.[dask]'") from None
    if not args.output:
        raise InputError("--engine dask writes a folder of parts: give it with -o OUTPUT_DIR.")
    if args.output_sep or args.output_encoding:
        raise InputError(
            "with --engine dask each part keeps its input's delimiter and encoding; leave out "
            "--output-sep and --output-encoding."
        )
    from ..scoring.dask import PARTITION_ROWS, score_dask

    bar = common.RowBar()
    try:
        summary = score_dask(
            args.input,
            args.output,
            scheduler=args.scheduler,
            partition_rows=args.partition_rows or PARTITION_ROWS,
            **shared_options(args, bar),
        )
    except KeyboardInterrupt:
        bar.close()
        common.err(
            f"stance: interrupted; finished parts in {args.output} are kept. Run the same command with "
            "--resume to continue."
        )
        return 130
    finally:
        bar.close()
    print(summary.line())
    return 0
