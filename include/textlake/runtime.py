"""Where a shard's work runs: a process pool when one can start, else the task's own process.

A shard task runs under very different hosts: the CLI, `airflow dags test`, Airflow's
task runner (LocalExecutor, standalone) and Celery's prefork workers. The pool must
work, or step aside, under each of them:

- Celery runs tasks in daemonic processes, which may not have children: in-process.
- Airflow's task runner blocks the metadata database for task code by setting
  `AIRFLOW__DATABASE__SQL_ALCHEMY_CONN` to an unparseable URL, and its `__main__` is
  the `airflow` script. A spawned or forkserver child re-runs the parent's main script
  before it takes work, so it imports Airflow, which fails on that URL. The pool's
  children have no use for the host's main module (their work lives in `textlake`),
  so it is hidden from them while each child is launched.
- Anything else that stops the pool from starting falls back to in-process work with a
  warning in the log: slower, never a failed task.
- Airflow's task runner ends a task with `os._exit`, which skips the interpreter's
  clean-up, and a task may be killed outright. A pool left running would keep its
  workers and their forkserver alive for good, a few hundred MB per shard task. So the
  workers watch the process that started them and leave when it is gone, and a shard
  task closes its pool when it ends (`close_pools`).

Freed memory is handed back after each unit of work, because pool workers and the CLI
live for the whole run and would otherwise keep the high-water mark of the largest chunk.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import multiprocessing
import multiprocessing.context
import os
import select
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

import pyarrow as pa

log = logging.getLogger(__name__)

POOL_START_SECONDS = 120  # each worker imports pyarrow, ftfy, CLD2 and blingfire once; slow on a loaded machine
_LIBC = ctypes.CDLL(ctypes.util.find_library("c"))


def give_back_memory() -> None:
    """Return freed heap to the system: Arrow's pool and glibc keep their high-water mark otherwise."""
    pa.default_memory_pool().release_unused()
    _LIBC.malloc_trim(0)


@contextlib.contextmanager
def _main_module_hidden():
    """While a child is launched, the parent's `__main__` names no file or module to re-run."""
    main = sys.modules["__main__"]
    saved = {name: main.__dict__[name] for name in ("__file__", "__spec__") if name in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.update(saved)


class _WorkerProcess(multiprocessing.context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        with _main_module_hidden():
            return multiprocessing.context.ForkServerProcess._Popen(process_obj)


class _WorkerContext(multiprocessing.context.ForkServerContext):
    """forkserver, because tasks may run in a threaded host where fork is unsafe; the server
    imports the shard code once and its children are forked from it, sharing those pages."""

    Process = _WorkerProcess


class InProcess:
    """Runs the work in the calling process: no pool to start, and easy to profile."""

    workers = 1

    def map(self, fn, *iterables):
        return map(fn, *iterables)


# One pool per process and size, kept across shards: its workers import their libraries
# once per CLI run instead of once per shard.
_POOLS: dict[int, ProcessPoolExecutor] = {}


def executor(workers: int, preload: str):
    """A started pool of `workers` processes that preload module `preload`, or `InProcess()`."""
    if workers > 1 and multiprocessing.current_process().daemon:
        # Celery's prefork pool: its own concurrency spreads the shards instead.
        log.warning(
            "running inside a daemonic process (a Celery worker): %d processes requested, "
            "processing the shard in-process; scale with worker concurrency instead",
            workers,
        )
        return InProcess()
    if workers <= 1:
        return InProcess()
    if workers not in _POOLS:
        pool = _start_pool(workers, preload)
        if pool is None:
            return InProcess()
        _POOLS[workers] = pool
    return _POOLS[workers]


def _leave_with(owner: int) -> None:
    """In a pool worker: exit as soon as process `owner` (the one that started the pool) is gone."""
    try:
        handle = os.pidfd_open(owner)
    except (AttributeError, OSError):  # no pidfd (an old kernel): look every few seconds
        handle = None

    def watch() -> None:
        if handle is not None:
            select.select([handle], [], [])
        else:
            while _alive(owner):
                time.sleep(2)
        os._exit(0)

    threading.Thread(target=watch, name="textlake-owner-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start_pool(workers: int, preload: str) -> ProcessPoolExecutor | None:
    """Start every worker now and check each answers, so a pool that cannot start is known at once."""
    context = _WorkerContext()
    context.set_forkserver_preload([preload])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_leave_with, initargs=(os.getpid(),))
    try:
        probes = [pool.submit(os.getpid) for _ in range(workers)]
        for probe in probes:
            probe.result(timeout=POOL_START_SECONDS)
    except Exception as exc:  # noqa: BLE001 - whatever stops the pool, the shard still runs
        pool.shutdown(wait=False, cancel_futures=True)
        log.warning(
            "could not start a pool of %d processes (%s: %s); processing the shard in-process", workers, type(exc).__name__, exc
        )
        return None
    return pool


def discard_pool(pool) -> None:
    """Forget a pool whose worker died (killed, out of memory), so the retry starts a fresh one."""
    for size, kept in list(_POOLS.items()):
        if kept is pool:
            del _POOLS[size]
    if isinstance(pool, ProcessPoolExecutor):
        pool.shutdown(wait=False, cancel_futures=True)


def close_pools() -> None:
    """Stop the kept pools' workers, so the steps after the shards do not carry their memory."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown()
