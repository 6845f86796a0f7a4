"""TickConfig: the tutorial's numbers, the jitter transform, floors, and input validation."""
import math

import numpy as np
import pytest

from heron._fast.jitter import jitter_sample
from heron.scheduling.tick_config import JitterType, TickConfig


def test_reproduces_the_tutorials_printed_samples():
    cfg = TickConfig.with_jitter(tick_interval=1.0, obs_delay=0.1, act_delay=0.2, msg_delay=0.05,
                                 jitter_type=JitterType.GAUSSIAN, jitter_ratio=0.1, seed=42)
    got = [(round(cfg.get_tick_interval(), 3), round(cfg.get_obs_delay(), 3),
            round(cfg.get_act_delay(), 3)) for _ in range(5)]
    assert got == [(1.030, 0.090, 0.215), (1.094, 0.080, 0.174), (1.013, 0.097, 0.200),
                   (0.915, 0.109, 0.216), (1.007, 0.111, 0.209)]


@pytest.mark.parametrize("jt", [JitterType.UNIFORM, JitterType.GAUSSIAN, JitterType.LOGNORMAL])
def test_samples_are_the_jitter_transform_of_the_generator_in_call_order(jt):
    cfg = TickConfig.with_jitter(tick_interval=2.0, obs_delay=0.3, act_delay=0.0, msg_delay=0.7,
                                 jitter_type=jt, jitter_ratio=0.25, seed=7)
    rng = np.random.default_rng(7)
    draw = rng.random if jt is JitterType.UNIFORM else rng.standard_normal
    for _ in range(700):  # crosses the 512-variate block boundary
        assert cfg.get_act_delay() == 0.0  # base 0: exactly 0, nothing drawn
        expect_i = max(jitter_sample(2.0, jt.code, 0.25, draw()), 0.001)
        assert cfg.get_tick_interval() == expect_i
        assert cfg.get_obs_delay() == max(jitter_sample(0.3, jt.code, 0.25, draw()), 0.0)
        assert cfg.get_msg_delay() == max(jitter_sample(0.7, jt.code, 0.25, draw()), 0.0)


def test_deterministic_draws_nothing_and_returns_bases():
    cfg = TickConfig.deterministic(tick_interval=0.5, obs_delay=0.1, act_delay=0.2, msg_delay=0.3)
    assert [cfg.get_tick_interval(), cfg.get_obs_delay(), cfg.get_act_delay(),
            cfg.get_msg_delay()] == [0.5, 0.1, 0.2, 0.3]
    assert cfg.jitter_code == 0


def test_lognormal_has_the_requested_mean_and_std():
    cfg = TickConfig.with_jitter(tick_interval=60.0, obs_delay=2.0, jitter_type="LOGNORMAL",
                                 jitter_ratio=0.4, seed=1)
    x = np.array([cfg.get_obs_delay() for _ in range(40000)])
    assert x.min() > 0
    assert abs(x.mean() - 2.0) < 0.02 and abs(x.std() - 0.8) < 0.02


def test_floors_hold_under_wide_jitter():
    cfg = TickConfig.with_jitter(tick_interval=0.01, obs_delay=0.05, jitter_type="gaussian",
                                 jitter_ratio=3.0, seed=3, min_delay=0.02)
    ticks = [cfg.get_tick_interval() for _ in range(2000)]
    delays = [cfg.get_obs_delay() for _ in range(2000)]
    assert min(ticks) == 0.001 and min(delays) == 0.02


def test_jitter_type_accepts_names_and_codes():
    assert JitterType.parse("uniform") is JitterType.UNIFORM
    assert JitterType.parse(2) is JitterType.GAUSSIAN
    assert TickConfig(jitter_type="LOGNORMAL", jitter_ratio=0.1).jitter_type is JitterType.LOGNORMAL


@pytest.mark.parametrize("kwargs, match", [
    ({"tick_interval": 0.0}, "tick_interval must be > 0 seconds; got 0.0"),
    ({"tick_interval": -1.0}, "tick_interval must be > 0"),
    ({"tick_interval": math.inf}, "tick_interval must be finite"),
    ({"tick_interval": math.nan}, "tick_interval must be finite"),
    ({"obs_delay": -0.1}, "obs_delay must be >= 0 seconds; got -0.1"),
    ({"act_delay": math.nan}, "act_delay must be finite; got nan"),
    ({"msg_delay": math.inf}, "msg_delay must be finite"),
    ({"jitter_ratio": -0.2}, "jitter_ratio must be >= 0"),
    ({"jitter_type": "PARETO"}, "jitter_type must be one of NONE, UNIFORM, GAUSSIAN, LOGNORMAL"),
    ({"seed": -3}, "seed must be a non-negative int"),
])
def test_bad_values_are_rejected_with_the_field_and_value(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TickConfig(**kwargs)


def test_non_numbers_are_type_errors():
    with pytest.raises(TypeError, match="obs_delay must be a number of seconds; got '0.1'"):
        TickConfig(obs_delay="0.1")


def test_replace_and_dict_round_trip():
    cfg = TickConfig.with_jitter(tick_interval=1.0, obs_delay=0.1, jitter_type="uniform",
                                 jitter_ratio=0.2, seed=5)
    assert TickConfig(**cfg.to_dict()) == cfg
    assert cfg.replace(obs_delay=0.3).obs_delay == 0.3
    with pytest.raises(TypeError, match="unknown field"):
        cfg.replace(delay=1)
    with pytest.raises(ValueError, match="obs_delay must be >= 0"):
        cfg.replace(obs_delay=-1)
