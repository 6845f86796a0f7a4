"""The corridor's Python agents (``heron.demo_envs.traffic.interactive`` runs them).

``SignalController``: a field agent for one intersection's signal controller, observing ``[qm,
qs, phase, elapsed]`` (veh, veh, phase code, s; float64, computed by its env) and commanding the
requested street in [0, 1] (>= 0.5: the main street). ``CorridorCoordinator``: observes every
main-street then every side-street queue (veh) and sends one main-street weight in [0, 1] per
signal through ``SetpointProtocol(low=0, high=1)``. Their observation spaces are float64 ``Box``
es sized like the policy observation (a signal under a coordinator also sees its latest weight).
"""
from __future__ import annotations

import numpy as np

from heron.agents.coordinator_agent import CoordinatorAgent
from heron.agents.field_agent import FieldAgent
from heron.protocols.vertical import SetpointProtocol


def _obs_space(dim: int):
    from gymnasium.spaces import Box

    return Box(low=-np.inf, high=np.inf, shape=(dim,), dtype=np.float64)


class SignalController(FieldAgent):
    """The signal controller of intersection ``index`` (see the module docstring)."""

    def __init__(self, agent_id, env, index, obs_dim, tick_config=None, policy=None):
        self._env = env
        self.unit = index
        self._obs_dim = obs_dim
        super().__init__(agent_id, tick_config=tick_config, policy=policy)

    def set_action(self):
        self.action.set_specs(dim_c=1, range=(0.0, 1.0))

    def observe(self, gs=None) -> np.ndarray:
        """Live ``[qm, qs, phase, elapsed]`` of its intersection (float64)."""
        return self._env.observe_agent(self.unit)

    def observation_dim(self) -> int:
        return self._obs_dim

    def build_spaces(self) -> None:
        self.action_space = self.action.space()
        self.observation_space = _obs_space(self._obs_dim)


class CorridorCoordinator(CoordinatorAgent):
    """The corridor coordinator: observes every queue, sends one main-street weight per signal."""

    def __init__(self, agent_id, env, index, subordinates, tick_config=None, policy=None):
        self._env = env
        self.index = index
        super().__init__(agent_id, subordinates=subordinates, tick_config=tick_config,
                         policy=policy, protocol=SetpointProtocol(1, 0.0, 1.0))

    def observe(self, gs=None) -> np.ndarray:
        """Live ``[qm_1 .. qm_n, qs_1 .. qs_n]`` (float64, veh)."""
        return self._env.observe_agent(self.index)

    def observation_dim(self) -> int:
        return 2 * len(self.subordinates)

    def build_spaces(self) -> None:
        super().build_spaces()
        self.observation_space = _obs_space(2 * len(self.subordinates))
