"""check_env: correct envs pass; each authoring mistake gets an EnvCheckError naming the function,
the agent and what was wrong (times in seconds)."""
import traceback
import warnings

import numpy as np
import pytest
from numba import njit

from heron.batch.check import EnvCheckError, EnvCheckWarning, check_env
from heron.batch.env import AgentSpec, BatchEnv
from heron.batch.random import INIT, stream_key, uniform
from heron.demo_envs import battery_fleet


# -- a small custom env: two rooms, each with a heater (action in [0, 1]) ----------------------
@njit
def init(st, e, p, seed, episode):
    for u in range(st.shape[1]):
        st[e, u].temp = p.t_init + 2.0 * uniform(stream_key(seed, episode, u, INIT), 0)
        st[e, u].heat = 0.0
        st[e, u].energy = 0.0


@njit
def observe(st, e, p, agent, out):
    out[0] = st[e, agent].temp


@njit
def effect(st, e, p, agent, act):
    st[e, agent].heat = act[0]


@njit
def advance(st, e, p, dt):
    """Exact exponential relaxation over dt seconds towards the heated equilibrium."""
    for u in range(st.shape[1]):
        r = st[e, u]
        t_eq = p.t_out + p.gain * r.heat / p.k
        r.temp = t_eq + (r.temp - t_eq) * np.exp(-p.k * dt)
        r.energy += p.power * r.heat * dt


@njit
def reward(st, e, p, agent):
    return -abs(st[e, agent].temp - p.target)


@njit
def energy_kwh(st, e, p, agent):
    return st[e, agent].energy / 3.6e6


def rooms(agents=None, **functions):
    """The two-room env, with some functions replaced (the mistakes below)."""
    return BatchEnv(
        name="two_rooms",
        agents=agents or [AgentSpec(f"heater_{i}", act_low=0.0, act_high=1.0) for i in (1, 2)],
        state_dtype={"temp": "f8", "heat": "f8", "energy": "f8", "calls": "i8"}, n_units=2,
        env_params={"t_init": 18.0, "target": 21.0, "k": 1e-3, "t_out": 5.0, "gain": 0.02,
                    "power": 2000.0, "calls": 0},
        functions={"init": init, "observe": observe, "effect": effect, "advance": advance,
                   "reward": reward, **functions},
        metrics={"energy_kwh": energy_kwh}, dt=60.0, horizon=1800.0)


def expect(env, *fragments, **kw):
    with pytest.raises(EnvCheckError) as info:
        check_env(env, **kw)
    for f in fragments:
        assert f in str(info.value), str(info.value)
    return info.value


# -- envs that pass -----------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: battery_fleet(),
                                  lambda: battery_fleet(8, coordinator=True, horizon=300.0)],
                         ids=["w1", "w2"])
def test_battery_fleets_pass(make):
    with warnings.catch_warnings():
        warnings.simplefilter("error", EnvCheckWarning)
        report = check_env(make())
    assert any("synchronous" in c for c in report.checked)
    assert any("interactive" in c for c in report.checked)


def test_custom_env_passes():
    with warnings.catch_warnings():
        warnings.simplefilter("error", EnvCheckWarning)
        report = check_env(rooms(), n_episodes=4)
    assert len(report.checked) == 3 and not report.warnings


# -- mistakes -----------------------------------------------------------------------------------
@njit
def observe_typo(st, e, p, agent, out):
    out[0] = st[e, agent].temp + ofset  # noqa: F821 - the typo under test


def test_typo_raises_in_the_users_file_and_line():
    err = expect(rooms(observe=observe_typo), "observe(st, e=0, p, agent=0, out)",
                 "heater_1", "NameError", "ofset")
    assert isinstance(err.__cause__, NameError)
    last = traceback.extract_tb(err.__cause__.__traceback__)[-1]
    assert last.filename == __file__ and "ofset" in last.line


@njit
def observe_past_row(st, e, p, agent, out):
    out[0] = st[e, agent].temp
    out[1] = p.target


def test_observe_writing_past_its_row_python_pass():
    err = expect(rooms(observe=observe_past_row),
                 "observe wrote outside its out row for agent 'heater_1' (obs_env_dim=1)",
                 "out[1]")
    assert isinstance(err.__cause__, IndexError)


def test_observe_writing_past_its_row_compiled_canaries():
    # python=False: only compiled code runs, where nothing raises an IndexError
    expect(rooms(observe=observe_past_row),
           "compiled observe wrote outside its out row for agent 'heater_1' (obs_env_dim=1)",
           "out[1]", python=False)


@njit
def reward_nan(st, e, p, agent):
    return np.sqrt(st[e, agent].temp - p.target - 100.0)


def test_nan_reward():
    expect(rooms(reward=reward_nan), "reward(st, e=0, p, agent=0) for agent 'heater_1' returned "
                                     "nan: reward must be finite")


@njit
def advance_nan(st, e, p, dt):
    for u in range(st.shape[1]):
        st[e, u].temp += np.log(st[e, u].heat - 2.0) * dt


def test_nan_state_after_advance():
    expect(rooms(advance=advance_nan), "advance(st, e=0, p, dt=60) left nan in state field 'temp'")


CALLS = np.zeros(1)


@njit
def init_counter(st, e, p, seed, episode):
    CALLS[0] += 1.0
    for u in range(st.shape[1]):
        st[e, u].temp = p.t_init + CALLS[0]


def test_non_deterministic_init():
    expect(rooms(init=init_counter), "init(st, e=2, p, seed=0, episode=0) is not deterministic",
           "'temp'", "no global counters")


@njit
def advance_counting(st, e, p, dt):
    for u in range(st.shape[1]):
        r = st[e, u]
        r.calls += 1
        r.temp += 0.01 * r.heat * r.calls  # a fixed step per call: ignores dt


def test_advance_depending_on_calls_not_dt():
    expect(rooms(advance=advance_counting), "advance(st, e=0, p, dt) changed state field 'temp'",
           "depending only on the state, the actuators and dt")


@njit
def advance_p_counter(st, e, p, dt):
    p.calls += 1
    advance(st, e, p, dt)


def test_advance_changing_the_parameters():
    expect(rooms(advance=advance_p_counter), "advance(st, e=0, p, dt=60) changed the env "
                                             "parameters (calls)")


@njit
def effect_accumulating(st, e, p, agent, act):
    st[e, agent].heat = act[0]
    st[e, agent].energy += act[0] * p.power * 60.0  # "the next minute": physics in effect


def test_event_driven_and_sync_engines_disagree():
    with pytest.warns(EnvCheckWarning, match="effect should only set actuators"):
        expect(rooms(effect=effect_accumulating), "event-driven engine with zero delays",
               "'energy_kwh' for agent 'heater_1'", "effect must only set actuators",
               "advance must depend only on the state, the actuators and dt", n_episodes=2)


@njit
def trigger_out_of_range(st, e, p, agent, obs):
    return st.shape[1]


def test_trigger_out_of_range():
    expect(rooms(trigger=trigger_out_of_range), "trigger(st, e=0, p, agent=0, obs) for agent "
           "'heater_1' returned 2: trigger must return -1 (no alarm) or an agent index in [0, 2)")


def test_infinite_action_bounds():
    agents = [AgentSpec("heater_1", act_low=0.0, act_high=np.inf),
              AgentSpec("heater_2", act_low=0.0, act_high=1.0)]
    expect(rooms(agents=agents), "agent 'heater_1' has non-finite action bounds", "act_high")


def test_a_wrong_closed_form_reward_integral_is_caught():
    from heron.demo_envs import battery_fleet

    env = battery_fleet(2)

    @njit
    def half_integral(st, e, p, agent, dt):      # off by a factor of two
        return -0.5 * abs(p.target - st[e, agent].soc) * dt

    funcs = dict(env.functions, reward_integral=half_integral)
    bad = BatchEnv(name="battery_wrong_integral", agents=env.agents,
                   state_dtype=env.state_dtype, n_units=env.n_units,
                   env_params={n: env.env_params[n][0] for n in env.env_params.dtype.names},
                   functions=funcs, metrics=env.metrics, dt=env.dt, horizon=env.horizon)
    expect(bad, "reward_integral(st, e=0, p, agent=0, dt=1) for agent 'battery_1' returned",
           "must be the exact integral of reward")
