"""Heap throughput workloads, one unit = one push plus one pop.

* fill-drain: push ``n`` events into an empty heap, then pop them all (the heap grows to ``n``);
* hold: the classic discrete-event pattern at a steady size ``m``: pop the first event and push
  it back at its time plus an increment, ``n`` times (a scheduler with ``m`` pending events).
* ticks (Numba only): the heap anchor workload of docs/performance.md, "100 agents x 1000 s ticks +
  effects": agents tick every second with 10 % uniform jitter, each tick queues its action effect
  0.1 s later and the agent's next tick; every event is one pop and, on average, one push.

Each comes in three faces of the same work, so their rates compare directly:

* ``eventqueue_*``: heron's ``EventQueue`` from Python (``push(time, priority,
  item)`` then ``pop()`` until empty);
* ``heapq_*``: ``heapq`` on ``(time, priority, sequence, item)`` tuples, the same
  ordering contract as ``EventQueue``;
* ``heap_*_nb``: Numba kernels over a ``heap_event_dt`` buffer calling
  ``heap_push_nb`` / ``heap_pop_nb`` (the Cython heap when compiled, its Numba twin otherwise).

Times and increments are float64 seconds drawn by ``event_times(n, seed)``. Each function returns
a checksum (the sum of popped times in pop order, weighted by position) so the work cannot be
skipped and the three can be checked against each other.
"""
from __future__ import annotations

import heapq

import numpy as np
from numba import njit

from heron._fast.dtypes import EV_ACTION_EFFECT, EV_TICK, heap_event_dt
from heron._fast.heap_nb import CACHE, heap_pop_nb, heap_push_nb


def event_times(n: int, seed: int = 0) -> np.ndarray:
    """``n`` event times (s), uniform on [0, 1000), from ``numpy.random.default_rng(seed)``.

    Also used as hold increments (mean 500 s, so the heap keeps mixing)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an int >= 1; got {n!r}")
    return np.random.default_rng(seed).uniform(0.0, 1000.0, int(n))


def eventqueue_fill_drain(times) -> float:
    """Push every time into a fresh ``EventQueue`` then pop them all; returns the checksum.

    ``times`` is a list of floats (seconds); convert NumPy arrays with ``.tolist()`` first so the
    loop measures the queue, not NumPy scalar boxing."""
    from heron._fast.heap import EventQueue

    q = EventQueue()
    push, pop = q.push, q.pop
    item = None
    for t in times:
        push(t, 0, item)
    total = 0.0
    k = 0
    while q:
        t = pop()[0]
        total += (k % 7 + 1) * t
        k += 1
    return total


def heapq_fill_drain(times) -> float:
    """The same work with ``heapq`` on ``(time, priority, sequence, item)`` tuples."""
    h: list = []
    heappush, heappop = heapq.heappush, heapq.heappop
    item = None
    for seq, t in enumerate(times):
        heappush(h, (t, 0, seq, item))
    total = 0.0
    k = 0
    while h:
        t = heappop(h)[0]
        total += (k % 7 + 1) * t
        k += 1
    return total


@njit(cache=CACHE)
def heap_fill_drain_nb(heap, times, out):
    """Push ``times`` (as EV_TICK records of agent ``k % 1024``) then pop them all.

    ``heap`` is a ``heap_event_dt`` buffer with room for ``len(times)`` records; ``out`` a
    length-1 ``heap_event_dt`` array. Returns the checksum, or -1.0 if the buffer was too small.
    """
    size = 0
    n = times.shape[0]
    for k in range(n):
        size = heap_push_nb(heap, size, times[k], EV_TICK, k & 1023, k, k)
        if size < 0:
            return -1.0
    total = 0.0
    k = 0
    while size > 0:
        size = heap_pop_nb(heap, size, out)
        total += (k % 7 + 1) * out[0].time
        k += 1
    return total


def numba_buffers(n: int):
    """``(heap, out)`` buffers for ``heap_fill_drain_nb`` with room for ``n`` records."""
    return np.empty(int(n), dtype=heap_event_dt), np.empty(1, dtype=heap_event_dt)


def compile_heap_kernel() -> None:
    """Compile (or load from cache) the kernels of this module by running them on tiny inputs."""
    heap, out = numba_buffers(4)
    heap_fill_drain_nb(heap, event_times(4), out)
    heap_hold_nb(heap, event_times(4), event_times(4), out)
    heap_ticks_nb(heap, 2, tick_jitter(4), out)


def eventqueue_hold(times0, increments) -> float:
    """Hold model on ``EventQueue``: queue ``times0``, then for each increment pop the first event
    and push it back ``increment`` seconds later; returns the checksum of popped times."""
    from heron._fast.heap import EventQueue

    q = EventQueue()
    push, pop = q.push, q.pop
    item = None
    for t in times0:
        push(t, 0, item)
    total = 0.0
    k = 0
    for dt in increments:
        t = pop()[0]
        total += (k % 7 + 1) * t
        k += 1
        push(t + dt, 0, item)
    return total


def heapq_hold(times0, increments) -> float:
    """The hold model with ``heapq`` on ``(time, priority, sequence, item)`` tuples."""
    h = [(t, 0, seq, None) for seq, t in enumerate(times0)]
    heapq.heapify(h)
    heappush, heappop = heapq.heappush, heapq.heappop
    seq = len(h)
    item = None
    total = 0.0
    k = 0
    for dt in increments:
        t = heappop(h)[0]
        total += (k % 7 + 1) * t
        k += 1
        heappush(h, (t + dt, 0, seq, item))
        seq += 1
    return total


@njit(cache=CACHE)
def heap_hold_nb(heap, times0, increments, out):
    """Hold model in a kernel (``heap`` with room for ``len(times0)`` records, ``out`` of length
    1); returns the checksum, or -1.0 if the buffer was too small."""
    size = 0
    m = times0.shape[0]
    for k in range(m):
        size = heap_push_nb(heap, size, times0[k], EV_TICK, k & 1023, k, k)
        if size < 0:
            return -1.0
    seq = m
    total = 0.0
    for k in range(increments.shape[0]):
        size = heap_pop_nb(heap, size, out)
        t = out[0].time
        total += (k % 7 + 1) * t
        size = heap_push_nb(heap, size, t + increments[k], EV_TICK, out[0].agent, seq, out[0].data)
        seq += 1
    return total


def tick_jitter(n_ticks: int, seed: int = 3) -> np.ndarray:
    """``n_ticks`` tick intervals (s): 1 s with 10 % uniform jitter (``heap_ticks_nb``)."""
    if isinstance(n_ticks, bool) or not isinstance(n_ticks, (int, np.integer)) or n_ticks < 1:
        raise ValueError(f"n_ticks must be an int >= 1; got {n_ticks!r}")
    return np.random.default_rng(seed).uniform(0.9, 1.1, int(n_ticks))


@njit(cache=CACHE)
def heap_ticks_nb(heap, n_agents, intervals, out):
    """The anchor's workload: ``n_agents`` agents (first ticks spread over the first second)
    tick until ``len(intervals)`` ticks have run; a tick at ``t`` pushes its effect at ``t + 0.1``
    and the agent's next tick at ``t + intervals[k]``. ``heap`` needs room for ``2 * n_agents``
    records. Returns ``(events, checksum)``; events = pops (pushes differ by the final queue)."""
    size = 0
    for i in range(n_agents):
        size = heap_push_nb(heap, size, i / n_agents, EV_TICK, i, i, 0)
    seq = n_agents
    k = 0
    events = 0
    total = 0.0
    n = intervals.shape[0]
    while k < n:
        size = heap_pop_nb(heap, size, out)
        ev = out[0]
        t = ev.time
        events += 1
        total += (events % 7 + 1) * t
        if ev.cls == EV_TICK:
            size = heap_push_nb(heap, size, t + 0.1, EV_ACTION_EFFECT, ev.agent, seq, k)
            size = heap_push_nb(heap, size, t + intervals[k], EV_TICK, ev.agent, seq + 1, 0)
            if size < 0:
                return events, -1.0
            seq += 2
            k += 1
    return events, total
