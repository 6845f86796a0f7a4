"""Policies written as the reference's ``Policy.forward(observation)`` (issue 13 item 1) and
complex or string commands refused with a clear error (issue 12), not silently truncated."""
import warnings

import numpy as np
import pytest

from heron.core.action import Action
from heron.core.policies import Policy, as_policy
from heron.protocols.vertical import SetpointProtocol


class Doubling(Policy):
    def forward(self, observation):
        return 2.0 * np.asarray(observation)


class WithMessage(Policy):
    def forward(self, observation, message=None):
        return np.array([0.0 if message is None else message])


class ReferenceStyle:  # not a heron Policy, not callable: only forward()
    def forward(self, observation):
        return observation + 1.0


def test_forward_is_accepted_where_act_is_called():
    obs = np.array([0.25])
    assert Doubling().act(obs) == pytest.approx([0.5])
    assert Doubling()(obs) == pytest.approx([0.5])
    assert as_policy(Doubling())(obs, None) == pytest.approx([0.5])
    assert as_policy(ReferenceStyle())(obs, None) == pytest.approx([1.25])
    assert as_policy(WithMessage())(obs, 3.0) == pytest.approx([3.0])


def test_a_policy_without_act_or_forward_says_what_to_implement():
    with pytest.raises(NotImplementedError, match=r"act\(observation, message=None\) or "
                                                  r"forward\(observation\)"):
        Policy().act(np.zeros(1))
    with pytest.raises(TypeError, match="act.*or forward"):
        as_policy(object())


def test_a_forward_policy_drives_an_agent_in_the_event_driven_core():
    from heron.agents.field_agent import FieldAgent
    from heron.envs.adapters import PettingZooParallelEnv
    from heron.scheduling import TickConfig

    class Dev(FieldAgent):
        def set_action(self):
            self.action.set_specs(dim_c=1, range=(-5.0, 5.0))

        def observe(self, gs=None):
            return np.array([1.5])

    class Env(PettingZooParallelEnv):
        pass

    env = Env("forward_env")
    dev = Dev("dev", tick_config=TickConfig.deterministic(1.0), policy=Doubling())
    env.register_agent(dev)
    env.setup_event_driven()
    landed = []
    env.setup_default_handlers(on_action_effect=lambda aid, a: landed.append(float(a[0])))
    env.run_event_driven(2.0)
    assert landed == [3.0, 3.0, 3.0]


@pytest.mark.parametrize("value", [0.5j, [0.5j], np.array([0.1 + 0.2j]), np.complex64(1)])
def test_complex_actions_are_refused(value):
    act = Action().set_specs(1, (-1.0, 1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning-and-truncate path
        with pytest.raises(TypeError, match=r"agent 'bat': action must be real numbers; got the "
                                            r"complex value"):
            act.validate(value, "bat")


def test_string_actions_are_refused_and_real_ones_still_pass():
    act = Action().set_specs(2, (-1.0, 1.0))
    with pytest.raises(TypeError, match="action must be numeric"):
        act.validate(["0.1", "0.2"], "bat")
    np.testing.assert_array_equal(act.validate([0.1, 2.0], "bat"), [0.1, 1.0])  # clipped
    np.testing.assert_array_equal(act.validate(np.array([1, 0], np.int32), "bat"), [1.0, 0.0])


def test_complex_setpoints_are_refused():
    class Coord:
        agent_id = "c"
        subordinates = {"a": None, "b": None}

    proto = SetpointProtocol(1, 0.0, 1.0)
    for cmd in ([0.5, 0.2j], {"a": 0.1j}):
        with pytest.raises(TypeError, match="complex"):
            proto.route(Coord(), cmd, 0.0)
    assert [m.content[0] for m in proto.route(Coord(), [0.5, 0.2], 0.0)] == [0.5, 0.2]
