"""The heating house's compiled env functions, written with heron's public authoring API
(``heron.batch.env``): the same protocol a user's env follows.

Units: temperatures degC (differences K), powers kW, heat capacities kJ/K, conductances kW/K,
times s, energies kWh.

State (``UNIT_DTYPE``), one column per room: ``temp`` (degC), ``heat`` (the room's heater
command in [0, 1]), ``vent`` (the shared vent's command in [0, 1], the same in every column),
``t`` (the absolute time of the state, s; episodes start at 0 s; the same in every column),
``kwh`` (electric energy spent on the room so far: its heater plus its share of the vent, kWh),
``sq_dev`` (integral of ``(temp - target)**2``, K^2 s), ``temp_min`` / ``temp_max`` (extremes of
the room's temperature so far, degC), ``armed_hot`` / ``armed_cold`` (1 when the room's alarms may
fire).

Physics, room ``u`` (named parameters ``p``, ``PARAMS`` lists them)::

    cap[u] dT/dt = ua[u] (T_out(t) - T) + p_heat[u] heat[u] - vent_kw vent

``T_out(t)`` is the scheduled outdoor temperature: linear between the breakpoints ``(out_t[j],
out_v[j])``, ``j < n_out`` (s, degC), constant before the first and after the last (a cold snap or
a heat wave is a known profile). With the commands held (zero-order hold) and ``T_out`` linear on a
piece, the solution is closed form: ``T(tau) = T0 + (T_inf - T0) (1 - exp(-k tau)) + b (tau - (1 -
exp(-k tau)) / k)`` with ``k = ua / cap`` (1/s), ``T_inf`` the equilibrium for the outdoor
temperature at the piece's start and ``b`` the piece's slope (K/s). ``advance`` splits every
interval at the profile's breakpoints, so it is exact for any ``dt``; the integral of ``(T -
target)**2`` and the extremes of ``T`` are closed form on each piece too.

Agents (indices in ``p``): thermostats ``0 .. n-1`` (room ``u`` = thermostat ``u``; observe
``[temp]``, act on their heater), then optionally the vent (``p.vent``; observes ``[hottest room,
mean room, outdoor]`` temperatures; its command, in [0, 1], extracts ``vent_kw * command`` kW of
heat from every room and draws ``vent_kw / vent_cop * command`` kW of electricity per room), the
zone coordinator (``p.coord``; observes ``[temp_0 .. temp_n-1, outdoor]``, sends one setpoint per
thermostat, actuates nothing) and the floor controller (``p.floor``; observes ``[outdoor, mean
room]``, sends a base setpoint to the coordinator and one to the vent).

Reward rates (per second; returns are their time integrals, exact: ``reward_integral``), in
K^2 h per second so that a return reads in K^2 h: room ``u``: ``-((temp_u - target)**2 +
energy_weight * P_u) / 3600`` with ``P_u`` the room's electric power (kW: heater plus its share of
the vent); a thermostat gets its room's rate, the vent, coordinator and floor the mean over rooms.

Alarms (``trigger``, after a thermostat's decision on its observed temperature ``x``): ``x >
t_hot`` alarms the vent (if there is one), ``x < t_cold`` the coordinator (if there is one); each
fires once per excursion (disarmed until the thermostat observes its room back on the other side
of the threshold). Poisson disturbances (``disturb``: a window opened): one room, drawn from the
episode's stream, drops by ``U(0, dist_size)`` K.

Metrics: ``energy_kwh`` (kWh; thermostat: its room, others: the house), ``comfort_k2h`` (integral
of ``(temp - target)**2`` in K^2 h; thermostat: its room, others: the mean over rooms),
``temp_min`` / ``temp_max`` (degC; thermostat: its room, others: over every room).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from heron.batch.random import DISTURB_SIZE, DISTURB_UNIT, ENV, INIT, stream_key, uniform

UNIT_DTYPE = np.dtype([("temp", "f8"), ("heat", "f8"), ("vent", "f8"), ("t", "f8"),
                       ("kwh", "f8"), ("sq_dev", "f8"), ("temp_min", "f8"), ("temp_max", "f8"),
                       ("armed_hot", "i8"), ("armed_cold", "i8")], align=True)
PARAMS = ("n", "vent", "coord", "floor", "ua", "cap", "p_heat", "vent_kw", "vent_cop", "target",
          "energy_weight", "t_hot", "t_cold", "init_lo", "init_hi", "dist_size", "n_out", "out_t",
          "out_v")
#: capacities of the parameter arrays (per-room ``ua``, ``cap``, ``p_heat``; the weather's
#: ``out_t``, ``out_v``, of which the first ``n_out`` are used): fixed, so that every house has
#: the same parameter type and shares one compiled kernel
MAX_ROOMS = 64
MAX_BREAKPOINTS = 32
SECONDS_PER_HOUR = 3600.0


# -- closed-form pieces --------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _decay(x):
    """For ``x = k h >= 0``: ``(u, phi1, phi1(2x), phi2)`` with ``u = 1 - exp(-x)``, ``phi1(x) =
    u / x``, ``phi2(x) = (1 - exp(-x) (1 + x)) / x**2``, from one ``expm1`` (series where the
    direct forms lose digits: below 1e-8, and below 0.01 for ``phi2``)."""
    if x < 1e-8:
        return x * (1.0 - 0.5 * x), 1.0 - 0.5 * x, 1.0 - x, 0.5 - x / 3.0
    u = -math.expm1(-x)
    if x < 0.01:
        f2 = 0.5 - x * (1.0 / 3.0 - x * (0.125 - x * (1.0 / 30.0 - x * (1.0 / 144.0 - x * (
            1.0 / 840.0 - x / 5760.0)))))
    else:
        f2 = (u - x * (1.0 - u)) / (x * x)
    return u, u / x, u * (2.0 - u) / (2.0 * x), f2


@njit(cache=True)
def outdoor(p, t):
    """The outdoor profile at absolute time ``t`` (s): ``(T_out (degC), slope (K/s) of the piece
    holding t, the next breakpoint after t (s; inf after the last))``."""
    ts = p.out_t
    vs = p.out_v
    m = p.n_out
    if t < ts[0]:
        return vs[0], 0.0, ts[0]
    for j in range(m - 1):
        if t < ts[j + 1]:
            s = (vs[j + 1] - vs[j]) / (ts[j + 1] - ts[j])
            return vs[j] + s * (t - ts[j]), s, ts[j + 1]
    return vs[m - 1], 0.0, math.inf


@njit(cache=True, inline="always")
def _piece(T0, a, b, q, k, h, target):
    """Room temperature over ``h`` s from ``T0`` (degC) with outdoor ``a + b tau`` (degC, K/s)
    and held forcing ``q`` (K: heater minus vent, over ua), ``k = ua / cap`` (1/s). Returns
    ``(T(h), integral of (T - target)**2 over [0, h] (K^2 s), min T, max T)``."""
    u, f1, f1x2, f2 = _decay(k * h)        # u = 1 - exp(-k h)
    g = a + q - T0                         # initial equilibrium minus T0
    T1 = T0 + g * u + b * (h - u / k)
    # T(tau) = A + b tau + C exp(-k tau)
    A = a + q - b / k
    C = T0 - A
    al = A - target
    e1 = h * f1                            # integral of exp(-k tau) over [0, h]
    e2 = h * h * f2                        # ... of tau exp(-k tau)
    e3 = h * f1x2                          # ... of exp(-2 k tau)
    sq = (al * al * h + al * b * h * h + b * b * h * h * h / 3.0 + 2.0 * al * C * e1
          + 2.0 * b * C * e2 + C * C * e3)
    lo = min(T0, T1)
    hi = max(T0, T1)
    if b != 0.0 and C != 0.0:              # one stationary point where exp(-k tau) = b / (k C)
        r = b / (k * C)
        if 0.0 < r < 1.0:
            tau = -math.log(r) / k
            if tau < h:
                Ts = a + q + b * tau       # there T equals the instantaneous equilibrium
                lo = min(lo, Ts)
                hi = max(hi, Ts)
    return T1, max(sq, 0.0), lo, hi


@njit(cache=True)
def room_over(st, e, p, u, dt):
    """Room ``u`` of row ``e`` over the next ``dt`` s with commands held, split at the outdoor
    profile's breakpoints: ``(temp after dt (degC), integral of (temp - target)**2 (K^2 s), min,
    max (degC))``. Reads the state only."""
    r = st[e, u]
    k = p.ua[u] / p.cap[u]
    q = (p.p_heat[u] * r.heat - p.vent_kw * r.vent) / p.ua[u]
    tgt = p.target
    T = r.temp
    t = r.t
    t_end = t + dt
    sq = 0.0
    lo = T
    hi = T
    while True:
        a, b, t_next = outdoor(p, t)
        last = t_next >= t_end
        h = (t_end - t) if last else (t_next - t)
        T, s, l2, h2 = _piece(T, a, b, q, k, h, tgt)
        sq += s
        lo = min(lo, l2)
        hi = max(hi, h2)
        if last:
            return T, sq, lo, hi
        t = t_next


@njit(cache=True, inline="always")
def _power(p, r, u):
    """Electric power (kW) spent on room ``u`` with the state's commands."""
    return p.p_heat[u] * r.heat + p.vent_kw / p.vent_cop * r.vent


# -- the env protocol ----------------------------------------------------------------------------
@njit(cache=True)
def init(st, e, p, seed, episode):
    """Room ``u`` starts at ``init_lo + (init_hi - init_lo) U`` degC (stream ``(seed, episode, u,
    INIT)``), heaters and vent off, at 0 s, alarms armed."""
    for u in range(st.shape[1]):
        r = st[e, u]
        x = uniform(stream_key(seed, episode, u, INIT), 0)
        r.temp = p.init_lo + (p.init_hi - p.init_lo) * x
        r.heat = 0.0
        r.vent = 0.0
        r.t = 0.0
        r.kwh = 0.0
        r.sq_dev = 0.0
        r.temp_min = r.temp
        r.temp_max = r.temp
        r.armed_hot = 1
        r.armed_cold = 1


@njit(cache=True)
def observe(st, e, p, agent, out):
    """Thermostat ``u``: ``[temp_u]``; vent: ``[max temp, mean temp, outdoor]``; coordinator:
    ``[temp_0 .. temp_n-1, outdoor]``; floor: ``[outdoor, mean temp]`` (degC)."""
    n = st.shape[1]
    if agent < n:
        out[0] = st[e, agent].temp
        return
    t_out = outdoor(p, st[e, 0].t)[0]
    acc = 0.0
    top = -math.inf
    for u in range(n):
        x = st[e, u].temp
        acc += x
        top = max(top, x)
    if agent == p.vent:
        out[0] = top
        out[1] = acc / n
        out[2] = t_out
    elif agent == p.coord:
        for u in range(n):
            out[u] = st[e, u].temp
        out[n] = t_out
    else:
        out[0] = t_out
        out[1] = acc / n


@njit(cache=True)
def effect(st, e, p, agent, act):
    """A thermostat's command sets its room's heater; the vent's sets the vent (every column);
    the coordinator and the floor actuate nothing."""
    n = st.shape[1]
    if agent < n:
        st[e, agent].heat = act[0]
    elif agent == p.vent:
        for u in range(n):
            st[e, u].vent = act[0]


@njit(cache=True)
def advance(st, e, p, dt):
    """``dt`` s with the commands held (closed form, exact; see the module docstring)."""
    if dt <= 0.0:
        return
    n = st.shape[1]
    for u in range(n):
        r = st[e, u]
        T, sq, lo, hi = room_over(st, e, p, u, dt)
        r.kwh += _power(p, r, u) * dt / SECONDS_PER_HOUR
        r.sq_dev += sq
        r.temp_min = min(r.temp_min, lo)
        r.temp_max = max(r.temp_max, hi)
        r.temp = T
    t = st[e, 0].t + dt
    for u in range(n):
        st[e, u].t = t


@njit(cache=True)
def reward(st, e, p, agent):
    """Reward rate (K^2 h per s): room ``-((temp - target)**2 + energy_weight * power) / 3600``;
    thermostat: its room; vent, coordinator, floor: the mean over rooms."""
    n = st.shape[1]
    if agent < n:
        r = st[e, agent]
        d = r.temp - p.target
        return -(d * d + p.energy_weight * _power(p, r, agent)) / SECONDS_PER_HOUR
    acc = 0.0
    for u in range(n):
        r = st[e, u]
        d = r.temp - p.target
        acc += d * d + p.energy_weight * _power(p, r, u)
    return -acc / (n * SECONDS_PER_HOUR)


@njit(cache=True)
def reward_integral(st, e, p, agent, dt):
    """Exact integral of ``reward`` over the next ``dt`` s with the commands held."""
    n = st.shape[1]
    if agent < n:
        sq = room_over(st, e, p, agent, dt)[1]
        return -(sq + p.energy_weight * _power(p, st[e, agent], agent) * dt) / SECONDS_PER_HOUR
    acc = 0.0
    for u in range(n):
        acc += room_over(st, e, p, u, dt)[1] + p.energy_weight * _power(p, st[e, u], u) * dt
    return -acc / (n * SECONDS_PER_HOUR)


@njit(cache=True)
def trigger(st, e, p, agent, obs):
    """After thermostat ``agent``'s decision on ``obs[0]`` (degC): the vent's index when it is
    above ``t_hot`` and the room's hot alarm is armed, the coordinator's when below ``t_cold``
    and the cold alarm is armed, else -1. An alarm disarms until the thermostat observes its room
    back on the other side of the threshold."""
    if agent >= st.shape[1]:
        return -1
    r = st[e, agent]
    x = obs[0]
    if x > p.t_hot:
        r.armed_cold = 1
        if r.armed_hot == 1 and p.vent >= 0:
            r.armed_hot = 0
            return p.vent
        return -1
    r.armed_hot = 1
    if x < p.t_cold:
        if r.armed_cold == 1 and p.coord >= 0:
            r.armed_cold = 0
            return p.coord
        return -1
    r.armed_cold = 1
    return -1


@njit(cache=True)
def disturb(st, e, p, seed, episode, j):
    """Disturbance ``j`` (a window opened): room ``floor(U n)`` drops by ``U(0, dist_size)`` K
    (streams ``(seed, episode, ENV, DISTURB_UNIT / DISTURB_SIZE)``, number ``j``)."""
    n = st.shape[1]
    u = int(uniform(stream_key(seed, episode, ENV, DISTURB_UNIT), j) * n)
    if u >= n:
        u = n - 1
    r = st[e, u]
    r.temp -= p.dist_size * uniform(stream_key(seed, episode, ENV, DISTURB_SIZE), j)
    r.temp_min = min(r.temp_min, r.temp)


# -- metrics -------------------------------------------------------------------------------------
@njit(cache=True)
def energy_kwh(st, e, p, agent):
    """Electric energy (kWh): a thermostat's room (heater + vent share); others: the house."""
    n = st.shape[1]
    if agent < n:
        return st[e, agent].kwh
    acc = 0.0
    for u in range(n):
        acc += st[e, u].kwh
    return acc


@njit(cache=True)
def comfort_k2h(st, e, p, agent):
    """Integral of ``(temp - target)**2`` (K^2 h): a thermostat's room; others: the mean."""
    n = st.shape[1]
    if agent < n:
        return st[e, agent].sq_dev / SECONDS_PER_HOUR
    acc = 0.0
    for u in range(n):
        acc += st[e, u].sq_dev
    return acc / (n * SECONDS_PER_HOUR)


@njit(cache=True)
def temp_min(st, e, p, agent):
    """Lowest temperature of the episode (degC): a thermostat's room; others: every room."""
    n = st.shape[1]
    if agent < n:
        return st[e, agent].temp_min
    x = math.inf
    for u in range(n):
        x = min(x, st[e, u].temp_min)
    return x


@njit(cache=True)
def temp_max(st, e, p, agent):
    """Highest temperature of the episode (degC): a thermostat's room; others: every room."""
    n = st.shape[1]
    if agent < n:
        return st[e, agent].temp_max
    x = -math.inf
    for u in range(n):
        x = max(x, st[e, u].temp_max)
    return x


FUNCTIONS = {
    "init": init, "observe": observe, "effect": effect, "advance": advance, "reward": reward,
    "reward_integral": reward_integral, "trigger": trigger, "disturb": disturb,
}
"""The env protocol functions by name (see ``heron.batch.env``)."""
METRICS = {"energy_kwh": energy_kwh, "comfort_k2h": comfort_k2h, "temp_min": temp_min,
           "temp_max": temp_max}
"""The env's metric columns, in declaration order."""
