"""The shard pool starts, or steps aside, under every host a task runs in."""

from __future__ import annotations

import errno
import json
import logging
import multiprocessing
import os
import subprocess
import sys
import textwrap
import time

import pytest

from textlake import runtime

# A host like Airflow's task runner: its main script cannot run again once the host has
# blocked the metadata database (here: once the marker is set after start-up).
HOST = textwrap.dedent("""
    import os, sys
    if __name__ != "__main__" and os.environ.get("HOST_BLOCKED") == "1":
        raise RuntimeError("the host's main script ran again in a pool child")
    os.environ["HOST_BLOCKED"] = "1"

    def main():
        from concurrent.futures import ProcessPoolExecutor

        from textlake import runtime

        if sys.argv[1] == "textlake":
            pool = runtime.executor(2, "textlake.shard")
        else:  # what a plain forkserver pool does in that host
            pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver"))
        pids = {future.result() for future in [pool.submit(os.getpid) for _ in range(16)]}
        print(type(pool).__name__, len(pool._processes), os.getpid() in pids)
        runtime.close_pools()

    if __name__ == "__main__":
        import multiprocessing
        main()
""")


def run_host(tmp_path, mode: str) -> subprocess.CompletedProcess:
    script = tmp_path / "host.py"
    script.write_text(HOST)
    return subprocess.run([sys.executable, str(script), mode], capture_output=True, text=True, timeout=180)


def test_pool_children_do_not_rerun_the_hosts_main_script(tmp_path):
    done = run_host(tmp_path, "textlake")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ProcessPoolExecutor", "2", "False"]  # two live children did the work, not the host
    assert "ran again" not in done.stderr


def test_a_plain_forkserver_pool_fails_in_such_a_host(tmp_path):
    """The control: the host above does break a pool that re-runs its main script."""
    done = run_host(tmp_path, "plain")
    assert done.returncode != 0 and "ran again in a pool child" in done.stderr


class Unstartable(runtime._WorkerProcess):
    def start(self):
        raise OSError(errno.EAGAIN, "fork: Resource temporarily unavailable")  # a process limit reached


def test_a_pool_that_cannot_start_falls_back_to_in_process_work(monkeypatch, caplog):
    monkeypatch.setattr(runtime._WorkerContext, "Process", Unstartable)
    with caplog.at_level(logging.WARNING, logger="textlake.runtime"):
        pool = runtime.executor(3, "textlake.shard")
    assert isinstance(pool, runtime.InProcess)
    assert list(pool.map(abs, [-1, -2])) == [1, 2]
    assert 3 not in runtime._POOLS
    assert "could not start a pool of 3 processes" in caplog.text and "in-process" in caplog.text


def _executor_kind(queue) -> None:
    queue.put(type(runtime.executor(2, "textlake.shard")).__name__)


def test_daemonic_hosts_work_in_process():
    """Celery's prefork workers are daemonic: they may not have children."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_executor_kind, args=(queue,), daemon=True)
    child.start()
    child.join(60)
    assert queue.get(timeout=5) == "InProcess"


@pytest.mark.parametrize("workers", [0, 1])
def test_one_worker_needs_no_pool(workers):
    assert isinstance(runtime.executor(workers, "textlake.shard"), runtime.InProcess)
    assert os.getpid() in set(runtime.executor(workers, "textlake.shard").map(lambda _: os.getpid(), [1]))


ABANDONING_HOST = textwrap.dedent("""
    import json, multiprocessing.forkserver, os
    from textlake import runtime

    pool = runtime.executor(2, "textlake.shard")
    assert sum(pool.map(abs, [-1, -2])) == 3
    server = multiprocessing.forkserver._forkserver._forkserver_pid
    print(json.dumps([*pool._processes, server]), flush=True)
    os._exit(0)  # as Airflow's task runner ends a task: no clean-up, the pool never shut down
""")


def test_a_pool_does_not_outlive_the_process_that_started_it(tmp_path):
    script = tmp_path / "abandon.py"
    script.write_text(ABANDONING_HOST)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    pids = json.loads(done.stdout)
    assert len(pids) == 3
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(runtime._alive(pid) and not _zombie(pid) for pid in pids):
        time.sleep(0.2)
    assert not [pid for pid in pids if runtime._alive(pid) and not _zombie(pid)], "workers or forkserver left behind"


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1].startswith("Z")
    except FileNotFoundError:
        return True
