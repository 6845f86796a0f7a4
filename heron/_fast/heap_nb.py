"""The event heap for Numba kernels: ``heap_push_nb``, ``heap_pop_nb``, ``heap_peek_time_nb``.

Kernels keep a heap in a NumPy array of ``heap_event_dt`` records plus a size. With the compiled
extension these call the Cython ``cdef`` functions of ``heron._fast._heap`` directly: their
addresses are registered once with llvmlite under stable symbol names, so kernels that use them
stay cacheable (``cache=True``). With ``HERON_NO_EXTENSIONS=1`` the same functions are
implemented in Numba (the twin), with the same ordering ``(time, cls, agent, seq)``.

Contract (all ``@njit``-callable):

* ``heap_push_nb(heap, size, time, cls, agent, seq, data) -> new size`` (``-1`` when full).
* ``heap_pop_nb(heap, size, out) -> new size`` writes the smallest record into ``out[0]``
  (``out`` is a length-1 ``heap_event_dt`` array); ``-1`` when empty.
* ``heap_peek_time_nb(heap, size) -> float64`` time (s) of the smallest record, ``inf`` if empty.
"""
from __future__ import annotations

import numpy as np
from numba import njit, types

from heron._fast import heap as _heap_select

COMPILED = _heap_select.COMPILED

if COMPILED:
    import llvmlite.binding as _llvm
    from numba.extending import get_cython_function_address

    _SYMBOLS = {
        "heap_push": "heron_heap_push",
        "heap_pop": "heron_heap_pop",
        "heap_peek_time": "heron_heap_peek_time",
    }
    for _name, _symbol in _SYMBOLS.items():
        _llvm.add_symbol(_symbol, get_cython_function_address("heron._fast._heap", _name))

    _c_push = types.ExternalFunction(
        "heron_heap_push",
        types.int64(types.voidptr, types.int64, types.int64, types.float64, types.int64,
                    types.int64, types.int64, types.int64),
    )
    _c_pop = types.ExternalFunction(
        "heron_heap_pop", types.int64(types.voidptr, types.int64, types.voidptr)
    )
    _c_peek = types.ExternalFunction(
        "heron_heap_peek_time", types.float64(types.voidptr, types.int64)
    )

    @njit(inline="always")
    def heap_push_nb(heap, size, time, cls, agent, seq, data):
        return _c_push(heap.ctypes, size, heap.shape[0], time, cls, agent, seq, data)

    @njit(inline="always")
    def heap_pop_nb(heap, size, out):
        return _c_pop(heap.ctypes, size, out.ctypes)

    @njit(inline="always")
    def heap_peek_time_nb(heap, size):
        return _c_peek(heap.ctypes, size)

else:

    @njit(inline="always")
    def _less(heap, i, time, cls, agent, seq):
        r = heap[i]
        if r.time != time:
            return r.time < time
        if r.cls != cls:
            return r.cls < cls
        if r.agent != agent:
            return r.agent < agent
        return r.seq < seq

    @njit
    def heap_push_nb(heap, size, time, cls, agent, seq, data):
        if size >= heap.shape[0]:
            return -1
        pos = size
        while pos > 0:
            parent = (pos - 1) >> 1
            if _less(heap, parent, time, cls, agent, seq):
                break
            heap[pos] = heap[parent]
            pos = parent
        rec = heap[pos]
        rec.time = time
        rec.cls = cls
        rec.agent = agent
        rec.seq = seq
        rec.data = data
        return size + 1

    @njit
    def heap_pop_nb(heap, size, out):
        if size <= 0:
            return -1
        out[0] = heap[0]
        n = size - 1
        if n == 0:
            return 0
        last = heap[n]
        lt, lc, la, ls, ld = last.time, last.cls, last.agent, last.seq, last.data
        pos = 0
        while True:
            child = 2 * pos + 1
            if child >= n:
                break
            if child + 1 < n:
                c2 = heap[child]
                if _less(heap, child + 1, c2.time, c2.cls, c2.agent, c2.seq):
                    child += 1
            if _less(heap, child, lt, lc, la, ls):
                heap[pos] = heap[child]
                pos = child
            else:
                break
        rec = heap[pos]
        rec.time = lt
        rec.cls = lc
        rec.agent = la
        rec.seq = ls
        rec.data = ld
        return n

    @njit(inline="always")
    def heap_peek_time_nb(heap, size):
        if size <= 0:
            return np.inf
        return heap[0].time

# Numba's on-disk cache does not notice that a kernel's heap changed between the compiled heap
# and the twin, and loading a kernel cached against the other one crashes. Kernels that use the
# heap therefore pass ``cache=CACHE``: cached with the compiled heap, compiled afresh with the twin.
CACHE: bool = COMPILED
