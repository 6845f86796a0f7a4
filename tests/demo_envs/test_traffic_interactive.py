"""The traffic corridor's interactive form (Python agents on the event-driven core): the batch
and interactive engines agree on the same schedules (returns and metrics to 1e-9, counts
exactly), with alarms, out-of-cycle ticks and bursts; delayed observations are the closed-form
state at ``S``; PettingZoo's parallel API, seed and AEC API tests pass."""
import warnings

import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test
from pettingzoo.utils import parallel_to_aec

from heron.batch import build_schedule, evaluate
from heron.batch.arguments import resolve_policies
from heron.batch.interactive import PerObservationPolicy, _Episode, run_interactive
from heron.batch.policies import BatchedPolicy
from heron.demo_envs import traffic_corridor
from heron.demo_envs.traffic.agents import CorridorCoordinator, SignalController
from heron.demo_envs.traffic.interactive import TrafficCorridorEnv
from heron.scheduling import JitterType, TickConfig

COUNTS = ("n_ticks", "n_effects", "n_messages")
FLOATS = ("return", "obs_staleness_mean", "obs_staleness_max", "act_staleness_mean",
          "act_staleness_max", "main_delay_veh_s", "side_delay_veh_s", "throughput_veh",
          "phase_changes")


def balance_numpy(obs):
    """The queue-balancing rule (margin 6 veh, equal weights) on a batch, in NumPy."""
    qm, qs, phase = obs[:, 0], obs[:, 1], obs[:, 2]
    serving_main = (phase == 0.0) | (phase == 3.0)
    keep_main = serving_main & ~(qs > qm + 6.0)
    to_main = ~serving_main & (qm > qs + 6.0)
    return (keep_main | to_main).astype(float)[:, None]


CASES = {
    # name: (env kwargs, timing, policy, n_episodes)
    "ntcip-default": (dict(n_intersections=3), None, None, 4),
    "alarms-and-bursts": (dict(n_intersections=3, spillback_queue=8.0, disturbance_mean=10.0),
                          {"coordinator": TickConfig.with_jitter(2.0, 0.3, 0.0, 0.4,
                                                                 JitterType.GAUSSIAN, 0.3)},
                          None, 4),
    # signals alone, delays longer than the 100 ms tick, a NumPy policy
    "alone-lognormal-long-delays-numpy": (
        dict(n_intersections=2, coordinator=False),
        {"field": TickConfig.with_jitter(0.1, 0.3, 0.6, 0.0, JitterType.LOGNORMAL, 0.5)},
        BatchedPolicy(balance_numpy, name="balance_numpy"), 3),
    # no jitter: observation samples coincide with ticks and effects (ties)
    "deterministic-ties": (dict(n_intersections=3),
                           {"field": TickConfig.deterministic(0.1, 0.1, 0.2, 0.1),
                            "coordinator": TickConfig.deterministic(1.0, 0.1, 0.0, 0.2)},
                           None, 3),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_batch_and_interactive_engines_agree(name):
    kwargs, timing, policy, n = CASES[name]
    env = traffic_corridor(horizon=60.0, **kwargs)
    kw = dict(timing=timing, n_episodes=n, seed=7, episode_start=3, as_arrays=True)
    batch = evaluate(env, policy, **kw).arrays
    inter = run_interactive(env, policy, **kw)
    assert inter.stats["engine"] == "interactive" and inter.stats["events"] > 0
    a = inter.arrays
    for k in ("seed", "episode", "agent", "agent_index", "agent_class") + COUNTS:
        np.testing.assert_array_equal(a[k], batch[k], err_msg=k)
    for k in FLOATS:
        np.testing.assert_allclose(a[k], batch[k], rtol=0, atol=1e-9, err_msg=k)
    signals = a["agent_class"] == "field"
    assert a["phase_changes"][signals].sum() > 0             # the signals really cycled
    assert (a["return"] < 0).all()
    if name == "alarms-and-bursts":
        assert a["n_messages"][signals].sum() > 0            # spillback alarms reached it
        ienv = env.interactive_env(timing=timing, policy=adapters(env), seed=7, episode=3)
        ienv.trace = []
        ienv.run()
        kinds = [(x["kind"], x.get("tick", 0) < 0) for x in ienv.trace]
        assert kinds.count(("alarm", False)) > 0 and kinds.count(("tick", True)) > 0
        assert kinds.count(("disturbance", False)) > 0


def adapters(env):
    """The env's default policies as interactive agents' ``policy(observation, message)``."""
    return [PerObservationPolicy(p, a, env.msg_init, _Episode(), i)
            for i, (p, a) in enumerate(zip(resolve_policies(env, None), env.agents))]


def test_bursts_arrive_at_the_batch_engines_times():
    """The interactive env's disturbances (DisturbanceSchedule.poisson) add the spec's bursts:
    with bursts the side-street delay grows, and it is the batch engine's either way."""
    kw = dict(n_episodes=2, seed=2, as_arrays=True)
    calm = traffic_corridor(2, horizon=60.0)
    busy = traffic_corridor(2, horizon=60.0, disturbance_mean=5.0, burst_size=30.0)
    ienv = busy.interactive_env(policy=None)
    ienv.trace = []
    ienv.reset(seed=2, options={"episode": 0})
    ienv.run_event_driven(60.0)
    assert len([x for x in ienv.trace if x["kind"] == "disturbance"]) >= 3
    a = run_interactive(calm, None, **kw).arrays
    b = run_interactive(busy, None, **kw).arrays
    assert b["side_delay_veh_s"].sum() > a["side_delay_veh_s"].sum()
    np.testing.assert_allclose(b["side_delay_veh_s"],
                               evaluate(busy, None, **kw).arrays["side_delay_veh_s"],
                               rtol=0, atol=1e-9)


def test_replaying_a_batch_schedule_with_scheduled_tick_configs():
    env = traffic_corridor(3, horizon=40.0, spillback_queue=8.0)
    batch = evaluate(env, None, n_episodes=1, seed=5, episode_start=2, as_arrays=True).arrays
    sch = build_schedule(env, None, n_episodes=1, seed=5, episode_start=2)
    ienv = env.interactive_env(timing=sch.tick_configs(2), policy=adapters(env), seed=5,
                               episode=2)
    ienv.run()
    got = ienv.episode_metrics()
    for i, aid in enumerate(env.agent_ids):
        for k in COUNTS:
            assert got[aid][k] == batch[k][i], (aid, k)
        for k in ("return", "main_delay_veh_s", "throughput_veh", "phase_changes"):
            assert got[aid][k] == pytest.approx(batch[k][i], abs=1e-9), (aid, k)


def test_builder_is_attached_and_builds_python_agents():
    env = traffic_corridor(3).interactive_env(seed=1, episode=2)
    assert isinstance(env, TrafficCorridorEnv)
    assert env.possible_agents == ["signal_1", "signal_2", "signal_3", "coordinator"]
    assert all(isinstance(env.get_agent(f"signal_{i}"), SignalController) for i in (1, 2, 3))
    assert isinstance(env.get_agent("coordinator"), CorridorCoordinator)
    assert env.observation_space("signal_1").shape == (5,)   # qm, qs, phase, elapsed, weight
    assert env.observation_space("coordinator").shape == (6,)
    assert env.action_space("coordinator").shape == (3,)
    assert env.action_space("signal_2").shape == (1,)


def test_initial_state_comes_from_the_episode_stream():
    spec = traffic_corridor(3)
    a = spec.interactive_env(seed=4, episode=9)
    b = spec.interactive_env(seed=4, episode=0)
    st = np.zeros((1, 3), dtype=spec.state_dtype)
    spec.functions["init"](st, 0, spec.p, 4, 9)
    assert a.st.tobytes() == st.tobytes()
    b.reset(seed=4, options={"episode": 9})
    assert b.st.tobytes() == st.tobytes()
    b.reset(options={"episode": 10})
    assert b.st.tobytes() != st.tobytes()


def test_delayed_observation_is_the_closed_form_queue_at_s():
    """One intersection holding its main green: the signal ticking at k x 0.1 s sees the queues
    as of S = T - 0.05 s: qm(S) = max(qm0 - (1 - lam_m) S, 0), qs(S) = qs0 + lam_s S."""
    spec = traffic_corridor(1, coordinator=False, horizon=3.0, init_queue=1.0)
    timing = {"field": TickConfig.deterministic(0.1, 0.05, 0.2)}
    probe = spec.interactive_env(timing=timing)
    for episode in range(50):   # an episode starting on the main street's green
        probe.reset(seed=1, options={"episode": episode})
        if probe.st[0, 0]["phase"] == 0:
            break
    seen = []

    def hold_main(obs, message=None):
        seen.append(obs.copy())
        return np.array([1.0])

    env = spec.interactive_env(timing=timing, policy=hold_main, seed=1, episode=episode)
    r = env.st[0, 0].copy()
    env.run()
    S = np.maximum(np.arange(len(seen)) * 0.1 - 0.05, 0.0)
    seen = np.array(seen)
    np.testing.assert_allclose(seen[:, 0], np.maximum(r["qm"] - (1.0 - r["lam_m"]) * S, 0.0),
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(seen[:, 1], r["qs"] + r["lam_s"] * S, rtol=0, atol=1e-12)
    assert (seen[:, 2] == 0.0).all() and seen[0, 0] > 0.0 and seen[-1, 0] == 0.0


def test_step_api_equals_a_constant_policy_and_rewards_sum_to_the_return():
    spec = traffic_corridor(2, coordinator=False, horizon=12.0)

    def timing():
        return {"field": TickConfig.with_jitter(0.1, 0.05, 0.2, 0.0, JitterType.UNIFORM, 0.2,
                                                seed=5)}

    by_policy = spec.interactive_env(timing=timing(), policy=lambda o, m=None: np.array([0.0]),
                                     seed=1, episode=4)
    by_policy.run()
    by_step = spec.interactive_env(timing=timing(), seed=1, episode=4)
    total = np.zeros(2)
    steps = 0
    while by_step.agents:
        obs, rew, term, trunc, info = by_step.step({"signal_1": [0.0], "signal_2": [0.0]})
        total += [rew["signal_1"], rew["signal_2"]]
        steps += 1
    assert 120 <= steps <= 121 and all(trunc.values()) and by_step.agents == []
    np.testing.assert_allclose(by_step.returns, by_policy.returns, rtol=0, atol=1e-12)
    np.testing.assert_allclose(total, by_step.returns, rtol=1e-12)
    got, want = by_step.episode_metrics(), by_policy.episode_metrics()
    for aid in ("signal_1", "signal_2"):
        assert got[aid] == pytest.approx(want[aid], rel=0, abs=1e-12), aid


def test_bad_arguments_are_named():
    spec = traffic_corridor(2)
    with pytest.raises(ValueError, match="seed must be a non-negative int; got -1"):
        spec.interactive_env().reset(seed=-1)
    with pytest.raises(ValueError, match="episode must be a non-negative int; got 'x'"):
        spec.interactive_env().reset(options={"episode": "x"})
    with pytest.raises(ValueError, match="one entry per agent"):
        spec.interactive_env(policy=[None])
    with pytest.raises(ValueError, match="unknown key"):
        spec.interactive_env(policy={"signal_9": None})
    with pytest.raises(ValueError, match="horizon must be a finite number of seconds > 0"):
        spec.interactive_env(horizon=-1.0)


PZ_ENVS = {
    "coordinator-alarms-bursts": lambda: traffic_corridor(3, horizon=20.0, spillback_queue=5.0,
                                                          disturbance_mean=3.0),
    "signals-alone": lambda: traffic_corridor(2, coordinator=False, horizon=20.0),
}


@pytest.mark.parametrize("name", sorted(PZ_ENVS))
def test_pettingzoo_parallel_seed_and_aec_api_tests(name):
    spec = PZ_ENVS[name]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PettingZoo's advice (infinite bounds, ...)
        parallel_api_test(spec.interactive_env(), num_cycles=60)
        parallel_seed_test(lambda: spec.interactive_env(), num_cycles=60)
        api_test(parallel_to_aec(spec.interactive_env()), num_cycles=60)
