"""Writing an env for the batch engine: ``BatchEnv`` and ``AgentSpec`` (the public authoring API).

An env is a few ``@numba.njit`` functions over a 2-D structured state array ``st`` (one row per
episode of a chunk, one column per physical unit; fields named by ``state_dtype``) and the env's
parameters ``p``. ``e`` is the episode's row, ``agent`` an agent index (registration order),
times are float64 seconds. Five functions are required, the rest have defaults:

=============================================  ================================================
``init(st, e, p, seed, episode)``               initial state of row ``e``; random draws come
                                                from ``heron.batch.random`` streams
``observe(st, e, p, agent, out)``               write the agent's env observation into
                                                ``out[:obs_env_dim]`` (nothing beyond it)
``effect(st, e, p, agent, act)``                an action lands: set the actuator(s)
``advance(st, e, p, dt)``                       integrate ``dt`` seconds, actuators held
                                                (zero-order hold); must depend only on the
                                                state, the actuators and ``dt``
``reward(st, e, p, agent) -> float``            the agent's reward *rate* now (reward per
                                                second); the return is its time integral
``reward_integral(st, e, p, agent, dt)``        optional. The exact integral (reward x s) of
                                                the agent's rate over the next ``dt`` seconds
                                                with actuators held, from the current state
                                                (default: adaptive Simpson on ``reward`` over
                                                ``advance``d copies of the state, see below)
``trigger(st, e, p, agent, obs) -> int``        optional. After the agent's decision on
                                                ``obs``: an agent index to alarm, or -1
                                                (default: never)
``disturb(st, e, p, seed, episode, j)``         optional. Apply random disturbance ``j``
                                                (needed when ``disturbance_mean > 0``)
=============================================  ================================================

Returns are time integrals (``docs/timing-model.md``): between two events the engine adds
``reward_integral`` (or, without it, composite Simpson on ``reward`` evaluated on copies of the
state advanced from the interval's start, doubling the number of panels until two estimates agree
to 1e-9 reward per second x the interval's length, at most 512 panels) and then calls
``advance``. The reward clock ``dt`` only paces the synchronous baseline and marks instants in
traces. Functions must touch only row ``e`` of ``st``: without ``reward_integral`` the rows after
the chunk's episodes hold the integrator's scratch copies.

``metrics={"name": fn}`` declares extra result columns: ``fn(st, e, p, agent) -> float`` is
evaluated for every agent when an episode ends (a per-episode metric simply ignores ``agent``;
accumulate what it needs in the state during ``advance``). The engine's tables carry exactly the
columns the env declares besides the common ones (``heron.batch.result.COLUMNS``).

Parameters: ``env_params`` is a dict of named values (numbers, or 1-D arrays of numbers) that the
functions read as fields, ``p.gain`` or ``p.table[i]``; a float64 array indexed by constants
(``p[P_GAIN]``) also works. ``state_dtype`` is a NumPy structured dtype or a dict
``{"field": "f8", ...}``.

Messages: an agent with a parent (``AgentSpec.parent``) receives element ``child_slot`` of its
parent's action and sees it as the last entry of its policy observation (policy observation =
env observation (``obs_env_dim``) + [latest message]).

Run ``heron.batch.check_env(env)`` on a new env: it calls the functions as plain Python first, so
mistakes show as Python tracebacks in your file. ``docs/custom-env.md`` walks through an example.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

AGENT_CLASSES = ("field", "coordinator")
REQUIRED = ("init", "observe", "effect", "advance", "reward")
OPTIONAL = ("trigger", "disturb", "reward_integral")
ENV_NAMES = REQUIRED + OPTIONAL


def _bounds(value, n: int, name: str, agent_id: str) -> tuple:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return (float(value),) * n
    try:
        out = tuple(float(x) for x in value)
    except TypeError:
        raise TypeError(f"AgentSpec {agent_id!r}: {name} must be a number or a sequence of "
                        f"{n} numbers; got {value!r}") from None
    if len(out) != n:
        raise ValueError(f"AgentSpec {agent_id!r}: {name} must have act_dim={n} entries; got "
                         f"{len(out)} ({value!r})")
    return out


@dataclass(frozen=True)
class AgentSpec:
    """One agent of a batch env.

    ``id``; ``agent_class`` ``"field"`` (actuates) or ``"coordinator"``; ``obs_env_dim`` the width
    of what ``observe`` writes; ``act_dim`` the action width; ``act_low``/``act_high`` the action
    bounds (a number for every component, or one per component); ``parent`` the index of the agent
    whose messages it receives (-1: none) and ``child_slot`` which element of the parent's action
    it receives; ``actuates`` whether its actions go to ``effect``; ``alarms`` whether the env's
    ``trigger`` may raise alarms for it (returns for agents declared ``alarms=False`` are
    ignored)."""

    id: str
    agent_class: str = "field"
    obs_env_dim: int = 1
    act_dim: int = 1
    act_low: tuple = -1.0
    act_high: tuple = 1.0
    parent: int = -1
    child_slot: int = 0
    actuates: bool = True
    alarms: bool = False

    def __post_init__(self):
        if not isinstance(self.id, str) or not self.id:
            raise TypeError(f"AgentSpec: id must be a non-empty str; got {self.id!r}")
        if self.agent_class not in AGENT_CLASSES:
            raise ValueError(f"agent {self.id!r}: agent_class must be one of {AGENT_CLASSES}; "
                             f"got {self.agent_class!r}")
        for name, lo in (("obs_env_dim", 0), ("act_dim", 1)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                raise ValueError(f"AgentSpec {self.id!r}: {name} must be an int >= {lo}; got "
                                 f"{v!r}")
        lo = _bounds(self.act_low, self.act_dim, "act_low", self.id)
        hi = _bounds(self.act_high, self.act_dim, "act_high", self.id)
        bad = [j for j in range(self.act_dim) if not lo[j] <= hi[j]]
        if bad:
            raise ValueError(f"AgentSpec {self.id!r}: act_low must be <= act_high; component "
                             f"{bad[0]} has [{lo[bad[0]]}, {hi[bad[0]]}]")
        object.__setattr__(self, "act_low", lo)
        object.__setattr__(self, "act_high", hi)

    @property
    def obs_dim(self) -> int:
        """Width of the policy observation: env part + 1 message entry if it has a parent."""
        return self.obs_env_dim + (1 if self.parent >= 0 else 0)


def _is_njit(f) -> bool:
    from numba.core.registry import CPUDispatcher

    return isinstance(f, CPUDispatcher)


def params_record(values: dict) -> np.ndarray:
    """A one-element structured array holding named parameters (numbers or 1-D arrays)."""
    fields, data = [], []
    for k, v in values.items():
        if not isinstance(k, str) or not k.isidentifier():
            raise ValueError(f"env_params: names must be Python identifiers; got {k!r}")
        a = np.asarray(v)
        if a.dtype == bool:
            a = a.astype(np.int64)
        if a.dtype.kind not in "iuf" or a.ndim > 1:
            raise TypeError(f"env_params[{k!r}] must be a number or a 1-D array of numbers; got "
                            f"{v!r}")
        dt = np.float64 if a.dtype.kind == "f" else np.int64
        fields.append((k, dt) if a.ndim == 0 else (k, dt, a.shape))
        data.append(a.astype(dt))
    rec = np.zeros(1, dtype=np.dtype(fields, align=True))
    for (k, *_), a in zip(fields, data):
        rec[k][0] = a
    return rec


def _state_dtype(value, name: str) -> np.dtype:
    if isinstance(value, dict):
        try:
            value = np.dtype(list(value.items()), align=True)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"BatchEnv {name!r}: state_dtype dict must map field names to NumPy "
                            f"types such as 'f8' or 'i8': {exc}") from None
    dt = np.dtype(value) if value is not None else None
    if dt is None or dt.names is None:
        raise TypeError(f"BatchEnv {name!r}: state_dtype must be a structured dtype or a dict "
                        f"{{'field': 'f8', ...}}; got {value!r}")
    return dt


@dataclass
class BatchEnv:
    """An env for the batch engine (the protocol is in the module docstring).

    ``name``; ``agents`` (``AgentSpec``s in registration order); ``functions`` (dict name ->
    ``@njit`` function); ``state_dtype`` and ``n_units`` (columns of the state); ``env_params``
    (named dict, or a float64 array); ``metrics`` (dict name -> ``@njit fn(st, e, p, agent)``);
    ``dt`` the reward clock (s); ``horizon`` the default episode length (s);
    ``disturbance_mean`` the mean spacing (s) of Poisson disturbances (0: none); ``msg_init`` the
    message a child sees before its first delivery; ``default_timing`` a ``TickConfig`` per agent
    id or class (missing: ticks every ``dt`` s, no delays); ``default_policy`` per agent id or
    class; ``params`` the constructor arguments (recorded with results); ``kernel_key`` a readable
    prefix for the compiled kernels' names (default: ``name``); ``presets`` the env's own named
    timings (name -> ``heron.scheduling.EnvPreset`` or ``{agent id or class: TickConfig}``,
    seconds as written; ``heron.scheduling.env_presets``), read back as name -> ``DefinedPreset``.
    """

    name: str
    params: dict = field(default_factory=dict)
    agents: tuple = ()
    default_timing: dict = field(default_factory=dict)
    state_dtype: object = None
    n_units: int = 1
    env_params: object = None
    functions: dict = field(default_factory=dict)
    kernel_key: Optional[str] = None
    dt: float = 1.0
    horizon: float = 50.0
    disturbance_mean: float = 0.0
    msg_init: float = 0.0
    default_policy: dict = field(default_factory=dict)
    description: str = ""
    metrics: dict = field(default_factory=dict)
    presets: dict = field(default_factory=dict)
    _interactive_builder: Optional[Callable] = None

    def __post_init__(self):
        from heron._fast.env_defaults_nb import DEFAULTS

        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"BatchEnv: name must be a non-empty str; got {self.name!r}")
        name = self.name
        self.agents = tuple(self.agents)
        if not self.agents or not all(isinstance(a, AgentSpec) for a in self.agents):
            raise TypeError(f"BatchEnv {name!r}: agents must be a non-empty sequence of "
                            f"AgentSpec; got {self.agents!r}")
        ids = [a.id for a in self.agents]
        if len(set(ids)) != len(ids):
            raise ValueError(f"BatchEnv {name!r}: agent ids must be unique; got {ids}")
        for a in self.agents:
            if not -1 <= a.parent < len(self.agents) or a.parent == ids.index(a.id):
                raise ValueError(f"agent {a.id!r}: parent must be -1 or another agent's index "
                                 f"(0..{len(self.agents) - 1}); got {a.parent}")
        funcs = dict(self.functions or {})
        metrics = dict(self.metrics or {})
        if "outside" in funcs:  # the pre-metrics protocol: keep its column
            warnings.warn(f"BatchEnv {name!r}: functions['outside'] is deprecated; declare it "
                          f"as metrics={{'time_outside_band': outside}}", DeprecationWarning,
                          stacklevel=3)
            metrics.setdefault("time_outside_band", funcs.pop("outside"))
        unknown = sorted(set(funcs) - set(ENV_NAMES))
        if unknown:
            raise TypeError(f"BatchEnv {name!r}: unknown function name(s) {unknown}; the env "
                            f"protocol has {list(ENV_NAMES)} (extra result columns go in "
                            f"metrics=)")
        missing = [n for n in REQUIRED if n not in funcs]
        if missing:
            raise TypeError(f"BatchEnv {name!r}: functions {missing} are missing; an env must "
                            f"provide {list(REQUIRED)} ({list(OPTIONAL)} are optional)")
        for n, f in list(funcs.items()) + [(f"metrics[{k!r}]", f) for k, f in metrics.items()]:
            if not _is_njit(f):
                raise TypeError(
                    f"BatchEnv {name!r}: function {n!r} must be compiled with numba.njit "
                    f"(a CPUDispatcher); got {type(f).__name__} {f!r}. Decorate it with "
                    f"@numba.njit.")
        from heron.batch.result import COLUMNS

        for k in metrics:
            if not isinstance(k, str) or not k.isidentifier() or k in COLUMNS:
                raise ValueError(f"BatchEnv {name!r}: metric names must be identifiers other "
                                 f"than the engine's columns {list(COLUMNS)}; got {k!r}")
        if float(self.disturbance_mean) > 0 and "disturb" not in funcs:
            raise TypeError(f"BatchEnv {name!r}: disturbance_mean={self.disturbance_mean} needs "
                            f"a disturb(st, e, p, seed, episode, j) function")
        for n in ("trigger", "disturb"):
            funcs.setdefault(n, DEFAULTS[n])
        self.functions = funcs
        self.metrics = metrics
        self.state_dtype = _state_dtype(self.state_dtype, name)
        if isinstance(self.n_units, bool) or not isinstance(self.n_units, (int, np.integer)) \
                or self.n_units < 1:
            raise ValueError(f"BatchEnv {name!r}: n_units must be an int >= 1; got "
                             f"{self.n_units!r}")
        if self.env_params is None:
            self.env_params = {}
        if isinstance(self.env_params, dict):
            self.env_params = params_record(self.env_params)
        else:
            arr = np.asarray(self.env_params)
            if arr.dtype.names is None:
                arr = np.ascontiguousarray(arr, dtype=np.float64).reshape(-1)
            self.env_params = arr
        for n in ("dt", "horizon"):
            v = getattr(self, n)
            if isinstance(v, bool) or not np.isfinite(v) or v <= 0:
                raise ValueError(f"BatchEnv {name!r}: {n} must be a finite number of seconds "
                                 f"> 0; got {v!r}")
        from heron.scheduling.env_presets import bind

        self.presets = {p.name: p for p in bind(name, self.presets, self.check_keys)}
        if self.kernel_key is None:
            self.kernel_key = re.sub(r"\W", "_", name)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.kernel_key):
            raise ValueError(f"BatchEnv {name!r}: kernel_key must be an identifier; got "
                             f"{self.kernel_key!r}")

    # -- what the engine reads ----------------------------------------------------------------
    @property
    def named_params(self) -> bool:
        """True when the parameters are named fields (``p.gain``), False for a float array."""
        return self.env_params.dtype.names is not None

    @property
    def p(self):
        """The parameters as env functions see them: a record with attribute access (named) or
        the float64 array."""
        if self.named_params:
            return self.env_params.view(np.recarray)[0]
        return self.env_params

    def kernel_params(self) -> np.ndarray:
        """What the kernels receive; they read ``p = params[0]``."""
        return self.env_params if self.named_params else self.env_params[None, :]

    @property
    def closed_form_reward(self) -> bool:
        """True when the env gives ``reward_integral`` (else returns use adaptive Simpson)."""
        return "reward_integral" in self.functions

    @property
    def metric_names(self) -> tuple:
        """Names of the env's metric columns, in declaration order."""
        return tuple(self.metrics)

    def code_key(self, extra=()) -> str:
        """The compiled kernels' key: ``kernel_key`` + a fingerprint of the env's functions,
        everything they call and every constant they read (plus ``extra`` functions, e.g. the
        user policies compiled into the same kernel). Any edit gives a new key."""
        from heron.batch.codegraph import fingerprint

        fns = [self.functions.get(n) for n in ENV_NAMES] + list(self.metrics.values()) + \
            list(extra)
        return f"{self.kernel_key}_{fingerprint(fns)[:24]}"

    @property
    def agent_ids(self) -> list:
        """Agent ids in registration order."""
        return [a.id for a in self.agents]

    def agent_index(self, agent_id: str) -> int:
        """Index of ``agent_id`` (registration order)."""
        for i, a in enumerate(self.agents):
            if a.id == agent_id:
                return i
        raise ValueError(f"unknown agent id {agent_id!r}; valid ids: {self.agent_ids}")

    def check_keys(self, mapping: dict, name: str, noun: str = "key(s)") -> None:
        """ValueError unless every key of ``mapping`` (argument ``name``, e.g. a policy or timing
        dict) is an agent id or an agent class."""
        valid = set(self.agent_ids) | set(AGENT_CLASSES)
        unknown = [k for k in mapping if k not in valid]
        if unknown:
            raise ValueError(f"{name} has unknown {noun} {unknown}; valid agent ids: "
                             f"{self.agent_ids}; valid classes: {list(AGENT_CLASSES)}")

    def children(self, i: int) -> list:
        """Indices of the agents whose parent is agent ``i``."""
        return [j for j, a in enumerate(self.agents) if a.parent == i]

    def to_config(self) -> dict:
        """JSON-serialisable description: name and constructor params."""
        return {"name": self.name, "params": dict(self.params)}

    def attach_interactive(self, builder: Callable) -> None:
        """Attach ``builder(env_spec, timing=None, **kw)`` building the interactive env."""
        self._interactive_builder = builder

    def interactive_env(self, timing=None, **kw):
        """The interactive (Python agents, ``PettingZooParallelEnv``) form of this env; pass
        ``timing`` (e.g. ``ScheduledTickConfig`` per agent id) to replay a batch schedule."""
        if self._interactive_builder is None:
            raise NotImplementedError(
                f"env {self.name!r} has no interactive form attached yet "
                f"(BatchEnv.attach_interactive(builder) adds one)")
        return self._interactive_builder(self, timing=timing, **kw)
