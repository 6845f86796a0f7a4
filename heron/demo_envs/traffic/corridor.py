"""The traffic-signal corridor as a batch env (compiled functions, ``traffic.compiled``).

``traffic_corridor(n_intersections=4, coordinator=True, ...)`` returns a
``heron.batch.env.BatchEnv``: ``n`` signalised intersections along a main street, fluid queues
(veh) discharging at saturation flow on green, minimum greens and clearance intervals enforced
by the physics, main-street flow feeding the next intersection (see ``traffic.compiled``).

Agents (registration order): ``signal_1 .. signal_n`` (class ``"field"``; observation ``[qm, qs,
phase, elapsed]`` in veh, veh, phase code, s, plus the coordinator's main-street weight under a
coordinator; action in [0, 1]: the main street is requested when it is >= 0.5), then
``coordinator`` (class ``"coordinator"``, with ``coordinator=True``; observes every main-street
then every side-street queue; action: one main-street weight in [0, 1] per signal, sent as
messages; actuates nothing).

Default timing (NTCIP 1202 style actuated controllers, the numbers of the ``ntcip`` preset):
signals decide every 100 ms on detector data 50 ms old, their commands take effect 200 ms later,
alarms travel 50 ms, everything jittered by UNIFORM 20 %; the coordinator (a central system)
every 1 s, observation and message latencies 50 ms, UNIFORM 20 %.
The reward clock and synchronous baseline step ``dt`` is the controllers' 100 ms.

Rewards: minus the vehicles queued (signal: its intersection; coordinator: the corridor), so
returns are minus vehicle-seconds of delay, integrated exactly (``reward_integral``). Under a
coordinator a signal observing a queue above ``spillback_queue`` veh raises a spillback alarm
(its message delay later the coordinator ticks out of cycle). Poisson disturbances (mean spacing
``disturbance_mean`` s, none by default) add a burst of side-street vehicles.

Default policies (``heron.batch.policies`` names, registered by ``heron.demo_envs.traffic``):
``queue_balance`` for the signals, ``corridor_lookahead`` for the coordinator
(``traffic.policies``).
"""
from __future__ import annotations

import math

import numpy as np

from heron.batch.env import AgentSpec, BatchEnv
from heron.demo_envs.traffic import compiled as nb


def _number(name: str, value, *, low: float = 0.0, low_open: bool = False,
            high: float = math.inf, unit: str = "") -> float:
    """``value`` as a float in ``[low, high]`` (``(low, high]`` when ``low_open``), else a
    ValueError naming the argument, the expected range and the value."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    v = float(value) if ok else math.nan
    if not (ok and math.isfinite(v) and (v > low if low_open else v >= low) and v <= high):
        lo = f"> {low:g}" if low_open else f">= {low:g}"
        hi = "" if high == math.inf else f" and <= {high:g}"
        raise ValueError(f"{name} must be a finite number {lo}{hi}{unit}; got {value!r}")
    return v


def traffic_corridor(n_intersections: int = 4, coordinator: bool = True, *,
                     horizon: float = 600.0, dt: float = 0.1, main_demand: float = 0.45,
                     side_demand: float = 0.15, demand_spread: float = 0.2,
                     sat_main: float = 1.0, sat_side: float = 0.5, turn_out: float = 0.1,
                     join: float = 0.3, min_green: float = 7.0, clearance: float = 4.0,
                     init_queue: float = 10.0, spillback_queue: float = 30.0,
                     disturbance_mean: float = 0.0, burst_size: float = 15.0,
                     timing=None) -> BatchEnv:
    """Build the traffic-signal corridor batch env.

    Parameters
    ----------
    n_intersections : int
        Signalised intersections along the corridor (>= 1).
    coordinator : bool
        Add the corridor coordinator (sends main-street weights; enables spillback alarms).
    horizon, dt : float
        Default episode length and reward clock / synchronous baseline step (s).
    main_demand, side_demand : float
        Nominal arrival rates (veh/s): main street at the corridor's entry, each side street.
    demand_spread : float
        Each episode draws its demands uniformly within ``nominal * (1 +/- demand_spread)``.
    sat_main, sat_side : float
        Saturation flows on green (veh/s).
    turn_out, join : float
        Share of the main-street discharge leaving the corridor, share of the side-street
        discharge turning onto it (towards the next intersection).
    min_green, clearance : float
        Minimum green (s, > 0) and the amber + all-red clearance after each green (s, lost time).
    init_queue : float
        Initial queues are uniform in ``[0, init_queue]`` veh.
    spillback_queue : float
        Queue (veh) above which a signal alarms its coordinator.
    disturbance_mean, burst_size : float
        Mean spacing (s) of Poisson side-street bursts (0: none) and their size (veh; a burst
        adds ``U(0.5, 1) * burst_size``).
    timing : dict or None
        ``TickConfig`` per agent id or class over the default timing (module docstring).
    """
    from heron.scheduling.tick_config import JitterType, TickConfig

    if isinstance(n_intersections, bool) or not isinstance(n_intersections, (int, np.integer)) \
            or n_intersections < 1:
        raise ValueError(f"n_intersections must be an int >= 1; got {n_intersections!r}")
    if not isinstance(coordinator, (bool, np.bool_)):
        raise TypeError(f"coordinator must be a bool; got {coordinator!r}")
    n = int(n_intersections)
    values = dict(
        horizon=_number("horizon", horizon, low_open=True, unit=" s"),
        dt=_number("dt", dt, low_open=True, unit=" s"),
        main_demand=_number("main_demand", main_demand, unit=" veh/s"),
        side_demand=_number("side_demand", side_demand, unit=" veh/s"),
        demand_spread=_number("demand_spread", demand_spread, high=1.0),
        sat_main=_number("sat_main", sat_main, low_open=True, unit=" veh/s"),
        sat_side=_number("sat_side", sat_side, low_open=True, unit=" veh/s"),
        turn_out=_number("turn_out", turn_out, high=1.0),
        join=_number("join", join, high=1.0),
        min_green=_number("min_green", min_green, low_open=True, unit=" s"),
        clearance=_number("clearance", clearance, unit=" s"),
        init_queue=_number("init_queue", init_queue, unit=" veh"),
        spillback_queue=_number("spillback_queue", spillback_queue, unit=" veh"),
        disturbance_mean=_number("disturbance_mean", disturbance_mean, unit=" s"),
        burst_size=_number("burst_size", burst_size, unit=" veh"),
    )
    v = values
    coord_index = n if coordinator else -1
    p = dict(n=n, sat_main=v["sat_main"], sat_side=v["sat_side"], turn_out=v["turn_out"],
             join=v["join"], min_green=v["min_green"], clearance=v["clearance"],
             main_demand=v["main_demand"], side_demand=v["side_demand"],
             demand_spread=v["demand_spread"], init_queue=v["init_queue"],
             spill=v["spillback_queue"], coord=coord_index, burst=v["burst_size"])
    agents = [
        AgentSpec(f"signal_{u + 1}", "field", 4, 1, (0.0,), (1.0,), parent=coord_index,
                  child_slot=u, actuates=True, alarms=bool(coordinator))
        for u in range(n)
    ]
    default_timing = {
        "field": TickConfig.with_jitter(0.1, 0.05, 0.2, 0.05, JitterType.UNIFORM, 0.2),
    }
    default_policy = {"field": "queue_balance"}
    if coordinator:
        agents.append(AgentSpec("coordinator", "coordinator", 2 * n, n, (0.0,) * n, (1.0,) * n,
                                actuates=False))
        default_timing["coordinator"] = TickConfig.with_jitter(1.0, 0.05, 0.0, 0.05,
                                                               JitterType.UNIFORM, 0.2)
        default_policy["coordinator"] = "corridor_lookahead"
    if timing is not None:
        if not isinstance(timing, dict):
            raise TypeError(f"timing must be a dict of TickConfig per agent id or class; got "
                            f"{type(timing).__name__} {timing!r}")
        default_timing.update(timing)
    params = {"n_intersections": n, "coordinator": bool(coordinator), **values}
    return BatchEnv(
        name="traffic_corridor", params=params, agents=tuple(agents),
        default_timing=default_timing, state_dtype=nb.UNIT_DTYPE, n_units=n, env_params=p,
        functions=dict(nb.FUNCTIONS), metrics=dict(nb.METRICS), kernel_key="traffic_corridor",
        dt=v["dt"], horizon=v["horizon"], disturbance_mean=v["disturbance_mean"],
        msg_init=0.5, default_policy=default_policy,
        description=f"{n} signalised intersections" + (" under a corridor coordinator"
                                                       if coordinator else ""),
    )
