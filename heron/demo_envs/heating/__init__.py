"""The heating house (thermostats, and optionally a vent, a zone coordinator and a floor
controller, under a scheduled weather profile and random window openings), written with heron's
public authoring API like any user's env: its compiled functions (``compiled``), the batch env
factory (``house``: ``heating_house``, the ladder of timing demos ``LADDER``), its interactive
form (``interactive`` with the Python agents of ``agents``) and its rule-based policies
(``policies``, registered by name: ``heating_rules``, ``heating_p_rules``,
``heating_thermostat``). Registered as ``heron.make("Heating-v0", ...)``."""
from __future__ import annotations

from heron.demo_envs.heating import policies as _policies
from heron.demo_envs.heating.house import LADDER, WEATHER
from heron.demo_envs.heating.house import heating_house as _heating_house_spec

__all__ = ["heating_house", "LADDER", "WEATHER"]


def _build_interactive(spec, timing=None, **kw):
    """Builder attached to the spec (imports the Python agents lazily)."""
    from heron.demo_envs.heating.interactive import build_interactive

    return build_interactive(spec, timing=timing, **kw)


def heating_house(*args, **kwargs):
    env = _heating_house_spec(*args, **kwargs)
    env.attach_interactive(_build_interactive)
    return env


heating_house.__doc__ = _heating_house_spec.__doc__
_policies.register()
