"""The event heap: push+pop from Python (heron's ``EventQueue`` against ``heapq`` on tuples) and
from Numba kernels (``heap_push_nb`` / ``heap_pop_nb``).

Three patterns (``heron.bench.heap_throughput``): fill-drain (push n, pop n), hold (steady size m,
pop one and push it back, as a scheduler with m pending events does) and, from Numba only, ticks
(the heap anchor workload of docs/performance.md: agents ticking with effects). One unit = one
push + one pop (ticks: one event = one pop, with one push per event on average). Kernels compile in
``setup()``, never in a timed body.
"""
from heron.bench import heap_throughput as ht

from .common import rate

_PY = {
    "heron": (ht.eventqueue_fill_drain, ht.eventqueue_hold),
    "heapq": (ht.heapq_fill_drain, ht.heapq_hold),
}


def _check_impl(impl):
    if impl not in _PY:
        raise ValueError(f"impl must be one of {sorted(_PY)}; got {impl!r}")
    return _PY[impl]


class HeapFromPython:
    """Fill-drain of n events from Python: ``EventQueue`` vs ``heapq``."""

    params = [[1_000, 100_000], ["heron", "heapq"]]
    param_names = ["n", "impl"]

    def setup(self, n, impl):
        self.fill_drain = _check_impl(impl)[0]
        self.times = ht.event_times(n).tolist()

    def time_fill_drain(self, n, impl):
        self.fill_drain(self.times)

    def track_push_pop_per_s(self, n, impl):
        return rate(lambda: self.fill_drain(self.times), len(self.times))

    track_push_pop_per_s.unit = "push+pop/s"


class HeapHoldFromPython:
    """Hold model from Python at steady size m (``ops`` pop+push pairs)."""

    params = [[100, 10_000], ["heron", "heapq"]]
    param_names = ["m", "impl"]
    ops = 200_000

    def setup(self, m, impl):
        self.hold = _check_impl(impl)[1]
        self.times0 = ht.event_times(m, seed=1).tolist()
        self.increments = ht.event_times(self.ops, seed=2).tolist()

    def time_hold(self, m, impl):
        self.hold(self.times0, self.increments)

    def track_push_pop_per_s(self, m, impl):
        return rate(lambda: self.hold(self.times0, self.increments), self.ops)

    track_push_pop_per_s.unit = "push+pop/s"


class HeapSpeedupFromPython:
    """EventQueue's rate over heapq's, hold model at m = 1000, measured back to back."""

    m = 1_000
    ops = 200_000

    def setup(self):
        self.times0 = ht.event_times(self.m, seed=1).tolist()
        self.increments = ht.event_times(self.ops, seed=2).tolist()

    def track_speedup_vs_heapq(self):
        t0, inc = self.times0, self.increments
        ours = rate(lambda: ht.eventqueue_hold(t0, inc), self.ops)
        theirs = rate(lambda: ht.heapq_hold(t0, inc), self.ops)
        return ours / theirs

    track_speedup_vs_heapq.unit = "x"


class HeapFromNumba:
    """Fill-drain of n events inside a Numba kernel."""

    params = [[1_000, 100_000, 1_000_000]]
    param_names = ["n"]

    def setup(self, n):
        ht.compile_heap_kernel()
        self.times = ht.event_times(n)
        self.heap, self.out = ht.numba_buffers(n)

    def time_fill_drain(self, n):
        ht.heap_fill_drain_nb(self.heap, self.times, self.out)

    def track_push_pop_per_s(self, n):
        return rate(lambda: ht.heap_fill_drain_nb(self.heap, self.times, self.out), n)

    track_push_pop_per_s.unit = "push+pop/s"


class HeapHoldFromNumba:
    """Hold model inside a Numba kernel at steady size m (``ops`` pop+push pairs)."""

    params = [[100, 10_000, 1_000_000]]
    param_names = ["m"]
    ops = 2_000_000

    def setup(self, m):
        ht.compile_heap_kernel()
        self.times0 = ht.event_times(m, seed=1)
        self.increments = ht.event_times(self.ops, seed=2)
        self.heap, self.out = ht.numba_buffers(m)

    def time_hold(self, m):
        ht.heap_hold_nb(self.heap, self.times0, self.increments, self.out)

    def track_push_pop_per_s(self, m):
        return rate(lambda: ht.heap_hold_nb(self.heap, self.times0, self.increments, self.out),
                    self.ops)

    track_push_pop_per_s.unit = "push+pop/s"


class HeapTicksFromNumba:
    """The heap anchor workload of docs/performance.md in a Numba kernel: ``n_agents`` agents
    ticking every second (10 % jitter), each tick queueing its effect and the next tick; ``ticks``
    ticks."""

    params = [[100, 1_000]]
    param_names = ["n_agents"]
    ticks = 2_000_000

    def setup(self, n_agents):
        ht.compile_heap_kernel()
        self.intervals = ht.tick_jitter(self.ticks)
        self.heap, self.out = ht.numba_buffers(2 * n_agents)
        # events (pops) of one run: fixed by the intervals
        self.events = ht.heap_ticks_nb(self.heap, n_agents, self.intervals, self.out)[0]

    def time_ticks(self, n_agents):
        ht.heap_ticks_nb(self.heap, n_agents, self.intervals, self.out)

    def track_events_per_s(self, n_agents):
        return rate(lambda: ht.heap_ticks_nb(self.heap, n_agents, self.intervals, self.out),
                    self.events)

    track_events_per_s.unit = "events/s"
