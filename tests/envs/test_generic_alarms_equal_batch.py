"""Condition monitors and disturbance schedules (issue 13 items 2-3) equal the batch engine's
alarms, out-of-cycle ticks and Poisson disturbances on the same samples.

The battery fleet with a coordinator raises alarms (a battery whose observed SOC leaves the band
while armed) and has Poisson disturbances in both engines. Here its interactive form has its
hand-written alarm and disturbance code switched off and replaced by the generic API: one
edge-triggered ``ConditionMonitor`` per battery (source = the battery, agent = the coordinator)
and a ``DisturbanceSchedule.poisson``. Timing comes from ``reset(seed)``'s counter-based streams
(no schedule replay): metrics, alarm arrivals, out-of-cycle ticks and disturbance times must be
the batch engine's (``evaluate``, ``trace_episodes``)."""
import numpy as np
import pytest

from heron.batch import evaluate
from heron.batch.arguments import resolve_policies
from heron.batch.interactive import PerObservationPolicy, _Episode
from heron.batch.timing import resolve_timing
from heron.batch.trace import trace_episodes
from heron.demo_envs import battery_fleet
from heron.demo_envs.battery.interactive import BatteryFleetEnv
from heron.scheduling import ConditionMonitor, DisturbanceSchedule, JitterType, TickConfig

POLICY = {"field": "tracking_mlp", "coordinator": "setpoint"}
U, G = JitterType.UNIFORM, JitterType.GAUSSIAN


class GenericFleet(BatteryFleetEnv):
    """The fleet with its own alarms and disturbances off (the generic API replaces them)."""

    def after_decision(self, *args):
        pass

    def _schedule_disturbance(self, t, j):
        pass


def generic_env(spec, timing, policies, seed, episode):
    env = GenericFleet(spec, resolve_timing(spec, timing), policies, seed=seed, episode=episode)
    lo, hi = spec.params["band"]
    for b, bat in enumerate(env.batteries):
        env.register_condition(ConditionMonitor.threshold(
            f"soc_alarm_{b}", "coordinator", [0], (lo, hi), direction="outside",
            source=bat.agent_id, edge_triggered=True))

    def disturb(d):  # the fleet's own effect of disturbance number d.index
        env._sync()
        env._disturb(d.timestamp, d.index)

    env.add_disturbances(DisturbanceSchedule.poisson(mean_spacing=spec.disturbance_mean),
                         handler=disturb)
    return env


def adapters(spec):
    return [PerObservationPolicy(p, a, spec.msg_init, _Episode(), i)
            for i, (p, a) in enumerate(zip(resolve_policies(spec, POLICY), spec.agents))]


CASES = {
    # the W2 fleet of the brief, with a horizon long enough for several disturbances
    "w2-default": (lambda: battery_fleet(8, coordinator=True, horizon=600.0), None, 4),
    "narrow-band-frequent": (
        lambda: battery_fleet(8, coordinator=True, horizon=120.0, band=(0.4, 0.6),
                              disturbance_mean=8.0),
        {"field": TickConfig.with_jitter(1.0, 0.3, 0.2, 0.15, U, 0.3),
         "coordinator": TickConfig.with_jitter(5.0, 0.4, 0.0, 0.3, G, 0.2)}, 3),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_generic_monitors_and_disturbances_equal_the_batch_engine(name):
    make, timing, n = CASES[name]
    spec = make()
    seed, start = 11, 5
    batch = evaluate(spec, POLICY, timing=timing, n_episodes=n, seed=seed, episode_start=start,
                     as_arrays=True).arrays
    trace = trace_episodes(spec, POLICY, timing=timing, n_episodes=n, seed=seed,
                           episode_start=start, capacity=20000)
    env = generic_env(spec, timing, adapters(spec), seed, start)
    ids = spec.agent_ids
    alarms = ooc = dist = 0
    for row in range(n):
        e = start + row
        env.trace = []
        env.reset(seed=seed, options={"episode": e})
        env.run()
        got = env.episode_metrics()
        for i, aid in enumerate(ids):
            r = row * len(ids) + i
            for k in ("n_ticks", "n_effects", "n_messages"):
                assert got[aid][k] == batch[k][r], (e, aid, k)
            for k in ("return", "time_outside_band", "obs_staleness_max"):
                assert got[aid][k] == pytest.approx(batch[k][r], abs=1e-9), (e, aid, k)
        tr = trace[trace["episode"] == e]
        want_alarms = tr[(tr["event"] == "delivery") & (tr["k"] == -1)]
        want_ooc = tr[(tr["event"] == "tick") & (tr["k"] < 0)]
        want_dist = tr[tr["event"] == "disturbance"]
        have_alarms = [x for x in env.trace if x["kind"] == "alarm"]
        have_ooc = [x for x in env.trace if x["kind"] == "tick" and x["tick"] < 0]
        have_dist = [x for x in env.trace if x["kind"] == "disturbance"]
        np.testing.assert_allclose([x["time"] for x in have_alarms], want_alarms["t"], atol=1e-12)
        assert [x["source"] for x in have_alarms] == list(want_alarms["agent"])
        np.testing.assert_allclose([x["time"] for x in have_ooc], want_ooc["t"], atol=1e-12)
        np.testing.assert_allclose([x["obs_time"] for x in have_ooc], want_ooc["s"], atol=1e-12)
        np.testing.assert_allclose([x["time"] for x in have_dist], want_dist["t"], atol=1e-12)
        alarms, ooc, dist = alarms + len(have_alarms), ooc + len(have_ooc), dist + len(have_dist)
    assert alarms > 0 and ooc > 0 and dist > 0  # the irregular events really happened


def test_the_fleets_own_env_equals_the_batch_engine_without_replay():
    """``reset(seed, episode)`` alone (streams, no ScheduledTickConfig) gives the batch episode."""
    make, timing, n = CASES["narrow-band-frequent"]
    spec = make()
    batch = evaluate(spec, POLICY, timing=timing, n_episodes=2, seed=3, episode_start=0,
                     as_arrays=True).arrays
    env = spec.interactive_env(timing=timing, policy=adapters(spec))
    for e in range(2):
        env.reset(seed=3, options={"episode": e})
        env.run()
        got = env.episode_metrics()
        for i, aid in enumerate(spec.agent_ids):
            r = e * len(spec.agent_ids) + i
            assert got[aid]["n_ticks"] == batch["n_ticks"][r]
            assert got[aid]["return"] == pytest.approx(batch["return"][r], abs=1e-9)
