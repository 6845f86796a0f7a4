"""``run_interactive``: argument checks, action checks, replay configs, statistics."""
import numpy as np
import pytest

from heron.batch import build_schedule
from heron.batch.interactive import ReplayTickConfig, run_interactive
from heron.batch.policies import BatchedPolicy, linear, per_observation
from heron.demo_envs import battery_fleet
from heron.scheduling import JitterType, TickConfig

ENV = battery_fleet(2, horizon=10.0)
TIMING = {"field": TickConfig.with_jitter(1.0, 0.05, 0.1, 0.0, JitterType.GAUSSIAN, 0.1)}


def test_arguments_are_checked():
    with pytest.raises(TypeError, match="BatchEnv"):
        run_interactive("battery", "simple", n_episodes=1, seed=0)
    with pytest.raises(ValueError, match="n_episodes"):
        run_interactive(ENV, "simple", n_episodes=0, seed=0)
    with pytest.raises(TypeError, match="chunk_size"):
        run_interactive(ENV, "simple", n_episodes=1, seed=0, chunk_size=1.5)
    with pytest.raises(ValueError, match="unknown policy name"):
        run_interactive(ENV, "nope", n_episodes=1, seed=0)


def test_bad_actions_name_the_agent_and_the_episode():
    wide = BatchedPolicy(lambda obs: np.full((obs.shape[0], 1), 3.0), name="wide")
    with pytest.raises(ValueError, match=r"outside the range.*battery_1.*episode 5"):
        run_interactive(ENV, wide, timing=TIMING, n_episodes=2, seed=0, episode_start=5)
    nan = per_observation(lambda obs: [np.nan], name="nan")
    with pytest.raises(ValueError, match="non-finite.*battery_1"):
        run_interactive(ENV, nan, timing=TIMING, n_episodes=1, seed=0)
    shape = BatchedPolicy(lambda obs: np.zeros((obs.shape[0], 2)), name="two")
    with pytest.raises(ValueError, match=r"shape \(1, 2\).*expected \(1, 1\)"):
        run_interactive(ENV, shape, timing=TIMING, n_episodes=1, seed=0)
    too_big = linear([[0.0]], [5.0], name="lin")
    with pytest.raises(ValueError, match=r"compiled policy 'lin' of agent 'battery_1' "
                                         r"produced action\[0\] = 5.0 outside"):
        run_interactive(ENV, too_big, timing=TIMING, n_episodes=1, seed=0)


def test_replay_config_returns_the_schedule_and_continues_past_it():
    sch = build_schedule(ENV, TIMING, n_episodes=2, seed=3)
    base = sch.tick_config(1, 0)
    rc = ReplayTickConfig(base, sch.ticks(1, 0)[:3], seed=3, episode=1, agent_index=0)
    ticks = sch.ticks(1, 0)
    for k in range(5):  # 3 stored, then computed from the same counter-based stream
        assert rc.get_obs_delay() == pytest.approx(ticks["obs"][k], abs=0)
        assert rc.get_act_delay() == pytest.approx(ticks["act"][k], abs=0)
        assert rc.get_tick_interval() == pytest.approx(ticks["interval"][k], abs=0)
    rc.load(sch.ticks(0, 0), 0)
    assert rc.tick_index == 0 and rc.get_tick_interval() == sch.ticks(0, 0)["interval"][0]


def test_stats_and_config():
    res = run_interactive(ENV, "simple", timing=TIMING, n_episodes=3, seed=1)
    assert res.stats["n_episodes"] == 3 and res.stats["threads"] == 1
    assert res.stats["events"] > 3 * 2 * 10  # ticks and effects
    assert res.config["engine"] == "interactive"
    assert len(res.episodes) == 6 and list(res.episodes["episode"]) == [0, 0, 1, 1, 2, 2]
