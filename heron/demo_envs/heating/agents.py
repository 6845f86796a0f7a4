"""The heating house's Python agents (``heron.demo_envs.heating.interactive`` runs them).

``Thermostat`` (one per room) and ``Vent``: field agents whose command (in [0, 1]) drives a heater
or the vent. ``ZoneCoordinator``: sends one setpoint (degC) per thermostat through
``SetpointProtocol``. ``FloorController``: sends the coordinator its base setpoint and the vent
its setpoint (``SlotProtocol``: element ``k`` of its command goes to the subordinate of slot
``k``). Every agent observes through its env (``HeatingHouseEnv.observe_agent``): the compiled
``observe`` of the batch env on the live state (float64). Observation spaces are float64
``Box`` es sized like the policy observation (the env part, plus the latest message for an agent
with a parent).
"""
from __future__ import annotations

from typing import List

import numpy as np

from heron.agents.coordinator_agent import CoordinatorAgent
from heron.agents.field_agent import FieldAgent
from heron.protocols.base import Message, Protocol
from heron.protocols.vertical import SetpointProtocol


def _obs_space(dim: int):
    from gymnasium.spaces import Box

    return Box(low=-np.inf, high=np.inf, shape=(dim,), dtype=np.float64)


class _Observed:
    """Observation plumbing shared by the house's agents."""

    def _setup(self, env, index: int, obs_dim: int) -> None:
        self._env = env
        self.index = index
        self._obs_dim = obs_dim

    def observe(self, gs=None) -> np.ndarray:
        """The live observation (degC), as the batch env's ``observe`` writes it."""
        return self._env.observe_agent(self.index)

    def observation_dim(self) -> int:
        return self._obs_dim


class Thermostat(_Observed, FieldAgent):
    """Room ``unit``'s thermostat: observes the room's temperature, commands its heater."""

    def __init__(self, agent_id, env, index, obs_dim, tick_config=None, policy=None):
        self._setup(env, index, obs_dim)
        self.unit = index
        super().__init__(agent_id, tick_config=tick_config, policy=policy)

    def set_action(self):
        self.action.set_specs(dim_c=1, range=(0.0, 1.0))

    def build_spaces(self) -> None:
        self.action_space = self.action.space()
        self.observation_space = _obs_space(self._obs_dim)


class Vent(Thermostat):
    """The shared vent: observes the hottest, mean and outdoor temperatures, commands the vent."""


class ZoneCoordinator(_Observed, CoordinatorAgent):
    """Sends one setpoint (degC, clipped to ``[low, high]``) per thermostat."""

    def __init__(self, agent_id, env, index, obs_dim, subordinates, low, high, tick_config=None,
                 policy=None):
        self._setup(env, index, obs_dim)
        super().__init__(agent_id, subordinates=subordinates, tick_config=tick_config,
                         policy=policy, protocol=SetpointProtocol(1, low, high))

    def build_spaces(self) -> None:
        super().build_spaces()
        self.observation_space = _obs_space(self._obs_dim)


class SlotProtocol(Protocol):
    """Element ``k`` of a command of ``n_slots`` entries goes to the subordinate of slot ``k``
    (``slots``: subordinate id -> slot; slots without a subordinate are dropped), as a float64
    array of one entry clipped into ``[low, high]``."""

    def __init__(self, n_slots: int, slots: dict, low: float, high: float):
        self.n_slots = int(n_slots)
        self.slots = dict(slots)
        self.low, self.high = float(low), float(high)

    def command_space(self, sender):
        from gymnasium.spaces import Box

        return Box(low=self.low, high=self.high, shape=(self.n_slots,), dtype=np.float32)

    def route(self, sender, command, time: float) -> List[Message]:
        arr = np.asarray(command, dtype=np.float64).reshape(-1)
        if arr.shape != (self.n_slots,) or not np.isfinite(arr).all():
            raise ValueError(f"{sender.agent_id!r}: command must be {self.n_slots} finite "
                             f"setpoints; got {command!r}")
        return [Message(sender.agent_id, sid, np.clip(arr[k:k + 1], self.low, self.high),
                        float(time)) for sid, k in self.slots.items()]


class FloorController(_Observed, CoordinatorAgent):
    """Sends the coordinator its base setpoint (slot 0) and the vent its setpoint (slot 1)."""

    def __init__(self, agent_id, env, index, obs_dim, subordinates, slots, low, high,
                 tick_config=None, policy=None):
        self._setup(env, index, obs_dim)
        super().__init__(agent_id, subordinates=subordinates, tick_config=tick_config,
                         policy=policy, protocol=SlotProtocol(2, slots, low, high))

    def build_spaces(self) -> None:
        super().build_spaces()
        self.observation_space = _obs_space(self._obs_dim)
