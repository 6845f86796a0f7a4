"""The traffic-signal corridor (N signalised intersections, NTCIP 1202 style signal controllers,
an optional corridor coordinator), written with heron's public authoring API like any user's
env: its compiled functions (``compiled``), the batch env factory (``corridor``), its default
policies (``policies``, registered by name: ``queue_balance`` for the signals,
``corridor_lookahead`` for the coordinator, and the set of both, ``traffic_rules``, for study
files) and its interactive form (``interactive`` with the Python agents of ``agents``).
Registered as ``heron.make("TrafficCorridor-v0", ...)``."""
from __future__ import annotations

from heron.batch import policies as _policies
from heron.demo_envs.traffic.corridor import traffic_corridor as _traffic_corridor_spec

__all__ = ["traffic_corridor"]


def _build_interactive(spec, timing=None, **kw):
    """Builder attached to the corridor spec (imports the Python agents lazily)."""
    from heron.demo_envs.traffic.interactive import build_interactive

    return build_interactive(spec, timing=timing, **kw)


def traffic_corridor(*args, **kwargs):
    env = _traffic_corridor_spec(*args, **kwargs)
    env.attach_interactive(_build_interactive)
    return env


traffic_corridor.__doc__ = _traffic_corridor_spec.__doc__


def _queue_balance():
    from heron.demo_envs.traffic.policies import queue_balance

    return queue_balance()


def _corridor_lookahead():
    from heron.demo_envs.traffic.policies import corridor_lookahead

    return corridor_lookahead()


def _traffic_rules():
    return {"field": _queue_balance(), "coordinator": _corridor_lookahead()}


_policies.register("queue_balance", _queue_balance)
_policies.register("corridor_lookahead", _corridor_lookahead)
_policies.register("traffic_rules", _traffic_rules)
