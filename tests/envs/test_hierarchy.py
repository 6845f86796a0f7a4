"""A coordinator steering field agents through SetpointProtocol, end to end (event-driven)."""
from dataclasses import dataclass

import numpy as np

from heron.agents.coordinator_agent import CoordinatorAgent
from heron.agents.field_agent import FieldAgent
from heron.core.feature import FeatureProvider
from heron.core.policies import SetpointTrackingPolicy
from heron.envs.adapters import PettingZooParallelEnv
from heron.protocols.vertical import SetpointProtocol
from heron.scheduling.tick_config import TickConfig


@dataclass
class Soc(FeatureProvider):
    visibility = ["owner", "upper_level"]
    soc: float = 0.5


class Battery(FieldAgent):
    def set_state(self):
        self.soc = Soc()
        self.state.features.append(self.soc)

    def set_action(self):
        self.action.set_specs(dim_c=1, range=(-1.0, 1.0))

    def step(self, action, dt=1.0):
        self.soc.soc = float(np.clip(self.soc.soc + 0.25 * float(action[0]) * dt, 0.0, 1.0))
        return {"soc": self.soc.soc}


class Microgrid(PettingZooParallelEnv):
    def __init__(self, targets, msg_delay=0.5, obs_delay=0.05, act_delay=0.1):
        super().__init__(env_id="microgrid")
        field_cfg = TickConfig.deterministic(1.0, obs_delay=obs_delay, act_delay=act_delay)
        self.batteries = [Battery(f"b{i}", tick_config=field_cfg,
                                  policy=SetpointTrackingPolicy(gain=2.0, default_setpoint=0.5))
                          for i in range(len(targets))]
        self.coordinator = CoordinatorAgent(
            "mg", subordinates=self.batteries, protocol=SetpointProtocol(low=0.1, high=0.9),
            tick_config=TickConfig.deterministic(5.0, obs_delay=0.2, msg_delay=msg_delay),
            policy=lambda obs: np.asarray(targets))
        for a in [*self.batteries, self.coordinator]:
            self.register_agent(a)
        self.init_from_agents()
        self.setup_event_driven()
        self.setup_default_handlers(
            on_action_effect=lambda aid, act: self.get_agent(aid).step(act, dt=1.0))


def test_setpoints_steer_the_fleet_after_the_message_delay():
    env = Microgrid([0.3, 0.95])
    env.trace = []
    env.run_event_driven(20.0)
    ticks = [r for r in env.trace if r["kind"] == "tick" and r["agent"] == "b0"]
    # tick at 0: no setpoint yet (delivered at 0.5), tracks the default 0.5 from 0.5: command 0
    assert ticks[0]["time"] == 0.0 and ticks[0]["command"][0] == 0.0
    assert ticks[1]["command"][0] < 0  # from t=1 on it discharges towards 0.3
    deliveries = [r for r in env.trace if r["kind"] == "message"]
    assert [(r["time"], r["agent"]) for r in deliveries[:2]] == [(0.5, "b0"), (0.5, "b1")]
    np.testing.assert_allclose(deliveries[1]["content"], [0.9])  # clipped by the protocol
    assert abs(env.batteries[0].soc.soc - 0.3) < 1e-3
    assert abs(env.batteries[1].soc.soc - 0.9) < 1e-3
    np.testing.assert_allclose(env.coordinator.observe(),
                               [b.soc.soc for b in env.batteries], rtol=1e-6)


def test_longer_message_delay_postpones_the_response():
    fast, slow = Microgrid([0.3, 0.3], msg_delay=0.5), Microgrid([0.3, 0.3], msg_delay=3.5)
    fast.run_event_driven(3.0)
    slow.run_event_driven(3.0)
    assert fast.batteries[0].soc.soc < 0.4  # two discharge steps already applied
    assert slow.batteries[0].soc.soc == 0.5  # the setpoint has not arrived yet
    slow.run_event_driven(20.0)
    assert abs(slow.batteries[0].soc.soc - 0.3) < 1e-3
