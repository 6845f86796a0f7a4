"""Monte Carlo over a PettingZoo ``ParallelEnv``: event-driven (through ``TimedParallelEnv``) or
the synchronous baseline (the unwrapped env in lock-step), paired by (seed, episode).

``evaluate(env_fn, policy, *, dt, timing=None, n_episodes, seed, horizon_steps=None,
horizon=None, engine="event", executor="inline", workers=None, episode_start=0, ...)``
returns a ``heron.batch.result.EvaluationResult`` whose columns are the batch engine's
(``heron.batch.result.COLUMNS``, one row per (episode, agent)), so heron's analysis and the
study layer read it like any other result:

* ``env_fn()`` builds a fresh env (called once per worker; it must be picklable for
  ``executor="process"``: a module-level function or class). A ``PettingZooSpec`` bundles it
  with ``dt`` and a default horizon.
* ``policy``: ``policy(agent_id, observation) -> action``, or a dict ``{agent_id or "field":
  fn(observation) -> action}``. It is called only when an agent ticks (event engine) or decides
  (sync engine). Results are reproducible when it is a deterministic function of its inputs.
* ``engine="event"`` (alias ``"batch"``, the study layer's name): episode ``e`` runs through
  ``TimedParallelEnv`` with ``reset(seed=seed, options={"episode": e})`` (timing from the
  streams ``(seed, e, agent, Q_*)``, inner env reset with ``inner_seed(seed, e)``).
  ``engine="sync"``: the unwrapped env reset with the same ``inner_seed(seed, e)``; agent ``i``
  decides every ``p_i = max(1, round(tick_interval_i / dt))`` steps (step 0 first) from the
  current observation, and its action is used from that very step (no delays, no jitter).
* The horizon is ``horizon_steps`` inner steps (or ``horizon`` seconds: ``floor(horizon / dt)``
  steps); an episode also ends when the env has no agents left.
* Columns: ``return`` = the sum of the inner env's rewards of the agent over the steps taken;
  ``n_ticks`` = decisions taken by ``step`` (steps ``0 .. H-1``); ``n_effects`` = commands
  landed; ``n_messages`` = 0; staleness in seconds of the quantised timing (observation: ``(n_k -
  m_k) dt`` per tick; action: ``(e_k - m_k) dt`` per landed command; 0 in the sync engine; NaN
  without ticks / effects); ``agent_class`` = ``"field"``.
* ``executor="inline"`` runs here; ``"process"`` splits the episodes into contiguous ranges over
  ``workers`` spawned processes (default: all cores). Every episode is a pure function of
  ``(seed, episode)``, so the result is identical whatever the executor or worker count.
* ``stats["events"]`` counts inner steps + ticks + landed commands.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from heron.batch.result import COLUMNS, EvaluationResult
from heron.pettingzoo.quantise import EPS, check_dt
from heron.pettingzoo.schedule import FIELD, resolve_timing, timing_dicts

ENGINES = ("event", "sync")
_ALIASES = {"batch": "event"}
EXECUTORS = ("inline", "process")


@dataclass(frozen=True)
class PettingZooSpec:
    """A PettingZoo env factory with its step length ``dt`` (s) and an optional default
    ``horizon`` (s) and ``initial_actions``: what ``evaluate`` (and a study) needs to know.
    ``env_fn`` must be picklable for process pools. A factory registered with
    ``heron.register`` that returns a spec makes the env a study env (``heron.study.pettingzoo``,
    ``docs/pettingzoo-timing.md`` section 6)."""

    env_fn: Callable
    dt: float
    horizon: Optional[float] = None
    initial_actions: Optional[dict] = None
    name: str = ""

    def __call__(self):
        return self.env_fn()

    # a study's env may declare metric columns; a plain PettingZoo env has none
    metric_names: tuple = ()


def _name_of(obj) -> str:
    mod = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None)
    if mod and qual:
        return f"{mod}:{qual}"
    return repr(obj)


def _policy_config(policy, agent_ids) -> dict:
    """``{str(agent_id): {"name": ...}}`` (the batch engine's shape of ``config["policy"]``)."""
    if isinstance(policy, dict):
        return {str(a): {"name": _name_of(policy.get(a, policy.get(FIELD)))} for a in agent_ids}
    return {str(a): {"name": _name_of(policy)} for a in agent_ids}


def resolve_policy(policy, agent_ids) -> Callable:
    """``policy`` as one ``fn(agent_id, obs) -> action``."""
    if isinstance(policy, dict):
        unknown = [k for k in policy if k != FIELD and k not in agent_ids]
        if unknown:
            raise ValueError(f"policy has unknown key(s) {unknown}; valid keys: agent ids "
                             f"{list(agent_ids)} or {FIELD!r}")
        table = {}
        for a in agent_ids:
            fn = policy.get(a, policy.get(FIELD))
            if fn is None:
                raise ValueError(f"policy dict has no entry for agent {a!r} (nor {FIELD!r}); "
                                 f"keys given: {list(policy)}")
            if not callable(fn):
                raise TypeError(f"policy[{a!r}] must be callable as fn(observation); got {fn!r}")
            table[a] = fn
        return lambda agent, obs: table[agent](obs)
    if not callable(policy):
        raise TypeError(f"policy must be callable as policy(agent_id, observation) or a dict of "
                        f"fn(observation) per agent id; got {type(policy).__name__} {policy!r}")
    return policy


def horizon_steps_of(dt: float, horizon_steps=None, horizon=None) -> int:
    """The episode length in inner steps from ``horizon_steps`` or ``horizon`` (s)."""
    if horizon_steps is not None:
        if isinstance(horizon_steps, bool) or not isinstance(horizon_steps, (int, np.integer)) \
                or horizon_steps < 1:
            raise ValueError(f"horizon_steps must be an int >= 1; got {horizon_steps!r}")
        steps = int(horizon_steps)
        if horizon is not None and math.floor(float(horizon) / dt + EPS) != steps:
            raise ValueError(f"horizon={horizon!r} s is not horizon_steps={steps} steps of "
                             f"dt={dt!r} s; give one of them")
        return steps
    if horizon is None:
        raise ValueError("give horizon_steps (inner steps) or horizon (seconds)")
    if isinstance(horizon, bool) or not isinstance(horizon, (int, float, np.integer, np.floating)) \
            or not (math.isfinite(float(horizon)) and float(horizon) > 0):
        raise ValueError(f"horizon must be a finite number of seconds > 0; got {horizon!r}")
    steps = math.floor(float(horizon) / dt + EPS)
    if steps < 1:
        raise ValueError(f"horizon={horizon!r} s is shorter than one step (dt={dt!r} s)")
    return steps


class _Columns:
    """Row-wise accumulation of the result columns (episode-major, agent-minor)."""

    def __init__(self, agent_ids, seed: int, dt: float):
        self.ids = [str(a) for a in agent_ids]
        self.seed = seed
        self.dt = dt
        self.rows = []

    def add(self, episode: int, returns, stats: list) -> None:
        for i, st in enumerate(stats):
            self.rows.append((episode, i, float(returns[i]), st))

    def arrays(self) -> dict:
        n = len(self.rows)
        dt = self.dt
        ep = np.fromiter((r[0] for r in self.rows), np.int64, n)
        idx = np.fromiter((r[1] for r in self.rows), np.int64, n)
        ret = np.fromiter((r[2] for r in self.rows), np.float64, n)
        st = [r[3] for r in self.rows]
        ticks = np.fromiter((s["n_ticks"] for s in st), np.int64, n)
        effs = np.fromiter((s["n_effects"] for s in st), np.int64, n)
        osum = np.fromiter((s["obs_sum"] for s in st), np.float64, n) * dt
        omax = np.fromiter((s["obs_max"] for s in st), np.float64, n) * dt
        asum = np.fromiter((s["act_sum"] for s in st), np.float64, n) * dt
        amax = np.fromiter((s["act_max"] for s in st), np.float64, n) * dt
        with np.errstate(invalid="ignore", divide="ignore"):
            cols = {
                "seed": np.full(n, self.seed, dtype=np.int64), "episode": ep,
                "agent": np.array(self.ids, dtype=str)[idx] if n else np.array([], dtype=str),
                "agent_index": idx, "agent_class": np.full(n, FIELD),
                "return": ret, "n_ticks": ticks, "n_effects": effs,
                "n_messages": np.zeros(n, dtype=np.int64),
                "obs_staleness_mean": np.where(ticks > 0, osum / np.maximum(ticks, 1), np.nan),
                "obs_staleness_max": np.where(ticks > 0, omax, np.nan),
                "act_staleness_mean": np.where(effs > 0, asum / np.maximum(effs, 1), np.nan),
                "act_staleness_max": np.where(effs > 0, amax, np.nan),
            }
        assert list(cols) == list(COLUMNS)
        return cols


def _event_episode(wrapper, pol, index, seed: int, episode: int, steps: int):
    obs, _ = wrapper.reset(seed=seed, options={"episode": episode})
    ret = np.zeros(len(index))
    for _ in range(steps):
        live = wrapper.agents
        if not live:
            break
        actions = {a: pol(a, obs[a]) for a in wrapper.ticking_agents()}
        obs, rewards, _, _, _ = wrapper.step(actions)
        for a, r in rewards.items():
            ret[index[a]] += r
    stats = wrapper.episode_stats()
    return ret, [stats[a] for a in wrapper.possible_agents], wrapper.step_index


def _sync_episode(env, pol, index, periods, initial, seed: int, episode: int, steps: int):
    from heron.pettingzoo.seeding import inner_seed

    obs, _ = env.reset(seed=inner_seed(seed, episode))
    n_agents = len(index)
    ret = np.zeros(n_agents)
    held = list(initial)
    ticks = [0] * n_agents
    taken = 0
    for n in range(steps):
        live = env.agents
        if not live:
            break
        for a in live:
            i = index[a]
            if n % periods[i] == 0:
                held[i] = pol(a, obs[a])
                ticks[i] += 1
        obs, rewards, _, _, _ = env.step({a: held[index[a]] for a in live})
        taken += 1
        for a, r in rewards.items():
            ret[index[a]] += r
    stats = [{"n_ticks": k, "n_effects": k, "obs_sum": 0, "obs_max": 0, "act_sum": 0,
              "act_max": 0} for k in ticks]
    return ret, stats, taken


def run_range(env_fn, policy, dt: float, timing: dict, engine: str, seed: int, start: int,
              count: int, steps: int, initial_actions=None):
    """Episodes ``[start, start + count)`` in this process: ``(columns, events)``. ``timing``:
    ``{agent_id: TickConfig.to_dict()}`` (plain data, so a worker can receive it)."""
    from heron.pettingzoo.wrapper import TimedParallelEnv, neutral_action

    env = env_fn()
    ids = list(env.possible_agents)
    index = {a: i for i, a in enumerate(ids)}
    configs = resolve_timing(ids, {a: timing[str(a)] for a in ids}, dt)
    pol = resolve_policy(policy, ids)
    cols = _Columns(ids, seed, dt)
    events = 0
    if engine == "event":
        wrapper = TimedParallelEnv(env, dt, dict(zip(ids, configs)),
                                   initial_actions=initial_actions,
                                   horizon_hint=(steps + 1) * dt, copy_observations=True)
        for e in range(start, start + count):
            ret, stats, taken = _event_episode(wrapper, pol, index, seed, e, steps)
            cols.add(e, ret, stats)
            events += taken + sum(s["n_ticks"] + s["n_effects"] for s in stats)
    else:
        periods = [max(1, math.floor(c.tick_interval / dt + 0.5 + EPS)) for c in configs]
        given = initial_actions or {}
        initial = [given[a] if a in given else neutral_action(env.action_space(a)) for a in ids]
        for e in range(start, start + count):
            ret, stats, taken = _sync_episode(env, pol, index, periods, initial, seed, e, steps)
            cols.add(e, ret, stats)
            events += taken + sum(s["n_ticks"] + s["n_effects"] for s in stats)
    env.close()
    return cols.arrays(), events


def _run_range_task(args):
    return run_range(*args)


def _concat(parts: list) -> dict:
    if len(parts) == 1:
        return parts[0]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def evaluate(env_fn, policy, *, dt=None, timing=None, n_episodes, seed, horizon_steps=None,
             horizon=None, engine: str = "event", executor: str = "inline", workers=None,
             episode_start: int = 0, initial_actions=None, chunk_size=None, threads=None,
             as_arrays: bool = False, progress=None) -> EvaluationResult:
    """Evaluate ``policy`` on ``n_episodes`` episodes of ``env_fn()`` (module docstring).

    ``dt`` (s) is required unless ``env_fn`` is a ``PettingZooSpec``. ``chunk_size``: episodes
    per task of the process pool (default: enough for four tasks per worker). ``threads`` is
    accepted for the study layer's calling convention and ignored (one env per process).
    ``progress``: called with the number of episodes each finished range held.
    """
    from heron.batch.arguments import int_arg
    from heron.pettingzoo.seeding import check_seed

    spec = env_fn if isinstance(env_fn, PettingZooSpec) else None
    if spec is not None:
        dt = spec.dt if dt is None else dt
        horizon = spec.horizon if (horizon is None and horizon_steps is None) else horizon
        initial_actions = spec.initial_actions if initial_actions is None else initial_actions
        env_fn = spec.env_fn
    if dt is None:
        raise TypeError("evaluate() needs dt= (the env's step length in seconds) or a "
                        "PettingZooSpec")
    dt = check_dt(dt)
    if not callable(env_fn):
        raise TypeError(f"env_fn must be a callable returning a PettingZoo ParallelEnv; got "
                        f"{type(env_fn).__name__} {env_fn!r}")
    engine = _ALIASES.get(engine, engine)
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}; got {engine!r}")
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {EXECUTORS}; got {executor!r}")
    n_episodes = int_arg("n_episodes", n_episodes, 1)
    episode_start = int_arg("episode_start", episode_start, 0)
    seed = check_seed(seed)
    steps = horizon_steps_of(dt, horizon_steps, horizon)
    if workers is not None:
        workers = int_arg("workers", workers, 1)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable taking an episode count or None; got "
                        f"{progress!r}")
    probe = env_fn()  # resolves ids and timing, and checks the policy, before any work
    ids = list(probe.possible_agents)
    configs = resolve_timing(ids, timing, dt)
    resolve_policy(policy, ids)
    probe.close()
    tdict = timing_dicts(ids, configs)
    if len(set(tdict)) != len(ids):
        raise ValueError(f"agent ids must stay distinct as strings; got {ids}")

    t0 = time.perf_counter()
    parts, events = [], 0
    if executor == "inline":
        chunk = chunk_size or 256
        for start in range(episode_start, episode_start + n_episodes, chunk):
            count = min(chunk, episode_start + n_episodes - start)
            cols, ev = run_range(env_fn, policy, dt, tdict, engine, seed, start, count, steps,
                                 initial_actions)
            parts.append(cols)
            events += ev
            if progress is not None:
                progress(count)
        n_workers = 1
    else:
        import concurrent.futures as cf
        import multiprocessing

        n_workers = min(workers or os.cpu_count() or 1, n_episodes)
        chunk = chunk_size or max(1, math.ceil(n_episodes / (4 * n_workers)))
        tasks = [(env_fn, policy, dt, tdict, engine, seed, s,
                  min(chunk, episode_start + n_episodes - s), steps, initial_actions)
                 for s in range(episode_start, episode_start + n_episodes, chunk)]
        # spawn: workers never inherit the parent's thread pools (fork is unsafe with them)
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(n_workers, mp_context=ctx) as pool:
            for task, (cols, ev) in zip(tasks, pool.map(_run_range_task, tasks)):
                parts.append(cols)
                events += ev
                if progress is not None:
                    progress(task[7])
    wall = time.perf_counter() - t0
    arrays = _concat(parts)
    import heron

    stats = {
        "engine": engine, "n_episodes": n_episodes, "events": int(events), "wall_time_s": wall,
        "episodes_per_s": n_episodes / wall if wall > 0 else float("inf"),
        "events_per_s": events / wall if wall > 0 else float("inf"),
        "executor": executor, "workers": n_workers, "threads": 1, "chunk_size": chunk,
        "dt": dt, "horizon_steps": steps,
    }
    config = {
        "env": spec.name if spec is not None and spec.name else _name_of(env_fn),
        "policy": _policy_config(policy, ids),
        "timing": tdict, "dt": dt, "horizon_steps": steps, "horizon": steps * dt, "seed": seed,
        "episode_start": episode_start, "n_episodes": n_episodes, "engine": engine,
        "inner_seed": "heron.pettingzoo.seeding:inner_seed", "heron_version": heron.__version__,
    }
    res = EvaluationResult(arrays, stats, config)
    if not as_arrays:
        res.episodes  # noqa: B018 - build the DataFrame now
    return res
