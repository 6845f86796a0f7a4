# cython: language_level=3
"""Compiled hot path of the interactive engine (pure twin: ``_dispatch_py.py``).

* ``Event``: the scheduled event (see ``heron.scheduling.event`` for its fields).
* ``JitterSampler``: draws jittered timing samples from one ``numpy.random.default_rng(seed)``
  in call order, in blocks; the transform mirrors ``heron._fast.jitter.jitter_sample`` (the
  tests check both agree to the last bit for every jitter type).
* ``AgentEntry``: a registered agent's record (index, timing, live flag of its tick chain).
* ``run_loop``: ``EventScheduler.run_until``'s loop over an ``EventQueue`` (interruptible with
  Ctrl-C: it checks for signals every ``SIGNAL_CHECK`` events, handlers or not);
* ``peek_live``: the next event that will run (dead ticks of unregistered agents are dropped).
"""
from cpython.exc cimport PyErr_CheckSignals
from libc.math cimport exp, log, log1p, sqrt
from libc.stdint cimport int64_t

import numpy as np

from heron._fast._heap cimport EventQueue, heap_event, heap_pop
from heron._fast.jitter import JITTER_GAUSSIAN, JITTER_LOGNORMAL, JITTER_NONE, JITTER_UNIFORM
from heron._fast.jitter import MIN_INTERVAL as _MIN_INTERVAL
from heron._fast.dtypes import TICK_PAYLOAD, EventType

cdef int64_t FIRST_BLOCK = 16   # variates drawn at the first refill; doubles up to MAX_BLOCK,
cdef int64_t MAX_BLOCK = 512    # so thousands of short-lived samplers stay cheap
cdef double MIN_INTERVAL = _MIN_INTERVAL
cdef int C_NONE = JITTER_NONE, C_UNIFORM = JITTER_UNIFORM
cdef int C_GAUSSIAN = JITTER_GAUSSIAN, C_LOGNORMAL = JITTER_LOGNORMAL
cdef int64_t SIGNAL_CHECK = 1024  # events between checks for Ctrl-C (a mask: a power of 2)
_CUSTOM = EventType.CUSTOM
cdef object _NO_PAYLOAD = object()  # Event(...) without a payload gets a new empty dict
cdef object _TICK_PAYLOAD = TICK_PAYLOAD


cdef class Event:
    """One scheduled event: ``Event(timestamp, event_type, agent_id, payload, priority)``."""
    cdef public double timestamp
    cdef public object event_type
    cdef public object agent_id
    cdef public object payload
    cdef public int64_t priority
    cdef public int64_t sequence
    cdef public object _chain

    def __init__(self, double timestamp, event_type=_CUSTOM, agent_id=None, payload=_NO_PAYLOAD,
                 priority=None):
        self.timestamp = timestamp
        self.event_type = event_type
        self.agent_id = agent_id
        self.payload = {} if payload is _NO_PAYLOAD else payload
        self.priority = event_type.default_priority if priority is None else priority
        self.sequence = -1
        self._chain = None

    def __repr__(self):
        who = "" if self.agent_id is None else f", agent={self.agent_id!r}"
        p = self.payload
        empty = p is None or p is _TICK_PAYLOAD or (type(p) is dict and not p)
        data = "" if empty else f", payload={p!r}"
        return f"Event({self.event_type.name}, t={self.timestamp:.6g}s{who}{data})"


cdef class AgentEntry:
    """A registered agent: index (registration order), timing, and whether its chain is live.

    ``sampler`` (a ``JitterSampler``) and ``interval_base`` (s) let the loop draw the next
    interval without a Python call; ``sampler`` is None when the config's ``get_tick_interval``
    is overridden (then that method is called).
    """
    cdef public object agent_id
    cdef public int64_t index
    cdef public object tick_config
    cdef public int64_t tick_priority
    cdef public object sampler
    cdef public double interval_base
    cdef public bint active

    def __init__(self, agent_id, int64_t index, tick_config, int64_t tick_priority, sampler):
        self.agent_id = agent_id
        self.index = index
        self.tick_config = tick_config
        self.tick_priority = tick_priority
        self.sampler = sampler
        self.interval_base = tick_config.tick_interval
        self.active = True


cpdef Event make_tick(AgentEntry entry, double t, object tick_type):
    """The AGENT_TICK event of ``entry``'s tick chain at ``t`` (s)."""
    cdef Event ev = Event.__new__(Event)
    ev.timestamp = t
    ev.event_type = tick_type
    ev.agent_id = entry.agent_id
    ev.payload = _TICK_PAYLOAD
    ev.priority = entry.tick_priority
    ev.sequence = -1
    ev._chain = entry
    return ev


cdef class JitterSampler:
    """Jittered samples of base values (s) from one generator, in call order.

    ``code``: jitter code (0 NONE, 1 UNIFORM, 2 GAUSSIAN, 3 LOGNORMAL); ``ratio`` >= 0;
    ``min_delay``: floor of delays (s); ``seed``: of ``numpy.random.default_rng``.
    """
    cdef int code
    cdef double ratio, min_delay, s2, s
    cdef object seed, rng
    cdef double[::1] buf
    cdef int64_t pos, block

    def __init__(self, int code, double ratio, double min_delay, seed):
        self.code = C_NONE if ratio <= 0.0 else code
        self.ratio = ratio
        self.min_delay = min_delay
        self.seed = seed
        self.rng = None
        self.block = 0
        self.pos = 0
        self.s2 = log1p(ratio * ratio)
        self.s = sqrt(self.s2)

    cdef inline double _variate(self) except? -1e300:
        if self.pos >= self.block:
            if self.rng is None:
                self.rng = np.random.default_rng(self.seed)
            self.block = FIRST_BLOCK if self.block == 0 else min(2 * self.block, MAX_BLOCK)
            if self.code == C_UNIFORM:
                self.buf = self.rng.random(self.block)
            else:
                self.buf = self.rng.standard_normal(self.block)
            self.pos = 0
        self.pos += 1
        return self.buf[self.pos - 1]

    cdef inline double _jitter(self, double base) except? -1e300:
        cdef double v = self._variate()
        if self.code == C_UNIFORM:
            return base + self.ratio * base * (2.0 * v - 1.0)
        if self.code == C_GAUSSIAN:
            return base + self.ratio * base * v
        return exp(log(base) - 0.5 * self.s2 + self.s * v)

    def reseed(self, seed):
        """Start again from ``numpy.random.default_rng(seed)`` (a seed, a Generator or None)."""
        self.seed = seed
        self.rng = None
        self.block = 0
        self.pos = 0

    cpdef double interval(self, double base) except? -1e300:
        """Jittered interval (s) of ``base``; every interval, jittered or not, is at least 1 ms."""
        cdef double x
        if self.code == C_NONE:
            x = base
        else:
            x = self._jitter(base)
        return x if x > MIN_INTERVAL else MIN_INTERVAL

    cpdef double delay(self, double base) except? -1e300:
        """Jittered delay (s) of ``base``, floored at ``min_delay``; a base of 0 stays 0."""
        cdef double x
        if self.code == C_NONE or base == 0.0:
            return base
        x = self._jitter(base)
        return x if x > self.min_delay else self.min_delay


def run_loop(EventQueue queue, double t_end, int64_t limit, dict handlers, object scheduler,
             object tick_type):
    """Process events up to ``t_end`` (s), at most ``limit`` (-1: no limit).

    Returns ``(handled, now, finished)``: events handled, the time (s) of the last popped event,
    and whether no event with ``timestamp <= t_end`` remains. After an ``AGENT_TICK`` handler the
    agent's next tick is queued at ``now + interval`` unless the agent was unregistered (its
    entry is no longer ``active``; ticks of inactive entries are dropped unhandled). A handler's
    exception propagates (named by ``scheduler._handler_failed``) after the tick chain has been
    continued. Every ``SIGNAL_CHECK`` popped events it checks for signals, so Ctrl-C raises
    ``KeyboardInterrupt`` (between two events) even when no handler runs Python code.
    """
    cdef int64_t n = 0
    cdef int64_t popped = 0
    cdef heap_event out
    cdef double now = scheduler._now
    cdef Event ev
    cdef AgentEntry entry
    cdef object handler
    while n != limit:
        if queue._size <= 0 or queue._heap[0].time > t_end:
            return n, now, True
        popped += 1
        if (popped & (SIGNAL_CHECK - 1)) == 0:
            try:
                PyErr_CheckSignals()
            except BaseException:
                scheduler._processed += n
                raise
        queue._size = heap_pop(queue._heap, queue._size, &out)
        ev = <Event?> queue._items[out.data]
        queue._items[out.data] = None
        queue._free.append(out.data)
        now = out.time
        scheduler._now = now
        entry = <AgentEntry?> ev._chain if ev._chain is not None else None
        if entry is not None and not entry.active:
            continue
        n += 1
        handler = handlers.get(ev.event_type)
        if handler is not None:
            try:
                handler(ev, scheduler)
            except BaseException as exc:
                scheduler._processed += n
                scheduler._handler_failed(ev, exc)
                if entry is not None and entry.active:
                    _push_next(queue, entry, now, tick_type)
                raise
        if entry is not None and entry.active:
            if _push_next(queue, entry, now, tick_type) != 0:
                scheduler._processed += n
                _no_progress(entry, now)
    return n, now, False


cdef inline int _push_next(EventQueue queue, AgentEntry entry, double now,
                           object tick_type) except -1:
    """Queue ``entry``'s next tick; 1 (nothing queued) when it would not advance the clock."""
    cdef double t
    if entry.sampler is not None:
        t = now + (<JitterSampler?> entry.sampler).interval(entry.interval_base)
    else:
        t = now + <double> entry.tick_config.get_tick_interval()
    if not t > now:
        return 1
    queue.push(t, entry.tick_priority, make_tick(entry, t, tick_type))
    return 0


def _no_progress(entry, double now):
    """Raise: the next tick of ``entry`` would not advance the clock (it would tick forever)."""
    raise ValueError(f"agent {entry.agent_id!r}: its next tick interval does not advance "
                     f"the clock at t={now!r} s (float64 resolution there is "
                     f"{float(np.spacing(now))!r} s); the agent would tick forever at one "
                     "instant. Use a larger tick_interval or an earlier start time")


def peek_live(EventQueue queue):
    """The next queued event that will run, or None: ticks of agents unregistered since they
    were queued are dropped from the top of ``queue`` on the way (they would never run)."""
    cdef heap_event out
    cdef Event ev
    while queue._size > 0:
        ev = <Event?> queue._items[queue._heap[0].data]
        if ev._chain is None or (<AgentEntry?> ev._chain).active:
            return ev
        queue._size = heap_pop(queue._heap, queue._size, &out)
        queue._items[out.data] = None
        queue._free.append(out.data)
    return None
