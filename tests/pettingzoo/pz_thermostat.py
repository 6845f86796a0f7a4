"""A plain PettingZoo ParallelEnv written without any heron class: two rooms, one heater each.

Step length ``DT = 10`` s (explicit Euler). Room temperature ``T`` (deg C) loses heat to the
outside (5 deg C, rate ``LOSS``), gains ``HEAT * u`` from its heater (``u`` in [0, 1]) and
exchanges heat with the other room (rate ``COUPLING``). Observation ``[T, elapsed seconds]``
(the reading's timestamp lets the tests see how old a delayed observation is); reward
``-|T - 21|`` per step; every agent is truncated after ``max_steps`` steps. Each step's joint
action (first components, as floats) is recorded in ``received`` (for the action-delay tests).
"""
import functools

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

DT = 10.0
T_OUT, TARGET = 5.0, 21.0
LOSS, HEAT, COUPLING = 1.0 / 600.0, 0.05, 1.0 / 1200.0


class TwoRoomThermostat(ParallelEnv):
    metadata = {"name": "two_room_thermostat_v0", "render_modes": []}

    def __init__(self, max_steps=90):
        self.possible_agents = ["room_a", "room_b"]
        self.agents = []
        self.max_steps = max_steps
        self.temps = [0.0, 0.0]
        self.steps = 0
        self.received = []

    @functools.lru_cache(maxsize=None)
    def observation_space(self, agent):
        return spaces.Box(-np.inf, np.inf, shape=(2,), dtype=np.float64)

    @functools.lru_cache(maxsize=None)
    def action_space(self, agent):
        return spaces.Box(0.0, 1.0, shape=(1,), dtype=np.float64)

    def _obs(self):
        t = self.steps * DT
        return {a: np.array([self.temps[i], t]) for i, a in enumerate(self.agents)}

    def reset(self, seed=None, options=None):
        rng = np.random.default_rng(seed)
        self.temps = rng.uniform(15.0, 25.0, size=2).tolist()
        self.steps = 0
        self.agents = list(self.possible_agents)
        self.received = []
        return self._obs(), {a: {} for a in self.agents}

    def step(self, actions):
        self.received.append({a: float(u[0]) for a, u in actions.items()})
        u = [min(max(float(actions[a][0]), 0.0), 1.0) if a in actions else 0.0
             for a in self.possible_agents]  # an agent that left: heater off
        ta, tb = self.temps
        self.temps = [ta + DT * (-LOSS * (ta - T_OUT) + HEAT * u[0] + COUPLING * (tb - ta)),
                      tb + DT * (-LOSS * (tb - T_OUT) + HEAT * u[1] + COUPLING * (ta - tb))]
        self.steps += 1
        obs = self._obs()
        rewards = {a: -abs(self.temps[i] - TARGET) for i, a in enumerate(self.agents)}
        done = self.steps >= self.max_steps
        terminations = {a: False for a in self.agents}
        truncations = {a: done for a in self.agents}
        infos = {a: {} for a in self.agents}
        if done:
            self.agents = []
        return obs, rewards, terminations, truncations, infos


def make_env():
    """A fresh thermostat (module-level, so a process pool can pickle it by name)."""
    return TwoRoomThermostat()


def proportional(agent, obs):
    """Heater command ``clip(0.5 + 0.8 (21 - T), 0, 1)`` (module-level: picklable)."""
    return np.array([min(max(0.5 + 0.8 * (TARGET - obs[0]), 0.0), 1.0)])
