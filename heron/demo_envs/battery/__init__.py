"""The battery fleet (the tutorial's batteries, optionally under a coordinator), written with
heron's public authoring API like any user's env: its compiled functions (``compiled``), the
batch env factory (``fleet``), its interactive form (``interactive`` with the Python agents of
``agents``) and the coordinator-era policy it ships (``tracking_mlp``, registered by name)."""
from __future__ import annotations

from heron.batch import policies as _policies
from heron.demo_envs.battery.fleet import battery_fleet as _battery_fleet_spec

__all__ = ["battery_fleet"]


def _build_interactive(spec, timing=None, **kw):
    """Builder attached to the fleet spec (imports the Python agents lazily)."""
    from heron.demo_envs.battery.interactive import build_interactive

    return build_interactive(spec, timing=timing, **kw)


def battery_fleet(*args, **kwargs):
    env = _battery_fleet_spec(*args, **kwargs)
    env.attach_interactive(_build_interactive)
    return env


battery_fleet.__doc__ = _battery_fleet_spec.__doc__


def _tracking_mlp():
    from heron.demo_envs.battery.tracking_mlp import weights_path

    return _policies.mlp_from_npz(weights_path(), name="tracking_mlp")


_policies.register("tracking_mlp", _tracking_mlp)
