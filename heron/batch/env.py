"""The batch engine's env protocol and ``BatchEnv``, the spec object an env ships.

An env for the batch engine is a set of Numba-compiled (``@njit``) functions over a 2-D structured
state array ``st`` (one row per episode of a chunk, one column per physical unit; the dtype is the
env's ``state_dtype``) and a float64 parameter array ``p``. ``e`` is the episode's row, ``agent``
an agent index (registration order), times are float64 seconds:

=============================================  ================================================
``init(st, e, p, seed, episode)``               initial state; may draw from the episode's
                                                counter-based stream (``heron._fast.rng``)
``observe(st, e, p, agent, out)``               write the agent's env observation into ``out``
``effect(st, e, p, agent, act)``                an action takes effect: set the actuator(s)
``advance(st, e, p, dt)``                       integrate ``dt`` seconds, actuators held
                                                (zero-order hold); must depend only on the
                                                state, the actuators and ``dt``
``reward(st, e, p, agent) -> float``            the agent's reward now (reward clock samples)
``trigger(st, e, p, agent, obs) -> int``        after the agent's decision on ``obs``: an agent
                                                index to alarm (irregular message), or -1
``disturb(st, e, p, seed, episode, j)``         apply random disturbance number ``j``
``outside(st, e, p, agent) -> float``           seconds the agent spent outside its band
=============================================  ================================================

Messages: an agent with children (``AgentSpec.parent``) sends its action vector; child ``c``
receives element ``AgentSpec.child_slot`` of it and sees it as the last entry of its observation
(policy observation = env observation (``obs_env_dim``) + [latest message] when it has a parent).

Functions that are not Numba dispatchers raise ``TypeError`` when the ``BatchEnv`` is built.
``BatchEnv.interactive_env(...)`` builds the interactive (Python agents) form once a builder is
attached with ``attach_interactive(builder)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np


AGENT_CLASSES = ("field", "coordinator")


@dataclass(frozen=True)
class AgentSpec:
    """One agent of a batch env: id, class (``"field"`` or ``"coordinator"``), env observation
    width, action width and bounds, parent index (-1: none), slot in the parent's message,
    whether it actuates, and whether its trigger may raise alarms (a trigger that returns an
    agent index for an agent declared ``alarms=False`` is ignored)."""

    id: str
    agent_class: str
    obs_env_dim: int
    act_dim: int
    act_low: tuple
    act_high: tuple
    parent: int = -1
    child_slot: int = 0
    actuates: bool = True
    alarms: bool = False   # True when the env's ``trigger`` may raise alarms for this agent

    @property
    def obs_dim(self) -> int:
        """Width of the policy observation: env part + 1 message entry if it has a parent."""
        return self.obs_env_dim + (1 if self.parent >= 0 else 0)


@dataclass
class BatchEnv:
    """Spec of an env for the batch engine (see the module docstring for the protocol).

    ``dt`` is the reward clock (s), ``horizon`` the default episode length (s),
    ``disturbance_mean`` the mean spacing (s) of Poisson disturbances (0: none), ``msg_init`` the
    message a child sees before its first delivery. ``kernel_key`` names the compiled kernels.
    """

    name: str
    params: dict
    agents: tuple
    default_timing: dict
    state_dtype: np.dtype
    n_units: int
    env_params: np.ndarray
    functions: dict
    kernel_key: str
    dt: float = 1.0
    horizon: float = 50.0
    disturbance_mean: float = 0.0
    msg_init: float = 0.0
    default_policy: dict = field(default_factory=dict)
    description: str = ""
    _interactive_builder: Optional[Callable] = None

    def __post_init__(self):
        from heron._fast.specialise import ENV_NAMES

        missing = [n for n in ENV_NAMES if n not in self.functions]
        if missing:
            raise TypeError(f"BatchEnv {self.name!r}: functions {missing} are missing; an env "
                            f"must provide {list(ENV_NAMES)}")
        from numba.core.registry import CPUDispatcher

        for n in ENV_NAMES:
            f = self.functions[n]
            if not isinstance(f, CPUDispatcher):
                raise TypeError(
                    f"BatchEnv {self.name!r}: function {n!r} must be compiled with numba.njit "
                    f"(a CPUDispatcher); got {type(f).__name__} {f!r}. Decorate it with "
                    f"@numba.njit(cache=True).")
        for a in self.agents:
            if a.agent_class not in AGENT_CLASSES:
                raise ValueError(f"agent {a.id!r}: agent_class must be one of {AGENT_CLASSES}; "
                                 f"got {a.agent_class!r}")

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
