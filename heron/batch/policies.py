"""Policies for the batch engine: compiled ones (kernel-side) and Python ones (batched calls).

* ``CompiledPolicy``: a kind code of ``heron._fast.policy_nb`` plus a float64 parameter array;
  runs inside the kernels. Constructors: ``threshold`` (the tutorial's ``simple_policy``),
  ``linear(W, b)``, ``mlp(weights)`` / ``mlp_from_npz(path)``, ``setpoint`` (coordinator rule).
* ``compiled(fn, params, memory=, clip=)``: a user's ``@njit`` policy compiled into the kernel
  (``fn(obs, act, params, memory, t)``); ``step`` a three-level rule (thermostats).
* ``BatchedPolicy``: a Python callable ``(B, obs_dim) -> (B, act_dim)`` on NumPy arrays (or a
  torch module: called on a tensor made with ``torch.as_tensor``, result read with
  ``.detach().cpu().numpy()``). The engine calls it once per decision round on the stacked batch.
* ``per_observation(fn)``: a tutorial-style ``fn(obs) -> action`` on one observation, vectorised
  by a Python loop: the slow way, for convenience.

Registry: ``get(name)`` returns a policy by name (``available()`` lists them): ``"simple"``
(compiled threshold rule), ``"simple_numpy"`` (the same rule as a NumPy batched callable),
``"setpoint"`` (coordinator rule), plus whatever shipped or user envs ``register``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from heron._fast.policy_nb import (
    KINDS, POLICY_LINEAR, POLICY_MLP, POLICY_PYTHON, POLICY_SETPOINT, POLICY_STEP,
    POLICY_THRESHOLD, POLICY_USER,
)

_KIND_NAMES = {POLICY_THRESHOLD: "threshold", POLICY_LINEAR: "linear", POLICY_MLP: "mlp",
               POLICY_SETPOINT: "setpoint", POLICY_STEP: "step", POLICY_USER: "user (compiled)"}


@dataclass(frozen=True)
class CompiledPolicy:
    """A kernel-side policy: ``kind`` (``policy_nb.POLICY_*``), parameters, a name for configs.

    ``fn`` is the user's ``@njit`` function of a ``POLICY_USER`` policy (see ``compiled``) and
    ``n_args`` how many of ``(obs, act, params, memory, t)`` it takes; ``memory`` the number of
    float64 memory cells per (episode, agent), zero at the start of every episode; ``clip``: clip
    out-of-range actions to the agent's range instead of refusing them."""

    name: str
    kind: int
    params: np.ndarray = field(repr=False)
    obs_dim: int = -1      # -1: any
    act_dim: int = -1
    fn: object = field(default=None, repr=False)
    n_args: int = 0
    memory: int = 0
    clip: bool = False

    def __post_init__(self):
        if isinstance(self.kind, bool) or self.kind not in KINDS or self.kind == POLICY_PYTHON:
            raise ValueError(f"CompiledPolicy {self.name!r}: unknown policy kind {self.kind!r}; "
                             f"valid kinds: {_KIND_NAMES}")
        params = np.ascontiguousarray(self.params, dtype=np.float64).reshape(-1)
        object.__setattr__(self, "params", params)
        if self.kind == POLICY_USER and not _is_njit(self.fn):
            raise TypeError(f"CompiledPolicy {self.name!r}: kind POLICY_USER needs fn, an "
                            f"@numba.njit function; got {self.fn!r}")
        _check_count("memory", self.memory, self.name)

    def to_config(self) -> dict:
        cfg = {"name": self.name, "type": "compiled"}
        if self.fn is not None:
            from heron.batch.codegraph import fingerprint

            cfg["code"] = fingerprint([self.fn])[:24]
        if self.clip:
            cfg["clip"] = True
        return cfg

    def check_dims(self, agent_id: str, obs_dim: int, act_dim: int) -> None:
        """ValueError naming the agent when the policy's dimensions do not fit it."""
        if self.obs_dim not in (-1, obs_dim) or self.act_dim not in (-1, act_dim):
            raise ValueError(
                f"policy {self.name!r} for agent {agent_id!r} expects obs_dim={self.obs_dim}, "
                f"act_dim={self.act_dim}; the agent has obs_dim={obs_dim}, act_dim={act_dim}")


@dataclass
class DecisionContext:
    """What a Python policy declared with ``context=True`` receives besides the observations
    (one entry per row of the batch): ``agent`` (agent indices), ``agent_id`` (their ids),
    ``episode`` (episode indices), ``t`` (decision times, s) and ``memory``, a ``(B, memory)``
    float64 array of the policy's per-(episode, agent) memory: zero at the start of an episode,
    and what the policy writes into it is kept for the agent's next decision."""

    agent: np.ndarray
    agent_id: np.ndarray
    episode: np.ndarray
    t: np.ndarray
    memory: np.ndarray


@dataclass(frozen=True)
class BatchedPolicy:
    """A Python policy on stacked observations ``(B, obs_dim) -> (B, act_dim)``; with
    ``context=True`` it is called as ``fn(obs, ctx)`` with a ``DecisionContext``; ``memory``
    cells per (episode, agent) live in ``ctx.memory``; ``clip`` clips out-of-range actions."""

    fn: Callable
    name: str = "python"
    per_observation: bool = False
    context: bool = False
    memory: int = 0
    clip: bool = False

    def __post_init__(self):
        if not callable(self.fn):
            raise TypeError(f"BatchedPolicy {self.name!r}: fn must be callable; got {self.fn!r}")
        _check_count("memory", self.memory, self.name)
        if self.memory and not self.context:
            raise ValueError(f"BatchedPolicy {self.name!r}: memory={self.memory} needs "
                             f"context=True (the memory is ctx.memory)")

    def __call__(self, obs: np.ndarray, ctx: DecisionContext = None) -> np.ndarray:
        if self.per_observation:
            return np.stack([_as_real(self.fn(o), self.name).reshape(-1) for o in obs])
        fn = self.fn
        if _is_torch_module(fn):
            import torch

            with torch.no_grad():
                out = fn(torch.as_tensor(obs, dtype=torch.float32))
            return out.detach().cpu().numpy().astype(np.float64)
        if self.context:
            return _as_real(fn(obs, ctx), self.name)
        return _as_real(fn(obs), self.name)

    def to_config(self) -> dict:
        return {"name": self.name, "type": "python"}


def compiled_action_error(policy_name: str, agent, index: int, value: float,
                          episode: int) -> ValueError:
    """The error for a compiled policy's bad action component ``index`` (NaN or out of range)
    of agent spec ``agent`` in ``episode``: the same words in every engine."""
    if value != value:
        return ValueError(f"compiled policy {policy_name!r} of agent {agent.id!r} produced NaN in "
                          f"action component {index} in episode {episode}")
    return ValueError(f"compiled policy {policy_name!r} of agent {agent.id!r} produced "
                      f"action[{index}] = {value!r} outside the agent's range "
                      f"[{agent.act_low[index]}, {agent.act_high[index]}] in episode {episode}; "
                      f"pass clip=True to the policy to clip instead")


def _check_count(name, value, policy_name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"policy {policy_name!r}: {name} must be an int >= 0; got {value!r}")


def _is_njit(obj) -> bool:
    from numba.core.registry import CPUDispatcher

    return isinstance(obj, CPUDispatcher)


def _is_torch_module(obj) -> bool:
    mod = type(obj).__module__ or ""
    return mod.startswith("torch") or any(
        c.__module__.startswith("torch.nn") for c in type(obj).__mro__[1:])


# -- constructors -------------------------------------------------------------------------------
def threshold(lo: float = 0.45, hi: float = 0.55, magnitude: float = 0.5,
              name: str = "simple") -> CompiledPolicy:
    """The tutorial's ``simple_policy``: ``+magnitude`` when ``obs[0] < lo``, ``-magnitude`` when
    ``obs[0] > hi``, else 0."""
    if not lo <= hi:
        raise ValueError(f"threshold: lo must be <= hi; got lo={lo!r}, hi={hi!r}")
    return CompiledPolicy(name, POLICY_THRESHOLD, np.array([lo, hi, magnitude], float),
                          obs_dim=-1, act_dim=1)


def setpoint(target: float = 0.5, gain: float = 0.5, lo: float = 0.2, hi: float = 0.8,
             name: str = "setpoint") -> CompiledPolicy:
    """Coordinator rule: setpoint of unit ``b`` = ``clip(obs_b + gain (target - obs_b), lo,
    hi)`` (moves each unit's target a fraction ``gain`` of the way to ``target``)."""
    return CompiledPolicy(name, POLICY_SETPOINT, np.array([target, gain, lo, hi], float))


def step(lo: float, hi: float, below: float, between: float, above: float, *,
         name: str = "step") -> CompiledPolicy:
    """A three-level rule on ``obs[0]``: ``below`` when ``obs[0] < lo``, ``above`` when
    ``obs[0] > hi``, else ``between`` (every action component). A thermostat with a dead band:
    ``step(20.5, 21.5, below=1.0, between=0.5, above=0.0)``."""
    vals = [float(v) for v in (lo, hi, below, between, above)]
    if not np.isfinite(vals).all() or not vals[0] <= vals[1]:
        raise ValueError(f"step: lo <= hi and finite values needed; got lo={lo!r}, hi={hi!r}, "
                         f"below={below!r}, between={between!r}, above={above!r}")
    return CompiledPolicy(name, POLICY_STEP, np.array(vals))


def compiled(fn, params=(), *, memory: int = 0, clip: bool = False, name: str | None = None,
             obs_dim: int = -1, act_dim: int = -1) -> CompiledPolicy:
    """A user's ``@numba.njit`` policy compiled into the kernels.

    ``fn(obs, act, params, memory, t)`` writes the action into ``act`` (float64, ``act_dim``);
    it may take only its first 2, 3 or 4 arguments. ``obs`` is the policy observation, ``params``
    a float64 copy of ``params``, ``memory`` the agent's ``memory`` float64 cells in this episode
    (zero at the start, kept between decisions: integrators, hysteresis, recurrent state), ``t``
    the decision time (s). ``clip=True`` clips actions to the agent's range instead of refusing
    out-of-range ones. Runs in the batch, sync and interactive engines alike."""
    import inspect

    if not _is_njit(fn):
        raise TypeError(f"compiled: fn must be a @numba.njit function; got "
                        f"{type(fn).__name__} {fn!r}. Decorate it with @numba.njit, or pass a "
                        f"plain Python callable as a batched policy instead")
    sig = inspect.signature(fn.py_func)
    n_args = len([q for q in sig.parameters.values()
                  if q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)])
    if not 2 <= n_args <= 5:
        raise TypeError(f"compiled: {fn.py_func.__qualname__}{sig} must take 2 to 5 arguments "
                        f"(obs, act, params, memory, t); it takes {n_args}")
    return CompiledPolicy(name or fn.py_func.__name__, POLICY_USER,
                          np.asarray(params, dtype=np.float64).reshape(-1), obs_dim=obs_dim,
                          act_dim=act_dim, fn=fn, n_args=n_args, memory=memory, clip=clip)


def linear(W, b, name: str = "linear", *, clip: bool = False) -> CompiledPolicy:
    """``action = W @ obs + b`` with ``W`` of shape ``(act_dim, obs_dim)``; ``clip=True`` clips
    the action to the agent's range (a proportional controller with saturation)."""
    W = np.asarray(W, float)
    b = np.asarray(b, float).reshape(-1)
    if W.ndim != 2 or b.shape != (W.shape[0],):
        raise ValueError(f"linear: W must be (act_dim, obs_dim) and b (act_dim,); got W "
                         f"{W.shape}, b {b.shape}")
    return CompiledPolicy(name, POLICY_LINEAR, np.concatenate([W.ravel(), b]),
                          obs_dim=W.shape[1], act_dim=W.shape[0], clip=clip)


def mlp(layers, name: str = "mlp") -> CompiledPolicy:
    """tanh MLP from ``[(W0, b0), (W1, b1), ...]`` with ``W`` of shape ``(n_out, n_in)``; tanh
    after every layer, so outputs lie in (-1, 1). Its ``memory`` cells are the two layer buffers
    of the compiled forward pass (so a decision allocates nothing)."""
    from heron._fast.policy_nb import MLP_MAX_WIDTH, mlp_scratch

    layers = list(layers)
    if not layers:
        raise ValueError("mlp: layers must hold at least one (W, b) pair; got none")
    parts = [np.array([len(layers)], float)]
    n_prev = None
    for li, (W, b) in enumerate(layers):
        W = np.asarray(W, float)
        b = np.asarray(b, float).reshape(-1)
        if W.ndim != 2 or b.shape != (W.shape[0],) or (n_prev is not None and W.shape[1] != n_prev):
            raise ValueError(f"mlp: layer {li} has W {W.shape}, b {b.shape}; expected "
                             f"W (n_out, n_in) chaining from the previous layer and b (n_out,)")
        if max(W.shape) > MLP_MAX_WIDTH:
            raise ValueError(f"mlp: layer widths must be <= {MLP_MAX_WIDTH}; got {W.shape}")
        parts.append(np.array([W.shape[1], W.shape[0]], float))
        parts.append(W.ravel())
        parts.append(b)
        n_prev = W.shape[0]
    n_obs = np.asarray(layers[0][0]).shape[1]
    widths = [n_obs] + [np.asarray(W).shape[0] for W, _ in layers]
    return CompiledPolicy(name, POLICY_MLP, np.concatenate(parts), obs_dim=n_obs, act_dim=n_prev,
                          memory=mlp_scratch(widths))


def mlp_from_npz(path, name: str = "mlp") -> CompiledPolicy:
    """MLP with weights ``W0, b0, W1, b1, ...`` from an ``.npz`` file."""
    with np.load(path) as z:
        n = len([k for k in z.files if k.startswith("W")])
        layers = [(z[f"W{i}"], z[f"b{i}"]) for i in range(n)]
    return mlp(layers, name=name)


def per_observation(fn: Callable, name: str = "python_per_obs") -> BatchedPolicy:
    """Wrap a per-observation ``fn(obs) -> action`` (the tutorial's ``simple_policy``): the engine
    loops over the batch in Python. Correct but slow; prefer a batched callable."""
    return BatchedPolicy(fn, name=name, per_observation=True)


def simple_numpy(obs: np.ndarray) -> np.ndarray:
    """The tutorial's ``simple_policy`` on a batch ``(B, >=1)``: NumPy, returns ``(B, 1)``."""
    x = obs[:, 0]
    return np.where(x < 0.45, 0.5, np.where(x > 0.55, -0.5, 0.0))[:, None]


_REGISTRY = {
    "simple": lambda: threshold(name="simple"),
    "simple_numpy": lambda: BatchedPolicy(simple_numpy, name="simple_numpy"),
    "setpoint": lambda: setpoint(name="setpoint"),
}
_PLUGINS_LOADED = False


def register(name: str, factory: Callable) -> None:
    """Register ``factory() -> policy`` under ``name`` (envs register the policies they ship;
    study files and ``get`` find them by name). Re-registering a name replaces it."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"register: name must be a non-empty str; got {name!r}")
    if not callable(factory):
        raise TypeError(f"register: factory must be callable; got {factory!r}")
    _REGISTRY[name] = factory


def _load_plugins() -> None:
    """Import the shipped envs once, so the policies they register are known."""
    global _PLUGINS_LOADED
    if not _PLUGINS_LOADED:
        _PLUGINS_LOADED = True
        import heron.demo_envs  # noqa: F401 - registers shipped envs' policies


def available() -> list:
    """Names ``get`` accepts."""
    _load_plugins()
    return sorted(_REGISTRY)


def get(name: str):
    """The policy registered as ``name`` (see ``available()``)."""
    if name not in _REGISTRY:
        _load_plugins()
    if name not in _REGISTRY:
        raise ValueError(f"unknown policy name {name!r}; available: {available()}")
    return _REGISTRY[name]()


def _wants_context(fn) -> bool:
    import inspect

    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return any(n in ("ctx", "context") for n in params)


def _as_real(value, name) -> np.ndarray:
    """``value`` as a float array; complex actions are refused (their imaginary part would be
    silently dropped)."""
    arr = np.asarray(value)
    if arr.dtype.kind == "c":
        raise TypeError(f"policy {name!r} returned complex action(s) {arr.tolist()!r}: actions "
                        "must be real numbers (the imaginary part would be lost)")
    return np.asarray(arr, dtype=float)


def as_policy(obj, what: str = "policy"):
    """Normalise ``obj``: a name, ``CompiledPolicy``, ``BatchedPolicy``, an ``@njit`` function
    ``fn(obs, act, ...)`` (compiled into the kernel, see ``compiled``) or a Python callable
    ``(B, obs_dim) -> (B, act_dim)`` (called as ``fn(obs, ctx)`` when its second parameter is
    named ``ctx`` or ``context``)."""
    if isinstance(obj, str):
        return get(obj)
    if isinstance(obj, (CompiledPolicy, BatchedPolicy)):
        return obj
    if _is_njit(obj):
        import inspect

        n = len(inspect.signature(obj.py_func).parameters)
        if n >= 2:
            return compiled(obj)
        return BatchedPolicy(obj, name=obj.py_func.__name__)
    if callable(obj):
        return BatchedPolicy(obj, name=getattr(obj, "__name__", type(obj).__name__),
                             context=_wants_context(obj))
    raise TypeError(f"{what} must be a policy name, a CompiledPolicy, a BatchedPolicy, an @njit "
                    f"function fn(obs, act) or a callable (B, obs_dim) -> (B, act_dim); got "
                    f"{type(obj).__name__} {obj!r}")


PYTHON_KIND = POLICY_PYTHON
