"""``EventScheduler``: the discrete-event core of the interactive engine.

Simulated time is float64 seconds; nothing waits on the wall clock. Events run in order of
``(timestamp, priority, scheduling order)`` on a compiled heap (``heron._fast.heap``). Agents tick
on their own ``TickConfig``: after an ``AGENT_TICK`` handler returns, the agent's next tick is
queued at ``now + tick_config.get_tick_interval()`` unless the agent was unregistered.
``run_until(t_end)`` is inclusive of ``t_end`` and leaves the clock at ``t_end`` (like SimPy's
``run(until=...)``), so loops of ``run_until(current_time + dt)`` always advance.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Dict, Optional

from heron._fast import heap as _heap
from heron.scheduling.event import Event, EventType
from heron.scheduling.tick_config import TickConfig

Handler = Callable[[Event, "EventScheduler"], None]

_TICK = EventType.AGENT_TICK
_MAX_PRIORITY = 1 << 60


def _check_time(name: str, value) -> float:
    try:
        t = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number of seconds; got {value!r}") from None
    if math.isnan(t):
        raise ValueError(f"{name} must not be NaN; got {value!r}")
    return t


class EventScheduler:
    """Priority-queue discrete-event simulator with independently ticking agents.

    Parameters
    ----------
    start_time : float
        Initial simulated time in seconds.
    """

    def __init__(self, start_time: float = 0.0):
        t0 = _check_time("start_time", start_time)
        if math.isinf(t0):
            raise ValueError(f"start_time must be finite; got {start_time!r}")
        self._now = t0
        self._start_time = t0
        self._queue = _heap.EventQueue()
        self._run_loop = _heap.run_loop
        self._make_tick = _heap.make_tick
        self._entry_cls = _heap.AgentEntry
        self._handlers: Dict[EventType, Handler] = {}
        self._agents: Dict[Any, Any] = {}  # agent_id -> AgentEntry, in registration order
        self._next_index = 0
        self._processed = 0

    # -- agents -------------------------------------------------------------------------------
    def register_agent(self, agent_id, tick_config: Optional[TickConfig] = None,
                       first_tick: Optional[float] = None) -> None:
        """Register ``agent_id`` and queue its first tick at ``first_tick`` (s) or now.

        Registration order is the agent's index, the tie-breaker between agents.
        """
        if agent_id in self._agents:
            raise ValueError(f"agent_id {agent_id!r} is already registered; unregister_agent() "
                             "it first or use a different id")
        if tick_config is None:
            tick_config = TickConfig.deterministic()
        elif not isinstance(tick_config, TickConfig):
            raise TypeError(f"tick_config must be a TickConfig; got {type(tick_config).__name__}")
        plain = type(tick_config).get_tick_interval is TickConfig.get_tick_interval
        entry = self._entry_cls(agent_id, self._next_index, tick_config,
                                _TICK.default_priority + self._next_index,
                                tick_config.sampler if plain else None)
        self._next_index += 1
        self._agents[agent_id] = entry
        t = self._now if first_tick is None else _check_time("first_tick", first_tick)
        self._push_tick(entry, t)

    def unregister_agent(self, agent_id) -> None:
        """Stop ``agent_id`` ticking (its queued tick is dropped); other events stay queued."""
        if agent_id not in self._agents:
            raise KeyError(f"agent_id {agent_id!r} is not registered; registered: "
                           f"{list(self._agents)}")
        self._agents.pop(agent_id).active = False

    def agent_index(self, agent_id) -> int:
        """Registration index of ``agent_id`` (0 for the first registered agent)."""
        return self._agents[agent_id].index

    @property
    def agents(self) -> list:
        """Registered agent ids in registration order."""
        return list(self._agents)

    @property
    def agent_intervals(self) -> Dict[Any, float]:
        """Base tick interval (s) of each registered agent, in registration order."""
        return {aid: e.tick_config.tick_interval for aid, e in self._agents.items()}

    @property
    def tick_configs(self) -> Dict[Any, TickConfig]:
        """The ``TickConfig`` of each registered agent, in registration order."""
        return {aid: e.tick_config for aid, e in self._agents.items()}

    # -- handlers and scheduling --------------------------------------------------------------
    def set_handler(self, event_type: EventType, handler: Optional[Handler]) -> None:
        """Call ``handler(event, scheduler)`` for events of ``event_type`` (None removes it)."""
        if not isinstance(event_type, EventType):
            raise TypeError(f"event_type must be an EventType; got {event_type!r}")
        if handler is None:
            self._handlers.pop(event_type, None)
        elif not callable(handler):
            raise TypeError(f"handler for {event_type.name} must be callable; got {handler!r}")
        else:
            self._handlers[event_type] = handler

    def schedule(self, event: Event) -> Event:
        """Queue ``event``; its timestamp (s) must not lie before the current time."""
        if not isinstance(event, Event):
            raise TypeError(f"schedule() takes a heron Event; got {type(event).__name__}: "
                            f"{event!r}")
        t = event.timestamp
        if not (t >= self._now):  # also rejects NaN
            raise ValueError(f"cannot schedule {event!r} in the past: timestamp {t!r} s is before "
                             f"the current time {self._now!r} s")
        if not -_MAX_PRIORITY < event.priority < _MAX_PRIORITY:
            raise ValueError(f"event priority must be within +-2**60; got {event.priority!r}")
        event.sequence = self._queue.push(t, event.priority, event)
        return event

    def schedule_at(self, timestamp: float, event_type: EventType = EventType.CUSTOM,
                    agent_id=None, payload: Any = None, priority: Optional[int] = None) -> Event:
        """Build and queue an event at ``timestamp`` (s).

        Without a priority, events of a registered agent get their class priority plus the
        agent's index, so ties break by class, then registration order.
        """
        if priority is None:
            priority = event_type.default_priority
            entry = self._agents.get(agent_id)
            if entry is not None:
                priority += entry.index
        return self.schedule(Event(_check_time("timestamp", timestamp), event_type, agent_id,
                                   payload, priority))

    def schedule_after(self, delay: float, event_type: EventType = EventType.CUSTOM,
                       agent_id=None, payload: Any = None,
                       priority: Optional[int] = None) -> Event:
        """Queue an event ``delay`` seconds (>= 0) from now."""
        d = _check_time("delay", delay)
        if d < 0:
            raise ValueError(f"delay must be >= 0 seconds; got {delay!r}")
        return self.schedule_at(self._now + d, event_type, agent_id, payload, priority)

    def _push_tick(self, entry, t: float) -> None:
        ev = self._make_tick(entry, t, _TICK)
        if not (t >= self._now):
            raise ValueError(f"cannot schedule {ev!r} in the past: timestamp {t!r} s is before "
                             f"the current time {self._now!r} s")
        ev.sequence = self._queue.push(t, entry.tick_priority, ev)

    # -- running ------------------------------------------------------------------------------
    def run_until(self, t_end: float, max_events: Optional[int] = None) -> int:
        """Process every event with timestamp ``<= t_end`` (s); return how many were handled.

        When the next event lies beyond ``t_end`` (or none is left) the clock moves to ``t_end``.
        With ``max_events`` reached first, the clock stays at the last handled event.
        """
        t_end = _check_time("t_end", t_end)
        if t_end < self._now:
            raise ValueError(f"t_end must be >= the current time {self._now!r} s; got {t_end!r}")
        if max_events is None:
            if math.isinf(t_end):
                raise ValueError("run_until(t_end=inf) needs max_events: ticking agents never "
                                 "run out of events")
            limit = -1
        else:
            if isinstance(max_events, bool) or not isinstance(max_events, int) or max_events < 0:
                raise ValueError(f"max_events must be a non-negative int or None; got "
                                 f"{max_events!r}")
            limit = max_events
        n, now, finished = self._run_loop(self._queue, t_end, limit, self._handlers, self,
                                          _TICK)
        self._processed += n
        self._now = t_end if finished else now
        return n

    def _handler_failed(self, event: Event, exc: BaseException) -> None:
        """Called by the loop when a handler raised: name the event in the exception."""
        if hasattr(exc, "add_note"):  # Python >= 3.11
            exc.add_note(f"heron: raised by the {event.event_type.name} handler while handling "
                         f"{event!r} at t={self._now!r} s; the scheduler is still usable")

    def step(self) -> bool:
        """Process the next queued event, whatever its time; False when the queue is empty.

        Ticks of agents unregistered since they were queued are dropped on the way, as
        ``run_until`` drops them."""
        while self._queue:
            if self.run_until(max(self._queue.peek_time(), self._now), max_events=1) == 1:
                return True
        return False

    def reset(self, start_time: float = 0.0) -> None:
        """Clear the queue, set the clock to ``start_time`` (s) and re-queue first ticks in
        registration order. Handlers and registrations are kept."""
        t0 = _check_time("start_time", start_time)
        self._queue.clear()
        self._now = t0
        self._start_time = t0
        self._processed = 0
        for entry in self._agents.values():
            self._push_tick(entry, t0)

    # -- introspection ------------------------------------------------------------------------
    @property
    def current_time(self) -> float:
        """Simulated time in seconds."""
        return self._now

    @property
    def start_time(self) -> float:
        """Time (s) the scheduler started from at construction or the last reset."""
        return self._start_time

    @property
    def pending_count(self) -> int:
        """Number of queued events."""
        return len(self._queue)

    @property
    def processed_count(self) -> int:
        """Number of events handled since construction or the last reset."""
        return self._processed

    def pending_events(self) -> list:
        """The queued events in the order they will run (a copy)."""
        return self._queue.items()

    def __repr__(self) -> str:
        nxt = self._queue.peek_time()
        nxt_s = "none" if math.isinf(nxt) else f"{nxt:.3f}s"
        return (f"EventScheduler(t={self._now:.3f}s, agents={len(self._agents)}, "
                f"pending={len(self._queue)}, processed={self._processed}, next={nxt_s})")
