"""Threads over episodes: a kernel runs on row ranges of a chunk, side by side in Python threads.

The compiled kernels (rollout, synchronous, schedule fill) are plain ``@njit(nogil=True)``
functions over a row range ``[lo, hi)`` of the chunk; ``run_rows`` splits a chunk's rows into
ranges and runs them on ``threads`` Python threads, the caller and a pool (the kernels release
the GIL, so the ranges run in parallel; ``heron.batch.pipeline`` runs whole chunks side by side
when there are several). Numba's ``parallel=True`` would do the same inside one call, but its
parallel lowering added 3-4 s to the cold compile of an env's rollout kernel (W1: 15.8 s ->
12.2 s without it) and 2.8 s to the synchronous kernel's, the time a new user waits before the
first episode. Every episode's result depends only on ``(seed, episode)``, so the split never
changes results.

``kernel_threads(n)`` sets the thread count for the calling thread (``evaluate(threads=)``);
without it the count is Numba's default, ``numba.config.NUMBA_NUM_THREADS`` (the core count, or
the ``NUMBA_NUM_THREADS`` environment variable).
"""
from __future__ import annotations

import contextlib
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

#: Rows per range at least (fewer rows: not worth a thread hand-off), and ranges per thread
#: (several, so a thread that finishes early takes the next range: episodes differ in cost).
MIN_ROWS = 32
RANGES_PER_THREAD = 4

_local = threading.local()
_pools: dict = {}
_pools_lock = threading.Lock()


def _forget_pools() -> None:
    """In a forked child the pools' threads do not exist: start new ones on first use."""
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)


def default_threads() -> int:
    """Threads used when ``kernel_threads`` is not in effect: Numba's configured thread count."""
    import numba

    return int(numba.config.NUMBA_NUM_THREADS)


def current_threads() -> int:
    """Threads ``run_rows`` uses in the calling thread."""
    n = getattr(_local, "threads", None)
    return default_threads() if n is None else n


@contextlib.contextmanager
def kernel_threads(n: int):
    """Run kernels of the calling thread on ``n`` threads while the block runs."""
    prev = getattr(_local, "threads", None)
    _local.threads = int(n)
    try:
        yield
    finally:
        _local.threads = prev


def set_thread_local(n: int) -> None:
    """Set the calling thread's kernel thread count for good (a pool thread running chunks)."""
    _local.threads = int(n)


def _pool(threads: int) -> ThreadPoolExecutor:
    with _pools_lock:
        pool = _pools.get(threads)
        if pool is None:
            pool = _pools[threads] = ThreadPoolExecutor(max_workers=threads,
                                                        thread_name_prefix="heron-kernel")
        return pool


def row_ranges(n_rows: int, threads: int) -> list:
    """``[(lo, hi), ...]`` covering ``range(n_rows)`` in order: one range with one thread or few
    rows, else up to ``threads * RANGES_PER_THREAD`` ranges of at least ``MIN_ROWS`` rows."""
    parts = min(threads * RANGES_PER_THREAD, n_rows // MIN_ROWS) if threads > 1 else 1
    if parts <= 1:
        return [(0, n_rows)]
    bounds = [n_rows * k // parts for k in range(parts + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def run_rows(kernel, args: tuple, n_rows: int, threads: int | None = None) -> list:
    """Call ``kernel(*args, lo, hi)`` for row ranges covering ``range(n_rows)``, on ``threads``
    threads (default ``current_threads()``): the calling thread and ``threads - 1`` pool threads
    take the next range until none is left. Returns the results in range order. An exception
    in any range stops the others from starting new ranges and is raised here once every thread
    has stopped (they share the chunk's arrays)."""
    threads = current_threads() if threads is None else threads
    ranges = row_ranges(n_rows, threads)
    if len(ranges) == 1:
        return [kernel(*args, 0, n_rows)]
    results = [None] * len(ranges)
    take = itertools.count()      # next() is atomic under the GIL
    failed = []

    def work():
        for k in iter(take.__next__, None):
            if k >= len(ranges) or failed:
                return
            lo, hi = ranges[k]
            try:
                results[k] = kernel(*args, lo, hi)
            except BaseException as exc:
                failed.append(exc)
                return

    helpers = [_pool(threads - 1).submit(work) for _ in range(min(threads, len(ranges)) - 1)]
    try:
        work()
    except BaseException as exc:  # e.g. Ctrl-C between two ranges: stop taking new ones
        failed.append(exc)
    pending = set(helpers)
    while pending:                # the helpers write into the chunk's arrays: wait for them
        try:
            _, pending = wait(pending)
        except BaseException as exc:  # Ctrl-C while waiting: keep waiting, raise it after
            failed.append(exc)
    if failed:
        raise failed[0]
    return results
