"""The heating house as a batch env: ``heating_house(...)`` returns a ``heron.batch.BatchEnv``.

Rooms with thermostats (field agents, one per room), optionally a vent woken by overheat alarms, a
zone coordinator sending per-room setpoints (woken by cold alarms) and a floor controller over
both; the weather is a scheduled outdoor-temperature profile (mild, a cold snap, a heat wave, or
your own breakpoints) and windows opened at random are Poisson disturbances. Physics, rewards,
alarms and metrics: ``heron.demo_envs.heating.compiled`` (exact zero-order hold, closed form).
Units: degC, kW, kJ/K, s, kWh.

Agents, in registration order (``AgentSpec``; observations and actions in degC or fractions):

=================  ============  =====================================  ==========================
id                 class         observation (+ message from parent)    action
=================  ============  =====================================  ==========================
``thermostat_u``   field         ``[temp_u]`` (+ setpoint)              heater command in [0, 1]
``vent``           field         ``[max, mean, outdoor]`` (+ setpoint)  vent command in [0, 1]
``coordinator``    coordinator   ``[temp_1 .. temp_n, outdoor]``        one setpoint per room
                                 (+ base setpoint)                      in [sp_lo, sp_hi]
``floor``          coordinator   ``[outdoor, mean]``                    [coordinator base, vent
                                                                        setpoint] in
                                                                        [sp_lo, sp_hi]
=================  ============  =====================================  ==========================

Messages are setpoints in degC; before the first one a child sees ``target`` (``msg_init``).
``LADDER`` lists the factory arguments of a ladder of timing demos, from two thermostats to the
whole hierarchy under jitter.
"""
from __future__ import annotations

import math

import numpy as np

from heron.batch.env import AgentSpec, BatchEnv
from heron.demo_envs.heating import compiled as nb
from heron.demo_envs.heating.policies import default_policy

H = 3600.0
#: scheduled outdoor temperatures, ``[(t (s), T_out (degC)), ...]`` (linear in between)
WEATHER = {
    "mild": [(0.0, 5.0)],
    # 5 degC, falling to -8 degC between 1.5 h and 2 h, back to 2 degC from 4 h to 5 h
    "cold_snap": [(0.0, 5.0), (1.5 * H, 5.0), (2.0 * H, -8.0), (4.0 * H, -8.0), (5.0 * H, 2.0)],
    # 24 degC, rising to 34 degC between 1 h and 3 h, easing to 28 degC from 5 h to 6 h
    "heat_wave": [(0.0, 24.0), (1.0 * H, 24.0), (3.0 * H, 34.0), (5.0 * H, 34.0),
                  (6.0 * H, 28.0)],
}
#: per-room defaults, repeated for more rooms: conductance (kW/K), capacity (kJ/K), heater (kW)
ROOM_UA = (0.10, 0.08)
ROOM_CAP = (120.0, 200.0)
ROOM_HEAT = (3.0, 2.5)

#: the reference's heating ladder of timing demos, as factory arguments (each builds on the last)
LADDER = {
    "two_rooms": dict(),
    "different_rates": dict(thermostat_ticks=(60.0, 150.0)),
    "coordinator": dict(thermostat_ticks=(60.0, 150.0), coordinator=True),
    "vent_alarm": dict(thermostat_ticks=(60.0, 150.0), coordinator=True, vent=True,
                       weather="heat_wave"),
    "cold_snap": dict(thermostat_ticks=(60.0, 150.0), coordinator=True, vent=True,
                      weather="cold_snap", disturbance_mean=1800.0),
    "heat_wave": dict(thermostat_ticks=(60.0, 150.0), coordinator=True, vent=True,
                      weather="heat_wave", disturbance_mean=1800.0),
    "jitter": dict(thermostat_ticks=(60.0, 150.0), coordinator=True, vent=True,
                   weather="cold_snap", disturbance_mean=1800.0, jitter=0.3),
    "floor": dict(thermostat_ticks=(60.0, 150.0), coordinator=True, vent=True, floor=True,
                  weather="cold_snap", disturbance_mean=1800.0, jitter=0.3),
}


def _per_room(name: str, value, default, n: int) -> np.ndarray:
    """``value`` (a number, a sequence of ``n`` numbers, or None: ``default`` repeated) as a
    float array of ``n`` positive finite numbers."""
    if value is None:
        vals = [default[u % len(default)] for u in range(n)]
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        vals = [float(value)] * n
    else:
        try:
            vals = [float(x) for x in value]
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a number or a sequence of n_rooms={n} numbers; got "
                            f"{value!r}") from None
        if len(vals) != n:
            raise ValueError(f"{name} must have n_rooms={n} entries; got {len(vals)} "
                             f"({value!r})")
    arr = np.asarray(vals, dtype=np.float64)
    if not (np.isfinite(arr).all() and (arr > 0).all()):
        raise ValueError(f"{name} must be finite numbers > 0; got {vals!r}")
    return arr


def _padded(values: np.ndarray, size: int) -> np.ndarray:
    """``values`` followed by its last entry up to ``size`` entries (fixed-size parameters)."""
    out = np.full(size, values[-1], dtype=np.float64)
    out[:len(values)] = values
    return out


def _weather(weather):
    """``(name, out_t, out_v)`` of a weather name or a list of ``(t (s), T_out (degC))``."""
    if isinstance(weather, str):
        if weather not in WEATHER:
            raise ValueError(f"weather must be one of {sorted(WEATHER)} or a list of (t_s, "
                             f"degC) breakpoints; got {weather!r}")
        name, points = weather, WEATHER[weather]
    else:
        name, points = "custom", weather
    try:
        pts = [(float(t), float(v)) for t, v in points]
    except (TypeError, ValueError):
        raise TypeError(f"weather breakpoints must be (t_s, degC) pairs; got {weather!r}") \
            from None
    if not 1 <= len(pts) <= nb.MAX_BREAKPOINTS:
        raise ValueError(f"weather needs 1 to {nb.MAX_BREAKPOINTS} (t_s, degC) breakpoints; got "
                         f"{len(pts)}")
    ts = np.array([t for t, _ in pts])
    vs = np.array([v for _, v in pts])
    if not (np.isfinite(ts).all() and np.isfinite(vs).all()) or (ts < 0).any() \
            or (np.diff(ts) <= 0).any():
        raise ValueError(f"weather breakpoints need finite temperatures and times >= 0 s in "
                         f"strictly increasing order; got {pts!r}")
    return name, ts, vs


def _seconds(name: str, value, minimum: float = 0.0, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number of seconds; got {value!r}")
    x = float(value)
    if not math.isfinite(x) or x < minimum or (strict and x <= minimum):
        raise ValueError(f"{name} must be a finite number of seconds {'>' if strict else '>='} "
                         f"{minimum:g}; got {value!r}")
    return x


def heating_house(n_rooms: int = 2, *, coordinator: bool = False, vent: bool = False,
                  floor: bool = False, weather="mild", disturbance_mean: float = 0.0,
                  disturbance_size: float = 2.0, thermostat_ticks=None, jitter: float = 0.1,
                  horizon: float = 6 * H, dt: float = 60.0, target: float = 21.0,
                  setpoint_range=(16.0, 26.0), alarm_band=(18.0, 24.0), init_range=(18.0, 22.0),
                  ua=None, cap=None, p_heat=None, vent_kw: float = 2.0, vent_cop: float = 3.0,
                  energy_weight: float = 0.1, timing=None) -> BatchEnv:
    """Build the heating house batch env (see the module docstring).

    Parameters
    ----------
    n_rooms : int
        Rooms, one thermostat each (>= 1).
    coordinator, vent, floor : bool
        Add the zone coordinator (per-room setpoints; woken by cold alarms), the vent (woken by
        overheat alarms), the floor controller (over the coordinator and the vent; needs the
        coordinator).
    weather : str or list
        ``"mild"``, ``"cold_snap"``, ``"heat_wave"`` (``WEATHER``) or ``[(t_s, degC), ...]``.
    disturbance_mean, disturbance_size : float
        Mean spacing (s) of Poisson window openings (0: none) and the largest drop (K).
    thermostat_ticks : float or sequence, optional
        Tick interval (s) of each thermostat (default 60 s for every one).
    jitter : float
        GAUSSIAN jitter ratio of every agent's default timing (0: deterministic).
    horizon, dt : float
        Episode length and the synchronous baseline's decision period (s).
    target : float
        Comfort target (degC); also the setpoint a child sees before its first message.
    setpoint_range, alarm_band, init_range : (float, float)
        Setpoint bounds, the (cold, hot) alarm thresholds and the initial temperature range
        (degC).
    ua, cap, p_heat : number or sequence, optional
        Per room: conductance to outdoors (kW/K), heat capacity (kJ/K), heater power (kW).
    vent_kw, vent_cop : float
        Heat the vent extracts from every room at full command (kW) and its coefficient of
        performance (electricity = heat / cop).
    energy_weight : float
        Weight of electric power in the reward (K^2 per kW).
    timing : dict, optional
        ``TickConfig`` per agent id or class, over the defaults: thermostats tick every 60 s
        (readings 2 s old, commands land 1 s later, alarms 1 s in transit), the coordinator
        every 300 s (5 s, messages 2 s), the vent every 900 s (2 s, 5 s), the floor every 900 s
        (10 s, messages 5 s); every one with ``jitter``.
    """
    from heron.scheduling.tick_config import JitterType, TickConfig

    if isinstance(n_rooms, bool) or not isinstance(n_rooms, (int, np.integer)) \
            or not 1 <= n_rooms <= nb.MAX_ROOMS:
        raise ValueError(f"n_rooms must be an int in [1, {nb.MAX_ROOMS}]; got {n_rooms!r}")
    n = int(n_rooms)
    for name, flag in (("coordinator", coordinator), ("vent", vent), ("floor", floor)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool; got {flag!r}")
    if floor and not coordinator:
        raise ValueError("floor=True needs coordinator=True (the floor controller sends the "
                         "zone coordinator its base setpoint); got coordinator=False")
    wname, out_t, out_v = _weather(weather)
    horizon = _seconds("horizon", horizon, strict=True)
    dt = _seconds("dt", dt, strict=True)
    disturbance_mean = _seconds("disturbance_mean", disturbance_mean)
    for name, v in (("jitter", jitter), ("target", target)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not math.isfinite(v):
            raise TypeError(f"{name} must be a finite number; got {v!r}")
    jitter = float(jitter)
    if not 0.0 <= jitter <= 1.0:
        raise ValueError(f"jitter must be a ratio in [0, 1]; got {jitter!r}")
    pairs = {}
    for name, pair in (("setpoint_range", setpoint_range), ("alarm_band", alarm_band),
                       ("init_range", init_range)):
        try:
            lo, hi = float(pair[0]), float(pair[1])
        except (TypeError, ValueError, IndexError):
            raise TypeError(f"{name} must be a pair (low, high) of degC; got {pair!r}") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise ValueError(f"{name} must be finite degC with low <= high; got {pair!r}")
        pairs[name] = (lo, hi)
    if pairs["alarm_band"][0] >= pairs["alarm_band"][1]:
        raise ValueError(f"alarm_band must be (cold, hot) degC with cold < hot; got "
                         f"{alarm_band!r}")
    sp_lo, sp_hi = pairs["setpoint_range"]
    if not sp_lo <= float(target) <= sp_hi:
        raise ValueError(f"target must lie in setpoint_range {setpoint_range!r}; got {target!r}")
    for name, v in (("disturbance_size", disturbance_size), ("vent_kw", vent_kw),
                    ("energy_weight", energy_weight)):
        if isinstance(v, bool) or not (isinstance(v, (int, float)) and math.isfinite(v)
                                       and v >= 0):
            raise ValueError(f"{name} must be a finite number >= 0; got {v!r}")
    if isinstance(vent_cop, bool) or not (isinstance(vent_cop, (int, float))
                                          and math.isfinite(vent_cop) and vent_cop > 0):
        raise ValueError(f"vent_cop must be a finite number > 0; got {vent_cop!r}")
    ticks = _per_room("thermostat_ticks", thermostat_ticks, (60.0,), n)

    # agent indices: thermostats, then vent, coordinator, floor (those present)
    nxt = n
    i_vent = i_coord = i_floor = -1
    if vent:
        i_vent, nxt = nxt, nxt + 1
    if coordinator:
        i_coord, nxt = nxt, nxt + 1
    if floor:
        i_floor, nxt = nxt, nxt + 1
    agents = [AgentSpec(f"thermostat_{u + 1}", "field", 1, 1, 0.0, 1.0, parent=i_coord,
                        child_slot=u, alarms=bool(vent or coordinator)) for u in range(n)]
    if vent:
        agents.append(AgentSpec("vent", "field", 3, 1, 0.0, 1.0, parent=i_floor, child_slot=1))
    if coordinator:
        agents.append(AgentSpec("coordinator", "coordinator", n + 1, n, sp_lo, sp_hi,
                                parent=i_floor, child_slot=0, actuates=False))
    if floor:
        agents.append(AgentSpec("floor", "coordinator", 2, 2, sp_lo, sp_hi, actuates=False))

    def tc(tick, obs, act, msg):
        if jitter == 0.0:
            return TickConfig.deterministic(tick, obs, act, msg)
        return TickConfig.with_jitter(tick, obs, act, msg, JitterType.GAUSSIAN, jitter)

    default_timing = {"field": tc(60.0, 2.0, 1.0, 1.0), "coordinator": tc(300.0, 5.0, 0.0, 2.0)}
    for u in range(n):
        if ticks[u] != 60.0:
            default_timing[f"thermostat_{u + 1}"] = tc(float(ticks[u]), 2.0, 1.0, 1.0)
    if vent:
        default_timing["vent"] = tc(900.0, 2.0, 5.0, 1.0)
    if floor:
        default_timing["floor"] = tc(900.0, 10.0, 0.0, 5.0)
    if timing is not None:
        valid = [a.id for a in agents] + ["field", "coordinator"]
        if not isinstance(timing, dict) or any(k not in valid for k in timing):
            raise ValueError(f"timing must be a dict keyed by agent id or class, one of {valid}; "
                             f"got {timing!r}")
        default_timing.update(timing)

    rooms = {k: _per_room(k, v, d, n) for k, v, d in (("ua", ua, ROOM_UA), ("cap", cap, ROOM_CAP),
                                                      ("p_heat", p_heat, ROOM_HEAT))}
    p = dict(n=n, vent=i_vent, coord=i_coord, floor=i_floor,
             **{k: _padded(v, nb.MAX_ROOMS) for k, v in rooms.items()}, vent_kw=float(vent_kw),
             vent_cop=float(vent_cop), target=float(target), energy_weight=float(energy_weight),
             t_hot=pairs["alarm_band"][1], t_cold=pairs["alarm_band"][0],
             init_lo=pairs["init_range"][0], init_hi=pairs["init_range"][1],
             dist_size=float(disturbance_size), n_out=len(out_t),
             out_t=_padded(out_t, nb.MAX_BREAKPOINTS), out_v=_padded(out_v, nb.MAX_BREAKPOINTS))
    params = {"n_rooms": n, "coordinator": bool(coordinator), "vent": bool(vent),
              "floor": bool(floor), "weather": wname if wname != "custom" else
              [[float(t), float(v)] for t, v in zip(out_t, out_v)],
              "disturbance_mean": disturbance_mean, "disturbance_size": float(disturbance_size),
              "thermostat_ticks": ticks.tolist(), "jitter": jitter, "horizon": horizon, "dt": dt,
              "target": float(target), "setpoint_range": [sp_lo, sp_hi],
              "alarm_band": list(pairs["alarm_band"]), "init_range": list(pairs["init_range"]),
              "ua": rooms["ua"].tolist(), "cap": rooms["cap"].tolist(),
              "p_heat": rooms["p_heat"].tolist(),
              "vent_kw": float(vent_kw), "vent_cop": float(vent_cop),
              "energy_weight": float(energy_weight)}
    parts = [f"{n} room{'s' if n > 1 else ''}"] + [w for w, on in (
        ("a vent", vent), ("a coordinator", coordinator), ("a floor controller", floor)) if on]
    return BatchEnv(
        name="heating_house", params=params, agents=tuple(agents), default_timing=default_timing,
        state_dtype=nb.UNIT_DTYPE, n_units=n, env_params=p, functions=dict(nb.FUNCTIONS),
        metrics=dict(nb.METRICS), kernel_key="heating_house", dt=dt, horizon=horizon,
        disturbance_mean=disturbance_mean, msg_init=float(target),
        default_policy=default_policy(target=float(target)),
        description=", ".join(parts) + f"; weather {wname}",
    )
