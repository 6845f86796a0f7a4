"""``StreamTickConfig``: a seeded episode's timing is the batch engine's schedule for the same
``(seed, episode, agent)``, sample for sample (issue 13 item 3)."""
import numpy as np
import pytest

from heron.batch.schedule import build_schedule
from heron.demo_envs import battery_fleet
from heron.scheduling import EventScheduler, EventType, JitterType, TickConfig
from heron.scheduling.streams import StreamTickConfig


@pytest.mark.parametrize("jt", [JitterType.UNIFORM, JitterType.GAUSSIAN, JitterType.LOGNORMAL])
def test_samples_equal_the_batch_schedule(jt):
    spec = battery_fleet(2, horizon=400.0)
    base = TickConfig.with_jitter(1.0, 0.2, 0.3, 0.1, jt, 0.4, min_delay=0.02)
    sch = build_schedule(spec, {"field": base}, n_episodes=1, seed=9, episode_start=4)
    ticks = sch.sched[0, sch.offsets[1]:sch.offsets[2]]  # agent 1 (battery_2)
    cfg = StreamTickConfig(base, seed=9, episode=4, agent_index=1)
    got = []
    for _ in range(len(ticks)):  # delays of tick k, then its interval (the core's order)
        got.append((cfg.get_obs_delay(), cfg.get_act_delay(), cfg.get_msg_delay(),
                    cfg.get_obs_delay(), cfg.get_tick_interval()))
    got = np.array(got)
    np.testing.assert_array_equal(got[:, 0], ticks["obs"])
    np.testing.assert_array_equal(got[:, 3], ticks["obs"])  # the same sample of tick k
    np.testing.assert_array_equal(got[:, 1], ticks["act"])
    np.testing.assert_array_equal(got[:, 2], ticks["msg"])
    np.testing.assert_array_equal(got[:, 4], ticks["interval"])
    assert len(ticks) > 300  # several sample blocks
    cfg.rewind()
    assert cfg.tick_index == 0 and cfg.get_tick_interval() == ticks["interval"][0]


def test_ticks_on_a_scheduler_are_the_schedules_tick_times():
    spec = battery_fleet(1, horizon=100.0)
    base = TickConfig.with_jitter(1.0, jitter_type="GAUSSIAN", jitter_ratio=0.3)
    sch = build_schedule(spec, {"field": base}, n_episodes=1, seed=2, episode_start=0)
    want = sch.sched[0, :int(sch.n_ticks[0, 0])]["t"]
    s = EventScheduler()
    s.register_agent("battery_1", StreamTickConfig(base, seed=2, episode=0, agent_index=0))
    log = []
    s.set_handler(EventType.AGENT_TICK, lambda ev, sched: log.append(ev.timestamp))
    s.run_until(100.0)
    np.testing.assert_array_equal(log, want)


def test_properties_are_the_bases_and_reseeding_is_refused():
    base = TickConfig.with_jitter(2.0, 0.1, 0.2, 0.3, "UNIFORM", 0.2, seed=1)
    cfg = StreamTickConfig(base, seed=1, episode=0, agent_index=0)
    assert cfg == base and cfg.base is base and cfg.stream == (1, 0, 0)
    assert (cfg.tick_interval, cfg.jitter_code) == (2.0, base.jitter_code)
    with pytest.raises(TypeError, match="reseed the env"):
        cfg.seed(3)
