"""Fixtures for the Dask engine: one small LocalCluster of two worker processes, a saved tiny model,
and a folder of inputs in the shapes users hand in."""

from __future__ import annotations

import gzip
import logging
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ..conftest import FIXTURES

pytest.importorskip("distributed", reason="the dask extra is not installed: pip install -e '.[dask]'")

TIMEOUT = 120  # seconds any one job may take before a hung cluster fails the test instead of the suite
# the files of tests/fixtures/score that `stance score` accepts, less .xlsx (the Dask engine reads none)
SCORE_FIXTURES = [
    FIXTURES / "score" / name
    for name in (
        "bom_semicolon.csv",
        "tab.tsv",
        "pipe.csv",
        "utf16.csv",
        "embedded_newlines.csv",
        "empty_cells.csv",
        "na_strings.csv",
        "header_only.csv",
        "crlf.csv",
        "no_final_newline.csv",
        "gzipped.csv.gz",
        "long_cell.csv",
        "single_column.csv",
        "table.parquet",
    )
]


@pytest.fixture(scope="session")
def dask_client():
    """Two worker processes with one thread each, shared by every Dask test (they start in seconds)."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster, timeout=TIMEOUT) as client,
    ):
        client.wait_for_workers(2, timeout=TIMEOUT)
        yield client


@pytest.fixture(scope="session")
def saved_model(fast_model, tmp_path_factory) -> Path:
    """The tiny fast model saved where every worker process can read it."""
    return fast_model.save(tmp_path_factory.mktemp("dask-model") / "fast")


def _texts() -> list[str]:
    texts = pd.read_csv(FIXTURES / "small_train.csv")["text"].tolist()
    extra = ["", "   ", "Nee.", 'Hij zei: "nee", en ging.', "Line one\nline two, still the same answer"]
    return (texts + extra) * 3  # 63 rows: several chunks of 7 and parts of 14


@pytest.fixture(scope="session")
def input_dir(tmp_path_factory) -> Path:
    """Four CSV files and one Parquet file: empty texts, a ';' file with BOM and CRLF, a gzip file."""
    folder = tmp_path_factory.mktemp("dask-inputs")
    texts = _texts()
    ids = list(range(len(texts)))
    plain = pd.DataFrame({"id": ids, "text": texts, "score": [i % 5 for i in ids]})
    plain.to_csv(folder / "a_comma.csv", index=False)
    semi = pd.DataFrame({"Nr": ids, "Uitspraak": texts[::-1]})
    semi.to_csv(folder / "b_semicolon.csv", index=False, sep=";", encoding="utf-8-sig", lineterminator="\r\n")
    plain.iloc[:20].to_csv(folder / "c_short.csv", index=False)
    with gzip.open(folder / "d_packed.csv.gz", "wt", encoding="utf-8", newline="") as fh:
        plain.iloc[::2].to_csv(fh, index=False)
    table = pd.DataFrame(
        {"id": ids, "text": [None if t == "" else t for t in texts], "when": pd.Timestamp(0)}
    )
    table.to_parquet(folder / "e_table.parquet", row_group_size=10)
    return folder


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory) -> Path:
    """The odd files of tests/fixtures/score that ``stance score`` accepts, in one folder."""
    folder = tmp_path_factory.mktemp("dask-score-fixtures")
    for path in SCORE_FIXTURES:
        shutil.copy(path, folder / path.name)
    return folder
