"""The traffic-signal corridor as Python agents: the interactive form of
``heron.demo_envs.traffic_corridor``.

``build_interactive(env_spec, timing=None, *, policy=None, seed=0, episode=0, horizon=None)``
(attached to the spec with ``BatchEnv.attach_interactive``, called by
``spec.interactive_env(...)``) returns a ``TrafficCorridorEnv``: a ``PettingZooParallelEnv`` whose
agents are ``SignalController`` field agents (``signal_1 .. signal_n``; action in [0, 1], >= 0.5
requests the main street) and, with ``coordinator=True``, a ``CorridorCoordinator`` sending one
main-street weight per signal through ``SetpointProtocol(low=0, high=1)``. The agents run on the
event-driven core (``heron.envs.base``): their own jittered clocks, delayed observations, FIFO
command and message channels. What the batch kernel does with the spec, this env does event by
event, so the two engines are tested equal:

* physics: the spec's own env functions (``traffic.compiled``: ``init``, ``observe``, ``effect``,
  ``advance``, ``disturb``, the metrics), called on a one-episode state array. ``advance_to(t)``
  integrates the closed form up to each event's time with the commands held (zero-order hold);
  the batch kernel integrates the same functions over its own, different, sequence of intervals
  (it also stops at every observation sample), so agreement tests that the engines order and time
  events alike and that ``advance`` is exact under any split.
* delayed observations: a copy of the state is kept after every change (command landed,
  disturbance); the observation as of ``S`` is the last copy strictly before ``S`` integrated
  forward to ``S`` (``own_observation_history``: the core takes no snapshots of its own).
* returns: minus the vehicle-seconds accumulated by ``advance`` (a signal: its intersection's
  main and side queues; the coordinator: the corridor's), the integral the batch engine's
  ``reward_integral`` sums interval by interval.
* spillback alarms (under a coordinator): one edge-triggered ``ConditionMonitor`` per signal
  (source: the signal, agent: the coordinator) firing when an observed queue exceeds
  ``spillback_queue`` veh, as the spec's ``trigger``; the core delivers it after the signal's
  message delay and runs the coordinator's out-of-cycle tick (``heron.envs.irregular``).
* bursts: ``DisturbanceSchedule.poisson`` with the spec's mean spacing, applying the spec's
  ``disturb`` (its sizes and intersections come from the episode's streams).
* ``reset(seed=s, options={"episode": e})`` draws initial state, timing (``use_streams``) and
  disturbances from the streams of ``(s, e)``: the batch engine's episode ``e`` of seed ``s``.

Policies: ``policy(observation, message)``; a signal's observation is ``[qm, qs, phase,
elapsed]`` as of ``S`` and, under a coordinator, the latest weight is the message. ``step(actions)``
hands commands to the agents' next ticks and advances one period ``dt`` (s); ``run()`` runs to the
horizon with the agents' policies; ``episode_metrics()`` and ``metric_rows()`` give the batch
engine's per-agent columns. Times are float64 seconds.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from heron.demo_envs.traffic.agents import CorridorCoordinator, SignalController
from heron.envs.adapters import PettingZooParallelEnv
from heron.envs.history import SnapshotHistory
from heron.scheduling import ConditionMonitor, DisturbanceSchedule


class TrafficCorridorEnv(PettingZooParallelEnv):
    """The corridor on the event-driven core (see the module docstring).

    Parameters
    ----------
    spec : heron.batch.env.BatchEnv
        The corridor's batch spec (``heron.demo_envs.traffic_corridor(...)``).
    configs : list of TickConfig
        One per agent (registration order).
    policies : list
        One per agent: ``policy(observation, message)`` or None (commands come from ``step``).
    seed, episode : int
        The counter-based streams of the episode (initial state, timing, bursts).
    horizon : float
        Episode length (s).
    """

    metadata = {"name": "heron_traffic_corridor_v0", "render_modes": []}
    own_observation_history = True  # state copies after every change (see delayed_observation)

    def __init__(self, spec, configs, policies, *, seed: int = 0, episode: int = 0,
                 horizon: Optional[float] = None):
        super().__init__(env_id=f"traffic_corridor_{spec.n_units}")
        self.spec = spec
        self.n = n = int(spec.n_units)
        self.horizon = float(spec.horizon if horizon is None else horizon)
        self.dt = float(spec.dt)
        self.msg_init = float(spec.msg_init)
        self.seed, self.episode = int(seed), int(episode)
        self._p = spec.p
        f = spec.functions
        self._f_init, self._f_observe, self._f_effect = f["init"], f["observe"], f["effect"]
        self._f_advance, self._f_disturb = f["advance"], f["disturb"]
        self._metric_fns = list(spec.metrics.values())
        self.st = np.zeros((1, n), dtype=spec.state_dtype)
        self._t = 0.0
        self._act = np.zeros(1)
        specs = spec.agents
        self._dims = [a.obs_env_dim for a in specs]
        self.signals = [SignalController(specs[u].id, self, u, specs[u].obs_dim, configs[u],
                                         policies[u]) for u in range(n)]
        coord = int(self._p.coord)
        self.coordinator = None
        agents = list(self.signals)
        if coord >= 0:
            self.coordinator = CorridorCoordinator(specs[coord].id, self, coord, self.signals,
                                                   configs[coord], policies[coord])
            agents.append(self.coordinator)
        for a in agents:
            self.register_agent(a)
        self._agent_list = agents
        self._index = {a.agent_id: i for i, a in enumerate(agents)}
        self._set_agent_ids([a.agent_id for a in agents])
        self._init_spaces(action_spaces={a.agent_id: a.action_space for a in agents},
                          observation_spaces={a.agent_id: a.observation_space for a in agents})
        self.uses_after_decision = False
        if self.coordinator is not None:
            spill = float(self._p.spill)
            for sig in self.signals:
                self.register_condition(ConditionMonitor(
                    f"spillback_{sig.agent_id}", self.coordinator.agent_id,
                    lambda obs, _s=spill: max(obs[0], obs[1]) > _s, source=sig.agent_id,
                    edge_triggered=True))
        if spec.disturbance_mean > 0.0:
            self.add_disturbances(DisturbanceSchedule.poisson(mean_spacing=spec.disturbance_mean),
                                  handler=self._burst)
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
        """Timing streams and the scheduler restarted, initial state from the episode's
        streams, its first copy kept."""
        self.use_streams(self.seed, self.episode)
        self.reset_event_driven(0.0)
        self._f_init(self.st, 0, self._p, self.seed, self.episode)
        self._t = t0 = self._t_start
        self._hist = SnapshotHistory(self.observation_window)
        self._hist.record_initial(t0, self.st.copy())

    # -- physics hooks -------------------------------------------------------------------------
    def advance_to(self, t: float) -> None:
        """Integrate the corridor up to ``t`` (s) with the commands held (the spec's
        ``advance``, closed form)."""
        dt = t - self._t
        if dt > 0.0:
            self._f_advance(self.st, 0, self._p, dt)
            self._t = t

    def _changed(self) -> None:
        """Keep a copy of the state after a change at the current time."""
        self._hist.record(self._t, self.st.copy())

    def _apply_action(self, agent_id, action) -> None:
        """A signal's command landed: the spec's ``effect``."""
        self._act[0] = float(action.item(0))
        self._f_effect(self.st, 0, self._p, self._index[agent_id], self._act)
        self._changed()

    def _burst(self, disturbance) -> None:
        """Disturbance number ``disturbance.index``: the spec's ``disturb``."""
        self._f_disturb(self.st, 0, self._p, self.seed, self.episode, disturbance.index)
        self._changed()

    def observe_agent(self, index: int, st=None) -> np.ndarray:
        """Agent ``index``'s env observation (float64) of the live state (or of ``st``)."""
        out = np.empty(self._dims[index])
        self._f_observe(self.st if st is None else st, 0, self._p, index, out)
        return out

    def delayed_observation(self, agent_id: str, s: float) -> np.ndarray:
        """The agent's env observation as of ``s`` (s): the last state copy strictly before
        ``s`` (events at ``s`` come after an observation sample at ``s``), integrated forward to
        ``s`` with the commands held."""
        t_e, snap = self._hist.before(s)
        if s > t_e:
            snap = snap.copy()
            self._f_advance(snap, 0, self._p, s - t_e)
        return self.observe_agent(self._index[agent_id], snap)

    @property
    def returns(self) -> list:
        """Per agent (registration order): the return so far (veh x s, <= 0): minus the
        vehicle-seconds queued at the signal's intersection, the corridor's for the
        coordinator."""
        row = self.st[0]
        per = (row["main_delay"] + row["side_delay"]).tolist()
        out = [-d for d in per]
        if self.coordinator is not None:
            out.append(-float(np.sum(row["main_delay"]) + np.sum(row["side_delay"])))
        return out

    def _metrics(self, i: int) -> list:
        return [float(m(self.st, 0, self._p, i)) for m in self._metric_fns]

    # -- PettingZoo API ------------------------------------------------------------------------
    def policy_observation(self, agent_id: str) -> np.ndarray:
        """Live observation as a policy sees it: env part, then the weight under a coordinator
        (``msg_init`` before the first delivery)."""
        agent = self.get_agent(agent_id)
        obs = agent.observe()
        if agent is not self.coordinator and self.coordinator is not None:
            msg = agent.latest_message
            obs = np.append(obs, self.msg_init if msg is None else float(msg.content[0]))
        return obs

    def _observations(self) -> dict:
        return {aid: self.policy_observation(aid) for aid in self.agents}

    def step(self, actions):
        """Hand ``actions`` (agent id -> command) to the agents' next ticks and advance one
        period ``dt`` (s). Returns observations, rewards (the return accrued over the period,
        veh x s), terminations, truncations (at the horizon) and infos, PettingZoo style."""
        if actions:
            self.set_pending_actions(actions)
        before = self.returns
        t_end = min(self.scheduler.current_time + self.dt, self.horizon)
        self.run_event_driven(t_end)
        done = self.scheduler.current_time >= self.horizon
        ids = list(self.agents)
        after = self.returns
        obs = {aid: self.policy_observation(aid) for aid in ids}
        rewards = {aid: after[self._index[aid]] - before[self._index[aid]] for aid in ids}
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
        obs_staleness_sum, obs_staleness_max, act_staleness_sum, act_staleness_max)`` as the
        batch kernel stores them, then the env's metrics in declaration order."""
        rows = []
        returns = self.returns
        for i, a in enumerate(self._agent_list):
            rt = self._rt[a.agent_id]
            rows.append((returns[i], rt.n_ticks, rt.n_effects, rt.n_messages,
                         rt.obs_staleness_sum, rt.obs_staleness_max, rt.act_staleness_sum,
                         rt.act_staleness_max, *self._metrics(i)))
        return rows

    def episode_metrics(self) -> dict:
        """Per agent: ``return`` (veh x s), ``n_ticks``, ``n_effects``, ``n_messages``, staleness
        sums/means/maxima (s) and the env's metrics (``main_delay_veh_s``, ``side_delay_veh_s``,
        ``throughput_veh``, ``phase_changes``), as the batch engine reports them."""
        stats = self.timing_stats()
        returns = self.returns
        names = self.spec.metric_names
        out = {}
        for i, a in enumerate(self._agent_list):
            d = dict(stats[a.agent_id])
            d["return"] = returns[i]
            d.update(zip(names, self._metrics(i)))
            out[a.agent_id] = d
        return out


def build_interactive(env_spec, timing=None, *, policy=None, seed: int = 0, episode: int = 0,
                      horizon: Optional[float] = None) -> TrafficCorridorEnv:
    """The interactive form of the corridor spec ``env_spec`` (for
    ``BatchEnv.attach_interactive``).

    ``timing``: as ``heron.batch.timing.resolve_timing`` accepts (e.g. a ``ScheduledTickConfig``
    per agent id to replay a batch schedule). ``policy``: None (commands come from ``step``), one
    callable for every agent, a list (registration order) or a dict keyed by agent id or class,
    of ``policy(observation, message)`` callables. ``seed``/``episode`` select the episode's
    random streams; ``horizon`` in seconds.
    """
    from heron.batch.interactive_args import interactive_arguments

    configs, policies = interactive_arguments(env_spec, timing, policy, horizon)
    return TrafficCorridorEnv(env_spec, configs, policies, seed=seed, episode=episode,
                              horizon=horizon)
