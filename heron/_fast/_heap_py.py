"""Pure-Python twin of the compiled heap ``heron._fast._heap`` (same Python API).

Used when ``HERON_NO_EXTENSIONS=1`` is set; the test suite runs on both. Ordering is the same:
``EventQueue`` pops by ``(time, priority, insertion order)``; ``push_array`` / ``pop_array`` keep
a binary heap of ``heap_event_dt`` records ordered by ``(time, cls, agent, seq)``.
"""
from __future__ import annotations

import heapq
import math


class EventQueue:
    """Priority queue of Python items ordered by ``(time, priority, insertion order)``.

    ``time`` is float64 seconds, ``priority`` an int (lower first).
    """

    __slots__ = ("_heap", "_seq")

    def __init__(self, capacity: int = 64):
        self._heap: list = []
        self._seq = 0

    def push(self, time: float, priority: int, item) -> int:
        """Queue ``item`` at ``time`` (s) with ``priority``; returns its insertion number."""
        seq = self._seq
        heapq.heappush(self._heap, (float(time), int(priority), seq, item))
        self._seq = seq + 1
        return seq

    def pop(self):
        """Remove and return ``(time, priority, item)`` of the first record."""
        if not self._heap:
            raise IndexError("pop from an empty EventQueue")
        time, priority, _, item = heapq.heappop(self._heap)
        return (time, priority, item)

    def pop_until(self, t_end: float):
        """Pop the first item if its time is ``<= t_end`` (s); otherwise return ``None``."""
        heap = self._heap
        if not heap or heap[0][0] > t_end:
            return None
        return heapq.heappop(heap)[3]

    def peek_time(self) -> float:
        """Time (s) of the first record, ``inf`` when empty."""
        return self._heap[0][0] if self._heap else math.inf

    def items(self) -> list:
        """The queued items in pop order (a copy; the queue is unchanged)."""
        return [rec[3] for rec in sorted(self._heap, key=lambda r: r[:3])]

    def clear(self) -> None:
        """Drop every queued item (insertion numbering continues)."""
        self._heap = []

    def __len__(self) -> int:
        return len(self._heap)

    def __bool__(self) -> bool:
        return bool(self._heap)


def _key(rec):
    return (rec["time"], rec["cls"], rec["agent"], rec["seq"])


def push_array(heap, size: int, time: float, cls: int, agent: int, seq: int, data: int) -> int:
    """Insert one record into a ``heap_event_dt`` array; new size, or -1 when full."""
    if size >= heap.shape[0]:
        return -1
    item = (time, cls, agent, seq, data)
    pos = size
    while pos > 0:
        parent = (pos - 1) >> 1
        if item[:4] < _key(heap[parent]):
            heap[pos] = heap[parent]
            pos = parent
        else:
            break
    heap[pos] = item
    return size + 1


def pop_array(heap, size: int):
    """Remove the smallest record: ``(new_size, (time, cls, agent, seq, data))``."""
    if size <= 0:
        raise IndexError("pop from an empty heap")
    out = tuple(heap[0].tolist())
    n = size - 1
    if n == 0:
        return 0, out
    last = heap[n].copy()
    last_key = _key(last)
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= n:
            break
        if child + 1 < n and _key(heap[child + 1]) < _key(heap[child]):
            child += 1
        if _key(heap[child]) < last_key:
            heap[pos] = heap[child]
            pos = child
        else:
            break
    heap[pos] = last
    return n, out
