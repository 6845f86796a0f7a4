"""Running one chunk of episodes through the compiled kernels (event-driven or synchronous).

``Plan`` holds everything fixed for a whole evaluation (env arrays, timing, policies, compiled
kernel). ``run_chunk(plan, episode_start, n)`` allocates the chunk's working set, calls the kernel,
and, when some agents use Python policies, runs decision rounds: every waiting episode's
observation is stacked, each Python policy is called once per round on its rows, the actions are
validated (shape, NaN, range: errors name the agent and the episode) and the kernel resumes.
It returns the chunk's metric columns (NumPy) and its event count.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from heron._fast.dtypes import (
    ERR_HEAP, ERR_NAN, ERR_RANGE, ERR_RING,
    agent_cursor_dt, agent_info_dt, episode_cursor_dt, heap_event_dt, trace_event_dt,
)
from heron._fast.policy_nb import POLICY_PYTHON, POLICY_USER
from heron.batch.policies import (
    BatchedPolicy, CompiledPolicy, DecisionContext, compiled_action_error,
)



@dataclass
class Plan:
    env: object
    engine: str
    timing_arr: np.ndarray
    info: np.ndarray
    act_lo: np.ndarray
    act_hi: np.ndarray
    pol_params: np.ndarray
    python_policies: dict      # agent index -> BatchedPolicy
    mem_width: int             # policy memory cells per (episode, agent) (at least 1)
    seed: int
    horizon: float
    n_rewards: int
    kernel: object
    stride: np.ndarray
    width: int
    buffers: dict = None       # working arrays reused from chunk to chunk
    policy_names: list = None  # per agent, for messages
    policy_lock: object = None  # held around Python policy calls (chunks may run in threads)
    py_groups: list = None     # Python-policy agents grouped for one call per group and round
    timing_table: np.ndarray = None  # per-episode timing rows (heron.batch.episode_timing)
    windows: list = None       # ticks per agent and schedule window (heron.batch.windows)

    def release(self) -> None:
        """Drop the working arrays kept between chunks (they are rebuilt on the next chunk)."""
        if self.buffers:
            self.buffers.clear()


def build_plan(env, policies: list, timing_arr: np.ndarray, seed: int, horizon: float,
               engine: str) -> Plan:
    """Arrays and kernel for ``env`` with one policy per agent (registration order)."""
    from heron._fast import rollout_nb, sync_nb
    from heron._fast.specialise import specialise
    from heron.scheduling.nominal import sync_stride

    n = len(env.agents)
    width = max(max(a.obs_dim, a.act_dim) for a in env.agents)
    info = np.zeros(n, dtype=agent_info_dt)
    act_lo = np.zeros((n, width))
    act_hi = np.zeros((n, width))
    params = [np.zeros(1)]
    offset = 1
    py = {}
    user: list = []            # distinct user policy functions, by slot
    agents = env.agents
    parents = {a.parent for a in agents}    # (env.children per agent: O(n^2) in agents)
    # agent columns set as whole columns: a record field set per agent and field cost ~10 ms
    # of each evaluate() call on a 1,024-agent fleet
    info["parent"] = [a.parent for a in agents]
    info["child_slot"] = [a.child_slot for a in agents]
    info["obs_env_dim"] = [a.obs_env_dim for a in agents]
    info["msg_in"] = [a.parent >= 0 for a in agents]
    info["actuates"] = [bool(a.actuates) for a in agents]
    info["sends"] = [i in parents for i in range(n)]
    info["act_dim"] = [a.act_dim for a in agents]
    info["alarms"] = [bool(a.alarms) for a in agents]
    info["clip"] = [bool(getattr(pol, "clip", False)) for pol in policies]
    kind = np.full(n, POLICY_PYTHON, dtype=np.int64)
    p_off = np.zeros(n, dtype=np.int64)
    p_len = np.zeros(n, dtype=np.int64)
    slot = np.zeros(n, dtype=np.int64)
    for i, (a, pol) in enumerate(zip(agents, policies)):
        act_lo[i, :a.act_dim] = a.act_low
        act_hi[i, :a.act_dim] = a.act_high
        if isinstance(pol, CompiledPolicy):
            pol.check_dims(a.id, a.obs_dim, a.act_dim)
            kind[i] = pol.kind
            p_off[i] = offset
            p_len[i] = pol.params.shape[0]
            if pol.kind == POLICY_USER:
                key = (pol.fn, pol.n_args)
                if key not in user:
                    user.append(key)
                slot[i] = user.index(key)
            params.append(pol.params)
            offset += pol.params.shape[0]
        elif isinstance(pol, BatchedPolicy):
            py[i] = pol
        else:
            raise TypeError(f"policy for agent {a.id!r} must be a CompiledPolicy or a "
                            f"BatchedPolicy; got {type(pol).__name__} {pol!r}")
    info["policy_kind"] = kind
    info["policy_offset"] = p_off
    info["policy_n_params"] = p_len
    info["policy_slot"] = slot
    intervals = timing_arr["tick_interval"].tolist()
    strides = {t: sync_stride(t, env.dt) for t in set(intervals)}
    stride = np.array([strides[t] for t in intervals], dtype=np.int64)
    module = rollout_nb if engine == "batch" else sync_nb
    key = env.code_key(extra=[f for f, _ in user])
    kernel = specialise(module, key, env.functions, list(env.metrics.values()), user)
    n_rewards = int(np.floor(horizon / env.dt + 1e-9))
    mem_width = max([1] + [p.memory for p in policies])
    return Plan(env, engine, timing_arr, info, act_lo, act_hi, np.concatenate(params), py,
                mem_width, seed, horizon, n_rewards, kernel, stride, width, {},
                [p.name for p in policies], threading.Lock())


def _alloc(plan: Plan, buffers, n: int, ring: int, heap_cap: int, trace_cap: int = 0):
    """The chunk's working set, reset to the start of its episodes. Reused between chunks of the
    same shape (a fresh allocation costs page faults in the kernel); ``buffers`` is the dict that
    keeps it (one per thread running chunks)."""
    key = ("work", n, ring, heap_cap, trace_cap)
    arrs = buffers.get(key) if buffers is not None else None
    if arrs is None:
        arrs = _new_work(plan, n, ring, heap_cap, trace_cap)
        if buffers is not None:
            for k in [k for k in buffers if k[0] == "work"]:
                del buffers[k]
            buffers[key] = arrs
        return arrs
    st, cur, acur, ring_v, ring_t, heap, pop_b, obs_b, act_b, trace, heads, met, mem = arrs
    for a in (st, cur, acur, met, mem):
        a.view(np.uint8)[...] = 0  # a memset: assigning 0 to a structured array goes per field
    _init_cursors(plan, acur, ring_t)
    return arrs


def _init_cursors(plan: Plan, acur, ring_t):
    acur["e_last"] = -np.inf
    acur["d_last"] = -np.inf
    acur["alarm_last"] = -np.inf
    acur["inbox"] = plan.env.msg_init
    ring_t[..., 2] = 0.0 if plan.engine == "sync" else -1.0


def _new_work(plan: Plan, n: int, ring: int, heap_cap: int, trace_cap: int):
    env = plan.env
    n_agents = len(env.agents)
    # without a closed-form reward integral, rows n .. 2n-1 are the integrator's scratch copies
    rows = n if env.closed_form_reward else 2 * n
    st = np.zeros((rows, env.n_units), dtype=env.state_dtype)
    cur = np.zeros(n, dtype=episode_cursor_dt)
    acur = np.zeros((n, n_agents), dtype=agent_cursor_dt)
    ring_v = np.zeros((n, n_agents, 3, ring + 1, plan.width))
    ring_t = np.zeros((n, n_agents, 3, ring + 1, 5))
    _init_cursors(plan, acur, ring_t)
    heap = np.zeros((n, heap_cap), dtype=heap_event_dt)
    pop_b = np.zeros((n, 1), dtype=heap_event_dt)
    obs_b = np.zeros((n, n_agents, plan.width))
    act_b = np.zeros((n, n_agents, plan.width))
    trace = np.zeros((n, trace_cap), dtype=trace_event_dt)
    from heron._fast.tree_nb import tree_leaves

    heads = np.full((n, 4 * n_agents + 1 + 4 * tree_leaves(n_agents)), np.inf)
    met = np.zeros((n, n_agents, max(1, len(env.metrics))))
    mem = np.zeros((n, n_agents, plan.mem_width))
    return st, cur, acur, ring_v, ring_t, heap, pop_b, obs_b, act_b, trace, heads, met, mem


def _check_actions(out, plan: Plan, agent: int, rows: np.ndarray, episode_start: int):
    """Validate one agent's actions from a Python policy (shape, finite, range unless the
    policy clips); returns them as a ``(B, act_dim)`` float64 array."""
    env = plan.env
    a = env.agents[agent]
    pol = plan.python_policies[agent]
    out = np.asarray(out, dtype=np.float64)
    B = rows.shape[0]
    if out.ndim == 1 and a.act_dim == 1 and out.shape[0] == B:
        out = out[:, None]
    if out.shape != (B, a.act_dim):
        hint = ""
        if isinstance(pol, BatchedPolicy) and not pol.per_observation:
            hint = (" (a per-observation function like the tutorial's simple_policy must be "
                    "wrapped with heron.batch.policies.per_observation(fn))")
        raise ValueError(
            f"policy {pol.name!r} for agent {a.id!r} returned shape {out.shape} for a batch of "
            f"{B} observations; expected ({B}, {a.act_dim}){hint}. First episode in the batch: "
            f"{episode_start + int(rows[0])}")
    bad = ~np.isfinite(out)
    if bad.any():
        r = int(np.nonzero(bad.any(axis=1))[0][0])
        raise ValueError(f"policy {pol.name!r} returned a non-finite action {out[r].tolist()} "
                         f"for agent {a.id!r} in episode {episode_start + int(rows[r])}")
    lo = np.asarray(a.act_low)
    hi = np.asarray(a.act_high)
    if pol.clip:
        return np.clip(out, lo, hi)
    oor = (out < lo) | (out > hi)
    if oor.any():
        r = int(np.nonzero(oor.any(axis=1))[0][0])
        raise ValueError(
            f"policy {pol.name!r} returned action {out[r].tolist()} outside the range "
            f"[{list(a.act_low)}, {list(a.act_high)}] of agent {a.id!r} in episode "
            f"{episode_start + int(rows[r])}; pass clip=True to the policy to clip instead")
    return out


def _kernel_error(plan: Plan, cur: np.ndarray, episode_start: int):
    bad = np.nonzero(cur["status"] < 0)[0]
    r = int(bad[0])
    code = int(cur["status"][r])
    i = int(cur["err_agent"][r])
    a = plan.env.agents[i]
    j = int(cur["err_index"][r])
    x = float(cur["err_value"][r])
    ep = episode_start + r
    if code in (ERR_NAN, ERR_RANGE):
        raise compiled_action_error(_policy_name(plan, i), a, j, x, ep)
    return code


def _policy_name(plan: Plan, i: int) -> str:
    return plan.policy_names[i] if plan.policy_names else "?"


def _run_kernel(plan: Plan, arrs, sched_parts, episode_start: int) -> int:
    """Run the chunk's rows through the kernel (ranges of rows in threads: ``heron.batch.threads``);
    returns the number of rows waiting for a Python decision."""
    from heron.batch.threads import run_rows

    st, cur, acur, ring_v, ring_t, heap, pop_b, obs_b, act_b, trace, heads, met, mem = arrs
    env = plan.env
    p = env.kernel_params()
    if plan.engine == "batch":
        sched, n_ticks, offsets, timing = sched_parts
        # returns are integrals: the reward clock only marks instants in traces, so without a
        # trace buffer its events (about 1 in 7 of W1's) would only split intervals
        n_rewards = plan.n_rewards if trace.shape[1] > 0 else 0
        args = (sched, n_ticks, offsets, timing, plan.info, plan.act_lo, plan.act_hi,
                plan.pol_params, p, st, cur, acur, ring_v, ring_t, heap, pop_b, obs_b, act_b, met,
                mem, trace, heads, plan.seed, episode_start, plan.horizon, env.dt, n_rewards, 0.0,
                env.disturbance_mean)
    else:
        n_steps = int(np.ceil(plan.horizon / env.dt - 1e-9))
        args = (plan.stride, plan.info, plan.act_lo, plan.act_hi, plan.pol_params, p, st, cur,
                acur, ring_v, ring_t, heap, pop_b, obs_b, act_b, met, mem, plan.seed,
                episode_start, env.dt, n_steps, 0.0, env.disturbance_mean, plan.horizon)
    return sum(run_rows(plan.kernel, args, cur.shape[0]))


def run_chunk(plan: Plan, episode_start: int, n: int, trace_cap: int = 0,
              buffers: dict | None = None) -> tuple:
    """Run episodes ``[episode_start, episode_start + n)``; returns ``(acur, events, arrs)``
    where ``acur`` is the ``(n, n_agents)`` ``agent_cursor_dt`` array of metrics and ``arrs``
    the working set (entry 9 is the trace buffer, filled when ``trace_cap > 0``; entry 11 the
    env's metrics ``(n, n_agents, n_metrics)``). ``buffers`` keeps the working arrays for the
    next chunk (default ``plan.buffers``; each thread running chunks passes its own)."""
    from heron.batch import windows as win
    from heron.batch.episode_timing import chunk_timing
    from heron.batch.schedule import fill

    buffers = plan.buffers if buffers is None else buffers
    sched_parts = None
    windows = None
    ring = 4
    if plan.engine == "batch":
        timing = chunk_timing(plan, episode_start, n, buffers)
        if plan.windows is None:
            *sched_parts, lag = fill(plan.timing_arr if plan.timing_table is None else timing,
                                     plan.seed, episode_start, n, plan.horizon, buffers=buffers,
                                     full=False)
            sched_parts.append(timing)
            while ring < lag + 2:   # a power of two: the kernel masks ring indices
                ring *= 2
    heap_cap = 2 * len(plan.env.agents) + 8
    while True:
        if plan.engine == "batch" and plan.windows is not None:
            windows = win.allocate(plan.windows, n, buffers)
            sched_parts = (*windows[:3], timing)
        arrs = (_alloc(plan, buffers, n, ring, heap_cap, trace_cap) if not trace_cap
                else _new_work(plan, n, ring, heap_cap, trace_cap))
        cur, acur, heads = arrs[1], arrs[2], arrs[10]
        try:
            if windows is not None:
                lag = win.refill(plan, windows, timing, acur, heads, cur, episode_start)
                if ring < lag + 2:
                    ring *= 2
                    continue
            elif plan.engine == "batch":
                acur["tick_end"] = sched_parts[1]   # the whole schedule: no window ends
                acur["obs_end"] = sched_parts[1]
            waiting = _run_kernel(plan, arrs, sched_parts, episode_start)
            while waiting > 0 and not (cur["status"] < 0).any():
                if windows is not None:
                    win.refill(plan, windows, timing, acur, heads, cur, episode_start)
                _python_round(plan, arrs, episode_start)
                waiting = _run_kernel(plan, arrs, sched_parts, episode_start)
        except win.WindowTooSmall as exc:   # the chunk runs again with a longer window
            plan.windows = win.grow(plan.windows, exc.agent, plan.env.agent_ids[exc.agent])
            continue
        if not (cur["status"] < 0).any():
            if trace_cap and (cur["n_trace"] > trace_cap).any():
                trace_cap = int(cur["n_trace"].max())
                continue
            return arrs[2], int(cur["events"].sum()), arrs
        code = _kernel_error(plan, cur, episode_start)
        if code == ERR_RING:
            ring *= 2
        elif code == ERR_HEAP:
            heap_cap *= 2
        else:  # pragma: no cover - defensive
            raise RuntimeError(f"kernel failed with status {code}")


#: What ``compile_part`` can compile, per engine: independent pieces, so a pool of workers can
#: compile them side by side (each lands in Numba's on-disk cache).
COMPILE_PARTS = {"batch": ("kernel", "schedule"), "sync": ("kernel",)}


def compile_part(plan: Plan, part: str) -> None:
    """Compile (or load from Numba's cache) one piece of ``plan``'s kernels without running an
    episode: ``"kernel"`` is the rollout (or synchronous) kernel, called on an empty chunk;
    ``"schedule"`` the schedule kernels, run on one episode."""
    if part not in COMPILE_PARTS[plan.engine]:
        raise ValueError(f"part must be one of {COMPILE_PARTS[plan.engine]} for engine "
                         f"{plan.engine!r}; got {part!r}")
    if part == "schedule":
        from heron.batch.schedule import fill

        fill(plan.timing_arr, plan.seed, 0, 1, plan.horizon, full=False)
        return
    n_agents = len(plan.env.agents)
    sched_parts = None
    if plan.engine == "batch":
        from heron._fast.dtypes import schedule_tick_dt
        from heron.batch.episode_timing import chunk_timing

        sched_parts = (np.zeros((0, n_agents), dtype=schedule_tick_dt),
                       np.zeros((0, n_agents), dtype=np.int64),
                       np.zeros(n_agents + 1, dtype=np.int64), chunk_timing(plan, 0, 0))
    _run_kernel(plan, _new_work(plan, 0, 4, 1, 0), sched_parts, 0)


def _python_groups(plan: Plan) -> list:
    """Python-policy agents grouped by (policy object, obs_dim, act_dim): one call per group."""
    groups: dict = {}
    for i, pol in plan.python_policies.items():
        a = plan.env.agents[i]
        groups.setdefault((id(pol), a.obs_dim, a.act_dim), (pol, a.obs_dim, a.act_dim, []))[3] \
            .append(i)
    return list(groups.values())


def _python_round(plan: Plan, arrs, episode_start: int) -> None:
    """One decision round: every decision waiting in any episode of the chunk goes to its agent's
    policy (one call per policy group on the stacked batch); validated actions go back to
    ``act_b``."""
    from heron._fast.dtypes import ST_WAIT

    acur, obs_b, act_b, mem = arrs[2], arrs[7], arrs[8], arrs[12]
    # rows paused for a schedule window (heron.batch.windows) decide once they wait for it
    waiting = (arrs[1]["status"] == ST_WAIT)[:, None]
    rows, agents = np.nonzero((acur["dec_pending"] == 1) & waiting)
    if plan.py_groups is None:
        plan.py_groups = _python_groups(plan)
    groups = plan.py_groups
    for pol, obs_dim, act_dim, members in groups:
        if len(groups) == 1:
            r, g = rows, agents
        else:
            m = np.isin(agents, members)
            r, g = rows[m], agents[m]
        if r.shape[0] == 0:
            continue
        try:
            with plan.policy_lock:   # a user's policy is only ever called by one thread at once
                if pol.context:
                    ctx = DecisionContext(agent=g, agent_id=np.asarray(plan.env.agent_ids)[g],
                                          episode=episode_start + r, t=acur["dec_t"][r, g],
                                          memory=mem[r, g, :pol.memory])
                    out = pol(obs_b[r, g, :obs_dim], ctx)
                    mem[r, g, :pol.memory] = ctx.memory
                else:
                    out = pol(obs_b[r, g, :obs_dim])
        except Exception as exc:  # name the policy, the agents and the episodes deciding
            if hasattr(exc, "add_note"):
                ids = sorted({plan.env.agent_ids[int(i)] for i in g})
                eps = sorted({int(e) for e in episode_start + r})
                exc.add_note(f"heron: raised by the policy {getattr(pol, 'name', pol)!r} "
                             f"deciding for agent(s) {ids} in episode(s) "
                             f"{eps if len(eps) <= 10 else eps[:10] + ['...']}")
            raise
        out = _check_group(out, plan, members, r, g, episode_start)
        act_b[r, g, :act_dim] = out


def _check_group(out, plan: Plan, members: list, sel: np.ndarray, sel_agents: np.ndarray,
                 episode_start: int):
    """Validate a group's actions; errors name the agent and the episode."""
    a0 = plan.env.agents[members[0]]
    if np.iscomplexobj(out):
        raise TypeError(f"the policy of agent(s) {[plan.env.agent_ids[m] for m in members]} "
                        f"returned complex actions in episode(s) starting at "
                        f"{episode_start + int(sel.min())}: actions must be real numbers (the "
                        "imaginary part would be lost)")
    out = np.asarray(out, dtype=np.float64)
    B = sel.shape[0]
    if out.ndim == 1 and a0.act_dim == 1 and out.shape[0] == B:
        out = out[:, None]
    if out.shape != (B, a0.act_dim) or not np.isfinite(out).all() or \
            (out < plan.act_lo[members[0], :a0.act_dim]).any() or \
            (out > plan.act_hi[members[0], :a0.act_dim]).any():
        if out.shape == (B, a0.act_dim) and np.isfinite(out).all() and \
                plan.python_policies[members[0]].clip:
            return np.clip(out, plan.act_lo[sel_agents, :a0.act_dim],
                           plan.act_hi[sel_agents, :a0.act_dim])
        for m in members:
            mask = sel_agents == m
            if not mask.any():
                continue
            part = out[mask] if out.ndim >= 1 and out.shape[:1] == (B,) else out
            _check_actions(part, plan, m, sel[mask], episode_start)
    return out
