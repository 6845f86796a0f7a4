"""``CoordinatorAgent``: sends setpoints to its subordinate field agents through a protocol.

At each coordinator tick the environment core gives the coordinator its (delayed) observation;
``decide`` maps it to a command (its policy, or the command handed to ``env.step``), and the
protocol (default ``SetpointProtocol()``) turns the command into one message per subordinate,
delivered after the coordinator's jittered ``msg_delay``.

The default observation is the coordinator's own state vector followed by, for each subordinate
in order, the part of its state visible to ``'upper_level'`` (``FeatureProvider.visibility``).
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

import numpy as np

from heron.agents.base import Agent
from heron.core.state import CoordinatorAgentState
from heron.protocols.base import Protocol
from heron.protocols.vertical import SetpointProtocol
from heron.scheduling.tick_config import TickConfig


class CoordinatorAgent(Agent):
    """Coordinator of field agents.

    Parameters
    ----------
    agent_id : str
    subordinates : iterable of Agent, optional
        Field agents it coordinates (their ``upstream_id`` is set to ``agent_id`` when unset).
    protocol : Protocol, optional
        Default ``SetpointProtocol()``.
    upstream_id, config, tick_config, policy
        As for ``Agent``; times in seconds.
    """

    state_class = CoordinatorAgentState
    level = "coordinator"

    def __init__(self, agent_id: str, subordinates: Optional[Iterable[Agent]] = None,
                 upstream_id: Optional[str] = None, config: Optional[Dict[str, Any]] = None,
                 tick_config: Optional[TickConfig] = None, policy=None,
                 protocol: Optional[Protocol] = None):
        if protocol is None:
            protocol = SetpointProtocol()
        elif not isinstance(protocol, Protocol):
            raise TypeError(f"protocol of {agent_id!r} must be a Protocol; got {protocol!r}")
        self.protocol = protocol
        self.subordinates: Dict[str, Agent] = {}
        for sub in subordinates or ():
            self._attach(agent_id, sub)
        super().__init__(agent_id, upstream_id=upstream_id, config=config,
                         tick_config=tick_config, policy=policy)

    def _attach(self, agent_id: str, sub: Agent) -> None:
        if not isinstance(sub, Agent):
            raise TypeError(f"subordinates of {agent_id!r} must be agents; got {sub!r}")
        if sub.agent_id in self.subordinates or sub.agent_id == agent_id:
            raise ValueError(f"coordinator {agent_id!r}: subordinate id {sub.agent_id!r} appears "
                             "twice")
        if sub.upstream_id is None:
            sub.upstream_id = agent_id
        self.subordinates[sub.agent_id] = sub

    def add_subordinate(self, sub: Agent) -> None:
        """Attach one more subordinate (spaces are rebuilt)."""
        self._attach(self.agent_id, sub)
        self.build_spaces()

    # -- observation and commands --------------------------------------------------------------
    def observe(self, gs=None) -> np.ndarray:
        """Own state, then each subordinate's upper-level-visible state (float32)."""
        parts = [self.state.vector()]
        parts += [s.state.vector_for("upper_level") for s in self.subordinates.values()]
        return np.concatenate(parts).astype(np.float32, copy=False)

    def observation_dim(self) -> int:
        return int(self.observe().size)

    def build_spaces(self) -> None:
        super().build_spaces()
        if not self.action.dim_c and self.subordinates:
            try:
                self.action_space = self.protocol.command_space(self)
            except NotImplementedError:
                self.action_space = None

    def validate_command(self, command):
        """Turn ``command`` into messages with the protocol (validated there); returns the
        command unchanged, so it is routed at the tick that issues it."""
        self.protocol.route(self, command, 0.0)
        return command

    def route(self, command, time: float):
        """The messages ``command`` issued at ``time`` (s) produces, in subordinate order."""
        return self.protocol.route(self, command, time)
