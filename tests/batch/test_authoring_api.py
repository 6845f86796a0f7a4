"""The public authoring API: defaults for optional functions, named parameters, env-declared
metric columns, clear refusals, and envs written against the earlier protocol."""
import warnings

import numpy as np
import pytest
from numba import njit

from heron.batch import AgentSpec, BatchEnv, evaluate
from heron.batch.random import INIT, USER, exponential, normal, stream_key, uniform


@njit
def init(st, e, p, seed, episode):
    for u in range(st.shape[1]):
        st[e, u].level = p.start + p.spread * uniform(stream_key(seed, episode, u, INIT), 0)
        st[e, u].spill = 0.0


@njit
def observe(st, e, p, agent, out):
    out[0] = st[e, agent].level


@njit
def effect(st, e, p, agent, act):
    st[e, agent].inflow = act[0]


@njit
def advance(st, e, p, dt):
    for u in range(st.shape[1]):
        r = st[e, u]
        r.level += (r.inflow - p.drain[u]) * dt
        if r.level > p.cap:
            r.spill += r.level - p.cap
            r.level = p.cap


@njit
def reward(st, e, p, agent):
    return -abs(st[e, agent].level - p.target)


@njit
def spill(st, e, p, agent):
    return st[e, agent].spill


@njit
def final_level(st, e, p, agent):
    return st[e, agent].level


def tanks(**kw):
    """Two water tanks with pumps: a small env that is not the battery."""
    return BatchEnv(
        name="tanks", agents=[AgentSpec("pump_1", act_low=0.0, act_high=2.0),
                              AgentSpec("pump_2", act_low=0.0, act_high=2.0)],
        state_dtype={"level": "f8", "inflow": "f8", "spill": "f8"}, n_units=2,
        env_params={"start": 1.0, "spread": 0.5, "cap": 3.0, "target": 2.0,
                    "drain": [0.5, 0.8]},
        functions=dict(init=init, observe=observe, effect=effect, advance=advance,
                       reward=reward),
        metrics={"spill": spill, "final_level": final_level}, dt=1.0, horizon=30.0, **kw)


def test_minimal_env_with_named_params_and_metrics_in_every_engine():
    env = tanks()
    assert env.metric_names == ("spill", "final_level")
    assert env.p.drain[1] == 0.8 and env.p.cap == 3.0
    from heron.batch.policies import step

    pol = step(1.8, 2.2, below=2.0, between=0.6, above=0.0)
    for engine in ("batch", "sync"):
        r = evaluate(env, pol, n_episodes=50, seed=2, engine=engine)
        df = r.episodes
        assert list(df.columns)[-2:] == ["spill", "final_level"]
        assert "time_outside_band" not in df.columns
        assert (df["spill"] >= 0).all() and (df["final_level"] <= 3.0 + 1e-12).all()
        assert df["final_level"].std() > 0
    full = evaluate(env, lambda obs: np.full((len(obs), 1), 2.0), n_episodes=10, seed=2)
    assert (full.episodes["spill"] > 0).all()       # pumping flat out spills


def test_random_streams_are_public_and_pure():
    k = np.uint64(stream_key(1, 2, 3, USER))
    assert uniform(k, 5) == uniform(k, 5) and uniform(k, 5) != uniform(k, 6)
    assert np.isfinite(normal(k, 0)) and exponential(k, 0) > 0
    # from Python, keys below and above 2**63 as np.uint64 (the module docstring), any order
    keys = [stream_key(1, 2, q, USER) for q in range(40)]
    small = [np.uint64(k) for k in keys if k < 2 ** 63]
    large = [np.uint64(k) for k in keys if k >= 2 ** 63]
    assert small and large
    for key in (small[0], large[0], small[1], large[1]):
        for f in (uniform, normal, exponential):
            assert np.isfinite(f(key, 3))


def test_refusals_name_what_is_wrong():
    funcs = dict(init=init, observe=observe, effect=effect, advance=advance, reward=reward)
    base = dict(name="t", agents=[AgentSpec("a")], state_dtype={"level": "f8"})
    with pytest.raises(TypeError, match=r"functions \['reward'\] are missing.*optional"):
        BatchEnv(**base, functions={k: v for k, v in funcs.items() if k != "reward"})
    with pytest.raises(TypeError, match=r"unknown function name\(s\) \['rewrd'\]"):
        BatchEnv(**base, functions={**funcs, "rewrd": reward})
    with pytest.raises(TypeError, match=r"disturbance_mean=60.0 needs a disturb"):
        BatchEnv(**base, functions=funcs, disturbance_mean=60.0)
    with pytest.raises(ValueError, match="metric names must be identifiers other than"):
        BatchEnv(**base, functions=funcs, metrics={"return": spill})
    with pytest.raises(TypeError, match=r"function \"metrics\['x'\]\" must be compiled|"
                                        r"function \"metrics\['x'\]\"|metrics\['x'\]"):
        BatchEnv(**base, functions=funcs, metrics={"x": spill.py_func})
    with pytest.raises(TypeError, match="env_params\\['bad'\\] must be a number"):
        BatchEnv(**base, functions=funcs, env_params={"bad": "x"})
    with pytest.raises(ValueError, match="act_low must be <= act_high"):
        AgentSpec("a", act_low=1.0, act_high=0.0)
    with pytest.raises(ValueError, match=r"act_low must have act_dim=2 entries; got 3"):
        AgentSpec("a", act_dim=2, act_low=(0, 0, 0))
    with pytest.raises(ValueError, match="agent ids must be unique"):
        BatchEnv(**{**base, "agents": [AgentSpec("a"), AgentSpec("a")]}, functions=funcs)


@njit
def legacy_init(st, e, p, seed, episode):
    st[e, 0].x = p[0]


@njit
def legacy_observe(st, e, p, agent, out):
    out[0] = st[e, 0].x


@njit
def legacy_effect(st, e, p, agent, act):
    st[e, 0].u = act[0]


@njit
def legacy_advance(st, e, p, dt):
    st[e, 0].x += p[1] * st[e, 0].u * dt
    if st[e, 0].x > 1.0:
        st[e, 0].out += dt


@njit
def legacy_reward(st, e, p, agent):
    return -abs(st[e, 0].x)


@njit
def legacy_trigger(st, e, p, agent, obs):
    return -1


@njit
def legacy_disturb(st, e, p, seed, episode, j):
    pass


@njit
def legacy_outside(st, e, p, agent):
    return st[e, 0].out


def test_an_env_written_against_the_earlier_protocol_keeps_working():
    """All eight functions, a float64 parameter array indexed by constants, every field given
    positionally: it runs, and its ``outside`` function still fills ``time_outside_band``."""
    state = np.dtype([("x", "f8"), ("u", "f8"), ("out", "f8")], align=True)
    funcs = {"init": legacy_init, "observe": legacy_observe, "effect": legacy_effect,
             "advance": legacy_advance, "reward": legacy_reward, "trigger": legacy_trigger,
             "disturb": legacy_disturb, "outside": legacy_outside}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        env = BatchEnv("legacy", {}, (AgentSpec("a", "field", 1, 1, (-1.0,), (1.0,)),), {},
                       state, 1, np.array([0.5, 0.2]), funcs, "legacy", 1.0, 10.0)
    assert any("declare it as metrics={'time_outside_band': outside}" in str(w.message)
               for w in caught)
    r = evaluate(env, lambda obs: np.ones((len(obs), 1)), n_episodes=3, seed=0)
    df = r.episodes
    assert list(df.columns)[-1] == "time_outside_band"
    # this env counts whole advanced intervals (1 s each here) that end above 1: t = 3 .. 10 s
    np.testing.assert_allclose(df["time_outside_band"], 8.0)
