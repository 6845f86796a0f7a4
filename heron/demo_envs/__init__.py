"""Demo environments: the battery fleet (the tutorial's batteries, optionally under a
coordinator), in its compiled batch form (``battery_fleet``) with its interactive form
(``heron.demo_envs.battery_interactive``) attached (``spec.interactive_env(...)``)."""
from heron.demo_envs.battery_fleet import battery_fleet as _battery_fleet_spec

__all__ = ["battery_fleet"]


def _build_interactive(spec, timing=None, **kw):
    """Builder attached to the fleet spec (imports the Python agents lazily)."""
    from heron.demo_envs.battery_interactive import build_interactive

    return build_interactive(spec, timing=timing, **kw)


def battery_fleet(*args, **kwargs):
    env = _battery_fleet_spec(*args, **kwargs)
    env.attach_interactive(_build_interactive)
    return env


battery_fleet.__doc__ = _battery_fleet_spec.__doc__
