"""Running a plan's chunks: one after another, or several side by side in threads.

With compiled policies a chunk is one call of the rollout kernel; with a Python policy it is
about a hundred short kernel calls (one per decision round) with a policy call between each.
With ``threads`` > 1 and more than one chunk, ``threads`` chunks run side by side, each in its
own Python thread with its own working arrays and a one-thread kernel (the kernels release the
GIL; a Python policy is called under ``plan.policy_lock``, so a user's policy never runs in two
threads at once). Whole chunks side by side also overlap one chunk's Python work (working-set
reset, result columns) with another's kernel: W1 at 2 threads, same session, 125-131k
episodes/s against 114-118k with each chunk's rows split into ranges. A single chunk splits its
rows into ranges instead (``heron.batch.threads.run_rows``). Chunks are yielded in episode order
and every episode's result depends only on ``(seed, episode)``, so the results are the same with
any thread count.

While Python policies decide, BLAS/OpenMP thread pools (NumPy's OpenBLAS or MKL, and torch's
intra-op pool) are limited to one thread (``policy_thread_limits``): their spinning worker
threads otherwise compete with the engine's for the same cores (measured on W1 with a NumPy
MLP: 1.3-2.2k instead of ~11k episodes/s on a busy 2-core machine).
"""
from __future__ import annotations

import contextlib
import sys
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor


@contextlib.contextmanager
def policy_thread_limits(active: bool = True):
    """Limit BLAS/OpenMP pools (``threadpoolctl``) and torch's intra-op threads to one while
    the block runs; restore them afterwards. No-op when ``active`` is false."""
    if not active:
        yield
        return
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")   # only if the user's code imported it
    prev = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=1):
        if prev is not None:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if prev is not None:
                torch.set_num_threads(prev)


def run_chunks(plan, n_episodes: int, episode_start: int, chunk: int, threads: int, finish):
    """Yield ``finish(plan, start, acur, events, arrs)`` for each chunk of episodes
    ``[episode_start, episode_start + n_episodes)`` in order. ``threads`` > 1 runs that many
    chunks at once (see the module docstring); a single chunk runs with ``threads`` threads
    inside each kernel call (the caller sets them: ``heron.batch.threads.kernel_threads``)."""
    from heron.batch.runner import run_chunk

    starts = range(episode_start, episode_start + n_episodes, chunk)

    def one(start, buffers=None):
        n = min(chunk, episode_start + n_episodes - start)
        acur, events, arrs = run_chunk(plan, start, n, buffers=buffers)
        return finish(plan, start, acur, events, arrs)

    if threads <= 1 or len(starts) == 1:
        for start in starts:
            yield one(start)
        return
    from heron.batch.threads import set_thread_local

    local = threading.local()

    def in_thread(start):
        if not hasattr(local, "buffers"):
            set_thread_local(1)         # per thread: the kernel runs in this thread alone
            local.buffers = {}
        return one(start, local.buffers)

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="heron-chunk") as pool:
        pending: deque = deque()
        it = iter(starts)
        try:
            for start in it:
                pending.append(pool.submit(in_thread, start))
                if len(pending) >= threads:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()
