"""The battery fleet's Python agents (``heron.demo_envs.battery.interactive`` runs them).

``FleetBattery``: a field agent observing its battery's SOC (``[soc]``, float64, read from its
env), commanding normalised power in [-1, 1]. ``FleetCoordinator``: observes every SOC and sends one
SOC setpoint per battery through ``SetpointProtocol(low=0, high=1)``; an ``ALARM`` message from a
battery is handed to the env (which runs the out-of-cycle tick). Their observation spaces are
float64 ``Box`` es sized like the policy observation (a battery under a coordinator also sees its
latest setpoint).
"""
from __future__ import annotations

import numpy as np

from heron.agents.coordinator_agent import CoordinatorAgent
from heron.agents.field_agent import FieldAgent
from heron.protocols.vertical import SetpointProtocol

ALARM = "alarm"


def _obs_space(dim: int):
    from gymnasium.spaces import Box

    return Box(low=-np.inf, high=np.inf, shape=(dim,), dtype=np.float64)


class FleetBattery(FieldAgent):
    """A battery of the fleet: observes its SOC (as of ``S``), commands normalised power."""

    def __init__(self, agent_id, env, index, obs_dim, tick_config=None, policy=None):
        self._env = env
        self.unit = index
        self._obs_dim = obs_dim
        super().__init__(agent_id, tick_config=tick_config, policy=policy)

    def set_action(self):
        self.action.set_specs(dim_c=1, range=(-1.0, 1.0))

    def observe(self, gs=None) -> np.ndarray:
        """Live SOC ``[soc]`` (float64)."""
        env = self._env
        env._sync()
        return np.array([env.soc[self.unit]])

    def observation_dim(self) -> int:
        return self._obs_dim

    def build_spaces(self) -> None:
        self.action_space = self.action.space()
        self.observation_space = _obs_space(self._obs_dim)


class FleetCoordinator(CoordinatorAgent):
    """The fleet's coordinator: observes every SOC, sends one SOC setpoint per battery; alarms
    from batteries make it tick out of cycle (handled by ``BatteryFleetEnv``)."""

    def __init__(self, agent_id, env, subordinates, tick_config=None, policy=None):
        self._env = env
        super().__init__(agent_id, subordinates=subordinates, tick_config=tick_config,
                         policy=policy, protocol=SetpointProtocol(1, 0.0, 1.0))

    def observe(self, gs=None) -> np.ndarray:
        """Live SOCs of every battery (float64)."""
        self._env._sync()
        return np.array(self._env.soc)

    def observation_dim(self) -> int:
        return len(self.subordinates)

    def build_spaces(self) -> None:
        super().build_spaces()
        self.observation_space = _obs_space(len(self.subordinates))

    def receive_message(self, message) -> None:
        if isinstance(message.content, str) and message.content == ALARM:
            self._env._alarm_arrived(message)
        else:
            self.latest_message = message
