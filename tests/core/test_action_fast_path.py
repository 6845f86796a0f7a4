"""``Action.validate``'s fast path (one float64 entry) behaves exactly like the general path."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heron.core.action import Action


def general(action, value):
    """The general path: a list input never takes the fast path."""
    return action.validate([float(np.asarray(value).reshape(-1)[0])], "a")


@settings(max_examples=60, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["clip", "raise"]),
       st.sampled_from([(-1.0, 1.0), (-np.inf, np.inf), (0.0, 0.0)]))
def test_fast_path_equals_general_path(x, mode, bounds):
    action = Action().set_specs(1, bounds, out_of_range=mode)
    value = np.array([x])
    try:
        expected = general(action, value)
    except ValueError as exc:
        with pytest.raises(ValueError, match="agent 'a'"):
            action.validate(value, "a")
        assert "agent 'a'" in str(exc)
        return
    got = action.validate(value, "a")
    np.testing.assert_array_equal(got, expected)
    assert got is not value and got.dtype == np.float64  # always a new array


def test_fast_path_follows_new_specs_and_copies():
    action = Action().set_specs(1, (-1.0, 1.0))
    buf = np.array([0.5])
    out = action.validate(buf)
    buf[0] = 0.9
    assert out[0] == 0.5  # the caller's buffer may be reused
    action.set_specs(1, (0.0, 0.2))  # new bounds: the cached ones are dropped
    assert action.validate(np.array([0.5]))[0] == 0.2
    n1 = action.neutral()
    n1[0] = 7.0
    assert action.neutral()[0] == 0.0  # neutral() returns a new array each time


def test_fast_path_only_serves_one_entry_actions():
    action = Action().set_specs(2, (-1.0, 1.0))
    with pytest.raises(ValueError, match=r"agent 'a'.*shape \(2,\).*got shape \(1,\)"):
        action.validate(np.array([0.5]), "a")  # a (1,) float64 array: not the fast path
    np.testing.assert_array_equal(action.validate(np.array([0.5, 2.0]), "a"), [0.5, 1.0])
    action.set_specs(1, (-1.0, 1.0))
    assert action.validate(np.array([0.5]))[0] == 0.5
