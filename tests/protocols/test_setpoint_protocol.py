"""SetpointProtocol: command forms, order, validation."""
import numpy as np
import pytest

from heron.agents.coordinator_agent import CoordinatorAgent
from heron.agents.field_agent import FieldAgent
from heron.protocols.base import Message, Protocol
from heron.protocols.vertical import SetpointProtocol


def _coord(protocol=None):
    return CoordinatorAgent("mg", subordinates=[FieldAgent("a"), FieldAgent("b"),
                                                FieldAgent("c")], protocol=protocol)


def test_array_commands_follow_subordinate_order():
    c = _coord()
    for cmd in ([1.0, 2.0, 3.0], np.array([[1.0], [2.0], [3.0]])):
        msgs = c.route(cmd, 5.0)
        assert [m.recipient for m in msgs] == ["a", "b", "c"]
        assert [float(m.content[0]) for m in msgs] == [1.0, 2.0, 3.0]
        assert all(m.sender == "mg" and m.sent_at == 5.0 and m.delivered_at is None
                   for m in msgs)


def test_dict_commands_address_a_subset_in_subordinate_order():
    msgs = _coord().route({"c": 0.3, "a": 0.1}, 0.0)
    assert [m.recipient for m in msgs] == ["a", "c"]


def test_clipping_and_multi_dim_setpoints():
    c = _coord(SetpointProtocol(setpoint_dim=2, low=0.0, high=1.0))
    msgs = c.route(np.arange(6.0) - 1.0, 0.0)
    np.testing.assert_array_equal(msgs[0].content, [0.0, 0.0])
    np.testing.assert_array_equal(msgs[2].content, [1.0, 1.0])
    assert c.action_space.shape == (6,)


def test_bad_commands_raise_clear_errors():
    c = _coord()
    with pytest.raises(ValueError, match=r"unknown subordinate\(s\) \['z'\]"):
        c.route({"z": 1.0}, 0.0)
    with pytest.raises(ValueError, match=r"shape \(3, 1\).*got shape \(2,\)"):
        c.route([1.0, 2.0], 0.0)
    with pytest.raises(ValueError, match="'b' must be finite"):
        c.route([1.0, np.nan, 2.0], 0.0)
    with pytest.raises(ValueError, match="setpoint_dim"):
        SetpointProtocol(setpoint_dim=0)
    with pytest.raises(ValueError, match="low must be <= high"):
        SetpointProtocol(low=1.0, high=0.0)
    with pytest.raises(NotImplementedError):
        Protocol().route(c, 1.0, 0.0)
    assert isinstance(Message("a", "b", 1, 0.0), Message)
