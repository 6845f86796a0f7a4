"""The heating house's interactive form (Python agents on the event-driven core) against the batch
engine on the same schedules (returns and metrics to 1e-9, counts exactly), and PettingZoo's own
tests (parallel API, seed, AEC API)."""
import warnings

import numpy as np
import pytest
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test
from pettingzoo.utils import parallel_to_aec

from heron.batch import build_schedule, evaluate
from heron.batch.interactive import PerObservationPolicy, _Episode, run_interactive
from heron.batch.policies import BatchedPolicy
from heron.demo_envs import heating_house
from heron.demo_envs.heating import LADDER
from heron.demo_envs.heating.agents import FloorController, Thermostat, Vent, ZoneCoordinator
from heron.demo_envs.heating.interactive import HeatingHouseEnv
from heron.scheduling import JitterType, TickConfig

U, G, L = JitterType.UNIFORM, JitterType.GAUSSIAN, JitterType.LOGNORMAL
COUNTS = ("n_ticks", "n_effects", "n_messages")
FLOATS = ("return", "obs_staleness_mean", "obs_staleness_max", "act_staleness_mean",
          "act_staleness_max", "energy_kwh", "comfort_k2h", "temp_min", "temp_max")
# a cold snap and a heat wave squeezed into two hours (breakpoints inside the episodes)
SNAP = [(0.0, 5.0), (1200.0, 5.0), (2400.0, -12.0), (4800.0, -12.0), (6000.0, 0.0)]
WAVE = [(0.0, 24.0), (900.0, 24.0), (3000.0, 36.0), (7200.0, 30.0)]


def p_thermostat_numpy(obs):
    """Proportional thermostats on a batch (setpoint: the last entry), in NumPy."""
    return np.clip(0.5 + 1.2 * (obs[:, -1:] - obs[:, :1]), 0.0, 1.0)


def coordinator_numpy(obs):
    """Setpoints pulled 0.8 K per K towards 21 degC from each room's temperature."""
    return np.clip(21.0 + 0.8 * (21.0 - obs[:, :-1]), 16.0, 26.0)


CASES = {
    # the ladder's last step: every agent, cold snap, windows, GAUSSIAN 30 %, alarms
    "floor-ladder-compiled": (
        lambda: heating_house(**{**LADDER["floor"], "horizon": 7200.0, "weather": SNAP,
                                 "alarm_band": (20.0, 22.0), "disturbance_mean": 900.0}),
        None, None, 4),
    # heat wave: the vent woken by overheat alarms; proportional thermostats; readings older
    # than a tick, UNIFORM jitter
    "heat-wave-uniform-long-delays": (
        lambda: heating_house(coordinator=True, vent=True, weather=WAVE, horizon=7200.0,
                              alarm_band=(19.0, 22.5)),
        {"field": TickConfig.with_jitter(60.0, 70.0, 20.0, 3.0, U, 0.3),
         "coordinator": TickConfig.with_jitter(300.0, 30.0, 0.0, 40.0, U, 0.3),
         "vent": TickConfig.with_jitter(600.0, 5.0, 10.0, 1.0, U, 0.3)},
        "heating_p_rules", 3),
    # no jitter, delays that land on other agents' ticks: ties at one instant everywhere
    "deterministic-ties": (
        lambda: heating_house(coordinator=True, vent=True, floor=True, weather=SNAP,
                              thermostat_ticks=(60.0, 120.0), horizon=5400.0,
                              alarm_band=(20.5, 21.5), disturbance_mean=600.0, jitter=0.0),
        {"field": TickConfig.deterministic(60.0, 30.0, 30.0, 60.0),
         "coordinator": TickConfig.deterministic(120.0, 60.0, 0.0, 60.0),
         "vent": TickConfig.deterministic(300.0, 60.0, 60.0, 0.0),
         "floor": TickConfig.deterministic(600.0, 0.0, 0.0, 120.0)},
        None, 3),
    # Python policies (the kernel pauses for them), LOGNORMAL jitter, different heater rates
    "lognormal-python-policies": (
        lambda: heating_house(coordinator=True, weather=SNAP, thermostat_ticks=(45.0, 150.0),
                              horizon=7200.0, alarm_band=(19.5, 23.0), disturbance_mean=1200.0),
        {"field": TickConfig.with_jitter(60.0, 5.0, 2.0, 1.0, L, 0.5),
         "coordinator": TickConfig.with_jitter(240.0, 5.0, 0.0, 2.0, L, 0.4)},
        {"field": BatchedPolicy(p_thermostat_numpy, name="p_np"),
         "coordinator": BatchedPolicy(coordinator_numpy, name="coord_np")}, 3),
}


def assert_same(a, b):
    for k in ("seed", "episode", "agent", "agent_index", "agent_class") + COUNTS:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    for k in FLOATS:
        np.testing.assert_allclose(b[k], a[k], rtol=0, atol=1e-9, equal_nan=True, err_msg=k)


@pytest.mark.parametrize("name", sorted(CASES))
def test_batch_and_interactive_engines_agree(name):
    make, timing, policy, n = CASES[name]
    env = make()
    kw = dict(timing=timing, n_episodes=n, seed=7, episode_start=3)
    batch = evaluate(env, policy, as_arrays=True, **kw).arrays
    inter = run_interactive(env, policy, as_arrays=True, **kw)
    assert inter.stats["engine"] == "interactive" and inter.stats["events"] > 0
    assert_same(batch, inter.arrays)
    a = inter.arrays
    th = np.char.startswith(a["agent"].astype(str), "thermostat")
    assert a["n_messages"][th].sum() > 0                      # alarms were raised
    woken = ~th & (a["agent_class"] == "coordinator") | (a["agent"] == "vent")
    sched = build_schedule(env, timing, n_episodes=n, seed=7, episode_start=3)
    regular = np.array([[sched.n_ticks[e, i] for i in range(len(env.agents))]
                        for e in range(n)]).reshape(-1)
    assert (a["n_ticks"][woken] > regular[woken]).any()       # out-of-cycle ticks happened


def test_replaying_a_schedule_by_hand_gives_the_batch_episode():
    env = CASES["floor-ladder-compiled"][0]()
    batch = evaluate(env, None, n_episodes=1, seed=5, episode_start=2, as_arrays=True).arrays
    from heron.batch.arguments import resolve_policies

    sch = build_schedule(env, None, n_episodes=1, seed=5, episode_start=2)
    pols = [PerObservationPolicy(p, a, env.msg_init, _Episode(), i)
            for i, (p, a) in enumerate(zip(resolve_policies(env, None), env.agents))]
    ienv = env.interactive_env(timing=sch.tick_configs(2), policy=pols, seed=5, episode=2)
    ienv.run()
    got = ienv.episode_metrics()
    for i, aid in enumerate(env.agent_ids):
        for k in COUNTS:
            assert got[aid][k] == batch[k][i], (aid, k)
        for k in ("return", "comfort_k2h", "energy_kwh", "temp_min"):
            assert got[aid][k] == pytest.approx(batch[k][i], abs=1e-9), (aid, k)


def test_python_agents_spaces_and_initial_state():
    spec = heating_house(3, coordinator=True, vent=True, floor=True)
    env = spec.interactive_env(seed=4, episode=9)
    assert isinstance(env, HeatingHouseEnv) and env.possible_agents == spec.agent_ids
    kinds = [type(env.get_agent(a)) for a in spec.agent_ids]
    assert kinds == [Thermostat] * 3 + [Vent, ZoneCoordinator, FloorController]
    assert env.observation_space("thermostat_1").shape == (2,)   # temperature, setpoint
    assert env.observation_space("vent").shape == (4,)
    assert env.action_space("coordinator").shape == (3,)
    assert env.action_space("floor").shape == (2,)
    again = spec.interactive_env(seed=4, episode=0)
    again.reset(seed=4, options={"episode": 9})
    np.testing.assert_array_equal(env.st["temp"], again.st["temp"])
    obs, _ = again.reset(options={"episode": 10})
    assert not np.array_equal(env.st["temp"], again.st["temp"])
    assert obs["thermostat_1"][1] == 21.0 and obs["floor"].shape == (2,)


def test_step_rewards_add_up_to_the_returns():
    spec = heating_house(coordinator=True, vent=True, weather=WAVE, horizon=1800.0)
    env = spec.interactive_env(seed=3)
    env.reset(seed=3, options={"episode": 1})
    env.trace = []
    total = {a: 0.0 for a in env.agents}
    while env.agents:
        acts = {"thermostat_1": np.array([1.0]), "thermostat_2": np.array([0.0]),
                "vent": np.array([0.5]), "coordinator": np.array([21.0, 22.0])}
        obs, rew, term, trunc, info = env.step(acts)
        for a, r in rew.items():
            total[a] += r
    assert all(trunc.values()) and info["vent"]["time"] == 1800.0
    np.testing.assert_allclose(list(total.values()), env.returns, rtol=0, atol=1e-12)
    # heater 2 stays off: room 2's energy is its share of the vent since the vent's command
    # landed (kW x s -> kWh)
    landed = min(x["time"] for x in env.trace if x["kind"] == "effect" and x["agent"] == "vent")
    share = spec.p.vent_kw / spec.p.vent_cop * 0.5 * (1800.0 - landed) / 3600.0
    m = env.episode_metrics()
    assert m["thermostat_2"]["energy_kwh"] == pytest.approx(share, rel=1e-12)
    assert m["vent"]["energy_kwh"] == pytest.approx(m["thermostat_1"]["energy_kwh"] + share)


@pytest.fixture
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PettingZoo's advice (infinite bounds, ...)
        yield


VARIANTS = {
    "two-rooms": lambda: heating_house(horizon=3600.0),
    "everything": lambda: heating_house(**{**LADDER["floor"], "horizon": 3600.0,
                                           "alarm_band": (20.0, 22.0),
                                           "disturbance_mean": 600.0}),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_pettingzoo_api_seed_and_aec_tests(name, _quiet):
    spec = VARIANTS[name]()
    parallel_api_test(spec.interactive_env(), num_cycles=70)
    parallel_seed_test(lambda: spec.interactive_env(), num_cycles=70)
    api_test(parallel_to_aec(spec.interactive_env()), num_cycles=70)
