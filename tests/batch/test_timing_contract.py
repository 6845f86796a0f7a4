"""Property tests of the timing contract (docs/timing-model.md s.3-4) on event traces."""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heron.batch.schedule import build_schedule
from heron.batch.trace import trace_episodes
from heron.demo_envs import battery_fleet
from heron.scheduling import JitterType, TickConfig

CLASS = {"obs_sample": 0, "tick": 1, "delivery": 2, "effect": 3, "reward": 4, "disturbance": 5}

timings = st.builds(
    lambda ti, o, a, m, jt, jr: TickConfig.with_jitter(
        ti, o, a, m, jt, 0.0 if jt == JitterType.NONE else jr),   # NONE refuses a ratio
    st.floats(0.2, 2.0), st.floats(0.0, 1.5), st.floats(0.0, 2.5), st.floats(0.0, 1.0),
    st.sampled_from(list(JitterType)), st.floats(0.0, 0.6),
)


def _check(df, horizon):
    assert (df["t"] <= horizon).all()                          # nothing after the horizon
    for ep, g in df.groupby("episode"):
        assert np.all(np.diff(g["t"].to_numpy()) >= 0)
        # processing order: by time, then class at equal times (an alarm and the out-of-cycle
        # tick it causes at that same instant are created on the spot and come after)
        reg = g[~(((g.event == "tick") | (g.event == "delivery")) & (g.k < 0))]
        t = reg["t"].to_numpy()
        cls = reg["event"].map(CLASS).to_numpy()
        same = np.diff(t) == 0
        assert np.all(np.diff(cls)[same] >= 0)
        ticks = g[g.event == "tick"]
        # no observation newer than t - obs_delay (or the start)
        assert np.all((ticks.s <= ticks.t - ticks.delay + 1e-12) | (ticks.s == 0.0))
        assert np.all(ticks.s <= ticks.t)
        for kind in ("effect", "delivery"):
            ev = g[(g.event == kind) & (g.k >= 0)]
            for _, h in ev.groupby("agent_index"):
                # no effect/message before its tick + delay
                assert np.all(h.t.to_numpy() >= h.ref_t.to_numpy() + h.delay.to_numpy() - 1e-12)
                # first in, first out: never overtakes an earlier one
                assert np.all(np.diff(h.ref_t.to_numpy()) >= 0)
                assert np.all(np.diff(h.t.to_numpy()) >= 0)
                assert np.all(np.diff(h.k.to_numpy()) == 1)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=timings, seed=st.integers(0, 2 ** 31))
def test_contract_field_agents(field, seed):
    env = battery_fleet(2, horizon=12.0)
    df = trace_episodes(env, "simple", timing=field, n_episodes=2, seed=seed)
    _check(df, 12.0)
    # tick times are exactly the schedule's
    s = build_schedule(env, field, n_episodes=2, seed=seed, horizon=12.0)
    for ep in range(2):
        for i, aid in enumerate(env.agent_ids):
            got = df[(df.episode == ep) & (df.event == "tick") & (df.agent == aid)]["t"].to_numpy()
            assert np.array_equal(got, s.ticks(ep, i)["t"][: s.n_ticks[ep, i]])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=timings, coord=timings, seed=st.integers(0, 2 ** 31))
def test_contract_with_coordinator_alarms_and_disturbances(field, coord, seed):
    env = battery_fleet(3, coordinator=True, horizon=30.0, disturbance_mean=5.0)
    df = trace_episodes(env, None, timing={"field": field, "coordinator": coord},
                        n_episodes=2, seed=seed)
    _check(df, 30.0)
    ooc = df[(df.event == "tick") & (df.k < 0)]
    alarms = df[(df.event == "delivery") & (df.k < 0)]
    assert len(ooc) <= len(alarms)              # every out-of-cycle tick follows an alarm
    for _, r in ooc.iterrows():
        assert r.s <= r.t and r.s >= 0.0


def test_contract_catches_a_broken_trace():
    env = battery_fleet(2, horizon=12.0)
    tc = TickConfig.with_jitter(1.0, 0.1, 0.3, 0.0, JitterType.UNIFORM, 0.2)
    df = trace_episodes(env, "simple", timing=tc, n_episodes=1, seed=1)
    _check(df, 12.0)
    broken = df.copy()
    i = broken.index[(broken.event == "effect")][3]
    broken.loc[i, "t"] = broken.loc[i, "ref_t"]   # an effect before tick + act_delay
    import pytest

    with pytest.raises(AssertionError):
        _check(broken, 12.0)
