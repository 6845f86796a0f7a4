"""Where shards run: ``"inline"`` (this process), ``"process"`` (a local process pool, the
default), ``"dask"`` (a ``dask.distributed`` cluster), or any ``concurrent.futures.Executor`` /
``dask.distributed.Client`` passed from Python.

``open_executor(...)`` returns an ``ExecutorHandle``: the executor, how many engine threads each
shard may use (None = the engine's default, all cores, for inline runs; 1 in pools, so workers do
not oversubscribe the cores), a ``close()`` that shuts down only what it created and, for inline
runs and heron's process pool, a counter of finished episodes that shards update chunk by chunk
(the progress bar reads it; other executors report per finished shard). With Dask the
output directory must be visible to every worker (a local cluster, or a shared filesystem).
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from dataclasses import dataclass, field
from typing import Callable, Optional

EXECUTORS = ("inline", "process", "dask")
#: seconds to wait for a Dask scheduler to answer before giving up (``--scheduler``)
DASK_CONNECT_TIMEOUT = 5.0


class ExecutorError(ValueError):
    """The executor cannot be opened (an unreachable scheduler, a missing package)."""


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


class LocalCounter:
    """The episode counter of in-process shards (the interface of ``multiprocessing.Value``)."""

    def __init__(self):
        import threading

        self.value = 0
        self.notify = None  # called after each addition (the driver moves its bar at once)
        self._lock = threading.Lock()

    def get_lock(self):
        return self._lock


@dataclass
class ExecutorHandle:
    """An executor, the engine threads per shard, and how to release it. ``counter``: episodes
    finished so far by the shards it ran (updated chunk by chunk; ``None`` when the executor's
    workers cannot share one: then progress is counted per finished shard)."""

    executor: cf.Executor
    name: str
    threads: Optional[int]
    workers: int
    close: Callable[[], None] = field(default=lambda: None)
    counter: Optional[object] = None


def _inline_handle() -> ExecutorHandle:
    from heron.study.shards import install_counter

    counter = LocalCounter()

    def close():
        install_counter(None)

    install_counter(counter)
    return ExecutorHandle(InlineExecutor(), "inline", None, 1, close, counter)


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
            return _inline_handle()
        workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
        return ExecutorHandle(executor, type(executor).__name__, 1, workers)
    if hasattr(executor, "get_executor") and hasattr(executor, "scheduler_info"):
        return _dask_handle(executor, [])
    if executor == "inline":
        return _inline_handle()
    if executor == "process":
        from heron.study.shards import install_counter

        n = max_workers or os.cpu_count() or 1
        # spawn: workers never inherit a parent's running thread pools (fork is unsafe with them)
        ctx = multiprocessing.get_context("spawn")
        counter = ctx.Value("q", 0)
        pool = cf.ProcessPoolExecutor(n, mp_context=ctx, initializer=install_counter,
                                      initargs=(counter,))
        return ExecutorHandle(pool, "process", 1, n,
                              lambda: pool.shutdown(wait=True, cancel_futures=True), counter)
    if executor == "dask":
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError("executor 'dask' needs dask.distributed: pip install "
                                "'heron[dask]'") from None
        if scheduler:
            try:
                client = Client(scheduler, timeout=f"{DASK_CONNECT_TIMEOUT}s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise ExecutorError(f"--scheduler {scheduler}: expected a reachable Dask scheduler "
                                    f"address (tcp://host:port); none answered within "
                                    f"{DASK_CONNECT_TIMEOUT:g} s ({type(exc).__name__}: "
                                    f"{str(exc).splitlines()[0] if str(exc) else ''})") from None
            return _dask_handle(client, [client])
        cluster = LocalCluster(n_workers=max_workers or os.cpu_count() or 1,
                               threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        return _dask_handle(client, [cluster, client])
    raise ValueError(f"executor must be one of {list(EXECUTORS)}, a concurrent.futures.Executor "
                     f"or a dask.distributed.Client; got {executor!r}")
