"""Rule-based policies of the heating house, as compiled user policies
(``heron.batch.policies.compiled``): they run inside the batch, sync and interactive engines.

One rule per agent class, so that a policy dict keyed by class (``{"field": ..., "coordinator":
...}``) fits every variant of the house (``heating_house(...)``):

* ``field_rule`` tells a thermostat from the vent by the width of the observation (a thermostat
  sees 1 or 2 entries: its room's temperature and its setpoint; the vent 3 or 4: hottest, mean,
  outdoor temperature and its setpoint). Thermostat, ``mode`` 0: hysteresis (heater on below
  ``setpoint - band``, off above ``setpoint + band``, held in between: ``memory[0]``); ``mode`` 1:
  proportional, ``clip(0.5 + kp (setpoint - temp), 0, 1)``. Vent: ``clip(vent_gain (hottest -
  setpoint - vent_margin), 0, 1)``.
* ``supervisor_rule`` tells the floor controller (as many observations as actions: outdoor and
  mean temperature, two setpoints) from the zone coordinator (one more observation than rooms,
  two with the floor's message). Coordinator: room ``u``'s setpoint ``base + gain (base -
  temp_u)`` (``base``: the floor's setpoint, else ``target``), clipped to the coordinator's range.
  Floor: the coordinator's base is ``target - setback`` while the outdoor temperature is below
  ``t_cold_out`` (demand response in a cold snap), the vent's setpoint ``target + relax`` while it
  is above ``t_hot_out``.

Registered names (``heron.batch.policies.get``; study files name them): ``heating_rules``
(hysteresis thermostats, a dict keyed by class), ``heating_p_rules`` (proportional thermostats)
and ``heating_thermostat`` (the field rule alone, for houses of thermostats only). Temperatures in
degC, gains per K.
"""
from __future__ import annotations

from numba import njit

from heron.batch import policies as _policies

#: field rule parameters: target (degC), band (K), mode (0 hysteresis, 1 proportional),
#: kp (1/K), vent_margin (K), vent_gain (1/K)
FIELD_PARAMS = (21.0, 0.5, 0.0, 1.0, 1.5, 0.5)
#: supervisor rule parameters: target (degC), gain, setback (K), t_cold_out (degC), relax (K),
#: t_hot_out (degC)
SUPERVISOR_PARAMS = (21.0, 1.0, 1.0, -5.0, 1.0, 30.0)


@njit(cache=True)
def field_rule(obs, act, params, memory):
    """Thermostat (1-2 observations) or vent (3-4): see the module docstring."""
    target = params[0]
    if obs.shape[0] <= 2:
        sp = obs[1] if obs.shape[0] == 2 else target
        x = obs[0]
        if params[2] == 0.0:
            if x < sp - params[1]:
                memory[0] = 1.0
            elif x > sp + params[1]:
                memory[0] = 0.0
            act[0] = memory[0]
        else:
            act[0] = min(max(0.5 + params[3] * (sp - x), 0.0), 1.0)
        return
    base = obs[3] if obs.shape[0] == 4 else target
    act[0] = min(max(params[5] * (obs[0] - base - params[4]), 0.0), 1.0)


@njit(cache=True)
def supervisor_rule(obs, act, params):
    """Floor controller (as many observations as actions) or zone coordinator: see the module
    docstring. Coordinator setpoints are clipped to its range by the policy's ``clip=True``."""
    target = params[0]
    n = act.shape[0]
    if obs.shape[0] == n:
        t_out = obs[0]
        act[0] = target - params[2] if t_out < params[3] else target
        if n > 1:
            act[1] = target + params[4] if t_out > params[5] else target
        return
    base = obs[n + 1] if obs.shape[0] == n + 2 else target
    for u in range(n):
        act[u] = base + params[1] * (base - obs[u])


def field_policy(target: float = 21.0, mode: int = 0, name: str = "heating_field"):
    """The compiled field rule (``mode`` 0: hysteresis thermostats, 1: proportional)."""
    params = (float(target),) + FIELD_PARAMS[1:2] + (float(mode),) + FIELD_PARAMS[3:]
    return _policies.compiled(field_rule, params=params, memory=1, name=name)


def supervisor_policy(target: float = 21.0, name: str = "heating_supervisor"):
    """The compiled supervisor rule (coordinator and floor controller)."""
    return _policies.compiled(supervisor_rule, params=(float(target),) + SUPERVISOR_PARAMS[1:],
                              clip=True, name=name)


def default_policy(target: float = 21.0, mode: int = 0) -> dict:
    """``{"field": field rule, "coordinator": supervisor rule}`` (hysteresis thermostats by
    default; ``mode=1``: proportional)."""
    return {"field": field_policy(target, mode), "coordinator": supervisor_policy(target)}


def register() -> None:
    """Register ``heating_rules``, ``heating_p_rules`` and ``heating_thermostat``."""
    _policies.register("heating_rules", lambda: default_policy(mode=0))
    _policies.register("heating_p_rules", lambda: default_policy(mode=1))
    _policies.register("heating_thermostat", lambda: field_policy(name="heating_thermostat"))
