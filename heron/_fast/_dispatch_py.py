"""Pure-Python twin of ``heron._fast._dispatch``: ``Event``, ``JitterSampler``, ``AgentEntry``,
``make_tick``, ``run_loop`` (same behaviour, same API)."""
from __future__ import annotations

import math

import numpy as np

from heron._fast.jitter import JITTER_NONE, JITTER_UNIFORM, MIN_INTERVAL, jitter_sample
from heron._fast.dtypes import EventType

_FIRST_BLOCK = 16  # variates drawn at the first refill; doubles up to _MAX_BLOCK
_MAX_BLOCK = 512
_CUSTOM = EventType.CUSTOM


class Event:
    """One scheduled event: ``Event(timestamp, event_type, agent_id, payload, priority)``."""

    __slots__ = ("timestamp", "event_type", "agent_id", "payload", "priority", "sequence", "_chain")

    def __init__(self, timestamp, event_type=_CUSTOM, agent_id=None, payload=None, priority=None):
        self.timestamp = float(timestamp)
        self.event_type = event_type
        self.agent_id = agent_id
        self.payload = payload
        self.priority = event_type.default_priority if priority is None else int(priority)
        self.sequence = -1
        self._chain = None

    def __repr__(self) -> str:
        who = "" if self.agent_id is None else f", agent={self.agent_id!r}"
        data = "" if self.payload is None else f", payload={self.payload!r}"
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
    ev = Event(t, tick_type, entry.agent_id, None, entry.tick_priority)
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

    def interval(self, base: float) -> float:
        """Jittered interval (s) of ``base``, floored at 1 ms."""
        if self.code == JITTER_NONE:
            return base
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
        return now + entry.sampler.interval(entry.interval_base)
    return now + entry.tick_config.get_tick_interval()


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
            t = _next_time(entry, now)
            push(t, entry.tick_priority, make_tick(entry, t, tick_type))
    return n, now, False
