"""The public HERON reference's ``EventScheduler`` methods, on heron's scheduler (a mixin).

Names and arguments follow the reference (the tutorial's commit and its later docs); heron's
timing contract holds throughout (``docs/timing-model.md`` s. 5.1):

* ``peek()`` / ``pop()``: the next event (``pop`` removes it unhandled; a popped tick ends that
  agent's chain until ``schedule_agent_tick`` restarts it). ``process_next()`` handles one event
  (True) or returns False when none is left; ``run_steps(n)`` handles up to ``n``; ``clear()``
  drops every queued event (agents stay registered, their chains stop).
* ``schedule_agent_tick(agent_id, timestamp=None, payload=None)``: an extra tick (default: one
  jittered interval from now). It never starts a second tick chain: only an agent whose chain
  stopped (``clear``, ``pop``) has its chain restarted by it.
* ``schedule_action_effect(agent_id, action, delay=None)`` and
  ``schedule_message_delivery(sender_id, recipient_id, message, delay=None)``: delays default to
  the agent's (sender's) jittered ``act_delay`` / ``msg_delay``; both channels are first-in
  first-out (an effect or message never overtakes an earlier one on its agent / link). Payloads
  are the reference's ``{"action": action}`` and ``{"sender": ..., "message": ...}``.
* views ``agent_tick_configs``, ``agent_obs_delays``, ``agent_act_delays``, ``event_queue``,
  ``handlers``; samples ``get_tick_interval(agent_id)`` and the delay getters.
* condition monitors (``heron.scheduling.monitors``): ``register_condition``,
  ``deregister_condition``, ``condition_monitors``, ``evaluate_conditions(state)``.

Unknown agent ids raise ``KeyError`` naming the registered ones (the reference fell back to
defaults). All times in seconds.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional

from heron.scheduling.checks import check_count, check_time
from heron.scheduling.event import Event, EventType

NO_PAYLOAD = object()  # "no payload given": the event gets an empty dict

_TICK = EventType.AGENT_TICK
_EFFECT = EventType.ACTION_EFFECT
_MESSAGE = EventType.MESSAGE_DELIVERY
_TRIGGER = EventType.CONDITION_TRIGGER


def _delay(name: str, value) -> float:
    d = check_time(name, value)
    if d < 0.0:
        raise ValueError(f"{name} must be >= 0 seconds; got {value!r}")
    return d


class ReferenceAPI:
    """Mixin of ``EventScheduler`` (see the module docstring)."""

    # -- views --------------------------------------------------------------------------------
    @property
    def agent_tick_configs(self) -> Dict[Any, Any]:
        """``{agent_id: TickConfig}`` in registration order (a copy)."""
        return self.tick_configs

    @property
    def agent_obs_delays(self) -> Dict[Any, float]:
        """Base observation delay (s) of each registered agent."""
        return {aid: e.tick_config.obs_delay for aid, e in self._agents.items()}

    @property
    def agent_act_delays(self) -> Dict[Any, float]:
        """Base action delay (s) of each registered agent."""
        return {aid: e.tick_config.act_delay for aid, e in self._agents.items()}

    @property
    def event_queue(self) -> List[Event]:
        """The queued events in the order they will run (a copy; ``pending_events()``)."""
        return self.pending_events()

    @property
    def handlers(self) -> Dict[EventType, Any]:
        """``{EventType: handler}`` (a copy; change them with ``set_handler``)."""
        return dict(self._handlers)

    def get_tick_interval(self, agent_id) -> float:
        """A jittered tick interval (s) of ``agent_id`` (draws a sample)."""
        return self._entry(agent_id).tick_config.get_tick_interval()

    def get_obs_delay(self, agent_id) -> float:
        """A jittered observation delay (s) of ``agent_id`` (draws a sample)."""
        return self._entry(agent_id).tick_config.get_obs_delay()

    def get_act_delay(self, agent_id) -> float:
        """A jittered action delay (s) of ``agent_id`` (draws a sample)."""
        return self._entry(agent_id).tick_config.get_act_delay()

    def get_msg_delay(self, agent_id) -> float:
        """A jittered message delay (s) of ``agent_id`` (draws a sample)."""
        return self._entry(agent_id).tick_config.get_msg_delay()

    # -- the queue ----------------------------------------------------------------------------
    def peek(self) -> Optional[Event]:
        """The next event that will run (not removed), or None."""
        return self._peek_live(self._queue)

    def pop(self) -> Optional[Event]:
        """Remove and return the next event without handling it (the clock does not move), or
        None. A popped tick ends its agent's chain (``schedule_agent_tick`` restarts it)."""
        ev = self._peek_live(self._queue)
        if ev is None:
            return None
        self._queue.pop()
        if ev._chain is not None:
            self._idle.add(ev.agent_id)
        return ev

    def process_next(self) -> bool:
        """Handle the next event (the clock moves to it): True, or False when none is left."""
        return self.step()

    def run_steps(self, n_steps: int) -> int:
        """Handle up to ``n_steps`` events whatever their time; returns how many were handled
        (fewer when the queue runs empty). The clock stays at the last one."""
        return self._run(math.inf, check_count("n_steps", n_steps), False)

    def clear(self) -> None:
        """Drop every queued event. Agents stay registered, but their tick chains stop
        (``schedule_agent_tick`` or ``reset`` restarts them); FIFO channels start afresh."""
        self._queue.clear()
        self._fifo.clear()
        for aid in list(self._agents):
            self._rechain(aid)

    def _rechain(self, agent_id):
        """Retire ``agent_id``'s chain (its queued tick will be dropped); return a new entry
        with no tick queued."""
        old = self._entry(agent_id)
        old.active = False
        new = self._new_entry(agent_id, old.tick_config, old.index)
        self._agents[agent_id] = new
        self._idle.add(agent_id)
        return new

    # -- scheduling helpers -------------------------------------------------------------------
    def schedule_agent_tick(self, agent_id, timestamp: Optional[float] = None,
                            payload: Optional[dict] = None) -> Event:
        """Queue a tick of ``agent_id`` at ``timestamp`` (s; default now plus one jittered
        interval). It restarts the agent's chain if that had stopped, else it is an extra tick
        (the chain goes on as before)."""
        entry = self._entry(agent_id)
        t = (self._now + entry.tick_config.get_tick_interval() if timestamp is None
             else check_time("timestamp", timestamp))
        if agent_id in self._idle:
            ev = self._push_tick(entry, t)
            if payload is not None:
                ev.payload = payload
            return ev
        return self.schedule(Event(t, _TICK, agent_id, {} if payload is None else payload,
                                   entry.tick_priority))

    def preempt_next_tick(self, agent_id, event: Event) -> Event:
        """Drop ``agent_id``'s queued tick; ``event`` (queued or to be queued) takes its place:
        after it is handled the agent's next tick comes one interval later."""
        event._chain = self._rechain(agent_id)
        self._idle.discard(agent_id)
        return event

    def _fifo_time(self, key: tuple, t: float) -> float:
        last = self._fifo.get(key, -math.inf)
        if t < last:
            t = last
        self._fifo[key] = t
        return t

    def schedule_action_effect(self, agent_id, action: Any, delay: Optional[float] = None) -> Event:
        """Queue ``action`` of ``agent_id`` to take effect after ``delay`` s (default: a jittered
        ``act_delay``), never before an earlier effect of the agent. Payload ``{"action": ...}``."""
        entry = self._entry(agent_id)
        d = entry.tick_config.get_act_delay() if delay is None else _delay("delay", delay)
        t = self._fifo_time(("effect", agent_id), self._now + d)
        return self.schedule(Event(t, _EFFECT, agent_id, {"action": action},
                                   _EFFECT.default_priority + entry.index))

    def schedule_message_delivery(self, sender_id, recipient_id, message: Any,
                                  delay: Optional[float] = None) -> Event:
        """Queue ``message`` from ``sender_id`` to ``recipient_id`` after ``delay`` s (default:
        the sender's jittered ``msg_delay``), never before an earlier message on the link.
        Payload ``{"sender": sender_id, "message": message}``; the event's agent is the
        recipient."""
        d = (self._entry(sender_id).tick_config.get_msg_delay() if delay is None
             else _delay("delay", delay))
        t = self._fifo_time(("message", sender_id, recipient_id), self._now + d)
        return self.schedule_at(t, _MESSAGE, recipient_id,
                                {"sender": sender_id, "message": message})

    # -- condition monitors -------------------------------------------------------------------
    def register_condition(self, monitor) -> None:
        """Add a ``ConditionMonitor`` (its id must be new); ``evaluate_conditions`` checks it."""
        from heron.scheduling.monitors import ConditionMonitor

        if not isinstance(monitor, ConditionMonitor):
            raise TypeError(f"register_condition() takes a ConditionMonitor; got {monitor!r}")
        if any(m.monitor_id == monitor.monitor_id for m in self._monitors):
            raise ValueError(f"a condition monitor {monitor.monitor_id!r} is already registered")
        self._monitors.append(monitor)

    def deregister_condition(self, monitor_id: str) -> bool:
        """Remove the monitor ``monitor_id``; True if it was registered."""
        for i, m in enumerate(self._monitors):
            if m.monitor_id == monitor_id:
                del self._monitors[i]
                return True
        return False

    @property
    def condition_monitors(self) -> list:
        """The registered condition monitors (a copy)."""
        return list(self._monitors)

    def evaluate_conditions(self, state: Any) -> List[Event]:
        """Check every monitor against ``state`` now; each that fires queues a
        ``CONDITION_TRIGGER`` event for its agent ``delay`` s later (payload ``{"monitor_id",
        "condition"}``; a preempting one takes the place of the agent's next tick, a one-shot
        one is deregistered). Returns the queued events."""
        fired = []
        for m in list(self._monitors):
            if not m.fires(state, self._now):
                continue
            entry = self._agents.get(m.agent_id)
            prio = _TRIGGER.default_priority + (entry.index if entry is not None else 0)
            ev = self.schedule(Event(self._now + m.delay_or_zero(), _TRIGGER, m.agent_id,
                                     {"monitor_id": m.monitor_id, "condition": m.monitor_id},
                                     prio))
            if m.preempt_next_tick and entry is not None:
                self.preempt_next_tick(m.agent_id, ev)
            if m.one_shot:
                self.deregister_condition(m.monitor_id)
            fired.append(ev)
        return fired
