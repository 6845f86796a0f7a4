"""Normalising ``timing=`` for the batch engine: one ``TickConfig`` per agent.

Accepted forms: ``None`` (the env's defaults), one ``TickConfig`` for every agent, or a dict whose
keys are agent ids (``"heater_1"``) or agent classes (``"field"``, ``"coordinator"``) and whose
values are ``TickConfig`` objects or their ``to_dict()`` form. Per-id entries win over per-class
entries, which win over the env's defaults. Unknown keys raise ``ValueError`` listing valid ones.
"""
from __future__ import annotations

import numpy as np

from heron._fast.dtypes import agent_timing_dt
from heron.batch.env import BatchEnv


def as_tick_config(value, where: str, also: str = ""):
    """``value`` as a ``TickConfig``: one already, or a dict of its fields; TypeError naming
    ``where`` otherwise (``also``: other accepted forms, for the message)."""
    from heron.scheduling.tick_config import TickConfig

    if isinstance(value, TickConfig):
        return value
    if isinstance(value, dict):
        try:
            return TickConfig(**value)
        except TypeError as exc:
            raise TypeError(f"{where}: bad TickConfig fields {sorted(value)}: {exc}") from None
    forms = f"a TickConfig, a dict of its fields {also}" if also else \
        "a TickConfig or a dict of its fields"
    raise TypeError(f"{where} must be {forms}; got {type(value).__name__} {value!r}")


def _lookup(mapping: dict, agent, where: str):
    if agent.id in mapping:
        return as_tick_config(mapping[agent.id], f"{where}[{agent.id!r}]")
    if agent.agent_class in mapping:
        return as_tick_config(mapping[agent.agent_class], f"{where}[{agent.agent_class!r}]")
    return None


def resolve_timing(env: BatchEnv, timing=None) -> list:
    """One ``TickConfig`` per agent of ``env`` (registration order)."""
    from heron.scheduling.tick_config import TickConfig

    if timing is not None and not isinstance(timing, (dict, TickConfig)):
        raise TypeError(f"timing must be None, a TickConfig or a dict keyed by agent id or class; "
                        f"got {type(timing).__name__} {timing!r}")
    if isinstance(timing, dict):
        env.check_keys(timing, "timing", "agent id(s)")
    out = []
    for a in env.agents:
        tc = None
        if isinstance(timing, TickConfig):
            tc = timing
        elif isinstance(timing, dict):
            tc = _lookup(timing, a, "timing")
        if tc is None:
            tc = _lookup(env.default_timing, a, "env default timing")
        if tc is None:
            tc = TickConfig.deterministic(tick_interval=env.dt)
        out.append(tc)
    return out


def timing_array(configs: list, t_start: float = 0.0) -> np.ndarray:
    """The kernels' ``agent_timing_dt`` array for ``configs`` (first tick at ``t_start`` s).
    A tick interval below ``MIN_INTERVAL`` (1 ms) is floored here, as the interactive engine
    floors every interval, jittered or not (jittered samples are floored by the kernels)."""
    from heron._fast.jitter import MIN_INTERVAL

    arr = np.zeros(len(configs), dtype=agent_timing_dt)
    if not configs:
        return arr
    # column by column: record fields set one agent at a time cost ~5 ms per 1,000 agents
    arr["tick_interval"] = np.maximum([tc.tick_interval for tc in configs], MIN_INTERVAL)
    for name in ("obs_delay", "act_delay", "msg_delay", "jitter_code", "jitter_ratio",
                 "min_delay"):
        arr[name] = [getattr(tc, name) for tc in configs]
    arr["first_tick"] = t_start
    return arr


def timing_config(env: BatchEnv, configs: list) -> dict:
    """JSON-serialisable ``{agent_id: TickConfig.to_dict()}``."""
    return {a.id: tc.to_dict() for a, tc in zip(env.agents, configs)}
