"""User policies: @njit functions compiled into the kernels, memory (stateful policies), Python
policies with a decision context, clipping; the same results in every engine."""
import numpy as np
import pytest
from numba import njit

from heron.batch import evaluate
from heron.batch.policies import BatchedPolicy, CompiledPolicy, as_policy, compiled
from heron.demo_envs import battery_fleet
from heron.workloads import w1

W1 = w1()
ENV = battery_fleet(2)


@njit
def simple_rule(obs, act):
    """The tutorial's simple_policy, written by a user."""
    if obs[0] < 0.45:
        act[0] = 0.5
    elif obs[0] > 0.55:
        act[0] = -0.5
    else:
        act[0] = 0.0


@njit
def pi_control(obs, act, params, memory, t):
    """PI on the SOC error: memory[0] = integral of the error (SOC x s), memory[1] = last
    decision time (s), memory[2] = 1 after the first decision."""
    err = params[0] - obs[0]
    if memory[2] > 0.0:
        memory[0] += err * (t - memory[1])
    memory[1] = t
    memory[2] = 1.0
    act[0] = params[1] * err + params[2] * memory[0]


def pi_numpy(obs, ctx):
    """The same PI controller as a Python batched policy with a context."""
    err = 0.5 - obs[:, 0]
    m = ctx.memory
    started = m[:, 2] > 0.0
    m[:, 0] = np.where(started, m[:, 0] + err * (ctx.t - m[:, 1]), m[:, 0])
    m[:, 1] = ctx.t
    m[:, 2] = 1.0
    return (4.0 * err + 0.2 * m[:, 0])[:, None]


PI = compiled(pi_control, params=[0.5, 4.0, 0.2], memory=3, clip=True, name="pi")


@pytest.mark.parametrize("engine", ["batch", "sync", "interactive"])
def test_a_user_njit_rule_equals_the_builtin_rule(engine):
    user = evaluate(W1.env, simple_rule, timing=W1.timing, n_episodes=20, seed=4, engine=engine)
    builtin = evaluate(W1.env, "simple", timing=W1.timing, n_episodes=20, seed=4, engine=engine)
    np.testing.assert_array_equal(user.arrays["return"], builtin.arrays["return"])
    assert user.config["policy"]["battery_1"]["name"] == "simple_rule"


def test_njit_functions_become_compiled_policies():
    pol = as_policy(simple_rule)
    assert isinstance(pol, CompiledPolicy) and pol.n_args == 2 and pol.fn is simple_rule
    with pytest.raises(TypeError, match="must take 2 to 5 arguments"):
        compiled(njit(lambda a, b, c, d, e, f: None))
    with pytest.raises(TypeError, match="must be a @numba.njit function"):
        compiled(lambda obs, act: None)


def test_stateful_pi_policy_batch_equals_interactive():
    batch = evaluate(W1.env, PI, timing=W1.timing, n_episodes=30, seed=2)
    inter = evaluate(W1.env, PI, timing=W1.timing, n_episodes=30, seed=2, engine="interactive")
    np.testing.assert_allclose(batch.arrays["return"], inter.arrays["return"], rtol=0,
                               atol=1e-9)
    stateless = evaluate(W1.env, compiled(pi_control, params=[0.5, 4.0, 0.0], memory=3,
                                          clip=True), timing=W1.timing, n_episodes=30, seed=2)
    assert not np.allclose(batch.arrays["return"], stateless.arrays["return"])  # memory matters


@pytest.mark.parametrize("engine", ["batch", "sync", "interactive"])
def test_python_policy_with_context_and_memory_equals_the_compiled_one(engine):
    py = BatchedPolicy(pi_numpy, name="pi_numpy", context=True, memory=3, clip=True)
    a = evaluate(W1.env, py, timing=W1.timing, n_episodes=12, seed=6, engine=engine)
    b = evaluate(W1.env, PI, timing=W1.timing, n_episodes=12, seed=6, engine=engine)
    np.testing.assert_allclose(a.arrays["return"], b.arrays["return"], rtol=0, atol=1e-12)


def test_context_fields():
    seen = []

    def spy(obs, ctx):
        seen.append((ctx.agent.copy(), ctx.agent_id.copy(), ctx.episode.copy(), ctx.t.copy()))
        return np.zeros((obs.shape[0], 1))

    evaluate(ENV, spy, n_episodes=3, seed=0, episode_start=10, horizon=3.0)
    agents = np.concatenate([s[0] for s in seen])
    ids = np.concatenate([s[1] for s in seen])
    episodes = np.concatenate([s[2] for s in seen])
    times = np.concatenate([s[3] for s in seen])
    assert set(agents) == {0, 1} and set(ids) == {"battery_1", "battery_2"}
    assert (ids == np.where(agents == 0, "battery_1", "battery_2")).all()
    assert set(episodes) == {10, 11, 12}
    assert times.min() == 0.0 and times.max() <= 3.0
    with pytest.raises(ValueError, match="memory=2 needs context=True"):
        BatchedPolicy(lambda obs: obs, memory=2)


def test_clip_for_python_policies():
    wide = BatchedPolicy(lambda obs: np.full((obs.shape[0], 1), 7.0), clip=True)
    full = evaluate(ENV, lambda obs: np.ones((obs.shape[0], 1)), n_episodes=3, seed=1)
    np.testing.assert_array_equal(evaluate(ENV, wide, n_episodes=3, seed=1).arrays["return"],
                                  full.arrays["return"])


def test_layer_functions_match_numpy_and_the_builtin_mlp():
    from heron.batch.nn import dense, dense_tanh, tanh_inplace
    from heron.bench.user_policy import layers, w1_mlp_policies

    rng = np.random.default_rng(0)
    W, b, x = rng.normal(size=(3, 4)), rng.normal(size=3), rng.normal(size=4)
    params = np.concatenate([[9.0], W.ravel(), b])
    out = np.zeros(3)
    assert dense(params, 1, 4, 3, x, out) == 1 + 12 + 3
    np.testing.assert_allclose(out, W @ x + b, rtol=1e-14)
    dense_tanh(params, 1, 4, 3, x, out)
    np.testing.assert_allclose(out, np.tanh(W @ x + b), rtol=0, atol=1e-15)
    y = np.array([-30.0, -0.5, 0.0, 2.0, np.nan])
    tanh_inplace(y)
    np.testing.assert_allclose(y[:4], np.tanh([-30.0, -0.5, 0.0, 2.0]), atol=1e-15)
    assert np.isnan(y[4])
    pols = w1_mlp_policies()
    assert len(layers()) == 3
    a = evaluate(W1.env, pols["builtin_mlp"], timing=W1.timing, n_episodes=20, seed=1)
    for name in ("user_njit_mlp", "user_loops_mlp"):
        u = evaluate(W1.env, pols[name], timing=W1.timing, n_episodes=20, seed=1)
        np.testing.assert_allclose(u.arrays["return"], a.arrays["return"], rtol=0, atol=1e-9)
