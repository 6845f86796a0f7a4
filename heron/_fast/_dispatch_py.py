"""Pure-Python twin of ``heron._fast._dispatch``: ``Event``, ``JitterSampler``, ``AgentEntry``,
``make_tick``, ``run_loop``, ``peek_live`` (same behaviour, same API; Ctrl-C interrupts this loop
by itself, being Python bytecode)."""
from __future__ import annotations

import math

import numpy as np

from heron._fast.jitter import JITTER_NONE, JITTER_UNIFORM, MIN_INTERVAL, jitter_sample
from heron._fast.dtypes import TICK_PAYLOAD, EventType

_FIRST_BLOCK = 16  # variates drawn at the first refill; doubles up to _MAX_BLOCK
_MAX_BLOCK = 512
_CUSTOM = EventType.CUSTOM
_NO_PAYLOAD = object()  # Event(...) without a payload gets a new empty dict


class Event:
    """One scheduled event: ``Event(timestamp, event_type, agent_id, payload, priority)``."""

    __slots__ = ("timestamp", "event_type", "agent_id", "payload", "priority", "sequence", "_chain")

    def __init__(self, timestamp, event_type=_CUSTOM, agent_id=None, payload=_NO_PAYLOAD,
                 priority=None):
        self.timestamp = float(timestamp)
        self.event_type = event_type
        self.agent_id = agent_id
        self.payload = {} if payload is _NO_PAYLOAD else payload
        self.priority = event_type.default_priority if priority is None else int(priority)
        self.sequence = -1
        self._chain = None

    def __repr__(self) -> str:
        who = "" if self.agent_id is None else f", agent={self.agent_id!r}"
        p = self.payload
        empty = p is None or p is TICK_PAYLOAD or (type(p) is dict and not p)
        data = "" if empty else f", payload={p!r}"
        return f"Event({self.event_type.name}, t={self.timestamp:.6g}s{who}{data})"


class AgentEntry:
    """A registered agent: index, timing, and whether its tick chain is live (see the twin)."""

    __slots__ = ("agent_id", "index", "tick_config", "tick_priority", "sampler", "interval_base",
                 "active")

    def __init__(self, agent_id, index, tick_config, tick_priority, sampler):
        self.agent_id = agent_id
        self.index = index
        self.tick_config = tick_config
        self.tick_priority = tick_priority
        self.sampler = sampler
        self.interval_base = tick_config.tick_interval
        self.active = True


def make_tick(entry, t, tick_type):
    ev = Event(t, tick_type, entry.agent_id, TICK_PAYLOAD, entry.tick_priority)
    ev._chain = entry
    return ev


class JitterSampler:
    """Jittered samples of base values (s) from one generator, in call order (see the twin)."""

    __slots__ = ("code", "ratio", "min_delay", "seed", "rng", "buf", "pos", "block")

    def __init__(self, code, ratio, min_delay, seed):
        self.code = JITTER_NONE if ratio <= 0.0 else code
        self.ratio = ratio
        self.min_delay = min_delay
        self.seed = seed
        self.rng = None
        self.buf = None
        self.block = 0
        self.pos = 0

    def _variate(self) -> float:
        if self.pos >= self.block:
            if self.rng is None:
                self.rng = np.random.default_rng(self.seed)
            self.block = _FIRST_BLOCK if self.block == 0 else min(2 * self.block, _MAX_BLOCK)
            if self.code == JITTER_UNIFORM:
                self.buf = self.rng.random(self.block).tolist()
            else:
                self.buf = self.rng.standard_normal(self.block).tolist()
            self.pos = 0
        self.pos += 1
        return self.buf[self.pos - 1]

    def reseed(self, seed) -> None:
        """Start again from ``numpy.random.default_rng(seed)`` (a seed, a Generator or None)."""
        self.seed = seed
        self.rng = None
        self.buf = None
        self.block = 0
        self.pos = 0

    def interval(self, base: float) -> float:
        """Jittered interval (s) of ``base``; every interval, jittered or not, is at least 1 ms."""
        if self.code == JITTER_NONE:
            x = base
        else:
            x = jitter_sample(base, self.code, self.ratio, self._variate())
        return x if x > MIN_INTERVAL else MIN_INTERVAL

    def delay(self, base: float) -> float:
        """Jittered delay (s) of ``base``, floored at ``min_delay``; a base of 0 stays 0."""
        if self.code == JITTER_NONE or base == 0.0:
            return base
        x = jitter_sample(base, self.code, self.ratio, self._variate())
        return x if x > self.min_delay else self.min_delay


def _next_time(entry, now):
    if entry.sampler is not None:
        dt = entry.sampler.interval(entry.interval_base)
    else:
        dt = entry.tick_config.get_tick_interval()
    t = now + dt
    if not t > now:
        _no_progress(entry, now)
    return t


def _no_progress(entry, now):
    """Raise: the next tick of ``entry`` would not advance the clock (it would tick forever)."""
    raise ValueError(f"agent {entry.agent_id!r}: its next tick interval does not advance "
                     f"the clock at t={now!r} s (float64 resolution there is "
                     f"{float(np.spacing(now))!r} s); the agent would tick forever at one "
                     "instant. Use a larger tick_interval or an earlier start time")


def peek_live(queue):
    """The next queued event that will run, or None (dead ticks at the top are dropped)."""
    heap = queue._heap
    while heap:
        ev = heap[0][3]
        if ev._chain is None or ev._chain.active:
            return ev
        queue.pop()
    return None


def run_loop(queue, t_end, limit, handlers, scheduler, tick_type):
    """Process events up to ``t_end`` (s), at most ``limit`` (-1: no limit).

    Returns ``(handled, now, finished)`` as the compiled loop does.
    """
    n = 0
    now = scheduler._now
    pop = queue.pop_until
    push = queue.push
    while n != limit:
        ev = pop(t_end)
        if ev is None:
            return n, now, True
        now = ev.timestamp
        scheduler._now = now
        entry = ev._chain
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
                    t = _next_time(entry, now)
                    push(t, entry.tick_priority, make_tick(entry, t, tick_type))
                raise
        if entry is not None and entry.active:
            try:
                t = _next_time(entry, now)
            except BaseException:
                scheduler._processed += n
                raise
            push(t, entry.tick_priority, make_tick(entry, t, tick_type))
    return n, now, False
