"""Event traces of batch episodes: every processed event, in processing order.

``trace_episodes(env, policy, timing=..., n_episodes=..., seed=...)`` runs the event-driven kernel
with a trace buffer and returns a DataFrame with one row per processed event: ``episode``,
``order`` (processing position), ``t`` (s), ``event`` (``obs_sample``, ``tick``, ``delivery``,
``effect``, ``reward``, ``disturbance``), ``agent`` (id, empty for env events), ``agent_index``
(-1 for env events), ``k`` (tick / message / effect / reward / disturbance number; out-of-cycle
ticks ``-1 - n``; alarms -1), ``s`` (the instant the decision's observation shows, s), ``ref_t``
(the deciding tick's time, s) and ``delay`` (the delay sample the event's time came from, s).
For debugging and for the timing-contract property tests; slower than ``evaluate``.
"""
from __future__ import annotations

import numpy as np

EVENT_NAMES = ("obs_sample", "tick", "delivery", "effect", "reward", "disturbance")


def trace_episodes(env, policy=None, *, timing=None, n_episodes: int = 1, seed: int,
                   horizon=None, episode_start: int = 0, capacity: int = 4096):
    """Trace episodes ``[episode_start, episode_start + n_episodes)`` (see module docstring)."""
    import pandas as pd

    from heron.batch.evaluate import _prepare
    from heron.batch.runner import run_chunk

    plan, _, n_episodes, episode_start, _, _ = _prepare(
        env, policy, timing, n_episodes, seed, horizon, "batch", None, None, episode_start)
    _, _, arrs = run_chunk(plan, episode_start, n_episodes, trace_cap=max(1, int(capacity)))
    cur, trace = arrs[1], arrs[9]
    ids = np.array([a.id for a in env.agents] + [""], dtype=object)
    parts = []
    for row in range(n_episodes):
        n = int(cur["n_trace"][row])
        tr = trace[row, :n]
        agent_idx = tr["agent"].astype(np.int64)
        parts.append(pd.DataFrame({
            "episode": np.full(n, episode_start + row, dtype=np.int64),
            "order": np.arange(n, dtype=np.int64),
            "t": tr["t"],
            "event": pd.array(np.array(EVENT_NAMES, dtype=object)[tr["cls"]], dtype="string"),
            "agent": pd.array(ids[np.where(agent_idx < 0, len(ids) - 1, agent_idx)],
                              dtype="string"),
            "agent_index": agent_idx,
            "k": tr["k"].astype(np.int64),
            "s": tr["s"], "ref_t": tr["ref_t"], "delay": tr["delay"],
        }))
    return pd.concat(parts, ignore_index=True)
