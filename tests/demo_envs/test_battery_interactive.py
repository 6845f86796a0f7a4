"""The battery fleet's interactive form (Python agents on PettingZooParallelEnv)."""
import numpy as np
import pytest

from heron.demo_envs import battery_fleet
from heron.demo_envs.battery.interactive import BatteryFleetEnv, FleetBattery, FleetCoordinator
from heron.scheduling import JitterType, TickConfig


def hold(value):
    return lambda obs, message=None: np.array([value])


def test_builder_is_attached_and_builds_python_agents():
    env = battery_fleet(3, coordinator=True).interactive_env(seed=1, episode=2)
    assert isinstance(env, BatteryFleetEnv)
    assert env.possible_agents == ["battery_1", "battery_2", "battery_3", "coordinator"]
    assert all(isinstance(env.get_agent(f"battery_{i}"), FleetBattery) for i in (1, 2, 3))
    assert isinstance(env.get_agent("coordinator"), FleetCoordinator)
    assert env.observation_space("battery_1").shape == (2,)  # soc, setpoint
    assert env.observation_space("coordinator").shape == (3,)
    assert env.action_space("coordinator").shape == (3,)


def test_initial_soc_comes_from_the_episode_stream():
    spec = battery_fleet(2)
    a = spec.interactive_env(seed=4, episode=9)
    b = spec.interactive_env(seed=4, episode=0)
    b.reset(seed=4, options={"episode": 9})
    assert a.soc == b.soc
    b.reset(options={"episode": 10})
    assert a.soc != b.soc and all(0.2 <= s <= 0.8 for s in b.soc)


def test_physics_zero_order_hold_and_clipping():
    """Full charge (action 1): SOC rises 0.25/s from the first effect (tick 0 + 0.1 s act delay)
    and saturates at 0.9; the return is the integral of -|0.5 - soc| over [0, 6] s."""
    spec = battery_fleet(1, horizon=6.0)
    env = spec.interactive_env(timing={"field": TickConfig.deterministic(1.0, 0.0, 0.1)},
                               policy=hold(1.0), seed=0, episode=0)
    s0 = env.soc[0]
    env.run()
    t = np.linspace(0.0, 6.0, 600_001)   # trapezoids: exact but for the cells holding a kink
    soc = np.minimum(s0 + 0.25 * np.maximum(t - 0.1, 0.0), 0.9)
    dev = np.abs(0.5 - soc)
    expect = float(np.sum((dev[1:] + dev[:-1]) * 0.5 * np.diff(t)))
    assert env.returns[0] == pytest.approx(-expect, abs=1e-9)
    assert env.soc[0] == pytest.approx(min(s0 + 0.25 * 5.9, 0.9))
    m = env.episode_metrics()["battery_1"]
    assert m["n_ticks"] == 7 and m["n_effects"] == 6  # the tick at 6 s lands after the horizon
    assert m["act_staleness_max"] == pytest.approx(0.1)


def test_delayed_observation_is_the_state_at_t_minus_obs_delay():
    seen = []

    def policy(obs, message=None):
        seen.append(float(obs[0]))
        return np.array([0.2])

    spec = battery_fleet(1, horizon=3.0)
    env = spec.interactive_env(timing={"field": TickConfig.deterministic(1.0, 0.4, 0.1)},
                               policy=policy, seed=0, episode=0)
    s0 = env.soc[0]
    env.run()
    # tick k at k s observes S = k - 0.4; charging (0.05/s) started at 0.1 s
    assert seen[0] == s0
    np.testing.assert_allclose(seen[1:], [s0 + 0.05 * (k - 0.4 - 0.1) for k in (1, 2, 3)],
                               rtol=0, atol=1e-12)


def test_step_api_and_pettingzoo_conformance():
    from pettingzoo.test import parallel_api_test

    env = battery_fleet(2, coordinator=True, horizon=20.0).interactive_env(seed=3)
    parallel_api_test(env, num_cycles=30)
    env = battery_fleet(2, horizon=10.0).interactive_env(seed=3)
    obs, infos = env.reset(seed=3, options={"episode": 1})
    assert set(obs) == {"battery_1", "battery_2"} and obs["battery_1"].dtype == np.float64
    total = 0.0
    for _ in range(10):
        obs, rew, term, trunc, info = env.step({"battery_1": np.array([0.5]),
                                                "battery_2": np.array([-0.5])})
        total += rew["battery_1"]
    assert all(trunc.values()) and env.agents == []
    assert total == pytest.approx(env.returns[0])


def test_step_commands_equal_a_constant_policy():
    spec = battery_fleet(2, horizon=12.0)
    timing = {"field": TickConfig.with_jitter(1.0, 0.2, 0.3, 0.0, JitterType.UNIFORM, 0.2,
                                              seed=5)}
    by_policy = spec.interactive_env(timing=timing, policy=hold(0.3), seed=1, episode=4)
    by_policy.run()
    timing = {"field": TickConfig.with_jitter(1.0, 0.2, 0.3, 0.0, JitterType.UNIFORM, 0.2,
                                              seed=5)}
    by_step = spec.interactive_env(timing=timing, seed=1, episode=4)
    for _ in range(12):
        by_step.step({"battery_1": [0.3], "battery_2": [0.3]})
    np.testing.assert_allclose(by_step.returns, by_policy.returns, atol=1e-12)


def test_bad_arguments_are_named():
    spec = battery_fleet(2)
    with pytest.raises(ValueError, match="seed"):
        spec.interactive_env().reset(seed=-1)
    with pytest.raises(ValueError, match="episode"):
        spec.interactive_env().reset(options={"episode": "x"})
    with pytest.raises(ValueError, match="one entry per agent"):
        spec.interactive_env(policy=[hold(0.0)])
    with pytest.raises(ValueError, match="unknown key"):
        spec.interactive_env(policy={"battery_9": hold(0.0)})
    with pytest.raises(ValueError, match="horizon"):
        spec.interactive_env(horizon=-1.0)
    env = spec.interactive_env(policy=hold(2.0))  # outside [-1, 1]: clipped (actuator limit)
    env.run()
    assert env.get_agent("battery_1").actuator[0] == 1.0


def test_no_reward_clock_events_and_an_unchanged_actuator_changes_nothing():
    """Returns are integrals: no reward-clock events are queued, and a command equal to the
    actuator adds no integration step and no breakpoint (one closed form from t = 0 here)."""
    from heron.scheduling import EventType

    spec = battery_fleet(2, horizon=20.0)
    env = spec.interactive_env(timing={"field": TickConfig.deterministic(1.0, 0.3, 0.1)},
                               policy=hold(0.0), seed=2, episode=5)
    assert {ev.event_type for ev in env.scheduler.pending_events()} == {EventType.AGENT_TICK}
    s0 = list(env.soc)
    env.run()
    assert env.soc == s0 and all(len(h) == 1 for h in env._hist)  # initial snapshots only
    assert env.returns == [-abs(0.5 - s) * 20.0 for s in s0]  # one step: exactly
    env.schedule_env_update(20.0, {"someone": "else"})  # not the fleet's: ignored
    assert env.run_event_driven(20.0) == 1 and env.soc == s0
    charging = spec.interactive_env(timing={"field": TickConfig.deterministic(1.0, 0.3, 0.1)},
                                    policy=hold(0.2), seed=2, episode=5)
    charging.run()
    assert [len(h) for h in charging._hist] == [2, 2]  # the first effect only: 0 -> 0.2
    assert charging.episode_metrics()["battery_1"]["n_effects"] == 20
