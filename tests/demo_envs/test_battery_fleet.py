"""The battery fleet's batch form: agents, parameters, physics and its compiled functions."""
import numpy as np
import pytest
from scipy import stats

from heron.demo_envs.battery import compiled as nb
from heron._fast.rng import Q_INIT, stream_key, uniform
from heron.demo_envs import battery_fleet


def test_agents_w1_and_w2():
    e1 = battery_fleet()
    assert e1.agent_ids == ["battery_1", "battery_2"]
    assert [a.obs_dim for a in e1.agents] == [1, 1]
    e2 = battery_fleet(8, coordinator=True)
    assert e2.agent_ids[-1] == "coordinator" and len(e2.agents) == 9
    assert e2.agents[0].obs_dim == 2 and e2.agents[0].parent == 8
    assert e2.agents[8].act_dim == 8 and not e2.agents[8].actuates
    assert e2.children(8) == list(range(8))
    assert e2.disturbance_mean == 60.0 and e1.disturbance_mean == 0.0
    assert e2.to_config()["params"]["n_batteries"] == 8


@pytest.mark.parametrize("kw,match", [
    (dict(n_batteries=0), "n_batteries must be an int >= 1"),
    (dict(band=(0.05, 0.8)), "band must satisfy"),
    (dict(init_range=(0.8, 0.2)), "init_range must satisfy"),
    (dict(disturbance_mean=-1.0), "disturbance_mean must be >= 0"),
])
def test_bad_parameters(kw, match):
    with pytest.raises(ValueError, match=match):
        battery_fleet(**kw)


def _state(env, n=1):
    return np.zeros((n, env.n_units), dtype=env.state_dtype)


def test_initial_soc_from_the_episode_stream():
    env = battery_fleet(3)
    st = _state(env, 400)
    for e in range(400):
        nb.init(st, e, env.kernel_params()[0], 1, e)
    soc = st["soc"]
    assert soc.min() >= 0.2 and soc.max() <= 0.8
    assert stats.kstest(((soc - 0.2) / 0.6).ravel(), "uniform").pvalue > 0.001
    assert abs(soc[5, 1] - (0.2 + 0.6 * uniform(np.uint64(stream_key(1, 5, 1, Q_INIT)), 0))) < 1e-15


def test_physics_closed_form_and_split_invariance():
    env = battery_fleet(2)
    p = env.kernel_params()[0]
    st = _state(env)
    st["soc"] = [0.5, 0.2]
    nb.effect(st, 0, p, 0, np.array([1.0]))
    nb.effect(st, 0, p, 1, np.array([-0.5]))
    nb.advance(st, 0, p, 1.0)
    assert st["soc"][0, 0] == 0.75                   # 0.5 + 0.5 MW / 2 * 1 s
    assert abs(st["soc"][0, 1] - 0.1) < 1e-15        # 0.2 - 0.125, clipped at 0.1
    st2 = _state(env)
    st2["soc"] = [0.5, 0.2]
    st2["act"] = [1.0, -0.5]
    for _ in range(10):
        nb.advance(st2, 0, p, 0.1)
    np.testing.assert_allclose(st2["soc"], st["soc"], atol=1e-12)
    np.testing.assert_allclose(st2["outside"], st["outside"], atol=1e-12)
    assert abs(st["outside"][0, 1] - (1.0 - 0.4)) < 1e-12   # below 0.15 after 0.4 s


def test_reward_trigger_disturb():
    env = battery_fleet(2, coordinator=True)
    p = env.kernel_params()[0]
    st = _state(env)
    st["soc"] = [0.4, 0.9]
    st["armed"] = 1
    assert abs(nb.reward(st, 0, p, 0) + 0.1) < 1e-15
    assert abs(nb.reward(st, 0, p, 2) - (-(0.1 + 0.4) / 2)) < 1e-12
    assert nb.trigger(st, 0, p, 1, np.array([0.9])) == 2       # leaves the band: alarm
    assert nb.trigger(st, 0, p, 1, np.array([0.9])) == -1      # disarmed until back inside
    assert nb.trigger(st, 0, p, 1, np.array([0.5])) == -1
    assert nb.trigger(st, 0, p, 1, np.array([0.1])) == 2
    assert nb.trigger(st, 0, p, 2, np.zeros(2)) == -1          # coordinators raise nothing
    before = st["soc"].copy()
    nb.disturb(st, 0, p, 1, 0, 0)
    changed = np.nonzero(st["soc"][0] != before[0])[0]
    assert len(changed) == 1 and abs(st["soc"][0, changed[0]] - before[0, changed[0]]) <= 0.4


def test_interactive_form_attaches_later():
    from heron.demo_envs.battery.fleet import battery_fleet as spec_only

    env = spec_only()
    with pytest.raises(NotImplementedError, match="no interactive form"):
        env.interactive_env()
    env.attach_interactive(lambda spec, timing=None, **kw: ("built", spec.name, timing))
    assert env.interactive_env(timing={"x": 1}) == ("built", "battery_fleet", {"x": 1})
