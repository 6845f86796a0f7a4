"""Makes the plain PettingZoo thermostat (``pz_thermostat``: no heron class) a study env.

Importing this module (``heron run --import pz_study_env.py``, or ``imports=[...]``) registers

* the env ``"TwoRoomThermostat-v0"``: a factory returning a ``heron.pettingzoo.PettingZooSpec``
  (the env factory, its step ``dt = 10`` s and its default horizon, ``max_steps`` steps);
* the policy ``"thermostat_proportional"`` (``heron.batch.policies.register``: a registered name
  a study file may use), ``pz_thermostat.proportional``;

and defines ``bang_bang``, a policy a study file names as ``"pz_study_env:bang_bang"``.
"""
import functools

import numpy as np

import heron
from heron.batch import policies
from heron.pettingzoo import PettingZooSpec

import pz_thermostat
from pz_thermostat import DT, TARGET, TwoRoomThermostat


def make_thermostat(max_steps: int = 90) -> PettingZooSpec:
    """The thermostat of ``max_steps`` steps (its default horizon: ``max_steps * DT`` s)."""
    return PettingZooSpec(functools.partial(TwoRoomThermostat, max_steps=max_steps), DT,
                          horizon=max_steps * DT, name="TwoRoomThermostat-v0")


def bang_bang(agent, obs):
    """Heater fully on below the target temperature, off above it."""
    return np.array([1.0 if obs[0] < TARGET else 0.0])


heron.register("TwoRoomThermostat-v0", make_thermostat,
               description="two rooms, one heater each: a plain PettingZoo env, dt = 10 s")
policies.register("thermostat_proportional", lambda: pz_thermostat.proportional)
