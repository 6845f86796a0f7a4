"""Event-driven rollout kernels (templates specialised per env by ``heron._fast.specialise``).

The functions here are plain Python templates: they call the env protocol through the global
names ``env_init``, ``env_observe``, ``env_effect``, ``env_advance``, ``env_reward``,
``env_trigger``, ``env_disturb`` and ``env_metrics``, and policies through ``policy_act``,
which ``specialise`` binds to one env's compiled functions and its user policies (and compiles
with ``cache=CACHE``, inlining them). ``p_all[0]`` is the env's parameters ``p`` (a record of
named fields, or a float64 array); ``met[e, i]`` receives agent ``i``'s metrics when episode
``e`` ends; ``mem[e, i]`` is the memory of agent ``i``'s policy (zero at the start).

Timing contract (docs/timing-model.md s.3-4), per episode:

* observation samples at ``S[k]`` snapshot ``env_observe`` into the agent's ring slot ``k mod R``
  (``R``, the ring's size, a power of two);
* tick ``k`` at ``T[k]``: the policy sees that snapshot plus the latest delivered message;
  its action takes effect at ``E[k] = max(T[k] + A[k], E[k-1])`` and a sender's message is
  delivered at ``D[k] = max(T[k] + M[k], D[k-1])`` (first-in first-out rings);
* returns are time integrals: before physics advances (zero-order hold) to the next event time,
  ``env_accrue`` adds every agent's reward over the interval; nothing after ``horizon`` is
  processed; the state is finally integrated and advanced to ``horizon``; the reward clock
  (``m * dt``, ``m = 1..n_rewards``) only marks reporting instants in traces;
* ties: observation samples, ticks, deliveries, effects, rewards, then env events; within a class
  agent index (the regular streams are scanned in that order, the heap orders the irregular ones
  by ``(time, class, agent, seq)`` and loses ties against the regular streams).

Regular streams are merged through their cached heads (no heap). With fewer than
``TREE_MIN_AGENTS`` agents the kernel scans them; otherwise it keeps a tournament (winner) tree
over the agents (``heron._fast.tree_nb``): a leaf holds an agent's earliest head as (time,
head index), a node the lesser of its two children in that order, which is the scan's tie order,
so both pick the same event. After an event only the agent whose heads changed is refreshed
(``log2`` of the agent count nodes), so picking an event costs O(log n) instead of O(n).
``cur.select`` forces one of the two (1 scan, 2 tree; tests and benchmarks compare them). The
env's ``advance`` and ``env_accrue`` still visit every unit and agent whenever time moves: with
jittered timing (every event at its own instant) that part of an event's cost stays O(n).
After a compiled policy's tick only that agent's decision is completed (no scan for others).

Irregular events go through the heap (``heron._fast.heap_nb``): alarms raised by
``env_trigger`` (delivered after the sender's message delay), the out-of-cycle ticks they cause
(the receiver samples the state when the alarm arrives and decides its observation delay later,
``Q_OOC_*`` samples; alarms arriving while one is pending merge into it) and Poisson disturbances
(``env_disturb``, mean spacing ``dist_mean`` s).

Resumable: all per-episode progress lives in ``cur`` (``episode_cursor_dt``), ``acur``
(``agent_cursor_dt``) and ``heads``. When an agent whose policy kind is ``POLICY_PYTHON`` ticks,
its observation is left in ``obs_b[e, i]`` and the decision is marked pending
(``acur.dec_pending == 1``); the episode runs on through events strictly earlier than the
decision could matter (``decision_bound``: its effect, message or alarm time) and pauses
(status ``ST_WAIT``) before anything that depends on it, or before another tick of an agent
with a pending decision. The caller writes the actions into ``act_b[e, i]`` and calls the kernel
again; pending decisions are then completed in tick order. The event sequence, and so every
result, is the same as with compiled policies. Status codes are the ``ST_*`` constants below.
An episode whose schedule is generated in windows (``heron._fast.window_nb``) reads tick ``k``
at column ``offsets[i] - acur.win_base + k``; a stream head past the window is ``-inf``, and
picking it pauses the episode (status ``ST_REFILL``) until the window has moved on.
The entry runs the rows ``[lo, hi)`` of the chunk and releases the GIL: ``heron.batch.threads``
runs ranges of rows side by side in threads.
"""
from __future__ import annotations

import math

import numpy as np

from heron._fast.dtypes import (
    ERR_HEAP, ERR_RING, EV_ACTION_EFFECT, EV_CUSTOM, EV_MSG_DELIVERY, EV_REWARD, EV_TICK, ST_DONE,
    ST_NEW, ST_REFILL, ST_RUN, ST_WAIT,
)
from heron._fast.heap_nb import heap_pop_nb, heap_push_nb
from heron._fast.policy_nb import POLICY_PYTHON, action_ok_nb
from heron._fast.rng import (
    ENV_AGENT, Q_DISTURB_TIME, Q_OOC_ACT, Q_OOC_MSG, Q_OOC_OBS, stream_key, uniform,
)
from heron._fast.schedule_nb import sample_nb
from heron._fast.tree_nb import TREE_MIN_AGENTS, tree_build, tree_fix


K_OBS = 0
K_EFF = 1
K_MSG = 2
# agent i's stream heads are heads[e, 4 i + class]: observation sample (0), tick, delivery, effect
K_HEAD_TICK = 1
K_HEAD_MSG = 2
K_HEAD_EFF = 3


def ooc_sample(timing, seed, episode, agent, quantity, base, index):
    """Delay sample (s) of an out-of-cycle tick (stream ``quantity``, index = OOC count);
    ``timing`` is the episode's row ``timing[e]`` of the kernel's ``(rows, agents)`` timing
    table (one row per episode: per-episode timing, ``heron.batch.episode_timing``).
    Callers pass int64 values, never literals, here and to ``push_heap``: each distinct literal
    argument would compile another copy of these (not inlined) helpers."""
    tm = timing[agent]
    return sample_nb(stream_key(seed, episode, agent, quantity), index, base, tm.jitter_code,
                     tm.jitter_ratio, tm.min_delay)


def push_heap(cur, heap, e, t, cls, agent, data):
    c = cur[e]
    n = heap_push_nb(heap[e], c.heap_size, t, cls, agent, c.heap_seq, data)
    if n < 0:
        c.status = ERR_HEAP
        return False
    c.heap_size = n
    c.heap_seq += 1
    return True


def record(cur, trace, e, t, cls, agent, k, s, ref_t, delay):
    """Append one event to episode ``e``'s trace (no-op without a trace buffer)."""
    if trace.shape[1] > 0:
        c = cur[e]
        n = c.n_trace
        if n < trace.shape[1]:
            r = trace[e, n]
            r.t = t
            r.cls = cls
            r.agent = agent
            r.k = k
            r.s = s
            r.ref_t = ref_t
            r.delay = delay
        c.n_trace = n + 1


def complete_decision(e, i, kind, idx, t, s, sched, offsets, timing, info, act_lo, act_hi, p,
                      st, cur, acur, ring_v, ring_t, heap, obs_b, act_b, heads, seed, episode):
    """Finish agent ``i``'s decision at ``t`` (s) whose observation shows instant ``s`` (s):
    validate the action in ``act_b[e]``, queue its effect and message, run the trigger.
    ``kind`` 0: regular tick ``idx``; 1: out-of-cycle tick number ``idx``."""
    c = cur[e]
    a = acur[e, i]
    inf = info[i]
    n_act = inf.act_dim
    if not action_ok_nb(c, i, act_b[e, i], act_lo[i], act_hi[i], n_act, inf.clip):
        return False
    if kind == 0:
        r = sched[e, offsets[i] - a.win_base + idx]
        a_delay = r.act
        m_delay = r.msg
    else:
        tm = timing[e, i]
        a_delay = ooc_sample(timing[e], seed, episode, np.int64(i), np.int64(Q_OOC_ACT),
                             tm.act_delay, np.int64(idx))
        m_delay = ooc_sample(timing[e], seed, episode, np.int64(i), np.int64(Q_OOC_MSG),
                             tm.msg_delay, np.int64(idx))
    R = ring_v.shape[3] - 1
    RM = R - 1                      # R is a power of two: slot = index & RM (no division)
    # The effect and message rings below follow one rule on different fields. Written once as an
    # inlined helper, W1 ran 5 % slower (94-100k against 101-104k episodes/s, same session), so
    # the two blocks stay side by side: change them together.
    if inf.actuates != 0:
        if a.eff_tail - a.eff_head >= R:
            c.status = ERR_RING
            return False
        te = t + a_delay
        if te < a.e_last:
            te = a.e_last
        a.e_last = te
        if a.eff_tail == a.eff_head:
            heads[e, 4 * i + K_HEAD_EFF] = te
        slot = a.eff_tail & RM
        for j in range(n_act):
            ring_v[e, i, K_EFF, slot, j] = act_b[e, i, j]
        ring_t[e, i, K_EFF, slot, 0] = te
        ring_t[e, i, K_EFF, slot, 1] = s
        ring_t[e, i, K_EFF, slot, 3] = t
        ring_t[e, i, K_EFF, slot, 4] = a_delay
        a.eff_tail += 1
    if inf.sends != 0:
        if a.msg_tail - a.msg_head >= R:
            c.status = ERR_RING
            return False
        td = t + m_delay
        if td < a.d_last:
            td = a.d_last
        a.d_last = td
        if a.msg_tail == a.msg_head:
            heads[e, 4 * i + K_HEAD_MSG] = td
        slot = a.msg_tail & RM
        for j in range(n_act):
            ring_v[e, i, K_MSG, slot, j] = act_b[e, i, j]
        ring_t[e, i, K_MSG, slot, 0] = td
        ring_t[e, i, K_MSG, slot, 1] = s
        ring_t[e, i, K_MSG, slot, 3] = t
        ring_t[e, i, K_MSG, slot, 4] = m_delay
        a.msg_tail += 1
    tgt = env_trigger(st, e, p, i, obs_b[e, i])  # noqa: F821 (bound by specialise)
    if tgt >= 0 and inf.alarms != 0:
        ta = t + m_delay
        if ta < a.alarm_last:
            ta = a.alarm_last
        a.alarm_last = ta
        if not push_heap(cur, heap, e, ta, np.int64(EV_MSG_DELIVERY), np.int64(i), np.int64(tgt)):
            return False
    return True


def decision_bound(e, i, kind, idx, t, sched, offsets, timing, info, acur, seed, episode):
    """Earliest time (s) at which agent ``i``'s pending decision at ``t`` can matter: its effect
    ``max(t + A, E_last)``, its message or alarm ``t + M``. Events strictly before it do not
    depend on the decision, so an episode can run on while the decision waits for Python."""
    if kind == 0:
        r = sched[e, offsets[i] - acur[e, i].win_base + idx]
        a_delay = r.act
        m_delay = r.msg
    else:
        tm = timing[e, i]
        a_delay = ooc_sample(timing[e], seed, episode, np.int64(i), np.int64(Q_OOC_ACT),
                             tm.act_delay, np.int64(idx))
        m_delay = ooc_sample(timing[e], seed, episode, np.int64(i), np.int64(Q_OOC_MSG),
                             tm.msg_delay, np.int64(idx))
    b = np.inf
    if info[i].sends != 0 or info[i].alarms != 0:
        b = t + m_delay
    if info[i].actuates != 0:
        te = t + a_delay
        if te < acur[e, i].e_last:
            te = acur[e, i].e_last
        if te < b:
            b = te
    return b


def obs_head(e, i, sched, n_ticks, offsets, acur):
    """Time (s) of agent ``i``'s next observation sample: ``inf`` after its last one, ``-inf``
    when it lies beyond the agent's schedule window (the kernel pauses for a refill)."""
    a = acur[e, i]
    if a.obs_pos < a.obs_end:
        o = offsets[i] - a.win_base
        return sched[e, o + sched[e, o + a.obs_pos].obs_k].s
    return -np.inf if a.obs_pos < n_ticks[e, i] else np.inf


def tick_head(e, i, sched, n_ticks, offsets, acur):
    """Time (s) of agent ``i``'s next regular tick (``inf``, ``-inf``: as ``obs_head``)."""
    a = acur[e, i]
    if a.tick_k < a.tick_end:
        return sched[e, offsets[i] - a.win_base + a.tick_k].t
    return -np.inf if a.tick_k < n_ticks[e, i] else np.inf


def load_obs(e, i, slot, info, acur, ring_v, ring_t, obs_b):
    """Copy agent ``i``'s snapshot in ring slot ``slot`` (+ its inbox) into ``obs_b[e]``."""
    inf = info[i]
    d = inf.obs_env_dim
    for j in range(d):
        obs_b[e, i, j] = ring_v[e, i, K_OBS, slot, j]
    ring_t[e, i, K_OBS, slot, 2] = -1.0
    if inf.msg_in != 0:
        obs_b[e, i, d] = acur[e, i].inbox


def finish(e, horizon, p, st, cur, acur, met):
    c = cur[e]
    if c.t < horizon:
        env_accrue(st, e, p, acur, horizon - c.t)  # noqa: F821
        env_advance(st, e, p, horizon - c.t)  # noqa: F821
        c.t = horizon
    for i in range(acur.shape[1]):
        env_metrics(st, e, p, i, met[e, i])  # noqa: F821
    c.status = ST_DONE


def run_episode(e, sched, n_ticks, offsets, timing, info, act_lo, act_hi, pol, p_all, st, cur,
                acur, ring_v, ring_t, heap, pop_b, obs_b, act_b, met, mem, trace, heads, seed,
                episode_start, horizon, dt, n_rewards, t_start, dist_mean):
    """Advance episode row ``e`` until it ends, pauses for a Python decision, or fails.

    ``heads[e]`` caches the next time of every regular stream: agent ``i``'s observation
    sample, tick, delivery and effect at ``4 i .. 4 i + 3`` (one cache line per agent), then
    the reward clock at ``4 n``. Scanned class by class, agents in order (the contract's tie
    order), a strict ``<`` picks the event the contract runs first; from
    ``TREE_MIN_AGENTS`` agents a winner tree over the agents' heads (rebuilt on each call, kept up
    to date after each event) picks the same event, then the reward clock is compared."""
    c = cur[e]
    p = p_all[0]
    episode = episode_start + e
    n_agents = info.shape[0]
    R = ring_v.shape[3] - 1
    RM = R - 1                      # R is a power of two: slot = index & RM (no division)
    # decisions to complete: agents with dec_pending == 2 (one call site of complete_decision
    # keeps the code small); dec_pending == 1 marks a decision waiting for a Python policy
    need = False
    dk = 0
    dx = 0
    ds = 0.0
    inf_t = np.inf
    n_heads = 4 * n_agents + 1
    if c.status == ST_NEW:
        env_init(st, e, p, seed, episode)  # noqa: F821
        c.t = t_start
        c.reward_m = 1
        c.status = ST_RUN
        for i in range(n_agents):
            heads[e, 4 * i] = obs_head(e, i, sched, n_ticks, offsets, acur)
            heads[e, 4 * i + K_HEAD_TICK] = tick_head(e, i, sched, n_ticks, offsets, acur)
            heads[e, 4 * i + K_HEAD_MSG] = inf_t
            heads[e, 4 * i + K_HEAD_EFF] = inf_t
        heads[e, n_heads - 1] = dt if n_rewards >= 1 else inf_t
        if dist_mean > 0.0:
            u = uniform(stream_key(seed, episode, ENV_AGENT, Q_DISTURB_TIME), 0)
            if not push_heap(cur, heap, e, t_start - dist_mean * math.log1p(-u),
                             np.int64(EV_CUSTOM), np.int64(n_agents), np.int64(0)):
                return
        c.dec_t = inf_t
    elif c.status == ST_WAIT:
        c.status = ST_RUN
        need = True
        for j in range(n_agents):
            if acur[e, j].dec_pending == 1:
                acur[e, j].dec_pending = 2
        c.n_pending = 0
        c.dec_t = inf_t
    elif c.status == ST_REFILL:     # windows refilled (heron._fast.window_nb): new heads
        c.status = ST_RUN
        for i in range(n_agents):
            if heads[e, 4 * i] == -inf_t:
                heads[e, 4 * i] = obs_head(e, i, sched, n_ticks, offsets, acur)
            if heads[e, 4 * i + K_HEAD_TICK] == -inf_t:
                heads[e, 4 * i + K_HEAD_TICK] = tick_head(e, i, sched, n_ticks, offsets, acur)
    elif c.status != ST_RUN:
        return
    sel = c.select
    use_tree = sel == 2 or (sel != 1 and n_agents >= TREE_MIN_AGENTS)
    P = 1
    while use_tree and P < n_agents:
        P *= 2
    tr = heads[e, n_heads:n_heads + 4 * P] if use_tree else heads[e, 0:0]
    if use_tree:
        tree_build(tr, heads, e, n_agents)
    dirty = -1                      # agent whose heads changed since the tree last saw them
    one = -1                        # the one compiled decision to complete, if known
    while True:
        while need:                 # complete decided ticks in (tick time, agent) order
            if one >= 0:            # right after a compiled policy's tick: the only one
                di = one
                one = -1
                need = False
            else:
                di = -1
                for j in range(n_agents):
                    aj = acur[e, j]
                    if aj.dec_pending == 2 and (di < 0 or aj.dec_t < acur[e, di].dec_t):
                        di = j
                if di < 0:
                    need = False
                    break
            ad = acur[e, di]
            ad.dec_pending = 0
            if not complete_decision(e, di, ad.dec_kind, ad.dec_idx, ad.dec_t, ad.dec_s, sched,
                                     offsets, timing, info, act_lo, act_hi, p, st, cur, acur,
                                     ring_v, ring_t, heap, obs_b, act_b, heads, seed, episode):
                return
            if use_tree and di != dirty:
                if dirty >= 0:
                    tree_fix(tr, heads, e, dirty, n_agents)
                dirty = di
        # -- the next event: the earliest cached stream head in tie order, then the heap top
        if use_tree:
            if dirty >= 0:
                tree_fix(tr, heads, e, dirty, n_agents)
                dirty = -1
            bt = tr[2]
            bh = int(tr[3]) if bt < inf_t else -1
            if heads[e, n_heads - 1] < bt:
                bt = heads[e, n_heads - 1]
                bh = n_heads - 1
            bc = 9
            ba = 0
            if bh >= 0:
                bc = bh // n_agents
                ba = bh - bc * n_agents
        else:                       # class by class, agents in order: no division per event
            bt = inf_t
            bc = 9
            ba = 0
            for cl in range(4):
                for j in range(n_agents):
                    tt = heads[e, 4 * j + cl]
                    if tt < bt:
                        bt = tt
                        bc = cl
                        ba = j
            if heads[e, n_heads - 1] < bt:
                bt = heads[e, n_heads - 1]
                bc = 4
                ba = 0
        from_heap = False
        if c.heap_size > 0:
            h = heap[e, 0]
            if h.time < bt or (h.time == bt and (h.cls < bc or (h.cls == bc and h.agent < ba))):
                bt = h.time
                from_heap = True
        if c.n_pending > 0:         # decisions wait for Python: run on only while independent
            if from_heap:
                tick_of = heap[e, 0].agent if heap[e, 0].cls == EV_TICK else -1
            else:
                tick_of = ba if bc == 1 else -1
            if bt >= c.dec_t or bt > horizon or (tick_of >= 0
                                                 and acur[e, tick_of].dec_pending == 1):
                c.status = ST_WAIT
                return
        if bt > horizon:
            finish(e, horizon, p, st, cur, acur, met)
            return
        if bt > c.t:
            env_accrue(st, e, p, acur, bt - c.t)  # noqa: F821
            env_advance(st, e, p, bt - c.t)  # noqa: F821
            c.t = bt
        elif bt < c.t:              # a head at -inf: that agent's schedule window is used up
            c.status = ST_REFILL    # (the checks above let it by, or first pause for a decision)
            return
        c.events += 1
        decider = -1
        if from_heap:
            c.heap_size = heap_pop_nb(heap[e], c.heap_size, pop_b[e])
            ev = pop_b[e, 0]
            cls = ev.cls
            i = ev.agent
            if cls == EV_MSG_DELIVERY:          # an alarm from agent i arrives at ev.data
                acur[e, i].n_messages += 1
                record(cur, trace, e, bt, EV_MSG_DELIVERY, i, -1, bt, bt, 0.0)
                tg = ev.data
                at = acur[e, tg]
                if at.ooc_pending == 0:
                    at.ooc_pending = 1
                    env_observe(st, e, p, tg, ring_v[e, tg, K_OBS, R])  # noqa: F821
                    o_d = ooc_sample(timing[e], seed, episode, np.int64(tg),
                                     np.int64(Q_OOC_OBS), timing[e, tg].obs_delay,
                                     np.int64(at.ooc_count))
                    at.ooc_s = bt
                    at.ooc_t = bt + o_d
                    if not push_heap(cur, heap, e, bt + o_d, np.int64(EV_TICK), np.int64(tg),
                                     np.int64(at.ooc_count)):
                        return
            elif cls == EV_TICK:                # out-of-cycle tick of agent i
                a = acur[e, i]
                load_obs(e, i, R, info, acur, ring_v, ring_t, obs_b)
                a.ooc_pending = 0
                decider = i
                dk = 1
                dx = a.ooc_count
                ds = a.ooc_s
                a.ooc_count += 1
                record(cur, trace, e, bt, EV_TICK, i, -1 - dx, ds, bt, bt - ds)
            else:                               # EV_CUSTOM: disturbance number ev.data
                j = ev.data
                env_disturb(st, e, p, seed, episode, j)  # noqa: F821
                record(cur, trace, e, bt, EV_CUSTOM, -1, j, bt, bt, 0.0)
                u = uniform(stream_key(seed, episode, ENV_AGENT, Q_DISTURB_TIME), j + 1)
                if not push_heap(cur, heap, e, bt - dist_mean * math.log1p(-u),
                                 np.int64(EV_CUSTOM), np.int64(n_agents), np.int64(j + 1)):
                    return
        else:
            i = ba
            a = acur[e, i]
            if bc < 4:
                dirty = i
            if bc == 0:                             # observation sample
                o = offsets[i] - a.win_base         # schedule window: ticks from win_base on
                k = sched[e, o + a.obs_pos].obs_k
                slot = k & RM
                if ring_t[e, i, K_OBS, slot, 2] >= 0.0:
                    c.status = ERR_RING
                    return
                env_observe(st, e, p, i, ring_v[e, i, K_OBS, slot])  # noqa: F821
                ring_t[e, i, K_OBS, slot, 2] = k
                a.obs_pos += 1
                if a.obs_pos < a.obs_end:
                    heads[e, 4 * i] = sched[e, o + sched[e, o + a.obs_pos].obs_k].s
                else:
                    heads[e, 4 * i] = -inf_t if a.obs_pos < n_ticks[e, i] else inf_t
                r = sched[e, o + k]
                record(cur, trace, e, bt, 0, i, k, bt, r.t, r.obs)
            elif bc == 1:                           # regular tick
                k = a.tick_k
                o = offsets[i] - a.win_base
                r = sched[e, o + k]
                load_obs(e, i, k & RM, info, acur, ring_v, ring_t, obs_b)
                a.tick_k = k + 1
                if k + 1 < a.tick_end:
                    heads[e, 4 * i + K_HEAD_TICK] = sched[e, o + k + 1].t
                else:
                    heads[e, 4 * i + K_HEAD_TICK] = -inf_t if k + 1 < n_ticks[e, i] else inf_t
                decider = i
                dk = 0
                dx = k
                ds = r.s
                record(cur, trace, e, bt, EV_TICK, i, k, ds, bt, r.obs)
            elif bc == 2:                           # message delivery from sender i
                slot = a.msg_head & RM
                for j in range(n_agents):
                    if info[j].parent == i:
                        acur[e, j].inbox = ring_v[e, i, K_MSG, slot, info[j].child_slot]
                record(cur, trace, e, bt, EV_MSG_DELIVERY, i, a.msg_head,
                       ring_t[e, i, K_MSG, slot, 1], ring_t[e, i, K_MSG, slot, 3],
                       ring_t[e, i, K_MSG, slot, 4])
                a.msg_head += 1
                a.n_messages += 1
                if a.msg_head < a.msg_tail:
                    heads[e, 4 * i + K_HEAD_MSG] = ring_t[e, i, K_MSG, a.msg_head & RM, 0]
                else:
                    heads[e, 4 * i + K_HEAD_MSG] = inf_t
            elif bc == 3:                           # action effect of agent i
                slot = a.eff_head & RM
                env_effect(st, e, p, i, ring_v[e, i, K_EFF, slot])  # noqa: F821
                age = bt - ring_t[e, i, K_EFF, slot, 1]
                a.act_stale_sum += age
                if age > a.act_stale_max:
                    a.act_stale_max = age
                record(cur, trace, e, bt, EV_ACTION_EFFECT, i, a.eff_head,
                       ring_t[e, i, K_EFF, slot, 1], ring_t[e, i, K_EFF, slot, 3],
                       ring_t[e, i, K_EFF, slot, 4])
                a.eff_head += 1
                a.n_effects += 1
                if a.eff_head < a.eff_tail:
                    heads[e, 4 * i + K_HEAD_EFF] = ring_t[e, i, K_EFF, a.eff_head & RM, 0]
                else:
                    heads[e, 4 * i + K_HEAD_EFF] = inf_t
            else:                                   # reward clock (traces only)
                record(cur, trace, e, bt, EV_REWARD, -1, c.reward_m, bt, bt, 0.0)
                c.reward_m += 1
                heads[e, n_heads - 1] = c.reward_m * dt if c.reward_m <= n_rewards else inf_t
        if decider >= 0:                            # the policy step of a tick
            i = decider
            inf = info[i]
            a = acur[e, i]
            a.n_ticks += 1
            age = bt - ds
            a.obs_stale_sum += age
            if age > a.obs_stale_max:
                a.obs_stale_max = age
            a.dec_kind = dk
            a.dec_idx = dx
            a.dec_t = bt
            a.dec_s = ds
            if inf.policy_kind == POLICY_PYTHON:
                a.dec_pending = 1
                c.n_pending += 1
                bnd = decision_bound(e, i, dk, dx, bt, sched, offsets, timing, info, acur, seed,
                                     episode)
                if bnd < c.dec_t:
                    c.dec_t = bnd
            else:
                policy_act(inf.policy_kind, inf.policy_slot, pol,  # noqa: F821
                           inf.policy_offset, inf.policy_n_params, obs_b[e, i],
                           inf.obs_env_dim + inf.msg_in, act_b[e, i], inf.act_dim, mem[e, i], bt)
                a.dec_pending = 2
                one = i
                need = True


def rollout_kernel(sch, n_ticks, offsets, timing, info, act_lo, act_hi, pol, p, st, cur, acur,
                   ring_v, ring_t, heap, pop_b, obs_b, act_b, met, mem, trace, heads, seed,
                   episode_start, horizon, dt, n_rewards, t_start, dist_mean, lo, hi):
    """Run the episode rows ``lo .. hi - 1`` of the chunk until done, paused or failed. Returns
    the number of those rows waiting for a Python decision or a schedule window."""
    waiting = 0
    for e in range(lo, hi):
        st_e = cur[e].status
        if (st_e <= ST_WAIT and st_e >= ST_NEW) or st_e == ST_REFILL:
            run_episode(e, sch, n_ticks, offsets, timing, info, act_lo, act_hi, pol, p, st,
                        cur, acur, ring_v, ring_t, heap, pop_b, obs_b, act_b, met, mem, trace,
                        heads, seed, episode_start, horizon, dt, n_rewards, t_start, dist_mean)
        if cur[e].status == ST_WAIT or cur[e].status == ST_REFILL:
            waiting += 1
    return waiting


TEMPLATES = ("ooc_sample", "push_heap", "record", "complete_decision", "decision_bound",
             "obs_head", "tick_head", "load_obs", "finish", "run_episode")
ENTRY = "rollout_kernel"
NO_NRT = ("run_episode", "rollout_kernel")   # heron._fast.specialise.KernelEntry
# Inlined at Numba IR level: avoids per-call reference counting of the many array arguments
# (atomic operations that also make threads contend) on the per-event path. Helpers of rare
# events (out-of-cycle samples, heap pushes) and ``run_episode`` (once per episode) are not:
# inlining them only multiplied compile time (cold compile 43 s -> 20 s, same episodes/s).
# Templates take at most 30 arguments: CPython compiles a call with more into a ``*args`` call,
# which Numba cannot inline (the entry, called from Python only, takes 31).
INLINE = ("record", "complete_decision", "decision_bound", "load_obs", "finish")
