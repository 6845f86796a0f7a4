"""Irregular events of the env core: condition monitors (alarms and out-of-cycle ticks),
disturbance schedules and custom events (``docs/timing-model.md`` s. 3-4, 5.2).

Condition monitors (``heron.scheduling.monitors.ConditionMonitor``), ``register_condition(m)``:

* a monitor with a ``source`` agent is checked right after each decision of that agent, on the
  observation its policy saw (as of ``S``; computed if the command came from ``env.step``);
  without a source, after every state-changing event (effect, message, ``ENV_UPDATE``,
  disturbance, custom event), on ``monitor_state()`` (default: the global state);
* when it fires, a ``CONDITION_TRIGGER`` event (an alarm) reaches its agent ``delay`` s later
  (default: the source's message-delay sample of that tick, first-in first-out per (source,
  agent) link; 0 without a source). Its delivery counts as a message of the source;
* on arrival ``on_condition(event)`` runs (override it; returning False skips what follows), then
  the agent observes the state at once and ticks out of cycle ``O`` s later; ``O``, and that
  tick's action and message delays, are sample ``n`` of the streams ``Q_OOC_OBS`` / ``Q_OOC_ACT``
  / ``Q_OOC_MSG`` of the episode (``n`` = the agent's out-of-cycle count), exactly as the batch
  engine draws them. Alarms arriving while one is pending merge into it. With
  ``preempt_next_tick`` the out-of-cycle tick replaces the agent's next regular tick (its ticks
  go on one interval after it). The out-of-cycle tick decides like a regular one (the command
  handed to ``env.step``, else the policy with the latest message) and counts in the timing
  statistics.

Disturbances, ``add_disturbances(schedule, handler=None)``: each arrival calls
``handler(disturbance)`` (default: the env's ``on_disturbance``), a ``CUSTOM``-class event placed
after every other class at its instant; Poisson arrivals are drawn one at a time from the
episode's streams; every episode replays the schedules from the start.

Custom events: ``on_custom(name, handler)`` then ``schedule_custom(t, name, payload)``; the
handler gets the event (payload ``{"name": name, **payload}``) and returns False when nothing an
observation can see changed. Times in seconds.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from heron.scheduling.disturbances import Disturbance, DisturbanceSchedule
from heron.scheduling.event import Event, EventType
from heron.scheduling.monitors import ConditionMonitor

_TICK = EventType.AGENT_TICK
_TRIGGER = EventType.CONDITION_TRIGGER
_CUSTOM = EventType.CUSTOM
_NEG_INF = float("-inf")
# stream quantities of out-of-cycle delays (heron._fast.rng.Q_OOC_*; not imported here so that
# importing heron.envs does not import Numba; tests/envs checks they agree)
Q_OOC_OBS, Q_OOC_MSG, Q_OOC_ACT = 8, 9, 10


class OutOfCycle:
    """Payload of an out-of-cycle tick: its number, the instant ``S`` (s) it observed, the
    observation, and what raised it."""

    __slots__ = ("index", "S", "observation", "monitor_id", "source", "token")

    def __init__(self, index, S, observation, monitor_id, source, token):
        self.index, self.S, self.observation = index, S, observation
        self.monitor_id, self.source, self.token = monitor_id, source, token

    def __repr__(self) -> str:
        return f"OutOfCycle(n={self.index}, S={self.S:.6g}s, monitor={self.monitor_id!r})"


class IrregularEvents:
    """Mixin of ``HeronEnvCore`` (see the module docstring)."""

    def _init_irregular(self) -> None:
        self._env_monitors: dict = {}  # monitor id -> monitor, in registration order
        self._source_monitors: dict = {}  # source agent id -> [monitors]
        self._state_monitors: list = []
        self._disturbance_schedules: list = []  # [(schedule, handler)]
        self._custom_handlers: dict = {}
        self._irregular_used = False
        self._ooc_state: dict = {}  # agent id -> [pending, count] (this episode)
        self._alarm_fifo: dict = {}
        self._episode_token = 0  # episode token: events queued in an earlier episode are ignored

    # -- API -----------------------------------------------------------------------------------
    def register_condition(self, monitor: ConditionMonitor) -> None:
        """Add a condition monitor (its id must be new; its agent and source registered)."""
        if not isinstance(monitor, ConditionMonitor):
            raise TypeError(f"register_condition() takes a ConditionMonitor; got {monitor!r}")
        if monitor.monitor_id in self._env_monitors:
            raise ValueError(f"a condition monitor {monitor.monitor_id!r} is already registered")
        for role, aid in (("agent_id", monitor.agent_id), ("source", monitor.source)):
            if (aid is not None or role == "agent_id") and aid not in self._registered:
                raise ValueError(f"monitor {monitor.monitor_id!r}: {role} {aid!r} is not a "
                                 f"registered agent; registered: {list(self._registered)}")
        self._env_monitors[monitor.monitor_id] = monitor
        if monitor.source is None:
            self._state_monitors.append(monitor)
        else:
            self._source_monitors.setdefault(monitor.source, []).append(monitor)
        self._use_irregular()

    def deregister_condition(self, monitor_id: str) -> bool:
        """Remove the monitor ``monitor_id``; True if it was registered."""
        m = self._env_monitors.pop(monitor_id, None)
        if m is None:
            return False
        group = self._state_monitors if m.source is None else self._source_monitors[m.source]
        group.remove(m)
        return True

    @property
    def condition_monitors(self) -> list:
        """The registered condition monitors (a copy)."""
        return list(self._env_monitors.values())

    def monitor_state(self) -> Any:
        """What monitors without a source check (default: ``global_state()``)."""
        return self.global_state()

    def on_condition(self, event: Event):
        """Hook: an alarm (``CONDITION_TRIGGER``) arrived. Return False to skip the agent's
        out-of-cycle tick. Default: nothing."""

    def add_disturbances(self, schedule: DisturbanceSchedule,
                         handler: Optional[Callable[[Disturbance], Any]] = None) -> None:
        """Apply ``schedule`` in every episode from now on (and in the current one if it has not
        started running); ``handler(disturbance)`` (default ``on_disturbance``) changes the
        state and returns False when nothing observable changed."""
        if not isinstance(schedule, DisturbanceSchedule):
            raise TypeError(f"add_disturbances() takes a DisturbanceSchedule; got {schedule!r}")
        if handler is None:
            if type(self).on_disturbance is IrregularEvents.on_disturbance:
                raise TypeError("add_disturbances(schedule) needs handler=... or an "
                                "on_disturbance(disturbance) method on the env")
            handler = self.on_disturbance
        elif not callable(handler):
            raise TypeError(f"handler must be callable; got {handler!r}")
        self._disturbance_schedules.append((schedule, handler))
        self._use_irregular()
        s = self.scheduler
        if s is not None and s.processed_count == 0 and s.current_time == self._t_start:
            self._queue_disturbance(len(self._disturbance_schedules) - 1, None)

    def on_disturbance(self, disturbance: Disturbance):
        """Hook: apply ``disturbance`` (override, or pass ``handler=`` to ``add_disturbances``)."""
        raise NotImplementedError

    def on_custom(self, name: str, handler: Callable[[Event], Any]) -> None:
        """Call ``handler(event)`` for custom events named ``name``."""
        if not isinstance(name, str) or not callable(handler):
            raise TypeError(f"on_custom(name: str, handler: callable); got {name!r}, {handler!r}")
        self._custom_handlers[name] = handler
        self._use_irregular()

    def schedule_custom(self, t: float, name: str, payload: Optional[dict] = None, *,
                        agent_id=None) -> Event:
        """Queue the custom event ``name`` at ``t`` (s); its handler must be registered."""
        if name not in self._custom_handlers:
            raise KeyError(f"no handler for custom event {name!r}; register one with "
                           f"env.on_custom({name!r}, handler). Known: "
                           f"{list(self._custom_handlers)}")
        if payload is not None and not isinstance(payload, dict):
            raise TypeError(f"payload of a custom event must be a dict or None; got {payload!r}")
        data = {"name": name, **(payload or {})}
        return self.scheduler.schedule_at(t, _CUSTOM, agent_id, data)

    # -- episode start and handler installation ------------------------------------------------
    def _use_irregular(self) -> None:
        if not self._irregular_used:
            self._irregular_used = True
            if self._handlers_installed and self.scheduler is not None:
                self._install_irregular_handlers()

    def _install_irregular_handlers(self) -> None:
        self.scheduler.set_handler(_TRIGGER, self._handle_condition)
        self.scheduler.set_handler(_CUSTOM, self._handle_custom)

    def _start_irregular(self) -> None:
        """A new episode: monitors re-armed, out-of-cycle state cleared, schedules queued."""
        self._episode_token += 1
        for m in self._env_monitors.values():
            m.reset()
        self._ooc_state = {aid: [False, 0] for aid in self._registered}
        self._alarm_fifo = {}
        for k in range(len(self._disturbance_schedules)):
            self._queue_disturbance(k, None)

    def _queue_disturbance(self, k: int, prev: Optional[Disturbance]) -> None:
        schedule = self._disturbance_schedules[k][0]
        seed = 0 if self.stream_seed is None else self.stream_seed
        d = schedule.after(prev, self._t_start, seed, self.stream_episode) if prev is not None \
            else schedule.first(self._t_start, seed, self.stream_episode)
        if d is None:
            return
        prio = _CUSTOM.default_priority + len(self._registered) + schedule.stream
        payload = {"disturbance": d, "schedule": k, "token": self._episode_token}
        self.scheduler.schedule(Event(d.timestamp, _CUSTOM, None, payload, prio))

    # -- alarms and out-of-cycle ticks ---------------------------------------------------------
    def _monitors_after_decision(self, aid, T: float, S: float, obs, agent, M) -> None:
        """Check ``aid``'s source monitors after its decision at ``T`` (s); ``M``: that tick's
        message-delay sample (s) if it drew one."""
        for m in self._source_monitors[aid]:
            if obs is None:
                obs = self.delayed_observation(aid, S) if S < T else self._observe(agent)
            if not m.fires(obs, T):
                continue
            if m.delay is not None:
                d = m.delay
            else:
                if M is None:
                    M = agent.tick_config.get_msg_delay()
                d = M
            self._raise_alarm(m, aid, T + d)

    def _check_state_monitors(self) -> None:
        state = self.monitor_state()
        now = self.scheduler.current_time
        for m in self._state_monitors:
            if m.fires(state, now):
                self._raise_alarm(m, None, now + m.delay_or_zero())

    def _raise_alarm(self, m: ConditionMonitor, source, t: float) -> None:
        key = (source, m.agent_id)
        last = self._alarm_fifo.get(key, _NEG_INF)
        if t < last:
            t = last
        self._alarm_fifo[key] = t
        who = m.agent_id if source is None else source
        prio = _TRIGGER.default_priority + self._rt[who].index
        self.scheduler.schedule(Event(t, _TRIGGER, m.agent_id, {
            "monitor_id": m.monitor_id, "condition": m.monitor_id, "source": source,
            "token": self._episode_token}, prio))

    def _handle_condition(self, event, sched) -> None:
        t = event.timestamp
        self._advance(t)
        p = event.payload
        if p.get("token") != self._episode_token:
            return  # raised in an earlier episode
        source = p.get("source")
        if source is not None:
            self._rt[source].n_messages += 1
        if self.trace is not None:
            self.trace.append({"kind": "alarm", "time": t, "agent": event.agent_id,
                               "source": source, "monitor": p.get("monitor_id")})
        if self.on_condition(event) is False:
            return
        aid = event.agent_id
        rt = self._rt.get(aid)
        state = self._ooc_state.get(aid)
        if rt is None or state is None or state[0]:
            return  # not an env agent, or one out-of-cycle tick is pending: merged into it
        state[0] = True
        idx = state[1]
        agent = rt.agent
        obs = self._observe(agent)
        O = self.ooc_sample(aid, Q_OOC_OBS, idx, agent.tick_config.obs_delay)
        ev = Event(t + O, _TICK, aid, OutOfCycle(idx, t, obs, p.get("monitor_id"), source,
                                                 self._episode_token),
                   _TICK.default_priority + self.scheduler.agent_index(aid))
        m = self._env_monitors.get(p.get("monitor_id"))
        if m is not None and m.preempt_next_tick:
            sched.preempt_next_tick(aid, ev)
        sched.schedule(ev)

    def _handle_ooc_tick(self, event, rec: OutOfCycle) -> None:
        """An out-of-cycle tick (see the module docstring)."""
        T = event.timestamp
        self._advance(T)
        if rec.token != self._episode_token:
            return
        aid = event.agent_id
        rt = self._rt[aid]
        agent = rt.agent
        state = self._ooc_state[aid]
        state[0] = False
        state[1] += 1
        idx, S = rec.index, rec.S
        self.record_tick(aid, T, S)
        command = self._pending_actions.get(aid) if self._pending_actions else None
        obs = None
        if command is None and agent._policy_fn is not None:
            obs = rec.observation
            command = self._call_policy(rt, agent, obs, T)
        trace = self.trace
        if command is None:
            if trace is not None:
                trace.append({"kind": "tick", "time": T, "agent": aid, "tick": -1 - idx,
                              "obs_time": S, "source": None})
            return
        cfg = agent.tick_config
        M = None
        if rt.is_sender:
            messages = agent.route(command, T)
            if messages:
                M = self.ooc_sample(aid, Q_OOC_MSG, idx, cfg.msg_delay)
                self.send_messages(aid, messages, T, M)
        else:
            action = rt.validate(command, aid)
            A = self.ooc_sample(aid, Q_OOC_ACT, idx, cfg.act_delay)
            self.queue_effect(aid, action, T, A, S)
        if trace is not None:
            trace.append({"kind": "tick", "time": T, "agent": aid, "tick": -1 - idx,
                          "obs_time": S, "source": "out_of_cycle", "command": command})
        if aid in self._source_monitors:
            if M is None:
                M = self.ooc_sample(aid, Q_OOC_MSG, idx, cfg.msg_delay)
            self._monitors_after_decision(aid, T, S, obs if obs is not None else rec.observation,
                                          agent, M)
        if self._decision_hook is not None:
            self._decision_hook(aid, T, S, obs, command)

    # -- disturbances and custom events --------------------------------------------------------
    def _handle_custom(self, event, sched) -> None:
        self._advance(event.timestamp)
        p = event.payload
        name = p.get("name") if isinstance(p, dict) else None
        handler = self._custom_handlers.get(name) if name is not None else None
        if handler is not None:
            changed = handler(event)
        elif isinstance(p, dict) and type(p.get("disturbance")) is Disturbance:
            if p.get("token") != self._episode_token:
                return
            k, d = p["schedule"], p["disturbance"]
            changed = self._disturbance_schedules[k][1](d)
            if self.trace is not None:
                self.trace.append({"kind": "disturbance", "time": event.timestamp,
                                   "index": d.index, "type": d.disturbance_type})
            self._queue_disturbance(k, d)
        else:
            raise KeyError(f"no handler for the custom event {event!r}; register one with "
                           "env.on_custom(name, handler)")
        if changed is not False:
            if self._delayed_ids:
                self._dirty = True
            if self._state_monitors:
                self._check_state_monitors()
