"""Policies for the batch engine: compiled ones (kernel-side) and Python ones (batched calls).

* ``CompiledPolicy``: a kind code of ``heron._fast.policy_nb`` plus a float64 parameter array;
  runs inside the kernels. Constructors: ``threshold`` (the tutorial's ``simple_policy``),
  ``linear(W, b)``, ``mlp(weights)`` / ``mlp_from_npz(path)``, ``setpoint`` (coordinator rule).
* ``BatchedPolicy``: a Python callable ``(B, obs_dim) -> (B, act_dim)`` on NumPy arrays (or a
  torch module: called on a tensor made with ``torch.as_tensor``, result read with
  ``.detach().cpu().numpy()``). The engine calls it once per decision round on the stacked batch.
* ``per_observation(fn)``: a tutorial-style ``fn(obs) -> action`` on one observation, vectorised
  by a Python loop: the slow way, for convenience.

Registry: ``get(name)`` returns a policy by name (``available()`` lists them): ``"simple"``
(compiled threshold rule), ``"simple_numpy"`` (the same rule as a NumPy batched callable),
``"setpoint"`` (coordinator rule), ``"tracking_mlp"`` (battery MLP tracking its setpoint).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from heron._fast.policy_nb import (
    POLICY_LINEAR, POLICY_MLP, POLICY_PYTHON, POLICY_SETPOINT, POLICY_THRESHOLD,
)


@dataclass(frozen=True)
class CompiledPolicy:
    """A kernel-side policy: ``kind`` (``policy_nb.POLICY_*``), parameters, a name for configs."""

    name: str
    kind: int
    params: np.ndarray = field(repr=False)
    obs_dim: int = -1      # -1: any
    act_dim: int = -1

    def to_config(self) -> dict:
        return {"name": self.name, "type": "compiled"}

    def check_dims(self, agent_id: str, obs_dim: int, act_dim: int) -> None:
        """ValueError naming the agent when the policy's dimensions do not fit it."""
        if self.obs_dim not in (-1, obs_dim) or self.act_dim not in (-1, act_dim):
            raise ValueError(
                f"policy {self.name!r} for agent {agent_id!r} expects obs_dim={self.obs_dim}, "
                f"act_dim={self.act_dim}; the agent has obs_dim={obs_dim}, act_dim={act_dim}")


@dataclass(frozen=True)
class BatchedPolicy:
    """A Python policy on stacked observations ``(B, obs_dim) -> (B, act_dim)``."""

    fn: Callable
    name: str = "python"
    per_observation: bool = False

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        if self.per_observation:
            return np.stack([np.asarray(self.fn(o), dtype=float).reshape(-1) for o in obs])
        fn = self.fn
        if _is_torch_module(fn):
            import torch

            with torch.no_grad():
                out = fn(torch.as_tensor(obs, dtype=torch.float32))
            return out.detach().cpu().numpy().astype(np.float64)
        return np.asarray(fn(obs), dtype=np.float64)

    def to_config(self) -> dict:
        return {"name": self.name, "type": "python"}


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
    """Coordinator rule: setpoint of battery ``b`` = ``clip(soc_b + gain (target - soc_b), lo,
    hi)`` (moves each battery's target a fraction ``gain`` of the way to ``target``)."""
    return CompiledPolicy(name, POLICY_SETPOINT, np.array([target, gain, lo, hi], float))


def linear(W, b, name: str = "linear") -> CompiledPolicy:
    """``action = W @ obs + b`` with ``W`` of shape ``(act_dim, obs_dim)``."""
    W = np.asarray(W, float)
    b = np.asarray(b, float).reshape(-1)
    if W.ndim != 2 or b.shape != (W.shape[0],):
        raise ValueError(f"linear: W must be (act_dim, obs_dim) and b (act_dim,); got W "
                         f"{W.shape}, b {b.shape}")
    return CompiledPolicy(name, POLICY_LINEAR, np.concatenate([W.ravel(), b]),
                          obs_dim=W.shape[1], act_dim=W.shape[0])


def mlp(layers, name: str = "mlp") -> CompiledPolicy:
    """tanh MLP from ``[(W0, b0), (W1, b1), ...]`` with ``W`` of shape ``(n_out, n_in)``; tanh
    after every layer, so outputs lie in (-1, 1)."""
    from heron._fast.policy_nb import MLP_MAX_WIDTH

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
    return CompiledPolicy(name, POLICY_MLP, np.concatenate(parts),
                          obs_dim=np.asarray(layers[0][0]).shape[1], act_dim=n_prev)


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
    soc = obs[:, 0]
    return np.where(soc < 0.45, 0.5, np.where(soc > 0.55, -0.5, 0.0))[:, None]


def _tracking_mlp():
    from heron.demo_envs.tracking_mlp import weights_path

    return mlp_from_npz(weights_path(), name="tracking_mlp")


_REGISTRY = {
    "simple": lambda: threshold(name="simple"),
    "simple_numpy": lambda: BatchedPolicy(simple_numpy, name="simple_numpy"),
    "setpoint": lambda: setpoint(name="setpoint"),
    "tracking_mlp": _tracking_mlp,
}


def available() -> list:
    """Names ``get`` accepts."""
    return sorted(_REGISTRY)


def get(name: str):
    """The policy registered as ``name`` (see ``available()``)."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown policy name {name!r}; available: {available()}")
    return _REGISTRY[name]()


def as_policy(obj, what: str = "policy"):
    """Normalise ``obj`` (a name, ``CompiledPolicy``, ``BatchedPolicy`` or callable)."""
    if isinstance(obj, str):
        return get(obj)
    if isinstance(obj, (CompiledPolicy, BatchedPolicy)):
        return obj
    if callable(obj):
        return BatchedPolicy(obj, name=getattr(obj, "__name__", type(obj).__name__))
    raise TypeError(f"{what} must be a policy name, a CompiledPolicy, a BatchedPolicy or a "
                    f"callable (B, obs_dim) -> (B, act_dim); got {type(obj).__name__} {obj!r}")


PYTHON_KIND = POLICY_PYTHON
