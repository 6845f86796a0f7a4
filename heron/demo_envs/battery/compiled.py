"""The battery fleet's compiled env functions, written with heron's public authoring API
(``heron.batch.env``): the same protocol a user's env follows.

State (``UNIT_DTYPE``): one column per battery: ``soc`` (fraction), ``act`` (actuator: normalised
action in [-1, 1], neutral 0), ``outside`` (seconds spent with SOC outside the band), ``armed``
(1 when the alarm may fire).

Named parameters ``p`` (``PARAMS`` lists them): physics of the tutorial: power (MW) =
``power_scale`` x action, d(SOC)/dt = power x ``soc_rate`` per second (tutorial: power / 2), SOC
held in ``[soc_min, soc_max]``. Because the rate is constant between events, clipping at the end of
an interval equals integrating a saturating integrator (closed form, exact).

Agents: batteries ``0..n-1`` (field agents: observe their SOC, actuate), then an optional
coordinator ``n`` (observes every SOC, actuates nothing, sends one setpoint per battery).

Reward rates (per second; returns are their time integrals, exact: ``reward_integral``): battery
``-|target - soc|``; coordinator the mean of its batteries' rates. Triggers: a battery whose observed SOC is outside ``[band_lo, band_hi]`` while
armed raises an alarm to the coordinator (then disarms until it observes SOC back in the band).
Disturbances (W2): battery ``floor(u * n)`` has its SOC shifted by ``U(-dist_size, dist_size)``.
Metric ``time_outside_band``: seconds outside the band (the coordinator's: the sum over batteries).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from heron.batch.random import DISTURB_SIZE, DISTURB_UNIT, ENV, INIT, stream_key, uniform

UNIT_DTYPE = np.dtype([("soc", "f8"), ("act", "f8"), ("outside", "f8"), ("armed", "i8")],
                      align=True)
PARAMS = ("n", "power_scale", "soc_rate", "soc_min", "soc_max", "band_lo", "band_hi",
          "init_lo", "init_hi", "target", "coord", "dist_size")


@njit(cache=True, inline="always")
def init(st, e, p, seed, episode):
    """Initial SOC uniform in ``[init_lo, init_hi]`` from stream (seed, episode, battery, INIT)."""
    lo = p.init_lo
    hi = p.init_hi
    for b in range(st.shape[1]):
        u = uniform(stream_key(seed, episode, b, INIT), 0)
        r = st[e, b]
        r.soc = lo + (hi - lo) * u
        r.act = 0.0
        r.outside = 0.0
        r.armed = 1


@njit(cache=True, inline="always")
def observe(st, e, p, agent, out):
    """Battery: ``out[0] = soc``; coordinator: ``out[b] = soc_b`` for every battery."""
    n = st.shape[1]
    if agent < n:
        out[0] = st[e, agent].soc
    else:
        for b in range(n):
            out[b] = st[e, b].soc


@njit(cache=True, inline="always")
def effect(st, e, p, agent, act):
    """A battery's actuator becomes ``act[0]`` (normalised, in [-1, 1]); coordinators: nothing."""
    if agent < st.shape[1]:
        st[e, agent].act = act[0]


@njit(inline="always", cache=True)
def _time_outside(s0, rate, dt, lo, hi):
    """Seconds in ``[0, dt]`` during which ``s0 + rate * t`` lies outside ``[lo, hi]``."""
    if rate == 0.0:
        return dt if (s0 < lo or s0 > hi) else 0.0
    t_lo = (lo - s0) / rate
    t_hi = (hi - s0) / rate
    if rate > 0.0:
        below = min(max(t_lo, 0.0), dt)          # below lo until t_lo
        above = dt - min(max(t_hi, 0.0), dt)     # above hi after t_hi
    else:
        above = min(max(t_hi, 0.0), dt)
        below = dt - min(max(t_lo, 0.0), dt)
    return below + above


@njit(cache=True, inline="always")
def advance(st, e, p, dt):
    """Integrate ``dt`` seconds with actuators held (closed form, SOC clipped)."""
    k = p.power_scale * p.soc_rate
    smin = p.soc_min
    smax = p.soc_max
    lo = p.band_lo
    hi = p.band_hi
    for b in range(st.shape[1]):
        r = st[e, b]
        rate = k * r.act
        s0 = r.soc
        r.outside += _time_outside(s0, rate, dt, lo, hi)
        s = s0 + rate * dt
        r.soc = min(max(s, smin), smax)


@njit(cache=True, inline="always")
def reward(st, e, p, agent):
    """Reward rate (per s): battery ``-|target - soc|``; coordinator: mean over batteries."""
    n = st.shape[1]
    tgt = p.target
    if agent < n:
        return -abs(tgt - st[e, agent].soc)
    acc = 0.0
    for b in range(n):
        acc -= abs(tgt - st[e, b].soc)
    return acc / n


@njit(inline="always", cache=True)
def _abs_linear(a, b, T):
    """``integral over [0, T] of |a + b t| dt`` (exact; a sign change splits it in two)."""
    end = a + b * T
    if (a >= 0.0) == (end >= 0.0) or b == 0.0:
        return 0.5 * (abs(a) + abs(end)) * T
    t0 = -a / b
    return 0.5 * (abs(a) * t0 + abs(end) * (T - t0))


@njit(inline="always", cache=True)
def _abs_deviation(s0, rate, dt, tgt, smin, smax):
    """``integral over [0, dt] of |tgt - soc(t)| dt`` for ``soc(t) = clip(s0 + rate t, smin,
    smax)`` (linear until it meets a bound, then held there)."""
    t_lin = dt
    bound = s0
    if rate > 0.0 and s0 + rate * dt > smax:
        t_lin = (smax - s0) / rate
        bound = smax
    elif rate < 0.0 and s0 + rate * dt < smin:
        t_lin = (smin - s0) / rate
        bound = smin
    return _abs_linear(s0 - tgt, rate, t_lin) + abs(bound - tgt) * (dt - t_lin)


@njit(cache=True, inline="always")
def reward_integral(st, e, p, agent, dt):
    """Exact integral of ``reward`` over the next ``dt`` seconds with actuators held (the SOC
    is piecewise linear: ``advance``'s closed form)."""
    n = st.shape[1]
    k = p.power_scale * p.soc_rate
    tgt = p.target
    if agent < n:
        r = st[e, agent]
        return -_abs_deviation(r.soc, k * r.act, dt, tgt, p.soc_min, p.soc_max)
    acc = 0.0
    for b in range(n):
        r = st[e, b]
        acc -= _abs_deviation(r.soc, k * r.act, dt, tgt, p.soc_min, p.soc_max)
    return acc / n


@njit(cache=True, inline="always")
def trigger(st, e, p, agent, obs):
    """After a battery's tick: its coordinator's index when its observed SOC ``obs[0]`` left the
    band while armed (an alarm), else -1. Re-arms when the observed SOC is back in the band."""
    coord = int(p.coord)
    if coord < 0 or agent >= st.shape[1]:
        return -1
    r = st[e, agent]
    soc = obs[0]
    inside = p.band_lo <= soc <= p.band_hi
    if inside:
        r.armed = 1
        return -1
    if r.armed == 1:
        r.armed = 0
        return coord
    return -1


@njit(cache=True, inline="always")
def disturb(st, e, p, seed, episode, j):
    """Disturbance ``j``: shift one battery's SOC by ``U(-DIST_SIZE, DIST_SIZE)`` (clipped)."""
    n = st.shape[1]
    b = int(uniform(stream_key(seed, episode, ENV, DISTURB_UNIT), j) * n)
    if b >= n:
        b = n - 1
    d = p.dist_size * (2.0 * uniform(stream_key(seed, episode, ENV, DISTURB_SIZE), j) - 1.0)
    r = st[e, b]
    r.soc = min(max(r.soc + d, p.soc_min), p.soc_max)


@njit(cache=True, inline="always")
def outside(st, e, p, agent):
    """Seconds outside the SOC band: a battery's own; the coordinator's = sum over batteries."""
    n = st.shape[1]
    if agent < n:
        return st[e, agent].outside
    acc = 0.0
    for b in range(n):
        acc += st[e, b].outside
    return acc


FUNCTIONS = {
    "init": init, "observe": observe, "effect": effect, "advance": advance, "reward": reward,
    "trigger": trigger, "disturb": disturb, "reward_integral": reward_integral,
}
"""The env protocol functions by name (see ``heron.batch.env``)."""
METRICS = {"time_outside_band": outside}
"""The env's metric columns."""

