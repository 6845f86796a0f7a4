"""Checking and normalising the run arguments shared by every engine (``evaluate``,
``iter_chunks``, the interactive runner): episode counts, seeds, horizons (s), policies."""
from __future__ import annotations

import numpy as np


def int_arg(name, value, minimum):
    """``value`` as an int >= ``minimum``; TypeError / ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {value!r}")
    return int(value)


def check_run_args(n_episodes, seed, horizon, episode_start):
    """Validate the common run arguments; returns them normalised."""
    n_episodes = int_arg("n_episodes", n_episodes, 1)
    seed = int_arg("seed", seed, 0)
    if seed >= 2 ** 63:
        raise ValueError(f"seed must be < 2**63; got {seed!r}")
    episode_start = int_arg("episode_start", episode_start, 0)
    if isinstance(horizon, bool) or not isinstance(horizon, (int, float, np.integer, np.floating)):
        raise TypeError(f"horizon must be a number of seconds; got {horizon!r}")
    horizon = float(horizon)
    if not (np.isfinite(horizon) and horizon > 0):
        raise ValueError(f"horizon must be a finite number of seconds > 0; got {horizon!r}")
    return n_episodes, seed, horizon, episode_start


def resolve_policies(env, policy) -> list:
    """One policy object per agent (registration order). A registered name may stand for a
    policy dict keyed by agent id or class (a policy set, e.g. ``"heating_rules"``)."""
    from heron.batch.policies import as_policy, get

    if policy is None:
        policy = env.default_policy
    if isinstance(policy, str):
        policy = get(policy)
    if isinstance(policy, dict):
        env.check_keys(policy, "policy")
        cache: dict = {}
        out = []
        for a in env.agents:
            key = a.id if a.id in policy else a.agent_class
            if key not in policy:
                raise ValueError(f"policy dict has no entry for agent {a.id!r} (class "
                                 f"{a.agent_class!r}); keys given: {sorted(policy)}")
            if key not in cache:
                cache[key] = as_policy(policy[key], f"policy[{key!r}]")
            out.append(cache[key])
        return out
    pol = as_policy(policy)
    return [pol] * len(env.agents)
