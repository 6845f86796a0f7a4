"""TickConfig: the reference's spellings (``ScheduleConfig``, ``seed(n)``, ``rng=``, the default
jitter ratio, ``next_*``) next to heron's (issue 13 item 1), and the refusals of issue 12."""
import copy
import math
import pickle
import warnings

import numpy as np
import pytest

from heron.scheduling import (
    DEFAULT_COORDINATOR_AGENT_TICK_CONFIG, DEFAULT_FIELD_AGENT_SCHEDULE_CONFIG, ScheduleConfig,
)
from heron.scheduling.tick_config import JitterType, TickConfig

TUTORIAL = [(1.030, 0.090, 0.215), (1.094, 0.080, 0.174), (1.013, 0.097, 0.200),
            (0.915, 0.109, 0.216), (1.007, 0.111, 0.209)]


def samples(cfg, n=5):
    return [(round(cfg.get_tick_interval(), 3), round(cfg.get_obs_delay(), 3),
             round(cfg.get_act_delay(), 3)) for _ in range(n)]


def test_schedule_config_is_tick_config():
    assert ScheduleConfig is TickConfig
    cfg = ScheduleConfig.with_jitter(tick_interval=1.0, obs_delay=0.1, act_delay=0.2,
                                     msg_delay=0.05, jitter_type=JitterType.GAUSSIAN,
                                     jitter_ratio=0.1, seed=42)
    assert samples(cfg) == TUTORIAL
    assert DEFAULT_FIELD_AGENT_SCHEDULE_CONFIG.tick_interval == 1.0
    assert DEFAULT_COORDINATOR_AGENT_TICK_CONFIG.tick_interval == 60.0


def test_seed_method_reseeds_like_the_reference():
    cfg = TickConfig(tick_interval=1.0, obs_delay=0.1, act_delay=0.2, msg_delay=0.05,
                     jitter_type=JitterType.GAUSSIAN, jitter_ratio=0.1)
    assert cfg.seed == None  # noqa: E711 - unseeded reads as None
    assert not cfg.seed and repr(cfg.seed) == "None"
    cfg.seed(42)
    assert cfg.seed == 42 and samples(cfg) == TUTORIAL
    cfg.seed(42)  # reseeding restarts the samples
    assert samples(cfg) == TUTORIAL


def test_seed_property_still_reads_as_an_int():
    cfg = TickConfig.with_jitter(seed=7)
    s = cfg.seed
    assert s == 7 and isinstance(s, int) and int(s) == 7 and hash(s) == hash(7)
    assert f"{s}" == "7" and repr(s) == "7" and {s: 1}[7] == 1
    np.random.default_rng(cfg.seed)  # usable as a seed
    assert pickle.loads(pickle.dumps(s)) == 7 and type(copy.deepcopy(s)) is int
    assert cfg.to_dict()["seed"] == 7 and type(cfg.to_dict()["seed"]) is int
    cfg.seed(9)
    assert cfg.seed == 9 and cfg.to_dict()["seed"] == 9


def test_reseeding_reaches_a_scheduler_already_holding_the_config():
    from heron.scheduling import EventScheduler, EventType

    def run(reseed_first):
        cfg = TickConfig.with_jitter(1.0, jitter_type="UNIFORM", jitter_ratio=0.3, seed=1)
        s = EventScheduler()
        s.register_agent("a", cfg)
        if reseed_first:
            cfg.seed(5)
        log = []
        s.set_handler(EventType.AGENT_TICK, lambda ev, sch: log.append(ev.timestamp))
        s.run_until(10.0)
        return log
    fresh = TickConfig.with_jitter(1.0, jitter_type="UNIFORM", jitter_ratio=0.3, seed=5)
    t, expected = 0.0, []
    while t <= 10.0:
        expected.append(t)
        t += fresh.get_tick_interval()
    assert run(True) == expected != run(False)


def test_rng_argument():
    a = TickConfig(1.0, 0.1, jitter_type="GAUSSIAN", rng=np.random.default_rng(3))
    b = TickConfig(1.0, 0.1, jitter_type="GAUSSIAN", seed=3)
    assert samples(a, 20) == samples(b, 20)
    assert a.rng is not None and a.seed == None  # noqa: E711
    gen = np.random.default_rng(4)
    c = TickConfig(1.0, 0.0, 0.0, 0.0, "UNIFORM", 0.1, 0.0, gen)  # the reference's 8th positional
    assert c.rng is gen
    with pytest.raises(ValueError, match="seed= or rng=, not both"):
        TickConfig(seed=1, rng=np.random.default_rng(1))
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        TickConfig(rng=42)


def test_jitter_ratio_defaults_to_ten_percent_with_a_jitter_type():
    assert TickConfig(jitter_type=JitterType.GAUSSIAN).jitter_ratio == 0.1
    assert TickConfig(jitter_type="uniform").jitter_code != 0  # really jittered
    assert TickConfig().jitter_ratio == 0.0 and TickConfig().jitter_code == 0
    assert TickConfig.with_jitter().jitter_ratio == 0.1
    assert TickConfig(jitter_type="GAUSSIAN", jitter_ratio=0.0).jitter_code == 0


def test_next_methods_are_the_get_methods():
    a = TickConfig.with_jitter(1.0, 0.1, 0.2, 0.3, "LOGNORMAL", 0.3, seed=2)
    b = TickConfig.with_jitter(1.0, 0.1, 0.2, 0.3, "LOGNORMAL", 0.3, seed=2)
    for _ in range(10):
        assert (a.next_tick_interval(), a.next_obs_delay(), a.next_act_delay(),
                a.next_msg_delay()) == (b.get_tick_interval(), b.get_obs_delay(),
                                        b.get_act_delay(), b.get_msg_delay())


def test_with_jitter_none_and_a_ratio_is_refused_not_silently_dropped():
    with pytest.raises(ValueError, match=r"jitter_type=NONE, jitter_ratio=0.5.*ignored"):
        TickConfig.with_jitter(jitter_type=JitterType.NONE, jitter_ratio=0.5)
    assert TickConfig.with_jitter(jitter_type="NONE").jitter_code == 0  # no ratio asked: fine
    assert TickConfig.with_jitter(jitter_type="NONE", jitter_ratio=0.0).jitter_code == 0


@pytest.mark.parametrize("kwargs, match", [
    ({"tick_interval": 1e308}, r"tick_interval must be at most 1e\+09 seconds"),
    ({"obs_delay": 1e300}, r"obs_delay must be at most 1e\+09 seconds"),
    ({"jitter_ratio": 1e200}, r"jitter_ratio must be at most 100 \(a ratio"),
    ({"jitter_ratio": math.inf}, "jitter_ratio must be finite"),
    ({"tick_interval": True}, "tick_interval must be a number of seconds; got True"),
    ({"seed": True}, "seed must be a non-negative int"),
])
def test_absurd_values_are_refused(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        TickConfig(**kwargs)


def test_the_jitter_ratio_is_never_called_seconds():
    for bad in (-0.5, "0.1", 1e9):
        with pytest.raises((ValueError, TypeError)) as info:
            TickConfig(jitter_type="GAUSSIAN", jitter_ratio=bad)
        assert "second" not in str(info.value) and "ratio" in str(info.value)


def test_tick_intervals_below_one_millisecond_warn_and_are_floored():
    with pytest.warns(UserWarning, match="below the 0.001 s floor"):
        cfg = TickConfig.deterministic(tick_interval=1e-300)
    assert cfg.get_tick_interval() == 0.001
    with pytest.warns(UserWarning):
        jit = TickConfig.with_jitter(tick_interval=1e-5, jitter_type="UNIFORM", seed=0)
    assert min(jit.get_tick_interval() for _ in range(100)) == 0.001
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TickConfig(tick_interval=0.001)
