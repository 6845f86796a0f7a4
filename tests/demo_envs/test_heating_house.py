"""The heating house batch env (heron.demo_envs.heating): exact physics against an ODE solver,
alarms, disturbances, the factory's arguments, the ladder of variants, check_env, heron.make."""
import math
import warnings

import numpy as np
import pytest

import heron
from heron.batch import check_env, evaluate
from heron.batch import policies as batch_policies
from heron.demo_envs import heating_house
from heron.demo_envs.heating import LADDER, WEATHER
from heron.demo_envs.heating import compiled as nb


def state(env, temps, heat, vent=0.0, t=0.0):
    st = np.zeros((1, env.n_units), dtype=env.state_dtype)
    nb.init(st, 0, env.p, 3, 0)
    st["temp"][0] = temps
    st["temp_min"][0] = st["temp_max"][0] = temps
    st["heat"][0] = heat
    st["vent"][0] = vent
    st["t"][0] = t
    return st


def reference(env, temps, heat, vent, t0, dt):
    """solve_ivp on the ODE of the module docstring: temperatures, integral of (T - target)^2
    and dense samples (for the extremes)."""
    from scipy.integrate import solve_ivp

    p = env.p
    n = env.n_units
    ts, vs = np.asarray(p.out_t)[:p.n_out], np.asarray(p.out_v)[:p.n_out]
    ua, cap, p_heat = (np.asarray(x)[:n] for x in (p.ua, p.cap, p.p_heat))

    def rhs(t, y):
        t_out = np.interp(t, ts, vs)
        T = y[:n]
        dT = (ua * (t_out - T) + p_heat * np.asarray(heat) - p.vent_kw * vent) / cap
        return np.concatenate([dT, (T - p.target) ** 2])

    # the profile has kinks at its breakpoints: integrate piece by piece
    edges = [t0] + [x for x in ts if t0 < x < t0 + dt] + [t0 + dt]
    y = np.concatenate([np.asarray(temps, float), np.zeros(n)])
    samples = [y[:n]]
    for a, b in zip(edges[:-1], edges[1:]):
        sol = solve_ivp(rhs, (a, b), y, method="DOP853", rtol=1e-12, atol=1e-12,
                        dense_output=True)
        samples.append(sol.sol(np.linspace(a, b, 20001))[:n].T)
        y = sol.y[:, -1]
    dense = np.vstack(samples)
    return y[:n], y[n:], dense.min(axis=0), dense.max(axis=0)


@pytest.mark.parametrize("weather,t0,dt", [("cold_snap", 5000.0, 3000.0),
                                           ("heat_wave", 2000.0, 9000.0),
                                           ("mild", 0.0, 600.0)])
def test_advance_is_the_exact_solution_across_weather_breakpoints(weather, t0, dt):
    env = heating_house(vent=True, weather=weather)
    temps, heat, vent = [19.5, 22.0], [0.7, 0.2], 0.3
    st = state(env, temps, heat, vent, t0)
    T, sq, lo, hi = reference(env, temps, heat, vent, t0, dt)
    for i in range(len(env.agents)):   # rewards: closed form == the integral of the rate
        got = nb.reward_integral(st, 0, env.p, i, dt)
        power = np.asarray(env.p.p_heat)[:2] * heat + env.p.vent_kw / env.p.vent_cop * vent
        rates = -(sq + env.p.energy_weight * power * dt) / 3600.0
        want = rates[i] if i < 2 else rates.mean()
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12)
    nb.advance(st, 0, env.p, dt)
    np.testing.assert_allclose(st["temp"][0], T, rtol=0, atol=1e-9)
    np.testing.assert_allclose(st["sq_dev"][0], sq, rtol=1e-9)
    np.testing.assert_allclose(st["temp_min"][0], lo, atol=1e-6)   # dense samples: ~1e-8 K
    np.testing.assert_allclose(st["temp_max"][0], hi, atol=1e-6)
    np.testing.assert_allclose(st["kwh"][0], power * dt / 3600.0, rtol=1e-14)
    assert (st["t"][0] == t0 + dt).all()


def test_advance_does_not_depend_on_how_an_interval_is_split():
    env = heating_house(weather="cold_snap")
    a = state(env, [20.0, 21.0], [1.0, 0.0], t=5300.0)
    b = a.copy()
    nb.advance(a, 0, env.p, 2500.0)
    for d in (100.0, 0.5, 1399.5, 1000.0):   # crosses the breakpoints at 5400 s and 7200 s
        nb.advance(b, 0, env.p, d)
    for f in ("temp", "t", "kwh", "sq_dev", "temp_min", "temp_max"):
        np.testing.assert_allclose(b[f], a[f], rtol=1e-12, atol=1e-12, err_msg=f)


def test_alarms_fire_once_per_excursion_and_only_with_a_receiver():
    env = heating_house(coordinator=True, vent=True, alarm_band=(18.0, 24.0))
    st = state(env, [21.0, 21.0], [0.0, 0.0])
    vent, coord = env.agent_index("vent"), env.agent_index("coordinator")
    seq = [(25.0, vent), (25.5, -1), (21.0, -1), (24.5, vent), (17.0, coord), (16.0, -1),
           (25.0, vent), (17.5, coord)]
    for x, want in seq:
        assert nb.trigger(st, 0, env.p, 0, np.array([x, 21.0])) == want, x
    assert nb.trigger(st, 0, env.p, coord, np.zeros(3)) == -1   # only thermostats raise alarms
    plain = heating_house()   # no vent, no coordinator: nobody to wake
    st = state(plain, [21.0, 21.0], [0.0, 0.0])
    assert [nb.trigger(st, 0, plain.p, 1, np.array([x])) for x in (30.0, 10.0)] == [-1, -1]


def test_disturbance_cools_one_room_by_at_most_its_size():
    env = heating_house(disturbance_mean=600.0, disturbance_size=2.0)
    drops = []
    for j in range(40):
        st = state(env, [21.0, 21.0], [0.0, 0.0])
        nb.disturb(st, 0, env.p, 5, 1, j)
        d = 21.0 - st["temp"][0]
        assert (d >= 0).all() and (d <= 2.0).all() and (d > 0).sum() == 1
        assert st["temp_min"][0].min() == st["temp"][0].min()
        drops.append(int(np.argmax(d)))
    assert set(drops) == {0, 1}


def test_agents_timing_and_messages_of_the_full_hierarchy():
    env = heating_house(3, coordinator=True, vent=True, floor=True, thermostat_ticks=60.0,
                        jitter=0.0)
    assert env.agent_ids == ["thermostat_1", "thermostat_2", "thermostat_3", "vent",
                             "coordinator", "floor"]
    by = {a.id: a for a in env.agents}
    assert [by[f"thermostat_{u}"].parent for u in (1, 2, 3)] == [4, 4, 4]
    assert (by["coordinator"].parent, by["coordinator"].child_slot) == (5, 0)
    assert (by["vent"].parent, by["vent"].child_slot) == (5, 1)
    assert by["coordinator"].obs_dim == 5 and by["coordinator"].act_dim == 3
    assert by["floor"].obs_dim == 2 and by["floor"].act_dim == 2
    assert all(by[f"thermostat_{u}"].alarms for u in (1, 2, 3))
    assert env.msg_init == 21.0 and env.dt == 60.0 and env.horizon == 6 * 3600.0
    t = env.default_timing
    assert t["field"].tick_interval == 60.0 and t["coordinator"].tick_interval == 300.0
    assert t["vent"].tick_interval == 900.0 and t["floor"].tick_interval == 900.0
    rates = heating_house(thermostat_ticks=(60.0, 150.0)).default_timing
    assert rates["thermostat_2"].tick_interval == 150.0 and "thermostat_1" not in rates


@pytest.mark.parametrize("kwargs,match", [
    (dict(n_rooms=0), r"n_rooms must be an int in \[1, 64\]; got 0"),
    (dict(weather=[(60.0 * j, 5.0) for j in range(33)]), "1 to 32 .* breakpoints; got 33"),
    (dict(floor=True), "floor=True needs coordinator=True"),
    (dict(weather="monsoon"), "weather must be one of .*'monsoon'"),
    (dict(weather=[(0.0, 5.0), (0.0, 6.0)]), "strictly increasing"),
    (dict(thermostat_ticks=(60.0,)), "thermostat_ticks must have n_rooms=2 entries; got 1"),
    (dict(ua=(0.1, -1.0)), "ua must be finite numbers > 0"),
    (dict(jitter=1.5), r"jitter must be a ratio in \[0, 1\]; got 1.5"),
    (dict(alarm_band=(24.0, 18.0)), "alarm_band must be finite degC with low <= high"),
    (dict(target=30.0), "target must lie in setpoint_range"),
    (dict(horizon=0.0), "horizon must be a finite number of seconds > 0; got 0.0"),
    (dict(coordinator=1), "coordinator must be a bool; got 1"),
    (dict(jitter="high"), "jitter must be a finite number; got 'high'"),
    (dict(timing={"vent": None}), r"timing must be a dict keyed by agent id or class, one of "
                                  r"\['thermostat_1', 'thermostat_2', 'field', 'coordinator'\]"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        heating_house(**kwargs)


def test_every_ladder_step_builds_and_the_weather_is_scheduled():
    sizes = {name: len(heating_house(**kw).agents) for name, kw in LADDER.items()}
    assert sizes["two_rooms"] == 2 and sizes["coordinator"] == 3 and sizes["floor"] == 5
    env = heating_house(**LADDER["cold_snap"])
    assert env.disturbance_mean == 1800.0 and env.params["weather"] == "cold_snap"
    st = state(env, [21.0, 21.0], [0.0, 0.0])
    assert nb.outdoor(env.p, 0.0)[0] == 5.0 and nb.outdoor(env.p, 3 * 3600.0)[0] == -8.0
    assert nb.outdoor(env.p, 1.75 * 3600.0)[:2] == pytest.approx((-1.5, -13.0 / 1800.0))
    custom = heating_house(weather=[(0.0, 0.0), (100.0, 10.0)])
    assert custom.params["weather"] == [[0.0, 0.0], [100.0, 10.0]]
    assert sorted(WEATHER) == ["cold_snap", "heat_wave", "mild"] and st.shape == (1, 2)


def test_registered_by_name_with_its_policies():
    env = heron.make("Heating-v0", coordinator=True, vent=True)
    assert env.name == "heating_house" and env.agent_ids[-1] == "coordinator"
    assert heron.spec("heating_house").id == "Heating-v0"
    rules = batch_policies.get("heating_rules")
    assert set(rules) == {"field", "coordinator"}
    assert batch_policies.get("heating_thermostat").name == "heating_thermostat"


def test_check_env_and_the_rules_keep_rooms_comfortable():
    """check_env on the whole ladder's last step (short horizon, narrow alarm band so alarms
    and out-of-cycle ticks happen), then the default rules against doing nothing."""
    env = heating_house(**{**LADDER["floor"], "horizon": 3600.0, "alarm_band": (20.0, 22.0)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no EnvCheckWarning either
        report = check_env(env, n_episodes=4)
    assert any("batch == interactive" in c for c in report.checked)
    env = heating_house(coordinator=True, horizon=7200.0)
    kw = dict(n_episodes=40, seed=2, as_arrays=True)
    ruled = evaluate(env, None, **kw).arrays
    idle = {"field": batch_policies.step(0.0, 0.0, 0.0, 0.0, 0.0, name="off"),
            "coordinator": batch_policies.linear(np.zeros((2, 3)), [21.0, 21.0], name="flat")}
    idle = evaluate(env, idle, **kw).arrays
    th = ruled["agent_class"] == "field"
    assert ruled["comfort_k2h"][th].mean() < 0.5 * idle["comfort_k2h"][th].mean()
    assert ruled["energy_kwh"][th].mean() > 1.0 and idle["energy_kwh"][th].max() == 0.0
    assert math.isfinite(ruled["return"].sum())


def test_example_sweep_study_resolves_with_the_reference_grid():
    """examples/study_heating_sweep.toml: the registered env and policy sets resolve, and the
    grid is the reference's (explicit values, so no preset rescales them): 4 tick ratios x 3
    jitters x 3 action delays x 3 message delays over 60 s thermostats."""
    from pathlib import Path

    from heron.study.resolve import check_study, resolve_policy
    from heron.study.spec import load_spec

    spec = load_spec(Path(__file__).parents[2] / "examples" / "study_heating_sweep.toml")
    env, _, _ = check_study(spec)
    assert env.name == "heating_house" and env.agent_ids[-1] == "coordinator"
    assert env.params["weather"] == "cold_snap" and env.disturbance_mean == 1800.0
    grid = [s for s in spec.for_env(env).scenarios if s.kind == "grid"]
    assert len(grid) == 4 * 3 * 3 * 3
    assert {s.timing["field"]["tick_interval"] for s in grid} == {60.0}
    assert {s.timing["coordinator"]["tick_interval"] for s in grid} == {60.0, 300.0, 1800.0,
                                                                         18000.0}
    assert {s.timing["field"]["jitter_ratio"] for s in grid} == {0.0, 0.15, 0.3}
    assert {s.timing["field"]["act_delay"] for s in grid} == {0.0, 0.5, 1.0}
    assert {s.timing["coordinator"]["msg_delay"] for s in grid} == {0.0, 0.5, 1.0}
    for p in spec.policies:
        assert set(resolve_policy(p.to_dict())) == {"field", "coordinator"}
