"""Scoring collections bigger than one machine, on a Dask cluster (``stance score --engine dask``).

Needs the ``dask`` extra: ``pip install -e '.[dask]'``. Every partition goes
through :func:`classifier.scoring.score_frame`, the path of ``stance score``; see
docs/scaling.md for running it on a real cluster.
"""

from __future__ import annotations

from .plan import PARTITION_ROWS, Part, Source, find_inputs, make_plan
from .run import DaskSummary, connect, score_dask

__all__ = [
    "PARTITION_ROWS",
    "DaskSummary",
    "Part",
    "Source",
    "connect",
    "find_inputs",
    "make_plan",
    "score_dask",
]
