"""``TimedParallelEnv``: any PettingZoo ``ParallelEnv`` with a fixed step under event-driven
timing (per-agent tick periods, observation delays, FIFO action delays, jitter), quantised to the
step. It is itself a ``ParallelEnv``.

    from heron.pettingzoo import TimedParallelEnv
    from heron.scheduling import TickConfig, JitterType

    env = TimedParallelEnv(my_parallel_env, dt=10.0,
                           timing=TickConfig(tick_interval=30.0, obs_delay=20.0, act_delay=15.0,
                                             jitter_type=JitterType.UNIFORM, jitter_ratio=0.2))
    obs, infos = env.reset(seed=7)
    while env.agents:
        actions = {a: policy(a, obs[a]) for a in env.ticking_agents()}
        obs, rewards, terminations, truncations, infos = env.step(actions)

The timing rules are ``heron.pettingzoo.quantise``'s (``docs/pettingzoo-timing.md``). From the
outside:

* ``step(actions)`` advances the inner env by exactly one step ``dt``, passing it every live
  agent's currently **held** action. An agent's entry in ``actions`` is taken only when the agent
  ticks at the current step (``ticking_agents()``, or ``infos[agent][info_key]["tick"]`` with
  ``info_key``); at other steps it is ignored. An agent that ticks without an entry makes a
  passive tick (no new command). Keys that are not agent ids raise ``ValueError``.
* ``observations`` (from ``reset`` and ``step``) are the delayed ones: for an agent ticking at the
  returned step, the inner env's observation from ``d_obs`` steps earlier; for an agent not
  ticking, the observation of its last tick (what its controller last sensed). Rewards,
  terminations, truncations and infos are the inner env's of the step just taken (not delayed).
* ``reset(seed=s, options={"episode": e, ...})`` seeds everything: the timing samples are the
  streams ``(s, e, agent index, Q_*)`` and the inner env is reset with ``inner_seed(s, e)``
  (``heron.pettingzoo.seeding``); ``options`` without ``"episode"`` go to the inner env (``e``
  defaults to 0). ``reset()`` without a seed runs the next episode ``e + 1`` of the last seed (a
  fresh entropy seed if none was given yet). Agent ``i`` is agent ``possible_agents[i]``.
* The initial held action of an agent is ``initial_actions[agent]`` when given, else a neutral
  action of its action space: zeros clipped into a ``Box``, ``start`` of a ``Discrete`` /
  ``MultiDiscrete``, zeros of a ``MultiBinary``.

Per-episode counters (``episode_stats()``), the current step (``step_index``, ``time``) and, with
``record=True``, a per-agent tick log (``tick_log``) are available for tests and evaluation.
"""
from __future__ import annotations

from collections import deque
from typing import Optional

import numpy as np
from pettingzoo.utils.wrappers import BaseParallelWrapper

from heron.pettingzoo.quantise import check_dt, max_delay_steps
from heron.pettingzoo.schedule import EpisodeSchedule, resolve_timing
from heron.pettingzoo.seeding import check_seed, fresh_seed, inner_seed

_NEVER = float("inf")


def neutral_action(space):
    """A neutral action of a Gymnasium ``space`` (see the module docstring); ``ValueError`` for
    other spaces (pass ``initial_actions=`` then)."""
    from gymnasium import spaces

    if isinstance(space, spaces.Box):
        return np.clip(np.zeros(space.shape, dtype=space.dtype), space.low, space.high)
    if isinstance(space, spaces.Discrete):
        return space.dtype.type(space.start)
    if isinstance(space, spaces.MultiDiscrete):
        return np.array(space.start, dtype=space.dtype, copy=True)
    if isinstance(space, spaces.MultiBinary):
        return np.zeros(space.shape, dtype=space.dtype)
    raise ValueError(f"no neutral action for a {type(space).__name__} action space: pass "
                     f"initial_actions={{agent: action}} to TimedParallelEnv")


def _copy_obs(obs):
    if isinstance(obs, np.ndarray):
        return obs.copy()
    if isinstance(obs, (dict, list, tuple)):
        import copy

        return copy.deepcopy(obs)
    return obs


class _Stats:
    """An agent's counters for one episode (staleness in whole steps)."""

    __slots__ = ("n_ticks", "n_effects", "obs_sum", "obs_max", "act_sum", "act_max")

    def __init__(self):
        self.n_ticks = self.n_effects = 0
        self.obs_sum = self.obs_max = self.act_sum = self.act_max = 0

    def as_dict(self) -> dict:
        return {s: getattr(self, s) for s in self.__slots__}


class TimedParallelEnv(BaseParallelWrapper):
    """A PettingZoo ``ParallelEnv`` run under step-quantised event-driven timing.

    Parameters
    ----------
    env : pettingzoo.ParallelEnv
        The inner env; one ``step`` of it lasts ``dt`` seconds.
    dt : float
        The inner env's step length in seconds (given by the user).
    timing : TickConfig, dict, str or None
        Per-agent timing (``heron.pettingzoo.schedule.resolve_timing``); None: lock-step.
    initial_actions : dict or None
        Held action of each agent before its first command lands (default: neutral).
    horizon_hint : float or None
        Seconds of ticks sampled at reset (more are sampled when needed; results do not depend
        on it). Default: 256 steps.
    info_key : str or None
        When set, ``infos[agent][info_key]`` = ``{"tick", "step", "obs_step"}`` (the inner info
        dicts are copied, never modified).
    record : bool
        Keep ``tick_log[agent]``: ``(k, tick_step, obs_step, effect_step or None)`` per tick.
    copy_observations : bool
        Copy the inner env's observations into the history (needed when an env reuses its
        arrays between steps; turn off for speed when it returns fresh ones).
    """

    def __init__(self, env, dt: float, timing=None, *, initial_actions: Optional[dict] = None,
                 horizon_hint: Optional[float] = None, info_key: Optional[str] = None,
                 record: bool = False, copy_observations: bool = True):
        super().__init__(env)
        self.dt = check_dt(dt)
        ids = list(env.possible_agents)
        if len(set(ids)) != len(ids):
            raise ValueError(f"possible_agents must be distinct; got {ids}")
        self._ids = ids
        self._index = {a: i for i, a in enumerate(ids)}
        self.configs = resolve_timing(ids, timing, self.dt)
        self.horizon_hint = 256 * self.dt if horizon_hint is None else float(horizon_hint)
        self.info_key = info_key
        self.record = bool(record)
        self._copy = bool(copy_observations)
        given = dict(initial_actions or {})
        unknown = [a for a in given if a not in self._index]
        if unknown:
            raise ValueError(f"initial_actions has unknown agent id(s) {unknown}; valid: {ids}")
        self._initial = [given[a] if a in given else neutral_action(env.action_space(a))
                         for a in ids]
        self._hist_len = 1 + max(max_delay_steps(c, self.dt, "obs_delay") for c in self.configs)
        meta = dict(getattr(env, "metadata", None) or {})
        meta["name"] = f"timed_{meta.get('name', type(env).__name__)}"
        self.metadata = meta
        self._seed = None
        self._episode = -1
        self.schedule = None
        self._n = 0

    # -- PettingZoo surface ------------------------------------------------------------------
    @property
    def possible_agents(self):
        return self.env.possible_agents

    @property
    def agents(self):
        return self.env.agents

    @property
    def unwrapped(self):
        return self.env.unwrapped

    def reset(self, seed: Optional[int] = None, options: Optional[dict] = None):
        options = dict(options) if options else {}
        episode = options.pop("episode", None)
        if seed is not None:
            self._seed = check_seed(seed)
            self._episode = 0 if episode is None else check_seed(episode, "options['episode']")
        else:
            if self._seed is None:
                self._seed = fresh_seed()
            self._episode = (self._episode + 1 if episode is None
                             else check_seed(episode, "options['episode']"))
        obs, infos = self.env.reset(seed=inner_seed(self._seed, self._episode),
                                    options=options or None)
        self.schedule = EpisodeSchedule(self.configs, self.dt, self._seed, self._episode,
                                        self.horizon_hint)
        n_agents = len(self._ids)
        self._n = 0
        self._hist = deque(maxlen=self._hist_len)
        self._hist.append(self._store(obs))
        self._first_seen = [0 if a in obs else None for a in self._ids]
        self._ptr = [0] * n_agents
        self._next = [0] * n_agents
        for i in range(n_agents):
            self._set_next(i)
        self._held = [(a.copy() if isinstance(a, np.ndarray) else a) for a in self._initial]
        self._fifo = [deque() for _ in range(n_agents)]
        self._next_effect = [_NEVER] * n_agents
        self._last_effect = [-1] * n_agents
        self._stats = [_Stats() for _ in range(n_agents)]
        self._served: dict = {}
        self._served_step = [0] * n_agents
        self.tick_log = {a: [] for a in self._ids}
        self._now = []
        self._find_ticks(obs)
        return self._out_obs(obs), self._out_infos(infos)

    def step(self, actions: dict):
        if self.schedule is None:
            raise RuntimeError("call reset() before step()")
        index = self._index
        for a in actions:
            if a not in index:
                raise ValueError(f"actions has unknown agent id {a!r}; valid: {self._ids}")
        n = self._n
        sched = self.schedule.agents
        live = self.env.agents
        for i, j, m in self._now:  # agents ticking at step n: (index, kept tick, obs step)
            a = self._ids[i]
            if a not in live:
                continue
            st = self._stats[i]
            st.n_ticks += 1
            age = n - m
            st.obs_sum += age
            if age > st.obs_max:
                st.obs_max = age
            e = None
            if a in actions:
                e = n + sched[i].act[j]
                if e < self._last_effect[i]:
                    e = self._last_effect[i]  # first in, first out
                self._last_effect[i] = e
                self._fifo[i].append((e, actions[a], m))
                if self._next_effect[i] == _NEVER:
                    self._next_effect[i] = e
            if self.record:
                self.tick_log[a].append((sched[i].k[j], n, m, e))
        for i in range(len(self._ids)):
            if self._next_effect[i] <= n:
                q = self._fifo[i]
                st = self._stats[i]
                while q and q[0][0] <= n:
                    e, act, m = q.popleft()
                    self._held[i] = act
                    st.n_effects += 1
                    age = e - m
                    st.act_sum += age
                    if age > st.act_max:
                        st.act_max = age
                self._next_effect[i] = q[0][0] if q else _NEVER
        held = self._held
        joint = {a: held[index[a]] for a in live}
        obs, rewards, terminations, truncations, infos = self.env.step(joint)
        self._n = n + 1
        self._hist.append(self._store(obs))
        for a in obs:
            i = index.get(a)
            if i is not None and self._first_seen[i] is None:
                self._first_seen[i] = self._n
        self._find_ticks(obs)
        return self._out_obs(obs), rewards, terminations, truncations, self._out_infos(infos)

    # -- timing state --------------------------------------------------------------------------
    @property
    def step_index(self) -> int:
        """Inner steps taken since reset (the current step ``n``)."""
        return self._n

    @property
    def time(self) -> float:
        """Current simulated time ``n * dt`` (s)."""
        return self._n * self.dt

    @property
    def episode_key(self) -> tuple:
        """``(seed, episode)`` of the current episode (its timing streams)."""
        return self._seed, self._episode

    def ticking_agents(self) -> list:
        """Live agents that tick at the current step (their next ``step`` entry is taken), in
        agent index order."""
        live = self.env.agents
        return [a for a in (self._ids[i] for i, _, _ in self._now) if a in live]

    def ticking(self, agent) -> bool:
        """Whether ``agent`` (live) ticks at the current step."""
        i = self._index[agent]
        return agent in self.env.agents and any(i == t[0] for t in self._now)

    def held_action(self, agent):
        """The action the inner env receives for ``agent`` at the current step, before any
        command issued at this step lands."""
        return self._held[self._index[agent]]

    def episode_stats(self) -> dict:
        """``{agent: {n_ticks, n_effects, obs_sum, obs_max, act_sum, act_max}}`` so far:
        ticks taken by ``step`` and commands landed, staleness sums and maxima in whole steps
        (observation: ``n_k - m_k`` per tick; action: ``e_k - m_k`` per landed command)."""
        return {a: self._stats[i].as_dict() for i, a in enumerate(self._ids)}

    # -- internals -----------------------------------------------------------------------------
    def _store(self, obs):
        if not self._copy:
            return obs
        return {a: _copy_obs(o) for a, o in obs.items()}

    def _set_next(self, i: int) -> None:
        ag = self.schedule.agents[i]
        p = self._ptr[i]
        self._next[i] = ag.step[p] if p < len(ag.step) else ag.covered

    def _find_ticks(self, obs) -> None:
        """Which agents of ``obs`` (the live ones and those that just finished) tick at the
        current step; serve their observations."""
        n = self._n
        now = []
        index = self._index
        for a in obs:
            i = index.get(a)
            if i is None or n < self._next[i]:
                continue
            ag = self.schedule.agents[i]
            while True:
                p = self._ptr[i]
                while p < len(ag.step) and ag.step[p] < n:
                    p += 1  # ticks at steps the agent missed (not live then) are skipped
                self._ptr[i] = p
                if p < len(ag.step) or n < ag.covered:
                    break
                self.schedule.extend()
                ag = self.schedule.agents[i]
            if p < len(ag.step) and ag.step[p] == n:
                m = n - ag.obs[p]
                first = self._first_seen[i]
                if m < first:
                    m = first
                self._served[a], m = self._obs_at(a, m)
                self._served_step[i] = m
                now.append((i, p, m))
                self._ptr[i] = p + 1
            self._set_next(i)
        now.sort()
        self._now = now

    def _obs_at(self, agent, m: int):
        """The inner observation of ``agent`` after step ``m`` (the first later one holding the
        agent when it was absent), and that step."""
        hist = self._hist
        base = self._n - len(hist) + 1
        if m < base:  # cannot happen: the history is longer than any delay (quantise bound)
            raise RuntimeError(f"observation of step {m} requested at step {self._n} but only "
                               f"steps >= {base} are kept")
        for s in range(m, self._n + 1):
            o = hist[s - base]
            if agent in o:
                return o[agent], s
        raise KeyError(agent)

    def _out_obs(self, obs) -> dict:
        served = self._served
        return {a: served[a] if a in served else o for a, o in obs.items()}

    def _out_infos(self, infos):
        if self.info_key is None:
            return infos
        ticking = {i for i, _, _ in self._now}
        out = {}
        for a, info in infos.items():
            i = self._index.get(a)
            info = dict(info)
            if i is not None:
                info[self.info_key] = {"tick": i in ticking, "step": self._n,
                                       "obs_step": self._served_step[i]}
            out[a] = info
        return out

    def __repr__(self) -> str:
        return f"TimedParallelEnv({self.env!r}, dt={self.dt:g})"
