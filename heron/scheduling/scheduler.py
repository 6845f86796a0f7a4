"""``EventScheduler``: the discrete-event core of the interactive engine.

Simulated time is float64 seconds; nothing waits on the wall clock. Events run in order of
``(timestamp, priority, scheduling order)`` on a compiled heap (``heron._fast.heap``). Agents tick
on their own ``TickConfig``: after an ``AGENT_TICK`` handler returns, the agent's next tick is
queued at ``now + tick_config.get_tick_interval()`` unless the agent was unregistered.
``run_until(t_end)`` is inclusive of ``t_end`` and leaves the clock at ``t_end`` (like SimPy's
``run(until=...)``), so loops of ``run_until(current_time + dt)`` always advance.

Safety (``docs/timing-model.md`` s. 5.1): every time given is checked (a finite real number of
seconds, never a bool or a string); a run cannot be started from inside a handler (a re-entrant
run would move the clock backwards); a tick that would not advance the clock raises instead of
looping forever; Ctrl-C interrupts a run between two events.

The public reference's scheduler methods (``peek``, ``pop``, ``process_next``, ``run_steps``,
``clear``, ``schedule_agent_tick``, ...) come from ``heron.scheduling.reference_api``.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Dict, Optional

from heron._fast import _dispatch_py, _heap_py
from heron._fast import heap as _heap
from heron.scheduling.checks import check_count, check_time
from heron.scheduling.event import Event, EventType
from heron.scheduling.reference_api import NO_PAYLOAD, ReferenceAPI
from heron.scheduling.tick_config import TickConfig

Handler = Callable[[Event, "EventScheduler"], None]

_TICK = EventType.AGENT_TICK
_MAX_PRIORITY = 1 << 60
_TIMING_KEYS = ("tick_interval", "obs_delay", "act_delay", "msg_delay")


def _peek_for(queue):
    """``peek_live`` of the implementation ``queue`` belongs to."""
    if isinstance(queue, _heap_py.EventQueue):
        return _dispatch_py.peek_live
    from heron._fast import _dispatch

    return _dispatch.peek_live


class EventScheduler(ReferenceAPI):
    """Priority-queue discrete-event simulator with independently ticking agents.

    Parameters
    ----------
    start_time : float
        Initial simulated time in seconds (finite).
    """

    def __init__(self, start_time: float = 0.0):
        t0 = check_time("start_time", start_time)
        self._now = t0
        self._start_time = t0
        self._queue = _heap.EventQueue()
        self._run_loop = _heap.run_loop
        self._make_tick = _heap.make_tick
        self._entry_cls = _heap.AgentEntry
        self._peek_live = _peek_for(self._queue)
        self._handlers: Dict[EventType, Handler] = {}
        self._agents: Dict[Any, Any] = {}  # agent_id -> AgentEntry, in registration order
        self._idle: set = set()  # registered agents with no tick of their chain queued
        self._fifo: Dict[tuple, float] = {}  # FIFO bounds of schedule_action_effect / _message_
        self._monitors: list = []
        self._next_index = 0
        self._processed = 0
        self._running = False

    # -- agents -------------------------------------------------------------------------------
    def register_agent(self, agent_id, *args, tick_config: Optional[TickConfig] = None,
                       first_tick: Optional[float] = None, tick_interval=None, obs_delay=None,
                       act_delay=None, msg_delay=None) -> None:
        """Register ``agent_id`` and queue its first tick at ``first_tick`` (s) or now.

        Timing: ``tick_config=TickConfig(...)``, or the reference's plain values
        ``tick_interval=``, ``obs_delay=``, ``act_delay=``, ``msg_delay=`` (s, deterministic),
        not both. Positional arguments follow heron's order ``(tick_config, first_tick)`` when
        the first is a ``TickConfig`` (or None), else the reference's ``(tick_interval,
        obs_delay, act_delay, first_tick, tick_config)``. Registration order is the agent's
        index, the tie-breaker between agents.
        """
        kw = {"tick_config": tick_config, "first_tick": first_tick, "tick_interval": tick_interval,
              "obs_delay": obs_delay, "act_delay": act_delay, "msg_delay": msg_delay}
        if args:
            heron_order = args[0] is None or isinstance(args[0], TickConfig)
            names = (("tick_config", "first_tick") if heron_order else
                     ("tick_interval", "obs_delay", "act_delay", "first_tick", "tick_config"))
            if len(args) > len(names):
                raise TypeError(f"register_agent() takes at most {len(names) + 1} positional "
                                f"arguments {('agent_id',) + names}; got {len(args) + 1}")
            for name, value in zip(names, args):
                if kw[name] is not None:
                    raise TypeError(f"register_agent() got {name} twice (positional and keyword)")
                kw[name] = value
        if agent_id in self._agents:
            raise ValueError(f"agent_id {agent_id!r} is already registered; unregister_agent() "
                             "it first or use a different id")
        plain = {k: kw[k] for k in _TIMING_KEYS if kw[k] is not None}
        cfg = kw["tick_config"]
        if cfg is None:
            cfg = TickConfig.deterministic(**plain) if plain else TickConfig.deterministic()
        elif not isinstance(cfg, TickConfig):
            raise TypeError(f"tick_config must be a TickConfig; got {type(cfg).__name__}")
        elif plain:
            raise ValueError(f"register_agent({agent_id!r}): give tick_config= or the plain "
                             f"values {sorted(plain)}, not both")
        t = self._now if kw["first_tick"] is None else check_time("first_tick", kw["first_tick"])
        if t < self._now:
            raise ValueError(f"cannot schedule the first tick of {agent_id!r} in the past: "
                             f"first_tick {t!r} s is before the current time {self._now!r} s")
        entry = self._new_entry(agent_id, cfg, self._next_index)
        self._next_index += 1
        self._agents[agent_id] = entry
        self._push_tick(entry, t)

    def _new_entry(self, agent_id, cfg, index: int):
        plain = type(cfg).get_tick_interval is TickConfig.get_tick_interval
        return self._entry_cls(agent_id, index, cfg, _TICK.default_priority + index,
                               cfg.sampler if plain else None)

    def unregister_agent(self, agent_id) -> None:
        """Stop ``agent_id`` ticking (its queued tick is dropped); other events stay queued."""
        self._entry(agent_id)
        self._agents.pop(agent_id).active = False
        self._idle.discard(agent_id)

    def _entry(self, agent_id):
        try:
            return self._agents[agent_id]
        except (KeyError, TypeError):
            raise KeyError(f"agent_id {agent_id!r} is not registered; registered: "
                           f"{list(self._agents)}") from None

    def set_tick_config(self, agent_id, tick_config: TickConfig) -> None:
        """Give ``agent_id`` a new ``TickConfig`` from its next interval on (its queued tick
        stays where it is)."""
        if not isinstance(tick_config, TickConfig):
            raise TypeError(f"tick_config must be a TickConfig; got {type(tick_config).__name__}")
        entry = self._entry(agent_id)
        fresh = self._new_entry(agent_id, tick_config, entry.index)
        entry.tick_config, entry.sampler = fresh.tick_config, fresh.sampler
        entry.interval_base = fresh.interval_base

    def agent_index(self, agent_id) -> int:
        """Registration index of ``agent_id`` (0 for the first registered agent)."""
        return self._entry(agent_id).index

    @property
    def agent_indices(self) -> Dict[Any, int]:
        """Registration index of each registered agent (``agent_index``), in registration
        order."""
        return {aid: e.index for aid, e in self._agents.items()}

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
        """Queue ``event``; its timestamp (s) must be finite and not before the current time."""
        if not isinstance(event, Event):
            raise TypeError(f"schedule() takes a heron Event; got {type(event).__name__}: "
                            f"{event!r}")
        t = event.timestamp
        if not (t >= self._now):  # also rejects NaN
            raise ValueError(f"cannot schedule {event!r} in the past: timestamp {t!r} s is before "
                             f"the current time {self._now!r} s")
        if t == math.inf:
            raise ValueError(f"cannot schedule {event!r}: its timestamp must be finite")
        if not isinstance(event.event_type, EventType):
            raise TypeError(f"event_type must be an EventType; got {event.event_type!r}")
        if not -_MAX_PRIORITY < event.priority < _MAX_PRIORITY:
            raise ValueError(f"event priority must be within +-2**60; got {event.priority!r}")
        event.sequence = self._queue.push(t, event.priority, event)
        return event

    def schedule_at(self, timestamp: float, event_type: EventType = EventType.CUSTOM,
                    agent_id=None, payload: Any = NO_PAYLOAD,
                    priority: Optional[int] = None) -> Event:
        """Build and queue an event at ``timestamp`` (s, finite); without a payload it gets an
        empty dict.

        Without a priority, events of a registered agent get their class priority plus the
        agent's index, so ties break by class, then registration order.
        """
        t = check_time("timestamp", timestamp)
        if not isinstance(event_type, EventType):
            raise TypeError(f"event_type must be an EventType (e.g. EventType('agent_tick')); "
                            f"got {event_type!r}")
        if priority is None:
            priority = event_type.default_priority
            try:
                entry = self._agents.get(agent_id)
            except TypeError:  # an unhashable id is no registered agent
                entry = None
            if entry is not None:
                priority += entry.index
        elif isinstance(priority, bool) or not isinstance(priority, int):
            raise TypeError(f"priority must be an int or None; got {priority!r}")
        if payload is NO_PAYLOAD:
            return self.schedule(Event(t, event_type, agent_id, priority=priority))
        return self.schedule(Event(t, event_type, agent_id, payload, priority))

    def schedule_after(self, delay: float, event_type: EventType = EventType.CUSTOM,
                       agent_id=None, payload: Any = NO_PAYLOAD,
                       priority: Optional[int] = None) -> Event:
        """Queue an event ``delay`` seconds (finite, >= 0) from now."""
        d = check_time("delay", delay)
        if d < 0:
            raise ValueError(f"delay must be >= 0 seconds; got {delay!r}")
        return self.schedule_at(self._now + d, event_type, agent_id, payload, priority)

    def _push_tick(self, entry, t: float):
        ev = self._make_tick(entry, t, _TICK)
        if not (t >= self._now):
            raise ValueError(f"cannot schedule {ev!r} in the past: timestamp {t!r} s is before "
                             f"the current time {self._now!r} s")
        ev.sequence = self._queue.push(t, entry.tick_priority, ev)
        self._idle.discard(entry.agent_id)
        return ev

    # -- running ------------------------------------------------------------------------------
    def run_until(self, t_end: float, max_events: Optional[int] = None) -> int:
        """Process every event with timestamp ``<= t_end`` (s); return how many were handled.

        When the next event lies beyond ``t_end`` (or none is left) the clock moves to ``t_end``.
        With ``max_events`` reached first, the clock stays at the last handled event.
        ``t_end = inf`` needs ``max_events``. Not callable from inside a handler.
        """
        t_end = check_time("t_end", t_end, allow_inf=True)
        if t_end < self._now:
            raise ValueError(f"t_end must be >= the current time {self._now!r} s; got {t_end!r}")
        limit = check_count("max_events", max_events, allow_none=True)
        if limit is None:
            if math.isinf(t_end):
                raise ValueError("run_until(t_end=inf) needs max_events: ticking agents never "
                                 "run out of events")
            limit = -1
        return self._run(t_end, limit, True)

    def _run(self, t_end: float, limit: int, move_clock: bool) -> int:
        if self._running:
            raise RuntimeError(
                "the scheduler is already running: run_until() (or step(), process_next(), "
                "run_steps()) was called from inside an event handler. A re-entrant run would "
                "move the clock backwards; queue an event with schedule_at(...) instead")
        self._running = True
        try:
            n, now, finished = self._run_loop(self._queue, t_end, limit, self._handlers, self,
                                              _TICK)
        finally:
            self._running = False
        self._processed += n
        self._now = t_end if (finished and move_clock) else now
        return n

    def _handler_failed(self, event: Event, exc: BaseException) -> None:
        """Called by the loop when a handler raised: name the event in the exception."""
        if hasattr(exc, "add_note"):  # Python >= 3.11
            exc.add_note(f"heron: raised by the {event.event_type.name} handler while handling "
                         f"{event!r} at t={self._now!r} s; the scheduler is still usable")

    def step(self) -> bool:
        """Process the next queued event, whatever its time; False when none is left.

        Ticks of agents unregistered since they were queued are dropped on the way, as
        ``run_until`` drops them. The clock moves to the handled event."""
        return self._run(math.inf, 1, False) == 1

    def reset(self, start_time: float = 0.0) -> None:
        """Clear the queue, set the clock to ``start_time`` (s, finite) and re-queue first ticks
        in registration order. Handlers, registrations and condition monitors are kept (their
        cooldowns and one-shot state restart)."""
        if self._running:
            raise RuntimeError("reset() cannot be called from inside an event handler")
        t0 = check_time("start_time", start_time)
        self._queue.clear()
        self._now = t0
        self._start_time = t0
        self._processed = 0
        self._fifo.clear()
        for m in self._monitors:
            m.reset()
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
    def running(self) -> bool:
        """True while a run (``run_until``, ``step``, ...) is handling events."""
        return self._running

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

