"""Where shards run: ``"inline"`` (this process), ``"process"`` (a local process pool, the
default), ``"dask"`` (a ``dask.distributed`` cluster), or any ``concurrent.futures.Executor`` /
``dask.distributed.Client`` passed from Python.

``open_executor(...)`` returns an ``ExecutorHandle``: the executor, how many engine threads each
shard may use (None = the engine's default, all cores, for inline runs; 1 in pools, so workers do
not oversubscribe the cores) and a ``close()`` that shuts down only what it created. With Dask the
output directory must be visible to every worker (a local cluster, or a shared filesystem).
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from dataclasses import dataclass, field
from typing import Callable, Optional

EXECUTORS = ("inline", "process", "dask")


class InlineExecutor(cf.Executor):
    """Runs each submitted call immediately in the calling thread (no parallelism, no pickling)."""

    def submit(self, fn, /, *args, **kwargs):
        future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # KeyboardInterrupt must reach the caller at once
            if not isinstance(exc, Exception):
                raise
            future.set_exception(exc)
        return future


@dataclass
class ExecutorHandle:
    """An executor, the engine threads per shard, and how to release it."""

    executor: cf.Executor
    name: str
    threads: Optional[int]
    workers: int
    close: Callable[[], None] = field(default=lambda: None)


def _dask_handle(client, owned: list) -> ExecutorHandle:
    workers = max(1, len(client.scheduler_info().get("workers", {})) or 1)

    def close():
        for obj in reversed(owned):
            obj.close()

    return ExecutorHandle(client.get_executor(), "dask", 1, workers, close)


def open_executor(executor=None, *, scheduler: Optional[str] = None,
                  max_workers: Optional[int] = None) -> ExecutorHandle:
    """Resolve ``executor`` (a name, an Executor, a dask Client, or None for ``"process"``)."""
    if max_workers is not None and (isinstance(max_workers, bool)
                                    or not isinstance(max_workers, int) or max_workers < 1):
        raise ValueError(f"max_workers must be a positive int or None; got {max_workers!r}")
    if executor is None:
        executor = "dask" if scheduler else "process"
    if scheduler is not None and executor != "dask":
        raise ValueError(f"scheduler={scheduler!r} needs executor='dask'; "
                         f"got executor={executor!r}")
    if isinstance(executor, cf.Executor):
        if isinstance(executor, InlineExecutor):
            return ExecutorHandle(executor, "inline", None, 1)
        workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
        return ExecutorHandle(executor, type(executor).__name__, 1, workers)
    if hasattr(executor, "get_executor") and hasattr(executor, "scheduler_info"):
        return _dask_handle(executor, [])
    if executor == "inline":
        return ExecutorHandle(InlineExecutor(), "inline", None, 1)
    if executor == "process":
        n = max_workers or os.cpu_count() or 1
        # spawn: workers never inherit a parent's running thread pools (fork is unsafe with them)
        pool = cf.ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"))
        return ExecutorHandle(pool, "process", 1, n,
                              lambda: pool.shutdown(wait=True, cancel_futures=True))
    if executor == "dask":
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise RuntimeError("executor 'dask' needs dask.distributed: pip install "
                               "'heron[dask]'") from None
        if scheduler:
            client = Client(scheduler)
            return _dask_handle(client, [client])
        cluster = LocalCluster(n_workers=max_workers or os.cpu_count() or 1,
                               threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        return _dask_handle(client, [cluster, client])
    raise ValueError(f"executor must be one of {list(EXECUTORS)}, a concurrent.futures.Executor "
                     f"or a dask.distributed.Client; got {executor!r}")
