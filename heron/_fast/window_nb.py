"""Schedule windows: an episode's schedule generated a window of ticks at a time.

An episode too long for its whole schedule to be held in memory (``heron.batch.windows``)
keeps, per agent, ``cap`` consecutive ticks ``win_base .. win_base + cap - 1`` in its columns of
the schedule. The rollout kernel reads tick ``k`` at column ``offsets[i] - win_base + k``; when an
agent's next tick or observation lies past its window it sets that head to ``-inf`` and pauses
the episode (``ST_REFILL``); ``refill_windows_nb`` then moves the window to start at the oldest
tick the episode still needs and the kernel resumes. Samples are pure functions of ``(seed,
episode, agent, quantity, k)`` and the tick times are accumulated in the same order, so the
windows hold exactly the entries of the whole schedule and the results are the same bit for bit.

Observation samples run in ``(S, k)`` order, a sort over the whole episode. A window's own sort
agrees with it for every sample at or before ``S_safe = T[end] - O_max`` (``T[end]``: the first
tick after the window, ``O_max``: a bound on the agent's observation delays, ``obs_delay_bound``),
since every later tick's sample is at or after that instant; the kernel reads the window's
order only that far (``obs_end``). The samples already taken from the window's ticks come first
in its order, so positions and ticks share the window's base.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from heron._fast.dtypes import ST_NEW, ST_REFILL
from heron._fast.jitter import JITTER_NONE, JITTER_UNIFORM
from heron._fast.schedule_nb import SAMPLE_BLOCK, agent_lag_nb, fill_agent_nb, jitter_sample_nb

#: ``n_ticks`` of an agent whose last tick before the horizon is not in its window yet.
UNKNOWN_TICKS = 1 << 62
#: Above every standard normal variate the counter-based streams give (``|z| <= 8.3``).
Z_BOUND = 9.0


@njit(cache=True)
def obs_delay_bound(tm):
    """An upper bound (s) of every observation delay sample of the agent with timing record
    ``tm``: the jitter transform is non-decreasing in its variate (in floating point too)."""
    base = tm.obs_delay
    if tm.jitter_code == JITTER_NONE or base == 0.0:
        return base
    v = 1.0 if tm.jitter_code == JITTER_UNIFORM else Z_BOUND
    x = jitter_sample_nb(base, tm.jitter_code, tm.jitter_ratio, v)
    return max(x, tm.min_delay)


@njit(cache=True)
def fill_window_nb(sched, n_ticks, offsets, tm, acur, seed, e, episode, i, b, t_b, horizon,
                   t_start, buf):
    """Store agent ``i``'s ticks from ``b`` (``T[b] = t_b``, s) in row ``e``'s window and set
    its cursor's ``win_base``, ``tick_end``, ``obs_end`` and ``n_ticks[e, i]``. Returns the
    window's observation lag (``agent_lag_nb``)."""
    a = acur[e, i]
    o = offsets[i]
    cap = offsets[i + 1] - o
    n, t_next = fill_agent_nb(sched[e], o, cap, tm, seed, episode, i, horizon, t_start, False,
                              buf, b, t_b)
    a.win_base = b
    if n < cap or t_next > horizon:     # the horizon lies in this window: the last one
        n_ticks[e, i] = b + n
        a.tick_end = b + n
        a.obs_end = b + n
    else:
        n_ticks[e, i] = UNKNOWN_TICKS
        a.tick_end = b + cap
        s_safe = t_next - obs_delay_bound(tm)
        if s_safe < t_start:
            s_safe = t_start
        m = 0
        while m < n and sched[e, o + sched[e, o + m].obs_k - b].s <= s_safe:
            m += 1
        a.obs_end = b + m
    return agent_lag_nb(sched[e], o, n)


@njit(cache=True, nogil=True)
def refill_windows_nb(sched, n_ticks, offsets, timing, acur, heads, cur, lag, stuck, seed,
                      episode_start, horizon, t_start, lo, hi):
    """For rows ``lo .. hi - 1`` (other statuses are left alone): a new episode (``ST_NEW``)
    gets every agent's first window; an episode paused for a window (``ST_REFILL``) gets a new
    one for each agent whose head is ``-inf``, starting at the oldest tick it still needs (its
    next tick, or a tick whose Python decision is still pending). ``timing[row, i]`` is agent
    ``i``'s timing in that row. ``lag[row]`` receives the largest observation lag of the
    windows filled, ``stuck[row]`` an agent index + 1 whose new window would not let the
    episode move on (its window spans less time than its observation delays: the caller gives
    it more ticks). Returns the number of stuck rows."""
    n_agents = offsets.shape[0] - 1
    buf = np.empty((5, SAMPLE_BLOCK))
    bad = 0
    for e in range(lo, hi):
        episode = episode_start + e
        new = cur[e].status == ST_NEW
        lag[e] = 0
        stuck[e] = 0
        if not new and cur[e].status != ST_REFILL:
            continue
        for i in range(n_agents):
            a = acur[e, i]
            tm = timing[e, i]
            if new:
                b = np.int64(0)
                t_b = tm.first_tick
            elif heads[e, 4 * i] == -np.inf or heads[e, 4 * i + 1] == -np.inf:
                b = a.tick_k
                if a.dec_pending != 0 and a.dec_kind == 0 and a.dec_idx < b:
                    b = a.dec_idx
                t_b = sched[e, offsets[i] - a.win_base + b].t
            else:
                continue
            g = fill_window_nb(sched, n_ticks, offsets, tm, acur, seed, e, episode, np.int64(i),
                               b, t_b, horizon, t_start, buf)
            if g > lag[e]:
                lag[e] = g
            if (a.tick_end <= a.tick_k < n_ticks[e, i]) or \
                    (a.obs_end <= a.obs_pos < n_ticks[e, i]):
                stuck[e] = i + 1
        if stuck[e] != 0:
            bad += 1
    return bad
