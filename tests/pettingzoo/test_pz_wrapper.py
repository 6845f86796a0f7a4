"""``heron.pettingzoo.TimedParallelEnv`` on a plain PettingZoo env written without heron classes
(``pz_thermostat``): PettingZoo's own tests, lock-step equivalence, observation delays, tick
rounding and the first-in first-out action channel on a hand-computed case."""
import math

import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test
from pettingzoo.utils.conversions import parallel_to_aec

from heron._fast.jitter import JITTER_UNIFORM, MIN_INTERVAL
from heron._fast.rng import Q_ACT, Q_INTERVAL, Q_OBS
from heron._fast.schedule_nb import timing_sample_nb
from heron.pettingzoo import TimedParallelEnv, inner_seed, neutral_action
from heron.scheduling import JitterType, TickConfig

from pz_thermostat import DT, TwoRoomThermostat, make_env, proportional

JITTERED = TickConfig(tick_interval=30.0, obs_delay=20.0, act_delay=15.0,
                      jitter_type=JitterType.UNIFORM, jitter_ratio=0.2)


def wrapped(timing=JITTERED, **kw):
    return TimedParallelEnv(make_env(), DT, timing, **kw)


def run(env, seed, n_steps, action=proportional, **reset_kw):
    """Step ``env`` with ``action(agent, obs)`` for ticking agents; returns the observations seen
    after each step (index 0: reset)."""
    obs, _ = env.reset(seed=seed, **reset_kw)
    seen = [obs]
    for _ in range(n_steps):
        obs, *_ = env.step({a: action(a, obs[a]) for a in env.ticking_agents()})
        seen.append(obs)
    return seen


# -- PettingZoo's tests -----------------------------------------------------------------------

def test_pettingzoo_api_tests_pass_under_jittered_delays():
    parallel_api_test(wrapped(), num_cycles=200)
    api_test(parallel_to_aec(wrapped()), num_cycles=50)


def test_pettingzoo_seed_test_passes():
    parallel_seed_test(lambda: wrapped(record=True))


def test_reset_seed_reproduces_the_timing_too():
    a, b = wrapped(record=True), wrapped(record=True)
    run(a, 5, 60)
    run(b, 5, 60)
    assert a.tick_log == b.tick_log and len(a.tick_log["room_a"]) > 15
    run(b, 6, 60)
    assert a.tick_log != b.tick_log  # another seed: other jitter samples
    # reset() without a seed runs the next episode of the last seed: the same as episode 1
    c = wrapped(record=True)
    c.reset(seed=5, options={"episode": 1})
    d = wrapped(record=True)
    d.reset(seed=5)
    d.reset()
    assert d.episode_key == (5, 1)
    assert c.schedule.agents[0].step == d.schedule.agents[0].step
    assert c.env.temps == d.env.temps  # inner env reset with inner_seed(5, 1) both times
    assert c.schedule.agents[0].step != a.schedule.agents[0].step


# -- quantisation -----------------------------------------------------------------------------

def test_lockstep_timing_reproduces_the_unwrapped_env_exactly():
    for timing in (None, TickConfig(tick_interval=DT)):
        env = TimedParallelEnv(make_env(), DT, timing)
        ref = TwoRoomThermostat()
        rng = np.random.default_rng(0)
        got = env.reset(seed=3)
        exp = ref.reset(seed=inner_seed(3, 0))
        while True:
            assert got[0].keys() == exp[0].keys()
            for a in exp[0]:
                np.testing.assert_array_equal(got[0][a], exp[0][a])
            assert got[1:] == exp[1:]
            if not ref.agents:
                break
            assert env.ticking_agents() == ref.agents
            acts = {a: rng.uniform(0.0, 1.0, size=1) for a in ref.agents}
            got = env.step(acts)
            exp = ref.step(acts)
        assert env.env.received == ref.received and len(ref.received) == 90


@pytest.mark.parametrize("obs_delay, k", [(30.0, 3), (25.0, 3), (0.0, 0), (10.0, 1)])
def test_observation_delay_serves_observations_exactly_k_steps_old(obs_delay, k):
    env = wrapped(TickConfig(tick_interval=DT, obs_delay=obs_delay), info_key="heron")
    seen = run(env, 1, 40)
    for n, obs in enumerate(seen):
        for a in ("room_a", "room_b"):
            assert obs[a][1] == max(0, n - k) * DT  # the reading's timestamp
    assert env.episode_stats()["room_a"]["obs_max"] == k


def test_jittered_observation_delays_follow_the_samples():
    tc = TickConfig(tick_interval=DT, obs_delay=22.0, jitter_type=JitterType.UNIFORM,
                    jitter_ratio=0.5)
    env = wrapped({"room_a": tc}, record=True)
    seen = run(env, 9, 50)
    ages = set()
    for k, n, m, _ in env.tick_log["room_a"]:
        o = timing_sample_nb(9, 0, 0, Q_OBS, k, 22.0, JITTER_UNIFORM, 0.5, 0.0)
        assert m == max(0, n - math.ceil(o / DT))
        assert seen[n]["room_a"][1] == m * DT
        ages.add(n - m)
    assert ages >= {2, 3}  # 11 .. 33 s: two to four steps


def test_tick_times_round_to_the_grid_one_tick_per_step():
    env = wrapped({"room_a": TickConfig(tick_interval=15.0), "room_b": TickConfig(4.0)},
                  record=True)
    run(env, 0, 10)
    assert [n for _, n, _, _ in env.tick_log["room_a"]] == [0, 2, 3, 5, 6, 8, 9]
    # 4 s ticks: several per step; each step keeps the last of them
    assert [n for _, n, _, _ in env.tick_log["room_b"]] == list(range(10))
    assert [k for k, _, _, _ in env.tick_log["room_b"]][:4] == [1, 3, 6, 8]  # 4, 12, 24, 32 s


def test_between_ticks_actions_are_ignored_and_observations_held():
    env = wrapped({"room_a": TickConfig(tick_interval=30.0)}, info_key="heron")
    obs0, infos = env.reset(seed=2)
    assert infos["room_a"]["heron"] == {"tick": True, "step": 0, "obs_step": 0}
    zero = np.array([0.0])
    obs, _, _, _, infos = env.step({"room_a": np.array([1.0]), "room_b": zero})
    for n in (1, 2):  # room_a does not tick: its entry is ignored, its observation held
        assert env.step_index == n and not env.ticking("room_a") and env.ticking("room_b")
        assert infos["room_a"]["heron"]["tick"] is False
        np.testing.assert_array_equal(obs["room_a"], obs0["room_a"])
        assert obs["room_b"][1] == n * DT
        obs, _, _, _, infos = env.step({"room_a": zero, "room_b": zero})
    assert env.ticking("room_a") and infos["room_a"]["heron"]["tick"] is True
    assert obs["room_a"][1] == 3 * DT
    assert [r["room_a"] for r in env.env.received] == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="unknown agent id"):
        env.step({"room_c": zero})


def test_timing_samples_are_the_batch_engine_streams():
    env = wrapped()
    env.reset(seed=123, options={"episode": 7})
    for i in range(2):
        raw = env.schedule.agents[i].raw
        t = 0.0
        for k in range(20):
            iv = timing_sample_nb(123, 7, i, Q_INTERVAL, k, 30.0, JITTER_UNIFORM, 0.2,
                                  MIN_INTERVAL)
            assert raw["t"][k] == t and raw["interval"][k] == iv
            assert raw["act"][k] == timing_sample_nb(123, 7, i, Q_ACT, k, 15.0, JITTER_UNIFORM,
                                                     0.2, 0.0)
            t = t + iv


def test_fifo_action_channel_hand_computed():
    """room_a: tick 20 s, act delay 25 s, UNIFORM jitter 50 %, seed 11. Its samples:

    ==  ========  =========  =========  ==========  ======================  ====================
    k   T[k] (s)  tick step  A[k] (s)   delay steps  n + delay                lands (FIFO)
    ==  ========  =========  =========  ==========  ======================  ====================
    0    0.000     0          19.881     2           2                        2
    1   29.007     3          37.310     4           7                        7
    2   47.987     5          36.842     4           9                        9
    3   59.962     6          16.583     2           8 (would overtake k=2)   9, after k=2's
    4   75.706     8          17.135     2           10                       10
    ==  ========  =========  =========  ==========  ======================  ====================

    The command issued at step ``n`` is ``(n + 1) / 10``. The inner env receives room_a's held
    action: 0 (neutral) at steps 0-1, 0.1 at 2-6, 0.4 at 7-8, then at step 9 both k=2's 0.6
    and k=3's 0.7 land in order, so 0.7; 0.9 at step 10.
    """
    tc = TickConfig(tick_interval=20.0, act_delay=25.0, jitter_type="UNIFORM", jitter_ratio=0.5)
    env = wrapped({"room_a": tc}, record=True)
    env.reset(seed=11)
    raw = env.schedule.agents[0].raw
    np.testing.assert_allclose(raw["t"][:5], [0.0, 29.007, 47.987, 59.962, 75.706], atol=5e-4)
    np.testing.assert_allclose(raw["act"][:5], [19.881, 37.310, 36.842, 16.583, 17.135],
                               atol=5e-4)
    for n in range(11):
        env.step({"room_a": np.array([(n + 1) / 10]), "room_b": np.array([0.0])})
    assert env.tick_log["room_a"][:5] == [(0, 0, 0, 2), (1, 3, 3, 7), (2, 5, 5, 9), (3, 6, 6, 9),
                                          (4, 8, 8, 10)]
    got = [r["room_a"] for r in env.env.received]
    assert got == pytest.approx([0.0, 0.0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.4, 0.4, 0.7, 0.9])
    st = env.episode_stats()["room_a"]
    # six ticks by step 10 (k=5 at 90.8 s, step 9, lands at 12); five commands landed, k=2's
    # included (it landed, then k=3's replaced it within the same step)
    assert st["n_ticks"] == 6 and st["n_effects"] == 5
    assert st["act_max"] == 4  # k=1 and k=2: 4 steps from observation to effect


# -- configuration ----------------------------------------------------------------------------

def test_timing_forms_and_errors():
    env = wrapped({"field": JITTERED, "room_b": JITTERED.replace(tick_interval=60.0)})
    assert [c.tick_interval for c in env.configs] == [30.0, 60.0]
    env = wrapped("scada")   # a preset at the env's own scale: its step dt is the nominal tick
    assert env.configs[0].tick_interval == DT and env.configs[0].act_delay == 1.5
    env = wrapped({"room_a": JITTERED.to_dict()})
    assert env.configs[0] == JITTERED and env.configs[1].tick_interval == DT  # lock-step default
    with pytest.raises(ValueError, match="unknown key"):
        wrapped({"room_z": JITTERED})
    with pytest.raises(ValueError, match="dt must be"):
        TimedParallelEnv(make_env(), 0.0)
    with pytest.raises(TypeError, match="TickConfig"):
        wrapped(3.0)
    with pytest.raises(ValueError, match="seed"):
        wrapped().reset(seed=-1)


def test_initial_actions_and_neutral_actions():
    from gymnasium import spaces

    assert neutral_action(spaces.Box(0.5, 1.0, (2,))).tolist() == [0.5, 0.5]
    assert neutral_action(spaces.Discrete(3, start=2)) == 2
    assert neutral_action(spaces.MultiDiscrete([3, 4])).tolist() == [0, 0]
    with pytest.raises(ValueError, match="initial_actions"):
        neutral_action(spaces.Text(4))
    env = wrapped(TickConfig(DT, act_delay=20.0), initial_actions={"room_a": np.array([0.3])})
    seen = run(env, 0, 3)
    first = proportional("room_a", seen[0]["room_a"])[0]  # decided at step 0, lands at step 2
    assert [r["room_a"] for r in env.env.received] == [0.3, 0.3, first]
    assert [r["room_b"] for r in env.env.received][:2] == [0.0, 0.0]  # neutral: Box zeros
    with pytest.raises(ValueError, match="unknown agent"):
        wrapped(initial_actions={"room_z": 0.0})


class _RoomBLeavesEarly(TwoRoomThermostat):
    """room_b terminates after step 5 (plain PettingZoo semantics: it leaves ``agents``)."""

    def step(self, actions):
        obs, rew, term, trunc, infos = super().step(actions)
        if self.steps == 5 and "room_b" in self.agents:
            term["room_b"] = True
            self.agents = [a for a in self.agents if a != "room_b"]
        return obs, rew, term, trunc, infos


def test_agents_that_terminate_leave_the_timing():
    env = TimedParallelEnv(_RoomBLeavesEarly(), DT, JITTERED, record=True)
    parallel_api_test(TimedParallelEnv(_RoomBLeavesEarly(), DT, JITTERED), num_cycles=100)
    obs, _ = env.reset(seed=4)
    keys = []
    while env.agents:
        obs, rew, term, trunc, _ = env.step({a: proportional(a, obs[a])
                                             for a in env.ticking_agents()})
        keys.append(sorted(obs))
        assert set(env.ticking_agents()) <= set(env.agents)
    assert keys[4] == ["room_a", "room_b"] and keys[5] == ["room_a"]
    assert all("room_b" not in r for r in env.env.received[5:])
    assert max(n for _, n, _, _ in env.tick_log["room_b"]) <= 4
