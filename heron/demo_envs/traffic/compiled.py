"""The traffic-signal corridor's compiled env functions, written with heron's public authoring
API (``heron.batch.env``): the same protocol a user's env follows.

The corridor: ``n`` signalised intersections in a row along a main street, each crossed by a side
street. Intersection ``u`` (unit ``u`` of the state) has a main-street queue ``qm`` and a
side-street queue ``qs`` (vehicles, fluid). Main-street traffic enters the corridor at
intersection 0 at ``lam_m`` veh/s; the main-street flow discharged at ``u`` continues to ``u + 1``
except a share ``turn_out`` that turns off, and a share ``join`` of the side-street flow
discharged at ``u`` turns onto the main street towards ``u + 1`` (no travel time between
intersections: a point-queue model). Side streets receive ``lam_s`` veh/s each.

Signal phases (``phase``): ``MAIN_GREEN`` (0), ``TO_SIDE`` (1, the main street's amber + all-red
clearance), ``SIDE_GREEN`` (2), ``TO_MAIN`` (3, the side street's clearance). A green approach
discharges its queue at its saturation flow (``sat_main``, ``sat_side`` veh/s) while it is
non-empty, and passes its arrivals through (up to saturation) once empty; nothing is discharged in
clearance. Queues never go below zero.

Actuator: ``req``, the phase the controller requests (1 = main street, 0 = side street); an
action ``a`` in [0, 1] requests the main street when ``a >= 0.5``. Minimum green is enforced by
the physics: a green ends only once it has lasted ``min_green`` s and the other street is
requested; the ``clearance`` s that follow are lost time (a request arriving then is served after
the clearance). Phase changes happen at the exact instant their condition becomes true, also
inside an interval between events (a command that lands with a green already past its minimum
switches the phase at once).

Between events everything is piecewise linear in time: ``advance`` integrates in closed form
from breakpoint to breakpoint (a queue emptying, a minimum green or a clearance ending), so the
result does not depend on how an interval is split (to round-off). ``reward_integral`` runs the
same integration on a copy of the state, or, when no breakpoint falls within the interval (most
intervals between events), the same arithmetic read-only without the copy.

State units (``UNIT_DTYPE``): ``qm``, ``qs`` (veh), ``phase`` (code), ``elapsed`` (s in the
current phase), ``req`` (1/0), ``lam_m`` (veh/s, corridor entry demand, unit 0 only), ``lam_s``
(veh/s), accumulators ``main_delay``, ``side_delay`` (veh x s), ``served`` (veh), ``changes``
(greens ended), ``armed`` (1 when the spillback alarm may fire).

Named parameters ``p`` (``PARAMS``): ``n``, ``sat_main``, ``sat_side`` (veh/s), ``turn_out``,
``join`` (fractions), ``min_green``, ``clearance`` (s), ``main_demand``, ``side_demand`` (veh/s,
nominal), ``demand_spread`` (relative half-width of the per-episode demand draw),
``init_queue`` (veh, initial queues are uniform in [0, init_queue]), ``spill`` (veh, spillback
alarm level), ``coord`` (coordinator index, -1 for none), ``burst`` (veh, disturbance size).

Agents: signals ``0 .. n-1`` (field agents; observation ``[qm, qs, phase, elapsed]`` of their
intersection), then an optional coordinator ``n`` (observes ``[qm_0 .. qm_n-1, qs_0 .. qs_n-1]``,
actuates nothing, sends one main-street weight in [0, 1] per signal).

Reward rates (per second): a signal ``-(qm + qs)`` of its intersection (veh), the coordinator
``-sum(qm + qs)`` over the corridor; returns are minus vehicle-seconds of queueing delay.
Trigger: under a coordinator, a signal whose observed main or side queue exceeds ``spill`` while
armed raises a spillback alarm to the coordinator (then disarms until it observes both queues at
or below ``spill``). Disturbance ``j``: a burst of ``U(0.5, 1) * burst`` vehicles joins the side
queue of intersection ``floor(U * n)`` (a car park emptying, an event letting out).
Metrics: ``main_delay_veh_s``, ``side_delay_veh_s`` (veh x s), ``throughput_veh`` (vehicles
discharged across the stop lines), ``phase_changes`` (greens ended); the coordinator's are the
sums over intersections.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from heron.batch.random import DISTURB_SIZE, DISTURB_UNIT, ENV, INIT, stream_key, uniform

MAIN_GREEN = 0
TO_SIDE = 1
SIDE_GREEN = 2
TO_MAIN = 3
PHASE_NAMES = ("main_green", "to_side", "side_green", "to_main")

UNIT_DTYPE = np.dtype([("qm", "f8"), ("qs", "f8"), ("phase", "i8"), ("elapsed", "f8"),
                       ("req", "i8"), ("lam_m", "f8"), ("lam_s", "f8"), ("main_delay", "f8"),
                       ("side_delay", "f8"), ("served", "f8"), ("changes", "f8"),
                       ("armed", "i8")], align=True)
PARAMS = ("n", "sat_main", "sat_side", "turn_out", "join", "min_green", "clearance",
          "main_demand", "side_demand", "demand_spread", "init_queue", "spill", "coord", "burst")
_INF = math.inf


@njit(cache=True, inline="always")
def init(st, e, p, seed, episode):
    """Initial queues uniform in ``[0, init_queue]`` veh, a green phase (main or side, even odds)
    already ``U(0, min_green)`` s old and requested, demands ``nominal * (1 + spread * U(-1, 1))``
    veh/s; all from stream (seed, episode, intersection, INIT)."""
    for u in range(st.shape[1]):
        key = stream_key(seed, episode, u, INIT)
        r = st[e, u]
        r.qm = p.init_queue * uniform(key, 0)
        r.qs = p.init_queue * uniform(key, 1)
        main = uniform(key, 2) < 0.5
        r.phase = MAIN_GREEN if main else SIDE_GREEN
        r.req = 1 if main else 0
        r.elapsed = p.min_green * uniform(key, 3)
        r.lam_m = p.main_demand * (1.0 + p.demand_spread * (2.0 * uniform(key, 4) - 1.0)) \
            if u == 0 else 0.0
        r.lam_s = p.side_demand * (1.0 + p.demand_spread * (2.0 * uniform(key, 5) - 1.0))
        r.main_delay = 0.0
        r.side_delay = 0.0
        r.served = 0.0
        r.changes = 0.0
        r.armed = 1


@njit(cache=True, inline="always")
def observe(st, e, p, agent, out):
    """Signal: ``[qm, qs, phase, elapsed]`` of its intersection; coordinator: every ``qm``, then
    every ``qs``."""
    n = st.shape[1]
    if agent < n:
        r = st[e, agent]
        out[0] = r.qm
        out[1] = r.qs
        out[2] = float(r.phase)
        out[3] = r.elapsed
    else:
        for u in range(n):
            out[u] = st[e, u].qm
            out[n + u] = st[e, u].qs


@njit(cache=True, inline="always")
def effect(st, e, p, agent, act):
    """A signal's command lands: request the main street when ``act[0] >= 0.5``, else the side
    street. Coordinators actuate nothing."""
    if agent < st.shape[1]:
        st[e, agent].req = 1 if act[0] >= 0.5 else 0


@njit(cache=True, inline="always")
def _switch(r, p):
    """Phase transitions due now: a green past ``min_green`` s with the other street requested
    starts its clearance; a clearance of ``clearance`` s hands over to the other green."""
    if r.phase == MAIN_GREEN and r.req == 0 and r.elapsed >= p.min_green:
        r.phase = TO_SIDE
        r.elapsed = 0.0
        r.changes += 1.0
    elif r.phase == SIDE_GREEN and r.req == 1 and r.elapsed >= p.min_green:
        r.phase = TO_MAIN
        r.elapsed = 0.0
        r.changes += 1.0
    if r.phase == TO_SIDE and r.elapsed >= p.clearance:
        r.phase = SIDE_GREEN
        r.elapsed = 0.0
    elif r.phase == TO_MAIN and r.elapsed >= p.clearance:
        r.phase = MAIN_GREEN
        r.elapsed = 0.0


@njit(cache=True, inline="always")
def _phase_end(r, p):
    """``elapsed`` (s) at which the current phase ends if nothing else changes (inf: never)."""
    if r.phase == MAIN_GREEN:
        return p.min_green if r.req == 0 else _INF
    if r.phase == SIDE_GREEN:
        return p.min_green if r.req == 1 else _INF
    return p.clearance


@njit(cache=True, inline="always")
def _discharge(r, p, inflow):
    """Main- and side-street discharge (veh/s) now, main arrivals ``inflow`` veh/s: saturation
    flow while a green approach has a queue, its arrivals (up to saturation) once empty."""
    out_m = 0.0
    out_s = 0.0
    if r.phase == MAIN_GREEN:
        out_m = p.sat_main if r.qm > 0.0 else min(inflow, p.sat_main)
    elif r.phase == SIDE_GREEN:
        out_s = p.sat_side if r.qs > 0.0 else min(r.lam_s, p.sat_side)
    return out_m, out_s


@njit(cache=True)
def evolve(row, p, dt, last, unit):
    """Integrate intersections ``0 .. last`` of ``row`` (one episode's units) ``dt`` s forward,
    commands held, in closed form between breakpoints; returns the integral (veh x s) of
    ``qm + qs`` of intersection ``unit`` (every integrated one when ``unit < 0``). Downstream
    intersections never affect upstream ones, so ``last`` may stop at the one of interest."""
    acc = 0.0
    rem = dt
    keep = 1.0 - p.turn_out
    join = p.join
    while True:
        for u in range(last + 1):
            _switch(row[u], p)
        h = rem                                   # time to the next breakpoint
        inflow = row[0].lam_m
        for u in range(last + 1):
            r = row[u]
            out_m, out_s = _discharge(r, p, inflow)
            dm = inflow - out_m
            ds = r.lam_s - out_s
            if dm < 0.0:
                h = min(h, r.qm / -dm)
            if ds < 0.0:
                h = min(h, r.qs / -ds)
            h = min(h, _phase_end(r, p) - r.elapsed)
            inflow = keep * out_m + join * out_s
        inflow = row[0].lam_m
        for u in range(last + 1):                 # every rate is constant over [0, h]
            r = row[u]
            out_m, out_s = _discharge(r, p, inflow)
            dm = inflow - out_m
            ds = r.lam_s - out_s
            qm0 = r.qm
            qs0 = r.qs
            qm1 = qm0 + dm * h
            qs1 = qs0 + ds * h
            if dm < 0.0 and qm0 / -dm <= h:       # this queue empties at the breakpoint
                qm1 = 0.0
            if ds < 0.0 and qs0 / -ds <= h:
                qs1 = 0.0
            qm1 = max(qm1, 0.0)
            qs1 = max(qs1, 0.0)
            dmain = 0.5 * (qm0 + qm1) * h
            dside = 0.5 * (qs0 + qs1) * h
            if unit < 0 or unit == u:
                acc += dmain + dside
            r.main_delay += dmain
            r.side_delay += dside
            r.served += (out_m + out_s) * h
            r.qm = qm1
            r.qs = qs1
            end = _phase_end(r, p)
            r.elapsed = end if end - r.elapsed <= h else r.elapsed + h
            inflow = keep * out_m + join * out_s
        if h >= rem:
            break
        rem -= h
    for u in range(last + 1):                     # transitions due at the end instant
        _switch(row[u], p)
    return acc


@njit(cache=True, inline="always")
def advance(st, e, p, dt):
    """Integrate the corridor ``dt`` s forward with the commands held (closed form, see
    ``evolve``); accumulates delays, throughput and phase changes."""
    if dt > 0.0:
        evolve(st[e], p, dt, st.shape[1] - 1, -1)


@njit(cache=True, inline="always")
def reward(st, e, p, agent):
    """Reward rate (per s): signal ``-(qm + qs)`` of its intersection, coordinator the corridor's
    total (veh)."""
    n = st.shape[1]
    if agent < n:
        return -(st[e, agent].qm + st[e, agent].qs)
    acc = 0.0
    for u in range(n):
        acc -= st[e, u].qm + st[e, u].qs
    return acc


@njit(cache=True)
def _integral_without_breakpoint(row, p, dt, last, unit):
    """``(True, integral)`` as ``evolve(row, p, dt, last, unit)`` returns it (same arithmetic,
    bit for bit) when no phase transition is due and no breakpoint falls within ``(0, dt]`` for
    intersections ``0 .. last``, read-only; ``(False, 0.0)`` otherwise."""
    acc = 0.0
    inflow = row[0].lam_m
    for u in range(last + 1):
        r = row[u]
        end = _phase_end(r, p)
        if end - r.elapsed <= dt:           # a transition due now or within the interval
            return False, 0.0
        out_m, out_s = _discharge(r, p, inflow)
        dm = inflow - out_m
        ds = r.lam_s - out_s
        if (dm < 0.0 and r.qm / -dm <= dt) or (ds < 0.0 and r.qs / -ds <= dt):
            return False, 0.0
        if unit < 0 or unit == u:
            qm1 = max(r.qm + dm * dt, 0.0)
            qs1 = max(r.qs + ds * dt, 0.0)
            acc += 0.5 * (r.qm + qm1) * dt + 0.5 * (r.qs + qs1) * dt
        inflow = (1.0 - p.turn_out) * out_m + p.join * out_s
    return True, acc


@njit(cache=True, inline="always")
def reward_integral(st, e, p, agent, dt):
    """Exact integral of ``reward`` over the next ``dt`` s with the commands held: ``evolve`` on
    a copy of the episode's row (a signal needs only the intersections up to its own), or the
    same arithmetic read-only when nothing changes regime within the interval (most intervals
    between events)."""
    n = st.shape[1]
    if dt <= 0.0:
        return 0.0
    last = agent if agent < n else n - 1
    unit = agent if agent < n else -1
    ok, acc = _integral_without_breakpoint(st[e], p, dt, last, unit)
    if ok:
        return -acc
    return -_integral_on_copy(st[e], p, dt, last, unit)


@njit(cache=True)
def _integral_on_copy(row, p, dt, last, unit):
    """``evolve`` on a copy of ``row`` (the episode's own state stays as it is). Not inlined:
    it allocates, which the kernels' per-event code cannot do (a call keeps it out)."""
    return evolve(row.copy(), p, dt, last, unit)


@njit(cache=True, inline="always")
def trigger(st, e, p, agent, obs):
    """After a signal's decision on ``obs``: its coordinator's index when an observed queue
    (``obs[0]``, ``obs[1]``) is above ``spill`` veh while armed (a spillback alarm), else -1;
    re-arms once both observed queues are at or below ``spill``."""
    coord = int(p.coord)
    if coord < 0 or agent >= st.shape[1]:
        return -1
    r = st[e, agent]
    if max(obs[0], obs[1]) <= p.spill:
        r.armed = 1
        return -1
    if r.armed == 1:
        r.armed = 0
        return coord
    return -1


@njit(cache=True, inline="always")
def disturb(st, e, p, seed, episode, j):
    """Disturbance ``j``: ``U(0.5, 1) * burst`` vehicles join the side queue of intersection
    ``floor(U * n)``."""
    n = st.shape[1]
    u = int(uniform(stream_key(seed, episode, ENV, DISTURB_UNIT), j) * n)
    if u >= n:
        u = n - 1
    size = p.burst * (0.5 + 0.5 * uniform(stream_key(seed, episode, ENV, DISTURB_SIZE), j))
    st[e, u].qs += size


@njit(cache=True, inline="always")
def main_delay(st, e, p, agent):
    """Vehicle-seconds queued on the main street (signal: its intersection; coordinator: sum)."""
    n = st.shape[1]
    if agent < n:
        return st[e, agent].main_delay
    acc = 0.0
    for u in range(n):
        acc += st[e, u].main_delay
    return acc


@njit(cache=True, inline="always")
def side_delay(st, e, p, agent):
    """Vehicle-seconds queued on the side streets (signal: its intersection; coordinator: sum)."""
    n = st.shape[1]
    if agent < n:
        return st[e, agent].side_delay
    acc = 0.0
    for u in range(n):
        acc += st[e, u].side_delay
    return acc


@njit(cache=True, inline="always")
def throughput(st, e, p, agent):
    """Vehicles discharged across the stop lines (signal: its intersection; coordinator: sum)."""
    n = st.shape[1]
    if agent < n:
        return st[e, agent].served
    acc = 0.0
    for u in range(n):
        acc += st[e, u].served
    return acc


@njit(cache=True, inline="always")
def phase_changes(st, e, p, agent):
    """Greens ended (signal: its intersection; coordinator: sum)."""
    n = st.shape[1]
    if agent < n:
        return st[e, agent].changes
    acc = 0.0
    for u in range(n):
        acc += st[e, u].changes
    return acc


FUNCTIONS = {
    "init": init, "observe": observe, "effect": effect, "advance": advance, "reward": reward,
    "reward_integral": reward_integral, "trigger": trigger, "disturb": disturb,
}
"""The env protocol functions by name (see ``heron.batch.env``)."""
METRICS = {"main_delay_veh_s": main_delay, "side_delay_veh_s": side_delay,
           "throughput_veh": throughput, "phase_changes": phase_changes}
"""The env's metric columns, in declaration order."""
