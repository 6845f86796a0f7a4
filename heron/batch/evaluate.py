"""``evaluate``: batched Monte Carlo evaluation of one policy (set) on one env under one timing.

``evaluate(env, policy, timing=None, n_episodes=..., seed=..., horizon=None, engine="batch",
chunk_size=None, threads=None, episode_start=0, as_arrays=True, progress=None)``

* ``engine="batch"``: event-driven kernels (``heron._fast.rollout_nb``) on counter-based
  schedules; ``"sync"``: the synchronous baseline (``heron._fast.sync_nb``: lock-step on the reward
  clock, instant effects; same initial state per (seed, episode), so comparisons are paired);
  ``"interactive"``: the same episodes (same schedules, initial states and disturbances) run one
  by one through the env's interactive form (``heron.batch.interactive.run_interactive``;
  ``NotImplementedError`` when the env has none attached).
* Episodes ``[episode_start, episode_start + n_episodes)`` are identical whichever chunk size,
  thread count or shard runs them.
* ``policy``: a policy (name, ``CompiledPolicy``, ``BatchedPolicy`` or callable) for every agent,
  or a dict keyed by agent class (``"field"``, ``"coordinator"``) or agent id.
* ``threads``: threads over episodes (default: Numba's configured thread count, the core count
  or ``NUMBA_NUM_THREADS``): that many chunks run side by side, one thread each (a single chunk
  splits its rows into ranges run in threads: ``heron.batch.threads``); while a Python policy
  decides, BLAS/OpenMP/torch thread pools are limited to one thread (``heron.batch.pipeline``).
  ``chunk_size`` default 4096 (1024 with Python policies), lowered so a chunk's schedule fits
  256 MB (``SCHEDULE_BUDGET``); an episode whose whole schedule would not fit has it generated in
  windows of ticks (``heron.batch.windows``; same results, memory bounded whatever the horizon).

``iter_chunks(...)`` yields each chunk's NumPy columns without keeping them (for streaming a
million episodes to Parquet with bounded memory).
"""
from __future__ import annotations

import time

from heron.batch.arguments import check_run_args, int_arg, resolve_policies
from heron.batch.env import BatchEnv
from heron.batch.result import ColumnBuffer, EvaluationResult, agent_names, chunk_columns

ENGINES = ("batch", "sync", "interactive")
DEFAULT_CHUNK = 4096          # episodes per chunk, compiled policies
DEFAULT_CHUNK_PYTHON = 1024   # with Python policies: decision rounds stay cache-resident
SCHEDULE_BUDGET = 256 << 20   # bytes of schedule per chunk (a chunk_size you pass may exceed it)


def _episode_schedule_bytes(timing_arr, horizon: float) -> int:
    """Bytes of one episode's whole schedule (all agents; ``timing_arr``: one record per agent,
    the chunk's shortest tick intervals)."""
    from heron._fast.dtypes import schedule_tick_dt
    from heron.batch.windows import episode_caps

    return sum(episode_caps(timing_arr, horizon)) * schedule_tick_dt.itemsize


def _size_schedules(plan, budget_rows, horizon: float, chunk_size, n_episodes: int) -> int:
    """Chunk size (episodes) and, for episodes whose whole schedule exceeds ``SCHEDULE_BUDGET``,
    schedule windows (``plan.windows``, ``heron.batch.windows``): default chunks fit the budget
    (long or many-agent episodes get smaller ones; W2: ~170 kB of schedule each), so memory
    stays bounded whatever the horizon. Results depend on neither."""
    from heron.batch import windows

    default = DEFAULT_CHUNK_PYTHON if plan.python_policies else DEFAULT_CHUNK
    size = _episode_schedule_bytes(budget_rows, horizon)
    if size > SCHEDULE_BUDGET:
        if chunk_size is None:
            chunk_size = min(default, windows.WINDOW_ROWS)
        plan.windows = windows.window_caps(budget_rows, horizon, min(chunk_size, n_episodes),
                                           SCHEDULE_BUDGET)
    elif chunk_size is None:
        chunk_size = min(default, max(1, SCHEDULE_BUDGET // max(1, size)))
    return chunk_size


def _policy_config(env, policies) -> dict:
    return {a.id: p.to_config() for a, p in zip(env.agents, policies)}


def _prepare(env, policy, timing, n_episodes, seed, horizon, engine, chunk_size, threads,
             episode_start, timing_per_episode=None):
    if not isinstance(env, BatchEnv):
        raise TypeError(f"env must be a heron.batch.BatchEnv (docs/custom-env.md shows how to "
                        f"write one); got {type(env).__name__}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}; got {engine!r}")
    horizon = env.horizon if horizon is None else horizon
    n_episodes, seed, horizon, episode_start = check_run_args(n_episodes, seed, horizon,
                                                              episode_start)
    if chunk_size is not None:
        chunk_size = int_arg("chunk_size", chunk_size, 1)
    if threads is not None:
        import numba

        threads = int_arg("threads", threads, 1)
        if threads > numba.config.NUMBA_NUM_THREADS:
            raise ValueError(f"threads must be <= {numba.config.NUMBA_NUM_THREADS} (the core "
                             f"count, or the NUMBA_NUM_THREADS environment variable); got "
                             f"{threads}")
    from heron.batch.timing import resolve_timing, timing_array, timing_config

    configs = resolve_timing(env, timing)
    from heron.batch import episode_timing as per_episode

    table = per_episode.prepare_table(timing_per_episode, engine, configs, env,
                                      episode_start + n_episodes)
    policies = resolve_policies(env, policy)
    if engine == "interactive":
        if env._interactive_builder is None:
            raise NotImplementedError(
                f"engine='interactive' needs the env's interactive form; env {env.name!r} has "
                f"none attached (BatchEnv.attach_interactive). Use engine='batch' or 'sync'")
        return None, None, n_episodes, episode_start, chunk_size, threads
    from heron.batch.runner import build_plan

    tarr = timing_array(configs)
    plan = build_plan(env, policies, tarr, seed, horizon, engine)
    plan.timing_table = table
    if engine == "batch":   # the synchronous engine has no schedule
        budget_rows = per_episode.budget_timing(tarr, table, episode_start, n_episodes)
        chunk_size = _size_schedules(plan, budget_rows, horizon, chunk_size, n_episodes)
    elif chunk_size is None:
        chunk_size = DEFAULT_CHUNK_PYTHON if plan.python_policies else DEFAULT_CHUNK
    chunk = min(chunk_size, n_episodes)
    import heron

    config = {
        "env": env.to_config(), "policy": _policy_config(env, policies),
        "timing": timing_config(env, configs), "seed": seed, "horizon": horizon,
        "episode_start": episode_start, "n_episodes": n_episodes, "engine": engine,
        "heron_version": heron.__version__, **per_episode.table_config(table, timing_per_episode),
    }
    return plan, config, n_episodes, episode_start, chunk, threads


def _chunks(plan, n_episodes, episode_start, chunk, threads):
    """Each chunk's ``(columns, events)`` in episode order (``heron.batch.pipeline``)."""
    from heron.batch.pipeline import policy_thread_limits, run_chunks
    from heron.batch.threads import current_threads, kernel_threads

    threads = current_threads() if threads is None else threads
    with kernel_threads(threads), policy_thread_limits(bool(plan.python_policies)):
        yield from run_chunks(plan, n_episodes, episode_start, chunk, threads, _finish)


def _finish(plan, start, acur, events, arrs):
    return chunk_columns(plan.env, acur, plan.seed, start, arrs[11]), events


def iter_chunks(env, policy=None, *, timing=None, n_episodes, seed, horizon=None,
                engine="batch", chunk_size=None, threads=None, episode_start=0,
                timing_per_episode=None):
    """Yield ``(columns, events)`` per chunk (NumPy columns of ``result.COLUMNS``); nothing is
    kept between chunks, so memory stays bounded by the chunk size."""
    if engine == "interactive" and timing_per_episode is None:
        from heron.batch.interactive import iter_interactive

        yield from iter_interactive(env, policy, timing=timing, n_episodes=n_episodes, seed=seed,
                                    horizon=horizon, episode_start=episode_start,
                                    chunk_size=chunk_size)
        return
    plan, _, n_episodes, episode_start, chunk, threads = _prepare(
        env, policy, timing, n_episodes, seed, horizon, engine, chunk_size, threads,
        episode_start, timing_per_episode)
    yield from _chunks(plan, n_episodes, episode_start, chunk, threads)


def compile_kernels(env, policy=None, *, timing=None, horizon=None, engine="batch",
                    parts=None) -> tuple:
    """Compile (or load from Numba's on-disk cache) the kernels ``evaluate`` would run for these
    arguments, without running an episode; returns the parts compiled. ``parts`` (default: all)
    selects pieces of ``heron.batch.runner.COMPILE_PARTS[engine]`` (``"kernel"``, and for the
    batch engine ``"schedule"``), so several processes can compile one engine side by side.
    The interactive engine has nothing to compile (returns ``()``)."""
    from heron.batch.runner import COMPILE_PARTS, compile_part

    plan = _prepare(env, policy, timing, 1, 0, horizon, engine, None, None, 0)[0]
    if plan is None:
        return ()
    parts = COMPILE_PARTS[engine] if parts is None else tuple(parts)
    for part in parts:
        compile_part(plan, part)
    return parts


def evaluate(env, policy=None, *, timing=None, n_episodes, seed, horizon=None, engine="batch",
             chunk_size=None, threads=None, episode_start=0, as_arrays=True, progress=None,
             timing_per_episode=None):
    """Evaluate ``policy`` on ``n_episodes`` episodes of ``env`` (see the module docstring).

    ``horizon`` in seconds (default: the env's). Returns an ``EvaluationResult`` (``.episodes``
    DataFrame, ``.arrays`` NumPy columns, ``.stats``, ``.config``). The DataFrame is built on
    first access to ``.episodes`` (its numeric columns share the arrays' memory; its two string
    columns cost about 33 MB per million rows each); ``as_arrays=False`` builds it at once.
    Collected columns take about 112 bytes a row (a million W1 episodes: 2 M rows, ~230 MB).
    ``progress``: a callable
    given the number of episodes each finished chunk held (batch and sync engines; the
    interactive engine reports once, at the end). ``timing_per_episode``: one timing row per
    (episode, agent), rows indexed by the global episode index (``heron.batch.episode_timing``;
    batch engine only).
    """
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable taking an episode count or None; got "
                        f"{progress!r}")
    plan, config, n_episodes, episode_start, chunk, threads = _prepare(
        env, policy, timing, n_episodes, seed, horizon, engine, chunk_size, threads,
        episode_start, timing_per_episode)
    if engine == "interactive":
        from heron.batch.interactive import run_interactive

        res = run_interactive(env, policy, timing=timing, n_episodes=n_episodes, seed=seed,
                              horizon=horizon, episode_start=episode_start,
                              chunk_size=chunk_size, as_arrays=as_arrays)
        if progress is not None:
            progress(n_episodes)
        return res
    from heron.batch.threads import current_threads

    t0 = time.perf_counter()
    buf = ColumnBuffer(n_episodes * len(env.agents))
    events = 0
    for cols, ev in _chunks(plan, n_episodes, episode_start, chunk, threads):
        buf.add(cols)
        events += ev
        if progress is not None:
            progress(len(cols["episode"]) // len(env.agents))
    wall = time.perf_counter() - t0
    plan.release()            # the chunk working set, before the DataFrame is built
    arrays = buf.result()
    stats = {
        "engine": engine, "n_episodes": n_episodes, "events": int(events),
        "wall_time_s": wall, "episodes_per_s": n_episodes / wall if wall > 0 else float("inf"),
        "events_per_s": events / wall if wall > 0 else float("inf"),
        "threads": threads if threads is not None else current_threads(),
        "chunk_size": chunk,
    }
    res = EvaluationResult(arrays, stats, config, agents=agent_names(env))
    if not as_arrays:
        res.episodes  # noqa: B018 - build the DataFrame now
    return res
