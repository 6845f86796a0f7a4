# The compiled event heap: a binary min-heap of ``heap_event`` records in a caller-owned buffer.
# Order: time (float64 seconds), then cls, then agent, then seq (all int64) -- the contract's
# deterministic tie-break. Callers own the memory (a NumPy array of ``heap_event_dt``); these
# functions never allocate, never raise and never take the GIL, so Numba kernels call them.
from libc.stdint cimport int64_t

ctypedef struct heap_event:
    double time
    int64_t cls
    int64_t agent
    int64_t seq
    int64_t data

cdef int64_t heap_push(heap_event* heap, int64_t size, int64_t capacity, double time,
                       int64_t cls, int64_t agent, int64_t seq, int64_t data) noexcept nogil
cdef int64_t heap_pop(heap_event* heap, int64_t size, heap_event* out) noexcept nogil
cdef double heap_peek_time(heap_event* heap, int64_t size) noexcept nogil


cdef class EventQueue:
    cdef heap_event* _heap
    cdef int64_t _size
    cdef int64_t _capacity
    cdef int64_t _seq
    cdef list _items
    cdef list _free
    cdef int _grow(self) except -1
    cpdef push(self, double time, int64_t priority, object item)
    cpdef object pop(self)
    cpdef object pop_until(self, double t_end)
    cpdef double peek_time(self)
