"""The traffic-signal corridor's batch env (heron.demo_envs.traffic): closed-form physics checked
against hand calculations, exactness under any split of an interval, vehicle conservation, the
policies' rules, the factory's validation, registration and check_env (all passes)."""
import numpy as np
import pytest

import heron
from heron.batch import check_env
from heron.batch import policies as batch_policies
from heron.demo_envs import traffic_corridor
from heron.demo_envs.traffic import compiled as nb
from heron.demo_envs.traffic.policies import corridor_lookahead_fn, queue_balance_fn
from heron.scheduling import JitterType

MAIN, TO_SIDE, SIDE, TO_MAIN = nb.MAIN_GREEN, nb.TO_SIDE, nb.SIDE_GREEN, nb.TO_MAIN


def state(env, **fields):
    """One episode row with every unit set from ``fields`` (scalars or per-unit lists)."""
    st = np.zeros((1, env.n_units), dtype=env.state_dtype)
    for k, v in fields.items():
        st[0][k] = v
    return st


def advance(env, st, dt):
    env.functions["advance"](st, 0, env.p, dt)


def test_one_intersection_main_green_drains_then_passes_arrivals_through():
    """Main green held: the main queue drains at sat - arrivals = 0.55 veh/s until it empties
    (10 / 0.55 s), then arrivals pass through; the red side queue grows at 0.15 veh/s."""
    env = traffic_corridor(1, coordinator=False)
    st = state(env, qm=10.0, qs=2.0, phase=MAIN, req=1, lam_m=0.45, lam_s=0.15)
    expected = -(10.0 * (10.0 / 0.55) / 2.0 + (2.0 + 2.0 + 0.15 * 30.0) / 2.0 * 30.0)
    assert env.functions["reward_integral"](st, 0, env.p, 0, 30.0) == pytest.approx(
        expected, rel=1e-13)
    advance(env, st, 30.0)
    r = st[0, 0]
    assert r["qm"] == 0.0 and r["qs"] == pytest.approx(6.5, rel=1e-14)
    assert r["main_delay"] == pytest.approx(10.0 * (10.0 / 0.55) / 2.0, rel=1e-13)
    assert r["side_delay"] == pytest.approx(127.5, rel=1e-13)
    t_empty = 10.0 / 0.55
    assert r["served"] == pytest.approx(1.0 * t_empty + 0.45 * (30.0 - t_empty), rel=1e-13)
    assert r["phase"] == MAIN and r["changes"] == 0.0 and r["elapsed"] == pytest.approx(30.0)


def test_minimum_green_then_clearance_then_side_green():
    """Side requested 2 s into a main green: the green lasts to its 7 s minimum (5 s more),
    4 s of clearance discharge nothing, then the side queue drains at 0.5 - 0.15 veh/s."""
    env = traffic_corridor(1, coordinator=False)
    st = state(env, qm=20.0, qs=5.0, phase=MAIN, elapsed=2.0, req=0, lam_m=0.45, lam_s=0.15)
    advance(env, st, 6.0)
    r = st[0, 0]
    assert (r["phase"], r["elapsed"], r["changes"]) == (TO_SIDE, pytest.approx(1.0), 1.0)
    assert r["qm"] == pytest.approx(20.0 - 0.55 * 5.0 + 0.45 * 1.0)
    advance(env, st, 4.0)   # t = 10: side green since t = 9
    assert (r["phase"], r["elapsed"]) == (SIDE, pytest.approx(1.0))
    assert r["qs"] == pytest.approx(5.0 + 0.15 * 10.0 - 0.5 * 1.0)
    assert r["qm"] == pytest.approx(20.0 - 0.55 * 5.0 + 0.45 * 5.0)
    # a request for the main street is served only after the side street's minimum green
    st[0, 0]["req"] = 1
    advance(env, st, 5.0)   # t = 15: side green for 6 s
    assert r["phase"] == SIDE
    advance(env, st, 2.0)   # t = 17: the side green ended at 16 s
    assert (r["phase"], r["elapsed"], r["changes"]) == (TO_MAIN, pytest.approx(1.0), 2.0)


def test_a_command_past_the_minimum_green_switches_at_once():
    env = traffic_corridor(1, coordinator=False)
    st = state(env, qm=3.0, qs=3.0, phase=MAIN, elapsed=30.0, req=1, lam_m=0.45, lam_s=0.15)
    env.functions["effect"](st, 0, env.p, 0, np.array([0.49]))   # < 0.5: the side street
    assert st[0, 0]["phase"] == MAIN          # effect only sets the request ...
    advance(env, st, 1e-9)                    # ... the phase changes as soon as time passes
    assert st[0, 0]["phase"] == TO_SIDE and st[0, 0]["changes"] == 1.0
    env.functions["effect"](st, 0, env.p, 0, np.array([0.5]))    # >= 0.5: the main street
    assert st[0, 0]["req"] == 1


def test_discharged_flow_feeds_the_next_intersection():
    """Intersection 0 discharges its main queue at 1 veh/s into intersection 1 (90 % of it
    continues, plus 30 % of the side flow, here none), which is red for its main street."""
    env = traffic_corridor(2, coordinator=False)
    st = state(env, qm=[10.0, 0.0], qs=[0.0, 0.0], phase=[MAIN, SIDE], req=[1, 0],
               lam_m=[0.0, 0.0], lam_s=[0.0, 0.0])
    advance(env, st, 4.0)
    assert st[0, 0]["qm"] == pytest.approx(6.0) and st[0, 1]["qm"] == pytest.approx(3.6)
    advance(env, st, 8.0)   # upstream empty after 10 s: 9 veh arrived downstream
    assert st[0, 0]["qm"] == 0.0 and st[0, 1]["qm"] == pytest.approx(9.0)
    assert st[0, 1]["main_delay"] == pytest.approx(0.5 * 0.9 * 10.0 ** 2 + 9.0 * 2.0)


def random_state(env, rng):
    n = env.n_units
    return state(env, qm=rng.uniform(0, 15, n) * (rng.random(n) < 0.8),
                 qs=rng.uniform(0, 8, n) * (rng.random(n) < 0.8),
                 phase=rng.integers(0, 4, n), elapsed=rng.uniform(0, 9, n),
                 req=rng.integers(0, 2, n), lam_m=[rng.uniform(0.2, 1.2)] + [0.0] * (n - 1),
                 lam_s=rng.uniform(0.05, 0.6, n))


def test_advance_is_exact_under_any_split_and_reward_integral_is_its_delay():
    """advance(dt) equals advance over any partition of dt (to round-off), and reward_integral
    equals the delay advance accumulates, for random states with every regime: queues emptying,
    upstream flow changing, minimum greens and clearances ending within the interval."""
    env = traffic_corridor(4)
    rng = np.random.default_rng(3)
    fns = env.functions
    names = ("qm", "qs", "elapsed", "main_delay", "side_delay", "served", "changes")
    for _ in range(60):
        st = random_state(env, rng)
        dt = rng.uniform(0.5, 40.0)
        cuts = np.sort(rng.uniform(0, dt, rng.integers(1, 12)))
        integrals = [fns["reward_integral"](st, 0, env.p, i, dt) for i in range(5)]
        whole, split = st.copy(), st.copy()
        advance(env, whole, dt)
        prev = 0.0
        for c in list(cuts) + [dt]:
            advance(env, split, c - prev)
            prev = c
        for k in names:
            np.testing.assert_allclose(split[0][k], whole[0][k], rtol=1e-11, atol=1e-9,
                                       err_msg=k)
        np.testing.assert_array_equal(split[0]["phase"], whole[0]["phase"])
        delay = whole[0]["main_delay"] + whole[0]["side_delay"]
        np.testing.assert_allclose(integrals[:4], -delay, rtol=1e-12, atol=1e-10)
        assert integrals[4] == pytest.approx(-delay.sum(), rel=1e-12, abs=1e-10)


def test_vehicles_are_conserved_along_the_corridor():
    """With no turning off and every side vehicle joining, whatever intersection u discharges
    enters u + 1: the corridor's queues change by the arrivals minus the last one's discharge."""
    env = traffic_corridor(3, turn_out=0.0, join=1.0)
    rng = np.random.default_rng(5)
    for _ in range(10):
        st = random_state(env, rng)
        q0 = st[0]["qm"].sum() + st[0]["qs"].sum()
        t = rng.uniform(20.0, 200.0)
        for _ in range(20):
            st[0]["req"] = rng.integers(0, 2, 3)
            advance(env, st, t / 20)
        arrived = (st[0, 0]["lam_m"] + st[0]["lam_s"].sum()) * t
        q1 = st[0]["qm"].sum() + st[0]["qs"].sum()
        assert q1 == pytest.approx(q0 + arrived - st[0, 2]["served"], rel=1e-11, abs=1e-9)
        assert (st[0]["qm"] >= 0).all() and (st[0]["qs"] >= 0).all()


def test_init_draws_demands_and_phases_from_the_episode_stream():
    env = traffic_corridor(4)
    a, b = state(env), state(env)
    env.functions["init"](a, 0, env.p, 1, 5)
    env.functions["init"](b, 0, env.p, 1, 5)
    assert a.tobytes() == b.tobytes()
    env.functions["init"](b, 0, env.p, 1, 6)
    assert a.tobytes() != b.tobytes()
    r = a[0]
    assert 0.45 * 0.8 <= r["lam_m"][0] <= 0.45 * 1.2 and (r["lam_m"][1:] == 0).all()
    assert ((r["lam_s"] >= 0.15 * 0.8) & (r["lam_s"] <= 0.15 * 1.2)).all()
    assert set(r["phase"]) <= {MAIN, SIDE} and ((r["req"] == 1) == (r["phase"] == MAIN)).all()
    assert ((r["elapsed"] >= 0) & (r["elapsed"] < 7.0)).all()


def test_spillback_trigger_is_edge_triggered():
    env = traffic_corridor(2, spillback_queue=10.0)
    st = state(env, armed=1)
    trig = env.functions["trigger"]
    coord = env.agent_index("coordinator")
    assert trig(st, 0, env.p, 0, np.array([11.0, 0.0, 0.0, 0.0, 0.5])) == coord
    assert trig(st, 0, env.p, 0, np.array([3.0, 12.0, 0.0, 0.0, 0.5])) == -1   # disarmed
    assert trig(st, 0, env.p, 0, np.array([3.0, 10.0, 0.0, 0.0, 0.5])) == -1   # re-armed
    assert trig(st, 0, env.p, 0, np.array([3.0, 10.5, 0.0, 0.0, 0.5])) == coord
    alone = traffic_corridor(2, coordinator=False, spillback_queue=10.0)
    assert trig(st, 0, alone.p, 0, np.array([50.0, 50.0, 0.0, 0.0])) == -1


def test_queue_balance_keeps_the_served_street_until_the_other_leads_by_the_margin():
    act = np.zeros(1)
    params = np.array([6.0, 0.5])
    for obs, want in (([10.0, 15.0, MAIN, 3.0], 1.0),    # serving main: side leads by 5 < 6
                      ([10.0, 16.5, MAIN, 3.0], 0.0),    # side leads by 6.5: switch
                      ([10.0, 15.0, TO_MAIN, 1.0], 1.0),
                      ([10.0, 15.0, SIDE, 3.0], 0.0),    # serving side: main behind
                      ([22.0, 15.0, SIDE, 3.0], 1.0),    # main leads by 7
                      ([22.0, 15.0, TO_SIDE, 3.0], 1.0),
                      ([10.0, 15.0, MAIN, 3.0, 0.2], 0.0),   # weight 0.2: scores 4 vs 24
                      ([10.0, 15.0, SIDE, 3.0, 0.8], 1.0)):  # weight 0.8: 16 vs 6
        queue_balance_fn(np.array(obs), act, params)
        assert act[0] == want, obs


def test_corridor_lookahead_yields_to_an_upstream_platoon():
    act = np.zeros(3)
    obs = np.array([20.0, 10.0, 5.0, 0.0, 0.0, 0.0])   # main queues 20, 10, 5 veh; no side
    corridor_lookahead_fn(obs, act, np.array([0.4, 0.2, 0.8]))
    assert act[0] == 0.5                               # nothing upstream of signal 1
    assert act[1] == pytest.approx(0.5 - 0.4 * 20.0 / 31.0)
    assert act[2] == pytest.approx(0.5 - 0.4 * 10.0 / 16.0)
    corridor_lookahead_fn(obs, act, np.array([1.0, 0.2, 0.8]))
    assert act[1] == 0.2                               # clipped to low


def test_default_timing_is_ntcip_and_agents_are_laid_out():
    env = traffic_corridor(3)
    assert env.agent_ids == ["signal_1", "signal_2", "signal_3", "coordinator"]
    f, c = env.default_timing["field"], env.default_timing["coordinator"]
    assert (f.tick_interval, f.obs_delay, f.act_delay, f.msg_delay) == (0.1, 0.05, 0.2, 0.05)
    assert (c.tick_interval, c.obs_delay, c.msg_delay) == (1.0, 0.05, 0.05)
    assert f.jitter_type is JitterType.UNIFORM and f.jitter_ratio == 0.2
    assert c.jitter_type is JitterType.UNIFORM and c.jitter_ratio == 0.2
    sig, coord = env.agents[0], env.agents[3]
    assert (sig.obs_env_dim, sig.obs_dim, sig.act_dim, sig.parent, sig.alarms) == (4, 5, 1, 3,
                                                                                  True)
    assert (coord.obs_env_dim, coord.act_dim, coord.actuates) == (6, 3, False)
    alone = traffic_corridor(2, coordinator=False)
    assert alone.agent_ids == ["signal_1", "signal_2"] and alone.agents[0].obs_dim == 4
    assert env.metric_names == ("main_delay_veh_s", "side_delay_veh_s", "throughput_veh",
                                "phase_changes")


@pytest.mark.parametrize("kwargs, match", [
    ({"n_intersections": 0}, r"n_intersections must be an int >= 1; got 0"),
    ({"n_intersections": 2.0}, r"n_intersections must be an int >= 1; got 2.0"),
    ({"min_green": 0.0}, r"min_green must be a finite number > 0 s; got 0.0"),
    ({"turn_out": 1.5}, r"turn_out must be a finite number >= 0 and <= 1; got 1.5"),
    ({"horizon": -1.0}, r"horizon must be a finite number > 0 s; got -1.0"),
    ({"sat_side": "fast"}, r"sat_side must be a finite number > 0 veh/s; got 'fast'"),
    ({"main_demand": float("nan")}, r"main_demand must be a finite number >= 0 veh/s"),
])
def test_factory_arguments_are_validated_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        traffic_corridor(**kwargs)


def test_coordinator_flag_must_be_a_bool():
    with pytest.raises(TypeError, match="coordinator must be a bool; got 'yes'"):
        traffic_corridor(coordinator="yes")


def test_registered_env_and_policies():
    env = heron.make("TrafficCorridor-v0", n_intersections=3, horizon=30.0)
    assert env.name == "traffic_corridor" and env.n_units == 3 and env.horizon == 30.0
    assert heron.spec("traffic_corridor") is heron.spec("TrafficCorridor-v0")
    assert heron.make("TrafficCorridor-v0").params["n_intersections"] == 4
    assert batch_policies.get("queue_balance").fn is queue_balance_fn
    assert batch_policies.get("corridor_lookahead").fn is corridor_lookahead_fn
    rules = batch_policies.get("traffic_rules")
    assert set(rules) == {"field", "coordinator"}
    assert env.default_policy == {"field": "queue_balance", "coordinator": "corridor_lookahead"}


def test_check_env_passes_every_pass_including_the_interactive_form():
    report = check_env(traffic_corridor(2, horizon=30.0), n_episodes=3)
    checked = "\n".join(report.checked)
    assert "plain-Python pass" in checked and "compiled pass" in checked
    assert "event-driven with zero delays == synchronous" in checked
    assert "batch == interactive" in checked
    assert not report.warnings


def test_example_study_resolves_and_fits_the_ntcip_preset():
    """examples/study_traffic_corridor.toml names the registered env and policy set; the NTCIP
    preset fits the corridor's 100 ms controllers (18 grid scenarios; the baseline is added when
    the study runs)."""
    from pathlib import Path

    from heron.study.resolve import check_study
    from heron.study.spec import load_spec

    spec = load_spec(Path(__file__).parents[2] / "examples" / "study_traffic_corridor.toml")
    env, _, _ = check_study(spec)
    assert env.name == "traffic_corridor" and env.n_units == 4
    fitted = spec.for_env(env)
    grid = [s for s in fitted.scenarios if s.kind == "grid"]
    assert len(grid) == len(fitted.scenarios) == 3 * 3 * 2
    assert {s.timing["field"]["tick_interval"] for s in grid} == {0.1}
    assert {s.timing["coordinator"]["tick_interval"] for s in grid} == {1.0, 30.0}
