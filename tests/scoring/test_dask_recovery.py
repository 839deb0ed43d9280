"""A worker process killed in the middle of a job: Dask reruns its partitions, and the output is
complete and identical to an undisturbed run's."""

from __future__ import annotations

import os
import signal
import threading
import time

from classifier.scoring.dask import score_dask

from .conftest import TIMEOUT
from .test_dask import assert_same_as_stance_score

SMALL = {"chunk_rows": 5, "partition_rows": 5}  # many small tasks, so the kill lands while some are queued


def test_a_killed_worker_is_replaced_and_the_output_is_complete(
    input_dir, saved_model, dask_client, tmp_path
):
    out = tmp_path / "out"
    result: dict = {}

    def job() -> None:
        try:
            result["summary"] = score_dask(
                [str(input_dir)], out, model=str(saved_model), client=dask_client, timeout=TIMEOUT, **SMALL
            )
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread to fail there
            result["error"] = exc

    pids = dask_client.run(os.getpid)
    thread = threading.Thread(target=job)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while not list(out.glob("part-*")) and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    busy = {address: tasks for address, tasks in dask_client.processing().items() if tasks}
    victim = next(iter(busy), None)
    assert victim is not None, "the job finished before a worker could be killed; give it more partitions"
    os.kill(pids[victim], signal.SIGKILL)
    killed_at = len(list(out.glob("part-*")))
    thread.join(TIMEOUT)
    assert not thread.is_alive(), "the job hung after a worker was killed"
    assert "error" not in result, result.get("error")
    summary = result["summary"]
    assert killed_at < summary.parts  # the kill came while parts were still to be written
    dask_client.wait_for_workers(2, timeout=TIMEOUT)
    assert pids[victim] not in dask_client.run(os.getpid).values()  # the nanny started a new process
    assert (out / "_SUCCESS").exists() and summary.rows == 241
    assert_same_as_stance_score(out, saved_model, tmp_path, chunk_rows=SMALL["chunk_rows"])
