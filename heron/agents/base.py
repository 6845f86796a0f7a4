"""``Agent``: what field and coordinator agents share.

Construction order (the tutorial relies on it): attributes are set, then ``set_state()`` fills
``self.state.features``, then ``set_action()`` declares ``self.action`` specs, then the gymnasium
spaces are built (``action_space`` from the action specs, ``observation_space`` a float32 ``Box``
sized by ``observation_dim()``). Subclasses override ``set_state``, ``set_action``, ``observe``,
``step`` and ``reset``; the base never sets attributes named like the tutorial's own
(``tick_interval``, ``obs_delay``, ``act_delay``).

Timing bookkeeping owned by the environment core and reset by it (``reset_timing``), so that a
user's ``reset()`` override need not call ``super()``:

* ``latest_message``: the latest ``Message`` delivered to the agent (None before any);
* ``actuator``: the command currently applied to the environment (zero-order hold; starts at the
  action's neutral value).

User methods are called the way they are declared: ``call_observe`` passes the global state only
if ``observe`` takes a parameter, ``call_reset`` passes ``seed`` only if ``reset`` takes one. The
signature is inspected once per agent.
"""
from __future__ import annotations

import inspect
from typing import Any, Dict, Optional

import numpy as np

from heron.core.action import Action
from heron.core.policies import as_policy
from heron.core.state import State
from heron.scheduling.tick_config import TickConfig


class Agent:
    """Base of all interactive agents.

    Parameters
    ----------
    agent_id : str
        Unique id within an environment.
    upstream_id : str, optional
        Id of the agent's coordinator.
    config : dict, optional
        Free-form configuration kept as ``self.config``.
    tick_config : TickConfig, optional
        The agent's timing (seconds); default ``TickConfig.deterministic()`` (1 s ticks).
    policy : callable or Policy, optional
        Maps the agent's (delayed) observation to a command; see ``heron.core.policies``.
    """

    state_class = State
    level = "agent"

    def __init__(self, agent_id: str, upstream_id: Optional[str] = None,
                 config: Optional[Dict[str, Any]] = None,
                 tick_config: Optional[TickConfig] = None, policy=None):
        if not isinstance(agent_id, str) or not agent_id:
            raise TypeError(f"agent_id must be a non-empty str; got {agent_id!r}")
        if tick_config is None:
            tick_config = TickConfig.deterministic()
        elif not isinstance(tick_config, TickConfig):
            raise TypeError(f"tick_config of agent {agent_id!r} must be a TickConfig; got "
                            f"{type(tick_config).__name__}")
        if config is not None and not isinstance(config, dict):
            raise TypeError(f"config of agent {agent_id!r} must be a dict; got {config!r}")
        self.agent_id = agent_id
        self.upstream_id = upstream_id
        self.config = dict(config or {})
        self.tick_config = tick_config
        if policy is not None or not hasattr(self, "_policy"):
            self.policy = policy
        self.state = self.state_class()
        self.action = Action()
        self.latest_message = None
        self.set_state()
        self.set_action()
        self.build_spaces()
        self.actuator = self.neutral_action()

    # -- policy --------------------------------------------------------------------------------
    @property
    def policy(self):
        """The agent's policy (None: the agent only acts on commands handed to ``env.step``)."""
        return self._policy

    @policy.setter
    def policy(self, value) -> None:
        self._policy_fn = as_policy(value)
        self._policy = value

    def decide(self, observation):
        """The policy's command for ``observation`` and the latest message (None: no policy)."""
        if self._policy_fn is None:
            return None
        return self._policy_fn(observation, self.latest_message)

    # -- hooks for subclasses ------------------------------------------------------------------
    def set_state(self) -> None:
        """Append features to ``self.state.features`` (default: none)."""

    def set_action(self) -> None:
        """Declare ``self.action.set_specs(...)`` (default: no action, a passive agent)."""

    def observe(self, gs=None) -> np.ndarray:
        """The agent's observation (default: its state vector, float32)."""
        return self.state.vector()

    def observation_dim(self) -> int:
        """Length of the observation vector (sizes ``observation_space``)."""
        return int(self.state.vector().size)

    def receive_message(self, message) -> None:
        """Keep ``message`` as ``latest_message`` (called at its delivery time)."""
        self.latest_message = message

    def reset(self, seed: Optional[int] = None):
        """Rebuild the state at its defaults (``set_state()`` again); return the observation."""
        self.state = self.state_class()
        self.set_state()
        return call_observe(self, None)

    # -- spaces and timing bookkeeping ---------------------------------------------------------
    def build_spaces(self) -> None:
        """(Re)build ``action_space`` (None without action specs) and ``observation_space``."""
        from gymnasium.spaces import Box

        self.action_space = self.action.space() if self.action.dim_c else None
        self.observation_space = Box(low=-np.inf, high=np.inf, shape=(self.observation_dim(),),
                                     dtype=np.float32)

    def neutral_action(self):
        """The initial actuator value (the action's neutral command; empty without specs)."""
        return self.action.neutral()

    def validate_command(self, command):
        """Validate a command of this agent (raises ValueError/TypeError naming the agent)."""
        if not self.action.dim_c:
            raise ValueError(f"agent {self.agent_id!r} has no action specs (set_action() did not "
                             f"call action.set_specs) but received the action {command!r}")
        return self.action.validate(command, self.agent_id)

    def reset_timing(self) -> None:
        """Forget delivered messages and return the actuator to neutral (env core calls this)."""
        self.latest_message = None
        self.actuator = self.neutral_action()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.agent_id!r}, {self.tick_config!r})"


# -- calling user methods the way they are declared --------------------------------------------
def _takes_argument(fn, name: str) -> str:
    """'keyword' if ``fn`` takes ``name`` (or **kwargs), 'positional' if it takes a first
    positional parameter of another name, else 'none'."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return "positional"
    for p in params:
        if p.name == name and p.kind is not p.POSITIONAL_ONLY:
            return "keyword"
    if any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
           for p in params):
        return "positional"
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return "keyword"
    return "none"


def call_observe(agent, global_state=None):
    """Call ``agent.observe`` with the global state if (and only as) it is declared to take it."""
    mode = agent.__dict__.get("_heron_observe_mode")
    if mode is None:
        mode = _takes_argument(agent.observe, "gs")
        agent.__dict__["_heron_observe_mode"] = mode
    if mode == "none":
        return agent.observe()
    if mode == "keyword":
        return agent.observe(gs=global_state)
    return agent.observe(global_state)


def call_reset(agent, seed=None):
    """Call ``agent.reset`` with ``seed`` if (and only as) it is declared to take it."""
    mode = _takes_argument(agent.reset, "seed")
    if mode == "none":
        return agent.reset()
    if mode == "keyword":
        return agent.reset(seed=seed)
    return agent.reset(seed)
