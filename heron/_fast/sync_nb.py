"""The synchronous baseline (training mode) as kernel templates, specialised per env like
``rollout_nb``: a lock-step loop on the reward clock with instant effects and messages.

Step ``m`` (``t = m * dt``, ``m = 0 .. n_steps - 1``, ``n_steps = ceil(horizon / dt)``; the last
step ends at ``horizon``):

1. every agent due at this step (``m % stride[i] == 0``; ``stride = max(1, round(interval /
   dt))``) observes the current state (plus its latest message) and decides, in agent order;
   a decision may raise an alarm (``env_trigger``);
2. for each alarm, in order, its receiver decides once more on the current state (out of cycle);
3. messages are delivered (regular ones first, then out-of-cycle ones), then every action takes
   effect (agent order);
4. the env advances to ``min(t + dt, horizon)``, applying disturbances at their exact times in
   between (the same Poisson stream as the event-driven engine); before each advance every
   agent's reward over the interval is added to its return (``env_accrue``: returns are time
   integrals, as in ``rollout_nb``).

This is what the event-driven engine does with zero delays, no jitter and tick intervals that are
multiples of ``dt`` (docs/timing-model.md s.4), so the two are compared in tests. The initial state is
the same per ``(seed, episode)``. Python policies pause the kernel like in ``rollout_nb``; the
env's parameters (``p_all[0]``), metrics (``met``) and policy memory (``mem``) are as there.
"""
from __future__ import annotations

import math

import numpy as np

from heron._fast.dtypes import ERR_HEAP, EV_CUSTOM, ST_DONE, ST_NEW, ST_RUN, ST_WAIT
from heron._fast.heap_nb import heap_pop_nb, heap_push_nb
from heron._fast.policy_nb import POLICY_PYTHON, action_ok_nb
from heron._fast.rng import ENV_AGENT, Q_DISTURB_TIME, stream_key, uniform

K_OBS = 0
K_EFF = 1
K_MSG = 2


def sync_complete(e, i, kind, info, act_lo, act_hi, p, st, cur, acur, ring_v, ring_t, obs_b,
                  act_b):
    """Validate agent ``i``'s action in ``act_b[e]`` and queue its effect / message; run the
    trigger (alarms are instant: the receiver's out-of-cycle count goes up)."""
    c = cur[e]
    inf = info[i]
    if not action_ok_nb(c, i, act_b[e, i], act_lo[i], act_hi[i], inf.act_dim, inf.clip):
        return False
    if inf.actuates != 0:
        for j in range(inf.act_dim):
            ring_v[e, i, K_EFF, 0, j] = act_b[e, i, j]
        ring_t[e, i, K_EFF, 0, 2] = 1.0
    if inf.sends != 0:
        slot = 0 if kind == 0 else 1
        for j in range(inf.act_dim):
            ring_v[e, i, K_MSG, slot, j] = act_b[e, i, j]
        ring_t[e, i, K_MSG, slot, 2] = 1.0
    tgt = env_trigger(st, e, p, i, obs_b[e, i])  # noqa: F821
    if tgt >= 0 and inf.alarms != 0:
        acur[e, tgt].ooc_pending += 1
        acur[e, i].n_messages += 1
    return True


def sync_decide(e, i, kind, info, act_lo, act_hi, pol, p, st, cur, acur, ring_v, ring_t, obs_b,
                act_b, mem, t):
    inf = info[i]
    acur[e, i].n_ticks += 1
    acur[e, i].dec_t = t
    cur[e].events += 1
    if inf.policy_kind == POLICY_PYTHON:
        c = cur[e]
        c.status = ST_WAIT
        c.dec_agent = i
        c.dec_kind = kind
        acur[e, i].dec_pending = 1
        return False
    policy_act(inf.policy_kind, inf.policy_slot, pol, inf.policy_offset,  # noqa: F821
               inf.policy_n_params, obs_b[e, i], inf.obs_env_dim + inf.msg_in, act_b[e, i],
               inf.act_dim, mem[e, i], t)
    return sync_complete(e, i, kind, info, act_lo, act_hi, p, st, cur, acur, ring_v, ring_t,
                         obs_b, act_b)


def sync_obs(e, i, src, info, acur, ring_v, obs_b):
    inf = info[i]
    d = inf.obs_env_dim
    for j in range(d):
        obs_b[e, i, j] = ring_v[e, i, K_OBS, src, j]
    if inf.msg_in != 0:
        obs_b[e, i, d] = acur[e, i].inbox


def sync_episode(e, stride, info, act_lo, act_hi, pol, p_all, st, cur, acur, ring_v, ring_t,
                 heap, pop_b, obs_b, act_b, met, mem, seed, episode_start, dt, n_steps, t_start,
                 dist_mean, horizon):
    c = cur[e]
    p = p_all[0]
    episode = episode_start + e
    n_agents = info.shape[0]
    if c.status == ST_NEW:
        env_init(st, e, p, seed, episode)  # noqa: F821
        c.t = t_start
        c.reward_m = 0
        c.phase = -1
        c.status = ST_RUN
        if dist_mean > 0.0:
            u = uniform(stream_key(seed, episode, ENV_AGENT, Q_DISTURB_TIME), 0)
            n = heap_push_nb(heap[e], c.heap_size, t_start - dist_mean * math.log1p(-u),
                             EV_CUSTOM, n_agents, 0, 0)
            if n < 0:
                c.status = ERR_HEAP
                return
            c.heap_size = n
    elif c.status == ST_WAIT:
        c.status = ST_RUN
        acur[e, c.dec_agent].dec_pending = 0
        if not sync_complete(e, c.dec_agent, c.dec_kind, info, act_lo, act_hi, p, st, cur, acur,
                             ring_v, ring_t, obs_b, act_b):
            return
        if c.dec_kind == 0:
            c.phase += 1
    elif c.status != ST_RUN:
        return
    while c.reward_m < n_steps:
        m = c.reward_m
        if c.phase == -1:
            for i in range(n_agents):
                if m % stride[i] == 0:
                    env_observe(st, e, p, i, ring_v[e, i, K_OBS, 0])  # noqa: F821
            c.phase = 0
        while c.phase < n_agents:
            i = c.phase
            if m % stride[i] == 0:
                sync_obs(e, i, 0, info, acur, ring_v, obs_b)
                if not sync_decide(e, i, np.int64(0), info, act_lo, act_hi, pol, p, st, cur, acur,
                                   ring_v, ring_t, obs_b, act_b, mem, m * dt + t_start):
                    return
            c.phase += 1
        while True:                     # out-of-cycle decisions for alarms, lowest index first
            i = -1
            for j in range(n_agents):
                if acur[e, j].ooc_pending > 0:
                    i = j
                    break
            if i < 0:
                break
            acur[e, i].ooc_pending -= 1
            env_observe(st, e, p, i, ring_v[e, i, K_OBS, 1])  # noqa: F821
            sync_obs(e, i, 1, info, acur, ring_v, obs_b)
            if not sync_decide(e, i, np.int64(1), info, act_lo, act_hi, pol, p, st, cur, acur,
                               ring_v, ring_t, obs_b, act_b, mem, m * dt + t_start):
                return
        for slot in range(2):           # deliveries: regular, then out-of-cycle
            for i in range(n_agents):
                if ring_t[e, i, K_MSG, slot, 2] > 0.0:
                    ring_t[e, i, K_MSG, slot, 2] = 0.0
                    acur[e, i].n_messages += 1
                    c.events += 1
                    for j in range(n_agents):
                        if info[j].parent == i:
                            acur[e, j].inbox = ring_v[e, i, K_MSG, slot, info[j].child_slot]
        for i in range(n_agents):       # effects
            if ring_t[e, i, K_EFF, 0, 2] > 0.0:
                ring_t[e, i, K_EFF, 0, 2] = 0.0
                env_effect(st, e, p, i, ring_v[e, i, K_EFF, 0])  # noqa: F821
                acur[e, i].n_effects += 1
                c.events += 1
        t_next = (m + 1) * dt + t_start
        if t_next > horizon:
            t_next = horizon
        while c.heap_size > 0 and heap[e, 0].time < t_next:
            c.heap_size = heap_pop_nb(heap[e], c.heap_size, pop_b[e])
            tau = pop_b[e, 0].time
            j = pop_b[e, 0].data
            if tau > c.t:
                env_accrue(st, e, p, acur, tau - c.t)  # noqa: F821
                env_advance(st, e, p, tau - c.t)  # noqa: F821
                c.t = tau
            env_disturb(st, e, p, seed, episode, j)  # noqa: F821
            c.events += 1
            u = uniform(stream_key(seed, episode, ENV_AGENT, Q_DISTURB_TIME), j + 1)
            n = heap_push_nb(heap[e], c.heap_size, tau - dist_mean * math.log1p(-u), EV_CUSTOM,
                             n_agents, j + 1, j + 1)
            if n < 0:
                c.status = ERR_HEAP
                return
            c.heap_size = n
        if t_next > c.t:
            env_accrue(st, e, p, acur, t_next - c.t)  # noqa: F821
            env_advance(st, e, p, t_next - c.t)  # noqa: F821
            c.t = t_next
        c.events += 1
        c.reward_m = m + 1
        c.phase = -1
    for i in range(n_agents):
        env_metrics(st, e, p, i, met[e, i])  # noqa: F821
    c.status = ST_DONE


def sync_kernel(stride, info, act_lo, act_hi, pol, p, st, cur, acur, ring_v, ring_t, heap, pop_b,
                obs_b, act_b, met, mem, seed, episode_start, dt, n_steps, t_start, dist_mean,
                horizon, lo, hi):
    """Run the episode rows ``lo .. hi - 1`` until done, paused or failed (the GIL released:
    ``heron.batch.threads`` runs ranges side by side); returns the number of those rows waiting
    for a Python decision."""
    waiting = 0
    for e in range(lo, hi):
        sync_episode(e, stride, info, act_lo, act_hi, pol, p, st, cur, acur, ring_v, ring_t,
                     heap, pop_b, obs_b, act_b, met, mem, seed, episode_start, dt, n_steps,
                     t_start, dist_mean, horizon)
        if cur[e].status == ST_WAIT:
            waiting += 1
    return waiting


TEMPLATES = ("sync_complete", "sync_decide", "sync_obs", "sync_episode")
ENTRY = "sync_kernel"
NO_NRT = ("sync_episode", "sync_kernel")   # heron._fast.specialise.KernelEntry
INLINE = ("sync_obs",)
