"""Bad input gets clear errors naming the argument, the expected and the received value."""
import numpy as np
import pytest
from numba import njit

from heron.batch import evaluate
from heron.batch.env import BatchEnv
from heron.batch.policies import BatchedPolicy, linear, per_observation
from heron.demo_envs import battery_fleet
from heron.scheduling import TickConfig

ENV = battery_fleet(2, horizon=10.0)


def test_n_episodes_must_be_positive():
    with pytest.raises(ValueError, match="n_episodes must be >= 1; got 0"):
        evaluate(ENV, "simple", n_episodes=0, seed=1)
    with pytest.raises(TypeError, match="n_episodes must be an int"):
        evaluate(ENV, "simple", n_episodes=2.5, seed=1)


def test_bad_seed_horizon_engine_threads():
    with pytest.raises(ValueError, match="seed must be >= 0"):
        evaluate(ENV, "simple", n_episodes=1, seed=-1)
    with pytest.raises(ValueError, match="horizon must be a finite number"):
        evaluate(ENV, "simple", n_episodes=1, seed=1, horizon=-3.0)
    with pytest.raises(ValueError, match="engine must be one of"):
        evaluate(ENV, "simple", n_episodes=1, seed=1, engine="fast")
    with pytest.raises(ValueError, match="threads must be <="):
        evaluate(ENV, "simple", n_episodes=1, seed=1, threads=10_000)


def test_interactive_engine_needs_an_interactive_form():
    from heron.demo_envs.battery.fleet import battery_fleet as spec_only

    with pytest.raises(NotImplementedError, match="interactive form"):
        evaluate(spec_only(), "simple", n_episodes=1, seed=1, engine="interactive")


def test_timing_for_unknown_agent_lists_valid_ids():
    with pytest.raises(ValueError, match=r"unknown agent id\(s\) \['battery_9'\].*battery_1"):
        evaluate(ENV, "simple", n_episodes=1, seed=1,
                 timing={"battery_9": TickConfig.deterministic(1.0)})
    with pytest.raises(TypeError, match="timing must be None, a TickConfig or a dict"):
        evaluate(ENV, "simple", n_episodes=1, seed=1, timing=1.0)


def test_unknown_policy_name_and_dict_key():
    with pytest.raises(ValueError, match="unknown policy name 'smart'.*simple"):
        evaluate(ENV, "smart", n_episodes=1, seed=1)
    with pytest.raises(ValueError, match="policy has unknown key"):
        evaluate(ENV, {"boss": "simple"}, n_episodes=1, seed=1)
    with pytest.raises(TypeError, match="policy must be a policy name"):
        evaluate(ENV, 42, n_episodes=1, seed=1)


def test_env_functions_must_be_compiled():
    spec = battery_fleet(1)
    funcs = dict(spec.functions)
    funcs["advance"] = funcs["advance"].py_func        # a plain Python function
    with pytest.raises(TypeError, match="'advance' must be compiled with numba.njit"):
        BatchEnv(name="x", params={}, agents=spec.agents, default_timing={},
                 state_dtype=spec.state_dtype, n_units=1, env_params=spec.env_params,
                 functions=funcs, kernel_key="x")
    del funcs["advance"]
    with pytest.raises(TypeError, match=r"functions \['advance'\] are missing"):
        BatchEnv(name="x", params={}, agents=spec.agents, default_timing={},
                 state_dtype=spec.state_dtype, n_units=1, env_params=spec.env_params,
                 functions=funcs, kernel_key="x")
    with pytest.raises(TypeError, match="env must be a heron.batch.BatchEnv"):
        evaluate(object(), "simple", n_episodes=1, seed=1)


@pytest.mark.parametrize("engine", ["batch", "sync"])
def test_python_policy_wrong_shape(engine):
    with pytest.raises(ValueError, match=r"returned shape \(3, 2\).*expected \(\d+, 1\)"):
        evaluate(ENV, lambda obs: np.zeros((3, 2)), n_episodes=4, seed=1, engine=engine)


def test_per_observation_function_needs_the_wrapper_hint():
    def simple_policy(obs):
        return np.array([0.5]) if obs[0] < 0.45 else np.array([0.0])

    with pytest.raises(ValueError, match="per_observation"):
        evaluate(ENV, simple_policy, n_episodes=4, seed=1)
    evaluate(ENV, per_observation(simple_policy), n_episodes=4, seed=1)


@pytest.mark.parametrize("engine", ["batch", "sync"])
def test_python_policy_nan_names_agent_and_episode(engine):
    def bad(obs):
        out = np.zeros((len(obs), 1))
        out[-1, 0] = np.nan
        return out

    with pytest.raises(ValueError, match=r"non-finite action.*agent 'battery_\d' in episode \d+"):
        evaluate(ENV, bad, n_episodes=3, seed=1, episode_start=10, engine=engine)


def test_python_policy_out_of_range():
    with pytest.raises(ValueError, match=r"outside the range.*agent 'battery_1' in episode 5"):
        evaluate(ENV, {"battery_1": lambda o: np.full((len(o), 1), 1.5), "battery_2": "simple"},
                 n_episodes=1, seed=1, episode_start=5)


@pytest.mark.parametrize("engine", ["batch", "sync", "interactive"])
def test_compiled_policy_out_of_range_names_value_range_agent_episode(engine):
    msg = (r"compiled policy 'linear' of agent 'battery_1' produced action\[0\] = 2.0 outside "
           r"the agent's range \[-1.0, 1.0\] in episode 3; pass clip=True")
    with pytest.raises(ValueError, match=msg):
        evaluate(ENV, linear(np.zeros((1, 1)), [2.0]), n_episodes=2, seed=1, episode_start=3,
                 engine=engine)
    clipped = evaluate(ENV, linear(np.zeros((1, 1)), [2.0], clip=True), n_episodes=2, seed=1,
                       engine=engine)
    full = evaluate(ENV, linear(np.zeros((1, 1)), [1.0]), n_episodes=2, seed=1, engine=engine)
    np.testing.assert_array_equal(clipped.arrays["return"], full.arrays["return"])


def test_unknown_compiled_policy_kind_is_refused():
    from heron.batch.policies import CompiledPolicy

    with pytest.raises(ValueError, match="unknown policy kind 42; valid kinds"):
        CompiledPolicy("mine", 42, np.zeros(3))
    with pytest.raises(ValueError, match="unknown policy kind 0"):
        CompiledPolicy("mine", 0, np.zeros(3))   # 0 is the Python marker, not a compiled kind


def test_compiled_policy_out_of_range_and_dims():
    for engine in ("batch", "interactive"):
        with pytest.raises(ValueError, match="for agent 'battery_1' expects obs_dim=3, act_dim=1;"
                                             " the agent has obs_dim=1, act_dim=1"):
            evaluate(ENV, linear(np.zeros((1, 3)), [0.0]), n_episodes=2, seed=1, engine=engine)


def test_compiled_functions_detected_as_plain_njit():
    @njit
    def f(x):
        return x

    assert f(1) == 1   # sanity for the helper used above
    assert isinstance(BatchedPolicy(lambda o: o).name, str)
