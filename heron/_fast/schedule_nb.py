"""Schedule kernels: every agent's tick times and delay samples for a chunk of episodes.

Contract (docs/timing-model.md s.2-3). For episode ``e`` (global index ``episode_start + row``), agent
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

Per-episode timing: ``fill_schedule_table_nb`` takes a 2-D timing table ``(rows, agents)``
instead of one record per agent; each row is filled as above with its own records.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from heron._fast.jitter import (
    JITTER_GAUSSIAN, JITTER_NONE, JITTER_UNIFORM, MIN_INTERVAL, jitter_sample,
)
from heron._fast.rng import (
    P_LOW, Q_ACT, Q_INTERVAL, Q_MSG, Q_OBS, norm_ppf, norm_ppf_central, normal, stream_key,
    uniform, uniform_open,
)

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


SAMPLE_BLOCK = 32  # ticks sampled per block by fill_agent_nb


@njit(cache=True, error_model="numpy")
def sample_block_nb(key, k0, n, base, code, ratio, floor, out, p):
    """``out[j] = sample_nb(key, k0 + j, base, code, ratio, floor)`` for ``j < n``, bit for bit,
    in loops LLVM vectorises: the uniforms, then the central region of the normal quantile for
    every variate, then the tails (about 5 %) one by one. ``p`` is scratch of length ``n``."""
    if code == JITTER_NONE or base == 0.0:
        for j in range(n):
            out[j] = base
        return
    if code == JITTER_UNIFORM:
        for j in range(n):
            out[j] = uniform(key, k0 + j)
    else:
        for j in range(n):
            p[j] = uniform_open(key, k0 + j)
        for j in range(n):
            out[j] = norm_ppf_central(p[j])
        for j in range(n):
            if p[j] < P_LOW or p[j] > 1.0 - P_LOW:
                out[j] = norm_ppf(p[j])
    # The two common codes get loops of their own: with the code tested inside the loop (and
    # LOGNORMAL's exp/log in it) LLVM kept it scalar, a fifth of W1's schedule time. Same
    # expressions as ``jitter_sample``, so the same bits (tests compare the two).
    if code == JITTER_GAUSSIAN:
        for j in range(n):
            x = base + ratio * base * out[j]
            out[j] = x if x > floor else floor
    elif code == JITTER_UNIFORM:
        for j in range(n):
            x = base + ratio * base * (2.0 * out[j] - 1.0)
            out[j] = x if x > floor else floor
    else:
        for j in range(n):
            x = jitter_sample_nb(base, code, ratio, out[j])
            out[j] = x if x > floor else floor


@njit(cache=True)
def timing_sample_nb(seed, episode, agent, quantity, index, base, code, ratio, floor):
    """A single timing sample computed from scratch (for ``ScheduledTickConfig`` beyond the
    stored capacity and for tests)."""
    key = stream_key(seed, episode, agent, quantity)
    return sample_nb(key, index, base, code, ratio, floor)


# Without reference counting (the slices of ``buf`` per block would cost two calls each); the
# rare allocation is in ``sort_observations_nb``.
@njit(cache=True, _nrt=False)
def fill_agent_nb(row, col0, cap, tm, seed, episode, agent, horizon, t_start, full, buf,
                  k_first, t_first):
    """Fill one agent's ticks ``k_first .. k_first + cap - 1`` (``T[k_first] = t_first``, s)
    into ``row[col0:col0+cap]``: all ``cap`` of them when ``full``, else up to the first tick
    after ``horizon`` (s; the kernels read no further, and sampling stops with the block of
    ``SAMPLE_BLOCK`` ticks holding it). ``obs_k`` holds global tick indices. Returns ``(n,
    t_next)``: the number of stored ticks at or before ``horizon`` and, when all ``cap`` are,
    ``T[k_first + cap]`` (the next tick's time). ``tm`` is the agent's ``agent_timing_dt``
    record; ``buf`` is scratch of shape ``(5, SAMPLE_BLOCK)``. A whole episode is
    ``k_first = 0``, ``t_first = tm.first_tick``; a later start continues the same float64
    accumulation, so a window of ticks is bit for bit the same part of the whole schedule."""
    code = tm.jitter_code
    ratio = tm.jitter_ratio
    fl = tm.min_delay
    keys = (stream_key(seed, episode, agent, Q_INTERVAL), stream_key(seed, episode, agent, Q_OBS),
            stream_key(seed, episode, agent, Q_ACT), stream_key(seed, episode, agent, Q_MSG))
    bases = (tm.tick_interval, tm.obs_delay, tm.act_delay, tm.msg_delay)
    floors = (MIN_INTERVAL, fl, fl, fl)
    t = t_first
    n = 0
    monotone = True
    s_prev = -np.inf
    j0 = 0
    while j0 < cap:
        m = min(SAMPLE_BLOCK, cap - j0)
        for q in range(4):  # one call site: the sampler is compiled once, not four times
            sample_block_nb(keys[q], k_first + j0, m, bases[q], code, ratio, floors[q], buf[q],
                            buf[4])
        stop = False
        for j in range(m):
            r = row[col0 + j0 + j]
            iv = buf[0, j]
            o = buf[1, j]
            r.t = t
            r.interval = iv
            r.obs = o
            r.act = buf[2, j]
            r.msg = buf[3, j]
            s = t - o
            if s < t_start:
                s = t_start
            r.s = s
            r.obs_k = k_first + j0 + j
            if t <= horizon:
                n += 1
                if s < s_prev:
                    monotone = False
                s_prev = s
            elif not full:
                stop = True
                break
            t = t + iv
        if stop:
            break
        j0 += m
    if not monotone:
        sort_observations_nb(row, col0, n, k_first)
    return n, t


@njit(cache=True, _nrt=True)  # allocates; its caller counts no references
def sort_observations_nb(row, col0, n, k_first):
    """``row[col0 + p].obs_k`` = ``k_first`` + the stored tick of the ``p``-th observation
    sample in time order (stable: ties keep tick order), for the first ``n`` stored ticks."""
    svals = np.empty(n)
    for k in range(n):
        svals[k] = row[col0 + k].s
    order = np.argsort(svals, kind="mergesort")
    for p in range(n):
        row[col0 + p].obs_k = k_first + order[p]


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
    buf = np.empty((5, SAMPLE_BLOCK))
    for i in range(timing.shape[0]):
        cap = offsets[i + 1] - offsets[i]
        n = fill_agent_nb(sched[row], offsets[i], cap, timing[i], seed, episode, i, horizon,
                          t_start, full, buf, 0, timing[i].first_tick)[0]
        n_ticks[row, i] = n
        if n >= cap:
            need_more[row] = i + 1
        else:
            lag[row] = max(lag[row], agent_lag_nb(sched[row], offsets[i], n))


@njit(cache=True, nogil=True)
def fill_schedule_nb(sch, n_ticks, need_more, lag, offsets, timing, seed, episode_start, horizon,
                     t_start, full, lo, hi):
    """Fill the schedule ``sch`` for rows ``lo..hi-1`` = episodes ``episode_start + row`` (every
    stored tick when ``full``, else each agent's up to its first tick after the horizon), and
    ``lag[row]``, the row's largest ``agent_lag_nb``. Returns the number of those rows whose
    capacity was too small (see module docstring). Releases the GIL (``heron.batch.threads``
    fills ranges of rows side by side)."""
    bad = 0
    for row in range(lo, hi):
        fill_row_nb(sch, n_ticks, need_more, lag, offsets, timing, seed, row, episode_start + row,
                    horizon, t_start, full)
        if need_more[row] != 0:
            bad += 1
    return bad


@njit(cache=True, nogil=True)
def fill_schedule_table_nb(sch, n_ticks, need_more, lag, offsets, table, seed, episode_start,
                           horizon, t_start, full, lo, hi):
    """``fill_schedule_nb`` with one timing row per episode: ``table[row, i]`` is agent ``i``'s
    ``agent_timing_dt`` record in episode ``episode_start + row`` (per-episode timing, e.g. a
    sensitivity design). Row ``row`` is filled exactly as ``fill_schedule_nb`` fills it when
    every agent's timing is ``table[row]``: samples stay pure functions of ``(seed, episode,
    agent, quantity, k)`` and of that row's base values."""
    bad = 0
    for row in range(lo, hi):
        fill_row_nb(sch, n_ticks, need_more, lag, offsets, table[row], seed, row,
                    episode_start + row, horizon, t_start, full)
        if need_more[row] != 0:
            bad += 1
    return bad
