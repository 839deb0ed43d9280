"""The Dask engine gives what ``stance score`` gives, row for row and value for value, and keeps the
output folder honest: parts whole or absent, ``_SUCCESS`` only when all are in, ``--resume``."""

from __future__ import annotations

import codecs
import csv
import gzip
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from classifier.cli import main
from classifier.exceptions import DataError, InputError
from classifier.scoring import score_csv
from classifier.scoring.dask import make_plan, score_dask
from classifier.scoring.dask import worker as dask_worker

from ..conftest import FIXTURES
from .conftest import TIMEOUT

SMALL = {"chunk_rows": 7, "partition_rows": 14}  # several chunks per part, several parts per file


def run(inputs, out: Path, model: Path, client, **options):
    return score_dask(
        [str(i) for i in inputs], out, model=str(model), client=client, timeout=TIMEOUT, **SMALL | options
    )


def _text(path: Path, encoding: str) -> str:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return codecs.decode(data, "utf-8-sig" if encoding == "utf-8" else encoding)


def assert_same_as_stance_score(out: Path, model: Path, tmp_path: Path, *, chunk_rows: int = 7) -> int:
    """Every input's parts, put together, against ``stance score`` on that input; the files compared."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for source in manifest["inputs"]:
        path = Path(source["path"])
        expected_file = tmp_path / f"{path.name}.expected.csv"
        score_csv(path, expected_file, model=str(model), chunk_rows=chunk_rows, overwrite=True)
        parts = [out / p["name"] for p in manifest["parts"] if p["source"] == source["path"]]
        assert sum(p["rows"] for p in manifest["parts"] if p["source"] == source["path"]) == source["rows"]
        if source["kind"] == "parquet":
            _compare_parquet(path, parts, expected_file)
            continue
        expected = _text(expected_file, source["encoding"])
        header = expected[: expected.index(source["newline"]) + len(source["newline"])]
        texts = [_text(p, source["encoding"]) for p in parts]
        assert all(t.startswith(header) for t in texts)
        assert header + "".join(t[len(header) :] for t in texts) == expected
    return len(manifest["inputs"])


def _compare_parquet(path: Path, parts: list[Path], expected_file: Path) -> None:
    got = pa.concat_tables([pq.read_table(p) for p in parts])
    original = pq.read_table(path)
    assert got.select(original.column_names).equals(original)  # input columns and types untouched
    with open(expected_file, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert got["stance"].to_pylist() == [r["stance"] for r in rows]
    assert got["stance_confidence"].to_pylist() == [
        float(r["stance_confidence"]) if r["stance_confidence"] else None for r in rows
    ]


def test_parts_equal_stance_score_on_four_csv_and_one_parquet(input_dir, saved_model, dask_client, tmp_path):
    summary = run([input_dir], tmp_path / "out", saved_model, dask_client)
    out = tmp_path / "out"
    assert assert_same_as_stance_score(out, saved_model, tmp_path) == 5
    assert (out / "_SUCCESS").exists()
    names = sorted(p.name for p in out.iterdir())
    assert names[-2:] == ["_SUCCESS", "manifest.json"] or names[:2] == ["_SUCCESS", "manifest.json"]
    parts = [n for n in names if n.startswith("part-")]
    assert [n.split(".")[0] for n in parts] == [f"part-{i:05d}" for i in range(summary.parts)]
    assert {n.split(".", 1)[1] for n in parts} == {"csv", "csv.gz", "parquet"}  # the format of the input
    assert len(names) == len(parts) + 2  # no temporary or hidden file left behind
    assert summary.rows == 63 + 63 + 20 + 32 + 63 and summary.empty == 6 + 6 + 2 + 3 + 6
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"]["sha256"] and all(len(s["sha256"]) == 64 for s in manifest["inputs"])
    assert [p["index"] for p in manifest["parts"]] == list(range(summary.parts))


def test_odd_fixture_files_give_what_stance_score_gives(fixture_dir, saved_model, dask_client, tmp_path):
    run([fixture_dir], tmp_path / "out", saved_model, dask_client)
    assert assert_same_as_stance_score(tmp_path / "out", saved_model, tmp_path) == len(
        list(fixture_dir.iterdir())
    )


def test_model_is_loaded_once_per_worker_process(input_dir, saved_model, dask_client, tmp_path):
    summary = run([input_dir], tmp_path / "out", saved_model, dask_client, chunk_rows=5, partition_rows=5)
    assert summary.parts > 20
    sha256 = json.loads((saved_model / "metadata.json").read_text())["model_sha256"]
    loads = dask_client.run(dask_worker.loads)
    assert len(loads) == 2
    assert all(done.count(sha256) == 1 for done in loads.values())  # once per process, never per part


def test_resume_redoes_only_the_removed_part(input_dir, saved_model, dask_client, tmp_path):
    out = tmp_path / "out"
    first = run([input_dir], out, saved_model, dask_client)
    parts = sorted(out.glob("part-*"))
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in parts}
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    parts[3].unlink()
    again = run([input_dir], out, saved_model, dask_client, resume=True)
    assert again.reused == first.parts - 1 and again.rows == first.rows
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(out.glob("part-*"))}
    assert {name for name in after if after[name][1] != before[name][1]} == {parts[3].name}
    assert {name: data for name, (data, _) in after.items()} == {name: d for name, (d, _) in before.items()}
    assert (out / "_SUCCESS").exists()
    assert json.loads((out / "manifest.json").read_text())["parts"] == json.loads(manifest)["parts"]


def test_resume_refuses_other_options(input_dir, saved_model, dask_client, tmp_path):
    run([input_dir], tmp_path / "out", saved_model, dask_client)
    with pytest.raises(InputError, match=r"min_confidence was 0\.0 in the earlier run, now 0\.7"):
        run([input_dir], tmp_path / "out", saved_model, dask_client, resume=True, min_confidence=0.7)


def test_existing_output_folder_is_refused_without_overwrite(input_dir, saved_model, dask_client, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-00099.csv").write_text("from an earlier job\n")
    argv = ["score", str(input_dir), "--engine", "dask", "--scheduler", dask_client.scheduler.address]
    argv += ["--model", str(saved_model), "-o", str(out), "--chunk-rows", "7", "--partition-rows", "14"]
    assert main(argv) == 2
    assert sorted(p.name for p in out.iterdir()) == ["part-00099.csv"]
    assert main([*argv, "--overwrite"]) == 0
    assert not (out / "part-00099.csv").exists() and (out / "_SUCCESS").exists()
    assert_same_as_stance_score(out, saved_model, tmp_path)


def test_refusal_is_one_line_naming_the_fix(input_dir, saved_model, dask_client, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    argv = ["score", str(input_dir), "--engine", "dask", "--scheduler", dask_client.scheduler.address]
    assert main([*argv, "--model", str(saved_model), "-o", str(out)]) == 2
    message = capsys.readouterr().err.strip()
    assert "\n" not in message and "already exists. Use --overwrite" in message


def test_bad_row_fails_the_job_with_file_and_line(saved_model, dask_client, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FIXTURES / "score" / "crlf.csv", folder / "good.csv")
    shutil.copy(FIXTURES / "score" / "ragged.csv", folder / "ragged.csv")
    argv = ["score", str(folder), "--engine", "dask", "--scheduler", dask_client.scheduler.address]
    assert main([*argv, "--model", str(saved_model), "-o", str(tmp_path / "out")]) == 1
    message = capsys.readouterr().err.strip()
    assert "\n" not in message and "ragged.csv: line 3 has 3 fields, the header has 2" in message
    assert not (tmp_path / "out" / "_SUCCESS").exists()


def test_a_partition_that_meets_a_bad_row_fails_with_file_and_line(saved_model, dask_client, tmp_path):
    """A file that turns bad after planning: the worker's own reader stops at the line."""
    path = tmp_path / "quotes.csv"
    lines = ["id,text"] + [f"{i},Nee zeggen tegen klant {i}" for i in range(30)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, parts = make_plan([str(path)], chunk_rows=7, partition_rows=14)
    lines[20] = "19,Nee, zeggen tegen klant 19"  # one field too many on line 21, inside the second part
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    future = dask_client.submit(
        dask_worker.score_part,
        parts[1],
        str(tmp_path),
        model_folder=str(saved_model),
        model_sha256=json.loads((saved_model / "metadata.json").read_text())["model_sha256"],
        min_confidence=0.0,
    )
    with pytest.raises(DataError, match=r"quotes\.csv: line 21 has 3 fields, the header has 2"):
        future.result(timeout=TIMEOUT)
    assert not list(tmp_path.glob("part-*")) and not list(tmp_path.glob(".part-*"))


def test_a_changed_model_folder_is_refused_on_the_worker(saved_model, dask_client, tmp_path):
    from classifier.exceptions import ModelError

    with pytest.raises(ModelError, match="Give every worker the same model folder"):
        dask_client.submit(dask_worker.check_worker, str(saved_model), "0" * 64, pure=False).result(TIMEOUT)


def test_several_inputs_need_the_dask_engine(input_dir, capsys):
    assert main(["score", str(input_dir / "a_comma.csv"), str(input_dir / "c_short.csv")]) == 2
    assert "use --engine dask" in capsys.readouterr().err


def test_missing_dask_extra_is_one_line(input_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(__import__("sys").modules, "distributed", None)  # as if not installed
    assert main(["score", str(input_dir), "--engine", "dask", "-o", str(tmp_path / "out")]) == 2
    assert (
        capsys.readouterr().err.strip() == "stance: error: --engine dask needs Dask: pip install -e '.[dask]'"
    )


def test_local_cluster_from_the_command_line(input_dir, saved_model, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["score", str(input_dir / "a_comma.csv"), "--engine", "dask", "--workers", "2"]
    assert main([*argv, "--model", str(saved_model), "-o", str(out), "--chunk-rows", "7"]) == 0
    captured = capsys.readouterr()
    assert "Dask dashboard: http://" in captured.err
    assert "scored 63 rows in 1 parts on 2 Dask workers" in captured.out
    assert_same_as_stance_score(out, saved_model, tmp_path)


def test_csv_reader_slice_matches_the_whole_read(tmp_path):
    """``iter_rows(start_line=...)`` yields what the full read yields from that row on."""
    from classifier.data.csvio import detect_dialect, iter_rows

    path = FIXTURES / "score" / "embedded_newlines.csv"
    dialect = detect_dialect(path)
    rows = list(iter_rows(path, dialect))[1:]
    for line, _ in rows:
        sliced = list(iter_rows(path, dialect, start_line=line))[1:]
        assert sliced == [r for r in rows if r[0] >= line]


def test_chunks_cut_by_the_character_limit_stay_aligned(
    input_dir, saved_model, dask_client, tmp_path, monkeypatch
):
    """Where ``stance score`` ends a chunk early at its character limit, the parts end it there too."""
    import classifier.scoring.pipeline as scoring
    from classifier.scoring.dask import plan

    monkeypatch.setattr(plan, "CHUNK_CHARS", 200)
    monkeypatch.setattr(scoring, "CHUNK_CHARS", 200)
    _, parts = make_plan([str(input_dir / "a_comma.csv")], **SMALL)
    assert any(len(set(p.chunks[:-1])) > 1 or p.chunks[-1] > p.chunks[0] for p in parts)  # irregular cuts
    run([input_dir / "a_comma.csv"], tmp_path / "out", saved_model, dask_client)
    assert_same_as_stance_score(tmp_path / "out", saved_model, tmp_path)


def test_output_folder_holding_an_input_is_refused(input_dir, saved_model, dask_client):
    with pytest.raises(InputError, match=r"holds the input .*a_comma\.csv; the input is never modified"):
        run([input_dir / "a_comma.csv"], input_dir, saved_model, dask_client, overwrite=True)
    assert not (input_dir / "_SUCCESS").exists()


def test_accurate_model_parts_equal_stance_score(accurate_model, input_dir, dask_client, tmp_path):
    """float32 embeddings round by batch: the parts hold stance score's values because the batches match."""
    folder = accurate_model.save(tmp_path / "accurate")
    run([input_dir / "b_semicolon.csv"], tmp_path / "out", folder, dask_client)
    assert_same_as_stance_score(tmp_path / "out", folder, tmp_path)
