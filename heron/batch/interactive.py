"""``run_interactive``: the batch engine's evaluation, run episode by episode through the
interactive engine (Python agents on ``PettingZooParallelEnv``), on the SAME schedules.

``run_interactive(env, policy=None, *, timing=None, n_episodes, seed, horizon=None,
episode_start=0, chunk_size=None, as_arrays=True)`` takes the arguments of
``heron.batch.evaluate`` and returns the same ``EvaluationResult`` (``result.COLUMNS``, one row per
(episode, agent)), so ``evaluate(engine="interactive")`` can delegate to it:

* the timing samples of episode ``e`` are the batch schedule's (``build_schedule``, built per
  chunk of episodes), replayed by one ``ScheduledTickConfig`` per agent (``ReplayTickConfig``, a
  subclass that reads the samples of the ticks up to the horizon from Python lists and is
  reloaded in place per episode);
* the interactive env is ``env.interactive_env(...)`` (the builder attached to the spec), built
  once and restarted per episode with ``start_episode(seed, e)`` (``reset(seed=seed,
  options={"episode": e})`` without building observations), so it draws the same initial state
  and disturbances; its observation history is made as long as the chunk's longest observation
  delay sample;
* policies are the batch engine's, called per observation: a ``CompiledPolicy`` runs its compiled
  kernel (``heron._fast.policy_nb.act_nb``) on one observation (threshold and step rules, pure
  selections on ``obs[0]``, select in Python among read-only actions checked once, which the env
  core applies as they are: its ``fixed_commands``), a ``BatchedPolicy`` is called
  with a batch of one ``(1, obs_dim)``, and a per-observation one (``policies.per_observation``)
  on the observation itself. The policy observation is the env observation plus, for an agent
  with a parent, the latest delivered message (``env.msg_init`` before the first). Actions are
  checked like the batch engine checks them (shape, finite, range): a bad action raises
  ``ValueError`` naming the agent and the episode.
* Python's cyclic garbage collector is paused while a chunk runs (as ``timeit`` does; episodes
  create no reference cycles) and restored before the chunk's columns are yielded.

``stats["events"]`` counts the events the interactive scheduler handled (ticks, effects,
message deliveries, disturbances, out-of-cycle ticks; envs that integrate returns need no
reward-clock events), which is fewer than the batch kernel's count (it also counts observation
samples). Times are in seconds.
"""
from __future__ import annotations

import gc
import time

import numpy as np

from heron.batch.policies import _as_real
from heron.batch.schedule import ScheduledTickConfig
from heron.core.policies import Policy

DEFAULT_INTERACTIVE_CHUNK = 1024
_NDARRAY = np.ndarray
_F64 = np.dtype(np.float64)


class ReplayTickConfig(ScheduledTickConfig):
    """A ``ScheduledTickConfig`` reloadable in place (``load``) with list-based lookups: the
    interactive scheduler can be reset and reused from one episode to the next."""

    __slots__ = ("_iv", "_ob", "_ac", "_ms", "_n")

    def __init__(self, base, ticks, *, seed, episode, agent_index):
        super().__init__(base, ticks, seed=seed, episode=episode, agent_index=agent_index)
        self._fill()

    def load(self, ticks: np.ndarray, episode: int, lists=None) -> None:
        """Replay ``ticks`` (``schedule_tick_dt``) of ``episode`` from tick 0. ``lists``
        (optional): the interval, obs and act samples of the first ``n`` ticks as Python lists
        (``n`` <= ``len(ticks)``, e.g. the ticks up to the horizon); later samples come from
        ``ticks`` (then the streams), message delays from ``ticks`` (as lists, on first use)."""
        self._ticks = ticks
        self._k = 0
        seed, _, agent = self._stream
        self._stream = (seed, int(episode), agent)
        if lists is None:
            self._fill()
        else:
            self._iv, self._ob, self._ac = lists
            self._n = len(self._iv)
            self._ms = None

    def _fill(self) -> None:
        t = self._ticks
        self._iv = t["interval"].tolist()
        self._ob = t["obs"].tolist()
        self._ac = t["act"].tolist()
        self._ms = None
        self._n = len(self._iv)

    def get_tick_interval(self) -> float:
        k = self._k
        if k < self._n:
            self._k = k + 1
            return self._iv[k]
        return super().get_tick_interval()

    def get_obs_delay(self) -> float:
        k = self._k
        return self._ob[k] if k < self._n else super().get_obs_delay()

    def get_act_delay(self) -> float:
        k = self._k
        return self._ac[k] if k < self._n else super().get_act_delay()

    def get_msg_delay(self) -> float:
        k = self._k
        if k >= self._n:
            return super().get_msg_delay()
        if self._ms is None:  # senders and alarms only: converted when first needed
            self._ms = self._ticks["msg"][:self._n].tolist()
        return self._ms[k]


class _Episode:
    """The episode being run (for error messages and policy memory) and the interactive env's
    clock (``clock()``: the current simulation time, s, for policies that read it)."""

    __slots__ = ("number", "clock")

    def __init__(self):
        self.number = -1
        self.clock = _zero_clock


def _zero_clock() -> float:
    return 0.0


def _bad_action(pol_name, agent, action, what, episode):
    if what == "shape":
        return ValueError(f"policy {pol_name!r} for agent {agent.id!r} returned shape "
                          f"{np.shape(action)} for a batch of 1 observation; expected "
                          f"(1, {agent.act_dim}). Episode {episode}")
    if what == "finite":
        return ValueError(f"policy {pol_name!r} returned a non-finite action "
                          f"{np.ravel(action).tolist()} for agent {agent.id!r} in episode "
                          f"{episode}")
    return ValueError(f"policy {pol_name!r} returned action {np.ravel(action).tolist()} outside "
                      f"the range [{list(agent.act_low)}, {list(agent.act_high)}] of agent "
                      f"{agent.id!r} in episode {episode}; pass clip=True to the policy to clip "
                      f"instead")


class PerObservationPolicy(Policy):
    """A batch-engine policy (``CompiledPolicy`` or ``BatchedPolicy``) for one interactive
    agent (index ``index``): ``act(observation, message)`` builds the policy observation
    (observation, then the message's first entry for an agent with a parent), calls the policy
    and checks the action (or clips it, for a policy with ``clip=True``). A policy's memory is
    zeroed when a new episode starts; user compiled policies and Python policies with a context
    get the decision time from the episode's clock."""

    def __init__(self, policy, agent_spec, msg_init: float, episode: _Episode, index: int = 0):
        from heron._fast.policy_nb import POLICY_USER
        from heron.batch.policies import BatchedPolicy, CompiledPolicy

        self.policy = policy
        self.spec = agent_spec
        self.index = int(index)
        self.msg_init = float(msg_init)
        self.episode = episode
        self.n_obs = agent_spec.obs_dim
        self.n_env = agent_spec.obs_env_dim
        self.n_act = agent_spec.act_dim
        self.msg_in = agent_spec.parent >= 0
        self.lo = [float(x) for x in agent_spec.act_low]
        self.hi = [float(x) for x in agent_spec.act_high]
        self.clip = bool(getattr(policy, "clip", False))
        width = max(self.n_obs, self.n_act, 1)
        self._obs = np.zeros(width)
        self._out = np.zeros(width)
        self._out1 = self._out[:1]
        self._mem = np.zeros(max(1, getattr(policy, "memory", 0)))
        self._mem_episode = None
        self.fixed_commands = ()  # read-only actions returned as they are (the env core's)
        if isinstance(policy, CompiledPolicy):
            from heron._fast.policy_nb import act_nb

            policy.check_dims(agent_spec.id, self.n_obs, self.n_act)
            self._kernel = act_nb
            self._kind = int(policy.kind)
            self._params = np.ascontiguousarray(policy.params, dtype=np.float64)
            if policy.kind == POLICY_USER:
                self.act = self._act_user
            elif self._init_rule():
                self.act = self._act_rule
            else:
                self.act = self._act_compiled
        elif isinstance(policy, BatchedPolicy) and policy.per_observation:
            self._fn = policy.fn
            self.act = self._act_per_observation
        elif isinstance(policy, BatchedPolicy):
            self.act = self._act_python
        else:
            raise TypeError(f"policy for agent {agent_spec.id!r} must be a CompiledPolicy or a "
                            f"BatchedPolicy; got {type(policy).__name__} {policy!r}")

    def _memory(self) -> np.ndarray:
        """This agent's policy memory in the current episode (zeroed when a new one starts)."""
        if self._mem_episode != self.episode.number:
            self._mem[:] = 0.0
            self._mem_episode = self.episode.number
        return self._mem

    def _fill(self, observation, message):
        obs = self._obs
        n_env = self.n_env
        if n_env == 1:
            obs[0] = observation[0]
        else:
            obs[:n_env] = observation
        if self.msg_in:
            obs[n_env] = self.msg_init if message is None else message.content[0]
        return obs

    def _init_rule(self) -> bool:
        """For a ``POLICY_THRESHOLD`` or ``POLICY_STEP`` policy (pure selections on ``obs[0]``),
        prepare ``_act_rule``: the action of each of the three cases as a read-only array when
        it passes the action checks (None when it does not: that case goes through the
        kernel and its error or clipping); those arrays are the policy's ``fixed_commands``.
        Returns False for other kinds."""
        from heron._fast.policy_nb import POLICY_STEP, POLICY_THRESHOLD

        p = self._params.tolist()
        if self._kind == POLICY_THRESHOLD and self.n_act == 1:
            lo, hi, below, between, above = p[0], p[1], p[2], 0.0, -p[2]
        elif self._kind == POLICY_STEP:
            lo, hi, below, between, above = p[:5]
        else:
            return False
        self._rule_lo, self._rule_hi = lo, hi
        self._rule_acts = []
        for v in (below, between, above):
            ok = v - v == 0.0 and all(self.lo[j] <= v <= self.hi[j] for j in range(self.n_act))
            act = np.full(self.n_act, v) if ok else None
            if act is not None:
                act.flags.writeable = False
            self._rule_acts.append(act)
        self.fixed_commands = tuple(a for a in self._rule_acts if a is not None)
        return True

    def _act_rule(self, observation, message=None):
        """A threshold or step rule's action, selected in Python (the kernel's selection, bit
        for bit, without calling it): one of ``fixed_commands``, read-only arrays the env core
        validates once per episode setup and then applies as they are."""
        if self.msg_in or type(observation) is not _NDARRAY or observation.dtype is not _F64 \
                or observation.shape[0] != self.n_obs:
            x = self._fill(observation, message).item(0)
        else:
            x = observation.item(0)
        below, between, above = self._rule_acts
        act = below if x < self._rule_lo else above if x > self._rule_hi else between
        return act if act is not None else self._act_compiled(observation, message)

    def _act_compiled(self, observation, message=None):
        """The compiled policy's action: a view of a buffer the next call overwrites (the env
        core copies commands when it validates them)."""
        if self.msg_in or type(observation) is not _NDARRAY or observation.dtype is not _F64 \
                or observation.shape[0] != self.n_obs:
            obs = self._fill(observation, message)
        else:  # the env's own float64 observation is the policy observation
            obs = observation
        out = self._out
        self._kernel(self._kind, self._params, 0, obs, self.n_obs, out, self.n_act, self._mem)
        if self.n_act == 1:
            x = out.item(0)
            if not (self.lo[0] <= x <= self.hi[0] and x - x == 0.0):
                return self._bad_compiled(out[:1])
            return self._out1
        act = out[:self.n_act]
        self._check(act, compiled=True)
        return act

    def _act_user(self, observation, message=None):
        """A user's compiled policy ``fn(obs, act, params, memory, t)``, called from Python."""
        obs = self._fill(observation, message)[:self.n_obs]
        out = self._out[:self.n_act]
        args = (obs, out, self._params, self._memory(), float(self.episode.clock()))
        self.policy.fn(*args[:self.policy.n_args])
        return self._check(out, compiled=True)

    def _bad_compiled(self, act):
        bad = [j for j, x in enumerate(act) if not (self.lo[j] <= x <= self.hi[j])]
        if self.clip and all(x == x for x in act):
            np.clip(act, self.lo, self.hi, out=act)
            return act
        from heron.batch.policies import compiled_action_error

        j = bad[0]
        raise compiled_action_error(self.policy.name, self.spec, j, float(act[j]),
                                    self.episode.number)

    def _check(self, act, compiled=False):
        if not np.all(np.isfinite(act)) or np.any(act < self.lo) or np.any(act > self.hi):
            if compiled:
                return self._bad_compiled(act)
            what = "finite" if not np.all(np.isfinite(act)) else "range"
            if what == "range" and self.clip:
                return np.clip(act, self.lo, self.hi)
            raise _bad_action(self.policy.name, self.spec, act, what, self.episode.number)
        return act

    def _act_per_observation(self, observation, message=None):
        if self.msg_in:
            obs = self._fill(observation, message)[:self.n_obs].copy()
        else:
            obs = observation
        act = self._fn(obs)
        if type(act) is not _NDARRAY or act.dtype is not _F64 or act.ndim != 1:
            act = _as_real(act, self.policy.name).reshape(-1)
        if act.shape[0] != self.n_act:
            raise _bad_action(self.policy.name, self.spec, act[None], "shape",
                              self.episode.number)
        if self.n_act == 1:
            x = act.item()
            if self.lo[0] <= x <= self.hi[0] and x - x == 0.0:
                return act  # the env core copies it when it validates the command
        return self._check(act)

    def _act_python(self, observation, message=None):
        obs = self._fill(observation, message)[None, :self.n_obs].copy()
        pol = self.policy
        if pol.context:
            from heron.batch.policies import DecisionContext

            mem = self._memory()[None, :pol.memory].copy()
            ctx = DecisionContext(agent=np.array([self.index]),
                                  agent_id=np.array([self.spec.id]),
                                  episode=np.array([self.episode.number]),
                                  t=np.array([float(self.episode.clock())]), memory=mem)
            out = _as_real(pol(obs, ctx), pol.name)
            self._mem[:pol.memory] = ctx.memory[0]
        else:
            out = _as_real(pol(obs), pol.name)
        if out.ndim == 1 and self.n_act == 1 and out.shape[0] == 1:
            out = out[:, None]
        if out.shape != (1, self.n_act):
            raise _bad_action(pol.name, self.spec, out, "shape", self.episode.number)
        return self._check(out[0].copy())


def _prepare(env, policy, timing, n_episodes, seed, horizon, episode_start, chunk_size):
    from heron.batch.env import BatchEnv
    from heron.batch.arguments import check_run_args, int_arg, resolve_policies
    from heron.batch.timing import resolve_timing

    if not isinstance(env, BatchEnv):
        raise TypeError(f"env must be a heron.batch.BatchEnv (docs/custom-env.md shows how to "
                        f"write one); got {type(env).__name__}")
    horizon = env.horizon if horizon is None else horizon
    n_episodes, seed, horizon, episode_start = check_run_args(n_episodes, seed, horizon,
                                                              episode_start)
    chunk = DEFAULT_INTERACTIVE_CHUNK if chunk_size is None else int_arg("chunk_size",
                                                                          chunk_size, 1)
    configs = resolve_timing(env, timing)
    policies = resolve_policies(env, policy)
    return configs, policies, n_episodes, seed, horizon, episode_start, min(chunk, n_episodes)


def _config(env, policies, configs, seed, horizon, episode_start, n_episodes) -> dict:
    import heron
    from heron.batch.timing import timing_config

    return {
        "env": env.to_config(),
        "policy": {a.id: p.to_config() for a, p in zip(env.agents, policies)},
        "timing": timing_config(env, configs), "seed": seed, "horizon": horizon,
        "episode_start": episode_start, "n_episodes": n_episodes, "engine": "interactive",
        "heron_version": heron.__version__,
    }


_METRIC_FIELDS = ("ret", "n_ticks", "n_effects", "n_messages", "obs_stale_sum", "obs_stale_max",
                  "act_stale_sum", "act_stale_max")


def _chunk_lists(sch, n_agents: int):
    """``lists[i][f][row]``: agent ``i``'s samples of field ``f`` (interval, obs, act) in
    episode row ``row`` for its ticks up to the horizon (``sch.n_ticks``), as Python lists."""
    off = sch.offsets.tolist()
    n_ticks = sch.n_ticks.tolist()
    out = []
    for i in range(n_agents):
        fields = []
        for f in ("interval", "obs", "act"):
            col = np.ascontiguousarray(sch.sched[f][:, off[i]:off[i + 1]])
            fields.append([col[row, :n[i]].tolist() for row, n in enumerate(n_ticks)])
        out.append(fields)
    return out


def iter_interactive(env, policy=None, *, timing=None, n_episodes, seed, horizon=None,
                     episode_start=0, chunk_size=None):
    """Yield ``(columns, events)`` per chunk of episodes (see the module docstring)."""
    from heron.batch.result import chunk_columns

    configs, policies, n_episodes, seed, horizon, episode_start, chunk = _prepare(
        env, policy, timing, n_episodes, seed, horizon, episode_start, chunk_size)
    runner = _Runner(env, configs, policies, seed, horizon)
    for start in range(episode_start, episode_start + n_episodes, chunk):
        n = min(chunk, episode_start + n_episodes - start)
        gc_was_enabled = gc.isenabled()
        gc.disable()  # paused while a chunk runs (as timeit does): episodes make no cycles
        try:
            (acur, met), events = runner.run_chunk(start, n)
        finally:
            if gc_was_enabled:
                gc.enable()
        yield chunk_columns(env, acur, seed, start, met), events


class _Runner:
    """The interactive env (built on first use) and its replay configs, reused across chunks."""

    def __init__(self, env, configs, policies, seed, horizon):
        self.env = env
        self.configs = configs
        self.seed = seed
        self.horizon = horizon
        self.ep = _Episode()
        self.adapters = [PerObservationPolicy(p, a, env.msg_init, self.ep, i)
                         for i, (p, a) in enumerate(zip(policies, env.agents))]
        self.ids = env.agent_ids
        self.ienv = None
        self.replay = None

    def _clock(self) -> float:
        """The interactive env's simulation time (s)."""
        return self.ienv.scheduler.current_time

    def run_chunk(self, start: int, n: int):
        """Run episodes ``[start, start + n)``; returns ``((acur, met), events)``: their
        ``agent_cursor_dt`` metrics ``(n, n_agents)``, the env's metrics ``(n, n_agents,
        n_metrics)`` (the interactive env's ``metric_rows()`` lists the engine's values, then the
        env's metrics in declaration order) and the number of events handled."""
        from heron._fast.dtypes import agent_cursor_dt
        from heron.batch.schedule import build_schedule

        env, ids, seed = self.env, self.ids, self.seed
        n_agents = len(ids)
        sch = build_schedule(env, dict(zip(ids, self.configs)), n_episodes=n, seed=seed,
                             horizon=self.horizon, episode_start=start)
        lists = _chunk_lists(sch, n_agents)
        off = sch.offsets.tolist()
        # an observation history long enough for every sampled delay of the chunk
        window = float(sch.sched["obs"].max()) if sch.sched.size else 0.0
        rows = []
        events = 0
        for row in range(n):
            e = start + row
            self.ep.number = e
            if self.replay is None:
                self.replay = [ReplayTickConfig(self.configs[i], sch.sched[row, off[i]:off[i + 1]],
                                                seed=seed, episode=e, agent_index=i)
                               for i in range(n_agents)]
                self.ienv = env.interactive_env(timing=dict(zip(ids, self.replay)),
                                                policy=self.adapters, seed=seed, episode=e,
                                                horizon=self.horizon)
                self.ep.clock = self._clock
            else:
                for i, rc in enumerate(self.replay):
                    li = lists[i]
                    rc.load(sch.sched[row, off[i]:off[i + 1]], e,
                            (li[0][row], li[1][row], li[2][row]))
            ienv = self.ienv
            ienv.observation_history_seconds = window
            ienv.start_episode(seed, e)
            events += ienv.run()
            rows.extend(ienv.metric_rows())
        acur = np.zeros((n, n_agents), dtype=agent_cursor_dt)
        columns = list(zip(*rows))
        for f, values in zip(_METRIC_FIELDS, columns):
            acur[f] = np.array(values).reshape(n, n_agents)
        n_met = len(env.metric_names)
        extra = columns[len(_METRIC_FIELDS):]
        if len(extra) != n_met:
            raise ValueError(f"the interactive form of env {env.name!r} reports {len(extra)} "
                             f"metric(s) per agent in metric_rows(); the env declares {n_met}: "
                             f"{list(env.metric_names)}")
        met = np.zeros((n, n_agents, max(1, n_met)))
        for m, values in enumerate(extra):
            met[:, :, m] = np.array(values, dtype=np.float64).reshape(n, n_agents)
        return (acur, met), events


def run_interactive(env, policy=None, *, timing=None, n_episodes, seed, horizon=None,
                    episode_start=0, chunk_size=None, as_arrays=True):
    """Evaluate ``policy`` on ``n_episodes`` episodes of ``env`` with the interactive engine, on
    the batch engine's schedules (see the module docstring). Returns an ``EvaluationResult``
    whose ``stats["engine"]`` is ``"interactive"``."""
    from heron.batch.result import EvaluationResult, agent_names, concat_columns

    configs, policies, n_ep, seed_n, horizon_n, start_n, chunk = _prepare(
        env, policy, timing, n_episodes, seed, horizon, episode_start, chunk_size)
    t0 = time.perf_counter()
    parts, events = [], 0
    for cols, ev in iter_interactive(env, policy, timing=timing, n_episodes=n_episodes,
                                     seed=seed, horizon=horizon, episode_start=episode_start,
                                     chunk_size=chunk_size):
        parts.append(cols)
        events += ev
    wall = time.perf_counter() - t0
    stats = {
        "engine": "interactive", "n_episodes": n_ep, "events": int(events),
        "wall_time_s": wall, "episodes_per_s": n_ep / wall if wall > 0 else float("inf"),
        "events_per_s": events / wall if wall > 0 else float("inf"), "threads": 1,
        "chunk_size": chunk,
    }
    config = _config(env, policies, configs, seed_n, horizon_n, start_n, n_ep)
    res = EvaluationResult(concat_columns(parts), stats, config, agents=agent_names(env))
    if not as_arrays:
        res.episodes  # noqa: B018 - build the DataFrame now
    return res
