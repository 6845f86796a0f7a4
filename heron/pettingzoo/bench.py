"""The ``PZ`` workload of ``heron bench``: W1's batteries as a plain PettingZoo env, through the
wrapper, next to heron's interactive engine on W1 itself.

``BatteryPair`` is a plain ``ParallelEnv`` (no heron class) with W1's physics: two batteries,
SOC ``+= 0.25 * action * dt`` clipped to [0.1, 0.9], initial SOC uniform in [0.2, 0.8] (from the
reset seed), observation ``[soc]``, action in [-1, 1], reward ``-|0.5 - soc|`` per step,
truncated after ``max_steps`` (500). With ``DT = 0.1`` s and W1's timing (tick 1 s, observation
delay 0.05 s, action delay 0.1 s, GAUSSIAN jitter 10 %), quantised: ticks every 10 steps give or
take one or two, an observation delay of one step, action delays of one or two steps (0.1 s with
jitter, rounded up); horizon 50 s = 500 steps. Policy: the tutorial's threshold rule (``simple``).

Engines: ``wrapper`` (``heron.pettingzoo.evaluate``, engine ``"event"``), ``sync`` (the unwrapped
env in lock-step) and ``interactive`` (``heron.batch.evaluate(w1, engine="interactive")``: the
same physics and timing in continuous time on heron's interactive engine). Rates are episodes per
second of one process; the wrapper pays one Python step of the inner env per ``dt``.
"""
from __future__ import annotations

from typing import List, Tuple

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

DT = 0.1
HORIZON = 50.0


class BatteryPair(ParallelEnv):
    """W1's two batteries as a plain PettingZoo ``ParallelEnv`` (module docstring)."""

    metadata = {"name": "battery_pair_v0", "render_modes": []}

    def __init__(self, dt: float = DT, max_steps: int = 500):
        self.dt = float(dt)
        self.max_steps = max_steps
        self.steps = 0
        self.possible_agents = ["battery_1", "battery_2"]
        self.agents = []
        self.soc = [0.5, 0.5]
        self._obs_space = spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float64)
        self._act_space = spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float64)

    def observation_space(self, agent):
        return self._obs_space

    def action_space(self, agent):
        return self._act_space

    def reset(self, seed=None, options=None):
        rng = np.random.default_rng(seed)
        self.soc = rng.uniform(0.2, 0.8, size=2).tolist()
        self.agents = list(self.possible_agents)
        self.steps = 0
        return ({a: np.array([self.soc[i]]) for i, a in enumerate(self.agents)},
                {a: {} for a in self.agents})

    def step(self, actions):
        k = 0.25 * self.dt
        obs, rew = {}, {}
        for i, a in enumerate(self.possible_agents):
            u = min(max(float(actions[a][0]), -1.0), 1.0)
            s = min(max(self.soc[i] + k * u, 0.1), 0.9)
            self.soc[i] = s
            obs[a] = np.array([s])
            rew[a] = -abs(0.5 - s)
        self.steps += 1
        done = self.steps >= self.max_steps
        live = self.agents
        if done:
            self.agents = []
        return (obs, rew, {a: False for a in live}, {a: done for a in live},
                {a: {} for a in live})


def make_env():
    """A fresh ``BatteryPair`` (module-level: picklable)."""
    return BatteryPair()


def simple(agent, obs):
    """The tutorial's threshold rule: +0.5 below 0.45, -0.5 above 0.55, else 0."""
    x = obs[0]
    return np.array([0.5 if x < 0.45 else (-0.5 if x > 0.55 else 0.0)])


def w1_timing():
    """W1's field timing (``heron.workloads.w1``)."""
    from heron.scheduling import JitterType, TickConfig

    return TickConfig.with_jitter(tick_interval=1.0, obs_delay=0.05, act_delay=0.1,
                                  jitter_type=JitterType.GAUSSIAN, jitter_ratio=0.1)


def bench_pz(episodes: dict, repeats: int) -> Tuple[list, List[str]]:
    """Rows ``PZ/wrapper``, ``PZ/sync`` and ``PZ/interactive`` (episodes/s), timed round-robin."""
    from heron.bench.measure import measure_interleaved
    from heron.bench.results import BenchRow
    from heron.bench.suite import _evaluate_case
    from heron.pettingzoo.evaluate import evaluate

    timing = w1_timing()
    steps = int(round(HORIZON / DT))
    cases, stats, skipped = {}, {}, []
    for engine, mode in (("wrapper", "event"), ("sync", "sync")):
        n = episodes[engine]
        stats[engine] = []

        def run(_state, n=n, mode=mode, log=stats[engine]):
            res = evaluate(make_env, simple, dt=DT, timing=timing, n_episodes=n, seed=0,
                           horizon_steps=steps, engine=mode, as_arrays=True)
            log.append(res.stats)
            return n

        run(None)  # warm-up: imports, the schedule kernel's cache
        cases[engine] = (run, None)
    from heron.workloads import w1

    n = episodes["interactive"]
    stats["interactive"] = []
    run, warm = _evaluate_case(w1(), "simple", "interactive", n, None, stats["interactive"])
    try:
        warm()
        cases["interactive"] = (run, None)
    except NotImplementedError as exc:
        skipped.append(f"PZ interactive: not available ({exc})")
    rows = []
    for engine, m in measure_interleaved(cases, repeats=repeats, warmup=0).items():
        st = stats[engine][-1]
        n = episodes[engine]
        events = int(st["events"])
        extra = {"events_per_episode": events / n,
                 "events_per_s": events / m.median_s if m.median_s > 0 else float("inf")}
        size = {"n_episodes": n, "policy": "simple"}
        if engine == "interactive":
            note = "W1 battery-2 on heron's interactive engine (continuous time)"
        else:
            size.update(dt_s=DT, horizon_steps=steps)
            note = ("plain PettingZoo env through heron.pettingzoo.TimedParallelEnv"
                    if engine == "wrapper" else "the same env unwrapped, lock-step")
        rows.append(BenchRow("PZ", engine, "episodes/s", m, size, note=note, extra=extra))
    return rows, skipped
