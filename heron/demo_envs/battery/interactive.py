"""The battery fleet as Python agents: the interactive form of ``heron.demo_envs.battery_fleet`` (``heron.demo_envs.battery``).

``build_interactive(env_spec, timing=None, *, policy=None, seed=0, episode=0, horizon=None)``
(attached to the spec with ``BatchEnv.attach_interactive``, called by
``spec.interactive_env(...)``) returns a ``BatteryFleetEnv``: a ``PettingZooParallelEnv`` whose
agents are ``FleetBattery`` field agents (``battery_1 .. battery_n``, action: normalised power in
[-1, 1]) and, with ``coordinator=True``, a ``FleetCoordinator`` sending one SOC setpoint per
battery through ``SetpointProtocol(low=0, high=1)``. Everything the batch kernel
(``heron._fast.rollout_nb`` over ``heron.demo_envs.battery.compiled``) does, this env does with Python
agents on the event-driven core (``heron.envs.base``), so the two engines are tested equal:

* physics (named parameters read from ``env_spec.p``, see ``battery.compiled.PARAMS``): SOC
  integrates ``power_scale * soc_rate * actuator`` per second, clipped to ``[soc_min, soc_max]``,
  with the same closed form, zero-order hold, integrated lazily, per battery, up to the core's
  clock (the time every handler has advanced to) when a battery's state is next read or changed
  (``advance_to`` is not overridden, so the core never calls it); seconds outside the band are
  accumulated there too. A command equal to the actuator changes nothing (no integration step).
  Each battery keeps a ``SnapshotHistory`` of its state after every change (effect changing the
  actuator, disturbance), so a delayed observation is its last state strictly before ``S``
  integrated forward to ``S``: the state at ``S`` (``own_observation_history``: the core takes
  no snapshots of its own).
* initial SOC, disturbance times, units and sizes are drawn from the counter-based streams of
  ``heron._fast.rng`` for ``(seed, episode)``, exactly as ``compiled.init``/``disturb`` and the
  kernel draw them; so ``reset(seed=s, options={"episode": e})`` gives the batch engine's episode.
* returns are time integrals of the reward rate (battery ``-|target - soc|``, coordinator the
  mean over batteries), exact under the SOC's closed form and accumulated where the physics is
  integrated. No reward-clock events are queued (the batch engine queues them only to mark
  reporting instants in traces): they would change no return; ``step()`` runs ``dt`` seconds.
* with a coordinator: a battery whose *observed* SOC is outside the band while armed raises an
  alarm to the coordinator (a message delayed by the battery's ``msg_delay`` sample of that tick,
  FIFO per link), then disarms until it observes its SOC back in the band. When an alarm arrives
  the coordinator samples the state at once and ticks out of cycle ``O`` seconds later (``O``, and
  that tick's message delay, from the streams ``Q_OOC_OBS`` / ``Q_OOC_MSG`` indexed by the
  coordinator's out-of-cycle count); alarms arriving while one is pending merge into it.
* Poisson disturbances (mean spacing ``env_spec.disturbance_mean`` s) shift one battery's SOC.

Policies: an agent's policy is called as ``policy(observation, message)``; a battery's policy
observation is ``[soc at S]`` and, under a coordinator, the latest setpoint is the message (see
``policy_observation``). ``step(actions)`` hands commands to the event-driven core (used at the
agents' next ticks) and advances one reward period ``dt``; ``run()`` runs to the horizon with the
agents' policies. ``episode_metrics()`` returns the batch engine's metrics per agent.
Times are float64 seconds.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from heron._fast.rng import (
    ENV_AGENT, Q_DISTURB_SIZE, Q_DISTURB_TIME, Q_DISTURB_UNIT, Q_INIT, Q_OOC_MSG, Q_OOC_OBS,
    uniform_array,
)
from heron._fast.schedule_nb import timing_sample_nb
from heron.demo_envs.battery.agents import ALARM, FleetBattery, FleetCoordinator
from heron.envs.adapters import PettingZooParallelEnv
from heron.envs.history import SnapshotHistory
from heron.protocols.base import Message
from heron.scheduling.event import EventType

_OOC = ("out_of_cycle_tick",)
_DISTURB = "disturbance"
_empty = np.empty
_TICK_CLASS = EventType.AGENT_TICK.default_priority
_CUSTOM_CLASS = EventType.CUSTOM.default_priority


class BatteryFleetEnv(PettingZooParallelEnv):
    """The battery fleet on the event-driven core (see the module docstring).

    Parameters
    ----------
    spec : heron.batch.env.BatchEnv
        The fleet's batch spec (``heron.demo_envs.battery_fleet(...)``).
    configs : list of TickConfig
        One per agent (registration order).
    policies : list
        One per agent: ``policy(observation, message)`` or None (commands come from ``step``).
    seed, episode : int
        The counter-based streams of the episode (initial SOC, disturbances, out-of-cycle ticks).
    horizon : float
        Episode length (s).
    """

    metadata = {"name": "heron_battery_fleet_v0", "render_modes": []}
    own_observation_history = True  # per-battery histories (see delayed_observation)

    def __init__(self, spec, configs, policies, *, seed: int = 0, episode: int = 0,
                 horizon: Optional[float] = None):
        super().__init__(env_id=f"battery_fleet_{spec.n_units}")
        p = spec.p
        self.spec = spec
        self.n = n = int(p.n)
        self.horizon = float(spec.horizon if horizon is None else horizon)
        self.dt = float(spec.dt)
        self._k = float(p.power_scale * p.soc_rate)
        self._smin, self._smax = float(p.soc_min), float(p.soc_max)
        self._lo, self._hi = float(p.band_lo), float(p.band_hi)
        self._init_lo, self._init_hi = float(p.init_lo), float(p.init_hi)
        self._target = float(p.target)
        self._dist_size = float(p.dist_size)
        self._dist_mean = float(spec.disturbance_mean)
        self.msg_init = float(spec.msg_init)
        self.seed, self.episode = int(seed), int(episode)
        coord = int(p.coord)
        specs = spec.agents
        self.batteries = [FleetBattery(specs[b].id, self, b, specs[b].obs_dim, configs[b],
                                       policies[b]) for b in range(n)]
        self.coordinator = None
        agents = list(self.batteries)
        if coord >= 0:
            self.coordinator = FleetCoordinator(specs[coord].id, self, self.batteries,
                                                configs[coord], policies[coord])
            agents.append(self.coordinator)
        for a in agents:
            self.register_agent(a)
        self._agent_list = agents
        self._unit_of = {bat.agent_id: bat.unit for bat in self.batteries}
        self._set_agent_ids([a.agent_id for a in agents])
        self._init_spaces(action_spaces={a.agent_id: a.action_space for a in agents},
                          observation_spaces={a.agent_id: a.observation_space for a in agents})
        self.soc = [0.0] * n
        self.act = [0.0] * n
        self.outside = [0.0] * n
        self.armed = [1] * n
        self.dev = [0.0] * n   # per battery: integral of |target - soc| (SOC x s)
        # lazy physics: all batteries' / each battery's integration time (s); they integrate up
        # to the core's clock ``self._advanced_to``
        self._t_all = 0.0
        self._tb = [0.0] * n
        # per battery: its state (soc, actuator) after each change, for delayed observations
        self._hist = [SnapshotHistory(0.0) for _ in range(n)]
        self._hist_of = {bat.agent_id: h for bat, h in zip(self.batteries, self._hist)}
        self._streams = {}
        self.uses_after_decision = self.coordinator is not None  # alarms need a coordinator
        self.setup_event_driven()
        self.setup_default_handlers(on_action_effect=self._apply_action)
        self._new_episode()

    # -- episodes ------------------------------------------------------------------------------
    def reset(self, seed: Optional[int] = None, options: Optional[dict] = None):
        """Start episode ``options["episode"]`` (default: the current one) of stream seed
        ``seed`` (default: the current one). Returns ``(observations, infos)``."""
        self.start_episode(seed, (options or {}).get("episode"))
        return self._observations(), {aid: {} for aid in self.agents}

    def start_episode(self, seed: Optional[int] = None, episode: Optional[int] = None) -> None:
        """``reset`` without building the observations: episode ``episode`` of stream seed
        ``seed`` (None keeps the current value)."""
        for name, v in (("seed", seed), ("episode", episode)):
            if v is not None and not (type(v) is int and v >= 0) and (
                    isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0):
                raise ValueError(f"{name} must be a non-negative int; got {v!r}")
        if seed is not None:
            self.seed = int(seed)
        if episode is not None:
            self.episode = int(episode)
        self._pending_actions.clear()
        self._new_episode()
        self.agents = self.possible_agents

    def _new_episode(self) -> None:
        """Initial state from the episode's streams, first disturbance queued."""
        self._streams = {}
        lo, hi = self._init_lo, self._init_hi
        for b in range(self.n):
            self.soc[b] = lo + (hi - lo) * self._uniform(b, Q_INIT, 0)
            self.act[b] = 0.0
            self.outside[b] = 0.0
            self.armed[b] = 1
        self.dev = [0.0] * self.n
        self._ooc_pending = False
        self._ooc_count = 0
        self._ooc_obs = None
        self._ooc_s = 0.0
        self.use_streams(self.seed, self.episode)  # the episode's timing: streams (seed, episode)
        self.reset_event_driven(0.0)
        self._t_all = t0 = self._t_start
        self._tb = [t0] * self.n
        for b, h in enumerate(self._hist):
            h.record_initial(t0, (self.soc[b], self.act[b]), self.observation_window)
        if self._dist_mean > 0.0:
            u = self._uniform(ENV_AGENT, Q_DISTURB_TIME, 0)
            self._schedule_disturbance(self._t_start - self._dist_mean * math.log1p(-u), 0)

    def _uniform(self, agent: int, quantity: int, index: int) -> float:
        """Number ``index`` of the episode's stream ``(agent, quantity)`` (``heron._fast.rng``)."""
        key = (agent, quantity)
        arr = self._streams.get(key)
        if arr is None or index >= arr.shape[0]:
            size = max(8, 2 * (index + 1))
            arr = uniform_array(self.seed, self.episode, agent, quantity, size)
            self._streams[key] = arr
        return float(arr[index])

    def _ooc_sample(self, quantity: int, base: float, index: int) -> float:
        """Delay sample (s) of the coordinator's out-of-cycle tick ``index``."""
        cfg = self.coordinator.tick_config
        return float(timing_sample_nb(self.seed, self.episode, self.n, quantity, index, base,
                                      cfg.jitter_code, cfg.jitter_ratio, cfg.min_delay))

    # -- physics hooks -------------------------------------------------------------------------
    def _apply_action(self, agent_id, action) -> None:
        """A battery's actuator becomes ``action[0]``. An unchanged actuator changes nothing:
        the trajectory stays one closed form (no integration step, no breakpoint)."""
        b = self._unit_of.get(agent_id)
        if b is not None:
            a = action.item(0)  # a float: commands are validated float64 arrays
            if a != self.act[b]:
                t = self._advanced_to
                if t > self._tb[b]:
                    self._sync_unit(b)
                self.act[b] = a
                self._hist[b].record(t, (self.soc[b], a))

    @property
    def returns(self) -> list:
        """Per agent (registration order): the return so far, the time integral of the reward
        rate (battery ``-|target - soc|``, coordinator the mean over batteries), as the batch
        engine's ``reward_integral`` computes it."""
        out = [-d for d in self.dev]
        if self.coordinator is not None:
            out.append(-sum(self.dev) / self.n)
        return out

    def _deviation(self, s0: float, rate: float, dt: float) -> float:
        """Integral over ``dt`` s of ``|target - soc|`` from ``s0`` at ``rate`` (SOC per s),
        SOC held at its bounds once it meets them (``compiled._abs_deviation``)."""
        t_lin, bound = dt, s0
        if rate > 0.0 and s0 + rate * dt > self._smax:
            t_lin, bound = (self._smax - s0) / rate, self._smax
        elif rate < 0.0 and s0 + rate * dt < self._smin:
            t_lin, bound = (self._smin - s0) / rate, self._smin
        a = s0 - self._target
        end = a + rate * t_lin
        if (a >= 0.0) == (end >= 0.0) or rate == 0.0:
            lin = 0.5 * (abs(a) + abs(end)) * t_lin
        else:
            t0 = -a / rate
            lin = 0.5 * (abs(a) * t0 + abs(end) * (t_lin - t0))
        return lin + abs(bound - self._target) * (dt - t_lin)

    def _advance_unit(self, s0: float, a: float, dt: float):
        """SOC, seconds outside the band and the integral of ``|target - soc|`` after ``dt`` s
        from ``s0`` with actuator ``a``."""
        rate = self._k * a
        lo, hi = self._lo, self._hi
        if rate == 0.0:
            out = dt if (s0 < lo or s0 > hi) else 0.0
        else:
            t_lo = (lo - s0) / rate
            t_hi = (hi - s0) / rate
            if rate > 0.0:
                below = min(max(t_lo, 0.0), dt)
                above = dt - min(max(t_hi, 0.0), dt)
            else:
                above = min(max(t_hi, 0.0), dt)
                below = dt - min(max(t_lo, 0.0), dt)
            out = below + above
        s = s0 + rate * dt
        return min(max(s, self._smin), self._smax), out, self._deviation(s0, rate, dt)

    def _soc_after(self, s0: float, a: float, dt: float) -> float:
        """SOC after ``dt`` s from ``s0`` with actuator ``a`` (``_advance_unit``'s first
        value, without the band and deviation integrals)."""
        return min(max(s0 + self._k * a * dt, self._smin), self._smax)

    def _sync_unit(self, b: int) -> None:
        """Integrate battery ``b`` up to the core's clock (``_advance_unit``, inlined for the
        common case of a zero actuator)."""
        t = self._advanced_to
        dt = t - self._tb[b]
        if dt > 0.0:
            self._tb[b] = t
            a = self.act[b]
            s0 = self.soc[b]
            if a == 0.0:  # the SOC holds (it always lies within [soc_min, soc_max])
                if s0 < self._lo or s0 > self._hi:
                    self.outside[b] += dt
                self.dev[b] += abs(self._target - s0) * dt
            else:
                self.soc[b], out, dev = self._advance_unit(s0, a, dt)
                self.outside[b] += out
                self.dev[b] += dev

    def _sync(self) -> None:
        """Integrate every battery up to the core's clock."""
        t = self._advanced_to
        if t > self._t_all:
            self._t_all = t
            tb, soc, act, outside, devs = self._tb, self.soc, self.act, self.outside, self.dev
            tgt = self._target
            for b in range(self.n):
                dt = t - tb[b]
                if dt > 0.0:  # (_sync_unit inlined)
                    tb[b] = t
                    a = act[b]
                    s0 = soc[b]
                    if a == 0.0:
                        if s0 < self._lo or s0 > self._hi:
                            outside[b] += dt
                        devs[b] += abs(tgt - s0) * dt
                    else:
                        soc[b], out, dev = self._advance_unit(s0, a, dt)
                        outside[b] += out
                        devs[b] += dev

    def run_event_driven(self, t_end: float) -> int:
        n = super().run_event_driven(t_end)
        self._sync()
        return n

    def _breakpoint(self, b: int) -> None:
        """Record battery ``b``'s state after a change at the current time (its trajectory is
        a closed form between changes: ``delayed_observation`` integrates from here)."""
        self._hist[b].record(self._advanced_to, (self.soc[b], self.act[b]))

    def delayed_observation(self, agent_id: str, s: float) -> np.ndarray:
        """The agent's env observation as of ``s`` (s): each battery's last recorded state
        strictly before ``s`` (events at ``s`` come after an observation sample at ``s``),
        integrated forward to ``s`` with its actuator held."""
        h = self._hist_of.get(agent_id)
        if h is None:  # the coordinator: every battery
            out = _empty(self.n)
            for u in range(self.n):
                t_e, (x, a) = self._hist[u].before(s)
                out[u] = x if a == 0.0 else self._soc_after(x, a, s - t_e)
            return out
        t_e, (x, a) = h.before(s)
        out = _empty(1)
        out[0] = x if a == 0.0 else self._soc_after(x, a, s - t_e)
        return out

    # -- events --------------------------------------------------------------------------------
    def on_env_update(self, event):
        payload = event.payload
        self._sync()
        if payload is _OOC:
            self._out_of_cycle_tick(event.timestamp)
            return False  # it queues messages; the state is unchanged (no core snapshots anyway)
        if type(payload) is tuple and len(payload) == 2 and payload[0] == _DISTURB:
            self._disturb(event.timestamp, payload[1])
            return None
        return False  # an update queued by someone else: nothing of the fleet's changed

    def _schedule_disturbance(self, t: float, j: int) -> None:
        self.schedule_env_update(t, (_DISTURB, j), priority=_CUSTOM_CLASS + len(self._agent_list))

    def _disturb(self, t: float, j: int) -> None:
        n = self.n
        b = int(self._uniform(ENV_AGENT, Q_DISTURB_UNIT, j) * n)
        if b >= n:
            b = n - 1
        d = self._dist_size * (2.0 * self._uniform(ENV_AGENT, Q_DISTURB_SIZE, j) - 1.0)
        self.soc[b] = min(max(self.soc[b] + d, self._smin), self._smax)
        self._breakpoint(b)
        u = self._uniform(ENV_AGENT, Q_DISTURB_TIME, j + 1)
        self._schedule_disturbance(t - self._dist_mean * math.log1p(-u), j + 1)

    def after_decision(self, agent_id, T, S, observation, command) -> None:
        """Alarm trigger of a battery under a coordinator (see the module docstring)."""
        coord = self.coordinator
        if coord is None:
            return
        agent = self._registered[agent_id]
        if agent is coord:
            return
        if observation is None:
            observation = self.delayed_observation(agent_id, S) if S < T else agent.observe()
        soc = observation[0]
        b = agent.unit
        if self._lo <= soc <= self._hi:
            self.armed[b] = 1
            return
        if self.armed[b] == 1:
            self.armed[b] = 0
            M = agent.tick_config.get_msg_delay()
            self.send_messages(agent_id, [Message(agent_id, coord.agent_id, ALARM, T)], T, M)

    def _alarm_arrived(self, message) -> None:
        """An alarm reached the coordinator: sample the state now, tick out of cycle later."""
        if self._ooc_pending:
            return
        t = self.scheduler.current_time
        coord = self.coordinator
        self._ooc_pending = True
        self._ooc_obs = coord.observe()
        self._ooc_s = t
        o_d = self._ooc_sample(Q_OOC_OBS, coord.tick_config.obs_delay, self._ooc_count)
        prio = _TICK_CLASS + self.scheduler.agent_index(coord.agent_id)
        self.schedule_env_update(t + o_d, _OOC, priority=prio)

    def _out_of_cycle_tick(self, T: float) -> None:
        coord = self.coordinator
        aid = coord.agent_id
        self._ooc_pending = False
        idx = self._ooc_count
        self._ooc_count += 1
        S = self._ooc_s
        self.record_tick(aid, T, S)
        command = self._pending_actions.get(aid)
        if command is None:
            command = coord.decide(self._ooc_obs)
        if command is None:
            return
        messages = coord.route(command, T)
        if messages:
            M = self._ooc_sample(Q_OOC_MSG, coord.tick_config.msg_delay, idx)
            self.send_messages(aid, messages, T, M)
        if self.trace is not None:
            self.trace.append({"kind": "tick", "time": T, "agent": aid, "tick": -1 - idx,
                               "obs_time": S, "source": "out_of_cycle", "command": command})

    # -- PettingZoo API ------------------------------------------------------------------------
    def policy_observation(self, agent_id: str) -> np.ndarray:
        """Live observation as a policy sees it: env part, then the setpoint under a
        coordinator (``msg_init`` before the first delivery)."""
        agent = self.get_agent(agent_id)
        obs = agent.observe()
        if agent is not self.coordinator and self.coordinator is not None:
            msg = agent.latest_message
            sp = self.msg_init if msg is None else float(msg.content[0])
            obs = np.append(obs, sp)
        return obs

    def _observations(self) -> dict:
        return {aid: self.policy_observation(aid) for aid in self.agents}

    def step(self, actions):
        """Hand ``actions`` (agent id -> command) to the agents' next ticks and advance one
        reward period ``dt`` (s). Returns observations, rewards (the returns' increments over the
        period: integrals of the reward rate), terminations, truncations (at the horizon) and
        infos, PettingZoo style."""
        if actions:
            self.set_pending_actions(actions)
        before = list(self.returns)
        t_end = min(self.scheduler.current_time + self.dt, self.horizon)
        self.run_event_driven(t_end)
        done = self.scheduler.current_time >= self.horizon
        ids = list(self.agents)
        obs = {aid: self.policy_observation(aid) for aid in ids}
        idx = {a.agent_id: i for i, a in enumerate(self._agent_list)}
        rewards = {aid: self.returns[idx[aid]] - before[idx[aid]] for aid in ids}
        infos = {aid: {"time": self.scheduler.current_time} for aid in ids}
        if done:
            self.agents = []
        return (obs, rewards, {aid: False for aid in ids}, {aid: done for aid in ids}, infos)

    def run(self) -> int:
        """Run the rest of the episode to the horizon with the agents' policies; returns the
        number of events handled."""
        return self.run_event_driven(self.horizon)

    def metric_rows(self) -> list:
        """Per agent (registration order): ``(return, n_ticks, n_effects, n_messages,
        obs_staleness_sum, obs_staleness_max, act_staleness_sum, act_staleness_max)`` (maxima 0
        without ticks / effects), as the batch kernel stores them (``agent_cursor_dt``), followed
        by the env's metrics in declaration order (here ``time_outside_band``)."""
        self._sync()
        rows = []
        rts = self._rt
        outside = self.outside
        returns = self.returns
        for i, a in enumerate(self._agent_list):
            rt = rts[a.agent_id]
            if a is self.coordinator:
                acc = 0.0
                for b in range(self.n):
                    acc += outside[b]
            else:
                acc = outside[a.unit]
            rows.append((returns[i], rt.n_ticks, rt.n_effects, rt.n_messages,
                         rt.obs_staleness_sum, rt.obs_staleness_max, rt.act_staleness_sum,
                         rt.act_staleness_max, acc))
        return rows

    def episode_metrics(self) -> dict:
        """Per agent (registration order): ``return``, ``n_ticks``, ``n_effects``,
        ``n_messages``, staleness sums/means/maxima (s) and ``time_outside_band`` (s; the
        coordinator's is the sum over batteries), as the batch engine reports them."""
        self._sync()
        stats = self.timing_stats()
        out = {}
        for i, a in enumerate(self._agent_list):
            d = dict(stats[a.agent_id])
            d["return"] = self.returns[i]
            if a is self.coordinator:
                acc = 0.0
                for b in range(self.n):
                    acc += self.outside[b]
                d["time_outside_band"] = acc
            else:
                d["time_outside_band"] = self.outside[a.unit]
            out[a.agent_id] = d
        return out


def build_interactive(env_spec, timing=None, *, policy=None, seed: int = 0, episode: int = 0,
                      horizon: Optional[float] = None) -> BatteryFleetEnv:
    """The interactive form of the battery fleet spec ``env_spec`` (for
    ``BatchEnv.attach_interactive``).

    ``timing``: as ``heron.batch.timing.resolve_timing`` accepts (e.g. a
    ``ScheduledTickConfig`` per agent id to replay a batch schedule); a ``TickConfig`` object
    shared by several agents shares its generator. ``policy``: None (commands come from
    ``step``), one callable for every agent, a list (registration order) or a dict keyed by
    agent id or class, of ``policy(observation, message)`` callables (``heron.core.policies``).
    ``seed``/``episode`` select the episode's random streams; ``horizon`` in seconds.
    """
    from heron.batch.interactive_args import interactive_arguments

    configs, policies = interactive_arguments(env_spec, timing, policy, horizon)
    return BatteryFleetEnv(env_spec, configs, policies, seed=seed, episode=episode,
                           horizon=horizon)
