"""The battery fleet: the tutorial's batteries, as a batch env (compiled functions).

``battery_fleet(n_batteries=2, coordinator=False, ...)`` returns a ``heron.batch.env.BatchEnv``.
Physics (tutorial): power (MW) = 0.5 x action, d(SOC)/dt = power / 2 per second, SOC held in
[0.1, 0.9] (closed form, see ``heron.demo_envs.battery.compiled``); initial SOC uniform in [0.2, 0.8] from
the episode's random stream; reward clock 1 s.

Agents (registration order): ``battery_1 .. battery_n`` (class ``"field"``; observation
``[soc]``, or ``[soc, setpoint]`` under a coordinator; action in [-1, 1]), then ``coordinator``
(class ``"coordinator"``, only with ``coordinator=True``; observes every SOC; action = one SOC
setpoint per battery in [0, 1], sent as messages; actuates nothing).

Rewards: battery ``-|0.5 - soc|`` per second, integrated exactly over the episode (W1 and W2);
coordinator: the mean of its batteries' rates. With a coordinator, a battery whose observed SOC leaves the band
[0.15, 0.85] raises an alarm to the coordinator (its message delay), which ticks out of cycle when
it arrives; Poisson disturbances (mean spacing ``disturbance_mean`` s, W2: 60 s) shift one random
battery's SOC by U(-0.4, 0.4) (a load pulse). ``time_outside_band`` counts seconds with SOC outside [0.15, 0.85].

The interactive (Python agents) form will be attached with ``BatchEnv.attach_interactive``.
"""
from __future__ import annotations

import numpy as np

from heron.batch.env import AgentSpec, BatchEnv
from heron.demo_envs.battery import compiled as nb


def battery_fleet(n_batteries: int = 2, coordinator: bool = False, *, horizon: float = 50.0,
                  dt: float = 1.0, band=(0.15, 0.85), init_range=(0.2, 0.8),
                  disturbance_mean: float | None = None, disturbance_size: float = 0.4,
                  timing=None) -> BatchEnv:
    """Build the battery fleet batch env.

    Parameters
    ----------
    n_batteries : int
        Number of batteries (>= 1).
    coordinator : bool
        Add a coordinator sending SOC setpoints (enables alarms and disturbances).
    horizon, dt : float
        Default episode length and reward clock period (s; the synchronous baseline's step).
    band : (float, float)
        SOC band for alarms and ``time_outside_band`` (within [0.1, 0.9]).
    init_range : (float, float)
        Range of the uniform initial SOC.
    disturbance_mean : float or None
        Mean spacing (s) of Poisson disturbances; default 60 with a coordinator, none without.
    disturbance_size : float
        Half-width of a disturbance's SOC shift.
    timing : dict or None
        Default ``TickConfig`` per agent id or class; default: W1 timing for batteries without a
        coordinator, W2 timing with one (see ``heron.workloads``).
    """
    from heron.scheduling.tick_config import JitterType, TickConfig

    if isinstance(n_batteries, bool) or not isinstance(n_batteries, (int, np.integer)) \
            or n_batteries < 1:
        raise ValueError(f"n_batteries must be an int >= 1; got {n_batteries!r}")
    n = int(n_batteries)
    lo, hi = (float(band[0]), float(band[1]))
    if not 0.1 <= lo < hi <= 0.9:
        raise ValueError(f"band must satisfy 0.1 <= lo < hi <= 0.9; got {band!r}")
    ilo, ihi = (float(init_range[0]), float(init_range[1]))
    if not 0.1 <= ilo <= ihi <= 0.9:
        raise ValueError(f"init_range must satisfy 0.1 <= lo <= hi <= 0.9; got {init_range!r}")
    if disturbance_mean is None:
        disturbance_mean = 60.0 if coordinator else 0.0
    if not (disturbance_mean >= 0.0 and np.isfinite(disturbance_mean)):
        raise ValueError(f"disturbance_mean must be >= 0 seconds; got {disturbance_mean!r}")
    coord_index = n if coordinator else -1
    p = dict(n=n, power_scale=0.5, soc_rate=0.5, soc_min=0.1, soc_max=0.9, band_lo=lo,
             band_hi=hi, init_lo=ilo, init_hi=ihi, target=0.5, coord=coord_index,
             dist_size=float(disturbance_size))
    agents = [
        AgentSpec(f"battery_{b + 1}", "field", 1, 1, (-1.0,), (1.0,),
                  parent=coord_index, child_slot=b, actuates=True, alarms=bool(coordinator))
        for b in range(n)
    ]
    if coordinator:
        agents.append(AgentSpec("coordinator", "coordinator", n, n, (0.0,) * n, (1.0,) * n,
                                actuates=False))
        default_timing = {
            "field": TickConfig.with_jitter(1.0, 0.05, 0.1, 0.05, JitterType.UNIFORM, 0.1),
            "coordinator": TickConfig.with_jitter(5.0, 0.2, 0.0, 0.1, JitterType.GAUSSIAN, 0.05),
        }
        default_policy = {"field": "tracking_mlp", "coordinator": "setpoint"}
    else:
        default_timing = {
            "field": TickConfig.with_jitter(1.0, 0.05, 0.1, 0.0, JitterType.GAUSSIAN, 0.1),
        }
        default_policy = {"field": "simple"}
    if timing is not None:
        default_timing.update(timing)
    params = {"n_batteries": n, "coordinator": bool(coordinator), "horizon": float(horizon),
              "dt": float(dt), "band": [lo, hi], "init_range": [ilo, ihi],
              "disturbance_mean": float(disturbance_mean),
              "disturbance_size": float(disturbance_size)}
    return BatchEnv(
        name="battery_fleet", params=params, agents=tuple(agents),
        default_timing=default_timing, state_dtype=nb.UNIT_DTYPE, n_units=n, env_params=p,
        functions=dict(nb.FUNCTIONS), metrics=dict(nb.METRICS), kernel_key="battery_fleet",
        dt=float(dt),
        horizon=float(horizon), disturbance_mean=float(disturbance_mean), msg_init=0.5,
        default_policy=default_policy,
        description=f"{n} batteries" + (" under a coordinator" if coordinator else ""),
    )
