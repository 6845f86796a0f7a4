"""The arguments every env's interactive form takes, checked once: the timing resolved per agent,
one policy per agent, the horizon (s). An env's ``attach_interactive`` builder calls
``interactive_arguments`` and builds its agents from the result."""
from __future__ import annotations

import math

import numpy as np


def interactive_arguments(env_spec, timing=None, policy=None, horizon=None) -> tuple:
    """``(configs, policies)`` for the interactive form of ``env_spec`` (a ``BatchEnv``).

    ``timing``: what ``heron.batch.timing.resolve_timing`` accepts (e.g. a
    ``ScheduledTickConfig`` per agent id to replay a batch schedule). ``policy``: None (actions
    come from ``step``), one callable for every agent, a list (registration order) or a dict
    keyed by agent id or class, of ``policy(observation, message)`` callables. ``horizon``:
    None or a finite number of seconds > 0 (checked here, used by the caller)."""
    from heron.batch.env import AGENT_CLASSES
    from heron.batch.timing import resolve_timing

    configs = resolve_timing(env_spec, timing)
    agents = env_spec.agents
    if policy is None or callable(policy) and not isinstance(policy, dict):
        policies = [policy] * len(agents)
    elif isinstance(policy, (list, tuple)):
        if len(policy) != len(agents):
            raise ValueError(f"policy list must have one entry per agent ({len(agents)}: "
                             f"{env_spec.agent_ids}); got {len(policy)}")
        policies = list(policy)
    elif isinstance(policy, dict):
        valid = set(env_spec.agent_ids) | set(AGENT_CLASSES)
        unknown = [k for k in policy if k not in valid]
        if unknown:
            raise ValueError(f"policy has unknown key(s) {unknown}; valid: {sorted(valid)}")
        policies = [policy.get(a.id, policy.get(a.agent_class)) for a in agents]
    else:
        raise TypeError(f"policy must be None, a callable, a list or a dict; got "
                        f"{type(policy).__name__} {policy!r}")
    if horizon is not None and not (isinstance(horizon, (int, float, np.integer, np.floating))
                                    and not isinstance(horizon, bool) and horizon > 0
                                    and math.isfinite(horizon)):
        raise ValueError(f"horizon must be a finite number of seconds > 0; got {horizon!r}")
    return configs, policies
