"""Policies: registry, compiled vs Python decision rounds (bit-identical), MLP weights."""
import numpy as np
import pytest

from heron.batch import evaluate
from heron.batch import policies as P
from heron.demo_envs import battery_fleet
from heron.workloads import w1, w2

W1 = w1()


def test_registry():
    assert {"simple", "simple_numpy", "setpoint", "tracking_mlp"} <= set(P.available())
    assert isinstance(P.get("simple"), P.CompiledPolicy)
    assert isinstance(P.get("simple_numpy"), P.BatchedPolicy)
    with pytest.raises(ValueError, match="available"):
        P.get("nope")


@pytest.mark.parametrize("engine", ["batch", "sync"])
def test_python_batched_policy_equals_compiled(engine):
    a = evaluate(W1.env, "simple", timing=W1.timing, n_episodes=40, seed=6, engine=engine)
    calls = []

    def batched(obs):
        calls.append(obs.shape[0])
        return P.simple_numpy(obs)

    b = evaluate(W1.env, batched, timing=W1.timing, n_episodes=40, seed=6, engine=engine,
                 chunk_size=16)
    assert np.array_equal(a.arrays["return"], b.arrays["return"])
    assert np.array_equal(a.arrays["act_staleness_mean"], b.arrays["act_staleness_mean"])
    # one call per decision round on the stacked batch, not one per observation
    assert max(calls) > 1 and len(calls) < 40 * 2 * 51


def test_per_observation_policy_equals_compiled():
    def simple_policy(obs):
        soc = obs[0]
        if soc < 0.45:
            return np.array([0.5])
        elif soc > 0.55:
            return np.array([-0.5])
        return np.array([0.0])

    a = evaluate(W1.env, "simple", timing=W1.timing, n_episodes=6, seed=2)
    b = evaluate(W1.env, P.per_observation(simple_policy), timing=W1.timing, n_episodes=6,
                 seed=2)
    assert np.array_equal(a.arrays["return"], b.arrays["return"])


def test_mixed_python_and_compiled_in_w2():
    env = battery_fleet(8, coordinator=True, horizon=40.0)
    wl = w2()
    mlp = P.get("tracking_mlp")
    from heron.demo_envs.battery.tracking_mlp import predict, weights_path

    with np.load(weights_path()) as z:
        W = {k: z[k] for k in z.files}
    a = evaluate(env, {"field": mlp, "coordinator": "setpoint"}, timing=wl.timing,
                 n_episodes=6, seed=1)
    b = evaluate(env, {"field": lambda o: predict(W, o), "coordinator": "setpoint"},
                 timing=wl.timing, n_episodes=6, seed=1)
    np.testing.assert_allclose(a.arrays["return"], b.arrays["return"], atol=1e-9)

    def coord_rule(obs):
        return np.clip(obs + 0.5 * (0.5 - obs), 0.2, 0.8)

    c = evaluate(env, {"field": mlp, "coordinator": coord_rule}, timing=wl.timing,
                 n_episodes=6, seed=1)
    np.testing.assert_allclose(a.arrays["return"], c.arrays["return"], atol=1e-9)


def test_mlp_weights_track_the_rule_and_regenerate(tmp_path):
    from heron.demo_envs.battery import tracking_mlp as T

    with np.load(T.weights_path()) as z:
        W = {k: z[k] for k in z.files}
    assert W["W0"].shape == (32, 2) and W["W1"].shape == (32, 32) and W["W2"].shape == (1, 32)
    g = np.random.default_rng(0).uniform(0.1, 0.9, (500, 2))
    err = np.abs(T.predict(W, g)[:, 0] - T.target_rule(g[:, 0], g[:, 1]))
    assert err.mean() < 0.02 and err.max() < 0.1
    # regeneration is deterministic (a short fit is enough to check that) and loadable
    a = T.fit_weights(seed=3, steps=20)
    b = T.fit_weights(seed=3, steps=20)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    np.savez(tmp_path / "w.npz", **a)
    pol = P.mlp_from_npz(tmp_path / "w.npz")
    assert pol.obs_dim == 2 and pol.act_dim == 1


def test_linear_and_mlp_constructors_validate():
    with pytest.raises(ValueError, match="linear: W must be"):
        P.linear(np.zeros(3), [0.0])
    with pytest.raises(ValueError, match="mlp: layer 1"):
        P.mlp([(np.zeros((4, 2)), np.zeros(4)), (np.zeros((1, 3)), np.zeros(1))])


def test_torch_module_policy():
    torch = pytest.importorskip("torch")

    class Rule(torch.nn.Module):
        def forward(self, x):
            soc = x[:, :1]
            return torch.where(soc < 0.45, 0.5, torch.where(soc > 0.55, -0.5, 0.0))

    a = evaluate(W1.env, "simple", timing=W1.timing, n_episodes=5, seed=2)
    b = evaluate(W1.env, Rule(), timing=W1.timing, n_episodes=5, seed=2)
    np.testing.assert_allclose(a.arrays["return"], b.arrays["return"], atol=1e-6)


def test_vectorised_tanh_matches_libm_and_keeps_nan():
    import math

    from heron._fast.policy_nb import tanh_inplace_nb

    x = np.concatenate([np.linspace(-30, 30, 60001), [0.0, -0.0, 1e-300, -1e-12, 19.999, 20.001,
                                                      700.0, -700.0, np.inf, -np.inf, np.nan]])
    y = x.copy()
    tanh_inplace_nb(y, len(y))
    ref = np.array([math.tanh(v) for v in x])
    assert np.isnan(y[-1]) and np.abs(y[:-1] - ref[:-1]).max() <= 2.3e-16
    assert math.copysign(1.0, y[60002]) == -1.0          # tanh(-0.0) = -0.0


def test_compiled_mlp_matches_a_numpy_forward_pass():
    from heron._fast.policy_nb import act_nb, POLICY_MLP

    rng = np.random.default_rng(5)
    layers = [(rng.normal(size=(32, 3)), rng.normal(size=32)),
              (rng.normal(size=(32, 32)) * 0.3, rng.normal(size=32)),
              (rng.normal(size=(2, 32)) * 0.3, rng.normal(size=2))]
    pol = P.mlp(layers)
    params = np.concatenate([[0.0], pol.params])
    out = np.zeros(2)
    assert pol.memory == 64                      # two layer buffers of the widest layer (32)
    mem = np.full(pol.memory, np.nan)            # scratch: its contents must not matter
    for obs in rng.normal(size=(200, 3)) * 2:
        h = obs
        for W, b in layers:
            h = np.tanh(W @ h + b)
        act_nb(POLICY_MLP, params, 1, obs, 3, out, 2, mem)
        np.testing.assert_allclose(out, h, rtol=0, atol=1e-14)
