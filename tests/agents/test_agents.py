"""FieldAgent / CoordinatorAgent construction, spaces, calling conventions."""
from dataclasses import dataclass

import numpy as np
import pytest
from gymnasium.spaces import Box

from heron.agents.base import Agent, call_observe, call_reset
from heron.agents.coordinator_agent import CoordinatorAgent
from heron.agents.field_agent import FieldAgent
from heron.core.feature import FeatureProvider
from heron.protocols.vertical import SetpointProtocol
from heron.scheduling.tick_config import TickConfig


@dataclass
class Soc(FeatureProvider):
    visibility = ["owner", "upper_level"]
    soc: float = 0.5


@dataclass
class Secret(FeatureProvider):
    visibility = ["owner"]
    temp: float = 25.0


class Battery(FieldAgent):
    def __init__(self, agent_id, tick_interval=1.0, **kw):
        self.tick_interval = tick_interval  # set before super(), like the tutorial
        self.calls = []
        super().__init__(agent_id, tick_config=TickConfig.deterministic(tick_interval), **kw)

    def set_state(self):
        self.calls.append("set_state")
        self.soc_feature = Soc()
        self.state.features.append(self.soc_feature)
        self.state.features.append(Secret())

    def set_action(self):
        self.calls.append("set_action")
        self.action.set_specs(dim_c=1, range=(np.array([-1.0]), np.array([1.0])))


def test_field_agent_builds_spaces_after_set_state_and_set_action():
    b = Battery("b1", tick_interval=2.0)
    assert b.calls == ["set_state", "set_action"]
    assert isinstance(b.action_space, Box) and b.action_space.shape == (1,)
    assert b.observation_space.shape == (2,) and b.observation_space.dtype == np.float32
    assert b.tick_interval == 2.0 and b.tick_config.tick_interval == 2.0
    assert b.observation_space.contains(b.observe())
    np.testing.assert_array_equal(b.actuator, [0.0])
    assert b.policy is None and b.decide(b.observe()) is None


def test_field_agent_defaults_step_reset_and_errors():
    b = Battery("b1")
    info = b.step(np.array([0.25]))
    np.testing.assert_array_equal(info["action"], [0.25])
    np.testing.assert_array_equal(b.actuator, [0.25])
    b.soc_feature.soc = 0.9
    obs = b.reset(seed=1)  # default reset rebuilds the state from set_state()
    np.testing.assert_allclose(obs, [0.5, 25.0])
    with pytest.raises(ValueError, match="'b1'.*shape"):
        b.step(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="agent_id must be a non-empty str"):
        FieldAgent("")
    with pytest.raises(TypeError, match="tick_config of agent 'x' must be a TickConfig"):
        FieldAgent("x", tick_config={"tick_interval": 1.0})
    passive = FieldAgent("sensor")
    assert passive.action_space is None
    with pytest.raises(ValueError, match="no action specs"):
        passive.validate_command([1.0])


def test_policy_sees_latest_message():
    seen = []
    b = Battery("b1", policy=lambda obs, msg: seen.append(msg) or np.array([0.0]))
    b.decide(b.observe())
    assert seen == [None]
    b.receive_message("hello")
    b.decide(b.observe())
    assert seen[-1] == "hello"
    b.reset_timing()
    assert b.latest_message is None and b.setpoint is None


def test_call_observe_and_reset_follow_the_declared_signature():
    class NoArg(Agent):
        def observe(self):
            return np.array([1.0])

        def reset(self):
            return "reset-no-seed"

    class Gs(Agent):
        def observe(self, gs=None):
            return gs

        def reset(self, seed=None):
            return seed

    class Positional(Agent):
        def observe(self, global_state):
            return global_state

        def reset(self, s):
            return s

    class Kwargs(Agent):
        def observe(self, **kw):
            return kw

    gs = {"grid": 1}
    assert call_observe(NoArg("a"), gs)[0] == 1.0
    assert call_observe(Gs("b"), gs) is gs
    assert call_observe(Positional("c"), gs) is gs
    assert call_observe(Kwargs("d"), gs) == {"gs": gs}
    assert call_reset(NoArg("a"), 3) == "reset-no-seed"
    assert call_reset(Gs("b"), 3) == 3
    assert call_reset(Positional("c"), 4) == 4


def test_coordinator_observes_upper_level_features_and_builds_command_space():
    subs = [Battery("b1"), Battery("b2")]
    c = CoordinatorAgent("mg", subordinates=subs, protocol=SetpointProtocol(low=0.0, high=1.0))
    assert [s.upstream_id for s in subs] == ["mg", "mg"]
    subs[1].soc_feature.soc = 0.8
    np.testing.assert_allclose(c.observe(), [0.5, 0.8])  # Secret (owner-only) is hidden
    assert c.observation_space.shape == (2,)
    assert c.action_space.shape == (2,)
    msgs = c.route([0.2, 0.9], time=3.0)
    assert [(m.recipient, m.content[0], m.sent_at) for m in msgs] == [("b1", 0.2, 3.0),
                                                                     ("b2", 0.9, 3.0)]
    c.add_subordinate(Battery("b3"))
    assert c.action_space.shape == (3,) and c.observation_space.shape == (3,)
    with pytest.raises(ValueError, match="appears twice"):
        c.add_subordinate(Battery("b3"))
    with pytest.raises(TypeError, match="protocol"):
        CoordinatorAgent("mg2", protocol="setpoint")
