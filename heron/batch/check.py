"""``check_env``: Gymnasium's ``check_env`` for batch envs (``heron.batch.env.BatchEnv``).

``check_env(env, *, seed=0, n_episodes=8, interactive=True, python=True)`` runs, in order:

1. a plain-Python pass (skipped with ``python=False``, e.g. for functions using Numba-only
   features): the env's functions run as Python (``codegraph.python_twin``) on a small state
   array (3 episode rows), so a mistake raises in the user's own file and line, chained to an
   ``EnvCheckError`` naming the function and the agent: ``init`` for a few (seed, episode) pairs
   (it must be deterministic and write only its row ``e``), ``observe`` for every agent into a row
   of exactly ``obs_env_dim`` entries, ``effect`` with the action bounds and random actions within
   them, ``advance`` by a few ``dt`` (s; a tiny ``dt`` must change the state by almost nothing),
   ``reward_integral`` (when given: against Simpson on ``reward`` over advanced copies of the
   state), ``disturb`` (when ``disturbance_mean > 0``), ``reward``, ``trigger`` and every
   metric. Values
   are checked after each call (finite state, observations, rewards and metrics; real-valued
   returns; trigger targets in ``[-1, n_agents)``; the parameters ``p`` left unchanged);
2. the same sequence through the compiled functions (Numba) with every ``out`` row inside a wider
   buffer of canary values: compiled code does not check bounds, so a write past ``obs_env_dim``
   is found from the canaries. Values that differ from the Python pass give a warning;
3. the engines (this compiles the kernels): the event-driven engine with zero delays and ticks
   every ``dt`` must equal the synchronous engine (returns and metrics to 1e-9, constant
   mid-range actions); with ``interactive=True`` and an interactive form attached, the batch and
   interactive engines must agree on the env's default timing and default policies.

Raises ``EnvCheckError`` (a ``ValueError``) on the first failure; legal but suspicious findings
are ``EnvCheckWarning`` warnings. Returns a ``CheckReport``.
"""
from __future__ import annotations

import numbers
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

ROWS = ((0, 0), (0, 1), (1, 0))    # (seed offset, episode) initialising each state row
DT_FACTORS = (1.0, 0.5, 1e-3)      # advance by these multiples of env.dt
TINY = 1e-6                        # advance(TINY * dt) must change the state ~TINY times as much
PAD = 8                            # canary entries after an out row (compiled pass)
MAX_STEPS = 300                    # reward steps per episode in the engine checks
TOL = 1e-9
INTEGRAL_PANELS = 256               # Simpson panels checking reward_integral against reward
_CANARY = np.array([0x7FF80000DEADBEEF], dtype=np.uint64).view(np.float64)[0]  # a marked NaN


class EnvCheckError(ValueError):
    """A mistake in a batch env found by ``check_env``; ``__cause__`` is the user's exception."""


class EnvCheckWarning(UserWarning):
    """Something legal but suspicious in a batch env, found by ``check_env``."""


@dataclass
class CheckReport:
    """What ``check_env`` checked (``checked``), its warnings and notes."""

    env: str
    checked: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    _keys: set = field(default_factory=set, repr=False)

    def warn(self, msg: str, key=None) -> None:
        """Warn once per ``key`` (default: the message)."""
        key = msg if key is None else key
        if key not in self._keys:
            self._keys.add(key)
            self.warnings.append(msg)
            warnings.warn(msg, EnvCheckWarning, stacklevel=4)

    def __str__(self) -> str:
        lines = [f"check_env({self.env!r}): passed"] + [f"  ok: {c}" for c in self.checked]
        return "\n".join(lines + [f"  warning: {w}" for w in self.warnings]
                         + [f"  note: {n}" for n in self.notes])


def _bits(a):
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def _close(a, b) -> bool:
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    with np.errstate(invalid="ignore"):
        ok = (a == b) | (np.abs(a - b) <= TOL * np.maximum(1.0, np.maximum(abs(a), abs(b))))
    return bool(np.all(ok | (np.isnan(a) & np.isnan(b))))


def _where(exc) -> str:
    """`` (at file:line)`` of the deepest frame of ``exc`` outside numpy, numba and the engine."""
    skip = ("/numpy/", "/numba/", "/heron/batch/", "/heron/_fast/")
    tb = [f for f in traceback.extract_tb(exc.__traceback__) if not any(
        s in f.filename.replace("\\", "/") for s in skip)]
    return f" (at {tb[-1].filename}:{tb[-1].lineno})" if tb else ""


def _twin(obj, memo):
    """The plain Python twin of an env function (``codegraph.python_twin``)."""
    from heron.batch.codegraph import python_twin

    return python_twin(obj, memo)


def _first_diff(a, b, names):
    """(field, unit, a value, b value) of the first difference of two structured state rows."""
    for n in names:
        x, y = np.asarray(a[n]), np.asarray(b[n])
        if x.tobytes() != y.tobytes():
            u = int(np.argwhere(np.atleast_1d(_bits(x) != _bits(y)).reshape(len(x), -1))[0][0])
            return n, u, x[u], y[u]
    return None


class _Pass:
    """One run of the env functions (plain Python or compiled) on a 3-row state."""

    def __init__(self, env, compiled: bool, seed: int, report: CheckReport):
        self.env, self.compiled, self.seed, self.report = env, compiled, seed, report
        self.tag = "compiled " if compiled else ""
        self.names = env.state_dtype.names
        fns = dict(env.functions)
        fns.update({f"metrics[{k!r}]": f for k, f in env.metrics.items()})
        if compiled:
            self.fns = fns
            self.p0 = env.kernel_params()
            self.pk = self.p0.copy()
            self.p = self.pk[0]
        else:
            memo: dict = {}
            self.fns = {n: _twin(f, memo) for n, f in fns.items()}
            self.p0 = env.env_params
            self.pk = self.p0.copy()
            self.p = self.pk.view(np.recarray)[0] if env.named_params else self.pk
        self.st = self.new_state()
        self.trace: dict = {}

    def new_state(self):
        st = np.zeros((len(ROWS), self.env.n_units), dtype=self.env.state_dtype)
        return st if self.compiled else st.view(np.recarray)

    def fail(self, msg, exc=None):
        raise EnvCheckError(f"env {self.env.name!r}: {self.tag}{msg}") from exc

    def row(self, values, width):
        """An ``out``/``act``/``obs`` argument: exact width (Python), or the front of a wider
        canary-filled buffer (compiled); returns (argument, buffer)."""
        buf = np.full(width + (PAD if self.compiled else 0), _CANARY)
        buf[:len(values)] = values
        return buf[:width], buf

    def call(self, name, label, st, e, *args, row=None):
        """``self.fns[name](st, e, p, *args)``, errors wrapped; ``row`` = (argument index,
        width, agent id, argument name) of an out/act/obs row."""
        fn = self.fns[name]
        before = np.asarray(st).copy()
        try:
            with np.errstate(all="ignore"):
                v = fn(st, e, self.p, *args)
        except EnvCheckError:
            raise
        except Exception as exc:
            from numba.core.errors import NumbaError

            if isinstance(exc, NumbaError):
                self.fail(f"{label}: Numba could not compile {name}: {exc}", exc)
            if isinstance(exc, IndexError) and row is not None and not self.compiled:
                self.overflow(fn, st, e, args, row, exc)
            self.fail(f"{label} raised {type(exc).__name__}: {exc}{_where(exc)}", exc)
        after = np.asarray(st)
        other = np.arange(len(ROWS)) != e
        if after[other].tobytes() != before[other].tobytes():
            r = int(np.nonzero([after[i].tobytes() != before[i].tobytes()
                                for i in range(len(ROWS))] & other)[0][0])
            self.fail(f"{label} changed row {r} of the state: env functions must only touch "
                      f"their episode's row st[e, :] (e={e} here)")
        if self.pk.tobytes() != self.p0.tobytes():
            names = self.p0.dtype.names
            diff = [n for n in names if self.pk[n].tobytes() != self.p0[n].tobytes()] \
                if names else ["p"]
            self.fail(f"{label} changed the env parameters ({', '.join(diff)}): parameters are "
                      f"shared by every episode and thread; keep anything that changes in the "
                      f"state st")
        return v

    def overflow(self, fn, st, e, args, row, exc):
        """After an IndexError: rerun with a wider row; if that works, the function indexed
        past its row."""
        pos, width, aid, arg = row
        wide = np.full(width + PAD, _CANARY)
        wide[:width] = args[pos]
        a2 = list(args)
        a2[pos] = wide
        try:
            with np.errstate(all="ignore"):
                fn(st.copy(), e, self.pk.copy().view(np.recarray)[0]
                   if self.env.named_params else self.pk.copy(), *a2)
        except Exception:  # noqa: BLE001 - another mistake: report the original one
            return
        written = np.nonzero(_bits(wide[width:]) != _bits(_CANARY))[0]
        if arg == "out":
            j = f": it wrote out[{width + int(written[0])}]" if len(written) else ""
            self.fail(f"observe wrote outside its out row for agent {aid!r} (obs_env_dim="
                      f"{width}){j}{_where(exc)}; write out[0 .. {width - 1}] only, or declare a "
                      f"larger AgentSpec(obs_env_dim=...)", exc)
        dim = "act_dim" if arg == "act" else "obs_dim"
        self.fail(f"{'effect' if arg == 'act' else 'trigger'} read past its {arg} row for agent "
                  f"{aid!r} ({dim}={width}){_where(exc)}", exc)

    def finite(self, st, e, label, hint=""):
        for n in self.names:
            col = np.asarray(st[n][e])
            if col.dtype.kind in "fc" and not np.isfinite(col).all():
                u = int(np.argwhere(~np.isfinite(col.reshape(len(col), -1)))[0][0])
                self.fail(f"{label} left {col[u]} in state field {n!r} (unit {u}, row e={e})"
                          f"{hint}")

    def real(self, v, label, what):
        if v is None or isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            self.fail(f"{label} returned {type(v).__name__} {v!r}: {what} must return a real "
                      f"number (float or int)" + (": a missing return?" if v is None else ""))
        if not np.isfinite(v):
            self.fail(f"{label} returned {v}: {what} must be finite")
        return float(v)

    # -- the sequence --------------------------------------------------------------------------
    def run(self):
        env, R = self.env, len(ROWS)
        for e, (ds, ep) in enumerate(ROWS):
            label = f"init(st, e={e}, p, seed={self.seed + ds}, episode={ep})"
            self.call("init", label, self.st, e, self.seed + ds, ep)
            self.finite(self.st, e, label)
        st = np.asarray(self.st)
        self.trace["state after init"] = st.copy()
        fresh = self.new_state()
        label = f"init(st, e={R - 1}, p, seed={self.seed}, episode=0)"
        self.call("init", label, fresh, R - 1, self.seed, 0)
        d = _first_diff(np.asarray(fresh)[R - 1], st[0], self.names)
        if d is not None:
            self.fail(f"{label} is not deterministic: a second call (into another row) gave "
                      f"{d[0]!r} (unit {d[1]}) = {d[2]} instead of {d[3]}. init must depend only "
                      f"on (seed, episode) (heron.batch.random streams; no global counters, "
                      f"np.random or clocks) and not on the row e")
        if st[0].tobytes() == st[1].tobytes() and not self.compiled:
            self.report.notes.append("init: episodes 0 and 1 start from the same state "
                                     "(a deterministic init)")
        self.observe_all("obs after init")
        rng = np.random.default_rng(self.seed)
        for e in range(R):
            for i, a in enumerate(env.agents):
                if a.actuates:
                    self.effects(e, i, a, rng)
        self.trace["state after effect"] = np.asarray(self.st).copy()
        for e in range(R):
            for f in DT_FACTORS:
                label = f"advance(st, e={e}, p, dt={f * env.dt:g})"
                self.call("advance", label, self.st, e, f * env.dt)
                self.finite(self.st, e, label)
            self.probe_advance(e)
            self.probe_integral(e)
        self.trace["state after advance"] = np.asarray(self.st).copy()
        if env.disturbance_mean > 0:
            for e in range(R):
                for j in range(3):
                    label = f"disturb(st, e={e}, p, seed={self.seed}, episode={e}, j={j})"
                    self.call("disturb", label, self.st, e, self.seed, e, j)
                    self.finite(self.st, e, label)
        self.observe_all("obs after advance")
        n = len(env.agents)
        rew = np.zeros((R, n))
        met = np.zeros((R, n, len(env.metrics)))
        for e in range(R):
            for i, a in enumerate(env.agents):
                label = f"reward(st, e={e}, p, agent={i}) for agent {a.id!r}"
                rew[e, i] = self.real(self.call("reward", label, self.st, e, i), label, "reward")
            for i, a in enumerate(env.agents):
                self.trigger(e, i, a)
            for m, k in enumerate(env.metrics):
                for i, a in enumerate(env.agents):
                    name = f"metrics[{k!r}]"
                    label = f"{name}(st, e={e}, p, agent={i}) for agent {a.id!r}"
                    met[e, i, m] = self.real(self.call(name, label, self.st, e, i), label, name)
        self.trace.update({"reward": rew, "metrics": met})

    def observe_all(self, key):
        obs = np.full((len(ROWS), len(self.env.agents), max(1, max(
            a.obs_env_dim for a in self.env.agents))), np.nan)
        for e in range(len(ROWS)):
            for i, a in enumerate(self.env.agents):
                d = a.obs_env_dim
                out, buf = self.row([], d)
                label = f"observe(st, e={e}, p, agent={i}, out) for agent {a.id!r}"
                self.call("observe", label, self.st, e, i, out, row=(1, d, a.id, "out"))
                past = np.nonzero(_bits(buf[d:]) != _bits(_CANARY))[0]
                if len(past):
                    self.fail(f"observe wrote outside its out row for agent {a.id!r} "
                              f"(obs_env_dim={d}): it wrote out[{d + int(past[0])}] (compiled "
                              f"code does not check bounds: this overwrites the message slot or "
                              f"other memory); write out[0 .. {d - 1}] only, or declare a larger "
                              f"AgentSpec(obs_env_dim=...)")
                unset = np.nonzero(_bits(buf[:d]) == _bits(_CANARY))[0]
                if len(unset):
                    self.fail(f"{label} did not write out[{int(unset[0])}] (obs_env_dim={d}): "
                              f"write every entry (the buffer is reused: an unwritten entry "
                              f"holds a stale value), or declare a smaller obs_env_dim")
                if not np.isfinite(buf[:d]).all():
                    j = int(np.nonzero(~np.isfinite(buf[:d]))[0][0])
                    self.fail(f"{label} wrote {buf[j]} to out[{j}]: observations must be finite")
                obs[e, i, :d] = buf[:d]
        self.trace[key] = obs

    def effects(self, e, i, a, rng):
        lo, hi = np.array(a.act_low), np.array(a.act_high)
        hint = (" (entries past act[act_dim-1] are NaN in this pass: does effect read past its "
                "action?)") if self.compiled else ""
        for what, act in (("act_low", lo), ("act_high", hi),
                          ("a random action", lo + (hi - lo) * rng.random(a.act_dim))):
            label = f"effect(st, e={e}, p, agent={i}, act={act.tolist()}) for agent {a.id!r}"
            arg, _ = self.row(act, a.act_dim)
            self.call("effect", label, self.st, e, i, arg, row=(1, a.act_dim, a.id, "act"))
            self.finite(self.st, e, label, hint)
        before = np.asarray(self.st)[e].copy()
        arg, _ = self.row(act, a.act_dim)
        self.call("effect", label, self.st, e, i, arg, row=(1, a.act_dim, a.id, "act"))
        d = _first_diff(np.asarray(self.st)[e], before, self.names)
        if d is not None and not self.compiled:
            self.report.warn(f"env {self.env.name!r}: effect for agent {a.id!r} changed state "
                             f"field {d[0]!r} again when given the same action twice: effect "
                             f"should only set actuators (integrate in advance); the engines "
                             f"apply different numbers of effects (the event-driven one also "
                             f"ticks at the horizon)", key=("effect", a.id))

    def probe_advance(self, e):
        """advance(TINY * dt) must change the state ~TINY times as much as advance(dt) (an
        error otherwise); advance(dt) should equal two advance(dt / 2) (a warning otherwise)."""
        dt = self.env.dt

        def run(dts):
            s = self.st.copy()
            for d in dts:
                self.call("advance", f"advance(st, e={e}, p, dt={d:g})", s, e, d)
            return np.asarray(s)[e]

        x0, full, tiny, halves = np.asarray(self.st)[e], run([dt]), run([TINY * dt]), \
            run([dt / 2, dt / 2])
        for n in self.names:
            a, b, c = (np.asarray(v[n], np.float64).reshape(-1) for v in (x0, full, tiny))
            with np.errstate(invalid="ignore"):
                bad = np.abs(c - a) > 1e-3 * np.abs(b - a) + TOL * (1 + np.abs(a))
            if bad.any():
                j = int(np.nonzero(bad)[0][0])
                self.fail(f"advance(st, e={e}, p, dt) changed state field {n!r} by "
                          f"{c[j] - a[j]:g} over dt={TINY * dt:g} s but by {b[j] - a[j]:g} over "
                          f"dt={dt:g} s: advance must integrate exactly dt seconds with the "
                          f"actuators held (zero-order hold), depending only on the state, the "
                          f"actuators and dt (no call counters, no fixed time step): the "
                          f"event-driven engine calls it with any dt > 0 between events")
        d = None if self.compiled else _first_diff(full, halves, [
            n for n in self.names if not _close(full[n], halves[n])])
        if d is not None:
            self.report.warn(f"env {self.env.name!r}: advance(dt={dt:g}) and two "
                             f"advance(dt={dt / 2:g}) calls give different {d[0]!r} (unit "
                             f"{d[1]}: {d[2]} vs {d[3]}): fine for an approximate integrator, "
                             f"but the event-driven engine splits intervals at every event, so "
                             f"results depend slightly on event times; an exact (closed-form) "
                             f"integrator avoids it", key="advance split")

    def probe_integral(self, e):
        """``reward_integral`` (when the env gives it) must match composite Simpson on
        ``reward`` over copies of the state advanced 0 .. dt (``INTEGRAL_PANELS`` panels)."""
        if "reward_integral" not in self.env.functions:
            return
        dt, n = self.env.dt, INTEGRAL_PANELS
        w = np.ones(n + 1)
        w[1:-1:2], w[2:-1:2] = 4.0, 2.0
        for i, a in enumerate(self.env.agents):
            label = f"reward_integral(st, e={e}, p, agent={i}, dt={dt:g}) for agent {a.id!r}"
            closed = self.real(self.call("reward_integral", label, self.st, e, i, dt), label,
                               "reward_integral")
            rates = np.empty(n + 1)
            for k in range(n + 1):
                s = self.st.copy()
                if k:
                    self.call("advance", f"advance(st, e={e}, p, dt={dt * k / n:g})", s, e,
                              dt * k / n)
                lab = f"reward(st, e={e}, p, agent={i}) for agent {a.id!r}"
                rates[k] = self.real(self.call("reward", lab, s, e, i), lab, "reward")
            numeric = float(w @ rates) * dt / (3.0 * n)
            if abs(closed - numeric) > 1e-4 * (abs(numeric) + dt * np.abs(rates).max()) + TOL:
                self.fail(f"{label} returned {closed:.9g}, but reward integrated over advanced "
                          f"copies of the state gives {numeric:.9g} (Simpson, {n} panels): "
                          f"reward_integral must be the exact integral of reward over the next "
                          f"dt seconds with the actuators held, from the current state (leave "
                          f"it out and heron integrates reward numerically)")

    def trigger(self, e, i, a):
        env, n = self.env, len(self.env.agents)
        vals = list(self.trace["obs after advance"][e, i, :a.obs_env_dim])
        obs, _ = self.row(vals + [env.msg_init] * (a.obs_dim - a.obs_env_dim), a.obs_dim)
        label = f"trigger(st, e={e}, p, agent={i}, obs) for agent {a.id!r}"
        for k in range(2):
            t = self.call("trigger", label, self.st, e, i, obs, row=(1, a.obs_dim, a.id, "obs"))
            if isinstance(t, (bool, np.bool_)) or not isinstance(t, numbers.Integral):
                self.fail(f"{label} returned {type(t).__name__} {t!r}: trigger must return an "
                          f"int (an agent index to alarm, or -1 for none)")
            if not -1 <= t < n:
                self.fail(f"{label} returned {t}: trigger must return -1 (no alarm) or an agent "
                          f"index in [0, {n}) ({env.agent_ids})")
            if t != i or not a.alarms:
                return
        self.fail(f"{label} returned the agent's own index {i} twice on the same state: the "
                  f"alarm makes the agent decide again at once, which runs trigger again (an "
                  f"endless loop); disarm in the state after an alarm (as the shipped demo envs do)")


def _compare(py: _Pass, nb: _Pass, report: CheckReport):
    for key, a in py.trace.items():
        b = nb.trace[key]
        names = a.dtype.names or (None,)
        if not all(_close(a[n] if n else a, b[n] if n else b) for n in names):
            report.warn(f"env {py.env.name!r}: the compiled functions give a different {key} "
                        f"than their plain-Python run: Numba and Python semantics differ here "
                        f"(integer overflow and division, globals frozen at compile time, "
                        f"fastmath)")


def _engine_checks(env, seed, n_episodes, interactive, report):
    from heron.batch.evaluate import evaluate
    from heron.batch.policies import linear
    from heron.scheduling.tick_config import TickConfig

    steps = max(1, min(int(env.horizon / env.dt + 1e-9), MAX_STEPS))
    kw = dict(n_episodes=n_episodes, seed=seed, horizon=steps * env.dt, as_arrays=True)
    mid = {a.id: linear(np.zeros((a.act_dim, a.obs_dim)),
                        (np.array(a.act_low) + np.array(a.act_high)) / 2, name="midpoint")
           for a in env.agents}

    def run(policy, timing, engine):
        try:
            return evaluate(env, policy, timing=timing, engine=engine, **kw).arrays
        except Exception as exc:  # noqa: BLE001 - report which engine run failed
            raise EnvCheckError(f"env {env.name!r}: evaluate(engine={engine!r}) failed: "
                                f"{type(exc).__name__}: {exc}") from exc

    def compare(a, b, cols, exact, what, why):
        for col in cols:
            bad = [r for r in range(len(a[col])) if not (
                a[col][r] == b[col][r] if col in exact else _close(a[col][r], b[col][r]))]
            if bad:
                r = bad[0]
                raise EnvCheckError(
                    f"env {env.name!r}: {what} give a different {col!r} for agent "
                    f"{str(a['agent'][r])!r} in episode {int(a['episode'][r])} ({a[col][r]} vs "
                    f"{b[col][r]}; seed={seed}). {why}")

    floats = ("return",) + env.metric_names
    zero = {a.id: TickConfig.deterministic(env.dt) for a in env.agents}
    compare(run(mid, zero, "batch"), run(mid, zero, "sync"), floats, (),
            f"the event-driven engine with zero delays and ticks every dt={env.dt:g} s and the "
            f"synchronous engine (constant mid-range actions)",
            "They must agree: advance must depend only on the state, the actuators and dt "
            "(zero-order hold), effect must only set actuators (the event-driven engine also "
            "applies the tick at the horizon), observe, trigger and reward must not change the "
            "physics, and nothing may depend on the order of events at the same instant")
    report.checked.append(f"engines: event-driven with zero delays == synchronous "
                          f"({n_episodes} episodes, {steps} steps)")
    if not interactive or env._interactive_builder is None:
        return
    dp = env.default_policy
    pol = {a.id: dp.get(a.id, dp.get(a.agent_class, mid[a.id])) for a in env.agents}
    compare(run(pol, None, "batch"), run(pol, None, "interactive"),
            floats + ("n_ticks", "n_effects", "n_messages"), ("n_ticks", "n_effects", "n_messages"),
            "the batch and interactive engines (default timing and policies)",
            "The interactive form (attach_interactive) must implement the same physics, rewards, "
            "triggers, disturbances and metrics as the compiled functions")
    report.checked.append(f"engines: batch == interactive ({n_episodes} episodes)")


def check_env(env, *, seed: int = 0, n_episodes: int = 8, interactive: bool = True,
              python: bool = True) -> CheckReport:
    """Check a batch env for authoring mistakes (see the module docstring): raises
    ``EnvCheckError`` naming the function, agent and problem; returns a ``CheckReport``.

    ``seed`` and ``n_episodes`` are used by every pass (episodes of ``env.horizon`` seconds,
    capped at ``MAX_STEPS`` reward steps, in the engine checks); ``interactive=False`` skips the
    batch-versus-interactive comparison; ``python=False`` skips the plain-Python pass."""
    from heron.batch.arguments import int_arg
    from heron.batch.env import BatchEnv

    if not isinstance(env, BatchEnv):
        raise TypeError(f"check_env: env must be a heron.batch.BatchEnv; got "
                        f"{type(env).__name__}")
    seed, n_episodes = int_arg("seed", seed, 0), int_arg("n_episodes", n_episodes, 1)
    report = CheckReport(env.name)
    for a in env.agents:
        if not (np.isfinite(a.act_low).all() and np.isfinite(a.act_high).all()):
            raise EnvCheckError(
                f"env {env.name!r}: agent {a.id!r} has non-finite action bounds act_low="
                f"{a.act_low}, act_high={a.act_high}: give finite physical limits, e.g. "
                f"AgentSpec({a.id!r}, act_low=0.0, act_high=1.0) (the engines validate and clip "
                f"actions against them)")
    if env.horizon < env.dt:
        report.warn(f"env {env.name!r}: horizon={env.horizon:g} s is shorter than dt="
                    f"{env.dt:g} s: episodes have no reward samples")
    passes = []
    for compiled in ((False, True) if python else (True,)):
        p = _Pass(env, compiled, seed, report)
        p.run()
        passes.append(p)
        report.checked.append(f"{p.tag or 'plain-Python '}pass: init, observe, effect, advance"
                              + (", disturb" if env.disturbance_mean > 0 else "")
                              + ", reward, trigger" + "".join(f", metrics[{k!r}]"
                                                              for k in env.metrics))
    if len(passes) == 2:
        _compare(passes[0], passes[1], report)
    _engine_checks(env, seed, n_episodes, interactive, report)
    return report
