"""``HeronEnvCore``: the event-driven environment core (``docs/timing-model.md`` s. 3-6).

All times are float64 seconds of simulated time.

Setup
-----
``register_agent(agent)`` (ids unique) fixes the registration order, the only tie-breaker
between agents. ``setup_event_driven()`` registers every agent on the ``EventScheduler`` with its
own ``TickConfig`` (jitter and ``msg_delay`` kept). It is idempotent: when the registered agents
are unchanged it keeps the scheduler (and its queue; an agent whose ``tick_config`` object
changed gets the new one in place), so calling it again after ``scheduler.reset(...)`` never
creates a second tick chain; otherwise it builds a new scheduler (re-installing the default
handlers). Every call also starts a new episode of bookkeeping: FIFO
channel times, tick counters, delivered messages, actuators (neutral) and the observation history
(the initial snapshot is taken then). ``setup_default_handlers(global_state_fn, on_action_effect)``
installs the handlers; ``run_event_driven(t_end)`` runs ``scheduler.run_until(t_end)``.

One agent tick at time ``T`` (agent ``i``, its ``TickConfig`` ``c``)
-----------------------------------------------------------------
1. ``O = c.get_obs_delay()`` (drawn once per tick, always); ``S = max(t_start, T - O)``.
2. Command: the action most recently handed to ``env.step()`` for the agent (kept in
   ``self._pending_actions`` until replaced), else the agent's policy applied to its observation
   as of ``S`` and its latest delivered message, else nothing (a passive tick; nothing more is
   drawn).
3. Field agent: the command is validated (``Agent.validate_command``: shape, finite, range) and
   ``A = c.get_act_delay()``; an ``ACTION_EFFECT`` is queued at ``E = max(T + A, E_prev)`` (FIFO:
   a command never overtakes an earlier one; with ``A = 0`` it lands at ``T`` after every tick at
   ``T``). When it lands, ``agent.actuator`` is set and ``on_action_effect(agent_id, action)``
   runs. A policy may list ``fixed_commands``: read-only float64 arrays it returns as they are
   and never changes. Each that passes the agent's ``Action.validate`` unchanged is validated
   once per episode setup and then applied as it is (no second check, no copy; an overridden
   ``validate_command`` turns this off).
4. Coordinator: its protocol turns the command into messages; ``M = c.get_msg_delay()`` (once per
   sending tick, shared by all recipients); each is delivered as a ``MESSAGE_DELIVERY`` at
   ``D = max(T + M, D_prev)`` per (sender, recipient) link, and the recipient keeps the latest one
   (``agent.latest_message``), which its policy sees at its next tick.
5. ``after_decision(agent_id, T, S, observation, command)`` runs if the env overrides it (and
   ``uses_after_decision`` is true), e.g. to raise alarms; it may draw the msg delay of the tick.
6. The scheduler then draws the next interval (``get_tick_interval()``). So per tick the draws are,
   in order: obs delay, act delay (if an action is scheduled) or msg delay (if messages are sent),
   interval. A ``TickConfig`` subclass replaying per-tick samples can rely on this.

Extra decisions and timing statistics
-------------------------------------
``queue_effect(agent_id, action, T, A, S)`` and ``send_messages(sender_id, messages, T, M)`` apply
steps 3 and 4 for decisions an env makes itself (e.g. out-of-cycle ticks; ``record_tick(agent_id,
T, S)`` counts them). ``timing_stats()`` gives, per agent, this episode's ticks, effects, message
rounds and observation / action staleness (``heron.envs.timing_stats``), defined like the batch
engine's metric columns.

Delayed observations
--------------------
The observation "as it was at ``S``" is the snapshot recorded after the last state-changing event
(action effect, message delivery, ``ENV_UPDATE``) with time ``< S`` (events at exactly ``S`` run
after the observation sample in the tie order), or the initial snapshot. With ``O = 0`` the live
observation is used, which is the same thing. A snapshot is captured once per distinct event
time, after the last state-changing event at that time (just before the clock moves on and
``advance_to`` runs, at the end of ``run_event_driven``, or at a lookup). Snapshots hold, for
each agent whose observation delay can be non-zero, a copy of ``observe(gs)``; they live in
``self.history`` (``heron.envs.history.SnapshotHistory``).
Memory bound: snapshots older than ``observation_history_seconds`` (default: the largest
``obs_delay * (1 + 10 * jitter_ratio)``, at least ``min_delay``) before the current time are
pruned, keeping the one that still serves the oldest reachable ``S``; memory is O(state-changing
events in that window x delayed agents), at least 64 snapshots. A delay beyond the window (a
10-sigma draw) gets the oldest kept snapshot and a one-time warning.

Hooks for environments with physics (override in a subclass)
------------------------------------------------------------
* ``advance_to(t)``: called with non-decreasing ``t`` before any event at a new time ``t`` is
  handled and at the end of ``run_event_driven``. Integrate the physics up to ``t`` with the
  actuators (``agent.actuator``) held (zero-order hold). Default: no-op, not called at all
  (the tutorial's devices change state only in ``on_action_effect``). An env that integrates
  lazily may leave it alone and integrate up to ``self._advanced_to``, the time (s) the
  handlers have advanced to, when its state is next read or changed.
* ``capture_snapshot()``: what to record after a state-changing event. Default: ``{agent_id:
  copy of observe(gs)}`` for delayed agents. A physics env may return its physical state and
  actuators instead.
* ``delayed_observation(agent_id, s)``: the agent's observation as of time ``s``. Default: the
  snapshot lookup above. A physics env can do better: ``t_e, snap = self.snapshot_before(s)``,
  then integrate ``snap`` forward by ``s - t_e`` with its held actuators (no state-changing event
  happens in between) and observe that.
* ``on_env_update(event)``: handles ``ENV_UPDATE`` events (e.g. disturbances, reward samples)
  queued with ``schedule_env_update(t, payload, priority=None)``. Default: no-op. A snapshot
  follows it unless it returns ``False`` (nothing observable changed, e.g. a reward sample).
* ``global_state()``: what ``observe(gs)`` receives; default ``global_state_fn()`` or None.
* ``own_observation_history = True`` (class attribute): the env answers every
  ``delayed_observation`` itself from its own records, and the core takes no snapshots
  (``observation_window`` still gives the history length, s, the env should keep).
Call ``record_snapshot()`` from a custom handler that changes state.

Reproducible episodes and irregular events
------------------------------------------
``use_streams(seed, episode)`` (called by ``reset_agents(seed)`` and by envs' ``reset(seed=...)``)
draws the timing of the following episodes from the counter-based streams of ``(seed, episode)``,
as the batch engine does; replayed schedules are rewound at every episode start
(``heron.envs.seeding``). Condition monitors (alarms and out-of-cycle ticks), disturbance
schedules and custom events: ``heron.envs.irregular``.

The handlers themselves live in ``heron.envs.handlers`` (a mixin of ``HeronEnvCore``).
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Dict, Optional

import numpy as np

from heron.agents.base import Agent, call_observe, call_reset
from heron.core.action import Action
from heron.envs.handlers import EventHandlers
from heron.envs.history import SnapshotHistory
from heron.envs.irregular import IrregularEvents, OutOfCycle
from heron.envs.seeding import TimingStreams
from heron.envs.timing_stats import AgentRuntime
from heron.scheduling.event import Event, EventType
from heron.scheduling.scheduler import EventScheduler
from heron.scheduling.tick_config import TickConfig


class HeronEnvCore(EventHandlers, IrregularEvents, TimingStreams):
    """Agent registry plus the event-driven path (see the module docstring)."""

    uses_after_decision = True  # False: never call after_decision (set per instance)
    own_observation_history = False  # True: the env answers delayed_observation itself
    _ooc_type = OutOfCycle  # payload type of out-of-cycle ticks (heron.envs.irregular)

    def __init__(self, env_id: Optional[str] = None):
        self.env_id = env_id
        self._registered: Dict[str, Agent] = {}
        self.scheduler: Optional[EventScheduler] = None
        self._pending_actions: Dict[str, Any] = {}
        self._timestep = 0
        self._global_state_fn: Optional[Callable[[], Any]] = None
        self._on_action_effect: Optional[Callable[[str, np.ndarray], Any]] = None
        self._handlers_installed = False
        self.trace: Optional[list] = None  # set to a list to record tick/effect/message dicts
        self.observation_history_seconds: Optional[float] = None
        self._fixed_checks: Dict[str, tuple] = {}  # agent id -> its fixed commands' check
        self._init_streams()
        self._init_irregular()
        self._reset_event_state(0.0)

    # -- registry ------------------------------------------------------------------------------
    def register_agent(self, agent: Agent) -> None:
        """Add ``agent``; its id must be new. Registration order breaks ties between agents."""
        if not isinstance(agent, Agent):
            raise TypeError(f"register_agent() expects a heron Agent; got {agent!r}")
        if agent.agent_id in self._registered:
            raise ValueError(f"agent id {agent.agent_id!r} is registered twice in env "
                             f"{self.env_id!r}; agent ids must be unique")
        self._registered[agent.agent_id] = agent

    @property
    def registered_agents(self) -> Dict[str, Agent]:
        """Registered agents by id, in registration order (a copy)."""
        return dict(self._registered)

    def get_agent(self, agent_id: str) -> Agent:
        """The registered agent ``agent_id``."""
        try:
            return self._registered[agent_id]
        except KeyError:
            raise KeyError(f"unknown agent id {agent_id!r}; registered: "
                           f"{list(self._registered)}") from None

    def reset_agents(self, seed: Optional[int] = None) -> Dict[str, Any]:
        """Reset every agent (registration order); agent ``i`` gets a seed derived from
        ``(seed, i)`` (None stays None). Returns what each ``reset`` returned.

        A seed also seeds the timing (``use_streams(seed, 0)``) of the episodes set up next;
        ``None`` after a seeded episode moves on to the next episode number."""
        if seed is not None:
            self.use_streams(seed, 0)
        elif self.stream_seed is not None:
            self.stream_episode += 1
        out = {}
        for i, (aid, agent) in enumerate(self._registered.items()):
            agent.reset_timing()
            s = None if seed is None else int(
                np.random.SeedSequence([int(seed), i]).generate_state(1)[0])
            out[aid] = call_reset(agent, s)
        return out

    def set_pending_actions(self, actions: Dict[str, Any]) -> None:
        """Validate ``actions`` (known ids, valid commands) and keep them for the next ticks."""
        self._check_pending(actions)
        for aid, cmd in actions.items():
            self._registered[aid].validate_command(cmd)
        self._pending_actions.update(actions)

    def _check_pending(self, actions) -> None:
        unknown = [aid for aid in actions if aid not in self._registered]
        if unknown:
            raise ValueError(f"actions given for unknown agent id(s) {unknown}; registered: "
                             f"{list(self._registered)}")

    # -- setup ---------------------------------------------------------------------------------
    def setup_event_driven(self, start_time: Optional[float] = None) -> EventScheduler:
        """Prepare the scheduler and start a new episode of bookkeeping (idempotent; see the
        module docstring). ``start_time`` (s), if given, resets the scheduler to it."""
        if not self._registered:
            raise ValueError("setup_event_driven(): no agents registered; call "
                             "register_agent(agent) first")
        self._prepare_timing()
        sched, ids = self.scheduler, list(self._registered)
        reuse = sched is not None and sched.agents == ids
        if reuse:
            for aid, cfg in sched.tick_configs.items():
                if cfg is not self._registered[aid].tick_config:
                    sched.set_tick_config(aid, self._registered[aid].tick_config)
            if start_time is not None:
                sched.reset(start_time)
        else:
            t0 = start_time if start_time is not None else (
                sched.current_time if sched is not None else 0.0)
            sched = EventScheduler(start_time=t0)
            for aid, agent in self._registered.items():
                sched.register_agent(aid, tick_config=agent.tick_config)
            self.scheduler = sched
            if self._handlers_installed:
                self._install_handlers()
        for agent in self._registered.values():
            agent.reset_timing()
        self._reset_event_state(sched.current_time)
        self.record_snapshot(initial=True)
        self.episode_count += 1
        self._start_irregular()
        return sched

    def reset_event_driven(self, start_time: float = 0.0) -> EventScheduler:
        """Reset the scheduler's queue and clock to ``start_time`` (s), forget pending actions
        and start a new episode."""
        self._pending_actions.clear()
        if self.scheduler is not None:
            self.scheduler.reset(start_time)
            return self.setup_event_driven()
        return self.setup_event_driven(start_time)

    def setup_default_handlers(self, global_state_fn: Optional[Callable[[], Any]] = None,
                               on_action_effect: Optional[Callable[[str, np.ndarray], Any]] = None
                               ) -> None:
        """Install the tick, action-effect, message and env-update handlers.

        ``global_state_fn()`` supplies the ``gs`` passed to ``observe(gs)`` (for agents that take
        it); ``on_action_effect(agent_id, action)`` applies a landed command to the environment.
        """
        for name, fn in (("global_state_fn", global_state_fn),
                         ("on_action_effect", on_action_effect)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} must be callable or None; got {fn!r}")
        if self.scheduler is None:
            self.setup_event_driven()
        self._global_state_fn = global_state_fn
        self._on_action_effect = on_action_effect
        self._handlers_installed = True
        self._install_handlers()
        if self.history.only_initial():  # nothing ran since setup: retake the initial
            self.record_snapshot(initial=True)  # snapshot with the global state available now

    def _install_handlers(self) -> None:
        s = self.scheduler
        s.set_handler(EventType.AGENT_TICK, self._handle_tick)
        s.set_handler(EventType.ACTION_EFFECT, self._handle_effect)
        s.set_handler(EventType.MESSAGE_DELIVERY, self._handle_message)
        s.set_handler(EventType.ENV_UPDATE, self._handle_env_update)
        if self._irregular_used:
            self._install_irregular_handlers()

    def _reset_event_state(self, t_start: float) -> None:
        self._t_start = float(t_start)
        self._advanced_to = float(t_start)
        self._dirty = False
        self._last_delivery: Dict[tuple, float] = {}
        # effect priority = what scheduler.schedule_at gives: class + scheduler index
        eff = EventType.ACTION_EFFECT.default_priority
        sched = self.scheduler
        index = sched.agent_indices if sched is not None else {}
        self._rt: Dict[str, AgentRuntime] = {
            aid: AgentRuntime(a, i, eff + index[aid] if aid in index else eff)
            for i, (aid, a) in enumerate(self._registered.items())}
        for rt in self._rt.values():
            policy = rt.agent._policy
            fixed = None if policy is None else getattr(policy, "fixed_commands", None)
            if fixed:
                rt.validate = self._fixed_command_check(rt, fixed)
        advance = self.advance_to  # not called at all while it is the default no-op
        self._advance_hook = None if getattr(advance, "__func__", None) is \
            HeronEnvCore.advance_to else advance
        self._decision_hook = (self.after_decision if self.uses_after_decision and type(
            self).after_decision is not HeronEnvCore.after_decision else None)
        delayed = tuple(
            aid for aid, a in self._registered.items()
            if a.tick_config.obs_delay > 0 or type(a.tick_config) is not TickConfig)
        window = self.observation_history_seconds
        if window is None:
            window = SnapshotHistory.window_for(
                [self._registered[aid].tick_config for aid in delayed])
        self.observation_window = float(window)
        self._delayed_ids = () if self.own_observation_history else delayed
        self.history = SnapshotHistory(window)

    def _fixed_command_check(self, rt, fixed):
        """``rt.validate``, except that the commands of ``fixed`` (the policy's
        ``fixed_commands``) that pass the agent's ``Action.validate`` unchanged are returned as
        they are: read-only float64 arrays, validated here once (per episode; a tuple is
        validated once for as long as it and the action's bounds stay the same objects)."""
        validate = rt.validate
        action = rt.agent.action
        if getattr(validate, "__func__", None) is not Action.validate:
            return validate  # a validate_command override: every command goes through it
        aid = rt.agent.agent_id
        c = self._fixed_checks.get(aid)
        if c is not None and c[0] is fixed and c[1] is action and c[2] is action.low \
                and c[3] is action.high and c[4] == action.out_of_range:
            return c[5]
        ok = {}
        for cmd in fixed:
            if type(cmd) is not np.ndarray or cmd.dtype != np.float64 or cmd.flags.writeable:
                continue
            try:
                out = validate(cmd, aid)
            except (TypeError, ValueError):
                continue  # it raises at the tick that returns it, as any command would
            if out.shape == cmd.shape and np.array_equal(out, cmd):
                ok[id(cmd)] = cmd
        check = _skip_known(validate, ok) if ok else validate
        if type(fixed) is tuple:
            self._fixed_checks[aid] = (fixed, action, action.low, action.high,
                                       action.out_of_range, check)
        return check

    # -- running -------------------------------------------------------------------------------
    def run_event_driven(self, t_end: float) -> int:
        """Process every event up to ``t_end`` (s, inclusive); the clock ends at ``t_end``.
        Returns the number of events handled."""
        if self.scheduler is None:
            raise RuntimeError("run_event_driven(): call setup_event_driven() (and "
                               "setup_default_handlers(...)) first")
        pending = getattr(self, "_pending_actions", None)
        if pending:
            self._check_pending(pending)
        n = self.scheduler.run_until(t_end)
        self._advance(self.scheduler.current_time)
        if self._dirty:
            self._flush_snapshot()
        return n

    def schedule_env_update(self, t: float, payload: Any = None,
                            priority: Optional[int] = None) -> Event:
        """Queue an ``ENV_UPDATE`` at time ``t`` (s), handled by ``on_env_update``.
        ``priority`` (default: the ENV_UPDATE class) places it among same-time events."""
        return self.scheduler.schedule_at(t, EventType.ENV_UPDATE, payload=payload,
                                          priority=priority)

    def _advance(self, t: float) -> None:
        """Flush a pending snapshot, then ``advance_to(t)`` (handlers call it for ``t`` beyond
        the last advance only)."""
        if t > self._advanced_to:
            if self._dirty:
                self._flush_snapshot()
            if self._advance_hook is not None:
                self._advance_hook(t)
            self._advanced_to = t

    # -- observations and snapshots ------------------------------------------------------------
    def global_state(self) -> Any:
        """The ``gs`` given to ``observe(gs)``: ``global_state_fn()`` or None."""
        fn = self._global_state_fn
        return None if fn is None else fn()

    def _observe(self, agent: Agent):
        return call_observe(agent, self.global_state())

    def capture_snapshot(self) -> Dict[str, Any]:
        """Copies of the current observations of the agents with observation delays."""
        gs = self.global_state()
        snap = {}
        for aid in self._delayed_ids:
            obs = call_observe(self._registered[aid], gs)
            snap[aid] = obs.copy() if isinstance(obs, np.ndarray) else copy.deepcopy(obs)
        return snap

    def record_snapshot(self, initial: bool = False) -> None:
        """Mark the state as changed at the current time (call after changing state).

        The snapshot itself is captured once per distinct event time, when the clock next
        moves on (before ``advance_to``), at the end of ``run_event_driven`` or at a lookup:
        only the last state at a given time can ever be looked up (lookups are strictly
        before ``S``), so a burst of same-time events costs one ``capture_snapshot()``.
        """
        if not self._delayed_ids:
            return
        if initial:
            now = self.scheduler.current_time if self.scheduler is not None else self._t_start
            self._dirty = False
            self.history.record_initial(now, self.capture_snapshot())
        else:
            self._dirty = True

    def _flush_snapshot(self) -> None:
        self._dirty = False
        self.history.record(self._advanced_to, self.capture_snapshot())

    def snapshot_before(self, s: float):
        """``(time, snapshot)`` of the last recording with time ``< s`` (s), or the initial one."""
        if self._dirty:
            self._flush_snapshot()
        return self.history.before(s)

    def delayed_observation(self, agent_id: str, s: float):
        """Observation of ``agent_id`` as of time ``s`` (s): the snapshot lookup by default."""
        snap = self.snapshot_before(s)[1]
        try:
            return snap[agent_id]
        except KeyError:
            raise RuntimeError(f"no observation snapshot of agent {agent_id!r}: it was not "
                               "registered when setup_event_driven() last ran; call "
                               "setup_event_driven() again") from None

    # -- hooks (override) ----------------------------------------------------------------------
    def advance_to(self, t: float) -> None:
        """Integrate the environment up to time ``t`` (s) with actuators held. Default: no-op."""

    def on_env_update(self, event: Event):
        """Handle an ``ENV_UPDATE`` event. Default: no-op. Return ``False`` when the update
        changed nothing an observation can see (no snapshot is recorded for it)."""

    def after_decision(self, agent_id: str, T: float, S: float, observation, command) -> None:
        """Called after a tick of ``agent_id`` at ``T`` (s) issued ``command`` (its effect or
        messages are queued); ``observation`` is what the policy saw (as of ``S`` s), or None
        when the command came from ``env.step``. Only called when overridden. Default: no-op."""


def _skip_known(validate, known: dict):
    """``validate(command, agent_id)``, except for the commands in ``known`` (``id`` -> the
    pre-validated read-only array): those come back as they are."""
    get = known.get

    def check(command, agent_id):
        if get(id(command)) is command:
            return command
        return validate(command, agent_id)

    return check
