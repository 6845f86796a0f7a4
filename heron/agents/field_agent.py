"""``FieldAgent``: a device-level agent that actuates the environment.

Subclasses declare their features in ``set_state()`` and their command in ``set_action()``
(``self.action.set_specs(dim_c=..., range=(low, high))``), and override ``observe``, ``step`` and
``reset`` as needed. In the event-driven path the environment core calls, at each of the agent's
ticks, ``decide(observation)`` (the policy, with ``latest_message``, e.g. a coordinator's
setpoint), validates the command with ``validate_command``, and later applies it through the
environment's ``on_action_effect`` callback; ``actuator`` always holds the command in effect.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from heron.agents.base import Agent
from heron.core.state import FieldAgentState


class FieldAgent(Agent):
    """Device-level agent (see ``heron.agents.base.Agent`` for the parameters)."""

    state_class = FieldAgentState
    level = "field"

    def step(self, action, dt: float = 1.0) -> Dict[str, Any]:
        """Apply ``action`` for ``dt`` seconds. Default: validate it and hold it as the actuator
        value (a device without internal dynamics). Returns an info dict."""
        self.actuator = self.validate_command(action)
        self.action.c = self.actuator
        return {"action": self.actuator.copy()}

    @property
    def setpoint(self) -> Optional[np.ndarray]:
        """Content of the latest delivered message (e.g. a setpoint), or None."""
        msg = self.latest_message
        return None if msg is None else msg.content
