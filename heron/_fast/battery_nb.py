"""The battery fleet's compiled env functions (the batch-engine protocol of ``heron.batch.env``).

State: a 2-D array ``st`` of ``battery_unit_dt`` with one row per episode and one column per
battery: ``soc`` (fraction), ``act`` (actuator: normalised action in [-1, 1], neutral 0),
``outside`` (seconds spent with SOC outside the band), ``armed`` (1 when the alarm may fire).

Parameters ``p`` (float64 array, indices ``P_*``): physics of the tutorial: power (MW) =
``POWER_SCALE`` x action, d(SOC)/dt = power x ``SOC_RATE`` per second (tutorial: power / 2),
SOC held in ``[SOC_MIN, SOC_MAX]``. Because the rate is constant between events, clipping at the
end of an interval equals integrating a saturating integrator (closed form, exact).

Agents: batteries ``0..n-1`` (field agents: observe their SOC, actuate), then an optional
coordinator ``n`` (observes every SOC, actuates nothing, sends one setpoint per battery).

Rewards (per reward-clock sample): battery ``-|TARGET - soc|``; coordinator the mean of its
batteries' rewards. Triggers: a battery whose observed SOC is outside ``[BAND_LO, BAND_HI]`` while
armed raises an alarm to the coordinator (then disarms until it observes SOC back in the band).
Disturbances (W2): battery ``floor(u * n)`` has its SOC shifted by ``U(-DIST_SIZE, DIST_SIZE)``.
"""
from __future__ import annotations

from numba import njit

from heron._fast.rng import ENV_AGENT, Q_DISTURB_SIZE, Q_DISTURB_UNIT, Q_INIT, stream_key, uniform

P_N = 0              # number of batteries
P_POWER_SCALE = 1    # MW per unit action (0.5)
P_SOC_RATE = 2       # d(SOC)/dt per MW (0.5: power / 2 per second)
P_SOC_MIN = 3        # 0.1
P_SOC_MAX = 4        # 0.9
P_BAND_LO = 5        # 0.15
P_BAND_HI = 6        # 0.85
P_INIT_LO = 7        # 0.2
P_INIT_HI = 8        # 0.8
P_TARGET = 9         # 0.5
P_COORD = 10         # coordinator agent index, -1 without one
P_DIST_SIZE = 11     # half-width of a disturbance's SOC shift
N_PARAMS = 12


@njit(cache=True, inline="always")
def init(st, e, p, seed, episode):
    """Initial SOC uniform in ``[INIT_LO, INIT_HI]`` from stream (seed, episode, battery, Q_INIT)."""
    lo = p[P_INIT_LO]
    hi = p[P_INIT_HI]
    for b in range(st.shape[1]):
        u = uniform(stream_key(seed, episode, b, Q_INIT), 0)
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
    k = p[P_POWER_SCALE] * p[P_SOC_RATE]
    smin = p[P_SOC_MIN]
    smax = p[P_SOC_MAX]
    lo = p[P_BAND_LO]
    hi = p[P_BAND_HI]
    for b in range(st.shape[1]):
        r = st[e, b]
        rate = k * r.act
        s0 = r.soc
        r.outside += _time_outside(s0, rate, dt, lo, hi)
        s = s0 + rate * dt
        r.soc = min(max(s, smin), smax)


@njit(cache=True, inline="always")
def reward(st, e, p, agent):
    """Battery ``-|TARGET - soc|``; coordinator: mean over batteries."""
    n = st.shape[1]
    tgt = p[P_TARGET]
    if agent < n:
        return -abs(tgt - st[e, agent].soc)
    acc = 0.0
    for b in range(n):
        acc -= abs(tgt - st[e, b].soc)
    return acc / n


@njit(cache=True, inline="always")
def trigger(st, e, p, agent, obs):
    """After a battery's tick: its coordinator's index when its observed SOC ``obs[0]`` left the
    band while armed (an alarm), else -1. Re-arms when the observed SOC is back in the band."""
    coord = int(p[P_COORD])
    if coord < 0 or agent >= st.shape[1]:
        return -1
    r = st[e, agent]
    soc = obs[0]
    inside = p[P_BAND_LO] <= soc <= p[P_BAND_HI]
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
    b = int(uniform(stream_key(seed, episode, ENV_AGENT, Q_DISTURB_UNIT), j) * n)
    if b >= n:
        b = n - 1
    d = p[P_DIST_SIZE] * (2.0 * uniform(stream_key(seed, episode, ENV_AGENT, Q_DISTURB_SIZE), j) - 1.0)
    r = st[e, b]
    r.soc = min(max(r.soc + d, p[P_SOC_MIN]), p[P_SOC_MAX])


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
    "trigger": trigger, "disturb": disturb, "outside": outside,
}
"""The env protocol functions by name (see ``heron.batch.env``)."""

