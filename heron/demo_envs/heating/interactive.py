"""The heating house as Python agents: the interactive form of ``heron.demo_envs.heating_house``.

``build_interactive(env_spec, timing=None, *, policy=None, seed=0, episode=0, horizon=None)``
(attached to the spec with ``BatchEnv.attach_interactive``, called by
``spec.interactive_env(...)``) returns a ``HeatingHouseEnv``: a ``PettingZooParallelEnv`` whose
agents are the Python agents of ``heron.demo_envs.heating.agents`` (thermostats, and the vent,
zone coordinator and floor controller the spec has), registered in the spec's order, on heron's
event-driven core (``heron.envs.base``). What the batch kernels do, this env does with the
core's own machinery, so the two engines are tested equal (``tests/demo_envs``):

* physics: the spec's compiled functions (``heron.demo_envs.heating.compiled``) on a one-row
  state array: ``advance_to(t)`` adds every agent's exact ``reward_integral`` over the interval,
  then ``advance`` s (zero-order hold, split at the weather's breakpoints); a landed command
  calls ``effect``. The state after every change (command, disturbance) is kept in a
  ``SnapshotHistory``: a delayed observation is the last state strictly before ``S`` advanced to
  ``S`` (``own_observation_history``), as the batch engine samples the state at ``S``;
* alarms: per thermostat, edge-triggered ``ConditionMonitor`` s (``heron.scheduling.monitors``;
  source = the thermostat, so an alarm travels with the thermostat's message delay) above
  ``t_hot`` for the vent and below ``t_cold`` for the coordinator, the rule of the compiled
  ``trigger``; an arriving alarm makes its agent observe at once and tick out of cycle with the
  episode's ``Q_OOC_*`` delay samples (``heron.envs.irregular``). (The batch engine keeps one
  sender's alarms first-in first-out per sender, the core per link: they differ only when a
  thermostat's message delay varies by more than its tick interval.)
* disturbances: a Poisson ``DisturbanceSchedule`` with the spec's mean spacing, applied by the
  compiled ``disturb`` with the disturbance's number (the same streams as the batch engine);
* initial state: the compiled ``init`` for ``(seed, episode)``, so ``reset(seed=s,
  options={"episode": e})`` is the batch engine's episode ``e`` of seed ``s``, timing included
  (``use_streams``).

Policies: an agent's policy is called as ``policy(observation, message)``. ``step(actions)``
hands commands to the agents' next ticks and advances ``dt`` seconds (rewards: the returns'
increments, K^2 h); ``run()`` runs to the horizon with the agents' policies; ``metric_rows()`` and
``episode_metrics()`` report what the batch engine reports. Times in seconds, temperatures degC.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from numba import njit

from heron.demo_envs.heating.agents import FloorController, Thermostat, Vent, ZoneCoordinator
from heron.demo_envs.heating.compiled import advance, observe, reward_integral
from heron.envs.adapters import PettingZooParallelEnv
from heron.envs.history import SnapshotHistory
from heron.scheduling.disturbances import DisturbanceSchedule
from heron.scheduling.monitors import ConditionMonitor


@njit(cache=True)
def _accrue_advance(st, p, ret, dt):
    """Add every agent's exact reward over ``dt`` s to ``ret``, then advance row 0 by ``dt``."""
    for i in range(ret.shape[0]):
        ret[i] += reward_integral(st, 0, p, i, dt)
    advance(st, 0, p, dt)


@njit(cache=True)
def _observe_at(snap, p, agent, dt, out):
    """Observation of ``agent`` after advancing a copy of the one-row state ``snap`` by ``dt``."""
    st = snap.copy()
    if dt > 0.0:
        advance(st, 0, p, dt)
    observe(st, 0, p, agent, out)


class HeatingHouseEnv(PettingZooParallelEnv):
    """The heating house on the event-driven core (see the module docstring).

    Parameters
    ----------
    spec : heron.batch.env.BatchEnv
        The house's batch spec (``heron.demo_envs.heating_house(...)``).
    configs : list of TickConfig
        One per agent (registration order).
    policies : list
        One per agent: ``policy(observation, message)`` or None (commands come from ``step``).
    seed, episode : int
        The counter-based streams of the episode (initial state, disturbances, timing).
    horizon : float
        Episode length (s).
    """

    metadata = {"name": "heron_heating_house_v0", "render_modes": []}
    own_observation_history = True  # delayed observations: the state history (module docstring)

    def __init__(self, spec, configs, policies, *, seed: int = 0, episode: int = 0,
                 horizon: Optional[float] = None):
        super().__init__(env_id="heating_house")
        from heron.demo_envs.heating import compiled as nb

        self.spec = spec
        self.p = p = spec.p
        self.n = n = int(p.n)
        self.horizon = float(spec.horizon if horizon is None else horizon)
        self.dt = float(spec.dt)
        self.msg_init = float(spec.msg_init)
        self.seed, self.episode = int(seed), int(episode)
        self._nb = nb
        self.st = np.zeros((1, n), dtype=spec.state_dtype)
        specs = spec.agents
        self._index = {a.id: i for i, a in enumerate(specs)}
        self._obs_buf = [np.empty(a.obs_env_dim) for a in specs]
        self._has_parent = [a.parent >= 0 for a in specs]
        agents = []
        for u in range(n):
            agents.append(Thermostat(specs[u].id, self, u, specs[u].obs_dim, configs[u],
                                     policies[u]))
        i_vent, i_coord, i_floor = int(p.vent), int(p.coord), int(p.floor)
        vent = coord = None
        if i_vent >= 0:
            vent = Vent(specs[i_vent].id, self, i_vent, specs[i_vent].obs_dim, configs[i_vent],
                        policies[i_vent])
            agents.append(vent)
        if i_coord >= 0:
            lo, hi = specs[i_coord].act_low[0], specs[i_coord].act_high[0]
            coord = ZoneCoordinator(specs[i_coord].id, self, i_coord, specs[i_coord].obs_dim,
                                    agents[:n], lo, hi, configs[i_coord], policies[i_coord])
            agents.append(coord)
        if i_floor >= 0:
            lo, hi = specs[i_floor].act_low[0], specs[i_floor].act_high[0]
            subs = [a for a in (coord, vent) if a is not None]
            slots = {a.agent_id: specs[a.index].child_slot for a in subs}
            agents.append(FloorController(specs[i_floor].id, self, i_floor,
                                          specs[i_floor].obs_dim, subs, slots, lo, hi,
                                          configs[i_floor], policies[i_floor]))
        agents.sort(key=lambda a: a.index)  # the spec's registration order
        for a in agents:
            self.register_agent(a)
        self._agent_list = agents
        self._set_agent_ids([a.agent_id for a in agents])
        self._init_spaces(action_spaces={a.agent_id: a.action_space for a in agents},
                          observation_spaces={a.agent_id: a.observation_space for a in agents})
        for u in range(n):  # the compiled trigger's alarms (module docstring)
            tid = agents[u].agent_id
            if vent is not None:
                self.register_condition(ConditionMonitor.threshold(
                    f"hot_{tid}", vent.agent_id, [0], float(p.t_hot), direction="above",
                    source=tid, edge_triggered=True))
            if coord is not None:
                self.register_condition(ConditionMonitor.threshold(
                    f"cold_{tid}", coord.agent_id, [0], float(p.t_cold), direction="below",
                    source=tid, edge_triggered=True))
        if spec.disturbance_mean > 0.0:
            self.add_disturbances(DisturbanceSchedule.poisson(mean_spacing=spec.disturbance_mean),
                                  handler=self._disturb)
        self.returns_array = np.zeros(len(agents))
        self._t_state = 0.0
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
        """``reset`` without building the observations (None keeps the current value)."""
        for name, v in (("seed", seed), ("episode", episode)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))
                                  or v < 0):
                raise ValueError(f"{name} must be a non-negative int; got {v!r}")
        if seed is not None:
            self.seed = int(seed)
        if episode is not None:
            self.episode = int(episode)
        self._pending_actions.clear()
        self._new_episode()
        self.agents = self.possible_agents

    def _new_episode(self) -> None:
        self._nb.init(self.st, 0, self.p, self.seed, self.episode)
        self.returns_array[:] = 0.0
        self.use_streams(self.seed, self.episode)  # timing, OOC delays, disturbance times
        self.reset_event_driven(0.0)
        self._t_state = self._t_start
        self._hist = SnapshotHistory(self.observation_window)
        self._hist.record_initial(self._t_start, self.st.copy())

    # -- physics hooks -------------------------------------------------------------------------
    def advance_to(self, t: float) -> None:
        """Rewards over ``[last, t]`` (exact integrals), then the physics to ``t`` (s)."""
        dt = t - self._t_state
        if dt > 0.0:
            _accrue_advance(self.st, self.p, self.returns_array, dt)
            self._t_state = t

    def _record(self) -> None:
        self._hist.record(self._t_state, self.st.copy())

    def _apply_action(self, agent_id, action) -> None:
        i = self._index[agent_id]
        a = np.ascontiguousarray(action, dtype=np.float64).reshape(-1)
        self._nb.effect(self.st, 0, self.p, i, a)
        self._record()

    def _disturb(self, d) -> None:
        self._nb.disturb(self.st, 0, self.p, self.stream_seed, self.stream_episode, d.index)
        self._record()

    def observe_agent(self, index: int) -> np.ndarray:
        """Agent ``index``'s live env observation (float64, a fresh array)."""
        out = np.empty(self.spec.agents[index].obs_env_dim)
        self._nb.observe(self.st, 0, self.p, index, out)
        return out

    def delayed_observation(self, agent_id: str, s: float) -> np.ndarray:
        """The agent's env observation as of ``s`` (s): the last recorded state strictly before
        ``s``, advanced to ``s`` with the commands it holds."""
        i = self._index[agent_id]
        t_e, snap = self._hist.before(s)
        out = np.empty(self.spec.agents[i].obs_env_dim)
        _observe_at(snap, self.p, i, s - t_e, out)
        return out

    @property
    def returns(self) -> list:
        """Per agent (registration order): the return so far (K^2 h), the time integral of the
        agent's reward rate, as the batch engine's ``reward_integral`` computes it."""
        return self.returns_array.tolist()

    def run(self) -> int:
        """Run the rest of the episode to the horizon with the agents' policies; returns the
        number of events handled."""
        return self.run_event_driven(self.horizon)

    # -- PettingZoo API ------------------------------------------------------------------------
    def policy_observation(self, agent_id: str) -> np.ndarray:
        """Live observation as a policy sees it: the env part, then (for an agent with a
        parent) its latest setpoint (``msg_init`` before the first delivery)."""
        i = self._index[agent_id]
        obs = self.observe_agent(i)
        if self._has_parent[i]:
            msg = self._agent_list[i].latest_message
            obs = np.append(obs, self.msg_init if msg is None else float(msg.content[0]))
        return obs

    def _observations(self) -> dict:
        return {aid: self.policy_observation(aid) for aid in self.agents}

    def step(self, actions):
        """Hand ``actions`` (agent id -> command) to the agents' next ticks and advance ``dt``
        seconds. Returns observations, rewards (the returns' increments over the step, K^2 h),
        terminations, truncations (at the horizon) and infos, PettingZoo style."""
        if actions:
            self.set_pending_actions(actions)
        before = self.returns_array.copy()
        t_end = min(self.scheduler.current_time + self.dt, self.horizon)
        self.run_event_driven(t_end)
        done = self.scheduler.current_time >= self.horizon
        ids = list(self.agents)
        obs = {aid: self.policy_observation(aid) for aid in ids}
        gain = self.returns_array - before
        rewards = {aid: float(gain[self._index[aid]]) for aid in ids}
        infos = {aid: {"time": self.scheduler.current_time} for aid in ids}
        if done:
            self.agents = []
        return (obs, rewards, {aid: False for aid in ids}, {aid: done for aid in ids}, infos)

    def metric_rows(self) -> list:
        """Per agent (registration order): ``(return, n_ticks, n_effects, n_messages,
        obs_staleness_sum, obs_staleness_max, act_staleness_sum, act_staleness_max)`` as the
        batch kernel stores them, then the env's metrics in declaration order."""
        rows = []
        metrics = list(self.spec.metrics.values())
        for i, a in enumerate(self._agent_list):
            rt = self._rt[a.agent_id]
            rows.append((float(self.returns_array[i]), rt.n_ticks, rt.n_effects, rt.n_messages,
                         rt.obs_staleness_sum, rt.obs_staleness_max, rt.act_staleness_sum,
                         rt.act_staleness_max)
                        + tuple(float(m(self.st, 0, self.p, i)) for m in metrics))
        return rows

    def episode_metrics(self) -> dict:
        """Per agent id: ``return`` (K^2 h), the timing statistics (``timing_stats``: ticks,
        effects, message rounds, staleness in s) and the env's metrics (``energy_kwh``,
        ``comfort_k2h``, ``temp_min``, ``temp_max``)."""
        stats = self.timing_stats()
        out = {}
        for i, a in enumerate(self._agent_list):
            d = dict(stats[a.agent_id])
            d["return"] = float(self.returns_array[i])
            for name, m in self.spec.metrics.items():
                d[name] = float(m(self.st, 0, self.p, i))
            out[a.agent_id] = d
        return out


def build_interactive(env_spec, timing=None, *, policy=None, seed: int = 0, episode: int = 0,
                      horizon: Optional[float] = None) -> HeatingHouseEnv:
    """The interactive form of the heating house spec ``env_spec`` (for
    ``BatchEnv.attach_interactive``).

    ``timing``: as ``heron.batch.timing.resolve_timing`` accepts (e.g. a ``ScheduledTickConfig``
    per agent id to replay a batch schedule). ``policy``: None (commands come from ``step``), one
    callable for every agent, a list (registration order) or a dict keyed by agent id or class,
    of ``policy(observation, message)`` callables. ``seed``/``episode`` select the episode's
    random streams; ``horizon`` in seconds (default: the spec's).
    """
    from heron.batch.interactive_args import interactive_arguments

    configs, policies = interactive_arguments(env_spec, timing, policy, horizon)
    return HeatingHouseEnv(env_spec, configs, policies, seed=seed, episode=episode,
                           horizon=horizon)
