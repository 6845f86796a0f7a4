"""Env functions that allocate arrays still run: the kernels' per-event code is compiled without
reference counting (heron._fast.specialise.KernelEntry); a non-inlined allocating function is a
call with its own counting, an inlined one makes the entry fall back to a counted kernel. Both
give the same numbers as the env without allocations."""
import numpy as np
import pytest
from numba import njit

from heron._fast import specialise
from heron.batch import AgentSpec, BatchEnv, evaluate
from heron.batch.policies import step


@njit
def init(st, e, p, seed, episode):
    st[e, 0].level = p.start + 0.1 * (episode % 7)


@njit
def observe(st, e, p, agent, out):
    out[0] = st[e, agent].level


@njit
def effect(st, e, p, agent, act):
    st[e, agent].inflow = act[0]


@njit
def advance(st, e, p, dt):
    r = st[e, 0]
    r.level += (r.inflow - p.drain) * dt


@njit
def reward(st, e, p, agent):
    return -abs(st[e, agent].level - p.target)


@njit
def final_level(st, e, p, agent):
    return st[e, agent].level


@njit(inline="always")
def observe_inline_alloc(st, e, p, agent, out):
    tmp = np.empty(2)              # inlined into the per-event code: needs counting
    tmp[0] = st[e, agent].level
    out[0] = tmp[0]


@njit
def _copy_level(st, e, agent):
    tmp = np.zeros(1)
    tmp[0] = st[e, agent].level
    return tmp


@njit(inline="always")
def observe_calls_alloc(st, e, p, agent, out):
    out[0] = _copy_level(st, e, agent)[0]   # a call: the allocation stays in the callee


def tank(name, observe_fn):
    """One tank with a pump (level in m, inflow and drain in m/s)."""
    return BatchEnv(name=name, agents=[AgentSpec("pump", act_low=0.0, act_high=2.0)],
                    state_dtype={"level": "f8", "inflow": "f8"}, n_units=1,
                    env_params={"start": 1.0, "target": 2.0, "drain": 0.6},
                    functions=dict(init=init, observe=observe_fn, effect=effect,
                                   advance=advance, reward=reward),
                    metrics={"final_level": final_level}, dt=1.0, horizon=30.0)


def _entries(name):
    return [v for (module, key), v in specialise._MEMO.items() if key.startswith(name + "_")]


@pytest.mark.parametrize("observe_fn, counted", [(observe_inline_alloc, True),
                                              (observe_calls_alloc, False)])
def test_allocating_observe_gives_the_same_results(observe_fn, counted):
    pol = step(1.8, 2.2, below=2.0, between=0.6, above=0.0)
    plain = tank("tank_plain", globals()["observe"])
    name = f"tank_{observe_fn.py_func.__name__}"
    env = tank(name, observe_fn)
    for engine in ("batch", "sync"):
        a = evaluate(plain, pol, n_episodes=40, seed=5, engine=engine).arrays
        b = evaluate(env, pol, n_episodes=40, seed=5, engine=engine).arrays
        for k in ("return", "final_level"):
            np.testing.assert_array_equal(a[k], b[k])
    entries = _entries(name)
    assert len(entries) == 2 and all(e.counted is counted for e in entries)
