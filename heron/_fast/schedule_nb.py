"""Schedule kernels: every agent's tick times and delay samples for a chunk of episodes.

Contract (timing-model.md s.2-3). For episode ``e`` (global index ``episode_start + row``), agent
``i`` and tick ``k``:

* the samples ``I[k], O[k], A[k], M[k]`` are ``sample_nb(key_q, k, base_q, code, ratio, floor)``
  with ``key_q = stream_key(seed, e, i, Q_q)``: the base value with jitter applied to one standard
  variate (uniform for UNIFORM, normal for GAUSSIAN/LOGNORMAL) of the counter-based stream;
  nothing is drawn when the jitter code is NONE or the base is 0 (the sample is the base, exactly);
  intervals are floored at ``MIN_INTERVAL``, delays at the agent's ``min_delay``;
* ``T[0] = first_tick``, ``T[k+1] = T[k] + I[k]`` accumulated in float64 in that order;
* ``S[k] = max(t_start, T[k] - O[k])``.

Layout: ``sched`` is a 2-D array ``(n_episodes, offsets[-1])`` of ``schedule_tick_dt``; agent
``i``'s ticks occupy columns ``offsets[i] .. offsets[i+1]-1`` (its capacity). ``n_ticks[row, i]``
= the number of ticks at or before the horizon. A capacity is too small when all its ticks lie at
or before the horizon; ``fill_schedule_nb`` then returns the agent's index + 1 in
``need_more[row]``; the caller grows that agent's capacity and regenerates (samples are pure
functions, so the regenerated schedule extends the old one exactly).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from heron._fast.jitter import JITTER_NONE, JITTER_UNIFORM, MIN_INTERVAL, jitter_sample
from heron._fast.rng import Q_ACT, Q_INTERVAL, Q_MSG, Q_OBS, normal, stream_key, uniform

jitter_sample_nb = njit(inline="always", cache=True)(jitter_sample)


@njit(inline="always", cache=True)
def sample_nb(key, index, base, code, ratio, floor):
    """One timing sample (s): ``base`` jittered by ``code``/``ratio`` with variate ``index`` of
    stream ``key``, at least ``floor``; ``base`` itself when NONE or ``base == 0``."""
    if code == JITTER_NONE or base == 0.0:
        return base
    if code == JITTER_UNIFORM:
        v = uniform(key, index)
    else:
        v = normal(key, index)
    x = jitter_sample_nb(base, code, ratio, v)
    return x if x > floor else floor


@njit(cache=True)
def timing_sample_nb(seed, episode, agent, quantity, index, base, code, ratio, floor):
    """A single timing sample computed from scratch (for ``ScheduledTickConfig`` beyond the
    stored capacity and for tests)."""
    key = stream_key(seed, episode, agent, quantity)
    return sample_nb(key, index, base, code, ratio, floor)


@njit(cache=True)
def fill_agent_nb(row, col0, cap, tm, seed, episode, agent, horizon, t_start, full):
    """Fill one agent's ticks into ``row[col0:col0+cap]``: all ``cap`` of them when ``full``,
    else up to the first tick after ``horizon`` (s; the kernels read no further). Returns the
    number of ticks at or before ``horizon``. ``tm`` is the agent's ``agent_timing_dt`` record."""
    code = tm.jitter_code
    ratio = tm.jitter_ratio
    fl = tm.min_delay
    k_i = stream_key(seed, episode, agent, Q_INTERVAL)
    k_o = stream_key(seed, episode, agent, Q_OBS)
    k_a = stream_key(seed, episode, agent, Q_ACT)
    k_m = stream_key(seed, episode, agent, Q_MSG)
    keys = (k_i, k_o, k_a, k_m)
    bases = (tm.tick_interval, tm.obs_delay, tm.act_delay, tm.msg_delay)
    floors = (MIN_INTERVAL, fl, fl, fl)
    v = np.empty(4)
    t = tm.first_tick
    n = 0
    monotone = True
    s_prev = -np.inf
    for k in range(cap):
        r = row[col0 + k]
        # one call site, four quantities: the inlined sampler is compiled once, not four times
        for q in range(4):
            v[q] = sample_nb(keys[q], k, bases[q], code, ratio, floors[q])
        iv = v[0]
        o = v[1]
        r.t = t
        r.interval = iv
        r.obs = o
        r.act = v[2]
        r.msg = v[3]
        s = t - o
        if s < t_start:
            s = t_start
        r.s = s
        r.obs_k = k
        if t <= horizon:
            n += 1
            if s < s_prev:
                monotone = False
            s_prev = s
        elif not full:
            break
        t = t + iv
    if not monotone:
        svals = np.empty(n)
        for k in range(n):
            svals[k] = row[col0 + k].s
        order = np.argsort(svals, kind="mergesort")
        for p in range(n):
            row[col0 + p].obs_k = order[p]
    return n


@njit(cache=True)
def agent_lag_nb(row, c0, n):
    """Largest number of one agent's observation samples taken but not yet consumed by their
    ticks (``n`` ticks from ``row[c0]``): the kernels' rings need more slots than this."""
    lag = 0
    j = 0
    for k in range(n):
        t = row[c0 + k].t
        if j < k:
            j = k
        while j + 1 < n and row[c0 + j + 1].s <= t:
            j += 1
        if j - k > lag:
            lag = j - k
    return lag


@njit(cache=True)
def fill_row_nb(sched, n_ticks, need_more, lag, offsets, timing, seed, row, episode, horizon,
                t_start, full):
    """Fill every agent of one episode row (see ``fill_schedule_nb``)."""
    need_more[row] = 0
    lag[row] = 0
    for i in range(timing.shape[0]):
        cap = offsets[i + 1] - offsets[i]
        n = fill_agent_nb(sched[row], offsets[i], cap, timing[i], seed, episode, i, horizon,
                          t_start, full)
        n_ticks[row, i] = n
        if n >= cap:
            need_more[row] = i + 1
        else:
            lag[row] = max(lag[row], agent_lag_nb(sched[row], offsets[i], n))


@njit(cache=True, parallel=True)
def fill_schedule_nb(sch, n_ticks, need_more, lag, offsets, timing, seed, episode_start, horizon,
                     t_start, full):
    """Fill the schedule ``sch`` for rows ``0..n-1`` = episodes ``episode_start + row`` (every
    stored tick when ``full``, else each agent's up to its first tick after the horizon), and
    ``lag[row]``, the row's largest ``agent_lag_nb``. Returns the number of rows whose capacity
    was too small (see module docstring). (Parallel kernels must not name an argument ``sched``:
    Numba's parfor code reserves it.)"""
    n_rows = sch.shape[0]
    for r in prange(n_rows):
        row = np.int64(r)
        fill_row_nb(sch, n_ticks, need_more, lag, offsets, timing, seed, row, episode_start + row,
                    horizon, t_start, full)
    bad = 0
    for row in range(n_rows):
        if need_more[row] != 0:
            bad += 1
    return bad
