"""Features, states, actions and the policy protocol."""
from dataclasses import dataclass

import numpy as np
import pytest

from heron.core.action import Action
from heron.core.feature import FeatureProvider
from heron.core.policies import ConstantPolicy, Policy, SetpointTrackingPolicy, as_policy
from heron.core.state import FieldAgentState, State
from heron.protocols.base import Message


@dataclass
class Temp(FeatureProvider):
    visibility = ["owner"]
    t: float = 20.0
    band: tuple = (1.0, 2.0)


@dataclass
class Soc(FeatureProvider):
    visibility = ["owner", "upper_level"]
    soc: float = 0.5


def test_feature_defaults_from_dataclass_fields():
    f = Temp()
    assert f.vector().dtype == np.float32
    np.testing.assert_array_equal(f.vector(), np.array([20.0, 1.0, 2.0], np.float32))
    assert f.names() == ["t", "band[0]", "band[1]"]
    assert Temp.from_dict(f.to_dict()) == f
    f.set_values(t=25.0)
    assert f.t == 25.0
    with pytest.raises(TypeError, match="unknown field 'x'"):
        f.set_values(x=1)
    assert f.dim == 3
    assert "visibility" not in f.to_dict()  # a class attribute, not a field


def test_feature_visibility_rule():
    assert Soc().is_visible_to("upper_level") and Soc().is_visible_to("owner")
    assert not Temp().is_visible_to("upper_level")
    with pytest.raises(ValueError, match="level must be one of"):
        Temp().is_visible_to("boss")


def test_feature_without_dataclass_names_the_fix():
    class Bare(FeatureProvider):
        pass

    with pytest.raises(TypeError, match="not a dataclass"):
        Bare().vector()


def test_state_vector_concatenates_float32_in_order():
    s = FieldAgentState()
    s.features.append(Soc(0.25))
    s.features.append(Temp(30.0))
    v = s.vector()
    assert v.dtype == np.float32
    np.testing.assert_array_equal(v, np.array([0.25, 30.0, 1.0, 2.0], np.float32))
    np.testing.assert_array_equal(s.vector_for("upper_level"), np.array([0.25], np.float32))
    assert s.names()[0] == "Soc.soc" and len(s) == 4
    assert s.feature(Temp).t == 30.0
    assert State().vector().shape == (0,)
    s.features.append("not a feature")
    with pytest.raises(TypeError, match=r"features\[2\]"):
        s.vector()


def test_action_specs_and_space():
    a = Action().set_specs(dim_c=2, range=(np.array([-1.0, 0.0]), 2.0))
    sp = a.space()
    assert sp.shape == (2,) and sp.dtype == np.float32
    np.testing.assert_array_equal(a.neutral(), [0.0, 0.0])
    b = Action().set_specs(dim_c=1, range=(0.5, 1.0))
    np.testing.assert_array_equal(b.neutral(), [0.5])  # 0 clipped into the range
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="dim_c must be a positive int"):
            Action().set_specs(dim_c=bad, range=(0, 1))
    with pytest.raises(ValueError, match="low must be <= high"):
        Action().set_specs(dim_c=1, range=(1.0, 0.0))
    with pytest.raises(ValueError, match=r"shape \(1,\)"):
        Action().set_specs(dim_c=1, range=([0.0, 1.0], 2.0))
    with pytest.raises(ValueError, match="no specs yet"):
        Action().space()


def test_action_validate_shape_nan_range_messages():
    a = Action().set_specs(dim_c=1, range=(np.array([-1.0]), np.array([1.0])))
    np.testing.assert_array_equal(a.validate(0.5), [0.5])
    np.testing.assert_array_equal(a.validate([3.0]), [1.0])  # saturates
    with pytest.raises(ValueError) as e:
        a.validate(np.array([0.1, 0.2]), "battery_1")
    msg = str(e.value)
    assert "'battery_1'" in msg and "shape (1,)" in msg and "[-1.]" in msg and "0.2" in msg
    with pytest.raises(ValueError, match=r"'b2'.*finite.*nan"):
        a.validate([np.nan], "b2")
    with pytest.raises(TypeError, match="numeric"):
        a.validate("high", "b3")
    strict = Action().set_specs(dim_c=1, range=(-1.0, 1.0), out_of_range="raise")
    with pytest.raises(ValueError, match="within"):
        strict.validate([1.5], "b4")
    np.testing.assert_array_equal(a.set([0.25]), a.c)


def test_as_policy_calls_the_way_declared():
    obs = np.array([0.4], np.float32)
    msg = Message("coord", "b", np.array([0.7]), 0.0)
    seen = []
    one = as_policy(lambda o: seen.append(("one", o[0])) or np.array([1.0]))
    np.testing.assert_array_equal(one(obs, msg), [1.0])
    two = as_policy(lambda o, m: seen.append(("two", m)) or None)
    assert two(obs, msg) is None and seen[-1] == ("two", msg)

    def kw(o, *, message=None):
        seen.append(("kw", message))
        return o

    as_policy(kw)(obs, msg)
    assert seen[-1] == ("kw", msg)
    assert as_policy(None) is None
    with pytest.raises(TypeError, match="policy must be callable"):
        as_policy(42)

    class Obj:  # duck-typed object with act(observation)
        def act(self, o):
            return o * 2

    np.testing.assert_array_equal(as_policy(Obj())(obs, msg), obs * 2)


def test_policy_classes():
    np.testing.assert_array_equal(ConstantPolicy([0.3]).act(None), [0.3])
    p = SetpointTrackingPolicy(gain=2.0, default_setpoint=0.5)
    np.testing.assert_allclose(p.act(np.array([0.4])), [0.2])
    np.testing.assert_allclose(p.act(np.array([0.4]), Message("c", "b", np.array([0.9]), 0.0)),
                               [1.0])
    with pytest.raises(NotImplementedError, match="act"):
        Policy().act(np.zeros(1))


def test_varargs_callable_gets_the_observation_only():
    class Module:  # like torch.nn.Module: __call__(*args, **kwargs) -> forward(x)
        def __call__(self, *args, **kwargs):
            assert len(args) == 1 and not kwargs
            return args[0] + 1

    np.testing.assert_array_equal(as_policy(Module())(np.zeros(1), "msg"), [1.0])
