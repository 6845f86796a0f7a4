"""Schedules: the timing samples of a chunk of episodes, and how to replay them interactively.

``build_schedule(env, timing, n_episodes=..., seed=...)`` fills a ``Schedule`` with every agent's
tick times ``T[k]`` and delay samples ``I[k], O[k], A[k], M[k]`` (``heron._fast.schedule_nb``
states the contract; all times in seconds). ``Schedule.to_frame()`` is a tidy pandas view (one row
per tick at or before the horizon). ``Schedule.tick_config(episode, agent)`` returns a
``ScheduledTickConfig``: a ``TickConfig`` for the interactive engine that replays those samples,
which is how the interactive and batch engines are compared on identical timing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from heron._fast.dtypes import schedule_tick_dt
from heron._fast.jitter import MIN_INTERVAL
from heron.scheduling.tick_config import TickConfig

_GROWTH_LIMIT = 1 << 24


def initial_capacities(timing_arr, horizon: float, t_start: float) -> list:
    """Ticks stored per agent before regrowth: expected count x 1.25 + 8, from each agent's
    tick interval (s). ``timing_arr``: one ``agent_timing_dt`` record per agent, or a
    per-episode table ``(rows, agents)``, whose shortest interval per agent is used so the
    capacity covers every episode of the chunk (1 s for a table without rows)."""
    ti = timing_arr["tick_interval"]
    if ti.ndim == 2:
        ti = ti.min(axis=0) if ti.shape[0] else np.ones(ti.shape[1])
    n0 = np.floor(max(horizon - t_start, 0.0) / ti) + 1
    return [int(c) + 8 for c in np.ceil(n0 * 1.25)]


def fill(timing_arr, seed: int, episode_start: int, n_episodes: int, horizon: float,
         t_start: float = 0.0, caps=None, buffers: dict | None = None, full: bool = True):
    """Fill schedule arrays for episodes ``[episode_start, episode_start + n_episodes)``.
    ``timing_arr``: one ``agent_timing_dt`` record per agent (shape ``(n_agents,)``), or one row
    per episode of the chunk (shape ``(n_episodes, n_agents)``: per-episode timing, row ``r`` for
    episode ``episode_start + r``).
    Returns ``(sched, n_ticks, offsets, lag)``; capacities grow until every tick at or before
    the horizon is stored (with one more after it); ``lag`` is the largest number of observation
    samples of one agent taken but not yet consumed by their ticks (the kernels' rings need more
    slots than this). ``buffers`` (a dict kept by the caller) lets
    successive chunks reuse the arrays and the grown capacities (results do not depend on
    either: samples are pure functions). ``full=False`` (the kernels) leaves each agent's
    entries after its first tick beyond the horizon unwritten."""
    from heron._fast.schedule_nb import fill_schedule_nb, fill_schedule_table_nb
    from heron.batch.threads import run_rows

    per_episode = timing_arr.ndim == 2
    if per_episode and timing_arr.shape[0] != n_episodes:
        raise ValueError(f"per-episode timing must have one row per episode: expected "
                         f"{n_episodes} rows, got {timing_arr.shape[0]}")
    n_agents = timing_arr.shape[-1]
    if caps is None:
        caps = (buffers or {}).get("caps") or initial_capacities(timing_arr, horizon, t_start)
    caps = list(caps)
    kernel = fill_schedule_table_nb if per_episode else fill_schedule_nb
    while True:
        offsets = np.zeros(n_agents + 1, dtype=np.int64)
        offsets[1:] = np.cumsum(caps)
        key = ("sched", n_episodes, tuple(caps))
        if buffers is not None and key in buffers:
            sched, n_ticks, need, lag = buffers[key]
        else:
            sched = np.empty((n_episodes, int(offsets[-1])), dtype=schedule_tick_dt)
            n_ticks = np.zeros((n_episodes, n_agents), dtype=np.int64)
            need = np.zeros(n_episodes, dtype=np.int64)
            lag = np.zeros(n_episodes, dtype=np.int64)
            if buffers is not None:
                for k in [k for k in buffers if k != "caps" and k[0] == "sched"]:
                    del buffers[k]
                buffers[key] = (sched, n_ticks, need, lag)
        bad = sum(run_rows(kernel, (sched, n_ticks, need, lag, offsets, timing_arr, int(seed),
                                    int(episode_start), float(horizon), float(t_start),
                                    bool(full)), n_episodes))
        if bad == 0:
            if buffers is not None:
                buffers["caps"] = caps
            return sched, n_ticks, offsets, int(lag.max()) if n_episodes else 0
        for i in range(n_agents):
            if n_episodes and (n_ticks[:, i] >= caps[i]).any():
                caps[i] *= 2
                if caps[i] > _GROWTH_LIMIT:
                    raise ValueError(
                        f"agent {i} needs more than {_GROWTH_LIMIT} ticks before the horizon "
                        f"({horizon} s): is its tick interval near the {MIN_INTERVAL} s floor?")


@dataclass
class Schedule:
    """Timing samples of episodes ``episode_start .. episode_start + n_episodes - 1``.

    ``sched[row, offsets[i] + k]`` is tick ``k`` of agent ``i`` in episode row ``row``
    (``schedule_tick_dt``); ``n_ticks[row, i]`` ticks lie at or before ``horizon`` (s).
    """

    sched: np.ndarray
    n_ticks: np.ndarray
    offsets: np.ndarray
    timing: np.ndarray
    configs: list
    agent_ids: list
    seed: int
    episode_start: int
    horizon: float
    t_start: float = 0.0

    @property
    def n_episodes(self) -> int:
        return self.sched.shape[0]

    def _row(self, episode: int) -> int:
        row = int(episode) - self.episode_start
        if not 0 <= row < self.n_episodes:
            raise ValueError(f"episode must be in [{self.episode_start}, "
                             f"{self.episode_start + self.n_episodes}); got {episode!r}")
        return row

    def _agent(self, agent) -> int:
        if isinstance(agent, str):
            if agent not in self.agent_ids:
                raise ValueError(f"unknown agent id {agent!r}; valid ids: {self.agent_ids}")
            return self.agent_ids.index(agent)
        i = int(agent)
        if not 0 <= i < len(self.agent_ids):
            raise ValueError(f"agent index must be in [0, {len(self.agent_ids)}); got {agent!r}")
        return i

    def ticks(self, episode: int, agent) -> np.ndarray:
        """The stored ticks (``schedule_tick_dt``, at or before the horizon, plus the ones after
        it that the capacity holds) of one agent in one episode."""
        row, i = self._row(episode), self._agent(agent)
        return self.sched[row, self.offsets[i]:self.offsets[i + 1]]

    def to_frame(self):
        """Tidy DataFrame, one row per tick at or before the horizon: ``episode``, ``agent``,
        ``agent_index``, ``k``, ``t``, ``interval``, ``obs_delay``, ``act_delay``,
        ``msg_delay``, ``obs_time`` (= S[k]); times in seconds."""
        import pandas as pd

        parts = []
        for i, aid in enumerate(self.agent_ids):
            for row in range(self.n_episodes):
                n = int(self.n_ticks[row, i])
                rec = self.sched[row, self.offsets[i]:self.offsets[i] + n]
                parts.append(pd.DataFrame({
                    "episode": np.full(n, self.episode_start + row, dtype=np.int64),
                    "agent": pd.array([aid] * n, dtype="string"),
                    "agent_index": np.full(n, i, dtype=np.int64),
                    "k": np.arange(n, dtype=np.int64),
                    "t": rec["t"], "interval": rec["interval"], "obs_delay": rec["obs"],
                    "act_delay": rec["act"], "msg_delay": rec["msg"], "obs_time": rec["s"],
                }))
        df = pd.concat(parts, ignore_index=True)
        return df.sort_values(["episode", "agent_index", "k"], kind="stable",
                              ignore_index=True)

    def tick_config(self, episode: int, agent) -> "ScheduledTickConfig":
        """A ``ScheduledTickConfig`` replaying agent ``agent``'s samples of ``episode``."""
        row, i = self._row(episode), self._agent(agent)
        ticks = self.sched[row, self.offsets[i]:self.offsets[i + 1]]
        return ScheduledTickConfig(self.configs[i], ticks, seed=self.seed, episode=int(episode),
                                   agent_index=i)

    def tick_configs(self, episode: int) -> dict:
        """``{agent_id: ScheduledTickConfig}`` for one episode (registration order)."""
        return {aid: self.tick_config(episode, i) for i, aid in enumerate(self.agent_ids)}


def build_schedule(env, timing=None, *, n_episodes: int, seed: int, horizon: float | None = None,
                   episode_start: int = 0, t_start: float = 0.0) -> Schedule:
    """Generate the schedule of episodes ``[episode_start, episode_start + n_episodes)`` of
    ``env`` under ``timing`` (see ``heron.batch.timing``); ``horizon`` in seconds (default: the
    env's)."""
    from heron.batch.arguments import check_run_args
    from heron.batch.timing import resolve_timing, timing_array

    horizon = env.horizon if horizon is None else horizon
    n_episodes, seed, horizon, episode_start = check_run_args(n_episodes, seed, horizon,
                                                              episode_start)
    configs = resolve_timing(env, timing)
    tarr = timing_array(configs, t_start)
    sched, n_ticks, offsets, _ = fill(tarr, seed, episode_start, n_episodes, horizon, t_start)
    return Schedule(sched, n_ticks, offsets, tarr, configs, env.agent_ids, seed, episode_start,
                    horizon, t_start)


class ScheduledTickConfig(TickConfig):
    """A ``TickConfig`` that replays one agent's schedule of one episode.

    ``get_tick_interval()`` returns ``I[k]`` for successive ``k`` (``k`` = the number of calls so
    far); ``get_obs_delay()``, ``get_act_delay()`` and ``get_msg_delay()`` return the samples of
    the *current* tick ``k`` (the scheduler calls ``get_tick_interval`` after each tick's handler,
    the interactive env calls the delay getters while handling the tick). Beyond the stored
    capacity samples are computed from the same counter-based stream, so replay never runs out.
    ``rewind()`` starts again at tick 0. Base values (the properties) are the agent's config.
    """

    __slots__ = ("_ticks", "_k", "_stream")

    def __init__(self, base: TickConfig, ticks: np.ndarray, *, seed: int, episode: int,
                 agent_index: int):
        super().__init__(base.tick_interval, base.obs_delay, base.act_delay, base.msg_delay,
                         base.jitter_type, base.jitter_ratio, base.min_delay, base.seed)
        self._ticks = np.array(ticks, copy=True)
        self._k = 0
        self._stream = (int(seed), int(episode), int(agent_index))

    @property
    def tick_index(self) -> int:
        """The current tick number ``k``."""
        return self._k

    def rewind(self) -> None:
        """Replay from tick 0 again (e.g. after ``EventScheduler.reset``)."""
        self._k = 0

    def _sample(self, field: str, quantity: int, base: float, floor: float) -> float:
        k = self._k
        if k < self._ticks.shape[0]:
            return float(self._ticks[field][k])
        from heron._fast.schedule_nb import timing_sample_nb

        seed, episode, agent = self._stream
        return float(timing_sample_nb(seed, episode, agent, quantity, k, base, self.jitter_code,
                                      self.jitter_ratio, floor))

    def get_tick_interval(self) -> float:
        from heron._fast.rng import Q_INTERVAL

        x = self._sample("interval", Q_INTERVAL, self.tick_interval, MIN_INTERVAL)
        self._k += 1
        return x

    def get_obs_delay(self) -> float:
        from heron._fast.rng import Q_OBS

        return self._sample("obs", Q_OBS, self.obs_delay, self.min_delay)

    def get_act_delay(self) -> float:
        from heron._fast.rng import Q_ACT

        return self._sample("act", Q_ACT, self.act_delay, self.min_delay)

    def get_msg_delay(self) -> float:
        from heron._fast.rng import Q_MSG

        return self._sample("msg", Q_MSG, self.msg_delay, self.min_delay)

    def __repr__(self) -> str:
        seed, episode, agent = self._stream
        return (f"ScheduledTickConfig(seed={seed}, episode={episode}, agent={agent}, "
                f"k={self._k}, base={super().__repr__()})")
