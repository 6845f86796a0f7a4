"""Per-agent timing of a wrapped PettingZoo env: ``TickConfig``s, and one episode's step schedule.

``resolve_timing(agent_ids, timing, dt)`` turns ``timing=`` into one ``TickConfig`` per agent:

* ``None``: lock-step, ``TickConfig.deterministic(tick_interval=dt)`` for every agent;
* a ``TickConfig`` (or its ``to_dict()`` form), or a preset name (``"scada"``, ``"w1"``, ...,
  ``heron.scheduling.presets``: its ``"field"`` class at a nominal tick of ``dt``), for every
  agent;
* a dict keyed by agent id, or by ``"field"`` (the class of every agent of a plain PettingZoo
  env), whose values are any of the above; per-id entries win over ``"field"``, agents with
  neither are lock-step. Unknown keys raise ``ValueError``.

Only ``tick_interval``, ``obs_delay``, ``act_delay``, ``jitter_type``, ``jitter_ratio`` and
``min_delay`` are used: a plain PettingZoo env has no messages (``msg_delay`` is ignored), and the
samples come from the counter-based streams keyed by the reset seed, not the config's ``seed``.

``EpisodeSchedule(configs, dt, seed, episode, horizon)`` holds one episode's ticks: the batch
engine's schedule row (``heron._fast.schedule_nb.fill_row_nb``: the same continuous samples
``T[k], O[k], A[k]`` that ``heron.batch.evaluate`` uses for episode ``episode`` of ``seed``),
quantised by ``heron.pettingzoo.quantise``. It stores ticks up to about ``horizon`` seconds and
``extend()`` doubles that (samples are pure functions of ``(seed, episode, agent, quantity,
k)``, so the ticks already used never change).
"""
from __future__ import annotations

import numpy as np

from heron.pettingzoo.quantise import delay_steps, one_per_step, tick_steps
from heron.scheduling.tick_config import TickConfig

FIELD = "field"
_GROWTH_LIMIT = 1 << 24


def _as_config(value, where: str, dt: float) -> TickConfig:
    """A ``TickConfig`` from a config, a dict of its fields (``heron.batch.timing``'s rules) or
    a preset name (its field-agent timing on an env whose nominal tick is its step ``dt``)."""
    if isinstance(value, str):
        from heron.scheduling.presets import preset

        return preset(value).tick_config(FIELD, nominal_tick=dt)
    from heron.batch.timing import as_tick_config

    return as_tick_config(value, where, also="or a preset name")


def resolve_timing(agent_ids, timing, dt: float) -> list:
    """One ``TickConfig`` per agent of ``agent_ids`` (see the module docstring)."""
    agent_ids = list(agent_ids)
    if timing is None:
        return [TickConfig.deterministic(tick_interval=dt) for _ in agent_ids]
    if not isinstance(timing, dict):
        tc = _as_config(timing, "timing", dt)
        return [tc] * len(agent_ids)
    unknown = [k for k in timing if k != FIELD and k not in agent_ids]
    if unknown:
        raise ValueError(f"timing has unknown key(s) {unknown}; valid keys: agent ids "
                         f"{agent_ids} or {FIELD!r} (every agent)")
    out = []
    for a in agent_ids:
        if a in timing:
            out.append(_as_config(timing[a], f"timing[{a!r}]", dt))
        elif FIELD in timing:
            out.append(_as_config(timing[FIELD], f"timing[{FIELD!r}]", dt))
        else:
            out.append(TickConfig.deterministic(tick_interval=dt))
    return out


def timing_dicts(agent_ids, configs) -> dict:
    """JSON-serialisable ``{str(agent_id): TickConfig.to_dict()}``."""
    return {str(a): tc.to_dict() for a, tc in zip(agent_ids, configs)}


class AgentSteps:
    """One agent's quantised ticks of one episode (plain lists, read by the wrapper's loop).

    ``step[j]``, ``obs[j]``, ``act[j]``: tick step, observation delay and action delay (whole
    steps) of the ``j``-th kept tick; ``k[j]`` its sample index. Every tick not listed lies at
    step ``covered`` or later."""

    __slots__ = ("step", "obs", "act", "k", "covered", "raw")

    def __init__(self, rec: np.ndarray, dt: float):
        st = tick_steps(rec["t"], dt)
        keep = one_per_step(st)
        self.step = st[keep].tolist()
        self.obs = delay_steps(rec["obs"][keep], dt).tolist()
        self.act = delay_steps(rec["act"][keep], dt).tolist()
        self.k = keep.tolist()
        self.covered = int(st[-1])
        self.raw = rec


class EpisodeSchedule:
    """The quantised ticks of every agent for episode ``episode`` of ``seed`` (module
    docstring); ``agents[i]`` is agent ``i``'s ``AgentSteps``."""

    def __init__(self, configs: list, dt: float, seed: int, episode: int, horizon: float):
        from heron.batch.timing import timing_array

        self.configs = list(configs)
        self.dt = float(dt)
        self.seed = int(seed)
        self.episode = int(episode)
        self.timing = timing_array(self.configs, 0.0)
        self.horizon = max(float(horizon), 4.0 * self.dt)
        self.caps = None
        self.agents: list = []
        self._fill()

    def _fill(self) -> None:
        from heron._fast.dtypes import schedule_tick_dt
        from heron._fast.schedule_nb import fill_row_nb
        from heron.batch.schedule import initial_capacities

        n = len(self.configs)
        tarr = self.timing
        if self.caps is None:
            self.caps = initial_capacities(tarr, self.horizon, 0.0)
        caps = self.caps
        n_ticks = np.zeros((1, n), dtype=np.int64)
        need = np.zeros(1, dtype=np.int64)
        lag = np.zeros(1, dtype=np.int64)
        while True:
            offsets = np.zeros(n + 1, dtype=np.int64)
            offsets[1:] = np.cumsum(caps)
            sched = np.empty((1, int(offsets[-1])), dtype=schedule_tick_dt)
            fill_row_nb(sched, n_ticks, need, lag, offsets, tarr, self.seed, 0, self.episode,
                        self.horizon, 0.0, True)
            if need[0] == 0:
                break
            for i in range(n):
                if n_ticks[0, i] >= caps[i]:
                    caps[i] *= 2
                    if caps[i] > _GROWTH_LIMIT:
                        raise ValueError(f"agent {i} needs more than {_GROWTH_LIMIT} ticks "
                                         f"before {self.horizon} s: is its tick interval tiny?")
        self.agents = [AgentSteps(sched[0, offsets[i]:offsets[i + 1]], self.dt)
                       for i in range(n)]

    def extend(self) -> None:
        """Store ticks up to twice the current horizon (earlier ticks are unchanged)."""
        self.horizon *= 2.0
        self.caps = None
        self._fill()
