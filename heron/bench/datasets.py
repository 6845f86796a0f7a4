"""Synthetic result tables for the Parquet-writing and analysis benchmarks.

They have exactly the columns and types the engine produces for an env declaring the metrics
``METRICS`` (``heron.study.dataset.ENGINE_COLUMNS``, then one float64 column per metric: the
shape of the demo's W1 workload) and that ``heron.analysis.load`` returns, filled with seeded
random values:
writing and summarising cost the same whatever the numbers are, and this keeps a benchmark's
setup to a fraction of a second instead of simulating a million rows first.

* ``episode_rows(n_episodes, n_agents=2, seed=0)``: one shard as the engine returns it (one row
  per episode and agent; ``n_episodes * n_agents`` rows).
* ``study_frame(n_rows, ...)``: a loaded study: policies x scenarios (including the ``"sync"``
  baseline, ``mode == "sync"``) x episodes x agents, about ``n_rows`` rows.
"""
from __future__ import annotations

import numpy as np

#: The metric columns of the synthetic env (one, like the demo's W1 workload); pass
#: ``metrics=METRICS`` to ``heron.study.dataset.study_schema`` to write them.
METRICS = ("time_outside_band",)


def _check_positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an int >= 1; got {value!r}")
    return int(value)


def _columns(rng, n_episodes: int, n_agents: int, seed: int) -> dict:
    """Engine columns for ``n_episodes`` x ``n_agents`` rows (episode-major)."""
    n = n_episodes * n_agents
    agent_index = np.tile(np.arange(n_agents, dtype=np.int64), n_episodes)
    names = np.array([f"agent_{i}" for i in range(n_agents)], dtype=object)
    obs = rng.gamma(4.0, 0.0125, n)
    act = rng.gamma(4.0, 0.025, n)
    return {
        "seed": np.full(n, seed, dtype=np.int64),
        "episode": np.repeat(np.arange(n_episodes, dtype=np.int64), n_agents),
        "agent": names[agent_index],
        "agent_index": agent_index,
        "agent_class": np.full(n, "FieldAgent", dtype=object),
        "return": -np.abs(rng.normal(5.0, 2.0, n)),
        "n_ticks": rng.integers(48, 53, n),
        "n_effects": rng.integers(47, 52, n),
        "n_messages": np.zeros(n, dtype=np.int64),
        "obs_staleness_mean": obs,
        "obs_staleness_max": obs * 2.0,
        "act_staleness_mean": act,
        "act_staleness_max": act * 2.0,
        **{m: rng.exponential(1.0, n) for m in METRICS},
    }


def episode_rows(n_episodes: int, n_agents: int = 2, seed: int = 0):
    """A pandas DataFrame shaped like the engine's ``.episodes`` table (see module docstring)."""
    import pandas as pd

    n_episodes = _check_positive("n_episodes", n_episodes)
    n_agents = _check_positive("n_agents", n_agents)
    rng = np.random.default_rng(seed)
    return pd.DataFrame(_columns(rng, n_episodes, n_agents, int(seed)))


def study_frame(n_rows: int, *, policies=("simple", "mlp"), n_scenarios: int = 4,
                n_agents: int = 2, seed: int = 0):
    """A loaded study of about ``n_rows`` rows (see module docstring), sorted as ``load`` sorts.

    Scenario ``"sync"`` holds the synchronous baseline of every policy; the others are
    ``"jitter-<k>"`` with a ``jitter_ratio`` axis column."""
    import pandas as pd

    n_rows = _check_positive("n_rows", n_rows)
    n_scenarios = _check_positive("n_scenarios", n_scenarios)
    scenarios = ["sync"] + [f"jitter-{k}" for k in range(1, n_scenarios + 1)]
    cells = len(policies) * len(scenarios)
    n_episodes = max(1, n_rows // (cells * n_agents))
    rng = np.random.default_rng(seed)
    parts = []
    for policy in policies:
        for k, scenario in enumerate(scenarios):
            cols = _columns(rng, n_episodes, n_agents, int(seed))
            if scenario != "sync":  # timing costs something: returns drop with jitter
                cols["return"] = cols["return"] * (1.0 + 0.05 * k)
            part = pd.DataFrame(cols)
            part.insert(0, "scenario", scenario)
            part.insert(0, "policy", policy)
            part["mode"] = "sync" if scenario == "sync" else "event"
            part["preset"] = ""
            part["jitter_ratio"] = np.nan if scenario == "sync" else 0.05 * k
            parts.append(part)
    return pd.concat(parts, ignore_index=True)
