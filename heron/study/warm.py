"""Compile a study's kernels before its shards run, so no two workers compile the same kernel and
a fresh install compiles the independent pieces side by side (``heron.batch.runner.COMPILE_PARTS``:
the event-driven rollout kernel, the schedule kernels, the synchronous kernel).

* On a pool (``warm_pool``): every piece is one job, the longest first, and the workers compile
  them at the same time; each later shard loads them from Numba's on-disk cache.
* In-process (``warm_inline``, the ``inline`` executor): the first piece loads (or compiles) in a
  thread. A piece found in the cache loads in well under a second; one still running after
  ``COMPILE_PROBE_S`` seconds is being compiled, and the other pieces then compile in one helper
  process meanwhile (spawned, as a pool's workers are), so a cold run costs about its longest
  compile while a cached run starts no process at all. The pieces are then loaded here. Only the
  default evaluator's pieces are warmed in-process: another evaluator's warm-up would be a call of
  its own.
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import threading

from heron.study.shards import shard_engine, warm_jobs, warm_shard

#: seconds the first piece may take before it is taken to be compiling (the demo's cached rollout
#: kernel loads in 0.15 s on this project's 2-core machines; its cold compile takes about 12 s).
#: A load slower than this only costs a helper process that finds every piece in the cache.
COMPILE_PROBE_S = 0.75


def warm_plan(tasks) -> list:
    """The warm-up jobs (``(task, part)`` for ``warm_shard``) of the shard tasks ``tasks``:
    each engine's independent compile pieces once, the longest first (the event-driven kernel),
    so a pool's workers finish together."""
    firsts = {}
    for task in tasks:
        firsts.setdefault(shard_engine(task), task)
    jobs = [job for task in firsts.values() for job in warm_jobs(task)]
    jobs.sort(key=lambda job: (job[1] != "kernel", shard_engine(job[0]) != "batch"))
    return jobs


def warm_pool(executor, jobs) -> None:
    """Run ``jobs`` on ``executor``'s workers side by side; an engine that cannot run fails here,
    before any shard is written."""
    futures = [executor.submit(warm_shard, task, part) for task, part in jobs]
    for fut in cf.as_completed(futures):
        fut.result()


class _Piece(threading.Thread):
    """``warm_shard(task, part)`` in a daemon thread (an interrupt never waits for a compile)."""

    def __init__(self, task, part):
        super().__init__(daemon=True, name="heron-warm")
        self.args_ = (task, part)
        self.error = None

    def run(self):
        try:
            warm_shard(*self.args_)
        except BaseException as exc:  # noqa: BLE001 - re-raised by result()
            self.error = exc

    def result(self):
        while self.is_alive():      # short joins: Ctrl-C reaches the main thread
            self.join(0.1)
        if self.error is not None:
            raise self.error


def warm_inline(jobs, probe_s: float = COMPILE_PROBE_S) -> bool:
    """Warm ``jobs`` in this process (module docstring); returns True when a helper process
    compiled the other pieces (the first was not in the cache)."""
    jobs = [job for job in jobs if job[1] is not None]
    if not jobs:
        return False
    first = _Piece(*jobs[0])
    first.start()
    first.join(probe_s)
    helper, futures = None, []
    if first.is_alive() and len(jobs) > 1:
        helper = cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        futures = [helper.submit(warm_shard, task, part) for task, part in jobs[1:]]
    try:
        first.result()
        for fut in futures:
            try:
                fut.result()
            except Exception:  # noqa: BLE001 - the piece compiles here below, raising its error
                pass
    finally:
        if helper is not None:
            helper.shutdown(wait=False, cancel_futures=True)
    for task, part in jobs[1:]:
        warm_shard(task, part)      # from the cache the helper filled (or compiled here)
    return helper is not None
